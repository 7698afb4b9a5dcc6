//! With the published RTDS key of the reference ESME, the engine answers RTDS reference
//! commands with the RTDS reference responses: MACed ones byte for byte, and the CS02b
//! outcome with the reference header and payload (the device signature is a test key's; the
//! reference DS key is not published).

mod support;

use std::path::Path;

use dcc_model::{DeviceType, Eui64};
use device::{
    CellKeyUsage, CellUsage, Device, DeviceConfig, DeviceDateTime, DeviceState, TrustAnchorCell,
    TrustAnchorCertificates, SUPPLIER_PREPAYMENT_TOP_UP,
};
use gbcs::use_case::cs02b::RemotePartyRole;
use gbcs::{Envelope, GeneralSigning};
use smki::{Certificate, Identity, KeyUsage};

const RTDS_ESME: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A0);

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

fn apdu_of(bytes: &[u8]) -> GeneralSigning {
    Envelope::parse(bytes)
        .unwrap()
        .general_signing()
        .unwrap()
        .clone()
}

fn cell(role: RemotePartyRole, key_usage: CellKeyUsage) -> TrustAnchorCell {
    TrustAnchorCell {
        role,
        key_usage,
        cell_usage: CellUsage::Management,
    }
}

/// The reference ESME: its published KA key, the RTDS ACB and supplier certificates in their
/// cells (with the supplier's prepayment top-up KA), and a test-PKI DS key.
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
    let trust_anchors = TrustAnchorCertificates::default()
        .with_cell(
            cell(
                RemotePartyRole::ACCESS_CONTROL_BROKER,
                CellKeyUsage::KeyAgreement,
            ),
            certificate(rtds, "90b3d51f30000002-ka"),
        )
        .with_cell(
            cell(RemotePartyRole::SUPPLIER, CellKeyUsage::DigitalSignature),
            certificate(rtds, "90b3d51f30010000-ds"),
        )
        .with_cell(
            cell(RemotePartyRole::SUPPLIER, CellKeyUsage::KeyAgreement),
            certificate(rtds, "90b3d51f30010000-ka"),
        )
        .with_cell(
            SUPPLIER_PREPAYMENT_TOP_UP,
            certificate(rtds, "90b3d51f30010000-pp-ka"),
        );
    let config = DeviceConfig {
        device_id: RTDS_ESME,
        device_type: DeviceType::ElectricitySmartMeter,
        digital_signature,
        key_agreement,
        trust_anchors,
        state: DeviceState::default(),
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
    let Some(rtds) = test_support::shared_vectors("rtds-4.5.0", "RTDS reference messages") else {
        return;
    };
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

#[test]
fn the_reference_esme_answers_the_reference_update_with_the_reference_outcome() {
    let Some(rtds) = test_support::shared_vectors("rtds-4.5.0", "RTDS reference messages") else {
        return;
    };
    let folder = rtds.join("gbcs/6.15.1_CS02bSupplierBySupplier");
    let case = "CS02bSupplierBySupplier_6.15.1_IMMEDIATE_SUCCESS";
    let command = read_hex(&folder.join(format!("{case}_COMMAND_GBCS.HEX")));
    let expected = apdu_of(&read_hex(&folder.join(format!("{case}_RESPONSE_GBCS.HEX"))));
    let mut esme = reference_esme(&rtds);
    let response = apdu_of(&esme.handle_command(&command, REFERENCE_DATE_TIME).unwrap());
    // Same header and payload; the signature is the test DS key's (the reference one is not published).
    assert_eq!(
        response.clone().with_signature(expected.signature).encode(),
        expected.encode()
    );
    assert!(
        gbcs::protection::verify_signature(&response, &esme.digital_signature_public_key()).is_ok()
    );
    let anchors = esme.trust_anchors();
    let new_ds = anchors
        .cell(cell(
            RemotePartyRole::SUPPLIER,
            CellKeyUsage::DigitalSignature,
        ))
        .and_then(|anchor| anchor.certificate.as_ref())
        .unwrap();
    assert_eq!(
        new_ds.subject_key_identifier().unwrap(),
        [0x43, 0x04, 0x6B, 0x4F, 0xB7, 0xC4, 0xF1, 0x1B]
    );
    let new_ka = anchors
        .cell(cell(RemotePartyRole::SUPPLIER, CellKeyUsage::KeyAgreement))
        .and_then(|anchor| anchor.certificate.as_ref())
        .unwrap();
    assert_ne!(new_ka, &certificate(&rtds, "90b3d51f30010000-ka"));
}
