//! The `TrustServiceProvider` gRPC service through the in-process transport: each RPC, its
//! errors, and the domain client.

mod support;

use dcc_proto::smki::trust_service_provider_client::TrustServiceProviderClient;
use dcc_proto::smki::{
    IssueDeviceCertificatesRequest, KeyUsage as WireKeyUsage, ListTrustAnchorsRequest,
    RetrieveCertificateRequest, SearchCertificatesRequest,
};
use dcc_proto::transport::GrpcTransport;
use smki::{CertificateStore, KeyUsage, RemotePartyRole, TestPki};
use support::*;
use tonic::Code;
use tsp::{TspClient, TspError};

fn raw_client(tsp: &tsp::Tsp) -> TrustServiceProviderClient<GrpcTransport> {
    TrustServiceProviderClient::new(tsp.local_transport())
}

/// A store that trusts what the TSP lists as trust anchors.
async fn relying_party_store(client: &TspClient) -> CertificateStore {
    let mut store = CertificateStore::new();
    for anchor in client.trust_anchors().await.unwrap() {
        store.add_trust_anchor(anchor);
    }
    store
}

#[tokio::test]
async fn issues_device_certificates_that_chain_and_match_their_keys() {
    let tsp = tsp(None);
    let client = TspClient::new(tsp.local_transport());
    let devices = [NEW_DEVICE, OTHER_NEW_DEVICE];
    let credentials = client.device_certificates(&devices).await.unwrap();
    assert_eq!(credentials.len(), 2);
    let store = relying_party_store(&client).await;
    for (device, credential) in devices.iter().zip(&credentials) {
        assert_eq!(credential.device, *device);
        assert_eq!(credential.ds.certificate.device_id(), Some(*device));
        assert_eq!(credential.ka.certificate.device_id(), Some(*device));
        assert_eq!(
            credential.ds.certificate.key_usage(),
            Some(KeyUsage::DigitalSignature)
        );
        assert_eq!(
            credential.ka.certificate.key_usage(),
            Some(KeyUsage::KeyAgreement)
        );
        assert!(
            credential.ds.private_scalar().is_some(),
            "the DS private key comes back"
        );
        assert!(
            credential.ka.private_scalar().is_some(),
            "the KA private key comes back"
        );
        store
            .validate_path(&credential.ds.certificate, IN_2030)
            .unwrap();
        store
            .validate_path(&credential.ka.certificate, IN_2030)
            .unwrap();
    }
}

#[tokio::test]
async fn issuance_is_deterministic_and_known_devices_keep_their_certificates() {
    let first = tsp(None);
    let second = tsp(None);
    let first_client = TspClient::new(first.local_transport());
    let issued = first_client
        .device_certificates(&[NEW_DEVICE])
        .await
        .unwrap();
    let again = first_client
        .device_certificates(&[NEW_DEVICE])
        .await
        .unwrap();
    assert_eq!(issued, again, "a known device gets the same credentials");
    let elsewhere = TspClient::new(second.local_transport())
        .device_certificates(&[NEW_DEVICE])
        .await
        .unwrap();
    assert_eq!(issued, elsewhere, "same seed, same certificates and keys");
    let offline = TestPki::default_for(SEED)
        .unwrap()
        .issue_device(NEW_DEVICE)
        .unwrap();
    assert_eq!(
        issued[0].ds, offline.0,
        "the PKI's own issuance gives the same DS identity"
    );
    assert_eq!(issued[0].ka, offline.1);
}

#[tokio::test]
async fn devices_generated_with_the_pki_come_from_it() {
    let pki = pki();
    let tsp = tsp_with(pki.clone(), Vec::new(), None, IN_2030);
    let credentials = TspClient::new(tsp.local_transport())
        .device_certificates(&[ESME])
        .await
        .unwrap();
    let expected = pki.identity(ESME, KeyUsage::KeyAgreement, None).unwrap();
    assert_eq!(&credentials[0].ka, expected);
}

#[tokio::test]
async fn concurrent_issuance_for_one_device_agrees() {
    let tsp = tsp(None);
    let client = TspClient::new(tsp.local_transport());
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.device_certificates(&[NEW_DEVICE]).await.unwrap() })
        })
        .collect();
    let mut answers = Vec::new();
    for call in calls {
        answers.push(call.await.unwrap());
    }
    assert!(answers.windows(2).all(|pair| pair[0] == pair[1]));
    let published = client
        .find(NEW_DEVICE, KeyUsage::DigitalSignature)
        .await
        .unwrap();
    assert_eq!(published.len(), 1, "published once");
}

#[tokio::test]
async fn issue_with_no_devices_answers_none_and_repeats_answer_each() {
    let tsp = tsp(None);
    let client = TspClient::new(tsp.local_transport());
    assert!(client.device_certificates(&[]).await.unwrap().is_empty());
    let twice = client
        .device_certificates(&[NEW_DEVICE, NEW_DEVICE])
        .await
        .unwrap();
    assert_eq!(twice.len(), 2);
    assert_eq!(twice[0], twice[1]);
}

#[tokio::test]
async fn issue_rejects_a_bad_device_id_naming_it() {
    let tsp = tsp(None);
    let status = raw_client(&tsp)
        .issue_device_certificates(IssueDeviceCertificatesRequest {
            device_ids: vec![NEW_DEVICE.to_hex(), "00-DB-12".to_owned()],
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().contains("device_ids[1]"),
        "{}",
        status.message()
    );
    let client = TspClient::new(tsp.local_transport());
    assert!(
        client.find_subject(NEW_DEVICE).await.unwrap().is_empty(),
        "nothing is issued when one id is bad"
    );
}

#[tokio::test]
async fn issue_rejects_too_many_devices() {
    let tsp = tsp(None);
    let status = raw_client(&tsp)
        .issue_device_certificates(IssueDeviceCertificatesRequest {
            device_ids: vec![NEW_DEVICE.to_hex(); tsp::MAX_DEVICES_PER_REQUEST + 1],
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().contains("device_ids"));
}

#[tokio::test]
async fn search_by_organisation_and_usage() {
    let tsp = tsp(None);
    let mut client = raw_client(&tsp);
    let all = client
        .search_certificates(SearchCertificatesRequest {
            subject_id: SUPPLIER.to_string(),
            usage: WireKeyUsage::Unspecified as i32,
        })
        .await
        .unwrap()
        .into_inner()
        .certificates;
    // DS and KA as supplier (role 2), DS as XML signer (role 0x87).
    assert_eq!(all.len(), 3);
    assert!(all
        .iter()
        .all(|record| record.subject_id == "90B3D51F30010000" && !record.device));
    let mut roles: Vec<u32> = all.iter().map(|record| record.role).collect();
    roles.sort_unstable();
    assert_eq!(roles, vec![2, 2, 0x87]);
    let key_agreement = client
        .search_certificates(SearchCertificatesRequest {
            subject_id: SUPPLIER.to_hex(),
            usage: WireKeyUsage::KeyAgreement as i32,
        })
        .await
        .unwrap()
        .into_inner()
        .certificates;
    assert_eq!(key_agreement.len(), 1);
    assert_eq!(key_agreement[0].usage, WireKeyUsage::KeyAgreement as i32);
    let certificate = smki::Certificate::from_der(&key_agreement[0].der).unwrap();
    assert_eq!(certificate.serial_decimal(), key_agreement[0].serial);
    assert_eq!(certificate.role(), Some(RemotePartyRole::SUPPLIER));
}

#[tokio::test]
async fn search_finds_issued_devices_and_nothing_for_unknown_subjects() {
    let tsp = tsp(None);
    let client = TspClient::new(tsp.local_transport());
    assert!(client.find_subject(NEW_DEVICE).await.unwrap().is_empty());
    let credentials = client.device_certificates(&[NEW_DEVICE]).await.unwrap();
    let found = client
        .find(NEW_DEVICE, KeyUsage::KeyAgreement)
        .await
        .unwrap();
    assert_eq!(found, vec![credentials[0].ka.certificate.clone()]);
    assert_eq!(client.find_subject(NEW_DEVICE).await.unwrap().len(), 2);
    let record = raw_client(&tsp)
        .search_certificates(SearchCertificatesRequest {
            subject_id: NEW_DEVICE.to_hex(),
            usage: WireKeyUsage::DigitalSignature as i32,
        })
        .await
        .unwrap()
        .into_inner()
        .certificates;
    assert!(record[0].device);
    assert_eq!(record[0].role, 0, "device certificates carry role 0");
}

#[tokio::test]
async fn search_rejects_bad_subject_and_usage_naming_the_field() {
    let tsp = tsp(None);
    let mut client = raw_client(&tsp);
    let status = client
        .search_certificates(SearchCertificatesRequest {
            subject_id: "supplier".to_owned(),
            usage: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().contains("subject_id"),
        "{}",
        status.message()
    );
    let status = client
        .search_certificates(SearchCertificatesRequest {
            subject_id: SUPPLIER.to_hex(),
            usage: 7,
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().contains("field usage"),
        "{}",
        status.message()
    );
}

#[tokio::test]
async fn retrieve_by_decimal_serial() {
    let tsp = tsp(None);
    let client = TspClient::new(tsp.local_transport());
    let supplier_ka = client.find(SUPPLIER, KeyUsage::KeyAgreement).await.unwrap();
    let serial = supplier_ka[0].serial_decimal().to_owned();
    assert_eq!(client.retrieve(&serial).await.unwrap(), supplier_ka[0]);
    assert_eq!(
        client.retrieve(&format!("000{serial}")).await.unwrap(),
        supplier_ka[0],
        "leading zeros are ignored"
    );
}

#[tokio::test]
async fn retrieve_errors() {
    let tsp = tsp(None);
    let mut raw = raw_client(&tsp);
    let status = raw
        .retrieve_certificate(RetrieveCertificateRequest {
            serial: "12345".to_owned(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    assert!(status.message().contains("12345"), "{}", status.message());
    for bad in ["", "4A07BC", "-1", "1 2"] {
        let status = raw
            .retrieve_certificate(RetrieveCertificateRequest {
                serial: bad.to_owned(),
            })
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{bad:?}");
        assert!(
            status.message().contains("field serial"),
            "{}",
            status.message()
        );
    }
    let client = TspClient::new(tsp.local_transport());
    assert!(matches!(
        client.retrieve("12345").await,
        Err(TspError::NotFound(_))
    ));
    assert!(matches!(
        client.retrieve("x").await,
        Err(TspError::Rejected(_))
    ));
}

#[tokio::test]
async fn trust_anchors_are_the_three_cas() {
    let pki = pki();
    let tsp = tsp_with(pki.clone(), Vec::new(), None, IN_2030);
    let anchors = raw_client(&tsp)
        .list_trust_anchors(ListTrustAnchorsRequest {})
        .await
        .unwrap()
        .into_inner()
        .certificates_der;
    let expected: Vec<Vec<u8>> = [pki.root_ca(), pki.organisation_ca(), pki.device_ca()]
        .iter()
        .map(|ca| ca.certificate.der().to_vec())
        .collect();
    assert_eq!(anchors, expected);
    let store = relying_party_store(&TspClient::new(tsp.local_transport())).await;
    for identity in pki.identities() {
        store.validate_path(&identity.certificate, IN_2030).unwrap();
    }
}

#[tokio::test]
async fn dccboxed_identities_replace_the_pki_ones_and_are_anchors() {
    let Some(zaz1) = dccboxed_keystore() else {
        return;
    };
    let tsp = tsp_with(pki(), zaz1.clone(), None, IN_2030);
    let client = TspClient::new(tsp.local_transport());
    let published_ds = client
        .find(SUPPLIER, KeyUsage::DigitalSignature)
        .await
        .unwrap();
    let zaz1_ds: Vec<_> = zaz1
        .iter()
        .filter(|identity| identity.certificate.subject_id() == Some(SUPPLIER))
        .filter(|identity| identity.certificate.key_usage() == Some(KeyUsage::DigitalSignature))
        .map(|identity| identity.certificate.clone())
        .collect();
    assert!(!zaz1_ds.is_empty());
    assert_eq!(
        published_ds, zaz1_ds,
        "only the ZAZ1 supplier DS certificates are published"
    );
    let anchors = client.trust_anchors().await.unwrap();
    assert_eq!(
        anchors.len(),
        3 + zaz1.len(),
        "each ZAZ1 certificate is its own anchor"
    );
}

#[tokio::test]
async fn mounted_service_names_the_tsp() {
    let tsp = tsp(None);
    assert_eq!(tsp.grpc.name, tsp::PARTY_NAME);
    assert_eq!(
        tsp.grpc.grpc_service_names,
        vec!["dccsim.smki.v1.TrustServiceProvider"]
    );
}
