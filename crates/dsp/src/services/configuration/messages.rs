//! Messages, tenancy, supplier details and PIN (3.x): 3.1 Display Message (ECS10, GCS07), 3.2
//! Restrict Access For Change Of Tenancy (ECS12, GCS09), 3.3 Clear Event Log (ECS15a, ECS15c,
//! CS11), 3.4 Update Supplier Name (ECS16, GCS44), 3.5 Disable Privacy PIN (ECS14, GCS11).
//! The future-dated ones (3.1, 3.2, 3.4) are held by the DSP: the command is the immediate one.

use duis::catalogue::ServiceDefinition;
use duis::BodyElement;
use gbcs::dlms::Data;
use time::OffsetDateTime;

use super::event_logs::{ALCS_EVENT_LOG, ESME_EVENT_LOG};
use super::values::{self, cosem, enumeration, held_by_dsp, only_children, printable};
use super::zigbee::{self, cluster, cluster_command, issuer_event_id, ZclFields, PUBLISHED};
use super::{dlms_command_for, gbz_command_for, meter_command};
use crate::rejection::Rejection;
use crate::services::dlms_command::{class, CosemObject, NO_PARAMETER, RESET, VALUE};
use crate::services::{use_case_named, CommandContext, DeviceCommand, ServiceRequest};

/// Supplier Message (ESME display).
const SUPPLIER_MESSAGE: CosemObject = CosemObject::new(class::DATA, [0, 2, 96, 13, 1, 255]);
/// Restrict Data Date Time: data before it is withheld from the consumer (change of tenancy).
/// No RTDS message sets it; the object is the one gbcs-parser names so.
const RESTRICT_DATA_DATE_TIME: CosemObject = CosemObject::new(class::DATA, [0, 0, 94, 44, 3, 2]);
/// Disable Privacy PIN Protection.
const DISABLE_PRIVACY_PIN_PROTECTION: CosemObject =
    CosemObject::new(class::DATA, [0, 0, 94, 44, 3, 1]);
/// Contact Details: Supplier Telephone Number.
const SUPPLIER_TELEPHONE_NUMBER: CosemObject =
    CosemObject::new(class::GBCS_EXTENDED_DATA, [0, 0, 96, 13, 0, 255]);
/// Contact Details: Supplier Name.
const SUPPLIER_NAME: CosemObject =
    CosemObject::new(class::GBCS_EXTENDED_DATA, [0, 0, 96, 13, 1, 255]);

/// Messaging cluster: Display Message.
const DISPLAY_MESSAGE: u8 = 0x00;
/// Display Message control: normal transmission, low importance, no confirmation.
const MESSAGE_CONTROL_NORMAL: u8 = 0x00;
/// Display Message duration: until replaced.
const DURATION_UNTIL_CHANGED: u16 = 0xFFFF;
/// Device Management cluster commands the DCC publishes.
const PUBLISH_CHANGE_OF_TENANCY: u8 = 0x00;
const PUBLISH_CHANGE_OF_SUPPLIER: u8 = 0x01;
const REQUEST_NEW_PASSWORD_RESPONSE: u8 = 0x02;
/// Provider Id GBCS leaves unused.
const NO_PROVIDER: u32 = 0;
/// Tariff type: delivered (import).
const TARIFF_TYPE_DELIVERED: u8 = 0x00;
/// A start or implementation time of zero: at once.
const AT_ONCE: u32 = 0;
/// Proposed Tenancy Change Control of a change of tenancy (as RTDS sends it).
const TENANCY_CHANGE_CONTROL: u32 = 0x0000_0200;
/// Provider Change Control of a supplier name and contact details update (as RTDS sends it).
const PROVIDER_CHANGE_CONTROL: u32 = 0x0000_1800;
/// Password type of the privacy PIN (password 2).
const PASSWORD_PRIVACY_PIN: u8 = 0x02;
/// Events cluster: Clear Event Log Request, and the log GBCS clears (the general event log).
const CLEAR_EVENT_LOG_REQUEST: u8 = 0x01;
const GENERAL_EVENT_LOG: u8 = 0x03;

/// An A-XDR octet string of the text's bytes.
fn octet_string(text: &str) -> Data {
    Data::OctetString(text.as_bytes().to_vec())
}

/// 3.1 Display Message: the supplier's message for the meter's display.
pub struct DisplayMessage {
    message: String,
}

impl ServiceRequest for DisplayMessage {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        only_children(body, &["ExecutionDateTime", "SupplierMessage"])?;
        held_by_dsp(body)?;
        Ok(Self {
            message: printable(body, "SupplierMessage", 1, 116)?,
        })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        meter_command(
            service,
            context,
            || vec![SUPPLIER_MESSAGE.set(VALUE, octet_string(&self.message))],
            || {
                let display = ZclFields::new()
                    .u32(issuer_event_id(context)?)
                    .u8(MESSAGE_CONTROL_NORMAL)
                    .u32(AT_ONCE)
                    .u16(DURATION_UNTIL_CHANGED)
                    .string(self.message.as_bytes());
                Ok(vec![cluster_command(
                    cluster::MESSAGING,
                    PUBLISHED,
                    DISPLAY_MESSAGE,
                    display,
                )])
            },
        )
    }
}

/// 3.2 Restrict Access For Change Of Tenancy: data before the restriction date-time is no
/// longer shown to the consumer.
pub struct RestrictAccessForChangeOfTenancy {
    restriction: OffsetDateTime,
}

impl ServiceRequest for RestrictAccessForChangeOfTenancy {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        only_children(body, &["ExecutionDateTime", "RestrictionDateTime"])?;
        held_by_dsp(body)?;
        Ok(Self {
            restriction: values::date_time(body, "RestrictionDateTime")?,
        })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        meter_command(
            service,
            context,
            || {
                let restriction = cosem::date_time(self.restriction).to_vec();
                vec![RESTRICT_DATA_DATE_TIME.set(VALUE, Data::OctetString(restriction))]
            },
            || {
                let tenancy = ZclFields::new()
                    .u32(NO_PROVIDER)
                    .u32(issuer_event_id(context)?)
                    .u8(TARIFF_TYPE_DELIVERED)
                    .u32(values::zigbee_utc_time(
                        self.restriction,
                        "RestrictionDateTime",
                    )?)
                    .u32(TENANCY_CHANGE_CONTROL);
                Ok(vec![cluster_command(
                    cluster::DEVICE_MANAGEMENT,
                    PUBLISHED,
                    PUBLISH_CHANGE_OF_TENANCY,
                    tenancy,
                )])
            },
        )
    }
}

/// Which ESME event log 3.3 clears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EsmeEventLog {
    Esme,
    Alcs,
}

/// 3.3 Clear Event Log: an ESME's event log or ALCS event log (ECS15a, ECS15c), or a ZigBee
/// device's event log (CS11).
pub struct ClearEventLog {
    esme_log: Option<EsmeEventLog>,
}

impl ServiceRequest for ClearEventLog {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        only_children(body, &["ESMEEventLogType"])?;
        let esme_log = match body.child("ESMEEventLogType") {
            None => None,
            Some(_) => Some(enumeration(
                body,
                "ESMEEventLogType",
                &[("ESME", EsmeEventLog::Esme), ("ALCS", EsmeEventLog::Alcs)],
            )?),
        };
        Ok(Self { esme_log })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let device_type = context.device_type;
        if device_type != dcc_model::DeviceType::ElectricitySmartMeter {
            if self.esme_log.is_some() {
                return Err(values::malformed(format!(
                    "ESMEEventLogType names an ESME log; the target is a {device_type}"
                )));
            }
            let use_case = use_case_named(service, "CS11", device_type)?;
            let clear = ZclFields::new().u8(GENERAL_EVENT_LOG);
            return Ok(gbz_command_for(
                use_case,
                context,
                vec![cluster_command(
                    cluster::EVENTS,
                    zigbee::TO_SERVER,
                    CLEAR_EVENT_LOG_REQUEST,
                    clear,
                )],
            ));
        }
        let (id, log) = match self.esme_log.unwrap_or(EsmeEventLog::Esme) {
            EsmeEventLog::Esme => ("ECS15a", ESME_EVENT_LOG),
            EsmeEventLog::Alcs => ("ECS15c", ALCS_EVENT_LOG),
        };
        let use_case = use_case_named(service, id, device_type)?;
        Ok(dlms_command_for(
            use_case,
            context,
            [log.action(RESET, NO_PARAMETER)],
        ))
    }
}

/// 3.4 Update Supplier Name: the supplier's name and telephone number for the display.
pub struct UpdateSupplierName {
    name: String,
    telephone_number: String,
}

impl ServiceRequest for UpdateSupplierName {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        only_children(
            body,
            &[
                "ExecutionDateTime",
                "SupplierName",
                "SupplierTelephoneNumber",
            ],
        )?;
        held_by_dsp(body)?;
        let telephone_number = printable(body, "SupplierTelephoneNumber", 1, 18)?;
        if !telephone_number
            .chars()
            .all(|c| c.is_ascii_digit() || c == ' ')
        {
            return Err(values::malformed(
                "SupplierTelephoneNumber may hold only digits and spaces",
            ));
        }
        Ok(Self {
            name: printable(body, "SupplierName", 1, 15)?,
            telephone_number,
        })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        meter_command(
            service,
            context,
            || {
                vec![
                    SUPPLIER_TELEPHONE_NUMBER.set(VALUE, octet_string(&self.telephone_number)),
                    SUPPLIER_NAME.set(VALUE, octet_string(&self.name)),
                ]
            },
            || {
                let supplier = ZclFields::new()
                    .u32(NO_PROVIDER)
                    .u32(issuer_event_id(context)?)
                    .u8(TARIFF_TYPE_DELIVERED)
                    .u32(NO_PROVIDER)
                    .u32(AT_ONCE)
                    .u32(PROVIDER_CHANGE_CONTROL)
                    .string(self.name.as_bytes())
                    .string(self.telephone_number.as_bytes());
                Ok(vec![cluster_command(
                    cluster::DEVICE_MANAGEMENT,
                    PUBLISHED,
                    PUBLISH_CHANGE_OF_SUPPLIER,
                    supplier,
                )])
            },
        )
    }
}

/// 3.5 Disable Privacy PIN: the consumer no longer needs the PIN to see data on the meter.
pub struct DisablePrivacyPin;

impl ServiceRequest for DisablePrivacyPin {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        only_children(body, &[])?;
        Ok(Self)
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        meter_command(
            service,
            context,
            || vec![DISABLE_PRIVACY_PIN_PROTECTION.set(VALUE, Data::OctetString(Vec::new()))],
            || {
                let no_password = ZclFields::new()
                    .u32(issuer_event_id(context)?)
                    .u32(AT_ONCE)
                    .u16(0)
                    .u8(PASSWORD_PRIVACY_PIN)
                    .string(&[]);
                Ok(vec![cluster_command(
                    cluster::DEVICE_MANAGEMENT,
                    PUBLISHED,
                    REQUEST_NEW_PASSWORD_RESPONSE,
                    no_password,
                )])
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::configuration::values::leaf_body as body;

    #[test]
    fn display_messages_keep_to_the_schema() {
        let long = "x".repeat(117);
        let refused = DisplayMessage::parse(&body("DisplayMessage", &[("SupplierMessage", &long)]));
        assert!(matches!(refused, Err(Rejection::Malformed(m)) if m.contains("SupplierMessage")));
        let missing = DisplayMessage::parse(&body("DisplayMessage", &[]));
        assert!(matches!(missing, Err(Rejection::Malformed(m)) if m.contains("SupplierMessage")));
        let tab = DisplayMessage::parse(&body("DisplayMessage", &[("SupplierMessage", "a\tb")]));
        assert!(matches!(tab, Err(Rejection::Malformed(m)) if m.contains("printable")));
    }

    #[test]
    fn supplier_names_and_numbers_keep_to_the_schema() {
        let letters = UpdateSupplierName::parse(&body(
            "UpdateSupplierName",
            &[
                ("SupplierName", "E-ON"),
                ("SupplierTelephoneNumber", "0333-202"),
            ],
        ));
        assert!(
            matches!(letters, Err(Rejection::Malformed(m)) if m.contains("SupplierTelephoneNumber"))
        );
        let long = UpdateSupplierName::parse(&body(
            "UpdateSupplierName",
            &[
                ("SupplierName", "A Very Long Supplier"),
                ("SupplierTelephoneNumber", "0333"),
            ],
        ));
        assert!(matches!(long, Err(Rejection::Malformed(m)) if m.contains("SupplierName")));
    }

    #[test]
    fn event_log_types_are_an_enumeration() {
        let refused = ClearEventLog::parse(&body("ClearEventLog", &[("ESMEEventLogType", "GSME")]));
        assert!(matches!(refused, Err(Rejection::Malformed(m)) if m.contains("ESMEEventLogType")));
        let pin = DisablePrivacyPin::parse(&body("DisablePrivacyPIN", &[("PIN", "1234")]));
        assert!(matches!(pin, Err(Rejection::Malformed(m)) if m.contains("takes no PIN")));
    }
}
