//! The SMKI repository service shapes, read the way DCC's client (`@smartdcc/dccboxed-keystore`)
//! reads them, and robustness of every parser against arbitrary input.

use base64::Engine as _;
use dcc_model::Eui64;
use proptest::prelude::*;
use smki::repository::{
    parse_data_request, parse_search_request, render_data_request, render_data_response,
    render_search_request, render_search_response, retrieve, search, RepositoryError,
    SearchRequest, SearchSubject,
};
use smki::{CertificateStatus, CertificateStore, KeyUsage, RemotePartyRole, TestPki};

const SUPPLIER: Eui64 = Eui64::from_u64(0x90B3_D51F_3001_0000);
const ESME: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A0);
/// 2030-01-01T00:00:00Z.
const IN_2030: i64 = 1_893_456_000;

fn shared_pki() -> &'static TestPki {
    static PKI: std::sync::OnceLock<TestPki> = std::sync::OnceLock::new();
    PKI.get_or_init(|| TestPki::default_with_devices(5, &[ESME]).unwrap())
}

/// One valid input of each text parser.
fn valid_documents() -> &'static [String; 6] {
    static DOCUMENTS: std::sync::OnceLock<[String; 6]> = std::sync::OnceLock::new();
    DOCUMENTS.get_or_init(|| {
        let pki = shared_pki();
        let key = pki
            .files()
            .into_iter()
            .find(|(name, _)| name.ends_with(".key"))
            .map(|(_, bytes)| String::from_utf8(bytes).unwrap())
            .unwrap();
        [
            "<CertificateSearchRequest><CertificateSubjectName>90-B3-D5-1F-30-01-00-00</CertificateSubjectName><CertificateRole>135</CertificateRole><CertificateUsage>DS</CertificateUsage><CertificateStatus>I</CertificateStatus></CertificateSearchRequest>".to_owned(),
            render_search_request(SearchSubject::SubjectAltName(ESME)),
            render_data_request("1A2B3C"),
            pki.dccboxed_keystore_json(),
            pki.root_ca().certificate.pem(),
            key,
        ]
    })
}

fn store() -> (TestPki, CertificateStore) {
    let pki = TestPki::default_with_devices(5, &[ESME]).unwrap();
    let store = CertificateStore::from_pki(&pki);
    (pki, store)
}

/// The text of the only `name` child of `node`.
fn text<'a>(node: roxmltree::Node<'a, '_>, name: &str) -> Option<&'a str> {
    node.children()
        .find(|child| child.has_tag_name(name))
        .and_then(|child| child.text())
}

#[test]
fn parses_the_requests_dcc_client_sends() {
    // What certificateSearch.js builds: lowercase EUI octets joined by '-'.
    let device = r#"<?xml version="1.0" encoding="utf-8"?><CertificateSearchRequest><CertificateSubjectAltName>00-db-12-34-56-78-90-a0</CertificateSubjectAltName></CertificateSearchRequest>"#;
    assert_eq!(
        parse_search_request(device).unwrap(),
        SearchRequest {
            subject: SearchSubject::SubjectAltName(ESME),
            usage: None,
            role: None,
            status: None
        }
    );
    let organisation = "<CertificateSearchRequest>\n  <CertificateSubjectName>90-B3-D5-1F-30-01-00-00</CertificateSubjectName>\n  <CertificateRole>135</CertificateRole>\n  <CertificateUsage>DS</CertificateUsage>\n  <CertificateStatus>I</CertificateStatus>\n</CertificateSearchRequest>";
    assert_eq!(
        parse_search_request(organisation).unwrap(),
        SearchRequest {
            subject: SearchSubject::SubjectName(SUPPLIER),
            usage: Some(KeyUsage::DigitalSignature),
            role: Some(RemotePartyRole::XML_SIGNING),
            status: Some(CertificateStatus::InUse),
        }
    );
    assert_eq!(
        render_search_request(SearchSubject::SubjectAltName(ESME)),
        device
    );
    let data = r#"<?xml version="1.0" encoding="utf-8"?><CertificateDataRequest><CertificateSerial>4fbc525201a1d7586c1bc1c4734deb9f</CertificateSerial></CertificateDataRequest>"#;
    assert_eq!(
        parse_data_request(data).unwrap(),
        "4FBC525201A1D7586C1BC1C4734DEB9F"
    );
    assert_eq!(
        render_data_request("4FBC525201A1D7586C1BC1C4734DEB9F"),
        data
    );
}

#[test]
fn bad_parameters_are_401() {
    for xml in [
        "",
        "not xml",
        "<CertificateSearchRequest/>",
        "<CertificateSearchRequest><CertificateSubjectName>90-B3</CertificateSubjectName></CertificateSearchRequest>",
        "<CertificateSearchRequest><CertificateSubjectName>90-B3-D5-1F-30-01-00-00</CertificateSubjectName><CertificateSubjectAltName>00-DB-12-34-56-78-90-A0</CertificateSubjectAltName></CertificateSearchRequest>",
        "<CertificateSearchRequest><CertificateSubjectName>90-B3-D5-1F-30-01-00-00</CertificateSubjectName><CertificateUsage>XX</CertificateUsage></CertificateSearchRequest>",
        "<CertificateSearchRequest><CertificateSubjectName>90-B3-D5-1F-30-01-00-00</CertificateSubjectName><CertificateRole>0x87</CertificateRole></CertificateSearchRequest>",
        "<CertificateDataRequest><CertificateSubjectName>90-B3-D5-1F-30-01-00-00</CertificateSubjectName></CertificateDataRequest>",
        "<!DOCTYPE x [<!ENTITY a 'b'>]><CertificateSearchRequest/>",
    ] {
        let error = parse_search_request(xml).unwrap_err();
        assert_eq!(error.http_status(), 401, "{xml}: {error}");
    }
    for xml in ["<CertificateDataRequest/>", "<CertificateDataRequest><CertificateSerial>xyz</CertificateSerial></CertificateDataRequest>"] {
        assert_eq!(parse_data_request(xml).unwrap_err().http_status(), 401, "{xml}");
    }
}

#[test]
fn nothing_found_is_402() {
    let (_pki, store) = store();
    let request = SearchRequest {
        subject: SearchSubject::SubjectAltName(SUPPLIER),
        usage: None,
        role: None,
        status: None,
    };
    let error = search(&store, &request, IN_2030).unwrap_err();
    assert!(matches!(error, RepositoryError::NotFound(_)));
    assert_eq!(error.http_status(), 402);
    assert_eq!(
        retrieve(&store, "1234", IN_2030).unwrap_err().http_status(),
        402
    );
}

#[test]
fn device_search_and_retrieval_round_trip_as_dcc_client_reads_them() {
    let (pki, store) = store();
    let request =
        parse_search_request(&render_search_request(SearchSubject::SubjectAltName(ESME))).unwrap();
    let results = search(&store, &request, IN_2030).unwrap();
    assert_eq!(results.len(), 2);
    let xml = render_search_response(&results, "audit-1");
    let document = roxmltree::Document::parse(&xml).unwrap();
    let root = document.root_element();
    assert!(root.has_tag_name("CertificateSearchResponse"));
    assert_eq!(text(root, "ResponseCode"), Some("200"));
    assert_eq!(text(root, "AuditReference"), Some("audit-1"));
    let entries: Vec<_> = root
        .children()
        .filter(|child| child.has_tag_name("Result"))
        .collect();
    assert_eq!(entries.len(), 2);
    // The client keeps results whose usage is KA and status I, then fetches them by serial.
    let key_agreement = entries
        .iter()
        .find(|entry| text(**entry, "CertificateUsage") == Some("KA"))
        .unwrap();
    assert_eq!(text(*key_agreement, "CertificateStatus"), Some("I"));
    assert_eq!(
        text(*key_agreement, "CertificateSubjectAltName"),
        Some("00-DB-12-34-56-78-90-A0")
    );
    assert_eq!(text(*key_agreement, "CertificateRole"), None);
    let serial = text(*key_agreement, "CertificateSerial").unwrap();

    let serial = parse_data_request(&render_data_request(serial)).unwrap();
    let found = retrieve(&store, &serial, IN_2030).unwrap();
    let expected = &pki
        .identity(ESME, KeyUsage::KeyAgreement, None)
        .unwrap()
        .certificate;
    assert_eq!(found.certificate, expected);
    let xml = render_data_response(&found, "audit-2");
    let document = roxmltree::Document::parse(&xml).unwrap();
    let response = document
        .root_element()
        .children()
        .find(|child| child.has_tag_name("CertificateResponse"))
        .unwrap();
    assert_eq!(
        text(response, "CertificateSubjectAltName"),
        Some("00-DB-12-34-56-78-90-A0")
    );
    let body = base64::engine::general_purpose::STANDARD
        .decode(text(response, "CertificateBody").unwrap())
        .unwrap();
    assert_eq!(body, expected.der());
}

#[test]
fn organisation_search_gives_decimal_roles_and_subject_names() {
    let (_pki, mut store) = store();
    let request = SearchRequest {
        subject: SearchSubject::SubjectName(SUPPLIER),
        usage: None,
        role: None,
        status: None,
    };
    let results = search(&store, &request, IN_2030).unwrap();
    assert_eq!(results.len(), 3, "DS, KA and XML signing");
    let xml = render_search_response(&results, "a");
    let document = roxmltree::Document::parse(&xml).unwrap();
    let mut roles: Vec<&str> = document
        .descendants()
        .filter(|node| node.has_tag_name("CertificateRole"))
        .filter_map(|node| node.text())
        .collect();
    roles.sort_unstable();
    assert_eq!(roles, ["135", "2", "2"]);
    let subject_names: Vec<Option<&str>> = document
        .descendants()
        .filter(|node| node.has_tag_name("CertificateSubjectName"))
        .map(|node| node.text())
        .collect();
    assert_eq!(subject_names, [Some("90-B3-D5-1F-30-01-00-00"); 3]);

    let filtered = SearchRequest {
        role: Some(RemotePartyRole::SUPPLIER),
        usage: Some(KeyUsage::KeyAgreement),
        ..request
    };
    let results = search(&store, &filtered, IN_2030).unwrap();
    assert_eq!(results.len(), 1);
    let serial = results[0].certificate.serial_decimal().to_owned();
    store.revoke(&serial);
    let revoked = search(&store, &filtered, IN_2030).unwrap();
    assert_eq!(revoked[0].status, CertificateStatus::Revoked);
    let in_use_only = SearchRequest {
        status: Some(CertificateStatus::InUse),
        ..filtered
    };
    assert_eq!(
        search(&store, &in_use_only, IN_2030)
            .unwrap_err()
            .http_status(),
        402
    );
    let expired = SearchRequest {
        status: Some(CertificateStatus::Expired),
        ..request
    };
    // The revoked one stays revoked rather than expired.
    assert_eq!(
        search(&store, &expired, smki::ORGANISATION_NOT_AFTER_UNIX + 1)
            .unwrap()
            .len(),
        2
    );
}

proptest! {
    // Seeded: the same cases on every run.
    #![proptest_config(ProptestConfig { rng_seed: proptest::test_runner::RngSeed::Fixed(0x5EA2C), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_subject_round_trips(value in any::<u64>(), device in any::<bool>()) {
        let eui = Eui64::from_u64(value);
        let subject = if device { SearchSubject::SubjectAltName(eui) } else { SearchSubject::SubjectName(eui) };
        prop_assert_eq!(parse_search_request(&render_search_request(subject)).unwrap().subject, subject);
    }

    #[test]
    fn any_serial_round_trips(serial in proptest::collection::vec(any::<u8>(), 1..20)) {
        let hex = hex::encode(&serial);
        let expected = hex::encode_upper(&serial).trim_start_matches('0').to_owned();
        let expected = if expected.is_empty() { "0".to_owned() } else { expected };
        prop_assert_eq!(parse_data_request(&render_data_request(&hex)).unwrap(), expected);
    }

    /// Valid inputs of each text parser (an organisation search with every filter, a device
    /// search, a data request, DCC Boxed's keystore JSON of the test PKI, a certificate PEM, a
    /// private key PEM) with bytes changed, cut or inserted: `Ok` or an error, never a panic;
    /// a search request that still parses renders and parses back to the same request.
    #[test]
    fn parsers_never_panic_on_damaged_documents(
        which in 0usize..6,
        edits in test_support::mutation::edits(),
    ) {
        let valid = &valid_documents()[which];
        let bytes = test_support::mutation::apply(valid.as_bytes(), &edits);
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(request) = parse_search_request(&text) {
            let again = parse_search_request(&render_search_request(request.subject)).unwrap();
            prop_assert_eq!(again.subject, request.subject);
        }
        let _ = parse_data_request(&text);
        let _ = smki::load_dccboxed_keystore(&text);
        let _ = smki::Certificate::from_pem(&text);
        let _ = smki::private_key_der_from_pem_or_der(&bytes);
    }

    #[test]
    fn parsers_never_panic_on_xml_like_text(
        root in prop::sample::select(vec!["CertificateSearchRequest", "CertificateDataRequest", "x"]),
        element in prop::sample::select(vec!["CertificateSubjectName", "CertificateSubjectAltName", "CertificateSerial", "CertificateRole", "CertificateUsage", "CertificateStatus"]),
        value in "[ -~]{0,40}",
    ) {
        let xml = format!("<{root}><{element}>{value}</{element}></{root}>");
        let _ = parse_search_request(&xml);
        let _ = parse_data_request(&xml);
    }

    #[test]
    fn parsers_never_panic_on_damaged_certificates(position in any::<prop::sample::Index>(), byte in any::<u8>(), cut in any::<prop::sample::Index>()) {
        let pki = shared_pki();
        for identity in [pki.root_ca(), pki.identity(ESME, KeyUsage::DigitalSignature, None).unwrap()] {
            let mut der = identity.certificate.der().to_vec();
            let at = position.index(der.len());
            der[at] = byte;
            der.truncate(cut.index(der.len() + 1).max(at + 1));
            if let Ok(certificate) = smki::Certificate::from_der(&der) {
                let _ = (certificate.subject_id(), certificate.role(), certificate.key_usage(), certificate.kind());
                let _ = (certificate.issuer_name_rfc2253(), certificate.not_after(), certificate.policy_oids());
                let store = CertificateStore::from_pki(pki);
                let _ = store.validate_path(&certificate, IN_2030);
            }
        }
    }
}

proptest! {
    // Loading every file of the test PKI reads each key and certificate: 0.2 s a case in a
    // debug build.
    #![proptest_config(ProptestConfig { cases: 32, rng_seed: proptest::test_runner::RngSeed::Fixed(0xF11E), failure_persistence: None, ..ProptestConfig::default() })]

    /// The test PKI's own files (`certs init` output) with one file damaged: loading answers
    /// `Ok` or an error, never a panic.
    #[test]
    fn loaders_never_panic_on_damaged_files(
        which in any::<prop::sample::Index>(),
        edits in test_support::mutation::edits(),
    ) {
        let mut files = shared_pki().files();
        let index = which.index(files.len());
        files[index].1 = test_support::mutation::apply(&files[index].1, &edits);
        let _ = smki::load_rtds_keystore(&files);
        let _ = TestPki::from_files(&files);
    }
}
