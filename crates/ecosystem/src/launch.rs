//! Runs parties: all of them in this process, or one (for `dccsim serve`), each on its own
//! gRPC listener. A party reaches a peer of another process over gRPC; a peer in the same
//! process (without mutual TLS) through its routes directly, with the same encoded messages
//! and the same link layer, but no HTTP/2 connection and no socket.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use dcc_proto::link::{Link, LinkLayer};
use dcc_proto::transport::GrpcTransport;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::{info, warn};

use crate::config::{EcosystemConfig, PARTIES};
use crate::dccki::{self, TlsMaterial};
use crate::identities::Identities;
use crate::parties::{self, BuildError, BuiltParty, PeerDirectory};

#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("cannot listen on {address} for {what}: {source}")]
    Bind {
        what: String,
        address: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Identity(#[from] crate::identities::IdentityError),
    #[error(transparent)]
    Dccki(#[from] dccki::DcckiError),
    #[error("cannot set up TLS for {0}: {1}")]
    Tls(String, String),
    #[error("the ecosystem was not ready after {0:?}: {1}")]
    NotReady(Duration, String),
}

/// What a launch may add to the parties: a layer on every link (fault injection, message
/// log) and the ecosystem's clock.
#[derive(Debug, Clone, Default)]
pub struct LaunchHooks {
    pub link_layer: Option<Arc<dyn LinkLayer>>,
    pub clock: Option<clock::Clock>,
}

/// The gRPC routes of the parties running in this process, filled in as each is mounted, so
/// a party can call a peer built after it.
#[derive(Debug, Clone, Default)]
pub struct LocalParties {
    routes: Arc<BTreeMap<String, Arc<OnceLock<tonic::service::Routes>>>>,
}

impl LocalParties {
    /// Room for `parties`' routes.
    pub fn new<'a>(parties: impl IntoIterator<Item = &'a str>) -> Self {
        let routes = parties
            .into_iter()
            .map(|party| (party.to_owned(), Arc::default()))
            .collect();
        Self {
            routes: Arc::new(routes),
        }
    }

    /// The party's routes are mounted: calls to it go straight to them.
    fn mount(&self, party: &str, routes: tonic::service::Routes) {
        if let Some(cell) = self.routes.get(party) {
            let _ = cell.set(routes);
        }
    }

    /// A transport that calls `party`'s routes, or `None` if it does not run here.
    fn transport(&self, party: &str) -> Option<GrpcTransport> {
        let routes = self.routes.get(party)?;
        Some(dcc_proto::transport::local_routes(party, routes.clone()))
    }
}

/// Reaches each party at its gRPC address, connecting lazily so parties may start in any
/// order; or, for a party in [`LocalParties`], through its routes in this process.
#[derive(Debug, Clone)]
pub struct NetworkDirectory {
    addresses: BTreeMap<String, SocketAddr>,
    tls: Option<TlsMaterial>,
    /// The calling party and the layer its calls pass through.
    link_layer: Option<(String, Arc<dyn LinkLayer>)>,
    local: Option<LocalParties>,
}

impl NetworkDirectory {
    pub fn new(addresses: BTreeMap<String, SocketAddr>) -> Self {
        Self {
            addresses,
            tls: None,
            link_layer: None,
            local: None,
        }
    }

    /// Parties in `local` are called in this process, not over the network.
    pub fn with_local_parties(mut self, local: Option<LocalParties>) -> Self {
        self.local = local;
        self
    }

    /// Calls made by `from` pass through `layer`.
    pub fn with_link_layer(mut self, from: &str, layer: Option<Arc<dyn LinkLayer>>) -> Self {
        self.link_layer = layer.map(|layer| (from.to_owned(), layer));
        self
    }

    /// Connects with mutual TLS, presenting `tls`'s certificate.
    pub fn with_tls(mut self, tls: Option<TlsMaterial>) -> Self {
        self.tls = tls;
        self
    }
}

impl PeerDirectory for NetworkDirectory {
    fn transport(&self, party: &str) -> GrpcTransport {
        let transport = match self.local.as_ref().and_then(|local| local.transport(party)) {
            Some(local) => local,
            None => self.remote(party),
        };
        match &self.link_layer {
            Some((from, layer)) => {
                dcc_proto::link::through(layer.clone(), Link::new(from, party), transport)
            }
            None => transport,
        }
    }
}

impl NetworkDirectory {
    fn remote(&self, party: &str) -> GrpcTransport {
        let address = self
            .addresses
            .get(party)
            .copied()
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 9)));
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        let mut endpoint = tonic::transport::Endpoint::from_shared(format!("{scheme}://{address}"))
            .unwrap_or_else(|_| tonic::transport::Endpoint::from_static("http://127.0.0.1:9"))
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(30));
        if let Some(tls) = &self.tls {
            endpoint = match endpoint.clone().tls_config(tls.client_config()) {
                Ok(secured) => secured,
                Err(error) => {
                    warn!(%error, "cannot configure TLS towards {party}; the connection will fail");
                    endpoint
                }
            };
        }
        dcc_proto::transport::remote(endpoint.connect_lazy())
    }
}

/// A running set of parties; dropping it (or [`Running::shutdown`]) stops them.
#[derive(Debug)]
pub struct Running {
    /// The DUIS front door, e.g. `http://127.0.0.1:8079`, when the DSP runs here.
    pub duis_url: Option<String>,
    /// The SMKI repository, when the TSP runs here.
    pub smki_url: Option<String>,
    /// Each party's gRPC address.
    pub grpc_addresses: BTreeMap<String, SocketAddr>,
    pub identities: Identities,
    /// The clock the parties of this process share (a virtual one moves with `advance`).
    pub clock: clock::Clock,
    shutdown: watch::Sender<bool>,
    tasks: JoinSet<()>,
}

impl Running {
    /// Stops every party and waits for their servers to close.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        while self.tasks.join_next().await.is_some() {}
    }
}

/// Accepted gRPC connections with `TCP_NODELAY`: without it, a response written in two parts
/// waits for the peer's delayed ACK (about 40 ms on Linux loopback) before its second part goes.
pub fn grpc_incoming(listener: TcpListener) -> tonic::transport::server::TcpIncoming {
    tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true))
}

/// Accepted HTTP connections with `TCP_NODELAY`, for the same reason as [`grpc_incoming`].
pub fn http_incoming(
    listener: TcpListener,
) -> axum::serve::TapIo<TcpListener, fn(&mut tokio::net::TcpStream)> {
    use axum::serve::ListenerExt;
    fn no_delay(stream: &mut tokio::net::TcpStream) {
        if let Err(error) = stream.set_nodelay(true) {
            warn!(%error, "cannot set TCP_NODELAY");
        }
    }
    listener.tap_io(no_delay as fn(&mut tokio::net::TcpStream))
}

async fn bind(what: &str, address: SocketAddr) -> Result<TcpListener, LaunchError> {
    TcpListener::bind(address)
        .await
        .map_err(|source| LaunchError::Bind {
            what: what.to_owned(),
            address,
            source,
        })
}

/// Starts every party in this process.
pub async fn start_in_process(config: EcosystemConfig) -> Result<Running, LaunchError> {
    start_parties(config, PARTIES, None).await
}

/// Starts the named parties here; the others are expected at their configured addresses.
/// `identities` can be passed in when already made.
pub async fn start_parties(
    config: EcosystemConfig,
    parties: &[&str],
    identities: Option<Identities>,
) -> Result<Running, LaunchError> {
    start_parties_with(config, parties, identities, LaunchHooks::default()).await
}

/// [`start_parties`] with a layer on every link and the ecosystem's clock.
pub async fn start_parties_with(
    config: EcosystemConfig,
    parties: &[&str],
    identities: Option<Identities>,
    mut hooks: LaunchHooks,
) -> Result<Running, LaunchError> {
    config.validate()?;
    if hooks.link_layer.is_none() && !config.faults.is_empty() {
        let conditions =
            crate::faults::LinkConditions::new(config.seed, crate::trace::MessageLog::new());
        for fault in &config.faults {
            conditions
                .inject(fault.clone())
                .map_err(|error| crate::config::ConfigError::Invalid(error.to_string()))?;
        }
        hooks.link_layer = Some(conditions);
    }
    let mut listeners = BTreeMap::new();
    let mut addresses = config.grpc_addresses.clone();
    for party in parties {
        let listener = bind(&format!("{party} gRPC"), config.grpc_address(party)?).await?;
        let address = listener.local_addr().map_err(|source| LaunchError::Bind {
            what: party.to_string(),
            address: config
                .grpc_address(party)
                .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 0))),
            source,
        })?;
        addresses.insert((*party).to_owned(), address);
        listeners.insert((*party).to_owned(), listener);
    }
    let identities = match identities {
        Some(identities) => identities,
        None => Identities::build(&config)?,
    };
    let clock = hooks
        .clock
        .clone()
        .unwrap_or_else(|| clock::Clock::new(config.clock));
    let (shutdown, shutdown_signal) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let mut duis_url = None;
    let mut smki_url = None;
    // Mutual TLS asks for every link to be a TLS connection, so then even peers here are
    // called over the network.
    let local = match &config.dccki_directory {
        Some(_) => None,
        None => Some(LocalParties::new(listeners.keys().map(String::as_str))),
    };
    for (party, listener) in listeners {
        let tls = match &config.dccki_directory {
            Some(directory) => Some(dccki::load(directory, &party)?),
            None => None,
        };
        let directory = NetworkDirectory::new(addresses.clone())
            .with_tls(tls.clone())
            .with_link_layer(&party, hooks.link_layer.clone())
            .with_local_parties(local.clone());
        // Its outboxes take their tickets from the link layer's sequencer.
        let sequencer = hooks
            .link_layer
            .as_ref()
            .and_then(|layer| layer.sequencer().cloned());
        let built = dcc_proto::link::building(sequencer, || {
            parties::build(&party, &config, &identities, &directory, &clock)
        })?;
        let http_listener = match party.as_str() {
            "dsp" => Some(bind("DUIS front door", config.duis_address).await?),
            "tsp" => Some(bind("SMKI repository", config.smki_repository_address).await?),
            _ => None,
        };
        if let Some(listener) = &http_listener {
            let url = listener
                .local_addr()
                .map(|address| format!("http://{address}"))
                .ok();
            match party.as_str() {
                "dsp" => duis_url = url,
                _ => smki_url = url,
            }
        }
        let server = match &tls {
            Some(tls) => tonic::transport::Server::builder()
                .tls_config(tls.server_config())
                .map_err(|error| LaunchError::Tls(party.clone(), error.to_string()))?,
            None => tonic::transport::Server::builder(),
        };
        serve_party(
            &mut tasks,
            party,
            server,
            listener,
            http_listener,
            built,
            local.as_ref(),
            shutdown_signal.clone(),
        );
    }
    Ok(Running {
        duis_url,
        smki_url,
        grpc_addresses: addresses,
        identities,
        clock,
        shutdown,
        tasks,
    })
}

fn serve_party(
    tasks: &mut JoinSet<()>,
    party: String,
    mut server: tonic::transport::Server,
    listener: TcpListener,
    http_listener: Option<TcpListener>,
    built: BuiltParty,
    local: Option<&LocalParties>,
    shutdown: watch::Receiver<bool>,
) {
    let BuiltParty { mounted, http } = built;
    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    let routes = mounted.routes.add_service(health_service).prepare();
    if let Some(local) = local {
        local.mount(&party, routes.clone());
    }
    for task in mounted.tasks {
        let mut stop = shutdown.clone();
        tasks.spawn(async move {
            tokio::select! {
                _ = task => {}
                _ = stop.wait_for(|stop| *stop) => {}
            }
        });
    }
    let names = mounted.grpc_service_names.clone();
    let mut stop = shutdown.clone();
    let grpc_party = party.clone();
    tasks.spawn(async move {
        for name in names {
            health_reporter
                .set_service_status(name, tonic_health::ServingStatus::Serving)
                .await;
        }
        health_reporter
            .set_service_status("", tonic_health::ServingStatus::Serving)
            .await;
        info!(party = %grpc_party, address = ?listener.local_addr().ok(), "grpc serving");
        let served = server
            .add_routes(routes)
            .serve_with_incoming_shutdown(grpc_incoming(listener), async move {
                let _ = stop.wait_for(|stop| *stop).await;
            })
            .await;
        if let Err(error) = served {
            warn!(party = %grpc_party, %error, "grpc server stopped");
        }
    });
    if let (Some(listener), Some(router)) = (http_listener, http) {
        let mut stop = shutdown;
        tasks.spawn(async move {
            let served = axum::serve(http_incoming(listener), router)
                .with_graceful_shutdown(async move {
                    let _ = stop.wait_for(|stop| *stop).await;
                })
                .await;
            if let Err(error) = served {
                warn!(%party, %error, "http server stopped");
            }
        });
    }
}

/// Waits until the DSP's `/readyz` answers 200 (every party healthy, registration data in).
pub async fn wait_until_ready(duis_url: &str, limit: Duration) -> Result<(), LaunchError> {
    let client = reqwest::Client::new();
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let last = match client.get(format!("{duis_url}/readyz")).send().await {
            Ok(response) if response.status().is_success() => return Ok(()),
            Ok(response) => response.text().await.unwrap_or_default().trim().to_owned(),
            Err(error) => error.to_string(),
        };
        if tokio::time::Instant::now() >= deadline {
            return Err(LaunchError::NotReady(limit, last));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the party at `address` reports SERVING over gRPC health.
pub async fn wait_until_serving(
    address: SocketAddr,
    tls: Option<TlsMaterial>,
    limit: Duration,
) -> Result<(), LaunchError> {
    use tonic_health::pb::health_client::HealthClient;
    use tonic_health::pb::HealthCheckRequest;
    let deadline = tokio::time::Instant::now() + limit;
    let directory =
        NetworkDirectory::new(BTreeMap::from([("party".to_owned(), address)])).with_tls(tls);
    loop {
        let mut client = HealthClient::new(directory.transport("party"));
        let serving = client
            .check(HealthCheckRequest {
                service: String::new(),
            })
            .await
            .map(|response| {
                response.get_ref().status
                    == tonic_health::pb::health_check_response::ServingStatus::Serving as i32
            })
            .unwrap_or(false);
        if serving {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(LaunchError::NotReady(
                limit,
                format!("{address} not serving"),
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 44 ms stall of issue 10: every accepted connection must have `TCP_NODELAY` set.
    #[tokio::test]
    async fn accepted_http_connections_do_not_wait_for_delayed_acks() {
        use axum::serve::Listener;
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let mut incoming = http_incoming(listener);
        let _client = tokio::net::TcpStream::connect(address).await.unwrap();
        let (accepted, _) = incoming.accept().await;
        assert!(accepted.nodelay().unwrap());
    }

    #[tokio::test]
    async fn accepted_grpc_connections_do_not_wait_for_delayed_acks() {
        use tokio_stream::StreamExt;
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let mut incoming = grpc_incoming(listener);
        let _client = tokio::net::TcpStream::connect(address).await.unwrap();
        let accepted = incoming.next().await.unwrap().unwrap();
        assert!(accepted.nodelay().unwrap());
    }
}
