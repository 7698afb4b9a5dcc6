//! Firmware distribution (11.1): the CSP carries an image to the Comms Hub party; each listed
//! device's hub takes it and passes it on: to its own CHF or its GPF's GSME, or over the HAN to
//! an ESME (the smart meter party). The device holds the image and a meter reports its hash
//! (8F72); for each device reached the CHF raises "firmware transfer succeeded" (8F8A,
//! CCS08) for the DCC. A device no hub here has, or one the HAN does not reach, is refused.

use dcc_model::Eui64;
use dcc_proto::han::smart_meter_han_client::SmartMeterHanClient;
use dcc_proto::han::FirmwareImage;
use dcc_proto::wan::FirmwareDistribution;
use gbcs::alert::{AlertCode, AlertDetails};
use tracing::{info, warn};

use super::{lock, CommsHubWanService, Hub, Inner, Route};

/// Firmware transfer succeeded (CCS08).
const FIRMWARE_TRANSFER_SUCCEEDED: AlertCode = AlertCode(0x8F8A);

impl CommsHubWanService {
    /// Passes the image to each listed device; returns the ids (as given) of those refused.
    pub(super) async fn distribute(&self, distribution: FirmwareDistribution) -> Vec<String> {
        let inner = &self.0;
        let version = device::firmware_version_octets(&distribution.firmware_version);
        let mut refused = Vec::new();
        for listed in &distribution.device_ids {
            let Ok(device) = listed.parse::<Eui64>() else {
                refused.push(listed.clone());
                continue;
            };
            let found = inner.hub_of_device(device);
            let Some((hub, route)) = found
                .as_ref()
                .and_then(|hub| hub.route(device).map(|route| (hub, route)))
            else {
                warn!(%device, "firmware for a device no comms hub here has");
                refused.push(listed.clone());
                continue;
            };
            let delivered = match route {
                Route::Local(cell) => {
                    let Ok(engine) = inner.engine(cell, device) else {
                        refused.push(listed.clone());
                        continue;
                    };
                    let mut engine = lock(engine);
                    engine.receive_firmware_image(
                        &distribution.image,
                        version.clone(),
                        inner.now(),
                    );
                    inner.send_alerts(hub.region, device, engine.take_alerts());
                    true
                }
                Route::Han => over_han(inner, hub, device, &distribution).await,
            };
            if !delivered {
                refused.push(listed.clone());
                continue;
            }
            info!(%device, comms_hub = %hub.chf, bytes = distribution.image.len(), "firmware image passed on");
            transfer_succeeded(inner, hub, device, &version);
        }
        refused
    }
}

/// Passes the image to a meter on the hub's HAN; whether it took it.
async fn over_han(
    inner: &Inner,
    hub: &Hub,
    device: Eui64,
    distribution: &FirmwareDistribution,
) -> bool {
    let image = FirmwareImage {
        request_id: distribution.request_id.clone(),
        comms_hub_id: hub.chf.to_hex(),
        device_id: device.to_hex(),
        firmware_version: distribution.firmware_version.clone(),
        image: distribution.image.clone(),
    };
    let mut client = SmartMeterHanClient::new(inner.smart_meters.clone());
    match client.deliver_firmware_image(image).await {
        Ok(_) => true,
        Err(status) => {
            warn!(%device, error = %status, "the meter did not take the firmware image");
            false
        }
    }
}

/// The CHF tells the DCC it transferred the image (CCS08, 8F8A).
fn transfer_succeeded(inner: &Inner, hub: &Hub, device: Eui64, version: &[u8]) {
    let Some((_, chf)) = hub.engines.iter().find(|(id, _)| *id == hub.chf) else {
        return;
    };
    let Ok(chf) = inner.engine(chf, hub.chf) else {
        return;
    };
    let mut chf = lock(chf);
    let details = AlertDetails::FirmwareTransfer {
        entity: device,
        version: version.to_vec(),
        outcome: 0,
    };
    let now = chf.local_time(inner.now());
    if let Err(refusal) = chf.raise_with(FIRMWARE_TRANSFER_SUCCEEDED, details, now) {
        warn!(%device, %refusal, "the chf could not raise its firmware transfer alert");
        return;
    }
    inner.send_alerts(hub.region, hub.chf, chf.take_alerts());
}
