//! CS02d (Update Device Certificates on Device): the device accepts a certificate only for a
//! key it holds for the certificate's purpose, answering with the GBCS result code.

mod support;

use dcc_model::{DeviceType, Eui64};
use device::{Device, DeviceError, DeviceState};
use gbcs::protection;
use gbcs::MessageCode;
use smki::KeyUsage;
use support::*;

const CS02D: MessageCode = MessageCode(0x000B);

fn esme() -> Device {
    Device::new(&device_config(
        ESME,
        DeviceType::ElectricitySmartMeter,
        DeviceState::default(),
    ))
    .unwrap()
}

fn certificate_der(party: Eui64, usage: KeyUsage) -> Vec<u8> {
    pki()
        .identity(party, usage, None)
        .unwrap()
        .certificate
        .der()
        .to_vec()
}

/// Sends CS02d carrying `payload`; returns the result code the device's signed response holds.
fn update_device_certificate(device: &mut Device, counter: u64, payload: Vec<u8>) -> u8 {
    let bytes = command(
        CS02D,
        counter,
        SUPPLIER,
        ESME,
        payload,
        Some(&ds_private(SUPPLIER)),
    );
    let response = device.handle_command(&bytes, NOW).unwrap();
    let apdu = protection::verify_response(&response, None, Some(&ds_public(ESME)))
        .expect("the device signs its response");
    match apdu.payload.as_slice() {
        [0x02, 0x01, code] => *code,
        other => panic!("not one INTEGER result code: {other:02X?}"),
    }
}

#[test]
fn a_certificate_for_the_key_the_device_signs_with_is_accepted() {
    let mut esme = esme();
    let code = update_device_certificate(
        &mut esme,
        3_000,
        certificate_der(ESME, KeyUsage::DigitalSignature),
    );
    assert_eq!(code, 0);
}

#[test]
fn a_certificate_for_its_key_agreement_key_is_accepted() {
    let mut esme = esme();
    let code = update_device_certificate(
        &mut esme,
        3_000,
        certificate_der(ESME, KeyUsage::KeyAgreement),
    );
    assert_eq!(code, 0);
}

#[test]
fn a_certificate_for_a_key_the_device_does_not_hold_is_refused_with_result_3() {
    let mut esme = esme();
    let code = update_device_certificate(
        &mut esme,
        3_000,
        certificate_der(GSME, KeyUsage::DigitalSignature),
    );
    assert_eq!(code, 3);
    // Nor one for another device's key-agreement key.
    let code = update_device_certificate(
        &mut esme,
        3_001,
        certificate_der(GSME, KeyUsage::KeyAgreement),
    );
    assert_eq!(code, 3);
}

#[test]
fn a_payload_that_is_not_a_certificate_is_refused_as_malformed() {
    let mut esme = esme();
    let bytes = command(
        CS02D,
        3_000,
        SUPPLIER,
        ESME,
        vec![0x30, 0x03, 0x02, 0x01, 0x00],
        Some(&ds_private(SUPPLIER)),
    );
    let refusal = esme.handle_command(&bytes, NOW).unwrap_err();
    assert!(
        matches!(refusal, DeviceError::Malformed(ref reason) if reason.starts_with("device certificate")),
        "{refusal:?}"
    );
}
