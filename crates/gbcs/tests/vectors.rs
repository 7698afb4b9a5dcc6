//! Known-answer tests: the notes' worked example, gbcs-parser's KDF/GCM/MAC vectors and the
//! GBCS §18.4 sample critical command.

mod common;

use common::{read_hex_file, rtds, unhex, Keystore, ACB};
use dcc_model::Eui64;
use gbcs::crypto::{
    compute_mac, derive_key, encrypt_block, gcm_encrypt, KeyAgreementPrivateKey,
    KeyAgreementPublicKey, SharedSecret, SigningKey, TransactionType, VerifyingKey,
};
use gbcs::protection::{self, EncryptionParameters};
use gbcs::{DecodeError, Envelope, GeneralSigning, SignatureField};

const SUPPLIER: Eui64 = Eui64::from_u64(0x90B3_D51F_3001_0000);
const ESME: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A0);

fn json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn text(value: &serde_json::Value) -> &str {
    value.as_str().unwrap()
}

#[test]
fn worked_example_of_the_notes() {
    let Some(rtds) = rtds() else { return };
    let keystore = Keystore::new(&rtds);
    let z = SharedSecret::compute(
        &keystore.ka_private(ACB).unwrap(),
        &keystore.ka_public(ESME).unwrap(),
    );
    assert_eq!(
        hex::encode_upper(z.as_bytes()),
        "ED342441DF01551A6BEAFF3B54ADC981F4C6A7E71DFF4C3E1CC80B3C9F4E5AC0"
    );
    let key = derive_key(&z, SUPPLIER, TransactionType::Command, 0x3E8, ESME);
    assert_eq!(hex::encode_upper(key), "EC1D51BD8F8BF0CDD2314CF396CC12C0");

    let folder = rtds.join("gbcs/4.1.1_ECS17b");
    let command = read_hex_file(&folder.join("ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND_GBCS.HEX"));
    let gbcs::envelope::MacProtectedBytes { apdu, mac } = gbcs::split_mac_header(&command).unwrap();
    assert_eq!(hex::encode_upper(mac), "F08A88FCB4EEBECA47B71589");
    assert_eq!(compute_mac(&key, SUPPLIER, apdu), mac);

    let z_response = SharedSecret::compute(
        &keystore.ka_private(SUPPLIER).unwrap(),
        &keystore.ka_public(ESME).unwrap(),
    );
    let response_key = derive_key(
        &z_response,
        ESME,
        TransactionType::Response,
        0x3E8,
        SUPPLIER,
    );
    assert_eq!(
        hex::encode_upper(response_key),
        "D288091F13F120DA8D2649C3AA543058"
    );
    let encryption_key = derive_key(
        &z_response,
        ESME,
        TransactionType::PayloadEncryption,
        0x3E8,
        SUPPLIER,
    );
    assert_eq!(
        hex::encode_upper(encryption_key),
        "12CB821C471EC2144C68E12A5657F9FD"
    );
    let response = read_hex_file(&folder.join("ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX"));
    let parts = gbcs::split_mac_header(&response).unwrap();
    assert_eq!(hex::encode_upper(parts.mac), "486AF3DF46ACBC45A5217E08");
    let header = GeneralSigning::parse(parts.apdu).unwrap().header;
    assert_eq!(
        EncryptionParameters::from_header(&header).key(&z_response),
        encryption_key
    );
}

#[test]
fn gbcs_parser_kdf_known_answers() {
    let Some(rtds) = rtds() else { return };
    let keystore = Keystore::new(&rtds);
    let vectors = json(&rtds.join("gbcs-parser-inline-test-vectors.json"));
    let device = keystore.ka_public(ESME).unwrap();
    let mut checked = 0;
    for vector in vectors["kdf_vectors_crypto_test_ts"].as_array().unwrap() {
        let own = if text(&vector["priv"]).starts_with("ACB") {
            ACB
        } else {
            SUPPLIER
        };
        let z = SharedSecret::compute(&keystore.ka_private(own).unwrap(), &device);
        let transaction_type = match vector["cra_byte"].as_u64().unwrap() {
            1 => TransactionType::Command,
            2 => TransactionType::Response,
            _ => TransactionType::Alert,
        };
        let key = derive_key(
            &z,
            text(&vector["originator"]).parse().unwrap(),
            transaction_type,
            u64::from_str_radix(text(&vector["counter"]), 16).unwrap(),
            text(&vector["recipient"]).parse().unwrap(),
        );
        assert_eq!(
            hex::encode_upper(key),
            text(&vector["expected_key"]),
            "{}",
            vector["name"]
        );
        checked += 1;
    }
    assert_eq!(checked, 3);
}

#[test]
fn published_device_key_agrees_with_its_certificate() {
    let Some(rtds) = rtds() else { return };
    let keystore = Keystore::new(&rtds);
    let vectors = json(&rtds.join("gbcs-parser-inline-test-vectors.json"));
    let pem = text(&vectors["device_00db1234567890a0_ka_private_key_pem_from_crypto_test_ts"]);
    let device = KeyAgreementPrivateKey::from_pkcs8(pem.as_bytes()).unwrap();
    assert_eq!(device.public_key(), &keystore.ka_public(ESME).unwrap());
    let from_device = SharedSecret::compute(&device, &keystore.ka_public(ACB).unwrap());
    let from_acb = SharedSecret::compute(&keystore.ka_private(ACB).unwrap(), device.public_key());
    assert_eq!(from_device, from_acb);
    let scalar = KeyAgreementPrivateKey::from_scalar(&device.scalar()).unwrap();
    assert_eq!(scalar.public_key(), device.public_key());
}

#[test]
fn gbcs_parser_gcm_vectors() {
    let Some(rtds) = rtds() else { return };
    let vectors = json(&rtds.join("gbcs-parser-inline-test-vectors.json"));
    for vector in vectors["gcm_vectors_crypto_test_ts"].as_array().unwrap() {
        let key: [u8; 16] = unhex(text(&vector["key"])).try_into().unwrap();
        let iv: [u8; 12] = unhex(text(&vector["iv"])).try_into().unwrap();
        let mut buffer = text(&vector["plaintext_ascii"]).as_bytes().to_vec();
        let tag = gcm_encrypt(
            &key,
            &iv,
            text(&vector["aad_ascii"]).as_bytes(),
            &mut buffer,
        )
        .unwrap();
        assert_eq!(hex::encode_upper(tag), text(&vector["tag12"]));
        if let Some(ciphertext) = vector["ciphertext"].as_str() {
            assert_eq!(hex::encode_upper(&buffer), ciphertext);
        }
    }
}

#[test]
fn gbcs_parser_parse_vectors() {
    let Some(rtds) = rtds() else { return };
    let keystore = Keystore::new(&rtds);
    let vectors = json(&rtds.join("gbcs-parser-inline-test-vectors.json"));
    for message in vectors["parse_test_hex_messages"].as_array().unwrap() {
        let name = text(&message["name"]);
        let bytes = unhex(text(&message["hex"]));
        let expected = &message["expected"];
        let parsed = Envelope::parse(&bytes);
        if expected.get("error").is_some() {
            assert!(parsed.is_err(), "{name} should not parse");
            continue;
        }
        let envelope = parsed.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(envelope.encode(), bytes, "{name}");
        let apdu = envelope.general_signing().unwrap();
        if expected.get("signature_present").is_some() {
            assert_eq!(apdu.signature, SignatureField::Absent, "{name}");
        }
        if expected.get("signature_length").and_then(|v| v.as_u64()) == Some(0) {
            assert_eq!(apdu.signature, SignatureField::Null, "{name}");
        }
        let Some(mac) = expected.get("mac").and_then(|v| v.as_str()) else {
            continue;
        };
        let Envelope::Mac { mac: ours, .. } = &envelope else {
            panic!("{name}: no MAC header")
        };
        assert_eq!(hex::encode_upper(ours), mac);
        let header = &apdu.header;
        let acb: Eui64 = text(&expected["acb"]).parse().unwrap();
        let z = match header.transaction.cra {
            gbcs::Cra::Command => SharedSecret::compute(
                &keystore.ka_private(acb).unwrap(),
                &keystore.ka_public(header.recipient).unwrap(),
            ),
            _ => SharedSecret::compute(
                &keystore.ka_private(header.recipient).unwrap(),
                &keystore.ka_public(header.originator).unwrap(),
            ),
        };
        assert!(
            protection::verify_mac_protected(&bytes, &z).is_ok(),
            "{name}: MAC"
        );
        assert_eq!(
            protection::protect_command(apdu, &z),
            bytes,
            "{name}: re-protected"
        );
    }
}

#[test]
fn malformed_messages_are_typed_errors() {
    assert!(matches!(
        Envelope::parse(&[]),
        Err(DecodeError::Truncated { .. })
    ));
    assert!(matches!(
        Envelope::parse(&[0xAB, 0xCD]),
        Err(DecodeError::UnknownForm(0xAB, 0xCD))
    ));
    assert!(matches!(
        Envelope::parse(&[0xDF, 0x09, 0x07]),
        Err(DecodeError::UnknownCra(7))
    ));
    assert!(Envelope::parse(&[0xDD, 0, 0, 0, 0, 0, 0, 0x81]).is_err());
}

#[test]
fn section_18_4_critical_command() {
    let Some(rtds) = rtds() else { return };
    let vectors = json(&rtds.join("gbcs-18.4-spec-test-vectors.json"));
    let bytes = unhex(text(&vectors["critical_command_ECS04b"]["hex"]));
    let acb_scalar: [u8; 32] = unhex(text(&vectors["ACB"]["ka_private"]))
        .try_into()
        .unwrap();
    let acb = KeyAgreementPrivateKey::from_scalar(&acb_scalar).unwrap();
    let device_point = [vec![4], unhex(text(&vectors["DeviceA"]["ka_public_xy"]))].concat();
    let device = KeyAgreementPublicKey::from_sec1(&device_point).unwrap();
    let z = SharedSecret::compute(&acb, &device);
    let supplier_scalar: [u8; 32] = unhex(text(&vectors["SupplierA"]["ds_private"]))
        .try_into()
        .unwrap();
    let supplier = SigningKey::from_scalar(&supplier_scalar).unwrap();
    let supplier_point = [vec![4], unhex(text(&vectors["SupplierA"]["ds_public_xy"]))].concat();
    let supplier_public = VerifyingKey::from_sec1(&supplier_point).unwrap();
    assert_eq!(supplier.verifying_key(), supplier_public);

    let apdu = protection::verify_command(&bytes, &z, Some(&supplier_public)).unwrap();
    assert_eq!(apdu.header.message_code(), gbcs::MessageCode(0x00B3));
    assert_eq!(protection::protect_command(&apdu, &z), bytes);

    let resigned = protection::sign_pre_command(&apdu.pre_command(), &supplier).unwrap();
    let resigned_apdu = apdu
        .clone()
        .with_signature(SignatureField::Present(resigned));
    let resigned_bytes = protection::protect_command(&resigned_apdu, &z);
    assert!(protection::verify_command(&resigned_bytes, &z, Some(&supplier_public)).is_ok());

    let mut tampered = bytes.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    assert_eq!(
        protection::verify_command(&tampered, &z, None),
        Err(gbcs::ProtectionError::MacInvalid)
    );
}

#[test]
fn encrypted_block_is_deterministic_for_a_key() {
    let key = [1u8; 16];
    assert_eq!(
        encrypt_block(&key, ESME, b"abc"),
        encrypt_block(&key, ESME, b"abc")
    );
}
