//! Latency samples and their percentiles.

use std::time::Duration;

use serde::Serialize;

/// Latencies in microseconds, kept whole (a 20 s run at 5,000 requests a second is 100,000
/// samples: 400 KB), so the percentiles are exact.
#[derive(Debug, Clone, Default)]
pub struct Latencies {
    microseconds: Vec<u32>,
}

impl Latencies {
    pub fn record(&mut self, latency: Duration) {
        let micros = u32::try_from(latency.as_micros()).unwrap_or(u32::MAX);
        self.microseconds.push(micros);
    }

    pub fn len(&self) -> usize {
        self.microseconds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.microseconds.is_empty()
    }

    /// p50, p90, p99 and max in milliseconds (nearest-rank); zeros when there are no samples.
    pub fn summary(&self) -> LatencySummary {
        let mut sorted = self.microseconds.clone();
        sorted.sort_unstable();
        let rank = |percent: f64| -> f64 {
            if sorted.is_empty() {
                return 0.0;
            }
            let index = ((percent / 100.0) * sorted.len() as f64).ceil() as usize;
            let index = index.clamp(1, sorted.len()) - 1;
            milliseconds(sorted[index])
        };
        LatencySummary {
            p50: rank(50.0),
            p90: rank(90.0),
            p99: rank(99.0),
            max: sorted.last().copied().map(milliseconds).unwrap_or(0.0),
        }
    }
}

fn milliseconds(micros: u32) -> f64 {
    // Three decimals (a microsecond) is all the resolution recorded.
    (f64::from(micros) / 1000.0 * 1000.0).round() / 1000.0
}

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LatencySummary {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut latencies = Latencies::default();
        for millis in 1..=100u64 {
            latencies.record(Duration::from_millis(millis));
        }
        let summary = latencies.summary();
        assert_eq!(summary.p50, 50.0);
        assert_eq!(summary.p90, 90.0);
        assert_eq!(summary.p99, 99.0);
        assert_eq!(summary.max, 100.0);
    }

    #[test]
    fn no_samples_give_zeros() {
        let summary = Latencies::default().summary();
        assert_eq!(summary.p50, 0.0);
        assert_eq!(summary.max, 0.0);
    }

    #[test]
    fn sub_millisecond_latencies_keep_microseconds() {
        let mut latencies = Latencies::default();
        latencies.record(Duration::from_micros(1234));
        assert_eq!(latencies.summary().p50, 1.234);
    }
}
