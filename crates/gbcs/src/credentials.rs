//! Security credentials payloads (GBCS ASN.1, DER): the trust anchor cells of a device and the
//! CS02 use cases that read and replace them.
//!
//! - [`cs02a`]: `ProvideSecurityCredentialDetails` (CS02a, and CS02f for load controller cells):
//!   which parties' anchors a device holds.
//! - [`cs02b`]: `UpdateSecurityCredentials` (every CS02b mode, and the CS02g load controller
//!   modes): a party replaces trust anchors.
//! - [`cs02c`]: `IssueSecurityCredentials`: the device generates a key pair and answers with a
//!   certification request.
//! - [`cs02d`]: `UpdateDeviceCertificate`: a new device certificate for that key pair.
//! - [`cs02e`]: `ProvideDeviceCertificate`: the device returns one of its certificates.
//!
//! Each module encodes and decodes its command and its response, so the DSP builds what a
//! device engine reads and answers.

use crate::asn1::{self, tag, Asn1Error, DerReader};

/// A remote-party role as GBCS numbers it (`RemotePartyRole ::= INTEGER`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RemotePartyRole(pub u8);

impl RemotePartyRole {
    pub const ROOT: Self = Self(0);
    pub const RECOVERY: Self = Self(1);
    pub const SUPPLIER: Self = Self(2);
    pub const NETWORK_OPERATOR: Self = Self(3);
    pub const ACCESS_CONTROL_BROKER: Self = Self(4);
    pub const TRANSITIONAL_CHANGE_OF_SUPPLIER: Self = Self(5);
    pub const WAN_PROVIDER: Self = Self(6);
    pub const ISSUING_AUTHORITY: Self = Self(7);
    pub const LOAD_CONTROLLER: Self = Self(8);
    pub const OTHER: Self = Self(127);

    fn decode(value: u8) -> Self {
        Self(value)
    }
}

/// The key usage of a trust anchor cell or device credential, a DER BIT STRING.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyUsage {
    /// `03 02 07 80`: digitalSignature.
    DigitalSignature,
    /// `03 02 03 08`: keyAgreement.
    KeyAgreement,
    /// `03 02 02 04`: keyCertSign, the usage of the root cell (a CS02b by contingency's
    /// credentials details report it so).
    KeyCertSign,
}

impl KeyUsage {
    const DIGITAL_SIGNATURE_BITS: [u8; 2] = [0x07, 0x80];
    const KEY_AGREEMENT_BITS: [u8; 2] = [0x03, 0x08];
    const KEY_CERT_SIGN_BITS: [u8; 2] = [0x02, 0x04];

    fn bits(self) -> [u8; 2] {
        match self {
            Self::DigitalSignature => Self::DIGITAL_SIGNATURE_BITS,
            Self::KeyAgreement => Self::KEY_AGREEMENT_BITS,
            Self::KeyCertSign => Self::KEY_CERT_SIGN_BITS,
        }
    }

    /// The BIT STRING element.
    pub fn encode(self) -> Vec<u8> {
        asn1::tlv(tag::BIT_STRING, &self.bits())
    }

    /// Reads the next BIT STRING as a key usage.
    pub fn decode(reader: &mut DerReader<'_>, what: &'static str) -> Result<Self, Asn1Error> {
        match reader.element(tag::BIT_STRING, what)? {
            bits if bits == Self::DIGITAL_SIGNATURE_BITS => Ok(Self::DigitalSignature),
            bits if bits == Self::KEY_AGREEMENT_BITS => Ok(Self::KeyAgreement),
            bits if bits == Self::KEY_CERT_SIGN_BITS => Ok(Self::KeyCertSign),
            _ => Err(Asn1Error::Unsupported(what)),
        }
    }
}

/// `CellUsage ::= INTEGER { management (0), prePaymentTopUp (1) } DEFAULT management`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum CellUsage {
    #[default]
    Management,
    PrepaymentTopUp,
}

impl CellUsage {
    /// The DEFAULT is left out, as DER requires.
    fn encode_into(self, out: &mut Vec<u8>) {
        if self == Self::PrepaymentTopUp {
            out.extend(asn1::integer(1));
        }
    }

    fn decode(reader: &mut DerReader<'_>) -> Result<Self, Asn1Error> {
        match reader.optional(tag::INTEGER, "cell usage")? {
            None => Ok(Self::Management),
            Some(content) => match asn1::unsigned(content, "cell usage")? {
                0 => Ok(Self::Management),
                1 => Ok(Self::PrepaymentTopUp),
                _ => Err(Asn1Error::Unsupported("cell usage")),
            },
        }
    }
}

/// `TrustAnchorCellIdentifier`: which anchor slot of a device is meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TrustAnchorCell {
    pub role: RemotePartyRole,
    pub key_usage: KeyUsage,
    pub cell_usage: CellUsage,
}

impl TrustAnchorCell {
    /// A management cell (the default cell usage).
    pub fn management(role: RemotePartyRole, key_usage: KeyUsage) -> Self {
        Self {
            role,
            key_usage,
            cell_usage: CellUsage::Management,
        }
    }

    /// The SEQUENCE's content octets.
    fn content(&self) -> Vec<u8> {
        let mut content = asn1::integer(u64::from(self.role.0));
        content.extend(self.key_usage.encode());
        self.cell_usage.encode_into(&mut content);
        content
    }

    /// The SEQUENCE (or, with another tag, the same content under that tag).
    pub fn encode_with_tag(&self, tag: u8) -> Vec<u8> {
        asn1::tlv(tag, &self.content())
    }

    /// The SEQUENCE.
    pub fn encode(&self) -> Vec<u8> {
        self.encode_with_tag(tag::SEQUENCE)
    }

    /// Reads a cell from its SEQUENCE's content octets.
    pub fn decode(content: &[u8]) -> Result<Self, Asn1Error> {
        let what = "trust anchor cell identifier";
        let mut reader = DerReader::new(content);
        let role = RemotePartyRole::decode(reader.small_integer(what)?);
        let key_usage = KeyUsage::decode(&mut reader, "cell key usage")?;
        let cell_usage = CellUsage::decode(&mut reader)?;
        reader.finish(what)?;
        Ok(Self {
            role,
            key_usage,
            cell_usage,
        })
    }
}

/// `StatusCode ::= ENUMERATED` of one party or cell in CS02a and CS02b responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusCode(pub u8);

impl StatusCode {
    pub const SUCCESS: Self = Self(0);
    pub const BAD_CERTIFICATE: Self = Self(5);
    pub const NO_TRUST_ANCHOR: Self = Self(10);
    pub const INSUFFICIENT_MEMORY: Self = Self(17);
    pub const TRUST_ANCHOR_NOT_FOUND: Self = Self(25);
    pub const RESOURCES_BUSY: Self = Self(30);
    pub const OTHER: Self = Self(127);

    fn encode(self) -> Vec<u8> {
        asn1::response_tlv(tag::ENUMERATED, &asn1::integer_content(u64::from(self.0)))
    }
}

/// A response that is a bare INTEGER code (CS02c/CS02e failures, CS02d, CS03, CS04).
pub fn response_code_payload(code: u8) -> Vec<u8> {
    asn1::integer(u64::from(code))
}

/// Reads a response that is a bare INTEGER code.
pub fn decode_response_code(payload: &[u8]) -> Result<u8, Asn1Error> {
    let mut reader = DerReader::new(payload);
    let code = reader.small_integer("response code")?;
    reader.finish("response code")?;
    Ok(code)
}

/// CS02a Provide Security Credentials Details and CS02f (the same payloads, for devices with
/// load controller cells): the command names the parties whose anchors the device reports.
pub mod cs02a {
    use super::*;
    use crate::envelope::MessageCode;

    /// CS02a Provide Security Credentials Details.
    pub const MESSAGE_CODE: MessageCode = MessageCode(0x0008);
    /// CS02f Provide Security Credential Details (ESME and SAPC): may ask for load controller cells.
    pub const LOAD_CONTROLLER_MESSAGE_CODE: MessageCode = MessageCode(0x011B);

    /// `ProvideSecurityCredentialDetailsCommand`.
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    pub struct ProvideSecurityCredentialDetails {
        /// The cell of the key that authorises the command: the ACB's key agreement cell for
        /// a MACed command, the signer's digital signature cell for a signed one.
        pub authorising_cell: TrustAnchorCell,
        pub roles: Vec<RemotePartyRole>,
    }

    impl ProvideSecurityCredentialDetails {
        pub fn encode(&self) -> Vec<u8> {
            let mut content = self.authorising_cell.encode();
            let roles: Vec<u8> = self
                .roles
                .iter()
                .flat_map(|role| asn1::integer(u64::from(role.0)))
                .collect();
            content.extend(asn1::sequence(&roles));
            asn1::sequence(&content)
        }

        /// Reads a command payload; never panics on any input.
        pub fn decode(payload: &[u8]) -> Result<Self, Asn1Error> {
            let what = "ProvideSecurityCredentialDetails";
            let mut reader = DerReader::whole_element(payload, tag::SEQUENCE, what)?;
            let authorising_cell =
                TrustAnchorCell::decode(reader.element(tag::SEQUENCE, "authorising cell")?)?;
            let mut list = reader.nested(tag::SEQUENCE, "remote party roles")?;
            let mut roles = Vec::new();
            while !list.is_empty() {
                roles.push(RemotePartyRole::decode(
                    list.small_integer("remote party role")?,
                ));
            }
            reader.finish(what)?;
            Ok(Self {
                authorising_cell,
                roles,
            })
        }
    }

    /// What a device holds in one of a party's cells.
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    pub struct CellContents {
        pub key_usage: KeyUsage,
        pub cell_usage: CellUsage,
        /// The party's 8-byte id (the certificate's subject unique id).
        pub subject_unique_id: Vec<u8>,
        pub subject_key_identifier: Vec<u8>,
    }

    /// One party's answer: a status and, on success, its counter and cells.
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    pub struct RemotePartyDetails {
        pub role: RemotePartyRole,
        pub status: StatusCode,
        /// `(current seq number, cells)`, present when the status is success.
        pub details: Option<(u64, Vec<CellContents>)>,
    }

    /// The response payload: one entry per requested role.
    pub fn response_payload(parties: &[RemotePartyDetails]) -> Vec<u8> {
        let entries: Vec<u8> = parties
            .iter()
            .flat_map(|party| {
                let mut entry = asn1::integer(u64::from(party.role.0));
                entry.extend(party.status.encode());
                if let Some((seq_number, cells)) = &party.details {
                    entry.extend(asn1::integer(*seq_number));
                    let cells: Vec<u8> = cells
                        .iter()
                        .flat_map(|cell| {
                            let mut content = cell.key_usage.encode();
                            cell.cell_usage.encode_into(&mut content);
                            content.extend(asn1::octet_string(&cell.subject_unique_id));
                            content.extend(asn1::octet_string(&cell.subject_key_identifier));
                            asn1::response_tlv(tag::SEQUENCE, &content)
                        })
                        .collect();
                    entry.extend(asn1::response_tlv(tag::SEQUENCE, &cells));
                }
                asn1::response_tlv(tag::SEQUENCE, &entry)
            })
            .collect();
        asn1::response_tlv(tag::SEQUENCE, &entries)
    }

    /// Reads a response payload; never panics on any input.
    pub fn decode_response_payload(payload: &[u8]) -> Result<Vec<RemotePartyDetails>, Asn1Error> {
        let what = "ProvideSecurityCredentialDetails response";
        let mut reader = DerReader::whole_element(payload, tag::SEQUENCE, what)?;
        let mut parties = Vec::new();
        while !reader.is_empty() {
            let mut entry = reader.nested(tag::SEQUENCE, "remote party details")?;
            let role = RemotePartyRole::decode(entry.small_integer("remote party role")?);
            let status = StatusCode(entry.enumerated("status code")?);
            let details = match entry.is_empty() {
                true => None,
                false => {
                    let seq_number = entry.integer("current seq number")?;
                    let mut list = entry.nested(tag::SEQUENCE, "trust anchor cell details")?;
                    let mut cells = Vec::new();
                    while !list.is_empty() {
                        let mut cell = list.nested(tag::SEQUENCE, "trust anchor cell contents")?;
                        let key_usage = KeyUsage::decode(&mut cell, "cell key usage")?;
                        let cell_usage = CellUsage::decode(&mut cell)?;
                        let subject_unique_id = cell.octet_string("subject unique id")?.to_vec();
                        let subject_key_identifier =
                            cell.octet_string("subject key identifier")?.to_vec();
                        cell.finish("trust anchor cell contents")?;
                        cells.push(CellContents {
                            key_usage,
                            cell_usage,
                            subject_unique_id,
                            subject_key_identifier,
                        });
                    }
                    Some((seq_number, cells))
                }
            };
            entry.finish("remote party details")?;
            parties.push(RemotePartyDetails {
                role,
                status,
                details,
            });
        }
        Ok(parties)
    }
}

/// CS02b Update Security Credentials, and the CS02g load controller modes (critical, except
/// the ACB's own mode): a remote party replaces trust anchors on a device. The payloads are
/// ASN.1 DER (GBCS `UpdateSecurityCredentials`); certificates travel as their DER bytes.
pub mod cs02b {
    use super::*;
    use crate::envelope::MessageCode;

    pub use super::{CellUsage, RemotePartyRole, StatusCode, TrustAnchorCell};

    /// The key usage of a cell (the name the CS02b code has always used).
    pub type CellKeyUsage = KeyUsage;

    /// Why a CS02b payload could not be read (the general ASN.1 error).
    pub type PayloadError = Asn1Error;

    /// Message code of the supplierBySupplier mode (DUIS 6.15.1 from a supplier).
    pub const MESSAGE_CODE: MessageCode = MessageCode(0x0102);
    /// Message code of the networkOperatorByNetworkOperator mode (DUIS 6.15.1 from a network operator).
    pub const NETWORK_OPERATOR_MESSAGE_CODE: MessageCode = MessageCode(0x0103);

    /// `CredentialsReplacementMode ::= INTEGER`: who replaces whose credentials.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct CredentialsReplacementMode(pub u8);

    impl CredentialsReplacementMode {
        pub const ROOT_BY_SUPPLIER: Self = Self(0);
        pub const ROOT_BY_WAN_PROVIDER: Self = Self(1);
        pub const SUPPLIER_BY_SUPPLIER: Self = Self(2);
        pub const NETWORK_OPERATOR_BY_NETWORK_OPERATOR: Self = Self(3);
        pub const ACCESS_CONTROL_BROKER_BY_ACCESS_CONTROL_BROKER: Self = Self(4);
        pub const WAN_PROVIDER_BY_WAN_PROVIDER: Self = Self(5);
        pub const TRANSITIONAL_CHANGE_OF_SUPPLIER_BY_TRANSITIONAL_CHANGE_OF_SUPPLIER: Self =
            Self(6);
        pub const SUPPLIER_BY_TRANSITIONAL_CHANGE_OF_SUPPLIER: Self = Self(7);
        pub const ANY_EXCEPT_ABNORMAL_ROOT_BY_RECOVERY: Self = Self(8);
        pub const ANY_BY_CONTINGENCY: Self = Self(9);
        /// CS02g.
        pub const LOAD_CONTROLLER_BY_LOAD_CONTROLLER: Self = Self(10);
        /// CS02g.
        pub const LOAD_CONTROLLER_BY_SUPPLIER: Self = Self(11);

        /// The GBCS message code of a command in this mode: one per mode, `0x0100 + mode`
        /// for CS02b, `0x0125`/`0x0126` for the CS02g modes.
        pub fn message_code(self) -> Option<MessageCode> {
            match self.0 {
                mode @ 0..=9 => Some(MessageCode(0x0100 + u16::from(mode))),
                10 => Some(MessageCode(0x0125)),
                11 => Some(MessageCode(0x0126)),
                _ => None,
            }
        }
    }

    /// `TrustAnchorReplacement`: a certificate (DER) and the cell it goes into.
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    pub struct TrustAnchorReplacement {
        pub certificate: Vec<u8>,
        pub target: TrustAnchorCell,
    }

    /// The command: `UpdateSecurityCredentials` with its `AuthorisingRemotePartyControl`.
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    pub struct UpdateSecurityCredentials {
        pub mode: CredentialsReplacementMode,
        /// `[0]`: the plaintext symmetric key of the contingency mode.
        pub plaintext_symmetric_key: Option<Vec<u8>>,
        /// `false` writes `applyTimeBasedCPVChecks` = disapply (`81 01 01`); `true` leaves the
        /// DEFAULT (apply) out, as DUIS `ApplyTimeBasedCPVChecks` true does.
        pub apply_time_based_cpv_checks: bool,
        /// `[2]`: the cell whose key authorises this command (absent when the ACB's MAC does).
        pub authorising_cell: Option<TrustAnchorCell>,
        /// `[3]`: the command's originator counter.
        pub authorising_seq_number: u64,
        /// `[4]`: the counter floor for the replacing party's commands.
        pub new_floor_seq_number: Option<u64>,
        /// `[5]`: the counter floor for its prepayment top-ups (specialist usage 0).
        pub new_prepayment_top_up_floor_seq_number: Option<u64>,
        /// `[6]`: counter floors of other parties (the supplier replaced by the transitional
        /// CoS party, the load controller replaced by a supplier, …).
        pub other_seq_number_changes: Vec<RemotePartySeqNumberChange>,
        pub replacements: Vec<TrustAnchorReplacement>,
        /// The CA certificates (DER) the replacements chain through.
        pub certification_path_certificates: Vec<Vec<u8>>,
        /// The GeneralizedTime text (`20300115000000Z`) of a future-dated command;
        /// `99991231235959Z` cancels one.
        pub execution_date_time: Option<String>,
    }

    const PLAINTEXT_SYMMETRIC_KEY: u8 = 0x80;
    const APPLY_TIME_BASED_CPV_CHECKS: u8 = 0x81;
    const AUTHORISING_CELL: u8 = 0xA2;
    const AUTHORISING_SEQ_NUMBER: u8 = 0x83;
    const NEW_FLOOR_SEQ_NUMBER: u8 = 0x84;
    const NEW_SPECIALIST_FLOOR_SEQ_NUMBERS: u8 = 0xA5;
    const OTHER_SEQ_NUMBER_CHANGES: u8 = 0xA6;
    /// `SpecialistSeqNumber` usage: prepayment top-up.
    const PREPAYMENT_TOP_UP_USAGE: u64 = 0;
    /// `ApplyTimeBasedCPVChecks ::= INTEGER { apply (0), disapply (1) } DEFAULT apply`.
    const DISAPPLY: u8 = 1;

    impl UpdateSecurityCredentials {
        /// The command payload (DER, minimal lengths, as the reference commands are).
        pub fn encode(&self) -> Vec<u8> {
            let mut control = asn1::integer(u64::from(self.mode.0));
            if let Some(key) = &self.plaintext_symmetric_key {
                control.extend(asn1::tlv(PLAINTEXT_SYMMETRIC_KEY, key));
            }
            if !self.apply_time_based_cpv_checks {
                control.extend(asn1::tlv(APPLY_TIME_BASED_CPV_CHECKS, &[DISAPPLY]));
            }
            if let Some(cell) = &self.authorising_cell {
                control.extend(cell.encode_with_tag(AUTHORISING_CELL));
            }
            control.extend(asn1::tlv(
                AUTHORISING_SEQ_NUMBER,
                &asn1::integer_content(self.authorising_seq_number),
            ));
            if let Some(floor) = self.new_floor_seq_number {
                control.extend(asn1::tlv(
                    NEW_FLOOR_SEQ_NUMBER,
                    &asn1::integer_content(floor),
                ));
            }
            if let Some(floor) = self.new_prepayment_top_up_floor_seq_number {
                control.extend(asn1::tlv(
                    NEW_SPECIALIST_FLOOR_SEQ_NUMBERS,
                    &specialist_seq_number(floor, asn1::tlv),
                ));
            }
            if !self.other_seq_number_changes.is_empty() {
                let changes: Vec<u8> = self
                    .other_seq_number_changes
                    .iter()
                    .flat_map(|change| change.encode(asn1::tlv))
                    .collect();
                control.extend(asn1::tlv(OTHER_SEQ_NUMBER_CHANGES, &changes));
            }
            let mut content = asn1::sequence(&control);
            let replacements: Vec<u8> = self
                .replacements
                .iter()
                .flat_map(|replacement| {
                    let mut entry = replacement.certificate.clone();
                    entry.extend(replacement.target.encode());
                    asn1::sequence(&entry)
                })
                .collect();
            content.extend(asn1::sequence(&replacements));
            content.extend(asn1::sequence(
                &self.certification_path_certificates.concat(),
            ));
            if let Some(time) = &self.execution_date_time {
                content.extend(asn1::tlv(tag::GENERALIZED_TIME, time.as_bytes()));
            }
            asn1::sequence(&content)
        }

        /// Reads a command payload; never panics on any input.
        pub fn decode(payload: &[u8]) -> Result<Self, PayloadError> {
            let what = "UpdateSecurityCredentials";
            let mut reader = DerReader::whole_element(payload, tag::SEQUENCE, what)?;
            let mut command = Self::decode_control(reader.element(tag::SEQUENCE, "control")?)?;
            let mut replacements = reader.nested(tag::SEQUENCE, "replacements")?;
            while !replacements.is_empty() {
                let mut entry = replacements.nested(tag::SEQUENCE, "replacement")?;
                let certificate = entry
                    .whole(tag::SEQUENCE, "replacement certificate")?
                    .to_vec();
                let target = TrustAnchorCell::decode(entry.element(tag::SEQUENCE, "target cell")?)?;
                entry.finish("replacement")?;
                command.replacements.push(TrustAnchorReplacement {
                    certificate,
                    target,
                });
            }
            let mut path = reader.nested(tag::SEQUENCE, "certification path")?;
            while !path.is_empty() {
                let certificate = path.whole(tag::SEQUENCE, "certification path certificate")?;
                command
                    .certification_path_certificates
                    .push(certificate.to_vec());
            }
            if reader.peek() == Some(tag::GENERALIZED_TIME) {
                command.execution_date_time = Some(reader.generalized_time("execution date-time")?);
            }
            reader.finish(what)?;
            Ok(command)
        }

        fn decode_control(content: &[u8]) -> Result<Self, PayloadError> {
            let what = "authorising remote party control";
            let mut reader = DerReader::new(content);
            let mode = CredentialsReplacementMode(reader.small_integer("replacement mode")?);
            let plaintext_symmetric_key = reader
                .optional(PLAINTEXT_SYMMETRIC_KEY, "plaintext symmetric key")?
                .map(<[u8]>::to_vec);
            let apply_time_based_cpv_checks =
                match reader.optional(APPLY_TIME_BASED_CPV_CHECKS, "CPV checks")? {
                    None => true,
                    Some(value) => match asn1::unsigned(value, "CPV checks")? {
                        0 => true,
                        1 => false,
                        _ => return Err(Asn1Error::Unsupported("CPV checks")),
                    },
                };
            let authorising_cell = reader
                .optional(AUTHORISING_CELL, "authorising cell")?
                .map(TrustAnchorCell::decode)
                .transpose()?;
            let seq = reader.element(AUTHORISING_SEQ_NUMBER, "authorising seq number")?;
            let authorising_seq_number = asn1::unsigned(seq, "authorising seq number")?;
            let new_floor_seq_number = reader
                .optional(NEW_FLOOR_SEQ_NUMBER, "new floor seq number")?
                .map(|floor| asn1::unsigned(floor, "new floor seq number"))
                .transpose()?;
            let new_prepayment_top_up_floor_seq_number =
                match reader.optional(NEW_SPECIALIST_FLOOR_SEQ_NUMBERS, "specialist floors")? {
                    Some(list) => prepayment_floor(list)?,
                    None => None,
                };
            let mut other_seq_number_changes = Vec::new();
            if let Some(list) = reader.optional(OTHER_SEQ_NUMBER_CHANGES, "other seq numbers")? {
                let mut list = DerReader::new(list);
                while !list.is_empty() {
                    other_seq_number_changes.push(RemotePartySeqNumberChange::decode(
                        list.element(tag::SEQUENCE, "remote party seq number change")?,
                    )?);
                }
            }
            reader.finish(what)?;
            Ok(Self {
                mode,
                plaintext_symmetric_key,
                apply_time_based_cpv_checks,
                authorising_cell,
                authorising_seq_number,
                new_floor_seq_number,
                new_prepayment_top_up_floor_seq_number,
                other_seq_number_changes,
                replacements: Vec::new(),
                certification_path_certificates: Vec::new(),
                execution_date_time: None,
            })
        }
    }

    /// What became of one cell: the status, and the subject unique id (the party's 8-byte id)
    /// and subject key identifier of the certificate held before and after.
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    pub struct ReplacementOutcome {
        pub cell: TrustAnchorCell,
        pub status: StatusCode,
        pub existing_subject_unique_id: Vec<u8>,
        pub existing_subject_key_id: Vec<u8>,
        pub replacing_subject_unique_id: Vec<u8>,
        pub replacing_subject_key_id: Vec<u8>,
    }

    /// A party's counter floors (`RemotePartySeqNumberChange`), in commands (`[6]`) and in
    /// the outcome of an update.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct RemotePartySeqNumberChange {
        pub role: RemotePartyRole,
        pub floor_seq_number: u64,
        pub prepayment_top_up_floor_seq_number: Option<u64>,
    }

    impl RemotePartySeqNumberChange {
        fn encode(&self, tlv: fn(u8, &[u8]) -> Vec<u8>) -> Vec<u8> {
            let mut entry = asn1::integer(u64::from(self.role.0));
            entry.extend(asn1::integer(self.floor_seq_number));
            if let Some(floor) = self.prepayment_top_up_floor_seq_number {
                entry.extend(tlv(tag::SEQUENCE, &specialist_seq_number(floor, tlv)));
            }
            tlv(tag::SEQUENCE, &entry)
        }

        fn decode(content: &[u8]) -> Result<Self, PayloadError> {
            let mut entry = DerReader::new(content);
            let role = RemotePartyRole::decode(entry.small_integer("remote party role")?);
            let floor_seq_number = entry.integer("floor seq number")?;
            let prepayment_top_up_floor_seq_number = match entry.is_empty() {
                true => None,
                false => prepayment_floor(entry.element(tag::SEQUENCE, "specialist floors")?)?,
            };
            entry.finish("seq number change")?;
            Ok(Self {
                role,
                floor_seq_number,
                prepayment_top_up_floor_seq_number,
            })
        }
    }

    /// The outcome of an executed update (absent from the response of a future-dated command).
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    pub struct ExecutionOutcome {
        pub authorising_seq_number: u64,
        pub mode: CredentialsReplacementMode,
        pub seq_number_changes: Vec<RemotePartySeqNumberChange>,
        pub replacement_outcomes: Vec<ReplacementOutcome>,
    }

    impl ExecutionOutcome {
        /// Whether every replacement succeeded.
        pub fn all_succeeded(&self) -> bool {
            self.replacement_outcomes
                .iter()
                .all(|outcome| outcome.status == StatusCode::SUCCESS)
        }

        /// DER as a response and a future-dated outcome alert (0x00CB) carry it.
        pub fn encode(&self) -> Vec<u8> {
            let mut content = asn1::integer(self.authorising_seq_number);
            content.extend(asn1::integer(u64::from(self.mode.0)));
            let changes: Vec<u8> = self
                .seq_number_changes
                .iter()
                .flat_map(|change| change.encode(asn1::response_tlv))
                .collect();
            content.extend(asn1::response_tlv(tag::SEQUENCE, &changes));
            let outcomes: Vec<u8> = self
                .replacement_outcomes
                .iter()
                .flat_map(|outcome| {
                    let mut entry = outcome.cell.encode();
                    entry.extend(outcome.status.encode());
                    for octets in [
                        &outcome.existing_subject_unique_id,
                        &outcome.existing_subject_key_id,
                        &outcome.replacing_subject_unique_id,
                        &outcome.replacing_subject_key_id,
                    ] {
                        entry.extend(asn1::response_tlv(tag::OCTET_STRING, octets));
                    }
                    asn1::response_tlv(tag::SEQUENCE, &entry)
                })
                .collect();
            content.extend(asn1::response_tlv(tag::SEQUENCE, &outcomes));
            asn1::response_tlv(tag::SEQUENCE, &content)
        }

        fn decode(content: &[u8]) -> Result<Self, PayloadError> {
            let what = "execution outcome";
            let mut reader = DerReader::new(content);
            let authorising_seq_number = reader.integer("authorising seq number")?;
            let mode = CredentialsReplacementMode(reader.small_integer("replacement mode")?);
            let mut changes = reader.nested(tag::SEQUENCE, "seq number changes")?;
            let mut seq_number_changes = Vec::new();
            while !changes.is_empty() {
                seq_number_changes.push(RemotePartySeqNumberChange::decode(
                    changes.element(tag::SEQUENCE, "seq number change")?,
                )?);
            }
            let mut outcomes = reader.nested(tag::SEQUENCE, "replacement outcomes")?;
            let mut replacement_outcomes = Vec::new();
            while !outcomes.is_empty() {
                let mut entry = outcomes.nested(tag::SEQUENCE, "replacement outcome")?;
                let cell = TrustAnchorCell::decode(entry.element(tag::SEQUENCE, "affected cell")?)?;
                let status = StatusCode(entry.enumerated("status code")?);
                let mut octets = || entry.octet_string("subject identifier").map(<[u8]>::to_vec);
                let existing_subject_unique_id = octets()?;
                let existing_subject_key_id = octets()?;
                let replacing_subject_unique_id = octets()?;
                let replacing_subject_key_id = octets()?;
                entry.finish("replacement outcome")?;
                replacement_outcomes.push(ReplacementOutcome {
                    cell,
                    status,
                    existing_subject_unique_id,
                    existing_subject_key_id,
                    replacing_subject_unique_id,
                    replacing_subject_key_id,
                });
            }
            reader.finish(what)?;
            Ok(Self {
                authorising_seq_number,
                mode,
                seq_number_changes,
                replacement_outcomes,
            })
        }
    }

    /// The response payload: `commandAccepted` NULL and, when the update was executed now, its
    /// outcome. Lengths from 0x80 take the two-byte long form (`82 00 CA`), as the reference
    /// responses write them.
    pub fn response_payload(outcome: Option<&ExecutionOutcome>) -> Vec<u8> {
        let mut content = vec![tag::NULL, 0x00];
        if let Some(outcome) = outcome {
            content.extend(outcome.encode());
        }
        asn1::response_tlv(tag::SEQUENCE, &content)
    }

    /// Reads a response payload: the outcome, or `None` for a command accepted for later.
    pub fn decode_response_payload(
        payload: &[u8],
    ) -> Result<Option<ExecutionOutcome>, PayloadError> {
        let what = "UpdateSecurityCredentials response";
        let mut reader = DerReader::whole_element(payload, tag::SEQUENCE, what)?;
        reader.element(tag::NULL, "command accepted")?;
        let outcome = match reader.is_empty() {
            true => None,
            false => Some(ExecutionOutcome::decode(
                reader.element(tag::SEQUENCE, "execution outcome")?,
            )?),
        };
        reader.finish(what)?;
        Ok(outcome)
    }

    /// `SEQUENCE OF SpecialistSeqNumber` content with the one prepayment top-up entry.
    fn specialist_seq_number(floor: u64, tlv: fn(u8, &[u8]) -> Vec<u8>) -> Vec<u8> {
        let mut entry = asn1::integer(PREPAYMENT_TOP_UP_USAGE);
        entry.extend(asn1::integer(floor));
        tlv(tag::SEQUENCE, &entry)
    }

    /// The prepayment top-up floor in a `SEQUENCE OF SpecialistSeqNumber` (content octets).
    fn prepayment_floor(content: &[u8]) -> Result<Option<u64>, PayloadError> {
        let mut list = DerReader::new(content);
        let mut floor = None;
        while !list.is_empty() {
            let mut entry = list.nested(tag::SEQUENCE, "specialist seq number")?;
            if entry.integer("seq number usage")? != PREPAYMENT_TOP_UP_USAGE {
                return Err(Asn1Error::Unsupported("seq number usage"));
            }
            floor = Some(entry.integer("specialist seq number")?);
            entry.finish("specialist seq number")?;
        }
        Ok(floor)
    }
}

/// CS02c Issue Security Credentials (critical): the device generates a new key pair of the
/// given usage and answers with a PKCS#10 certification request for it.
pub mod cs02c {
    use super::*;
    use crate::envelope::MessageCode;

    pub const MESSAGE_CODE: MessageCode = MessageCode(0x000A);

    /// Why a device could not issue credentials (`INTEGER` response codes).
    pub const INVALID_KEY_USAGE: u8 = 1;
    pub const KEY_PAIR_GENERATION_FAILED: u8 = 2;
    pub const CERTIFICATION_REQUEST_FAILED: u8 = 3;

    /// The command payload: `SEQUENCE { keyUsage }`.
    pub fn command_payload(key_usage: KeyUsage) -> Vec<u8> {
        key_usage_command(key_usage)
    }

    /// Reads a command payload.
    pub fn decode_command(payload: &[u8]) -> Result<KeyUsage, Asn1Error> {
        decode_key_usage_command(payload, "IssueSecurityCredentials")
    }

    /// The response: the certification request (DER), or a failure code.
    pub fn response_payload(outcome: Result<&[u8], u8>) -> Vec<u8> {
        match outcome {
            Ok(certification_request) => certification_request.to_vec(),
            Err(code) => response_code_payload(code),
        }
    }

    /// Reads a response: the certification request (DER) or the failure code.
    pub fn decode_response(payload: &[u8]) -> Result<Result<Vec<u8>, u8>, Asn1Error> {
        decode_sequence_or_code(payload, "certification request")
    }
}

/// CS02d Update Device Certificate on Device (critical): the payload is the new device
/// certificate itself (DER); the response an `INTEGER` code.
pub mod cs02d {
    use super::*;
    use crate::envelope::MessageCode;

    pub const MESSAGE_CODE: MessageCode = MessageCode(0x000B);

    pub const SUCCESS: u8 = 0;
    pub const INVALID_CERTIFICATE: u8 = 1;
    pub const WRONG_DEVICE_IDENTITY: u8 = 2;
    pub const INVALID_KEY_USAGE: u8 = 3;
    pub const NO_CORRESPONDING_KEY_PAIR: u8 = 4;
    pub const WRONG_PUBLIC_KEY: u8 = 5;
    pub const CERTIFICATE_STORAGE_FAILED: u8 = 6;
    pub const PRIVATE_KEY_CHANGE_FAILED: u8 = 7;

    /// The command payload: the certificate's DER.
    pub fn command_payload(certificate: &[u8]) -> Vec<u8> {
        certificate.to_vec()
    }

    /// Reads a command payload: the certificate's DER (one SEQUENCE filling the payload).
    pub fn decode_command(payload: &[u8]) -> Result<Vec<u8>, Asn1Error> {
        let mut reader = DerReader::new(payload);
        let certificate = reader.whole(tag::SEQUENCE, "device certificate")?;
        reader.finish("device certificate")?;
        Ok(certificate.to_vec())
    }
}

/// CS02e Provide Device Certificate from Device (critical): the device returns its
/// certificate of the given usage.
pub mod cs02e {
    use super::*;
    use crate::envelope::MessageCode;

    pub const MESSAGE_CODE: MessageCode = MessageCode(0x000C);

    pub const INVALID_KEY_USAGE: u8 = 1;
    pub const NO_CERTIFICATE_HELD: u8 = 2;
    pub const CERTIFICATE_RETRIEVAL_FAILURE: u8 = 3;

    /// The command payload: `SEQUENCE { keyUsage }`.
    pub fn command_payload(key_usage: KeyUsage) -> Vec<u8> {
        key_usage_command(key_usage)
    }

    /// Reads a command payload.
    pub fn decode_command(payload: &[u8]) -> Result<KeyUsage, Asn1Error> {
        decode_key_usage_command(payload, "ProvideDeviceCertificate")
    }

    /// The response: the certificate (DER), or a failure code.
    pub fn response_payload(outcome: Result<&[u8], u8>) -> Vec<u8> {
        match outcome {
            Ok(certificate) => certificate.to_vec(),
            Err(code) => response_code_payload(code),
        }
    }

    /// Reads a response: the certificate (DER) or the failure code.
    pub fn decode_response(payload: &[u8]) -> Result<Result<Vec<u8>, u8>, Asn1Error> {
        decode_sequence_or_code(payload, "device certificate")
    }
}

/// `SEQUENCE { keyUsage }` (CS02c and CS02e commands).
fn key_usage_command(key_usage: KeyUsage) -> Vec<u8> {
    asn1::sequence(&key_usage.encode())
}

fn decode_key_usage_command(payload: &[u8], what: &'static str) -> Result<KeyUsage, Asn1Error> {
    let mut reader = DerReader::whole_element(payload, tag::SEQUENCE, what)?;
    let key_usage = KeyUsage::decode(&mut reader, "key usage")?;
    reader.finish(what)?;
    Ok(key_usage)
}

/// A response that is either a DER SEQUENCE (kept whole) or an `INTEGER` failure code.
fn decode_sequence_or_code(
    payload: &[u8],
    what: &'static str,
) -> Result<Result<Vec<u8>, u8>, Asn1Error> {
    let mut reader = DerReader::new(payload);
    let outcome = match reader.peek() {
        Some(tag::SEQUENCE) => Ok(reader.whole(tag::SEQUENCE, what)?.to_vec()),
        _ => Err(reader.small_integer("response code")?),
    };
    reader.finish(what)?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_usage_commands_are_as_gbcs_writes_them() {
        assert_eq!(
            cs02c::command_payload(KeyUsage::DigitalSignature),
            [0x30, 0x04, 0x03, 0x02, 0x07, 0x80]
        );
        assert_eq!(
            cs02e::decode_command(&[0x30, 0x04, 0x03, 0x02, 0x03, 0x08]),
            Ok(KeyUsage::KeyAgreement)
        );
        assert_eq!(
            cs02c::decode_command(&[0x30, 0x04, 0x03, 0x02, 0x03, 0x09]),
            Err(Asn1Error::Unsupported("key usage"))
        );
    }

    #[test]
    fn credential_details_round_trip() {
        let command = cs02a::ProvideSecurityCredentialDetails {
            authorising_cell: TrustAnchorCell::management(
                RemotePartyRole::ACCESS_CONTROL_BROKER,
                KeyUsage::KeyAgreement,
            ),
            roles: vec![RemotePartyRole::SUPPLIER, RemotePartyRole::LOAD_CONTROLLER],
        };
        let payload = command.encode();
        assert_eq!(
            payload,
            [
                0x30, 0x11, 0x30, 0x07, 0x02, 0x01, 0x04, 0x03, 0x02, 0x03, 0x08, 0x30, 0x06, 0x02,
                0x01, 0x02, 0x02, 0x01, 0x08
            ]
        );
        assert_eq!(
            cs02a::ProvideSecurityCredentialDetails::decode(&payload),
            Ok(command)
        );
    }

    #[test]
    fn every_mode_has_its_message_code() {
        use cs02b::CredentialsReplacementMode as Mode;
        assert_eq!(
            Mode::SUPPLIER_BY_SUPPLIER.message_code(),
            Some(cs02b::MESSAGE_CODE)
        );
        assert_eq!(
            Mode::NETWORK_OPERATOR_BY_NETWORK_OPERATOR.message_code(),
            Some(cs02b::NETWORK_OPERATOR_MESSAGE_CODE)
        );
        assert_eq!(
            Mode::LOAD_CONTROLLER_BY_SUPPLIER.message_code(),
            Some(crate::MessageCode(0x0126))
        );
        assert_eq!(Mode(12).message_code(), None);
    }

    #[test]
    fn responses_that_are_codes_or_structures_are_told_apart() {
        assert_eq!(cs02e::decode_response(&[0x02, 0x01, 0x02]), Ok(Err(2)));
        assert_eq!(
            cs02c::decode_response(&[0x30, 0x00]),
            Ok(Ok(vec![0x30, 0x00]))
        );
        assert_eq!(decode_response_code(&[0x02, 0x01, 0x00]), Ok(0));
    }
}
