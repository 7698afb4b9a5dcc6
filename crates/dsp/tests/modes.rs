//! Modes of operation on a virtual clock, at the DSP itself: a fake CSP records the commands
//! the DSP sends and the test answers them as the device would (the DSP correlates by device
//! and counter), a Receive Response endpoint collects what users get. A daily DCC schedule
//! delivers 31 responses over 31 simulated days, is read (5.2) and stopped (5.3); a
//! future-dated request executes at its time; a cancelled one never does.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use dcc_model::{CommandVariant, CspRegion, DeviceStatus, DeviceType, Eui64, RequestId};
use dcc_proto::registration::registration_data_intake_client::RegistrationDataIntakeClient;
use dcc_proto::registration::{MeterPoint, RegistrationSnapshot};
use dcc_proto::wan::communications_service_provider_server::{
    CommunicationsServiceProvider, CommunicationsServiceProviderServer,
};
use dcc_proto::wan::data_service_provider_upstream_client::DataServiceProviderUpstreamClient;
use dcc_proto::wan::{
    DeviceMessage, DeviceMessageKind, FirmwareDistribution, FirmwareDistributionAccepted,
    WanCommand, WanCommandAccepted, WanCoverage, WanCoverageQuery,
};
use duis::{BodyElement, Request, RequestBody, RequestHeader, ResponseBody};
use smki::{KeyUsage, RemotePartyRole, TestPki};
use time::macros::datetime;
use tokio::sync::mpsc;
use tower::ServiceExt;

const SUPPLIER: Eui64 = Eui64::from_u64(0x90B3_D51F_3001_0000);
const NETWORK_OPERATOR: Eui64 = Eui64::from_u64(0x90B3_D51F_3002_0000);
const HUB: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A2);
const ESME: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A0);
const OTHER_ESME: Eui64 = Eui64::from_u64(0x00DB_1234_5678_91A0);
const DAY: u64 = 86_400;

/// The CSP: every command the DSP hands it, in order.
#[derive(Clone)]
struct FakeCsp(mpsc::UnboundedSender<WanCommand>);

#[tonic::async_trait]
impl CommunicationsServiceProvider for FakeCsp {
    async fn send_command(
        &self,
        request: tonic::Request<WanCommand>,
    ) -> Result<tonic::Response<WanCommandAccepted>, tonic::Status> {
        let _ = self.0.send(request.into_inner());
        Ok(tonic::Response::new(WanCommandAccepted {}))
    }

    async fn request_wan_coverage(
        &self,
        _: tonic::Request<WanCoverageQuery>,
    ) -> Result<tonic::Response<WanCoverage>, tonic::Status> {
        Ok(tonic::Response::new(WanCoverage {
            regions: Vec::new(),
        }))
    }

    async fn distribute_firmware(
        &self,
        _: tonic::Request<FirmwareDistribution>,
    ) -> Result<tonic::Response<FirmwareDistributionAccepted>, tonic::Status> {
        Ok(tonic::Response::new(FirmwareDistributionAccepted::default()))
    }
}

/// A mounted party's routes as a named service, for an in-process transport.
#[derive(Clone)]
struct Routes(tonic::service::Routes);

impl tonic::server::NamedService for Routes {
    const NAME: &'static str = "dsp";
}

impl tower::Service<http::Request<tonic::body::Body>> for Routes {
    type Response = http::Response<tonic::body::Body>;
    type Error = std::convert::Infallible;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Self::Response, Self::Error>> + Send>,
    >;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        tower::Service::<http::Request<tonic::body::Body>>::poll_ready(&mut self.0, cx)
    }

    fn call(&mut self, request: http::Request<tonic::body::Body>) -> Self::Future {
        Box::pin(self.0.call(request))
    }
}

/// The user's Receive Response endpoint: every document posted to it.
async fn inbox() -> (String, mpsc::UnboundedReceiver<Vec<u8>>) {
    let (sender, receiver) = mpsc::unbounded_channel();
    let router = axum::Router::new().route(
        "/responses",
        axum::routing::post(move |body: axum::body::Bytes| {
            let sender = sender.clone();
            async move {
                let _ = sender.send(body.to_vec());
                axum::http::StatusCode::NO_CONTENT
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
    (format!("http://{address}/responses"), receiver)
}

struct Bench {
    front_door: axum::Router,
    dsp: dcc_proto::transport::GrpcTransport,
    commands: mpsc::UnboundedReceiver<WanCommand>,
    responses: mpsc::UnboundedReceiver<Vec<u8>>,
    clock: clock::Clock,
    signer: duis::XmlSigner,
    dsp_key: [u8; 65],
    counter: Arc<Mutex<u64>>,
    _folder: tempfile::TempDir,
}

fn record(device_id: Eui64, device_type: DeviceType, hub: Eui64) -> dsp::DeviceRecord {
    dsp::DeviceRecord {
        device_id,
        device_type,
        status: DeviceStatus::Commissioned,
        comms_hub: hub,
        region: CspRegion::North,
        manufacturer: "dccsim".into(),
        model: "test".into(),
        details: dsp::DeviceDetails::default(),
    }
}

async fn bench() -> Bench {
    let other_hub = Eui64::from_u64(0x00DB_1234_5678_91A2);
    let pki = TestPki::default_with_devices(1, &[ESME, HUB, OTHER_ESME, other_hub]).expect("pki");
    let identity = |id, usage, role| pki.identity(id, usage, role).expect("identity").clone();
    let acb = dcc_model::DCC_ACCESS_CONTROL_BROKER;
    let acb_ka = identity(
        acb,
        KeyUsage::KeyAgreement,
        Some(RemotePartyRole::ACCESS_CONTROL_BROKER),
    );
    let dsp_xml = identity(
        acb,
        KeyUsage::DigitalSignature,
        Some(RemotePartyRole::DSP_XML_SIGNING),
    );
    let user_xml = identity(
        SUPPLIER,
        KeyUsage::DigitalSignature,
        Some(RemotePartyRole::XML_SIGNING),
    );
    let xml_signer = |identity: &smki::Identity| {
        duis::XmlSigner::from_pkcs8(
            identity.private_key_pkcs8_der.as_deref().expect("key"),
            identity.certificate.issuer_name_rfc2253(),
            identity.certificate.serial_decimal(),
        )
        .expect("signer")
    };
    let tsp = tsp::new(tsp::TspConfig {
        pki: Arc::new(pki.clone()),
        extra_identities: Vec::new(),
        api_key: None,
        at_time: datetime!(2030-01-01 00:00 UTC).unix_timestamp(),
        fleet: 0,
    });
    let (sender, commands) = mpsc::unbounded_channel();
    let csp =
        dcc_proto::transport::local(CommunicationsServiceProviderServer::new(FakeCsp(sender)));
    let (url, responses) = inbox().await;
    let clock = clock::Clock::virtual_at(datetime!(2030-01-01 00:00 UTC));
    let folder = tempfile::tempdir().expect("data folder");
    let built = dsp::new(
        dsp::DspConfig {
            devices: vec![
                record(HUB, DeviceType::CommunicationsHubFunction, HUB),
                record(ESME, DeviceType::ElectricitySmartMeter, HUB),
                record(other_hub, DeviceType::CommunicationsHubFunction, other_hub),
                record(OTHER_ESME, DeviceType::ElectricitySmartMeter, other_hub),
            ],
            device_log_backups: dsp::DeviceLogBackups::default(),
            users: vec![dsp::UserConfig::new(
                SUPPLIER,
                vec![dcc_model::UserRole::ImportSupplier],
            )],
            default_response_url: Some(url),
            certificates: smki::CertificateStore::from_pki(&pki),
            additional_request_signers: Vec::new(),
            access_control_broker_key: gbcs::crypto::KeyAgreementPrivateKey::from_pkcs8(
                acb_ka.private_key_pkcs8_der.as_deref().expect("key"),
            )
            .expect("ACB key"),
            dcc_signing_keys: Vec::new(),
            xml_signer: xml_signer(&dsp_xml),
            registration_data_providers: Vec::new(),
            clock: clock.clone(),
            data_directory: Some(folder.path().to_owned()),
            timing: dsp::Timing::default(),
        },
        dsp::DspPeers {
            csp_north: csp.clone(),
            csp_central_south: csp,
            tsp: tsp.local_transport(),
            readiness_checks: Vec::new(),
        },
    )
    .expect("dsp");
    for task in built.mounted.tasks {
        tokio::spawn(task);
    }
    let dsp = dcc_proto::transport::local(Routes(built.mounted.routes));
    let meter_point = |device: Eui64, mpan: &str| MeterPoint {
        meter_point_reference: mpan.into(),
        device_id: device.to_hex(),
        registered_supplier_id: SUPPLIER.to_hex(),
        registered_network_operator_id: NETWORK_OPERATOR.to_hex(),
        registered_supplier_agent_id: String::new(),
    };
    RegistrationDataIntakeClient::new(dsp.clone())
        .submit_registration_data(RegistrationSnapshot {
            registration_data_provider: "rdp-electricity".into(),
            fuel: 1,
            meter_points: vec![
                meter_point(ESME, "1100000000001"),
                meter_point(OTHER_ESME, "1100000000002"),
            ],
        })
        .await
        .expect("registration data");
    Bench {
        front_door: built.front_door,
        dsp,
        commands,
        responses,
        clock,
        signer: xml_signer(&user_xml),
        dsp_key: dsp_xml.certificate.public_key_sec1(),
        counter: Arc::new(Mutex::new(100)),
        _folder: folder,
    }
}

impl Bench {
    fn next_counter(&self) -> u64 {
        let mut counter = self.counter.lock().expect("counter");
        *counter += 1;
        *counter
    }

    /// Posts a request; returns the answer's code and body.
    async fn send(
        &self,
        url: &str,
        target: Eui64,
        cv: u8,
        variant: &str,
        body: BodyElement,
    ) -> (RequestId, duis::Response) {
        let variant: dcc_model::ServiceReferenceVariant = variant.parse().expect("variant");
        let request_id = RequestId::new(SUPPLIER, target, self.next_counter());
        let request = Request {
            schema_version: "5.4".into(),
            header: RequestHeader {
                request_id,
                command_variant: CommandVariant::from_number(cv).expect("cv"),
                service_reference: variant.service_reference().to_owned(),
                service_reference_variant: variant,
                first_in_sequence: None,
                preceding_service_request_id: None,
            },
            body: RequestBody::ServiceRequest(body),
        };
        let xml =
            duis::sign_document(&duis::render_request(&request), &self.signer).expect("signed");
        let http = axum::http::Request::post(format!("/api/v1/{url}"))
            .body(Body::from(xml))
            .expect("request");
        let response = self.front_door.clone().oneshot(http).await.expect("answer");
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        duis::verify_document(&bytes, &self.dsp_key).expect("signed by the DSP");
        (request_id, duis::parse_response(&bytes).expect("response"))
    }

    async fn advance(&self, seconds: u64) {
        let http = axum::http::Request::post(format!("/admin/clock?advance={seconds}"))
            .body(Body::empty())
            .expect("request");
        let response = self.front_door.clone().oneshot(http).await.expect("answer");
        assert!(response.status().is_success(), "the clock moves");
    }

    /// The next command the DSP sends, answered as the device would.
    async fn answer_next_command(&mut self) -> WanCommand {
        let command = tokio::time::timeout(Duration::from_secs(20), self.commands.recv())
            .await
            .expect("a command in time")
            .expect("csp open");
        // The response's grouping header: from the device to the command's originator, with
        // the command's counter (an empty payload, no MAC: the DSP reads only the header).
        let envelope = gbcs::Envelope::parse(&command.gbcs).expect("a GBCS command");
        let response = gbcs::use_case::response_apdu(envelope.header(), None, Vec::new());
        DataServiceProviderUpstreamClient::new(self.dsp.clone())
            .deliver_device_message(DeviceMessage {
                request_id: command.request_id.clone(),
                device_id: command.device_id.clone(),
                kind: DeviceMessageKind::Response as i32,
                gbcs: response.encode(),
            })
            .await
            .expect("the DSP takes the response");
        command
    }

    async fn next_response(&mut self) -> duis::Response {
        let xml = tokio::time::timeout(Duration::from_secs(20), self.responses.recv())
            .await
            .expect("a response in time")
            .expect("inbox open");
        duis::verify_document(&xml, &self.dsp_key).expect("signed by the DSP");
        duis::parse_response(&xml).expect("response")
    }

    /// Whether the DSP has sent no command (after letting its tasks run).
    async fn no_command_sent(&mut self) -> bool {
        for _ in 0..50 {
            tokio::task::yield_now().await;
        }
        self.commands.try_recv().is_err()
    }
}

fn empty(name: &str) -> BodyElement {
    BodyElement::with_children(name, Vec::new())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daily_schedule_delivers_thirty_one_responses_then_stops() {
    // The scheduled service is 4.16 Read Active Power Import (ECS17c), the simplest DCC
    // schedulable one; its DUIS→GBCS transformation belongs to dsp::services::reads.
    assert!(
        dsp::services::transformation("4.16").is_some(),
        "4.16 has a DUIS to GBCS transformation"
    );
    let mut bench = bench().await;
    let (_, created) = bench
        .send(
            "serviceD",
            dcc_model::DCC_ACCESS_CONTROL_BROKER,
            8,
            "5.1",
            BodyElement::with_children(
                "CreateSchedule",
                vec![
                    BodyElement::leaf("ScheduleFrequency", "Daily"),
                    BodyElement::leaf("ScheduleStartDate", "2030-01-02"),
                    BodyElement::leaf("ScheduleExecutionStartTime", "00:00:00Z"),
                    BodyElement::leaf("DSPScheduledServiceReference", "4.16"),
                    BodyElement::leaf("DSPScheduledServiceReferenceVariant", "4.16"),
                    BodyElement::leaf("DeviceID", ESME.to_string()),
                    empty("DSPReadActivePowerImport"),
                ],
            ),
        )
        .await;
    assert_eq!(created.response_code.to_string(), "I0", "{created:?}");
    let ResponseBody::OtherResponseMessage { content, .. } = &created.body else {
        panic!("no DSPScheduleID: {created:?}")
    };
    let schedule_id = content.text.clone();
    assert_eq!(content.name, "DSPScheduleID");

    let mut delivered = Vec::new();
    for _day in 0..31 {
        bench.advance(DAY).await;
        bench.answer_next_command().await;
        let response = bench.next_response().await;
        let ResponseBody::OtherResponseMessage { content, .. } = &response.body else {
            panic!("not a DSPScheduledMessage: {response:?}")
        };
        assert_eq!(content.name, "DSPScheduledMessage");
        assert_eq!(
            content.find_text("DSPScheduleID"),
            Some(schedule_id.as_str())
        );
        delivered.push(response.request_id.expect("RequestID"));
    }
    assert_eq!(delivered.len(), 31);
    let counters: Vec<u64> = delivered.iter().map(|id| id.counter).collect();
    assert!(
        counters.windows(2).all(|pair| pair[0] < pair[1]),
        "{counters:?}"
    );

    let (_, read) = bench
        .send(
            "serviceD",
            dcc_model::DCC_ACCESS_CONTROL_BROKER,
            8,
            "5.2",
            BodyElement::with_children(
                "ReadSchedule",
                vec![BodyElement::leaf("DSPScheduleID", schedule_id.clone())],
            ),
        )
        .await;
    assert_eq!(read.response_code.to_string(), "I0");
    let ResponseBody::OtherResponseMessage { content, .. } = &read.body else {
        panic!("no DSPSchedulesRead: {read:?}")
    };
    assert_eq!(content.name, "DSPSchedulesRead");
    assert_eq!(
        content.find_text("DSPScheduleID"),
        Some(schedule_id.as_str())
    );
    assert_eq!(
        content.find_text("DSPScheduledServiceReferenceVariant"),
        Some("4.16")
    );

    let (_, deleted) = bench
        .send(
            "serviceD",
            dcc_model::DCC_ACCESS_CONTROL_BROKER,
            8,
            "5.3",
            BodyElement::with_children(
                "DeleteSchedule",
                vec![BodyElement::leaf("DSPScheduleID", schedule_id)],
            ),
        )
        .await;
    assert_eq!(deleted.response_code.to_string(), "I99");
    bench.advance(3 * DAY).await;
    assert!(
        bench.no_command_sent().await,
        "a deleted schedule issues nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_future_dated_request_executes_at_its_time_and_a_cancelled_one_never() {
    let mut bench = bench().await;
    let future = |at: &str| {
        BodyElement::with_children(
            "ReadInstantaneousImportRegisters",
            vec![BodyElement::leaf("ExecutionDateTime", at)],
        )
    };
    let (held, acknowledged) = bench
        .send("serviceS", ESME, 1, "4.1.1", future("2030-01-03T00:00:00Z"))
        .await;
    assert_eq!(acknowledged.response_code.to_string(), "I99");
    let (cancelled, acknowledged) = bench
        .send(
            "serviceS",
            OTHER_ESME,
            1,
            "4.1.1",
            future("2030-01-03T00:00:00Z"),
        )
        .await;
    assert_eq!(acknowledged.response_code.to_string(), "I99");
    bench.advance(DAY).await;
    assert!(
        bench.no_command_sent().await,
        "nothing before the execution time"
    );

    // The second meter leaves service before its request's time: the request is cancelled.
    let (_, decommissioned) = bench
        .send(
            "serviceD",
            dcc_model::DCC_ACCESS_CONTROL_BROKER,
            8,
            "8.3",
            BodyElement::with_children(
                "DecommissionDevice",
                vec![BodyElement::leaf("DeviceID", OTHER_ESME.to_string())],
            ),
        )
        .await;
    assert_eq!(decommissioned.response_code.to_string(), "I99");

    bench.advance(DAY).await;
    assert_eq!(bench.clock.now(), datetime!(2030-01-03 00:00 UTC));
    let command = bench.answer_next_command().await;
    assert_eq!(command.request_id, held.to_string());
    assert!(
        bench.no_command_sent().await,
        "the cancelled request never executes"
    );
    // The user also hears of the decommissioning (DCC alerts); the answers to its requests
    // are what this test reads.
    let mut answers = Vec::new();
    while !(answers
        .iter()
        .any(|answer: &duis::Response| answer.request_id == Some(held))
        && answers
            .iter()
            .any(|answer: &duis::Response| answer.request_id == Some(cancelled)))
    {
        let response = bench.next_response().await;
        if response.request_id.is_some() {
            answers.push(response);
        }
    }
    let of = |request_id: RequestId| {
        answers
            .iter()
            .find(|answer| answer.request_id == Some(request_id))
            .unwrap_or_else(|| panic!("no answer for {request_id}: {answers:?}"))
    };
    assert_eq!(of(held).response_code.to_string(), "I0");
    assert!(matches!(of(held).body, ResponseBody::GbcsPayload { .. }));
    assert_eq!(of(cancelled).response_code.to_string(), "E5");
}
