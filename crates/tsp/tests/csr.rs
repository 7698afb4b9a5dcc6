//! CSRs and revocation over gRPC: a CSR yields a published certificate that chains, a batch
//! is all or nothing, each refusal of the table comes back as INVALID_ARGUMENT or
//! PERMISSION_DENIED with its reason, and revocation shows in the repository.

#[path = "../../smki/tests/support/csr_cases.rs"]
mod csr_cases;
mod support;

use csr_cases::{
    good_device_csr, good_organisation_csr, refusal_cases, DEVICE, NETWORK_OPERATOR, SUPPLIER,
};
use dcc_proto::smki::trust_service_provider_client::TrustServiceProviderClient;
use dcc_proto::smki::{
    CertificateSigningRequest, CertificateStatus as WireCertificateStatus,
    ChangeCertificateStatusRequest, SubmitCertificateSigningRequestsRequest,
};
use smki::{
    CertificateKind, CertificateStore, CsrSubmission, KeyUsage, RemotePartyRole, Requester,
};
use support::{pki, tsp, IN_2030};
use tonic::Code;
use tsp::{TspClient, TspError};

/// A store that trusts what the TSP lists as trust anchors.
async fn relying_party_store(client: &TspClient) -> CertificateStore {
    let mut store = CertificateStore::new();
    for anchor in client.trust_anchors().await.unwrap() {
        store.add_trust_anchor(anchor);
    }
    store
}

fn submission(csr: Vec<u8>) -> CsrSubmission {
    CsrSubmission {
        csr,
        kind: None,
        usage: None,
    }
}

#[tokio::test]
async fn an_organisation_csr_yields_a_published_certificate_that_chains() {
    let tsp = tsp(None);
    let client = TspClient::new(tsp.local_transport());
    let csr = good_organisation_csr(
        SUPPLIER,
        RemotePartyRole::XML_SIGNING,
        KeyUsage::DigitalSignature,
    );
    let certificate = client
        .submit_csr(
            SUPPLIER,
            CsrSubmission {
                csr,
                kind: Some(CertificateKind::Organisation),
                usage: Some(KeyUsage::DigitalSignature),
            },
        )
        .await
        .unwrap();
    relying_party_store(&client)
        .await
        .validate_path(&certificate, IN_2030)
        .unwrap();
    assert_eq!(certificate.organisation_id(), Some(SUPPLIER));
    assert_eq!(certificate.role(), Some(RemotePartyRole::XML_SIGNING));
    let published = client
        .find(SUPPLIER, KeyUsage::DigitalSignature)
        .await
        .unwrap();
    assert!(
        published.contains(&certificate),
        "the certificate is published"
    );
    assert_eq!(
        client.retrieve(certificate.serial_decimal()).await.unwrap(),
        certificate
    );
}

#[tokio::test]
async fn a_batch_of_device_csrs_yields_certificates_that_chain() {
    let tsp = tsp(None);
    let client = TspClient::new(tsp.local_transport());
    let batch = [
        submission(good_device_csr(DEVICE, KeyUsage::DigitalSignature)),
        submission(good_device_csr(DEVICE, KeyUsage::KeyAgreement)),
    ];
    let certificates = client.submit_csrs(SUPPLIER, &batch).await.unwrap();
    assert_eq!(certificates.len(), 2);
    let store = relying_party_store(&client).await;
    for (certificate, usage) in certificates
        .iter()
        .zip([KeyUsage::DigitalSignature, KeyUsage::KeyAgreement])
    {
        store.validate_path(certificate, IN_2030).unwrap();
        assert_eq!(certificate.device_id(), Some(DEVICE));
        assert_eq!(certificate.key_usage(), Some(usage));
    }
    assert_eq!(client.find_subject(DEVICE).await.unwrap(), certificates);
}

#[tokio::test]
async fn each_refusal_comes_back_with_its_status_and_reason() {
    let tsp = tsp(None);
    let mut raw = TrustServiceProviderClient::new(tsp.local_transport());
    let offline = pki();
    let cases = refusal_cases();
    assert!(cases.len() >= 8);
    for case in cases {
        let Requester::Subscriber { id, .. } = &case.requester else {
            panic!("{}: the table's requesters are subscribers", case.name);
        };
        let expected = offline
            .issue_from_csr(&case.submission, &case.requester)
            .unwrap_err();
        let request = SubmitCertificateSigningRequestsRequest {
            requester_id: id.to_hex(),
            requests: vec![CertificateSigningRequest {
                csr: case.submission.csr.clone(),
                kind: match case.submission.kind {
                    None => 0,
                    Some(CertificateKind::Organisation) => 1,
                    Some(CertificateKind::Device) => 2,
                },
                usage: match case.submission.usage {
                    None => 0,
                    Some(KeyUsage::DigitalSignature) => 1,
                    Some(KeyUsage::KeyAgreement) => 2,
                },
            }],
        };
        let status = raw
            .submit_certificate_signing_requests(request)
            .await
            .unwrap_err();
        let code = if case.unauthorised {
            Code::PermissionDenied
        } else {
            Code::InvalidArgument
        };
        assert_eq!(status.code(), code, "{}: {}", case.name, status.message());
        assert_eq!(
            status.message(),
            format!("requests[0]: {expected}"),
            "{}",
            case.name
        );
    }
}

#[tokio::test]
async fn a_batch_with_one_bad_csr_issues_nothing() {
    let tsp = tsp(None);
    let client = TspClient::new(tsp.local_transport());
    let batch = [
        submission(good_device_csr(DEVICE, KeyUsage::DigitalSignature)),
        submission(b"not a CSR".to_vec()),
    ];
    let error = client.submit_csrs(SUPPLIER, &batch).await.unwrap_err();
    let TspError::Rejected(message) = error else {
        panic!("{error:?}");
    };
    assert!(message.starts_with("requests[1]: "), "{message}");
    assert!(client.find_subject(DEVICE).await.unwrap().is_empty());
}

#[tokio::test]
async fn bad_submissions_and_unknown_requesters_are_refused() {
    let tsp = tsp(None);
    let mut raw = TrustServiceProviderClient::new(tsp.local_transport());
    let good = || CertificateSigningRequest {
        csr: good_device_csr(DEVICE, KeyUsage::DigitalSignature),
        kind: 0,
        usage: 0,
    };
    let cases = [
        (
            "not-an-id",
            vec![good()],
            Code::InvalidArgument,
            "field requester_id",
        ),
        (
            "00DB123456780000",
            vec![good()],
            Code::PermissionDenied,
            "holds no organisation certificate",
        ),
        (
            &SUPPLIER.to_hex(),
            vec![],
            Code::InvalidArgument,
            "no certificate signing request",
        ),
        (
            &SUPPLIER.to_hex(),
            vec![CertificateSigningRequest { kind: 9, ..good() }],
            Code::InvalidArgument,
            "field requests[0].kind",
        ),
        (
            &SUPPLIER.to_hex(),
            vec![CertificateSigningRequest { usage: 7, ..good() }],
            Code::InvalidArgument,
            "field requests[0].usage",
        ),
    ];
    for (requester_id, requests, code, reason) in cases {
        let status = raw
            .submit_certificate_signing_requests(SubmitCertificateSigningRequestsRequest {
                requester_id: requester_id.to_owned(),
                requests,
            })
            .await
            .unwrap_err();
        assert_eq!(status.code(), code, "{}", status.message());
        assert!(status.message().contains(reason), "{}", status.message());
    }
}

#[tokio::test]
async fn revocation_shows_in_the_repository_and_bars_the_requester() {
    let tsp = tsp(None);
    let client = TspClient::new(tsp.local_transport());
    let mut store = relying_party_store(&client).await;
    let operator_certificates = client.find_subject(NETWORK_OPERATOR).await.unwrap();
    assert!(!operator_certificates.is_empty());
    for certificate in &operator_certificates {
        store.add(certificate.clone());
        assert!(!client
            .is_revoked(certificate.serial_decimal())
            .await
            .unwrap());
        let revoked = client.revoke(certificate.serial_decimal()).await.unwrap();
        assert_eq!(&revoked, certificate);
        assert!(client
            .is_revoked(certificate.serial_decimal())
            .await
            .unwrap());
        store.revoke(certificate.serial_decimal());
        assert!(store.validate_path(certificate, IN_2030).is_err());
    }
    let csr = good_organisation_csr(
        NETWORK_OPERATOR,
        RemotePartyRole::NETWORK_OPERATOR,
        KeyUsage::DigitalSignature,
    );
    let error = client
        .submit_csr(NETWORK_OPERATOR, submission(csr))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, TspError::PermissionDenied(message) if message.contains("holds no organisation certificate")),
        "{error:?}"
    );
}

#[tokio::test]
async fn revocation_refuses_cas_unknown_serials_and_other_statuses() {
    let tsp = tsp(None);
    let client = TspClient::new(tsp.local_transport());
    let root = &client.trust_anchors().await.unwrap()[0];
    assert!(matches!(
        client.revoke(root.serial_decimal()).await.unwrap_err(),
        TspError::Rejected(message) if message.contains("trust anchor")
    ));
    assert!(matches!(
        client.revoke("12345").await.unwrap_err(),
        TspError::NotFound(_)
    ));
    assert!(matches!(
        client.revoke("12x").await.unwrap_err(),
        TspError::Rejected(message) if message.contains("field serial")
    ));
    let supplier = &client
        .find(SUPPLIER, KeyUsage::DigitalSignature)
        .await
        .unwrap()[0];
    let status = TrustServiceProviderClient::new(tsp.local_transport())
        .change_certificate_status(ChangeCertificateStatusRequest {
            serial: supplier.serial_decimal().to_owned(),
            status: WireCertificateStatus::InUse as i32,
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().contains("field status"),
        "{}",
        status.message()
    );
    assert!(!client.is_revoked(supplier.serial_decimal()).await.unwrap());
}
