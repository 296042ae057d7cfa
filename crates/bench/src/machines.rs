//! Answering-machine detection on labelled answers: how often a person or a machine is told right,
//! and how long after the answer the decision comes.
//!
//! Each answer is spoken by the offline voice (Piper, 8 kHz) through G.711 µ-law: 0.4 s of silence
//! after the answer, the greeting, then (machines with a beep) 0.4 s of quiet and a 0.5 s tone at a
//! pitch real machines use, then silence (a person waits for the caller; a machine records).
//! Two sets: the one the thresholds were chosen on, and a held-out one written afterwards.

use crate::stats::summarize;
use agentline_conversation::amd::{AmdConfig, AmdEvent, AnsweredBy, listen};
use agentline_conversation::tone::sine;
use agentline_media::g711::{ulaw_decode, ulaw_encode};
use agentline_moonshine::Moonshine;
use agentline_speech::{PiperVoice, TextToSpeech};
use anyhow::Context;
use futures_util::StreamExt;
use std::time::Duration;

/// Silence between the answer and the greeting, in samples.
const LEAD: usize = 3_200;

/// A labelled answer: who answers, what they say, and the beep's pitch (machines that beep).
struct Answer {
    by: AnsweredBy,
    greeting: &'static str,
    beep_hz: Option<f32>,
}

const fn person(greeting: &'static str) -> Answer {
    Answer { by: AnsweredBy::Human, greeting, beep_hz: None }
}

const fn machine(greeting: &'static str, beep_hz: Option<f32>) -> Answer {
    Answer { by: AnsweredBy::Machine, greeting, beep_hz }
}

/// The answers the thresholds were chosen on.
const TUNING: &[Answer] = &[
    person("Hello?"),
    person("Yes, hello."),
    person("Sam speaking."),
    person("Hello, this is Jordan at Bright Dental, how can I help you today?"),
    machine("Leave a message.", Some(1_000.0)),
    machine("Hi, you've reached Sam. Please leave a message after the tone.", Some(1_000.0)),
    machine("Hi, you've reached Sam. Please leave a message after the tone.", None),
    machine(
        "Hi, you've reached the Carter residence. We can't come to the phone right now. Please leave your \
         name, number and a short message after the tone, and we will call you back.",
        Some(850.0),
    ),
    machine(
        "Hi, you've reached the Carter residence. We can't come to the phone right now. Please leave your \
         name, number and a short message after the tone, and we will call you back.",
        None,
    ),
];

/// Written after the thresholds were set, and not used to change them.
const HELD_OUT: &[Answer] = &[
    person("Hi."),
    person("Good afternoon, this is Maria."),
    person("Riverside Clinic, Maria speaking, how may I help you?"),
    person("Hello? Hello, who is this?"),
    person("Yeah, this is Chris, what's up?"),
    machine("The person you are calling is not available. Record your message at the tone.", Some(1_400.0)),
    machine("Please leave a message.", Some(440.0)),
    machine(
        "You have reached the voicemail of Doctor Patel at Riverside Clinic. If this is an emergency, please \
         hang up and call nine one one. Otherwise, leave a message.",
        Some(1_000.0),
    ),
    machine(
        "You have reached the voicemail of Doctor Patel at Riverside Clinic. If this is an emergency, please \
         hang up and call nine one one. Otherwise, leave a message.",
        None,
    ),
    machine("Hey, it's Chris. I can't pick up right now, leave me a message and I'll call you back.", Some(950.0)),
];

pub(crate) async fn run() -> anyhow::Result<()> {
    let voice =
        PiperVoice::load(&agentline_piper::default_dir()).context("the Piper voice (scripts/install-piper.sh)")?;
    let moonshine =
        Moonshine::load(&agentline_moonshine::default_dir()).context("Moonshine (scripts/install-moonshine.sh)")?;
    println!(
        "| set | judged from | answers | people told right | machines told right | unknown | decision p50 / max, people (s) | machines (s) | recording cue after the beep p50 / max (ms) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (name, set) in [("tuning", TUNING), ("held out", HELD_OUT)] {
        let (mut audio_only, mut with_words) = (Tally::default(), Tally::default());
        for answer in set {
            let (clip, greeting_samples) = answer_clip(&voice, answer).await?;
            let beep_end = clip_beep_end(answer, &clip);
            audio_only.add(answer, &listen(AmdConfig::default(), &clip, &[]), beep_end);
            let heard = crate::quality::transcribe(&moonshine, &clip[..LEAD + greeting_samples])?;
            let at = Duration::from_secs_f64((LEAD + greeting_samples) as f64 / 8_000.0 + 0.2);
            with_words.add(answer, &listen(AmdConfig::default(), &clip, &[(at, heard)]), beep_end);
        }
        audio_only.print(name, "audio", set.len());
        with_words.print(name, "audio + words", set.len());
    }
    Ok(())
}

/// 0.4 s of silence, the greeting, the beep if any, 4 s of silence; through the µ-law codec. Also
/// the greeting's length in samples.
async fn answer_clip(voice: &PiperVoice, answer: &Answer) -> anyhow::Result<(Vec<i16>, usize)> {
    let mut clip = vec![0i16; LEAD];
    let mut audio = voice.synthesize(answer.greeting).await?;
    while let Some(chunk) = audio.next().await {
        clip.extend(chunk?);
    }
    let greeting_samples = clip.len() - LEAD;
    if let Some(hz) = answer.beep_hz {
        clip.resize(clip.len() + 3_200, 0);
        clip.extend(sine(hz, 0.5, 9_000.0));
    }
    clip.resize(clip.len() + 32_000, 0);
    Ok((clip.into_iter().map(|s| ulaw_decode(ulaw_encode(s))).collect(), greeting_samples))
}

/// Where the beep ends in the clip (it is followed by exactly 4 s of silence).
fn clip_beep_end(answer: &Answer, clip: &[i16]) -> Option<f64> {
    answer.beep_hz.map(|_| (clip.len() - 32_000) as f64 / 8.0)
}

#[derive(Default)]
struct Tally {
    people: (usize, usize),
    machines: (usize, usize),
    unknown: usize,
    person_decisions: Vec<f64>,
    machine_decisions: Vec<f64>,
    cue_after_beep_ms: Vec<f64>,
}

impl Tally {
    fn add(&mut self, answer: &Answer, events: &[AmdEvent], beep_end_ms: Option<f64>) {
        let decision = events.iter().find_map(|event| match *event {
            AmdEvent::Decided { answered_by, at, .. } => Some((answered_by, at.as_secs_f64())),
            AmdEvent::RecordingStarted { .. } => None,
        });
        let (said, at) = decision.unwrap_or((AnsweredBy::Unknown, f64::NAN));
        let right = said == answer.by;
        match answer.by {
            AnsweredBy::Human => {
                (self.people.0 += usize::from(right), self.people.1 += 1, self.person_decisions.push(at))
            }
            _ => (self.machines.0 += usize::from(right), self.machines.1 += 1, self.machine_decisions.push(at)),
        };
        self.unknown += usize::from(said == AnsweredBy::Unknown);
        let cue = events.iter().find_map(|event| match *event {
            AmdEvent::RecordingStarted { at } => Some(at.as_secs_f64() * 1000.0),
            AmdEvent::Decided { .. } => None,
        });
        if let (Some(cue), Some(beep_end)) = (cue, beep_end_ms) {
            self.cue_after_beep_ms.push(cue - beep_end);
        }
        if !right {
            eprintln!("told wrong: {:?} said {:?}: {}", answer.by, said, answer.greeting);
        }
    }

    fn print(self, name: &str, judged_from: &str, answers: usize) {
        let (people, machines, cues) =
            (summarize(self.person_decisions), summarize(self.machine_decisions), summarize(self.cue_after_beep_ms));
        println!(
            "| {name} | {judged_from} | {answers} | {} / {} | {} / {} | {} | {:.2} / {:.2} | {:.2} / {:.2} | {:.0} / {:.0} |",
            self.people.0,
            self.people.1,
            self.machines.0,
            self.machines.1,
            self.unknown,
            people.p50,
            people.max,
            machines.p50,
            machines.max,
            cues.p50,
            cues.max
        );
    }
}
