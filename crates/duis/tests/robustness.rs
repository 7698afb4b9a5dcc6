//! The codec never panics: arbitrary bytes and randomly mutated DUIS documents (templates,
//! signed requests, signed responses) only ever produce `Ok` or a typed error.

mod common;

use std::sync::OnceLock;

use dcc_model::ResponseCode;
use duis::{
    parse_request, parse_response, render_response, sign_document, signature_key_info,
    verify_document, Response, ResponseBody, XmlSigner,
};
use p256::pkcs8::EncodePrivateKey;
use proptest::prelude::*;

fn signer() -> &'static XmlSigner {
    static SIGNER: OnceLock<XmlSigner> = OnceLock::new();
    SIGNER.get_or_init(|| {
        let secret = p256::SecretKey::from_slice(&[5; 32]).unwrap();
        XmlSigner::from_pkcs8(
            secret.to_pkcs8_der().unwrap().as_bytes(),
            "CN=Z1,OU=07",
            "1",
        )
        .unwrap()
    })
}

/// Documents to mutate: a signed response, a signed request built from a template when the
/// tooling is there, and a few templates.
fn corpus() -> &'static Vec<Vec<u8>> {
    static CORPUS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let response = Response {
            schema_version: "5.4".into(),
            request_id: Some(
                "90-B3-D5-1F-30-01-00-00:90-B3-D5-1F-30-00-00-02:1"
                    .parse()
                    .unwrap(),
            ),
            response_id: None,
            response_code: ResponseCode::Success,
            response_date_time: "2024-01-01T00:00:00Z".into(),
            body: ResponseBody::GbcsPayload {
                service_reference: "4.1".into(),
                service_reference_variant: "4.1.1".parse().unwrap(),
                payload: vec![1, 2, 3],
            },
        };
        let mut corpus = vec![sign_document(&render_response(&response), signer())
            .unwrap()
            .into_bytes()];
        if let Some(tooling) = common::dcc_tooling(false) {
            for name in [
                "8.2_READ_INVENTORY_REQUEST_DUIS.XML",
                "ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML",
                "ECS42_7.1_SUCCESS_REQUEST_DUIS.XML",
                "ECS01a_1.1.1_IMMEDIATE_BLOCK_SUCCESS_REQUEST_DUIS.XML",
            ] {
                let path = tooling.join("duis-templates/templates").join(name);
                let template = std::fs::read(&path)
                    .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
                let signed =
                    sign_document(std::str::from_utf8(&template).unwrap(), signer()).unwrap();
                corpus.push(template);
                corpus.push(signed.into_bytes());
            }
        }
        corpus
    })
}

/// Exercises every entry point; the only requirement is that none panics.
fn exercise(bytes: &[u8]) {
    let _ = parse_request(bytes);
    let _ = parse_response(bytes);
    let _ = signature_key_info(bytes);
    let _ = verify_document(bytes, signer().public_key_sec1());
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = sign_document(text, signer());
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Replace { at: usize, byte: u8 },
    Delete { at: usize, length: usize },
    Insert { at: usize, text: String },
    Duplicate { at: usize, length: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let xml_fragment = prop::sample::select(vec![
        "<",
        ">",
        "/",
        "&",
        "&amp;",
        "&#13;",
        "\"",
        "'",
        "=",
        ":",
        "xmlns:x=\"u\"",
        "<!--x-->",
        "<![CDATA[",
        "<?pi?>",
        " ",
        "\u{e9}",
        "<sr:A>",
        "</sr:A>",
        "<a/>",
        "ds:",
        "sr:",
    ]);
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Replace { at, byte }),
        (any::<usize>(), 1usize..64).prop_map(|(at, length)| Mutation::Delete { at, length }),
        (any::<usize>(), xml_fragment).prop_map(|(at, text)| Mutation::Insert {
            at,
            text: text.to_owned()
        }),
        (any::<usize>(), 1usize..200).prop_map(|(at, length)| Mutation::Duplicate { at, length }),
    ]
}

fn apply(document: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut bytes = document.to_vec();
    for mutation in mutations {
        let length = bytes.len().max(1);
        match mutation {
            Mutation::Replace { at, byte } => {
                if let Some(slot) = bytes.get_mut(at % length) {
                    *slot = *byte;
                }
            }
            Mutation::Delete { at, length: count } => {
                let start = (at % length).min(bytes.len());
                let end = (start + count).min(bytes.len());
                bytes.drain(start..end);
            }
            Mutation::Insert { at, text } => {
                let at = (at % length).min(bytes.len());
                bytes.splice(at..at, text.bytes());
            }
            Mutation::Duplicate { at, length: count } => {
                let start = (at % length).min(bytes.len());
                let end = (start + count).min(bytes.len());
                let copy = bytes[start..end].to_vec();
                bytes.splice(end..end, copy);
            }
        }
    }
    bytes
}

proptest! {
    // Seeded: the same cases on every run.
    #![proptest_config(ProptestConfig { cases: 2_000, rng_seed: proptest::test_runner::RngSeed::Fixed(0xD015), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        exercise(&bytes);
    }

    #[test]
    fn mutated_documents_never_panic(pick in any::<usize>(), mutations in prop::collection::vec(mutation(), 1..6)) {
        let corpus = corpus();
        let document = &corpus[pick % corpus.len()];
        exercise(&apply(document, &mutations));
    }
}

/// Hostile documents are refused by every entry point with the reason that fits, before any
/// parser recursion, allocation or entity expansion can hurt: nesting past the depth limit,
/// more nodes than the limit, and any DTD (billion laughs, an external entity).
#[test]
fn pathological_inputs_are_refused_with_their_reason() {
    let deep = format!(
        "<sr:Request xmlns:sr=\"http://www.dccinterface.co.uk/ServiceUserGateway\">{}{}</sr:Request>",
        "<x>".repeat(100_000),
        "</x>".repeat(100_000)
    );
    let wide = format!("<r>{}</r>", "<x/>".repeat(300_000));
    let billion_laughs = r#"<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;</l>"#;
    let external_entity =
        r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><r>&e;</r>"#;
    let cases = [
        ("deep", deep.as_str(), "nested deeper than 64 levels"),
        ("wide", wide.as_str(), "nodes limit"),
        ("billion laughs", billion_laughs, "DTD"),
        ("external entity", external_entity, "DTD"),
    ];
    for (label, xml, reason) in cases {
        let bytes = xml.as_bytes();
        let malformed = |error: duis::DuisError| match error {
            duis::DuisError::MalformedXml(text) => text,
            other => panic!("{label}: expected MalformedXml, got {other:?}"),
        };
        let request = malformed(parse_request(bytes).unwrap_err());
        assert!(
            request.contains(reason),
            "{label}: parse_request said {request}"
        );
        let response = malformed(parse_response(bytes).unwrap_err());
        assert!(
            response.contains(reason),
            "{label}: parse_response said {response}"
        );
        let key_info = malformed(signature_key_info(bytes).unwrap_err());
        assert!(
            key_info.contains(reason),
            "{label}: signature_key_info said {key_info}"
        );
        let signed = malformed(sign_document(xml, signer()).unwrap_err());
        assert!(
            signed.contains(reason),
            "{label}: sign_document said {signed}"
        );
        match verify_document(bytes, signer().public_key_sec1()) {
            Err(duis::SignatureError::Malformed(text)) => {
                assert!(
                    text.contains(reason),
                    "{label}: verify_document said {text}"
                )
            }
            other => panic!("{label}: verify_document gave {other:?}"),
        }
    }
}
