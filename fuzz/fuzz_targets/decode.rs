//! Fuzz target: the GBCS decoder and the codecs under it never panic, and whatever they
//! decode encodes to bytes that decode to the same value.
//!
//! The keys are the RTDS key store (`DCCSIM_FUZZ_KEYS`, set by `.ci/fuzz` to
//! `../shared/vectors/rtds-4.5.0/keystore`): with them the RTDS seeds' MACs verify and their
//! encrypted blocks decrypt, so mutations explore the MAC, signature and decryption paths.
#![no_main]

use std::sync::OnceLock;

use dcc_model::DCC_ACCESS_CONTROL_BROKER;
use gbcs::decode::{describe, payload_node, KeyRing};
use gbcs::dlms::DlmsApdu;
use gbcs::gbt::Reassembler;
use gbcs::gbz::GbzPayload;
use gbcs::Envelope;
use libfuzzer_sys::fuzz_target;

/// The key files of `$DCCSIM_FUZZ_KEYS`; an empty ring (nothing verifies) when it is unset.
fn keys() -> &'static KeyRing {
    static KEYS: OnceLock<KeyRing> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut keys = KeyRing::new();
        let Some(folder) = std::env::var_os("DCCSIM_FUZZ_KEYS") else {
            eprintln!("DCCSIM_FUZZ_KEYS not set: fuzzing without keys (MACs and blocks unchecked)");
            return keys;
        };
        let entries = std::fs::read_dir(&folder)
            .unwrap_or_else(|error| panic!("DCCSIM_FUZZ_KEYS {folder:?}: {error}"));
        for entry in entries {
            let path = entry.expect("key folder entry").path();
            let name = path.file_name().and_then(|name| name.to_str()).unwrap_or_default();
            let bytes = std::fs::read(&path).unwrap_or_else(|error| panic!("{path:?}: {error}"));
            keys.add_file(name, &bytes)
                .unwrap_or_else(|error| panic!("{path:?}: {error}"));
        }
        // The commands' MACs are ACB KA × device KA: without the ACB's key nothing verifies.
        assert!(
            keys.parties().any(|party| party == DCC_ACCESS_CONTROL_BROKER),
            "DCCSIM_FUZZ_KEYS {folder:?} holds no ACB key"
        );
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
        assert_eq!(GbzPayload::parse(&gbz.encode()).as_ref(), Ok(&gbz));
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
