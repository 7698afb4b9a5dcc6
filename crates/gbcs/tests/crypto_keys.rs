//! The key types as callers and logs meet them: every input form of a public key gives the
//! same key, Debug output never shows a secret, the shared-secret cache counts its pairs, and a
//! MAC with compensating changes does not verify.

use dcc_model::Eui64;
use gbcs::crypto::{
    compute_mac, derive_key, verify_mac, KeyAgreementPrivateKey, KeyAgreementPublicKey,
    SharedSecret, SharedSecretCache, SigningKey, TransactionType, VerifyingKey,
};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::{EncodePublicKey, LineEnding};

fn upper_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02X}")).collect()
}

/// The SEC1 point, SPKI DER and SPKI PEM of the public key of `scalar`.
fn public_key_forms(scalar: [u8; 32]) -> ([u8; 65], Vec<u8>, String) {
    let public = p256::SecretKey::from_slice(&scalar).unwrap().public_key();
    let point: [u8; 65] = public
        .to_encoded_point(false)
        .as_bytes()
        .try_into()
        .unwrap();
    let der = public.to_public_key_der().unwrap().as_bytes().to_vec();
    let pem = public.to_public_key_pem(LineEnding::LF).unwrap();
    (point, der, pem)
}

#[test]
fn every_form_of_a_public_key_reads_as_the_same_key() {
    let (point, der, pem) = public_key_forms([0x41; 32]);
    assert_eq!(point[0], 0x04, "uncompressed");
    let from_point = KeyAgreementPublicKey::from_sec1(&point).unwrap();
    assert_eq!(from_point.sec1_uncompressed(), point);
    for (form, bytes) in [("DER", der.as_slice()), ("PEM", pem.as_bytes())] {
        let key = KeyAgreementPublicKey::from_any(bytes).unwrap_or_else(|e| panic!("{form}: {e}"));
        assert_eq!(key, from_point, "{form}");
        assert_eq!(key.sec1_uncompressed(), point, "{form}");
        let verifying = VerifyingKey::from_any(bytes).unwrap_or_else(|e| panic!("{form}: {e}"));
        assert_eq!(verifying.sec1_uncompressed(), point, "{form}");
    }
    // Leading whitespace before a PEM header is still PEM.
    let indented = format!("\n  {pem}");
    assert_eq!(
        KeyAgreementPublicKey::from_any(indented.as_bytes()).unwrap(),
        from_point
    );
    let private = KeyAgreementPrivateKey::from_scalar(&[0x41; 32]).unwrap();
    assert_eq!(private.public_key().sec1_uncompressed(), point);
    let signing = SigningKey::from_scalar(&[0x41; 32]).unwrap();
    assert_eq!(signing.verifying_key().sec1_uncompressed(), point);
    assert_eq!(
        VerifyingKey::from_sec1(&point).unwrap(),
        signing.verifying_key()
    );
}

#[test]
fn debug_output_shows_public_keys_and_never_a_secret() {
    let scalar = [0x42; 32];
    let secret_hex = upper_hex(&scalar);
    let (point, _, _) = public_key_forms(scalar);
    let public_hex = upper_hex(&point);

    let private = KeyAgreementPrivateKey::from_scalar(&scalar).unwrap();
    let text = format!("{private:?}");
    assert_eq!(
        text,
        format!("KeyAgreementPrivateKey {{ public: KeyAgreementPublicKey({public_hex}), .. }}")
    );
    assert!(!text.contains(&secret_hex));
    assert_eq!(
        format!("{:?}", private.public_key()),
        format!("KeyAgreementPublicKey({public_hex})")
    );

    let signing = SigningKey::from_scalar(&scalar).unwrap();
    let text = format!("{signing:?}");
    assert_eq!(
        text,
        format!("SigningKey {{ verifying_key: VerifyingKey({public_hex}), .. }}")
    );
    assert!(!text.contains(&secret_hex));

    let z = SharedSecret::from_bytes([0x43; 32]);
    assert_eq!(format!("{z:?}"), "SharedSecret(..)");
}

#[test]
fn the_cache_counts_each_key_pair_once() {
    let own = KeyAgreementPrivateKey::from_scalar(&[0x44; 32]).unwrap();
    let first = KeyAgreementPrivateKey::from_scalar(&[0x45; 32]).unwrap();
    let second = KeyAgreementPrivateKey::from_scalar(&[0x46; 32]).unwrap();
    let cache = SharedSecretCache::new();
    assert!(cache.is_empty());
    assert_eq!(cache.len(), 0);
    assert_eq!(format!("{cache:?}"), "SharedSecretCache(0 entries)");
    let z = cache.shared_secret(&own, first.public_key());
    assert_eq!(z, SharedSecret::compute(&own, first.public_key()));
    assert!(!cache.is_empty());
    assert_eq!(cache.len(), 1);
    assert_eq!(cache.shared_secret(&own, first.public_key()), z);
    assert_eq!(cache.len(), 1, "the same pair again");
    cache.shared_secret(&own, second.public_key());
    assert_eq!(cache.len(), 2);
    assert_eq!(format!("{cache:?}"), "SharedSecretCache(2 entries)");
}

/// Two MAC bytes changed by the same bits: a comparison that XOR-folds the differences would
/// see them cancel; the MAC must still be refused.
#[test]
fn a_mac_with_compensating_changes_does_not_verify() {
    let z = SharedSecret::from_bytes([0x47; 32]);
    let party = Eui64::from_u64(0x90B3_D51F_3001_0000);
    let device = Eui64::from_u64(0x00DB_1234_5678_90A0);
    let key = derive_key(&z, party, TransactionType::Command, 1000, device);
    let apdu = b"a general-signing APDU";
    let mac = compute_mac(&key, party, apdu);
    assert!(verify_mac(&key, party, apdu, &mac));
    for (first, second) in [(0, 1), (3, 11), (5, 6)] {
        for mask in [0x01u8, 0x80, 0xFF] {
            let mut changed = mac;
            changed[first] ^= mask;
            changed[second] ^= mask;
            assert!(
                !verify_mac(&key, party, apdu, &changed),
                "bytes {first} and {second} changed by {mask:#04x}"
            );
        }
    }
}
