//! Shared test helpers: a seeded test PKI, and commands built as the DSP builds them.
#![allow(dead_code)]

use std::sync::OnceLock;

use dcc_model::{DeviceType, Eui64, DCC_ACCESS_CONTROL_BROKER};
use device::{Device, DeviceConfig, DeviceDateTime, DeviceState};
use gbcs::crypto::{KeyAgreementPrivateKey, KeyAgreementPublicKey, SigningKey, VerifyingKey};
use gbcs::protection::{self, EncryptionParameters};
use gbcs::use_case::command_apdu;
use gbcs::{GeneralSigning, MessageCode, SharedSecret, SignatureField};
use smki::{KeyUsage, TestPki};

pub const SEED: u64 = 20_240_501;
pub const ESME: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A0);
pub const GSME: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A1);
pub const CHF: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A2);
pub const GPF: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A3);
pub const SUPPLIER: Eui64 = device::TEST_SUPPLIER;
pub const NETWORK_OPERATOR: Eui64 = device::TEST_NETWORK_OPERATOR;
pub const SECOND_SUPPLIER: Eui64 = device::TEST_SECOND_SUPPLIER;
pub const ACB: Eui64 = DCC_ACCESS_CONTROL_BROKER;

pub const NOW: DeviceDateTime = DeviceDateTime {
    year: 2024,
    month: 5,
    day: 1,
    hour: 12,
    minute: 30,
    second: 15,
};

/// One PKI for the whole test binary (generation is deterministic but not free).
pub fn pki() -> &'static TestPki {
    static PKI: OnceLock<TestPki> = OnceLock::new();
    PKI.get_or_init(|| TestPki::default_with_devices(SEED, &[ESME, GSME, CHF, GPF]).unwrap())
}

pub fn device_config(device: Eui64, device_type: DeviceType, state: DeviceState) -> DeviceConfig {
    DeviceConfig::from_test_pki(pki(), device, device_type, state).unwrap()
}

/// The ESME of the test PKI in `state`.
pub fn esme_in(state: DeviceState) -> device::Device {
    device::Device::new(&device_config(
        ESME,
        DeviceType::ElectricitySmartMeter,
        state,
    ))
    .unwrap()
}

fn scalar(party: Eui64, usage: KeyUsage) -> [u8; 32] {
    pki()
        .identity(party, usage, None)
        .and_then(|identity| identity.private_scalar())
        .unwrap()
}

pub fn ka_private(party: Eui64) -> KeyAgreementPrivateKey {
    KeyAgreementPrivateKey::from_scalar(&scalar(party, KeyUsage::KeyAgreement)).unwrap()
}

pub fn ds_private(party: Eui64) -> SigningKey {
    SigningKey::from_scalar(&scalar(party, KeyUsage::DigitalSignature)).unwrap()
}

pub fn ka_public(party: Eui64) -> KeyAgreementPublicKey {
    let identity = pki().identity(party, KeyUsage::KeyAgreement, None).unwrap();
    KeyAgreementPublicKey::from_sec1(&identity.certificate.public_key_sec1()).unwrap()
}

pub fn ds_public(party: Eui64) -> VerifyingKey {
    let identity = pki()
        .identity(party, KeyUsage::DigitalSignature, None)
        .unwrap();
    VerifyingKey::from_sec1(&identity.certificate.public_key_sec1()).unwrap()
}

/// A command as the DSP sends it: MAC keyed by ACB KA × device KA, signed by `signer` if given.
pub fn command(
    message_code: MessageCode,
    counter: u64,
    originator: Eui64,
    device: Eui64,
    payload: Vec<u8>,
    signer: Option<&SigningKey>,
) -> Vec<u8> {
    let mut apdu = command_apdu(message_code, counter, originator, device, payload);
    if let Some(key) = signer {
        let signature = protection::sign_pre_command(&apdu.pre_command(), key).unwrap();
        apdu = apdu.with_signature(SignatureField::Present(signature));
    }
    let z = SharedSecret::compute(&ka_private(ACB), &ka_public(device));
    protection::protect_command(&apdu, &z)
}

/// Z between a user's KA key and a device's, as the user computes it.
pub fn user_secret(user: Eui64, device: Eui64) -> SharedSecret {
    SharedSecret::compute(&ka_private(user), &ka_public(device))
}

/// Verifies a MAC-protected response as its recipient does and decrypts its one encrypted block.
pub fn open_mac_response(
    bytes: &[u8],
    user: Eui64,
    device: Eui64,
) -> (GeneralSigning, Option<Vec<u8>>) {
    let z = user_secret(user, device);
    let apdu = protection::verify_response(bytes, Some(&z), None).expect("response MAC verifies");
    assert_eq!(apdu.signature, SignatureField::Null);
    let blocks = protection::find_encrypted_blocks(&apdu.payload);
    assert!(blocks.len() <= 1, "at most one encrypted block");
    let plaintext = blocks.first().map(|block| {
        let parameters = EncryptionParameters::from_header(&apdu.header);
        protection::decrypt_sensitive_block(
            &z,
            parameters.device,
            parameters.party,
            parameters.counter,
            block,
        )
        .expect("block decrypts with the user's KA key")
    });
    (apdu, plaintext)
}

/// The general-signing APDU of a message (a response or an alert), whatever its envelope.
pub fn apdu(bytes: &[u8]) -> GeneralSigning {
    gbcs::Envelope::parse(bytes)
        .unwrap()
        .general_signing()
        .unwrap()
        .clone()
}

/// The alerts `device` raised, less the billing data logs it pushes at each billing date its
/// clock passes (ECS68 from an ESME, GCS53 from a GSME: see `device::billing_push`), which a
/// test moving the time by weeks also gets.
pub fn take_alerts_but_billing(device: &mut Device) -> Vec<Vec<u8>> {
    const BILLING_DATA_LOG_PUSHES: [u16; 2] = [0x0061, 0x008B];
    device
        .take_alerts()
        .into_iter()
        .filter(|alert| {
            gbcs::Envelope::parse(alert).map_or(true, |envelope| {
                !BILLING_DATA_LOG_PUSHES.contains(&envelope.header().message_code().0)
            })
        })
        .collect()
}

/// A GSME's answer to a GBZ command the supplier sends it at `now` (signed when `signed`), its
/// encrypted component (at most one) decrypted.
pub fn supplier_gbz(
    gsme: &mut Device,
    code: MessageCode,
    counter: u64,
    payload: Vec<u8>,
    signed: bool,
    now: DeviceDateTime,
) -> gbcs::gbz::GbzPayload {
    let signer = ds_private(SUPPLIER);
    let bytes = command(
        code,
        counter,
        SUPPLIER,
        GSME,
        payload,
        signed.then_some(&signer),
    );
    let response = gsme.handle_command(&bytes, now).unwrap();
    let (apdu, plaintext) = match signed {
        true => (
            protection::verify_response(&response, None, Some(&ds_public(GSME)))
                .expect("the meter's signature verifies"),
            None,
        ),
        false => open_mac_response(&response, SUPPLIER, GSME),
    };
    let mut answer = gbcs::gbz::GbzPayload::parse(&apdu.payload).unwrap();
    if let Some(plaintext) = plaintext {
        for component in &mut answer.components {
            if let gbcs::gbz::ComponentBody::Encrypted { .. } = component.body {
                component.body = gbcs::gbz::ComponentBody::Plain(plaintext.clone());
            }
        }
    }
    answer
}

/// The results and data of an ESME's access-response to a DLMS command the supplier sends
/// it at `now` (signed when `signed`: the answer is then signed by the meter, else MACed).
pub fn supplier_dlms(
    esme: &mut Device,
    code: MessageCode,
    counter: u64,
    request: gbcs::cosem::AccessRequest,
    signed: bool,
    now: DeviceDateTime,
) -> Vec<(u8, gbcs::dlms::Data)> {
    let signer = ds_private(SUPPLIER);
    let bytes = command(
        code,
        counter,
        SUPPLIER,
        ESME,
        request.encode(counter),
        signed.then_some(&signer),
    );
    let response = esme.handle_command(&bytes, now).unwrap();
    let apdu = match signed {
        true => protection::verify_response(&response, None, Some(&ds_public(ESME)))
            .expect("the meter's signature verifies"),
        false => open_mac_response(&response, SUPPLIER, ESME).0,
    };
    let Ok(gbcs::dlms::DlmsApdu::AccessResponse { results, data, .. }) =
        gbcs::dlms::DlmsApdu::parse(&apdu.payload)
    else {
        panic!("{code}: not an access-response: {:02X?}", apdu.payload);
    };
    results
        .into_iter()
        .map(|result| result.result)
        .zip(data)
        .collect()
}
