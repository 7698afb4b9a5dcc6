//! One transport type for every gRPC client: either a network channel or a service mounted
//! in the same process. Both carry the same encoded gRPC messages, so a party cannot tell
//! (and need not care) where its peer runs.

use std::convert::Infallible;
use std::sync::{Arc, OnceLock};

use tonic::body::Body;

/// The error every transport reports: a concrete type (not a boxed trait object), so the
/// futures of generated clients stay `Send` inside `async_trait` methods.
#[derive(Debug)]
pub struct TransportError(Box<dyn std::error::Error + Send + Sync + 'static>);

impl TransportError {
    pub(crate) fn new(
        error: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        Self(error.into())
    }
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}
use tonic::server::NamedService;
use tower::util::BoxCloneSyncService;
use tower::{Service, ServiceExt};

/// What every generated client is built on: `FooClient::new(transport)`.
pub type GrpcTransport =
    BoxCloneSyncService<http::Request<Body>, http::Response<Body>, TransportError>;

/// A transport over the network to `channel`.
pub fn remote(channel: tonic::transport::Channel) -> GrpcTransport {
    BoxCloneSyncService::new(channel.map_err(|error| TransportError(Box::new(error))))
}

/// A transport that calls `service` (a generated `FooServer`) in this process.
pub fn local<S>(service: S) -> GrpcTransport
where
    S: Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible>
        + NamedService
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
{
    BoxCloneSyncService::new(service.map_err(|never: Infallible| match never {}))
}

/// A transport that calls the routes in `routes` (a party of this process, mounted once it is
/// built): the same encoded messages as over the network, without HTTP/2 or a socket. Until
/// the routes are there, calls fail as UNAVAILABLE, as a peer not listening yet would.
///
/// The peer answers on a task of its own, as a server does, so nothing of the caller's task
/// (its task-local values, such as `link::queued`'s) reaches the peer's handler; the call
/// dropped stops that task, as a reset stream stops a server's.
pub fn local_routes(party: &str, routes: Arc<OnceLock<tonic::service::Routes>>) -> GrpcTransport {
    let party: Arc<str> = Arc::from(party);
    let service = tower::service_fn(move |request: http::Request<Body>| {
        let mounted = routes.get().cloned();
        let party = party.clone();
        async move {
            let Some(mounted) = mounted else {
                let status = tonic::Status::unavailable(format!("{party} is not serving yet"));
                return Ok(status.into_http());
            };
            let mut answering = AbortOnDrop(tokio::spawn(mounted.oneshot(request)));
            match (&mut answering.0).await {
                Ok(Ok(response)) => Ok(response),
                Ok(Err(never)) => match never {},
                Err(stopped) => Ok(tonic::Status::internal(format!(
                    "{party} stopped while answering: {stopped}"
                ))
                .into_http()),
            }
        }
    });
    BoxCloneSyncService::new(service)
}

/// A spawned task stopped when its handle is dropped.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}
