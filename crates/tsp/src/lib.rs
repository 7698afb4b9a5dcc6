//! The Trust Service Provider: issues SMKI device certificates from the ecosystem's test PKI and
//! publishes every certificate in the SMKI repository, over gRPC for the other parties and over
//! DCC Boxed's HTTP repository interface for users and DCC's own tools.
#![forbid(unsafe_code)]

mod client;
mod grpc;
mod registry;
pub mod repository;
mod wire;

use std::sync::{Arc, RwLock};

use dcc_proto::service::MountedService;
use dcc_proto::smki::trust_service_provider_server::TrustServiceProviderServer;
use dcc_proto::transport::GrpcTransport;
use smki::{Identity, TestPki};

pub use client::{TspClient, TspError};
pub use grpc::{TrustServiceProviderService, MAX_CSRS_PER_REQUEST, MAX_DEVICES_PER_REQUEST};
pub use registry::DeviceCredentials;

/// The party name `dccsim serve` uses for the TSP.
pub const PARTY_NAME: &str = "tsp";

/// The port DCC Boxed serves its SMKI repository on.
pub const DCC_BOXED_REPOSITORY_PORT: u16 = 8083;

/// The `apikey` DCC's own SMKI client (`@smartdcc/dccboxed-keystore`) sends to DCC Boxed.
pub const DCC_BOXED_API_KEY: &str = "u3bg9gt38htd0j2";

/// What a TSP is made of.
#[derive(Debug, Clone)]
pub struct TspConfig {
    /// The ecosystem's test PKI: its CAs and identities are published, and its device CA
    /// issues (deterministically, from its seed) the certificates of devices met later.
    pub pki: Arc<TestPki>,
    /// Identities published beside the PKI's, e.g. DCC Boxed's `keystore.json`
    /// ([`smki::load_dccboxed_keystore`]). One replaces the PKI's certificates of the same
    /// subject, usage and role; one that chains to no CA of the PKI becomes a trust anchor.
    pub extra_identities: Vec<Identity>,
    /// The `apikey` the HTTP repository demands, when set ([`DCC_BOXED_API_KEY`] is what
    /// DCC's tools send); `None` accepts any.
    pub api_key: Option<String>,
    /// The time (unix seconds) at which certificate statuses are reported (`I` in use,
    /// `E` expired, `P` pending); injected, the TSP reads no clock.
    pub at_time: i64,
    /// How many generated premises (`dcc_model::fleet::generated`) the ecosystem has: the
    /// certificates of their devices are issued from the seed when first searched for (or
    /// asked for), not at start; a retrieval by serial finds them once a search has.
    pub fleet: u32,
}

/// A TSP ready to serve.
#[derive(Debug)]
pub struct Tsp {
    /// The `TrustServiceProvider` gRPC service, to mount.
    pub grpc: MountedService,
    /// The DCC Boxed SMKI repository (`/services/certificatesearch`,
    /// `/services/retrievecertificate`, `/healthz`), to serve with `axum::serve`
    /// (DCC Boxed uses port [`DCC_BOXED_REPOSITORY_PORT`]).
    pub repository: axum::Router,
    service: TrustServiceProviderService,
}

impl Tsp {
    /// A transport reaching this TSP's gRPC service in this process, for [`TspClient::new`].
    pub fn local_transport(&self) -> GrpcTransport {
        dcc_proto::transport::local(TrustServiceProviderServer::new(self.service.clone()))
    }
}

/// Builds a TSP: its gRPC service and its HTTP repository share one registry, so devices
/// issued over gRPC are found over HTTP at once.
pub fn new(config: TspConfig) -> Tsp {
    let TspConfig {
        pki,
        extra_identities,
        api_key,
        at_time,
        fleet,
    } = config;
    let registry = Arc::new(RwLock::new(registry::Registry::new(
        pki,
        &extra_identities,
        fleet,
    )));
    let service = TrustServiceProviderService::new(Arc::clone(&registry));
    let grpc = MountedService {
        name: PARTY_NAME.to_owned(),
        routes: tonic::service::Routes::new(TrustServiceProviderServer::new(service.clone())),
        grpc_service_names: vec![
            <TrustServiceProviderServer<TrustServiceProviderService> as tonic::server::NamedService>::NAME,
        ],
        tasks: Vec::new(),
    };
    let repository = repository::router(registry, api_key, at_time);
    Tsp {
        grpc,
        repository,
        service,
    }
}
