//! The alert codec and the alert catalogue against every RTDS alert (`*_ALERT*_GBCS.HEX`):
//! each payload reads as a typed alert and writes back byte for byte, and the catalogue
//! names the alert's code for the device that raised it, under the message code it came as,
//! with the protection it came with. Then the catalogue against itself and the use case
//! catalogue: every row travels as an alert use case of the right protection and encoding.

mod common;

use common::{read_hex_file, rtds};
use dcc_model::DeviceType;
use gbcs::alert::catalogue::{self, AlertContent, ALERT_CODES};
use gbcs::alert::{Alert, AlertCode, AlertDetails, AlertEncoding};
use gbcs::catalogue::Protection;
use gbcs::{Envelope, SignatureField};

#[test]
fn every_reference_alert_reads_writes_back_and_is_in_the_catalogue() {
    let Some(rtds) = rtds() else { return };
    let files = test_support::rtds_alert_files(&rtds.join("gbcs")).unwrap();
    assert!(
        files.len() >= 80,
        "expected the 80 RTDS alerts, found {}",
        files.len()
    );
    let mut failures = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if let Err(problem) = check(&read_hex_file(path)) {
            failures.push(format!("{name}: {problem}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn check(bytes: &[u8]) -> Result<(), String> {
    let envelope = Envelope::parse(bytes).map_err(|error| error.to_string())?;
    let apdu = envelope
        .general_signing()
        .ok_or("not a general-signing APDU")?;
    let header = &apdu.header;
    let message_code = header.message_code();
    let alert = Alert::parse(message_code, &apdu.payload).map_err(|error| error.to_string())?;
    let encoding = AlertEncoding::detect(&apdu.payload).map_err(|error| error.to_string())?;
    let again = alert
        .encode(encoding, header.transaction.counter)
        .map_err(|error| error.to_string())?;
    if again != apdu.payload {
        return Err(format!(
            "written back as {}, not {}",
            hex::encode_upper(&again),
            hex::encode_upper(&apdu.payload)
        ));
    }
    if let AlertDetails::DlmsFields(_) | AlertDetails::GbzFields { .. } = alert.details {
        return Err(format!("{message_code}: not read field by field"));
    }
    if gbcs::alert::alert_code(&apdu.payload) != Ok(alert.code) {
        return Err("alert_code reads another code".to_owned());
    }
    let device = test_support::rtds_device_type(header.originator).unwrap();
    // The future-dated firmware activation and credentials alerts of CS06, CS02b and CS02g
    // (0x00CA, 0x00CB, 0x0124) report their use case's execution under 8F66/8F67, which the
    // catalogue carries for the DLMS and GBZ commands (0x00CC, 0x00CD).
    if matches!(message_code.0, 0x00CA | 0x00CB | 0x0124) {
        return Ok(());
    }
    let entry = catalogue::entry(alert.code, device)
        .ok_or_else(|| format!("{} not in the catalogue for {device}", alert.code))?;
    if entry.message_code != message_code {
        return Err(format!(
            "{} comes as {message_code}, the catalogue says {}",
            alert.code, entry.message_code
        ));
    }
    let signed = matches!(apdu.signature, SignatureField::Present(_));
    if entry.is_critical() != signed {
        return Err(format!(
            "{}: signed {signed}, the catalogue says critical {}",
            alert.code,
            entry.is_critical()
        ));
    }
    if AlertEncoding::of(message_code, device) != encoding {
        return Err(format!("{}: encoded as {encoding:?}", alert.code));
    }
    Ok(())
}

#[test]
fn every_catalogue_row_travels_as_an_alert_use_case_of_its_devices() {
    for entry in ALERT_CODES {
        let use_case = entry
            .use_case()
            .unwrap_or_else(|| panic!("{}: {} not a use case", entry.code, entry.message_code));
        assert!(
            matches!(
                use_case.protection,
                Protection::SignedAlert | Protection::MacAlert
            ),
            "{}: {} is not an alert use case",
            entry.code,
            use_case.name
        );
        for device in entry.device_types {
            assert!(
                use_case.applies_to(*device),
                "{}: {} does not come from a {device}",
                entry.code,
                use_case.name
            );
            assert!(
                catalogue::entries(entry.code)
                    .filter(|other| other.raised_by(*device))
                    .count()
                    == 1,
                "{} has two rows for {device}",
                entry.code
            );
        }
        assert_eq!(
            entry.has_encrypted_content(),
            use_case.has_sensitive_block(),
            "{}: encrypted content and the use case's sensitive block disagree",
            entry.code
        );
        let generic = entry.content == AlertContent::Nothing;
        assert_eq!(
            generic,
            matches!(entry.message_code.0, 0x1000 | 0x1001),
            "{}: only generic alerts carry nothing",
            entry.code
        );
        if generic {
            assert_eq!(
                entry.is_critical(),
                entry.code.0 >> 8 == 0x8F,
                "{}: a generic alert is critical when its code is 8Fxx",
                entry.code
            );
        }
    }
    let codes: std::collections::BTreeSet<AlertCode> =
        ALERT_CODES.iter().map(|entry| entry.code).collect();
    assert!(codes.len() >= 170, "{} alert codes", codes.len());
    assert_eq!(
        catalogue::name(AlertCode(0x8F1C)),
        Some("Firmware verification failed")
    );
    assert!(catalogue::entry(AlertCode(0x8F1D), DeviceType::ElectricitySmartMeter).is_none());
    assert!(catalogue::entry(AlertCode(0x1234), DeviceType::ElectricitySmartMeter).is_none());
}

/// Every RTDS future-dated command (`*_FUTURE_DATED_*_COMMAND_GBCS.HEX`) with outcome alerts
/// (`*_8F66_FUTURE_DATED_*_ALERT_*`): its instructions are as many as its alerts, and each alert
/// names one of them, no two the same one.
#[test]
fn each_future_dated_outcome_alert_names_one_instruction_of_its_command() {
    let Some(rtds) = rtds() else { return };
    let files = test_support::rtds_alert_files(&rtds.join("gbcs")).unwrap();
    let mut by_command: std::collections::BTreeMap<std::path::PathBuf, Vec<std::path::PathBuf>> =
        Default::default();
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let Some((before, after)) = name.split_once("_8F66_") else {
            continue;
        };
        let Some((variant, _)) = after.split_once("_ALERT_") else {
            continue;
        };
        let command = path.with_file_name(format!("{before}_{variant}_COMMAND_GBCS.HEX"));
        by_command.entry(command).or_default().push(path);
    }
    assert!(by_command.len() >= 10, "{by_command:?}");
    let mut failures = Vec::new();
    for (command, alerts) in &by_command {
        let name = command.file_name().unwrap().to_string_lossy().into_owned();
        if !command.exists() {
            continue;
        }
        let bytes = read_hex_file(command);
        let envelope = Envelope::parse(&bytes).unwrap();
        let instructions =
            gbcs::future_dated::instructions(&envelope.general_signing().unwrap().payload);
        let mut named = Vec::new();
        for alert in alerts {
            let bytes = read_hex_file(alert);
            let envelope = Envelope::parse(&bytes).unwrap();
            let apdu = envelope.general_signing().unwrap();
            let alert = Alert::parse(apdu.header.message_code(), &apdu.payload).unwrap();
            let counter = envelope_counter(&read_hex_file(command));
            if alert.details.future_dated_counter() != Some(counter) {
                failures.push(format!(
                    "{name}: an alert names the command's counter as {:?}, not {counter}",
                    alert.details.future_dated_counter()
                ));
            }
            let Some(instruction) = alert.details.future_dated_instruction() else {
                failures.push(format!(
                    "{name}: an alert names no instruction: {:?}",
                    alert.details
                ));
                continue;
            };
            match instructions
                .iter()
                .position(|candidate| *candidate == instruction)
            {
                Some(index) if !named.contains(&index) => named.push(index),
                _ => failures.push(format!(
                    "{name}: {instruction:?} is not one of {instructions:?}"
                )),
            }
        }
        if instructions.len() != alerts.len() {
            failures.push(format!(
                "{name}: {} instructions, {} alerts: {instructions:?}",
                instructions.len(),
                alerts.len()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The originator counter of a message's header.
fn envelope_counter(bytes: &[u8]) -> u64 {
    let envelope = Envelope::parse(bytes).unwrap();
    envelope
        .general_signing()
        .unwrap()
        .header
        .transaction
        .counter
}
