//! The Data Service Provider: the DUIS front door users send signed service requests to, the
//! access control that decides who may do what to which device, the transformation of DUIS
//! into GBCS commands, and the correlation of device responses back to users.
#![forbid(unsafe_code)]

mod front_door;
pub mod inventory;
mod outbox;
mod readiness;
pub mod rejection;
pub mod services;
mod upstream;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use dcc_model::{Eui64, RequestId, UserRole};
use dcc_proto::service::MountedService;
use dcc_proto::transport::GrpcTransport;
use gbcs::crypto::{KeyAgreementPrivateKey, KeyAgreementPublicKey, SharedSecretCache};

pub use inventory::{DeviceRecord, Inventory, Registration};
pub use readiness::Readiness;

/// The clock the DSP stamps responses with; injected so tests control it.
pub type Clock = Arc<dyn Fn() -> time::OffsetDateTime + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(time::OffsetDateTime::now_utc)
}

/// A DCC user as the DSP knows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UserConfig {
    pub id: Eui64,
    pub roles: Vec<UserRole>,
    /// Where this user's asynchronous responses and alerts go (its Receive Response URL);
    /// the DSP's default is used when absent.
    pub response_url: Option<String>,
}

/// Everything the DSP is configured with; nothing is read from the process environment.
pub struct DspConfig {
    pub devices: Vec<DeviceRecord>,
    pub users: Vec<UserConfig>,
    pub default_response_url: Option<String>,
    /// The certificates of users (XML signing, DS) the DSP trusts, with their CAs.
    pub certificates: smki::CertificateStore,
    /// The ACB key agreement key: every command's MAC is keyed by it and the device's KA key.
    pub access_control_broker_key: KeyAgreementPrivateKey,
    /// The DSP's XML signing identity (role 0x89) for every response it sends.
    pub xml_signer: duis::XmlSigner,
    /// The RDPs whose registration data must have arrived before the DSP is ready.
    pub registration_data_providers: Vec<String>,
    pub clock: Clock,
}

impl std::fmt::Debug for DspConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DspConfig")
            .field("devices", &self.devices.len())
            .field("users", &self.users)
            .field("default_response_url", &self.default_response_url)
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
    /// `POST /api/v1/serviceS|serviceT|serviceD`, `GET /readyz`, `GET /healthz`.
    pub front_door: axum::Router,
    pub readiness: Readiness,
}

/// The party name `dccsim serve` uses.
pub const PARTY_NAME: &str = "dsp";

pub(crate) struct Shared {
    users: HashMap<Eui64, UserConfig>,
    default_response_url: Option<String>,
    certificates: Mutex<smki::CertificateStore>,
    access_control_broker_key: KeyAgreementPrivateKey,
    xml_signer: duis::XmlSigner,
    clock: Clock,
    peers: DspPeers,
    state: Mutex<State>,
    device_keys: Mutex<HashMap<Eui64, KeyAgreementPublicKey>>,
    shared_secrets: SharedSecretCache,
    outbox: outbox::Outbox,
    /// The SMKI repository: device certificates and revocation status.
    tsp: tsp::TspClient,
    readiness: Readiness,
}

/// A pre-command handed to a user (CV4), kept until the signed form comes back (CV5).
#[derive(Debug, Clone)]
pub(crate) struct IssuedPreCommand {
    pub apdu: gbcs::GeneralSigning,
}

/// A command sent to a device, kept until its response comes back.
#[derive(Debug, Clone)]
pub(crate) struct AwaitingResponse {
    pub request_id: RequestId,
    pub service_reference: String,
    pub service_reference_variant: dcc_model::ServiceReferenceVariant,
}

/// What the DSP remembers between requests.
#[derive(Default)]
pub(crate) struct State {
    inventory: Inventory,
    /// The last RequestID counter accepted from each originator.
    last_counters: HashMap<Eui64, u64>,
    /// Pre-commands handed out (CV4), awaiting their signed form (CV5).
    pre_commands: HashMap<RequestId, IssuedPreCommand>,
    /// Commands sent, awaiting the device's response: by (device, counter).
    awaiting_response: HashMap<(Eui64, u64), AwaitingResponse>,
}

/// Builds the DSP.
pub fn new(config: DspConfig, peers: DspPeers) -> Dsp {
    let readiness = Readiness::new(config.registration_data_providers.clone());
    let (outbox, outbox_task) = outbox::Outbox::new();
    let tsp = tsp::TspClient::new(peers.tsp.clone());
    let shared = Arc::new(Shared {
        users: config
            .users
            .into_iter()
            .map(|user| (user.id, user))
            .collect(),
        default_response_url: config.default_response_url,
        certificates: Mutex::new(config.certificates),
        access_control_broker_key: config.access_control_broker_key,
        xml_signer: config.xml_signer,
        clock: config.clock,
        peers,
        state: Mutex::new(State {
            inventory: Inventory::new(config.devices),
            ..State::default()
        }),
        device_keys: Mutex::new(HashMap::new()),
        shared_secrets: SharedSecretCache::new(),
        outbox,
        tsp,
        readiness: readiness.clone(),
    });
    let (routes, grpc_service_names) = upstream::routes(shared.clone());
    let readiness_task =
        readiness::watch_peers(readiness.clone(), shared.peers.readiness_checks.clone());
    Dsp {
        mounted: MountedService {
            name: PARTY_NAME.to_owned(),
            routes,
            grpc_service_names,
            tasks: vec![Box::pin(outbox_task), Box::pin(readiness_task)],
        },
        front_door: front_door::router(shared),
        readiness,
    }
}

impl Shared {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves the state consistent enough to go on serving.
        self.state
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
        let now = (self.clock)();
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            now.year(),
            u8::from(now.month()),
            now.day(),
            now.hour(),
            now.minute(),
            now.second(),
            now.millisecond()
        )
    }

    fn now_unix(&self) -> i64 {
        (self.clock)().unix_timestamp()
    }
}
