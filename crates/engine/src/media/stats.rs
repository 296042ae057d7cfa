//! A call's media quality figures: what was sent and received, and how punctually our 20 ms
//! frames left (the send-interval jitter a callee hears as choppy audio).

use serde::Serialize;

/// Lateness buckets of 100 µs up to 50 ms; later sends land in the last one.
const BUCKETS: usize = 500;
const BUCKET_MICROS: u64 = 100;

/// Counts of the session, kept as it runs.
#[derive(Clone, Debug)]
pub(crate) struct MediaCounters {
    pub packets_sent: u64,
    pub packets_received: u64,
    lateness: Box<[u32; BUCKETS]>,
    max_lateness_micros: u64,
}

impl Default for MediaCounters {
    fn default() -> Self {
        Self { packets_sent: 0, packets_received: 0, lateness: Box::new([0; BUCKETS]), max_lateness_micros: 0 }
    }
}

impl MediaCounters {
    /// A frame went out `micros` after its deadline.
    pub(crate) fn sent_late_by(&mut self, micros: u64) {
        let bucket = usize::try_from(micros / BUCKET_MICROS).unwrap_or(BUCKETS - 1).min(BUCKETS - 1);
        self.lateness[bucket] += 1;
        self.max_lateness_micros = self.max_lateness_micros.max(micros);
    }

    fn percentile(&self, p: f64) -> f64 {
        let total: u64 = self.lateness.iter().map(|&n| u64::from(n)).sum();
        if total == 0 {
            return 0.0;
        }
        let rank = ((total as f64) * p).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (bucket, &n) in self.lateness.iter().enumerate() {
            seen += u64::from(n);
            if seen >= rank {
                return ((bucket as u64 + 1) * BUCKET_MICROS) as f64 / 1000.0;
            }
        }
        self.max_lateness_micros as f64 / 1000.0
    }

    /// The figures stored on the call.
    pub(crate) fn report(&self, lost: u64, late: u64, skipped: u64) -> MediaStats {
        MediaStats {
            packets_sent: self.packets_sent,
            packets_received: self.packets_received,
            packets_lost: lost,
            packets_late: late,
            frames_skipped: skipped,
            send_lateness_p50_ms: self.percentile(0.50),
            send_lateness_p99_ms: self.percentile(0.99),
            send_lateness_max_ms: self.max_lateness_micros as f64 / 1000.0,
        }
    }
}

/// Media quality of a call, on the call as `media`.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct MediaStats {
    pub packets_sent: u64,
    pub packets_received: u64,
    /// Frames the callee never sent us (sequence gaps at playout time).
    pub packets_lost: u64,
    /// Frames that arrived after their playout time.
    pub packets_late: u64,
    /// Frames we could not send because the process stalled for more than 100 ms.
    pub frames_skipped: u64,
    /// How long after its 20 ms deadline a frame of ours left, upper bound of a 0.1 ms bucket.
    pub send_lateness_p50_ms: f64,
    pub send_lateness_p99_ms: f64,
    pub send_lateness_max_ms: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_come_from_the_buckets() {
        let mut counters = MediaCounters::default();
        for _ in 0..98 {
            counters.sent_late_by(50);
        }
        counters.sent_late_by(1_250);
        counters.sent_late_by(90_000);
        let report = counters.report(1, 2, 3);
        assert_eq!(report.send_lateness_p50_ms, 0.1);
        assert_eq!(report.send_lateness_p99_ms, 1.3);
        assert_eq!(report.send_lateness_max_ms, 90.0);
        assert_eq!((report.packets_lost, report.packets_late, report.frames_skipped), (1, 2, 3));
    }

    #[test]
    fn no_frames_means_zeroes() {
        assert_eq!(MediaCounters::default().report(0, 0, 0), MediaStats::default());
    }
}
