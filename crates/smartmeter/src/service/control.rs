//! `DeviceControl` for the devices on the HANs: an action's alerts go to the Comms Hub party
//! like the devices' responses (the hub whose HAN the device is on takes them).

use dcc_model::device_control::{ActionRefusal, DeviceAction, Display};
use dcc_model::Eui64;
use dcc_proto::device_actions::DeviceHost;
use dcc_proto::han::HanFrame;
use tracing::{info, info_span};

use super::Inner;

impl DeviceHost for Inner {
    fn act(&self, device: Eui64, action: &DeviceAction) -> Result<Vec<u16>, ActionRefusal> {
        let hosted = self
            .device(device)
            .ok()
            .flatten()
            .ok_or(ActionRefusal::UnknownDevice(device))?;
        let (raised, alerts, next_due) = {
            let mut engine = hosted
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let raised = engine.act(action, self.now())?;
            (raised, engine.take_alerts(), engine.next_due())
        };
        self.send_alerts(device, "", alerts);
        // A shifted clock moves when the device's instructions fall due on the host's.
        self.watch(device, next_due);
        Ok(raised.into_iter().map(|code| code.0).collect())
    }

    fn display(&self, device: Eui64) -> Result<Display, ActionRefusal> {
        let hosted = self
            .device(device)
            .ok()
            .flatten()
            .ok_or(ActionRefusal::UnknownDevice(device))?;
        let display = hosted
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .display();
        Ok(display)
    }
}

impl Inner {
    /// Queues alerts a device raised for the Comms Hub party (`comms_hub` empty: the hub whose
    /// HAN the device is on).
    pub(super) fn send_alerts(&self, device: Eui64, comms_hub: &str, alerts: Vec<Vec<u8>>) {
        for gbcs in alerts {
            info!(%device, bytes = gbcs.len(), "alert queued for the comms hub");
            let span = info_span!("smartmeter.send_alert", request_id = "", device_id = %device);
            self.outbox.send(
                HanFrame {
                    request_id: String::new(),
                    comms_hub_id: comms_hub.to_owned(),
                    device_id: device.to_hex(),
                    gbcs,
                },
                span,
            );
        }
    }
}
