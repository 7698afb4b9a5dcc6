//! Property tests of the DLMS codec: A-XDR data and DLMS APDUs round-trip, and the decoder
//! never panics on arbitrary input.

use gbcs::decode::{describe, KeyRing};
use gbcs::dlms::{
    CosemReference, Data, DlmsApdu, RequestSpecification, ResponseResult, TypeDescription,
};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

fn bytes(maximum: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..maximum)
}

fn simple_data() -> impl Strategy<Value = Data> {
    prop_oneof![
        Just(Data::Null),
        any::<u8>().prop_map(Data::Boolean),
        (0usize..64)
            .prop_flat_map(|bits| (
                Just(bits),
                proptest::collection::vec(any::<u8>(), bits.div_ceil(8))
            ))
            .prop_map(|(bits, bytes)| Data::BitString { bits, bytes }),
        any::<i32>().prop_map(Data::DoubleLong),
        any::<u32>().prop_map(Data::DoubleLongUnsigned),
        bytes(300).prop_map(Data::OctetString),
        bytes(40).prop_map(Data::VisibleString),
        bytes(40).prop_map(Data::Utf8String),
        any::<u8>().prop_map(Data::Bcd),
        any::<i8>().prop_map(Data::Integer),
        any::<i16>().prop_map(Data::Long),
        any::<u8>().prop_map(Data::Unsigned),
        any::<u16>().prop_map(Data::LongUnsigned),
        (type_description(), bytes(60)).prop_map(|(type_description, contents)| {
            Data::CompactArray {
                type_description,
                contents,
            }
        }),
        any::<i64>().prop_map(Data::Long64),
        any::<u64>().prop_map(Data::Long64Unsigned),
        any::<u8>().prop_map(Data::Enum),
        any::<[u8; 4]>().prop_map(Data::Float32),
        any::<[u8; 8]>().prop_map(Data::Float64),
        any::<[u8; 12]>().prop_map(Data::DateTime),
        any::<[u8; 5]>().prop_map(Data::Date),
        any::<[u8; 4]>().prop_map(Data::Time),
    ]
}

fn type_description() -> impl Strategy<Value = TypeDescription> {
    let simple = prop_oneof![Just(0x06u8), Just(0x09), Just(0x11), Just(0x12), Just(0x16)]
        .prop_map(TypeDescription::Simple);
    simple.prop_recursive(3, 12, 4, |inner| {
        prop_oneof![
            (any::<u16>(), inner.clone()).prop_map(|(elements, element)| TypeDescription::Array {
                elements,
                element: Box::new(element)
            }),
            proptest::collection::vec(inner, 0..4).prop_map(TypeDescription::Structure),
        ]
    })
}

fn data() -> impl Strategy<Value = Data> {
    simple_data().prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Data::Array),
            proptest::collection::vec(inner, 0..6).prop_map(Data::Structure),
        ]
    })
}

fn reference() -> impl Strategy<Value = CosemReference> {
    (any::<u16>(), any::<[u8; 6]>(), any::<u8>()).prop_map(|(class_id, obis, index)| {
        CosemReference {
            class_id,
            obis,
            index,
        }
    })
}

fn specification() -> impl Strategy<Value = RequestSpecification> {
    prop_oneof![
        reference().prop_map(RequestSpecification::Get),
        reference().prop_map(RequestSpecification::Set),
        reference().prop_map(RequestSpecification::Action),
        (reference(), any::<u8>(), data()).prop_map(|(reference, selector, parameters)| {
            RequestSpecification::GetWithSelection {
                reference,
                selector,
                parameters,
            }
        }),
    ]
}

fn date_time() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(Vec::new()),
        any::<[u8; 12]>().prop_map(|bytes| bytes.to_vec())
    ]
}

fn apdu() -> impl Strategy<Value = DlmsApdu> {
    let specifications = || proptest::collection::vec(specification(), 0..4);
    let data_list = || proptest::collection::vec(data(), 0..4);
    prop_oneof![
        (any::<u32>(), date_time(), specifications(), data_list()).prop_map(
            |(long_invoke_id, date_time, specifications, data)| DlmsApdu::AccessRequest {
                long_invoke_id,
                date_time,
                specifications,
                data,
            }
        ),
        (
            any::<u32>(),
            date_time(),
            proptest::option::of(specifications()),
            data_list(),
            proptest::collection::vec(any::<(u8, u8)>(), 0..4),
        )
            .prop_map(
                |(long_invoke_id, date_time, specifications, data, results)| {
                    DlmsApdu::AccessResponse {
                        long_invoke_id,
                        date_time,
                        specifications,
                        data,
                        results: results
                            .into_iter()
                            .map(|(kind, result)| ResponseResult { kind, result })
                            .collect(),
                    }
                }
            ),
        (any::<u32>(), date_time(), data()).prop_map(|(long_invoke_id, date_time, body)| {
            DlmsApdu::DataNotification {
                long_invoke_id,
                date_time,
                body,
            }
        }),
    ]
}

proptest! {
    // Seeded: the same cases on every run.
    #![proptest_config(ProptestConfig {
        cases: 512,
        rng_seed: RngSeed::Fixed(0xD1A5_2026),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn a_xdr_data_round_trips(data in data()) {
        let bytes = data.encode();
        prop_assert_eq!(Data::parse(&bytes).unwrap(), data.clone());
        prop_assert_eq!(Data::parse_prefix(&bytes).unwrap(), (data, bytes.len()));
    }

    #[test]
    fn dlms_apdus_round_trip(apdu in apdu()) {
        let bytes = apdu.encode();
        prop_assert_eq!(DlmsApdu::parse(&bytes).unwrap(), apdu);
    }

    #[test]
    fn truncated_dlms_is_an_error_not_a_panic(apdu in apdu(), cut in any::<prop::sample::Index>()) {
        let bytes = apdu.encode();
        let end = cut.index(bytes.len());
        prop_assert!(DlmsApdu::parse(&bytes[..end]).is_err());
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in bytes(600)) {
        let _ = DlmsApdu::parse(&bytes);
        let _ = Data::parse(&bytes);
        let _ = gbcs::decode::payload_node(&bytes);
        let _ = describe(&bytes, &KeyRing::new());
    }
}
