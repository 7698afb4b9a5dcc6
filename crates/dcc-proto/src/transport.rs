//! One transport type for every gRPC client: either a network channel or a service mounted
//! in the same process. Both carry the same encoded gRPC messages, so a party cannot tell
//! (and need not care) where its peer runs.

use std::convert::Infallible;

use tonic::body::Body;

/// The error every transport reports.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
use tonic::server::NamedService;
use tower::util::BoxCloneSyncService;
use tower::{Service, ServiceExt};

/// What every generated client is built on: `FooClient::new(transport)`.
pub type GrpcTransport = BoxCloneSyncService<http::Request<Body>, http::Response<Body>, BoxError>;

/// A transport over the network to `channel`.
pub fn remote(channel: tonic::transport::Channel) -> GrpcTransport {
    BoxCloneSyncService::new(channel.map_err(BoxError::from))
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
