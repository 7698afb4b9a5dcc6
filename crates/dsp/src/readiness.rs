//! When the DSP may say it is ready: registration data from every RDP it expects, and every
//! peer it depends on reporting SERVING over gRPC health.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dcc_proto::transport::GrpcTransport;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

/// Shared readiness state; cheap to clone.
#[derive(Debug, Clone)]
pub struct Readiness(Arc<Mutex<ReadinessState>>);

#[derive(Debug)]
struct ReadinessState {
    awaited_registrations: BTreeSet<String>,
    unhealthy_peers: BTreeSet<String>,
}

impl Readiness {
    pub fn new(registration_data_providers: Vec<String>) -> Self {
        Self(Arc::new(Mutex::new(ReadinessState {
            awaited_registrations: registration_data_providers.into_iter().collect(),
            unhealthy_peers: BTreeSet::new(),
        })))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ReadinessState> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn registrations_received(&self, provider: &str) {
        self.lock().awaited_registrations.remove(provider);
    }

    /// What the DSP still waits for; empty when ready.
    pub fn waiting_for(&self) -> Vec<String> {
        let state = self.lock();
        let registrations = state
            .awaited_registrations
            .iter()
            .map(|rdp| format!("registration data from {rdp}"));
        let peers = state
            .unhealthy_peers
            .iter()
            .map(|peer| format!("{peer} to be healthy"));
        registrations.chain(peers).collect()
    }

    pub fn is_ready(&self) -> bool {
        self.waiting_for().is_empty()
    }
}

const CHECK_INTERVAL: Duration = Duration::from_millis(100);

/// Polls each peer's gRPC health and records which are not SERVING.
pub(crate) async fn watch_peers(readiness: Readiness, peers: Vec<(String, GrpcTransport)>) {
    {
        let mut state = readiness.lock();
        state.unhealthy_peers = peers.iter().map(|(name, _)| name.clone()).collect();
    }
    loop {
        for (name, transport) in &peers {
            let mut client = HealthClient::new(transport.clone());
            let serving = client
                .check(HealthCheckRequest {
                    service: String::new(),
                })
                .await
                .map(|response| response.get_ref().status == ServingStatus::Serving as i32)
                .unwrap_or(false);
            let mut state = readiness.lock();
            if serving {
                state.unhealthy_peers.remove(name);
            } else {
                state.unhealthy_peers.insert(name.clone());
            }
        }
        tokio::time::sleep(CHECK_INTERVAL).await;
    }
}
