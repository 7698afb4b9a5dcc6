//! The Comms Hub party, mounted with a fake smart meter party and fake CSPs as its peers.

// The smart meter crate's test helpers: seeded PKI, commands built as the DSP builds them.
#[path = "../../smartmeter/tests/support/mod.rs"]
mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use commshub::{CommsHubConfig, CommsHubPeers, CommsHubSpec};
use dcc_model::{CspRegion, DeviceType, Eui64};
use dcc_proto::han::comms_hub_han_upstream_client::CommsHubHanUpstreamClient;
use dcc_proto::han::smart_meter_han_server::{SmartMeterHan, SmartMeterHanServer};
use dcc_proto::han::{FirmwareImage, FirmwareImageAccepted, HanFrame, HanFrameAccepted};
use dcc_proto::smwan::comms_hub_wan_client::CommsHubWanClient;
use dcc_proto::smwan::communications_service_provider_upstream_server::{
    CommunicationsServiceProviderUpstream, CommunicationsServiceProviderUpstreamServer,
};
use dcc_proto::transport::{local, GrpcTransport};
use dcc_proto::wan::{
    DeviceMessage, DeviceMessageAccepted, DeviceMessageKind, FirmwareDistribution, WanCommand,
};
use device::{Device, DeviceState};
use gbcs::protection::{self, EncryptionParameters};
use gbcs::use_case::{ecs17b, ecs52, gcs13a};
use support::*;
use tonic::{Code, Request, Response, Status};

const ESME_ON_OTHER_HUB: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90B0);

/// The smart meter party: records the frames it is sent.
#[derive(Clone, Default)]
struct FakeSmartMeters {
    received: Arc<Received<HanFrame>>,
    firmware: Arc<Received<FirmwareImage>>,
}

impl FakeSmartMeters {
    fn new() -> Self {
        Self::default()
    }

    fn transport(&self) -> GrpcTransport {
        local(SmartMeterHanServer::new(self.clone()))
    }
}

#[tonic::async_trait]
impl SmartMeterHan for FakeSmartMeters {
    async fn deliver_frame(
        &self,
        request: Request<HanFrame>,
    ) -> Result<Response<HanFrameAccepted>, Status> {
        self.received.push(request.into_inner());
        Ok(Response::new(HanFrameAccepted {}))
    }

    async fn deliver_firmware_image(
        &self,
        request: Request<FirmwareImage>,
    ) -> Result<Response<FirmwareImageAccepted>, Status> {
        self.firmware.push(request.into_inner());
        Ok(Response::new(FirmwareImageAccepted {}))
    }
}

/// A CSP: records the device messages it is sent; it can refuse the first few.
#[derive(Clone, Default)]
struct FakeCsp {
    received: Arc<Received<DeviceMessage>>,
    refusals_left: Arc<AtomicUsize>,
}

impl FakeCsp {
    fn new() -> Self {
        Self::default()
    }

    /// Answers UNAVAILABLE to the first `count` messages, as a restarting CSP would.
    fn refusing_first(self, count: usize) -> Self {
        self.refusals_left.store(count, Ordering::SeqCst);
        self
    }

    fn transport(&self) -> GrpcTransport {
        local(CommunicationsServiceProviderUpstreamServer::new(
            self.clone(),
        ))
    }
}

#[tonic::async_trait]
impl CommunicationsServiceProviderUpstream for FakeCsp {
    async fn deliver_device_message(
        &self,
        request: Request<DeviceMessage>,
    ) -> Result<Response<DeviceMessageAccepted>, Status> {
        let refused = self
            .refusals_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(1)
            })
            .is_ok();
        if refused {
            return Err(Status::unavailable("restarting"));
        }
        self.received.push(request.into_inner());
        Ok(Response::new(DeviceMessageAccepted {}))
    }
}

struct Fixture {
    /// The party itself (for its `DeviceControl` service).
    transport: GrpcTransport,
    wan: CommsHubWanClient<GrpcTransport>,
    han: CommsHubHanUpstreamClient<GrpcTransport>,
    meters: FakeSmartMeters,
    north: FakeCsp,
    central_south: FakeCsp,
}

/// One North hub (CHF, GPF mirroring the GSME, the ESME on its HAN) and an empty South hub.
fn mount(north: FakeCsp) -> Fixture {
    let meters = FakeSmartMeters::new();
    let central_south = FakeCsp::new();
    let state = DeviceState {
        gas_current_summation_delivered: 55_555,
        ..DeviceState::default()
    };
    let north_hub = CommsHubSpec {
        chf: device_config(
            CHF,
            DeviceType::CommunicationsHubFunction,
            DeviceState::default(),
        ),
        gpf: Some(device_config(
            GPF,
            DeviceType::GasProxyFunction,
            DeviceState::default(),
        )),
        gas_meter_mirror: Some(device_config(GSME, DeviceType::GasSmartMeter, state)),
        han_devices: vec![ESME],
        region: CspRegion::North,
    };
    let south_chf = Eui64::from_u64(0x00DB_1234_5678_90B2);
    let south_hub = CommsHubSpec {
        chf: device_config(
            south_chf,
            DeviceType::CommunicationsHubFunction,
            DeviceState::default(),
        ),
        gpf: None,
        gas_meter_mirror: None,
        han_devices: vec![ESME_ON_OTHER_HUB],
        region: CspRegion::South,
    };
    let peers = CommsHubPeers {
        csp_north: north.transport(),
        csp_central_south: central_south.transport(),
        smart_meters: meters.transport(),
    };
    let config = CommsHubConfig {
        hubs: vec![north_hub, south_hub],
        on_demand: None,
    };
    let mounted = commshub::new(config, peers, fixed_clock()).unwrap();
    assert_eq!(mounted.name, commshub::PARTY_NAME);
    let transport = start(mounted);
    Fixture {
        transport: transport.clone(),
        wan: CommsHubWanClient::new(transport.clone()),
        han: CommsHubHanUpstreamClient::new(transport),
        meters,
        north,
        central_south,
    }
}

fn wan_command(request_id: &str, device: Eui64, gbcs: Vec<u8>) -> WanCommand {
    WanCommand {
        request_id: request_id.to_owned(),
        comms_hub_id: CHF.to_hex(),
        device_id: device.to_hex(),
        gbcs,
    }
}

#[tokio::test]
async fn a_command_for_the_esme_goes_over_the_han_unchanged() {
    let mut fixture = mount(FakeCsp::new());
    let gbcs = command(
        ecs17b::MESSAGE_CODE,
        1_000,
        SUPPLIER,
        ESME,
        ecs17b::command_payload(1_000, SUPPLIER, ESME),
        None,
    );
    fixture
        .wan
        .deliver_command(wan_command("rid-1", ESME, gbcs.clone()))
        .await
        .unwrap();
    let frames = fixture
        .meters
        .received
        .wait_until(|frames| !frames.is_empty())
        .await;
    assert_eq!(
        frames,
        vec![HanFrame {
            request_id: "rid-1".into(),
            comms_hub_id: CHF.to_hex(),
            device_id: ESME.to_hex(),
            gbcs
        }]
    );
    assert!(fixture.north.received.all().is_empty());
}

#[tokio::test]
async fn the_gpf_answers_gcs13a_for_the_gsme_with_a_valid_mac_and_a_decryptable_block() {
    let mut fixture = mount(FakeCsp::new());
    let gbcs = command(
        gcs13a::MESSAGE_CODE,
        4_000,
        SUPPLIER,
        GSME,
        gcs13a::command_payload(),
        None,
    );
    fixture
        .wan
        .deliver_command(wan_command("rid-gas", GSME, gbcs))
        .await
        .unwrap();
    let messages = fixture
        .north
        .received
        .wait_until(|messages| !messages.is_empty())
        .await;
    let message = &messages[0];
    assert_eq!(message.request_id, "rid-gas");
    assert_eq!(message.device_id, GSME.to_hex());
    assert_eq!(message.kind, DeviceMessageKind::Response as i32);

    let z = user_secret(SUPPLIER, GSME);
    let apdu = protection::verify_response(&message.gbcs, Some(&z), None)
        .expect("MAC of the GSME verifies");
    assert_eq!(apdu.header.originator, GSME, "the GPF answers as the GSME");
    assert_eq!(apdu.header.recipient, SUPPLIER);
    let parameters = EncryptionParameters::from_header(&apdu.header);
    let block = protection::find_encrypted_blocks(&apdu.payload)[0];
    let plaintext = protection::decrypt_sensitive_block(
        &z,
        parameters.device,
        parameters.party,
        parameters.counter,
        block,
    )
    .unwrap();
    assert_eq!(plaintext, gcs13a::register_plaintext(55_555, 0x01, 1, 1000));
    assert!(fixture.meters.received.all().is_empty());
    assert!(fixture.central_south.received.all().is_empty());
}

#[tokio::test]
async fn the_chf_answers_ecs52_itself() {
    let mut fixture = mount(FakeCsp::new());
    let gbcs = command(
        ecs52::MESSAGE_CODE,
        9,
        SUPPLIER,
        CHF,
        ecs52::command_payload(9),
        None,
    );
    fixture
        .wan
        .deliver_command(wan_command("rid-fw", CHF, gbcs))
        .await
        .unwrap();
    let messages = fixture
        .north
        .received
        .wait_until(|messages| !messages.is_empty())
        .await;
    let apdu =
        protection::verify_response(&messages[0].gbcs, Some(&user_secret(SUPPLIER, CHF)), None)
            .unwrap();
    assert_eq!(apdu.header.originator, CHF);
    assert_eq!(
        apdu.payload,
        ecs52::response_payload(9, &[0x01, 0x23, 0xAB, 0xCD])
    );
}

#[tokio::test]
async fn meter_responses_go_up_to_the_csp_of_the_hub_region() {
    let mut fixture = mount(FakeCsp::new());
    let mut esme = Device::new(&device_config(
        ESME,
        DeviceType::ElectricitySmartMeter,
        DeviceState::default(),
    ))
    .unwrap();
    let command = command(
        ecs52::MESSAGE_CODE,
        12,
        SUPPLIER,
        ESME,
        ecs52::command_payload(12),
        None,
    );
    let response = esme.handle_command(&command, NOW).unwrap();
    let frame = HanFrame {
        request_id: "rid-12".into(),
        comms_hub_id: CHF.to_hex(),
        device_id: ESME.to_hex(),
        gbcs: response.clone(),
    };
    fixture.han.deliver_frame(frame).await.unwrap();
    let messages = fixture
        .north
        .received
        .wait_until(|messages| !messages.is_empty())
        .await;
    assert_eq!(
        messages,
        vec![DeviceMessage {
            request_id: "rid-12".into(),
            device_id: ESME.to_hex(),
            kind: DeviceMessageKind::Response as i32,
            gbcs: response,
        }]
    );
    // A frame claiming a meter of another hub is refused.
    let stray = HanFrame {
        request_id: String::new(),
        comms_hub_id: CHF.to_hex(),
        device_id: ESME_ON_OTHER_HUB.to_hex(),
        gbcs: vec![],
    };
    assert_eq!(
        fixture.han.deliver_frame(stray).await.unwrap_err().code(),
        Code::NotFound
    );
}

#[tokio::test]
async fn unknown_hubs_and_devices_are_not_found_and_refusals_pass_through() {
    let mut fixture = mount(FakeCsp::new());
    let gbcs = command(
        ecs52::MESSAGE_CODE,
        1,
        SUPPLIER,
        CHF,
        ecs52::command_payload(1),
        None,
    );
    let unknown_device = wan_command("", Eui64::from_u64(0x00DB_0000_0000_0001), gbcs.clone());
    assert_eq!(
        fixture
            .wan
            .deliver_command(unknown_device)
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );
    let other_hubs_meter = wan_command("", ESME_ON_OTHER_HUB, gbcs.clone());
    assert_eq!(
        fixture
            .wan
            .deliver_command(other_hubs_meter)
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );
    let mut unknown_hub = wan_command("", CHF, gbcs.clone());
    unknown_hub.comms_hub_id = "00DB1234567890FF".into();
    assert_eq!(
        fixture
            .wan
            .deliver_command(unknown_hub)
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );
    // The CHF refuses a replay like any device.
    fixture
        .wan
        .deliver_command(wan_command("", CHF, gbcs.clone()))
        .await
        .unwrap();
    let status = fixture
        .wan
        .deliver_command(wan_command("", CHF, gbcs))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    assert!(
        status.message().contains("replayed"),
        "{}",
        status.message()
    );
}

#[tokio::test]
async fn responses_survive_a_csp_restart() {
    let mut fixture = mount(FakeCsp::new().refusing_first(4));
    for counter in [20, 21] {
        let gbcs = command(
            gcs13a::MESSAGE_CODE,
            counter,
            SUPPLIER,
            GSME,
            gcs13a::command_payload(),
            None,
        );
        fixture
            .wan
            .deliver_command(wan_command(&counter.to_string(), GSME, gbcs))
            .await
            .unwrap();
    }
    let messages = fixture
        .north
        .received
        .wait_until(|messages| messages.len() == 2)
        .await;
    let mut ids: Vec<_> = messages
        .iter()
        .map(|message| message.request_id.clone())
        .collect();
    ids.sort();
    assert_eq!(ids, ["20", "21"]);
}

#[tokio::test]
async fn the_hub_devices_act_and_their_alerts_go_up_to_the_csp() {
    use dcc_model::device_control::{ActionRefusal, DeviceAction};
    use dcc_proto::device_actions::{act, ActError};
    let fixture = mount(FakeCsp::new());
    let raised = act(
        fixture.transport.clone(),
        GSME,
        &DeviceAction::RaiseAlert(0x8F1D),
    )
    .await
    .unwrap();
    assert_eq!(raised, [0x8F1D]);
    let messages = fixture
        .north
        .received
        .wait_until(|messages| !messages.is_empty())
        .await;
    let [message] = messages.as_slice() else {
        panic!("one alert: {messages:?}");
    };
    assert_eq!(message.kind, DeviceMessageKind::Alert as i32);
    assert_eq!(message.device_id, GSME.to_hex());
    let apdu = gbcs::Envelope::parse(&message.gbcs)
        .unwrap()
        .general_signing()
        .unwrap()
        .clone();
    assert_eq!(apdu.header.originator, GSME);
    assert_eq!(gbcs::alert::alert_code(&apdu.payload).unwrap().0, 0x8F1D);
    // The ESME is the smart meters' to act on; a device no hub has is not found either.
    for device in [ESME, Eui64::from_u64(0x00DB_1234_5678_99FF)] {
        assert_eq!(
            act(fixture.transport.clone(), device, &DeviceAction::Reset).await,
            Err(ActError::Refused(ActionRefusal::UnknownDevice(device)))
        );
    }
    assert!(matches!(
        act(fixture.transport.clone(), CHF, &DeviceAction::RaiseAlert(0x8F1D)).await,
        Err(ActError::Refused(ActionRefusal::NotSupported(reason))) if reason.contains("it is raised by GSME")
    ));
}

#[tokio::test]
async fn an_alert_a_meter_raised_on_its_own_goes_up_from_its_hub() {
    let mut fixture = mount(FakeCsp::new());
    let mut esme = Device::new(&device_config(
        ESME,
        DeviceType::ElectricitySmartMeter,
        DeviceState::default(),
    ))
    .unwrap();
    esme.raise(gbcs::alert::AlertCode(0x8F1C), NOW).unwrap();
    let alert = esme.take_alerts().pop().unwrap();
    let frame = HanFrame {
        request_id: String::new(),
        comms_hub_id: String::new(),
        device_id: ESME.to_hex(),
        gbcs: alert.clone(),
    };
    fixture.han.deliver_frame(frame).await.unwrap();
    let messages = fixture
        .north
        .received
        .wait_until(|messages| !messages.is_empty())
        .await;
    assert_eq!(
        messages,
        vec![DeviceMessage {
            request_id: String::new(),
            device_id: ESME.to_hex(),
            kind: DeviceMessageKind::Alert as i32,
            gbcs: alert,
        }]
    );
    let nowhere = HanFrame {
        request_id: String::new(),
        comms_hub_id: String::new(),
        device_id: Eui64::from_u64(0x00DB_1234_5678_99FF).to_hex(),
        gbcs: vec![],
    };
    assert_eq!(
        fixture.han.deliver_frame(nowhere).await.unwrap_err().code(),
        Code::NotFound
    );
}

/// 11.1's image reaches each listed device through its hub: the GSME (the GPF's mirror)
/// holds it and reports its hash (8F72), the ESME gets it over the HAN, the CHF tells the DCC
/// of each transfer (8F8A); a device no hub here has is refused.
#[tokio::test]
async fn a_firmware_image_reaches_each_device_through_its_hub() {
    use sha2::Digest;
    let mut fixture = mount(FakeCsp::new());
    let image = b"dccsim firmware image 02000001".to_vec();
    let unknown = Eui64::from_u64(0x00DB_1234_5678_99FF);
    let accepted = fixture
        .wan
        .distribute_firmware(FirmwareDistribution {
            request_id: "90-B3-D5-1F-30-01-00-00:00-00-00-00-00-00-00-00:7".into(),
            device_ids: vec![GSME.to_hex(), ESME.to_hex(), unknown.to_hex()],
            firmware_version: "02000001".into(),
            image: image.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(accepted.refused_device_ids, [unknown.to_hex()]);
    let passed = fixture
        .meters
        .firmware
        .wait_until(|images| !images.is_empty())
        .await;
    assert_eq!(passed.len(), 1);
    assert_eq!(passed[0].device_id, ESME.to_hex());
    assert_eq!(passed[0].comms_hub_id, CHF.to_hex());
    assert_eq!(passed[0].image, image);
    let messages = fixture
        .north
        .received
        .wait_until(|messages| messages.len() >= 3)
        .await;
    let alerts: Vec<(String, u16)> = messages
        .iter()
        .map(|message| {
            let apdu = gbcs::Envelope::parse(&message.gbcs)
                .unwrap()
                .general_signing()
                .unwrap()
                .clone();
            (
                message.device_id.clone(),
                gbcs::alert::alert_code(&apdu.payload).unwrap().0,
            )
        })
        .collect();
    assert_eq!(
        alerts,
        [
            (GSME.to_hex(), 0x8F72),
            (CHF.to_hex(), 0x8F8A),
            (CHF.to_hex(), 0x8F8A)
        ]
    );
    let hash = sha2::Sha256::digest(&image);
    assert!(
        messages[0]
            .gbcs
            .windows(32)
            .any(|window| window[..] == hash[..]),
        "the GSME's alert carries the image's hash"
    );
}

/// A virtual clock standing at [`NOW`] (nothing moves it).
fn fixed_clock() -> clock::Clock {
    clock::Clock::virtual_at(NOW.to_offset_date_time().expect("NOW is a real date-time"))
}
