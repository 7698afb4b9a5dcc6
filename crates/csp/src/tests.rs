//! The CSP's decisions, against fake Comms Hub and DSP peers: which commands it routes and
//! which it refuses, how it passes a peer's refusal on (which decides whether the DSP's outbox
//! retries), and what it passes up.

use std::collections::BTreeSet;
use std::sync::Arc;

use dcc_model::{CspRegion, Eui64};
use dcc_proto::wan::{DeviceMessage, DeviceMessageKind, WanCommand};
use test_support::fakes::{Fake, FakeCommsHub, FakeDspUpstream};
use tonic::{Code, Request, Status};

use super::*;

const NORTH_HUB: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A2);
const SOUTH_HUB: Eui64 = Eui64::from_u64(0x00DB_1234_5678_91A2);
const ESME: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A0);

/// A North CSP owning [`NORTH_HUB`], with the given peers.
fn north_csp(comms_hubs: &FakeCommsHub, dsp: &FakeDspUpstream) -> (Downstream, Upstream) {
    let inner = Arc::new(Inner {
        config: CspConfig {
            region: CspRegion::North,
            comms_hubs: BTreeSet::from([NORTH_HUB]),
        },
        peers: CspPeers {
            comms_hubs: comms_hubs.transport(),
            dsp: dsp.transport(),
        },
    });
    (Downstream(inner.clone()), Upstream(inner))
}

fn command(comms_hub: &str) -> WanCommand {
    WanCommand {
        request_id: "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1000".to_owned(),
        comms_hub_id: comms_hub.to_owned(),
        device_id: ESME.to_hex(),
        gbcs: vec![0xDD, 0x00],
    }
}

fn device_message(device: &str) -> DeviceMessage {
    DeviceMessage {
        request_id: "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1000".to_owned(),
        device_id: device.to_owned(),
        kind: DeviceMessageKind::Response as i32,
        gbcs: vec![0xDF, 0x09],
    }
}

#[tokio::test]
async fn a_command_for_a_comms_hub_of_its_region_is_delivered_unchanged() {
    let (comms_hubs, dsp) = (FakeCommsHub::accepting(), FakeDspUpstream::accepting());
    let (downstream, _) = north_csp(&comms_hubs, &dsp);
    downstream
        .send_command(Request::new(command(&NORTH_HUB.to_hex())))
        .await
        .expect("delivered");
    assert_eq!(comms_hubs.received(), [command(&NORTH_HUB.to_hex())]);
    assert!(dsp.received().is_empty());
}

#[tokio::test]
async fn a_command_for_a_comms_hub_of_another_region_is_refused_not_found_and_not_sent() {
    let (comms_hubs, dsp) = (FakeCommsHub::accepting(), FakeDspUpstream::accepting());
    let (downstream, _) = north_csp(&comms_hubs, &dsp);
    let status = downstream
        .send_command(Request::new(command(&SOUTH_HUB.to_hex())))
        .await
        .expect_err("another region's hub");
    assert_eq!(status.code(), Code::NotFound);
    assert_eq!(
        status.message(),
        format!("comms hub {SOUTH_HUB} is not served by the North CSP")
    );
    assert!(comms_hubs.received().is_empty());
}

#[tokio::test]
async fn a_command_with_a_malformed_comms_hub_id_is_refused_invalid_argument() {
    let (comms_hubs, dsp) = (FakeCommsHub::accepting(), FakeDspUpstream::accepting());
    let (downstream, _) = north_csp(&comms_hubs, &dsp);
    let status = downstream
        .send_command(Request::new(command("not an EUI-64")))
        .await
        .expect_err("malformed id");
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().starts_with("field comms_hub_id: "),
        "{}",
        status.message()
    );
    assert!(comms_hubs.received().is_empty());
}

/// The code the DSP sees decides its outbox: UNAVAILABLE is retried, anything else is final.
/// A device's refusal (PERMISSION_DENIED, INVALID_ARGUMENT, UNIMPLEMENTED, NOT_FOUND) passes on
/// with its code; an unreachable or failing hub (UNAVAILABLE, UNKNOWN, DEADLINE_EXCEEDED,
/// CANCELLED) becomes UNAVAILABLE; either way the message names the comms hub.
#[tokio::test]
async fn a_comms_hub_refusal_keeps_its_code_and_a_transport_failure_becomes_unavailable() {
    let cases = [
        (
            Status::permission_denied("command refused: MAC"),
            Code::PermissionDenied,
        ),
        (
            Status::invalid_argument("not a command"),
            Code::InvalidArgument,
        ),
        (Status::unimplemented("not supported"), Code::Unimplemented),
        (Status::not_found("no such device"), Code::NotFound),
        (Status::unavailable("restarting"), Code::Unavailable),
        (Status::unknown("connection reset"), Code::Unavailable),
        (Status::deadline_exceeded("slow"), Code::Unavailable),
        (Status::cancelled("gone"), Code::Unavailable),
    ];
    for (refusal, expected) in cases {
        let message = refusal.message().to_owned();
        let comms_hubs = FakeCommsHub::builder()
            .then_always_refusing(refusal)
            .build();
        let (downstream, _) = north_csp(&comms_hubs, &FakeDspUpstream::accepting());
        let status = downstream
            .send_command(Request::new(command(&NORTH_HUB.to_hex())))
            .await
            .expect_err("refused by the hub");
        assert_eq!(status.code(), expected, "{message}");
        assert!(
            status.message().contains(&format!("comms hub {NORTH_HUB}"))
                && status.message().contains(&message),
            "{:?}: {}",
            expected,
            status.message()
        );
        assert_eq!(
            comms_hubs.received().len(),
            1,
            "sent once, not retried by the CSP"
        );
    }
}

#[tokio::test]
async fn a_device_message_is_passed_up_to_the_dsp_unchanged() {
    let (comms_hubs, dsp) = (FakeCommsHub::accepting(), FakeDspUpstream::accepting());
    let (_, upstream) = north_csp(&comms_hubs, &dsp);
    upstream
        .deliver_device_message(Request::new(device_message(&ESME.to_hex())))
        .await
        .expect("passed up");
    assert_eq!(dsp.received(), [device_message(&ESME.to_hex())]);
    assert!(comms_hubs.received().is_empty());
}

#[tokio::test]
async fn a_device_message_with_a_malformed_device_id_is_refused_and_not_passed_up() {
    let (comms_hubs, dsp) = (FakeCommsHub::accepting(), FakeDspUpstream::accepting());
    let (_, upstream) = north_csp(&comms_hubs, &dsp);
    let status = upstream
        .deliver_device_message(Request::new(device_message("00-DB")))
        .await
        .expect_err("malformed id");
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().starts_with("field device_id: "),
        "{}",
        status.message()
    );
    assert!(dsp.received().is_empty());
}

#[tokio::test]
async fn the_dsp_refusing_a_device_message_is_passed_back_to_the_comms_hub() {
    let dsp = FakeDspUpstream::builder()
        .refusing(
            1,
            Status::failed_precondition("no command awaits this response"),
        )
        .refusing(1, Status::unavailable("dsp restarting"))
        .build();
    let (_, upstream) = north_csp(&FakeCommsHub::accepting(), &dsp);
    let permanent = upstream
        .deliver_device_message(Request::new(device_message(&ESME.to_hex())))
        .await
        .expect_err("refused");
    assert_eq!(permanent.code(), Code::FailedPrecondition);
    assert_eq!(permanent.message(), "DSP: no command awaits this response");
    let transient = upstream
        .deliver_device_message(Request::new(device_message(&ESME.to_hex())))
        .await
        .expect_err("unreachable");
    assert_eq!(transient.code(), Code::Unavailable);
    assert_eq!(transient.message(), "DSP unreachable: dsp restarting");
    upstream
        .deliver_device_message(Request::new(device_message(&ESME.to_hex())))
        .await
        .expect("the plan then accepts");
    assert_eq!(dsp.received().len(), 3);
}

#[test]
fn each_region_has_its_party_name() {
    assert_eq!(party_name(CspRegion::North), "csp-north");
    assert_eq!(party_name(CspRegion::Central), "csp-central-south");
    assert_eq!(party_name(CspRegion::South), "csp-central-south");
}
