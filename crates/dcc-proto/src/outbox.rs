//! An outbox: messages a party has accepted and must pass on, each retried with backoff until
//! its peer takes it, so a peer that is briefly down loses nothing.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::link::{Sequencer, Ticket};
use crate::service::BackgroundTask;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tonic::{Code, Status};
use tracing::{error, info, warn, Instrument, Span};

/// The first wait before a retry; each later wait doubles, up to [`LONGEST_RETRY`].
pub const FIRST_RETRY: Duration = Duration::from_millis(50);
/// The longest wait between two attempts.
pub const LONGEST_RETRY: Duration = Duration::from_secs(5);

/// One delivery attempt: sends the message to the peer and says whether it was taken.
pub type Deliver<M> =
    Arc<dyn Fn(M) -> Pin<Box<dyn Future<Output = Result<(), Status>> + Send>> + Send + Sync>;

/// The sending side of an outbox; cheap to clone.
pub struct Outbox<M> {
    sender: mpsc::UnboundedSender<(M, Span, Option<Ticket>)>,
    /// The link layer's sequencer, when the party was built with one at hand.
    sequencer: Option<Arc<Sequencer>>,
}

impl<M> Clone for Outbox<M> {
    fn clone(&self) -> Self {
        Self {
            sender: self.sender.clone(),
            sequencer: self.sequencer.clone(),
        }
    }
}

impl<M> std::fmt::Debug for Outbox<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox").finish_non_exhaustive()
    }
}

impl<M: Clone + Send + 'static> Outbox<M> {
    /// An outbox and the background task that delivers what is put in it with `deliver`.
    /// Dropping the task stops every delivery still retrying. Built with a link layer's
    /// sequencer at hand ([`crate::link::building`]), each message holds a ticket from being
    /// queued until its first attempt is on a link.
    pub fn new(deliver: Deliver<M>) -> (Self, BackgroundTask) {
        let (sender, receiver) = mpsc::unbounded_channel();
        let outbox = Self {
            sender,
            sequencer: crate::link::building_sequencer(),
        };
        (outbox, Box::pin(deliver_all(receiver, deliver)))
    }

    /// Queues `message`; its delivery is logged in `span`.
    pub fn send(&self, message: M, span: Span) {
        let ticket = self.sequencer.as_ref().map(Sequencer::ticket);
        if self.sender.send((message, span, ticket)).is_err() {
            warn!("outbox closed: the party is shutting down");
        }
    }
}

async fn deliver_all<M: Clone + Send + 'static>(
    mut receiver: mpsc::UnboundedReceiver<(M, Span, Option<Ticket>)>,
    deliver: Deliver<M>,
) {
    let mut deliveries = JoinSet::new();
    loop {
        tokio::select! {
            queued = receiver.recv() => match queued {
                Some((message, span, ticket)) => {
                    deliveries.spawn(
                        crate::link::queued(ticket, deliver_one(message, deliver.clone()))
                            .instrument(span),
                    );
                }
                None => break,
            },
            Some(_) = deliveries.join_next(), if !deliveries.is_empty() => {}
        }
    }
    while deliveries.join_next().await.is_some() {}
}

/// Whether a refusal may go away by itself (the peer restarting, overloaded, unreachable).
pub fn is_transient(code: Code) -> bool {
    matches!(
        code,
        Code::Unavailable
            | Code::Unknown
            | Code::DeadlineExceeded
            | Code::ResourceExhausted
            | Code::Aborted
            | Code::Internal
            | Code::Cancelled
    )
}

async fn deliver_one<M: Clone>(message: M, deliver: Deliver<M>) {
    let mut wait = FIRST_RETRY;
    let mut attempt = 1u32;
    loop {
        match deliver(message.clone()).await {
            Ok(()) => {
                info!(attempt, "delivered upstream");
                return;
            }
            Err(status) if is_transient(status.code()) => {
                warn!(attempt, code = ?status.code(), error = status.message(), "peer did not take the message; retrying");
            }
            Err(status) => {
                error!(attempt, code = ?status.code(), error = status.message(), "peer refused the message for good; dropped");
                return;
            }
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(LONGEST_RETRY);
        attempt = attempt.saturating_add(1);
    }
}
