//! The message log: every message that crossed a link while it was recording, in the order
//! they were sent: DUIS over HTTP between a user and the DSP, and gRPC between parties (as
//! seen by [`dcc_proto::link`]). Reports draw sequence diagrams from it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One message across one link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TracedMessage {
    /// Order of sending, from 0.
    pub sequence: u64,
    /// Time since the log started.
    pub at: Duration,
    /// The sending party (`user`, `dsp`, `csp-north`, `commshub`, `smartmeter`…).
    pub from: String,
    pub to: String,
    /// What it is, shortly: `serviceS 4.1.1 CV1`, `SendCommand`, `DeliverFrame`…
    pub label: String,
    pub request_id: String,
    pub device_id: String,
    /// How it ended: `I99`, `OK`, `UNAVAILABLE: …`.
    pub outcome: String,
    /// Whether the outcome was a failure (an E-code, a gRPC error).
    pub failed: bool,
    /// The fault injected into it, if any (`dropped`, `delayed 50 ms`, `copy 2`, `corrupted`).
    pub fault: Option<String>,
    /// The DUIS document, for HTTP hops.
    pub duis: Option<String>,
    /// The GBCS message carried, for gRPC hops that carry one.
    pub gbcs: Option<Vec<u8>>,
}

/// A shared, append-only log.
#[derive(Debug, Clone)]
pub struct MessageLog {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    started: Instant,
    next: AtomicU64,
    messages: Mutex<Vec<TracedMessage>>,
}

impl Default for MessageLog {
    fn default() -> Self {
        Self::new()
    }
}

impl MessageLog {
    pub fn new() -> Self {
        Self {
            inner: Arc::new(Inner {
                started: Instant::now(),
                next: AtomicU64::new(0),
                messages: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Takes a sequence number for a message about to be sent (so order is sending order even
    /// when the answer comes later).
    pub fn reserve(&self) -> (u64, Duration) {
        self.reserve_many(1)
    }

    /// Takes `count` consecutive sequence numbers (a duplicated call's copies), the first
    /// returned.
    pub fn reserve_many(&self, count: u64) -> (u64, Duration) {
        (
            self.inner.next.fetch_add(count, Ordering::SeqCst),
            self.inner.started.elapsed(),
        )
    }

    pub fn record(&self, message: TracedMessage) {
        self.lock().push(message);
    }

    /// Every message so far, in sequence order.
    pub fn messages(&self) -> Vec<TracedMessage> {
        let mut messages = self.lock().clone();
        messages.sort_by_key(|message| message.sequence);
        messages
    }

    /// Every message from sequence `from` on.
    pub fn since(&self, from: u64) -> Vec<TracedMessage> {
        self.messages()
            .into_iter()
            .filter(|message| message.sequence >= from)
            .collect()
    }

    /// Waits, at most `limit`, until every message whose sequence number was taken has been
    /// recorded (none is still on its way); says whether that happened.
    pub async fn settled(&self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            let recorded = self.lock().len() as u64;
            if recorded >= self.mark() {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// The next sequence number to be taken.
    pub fn mark(&self) -> u64 {
        self.inner.next.load(Ordering::SeqCst)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<TracedMessage>> {
        // A panic while holding the lock cannot leave a half-pushed message.
        self.inner
            .messages
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
