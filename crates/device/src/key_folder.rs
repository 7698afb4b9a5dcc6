//! A device made from a user's key folder (the RTDS key store, dccsim's `certs/`): its own keys
//! and the trust anchors it holds, read from `<id>-ds.pem`, `<id>-ka.pem` (certificates or bare
//! public keys), `<id>-ds.key`, `<id>-ka.key` (PKCS#8 private keys) and `<id>-pp-ka.pem`,
//! `<id>-pp-ka.key` (a supplier's prepayment top-up KA certificate and key). Files are given as (name, bytes): no I/O here.
//!
//! - The device's KA key: its `<id>-ka.key`, else (a reference device whose private key is not
//!   published) its `<id>-ka.pem` with Z computed from the remote parties' private keys.
//! - Its DS key: its `<id>-ds.key`, else the [`stand_in_signing_key`] of its id.
//! - Its anchors: every organisation certificate in the cell of its role (`OU`) and key usage;
//!   where several parties share a role, the command's originator or supplementary remote
//!   party takes the cell, else the lowest id. Every KA key is a remote party it may answer.

use std::collections::BTreeMap;

use dcc_model::{DeviceType, Eui64};
use gbcs::crypto::{KeyAgreementPrivateKey, KeyAgreementPublicKey, SigningKey, VerifyingKey};
use gbcs::decode::{classify_key_file, KeyFileKind};
use gbcs::use_case::cs02b::{CellKeyUsage, RemotePartyRole as CellRole};
use smki::Certificate;

use crate::anchors::{management_cell, TrustAnchor, TrustAnchors, SUPPLIER_PREPAYMENT_TOP_UP};
use crate::engine::Device;
use crate::keys::{stand_in_signing_key, DeviceKeyAgreement, DeviceKeys};
use crate::state::DeviceState;

/// Why a key folder cannot make a device.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyFolderError {
    #[error("{file}: {reason}")]
    BadFile { file: String, reason: String },
    #[error("no key-agreement key for device {0} in the key folder (<id>-ka.key or <id>-ka.pem)")]
    NoDeviceKeyAgreement(Eui64),
}

/// What the folder holds for one party.
#[derive(Debug, Clone, Default)]
struct PartyKeys {
    key_agreement_private: Option<KeyAgreementPrivateKey>,
    key_agreement_public: Option<KeyAgreementPublicKey>,
    key_agreement_certificate: Option<Certificate>,
    signing_private_pkcs8: Option<Vec<u8>>,
    signing_public: Option<VerifyingKey>,
    signing_certificate: Option<Certificate>,
    prepayment_certificate: Option<Certificate>,
    prepayment_private: Option<KeyAgreementPrivateKey>,
}

/// The keys of a folder, by party.
#[derive(Debug, Clone, Default)]
pub struct KeyFolder {
    parties: BTreeMap<Eui64, PartyKeys>,
}

/// A device made from a key folder, and what it had to make up.
#[derive(Debug)]
pub struct FolderDevice {
    pub device: Device,
    /// The device signs with [`stand_in_signing_key`]: the folder has no `<id>-ds.key`.
    pub stand_in_signing_key: bool,
    /// Z comes from the remote parties' private keys: the folder has no `<id>-ka.key`.
    pub key_agreement_from_remote_parties: bool,
}

impl KeyFolder {
    /// Reads the key files among `files`; other names are skipped.
    pub fn from_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    ) -> Result<Self, KeyFolderError> {
        let mut folder = Self::default();
        for (name, bytes) in files {
            folder.add_file(name, bytes)?;
        }
        Ok(folder)
    }

    fn add_file(&mut self, name: &str, bytes: &[u8]) -> Result<(), KeyFolderError> {
        let bad = |reason: String| KeyFolderError::BadFile {
            file: name.to_owned(),
            reason,
        };
        if let Some(stem) = name.to_ascii_lowercase().strip_suffix("-pp-ka.key") {
            let Ok(id) = stem.parse::<Eui64>() else {
                return Ok(());
            };
            let private = KeyAgreementPrivateKey::from_pkcs8(bytes)
                .map_err(|error| bad(error.to_string()))?;
            self.parties.entry(id).or_default().prepayment_private = Some(private);
            return Ok(());
        }
        if let Some(stem) = name.to_ascii_lowercase().strip_suffix("-pp-ka.pem") {
            let Ok(id) = stem.parse::<Eui64>() else {
                return Ok(());
            };
            let certificate =
                Certificate::from_der_or_pem(bytes).map_err(|error| bad(error.to_string()))?;
            self.parties.entry(id).or_default().prepayment_certificate = Some(certificate);
            return Ok(());
        }
        let Some((id, kind)) = classify_key_file(name) else {
            return Ok(());
        };
        let party = self.parties.entry(id).or_default();
        let certificate = Certificate::from_der_or_pem(bytes).ok();
        match kind {
            KeyFileKind::KeyAgreementPublic => {
                party.key_agreement_public = Some(
                    KeyAgreementPublicKey::from_any(bytes)
                        .map_err(|error| bad(error.to_string()))?,
                );
                party.key_agreement_certificate = certificate;
            }
            KeyFileKind::KeyAgreementPrivate => {
                party.key_agreement_private = Some(
                    KeyAgreementPrivateKey::from_pkcs8(bytes)
                        .map_err(|error| bad(error.to_string()))?,
                );
            }
            KeyFileKind::SigningPublic => {
                party.signing_public =
                    Some(VerifyingKey::from_any(bytes).map_err(|error| bad(error.to_string()))?);
                party.signing_certificate = certificate;
            }
            KeyFileKind::SigningPrivate => {
                SigningKey::from_pkcs8(bytes).map_err(|error| bad(error.to_string()))?;
                party.signing_private_pkcs8 = Some(bytes.to_vec());
            }
        }
        Ok(())
    }

    /// The parties with at least one key, in id order.
    pub fn parties(&self) -> impl Iterator<Item = Eui64> + '_ {
        self.parties.keys().copied()
    }

    /// Device `id` of `device_type` in `state`, holding the folder's organisations as anchors;
    /// `preferred` parties (the command's originator and supplementary remote party) take the
    /// cell of their role before others of the same role.
    pub fn device(
        &self,
        id: Eui64,
        device_type: DeviceType,
        state: DeviceState,
        preferred: &[Eui64],
    ) -> Result<FolderDevice, KeyFolderError> {
        let own = self.parties.get(&id).cloned().unwrap_or_default();
        let (key_agreement, from_remote_parties) =
            match (own.key_agreement_private, own.key_agreement_public) {
                (Some(private), _) => (DeviceKeyAgreement::PrivateKey(private), false),
                (None, Some(public)) => (
                    DeviceKeyAgreement::FromRemoteParties {
                        public,
                        remote_private: self
                            .parties
                            .iter()
                            .filter(|(party, _)| **party != id)
                            .filter_map(|(party, keys)| {
                                keys.key_agreement_private
                                    .clone()
                                    .map(|private| (*party, private))
                            })
                            .collect(),
                        prepayment_private: self
                            .parties
                            .iter()
                            .filter_map(|(party, keys)| {
                                keys.prepayment_private
                                    .clone()
                                    .map(|private| (*party, private))
                            })
                            .collect(),
                    },
                    true,
                ),
                (None, None) => return Err(KeyFolderError::NoDeviceKeyAgreement(id)),
            };
        let own_signing = own
            .signing_private_pkcs8
            .as_deref()
            .and_then(|pkcs8| SigningKey::from_pkcs8(pkcs8).ok());
        let stand_in = own_signing.is_none();
        let digital_signature = own_signing.unwrap_or_else(|| stand_in_signing_key(id));
        let keys = DeviceKeys {
            key_agreement,
            digital_signature,
            certified_signing_public: own.signing_public.filter(|_| stand_in),
            digital_signature_certificate: own.signing_certificate,
            key_agreement_certificate: own.key_agreement_certificate,
        };
        let anchors = self.anchors(id, preferred);
        Ok(FolderDevice {
            device: Device::with_keys(id, device_type, keys, anchors, state),
            stand_in_signing_key: stand_in,
            key_agreement_from_remote_parties: from_remote_parties,
        })
    }

    /// The organisations' certificates in the cells of their roles, every KA key as a remote
    /// party.
    fn anchors(&self, device: Eui64, preferred: &[Eui64]) -> TrustAnchors {
        let mut order: Vec<Eui64> = self
            .parties
            .keys()
            .copied()
            .filter(|id| *id != device)
            .collect();
        // Later parties overwrite earlier ones in a cell: the preferred go last.
        order.sort_by_key(|id| (preferred.contains(id), std::cmp::Reverse(*id)));
        let mut anchors = TrustAnchors::new();
        for id in order {
            let keys = &self.parties[&id];
            if let Some(public) = &keys.key_agreement_public {
                anchors.add_remote_party(id, public.clone());
            }
            let held = [
                (
                    keys.signing_certificate.as_ref(),
                    CellKeyUsage::DigitalSignature,
                ),
                (
                    keys.key_agreement_certificate.as_ref(),
                    CellKeyUsage::KeyAgreement,
                ),
            ];
            for (certificate, usage) in held {
                let Some(certificate) = certificate else {
                    continue;
                };
                let Some(role) = certificate.role().filter(|role| role.0 <= 8) else {
                    continue;
                };
                let cell = management_cell(CellRole(role.0), usage);
                if let Ok(anchor) = TrustAnchor::from_certificate(cell, certificate) {
                    anchors.set(cell, anchor);
                }
            }
            if let Some(certificate) = &keys.prepayment_certificate {
                if let Ok(anchor) =
                    TrustAnchor::from_certificate(SUPPLIER_PREPAYMENT_TOP_UP, certificate)
                {
                    anchors.set(SUPPLIER_PREPAYMENT_TOP_UP, anchor);
                }
            }
        }
        anchors
    }
}
