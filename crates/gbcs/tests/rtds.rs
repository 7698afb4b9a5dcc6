//! Conformance against the RTDS 4.5.0 GBCS fixtures and their recorded expectations.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use common::{read_hex_file, rtds};
use gbcs::decode::{describe, KeyRing, MessageForm};
use gbcs::dlms::DlmsApdu;
use gbcs::{Cra, Envelope, GeneralSigning, SignatureField};

fn all_fixture_files(rtds: &std::path::Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for folder in std::fs::read_dir(rtds.join("gbcs")).unwrap() {
        for file in std::fs::read_dir(folder.unwrap().path()).unwrap() {
            let path = file.unwrap().path();
            if path.extension().is_some_and(|ext| ext == "HEX") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_fixture_parses_and_round_trips() {
    let Some(rtds) = rtds() else { return };
    let files = all_fixture_files(&rtds);
    let mut failures = Vec::new();
    for path in &files {
        let bytes = read_hex_file(path);
        match Envelope::parse(&bytes) {
            Ok(envelope) if envelope.encode() == bytes => {}
            Ok(_) => failures.push(format!("{}: re-encoding differs", path.display())),
            Err(error) => failures.push(format!("{}: {error}", path.display())),
        }
    }
    println!(
        "round trip: {}/{} files",
        files.len() - failures.len(),
        files.len()
    );
    assert!(
        files.len() >= 1000,
        "expected the 1,024 fixtures, found {}",
        files.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_pre_command_is_the_signed_region_of_its_command() {
    let Some(rtds) = rtds() else { return };
    let mut checked = 0;
    for path in all_fixture_files(&rtds) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.contains("_PRECOMMAND_") {
            continue;
        }
        let command_path = path.with_file_name(name.replace("_PRECOMMAND_", "_COMMAND_"));
        if !command_path.exists() {
            println!("{name}: no command beside it");
            continue;
        }
        let pre_command = read_hex_file(&path);
        let Ok(command) = Envelope::parse(&read_hex_file(&command_path)) else {
            panic!("{} does not parse", command_path.display());
        };
        let apdu = command.general_signing().unwrap();
        assert_eq!(pre_command.first(), Some(&0xDF));
        assert_eq!(&pre_command[1..], apdu.signed_region().as_slice(), "{name}");
        assert_eq!(pre_command, apdu.pre_command(), "{name}");
        let parsed = GeneralSigning::parse(&pre_command).unwrap();
        assert_eq!(parsed.signature, SignatureField::Absent);
        checked += 1;
    }
    println!("pre-commands: {checked} equal the signed region of their command");
    assert!(checked > 0);
}

#[derive(Debug, serde::Deserialize)]
struct Record {
    file: String,
    message_code: String,
    cra: u8,
    originator_counter: String,
    originator: String,
    recipient: String,
    supplementary_remote_party: Option<String>,
    mac_header: bool,
    signature_len: Option<usize>,
    mac_valid: Option<bool>,
    signature_valid: Option<bool>,
    #[serde(default)]
    decrypted: Vec<DecryptedBlock>,
}

#[derive(Debug, serde::Deserialize)]
struct DecryptedBlock {
    ciphertext: String,
    tag: String,
    plaintext: String,
}

#[derive(Debug, serde::Deserialize)]
struct Expectations {
    records: Vec<Record>,
}

/// The RTDS key store as a key ring.
fn key_ring(rtds: &std::path::Path) -> KeyRing {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(rtds.join("keystore")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        files.push((name, std::fs::read(&path).unwrap()));
    }
    KeyRing::from_files(
        files
            .iter()
            .map(|(name, bytes)| (name.as_str(), bytes.as_slice())),
    )
    .unwrap()
}

/// Checks one record with the decoder; returns the list of disagreements.
fn check_record(rtds: &std::path::Path, keys: &KeyRing, record: &Record) -> Vec<String> {
    let mut problems = Vec::new();
    let relative = record.file.trim_start_matches("test/rtds/RTDS-4.5.0/");
    let bytes = read_hex_file(&rtds.join("gbcs").join(relative));
    let decoded = match describe(&bytes, keys) {
        Ok(decoded) => decoded,
        Err(error) => return vec![format!("decode: {error}")],
    };
    let header = &decoded.header;
    let mut expect = |what: &str, ours: String, theirs: String| {
        if ours != theirs {
            problems.push(format!("{what}: ours {ours}, expected {theirs}"));
        }
    };
    expect(
        "message code",
        header.message_code().to_string(),
        record.message_code.clone(),
    );
    expect(
        "cra",
        header.transaction.cra.byte().to_string(),
        record.cra.to_string(),
    );
    expect(
        "counter",
        format!("{:016X}", header.transaction.counter),
        record.originator_counter.clone(),
    );
    expect(
        "originator",
        header.originator.to_hex(),
        record.originator.clone(),
    );
    expect(
        "recipient",
        header.recipient.to_hex(),
        record.recipient.clone(),
    );
    expect(
        "supplementary remote party",
        format!(
            "{:?}",
            header
                .other_information
                .supplementary_remote_party_id
                .map(|id| id.to_hex())
        ),
        format!("{:?}", record.supplementary_remote_party),
    );
    expect(
        "mac header",
        (decoded.form == MessageForm::MacHeader).to_string(),
        record.mac_header.to_string(),
    );
    let signature_len = match decoded.signature_field {
        SignatureField::Absent => None,
        SignatureField::Null => Some(0),
        SignatureField::Present(_) => Some(64),
    };
    expect(
        "signature length",
        format!("{signature_len:?}"),
        format!("{:?}", record.signature_len),
    );
    // A record without a verdict means the check had no key (or nothing to check).
    expect(
        "mac valid",
        format!("{:?}", decoded.mac.checked()),
        format!("{:?}", record.mac_valid),
    );
    expect(
        "signature valid",
        format!("{:?}", decoded.signature.checked()),
        format!("{:?}", record.signature_valid),
    );
    expect(
        "encrypted block count",
        decoded.encrypted_blocks.len().to_string(),
        record.decrypted.len().to_string(),
    );
    for (ours, theirs) in decoded.encrypted_blocks.iter().zip(&record.decrypted) {
        let mut encrypted = vec![0x31, 0, 0, 0, 0];
        encrypted.extend(hex::decode(&theirs.ciphertext).unwrap());
        encrypted.extend(hex::decode(&theirs.tag).unwrap());
        expect(
            "encrypted block",
            hex::encode_upper(&ours.block),
            hex::encode_upper(&encrypted),
        );
        expect(
            "plaintext",
            format!("{:?}", ours.plaintext.as_ref().map(hex::encode_upper)),
            format!("{:?}", Ok::<_, ()>(theirs.plaintext.clone())),
        );
    }
    problems
}

#[test]
fn every_expectation_record_is_reproduced() {
    let Some(rtds) = rtds() else { return };
    let keys = key_ring(&rtds);
    let text = std::fs::read_to_string(rtds.join("expectations.json")).unwrap();
    let expectations: Expectations = serde_json::from_str(&text).unwrap();
    let mut failures = BTreeMap::new();
    let mut counts = BTreeMap::<&str, usize>::new();
    for record in &expectations.records {
        *counts.entry("mac").or_default() += usize::from(record.mac_valid.is_some());
        *counts.entry("signature").or_default() += usize::from(record.signature_valid.is_some());
        *counts.entry("encrypted blocks").or_default() += record.decrypted.len();
        let problems = check_record(&rtds, &keys, record);
        if !problems.is_empty() {
            failures.insert(record.file.clone(), problems);
        }
    }
    let total = expectations.records.len();
    println!(
        "{}/{} records match ({counts:?} checked)",
        total - failures.len(),
        total
    );
    assert_eq!(total, 1024);
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn every_gbz_command_and_response_payload_round_trips() {
    let Some(rtds) = rtds() else { return };
    let mut checked = 0;
    let mut encrypted = 0;
    for path in all_fixture_files(&rtds) {
        let envelope = Envelope::parse(&read_hex_file(&path)).unwrap();
        let apdu = envelope.general_signing().unwrap();
        if apdu.header.transaction.cra == Cra::Alert || !apdu.payload.starts_with(&[0x01, 0x09]) {
            continue;
        }
        let gbz = gbcs::gbz::GbzPayload::parse(&apdu.payload)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(gbz.encode(), apdu.payload, "{}", path.display());
        encrypted += gbz.encrypted_blocks().count();
        checked += 1;
    }
    println!("GBZ payloads: {checked} round trip, {encrypted} encrypted components");
    assert!(checked > 100);
}

#[test]
fn every_dlms_payload_decodes_and_re_encodes_identically() {
    let Some(rtds) = rtds() else { return };
    let mut checked = 0;
    let mut failures = Vec::new();
    for path in all_fixture_files(&rtds) {
        let envelope = Envelope::parse(&read_hex_file(&path)).unwrap();
        let payload = &envelope.general_signing().unwrap().payload;
        if !matches!(payload.first(), Some(0xD9 | 0xDA | 0x0F)) {
            continue;
        }
        match DlmsApdu::parse(payload) {
            Ok(apdu) if apdu.encode() == *payload => checked += 1,
            Ok(_) => failures.push(format!("{}: re-encoding differs", path.display())),
            Err(error) => failures.push(format!("{}: {error}", path.display())),
        }
    }
    println!("DLMS payloads: {checked} decode and re-encode identically");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked > 600, "{checked}");
}
