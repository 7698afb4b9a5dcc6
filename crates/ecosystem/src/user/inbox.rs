//! A user's Receive Response endpoint: takes the DSP's signed responses and alerts, checks the
//! DSP's signature, and keeps them until a user agent claims them by RequestID (responses) or
//! by alert code and device (alerts). A document whose signature does not verify is refused
//! with 400, so the DSP sends it again.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::StatusCode;
use dcc_model::{Eui64, RequestId};
use dcc_proto::link::{Fate, Sending};
use duis::{Response, ResponseBody};
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::{Answer, UserError};
use crate::faults::LinkConditions;
use crate::trace::TracedMessage;

/// The path the inbox listens on.
const PATH: &str = "/responses";

/// One document the DSP delivered.
#[derive(Debug, Clone)]
pub struct Delivered {
    pub answer: Answer,
    /// Claimed by an agent already.
    claimed: bool,
}

#[derive(Debug, Default)]
struct Documents {
    delivered: Vec<Delivered>,
}

/// What the inbox checks documents with and where it records them.
#[derive(Debug, Clone, Default)]
pub struct InboxOptions {
    /// The DSP's XML signing key (SEC1); documents are taken unchecked when absent.
    pub dsp_xml_key: Option<[u8; 65]>,
    /// Faults on the DSP → user link, and the message log.
    pub conditions: Option<Arc<LinkConditions>>,
    /// Where to listen; a free loopback port when absent.
    pub listen: Option<std::net::SocketAddr>,
}

/// The Receive Response endpoint.
#[derive(Debug)]
pub struct ResponseInbox {
    pub url: String,
    documents: Arc<Mutex<Documents>>,
    arrivals: watch::Receiver<u64>,
    server: tokio::task::JoinHandle<()>,
}

impl ResponseInbox {
    /// Listens on a free loopback port and takes every document unchecked.
    pub async fn start() -> Result<Self, UserError> {
        Self::start_with(InboxOptions::default()).await
    }

    pub async fn start_with(options: InboxOptions) -> Result<Self, UserError> {
        let address = options
            .listen
            .unwrap_or_else(|| std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
        let listener = TcpListener::bind(address)
            .await
            .map_err(UserError::Listen)?;
        let address = listener.local_addr().map_err(UserError::Listen)?;
        let documents = Arc::new(Mutex::new(Documents::default()));
        let (arrived, arrivals) = watch::channel(0u64);
        let receiver = Receiver {
            documents: documents.clone(),
            arrived: Arc::new(arrived),
            options: Arc::new(options),
        };
        let router = axum::Router::new().route(
            PATH,
            axum::routing::post(move |body: Bytes| {
                let receiver = receiver.clone();
                async move { receiver.receive(body.to_vec()).await }
            }),
        );
        let server = tokio::spawn(async move {
            let _ = axum::serve(crate::launch::http_incoming(listener), router).await;
        });
        Ok(Self {
            url: format!("http://{address}{PATH}"),
            documents,
            arrivals,
            server,
        })
    }

    /// The asynchronous response to `request_id` (the first not yet claimed).
    pub async fn response_to(
        &self,
        request_id: RequestId,
        limit: Duration,
    ) -> Result<Answer, UserError> {
        self.claim(limit, |answer| {
            answer.response.request_id == Some(request_id)
        })
        .await
        .map_err(|_| UserError::NoResponse { request_id, limit })
    }

    /// The next device alert with `alert_code` (any when `None`) from `device` (any when
    /// `None`), judged by the alert's ResponseID `<device>:<recipient>:<counter>`: a
    /// `DeviceAlertMessage`, or a `FutureDatedDeviceAlertMessage` answering a request.
    pub async fn alert(
        &self,
        alert_code: Option<&str>,
        device: Option<Eui64>,
        limit: Duration,
    ) -> Result<Answer, UserError> {
        let wanted = |answer: &Answer| {
            let Some((code, _)) = device_alert(&answer.response.body) else {
                return false;
            };
            let code_matches = alert_code.is_none_or(|wanted| wanted.eq_ignore_ascii_case(&code));
            let device_matches = device.is_none_or(|device| {
                answer
                    .response
                    .response_id
                    .as_deref()
                    .and_then(|id| id.split(':').next())
                    .and_then(|id| id.parse::<Eui64>().ok())
                    == Some(device)
            });
            code_matches && device_matches
        };
        self.claim(limit, wanted)
            .await
            .map_err(|_| UserError::NoAlert {
                alert_code: alert_code.map(str::to_owned),
                limit,
            })
    }

    /// Every document delivered so far, claimed or not, in order of arrival.
    pub fn delivered(&self) -> Vec<Answer> {
        lock(&self.documents)
            .delivered
            .iter()
            .map(|delivered| delivered.answer.clone())
            .collect()
    }

    async fn claim(&self, limit: Duration, wanted: impl Fn(&Answer) -> bool) -> Result<Answer, ()> {
        let deadline = tokio::time::Instant::now() + limit;
        let mut arrivals = self.arrivals.clone();
        loop {
            arrivals.borrow_and_update();
            {
                let mut documents = lock(&self.documents);
                if let Some(found) = documents
                    .delivered
                    .iter_mut()
                    .find(|delivered| !delivered.claimed && wanted(&delivered.answer))
                {
                    found.claimed = true;
                    return Ok(found.answer.clone());
                }
            }
            match tokio::time::timeout_at(deadline, arrivals.changed()).await {
                Ok(Ok(())) => continue,
                _ => return Err(()),
            }
        }
    }
}

impl Drop for ResponseInbox {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn lock(documents: &Mutex<Documents>) -> std::sync::MutexGuard<'_, Documents> {
    // Documents are only pushed or flagged: a panicking holder leaves them consistent.
    documents
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[derive(Clone)]
struct Receiver {
    documents: Arc<Mutex<Documents>>,
    arrived: Arc<watch::Sender<u64>>,
    options: Arc<InboxOptions>,
}

impl Receiver {
    async fn receive(&self, mut xml: Vec<u8>) -> StatusCode {
        let conditions = self.options.conditions.as_ref();
        // The DSP's deliveries are queued by it: they wait while a duplicate is on its way.
        let hop = match conditions {
            Some(conditions) => Some(conditions.duis_hop("dsp", "user", "responses", true).await),
            None => None,
        };
        let (entry, _turn) = hop.unzip();
        let fate = entry
            .as_ref()
            .map(|entry| entry.fate.clone())
            .unwrap_or(Fate::DELIVER);
        let (copies, status) = match &fate {
            Fate::Drop { .. } => (0, StatusCode::SERVICE_UNAVAILABLE),
            Fate::Deliver {
                copies, corrupt, ..
            } => {
                if *corrupt {
                    corrupt_document(&mut xml);
                }
                (*copies, StatusCode::NO_CONTENT)
            }
        };
        let parsed = self.read(&xml);
        let status = match (&parsed, status) {
            (Err(_), StatusCode::NO_CONTENT) => StatusCode::BAD_REQUEST,
            (_, status) => status,
        };
        if let (Some(conditions), Some(entry)) = (conditions, entry) {
            let Sending { sequence, at } = entry.sending;
            conditions.log().record(delivery_trace(
                sequence,
                at,
                &xml,
                &parsed,
                status,
                LinkConditions::describe_fate(&fate),
            ));
        }
        if let Ok(answer) = parsed {
            if status == StatusCode::NO_CONTENT {
                let mut documents = lock(&self.documents);
                for _ in 0..copies.max(1) {
                    documents.delivered.push(Delivered {
                        answer: answer.clone(),
                        claimed: false,
                    });
                }
                drop(documents);
                self.arrived.send_modify(|count| *count += 1);
            }
        }
        status
    }

    fn read(&self, xml: &[u8]) -> Result<Answer, String> {
        if let Some(key) = &self.options.dsp_xml_key {
            duis::verify_document(xml, key)
                .map_err(|error| format!("the DSP's signature does not verify: {error}"))?;
        }
        let response: Response =
            duis::parse_response(xml).map_err(|error| format!("not a DUIS response: {error}"))?;
        Ok(Answer {
            xml: xml.to_vec(),
            response,
        })
    }
}

/// Changes one character inside the document's body, as a bad link would.
fn corrupt_document(xml: &mut [u8]) {
    let middle = xml.len() / 2;
    if let Some(byte) = xml.get_mut(middle) {
        *byte = if *byte == b'A' { b'B' } else { b'A' };
    }
}

fn delivery_trace(
    sequence: u64,
    at: Duration,
    xml: &[u8],
    parsed: &Result<Answer, String>,
    status: StatusCode,
    fault: Option<String>,
) -> TracedMessage {
    let (label, request_id, device_id, code) = match parsed {
        Ok(answer) => {
            let response = &answer.response;
            let label = match (&response.body, device_alert(&response.body)) {
                (_, Some((alert_code, _))) => format!("alert {alert_code}"),
                (ResponseBody::DccAlert { dcc_alert_code, .. }, None) => {
                    format!("DCC alert {dcc_alert_code}")
                }
                _ => format!("response {}", response.response_code),
            };
            let device = response
                .request_id
                .map(|id| id.target.to_string())
                .or_else(|| {
                    response
                        .response_id
                        .as_deref()
                        .and_then(|id| id.split(':').next())
                        .map(str::to_owned)
                })
                .unwrap_or_default();
            (
                label,
                response
                    .request_id
                    .map(|id| id.to_string())
                    .unwrap_or_default(),
                device,
                response.response_code.to_string(),
            )
        }
        Err(error) => (
            "unreadable document".to_owned(),
            String::new(),
            String::new(),
            error.clone(),
        ),
    };
    TracedMessage {
        sequence,
        at,
        from: "dsp".to_owned(),
        to: "user".to_owned(),
        label,
        request_id,
        device_id,
        outcome: format!("{code} (HTTP {})", status.as_u16()),
        failed: !status.is_success(),
        fault,
        duis: Some(String::from_utf8_lossy(xml).into_owned()),
        gbcs: None,
    }
}

/// The alert code and GBCS payload of a device alert: a `DeviceAlertMessage`, or the
/// `FutureDatedDeviceAlertMessage` in a `ResponseMessage` (a future-dated command's outcome,
/// 8F66 or 8F67); `None` for other bodies.
pub fn device_alert(body: &ResponseBody) -> Option<(String, Vec<u8>)> {
    match body {
        ResponseBody::DeviceAlert {
            alert_code,
            payload,
        } => Some((alert_code.clone(), payload.clone())),
        ResponseBody::OtherResponseMessage { content, .. }
            if content.name == "FutureDatedDeviceAlertMessage" =>
        {
            use base64::Engine as _;
            let code = content.find_text("FutureDatedAlertCode")?;
            let payload = base64::engine::general_purpose::STANDARD
                .decode(content.find_text("GBCSPayload")?.trim())
                .ok()?;
            Some((code.to_owned(), payload))
        }
        _ => None,
    }
}
