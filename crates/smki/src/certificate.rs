//! A parsed SMKI certificate and the facts the parties read from it.

use std::fmt;

use base64::Engine as _;
use dcc_model::Eui64;
use der::asn1::{BitStringRef, ObjectIdentifier, OctetString};
use der::{Decode, Reader, Sequence, SliceReader, Tag, Tagged};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{BasicConstraints, CertificatePolicies, SubjectAltName};
use x509_cert::name::Name;

use crate::oids;
use crate::role::{KeyUsage, RemotePartyRole};

/// Why bytes are not an SMKI certificate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    /// The DER does not decode as an X.509 certificate.
    #[error("not an X.509 certificate: {0}")]
    Der(String),
    /// The text holds no `-----BEGIN CERTIFICATE-----` block, or its base64 is damaged.
    #[error("not a PEM certificate: {0}")]
    Pem(String),
    /// SMKI keys are P-256 only; this certificate's key is something else.
    #[error("the subject key is not an uncompressed P-256 point")]
    NotP256,
}

/// The five kinds of party a certificate can belong to in the SMKI hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdentityKind {
    /// The self-signed SMKI root.
    RootCa,
    /// The CA that issues organisation (remote party) certificates.
    OrganisationCa,
    /// The CA that issues device certificates.
    DeviceCa,
    /// A remote party (DCC user, DCC service) identified by `x500UniqueIdentifier`.
    Organisation,
    /// A device identified by its EUI-64 in `subjectAltName` `hardwareModuleName`.
    Device,
}

/// An X.509 certificate of the SMKI profile (P-256, ECDSA with SHA-256), parsed once.
///
/// Two certificates are equal when their DER is.
#[derive(Clone)]
pub struct Certificate {
    der: Vec<u8>,
    parsed: x509_cert::Certificate,
    serial_bytes: Vec<u8>,
    serial_decimal: String,
    public_key: [u8; 65],
    facts: Facts,
}

/// What lookups ask of every certificate, read once at parse time.
#[derive(Clone, Debug, Default)]
struct Facts {
    organisation_id: Option<Eui64>,
    device_id: Option<Eui64>,
    role: Option<RemotePartyRole>,
    key_usage: Option<KeyUsage>,
    is_ca: bool,
    issuer_der: Vec<u8>,
    subject_der: Vec<u8>,
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}

impl Eq for Certificate {}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("serial", &self.serial_hex())
            .field("issuer", &self.issuer_name_rfc2253())
            .field("subject", &self.subject_name_rfc2253())
            .field("subject_id", &self.subject_id())
            .field("role", &self.role())
            .field("key_usage", &self.key_usage())
            .finish()
    }
}

/// The `HardwareModuleName` of RFC 4108 inside a device certificate's `otherName`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub(crate) struct HardwareModuleName {
    pub(crate) hardware_type: ObjectIdentifier,
    pub(crate) hardware_serial_number: OctetString,
}

impl Certificate {
    /// Parses a DER certificate; refuses anything that is not P-256.
    pub fn from_der(der: &[u8]) -> Result<Self, CertificateError> {
        let parsed = x509_cert::Certificate::from_der(der)
            .map_err(|error| CertificateError::Der(error.to_string()))?;
        let public_key = p256_point(&parsed)?;
        let serial_bytes = strip_leading_zeros(parsed.tbs_certificate.serial_number.as_bytes());
        let serial_decimal = bytes_to_decimal(&serial_bytes);
        let mut certificate = Self {
            der: der.to_vec(),
            parsed,
            serial_bytes,
            serial_decimal,
            public_key,
            facts: Facts::default(),
        };
        certificate.facts = Facts {
            organisation_id: certificate.read_organisation_id(),
            device_id: certificate.read_device_id(),
            role: certificate.read_role(),
            key_usage: certificate.read_key_usage(),
            is_ca: certificate.read_is_ca(),
            issuer_der: der::Encode::to_der(&certificate.parsed.tbs_certificate.issuer)
                .unwrap_or_default(),
            subject_der: der::Encode::to_der(&certificate.parsed.tbs_certificate.subject)
                .unwrap_or_default(),
        };
        Ok(certificate)
    }

    /// Parses the first `CERTIFICATE` block of PEM text (tolerant of CRLF and stray whitespace).
    pub fn from_pem(pem: &str) -> Result<Self, CertificateError> {
        let der = pem_block(pem, "CERTIFICATE").map_err(CertificateError::Pem)?;
        Self::from_der(&der)
    }

    /// Parses DER or PEM, whichever the bytes are.
    pub fn from_der_or_pem(bytes: &[u8]) -> Result<Self, CertificateError> {
        if bytes.first() == Some(&0x30) {
            return Self::from_der(bytes);
        }
        let text = std::str::from_utf8(bytes)
            .map_err(|_| CertificateError::Pem("neither DER nor UTF-8 text".to_owned()))?;
        Self::from_pem(text)
    }

    /// The certificate's DER encoding, exactly as parsed or generated.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The certificate as PEM (64-character lines, LF line ends).
    pub fn pem(&self) -> String {
        pem_encode("CERTIFICATE", &self.der)
    }

    /// The serial number's magnitude, without a sign byte.
    pub fn serial_bytes(&self) -> &[u8] {
        &self.serial_bytes
    }

    /// The serial number in decimal, as XML signatures' `X509SerialNumber` and `keystore.json` write it.
    pub fn serial_decimal(&self) -> &str {
        &self.serial_decimal
    }

    /// The serial number in uppercase hex without leading zeros, as the SMKI repository writes it.
    pub fn serial_hex(&self) -> String {
        let hex = hex::encode_upper(&self.serial_bytes);
        let trimmed = hex.trim_start_matches('0');
        if trimmed.is_empty() {
            "0".to_owned()
        } else {
            trimmed.to_owned()
        }
    }

    /// The 8-byte id of the subject: `x500UniqueIdentifier` for an organisation,
    /// `hardwareModuleName`'s serial number for a device.
    pub fn subject_id(&self) -> Option<Eui64> {
        self.organisation_id().or_else(|| self.device_id())
    }

    /// The organisation id held in the subject's `x500UniqueIdentifier`.
    pub fn organisation_id(&self) -> Option<Eui64> {
        self.facts.organisation_id
    }

    fn read_organisation_id(&self) -> Option<Eui64> {
        let attribute = self.subject_attribute(&oids::X500_UNIQUE_IDENTIFIER)?;
        let bits = BitStringRef::try_from(&attribute.value).ok()?;
        let bytes: [u8; 8] = bits.as_bytes()?.try_into().ok()?;
        Some(Eui64::new(bytes))
    }

    /// The device EUI-64 held in the `subjectAltName` `hardwareModuleName`.
    pub fn device_id(&self) -> Option<Eui64> {
        self.facts.device_id
    }

    fn read_device_id(&self) -> Option<Eui64> {
        let hardware_module_name = self.hardware_module_name()?;
        let bytes: [u8; 8] = hardware_module_name
            .hardware_serial_number
            .as_bytes()
            .try_into()
            .ok()?;
        Some(Eui64::new(bytes))
    }

    /// The `hwType` OID of the device's `hardwareModuleName`.
    pub fn hardware_type(&self) -> Option<ObjectIdentifier> {
        self.hardware_module_name().map(|name| name.hardware_type)
    }

    /// Whether this is a device certificate (its id is in `subjectAltName`).
    pub fn is_device(&self) -> bool {
        self.device_id().is_some()
    }

    /// Whether `basicConstraints` says this is a CA.
    pub fn is_ca(&self) -> bool {
        self.facts.is_ca
    }

    fn read_is_ca(&self) -> bool {
        self.extension_value::<BasicConstraints>(&oids::BASIC_CONSTRAINTS)
            .is_some_and(|constraints| constraints.ca)
    }

    /// Whether the certificate names itself as its issuer.
    pub fn is_self_issued(&self) -> bool {
        self.facts.issuer_der == self.facts.subject_der
    }

    /// Which kind of SMKI party the certificate belongs to, if it is any.
    pub fn kind(&self) -> Option<IdentityKind> {
        if self.is_ca() {
            if self.is_self_issued() {
                return Some(IdentityKind::RootCa);
            }
            if self
                .policy_oids()
                .contains(&oids::DEVICE_CERTIFICATE_POLICY)
            {
                return Some(IdentityKind::DeviceCa);
            }
            return Some(IdentityKind::OrganisationCa);
        }
        if self.device_id().is_some() {
            return Some(IdentityKind::Device);
        }
        if self.organisation_id().is_some() {
            return Some(IdentityKind::Organisation);
        }
        None
    }

    /// The remote-party role in the subject's `OU` (two hex digits), for organisations and CAs.
    pub fn role(&self) -> Option<RemotePartyRole> {
        self.facts.role
    }

    fn read_role(&self) -> Option<RemotePartyRole> {
        let attribute = self.subject_attribute(&oids::ORGANIZATIONAL_UNIT)?;
        RemotePartyRole::from_hex(attribute_text(attribute)?)
    }

    /// The subject's common name, if any.
    pub fn common_name(&self) -> Option<&str> {
        attribute_text(self.subject_attribute(&oids::COMMON_NAME)?)
    }

    /// Whether the key signs or agrees keys; `None` for a CA or a certificate with neither bit.
    pub fn key_usage(&self) -> Option<KeyUsage> {
        self.facts.key_usage
    }

    fn read_key_usage(&self) -> Option<KeyUsage> {
        let usage = self.extension_value::<x509_cert::ext::pkix::KeyUsage>(&oids::KEY_USAGE)?;
        if usage.digital_signature() {
            return Some(KeyUsage::DigitalSignature);
        }
        if usage.key_agreement() {
            return Some(KeyUsage::KeyAgreement);
        }
        None
    }

    /// Whether the `keyUsage` extension allows signing certificates.
    pub fn can_sign_certificates(&self) -> bool {
        self.extension_value::<x509_cert::ext::pkix::KeyUsage>(&oids::KEY_USAGE)
            .is_some_and(|usage| usage.key_cert_sign())
    }

    /// The issuer's distinguished name the way DCC's Java signing tool writes `ds:X509IssuerName`
    /// (RFC 2253, last RDN first, no space after commas): `CN=Z1,OU=07`.
    pub fn issuer_name_rfc2253(&self) -> String {
        name_rfc2253(&self.parsed.tbs_certificate.issuer)
    }

    /// The subject's distinguished name in RFC 2253 form (empty for a device).
    pub fn subject_name_rfc2253(&self) -> String {
        name_rfc2253(&self.parsed.tbs_certificate.subject)
    }

    /// The issuer name's DER.
    pub fn issuer_der(&self) -> &[u8] {
        &self.facts.issuer_der
    }

    /// The subject name's DER.
    pub fn subject_der(&self) -> &[u8] {
        &self.facts.subject_der
    }

    /// Start of validity, in seconds since the Unix epoch.
    pub fn not_before(&self) -> i64 {
        unix_seconds(self.parsed.tbs_certificate.validity.not_before)
    }

    /// End of validity (inclusive), in seconds since the Unix epoch.
    pub fn not_after(&self) -> i64 {
        unix_seconds(self.parsed.tbs_certificate.validity.not_after)
    }

    /// Whether `at_unix_time` lies within the validity period.
    pub fn is_valid_at(&self, at_unix_time: i64) -> bool {
        self.not_before() <= at_unix_time && at_unix_time <= self.not_after()
    }

    /// The subject's P-256 public key as an uncompressed SEC1 point (`04 ‖ x ‖ y`).
    pub fn public_key_sec1(&self) -> [u8; 65] {
        self.public_key
    }

    /// The certificate policy OIDs.
    pub fn policy_oids(&self) -> Vec<ObjectIdentifier> {
        self.extension_value::<CertificatePolicies>(&oids::CERTIFICATE_POLICIES)
            .map(|policies| {
                policies
                    .0
                    .iter()
                    .map(|policy| policy.policy_identifier)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether the extension is present and marked critical (`None` when absent).
    pub fn extension_critical(&self, oid: &ObjectIdentifier) -> Option<bool> {
        self.extensions()
            .find(|extension| extension.extn_id == *oid)
            .map(|extension| extension.critical)
    }

    /// The DER value (inside the OCTET STRING) of an extension, if present.
    pub fn extension_der(&self, oid: &ObjectIdentifier) -> Option<&[u8]> {
        self.extensions()
            .find(|extension| extension.extn_id == *oid)
            .map(|extension| extension.extn_value.as_bytes())
    }

    /// The OIDs of the extensions, in certificate order.
    pub fn extension_oids(&self) -> Vec<ObjectIdentifier> {
        self.extensions()
            .map(|extension| extension.extn_id)
            .collect()
    }

    /// The `subjectKeyIdentifier`, if present.
    pub fn subject_key_identifier(&self) -> Option<Vec<u8>> {
        self.extension_value::<x509_cert::ext::pkix::SubjectKeyIdentifier>(
            &oids::SUBJECT_KEY_IDENTIFIER,
        )
        .map(|identifier| identifier.0.as_bytes().to_vec())
    }

    /// The `authorityKeyIdentifier`'s key identifier, if present.
    pub fn authority_key_identifier(&self) -> Option<Vec<u8>> {
        self.extension_value::<x509_cert::ext::pkix::AuthorityKeyIdentifier>(
            &oids::AUTHORITY_KEY_IDENTIFIER,
        )?
        .key_identifier
        .map(|identifier| identifier.as_bytes().to_vec())
    }

    /// The exact bytes the issuer signed (the `tbsCertificate` TLV).
    pub fn to_be_signed(&self) -> &[u8] {
        first_inner_tlv(&self.der).unwrap_or_default()
    }

    /// The issuer's ECDSA signature, ASN.1 DER encoded.
    pub fn signature_der(&self) -> &[u8] {
        self.parsed.signature.raw_bytes()
    }

    /// The signature algorithm OID.
    pub fn signature_algorithm(&self) -> ObjectIdentifier {
        self.parsed.signature_algorithm.oid
    }

    fn extensions(&self) -> impl Iterator<Item = &x509_cert::ext::Extension> {
        self.parsed.tbs_certificate.extensions.iter().flatten()
    }

    fn extension_value<'a, T: Decode<'a>>(&'a self, oid: &ObjectIdentifier) -> Option<T> {
        let extension = self
            .extensions()
            .find(|extension| extension.extn_id == *oid)?;
        T::from_der(extension.extn_value.as_bytes()).ok()
    }

    fn subject_attribute(&self, oid: &ObjectIdentifier) -> Option<&AttributeTypeAndValue> {
        self.parsed
            .tbs_certificate
            .subject
            .0
            .iter()
            .flat_map(|rdn| rdn.0.iter())
            .find(|attribute| attribute.oid == *oid)
    }

    fn hardware_module_name(&self) -> Option<HardwareModuleName> {
        let names = self.extension_value::<SubjectAltName>(&oids::SUBJECT_ALT_NAME)?;
        names.0.iter().find_map(|name| match name {
            GeneralName::OtherName(other) if other.type_id == oids::HARDWARE_MODULE_NAME => {
                other.value.decode_as::<HardwareModuleName>().ok()
            }
            _ => None,
        })
    }
}

fn p256_point(parsed: &x509_cert::Certificate) -> Result<[u8; 65], CertificateError> {
    let info = &parsed.tbs_certificate.subject_public_key_info;
    if info.algorithm.oid != oids::EC_PUBLIC_KEY {
        return Err(CertificateError::NotP256);
    }
    let curve = info
        .algorithm
        .parameters
        .as_ref()
        .and_then(|parameters| parameters.decode_as::<ObjectIdentifier>().ok());
    if curve != Some(oids::PRIME256V1) {
        return Err(CertificateError::NotP256);
    }
    let point: [u8; 65] = info
        .subject_public_key
        .raw_bytes()
        .try_into()
        .map_err(|_| CertificateError::NotP256)?;
    if point[0] != 0x04 {
        return Err(CertificateError::NotP256);
    }
    Ok(point)
}

fn attribute_text(attribute: &AttributeTypeAndValue) -> Option<&str> {
    match attribute.value.tag() {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::TeletexString => {
            std::str::from_utf8(attribute.value.value()).ok()
        }
        _ => None,
    }
}

fn unix_seconds(time: x509_cert::time::Time) -> i64 {
    i64::try_from(time.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
}

/// The inner first TLV of a DER SEQUENCE: a certificate's `tbsCertificate`.
pub(crate) fn first_inner_tlv(der: &[u8]) -> Option<&[u8]> {
    let mut reader = SliceReader::new(der).ok()?;
    let _outer = der::Header::decode(&mut reader).ok()?;
    reader.tlv_bytes().ok()
}

pub(crate) fn strip_leading_zeros(bytes: &[u8]) -> Vec<u8> {
    let first_nonzero = bytes
        .iter()
        .position(|byte| *byte != 0)
        .unwrap_or(bytes.len());
    bytes.get(first_nonzero..).unwrap_or_default().to_vec()
}

/// Big-endian unsigned bytes as a decimal string (`0` for none).
pub(crate) fn bytes_to_decimal(bytes: &[u8]) -> String {
    let mut number = strip_leading_zeros(bytes);
    let mut digits = Vec::new();
    while !number.is_empty() {
        let mut remainder: u16 = 0;
        for byte in number.iter_mut() {
            let value = (remainder << 8) | u16::from(*byte);
            *byte = (value / 10) as u8;
            remainder = value % 10;
        }
        digits.push(b'0' + remainder as u8);
        number = strip_leading_zeros(&number);
    }
    if digits.is_empty() {
        return "0".to_owned();
    }
    digits
        .iter()
        .rev()
        .map(|digit| char::from(*digit))
        .collect()
}

/// A decimal string as big-endian unsigned bytes without leading zeros, or `None` if not decimal.
pub(crate) fn decimal_to_bytes(decimal: &str) -> Option<Vec<u8>> {
    let decimal = decimal.trim();
    if decimal.is_empty()
        || decimal.len() > 100
        || !decimal.bytes().all(|byte| byte.is_ascii_digit())
    {
        return None;
    }
    let mut number: Vec<u8> = Vec::new();
    for digit in decimal.bytes() {
        let mut carry = u16::from(digit - b'0');
        for byte in number.iter_mut().rev() {
            let value = u16::from(*byte) * 10 + carry;
            *byte = (value & 0xFF) as u8;
            carry = value >> 8;
        }
        if carry > 0 {
            number.insert(0, carry as u8);
        }
    }
    Some(strip_leading_zeros(&number))
}

/// Hex text (any case, optional `0x`, `:` or spaces between octets) as unsigned bytes without
/// leading zeros, or `None`.
pub(crate) fn hex_to_bytes(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    let text = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    let digits: String = text.chars().filter(|c| *c != ':' && *c != ' ').collect();
    if digits.is_empty() || digits.len() > 80 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let padded = if digits.len() % 2 == 1 {
        format!("0{digits}")
    } else {
        digits
    };
    hex::decode(padded)
        .ok()
        .map(|bytes| strip_leading_zeros(&bytes))
}

/// RFC 2253 as Java's `X500Principal.getName()` writes it: RDNs last first, joined by `,`,
/// the keywords Java knows, and `oid=#hex` for other attributes.
pub(crate) fn name_rfc2253(name: &Name) -> String {
    name.0
        .iter()
        .rev()
        .map(|rdn| {
            rdn.0
                .iter()
                .map(attribute_rfc2253)
                .collect::<Vec<_>>()
                .join("+")
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn attribute_rfc2253(attribute: &AttributeTypeAndValue) -> String {
    let keyword = match attribute.oid.to_string().as_str() {
        "2.5.4.3" => Some("CN"),
        "2.5.4.6" => Some("C"),
        "2.5.4.7" => Some("L"),
        "2.5.4.8" => Some("ST"),
        "2.5.4.10" => Some("O"),
        "2.5.4.11" => Some("OU"),
        "2.5.4.9" => Some("STREET"),
        "0.9.2342.19200300.100.1.25" => Some("DC"),
        "0.9.2342.19200300.100.1.1" => Some("UID"),
        _ => None,
    };
    match (keyword, attribute_text(attribute)) {
        (Some(keyword), Some(text)) => format!("{keyword}={}", escape_rfc2253(text)),
        _ => {
            let encoded = der::Encode::to_der(&attribute.value).unwrap_or_default();
            format!("{}=#{}", attribute.oid, hex::encode(encoded))
        }
    }
}

fn escape_rfc2253(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    let last = text.chars().count().saturating_sub(1);
    for (index, character) in text.chars().enumerate() {
        let needs_escape = matches!(character, ',' | '+' | '"' | '\\' | '<' | '>' | ';')
            || (index == 0 && (character == '#' || character == ' '))
            || (index == last && character == ' ');
        if needs_escape {
            escaped.push('\\');
        }
        escaped.push(character);
    }
    escaped
}

/// Normalises an issuer name for comparison: drops spaces around `,` and `=`, so that
/// `CN=Z1, OU=07` (DUIS templates) and `CN=Z1,OU=07` (Java signing tool) compare equal.
pub fn normalise_rfc2253(name: &str) -> String {
    name.split(',')
        .map(|part| part.split('=').map(str::trim).collect::<Vec<_>>().join("="))
        .collect::<Vec<_>>()
        .join(",")
}

/// The base64 body of the first PEM block with the given label.
pub(crate) fn pem_block(text: &str, label: &str) -> Result<Vec<u8>, String> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text
        .find(&begin)
        .ok_or_else(|| format!("no {begin} line"))?
        + begin.len();
    let rest = text.get(start..).unwrap_or_default();
    let stop = rest.find(&end).ok_or_else(|| format!("no {end} line"))?;
    let body: String = rest
        .get(..stop)
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|error| error.to_string())
}

/// PEM with 64-character lines and LF line ends, ending in a newline.
pub(crate) fn pem_encode(label: &str, der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The root CA, the test supplier's DS certificate and a device's DS certificate.
    fn valid_certificates() -> &'static [Certificate; 3] {
        static CERTIFICATES: std::sync::OnceLock<[Certificate; 3]> = std::sync::OnceLock::new();
        CERTIFICATES.get_or_init(|| {
            let device = Eui64::from_u64(0x00DB_1234_5678_90A0);
            let pki = crate::TestPki::default_with_devices(7, &[device]).unwrap();
            let certificate = |id: Eui64| {
                pki.identities()
                    .iter()
                    .find(|identity| {
                        identity.certificate.subject_id() == Some(id)
                            && identity.certificate.key_usage()
                                == Some(crate::KeyUsage::DigitalSignature)
                    })
                    .unwrap()
                    .certificate
                    .clone()
            };
            [
                pki.root_ca().certificate.clone(),
                certificate(Eui64::from_u64(0x90B3_D51F_3001_0000)),
                certificate(device),
            ]
        })
    }

    #[test]
    fn decimal_conversions_agree_with_u128() {
        let value: u128 = 105_986_833_131_214_866_166_891_566_273_223_584_671;
        assert_eq!(bytes_to_decimal(&value.to_be_bytes()), value.to_string());
        assert_eq!(
            decimal_to_bytes(&value.to_string()),
            Some(strip_leading_zeros(&value.to_be_bytes()))
        );
        assert_eq!(bytes_to_decimal(&[]), "0");
    }

    #[test]
    fn issuer_names_normalise() {
        assert_eq!(normalise_rfc2253("CN=U1, OU=07"), "CN=U1,OU=07");
    }

    proptest! {
        // Seeded: the same cases on every run.
        #![proptest_config(ProptestConfig { rng_seed: proptest::test_runner::RngSeed::Fixed(0xCE27), failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn decimal_round_trips(value in any::<u128>()) {
            prop_assert_eq!(bytes_to_decimal(&value.to_be_bytes()), value.to_string());
            prop_assert_eq!(decimal_to_bytes(&value.to_string()).unwrap(), strip_leading_zeros(&value.to_be_bytes()));
        }

        /// Real certificates (a CA, an organisation's, a device's), DER and PEM, with bytes
        /// changed, cut or inserted: parsing answers `Ok` or an error, and what parses keeps
        /// the bytes it was given.
        #[test]
        fn damaged_certificates_never_panic(
            which in 0usize..3,
            pem in any::<bool>(),
            edits in test_support::mutation::edits(),
        ) {
            let certificate = &valid_certificates()[which];
            let valid = if pem { certificate.pem().into_bytes() } else { certificate.der().to_vec() };
            let bytes = test_support::mutation::apply(&valid, &edits);
            if let Ok(parsed) = Certificate::from_der(&bytes) {
                prop_assert_eq!(parsed.der(), bytes.as_slice());
                let _ = (parsed.subject_id(), parsed.role(), parsed.key_usage(), parsed.kind());
                let _ = (parsed.issuer_name_rfc2253(), parsed.policy_oids(), parsed.subject_key_identifier());
            }
            let _ = Certificate::from_der_or_pem(&bytes);
        }
    }
}
