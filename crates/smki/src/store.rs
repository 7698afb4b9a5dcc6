//! The certificates a party knows, the lookups DUIS and GBCS processing need, path
//! validation to a trusted root, and revocation.

use std::collections::{BTreeSet, HashMap};

use dcc_model::Eui64;

use crate::certificate::{decimal_to_bytes, hex_to_bytes, normalise_rfc2253, Certificate};
use crate::identity::Identity;
use crate::oids;
use crate::pki::TestPki;
use crate::role::{KeyUsage, RemotePartyRole};

/// Longest chain followed, root included.
pub const MAX_PATH_LENGTH: usize = 8;

/// A certificate's status as the SMKI repository reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CertificateStatus {
    /// `P`: not yet valid.
    Pending,
    /// `I`: in use.
    InUse,
    /// `N`: not in use.
    NotInUse,
    /// `E`: expired.
    Expired,
    /// `R`: revoked.
    Revoked,
}

impl CertificateStatus {
    /// The repository's one-letter code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Pending => "P",
            Self::InUse => "I",
            Self::NotInUse => "N",
            Self::Expired => "E",
            Self::Revoked => "R",
        }
    }

    /// Parses the one-letter code.
    pub fn from_code(code: &str) -> Option<Self> {
        match code.trim() {
            "P" => Some(Self::Pending),
            "I" => Some(Self::InUse),
            "N" => Some(Self::NotInUse),
            "E" => Some(Self::Expired),
            "R" => Some(Self::Revoked),
            _ => None,
        }
    }
}

/// Why a certificate does not chain to a trusted root at the given time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// A certificate on the path has expired.
    #[error("certificate {serial} expired at {not_after} (unix seconds)")]
    Expired { serial: String, not_after: i64 },
    /// A certificate on the path is not valid yet.
    #[error("certificate {serial} is not valid before {not_before} (unix seconds)")]
    NotYetValid { serial: String, not_before: i64 },
    /// A certificate on the path is revoked.
    #[error("certificate {serial} is revoked")]
    Revoked { serial: String },
    /// No CA certificate in the store has the issuer's name.
    #[error("no CA certificate for issuer {issuer:?} of certificate {serial}")]
    IssuerNotFound { serial: String, issuer: String },
    /// CAs with the issuer's name exist, but none's key verifies the signature.
    #[error("the signature of certificate {serial} does not verify with any CA named {issuer:?}")]
    BadSignature { serial: String, issuer: String },
    /// The chain ends in a self-signed certificate that is not a trust anchor.
    #[error("the chain ends in untrusted self-signed certificate {serial}")]
    UntrustedRoot { serial: String },
    /// The chain is longer than [`MAX_PATH_LENGTH`].
    #[error("the chain is longer than {MAX_PATH_LENGTH} certificates")]
    TooLong,
}

/// A set of certificates with trust anchors and revocations.
#[derive(Debug, Clone, Default)]
pub struct CertificateStore {
    certificates: Vec<Certificate>,
    /// Positions in `certificates` by subject and by serial number, in the order added: a
    /// lookup reads its few candidates, not every certificate (a TSP publishing a large
    /// fleet's certificates as it meets its devices holds hundreds of thousands).
    by_subject: HashMap<Eui64, Vec<usize>>,
    by_serial: HashMap<Vec<u8>, Vec<usize>>,
    trust_anchors: BTreeSet<Vec<u8>>,
    revoked_serials: BTreeSet<Vec<u8>>,
}

impl CertificateStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every certificate of the PKI, with its root as the trust anchor.
    pub fn from_pki(pki: &TestPki) -> Self {
        let mut store = Self::new();
        store.add_trust_anchor(pki.root_ca().certificate.clone());
        for identity in pki.all_identities() {
            store.add(identity.certificate.clone());
        }
        store
    }

    /// Adds a certificate (once; adding the same DER again does nothing).
    pub fn add(&mut self, certificate: Certificate) {
        if self
            .with_serial(certificate.serial_bytes())
            .any(|known| known == &certificate)
        {
            return;
        }
        let position = self.certificates.len();
        if let Some(subject) = certificate.subject_id() {
            self.by_subject.entry(subject).or_default().push(position);
        }
        self.by_serial
            .entry(certificate.serial_bytes().to_vec())
            .or_default()
            .push(position);
        self.certificates.push(certificate);
    }

    /// The certificates with this serial number (bytes), in the order added.
    fn with_serial<'a>(&'a self, serial: &[u8]) -> impl Iterator<Item = &'a Certificate> + 'a {
        self.by_serial
            .get(serial)
            .into_iter()
            .flatten()
            .filter_map(|position| self.certificates.get(*position))
    }

    /// The certificates of `subject`, in the order added.
    fn of_subject(&self, subject: Eui64) -> impl Iterator<Item = &Certificate> {
        self.by_subject
            .get(&subject)
            .into_iter()
            .flatten()
            .filter_map(|position| self.certificates.get(*position))
    }

    /// Adds an identity's certificate.
    pub fn add_identity(&mut self, identity: &Identity) {
        self.add(identity.certificate.clone());
    }

    /// Adds identities' certificates.
    pub fn add_identities<'a>(&mut self, identities: impl IntoIterator<Item = &'a Identity>) {
        for identity in identities {
            self.add_identity(identity);
        }
    }

    /// Adds a certificate and trusts it without a chain: a root, or a published test
    /// certificate whose CA is not published (DCC Boxed's `keystore.json` ones).
    pub fn add_trust_anchor(&mut self, certificate: Certificate) {
        self.trust_anchors.insert(certificate.der().to_vec());
        self.add(certificate);
    }

    /// All certificates, in the order added.
    pub fn certificates(&self) -> &[Certificate] {
        &self.certificates
    }

    /// Number of certificates.
    pub fn len(&self) -> usize {
        self.certificates.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.certificates.is_empty()
    }

    /// The certificates of `subject` (organisation id or device EUI-64) for `usage`, and of
    /// `role` when given; in the order added.
    pub fn find(
        &self,
        subject: Eui64,
        usage: KeyUsage,
        role: Option<RemotePartyRole>,
    ) -> Vec<&Certificate> {
        self.of_subject(subject)
            .filter(|certificate| certificate.key_usage() == Some(usage))
            .filter(|certificate| role.is_none_or(|role| certificate.role() == Some(role)))
            .collect()
    }

    /// All certificates of `subject`.
    pub fn find_subject(&self, subject: Eui64) -> Vec<&Certificate> {
        self.of_subject(subject).collect()
    }

    /// The certificate with this decimal serial number (leading zeros ignored).
    pub fn by_serial(&self, serial_decimal: &str) -> Option<&Certificate> {
        let serial = decimal_to_bytes(serial_decimal)?;
        self.with_serial(&serial).next()
    }

    /// The certificate with this hex serial number (any case, leading zeros ignored).
    pub fn by_serial_hex(&self, serial_hex: &str) -> Option<&Certificate> {
        let serial = hex_to_bytes(serial_hex)?;
        self.with_serial(&serial).next()
    }

    /// The certificate an XML signature's `X509IssuerSerial` names: issuer DN as RFC 2253
    /// (`CN=Z1,OU=07` and `CN=Z1, OU=07` both match) and decimal serial.
    pub fn by_issuer_serial(
        &self,
        issuer_name: &str,
        serial_decimal: &str,
    ) -> Option<&Certificate> {
        let serial = decimal_to_bytes(serial_decimal)?;
        let issuer_name = normalise_rfc2253(issuer_name);
        self.with_serial(&serial).find(|certificate| {
            normalise_rfc2253(&certificate.issuer_name_rfc2253()) == issuer_name
        })
    }

    /// Revokes the certificate with this decimal serial; returns whether one was known.
    pub fn revoke(&mut self, serial_decimal: &str) -> bool {
        let Some(serial) = decimal_to_bytes(serial_decimal) else {
            return false;
        };
        let known = self.with_serial(&serial).next().is_some();
        self.revoked_serials.insert(serial);
        known
    }

    /// Whether the certificate's serial is revoked.
    pub fn is_revoked(&self, certificate: &Certificate) -> bool {
        self.revoked_serials.contains(certificate.serial_bytes())
    }

    /// The repository status at `at_unix_time`: revoked, pending, expired or in use.
    pub fn status(&self, certificate: &Certificate, at_unix_time: i64) -> CertificateStatus {
        if self.is_revoked(certificate) {
            return CertificateStatus::Revoked;
        }
        if at_unix_time < certificate.not_before() {
            return CertificateStatus::Pending;
        }
        if at_unix_time > certificate.not_after() {
            return CertificateStatus::Expired;
        }
        CertificateStatus::InUse
    }

    /// Checks that `certificate` chains to a trust anchor of this store at `at_unix_time`: each
    /// certificate on the path is within its validity and not revoked, and each is signed
    /// (ECDSA P-256 SHA-256) by a CA certificate of the store named as its issuer.
    pub fn validate_path(
        &self,
        certificate: &Certificate,
        at_unix_time: i64,
    ) -> Result<(), PathError> {
        let mut current = certificate;
        for _ in 0..MAX_PATH_LENGTH {
            self.check_usable(current, at_unix_time)?;
            if self.trust_anchors.contains(current.der()) {
                return Ok(());
            }
            let issuer = self.issuer_of(current)?;
            if issuer == current {
                return Err(PathError::UntrustedRoot {
                    serial: current.serial_decimal().to_owned(),
                });
            }
            current = issuer;
        }
        Err(PathError::TooLong)
    }

    fn check_usable(&self, certificate: &Certificate, at_unix_time: i64) -> Result<(), PathError> {
        let serial = certificate.serial_decimal().to_owned();
        if self.is_revoked(certificate) {
            return Err(PathError::Revoked { serial });
        }
        if at_unix_time < certificate.not_before() {
            return Err(PathError::NotYetValid {
                serial,
                not_before: certificate.not_before(),
            });
        }
        if at_unix_time > certificate.not_after() {
            return Err(PathError::Expired {
                serial,
                not_after: certificate.not_after(),
            });
        }
        Ok(())
    }

    /// The CA certificate of the store whose name is `certificate`'s issuer and whose key verifies its signature.
    fn issuer_of(&self, certificate: &Certificate) -> Result<&Certificate, PathError> {
        let issuer_der = certificate.issuer_der();
        let candidates: Vec<&Certificate> = self
            .certificates
            .iter()
            .filter(|candidate| candidate.is_ca() && candidate.can_sign_certificates())
            .filter(|candidate| candidate.subject_der() == issuer_der)
            .collect();
        let serial = certificate.serial_decimal().to_owned();
        let issuer = certificate.issuer_name_rfc2253();
        if candidates.is_empty() {
            return Err(PathError::IssuerNotFound { serial, issuer });
        }
        candidates
            .into_iter()
            .find(|candidate| verify_signature(certificate, &candidate.public_key_sec1()))
            .ok_or(PathError::BadSignature { serial, issuer })
    }
}

/// Whether `certificate`'s signature verifies with the P-256 public key (ECDSA with SHA-256 only).
pub fn verify_signature(certificate: &Certificate, issuer_public_key_sec1: &[u8; 65]) -> bool {
    if certificate.signature_algorithm() != oids::ECDSA_WITH_SHA256 {
        return false;
    }
    let key = ring::signature::UnparsedPublicKey::new(
        &ring::signature::ECDSA_P256_SHA256_ASN1,
        issuer_public_key_sec1,
    );
    key.verify(certificate.to_be_signed(), certificate.signature_der())
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{KeyUsage, RemotePartyRole};

    const SUPPLIER: Eui64 = Eui64::from_u64(0x90B3_D51F_3001_0000);

    fn pki() -> TestPki {
        TestPki::default_for(5).expect("test pki")
    }

    #[test]
    fn each_status_reads_back_from_its_code() {
        for status in [
            CertificateStatus::Pending,
            CertificateStatus::InUse,
            CertificateStatus::NotInUse,
            CertificateStatus::Expired,
            CertificateStatus::Revoked,
        ] {
            assert_eq!(CertificateStatus::from_code(status.code()), Some(status));
        }
        assert_eq!(
            CertificateStatus::from_code(" R "),
            Some(CertificateStatus::Revoked)
        );
        assert_eq!(CertificateStatus::from_code("X"), None);
    }

    #[test]
    fn a_store_finds_a_subject_s_certificates_only() {
        assert!(CertificateStore::new().is_empty());
        let pki = pki();
        let store = CertificateStore::from_pki(&pki);
        assert!(!store.is_empty());
        let found = store.find_subject(SUPPLIER);
        assert!(!found.is_empty());
        assert!(found
            .iter()
            .all(|certificate| certificate.subject_id() == Some(SUPPLIER)));
        assert!(store
            .find_subject(Eui64::from_u64(0x0102_0304_0506_0708))
            .is_empty());
    }

    /// The root CA's certificate re-signed by its own key after `rewrite` changed its
    /// extensions: same subject, same key, so only the rewritten extensions tell it apart.
    fn root_with_extensions(
        pki: &TestPki,
        rewrite: impl FnOnce(&mut Vec<x509_cert::ext::Extension>),
    ) -> Certificate {
        use der::{Decode, Encode};
        use p256::ecdsa::signature::Signer;
        use p256::pkcs8::DecodePrivateKey;
        let root = pki.root_ca();
        let mut certificate = x509_cert::Certificate::from_der(root.certificate.der())
            .expect("the root certificate decodes");
        let extensions = certificate
            .tbs_certificate
            .extensions
            .as_mut()
            .expect("the root has extensions");
        rewrite(extensions);
        let key = p256::ecdsa::SigningKey::from_pkcs8_der(
            root.private_key_pkcs8_der
                .as_deref()
                .expect("the root's private key"),
        )
        .expect("the root's key decodes");
        let to_be_signed = certificate.tbs_certificate.to_der().expect("tbs encodes");
        let signature: p256::ecdsa::DerSignature = key.sign(&to_be_signed);
        certificate.signature =
            der::asn1::BitString::from_bytes(signature.as_bytes()).expect("signature bits");
        Certificate::from_der(&certificate.to_der().expect("certificate encodes"))
            .expect("the rewritten root parses")
    }

    /// A store holding only `anchor` (as trust anchor) and the organisation CA it is to have issued.
    fn validate_organisation_ca_under(pki: &TestPki, anchor: Certificate) -> Result<(), PathError> {
        let organisation_ca = &pki.organisation_ca().certificate;
        let mut store = CertificateStore::new();
        store.add_trust_anchor(anchor);
        store.add(organisation_ca.clone());
        store.validate_path(organisation_ca, organisation_ca.not_before())
    }

    /// An issuer must be both a CA (basicConstraints) and allowed to sign certificates
    /// (keyUsage keyCertSign): the root's own key signed the organisation CA, yet a copy of the
    /// root lacking either one is no issuer.
    #[test]
    fn an_issuer_is_a_ca_that_may_sign_certificates() {
        use x509_cert::ext::pkix::{KeyUsage as KeyUsageExtension, KeyUsages};
        let pki = pki();
        let unchanged = root_with_extensions(&pki, |_| {});
        assert!(unchanged.is_ca() && unchanged.can_sign_certificates());
        assert_eq!(validate_organisation_ca_under(&pki, unchanged), Ok(()));

        let not_a_ca = root_with_extensions(&pki, |extensions| {
            extensions.retain(|extension| extension.extn_id != crate::oids::BASIC_CONSTRAINTS);
        });
        assert!(!not_a_ca.is_ca() && not_a_ca.can_sign_certificates());
        let may_not_sign = root_with_extensions(&pki, |extensions| {
            let key_usage = extensions
                .iter_mut()
                .find(|extension| extension.extn_id == crate::oids::KEY_USAGE)
                .expect("the root has a keyUsage");
            *key_usage = crate::issue::extension(
                crate::oids::KEY_USAGE,
                true,
                &KeyUsageExtension(KeyUsages::CRLSign.into()),
            )
            .expect("keyUsage encodes");
        });
        assert!(may_not_sign.is_ca() && !may_not_sign.can_sign_certificates());

        let organisation_ca = &pki.organisation_ca().certificate;
        for anchor in [not_a_ca, may_not_sign] {
            assert_eq!(
                validate_organisation_ca_under(&pki, anchor),
                Err(PathError::IssuerNotFound {
                    serial: organisation_ca.serial_decimal().to_owned(),
                    issuer: organisation_ca.issuer_name_rfc2253(),
                })
            );
        }
    }

    /// A certificate is in use from its notBefore to its notAfter, both included: pending
    /// before, expired after, and its path valid at both ends.
    #[test]
    fn validity_includes_both_ends() {
        let pki = pki();
        let store = CertificateStore::from_pki(&pki);
        let identity = pki
            .identity(
                SUPPLIER,
                KeyUsage::DigitalSignature,
                Some(RemotePartyRole::SUPPLIER),
            )
            .expect("the supplier's identity");
        let certificate = &identity.certificate;
        let (from, to) = (certificate.not_before(), certificate.not_after());
        assert_eq!(
            store.status(certificate, from - 1),
            CertificateStatus::Pending
        );
        assert_eq!(store.status(certificate, from), CertificateStatus::InUse);
        assert_eq!(store.status(certificate, to), CertificateStatus::InUse);
        assert_eq!(
            store.status(certificate, to + 1),
            CertificateStatus::Expired
        );
        assert_eq!(store.validate_path(certificate, from), Ok(()));
        assert_eq!(store.validate_path(certificate, to), Ok(()));
        assert!(matches!(
            store.validate_path(certificate, from - 1),
            Err(PathError::NotYetValid { .. })
        ));
        assert!(matches!(
            store.validate_path(certificate, to + 1),
            Err(PathError::Expired { .. })
        ));
    }
}
