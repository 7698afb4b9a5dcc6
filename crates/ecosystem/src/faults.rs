//! Fault injection on the links between parties, and the conditions every call meets: per
//! link (delay, drop, duplicate, reorder, corrupt, partition) and per party (crash, slow), each
//! with a probability and a seed, so that a failing run replays exactly. [`LinkConditions`] is
//! the [`LinkLayer`] the ecosystem's transports pass through; it also records every call in a
//! [`MessageLog`], each call numbered as it enters its link, under the same lock as the
//! faults' random draws, and ordered by the layer's [`Sequencer`] (see [`dcc_proto::link`]).
//!
//! In one process a crashed party stops answering and sending (its calls fail UNAVAILABLE)
//! while keeping its memory: it behaves as a party whose host was cut off and came back.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use dcc_proto::link::{
    Call, CallContent, Entry, Fate, Link, LinkLayer, Outcome, Queued, Sending, Sequencer, Turn,
};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::trace::{MessageLog, TracedMessage};

/// What a fault does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FaultKind {
    /// Each affected call waits `delay` before it goes.
    Delay,
    /// Each affected call is lost: the caller sees UNAVAILABLE.
    Drop,
    /// Each affected call is sent twice.
    Duplicate,
    /// Each affected call is held back by `delay`, so later calls overtake it.
    Reorder,
    /// Each affected call's message has its last byte changed (the GBCS bytes end it).
    Corrupt,
    /// Nothing passes the link while the fault is in force.
    Partition,
    /// The party neither answers nor sends while the fault is in force.
    Crash,
    /// Every call to or from the party waits `delay`.
    Slow,
}

impl FaultKind {
    pub const ALL: &'static [FaultKind] = &[
        FaultKind::Delay,
        FaultKind::Drop,
        FaultKind::Duplicate,
        FaultKind::Reorder,
        FaultKind::Corrupt,
        FaultKind::Partition,
        FaultKind::Crash,
        FaultKind::Slow,
    ];

    fn on_party(self) -> bool {
        matches!(self, FaultKind::Crash | FaultKind::Slow)
    }

    fn needs_delay(self) -> bool {
        matches!(
            self,
            FaultKind::Delay | FaultKind::Reorder | FaultKind::Slow
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Delay => "delay",
            FaultKind::Drop => "drop",
            FaultKind::Duplicate => "duplicate",
            FaultKind::Reorder => "reorder",
            FaultKind::Corrupt => "corrupt",
            FaultKind::Partition => "partition",
            FaultKind::Crash => "crash",
            FaultKind::Slow => "slow",
        }
    }
}

/// How long: a fixed time (`200ms`, `1.5s`), or drawn from a distribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum DelaySpec {
    Fixed(String),
    Distribution(DelayDistribution),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum DelayDistribution {
    /// Uniform between the two bounds.
    Uniform([String; 2]),
    /// Exponential with this mean.
    Exponential(String),
}

/// One fault, as written in a configuration (`[[faults]]`) or a scenario step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// A name, so a scenario can clear it later.
    #[serde(default)]
    pub id: Option<String>,
    pub kind: FaultKind,
    /// For link faults: `dsp->csp` (one direction) or `csp<->commshub` (both). A party name
    /// also names its numbered siblings: `csp` is `csp-north` and `csp-central-south`.
    /// Parties: user, dsp, csp, tsp, rdp, commshub, smartmeter.
    #[serde(default)]
    pub link: Option<String>,
    /// For crash and slow: the party.
    #[serde(default)]
    pub party: Option<String>,
    /// For delay, reorder and slow.
    #[serde(default)]
    pub delay: Option<DelaySpec>,
    /// The chance that a call is affected (1 when absent).
    #[serde(default)]
    pub probability: Option<f64>,
    /// Seeds the fault's own random choices (the run's seed when absent).
    #[serde(default)]
    pub seed: Option<u64>,
    /// Only calls whose gRPC method (or DUIS endpoint) contains this text.
    #[serde(default)]
    pub method: Option<String>,
    /// Affect at most this many calls, then stop.
    #[serde(default)]
    pub count: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaultError {
    #[error("fault {fault}: {message}")]
    Invalid { fault: String, message: String },
    #[error("no fault named {0:?} is in force")]
    UnknownFault(String),
}

impl FaultSpec {
    fn name(&self) -> String {
        self.id
            .clone()
            .unwrap_or_else(|| self.kind.name().to_owned())
    }

    fn invalid(&self, message: impl Into<String>) -> FaultError {
        FaultError::Invalid {
            fault: self.name(),
            message: message.into(),
        }
    }

    /// Checks the fault names what it needs and nothing it cannot use.
    pub fn validate(&self) -> Result<(), FaultError> {
        if self.kind.on_party() {
            if self.party.is_none() {
                return Err(self.invalid(format!("{} needs a party", self.kind.name())));
            }
            if self.link.is_some() {
                return Err(self.invalid("a party fault takes no link"));
            }
        } else {
            let link = self
                .link
                .as_deref()
                .ok_or_else(|| self.invalid(format!("{} needs a link", self.kind.name())))?;
            LinkSelector::parse(link).map_err(|message| self.invalid(message))?;
            if self.party.is_some() {
                return Err(self.invalid("a link fault takes no party"));
            }
        }
        match (&self.delay, self.kind.needs_delay()) {
            (None, true) => return Err(self.invalid(format!("{} needs a delay", self.kind.name()))),
            (Some(_), false) => {
                return Err(self.invalid(format!("{} takes no delay", self.kind.name())))
            }
            (Some(delay), true) => {
                Delay::parse(delay).map_err(|message| self.invalid(message))?;
            }
            (None, false) => {}
        }
        if let Some(probability) = self.probability {
            if !(0.0..=1.0).contains(&probability) {
                return Err(
                    self.invalid(format!("probability {probability} is not between 0 and 1"))
                );
            }
        }
        Ok(())
    }
}

/// Parses `250ms`, `2s`, `1.5s`, `3m`, `1h`, `500us`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| format!("{text:?} has no unit (ms, s, m, h)"))?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} does not start with a number"))?;
    let seconds = match unit.trim() {
        "us" | "µs" => number / 1_000_000.0,
        "ms" => number / 1_000.0,
        "s" => number,
        "m" | "min" => number * 60.0,
        "h" => number * 3_600.0,
        "d" => number * 86_400.0,
        other => {
            return Err(format!(
                "{text:?}: unknown unit {other:?} (us, ms, s, m, h, d)"
            ))
        }
    };
    Duration::try_from_secs_f64(seconds).map_err(|error| format!("{text:?}: {error}"))
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Delay {
    Fixed(Duration),
    Uniform(Duration, Duration),
    Exponential(Duration),
}

impl Delay {
    fn parse(spec: &DelaySpec) -> Result<Self, String> {
        Ok(match spec {
            DelaySpec::Fixed(text) => Delay::Fixed(parse_duration(text)?),
            DelaySpec::Distribution(DelayDistribution::Uniform([low, high])) => {
                let (low, high) = (parse_duration(low)?, parse_duration(high)?);
                if high < low {
                    return Err(format!("uniform bounds {low:?} > {high:?}"));
                }
                Delay::Uniform(low, high)
            }
            DelaySpec::Distribution(DelayDistribution::Exponential(mean)) => {
                Delay::Exponential(parse_duration(mean)?)
            }
        })
    }

    fn sample(self, random: &mut ChaCha8Rng) -> Duration {
        match self {
            Delay::Fixed(delay) => delay,
            Delay::Uniform(low, high) => low + (high - low).mul_f64(unit(random)),
            Delay::Exponential(mean) => {
                let draw = -(1.0 - unit(random)).ln();
                mean.mul_f64(draw.min(20.0))
            }
        }
    }
}

/// A uniform draw in [0, 1).
fn unit(random: &mut ChaCha8Rng) -> f64 {
    (random.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// Which calls a link fault applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LinkSelector {
    from: String,
    to: String,
    both_ways: bool,
}

/// The parties a link or party name can name.
const PARTY_NAMES: &[&str] = &[
    "user",
    "dsp",
    "csp",
    "csp-north",
    "csp-central-south",
    "tsp",
    "rdp",
    "rdp-electricity",
    "rdp-gas",
    "commshub",
    "smartmeter",
];

fn check_party(name: &str) -> Result<(), String> {
    if PARTY_NAMES.contains(&name) {
        return Ok(());
    }
    Err(format!(
        "unknown party {name:?}; parties are {}",
        PARTY_NAMES.join(", ")
    ))
}

/// Whether a party name (`csp`) names a party (`csp-north`).
fn names(pattern: &str, party: &str) -> bool {
    party == pattern
        || party
            .strip_prefix(pattern)
            .is_some_and(|rest| rest.starts_with('-'))
}

impl LinkSelector {
    fn parse(text: &str) -> Result<Self, String> {
        let (from, to, both_ways) = match (text.split_once("<->"), text.split_once("->")) {
            (Some((from, to)), _) => (from, to, true),
            (None, Some((from, to))) => (from, to, false),
            _ => return Err(format!("link {text:?} is not `a->b` or `a<->b`")),
        };
        let (from, to) = (from.trim().to_owned(), to.trim().to_owned());
        check_party(&from)?;
        check_party(&to)?;
        Ok(Self {
            from,
            to,
            both_ways,
        })
    }

    fn matches(&self, link: &Link) -> bool {
        let forward = names(&self.from, &link.from) && names(&self.to, &link.to);
        let back = names(&self.to, &link.from) && names(&self.from, &link.to);
        forward || (self.both_ways && back)
    }
}

/// A fault in force, with its own random source and count.
#[derive(Debug)]
struct ActiveFault {
    spec: FaultSpec,
    link: Option<LinkSelector>,
    delay: Option<Delay>,
    random: ChaCha8Rng,
    affected: u32,
}

impl ActiveFault {
    fn new(spec: FaultSpec, default_seed: u64, index: u64) -> Result<Self, FaultError> {
        spec.validate()?;
        if let Some(party) = &spec.party {
            check_party(party).map_err(|message| spec.invalid(message))?;
        }
        let link = match &spec.link {
            Some(link) => Some(LinkSelector::parse(link).map_err(|message| spec.invalid(message))?),
            None => None,
        };
        let delay = match &spec.delay {
            Some(delay) => Some(Delay::parse(delay).map_err(|message| spec.invalid(message))?),
            None => None,
        };
        // Each fault draws from its own stream: the seed, mixed with its place in the plan.
        let seed = spec
            .seed
            .unwrap_or(default_seed)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .wrapping_add(index);
        Ok(Self {
            spec,
            link,
            delay,
            random: ChaCha8Rng::seed_from_u64(seed),
            affected: 0,
        })
    }

    fn applies(&self, call: &Call<'_>) -> bool {
        let on_link = match (&self.link, &self.spec.party) {
            (Some(selector), _) => selector.matches(call.link),
            (None, Some(party)) => names(party, &call.link.from) || names(party, &call.link.to),
            (None, None) => false,
        };
        let method = self
            .spec
            .method
            .as_deref()
            .is_none_or(|method| call.method.contains(method));
        let budget = self.spec.count.is_none_or(|count| self.affected < count);
        on_link && method && budget
    }

    /// Draws whether this call is affected (always drawn, so the stream does not depend on
    /// which calls were affected).
    fn strikes(&mut self) -> bool {
        let draw = unit(&mut self.random);
        let struck = draw < self.spec.probability.unwrap_or(1.0);
        if struck {
            self.affected += 1;
        }
        struck
    }
}

/// What the faults in force decided for one call.
#[derive(Debug, Default)]
struct Decision {
    delay: Duration,
    copies: u32,
    corrupt: bool,
    drop: Option<String>,
    notes: Vec<String>,
}

/// The [`LinkLayer`] of an ecosystem: the faults in force and the message log.
#[derive(Debug)]
pub struct LinkConditions {
    seed: u64,
    faults: Mutex<Vec<ActiveFault>>,
    added: Mutex<u64>,
    log: MessageLog,
    sequencer: Arc<Sequencer>,
}

impl LinkConditions {
    /// No faults; `seed` seeds faults that name none.
    pub fn new(seed: u64, log: MessageLog) -> Arc<Self> {
        Arc::new(Self {
            seed,
            faults: Mutex::new(Vec::new()),
            added: Mutex::new(0),
            log,
            sequencer: Arc::new(Sequencer::new()),
        })
    }

    pub fn log(&self) -> &MessageLog {
        &self.log
    }

    /// Waits, at most `limit`, until nothing is on its way but calls asleep in their delays
    /// (see [`Sequencer`]); says whether that happened.
    pub async fn quiet(&self, limit: Duration) -> bool {
        self.sequencer.quiet(limit).await
    }

    /// Puts a fault in force.
    pub fn inject(&self, spec: FaultSpec) -> Result<(), FaultError> {
        let index = {
            let mut added = lock(&self.added);
            *added += 1;
            *added
        };
        let fault = ActiveFault::new(spec, self.seed, index)?;
        lock(&self.faults).push(fault);
        Ok(())
    }

    /// Ends the faults named `id` (or, for `restart`-like use, every crash of a party).
    pub fn clear(&self, id: &str) -> Result<(), FaultError> {
        let mut faults = lock(&self.faults);
        let before = faults.len();
        faults.retain(|fault| fault.spec.id.as_deref() != Some(id));
        if faults.len() == before {
            return Err(FaultError::UnknownFault(id.to_owned()));
        }
        Ok(())
    }

    /// Ends the crash of `party`: it answers and sends again.
    pub fn restart(&self, party: &str) -> Result<(), FaultError> {
        let mut faults = lock(&self.faults);
        let before = faults.len();
        faults.retain(|fault| {
            !(fault.spec.kind == FaultKind::Crash && fault.spec.party.as_deref() == Some(party))
        });
        if faults.len() == before {
            return Err(FaultError::UnknownFault(format!("crash of {party}")));
        }
        Ok(())
    }

    /// Ends every fault.
    pub fn clear_all(&self) {
        lock(&self.faults).clear();
    }

    /// What the faults decide for `call`, with `faults` locked (the caller numbers the call
    /// before letting go).
    fn decide(faults: &mut [ActiveFault], call: &Call<'_>) -> Decision {
        let mut decision = Decision {
            copies: 1,
            ..Decision::default()
        };
        // Health checks come on a timer: letting them draw from a fault's random stream or
        // use up its count would make a seeded run depend on the wall clock.
        if is_plumbing(call.method) {
            return decision;
        }
        for fault in faults.iter_mut() {
            if !fault.applies(call) || !fault.strikes() {
                continue;
            }
            let kind = fault.spec.kind;
            let name = fault.spec.name();
            match kind {
                FaultKind::Delay | FaultKind::Reorder | FaultKind::Slow => {
                    let delay = fault
                        .delay
                        .map(|delay| delay.sample(&mut fault.random))
                        .unwrap_or_default();
                    decision.delay += delay;
                    decision.notes.push(format!(
                        "{} {} ms ({name})",
                        kind.name(),
                        delay.as_millis()
                    ));
                }
                FaultKind::Drop | FaultKind::Partition | FaultKind::Crash => {
                    decision.drop = Some(format!("{} by fault injection ({name})", kind.name()));
                    decision.notes.push(format!("{} ({name})", kind.name()));
                }
                FaultKind::Duplicate => {
                    decision.copies += 1;
                    decision.notes.push(format!("duplicated ({name})"));
                }
                FaultKind::Corrupt => {
                    decision.corrupt = true;
                    decision.notes.push(format!("corrupted ({name})"));
                }
            }
        }
        decision
    }

    /// A DUIS hop (`user->dsp` requests, `dsp->user` deliveries, `queued` for the DSP's)
    /// enters its link as a gRPC call does; `method` is the endpoint (`serviceS`,
    /// `responses`). The hop goes once the [`Turn`] is over its wait; dropping it ends the hop.
    /// A DSP's delivery waits while a duplicate is on its way, but not for quiet: the DSP holds
    /// its ticket until the user answers.
    pub async fn duis_hop(
        &self,
        from: &str,
        to: &str,
        method: &str,
        queued: bool,
    ) -> (Entry, Turn<'_>) {
        let link = Link::new(from, to);
        let call = Call {
            link: &link,
            method,
            message: &[],
        };
        let (entry, turn) = self
            .sequencer
            .enter(
                &link,
                Queued {
                    duplicate: queued,
                    quiet: false,
                },
                || self.entry(&call, false),
            )
            .await;
        turn.wait().await;
        (entry, turn)
    }

    /// A note for the message log describing a fate, if it is not plain delivery.
    pub fn describe_fate(fate: &Fate) -> Option<String> {
        match fate {
            Fate::Drop { reason, .. } => Some(reason.clone()),
            Fate::Deliver {
                delay,
                copies,
                corrupt,
            } => {
                let mut notes = Vec::new();
                if !delay.is_zero() {
                    notes.push(format!("delayed {} ms", delay.as_millis()));
                }
                if *copies > 1 {
                    notes.push(format!("sent {copies} times"));
                }
                if *corrupt {
                    notes.push("corrupted".to_owned());
                }
                (!notes.is_empty()).then(|| notes.join(", "))
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // The guarded data stays consistent across a panic in another holder.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Calls that are plumbing, not messages of the DCC's flows: health checks.
fn is_plumbing(method: &str) -> bool {
    method.starts_with("/grpc.health")
}

impl LinkConditions {
    /// The entry of `call`, numbered once per copy when `per_copy` (a gRPC call's copies are
    /// each recorded; a DUIS hop is recorded once).
    fn entry(&self, call: &Call<'_>, per_copy: bool) -> Entry {
        let mut faults = lock(&self.faults);
        let decision = Self::decide(&mut faults, call);
        let fate = match decision.drop {
            Some(reason) => Fate::Drop {
                delay: decision.delay,
                reason,
            },
            None => Fate::Deliver {
                delay: decision.delay,
                copies: decision.copies,
                corrupt: decision.corrupt,
            },
        };
        if is_plumbing(call.method) {
            return Entry {
                fate,
                sending: Sending::default(),
            };
        }
        // Numbered before the faults are let go: the next call's draws come after this one's
        // in the log too.
        let numbers = match per_copy {
            true => fate.copies().max(1),
            false => 1,
        };
        let (sequence, at) = self.log.reserve_many(u64::from(numbers));
        drop(faults);
        Entry {
            fate,
            sending: Sending { sequence, at },
        }
    }
}

impl LinkLayer for LinkConditions {
    fn enter(&self, call: &Call<'_>) -> Entry {
        self.entry(call, true)
    }

    fn sequencer(&self) -> Option<&Arc<Sequencer>> {
        Some(&self.sequencer)
    }

    fn observe(
        &self,
        call: &Call<'_>,
        copy: u32,
        sending: Sending,
        fate: &Fate,
        outcome: &Outcome,
    ) {
        if is_plumbing(call.method) {
            return;
        }
        let content: CallContent = dcc_proto::link::call_content(call.method, call.message);
        let Sending { sequence, at } = sending;
        let (outcome_text, failed) = match outcome {
            Outcome::Answered { .. } => ("OK".to_owned(), false),
            Outcome::Failed { code, message } => {
                (format!("{}: {message}", grpc_code_name(*code)), true)
            }
        };
        let rpc = call.method.rsplit('/').next().unwrap_or(call.method);
        let label = match (copy, content.kind) {
            (0, Some(kind)) => format!("{rpc} ({kind})"),
            (0, None) => rpc.to_owned(),
            (copy, _) => format!("{rpc} (copy {})", copy + 1),
        };
        let mut gbcs = content.gbcs;
        if let (Some(bytes), Fate::Deliver { corrupt: true, .. }) = (&mut gbcs, fate) {
            if let Some(last) = bytes.last_mut() {
                *last ^= 0x01;
            }
        }
        self.log.record(TracedMessage {
            sequence,
            at,
            from: call.link.from.clone(),
            to: call.link.to.clone(),
            label,
            request_id: content.request_id,
            device_id: content.device_id,
            outcome: outcome_text,
            failed,
            fault: Self::describe_fate(fate),
            duis: None,
            gbcs,
        });
    }
}

/// gRPC status names, for people.
pub fn grpc_code_name(code: i32) -> &'static str {
    match code {
        0 => "OK",
        1 => "CANCELLED",
        2 => "UNKNOWN",
        3 => "INVALID_ARGUMENT",
        4 => "DEADLINE_EXCEEDED",
        5 => "NOT_FOUND",
        6 => "ALREADY_EXISTS",
        7 => "PERMISSION_DENIED",
        8 => "RESOURCE_EXHAUSTED",
        9 => "FAILED_PRECONDITION",
        10 => "ABORTED",
        11 => "OUT_OF_RANGE",
        12 => "UNIMPLEMENTED",
        13 => "INTERNAL",
        14 => "UNAVAILABLE",
        15 => "DATA_LOSS",
        16 => "UNAUTHENTICATED",
        _ => "UNKNOWN_CODE",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(kind: FaultKind, link: &str) -> FaultSpec {
        FaultSpec {
            id: Some("f".into()),
            kind,
            link: Some(link.into()),
            party: None,
            delay: None,
            probability: None,
            seed: Some(7),
            method: None,
            count: None,
        }
    }

    fn call<'a>(link: &'a Link) -> Call<'a> {
        Call {
            link,
            method: "/dccsim.wan.v1.CommunicationsServiceProvider/SendCommand",
            message: &[],
        }
    }

    #[test]
    fn link_selectors_name_siblings_and_directions() {
        let selector = LinkSelector::parse("dsp->csp").unwrap();
        assert!(selector.matches(&Link::new("dsp", "csp-north")));
        assert!(!selector.matches(&Link::new("csp-north", "dsp")));
        let both = LinkSelector::parse("csp<->commshub").unwrap();
        assert!(both.matches(&Link::new("commshub", "csp-central-south")));
        assert!(LinkSelector::parse("dsp->nobody").is_err());
        assert!(LinkSelector::parse("dsp").is_err());
    }

    #[test]
    fn faults_are_validated() {
        assert!(spec(FaultKind::Drop, "dsp->csp").validate().is_ok());
        let mut delay = spec(FaultKind::Delay, "dsp->csp");
        assert!(delay.validate().is_err(), "delay without a delay");
        delay.delay = Some(DelaySpec::Fixed("20ms".into()));
        assert!(delay.validate().is_ok());
        let mut crash = spec(FaultKind::Crash, "dsp->csp");
        assert!(crash.validate().is_err(), "crash names a party, not a link");
        crash.link = None;
        crash.party = Some("commshub".into());
        assert!(crash.validate().is_ok());
        let mut odds = spec(FaultKind::Drop, "dsp->csp");
        odds.probability = Some(1.5);
        assert!(odds.validate().is_err());
    }

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert!(parse_duration("12").is_err());
        assert!(parse_duration("5 parsecs").is_err());
    }

    #[test]
    fn the_same_seed_makes_the_same_choices() {
        let choices = |seed: u64| {
            let conditions = LinkConditions::new(1, MessageLog::new());
            let mut fault = spec(FaultKind::Drop, "dsp->csp");
            fault.probability = Some(0.5);
            fault.seed = Some(seed);
            conditions.inject(fault).unwrap();
            let link = Link::new("dsp", "csp-north");
            (0..64)
                .map(|_| matches!(conditions.enter(&call(&link)).fate, Fate::Drop { .. }))
                .collect::<Vec<_>>()
        };
        assert_eq!(choices(42), choices(42));
        assert_ne!(choices(42), choices(43));
        let dropped = choices(42).iter().filter(|dropped| **dropped).count();
        assert!((16..=48).contains(&dropped), "{dropped} of 64 at p = 0.5");
    }

    #[test]
    fn a_crash_stops_both_directions_until_restart() {
        let conditions = LinkConditions::new(1, MessageLog::new());
        let mut crash = spec(FaultKind::Crash, "dsp->csp");
        crash.link = None;
        crash.party = Some("commshub".into());
        conditions.inject(crash).unwrap();
        let down = Link::new("csp-north", "commshub");
        let up = Link::new("commshub", "csp-north");
        assert!(matches!(
            conditions.enter(&call(&down)).fate,
            Fate::Drop { .. }
        ));
        assert!(matches!(
            conditions.enter(&call(&up)).fate,
            Fate::Drop { .. }
        ));
        assert_eq!(
            conditions.enter(&call(&Link::new("dsp", "tsp"))).fate,
            Fate::DELIVER
        );
        conditions.restart("commshub").unwrap();
        assert_eq!(conditions.enter(&call(&down)).fate, Fate::DELIVER);
        assert_eq!(
            conditions.restart("commshub"),
            Err(FaultError::UnknownFault("crash of commshub".into()))
        );
    }

    #[test]
    fn count_limits_a_fault_and_clear_ends_it() {
        let conditions = LinkConditions::new(1, MessageLog::new());
        let mut drop = spec(FaultKind::Drop, "dsp->csp");
        drop.count = Some(1);
        conditions.inject(drop).unwrap();
        let link = Link::new("dsp", "csp-north");
        assert!(matches!(
            conditions.enter(&call(&link)).fate,
            Fate::Drop { .. }
        ));
        assert_eq!(conditions.enter(&call(&link)).fate, Fate::DELIVER);
        conditions.clear("f").unwrap();
        assert_eq!(
            conditions.clear("f"),
            Err(FaultError::UnknownFault("f".into()))
        );
    }
}
