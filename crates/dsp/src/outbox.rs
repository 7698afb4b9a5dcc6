//! Delivers signed responses and alerts to users' Receive Response URLs, retrying until the
//! user takes them. Every document is in the store's outbox before it is sent and leaves it
//! when the user answers 2xx, so a DSP killed and started again sends what it still owes.
//! The removal is a deferred write (`crate::store`): a DSP killed between a user's 2xx and
//! the store's next commit (at most `store::DEFERRED_WRITE_DELAY` later) sends those documents
//! again; the DUIS ResponseID lets the user recognise them.

use std::sync::Arc;
use std::time::Duration;

use dcc_proto::link::{Sequencer, Ticket};
use tokio::sync::mpsc;
use tracing::{info, warn, Instrument};

use crate::store::{Delivery, Store, StoreError};

#[derive(Debug, Clone)]
pub(crate) struct Outbox {
    sender: mpsc::UnboundedSender<(u64, Delivery, Option<Ticket>)>,
    /// The link layer's sequencer, when the DSP was built with one at hand: a document holds
    /// a ticket from being queued until the user answers its first delivery, so the layer is
    /// not quiet while a response is on its way to a user.
    sequencer: Option<Arc<Sequencer>>,
}

const FIRST_RETRY: Duration = Duration::from_millis(50);
const LONGEST_RETRY: Duration = Duration::from_secs(5);

impl Outbox {
    /// The outbox and its delivery task, which first resumes what the store still owes.
    pub fn new(
        store: Arc<Store>,
        clock: clock::Clock,
    ) -> Result<(Self, impl std::future::Future<Output = ()> + Send + 'static), StoreError> {
        let (sender, receiver) = mpsc::unbounded_channel();
        let owed = store.all_deliveries()?;
        if !owed.is_empty() {
            info!(documents = owed.len(), "resuming deliveries owed to users");
        }
        for (sequence, delivery) in owed {
            let _ = sender.send((sequence, delivery, None));
        }
        let outbox = Self {
            sender,
            sequencer: dcc_proto::link::building_sequencer(),
        };
        Ok((outbox, deliver_all(receiver, store, clock)))
    }

    /// Sends a document already queued in the store under `sequence`.
    pub fn send(&self, sequence: u64, delivery: Delivery) {
        let ticket = self.sequencer.as_ref().map(Sequencer::ticket);
        if self.sender.send((sequence, delivery, ticket)).is_err() {
            warn!("outbox closed; the dsp is shutting down");
        }
    }
}

async fn deliver_all(
    mut receiver: mpsc::UnboundedReceiver<(u64, Delivery, Option<Ticket>)>,
    store: Arc<Store>,
    clock: clock::Clock,
) {
    let client = reqwest::Client::new();
    while let Some((sequence, delivery, ticket)) = receiver.recv().await {
        let span = tracing::info_span!("dsp.deliver_response", request_id = %delivery.request_id, device_id = %delivery.device_id);
        // Each delivery retries on its own so one unreachable user does not hold up others.
        tokio::spawn(
            deliver_one(
                client.clone(),
                store.clone(),
                clock.clone(),
                sequence,
                delivery,
                ticket,
            )
            .instrument(span),
        );
    }
}

async fn deliver_one(
    client: reqwest::Client,
    store: Arc<Store>,
    clock: clock::Clock,
    sequence: u64,
    delivery: Delivery,
    mut ticket: Option<Ticket>,
) {
    let mut wait = FIRST_RETRY;
    loop {
        let outcome = client
            .post(&delivery.url)
            .header("content-type", "application/xml")
            .body(delivery.xml.clone())
            .send()
            .await;
        // The first attempt is over: what follows is retries on a timer.
        drop(ticket.take());
        match outcome {
            Ok(response) if response.status().is_success() => {
                let status = response.status().as_u16();
                info!(url = %delivery.url, status, "response delivered to user");
                let event = crate::store::AuditEvent {
                    at: clock::xml_date_time(clock.now()),
                    hop: "user".to_owned(),
                    what: format!("delivered to {}", delivery.url),
                    outcome: Some(format!("HTTP {status}")),
                };
                store.delivered_later(sequence, &delivery.request_id, event);
                return;
            }
            Ok(response) => {
                warn!(url = %delivery.url, status = response.status().as_u16(), "user refused the response; retrying")
            }
            Err(error) => warn!(url = %delivery.url, %error, "user unreachable; retrying"),
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(LONGEST_RETRY);
    }
}
