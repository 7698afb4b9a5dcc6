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
/// log), the ecosystem's clock, where the peers of other processes are as they become known
/// (a party process learns them from its supervisor), and where this process's listeners were
/// before it restarted.
#[derive(Debug, Clone, Default)]
pub struct LaunchHooks {
    pub link_layer: Option<Arc<dyn LinkLayer>>,
    pub clock: Option<clock::Clock>,
    /// The parties' gRPC addresses, learnt while running; without, the configured ones.
    pub peer_addresses: Option<PeerAddresses>,
    /// By listener name ([`DUIS_LISTENER`], [`SMKI_REPOSITORY_LISTENER`] or the party's):
    /// where a listener configured on port 0 listened before, tried first so those who knew
    /// it find it again; taken meanwhile, it gets a fresh port.
    pub previous_listeners: BTreeMap<String, SocketAddr>,
}

/// The name of the DSP's DUIS listener in [`Running::listening`] (a gRPC listener's is its
/// party's).
pub const DUIS_LISTENER: &str = "duis";
/// The name of the TSP's SMKI repository listener in [`Running::listening`].
pub const SMKI_REPOSITORY_LISTENER: &str = "smki-repository";

/// Each party's gRPC address, fixed or learnt while running (a party process hears its peers'
/// from its supervisor as they start, and again when one restarts elsewhere). A connection is
/// made to the address known when it is made; until a party's is known, connecting to it
/// waits (within the connect timeout).
#[derive(Debug, Clone)]
pub struct PeerAddresses(Arc<watch::Sender<BTreeMap<String, SocketAddr>>>);

impl Default for PeerAddresses {
    fn default() -> Self {
        Self::new(BTreeMap::new())
    }
}

impl PeerAddresses {
    /// `addresses`, less any on port 0 (nothing listens there: the party's is not known yet).
    pub fn new(addresses: BTreeMap<String, SocketAddr>) -> Self {
        let known = addresses
            .into_iter()
            .filter(|(_, address)| address.port() != 0)
            .collect();
        Self(Arc::new(watch::channel(known).0))
    }

    /// `party` listens at `address` from now on.
    pub fn set(&self, party: &str, address: SocketAddr) {
        self.0.send_if_modified(|addresses| {
            addresses.insert(party.to_owned(), address) != Some(address)
        });
    }

    pub fn get(&self, party: &str) -> Option<SocketAddr> {
        self.0.borrow().get(party).copied()
    }

    /// Every address known now.
    pub fn known(&self) -> BTreeMap<String, SocketAddr> {
        self.0.borrow().clone()
    }

    /// `party`'s address, once known.
    async fn wait(&self, party: &str) -> SocketAddr {
        let mut known = self.0.subscribe();
        let address = match known
            .wait_for(|addresses| addresses.contains_key(party))
            .await
        {
            Ok(addresses) => addresses.get(party).copied(),
            Err(_) => None,
        };
        // `None` is unreachable (`self` holds the sender): refused at once, like an unknown peer.
        address.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 9)))
    }
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
    addresses: PeerAddresses,
    tls: Option<TlsMaterial>,
    /// The calling party and the layer its calls pass through.
    link_layer: Option<(String, Arc<dyn LinkLayer>)>,
    local: Option<LocalParties>,
}

impl NetworkDirectory {
    pub fn new(addresses: BTreeMap<String, SocketAddr>) -> Self {
        Self::learning(PeerAddresses::new(addresses))
    }

    /// Reaches each party at its address in `addresses` when connecting, which may be learnt
    /// (or change) after the directory is made.
    pub fn learning(addresses: PeerAddresses) -> Self {
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
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        // The URI names the party; the connector below finds where it listens. (TLS checks the
        // DCCKI name `localhost`, not the URI's.)
        let mut endpoint = tonic::transport::Endpoint::from_shared(format!("{scheme}://{party}"))
            .unwrap_or_else(|_| tonic::transport::Endpoint::from_static("http://peer"))
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
        let addresses = self.addresses.clone();
        let party: Arc<str> = Arc::from(party);
        let connector = tower::service_fn(move |_: tonic::transport::Uri| {
            let addresses = addresses.clone();
            let party = party.clone();
            async move {
                let address = addresses.wait(&party).await;
                let stream = tokio::net::TcpStream::connect(address).await?;
                stream.set_nodelay(true)?;
                Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(stream))
            }
        });
        dcc_proto::transport::remote(endpoint.connect_with_connector_lazy(connector))
    }
}

/// A running set of parties; dropping it (or [`Running::shutdown`]) stops them.
#[derive(Debug)]
pub struct Running {
    /// The DUIS front door, e.g. `http://127.0.0.1:8079`, when the DSP runs here.
    pub duis_url: Option<String>,
    /// The SMKI repository, when the TSP runs here.
    pub smki_url: Option<String>,
    /// Each party's gRPC address (as known when started).
    pub grpc_addresses: BTreeMap<String, SocketAddr>,
    /// This process's listeners by name (the parties', [`DUIS_LISTENER`],
    /// [`SMKI_REPOSITORY_LISTENER`]) and where each listens.
    pub listening: BTreeMap<String, SocketAddr>,
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

/// Listens at `configured`; when that is port 0 (any free port) and the listener had
/// `previous`, there first, so those who knew it find it again; if `previous` was taken
/// meanwhile, on a fresh port. A configured port is always the one listened on.
async fn bind_again(
    what: &str,
    configured: SocketAddr,
    previous: Option<SocketAddr>,
) -> Result<TcpListener, LaunchError> {
    if let Some(previous) = previous.filter(|_| configured.port() == 0) {
        match TcpListener::bind(previous).await {
            Ok(listener) => return Ok(listener),
            Err(error) => {
                warn!(%what, %previous, %error, "cannot listen where it did before; on a fresh port");
            }
        }
    }
    bind(what, configured).await
}

fn local_address(
    what: &str,
    listener: &TcpListener,
    configured: SocketAddr,
) -> Result<SocketAddr, LaunchError> {
    listener.local_addr().map_err(|source| LaunchError::Bind {
        what: what.to_owned(),
        address: configured,
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
    let mut listening = BTreeMap::new();
    let addresses = hooks
        .peer_addresses
        .clone()
        .unwrap_or_else(|| PeerAddresses::new(config.grpc_addresses.clone()));
    for party in parties {
        let what = format!("{party} gRPC");
        let configured = config.grpc_address(party)?;
        let previous = hooks.previous_listeners.get(*party).copied();
        let listener = bind_again(&what, configured, previous).await?;
        let address = local_address(&what, &listener, configured)?;
        addresses.set(party, address);
        listening.insert((*party).to_owned(), address);
        listeners.insert((*party).to_owned(), listener);
    }
    let identities = match identities {
        Some(identities) => identities,
        None => Identities::build(&config)?,
    };
    let clock = match hooks.clock.clone() {
        Some(clock) => clock,
        None => config.new_clock()?,
    };
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
        let directory = NetworkDirectory::learning(addresses.clone())
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
        let http = match party.as_str() {
            "dsp" => Some(("DUIS front door", DUIS_LISTENER, config.duis_address)),
            "tsp" => Some((
                "SMKI repository",
                SMKI_REPOSITORY_LISTENER,
                config.smki_repository_address,
            )),
            _ => None,
        };
        let mut http_listener = None;
        if let Some((what, name, configured)) = http {
            let previous = hooks.previous_listeners.get(name).copied();
            let listener = bind_again(what, configured, previous).await?;
            let address = local_address(what, &listener, configured)?;
            listening.insert(name.to_owned(), address);
            let url = Some(format!("http://{address}"));
            match name {
                DUIS_LISTENER => duis_url = url,
                _ => smki_url = url,
            }
            http_listener = Some(listener);
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
            PartyListeners {
                grpc: listener,
                http: http_listener,
            },
            built,
            local.as_ref(),
            shutdown_signal.clone(),
        );
    }
    Ok(Running {
        duis_url,
        smki_url,
        grpc_addresses: addresses.known(),
        listening,
        identities,
        clock,
        shutdown,
        tasks,
    })
}

/// Where a party serves: its gRPC listener, and the DSP's or TSP's HTTP one.
struct PartyListeners {
    grpc: TcpListener,
    http: Option<TcpListener>,
}

fn serve_party(
    tasks: &mut JoinSet<()>,
    party: String,
    mut server: tonic::transport::Server,
    listeners: PartyListeners,
    built: BuiltParty,
    local: Option<&LocalParties>,
    shutdown: watch::Receiver<bool>,
) {
    let BuiltParty { mounted, http } = built;
    let PartyListeners {
        grpc: listener,
        http: http_listener,
    } = listeners;
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

    /// A gRPC health service alone on a fresh loopback port, until `stop` is sent.
    async fn health_server() -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (_reporter, service) = tonic_health::server::health_reporter();
        let (stop, stopped) = tokio::sync::oneshot::channel();
        tokio::spawn(
            tonic::transport::Server::builder()
                .add_service(service)
                .serve_with_incoming_shutdown(grpc_incoming(listener), async move {
                    let _ = stopped.await;
                }),
        );
        (address, stop)
    }

    async fn health_check(directory: &NetworkDirectory) -> Result<(), tonic::Status> {
        use tonic_health::pb::{health_client::HealthClient, HealthCheckRequest};
        HealthClient::new(directory.transport("party"))
            .check(HealthCheckRequest {
                service: String::new(),
            })
            .await
            .map(|_| ())
    }

    /// A party process learns a peer's address after its clients are made (the supervisor
    /// tells it once the peer's process reports): a call waiting meanwhile goes through.
    #[tokio::test]
    async fn a_peer_learnt_after_the_client_is_made_is_reached() {
        let addresses = PeerAddresses::default();
        let directory = NetworkDirectory::learning(addresses.clone());
        let (address, _stop) = health_server().await;
        let call = tokio::spawn(async move { health_check(&directory).await });
        tokio::time::sleep(Duration::from_millis(200)).await;
        addresses.set("party", address);
        call.await
            .unwrap()
            .expect("served once its address is known");
    }

    /// A peer restarted on another port (its old one taken meanwhile) is reached there by a
    /// client made before, once told.
    #[tokio::test]
    async fn a_peer_that_moved_is_reached_at_its_new_address() {
        let (first, stop_first) = health_server().await;
        let addresses = PeerAddresses::new(BTreeMap::from([("party".to_owned(), first)]));
        let directory = NetworkDirectory::learning(addresses.clone());
        health_check(&directory)
            .await
            .expect("served at its first address");
        let _ = stop_first.send(());
        let (second, _stop_second) = health_server().await;
        addresses.set("party", second);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while let Err(status) = health_check(&directory).await {
            assert!(
                tokio::time::Instant::now() < deadline,
                "not reached at {second}: {status}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The race the supervisor once lost: the port a listener is to take is taken first by
    /// another process. A listener on port 0 that listened at `previous` before goes there
    /// when it is free, and to a fresh port when it is taken; a configured port is not
    /// traded for another.
    #[tokio::test]
    async fn a_listener_whose_previous_port_was_taken_listens_on_a_fresh_one() {
        let any = SocketAddr::from(([127, 0, 0, 1], 0));
        let taken = std::net::TcpListener::bind(any).unwrap();
        let previous = taken.local_addr().unwrap();
        let listener = bind_again("test", any, Some(previous)).await.unwrap();
        let fresh = listener.local_addr().unwrap();
        assert_ne!(fresh.port(), previous.port());
        assert_ne!(fresh.port(), 0);
        drop(listener);
        let configured = bind_again("test", previous, None).await;
        assert!(matches!(configured, Err(LaunchError::Bind { .. })));
        let elsewhere = bind_again("test", previous, Some(fresh)).await;
        assert!(
            matches!(elsewhere, Err(LaunchError::Bind { .. })),
            "a configured port is the one listened on"
        );
        drop(taken);
        let again = bind_again("test", any, Some(previous)).await.unwrap();
        assert_eq!(again.local_addr().unwrap(), previous);
    }

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
