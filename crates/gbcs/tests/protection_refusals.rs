//! What the protection layer refuses, and with which error: a command without a MAC header,
//! a block transfer not yet reassembled, a MAC-protected response whose signature is another
//! device's, a pre-command that is not one; and where it finds encrypted blocks, at the edges.

use dcc_model::Eui64;
use gbcs::crypto::{KeyAgreementPrivateKey, SharedSecret, SigningKey};
use gbcs::gbz::{ComponentBody, GbzComponent, GbzPayload};
use gbcs::protection::{
    self, find_encrypted_blocks, pre_command_signed_region, EncryptionParameters,
};
use gbcs::use_case::{alert_apdu, command_apdu, response_apdu};
use gbcs::{Envelope, MessageCode, ProtectionError, SignatureField};

const SUPPLIER: Eui64 = Eui64::from_u64(0x90B3_D51F_3001_0000);
const ESME: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A0);

fn z() -> SharedSecret {
    let device = KeyAgreementPrivateKey::from_scalar(&[0x61; 32]).unwrap();
    let party = KeyAgreementPrivateKey::from_scalar(&[0x62; 32]).unwrap();
    SharedSecret::compute(&device, party.public_key())
}

fn command() -> gbcs::GeneralSigning {
    command_apdu(MessageCode(0x004F), 1000, SUPPLIER, ESME, vec![0xD9, 0x20])
}

#[test]
fn a_command_without_a_mac_header_is_refused_mac_missing() {
    let bare = command().with_signature(SignatureField::Null).encode();
    assert_eq!(
        protection::verify_command(&bare, &z(), None),
        Err(ProtectionError::MacMissing)
    );
    let protected = protection::protect_command(&command(), &z());
    assert!(protection::verify_command(&protected, &z(), None).is_ok());
    // An absent signature field is written as null under a MAC header.
    let parsed = Envelope::parse(&protected).unwrap();
    assert_eq!(
        parsed.general_signing().unwrap().signature,
        SignatureField::Null
    );
}

#[test]
fn a_signed_command_is_checked_against_the_signer_key() {
    let signer = SigningKey::from_scalar(&[0x63; 32]).unwrap();
    let other = SigningKey::from_scalar(&[0x64; 32]).unwrap();
    let pre_command = command().pre_command();
    let signature = protection::sign_pre_command(&pre_command, &signer).unwrap();
    let signed = command().with_signature(SignatureField::Present(signature));
    let bytes = protection::protect_command(&signed, &z());
    assert_eq!(
        protection::verify_command(&bytes, &z(), Some(&signer.verifying_key())),
        Ok(signed)
    );
    assert_eq!(
        protection::verify_command(&bytes, &z(), Some(&other.verifying_key())),
        Err(ProtectionError::SignatureInvalid)
    );
    let unsigned = protection::protect_command(&command(), &z());
    assert_eq!(
        protection::verify_command(&unsigned, &z(), Some(&signer.verifying_key())),
        Err(ProtectionError::SignatureMissing("null"))
    );
}

#[test]
fn a_block_transfer_must_be_reassembled_before_verification() {
    let response = response_apdu(&command().header, None, vec![0u8; 600]);
    let protected = protection::protect_response_with_mac(&response, &z());
    let blocks = gbcs::gbt::segment(&protected, 200).unwrap();
    let first = Envelope::BlockTransfer(blocks[0].clone()).encode();
    assert_eq!(&first[..2], [0xDD, 0x09]);
    assert_eq!(
        protection::verify_response(&first, Some(&z()), None),
        Err(ProtectionError::BlockTransfer)
    );
}

#[test]
fn a_mac_protected_response_carrying_a_signature_has_it_checked_when_a_key_is_given() {
    let device = SigningKey::from_scalar(&[0x65; 32]).unwrap();
    let other = SigningKey::from_scalar(&[0x66; 32]).unwrap();
    let response = response_apdu(&command().header, None, vec![0x01]);
    let signature = device.sign_deterministic(&response.signed_region());
    let signed = response.with_signature(SignatureField::Present(signature));
    let bytes = protection::protect_response_with_mac(&signed, &z());
    assert!(protection::verify_response(&bytes, Some(&z()), None).is_ok());
    assert!(protection::verify_response(&bytes, Some(&z()), Some(&device.verifying_key())).is_ok());
    assert_eq!(
        protection::verify_response(&bytes, Some(&z()), Some(&other.verifying_key())),
        Err(ProtectionError::SignatureInvalid)
    );
    assert_eq!(
        protection::verify_response(&bytes, None, Some(&device.verifying_key())),
        Err(ProtectionError::SharedSecretMissing)
    );
    let other_z = SharedSecret::from_bytes([0x67; 32]);
    assert_eq!(
        protection::verify_response(&bytes, Some(&other_z), None),
        Err(ProtectionError::MacInvalid)
    );
}

#[test]
fn only_a_general_signing_pre_command_has_a_signed_region() {
    let pre_command = command().pre_command();
    assert_eq!(
        pre_command_signed_region(&pre_command),
        Ok(&pre_command[1..])
    );
    let protected = protection::protect_command(&command(), &z());
    assert_eq!(
        pre_command_signed_region(&protected),
        Err(ProtectionError::NotAPreCommand)
    );
    assert_eq!(
        pre_command_signed_region(&[0xDF, 0x08, 0x00]),
        Err(ProtectionError::NotAPreCommand)
    );
    assert_eq!(
        pre_command_signed_region(&[]),
        Err(ProtectionError::NotAPreCommand)
    );
    let key = SigningKey::from_scalar(&[0x68; 32]).unwrap();
    assert_eq!(
        protection::sign_pre_command(&protected, &key),
        Err(ProtectionError::NotAPreCommand)
    );
}

#[test]
fn encryption_parameters_follow_the_supplementary_party_and_counter() {
    let mut header = alert_apdu(MessageCode(0x8F66), 7, ESME, SUPPLIER, None, Vec::new()).header;
    assert_eq!(
        EncryptionParameters::from_header(&header),
        EncryptionParameters {
            device: ESME,
            party: SUPPLIER,
            counter: 7
        }
    );
    let user = Eui64::from_u64(0x90B3_D51F_3003_0000);
    header.other_information.supplementary_remote_party_id = Some(user);
    header.other_information.supplementary_remote_party_counter = Some(9);
    header.other_information.supplementary_originator_counter = Some(11);
    let parameters = EncryptionParameters::from_header(&header);
    assert_eq!(
        parameters,
        EncryptionParameters {
            device: ESME,
            party: user,
            counter: 11
        }
    );
    let plaintext = b"sensitive";
    let block = protection::encrypt_sensitive_block(&z(), ESME, user, 11, plaintext);
    assert_eq!(
        protection::decrypt_sensitive_block(&z(), ESME, user, 11, &block).unwrap(),
        plaintext
    );
    assert!(protection::decrypt_sensitive_block(&z(), ESME, user, 12, &block).is_err());
    assert!(protection::decrypt_sensitive_block(&z(), ESME, SUPPLIER, 11, &block).is_err());
}

#[test]
fn encrypted_blocks_are_found_in_gbz_components_and_dlms_octet_strings() {
    let block =
        |plaintext: &[u8]| protection::encrypt_sensitive_block(&z(), ESME, SUPPLIER, 1, plaintext);
    let (first, second) = (block(b"one"), block(b""));
    assert_eq!(second.len(), 17, "the smallest block: header and tag");
    let component = |encrypted: Option<Vec<u8>>| GbzComponent {
        control: 0,
        cluster: 0x0702,
        from_date_time: None,
        frame_control: 0x18,
        sequence_number: 0,
        command_id: 0x01,
        body: match encrypted {
            Some(block) => ComponentBody::Encrypted {
                additional_header: [0, 0],
                block,
            },
            None => ComponentBody::Plain(vec![0x00, 0x00, 0x00]),
        },
    };
    let gbz = GbzPayload {
        components: vec![
            component(Some(first.clone())),
            component(None),
            component(Some(second.clone())),
        ],
    }
    .encode();
    assert_eq!(
        find_encrypted_blocks(&gbz),
        [first.as_slice(), second.as_slice()]
    );
    // The same block twice: each occurrence once, in order.
    let twice = GbzPayload {
        components: vec![
            component(Some(first.clone())),
            component(Some(first.clone())),
        ],
    }
    .encode();
    assert_eq!(
        find_encrypted_blocks(&twice),
        [first.as_slice(), first.as_slice()]
    );

    // DLMS: octet strings 09 <len> holding a block; one byte short of a block is not one.
    let mut dlms = vec![0xDA, 0x20, 0x00, 0x00, 0x01, 0x00, 0x00, 0x01, 0x01, 0x09];
    dlms.push(u8::try_from(first.len()).unwrap());
    dlms.extend_from_slice(&first);
    dlms.extend_from_slice(&[0x09, 17]);
    dlms.extend_from_slice(&second);
    dlms.extend_from_slice(&[0x09, 16]);
    dlms.extend_from_slice(&second[..16]);
    assert_eq!(
        find_encrypted_blocks(&dlms),
        [first.as_slice(), second.as_slice()]
    );
    assert!(find_encrypted_blocks(&[0x09, 0x81]).is_empty());
    assert!(find_encrypted_blocks(&[]).is_empty());
}
