//! The sandbox carrier's driver: plays the magic number's script (domain::sandbox) in time.
//!
//! At real-time speed a sandbox call carries audio exactly as a SIP call does: two RTP media
//! sessions on loopback, the agent's (recorded, heard by the conversation) and the callee's. On
//! the talking numbers the callee is a persona (`agentline_conversation::persona`) whose lines
//! the callee's voice speaks into its session, so the agent's recogniser hears real audio; on the
//! answering-machine numbers it is a machine (`answering_machine.rs`).

use super::answering_machine::{self, Hangup};
use crate::leg::{CarrierControl, CarrierSignal, DialedCall, LegEnd};
use crate::media::{self, MediaHandle, MediaLink, MediaPlan, Remains};
use agentline_conversation::persona::{self, Ear, INTERRUPTER, LONG_HELLO, Line, Persona, PersonaAction, TALKER};
use agentline_conversation::vad::rms;
use agentline_domain::call::EndReason;
use agentline_domain::sandbox::{SandboxScript, SandboxStep, SandboxTalker, script_for, talker_for};
use agentline_media::Codec;
use agentline_media::sdp::{Direction, Negotiated};
use agentline_speech::TextToSpeech;
use futures_util::StreamExt;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// What a sandbox call needs to carry audio.
#[derive(Clone)]
pub struct SandboxMedia {
    pub plan: MediaPlan,
    /// What the callee says instead of its usual lines (a test call's `sandbox.callee_lines`).
    pub script: Option<SandboxScript>,
    /// The callee's voice.
    pub voice: Arc<dyn TextToSpeech>,
}

impl std::fmt::Debug for SandboxMedia {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let voice = self.voice.name();
        f.debug_struct("SandboxMedia")
            .field("plan", &self.plan)
            .field("script", &self.script)
            .field("voice", &voice)
            .finish()
    }
}

/// Who is on the callee's side of an answered sandbox call with audio.
enum Callee {
    /// A person saying these lines.
    Persona(Arc<[Line]>),
    /// An answering machine.
    Machine { beep: bool },
}

/// Who answers at `to`, if anyone talks: the call's own script, else the number's persona or machine.
fn callee(to: &str, media: &SandboxMedia) -> Option<Callee> {
    let talker = talker_for(to)?;
    if let Some(script) = &media.script {
        return Some(Callee::Persona(persona::script(script.callee_lines.iter().cloned()).into()));
    }
    Some(match talker {
        SandboxTalker::Talker => Callee::Persona(TALKER.into()),
        SandboxTalker::Interrupter => Callee::Persona(INTERRUPTER.into()),
        SandboxTalker::LongHello => Callee::Persona(LONG_HELLO.into()),
        SandboxTalker::Machine { beep } => Callee::Machine { beep },
    })
}

/// Dials the sandbox callee at `to`; its script runs `speed` times faster than real time.
pub(crate) fn dial(to: &str, speed: f64, media: Option<SandboxMedia>) -> DialedCall {
    let (signal_tx, signals) = mpsc::channel(8);
    let (controls, control_rx) = mpsc::channel(4);
    // What the callee says first is synthesized while the phone rings: a person answers with
    // their hello ready, however long our voice takes to make it.
    let talker = media.as_ref().and_then(|media| Some(Ready::prepare(callee(to, media)?, &media.voice)));
    let mut script = script_for(to);
    if talker.is_some() {
        // The persona hangs up when the conversation is over.
        script.retain(|(_, step)| !matches!(step, SandboxStep::End(..)));
    }
    tokio::spawn(async move {
        let end = run(script, speed, media, talker, &signal_tx, control_rx).await;
        let _ = signal_tx.send(CarrierSignal::Ended(end)).await;
    });
    DialedCall { signals, controls }
}

async fn run(
    script: Vec<(std::time::Duration, SandboxStep)>,
    speed: f64,
    media: Option<SandboxMedia>,
    mut talker: Option<Ready>,
    signals: &mpsc::Sender<CarrierSignal>,
    mut controls: mpsc::Receiver<CarrierControl>,
) -> LegEnd {
    let (hangup_tx, mut hangup) = mpsc::channel(1);
    let mut line: Option<OpenLine> = None;
    for (wait, step) in script {
        tokio::select! {
            () = tokio::time::sleep(wait.div_f64(speed)) => {}
            // Canceled or hung up by us: the callee simply goes away.
            _ = controls.recv() => return LegEnd { reason: None, remains: finish(line, media).await },
        }
        let signal = match step {
            SandboxStep::Ring => CarrierSignal::Ringing,
            SandboxStep::Answer => {
                let (opened, link) = match open_line(media.as_ref(), talker.take(), hangup_tx.clone()).await {
                    Ok(Some((opened, link))) => (Some(opened), Some(link)),
                    Ok(None) => (None, None),
                    Err(err) => {
                        return LegEnd::because(EndReason::CarrierError, format!("sandbox media failed: {err}"));
                    }
                };
                line = opened;
                CarrierSignal::Answered(link)
            }
            SandboxStep::End(reason, detail) => {
                return LegEnd { reason: Some((reason, detail.to_owned())), remains: finish(line, media).await };
            }
        };
        if signals.send(signal).await.is_err() {
            return LegEnd { reason: None, remains: finish(line, media).await };
        }
    }
    // The script is over but the callee stays on the line until one side ends the call.
    let mut reason = None;
    loop {
        tokio::select! {
            control = controls.recv() => match control {
                Some(CarrierControl::SendDtmf(digits)) => {
                    if let Some(line) = &line {
                        line.agent.control().send_dtmf(digits);
                    }
                }
                _ => break,
            },
            Some((why, detail)) = hangup.recv() => {
                reason = Some((why, detail.to_owned()));
                break;
            }
        }
    }
    LegEnd { reason, remains: finish(line, media).await }
}

/// Both ends of an answered sandbox call's audio.
struct OpenLine {
    agent: MediaHandle,
    callee: MediaHandle,
}

/// Opens the loopback RTP pair and starts the persona; returns the agent's link for the conversation.
async fn open_line(
    media: Option<&SandboxMedia>,
    talker: Option<Ready>,
    hangup: Hangup,
) -> std::io::Result<Option<(OpenLine, MediaLink)>> {
    let Some(media) = media else { return Ok(None) };
    let agent_socket = UdpSocket::bind("127.0.0.1:0").await?;
    let callee_socket = UdpSocket::bind("127.0.0.1:0").await?;
    let (agent_addr, callee_addr) = (agent_socket.local_addr()?, callee_socket.local_addr()?);
    let callee_plan = MediaPlan { recording: None, ..media.plan.clone() };
    let (agent, _agent_events) = media::start(agent_socket, pcmu_to(callee_addr), media.plan.clone());
    let (callee, _callee_events) = media::start(callee_socket, pcmu_to(agent_addr), callee_plan);
    agent.answered();
    callee.answered();
    let link = agent.link();
    let voice = Arc::clone(&media.voice);
    match talker {
        Some(Ready { callee: Callee::Persona(lines), first }) => {
            drop(tokio::spawn(persona(callee.link(), lines, voice, first, hangup)));
        }
        Some(Ready { callee: Callee::Machine { .. }, first }) => {
            drop(tokio::spawn(answering_machine::answer(callee.link(), first, hangup)));
        }
        None => {}
    }
    Ok(Some((OpenLine { agent, callee }, link)))
}

fn pcmu_to(remote: SocketAddr) -> Negotiated {
    Negotiated {
        remote,
        codec: Codec::Pcmu,
        payload_type: 0,
        telephone_event_pt: Some(101),
        ptime_ms: 20,
        direction: Direction::SendRecv,
    }
}

/// Agent audio louder than this (RMS) is speech to the persona's ear.
const AGENT_SPEECH_RMS: f32 = 300.0;

/// The persona's loop: listens to the agent frame by frame, speaks its lines, hangs up.
async fn persona(
    mut link: MediaLink,
    lines: Arc<[Line]>,
    voice: Arc<dyn TextToSpeech>,
    first: JoinHandle<Vec<Vec<i16>>>,
    hangup: Hangup,
) {
    let mut persona = Persona::new(Arc::clone(&lines), Ear::default(), std::time::Duration::ZERO);
    let mut speaking: Option<u64> = None;
    let mut next = Some(first);
    while let Some(tick) = link.ticks.recv().await {
        if speaking.is_some_and(|id| tick.finished.iter().any(|played| played.id == id)) {
            speaking = None;
        }
        let agent_speech = rms(&tick.heard) >= AGENT_SPEECH_RMS;
        match persona.tick(tick.offset(), agent_speech, speaking.is_some()) {
            Some(PersonaAction::Say(index)) => {
                speaking = Some(index as u64);
                // Lines come in order: the one prepared is the one due.
                let audio = match next.take() {
                    Some(prepared) => prepared.await.unwrap_or_default(),
                    None => Vec::new(),
                };
                for chunk in audio {
                    link.control.play(index as u64, chunk);
                }
                next = prepare(&voice, &lines, index + 1);
            }
            Some(PersonaAction::HangUp) => {
                let _ = hangup.send((EndReason::CallerHangup, "BYE")).await;
                break;
            }
            None => {}
        }
    }
    if let Some(prepared) = next {
        prepared.abort();
    }
}

/// The callee with what it says first being synthesized.
struct Ready {
    callee: Callee,
    first: JoinHandle<Vec<Vec<i16>>>,
}

impl Ready {
    fn prepare(callee: Callee, voice: &Arc<dyn TextToSpeech>) -> Self {
        let first = match &callee {
            Callee::Persona(lines) => prepare(voice, lines, 0),
            Callee::Machine { beep } => Some(answering_machine::greeting(Arc::clone(voice), *beep)),
        };
        Self { callee, first: first.unwrap_or_else(|| tokio::spawn(async { Vec::new() })) }
    }
}

/// Starts synthesizing line `index` while the persona waits for its cue, as a person knows what
/// they will say next: it then speaks on cue however long the voice takes to synthesize.
fn prepare(voice: &Arc<dyn TextToSpeech>, lines: &[Line], index: usize) -> Option<JoinHandle<Vec<Vec<i16>>>> {
    let text = lines.get(index)?.text.to_string();
    let voice = Arc::clone(voice);
    Some(tokio::spawn(async move { synthesize_line(voice.as_ref(), &text).await }))
}

/// One of the persona's lines as audio chunks; none if the voice fails (the callee stays silent).
async fn synthesize_line(voice: &dyn TextToSpeech, text: &str) -> Vec<Vec<i16>> {
    match voice.synthesize(text).await {
        Ok(audio) => audio.filter_map(|chunk| std::future::ready(chunk.ok())).collect().await,
        Err(err) => {
            tracing::warn!(error = %err, "the sandbox callee could not speak");
            Vec::new()
        }
    }
}

/// Stops both media sessions; the agent's recording is complete on disk before it is reported.
async fn finish(line: Option<OpenLine>, media: Option<SandboxMedia>) -> Remains {
    let (Some(line), Some(media)) = (line, media) else { return Remains::default() };
    drop(line.callee);
    media::finish(line.agent, media.plan.recording.as_deref()).await
}
