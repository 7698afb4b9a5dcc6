//! The TSP's state: the PKI that issues device certificates, the certificates published in
//! the SMKI repository, the devices issued for, and the trust anchors every party is given.

use std::collections::BTreeMap;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use dcc_model::Eui64;
use smki::{
    Certificate, CertificateStore, Identity, KeyUsage, PkiError, RemotePartyRole, Requester,
    TestPki,
};

/// A device's SMKI identities: its Digital Signing (DS) and Key Agreement (KA) certificates
/// with their private keys.
///
/// Handing out a device's private keys is a simulator shortcut: a real device generates its
/// key pairs itself and only its certificates reach the TSP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCredentials {
    /// The device's EUI-64.
    pub device: Eui64,
    /// The Digital Signing identity (GBCS signatures).
    pub ds: Identity,
    /// The Key Agreement identity (static ECDH for GBCS encryption and MACs).
    pub ka: Identity,
}

/// The registry shared between the gRPC service and the HTTP repository.
pub(crate) type SharedRegistry = Arc<RwLock<Registry>>;

/// Reads the registry; a writer that panicked cannot have left it half-updated (every update
/// is a few infallible pushes), so a poisoned lock is still used.
pub(crate) fn read(registry: &RwLock<Registry>) -> RwLockReadGuard<'_, Registry> {
    registry.read().unwrap_or_else(PoisonError::into_inner)
}

/// Writes the registry (see [`read`] on poisoning).
pub(crate) fn write(registry: &RwLock<Registry>) -> RwLockWriteGuard<'_, Registry> {
    registry.write().unwrap_or_else(PoisonError::into_inner)
}

/// What the TSP knows.
#[derive(Debug)]
pub(crate) struct Registry {
    pki: Arc<TestPki>,
    store: CertificateStore,
    devices: BTreeMap<Eui64, DeviceCredentials>,
    trust_anchors: Vec<Certificate>,
    /// How many generated premises the ecosystem has: their devices' certificates are issued
    /// and published when first asked for.
    fleet: u32,
}

impl Registry {
    /// The PKI's CAs and identities, with `extra_identities` published beside them. An extra
    /// identity replaces the PKI's certificates of the same subject, usage and role (so that a
    /// DCC Boxed `keystore.json` makes the repository answer the ZAZ1 certificates). An extra
    /// certificate whose issuer is not a CA of the store becomes a trust anchor itself.
    pub(crate) fn new(pki: Arc<TestPki>, extra_identities: &[Identity], fleet: u32) -> Self {
        let mut store = CertificateStore::new();
        let mut trust_anchors = vec![pki.root_ca().certificate.clone()];
        store.add_trust_anchor(pki.root_ca().certificate.clone());
        for ca in [pki.organisation_ca(), pki.device_ca()] {
            store.add(ca.certificate.clone());
            trust_anchors.push(ca.certificate.clone());
        }
        for identity in pki.identities() {
            if !is_overridden(&identity.certificate, extra_identities) {
                store.add(identity.certificate.clone());
            }
        }
        for identity in extra_identities {
            let certificate = identity.certificate.clone();
            if has_issuer_in(&certificate, &store) {
                store.add(certificate);
                continue;
            }
            if !trust_anchors.contains(&certificate) {
                trust_anchors.push(certificate.clone());
            }
            store.add_trust_anchor(certificate);
        }
        Self {
            pki,
            store,
            devices: BTreeMap::new(),
            trust_anchors,
            fleet,
        }
    }

    /// Whether `subject` is a device of the generated fleet not published yet.
    pub(crate) fn is_unmade_fleet_device(&self, subject: Eui64) -> bool {
        dcc_model::fleet::generated::locate(subject, self.fleet).is_some()
            && !self.devices.contains_key(&subject)
    }

    /// The PKI, to issue with outside the lock.
    pub(crate) fn pki(&self) -> Arc<TestPki> {
        Arc::clone(&self.pki)
    }

    /// The published certificates.
    pub(crate) fn store(&self) -> &CertificateStore {
        &self.store
    }

    /// The CA certificates (and unchained published certificates) parties trust.
    pub(crate) fn trust_anchors(&self) -> &[Certificate] {
        &self.trust_anchors
    }

    /// The credentials already issued for `device`.
    pub(crate) fn device(&self, device: Eui64) -> Option<&DeviceCredentials> {
        self.devices.get(&device)
    }

    /// Keeps a device's credentials and publishes its certificates; a device already known
    /// keeps the credentials it had.
    pub(crate) fn publish_device(&mut self, credentials: DeviceCredentials) {
        if self.devices.contains_key(&credentials.device) {
            return;
        }
        self.store.add_identity(&credentials.ds);
        self.store.add_identity(&credentials.ka);
        self.devices.insert(credentials.device, credentials);
    }

    /// The organisation `id` as an SMKI subscriber with the roles of its published, unrevoked
    /// organisation certificates; `None` when it holds none.
    pub(crate) fn requester(&self, id: Eui64) -> Option<Requester> {
        let mut roles: Vec<RemotePartyRole> = self
            .store
            .find_subject(id)
            .into_iter()
            .filter(|certificate| !certificate.is_device() && !certificate.is_ca())
            .filter(|certificate| !self.store.is_revoked(certificate))
            .filter_map(Certificate::role)
            .collect();
        roles.sort_unstable();
        roles.dedup();
        if roles.is_empty() {
            return None;
        }
        Some(Requester::Subscriber { id, roles })
    }

    /// Publishes certificates issued from CSRs.
    pub(crate) fn publish_certificates(&mut self, certificates: &[Certificate]) {
        for certificate in certificates {
            self.store.add(certificate.clone());
        }
    }

    /// Revokes the published certificate with this decimal serial; trust anchors (the CAs)
    /// cannot be revoked.
    pub(crate) fn revoke(&mut self, serial_decimal: &str) -> Result<Certificate, RevokeError> {
        let certificate = self
            .store
            .by_serial(serial_decimal)
            .cloned()
            .ok_or(RevokeError::NotFound)?;
        if self.trust_anchors.contains(&certificate) {
            return Err(RevokeError::TrustAnchor);
        }
        self.store.revoke(serial_decimal);
        Ok(certificate)
    }

    /// The published certificates of `subject`, of `usage` when given, in the order published.
    pub(crate) fn search(&self, subject: Eui64, usage: Option<KeyUsage>) -> Vec<&Certificate> {
        self.store
            .find_subject(subject)
            .into_iter()
            .filter(|certificate| usage.is_none_or(|usage| certificate.key_usage() == Some(usage)))
            .collect()
    }
}

/// Why a certificate cannot be revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RevokeError {
    /// No published certificate has the serial.
    NotFound,
    /// The certificate is a trust anchor every party holds.
    TrustAnchor,
}

/// A device's credentials from the PKI: the ones it was generated with, or freshly (and
/// deterministically, from the PKI's seed) issued ones. CPU-bound: two key derivations and
/// two signatures.
pub(crate) fn issue_device(pki: &TestPki, device: Eui64) -> Result<DeviceCredentials, PkiError> {
    let generated = (
        pki.identity(device, KeyUsage::DigitalSignature, None),
        pki.identity(device, KeyUsage::KeyAgreement, None),
    );
    let (ds, ka) = match generated {
        (Some(ds), Some(ka)) if ds.certificate.is_device() && ka.certificate.is_device() => {
            (ds.clone(), ka.clone())
        }
        _ => pki.issue_device(device)?,
    };
    Ok(DeviceCredentials { device, ds, ka })
}

/// Issues (off the async threads) and publishes the credentials of those of `devices` the
/// registry does not know yet; the error says which device could not be issued.
pub(crate) async fn issue_unknown(
    registry: &SharedRegistry,
    devices: &[Eui64],
) -> Result<(), String> {
    let (unknown, pki) = {
        let registry = read(registry);
        let unknown: std::collections::BTreeSet<Eui64> = devices
            .iter()
            .copied()
            .filter(|device| registry.device(*device).is_none())
            .collect();
        (unknown, registry.pki())
    };
    if unknown.is_empty() {
        return Ok(());
    }
    let issued = tokio::task::spawn_blocking(move || {
        unknown
            .into_iter()
            .map(|device| {
                issue_device(&pki, device).map_err(|error| {
                    format!("cannot issue certificates for device {device}: {error}")
                })
            })
            .collect::<Result<Vec<_>, String>>()
    })
    .await
    .map_err(|error| format!("certificate issuance stopped: {error}"))??;
    let mut registry = write(registry);
    for credentials in issued {
        tracing::info!(device = %credentials.device, "issued device certificates");
        registry.publish_device(credentials);
    }
    Ok(())
}

/// Publishes the certificates of a device of the generated fleet when `subject` is one not
/// published yet, so that a search finds them as if they had always been there.
pub(crate) async fn publish_if_fleet_device(
    registry: &SharedRegistry,
    subject: Eui64,
) -> Result<(), String> {
    if !read(registry).is_unmade_fleet_device(subject) {
        return Ok(());
    }
    issue_unknown(registry, &[subject]).await
}

/// Whether an extra identity has the same subject, usage and role as `certificate`.
fn is_overridden(certificate: &Certificate, extra_identities: &[Identity]) -> bool {
    let Some(subject) = certificate.subject_id() else {
        return false;
    };
    extra_identities.iter().any(|extra| {
        let other = &extra.certificate;
        other.subject_id() == Some(subject)
            && other.key_usage() == certificate.key_usage()
            && other.role() == certificate.role()
            && other.is_device() == certificate.is_device()
    })
}

/// Whether a CA certificate of the store is named as `certificate`'s issuer and its key
/// verifies the signature (DCC Boxed's organisation CA and dccsim's are both named `Z1`).
fn has_issuer_in(certificate: &Certificate, store: &CertificateStore) -> bool {
    store.certificates().iter().any(|candidate| {
        candidate.is_ca()
            && candidate.subject_der() == certificate.issuer_der()
            && smki::verify_signature(certificate, &candidate.public_key_sec1())
    })
}
