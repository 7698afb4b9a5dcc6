//! The generated test PKI: every certificate kind field by field, determinism, chains,
//! file layout round trip, and an independent check with `openssl verify`.

use dcc_model::Eui64;
use smki::{
    oids, CertificateStore, IdentityKind, KeyUsage, PathError, RemotePartyRole, TestPki,
    DEVICE_NOT_AFTER_UNIX, NOT_BEFORE_UNIX, ORGANISATION_NOT_AFTER_UNIX,
};

const SEED: u64 = 20_240_101;
const ACB: Eui64 = Eui64::from_u64(0x90B3_D51F_3000_0002);
const SUPPLIER: Eui64 = Eui64::from_u64(0x90B3_D51F_3001_0000);
const NETWORK_OPERATOR: Eui64 = Eui64::from_u64(0x90B3_D51F_3002_0000);
const SECOND_SUPPLIER: Eui64 = Eui64::from_u64(0x90B3_D51F_3003_0000);
const WAN_PROVIDER: Eui64 = Eui64::from_u64(0x90B3_D51F_3000_0007);
const RECOVERY: Eui64 = Eui64::from_u64(0x90B3_D51F_3000_0001);
const ESME: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A0);
const GSME: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A1);
/// 2030-01-01T00:00:00Z.
const IN_2030: i64 = 1_893_456_000;

fn pki() -> TestPki {
    TestPki::default_with_devices(SEED, &[ESME, GSME]).unwrap()
}

#[test]
fn default_parties_have_the_expected_certificates() {
    let pki = pki();
    let expected: &[(Eui64, KeyUsage, RemotePartyRole)] = &[
        (
            ACB,
            KeyUsage::DigitalSignature,
            RemotePartyRole::ACCESS_CONTROL_BROKER,
        ),
        (
            ACB,
            KeyUsage::KeyAgreement,
            RemotePartyRole::ACCESS_CONTROL_BROKER,
        ),
        (
            ACB,
            KeyUsage::DigitalSignature,
            RemotePartyRole::DSP_XML_SIGNING,
        ),
        (
            SUPPLIER,
            KeyUsage::DigitalSignature,
            RemotePartyRole::SUPPLIER,
        ),
        (SUPPLIER, KeyUsage::KeyAgreement, RemotePartyRole::SUPPLIER),
        (
            SUPPLIER,
            KeyUsage::DigitalSignature,
            RemotePartyRole::XML_SIGNING,
        ),
        (
            NETWORK_OPERATOR,
            KeyUsage::DigitalSignature,
            RemotePartyRole::NETWORK_OPERATOR,
        ),
        (
            NETWORK_OPERATOR,
            KeyUsage::KeyAgreement,
            RemotePartyRole::NETWORK_OPERATOR,
        ),
        (
            NETWORK_OPERATOR,
            KeyUsage::DigitalSignature,
            RemotePartyRole::XML_SIGNING,
        ),
        (
            SECOND_SUPPLIER,
            KeyUsage::DigitalSignature,
            RemotePartyRole::SUPPLIER,
        ),
        (
            SECOND_SUPPLIER,
            KeyUsage::KeyAgreement,
            RemotePartyRole::SUPPLIER,
        ),
        (
            SECOND_SUPPLIER,
            KeyUsage::DigitalSignature,
            RemotePartyRole::XML_SIGNING,
        ),
        (
            WAN_PROVIDER,
            KeyUsage::DigitalSignature,
            RemotePartyRole::WAN_PROVIDER,
        ),
        (
            WAN_PROVIDER,
            KeyUsage::KeyAgreement,
            RemotePartyRole::WAN_PROVIDER,
        ),
        (
            RECOVERY,
            KeyUsage::DigitalSignature,
            RemotePartyRole::RECOVERY,
        ),
    ];
    for (id, usage, role) in expected {
        let identity = pki
            .identity(*id, *usage, Some(*role))
            .unwrap_or_else(|| panic!("{id} {usage} {role:?}"));
        assert!(identity.private_key_pkcs8_der.is_some());
    }
    assert_eq!(
        pki.identities().len(),
        expected.len() + 4,
        "15 organisation identities and 2 × 2 device identities"
    );
    // Without a role, the main role wins over the XML signing one.
    assert_eq!(
        pki.identity(SUPPLIER, KeyUsage::DigitalSignature, None)
            .unwrap()
            .certificate
            .role(),
        Some(RemotePartyRole::SUPPLIER)
    );
}

#[test]
fn organisation_certificate_profile() {
    let pki = pki();
    let certificate = &pki
        .identity(SUPPLIER, KeyUsage::DigitalSignature, None)
        .unwrap()
        .certificate;
    assert_eq!(certificate.kind(), Some(IdentityKind::Organisation));
    assert_eq!(certificate.subject_id(), Some(SUPPLIER));
    assert_eq!(certificate.organisation_id(), Some(SUPPLIER));
    assert_eq!(certificate.device_id(), None);
    assert!(!certificate.is_device());
    assert!(!certificate.is_ca());
    assert_eq!(certificate.role(), Some(RemotePartyRole::SUPPLIER));
    assert_eq!(certificate.common_name(), Some("GITTESTSUPPLIER"));
    assert_eq!(certificate.key_usage(), Some(KeyUsage::DigitalSignature));
    assert_eq!(certificate.issuer_name_rfc2253(), "CN=Z1,OU=07");
    assert_eq!(
        certificate.subject_name_rfc2253(),
        "2.5.4.45=#03090090b3d51f30010000,OU=02,CN=GITTESTSUPPLIER"
    );
    assert_eq!(
        certificate.policy_oids(),
        vec![oids::ORGANISATION_CERTIFICATE_POLICY]
    );
    assert_eq!(
        certificate.extension_oids(),
        vec![
            oids::KEY_USAGE,
            oids::SUBJECT_KEY_IDENTIFIER,
            oids::CERTIFICATE_POLICIES,
            oids::AUTHORITY_KEY_IDENTIFIER
        ]
    );
    assert_eq!(certificate.extension_critical(&oids::KEY_USAGE), Some(true));
    assert_eq!(
        certificate.extension_critical(&oids::CERTIFICATE_POLICIES),
        Some(true)
    );
    assert_eq!(
        certificate.extension_critical(&oids::SUBJECT_KEY_IDENTIFIER),
        Some(false)
    );
    assert_eq!(
        certificate.extension_critical(&oids::SUBJECT_ALT_NAME),
        None
    );
    assert_eq!(
        certificate.subject_key_identifier().map(|id| id.len()),
        Some(8)
    );
    assert_eq!(
        certificate.authority_key_identifier(),
        pki.organisation_ca().certificate.subject_key_identifier()
    );
    assert_eq!(certificate.not_before(), NOT_BEFORE_UNIX);
    assert_eq!(certificate.not_after(), ORGANISATION_NOT_AFTER_UNIX);
    assert_eq!(certificate.serial_bytes().len(), 16);
    assert_eq!(certificate.public_key_sec1()[0], 0x04);

    let key_agreement = &pki
        .identity(SUPPLIER, KeyUsage::KeyAgreement, None)
        .unwrap()
        .certificate;
    assert_eq!(key_agreement.key_usage(), Some(KeyUsage::KeyAgreement));
    assert_eq!(
        key_agreement.common_name(),
        None,
        "like DCC's, only the DS certificate carries a CN"
    );

    let xml_signing = &pki
        .identity(
            ACB,
            KeyUsage::DigitalSignature,
            Some(RemotePartyRole::DSP_XML_SIGNING),
        )
        .unwrap()
        .certificate;
    assert_eq!(xml_signing.role(), Some(RemotePartyRole(0x89)));
    assert_eq!(
        xml_signing.subject_name_rfc2253(),
        "2.5.4.45=#03090090b3d51f30000002,OU=89"
    );
}

#[test]
fn device_certificate_profile() {
    let pki = pki();
    for usage in [KeyUsage::DigitalSignature, KeyUsage::KeyAgreement] {
        let certificate = &pki.identity(ESME, usage, None).unwrap().certificate;
        assert_eq!(certificate.kind(), Some(IdentityKind::Device));
        assert!(certificate.is_device());
        assert_eq!(certificate.subject_id(), Some(ESME));
        assert_eq!(certificate.device_id(), Some(ESME));
        assert_eq!(certificate.organisation_id(), None);
        assert_eq!(certificate.role(), None);
        assert_eq!(certificate.key_usage(), Some(usage));
        assert_eq!(
            certificate.subject_name_rfc2253(),
            "",
            "device subjects are empty"
        );
        assert_eq!(certificate.issuer_name_rfc2253(), "CN=E357");
        assert_eq!(
            certificate.hardware_type(),
            Some(oids::DEVICE_HARDWARE_TYPE)
        );
        assert_eq!(
            certificate.extension_critical(&oids::SUBJECT_ALT_NAME),
            Some(true)
        );
        assert_eq!(certificate.extension_critical(&oids::KEY_USAGE), Some(true));
        assert_eq!(
            certificate.policy_oids(),
            vec![oids::DEVICE_CERTIFICATE_POLICY]
        );
        assert_eq!(
            certificate.extension_oids(),
            vec![
                oids::KEY_USAGE,
                oids::SUBJECT_KEY_IDENTIFIER,
                oids::SUBJECT_ALT_NAME,
                oids::CERTIFICATE_POLICIES,
                oids::AUTHORITY_KEY_IDENTIFIER
            ]
        );
        assert_eq!(certificate.not_before(), NOT_BEFORE_UNIX);
        assert_eq!(certificate.not_after(), DEVICE_NOT_AFTER_UNIX);
    }
}

#[test]
fn certificate_authority_profiles() {
    let pki = pki();
    let root = &pki.root_ca().certificate;
    let organisation_ca = &pki.organisation_ca().certificate;
    let device_ca = &pki.device_ca().certificate;
    assert_eq!(root.kind(), Some(IdentityKind::RootCa));
    assert_eq!(organisation_ca.kind(), Some(IdentityKind::OrganisationCa));
    assert_eq!(device_ca.kind(), Some(IdentityKind::DeviceCa));
    for ca in [root, organisation_ca, device_ca] {
        assert!(ca.is_ca());
        assert!(ca.can_sign_certificates());
        assert_eq!(ca.key_usage(), None);
        assert_eq!(ca.extension_critical(&oids::BASIC_CONSTRAINTS), Some(true));
        assert_eq!(ca.subject_id(), None);
    }
    assert!(root.is_self_issued());
    assert_eq!(root.authority_key_identifier(), None);
    assert_eq!(organisation_ca.subject_name_rfc2253(), "CN=Z1,OU=07");
    assert_eq!(
        organisation_ca.role(),
        Some(RemotePartyRole::ISSUING_AUTHORITY)
    );
    assert_eq!(device_ca.subject_name_rfc2253(), "CN=E357");
    assert_eq!(
        organisation_ca.issuer_name_rfc2253(),
        root.subject_name_rfc2253()
    );
}

#[test]
fn generation_is_deterministic() {
    let first = pki();
    let second = pki();
    assert_eq!(first.files(), second.files());
    assert_eq!(first, second);
    let other_seed = TestPki::default_with_devices(SEED + 1, &[ESME, GSME]).unwrap();
    assert_ne!(
        first.root_ca().certificate.der(),
        other_seed.root_ca().certificate.der()
    );
    // A device issued later is the same as one issued up front.
    let mut later = TestPki::default_for(SEED).unwrap();
    let (signing, agreement) = later.add_device(ESME).unwrap();
    assert_eq!(
        signing,
        *first
            .identity(ESME, KeyUsage::DigitalSignature, None)
            .unwrap()
    );
    assert_eq!(
        agreement,
        *first.identity(ESME, KeyUsage::KeyAgreement, None).unwrap()
    );
}

#[test]
fn every_serial_is_distinct() {
    let pki = pki();
    let mut serials: Vec<String> = pki
        .all_identities()
        .iter()
        .map(|identity| identity.certificate.serial_decimal().to_owned())
        .collect();
    let count = serials.len();
    serials.sort();
    serials.dedup();
    assert_eq!(serials.len(), count);
}

#[test]
fn every_generated_certificate_chains() {
    let pki = pki();
    let store = CertificateStore::from_pki(&pki);
    assert_eq!(store.len(), 3 + 15 + 4);
    for identity in pki.all_identities() {
        store
            .validate_path(&identity.certificate, IN_2030)
            .unwrap_or_else(|error| panic!("{}: {error}", identity.name));
        let too_early = store.validate_path(&identity.certificate, NOT_BEFORE_UNIX - 1);
        assert!(
            matches!(too_early, Err(PathError::NotYetValid { .. })),
            "{too_early:?}"
        );
    }
    let supplier = &pki
        .identity(SUPPLIER, KeyUsage::DigitalSignature, None)
        .unwrap()
        .certificate;
    assert!(matches!(
        store.validate_path(supplier, ORGANISATION_NOT_AFTER_UNIX + 1),
        Err(PathError::Expired { .. })
    ));
}

#[test]
fn a_later_generation_has_a_new_key_the_same_profile_and_chains() {
    let pki = pki();
    let store = CertificateStore::from_pki(&pki);
    let supplier =
        smki::OrganisationSpec::new(SUPPLIER, RemotePartyRole::SUPPLIER, "GITTESTSUPPLIER");
    let first = pki
        .identity(SUPPLIER, KeyUsage::DigitalSignature, None)
        .unwrap();
    let again = pki
        .issue_organisation_generation(&supplier, KeyUsage::DigitalSignature, 1)
        .unwrap();
    assert_eq!(again.certificate.der(), first.certificate.der());
    let second = pki
        .issue_organisation_generation(&supplier, KeyUsage::DigitalSignature, 2)
        .unwrap();
    assert_eq!(second.name, "90b3d51f30010000-ds-g2");
    assert_ne!(
        second.certificate.public_key_sec1(),
        first.certificate.public_key_sec1()
    );
    assert_ne!(
        second.certificate.serial_decimal(),
        first.certificate.serial_decimal()
    );
    assert_eq!(second.certificate.subject_id(), Some(SUPPLIER));
    assert_eq!(second.certificate.role(), Some(RemotePartyRole::SUPPLIER));
    assert_eq!(
        second.certificate.key_usage(),
        Some(KeyUsage::DigitalSignature)
    );
    assert_eq!(second.certificate.common_name(), Some("GITTESTSUPPLIER"));
    store.validate_path(&second.certificate, IN_2030).unwrap();
    let repeated = pki
        .issue_organisation_generation(&supplier, KeyUsage::DigitalSignature, 2)
        .unwrap();
    assert_eq!(repeated.certificate.der(), second.certificate.der());
    assert_eq!(repeated.private_key_pkcs8_der, second.private_key_pkcs8_der);
}

#[test]
fn chains_break_without_the_root_or_with_a_foreign_ca() {
    let pki = pki();
    let device = &pki
        .identity(ESME, KeyUsage::KeyAgreement, None)
        .unwrap()
        .certificate;

    let mut without_anchor = CertificateStore::new();
    for identity in pki.all_identities() {
        without_anchor.add_identity(identity);
    }
    assert!(matches!(
        without_anchor.validate_path(device, IN_2030),
        Err(PathError::UntrustedRoot { .. })
    ));

    let mut without_device_ca = CertificateStore::new();
    without_device_ca.add_trust_anchor(pki.root_ca().certificate.clone());
    without_device_ca.add(device.clone());
    assert!(matches!(
        without_device_ca.validate_path(device, IN_2030),
        Err(PathError::IssuerNotFound { .. })
    ));

    // Another seed's device CA has the same name but a different key.
    let other = TestPki::default_for(SEED + 1).unwrap();
    let mut foreign = CertificateStore::from_pki(&other);
    foreign.add(device.clone());
    assert!(matches!(
        foreign.validate_path(device, IN_2030),
        Err(PathError::BadSignature { .. })
    ));
}

#[test]
fn revocation_breaks_the_chain() {
    let pki = pki();
    let mut store = CertificateStore::from_pki(&pki);
    let device = &pki
        .identity(GSME, KeyUsage::DigitalSignature, None)
        .unwrap()
        .certificate;
    assert_eq!(
        store.status(device, IN_2030),
        smki::CertificateStatus::InUse
    );
    assert!(store.revoke(pki.device_ca().certificate.serial_decimal()));
    assert!(matches!(
        store.validate_path(device, IN_2030),
        Err(PathError::Revoked { .. })
    ));
    assert!(store.revoke(device.serial_decimal()));
    assert_eq!(
        store.status(device, IN_2030),
        smki::CertificateStatus::Revoked
    );
    assert!(!store.revoke("12345"));
}

#[test]
fn lookups_by_subject_serial_and_issuer() {
    let pki = pki();
    let store = CertificateStore::from_pki(&pki);
    assert_eq!(
        store.find(SUPPLIER, KeyUsage::DigitalSignature, None).len(),
        2
    );
    assert_eq!(
        store
            .find(
                SUPPLIER,
                KeyUsage::DigitalSignature,
                Some(RemotePartyRole::XML_SIGNING)
            )
            .len(),
        1
    );
    assert_eq!(
        store
            .find(
                SUPPLIER,
                KeyUsage::KeyAgreement,
                Some(RemotePartyRole::SUPPLIER)
            )
            .len(),
        1
    );
    assert_eq!(store.find(ESME, KeyUsage::KeyAgreement, None).len(), 1);
    assert!(store
        .find(Eui64::from_u64(1), KeyUsage::KeyAgreement, None)
        .is_empty());
    let certificate = store.find(NETWORK_OPERATOR, KeyUsage::KeyAgreement, None)[0];
    assert_eq!(
        store.by_serial(certificate.serial_decimal()),
        Some(certificate)
    );
    assert_eq!(
        store.by_serial(&format!("000{}", certificate.serial_decimal())),
        Some(certificate)
    );
    assert_eq!(
        store.by_serial_hex(&certificate.serial_hex().to_ascii_lowercase()),
        Some(certificate)
    );
    assert_eq!(
        store.by_issuer_serial("CN=Z1,OU=07", certificate.serial_decimal()),
        Some(certificate)
    );
    assert_eq!(
        store.by_issuer_serial("CN=Z1, OU=07", certificate.serial_decimal()),
        Some(certificate)
    );
    assert_eq!(
        store.by_issuer_serial("CN=E357", certificate.serial_decimal()),
        None
    );
    assert_eq!(store.by_serial("not a number"), None);
}

#[test]
fn files_round_trip_and_keep_issuing_devices() {
    let pki = pki();
    let files = pki.files();
    let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    for expected in [
        "seed.txt",
        "root-ca.pem",
        "root-ca.key",
        "organisation-ca.pem",
        "device-ca.key",
        "90b3d51f30010000-ds.pem",
        "90b3d51f30010000-ds.key",
        "90b3d51f30010000-ka.pem",
        "90b3d51f30010000-xml-sign-ds.pem",
        "90b3d51f30000002-xml-sign-ds.key",
        "00db1234567890a0-ka.pem",
        "00db1234567890a1-ds.key",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    let loaded = TestPki::from_files(&files).unwrap();
    assert_eq!(loaded.files(), files);
    let new_device = Eui64::from_u64(0x00DB_1234_5678_90A2);
    assert_eq!(
        loaded.issue_device(new_device).unwrap(),
        pki.issue_device(new_device).unwrap()
    );
    // Remembered, and the same as made afresh by a PKI that never issued it.
    assert_eq!(
        pki.clone().issue_device(new_device).unwrap(),
        TestPki::from_files(&files)
            .unwrap()
            .issue_device(new_device)
            .unwrap()
    );
    let keys: Vec<_> = smki::load_rtds_keystore(&files).unwrap();
    assert_eq!(keys.len(), 3 + 15 + 4);
    assert!(keys
        .iter()
        .all(|identity| identity.private_key_pkcs8_der.is_some()));
}

#[test]
fn keystore_json_export_loads_back() {
    let pki = pki();
    let json = pki.dccboxed_keystore_json();
    let identities = smki::load_dccboxed_keystore(&json).unwrap();
    assert_eq!(identities.len(), 15, "organisation identities only");
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        value["90b3d51f30010000"]["keyAgreement"]
            .as_object()
            .unwrap()
            .len(),
        1
    );
    let entry = value["90b3d51f30010000"]["digitalSignature"]
        .as_object()
        .unwrap()
        .values()
        .find(|entry| entry["role"] == 135)
        .unwrap();
    assert!(entry["privateKey"]
        .as_str()
        .unwrap()
        .starts_with("-----BEGIN PRIVATE KEY-----"));
}

#[test]
fn private_keys_match_their_certificates() {
    use p256::ecdsa::signature::{Signer, Verifier};
    let pki = pki();
    for identity in pki.all_identities() {
        let scalar = identity.private_scalar().unwrap();
        let signing_key = p256::ecdsa::SigningKey::from_bytes(&scalar.into()).unwrap();
        let signature: p256::ecdsa::Signature = signing_key.sign(b"dccsim");
        let verifying_key =
            p256::ecdsa::VerifyingKey::from_sec1_bytes(&identity.certificate.public_key_sec1())
                .unwrap();
        verifying_key.verify(b"dccsim", &signature).unwrap();
    }
}

#[test]
fn openssl_verifies_every_generated_certificate() {
    if !test_support::tool_available("openssl", "version", "openssl cross-check") {
        return;
    }
    let pki = pki();
    let folder = tempfile::tempdir().unwrap();
    for (name, bytes) in pki.files() {
        std::fs::write(folder.path().join(name), bytes).unwrap();
    }
    let mut leaves = 0;
    for identity in pki.identities() {
        let output = std::process::Command::new("openssl")
            .current_dir(folder.path())
            .args([
                "verify",
                "-attime",
                &IN_2030.to_string(),
                "-CAfile",
                "root-ca.pem",
            ])
            .args([
                "-untrusted",
                "organisation-ca.pem",
                "-untrusted",
                "device-ca.pem",
            ])
            .arg(format!("{}.pem", identity.name))
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains(": OK"),
            "{}: {stdout} {}",
            identity.name,
            String::from_utf8_lossy(&output.stderr)
        );
        let text = std::process::Command::new("openssl")
            .current_dir(folder.path())
            .args(["x509", "-noout", "-text", "-in"])
            .arg(format!("{}.pem", identity.name))
            .output()
            .unwrap();
        assert!(text.status.success());
        let text = String::from_utf8_lossy(&text.stdout);
        assert!(
            text.contains("ecdsa-with-SHA256") && text.contains("X509v3 Key Usage: critical"),
            "{text}"
        );
        leaves += 1;
    }
    assert_eq!(leaves, 19);
    let key = std::process::Command::new("openssl")
        .current_dir(folder.path())
        .args(["pkey", "-noout", "-in", "90b3d51f30010000-ka.key"])
        .output()
        .unwrap();
    assert!(key.status.success(), "openssl reads the PKCS#8 keys");
}

/// A PKI of the default parties and 100 devices: every certificate's path validates and each
/// is found exactly once by subject, usage and role. (How long this takes is measured by
/// `cargo bench -p smki`, not asserted.)
#[test]
fn a_hundred_device_pki_validates_and_finds_every_certificate() {
    let devices: Vec<Eui64> = (0..100u64)
        .map(|index| Eui64::from_u64(0x00DB_1234_5679_0000 + index))
        .collect();
    let pki = TestPki::default_with_devices(SEED, &devices).unwrap();
    let store = CertificateStore::from_pki(&pki);
    assert!(pki.identities().len() >= 2 * devices.len());
    for identity in pki.identities() {
        store.validate_path(&identity.certificate, IN_2030).unwrap();
        assert_eq!(
            store
                .find(
                    identity.certificate.subject_id().unwrap(),
                    identity.certificate.key_usage().unwrap(),
                    identity.certificate.role()
                )
                .len(),
            1
        );
    }
}
