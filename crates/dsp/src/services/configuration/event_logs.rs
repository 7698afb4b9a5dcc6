//! 6.13 Read Event Or Security Log: the log the body names, over its period, for every device
//! type: ESME event, security, power event and ALCS event logs (ECS35a, b, e, f/g), CHF event
//! and security logs (ECS35c, d, which the ACB sends), and a ZigBee device's event and security
//! logs (CS10a, b), the GPF's own or its copy of the GSME's.

use dcc_model::DeviceType;
use duis::catalogue::ServiceDefinition;
use duis::BodyElement;
use gbcs::dlms::Data;
use time::OffsetDateTime;

use super::values::{self, enumeration, only_children, zigbee_utc_time};
use super::zigbee::{cluster, cluster_command, ZclFields, TO_SERVER};
use super::{dlms_command_for, gbz_command_for};
use crate::rejection::Rejection;
use crate::services::dlms_command::{class, CosemObject, RANGE_DESCRIPTOR};
use crate::services::{
    use_case_for_device, use_case_named, CommandContext, DeviceCommand, ServiceRequest,
};

/// The event log of an ESME or CHF (Profile Generic).
pub(super) const ESME_EVENT_LOG: CosemObject =
    CosemObject::new(class::PROFILE_GENERIC, [0, 0, 99, 98, 0, 255]);
/// The security log of an ESME or CHF.
const SECURITY_LOG: CosemObject = CosemObject::new(class::PROFILE_GENERIC, [0, 0, 99, 98, 1, 255]);
/// The ESME's power event log.
const POWER_EVENT_LOG: CosemObject =
    CosemObject::new(class::PROFILE_GENERIC, [0, 0, 99, 98, 4, 255]);
/// The ESME's Auxiliary Load Control Switch event log.
pub(super) const ALCS_EVENT_LOG: CosemObject =
    CosemObject::new(class::PROFILE_GENERIC, [0, 17, 99, 98, 2, 255]);
/// The buffer attribute of a Profile Generic log.
const BUFFER: u8 = 2;
/// The object GBCS restricts log reads by: the entry's UTC time (Data, seconds since
/// 2000-01-01), as the range descriptor's restricting object {class, logical name, attribute,
/// data index}.
const UTC_TIME_CLASS: u16 = class::DATA;
const UTC_TIME_OBIS: [u8; 6] = [0, 0, 94, 44, 100, 255];
const UTC_TIME_ATTRIBUTE: i8 = 2;

/// Events cluster: Get Event Log.
const GET_EVENT_LOG: u8 = 0x00;
/// Event Control (high nibble) and Log Id (low nibble) of the logs GBCS reads: the general
/// event log with full event information, the security event log, and on a GPF its copies of
/// the GSME's event and security logs (log ids 6 and 7).
const GENERAL_EVENT_LOG: u8 = 0x13;
const SECURITY_EVENT_LOG: u8 = 0x04;
const GSME_EVENT_LOG: u8 = 0x16;
const GSME_SECURITY_EVENT_LOG: u8 = 0x07;
/// Get Event Log: every event id, every event, from the first.
const ALL_EVENT_IDS: u16 = 0;
const ALL_EVENTS: u8 = 0;
const FIRST_EVENT: u16 = 0;

/// The log `LogToRead` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Log {
    Event,
    AlcsEvent,
    PowerEvent,
    Security,
    GsmeEvent,
    GsmeSecurity,
}

/// 6.13 Read Event Or Security Log.
pub struct ReadEventOrSecurityLog {
    log: Log,
    start: OffsetDateTime,
    end: OffsetDateTime,
}

/// The start and end of a `ReadLogPeriod`, checked in order.
pub(super) fn read_log_period(
    body: &BodyElement,
) -> Result<(OffsetDateTime, OffsetDateTime), Rejection> {
    let period = values::element(body, "ReadLogPeriod")?;
    only_children(period, &["StartDateTime", "EndDateTime"])?;
    let start = values::date_time(period, "StartDateTime")?;
    let end = values::date_time(period, "EndDateTime")?;
    if end < start {
        return Err(values::malformed("ReadLogPeriod ends before it starts"));
    }
    Ok((start, end))
}

/// The range descriptor of a DLMS log read: entries whose UTC time is within start..=end, all
/// columns.
pub(super) fn log_range(start: OffsetDateTime, end: OffsetDateTime) -> Result<Data, Rejection> {
    let restricting_object = Data::Structure(vec![
        Data::LongUnsigned(UTC_TIME_CLASS),
        Data::OctetString(UTC_TIME_OBIS.to_vec()),
        Data::Integer(UTC_TIME_ATTRIBUTE),
        Data::LongUnsigned(0),
    ]);
    Ok(Data::Structure(vec![
        restricting_object,
        Data::DoubleLongUnsigned(zigbee_utc_time(start, "StartDateTime")?),
        Data::DoubleLongUnsigned(zigbee_utc_time(end, "EndDateTime")?),
        Data::Array(Vec::new()),
    ]))
}

impl ServiceRequest for ReadEventOrSecurityLog {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        only_children(body, &["ReadLogPeriod", "LogToRead"])?;
        let (start, end) = read_log_period(body)?;
        let log = enumeration(
            body,
            "LogToRead",
            &[
                ("Event", Log::Event),
                ("ALCSEvent", Log::AlcsEvent),
                ("PowerEvent", Log::PowerEvent),
                ("Security", Log::Security),
                ("GSMEEvent", Log::GsmeEvent),
                ("GSMESecurity", Log::GsmeSecurity),
            ],
        )?;
        Ok(Self { log, start, end })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        use DeviceType::*;
        let device_type = context.device_type;
        let dlms_log = match (device_type, self.log) {
            // ECS35g replaced ECS35f: a device of the current GBCS version takes ECS35g.
            (ElectricitySmartMeter, Log::Event) => Some(("ECS35a", ESME_EVENT_LOG)),
            (ElectricitySmartMeter, Log::Security) => Some(("ECS35b", SECURITY_LOG)),
            (ElectricitySmartMeter, Log::PowerEvent) => Some(("ECS35e", POWER_EVENT_LOG)),
            (ElectricitySmartMeter, Log::AlcsEvent) => Some(("ECS35f", ALCS_EVENT_LOG)),
            (CommunicationsHubFunction, Log::Event) => Some(("ECS35c", ESME_EVENT_LOG)),
            (CommunicationsHubFunction, Log::Security) => Some(("ECS35d", SECURITY_LOG)),
            _ => None,
        };
        if let Some((id, log)) = dlms_log {
            let use_case = use_case_for_device(service, id, context)?;
            let range = log_range(self.start, self.end)?;
            return Ok(dlms_command_for(
                use_case,
                context,
                [log.get_with_selection(BUFFER, RANGE_DESCRIPTOR, range)],
            ));
        }
        let (id, log_id) = match (device_type, self.log) {
            (
                GasSmartMeter
                | GasProxyFunction
                | PrepaymentInterfaceDevice
                | HanConnectedAuxiliaryLoadControlSwitch,
                Log::Event,
            ) => ("CS10a", GENERAL_EVENT_LOG),
            (
                GasSmartMeter
                | GasProxyFunction
                | PrepaymentInterfaceDevice
                | HanConnectedAuxiliaryLoadControlSwitch,
                Log::Security,
            ) => ("CS10b", SECURITY_EVENT_LOG),
            (GasProxyFunction, Log::GsmeEvent) => ("CS10a", GSME_EVENT_LOG),
            (GasProxyFunction, Log::GsmeSecurity) => ("CS10b", GSME_SECURITY_EVENT_LOG),
            (device_type, log) => {
                return Err(Rejection::ServiceNotValidForDeviceType(format!(
                    "6.13 cannot read the {log:?} log of a {device_type}"
                )))
            }
        };
        let use_case = use_case_named(service, id, device_type)?;
        let get_event_log = ZclFields::new()
            .u8(log_id)
            .u16(ALL_EVENT_IDS)
            .u32(zigbee_utc_time(self.start, "StartDateTime")?)
            .u32(zigbee_utc_time(self.end, "EndDateTime")?)
            .u8(ALL_EVENTS)
            .u16(FIRST_EVENT);
        Ok(gbz_command_for(
            use_case,
            context,
            vec![cluster_command(
                cluster::EVENTS,
                TO_SERVER,
                GET_EVENT_LOG,
                get_event_log,
            )],
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(start: &str, end: &str, log: &str) -> BodyElement {
        BodyElement::with_children(
            "ReadEventOrSecurityLog",
            vec![
                BodyElement::with_children(
                    "ReadLogPeriod",
                    vec![
                        BodyElement::leaf("StartDateTime", start),
                        BodyElement::leaf("EndDateTime", end),
                    ],
                ),
                BodyElement::leaf("LogToRead", log),
            ],
        )
    }

    #[test]
    fn periods_run_forwards_and_logs_are_an_enumeration() {
        let backwards = ReadEventOrSecurityLog::parse(&request(
            "2015-01-01T00:00:00Z",
            "2014-12-31T00:00:00Z",
            "Event",
        ));
        assert!(matches!(backwards, Err(Rejection::Malformed(m)) if m.contains("ReadLogPeriod")));
        let unknown = ReadEventOrSecurityLog::parse(&request(
            "2014-12-31T00:00:00Z",
            "2015-01-01T00:00:00Z",
            "Billing",
        ));
        assert!(matches!(unknown, Err(Rejection::Malformed(m)) if m.contains("LogToRead")));
        let early = ReadEventOrSecurityLog::parse(&request(
            "1999-12-31T00:00:00Z",
            "2015-01-01T00:00:00Z",
            "Event",
        ))
        .unwrap();
        assert!(
            matches!(log_range(early.start, early.end), Err(Rejection::Malformed(m)) if m.contains("StartDateTime"))
        );
    }
}
