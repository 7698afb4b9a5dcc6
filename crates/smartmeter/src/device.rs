//! The pure device engine: checks a GBCS command as a device must, executes it on the
//! device's registers and builds the protected response. No I/O, no clock: the date-time is given.

use std::collections::{BTreeMap, HashMap};

use dcc_model::{DeviceType, Eui64};
use gbcs::catalogue;
use gbcs::crypto::{
    KeyAgreementPrivateKey, KeyAgreementPublicKey, SharedSecretCache, SigningKey, VerifyingKey,
};
use gbcs::protection::{self, EncryptionParameters};
use gbcs::use_case::{self, cs02b, ecs17b, ecs42, ecs52, gcs13a, gcs13b};
use gbcs::{Cra, GeneralSigning, GroupingHeader, MessageCode, ProtectionError, SharedSecret};
use smki::{Certificate, Identity, KeyUsage, RemotePartyRole};

use crate::config::{
    DeviceConfig, DeviceConfigError, DeviceDateTime, MeterState, SupplyState,
    TrustAnchorCertificates,
};

/// The remote-party role a trust anchor stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AnchorRole {
    Supplier,
    NetworkOperator,
}

impl std::fmt::Display for AnchorRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Supplier => "supplier",
            Self::NetworkOperator => "network operator",
        })
    }
}

/// A remote party whose DS key a device trusts for critical commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrustedSigner {
    pub party: Eui64,
    pub digital_signature: VerifyingKey,
}

/// The keys a device holds for the remote parties it deals with.
#[derive(Debug, Clone)]
pub struct TrustAnchors {
    pub access_control_broker_key_agreement: KeyAgreementPublicKey,
    pub supplier_digital_signature: Option<TrustedSigner>,
    pub network_operator_digital_signature: Option<TrustedSigner>,
    /// KA public keys of the remote parties the device answers, by party id.
    pub remote_party_key_agreement: BTreeMap<Eui64, KeyAgreementPublicKey>,
}

impl TrustAnchors {
    /// The signer the device trusts in `role`, if it holds one.
    pub fn signer(&self, role: AnchorRole) -> Option<&TrustedSigner> {
        match role {
            AnchorRole::Supplier => self.supplier_digital_signature.as_ref(),
            AnchorRole::NetworkOperator => self.network_operator_digital_signature.as_ref(),
        }
    }
}

/// Why a device refused a command. A refused command changes nothing and is not answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeviceError {
    #[error("not a GBCS command: {0}")]
    Malformed(String),
    #[error("the message is a {0:?}, not a command")]
    NotACommand(Cra),
    #[error("the command is addressed to {recipient}, not to this device {device}")]
    WrongRecipient { recipient: Eui64, device: Eui64 },
    #[error("the command has no MAC header")]
    MacMissing,
    #[error("the command's MAC does not verify (ACB KA × device KA)")]
    MacInvalid,
    #[error("replayed command: counter {counter} from {originator} is not greater than {last_accepted}, the last one accepted")]
    Replayed {
        originator: Eui64,
        counter: u64,
        last_accepted: u64,
    },
    #[error("critical command {message_code} from {originator} carries no signature (signature field {found})")]
    SignatureMissing {
        originator: Eui64,
        message_code: MessageCode,
        found: &'static str,
    },
    #[error("critical command {message_code}: the signature does not verify against the {role} trust anchor of {originator}")]
    SignatureInvalid {
        originator: Eui64,
        role: AnchorRole,
        message_code: MessageCode,
    },
    #[error("critical command {message_code} from {originator}, which is not the device's trusted {allowed}")]
    UntrustedSigner {
        originator: Eui64,
        message_code: MessageCode,
        allowed: String,
    },
    #[error("unknown GBCS message code {0}")]
    UnknownMessageCode(MessageCode),
    #[error("{use_case} ({message_code}) is not supported by a {device_type} stub")]
    UseCaseNotSupported {
        use_case: &'static str,
        message_code: MessageCode,
        device_type: DeviceType,
    },
    #[error(
        "no key-agreement key for remote party {0}, so the response cannot be protected for it"
    )]
    UnknownRemoteParty(Eui64),
    #[error("the response could not be signed: {0}")]
    Signing(String),
    #[error("{0} is not supported by the stub")]
    NotSupported(String),
}

/// How a refusal should be reported by whoever carries the command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefusalKind {
    /// A security check failed (MAC, signature, replay, untrusted signer).
    Security,
    /// The command is well protected but the device cannot do it or cannot answer it.
    Unsupported,
    /// The bytes are not a command for this device.
    Malformed,
}

impl DeviceError {
    /// The kind of refusal: security, unsupported or malformed.
    pub fn kind(&self) -> RefusalKind {
        match self {
            Self::Malformed(_) | Self::NotACommand(_) | Self::WrongRecipient { .. } => {
                RefusalKind::Malformed
            }
            Self::MacMissing
            | Self::MacInvalid
            | Self::Replayed { .. }
            | Self::SignatureMissing { .. }
            | Self::SignatureInvalid { .. }
            | Self::UntrustedSigner { .. } => RefusalKind::Security,
            Self::UnknownMessageCode(_)
            | Self::UseCaseNotSupported { .. }
            | Self::UnknownRemoteParty(_)
            | Self::Signing(_)
            | Self::NotSupported(_) => RefusalKind::Unsupported,
        }
    }
}

/// One implemented use case and the roles allowed to sign its command when it is critical.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Implemented {
    use_case: &'static use_case::UseCase,
    signers: &'static [AnchorRole],
}

/// Every critical use case the stubs implement (ECS42, CS02b supplierBySupplier) is a supplier's.
const CRITICAL_SIGNERS: &[AnchorRole] = &[AnchorRole::Supplier];

/// The use cases a device of this type executes.
fn implemented(device_type: DeviceType, message_code: MessageCode) -> bool {
    let codes: &[MessageCode] = match device_type {
        DeviceType::ElectricitySmartMeter => &[
            ecs17b::MESSAGE_CODE,
            ecs42::MESSAGE_CODE,
            ecs52::MESSAGE_CODE,
            cs02b::MESSAGE_CODE,
        ],
        DeviceType::GasSmartMeter => &[
            gcs13a::MESSAGE_CODE,
            gcs13b::MESSAGE_CODE,
            cs02b::MESSAGE_CODE,
        ],
        // The GPF answers gas reads from its copy of the GSME's data (DUIS templates address
        // "reliable" GSME reads to the GPF).
        DeviceType::GasProxyFunction => &[gcs13a::MESSAGE_CODE, gcs13b::MESSAGE_CODE],
        DeviceType::CommunicationsHubFunction => &[ecs52::MESSAGE_CODE],
        _ => &[],
    };
    codes.contains(&message_code)
}

/// A device: its identity and keys, its trust anchors, the last counter accepted per
/// originator, and its registers.
#[derive(Debug)]
pub struct Device {
    device_id: Eui64,
    device_type: DeviceType,
    key_agreement: KeyAgreementPrivateKey,
    digital_signature: SigningKey,
    trust_anchors: TrustAnchors,
    /// The certificates the anchors were read from; CS02b replaces them.
    anchor_certificates: TrustAnchorCertificates,
    /// The supplier's prepayment top-up KA cell (CS02b may fill it; nothing reads it yet).
    supplier_prepayment_top_up_key_agreement: Option<Certificate>,
    shared_secrets: SharedSecretCache,
    last_accepted_counter: HashMap<Eui64, u64>,
    state: MeterState,
}

impl Device {
    /// Builds a device from its configuration, reading its keys and certificates.
    pub fn new(config: &DeviceConfig) -> Result<Self, DeviceConfigError> {
        let device = config.device_id;
        let key_agreement = KeyAgreementPrivateKey::from_scalar(&private_scalar(
            device,
            &config.key_agreement,
            KeyUsage::KeyAgreement,
        )?)
        .map_err(|error| bad_key(device, "the device KA private key", error))?;
        let digital_signature = SigningKey::from_scalar(&private_scalar(
            device,
            &config.digital_signature,
            KeyUsage::DigitalSignature,
        )?)
        .map_err(|error| bad_key(device, "the device DS private key", error))?;
        Ok(Self {
            device_id: device,
            device_type: config.device_type,
            key_agreement,
            digital_signature,
            trust_anchors: trust_anchors(device, &config.trust_anchors)?,
            anchor_certificates: config.trust_anchors.clone(),
            supplier_prepayment_top_up_key_agreement: None,
            shared_secrets: SharedSecretCache::new(),
            last_accepted_counter: HashMap::new(),
            state: config.state.clone(),
        })
    }

    /// Shares a cache of shared secrets with other devices (same results, fewer ECDH operations).
    pub fn with_shared_secret_cache(mut self, cache: SharedSecretCache) -> Self {
        self.shared_secrets = cache;
        self
    }

    pub fn device_id(&self) -> Eui64 {
        self.device_id
    }

    pub fn device_type(&self) -> DeviceType {
        self.device_type
    }

    /// The registers and switches as they are now.
    pub fn state(&self) -> &MeterState {
        &self.state
    }

    pub fn trust_anchors(&self) -> &TrustAnchors {
        &self.trust_anchors
    }

    /// The certificates the device's trust anchors come from (as replaced by CS02b).
    pub fn trust_anchor_certificates(&self) -> &TrustAnchorCertificates {
        &self.anchor_certificates
    }

    /// Fills the supplier's prepayment top-up KA cell (a device installed with one).
    pub fn with_supplier_prepayment_top_up_key_agreement(
        mut self,
        certificate: Certificate,
    ) -> Self {
        self.supplier_prepayment_top_up_key_agreement = Some(certificate);
        self
    }

    /// The device's KA public key (what its KA certificate holds).
    pub fn key_agreement_public_key(&self) -> &KeyAgreementPublicKey {
        self.key_agreement.public_key()
    }

    /// The device's DS public key (what its DS certificate holds).
    pub fn digital_signature_public_key(&self) -> VerifyingKey {
        self.digital_signature.verifying_key()
    }

    /// The last counter accepted from `originator`, if any.
    pub fn last_accepted_counter(&self, originator: Eui64) -> Option<u64> {
        self.last_accepted_counter.get(&originator).copied()
    }

    /// Checks, executes and answers one command.
    ///
    /// The MAC must verify (ACB KA × device KA); the counter must be greater than the last one
    /// accepted from the originator; a critical command must be signed by the trust anchor of
    /// a role allowed to send it. The answer is MAC-protected (device KA × recipient KA) with
    /// its sensitive block encrypted for a non-critical command, and signed with the device's
    /// DS key for a critical one. A refused command changes nothing and gets no answer.
    pub fn handle_command(
        &mut self,
        gbcs: &[u8],
        now: DeviceDateTime,
    ) -> Result<Vec<u8>, DeviceError> {
        let command = self.verified_command(gbcs)?;
        let header = &command.header;
        let implemented = self.implemented_use_case(header.message_code())?;
        self.check_counter(header.originator, header.transaction.counter)?;
        if implemented.use_case.critical {
            self.check_signature(&command, implemented.signers)?;
        }
        let respond_to = response_party(&command);
        let response_secret = match implemented.use_case.critical {
            true => None,
            false => Some(self.secret_with(respond_to)?),
        };
        let date_time = implemented.use_case.response_date_time.then(|| now.cosem());
        let draft = use_case::response_apdu(header, date_time, Vec::new());
        let payload = self.execute(&command, &draft, response_secret.as_ref())?;
        self.last_accepted_counter
            .insert(header.originator, header.transaction.counter);
        let response = use_case::response_apdu(header, date_time, payload);
        match response_secret {
            Some(secret) => Ok(protection::protect_response_with_mac(&response, &secret)),
            // ring on the hot path (about 10x faster than the RFC 6979 signer).
            None => protection::sign_response(&response, &self.digital_signature)
                .map_err(|error| DeviceError::Signing(error.to_string())),
        }
    }

    /// Parses the command, checks it is for this device and that its MAC verifies.
    fn verified_command(&self, gbcs: &[u8]) -> Result<GeneralSigning, DeviceError> {
        let envelope = gbcs::Envelope::parse(gbcs)
            .map_err(|error| DeviceError::Malformed(error.to_string()))?;
        let Some(apdu) = envelope.general_signing() else {
            return Err(DeviceError::Malformed(
                "General Block Transfer commands are not supported".to_owned(),
            ));
        };
        let header = &apdu.header;
        if header.transaction.cra != Cra::Command {
            return Err(DeviceError::NotACommand(header.transaction.cra));
        }
        if header.recipient != self.device_id {
            return Err(DeviceError::WrongRecipient {
                recipient: header.recipient,
                device: self.device_id,
            });
        }
        let secret = self.shared_secrets.shared_secret(
            &self.key_agreement,
            &self.trust_anchors.access_control_broker_key_agreement,
        );
        protection::verify_command(gbcs, &secret, None).map_err(|error| match error {
            ProtectionError::MacMissing => DeviceError::MacMissing,
            ProtectionError::MacInvalid => DeviceError::MacInvalid,
            other => DeviceError::Malformed(other.to_string()),
        })
    }

    fn implemented_use_case(&self, message_code: MessageCode) -> Result<Implemented, DeviceError> {
        let Some(entry) = catalogue::entry(message_code) else {
            return Err(DeviceError::UnknownMessageCode(message_code));
        };
        let not_supported = || DeviceError::UseCaseNotSupported {
            use_case: entry.use_case_id().unwrap_or(entry.name),
            message_code,
            device_type: self.device_type,
        };
        let use_case = use_case::lookup(message_code).ok_or_else(not_supported)?;
        if !implemented(self.device_type, message_code) {
            return Err(not_supported());
        }
        Ok(Implemented {
            use_case,
            signers: CRITICAL_SIGNERS,
        })
    }

    fn check_counter(&self, originator: Eui64, counter: u64) -> Result<(), DeviceError> {
        match self.last_accepted_counter.get(&originator) {
            Some(&last_accepted) if counter <= last_accepted => Err(DeviceError::Replayed {
                originator,
                counter,
                last_accepted,
            }),
            _ => Ok(()),
        }
    }

    /// The originator must be a trust anchor of an allowed role, and its signature must verify.
    fn check_signature(
        &self,
        command: &GeneralSigning,
        allowed: &[AnchorRole],
    ) -> Result<(), DeviceError> {
        let header = &command.header;
        let (originator, message_code) = (header.originator, header.message_code());
        let Some((role, signer)) = allowed.iter().find_map(|role| {
            self.trust_anchors
                .signer(*role)
                .filter(|signer| signer.party == originator)
                .map(|signer| (*role, signer))
        }) else {
            let allowed = allowed.iter().map(ToString::to_string).collect::<Vec<_>>();
            return Err(DeviceError::UntrustedSigner {
                originator,
                message_code,
                allowed: allowed.join(" or "),
            });
        };
        protection::verify_signature(command, &signer.digital_signature).map_err(
            |error| match error {
                ProtectionError::SignatureMissing(found) => DeviceError::SignatureMissing {
                    originator,
                    message_code,
                    found,
                },
                _ => DeviceError::SignatureInvalid {
                    originator,
                    role,
                    message_code,
                },
            },
        )
    }

    /// Z between the device's KA key and `party`'s.
    fn secret_with(&self, party: Eui64) -> Result<SharedSecret, DeviceError> {
        let key = self
            .trust_anchors
            .remote_party_key_agreement
            .get(&party)
            .ok_or(DeviceError::UnknownRemoteParty(party))?;
        Ok(self.shared_secrets.shared_secret(&self.key_agreement, key))
    }

    /// Runs the use case on the registers and returns the response payload. `draft` is the
    /// response APDU without payload; `secret` keys the encrypted block for its party.
    fn execute(
        &mut self,
        command: &GeneralSigning,
        draft: &GeneralSigning,
        secret: Option<&SharedSecret>,
    ) -> Result<Vec<u8>, DeviceError> {
        let header = &draft.header;
        let counter = header.transaction.counter;
        let parameters = EncryptionParameters::from_header(header);
        // Only non-critical use cases carry sensitive blocks, and they always have a secret.
        let encrypt = |plaintext: &[u8]| match secret {
            Some(z) => protection::encrypt_sensitive_block(
                z,
                parameters.device,
                parameters.party,
                parameters.counter,
                plaintext,
            ),
            None => plaintext.to_vec(),
        };
        let state = &mut self.state;
        let payload = match header.message_code() {
            ecs17b::MESSAGE_CODE => ecs17b::response_payload(
                counter,
                header.originator,
                header.recipient,
                &ecs17b::register_plaintext(state.active_import_wh, state.reactive_import_varh),
                encrypt,
            ),
            ecs42::MESSAGE_CODE => {
                state.supply = SupplyState::Enabled;
                ecs42::response_payload(counter)
            }
            gcs13a::MESSAGE_CODE => gcs13a::response_payload(
                &gcs13a::register_plaintext(
                    state.gas_current_summation_delivered,
                    state.gas_unit_of_measure,
                    state.gas_multiplier,
                    state.gas_divisor,
                ),
                encrypt,
            ),
            gcs13b::MESSAGE_CODE => gcs13b::response_payload(
                &gcs13b::block_counters_plaintext(
                    state.gas_block_counters,
                    state.gas_divisor,
                    state.gas_multiplier,
                    state.gas_unit_of_measure,
                ),
                encrypt,
            ),
            ecs52::MESSAGE_CODE => ecs52::response_payload(counter, &state.firmware_version),
            cs02b::MESSAGE_CODE => return self.update_security_credentials(command),
            message_code => {
                return Err(DeviceError::UseCaseNotSupported {
                    use_case: "this use case",
                    message_code,
                    device_type: self.device_type,
                })
            }
        };
        Ok(payload)
    }
}

/// CS02b Update Security Credentials: replacing the trust anchors a supplier owns.
impl Device {
    /// Executes a CS02b supplierBySupplier command whose MAC, counter and signature (by the
    /// current supplier anchor) have been checked: each replacement certificate must be a
    /// supplier certificate of the cell's key usage, issued by one of the certification path
    /// certificates; each cell is replaced or left as it was, and the outcome says which. A
    /// payload that cannot be read, or an update for later, is refused and changes nothing.
    fn update_security_credentials(
        &mut self,
        command: &GeneralSigning,
    ) -> Result<Vec<u8>, DeviceError> {
        let header = &command.header;
        let update = cs02b::UpdateSecurityCredentials::decode(&command.payload)
            .map_err(|error| DeviceError::Malformed(error.to_string()))?;
        check_update(header, &update)?;
        let authorities: Vec<Certificate> = update
            .certification_path_certificates
            .iter()
            .filter_map(|der| Certificate::from_der(der).ok())
            .filter(Certificate::is_ca)
            .collect();
        let mut certificates = self.anchor_certificates.clone();
        let mut top_up = self.supplier_prepayment_top_up_key_agreement.clone();
        let mut outcomes = Vec::new();
        for replacement in &update.replacements {
            let cell = replacement.target;
            let existing = supplier_cell(&certificates, top_up.as_ref(), cell);
            let replacing = acceptable_replacement(replacement, &authorities);
            let status = match (&existing, &replacing) {
                (Err(status), _) | (Ok(_), Err(status)) => *status,
                (Ok(_), Ok(certificate)) => {
                    replace_supplier_cell(&mut certificates, &mut top_up, cell, certificate);
                    cs02b::StatusCode::SUCCESS
                }
            };
            let existing = existing.ok().flatten();
            let after = match status {
                cs02b::StatusCode::SUCCESS => replacing.ok(),
                _ => existing.clone(),
            };
            outcomes.push(replacement_outcome(
                cell,
                status,
                existing.as_ref(),
                after.as_ref(),
            ));
        }
        let trust_anchors = trust_anchors(self.device_id, &certificates)
            .map_err(|error| DeviceError::Malformed(error.to_string()))?;
        self.apply_counter_floor(header.originator, &certificates, &update);
        self.trust_anchors = trust_anchors;
        self.anchor_certificates = certificates;
        self.supplier_prepayment_top_up_key_agreement = top_up;
        let seq_number_changes = update
            .new_floor_seq_number
            .map(|floor| cs02b::RemotePartySeqNumberChange {
                role: cs02b::RemotePartyRole::SUPPLIER,
                floor_seq_number: floor,
                prepayment_top_up_floor_seq_number: update.new_prepayment_top_up_floor_seq_number,
            })
            .into_iter()
            .collect();
        let outcome = cs02b::ExecutionOutcome {
            authorising_seq_number: update.authorising_seq_number,
            mode: update.mode,
            seq_number_changes,
            replacement_outcomes: outcomes,
        };
        Ok(cs02b::response_payload(Some(&outcome)))
    }

    /// When the supplier anchor now names another party, that party's commands start above
    /// the new floor; the same party keeps counting from this command's counter.
    fn apply_counter_floor(
        &mut self,
        originator: Eui64,
        certificates: &TrustAnchorCertificates,
        update: &cs02b::UpdateSecurityCredentials,
    ) {
        let new_party = certificates
            .supplier_digital_signature
            .as_ref()
            .and_then(Certificate::subject_id);
        if let (Some(party), Some(floor)) = (new_party, update.new_floor_seq_number) {
            if party != originator {
                self.last_accepted_counter.insert(party, floor);
            }
        }
    }
}

/// The command must be an immediate supplierBySupplier update authorised by the supplier's
/// DS cell, with the command's counter as its authorising seq number.
fn check_update(
    header: &GroupingHeader,
    update: &cs02b::UpdateSecurityCredentials,
) -> Result<(), DeviceError> {
    if update.mode != cs02b::CredentialsReplacementMode::SUPPLIER_BY_SUPPLIER {
        return Err(DeviceError::Malformed(format!(
            "CS02b {}: credentials replacement mode {} is not supplierBySupplier",
            header.message_code(),
            update.mode.0
        )));
    }
    let supplier_signing = cs02b::TrustAnchorCell::management(
        cs02b::RemotePartyRole::SUPPLIER,
        cs02b::CellKeyUsage::DigitalSignature,
    );
    if update
        .authorising_cell
        .is_some_and(|cell| cell != supplier_signing)
    {
        return Err(DeviceError::Malformed(
            "CS02b supplierBySupplier must be authorised by the supplier's DS cell".to_owned(),
        ));
    }
    if update.authorising_seq_number != header.transaction.counter {
        return Err(DeviceError::Malformed(format!(
            "CS02b authorising seq number {} is not the command counter {}",
            update.authorising_seq_number, header.transaction.counter
        )));
    }
    if let Some(time) = &update.execution_date_time {
        return Err(DeviceError::NotSupported(format!(
            "a future-dated CS02b (execution date-time {time})"
        )));
    }
    Ok(())
}

/// The certificate a supplier cell holds now (`Ok(None)` for an empty cell), or the status
/// of a cell a supplierBySupplier update may not touch.
fn supplier_cell(
    certificates: &TrustAnchorCertificates,
    top_up: Option<&Certificate>,
    cell: cs02b::TrustAnchorCell,
) -> Result<Option<Certificate>, cs02b::StatusCode> {
    use cs02b::{CellKeyUsage, CellUsage};
    if cell.role != cs02b::RemotePartyRole::SUPPLIER {
        return Err(cs02b::StatusCode::OTHER);
    }
    Ok(match (cell.key_usage, cell.cell_usage) {
        (CellKeyUsage::DigitalSignature, CellUsage::Management) => {
            certificates.supplier_digital_signature.clone()
        }
        (CellKeyUsage::DigitalSignature, CellUsage::PrepaymentTopUp) => {
            return Err(cs02b::StatusCode::TRUST_ANCHOR_NOT_FOUND)
        }
        (CellKeyUsage::KeyAgreement, CellUsage::Management) => {
            supplier_key_agreement(certificates).cloned()
        }
        (CellKeyUsage::KeyAgreement, CellUsage::PrepaymentTopUp) => top_up.cloned(),
    })
}

/// The supplier's KA certificate among the remote parties' (the party of the supplier DS anchor).
fn supplier_key_agreement(certificates: &TrustAnchorCertificates) -> Option<&Certificate> {
    let supplier = certificates
        .supplier_digital_signature
        .as_ref()
        .and_then(Certificate::subject_id)?;
    certificates
        .remote_party_key_agreement
        .iter()
        .find(|certificate| certificate.subject_id() == Some(supplier))
}

/// The replacement's certificate if it is a supplier certificate of the cell's key usage,
/// with a usable P-256 key, issued by one of `authorities`; else Bad Certificate.
fn acceptable_replacement(
    replacement: &cs02b::TrustAnchorReplacement,
    authorities: &[Certificate],
) -> Result<Certificate, cs02b::StatusCode> {
    let bad = cs02b::StatusCode::BAD_CERTIFICATE;
    let certificate = Certificate::from_der(&replacement.certificate).map_err(|_| bad)?;
    let usage = match replacement.target.key_usage {
        cs02b::CellKeyUsage::DigitalSignature => KeyUsage::DigitalSignature,
        cs02b::CellKeyUsage::KeyAgreement => KeyUsage::KeyAgreement,
    };
    let issued = authorities.iter().any(|authority| {
        authority.subject_der() == certificate.issuer_der()
            && smki::verify_signature(&certificate, &authority.public_key_sec1())
    });
    let key_usable = match usage {
        KeyUsage::DigitalSignature => {
            VerifyingKey::from_sec1(&certificate.public_key_sec1()).is_ok()
        }
        KeyUsage::KeyAgreement => {
            KeyAgreementPublicKey::from_sec1(&certificate.public_key_sec1()).is_ok()
        }
    };
    let fits = certificate.role() == Some(RemotePartyRole::SUPPLIER)
        && certificate.key_usage() == Some(usage)
        && certificate.subject_id().is_some();
    match fits && issued && key_usable {
        true => Ok(certificate),
        false => Err(bad),
    }
}

fn replace_supplier_cell(
    certificates: &mut TrustAnchorCertificates,
    top_up: &mut Option<Certificate>,
    cell: cs02b::TrustAnchorCell,
    certificate: &Certificate,
) {
    use cs02b::{CellKeyUsage, CellUsage};
    match (cell.key_usage, cell.cell_usage) {
        (CellKeyUsage::DigitalSignature, _) => {
            certificates.supplier_digital_signature = Some(certificate.clone());
        }
        (CellKeyUsage::KeyAgreement, CellUsage::Management) => {
            let old = supplier_key_agreement(certificates).and_then(Certificate::subject_id);
            certificates.remote_party_key_agreement.retain(|held| {
                held.subject_id() != old && held.subject_id() != certificate.subject_id()
            });
            certificates
                .remote_party_key_agreement
                .push(certificate.clone());
        }
        (CellKeyUsage::KeyAgreement, CellUsage::PrepaymentTopUp) => {
            *top_up = Some(certificate.clone());
        }
    }
}

/// One outcome row: the subject unique id (the party's 8-byte id) and subject key identifier
/// before and after, empty for an empty cell.
fn replacement_outcome(
    cell: cs02b::TrustAnchorCell,
    status: cs02b::StatusCode,
    existing: Option<&Certificate>,
    replacing: Option<&Certificate>,
) -> cs02b::ReplacementOutcome {
    let unique_id = |certificate: Option<&Certificate>| {
        certificate
            .and_then(Certificate::subject_id)
            .map(|id| id.as_bytes().to_vec())
            .unwrap_or_default()
    };
    let key_id = |certificate: Option<&Certificate>| {
        certificate
            .and_then(Certificate::subject_key_identifier)
            .unwrap_or_default()
    };
    cs02b::ReplacementOutcome {
        cell,
        status,
        existing_subject_unique_id: unique_id(existing),
        existing_subject_key_id: key_id(existing),
        replacing_subject_unique_id: unique_id(replacing),
        replacing_subject_key_id: key_id(replacing),
    }
}

/// The party a response is protected for: the supplementary remote party if present, else
/// the command's originator (the response's recipient).
fn response_party(command: &GeneralSigning) -> Eui64 {
    command
        .header
        .other_information
        .supplementary_remote_party_id
        .unwrap_or(command.header.originator)
}

fn private_scalar(
    device: Eui64,
    identity: &Identity,
    usage: KeyUsage,
) -> Result<[u8; 32], DeviceConfigError> {
    identity
        .private_scalar()
        .ok_or(DeviceConfigError::MissingPrivateKey { device, usage })
}

fn bad_key(device: Eui64, what: &str, error: impl std::fmt::Display) -> DeviceConfigError {
    DeviceConfigError::BadKey {
        device,
        what: what.to_owned(),
        reason: error.to_string(),
    }
}

fn party_id(
    device: Eui64,
    certificate: &Certificate,
    what: &str,
) -> Result<Eui64, DeviceConfigError> {
    certificate
        .subject_id()
        .ok_or_else(|| DeviceConfigError::CertificateWithoutPartyId {
            device,
            what: what.to_owned(),
        })
}

fn signer(
    device: Eui64,
    certificate: Option<&Certificate>,
    what: &str,
) -> Result<Option<TrustedSigner>, DeviceConfigError> {
    let Some(certificate) = certificate else {
        return Ok(None);
    };
    let digital_signature = VerifyingKey::from_sec1(&certificate.public_key_sec1())
        .map_err(|error| bad_key(device, what, error))?;
    Ok(Some(TrustedSigner {
        party: party_id(device, certificate, what)?,
        digital_signature,
    }))
}

fn trust_anchors(
    device: Eui64,
    certificates: &crate::config::TrustAnchorCertificates,
) -> Result<TrustAnchors, DeviceConfigError> {
    let access_control_broker_key_agreement = KeyAgreementPublicKey::from_sec1(
        &certificates
            .access_control_broker_key_agreement
            .public_key_sec1(),
    )
    .map_err(|error| bad_key(device, "the ACB KA certificate", error))?;
    let mut remote_party_key_agreement = BTreeMap::new();
    for certificate in &certificates.remote_party_key_agreement {
        let what = "a remote party KA certificate";
        let key = KeyAgreementPublicKey::from_sec1(&certificate.public_key_sec1())
            .map_err(|error| bad_key(device, what, error))?;
        remote_party_key_agreement.insert(party_id(device, certificate, what)?, key);
    }
    Ok(TrustAnchors {
        access_control_broker_key_agreement,
        supplier_digital_signature: signer(
            device,
            certificates.supplier_digital_signature.as_ref(),
            "the supplier DS certificate",
        )?,
        network_operator_digital_signature: signer(
            device,
            certificates.network_operator_digital_signature.as_ref(),
            "the network operator DS certificate",
        )?,
        remote_party_key_agreement,
    })
}
