//! The store's tables in memory, for a DSP without a data folder: ordered maps holding the
//! same keys and encoded values as the file's tables, with the same transactions (one writer at
//! a time, readers see only what was committed, a batch dropped without commit leaves no
//! trace). A B-tree file in memory did the same work with page copies, checksums and a buffer
//! that grows by reallocation: most of a request's store time.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

/// Declares the tables once: their committed contents, a batch's changes to them (`None`
/// removes a key), how changes are applied, and a [`Table`] handle for each.
macro_rules! tables {
    ($($name:ident: $key:ty => $value:ty,)*) => {
        /// What has been committed.
        #[derive(Debug, Default)]
        pub(super) struct Committed {
            $(pub(super) $name: BTreeMap<$key, $value>,)*
        }

        /// What a batch has changed and not yet committed.
        #[derive(Debug, Default)]
        pub(super) struct Changes {
            $($name: BTreeMap<$key, Option<$value>>,)*
        }

        impl Committed {
            fn apply(&mut self, changes: Changes) {
                $(apply_to(&mut self.$name, changes.$name);)*
            }
        }

        pub(super) mod table {
            use super::*;
            $(
                #[allow(non_upper_case_globals)]
                pub(in super::super) const $name: Table<$key, $value> = Table {
                    committed: |tables| &tables.$name,
                    changes: |changes| &mut changes.$name,
                };
            )*
        }
    };
}

tables! {
    counters: (u64, u64) => u64,
    awaiting: (u64, u64, u64) => Vec<u8>,
    answered: (u64, u64, u64) => i64,
    future_dated_instructions: (u64, u64, u64) => Vec<u8>,
    pre_commands: String => Vec<u8>,
    held: String => Vec<u8>,
    schedules: u64 => Vec<u8>,
    inventory: u64 => Vec<u8>,
    outbox: u64 => Vec<u8>,
    audit: (String, u64) => Vec<u8>,
    sequences: String => u64,
}

fn apply_to<K: Ord, V>(table: &mut BTreeMap<K, V>, changes: BTreeMap<K, Option<V>>) {
    for (key, change) in changes {
        match change {
            Some(value) => table.insert(key, value),
            None => table.remove(&key),
        };
    }
}

/// One table: where its committed contents and a batch's changes to it are.
pub(super) struct Table<K, V> {
    committed: fn(&Committed) -> &BTreeMap<K, V>,
    changes: fn(&mut Changes) -> &mut BTreeMap<K, Option<V>>,
}

impl<K, V> Clone for Table<K, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K, V> Copy for Table<K, V> {}

impl<K: Ord + Clone, V: Clone> Table<K, V> {
    /// The committed value under `key`.
    pub(super) fn read(self, store: &MemoryStore, key: &K) -> Option<V> {
        (self.committed)(&store.committed()).get(key).cloned()
    }

    /// Every committed entry, in key order.
    pub(super) fn read_all(self, store: &MemoryStore) -> Vec<(K, V)> {
        let committed = store.committed();
        (self.committed)(&committed)
            .iter()
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect()
    }

    /// The committed values with keys in `range`, in key order.
    pub(super) fn read_range(self, store: &MemoryStore, range: RangeInclusive<K>) -> Vec<V> {
        let committed = store.committed();
        (self.committed)(&committed)
            .range(range)
            .map(|(_, value)| value.clone())
            .collect()
    }

    /// The value under `key` as the batch sees it.
    pub(super) fn get(self, batch: &MemoryBatch, key: &K) -> Option<V> {
        if let Some(change) = (self.changes)(&mut batch.changes.borrow_mut()).get(key) {
            return change.clone();
        }
        self.read(&batch.store, key)
    }

    /// Sets `key` to `value` in the batch.
    pub(super) fn insert(self, batch: &MemoryBatch, key: K, value: V) {
        (self.changes)(&mut batch.changes.borrow_mut()).insert(key, Some(value));
    }

    /// Removes `key` in the batch, giving the value it had.
    pub(super) fn remove(self, batch: &MemoryBatch, key: &K) -> Option<V> {
        let had = self.get(batch, key);
        if had.is_some() {
            (self.changes)(&mut batch.changes.borrow_mut()).insert(key.clone(), None);
        }
        had
    }

    /// The greatest key in `range` the batch sees. (A key the batch removed but that is
    /// committed still counts: no table this is asked of removes keys.)
    pub(super) fn last_key_in(self, batch: &MemoryBatch, range: RangeInclusive<K>) -> Option<K> {
        let changed = (self.changes)(&mut batch.changes.borrow_mut())
            .range(range.clone())
            .rev()
            .find(|(_, change)| change.is_some())
            .map(|(key, _)| key.clone());
        let committed = (self.committed)(&batch.store.committed())
            .range(range)
            .next_back()
            .map(|(key, _)| key.clone());
        changed.max(committed)
    }
}

/// The tables and the one writer's turn.
#[derive(Debug, Default)]
pub(super) struct MemoryStore {
    committed: Mutex<Committed>,
    writing: Mutex<bool>,
    writer_done: Condvar,
}

impl MemoryStore {
    fn committed(&self) -> MutexGuard<'_, Committed> {
        // A panic while applying changes leaves maps that are each whole; carry on with them.
        self.committed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// A batch of changes, once the batch before it is committed or dropped.
    pub(super) fn begin(self: &Arc<Self>) -> MemoryBatch {
        let mut writing = self.writing.lock().unwrap_or_else(PoisonError::into_inner);
        while *writing {
            writing = self
                .writer_done
                .wait(writing)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *writing = true;
        MemoryBatch {
            store: self.clone(),
            changes: RefCell::default(),
        }
    }
}

/// A write transaction: changes kept apart until [`MemoryBatch::commit`].
#[derive(Debug)]
pub(super) struct MemoryBatch {
    store: Arc<MemoryStore>,
    changes: RefCell<Changes>,
}

impl MemoryBatch {
    /// Makes every change visible at once.
    pub(super) fn commit(self) {
        let changes = self.changes.take();
        self.store.committed().apply(changes);
    }
}

impl Drop for MemoryBatch {
    fn drop(&mut self) {
        let mut writing = self
            .store
            .writing
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *writing = false;
        self.store.writer_done.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_sees_its_own_changes_and_readers_see_them_only_once_committed() {
        let store = Arc::new(MemoryStore::default());
        let batch = store.begin();
        table::counters.insert(&batch, (1, 2), 7);
        assert_eq!(table::counters.get(&batch, &(1, 2)), Some(7));
        assert_eq!(table::counters.read(&store, &(1, 2)), None);
        batch.commit();
        assert_eq!(table::counters.read(&store, &(1, 2)), Some(7));

        let abandoned = store.begin();
        assert_eq!(table::counters.remove(&abandoned, &(1, 2)), Some(7));
        assert_eq!(table::counters.get(&abandoned, &(1, 2)), None);
        table::counters.insert(&abandoned, (3, 4), 1);
        drop(abandoned);
        assert_eq!(table::counters.read_all(&store), vec![((1, 2), 7)]);
    }

    #[test]
    fn the_last_key_in_a_range_counts_committed_and_changed_keys() {
        let store = Arc::new(MemoryStore::default());
        let batch = store.begin();
        let range = |id: &str| (id.to_owned(), 0)..=(id.to_owned(), u64::MAX);
        assert_eq!(table::audit.last_key_in(&batch, range("a")), None);
        table::audit.insert(&batch, ("a".into(), 1), vec![]);
        table::audit.insert(&batch, ("b".into(), 9), vec![]);
        batch.commit();
        let batch = store.begin();
        assert_eq!(
            table::audit.last_key_in(&batch, range("a")),
            Some(("a".into(), 1))
        );
        table::audit.insert(&batch, ("a".into(), 2), vec![]);
        assert_eq!(
            table::audit.last_key_in(&batch, range("a")),
            Some(("a".into(), 2))
        );
        assert_eq!(table::audit.read_range(&store, range("a")).len(), 1);
    }

    #[test]
    fn a_second_writer_waits_for_the_first() {
        let store = Arc::new(MemoryStore::default());
        let first = store.begin();
        let waiting = {
            let store = store.clone();
            std::thread::spawn(move || {
                let second = store.begin();
                let seen = table::sequences.get(&second, &"outbox".to_owned());
                second.commit();
                seen
            })
        };
        table::sequences.insert(&first, "outbox".to_owned(), 5);
        first.commit();
        assert_eq!(waiting.join().unwrap(), Some(5));
    }
}
