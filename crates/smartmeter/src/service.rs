//! The smart meter party: serves `SmartMeterHan` for every HAN device it hosts and sends their
//! responses up to the Comms Hubs through an outbox.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use dcc_model::Eui64;
use dcc_proto::han::comms_hub_han_upstream_client::CommsHubHanUpstreamClient;
use dcc_proto::han::smart_meter_han_server::{SmartMeterHan, SmartMeterHanServer};
use dcc_proto::han::{FirmwareImage, FirmwareImageAccepted, HanFrame, HanFrameAccepted};
use dcc_proto::service::MountedService;
use dcc_proto::transport::GrpcTransport;
use tonic::{Request, Response, Status};
use tracing::{info, info_span, warn, Instrument};

use dcc_proto::outbox::{Deliver, Outbox};
use device::{Device, DeviceConfig, DeviceConfigError, DeviceDateTime};

mod control;
mod future_dated;

/// The party name `dccsim serve` uses for the smart meters.
pub const PARTY_NAME: &str = "smartmeter";

/// The devices the party hosts: those the Comms Hubs reach over their HANs (ESMEs, PPMIDs,
/// HCALCSs).
#[derive(Debug, Clone, Default)]
pub struct SmartMeterConfig {
    pub devices: Vec<DeviceConfig>,
    /// Devices made when first addressed (a generated fleet's), so that an idle one costs
    /// nothing.
    pub on_demand: Option<Arc<dyn DeviceSource>>,
}

/// Describes, from a device id alone, the devices a smart meter party makes on first contact.
pub trait DeviceSource: Send + Sync + std::fmt::Debug {
    /// The configuration of `device`, if this source makes it (`None`: not one of its
    /// devices).
    fn device(&self, device: Eui64) -> Option<Result<DeviceConfig, String>>;
}

/// A device engine behind its own lock.
type Hosted = Arc<Mutex<Device>>;

/// The parties the smart meters talk to.
#[derive(Debug, Clone)]
pub struct SmartMeterPeers {
    /// The Comms Hub party (`CommsHubHanUpstream`), where responses go.
    pub comms_hubs: GrpcTransport,
}

/// Builds the smart meter party; its devices tell the date-time of `clock` (the ecosystem's:
/// the system clock, or a virtual one a test moves), each adding the drift of its own.
pub fn new(
    config: SmartMeterConfig,
    peers: SmartMeterPeers,
    clock: clock::Clock,
) -> Result<MountedService, DeviceConfigError> {
    let shared_secrets = gbcs::SharedSecretCache::new();
    let devices = build_devices(&config.devices, &shared_secrets)?;
    let upstream = peers.comms_hubs;
    let deliver: Deliver<HanFrame> = Arc::new(move |frame| {
        let mut client = CommsHubHanUpstreamClient::new(upstream.clone());
        Box::pin(async move { client.deliver_frame(frame).await.map(|_| ()) })
    });
    let (outbox, task) = Outbox::new(deliver);
    let inner = Arc::new(Inner {
        devices,
        made: Mutex::new(HashMap::new()),
        on_demand: config.on_demand,
        shared_secrets,
        clock,
        outbox,
        watched: future_dated::Watched::default(),
    });
    let service = SmartMeterHanService(inner.clone());
    let future_dated = future_dated::task(inner.clone());
    Ok(MountedService {
        name: PARTY_NAME.to_owned(),
        routes: tonic::service::Routes::new(SmartMeterHanServer::new(service))
            .add_service(dcc_proto::device_actions::server(inner)),
        grpc_service_names: vec![
            <SmartMeterHanServer<SmartMeterHanService> as tonic::server::NamedService>::NAME,
            dcc_proto::device_actions::SERVICE_NAME,
        ],
        tasks: vec![task, future_dated],
    })
}

/// Devices by id, each behind its own lock; refuses a device configured twice.
pub(crate) fn build_devices(
    configs: &[DeviceConfig],
    cache: &gbcs::SharedSecretCache,
) -> Result<HashMap<Eui64, Hosted>, DeviceConfigError> {
    let mut devices = HashMap::new();
    for config in configs {
        let device = Device::new(config)?.with_shared_secret_cache(cache.clone());
        if devices
            .insert(config.device_id, Arc::new(Mutex::new(device)))
            .is_some()
        {
            return Err(DeviceConfigError::Duplicate(config.device_id));
        }
    }
    Ok(devices)
}

#[derive(Debug)]
struct Inner {
    /// The devices built at start.
    devices: HashMap<Eui64, Hosted>,
    /// The devices made on first contact.
    made: Mutex<HashMap<Eui64, Hosted>>,
    on_demand: Option<Arc<dyn DeviceSource>>,
    shared_secrets: gbcs::SharedSecretCache,
    clock: clock::Clock,
    outbox: Outbox<HanFrame>,
    /// The devices holding future-dated instructions, for the task that performs them.
    watched: future_dated::Watched,
}

impl Inner {
    /// The date-time the party tells its devices: the ecosystem's clock (each device adds the
    /// drift of its own).
    fn now(&self) -> DeviceDateTime {
        DeviceDateTime::from_offset_date_time(self.clock.now())
    }

    /// The device `device_id`: built at start, made before, or made now from the source;
    /// `Ok(None)` when the party hosts no such device.
    fn device(&self, device_id: Eui64) -> Result<Option<Hosted>, Status> {
        if let Some(device) = self.devices.get(&device_id) {
            return Ok(Some(device.clone()));
        }
        let made = || {
            self.made
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        if let Some(device) = made().get(&device_id) {
            return Ok(Some(device.clone()));
        }
        let Some(config) = self
            .on_demand
            .as_ref()
            .and_then(|source| source.device(device_id))
        else {
            return Ok(None);
        };
        let device = config
            .and_then(|config| Device::new(&config).map_err(|error| error.to_string()))
            .map_err(|error| {
                warn!(%device_id, %error, "cannot make the device");
                Status::internal(format!("cannot make device {device_id}: {error}"))
            })?
            .with_shared_secret_cache(self.shared_secrets.clone());
        info!(%device_id, "device made on first contact");
        // Another request may have made it meanwhile: the first one kept is the device.
        Ok(Some(
            made()
                .entry(device_id)
                .or_insert_with(|| Arc::new(Mutex::new(device)))
                .clone(),
        ))
    }
}

/// The `SmartMeterHan` service of the party.
#[derive(Debug, Clone)]
pub struct SmartMeterHanService(Arc<Inner>);

#[tonic::async_trait]
impl SmartMeterHan for SmartMeterHanService {
    async fn deliver_frame(
        &self,
        request: Request<HanFrame>,
    ) -> Result<Response<HanFrameAccepted>, Status> {
        let frame = request.into_inner();
        let span = info_span!("smartmeter.deliver_frame", request_id = %frame.request_id, device_id = %frame.device_id);
        self.accept(frame).instrument(span).await?;
        Ok(Response::new(HanFrameAccepted {}))
    }

    /// A firmware image from the meter's Comms Hub: the meter holds it and reports its hash.
    async fn deliver_firmware_image(
        &self,
        request: Request<FirmwareImage>,
    ) -> Result<Response<FirmwareImageAccepted>, Status> {
        let image = request.into_inner();
        let span = info_span!("smartmeter.deliver_firmware_image", request_id = %image.request_id, device_id = %image.device_id);
        let _entered = span.enter();
        let device_id = dcc_proto::convert::eui64("device_id", &image.device_id)?;
        let Some(device) = self.0.device(device_id)? else {
            warn!("no such device on this HAN");
            return Err(Status::not_found(format!("no HAN device {device_id} here")));
        };
        let version = device::firmware_version_octets(&image.firmware_version);
        let now = self.0.now();
        let alerts = {
            let mut device = device
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            device.receive_firmware_image(&image.image, version, now);
            device.take_alerts()
        };
        info!(bytes = image.image.len(), "firmware image held");
        self.0.send_alerts(device_id, &image.comms_hub_id, alerts);
        Ok(Response::new(FirmwareImageAccepted {}))
    }
}

impl SmartMeterHanService {
    async fn accept(&self, frame: HanFrame) -> Result<(), Status> {
        let device_id = dcc_proto::convert::eui64("device_id", &frame.device_id)?;
        let Some(device) = self.0.device(device_id)? else {
            warn!("no such device on this HAN");
            return Err(Status::not_found(format!("no HAN device {device_id} here")));
        };
        let now = self.0.now();
        let (outcome, alerts, next_due) = {
            let mut device = device
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            (
                device.handle_command(&frame.gbcs, now),
                device.take_alerts(),
                device.next_due(),
            )
        };
        self.0.watch(device_id, next_due);
        let response = match outcome {
            Ok(response) => response,
            Err(error) => {
                // What fell due before the command still happened.
                self.0.send_alerts(device_id, &frame.comms_hub_id, alerts);
                warn!(%error, "command refused");
                return Err(dcc_proto::convert::device_refusal(error.kind(), &error));
            }
        };
        info!(bytes = response.len(), "command executed; response queued");
        let span = info_span!("smartmeter.send_response", request_id = %frame.request_id, device_id = %frame.device_id);
        self.0.outbox.send(
            HanFrame {
                request_id: frame.request_id,
                comms_hub_id: frame.comms_hub_id.clone(),
                device_id: device_id.to_hex(),
                gbcs: response,
            },
            span,
        );
        self.0.send_alerts(device_id, &frame.comms_hub_id, alerts);
        Ok(())
    }
}
