//! The DSP's durable state, in one embedded transactional store (redb, one file `dsp.redb` in
//! the data folder): counters per (originator, target) (RequestID counters, and those of the
//! commands DCC parties originate: see `crate::counters`), commands awaiting a device's
//! response, the instructions of future-dated commands a device executes at their time,
//! pre-commands issued, requests held for a future date, DCC schedules, the Smart
//! Metering Inventory, the outbox of signed documents still owed to users, and an audit log of
//! every request and answer. A change that spans several of them (a response correlated, its
//! delivery queued and audited) commits in one transaction, so a DSP killed at any instant
//! starts again with nothing lost and nothing done twice.
//!
//! Two kinds of write change nothing a request depends on and need no transaction of their
//! own: an audit event recorded apart from any change (a request received, its synchronous
//! answer) and the outbox's mark that a user took a document. They are deferred: written at the
//! start of the next transaction, or by [`write_deferred`] soon after, whichever comes first;
//! reads of the audit log and the outbox write them first. A DSP killed in between loses those
//! audit lines and sends those documents again (the DUIS ResponseID lets the user recognise
//! them), as a DSP killed between a user's 2xx and its own commit always could.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use dcc_model::{Eui64, RequestId, ServiceReferenceVariant};
use redb::{ReadableTable, TableDefinition};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::inventory::DeviceRecord;

mod memory;

use memory::table;

/// The store's file inside the data folder.
pub const FILE_NAME: &str = "dsp.redb";

/// (originator, target) → the last counter used: a RequestID counter accepted, or the counter
/// of a command a DCC party originated to the device.
const COUNTERS: TableDefinition<'static, (u64, u64), u64> = TableDefinition::new("counters");
/// (device, originator, counter) → the command sent and awaiting the device's response.
const AWAITING: TableDefinition<'static, (u64, u64, u64), &[u8]> =
    TableDefinition::new("commands_awaiting_response");
/// (device, originator, counter) → when the final answer went out (so a message delivered
/// twice by a retrying CSP is taken once).
const ANSWERED: TableDefinition<'static, (u64, u64, u64), i64> =
    TableDefinition::new("commands_answered");
/// (device, originator, counter) → the instructions of a future-dated command a device
/// executes at its time, until it has reported the outcome of each.
const FUTURE_DATED_INSTRUCTIONS: TableDefinition<'static, (u64, u64, u64), &[u8]> =
    TableDefinition::new("future_dated_instructions");
/// RequestID → the pre-command issued (CV4), until its signed form comes back.
const PRE_COMMANDS: TableDefinition<'static, &str, &[u8]> = TableDefinition::new("pre_commands");
/// RequestID → a future-dated request the DSP holds until its execution time.
const HELD: TableDefinition<'static, &str, &[u8]> = TableDefinition::new("held_requests");
/// DSP schedule id → schedule.
const SCHEDULES: TableDefinition<'static, u64, &[u8]> = TableDefinition::new("schedules");
/// Device → inventory record.
const INVENTORY: TableDefinition<'static, u64, &[u8]> = TableDefinition::new("inventory");
/// Sequence → a signed document owed to a user, until the user takes it.
const OUTBOX: TableDefinition<'static, u64, &[u8]> = TableDefinition::new("outbox");
/// (RequestID, number within the request) → what happened to the request, in order.
const AUDIT: TableDefinition<'static, (&str, u64), &[u8]> = TableDefinition::new("audit");
/// Name → next number of a sequence (outbox, schedule ids; audit events are numbered within
/// their request).
const SEQUENCES: TableDefinition<'static, &str, u64> = TableDefinition::new("sequences");

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the data folder {path}: {message}")]
    Folder { path: PathBuf, message: String },
    #[error("the DSP store {path} is in use by a running DSP; ask it instead (--url)")]
    InUse { path: PathBuf },
    #[error("DSP store: {0}")]
    Database(String),
    #[error("DSP store: a {table} record cannot be read: {message}")]
    Corrupt {
        table: &'static str,
        message: String,
    },
}

fn database(error: impl std::fmt::Display) -> StoreError {
    StoreError::Database(error.to_string())
}

/// A command the DSP sent, as the device's response names it back (its originator, recipient
/// and counter): the device it went to, who originated it (the requester or a DCC party) and
/// its counter. Counters rise per originator, so two originators' commands to one device may
/// share a counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentCommand {
    pub device: Eui64,
    pub originator: Eui64,
    pub counter: u64,
}

impl SentCommand {
    /// The command `apdu` is.
    pub fn of(apdu: &gbcs::GeneralSigning) -> Self {
        let header = &apdu.header;
        Self {
            device: header.recipient,
            originator: header.originator,
            counter: header.transaction.counter,
        }
    }

    /// The command a device's response (or a response the user returns, 8.13) answers.
    pub fn answered_by(response: &gbcs::GroupingHeader) -> Self {
        Self {
            device: response.originator,
            originator: response.recipient,
            counter: response.transaction.counter,
        }
    }

    fn key(&self) -> (u64, u64, u64) {
        (self.device.as_u64(), self.originator.as_u64(), self.counter)
    }
}

/// Why a command awaits a response, which decides how its answer is delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AwaitingKind {
    /// On demand (command variants 1, 3, 5, 7): a response, or a DCC alert on time-out.
    OnDemand,
    /// Future dated: a response, or E30 on time-out.
    FutureDated,
    /// An occurrence of a DCC schedule: a `DSPScheduledMessage`, or a DCC alert on time-out.
    Scheduled { schedule_id: u64 },
    /// A command handed to the user for local delivery (2, 6): answered through 8.13.
    LocalDelivery,
}

/// A command sent to a device, awaiting its response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwaitingResponse {
    pub request_id: RequestId,
    /// The command sent for the request.
    pub command: SentCommand,
    pub service_reference: String,
    pub service_reference_variant: ServiceReferenceVariant,
    pub kind: AwaitingKind,
    /// Unix milliseconds after which the DSP gives up and answers with a time-out; none for
    /// local delivery, which waits for the user.
    pub deadline_ms: Option<i64>,
}

/// A future-dated command a device executes at its time: the request it answers and the
/// instructions whose outcomes (8F66, 8F67 alerts) the device reports, each once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FutureDatedInstructions {
    pub request_id: RequestId,
    pub service_reference: String,
    pub service_reference_variant: ServiceReferenceVariant,
    /// The instructions, in command order (`gbcs::future_dated::instructions`), as
    /// [`StoredInstruction`]s.
    pub instructions: Vec<StoredInstruction>,
    /// How many outcomes the device has reported so far.
    pub reported: usize,
}

/// A future-dated command's instruction, as stored: a COSEM attribute (class, OBIS,
/// attribute), a ZCL cluster command, or the whole command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StoredInstruction {
    Dlms {
        class_id: u16,
        obis: [u8; 6],
        index: u8,
    },
    Gbz {
        cluster: u16,
        command_id: u8,
    },
    Whole,
}

impl From<gbcs::future_dated::Instruction> for StoredInstruction {
    fn from(instruction: gbcs::future_dated::Instruction) -> Self {
        use gbcs::future_dated::Instruction;
        match instruction {
            Instruction::Dlms(reference) => Self::Dlms {
                class_id: reference.class_id,
                obis: reference.obis,
                index: reference.index,
            },
            Instruction::Gbz {
                cluster,
                command_id,
            } => Self::Gbz {
                cluster,
                command_id,
            },
            Instruction::Whole => Self::Whole,
        }
    }
}

/// A pre-command handed to a user (CV4), kept until the signed form comes back (CV5–7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedPreCommand {
    /// The unsigned GBCS command (general signing APDU, signature field absent).
    pub apdu: Vec<u8>,
    pub device: Eui64,
    /// The `ExecutionDateTime` (unix ms) of the request it was issued for: the signed command
    /// that comes back (CV5–7) carries no body, and executes then.
    #[serde(default)]
    pub execution_at_ms: Option<i64>,
}

/// A future-dated request the DSP holds and sends at its execution time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldRequest {
    pub request_id: RequestId,
    pub service_reference: String,
    pub service_reference_variant: ServiceReferenceVariant,
    pub execute_at_ms: i64,
    /// The GBCS command to protect and send then.
    pub apdu: Vec<u8>,
    /// For a command a DCC party originates: the request's body, transformed again at the
    /// execution time, so that the command carries the party's counter for the device then
    /// (its sequence moves on while the request is held).
    #[serde(default)]
    pub body: Option<StoredElement>,
}

/// A DCC schedule (5.1): which service the DSP sends to which device for whom, and when next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub schedule_id: u64,
    pub owner: Eui64,
    pub device: Eui64,
    pub service_reference_variant: ServiceReferenceVariant,
    pub frequency: crate::schedules::Frequency,
    /// The first occurrence, unix milliseconds; later ones follow by `frequency`.
    pub first_ms: i64,
    /// No occurrence at or after this instant (the day after `ScheduleEndDate`).
    pub end_ms: Option<i64>,
    /// How many occurrences have been issued.
    pub issued: u64,
    /// The `CreateSchedule` body as the user sent it, for 5.2.
    pub details: StoredElement,
}

/// A `duis::BodyElement` as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredElement {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<StoredElement>,
}

impl From<&duis::BodyElement> for StoredElement {
    fn from(element: &duis::BodyElement) -> Self {
        Self {
            name: element.name.clone(),
            attributes: element.attributes.clone(),
            text: element.text.clone(),
            children: element.children.iter().map(StoredElement::from).collect(),
        }
    }
}

impl From<&StoredElement> for duis::BodyElement {
    fn from(element: &StoredElement) -> Self {
        Self {
            name: element.name.clone(),
            attributes: element.attributes.clone(),
            text: element.text.clone(),
            children: element
                .children
                .iter()
                .map(duis::BodyElement::from)
                .collect(),
        }
    }
}

/// A signed DUIS document owed to a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub url: String,
    pub xml: String,
    /// The RequestID it answers, or the alert's reference, for the audit log and spans.
    pub request_id: String,
    pub device_id: String,
}

/// One hop of a request's life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// `xs:dateTime` on the DSP's clock.
    pub at: String,
    /// Where it happened: `front door`, `csp-north`, `device`, `user`, `scheduler`, …
    pub hop: String,
    /// What happened, in a few words.
    pub what: String,
    /// The DUIS response code or outcome, when there is one.
    pub outcome: Option<String>,
}

/// The open store. Reads take a snapshot; writes go through a [`Batch`] committed whole.
#[derive(Debug)]
pub struct Store {
    database: Database,
    path: PathBuf,
    deferred: Arc<DeferredWrites>,
}

/// How long a deferred write waits for a transaction to carry it before [`write_deferred`]
/// commits it (with whatever else was deferred meanwhile).
pub const DEFERRED_WRITE_DELAY: Duration = Duration::from_millis(20);

/// Writes waiting for the next transaction (see the module's documentation).
#[derive(Debug, Default)]
struct DeferredWrites {
    pending: Mutex<Deferred>,
    waiting: tokio::sync::Notify,
}

#[derive(Debug, Default)]
struct Deferred {
    audit: Vec<(String, AuditEvent)>,
    delivered: Vec<u64>,
}

impl Deferred {
    fn is_empty(&self) -> bool {
        self.audit.is_empty() && self.delivered.is_empty()
    }
}

impl DeferredWrites {
    fn pending(&self) -> MutexGuard<'_, Deferred> {
        // A panic while holding this lock leaves two plain vectors intact.
        self.pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn add(&self, add: impl FnOnce(&mut Deferred)) {
        add(&mut self.pending());
        self.waiting.notify_one();
    }

    /// Writes a transaction took and could not commit wait again, before any added since.
    fn put_back(&self, mut taken: Deferred) {
        if taken.is_empty() {
            return;
        }
        let mut pending = self.pending();
        taken.audit.append(&mut pending.audit);
        taken.delivered.append(&mut pending.delivered);
        *pending = taken;
        drop(pending);
        self.waiting.notify_one();
    }
}

/// The deferred writes a [`Batch`] carries: back to the store unless the batch commits.
struct CarriedWrites {
    store: Arc<DeferredWrites>,
    taken: Deferred,
    committed: bool,
}

impl Drop for CarriedWrites {
    fn drop(&mut self) {
        if !self.committed {
            self.store.put_back(std::mem::take(&mut self.taken));
        }
    }
}

/// Commits the store's deferred writes soon after they are made, when no transaction has
/// carried them first: one of the DSP's background tasks.
pub async fn write_deferred(store: Arc<Store>) {
    loop {
        store.deferred.waiting.notified().await;
        tokio::time::sleep(DEFERRED_WRITE_DELAY).await;
        if let Err(error) = store.write_deferred_now() {
            tracing::warn!(%error, "deferred audit events and delivery marks not written yet");
        }
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        if let Err(error) = self.write_deferred_now() {
            tracing::warn!(%error, "deferred audit events and delivery marks lost at shutdown");
        }
    }
}

/// Where the tables are: the file, or memory (no data folder).
#[derive(Debug)]
enum Database {
    File(redb::Database),
    Memory(Arc<memory::MemoryStore>),
}

fn decode<T: DeserializeOwned>(table: &'static str, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|error| StoreError::Corrupt {
        table,
        message: error.to_string(),
    })
}

fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    // Serialising these plain records to JSON cannot fail (no maps with non-string keys).
    serde_json::to_vec(value).unwrap_or_default()
}

impl Store {
    /// Opens (or creates) the store in `folder`: every commit is on disk (fsync) before it
    /// returns.
    pub fn open(folder: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(folder).map_err(|error| StoreError::Folder {
            path: folder.to_owned(),
            message: error.to_string(),
        })?;
        let path = folder.join(FILE_NAME);
        let opened = redb::Database::create(&path).map_err(|error| match error {
            redb::DatabaseError::DatabaseAlreadyOpen => StoreError::InUse { path: path.clone() },
            other => database(other),
        })?;
        let store = Self {
            database: Database::File(opened),
            path,
            deferred: Arc::default(),
        };
        store.create_tables()?;
        Ok(store)
    }

    /// A store in memory, for a DSP whose state nothing would find again after it stops (no
    /// data folder given): the same tables and transactions without a file (see
    /// `store::memory`).
    pub fn in_memory() -> Result<Self, StoreError> {
        Ok(Self {
            database: Database::Memory(Arc::default()),
            path: PathBuf::new(),
            deferred: Arc::default(),
        })
    }

    fn create_tables(&self) -> Result<(), StoreError> {
        let batch = self.batch()?;
        if let Transaction::File(txn) = &batch.transaction {
            txn.open_table(COUNTERS).map_err(database)?;
            txn.open_table(AWAITING).map_err(database)?;
            txn.open_table(ANSWERED).map_err(database)?;
            txn.open_table(FUTURE_DATED_INSTRUCTIONS)
                .map_err(database)?;
            txn.open_table(PRE_COMMANDS).map_err(database)?;
            txn.open_table(HELD).map_err(database)?;
            txn.open_table(SCHEDULES).map_err(database)?;
            txn.open_table(INVENTORY).map_err(database)?;
            txn.open_table(OUTBOX).map_err(database)?;
            txn.open_table(AUDIT).map_err(database)?;
            txn.open_table(SEQUENCES).map_err(database)?;
        }
        batch.commit()
    }

    /// The store's file; empty for a store in memory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A write transaction, which first writes what was deferred. Do not hold one across an
    /// `.await`: writers queue behind it.
    pub fn batch(&self) -> Result<Batch, StoreError> {
        let transaction = match &self.database {
            Database::File(file) => Transaction::File(file.begin_write().map_err(database)?),
            Database::Memory(memory) => Transaction::Memory(memory.begin()),
        };
        let taken = std::mem::take(&mut *self.deferred.pending());
        // Should writing them fail, the batch's drop puts them back.
        let batch = Batch {
            transaction,
            carried: CarriedWrites {
                store: self.deferred.clone(),
                taken,
                committed: false,
            },
        };
        for (request_id, event) in &batch.carried.taken.audit {
            batch.audit(request_id, event)?;
        }
        for sequence in &batch.carried.taken.delivered {
            batch.delivered(*sequence)?;
        }
        Ok(batch)
    }

    /// Records an event that goes with no change, with the next transaction (see the module's
    /// documentation).
    pub fn audit_later(&self, request_id: &str, event: AuditEvent) {
        self.deferred
            .add(|deferred| deferred.audit.push((request_id.to_owned(), event)));
    }

    /// The user took the document queued under `sequence`: it leaves the outbox, with the
    /// event, in the next transaction.
    pub fn delivered_later(&self, sequence: u64, request_id: &str, event: AuditEvent) {
        self.deferred.add(|deferred| {
            deferred.delivered.push(sequence);
            deferred.audit.push((request_id.to_owned(), event));
        });
    }

    /// Commits what was deferred, if anything was.
    pub fn write_deferred_now(&self) -> Result<(), StoreError> {
        if self.deferred.pending().is_empty() {
            return Ok(());
        }
        self.batch()?.commit()
    }

    pub fn counter(&self, originator: Eui64, target: Eui64) -> Result<Option<u64>, StoreError> {
        let key = (originator.as_u64(), target.as_u64());
        let file = match &self.database {
            Database::File(file) => file,
            Database::Memory(memory) => return Ok(table::counters.read(memory, &key)),
        };
        let table = read(file)?.open_table(COUNTERS).map_err(database)?;
        let value = table.get(key).map_err(database)?;
        Ok(value.map(|guard| guard.value()))
    }

    pub fn awaiting(&self, command: SentCommand) -> Result<Option<AwaitingResponse>, StoreError> {
        let key = command.key();
        self.one_value(
            AWAITING,
            table::awaiting,
            "commands_awaiting_response",
            key,
            &key,
        )
    }

    /// Every command awaiting a response.
    pub fn all_awaiting(&self) -> Result<Vec<AwaitingResponse>, StoreError> {
        self.all_values(AWAITING, table::awaiting, "commands_awaiting_response")
    }

    pub fn was_answered(&self, command: SentCommand) -> Result<bool, StoreError> {
        let file = match &self.database {
            Database::File(file) => file,
            Database::Memory(memory) => {
                return Ok(table::answered.read(memory, &command.key()).is_some())
            }
        };
        let table = read(file)?.open_table(ANSWERED).map_err(database)?;
        Ok(table.get(command.key()).map_err(database)?.is_some())
    }

    pub fn pre_command(
        &self,
        request_id: &RequestId,
    ) -> Result<Option<IssuedPreCommand>, StoreError> {
        let key = request_id.to_string();
        self.one_value(
            PRE_COMMANDS,
            table::pre_commands,
            "pre_commands",
            key.as_str(),
            &key,
        )
    }

    pub fn all_held(&self) -> Result<Vec<HeldRequest>, StoreError> {
        self.all_values(HELD, table::held, "held_requests")
    }

    pub fn schedule(&self, schedule_id: u64) -> Result<Option<Schedule>, StoreError> {
        self.one_value(
            SCHEDULES,
            table::schedules,
            "schedules",
            schedule_id,
            &schedule_id,
        )
    }

    pub fn all_schedules(&self) -> Result<Vec<Schedule>, StoreError> {
        self.all_values(SCHEDULES, table::schedules, "schedules")
    }

    pub fn all_devices(&self) -> Result<Vec<DeviceRecord>, StoreError> {
        self.all_values(INVENTORY, table::inventory, "inventory")
    }

    /// Every document still owed to a user, by sequence.
    pub fn all_deliveries(&self) -> Result<Vec<(u64, Delivery)>, StoreError> {
        self.write_deferred_now()?;
        let file = match &self.database {
            Database::File(file) => file,
            Database::Memory(memory) => {
                return table::outbox
                    .read_all(memory)
                    .into_iter()
                    .map(|(sequence, bytes)| Ok((sequence, decode("outbox", &bytes)?)))
                    .collect()
            }
        };
        let table = read(file)?.open_table(OUTBOX).map_err(database)?;
        let mut all = Vec::new();
        for entry in table.iter().map_err(database)? {
            let (key, value) = entry.map_err(database)?;
            all.push((key.value(), decode("outbox", value.value())?));
        }
        Ok(all)
    }

    /// What happened to a request, in order.
    pub fn audit_of(&self, request_id: &str) -> Result<Vec<AuditEvent>, StoreError> {
        self.write_deferred_now()?;
        let file = match &self.database {
            Database::File(file) => file,
            Database::Memory(memory) => {
                let range = (request_id.to_owned(), 0)..=(request_id.to_owned(), u64::MAX);
                return table::audit
                    .read_range(memory, range)
                    .iter()
                    .map(|bytes| decode("audit", bytes))
                    .collect();
            }
        };
        let table = read(file)?.open_table(AUDIT).map_err(database)?;
        let mut events = Vec::new();
        for entry in table
            .range((request_id, 0)..=(request_id, u64::MAX))
            .map_err(database)?
        {
            let (_, value) = entry.map_err(database)?;
            events.push(decode("audit", value.value())?);
        }
        Ok(events)
    }

    /// The record under a key of one table: `file_key` in the file, `memory_key` in memory.
    fn one_value<'k, K, MemoryKey, T>(
        &self,
        definition: TableDefinition<'_, K, &[u8]>,
        in_memory: memory::Table<MemoryKey, Vec<u8>>,
        name: &'static str,
        file_key: impl std::borrow::Borrow<K::SelfType<'k>>,
        memory_key: &MemoryKey,
    ) -> Result<Option<T>, StoreError>
    where
        K: redb::Key + 'static,
        MemoryKey: Ord + Clone,
        T: DeserializeOwned,
    {
        let file = match &self.database {
            Database::File(file) => file,
            Database::Memory(memory) => {
                return in_memory
                    .read(memory, memory_key)
                    .map(|bytes| decode(name, &bytes))
                    .transpose()
            }
        };
        let table = read(file)?.open_table(definition).map_err(database)?;
        let value = table.get(file_key).map_err(database)?;
        value.map(|guard| decode(name, guard.value())).transpose()
    }

    fn all_values<K, MemoryKey, T>(
        &self,
        definition: TableDefinition<'_, K, &[u8]>,
        in_memory: memory::Table<MemoryKey, Vec<u8>>,
        name: &'static str,
    ) -> Result<Vec<T>, StoreError>
    where
        K: redb::Key + 'static,
        MemoryKey: Ord + Clone,
        T: DeserializeOwned,
    {
        let file = match &self.database {
            Database::File(file) => file,
            Database::Memory(memory) => {
                return in_memory
                    .read_all(memory)
                    .iter()
                    .map(|(_, bytes)| decode(name, bytes))
                    .collect()
            }
        };
        let table = read(file)?.open_table(definition).map_err(database)?;
        let mut all = Vec::new();
        for entry in table.iter().map_err(database)? {
            let (_, value) = entry.map_err(database)?;
            all.push(decode(name, value.value())?);
        }
        Ok(all)
    }
}

/// One write transaction: everything in it happens, or nothing (the deferred writes it
/// carries wait for the next one if it does not commit).
pub struct Batch {
    transaction: Transaction,
    carried: CarriedWrites,
}

// One per write, held in place in its `Batch`: boxing the redb transaction would only add an
// allocation to every write.
#[allow(clippy::large_enum_variant)]
enum Transaction {
    File(redb::WriteTransaction),
    Memory(memory::MemoryBatch),
}

fn read(file: &redb::Database) -> Result<redb::ReadTransaction, StoreError> {
    file.begin_read().map_err(database)
}

impl std::fmt::Debug for Batch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Batch")
    }
}

impl Batch {
    pub fn commit(self) -> Result<(), StoreError> {
        let Batch {
            transaction,
            mut carried,
        } = self;
        match transaction {
            Transaction::File(file) => file.commit().map_err(database)?,
            Transaction::Memory(memory) => memory.commit(),
        }
        carried.committed = true;
        Ok(())
    }

    fn next_in_sequence(&self, name: &str) -> Result<u64, StoreError> {
        let file = match &self.transaction {
            Transaction::File(file) => file,
            Transaction::Memory(batch) => {
                let next = table::sequences.get(batch, &name.to_owned()).unwrap_or(1);
                table::sequences.insert(batch, name.to_owned(), next + 1);
                return Ok(next);
            }
        };
        let mut table = file.open_table(SEQUENCES).map_err(database)?;
        let next = table
            .get(name)
            .map_err(database)?
            .map(|guard| guard.value())
            .unwrap_or(1);
        table.insert(name, next + 1).map_err(database)?;
        Ok(next)
    }

    /// The last counter used for (originator, target), if any.
    pub fn last_counter(
        &self,
        originator: Eui64,
        target: Eui64,
    ) -> Result<Option<u64>, StoreError> {
        let file = match &self.transaction {
            Transaction::File(file) => file,
            Transaction::Memory(batch) => {
                let key = (originator.as_u64(), target.as_u64());
                return Ok(table::counters.get(batch, &key));
            }
        };
        let table = file.open_table(COUNTERS).map_err(database)?;
        let last = table
            .get((originator.as_u64(), target.as_u64()))
            .map_err(database)?
            .map(|guard| guard.value());
        Ok(last)
    }

    /// Accepts `counter` for (originator, target) if it is greater than the last one used;
    /// otherwise returns that last one.
    pub fn advance_counter(
        &self,
        originator: Eui64,
        target: Eui64,
        counter: u64,
    ) -> Result<Result<(), u64>, StoreError> {
        let file = match &self.transaction {
            Transaction::File(file) => file,
            Transaction::Memory(batch) => {
                let key = (originator.as_u64(), target.as_u64());
                if let Some(last) = table::counters.get(batch, &key) {
                    if counter <= last {
                        return Ok(Err(last));
                    }
                }
                table::counters.insert(batch, key, counter);
                return Ok(Ok(()));
            }
        };
        let mut table = file.open_table(COUNTERS).map_err(database)?;
        let key = (originator.as_u64(), target.as_u64());
        let last = table.get(key).map_err(database)?.map(|guard| guard.value());
        if let Some(last) = last {
            if counter <= last {
                return Ok(Err(last));
            }
        }
        table.insert(key, counter).map_err(database)?;
        Ok(Ok(()))
    }

    /// The next counter of (originator, target), taken: what the DSP uses for the commands of
    /// a DCC schedule it sends on a user's behalf.
    pub fn take_next_counter(&self, originator: Eui64, target: Eui64) -> Result<u64, StoreError> {
        let file = match &self.transaction {
            Transaction::File(file) => file,
            Transaction::Memory(batch) => {
                let key = (originator.as_u64(), target.as_u64());
                let next = table::counters
                    .get(batch, &key)
                    .map_or(1, |last| last.saturating_add(1));
                table::counters.insert(batch, key, next);
                return Ok(next);
            }
        };
        let mut table = file.open_table(COUNTERS).map_err(database)?;
        let key = (originator.as_u64(), target.as_u64());
        let next = table
            .get(key)
            .map_err(database)?
            .map_or(1, |guard| guard.value().saturating_add(1));
        table.insert(key, next).map_err(database)?;
        Ok(next)
    }

    /// Records `awaiting` under its command.
    pub fn put_awaiting(&self, awaiting: &AwaitingResponse) -> Result<(), StoreError> {
        let file = match &self.transaction {
            Transaction::File(file) => file,
            Transaction::Memory(batch) => {
                table::awaiting.insert(batch, awaiting.command.key(), encode(awaiting));
                return Ok(());
            }
        };
        let mut table = file.open_table(AWAITING).map_err(database)?;
        table
            .insert(awaiting.command.key(), encode(awaiting).as_slice())
            .map_err(database)?;
        Ok(())
    }

    /// Takes the request awaiting the response to `command`, and records that it is answered
    /// now.
    pub fn take_awaiting(
        &self,
        command: SentCommand,
        now_ms: i64,
    ) -> Result<Option<AwaitingResponse>, StoreError> {
        let file = match &self.transaction {
            Transaction::File(file) => file,
            Transaction::Memory(batch) => {
                let taken = table::awaiting
                    .remove(batch, &command.key())
                    .map(|bytes| decode::<AwaitingResponse>("commands_awaiting_response", &bytes))
                    .transpose()?;
                if taken.is_some() {
                    table::answered.insert(batch, command.key(), now_ms);
                }
                return Ok(taken);
            }
        };
        let mut table = file.open_table(AWAITING).map_err(database)?;
        let taken = table
            .remove(command.key())
            .map_err(database)?
            .map(|guard| decode::<AwaitingResponse>("commands_awaiting_response", guard.value()))
            .transpose()?;
        if taken.is_some() {
            let mut answered = file.open_table(ANSWERED).map_err(database)?;
            answered.insert(command.key(), now_ms).map_err(database)?;
        }
        Ok(taken)
    }

    /// Keeps the instructions of a future-dated command sent to its device.
    pub fn put_future_dated_instructions(
        &self,
        command: SentCommand,
        instructions: &FutureDatedInstructions,
    ) -> Result<(), StoreError> {
        let file = match &self.transaction {
            Transaction::File(file) => file,
            Transaction::Memory(batch) => {
                table::future_dated_instructions.insert(batch, command.key(), encode(instructions));
                return Ok(());
            }
        };
        let mut table = file
            .open_table(FUTURE_DATED_INSTRUCTIONS)
            .map_err(database)?;
        table
            .insert(command.key(), encode(instructions).as_slice())
            .map_err(database)?;
        Ok(())
    }

    /// The instructions of a future-dated command, one more outcome counted as reported; the
    /// record is forgotten once every instruction's outcome is. `None` for a command the DSP
    /// keeps none of.
    pub fn report_future_dated_outcome(
        &self,
        command: SentCommand,
    ) -> Result<Option<FutureDatedInstructions>, StoreError> {
        const TABLE: &str = "future_dated_instructions";
        let file = match &self.transaction {
            Transaction::File(file) => file,
            Transaction::Memory(batch) => {
                let table = table::future_dated_instructions;
                let Some(bytes) = table.get(batch, &command.key()) else {
                    return Ok(None);
                };
                let mut kept: FutureDatedInstructions = decode(TABLE, &bytes)?;
                kept.reported += 1;
                match kept.reported >= kept.instructions.len() {
                    true => {
                        table.remove(batch, &command.key());
                    }
                    false => table.insert(batch, command.key(), encode(&kept)),
                }
                return Ok(Some(kept));
            }
        };
        let mut table = file
            .open_table(FUTURE_DATED_INSTRUCTIONS)
            .map_err(database)?;
        let kept = table
            .get(command.key())
            .map_err(database)?
            .map(|guard| decode::<FutureDatedInstructions>(TABLE, guard.value()))
            .transpose()?;
        let Some(mut kept) = kept else {
            return Ok(None);
        };
        kept.reported += 1;
        match kept.reported >= kept.instructions.len() {
            true => {
                table.remove(command.key()).map_err(database)?;
            }
            false => {
                table
                    .insert(command.key(), encode(&kept).as_slice())
                    .map_err(database)?;
            }
        }
        Ok(Some(kept))
    }

    /// Forgets a command that never left (its CSP refused it).
    pub fn drop_awaiting(&self, command: SentCommand) -> Result<(), StoreError> {
        let file = match &self.transaction {
            Transaction::File(file) => file,
            Transaction::Memory(batch) => {
                table::awaiting.remove(batch, &command.key());
                return Ok(());
            }
        };
        let mut table = file.open_table(AWAITING).map_err(database)?;
        table.remove(command.key()).map_err(database)?;
        Ok(())
    }

    pub fn put_pre_command(
        &self,
        request_id: &RequestId,
        issued: &IssuedPreCommand,
    ) -> Result<(), StoreError> {
        let file = match &self.transaction {
            Transaction::File(file) => file,
            Transaction::Memory(batch) => {
                table::pre_commands.insert(batch, request_id.to_string(), encode(issued));
                return Ok(());
            }
        };
        let mut table = file.open_table(PRE_COMMANDS).map_err(database)?;
        let key = request_id.to_string();
        table
            .insert(key.as_str(), encode(issued).as_slice())
            .map_err(database)?;
        Ok(())
    }

    pub fn take_pre_command(
        &self,
        request_id: &RequestId,
    ) -> Result<Option<IssuedPreCommand>, StoreError> {
        let file = match &self.transaction {
            Transaction::File(file) => file,
            Transaction::Memory(batch) => {
                return table::pre_commands
                    .remove(batch, &request_id.to_string())
                    .map(|bytes| decode("pre_commands", &bytes))
                    .transpose();
            }
        };
        let mut table = file.open_table(PRE_COMMANDS).map_err(database)?;
        let key = request_id.to_string();
        let taken = table
            .remove(key.as_str())
            .map_err(database)?
            .map(|guard| decode("pre_commands", guard.value()))
            .transpose()?;
        Ok(taken)
    }

    pub fn put_held(&self, held: &HeldRequest) -> Result<(), StoreError> {
        let file = match &self.transaction {
            Transaction::File(file) => file,
            Transaction::Memory(batch) => {
                table::held.insert(batch, held.request_id.to_string(), encode(held));
                return Ok(());
            }
        };
        let mut table = file.open_table(HELD).map_err(database)?;
        let key = held.request_id.to_string();
        table
            .insert(key.as_str(), encode(held).as_slice())
            .map_err(database)?;
        Ok(())
    }

    pub fn take_held(&self, request_id: &RequestId) -> Result<Option<HeldRequest>, StoreError> {
        let file = match &self.transaction {
            Transaction::File(file) => file,
            Transaction::Memory(batch) => {
                return table::held
                    .remove(batch, &request_id.to_string())
                    .map(|bytes| decode("held_requests", &bytes))
                    .transpose();
            }
        };
        let mut table = file.open_table(HELD).map_err(database)?;
        let key = request_id.to_string();
        let taken = table
            .remove(key.as_str())
            .map_err(database)?
            .map(|guard| decode("held_requests", guard.value()))
            .transpose()?;
        Ok(taken)
    }

    pub fn new_schedule_id(&self) -> Result<u64, StoreError> {
        self.next_in_sequence("schedule")
    }

    pub fn put_schedule(&self, schedule: &Schedule) -> Result<(), StoreError> {
        let file = match &self.transaction {
            Transaction::File(file) => file,
            Transaction::Memory(batch) => {
                table::schedules.insert(batch, schedule.schedule_id, encode(schedule));
                return Ok(());
            }
        };
        let mut table = file.open_table(SCHEDULES).map_err(database)?;
        table
            .insert(schedule.schedule_id, encode(schedule).as_slice())
            .map_err(database)?;
        Ok(())
    }

    pub fn remove_schedule(&self, schedule_id: u64) -> Result<bool, StoreError> {
        let file = match &self.transaction {
            Transaction::File(file) => file,
            Transaction::Memory(batch) => {
                return Ok(table::schedules.remove(batch, &schedule_id).is_some());
            }
        };
        let mut table = file.open_table(SCHEDULES).map_err(database)?;
        let removed = table.remove(schedule_id).map_err(database)?.is_some();
        Ok(removed)
    }

    pub fn put_device(&self, device: &DeviceRecord) -> Result<(), StoreError> {
        let file = match &self.transaction {
            Transaction::File(file) => file,
            Transaction::Memory(batch) => {
                table::inventory.insert(batch, device.device_id.as_u64(), encode(device));
                return Ok(());
            }
        };
        let mut table = file.open_table(INVENTORY).map_err(database)?;
        table
            .insert(device.device_id.as_u64(), encode(device).as_slice())
            .map_err(database)?;
        Ok(())
    }

    pub fn remove_device(&self, device: Eui64) -> Result<(), StoreError> {
        let file = match &self.transaction {
            Transaction::File(file) => file,
            Transaction::Memory(batch) => {
                table::inventory.remove(batch, &device.as_u64());
                return Ok(());
            }
        };
        let mut table = file.open_table(INVENTORY).map_err(database)?;
        table.remove(device.as_u64()).map_err(database)?;
        Ok(())
    }

    /// Queues a document for a user; returns its outbox sequence.
    pub fn enqueue(&self, delivery: &Delivery) -> Result<u64, StoreError> {
        let sequence = self.next_in_sequence("outbox")?;
        let file = match &self.transaction {
            Transaction::File(file) => file,
            Transaction::Memory(batch) => {
                table::outbox.insert(batch, sequence, encode(delivery));
                return Ok(sequence);
            }
        };
        let mut table = file.open_table(OUTBOX).map_err(database)?;
        table
            .insert(sequence, encode(delivery).as_slice())
            .map_err(database)?;
        Ok(sequence)
    }

    /// The user took the document.
    pub fn delivered(&self, sequence: u64) -> Result<(), StoreError> {
        let file = match &self.transaction {
            Transaction::File(file) => file,
            Transaction::Memory(batch) => {
                table::outbox.remove(batch, &sequence);
                return Ok(());
            }
        };
        let mut table = file.open_table(OUTBOX).map_err(database)?;
        table.remove(sequence).map_err(database)?;
        Ok(())
    }

    pub fn audit(&self, request_id: &str, event: &AuditEvent) -> Result<(), StoreError> {
        let file = match &self.transaction {
            Transaction::File(file) => file,
            Transaction::Memory(batch) => {
                let range = (request_id.to_owned(), 0)..=(request_id.to_owned(), u64::MAX);
                let sequence = table::audit
                    .last_key_in(batch, range)
                    .map_or(1, |(_, last)| last + 1);
                table::audit.insert(batch, (request_id.to_owned(), sequence), encode(event));
                return Ok(());
            }
        };
        let mut table = file.open_table(AUDIT).map_err(database)?;
        // Numbered within the request (one lookup, where a store-wide sequence took a read
        // and a write of the sequences table too).
        let last = table
            .range((request_id, 0)..=(request_id, u64::MAX))
            .map_err(database)?
            .next_back()
            .transpose()
            .map_err(database)?
            .map(|(key, _)| key.value().1);
        let sequence = last.map_or(1, |last| last + 1);
        table
            .insert((request_id, sequence), encode(event).as_slice())
            .map_err(database)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request_id(counter: u64) -> RequestId {
        RequestId::new(Eui64::from_u64(1), Eui64::from_u64(2), counter)
    }

    #[test]
    fn what_is_committed_survives_reopening_and_what_is_not_does_not() {
        let folder = tempfile::tempdir().unwrap();
        {
            let store = Store::open(folder.path()).unwrap();
            let batch = store.batch().unwrap();
            assert_eq!(
                batch
                    .advance_counter(Eui64::from_u64(1), Eui64::from_u64(2), 10)
                    .unwrap(),
                Ok(())
            );
            batch
                .audit(
                    "a",
                    &AuditEvent {
                        at: "t".into(),
                        hop: "front door".into(),
                        what: "received".into(),
                        outcome: None,
                    },
                )
                .unwrap();
            batch.commit().unwrap();
            let abandoned = store.batch().unwrap();
            abandoned
                .advance_counter(Eui64::from_u64(1), Eui64::from_u64(2), 11)
                .unwrap()
                .unwrap();
            drop(abandoned);
        }
        let store = Store::open(folder.path()).unwrap();
        assert_eq!(
            store
                .counter(Eui64::from_u64(1), Eui64::from_u64(2))
                .unwrap(),
            Some(10)
        );
        let batch = store.batch().unwrap();
        assert_eq!(
            batch
                .advance_counter(Eui64::from_u64(1), Eui64::from_u64(2), 10)
                .unwrap(),
            Err(10)
        );
        assert_eq!(
            batch
                .advance_counter(Eui64::from_u64(1), Eui64::from_u64(3), 10)
                .unwrap(),
            Ok(()),
            "counters rise per (originator, target)"
        );
        assert_eq!(store.audit_of("a").unwrap().len(), 1);
        assert!(store.audit_of("b").unwrap().is_empty());
    }

    fn event(what: &str) -> AuditEvent {
        AuditEvent {
            at: "t".into(),
            hop: "front door".into(),
            what: what.into(),
            outcome: None,
        }
    }

    fn audited(store: &Store, request_id: &str) -> Vec<String> {
        let events = store.audit_of(request_id).unwrap();
        events.into_iter().map(|event| event.what).collect()
    }

    #[test]
    fn a_deferred_event_is_written_by_the_next_transaction_before_its_own() {
        let store = Store::in_memory().unwrap();
        store.audit_later("a", event("received"));
        assert!(!store.deferred.pending().is_empty());
        let batch = store.batch().unwrap();
        assert!(
            store.deferred.pending().is_empty(),
            "the transaction carries it"
        );
        batch.audit("a", &event("sent")).unwrap();
        batch.commit().unwrap();
        store.audit_later("a", event("answered"));
        assert_eq!(audited(&store, "a"), ["received", "sent", "answered"]);
    }

    #[test]
    fn a_transaction_that_does_not_commit_leaves_the_deferred_writes_for_the_next() {
        let store = Store::in_memory().unwrap();
        store.audit_later("a", event("first"));
        drop(store.batch().unwrap());
        store.audit_later("a", event("second"));
        drop(store.batch().unwrap());
        assert_eq!(audited(&store, "a"), ["first", "second"]);
    }

    #[test]
    fn a_document_marked_delivered_leaves_the_outbox() {
        let store = Store::in_memory().unwrap();
        let batch = store.batch().unwrap();
        let delivery = Delivery {
            url: "http://user".into(),
            xml: "<r/>".into(),
            request_id: "a".into(),
            device_id: "d".into(),
        };
        let kept = batch.enqueue(&delivery).unwrap();
        let taken = batch.enqueue(&delivery).unwrap();
        batch.commit().unwrap();
        store.delivered_later(taken, "a", event("delivered"));
        let owed: Vec<u64> = store
            .all_deliveries()
            .unwrap()
            .into_iter()
            .map(|(sequence, _)| sequence)
            .collect();
        assert_eq!(owed, [kept]);
        assert_eq!(audited(&store, "a"), ["delivered"]);
    }

    #[tokio::test]
    async fn deferred_writes_are_committed_soon_without_another_transaction() {
        let store = Arc::new(Store::in_memory().unwrap());
        let task = tokio::spawn(write_deferred(store.clone()));
        store.audit_later("a", event("received"));
        // Read without `audit_of`, which would write them itself.
        let written = || match &store.database {
            Database::Memory(memory) => table::audit.read_all(memory).len(),
            Database::File(_) => unreachable!("a store in memory"),
        };
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while written() == 0 {
            assert!(tokio::time::Instant::now() < deadline, "never written");
            tokio::time::sleep(DEFERRED_WRITE_DELAY).await;
        }
        assert!(store.deferred.pending().is_empty());
        task.abort();
    }

    #[test]
    fn a_store_closed_writes_what_it_deferred() {
        let folder = tempfile::tempdir().unwrap();
        let store = Store::open(folder.path()).unwrap();
        store.audit_later("a", event("received"));
        drop(store);
        let store = Store::open(folder.path()).unwrap();
        assert_eq!(audited(&store, "a"), ["received"]);
    }

    #[test]
    fn a_response_is_taken_once() {
        let folder = tempfile::tempdir().unwrap();
        let store = Store::open(folder.path()).unwrap();
        let command = SentCommand {
            device: Eui64::from_u64(2),
            originator: Eui64::from_u64(1),
            counter: 5,
        };
        let awaiting = AwaitingResponse {
            request_id: request_id(5),
            command,
            service_reference: "4.1".into(),
            service_reference_variant: "4.1.1".parse().unwrap(),
            kind: AwaitingKind::OnDemand,
            deadline_ms: Some(1),
        };
        let batch = store.batch().unwrap();
        batch.put_awaiting(&awaiting).unwrap();
        batch.commit().unwrap();
        let from_another_originator = SentCommand {
            originator: Eui64::from_u64(3),
            ..command
        };
        assert_eq!(store.awaiting(from_another_originator).unwrap(), None);
        let batch = store.batch().unwrap();
        assert_eq!(batch.take_awaiting(command, 9).unwrap(), Some(awaiting));
        assert_eq!(batch.take_awaiting(command, 9).unwrap(), None);
        batch.commit().unwrap();
        assert!(store.was_answered(command).unwrap());
        assert!(!store.was_answered(from_another_originator).unwrap());
        let later = SentCommand {
            counter: 6,
            ..command
        };
        assert!(!store.was_answered(later).unwrap());
    }

    #[test]
    fn a_future_dated_commands_instructions_are_kept_until_each_outcome_is_reported() {
        let folder = tempfile::tempdir().unwrap();
        let on_file = Store::open(folder.path()).unwrap();
        let in_memory = Store::in_memory().unwrap();
        for store in [on_file, in_memory] {
            let command = SentCommand {
                device: Eui64::from_u64(2),
                originator: Eui64::from_u64(1),
                counter: 7,
            };
            let kept = FutureDatedInstructions {
                request_id: request_id(7),
                service_reference: "1.1".into(),
                service_reference_variant: "1.1.1".parse().unwrap(),
                instructions: vec![
                    StoredInstruction::Gbz {
                        cluster: 0x0707,
                        command_id: 0x00,
                    },
                    StoredInstruction::Whole,
                ],
                reported: 0,
            };
            let batch = store.batch().unwrap();
            batch.put_future_dated_instructions(command, &kept).unwrap();
            batch.commit().unwrap();
            let report = || {
                let batch = store.batch().unwrap();
                let reported = batch.report_future_dated_outcome(command).unwrap();
                batch.commit().unwrap();
                reported.map(|kept| kept.reported)
            };
            assert_eq!(report(), Some(1));
            assert_eq!(report(), Some(2));
            assert_eq!(report(), None, "forgotten once every outcome is in");
            let another = SentCommand {
                counter: 8,
                ..command
            };
            let batch = store.batch().unwrap();
            assert_eq!(batch.report_future_dated_outcome(another).unwrap(), None);
        }
    }

    #[test]
    fn a_second_open_of_the_same_folder_says_it_is_in_use() {
        let folder = tempfile::tempdir().unwrap();
        let _store = Store::open(folder.path()).unwrap();
        assert!(matches!(
            Store::open(folder.path()),
            Err(StoreError::InUse { .. })
        ));
    }
}
