//! The user-facing decoder: what a GBCS message says and whether its protection holds, given
//! the keys a user has (the counterpart of DCC's gbcs-parser).
//!
//! Keys come as (file name, bytes) pairs, so the crate stays free of I/O: a [`KeyRing`] reads
//! `<id>-ds.pem`, `<id>-ka.pem` (certificates or public keys) and `<id>-ds.key`, `<id>-ka.key`
//! (PKCS#8 private keys) as in the RTDS key store and in dccsim's `certs/`; other files
//! (`root-ca.pem`, `<id>-xml-sign-ds.pem`, `<id>-pp-ka.key`, `seed.txt`) are skipped.
//!
//! Which key pair checks what (GBCS notes): a command's MAC is ACB KA × recipient KA; a
//! response's or alert's MAC is originator KA × recipient KA; an encrypted block is
//! originator KA × (supplementary remote party, else recipient) KA; a signature is the
//! originator's DS key. Z is the same from either side, so either private key will do.

use std::collections::BTreeMap;

use dcc_model::{Eui64, DCC_ACCESS_CONTROL_BROKER};

use crate::ber::Reader;
use crate::catalogue::{self, MessageCodeEntry};
use crate::crypto::{
    KeyAgreementPrivateKey, KeyAgreementPublicKey, SharedSecret, SharedSecretCache, SigningKey,
    VerifyingKey,
};
use crate::dlms::{Data, DlmsApdu, RequestSpecification};
use crate::envelope::{Cra, Envelope, GeneralSigning, GroupingHeader, SignatureField, MAC_LENGTH};
use crate::error::{CryptoError, DecodeError};
use crate::gbt::Reassembler;
use crate::gbz::{ComponentBody, GbzPayload};
use crate::protection::{self, EncryptionParameters};

/// Deepest ASN.1 nesting the payload tree follows.
const MAXIMUM_DER_DEPTH: usize = 16;

/// What a key file holds, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyFileKind {
    /// `<id>-ka.pem`: a key-agreement certificate or public key.
    KeyAgreementPublic,
    /// `<id>-ka.key`: a key-agreement private key.
    KeyAgreementPrivate,
    /// `<id>-ds.pem`: a digital-signing certificate or public key.
    SigningPublic,
    /// `<id>-ds.key`: a digital-signing private key (its public key is what is used).
    SigningPrivate,
}

/// The party and kind of a key file named `<16 hex digits>-{ka,ds}.{pem,key}` (any case),
/// or `None` for any other name.
pub fn classify_key_file(name: &str) -> Option<(Eui64, KeyFileKind)> {
    let lower = name.to_ascii_lowercase();
    let (stem, kind) = [
        ("-ka.pem", KeyFileKind::KeyAgreementPublic),
        ("-ka.key", KeyFileKind::KeyAgreementPrivate),
        ("-ds.pem", KeyFileKind::SigningPublic),
        ("-ds.key", KeyFileKind::SigningPrivate),
    ]
    .into_iter()
    .find_map(|(suffix, kind)| lower.strip_suffix(suffix).map(|stem| (stem, kind)))?;
    let looks_like_id = stem.len() == 16 && stem.chars().all(|c| c.is_ascii_hexdigit());
    if !looks_like_id {
        return None;
    }
    Some((stem.parse().ok()?, kind))
}

/// A key file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {error}")]
pub struct KeyFileError {
    pub file: String,
    pub error: CryptoError,
}

#[derive(Debug, Clone, Default)]
struct PartyKeys {
    key_agreement_private: Option<KeyAgreementPrivateKey>,
    key_agreement_public: Option<KeyAgreementPublicKey>,
    signing_public: Option<VerifyingKey>,
}

/// The keys a user holds, by party, with a cache of the shared secrets computed from them.
#[derive(Debug, Clone, Default)]
pub struct KeyRing {
    parties: BTreeMap<Eui64, PartyKeys>,
    secrets: SharedSecretCache,
}

impl KeyRing {
    /// An empty key ring: messages decode, but nothing can be verified or decrypted.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the key files among `files`; names that are not key files are skipped.
    pub fn from_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    ) -> Result<Self, KeyFileError> {
        let mut ring = Self::new();
        for (name, bytes) in files {
            ring.add_file(name, bytes)?;
        }
        Ok(ring)
    }

    /// Adds one file; returns whether its name is a key file's (others are skipped).
    pub fn add_file(&mut self, name: &str, bytes: &[u8]) -> Result<bool, KeyFileError> {
        let Some((id, kind)) = classify_key_file(name) else {
            return Ok(false);
        };
        let error = |error| KeyFileError {
            file: name.to_owned(),
            error,
        };
        let party = self.parties.entry(id).or_default();
        match kind {
            KeyFileKind::KeyAgreementPublic => {
                party.key_agreement_public =
                    Some(KeyAgreementPublicKey::from_any(bytes).map_err(error)?)
            }
            KeyFileKind::KeyAgreementPrivate => {
                party.key_agreement_private =
                    Some(KeyAgreementPrivateKey::from_pkcs8(bytes).map_err(error)?)
            }
            KeyFileKind::SigningPublic => {
                party.signing_public = Some(VerifyingKey::from_any(bytes).map_err(error)?)
            }
            KeyFileKind::SigningPrivate => {
                let key = SigningKey::from_pkcs8(bytes).map_err(error)?;
                party.signing_public.get_or_insert(key.verifying_key());
            }
        }
        Ok(true)
    }

    /// Adds a key-agreement private key for a party (e.g. a device key published elsewhere).
    pub fn add_key_agreement_private(&mut self, id: Eui64, key: KeyAgreementPrivateKey) {
        self.parties.entry(id).or_default().key_agreement_private = Some(key);
    }

    /// The parties with at least one key, in id order.
    pub fn parties(&self) -> impl Iterator<Item = Eui64> + '_ {
        self.parties.keys().copied()
    }

    /// A party's KA public key: from its certificate, else from its private key.
    pub fn key_agreement_public(&self, id: Eui64) -> Option<KeyAgreementPublicKey> {
        let party = self.parties.get(&id)?;
        party.key_agreement_public.clone().or_else(|| {
            party
                .key_agreement_private
                .as_ref()
                .map(|key| key.public_key().clone())
        })
    }

    /// A party's DS public key: from its certificate, else from its private key.
    pub fn signing_public(&self, id: Eui64) -> Option<VerifyingKey> {
        self.parties.get(&id)?.signing_public
    }

    /// Z between two parties' KA keys, from whichever side's private key is held (cached).
    pub fn shared_secret(&self, first: Eui64, second: Eui64) -> Option<SharedSecret> {
        let private = |id| {
            self.parties
                .get(&id)
                .and_then(|party| party.key_agreement_private.as_ref())
        };
        if let (Some(own), Some(peer)) = (private(first), self.key_agreement_public(second)) {
            return Some(self.secrets.shared_secret(own, &peer));
        }
        if let (Some(own), Some(peer)) = (private(second), self.key_agreement_public(first)) {
            return Some(self.secrets.shared_secret(own, &peer));
        }
        None
    }

    /// The shared secret of a message's MAC: ACB × recipient for commands, originator ×
    /// recipient for responses and alerts.
    pub fn mac_secret(&self, header: &GroupingHeader) -> Option<SharedSecret> {
        match header.transaction.cra {
            Cra::Command => self.shared_secret(DCC_ACCESS_CONTROL_BROKER, header.recipient),
            Cra::Response | Cra::Alert => self.shared_secret(header.originator, header.recipient),
        }
    }

    /// The shared secret of a message's encrypted blocks: originator × (supplementary remote
    /// party, else recipient).
    pub fn encryption_secret(&self, header: &GroupingHeader) -> Option<SharedSecret> {
        let parameters = EncryptionParameters::from_header(header);
        self.shared_secret(parameters.device, parameters.party)
    }
}

/// The result of checking a MAC or a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verification {
    /// The message has none.
    Absent,
    /// The message has one but the keys to check it are not in the key ring.
    NoKey,
    Valid,
    Invalid,
}

impl Verification {
    /// `Some(valid)` when checked, `None` when absent or no key is known.
    pub fn checked(self) -> Option<bool> {
        match self {
            Self::Valid => Some(true),
            Self::Invalid => Some(false),
            Self::Absent | Self::NoKey => None,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Absent => "none",
            Self::NoKey => "present, not checked (no key)",
            Self::Valid => "valid",
            Self::Invalid => "INVALID",
        }
    }
}

/// The top-level form of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageForm {
    /// `DD 00`: MAC header around a general-signing APDU.
    MacHeader,
    /// `DF 09` with a signature (device-signed responses and alerts).
    Signed,
    /// `DF 09` with a null signature field.
    BareUnsigned,
    /// `DF 09` without a signature field.
    PreCommand,
    /// `DD 09`: General Block Transfer.
    BlockTransfer,
}

impl MessageForm {
    /// A short name for people.
    pub fn name(self) -> &'static str {
        match self {
            Self::MacHeader => "MAC header (DD 00)",
            Self::Signed => "signed general-signing APDU (DF 09)",
            Self::BareUnsigned => "general-signing APDU with null signature (DF 09)",
            Self::PreCommand => "pre-command (DF 09, no signature field)",
            Self::BlockTransfer => "General Block Transfer (DD 09)",
        }
    }
}

/// One encrypted block and what decrypting it gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptedBlock {
    /// `31 00000000 ‖ ciphertext ‖ tag` as found in the payload.
    pub block: Vec<u8>,
    /// The plaintext, or why there is none.
    pub plaintext: Result<Vec<u8>, BlockProblem>,
}

/// Why an encrypted block was not decrypted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlockProblem {
    #[error("no key for the parties")]
    NoKey,
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

/// What the blocks of a General Block Transfer message held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockTransferSummary {
    pub block_numbers: Vec<u16>,
    /// Blocks missing before the message can be reassembled (empty when it was).
    pub missing_blocks: Vec<u16>,
    pub last_block_known: bool,
}

/// A labelled node of the readable tree.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Node {
    pub label: String,
    pub children: Vec<Node>,
}

impl Node {
    /// A node without children.
    pub fn leaf(label: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            children: Vec::new(),
        }
    }

    /// A node with children.
    pub fn branch(label: impl Into<String>, children: Vec<Node>) -> Self {
        Self {
            label: label.into(),
            children,
        }
    }

    /// The tree as indented text, two spaces per level.
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.render_into(&mut out, 0);
        out
    }

    fn render_into(&self, out: &mut String, depth: usize) {
        out.push_str(&"  ".repeat(depth));
        out.push_str(&self.label);
        out.push('\n');
        for child in &self.children {
            child.render_into(out, depth + 1);
        }
    }
}

/// Everything the decoder found in one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedMessage {
    pub form: MessageForm,
    /// The grouping header (of the reassembled message for a complete block transfer, else
    /// the routing header).
    pub header: GroupingHeader,
    pub use_case: Option<&'static MessageCodeEntry>,
    pub mac: Verification,
    pub mac_bytes: Option<[u8; MAC_LENGTH]>,
    /// The signature field as received (absent in pre-commands, null when MAC-only).
    pub signature_field: SignatureField,
    pub signature: Verification,
    pub encrypted_blocks: Vec<EncryptedBlock>,
    /// The payload (DLMS, GBZ or ASN.1); empty for an incomplete block transfer.
    pub payload: Vec<u8>,
    /// The payload as a readable tree.
    pub payload_tree: Node,
    /// For `DD 09` messages: the blocks, and the form of the message they carried.
    pub block_transfer: Option<(BlockTransferSummary, Option<MessageForm>)>,
}

impl DecodedMessage {
    /// The use-case id (e.g. `ECS17b`), when the catalogue knows the message code.
    pub fn use_case_id(&self) -> Option<&'static str> {
        self.use_case.and_then(|entry| entry.use_case_id())
    }

    /// The whole description as a tree.
    pub fn tree(&self) -> Node {
        let header = &self.header;
        let mut nodes = vec![Node::leaf(format!("form: {}", self.form.name()))];
        if let Some((summary, inner)) = &self.block_transfer {
            nodes.push(block_transfer_node(summary, *inner));
        }
        let use_case = match self.use_case {
            Some(entry) => format!(
                "use case: {} {} (service reference variants: {})",
                header.message_code(),
                entry.name,
                if entry.service_reference_variants.is_empty() {
                    "none".to_owned()
                } else {
                    entry.service_reference_variants.join(", ")
                }
            ),
            None => format!("use case: {} (not in the catalogue)", header.message_code()),
        };
        nodes.push(Node::leaf(use_case));
        if header.transaction.cra == Cra::Alert {
            nodes.push(alert_node(&self.payload));
        }
        nodes.extend(header_nodes(header));
        let mac = match &self.mac_bytes {
            Some(mac) => format!("MAC: {} {}", hex_upper(mac), self.mac.describe()),
            None => format!("MAC: {}", self.mac.describe()),
        };
        nodes.push(Node::leaf(mac));
        nodes.push(Node::leaf(format!(
            "signature: {}",
            self.signature.describe()
        )));
        for (index, block) in self.encrypted_blocks.iter().enumerate() {
            nodes.push(encrypted_block_node(index + 1, block));
        }
        nodes.push(self.payload_tree.clone());
        Node::branch("GBCS message", nodes)
    }
}

/// The alert code of an alert, with its name from the alert catalogue.
fn alert_node(payload: &[u8]) -> Node {
    match crate::alert::alert_code(payload) {
        Ok(code) => Node::leaf(format!(
            "alert code: {code} {}",
            crate::alert::catalogue::name(code).unwrap_or("(not in the GBCS alert catalogue)")
        )),
        Err(error) => Node::leaf(format!("alert code: unreadable ({error})")),
    }
}

fn header_nodes(header: &GroupingHeader) -> Vec<Node> {
    let cra = match header.transaction.cra {
        Cra::Command => "1 (command)",
        Cra::Response => "2 (response)",
        Cra::Alert => "3 (alert)",
    };
    let counter = header.transaction.counter;
    let mut nodes = vec![
        Node::leaf(format!("CRA flag: {cra}")),
        Node::leaf(format!("counter: {counter} (0x{counter:016X})")),
        Node::leaf(format!("originator: {}", header.originator.to_hex())),
        Node::leaf(format!("recipient: {}", header.recipient.to_hex())),
    ];
    if let Some(date_time) = &header.date_time {
        nodes.push(Node::leaf(format!(
            "date-time: {}",
            cosem_date_time(date_time)
        )));
    }
    let info = &header.other_information;
    if let Some(party) = info.supplementary_remote_party_id {
        nodes.push(Node::leaf(format!(
            "supplementary remote party: {}",
            party.to_hex()
        )));
    }
    if let Some(counter) = info.supplementary_remote_party_counter {
        nodes.push(Node::leaf(format!(
            "supplementary remote party counter: {counter}"
        )));
    }
    if let Some(counter) = info.supplementary_originator_counter {
        nodes.push(Node::leaf(format!(
            "supplementary originator counter: {counter}"
        )));
    }
    if let Some(certificate) = &info.remote_party_certificate {
        nodes.push(Node::branch(
            format!("remote party KA certificate ({} bytes)", certificate.len()),
            der_nodes(certificate, 0),
        ));
    }
    nodes
}

fn block_transfer_node(summary: &BlockTransferSummary, inner: Option<MessageForm>) -> Node {
    let mut children = vec![Node::leaf(format!("blocks: {:?}", summary.block_numbers))];
    if summary.missing_blocks.is_empty() && summary.last_block_known {
        if let Some(form) = inner {
            children.push(Node::leaf(format!("reassembled: {}", form.name())));
        }
    } else {
        children.push(Node::leaf(format!(
            "missing blocks: {:?}{}",
            summary.missing_blocks,
            if summary.last_block_known {
                ""
            } else {
                " (the last block has not arrived)"
            }
        )));
    }
    Node::branch("block transfer", children)
}

fn encrypted_block_node(number: usize, block: &EncryptedBlock) -> Node {
    let label = format!("encrypted block {number} ({} bytes)", block.block.len());
    match &block.plaintext {
        Ok(plaintext) => {
            let mut children = vec![Node::leaf(format!("plaintext: {}", hex_upper(plaintext)))];
            if let Ok(data) = Data::parse(plaintext) {
                children.push(data_node(&data));
            }
            Node::branch(label, children)
        }
        Err(problem) => Node::branch(label, vec![Node::leaf(format!("not decrypted: {problem}"))]),
    }
}

/// Decodes one message and checks what the key ring allows.
pub fn describe(bytes: &[u8], keys: &KeyRing) -> Result<DecodedMessage, DecodeError> {
    match Envelope::parse(bytes)? {
        Envelope::BlockTransfer(transfer) => describe_block_transfer(&transfer, keys),
        envelope => Ok(describe_ordinary(bytes, &envelope, keys)),
    }
}

fn describe_block_transfer(
    transfer: &crate::envelope::BlockTransfer,
    keys: &KeyRing,
) -> Result<DecodedMessage, DecodeError> {
    let mut reassembler = Reassembler::new();
    let accepted = reassembler.accept(transfer);
    let summary = BlockTransferSummary {
        block_numbers: transfer
            .blocks
            .iter()
            .map(|block| block.block_number)
            .collect(),
        missing_blocks: reassembler.missing_blocks(),
        last_block_known: reassembler.last_block_number().is_some(),
    };
    let message = accepted.ok().and_then(|_| reassembler.message().ok());
    let inner = message.as_deref().map(Envelope::parse).transpose()?;
    match (message, inner) {
        (Some(bytes), Some(inner)) if inner.general_signing().is_some() => {
            let mut decoded = describe_ordinary(&bytes, &inner, keys);
            decoded.block_transfer = Some((summary, Some(decoded.form)));
            decoded.form = MessageForm::BlockTransfer;
            Ok(decoded)
        }
        _ => Ok(DecodedMessage {
            form: MessageForm::BlockTransfer,
            header: transfer.routing.clone(),
            use_case: catalogue::entry(transfer.routing.message_code()),
            mac: Verification::Absent,
            mac_bytes: None,
            signature_field: SignatureField::Absent,
            signature: Verification::Absent,
            encrypted_blocks: Vec::new(),
            payload: Vec::new(),
            payload_tree: Node::leaf("payload: not available until every block has arrived"),
            block_transfer: Some((summary, None)),
        }),
    }
}

fn describe_ordinary(bytes: &[u8], envelope: &Envelope, keys: &KeyRing) -> DecodedMessage {
    let (apdu, mac_bytes) = match envelope {
        Envelope::Mac { apdu, mac } => (apdu, Some(*mac)),
        Envelope::Bare(apdu) => (apdu, None),
        // Unreachable by construction (callers pass ordinary envelopes); describe the header.
        Envelope::BlockTransfer(_) => {
            return describe_apdu_only(envelope.header().clone());
        }
    };
    let form = match (envelope, &apdu.signature) {
        (Envelope::Mac { .. }, _) => MessageForm::MacHeader,
        (_, SignatureField::Present(_)) => MessageForm::Signed,
        (_, SignatureField::Null) => MessageForm::BareUnsigned,
        (_, SignatureField::Absent) => MessageForm::PreCommand,
    };
    let mac = match mac_bytes {
        None => Verification::Absent,
        Some(_) => check_mac(bytes, apdu, keys),
    };
    DecodedMessage {
        form,
        header: apdu.header.clone(),
        use_case: catalogue::entry(apdu.header.message_code()),
        mac,
        mac_bytes,
        signature_field: apdu.signature,
        signature: check_signature(apdu, keys),
        encrypted_blocks: decrypt_blocks(apdu, keys),
        payload: apdu.payload.clone(),
        payload_tree: payload_node(&apdu.payload),
        block_transfer: None,
    }
}

fn describe_apdu_only(header: GroupingHeader) -> DecodedMessage {
    DecodedMessage {
        form: MessageForm::BlockTransfer,
        use_case: catalogue::entry(header.message_code()),
        header,
        mac: Verification::Absent,
        mac_bytes: None,
        signature_field: SignatureField::Absent,
        signature: Verification::Absent,
        encrypted_blocks: Vec::new(),
        payload: Vec::new(),
        payload_tree: Node::leaf("payload: nested block transfer"),
        block_transfer: None,
    }
}

fn check_mac(bytes: &[u8], apdu: &GeneralSigning, keys: &KeyRing) -> Verification {
    let Some(secret) = keys.mac_secret(&apdu.header) else {
        return Verification::NoKey;
    };
    match protection::verify_mac_protected(bytes, &secret) {
        Ok(_) => Verification::Valid,
        Err(_) => Verification::Invalid,
    }
}

fn check_signature(apdu: &GeneralSigning, keys: &KeyRing) -> Verification {
    if !matches!(apdu.signature, SignatureField::Present(_)) {
        return Verification::Absent;
    }
    let Some(key) = keys.signing_public(apdu.header.originator) else {
        return Verification::NoKey;
    };
    match protection::verify_signature(apdu, &key) {
        Ok(()) => Verification::Valid,
        Err(_) => Verification::Invalid,
    }
}

fn decrypt_blocks(apdu: &GeneralSigning, keys: &KeyRing) -> Vec<EncryptedBlock> {
    let blocks = protection::find_encrypted_blocks(&apdu.payload);
    if blocks.is_empty() {
        return Vec::new();
    }
    let parameters = EncryptionParameters::from_header(&apdu.header);
    let secret = keys.encryption_secret(&apdu.header);
    blocks
        .into_iter()
        .map(|block| {
            let plaintext = match &secret {
                None => Err(BlockProblem::NoKey),
                Some(z) => protection::decrypt_sensitive_block(
                    z,
                    parameters.device,
                    parameters.party,
                    parameters.counter,
                    block,
                )
                .map_err(BlockProblem::from),
            };
            EncryptedBlock {
                block: block.to_vec(),
                plaintext,
            }
        })
        .collect()
}

/// The payload as a readable tree: DLMS, GBZ or ASN.1 where it decodes, hex otherwise.
pub fn payload_node(payload: &[u8]) -> Node {
    let label = format!("payload ({} bytes)", payload.len());
    if let Ok(apdu) = DlmsApdu::parse(payload) {
        return Node::branch(label, vec![dlms_node(&apdu)]);
    }
    if let Ok(gbz) = GbzPayload::parse(payload) {
        return Node::branch(label, vec![gbz_node(&gbz)]);
    }
    if payload.first() == Some(&0x30) {
        if let Some(nodes) = der_tree(payload) {
            return Node::branch(format!("{label}: ASN.1 DER"), nodes);
        }
    }
    if payload.starts_with(&[0x01, 0x09]) {
        return Node::branch(label, vec![gbz_alert_node(payload)]);
    }
    Node::branch(
        label,
        vec![Node::leaf(format!("hex: {}", hex_upper(payload)))],
    )
}

fn dlms_node(apdu: &DlmsApdu) -> Node {
    match apdu {
        DlmsApdu::AccessRequest {
            long_invoke_id,
            date_time,
            specifications,
            data,
        } => Node::branch(
            "DLMS access-request (D9)",
            vec![
                Node::leaf(format!("long-invoke-id: 0x{long_invoke_id:08X}")),
                date_time_node(date_time),
                specifications_node(specifications),
                Node::branch("data", data.iter().map(data_node).collect()),
            ],
        ),
        DlmsApdu::AccessResponse {
            long_invoke_id,
            date_time,
            specifications,
            data,
            results,
        } => {
            let mut children = vec![
                Node::leaf(format!("long-invoke-id: 0x{long_invoke_id:08X}")),
                date_time_node(date_time),
            ];
            if let Some(specifications) = specifications {
                children.push(specifications_node(specifications));
            }
            children.push(Node::branch("data", data.iter().map(data_node).collect()));
            children.push(Node::branch(
                "results",
                results
                    .iter()
                    .map(|result| {
                        Node::leaf(format!(
                            "{}: {}",
                            request_kind_name(result.kind),
                            result_name(result.result)
                        ))
                    })
                    .collect(),
            ));
            Node::branch("DLMS access-response (DA)", children)
        }
        DlmsApdu::DataNotification {
            long_invoke_id,
            date_time,
            body,
        } => Node::branch(
            "DLMS data-notification (0F)",
            vec![
                Node::leaf(format!("long-invoke-id: 0x{long_invoke_id:08X}")),
                date_time_node(date_time),
                Node::branch("body", vec![data_node(body)]),
            ],
        ),
    }
}

fn date_time_node(date_time: &[u8]) -> Node {
    match <[u8; 12]>::try_from(date_time) {
        Ok(date_time) => Node::leaf(format!("date-time: {}", cosem_date_time(&date_time))),
        Err(_) if date_time.is_empty() => Node::leaf("date-time: absent"),
        Err(_) => Node::leaf(format!("date-time: {}", hex_upper(date_time))),
    }
}

fn specifications_node(specifications: &[RequestSpecification]) -> Node {
    Node::branch(
        "request specifications",
        specifications
            .iter()
            .map(|specification| {
                let reference = specification.reference();
                let what = if matches!(specification, RequestSpecification::Action(_)) {
                    "method"
                } else {
                    "attribute"
                };
                let label = format!(
                    "{} class {} {} {what} {}",
                    request_kind_name(specification.kind()),
                    reference.class_id,
                    reference.obis_text(),
                    reference.index
                );
                match specification {
                    RequestSpecification::GetWithSelection {
                        selector,
                        parameters,
                        ..
                    } => Node::branch(
                        label,
                        vec![
                            Node::leaf(format!("selector: {selector}")),
                            data_node(parameters),
                        ],
                    ),
                    _ => Node::leaf(label),
                }
            })
            .collect(),
    )
}

fn request_kind_name(kind: u8) -> String {
    match kind {
        1 => "get".into(),
        2 => "set".into(),
        3 => "action".into(),
        4 => "get-with-selection".into(),
        other => format!("kind {other}"),
    }
}

fn result_name(result: u8) -> String {
    match result {
        0 => "success (0)".into(),
        1 => "hardware-fault (1)".into(),
        2 => "temporary-failure (2)".into(),
        3 => "read-write-denied (3)".into(),
        4 => "object-undefined (4)".into(),
        other => format!("result {other}"),
    }
}

/// An A-XDR datum as a tree.
pub fn data_node(data: &Data) -> Node {
    let name = data.type_name();
    match data {
        Data::Array(elements) | Data::Structure(elements) => Node::branch(
            format!("{name} ({} elements)", elements.len()),
            elements.iter().map(data_node).collect(),
        ),
        Data::Null => Node::leaf(name),
        Data::Boolean(value) => Node::leaf(format!("{name}: {}", *value != 0)),
        Data::BitString { bits, bytes } => {
            Node::leaf(format!("{name} ({bits} bits): {}", hex_upper(bytes)))
        }
        Data::DoubleLong(value) => Node::leaf(format!("{name}: {value}")),
        Data::DoubleLongUnsigned(value) => Node::leaf(format!("{name}: {value}")),
        Data::OctetString(bytes) => Node::leaf(octet_string_label(bytes)),
        Data::VisibleString(bytes) | Data::Utf8String(bytes) => {
            Node::leaf(format!("{name}: {:?}", String::from_utf8_lossy(bytes)))
        }
        Data::Bcd(value) | Data::Unsigned(value) | Data::Enum(value) => {
            Node::leaf(format!("{name}: {value}"))
        }
        Data::Integer(value) => Node::leaf(format!("{name}: {value}")),
        Data::Long(value) => Node::leaf(format!("{name}: {value}")),
        Data::LongUnsigned(value) => Node::leaf(format!("{name}: {value}")),
        Data::CompactArray {
            type_description,
            contents,
        } => Node::branch(
            format!("{name} ({} bytes of contents)", contents.len()),
            vec![
                Node::leaf(format!("type description: {type_description:?}")),
                Node::leaf(format!("contents: {}", hex_upper(contents))),
            ],
        ),
        Data::Long64(value) => Node::leaf(format!("{name}: {value}")),
        Data::Long64Unsigned(value) => Node::leaf(format!("{name}: {value}")),
        Data::Float32(bytes) => Node::leaf(format!("{name}: {}", f32::from_be_bytes(*bytes))),
        Data::Float64(bytes) => Node::leaf(format!("{name}: {}", f64::from_be_bytes(*bytes))),
        Data::DateTime(bytes) => Node::leaf(format!("{name}: {}", cosem_date_time(bytes))),
        Data::Date(bytes) => Node::leaf(format!("{name}: {}", hex_upper(bytes))),
        Data::Time(bytes) => Node::leaf(format!("{name}: {}", hex_upper(bytes))),
    }
}

fn octet_string_label(bytes: &[u8]) -> String {
    if let Ok(date_time) = <[u8; 12]>::try_from(bytes) {
        if date_time[0] != 0xFF && matches!(date_time[2], 1..=12 | 0xFF) {
            return format!(
                "octet-string (12 bytes): {} = {}",
                hex_upper(bytes),
                cosem_date_time(&date_time)
            );
        }
    }
    if bytes.first() == Some(&0x31) && bytes.len() >= 17 {
        return format!("octet-string ({} bytes): encrypted block", bytes.len());
    }
    format!("octet-string ({} bytes): {}", bytes.len(), hex_upper(bytes))
}

fn gbz_node(gbz: &GbzPayload) -> Node {
    Node::branch(
        format!("GBZ ({} components)", gbz.components.len()),
        gbz.components
            .iter()
            .enumerate()
            .map(|(index, component)| {
                let mut children = vec![
                    Node::leaf(format!("control: 0x{:02X}", component.control)),
                    Node::leaf(format!(
                        "ZCL: frame control 0x{:02X}, sequence {}, command 0x{:02X}",
                        component.frame_control, component.sequence_number, component.command_id
                    )),
                ];
                if let Some(from) = &component.from_date_time {
                    children.push(Node::leaf(format!(
                        "from date-time (UTC seconds since 2000): {}",
                        u32::from_be_bytes(*from)
                    )));
                }
                children.push(match &component.body {
                    ComponentBody::Plain(payload) => {
                        Node::leaf(format!("ZCL payload: {}", hex_upper(payload)))
                    }
                    ComponentBody::Encrypted {
                        additional_header,
                        block,
                    } => Node::leaf(format!(
                        "encrypted ZCL payload ({} bytes), additional header {}",
                        block.len(),
                        hex_upper(additional_header)
                    )),
                });
                Node::branch(
                    format!(
                        "component {}: cluster 0x{:04X}",
                        index + 1,
                        component.cluster
                    ),
                    children,
                )
            })
            .collect(),
    )
}

fn gbz_alert_node(payload: &[u8]) -> Node {
    let mut reader = Reader::new(payload);
    let fields = (|| -> Result<(u8, u16, u32), DecodeError> {
        reader.u16("GBZ profile id")?;
        let count = reader.byte("GBZ component count")?;
        let alert_code = reader.u16("alert code")?;
        let time = u32::from_be_bytes(reader.array("alert time")?);
        Ok((count, alert_code, time))
    })();
    match fields {
        Ok((count, alert_code, time)) => {
            let rest = match crate::alert::gbz_alert_components(payload) {
                Some(components) => gbz_node(&GbzPayload { components }),
                None => Node::leaf(format!("rest: {}", hex_upper(reader.rest()))),
            };
            Node::branch(
                "GBZ alert",
                vec![
                    Node::leaf(format!("components: {count}")),
                    Node::leaf(format!("alert code: 0x{alert_code:04X}")),
                    Node::leaf(format!("time (UTC seconds since 2000): {time}")),
                    rest,
                ],
            )
        }
        Err(_) => Node::leaf(format!("hex: {}", hex_upper(payload))),
    }
}

/// A DER/BER structure as a tree, or `None` when the bytes are not one.
fn der_tree(bytes: &[u8]) -> Option<Vec<Node>> {
    let nodes = der_nodes(bytes, 0);
    let failed = nodes
        .iter()
        .any(|node| node.label.starts_with("undecodable"));
    (!failed).then_some(nodes)
}

fn der_nodes(bytes: &[u8], depth: usize) -> Vec<Node> {
    let mut reader = Reader::new(bytes);
    let mut nodes = Vec::new();
    while !reader.is_empty() {
        match der_element(&mut reader, depth) {
            Ok(node) => nodes.push(node),
            Err(_) => {
                nodes.push(Node::leaf(format!(
                    "undecodable: {}",
                    hex_upper(reader.rest())
                )));
                break;
            }
        }
    }
    nodes
}

fn der_element(reader: &mut Reader<'_>, depth: usize) -> Result<Node, DecodeError> {
    let tag = reader.byte("ASN.1 tag")?;
    if tag & 0x1F == 0x1F {
        return Err(DecodeError::BadLength {
            what: "ASN.1 multi-byte tag",
        });
    }
    let content = reader.length_prefixed("ASN.1 content")?;
    let constructed = tag & 0x20 != 0;
    let name = der_tag_name(tag);
    if constructed && depth < MAXIMUM_DER_DEPTH {
        return Ok(Node::branch(
            format!("{name} ({} bytes)", content.len()),
            der_nodes(content, depth + 1),
        ));
    }
    let value = match tag {
        0x0C | 0x13 | 0x16 | 0x17 | 0x18 => format!("{:?}", String::from_utf8_lossy(content)),
        _ => hex_upper(content),
    };
    Ok(Node::leaf(format!("{name}: {value}")))
}

fn der_tag_name(tag: u8) -> String {
    match tag {
        0x01 => "BOOLEAN".into(),
        0x02 => "INTEGER".into(),
        0x03 => "BIT STRING".into(),
        0x04 => "OCTET STRING".into(),
        0x05 => "NULL".into(),
        0x06 => "OBJECT IDENTIFIER".into(),
        0x0A => "ENUMERATED".into(),
        0x0C => "UTF8String".into(),
        0x13 => "PrintableString".into(),
        0x16 => "IA5String".into(),
        0x17 => "UTCTime".into(),
        0x18 => "GeneralizedTime".into(),
        0x30 => "SEQUENCE".into(),
        0x31 => "SET".into(),
        tag if tag & 0xC0 == 0x80 => format!("[{}]", tag & 0x1F),
        tag => format!("tag 0x{tag:02X}"),
    }
}

/// A COSEM date-time (12 bytes) as `YYYY-MM-DD hh:mm:ss` (fields `FF` shown as `*`), with
/// the deviation and clock status.
pub fn cosem_date_time(bytes: &[u8; 12]) -> String {
    let year = u16::from_be_bytes([bytes[0], bytes[1]]);
    let field = |value: u8| {
        if value == 0xFF {
            "*".to_owned()
        } else {
            format!("{value:02}")
        }
    };
    let year_text = if year == 0xFFFF {
        "*".to_owned()
    } else {
        year.to_string()
    };
    let deviation = i16::from_be_bytes([bytes[9], bytes[10]]);
    format!(
        "{year_text}-{}-{} {}:{}:{} (deviation {deviation}, status 0x{:02X}; {})",
        field(bytes[2]),
        field(bytes[3]),
        field(bytes[5]),
        field(bytes[6]),
        field(bytes[7]),
        bytes[11],
        hex_upper(bytes)
    )
}

/// Bytes as uppercase hex.
pub fn hex_upper(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, byte| {
            let _ = write!(out, "{byte:02X}");
            out
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_file_names_are_classified() {
        let id: Eui64 = "90B3D51F30010000".parse().unwrap();
        assert_eq!(
            classify_key_file("90b3d51f30010000-ka.key"),
            Some((id, KeyFileKind::KeyAgreementPrivate))
        );
        assert_eq!(
            classify_key_file("90B3D51F30010000-DS.PEM"),
            Some((id, KeyFileKind::SigningPublic))
        );
        for skipped in [
            "root-ca.pem",
            "seed.txt",
            "90b3d51f30010000-xml-sign-ds.pem",
            "90b3d51f30010000-pp-ka.key",
            "README.md",
        ] {
            assert_eq!(classify_key_file(skipped), None, "{skipped}");
        }
    }

    #[test]
    fn a_bad_key_file_names_the_file() {
        let mut ring = KeyRing::new();
        let error = ring
            .add_file("90b3d51f30010000-ka.key", b"not a key")
            .unwrap_err();
        assert_eq!(error.file, "90b3d51f30010000-ka.key");
    }

    #[test]
    fn the_shared_secret_is_found_from_either_side() {
        let a: Eui64 = "0000000000000001".parse().unwrap();
        let b: Eui64 = "0000000000000002".parse().unwrap();
        let key_a = KeyAgreementPrivateKey::from_scalar(&[0x11; 32]).unwrap();
        let key_b = KeyAgreementPrivateKey::from_scalar(&[0x22; 32]).unwrap();
        let expected = SharedSecret::compute(&key_a, key_b.public_key());
        let mut ring = KeyRing::new();
        ring.add_key_agreement_private(b, key_b);
        assert_eq!(ring.shared_secret(a, b), None);
        ring.parties.entry(a).or_default().key_agreement_public = Some(key_a.public_key().clone());
        assert_eq!(ring.shared_secret(a, b), Some(expected));
        assert_eq!(ring.shared_secret(b, a), Some(expected));
    }

    #[test]
    fn garbage_is_an_error_and_a_truncated_transfer_reports_missing_blocks() {
        assert!(describe(&[0x12, 0x34], &KeyRing::new()).is_err());
        assert!(describe(&[], &KeyRing::new()).is_err());
    }
}
