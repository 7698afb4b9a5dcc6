//! `DeviceControl` for the engines on the hubs (CHFs, GPFs and the GPFs' mirrors of their
//! GSMEs): an action's alerts go up to the CSP of the hub's region like every device message.

use dcc_model::device_control::{ActionRefusal, DeviceAction, Display};
use dcc_model::{CspRegion, Eui64};
use dcc_proto::device_actions::DeviceHost;
use dcc_proto::wan::{DeviceMessage, DeviceMessageKind};
use tracing::info;

use super::{lock, Inner, Route};

impl DeviceHost for Inner {
    fn act(&self, device: Eui64, action: &DeviceAction) -> Result<Vec<u16>, ActionRefusal> {
        let hub = self
            .hub_of_device(device)
            .ok_or(ActionRefusal::UnknownDevice(device))?;
        let Some(Route::Local(cell)) = hub.route(device) else {
            return Err(ActionRefusal::UnknownDevice(device));
        };
        let region = hub.region;
        let engine = self
            .engine(cell, device)
            .map_err(|_| ActionRefusal::UnknownDevice(device))?;
        let (raised, alerts, next_due) = {
            let mut engine = lock(engine);
            let raised = engine.act(action, self.now())?;
            (raised, engine.take_alerts(), engine.next_due())
        };
        self.send_alerts(region, device, alerts);
        // A shifted clock moves when the device's instructions fall due on the host's.
        self.watch(device, next_due);
        Ok(raised.into_iter().map(|code| code.0).collect())
    }

    fn display(&self, device: Eui64) -> Result<Display, ActionRefusal> {
        let hub = self
            .hub_of_device(device)
            .ok_or(ActionRefusal::UnknownDevice(device))?;
        let Some(Route::Local(cell)) = hub.route(device) else {
            return Err(ActionRefusal::UnknownDevice(device));
        };
        let engine = self
            .engine(cell, device)
            .map_err(|_| ActionRefusal::UnknownDevice(device))?;
        let display = lock(engine).display();
        Ok(display)
    }
}

impl Inner {
    /// Queues alerts a device on a hub raised for the CSP of `region`.
    pub(super) fn send_alerts(&self, region: CspRegion, device: Eui64, alerts: Vec<Vec<u8>>) {
        for gbcs in alerts {
            info!(%device, bytes = gbcs.len(), "alert queued for the csp");
            self.send_up(
                region,
                DeviceMessage {
                    request_id: String::new(),
                    device_id: device.to_hex(),
                    kind: DeviceMessageKind::Alert as i32,
                    gbcs,
                },
            );
        }
    }
}
