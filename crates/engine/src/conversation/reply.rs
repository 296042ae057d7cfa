//! One agent reply on its way out: the brain's sentences, each spoken by the TTS engine and
//! queued on the media as its audio arrives. Runs as a task the driver aborts on barge-in, which
//! drops the brain's request and the TTS stream mid-flight.

use crate::media::MediaControl;
use agentline_brains::{Action, BrainEvent, BrainStream};
use agentline_speech::TextToSpeech;
use futures_util::StreamExt;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Progress of a reply, tagged by the driver with the reply's number.
#[derive(Debug)]
pub(super) enum ReplyEvent {
    /// The brain finished a sentence; it will be utterance `id`.
    Sentence {
        id: u64,
        text: String,
        at: Instant,
    },
    /// Audio of utterance `id` was queued; `first` for the reply's first audio.
    Audio {
        id: u64,
        samples: usize,
        at: Instant,
    },
    Act(Action),
    /// Something the call's events should show (degraded brain or TTS, a tool call).
    Note {
        kind: &'static str,
        detail: String,
    },
    /// The brain and the TTS have nothing more for this reply.
    Done,
}

/// A fixed phrase as a reply (greeting, reminder, goodbye).
pub(super) fn phrase(text: &str) -> BrainStream {
    Box::pin(futures_util::stream::iter([BrainEvent::Say(text.to_owned())]))
}

/// Starts speaking `source`; utterance ids count up from `first_id`.
pub(super) fn spawn(
    number: u64,
    source: BrainStream,
    tts: Arc<dyn TextToSpeech>,
    control: MediaControl,
    first_id: u64,
    events: mpsc::UnboundedSender<(u64, ReplyEvent)>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let send = |event| {
            let _ = events.send((number, event));
        };
        let mut source = source;
        let mut id = first_id;
        while let Some(event) = source.next().await {
            match event {
                BrainEvent::Say(text) => {
                    send(ReplyEvent::Sentence { id, text: text.clone(), at: Instant::now() });
                    speak(&*tts, &control, id, &text, &send).await;
                    id += 1;
                }
                BrainEvent::Act(action) => send(ReplyEvent::Act(action)),
                BrainEvent::Degraded(detail) => send(ReplyEvent::Note { kind: "brain_degraded", detail }),
                BrainEvent::ToolCalled { name, ok, detail } => {
                    let detail = format!("{name}: {} {detail}", if ok { "ok" } else { "failed" });
                    send(ReplyEvent::Note { kind: "tool_called", detail });
                }
            }
        }
        send(ReplyEvent::Done);
    })
}

/// Synthesises one sentence and queues its audio chunk by chunk; a TTS failure is reported and
/// the reply goes on with its next sentence.
async fn speak(tts: &dyn TextToSpeech, control: &MediaControl, id: u64, text: &str, send: &impl Fn(ReplyEvent)) {
    let mut audio = match tts.synthesize(text).await {
        Ok(audio) => audio,
        Err(err) => return send(ReplyEvent::Note { kind: "tts_failed", detail: err.to_string() }),
    };
    while let Some(chunk) = audio.next().await {
        match chunk {
            Ok(pcm) if !pcm.is_empty() => {
                send(ReplyEvent::Audio { id, samples: pcm.len(), at: Instant::now() });
                control.play(id, pcm);
            }
            Ok(_) => {}
            Err(err) => return send(ReplyEvent::Note { kind: "tts_failed", detail: err.to_string() }),
        }
    }
}
