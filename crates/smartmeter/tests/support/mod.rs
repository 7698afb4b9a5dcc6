//! Shared test helpers: the device crate's (a seeded test PKI, commands built as the DSP builds
//! them), and a mounted party called as its peers call it.
#![allow(dead_code)]

#[path = "../../../device/tests/support/mod.rs"]
mod device_support;

pub use device_support::*;

/// A mounted party's routes as a transport, so tests call it as its peers would.
#[derive(Clone)]
pub struct MountedRoutes(pub tonic::service::Routes);

impl tonic::server::NamedService for MountedRoutes {
    const NAME: &'static str = "mounted-party";
}

impl tower::Service<http::Request<tonic::body::Body>> for MountedRoutes {
    type Response = http::Response<tonic::body::Body>;
    type Error = std::convert::Infallible;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Self::Response, Self::Error>> + Send>,
    >;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        tower::Service::<http::Request<tonic::body::Body>>::poll_ready(&mut self.0, cx)
    }

    fn call(&mut self, request: http::Request<tonic::body::Body>) -> Self::Future {
        Box::pin(self.0.call(request))
    }
}

/// Starts a mounted party's background tasks and returns a transport to its routes.
pub fn start(mounted: dcc_proto::service::MountedService) -> dcc_proto::transport::GrpcTransport {
    for task in mounted.tasks {
        tokio::spawn(task);
    }
    dcc_proto::transport::local(MountedRoutes(mounted.routes))
}

/// What a fake peer has received, with a wait that wakes on every arrival (no sleeps).
pub struct Received<T> {
    items: std::sync::Mutex<Vec<T>>,
    arrived: tokio::sync::Notify,
}

impl<T: Clone> Default for Received<T> {
    fn default() -> Self {
        Self {
            items: std::sync::Mutex::new(Vec::new()),
            arrived: tokio::sync::Notify::new(),
        }
    }
}

impl<T: Clone> Received<T> {
    pub fn push(&self, item: T) {
        self.items.lock().unwrap().push(item);
        self.arrived.notify_waiters();
    }

    pub fn all(&self) -> Vec<T> {
        self.items.lock().unwrap().clone()
    }

    /// Waits (at most 10 s) until `condition` holds for what has arrived, and returns it.
    pub async fn wait_until(&self, condition: impl Fn(&[T]) -> bool) -> Vec<T> {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let arrived = self.arrived.notified();
            tokio::pin!(arrived);
            arrived.as_mut().enable();
            let items = self.all();
            if condition(&items) {
                return items;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                panic!(
                    "condition not met in time; received {} item(s)",
                    items.len()
                );
            }
        }
    }
}
