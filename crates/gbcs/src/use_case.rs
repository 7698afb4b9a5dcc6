//! GBCS use-case payloads: the APDUs of commands, responses and alerts, and per-use-case
//! payload codecs that reproduce the reference (RTDS) messages byte for byte. What is known of
//! each use case (device types, signers, protection, sensitive data) is in [`crate::catalogue`].

use dcc_model::Eui64;

use crate::ber::write_length;
use crate::envelope::{
    Cra, GeneralSigning, GroupingHeader, MessageCode, OtherInformation, SignatureField,
    TransactionId,
};

/// A command APDU with a null signature field (sign it afterwards if critical).
pub fn command_apdu(
    message_code: MessageCode,
    counter: u64,
    originator: Eui64,
    recipient: Eui64,
    payload: Vec<u8>,
) -> GeneralSigning {
    GeneralSigning {
        header: GroupingHeader {
            transaction: TransactionId {
                cra: Cra::Command,
                counter,
            },
            originator,
            recipient,
            date_time: None,
            other_information: OtherInformation::message_code(message_code),
        },
        payload,
        signature: SignatureField::Null,
    }
}

/// An alert APDU from a device, with a null signature field (MAC it, or sign it if critical).
pub fn alert_apdu(
    message_code: MessageCode,
    counter: u64,
    device: Eui64,
    recipient: Eui64,
    date_time: Option<[u8; 12]>,
    payload: Vec<u8>,
) -> GeneralSigning {
    GeneralSigning {
        header: GroupingHeader {
            transaction: TransactionId {
                cra: Cra::Alert,
                counter,
            },
            originator: device,
            recipient,
            date_time,
            other_information: OtherInformation::message_code(message_code),
        },
        payload,
        signature: SignatureField::Null,
    }
}

/// The response APDU to a command: same counter and message code, originator and recipient
/// swapped, the supplementary remote party kept; null signature field.
pub fn response_apdu(
    command: &GroupingHeader,
    date_time: Option<[u8; 12]>,
    payload: Vec<u8>,
) -> GeneralSigning {
    let info = &command.other_information;
    GeneralSigning {
        header: GroupingHeader {
            transaction: TransactionId {
                cra: Cra::Response,
                counter: command.transaction.counter,
            },
            originator: command.recipient,
            recipient: command.originator,
            date_time,
            other_information: OtherInformation {
                message_code: info.message_code,
                supplementary_remote_party_id: info.supplementary_remote_party_id,
                supplementary_remote_party_counter: info.supplementary_remote_party_counter,
                supplementary_originator_counter: None,
                remote_party_certificate: None,
            },
        },
        payload,
        signature: SignatureField::Null,
    }
}

/// DLMS building blocks (ESME and CHF payloads).
pub mod dlms {
    use super::*;

    /// Tag of a DLMS access-request.
    pub const ACCESS_REQUEST: u8 = 0xD9;
    /// Tag of a DLMS access-response.
    pub const ACCESS_RESPONSE: u8 = 0xDA;

    /// The long-invoke-id: `0x20 << 24 | (counter & 0xFFFFFF)`.
    pub fn long_invoke_id(counter: u64) -> [u8; 4] {
        (0x2000_0000u32 | (counter & 0x00FF_FFFF) as u32).to_be_bytes()
    }

    /// `D9 <invoke id> 00` (no date-time) followed by the request body.
    pub fn access_request(counter: u64, body: &[u8]) -> Vec<u8> {
        let mut out = vec![ACCESS_REQUEST];
        out.extend_from_slice(&long_invoke_id(counter));
        out.push(0);
        out.extend_from_slice(body);
        out
    }

    /// `DA <invoke id> 00 00` (no date-time, no request specification) then the response body.
    pub fn access_response(counter: u64, body: &[u8]) -> Vec<u8> {
        let mut out = vec![ACCESS_RESPONSE];
        out.extend_from_slice(&long_invoke_id(counter));
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(body);
        out
    }

    /// The kind of a DLMS request, as numbered in access-request specifications and results.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[repr(u8)]
    pub enum RequestKind {
        Get = 1,
        Set = 2,
        Action = 3,
    }

    /// DLMS data-access-result / action-result: success.
    pub const RESULT_SUCCESS: u8 = 0;
    /// DLMS data-access-result / action-result: hardware fault.
    pub const RESULT_HARDWARE_FAULT: u8 = 1;

    /// An access-response to a single request carrying no data: one null datum and one
    /// result (`01 00 01 <kind> <result>`). A failed get or action, or a successful action
    /// without return data.
    pub fn single_result_response(counter: u64, kind: RequestKind, result: u8) -> Vec<u8> {
        access_response(counter, &[0x01, 0x00, 0x01, kind as u8, result])
    }

    /// An A-XDR octet string: `09 <length> <bytes>`.
    pub fn octet_string(bytes: &[u8]) -> Vec<u8> {
        let mut out = vec![0x09];
        write_length(&mut out, bytes.len());
        out.extend_from_slice(bytes);
        out
    }

    /// The DLMS Data Protection parameters list of a get_protected_attributes exchange:
    /// one entry naming transaction `04 ‖ counter`, the originator and recipient system titles.
    pub fn protection_parameters(counter: u64, originator: Eui64, recipient: Eui64) -> Vec<u8> {
        let mut transaction = vec![0x04];
        transaction.extend_from_slice(&counter.to_be_bytes());
        let mut out = vec![0x01, 0x01, 0x02, 0x02, 0x16, 0x02, 0x02, 0x05];
        out.extend(octet_string(&transaction));
        out.extend(octet_string(originator.as_bytes()));
        out.extend(octet_string(recipient.as_bytes()));
        out.extend(octet_string(&[]));
        out.extend_from_slice(&[0x02, 0x02, 0x16, 0x02, 0x02, 0x02]);
        out.extend(octet_string(&[0x02]));
        out.extend(octet_string(&[]));
        out
    }
}

/// ECS17b Read ESME Energy Registers (Import Energy): DLMS Data Protection
/// get_protected_attributes on the import registers; the register values are encrypted.
pub mod ecs17b {
    use super::dlms::{access_request, access_response, octet_string, protection_parameters};
    use super::*;

    pub const MESSAGE_CODE: MessageCode = MessageCode(0x0027);

    /// Data Protection object (class 30, 0-0:43.2.8.255), method 1, and the protected
    /// object list (class 1, 0-0:94.44.34.10, attribute 2).
    const COMMAND_BODY: [u8; 39] = [
        0x01, 0x03, 0x00, 0x1E, 0x00, 0x00, 0x2B, 0x02, 0x08, 0xFF, 0x01, 0x01, 0x02, 0x02, 0x01,
        0x01, 0x02, 0x05, 0x12, 0x00, 0x01, 0x09, 0x06, 0x00, 0x00, 0x5E, 0x2C, 0x22, 0x0A, 0x0F,
        0x02, 0x12, 0x00, 0x00, 0x02, 0x02, 0x16, 0x00, 0x00,
    ];

    /// The command payload from `originator` (the user) to the ESME.
    pub fn command_payload(counter: u64, originator: Eui64, esme: Eui64) -> Vec<u8> {
        let mut body = COMMAND_BODY.to_vec();
        body.extend(protection_parameters(counter, originator, esme));
        access_request(counter, &body)
    }

    /// The plaintext of the protected attributes: active and reactive import registers
    /// (double-long-unsigned, scaler 0, units Wh and varh).
    pub fn register_plaintext(active_import_wh: u32, reactive_import_varh: u32) -> Vec<u8> {
        let mut out = vec![0x02, 0x01, 0x02, 0x04, 0x06];
        out.extend_from_slice(&active_import_wh.to_be_bytes());
        out.extend_from_slice(&[0x02, 0x02, 0x0F, 0x00, 0x16, 0x1E, 0x06]);
        out.extend_from_slice(&reactive_import_varh.to_be_bytes());
        out.extend_from_slice(&[0x02, 0x02, 0x0F, 0x00, 0x16, 0x20]);
        out
    }

    /// The response payload from the ESME, given the plaintext and a function that turns it
    /// into the GBCS encrypted block (`31 00000000 ‖ ct ‖ tag`, see
    /// [`crate::protection::encrypt_sensitive_block`]).
    pub fn response_payload(
        counter: u64,
        esme: Eui64,
        recipient: Eui64,
        plaintext: &[u8],
        encrypt: impl FnOnce(&[u8]) -> Vec<u8>,
    ) -> Vec<u8> {
        let mut body = vec![0x01, 0x02, 0x02];
        body.extend(protection_parameters(counter, esme, recipient));
        body.extend(octet_string(&encrypt(plaintext)));
        body.extend_from_slice(&[0x01, 0x03, 0x00]);
        access_response(counter, &body)
    }
}

/// ECS42 Remotely Close the Load Switch on the ESME (critical): execute the disconnect
/// control script that reconnects supply.
pub mod ecs42 {
    use super::dlms::{access_request, single_result_response, RequestKind, RESULT_SUCCESS};
    use super::*;

    pub const MESSAGE_CODE: MessageCode = MessageCode(0x004F);

    /// Script table (class 9, 0-0:10.0.106.255) execute (method 1) with script 0x0033.
    const COMMAND_BODY: [u8; 15] = [
        0x01, 0x03, 0x00, 0x09, 0x00, 0x00, 0x0A, 0x00, 0x6A, 0xFF, 0x01, 0x01, 0x12, 0x00, 0x33,
    ];

    /// The command payload (the pre-command's payload; the user signs the pre-command).
    pub fn command_payload(counter: u64) -> Vec<u8> {
        access_request(counter, &COMMAND_BODY)
    }

    /// The successful response payload (the device signs the response).
    pub fn response_payload(counter: u64) -> Vec<u8> {
        single_result_response(counter, RequestKind::Action, RESULT_SUCCESS)
    }
}

/// CS02b Update Security Credentials (critical): a remote party replaces trust anchors it owns
/// on a device. The payloads are ASN.1 DER (GBCS `UpdateSecurityCredentials`); certificates
/// travel as their DER bytes.
pub mod cs02b {
    use super::*;

    /// Message code of the supplierBySupplier mode (DUIS 6.15.1 from a supplier).
    pub const MESSAGE_CODE: MessageCode = MessageCode(0x0102);
    /// Message code of the networkOperatorByNetworkOperator mode (DUIS 6.15.1 from a network operator).
    pub const NETWORK_OPERATOR_MESSAGE_CODE: MessageCode = MessageCode(0x0103);

    /// Why a CS02b payload could not be read.
    #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
    pub enum PayloadError {
        #[error("CS02b payload ends inside the {0}")]
        Truncated(&'static str),
        #[error("CS02b payload: unsupported length encoding in the {0}")]
        BadLength(&'static str),
        #[error("CS02b payload: expected tag {expected:#04x} for the {what}, found {found:#04x}")]
        UnexpectedTag {
            what: &'static str,
            expected: u8,
            found: u8,
        },
        #[error("CS02b payload: the {0} is not a non-negative 64-bit integer")]
        BadInteger(&'static str),
        #[error("CS02b payload: unsupported value in the {0}")]
        Unsupported(&'static str),
        #[error("CS02b payload: {0} trailing bytes after the {1}")]
        TrailingBytes(usize, &'static str),
    }

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
        pub const OTHER: Self = Self(127);
    }

    /// `CredentialsReplacementMode ::= INTEGER`: who replaces whose credentials.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct CredentialsReplacementMode(pub u8);

    impl CredentialsReplacementMode {
        pub const SUPPLIER_BY_SUPPLIER: Self = Self(2);
        pub const NETWORK_OPERATOR_BY_NETWORK_OPERATOR: Self = Self(3);
        pub const ACCESS_CONTROL_BROKER_BY_ACCESS_CONTROL_BROKER: Self = Self(4);
        pub const WAN_PROVIDER_BY_WAN_PROVIDER: Self = Self(5);
        pub const TRANSITIONAL_CHANGE_OF_SUPPLIER_BY_TRANSITIONAL_CHANGE_OF_SUPPLIER: Self =
            Self(6);
        pub const SUPPLIER_BY_TRANSITIONAL_CHANGE_OF_SUPPLIER: Self = Self(7);
        pub const ANY_EXCEPT_ABNORMAL_ROOT_BY_RECOVERY: Self = Self(8);
        pub const ANY_BY_CONTINGENCY: Self = Self(9);
    }

    /// The key usage of a trust anchor cell, a DER BIT STRING.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum CellKeyUsage {
        /// `03 02 07 80`: digitalSignature.
        DigitalSignature,
        /// `03 02 03 08`: keyAgreement.
        KeyAgreement,
    }

    impl CellKeyUsage {
        const DIGITAL_SIGNATURE_BITS: [u8; 2] = [0x07, 0x80];
        const KEY_AGREEMENT_BITS: [u8; 2] = [0x03, 0x08];

        fn bits(self) -> [u8; 2] {
            match self {
                Self::DigitalSignature => Self::DIGITAL_SIGNATURE_BITS,
                Self::KeyAgreement => Self::KEY_AGREEMENT_BITS,
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

    /// `TrustAnchorCellIdentifier`: which anchor slot of a device is meant.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub struct TrustAnchorCell {
        pub role: RemotePartyRole,
        pub key_usage: CellKeyUsage,
        pub cell_usage: CellUsage,
    }

    impl TrustAnchorCell {
        /// A management cell (the default cell usage).
        pub fn management(role: RemotePartyRole, key_usage: CellKeyUsage) -> Self {
            Self {
                role,
                key_usage,
                cell_usage: CellUsage::Management,
            }
        }

        fn encode(&self) -> Vec<u8> {
            let mut content = integer(u64::from(self.role.0));
            content.extend(tlv(0x03, &self.key_usage.bits()));
            if self.cell_usage == CellUsage::PrepaymentTopUp {
                content.extend(integer(1));
            }
            tlv(SEQUENCE, &content)
        }

        fn decode(content: &[u8]) -> Result<Self, PayloadError> {
            let what = "trust anchor cell identifier";
            let mut reader = DerReader::new(content);
            let role = role(reader.integer(what)?, what)?;
            let key_usage = match reader.element(0x03, what)? {
                bits if bits == CellKeyUsage::DIGITAL_SIGNATURE_BITS => {
                    CellKeyUsage::DigitalSignature
                }
                bits if bits == CellKeyUsage::KEY_AGREEMENT_BITS => CellKeyUsage::KeyAgreement,
                _ => return Err(PayloadError::Unsupported("cell key usage")),
            };
            let cell_usage = match reader.is_empty() {
                true => CellUsage::Management,
                false => match reader.integer("cell usage")? {
                    0 => CellUsage::Management,
                    1 => CellUsage::PrepaymentTopUp,
                    _ => return Err(PayloadError::Unsupported("cell usage")),
                },
            };
            reader.finish(what)?;
            Ok(Self {
                role,
                key_usage,
                cell_usage,
            })
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
        /// `false` writes `applyTimeBasedCPVChecks` = disapply (`81 01 01`); `true` leaves the
        /// DEFAULT (apply) out, as DUIS `ApplyTimeBasedCPVChecks` true does.
        pub apply_time_based_cpv_checks: bool,
        /// The cell whose key signs this command (`[2]`).
        pub authorising_cell: Option<TrustAnchorCell>,
        /// `[3]`: the command's originator counter.
        pub authorising_seq_number: u64,
        /// `[4]`: the counter floor for the replacing party's commands.
        pub new_floor_seq_number: Option<u64>,
        /// `[5]`: the counter floor for its prepayment top-ups (specialist usage 0).
        pub new_prepayment_top_up_floor_seq_number: Option<u64>,
        /// `[6]`: counter floors for other remote parties (a load controller's, the supplier's
        /// when a transitional change of supplier replaces it).
        pub remote_party_seq_number_changes: Vec<RemotePartySeqNumberChange>,
        pub replacements: Vec<TrustAnchorReplacement>,
        /// The CA certificates (DER) the replacements chain through.
        pub certification_path_certificates: Vec<Vec<u8>>,
        /// The GeneralizedTime text (`20300115000000Z`) of a future-dated command.
        pub execution_date_time: Option<String>,
    }

    const SEQUENCE: u8 = 0x30;
    const APPLY_TIME_BASED_CPV_CHECKS: u8 = 0x81;
    const AUTHORISING_CELL: u8 = 0xA2;
    const AUTHORISING_SEQ_NUMBER: u8 = 0x83;
    const NEW_FLOOR_SEQ_NUMBER: u8 = 0x84;
    const NEW_SPECIALIST_FLOOR_SEQ_NUMBERS: u8 = 0xA5;
    const REMOTE_PARTY_SEQ_NUMBER_CHANGES: u8 = 0xA6;
    const GENERALIZED_TIME: u8 = 0x18;
    const ENUMERATED: u8 = 0x0A;
    const OCTET_STRING: u8 = 0x04;
    /// `SpecialistSeqNumber` usage: prepayment top-up.
    const PREPAYMENT_TOP_UP_USAGE: u64 = 0;

    impl UpdateSecurityCredentials {
        /// The command payload (DER, minimal lengths, as the reference commands are).
        pub fn encode(&self) -> Vec<u8> {
            let mut control = integer(u64::from(self.mode.0));
            if !self.apply_time_based_cpv_checks {
                control.extend(tlv(APPLY_TIME_BASED_CPV_CHECKS, &[0x01]));
            }
            if let Some(cell) = &self.authorising_cell {
                let mut cell = cell.encode();
                if let Some(tag) = cell.first_mut() {
                    *tag = AUTHORISING_CELL;
                }
                control.extend(cell);
            }
            control.extend(tlv(
                AUTHORISING_SEQ_NUMBER,
                &integer_content(self.authorising_seq_number),
            ));
            if let Some(floor) = self.new_floor_seq_number {
                control.extend(tlv(NEW_FLOOR_SEQ_NUMBER, &integer_content(floor)));
            }
            if let Some(floor) = self.new_prepayment_top_up_floor_seq_number {
                control.extend(tlv(
                    NEW_SPECIALIST_FLOOR_SEQ_NUMBERS,
                    &specialist_seq_number(floor),
                ));
            }
            if !self.remote_party_seq_number_changes.is_empty() {
                control.extend(tlv(
                    REMOTE_PARTY_SEQ_NUMBER_CHANGES,
                    &encode_seq_number_changes(&self.remote_party_seq_number_changes, tlv),
                ));
            }
            let mut content = tlv(SEQUENCE, &control);
            let replacements: Vec<u8> = self
                .replacements
                .iter()
                .flat_map(|replacement| {
                    let mut entry = replacement.certificate.clone();
                    entry.extend(replacement.target.encode());
                    tlv(SEQUENCE, &entry)
                })
                .collect();
            content.extend(tlv(SEQUENCE, &replacements));
            content.extend(tlv(
                SEQUENCE,
                &self.certification_path_certificates.concat(),
            ));
            if let Some(time) = &self.execution_date_time {
                content.extend(tlv(GENERALIZED_TIME, time.as_bytes()));
            }
            tlv(SEQUENCE, &content)
        }

        /// Reads a command payload; never panics on any input.
        pub fn decode(payload: &[u8]) -> Result<Self, PayloadError> {
            let what = "UpdateSecurityCredentials";
            let mut outer = DerReader::new(payload);
            let mut reader = DerReader::new(outer.element(SEQUENCE, what)?);
            outer.finish(what)?;
            let mut command = Self::decode_control(reader.element(SEQUENCE, "control")?)?;
            let mut replacements = DerReader::new(reader.element(SEQUENCE, "replacements")?);
            while !replacements.is_empty() {
                let mut entry = DerReader::new(replacements.element(SEQUENCE, "replacement")?);
                let certificate = entry.whole(SEQUENCE, "replacement certificate")?.to_vec();
                let target = TrustAnchorCell::decode(entry.element(SEQUENCE, "target cell")?)?;
                entry.finish("replacement")?;
                command.replacements.push(TrustAnchorReplacement {
                    certificate,
                    target,
                });
            }
            let mut path = DerReader::new(reader.element(SEQUENCE, "certification path")?);
            while !path.is_empty() {
                let certificate = path.whole(SEQUENCE, "certification path certificate")?;
                command
                    .certification_path_certificates
                    .push(certificate.to_vec());
            }
            if reader.peek() == Some(GENERALIZED_TIME) {
                let time = reader.element(GENERALIZED_TIME, "execution date-time")?;
                let text = std::str::from_utf8(time)
                    .map_err(|_| PayloadError::Unsupported("execution date-time"))?;
                command.execution_date_time = Some(text.to_owned());
            }
            reader.finish(what)?;
            Ok(command)
        }

        fn decode_control(content: &[u8]) -> Result<Self, PayloadError> {
            let what = "authorising remote party control";
            let mut reader = DerReader::new(content);
            let mode = reader.integer("credentials replacement mode")?;
            let mode = CredentialsReplacementMode(
                u8::try_from(mode).map_err(|_| PayloadError::Unsupported("replacement mode"))?,
            );
            let mut apply_time_based_cpv_checks = true;
            if reader.peek() == Some(APPLY_TIME_BASED_CPV_CHECKS) {
                let value = reader.element(APPLY_TIME_BASED_CPV_CHECKS, "CPV checks")?;
                apply_time_based_cpv_checks = match unsigned(value, "CPV checks")? {
                    0 => true,
                    1 => false,
                    _ => return Err(PayloadError::Unsupported("CPV checks")),
                };
            }
            let mut authorising_cell = None;
            if reader.peek() == Some(AUTHORISING_CELL) {
                let cell = reader.element(AUTHORISING_CELL, "authorising cell")?;
                authorising_cell = Some(TrustAnchorCell::decode(cell)?);
            }
            let seq = reader.element(AUTHORISING_SEQ_NUMBER, "authorising seq number")?;
            let authorising_seq_number = unsigned(seq, "authorising seq number")?;
            let mut new_floor_seq_number = None;
            if reader.peek() == Some(NEW_FLOOR_SEQ_NUMBER) {
                let floor = reader.element(NEW_FLOOR_SEQ_NUMBER, "new floor seq number")?;
                new_floor_seq_number = Some(unsigned(floor, "new floor seq number")?);
            }
            let mut new_prepayment_top_up_floor_seq_number = None;
            if reader.peek() == Some(NEW_SPECIALIST_FLOOR_SEQ_NUMBERS) {
                let list = reader.element(NEW_SPECIALIST_FLOOR_SEQ_NUMBERS, "specialist floors")?;
                new_prepayment_top_up_floor_seq_number = prepayment_floor(list)?;
            }
            let mut remote_party_seq_number_changes = Vec::new();
            if reader.peek() == Some(REMOTE_PARTY_SEQ_NUMBER_CHANGES) {
                let list = reader.element(REMOTE_PARTY_SEQ_NUMBER_CHANGES, "seq number changes")?;
                remote_party_seq_number_changes = decode_seq_number_changes(list)?;
            }
            reader.finish(what)?;
            Ok(Self {
                mode,
                apply_time_based_cpv_checks,
                authorising_cell,
                authorising_seq_number,
                new_floor_seq_number,
                new_prepayment_top_up_floor_seq_number,
                remote_party_seq_number_changes,
                replacements: Vec::new(),
                certification_path_certificates: Vec::new(),
                execution_date_time: None,
            })
        }
    }

    /// `StatusCode ::= ENUMERATED` of one replacement.
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

    /// A party's counter floors after the update.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct RemotePartySeqNumberChange {
        pub role: RemotePartyRole,
        pub floor_seq_number: u64,
        pub prepayment_top_up_floor_seq_number: Option<u64>,
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

        fn encode(&self) -> Vec<u8> {
            let mut content = integer(self.authorising_seq_number);
            content.extend(integer(u64::from(self.mode.0)));
            let changes = encode_seq_number_changes(&self.seq_number_changes, response_tlv);
            content.extend(response_tlv(SEQUENCE, &changes));
            let outcomes: Vec<u8> = self
                .replacement_outcomes
                .iter()
                .flat_map(|outcome| {
                    let mut entry = outcome.cell.encode();
                    entry.extend(response_tlv(ENUMERATED, &[outcome.status.0]));
                    for octets in [
                        &outcome.existing_subject_unique_id,
                        &outcome.existing_subject_key_id,
                        &outcome.replacing_subject_unique_id,
                        &outcome.replacing_subject_key_id,
                    ] {
                        entry.extend(response_tlv(OCTET_STRING, octets));
                    }
                    response_tlv(SEQUENCE, &entry)
                })
                .collect();
            content.extend(response_tlv(SEQUENCE, &outcomes));
            response_tlv(SEQUENCE, &content)
        }

        fn decode(content: &[u8]) -> Result<Self, PayloadError> {
            let what = "execution outcome";
            let mut reader = DerReader::new(content);
            let authorising_seq_number = reader.integer("authorising seq number")?;
            let mode = CredentialsReplacementMode(
                u8::try_from(reader.integer("replacement mode")?)
                    .map_err(|_| PayloadError::Unsupported("replacement mode"))?,
            );
            let seq_number_changes =
                decode_seq_number_changes(reader.element(SEQUENCE, "seq number changes")?)?;
            let mut outcomes = DerReader::new(reader.element(SEQUENCE, "replacement outcomes")?);
            let mut replacement_outcomes = Vec::new();
            while !outcomes.is_empty() {
                let mut entry = DerReader::new(outcomes.element(SEQUENCE, "replacement outcome")?);
                let cell = TrustAnchorCell::decode(entry.element(SEQUENCE, "affected cell")?)?;
                let status = entry.element(ENUMERATED, "status code")?;
                let status = StatusCode(
                    u8::try_from(unsigned(status, "status code")?)
                        .map_err(|_| PayloadError::Unsupported("status code"))?,
                );
                let mut octets = || entry.element(OCTET_STRING, "subject identifier");
                let existing_subject_unique_id = octets()?.to_vec();
                let existing_subject_key_id = octets()?.to_vec();
                let replacing_subject_unique_id = octets()?.to_vec();
                let replacing_subject_key_id = octets()?.to_vec();
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
        let mut content = vec![0x05, 0x00];
        if let Some(outcome) = outcome {
            content.extend(outcome.encode());
        }
        response_tlv(SEQUENCE, &content)
    }

    /// Reads a response payload: the outcome, or `None` for a command accepted for later.
    pub fn decode_response_payload(
        payload: &[u8],
    ) -> Result<Option<ExecutionOutcome>, PayloadError> {
        let what = "UpdateSecurityCredentials response";
        let mut outer = DerReader::new(payload);
        let mut reader = DerReader::new(outer.element(SEQUENCE, what)?);
        outer.finish(what)?;
        reader.element(0x05, "command accepted")?;
        let outcome = match reader.is_empty() {
            true => None,
            false => Some(ExecutionOutcome::decode(
                reader.element(SEQUENCE, "execution outcome")?,
            )?),
        };
        reader.finish(what)?;
        Ok(outcome)
    }

    /// The content of a `SEQUENCE OF RemotePartySeqNumberChange`, each element written with
    /// `element_tlv` (minimal lengths in commands, the long form in responses).
    fn encode_seq_number_changes(
        changes: &[RemotePartySeqNumberChange],
        element_tlv: fn(u8, &[u8]) -> Vec<u8>,
    ) -> Vec<u8> {
        changes
            .iter()
            .flat_map(|change| {
                let mut entry = integer(u64::from(change.role.0));
                entry.extend(integer(change.floor_seq_number));
                if let Some(floor) = change.prepayment_top_up_floor_seq_number {
                    entry.extend(element_tlv(SEQUENCE, &specialist_seq_number(floor)));
                }
                element_tlv(SEQUENCE, &entry)
            })
            .collect()
    }

    /// Reads the content of a `SEQUENCE OF RemotePartySeqNumberChange`.
    fn decode_seq_number_changes(
        content: &[u8],
    ) -> Result<Vec<RemotePartySeqNumberChange>, PayloadError> {
        let mut changes = DerReader::new(content);
        let mut seq_number_changes = Vec::new();
        while !changes.is_empty() {
            let mut entry = DerReader::new(changes.element(SEQUENCE, "seq number change")?);
            let role = role(entry.integer("remote party role")?, "remote party role")?;
            let floor_seq_number = entry.integer("floor seq number")?;
            let prepayment_top_up_floor_seq_number = match entry.is_empty() {
                true => None,
                false => prepayment_floor(entry.element(SEQUENCE, "specialist floors")?)?,
            };
            entry.finish("seq number change")?;
            seq_number_changes.push(RemotePartySeqNumberChange {
                role,
                floor_seq_number,
                prepayment_top_up_floor_seq_number,
            });
        }
        Ok(seq_number_changes)
    }

    fn role(value: u64, what: &'static str) -> Result<RemotePartyRole, PayloadError> {
        u8::try_from(value)
            .map(RemotePartyRole)
            .map_err(|_| PayloadError::Unsupported(what))
    }

    /// `SEQUENCE OF SpecialistSeqNumber` with the one prepayment top-up entry.
    fn specialist_seq_number(floor: u64) -> Vec<u8> {
        let mut entry = integer(PREPAYMENT_TOP_UP_USAGE);
        entry.extend(integer(floor));
        tlv(SEQUENCE, &entry)
    }

    /// The prepayment top-up floor in a `SEQUENCE OF SpecialistSeqNumber` (content octets).
    fn prepayment_floor(content: &[u8]) -> Result<Option<u64>, PayloadError> {
        let mut list = DerReader::new(content);
        let mut floor = None;
        while !list.is_empty() {
            let mut entry = DerReader::new(list.element(SEQUENCE, "specialist seq number")?);
            if entry.integer("seq number usage")? != PREPAYMENT_TOP_UP_USAGE {
                return Err(PayloadError::Unsupported("seq number usage"));
            }
            floor = Some(entry.integer("specialist seq number")?);
            entry.finish("specialist seq number")?;
        }
        Ok(floor)
    }

    /// The content octets of a DER INTEGER holding `value` (minimal, non-negative).
    fn integer_content(value: u64) -> Vec<u8> {
        let bytes = value.to_be_bytes();
        let first = bytes.iter().position(|byte| *byte != 0).unwrap_or(7);
        let mut out = Vec::with_capacity(9);
        if bytes.get(first).is_some_and(|byte| byte & 0x80 != 0) {
            out.push(0);
        }
        out.extend_from_slice(bytes.get(first..).unwrap_or(&[0]));
        out
    }

    fn integer(value: u64) -> Vec<u8> {
        tlv(0x02, &integer_content(value))
    }

    /// Tag, minimal DER length, content.
    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        write_length(&mut out, content.len());
        out.extend_from_slice(content);
        out
    }

    /// Tag, length (two-byte long form from 0x80 to 0xFFFF, as the reference responses), content.
    fn response_tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        match u16::try_from(content.len()) {
            Ok(length) if length >= 0x80 => {
                out.push(0x82);
                out.extend_from_slice(&length.to_be_bytes());
            }
            _ => write_length(&mut out, content.len()),
        }
        out.extend_from_slice(content);
        out
    }

    /// A non-negative INTEGER's content octets as a u64.
    fn unsigned(content: &[u8], what: &'static str) -> Result<u64, PayloadError> {
        let negative = content.first().is_some_and(|byte| byte & 0x80 != 0);
        let significant = match content {
            [0, rest @ ..] if !rest.is_empty() => rest,
            other => other,
        };
        if content.is_empty() || negative || significant.len() > 8 {
            return Err(PayloadError::BadInteger(what));
        }
        Ok(significant
            .iter()
            .fold(0u64, |value, byte| (value << 8) | u64::from(*byte)))
    }

    /// A cursor over DER elements that never panics.
    struct DerReader<'a> {
        rest: &'a [u8],
    }

    impl<'a> DerReader<'a> {
        fn new(input: &'a [u8]) -> Self {
            Self { rest: input }
        }

        fn is_empty(&self) -> bool {
            self.rest.is_empty()
        }

        fn peek(&self) -> Option<u8> {
            self.rest.first().copied()
        }

        fn finish(&self, what: &'static str) -> Result<(), PayloadError> {
            match self.rest.len() {
                0 => Ok(()),
                count => Err(PayloadError::TrailingBytes(count, what)),
            }
        }

        /// The next element, which must carry `tag`: (its content, the whole element).
        fn next(
            &mut self,
            tag: u8,
            what: &'static str,
        ) -> Result<(&'a [u8], &'a [u8]), PayloadError> {
            let found = self.peek().ok_or(PayloadError::Truncated(what))?;
            if found != tag {
                return Err(PayloadError::UnexpectedTag {
                    what,
                    expected: tag,
                    found,
                });
            }
            let first = *self.rest.get(1).ok_or(PayloadError::Truncated(what))?;
            let (header, length) = match first {
                short if short < 0x80 => (2usize, usize::from(short)),
                0x81..=0x84 => {
                    let count = usize::from(first & 0x7F);
                    let octets = self
                        .rest
                        .get(2..2 + count)
                        .ok_or(PayloadError::Truncated(what))?;
                    let length = octets
                        .iter()
                        .fold(0usize, |length, byte| (length << 8) | usize::from(*byte));
                    (2 + count, length)
                }
                _ => return Err(PayloadError::BadLength(what)),
            };
            let end = header
                .checked_add(length)
                .ok_or(PayloadError::BadLength(what))?;
            let whole = self.rest.get(..end).ok_or(PayloadError::Truncated(what))?;
            let content = whole.get(header..).ok_or(PayloadError::Truncated(what))?;
            self.rest = self.rest.get(end..).unwrap_or(&[]);
            Ok((content, whole))
        }

        fn element(&mut self, tag: u8, what: &'static str) -> Result<&'a [u8], PayloadError> {
            self.next(tag, what).map(|(content, _)| content)
        }

        fn whole(&mut self, tag: u8, what: &'static str) -> Result<&'a [u8], PayloadError> {
            self.next(tag, what).map(|(_, whole)| whole)
        }

        fn integer(&mut self, what: &'static str) -> Result<u64, PayloadError> {
            unsigned(self.element(0x02, what)?, what)
        }
    }
}

/// ECS52 Read ESME/Comms Hub Firmware Version: get the active firmware identifier.
pub mod ecs52 {
    use super::dlms::{access_request, access_response, octet_string};
    use super::*;

    pub const MESSAGE_CODE: MessageCode = MessageCode(0x0059);

    /// Get (class 1, 0-0:0.2.1.255, attribute 2) and one null datum.
    const COMMAND_BODY: [u8; 13] = [
        0x01, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x01, 0xFF, 0x02, 0x01, 0x00,
    ];

    /// The command payload.
    pub fn command_payload(counter: u64) -> Vec<u8> {
        access_request(counter, &COMMAND_BODY)
    }

    /// The successful response payload carrying the firmware version octets.
    pub fn response_payload(counter: u64, firmware_version: &[u8]) -> Vec<u8> {
        let mut body = vec![0x01];
        body.extend(octet_string(firmware_version));
        body.extend_from_slice(&[0x01, 0x01, 0x00]);
        access_response(counter, &body)
    }
}

/// ZCL read-attributes response records, the plaintext of the GSME read use cases.
pub mod zcl {
    /// One attribute record of a ZCL Read Attributes Response.
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    pub enum AttributeRecord {
        /// Status success, the ZCL data type and the little-endian value.
        Success {
            attribute: u16,
            data_type: u8,
            value: Vec<u8>,
        },
        /// A failure status (e.g. `0x86` unsupported attribute).
        Failure { attribute: u16, status: u8 },
    }

    /// ZCL data type: unsigned 24-bit integer.
    pub const UINT24: u8 = 0x22;
    /// ZCL data type: unsigned 48-bit integer.
    pub const UINT48: u8 = 0x25;
    /// ZCL data type: 8-bit enumeration.
    pub const ENUM8: u8 = 0x30;

    impl AttributeRecord {
        /// A successful record with an unsigned value of `width` bytes (little-endian).
        pub fn unsigned(attribute: u16, data_type: u8, width: usize, value: u64) -> Self {
            let bytes = value.to_le_bytes();
            let value = bytes.get(..width.min(8)).unwrap_or(&bytes).to_vec();
            Self::Success {
                attribute,
                data_type,
                value,
            }
        }
    }

    /// Encodes records as the ZCL Read Attributes Response payload.
    pub fn read_attributes_response(records: &[AttributeRecord]) -> Vec<u8> {
        let mut out = Vec::new();
        for record in records {
            match record {
                AttributeRecord::Success {
                    attribute,
                    data_type,
                    value,
                } => {
                    out.extend_from_slice(&attribute.to_le_bytes());
                    out.push(0x00);
                    out.push(*data_type);
                    out.extend_from_slice(value);
                }
                AttributeRecord::Failure { attribute, status } => {
                    out.extend_from_slice(&attribute.to_le_bytes());
                    out.push(*status);
                }
            }
        }
        out
    }
}

/// ZCL metering cluster id.
pub const METERING_CLUSTER: u16 = 0x0702;

/// GCS13a Read GSME Consumption Register: read the metering cluster's current summation
/// delivered, unit, multiplier and divisor; the values come back encrypted.
pub mod gcs13a {
    use super::zcl::{read_attributes_response, AttributeRecord, ENUM8, UINT24, UINT48};
    use super::*;
    use crate::gbz::{encrypted_read_attributes_response, read_attributes, GbzPayload};

    pub const MESSAGE_CODE: MessageCode = MessageCode(0x0074);

    /// Divisor, multiplier, unit of measure, current summation delivered — the order of the request.
    pub const ATTRIBUTES: [u16; 4] = [0x0302, 0x0301, 0x0300, 0x0000];

    /// The command payload (GBZ Read Attributes on the metering cluster).
    pub fn command_payload() -> Vec<u8> {
        GbzPayload {
            components: vec![read_attributes(METERING_CLUSTER, &ATTRIBUTES)],
        }
        .encode()
    }

    /// The plaintext: the four attributes (unit of measure 0x01 is m³).
    pub fn register_plaintext(
        current_summation_delivered: u64,
        unit_of_measure: u8,
        multiplier: u32,
        divisor: u32,
    ) -> Vec<u8> {
        read_attributes_response(&[
            AttributeRecord::unsigned(0x0302, UINT24, 3, u64::from(divisor)),
            AttributeRecord::unsigned(0x0301, UINT24, 3, u64::from(multiplier)),
            AttributeRecord::unsigned(0x0300, ENUM8, 1, u64::from(unit_of_measure)),
            AttributeRecord::unsigned(0x0000, UINT48, 6, current_summation_delivered),
        ])
    }

    /// The response payload: one encrypted Read Attributes Response component.
    pub fn response_payload(plaintext: &[u8], encrypt: impl FnOnce(&[u8]) -> Vec<u8>) -> Vec<u8> {
        GbzPayload {
            components: vec![encrypted_read_attributes_response(
                METERING_CLUSTER,
                encrypt(plaintext),
            )],
        }
        .encode()
    }
}

/// GCS13b Read GSME Block Counters: read the block tariff counters, divisor, multiplier and
/// unit; the values come back encrypted.
pub mod gcs13b {
    use super::zcl::{read_attributes_response, AttributeRecord, ENUM8, UINT24, UINT48};
    use super::*;
    use crate::gbz::{encrypted_read_attributes_response, read_attributes, GbzPayload};

    pub const MESSAGE_CODE: MessageCode = MessageCode(0x00B8);

    /// Block 1–4 summation delivered, divisor, multiplier, unit of measure — the order of the request.
    pub const ATTRIBUTES: [u16; 7] = [0x0700, 0x0701, 0x0702, 0x0703, 0x0302, 0x0301, 0x0300];

    /// The command payload (GBZ Read Attributes on the metering cluster).
    pub fn command_payload() -> Vec<u8> {
        GbzPayload {
            components: vec![read_attributes(METERING_CLUSTER, &ATTRIBUTES)],
        }
        .encode()
    }

    /// The plaintext: four block counters, divisor, multiplier and unit of measure.
    pub fn block_counters_plaintext(
        blocks: [u64; 4],
        divisor: u32,
        multiplier: u32,
        unit_of_measure: u8,
    ) -> Vec<u8> {
        let mut records: Vec<AttributeRecord> = ATTRIBUTES
            .iter()
            .zip(blocks)
            .map(|(attribute, value)| AttributeRecord::unsigned(*attribute, UINT48, 6, value))
            .collect();
        records.push(AttributeRecord::unsigned(
            0x0302,
            UINT24,
            3,
            u64::from(divisor),
        ));
        records.push(AttributeRecord::unsigned(
            0x0301,
            UINT24,
            3,
            u64::from(multiplier),
        ));
        records.push(AttributeRecord::unsigned(
            0x0300,
            ENUM8,
            1,
            u64::from(unit_of_measure),
        ));
        read_attributes_response(&records)
    }

    /// The response payload: one encrypted Read Attributes Response component.
    pub fn response_payload(plaintext: &[u8], encrypt: impl FnOnce(&[u8]) -> Vec<u8>) -> Vec<u8> {
        GbzPayload {
            components: vec![encrypted_read_attributes_response(
                METERING_CLUSTER,
                encrypt(plaintext),
            )],
        }
        .encode()
    }
}
