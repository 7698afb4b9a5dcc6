//! The smart meter party, mounted with a fake Comms Hub as its peer.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use dcc_model::DeviceType;
use dcc_proto::han::comms_hub_han_upstream_server::{
    CommsHubHanUpstream, CommsHubHanUpstreamServer,
};
use dcc_proto::han::smart_meter_han_client::SmartMeterHanClient;
use dcc_proto::han::{HanFrame, HanFrameAccepted};
use dcc_proto::transport::{local, GrpcTransport};
use device::DeviceState;
use gbcs::protection::{self, EncryptionParameters};
use gbcs::use_case::{ecs17b, ecs42, gcs13a};
use smartmeter::{SmartMeterConfig, SmartMeterPeers};
use support::*;
use tonic::{Code, Request, Response, Status};

/// A Comms Hub that records the frames meters send up; it can refuse the first few.
#[derive(Clone, Default)]
struct FakeCommsHub {
    received: Arc<Received<HanFrame>>,
    refusals_left: Arc<AtomicUsize>,
}

impl FakeCommsHub {
    fn new() -> Self {
        Self::default()
    }

    /// Answers UNAVAILABLE to the first `count` frames, as a restarting hub would.
    fn refusing_first(self, count: usize) -> Self {
        self.refusals_left.store(count, Ordering::SeqCst);
        self
    }

    fn transport(&self) -> GrpcTransport {
        local(CommsHubHanUpstreamServer::new(self.clone()))
    }
}

#[tonic::async_trait]
impl CommsHubHanUpstream for FakeCommsHub {
    async fn deliver_frame(
        &self,
        request: Request<HanFrame>,
    ) -> Result<Response<HanFrameAccepted>, Status> {
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
        Ok(Response::new(HanFrameAccepted {}))
    }
}

fn mount(hub: &FakeCommsHub) -> SmartMeterHanClient<GrpcTransport> {
    let config = SmartMeterConfig {
        devices: vec![
            device_config(
                ESME,
                DeviceType::ElectricitySmartMeter,
                DeviceState::default(),
            ),
            device_config(GSME, DeviceType::GasSmartMeter, DeviceState::default()),
        ],
        on_demand: None,
    };
    let peers = SmartMeterPeers {
        comms_hubs: hub.transport(),
    };
    let mounted = smartmeter::new(config, peers, fixed_clock()).unwrap();
    assert_eq!(mounted.name, smartmeter::PARTY_NAME);
    assert_eq!(
        mounted.grpc_service_names,
        vec![
            "dccsim.han.v1.SmartMeterHan",
            "dccsim.device.v1.DeviceControl"
        ]
    );
    SmartMeterHanClient::new(start(mounted))
}

fn frame(request_id: &str, device: dcc_model::Eui64, gbcs: Vec<u8>) -> HanFrame {
    HanFrame {
        request_id: request_id.to_owned(),
        comms_hub_id: CHF.to_hex(),
        device_id: device.to_hex(),
        gbcs,
    }
}

#[tokio::test]
async fn a_command_is_answered_up_to_the_comms_hub() {
    let hub = FakeCommsHub::new();
    let mut meters = mount(&hub);
    let command = command(
        ecs17b::MESSAGE_CODE,
        1_000,
        SUPPLIER,
        ESME,
        ecs17b::command_payload(1_000, SUPPLIER, ESME),
        None,
    );
    let request_id = format!("{SUPPLIER}:{ESME}:1000");
    meters
        .deliver_frame(frame(&request_id, ESME, command))
        .await
        .unwrap();

    let received = hub.received.wait_until(|frames| !frames.is_empty()).await;
    let response = &received[0];
    assert_eq!(
        (response.request_id.as_str(), response.comms_hub_id.as_str()),
        (request_id.as_str(), CHF.to_hex().as_str())
    );
    assert_eq!(response.device_id, ESME.to_hex());
    let z = user_secret(SUPPLIER, ESME);
    let apdu = protection::verify_response(&response.gbcs, Some(&z), None).unwrap();
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
    assert_eq!(plaintext, ecs17b::register_plaintext(10, 10));
    assert_eq!(apdu.header.date_time, Some(NOW.cosem()));
}

#[tokio::test]
async fn refusals_answer_with_a_status_and_send_nothing() {
    let hub = FakeCommsHub::new();
    let mut meters = mount(&hub);
    let unknown = dcc_model::Eui64::from_u64(0x00DB_1234_5678_90FF);
    let status = meters
        .deliver_frame(frame("", unknown, vec![0xDD]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);

    let unsigned = command(
        ecs42::MESSAGE_CODE,
        5,
        SUPPLIER,
        ESME,
        ecs42::command_payload(5),
        None,
    );
    let status = meters
        .deliver_frame(frame("", ESME, unsigned))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    assert!(
        status.message().contains("no signature"),
        "{}",
        status.message()
    );

    let mut tampered = command(
        gcs13a::MESSAGE_CODE,
        6,
        SUPPLIER,
        GSME,
        gcs13a::command_payload(),
        None,
    );
    let last = tampered.len() - 1;
    tampered[last] ^= 0xFF;
    let status = meters
        .deliver_frame(frame("", GSME, tampered))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);

    let status = meters
        .deliver_frame(frame("", GSME, vec![1, 2, 3]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);

    // A good command afterwards is the only thing that reaches the hub.
    let good = command(
        gcs13a::MESSAGE_CODE,
        7,
        SUPPLIER,
        GSME,
        gcs13a::command_payload(),
        None,
    );
    meters.deliver_frame(frame("r7", GSME, good)).await.unwrap();
    let received = hub.received.wait_until(|frames| !frames.is_empty()).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].request_id, "r7");
}

#[tokio::test]
async fn responses_survive_a_comms_hub_that_is_briefly_down() {
    let hub = FakeCommsHub::new().refusing_first(3);
    let mut meters = mount(&hub);
    for counter in [10, 11] {
        let command = command(
            gcs13a::MESSAGE_CODE,
            counter,
            SUPPLIER,
            GSME,
            gcs13a::command_payload(),
            None,
        );
        meters
            .deliver_frame(frame(&counter.to_string(), GSME, command))
            .await
            .unwrap();
    }
    let received = hub.received.wait_until(|frames| frames.len() == 2).await;
    let mut ids: Vec<_> = received
        .iter()
        .map(|frame| frame.request_id.clone())
        .collect();
    ids.sort();
    assert_eq!(ids, ["10", "11"]);
    assert_eq!(hub.refusals_left.load(Ordering::SeqCst), 0);
}

/// A virtual clock standing at [`NOW`] (nothing moves it).
fn fixed_clock() -> clock::Clock {
    clock::Clock::virtual_at(NOW.to_offset_date_time().expect("NOW is a real date-time"))
}
