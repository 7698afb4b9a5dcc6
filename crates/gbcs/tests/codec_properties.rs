//! Property tests: the envelope and GBZ codecs round-trip; valid messages with bytes changed,
//! cut or inserted never panic the parsers, and a changed byte of a protected response never
//! verifies.

use dcc_model::Eui64;
use gbcs::crypto::{KeyAgreementPrivateKey, SharedSecret, SigningKey, VerifyingKey};
use gbcs::gbz::{ComponentBody, GbzComponent, GbzPayload};
use gbcs::{
    BlockTransfer, Cra, DecodeError, Envelope, GeneralBlock, GeneralSigning, GroupingHeader,
    MessageCode, OtherInformation, ProtectionError, SignatureField, TransactionId,
};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use test_support::mutation::{apply, edits};

fn eui64() -> impl Strategy<Value = Eui64> {
    any::<u64>().prop_map(Eui64::from_u64)
}

fn other_information() -> impl Strategy<Value = OtherInformation> {
    (
        any::<u16>(),
        0usize..=4,
        eui64(),
        any::<u64>(),
        any::<u64>(),
        // Longer than a counter: 18 + 8 bytes is the form with an originator counter.
        proptest::collection::vec(any::<u8>(), 9..300),
    )
        .prop_map(
            |(code, depth, party, party_counter, originator_counter, certificate)| {
                OtherInformation {
                    message_code: MessageCode(code),
                    supplementary_remote_party_id: (depth >= 1).then_some(party),
                    supplementary_remote_party_counter: (depth >= 2).then_some(party_counter),
                    // A response to an unknown remote party carries the originator counter,
                    // a command to one the certificate: never both.
                    supplementary_originator_counter: (depth == 3).then_some(originator_counter),
                    remote_party_certificate: (depth >= 4).then_some(certificate),
                }
            },
        )
}

fn grouping_header() -> impl Strategy<Value = GroupingHeader> {
    (
        prop_oneof![Just(Cra::Command), Just(Cra::Response), Just(Cra::Alert)],
        any::<u64>(),
        eui64(),
        eui64(),
        proptest::option::of(any::<[u8; 12]>()),
        other_information(),
    )
        .prop_map(
            |(cra, counter, originator, recipient, date_time, other_information)| GroupingHeader {
                transaction: TransactionId { cra, counter },
                originator,
                recipient,
                date_time,
                other_information,
            },
        )
}

fn signature() -> impl Strategy<Value = SignatureField> {
    prop_oneof![
        Just(SignatureField::Absent),
        Just(SignatureField::Null),
        proptest::collection::vec(any::<u8>(), 64).prop_map(|bytes| {
            let mut signature = [0u8; 64];
            signature.copy_from_slice(&bytes);
            SignatureField::Present(signature)
        }),
    ]
}

fn general_signing() -> impl Strategy<Value = GeneralSigning> {
    (
        grouping_header(),
        proptest::collection::vec(any::<u8>(), 0..1500),
        signature(),
    )
        .prop_map(|(header, payload, signature)| GeneralSigning {
            header,
            payload,
            signature,
        })
}

fn block_transfer() -> impl Strategy<Value = BlockTransfer> {
    (
        grouping_header(),
        any::<u8>(),
        any::<u32>(),
        proptest::collection::vec(
            (
                any::<u8>(),
                any::<u16>(),
                any::<u16>(),
                proptest::collection::vec(any::<u8>(), 0..200),
            ),
            0..4,
        ),
    )
        .prop_map(
            |(routing, security_control, invocation_counter, blocks)| BlockTransfer {
                routing,
                security_control,
                invocation_counter,
                blocks: blocks
                    .into_iter()
                    .map(
                        |(control, block_number, acknowledged_block_number, data)| GeneralBlock {
                            control,
                            block_number,
                            acknowledged_block_number,
                            data,
                        },
                    )
                    .collect(),
            },
        )
}

fn envelope() -> impl Strategy<Value = Envelope> {
    prop_oneof![
        (general_signing(), any::<[u8; 12]>()).prop_map(|(apdu, mac)| Envelope::Mac { apdu, mac }),
        general_signing().prop_map(Envelope::Bare),
        block_transfer().prop_map(Envelope::BlockTransfer),
    ]
}

fn gbz_component() -> impl Strategy<Value = GbzComponent> {
    (
        any::<u16>(),
        proptest::option::of(any::<[u8; 4]>()),
        any::<(u8, u8, u8)>(),
        any::<bool>(),
        any::<[u8; 2]>(),
        proptest::collection::vec(any::<u8>(), 0..200),
    )
        .prop_map(
            |(
                cluster,
                from,
                (frame_control, sequence_number, command_id),
                encrypted,
                additional,
                bytes,
            )| {
                let (body, from_date_time) = if encrypted {
                    (
                        ComponentBody::Encrypted {
                            additional_header: additional,
                            block: bytes,
                        },
                        None,
                    )
                } else {
                    (ComponentBody::Plain(bytes), from)
                };
                let control = if from_date_time.is_some() { 0x10 } else { 0 }
                    | if encrypted { 0x02 } else { 0 };
                GbzComponent {
                    control,
                    cluster,
                    from_date_time,
                    frame_control,
                    sequence_number,
                    command_id,
                    body,
                }
            },
        )
}

/// A GBZ payload of `components` with the last-component bit on the last one only.
fn gbz_payload(components: Vec<GbzComponent>) -> GbzPayload {
    let count = components.len();
    let components = components
        .into_iter()
        .enumerate()
        .map(|(index, mut component)| {
            if index + 1 == count {
                component.control |= 0x01;
            }
            component
        })
        .collect();
    GbzPayload { components }
}

/// Seeded keys: a device and a supplier's shared secret, and a device signing key.
struct Keys {
    z: SharedSecret,
    device: SigningKey,
    device_public: VerifyingKey,
}

fn keys() -> &'static Keys {
    static KEYS: std::sync::OnceLock<Keys> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        let device_ka = KeyAgreementPrivateKey::from_scalar(&[0x31; 32]).unwrap();
        let supplier_ka = KeyAgreementPrivateKey::from_scalar(&[0x32; 32]).unwrap();
        let device = SigningKey::from_scalar(&[0x33; 32]).unwrap();
        Keys {
            z: SharedSecret::compute(&device_ka, supplier_ka.public_key()),
            device_public: device.verifying_key(),
            device,
        }
    })
}

proptest! {
    // Seeded: the same cases on every run.
    #![proptest_config(ProptestConfig {
        cases: 512,
        rng_seed: RngSeed::Fixed(0x6BC5_2026),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn envelopes_round_trip(envelope in envelope()) {
        let bytes = envelope.encode();
        prop_assert_eq!(Envelope::parse(&bytes).unwrap(), envelope);
    }

    /// Valid envelopes and GBZ payloads with a few bytes changed, cut or inserted: the parsers
    /// reach every layer and answer `Ok` or a typed error, never a panic; whatever still parses
    /// re-encodes to bytes that parse to the same value.
    #[test]
    fn mutated_valid_messages_never_panic(
        envelope in envelope(),
        components in proptest::collection::vec(gbz_component(), 1..4),
        edits in edits(),
    ) {
        for valid in [envelope.encode(), gbz_payload(components).encode()] {
            let bytes = apply(&valid, &edits);
            if let Ok(parsed) = Envelope::parse(&bytes) {
                prop_assert_eq!(Envelope::parse(&parsed.encode()), Ok(parsed));
            }
            if let Ok(parsed) = GbzPayload::parse(&bytes) {
                prop_assert_eq!(GbzPayload::parse(&parsed.encode()), Ok(parsed));
            }
            let _ = gbcs::protection::find_encrypted_blocks(&bytes);
            let _ = gbcs::protection::verify_response(&bytes, None, None);
        }
    }

    /// A MAC-protected or device-signed response with any byte changed never verifies: the
    /// answer is a decode error, `MacInvalid` or `SignatureInvalid`, never `Ok`.
    #[test]
    fn a_changed_byte_of_a_protected_response_never_verifies(
        apdu in general_signing(),
        at in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let keys = keys();
        let mut response = apdu;
        response.header.transaction.cra = Cra::Response;
        response.signature = SignatureField::Null;
        let mac_protected = gbcs::protection::protect_response_with_mac(&response, &keys.z);
        let signed = gbcs::protection::sign_response_deterministic(&response, &keys.device);
        prop_assert!(gbcs::protection::verify_response(&mac_protected, Some(&keys.z), None).is_ok());
        prop_assert!(gbcs::protection::verify_response(&signed, None, Some(&keys.device_public)).is_ok());
        for (valid, z, key) in [
            (&mac_protected, Some(&keys.z), None),
            (&signed, None, Some(&keys.device_public)),
        ] {
            let mut bytes = valid.clone();
            let index = at.index(bytes.len());
            bytes[index] ^= flip;
            let verdict = gbcs::protection::verify_response(&bytes, z, key);
            prop_assert!(
                matches!(
                    verdict,
                    Err(ProtectionError::Decode(_)
                        | ProtectionError::MacInvalid
                        | ProtectionError::MacMissing
                        | ProtectionError::BlockTransfer
                        | ProtectionError::SignatureInvalid
                        | ProtectionError::SignatureMissing(_)
                        | ProtectionError::SharedSecretMissing
                        | ProtectionError::VerifyingKeyMissing)
                ),
                "byte {} of {} changed: {:?}", index, bytes.len(), verdict
            );
        }
    }

    /// Every strict prefix of an encoded envelope is a decode error naming what it ends inside.
    #[test]
    fn truncated_messages_are_errors_not_panics(envelope in envelope(), cut in any::<prop::sample::Index>()) {
        let bytes = envelope.encode();
        let end = cut.index(bytes.len());
        let error = Envelope::parse(&bytes[..end]).unwrap_err();
        prop_assert!(
            matches!(error, DecodeError::Truncated { .. } | DecodeError::BadLength { .. }),
            "{} of {} bytes: {:?}", end, bytes.len(), error
        );
    }

    #[test]
    fn gbz_payloads_round_trip(components in proptest::collection::vec(gbz_component(), 1..4)) {
        let payload = gbz_payload(components);
        prop_assert_eq!(GbzPayload::parse(&payload.encode()).unwrap(), payload);
    }
}

#[test]
fn a_mac_header_with_a_nonzero_invocation_counter_is_refused() {
    let keys = keys();
    let apdu = gbcs::use_case::alert_apdu(
        MessageCode(0x1001),
        1,
        Eui64::from_u64(1),
        Eui64::from_u64(2),
        None,
        vec![0x0F],
    );
    let mut bytes = gbcs::protection::protect_response_with_mac(&apdu, &keys.z);
    // DD, six empty fields, the length, then security control 0x11 and the counter.
    assert_eq!(bytes[9..13], [0, 0, 0, 0]);
    bytes[12] = 1;
    assert_eq!(
        Envelope::parse(&bytes),
        Err(DecodeError::Unexpected {
            what: "MAC header invocation counter",
            expected: 0,
            found: 1
        })
    );
}

#[test]
fn a_gbz_payload_whose_last_bit_disagrees_with_the_count_is_refused() {
    let component = gbcs::gbz::read_attributes(0x0702, &[0x0000]);
    let two = GbzPayload {
        components: vec![component.clone(), component],
    }
    .encode();
    // 01 09 02, then the first component's control (no last bit) at index 3.
    let mut first_marked_last = two.clone();
    first_marked_last[3] |= 0x01;
    assert_eq!(
        GbzPayload::parse(&first_marked_last),
        Err(DecodeError::Unexpected {
            what: "GBZ component control (last-component bit)",
            expected: 0x00,
            found: 0x01
        })
    );
    let mut last_unmarked = two;
    let second = 3 + 5 + usize::from(u16::from_be_bytes([last_unmarked[6], last_unmarked[7]]));
    last_unmarked[second] &= !0x01;
    assert_eq!(
        GbzPayload::parse(&last_unmarked),
        Err(DecodeError::Unexpected {
            what: "GBZ component control (last-component bit)",
            expected: 0x01,
            found: 0x00
        })
    );
}
