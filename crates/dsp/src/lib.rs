//! The Data Service Provider: the DUIS front door users send signed service requests to, the
//! access control that decides who may do what to which device, the transformation of DUIS
//! into GBCS commands, the modes of operation (on demand, future dated, DCC scheduled), the
//! DCC's own non-device services, and the correlation of device responses back to users, all
//! on a durable store.
#![forbid(unsafe_code)]

mod access;
mod admin;
mod alerts;
mod answers;
pub mod audit;
mod counters;
mod dcc_signing;
mod front_door;
mod installation;
pub mod inventory;
mod knowledge;
mod non_device;
mod outbox;
mod readiness;
mod registration_intake;
pub mod rejection;
mod revocation;
mod routing;
mod scheduler;
mod schedules;
pub mod services;
pub mod store;
mod upstream;

#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dcc_model::{CspRegion, Eui64, UserRole};
use dcc_proto::service::MountedService;
use dcc_proto::transport::GrpcTransport;
use gbcs::crypto::{KeyAgreementPrivateKey, KeyAgreementPublicKey, SharedSecretCache};

pub use clock::Clock;
pub use inventory::{DeviceDetails, DeviceRecord, Inventory, Registration};
pub use knowledge::DeviceLogBackups;
pub use readiness::Readiness;

/// A DCC user as the DSP knows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UserConfig {
    pub id: Eui64,
    pub roles: Vec<UserRole>,
    /// Where this user's asynchronous responses and alerts go (its Receive Response URL);
    /// the DSP's default is used when absent.
    pub response_url: Option<String>,
    /// The user's status: what it is suspended from (E3).
    #[serde(default)]
    pub status: UserStatus,
}

impl UserConfig {
    /// An active user.
    pub fn new(id: Eui64, roles: Vec<UserRole>) -> Self {
        Self {
            id,
            roles,
            response_url: None,
            status: UserStatus::default(),
        }
    }
}

/// A DCC user's status under the SEC: active, suspended from every service, or from some
/// service reference variants.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UserStatus {
    #[serde(default)]
    pub suspended: bool,
    /// Service reference variants (e.g. `7.2`) the user may not send.
    #[serde(default)]
    pub suspended_service_reference_variants: Vec<String>,
}

/// How long the DSP waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// A command sent over the SM WAN without a response by then is answered with a DCC alert
    /// (CommandFailure).
    pub response_time_out: Duration,
    /// A future-dated command whose outcome is unknown this long after its execution time is
    /// answered with E30.
    pub future_dated_time_out: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            response_time_out: Duration::from_secs(300),
            future_dated_time_out: Duration::from_secs(3600),
        }
    }
}

/// Everything the DSP is configured with; nothing is read from the process environment.
pub struct DspConfig {
    pub devices: Vec<DeviceRecord>,
    /// The device log backups the DSP holds of Comms Hubs (what 8.12.1 and 8.12.2 restore).
    pub device_log_backups: DeviceLogBackups,
    pub users: Vec<UserConfig>,
    pub default_response_url: Option<String>,
    /// The certificates of users (XML signing, DS) the DSP trusts, with their CAs.
    pub certificates: smki::CertificateStore,
    /// Certificates accepted to sign DUIS requests although they are not XML-signing ones:
    /// DCC's signing tool signs with an organisation's DS certificate when it has no
    /// XML-signing one, and DCC Boxed accepts that.
    pub additional_request_signers: Vec<smki::Certificate>,
    /// The ACB key agreement key: every command's MAC is keyed by it and the device's KA key.
    pub access_control_broker_key: KeyAgreementPrivateKey,
    /// The DS keys of the DCC's parties that originate critical commands (the ACB, the
    /// transitional change of supplier party), which sign them.
    pub dcc_signing_keys: Vec<(Eui64, gbcs::crypto::SigningKey)>,
    /// The DSP's XML signing identity (role 0x89) for every response it sends.
    pub xml_signer: duis::XmlSigner,
    /// The RDPs whose registration data must have arrived before the DSP is ready.
    pub registration_data_providers: Vec<String>,
    pub clock: Clock,
    /// Where the DSP keeps its state (`dsp.redb`, every commit on disk before it returns); in
    /// memory when absent (nothing would find it again after the DSP stops).
    pub data_directory: Option<PathBuf>,
    pub timing: Timing,
}

impl std::fmt::Debug for DspConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DspConfig")
            .field("devices", &self.devices.len())
            .field("users", &self.users)
            .field("default_response_url", &self.default_response_url)
            .field("data_directory", &self.data_directory)
            .finish_non_exhaustive()
    }
}

/// The parties the DSP calls.
#[derive(Debug, Clone)]
pub struct DspPeers {
    pub csp_north: GrpcTransport,
    pub csp_central_south: GrpcTransport,
    pub tsp: GrpcTransport,
    /// Peers whose gRPC health must be SERVING before `/readyz` answers 200, by name.
    pub readiness_checks: Vec<(String, GrpcTransport)>,
}

/// A DSP ready to mount: its gRPC side (CSPs and RDPs call it) and its DUIS front door.
#[derive(Debug)]
pub struct Dsp {
    pub mounted: MountedService,
    /// `POST /api/v1/serviceS|serviceT|serviceD`, `GET /readyz`, `GET /healthz`, and the
    /// admin calls `GET|POST /admin/clock`, `GET /admin/audit/{request_id}`,
    /// `GET /admin/registrations?source=rdp-electricity/files`.
    pub front_door: axum::Router,
    pub readiness: Readiness,
    /// Where the DSP keeps its state; `None`: in memory.
    pub data_directory: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum DspError {
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

/// The party name `dccsim serve` uses.
pub const PARTY_NAME: &str = "dsp";

pub(crate) struct Shared {
    users: HashMap<Eui64, UserConfig>,
    default_response_url: Option<String>,
    certificates: Mutex<smki::CertificateStore>,
    /// Serials (decimal) of the certificates in `DspConfig::additional_request_signers`.
    additional_request_signers: HashSet<String>,
    access_control_broker_key: KeyAgreementPrivateKey,
    dcc_signing_keys: dcc_signing::DccSigningKeys,
    xml_signer: duis::XmlSigner,
    clock: Clock,
    timing: Timing,
    store: Arc<store::Store>,
    /// The inventory (mirrored in the store) and the RDPs' registration data (which they send
    /// again after a restart).
    inventory: Mutex<Inventory>,
    /// Where the RDPs' registration file transmissions stand.
    registration_transmissions: Mutex<registration_intake::Transmissions>,
    device_log_backups: DeviceLogBackups,
    device_keys: Mutex<HashMap<Eui64, KeyAgreementPublicKey>>,
    shared_secrets: SharedSecretCache,
    outbox: outbox::Outbox,
    /// The SMKI repository: device certificates and revocation status.
    tsp: tsp::TspClient,
    /// Revocation look-ups in the SMKI repository, shared between the requests in flight.
    revocations: revocation::RevocationLookups,
    csp_north: csp::CspClient,
    csp_central_south: csp::CspClient,
    readiness: Readiness,
    /// Wakes the scheduler when work with a time arrives (held request, schedule, deadline).
    scheduler_wake: scheduler::SchedulerWake,
}

/// Builds the DSP, opening (or creating) its store.
pub fn new(config: DspConfig, peers: DspPeers) -> Result<Dsp, DspError> {
    let data_directory = config.data_directory.clone();
    let (shared, outbox_task) = shared_state(config, &peers)?;
    let readiness = shared.readiness.clone();
    let (routes, grpc_service_names) = upstream::routes(shared.clone());
    let readiness_task = readiness::watch_peers(readiness.clone(), peers.readiness_checks.clone());
    let scheduler_task = scheduler::run(shared.clone());
    let deferred_writes_task = store::write_deferred(shared.store.clone());
    Ok(Dsp {
        mounted: MountedService {
            name: PARTY_NAME.to_owned(),
            routes,
            grpc_service_names,
            tasks: vec![
                Box::pin(outbox_task),
                Box::pin(readiness_task),
                Box::pin(scheduler_task),
                Box::pin(deferred_writes_task),
            ],
        },
        front_door: front_door::router(shared.clone()).merge(admin::router(shared)),
        readiness,
        data_directory,
    })
}

/// The DSP's state on its (opened or created) store, and the outbox's delivery task, which
/// first resumes what the store still owes users.
fn shared_state(
    config: DspConfig,
    peers: &DspPeers,
) -> Result<
    (
        Arc<Shared>,
        impl std::future::Future<Output = ()> + Send + 'static,
    ),
    DspError,
> {
    let store = Arc::new(match &config.data_directory {
        Some(folder) => store::Store::open(folder)?,
        None => store::Store::in_memory()?,
    });
    let inventory = load_inventory(&store, config.devices)?;
    let readiness = Readiness::new(config.registration_data_providers.clone());
    let (outbox, outbox_task) = outbox::Outbox::new(store.clone(), config.clock.clone())?;
    let shared = Arc::new(Shared {
        users: config
            .users
            .into_iter()
            .map(|user| (user.id, user))
            .collect(),
        default_response_url: config.default_response_url,
        certificates: Mutex::new(config.certificates),
        additional_request_signers: config
            .additional_request_signers
            .iter()
            .map(|certificate| certificate.serial_decimal().to_owned())
            .collect(),
        access_control_broker_key: config.access_control_broker_key,
        dcc_signing_keys: dcc_signing::DccSigningKeys::new(config.dcc_signing_keys),
        xml_signer: config.xml_signer,
        clock: config.clock,
        timing: config.timing,
        store,
        inventory: Mutex::new(inventory),
        registration_transmissions: Mutex::default(),
        device_log_backups: config.device_log_backups,
        device_keys: Mutex::new(HashMap::new()),
        shared_secrets: SharedSecretCache::new(),
        outbox,
        tsp: tsp::TspClient::new(peers.tsp.clone()),
        revocations: revocation::RevocationLookups::new(tsp::TspClient::new(peers.tsp.clone())),
        csp_north: csp::CspClient::new(peers.csp_north.clone()),
        csp_central_south: csp::CspClient::new(peers.csp_central_south.clone()),
        readiness: readiness.clone(),
        scheduler_wake: scheduler::SchedulerWake::new(),
    });
    Ok((shared, outbox_task))
}

/// The inventory: the configured devices, each replaced by the store's record once a change
/// has written one (the store holds only what changed, so a fleet of 400,000 devices costs
/// the store nothing until they change), and the devices only the store knows (pre-notified
/// since, say).
fn load_inventory(
    store: &store::Store,
    configured: Vec<DeviceRecord>,
) -> Result<Inventory, store::StoreError> {
    let mut inventory = Inventory::new(configured);
    for device in store.all_devices()? {
        inventory.put(device);
    }
    Ok(inventory)
}

impl Shared {
    fn inventory(&self) -> std::sync::MutexGuard<'_, Inventory> {
        // A panic while holding the lock leaves the inventory consistent enough to go on.
        self.inventory
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn certificates(&self) -> std::sync::MutexGuard<'_, smki::CertificateStore> {
        self.certificates
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn response_url_for(&self, user: Eui64) -> Option<String> {
        self.users
            .get(&user)
            .and_then(|config| config.response_url.clone())
            .or_else(|| self.default_response_url.clone())
    }

    fn now_text(&self) -> String {
        clock::xml_date_time(self.clock.now())
    }

    fn now_unix(&self) -> i64 {
        self.clock.unix_seconds()
    }

    fn now_ms(&self) -> i64 {
        unix_ms(self.clock.now())
    }

    fn csp_for(&self, region: CspRegion) -> &csp::CspClient {
        match region {
            CspRegion::North => &self.csp_north,
            CspRegion::Central | CspRegion::South => &self.csp_central_south,
        }
    }

    /// An audit event stamped now.
    fn event(
        &self,
        hop: &str,
        what: impl Into<String>,
        outcome: Option<String>,
    ) -> store::AuditEvent {
        store::AuditEvent {
            at: self.now_text(),
            hop: hop.to_owned(),
            what: what.into(),
            outcome,
        }
    }

    /// Records an event that goes with no change of state: written with the store's next
    /// transaction (`store::Store::audit_later`).
    fn audit(&self, request_id: &str, hop: &str, what: impl Into<String>, outcome: Option<String>) {
        self.store
            .audit_later(request_id, self.event(hop, what, outcome));
    }
}

/// Unix milliseconds of an instant.
pub(crate) fn unix_ms(at: time::OffsetDateTime) -> i64 {
    (at.unix_timestamp_nanos() / 1_000_000) as i64
}

/// The instant of unix milliseconds (the epoch for values out of range).
pub(crate) fn from_unix_ms(ms: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}
