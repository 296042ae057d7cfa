//! Conversation quality on the embedded default: how well the agent hears the callee at each step of
//! the call path, and how soon it answers.
//!
//! Two sets of callee lines: the sandbox callee's own (listened to while the engines were built) and a
//! held-out set written for this measurement and never used to tune anything. Each line is spoken by
//! the sandbox callee's voice (Piper, 8 kHz) and transcribed by the local recogniser (Moonshine):
//!
//! 1. `voice`: the voice's audio as it is, upsampled to 16 kHz;
//! 2. `+ G.711`: through the µ-law codec the sandbox line uses;
//! 3. `+ VAD cut`: then cut into utterances by the conversation's voice detector and turn-taker, with
//!    the same lead-in, as the conversation does;
//! 4. `live`: real sandbox calls with `sandbox.callee_lines` through the server (RTP, jitter buffer,
//!    drafts, the script agent talking back), read back from the call's transcript.
//!
//! The live calls also give each agent answer's latency and its breakdown, for two agents on the
//! offline voice: the demo's (a script brain, whose fixed replies the voice prepares while the call
//! starts) and one whose replies are new every time (a webhook brain served here, so every answer is
//! synthesized while the caller waits, as an LLM's would be).

use crate::harness::{self, Bench};
use crate::stats::summarize;
use agentline_conversation::turn::{Action, TurnConfig, TurnTaker};
use agentline_conversation::vad::VoiceDetector;
use agentline_media::g711::{ulaw_decode, ulaw_encode};
use agentline_media::resample::upsample_8k_to_16k;
use agentline_moonshine::Moonshine;
use agentline_moonshine::wer::{WordErrors, word_errors};
use agentline_speech::{PiperVoice, TextToSpeech};
use agentline_store::test_support::Engine;
use anyhow::Context;
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::time::Duration;

/// Lines written for this measurement only: never listened to or tuned on.
const HELD_OUT: &[&str] = &[
    "Hi, yes, this is Jordan. Who am I speaking with?",
    "Actually, could we move it to Friday morning instead?",
    "I usually work until five, so anything after six works for me.",
    "My email is the same as before, nothing has changed.",
    "Sure, go ahead and book it, and send me a reminder the day before.",
    "No, that is everything for now. Thanks a lot, bye.",
];

/// Frames of audio kept before an utterance's start, as the conversation keeps (`LEAD_IN_FRAMES`).
const LEAD_IN_FRAMES: usize = 15;
const FRAME: usize = agentline_conversation::FRAME_SAMPLES;

pub(crate) async fn run(rounds: usize, finished_silence_ms: Option<u64>) -> anyhow::Result<()> {
    let sandbox: Vec<String> = agentline_conversation::persona::TALKER.iter().map(|l| l.text.to_string()).collect();
    let held_out: Vec<String> = HELD_OUT.iter().map(|l| (*l).to_owned()).collect();
    let voice =
        PiperVoice::load(&agentline_piper::default_dir()).context("the Piper voice (scripts/install-piper.sh)")?;
    let moonshine = Moonshine::load(&agentline_moonshine::default_dir()).context("Moonshine (install-moonshine.sh)")?;
    println!("| lines | words | voice | + G.711 | + VAD cut | live (calls) | live caller turns / lines |");
    println!("|---|---|---|---|---|---|---|");
    let bench = harness::start(Engine::Sqlite, |c| {
        c.engine.calls.dispatch_interval_ms = 20;
        c.engine.webhook_allow_private = true; // the webhook brain on loopback
        if let Some(ms) = finished_silence_ms {
            c.engine.conversation.finished_silence_ms = ms;
        }
    })
    .await?;
    let agents = [demo_agent(&bench).await?, novel_agent(&bench).await?];
    let (mut latencies, mut timings) = ([Vec::new(), Vec::new()], VoiceTimings::default());
    for (name, lines) in [("sandbox callee", &sandbox), ("held out", &held_out)] {
        let offline = offline_steps(&voice, &moonshine, lines, &mut timings).await?;
        let heard = live(&bench, &agents[0], lines, rounds, &mut latencies[0]).await?;
        live(&bench, &agents[1], lines, rounds, &mut latencies[1]).await?; // its answers' latency only
        println!(
            "| {name} | {} | {} | {} | {} | {} ({rounds}) | {} / {} |",
            offline[0].reference_words,
            percent(offline[0]),
            percent(offline[1]),
            percent(offline[2]),
            percent(heard.errors),
            heard.turns,
            heard.lines
        );
    }
    print_latency(&latencies);
    timings.print();
    Ok(())
}

/// The voice's time to its first audio and its real-time factor, line by line (nothing kept).
#[derive(Default)]
struct VoiceTimings {
    first_audio_ms: Vec<f64>,
    real_time_factor: Vec<f64>,
}

impl VoiceTimings {
    fn print(self) {
        let lines = self.first_audio_ms.len();
        let (first, rtf) = (summarize(self.first_audio_ms), summarize(self.real_time_factor));
        println!(
            "\n| voice (Piper, 1 thread, uncached) | lines | first audio p50 / p95 (ms) | real-time factor p50 / p95 |"
        );
        println!("|---|---|---|---|");
        println!(
            "| en_US-joe-medium | {lines} | {:.0} / {:.0} | {:.3} / {:.3} |",
            first.p50, first.p95, rtf.p50, rtf.p95
        );
    }
}

fn percent(errors: WordErrors) -> String {
    format!("{:.1} % ({}/{})", errors.rate() * 100.0, errors.errors, errors.reference_words)
}

/// Word errors of each offline step over `lines`: voice, + G.711, + VAD cut.
async fn offline_steps(
    voice: &PiperVoice,
    moonshine: &Moonshine,
    lines: &[String],
    timings: &mut VoiceTimings,
) -> anyhow::Result<[WordErrors; 3]> {
    let mut totals = [WordErrors::default(); 3];
    for line in lines {
        let spoken = speak(voice, line, timings).await?;
        let coded: Vec<i16> = spoken.iter().map(|&s| ulaw_decode(ulaw_encode(s))).collect();
        let heard = [transcribe(moonshine, &spoken)?, transcribe(moonshine, &coded)?, vad_cut(moonshine, &coded)?];
        for (total, text) in totals.iter_mut().zip(&heard) {
            *total += word_errors(line, text);
        }
    }
    Ok(totals)
}

async fn speak(voice: &PiperVoice, text: &str, timings: &mut VoiceTimings) -> anyhow::Result<Vec<i16>> {
    let started = std::time::Instant::now();
    let mut audio = voice.synthesize(text).await?;
    timings.first_audio_ms.push(started.elapsed().as_secs_f64() * 1000.0);
    let mut pcm = Vec::new();
    while let Some(chunk) = audio.next().await {
        pcm.extend(chunk?);
    }
    let seconds = pcm.len() as f64 / 8_000.0;
    timings.real_time_factor.push(started.elapsed().as_secs_f64() / seconds.max(0.001));
    Ok(pcm)
}

/// What the local recogniser hears in 8 kHz audio.
pub(crate) fn transcribe(moonshine: &Moonshine, pcm_8k: &[i16]) -> anyhow::Result<String> {
    let mut pcm_16k = Vec::with_capacity(pcm_8k.len() * 2);
    upsample_8k_to_16k(pcm_8k, &mut pcm_16k);
    Ok(moonshine.transcribe(&pcm_16k)?)
}

/// The line between a second of silence on each side, cut into utterances as the conversation cuts
/// it; their texts joined.
fn vad_cut(moonshine: &Moonshine, pcm_8k: &[i16]) -> anyhow::Result<String> {
    let mut audio = vec![0i16; 8_000];
    audio.extend_from_slice(pcm_8k);
    audio.resize(audio.len() + 8_000, 0);
    let frames: Vec<&[i16]> = audio.chunks_exact(FRAME).collect();
    let config = TurnConfig { reminder_after: None, hangup_after: None, ..TurnConfig::default() };
    let (mut vad, mut turns) = (VoiceDetector::default(), TurnTaker::new(config, Duration::ZERO));
    let (mut texts, mut open) = (Vec::new(), None);
    for (index, frame) in frames.iter().enumerate() {
        let frame: [i16; FRAME] = (*frame).try_into()?;
        let now = agentline_conversation::FRAME * (index as u32 + 1);
        for action in turns.tick(now, vad.is_speech(&frame), false) {
            match action {
                Action::UtteranceStarted { at } => {
                    open = Some((at.as_millis() as usize / 20).saturating_sub(LEAD_IN_FRAMES));
                }
                Action::TurnEnded { .. } => {
                    if let Some(start) = open.take() {
                        texts.push(transcribe(moonshine, &audio[start * FRAME..(index + 1) * FRAME])?);
                    }
                }
                Action::UtteranceDiscarded => open = None,
                _ => {}
            }
        }
    }
    Ok(texts.join(" "))
}

/// What the live calls heard.
#[derive(Default)]
struct Live {
    errors: WordErrors,
    turns: usize,
    lines: usize,
}

/// `rounds` sandbox calls whose callee says `lines`; collects each answer's latency figures.
async fn live(
    bench: &Bench,
    agent: &str,
    lines: &[String],
    rounds: usize,
    latencies: &mut Vec<Value>,
) -> anyhow::Result<Live> {
    let mut live = Live::default();
    for _ in 0..rounds {
        let body = json!({"agent_id": agent, "to": "+14155550100", "sandbox": {"callee_lines": lines}});
        let call = post_test(bench, "/v1/calls", &body).await?;
        let id = call["id"].as_str().context("call id")?.to_owned();
        let call = crate::turns::wait_done(bench, &id).await?;
        latencies.extend(call["latency"]["per_turn"].as_array().into_iter().flatten().cloned());
        let heard = caller_turns(bench, &id).await?;
        live.errors += word_errors(&lines.join(" "), &heard.join(" "));
        (live.turns, live.lines) = (live.turns + heard.len(), live.lines + lines.len());
    }
    Ok(live)
}

async fn caller_turns(bench: &Bench, call: &str) -> anyhow::Result<Vec<String>> {
    let transcript = bench.get(&format!("/v1/calls/{call}/transcript")).await?;
    let turns = transcript["turns"].as_array().context("transcript turns")?;
    let caller = turns.iter().filter(|t| t["speaker"] == "caller");
    Ok(caller.filter_map(|t| t["text"].as_str()).filter(|t| !t.is_empty()).map(str::to_owned).collect())
}

/// Sandbox scripts are for test keys.
async fn post_test(bench: &Bench, path: &str, body: &Value) -> anyhow::Result<Value> {
    let response =
        bench.client.post(format!("{}{path}", bench.base)).bearer_auth(&bench.test_key).json(body).send().await?;
    let status = response.status();
    let body: Value = response.json().await?;
    anyhow::ensure!(status.is_success(), "POST {path}: {status} {body}");
    Ok(body)
}

/// The demo's agent (`agentline demo`): a greeting and a script brain; it answers every line, so the
/// callee goes through all of them.
async fn demo_agent(bench: &Bench) -> anyhow::Result<String> {
    let brain = json!({"type": "script", "max_turns": 20, "branches": [
        {"keywords": ["details", "send", "good"], "reply": "Done, I will text you the details right away."},
        {"keywords": ["minute", "about", "what"], "reply": "You have a cleaning booked tomorrow at ten in the morning. Shall I send you the details by text?"}
    ], "fallback": "Alright, noted."});
    let body = json!({"name": "Riley", "first_message": "Good evening, this is Riley from Demo Dental. I am calling about your cleaning appointment tomorrow. Do you have a minute?", "brain": brain});
    let agent = bench.post("/v1/agents", &body).await?;
    let id = agent["id"].as_str().context("agent id")?.to_owned();
    bench.post("/v1/numbers", &json!({"phone_number": "+14155550150", "agent_id": id})).await?;
    Ok(id)
}

/// An agent whose every answer is new: a webhook brain served here that counts the caller's words.
async fn novel_agent(bench: &Bench) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/turn", listener.local_addr()?);
    let app = axum::Router::new().route("/turn", axum::routing::post(novel_reply));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let brain = json!({"type": "webhook", "url": url, "timeout_ms": 2000});
    let body = json!({"name": "Novel", "first_message": "Hello, this is Alex from the bistro, do you have a minute?", "brain": brain});
    let agent = bench.post("/v1/agents", &body).await?;
    let id = agent["id"].as_str().context("agent id")?.to_owned();
    bench.post("/v1/numbers", &json!({"phone_number": "+14155550151", "agent_id": id})).await?;
    Ok(id)
}

/// A reply no voice has said before: it names the caller's word count and a number never used before.
async fn novel_reply(axum::Json(turn): axum::Json<Value>) -> axum::Json<Value> {
    static REPLIES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);
    let reply = REPLIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let transcript = turn["transcript"].as_array().cloned().unwrap_or_default();
    let said = transcript.iter().rev().find(|line| line["role"] == "caller");
    let words = said.and_then(|line| line["text"].as_str()).map_or(0, |text| text.split_whitespace().count());
    let say = format!(
        "Thank you for telling me that, I wrote down all {words} of your words as note {reply}. Anything else?"
    );
    axum::Json(json!({ "say": say }))
}

/// p50 / p95 of each figure over every answer, per agent.
fn print_latency(turns: &[Vec<Value>; 2]) {
    println!("\n| agent | answers | figure | p50 (ms) | p95 (ms) |");
    println!("|---|---|---|---|---|");
    for (agent, turns) in ["script (prepared phrases)", "webhook (new replies)"].iter().zip(turns) {
        for figure in agentline_conversation::latency::FIGURES {
            let values: Vec<f64> = turns.iter().filter_map(|t| t[figure].as_f64()).collect();
            let stats = summarize(values);
            println!("| {agent} | {} | {figure} | {:.0} | {:.0} |", turns.len(), stats.p50, stats.p95);
        }
    }
}
