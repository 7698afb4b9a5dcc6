//! Plays test cases. In-process, each case gets its own ecosystem (a [`Sandbox`] on ephemeral
//! ports), so cases run side by side without sharing state; with a target, every case talks to
//! one ecosystem already running (`dccsim up`, DCC Boxed), and steps that need the ecosystem's
//! insides (faults, the clock, device control) are skipped with the reason.
//!
//! A case whose service request dccsim does not serve yet is skipped with the reason (the DSP
//! has no transformation for it, answers E1011, or the device engine refuses the use case as
//! unimplemented): never passed silently.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dcc_model::{CommandVariant, Eui64, RequestId, ResponseCode};
use duis::catalogue::{self, ServiceDefinition};
use duis::{BodyElement, RequestBody};
use ecosystem::config::{
    LEGACY_CHF, LEGACY_ESME, LEGACY_GPF, LEGACY_GSME, SECOND_SUPPLIER, SOUTH_CHF, SOUTH_ESME,
    SOUTH_GPF, SOUTH_GSME, SPARE_CENTRAL_CHF, SPARE_CENTRAL_ESME, SPARE_CENTRAL_GPF,
    SPARE_CENTRAL_GSME, SPARE_NORTH_CHF, SPARE_NORTH_ESME, SPARE_NORTH_GPF, SPARE_NORTH_GSME,
    SPARE_SOUTH_CHF, SPARE_SOUTH_ESME, SPARE_SOUTH_GPF, SPARE_SOUTH_GSME, TEMPLATE_CHF,
    TEMPLATE_ESME, TEMPLATE_GPF, TEMPLATE_GSME, TEST_NETWORK_OPERATOR, TEST_SUPPLIER,
};
use ecosystem::faults::{parse_duration, LinkConditions};
use ecosystem::trace::{MessageLog, TracedMessage};
use ecosystem::user::{
    endpoint_for, CounterBook, DuisUser, Endpoints, InboxOptions, RequestOptions, ResponseInbox,
    UserAgent, UserError, DEFAULT_RESPONSE_WAIT,
};
use ecosystem::{EcosystemConfig, Identities, Sandbox, SandboxOptions};
use gbcs::utrn::ValueClass;
use serde_json::Value;
use smki::KeyUsage;

use crate::expect::{self, Mismatch};
use crate::format::{
    AwaitStep, BodyMap, BodyValue, ClockStep, DeviceStep, DisplayStep, Expectations, FaultStep,
    Matcher, Operators, RequestStep, Scalar, Step, Tamper, UtrnStep,
};
use crate::load::TestCase;
use crate::outcome::{
    CaseResult, Failure, FailureKind, ReportMessage, RunReport, Status, StepRecord,
};
use crate::view;
use ecosystem::device_control::DeviceAction;

/// How long a finished case waits for the messages still on their way to be logged.
const SETTLE_LIMIT: Duration = Duration::from_secs(2);

/// An ecosystem already running.
#[derive(Debug, Clone)]
pub struct Target {
    pub duis_url: String,
    pub smki_url: String,
    /// Where this runner listens for asynchronous responses: the ecosystem must send users'
    /// responses there (`dccsim up --response-url http://<listen>/responses`).
    pub listen: SocketAddr,
    /// The seed of the ecosystem's test PKI (the users' keys come from it).
    pub seed: u64,
    /// DCC Boxed's key store, when the target uses DCC Boxed's organisation identities.
    pub dccboxed_keystore: Option<PathBuf>,
    /// An inbox already listening at `listen`, to share between runs; one is started when
    /// absent.
    pub inbox: Option<Arc<ResponseInbox>>,
}

#[derive(Debug, Clone)]
pub struct RunOptions {
    /// How many cases run at once.
    pub jobs: usize,
    /// Overrides every scenario's seed.
    pub seed: Option<u64>,
    pub target: Option<Target>,
    /// Print a progress bar on standard error (when it is a terminal).
    pub progress: bool,
    /// How long a step that names no `timeout` waits for its response or alert
    /// ([`DEFAULT_RESPONSE_WAIT`] unless set).
    pub response_wait: Option<Duration>,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            jobs: 1,
            seed: None,
            target: None,
            progress: false,
            response_wait: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot make the identities for the target: {0}")]
    Identities(String),
    #[error("cannot listen for responses on {0}: {1}")]
    Listen(SocketAddr, String),
}

/// The seed a case runs with when neither the command line nor the scenario names one.
pub const DEFAULT_SEED: u64 = 1;

/// Runs every case; in-process cases `jobs` at a time.
pub async fn run(cases: Vec<TestCase>, options: &RunOptions) -> Result<RunReport, RunError> {
    let started = Instant::now();
    let shared = Arc::new(Shared::new(options).await?);
    let progress = progress_bar(options.progress, cases.len());
    let jobs = options.jobs.max(1);
    let semaphore = Arc::new(tokio::sync::Semaphore::new(jobs));
    let mut handles = Vec::new();
    for case in cases {
        let shared = shared.clone();
        let semaphore = semaphore.clone();
        let progress = progress.clone();
        handles.push(tokio::spawn(async move {
            let _permit = semaphore.acquire_owned().await;
            let result = run_case(&case, &shared).await;
            if let Some(progress) = &progress {
                progress.inc(1);
                progress.set_message(case.name.clone());
            }
            result
        }));
    }
    let mut results = Vec::new();
    for handle in handles {
        match handle.await {
            Ok(result) => results.push(result),
            Err(error) => return Err(RunError::Identities(format!("a case panicked: {error}"))),
        }
    }
    if let Some(progress) = progress {
        progress.finish_and_clear();
    }
    Ok(RunReport {
        mode: match &options.target {
            Some(target) => target.duis_url.clone(),
            None => "in-process".to_owned(),
        },
        jobs,
        cases: results,
        wall_time: started.elapsed(),
    })
}

fn progress_bar(wanted: bool, length: usize) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if !wanted || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(length as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {elapsed} {wide_msg}")
    {
        bar.set_style(style);
    }
    Some(bar)
}

/// What all cases of a run share: made identities per seed, and for a target its inbox.
struct Shared {
    seed: Option<u64>,
    response_wait: Duration,
    identities: Mutex<HashMap<u64, Identities>>,
    remote: Option<Remote>,
}

struct Remote {
    target: Target,
    identities: Identities,
    inbox: Arc<ResponseInbox>,
    counters: Arc<CounterBook>,
}

impl Shared {
    async fn new(options: &RunOptions) -> Result<Self, RunError> {
        let remote = match &options.target {
            None => None,
            Some(target) => {
                let config = EcosystemConfig {
                    seed: target.seed,
                    dccboxed_keystore: target.dccboxed_keystore.clone(),
                    ..EcosystemConfig::default()
                };
                let identities = Identities::build(&config)
                    .map_err(|error| RunError::Identities(error.to_string()))?;
                let inbox = match &target.inbox {
                    Some(inbox) => inbox.clone(),
                    None => Arc::new(
                        ResponseInbox::start_with(InboxOptions {
                            dsp_xml_key: dsp_xml_key(&identities),
                            conditions: None,
                            listen: Some(target.listen),
                        })
                        .await
                        .map_err(|error| RunError::Listen(target.listen, error.to_string()))?,
                    ),
                };
                Some(Remote {
                    target: target.clone(),
                    identities,
                    inbox,
                    counters: CounterBook::from_clock(),
                })
            }
        };
        Ok(Self {
            seed: options.seed,
            response_wait: options.response_wait.unwrap_or(DEFAULT_RESPONSE_WAIT),
            identities: Mutex::new(HashMap::new()),
            remote,
        })
    }

    /// The identities of `seed`, made once per run.
    fn identities(&self, config: &EcosystemConfig) -> Result<Identities, String> {
        let mut made = self
            .identities
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(found) = made.get(&config.seed) {
            return Ok(found.clone());
        }
        let identities = Identities::build(config).map_err(|error| error.to_string())?;
        made.insert(config.seed, identities.clone());
        Ok(identities)
    }
}

/// The DSP's XML signing key (SEC1) among `identities`.
pub fn dsp_xml_key(identities: &Identities) -> Option<[u8; 65]> {
    identities
        .organisation(
            dcc_model::DCC_ACCESS_CONTROL_BROKER,
            KeyUsage::DigitalSignature,
            Some(smki::RemotePartyRole::DSP_XML_SIGNING),
        )
        .map(|identity| identity.certificate.public_key_sec1())
        .ok()
}

/// Where a case runs. One lives per running test case, so the size of the sandbox variant costs
/// nothing worth a box.
#[allow(clippy::large_enum_variant)]
enum Ecosystem<'a> {
    Sandbox(Sandbox),
    Remote {
        remote: &'a Remote,
        conditions: Arc<LinkConditions>,
    },
}

impl Ecosystem<'_> {
    fn identities(&self) -> &Identities {
        match self {
            Ecosystem::Sandbox(sandbox) => sandbox.identities(),
            Ecosystem::Remote { remote, .. } => &remote.identities,
        }
    }

    fn log(&self) -> &MessageLog {
        match self {
            Ecosystem::Sandbox(sandbox) => sandbox.log(),
            Ecosystem::Remote { conditions, .. } => conditions.log(),
        }
    }

    /// Waits until what the last step set going is done, but for calls asleep in their
    /// delays: the next step then starts from the same state whatever the scheduler did.
    async fn quiet(&self) {
        let conditions = match self {
            Ecosystem::Sandbox(sandbox) => &sandbox.conditions,
            Ecosystem::Remote { conditions, .. } => conditions,
        };
        conditions.quiet(SETTLE_LIMIT).await;
    }

    /// The agent of user `id` with keys from `identities`, checking this ecosystem's DSP.
    fn agent(&self, id: Eui64, identities: &Identities) -> Result<UserAgent, UserError> {
        let endpoints = match self {
            Ecosystem::Sandbox(sandbox) => sandbox.endpoints(),
            Ecosystem::Remote { remote, .. } => Endpoints {
                duis_url: remote.target.duis_url.clone(),
                smki_url: remote.target.smki_url.clone(),
            },
        };
        let user = DuisUser::new(id, identities, &endpoints.duis_url)?
            .trusting_dsp_of(self.identities())?;
        let (inbox, counters, conditions) = match self {
            Ecosystem::Sandbox(sandbox) => (
                sandbox.inbox.clone(),
                sandbox.counters.clone(),
                sandbox.conditions.clone(),
            ),
            Ecosystem::Remote { remote, conditions } => (
                remote.inbox.clone(),
                remote.counters.clone(),
                conditions.clone(),
            ),
        };
        Ok(UserAgent::with_user(user, endpoints, inbox, counters)?
            .with_identities(identities)
            .with_conditions(Some(conditions)))
    }

    fn inbox(&self) -> &ResponseInbox {
        match self {
            Ecosystem::Sandbox(sandbox) => &sandbox.inbox,
            Ecosystem::Remote { remote, .. } => &remote.inbox,
        }
    }

    /// The type of a device of the fleet (the default fleet's, for a target).
    fn device_type(&self, device: Eui64) -> Option<dcc_model::DeviceType> {
        match self {
            Ecosystem::Sandbox(sandbox) => sandbox.config.device_type(device),
            Ecosystem::Remote { .. } => EcosystemConfig::default().device_type(device),
        }
    }

    fn in_process(&self) -> Option<&Sandbox> {
        match self {
            Ecosystem::Sandbox(sandbox) => Some(sandbox),
            Ecosystem::Remote { .. } => None,
        }
    }
}

/// How a step ended.
enum StepEnd {
    Done(Vec<String>),
    Skip(String),
    Fail(Failure),
}

fn failure(kind: FailureKind, message: impl Into<String>) -> StepEnd {
    StepEnd::Fail(Failure {
        kind,
        step: 0,
        message: message.into(),
        diff: None,
    })
}

/// Certificates scenarios may send (base64 DER): `<user>_ds_certificate` and
/// `<user>_ka_certificate` (digital signing, key agreement) for the supplier, second supplier
/// and network operator, `<user>_replacement_ds_certificate` (the second generation of its DS
/// certificate, a new key the user's agent holds: what a 6.15.1 replaces its anchor with), and
/// `organisation_ca_certificate`.
fn certificate_vars(identities: &Identities) -> BTreeMap<String, String> {
    use base64::Engine as _;
    let encode = |der: &[u8]| base64::engine::general_purpose::STANDARD.encode(der);
    let mut vars = BTreeMap::new();
    for (name, id) in [
        ("supplier", TEST_SUPPLIER),
        ("second_supplier", SECOND_SUPPLIER),
        ("network_operator", TEST_NETWORK_OPERATOR),
    ] {
        for (usage, suffix) in [
            (KeyUsage::DigitalSignature, "ds"),
            (KeyUsage::KeyAgreement, "ka"),
        ] {
            if let Ok(identity) = identities.organisation(id, usage, None) {
                vars.insert(
                    format!("{name}_{suffix}_certificate"),
                    encode(identity.certificate.der()),
                );
            }
        }
        if let Ok(identity) = identities.organisation_generation(id, KeyUsage::DigitalSignature, 2)
        {
            vars.insert(
                format!("{name}_replacement_ds_certificate"),
                encode(identity.certificate.der()),
            );
        }
    }
    vars.insert(
        "organisation_ca_certificate".into(),
        encode(identities.pki.organisation_ca().certificate.der()),
    );
    vars
}

/// `element` in place of `body`'s child of the same name (or last, when it has none).
fn replace_child(body: &mut BodyElement, element: BodyElement) {
    match body
        .children
        .iter_mut()
        .find(|child| child.name == element.name)
    {
        Some(child) => *child = element,
        None => body.children.push(element),
    }
}

/// The built-in names of the default fleet and its users.
pub fn fleet_aliases() -> BTreeMap<String, String> {
    [
        ("supplier", TEST_SUPPLIER),
        ("second_supplier", SECOND_SUPPLIER),
        ("network_operator", TEST_NETWORK_OPERATOR),
        ("dcc", dcc_model::DCC_ACCESS_CONTROL_BROKER),
        ("esme", TEMPLATE_ESME),
        ("gsme", TEMPLATE_GSME),
        ("chf", TEMPLATE_CHF),
        ("gpf", TEMPLATE_GPF),
        ("esme_south", SOUTH_ESME),
        ("gsme_south", SOUTH_GSME),
        ("chf_south", SOUTH_CHF),
        ("gpf_south", SOUTH_GPF),
        ("esme_legacy", LEGACY_ESME),
        ("gsme_legacy", LEGACY_GSME),
        ("chf_legacy", LEGACY_CHF),
        ("gpf_legacy", LEGACY_GPF),
        ("spare_chf_north", SPARE_NORTH_CHF),
        ("spare_gpf_north", SPARE_NORTH_GPF),
        ("spare_esme_north", SPARE_NORTH_ESME),
        ("spare_gsme_north", SPARE_NORTH_GSME),
        ("spare_chf_central", SPARE_CENTRAL_CHF),
        ("spare_gpf_central", SPARE_CENTRAL_GPF),
        ("spare_esme_central", SPARE_CENTRAL_ESME),
        ("spare_gsme_central", SPARE_CENTRAL_GSME),
        ("spare_chf_south", SPARE_SOUTH_CHF),
        ("spare_gpf_south", SPARE_SOUTH_GPF),
        ("spare_esme_south", SPARE_SOUTH_ESME),
        ("spare_gsme_south", SPARE_SOUTH_GSME),
    ]
    .into_iter()
    .map(|(name, id)| (name.to_owned(), id.to_string()))
    .collect()
}

/// One case, start to end.
async fn run_case(case: &TestCase, shared: &Shared) -> CaseResult {
    let started = Instant::now();
    let scenario = &case.scenario;
    let seed = shared.seed.or(scenario.seed).unwrap_or(DEFAULT_SEED);
    let mut result = CaseResult {
        pack: case.pack.clone(),
        name: case.name.clone(),
        scenario_id: scenario.id.clone(),
        title: scenario.title.clone(),
        file: case.file.display().to_string(),
        priority: scenario.priority,
        tags: case.tags.clone(),
        requirements: scenario.requirements.clone(),
        service_requests: scenario.service_requests.clone(),
        seed,
        status: Status::Passed,
        steps: Vec::new(),
        messages: Vec::new(),
        duration: Duration::ZERO,
    };
    let folder = case.file.parent().unwrap_or(Path::new(".")).to_owned();
    let mut run = CaseRun {
        case,
        response_wait: shared.response_wait,
        folder,
        vars: fleet_aliases(),
        agents: HashMap::new(),
        named: HashMap::new(),
        stranger: None,
        top_up_counters: HashMap::new(),
    };
    run.vars.extend(case.vars.clone());
    if let Some(reason) = run.missing_fixture() {
        result.status = Status::Skipped { reason };
        return result;
    }
    if shared.remote.is_none() {
        if let Some(reason) = run.unserved_service() {
            result.status = Status::Skipped { reason };
            return result;
        }
    }
    let ecosystem = match start(case, shared, seed).await {
        Ok(ecosystem) => ecosystem,
        Err(message) => {
            result.status = Status::Failed(Failure {
                kind: FailureKind::Environment,
                step: 0,
                message,
                diff: None,
            });
            result.duration = started.elapsed();
            return result;
        }
    };
    run.vars.extend(certificate_vars(ecosystem.identities()));
    run.vars.extend(case.vars.clone());
    // The case's messages start with its first step: what parties say to each other while
    // the ecosystem starts (the RDPs' registration data, at once) is not the scenario's.
    let first_step = ecosystem.log().mark();
    let mut status = Status::Passed;
    for (index, step) in case.steps.iter().enumerate() {
        let description = describe_step(step);
        let end = run.step(step, &ecosystem).await;
        ecosystem.quiet().await;
        let (record_status, notes, stop) = match end {
            StepEnd::Done(notes) => ("passed", notes, None),
            StepEnd::Skip(reason) => (
                "skipped",
                vec![reason.clone()],
                Some(Status::Skipped { reason }),
            ),
            StepEnd::Fail(mut failure) => {
                failure.step = index + 1;
                let notes = vec![failure.message.clone()];
                ("failed", notes, Some(Status::Failed(failure)))
            }
        };
        result.steps.push(StepRecord {
            description,
            status: record_status.to_owned(),
            notes,
        });
        if let Some(stop) = stop {
            status = stop;
            break;
        }
    }
    for step in &case.teardown {
        let description = format!("teardown: {}", describe_step(step));
        let end = run.step(step, &ecosystem).await;
        let (record_status, notes) = match end {
            StepEnd::Done(notes) => ("passed", notes),
            StepEnd::Skip(reason) => ("skipped", vec![reason]),
            StepEnd::Fail(failure) => {
                if status == Status::Passed {
                    status = Status::Failed(Failure {
                        step: case.steps.len() + 1,
                        ..failure.clone()
                    });
                }
                ("failed", vec![failure.message])
            }
        };
        result.steps.push(StepRecord {
            description,
            status: record_status.to_owned(),
            notes,
        });
    }
    result.status = status;
    // Calls still on their way (an answer travelling back up) belong to the case too.
    ecosystem.log().settled(SETTLE_LIMIT).await;
    result.messages = report_messages(
        &ecosystem.log().since(first_step),
        ecosystem.identities(),
        &run,
    );
    if let Ecosystem::Sandbox(sandbox) = ecosystem {
        sandbox.shutdown().await;
    }
    result.duration = started.elapsed();
    result
}

async fn start<'a>(
    case: &TestCase,
    shared: &'a Shared,
    seed: u64,
) -> Result<Ecosystem<'a>, String> {
    if let Some(remote) = &shared.remote {
        return Ok(Ecosystem::Remote {
            remote,
            conditions: LinkConditions::new(seed, MessageLog::new()),
        });
    }
    let config = EcosystemConfig {
        seed,
        ..EcosystemConfig::default()
    };
    let identities = shared.identities(&config)?;
    let clock_start = match &case.scenario.clock {
        Some(clock) => Some(parse_time(&clock.start)?),
        None => None,
    };
    let options = SandboxOptions {
        identities: Some(identities),
        faults: case.scenario.faults.clone(),
        clock_start,
    };
    Sandbox::start_with(config, options)
        .await
        .map(Ecosystem::Sandbox)
        .map_err(|error| format!("the ecosystem did not start: {error}"))
}

fn parse_time(text: &str) -> Result<time::OffsetDateTime, String> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|error| format!("{text:?} is not an RFC 3339 time: {error}"))
}

/// A step in a line, for reports.
fn describe_step(step: &Step) -> String {
    match step {
        Step::Request(request) => {
            let mut text = format!("request {}", request.service);
            if let Some(target) = &request.target {
                text.push_str(&format!(" to {target}"));
            }
            if let Some(user) = &request.user {
                text.push_str(&format!(" as {user}"));
            }
            if let Some(variant) = &request.command_variant {
                text.push_str(&format!(" CV{variant}"));
            }
            if let Some(tamper) = request.tamper {
                text.push_str(&format!(" ({tamper:?})"));
            }
            text
        }
        Step::Await(wait) => match (&wait.response, &wait.alert) {
            (Some(name), _) => format!("await the response to {name}"),
            (None, Some(code)) => format!("await alert {code}"),
            (None, None) => "await".to_owned(),
        },
        Step::Device(device) => format!("device {}: {:?}", device.device, device.action),
        Step::Display(display) => format!("read the display of {}", display.device),
        Step::Utrn(utrn) => format!(
            "make a UTRN of {} {} for {} into {}",
            utrn.value,
            if utrn.pounds { "pounds" } else { "pence" },
            utrn.device,
            utrn.into
        ),
        Step::Fault(FaultStep::Inject(spec)) => format!(
            "inject {} on {}",
            spec.kind.name(),
            spec.link
                .as_deref()
                .or(spec.party.as_deref())
                .unwrap_or("?")
        ),
        Step::Fault(FaultStep::Clear(id)) => format!("clear fault {id}"),
        Step::Fault(FaultStep::Restart(party)) => format!("restart {party}"),
        Step::Clock(ClockStep::Advance(by)) => format!("advance the clock by {by}"),
        Step::Clock(ClockStep::Set(to)) => format!("set the clock to {to}"),
        Step::Expect(check) => format!("expect {} {}", check.that, expect::describe(&check.is)),
    }
}

/// A case in progress.
struct CaseRun<'a> {
    case: &'a TestCase,
    /// How long a step that names no timeout waits.
    response_wait: Duration,
    folder: PathBuf,
    vars: BTreeMap<String, String>,
    agents: HashMap<String, UserAgent>,
    /// Named request steps: their RequestIDs.
    named: HashMap<String, RequestId>,
    /// The stranger's identities (made when first needed).
    stranger: Option<Identities>,
    /// The top-up counter (bits 32 and up) each supplier last made a UTRN for each meter with.
    top_up_counters: HashMap<(Eui64, Eui64), u64>,
}

impl CaseRun<'_> {
    /// `${name}` replaced by its value, everywhere in `text`, and again in what values bring
    /// (an example row may say `target: "${esme}"`), at most 8 levels deep.
    fn resolve(&self, text: &str) -> Result<String, String> {
        let mut resolved = text.to_owned();
        for _ in 0..8 {
            if !resolved.contains("${") {
                return Ok(resolved);
            }
            resolved = self.resolve_once(&resolved)?;
        }
        Err(format!("{text:?} still refers to values after 8 rounds"))
    }

    fn resolve_once(&self, text: &str) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| format!("unclosed ${{ in {text:?}"))?;
            let name = &after[..end];
            let value = self
                .vars
                .get(name)
                .ok_or_else(|| format!("no value named {name:?} (in {text:?})"))?;
            out.push_str(value);
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn resolve_id(&self, text: &str) -> Result<Eui64, String> {
        let resolved = self.resolve(text)?;
        let resolved = self.vars.get(&resolved).cloned().unwrap_or(resolved);
        resolved
            .parse()
            .map_err(|error| format!("{text:?} is not a device, user or EUI-64: {error}"))
    }

    /// Why a fixture the scenario needs is missing, if one is.
    fn missing_fixture(&self) -> Option<String> {
        self.case.scenario.fixtures.iter().find_map(|fixture| {
            let path = match self.resolve(fixture) {
                Ok(resolved) => self.folder.join(resolved),
                Err(message) => return Some(message),
            };
            (!path.exists()).then(|| {
                format!(
                    "fixture {} not found (DCC's tooling: run .ci/fetch-dcc-tooling)",
                    path.display()
                )
            })
        })
    }

    /// The first request step, in order, whose service dccsim's DSP cannot transform yet.
    fn unserved_service(&self) -> Option<String> {
        self.case.steps.iter().find_map(|step| {
            let Step::Request(request) = step else {
                return None;
            };
            let expectations = self.resolve_expectations(request.expect.as_ref()).ok();
            if request.tamper.is_some() || expects_rejection(expectations.as_ref()) {
                return None;
            }
            let variant = self.resolve(&request.service).ok()?;
            let service = catalogue::lookup(&variant)?;
            let command_variant = request
                .command_variant
                .as_ref()
                .and_then(|number| self.resolve(&number.to_string()).ok())
                .and_then(|number| number.parse::<u8>().ok())
                .and_then(CommandVariant::from_number)
                .unwrap_or_else(|| service.first_command_variant());
            let served = service.is_non_device()
                || command_variant.carries_signed_pre_command()
                || dsp::services::transformation(service.service_reference_variant).is_some();
            (!served).then(|| {
                format!(
                    "{} ({}) is not served by dccsim yet: the DSP has no DUIS to GBCS transformation for it",
                    service.service_reference_variant, service.name
                )
            })
        })
    }

    async fn agent(
        &mut self,
        user: Option<&str>,
        ecosystem: &Ecosystem<'_>,
    ) -> Result<UserAgent, String> {
        let name = self.resolve(user.unwrap_or("supplier"))?;
        if let Some(agent) = self.agents.get(&name) {
            return Ok(agent.clone());
        }
        let agent = if name == "stranger" {
            let identities = match &self.stranger {
                Some(identities) => identities.clone(),
                None => {
                    let config = EcosystemConfig {
                        seed: ecosystem.identities().pki.seed().wrapping_add(0x5EED),
                        comms_hubs: Vec::new(),
                        ..EcosystemConfig::default()
                    };
                    let identities =
                        Identities::build(&config).map_err(|error| error.to_string())?;
                    self.stranger = Some(identities.clone());
                    identities
                }
            };
            ecosystem.agent(TEST_SUPPLIER, &identities)
        } else {
            let id = self.resolve_id(&name)?;
            ecosystem.agent(id, ecosystem.identities())
        }
        .map_err(|error| error.to_string())?;
        self.agents.insert(name, agent.clone());
        Ok(agent)
    }

    async fn step(&mut self, step: &Step, ecosystem: &Ecosystem<'_>) -> StepEnd {
        match step {
            Step::Request(request) => self.request(request, ecosystem).await,
            Step::Await(wait) => self.await_step(wait, ecosystem).await,
            Step::Device(device) => self.device(device, ecosystem).await,
            Step::Display(display) => self.display(display, ecosystem).await,
            Step::Utrn(utrn) => match self.utrn(utrn, ecosystem) {
                Ok(note) => StepEnd::Done(vec![note]),
                Err(message) => failure(FailureKind::Scenario, message),
            },
            Step::Fault(fault) => self.fault(fault, ecosystem),
            Step::Clock(clock) => self.clock(clock, ecosystem),
            Step::Expect(check) => {
                let value = match self.resolve(&check.that) {
                    Ok(value) => value,
                    Err(message) => return failure(FailureKind::Scenario, message),
                };
                let value = scalar_value(&value);
                let resolved = match self.resolve_matcher(&check.is) {
                    Ok(matcher) => matcher,
                    Err(message) => return failure(FailureKind::Scenario, message),
                };
                if expect::holds(&resolved, Some(&value)) {
                    return StepEnd::Done(Vec::new());
                }
                let mismatch = Mismatch {
                    path: check.that.clone(),
                    expected: expect::describe(&resolved),
                    found: Some(expect::render_value(&value)),
                };
                StepEnd::Fail(Failure {
                    kind: FailureKind::Expectation,
                    step: 0,
                    message: format!("{} is not {}", check.that, expect::describe(&resolved)),
                    diff: Some(expect::render_diff(&[mismatch])),
                })
            }
        }
    }

    /// Makes a UTRN with the supplier's prepayment top-up key and the meter's KA key, under
    /// the supplier's next counter for that meter (a meter takes each counter once and in
    /// order: against an ecosystem the runner did not start, its meters must not have taken
    /// this run's counters before), and keeps it in the step's value.
    fn utrn(&mut self, step: &UtrnStep, ecosystem: &Ecosystem<'_>) -> Result<String, String> {
        let device = self.resolve_id(&step.device)?;
        let supplier = self.resolve_id(step.user.as_deref().unwrap_or("supplier"))?;
        let value_text = self.resolve(&step.value.to_string())?;
        let value: u16 = value_text
            .trim()
            .parse()
            .map_err(|_| format!("UTRN value {value_text:?} is not a whole number 0 to 8191"))?;
        let z = ecosystem
            .identities()
            .prepayment_shared_secret(supplier, device)?;
        let counter = self.top_up_counters.entry((supplier, device)).or_insert(0);
        *counter += 1;
        let value_class = match step.pounds {
            true => ValueClass::Pounds,
            false => ValueClass::Pennies,
        };
        let made = gbcs::utrn::make(&z, supplier, device, *counter << 32, value_class, value)
            .map_err(|error| error.to_string())?;
        let name = self.resolve(&step.into)?;
        self.vars.insert(name.clone(), made.clone());
        Ok(format!(
            "{name} = UTRN {made}: {} pence from {supplier} to {device}",
            value_class.pence(value)
        ))
    }

    /// Reads a meter's display through the ecosystem's device control API and checks it.
    async fn display(&mut self, step: &DisplayStep, ecosystem: &Ecosystem<'_>) -> StepEnd {
        let Some(sandbox) = ecosystem.in_process() else {
            return StepEnd::Skip(
                "a device's display can only be read in an ecosystem the runner started".into(),
            );
        };
        let prepared = self.resolve_id(&step.device).and_then(|device| {
            let expectations = self.resolve_expectations(step.expect.as_ref())?;
            Ok((device, expectations))
        });
        let (device, expectations) = match prepared {
            Ok(prepared) => prepared,
            Err(message) => return failure(FailureKind::Scenario, message),
        };
        let display = match sandbox.device_control().display_of(device).await {
            Ok(display) => display,
            Err(error) => return failure(FailureKind::Scenario, error.to_string()),
        };
        let view = serde_json::to_value(&display).unwrap_or(Value::Null);
        let note = format!("{device} shows {view}");
        self.judge(&expectations, &view, step.capture.as_ref(), vec![note])
    }

    /// Acts on a device through the ecosystem's device control API; the alerts it raises are
    /// awaited by later steps.
    async fn device(&mut self, step: &DeviceStep, ecosystem: &Ecosystem<'_>) -> StepEnd {
        let Some(sandbox) = ecosystem.in_process() else {
            return StepEnd::Skip(
                "devices can only be acted on in an ecosystem the runner started".into(),
            );
        };
        let resolved = self.resolve_id(&step.device).and_then(|device| {
            let action = match &step.action {
                DeviceAction::RaiseAlert(code) => DeviceAction::RaiseAlert(self.resolve(code)?),
                DeviceAction::SetRegister { register, value } => DeviceAction::SetRegister {
                    register: self.resolve(register)?,
                    value: self.resolve(value)?,
                },
                DeviceAction::ShiftClock(by) => DeviceAction::ShiftClock(self.resolve(by)?),
                other => other.clone(),
            };
            Ok((device, action))
        });
        let (device, action) = match resolved {
            Ok(resolved) => resolved,
            Err(message) => return failure(FailureKind::Scenario, message),
        };
        let control = sandbox.device_control();
        match ecosystem::device_control::DeviceControl::act(&control, device, &action).await {
            Ok(raised) => StepEnd::Done(
                raised
                    .iter()
                    .map(|code| format!("{device} raised alert {code:04X}"))
                    .collect(),
            ),
            Err(error) => failure(FailureKind::Scenario, error.to_string()),
        }
    }

    fn fault(&mut self, fault: &FaultStep, ecosystem: &Ecosystem<'_>) -> StepEnd {
        let Some(sandbox) = ecosystem.in_process() else {
            return StepEnd::Skip(
                "faults can only be injected into an ecosystem the runner started".into(),
            );
        };
        let outcome = match fault {
            FaultStep::Inject(spec) => sandbox.conditions.inject(spec.clone()),
            FaultStep::Clear(id) => match self.resolve(id) {
                Ok(id) => sandbox.conditions.clear(&id),
                Err(message) => return failure(FailureKind::Scenario, message),
            },
            FaultStep::Restart(party) => sandbox.conditions.restart(party),
        };
        match outcome {
            Ok(()) => StepEnd::Done(Vec::new()),
            Err(error) => failure(FailureKind::Scenario, error.to_string()),
        }
    }

    fn clock(&mut self, clock: &ClockStep, ecosystem: &Ecosystem<'_>) -> StepEnd {
        let Some(sandbox) = ecosystem.in_process() else {
            return StepEnd::Skip(
                "the clock of an ecosystem the runner did not start cannot be moved".into(),
            );
        };
        let outcome = match clock {
            ClockStep::Advance(by) => match self.resolve(by).and_then(|by| parse_duration(&by)) {
                Ok(by) => sandbox
                    .clock
                    .advance(by)
                    .map(|_| ())
                    .map_err(|error| error.to_string()),
                Err(message) => Err(message),
            },
            ClockStep::Set(to) => match self.resolve(to).and_then(|to| parse_time(&to)) {
                Ok(to) => sandbox
                    .clock
                    .set(to)
                    .map(|_| ())
                    .map_err(|error| error.to_string()),
                Err(message) => Err(message),
            },
        };
        match outcome {
            Ok(()) => StepEnd::Done(vec![format!("the clock reads {}", sandbox.clock.now())]),
            Err(message) => failure(FailureKind::Scenario, message),
        }
    }

    fn timeout(&self, text: Option<&String>) -> Result<Duration, String> {
        match text {
            Some(text) => parse_duration(&self.resolve(text)?),
            None => Ok(self.response_wait),
        }
    }

    async fn request(&mut self, step: &RequestStep, ecosystem: &Ecosystem<'_>) -> StepEnd {
        match self.try_request(step, ecosystem).await {
            Ok(end) => end,
            Err(message) => failure(FailureKind::Scenario, message),
        }
    }

    /// `Err` is a scenario error; failures of the ecosystem are `Ok(StepEnd::Fail)`.
    async fn try_request(
        &mut self,
        step: &RequestStep,
        ecosystem: &Ecosystem<'_>,
    ) -> Result<StepEnd, String> {
        let agent = self.agent(step.user.as_deref(), ecosystem).await?;
        let variant = self.resolve(&step.service)?;
        let service = catalogue::lookup(&variant)
            .ok_or_else(|| format!("{variant} is not a DUIS service reference variant"))?;
        let expectations = self.resolve_expectations(step.expect.as_ref())?;
        let (body, template_target) = self.body(step, service)?;
        let target = match (&step.target, template_target) {
            (Some(target), _) => self.resolve_id(target)?,
            (None, Some(target)) => target,
            (None, None) if service.is_non_device() => dcc_model::DCC_ACCESS_CONTROL_BROKER,
            (None, None) => return Err(format!("{variant} goes to a device: name a target")),
        };
        if let Some(sandbox) = ecosystem.in_process() {
            let known = target == dcc_model::DCC_ACCESS_CONTROL_BROKER
                || sandbox.config.devices().contains(&target);
            if !known && !expects_rejection(step.expect.as_ref().map(|_| &expectations)) {
                let kind = ecosystem::config::template_device_type(target)
                    .map(|device_type| format!(" ({device_type})"))
                    .unwrap_or_default();
                return Ok(StepEnd::Skip(format!(
                    "the fleet has no device {target}{kind} yet"
                )));
            }
        }
        let command_variant = match &step.command_variant {
            Some(number) => {
                let number = self.resolve(&number.to_string())?;
                Some(
                    number
                        .parse::<u8>()
                        .ok()
                        .and_then(CommandVariant::from_number)
                        .ok_or_else(|| format!("command variant {number} is not 1 to 8"))?,
                )
            }
            None => None,
        };
        let counter = match &step.counter {
            Some(counter) => Some(
                self.resolve(counter)?
                    .parse::<u64>()
                    .map_err(|error| format!("counter {counter:?}: {error}"))?,
            ),
            None => None,
        };
        let log_mark = ecosystem.log().mark();
        if let Some(tamper) = step.tamper {
            return Ok(self
                .tampered(
                    &agent,
                    service,
                    target,
                    body,
                    command_variant,
                    counter,
                    tamper,
                    &expectations,
                )
                .await);
        }
        let options = RequestOptions {
            command_variant,
            counter,
            signing_key: None,
            response_wait: Some(self.timeout(step.timeout.as_ref())?),
            no_wait: step.wait == Some(false),
        };
        let exchange = match agent
            .request_with(service.service_reference_variant, target, body, options)
            .await
        {
            Ok(exchange) => exchange,
            Err(UserError::NoResponse { request_id, limit }) => {
                return Ok(self.no_answer(ecosystem, request_id, limit, &expectations));
            }
            Err(error) => return Ok(failure(FailureKind::Environment, error.to_string())),
        };
        if let Some(name) = &step.name {
            self.named.insert(self.resolve(name)?, exchange.request_id);
        }
        self.vars
            .insert("last_request_id".into(), exchange.request_id.to_string());
        self.vars.insert(
            "last_counter".into(),
            exchange.request_id.counter.to_string(),
        );
        let code = exchange.response_code().clone();
        let device_type = ecosystem.device_type(target);
        if let Some(reason) = not_served(
            &code,
            service,
            device_type,
            &expectations,
            ecosystem.log(),
            log_mark,
        ) {
            return Ok(StepEnd::Skip(reason));
        }
        let view = view::exchange(&exchange);
        let mut notes = vec![format!(
            "{} CV{} {} -> {}",
            exchange.request_id,
            exchange.command_variant,
            endpoint_for(exchange.command_variant),
            code
        )];
        if let Some(response) = &exchange.device_response {
            notes.push(format!(
                "asynchronous response {}",
                response.answer.response.response_code
            ));
            if let Some(Err(problem)) = &response.gbcs {
                if !mentions(&expectations, "response.verification") {
                    return Ok(failure(FailureKind::Verification, problem.clone()));
                }
            }
        }
        let expectations = with_default_success(
            expectations,
            step.wait.is_none_or(|wait| wait) && !service.is_non_device(),
        );
        Ok(self.judge(&expectations, &view, step.capture.as_ref(), notes))
    }

    #[allow(clippy::too_many_arguments)]
    async fn tampered(
        &mut self,
        agent: &UserAgent,
        service: &ServiceDefinition,
        target: Eui64,
        body: BodyElement,
        command_variant: Option<CommandVariant>,
        counter: Option<u64>,
        tamper: Tamper,
        expectations: &Expectations,
    ) -> StepEnd {
        let command_variant = command_variant.unwrap_or_else(|| service.first_command_variant());
        let counter = counter.unwrap_or_else(|| agent.counters().next(agent.id(), target));
        let xml = match tamper {
            Tamper::MalformedXml => "<sr:Request><unclosed>".to_owned(),
            Tamper::BodyAfterSigning => {
                let signed = match agent.user().signed_request(
                    target,
                    counter,
                    command_variant,
                    service.service_reference_variant,
                    RequestBody::ServiceRequest(body),
                ) {
                    Ok(signed) => signed,
                    Err(error) => return failure(FailureKind::Scenario, error.to_string()),
                };
                tamper_body(&signed)
            }
        };
        let answer = match agent
            .post(
                endpoint_for(command_variant),
                xml,
                service.service_reference_variant,
            )
            .await
        {
            Ok(answer) => answer,
            Err(error) => return failure(FailureKind::Environment, error.to_string()),
        };
        let view = view::answer(&answer);
        let notes = vec![format!("{tamper:?} -> {}", answer.response.response_code)];
        self.judge(expectations, &view, None, notes)
    }

    /// Checks expectations on a result and keeps its captures.
    fn judge(
        &mut self,
        expectations: &Expectations,
        view: &Value,
        capture: Option<&BTreeMap<String, String>>,
        notes: Vec<String>,
    ) -> StepEnd {
        let mismatches = expect::check(expectations, view);
        if !mismatches.is_empty() {
            let mut diff = expect::render_diff(&mismatches);
            diff.push_str("what arrived:\n");
            diff.push_str(&expect::render_tree(&abridged(view)));
            return StepEnd::Fail(Failure {
                kind: FailureKind::Expectation,
                step: 0,
                message: format!(
                    "{} of {} expectations not met",
                    mismatches.len(),
                    expectations.0.len()
                ),
                diff: Some(diff),
            });
        }
        for (name, path) in capture.into_iter().flatten() {
            let Some(value) = expect::lookup(view, path) else {
                return failure(
                    FailureKind::Scenario,
                    format!("capture {name}: nothing at {path}"),
                );
            };
            self.vars.insert(name.clone(), expect::text_of(value));
        }
        StepEnd::Done(notes)
    }

    /// No response came: the diff against the closest document that did arrive.
    fn no_answer(
        &self,
        ecosystem: &Ecosystem<'_>,
        request_id: RequestId,
        limit: Duration,
        expectations: &Expectations,
    ) -> StepEnd {
        let message = format!("no asynchronous response to {request_id} within {limit:?}");
        let response_expectations = expectations_under(expectations, "response.");
        let closest = ecosystem
            .inbox()
            .delivered()
            .iter()
            .map(view::answer)
            .max_by_key(|candidate| expect::score(&response_expectations, candidate));
        let diff = closest.map(|closest| {
            let mismatches = expect::check(&response_expectations, &closest);
            format!(
                "closest message that did arrive:\n{}{}",
                expect::render_diff(&mismatches),
                expect::render_tree(&closest)
            )
        });
        StepEnd::Fail(Failure {
            kind: FailureKind::Timeout,
            step: 0,
            message,
            diff,
        })
    }

    async fn await_step(&mut self, step: &AwaitStep, ecosystem: &Ecosystem<'_>) -> StepEnd {
        let prepared = async {
            let agent = self.agent(step.user.as_deref(), ecosystem).await?;
            let limit = self.timeout(step.timeout.as_ref())?;
            let expectations = self.resolve_expectations(step.expect.as_ref())?;
            let device = match &step.device {
                Some(device) => Some(self.resolve_id(device)?),
                None => None,
            };
            let alert = match &step.alert {
                Some(code) => Some(self.resolve(code)?),
                None => None,
            };
            let request_id = match &step.response {
                Some(name) => {
                    let name = self.resolve(name)?;
                    Some(
                        *self
                            .named
                            .get(&name)
                            .ok_or_else(|| format!("no request step named {name:?} before"))?,
                    )
                }
                None => None,
            };
            Ok::<_, String>((agent, limit, expectations, device, alert, request_id))
        }
        .await;
        let (agent, limit, expectations, device, alert, request_id) = match prepared {
            Ok(prepared) => prepared,
            Err(message) => return failure(FailureKind::Scenario, message),
        };
        let waited = match (request_id, &alert) {
            (Some(request_id), _) => agent.response_to(request_id, limit).await,
            (None, Some(code)) => agent.alert(Some(code), device, limit).await,
            (None, None) => agent.alert(None, device, limit).await,
        };
        match (waited, step.absent) {
            (Err(_), true) => StepEnd::Done(vec![format!("nothing arrived within {limit:?}")]),
            (Ok(answer), true) => failure(
                FailureKind::Expectation,
                format!(
                    "{} arrived, but nothing was expected",
                    answer.answer.response.response_code
                ),
            ),
            (Err(UserError::NoResponse { request_id, limit }), false) => {
                let wrapped = expectations_prefixed(&expectations, "response.");
                self.no_answer(ecosystem, request_id, limit, &wrapped)
            }
            (Err(error), false) => {
                let mut end = failure(FailureKind::Timeout, error.to_string());
                if let StepEnd::Fail(failure) = &mut end {
                    let candidates: Vec<Value> = ecosystem
                        .inbox()
                        .delivered()
                        .iter()
                        .map(view::answer)
                        .collect();
                    failure.diff = candidates
                        .iter()
                        .max_by_key(|candidate| expect::score(&expectations, candidate))
                        .map(|closest| {
                            format!(
                                "closest message that did arrive:\n{}{}",
                                expect::render_diff(&expect::check(&expectations, closest)),
                                expect::render_tree(closest)
                            )
                        });
                }
                end
            }
            (Ok(answer), false) => {
                if let Some(Err(problem)) = &answer.gbcs {
                    if !mentions(&expectations, "verification") {
                        return failure(FailureKind::Verification, problem.clone());
                    }
                }
                let view = view::device(&answer);
                let notes = vec![format!(
                    "{} {}",
                    answer.answer.response.response_code,
                    answer
                        .answer
                        .response
                        .response_id
                        .clone()
                        .unwrap_or_default()
                )];
                self.judge(&expectations, &view, step.capture.as_ref(), notes)
            }
        }
    }

    /// The request body: the template's (with the template's target) with `body`'s elements
    /// in place of its own of the same names, or `body` under the service's body element.
    fn body(
        &self,
        step: &RequestStep,
        service: &ServiceDefinition,
    ) -> Result<(BodyElement, Option<Eui64>), String> {
        if let Some(template) = &step.template {
            let path = self.folder.join(self.resolve(template)?);
            let xml = std::fs::read(&path)
                .map_err(|error| format!("template {}: {error}", path.display()))?;
            let request = duis::parse_request(&xml)
                .map_err(|error| format!("template {}: {error}", path.display()))?;
            return match request.body {
                RequestBody::ServiceRequest(mut body) => {
                    if let Some(map) = &step.body {
                        for element in self.elements(map)? {
                            replace_child(&mut body, element);
                        }
                    }
                    Ok((body, Some(request.header.request_id.target)))
                }
                RequestBody::SignedPreCommand { .. } => Err(format!(
                    "template {} carries a signed pre-command, not a service request body",
                    path.display()
                )),
            };
        }
        let children = match &step.body {
            Some(map) => self.elements(map)?,
            None => Vec::new(),
        };
        Ok((
            BodyElement::with_children(service.body_element, children),
            None,
        ))
    }

    fn elements(&self, map: &BodyMap) -> Result<Vec<BodyElement>, String> {
        let mut elements = Vec::new();
        for (name, value) in &map.0 {
            if name.starts_with('@') {
                continue;
            }
            self.push_element(name, value, &mut elements)?;
        }
        Ok(elements)
    }

    fn push_element(
        &self,
        name: &str,
        value: &BodyValue,
        elements: &mut Vec<BodyElement>,
    ) -> Result<(), String> {
        match value {
            BodyValue::Text(text) => {
                elements.push(BodyElement::leaf(name, self.resolve(&text.to_string())?));
            }
            BodyValue::Element(children) => {
                let mut element = BodyElement::with_children(name, self.elements(children)?);
                for (key, value) in &children.0 {
                    if let (Some(attribute), BodyValue::Text(text)) = (key.strip_prefix('@'), value)
                    {
                        element
                            .attributes
                            .push((attribute.to_owned(), self.resolve(&text.to_string())?));
                    }
                }
                elements.push(element);
            }
            BodyValue::Repeated(items) => {
                for item in items {
                    self.push_element(name, item, elements)?;
                }
            }
        }
        Ok(())
    }

    fn resolve_expectations(
        &self,
        expectations: Option<&Expectations>,
    ) -> Result<Expectations, String> {
        let mut resolved = Vec::new();
        for (path, matcher) in expectations.map(|e| e.0.as_slice()).unwrap_or_default() {
            resolved.push((self.resolve(path)?, self.resolve_matcher(matcher)?));
        }
        Ok(crate::format::OrderedMap(resolved))
    }

    fn resolve_matcher(&self, matcher: &Matcher) -> Result<Matcher, String> {
        resolve_matcher(matcher, &|text| self.resolve(text))
    }
}

/// `matcher` with `${value}`s replaced by `resolve` in every text it compares with.
fn resolve_matcher(
    matcher: &Matcher,
    resolve: &dyn Fn(&str) -> Result<String, String>,
) -> Result<Matcher, String> {
    let scalar = |scalar: &Scalar| -> Result<Scalar, String> {
        match scalar {
            Scalar::Text(text) => Ok(Scalar::Text(resolve(text)?)),
            other => Ok(other.clone()),
        }
    };
    Ok(match matcher {
        Matcher::Value(value) => Matcher::Value(scalar(value)?),
        // Every operator named, so one added later cannot go unresolved (a `${value}` left
        // as text would make a `not_contains` that can never fail).
        Matcher::Operators(Operators {
            equals,
            not_equals,
            one_of,
            contains,
            not_contains,
            starts_with,
            exists,
            at_least,
            at_most,
            length,
        }) => Matcher::Operators(Operators {
            equals: equals.as_ref().map(scalar).transpose()?,
            not_equals: not_equals.as_ref().map(scalar).transpose()?,
            one_of: one_of
                .as_ref()
                .map(|choices| choices.iter().map(scalar).collect::<Result<Vec<_>, _>>())
                .transpose()?,
            contains: contains.as_ref().map(scalar).transpose()?,
            not_contains: not_contains.as_ref().map(scalar).transpose()?,
            starts_with: starts_with.as_deref().map(resolve).transpose()?,
            exists: *exists,
            at_least: *at_least,
            at_most: *at_most,
            length: *length,
        }),
    })
}

/// The expectations under `prefix`, with the prefix taken off.
fn expectations_under(expectations: &Expectations, prefix: &str) -> Expectations {
    crate::format::OrderedMap(
        expectations
            .0
            .iter()
            .filter_map(|(path, matcher)| {
                path.strip_prefix(prefix)
                    .map(|rest| (rest.to_owned(), matcher.clone()))
            })
            .collect(),
    )
}

/// The expectations as they would read under `prefix`.
fn expectations_prefixed(expectations: &Expectations, prefix: &str) -> Expectations {
    crate::format::OrderedMap(
        expectations
            .0
            .iter()
            .map(|(path, matcher)| (format!("{prefix}{path}"), matcher.clone()))
            .collect(),
    )
}

fn mentions(expectations: &Expectations, path: &str) -> bool {
    expectations.0.iter().any(|(expected, _)| expected == path)
}

/// Whether the step expects its synchronous answer to be an error.
fn expects_rejection(expectations: Option<&Expectations>) -> bool {
    expectations.is_some_and(|expectations| {
        expectations.0.iter().any(|(path, matcher)| {
            path == "response_code"
                && matches!(matcher, Matcher::Value(Scalar::Text(code)) if code.starts_with('E'))
        })
    })
}

/// Unless the step says otherwise, a request must succeed: I0 or I99 synchronously and, when
/// an asynchronous response came, I0 there too.
fn with_default_success(mut expectations: Expectations, awaited: bool) -> Expectations {
    if !mentions(&expectations, "response_code") {
        expectations.0.insert(
            0,
            (
                "response_code".into(),
                Matcher::Operators(Operators {
                    one_of: Some(vec![Scalar::Text("I0".into()), Scalar::Text("I99".into())]),
                    ..Operators::default()
                }),
            ),
        );
    }
    let expects_answer = expectations
        .0
        .iter()
        .any(|(path, _)| path.starts_with("response."));
    if awaited && !expects_answer {
        let code = expectations
            .0
            .iter()
            .find_map(|(path, matcher)| (path == "response_code").then(|| matcher.clone()));
        let promised = matches!(code, Some(Matcher::Value(Scalar::Text(code))) if code == "I99");
        if promised {
            expectations.0.push((
                "response.response_code".into(),
                Matcher::Value(Scalar::Text("I0".into())),
            ));
        }
    }
    expectations
}

/// Why the ecosystem could not serve the request, if it could not: the DSP answered E1011;
/// or E11 although the service table has a use case of the service for the target's device
/// type (its transformation does not cover that type yet); or E20 after the device engine
/// refused the use case as unimplemented.
fn not_served(
    code: &ResponseCode,
    service: &ServiceDefinition,
    device_type: Option<dcc_model::DeviceType>,
    expectations: &Expectations,
    log: &MessageLog,
    mark: u64,
) -> Option<String> {
    let expected_code = expectations.0.iter().any(|(path, matcher)| {
        path == "response_code" && expect::holds(matcher, Some(&Value::String(code.to_string())))
    });
    if expected_code {
        return None;
    }
    let name = format!("{} ({})", service.service_reference_variant, service.name);
    match code.to_string().as_str() {
        "E1011" => Some(format!(
            "{name} is not served by dccsim yet: the DSP answered E1011"
        )),
        "E11" => {
            let device_type = device_type?;
            let use_case = service.use_cases.iter().find(|id| {
                gbcs::catalogue::all_by_use_case_id(id).any(|entry| entry.applies_to(device_type))
            })?;
            Some(format!(
                "{name} is not served by dccsim for a {device_type} yet: the DSP answered E11, though {use_case} applies to a {device_type}"
            ))
        }
        "E20" => log
            .since(mark)
            .into_iter()
            .find(|message| message.outcome.starts_with("UNIMPLEMENTED"))
            .map(|message| {
                format!(
                    "{name} is not served by dccsim yet: {} answered {}",
                    message.to, message.outcome
                )
            }),
        _ => None,
    }
}

/// The first line of each long text in a view, so a diff stays short.
fn abridged(view: &Value) -> Value {
    match view {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| (key.clone(), abridged(value)))
                .collect(),
        ),
        Value::String(text) if text.lines().count() > 3 => {
            let head: Vec<&str> = text.lines().take(3).collect();
            Value::String(format!("{} …", head.join(" | ")))
        }
        other => other.clone(),
    }
}

/// A captured value as a scalar: numbers and booleans where the text is one.
fn scalar_value(text: &str) -> Value {
    if let Ok(number) = text.parse::<i64>() {
        return Value::from(number);
    }
    if let Ok(number) = text.parse::<f64>() {
        return Value::from(number);
    }
    match text {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => Value::String(text.to_owned()),
    }
}

/// Changes one character inside the signed body (its first digit, else the case of its first
/// letter) so the body's digest no longer matches the signature.
fn tamper_body(signed: &str) -> String {
    let start = signed
        .find("<sr:Body>")
        .map(|index| index + "<sr:Body>".len())
        .unwrap_or(0);
    let body = &signed[start..];
    let position = body
        .find(|c: char| c.is_ascii_digit())
        .or_else(|| body.find("<sr:").map(|index| index + "<sr:".len()));
    let Some(position) = position else {
        return signed.to_owned();
    };
    let index = start + position;
    let original = signed.as_bytes()[index];
    let replacement = match original {
        b'9' => b'0',
        b'0'..=b'8' => original + 1,
        letter => letter ^ 0x20,
    };
    let mut tampered = signed.as_bytes().to_vec();
    tampered[index] = replacement;
    String::from_utf8(tampered).unwrap_or_else(|_| signed.to_owned())
}

/// The messages of a case, with GBCS decoded with every key of the run.
fn report_messages(
    messages: &[TracedMessage],
    identities: &Identities,
    run: &CaseRun<'_>,
) -> Vec<ReportMessage> {
    let keys = key_ring(identities, run);
    messages
        .iter()
        .map(|message| ReportMessage {
            sequence: message.sequence,
            at_ms: message.at.as_secs_f64() * 1_000.0,
            from: message.from.clone(),
            to: message.to.clone(),
            label: message.label.clone(),
            request_id: message.request_id.clone(),
            device_id: message.device_id.clone(),
            outcome: message.outcome.clone(),
            failed: message.failed,
            fault: message.fault.clone(),
            duis: message.duis.clone(),
            gbcs_hex: message.gbcs.as_deref().map(gbcs::decode::hex_upper),
            gbcs_decoded: message.gbcs.as_deref().map(|bytes| {
                match gbcs::decode::describe(bytes, &keys) {
                    Ok(decoded) => decoded.tree().render(),
                    Err(error) => format!("not decodable: {error}"),
                }
            }),
        })
        .collect()
}

/// Every key the run's identities hold for the fleet, its users and the DCC.
fn key_ring(identities: &Identities, run: &CaseRun<'_>) -> gbcs::decode::KeyRing {
    let mut keys = gbcs::decode::KeyRing::new();
    let mut parties: Vec<Eui64> = run
        .vars
        .values()
        .filter_map(|value| value.parse().ok())
        .collect();
    parties.push(dcc_model::DCC_ACCESS_CONTROL_BROKER);
    parties.sort();
    parties.dedup();
    for party in parties {
        let (signing, agreement) = match identities.device(party) {
            Ok((signing, agreement)) => (Some(signing), Some(agreement)),
            Err(_) => (
                identities
                    .organisation(party, KeyUsage::DigitalSignature, None)
                    .ok()
                    .cloned(),
                identities
                    .organisation(party, KeyUsage::KeyAgreement, None)
                    .ok()
                    .cloned(),
            ),
        };
        let hex = party.to_hex();
        if let Some(signing) = signing {
            let _ = keys.add_file(
                &format!("{hex}-ds.pem"),
                signing.certificate.pem().as_bytes(),
            );
        }
        if let Some(key) = agreement.and_then(|agreement| agreement.private_key_pkcs8_der) {
            let _ = keys.add_file(&format!("{hex}-ka.key"), &key);
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every text an operator compares with is resolved: a `not_contains: "${gone}"` left as
    /// text would pass whatever the payload held.
    #[test]
    fn every_operator_s_text_is_resolved() {
        let matcher: Matcher = serde_saphyr::from_str(
            "{ equals: \"${v}\", not_equals: \"${v}\", one_of: [\"${v}\", 1], contains: \"${v}\", \
             not_contains: \"${v}\", starts_with: \"${v}\", at_least: 1, length: 2 }",
        )
        .unwrap();
        let resolved =
            resolve_matcher(&matcher, &|text| Ok(text.replace("${v}", "value"))).unwrap();
        let Matcher::Operators(operators) = &resolved else {
            panic!("operators: {resolved:?}")
        };
        let text = Some(Scalar::Text("value".into()));
        assert_eq!(operators.equals, text);
        assert_eq!(operators.not_equals, text);
        assert_eq!(operators.contains, text);
        assert_eq!(operators.not_contains, text);
        assert_eq!(operators.starts_with.as_deref(), Some("value"));
        assert_eq!(
            operators.one_of,
            Some(vec![Scalar::Text("value".into()), Scalar::Integer(1)])
        );
        assert_eq!((operators.at_least, operators.length), (Some(1.0), Some(2)));
        assert!(!expect::holds(
            &resolved,
            Some(&Value::from("a value here"))
        ));
        let refused = resolve_matcher(&matcher, &|_| Err("no such value".into()));
        assert_eq!(refused.unwrap_err(), "no such value");
    }
}
