//! The object identifiers of the SMKI certificate profile.

use der::asn1::ObjectIdentifier;

/// `id-ecPublicKey`.
pub const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// The P-256 curve, `prime256v1`.
pub const PRIME256V1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
/// `ecdsa-with-SHA256`, the only signature algorithm of SMKI.
pub const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
/// `commonName`.
pub const COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
/// `organizationalUnitName`: the remote-party role as two hex digits.
pub const ORGANIZATIONAL_UNIT: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.11");
/// `x500UniqueIdentifier`: an organisation's 8-byte id as a 64-bit BIT STRING.
pub const X500_UNIQUE_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.45");
/// `subjectKeyIdentifier`.
pub const SUBJECT_KEY_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");
/// `keyUsage`.
pub const KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
/// `subjectAltName`.
pub const SUBJECT_ALT_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");
/// `basicConstraints`.
pub const BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
/// `certificatePolicies`.
pub const CERTIFICATE_POLICIES: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.32");
/// `authorityKeyIdentifier`.
pub const AUTHORITY_KEY_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.35");
/// `id-on-hardwareModuleName` (RFC 4108): the `otherName` holding a device's EUI-64.
pub const HARDWARE_MODULE_NAME: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.8.4");
/// The certificate policy of SMKI organisation certificates (as DCC's test certificates carry it).
pub const ORGANISATION_CERTIFICATE_POLICY: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.826.0.1.8641679.1.2.1.4");
/// The certificate policy of SMKI device certificates (as the RTDS device certificates carry it).
pub const DEVICE_CERTIFICATE_POLICY: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.826.0.1.1800000.1.2.1.4");
/// The `hwType` of a device's `hardwareModuleName` (as the RTDS device certificates carry it).
pub const DEVICE_HARDWARE_TYPE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.826.0.1.8641679.1.2.2.1");
/// PKCS#9 `extensionRequest`: the CSR attribute holding the extensions asked for.
pub const EXTENSION_REQUEST: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.14");
/// `id-Ed25519` (a key type SMKI does not use).
pub const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
/// `secp384r1`, the P-384 curve (a curve SMKI does not use).
pub const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
/// `rsaEncryption` (a key type SMKI does not use).
pub const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
