//! The party's alarm for future-dated instructions (a GSME's, whose engine the GPF hosts):
//! the engines holding one are watched; a
//! background task sleeps on the ecosystem's clock until the earliest falls due (waking too
//! when the clock moves or a command leaves a new one), then catches those devices up and
//! sends the alerts they raise (8F66) up to the CSP of their hub's region like any other.

use std::collections::HashSet;
use std::sync::Arc;

use dcc_model::Eui64;
use device::DeviceDateTime;
use time::OffsetDateTime;
use tracing::{debug, info_span, Instrument};

use super::{lock, Inner, Route};

/// The devices holding a future-dated instruction, and what wakes the task that performs
/// them.
#[derive(Debug, Default)]
pub(super) struct Watched {
    devices: std::sync::Mutex<HashSet<Eui64>>,
    changed: tokio::sync::Notify,
}

impl Inner {
    /// Watches `device` when it holds a future-dated instruction (`next_due`, after a command
    /// or an action), and has the task look again at when to wake.
    pub(super) fn watch(&self, device: Eui64, next_due: Option<DeviceDateTime>) {
        if next_due.is_none() {
            return;
        }
        self.watched
            .devices
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(device);
        self.watched.changed.notify_one();
    }

    /// Catches every watched device up to now and sends the alerts raised; stops watching the
    /// devices with nothing left pending; returns when the earliest instruction left falls
    /// due.
    fn catch_up_watched(&self) -> Option<OffsetDateTime> {
        let devices: Vec<Eui64> = self
            .watched
            .devices
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .copied()
            .collect();
        let now = self.now();
        let mut earliest: Option<OffsetDateTime> = None;
        let mut done = Vec::new();
        for device_id in devices {
            let Some(hub) = self.hub_of_device(device_id) else {
                done.push(device_id);
                continue;
            };
            let Some(Route::Local(cell)) = hub.route(device_id) else {
                done.push(device_id);
                continue;
            };
            let Ok(engine) = self.engine(cell, device_id) else {
                done.push(device_id);
                continue;
            };
            let (alerts, next) = {
                let mut device = lock(engine);
                device.catch_up(now);
                (device.take_alerts(), device.next_due())
            };
            if !alerts.is_empty() {
                debug!(%device_id, alerts = alerts.len(), "future-dated instructions performed");
            }
            self.send_alerts(hub.region, device_id, alerts);
            match next.and_then(|due| due.to_offset_date_time()) {
                Some(due) => earliest = Some(earliest.map_or(due, |known| known.min(due))),
                None => done.push(device_id),
            }
        }
        let mut watched = self
            .watched
            .devices
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for device_id in done {
            watched.remove(&device_id);
        }
        earliest
    }
}

/// The background task: performs the watched devices' future-dated instructions as the
/// clock reaches them.
pub(super) async fn perform_when_due(inner: Arc<Inner>) {
    loop {
        let changed = inner.watched.changed.notified();
        let earliest = inner.catch_up_watched();
        let clock = inner.clock.clone();
        let until_due = async {
            match earliest {
                Some(due) => clock.sleep_until(due).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = until_due => {}
            () = changed => {}
            () = inner.clock.moved() => {}
        }
    }
}

/// The task as the party mounts it, in its own span.
pub(super) fn task(inner: Arc<Inner>) -> dcc_proto::service::BackgroundTask {
    let span = info_span!("commshub.future_dated", request_id = "", device_id = "");
    Box::pin(perform_when_due(inner).instrument(span))
}
