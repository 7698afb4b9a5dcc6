//! The engine never panics on hostile input, and no tampered command is executed.

mod support;

use dcc_model::DeviceType;
use device::{Device, DeviceState};
use gbcs::use_case::{ecs17b, ecs42};
use proptest::prelude::*;
use support::*;

fn esme() -> Device {
    Device::new(&device_config(
        ESME,
        DeviceType::ElectricitySmartMeter,
        DeviceState::default(),
    ))
    .unwrap()
}

/// The 4-byte invocation counter of a MAC header: fixed at zero by GBCS and outside the MAC's AAD.
fn invocation_counter_range(bytes: &[u8]) -> std::ops::Range<usize> {
    let length_bytes = match bytes.get(7) {
        Some(0x81) => 2,
        Some(0x82) => 3,
        _ => 1,
    };
    let start = 7 + length_bytes + 1;
    start..start + 4
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, rng_seed: proptest::test_runner::RngSeed::Fixed(7), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_are_refused_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        prop_assert!(esme().handle_command(&bytes, NOW).is_err());
    }

    #[test]
    fn arbitrary_bytes_after_a_valid_prefix_are_refused(cut in 0usize..120, tail in proptest::collection::vec(any::<u8>(), 0..40)) {
        let mut bytes = command(ecs17b::MESSAGE_CODE, 1, SUPPLIER, ESME, ecs17b::command_payload(1, SUPPLIER, ESME), None);
        bytes.truncate(cut.min(bytes.len()));
        bytes.extend(tail);
        prop_assert!(esme().handle_command(&bytes, NOW).is_err());
    }

    #[test]
    fn a_command_with_any_byte_changed_is_refused(index in any::<prop::sample::Index>(), flip in 1u8..=255, critical in any::<bool>()) {
        let mut bytes = if critical {
            command(ecs42::MESSAGE_CODE, 3, SUPPLIER, ESME, ecs42::command_payload(3), Some(&ds_private(SUPPLIER)))
        } else {
            command(ecs17b::MESSAGE_CODE, 3, SUPPLIER, ESME, ecs17b::command_payload(3, SUPPLIER, ESME), None)
        };
        let position = index.index(bytes.len());
        bytes[position] ^= flip;
        let outcome = esme().handle_command(&bytes, NOW);
        prop_assert!(outcome.is_err() || invocation_counter_range(&bytes).contains(&position), "position {position}: {outcome:?}");
    }
}
