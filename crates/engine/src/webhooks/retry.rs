//! When to try a failed delivery again: the configured schedule, with jitter, stretched to
//! honour a receiver's `Retry-After`.

use agentline_domain::Timestamp;

/// The longest wait a `Retry-After` can impose.
const MAX_RETRY_AFTER_SECS: u64 = 86_400;

/// The time of the next attempt after `attempts_made` attempts have failed, or `None` when
/// the schedule is used up. `jitter` in `[-1, 1]` moves the wait by up to ±10 %.
pub fn next_attempt(
    schedule: &[u64],
    attempts_made: usize,
    now: Timestamp,
    retry_after: Option<u64>,
    jitter: f64,
) -> Option<Timestamp> {
    let base = *schedule.get(attempts_made.checked_sub(1)?)?;
    let jittered = (base as f64 * (1.0 + 0.1 * jitter.clamp(-1.0, 1.0))).round() as u64;
    let wait = retry_after.map_or(jittered, |asked| jittered.max(asked.min(MAX_RETRY_AFTER_SECS)));
    Some(now.plus_seconds(i64::try_from(wait).unwrap_or(i64::MAX / 2)))
}

/// A `Retry-After` header in seconds (the HTTP-date form is not honoured).
pub fn parse_retry_after(value: Option<&str>) -> Option<u64> {
    value.and_then(|v| v.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> Timestamp {
        Timestamp::parse("2026-01-01T00:00:00Z").unwrap()
    }

    fn secs_after(t: Option<Timestamp>) -> i64 {
        (t.unwrap().datetime() - t0().datetime()).num_seconds()
    }

    #[test]
    fn follows_the_schedule_then_gives_up() {
        let schedule = [5, 300, 1800];
        assert_eq!(secs_after(next_attempt(&schedule, 1, t0(), None, 0.0)), 5);
        assert_eq!(secs_after(next_attempt(&schedule, 2, t0(), None, 0.0)), 300);
        assert_eq!(secs_after(next_attempt(&schedule, 3, t0(), None, 0.0)), 1800);
        assert_eq!(next_attempt(&schedule, 4, t0(), None, 0.0), None);
        assert_eq!(next_attempt(&schedule, 0, t0(), None, 0.0), None);
    }

    #[test]
    fn jitter_stays_within_ten_percent() {
        assert_eq!(secs_after(next_attempt(&[1000], 1, t0(), None, 1.0)), 1100);
        assert_eq!(secs_after(next_attempt(&[1000], 1, t0(), None, -1.0)), 900);
        assert_eq!(secs_after(next_attempt(&[1000], 1, t0(), None, 7.0)), 1100);
    }

    #[test]
    fn retry_after_stretches_but_never_shortens_or_exceeds_a_day() {
        assert_eq!(secs_after(next_attempt(&[5], 1, t0(), Some(120), 0.0)), 120);
        assert_eq!(secs_after(next_attempt(&[300], 1, t0(), Some(10), 0.0)), 300);
        assert_eq!(secs_after(next_attempt(&[5], 1, t0(), Some(10_000_000), 0.0)), 86_400);
        assert_eq!(parse_retry_after(Some(" 30 ")), Some(30));
        assert_eq!(parse_retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")), None);
    }
}
