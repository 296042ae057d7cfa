//! Per-turn latency: where the time between the caller's last word and the agent's first sound
//! went, and the per-call percentiles the call JSON shows.

use std::time::Duration;

/// One reply's timings. Each stage is measured from the moment the previous one could start.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TurnLatency {
    /// Caller's last voiced frame → turn end decided (the silence we waited for).
    pub endpointing: Duration,
    /// Turn end decided → transcript ready.
    pub stt: Duration,
    /// Transcript ready → the brain's first sentence.
    pub brain_first: Duration,
    /// First sentence → the TTS engine's first audio.
    pub tts_first: Duration,
    /// Turn end decided → first audio frame sent, less the provider stages above: what agentline adds.
    pub server: Duration,
    /// Caller's last voiced frame → first audio frame sent: what the caller waits.
    pub response: Duration,
}

/// Figures named as the call JSON names them.
pub const FIGURES: [&str; 6] =
    ["endpointing_ms", "stt_ms", "brain_first_ms", "tts_first_ms", "server_ms", "response_ms"];

impl TurnLatency {
    /// The figures in [`FIGURES`] order.
    pub fn figures(&self) -> [Duration; 6] {
        [self.endpointing, self.stt, self.brain_first, self.tts_first, self.server, self.response]
    }
}

/// p50 and p95 of one figure over a call's turns, in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Percentiles {
    pub p50: f64,
    pub p95: f64,
}

/// The summary of a call's turns: per figure, its percentiles (in [`FIGURES`] order).
pub fn summarise(turns: &[TurnLatency]) -> Vec<(&'static str, Percentiles)> {
    if turns.is_empty() {
        return Vec::new();
    }
    (0..FIGURES.len())
        .map(|i| {
            let mut values: Vec<f64> = turns.iter().map(|t| t.figures()[i].as_secs_f64() * 1000.0).collect();
            values.sort_by(f64::total_cmp);
            (FIGURES[i], Percentiles { p50: percentile(&values, 50.0), p95: percentile(&values, 95.0) })
        })
        .collect()
}

/// Nearest-rank percentile of sorted values (0 for none).
pub fn percentile(sorted: &[f64], pct: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (pct / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&values, 50.0), 50.0);
        assert_eq!(percentile(&values, 95.0), 95.0);
        assert_eq!(percentile(&values, 100.0), 100.0);
        assert_eq!(percentile(&[7.0], 99.0), 7.0);
        assert_eq!(percentile(&[], 50.0), 0.0);
    }

    #[test]
    fn summary_covers_every_figure_in_order() {
        let ms = Duration::from_millis;
        let turns = [
            TurnLatency { endpointing: ms(700), stt: ms(300), response: ms(1200), ..Default::default() },
            TurnLatency { endpointing: ms(700), stt: ms(500), response: ms(1600), ..Default::default() },
        ];
        let summary = summarise(&turns);
        let names: Vec<&str> = summary.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, FIGURES);
        assert_eq!(summary[1].1, Percentiles { p50: 300.0, p95: 500.0 });
        assert!(summarise(&[]).is_empty());
    }
}
