//! Deterministic issuance of SMKI-profile certificates: key derivation from a seed, the
//! extensions of each certificate kind, and RFC 6979 signing.

use dcc_model::Eui64;
use der::asn1::{
    Any, BitString, GeneralizedTime, ObjectIdentifier, OctetString, SetOfVec, UtcTime,
};
use der::{DateTime, Decode, Encode, Tag};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{DerSignature, SigningKey};
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use rand_chacha::rand_core::SeedableRng;
use sha2::{Digest, Sha256};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::certificate::{TbsCertificate, Version};
use x509_cert::ext::pkix::certpolicy::PolicyInformation;
use x509_cert::ext::pkix::name::{GeneralName, OtherName};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CertificatePolicies, KeyUsage as KeyUsageExtension,
    KeyUsages, SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::ext::Extension;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use crate::certificate::{Certificate, CertificateError, HardwareModuleName};
use crate::oids;
use crate::role::{KeyUsage, RemotePartyRole};

/// Why a certificate could not be issued or a key not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IssueError {
    /// A DER structure could not be encoded (an input out of range, such as a name too long).
    #[error("cannot encode the certificate: {0}")]
    Encoding(String),
    /// The issuer's private key is not a P-256 PKCS#8 key.
    #[error("the issuer's private key is not a P-256 PKCS#8 key")]
    IssuerKey,
    /// The freshly made certificate did not parse back.
    #[error(transparent)]
    Certificate(#[from] CertificateError),
}

impl From<der::Error> for IssueError {
    fn from(error: der::Error) -> Self {
        Self::Encoding(error.to_string())
    }
}

/// The issuing CA: its name, key and key identifier.
pub(crate) struct Issuer {
    pub(crate) name: Name,
    pub(crate) signing_key: SigningKey,
    pub(crate) key_identifier: Vec<u8>,
}

impl Issuer {
    /// The issuer of certificates signed by `certificate`'s subject with the PKCS#8 key.
    pub(crate) fn from_identity(
        certificate: &Certificate,
        private_key_pkcs8_der: &[u8],
    ) -> Result<Self, IssueError> {
        let secret = p256::SecretKey::from_pkcs8_der(private_key_pkcs8_der)
            .map_err(|_| IssueError::IssuerKey)?;
        let name = Name::from_der(certificate.subject_der())?;
        let key_identifier = key_identifier(&certificate.public_key_sec1());
        Ok(Self {
            name,
            signing_key: SigningKey::from(&secret),
            key_identifier,
        })
    }
}

/// What to put in the certificate besides keys, names and serial.
pub(crate) enum Profile {
    /// A CA (root when there is no issuer): basicConstraints CA, keyCertSign + cRLSign; its
    /// name carries `OU=07` (issuing authority) when `issuing_authority_unit` is set.
    CertificateAuthority {
        policies: Vec<ObjectIdentifier>,
        issuing_authority_unit: bool,
    },
    /// An organisation (remote party) certificate.
    Organisation {
        id: Eui64,
        role: RemotePartyRole,
        common_name: Option<String>,
        usage: KeyUsage,
    },
    /// A device certificate: empty subject, critical subjectAltName hardwareModuleName.
    Device { id: Eui64, usage: KeyUsage },
}

/// Everything that decides one certificate's bytes.
pub(crate) struct CertificateRequest<'a> {
    /// The seed of the whole PKI.
    pub(crate) seed: u64,
    /// The identity's name: the key and the serial number are derived from (seed, name).
    pub(crate) identity_name: &'a str,
    /// The subject name for CAs (ignored for organisations and devices, whose subject the profile makes).
    pub(crate) ca_common_name: &'a str,
    pub(crate) profile: Profile,
    pub(crate) not_before: DateTime,
    pub(crate) not_after: DateTime,
}

/// A freshly issued certificate and its private key (PKCS#8 DER).
pub(crate) struct Issued {
    pub(crate) certificate: Certificate,
    pub(crate) private_key_pkcs8_der: Vec<u8>,
}

/// Makes the certificate: derives the subject key, builds the profile's extensions, signs
/// with the issuer's key (or the subject's own key for a root) using RFC 6979.
pub(crate) fn issue(
    request: &CertificateRequest<'_>,
    issuer: Option<&Issuer>,
) -> Result<Issued, IssueError> {
    let secret = derive_secret_key(request.seed, request.identity_name);
    let serial = derive_serial(request.seed, request.identity_name);
    let certificate = match issuer {
        Some(issuer) => sign_certificate(request, &secret.public_key(), &serial, issuer, true)?,
        None => {
            let subject = subject_name(request)?;
            let self_issuer = Issuer {
                name: subject,
                signing_key: SigningKey::from(&secret),
                key_identifier: key_identifier(&sec1_point(&secret)),
            };
            sign_certificate(request, &secret.public_key(), &serial, &self_issuer, false)?
        }
    };
    let private_key = secret
        .to_pkcs8_der()
        .map_err(|error| IssueError::Encoding(error.to_string()))?;
    Ok(Issued {
        certificate,
        private_key_pkcs8_der: private_key.as_bytes().to_vec(),
    })
}

/// Makes a certificate for a public key the subject brought (a CSR's), with the given
/// serial number, signed by `issuer`.
pub(crate) fn issue_for_public_key(
    request: &CertificateRequest<'_>,
    public_key: &p256::PublicKey,
    serial: &[u8],
    issuer: &Issuer,
) -> Result<Certificate, IssueError> {
    sign_certificate(request, public_key, serial, issuer, true)
}

/// Builds the `tbsCertificate` of the profile for `public_key` and signs it with the
/// issuer's key; `authority_key_identifier` is false only for the self-signed root.
fn sign_certificate(
    request: &CertificateRequest<'_>,
    public_key: &p256::PublicKey,
    serial: &[u8],
    issuer: &Issuer,
    authority_key_identifier: bool,
) -> Result<Certificate, IssueError> {
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    let public_point = public_key.to_encoded_point(false);
    let subject_key_identifier = key_identifier(public_point.as_bytes());
    let public_key_der = public_key
        .to_public_key_der()
        .map_err(|error| IssueError::Encoding(error.to_string()))?;
    let tbs_certificate = TbsCertificate {
        version: Version::V3,
        serial_number: SerialNumber::new(serial)?,
        signature: ecdsa_with_sha256(),
        issuer: issuer.name.clone(),
        validity: Validity {
            not_before: time(request.not_before)?,
            not_after: time(request.not_after)?,
        },
        subject: subject_name(request)?,
        subject_public_key_info: SubjectPublicKeyInfoOwned::from_der(public_key_der.as_bytes())?,
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(extensions(
            &request.profile,
            &subject_key_identifier,
            authority_key_identifier.then_some(issuer.key_identifier.as_slice()),
        )?),
    };
    let to_be_signed = tbs_certificate.to_der()?;
    let signature: DerSignature = issuer.signing_key.sign(&to_be_signed);
    let certificate = x509_cert::Certificate {
        tbs_certificate,
        signature_algorithm: ecdsa_with_sha256(),
        signature: BitString::from_bytes(signature.as_bytes())?,
    };
    Ok(Certificate::from_der(&certificate.to_der()?)?)
}

/// The private key of identity `name` under `seed`: a P-256 scalar drawn from ChaCha20
/// seeded with SHA-256(domain ‖ seed ‖ name).
pub(crate) fn derive_secret_key(seed: u64, name: &str) -> p256::SecretKey {
    let mut rng =
        rand_chacha::ChaCha20Rng::from_seed(derive_bytes(b"dccsim smki private key", seed, name));
    p256::SecretKey::random(&mut rng)
}

/// A positive 16-byte serial number derived from (seed, name); its first byte is 0x40..=0x7F
/// so that every serial has the same length and no sign byte.
pub(crate) fn derive_serial(seed: u64, name: &str) -> [u8; 16] {
    let digest = derive_bytes(b"dccsim smki serial number", seed, name);
    let mut serial = [0u8; 16];
    serial.copy_from_slice(digest.get(..16).unwrap_or(&[0u8; 16]));
    serial[0] = (serial[0] & 0x3F) | 0x40;
    serial
}

fn derive_bytes(domain: &[u8], seed: u64, name: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(domain);
    hasher.update(seed.to_be_bytes());
    hasher.update(name.as_bytes());
    hasher.finalize().into()
}

/// An 8-byte key identifier, like DCC's: the first 8 bytes of SHA-256 of the public point.
pub(crate) fn key_identifier(public_point: &[u8]) -> Vec<u8> {
    Sha256::digest(public_point)
        .get(..8)
        .unwrap_or_default()
        .to_vec()
}

fn sec1_point(secret: &p256::SecretKey) -> Vec<u8> {
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    secret
        .public_key()
        .to_encoded_point(false)
        .as_bytes()
        .to_vec()
}

pub(crate) fn ecdsa_with_sha256() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: oids::ECDSA_WITH_SHA256,
        parameters: None,
    }
}

/// UTCTime up to 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5).
fn time(date_time: DateTime) -> Result<Time, IssueError> {
    if date_time.year() < 2050 {
        return Ok(Time::UtcTime(UtcTime::from_date_time(date_time)?));
    }
    Ok(Time::GeneralTime(GeneralizedTime::from_date_time(
        date_time,
    )))
}

fn subject_name(request: &CertificateRequest<'_>) -> Result<Name, IssueError> {
    match &request.profile {
        Profile::CertificateAuthority {
            issuing_authority_unit,
            ..
        } => ca_name(request.ca_common_name, *issuing_authority_unit),
        Profile::Organisation {
            id,
            role,
            common_name,
            ..
        } => organisation_name(*id, *role, common_name.as_deref()),
        Profile::Device { .. } => Ok(RdnSequence(Vec::new())),
    }
}

/// A CA name as DCC's: `OU=07` (issuing authority, PrintableString) for organisation CAs,
/// then `CN=<name>` (PrintableString).
pub(crate) fn ca_name(common_name: &str, issuing_authority_unit: bool) -> Result<Name, IssueError> {
    let mut rdns = Vec::new();
    if issuing_authority_unit {
        let unit = RemotePartyRole::ISSUING_AUTHORITY.to_hex();
        rdns.push(single_attribute(
            oids::ORGANIZATIONAL_UNIT,
            Any::new(Tag::PrintableString, unit.as_bytes())?,
        )?);
    }
    rdns.push(single_attribute(
        oids::COMMON_NAME,
        Any::new(Tag::PrintableString, common_name.as_bytes())?,
    )?);
    Ok(RdnSequence(rdns))
}

/// An organisation subject as DCC's: optional `CN`, `OU=<role hex>`, `x500UniqueIdentifier` (all UTF8String but the id).
pub(crate) fn organisation_name(
    id: Eui64,
    role: RemotePartyRole,
    common_name: Option<&str>,
) -> Result<Name, IssueError> {
    let mut rdns = Vec::new();
    if let Some(common_name) = common_name.filter(|name| !name.is_empty()) {
        rdns.push(single_attribute(
            oids::COMMON_NAME,
            Any::new(Tag::Utf8String, common_name.as_bytes())?,
        )?);
    }
    rdns.push(single_attribute(
        oids::ORGANIZATIONAL_UNIT,
        Any::new(Tag::Utf8String, role.to_hex().as_bytes())?,
    )?);
    let mut unique_identifier = vec![0u8];
    unique_identifier.extend_from_slice(id.as_bytes());
    rdns.push(single_attribute(
        oids::X500_UNIQUE_IDENTIFIER,
        Any::new(Tag::BitString, unique_identifier)?,
    )?);
    Ok(RdnSequence(rdns))
}

fn single_attribute(
    oid: ObjectIdentifier,
    value: Any,
) -> Result<RelativeDistinguishedName, IssueError> {
    let set = SetOfVec::try_from(vec![AttributeTypeAndValue { oid, value }])?;
    Ok(RelativeDistinguishedName(set))
}

/// The extensions in DCC's order: basicConstraints (CAs), keyUsage, subjectKeyIdentifier,
/// subjectAltName (devices), certificatePolicies, authorityKeyIdentifier (all but the root).
fn extensions(
    profile: &Profile,
    subject_key_identifier: &[u8],
    authority_key_identifier: Option<&[u8]>,
) -> Result<Vec<Extension>, IssueError> {
    let mut extensions = Vec::new();
    if let Profile::CertificateAuthority { .. } = profile {
        extensions.push(extension(
            oids::BASIC_CONSTRAINTS,
            true,
            &BasicConstraints {
                ca: true,
                path_len_constraint: None,
            },
        )?);
    }
    extensions.push(extension(
        oids::KEY_USAGE,
        true,
        &key_usage_extension(profile),
    )?);
    extensions.push(extension(
        oids::SUBJECT_KEY_IDENTIFIER,
        false,
        &SubjectKeyIdentifier(OctetString::new(subject_key_identifier)?),
    )?);
    if let Profile::Device { id, .. } = profile {
        extensions.push(extension(
            oids::SUBJECT_ALT_NAME,
            true,
            &hardware_module_alt_name(*id)?,
        )?);
    }
    let policies = match profile {
        Profile::CertificateAuthority { policies, .. } => policies.clone(),
        Profile::Organisation { .. } => vec![oids::ORGANISATION_CERTIFICATE_POLICY],
        Profile::Device { .. } => vec![oids::DEVICE_CERTIFICATE_POLICY],
    };
    let policies = CertificatePolicies(
        policies
            .into_iter()
            .map(|policy_identifier| PolicyInformation {
                policy_identifier,
                policy_qualifiers: None,
            })
            .collect(),
    );
    extensions.push(extension(oids::CERTIFICATE_POLICIES, true, &policies)?);
    if let Some(authority_key_identifier) = authority_key_identifier {
        let value = AuthorityKeyIdentifier {
            key_identifier: Some(OctetString::new(authority_key_identifier)?),
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        };
        extensions.push(extension(oids::AUTHORITY_KEY_IDENTIFIER, false, &value)?);
    }
    Ok(extensions)
}

pub(crate) fn key_usage_extension(profile: &Profile) -> KeyUsageExtension {
    let usage = match profile {
        Profile::CertificateAuthority { .. } => {
            return KeyUsageExtension(KeyUsages::KeyCertSign | KeyUsages::CRLSign)
        }
        Profile::Organisation { usage, .. } | Profile::Device { usage, .. } => usage,
    };
    match usage {
        KeyUsage::DigitalSignature => KeyUsageExtension(KeyUsages::DigitalSignature.into()),
        KeyUsage::KeyAgreement => KeyUsageExtension(KeyUsages::KeyAgreement.into()),
    }
}

pub(crate) fn hardware_module_alt_name(id: Eui64) -> Result<SubjectAltName, IssueError> {
    let hardware_module_name = HardwareModuleName {
        hardware_type: oids::DEVICE_HARDWARE_TYPE,
        hardware_serial_number: OctetString::new(id.as_bytes().to_vec())?,
    };
    let value = Any::from_der(&hardware_module_name.to_der()?)?;
    Ok(SubjectAltName(vec![GeneralName::OtherName(OtherName {
        type_id: oids::HARDWARE_MODULE_NAME,
        value,
    })]))
}

pub(crate) fn extension(
    oid: ObjectIdentifier,
    critical: bool,
    value: &impl Encode,
) -> Result<Extension, IssueError> {
    Ok(Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}
