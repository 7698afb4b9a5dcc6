//! Conformance with DCC's own XML signing tool (`tool.jar` of @smartdcc/duis-sign-wrap):
//! what it signs we verify, and what we sign its `Validate` accepts.

mod common;

use std::path::Path;

use common::{dcc_tooling, java_tool, keystore_entry, template};
use dcc_model::{
    CspRegion, DeviceStatus, DeviceType, Eui64, ResponseCode, ServiceReferenceVariant,
};
use duis::{
    parse_request, render_response, sign_document, signature_key_info, verify_document,
    InventoryDevice, Response, ResponseBody, SignatureError, XmlSigner,
};

const DSP: &str = "90b3d51f30000002";
const DSP_XML_SIGNING_KEY: &str = "dsp-xml-sign-90B3D51F30000002-ds";
const SUPPLIER: &str = "90b3d51f30010000";
const SUPPLIER_XML_SIGNING_KEY: &str = "xml-sign-90B3D51F30010000-ds";

fn signer(tooling: &Path, eui: &str, name: &str) -> XmlSigner {
    let entry = keystore_entry(tooling, eui, name);
    XmlSigner::from_pkcs8_pem(&entry.private_key_pem, entry.issuer_name(), entry.serial).unwrap()
}

/// Runs Java `Validate` on `xml`, asserting it passed both the XSD and the signature check.
fn assert_java_validates(_tooling: &Path, label: &str, xml: &str) {
    let directory = tempfile::tempdir().unwrap();
    let file = directory.path().join(format!("{label}.xml"));
    std::fs::write(&file, xml).unwrap();
    if let Err(log) = test_support::dcc_validate(&file) {
        panic!("Java Validate did not pass {label} with a checked signature:\n{log}\n{xml}");
    }
}

fn variant(text: &str) -> ServiceReferenceVariant {
    text.parse().unwrap()
}

fn response(code: ResponseCode, body: ResponseBody) -> Response {
    Response {
        schema_version: "5.4".into(),
        request_id: Some(
            "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1000"
                .parse()
                .unwrap(),
        ),
        response_id: None,
        response_code: code,
        response_date_time: "2024-05-01T10:00:00.000Z".into(),
        body,
    }
}

fn inventory_device() -> InventoryDevice {
    InventoryDevice {
        device_status: Some(DeviceStatus::Commissioned),
        smets_chts_version: Some("SMETS2".into()),
        device_firmware_version: Some("01020304".into()),
        csp_region: Some(CspRegion::North),
        device_gbcs_version: Some("4.0".into()),
        ..InventoryDevice::new(
            Eui64::from_u64(0x00DB_1234_5678_90A0),
            DeviceType::ElectricitySmartMeter,
            "dccsim",
            "ESME-1",
        )
    }
}

#[test]
fn java_validates_dsp_responses_signed_in_rust() {
    let Some(tooling) = dcc_tooling(true) else {
        return;
    };
    let dsp = signer(&tooling, DSP, DSP_XML_SIGNING_KEY);
    assert_eq!(
        dsp.certificate().issuer_name,
        "CN=Z1,OU=07",
        "issuer written as Java's X500Principal.getName() does"
    );
    let responses = [
        (
            "I0_DSPInventory",
            Response {
                request_id: Some(
                    "90-B3-D5-1F-30-01-00-00:90-B3-D5-1F-30-00-00-02:1000"
                        .parse()
                        .unwrap(),
                ),
                ..response(
                    ResponseCode::Success,
                    ResponseBody::DspInventory {
                        service_reference: "8.2".into(),
                        service_reference_variant: variant("8.2"),
                        devices: vec![
                            inventory_device(),
                            InventoryDevice::new(
                                Eui64::from_u64(0x00DB_1234_5678_90A2),
                                DeviceType::CommunicationsHubFunction,
                                "dccsim",
                                "CH",
                            ),
                        ],
                    },
                )
            },
        ),
        (
            "I99_acknowledgement",
            response(
                ResponseCode::Acknowledgement,
                ResponseBody::Empty {
                    service_reference: "4.1".into(),
                    service_reference_variant: variant("4.1.1"),
                },
            ),
        ),
        (
            "I0_GBCSPayload",
            Response {
                response_id: Some("00-DB-12-34-56-78-90-A0:90-B3-D5-1F-30-01-00-00:1000".into()),
                ..response(
                    ResponseCode::Success,
                    ResponseBody::GbcsPayload {
                        service_reference: "4.1".into(),
                        service_reference_variant: variant("4.1.1"),
                        payload: vec![0xDD, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x45, 0x11],
                    },
                )
            },
        ),
        (
            "I0_PreCommand",
            response(
                ResponseCode::Success,
                ResponseBody::PreCommand {
                    service_reference: "1.1".into(),
                    service_reference_variant: variant("1.1.1"),
                    gbcs_version: "4.0".into(),
                    payload: vec![0xDF, 0x09, 0x01, 0x02],
                },
            ),
        ),
        (
            "E19_device_unknown",
            response(
                ResponseCode::DEVICE_UNKNOWN,
                ResponseBody::Empty {
                    service_reference: "4.1".into(),
                    service_reference_variant: variant("4.1.1"),
                },
            ),
        ),
    ];
    for (label, response) in responses {
        let signed = sign_document(&render_response(&response), &dsp).unwrap();
        verify_document(signed.as_bytes(), dsp.public_key_sec1()).unwrap();
        assert_java_validates(&tooling, label, &signed);
        println!("Java Validate accepts {label}");
    }
}

#[test]
fn java_validates_a_request_signed_in_rust() {
    let Some(tooling) = dcc_tooling(true) else {
        return;
    };
    let supplier = signer(&tooling, SUPPLIER, SUPPLIER_XML_SIGNING_KEY);
    let unsigned = template(&tooling, "ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML");
    let signed = sign_document(std::str::from_utf8(&unsigned).unwrap(), &supplier).unwrap();
    assert_java_validates(&tooling, "supplier_request", &signed);
    assert_eq!(
        signature_key_info(signed.as_bytes()).unwrap().serial,
        supplier.certificate().serial
    );
    // Re-indenting after signing changes no element content: both sides still accept it.
    let indented = signed
        .replace("<sr:Header>", "\n  <sr:Header>")
        .replace("<sr:Body>", "\n  <sr:Body>");
    verify_document(indented.as_bytes(), supplier.public_key_sec1()).unwrap();
    assert_java_validates(&tooling, "supplier_request_indented", &indented);
}

#[test]
fn rust_verifies_requests_signed_by_java() {
    let Some(tooling) = dcc_tooling(true) else {
        return;
    };
    let supplier = keystore_entry(&tooling, SUPPLIER, SUPPLIER_XML_SIGNING_KEY);
    let public_key = supplier.public_key_sec1();
    let templates = templates_named(
        &tooling,
        &[
            "8.2_READ_INVENTORY",
            "ECS17b_4.1.1_SINGLE_SUCCESS",
            "ECS42_7.1_SUCCESS",
        ],
    );
    assert_eq!(templates.len(), 3, "{templates:?}");
    for name in templates {
        let file = tooling.join("duis-templates/templates").join(&name);
        let (code, signed, stderr) = java_tool(&tooling, "Sign", &file, &["--preserveCounter"]);
        assert_eq!(code, 0, "Java Sign failed on {name}: {stderr}");

        verify_document(signed.as_bytes(), &public_key)
            .unwrap_or_else(|error| panic!("{name}: {error}"));
        let key_info = signature_key_info(signed.as_bytes()).unwrap();
        assert_eq!(
            (key_info.issuer_name.as_str(), key_info.serial.as_str()),
            ("CN=Z1,OU=07", supplier.serial.as_str())
        );
        let request = parse_request(signed.as_bytes()).unwrap();
        assert_eq!(
            request.header.request_id.counter, 1000,
            "--preserveCounter keeps the template's counter"
        );

        // One byte of the body changed: the digest no longer matches.
        let tampered = flip_one_byte_of_the_body(&signed);
        assert_ne!(tampered, signed);
        assert_eq!(
            verify_document(tampered.as_bytes(), &public_key),
            Err(SignatureError::DigestMismatch),
            "{name}"
        );
        // The SignedInfo changed: the signature no longer verifies.
        let tampered = signed.replacen(
            "<ds:Reference URI=\"\">",
            "<ds:Reference URI=\"\" Id=\"x\">",
            1,
        );
        assert_eq!(
            verify_document(tampered.as_bytes(), &public_key),
            Err(SignatureError::BadSignature),
            "{name}"
        );
        // Another party's key: bad signature, not a digest error.
        let dsp = keystore_entry(&tooling, DSP, DSP_XML_SIGNING_KEY);
        assert_eq!(
            verify_document(signed.as_bytes(), &dsp.public_key_sec1()),
            Err(SignatureError::BadSignature)
        );
        println!("verified Java-signed {name}");
    }
}

/// Template file names starting with one of `prefixes` followed by `_`.
fn templates_named(tooling: &Path, prefixes: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(tooling.join("duis-templates/templates"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| {
            prefixes
                .iter()
                .any(|prefix| name.starts_with(&format!("{prefix}_")))
        })
        .collect();
    names.sort();
    names
}

/// Changes one byte inside `sr:Body`: the first text character (a digit or letter changed),
/// or, in a body without text, the case of the first letter of the body element's name.
fn flip_one_byte_of_the_body(signed: &str) -> String {
    let body_start = signed.find("<sr:Body>").unwrap() + "<sr:Body>".len();
    let body_end = signed.find("</sr:Body>").unwrap();
    let body = &signed.as_bytes()[body_start..body_end];
    let text_start = (1..body.len()).find(|&index| body[index - 1] == b'>' && body[index] != b'<');
    let index = body_start + text_start.unwrap_or("<sr:".len());
    let mut bytes = signed.as_bytes().to_vec();
    bytes[index] = match bytes[index] {
        digit @ b'0'..=b'8' => digit + 1,
        b'9' => b'0',
        letter if letter.is_ascii_alphabetic() => letter ^ 0x20,
        other => panic!("unexpected byte {other:#x} at {index}"),
    };
    String::from_utf8(bytes).unwrap()
}
