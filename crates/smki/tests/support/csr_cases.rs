//! CSRs for tests, good and bad, built from their parts: the refusal table shared by the
//! `smki` CSR tests and the TSP's gRPC tests (`#[path]`-included there).
#![allow(dead_code)]

use dcc_model::Eui64;
use der::asn1::{Any, BitString, ObjectIdentifier, OctetString, SetOfVec};
use der::{Decode, Encode, Sequence, Tag};
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{DerSignature, SigningKey};
use p256::pkcs8::{EncodePrivateKey, EncodePublicKey};
use smki::{
    oids, CertificateKind, CsrSubject, CsrSubmission, KeyUsage, RemotePartyRole, Requester,
};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::attr::{Attribute, AttributeTypeAndValue};
use x509_cert::ext::pkix::name::{GeneralName, OtherName};
use x509_cert::ext::pkix::{
    BasicConstraints, KeyUsage as KeyUsageExtension, KeyUsages, SubjectAltName,
};
use x509_cert::ext::Extension;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::request::{CertReq, CertReqInfo, ExtensionReq, Version};

/// The test supplier (DCC Boxed's `90-B3-D5-1F-30-01-00-00`), holding roles 02 and 87.
pub const SUPPLIER: Eui64 = Eui64::from_u64(0x90B3_D51F_3001_0000);
/// The test network operator.
pub const NETWORK_OPERATOR: Eui64 = Eui64::from_u64(0x90B3_D51F_3002_0000);
/// The test WAN provider (role 06).
pub const WAN_PROVIDER: Eui64 = Eui64::from_u64(0x90B3_D51F_3000_0007);
/// A device the PKI has not issued for.
pub const DEVICE: Eui64 = Eui64::from_u64(0x00DB_1234_5679_0042);

/// 2030-01-01T00:00:00Z.
pub const IN_2030: i64 = 1_893_456_000;

/// The supplier as an SMKI subscriber.
pub fn supplier() -> Requester {
    Requester::Subscriber {
        id: SUPPLIER,
        roles: vec![RemotePartyRole::SUPPLIER, RemotePartyRole::XML_SIGNING],
    }
}

/// The WAN provider as an SMKI subscriber.
pub fn wan_provider() -> Requester {
    Requester::Subscriber {
        id: WAN_PROVIDER,
        roles: vec![RemotePartyRole::WAN_PROVIDER],
    }
}

/// A deterministic P-256 key: every byte of the scalar is `byte` (1..=0xFE).
pub fn p256_key(byte: u8) -> p256::SecretKey {
    p256::SecretKey::from_slice(&[byte; 32]).unwrap()
}

/// The PKCS#8 DER of [`p256_key`].
pub fn p256_pkcs8(byte: u8) -> Vec<u8> {
    p256_key(byte).to_pkcs8_der().unwrap().as_bytes().to_vec()
}

/// A good organisation CSR (`CN`, `OU`, `x500UniqueIdentifier`), built by `smki::build_csr`.
pub fn good_organisation_csr(id: Eui64, role: RemotePartyRole, usage: KeyUsage) -> Vec<u8> {
    let subject = CsrSubject::Organisation {
        id,
        role,
        common_name: Some("GITTESTSUPPLIER".to_owned()),
    };
    smki::build_csr(&subject, usage, &p256_pkcs8(0x11)).unwrap()
}

/// A good device CSR, built by `smki::build_csr`.
pub fn good_device_csr(id: Eui64, usage: KeyUsage) -> Vec<u8> {
    smki::build_csr(&CsrSubject::Device { id }, usage, &p256_pkcs8(0x22)).unwrap()
}

// ---- parts -------------------------------------------------------------------------------

fn attribute(oid: ObjectIdentifier, value: Any) -> RelativeDistinguishedName {
    RelativeDistinguishedName(
        SetOfVec::try_from(vec![AttributeTypeAndValue { oid, value }]).unwrap(),
    )
}

fn text(oid: ObjectIdentifier, value: &str) -> RelativeDistinguishedName {
    attribute(oid, Any::new(Tag::Utf8String, value.as_bytes()).unwrap())
}

fn unique_identifier(id: Eui64) -> RelativeDistinguishedName {
    let mut bits = vec![0u8];
    bits.extend_from_slice(id.as_bytes());
    attribute(
        oids::X500_UNIQUE_IDENTIFIER,
        Any::new(Tag::BitString, bits).unwrap(),
    )
}

/// `CN=…, OU=<role_text>, x500UniqueIdentifier=<id>`.
pub fn organisation_name(id: Eui64, role_text: &str) -> Name {
    RdnSequence(vec![
        text(oids::COMMON_NAME, "GITTESTSUPPLIER"),
        text(oids::ORGANIZATIONAL_UNIT, role_text),
        unique_identifier(id),
    ])
}

fn extension(oid: ObjectIdentifier, critical: bool, value: &impl Encode) -> Extension {
    Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(value.to_der().unwrap()).unwrap(),
    }
}

/// A keyUsage extension with these bits.
pub fn key_usage(flags: impl Into<der::flagset::FlagSet<KeyUsages>>) -> Extension {
    extension(oids::KEY_USAGE, true, &KeyUsageExtension(flags.into()))
}

/// keyUsage digitalSignature.
pub fn digital_signature() -> Extension {
    key_usage(KeyUsages::DigitalSignature)
}

#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
struct HardwareModuleName {
    hardware_type: ObjectIdentifier,
    hardware_serial_number: OctetString,
}

/// subjectAltName hardwareModuleName holding `id`.
pub fn hardware_module_name(id: Eui64) -> Extension {
    let name = HardwareModuleName {
        hardware_type: oids::DEVICE_HARDWARE_TYPE,
        hardware_serial_number: OctetString::new(id.as_bytes().to_vec()).unwrap(),
    };
    let names = SubjectAltName(vec![GeneralName::OtherName(OtherName {
        type_id: oids::HARDWARE_MODULE_NAME,
        value: Any::from_der(&name.to_der().unwrap()).unwrap(),
    })]);
    extension(oids::SUBJECT_ALT_NAME, true, &names)
}

/// subjectAltName with a dNSName only.
pub fn dns_alt_name() -> Extension {
    let names = SubjectAltName(vec![GeneralName::DnsName(
        der::asn1::Ia5String::new("meter.example").unwrap(),
    )]);
    extension(oids::SUBJECT_ALT_NAME, true, &names)
}

fn p256_spki(secret: &p256::SecretKey) -> SubjectPublicKeyInfoOwned {
    SubjectPublicKeyInfoOwned::from_der(secret.public_key().to_public_key_der().unwrap().as_bytes())
        .unwrap()
}

/// The P-384 base point as a P-384 subject key (a valid point on the wrong curve).
fn p384_spki() -> SubjectPublicKeyInfoOwned {
    let point = hex::decode(concat!(
        "04",
        "aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7",
        "3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f"
    ))
    .unwrap();
    SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid: oids::EC_PUBLIC_KEY,
            parameters: Some(Any::from_der(&oids::SECP384R1.to_der().unwrap()).unwrap()),
        },
        subject_public_key: BitString::from_bytes(&point).unwrap(),
    }
}

/// How the assembled request is signed.
pub enum Signing {
    /// ECDSA P-256 SHA-256 with this key (normally the subject's own).
    P256(p256::SecretKey),
    /// ECDSA with this key but naming `ecdsa-with-SHA384`.
    P256NamedSha384(p256::SecretKey),
    /// Ed25519 with a key from this seed (the subject key is then that Ed25519 key).
    Ed25519([u8; 32]),
}

/// Assembles and signs a request from its parts; `spki` `None` takes the signing key's.
pub fn assemble(
    subject: Name,
    spki: Option<SubjectPublicKeyInfoOwned>,
    extensions: Vec<Extension>,
    extra_attributes: Vec<Attribute>,
    signing: &Signing,
) -> Vec<u8> {
    let ed25519 = match signing {
        Signing::Ed25519(seed) => {
            Some(ring::signature::Ed25519KeyPair::from_seed_unchecked(seed).unwrap())
        }
        _ => None,
    };
    let spki = spki.unwrap_or_else(|| match (signing, &ed25519) {
        (_, Some(pair)) => {
            use ring::signature::KeyPair as _;
            SubjectPublicKeyInfoOwned {
                algorithm: AlgorithmIdentifierOwned {
                    oid: oids::ED25519,
                    parameters: None,
                },
                subject_public_key: BitString::from_bytes(pair.public_key().as_ref()).unwrap(),
            }
        }
        (Signing::P256(key) | Signing::P256NamedSha384(key), None) => p256_spki(key),
        (Signing::Ed25519(_), None) => unreachable!(),
    });
    let mut attributes = Vec::new();
    if !extensions.is_empty() {
        attributes.push(Attribute::try_from(ExtensionReq(extensions)).unwrap());
    }
    attributes.extend(extra_attributes);
    let info = CertReqInfo {
        version: Version::V1,
        subject,
        public_key: spki,
        attributes: SetOfVec::try_from(attributes).unwrap(),
    };
    let to_be_signed = info.to_der().unwrap();
    let (oid, signature) = match (signing, &ed25519) {
        (_, Some(pair)) => (oids::ED25519, pair.sign(&to_be_signed).as_ref().to_vec()),
        (Signing::P256(key), None) => {
            let signature: DerSignature = SigningKey::from(key).sign(&to_be_signed);
            (oids::ECDSA_WITH_SHA256, signature.as_bytes().to_vec())
        }
        (Signing::P256NamedSha384(key), None) => {
            let signature: DerSignature = SigningKey::from(key).sign(&to_be_signed);
            (
                ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3"),
                signature.as_bytes().to_vec(),
            )
        }
        (Signing::Ed25519(_), None) => unreachable!(),
    };
    CertReq {
        info,
        algorithm: AlgorithmIdentifierOwned {
            oid,
            parameters: None,
        },
        signature: BitString::from_bytes(&signature).unwrap(),
    }
    .to_der()
    .unwrap()
}

fn own(byte: u8) -> Signing {
    Signing::P256(p256_key(byte))
}

/// A well-signed organisation request with this subject and these extensions.
fn organisation(subject: Name, extensions: Vec<Extension>) -> Vec<u8> {
    assemble(subject, None, extensions, Vec::new(), &own(0x33))
}

/// One row of the refusal table.
pub struct RefusalCase {
    /// What is wrong, for people.
    pub name: &'static str,
    /// What is submitted.
    pub submission: CsrSubmission,
    /// Who submits it.
    pub requester: Requester,
    /// The `CsrError` variant expected (its Debug name).
    pub expected: &'static str,
    /// Whether the refusal is for lack of rights (PERMISSION_DENIED) rather than a bad request.
    pub unauthorised: bool,
}

fn case(
    name: &'static str,
    csr: Vec<u8>,
    kind: Option<CertificateKind>,
    usage: Option<KeyUsage>,
    requester: Requester,
    expected: &'static str,
) -> RefusalCase {
    let unauthorised = matches!(
        expected,
        "NotRequestersId" | "RoleNotAllowed" | "DeviceRequestNotAllowed"
    );
    RefusalCase {
        name,
        submission: CsrSubmission { csr, kind, usage },
        requester,
        expected,
        unauthorised,
    }
}

/// Malformed, out-of-profile and unauthorised requests, each with the refusal it must get.
pub fn refusal_cases() -> Vec<RefusalCase> {
    use CertificateKind::{Device, Organisation};
    use KeyUsage::{DigitalSignature, KeyAgreement};
    let supplier_name = || organisation_name(SUPPLIER, "02");
    let org = Some(Organisation);
    let ds = Some(DigitalSignature);
    let mut tampered = good_organisation_csr(SUPPLIER, RemotePartyRole::SUPPLIER, DigitalSignature);
    let at = tampered
        .windows(15)
        .position(|window| window == b"GITTESTSUPPLIER")
        .unwrap();
    tampered[at + 14] = b'S';
    let certificate_not_csr = smki::TestPki::generate(1, &[], &[])
        .unwrap()
        .root_ca()
        .certificate
        .der()
        .to_vec();
    let challenge_password = Attribute {
        oid: ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.7"),
        values: SetOfVec::try_from(vec![
            Any::new(Tag::Utf8String, b"secret".as_slice()).unwrap()
        ])
        .unwrap(),
    };
    vec![
        case(
            "not DER at all",
            b"hello, TSP".to_vec(),
            org,
            ds,
            supplier(),
            "Malformed",
        ),
        case(
            "a certificate, not a CSR",
            certificate_not_csr,
            org,
            ds,
            supplier(),
            "Malformed",
        ),
        case(
            "Ed25519 key",
            assemble(
                supplier_name(),
                None,
                vec![digital_signature()],
                Vec::new(),
                &Signing::Ed25519([9; 32]),
            ),
            org,
            ds,
            supplier(),
            "WrongKeyType",
        ),
        case(
            "P-384 key",
            assemble(
                supplier_name(),
                Some(p384_spki()),
                vec![digital_signature()],
                Vec::new(),
                &own(0x33),
            ),
            org,
            ds,
            supplier(),
            "WrongKeyType",
        ),
        case(
            "signed with another key than the subject's",
            assemble(
                supplier_name(),
                Some(p256_spki(&p256_key(0x44))),
                vec![digital_signature()],
                Vec::new(),
                &own(0x33),
            ),
            org,
            ds,
            supplier(),
            "BadSignature",
        ),
        case(
            "CN changed after signing",
            tampered,
            org,
            ds,
            supplier(),
            "BadSignature",
        ),
        case(
            "signature algorithm ecdsa-with-SHA384",
            assemble(
                supplier_name(),
                None,
                vec![digital_signature()],
                Vec::new(),
                &Signing::P256NamedSha384(p256_key(0x33)),
            ),
            org,
            ds,
            supplier(),
            "WrongSignatureAlgorithm",
        ),
        case(
            "challengePassword attribute",
            assemble(
                supplier_name(),
                None,
                vec![digital_signature()],
                vec![challenge_password],
                &own(0x33),
            ),
            org,
            ds,
            supplier(),
            "UnsupportedAttribute",
        ),
        case(
            "organisation subject without x500UniqueIdentifier",
            organisation(
                RdnSequence(vec![
                    text(oids::COMMON_NAME, "X"),
                    text(oids::ORGANIZATIONAL_UNIT, "02"),
                ]),
                vec![digital_signature()],
            ),
            org,
            ds,
            supplier(),
            "WrongSubject",
        ),
        case(
            "organisation subject with an O attribute",
            organisation(
                RdnSequence(vec![
                    text(ObjectIdentifier::new_unwrap("2.5.4.10"), "Acme"),
                    text(oids::ORGANIZATIONAL_UNIT, "02"),
                    unique_identifier(SUPPLIER),
                ]),
                vec![digital_signature()],
            ),
            org,
            ds,
            supplier(),
            "WrongSubject",
        ),
        case(
            "OU is a name, not the role in hex",
            organisation(
                organisation_name(SUPPLIER, "SUPPLIER"),
                vec![digital_signature()],
            ),
            org,
            ds,
            supplier(),
            "WrongSubject",
        ),
        case(
            "organisation CSR with an empty subject",
            good_device_csr(DEVICE, DigitalSignature),
            org,
            ds,
            supplier(),
            "WrongSubject",
        ),
        case(
            "unknown role 42",
            organisation(organisation_name(SUPPLIER, "42"), vec![digital_signature()]),
            org,
            ds,
            supplier(),
            "UnknownRole",
        ),
        case(
            "issuing authority role 07",
            organisation(organisation_name(SUPPLIER, "07"), vec![digital_signature()]),
            org,
            ds,
            supplier(),
            "NotIssuableRole",
        ),
        case(
            "XML signing role with keyAgreement",
            organisation(
                organisation_name(SUPPLIER, "87"),
                vec![key_usage(KeyUsages::KeyAgreement)],
            ),
            org,
            Some(KeyAgreement),
            supplier(),
            "XmlSigningIsDigitalSignatureOnly",
        ),
        case(
            "organisation CSR with a subjectAltName",
            organisation(
                supplier_name(),
                vec![digital_signature(), hardware_module_name(DEVICE)],
            ),
            org,
            ds,
            supplier(),
            "UnexpectedSubjectAltName",
        ),
        case(
            "two key usages",
            organisation(
                supplier_name(),
                vec![key_usage(
                    KeyUsages::DigitalSignature | KeyUsages::KeyAgreement,
                )],
            ),
            org,
            ds,
            supplier(),
            "TwoKeyUsages",
        ),
        case(
            "no key usage requested",
            organisation(supplier_name(), Vec::new()),
            org,
            ds,
            supplier(),
            "MissingKeyUsage",
        ),
        case(
            "keyCertSign requested",
            organisation(
                supplier_name(),
                vec![key_usage(
                    KeyUsages::DigitalSignature | KeyUsages::KeyCertSign,
                )],
            ),
            org,
            ds,
            supplier(),
            "WrongKeyUsage",
        ),
        case(
            "a CA certificate requested",
            organisation(
                supplier_name(),
                vec![
                    digital_signature(),
                    extension(
                        oids::BASIC_CONSTRAINTS,
                        true,
                        &BasicConstraints {
                            ca: true,
                            path_len_constraint: None,
                        },
                    ),
                ],
            ),
            org,
            ds,
            supplier(),
            "CaRequested",
        ),
        case(
            "an extension outside the profile (extendedKeyUsage)",
            organisation(
                supplier_name(),
                vec![
                    digital_signature(),
                    extension(
                        ObjectIdentifier::new_unwrap("2.5.29.37"),
                        false,
                        &vec![ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.1")],
                    ),
                ],
            ),
            org,
            ds,
            supplier(),
            "UnsupportedExtension",
        ),
        case(
            "keyAgreement asked for a digitalSignature CSR",
            good_organisation_csr(SUPPLIER, RemotePartyRole::SUPPLIER, DigitalSignature),
            org,
            Some(KeyAgreement),
            supplier(),
            "UsageMismatch",
        ),
        case(
            "a role the requester does not hold (network operator)",
            good_organisation_csr(
                SUPPLIER,
                RemotePartyRole::NETWORK_OPERATOR,
                DigitalSignature,
            ),
            org,
            ds,
            supplier(),
            "RoleNotAllowed",
        ),
        case(
            "another organisation's id",
            good_organisation_csr(
                NETWORK_OPERATOR,
                RemotePartyRole::SUPPLIER,
                DigitalSignature,
            ),
            org,
            ds,
            supplier(),
            "NotRequestersId",
        ),
        case(
            "device CSR from a WAN provider",
            good_device_csr(DEVICE, DigitalSignature),
            Some(Device),
            ds,
            wan_provider(),
            "DeviceRequestNotAllowed",
        ),
        case(
            "device CSR with a subject",
            assemble(
                supplier_name(),
                None,
                vec![digital_signature(), hardware_module_name(DEVICE)],
                Vec::new(),
                &own(0x55),
            ),
            Some(Device),
            ds,
            supplier(),
            "DeviceSubjectNotEmpty",
        ),
        case(
            "device CSR without subjectAltName",
            assemble(
                RdnSequence(Vec::new()),
                None,
                vec![digital_signature()],
                Vec::new(),
                &own(0x55),
            ),
            Some(Device),
            ds,
            supplier(),
            "MissingHardwareModuleName",
        ),
        case(
            "device CSR naming a DNS name instead of hardwareModuleName",
            assemble(
                RdnSequence(Vec::new()),
                None,
                vec![digital_signature(), dns_alt_name()],
                Vec::new(),
                &own(0x55),
            ),
            Some(Device),
            ds,
            supplier(),
            "BadSubjectAltName",
        ),
    ]
}

/// The Debug name of an error's variant (`WrongKeyType("…")` → `WrongKeyType`).
pub fn variant_name(error: &impl std::fmt::Debug) -> String {
    format!("{error:?}")
        .split(['(', ' ', '{'])
        .next()
        .unwrap_or_default()
        .to_owned()
}
