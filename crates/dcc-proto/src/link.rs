//! The link between two parties: every gRPC call a party makes to a peer can pass through a
//! [`LinkLayer`], which sees each call (to record it) and decides its fate (to delay, drop,
//! duplicate or corrupt it). [`through`] puts a layer on a [`GrpcTransport`]; the layer sees
//! plain bytes and party names, never prost or tonic types.
//!
//! Calls are unary, so the whole request is buffered before the layer decides; a dropped call
//! is answered `UNAVAILABLE` without reaching the peer, as a lost connection would be.

use std::fmt;
use std::sync::Arc;
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
    /// The fate of a call about to be made.
    fn fate(&self, call: &Call<'_>) -> Fate;
    /// A call (or one copy of it) is being put on the link now, after any delay: what the
    /// layer hands back comes again to [`LinkLayer::observe`], so an observer can order
    /// calls by when they were sent rather than when they ended.
    fn sending(&self, _call: &Call<'_>) -> Sending {
        Sending::default()
    }
    /// A call and how it ended (for a duplicate, once per copy; `copy` counts from 0).
    fn observe(&self, call: &Call<'_>, copy: u32, sending: Sending, fate: &Fate, outcome: &Outcome);
}

/// When a call was put on its link, as the [`LinkLayer`] counted it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sending {
    /// The call's place in the layer's order of sending.
    pub sequence: u64,
    /// Time since the layer started counting.
    pub at: Duration,
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
        .map_err(|status| TransportError::new(status))?
        .to_bytes();
    let method = parts.uri.path().to_owned();
    let message = unframe(&framed).to_vec();
    let call = Call {
        link,
        method: &method,
        message: &message,
    };
    let fate = layer.fate(&call);
    match &fate {
        Fate::Drop { delay, reason } => {
            tokio::time::sleep(*delay).await;
            let sending = layer.sending(&call);
            let outcome = Outcome::Failed {
                code: UNAVAILABLE,
                message: reason.clone(),
            };
            layer.observe(&call, 0, sending, &fate, &outcome);
            Ok(status_response(UNAVAILABLE, reason))
        }
        Fate::Deliver {
            delay,
            copies,
            corrupt,
        } => {
            tokio::time::sleep(*delay).await;
            let sent = match corrupt {
                true => corrupted(&framed),
                false => framed.clone(),
            };
            let mut first = None;
            for copy in 0..(*copies).max(1) {
                let request =
                    http::Request::from_parts(parts.clone(), Body::new(Full::new(sent.clone())));
                let sending = layer.sending(&call);
                let (response, outcome) = exchange(transport.clone(), request).await;
                layer.observe(&call, copy, sending, &fate, &outcome);
                if first.is_none() {
                    first = Some(response);
                }
            }
            first.unwrap_or_else(|| Ok(status_response(UNAVAILABLE, "no copy was sent")))
        }
    }
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
