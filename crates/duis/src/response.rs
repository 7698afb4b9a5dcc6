//! DUIS responses and alerts (`sr:Response`): what the DCC sends back to users.

use dcc_model::{
    CspRegion, DeviceStatus, DeviceType, Eui64, RequestId, ResponseCode, ServiceReferenceVariant,
};
use roxmltree::Node;

use crate::element::BodyElement;
use crate::xml::{self, is_sr, optional_text, required_text, sr_child};
use crate::{DuisError, SCHEMA_VERSION, SERVICE_USER_GATEWAY_NAMESPACE, XML_SIGNATURE_NAMESPACE};

/// A DUIS response, device alert or DCC alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The `schemaVersion` attribute; [`SCHEMA_VERSION`] is written when empty.
    pub schema_version: String,
    /// The request answered (absent on alerts).
    pub request_id: Option<RequestId>,
    /// `<device>:<user>:<counter>` on device responses and alerts.
    pub response_id: Option<String>,
    pub response_code: ResponseCode,
    /// `xs:dateTime`, e.g. `2024-01-01T12:00:00.000Z`.
    pub response_date_time: String,
    pub body: ResponseBody,
}

/// The `sr:Body` of a response. The schema requires a body: even an `I99` acknowledgement or
/// an `E…` rejection carries a `ResponseMessage` with the service reference and variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseBody {
    /// A `ResponseMessage` with only the service reference: acknowledgements and rejections.
    Empty {
        service_reference: String,
        service_reference_variant: ServiceReferenceVariant,
    },
    /// A device's GBCS response (or a DSP-built response) to a service request.
    GbcsPayload {
        service_reference: String,
        service_reference_variant: ServiceReferenceVariant,
        payload: Vec<u8>,
    },
    /// Command variant 4: the unsigned GBCS pre-command for the user to sign.
    PreCommand {
        service_reference: String,
        service_reference_variant: ServiceReferenceVariant,
        gbcs_version: String,
        payload: Vec<u8>,
    },
    /// Command variants 2 and 6: a GBCS command for the user to deliver locally.
    LocalCommand {
        service_reference: String,
        service_reference_variant: ServiceReferenceVariant,
        payload: Vec<u8>,
    },
    /// Service 8.2 Read Inventory: the devices found (1 to 17).
    DspInventory {
        service_reference: String,
        service_reference_variant: ServiceReferenceVariant,
        devices: Vec<InventoryDevice>,
    },
    /// Any other `ResponseMessage` content (`DSPScheduleID`, `DSPWANMatrix`, …) as a tree whose
    /// root is that element.
    OtherResponseMessage {
        service_reference: String,
        service_reference_variant: ServiceReferenceVariant,
        content: BodyElement,
    },
    /// A device alert: the GBCS alert code (`xs:hexBinary`, e.g. `8F1C`) and the GBCS alert.
    DeviceAlert {
        alert_code: String,
        payload: Vec<u8>,
    },
    /// A DCC alert: its code (`AD1`, `N1` … `N999`) and the `DCCAlert` element's single child.
    DccAlert {
        dcc_alert_code: String,
        alert: BodyElement,
    },
}

/// One `sr:Device` of a `DSPInventory`, fields in schema order. Optional fields are left out
/// of the XML when `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryDevice {
    pub device_id: Eui64,
    pub device_type: DeviceType,
    pub device_status: Option<DeviceStatus>,
    /// Up to 30 characters.
    pub device_manufacturer: String,
    /// Up to 30 characters.
    pub device_model: String,
    /// 1 to 20 characters, e.g. `SMETS2` or `CHTS`.
    pub smets_chts_version: Option<String>,
    /// 1 to 8 characters.
    pub device_firmware_version: Option<String>,
    /// `Active`, `Cancelled`, `Expired` or `Withdrawn`.
    pub device_firmware_version_status: Option<String>,
    /// `Active`, `Cancelled`, `Expired` or `Withdrawn`.
    pub cpl_status: Option<String>,
    /// `xs:date`, e.g. `2024-01-31`.
    pub date_commissioned: Option<String>,
    pub import_mpxn: Option<String>,
    pub secondary_import_mpan: Option<String>,
    pub export_mpan: Option<String>,
    pub esme_variant: Option<String>,
    pub uprn: Option<String>,
    pub csp_region: Option<CspRegion>,
    pub device_gbcs_version: Option<String>,
    pub han_variant: Option<String>,
    /// `Cellular` or `Virtual`. New in DUIS 5.4: validators on older schemas (DCC's Java tool
    /// uses 5.1) reject it, so leave it `None` for them.
    pub connectivity: Option<String>,
}

impl InventoryDevice {
    /// A device with only the schema's required fields set.
    pub fn new(
        device_id: Eui64,
        device_type: DeviceType,
        manufacturer: impl Into<String>,
        model: impl Into<String>,
    ) -> Self {
        Self {
            device_id,
            device_type,
            device_status: None,
            device_manufacturer: manufacturer.into(),
            device_model: model.into(),
            smets_chts_version: None,
            device_firmware_version: None,
            device_firmware_version_status: None,
            cpl_status: None,
            date_commissioned: None,
            import_mpxn: None,
            secondary_import_mpan: None,
            export_mpan: None,
            esme_variant: None,
            uprn: None,
            csp_region: None,
            device_gbcs_version: None,
            han_variant: None,
            connectivity: None,
        }
    }

    fn render_into(&self, output: &mut String) {
        output.push_str("<sr:Device>");
        xml::push_sr_element(output, "DeviceID", &self.device_id.to_string());
        xml::push_sr_element(output, "DeviceType", self.device_type.as_str());
        optional(
            output,
            "DeviceStatus",
            self.device_status.as_ref().map(DeviceStatus::as_str),
        );
        xml::push_sr_element(output, "DeviceManufacturer", &self.device_manufacturer);
        xml::push_sr_element(output, "DeviceModel", &self.device_model);
        optional(
            output,
            "SMETSCHTSVersion",
            self.smets_chts_version.as_deref(),
        );
        optional(
            output,
            "DeviceFirmwareVersion",
            self.device_firmware_version.as_deref(),
        );
        optional(
            output,
            "DeviceFirmwareVersionStatus",
            self.device_firmware_version_status.as_deref(),
        );
        optional(output, "CPLStatus", self.cpl_status.as_deref());
        optional(
            output,
            "DateCommissioned",
            self.date_commissioned.as_deref(),
        );
        optional(output, "ImportMPxN", self.import_mpxn.as_deref());
        optional(
            output,
            "SecondaryImportMPAN",
            self.secondary_import_mpan.as_deref(),
        );
        optional(output, "ExportMPAN", self.export_mpan.as_deref());
        optional(output, "ESMEVariant", self.esme_variant.as_deref());
        optional(output, "UPRN", self.uprn.as_deref());
        optional(
            output,
            "CSPRegion",
            self.csp_region.as_ref().map(CspRegion::as_str),
        );
        optional(
            output,
            "DeviceGBCSVersion",
            self.device_gbcs_version.as_deref(),
        );
        optional(output, "HANVariant", self.han_variant.as_deref());
        optional(output, "Connectivity", self.connectivity.as_deref());
        output.push_str("</sr:Device>");
    }

    fn parse(device: Node<'_, '_>) -> Result<Self, DuisError> {
        let device_id = required_text(device, "DeviceID", "sr:Device/sr:DeviceID")?;
        let device_type = required_text(device, "DeviceType", "sr:Device/sr:DeviceType")?;
        Ok(Self {
            device_id: device_id
                .parse()
                .map_err(|error| DuisError::invalid("sr:DeviceID", error))?,
            device_type: device_type
                .parse()
                .map_err(|error| DuisError::invalid("sr:DeviceType", error))?,
            device_status: optional_text(device, "DeviceStatus")
                .map(|text| {
                    text.parse()
                        .map_err(|error| DuisError::invalid("sr:DeviceStatus", error))
                })
                .transpose()?,
            device_manufacturer: required_text(
                device,
                "DeviceManufacturer",
                "sr:Device/sr:DeviceManufacturer",
            )?,
            device_model: required_text(device, "DeviceModel", "sr:Device/sr:DeviceModel")?,
            smets_chts_version: optional_text(device, "SMETSCHTSVersion"),
            device_firmware_version: optional_text(device, "DeviceFirmwareVersion"),
            device_firmware_version_status: optional_text(device, "DeviceFirmwareVersionStatus"),
            cpl_status: optional_text(device, "CPLStatus"),
            date_commissioned: optional_text(device, "DateCommissioned"),
            import_mpxn: optional_text(device, "ImportMPxN"),
            secondary_import_mpan: optional_text(device, "SecondaryImportMPAN"),
            export_mpan: optional_text(device, "ExportMPAN"),
            esme_variant: optional_text(device, "ESMEVariant"),
            uprn: optional_text(device, "UPRN"),
            csp_region: optional_text(device, "CSPRegion")
                .map(|text| {
                    text.parse()
                        .map_err(|error| DuisError::invalid("sr:CSPRegion", error))
                })
                .transpose()?,
            device_gbcs_version: optional_text(device, "DeviceGBCSVersion"),
            han_variant: optional_text(device, "HANVariant"),
            connectivity: optional_text(device, "Connectivity"),
        })
    }
}

fn optional(output: &mut String, name: &str, value: Option<&str>) {
    if let Some(value) = value {
        xml::push_sr_element(output, name, value);
    }
}

/// Renders a response as unsigned XML (no whitespace between elements), ready for
/// [`crate::sign_document`].
pub fn render_response(response: &Response) -> String {
    let mut output = String::from(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    output.push_str("<sr:Response");
    xml::push_attribute(&mut output, "xmlns:sr", SERVICE_USER_GATEWAY_NAMESPACE);
    xml::push_attribute(&mut output, "xmlns:ds", XML_SIGNATURE_NAMESPACE);
    let schema_version = if response.schema_version.is_empty() {
        SCHEMA_VERSION
    } else {
        &response.schema_version
    };
    xml::push_attribute(&mut output, "schemaVersion", schema_version);
    output.push_str("><sr:Header>");
    if let Some(request_id) = &response.request_id {
        xml::push_sr_element(&mut output, "RequestID", &request_id.to_string());
    }
    if let Some(response_id) = &response.response_id {
        xml::push_sr_element(&mut output, "ResponseID", response_id);
    }
    xml::push_sr_element(
        &mut output,
        "ResponseCode",
        &response.response_code.to_string(),
    );
    xml::push_sr_element(
        &mut output,
        "ResponseDateTime",
        &response.response_date_time,
    );
    output.push_str("</sr:Header><sr:Body>");
    render_body(&response.body, &mut output);
    output.push_str("</sr:Body></sr:Response>");
    output
}

fn render_body(body: &ResponseBody, output: &mut String) {
    match body {
        ResponseBody::DeviceAlert {
            alert_code,
            payload,
        } => {
            output.push_str("<sr:DeviceAlertMessage>");
            xml::push_sr_element(output, "AlertCode", alert_code);
            xml::push_sr_element(output, "GBCSPayload", &xml::encode_base64(payload));
            output.push_str("</sr:DeviceAlertMessage>");
        }
        ResponseBody::DccAlert {
            dcc_alert_code,
            alert,
        } => {
            output.push_str("<sr:DCCAlertMessage>");
            xml::push_sr_element(output, "DCCAlertCode", dcc_alert_code);
            output.push_str("<sr:DCCAlert>");
            alert.render_into(output);
            output.push_str("</sr:DCCAlert></sr:DCCAlertMessage>");
        }
        ResponseBody::Empty {
            service_reference,
            service_reference_variant,
        }
        | ResponseBody::GbcsPayload {
            service_reference,
            service_reference_variant,
            ..
        }
        | ResponseBody::PreCommand {
            service_reference,
            service_reference_variant,
            ..
        }
        | ResponseBody::LocalCommand {
            service_reference,
            service_reference_variant,
            ..
        }
        | ResponseBody::DspInventory {
            service_reference,
            service_reference_variant,
            ..
        }
        | ResponseBody::OtherResponseMessage {
            service_reference,
            service_reference_variant,
            ..
        } => {
            output.push_str("<sr:ResponseMessage>");
            xml::push_sr_element(output, "ServiceReference", service_reference);
            xml::push_sr_element(
                output,
                "ServiceReferenceVariant",
                service_reference_variant.as_str(),
            );
            render_response_message_content(body, output);
            output.push_str("</sr:ResponseMessage>");
        }
    }
}

fn render_response_message_content(body: &ResponseBody, output: &mut String) {
    match body {
        ResponseBody::GbcsPayload { payload, .. } => {
            xml::push_sr_element(output, "GBCSPayload", &xml::encode_base64(payload))
        }
        ResponseBody::PreCommand {
            gbcs_version,
            payload,
            ..
        } => {
            output.push_str("<sr:PreCommand>");
            xml::push_sr_element(output, "GBCSVersion", gbcs_version);
            xml::push_sr_element(output, "GBCSPayload", &xml::encode_base64(payload));
            output.push_str("</sr:PreCommand>");
        }
        ResponseBody::LocalCommand { payload, .. } => {
            output.push_str("<sr:LocalCommand>");
            xml::push_sr_element(output, "GBCSPayload", &xml::encode_base64(payload));
            output.push_str("</sr:LocalCommand>");
        }
        ResponseBody::DspInventory { devices, .. } => {
            output.push_str("<sr:DSPInventory>");
            for device in devices {
                device.render_into(output);
            }
            output.push_str("</sr:DSPInventory>");
        }
        ResponseBody::OtherResponseMessage { content, .. } => content.render_into(output),
        ResponseBody::Empty { .. }
        | ResponseBody::DeviceAlert { .. }
        | ResponseBody::DccAlert { .. } => {}
    }
}

/// Parses an `sr:Response` (signed or not; the signature is not checked here).
pub fn parse_response(xml: &[u8]) -> Result<Response, DuisError> {
    let text = xml::as_text(xml)?;
    response_of(&xml::parse_document(text)?)
}

/// The response a parsed document is.
pub(crate) fn response_of(document: &roxmltree::Document<'_>) -> Result<Response, DuisError> {
    let root = document.root_element();
    if !is_sr(root, "Response") {
        return Err(DuisError::UnexpectedDocumentElement {
            expected: "Response",
            found: root.tag_name().name().to_owned(),
        });
    }
    let schema_version = root
        .attribute("schemaVersion")
        .ok_or(DuisError::Missing("schemaVersion attribute"))?
        .trim()
        .to_owned();
    let header = sr_child(root, "Header").ok_or(DuisError::Missing("sr:Header"))?;
    let body = sr_child(root, "Body").ok_or(DuisError::Missing("sr:Body"))?;
    let response_code = required_text(header, "ResponseCode", "sr:ResponseCode")?;
    Ok(Response {
        schema_version,
        request_id: optional_text(header, "RequestID")
            .map(|text| {
                text.parse()
                    .map_err(|error| DuisError::invalid("sr:RequestID", error))
            })
            .transpose()?,
        response_id: optional_text(header, "ResponseID"),
        response_code: response_code
            .parse()
            .map_err(|error| DuisError::invalid("sr:ResponseCode", error))?,
        response_date_time: required_text(header, "ResponseDateTime", "sr:ResponseDateTime")?,
        body: parse_body(body)?,
    })
}

fn parse_body(body: Node<'_, '_>) -> Result<ResponseBody, DuisError> {
    let element = body
        .children()
        .find(|child| child.is_element())
        .ok_or(DuisError::Missing("a response body element"))?;
    if is_sr(element, "DeviceAlertMessage") {
        let payload = required_text(
            element,
            "GBCSPayload",
            "sr:DeviceAlertMessage/sr:GBCSPayload",
        )?;
        return Ok(ResponseBody::DeviceAlert {
            alert_code: required_text(element, "AlertCode", "sr:AlertCode")?,
            payload: xml::decode_base64(&payload, "sr:GBCSPayload")?,
        });
    }
    if is_sr(element, "DCCAlertMessage") {
        let alert = sr_child(element, "DCCAlert")
            .and_then(|alert| alert.children().find(|child| child.is_element()))
            .ok_or(DuisError::Missing("sr:DCCAlert content"))?;
        return Ok(ResponseBody::DccAlert {
            dcc_alert_code: required_text(element, "DCCAlertCode", "sr:DCCAlertCode")?,
            alert: BodyElement::from_node(alert),
        });
    }
    if !is_sr(element, "ResponseMessage") {
        return Err(DuisError::invalid(
            "sr:Body",
            format!("unsupported body element {}", element.tag_name().name()),
        ));
    }
    parse_response_message(element)
}

fn parse_response_message(message: Node<'_, '_>) -> Result<ResponseBody, DuisError> {
    let service_reference = required_text(message, "ServiceReference", "sr:ServiceReference")?;
    let service_reference_variant: ServiceReferenceVariant = required_text(
        message,
        "ServiceReferenceVariant",
        "sr:ServiceReferenceVariant",
    )?
    .parse()
    .map_err(|error| DuisError::invalid("sr:ServiceReferenceVariant", error))?;
    let content = message
        .children()
        .filter(|child| child.is_element())
        .find(|child| {
            !is_sr(*child, "ServiceReference") && !is_sr(*child, "ServiceReferenceVariant")
        });
    let Some(content) = content else {
        return Ok(ResponseBody::Empty {
            service_reference,
            service_reference_variant,
        });
    };
    let payload_of = |node: Node<'_, '_>, what: &'static str| -> Result<Vec<u8>, DuisError> {
        xml::decode_base64(&required_text(node, "GBCSPayload", what)?, "sr:GBCSPayload")
    };
    Ok(match content.tag_name().name() {
        "GBCSPayload" => ResponseBody::GbcsPayload {
            service_reference,
            service_reference_variant,
            payload: xml::decode_base64(&xml::text_of(content), "sr:GBCSPayload")?,
        },
        "PreCommand" => ResponseBody::PreCommand {
            service_reference,
            service_reference_variant,
            gbcs_version: required_text(content, "GBCSVersion", "sr:PreCommand/sr:GBCSVersion")?,
            payload: payload_of(content, "sr:PreCommand/sr:GBCSPayload")?,
        },
        "LocalCommand" => ResponseBody::LocalCommand {
            service_reference,
            service_reference_variant,
            payload: payload_of(content, "sr:LocalCommand/sr:GBCSPayload")?,
        },
        "DSPInventory" => ResponseBody::DspInventory {
            service_reference,
            service_reference_variant,
            devices: content
                .children()
                .filter(|child| is_sr(*child, "Device"))
                .map(InventoryDevice::parse)
                .collect::<Result<_, _>>()?,
        },
        _ => ResponseBody::OtherResponseMessage {
            service_reference,
            service_reference_variant,
            content: BodyElement::from_node(content),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variant(text: &str) -> ServiceReferenceVariant {
        text.parse().unwrap()
    }

    fn response(code: ResponseCode, body: ResponseBody) -> Response {
        Response {
            schema_version: SCHEMA_VERSION.into(),
            request_id: Some(
                "90-B3-D5-1F-30-01-00-00:90-B3-D5-1F-30-00-00-02:1000"
                    .parse()
                    .unwrap(),
            ),
            response_id: None,
            response_code: code,
            response_date_time: "2024-01-01T12:00:00.000Z".into(),
            body,
        }
    }

    #[test]
    fn every_body_kind_round_trips() {
        let mut device = InventoryDevice::new(
            Eui64::from_u64(0x00DB_1234_5678_90A0),
            DeviceType::ElectricitySmartMeter,
            "ACME",
            "M1",
        );
        device.device_status = Some(DeviceStatus::Commissioned);
        device.csp_region = Some(CspRegion::North);
        device.smets_chts_version = Some("SMETS2".into());
        let bodies = [
            ResponseBody::Empty {
                service_reference: "8.2".into(),
                service_reference_variant: variant("8.2"),
            },
            ResponseBody::GbcsPayload {
                service_reference: "4.1".into(),
                service_reference_variant: variant("4.1.1"),
                payload: vec![0xDD, 0, 1],
            },
            ResponseBody::PreCommand {
                service_reference: "1.1".into(),
                service_reference_variant: variant("1.1.1"),
                gbcs_version: "4.0".into(),
                payload: vec![0xDF, 9],
            },
            ResponseBody::LocalCommand {
                service_reference: "4.1".into(),
                service_reference_variant: variant("4.1.1"),
                payload: vec![1],
            },
            ResponseBody::DspInventory {
                service_reference: "8.2".into(),
                service_reference_variant: variant("8.2"),
                devices: vec![device],
            },
            ResponseBody::OtherResponseMessage {
                service_reference: "5.1".into(),
                service_reference_variant: variant("5.1"),
                content: BodyElement::leaf("DSPScheduleID", "17"),
            },
            ResponseBody::DeviceAlert {
                alert_code: "8F1C".into(),
                payload: vec![0xDD, 2],
            },
            ResponseBody::DccAlert {
                dcc_alert_code: "N1".into(),
                alert: BodyElement::with_children(
                    "PowerOutageEvent",
                    vec![BodyElement::leaf(
                        "CommsHubDeviceID",
                        "00-DB-12-34-56-78-90-A2",
                    )],
                ),
            },
        ];
        for body in bodies {
            let original = response(ResponseCode::Success, body);
            let parsed = parse_response(render_response(&original).as_bytes()).unwrap();
            assert_eq!(parsed, original);
        }
    }

    #[test]
    fn error_response_keeps_the_required_response_message() {
        let rendered = render_response(&response(
            ResponseCode::DEVICE_UNKNOWN,
            ResponseBody::Empty {
                service_reference: "4.1".into(),
                service_reference_variant: variant("4.1.1"),
            },
        ));
        assert!(rendered.contains(
            "<sr:ResponseCode>E19</sr:ResponseCode><sr:ResponseDateTime>2024-01-01T12:00:00.000Z</sr:ResponseDateTime></sr:Header><sr:Body><sr:ResponseMessage><sr:ServiceReference>4.1</sr:ServiceReference><sr:ServiceReferenceVariant>4.1.1</sr:ServiceReferenceVariant></sr:ResponseMessage></sr:Body>"
        ));
    }

    #[test]
    fn parse_errors_are_typed() {
        assert!(matches!(
            parse_response(b"<x/>"),
            Err(DuisError::UnexpectedDocumentElement { .. })
        ));
        let rendered = render_response(&response(
            ResponseCode::Acknowledgement,
            ResponseBody::Empty {
                service_reference: "4.1".into(),
                service_reference_variant: variant("4.1.1"),
            },
        ));
        let broken = rendered.replace(">I99<", ">Q9<");
        assert!(matches!(
            parse_response(broken.as_bytes()),
            Err(DuisError::Invalid {
                field: "sr:ResponseCode",
                ..
            })
        ));
    }
}
