//! General Block Transfer: a 5,000-byte message split for the HAN and reassembled, whatever
//! the order of the blocks, with duplicates ignored and missing blocks reported.

use dcc_model::Eui64;
use gbcs::decode::{describe, KeyRing, MessageForm};
use gbcs::gbt::{segment, BlockReceipt, Reassembler, HAN_MESSAGE_LIMIT};
use gbcs::{
    BlockTransfer, Cra, Envelope, GeneralSigning, GroupingHeader, MessageCode, OtherInformation,
    ReassemblyError, SignatureField, TransactionId,
};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

/// A signed response whose whole encoding is `length` bytes (a byte or two less where the
/// payload's length octets grow at that size).
fn message_of_length(length: usize) -> Vec<u8> {
    let apdu = |payload_length: usize| GeneralSigning {
        header: GroupingHeader {
            transaction: TransactionId {
                cra: Cra::Response,
                counter: 0x3E8,
            },
            originator: Eui64::from_u64(0x00DB_1234_5678_90A0),
            recipient: Eui64::from_u64(0x90B3_D51F_3001_0000),
            date_time: None,
            other_information: OtherInformation::message_code(MessageCode(0x0027)),
        },
        payload: (0..payload_length).map(|i| (i * 31 % 256) as u8).collect(),
        signature: SignatureField::Present([0xA5; 64]),
    };
    let overhead = apdu(length).encode().len() - length;
    apdu(length - overhead).encode()
}

fn encoded(parts: &[BlockTransfer]) -> Vec<Vec<u8>> {
    parts
        .iter()
        .map(|part| Envelope::BlockTransfer(part.clone()).encode())
        .collect()
}

#[test]
fn a_5000_byte_message_is_split_for_the_han_and_reassembled_byte_identical() {
    let message = message_of_length(5_000);
    assert_eq!(message.len(), 5_000);
    let parts = encoded(&segment(&message, HAN_MESSAGE_LIMIT).unwrap());
    println!(
        "5,000-byte message: {} GBT messages, largest {} bytes",
        parts.len(),
        parts.iter().map(Vec::len).max().unwrap()
    );
    assert_eq!(parts.len(), 5);
    assert!(parts.iter().all(|part| part.len() <= HAN_MESSAGE_LIMIT));
    let mut reassembler = Reassembler::new();
    for part in &parts {
        assert_eq!(
            reassembler.accept_message(part).unwrap(),
            vec![BlockReceipt::New]
        );
    }
    assert_eq!(reassembler.message().unwrap(), message);
}

#[test]
fn blocks_in_reverse_order_with_duplicates_reassemble() {
    let message = message_of_length(5_000);
    let parts = encoded(&segment(&message, HAN_MESSAGE_LIMIT).unwrap());
    let mut reassembler = Reassembler::new();
    for part in parts.iter().rev().chain(parts.iter().take(2)) {
        reassembler.accept_message(part).unwrap();
    }
    assert_eq!(reassembler.duplicates(), 2);
    assert_eq!(reassembler.message().unwrap(), message);
}

#[test]
fn a_missing_block_is_reported_not_guessed() {
    let message = message_of_length(5_000);
    let parts = encoded(&segment(&message, HAN_MESSAGE_LIMIT).unwrap());
    let mut reassembler = Reassembler::new();
    for (index, part) in parts.iter().enumerate() {
        if index != 2 {
            reassembler.accept_message(part).unwrap();
        }
    }
    assert_eq!(reassembler.missing_blocks(), vec![3]);
    assert_eq!(reassembler.acknowledged_block_number(), 2);
    assert_eq!(
        reassembler.message(),
        Err(ReassemblyError::Incomplete {
            missing: vec![3],
            last_block_known: true
        })
    );
}

#[test]
fn before_the_last_block_arrives_the_gaps_are_reported_and_the_end_is_unknown() {
    let message = message_of_length(5_000);
    let parts = encoded(&segment(&message, HAN_MESSAGE_LIMIT).unwrap());
    let mut reassembler = Reassembler::new();
    reassembler.accept_message(&parts[0]).unwrap();
    reassembler.accept_message(&parts[3]).unwrap();
    assert_eq!(
        reassembler.message(),
        Err(ReassemblyError::Incomplete {
            missing: vec![2, 3],
            last_block_known: false
        })
    );
}

#[test]
fn a_block_of_another_message_is_refused() {
    let first = encoded(&segment(&message_of_length(3_000), HAN_MESSAGE_LIMIT).unwrap());
    let mut other_message = Envelope::parse(&message_of_length(3_000)).unwrap();
    if let Envelope::Bare(apdu) = &mut other_message {
        apdu.header.transaction.counter += 1;
    }
    let second = encoded(&segment(&other_message.encode(), HAN_MESSAGE_LIMIT).unwrap());
    let mut reassembler = Reassembler::new();
    reassembler.accept_message(&first[0]).unwrap();
    assert_eq!(
        reassembler.accept_message(&second[1]),
        Err(ReassemblyError::OtherMessage)
    );
}

#[test]
fn the_decoder_reassembles_a_complete_transfer_and_reports_an_incomplete_one() {
    let message = message_of_length(2_000);
    let parts = segment(&message, 600).unwrap();
    let mut whole = parts[0].clone();
    whole.blocks = parts
        .iter()
        .flat_map(|part| part.blocks.clone())
        .rev()
        .collect();
    let decoded = describe(
        &Envelope::BlockTransfer(whole.clone()).encode(),
        &KeyRing::new(),
    )
    .unwrap();
    assert_eq!(decoded.form, MessageForm::BlockTransfer);
    assert_eq!(
        decoded.payload.len(),
        Envelope::parse(&message)
            .unwrap()
            .general_signing()
            .unwrap()
            .payload
            .len()
    );
    whole.blocks.remove(1);
    let decoded = describe(&Envelope::BlockTransfer(whole).encode(), &KeyRing::new()).unwrap();
    let (summary, inner) = decoded.block_transfer.clone().unwrap();
    assert!(inner.is_none());
    assert_eq!(summary.missing_blocks.len(), 1);
    assert!(decoded.tree().render().contains("missing blocks"));
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 128,
        rng_seed: RngSeed::Fixed(0x0687_2026),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_order_with_duplicates_gives_back_the_message(
        length in 200usize..6_000,
        limit in 100usize..1_300,
        order in any::<u64>(),
        duplicates in proptest::collection::vec(any::<prop::sample::Index>(), 0..5),
    ) {
        let message = message_of_length(length);
        let parts = encoded(&segment(&message, limit).unwrap());
        prop_assert!(parts.iter().all(|part| part.len() <= limit));
        // A seeded Fisher–Yates shuffle, then some blocks again.
        let mut shuffled = parts.clone();
        let mut state = order | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        shuffled.extend(duplicates.iter().map(|index| parts[index.index(parts.len())].clone()));
        let mut reassembler = Reassembler::new();
        for part in &shuffled {
            reassembler.accept_message(part).unwrap();
        }
        prop_assert_eq!(reassembler.duplicates(), duplicates.len());
        prop_assert_eq!(reassembler.message().unwrap(), message);
    }
}
