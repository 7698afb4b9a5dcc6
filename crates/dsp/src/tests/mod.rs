//! Unit tests of the DSP's decisions, on a DSP built in-process by [`crate::shared_state`]:
//! test-support's fake CSPs (what they were sent, refusals by plan), the TSP's SMKI repository
//! on a seeded test PKI, a virtual clock and a user's Receive Response URL that records what
//! it is sent. `access`: who may send what to which device, and why not (each refusal's
//! code); `routing`: which CSP a command goes to and what a refusal becomes; `correlation`:
//! device responses matched with the commands awaiting them; `outbox`: documents retried
//! until users take them.

mod access;
mod correlation;
mod outbox;
mod routing;

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::body::Body;
use dcc_model::{CommandVariant, CspRegion, DeviceStatus, DeviceType, Eui64, RequestId, UserRole};
use duis::{BodyElement, Request, RequestBody, RequestHeader};
use smki::{Identity, KeyUsage, RemotePartyRole, TestPki};
use test_support::fakes::{Fake, FakeCsp};
use test_support::fleet;
use tokio::sync::mpsc;
use tower::ServiceExt;

use crate::inventory::{DeviceDetails, DeviceRecord, Registration};
use crate::{DspConfig, DspPeers, Shared, Timing, UserConfig};

pub(crate) const SUPPLIER: Eui64 = fleet::TEST_SUPPLIER;
pub(crate) const NETWORK_OPERATOR: Eui64 = fleet::TEST_NETWORK_OPERATOR;
/// A supplier registered for no device.
pub(crate) const SECOND_SUPPLIER: Eui64 = fleet::SECOND_SUPPLIER;
pub(crate) const ACB: Eui64 = fleet::DCC_ACCESS_CONTROL_BROKER;
/// In the North region, behind [`CHF`].
pub(crate) const ESME: Eui64 = fleet::TEMPLATE_ESME;
pub(crate) const GSME: Eui64 = fleet::TEMPLATE_GSME;
pub(crate) const CHF: Eui64 = fleet::TEMPLATE_CHF;
/// In the South region, behind [`SOUTH_CHF`].
pub(crate) const SOUTH_ESME: Eui64 = fleet::SOUTH_ESME;
pub(crate) const SOUTH_CHF: Eui64 = fleet::SOUTH_CHF;
/// A device the inventory does not hold.
pub(crate) const UNKNOWN_DEVICE: Eui64 = Eui64::from_u64(0x00DB_1234_5678_9FF0);

/// 2030-01-01T00:00:00Z: every certificate of the test PKI is in use.
pub(crate) const START: time::OffsetDateTime = time::macros::datetime!(2030-01-01 00:00 UTC);

/// One test PKI for the test binary (deterministic, not free to make).
pub(crate) fn pki() -> &'static TestPki {
    static PKI: OnceLock<TestPki> = OnceLock::new();
    PKI.get_or_init(|| {
        TestPki::default_with_devices(11, &[ESME, GSME, CHF, SOUTH_ESME, SOUTH_CHF])
            .expect("test pki")
    })
}

pub(crate) fn identity(
    id: Eui64,
    usage: KeyUsage,
    role: Option<RemotePartyRole>,
) -> &'static Identity {
    pki().identity(id, usage, role).expect("identity")
}

/// The XML signer of an identity of the test PKI.
pub(crate) fn xml_signer(identity: &Identity) -> duis::XmlSigner {
    duis::XmlSigner::from_pkcs8(
        identity
            .private_key_pkcs8_der
            .as_deref()
            .expect("private key"),
        identity.certificate.issuer_name_rfc2253(),
        identity.certificate.serial_decimal(),
    )
    .expect("signer")
}

/// A user's XML signing identity.
pub(crate) fn user_xml_identity(user: Eui64) -> &'static Identity {
    identity(
        user,
        KeyUsage::DigitalSignature,
        Some(RemotePartyRole::XML_SIGNING),
    )
}

/// The DSP's XML signing identity (the ACB's, role DSP XML signing).
pub(crate) fn dsp_xml_identity() -> &'static Identity {
    identity(
        ACB,
        KeyUsage::DigitalSignature,
        Some(RemotePartyRole::DSP_XML_SIGNING),
    )
}

pub(crate) fn record(
    device_id: Eui64,
    device_type: DeviceType,
    hub: Eui64,
    region: CspRegion,
) -> DeviceRecord {
    DeviceRecord {
        device_id,
        device_type,
        status: DeviceStatus::Commissioned,
        comms_hub: hub,
        region,
        manufacturer: "dccsim".into(),
        model: "test".into(),
        details: DeviceDetails::default(),
    }
}

/// The registration of a meter point from `effective_from_ms`.
pub(crate) fn registration(
    supplier: Eui64,
    supplier_agent: Option<Eui64>,
    effective_from_ms: i64,
) -> Registration {
    Registration {
        meter_point_reference: "1100000000001".into(),
        supplier,
        network_operator: NETWORK_OPERATOR,
        supplier_agent,
        effective_from_ms,
        disconnected: false,
    }
}

/// The users of a test DSP: the test supplier (import and gas), the network operator (an
/// electricity distributor) and a second supplier registered for nothing.
pub(crate) fn default_users() -> Vec<UserConfig> {
    vec![
        UserConfig::new(
            SUPPLIER,
            vec![UserRole::ImportSupplier, UserRole::GasSupplier],
        ),
        UserConfig::new(NETWORK_OPERATOR, vec![UserRole::ElectricityDistributor]),
        UserConfig::new(SECOND_SUPPLIER, vec![UserRole::ImportSupplier]),
    ]
}

/// A user's Receive Response URL: every document posted to it, answered with the planned
/// statuses first (e.g. 503 twice), then 204.
pub(crate) struct UserEndpoint {
    pub url: String,
    received: mpsc::UnboundedReceiver<Vec<u8>>,
}

impl UserEndpoint {
    pub async fn start(refusals: Vec<u16>) -> Self {
        let (sender, received) = mpsc::unbounded_channel();
        let plan = Arc::new(Mutex::new(std::collections::VecDeque::from(refusals)));
        let router = axum::Router::new().route(
            "/responses",
            axum::routing::post(move |body: axum::body::Bytes| {
                let (sender, plan) = (sender.clone(), plan.clone());
                async move {
                    let _ = sender.send(body.to_vec());
                    let status = plan.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
                    axum::http::StatusCode::from_u16(status.unwrap_or(204))
                        .unwrap_or(axum::http::StatusCode::NO_CONTENT)
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("listen");
        let address = listener.local_addr().expect("address");
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Self {
            url: format!("http://{address}/responses"),
            received,
        }
    }

    /// The next document posted (every attempt counts), within 10 s.
    pub async fn next(&mut self) -> Vec<u8> {
        tokio::time::timeout(Duration::from_secs(10), self.received.recv())
            .await
            .expect("a document in time")
            .expect("endpoint open")
    }

    /// Whether nothing more arrives while the DSP's tasks run for `wait`.
    pub async fn nothing_more(&mut self, wait: Duration) -> bool {
        tokio::time::timeout(wait, self.received.recv())
            .await
            .is_err()
    }
}

/// What a test DSP is built with.
pub(crate) struct Options {
    pub users: Vec<UserConfig>,
    pub additional_request_signers: Vec<smki::Certificate>,
    pub csp_north: FakeCsp,
    pub csp_central_south: FakeCsp,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            users: default_users(),
            additional_request_signers: Vec::new(),
            csp_north: FakeCsp::accepting(),
            csp_central_south: FakeCsp::accepting(),
        }
    }
}

/// A DSP in-process: its state, the fakes it calls, and the users' Receive Response URL.
pub(crate) struct TestDsp {
    pub shared: Arc<Shared>,
    pub csp_north: FakeCsp,
    pub csp_central_south: FakeCsp,
    pub user: UserEndpoint,
    counter: Mutex<u64>,
}

impl TestDsp {
    pub async fn start() -> Self {
        Self::with(Options::default()).await
    }

    /// The DSP with ESME, GSME and their CHF in the North, an ESME and its CHF in the South,
    /// all commissioned, the meters registered to the test supplier and network operator.
    pub async fn with(options: Options) -> Self {
        let user = UserEndpoint::start(Vec::new()).await;
        let clock = clock::Clock::virtual_at(START);
        let tsp = tsp::new(tsp::TspConfig {
            pki: Arc::new(pki().clone()),
            extra_identities: Vec::new(),
            api_key: None,
            at_time: START.unix_timestamp(),
            fleet: 0,
        });
        let acb_key = identity(
            ACB,
            KeyUsage::KeyAgreement,
            Some(RemotePartyRole::ACCESS_CONTROL_BROKER),
        );
        let config = DspConfig {
            devices: vec![
                record(
                    ESME,
                    DeviceType::ElectricitySmartMeter,
                    CHF,
                    CspRegion::North,
                ),
                record(GSME, DeviceType::GasSmartMeter, CHF, CspRegion::North),
                record(
                    CHF,
                    DeviceType::CommunicationsHubFunction,
                    CHF,
                    CspRegion::North,
                ),
                record(
                    SOUTH_ESME,
                    DeviceType::ElectricitySmartMeter,
                    SOUTH_CHF,
                    CspRegion::South,
                ),
                record(
                    SOUTH_CHF,
                    DeviceType::CommunicationsHubFunction,
                    SOUTH_CHF,
                    CspRegion::South,
                ),
            ],
            device_log_backups: crate::DeviceLogBackups::default(),
            users: options.users,
            default_response_url: Some(user.url.clone()),
            certificates: smki::CertificateStore::from_pki(pki()),
            additional_request_signers: options.additional_request_signers,
            access_control_broker_key: gbcs::crypto::KeyAgreementPrivateKey::from_pkcs8(
                acb_key.private_key_pkcs8_der.as_deref().expect("ACB key"),
            )
            .expect("ACB key"),
            dcc_signing_keys: Vec::new(),
            xml_signer: xml_signer(dsp_xml_identity()),
            registration_data_providers: Vec::new(),
            clock,
            data_directory: None,
            timing: Timing::default(),
        };
        let peers = DspPeers {
            csp_north: options.csp_north.transport(),
            csp_central_south: options.csp_central_south.transport(),
            tsp: tsp.local_transport(),
            readiness_checks: Vec::new(),
        };
        let (shared, outbox_task) = crate::shared_state(config, &peers).expect("dsp state");
        tokio::spawn(outbox_task);
        {
            let mut inventory = shared.inventory();
            for meter in [ESME, GSME, SOUTH_ESME] {
                inventory.add_registration("rdp-test", meter, registration(SUPPLIER, None, 0));
            }
        }
        Self {
            shared,
            csp_north: options.csp_north,
            csp_central_south: options.csp_central_south,
            user,
            counter: Mutex::new(100),
        }
    }

    /// A request of `originator` for `target`, with the next counter and the body the service
    /// table names for `variant` (`children` under it).
    pub fn request(
        &self,
        originator: Eui64,
        target: Eui64,
        command_variant: u8,
        variant: &str,
        children: Vec<BodyElement>,
    ) -> Request {
        let service = duis::catalogue::lookup(variant).expect("a service of the table");
        let counter = {
            let mut counter = self.counter.lock().unwrap_or_else(|e| e.into_inner());
            *counter += 1;
            *counter
        };
        Request {
            schema_version: "5.4".into(),
            header: RequestHeader {
                request_id: RequestId::new(originator, target, counter),
                command_variant: CommandVariant::from_number(command_variant).expect("cv"),
                service_reference: service.service_reference().to_owned(),
                service_reference_variant: service.variant(),
                first_in_sequence: None,
                preceding_service_request_id: None,
            },
            body: RequestBody::ServiceRequest(BodyElement::with_children(
                service.body_element,
                children,
            )),
        }
    }

    /// Posts `request`, signed by its originator's XML signing key, to the front door `url`
    /// (`serviceS`, `serviceT`, `serviceD`); the DSP's signed synchronous answer.
    pub async fn post(&self, url: &str, request: &Request) -> duis::Response {
        let signer = xml_signer(user_xml_identity(request.header.request_id.originator));
        let xml = duis::sign_document(&duis::render_request(request), &signer).expect("signed");
        let http = axum::http::Request::post(format!("/api/v1/{url}"))
            .body(Body::from(xml))
            .expect("request");
        let answer = crate::front_door::router(self.shared.clone())
            .oneshot(http)
            .await
            .expect("an answer");
        let bytes = axum::body::to_bytes(answer.into_body(), usize::MAX)
            .await
            .expect("body");
        parse_signed_by_dsp(&bytes)
    }

    /// The audit log of a request: (hop, what, outcome) of each event.
    pub fn audit(&self, request_id: &RequestId) -> Vec<crate::store::AuditEvent> {
        self.shared
            .store
            .audit_of(&request_id.to_string())
            .expect("audit log")
    }
}

/// A document the DSP signed, read.
pub(crate) fn parse_signed_by_dsp(bytes: &[u8]) -> duis::Response {
    duis::verify_document(bytes, &dsp_xml_identity().certificate.public_key_sec1())
        .expect("signed by the DSP");
    duis::parse_response(bytes).expect("a DUIS response")
}

/// The DUIS response code's text (`I0`, `E4`, …).
pub(crate) fn code(response: &duis::Response) -> String {
    response.response_code.to_string()
}
