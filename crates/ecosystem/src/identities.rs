//! The identities every party uses, made the same way in every process: dccsim's own test
//! PKI from the seed (so each process of `up --processes` derives identical keys), with DCC
//! Boxed's organisation identities laid over it when a `keystore.json` is given.

use std::sync::Arc;

use dcc_model::Eui64;
use smki::{CertificateStore, Identity, KeyUsage, RemotePartyRole, TestPki};

use crate::config::EcosystemConfig;

/// The last generation of an organisation's certificate [`Identities::private_key_of`] looks
/// for a key in.
pub const LATER_GENERATIONS: u32 = 3;

#[derive(Debug, Clone)]
pub struct Identities {
    pub pki: Arc<TestPki>,
    /// DCC Boxed's identities, when its key store is used.
    pub dccboxed: Vec<Identity>,
    /// How many generated premises the ecosystem has: their devices' identities are made
    /// from the seed when asked for ([`Self::device`]), not kept.
    pub fleet: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("cannot make the test PKI: {0}")]
    Pki(String),
    #[error("cannot read the DCC Boxed key store {path}: {message}")]
    Keystore { path: String, message: String },
    #[error("no {what} identity with a private key for {id}")]
    Missing { what: &'static str, id: Eui64 },
}

impl Identities {
    pub fn build(config: &EcosystemConfig) -> Result<Self, IdentityError> {
        let pki = TestPki::default_with_devices(config.seed, &config.devices())
            .map_err(|error| IdentityError::Pki(error.to_string()))?;
        let dccboxed = match &config.dccboxed_keystore {
            None => Vec::new(),
            Some(path) => {
                let keystore_error = |message: String| IdentityError::Keystore {
                    path: path.display().to_string(),
                    message,
                };
                let text = std::fs::read_to_string(path)
                    .map_err(|error| keystore_error(error.to_string()))?;
                smki::load_dccboxed_keystore(&text)
                    .map_err(|error| keystore_error(error.to_string()))?
            }
        };
        Ok(Self {
            pki: Arc::new(pki),
            dccboxed,
            fleet: config.fleet,
        })
    }

    /// An organisation's identity with its private key: DCC Boxed's when loaded (its `Z1`
    /// generation first), else the test PKI's.
    pub fn organisation(
        &self,
        id: Eui64,
        usage: KeyUsage,
        role: Option<RemotePartyRole>,
    ) -> Result<&Identity, IdentityError> {
        let matches = |identity: &&Identity| {
            let certificate = &identity.certificate;
            identity.private_key_pkcs8_der.is_some()
                && certificate.subject_id() == Some(id)
                && certificate.key_usage() == Some(usage)
                && match role {
                    Some(role) => certificate.role() == Some(role),
                    None => !certificate.role().is_some_and(|role| role.is_xml_signing()),
                }
        };
        let from_dccboxed = {
            let mut candidates: Vec<&Identity> = self.dccboxed.iter().filter(matches).collect();
            // Prefer the Z1 generation over Z1b (and the plain prepayment-free keys).
            candidates.sort_by_key(|identity| {
                (
                    identity.name.contains("Z1b"),
                    identity.name.contains("PP"),
                    identity.name.clone(),
                )
            });
            candidates.first().copied()
        };
        if let Some(identity) = from_dccboxed {
            return Ok(identity);
        }
        self.pki
            .identity(id, usage, role)
            .filter(|identity| identity.private_key_pkcs8_der.is_some())
            .ok_or(IdentityError::Missing {
                what: usage.code(),
                id,
            })
    }

    /// Generation `generation` of organisation `id`'s certificate for `usage` (generation 1 is
    /// the one [`Self::organisation`] gives from the test PKI): a new key from the seed, issued
    /// by the test PKI's organisation CA (`TestPki::issue_organisation_generation`). What the
    /// organisation replaces its trust anchors on a device with (6.15.1).
    pub fn organisation_generation(
        &self,
        id: Eui64,
        usage: KeyUsage,
        generation: u32,
    ) -> Result<Identity, IdentityError> {
        let missing = || IdentityError::Missing {
            what: usage.code(),
            id,
        };
        let organisation = smki::default_organisations()
            .into_iter()
            .find(|organisation| {
                organisation.id == id
                    && !organisation.role.is_xml_signing()
                    && organisation.usages.contains(&usage)
            })
            .ok_or_else(missing)?;
        self.pki
            .issue_organisation_generation(&organisation, usage, generation)
            .map_err(|error| IdentityError::Pki(error.to_string()))
    }

    /// The private key (PKCS#8 DER) of an organisation's `certificate`, when these identities
    /// hold it: an identity of DCC Boxed's key store or of the test PKI with its public key, or
    /// one of the later generations of its subject's certificate
    /// ([`Self::organisation_generation`], up to [`LATER_GENERATIONS`]).
    pub fn private_key_of(&self, certificate: &smki::Certificate) -> Option<Vec<u8>> {
        let public_key = certificate.public_key_sec1();
        let held = |identity: &Identity| {
            (identity.certificate.public_key_sec1() == public_key)
                .then(|| identity.private_key_pkcs8_der.clone())
                .flatten()
        };
        if let Some(found) = self
            .dccboxed
            .iter()
            .chain(self.pki.identities())
            .find_map(held)
        {
            return Some(found);
        }
        let (id, usage) = (certificate.subject_id()?, certificate.key_usage()?);
        (2..=LATER_GENERATIONS).find_map(|generation| {
            self.organisation_generation(id, usage, generation)
                .ok()
                .as_ref()
                .and_then(held)
        })
    }

    /// The key `supplier` makes its UTRNs with (GBCS section 14), which its devices hold in
    /// their prepayment top-up cell: DCC Boxed's `…PP-ka` identity when its key store is
    /// loaded, else (a test PKI makes no separate prepayment key) the supplier's KA identity.
    pub fn prepayment_top_up(&self, supplier: Eui64) -> Result<&Identity, IdentityError> {
        let mut candidates: Vec<&Identity> = self
            .dccboxed
            .iter()
            .filter(|identity| {
                identity.private_key_pkcs8_der.is_some()
                    && identity.name.contains("PP")
                    && identity.certificate.subject_id() == Some(supplier)
                    && identity.certificate.key_usage() == Some(KeyUsage::KeyAgreement)
            })
            .collect();
        candidates.sort_by_key(|identity| (identity.name.contains("Z1b"), identity.name.clone()));
        if let Some(identity) = candidates.first() {
            return Ok(identity);
        }
        self.organisation(
            supplier,
            KeyUsage::KeyAgreement,
            Some(RemotePartyRole::SUPPLIER),
        )
    }

    /// The shared secret a UTRN from `supplier` to `device` is keyed by: the supplier's
    /// prepayment top-up private key ([`Self::prepayment_top_up`]) × the device's KA key.
    pub fn prepayment_shared_secret(
        &self,
        supplier: Eui64,
        device: Eui64,
    ) -> Result<gbcs::SharedSecret, String> {
        use gbcs::crypto::{KeyAgreementPrivateKey, KeyAgreementPublicKey};
        let prepayment = self
            .prepayment_top_up(supplier)
            .map_err(|error| error.to_string())?;
        let private = prepayment
            .private_key_pkcs8_der
            .as_deref()
            .ok_or_else(|| format!("no private prepayment key for {supplier}"))
            .and_then(|der| {
                KeyAgreementPrivateKey::from_pkcs8(der).map_err(|error| error.to_string())
            })?;
        let (_, key_agreement) = self
            .device(device)
            .map_err(|error| format!("device {device}: {error}"))?;
        let public = KeyAgreementPublicKey::from_sec1(&key_agreement.certificate.public_key_sec1())
            .map_err(|error| error.to_string())?;
        Ok(gbcs::SharedSecret::compute(&private, &public))
    }

    /// A device's DS and KA identities: the test PKI's, or for a device of the generated
    /// fleet made now from the seed and its id (the same every time, in every process: two
    /// key derivations and two RFC 6979 signatures, about a millisecond).
    pub fn device(&self, id: Eui64) -> Result<(Identity, Identity), IdentityError> {
        let signing = self
            .pki
            .identity(id, KeyUsage::DigitalSignature, None)
            .cloned();
        let agreement = self.pki.identity(id, KeyUsage::KeyAgreement, None).cloned();
        match (signing, agreement) {
            (Some(signing), Some(agreement)) => Ok((signing, agreement)),
            _ if crate::fleet::locate(id, self.fleet).is_some() => self
                .pki
                .issue_device(id)
                .map_err(|error| IdentityError::Pki(format!("device {id}: {error}"))),
            _ => Err(IdentityError::Missing { what: "device", id }),
        }
    }

    /// What the DSP trusts: the test PKI's CAs and organisations, and DCC Boxed's
    /// organisation certificates as trust anchors of their own.
    pub fn certificate_store(&self) -> CertificateStore {
        let mut store = CertificateStore::from_pki(&self.pki);
        for identity in &self.dccboxed {
            store.add_trust_anchor(identity.certificate.clone());
        }
        store
    }
}
