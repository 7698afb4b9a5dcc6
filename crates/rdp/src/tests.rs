//! The RDP's decisions: what it publishes, how long it waits after the DSP took or refused a
//! snapshot, and, against a fake DSP registration intake, that it keeps publishing through
//! refusals.

use std::time::Duration;

use dcc_model::Eui64;
use dcc_proto::registration::MeterPoint as WireMeterPoint;
use test_support::fakes::{Fake, FakeRegistrationIntake};
use tonic::Status;

use super::*;

const REPUBLISH: Duration = Duration::from_secs(60);

fn config(republish_interval: Duration) -> RdpConfig {
    RdpConfig {
        fuel: Fuel::Gas,
        meter_points: vec![MeterPoint {
            meter_point_reference: "7500000001".to_owned(),
            device_id: Eui64::from_u64(0x00DB_1234_5678_90A1),
            registered_supplier: Eui64::from_u64(0x90B3_D51F_3001_0000),
            registered_network_operator: Eui64::from_u64(0x90B3_D51F_3002_0000),
            registered_supplier_agent: None,
        }],
        republish_interval,
        registration_directory: None,
    }
}

/// Starts the RDP's publishing task against `dsp`.
fn start(config: RdpConfig, dsp: &FakeRegistrationIntake) -> tokio::task::JoinHandle<()> {
    let mut service = new(config, dsp.transport());
    assert_eq!(service.tasks.len(), 1, "one publishing task");
    assert!(
        service.grpc_service_names.is_empty(),
        "an RDP serves no gRPC"
    );
    tokio::spawn(service.tasks.remove(0))
}

/// Waits (up to a minute) until `dsp` has received `count` snapshots.
async fn received(dsp: &FakeRegistrationIntake, count: usize) -> Vec<RegistrationSnapshot> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let received = dsp.received();
        if received.len() >= count {
            return received;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {} of {count} snapshots received",
            received.len()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[test]
fn the_snapshot_carries_every_meter_point_with_its_parties_in_hex() {
    let gas = snapshot(&config(REPUBLISH));
    assert_eq!(gas.registration_data_provider, "rdp-gas");
    assert_eq!(gas.fuel, WireFuel::Gas as i32);
    assert_eq!(
        gas.meter_points,
        [WireMeterPoint {
            meter_point_reference: "7500000001".to_owned(),
            device_id: "00DB1234567890A1".to_owned(),
            registered_supplier_id: "90B3D51F30010000".to_owned(),
            registered_network_operator_id: "90B3D51F30020000".to_owned(),
            registered_supplier_agent_id: String::new(),
        }]
    );
    let electricity = snapshot(&RdpConfig {
        fuel: Fuel::Electricity,
        ..config(REPUBLISH)
    });
    assert_eq!(electricity.registration_data_provider, "rdp-electricity");
    assert_eq!(electricity.fuel, WireFuel::Electricity as i32);
}

#[test]
fn after_an_accepted_snapshot_it_waits_the_republish_interval() {
    assert_eq!(wait_after(true, REPUBLISH), REPUBLISH);
    assert_eq!(
        wait_after(true, Duration::from_millis(20)),
        Duration::from_millis(20)
    );
}

#[test]
fn after_a_refusal_it_tries_again_within_the_retry_interval() {
    assert_eq!(wait_after(false, REPUBLISH), RETRY_INTERVAL);
    assert_eq!(RETRY_INTERVAL, Duration::from_millis(100));
    // A republish interval shorter than the retry interval is kept.
    assert_eq!(
        wait_after(false, Duration::from_millis(20)),
        Duration::from_millis(20)
    );
}

#[tokio::test]
async fn publishes_its_snapshot_at_start() {
    let dsp = FakeRegistrationIntake::accepting();
    let task = start(config(REPUBLISH), &dsp);
    assert_eq!(received(&dsp, 1).await, [snapshot(&config(REPUBLISH))]);
    task.abort();
}

#[tokio::test]
async fn keeps_publishing_through_refusals_and_after_the_dsp_took_it() {
    // Refused twice (starting), accepted, refused (restarting), then accepted for good: the
    // same snapshot every time. A republish interval of 10 ms keeps the test short.
    let dsp = FakeRegistrationIntake::builder()
        .refusing(2, Status::unavailable("dsp starting"))
        .accepting(1)
        .refusing(1, Status::invalid_argument("dsp refusing"))
        .build();
    let republish = Duration::from_millis(10);
    let task = start(config(republish), &dsp);
    let snapshots = received(&dsp, 6).await;
    task.abort();
    assert!(snapshots
        .iter()
        .all(|received| *received == snapshot(&config(republish))));
}

#[test]
fn the_republish_interval_is_written_in_seconds_and_refused_when_negative() {
    let json = serde_json::to_value(config(Duration::from_millis(1500))).unwrap();
    assert_eq!(json["republish_interval"], 1.5);
    let back: RdpConfig = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back.republish_interval, Duration::from_millis(1500));
    let mut negative = json;
    negative["republish_interval"] = serde_json::json!(-1.0);
    let error = serde_json::from_value::<RdpConfig>(negative).unwrap_err();
    assert!(error.to_string().contains("negative"), "{error}");
}
