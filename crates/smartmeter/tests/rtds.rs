//! With the published RTDS keys of the reference ESME, the engine answers the RTDS reference
//! commands with the RTDS reference responses, byte for byte.

mod support;

use std::path::{Path, PathBuf};

use dcc_model::{DeviceType, Eui64};
use smartmeter::{Device, DeviceConfig, DeviceDateTime, MeterState, TrustAnchorCertificates};
use smki::{Certificate, Identity, KeyUsage};

const RTDS_ESME: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A0);

fn rtds() -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors/rtds-4.5.0");
    if path.is_dir() {
        return Some(path);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("../shared/vectors not found and CI=true");
    }
    println!("SKIPPED: ../shared/vectors not found");
    None
}

fn certificate(rtds: &Path, stem: &str) -> Certificate {
    Certificate::from_der_or_pem(
        &std::fs::read(rtds.join("keystore").join(format!("{stem}.pem"))).unwrap(),
    )
    .unwrap()
}

fn read_hex(path: &Path) -> Vec<u8> {
    let text = std::fs::read_to_string(path).unwrap();
    let digits: String = text.chars().filter(char::is_ascii_hexdigit).collect();
    (0..digits.len() / 2)
        .map(|index| u8::from_str_radix(&digits[2 * index..2 * index + 2], 16).unwrap())
        .collect()
}

/// The reference ESME: its published KA key, the RTDS ACB and supplier certificates, and a
/// test-PKI DS key (the reference DS key is not published; no non-critical response uses it).
fn reference_esme(rtds: &Path) -> Device {
    let text = std::fs::read_to_string(rtds.join("gbcs-parser-inline-test-vectors.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let pem = json["device_00db1234567890a0_ka_private_key_pem_from_crypto_test_ts"]
        .as_str()
        .unwrap();
    let key = smki::private_key_der_from_pem_or_der(pem.as_bytes()).unwrap();
    let key_agreement = Identity::new(
        "00db1234567890a0-ka",
        certificate(rtds, "00db1234567890a0-ka"),
        Some(key),
    )
    .unwrap();
    let digital_signature = support::pki()
        .identity(support::ESME, KeyUsage::DigitalSignature, None)
        .unwrap()
        .clone();
    let config = DeviceConfig {
        device_id: RTDS_ESME,
        device_type: DeviceType::ElectricitySmartMeter,
        digital_signature,
        key_agreement,
        trust_anchors: TrustAnchorCertificates {
            access_control_broker_key_agreement: certificate(rtds, "90b3d51f30000002-ka"),
            supplier_digital_signature: Some(certificate(rtds, "90b3d51f30010000-ds")),
            network_operator_digital_signature: None,
            remote_party_key_agreement: vec![certificate(rtds, "90b3d51f30010000-ka")],
        },
        state: MeterState::default(),
    };
    Device::new(&config).unwrap()
}

/// The date-time of the reference responses: 2015-01-01 00:00:00.
const REFERENCE_DATE_TIME: DeviceDateTime = DeviceDateTime {
    year: 2015,
    month: 1,
    day: 1,
    hour: 0,
    minute: 0,
    second: 0,
};

#[test]
fn reference_commands_get_the_reference_responses() {
    let Some(rtds) = rtds() else { return };
    let cases = [
        "4.1.1_ECS17b/ECS17b_4.1.1_SINGLE_SUCCESS",
        "11.2_ECS52/ECS52_11.2_SUCCESS",
    ];
    for case in cases {
        let command = read_hex(&rtds.join(format!("gbcs/{case}_COMMAND_GBCS.HEX")));
        let expected = read_hex(&rtds.join(format!("gbcs/{case}_RESPONSE_GBCS.HEX")));
        let response = reference_esme(&rtds)
            .handle_command(&command, REFERENCE_DATE_TIME)
            .unwrap();
        assert_eq!(response, expected, "{case}");
    }
}
