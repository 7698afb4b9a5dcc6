//! DCC's published test identities: DCC Boxed's `keystore.json` and the RTDS key store folder.

use smki::{CertificateStore, IdentityKind, KeyUsage, PathError, RemotePartyRole};

/// 2025-01-01T00:00:00Z: every published certificate is valid.
const START_OF_2025: i64 = 1_735_689_600;
/// 2026-06-01T00:00:00Z: the Z1 and Z1b certificates have expired.
const MID_2026: i64 = 1_780_272_000;

fn dccboxed_keystore_json() -> Option<String> {
    let path = test_support::dcc_tooling("dccboxed-keystore/keystore.json", "DCC Boxed keystore")?;
    Some(std::fs::read_to_string(path).unwrap())
}

fn rtds_keystore_files() -> Option<Vec<(String, Vec<u8>)>> {
    let keystore = test_support::rtds_keystore("RTDS key store")?;
    Some(test_support::read_folder(&keystore).unwrap())
}

#[test]
fn every_dccboxed_keystore_identity_loads_and_agrees_with_its_json_key() {
    let Some(json) = dccboxed_keystore_json() else {
        return;
    };
    let identities = smki::load_dccboxed_keystore(&json).unwrap();
    assert_eq!(identities.len(), 33);
    assert!(identities
        .iter()
        .all(|identity| identity.private_key_pkcs8_der.is_some()));

    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    for (eui, by_usage) in value.as_object().unwrap() {
        for (usage, by_serial) in by_usage.as_object().unwrap() {
            for (serial, entry) in by_serial.as_object().unwrap() {
                let identity = identities
                    .iter()
                    .find(|identity| identity.certificate.serial_decimal() == serial)
                    .unwrap();
                let certificate = &identity.certificate;
                assert_eq!(identity.name, entry["name"].as_str().unwrap());
                assert_eq!(
                    certificate.subject_id().unwrap().to_hex_lower(),
                    *eui,
                    "{}",
                    identity.name
                );
                assert_eq!(
                    certificate.key_usage().unwrap().keystore_name(),
                    usage,
                    "{}",
                    identity.name
                );
                assert_eq!(
                    u64::from(certificate.role().unwrap().code()),
                    entry["role"].as_u64().unwrap(),
                    "{}",
                    identity.name
                );
                assert_eq!(certificate.kind(), Some(IdentityKind::Organisation));
                assert!(
                    certificate.issuer_name_rfc2253().starts_with("CN="),
                    "{}",
                    identity.name
                );
            }
        }
    }
    let xml_signing = identities
        .iter()
        .find(|identity| identity.name == "xml-sign-90B3D51F30010000-ds")
        .unwrap();
    assert_eq!(
        xml_signing.certificate.role(),
        Some(RemotePartyRole::XML_SIGNING)
    );
    // What DCC's Java signing tool writes as ds:X509IssuerName / X509SerialNumber for this key.
    assert_eq!(xml_signing.certificate.issuer_name_rfc2253(), "CN=Z1,OU=07");
    assert_eq!(
        xml_signing.certificate.serial_decimal(),
        "27572613927499351639968579586655397031"
    );
    let supplier = identities
        .iter()
        .find(|identity| identity.name == "Z1-supplier-ds")
        .unwrap();
    assert_eq!(supplier.certificate.common_name(), Some("GITTESTSUPPLIER"));
    assert_eq!(
        supplier.certificate.serial_hex(),
        "4FBC525201A1D7586C1BC1C4734DEB9F"
    );
}

#[test]
fn dccboxed_keystore_validity_at_fixed_times() {
    let Some(json) = dccboxed_keystore_json() else {
        return;
    };
    let identities = smki::load_dccboxed_keystore(&json).unwrap();

    // DCC does not publish its test CAs: nothing chains unless trusted directly.
    let mut untrusted = CertificateStore::new();
    untrusted.add_identities(&identities);
    for identity in &identities {
        assert!(matches!(
            untrusted.validate_path(&identity.certificate, START_OF_2025),
            Err(PathError::IssuerNotFound { .. })
        ));
    }

    let mut pinned = CertificateStore::new();
    for identity in &identities {
        pinned.add_trust_anchor(identity.certificate.clone());
    }
    let valid_at = |time: i64| {
        identities
            .iter()
            .filter(|identity| pinned.validate_path(&identity.certificate, time).is_ok())
            .count()
    };
    assert_eq!(valid_at(START_OF_2025), 33);
    // Left in mid-2026: the four XML signing certificates (to 2118), the load controller and MDR ones (to 2033).
    assert_eq!(valid_at(MID_2026), 8);
    let expired = identities
        .iter()
        .find(|identity| identity.name == "Z1-supplier-ds")
        .unwrap();
    assert!(matches!(
        pinned.validate_path(&expired.certificate, MID_2026),
        Err(PathError::Expired { .. })
    ));
}

#[test]
fn every_rtds_keystore_certificate_loads() {
    let Some(files) = rtds_keystore_files() else {
        return;
    };
    let identities = smki::load_rtds_keystore(&files).unwrap();
    assert_eq!(
        identities.len(),
        416,
        "400 device and 16 organisation certificates; the bare public key is skipped"
    );
    let devices: Vec<_> = identities
        .iter()
        .filter(|identity| identity.kind() == Some(IdentityKind::Device))
        .collect();
    assert_eq!(devices.len(), 400);
    assert_eq!(
        identities
            .iter()
            .filter(|identity| identity.private_key_pkcs8_der.is_some())
            .count(),
        16
    );
    for identity in &identities {
        let certificate = &identity.certificate;
        let (id, rest) = identity.name.split_once('-').unwrap();
        // Upstream quirk: the WAN provider's "KA" file is a copy of the second supplier's KA certificate (and key).
        let id = if identity.name == "90b3d51f30000007-ka" {
            "90b3d51f30030000"
        } else {
            id
        };
        assert_eq!(
            certificate.subject_id().unwrap().to_hex_lower(),
            id,
            "{}",
            identity.name
        );
        let expected_usage = if rest.ends_with("ka") {
            KeyUsage::KeyAgreement
        } else {
            KeyUsage::DigitalSignature
        };
        assert_eq!(
            certificate.key_usage(),
            Some(expected_usage),
            "{}",
            identity.name
        );
        if certificate.is_device() {
            assert_eq!(certificate.issuer_name_rfc2253(), "CN=E357");
            assert_eq!(
                certificate.hardware_type(),
                Some(smki::oids::DEVICE_HARDWARE_TYPE)
            );
            assert_eq!(
                certificate.extension_critical(&smki::oids::SUBJECT_ALT_NAME),
                Some(true)
            );
            assert_eq!(
                certificate.policy_oids(),
                vec![smki::oids::DEVICE_CERTIFICATE_POLICY]
            );
            assert_eq!(certificate.role(), None);
        } else {
            assert_eq!(certificate.issuer_name_rfc2253(), "CN=Z1,OU=07");
            assert_eq!(
                certificate.policy_oids(),
                vec![smki::oids::ORGANISATION_CERTIFICATE_POLICY]
            );
            assert!(certificate.role().is_some());
        }
    }
    let esme = identities
        .iter()
        .find(|identity| identity.name == "00db1234567890a0-ds")
        .unwrap();
    assert_eq!(
        esme.certificate.serial_hex(),
        "30398236744D9DA0E57F8D74AE041FCD"
    );
    assert_eq!(esme.certificate.not_after(), smki::DEVICE_NOT_AFTER_UNIX);
}

#[test]
fn rtds_keystore_validity_at_fixed_times() {
    let Some(files) = rtds_keystore_files() else {
        return;
    };
    let identities = smki::load_rtds_keystore(&files).unwrap();
    let mut pinned = CertificateStore::new();
    for identity in &identities {
        pinned.add_trust_anchor(identity.certificate.clone());
    }
    let valid_at = |time: i64| {
        identities
            .iter()
            .filter(|identity| pinned.validate_path(&identity.certificate, time).is_ok())
            .count()
    };
    assert_eq!(valid_at(START_OF_2025), 416);
    // In mid-2026 only the devices (to 9999) and the load controller (to 2118) remain.
    assert_eq!(valid_at(MID_2026), 402);
}

#[test]
fn a_generated_pki_and_the_published_identities_share_a_store() {
    let Some(json) = dccboxed_keystore_json() else {
        return;
    };
    let published = smki::load_dccboxed_keystore(&json).unwrap();
    let pki = smki::TestPki::default_for(1).unwrap();
    let mut store = CertificateStore::from_pki(&pki);
    store.add_identities(&published);
    let supplier = dcc_model::Eui64::from_u64(0x90B3_D51F_3001_0000);
    assert_eq!(
        store
            .find(
                supplier,
                KeyUsage::KeyAgreement,
                Some(RemotePartyRole::SUPPLIER)
            )
            .len(),
        5
    );
    // A published certificate names the same issuer as dccsim's organisation CA, but does not verify with its key.
    let published_supplier = published
        .iter()
        .find(|identity| identity.name == "Z1-supplier-ds")
        .unwrap();
    assert!(matches!(
        store.validate_path(&published_supplier.certificate, START_OF_2025),
        Err(PathError::BadSignature { .. })
    ));
}

/// DCC's Java signing tool names its certificate by `X509IssuerName` and `X509SerialNumber`;
/// the store must find that certificate from exactly those strings.
#[test]
fn finds_the_certificate_dcc_signing_tool_names() {
    let what = "DCC signing tool";
    let Some(templates) = test_support::duis_templates(what) else {
        return;
    };
    let Some(jar) = test_support::dcc_tooling("duis-sign-wrap/dist/tool.jar", what) else {
        return;
    };
    let Some(json) = dccboxed_keystore_json() else {
        return;
    };
    if !test_support::tool_available("java", "-version", what) {
        return;
    }
    let template =
        std::fs::read_to_string(templates.join("ECS16_3.4_SUCCESS_REQUEST_DUIS.XML")).unwrap();
    let start = template.find("<ds:Signature").unwrap();
    let end = template.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let unsigned = format!("{}{}", &template[..start], &template[end..]);

    let mut child = std::process::Command::new("java")
        .args(["-cp"])
        .arg(&jar)
        .args(["uk.co.smartdcc.boxed.xmldsig.Sign", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(unsigned.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let signed = String::from_utf8(output.stdout).unwrap();
    let element = |name: &str| {
        let open = format!("<ds:{name}>");
        let from = signed.find(&open).unwrap() + open.len();
        signed[from..from + signed[from..].find('<').unwrap()].to_owned()
    };
    let issuer = element("X509IssuerName");
    let serial = element("X509SerialNumber");
    assert_eq!(issuer, "CN=Z1,OU=07");

    let mut store = CertificateStore::new();
    store.add_identities(&smki::load_dccboxed_keystore(&json).unwrap());
    let certificate = store.by_issuer_serial(&issuer, &serial).unwrap();
    assert_eq!(certificate.issuer_name_rfc2253(), issuer);
    assert_eq!(certificate.role(), Some(RemotePartyRole::XML_SIGNING));
}

/// dccsim's certificates copy the published profile: the same extension bytes (key usage,
/// subjectAltName, policies), the same criticality and order, the same subject layout.
#[test]
fn generated_certificates_match_the_published_profile() {
    let Some(files) = rtds_keystore_files() else {
        return;
    };
    let published = smki::load_rtds_keystore(&files).unwrap();
    let esme = dcc_model::Eui64::from_u64(0x00DB_1234_5678_90A0);
    let pki = smki::TestPki::default_with_devices(3, &[esme]).unwrap();
    for (published_name, usage, role) in [
        ("00db1234567890a0-ds", KeyUsage::DigitalSignature, None),
        ("00db1234567890a0-ka", KeyUsage::KeyAgreement, None),
        (
            "90b3d51f30010000-ds",
            KeyUsage::DigitalSignature,
            Some(RemotePartyRole::SUPPLIER),
        ),
        (
            "90b3d51f30010000-ka",
            KeyUsage::KeyAgreement,
            Some(RemotePartyRole::SUPPLIER),
        ),
        (
            "90b3d51f30020000-ka",
            KeyUsage::KeyAgreement,
            Some(RemotePartyRole::NETWORK_OPERATOR),
        ),
    ] {
        let theirs = &published
            .iter()
            .find(|identity| identity.name == published_name)
            .unwrap()
            .certificate;
        let id = theirs.subject_id().unwrap();
        let ours = &pki.identity(id, usage, role).unwrap().certificate;
        assert_eq!(
            ours.extension_oids(),
            theirs.extension_oids(),
            "{published_name}"
        );
        for oid in theirs.extension_oids() {
            assert_eq!(
                ours.extension_critical(&oid),
                theirs.extension_critical(&oid),
                "{published_name} {oid}"
            );
            if oid != smki::oids::SUBJECT_KEY_IDENTIFIER
                && oid != smki::oids::AUTHORITY_KEY_IDENTIFIER
            {
                assert_eq!(
                    ours.extension_der(&oid),
                    theirs.extension_der(&oid),
                    "{published_name} {oid}"
                );
            }
        }
        assert_eq!(ours.subject_der(), theirs.subject_der(), "{published_name}");
        assert_eq!(
            ours.issuer_name_rfc2253(),
            theirs.issuer_name_rfc2253(),
            "{published_name}"
        );
    }
}
