//! PKCS#10 certificate signing requests: building one for a key the user brings, checking one
//! against the SMKI profiles and the requester's roles, and issuing from the test PKI.
//!
//! The checks, in order: the bytes are a PKCS#10 request; its key is P-256; it is signed with
//! ECDSA SHA-256 by that key; it asks for exactly one key usage (digitalSignature or
//! keyAgreement) and no extension outside the profile; its subject is the profile's for the
//! kind asked (an organisation: `CN` optional, `OU` role in hex, `x500UniqueIdentifier`; a
//! device: empty subject, `subjectAltName` `hardwareModuleName`); and the requester may ask
//! for it. Each failed check is its own [`CsrError`].

use dcc_model::Eui64;
use der::asn1::{BitString, BitStringRef, SetOfVec};
use der::{Decode, Encode, Tag, Tagged};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{DerSignature, SigningKey};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::{DecodePrivateKey, EncodePublicKey};
use sha2::{Digest, Sha256};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::attr::{Attribute, AttributeTypeAndValue};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage as KeyUsageExtension, KeyUsages};
use x509_cert::ext::Extension;
use x509_cert::name::{Name, RdnSequence};
use x509_cert::request::{CertReq, CertReqInfo, ExtensionReq, Version};

use crate::certificate::{
    first_inner_tlv, name_rfc2253, pem_block, pem_encode, Certificate, HardwareModuleName,
};
use crate::issue::{
    derive_serial, ecdsa_with_sha256, extension, hardware_module_alt_name, issue_for_public_key,
    key_usage_extension, organisation_name, CertificateRequest, Profile,
};
use crate::oids;
use crate::pki::{date, issuer_of, TestPki};
use crate::role::{KeyUsage, RemotePartyRole};

/// The PEM label of a PKCS#10 request.
pub const CSR_PEM_LABEL: &str = "CERTIFICATE REQUEST";

/// Longest common name accepted in an organisation CSR (X.520 `ub-common-name`).
pub const MAX_COMMON_NAME_LENGTH: usize = 64;

/// Which SMKI end-entity profile a CSR asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CertificateKind {
    /// An organisation (remote party) certificate, issued by the organisation CA.
    Organisation,
    /// A device certificate, issued by the device CA.
    Device,
}

/// The subject a CSR names, read according to its profile.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CsrSubject {
    /// An organisation: its 8-byte id, the remote-party role asked for, an optional common name.
    Organisation {
        /// The `x500UniqueIdentifier`.
        id: Eui64,
        /// The role in `OU`.
        role: RemotePartyRole,
        /// The `CN`, if any.
        common_name: Option<String>,
    },
    /// A device: its EUI-64 in `hardwareModuleName`.
    Device {
        /// The device's EUI-64.
        id: Eui64,
    },
}

impl CsrSubject {
    /// Which profile this subject belongs to.
    pub fn kind(&self) -> CertificateKind {
        match self {
            Self::Organisation { .. } => CertificateKind::Organisation,
            Self::Device { .. } => CertificateKind::Device,
        }
    }

    /// The organisation id or device EUI-64.
    pub fn id(&self) -> Eui64 {
        match self {
            Self::Organisation { id, .. } | Self::Device { id } => *id,
        }
    }
}

/// Who asks for a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requester {
    /// An SMKI subscriber: an organisation with the remote-party roles it holds certificates
    /// for. It may ask for its own id in a role it holds (or the XML signing role of its
    /// kind), and, as a supplier, network operator or the DCC, for device certificates.
    Subscriber {
        /// The organisation's id.
        id: Eui64,
        /// The roles it holds.
        roles: Vec<RemotePartyRole>,
    },
    /// The TSP's own operator (`dccsim certs issue`): any subject, any issuable role.
    Operator,
}

/// One certificate asked for: a CSR and, optionally, the kind and usage the requester means
/// (when given they must agree with the CSR; when not, the CSR's are taken).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrSubmission {
    /// The PKCS#10 request, DER or PEM.
    pub csr: Vec<u8>,
    /// The profile asked for; `None` takes a device for an empty subject, else an organisation.
    pub kind: Option<CertificateKind>,
    /// The key usage asked for; `None` takes the CSR's.
    pub usage: Option<KeyUsage>,
}

/// Why a CSR is refused. [`CsrError::is_unauthorised`] tells a requester's lack of rights
/// from a malformed or out-of-profile request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsrError {
    /// The bytes are not a PKCS#10 certification request.
    #[error("not a PKCS#10 certificate signing request: {0}")]
    Malformed(String),
    /// The subject key is not a P-256 key.
    #[error("wrong key type: SMKI keys are ECDSA P-256, this CSR holds {0}")]
    WrongKeyType(String),
    /// The CSR is not signed with ECDSA SHA-256.
    #[error("wrong signature algorithm {0}: SMKI CSRs are signed with ecdsa-with-SHA256")]
    WrongSignatureAlgorithm(String),
    /// The CSR's signature does not verify with its own key (proof of possession fails).
    #[error("bad CSR signature: it does not verify with the CSR's own public key")]
    BadSignature,
    /// The CSR carries an attribute other than `extensionRequest`.
    #[error("unsupported CSR attribute {0}: only extensionRequest is accepted")]
    UnsupportedAttribute(String),
    /// The CSR asks for an extension outside the SMKI end-entity profiles.
    #[error("unsupported extension {0}: only keyUsage and subjectAltName may be requested")]
    UnsupportedExtension(String),
    /// The CSR asks for a CA certificate.
    #[error("the CSR asks for a CA certificate (basicConstraints cA); only end-entity certificates are issued")]
    CaRequested,
    /// The CSR asks for no key usage.
    #[error("no key usage: the CSR must request keyUsage digitalSignature or keyAgreement")]
    MissingKeyUsage,
    /// The CSR asks for both digitalSignature and keyAgreement.
    #[error(
        "two key usages: an SMKI certificate is either digitalSignature or keyAgreement, not both"
    )]
    TwoKeyUsages,
    /// The CSR asks for key usages besides digitalSignature and keyAgreement.
    #[error("wrong key usage {0}: only digitalSignature or keyAgreement may be requested")]
    WrongKeyUsage(String),
    /// The usage asked for beside the CSR is not the CSR's.
    #[error("usage mismatch: {requested} was asked for but the CSR requests {in_csr}")]
    UsageMismatch {
        /// The usage the submission names.
        requested: KeyUsage,
        /// The usage the CSR's keyUsage holds.
        in_csr: KeyUsage,
    },
    /// The subject of an organisation CSR is not the profile's.
    #[error("wrong subject for an organisation certificate: {0}")]
    WrongSubject(String),
    /// A device CSR names a subject; device certificates have an empty one.
    #[error("a device CSR must have an empty subject, this one is {0:?}")]
    DeviceSubjectNotEmpty(String),
    /// A device CSR has no `subjectAltName` `hardwareModuleName`.
    #[error("missing subjectAltName: a device CSR names its EUI-64 in hardwareModuleName")]
    MissingHardwareModuleName,
    /// A device CSR's `subjectAltName` is not a single `hardwareModuleName` with an 8-byte serial.
    #[error("bad subjectAltName: {0}")]
    BadSubjectAltName(String),
    /// An organisation CSR asks for a `subjectAltName`.
    #[error("an organisation CSR must not request a subjectAltName")]
    UnexpectedSubjectAltName,
    /// The `OU` holds a role DCC does not define.
    #[error("unknown remote party role {0}")]
    UnknownRole(RemotePartyRole),
    /// The `OU` holds a CA role (root, issuing authority).
    #[error("role {} is a CA role; it is never issued from a CSR", describe(*.0))]
    NotIssuableRole(RemotePartyRole),
    /// An XML signing role (87, 89) asked for with keyAgreement.
    #[error("role {} only signs DUIS XML: its certificates are digitalSignature only", describe(*.0))]
    XmlSigningIsDigitalSignatureOnly(RemotePartyRole),
    /// The requester asks for a certificate of another organisation.
    #[error("requester {requester} may not request certificates for organisation {subject}")]
    NotRequestersId {
        /// The requester's id.
        requester: Eui64,
        /// The id in the CSR.
        subject: Eui64,
    },
    /// The requester does not hold the role asked for.
    #[error("requester {requester} does not hold role {}", describe(*.role))]
    RoleNotAllowed {
        /// The requester's id.
        requester: Eui64,
        /// The role asked for.
        role: RemotePartyRole,
    },
    /// The requester may not request device certificates.
    #[error("requester {requester} may not request device certificates: only suppliers, network operators and the DCC may")]
    DeviceRequestNotAllowed {
        /// The requester's id.
        requester: Eui64,
    },
    /// The private key given to [`build_csr`] is not a P-256 PKCS#8 key.
    #[error("not a P-256 PKCS#8 private key: {0}")]
    PrivateKey(String),
    /// The certificate (or CSR) could not be made: a fault of the PKI, not of the request.
    #[error("cannot issue: {0}")]
    Issue(String),
}

/// `02 (supplier)`.
fn describe(role: RemotePartyRole) -> String {
    match role.name() {
        Some(name) => format!("{role} ({name})"),
        None => role.to_string(),
    }
}

impl CsrError {
    /// Whether the CSR is well-formed but the requester may not have it (PERMISSION_DENIED
    /// rather than INVALID_ARGUMENT).
    pub fn is_unauthorised(&self) -> bool {
        matches!(
            self,
            Self::NotRequestersId { .. }
                | Self::RoleNotAllowed { .. }
                | Self::DeviceRequestNotAllowed { .. }
        )
    }

    /// Whether the fault is the issuer's rather than the request's.
    pub fn is_internal(&self) -> bool {
        matches!(self, Self::Issue(_))
    }
}

impl From<der::Error> for CsrError {
    fn from(error: der::Error) -> Self {
        Self::Issue(error.to_string())
    }
}

/// A parsed PKCS#10 request whose structure, key, signature and extensions have been checked;
/// its subject is read against a profile by [`CertificateSigningRequest::subject`].
#[derive(Debug, Clone)]
pub struct CertificateSigningRequest {
    der: Vec<u8>,
    subject: Name,
    public_key: p256::PublicKey,
    usage: KeyUsage,
    subject_alt_name: Option<SubjectAltName>,
}

impl CertificateSigningRequest {
    /// Parses and checks a DER request: P-256 key, ECDSA SHA-256 signature that verifies,
    /// only `extensionRequest` with one key usage and no extension outside the profile.
    pub fn from_der(der: &[u8]) -> Result<Self, CsrError> {
        let request =
            CertReq::from_der(der).map_err(|error| CsrError::Malformed(error.to_string()))?;
        let public_key = p256_key(&request.info.public_key)?;
        check_signature(der, &request, &public_key)?;
        let extensions = requested_extensions(&request.info)?;
        let usage = requested_usage(&extensions)?;
        let subject_alt_name = requested_subject_alt_name(&extensions)?;
        Ok(Self {
            der: der.to_vec(),
            subject: request.info.subject,
            public_key,
            usage,
            subject_alt_name,
        })
    }

    /// Parses the first `CERTIFICATE REQUEST` (or `NEW CERTIFICATE REQUEST`) PEM block.
    pub fn from_pem(text: &str) -> Result<Self, CsrError> {
        let der = match pem_block(text, CSR_PEM_LABEL) {
            Ok(der) => der,
            Err(error) => pem_block(text, "NEW CERTIFICATE REQUEST")
                .map_err(|_| CsrError::Malformed(error))?,
        };
        Self::from_der(&der)
    }

    /// Parses DER or PEM, whichever the bytes are.
    pub fn from_der_or_pem(bytes: &[u8]) -> Result<Self, CsrError> {
        if bytes.first() == Some(&0x30) {
            return Self::from_der(bytes);
        }
        let text = std::str::from_utf8(bytes)
            .map_err(|_| CsrError::Malformed("neither DER nor UTF-8 PEM text".to_owned()))?;
        Self::from_pem(text)
    }

    /// The request's DER, as received.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The request as PEM.
    pub fn pem(&self) -> String {
        pem_encode(CSR_PEM_LABEL, &self.der)
    }

    /// The key usage requested.
    pub fn usage(&self) -> KeyUsage {
        self.usage
    }

    /// The subject key as an uncompressed SEC1 point.
    pub fn public_key_sec1(&self) -> Vec<u8> {
        self.public_key.to_encoded_point(false).as_bytes().to_vec()
    }

    /// The subject name in RFC 2253 form (empty for a device request).
    pub fn subject_name_rfc2253(&self) -> String {
        name_rfc2253(&self.subject)
    }

    /// The profile the request looks like: device when the subject is empty.
    pub fn inferred_kind(&self) -> CertificateKind {
        if self.subject.0.is_empty() {
            CertificateKind::Device
        } else {
            CertificateKind::Organisation
        }
    }

    /// Reads the subject against the profile of `kind`.
    pub fn subject(&self, kind: CertificateKind) -> Result<CsrSubject, CsrError> {
        match kind {
            CertificateKind::Organisation => self.organisation_subject(),
            CertificateKind::Device => self.device_subject(),
        }
    }

    fn device_subject(&self) -> Result<CsrSubject, CsrError> {
        if !self.subject.0.is_empty() {
            return Err(CsrError::DeviceSubjectNotEmpty(self.subject_name_rfc2253()));
        }
        let names = self
            .subject_alt_name
            .as_ref()
            .ok_or(CsrError::MissingHardwareModuleName)?;
        Ok(CsrSubject::Device {
            id: hardware_module_id(names)?,
        })
    }

    fn organisation_subject(&self) -> Result<CsrSubject, CsrError> {
        if self.subject.0.is_empty() {
            return Err(CsrError::WrongSubject(
                "the subject is empty; an organisation CSR names OU (the role in hex) and x500UniqueIdentifier (the id)".to_owned(),
            ));
        }
        if self.subject_alt_name.is_some() {
            return Err(CsrError::UnexpectedSubjectAltName);
        }
        let fields = OrganisationFields::read(&self.subject)?;
        let role = fields
            .role
            .ok_or_else(|| wrong_subject("no OU (the remote party role as two hex digits)"))?;
        let id = fields
            .id
            .ok_or_else(|| wrong_subject("no x500UniqueIdentifier (the organisation id)"))?;
        if role.name().is_none() {
            return Err(CsrError::UnknownRole(role));
        }
        if role == RemotePartyRole::ROOT || role == RemotePartyRole::ISSUING_AUTHORITY {
            return Err(CsrError::NotIssuableRole(role));
        }
        Ok(CsrSubject::Organisation {
            id,
            role,
            common_name: fields.common_name,
        })
    }
}

fn wrong_subject(reason: &str) -> CsrError {
    CsrError::WrongSubject(reason.to_owned())
}

/// The attributes of an organisation subject, each at most once.
#[derive(Default)]
struct OrganisationFields {
    common_name: Option<String>,
    role: Option<RemotePartyRole>,
    id: Option<Eui64>,
}

impl OrganisationFields {
    fn read(subject: &Name) -> Result<Self, CsrError> {
        let mut fields = Self::default();
        for rdn in &subject.0 {
            if rdn.0.len() != 1 {
                return Err(wrong_subject("a multi-valued RDN"));
            }
            for attribute in rdn.0.iter() {
                fields.add(attribute)?;
            }
        }
        Ok(fields)
    }

    fn add(&mut self, attribute: &AttributeTypeAndValue) -> Result<(), CsrError> {
        let oid = attribute.oid;
        if oid == oids::COMMON_NAME {
            let text = attribute_text(attribute).ok_or_else(|| wrong_subject("CN is not text"))?;
            if text.is_empty() || text.chars().count() > MAX_COMMON_NAME_LENGTH {
                return Err(wrong_subject(&format!(
                    "CN must be 1 to {MAX_COMMON_NAME_LENGTH} characters"
                )));
            }
            return set_once(&mut self.common_name, text.to_owned(), "CN");
        }
        if oid == oids::ORGANIZATIONAL_UNIT {
            let text = attribute_text(attribute).ok_or_else(|| wrong_subject("OU is not text"))?;
            let role = RemotePartyRole::from_hex(text).ok_or_else(|| {
                wrong_subject(&format!(
                    "OU {text:?} is not a remote party role as two hex digits"
                ))
            })?;
            return set_once(&mut self.role, role, "OU");
        }
        if oid == oids::X500_UNIQUE_IDENTIFIER {
            let id = unique_identifier(attribute)?;
            return set_once(&mut self.id, id, "x500UniqueIdentifier");
        }
        Err(wrong_subject(&format!(
            "attribute {oid} is not in the organisation profile (CN, OU, x500UniqueIdentifier)"
        )))
    }
}

fn set_once<T>(slot: &mut Option<T>, value: T, name: &str) -> Result<(), CsrError> {
    if slot.is_some() {
        return Err(wrong_subject(&format!("{name} appears twice")));
    }
    *slot = Some(value);
    Ok(())
}

fn attribute_text(attribute: &AttributeTypeAndValue) -> Option<&str> {
    match attribute.value.tag() {
        Tag::Utf8String | Tag::PrintableString => std::str::from_utf8(attribute.value.value()).ok(),
        _ => None,
    }
}

fn unique_identifier(attribute: &AttributeTypeAndValue) -> Result<Eui64, CsrError> {
    let bits = BitStringRef::try_from(&attribute.value)
        .map_err(|_| wrong_subject("x500UniqueIdentifier is not a BIT STRING"))?;
    let bytes: [u8; 8] = bits
        .as_bytes()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| wrong_subject("x500UniqueIdentifier is not 64 bits"))?;
    Ok(Eui64::new(bytes))
}

/// The P-256 key of the request, or what it holds instead.
fn p256_key(info: &SubjectPublicKeyInfoOwned) -> Result<p256::PublicKey, CsrError> {
    let algorithm = info.algorithm.oid;
    if algorithm == oids::ED25519 {
        return Err(CsrError::WrongKeyType("an Ed25519 key".to_owned()));
    }
    if algorithm == oids::RSA_ENCRYPTION {
        return Err(CsrError::WrongKeyType("an RSA key".to_owned()));
    }
    if algorithm != oids::EC_PUBLIC_KEY {
        return Err(CsrError::WrongKeyType(format!(
            "a key of algorithm {algorithm}"
        )));
    }
    let curve = info
        .algorithm
        .parameters
        .as_ref()
        .and_then(|parameters| parameters.decode_as::<der::asn1::ObjectIdentifier>().ok());
    match curve {
        Some(curve) if curve == oids::PRIME256V1 => {}
        Some(curve) if curve == oids::SECP384R1 => {
            return Err(CsrError::WrongKeyType(
                "an EC key on curve P-384 (secp384r1)".to_owned(),
            ))
        }
        Some(curve) => {
            return Err(CsrError::WrongKeyType(format!(
                "an EC key on curve {curve}"
            )))
        }
        None => {
            return Err(CsrError::WrongKeyType(
                "an EC key without a named curve".to_owned(),
            ))
        }
    }
    let point = info
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| CsrError::WrongKeyType("a key BIT STRING with unused bits".to_owned()))?;
    p256::PublicKey::from_sec1_bytes(point)
        .map_err(|_| CsrError::WrongKeyType("bytes that are not a P-256 point".to_owned()))
}

/// Checks ECDSA SHA-256 and the signature over the request info as received.
fn check_signature(
    der: &[u8],
    request: &CertReq,
    public_key: &p256::PublicKey,
) -> Result<(), CsrError> {
    let algorithm = &request.algorithm;
    if algorithm.oid != oids::ECDSA_WITH_SHA256 || algorithm.parameters.is_some() {
        return Err(CsrError::WrongSignatureAlgorithm(algorithm.oid.to_string()));
    }
    let signed = first_inner_tlv(der).ok_or(CsrError::BadSignature)?;
    let signature = request.signature.as_bytes().ok_or(CsrError::BadSignature)?;
    let point = public_key.to_encoded_point(false);
    ring::signature::UnparsedPublicKey::new(
        &ring::signature::ECDSA_P256_SHA256_ASN1,
        point.as_bytes(),
    )
    .verify(signed, signature)
    .map_err(|_| CsrError::BadSignature)
}

/// The extensions of the `extensionRequest` attribute (none without one); any other attribute
/// and any extension outside the profile is refused, as is one asked for twice.
fn requested_extensions(info: &CertReqInfo) -> Result<Vec<Extension>, CsrError> {
    let mut extensions: Option<Vec<Extension>> = None;
    for attribute in info.attributes.iter() {
        if attribute.oid != oids::EXTENSION_REQUEST {
            return Err(CsrError::UnsupportedAttribute(attribute.oid.to_string()));
        }
        let [value] = attribute.values.as_slice() else {
            return Err(CsrError::Malformed(
                "extensionRequest must hold exactly one value".to_owned(),
            ));
        };
        let requested = value
            .decode_as::<Vec<Extension>>()
            .map_err(|error| CsrError::Malformed(format!("extensionRequest: {error}")))?;
        if extensions.replace(requested).is_some() {
            return Err(CsrError::Malformed(
                "two extensionRequest attributes".to_owned(),
            ));
        }
    }
    let extensions = extensions.unwrap_or_default();
    for (index, extension) in extensions.iter().enumerate() {
        let oid = extension.extn_id;
        if extensions
            .get(..index)
            .unwrap_or_default()
            .iter()
            .any(|earlier| earlier.extn_id == oid)
        {
            return Err(CsrError::Malformed(format!(
                "extension {oid} requested twice"
            )));
        }
        check_extension(extension)?;
    }
    Ok(extensions)
}

fn check_extension(extension: &Extension) -> Result<(), CsrError> {
    let oid = extension.extn_id;
    if oid == oids::BASIC_CONSTRAINTS {
        let constraints = BasicConstraints::from_der(extension.extn_value.as_bytes())
            .map_err(|error| CsrError::Malformed(format!("basicConstraints: {error}")))?;
        if constraints.ca {
            return Err(CsrError::CaRequested);
        }
        return Ok(());
    }
    if [
        oids::KEY_USAGE,
        oids::SUBJECT_ALT_NAME,
        oids::SUBJECT_KEY_IDENTIFIER,
    ]
    .contains(&oid)
    {
        return Ok(());
    }
    Err(CsrError::UnsupportedExtension(oid.to_string()))
}

fn find_extension<'a>(
    extensions: &'a [Extension],
    oid: &der::asn1::ObjectIdentifier,
) -> Option<&'a Extension> {
    extensions
        .iter()
        .find(|extension| extension.extn_id == *oid)
}

/// The one usage the request's keyUsage allows.
fn requested_usage(extensions: &[Extension]) -> Result<KeyUsage, CsrError> {
    let extension =
        find_extension(extensions, &oids::KEY_USAGE).ok_or(CsrError::MissingKeyUsage)?;
    let usage = KeyUsageExtension::from_der(extension.extn_value.as_bytes())
        .map_err(|error| CsrError::Malformed(format!("keyUsage: {error}")))?;
    let others = usage.0 - (KeyUsages::DigitalSignature | KeyUsages::KeyAgreement);
    if !others.is_empty() {
        let names: Vec<String> = others
            .into_iter()
            .map(|usage| format!("{usage:?}"))
            .collect();
        return Err(CsrError::WrongKeyUsage(names.join(", ")));
    }
    match (usage.digital_signature(), usage.key_agreement()) {
        (true, true) => Err(CsrError::TwoKeyUsages),
        (true, false) => Ok(KeyUsage::DigitalSignature),
        (false, true) => Ok(KeyUsage::KeyAgreement),
        (false, false) => Err(CsrError::MissingKeyUsage),
    }
}

fn requested_subject_alt_name(
    extensions: &[Extension],
) -> Result<Option<SubjectAltName>, CsrError> {
    let Some(extension) = find_extension(extensions, &oids::SUBJECT_ALT_NAME) else {
        return Ok(None);
    };
    SubjectAltName::from_der(extension.extn_value.as_bytes())
        .map(Some)
        .map_err(|error| CsrError::BadSubjectAltName(error.to_string()))
}

/// The EUI-64 of a single `hardwareModuleName` with an 8-byte serial number.
fn hardware_module_id(names: &SubjectAltName) -> Result<Eui64, CsrError> {
    let [name] = names.0.as_slice() else {
        return Err(CsrError::BadSubjectAltName(format!(
            "{} names; a device CSR has exactly one hardwareModuleName",
            names.0.len()
        )));
    };
    let GeneralName::OtherName(other) = name else {
        return Err(CsrError::BadSubjectAltName(
            "the name is not an otherName hardwareModuleName".to_owned(),
        ));
    };
    if other.type_id != oids::HARDWARE_MODULE_NAME {
        return Err(CsrError::BadSubjectAltName(format!(
            "otherName {} is not hardwareModuleName",
            other.type_id
        )));
    }
    let module = other
        .value
        .decode_as::<HardwareModuleName>()
        .map_err(|error| CsrError::BadSubjectAltName(format!("hardwareModuleName: {error}")))?;
    let bytes: [u8; 8] = module
        .hardware_serial_number
        .as_bytes()
        .try_into()
        .map_err(|_| {
            CsrError::BadSubjectAltName(
                "hardwareModuleName's serial number is not an 8-byte EUI-64".to_owned(),
            )
        })?;
    Ok(Eui64::new(bytes))
}

/// Checks a parsed request against what was asked and who asks; answers the subject and
/// usage to issue.
pub fn check_request(
    csr: &CertificateSigningRequest,
    kind: Option<CertificateKind>,
    usage: Option<KeyUsage>,
    requester: &Requester,
) -> Result<(CsrSubject, KeyUsage), CsrError> {
    let subject = csr.subject(kind.unwrap_or_else(|| csr.inferred_kind()))?;
    if let Some(requested) = usage {
        if requested != csr.usage {
            return Err(CsrError::UsageMismatch {
                requested,
                in_csr: csr.usage,
            });
        }
    }
    if let CsrSubject::Organisation { role, .. } = &subject {
        if role.is_xml_signing() && csr.usage == KeyUsage::KeyAgreement {
            return Err(CsrError::XmlSigningIsDigitalSignatureOnly(*role));
        }
    }
    authorise(requester, &subject)?;
    Ok((subject, csr.usage))
}

/// The roles of DCC users, who may each hold an XML signing (87) certificate.
const USER_ROLES: [RemotePartyRole; 4] = [
    RemotePartyRole::SUPPLIER,
    RemotePartyRole::NETWORK_OPERATOR,
    RemotePartyRole::OTHER_USER,
    RemotePartyRole::LOAD_CONTROLLER,
];

/// The roles that may request device certificates.
const DEVICE_REQUESTER_ROLES: [RemotePartyRole; 3] = [
    RemotePartyRole::SUPPLIER,
    RemotePartyRole::NETWORK_OPERATOR,
    RemotePartyRole::ACCESS_CONTROL_BROKER,
];

fn authorise(requester: &Requester, subject: &CsrSubject) -> Result<(), CsrError> {
    let Requester::Subscriber { id, roles } = requester else {
        return Ok(());
    };
    let holds_any = |wanted: &[RemotePartyRole]| roles.iter().any(|role| wanted.contains(role));
    match subject {
        CsrSubject::Device { .. } => {
            if holds_any(&DEVICE_REQUESTER_ROLES) {
                return Ok(());
            }
            Err(CsrError::DeviceRequestNotAllowed { requester: *id })
        }
        CsrSubject::Organisation {
            id: subject_id,
            role,
            ..
        } => {
            if subject_id != id {
                return Err(CsrError::NotRequestersId {
                    requester: *id,
                    subject: *subject_id,
                });
            }
            let allowed = roles.contains(role)
                || (*role == RemotePartyRole::XML_SIGNING && holds_any(&USER_ROLES))
                || (*role == RemotePartyRole::DSP_XML_SIGNING
                    && holds_any(&[RemotePartyRole::ACCESS_CONTROL_BROKER]));
            if allowed {
                return Ok(());
            }
            Err(CsrError::RoleNotAllowed {
                requester: *id,
                role: *role,
            })
        }
    }
}

impl TestPki {
    /// Checks a submitted CSR ([`check_request`]) and issues its certificate from the
    /// organisation CA or the device CA, with the profile of the PKI's own certificates.
    /// Deterministic: the serial number derives from the PKI's seed and the CSR's bytes, so
    /// the same CSR gives the same certificate.
    pub fn issue_from_csr(
        &self,
        submission: &CsrSubmission,
        requester: &Requester,
    ) -> Result<Certificate, CsrError> {
        let csr = CertificateSigningRequest::from_der_or_pem(&submission.csr)?;
        let (subject, usage) = check_request(&csr, submission.kind, submission.usage, requester)?;
        let issue_error = |error: &dyn std::fmt::Display| CsrError::Issue(error.to_string());
        let (ca, profile, not_after) = match subject {
            CsrSubject::Organisation {
                id,
                role,
                common_name,
            } => (
                self.organisation_ca(),
                Profile::Organisation {
                    id,
                    role,
                    common_name,
                    usage,
                },
                date(2120, 1, 1, 0, 0, 0),
            ),
            CsrSubject::Device { id } => (
                self.device_ca(),
                Profile::Device { id, usage },
                date(9999, 12, 31, 23, 59, 59),
            ),
        };
        let issuer = issuer_of(ca).map_err(|error| issue_error(&error))?;
        let request = CertificateRequest {
            seed: self.seed(),
            identity_name: "",
            ca_common_name: "",
            profile,
            not_before: date(2020, 1, 1, 0, 0, 0).map_err(|error| issue_error(&error))?,
            not_after: not_after.map_err(|error| issue_error(&error))?,
        };
        let serial = derive_serial(
            self.seed(),
            &format!("csr {}", hex::encode(Sha256::digest(csr.der()))),
        );
        issue_for_public_key(&request, &csr.public_key, &serial, &issuer)
            .map_err(|error| issue_error(&error))
    }
}

/// Builds a DER PKCS#10 request for `subject` with the key the user brings (P-256 PKCS#8
/// DER), asking for `usage` (and, for a device, its `hardwareModuleName`); signed with RFC 6979,
/// so the same inputs give the same bytes.
pub fn build_csr(
    subject: &CsrSubject,
    usage: KeyUsage,
    private_key_pkcs8_der: &[u8],
) -> Result<Vec<u8>, CsrError> {
    let secret = p256::SecretKey::from_pkcs8_der(private_key_pkcs8_der)
        .map_err(|error| CsrError::PrivateKey(error.to_string()))?;
    let issue_error = |error: crate::IssueError| CsrError::Issue(error.to_string());
    let (name, profile) = match subject {
        CsrSubject::Organisation {
            id,
            role,
            common_name,
        } => (
            organisation_name(*id, *role, common_name.as_deref()).map_err(issue_error)?,
            Profile::Organisation {
                id: *id,
                role: *role,
                common_name: common_name.clone(),
                usage,
            },
        ),
        CsrSubject::Device { id } => (RdnSequence(Vec::new()), Profile::Device { id: *id, usage }),
    };
    let mut extensions = vec![
        extension(oids::KEY_USAGE, true, &key_usage_extension(&profile)).map_err(issue_error)?,
    ];
    if let CsrSubject::Device { id } = subject {
        let names = hardware_module_alt_name(*id).map_err(issue_error)?;
        extensions.push(extension(oids::SUBJECT_ALT_NAME, true, &names).map_err(issue_error)?);
    }
    let public_key_der = secret
        .public_key()
        .to_public_key_der()
        .map_err(|error| CsrError::Issue(error.to_string()))?;
    let info = CertReqInfo {
        version: Version::V1,
        subject: name,
        public_key: SubjectPublicKeyInfoOwned::from_der(public_key_der.as_bytes())?,
        attributes: SetOfVec::try_from(vec![Attribute::try_from(ExtensionReq(extensions))?])?,
    };
    let signature: DerSignature = SigningKey::from(&secret).sign(&info.to_der()?);
    let request = CertReq {
        info,
        algorithm: ecdsa_with_sha256(),
        signature: BitString::from_bytes(signature.as_bytes())?,
    };
    Ok(request.to_der()?)
}

/// A DER request as `CERTIFICATE REQUEST` PEM.
pub fn csr_pem(der: &[u8]) -> String {
    pem_encode(CSR_PEM_LABEL, der)
}
