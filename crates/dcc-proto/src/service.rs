//! What a party hands to whoever mounts it: its gRPC routes and its background tasks.

use std::future::Future;
use std::pin::Pin;

/// A task a service needs running beside its gRPC routes (an outbox, a publisher).
pub type BackgroundTask = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// A party ready to be mounted on a server: in the `dccsim up` process, its own process, or a test.
pub struct MountedService {
    /// The party's name as `dccsim serve` knows it, e.g. `csp-north`.
    pub name: String,
    /// The gRPC services it serves (health is added by whoever mounts it).
    pub routes: tonic::service::Routes,
    /// The names of the gRPC services in `routes`, for health reporting.
    pub grpc_service_names: Vec<&'static str>,
    pub tasks: Vec<BackgroundTask>,
}

impl std::fmt::Debug for MountedService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MountedService")
            .field("name", &self.name)
            .field("grpc_service_names", &self.grpc_service_names)
            .field("tasks", &self.tasks.len())
            .finish()
    }
}
