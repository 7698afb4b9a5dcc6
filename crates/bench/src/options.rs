//! What a bench run does: how long, against which devices, how hard, with which mix.

use std::time::Duration;

/// The kinds of service request a bench run sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// 4.1.1 Read Instantaneous Import Registers (CV1) to an ESME or a GSME: a MACed command,
    /// an answer MACed for the user with its registers encrypted.
    Read,
    /// 7.1 Enable Supply to an ESME: CV4 (the pre-command), the user's signature, CV5; the
    /// device checks the supplier's signature and signs its answer.
    Critical,
}

/// Weights of each kind, e.g. `reads=9,critical=1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mix {
    pub reads: u32,
    pub critical: u32,
}

impl Default for Mix {
    fn default() -> Self {
        Self {
            reads: 1,
            critical: 0,
        }
    }
}

impl Mix {
    /// The kind of the `index`th request: the weights spread evenly over every run of
    /// `reads + critical` requests.
    pub fn kind(&self, index: u64) -> RequestKind {
        let total = u64::from(self.reads) + u64::from(self.critical);
        if total == 0 || index % total < u64::from(self.reads) {
            return RequestKind::Read;
        }
        RequestKind::Critical
    }
}

impl std::str::FromStr for Mix {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut mix = Mix {
            reads: 0,
            critical: 0,
        };
        for part in text
            .split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
        {
            let (name, weight) = part
                .split_once('=')
                .ok_or_else(|| format!("{part:?}: expected KIND=WEIGHT, e.g. reads=9"))?;
            let weight: u32 = weight
                .trim()
                .parse()
                .map_err(|_| format!("{part:?}: the weight is not a whole number"))?;
            match name.trim() {
                "reads" => mix.reads = weight,
                "critical" => mix.critical = weight,
                "alerts" if weight == 0 => {}
                "alerts" => {
                    return Err(
                        "alerts: the bench cannot make devices raise alerts yet; use reads and critical"
                            .to_owned(),
                    )
                }
                other => {
                    return Err(format!(
                        "unknown request kind {other:?}: the kinds are reads and critical"
                    ))
                }
            }
        }
        if mix.reads == 0 && mix.critical == 0 {
            return Err("the mix has no requests: give reads or critical a weight".to_owned());
        }
        Ok(mix)
    }
}

#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// How long requests are sent for (responses still owed are awaited after).
    pub duration: Duration,
    /// How many meters (ESMEs and GSMEs, two per generated premises) the requests go to.
    pub devices: u32,
    /// Closed loop: how many requests are outstanding at once (each user waits for the
    /// synchronous answer before sending again to the same device).
    pub concurrency: u32,
    /// Open loop: requests started per second regardless of answers (`None`: closed loop).
    pub rate: Option<f64>,
    pub mix: Mix,
    /// A running ecosystem's DUIS front door; `None` starts one.
    pub target: Option<String>,
    /// Starts the ecosystem as one OS process per party of this executable (`dccsim serve
    /// <party>`, mutual TLS on every gRPC link) instead of in this process.
    pub processes: Option<std::path::PathBuf>,
    /// Where the asynchronous responses come to, for `target` (it must be the target's
    /// response URL's address); in process, a free loopback port.
    pub inbox_address: Option<std::net::SocketAddr>,
    /// The target's seed (its test PKI).
    pub seed: u64,
    /// Print a progress line to standard error every second.
    pub progress: bool,
    /// Before the measured window, address each device once (up to [`WARM_UP_DEVICES`] of
    /// them) with each kind of the mix, unmeasured, so the figures are the ecosystem's steady
    /// state and not the first contact with a device (its keys and certificates made, its
    /// engine built).
    pub warm_up: bool,
}

/// The most devices a warm-up addresses: a larger fleet's run measures devices met for the
/// first time, which is what it is for.
pub const WARM_UP_DEVICES: usize = 1_000;

impl Default for BenchOptions {
    fn default() -> Self {
        Self {
            duration: Duration::from_secs(10),
            devices: 200,
            concurrency: 32,
            rate: None,
            mix: Mix::default(),
            target: None,
            processes: None,
            inbox_address: None,
            seed: 1,
            progress: false,
            warm_up: true,
        }
    }
}

impl BenchOptions {
    /// Generated premises the run needs: two meters each.
    pub fn premises(&self) -> u32 {
        self.devices.div_ceil(2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mix_spreads_its_weights() {
        let mix: Mix = "reads=3,critical=1".parse().unwrap();
        let kinds: Vec<RequestKind> = (0..8).map(|index| mix.kind(index)).collect();
        let critical = kinds
            .iter()
            .filter(|kind| **kind == RequestKind::Critical)
            .count();
        assert_eq!(critical, 2);
    }

    #[test]
    fn bad_mixes_are_refused_with_the_reason() {
        assert!("reads=x"
            .parse::<Mix>()
            .unwrap_err()
            .contains("whole number"));
        assert!("writes=1".parse::<Mix>().unwrap_err().contains("unknown"));
        assert!("reads=0"
            .parse::<Mix>()
            .unwrap_err()
            .contains("no requests"));
        assert!("alerts=1".parse::<Mix>().unwrap_err().contains("alerts"));
        assert_eq!(
            "reads=2, alerts=0".parse::<Mix>().unwrap(),
            Mix {
                reads: 2,
                critical: 0
            }
        );
    }
}
