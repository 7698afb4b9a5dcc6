//! A Communications Service Provider (North, or Central/South): carries GBCS commands from the
//! DSP to the Comms Hubs of its region over the SM WAN, and their responses and alerts back.
#![forbid(unsafe_code)]

mod client;
pub mod coverage;
pub mod wan;

pub use client::{CspClient, CspError};

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
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
use dcc_proto::wan::{
    DeviceMessage, DeviceMessageAccepted, FirmwareDistribution, FirmwareDistributionAccepted,
    WanCommand, WanCommandAccepted, WanCoverage, WanCoverageQuery,
};
use tonic::{Request, Response, Status};
use tracing::{info, instrument, warn};

/// What a CSP is: its region, the Comms Hubs it owns, their SM WAN and its coverage.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CspConfig {
    pub region: CspRegion,
    pub comms_hubs: BTreeSet<Eui64>,
    /// How many generated premises (`dcc_model::fleet::generated`) the ecosystem has: the
    /// CSP also owns the Comms Hubs of those in its region, known from their ids.
    #[serde(default)]
    pub fleet: u32,
    /// The hubs' variants and the WAN model (ideal unless `wan.modelled`).
    #[serde(default)]
    pub wan: wan::WanConfig,
    /// SM WAN coverage; the region's default when absent.
    #[serde(default)]
    pub coverage: Option<coverage::CoverageData>,
    /// The ecosystem's clock, which WAN latency and outages are read on.
    #[serde(skip)]
    pub clock: clock::Clock,
}

impl CspConfig {
    /// Whether the Comms Hub `comms_hub` (its CHF's id) is in this CSP's region: a configured
    /// one, or a generated premises' there.
    pub fn owns(&self, comms_hub: Eui64) -> bool {
        use dcc_model::fleet::generated;
        self.comms_hubs.contains(&comms_hub)
            || generated::locate(comms_hub, self.fleet).is_some_and(|(premises, kind)| {
                kind == generated::DeviceKind::CommunicationsHubFunction
                    && party_name(generated::region(premises)) == party_name(self.region)
            })
    }
}

/// The gRPC metadata key a CSP sets when it refuses a command because the Comms Hub cannot be
/// reached over the SM WAN (value [`COMMS_HUB_UNREACHABLE`]).
pub const SM_WAN_METADATA_KEY: &str = "dccsim-sm-wan";
pub const COMMS_HUB_UNREACHABLE: &str = "comms-hub-unreachable";

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
    let inner = Arc::new(Inner {
        config,
        peers,
        commands_sent: AtomicU64::new(0),
    });
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
    /// Numbers the commands, which seeds each one's WAN draw.
    commands_sent: AtomicU64,
}

impl Inner {
    /// The regions this CSP serves: North, or Central and South.
    fn regions(&self) -> Vec<CspRegion> {
        match self.config.region {
            CspRegion::North => vec![CspRegion::North],
            CspRegion::Central | CspRegion::South => vec![CspRegion::Central, CspRegion::South],
        }
    }
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
        if !self.0.config.owns(comms_hub) {
            warn!(%comms_hub, "command for a comms hub outside this region");
            return Err(Status::not_found(format!(
                "comms hub {comms_hub} is not served by the {} CSP",
                self.0.config.region
            )));
        }
        let inner = &self.0;
        let now = inner.config.clock.now();
        let now_ms = (now.unix_timestamp_nanos() / 1_000_000) as i64;
        let sequence = inner.commands_sent.fetch_add(1, Ordering::Relaxed);
        let variant = inner
            .config
            .wan
            .variant_of(comms_hub, inner.config.region)
            .to_owned();
        let delivery = inner.config.wan.delivery(
            comms_hub,
            inner.config.region,
            command.gbcs.len(),
            sequence,
            now_ms,
        );
        let delay = match delivery {
            wan::Delivery::Unreachable => {
                warn!(%comms_hub, %variant, "comms hub unreachable over the sm wan");
                let mut status = Status::unavailable(format!(
                    "comms hub {comms_hub} is not reachable over the SM WAN"
                ));
                status.metadata_mut().insert(
                    SM_WAN_METADATA_KEY,
                    tonic::metadata::MetadataValue::from_static(COMMS_HUB_UNREACHABLE),
                );
                return Err(status);
            }
            wan::Delivery::Lost => {
                warn!(%comms_hub, %variant, "command lost on the sm wan");
                return Ok(Response::new(WanCommandAccepted {}));
            }
            wan::Delivery::After(delay) => delay,
        };
        let client = CommsHubWanClient::new(inner.peers.comms_hubs.clone());
        if delay.is_zero() {
            deliver(client, command, comms_hub).await?;
            return Ok(Response::new(WanCommandAccepted {}));
        }
        // The command travels the WAN on the ecosystem's clock; the DSP has handed it over.
        let clock = inner.config.clock.clone();
        tokio::spawn(dcc_proto::link::queued(None, async move {
            clock.sleep_until(now + delay).await;
            let _ = deliver(client, command, comms_hub).await;
        }));
        info!(%comms_hub, %variant, latency_ms = delay.as_millis() as u64, "command on its way over the sm wan");
        Ok(Response::new(WanCommandAccepted {}))
    }

    #[instrument(name = "csp.request_wan_coverage", skip_all, fields(region = %self.0.config.region, request_id = %request.get_ref().request_id, device_id = ""))]
    async fn request_wan_coverage(
        &self,
        request: Request<WanCoverageQuery>,
    ) -> Result<Response<WanCoverage>, Status> {
        let query = request.into_inner();
        let address = if !query.uprn.is_empty() {
            coverage::Address::Uprn(query.uprn)
        } else if !query.post_code.is_empty() {
            coverage::Address::Partial {
                post_code: query.post_code,
                address_identifier: query.address_identifier,
            }
        } else {
            return Err(Status::invalid_argument(
                "field uprn or post_code: one is required",
            ));
        };
        let data = self
            .0
            .config
            .coverage
            .clone()
            .unwrap_or_else(|| coverage::CoverageData::default_for(self.0.config.region));
        let regions = coverage::coverage_at(&data, &self.0.regions(), &address)
            .into_iter()
            .map(|answer| {
                let coverage = answer.coverage.unwrap_or(coverage::Coverage {
                    available: false,
                    anticipated_date: None,
                    wan_technology: String::new(),
                    connectivity_likelihood: coverage::ConnectivityLikelihood::Low,
                    auxiliary_equipment_required: None,
                    additional_information: None,
                });
                dcc_proto::wan::RegionCoverage {
                    region: answer.region.as_str().to_owned(),
                    response_code: answer.response_code.to_string(),
                    coverage_available: coverage.available,
                    anticipated_coverage_date: coverage.anticipated_date.unwrap_or_default(),
                    wan_technology: coverage.wan_technology,
                    connectivity_likelihood: coverage.connectivity_likelihood.as_str().to_owned(),
                    auxiliary_equipment_required: coverage
                        .auxiliary_equipment_required
                        .unwrap_or_default(),
                    additional_information: coverage.additional_information.unwrap_or_default(),
                }
            })
            .collect();
        Ok(Response::new(WanCoverage { regions }))
    }

    /// Carries a firmware image over the SM WAN to the Comms Hubs of this region's devices:
    /// the Comms Hub party finds each device's hub, which passes the image on. Devices no hub
    /// has, and all of them when the hubs cannot be reached, are returned as refused: the DSP
    /// raises a FirmwareDistributionFailure DCC alert for them.
    #[instrument(name = "csp.distribute_firmware", skip_all, fields(region = %self.0.config.region, request_id = %request.get_ref().request_id, device_id = ""))]
    async fn distribute_firmware(
        &self,
        request: Request<FirmwareDistribution>,
    ) -> Result<Response<FirmwareDistributionAccepted>, Status> {
        let distribution = request.into_inner();
        for device in &distribution.device_ids {
            dcc_proto::convert::eui64("device_ids", device)?;
        }
        let devices = distribution.device_ids.clone();
        let bytes = distribution.image.len();
        let mut client = CommsHubWanClient::new(self.0.peers.comms_hubs.clone());
        let refused = match client.distribute_firmware(distribution).await {
            Ok(accepted) => accepted.into_inner().refused_device_ids,
            Err(status) => {
                warn!(error = %status, "the comms hubs did not take the firmware image");
                devices.clone()
            }
        };
        info!(
            devices = devices.len(),
            refused = refused.len(),
            bytes,
            "firmware image carried to the comms hubs"
        );
        Ok(Response::new(FirmwareDistributionAccepted {
            refused_device_ids: refused,
        }))
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

/// Hands a command to the Comms Hub party.
async fn deliver(
    mut client: CommsHubWanClient<GrpcTransport>,
    command: WanCommand,
    comms_hub: Eui64,
) -> Result<(), Status> {
    client.deliver_command(command).await.map_err(|status| {
        warn!(%comms_hub, error = %status, "comms hub did not take the command");
        relay_status(status, &format!("comms hub {comms_hub}"))
    })?;
    info!(%comms_hub, "command delivered over the sm wan");
    Ok(())
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
