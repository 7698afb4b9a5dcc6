//! Fuzz target: the GBCS decoder and the codecs under it never panic, and whatever they
//! decode encodes to bytes that decode to the same value.
#![no_main]

use std::sync::OnceLock;

use dcc_model::{Eui64, DCC_ACCESS_CONTROL_BROKER};
use gbcs::crypto::KeyAgreementPrivateKey;
use gbcs::decode::{describe, payload_node, KeyRing};
use gbcs::dlms::DlmsApdu;
use gbcs::gbt::Reassembler;
use gbcs::gbz::GbzPayload;
use gbcs::Envelope;
use libfuzzer_sys::fuzz_target;

/// Keys for the ACB and the RTDS ESME, so that MAC checks and decryption run.
fn keys() -> &'static KeyRing {
    static KEYS: OnceLock<KeyRing> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut keys = KeyRing::new();
        let acb = KeyAgreementPrivateKey::from_scalar(&[0x11; 32]).expect("valid scalar");
        let esme = KeyAgreementPrivateKey::from_scalar(&[0x22; 32]).expect("valid scalar");
        keys.add_key_agreement_private(DCC_ACCESS_CONTROL_BROKER, acb);
        keys.add_key_agreement_private(Eui64::from_u64(0x00DB_1234_5678_90A0), esme);
        keys
    })
}

/// Seeds may be hex text (the RTDS `.HEX` files): fuzz their bytes too.
fn hex_text(data: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(data).ok()?.trim();
    if text.is_empty() || text.len() % 2 != 0 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

fn check(bytes: &[u8]) {
    if let Ok(decoded) = describe(bytes, keys()) {
        let _ = decoded.tree().render();
    }
    if let Ok(envelope) = Envelope::parse(bytes) {
        assert_eq!(Envelope::parse(&envelope.encode()).as_ref(), Ok(&envelope));
        if let Some(apdu) = envelope.general_signing() {
            let _ = payload_node(&apdu.payload);
        }
    }
    if let Ok(apdu) = DlmsApdu::parse(bytes) {
        assert_eq!(DlmsApdu::parse(&apdu.encode()).as_ref(), Ok(&apdu));
    }
    if let Ok(gbz) = GbzPayload::parse(bytes) {
        let _ = GbzPayload::parse(&gbz.encode());
    }
    let mut reassembler = Reassembler::new();
    if reassembler.accept_message(bytes).is_ok() {
        let _ = reassembler.message();
    }
}

fuzz_target!(|data: &[u8]| {
    check(data);
    if let Some(bytes) = hex_text(data) {
        check(&bytes);
    }
});
