//! The sandbox carrier's callee: what each documented magic number does.
//!
//! Pure data: a script of timed events for a destination. The sandbox driver plays it on the
//! same call path as a real carrier, so integrators can reach every outcome without a carrier
//! and without charges.
//!
//! Magic numbers are the fictional `555-01xx` block under any US area code (for example
//! `+14155550101`); the last two digits choose the behaviour. Any other number answers and
//! talks like `…0100`.

use crate::call::EndReason;
use crate::validate::{FieldError, text};
use std::time::Duration;

/// Most lines a test call's callee can be given, and the longest line.
pub const MAX_CALLEE_LINES: usize = 20;
pub const MAX_CALLEE_LINE_CHARS: usize = 300;

/// What a test call's sandbox callee says instead of its usual lines, one per turn, hanging up
/// after the last (`"sandbox": {"callee_lines": [...]}` on `POST /v1/calls`, test keys only).
/// The transcript then shows what the agent heard of them.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct SandboxScript {
    /// What the callee says: the first line when it answers, each next one after the agent's turn.
    pub callee_lines: Vec<String>,
}

impl SandboxScript {
    /// Checks and trims the lines: 1 to 20, each 1 to 300 characters.
    pub fn new(lines: Vec<String>) -> Result<Self, FieldError> {
        if lines.is_empty() || lines.len() > MAX_CALLEE_LINES {
            let message = format!("must hold 1 to {MAX_CALLEE_LINES} lines");
            return Err(FieldError::new("sandbox.callee_lines", message));
        }
        let lines = lines.iter().map(|line| text("sandbox.callee_lines", line, MAX_CALLEE_LINE_CHARS));
        Ok(Self { callee_lines: lines.collect::<Result<_, _>>()? })
    }
}

/// Something the sandbox callee does, `after` the previous step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SandboxStep {
    Ring,
    Answer,
    /// The callee hangs up or the network fails the call, with a SIP-style detail.
    End(EndReason, &'static str),
}

/// One documented magic number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MagicNumber {
    pub suffix: &'static str,
    pub behaviour: &'static str,
}

/// Every magic number, for the docs and the tests.
pub const MAGIC_NUMBERS: &[MagicNumber] = &[
    MagicNumber {
        suffix: "0100",
        behaviour: "answers after 1 s and talks: a scripted callee (Sam) holds a spoken conversation with the agent and \
                    hangs up after saying goodbye: completed / caller_hangup (accelerated sandboxes: talks 4 s)",
    },
    MagicNumber { suffix: "0101", behaviour: "busy: busy / busy (486)" },
    MagicNumber { suffix: "0102", behaviour: "rings and never answers: no_answer / no_answer after ring_timeout" },
    MagicNumber { suffix: "0103", behaviour: "carrier failure: failed / carrier_error (503)" },
    MagicNumber {
        suffix: "0104",
        behaviour: "an answering machine: a 5 s greeting, then a beep, then it records until the agent hangs up (at \
                    most 30 s): completed / voicemail (accelerated sandboxes: hangs up after 3 s)",
    },
    MagicNumber { suffix: "0105", behaviour: "declines the call: failed / rejected (603)" },
    MagicNumber { suffix: "0106", behaviour: "slow answer: rings 8 s, then answers and talks like 0100" },
    MagicNumber {
        suffix: "0108",
        behaviour: "answers and talks like 0100, but interrupts the agent's first long sentence (barge-in)",
    },
    MagicNumber {
        suffix: "0109",
        behaviour: "a person who answers with a long greeting (\"Hello, this is Jordan at Bright Dental, how can I \
                    help you today?\"), then talks like 0100",
    },
    MagicNumber {
        suffix: "0110",
        behaviour: "an answering machine with a 6 s greeting and no beep, then it records like 0104",
    },
    MagicNumber {
        suffix: "0107",
        behaviour: "answers and stays on the line until the agent, the API or max_duration ends the call",
    },
    MagicNumber {
        suffix: "0111",
        behaviour: "…0119: answers, then hangs up after N seconds (the last digit): completed / caller_hangup",
    },
];

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// How a sandbox callee talks, on calls that carry audio.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SandboxTalker {
    /// Converses politely, taking turns.
    Talker,
    /// Converses, and talks over the agent once.
    Interrupter,
    /// Converses, after answering with a long greeting.
    LongHello,
    /// An answering machine: a greeting, a beep or not, then silence while it records.
    Machine { beep: bool },
}

/// The last four digits of a magic number, if `e164` is one.
fn magic_suffix(e164: &str) -> Option<&str> {
    e164.strip_prefix("+1").filter(|rest| rest.len() == 10 && &rest[3..7] == "5550").map(|rest| &rest[6..])
}

/// Who speaks on a call to `e164` when it carries audio: the talking numbers (0100, 0106, 0108,
/// 0109 and any non-magic number) and the answering machines (0104, 0110); none for the others
/// (busy, silent line…).
pub fn talker_for(e164: &str) -> Option<SandboxTalker> {
    match magic_suffix(e164) {
        Some("0100" | "0106") | None => Some(SandboxTalker::Talker),
        Some("0108") => Some(SandboxTalker::Interrupter),
        Some("0109") => Some(SandboxTalker::LongHello),
        Some("0104") => Some(SandboxTalker::Machine { beep: true }),
        Some("0110") => Some(SandboxTalker::Machine { beep: false }),
        Some(_) => None,
    }
}

/// The script for a destination: `(wait before the step, step)` pairs. A script that ends
/// without an `End` step leaves the call up until something else ends it.
pub fn script_for(e164: &str) -> Vec<(Duration, SandboxStep)> {
    use SandboxStep::{Answer, End, Ring};
    let suffix = magic_suffix(e164);
    let talk = |ring: u64, talk: u64| {
        vec![(secs(0), Ring), (secs(ring), Answer), (secs(talk), End(EndReason::CallerHangup, "BYE"))]
    };
    match suffix {
        Some("0101") => vec![(secs(0), Ring), (Duration::from_millis(500), End(EndReason::Busy, "486 Busy Here"))],
        Some("0102") => vec![(secs(0), Ring)],
        Some("0103") => vec![(Duration::from_millis(300), End(EndReason::CarrierError, "503 Service Unavailable"))],
        Some("0104" | "0110") => {
            vec![(secs(0), Ring), (secs(1), Answer), (secs(3), End(EndReason::Voicemail, "voicemail greeting ended"))]
        }
        Some("0105") => vec![(secs(0), Ring), (secs(1), End(EndReason::Rejected, "603 Decline"))],
        Some("0106") => talk(8, 4),
        Some("0107") => vec![(secs(0), Ring), (secs(1), Answer)],
        Some(s) if s.starts_with("011") && s != "0110" => {
            let n = u64::from(s.as_bytes()[3] - b'0');
            talk(1, n)
        }
        _ => talk(1, 4),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ends_with(number: &str) -> Option<EndReason> {
        script_for(number).iter().rev().find_map(|(_, step)| match step {
            SandboxStep::End(reason, _) => Some(*reason),
            _ => None,
        })
    }

    #[test]
    fn each_magic_number_has_its_outcome() {
        assert_eq!(ends_with("+14155550100"), Some(EndReason::CallerHangup));
        assert_eq!(ends_with("+12025550101"), Some(EndReason::Busy));
        assert_eq!(ends_with("+14155550102"), None);
        assert_eq!(ends_with("+14155550103"), Some(EndReason::CarrierError));
        assert_eq!(ends_with("+14155550104"), Some(EndReason::Voicemail));
        assert_eq!(ends_with("+14155550105"), Some(EndReason::Rejected));
        assert_eq!(ends_with("+14155550107"), None);
        assert_eq!(ends_with("+442079460958"), Some(EndReason::CallerHangup), "other numbers talk");
    }

    #[test]
    fn talking_numbers_have_talkers() {
        assert_eq!(talker_for("+14155550100"), Some(SandboxTalker::Talker));
        assert_eq!(talker_for("+14155550108"), Some(SandboxTalker::Interrupter));
        assert_eq!(talker_for("+442079460958"), Some(SandboxTalker::Talker));
        assert_eq!(talker_for("+14155550101"), None);
        assert_eq!(talker_for("+14155550107"), None);
        assert_eq!(ends_with("+14155550108"), Some(EndReason::CallerHangup));
    }

    #[test]
    fn hangup_after_n_seconds() {
        let script = script_for("+14155550113");
        assert_eq!(script.last(), Some(&(secs(3), SandboxStep::End(EndReason::CallerHangup, "BYE"))));
    }

    fn lines(texts: &[&str]) -> Vec<String> {
        texts.iter().map(|t| (*t).to_owned()).collect()
    }

    #[test]
    fn a_script_holds_trimmed_lines() {
        let script = SandboxScript::new(lines(&["  Hello?  ", "Bye."])).unwrap();
        assert_eq!(script.callee_lines, lines(&["Hello?", "Bye."]));
    }

    #[test]
    fn a_script_refuses_no_lines_too_many_and_empty_or_long_ones() {
        assert!(SandboxScript::new(Vec::new()).is_err());
        assert!(SandboxScript::new(vec!["Hi.".to_owned(); MAX_CALLEE_LINES + 1]).is_err());
        assert!(SandboxScript::new(lines(&["Hi.", "   "])).is_err());
        assert!(SandboxScript::new(vec!["a".repeat(MAX_CALLEE_LINE_CHARS + 1)]).is_err());
    }
}
