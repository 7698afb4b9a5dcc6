//! The link between two parties: every gRPC call a party makes to a peer can pass through a
//! [`LinkLayer`], which sees each call (to record it) and decides its fate (to delay, drop,
//! duplicate or corrupt it). [`through`] puts a layer on a [`GrpcTransport`]; the layer sees
//! plain bytes and party names, never prost or tonic types.
//!
//! Calls are unary, so the whole request is buffered before the layer decides; a dropped call
//! is answered `UNAVAILABLE` without reaching the peer, as a lost connection would be.
//!
//! A layer with a [`Sequencer`] keeps the order of calls a function of its random draws, not
//! of the scheduler.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Full};
use tonic::body::Body;
use tower::ServiceExt;

use crate::transport::{GrpcTransport, TransportError};

/// A directed link: calls `from` one party `to` another, by party name (`dsp`, `csp-north`…).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Link {
    pub from: String,
    pub to: String,
}

impl Link {
    pub fn new(from: impl Into<String>, to: impl Into<String>) -> Self {
        Self {
            from: from.into(),
            to: to.into(),
        }
    }
}

impl fmt::Display for Link {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}->{}", self.from, self.to)
    }
}

/// One call on a link: the gRPC method path and the request message (protobuf, unframed).
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    pub link: &'a Link,
    /// e.g. `/dccsim.wan.v1.CommunicationsServiceProvider/SendCommand`.
    pub method: &'a str,
    pub message: &'a [u8],
}

/// What happens to a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    /// Delivered after `delay`; `copies` > 1 sends it again after the first answer (the
    /// caller gets the first answer); `corrupt` flips the lowest bit of the message's last
    /// byte (the GBCS bytes end every message that carries them).
    Deliver {
        delay: Duration,
        copies: u32,
        corrupt: bool,
    },
    /// Never reaches the peer: answered `UNAVAILABLE` with `reason` after `delay`.
    Drop { delay: Duration, reason: String },
}

impl Fate {
    /// Delivered at once, unchanged.
    pub const DELIVER: Fate = Fate::Deliver {
        delay: Duration::ZERO,
        copies: 1,
        corrupt: false,
    };

    /// How long the call waits before it goes (or is answered as lost).
    pub fn delay(&self) -> Duration {
        match self {
            Fate::Deliver { delay, .. } | Fate::Drop { delay, .. } => *delay,
        }
    }

    /// How many times the call reaches the peer.
    pub fn copies(&self) -> u32 {
        match self {
            Fate::Deliver { copies, .. } => (*copies).max(1),
            Fate::Drop { .. } => 0,
        }
    }
}

/// A call entering its link: its fate and its place in the layer's order, decided together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub fate: Fate,
    /// The first (or only) copy's place; copy `n` (from 0) takes `sequence + n`, so a
    /// duplicate's copies stand right after their original.
    pub sending: Sending,
}

impl Entry {
    /// Delivered at once, unchanged, unnumbered.
    pub const DELIVER: Entry = Entry {
        fate: Fate::DELIVER,
        sending: Sending {
            sequence: 0,
            at: Duration::ZERO,
        },
    };

    /// Where copy `copy` (from 0) stands in the layer's order.
    pub fn copy(&self, copy: u32) -> Sending {
        Sending {
            sequence: self.sending.sequence + u64::from(copy),
            at: self.sending.at,
        }
    }
}

/// How a call ended, as the caller saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The peer answered OK with `message` (protobuf, unframed).
    Answered { message: Vec<u8> },
    /// A gRPC status other than OK (`code` as gRPC numbers it), or a transport failure.
    Failed { code: i32, message: String },
}

/// Sees and steers the calls on links. Implementations live with whoever runs the parties.
pub trait LinkLayer: Send + Sync + fmt::Debug + 'static {
    /// A call enters its link: its fate, and its place in the layer's order, taken together
    /// (so the order of the layer's random draws and the order of its calls agree). With a
    /// [`Sequencer`], called under its lock.
    fn enter(&self, call: &Call<'_>) -> Entry;
    /// A call and how it ended (for a duplicate, once per copy; `copy` counts from 0), with
    /// the place [`LinkLayer::enter`] gave that copy.
    fn observe(&self, call: &Call<'_>, copy: u32, sending: Sending, fate: &Fate, outcome: &Outcome);
    /// The sequencer that orders this layer's calls; without one, calls go as they come.
    fn sequencer(&self) -> Option<&Arc<Sequencer>> {
        None
    }
}

/// Where a call stands in a [`LinkLayer`]'s order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sending {
    /// The call's place in the layer's order: the order calls entered their links.
    pub sequence: u64,
    /// When it entered, as time since the layer started counting.
    pub at: Duration,
}

tokio::task_local! {
    static QUEUED: std::cell::RefCell<Option<Ticket>>;
    static BUILDING: Option<Arc<Sequencer>>;
}

/// `delivery` is a delivery a party queued and makes on its own (an outbox's), with the
/// [`Ticket`] it took when queued, given back once its first call has entered a link. While a
/// duplicated call's copies are on their way, its calls wait before entering their link; a
/// delayed one, once its delay is over, waits until the layer is quiet (see [`Sequencer`]).
pub fn queued<F: Future>(ticket: Option<Ticket>, delivery: F) -> impl Future<Output = F::Output> {
    QUEUED.scope(std::cell::RefCell::new(ticket), delivery)
}

/// Whether the current task is making a delivery a party queued (see [`queued`]).
pub fn is_queued() -> bool {
    QUEUED.try_with(|_| ()).is_ok()
}

fn take_ticket() -> Option<Ticket> {
    QUEUED
        .try_with(|ticket| ticket.borrow_mut().take())
        .ok()
        .flatten()
}

/// Builds a party with `sequencer` at hand: its outboxes take their tickets from it
/// ([`building_sequencer`]).
pub fn building<R>(sequencer: Option<Arc<Sequencer>>, build: impl FnOnce() -> R) -> R {
    BUILDING.sync_scope(sequencer, build)
}

/// The sequencer of the layer the party being built sends through, if any.
pub fn building_sequencer() -> Option<Arc<Sequencer>> {
    BUILDING.try_with(Clone::clone).ok().flatten()
}

/// Orders the calls of a [`LinkLayer`], shared by all its links, so that the order calls enter
/// their links is the seed's, not the scheduler's:
///
/// - a call takes its fate and its place (its delay's end, then its entry) at once when it
///   enters a link;
/// - on each link a call is handed to the peer only once every call before it that must go
///   first (any, for a delayed call; the delayed ones, for another) has been answered, so a
///   reorder's overtaking follows the drawn delays;
/// - a delivery a party queued ([`queued`]: an outbox's, the DSP's to users) holds a
///   [`Ticket`] from being queued until it is on a link (the DSP's, until the user answers);
///   it enters only when no duplicated call's copies are on their way, so what a copy causes
///   (a replay refused) comes before what the original set going; delayed, it goes once its
///   delay is over and nothing is held or going, the one due first first;
/// - [`Sequencer::quiet`] tells a driver (the scenario runner, between steps) when all that
///   is left is calls asleep in their delays and the calls waiting for them.
///
/// What stays the scheduler's is a race against a delay itself: work that outlasts a drawn
/// delay (a machine too slow for the fault) can come after the delayed call instead of before.
#[derive(Debug, Default)]
pub struct Sequencer {
    state: Mutex<SequencerState>,
    changed: tokio::sync::Notify,
}

#[derive(Debug, Default)]
struct SequencerState {
    /// Calls entered, for the order of calls whose delays end together.
    entered: u64,
    /// Duplicated calls whose last copy is not answered yet.
    duplicates: usize,
    /// Tickets held: deliveries queued and not yet on a link.
    tickets: usize,
    /// Per link, the calls entered and not yet answered, by place.
    pending: BTreeMap<Link, BTreeMap<Place, Pending>>,
}

/// When a call's delay ends, then when it entered.
type Place = (tokio::time::Instant, u64);

#[derive(Debug, Clone, Copy)]
struct Pending {
    delayed: bool,
    /// A delayed delivery a party queued, which goes when the layer is quiet.
    waits_for_quiet: bool,
    /// Handed to the peer (or answered as lost): past its wait.
    going: bool,
}

impl SequencerState {
    fn all_pending(&self) -> impl Iterator<Item = (&Place, &Pending)> {
        self.pending.values().flatten()
    }

    /// Nothing is queued and not yet on a link, and every call entered is asleep in its delay
    /// or, going, may be waiting for one that is (a call asleep entered after it: a call
    /// enters before those made to answer it).
    fn quiet(&self, now: tokio::time::Instant) -> bool {
        let asleep = |place: &Place| place.0 > now;
        let last_asleep = self
            .all_pending()
            .filter(|(place, _)| asleep(place))
            .map(|(place, _)| place.1)
            .max();
        self.tickets == 0
            && self.all_pending().all(|(place, pending)| {
                asleep(place) || (pending.going && last_asleep.is_some_and(|last| last > place.1))
            })
    }

    /// Whether the delayed queued delivery at `place`, its delay over, may go: nothing is
    /// queued and not yet on a link, nothing is going, and no call whose delay is over comes
    /// before it.
    fn quiet_for(&self, place: Place, now: tokio::time::Instant) -> bool {
        self.tickets == 0
            && self
                .all_pending()
                .all(|(other, pending)| !pending.going && (other.0 > now || *other >= place))
    }
}

impl Sequencer {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SequencerState> {
        // Every change is made whole under the lock: a panicking holder leaves it consistent.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A ticket for a delivery being queued now (see [`queued`]).
    pub fn ticket(self: &Arc<Self>) -> Ticket {
        self.lock().tickets += 1;
        Ticket {
            sequencer: self.clone(),
            held: true,
        }
    }

    /// Waits, at most `limit`, until the layer is quiet: nothing is on its way but calls asleep
    /// in their delays and those waiting for them; says whether it was.
    pub async fn quiet(&self, limit: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let now = tokio::time::Instant::now();
            if self.lock().quiet(now) {
                return true;
            }
            if now >= deadline {
                return false;
            }
            // A call's delay ending changes nothing the sequencer hears of: look again soon.
            let soon = (now + Duration::from_millis(5)).min(deadline);
            let _ = tokio::time::timeout_at(soon, changed).await;
        }
    }

    /// Lets a call enter `link` (a queued one once no duplicate is on its way), taking its
    /// entry from `enter` under the lock, and the current task's ticket back.
    pub async fn enter(
        &self,
        link: &Link,
        queued: Queued,
        enter: impl FnOnce() -> Entry,
    ) -> (Entry, Turn<'_>) {
        let mut enter = Some(enter);
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            {
                let mut state = self.lock();
                if !(queued.duplicate && state.duplicates > 0) {
                    let entry = match enter.take() {
                        Some(enter) => enter(),
                        None => Entry::DELIVER,
                    };
                    if let Some(mut ticket) = take_ticket() {
                        ticket.held = false;
                        state.tickets = state.tickets.saturating_sub(1);
                    }
                    let delay = entry.fate.delay();
                    let place = (tokio::time::Instant::now() + delay, state.entered);
                    state.entered += 1;
                    let duplicated = entry.fate.copies() > 1;
                    if duplicated {
                        state.duplicates += 1;
                    }
                    let pending = Pending {
                        delayed: !delay.is_zero(),
                        waits_for_quiet: queued.quiet && !delay.is_zero(),
                        going: false,
                    };
                    state
                        .pending
                        .entry(link.clone())
                        .or_default()
                        .insert(place, pending);
                    let turn = Turn {
                        sequencer: self,
                        link: link.clone(),
                        place,
                        duplicated,
                    };
                    return (entry, turn);
                }
            }
            changed.await;
        }
    }

    /// Marks the call at `place` going if nothing it waits for is left; says whether it is.
    fn go(&self, link: &Link, place: Place) -> bool {
        let mut state = self.lock();
        let Some(pending) = state
            .pending
            .get(link)
            .and_then(|pending| pending.get(&place).copied())
        else {
            return true;
        };
        let behind = state.pending.get(link).is_some_and(|on_link| {
            on_link
                .range(..place)
                .any(|(_, before)| before.delayed || pending.delayed)
        });
        if behind {
            return false;
        }
        if pending.waits_for_quiet && !state.quiet_for(place, tokio::time::Instant::now()) {
            return false;
        }
        if let Some(pending) = state
            .pending
            .get_mut(link)
            .and_then(|pending| pending.get_mut(&place))
        {
            pending.going = true;
        }
        true
    }
}

/// What waits a call's party queued it for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Queued {
    /// Enters only when no duplicate is on its way.
    pub duplicate: bool,
    /// Delayed, goes only when the layer is quiet.
    pub quiet: bool,
}

impl Queued {
    /// A call made as part of answering another, or by a person: waits for nothing.
    pub const NOT: Queued = Queued {
        duplicate: false,
        quiet: false,
    };
    /// A delivery a party queued ([`queued`]).
    pub const DELIVERY: Queued = Queued {
        duplicate: true,
        quiet: true,
    };
}

/// A delivery queued and not yet on a link, counted by a [`Sequencer`]; dropping it gives it
/// back.
#[derive(Debug)]
pub struct Ticket {
    sequencer: Arc<Sequencer>,
    held: bool,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if self.held {
            {
                let mut state = self.sequencer.lock();
                state.tickets = state.tickets.saturating_sub(1);
            }
            self.sequencer.changed.notify_waiters();
        }
    }
}

/// A call's place on its link from entering until answered (or given up: dropping it
/// leaves the place).
#[derive(Debug)]
pub struct Turn<'a> {
    sequencer: &'a Sequencer,
    link: Link,
    place: Place,
    duplicated: bool,
}

impl Turn<'_> {
    /// Waits until the call's delay has passed and its turn has come (see [`Sequencer`]).
    pub async fn wait(&self) {
        tokio::time::sleep_until(self.place.0).await;
        loop {
            let changed = self.sequencer.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if self.sequencer.go(&self.link, self.place) {
                return;
            }
            changed.await;
        }
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        {
            let mut state = self.sequencer.lock();
            if let Some(pending) = state.pending.get_mut(&self.link) {
                pending.remove(&self.place);
                if pending.is_empty() {
                    state.pending.remove(&self.link);
                }
            }
            if self.duplicated {
                state.duplicates = state.duplicates.saturating_sub(1);
            }
        }
        self.sequencer.changed.notify_waiters();
    }
}

/// gRPC status code UNAVAILABLE.
pub const UNAVAILABLE: i32 = 14;

/// `transport` with every call passing through `layer` as a call on `link`.
pub fn through(layer: Arc<dyn LinkLayer>, link: Link, transport: GrpcTransport) -> GrpcTransport {
    let link = Arc::new(link);
    let service = tower::service_fn(move |request: http::Request<Body>| {
        let layer = layer.clone();
        let link = link.clone();
        let transport = transport.clone();
        async move { carry(layer, &link, transport, request).await }
    });
    tower::util::BoxCloneSyncService::new(service)
}

async fn carry(
    layer: Arc<dyn LinkLayer>,
    link: &Link,
    transport: GrpcTransport,
    request: http::Request<Body>,
) -> Result<http::Response<Body>, TransportError> {
    let (parts, body) = request.into_parts();
    let framed = body
        .collect()
        .await
        .map_err(TransportError::new)?
        .to_bytes();
    let method = parts.uri.path().to_owned();
    let message = unframe(&framed).to_vec();
    let call = Call {
        link,
        method: &method,
        message: &message,
    };
    let (entry, turn) = match layer.sequencer() {
        Some(sequencer) => {
            let (entry, turn) = sequencer
                .enter(
                    link,
                    match is_queued() {
                        true => Queued::DELIVERY,
                        false => Queued::NOT,
                    },
                    || layer.enter(&call),
                )
                .await;
            turn.wait().await;
            (entry, Some(turn))
        }
        None => {
            let entry = layer.enter(&call);
            tokio::time::sleep(entry.fate.delay()).await;
            (entry, None)
        }
    };
    let fate = &entry.fate;
    let answer = match fate {
        Fate::Drop { reason, .. } => {
            let outcome = Outcome::Failed {
                code: UNAVAILABLE,
                message: reason.clone(),
            };
            layer.observe(&call, 0, entry.copy(0), fate, &outcome);
            Ok(status_response(UNAVAILABLE, reason))
        }
        Fate::Deliver { corrupt, .. } => {
            let sent = match corrupt {
                true => corrupted(&framed),
                false => framed.clone(),
            };
            let mut first = None;
            for copy in 0..fate.copies() {
                let request =
                    http::Request::from_parts(parts.clone(), Body::new(Full::new(sent.clone())));
                let (response, outcome) = exchange(transport.clone(), request).await;
                layer.observe(&call, copy, entry.copy(copy), fate, &outcome);
                if first.is_none() {
                    first = Some(response);
                }
            }
            first.unwrap_or_else(|| Ok(status_response(UNAVAILABLE, "no copy was sent")))
        }
    };
    drop(turn);
    answer
}

/// Sends one request and reads the whole answer, so its status can be observed.
async fn exchange(
    transport: GrpcTransport,
    request: http::Request<Body>,
) -> (Result<http::Response<Body>, TransportError>, Outcome) {
    let response = match transport.oneshot(request).await {
        Ok(response) => response,
        Err(error) => {
            let outcome = Outcome::Failed {
                code: UNAVAILABLE,
                message: error.to_string(),
            };
            return (Err(error), outcome);
        }
    };
    let (parts, body) = response.into_parts();
    let collected = match body.collect().await {
        Ok(collected) => collected,
        Err(status) => {
            let outcome = Outcome::Failed {
                code: UNAVAILABLE,
                message: status.to_string(),
            };
            return (Err(TransportError::new(status)), outcome);
        }
    };
    let status = grpc_status(&parts.headers).or_else(|| collected.trailers().and_then(grpc_status));
    let outcome = match &status {
        Some((0, _)) | None => Outcome::Answered {
            message: Vec::new(),
        },
        Some((code, message)) => Outcome::Failed {
            code: *code,
            message: message.clone(),
        },
    };
    let data = collected.to_bytes();
    let outcome = match outcome {
        Outcome::Answered { .. } => Outcome::Answered {
            message: unframe(&data).to_vec(),
        },
        failed => failed,
    };
    let trailers = trailers_to_pass_on(&parts.headers, status);
    let body = Full::new(data).with_trailers(async move { trailers.map(Ok) });
    (
        Ok(http::Response::from_parts(parts, Body::new(body))),
        outcome,
    )
}

/// The trailers to hand on: the status again, unless it came in the headers (trailers-only).
fn trailers_to_pass_on(
    headers: &http::HeaderMap,
    status: Option<(i32, String)>,
) -> Option<http::HeaderMap> {
    if grpc_status(headers).is_some() {
        return None;
    }
    let (code, message) = status?;
    let mut trailers = http::HeaderMap::new();
    trailers.insert("grpc-status", http::HeaderValue::from(code));
    if let Ok(value) = http::HeaderValue::from_str(&percent_encode(&message)) {
        trailers.insert("grpc-message", value);
    }
    Some(trailers)
}

fn grpc_status(headers: &http::HeaderMap) -> Option<(i32, String)> {
    let code = headers.get("grpc-status")?.to_str().ok()?.parse().ok()?;
    let message = headers
        .get("grpc-message")
        .and_then(|value| value.to_str().ok())
        .map(percent_decode)
        .unwrap_or_default();
    Some((code, message))
}

/// A trailers-only gRPC answer with `code` and `message`.
fn status_response(code: i32, message: &str) -> http::Response<Body> {
    let mut response = http::Response::new(Body::empty());
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/grpc"),
    );
    headers.insert("grpc-status", http::HeaderValue::from(code));
    if let Ok(value) = http::HeaderValue::from_str(&percent_encode(message)) {
        headers.insert("grpc-message", value);
    }
    response
}

/// The message of a single-frame gRPC body (5-byte prefix: flag, big-endian length).
fn unframe(framed: &[u8]) -> &[u8] {
    let Some(length) = framed.get(1..5) else {
        return &[];
    };
    let length = u32::from_be_bytes([length[0], length[1], length[2], length[3]]) as usize;
    framed.get(5..5 + length).unwrap_or(&framed[5..])
}

fn corrupted(framed: &Bytes) -> Bytes {
    let mut bytes = BytesMut::from(framed.as_ref());
    if bytes.len() > 5 {
        let last = bytes.len() - 1;
        bytes[last] ^= 0x01;
    }
    bytes.freeze()
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            0x20..=0x7E if byte != b'%' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let decoded = (bytes[index] == b'%')
            .then(|| text.get(index + 1..index + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match decoded {
            Some(byte) => {
                out.push(byte);
                index += 3;
            }
            None => {
                out.push(bytes[index]);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What a call's message carries, for people: the DUIS RequestID, the device, the GBCS bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallContent {
    pub request_id: String,
    pub device_id: String,
    /// The GBCS message the call carries, if any.
    pub gbcs: Option<Vec<u8>>,
    /// `response` or `alert` for device messages.
    pub kind: Option<&'static str>,
}

/// Reads the messages that carry GBCS (commands, device messages, HAN frames); other calls
/// (SMKI, registration data, health) give an empty [`CallContent`].
pub fn call_content(method: &str, message: &[u8]) -> CallContent {
    use prost::Message;
    let rpc = method.rsplit('/').next().unwrap_or_default();
    match rpc {
        "SendCommand" | "DeliverCommand" => crate::wan::WanCommand::decode(message)
            .map(|command| CallContent {
                request_id: command.request_id,
                device_id: command.device_id,
                gbcs: Some(command.gbcs),
                kind: None,
            })
            .unwrap_or_default(),
        "DeliverDeviceMessage" => crate::wan::DeviceMessage::decode(message)
            .map(|device_message| CallContent {
                request_id: device_message.request_id,
                device_id: device_message.device_id,
                kind: Some(
                    match crate::wan::DeviceMessageKind::try_from(device_message.kind) {
                        Ok(crate::wan::DeviceMessageKind::Alert) => "alert",
                        _ => "response",
                    },
                ),
                gbcs: Some(device_message.gbcs),
            })
            .unwrap_or_default(),
        "DeliverFrame" => crate::han::HanFrame::decode(message)
            .map(|frame| CallContent {
                request_id: frame.request_id,
                device_id: frame.device_id,
                gbcs: Some(frame.gbcs),
                kind: None,
            })
            .unwrap_or_default(),
        _ => CallContent::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delayed(delay_ms: u64, copies: u32) -> Entry {
        Entry {
            fate: Fate::Deliver {
                delay: Duration::from_millis(delay_ms),
                copies,
                corrupt: false,
            },
            sending: Sending::default(),
        }
    }

    type Events = Arc<Mutex<Vec<String>>>;

    /// A call `name` entering a link delayed `delay_ms` and sent `copies` times: it notes
    /// when it goes and when it is answered, `exchange_ms` later.
    fn call(
        sequencer: &Arc<Sequencer>,
        events: &Events,
        name: &'static str,
        (delay_ms, copies): (u64, u32),
        queued: Queued,
        exchange_ms: u64,
    ) -> tokio::task::JoinHandle<()> {
        let (sequencer, events) = (sequencer.clone(), events.clone());
        tokio::spawn(async move {
            let link = Link::new("csp-north", "dsp");
            let entry = delayed(delay_ms, copies);
            let (_, turn) = sequencer.enter(&link, queued, || entry).await;
            turn.wait().await;
            events.lock().unwrap().push(format!("{name} goes"));
            tokio::time::sleep(Duration::from_millis(exchange_ms)).await;
            events.lock().unwrap().push(format!("{name} answered"));
        })
    }

    /// What the calls noted, once all are answered.
    async fn noted(events: &Events, calls: Vec<tokio::task::JoinHandle<()>>) -> Vec<String> {
        for call in calls {
            call.await.unwrap();
        }
        let noted = events.lock().unwrap().clone();
        noted
    }

    #[tokio::test(start_paused = true)]
    async fn delayed_calls_go_as_their_delays_end_each_once_the_one_before_is_answered() {
        let sequencer = Arc::new(Sequencer::new());
        let events = Events::default();
        // Entered in this order: a's delay ends last, b's first; c's ends 1 ms after a's but
        // a's answer takes far longer, so c waits for it.
        let a = call(&sequencer, &events, "a", (300, 1), Queued::NOT, 500);
        tokio::task::yield_now().await;
        let b = call(&sequencer, &events, "b", (100, 1), Queued::NOT, 500);
        tokio::task::yield_now().await;
        let c = call(&sequencer, &events, "c", (301, 1), Queued::NOT, 0);
        let one_by_one: Vec<String> = ["b", "a", "c"]
            .iter()
            .flat_map(|name| [format!("{name} goes"), format!("{name} answered")])
            .collect();
        assert_eq!(noted(&events, vec![a, b, c]).await, one_by_one);
    }

    #[tokio::test(start_paused = true)]
    async fn queued_deliveries_wait_for_a_duplicate_and_delayed_ones_for_quiet() {
        let sequencer = Arc::new(Sequencer::new());
        let events = Events::default();
        let duplicate = call(&sequencer, &events, "dup", (0, 2), Queued::NOT, 200);
        tokio::task::yield_now().await;
        let queued = call(&sequencer, &events, "queued", (0, 1), Queued::DELIVERY, 0);
        // A delayed delivery, due while a ticket is held: it goes only once the ticket is back.
        let ticket = sequencer.ticket();
        let later = call(&sequencer, &events, "later", (300, 1), Queued::DELIVERY, 0);
        let held = sequencer.quiet(Duration::from_millis(400)).await;
        assert!(!held, "a ticket is held");
        events.lock().unwrap().push("ticket back".to_owned());
        drop(ticket);
        let order = [
            "dup goes",
            "dup answered",
            "queued goes",
            "queued answered",
            "ticket back",
            "later goes",
            "later answered",
        ];
        assert_eq!(noted(&events, vec![duplicate, queued, later]).await, order);
        assert!(sequencer.quiet(Duration::ZERO).await);
    }

    #[tokio::test(start_paused = true)]
    async fn the_layer_is_quiet_when_what_goes_may_wait_for_a_call_asleep() {
        let sequencer = Sequencer::new();
        let quiet = || sequencer.quiet(Duration::ZERO);
        let up = Link::new("commshub", "csp-north");
        let (_, caller) = sequencer.enter(&up, Queued::NOT, || Entry::DELIVER).await;
        caller.wait().await;
        assert!(!quiet().await, "a call is going");
        let forward = Link::new("csp-north", "dsp");
        let (_, asleep) = sequencer
            .enter(&forward, Queued::NOT, || delayed(300, 1))
            .await;
        assert!(
            quiet().await,
            "the call going may be waiting for the one asleep"
        );
        let (_, other) = sequencer
            .enter(&Link::new("dsp", "tsp"), Queued::NOT, || Entry::DELIVER)
            .await;
        other.wait().await;
        assert!(!quiet().await, "a call entered since is going");
        drop(other);
        assert!(quiet().await);
        drop(asleep);
        assert!(!quiet().await, "nothing asleep is left to wait for");
        drop(caller);
        assert!(quiet().await);
    }

    #[test]
    fn grpc_messages_round_trip_through_percent_encoding() {
        let text = "meter 00DB over the HAN: 100% refused\n";
        assert_eq!(percent_decode(&percent_encode(text)), text);
    }

    #[test]
    fn a_frame_yields_its_message_and_corruption_flips_the_last_byte() {
        let framed = Bytes::from_static(&[0, 0, 0, 0, 3, 0xAA, 0xBB, 0xCC]);
        assert_eq!(unframe(&framed), &[0xAA, 0xBB, 0xCC]);
        assert_eq!(unframe(&corrupted(&framed)), &[0xAA, 0xBB, 0xCD]);
        assert_eq!(unframe(&[1, 2]), &[] as &[u8]);
    }

    #[test]
    fn call_content_reads_commands_and_device_messages() {
        use prost::Message;
        let command = crate::wan::WanCommand {
            request_id: "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:7".into(),
            comms_hub_id: "00DB1234567890A2".into(),
            device_id: "00DB1234567890A0".into(),
            gbcs: vec![0xDD, 0x00],
        };
        let content = call_content(
            "/dccsim.wan.v1.CommunicationsServiceProvider/SendCommand",
            &command.encode_to_vec(),
        );
        assert_eq!(content.device_id, "00DB1234567890A0");
        assert_eq!(content.gbcs.as_deref(), Some(&[0xDD, 0x00][..]));
        let alert = crate::wan::DeviceMessage {
            request_id: String::new(),
            device_id: "00DB1234567890A0".into(),
            kind: crate::wan::DeviceMessageKind::Alert as i32,
            gbcs: vec![1],
        };
        let content = call_content(
            "/dccsim.wan.v1.DataServiceProviderUpstream/DeliverDeviceMessage",
            &alert.encode_to_vec(),
        );
        assert_eq!(content.kind, Some("alert"));
        assert_eq!(
            call_content("/grpc.health.v1.Health/Check", &[]),
            CallContent::default()
        );
    }
}
