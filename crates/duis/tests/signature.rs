//! Sign and verify in Rust alone (no DCC tooling needed): every failure is distinguishable.

use dcc_model::{CommandVariant, ResponseCode};
use duis::{
    parse_request, render_request, render_response, sign_document, signature_key_info,
    verify_document, ParsedDocument, Request, RequestBody, RequestHeader, Response, ResponseBody,
    SignatureError, XmlSigner,
};
use p256::pkcs8::EncodePrivateKey;

/// A fixed P-256 key, so the tests need no randomness for keys.
pub fn test_signer(seed: u8) -> XmlSigner {
    let secret = p256::SecretKey::from_slice(&[seed; 32]).unwrap();
    let pkcs8 = secret.to_pkcs8_der().unwrap();
    XmlSigner::from_pkcs8(pkcs8.as_bytes(), "CN=Z1,OU=07", "12345678901234567890").unwrap()
}

fn test_response() -> Response {
    Response {
        schema_version: "5.4".into(),
        request_id: None,
        response_id: None,
        response_code: ResponseCode::Acknowledgement,
        response_date_time: "2024-01-01T00:00:00Z".into(),
        body: ResponseBody::Empty {
            service_reference: "8.2".into(),
            service_reference_variant: "8.2".parse().unwrap(),
        },
    }
}

fn signed_pre_command_request() -> Request {
    Request {
        schema_version: "5.4".into(),
        header: RequestHeader {
            request_id: "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1000"
                .parse()
                .unwrap(),
            command_variant: CommandVariant::SignedPreCommandOverWan,
            service_reference: "1.1".into(),
            service_reference_variant: "1.1.1".parse().unwrap(),
            first_in_sequence: None,
            preceding_service_request_id: None,
        },
        body: RequestBody::SignedPreCommand {
            execution_date_time: None,
            gbcs_payload: vec![0xDE, 0xAD, 0xBE, 0xEF],
        },
    }
}

#[test]
fn signs_and_verifies_a_request() {
    let signer = test_signer(7);
    let request = signed_pre_command_request();
    let signed = sign_document(&render_request(&request), &signer).unwrap();
    verify_document(signed.as_bytes(), signer.public_key_sec1()).unwrap();
    assert_eq!(parse_request(signed.as_bytes()).unwrap(), request);
    let key_info = signature_key_info(signed.as_bytes()).unwrap();
    assert_eq!(
        (key_info.issuer_name.as_str(), key_info.serial.as_str()),
        ("CN=Z1,OU=07", "12345678901234567890")
    );
}

#[test]
fn distinguishes_missing_digest_and_signature_failures() {
    let signer = test_signer(7);
    let unsigned = render_request(&signed_pre_command_request());
    assert_eq!(
        verify_document(unsigned.as_bytes(), signer.public_key_sec1()),
        Err(SignatureError::Missing)
    );

    let signed = sign_document(&unsigned, &signer).unwrap();
    let altered_body = signed.replace("3q2+7w==", "3q2+7A==");
    assert_ne!(altered_body, signed);
    assert_eq!(
        verify_document(altered_body.as_bytes(), signer.public_key_sec1()),
        Err(SignatureError::DigestMismatch)
    );

    let other_key = test_signer(8);
    assert_eq!(
        verify_document(signed.as_bytes(), other_key.public_key_sec1()),
        Err(SignatureError::BadSignature)
    );

    let weak_digest = signed.replace("xmlenc#sha256", "xmldsig#sha1");
    assert!(matches!(
        verify_document(weak_digest.as_bytes(), signer.public_key_sec1()),
        Err(SignatureError::Unsupported(_))
    ));

    assert_eq!(
        verify_document(signed.as_bytes(), &[4, 1, 2]),
        Err(SignatureError::InvalidPublicKey)
    );
    assert!(matches!(
        verify_document(b"<a", signer.public_key_sec1()),
        Err(SignatureError::Malformed(_))
    ));
}

#[test]
fn a_document_parsed_once_answers_as_the_functions_that_parse_it_each_time() {
    let signer = test_signer(7);
    let request = signed_pre_command_request();
    let signed = sign_document(&render_request(&request), &signer).unwrap();
    let altered = signed.replace("3q2+7w==", "3q2+7A==");
    for xml in [&signed, &altered] {
        let document = ParsedDocument::parse(xml.as_bytes()).unwrap();
        for key in [signer.public_key_sec1(), test_signer(8).public_key_sec1()] {
            assert_eq!(document.verify(key), verify_document(xml.as_bytes(), key));
        }
        assert_eq!(
            document.signature_key_info(),
            signature_key_info(xml.as_bytes())
        );
        assert_eq!(document.request(), parse_request(xml.as_bytes()));
        assert_eq!(
            document.response(),
            duis::parse_response(xml.as_bytes()),
            "a request is not a response"
        );
    }
    let response = sign_document(&render_response(&test_response()), &signer).unwrap();
    let document = ParsedDocument::parse(response.as_bytes()).unwrap();
    assert_eq!(document.response().unwrap(), test_response());
    assert!(ParsedDocument::parse(b"<a").is_err());
}

#[test]
fn accepts_a_compressed_public_key() {
    let signer = test_signer(9);
    let signed = sign_document(&render_request(&signed_pre_command_request()), &signer).unwrap();
    let point = p256::PublicKey::from_sec1_bytes(signer.public_key_sec1()).unwrap();
    let compressed = p256::elliptic_curve::sec1::ToEncodedPoint::to_encoded_point(&point, true);
    verify_document(signed.as_bytes(), compressed.as_bytes()).unwrap();
}

#[test]
fn resigning_replaces_the_previous_signature() {
    let first = test_signer(1);
    let second = test_signer(2);
    let response = test_response();
    let signed_once = sign_document(&render_response(&response), &first).unwrap();
    let signed_twice = sign_document(&signed_once, &second).unwrap();
    assert_eq!(signed_twice.matches("<ds:Signature>").count(), 1);
    verify_document(signed_twice.as_bytes(), second.public_key_sec1()).unwrap();
    assert_eq!(
        verify_document(signed_twice.as_bytes(), first.public_key_sec1()),
        Err(SignatureError::BadSignature)
    );
}

#[test]
fn the_signature_element_may_use_a_default_namespace() {
    // Only SignedInfo is signed, so how the enclosing Signature element is spelled does not
    // matter, as in the RTDS templates (`<ds:Signature xmlns="…xmldsig#">`).
    let signer = test_signer(3);
    let signed = sign_document(&render_request(&signed_pre_command_request()), &signer).unwrap();
    let rewritten = signed
        .replace(
            "<ds:Signature>",
            "<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\">",
        )
        .replace("</ds:Signature>", "</Signature>");
    assert_ne!(rewritten, signed);
    verify_document(rewritten.as_bytes(), signer.public_key_sec1()).unwrap();
}

/// A certificate serial is a decimal number, in a signer and in a signed document's key info:
/// empty or with another character, it is refused, whichever of the two is wrong.
#[test]
fn a_serial_that_is_not_a_decimal_number_is_refused() {
    let secret = p256::SecretKey::from_slice(&[7; 32]).unwrap();
    let pkcs8 = secret.to_pkcs8_der().unwrap();
    for serial in ["", "12a45", "-1"] {
        assert!(
            XmlSigner::from_pkcs8(pkcs8.as_bytes(), "CN=Z1,OU=07", serial).is_err(),
            "signer serial {serial:?}"
        );
    }
    let signed = sign_document(
        &render_request(&signed_pre_command_request()),
        &test_signer(7),
    )
    .unwrap();
    for serial in ["", "12a45", "-1"] {
        let named = signed.replace("12345678901234567890", serial);
        assert!(
            signature_key_info(named.as_bytes()).is_err(),
            "key info serial {serial:?}"
        );
    }
}

/// A signer shows which certificate it signs for, and never its private key.
#[test]
fn a_signer_shows_its_certificate_not_its_key() {
    let shown = format!("{:?}", test_signer(7));
    assert!(shown.starts_with("XmlSigner"), "{shown}");
    assert!(shown.contains("12345678901234567890"), "{shown}");
    assert!(shown.contains("CN=Z1,OU=07"), "{shown}");
    assert!(!shown.contains("key_pair"), "{shown}");
}

/// A reference may name inclusive canonicalisation after the enveloped-signature transform,
/// as some signers write it: the verifier reads it (the digest, inclusive as without it, still
/// matches) and only the signature over the changed SignedInfo fails, not the transform.
#[test]
fn an_explicit_inclusive_canonicalisation_transform_is_understood() {
    let signer = test_signer(7);
    let signed = sign_document(&render_request(&signed_pre_command_request()), &signer).unwrap();
    let enveloped = r#"<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"></ds:Transform>"#;
    assert!(signed.contains(enveloped), "{signed}");
    let inclusive = r#"<ds:Transform Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"></ds:Transform>"#;
    let with_inclusive = signed.replace(enveloped, &format!("{enveloped}{inclusive}"));
    assert_eq!(
        verify_document(with_inclusive.as_bytes(), signer.public_key_sec1()),
        Err(SignatureError::BadSignature)
    );
    let unknown = r#"<ds:Transform Algorithm="urn:example:not-a-transform"></ds:Transform>"#;
    let with_unknown = signed.replace(enveloped, &format!("{enveloped}{unknown}"));
    assert!(matches!(
        verify_document(with_unknown.as_bytes(), signer.public_key_sec1()),
        Err(SignatureError::Unsupported(_))
    ));
}
