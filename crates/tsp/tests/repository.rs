//! The DCC Boxed SMKI repository over real HTTP on an ephemeral port.

mod support;

use std::net::SocketAddr;

use base64::Engine as _;
use smki::repository::{render_data_request, render_search_request, SearchSubject};
use smki::KeyUsage;
use support::*;
use tsp::{TspClient, DCC_BOXED_API_KEY};

/// One `Result` (or `CertificateResponse`) of a repository answer, as element name → text.
type Fields = Vec<(String, String)>;

struct Answer {
    status: u16,
    content_type: String,
    body: String,
}

async fn post(address: SocketAddr, path: &str, api_key: Option<&str>, body: String) -> Answer {
    let mut request = reqwest::Client::new()
        .post(format!("http://{address}{path}"))
        .header("content-type", "application/xml")
        .body(body);
    if let Some(key) = api_key {
        request = request.query(&[("apikey", key)]);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default();
    Answer {
        status,
        content_type,
        body: response.text().await.unwrap(),
    }
}

async fn search(address: SocketAddr, subject: SearchSubject) -> Answer {
    post(
        address,
        "/services/certificatesearch",
        Some(DCC_BOXED_API_KEY),
        render_search_request(subject),
    )
    .await
}

async fn retrieve(address: SocketAddr, serial_hex: &str) -> Answer {
    post(
        address,
        "/services/retrievecertificate",
        Some(DCC_BOXED_API_KEY),
        render_data_request(serial_hex),
    )
    .await
}

/// The children of each element named `record` under the root.
fn records(xml: &str, record: &str) -> Vec<Fields> {
    let document = roxmltree::Document::parse(xml).unwrap();
    document
        .root_element()
        .children()
        .filter(|node| node.has_tag_name(record))
        .map(|node| {
            node.children()
                .filter(|child| child.is_element())
                .map(|child| {
                    (
                        child.tag_name().name().to_owned(),
                        child.text().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .collect()
}

fn field<'a>(fields: &'a Fields, name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

fn root_text(xml: &str, name: &str) -> String {
    let document = roxmltree::Document::parse(xml).unwrap();
    let element = document
        .root_element()
        .children()
        .find(|node| node.has_tag_name(name))
        .unwrap();
    element.text().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn search_by_organisation() {
    let tsp = tsp(Some(DCC_BOXED_API_KEY));
    let address = serve(tsp.repository).await;
    let answer = search(address, SearchSubject::SubjectName(SUPPLIER)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.content_type, "application/xml");
    assert_eq!(root_text(&answer.body, "ResponseCode"), "200");
    assert!(root_text(&answer.body, "AuditReference").starts_with("dccsim-tsp-"));
    let results = records(&answer.body, "Result");
    assert_eq!(results.len(), 3, "DS, KA and XML signing DS");
    for result in &results {
        assert_eq!(
            field(result, "CertificateSubjectName"),
            Some("90-B3-D5-1F-30-01-00-00")
        );
        assert_eq!(field(result, "CertificateStatus"), Some("I"));
    }
    let mut role_usage: Vec<(&str, &str)> = results
        .iter()
        .map(|result| {
            (
                field(result, "CertificateRole").unwrap(),
                field(result, "CertificateUsage").unwrap(),
            )
        })
        .collect();
    role_usage.sort_unstable();
    assert_eq!(role_usage, vec![("135", "DS"), ("2", "DS"), ("2", "KA")]);
}

#[tokio::test]
async fn search_by_device_finds_what_grpc_issued() {
    let tsp = tsp(Some(DCC_BOXED_API_KEY));
    let client = TspClient::new(tsp.local_transport());
    let address = serve(tsp.repository).await;
    let before = search(address, SearchSubject::SubjectAltName(NEW_DEVICE)).await;
    assert_eq!(before.status, 402, "unknown before issuance");
    let credentials = client.device_certificates(&[NEW_DEVICE]).await.unwrap();
    let answer = search(address, SearchSubject::SubjectAltName(NEW_DEVICE)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let results = records(&answer.body, "Result");
    assert_eq!(results.len(), 2);
    let ka = results
        .iter()
        .find(|result| field(result, "CertificateUsage") == Some("KA"))
        .unwrap();
    assert_eq!(
        field(ka, "CertificateSubjectAltName"),
        Some("00-DB-12-34-56-79-00-01")
    );
    assert_eq!(
        field(ka, "CertificateRole"),
        None,
        "device results carry no role"
    );
    assert_eq!(
        field(ka, "CertificateSerial"),
        Some(credentials[0].ka.certificate.serial_hex().as_str())
    );
}

#[tokio::test]
async fn retrieve_returns_the_certificate_body() {
    let tsp = tsp(Some(DCC_BOXED_API_KEY));
    let client = TspClient::new(tsp.local_transport());
    let expected = client
        .find(SUPPLIER, KeyUsage::KeyAgreement)
        .await
        .unwrap()
        .remove(0);
    let address = serve(tsp.repository).await;
    // DCC's client sends the serial in lowercase hex.
    let answer = retrieve(address, &expected.serial_hex().to_ascii_lowercase()).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.content_type, "application/xml");
    let response = records(&answer.body, "CertificateResponse");
    assert_eq!(response.len(), 1);
    let body = field(&response[0], "CertificateBody").unwrap();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap();
    assert_eq!(der, expected.der());
    assert_eq!(
        field(&response[0], "CertificateSubjectName"),
        Some("90-B3-D5-1F-30-01-00-00")
    );
    assert_eq!(field(&response[0], "CertificateUsage"), Some("KA"));
}

#[tokio::test]
async fn not_found_is_402() {
    let tsp = tsp(None);
    let address = serve(tsp.repository).await;
    let answer = search(address, SearchSubject::SubjectName(NEW_DEVICE)).await;
    assert_eq!(answer.status, 402);
    let answer = retrieve(address, "0123456789abcdef").await;
    assert_eq!(answer.status, 402);
}

#[tokio::test]
async fn bad_parameters_are_401() {
    let tsp = tsp(None);
    let address = serve(tsp.repository).await;
    let cases = [
        ("/services/certificatesearch", "not xml".to_owned()),
        (
            "/services/certificatesearch",
            "<CertificateSearchRequest><CertificateSubjectName>90-B3</CertificateSubjectName></CertificateSearchRequest>".to_owned(),
        ),
        (
            "/services/certificatesearch",
            "<CertificateSearchRequest></CertificateSearchRequest>".to_owned(),
        ),
        ("/services/certificatesearch", render_data_request("ab")),
        (
            "/services/retrievecertificate",
            "<CertificateDataRequest><CertificateSerial>xyz</CertificateSerial></CertificateDataRequest>".to_owned(),
        ),
    ];
    for (path, body) in cases {
        let answer = post(address, path, None, body.clone()).await;
        assert_eq!(answer.status, 401, "{path} {body}: {}", answer.body);
    }
    let not_utf8 = reqwest::Client::new()
        .post(format!("http://{address}/services/certificatesearch"))
        .body(vec![0xFF, 0xFE, 0x3C])
        .send()
        .await
        .unwrap();
    assert_eq!(not_utf8.status().as_u16(), 401);
}

#[tokio::test]
async fn wrong_or_missing_apikey_is_403() {
    let tsp = tsp(Some(DCC_BOXED_API_KEY));
    let address = serve(tsp.repository).await;
    let request = render_search_request(SearchSubject::SubjectName(SUPPLIER));
    let wrong = post(
        address,
        "/services/certificatesearch",
        Some("guess"),
        request.clone(),
    )
    .await;
    assert_eq!(wrong.status, 403);
    let missing = post(address, "/services/certificatesearch", None, request).await;
    assert_eq!(missing.status, 403);
    let retrieve_wrong = post(
        address,
        "/services/retrievecertificate",
        Some("guess"),
        render_data_request("01"),
    )
    .await;
    assert_eq!(retrieve_wrong.status, 403);
}

#[tokio::test]
async fn any_apikey_is_accepted_when_none_is_configured() {
    let tsp = tsp(None);
    let address = serve(tsp.repository).await;
    let request = render_search_request(SearchSubject::SubjectName(SUPPLIER));
    let answer = post(
        address,
        "/services/certificatesearch",
        Some("anything"),
        request.clone(),
    )
    .await;
    assert_eq!(answer.status, 200);
    let answer = post(address, "/services/certificatesearch", None, request).await;
    assert_eq!(answer.status, 200);
}

#[tokio::test]
async fn status_follows_the_injected_time() {
    // 2017: before every dccsim certificate's notBefore (2020).
    let tsp = tsp_with(pki(), Vec::new(), None, 1_500_000_000);
    let address = serve(tsp.repository).await;
    let answer = search(address, SearchSubject::SubjectName(SUPPLIER)).await;
    let results = records(&answer.body, "Result");
    let statuses: Vec<Option<&str>> = results
        .iter()
        .map(|result| field(result, "CertificateStatus"))
        .collect();
    // DS and KA as supplier, DS as XML signer: all three pending.
    assert_eq!(statuses, [Some("P"); 3], "{}", answer.body);
}

#[tokio::test]
async fn oversized_bodies_are_refused_and_health_answers() {
    let tsp = tsp(None);
    let address = serve(tsp.repository).await;
    let huge = "x".repeat(smki::repository::MAX_REQUEST_BYTES + 1);
    let answer = post(address, "/services/certificatesearch", None, huge).await;
    assert_eq!(answer.status, 413);
    let health = reqwest::get(format!("http://{address}/healthz"))
        .await
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);
    assert_eq!(health.text().await.unwrap(), "ok");
    let wrong_method = reqwest::get(format!("http://{address}/services/certificatesearch"))
        .await
        .unwrap();
    assert_eq!(wrong_method.status().as_u16(), 405);
}

#[tokio::test]
async fn dccboxed_identities_are_served() {
    let Some(zaz1) = dccboxed_keystore() else {
        return;
    };
    // 2025-01-01: the ZAZ1 certificates are in use.
    let tsp = tsp_with(pki(), zaz1, None, 1_735_689_600);
    let address = serve(tsp.repository).await;
    let answer = search(address, SearchSubject::SubjectName(SUPPLIER)).await;
    let results = records(&answer.body, "Result");
    // Z1 and Z1b supplier DS, XML signing DS, and four KA.
    assert_eq!(results.len(), 7, "{}", answer.body);
    assert!(results
        .iter()
        .all(|result| field(result, "CertificateStatus") == Some("I")));
}
