//! The UTRNs of RTDS's top-up commands (CS01a to an ESME, CS01b to a GSME) read, verify with
//! the supplier's prepayment top-up key and the meter's KA key, and are what `utrn::make`
//! makes from the same keys, counter and value, digit for digit.

use std::path::Path;

use dcc_model::Eui64;
use gbcs::crypto::{KeyAgreementPrivateKey, KeyAgreementPublicKey, SharedSecret};
use gbcs::utrn::{self, Utrn};

const SUPPLIER: Eui64 = Eui64::from_u64(0x90B3_D51F_3001_0000);

/// The UTRN a top-up command carries: the first run of 20 ASCII digits in its bytes.
fn utrn_in(command: &[u8]) -> String {
    command
        .windows(utrn::UTRN_LENGTH)
        .find(|window| window.iter().all(u8::is_ascii_digit))
        .map(|digits| String::from_utf8(digits.to_vec()).unwrap())
        .expect("the command carries a UTRN")
}

fn read_hex(path: &Path) -> Vec<u8> {
    hex::decode(std::fs::read_to_string(path).unwrap().trim()).unwrap()
}

#[test]
fn rtds_top_up_tokens_verify_and_are_remade_digit_for_digit() {
    let (Some(gbcs), Some(keystore)) = (
        test_support::rtds_gbcs("the RTDS top-up commands"),
        test_support::rtds_keystore("the supplier's prepayment key"),
    ) else {
        return;
    };
    let supplier_key = KeyAgreementPrivateKey::from_pkcs8(
        &std::fs::read(keystore.join("90b3d51f30010000-pp-ka.key")).unwrap(),
    )
    .unwrap();
    let mut checked = 0;
    for (file, device) in [
        (
            "2.2_CS01a/CS01a_2.2_SUCCESS_COMMAND_GBCS.HEX",
            0x00DB_1234_5678_90A0,
        ),
        (
            "2.2_CS01b/CS01b_2.2_SUCCESS_COMMAND_GBCS.HEX",
            0x00DB_1234_5678_90A1,
        ),
    ] {
        let device = Eui64::from_u64(device);
        let text = utrn_in(&read_hex(&gbcs.join(file)));
        let device_key = KeyAgreementPublicKey::from_any(
            &std::fs::read(keystore.join(format!("{}-ka.pem", device.to_hex_lower()))).unwrap(),
        )
        .unwrap();
        let z = SharedSecret::compute(&supplier_key, &device_key);
        let token = Utrn::parse(&text).unwrap_or_else(|error| panic!("{file}: {error}"));
        let counter = token.counter_after(0).unwrap();
        assert!(
            token.verifies(&z, SUPPLIER, device, counter),
            "{file}: {text}"
        );
        assert!(!token.verifies(&z, SUPPLIER, device, counter + (1024 << 32)));
        let remade = utrn::make(
            &z,
            SUPPLIER,
            device,
            counter,
            token.value_class,
            token.value,
        )
        .unwrap();
        assert_eq!(remade, text, "{file}");
        println!(
            "{file}: {text} = {} pence under counter 0x{counter:016X}",
            token.pence()
        );
        checked += 1;
    }
    assert_eq!(checked, 2);
}
