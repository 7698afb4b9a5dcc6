//! The device: checks a GBCS command as the addressed device must, executes it on its object
//! store and typed state, and builds the protected response. No I/O, no clock: the date-time
//! is given with each command.

use std::collections::HashMap;

use dcc_model::{DeviceType, Eui64};
use gbcs::catalogue::{self, MessageCodeEntry, Protection};
use gbcs::crypto::{KeyAgreementPrivateKey, KeyAgreementPublicKey, SigningKey, VerifyingKey};
use gbcs::protection::{self, EncryptionParameters};
use gbcs::use_case;
use gbcs::{
    Cra, Envelope, GeneralSigning, GroupingHeader, ProtectionError, SharedSecret,
    SharedSecretCache, SignatureField,
};
use smki::{Identity, KeyUsage};

use crate::anchors::{role_name, signer_role, TrustAnchor, TrustAnchors};
use crate::config::{DeviceConfig, DeviceConfigError};
use crate::date_time::DeviceDateTime;
use crate::error::DeviceError;
use crate::keys::{DeviceKeyAgreement, DeviceKeys};
use crate::state::DeviceState;
use crate::store::ObjectStore;

/// A command being executed: the verified APDU, its catalogue entry, the date-time the device
/// was told, and the response's grouping header (without payload) — what encrypted blocks are
/// keyed by.
#[derive(Debug)]
pub(crate) struct Command<'a> {
    pub apdu: &'a GeneralSigning,
    pub entry: &'static MessageCodeEntry,
    /// The device's own time: its host's plus the drift of its clock.
    pub now: DeviceDateTime,
    /// The time its host (the Comms Hub, the network) told it, which a clock synchronisation takes.
    pub host_now: DeviceDateTime,
    pub response_header: &'a GroupingHeader,
    /// The KA key of an unknown remote party, from the certificate the command carries.
    pub remote_party_key: Option<KeyAgreementPublicKey>,
}

impl Command<'_> {
    pub fn payload(&self) -> &[u8] {
        &self.apdu.payload
    }
}

/// A device: its identity and keys, its trust anchors, the last counter accepted per
/// originator, its object store and its typed state.
#[derive(Debug)]
pub struct Device {
    device_id: Eui64,
    device_type: DeviceType,
    /// When mains power was cut, while it is off ([`Device::act`]).
    pub(crate) power_outage: Option<DeviceDateTime>,
    pub(crate) keys: DeviceKeys,
    pub(crate) anchors: TrustAnchors,
    pub(crate) shared_secrets: SharedSecretCache,
    pub(crate) last_accepted_counter: HashMap<Eui64, u64>,
    pub(crate) state: DeviceState,
    pub(crate) store: ObjectStore,
    /// A key made for CS02c, waiting for its certificate (CS02d): its usage and scalar.
    pub(crate) pending_key: Option<(KeyUsage, [u8; 32])>,
    /// Future-dated instructions accepted and not yet executed ([`crate::future_dated`]):
    /// tariff, payment mode and prepayment settings, credentials updates, firmware
    /// activations; in the order given.
    pub(crate) pending_instructions: Vec<crate::future_dated::PendingInstruction>,
    /// Until when (UTC seconds since 2000, the device's clock) the device has pushed its
    /// billing data logs ([`crate::billing_push`]); `None` until its host first tells it the
    /// time.
    pub(crate) billing_observed_until: Option<u32>,
    /// The next billing date after [`Device::billing_observed_until`], as last worked out
    /// (`None`: to work out again; `Some(None)`: there is none).
    pub(crate) next_billing_date: Option<Option<u32>>,
    alerts: Vec<Vec<u8>>,
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
        let keys = DeviceKeys::new(
            DeviceKeyAgreement::PrivateKey(key_agreement),
            digital_signature,
        )
        .with_certificates(
            Some(config.digital_signature.certificate.clone()),
            Some(config.key_agreement.certificate.clone()),
        );
        let anchors = anchors_of(device, &config.trust_anchors)?;
        Ok(Self::with_keys(
            device,
            config.device_type,
            keys,
            anchors,
            config.state.clone(),
        ))
    }

    /// A device from keys and anchors already read (e.g. from a user's key folder).
    pub fn with_keys(
        device_id: Eui64,
        device_type: DeviceType,
        keys: DeviceKeys,
        anchors: TrustAnchors,
        state: DeviceState,
    ) -> Self {
        let store = crate::objects::initial_store(device_type, &state);
        let mut anchors = anchors;
        for role in &state.roles_without_trust_anchor {
            anchors.clear_role(gbcs::use_case::cs02b::RemotePartyRole(*role));
        }
        Self {
            device_id,
            device_type,
            power_outage: None,
            keys,
            anchors,
            shared_secrets: SharedSecretCache::new(),
            last_accepted_counter: HashMap::new(),
            state,
            store,
            pending_key: None,
            pending_instructions: Vec::new(),
            billing_observed_until: None,
            next_billing_date: None,
            alerts: Vec::new(),
        }
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

    /// The typed state as it is now.
    pub fn state(&self) -> &DeviceState {
        &self.state
    }

    /// The object store as it is now.
    pub fn store(&self) -> &ObjectStore {
        &self.store
    }

    pub fn trust_anchors(&self) -> &TrustAnchors {
        &self.anchors
    }

    /// The device's KA public key (what its KA certificate holds).
    pub fn key_agreement_public_key(&self) -> &KeyAgreementPublicKey {
        self.keys.key_agreement.public_key()
    }

    /// The device's DS public key (what its DS certificate holds).
    pub fn digital_signature_public_key(&self) -> VerifyingKey {
        self.keys.signing_public()
    }

    /// The certificate the device holds for its key of `usage` (what CS02e provides).
    pub fn certificate(&self, usage: KeyUsage) -> Option<&smki::Certificate> {
        self.keys.certificate(usage)
    }

    /// The future-dated firmware activation (CS06) the device is waiting to run, if any.
    pub fn pending_firmware_activation(&self) -> Option<&gbcs::firmware::ActivateFirmware> {
        self.pending_instructions
            .iter()
            .find_map(|pending| match &pending.instruction {
                crate::future_dated::Instruction::FirmwareActivation { activation, .. } => {
                    Some(activation.as_ref())
                }
                _ => None,
            })
    }

    /// The last counter accepted from `originator`, if any.
    pub fn last_accepted_counter(&self, originator: Eui64) -> Option<u64> {
        self.last_accepted_counter.get(&originator).copied()
    }

    /// The alerts the device has raised since last asked, protected and ready to send, oldest
    /// first.
    pub fn take_alerts(&mut self) -> Vec<Vec<u8>> {
        std::mem::take(&mut self.alerts)
    }

    /// Checks, executes and answers one command.
    ///
    /// The MAC must verify (ACB KA × device KA); the counter must be greater than the last one
    /// accepted from the originator; a critical command must be signed by the party holding
    /// the digital-signature trust anchor of a role the catalogue allows to sign it. The
    /// answer is MAC-protected (device KA × recipient KA), its sensitive blocks encrypted for
    /// the requester, or signed with the device's DS key when the catalogue says the response
    /// is signed. A refused command changes nothing and gets no answer.
    ///
    /// First the device catches up ([`Device::catch_up`]): the future-dated instructions due
    /// by `now` are done before the command sees the device.
    pub fn handle_command(
        &mut self,
        gbcs: &[u8],
        now: DeviceDateTime,
    ) -> Result<Vec<u8>, DeviceError> {
        self.catch_up(now);
        let host_now = now;
        let now = self.local_time(host_now);
        let command = self.verified_command(gbcs)?;
        let header = &command.header;
        let entry = self.use_case(header)?;
        self.check_counter(header.originator, header.transaction.counter)?;
        let signed_command = is_signed_command(entry.protection, &command);
        if signed_command {
            self.check_signature(&command, entry)?;
        }
        let date_time =
            catalogue::response_carries_date_time(header.message_code()).then(|| now.cosem());
        let mut draft = use_case::response_apdu(header, date_time, Vec::new());
        let remote_party_key = unknown_remote_party_key(header)?;
        let own_counter = self.state.originator_counter.saturating_add(1);
        let counts_own = remote_party_key.is_some() && entry.response_carries_originator_counter();
        if counts_own {
            // A response to an unknown remote party of these use cases is encrypted under the
            // device's own counter, which the response carries.
            draft
                .header
                .other_information
                .supplementary_originator_counter = Some(own_counter);
        }
        let signed_response = match entry.protection {
            Protection::MacOrSignedCommandAndResponse => signed_command,
            protection => protection.response_is_signed(),
        };
        let mac_secret = match signed_response {
            true => None,
            false => Some(self.secret_with(draft.header.recipient)?),
        };
        let executing = Command {
            apdu: &command,
            entry,
            now,
            host_now,
            response_header: &draft.header,
            remote_party_key,
        };
        let payload = crate::handlers::execute(self, &executing)?;
        if crate::billing_push::sets_billing_dates(header.message_code()) {
            self.forget_next_billing_date();
        }
        self.last_accepted_counter
            .insert(header.originator, header.transaction.counter);
        if counts_own {
            self.state.originator_counter = own_counter;
        }
        let response = GeneralSigning { payload, ..draft };
        match mac_secret {
            Some(secret) => Ok(protection::protect_response_with_mac(&response, &secret)),
            // ring on the hot path (about 10x faster than the RFC 6979 signer).
            None => protection::sign_response(&response, &self.keys.digital_signature)
                .map_err(|error| DeviceError::Signing(error.to_string())),
        }
    }

    /// The device's own time when its host's (the Comms Hub's, the network's) is `host`: the
    /// host's plus the drift of the device's clock ([`DeviceState::clock_offset_seconds`]).
    pub fn local_time(&self, host: DeviceDateTime) -> DeviceDateTime {
        match self.state.clock_offset_seconds {
            // A clock in step with its hub's (nearly always): no calendar arithmetic per command.
            0 => host,
            drift => host.shifted(drift),
        }
    }

    /// Parses the command, checks it is a command for this device and that its MAC verifies
    /// (a recovery command travels signed without a MAC header; its signature is checked later).
    fn verified_command(&self, gbcs: &[u8]) -> Result<GeneralSigning, DeviceError> {
        let envelope =
            Envelope::parse(gbcs).map_err(|error| DeviceError::Malformed(error.to_string()))?;
        let (apdu, mac_protected) = match &envelope {
            Envelope::Mac { apdu, .. } => (apdu, true),
            Envelope::Bare(apdu) => (apdu, false),
            Envelope::BlockTransfer(_) => {
                return Err(DeviceError::Malformed(
                    "a General Block Transfer message: reassemble its blocks first".to_owned(),
                ))
            }
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
        if !mac_protected {
            // Recovery commands travel signed only; commands that may be MACed or signed
            // (CS02a, CS02f) may come signed without a MAC header.
            let signed_only = catalogue::entry(header.message_code()).is_some_and(|entry| {
                matches!(
                    entry.protection,
                    Protection::SignedOnlyCommandSignedResponse
                        | Protection::MacOrSignedCommandAndResponse
                ) && matches!(apdu.signature, SignatureField::Present(_))
            });
            return match signed_only {
                true => Ok(apdu.clone()),
                false => Err(DeviceError::MacMissing),
            };
        }
        let z = self.secret_with(dcc_model::DCC_ACCESS_CONTROL_BROKER)?;
        protection::verify_command(gbcs, &z, None).map_err(|error| match error {
            ProtectionError::MacMissing => DeviceError::MacMissing,
            ProtectionError::MacInvalid => DeviceError::MacInvalid,
            other => DeviceError::Malformed(other.to_string()),
        })
    }

    /// The catalogue entry of the command's message code, if it is a use case of this device.
    fn use_case(&self, header: &GroupingHeader) -> Result<&'static MessageCodeEntry, DeviceError> {
        let message_code = header.message_code();
        let entry =
            catalogue::entry(message_code).ok_or(DeviceError::UnknownMessageCode(message_code))?;
        if !entry.applies_to(self.device_type) {
            return Err(DeviceError::UseCaseNotSupported {
                use_case: entry.use_case_id().unwrap_or(entry.name),
                message_code,
                device_type: self.device_type,
            });
        }
        Ok(entry)
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

    /// The originator must hold the digital-signature anchor of a role the catalogue allows to
    /// sign the command, and its signature must verify.
    fn check_signature(
        &self,
        command: &GeneralSigning,
        entry: &'static MessageCodeEntry,
    ) -> Result<(), DeviceError> {
        let header = &command.header;
        let (originator, message_code) = (header.originator, header.message_code());
        let Some((role, key)) = entry.signers.iter().find_map(|signer| {
            let role = signer_role(*signer);
            self.anchors
                .signing_key(role, originator)
                .map(|key| (role, key))
        }) else {
            let allowed: Vec<&str> = entry
                .signers
                .iter()
                .map(|signer| role_name(signer_role(*signer)))
                .collect();
            return Err(DeviceError::UntrustedSigner {
                originator,
                message_code,
                allowed: match allowed.is_empty() {
                    true => "signer (the catalogue names none)".to_owned(),
                    false => allowed.join(" or "),
                },
            });
        };
        protection::verify_signature(command, key).map_err(|error| match error {
            ProtectionError::SignatureMissing(found) => DeviceError::SignatureMissing {
                originator,
                message_code,
                found,
            },
            _ => DeviceError::SignatureInvalid {
                originator,
                role: role_name(role),
                message_code,
            },
        })
    }

    /// Z between the device's KA key and `party`'s.
    pub(crate) fn secret_with(&self, party: Eui64) -> Result<SharedSecret, DeviceError> {
        self.keys
            .key_agreement
            .shared_secret(
                &self.shared_secrets,
                party,
                self.anchors.key_agreement(party),
            )
            .ok_or(DeviceError::UnknownRemoteParty(party))
    }

    /// Encrypts sensitive data of a response for its party (GBCS `31 00000000 ‖ ct ‖ tag`):
    /// device KA × (supplementary remote party, else recipient) KA, keyed by the response's
    /// grouping header; an unknown remote party's key is the one its certificate gave.
    pub(crate) fn encrypt_for(
        &self,
        command: &Command<'_>,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, DeviceError> {
        let parameters = EncryptionParameters::from_header(command.response_header);
        let peer = command
            .remote_party_key
            .as_ref()
            .or_else(|| self.anchors.key_agreement(parameters.party));
        self.encrypt_under(parameters, peer, plaintext)
    }

    /// Encrypts `plaintext` under `parameters` for their party, whose KA key is `peer`.
    pub(crate) fn encrypt_under(
        &self,
        parameters: EncryptionParameters,
        peer: Option<&KeyAgreementPublicKey>,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, DeviceError> {
        let z = self
            .keys
            .key_agreement
            .shared_secret(&self.shared_secrets, parameters.party, peer)
            .ok_or(DeviceError::UnknownRemoteParty(parameters.party))?;
        Ok(protection::encrypt_sensitive_block(
            &z,
            parameters.device,
            parameters.party,
            parameters.counter,
            plaintext,
        ))
    }

    /// Replaces what a trust anchor cell holds (credentials updates).
    pub(crate) fn set_anchor(
        &mut self,
        cell: gbcs::use_case::cs02b::TrustAnchorCell,
        anchor: TrustAnchor,
    ) {
        self.anchors.set(cell, anchor);
    }

    /// Starts using the key of `scalar` for `usage`, and holding `certificate` for it, when
    /// `certificate` holds its public key; returns whether it did.
    pub(crate) fn install_key(
        &mut self,
        usage: KeyUsage,
        scalar: &[u8; 32],
        certificate: &smki::Certificate,
    ) -> bool {
        let sec1 = certificate.public_key_sec1();
        let installed = match usage {
            KeyUsage::DigitalSignature => match SigningKey::from_scalar(scalar) {
                Ok(key) if key.verifying_key().sec1_uncompressed() == sec1 => {
                    self.keys.digital_signature = key;
                    true
                }
                _ => false,
            },
            KeyUsage::KeyAgreement => match KeyAgreementPrivateKey::from_scalar(scalar) {
                Ok(key) if key.public_key().sec1_uncompressed() == sec1 => {
                    self.keys.key_agreement = DeviceKeyAgreement::PrivateKey(key);
                    true
                }
                _ => false,
            },
        };
        if installed {
            self.keys.hold_certificate(usage, certificate.clone());
        }
        installed
    }

    /// Queues a protected alert for the host to send.
    #[allow(dead_code)]
    pub(crate) fn raise_alert(&mut self, alert: Vec<u8>) {
        self.alerts.push(alert);
    }
}

/// The KA key in the certificate a command to an unknown remote party carries, if any.
fn unknown_remote_party_key(
    header: &GroupingHeader,
) -> Result<Option<KeyAgreementPublicKey>, DeviceError> {
    let Some(der) = &header.other_information.remote_party_certificate else {
        return Ok(None);
    };
    let certificate = smki::Certificate::from_der(der).map_err(|error| {
        DeviceError::Malformed(format!("the remote party's KA certificate: {error}"))
    })?;
    KeyAgreementPublicKey::from_sec1(&certificate.public_key_sec1())
        .map(Some)
        .map_err(|error| DeviceError::Malformed(format!("the remote party's KA key: {error}")))
}

/// Whether the command carries its originator's signature and must have it checked.
fn is_signed_command(protection: Protection, command: &GeneralSigning) -> bool {
    match protection {
        Protection::MacOrSignedCommandAndResponse => {
            matches!(command.signature, SignatureField::Present(_))
        }
        protection => protection.command_is_signed(),
    }
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

/// The anchors of a device's certificates.
pub(crate) fn anchors_of(
    device: Eui64,
    certificates: &crate::config::TrustAnchorCertificates,
) -> Result<TrustAnchors, DeviceConfigError> {
    let mut anchors = TrustAnchors::new();
    for (cell, certificate) in &certificates.cells {
        let anchor = TrustAnchor::from_certificate(*cell, certificate)
            .map_err(|error| DeviceConfigError::Anchor { device, error })?;
        anchors.set(*cell, anchor);
    }
    for certificate in &certificates.remote_party_key_agreement {
        let what = "a remote party KA certificate";
        let key = KeyAgreementPublicKey::from_sec1(&certificate.public_key_sec1())
            .map_err(|error| bad_key(device, what, error))?;
        let party = certificate.subject_id().ok_or_else(|| {
            DeviceConfigError::CertificateWithoutPartyId {
                device,
                what: what.to_owned(),
            }
        })?;
        anchors.add_remote_party(party, key);
    }
    Ok(anchors)
}
