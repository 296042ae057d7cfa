//! The engines against stand-in servers on 127.0.0.1 that speak each vendor's wire format and
//! record what the client sent. Nothing here reaches the internet.

mod buffered;
mod deepgram;
mod elevenlabs;
mod espeak;
mod openai_stt;
mod openai_tts;
mod piper;
mod support;
