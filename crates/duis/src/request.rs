//! DUIS service requests (`sr:Request`): header, body, parse and render.

use dcc_model::{CommandVariant, RequestId, ServiceReferenceVariant};
use roxmltree::Node;

use crate::element::BodyElement;
use crate::xml::{self, is_sr, optional_text, required_text, sr_child};
use crate::{DuisError, SCHEMA_VERSION, SERVICE_USER_GATEWAY_NAMESPACE, XML_SIGNATURE_NAMESPACE};

/// A DUIS service request as a user sends it to the DCC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The `schemaVersion` attribute, e.g. `5.4`.
    pub schema_version: String,
    pub header: RequestHeader,
    pub body: RequestBody,
}

/// The `sr:Header` of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHeader {
    pub request_id: RequestId,
    pub command_variant: CommandVariant,
    /// The Service Reference, e.g. `4.1`, as written.
    pub service_reference: String,
    pub service_reference_variant: ServiceReferenceVariant,
    pub first_in_sequence: Option<bool>,
    pub preceding_service_request_id: Option<RequestId>,
}

/// The `sr:Body` of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestBody {
    /// A service-specific request body such as `ReadInventory`; `BodyElement::name` is the
    /// element's local name.
    ServiceRequest(BodyElement),
    /// A pre-command signed by the user (command variants 5, 6 and 7).
    SignedPreCommand {
        execution_date_time: Option<String>,
        /// The signed GBCS command, base64-decoded.
        gbcs_payload: Vec<u8>,
    },
}

impl RequestBody {
    /// The body element's local name: `ReadInventory`, `SignedPreCommand`, …
    pub fn element_name(&self) -> &str {
        match self {
            RequestBody::ServiceRequest(element) => &element.name,
            RequestBody::SignedPreCommand { .. } => "SignedPreCommand",
        }
    }
}

/// Parses an `sr:Request` (signed or not; the signature is not checked here).
pub fn parse_request(xml: &[u8]) -> Result<Request, DuisError> {
    let text = xml::as_text(xml)?;
    request_of(&xml::parse_document(text)?)
}

/// The request a parsed document is.
pub(crate) fn request_of(document: &roxmltree::Document<'_>) -> Result<Request, DuisError> {
    let root = document.root_element();
    if !is_sr(root, "Request") {
        return Err(DuisError::UnexpectedDocumentElement {
            expected: "Request",
            found: describe(root),
        });
    }
    let schema_version = root
        .attribute("schemaVersion")
        .ok_or(DuisError::Missing("schemaVersion attribute"))?
        .trim()
        .to_owned();
    let header = sr_child(root, "Header").ok_or(DuisError::Missing("sr:Header"))?;
    let body = sr_child(root, "Body").ok_or(DuisError::Missing("sr:Body"))?;
    Ok(Request {
        schema_version,
        header: parse_header(header)?,
        body: parse_body(body)?,
    })
}

fn describe(node: Node<'_, '_>) -> String {
    match node.tag_name().namespace() {
        Some(namespace) => format!("{{{namespace}}}{}", node.tag_name().name()),
        None => node.tag_name().name().to_owned(),
    }
}

fn parse_header(header: Node<'_, '_>) -> Result<RequestHeader, DuisError> {
    let request_id = required_text(header, "RequestID", "sr:RequestID")?;
    let command_variant = required_text(header, "CommandVariant", "sr:CommandVariant")?;
    let service_reference = required_text(header, "ServiceReference", "sr:ServiceReference")?;
    let service_reference_variant = required_text(
        header,
        "ServiceReferenceVariant",
        "sr:ServiceReferenceVariant",
    )?;
    let first_in_sequence = optional_text(header, "FirstInSequence")
        .map(|text| xml::parse_boolean(&text, "sr:FirstInSequence"))
        .transpose()?;
    let preceding_service_request_id = optional_text(header, "PrecedingServiceRequestID")
        .map(|text| {
            text.parse::<RequestId>()
                .map_err(|error| DuisError::invalid("sr:PrecedingServiceRequestID", error))
        })
        .transpose()?;
    if service_reference.is_empty() {
        return Err(DuisError::invalid("sr:ServiceReference", "empty"));
    }
    Ok(RequestHeader {
        request_id: request_id
            .parse()
            .map_err(|error| DuisError::invalid("sr:RequestID", error))?,
        command_variant: command_variant
            .parse()
            .map_err(|error| DuisError::invalid("sr:CommandVariant", error))?,
        service_reference,
        service_reference_variant: service_reference_variant
            .parse()
            .map_err(|error| DuisError::invalid("sr:ServiceReferenceVariant", error))?,
        first_in_sequence,
        preceding_service_request_id,
    })
}

fn parse_body(body: Node<'_, '_>) -> Result<RequestBody, DuisError> {
    let mut elements = body.children().filter(|child| child.is_element());
    let (Some(element), None) = (elements.next(), elements.next()) else {
        return Err(DuisError::invalid(
            "sr:Body",
            "expected exactly one service request element",
        ));
    };
    if element.tag_name().namespace() != Some(SERVICE_USER_GATEWAY_NAMESPACE) {
        return Err(DuisError::invalid(
            "sr:Body",
            format!("{} is not in the sr namespace", describe(element)),
        ));
    }
    if element.tag_name().name() != "SignedPreCommand" {
        return Ok(RequestBody::ServiceRequest(BodyElement::from_node(element)));
    }
    let payload = required_text(element, "GBCSPayload", "sr:SignedPreCommand/sr:GBCSPayload")?;
    Ok(RequestBody::SignedPreCommand {
        execution_date_time: optional_text(element, "ExecutionDateTime"),
        gbcs_payload: xml::decode_base64(&payload, "sr:GBCSPayload")?,
    })
}

/// Renders a request as unsigned XML (no whitespace between elements), ready for
/// [`crate::sign_document`].
pub fn render_request(request: &Request) -> String {
    let mut output = String::from(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    output.push_str("<sr:Request");
    xml::push_attribute(&mut output, "xmlns:sr", SERVICE_USER_GATEWAY_NAMESPACE);
    xml::push_attribute(&mut output, "xmlns:ds", XML_SIGNATURE_NAMESPACE);
    let schema_version = if request.schema_version.is_empty() {
        SCHEMA_VERSION
    } else {
        &request.schema_version
    };
    xml::push_attribute(&mut output, "schemaVersion", schema_version);
    output.push_str("><sr:Header>");
    let header = &request.header;
    xml::push_sr_element(&mut output, "RequestID", &header.request_id.to_string());
    if let Some(first) = header.first_in_sequence {
        xml::push_sr_element(
            &mut output,
            "FirstInSequence",
            if first { "true" } else { "false" },
        );
    }
    if let Some(preceding) = &header.preceding_service_request_id {
        xml::push_sr_element(
            &mut output,
            "PrecedingServiceRequestID",
            &preceding.to_string(),
        );
    }
    xml::push_sr_element(
        &mut output,
        "CommandVariant",
        &header.command_variant.to_string(),
    );
    xml::push_sr_element(&mut output, "ServiceReference", &header.service_reference);
    xml::push_sr_element(
        &mut output,
        "ServiceReferenceVariant",
        header.service_reference_variant.as_str(),
    );
    output.push_str("</sr:Header><sr:Body>");
    match &request.body {
        RequestBody::ServiceRequest(element) => element.render_into(&mut output),
        RequestBody::SignedPreCommand {
            execution_date_time,
            gbcs_payload,
        } => {
            output.push_str("<sr:SignedPreCommand>");
            if let Some(when) = execution_date_time {
                xml::push_sr_element(&mut output, "ExecutionDateTime", when);
            }
            xml::push_sr_element(
                &mut output,
                "GBCSPayload",
                &xml::encode_base64(gbcs_payload),
            );
            output.push_str("</sr:SignedPreCommand>");
        }
    }
    output.push_str("</sr:Body></sr:Request>");
    output
}

#[cfg(test)]
mod tests {
    use super::*;

    const READ_INVENTORY: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<sr:Request xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway" schemaVersion="5.4">
  <sr:Header>
    <sr:RequestID>90-B3-D5-1F-30-01-00-00:90-B3-D5-1F-30-00-00-02:1000</sr:RequestID>
    <sr:CommandVariant>8</sr:CommandVariant>
    <sr:ServiceReference>8.2</sr:ServiceReference>
    <sr:ServiceReferenceVariant>8.2</sr:ServiceReferenceVariant>
  </sr:Header>
  <sr:Body>
    <sr:ReadInventory><sr:DeviceID>00-DB-12-34-56-78-90-A0</sr:DeviceID></sr:ReadInventory>
  </sr:Body>
</sr:Request>"#;

    #[test]
    fn parses_a_non_device_request() {
        let request = parse_request(READ_INVENTORY.as_bytes()).unwrap();
        assert_eq!(request.schema_version, "5.4");
        assert_eq!(request.header.request_id.counter, 1000);
        assert_eq!(request.header.command_variant, CommandVariant::NonDevice);
        assert_eq!(request.header.service_reference_variant.as_str(), "8.2");
        let RequestBody::ServiceRequest(body) = &request.body else {
            panic!("not a service request")
        };
        assert_eq!(body.name, "ReadInventory");
        assert_eq!(body.find_text("DeviceID"), Some("00-DB-12-34-56-78-90-A0"));
    }

    #[test]
    fn render_then_parse_round_trips() {
        let request = parse_request(READ_INVENTORY.as_bytes()).unwrap();
        let rendered = render_request(&request);
        assert_eq!(parse_request(rendered.as_bytes()).unwrap(), request);

        let signed_pre_command = Request {
            body: RequestBody::SignedPreCommand {
                execution_date_time: Some("2030-01-01T00:00:00Z".into()),
                gbcs_payload: vec![0xDF, 0x09, 0x01],
            },
            header: RequestHeader {
                command_variant: CommandVariant::SignedPreCommandOverWan,
                first_in_sequence: Some(false),
                preceding_service_request_id: Some(request.header.request_id),
                ..request.header.clone()
            },
            ..request
        };
        let rendered = render_request(&signed_pre_command);
        assert_eq!(
            parse_request(rendered.as_bytes()).unwrap(),
            signed_pre_command
        );
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let cases: [(&str, &str); 6] = [
            ("<sr:Request", "malformed XML"),
            (r#"<Request schemaVersion="5.4"/>"#, "document element"),
            (
                r#"<sr:Request xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway"/>"#,
                "schemaVersion",
            ),
            (&READ_INVENTORY.replace(":1000<", ":x<"), "sr:RequestID"),
            (&READ_INVENTORY.replace(">8<", ">9<"), "sr:CommandVariant"),
            (
                &READ_INVENTORY.replace(
                    "<sr:ServiceReferenceVariant>8.2</sr:ServiceReferenceVariant>",
                    "",
                ),
                "sr:ServiceReferenceVariant",
            ),
        ];
        for (xml, expected) in cases {
            let error = parse_request(xml.as_bytes()).unwrap_err().to_string();
            assert!(
                error.contains(expected),
                "{error:?} should mention {expected:?}"
            );
        }
    }

    #[test]
    fn refuses_doctype_and_deep_nesting() {
        let doctype = r#"<!DOCTYPE a [<!ENTITY x "y">]><a/>"#;
        assert!(matches!(
            parse_request(doctype.as_bytes()),
            Err(DuisError::MalformedXml(_))
        ));
        let deep = format!("{}{}", "<a>".repeat(500), "</a>".repeat(500));
        assert!(matches!(
            parse_request(deep.as_bytes()),
            Err(DuisError::MalformedXml(_))
        ));
    }
}
