//! `dccsim device respond` with a future-dated command: told a time before the activation
//! time, the device prints its response and no alert; with `--until` the activation time, it
//! then prints one 8F66 per activated setting, naming the command and each setting as RTDS's
//! ESME does (RTDS's ECS28a 6.4.1: the load limit settings at 2030-01-15 09:00).

use std::path::Path;
use std::process::Command;

use gbcs::alert::{Alert, AlertDetails};
use gbcs::Envelope;

const DCCSIM: &str = env!("CARGO_BIN_EXE_dccsim");

const FOLDER: &str = "6.4.1_ECS28a";
const COMMAND: &str = "ECS28a_6.4.1_FUTURE_DATED_SUCCESS_COMMAND_GBCS.HEX";

/// The lines `dccsim device respond` prints for the command, told `now` (and `until`).
fn respond(keys: &Path, command: &Path, now: &str, until: Option<&str>) -> Vec<Vec<u8>> {
    let mut dccsim = Command::new(DCCSIM);
    dccsim
        .args(["device", "respond", "--keys"])
        .arg(keys)
        .args(["--now", now]);
    if let Some(until) = until {
        dccsim.args(["--until", until]);
    }
    let output = dccsim.arg(command).output().expect("dccsim runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| hex::decode(line).expect("hex"))
        .collect()
}

/// An alert's code, time and details.
fn alert_of(bytes: &[u8]) -> Alert {
    let envelope = Envelope::parse(bytes).expect("GBCS");
    let apdu = envelope.general_signing().expect("general-signing");
    Alert::parse(apdu.header.message_code(), &apdu.payload).expect("an alert")
}

/// A signed message's APDU without its signature (ECDSA signatures differ run to run).
fn unsigned(bytes: &[u8]) -> gbcs::GeneralSigning {
    let envelope = Envelope::parse(bytes).expect("GBCS");
    let apdu = envelope.general_signing().expect("general-signing").clone();
    apdu.with_signature(gbcs::SignatureField::Null)
}

fn read_hex(path: &Path) -> Vec<u8> {
    let text = std::fs::read_to_string(path).expect("reference file");
    hex::decode(text.trim()).expect("hex")
}

#[test]
fn a_future_dated_command_raises_8f66_only_once_its_time_has_come() {
    let Some(gbcs) = test_support::rtds_gbcs("RTDS commands and alerts") else {
        return;
    };
    let Some(keys) = test_support::rtds_keystore("RTDS keys") else {
        return;
    };
    let folder = gbcs.join(FOLDER);
    let command = folder.join(COMMAND);
    let before = respond(&keys, &command, "2015-01-01T00:00:00Z", None);
    assert_eq!(before.len(), 1, "the response only");
    let still_before = respond(
        &keys,
        &command,
        "2015-01-01T00:00:00Z",
        Some("2030-01-15T08:59:59Z"),
    );
    assert_eq!(still_before.len(), 1, "nothing is due a second early");

    let lines = respond(
        &keys,
        &command,
        "2015-01-01T00:00:00Z",
        Some("2030-01-15T09:00:00Z"),
    );
    assert_eq!(
        unsigned(&lines[0]),
        unsigned(&before[0]),
        "the same response"
    );
    let mut raised: Vec<(u32, AlertDetails)> = lines[1..]
        .iter()
        .map(|line| {
            let alert = alert_of(line);
            assert_eq!(alert.code.0, 0x8F66);
            (alert.time, alert.details)
        })
        .collect();
    let mut reference: Vec<(u32, AlertDetails)> = std::fs::read_dir(&folder)
        .expect("RTDS folder")
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let name = path.file_name()?.to_string_lossy().into_owned();
            name.contains("_8F66_").then(|| {
                let alert = alert_of(&read_hex(&path));
                (alert.time, alert.details)
            })
        })
        .collect();
    assert_eq!(reference.len(), 4);
    let order = |details: &AlertDetails| format!("{details:?}");
    raised.sort_by_key(|(_, details)| order(details));
    reference.sort_by_key(|(_, details)| order(details));
    assert_eq!(raised, reference);
}
