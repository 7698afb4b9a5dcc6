//! The pure device engine: checks a GBCS command as a device must, executes it on the
//! device's registers and builds the protected response. No I/O, no clock: the date-time is given.

use std::collections::{BTreeMap, HashMap};

use dcc_model::{DeviceType, Eui64};
use gbcs::catalogue;
use gbcs::crypto::{
    KeyAgreementPrivateKey, KeyAgreementPublicKey, SharedSecretCache, SigningKey, VerifyingKey,
};
use gbcs::protection::{self, EncryptionParameters};
use gbcs::use_case::{self, ecs17b, ecs42, ecs52, gcs13a, gcs13b};
use gbcs::{Cra, GeneralSigning, MessageCode, ProtectionError, SharedSecret};
use smki::{Certificate, Identity, KeyUsage};

use crate::config::{DeviceConfig, DeviceConfigError, DeviceDateTime, MeterState, SupplyState};

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
            | Self::Signing(_) => RefusalKind::Unsupported,
        }
    }
}

/// One implemented use case and the roles allowed to sign its command when it is critical.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Implemented {
    use_case: &'static use_case::UseCase,
    signers: &'static [AnchorRole],
}

/// Every critical use case the stubs implement (ECS42) is a supplier's.
const CRITICAL_SIGNERS: &[AnchorRole] = &[AnchorRole::Supplier];

/// The use cases a device of this type executes.
fn implemented(device_type: DeviceType, message_code: MessageCode) -> bool {
    let codes: &[MessageCode] = match device_type {
        DeviceType::ElectricitySmartMeter => &[
            ecs17b::MESSAGE_CODE,
            ecs42::MESSAGE_CODE,
            ecs52::MESSAGE_CODE,
        ],
        // The GPF answers gas reads from its copy of the GSME's data (DUIS templates address
        // "reliable" GSME reads to the GPF).
        DeviceType::GasSmartMeter | DeviceType::GasProxyFunction => {
            &[gcs13a::MESSAGE_CODE, gcs13b::MESSAGE_CODE]
        }
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
        let payload = self.execute(&draft, response_secret.as_ref())?;
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
