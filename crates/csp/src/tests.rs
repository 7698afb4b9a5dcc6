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
    north_csp_with(
        comms_hubs,
        dsp,
        wan::WanConfig::default(),
        clock::Clock::system(),
    )
}

fn north_csp_with(
    comms_hubs: &FakeCommsHub,
    dsp: &FakeDspUpstream,
    wan: wan::WanConfig,
    clock: clock::Clock,
) -> (Downstream, Upstream) {
    let inner = Arc::new(Inner {
        config: CspConfig {
            region: CspRegion::North,
            comms_hubs: BTreeSet::from([NORTH_HUB]),
            fleet: 0,
            wan,
            coverage: None,
            clock,
        },
        peers: CspPeers {
            comms_hubs: comms_hubs.transport(),
            dsp: dsp.transport(),
        },
        commands_sent: AtomicU64::new(0),
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

/// A virtual clock at unix second 1,800,000,000.
fn virtual_clock() -> clock::Clock {
    clock::Clock::virtual_at(time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap())
}

#[tokio::test]
async fn a_hub_in_an_outage_is_refused_as_unreachable_over_the_sm_wan_then_served_again() {
    let (comms_hubs, dsp) = (FakeCommsHub::accepting(), FakeDspUpstream::accepting());
    let mut wan = wan::WanConfig::default();
    wan.hubs.insert(
        NORTH_HUB,
        wan::HubWan {
            variant: None,
            outages: vec![wan::Outage {
                from_unix_seconds: 1_800_000_060,
                to_unix_seconds: 1_800_000_120,
            }],
        },
    );
    let clock = virtual_clock();
    let (downstream, _) = north_csp_with(&comms_hubs, &dsp, wan, clock.clone());
    let send = || downstream.send_command(Request::new(command(&NORTH_HUB.to_hex())));
    send().await.expect("reachable before the outage");
    clock.advance(std::time::Duration::from_secs(60)).unwrap();
    let status = send().await.expect_err("unreachable in the outage");
    assert_eq!(status.code(), Code::Unavailable);
    assert_eq!(
        status
            .metadata()
            .get(SM_WAN_METADATA_KEY)
            .map(|v| v.to_str().unwrap()),
        Some(COMMS_HUB_UNREACHABLE)
    );
    assert_eq!(
        CspError::from(status),
        CspError::CommsHubUnreachable(format!(
            "comms hub {NORTH_HUB} is not reachable over the SM WAN"
        ))
    );
    clock.advance(std::time::Duration::from_secs(60)).unwrap();
    send().await.expect("reachable again after the outage");
    assert_eq!(
        comms_hubs.received().len(),
        2,
        "the refused command never went"
    );
}

#[tokio::test]
async fn a_modelled_wan_delivers_after_the_variants_latency_on_the_ecosystem_clock() {
    let (comms_hubs, dsp) = (FakeCommsHub::accepting(), FakeDspUpstream::accepting());
    let mut wan = wan::WanConfig {
        modelled: true,
        ..wan::WanConfig::default()
    };
    // No loss, always reachable: only the latency is under test.
    for behaviour in wan.variants.values_mut() {
        behaviour.loss = 0.0;
        behaviour.reachable_fraction = 1.0;
    }
    let clock = virtual_clock();
    let (downstream, _) = north_csp_with(&comms_hubs, &dsp, wan, clock.clone());
    downstream
        .send_command(Request::new(command(&NORTH_HUB.to_hex())))
        .await
        .expect("taken");
    tokio::task::yield_now().await;
    assert!(
        comms_hubs.received().is_empty(),
        "still on the WAN while the clock stands"
    );
    clock
        .advance(std::time::Duration::from_secs(3_600))
        .unwrap();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    while comms_hubs.received().is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "never delivered");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert_eq!(comms_hubs.received(), [command(&NORTH_HUB.to_hex())]);
}

#[test]
fn each_variant_has_its_own_seeded_latency_distribution() {
    let variants = wan::default_variants();
    assert_eq!(
        variants.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "edmi",
            "toshiba-cellular",
            "toshiba-mesh",
            "toshiba-mesh-2",
            "wnc-cellular"
        ]
    );
    let mut medians = Vec::new();
    for behaviour in variants.values() {
        let summary = wan::measure(behaviour, 200, 20_000, 1);
        assert_eq!(summary, wan::measure(behaviour, 200, 20_000, 1), "seeded");
        assert!(summary.p99 > summary.p50);
        // The measured median is the configured one (plus 200 bytes' transfer), within 5 %.
        let expected_ms =
            behaviour.latency_median_ms + 200.0 * 1000.0 / behaviour.bandwidth_bytes_per_second;
        let measured_ms = summary.p50.as_secs_f64() * 1000.0;
        assert!(
            (measured_ms / expected_ms - 1.0).abs() < 0.05,
            "{measured_ms} vs {expected_ms}"
        );
        medians.push(summary.p50);
    }
    medians.sort();
    medians.dedup();
    assert_eq!(medians.len(), variants.len(), "distinct distributions");
    // A large message (GBT) takes longer on the same variant.
    let edmi = &variants["edmi"];
    assert!(wan::measure(edmi, 20_000, 5_000, 1).p50 > wan::measure(edmi, 200, 5_000, 1).p50);
}

#[test]
fn a_mesh_hub_is_reachable_only_part_of_each_period() {
    let wan = wan::WanConfig {
        modelled: true,
        ..wan::WanConfig::default()
    };
    let mut config = wan.clone();
    config.hubs.insert(
        SOUTH_HUB,
        wan::HubWan {
            variant: Some("toshiba-mesh".to_owned()),
            outages: Vec::new(),
        },
    );
    let start = 1_800_000_000_000i64;
    let reachable = (0..600)
        .filter(|second| config.reachable(SOUTH_HUB, CspRegion::South, start + second * 1000))
        .count();
    // toshiba-mesh: reachable 80 % of every 600 s.
    assert_eq!(reachable, 480);
    assert_eq!(config.variant_of(NORTH_HUB, CspRegion::North), "edmi");
    assert!((0..600).all(|second| config.reachable(
        NORTH_HUB,
        CspRegion::North,
        start + second * 1000
    )));
}

#[tokio::test]
async fn the_wan_matrix_answers_from_coverage_data_for_covered_and_uncovered_addresses() {
    let (comms_hubs, dsp) = (FakeCommsHub::accepting(), FakeDspUpstream::accepting());
    let (downstream, _) = north_csp(&comms_hubs, &dsp);
    let ask = |uprn: &str, post_code: &str| {
        downstream.request_wan_coverage(Request::new(dcc_proto::wan::WanCoverageQuery {
            request_id: "90-B3-D5-1F-30-01-00-00:90-B3-D5-1F-30-01-00-00:1".to_owned(),
            uprn: uprn.to_owned(),
            post_code: post_code.to_owned(),
            address_identifier: "1".to_owned(),
        }))
    };
    let covered = ask("", "NE1 4XF").await.expect("answered").into_inner();
    assert_eq!(covered.regions.len(), 1);
    assert_eq!(covered.regions[0].region, "North");
    assert!(covered.regions[0].coverage_available);
    assert_eq!(covered.regions[0].connectivity_likelihood, "High");
    let shetland = ask("", "ze1 0aa").await.expect("answered").into_inner();
    assert!(!shetland.regions[0].coverage_available);
    assert_eq!(shetland.regions[0].connectivity_likelihood, "Low");
    assert_eq!(shetland.regions[0].response_code, "I0");
    let uncovered_uprn = ask("999999999999", "")
        .await
        .expect("answered")
        .into_inner();
    assert!(!uncovered_uprn.regions[0].coverage_available);
    let covered_uprn = ask("100023336956", "")
        .await
        .expect("answered")
        .into_inner();
    assert!(covered_uprn.regions[0].coverage_available);
    let scilly = coverage::CoverageData::default_for(CspRegion::South);
    let partial = |post_code: &str| coverage::Address::Partial {
        post_code: post_code.to_owned(),
        address_identifier: "1".to_owned(),
    };
    assert!(!scilly.covers(&partial("TR21 0PP")));
    assert!(scilly.covers(&partial("TR2 1AA")), "TR2 is not TR21");
    assert!(scilly.covers(&partial("TR1 1AA")));
}

/// The outcomes of `count` commands to [`NORTH_HUB`] at one instant.
fn deliveries(wan: &wan::WanConfig, count: u64) -> Vec<wan::Delivery> {
    (0..count)
        .map(|sequence| {
            wan.delivery(
                NORTH_HUB,
                CspRegion::North,
                200,
                sequence,
                1_800_000_000_000,
            )
        })
        .collect()
}

fn lost(outcomes: &[wan::Delivery]) -> usize {
    outcomes
        .iter()
        .filter(|outcome| **outcome == wan::Delivery::Lost)
        .count()
}

#[test]
fn without_the_wan_modelled_every_command_arrives_at_once_but_outages_still_hold() {
    let mut wan = wan::WanConfig::default();
    for behaviour in wan.variants.values_mut() {
        behaviour.loss = 1.0;
        behaviour.reachable_fraction = 0.0;
    }
    assert!(deliveries(&wan, 100)
        .iter()
        .all(|outcome| *outcome == wan::Delivery::After(std::time::Duration::ZERO)));
    wan.hubs.insert(
        NORTH_HUB,
        wan::HubWan {
            variant: None,
            outages: vec![wan::Outage {
                from_unix_seconds: 1_800_000_000,
                to_unix_seconds: 1_800_000_001,
            }],
        },
    );
    assert_eq!(deliveries(&wan, 1), [wan::Delivery::Unreachable]);
}

#[test]
fn a_modelled_wan_loses_the_variants_share_of_commands_the_same_ones_for_the_same_seed() {
    let mut wan = wan::WanConfig {
        modelled: true,
        ..wan::WanConfig::default()
    };
    let edmi = wan.variants.get_mut("edmi").expect("edmi");
    edmi.loss = 0.1;
    let outcomes = deliveries(&wan, 20_000);
    // 10 % of 20,000 draws: a seeded run lands within 1.5 points of it.
    let share = lost(&outcomes) as f64 / outcomes.len() as f64;
    assert!((share - 0.1).abs() < 0.015, "{share}");
    assert_eq!(outcomes, deliveries(&wan, 20_000), "seeded");
    let reseeded = wan::WanConfig {
        seed: 2,
        ..wan.clone()
    };
    assert_ne!(
        outcomes,
        deliveries(&reseeded, 20_000),
        "another seed, other draws"
    );
    // Every other command arrives, after a positive latency no shorter than its transfer.
    let transfer = std::time::Duration::from_secs_f64(200.0 / 2_400.0);
    assert!(outcomes.iter().all(|outcome| match outcome {
        wan::Delivery::Lost => true,
        wan::Delivery::After(latency) => *latency > transfer,
        wan::Delivery::Unreachable => false,
    }));
    let edmi = wan.variants.get_mut("edmi").expect("edmi");
    edmi.loss = 0.0;
    assert_eq!(lost(&deliveries(&wan, 5_000)), 0);
    wan.variants.get_mut("edmi").expect("edmi").loss = 1.0;
    assert_eq!(lost(&deliveries(&wan, 5_000)), 5_000);
}

#[tokio::test]
async fn a_command_lost_on_the_wan_is_taken_from_the_dsp_but_never_reaches_the_hub() {
    let (comms_hubs, dsp) = (FakeCommsHub::accepting(), FakeDspUpstream::accepting());
    let mut wan = wan::WanConfig {
        modelled: true,
        ..wan::WanConfig::default()
    };
    let edmi = wan.variants.get_mut("edmi").expect("edmi");
    edmi.loss = 1.0;
    edmi.reachable_fraction = 1.0;
    let clock = virtual_clock();
    let (downstream, _) = north_csp_with(&comms_hubs, &dsp, wan, clock.clone());
    downstream
        .send_command(Request::new(command(&NORTH_HUB.to_hex())))
        .await
        .expect("taken: the DSP learns of the loss only by the response that never comes");
    clock
        .advance(std::time::Duration::from_secs(3_600))
        .unwrap();
    for _ in 0..50 {
        tokio::task::yield_now().await;
    }
    assert!(comms_hubs.received().is_empty());
}

/// 11.1's image: a device id that is not one is refused outright; when the Comms Hubs cannot
/// take the image, every device is returned as refused (the DSP raises a
/// FirmwareDistributionFailure for them) rather than the request failing.
#[tokio::test]
async fn firmware_the_hubs_cannot_take_is_refused_for_every_device() {
    use dcc_proto::wan::communications_service_provider_server::CommunicationsServiceProvider;
    let (comms_hubs, dsp) = (FakeCommsHub::accepting(), FakeDspUpstream::accepting());
    let (downstream, _) = north_csp(&comms_hubs, &dsp);
    let distribution = |devices: Vec<String>| dcc_proto::wan::FirmwareDistribution {
        request_id: "90-B3-D5-1F-30-01-00-00:90-B3-D5-1F-30-00-00-02:5".to_owned(),
        device_ids: devices,
        firmware_version: "02000001".to_owned(),
        image: vec![1, 2, 3],
    };
    let devices = vec![ESME.to_hex(), NORTH_HUB.to_hex()];
    let accepted = downstream
        .distribute_firmware(Request::new(distribution(devices.clone())))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(accepted.refused_device_ids, devices);
    let status = downstream
        .distribute_firmware(Request::new(distribution(vec!["nope".to_owned()])))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().contains("device_ids"),
        "{}",
        status.message()
    );
}
