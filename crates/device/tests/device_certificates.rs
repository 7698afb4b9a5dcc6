//! CS02d (Update Device Certificates on Device): the device accepts a certificate only for a
//! key it holds for the certificate's purpose, answering with the GBCS result code. CS02e
//! (Provide Device Certificates from Device): the device answers with the certificate it holds
//! for the key usage asked for, the one CS02c and CS02d gave it once they have.

mod support;

use dcc_model::{DeviceType, Eui64};
use device::{Device, DeviceError, DeviceState};
use gbcs::protection;
use gbcs::MessageCode;
use smki::KeyUsage;
use support::*;

const CS02C: MessageCode = MessageCode(0x000A);
const CS02D: MessageCode = MessageCode(0x000B);
const CS02E: MessageCode = MessageCode(0x000C);

fn esme() -> Device {
    esme_in(DeviceState::default())
}

/// Sends a signed critical command; returns the payload of the device's response, signed with
/// the key the device signs with after it (a CS02d may have changed it).
fn signed_exchange(
    device: &mut Device,
    message_code: MessageCode,
    counter: u64,
    payload: Vec<u8>,
) -> Vec<u8> {
    let bytes = command(
        message_code,
        counter,
        SUPPLIER,
        ESME,
        payload,
        Some(&ds_private(SUPPLIER)),
    );
    let response = device.handle_command(&bytes, NOW).unwrap();
    let apdu = protection::verify_response(
        &response,
        None,
        Some(&device.digital_signature_public_key()),
    )
    .expect("the device signs its response");
    apdu.payload
}

/// CS02e for `key_usage` (the BIT STRING element): the certificate (DER) or the result code.
fn provide_device_certificate(
    device: &mut Device,
    counter: u64,
    key_usage: &[u8],
) -> Result<Vec<u8>, u8> {
    let mut payload = vec![0x30, key_usage.len() as u8];
    payload.extend_from_slice(key_usage);
    let answer = signed_exchange(device, CS02E, counter, payload);
    gbcs::credentials::cs02e::decode_response(&answer).expect("a CS02e response")
}

const DIGITAL_SIGNATURE: &[u8] = &[0x03, 0x02, 0x07, 0x80];
const KEY_AGREEMENT: &[u8] = &[0x03, 0x02, 0x03, 0x08];

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
    match signed_exchange(device, CS02D, counter, payload).as_slice() {
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

#[test]
fn the_device_provides_the_certificate_it_holds_for_each_key_usage() {
    let mut esme = esme();
    assert_eq!(
        provide_device_certificate(&mut esme, 3_000, DIGITAL_SIGNATURE),
        Ok(certificate_der(ESME, KeyUsage::DigitalSignature))
    );
    assert_eq!(
        provide_device_certificate(&mut esme, 3_001, KEY_AGREEMENT),
        Ok(certificate_der(ESME, KeyUsage::KeyAgreement))
    );
}

#[test]
fn a_key_usage_other_than_one_of_the_two_is_answered_with_result_1() {
    let mut esme = esme();
    // Digital signature and key agreement at once.
    assert_eq!(
        provide_device_certificate(&mut esme, 3_000, &[0x03, 0x02, 0x03, 0x88]),
        Err(1)
    );
    // keyCertSign.
    assert_eq!(
        provide_device_certificate(&mut esme, 3_001, &[0x03, 0x02, 0x02, 0x04]),
        Err(1)
    );
}

#[test]
fn a_device_without_a_certificate_for_the_usage_answers_result_2() {
    // The same device, anchors and keys, holding no certificate of its keys.
    let anchors = esme().trust_anchors().clone();
    let keys = device::DeviceKeys::new(
        device::DeviceKeyAgreement::PrivateKey(ka_private(ESME)),
        ds_private(ESME),
    );
    let mut bare = Device::with_keys(
        ESME,
        DeviceType::ElectricitySmartMeter,
        keys,
        anchors,
        DeviceState::default(),
    );
    assert_eq!(
        provide_device_certificate(&mut bare, 3_000, DIGITAL_SIGNATURE),
        Err(2)
    );
    assert_eq!(
        provide_device_certificate(&mut bare, 3_001, KEY_AGREEMENT),
        Err(2)
    );
}

#[test]
fn after_cs02c_and_cs02d_the_device_provides_its_new_certificate() {
    let mut esme = esme();
    let request = signed_exchange(
        &mut esme,
        CS02C,
        3_000,
        vec![0x30, 0x04, 0x03, 0x02, 0x07, 0x80],
    );
    let new = pki()
        .issue_from_csr(
            &smki::CsrSubmission {
                csr: request,
                kind: None,
                usage: None,
            },
            &smki::Requester::Operator,
        )
        .unwrap();
    assert_eq!(
        update_device_certificate(&mut esme, 3_001, new.der().to_vec()),
        0
    );
    assert_ne!(new.der(), certificate_der(ESME, KeyUsage::DigitalSignature));
    assert_eq!(
        provide_device_certificate(&mut esme, 3_002, DIGITAL_SIGNATURE),
        Ok(new.der().to_vec())
    );
}

#[test]
fn a_fault_on_cs02e_answers_its_code() {
    let state: DeviceState =
        toml::from_str("faults = [{ on = \"use-case 000C\", result = 3 }]").unwrap();
    let mut esme = esme_in(state);
    assert_eq!(
        provide_device_certificate(&mut esme, 3_000, DIGITAL_SIGNATURE),
        Err(3)
    );
}
