//! What this crate writes is valid against the DUIS 5.4 schema (DCC's own `Validate` checks
//! against 5.1 only): every template re-rendered by `render_request`, a signed pre-command,
//! and signed responses of every body kind. Validated by `tests/java/Xsd.java` (ours) with
//! the JDK's XSD validator.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use dcc_model::{
    CommandVariant, DeviceStatus, DeviceType, Eui64, ResponseCode, ServiceReferenceVariant,
};
use duis::{
    parse_request, render_request, render_response, sign_document, BodyElement, InventoryDevice,
    Request, RequestBody, Response, ResponseBody, XmlSigner,
};
use p256::pkcs8::EncodePrivateKey;

fn schema() -> Option<PathBuf> {
    let schema = test_support::shared_vectors(
        "duis/schema/DUIS Schema V5.4.xsd",
        "DUIS 5.4 schema validation",
    )?;
    test_support::tool_available("java", "-version", "DUIS 5.4 schema validation").then_some(schema)
}

/// Validates every file; returns the validator's report and whether all were valid.
fn validate(schema: &Path, files: &[PathBuf]) -> (bool, String) {
    let validator = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/java/Xsd.java");
    let output = Command::new("java")
        .arg(validator)
        .arg(schema)
        .args(files)
        .output()
        .unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), report)
}

fn signer() -> XmlSigner {
    let secret = p256::SecretKey::from_slice(&[11; 32]).unwrap();
    XmlSigner::from_pkcs8(
        secret.to_pkcs8_der().unwrap().as_bytes(),
        "CN=Z1,OU=07",
        "167048897159233642262001557408276884033",
    )
    .unwrap()
}

fn variant(text: &str) -> ServiceReferenceVariant {
    text.parse().unwrap()
}

fn responses() -> Vec<(&'static str, Response)> {
    let base = Response {
        schema_version: "5.4".into(),
        request_id: Some(
            "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1000"
                .parse()
                .unwrap(),
        ),
        response_id: None,
        response_code: ResponseCode::Success,
        response_date_time: "2024-05-01T10:00:00.000Z".into(),
        body: ResponseBody::Empty {
            service_reference: "4.1".into(),
            service_reference_variant: variant("4.1.1"),
        },
    };
    let device = InventoryDevice {
        device_status: Some(DeviceStatus::Commissioned),
        connectivity: Some("Cellular".into()),
        date_commissioned: Some("2024-01-31".into()),
        ..InventoryDevice::new(
            Eui64::from_u64(0x00DB_1234_5678_90A0),
            DeviceType::ElectricitySmartMeter,
            "dccsim",
            "ESME-1",
        )
    };
    let payload = vec![0xDD, 0, 0, 0, 0, 0, 0, 0x45, 0x11];
    vec![
        (
            "I99",
            Response {
                response_code: ResponseCode::Acknowledgement,
                ..base.clone()
            },
        ),
        (
            "E19",
            Response {
                response_code: ResponseCode::DEVICE_UNKNOWN,
                ..base.clone()
            },
        ),
        (
            "DSPInventory",
            Response {
                body: ResponseBody::DspInventory {
                    service_reference: "8.2".into(),
                    service_reference_variant: variant("8.2"),
                    devices: vec![device],
                },
                ..base.clone()
            },
        ),
        (
            "CINMessage",
            Response {
                response_id: Some("00-DB-12-34-56-78-90-A0:90-B3-D5-1F-30-01-00-00:1000".into()),
                body: ResponseBody::OtherResponseMessage {
                    service_reference: "9.1".into(),
                    service_reference_variant: variant("9.1"),
                    content: BodyElement::with_children(
                        "CINMessage",
                        vec![
                            BodyElement::leaf("GBCSPayload", "3wk="),
                            BodyElement::leaf("CustomerIdentificationNumber", "0472"),
                        ],
                    ),
                },
                ..base.clone()
            },
        ),
        (
            "GBCSPayload",
            Response {
                response_id: Some("00-DB-12-34-56-78-90-A0:90-B3-D5-1F-30-01-00-00:1000".into()),
                body: ResponseBody::GbcsPayload {
                    service_reference: "4.1".into(),
                    service_reference_variant: variant("4.1.1"),
                    payload: payload.clone(),
                },
                ..base.clone()
            },
        ),
        (
            "PreCommand",
            Response {
                body: ResponseBody::PreCommand {
                    service_reference: "1.1".into(),
                    service_reference_variant: variant("1.1.1"),
                    gbcs_version: "4.0".into(),
                    payload: payload.clone(),
                },
                ..base.clone()
            },
        ),
        (
            "LocalCommand",
            Response {
                body: ResponseBody::LocalCommand {
                    service_reference: "4.1".into(),
                    service_reference_variant: variant("4.1.1"),
                    payload: payload.clone(),
                },
                ..base.clone()
            },
        ),
        (
            "DeviceAlert",
            Response {
                request_id: None,
                body: ResponseBody::DeviceAlert {
                    alert_code: "8F1C".into(),
                    payload: payload.clone(),
                },
                ..base.clone()
            },
        ),
        (
            "FutureDatedDeviceAlert",
            Response {
                body: ResponseBody::OtherResponseMessage {
                    service_reference: "2.1".into(),
                    service_reference_variant: variant("2.1"),
                    content: BodyElement::with_children(
                        "FutureDatedDeviceAlertMessage",
                        vec![
                            BodyElement::leaf("FutureDatedAlertCode", "8F66"),
                            BodyElement::leaf("GBCSPayload", "3wk="),
                            BodyElement::leaf("InstructionNumber", "1"),
                            BodyElement::leaf("TotalCommandInstructions", "1"),
                        ],
                    ),
                },
                ..base.clone()
            },
        ),
        (
            "DCCAlert",
            Response {
                request_id: None,
                body: ResponseBody::DccAlert {
                    dcc_alert_code: "N1".into(),
                    alert: BodyElement::with_children(
                        "PowerOutageEvent",
                        vec![
                            BodyElement::leaf("CommsHubDeviceID", "00-DB-12-34-56-78-90-A2"),
                            BodyElement::leaf("StartDateTime", "2024-05-01T10:00:00Z"),
                            BodyElement::leaf("MPxN", "1234567890123"),
                        ],
                    ),
                },
                ..base
            },
        ),
    ]
}

#[test]
fn rendered_requests_and_responses_are_valid_duis_5_4() {
    let Some(schema) = schema() else { return };
    let directory = tempfile::tempdir().unwrap();
    let signer = signer();
    let mut files = Vec::new();
    let mut write = |name: String, xml: String| {
        let path = directory.path().join(name);
        std::fs::write(&path, xml).unwrap();
        files.push(path);
    };

    for (label, response) in responses() {
        write(
            format!("response_{label}.xml"),
            sign_document(&render_response(&response), &signer).unwrap(),
        );
    }
    let mut templates = 0;
    let mut signed_pre_commands = 0;
    if let Some(tooling) = common::dcc_tooling(false) {
        for entry in std::fs::read_dir(tooling.join("duis-templates/templates")).unwrap() {
            let path = entry.unwrap().path();
            let request = parse_request(&std::fs::read(&path).unwrap()).unwrap();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            write(format!("rerendered_{name}"), render_request(&request));
            templates += 1;
            if request.header.command_variant == CommandVariant::TransformToPreCommand {
                // The critical request's follow-up: the same header, CV 5, a signed pre-command.
                let follow_up = Request {
                    header: duis::RequestHeader {
                        command_variant: CommandVariant::SignedPreCommandOverWan,
                        ..request.header.clone()
                    },
                    body: RequestBody::SignedPreCommand {
                        execution_date_time: None,
                        gbcs_payload: vec![0xDE, 0xAD],
                    },
                    ..request
                };
                write(
                    format!("signed_pre_command_{name}"),
                    sign_document(&render_request(&follow_up), &signer).unwrap(),
                );
                signed_pre_commands += 1;
            }
        }
        assert_eq!(templates, 297, "every template re-rendered");
        // RTDS has 110 command variant 4 templates (of 170 CV1, 1 CV2, 16 CV8): each one's
        // signed pre-command follow-up is validated.
        assert_eq!(
            signed_pre_commands, 110,
            "a signed pre-command for every CV4 template"
        );
    }

    // The validator does reject: a response with no body is not DUIS.
    let without_body = render_response(&responses()[1].1).replace("<sr:Body>", "").replace(
        "<sr:ResponseMessage><sr:ServiceReference>4.1</sr:ServiceReference><sr:ServiceReferenceVariant>4.1.1</sr:ServiceReferenceVariant></sr:ResponseMessage></sr:Body>",
        "",
    );
    let rejected = directory.path().join("without_body.xml");
    std::fs::write(&rejected, without_body).unwrap();
    let (valid, report) = validate(&schema, &[rejected]);
    assert!(!valid && report.contains("INVALID"), "{report}");

    let (valid, report) = validate(&schema, &files);
    let invalid: Vec<&str> = report
        .lines()
        .filter(|line| !line.starts_with("VALID "))
        .collect();
    println!(
        "{} documents validated against DUIS 5.4 ({templates} re-rendered templates, {signed_pre_commands} signed pre-commands)",
        files.len()
    );
    assert!(valid && invalid.is_empty(), "{}", invalid.join("\n"));
}
