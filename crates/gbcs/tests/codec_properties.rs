//! Property tests: the envelope and GBZ codecs round-trip, and never panic on arbitrary input.

use dcc_model::Eui64;
use gbcs::gbz::{ComponentBody, GbzComponent, GbzPayload};
use gbcs::{
    BlockTransfer, Cra, Envelope, GeneralBlock, GeneralSigning, GroupingHeader, MessageCode,
    OtherInformation, SignatureField, TransactionId,
};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

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

    #[test]
    fn parsing_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = Envelope::parse(&bytes);
        let _ = GbzPayload::parse(&bytes);
        let _ = gbcs::protection::find_encrypted_blocks(&bytes);
        let _ = gbcs::protection::verify_response(&bytes, None, None);
    }

    #[test]
    fn truncated_messages_are_errors_not_panics(envelope in envelope(), cut in any::<prop::sample::Index>()) {
        let bytes = envelope.encode();
        let end = cut.index(bytes.len());
        let _ = Envelope::parse(&bytes[..end]);
    }

    #[test]
    fn gbz_payloads_round_trip(components in proptest::collection::vec(gbz_component(), 1..4)) {
        let count = components.len();
        let components: Vec<GbzComponent> = components
            .into_iter()
            .enumerate()
            .map(|(index, mut component)| {
                if index + 1 == count {
                    component.control |= 0x01;
                }
                component
            })
            .collect();
        let payload = GbzPayload { components };
        prop_assert_eq!(GbzPayload::parse(&payload.encode()).unwrap(), payload);
    }
}
