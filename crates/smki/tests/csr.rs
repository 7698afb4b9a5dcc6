//! Issuing from PKCS#10 CSRs: good requests chain and carry the SMKI profile; each malformed,
//! out-of-profile or unauthorised request is refused with its own reason.

#[path = "support/csr_cases.rs"]
mod csr_cases;

use csr_cases::*;
use proptest::prelude::*;
use smki::{
    build_csr, csr_pem, oids, CertificateKind, CertificateSigningRequest, CertificateStore,
    CsrError, CsrSubject, CsrSubmission, IdentityKind, KeyUsage, RemotePartyRole, Requester,
    TestPki,
};

fn pki() -> TestPki {
    TestPki::default_for(5).unwrap()
}

fn submission(csr: Vec<u8>) -> CsrSubmission {
    CsrSubmission {
        csr,
        kind: None,
        usage: None,
    }
}

#[test]
fn every_refusal_case_is_refused_with_its_reason() {
    let pki = pki();
    let cases = refusal_cases();
    assert!(cases.len() >= 8, "the table has {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        match pki.issue_from_csr(&case.submission, &case.requester) {
            Ok(certificate) => failures.push(format!(
                "{}: issued {}",
                case.name,
                certificate.serial_decimal()
            )),
            Err(error) => {
                let variant = variant_name(&error);
                if variant != case.expected || error.is_unauthorised() != case.unauthorised {
                    failures.push(format!(
                        "{}: expected {} got {error:?} ({error})",
                        case.name, case.expected
                    ));
                }
                assert!(!error.is_internal(), "{}: {error}", case.name);
                println!("refused  {:<58} {error}", case.name);
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn an_organisation_csr_yields_a_certificate_of_the_profile_that_chains() {
    let pki = pki();
    let csr = good_organisation_csr(
        SUPPLIER,
        RemotePartyRole::SUPPLIER,
        KeyUsage::DigitalSignature,
    );
    let certificate = pki
        .issue_from_csr(
            &CsrSubmission {
                csr: csr.clone(),
                kind: Some(CertificateKind::Organisation),
                usage: Some(KeyUsage::DigitalSignature),
            },
            &supplier(),
        )
        .unwrap();
    CertificateStore::from_pki(&pki)
        .validate_path(&certificate, IN_2030)
        .unwrap();
    assert_eq!(certificate.kind(), Some(IdentityKind::Organisation));
    assert_eq!(certificate.organisation_id(), Some(SUPPLIER));
    assert_eq!(certificate.role(), Some(RemotePartyRole::SUPPLIER));
    assert_eq!(certificate.key_usage(), Some(KeyUsage::DigitalSignature));
    assert_eq!(certificate.common_name(), Some("GITTESTSUPPLIER"));
    assert_eq!(certificate.issuer_name_rfc2253(), "CN=Z1,OU=07");
    assert_eq!(
        certificate.public_key_sec1().to_vec(),
        CertificateSigningRequest::from_der(&csr)
            .unwrap()
            .public_key_sec1(),
        "the certificate certifies the CSR's key"
    );
    let generated = &pki
        .identity(
            SUPPLIER,
            KeyUsage::DigitalSignature,
            Some(RemotePartyRole::SUPPLIER),
        )
        .unwrap()
        .certificate;
    assert_eq!(certificate.extension_oids(), generated.extension_oids());
    assert_eq!(
        certificate.policy_oids(),
        vec![oids::ORGANISATION_CERTIFICATE_POLICY]
    );
    assert_eq!(
        certificate.subject_der(),
        generated.subject_der(),
        "same subject encoding as the PKI's own"
    );
    assert_eq!(certificate.not_after(), generated.not_after());
}

#[test]
fn device_csrs_yield_ds_and_ka_certificates_from_the_device_ca() {
    let pki = pki();
    let store = CertificateStore::from_pki(&pki);
    for usage in [KeyUsage::DigitalSignature, KeyUsage::KeyAgreement] {
        let certificate = pki
            .issue_from_csr(&submission(good_device_csr(DEVICE, usage)), &supplier())
            .unwrap();
        store.validate_path(&certificate, IN_2030).unwrap();
        assert_eq!(certificate.kind(), Some(IdentityKind::Device));
        assert_eq!(certificate.device_id(), Some(DEVICE));
        assert_eq!(certificate.key_usage(), Some(usage));
        assert_eq!(certificate.subject_name_rfc2253(), "");
        assert_eq!(certificate.issuer_name_rfc2253(), "CN=E357");
        assert_eq!(
            certificate.extension_critical(&oids::SUBJECT_ALT_NAME),
            Some(true)
        );
        assert_eq!(
            certificate.policy_oids(),
            vec![oids::DEVICE_CERTIFICATE_POLICY]
        );
    }
}

#[test]
fn xml_signing_and_operator_requests_are_allowed() {
    let pki = pki();
    let xml = good_organisation_csr(
        SUPPLIER,
        RemotePartyRole::XML_SIGNING,
        KeyUsage::DigitalSignature,
    );
    let certificate = pki.issue_from_csr(&submission(xml), &supplier()).unwrap();
    assert_eq!(certificate.role(), Some(RemotePartyRole::XML_SIGNING));
    let other = good_organisation_csr(
        NETWORK_OPERATOR,
        RemotePartyRole::NETWORK_OPERATOR,
        KeyUsage::KeyAgreement,
    );
    let refused = pki
        .issue_from_csr(&submission(other.clone()), &supplier())
        .unwrap_err();
    assert!(refused.is_unauthorised());
    let certificate = pki
        .issue_from_csr(&submission(other), &Requester::Operator)
        .unwrap();
    assert_eq!(certificate.organisation_id(), Some(NETWORK_OPERATOR));
    assert_eq!(certificate.key_usage(), Some(KeyUsage::KeyAgreement));
}

#[test]
fn issuance_is_deterministic_and_accepts_pem() {
    let pki = pki();
    let der = good_device_csr(DEVICE, KeyUsage::KeyAgreement);
    let from_der = pki
        .issue_from_csr(&submission(der.clone()), &supplier())
        .unwrap();
    let from_pem = pki
        .issue_from_csr(&submission(csr_pem(&der).into_bytes()), &supplier())
        .unwrap();
    assert_eq!(from_der, from_pem);
    let other = good_device_csr(DEVICE, KeyUsage::DigitalSignature);
    let other = pki.issue_from_csr(&submission(other), &supplier()).unwrap();
    assert_ne!(from_der.serial_decimal(), other.serial_decimal());
}

#[test]
fn build_csr_is_deterministic_and_reads_back() {
    let subject = CsrSubject::Organisation {
        id: SUPPLIER,
        role: RemotePartyRole::SUPPLIER,
        common_name: None,
    };
    let first = build_csr(&subject, KeyUsage::KeyAgreement, &p256_pkcs8(3)).unwrap();
    let second = build_csr(&subject, KeyUsage::KeyAgreement, &p256_pkcs8(3)).unwrap();
    assert_eq!(first, second);
    let csr = CertificateSigningRequest::from_der(&first).unwrap();
    assert_eq!(csr.usage(), KeyUsage::KeyAgreement);
    assert_eq!(csr.inferred_kind(), CertificateKind::Organisation);
    assert_eq!(csr.subject(CertificateKind::Organisation).unwrap(), subject);
    assert_eq!(
        csr.subject_name_rfc2253(),
        "2.5.4.45=#03090090b3d51f30010000,OU=02"
    );
    assert!(matches!(
        build_csr(&subject, KeyUsage::KeyAgreement, b"not a key"),
        Err(CsrError::PrivateKey(_))
    ));
    // As PEM: the same request, under the PKCS#10 label.
    let pem = csr.pem();
    assert!(
        pem.starts_with("-----BEGIN CERTIFICATE REQUEST-----\n"),
        "{pem}"
    );
    assert_eq!(pem, csr_pem(&first));
    assert_eq!(
        CertificateSigningRequest::from_der(&first).unwrap().der(),
        first.as_slice()
    );
}

/// A refusal names the role it is about by number and name (`02 (supplier)`); an issuing
/// fault is the PKI's own, not the request's.
#[test]
fn refusals_name_the_role_and_issuing_faults_are_internal() {
    let pki = pki();
    let refused = refusal_cases()
        .into_iter()
        .filter(|case| case.expected == "RoleNotAllowed")
        .filter_map(|case| pki.issue_from_csr(&case.submission, &case.requester).err())
        .map(|error| error.to_string())
        .collect::<Vec<_>>();
    assert!(!refused.is_empty());
    assert!(
        refused
            .iter()
            .all(|message| message.contains("03 (network operator)")),
        "{refused:#?}"
    );
    assert!(CsrError::Issue("the CA key is missing".into()).is_internal());
    assert!(!CsrError::Issue("x".into()).is_unauthorised());
}

#[test]
fn openssl_verifies_the_csrs_build_csr_makes() {
    if !test_support::tool_available("openssl", "version", "openssl cross-check") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (name, der) in [
        (
            "organisation",
            good_organisation_csr(
                SUPPLIER,
                RemotePartyRole::SUPPLIER,
                KeyUsage::DigitalSignature,
            ),
        ),
        ("device", good_device_csr(DEVICE, KeyUsage::KeyAgreement)),
    ] {
        let path = dir.path().join(format!("{name}.csr"));
        std::fs::write(&path, csr_pem(&der)).unwrap();
        let output = std::process::Command::new("openssl")
            .args(["req", "-verify", "-noout", "-text", "-in"])
            .arg(&path)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout);
        let errors = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{name}: {errors}");
        assert!(
            errors.contains("verify OK") || text.contains("verify OK"),
            "{name}: {errors}"
        );
        assert!(
            text.contains("NIST CURVE: P-256") || text.contains("prime256v1"),
            "{text}"
        );
    }
}

#[test]
fn openssl_p384_and_ed25519_csrs_are_refused_as_wrong_key_types() {
    if !test_support::tool_available("openssl", "version", "openssl cross-check") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // Each refused with what its key is: a P-384 key named as such, another curve by its OID.
    for (name, key_args, named) in [
        (
            "p384",
            vec!["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
            "P-384",
        ),
        (
            "secp256k1",
            vec!["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp256k1"],
            "1.3.132.0.10",
        ),
        ("ed25519", vec!["-newkey", "ed25519"], ""),
    ] {
        let path = dir.path().join(format!("{name}.csr"));
        let output = std::process::Command::new("openssl")
            .arg("req")
            .args(key_args)
            .args(["-nodes", "-keyout"])
            .arg(dir.path().join(format!("{name}.key")))
            .args(["-subj", "/CN=GITTESTSUPPLIER/OU=02", "-out"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let error = pki()
            .issue_from_csr(
                &submission(std::fs::read(&path).unwrap()),
                &Requester::Operator,
            )
            .unwrap_err();
        assert!(
            matches!(error, CsrError::WrongKeyType(ref what) if what.contains(named)),
            "{name}: {error:?}"
        );
    }
}

proptest! {
    // Seeded: the same cases on every run.
    #![proptest_config(ProptestConfig { rng_seed: proptest::test_runner::RngSeed::Fixed(0xC5E), failure_persistence: None, ..ProptestConfig::default() })]

    /// Good device and organisation CSRs, DER and PEM, with bytes changed, cut or inserted:
    /// reading answers `Ok` or a `CsrError`, and what reads can be asked for its subject.
    /// (Issuing from a damaged CSR is the next test.)
    #[test]
    fn damaged_csrs_are_read_or_refused_never_panic(
        organisation in any::<bool>(),
        pem in any::<bool>(),
        edits in test_support::mutation::edits(),
    ) {
        let der = if organisation {
            good_organisation_csr(SUPPLIER, RemotePartyRole::SUPPLIER, KeyUsage::KeyAgreement)
        } else {
            good_device_csr(DEVICE, KeyUsage::DigitalSignature)
        };
        let valid = if pem { csr_pem(&der).into_bytes() } else { der };
        let bytes = test_support::mutation::apply(&valid, &edits);
        if let Ok(csr) = CertificateSigningRequest::from_der_or_pem(&bytes) {
            let _ = (csr.usage(), csr.inferred_kind(), csr.subject_name_rfc2253());
            let _ = csr.subject(CertificateKind::Device);
            let _ = csr.subject(CertificateKind::Organisation);
        }
    }

    #[test]
    fn damaged_csrs_never_panic_and_never_issue_another_subject(index in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut csr = good_device_csr(DEVICE, KeyUsage::DigitalSignature);
        let at = index.index(csr.len());
        prop_assume!(csr[at] != byte);
        csr[at] = byte;
        let pki = TestPki::generate(5, &[], &[]).unwrap();
        if let Ok(certificate) = pki.issue_from_csr(&submission(csr), &Requester::Operator) {
            // Only a change outside the signed bytes (inside the signature's DER) could pass.
            prop_assert_eq!(certificate.device_id(), Some(DEVICE));
        }
    }
}

/// A common name of up to `MAX_COMMON_NAME_LENGTH` characters is taken; one more is refused.
#[test]
fn a_common_name_may_be_as_long_as_the_profile_allows_and_no_longer() {
    let pki = pki();
    let csr = |length: usize| {
        let subject = CsrSubject::Organisation {
            id: SUPPLIER,
            role: RemotePartyRole::SUPPLIER,
            common_name: Some("N".repeat(length)),
        };
        build_csr(&subject, KeyUsage::KeyAgreement, &p256_pkcs8(0x11)).unwrap()
    };
    let longest = smki::MAX_COMMON_NAME_LENGTH;
    assert!(pki
        .issue_from_csr(&submission(csr(longest)), &supplier())
        .is_ok());
    assert!(pki.issue_from_csr(&submission(csr(1)), &supplier()).is_ok());
    let refused = pki
        .issue_from_csr(&submission(csr(longest + 1)), &supplier())
        .unwrap_err();
    assert!(
        refused.to_string().contains("CN must be 1 to 64"),
        "{refused}"
    );
}

/// The DSP's XML signing role is the access control broker's to request: the ACB is issued
/// one; a supplier requesting it for itself is refused with the role named.
#[test]
fn only_the_access_control_broker_may_request_the_dsp_xml_signing_role() {
    let pki = pki();
    let acb = dcc_model::DCC_ACCESS_CONTROL_BROKER;
    let as_acb = Requester::Subscriber {
        id: acb,
        roles: vec![RemotePartyRole::ACCESS_CONTROL_BROKER],
    };
    let acb_csr = good_organisation_csr(
        acb,
        RemotePartyRole::DSP_XML_SIGNING,
        KeyUsage::DigitalSignature,
    );
    assert!(pki.issue_from_csr(&submission(acb_csr), &as_acb).is_ok());
    let supplier_csr = good_organisation_csr(
        SUPPLIER,
        RemotePartyRole::DSP_XML_SIGNING,
        KeyUsage::DigitalSignature,
    );
    let refused = pki
        .issue_from_csr(&submission(supplier_csr), &supplier())
        .unwrap_err();
    assert!(
        matches!(refused, CsrError::RoleNotAllowed { role, .. } if role == RemotePartyRole::DSP_XML_SIGNING),
        "{refused:?}"
    );
}
