//! Envelope parts callers rely on beyond parse and encode: what a missing signature is called
//! in the error, and a block transfer's message put back together in block order.

use dcc_model::Eui64;
use gbcs::crypto::SigningKey;
use gbcs::protection::verify_signature;
use gbcs::use_case::command_apdu;
use gbcs::{BlockTransfer, GeneralBlock, MessageCode, ProtectionError, SignatureField};

#[test]
fn a_missing_signature_is_named_absent_or_null_in_the_error() {
    let key = SigningKey::from_scalar(&[0x51; 32])
        .unwrap()
        .verifying_key();
    let apdu = command_apdu(
        MessageCode(0x004F),
        1,
        Eui64::from_u64(0x90B3_D51F_3001_0000),
        Eui64::from_u64(0x00DB_1234_5678_90A0),
        vec![0xD9],
    );
    for (field, name) in [
        (SignatureField::Null, "null"),
        (SignatureField::Absent, "absent"),
    ] {
        assert_eq!(field.kind(), name);
        let unsigned = apdu.clone().with_signature(field);
        assert_eq!(
            verify_signature(&unsigned, &key),
            Err(ProtectionError::SignatureMissing(name))
        );
    }
    assert_eq!(SignatureField::Present([0; 64]).kind(), "present");
    assert_eq!(
        ProtectionError::SignatureMissing("null").to_string(),
        "a signature is required but the signature field is null"
    );
}

#[test]
fn a_block_transfer_reassembles_its_blocks_in_block_number_order() {
    let block = |block_number: u16, data: &[u8]| GeneralBlock {
        control: if block_number == 3 { 0x80 } else { 0 },
        block_number,
        acknowledged_block_number: 0,
        data: data.to_vec(),
    };
    let routing = command_apdu(
        MessageCode(0x0027),
        7,
        Eui64::from_u64(1),
        Eui64::from_u64(2),
        Vec::new(),
    )
    .header;
    let transfer = BlockTransfer {
        routing,
        security_control: 0,
        invocation_counter: 0,
        blocks: vec![
            block(3, &[0xE5, 0xE6]),
            block(1, &[0xE1]),
            block(2, &[0xE2, 0xE3, 0xE4]),
        ],
    };
    assert_eq!(transfer.reassemble(), [0xE1, 0xE2, 0xE3, 0xE4, 0xE5, 0xE6]);
    let empty = BlockTransfer {
        blocks: Vec::new(),
        ..transfer
    };
    assert!(empty.reassemble().is_empty());
}

/// The shortest MAC header content (security control, invocation counter, MAC) splits into an
/// empty APDU and its MAC; one byte less is refused as too short.
#[test]
fn a_mac_header_with_no_apdu_splits_and_one_byte_shorter_is_too_short() {
    let frame = |content: &[u8]| {
        let mut message = vec![0xDD, 0, 0, 0, 0, 0, 0, content.len() as u8];
        message.extend_from_slice(content);
        message
    };
    let shortest: Vec<u8> = [&[0x11, 0, 0, 0, 0][..], &[0xAB; 12][..]].concat();
    let message = frame(&shortest);
    let parts = gbcs::split_mac_header(&message).expect("the shortest content splits");
    assert!(parts.apdu.is_empty());
    assert_eq!(parts.mac, [0xAB; 12]);
    assert!(matches!(
        gbcs::split_mac_header(&frame(&shortest[..16])),
        Err(gbcs::DecodeError::MacHeaderTooShort(16))
    ));
}
