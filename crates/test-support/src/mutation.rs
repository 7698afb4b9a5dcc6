//! Structured property-test inputs: a valid message (a GBCS envelope, a certificate, a CSR, a
//! repository request) with a few bytes changed, cut out or inserted. Unlike uniform random
//! bytes, which parsers refuse at their first tag, these reach every layer of the parser.

use proptest::prelude::*;
use proptest::sample::Index;

/// One change to a valid message.
#[derive(Debug, Clone)]
pub enum Edit {
    /// The byte at `at` becomes `byte`.
    Replace { at: Index, byte: u8 },
    /// Up to `length` bytes from `at` are cut out.
    Delete { at: Index, length: usize },
    /// `bytes` are inserted before `at`.
    Insert { at: Index, bytes: Vec<u8> },
}

/// One edit: a replaced byte, up to 8 bytes cut, or 1 to 8 bytes inserted.
pub fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<Index>(), any::<u8>()).prop_map(|(at, byte)| Edit::Replace { at, byte }),
        (any::<Index>(), 1usize..8).prop_map(|(at, length)| Edit::Delete { at, length }),
        (any::<Index>(), proptest::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(at, bytes)| Edit::Insert { at, bytes }),
    ]
}

/// One to three edits.
pub fn edits() -> impl Strategy<Value = Vec<Edit>> {
    proptest::collection::vec(edit(), 1..4)
}

/// `valid` with `edits` applied in order.
pub fn apply(valid: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut bytes = valid.to_vec();
    for edit in edits {
        if bytes.is_empty() {
            break;
        }
        match edit {
            Edit::Replace { at, byte } => {
                let index = at.index(bytes.len());
                bytes[index] = *byte;
            }
            Edit::Delete { at, length } => {
                let start = at.index(bytes.len());
                let end = (start + length).min(bytes.len());
                bytes.drain(start..end);
            }
            Edit::Insert {
                at,
                bytes: inserted,
            } => {
                let index = at.index(bytes.len() + 1);
                bytes.splice(index..index, inserted.iter().copied());
            }
        }
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    #[test]
    fn edits_change_the_message_they_are_given() {
        let valid = b"<CertificateSearchRequest/>".to_vec();
        let mut runner = TestRunner::deterministic();
        let mut changed = 0;
        for _ in 0..100 {
            let edits = edits().new_tree(&mut runner).unwrap().current();
            changed += usize::from(apply(&valid, &edits) != valid);
        }
        assert!(changed > 90, "only {changed} of 100 edited messages differ");
    }

    #[test]
    fn each_edit_changes_the_length_as_it_says() {
        let valid = [1u8, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        let mut runner = TestRunner::deterministic();
        for _ in 0..200 {
            let edit = edit().new_tree(&mut runner).unwrap().current();
            let edited = apply(&valid, std::slice::from_ref(&edit));
            match edit {
                Edit::Replace { .. } => assert_eq!(edited.len(), valid.len()),
                Edit::Delete { length, .. } => {
                    assert!(edited.len() < valid.len() && valid.len() - edited.len() <= length)
                }
                Edit::Insert { bytes, .. } => assert_eq!(edited.len(), valid.len() + bytes.len()),
            }
        }
        assert!(apply(&[], &edits().new_tree(&mut runner).unwrap().current()).is_empty());
    }
}
