//! `dccsim gbcs decode`: conformance with the RTDS 4.5.0 expectations (every file, through the
//! binary), and the behaviour users see on bad input.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const DCCSIM: &str = env!("CARGO_BIN_EXE_dccsim");

/// `../shared/vectors/rtds-4.5.0`, or `None` after test-support's loud SKIPPED line (a failure
/// under `CI=true`).
fn rtds() -> Option<PathBuf> {
    test_support::shared_vectors("rtds-4.5.0", "gbcs decode conformance")
}

fn dccsim(arguments: &[&str]) -> Output {
    Command::new(DCCSIM)
        .args(arguments)
        .stdin(Stdio::null())
        .output()
        .expect("dccsim runs")
}

fn fixture_files(rtds: &Path) -> Vec<PathBuf> {
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

#[derive(Debug, serde::Deserialize)]
struct Expectations {
    records: Vec<Record>,
}

#[derive(Debug, serde::Deserialize)]
struct Record {
    file: String,
    message_code: String,
    cra: u8,
    originator_counter: String,
    originator: String,
    recipient: String,
    mac_valid: Option<bool>,
    signature_valid: Option<bool>,
    #[serde(default)]
    decrypted: Vec<Decrypted>,
}

#[derive(Debug, serde::Deserialize)]
struct Decrypted {
    plaintext: String,
}

/// The disagreements between the decoder's JSON and one record.
fn compare(ours: &serde_json::Value, record: &Record) -> Vec<String> {
    let counter = u64::from_str_radix(&record.originator_counter, 16).unwrap();
    let expected = serde_json::json!({
        "message_code": record.message_code,
        "cra": record.cra,
        "counter": counter,
        "originator": record.originator,
        "recipient": record.recipient,
        "mac_valid": record.mac_valid,
        "signature_valid": record.signature_valid,
        "decrypted": record.decrypted.iter().map(|block| block.plaintext.clone()).collect::<Vec<_>>(),
    });
    let mut problems = Vec::new();
    for (field, value) in expected.as_object().unwrap() {
        if ours.get(field) != Some(value) {
            problems.push(format!(
                "{field}: ours {:?}, expected {value}",
                ours.get(field)
            ));
        }
    }
    problems
}

#[test]
fn the_decoder_reproduces_every_rtds_expectation() {
    let Some(rtds) = rtds() else { return };
    let keystore = rtds.join("keystore");
    let files = fixture_files(&rtds);
    let mut decoded = BTreeMap::new();
    let started = std::time::Instant::now();
    // Batches keep the command line short and the run fast.
    for batch in files.chunks(256) {
        let mut arguments = vec![
            "gbcs",
            "decode",
            "--json",
            "--keys",
            keystore.to_str().unwrap(),
        ];
        arguments.extend(batch.iter().map(|path| path.to_str().unwrap()));
        let output = dccsim(&arguments);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        for line in String::from_utf8(output.stdout).unwrap().lines() {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            let source = value["source"].as_str().unwrap().to_owned();
            decoded.insert(source, value);
        }
    }
    let elapsed = started.elapsed();
    let text = std::fs::read_to_string(rtds.join("expectations.json")).unwrap();
    let expectations: Expectations = serde_json::from_str(&text).unwrap();
    let mut failures = BTreeMap::new();
    for record in &expectations.records {
        let relative = record.file.trim_start_matches("test/rtds/RTDS-4.5.0/");
        let path = rtds.join("gbcs").join(relative);
        let problems = match decoded.get(path.to_str().unwrap()) {
            Some(ours) => compare(ours, record),
            None => vec!["not decoded".to_owned()],
        };
        if !problems.is_empty() {
            failures.insert(relative.to_owned(), problems);
        }
    }
    let total = expectations.records.len();
    println!(
        "dccsim gbcs decode: {}/{total} match ({} files decoded in {elapsed:?})",
        total - failures.len(),
        decoded.len()
    );
    assert_eq!(total, 1024);
    assert_eq!(decoded.len(), files.len());
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn the_text_output_names_the_use_case_and_the_verdicts() {
    let Some(rtds) = rtds() else { return };
    let file = rtds.join("gbcs/4.1.1_ECS17b/ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX");
    let keystore = rtds.join("keystore");
    let output = dccsim(&[
        "gbcs",
        "decode",
        "--keys",
        keystore.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    print!("{text}");
    for expected in [
        "0x0027 ECS17b",
        "counter: 1000",
        "MAC: 486AF3DF46ACBC45A5217E08 valid",
        "plaintext: 02010204060000000A02020F00161E060000000A02020F001620",
        "DLMS access-response (DA)",
    ] {
        assert!(text.contains(expected), "missing {expected:?}");
    }
}

#[test]
fn without_keys_the_verdicts_are_null_and_hex_arguments_work() {
    let Some(rtds) = rtds() else { return };
    let file = rtds.join("gbcs/4.1.1_ECS17b/ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX");
    let hex = std::fs::read_to_string(file).unwrap();
    let output = dccsim(&["gbcs", "decode", "--json", hex.trim()]);
    assert!(output.status.success());
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["use_case"], "ECS17b");
    assert_eq!(value["mac_valid"], serde_json::Value::Null);
    assert_eq!(value["decrypted"], serde_json::json!([null]));
}

#[test]
fn bad_input_is_exit_code_2_with_a_message_never_a_panic() {
    for arguments in [
        vec!["gbcs", "decode", "DF09"],
        vec!["gbcs", "decode", "not-a-file-nor-hex"],
        vec![
            "gbcs",
            "decode",
            "--keys",
            "/nonexistent-key-folder",
            "DF09",
        ],
        vec!["gbcs", "decode", "DD0000000000000000"],
    ] {
        let output = dccsim(&arguments);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{arguments:?}: {stderr}");
        assert!(stderr.contains("dccsim gbcs decode:"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn a_tampered_mac_is_reported_not_an_error() {
    let Some(rtds) = rtds() else { return };
    let file = rtds.join("gbcs/4.1.1_ECS17b/ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX");
    let mut hex = std::fs::read_to_string(file).unwrap().trim().to_owned();
    let last = if hex.ends_with('0') { "1" } else { "0" };
    hex.replace_range(hex.len() - 1.., last);
    let keystore = rtds.join("keystore");
    let output = dccsim(&[
        "gbcs",
        "decode",
        "--json",
        "--keys",
        keystore.to_str().unwrap(),
        &hex,
    ]);
    assert!(output.status.success());
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["mac_valid"], false);
}

/// `dccsim gbcs utrn` with the RTDS key store makes RTDS's own top-up tokens from their
/// counters and values (CS01a's to the ESME, CS01b's to the GSME); with no key folder it makes
/// one with the default ecosystem's keys; bad input is exit code 2 with the reason.
#[test]
fn utrn_makes_the_rtds_top_up_tokens() {
    let Some(rtds) = rtds() else {
        return;
    };
    let keys = rtds.join("keystore");
    let keys = keys.to_str().expect("utf-8 path");
    for (device, value, pounds, top_up, expected) in [
        (
            "00-DB-12-34-56-78-90-A0",
            "10",
            true,
            "3",
            "73946144332040217315",
        ),
        (
            "00DB1234567890A1",
            "1250",
            false,
            "6",
            "73950067887105178605",
        ),
    ] {
        let mut arguments = vec![
            "gbcs", "utrn", "--keys", keys, "--device", device, "--value", value, "--top-up",
            top_up,
        ];
        if pounds {
            arguments.push("--pounds");
        }
        let output = dccsim(&arguments);
        assert!(output.status.success(), "{output:?}");
        assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), expected);
    }
    let output = dccsim(&[
        "gbcs",
        "utrn",
        "--device",
        "00-DB-12-34-56-78-90-A0",
        "--value",
        "150",
    ]);
    assert!(output.status.success(), "{output:?}");
    let made = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    assert!(
        made.len() == 20 && made.bytes().all(|byte| byte.is_ascii_digit()),
        "{made}"
    );
    for (arguments, reason) in [
        (
            vec![
                "gbcs",
                "utrn",
                "--keys",
                keys,
                "--device",
                "00-DB-12-34-56-78-90-A0",
                "--value",
                "9000",
            ],
            "at most 8191",
        ),
        (
            vec![
                "gbcs",
                "utrn",
                "--device",
                "00-DB-12-34-56-78-90-A0",
                "--value",
                "1",
                "--top-up",
                "0",
            ],
            "not a top-up number",
        ),
        (
            vec!["gbcs", "utrn", "--device", "nope", "--value", "1"],
            "--device \"nope\"",
        ),
    ] {
        let output = dccsim(&arguments);
        assert_eq!(output.status.code(), Some(2), "{arguments:?}");
        let text = String::from_utf8_lossy(&output.stderr);
        assert!(text.contains(reason), "{arguments:?}: {text}");
    }
}
