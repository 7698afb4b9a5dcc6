//! A Communications Service Provider (North, or Central/South): carries GBCS commands from the
//! DSP to the Comms Hubs of its region over the SM WAN, and their responses and alerts back.
#![forbid(unsafe_code)]

use std::collections::BTreeSet;
use std::sync::Arc;

use dcc_model::{CspRegion, Eui64};
use dcc_proto::service::MountedService;
use dcc_proto::smwan::comms_hub_wan_client::CommsHubWanClient;
use dcc_proto::smwan::communications_service_provider_upstream_server::{
    CommunicationsServiceProviderUpstream, CommunicationsServiceProviderUpstreamServer,
};
use dcc_proto::transport::GrpcTransport;
use dcc_proto::wan::communications_service_provider_server::{
    CommunicationsServiceProvider, CommunicationsServiceProviderServer,
};
use dcc_proto::wan::data_service_provider_upstream_client::DataServiceProviderUpstreamClient;
use dcc_proto::wan::{DeviceMessage, DeviceMessageAccepted, WanCommand, WanCommandAccepted};
use tonic::{Request, Response, Status};
use tracing::{info, instrument, warn};

/// What a CSP is: its region and the Comms Hubs it owns.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CspConfig {
    pub region: CspRegion,
    pub comms_hubs: BTreeSet<Eui64>,
}

/// The parties a CSP talks to.
#[derive(Debug, Clone)]
pub struct CspPeers {
    /// The Comms Hub party (SM WAN, downwards).
    pub comms_hubs: GrpcTransport,
    /// The DSP (upwards).
    pub dsp: GrpcTransport,
}

/// The party name `dccsim serve` uses for the CSP of a region.
pub fn party_name(region: CspRegion) -> &'static str {
    match region {
        CspRegion::North => "csp-north",
        CspRegion::Central | CspRegion::South => "csp-central-south",
    }
}

/// Builds a CSP ready to mount.
pub fn new(config: CspConfig, peers: CspPeers) -> MountedService {
    let inner = Arc::new(Inner { config, peers });
    let routes = tonic::service::Routes::new(CommunicationsServiceProviderServer::new(Downstream(
        inner.clone(),
    )))
    .add_service(CommunicationsServiceProviderUpstreamServer::new(Upstream(
        inner.clone(),
    )));
    MountedService {
        name: party_name(inner.config.region).to_owned(),
        routes,
        grpc_service_names: vec![
            <CommunicationsServiceProviderServer<Downstream> as tonic::server::NamedService>::NAME,
            <CommunicationsServiceProviderUpstreamServer<Upstream> as tonic::server::NamedService>::NAME,
        ],
        tasks: Vec::new(),
    }
}

#[derive(Debug)]
struct Inner {
    config: CspConfig,
    peers: CspPeers,
}

/// The DSP-facing side.
#[derive(Debug, Clone)]
pub struct Downstream(Arc<Inner>);

/// The Comms-Hub-facing side.
#[derive(Debug, Clone)]
pub struct Upstream(Arc<Inner>);

#[tonic::async_trait]
impl CommunicationsServiceProvider for Downstream {
    #[instrument(name = "csp.send_command", skip_all, fields(region = %self.0.config.region, request_id = %request.get_ref().request_id, device_id = %request.get_ref().device_id))]
    async fn send_command(
        &self,
        request: Request<WanCommand>,
    ) -> Result<Response<WanCommandAccepted>, Status> {
        let command = request.into_inner();
        let comms_hub = dcc_proto::convert::eui64("comms_hub_id", &command.comms_hub_id)?;
        if !self.0.config.comms_hubs.contains(&comms_hub) {
            warn!(%comms_hub, "command for a comms hub outside this region");
            return Err(Status::not_found(format!(
                "comms hub {comms_hub} is not served by the {} CSP",
                self.0.config.region
            )));
        }
        let mut client = CommsHubWanClient::new(self.0.peers.comms_hubs.clone());
        client.deliver_command(command).await.map_err(|status| {
            warn!(%comms_hub, error = %status, "comms hub did not take the command");
            relay_status(status, &format!("comms hub {comms_hub}"))
        })?;
        info!(%comms_hub, "command delivered over the sm wan");
        Ok(Response::new(WanCommandAccepted {}))
    }
}

#[tonic::async_trait]
impl CommunicationsServiceProviderUpstream for Upstream {
    #[instrument(name = "csp.deliver_device_message", skip_all, fields(region = %self.0.config.region, request_id = %request.get_ref().request_id, device_id = %request.get_ref().device_id))]
    async fn deliver_device_message(
        &self,
        request: Request<DeviceMessage>,
    ) -> Result<Response<DeviceMessageAccepted>, Status> {
        let message = request.into_inner();
        dcc_proto::convert::eui64("device_id", &message.device_id)?;
        let mut client = DataServiceProviderUpstreamClient::new(self.0.peers.dsp.clone());
        client
            .deliver_device_message(message)
            .await
            .map_err(|status| relay_status(status, "DSP"))?;
        info!("device message passed to the dsp");
        Ok(Response::new(DeviceMessageAccepted {}))
    }
}

/// Passes a peer's refusal on with its code, so a permanent refusal (a message the DSP will
/// never take) is not retried forever, while an unreachable peer stays UNAVAILABLE.
fn relay_status(status: Status, peer: &str) -> Status {
    match status.code() {
        tonic::Code::Unavailable
        | tonic::Code::Unknown
        | tonic::Code::DeadlineExceeded
        | tonic::Code::Cancelled => {
            Status::unavailable(format!("{peer} unreachable: {}", status.message()))
        }
        code => Status::new(code, format!("{peer}: {}", status.message())),
    }
}

#[cfg(test)]
mod tests;
