//! Campaigns: a list of contacts called by one agent inside each contact's calling hours, with
//! retries per outcome, at a steady pace. The rules here are pure (time is an argument); the
//! scheduler that applies them lives in the server and keeps its state in the database.

pub mod rows;
pub mod window;

use crate::validate::FieldError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
pub use window::{CallingWindow, WindowBody};

/// Where a campaign is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    /// Created, contacts may still be added; nothing is dialled.
    Draft,
    Running,
    /// Nothing new is dialled; calls already placed finish.
    Paused,
    /// Every contact reached a final state.
    Completed,
    /// Stopped for good: contacts not yet called are skipped.
    Canceled,
}

impl CampaignStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Completed => "completed",
            Self::Canceled => "canceled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Draft, Self::Running, Self::Paused, Self::Completed, Self::Canceled]
            .into_iter()
            .find(|s| s.as_str() == text)
    }

    pub fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Canceled)
    }
}

/// Where one contact of a campaign is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContactState {
    /// Not called yet; due at `next_attempt_at`.
    Pending,
    /// Due, but its calling window is closed: due again when it opens.
    WaitingForWindow,
    /// A call is placed and has not ended.
    InProgress,
    /// An attempt failed in a way the rules retry: due again at `next_attempt_at`.
    RetryScheduled,
    /// A call was answered by a person (or a machine, when voicemail is not retried).
    Completed,
    /// The attempts ran out, or the outcome is not retried.
    Failed,
    /// Never called: `skip_reason` says why.
    Skipped,
}

impl ContactState {
    pub const ALL: [Self; 7] = [
        Self::Pending,
        Self::WaitingForWindow,
        Self::InProgress,
        Self::RetryScheduled,
        Self::Completed,
        Self::Failed,
        Self::Skipped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::WaitingForWindow => "waiting_for_window",
            Self::InProgress => "in_progress",
            Self::RetryScheduled => "retry_scheduled",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Skipped)
    }
}

/// Why a contact was never called.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// On the account's Do-Not-Call list (checked again right before each dial).
    DoNotCall,
    /// Not a number that can be dialled.
    InvalidNumber,
    /// The calling window never opened before the campaign's end.
    WindowNeverOpen,
    /// The campaign was canceled first.
    Canceled,
    /// The call could not be placed (the agent or caller ID is gone, a template failed).
    NotPlaceable,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DoNotCall => "do_not_call",
            Self::InvalidNumber => "invalid_number",
            Self::WindowNeverOpen => "window_never_open",
            Self::Canceled => "canceled",
            Self::NotPlaceable => "not_placeable",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::DoNotCall, Self::InvalidNumber, Self::WindowNeverOpen, Self::Canceled, Self::NotPlaceable]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// What an attempt's call came to, as the retry rules see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttemptOutcome {
    /// Answered by a person (any end after that).
    Answered,
    Busy,
    NoAnswer,
    /// An answering machine took it.
    Voicemail,
    /// Declined, a carrier error, an empty wallet: the call failed.
    Failed,
    /// The node running the call died (`server_restart`): dialled again, not counted.
    Interrupted,
}

impl AttemptOutcome {
    /// The outcome of a call that ended with `status` and `end_reason`.
    pub fn of(status: &str, end_reason: Option<&str>) -> Self {
        match (status, end_reason) {
            (_, Some("server_restart")) => Self::Interrupted,
            (_, Some("voicemail")) => Self::Voicemail,
            ("busy", _) => Self::Busy,
            ("no_answer", _) => Self::NoAnswer,
            ("completed", _) => Self::Answered,
            _ => Self::Failed,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Answered => "answered",
            Self::Busy => "busy",
            Self::NoAnswer => "no_answer",
            Self::Voicemail => "voicemail",
            Self::Failed => "failed",
            Self::Interrupted => "interrupted",
        }
    }
}

/// When and how often one outcome is tried again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetryRule {
    /// Minutes to wait before the next attempt (0 to 10,080).
    pub delay_minutes: i64,
    /// Attempts in all for a contact whose calls end this way (1 = never retried; at most 10).
    pub max_attempts: i64,
}

/// Retry rules per outcome. An answered call is never retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct RetryRules {
    pub busy: RetryRule,
    pub no_answer: RetryRule,
    pub voicemail: RetryRule,
    pub failed: RetryRule,
}

impl Default for RetryRules {
    fn default() -> Self {
        Self {
            busy: RetryRule { delay_minutes: 10, max_attempts: 3 },
            no_answer: RetryRule { delay_minutes: 60, max_attempts: 3 },
            voicemail: RetryRule { delay_minutes: 240, max_attempts: 2 },
            failed: RetryRule { delay_minutes: 30, max_attempts: 2 },
        }
    }
}

/// What becomes of a contact after an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterAttempt {
    /// Tried again `delay_secs` from now (the window is checked when it is due).
    Retry {
        delay_secs: i64,
    },
    /// Dialled again as soon as possible; the interrupted attempt does not count.
    Redial,
    Done(ContactState),
}

impl RetryRules {
    pub fn validate(&self) -> Result<(), FieldError> {
        for (name, rule) in
            [("busy", self.busy), ("no_answer", self.no_answer), ("voicemail", self.voicemail), ("failed", self.failed)]
        {
            if !(0..=10_080).contains(&rule.delay_minutes) || !(1..=10).contains(&rule.max_attempts) {
                return Err(FieldError::new(
                    "retry",
                    format!("{name}: delay_minutes must be 0 to 10080 and max_attempts 1 to 10"),
                ));
            }
        }
        Ok(())
    }

    /// The contact's next step after its `attempts`-th counted attempt ended with `outcome`.
    pub fn after(&self, outcome: AttemptOutcome, attempts: i64) -> AfterAttempt {
        let rule = match outcome {
            AttemptOutcome::Answered => return AfterAttempt::Done(ContactState::Completed),
            AttemptOutcome::Interrupted => return AfterAttempt::Redial,
            AttemptOutcome::Busy => self.busy,
            AttemptOutcome::NoAnswer => self.no_answer,
            AttemptOutcome::Voicemail => self.voicemail,
            AttemptOutcome::Failed => self.failed,
        };
        if attempts < rule.max_attempts {
            AfterAttempt::Retry { delay_secs: rule.delay_minutes * 60 }
        } else if outcome == AttemptOutcome::Voicemail {
            // The machine took the call (and any message): the contact was reached.
            AfterAttempt::Done(ContactState::Completed)
        } else {
            AfterAttempt::Done(ContactState::Failed)
        }
    }
}

/// The time zone to check a contact's window in: its own, else the one its number implies when
/// the country has only one, else the business's, else UTC.
pub fn contact_timezone(own: Option<&str>, number: &str, business: Option<&str>) -> chrono_tz::Tz {
    own.and_then(|tz| tz.parse().ok())
        .or_else(|| timezone_of_number(number))
        .or_else(|| business.and_then(|tz| tz.parse().ok()))
        .unwrap_or(chrono_tz::UTC)
}

/// The time zone of a number whose country has exactly one; `None` for countries with several
/// (the US, Canada, Australia, Brazil, Mexico, Russia …) and numbers that do not parse.
pub fn timezone_of_number(number: &str) -> Option<chrono_tz::Tz> {
    let parsed = phonenumber::parse(None, number).ok()?;
    let region = parsed.country().id()?;
    let region: &str = region.as_ref();
    let name = SINGLE_ZONE_COUNTRIES.iter().find(|(country, _)| *country == region)?.1;
    name.parse().ok()
}

/// Countries with a single time zone (the ones agentline's users call most).
const SINGLE_ZONE_COUNTRIES: &[(&str, &str)] = &[
    ("GB", "Europe/London"),
    ("IE", "Europe/Dublin"),
    ("FR", "Europe/Paris"),
    ("DE", "Europe/Berlin"),
    ("IT", "Europe/Rome"),
    ("NL", "Europe/Amsterdam"),
    ("BE", "Europe/Brussels"),
    ("CH", "Europe/Zurich"),
    ("AT", "Europe/Vienna"),
    ("SE", "Europe/Stockholm"),
    ("NO", "Europe/Oslo"),
    ("DK", "Europe/Copenhagen"),
    ("FI", "Europe/Helsinki"),
    ("PL", "Europe/Warsaw"),
    ("CZ", "Europe/Prague"),
    ("GR", "Europe/Athens"),
    ("RO", "Europe/Bucharest"),
    ("HU", "Europe/Budapest"),
    ("IL", "Asia/Jerusalem"),
    ("AE", "Asia/Dubai"),
    ("IN", "Asia/Kolkata"),
    ("PK", "Asia/Karachi"),
    ("SG", "Asia/Singapore"),
    ("HK", "Asia/Hong_Kong"),
    ("JP", "Asia/Tokyo"),
    ("KR", "Asia/Seoul"),
    ("PH", "Asia/Manila"),
    ("TH", "Asia/Bangkok"),
    ("VN", "Asia/Ho_Chi_Minh"),
    ("ZA", "Africa/Johannesburg"),
    ("NG", "Africa/Lagos"),
    ("KE", "Africa/Nairobi"),
    ("EG", "Africa/Cairo"),
    ("AR", "America/Argentina/Buenos_Aires"),
    ("CO", "America/Bogota"),
    ("PE", "America/Lima"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_follow_the_calls_end() {
        assert_eq!(AttemptOutcome::of("completed", Some("caller_hangup")), AttemptOutcome::Answered);
        assert_eq!(AttemptOutcome::of("completed", Some("voicemail")), AttemptOutcome::Voicemail);
        assert_eq!(AttemptOutcome::of("busy", Some("busy")), AttemptOutcome::Busy);
        assert_eq!(AttemptOutcome::of("no_answer", Some("no_answer")), AttemptOutcome::NoAnswer);
        assert_eq!(AttemptOutcome::of("failed", Some("rejected")), AttemptOutcome::Failed);
        assert_eq!(AttemptOutcome::of("failed", Some("server_restart")), AttemptOutcome::Interrupted);
        assert_eq!(AttemptOutcome::of("completed", Some("server_restart")), AttemptOutcome::Interrupted);
    }

    #[test]
    fn retries_stop_at_the_outcomes_max_attempts() {
        let rules = RetryRules::default();
        assert_eq!(rules.after(AttemptOutcome::Busy, 1), AfterAttempt::Retry { delay_secs: 600 });
        assert_eq!(rules.after(AttemptOutcome::Busy, 3), AfterAttempt::Done(ContactState::Failed));
        assert_eq!(rules.after(AttemptOutcome::Answered, 1), AfterAttempt::Done(ContactState::Completed));
        assert_eq!(rules.after(AttemptOutcome::Voicemail, 2), AfterAttempt::Done(ContactState::Completed));
        assert_eq!(rules.after(AttemptOutcome::Interrupted, 9), AfterAttempt::Redial);
        let bad = RetryRules { busy: RetryRule { delay_minutes: 5, max_attempts: 0 }, ..RetryRules::default() };
        assert!(bad.validate().is_err());
    }

    #[test]
    fn time_zones_come_from_the_contact_the_number_or_the_business() {
        let own = contact_timezone(Some("America/Chicago"), "+442079460958", Some("Asia/Tokyo"));
        assert_eq!(own, chrono_tz::America::Chicago);
        assert_eq!(contact_timezone(None, "+442079460958", Some("Asia/Tokyo")), chrono_tz::Europe::London);
        assert_eq!(contact_timezone(None, "+33142685300", None), chrono_tz::Europe::Paris);
        // The US has several zones: the business's decides.
        assert_eq!(contact_timezone(None, "+14155550100", Some("America/Denver")), chrono_tz::America::Denver);
        assert_eq!(contact_timezone(Some("Mars/Olympus"), "+14155550100", None), chrono_tz::UTC);
    }
}
