//! Delivers asynchronous responses and alerts to users' Receive Response URLs, retrying until
//! the user takes them: nothing the DSP has accepted is dropped because a user was briefly down.

use std::time::Duration;

use tokio::sync::mpsc;
use tracing::{info, warn, Instrument};

/// One signed DUIS document for one user.
#[derive(Debug, Clone)]
pub(crate) struct Delivery {
    pub url: String,
    pub xml: String,
    pub request_id: String,
    pub device_id: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Outbox {
    sender: mpsc::UnboundedSender<Delivery>,
}

const FIRST_RETRY: Duration = Duration::from_millis(50);
const LONGEST_RETRY: Duration = Duration::from_secs(5);

impl Outbox {
    pub fn new() -> (Self, impl std::future::Future<Output = ()> + Send + 'static) {
        let (sender, receiver) = mpsc::unbounded_channel();
        (Self { sender }, deliver_all(receiver))
    }

    pub fn send(&self, delivery: Delivery) {
        if self.sender.send(delivery).is_err() {
            warn!("outbox closed; the dsp is shutting down");
        }
    }
}

async fn deliver_all(mut receiver: mpsc::UnboundedReceiver<Delivery>) {
    let client = reqwest::Client::new();
    while let Some(delivery) = receiver.recv().await {
        let span = tracing::info_span!("dsp.deliver_response", request_id = %delivery.request_id, device_id = %delivery.device_id);
        // Each delivery retries on its own so one unreachable user does not hold up others.
        tokio::spawn(deliver_one(client.clone(), delivery).instrument(span));
    }
}

async fn deliver_one(client: reqwest::Client, delivery: Delivery) {
    let mut wait = FIRST_RETRY;
    loop {
        let outcome = client
            .post(&delivery.url)
            .header("content-type", "application/xml")
            .body(delivery.xml.clone())
            .send()
            .await;
        match outcome {
            Ok(response) if response.status().is_success() => {
                info!(url = %delivery.url, status = response.status().as_u16(), "response delivered to user");
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
