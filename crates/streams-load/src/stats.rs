//! Nearest-rank percentiles over recorded samples.

use agentline_conversation::latency::percentile;
use serde_json::{Value, json};

/// Distribution of a set of samples.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Summary {
    pub(crate) count: usize,
    pub(crate) min: f64,
    pub(crate) mean: f64,
    pub(crate) p50: f64,
    pub(crate) p95: f64,
    pub(crate) p99: f64,
    pub(crate) max: f64,
}

/// Summarises `samples` (NaN everywhere when empty).
pub(crate) fn summarize(mut samples: Vec<f64>) -> Summary {
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| if samples.is_empty() { f64::NAN } else { percentile(&samples, q * 100.0) };
    let mean = if samples.is_empty() { f64::NAN } else { samples.iter().sum::<f64>() / samples.len() as f64 };
    Summary {
        count: samples.len(),
        min: samples.first().copied().unwrap_or(f64::NAN),
        mean,
        p50: at(0.50),
        p95: at(0.95),
        p99: at(0.99),
        max: samples.last().copied().unwrap_or(f64::NAN),
    }
}

impl Summary {
    /// As JSON, rounded to `decimals`; empty distributions give nulls.
    pub(crate) fn to_json(self, decimals: i32) -> Value {
        json!({
            "count": self.count,
            "min": round(self.min, decimals),
            "mean": round(self.mean, decimals),
            "p50": round(self.p50, decimals),
            "p95": round(self.p95, decimals),
            "p99": round(self.p99, decimals),
            "max": round(self.max, decimals),
        })
    }
}

/// `x` rounded to `decimals` places, or null when not finite.
pub(crate) fn round(x: f64, decimals: i32) -> Value {
    if !x.is_finite() {
        return Value::Null;
    }
    let scale = 10f64.powi(decimals);
    json!((x * scale).round() / scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let s = summarize((1..=100).map(f64::from).collect());
        assert_eq!((s.count, s.min, s.p50, s.p95, s.p99, s.max), (100, 1.0, 50.0, 95.0, 99.0, 100.0));
        assert_eq!(s.mean, 50.5);
    }

    #[test]
    fn empty_is_null_in_json() {
        let s = summarize(Vec::new());
        assert_eq!(s.to_json(1)["p50"], Value::Null);
        assert_eq!(round(1.26, 1), json!(1.3));
    }
}
