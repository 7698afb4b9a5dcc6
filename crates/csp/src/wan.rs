//! The SM WAN as a CSP sees it: each Comms Hub has a variant (`edmi` in the North;
//! `wnc-cellular`, `toshiba-cellular`, `toshiba-mesh`, `toshiba-mesh-2` in Central and South),
//! and each variant its WAN behaviour: a latency distribution (log-normal), loss, bandwidth
//! (a large message takes longer) and availability (a mesh node reachable only part of each
//! period). A hub may also have outages, when it cannot be reached at all. Everything is
//! seeded and read on the ecosystem's clock, so a run repeats.

use std::collections::BTreeMap;
use std::time::Duration;

use dcc_model::{CspRegion, Eui64};

/// How a variant's SM WAN behaves.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WanBehaviour {
    /// Median time for a command to reach the hub, in milliseconds.
    pub latency_median_ms: f64,
    /// Spread of the log-normal latency (sigma of its logarithm).
    pub latency_sigma: f64,
    /// Bytes a second the link carries: a message of `n` bytes takes `n / bandwidth` more.
    pub bandwidth_bytes_per_second: f64,
    /// Share of commands lost on the way (0 to 1): they never reach the hub.
    pub loss: f64,
    /// A mesh node is reachable `reachable_fraction` of every `period_seconds` (1 = always).
    pub reachable_fraction: f64,
    pub period_seconds: f64,
}

/// The variants the CSPs' Comms Hubs come in, with their default WAN behaviour.
pub fn default_variants() -> BTreeMap<String, WanBehaviour> {
    let behaviour = |median, sigma, bandwidth, loss, reachable| WanBehaviour {
        latency_median_ms: median,
        latency_sigma: sigma,
        bandwidth_bytes_per_second: bandwidth,
        loss,
        reachable_fraction: reachable,
        period_seconds: 600.0,
    };
    BTreeMap::from([
        // North: long range radio.
        (
            "edmi".to_owned(),
            behaviour(1_800.0, 0.45, 2_400.0, 0.002, 1.0),
        ),
        // Central/South: cellular and mesh.
        (
            "wnc-cellular".to_owned(),
            behaviour(900.0, 0.35, 16_000.0, 0.001, 1.0),
        ),
        (
            "toshiba-cellular".to_owned(),
            behaviour(1_100.0, 0.40, 12_000.0, 0.001, 1.0),
        ),
        (
            "toshiba-mesh".to_owned(),
            behaviour(3_500.0, 0.70, 1_200.0, 0.01, 0.8),
        ),
        (
            "toshiba-mesh-2".to_owned(),
            behaviour(2_500.0, 0.60, 2_400.0, 0.005, 0.9),
        ),
    ])
}

/// The variant a hub of `region` has when its configuration names none.
pub fn default_variant(region: CspRegion) -> &'static str {
    match region {
        CspRegion::North => "edmi",
        CspRegion::Central | CspRegion::South => "wnc-cellular",
    }
}

/// A time a hub cannot be reached (unix seconds, from inclusive, to exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outage {
    pub from_unix_seconds: i64,
    pub to_unix_seconds: i64,
}

/// One hub's WAN: its variant and outages.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubWan {
    pub variant: Option<String>,
    #[serde(default)]
    pub outages: Vec<Outage>,
}

/// The SM WAN model of an ecosystem. With `modelled` false (the default) commands reach their
/// hub at once and always; outages hold either way.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WanConfig {
    pub modelled: bool,
    pub seed: u64,
    pub variants: BTreeMap<String, WanBehaviour>,
    /// Per hub (by CHF id), where it differs from its region's default variant.
    pub hubs: BTreeMap<Eui64, HubWan>,
}

impl Default for WanConfig {
    fn default() -> Self {
        Self {
            modelled: false,
            seed: 1,
            variants: default_variants(),
            hubs: BTreeMap::new(),
        }
    }
}

/// What the WAN does with one command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// The hub cannot be reached now.
    Unreachable,
    /// Lost on the way.
    Lost,
    /// Reaches the hub after this long.
    After(Duration),
}

impl WanConfig {
    /// The variant of `hub` in `region`.
    pub fn variant_of(&self, hub: Eui64, region: CspRegion) -> &str {
        self.hubs
            .get(&hub)
            .and_then(|wan| wan.variant.as_deref())
            .unwrap_or(default_variant(region))
    }

    fn behaviour(&self, hub: Eui64, region: CspRegion) -> Option<&WanBehaviour> {
        self.variants.get(self.variant_of(hub, region))
    }

    /// Whether `hub` can be reached at `now` (unix seconds): not in an outage, and, when the
    /// WAN is modelled, in the reachable part of its variant's period (its phase seeded).
    pub fn reachable(&self, hub: Eui64, region: CspRegion, now_unix_ms: i64) -> bool {
        let now_seconds = now_unix_ms.div_euclid(1000);
        let in_outage = self.hubs.get(&hub).is_some_and(|wan| {
            wan.outages.iter().any(|outage| {
                (outage.from_unix_seconds..outage.to_unix_seconds).contains(&now_seconds)
            })
        });
        if in_outage {
            return false;
        }
        if !self.modelled {
            return true;
        }
        let Some(behaviour) = self.behaviour(hub, region) else {
            return true;
        };
        if behaviour.reachable_fraction >= 1.0 || behaviour.period_seconds <= 0.0 {
            return true;
        }
        let period_ms = (behaviour.period_seconds * 1000.0) as i64;
        let phase = (mix(self.seed ^ hub.as_u64()) % period_ms.max(1) as u64) as i64;
        let position = (now_unix_ms + phase).rem_euclid(period_ms.max(1));
        (position as f64) < behaviour.reachable_fraction * period_ms as f64
    }

    /// What happens to the `sequence`th command of `bytes` bytes sent to `hub` at `now`.
    pub fn delivery(
        &self,
        hub: Eui64,
        region: CspRegion,
        bytes: usize,
        sequence: u64,
        now_unix_ms: i64,
    ) -> Delivery {
        if !self.reachable(hub, region, now_unix_ms) {
            return Delivery::Unreachable;
        }
        if !self.modelled {
            return Delivery::After(Duration::ZERO);
        }
        let Some(behaviour) = self.behaviour(hub, region) else {
            return Delivery::After(Duration::ZERO);
        };
        let draw = mix(self.seed ^ hub.as_u64().rotate_left(17) ^ sequence.wrapping_mul(0x9E37));
        if unit(draw) < behaviour.loss {
            return Delivery::Lost;
        }
        Delivery::After(latency(behaviour, bytes, mix(draw)))
    }
}

/// One latency draw of `behaviour` for a message of `bytes`, from the seed `draw`.
pub fn latency(behaviour: &WanBehaviour, bytes: usize, draw: u64) -> Duration {
    // Box–Muller: a standard normal from two uniforms.
    let first = unit(mix(draw)).max(f64::MIN_POSITIVE);
    let second = unit(mix(draw ^ 0x5DEE_CE66));
    let normal = (-2.0 * first.ln()).sqrt() * (std::f64::consts::TAU * second).cos();
    let travel_ms = behaviour.latency_median_ms * (behaviour.latency_sigma * normal).exp();
    let transfer_ms = if behaviour.bandwidth_bytes_per_second > 0.0 {
        bytes as f64 * 1000.0 / behaviour.bandwidth_bytes_per_second
    } else {
        0.0
    };
    Duration::from_secs_f64(((travel_ms + transfer_ms) / 1000.0).max(0.0))
}

/// p50 and p99 of a variant's latency for messages of `bytes`, over `samples` seeded draws
/// (the draws the CSP makes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatencySummary {
    pub p50: Duration,
    pub p99: Duration,
}

pub fn measure(behaviour: &WanBehaviour, bytes: usize, samples: u64, seed: u64) -> LatencySummary {
    let mut draws: Vec<Duration> = (0..samples.max(1))
        .map(|sequence| {
            latency(
                behaviour,
                bytes,
                mix(mix(seed ^ sequence.wrapping_mul(0x9E37))),
            )
        })
        .collect();
    draws.sort();
    let at = |quantile: f64| draws[((draws.len() - 1) as f64 * quantile).round() as usize];
    LatencySummary {
        p50: at(0.50),
        p99: at(0.99),
    }
}

/// splitmix64's finaliser: a seeded, well-spread 64-bit mix.
fn mix(value: u64) -> u64 {
    let mut z = value.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A draw as a number in [0, 1).
fn unit(draw: u64) -> f64 {
    (draw >> 11) as f64 / (1u64 << 53) as f64
}
