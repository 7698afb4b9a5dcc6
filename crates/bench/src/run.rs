//! Drives an ecosystem: simulated users send signed service requests to generated devices,
//! closed loop (a fixed number outstanding) or open loop (a fixed rate), and check every
//! answer as a real user would: the DSP's XML signature on the synchronous answer and on the
//! asynchronous response, then the device's MAC (and decrypting its registers) or signature.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::StatusCode;
use dcc_model::{CommandVariant, Eui64, RequestId, ResponseCode};
use duis::{RequestBody, ResponseBody};
use ecosystem::config::{SECOND_SUPPLIER, TEST_SUPPLIER};
use ecosystem::user::DuisUser;
use ecosystem::Identities;
use gbcs::crypto::{KeyAgreementPublicKey, SharedSecret, VerifyingKey};
use gbcs::SignatureField;
use smki::{KeyUsage, RemotePartyRole};
use tokio::net::TcpListener;

use crate::latency::Latencies;
use crate::options::{BenchOptions, RequestKind, WARM_UP_DEVICES};

/// How long responses still owed at the end are waited for before they count as errors.
const DRAIN_LIMIT: Duration = Duration::from_secs(15);
/// Open loop: requests outstanding beyond this are not sent and count as errors.
const MAXIMUM_OUTSTANDING: u64 = 50_000;
/// At most this many error descriptions are kept to show.
const ERROR_SAMPLES: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot listen for responses: {0}")]
    Listen(std::io::Error),
    #[error("user {0}: {1}")]
    User(Eui64, String),
}

/// One meter the run addresses, with the counter of its registered supplier towards it.
#[derive(Debug)]
struct Target {
    device: Eui64,
    /// Index into the run's users.
    user: usize,
    /// The last RequestID counter used; held while a request to the device is being accepted
    /// so counters reach the DSP in order.
    counter: tokio::sync::Mutex<u64>,
    electricity: bool,
}

#[derive(Debug, Clone, Copy)]
struct Pending {
    started: Instant,
    kind: RequestKind,
}

/// What the run measured.
#[derive(Debug, Default)]
pub struct Measurements {
    pub synchronous: Latencies,
    pub end_to_end: Latencies,
    /// Responses received and verified for requests started within the measured window,
    /// by the end of the window.
    pub completed_in_window: u64,
    pub completed: u64,
    pub sent: u64,
    pub errors: u64,
    pub error_samples: Vec<String>,
    pub peak_outstanding: u64,
}

impl Measurements {
    fn error(&mut self, description: String) {
        self.errors += 1;
        if self.error_samples.len() < ERROR_SAMPLES {
            self.error_samples.push(description);
        }
    }
}

/// The device keys a user needs to check responses, made once per device.
#[derive(Debug, Default)]
struct DeviceKeys {
    shared_secrets: HashMap<(Eui64, Eui64), SharedSecret>,
    signature_keys: HashMap<Eui64, VerifyingKey>,
}

#[derive(Debug)]
struct Shared {
    users: Vec<DuisUser>,
    targets: Vec<Target>,
    identities: Identities,
    dsp_xml_key: [u8; 65],
    pending: Mutex<HashMap<RequestId, Pending>>,
    measurements: Mutex<Measurements>,
    device_keys: Mutex<DeviceKeys>,
    window_end: Mutex<Option<Instant>>,
    next_request: AtomicU64,
    stopping: AtomicBool,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding these locks cannot leave them inconsistent (plain inserts and
    // counters), so a poisoned lock is used as it is.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    /// The users and targets of a run against `duis_url`: `devices` meters of the generated
    /// fleet, each addressed by its registered supplier.
    fn plan(
        options: &BenchOptions,
        identities: &Identities,
        duis_url: &str,
    ) -> Result<Arc<Self>, RunError> {
        let user = |id| {
            DuisUser::new(id, identities, duis_url)
                .map_err(|error| RunError::User(id, error.to_string()))
        };
        let users = vec![user(TEST_SUPPLIER)?, user(SECOND_SUPPLIER)?];
        let dsp_xml_key = identities
            .organisation(
                dcc_model::DCC_ACCESS_CONTROL_BROKER,
                KeyUsage::DigitalSignature,
                Some(RemotePartyRole::DSP_XML_SIGNING),
            )
            .map_err(|error| {
                RunError::User(dcc_model::DCC_ACCESS_CONTROL_BROKER, error.to_string())
            })?
            .certificate
            .public_key_sec1();
        // Counters above any an earlier run against the same ecosystem used.
        let first_counter = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|since| since.as_micros() as u64)
            .unwrap_or(1);
        let mut targets = Vec::new();
        for index in 0..options.premises() {
            let premises = ecosystem::fleet::premises(index);
            for (meter, electricity) in [
                (premises.electricity_meter.as_ref(), true),
                (premises.gas_meter.as_ref(), false),
            ] {
                let Some(meter) = meter else { continue };
                if targets.len() >= options.devices as usize {
                    break;
                }
                let user = usize::from(meter.registered_supplier != TEST_SUPPLIER);
                targets.push(Target {
                    device: meter.device_id,
                    user,
                    counter: tokio::sync::Mutex::new(first_counter),
                    electricity,
                });
            }
        }
        Ok(Arc::new(Self {
            users,
            targets,
            identities: identities.clone(),
            dsp_xml_key,
            pending: Mutex::new(HashMap::new()),
            measurements: Mutex::new(Measurements::default()),
            device_keys: Mutex::new(DeviceKeys::default()),
            window_end: Mutex::new(None),
            next_request: AtomicU64::new(0),
            stopping: AtomicBool::new(false),
        }))
    }
}

/// Listens for the DSP's asynchronous responses and checks each.
pub struct Inbox {
    pub url: String,
    listener: TcpListener,
}

impl Inbox {
    pub async fn bind(address: Option<std::net::SocketAddr>) -> Result<Self, RunError> {
        let address = address.unwrap_or_else(|| std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
        let listener = TcpListener::bind(address).await.map_err(RunError::Listen)?;
        let bound = listener.local_addr().map_err(RunError::Listen)?;
        Ok(Self {
            url: format!("http://{bound}/responses"),
            listener,
        })
    }
}

impl std::fmt::Debug for Inbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inbox").field("url", &self.url).finish()
    }
}

fn serve_inbox(inbox: Inbox, shared: Arc<Shared>) -> tokio::task::JoinHandle<()> {
    let router = axum::Router::new().route(
        "/responses",
        axum::routing::post(move |body: Bytes| {
            let shared = shared.clone();
            async move {
                shared.take_response(&body);
                StatusCode::NO_CONTENT
            }
        }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(ecosystem::launch::http_incoming(inbox.listener), router).await;
    })
}

impl Shared {
    fn error(&self, description: String) {
        lock(&self.measurements).error(description);
    }

    fn in_window(&self, at: Instant) -> bool {
        lock(&self.window_end).is_none_or(|end| at <= end)
    }

    /// Checks one asynchronous response as its user would and records its latency.
    fn take_response(&self, xml: &[u8]) {
        let received = Instant::now();
        let document = match duis::ParsedDocument::parse(xml) {
            Ok(document) => document,
            Err(error) => return self.error(format!("not a DUIS document: {error}")),
        };
        if let Err(error) = document.verify(&self.dsp_xml_key) {
            return self.error(format!("DSP signature on a response: {error}"));
        }
        let response = match document.response() {
            Ok(response) => response,
            Err(error) => return self.error(format!("not a DUIS response: {error}")),
        };
        let Some(request_id) = response.request_id else {
            return self.error(format!(
                "an alert instead of a response: {:?}",
                response.body
            ));
        };
        let Some(pending) = lock(&self.pending).remove(&request_id) else {
            return self.error(format!(
                "a response to no request of this run: {request_id}"
            ));
        };
        if response.response_code != ResponseCode::Success {
            return self.error(format!(
                "{request_id}: {} {:?}",
                response.response_code, response.body
            ));
        }
        let ResponseBody::GbcsPayload { payload, .. } = &response.body else {
            return self.error(format!("{request_id}: no GBCSPayload: {:?}", response.body));
        };
        if let Err(error) = self.verify_gbcs(&request_id, pending.kind, payload) {
            return self.error(format!("{request_id}: {error}"));
        }
        let in_window = self.in_window(received);
        let mut measurements = lock(&self.measurements);
        measurements.end_to_end.record(received - pending.started);
        measurements.completed += 1;
        if in_window {
            measurements.completed_in_window += 1;
        }
    }

    /// The device's MAC (and its register block decrypted) on a read; its signature on a
    /// critical command's response.
    fn verify_gbcs(
        &self,
        request_id: &RequestId,
        kind: RequestKind,
        payload: &[u8],
    ) -> Result<(), String> {
        let device = request_id.target;
        let user = request_id.originator;
        match kind {
            RequestKind::Read => {
                let secret = self.shared_secret(user, device)?;
                let apdu = gbcs::protection::verify_response(payload, Some(&secret), None)
                    .map_err(|error| format!("response MAC: {error}"))?;
                let blocks = gbcs::protection::find_encrypted_blocks(&apdu.payload);
                let block = blocks
                    .first()
                    .ok_or_else(|| "no encrypted register block".to_owned())?;
                gbcs::protection::decrypt_sensitive_block(
                    &secret,
                    apdu.header.originator,
                    user,
                    apdu.header.transaction.counter,
                    block,
                )
                .map(drop)
                .map_err(|error| format!("decrypting the registers: {error}"))
            }
            RequestKind::Critical => {
                let key = self.signature_key(device)?;
                gbcs::protection::verify_response(payload, None, Some(&key))
                    .map(drop)
                    .map_err(|error| format!("device signature: {error}"))
            }
        }
    }

    fn shared_secret(&self, user: Eui64, device: Eui64) -> Result<SharedSecret, String> {
        if let Some(secret) = lock(&self.device_keys).shared_secrets.get(&(user, device)) {
            return Ok(*secret);
        }
        let agent = self
            .users
            .iter()
            .find(|agent| agent.id == user)
            .ok_or_else(|| format!("no user {user} in this run"))?;
        let (_, agreement) = self
            .identities
            .pki
            .issue_device(device)
            .map_err(|error| format!("device {device} certificates: {error}"))?;
        let key = KeyAgreementPublicKey::from_sec1(&agreement.certificate.public_key_sec1())
            .map_err(|error| format!("device {device} KA key: {error}"))?;
        let secret = SharedSecret::compute(&agent.key_agreement, &key);
        lock(&self.device_keys)
            .shared_secrets
            .insert((user, device), secret);
        Ok(secret)
    }

    fn signature_key(&self, device: Eui64) -> Result<VerifyingKey, String> {
        if let Some(key) = lock(&self.device_keys).signature_keys.get(&device) {
            return Ok(*key);
        }
        let (signing, _) = self
            .identities
            .pki
            .issue_device(device)
            .map_err(|error| format!("device {device} certificates: {error}"))?;
        let key = VerifyingKey::from_sec1(&signing.certificate.public_key_sec1())
            .map_err(|error| format!("device {device} DS key: {error}"))?;
        lock(&self.device_keys).signature_keys.insert(device, key);
        Ok(key)
    }

    fn outstanding(&self) -> u64 {
        lock(&self.pending).len() as u64
    }

    /// Sends the `number`th request of the run; `scheduled` is when an open loop meant it to
    /// start (its latency counts from then).
    async fn send(self: Arc<Self>, number: u64, kind: RequestKind, scheduled: Option<Instant>) {
        let mut index = (number % self.targets.len() as u64) as usize;
        if kind == RequestKind::Critical && !self.targets[index].electricity {
            // Targets alternate ESME, GSME: the premises' ESME takes the critical command.
            index -= 1;
        }
        let target = &self.targets[index];
        let user = &self.users[target.user];
        let mut counter = target.counter.lock().await;
        *counter += 1;
        let started = scheduled.unwrap_or_else(Instant::now);
        let request_id = RequestId::new(user.id, target.device, *counter);
        lock(&self.measurements).sent += 1;
        let outcome = match kind {
            RequestKind::Read => self.read(user, &request_id, started).await,
            RequestKind::Critical => self.critical(user, &request_id, started).await,
        };
        drop(counter);
        if let Err(error) = outcome {
            lock(&self.pending).remove(&request_id);
            self.error(format!("{request_id}: {error}"));
        }
    }

    async fn read(
        &self,
        user: &DuisUser,
        request_id: &RequestId,
        started: Instant,
    ) -> Result<(), String> {
        let xml = user
            .signed_request(
                request_id.target,
                request_id.counter,
                CommandVariant::SendOverWan,
                "4.1.1",
                DuisUser::body("ReadInstantaneousImportRegisters", Vec::new()),
            )
            .map_err(|error| error.to_string())?;
        self.post_expecting_acknowledgement(user, request_id, started, RequestKind::Read, xml)
            .await
    }

    async fn critical(
        &self,
        user: &DuisUser,
        request_id: &RequestId,
        started: Instant,
    ) -> Result<(), String> {
        let xml = user
            .signed_request(
                request_id.target,
                request_id.counter,
                CommandVariant::TransformToPreCommand,
                "7.1",
                DuisUser::body("EnableSupply", Vec::new()),
            )
            .map_err(|error| error.to_string())?;
        let posted = Instant::now();
        let answer = user
            .post("serviceT", xml)
            .await
            .map_err(|error| format!("CV4: {error}"))?;
        lock(&self.measurements)
            .synchronous
            .record(posted.elapsed());
        let ResponseBody::PreCommand { payload, .. } = &answer.response.body else {
            return Err(format!(
                "CV4 answered {} {:?}",
                answer.response.response_code, answer.response.body
            ));
        };
        let signature = gbcs::protection::sign_pre_command(payload, &user.digital_signature)
            .map_err(|error| format!("signing the pre-command: {error}"))?;
        let signed = gbcs::GeneralSigning::parse(payload)
            .map_err(|error| format!("the pre-command: {error}"))?
            .with_signature(SignatureField::Present(signature))
            .encode();
        let xml = user
            .signed_request(
                request_id.target,
                request_id.counter,
                CommandVariant::SignedPreCommandOverWan,
                "7.1",
                RequestBody::SignedPreCommand {
                    execution_date_time: None,
                    gbcs_payload: signed,
                },
            )
            .map_err(|error| error.to_string())?;
        self.post_expecting_acknowledgement(user, request_id, started, RequestKind::Critical, xml)
            .await
    }

    /// Posts to serviceS and expects I99; the response is then owed to the inbox.
    async fn post_expecting_acknowledgement(
        &self,
        user: &DuisUser,
        request_id: &RequestId,
        started: Instant,
        kind: RequestKind,
        xml: String,
    ) -> Result<(), String> {
        {
            let mut pending = lock(&self.pending);
            pending.insert(*request_id, Pending { started, kind });
            let outstanding = pending.len() as u64;
            drop(pending);
            let mut measurements = lock(&self.measurements);
            measurements.peak_outstanding = measurements.peak_outstanding.max(outstanding);
        }
        let posted = Instant::now();
        let answer = user
            .post("serviceS", xml)
            .await
            .map_err(|error| error.to_string())?;
        lock(&self.measurements)
            .synchronous
            .record(posted.elapsed());
        if answer.response.response_code != ResponseCode::Acknowledgement {
            return Err(format!(
                "answered {} {:?}",
                answer.response.response_code, answer.response.body
            ));
        }
        Ok(())
    }
}

/// A progress line every second, to standard error.
fn report_progress(
    shared: Arc<Shared>,
    started: Instant,
    duration: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut last_completed = 0;
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.tick().await;
        loop {
            tick.tick().await;
            let (completed, errors) = {
                let measurements = lock(&shared.measurements);
                (measurements.completed, measurements.errors)
            };
            eprintln!(
                "bench: {:>4.0} s of {} s, {} responses/s, {} outstanding, {} errors",
                started.elapsed().as_secs_f64(),
                duration.as_secs(),
                completed - last_completed,
                shared.outstanding(),
                errors
            );
            last_completed = completed;
        }
    })
}

/// What [`drive`] returns: the measurements and the window they were taken over.
#[derive(Debug)]
pub struct Driven {
    pub measurements: Measurements,
    pub targets: usize,
    /// Requests of the warm-up, before the measured window.
    pub warmed_up: u64,
}

/// Sends requests for `options.duration` against `duis_url`, then waits for the responses
/// still owed. `inbox` must be where the target sends its users' responses.
pub async fn drive(
    options: &BenchOptions,
    identities: &Identities,
    duis_url: &str,
    inbox: Inbox,
) -> Result<Driven, RunError> {
    let shared = Shared::plan(options, identities, duis_url)?;
    let server = serve_inbox(inbox, shared.clone());
    let warmed_up = match options.warm_up {
        true => warm_up(&shared, options).await,
        false => 0,
    };
    let started = Instant::now();
    let end = started + options.duration;
    *lock(&shared.window_end) = Some(end);
    let progress = options
        .progress
        .then(|| report_progress(shared.clone(), started, options.duration));
    let mut senders = tokio::task::JoinSet::new();
    match options.rate {
        None => {
            for _ in 0..options.concurrency.max(1) {
                let shared = shared.clone();
                let mix = options.mix.clone();
                senders.spawn(async move {
                    while Instant::now() < end && !shared.stopping.load(Ordering::Relaxed) {
                        let number = shared.next_request.fetch_add(1, Ordering::Relaxed);
                        shared.clone().send(number, mix.kind(number), None).await;
                    }
                });
            }
        }
        Some(rate) => {
            let period = Duration::from_secs_f64(1.0 / rate.max(0.001));
            let mut tick = tokio::time::interval(period);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            loop {
                let scheduled = tick.tick().await.into_std();
                if scheduled >= end {
                    break;
                }
                let number = shared.next_request.fetch_add(1, Ordering::Relaxed);
                if shared.outstanding() >= MAXIMUM_OUTSTANDING {
                    shared.error(format!(
                        "request {number} not sent: {MAXIMUM_OUTSTANDING} outstanding"
                    ));
                    continue;
                }
                senders.spawn(shared.clone().send(
                    number,
                    options.mix.kind(number),
                    Some(scheduled),
                ));
                // Reap finished senders as we go so the set stays small.
                while senders.try_join_next().is_some() {}
            }
        }
    }
    while senders.join_next().await.is_some() {}
    let drain_deadline = Instant::now() + DRAIN_LIMIT;
    while shared.outstanding() > 0 && Instant::now() < drain_deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    shared.stopping.store(true, Ordering::Relaxed);
    if let Some(progress) = progress {
        progress.abort();
    }
    let missing: Vec<RequestId> = lock(&shared.pending).drain().map(|(id, _)| id).collect();
    for request_id in missing {
        shared.error(format!(
            "{request_id}: no response within {DRAIN_LIMIT:?} of the end"
        ));
    }
    server.abort();
    let measurements = std::mem::take(&mut *lock(&shared.measurements));
    Ok(Driven {
        measurements,
        targets: shared.targets.len(),
        warmed_up,
    })
}

/// Addresses each device once with each kind of request in the mix (at most
/// [`WARM_UP_DEVICES`] devices), `concurrency` at a time, and waits for the answers; then
/// forgets what it measured, keeping the errors. Returns how many requests it sent.
async fn warm_up(shared: &Arc<Shared>, options: &BenchOptions) -> u64 {
    let devices = shared.targets.len().min(WARM_UP_DEVICES) as u64;
    let mut kinds = vec![RequestKind::Read];
    if options.mix.critical > 0 {
        kinds.push(RequestKind::Critical);
    }
    if options.mix.reads == 0 && options.mix.critical > 0 {
        kinds.remove(0);
    }
    let plan: Vec<(u64, RequestKind)> = kinds
        .iter()
        .flat_map(|kind| (0..devices).map(move |device| (device, *kind)))
        .collect();
    let errors_before = lock(&shared.measurements).errors;
    let next = Arc::new(AtomicU64::new(0));
    let mut senders = tokio::task::JoinSet::new();
    for _ in 0..options.concurrency.max(1) {
        let shared = shared.clone();
        let plan = plan.clone();
        let next = next.clone();
        senders.spawn(async move {
            loop {
                let step = next.fetch_add(1, Ordering::Relaxed) as usize;
                let Some((device, kind)) = plan.get(step).copied() else {
                    break;
                };
                shared.clone().send(device, kind, None).await;
            }
        });
    }
    while senders.join_next().await.is_some() {}
    // Each request is counted once, as completed or as an error, as the last thing its
    // handling does: once all are, nothing of the warm-up can still touch what is measured.
    let settled = || {
        let measurements = lock(&shared.measurements);
        measurements.completed + (measurements.errors - errors_before) >= plan.len() as u64
    };
    let drain_deadline = Instant::now() + DRAIN_LIMIT;
    while !settled() && Instant::now() < drain_deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let missing: Vec<RequestId> = lock(&shared.pending).drain().map(|(id, _)| id).collect();
    let mut measurements = lock(&shared.measurements);
    for request_id in missing {
        measurements.error(format!(
            "{request_id} (warm-up): no response within {DRAIN_LIMIT:?}"
        ));
    }
    *measurements = Measurements {
        errors: measurements.errors,
        error_samples: std::mem::take(&mut measurements.error_samples),
        ..Measurements::default()
    };
    plan.len() as u64
}
