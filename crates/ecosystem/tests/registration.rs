//! Registration data as files, through the in-process ecosystem: a change of supplier in a daily
//! update moves the right to read a meter at its effective time on the virtual clock; a file
//! with bad records gets an ERROR file with each one's reason while its valid records apply; a
//! full refresh broken off mid-transmission resumes with nothing lost or applied twice.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{read_registers, start, WAIT};
use dcc_model::{Eui64, ResponseCode};
use dcc_proto::registration::registration_data_intake_client::RegistrationDataIntakeClient;
use ecosystem::config::{
    SECOND_SUPPLIER, TEMPLATE_ESME, TEMPLATE_GSME, TEST_NETWORK_OPERATOR, TEST_SUPPLIER,
};
use ecosystem::user::{DuisUser, ResponseInbox};
use ecosystem::EcosystemConfig;
use rdp::registration_file::{
    meter_point_reference, FileHeader, FileKind, MeterPointStatus, RegistrationRecord,
};
use rdp::transmission::{BreakingLink, RegistrationFile, Transmission};
use rdp::Fuel;
use time::OffsetDateTime;

fn record(
    fuel: Fuel,
    number: u64,
    device: Eui64,
    supplier: Eui64,
    effective_from_ms: i64,
) -> RegistrationRecord {
    RegistrationRecord {
        meter_point_reference: meter_point_reference(fuel, number),
        device_id: device,
        supplier,
        effective_from_ms,
        network_operator: TEST_NETWORK_OPERATOR,
        supplier_agent: None,
        status: MeterPointStatus::Live,
    }
}

fn file_text(kind: FileKind, fuel: Fuel, sequence: u64, lines: &[String]) -> String {
    let header = FileHeader {
        kind,
        fuel,
        sequence,
        created: OffsetDateTime::UNIX_EPOCH,
    };
    let mut text = header.line() + "\n";
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    text.push_str(&format!("TRL|{}\n", lines.len()));
    text
}

fn write(root: &Path, fuel: Fuel, name: &str, text: &str) {
    let folder = rdp::directory::fuel_directory(root, fuel);
    std::fs::create_dir_all(&folder).expect("registration folder");
    // Written under another name and renamed, so the RDP never reads half a file.
    let partial = folder.join(format!("{name}.partial"));
    std::fs::write(&partial, text).expect("write registration file");
    std::fs::rename(&partial, folder.join(name)).expect("rename registration file");
}

/// The DSP's registration data from `source`, one record a line, sorted (None before any).
async fn registrations(duis_url: &str, source: &str) -> Option<Vec<String>> {
    let response = reqwest::get(format!("{duis_url}/admin/registrations?source={source}"))
        .await
        .expect("admin call");
    if response.status() == reqwest::StatusCode::NOT_FOUND {
        return None;
    }
    assert!(response.status().is_success(), "{}", response.status());
    let text = response.text().await.expect("registrations text");
    Some(text.lines().map(str::to_owned).collect())
}

async fn wait_for<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    while !condition().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "waited a minute for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The ERROR file at `path`, once written whole.
async fn error_file(path: &Path) -> String {
    wait_for("the ERROR file", || async {
        std::fs::read_to_string(path).is_ok_and(|text| text.contains("ERRTRL|"))
    })
    .await;
    std::fs::read_to_string(path).expect("ERROR file")
}

fn sorted(records: &[RegistrationRecord]) -> Vec<String> {
    let mut lines: Vec<String> = records.iter().map(RegistrationRecord::line).collect();
    lines.sort();
    lines
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_of_supplier_in_a_daily_update_moves_access_at_its_effective_time() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let inbox = ResponseInbox::start().await.expect("response inbox");
    let mut config = EcosystemConfig::default().with_ephemeral_ports();
    config.response_url = Some(inbox.url.clone());
    config.clock = clock::ClockMode::Virtual;
    config.registration_directory = Some(folder.path().to_owned());
    config.registration_republish_seconds = 0.05;
    // The full refresh: the template ESME registered to the test supplier for years.
    let esme = record(Fuel::Electricity, 1_000, TEMPLATE_ESME, TEST_SUPPLIER, 0);
    let gsme = record(Fuel::Gas, 2_000, TEMPLATE_GSME, TEST_SUPPLIER, 0);
    let full =
        |fuel, line: &RegistrationRecord| file_text(FileKind::FullRefresh, fuel, 1, &[line.line()]);
    write(
        folder.path(),
        Fuel::Electricity,
        "000001-full-refresh.reg",
        &full(Fuel::Electricity, &esme),
    );
    write(
        folder.path(),
        Fuel::Gas,
        "000001-full-refresh.reg",
        &full(Fuel::Gas, &gsme),
    );
    let (running, duis_url) = start(config).await;
    let identities = &running.identities;
    let old_supplier = DuisUser::new(TEST_SUPPLIER, identities, &duis_url).expect("user");
    let new_supplier = DuisUser::new(SECOND_SUPPLIER, identities, &duis_url).expect("user");

    // The daily update: the second supplier from T, an hour from now on the virtual clock.
    let now_ms = (running.clock.now().unix_timestamp_nanos() / 1_000_000) as i64;
    let change_at_ms = (now_ms / 1000 + 3_600) * 1000;
    let change = RegistrationRecord {
        supplier: SECOND_SUPPLIER,
        effective_from_ms: change_at_ms,
        ..esme.clone()
    };
    write(
        folder.path(),
        Fuel::Electricity,
        "000002-daily-update.reg",
        &file_text(
            FileKind::DailyUpdate,
            Fuel::Electricity,
            2,
            &[change.line()],
        ),
    );
    let expected = sorted(&[esme.clone(), change.clone()]);
    wait_for("the daily update", || async {
        registrations(&duis_url, "rdp-electricity/files")
            .await
            .as_ref()
            == Some(&expected)
    })
    .await;

    // Before T: the old supplier is served, the new one refused E4.
    assert_eq!(
        read_registers(&old_supplier, &inbox, 10).await,
        ResponseCode::Acknowledgement
    );
    assert_eq!(
        read_registers(&new_supplier, &inbox, 10).await.to_string(),
        "E4"
    );

    // One second before T nothing has changed yet.
    running
        .clock
        .advance(Duration::from_millis(
            (change_at_ms - now_ms - 1_000) as u64,
        ))
        .expect("virtual clock moves");
    assert_eq!(
        read_registers(&new_supplier, &inbox, 11).await.to_string(),
        "E4"
    );

    // From T: the reverse.
    running
        .clock
        .advance(Duration::from_secs(1))
        .expect("virtual clock moves");
    assert_eq!(
        read_registers(&new_supplier, &inbox, 12).await,
        ResponseCode::Acknowledgement
    );
    assert_eq!(
        read_registers(&old_supplier, &inbox, 13).await.to_string(),
        "E4"
    );
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_records_go_back_in_an_error_file_with_their_reasons_and_the_valid_ones_apply() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let device = |n: u64| Eui64::from_u64(0x00DD_0000_0000_0000 + n);
    let valid: Vec<RegistrationRecord> = (0..5)
        .map(|n| record(Fuel::Electricity, 100 + n, device(n), TEST_SUPPLIER, 0))
        .collect();
    let good = |n: u64| {
        record(
            Fuel::Electricity,
            500 + n,
            device(100 + n),
            TEST_SUPPLIER,
            0,
        )
    };
    let mpan_check_digit_wrong = {
        let line = good(1).line();
        let reference = meter_point_reference(Fuel::Electricity, 501);
        let last = reference.as_bytes()[12] - b'0';
        let wrong = format!("{}{}", &reference[..12], (last + 1) % 10);
        line.replace(&reference, &wrong)
    };
    let unknown = Eui64::from_u64(0x90B3_D51F_30FE_0000);
    let bad: Vec<(&str, String)> = vec![
        ("MPAN_CHECK_DIGIT", mpan_check_digit_wrong),
        (
            "UNKNOWN_SUPPLIER",
            RegistrationRecord {
                supplier: unknown,
                ..good(2)
            }
            .line(),
        ),
        (
            "UNKNOWN_NETWORK_OPERATOR",
            RegistrationRecord {
                network_operator: unknown,
                ..good(3)
            }
            .line(),
        ),
        (
            "UNKNOWN_SUPPLIER_AGENT",
            RegistrationRecord {
                supplier_agent: Some(unknown),
                ..good(4)
            }
            .line(),
        ),
        // The meter point of the first valid record again, for another device.
        (
            "DUPLICATE_METER_POINT",
            RegistrationRecord {
                device_id: device(105),
                ..valid[0].clone()
            }
            .line(),
        ),
        // The device of the second valid record again, at another meter point.
        (
            "DUPLICATE_DEVICE",
            RegistrationRecord {
                device_id: device(1),
                ..good(6)
            }
            .line(),
        ),
        (
            "FIELD_COUNT",
            "MP|1200000000019|00DB1234567890A0".to_owned(),
        ),
        ("RECORD_TYPE", good(7).line().replacen("MP|", "XX|", 1)),
        (
            "METER_POINT_FORMAT",
            good(8)
                .line()
                .replace(&meter_point_reference(Fuel::Electricity, 508), "12345"),
        ),
        (
            "DEVICE_ID",
            good(9)
                .line()
                .replace(&device(109).to_hex(), "00DB12345678ZZZZ"),
        ),
        (
            "PARTY_ID",
            good(10).line().replace(&TEST_SUPPLIER.to_hex(), "90B3D51F"),
        ),
        (
            "EFFECTIVE_DATE",
            good(11)
                .line()
                .replace("1970-01-01T00:00:00Z", "2026-13-01T00:00:00Z"),
        ),
        ("STATUS", good(12).line().replace("||L", "||X")),
    ];
    let mut lines = Vec::new();
    for (index, record) in valid.iter().enumerate() {
        lines.push(record.line());
        if let Some((_, line)) = bad.get(index) {
            lines.push(line.clone());
        }
    }
    lines.extend(bad.iter().skip(valid.len()).map(|(_, line)| line.clone()));
    write(
        folder.path(),
        Fuel::Electricity,
        "000001-full-refresh.reg",
        &file_text(FileKind::FullRefresh, Fuel::Electricity, 1, &lines),
    );
    // Gas: a valid MPRN and one whose check digits are wrong.
    let gas_valid = record(Fuel::Gas, 77, device(200), TEST_SUPPLIER, 0);
    let gas_reference = meter_point_reference(Fuel::Gas, 78);
    let gas_wrong = format!(
        "{}{:02}",
        &gas_reference[..8],
        (gas_reference[8..].parse::<u32>().unwrap() + 1) % 100
    );
    let gas_bad = record(Fuel::Gas, 78, device(201), TEST_SUPPLIER, 0)
        .line()
        .replace(&gas_reference, &gas_wrong);
    write(
        folder.path(),
        Fuel::Gas,
        "000001-full-refresh.reg",
        &file_text(
            FileKind::FullRefresh,
            Fuel::Gas,
            1,
            &[gas_valid.line(), gas_bad],
        ),
    );

    let mut config = EcosystemConfig::default().with_ephemeral_ports();
    config.registration_directory = Some(folder.path().to_owned());
    let (running, duis_url) = start(config).await;

    // Every valid record is applied, and nothing else.
    assert_eq!(
        registrations(&duis_url, "rdp-electricity/files").await,
        Some(sorted(&valid))
    );
    assert_eq!(
        registrations(&duis_url, "rdp-gas/files").await,
        Some(sorted(&[gas_valid]))
    );

    // The ERROR file lists each bad record once, with its line and reason.
    let error_path = rdp::directory::error_path(
        &rdp::directory::fuel_directory(folder.path(), Fuel::Electricity)
            .join("000001-full-refresh.reg"),
    );
    let errors = error_file(&error_path).await;
    let listed: Vec<&str> = errors
        .lines()
        .filter(|line| line.starts_with("ERR|"))
        .collect();
    assert_eq!(listed.len(), bad.len(), "{errors}");
    assert!(bad.len() >= 8);
    for (code, line) in &bad {
        let number = lines.iter().position(|sent| sent == line).expect("sent") + 2;
        let entry = listed
            .iter()
            .find(|entry| entry.starts_with(&format!("ERR|{number}|")))
            .unwrap_or_else(|| panic!("line {number} ({code}) not in {errors}"));
        assert!(
            entry.starts_with(&format!("ERR|{number}|{code}|")),
            "{entry}"
        );
        assert!(entry.ends_with(line.as_str()), "{entry}");
    }
    assert!(
        errors.ends_with(&format!("ERRTRL|{}\n", bad.len())),
        "{errors}"
    );
    let gas_errors = error_file(&rdp::directory::error_path(
        &rdp::directory::fuel_directory(folder.path(), Fuel::Gas).join("000001-full-refresh.reg"),
    ))
    .await;
    assert!(gas_errors.contains("|MPRN_CHECK_DIGITS|"), "{gas_errors}");
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_refresh_broken_off_mid_transmission_resumes_with_nothing_lost_or_doubled() {
    let config = EcosystemConfig::default().with_ephemeral_ports();
    let (running, duis_url) = start(config).await;
    let dsp_address = running.grpc_addresses["dsp"];
    let endpoint =
        tonic::transport::Endpoint::from_shared(format!("http://{dsp_address}")).expect("endpoint");
    let transport = dcc_proto::transport::remote(endpoint.connect_lazy());

    let created = OffsetDateTime::from_unix_timestamp(1_780_000_000).expect("time");
    let fleet = rdp::registration_file::generate(
        10_000,
        7,
        &[TEST_SUPPLIER, SECOND_SUPPLIER],
        TEST_NETWORK_OPERATOR,
        created,
    );
    let file = RegistrationFile::parse(fleet.electricity).expect("generated file reads");
    assert_eq!(file.record_count(), 5_000);
    let expected: Vec<String> = {
        let mut lines: Vec<String> = file.records().map(|(_, line)| line.to_owned()).collect();
        lines.sort();
        lines
    };
    let mut transmission = Transmission::new("rdp-electricity", Fuel::Electricity, &file, 1_000);

    // The link drops once 2,500 records have gone: batches 0–2 reach the DSP, the third's
    // acknowledgement is lost.
    let mut breaking =
        BreakingLink::after_records(RegistrationDataIntakeClient::new(transport.clone()), 2_500);
    let broken = transmission
        .resume(&mut breaking)
        .await
        .expect_err("the link drops");
    assert_eq!(broken.code(), tonic::Code::Unavailable);
    assert!(!transmission.is_complete());
    // A full refresh half received changes nothing yet.
    assert_eq!(
        registrations(&duis_url, "rdp-electricity/files").await,
        None
    );

    // Resumed over a new link: batch 2 again (taken once), then the rest.
    let mut link = RegistrationDataIntakeClient::new(transport);
    transmission
        .resume(&mut link)
        .await
        .expect("the transmission completes");
    assert!(transmission.is_complete());
    assert_eq!(transmission.applied(), 5_000);
    assert!(
        transmission.refused().is_empty(),
        "{:?}",
        transmission.refused()
    );
    let held = registrations(&duis_url, "rdp-electricity/files")
        .await
        .expect("the full refresh is applied");
    assert_eq!(held.len(), 5_000);
    assert_eq!(held, expected);

    // The whole file sent again (an RDP restarted) is acknowledged and changes nothing.
    let mut again = Transmission::new("rdp-electricity", Fuel::Electricity, &file, 1_000);
    again.resume(&mut link).await.expect("acknowledged again");
    assert_eq!(
        registrations(&duis_url, "rdp-electricity/files").await,
        Some(expected)
    );
    running.shutdown().await;
}

/// Fault injection on the RDP→DSP link (the link layer every party's calls can pass through):
/// the first batch goes twice, the next two calls are dropped, then all is delivered.
#[derive(Debug, Default)]
struct DroppingThenDuplicating {
    calls: std::sync::atomic::AtomicU32,
}

impl dcc_proto::link::LinkLayer for DroppingThenDuplicating {
    fn enter(&self, _call: &dcc_proto::link::Call<'_>) -> dcc_proto::link::Entry {
        let call = self
            .calls
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let fate = match call {
            0 => dcc_proto::link::Fate::Deliver {
                delay: Duration::ZERO,
                copies: 2,
                corrupt: false,
            },
            1 | 2 => dcc_proto::link::Fate::Drop {
                delay: Duration::ZERO,
                reason: "the RDP to DSP link is down (fault injection)".to_owned(),
            },
            _ => dcc_proto::link::Fate::DELIVER,
        };
        dcc_proto::link::Entry {
            fate,
            sending: dcc_proto::link::Sending::default(),
        }
    }

    fn observe(
        &self,
        _call: &dcc_proto::link::Call<'_>,
        _copy: u32,
        _sending: dcc_proto::link::Sending,
        _fate: &dcc_proto::link::Fate,
        _outcome: &dcc_proto::link::Outcome,
    ) {
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_rdp_sending_over_a_link_that_drops_and_duplicates_batches_leaves_the_file_exactly() {
    let config = EcosystemConfig::default().with_ephemeral_ports();
    let (running, duis_url) = start(config).await;
    let endpoint = tonic::transport::Endpoint::from_shared(format!(
        "http://{}",
        running.grpc_addresses["dsp"]
    ))
    .expect("endpoint");
    let layer = std::sync::Arc::new(DroppingThenDuplicating::default());
    let link = dcc_proto::link::through(
        layer.clone(),
        dcc_proto::link::Link::new("rdp-gas", "dsp"),
        dcc_proto::transport::remote(endpoint.connect_lazy()),
    );
    // 30,000 gas meter points: three batches of 10,000.
    let fleet = rdp::registration_file::generate(
        60_000,
        11,
        &[TEST_SUPPLIER, SECOND_SUPPLIER],
        TEST_NETWORK_OPERATOR,
        OffsetDateTime::from_unix_timestamp(1_780_000_000).expect("time"),
    );
    let folder = tempfile::tempdir().expect("temporary folder");
    write(
        folder.path(),
        Fuel::Gas,
        "000001-full-refresh.reg",
        &fleet.gas,
    );
    let path =
        rdp::directory::fuel_directory(folder.path(), Fuel::Gas).join("000001-full-refresh.reg");
    rdp::directory::send_file(Fuel::Gas, &path, &link, Duration::from_millis(5)).await;

    let file = RegistrationFile::parse(fleet.gas).expect("generated file reads");
    let mut expected: Vec<String> = file.records().map(|(_, line)| line.to_owned()).collect();
    expected.sort();
    assert_eq!(expected.len(), 30_000);
    assert_eq!(
        registrations(&duis_url, "rdp-gas/files").await,
        Some(expected)
    );
    assert!(
        layer.calls.load(std::sync::atomic::Ordering::Relaxed) >= 5,
        "two calls dropped and retried"
    );
    assert!(
        !rdp::directory::error_path(&path).exists(),
        "nothing refused"
    );
    running.shutdown().await;
}
