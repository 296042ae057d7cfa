//! A campaign's calling window: local start and end times and days, checked in each contact's
//! own time zone. Windows must stay inside 08:00–21:00 local, the hours the US TCPA (and most
//! national rules) allow for sales and reminder calls, so a campaign cannot break them by mistake.

use crate::validate::FieldError;
use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The earliest and latest local times a window may cover.
const LEGAL_START: (u32, u32) = (8, 0);
const LEGAL_END: (u32, u32) = (21, 0);

/// A calling window as the API takes and shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct WindowBody {
    /// Local time calls may start, `HH:MM` (default `09:00`; not before `08:00`).
    pub start: String,
    /// Local time after which no call starts, `HH:MM` (default `20:00`; not after `21:00`).
    pub end: String,
    /// Days calls may be placed: `mon` … `sun` (default Monday to Friday).
    pub days: Vec<String>,
}

impl Default for WindowBody {
    fn default() -> Self {
        Self {
            start: "09:00".into(),
            end: "20:00".into(),
            days: ["mon", "tue", "wed", "thu", "fri"].map(str::to_owned).to_vec(),
        }
    }
}

/// A checked window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallingWindow {
    start: NaiveTime,
    end: NaiveTime,
    days: Vec<Weekday>,
}

fn time(field: &str, text: &str) -> Result<NaiveTime, FieldError> {
    NaiveTime::parse_from_str(text, "%H:%M")
        .map_err(|_| FieldError::new("window", format!("{field} must be a local time like 09:00, not `{text}`")))
}

fn day(text: &str) -> Result<Weekday, FieldError> {
    let day = match text.to_ascii_lowercase().as_str() {
        "mon" => Weekday::Mon,
        "tue" => Weekday::Tue,
        "wed" => Weekday::Wed,
        "thu" => Weekday::Thu,
        "fri" => Weekday::Fri,
        "sat" => Weekday::Sat,
        "sun" => Weekday::Sun,
        _ => {
            return Err(FieldError::new(
                "window",
                format!("days are mon, tue, wed, thu, fri, sat or sun, not `{text}`"),
            ));
        }
    };
    Ok(day)
}

impl WindowBody {
    pub fn validate(&self) -> Result<CallingWindow, FieldError> {
        let (start, end) = (time("start", &self.start)?, time("end", &self.end)?);
        let legal_start = NaiveTime::from_hms_opt(LEGAL_START.0, LEGAL_START.1, 0).unwrap_or_default();
        let legal_end = NaiveTime::from_hms_opt(LEGAL_END.0, LEGAL_END.1, 0).unwrap_or_default();
        if start < legal_start || end > legal_end {
            return Err(FieldError::new("window", "calls may only be placed between 08:00 and 21:00 local time"));
        }
        if start >= end {
            return Err(FieldError::new("window", "start must come before end"));
        }
        let mut days = self.days.iter().map(|d| day(d)).collect::<Result<Vec<_>, _>>()?;
        days.sort_by_key(Weekday::num_days_from_monday);
        days.dedup();
        if days.is_empty() {
            return Err(FieldError::new("window", "name at least one day"));
        }
        Ok(CallingWindow { start, end, days })
    }
}

impl CallingWindow {
    /// Whether a call may start at `now` for a contact in `tz`.
    pub fn is_open(&self, now: DateTime<Utc>, tz: Tz) -> bool {
        let local = now.with_timezone(&tz);
        let time = local.time();
        self.days.contains(&local.weekday()) && time >= self.start && time < self.end
    }

    /// When the window next opens for a contact in `tz` (`now` if it is open), within a week.
    pub fn next_open(&self, now: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
        if self.is_open(now, tz) {
            return now;
        }
        let today = now.with_timezone(&tz).date_naive();
        (0..=7)
            .filter_map(|ahead| {
                let date = today + Duration::days(ahead);
                if !self.days.contains(&date.weekday()) {
                    return None;
                }
                // A start inside a DST gap has no local time: the earliest valid one after it.
                let local = tz
                    .from_local_datetime(&date.and_time(self.start))
                    .earliest()
                    .or_else(|| tz.from_local_datetime(&(date.and_time(self.start) + Duration::hours(1))).earliest())?;
                Some(local.with_timezone(&Utc))
            })
            .find(|opens| *opens > now)
            .unwrap_or(now + Duration::days(7))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    fn weekdays_9_to_5() -> CallingWindow {
        let body = WindowBody { start: "09:00".into(), end: "17:00".into(), ..WindowBody::default() };
        body.validate().unwrap()
    }

    #[test]
    fn the_window_is_checked_in_the_contacts_own_zone() {
        let window = weekdays_9_to_5();
        // Monday 2026-12-07 15:00 UTC: 10:00 in New York, 07:00 in Los Angeles, 16:00 in Paris.
        let now = utc("2026-12-07T15:00:00Z");
        assert!(window.is_open(now, chrono_tz::America::New_York));
        assert!(!window.is_open(now, chrono_tz::America::Los_Angeles));
        assert!(window.is_open(now, chrono_tz::Europe::Paris));
        assert_eq!(window.next_open(now, chrono_tz::America::Los_Angeles), utc("2026-12-07T17:00:00Z"));
        // Friday evening in Tokyo: next Monday 09:00 JST.
        let friday = utc("2026-12-11T10:00:00Z");
        assert_eq!(window.next_open(friday, chrono_tz::Asia::Tokyo), utc("2026-12-14T00:00:00Z"));
        assert_eq!(window.next_open(now, chrono_tz::America::New_York), now, "open now: now");
    }

    #[test]
    fn windows_outside_legal_hours_or_malformed_are_refused() {
        let body = |start: &str, end: &str, days: &[&str]| WindowBody {
            start: start.into(),
            end: end.into(),
            days: days.iter().map(|d| (*d).to_owned()).collect(),
        };
        assert!(body("07:30", "12:00", &["mon"]).validate().is_err(), "before 08:00");
        assert!(body("09:00", "21:30", &["mon"]).validate().is_err(), "after 21:00");
        assert!(body("12:00", "09:00", &["mon"]).validate().is_err());
        assert!(body("9am", "17:00", &["mon"]).validate().is_err());
        assert!(body("09:00", "17:00", &["funday"]).validate().is_err());
        assert!(body("09:00", "17:00", &[]).validate().is_err());
        assert!(body("08:00", "21:00", &["sat", "SUN"]).validate().is_ok());
    }
}
