//! The party's alarm for future-dated instructions (a GSME's, whose engine the GPF hosts):
//! the engines holding one are watched (`clock::Alarm`); a background task sleeps on the
//! ecosystem's clock until the earliest falls due (waking too when the clock moves or a
//! command leaves a new one), then catches those devices up and sends the alerts they raise
//! (8F66) up to the CSP of their hub's region like any other.

use std::sync::Arc;

use dcc_model::Eui64;
use device::DeviceDateTime;
use time::OffsetDateTime;
use tracing::{debug, info_span, Instrument};

use super::{lock, Inner, Route};

/// The devices holding a future-dated instruction.
pub(super) type Watched = clock::Alarm<Eui64>;

impl Inner {
    /// Watches `device` when it holds a future-dated instruction (`next_due`, after a command
    /// or an action), and has the task look again at when to wake.
    pub(super) fn watch(&self, device: Eui64, next_due: Option<DeviceDateTime>) {
        if let Some(due) = next_due.and_then(|due| due.to_offset_date_time()) {
            self.watched.set(device, due);
        }
    }

    /// Catches `device_id` up to now and sends the alerts it raises; when its next
    /// instruction falls due (`None`: nothing left pending, or no such device here).
    fn catch_up(&self, device_id: Eui64) -> Option<OffsetDateTime> {
        let hub = self.hub_of_device(device_id)?;
        let Some(Route::Local(cell)) = hub.route(device_id) else {
            return None;
        };
        let engine = self.engine(cell, device_id).ok()?;
        let (alerts, next) = lock(engine).ring(self.now());
        if !alerts.is_empty() {
            debug!(%device_id, alerts = alerts.len(), "future-dated instructions performed");
        }
        self.send_alerts(hub.region, device_id, alerts);
        next.and_then(|due| due.to_offset_date_time())
    }
}

/// The task as the party mounts it, in its own span: performs the watched devices'
/// future-dated instructions as the clock reaches them.
pub(super) fn task(inner: Arc<Inner>) -> dcc_proto::service::BackgroundTask {
    let span = info_span!("commshub.future_dated", request_id = "", device_id = "");
    Box::pin(
        async move {
            inner
                .watched
                .run(&inner.clock, |device_id| inner.catch_up(device_id))
                .await;
        }
        .instrument(span),
    )
}
