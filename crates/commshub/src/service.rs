//! The Comms Hub party: serves `CommsHubWan` (commands from the CSPs) and
//! `CommsHubHanUpstream` (responses from the HAN devices), and sends device messages up to the CSP
//! of each hub's region through an outbox.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use dcc_model::{CspRegion, Eui64};
use dcc_proto::han::comms_hub_han_upstream_server::{
    CommsHubHanUpstream, CommsHubHanUpstreamServer,
};
use dcc_proto::han::smart_meter_han_client::SmartMeterHanClient;
use dcc_proto::han::{HanFrame, HanFrameAccepted};
use dcc_proto::outbox::{Deliver, Outbox};
use dcc_proto::service::MountedService;
use dcc_proto::smwan::comms_hub_wan_server::{CommsHubWan, CommsHubWanServer};
use dcc_proto::smwan::communications_service_provider_upstream_client::CommunicationsServiceProviderUpstreamClient;
use dcc_proto::transport::GrpcTransport;
use dcc_proto::wan::{
    DeviceMessage, DeviceMessageKind, FirmwareDistribution, FirmwareDistributionAccepted,
    WanCommand, WanCommandAccepted,
};
use device::{Device, DeviceConfig, DeviceConfigError, DeviceDateTime};
use tonic::{Request, Response, Status};
use tracing::{info, info_span, warn, Instrument};

mod control;
mod firmware;
mod future_dated;

/// The party name `dccsim serve` uses for the Comms Hubs.
pub const PARTY_NAME: &str = "commshub";

/// The party name (kept as a function for symmetry with `csp::party_name`).
pub fn party_name() -> &'static str {
    PARTY_NAME
}

/// Every Comms Hub the party hosts: those built at start, and those it makes on first contact.
#[derive(Debug, Clone, Default)]
pub struct CommsHubConfig {
    pub hubs: Vec<CommsHubSpec>,
    /// Hubs made when first addressed (a generated fleet's), so that an idle one costs nothing.
    pub on_demand: Option<Arc<dyn HubSource>>,
}

/// Where a hub made on first contact is and what is on it; each of its engines is made when
/// first addressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnDemandHub {
    /// The hub's CHF.
    pub chf: Eui64,
    pub region: CspRegion,
    /// The devices the hub answers as itself: its CHF, its GPF, the GSME its GPF mirrors.
    pub engines: Vec<Eui64>,
    /// The devices on its HAN the smart meter party hosts.
    pub han_devices: Vec<Eui64>,
}

/// Describes, from a device id alone, the hubs a Comms Hub party makes on first contact.
pub trait HubSource: Send + Sync + std::fmt::Debug {
    /// The hub `device` is on or is (its CHF, GPF, GSME or a HAN device), if this source
    /// makes it.
    fn hub_of(&self, device: Eui64) -> Option<OnDemandHub>;
    /// The configuration of one of a hub's engines ([`OnDemandHub::engines`]).
    fn engine(&self, device: Eui64) -> Result<DeviceConfig, String>;
}

/// One Comms Hub: its CHF (whose id is the hub's id), its GPF, the GSME whose data the GPF
/// mirrors, the other devices on its HAN and the CSP region it is in.
#[derive(Debug, Clone)]
pub struct CommsHubSpec {
    /// The Communications Hub Function; its device id identifies the hub.
    pub chf: DeviceConfig,
    /// The Gas Proxy Function, if the hub has one.
    pub gpf: Option<DeviceConfig>,
    /// The GSME whose data the GPF holds: the GPF answers for the GSME with the GSME's keys.
    pub gas_meter_mirror: Option<DeviceConfig>,
    /// The devices on the hub's HAN the smart meter party hosts (ESMEs, PPMIDs, HCALCSs):
    /// commands for them go over the HAN.
    pub han_devices: Vec<Eui64>,
    pub region: CspRegion,
}

/// The parties the Comms Hubs talk to.
#[derive(Debug, Clone)]
pub struct CommsHubPeers {
    /// The North CSP (`CommunicationsServiceProviderUpstream`).
    pub csp_north: GrpcTransport,
    /// The Central/South CSP (`CommunicationsServiceProviderUpstream`).
    pub csp_central_south: GrpcTransport,
    /// The smart meter party (`SmartMeterHan`).
    pub smart_meters: GrpcTransport,
}

/// Builds the Comms Hub party; its CHFs and GPFs tell the date-time of `clock` (the
/// ecosystem's: the system clock, or a virtual one a test moves).
pub fn new(
    config: CommsHubConfig,
    peers: CommsHubPeers,
    clock: clock::Clock,
) -> Result<MountedService, DeviceConfigError> {
    let shared_secrets = gbcs::SharedSecretCache::new();
    let hubs = build_hubs(&config.hubs, &shared_secrets)?;
    let upstream = Upstream {
        north: peers.csp_north,
        central_south: peers.csp_central_south,
    };
    let deliver: Deliver<(CspRegion, DeviceMessage)> = Arc::new(move |(region, message)| {
        let mut client =
            CommunicationsServiceProviderUpstreamClient::new(upstream.transport(region));
        Box::pin(async move { client.deliver_device_message(message).await.map(|_| ()) })
    });
    let (outbox, task) = Outbox::new(deliver);
    let inner = Arc::new(Inner {
        hubs,
        made: Mutex::new(HashMap::new()),
        on_demand: config.on_demand,
        shared_secrets,
        clock,
        smart_meters: peers.smart_meters,
        outbox,
        watched: future_dated::Watched::default(),
    });
    let future_dated = future_dated::task(inner.clone());
    let routes =
        tonic::service::Routes::new(CommsHubWanServer::new(CommsHubWanService(inner.clone())))
            .add_service(dcc_proto::device_actions::server(inner.clone()))
            .add_service(CommsHubHanUpstreamServer::new(CommsHubHanUpstreamService(
                inner,
            )));
    Ok(MountedService {
        name: PARTY_NAME.to_owned(),
        routes,
        grpc_service_names: vec![
            <CommsHubWanServer<CommsHubWanService> as tonic::server::NamedService>::NAME,
            <CommsHubHanUpstreamServer<CommsHubHanUpstreamService> as tonic::server::NamedService>::NAME,
            dcc_proto::device_actions::SERVICE_NAME,
        ],
        tasks: vec![task, future_dated],
    })
}

#[derive(Debug, Clone)]
struct Upstream {
    north: GrpcTransport,
    central_south: GrpcTransport,
}

impl Upstream {
    fn transport(&self, region: CspRegion) -> GrpcTransport {
        match region {
            CspRegion::North => self.north.clone(),
            CspRegion::Central | CspRegion::South => self.central_south.clone(),
        }
    }
}

/// A running Comms Hub: its device engines and the devices on its HAN.
#[derive(Debug)]
struct Hub {
    /// The hub's id: its CHF's.
    chf: Eui64,
    region: CspRegion,
    /// The CHF, the GPF and the GPF's mirror of the GSME, by the device id each answers as;
    /// a hub made on first contact makes each when first addressed.
    engines: Vec<(Eui64, EngineCell)>,
    han_devices: Vec<Eui64>,
}

/// A device engine, made at start or on first contact.
type EngineCell = OnceLock<Mutex<Device>>;

/// Where a command for a device on a hub is answered.
enum Route<'a> {
    /// By an engine on the hub (the CHF, the GPF, or the GPF's mirror of the GSME).
    Local(&'a EngineCell),
    /// By a device on the HAN (an ESME, a PPMID, an HCALCS).
    Han,
}

impl Hub {
    fn route(&self, device: Eui64) -> Option<Route<'_>> {
        if let Some((_, engine)) = self.engines.iter().find(|(id, _)| *id == device) {
            return Some(Route::Local(engine));
        }
        self.han_devices.contains(&device).then_some(Route::Han)
    }
}

fn lock(device: &Mutex<Device>) -> std::sync::MutexGuard<'_, Device> {
    device
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn build_hubs(
    specs: &[CommsHubSpec],
    cache: &gbcs::SharedSecretCache,
) -> Result<HashMap<Eui64, Arc<Hub>>, DeviceConfigError> {
    let mut hubs = HashMap::new();
    for spec in specs {
        let configs = [
            Some(&spec.chf),
            spec.gpf.as_ref(),
            spec.gas_meter_mirror.as_ref(),
        ];
        let mut engines = Vec::new();
        for config in configs.into_iter().flatten() {
            let device = Device::new(config)?.with_shared_secret_cache(cache.clone());
            engines.push((config.device_id, OnceLock::from(Mutex::new(device))));
        }
        let hub = Arc::new(Hub {
            chf: spec.chf.device_id,
            region: spec.region,
            engines,
            han_devices: spec.han_devices.clone(),
        });
        if hubs.insert(spec.chf.device_id, hub).is_some() {
            return Err(DeviceConfigError::Duplicate(spec.chf.device_id));
        }
    }
    Ok(hubs)
}

#[derive(Debug)]
struct Inner {
    /// The hubs built at start.
    hubs: HashMap<Eui64, Arc<Hub>>,
    /// The hubs made on first contact, by CHF.
    made: Mutex<HashMap<Eui64, Arc<Hub>>>,
    on_demand: Option<Arc<dyn HubSource>>,
    shared_secrets: gbcs::SharedSecretCache,
    clock: clock::Clock,
    smart_meters: GrpcTransport,
    outbox: Outbox<(CspRegion, DeviceMessage)>,
    /// The engines holding future-dated instructions, for the task that performs them.
    watched: future_dated::Watched,
}

impl Inner {
    /// The date-time the party tells its devices: the ecosystem's clock (each device adds the
    /// drift of its own).
    fn now(&self) -> DeviceDateTime {
        DeviceDateTime::from_offset_date_time(self.clock.now())
    }

    fn hub(&self, comms_hub: Eui64) -> Result<Arc<Hub>, Status> {
        if let Some(hub) = self.hubs.get(&comms_hub) {
            return Ok(hub.clone());
        }
        self.on_demand_hub(comms_hub)
            .filter(|hub| hub.chf == comms_hub)
            .ok_or_else(|| {
                warn!(%comms_hub, "no such comms hub");
                Status::not_found(format!("no comms hub {comms_hub} here"))
            })
    }

    /// The hub made on first contact that `device` is on or is, if the source makes one.
    fn on_demand_hub(&self, device: Eui64) -> Option<Arc<Hub>> {
        let described = self.on_demand.as_ref()?.hub_of(device)?;
        let mut made = self
            .made
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let hub = made.entry(described.chf).or_insert_with(|| {
            Arc::new(Hub {
                chf: described.chf,
                region: described.region,
                engines: described
                    .engines
                    .iter()
                    .map(|engine| (*engine, OnceLock::new()))
                    .collect(),
                han_devices: described.han_devices.clone(),
            })
        });
        Some(hub.clone())
    }

    /// The hub `device` is on or is, and where its commands are answered.
    fn hub_of_device(&self, device: Eui64) -> Option<Arc<Hub>> {
        if let Some(hub) = self.on_demand_hub(device) {
            return Some(hub);
        }
        self.hubs
            .values()
            .find(|hub| hub.route(device).is_some())
            .cloned()
    }

    /// The engine in `cell`, made now from the source when the hub was made on first contact.
    fn engine<'a>(&self, cell: &'a EngineCell, device: Eui64) -> Result<&'a Mutex<Device>, Status> {
        if let Some(engine) = cell.get() {
            return Ok(engine);
        }
        let made = self
            .on_demand
            .as_ref()
            .ok_or_else(|| Status::internal(format!("no engine for {device}")))?
            .engine(device)
            .and_then(|config| Device::new(&config).map_err(|error| error.to_string()))
            .map_err(|error| {
                warn!(%device, %error, "cannot make the device");
                Status::internal(format!("cannot make device {device}: {error}"))
            })?;
        info!(%device, "device made on first contact");
        // Another thread may have made it meanwhile: the first one kept is the device.
        let _ = cell.set(Mutex::new(
            made.with_shared_secret_cache(self.shared_secrets.clone()),
        ));
        cell.get()
            .ok_or_else(|| Status::internal(format!("no engine for {device}")))
    }

    /// The hub with `device` on its HAN.
    fn hub_of_han_device(&self, device: Eui64) -> Result<Arc<Hub>, Status> {
        self.on_demand_hub(device)
            .filter(|hub| hub.han_devices.contains(&device))
            .or_else(|| {
                self.hubs
                    .values()
                    .find(|hub| hub.han_devices.contains(&device))
                    .cloned()
            })
            .ok_or_else(|| {
                warn!(%device, "no comms hub has the device on its han");
                Status::not_found(format!("device {device} is on no comms hub here"))
            })
    }

    /// Queues a device message for the CSP of `region`.
    fn send_up(&self, region: CspRegion, message: DeviceMessage) {
        let span = info_span!("commshub.send_up", request_id = %message.request_id, device_id = %message.device_id, %region);
        self.outbox.send((region, message), span);
    }
}

/// The `CommsHubWan` service: commands from the CSPs.
#[derive(Debug, Clone)]
pub struct CommsHubWanService(Arc<Inner>);

/// The `CommsHubHanUpstream` service: responses and alerts from the HAN devices.
#[derive(Debug, Clone)]
pub struct CommsHubHanUpstreamService(Arc<Inner>);

#[tonic::async_trait]
impl CommsHubWan for CommsHubWanService {
    async fn deliver_command(
        &self,
        request: Request<WanCommand>,
    ) -> Result<Response<WanCommandAccepted>, Status> {
        let command = request.into_inner();
        let span = info_span!("commshub.deliver_command", request_id = %command.request_id, device_id = %command.device_id, comms_hub_id = %command.comms_hub_id);
        self.accept(command).instrument(span).await?;
        Ok(Response::new(WanCommandAccepted {}))
    }

    async fn distribute_firmware(
        &self,
        request: Request<FirmwareDistribution>,
    ) -> Result<Response<FirmwareDistributionAccepted>, Status> {
        let distribution = request.into_inner();
        let span = info_span!("commshub.distribute_firmware", request_id = %distribution.request_id, device_id = "");
        let refused_device_ids = self.distribute(distribution).instrument(span).await;
        Ok(Response::new(FirmwareDistributionAccepted {
            refused_device_ids,
        }))
    }
}

impl CommsHubWanService {
    async fn accept(&self, command: WanCommand) -> Result<(), Status> {
        let inner = &self.0;
        let comms_hub = dcc_proto::convert::eui64("comms_hub_id", &command.comms_hub_id)?;
        let device = dcc_proto::convert::eui64("device_id", &command.device_id)?;
        let hub = inner.hub(comms_hub)?;
        match hub.route(device) {
            Some(Route::Local(engine)) => {
                let engine = inner.engine(engine, device)?;
                let (outcome, alerts, next_due) = {
                    let mut engine = lock(engine);
                    (
                        engine.handle_command(&command.gbcs, inner.now()),
                        engine.take_alerts(),
                        engine.next_due(),
                    )
                };
                inner.watch(device, next_due);
                let response = match outcome {
                    Ok(response) => response,
                    Err(error) => {
                        // What fell due before the command still happened.
                        inner.send_alerts(hub.region, device, alerts);
                        warn!(%error, "command refused");
                        return Err(dcc_proto::convert::device_refusal(error.kind(), &error));
                    }
                };
                info!(
                    bytes = response.len(),
                    "answered on the hub; response queued for the csp"
                );
                inner.send_up(
                    hub.region,
                    DeviceMessage {
                        request_id: command.request_id,
                        device_id: device.to_hex(),
                        kind: DeviceMessageKind::Response as i32,
                        gbcs: response,
                    },
                );
                inner.send_alerts(hub.region, device, alerts);
                Ok(())
            }
            Some(Route::Han) => forward_over_han(inner, comms_hub, device, command).await,
            None => {
                warn!("device not on this comms hub");
                Err(Status::not_found(format!(
                    "device {device} is not on comms hub {comms_hub}"
                )))
            }
        }
    }
}

/// Passes a command to a device over the HAN; the device's refusal is passed back as is.
async fn forward_over_han(
    inner: &Inner,
    comms_hub: Eui64,
    device: Eui64,
    command: WanCommand,
) -> Result<(), Status> {
    let frame = HanFrame {
        request_id: command.request_id,
        comms_hub_id: comms_hub.to_hex(),
        device_id: device.to_hex(),
        gbcs: command.gbcs,
    };
    let mut client = SmartMeterHanClient::new(inner.smart_meters.clone());
    client.deliver_frame(frame).await.map_err(|status| {
        warn!(code = ?status.code(), error = status.message(), "device did not take the command");
        Status::new(
            status.code(),
            format!("device {device} over the HAN: {}", status.message()),
        )
    })?;
    info!("command delivered over the han");
    Ok(())
}

#[tonic::async_trait]
impl CommsHubHanUpstream for CommsHubHanUpstreamService {
    async fn deliver_frame(
        &self,
        request: Request<HanFrame>,
    ) -> Result<Response<HanFrameAccepted>, Status> {
        let frame = request.into_inner();
        let span = info_span!("commshub.han_upstream", request_id = %frame.request_id, device_id = %frame.device_id, comms_hub_id = %frame.comms_hub_id);
        let _entered = span.enter();
        self.accept(frame)?;
        Ok(Response::new(HanFrameAccepted {}))
    }
}

impl CommsHubHanUpstreamService {
    fn accept(&self, frame: HanFrame) -> Result<(), Status> {
        let inner = &self.0;
        let device = dcc_proto::convert::eui64("device_id", &frame.device_id)?;
        let hub = match frame.comms_hub_id.as_str() {
            // An alert a HAN device raised on its own: the hub whose HAN it is on.
            "" => inner.hub_of_han_device(device)?,
            id => inner.hub(dcc_proto::convert::eui64("comms_hub_id", id)?)?,
        };
        let comms_hub = hub.chf;
        if !hub.han_devices.contains(&device) {
            warn!("frame from a device not on this comms hub");
            return Err(Status::not_found(format!(
                "device {device} is not on comms hub {comms_hub}"
            )));
        }
        let kind = message_kind(&frame.gbcs)?;
        inner.send_up(
            hub.region,
            DeviceMessage {
                request_id: frame.request_id,
                device_id: device.to_hex(),
                kind: kind as i32,
                gbcs: frame.gbcs,
            },
        );
        info!(?kind, "device message queued for the csp");
        Ok(())
    }
}

/// Response or alert, from the GBCS CRA flag.
fn message_kind(gbcs: &[u8]) -> Result<DeviceMessageKind, Status> {
    let envelope = gbcs::Envelope::parse(gbcs).map_err(|error| {
        Status::invalid_argument(format!("field gbcs: not a GBCS message: {error}"))
    })?;
    match envelope.header().transaction.cra {
        gbcs::Cra::Alert => Ok(DeviceMessageKind::Alert),
        gbcs::Cra::Response => Ok(DeviceMessageKind::Response),
        gbcs::Cra::Command => Err(Status::invalid_argument(
            "field gbcs: a command, not a response or alert",
        )),
    }
}
