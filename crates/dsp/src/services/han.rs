//! HAN services (8.7–8.12 and 9.1): joins and unjoins, device logs, customer identification
//! number.
//!
//! Who sends the command, as RTDS shows: the requester for commands its own keys authorise
//! (critical joins and unjoins it signs, method B joins and unjoins, CS07); the ACB on the
//! requester's behalf, naming it and its RequestID counter as the supplementary remote party,
//! for commands to a CHF (CCS01–07), CINs (ECS50, GCS36), GPF log restores (GCS59) and the
//! critical joins and unjoins a non-critical request asks for (8.7.2, 8.8.2: the DCC signs
//! CS03A2, CS03C and CS04AC).

use dcc_model::{DeviceType, Eui64};
use duis::catalogue::ServiceDefinition;
use duis::BodyElement;
use gbcs::han::join::{JoinDevice, JoinMethodAndRole};
use gbcs::han::{chf_device_log, cs07, gcs59, unjoin, HanDeviceType};
use gbcs::{cin, MessageCode};

use super::credentials::only_children;
use super::{
    fields, run, use_case_with_code, CommandContext, CommandOrigin, DeviceCommand, DspKnowledge,
    NoKnowledge, ServiceRequest, Transform,
};
use crate::rejection::Rejection;

pub(super) const SERVICES: &[(&str, Transform)] = &[
    ("8.7.1", run::<JoinServiceCritical>),
    ("8.7.2", run::<JoinServiceNonCritical>),
    ("8.8.1", run::<UnjoinServiceCritical>),
    ("8.8.2", run::<UnjoinServiceNonCritical>),
    ("8.9", run::<ReadDeviceLog>),
    ("8.11", run::<UpdateHanDeviceLog>),
    ("8.12.1", run::<RestoreHanDeviceLog>),
    ("8.12.2", run::<RestoreGpfDeviceLog>),
    ("9.1", run::<RequestCustomerIdentificationNumber>),
];

/// A DUIS `EUI` child: eight hex octets joined by `-`.
fn eui(body: &BodyElement, name: &str) -> Result<Eui64, Rejection> {
    let text = fields::required(body, name)?;
    let shaped = text.len() == 23
        && text.split('-').count() == 8
        && text
            .split('-')
            .all(|octet| octet.len() == 2 && octet.chars().all(|c| c.is_ascii_hexdigit()));
    if !shaped {
        return Err(Rejection::Malformed(format!(
            "{name} {text:?} is not an EUI-64 (XX-XX-XX-XX-XX-XX-XX-XX)"
        )));
    }
    text.parse()
        .map_err(|error| Rejection::Malformed(format!("{name}: {error}")))
}

/// An `ExecutionDateTime` a DSP-held service may carry: checked, the command is immediate.
fn held_by_dsp(body: &BodyElement) -> Result<(), Rejection> {
    super::credentials::Execution::parse(body).map(|_| ())
}

/// The command from the ACB on the requester's behalf, naming it.
fn on_behalf(command: DeviceCommand) -> DeviceCommand {
    command.originated_by(CommandOrigin::access_control_broker_on_behalf())
}

/// `JoinOrUnjoinDevice`: the other device.
fn other_device(body: &BodyElement) -> Result<Eui64, Rejection> {
    only_children(body, &["OtherDeviceID"])?;
    eui(body, "OtherDeviceID")
}

/// How two devices join, from their types: method A between an ESME (which initiates) and a
/// PPMID or HCALCS; method C between a GSME and a PPMID; method B for a Type 2 device (IHD,
/// CAD), and between a GSME and its GPF.
fn join_method(target: DeviceType, other: DeviceType) -> Option<JoinMethodAndRole> {
    use DeviceType::*;
    Some(match (target, other) {
        (ElectricitySmartMeter, PrepaymentInterfaceDevice)
        | (ElectricitySmartMeter, HanConnectedAuxiliaryLoadControlSwitch) => {
            JoinMethodAndRole::METHOD_A_INITIATOR
        }
        (PrepaymentInterfaceDevice, ElectricitySmartMeter)
        | (HanConnectedAuxiliaryLoadControlSwitch, ElectricitySmartMeter) => {
            JoinMethodAndRole::METHOD_A_RESPONDER
        }
        (GasSmartMeter, PrepaymentInterfaceDevice) | (PrepaymentInterfaceDevice, GasSmartMeter) => {
            JoinMethodAndRole::METHOD_C
        }
        (_, InHomeDisplay | ConsumerAccessDevice)
        | (GasSmartMeter, GasProxyFunction)
        | (GasProxyFunction, GasSmartMeter) => JoinMethodAndRole::METHOD_B,
        _ => return None,
    })
}

/// The join command for the other device, by the method the two device types join with.
fn join_command(
    service: &ServiceDefinition,
    other: Eui64,
    critical: bool,
    context: &CommandContext,
    knowledge: &dyn DspKnowledge,
) -> Result<DeviceCommand, Rejection> {
    let other_type = knowledge.device_type(other).ok_or_else(|| {
        Rejection::UnknownDevice(format!(
            "{other} (OtherDeviceID): its type is not in the DSP's inventory"
        ))
    })?;
    let target = context.device_type;
    let method = join_method(target, other_type).ok_or_else(|| {
        Rejection::ServiceNotValidForDeviceType(format!("a {target} does not join a {other_type}"))
    })?;
    let by_method_b = method == JoinMethodAndRole::METHOD_B;
    let meter_side_of_method_a = method == JoinMethodAndRole::METHOD_A_INITIATOR;
    if (critical && by_method_b) || (!critical && meter_side_of_method_a) {
        return Err(Rejection::ServiceNotValidForDeviceType(format!(
            "{} cannot join a {other_type} to a {target}: {}",
            service.service_reference_variant,
            match critical {
                true => "method B joins are non-critical (8.7.2)",
                false => "the meter's side of a method A join is critical (8.7.1)",
            }
        )));
    }
    let certificate = match method {
        JoinMethodAndRole::METHOD_C => {
            Some(knowledge.key_agreement_certificate(other).ok_or_else(|| {
                Rejection::UnknownDevice(format!(
                    "{other} (OtherDeviceID): no key agreement certificate for a method C join"
                ))
            })?)
        }
        _ => None,
    };
    let code = method
        .message_code()
        .ok_or_else(|| Rejection::Malformed("no message code for the join method".into()))?;
    let use_case = use_case_with_code(service, code, target)?;
    let payload = JoinDevice {
        method_and_role: method,
        entity_id: other,
        device_type: HanDeviceType::from(other_type),
        certificate,
    }
    .encode();
    let command = DeviceCommand::new(use_case, context, payload);
    // A critical join the requester did not sign (8.7.2) is signed by the DCC's ACB.
    Ok(match critical || by_method_b {
        true => command,
        false => on_behalf(command),
    })
}

/// 8.7.1 Join Service (Critical): CS03A1, CS03A2 or CS03C, signed by the requester.
#[derive(Debug, Clone, Copy)]
pub struct JoinServiceCritical {
    pub other: Eui64,
}

/// 8.7.2 Join Service (Non-Critical): CS03B from the requester, or CS03A2/CS03C signed by the
/// ACB on the requester's behalf.
#[derive(Debug, Clone, Copy)]
pub struct JoinServiceNonCritical {
    pub other: Eui64,
}

/// 8.8.1 Unjoin Service (Critical): CS04AC signed by the requester.
#[derive(Debug, Clone, Copy)]
pub struct UnjoinServiceCritical {
    pub other: Eui64,
}

/// 8.8.2 Unjoin Service (Non-Critical): CS04B from the requester for a method B partner, or
/// CS04AC signed by the ACB on the requester's behalf for a method A or C partner.
#[derive(Debug, Clone, Copy)]
pub struct UnjoinServiceNonCritical {
    pub other: Eui64,
}

impl ServiceRequest for JoinServiceCritical {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        other_device(body).map(|other| Self { other })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        self.command_with(service, context, &NoKnowledge)
    }

    fn command_with(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
        knowledge: &dyn DspKnowledge,
    ) -> Result<DeviceCommand, Rejection> {
        join_command(service, self.other, true, context, knowledge)
    }
}

impl ServiceRequest for JoinServiceNonCritical {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        other_device(body).map(|other| Self { other })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        self.command_with(service, context, &NoKnowledge)
    }

    fn command_with(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
        knowledge: &dyn DspKnowledge,
    ) -> Result<DeviceCommand, Rejection> {
        join_command(service, self.other, false, context, knowledge)
    }
}

impl ServiceRequest for UnjoinServiceCritical {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        other_device(body).map(|other| Self { other })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = use_case_with_code(
            service,
            unjoin::METHOD_A_OR_C_MESSAGE_CODE,
            context.device_type,
        )?;
        let payload = unjoin::command_payload(self.other);
        Ok(DeviceCommand::new(use_case, context, payload))
    }
}

impl ServiceRequest for UnjoinServiceNonCritical {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        other_device(body).map(|other| Self { other })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        self.command_with(service, context, &NoKnowledge)
    }

    /// The partner joined by method B when the DSP knows it as such; a partner the DSP does
    /// not know is a consumer's device (CAD), joined by method B, except to a PPMID or HCALCS,
    /// which join by methods A and C only (RTDS: CS04B to a GSME, CS04AC to a PPMID, for the
    /// same unknown device).
    fn command_with(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
        knowledge: &dyn DspKnowledge,
    ) -> Result<DeviceCommand, Rejection> {
        let target = context.device_type;
        let by_method_b = match knowledge.device_type(self.other) {
            Some(other_type) => {
                join_method(target, other_type) == Some(JoinMethodAndRole::METHOD_B)
            }
            None => !matches!(
                target,
                DeviceType::PrepaymentInterfaceDevice
                    | DeviceType::HanConnectedAuxiliaryLoadControlSwitch
            ),
        };
        let code = match by_method_b {
            true => unjoin::METHOD_B_MESSAGE_CODE,
            false => unjoin::METHOD_A_OR_C_MESSAGE_CODE,
        };
        let use_case = use_case_with_code(service, code, target)?;
        let command = DeviceCommand::new(use_case, context, unjoin::command_payload(self.other));
        Ok(match by_method_b {
            true => command,
            false => on_behalf(command),
        })
    }
}

/// 8.9 Read Device Log: CS07 from the requester to a meter, GPF, PPMID or HCALCS; to a CHF,
/// CCS06 (its device log and HAN communication details) or, with `ReadSecurityDetails`,
/// CCS07 (the device log backups), sent by the ACB. A future-dated request is held by the
/// DSP: the command is the immediate one. A CHF of a GBCS version before the current use cases
/// takes CCS05/CCS04 (code 0x0004), the older form of CCS06 that DUIS 5.4 no longer maps.
#[derive(Debug, Clone, Copy)]
pub struct ReadDeviceLog {
    pub read_security_details: bool,
}

impl ServiceRequest for ReadDeviceLog {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        only_children(body, &["ExecutionDateTime", "ReadSecurityDetails"])?;
        held_by_dsp(body)?;
        let read_security_details = match body.child("ReadSecurityDetails") {
            Some(details) if !details.children.is_empty() || !details.text.is_empty() => {
                return Err(Rejection::Malformed(
                    "ReadSecurityDetails is an empty element".into(),
                ))
            }
            details => details.is_some(),
        };
        Ok(Self {
            read_security_details,
        })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        if context.device_type != DeviceType::CommunicationsHubFunction {
            if self.read_security_details {
                return Err(Rejection::ServiceNotValidForDeviceType(format!(
                    "ReadSecurityDetails reads a CHF's device log backups, not a {}'s",
                    context.device_type
                )));
            }
            let use_case = use_case_with_code(service, cs07::MESSAGE_CODE, context.device_type)?;
            return Ok(DeviceCommand::new(
                use_case,
                context,
                cs07::command_payload(),
            ));
        }
        let (code, payload) = match self.read_security_details {
            true => (
                chf_device_log::BACKUP_MESSAGE_CODE,
                chf_device_log::backup_payload(context.counter()),
            ),
            false if context.device_profile.takes_superseded_use_cases => (
                chf_device_log::LEGACY_READ_AND_CHECK_MESSAGE_CODE,
                chf_device_log::read_and_check_payload(context.counter()),
            ),
            false => (
                chf_device_log::READ_AND_CHECK_MESSAGE_CODE,
                chf_device_log::read_and_check_payload(context.counter()),
            ),
        };
        let use_case = use_case_with_code(service, code, context.device_type)?;
        Ok(on_behalf(DeviceCommand::new(use_case, context, payload)))
    }
}

/// 8.11 Update HAN Device Log: CCS01 adds a device to a CHF's device log (whitelist) with its
/// install code and join time, CCS02 removes it; sent by the ACB. The MPxNs are the DSP's
/// (registration), not the CHF's. A future-dated request is held by the DSP.
#[derive(Debug, Clone)]
pub struct UpdateHanDeviceLog {
    pub device: Eui64,
    /// `Some((join time in seconds, install code))` to add, `None` to remove.
    pub add: Option<(u16, Vec<u8>)>,
}

/// `JoinTimePeriod`: 1 to 3600 seconds.
const MAXIMUM_JOIN_TIME_PERIOD: u16 = 3600;
/// `InstallCode`: 6 to 16 octets.
const INSTALL_CODE_LENGTHS: std::ops::RangeInclusive<usize> = 6..=16;
/// `ImportMPxN` (1–13 characters) and the MPANs (13).
const MAXIMUM_MPXN_LENGTH: usize = 13;

impl ServiceRequest for UpdateHanDeviceLog {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        only_children(
            body,
            &[
                "ExecutionDateTime",
                "DeviceID",
                "RequestType",
                "AddDeviceToCHFWhitelist",
            ],
        )?;
        held_by_dsp(body)?;
        let device = eui(body, "DeviceID")?;
        let whitelist = body.child("AddDeviceToCHFWhitelist");
        let add = match (fields::required(body, "RequestType")?, whitelist) {
            ("Add", Some(whitelist)) => Some(parse_whitelist(whitelist)?),
            ("Add", None) => {
                return Err(Rejection::Malformed(
                    "RequestType Add without AddDeviceToCHFWhitelist".into(),
                ))
            }
            ("Remove", None) => None,
            ("Remove", Some(_)) => {
                return Err(Rejection::Malformed(
                    "RequestType Remove takes no AddDeviceToCHFWhitelist".into(),
                ))
            }
            (other, _) => {
                return Err(Rejection::Malformed(format!(
                    "RequestType must be Add or Remove, not {other:?}"
                )))
            }
        };
        Ok(Self { device, add })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let (code, payload): (MessageCode, Vec<u8>) = match &self.add {
            Some((join_time, install_code)) => (
                chf_device_log::ADD_MESSAGE_CODE,
                chf_device_log::add_device_payload(
                    context.counter(),
                    self.device,
                    install_code,
                    *join_time,
                ),
            ),
            None => (
                chf_device_log::REMOVE_MESSAGE_CODE,
                chf_device_log::remove_device_payload(context.counter(), self.device),
            ),
        };
        let use_case = use_case_with_code(service, code, context.device_type)?;
        Ok(on_behalf(DeviceCommand::new(use_case, context, payload)))
    }
}

/// `AddDeviceToCHFWhitelist`: (join time, install code); the MPxNs are checked for shape.
fn parse_whitelist(whitelist: &BodyElement) -> Result<(u16, Vec<u8>), Rejection> {
    only_children(
        whitelist,
        &[
            "JoinTimePeriod",
            "InstallCode",
            "ImportMPxN",
            "SecondaryImportMPAN",
            "ExportMPAN",
        ],
    )?;
    let join_time: u16 = fields::number(whitelist, "JoinTimePeriod")?;
    if !(1..=MAXIMUM_JOIN_TIME_PERIOD).contains(&join_time) {
        return Err(Rejection::Malformed(format!(
            "JoinTimePeriod {join_time} is not 1 to {MAXIMUM_JOIN_TIME_PERIOD} seconds"
        )));
    }
    let text = fields::required(whitelist, "InstallCode")?;
    let install_code = hex_binary(text).ok_or_else(|| {
        Rejection::Malformed(format!("InstallCode {text:?} is not hexadecimal octets"))
    })?;
    if !INSTALL_CODE_LENGTHS.contains(&install_code.len()) {
        return Err(Rejection::Malformed(format!(
            "InstallCode holds {} octets (6 to 16)",
            install_code.len()
        )));
    }
    for (name, exact) in [
        ("ImportMPxN", false),
        ("SecondaryImportMPAN", true),
        ("ExportMPAN", true),
    ] {
        let Some(mpxn) = whitelist
            .child(name)
            .map(|child| child.text.chars().count())
        else {
            continue;
        };
        let fits = match exact {
            true => mpxn == MAXIMUM_MPXN_LENGTH,
            false => (1..=MAXIMUM_MPXN_LENGTH).contains(&mpxn),
        };
        if !fits {
            return Err(Rejection::Malformed(format!(
                "{name} holds {mpxn} characters"
            )));
        }
    }
    Ok((join_time, install_code))
}

/// `xs:hexBinary` octets.
fn hex_binary(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(text.get(at..at + 2)?, 16).ok())
        .collect()
}

/// 8.12.1 Restore HAN Device Log: CCS03 gives the new CHF the device log the DSP kept from
/// the old CHF's backup (CCS07); sent by the ACB.
#[derive(Debug, Clone, Copy)]
pub struct RestoreHanDeviceLog {
    pub old_chf: Eui64,
}

impl ServiceRequest for RestoreHanDeviceLog {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        only_children(body, &["OldCHFID"])?;
        eui(body, "OldCHFID").map(|old_chf| Self { old_chf })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        self.command_with(service, context, &NoKnowledge)
    }

    fn command_with(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
        knowledge: &dyn DspKnowledge,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = use_case_with_code(
            service,
            chf_device_log::RESTORE_MESSAGE_CODE,
            context.device_type,
        )?;
        let backup = knowledge
            .chf_device_log_backup(self.old_chf)
            .ok_or_else(|| {
                Rejection::UnknownDevice(format!(
                    "{} (OldCHFID): the DSP holds no device log backup of it",
                    self.old_chf
                ))
            })?;
        let payload = chf_device_log::restore_payload(context.counter(), &backup);
        Ok(on_behalf(DeviceCommand::new(use_case, context, payload)))
    }
}

/// 8.12.2 Restore GPF Device Log: GCS59 gives the new GPF the device log the DSP kept from
/// the old GPF's backup alerts (GCS62); sent by the ACB.
#[derive(Debug, Clone, Copy)]
pub struct RestoreGpfDeviceLog {
    pub old_gpf: Eui64,
}

impl ServiceRequest for RestoreGpfDeviceLog {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        only_children(body, &["OldGPFID"])?;
        eui(body, "OldGPFID").map(|old_gpf| Self { old_gpf })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        self.command_with(service, context, &NoKnowledge)
    }

    fn command_with(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
        knowledge: &dyn DspKnowledge,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = use_case_with_code(service, gcs59::MESSAGE_CODE, context.device_type)?;
        let entries = knowledge
            .gpf_device_log_backup(self.old_gpf)
            .ok_or_else(|| {
                Rejection::UnknownDevice(format!(
                    "{} (OldGPFID): the DSP holds no device log backup of it",
                    self.old_gpf
                ))
            })?;
        let payload = gcs59::command_payload(&entries);
        Ok(on_behalf(DeviceCommand::new(use_case, context, payload)))
    }
}

/// The Issuer Event ID of the GBZ commands the DCC builds: every RTDS GBZ command carries
/// 2015-01-01T00:00:00Z as ZigBee UTCTime (seconds since 2000-01-01), whatever its date.
pub const ISSUER_EVENT_ID: u32 = 0x1C37_4A80;

/// 9.1 Request Customer Identification Number: the DCC issues a CIN and sends it to the
/// meter (ECS50 to an ESME, GCS36 to a GSME), from the ACB; it takes effect at once.
#[derive(Debug, Clone, Copy)]
pub struct RequestCustomerIdentificationNumber;

impl ServiceRequest for RequestCustomerIdentificationNumber {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        only_children(body, &[]).map(|_| Self)
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        self.command_with(service, context, &NoKnowledge)
    }

    fn command_with(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
        knowledge: &dyn DspKnowledge,
    ) -> Result<DeviceCommand, Rejection> {
        let number = knowledge.customer_identification_number(context);
        let (code, payload) = match context.device_type {
            DeviceType::GasSmartMeter => (
                cin::GSME_MESSAGE_CODE,
                cin::gsme_command_payload(&cin::UpdateCin {
                    issuer_event_id: ISSUER_EVENT_ID,
                    implementation_time: 0,
                    provider_id: 0,
                    cin: number,
                }),
            ),
            _ => (
                cin::ESME_MESSAGE_CODE,
                cin::esme_command_payload(context.counter(), number),
            ),
        };
        let use_case = use_case_with_code(service, code, context.device_type)?;
        Ok(on_behalf(DeviceCommand::new(use_case, context, payload)))
    }
}

#[cfg(test)]
mod tests {
    use dcc_model::{CommandVariant, RequestId, DCC_ACCESS_CONTROL_BROKER};

    use super::*;
    use crate::services::credentials::tests::{leaf, malformed, node};

    const SUPPLIER: Eui64 = Eui64::from_u64(0x90B3_D51F_3001_0000);
    const TARGET: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A4);
    const OTHER: Eui64 = Eui64::from_u64(0x00DB_1234_5678_9093);

    fn context(device_type: DeviceType) -> CommandContext {
        CommandContext {
            request_id: RequestId::new(SUPPLIER, TARGET, 1000),
            command_variant: CommandVariant::SendOverWan,
            device_type,
            now: time::OffsetDateTime::UNIX_EPOCH,
            device_profile: Default::default(),
            requester_role: None,
        }
    }

    /// A DSP that knows the other device's type (and a certificate for method C).
    struct Knows(DeviceType);

    impl DspKnowledge for Knows {
        fn device_type(&self, _device: Eui64) -> Option<DeviceType> {
            Some(self.0)
        }

        fn key_agreement_certificate(&self, _device: Eui64) -> Option<Vec<u8>> {
            Some(vec![0x30, 0x00])
        }

        fn dcc_counter(
            &self,
            _originator: Eui64,
            _context: &CommandContext,
        ) -> Result<u64, Rejection> {
            Ok(1300)
        }
    }

    fn join(
        variant: &str,
        target: DeviceType,
        other: DeviceType,
    ) -> Result<DeviceCommand, Rejection> {
        let service = duis::catalogue::lookup(variant).unwrap();
        let context = context(target);
        let request = crate::services::tests::request(
            service,
            context.request_id,
            vec![leaf("OtherDeviceID", "00-DB-12-34-56-78-90-93")],
        );
        crate::services::transform_with(service, &request, &context, &Knows(other))
    }

    #[test]
    fn device_ids_must_have_the_duis_shape() {
        malformed(
            JoinServiceCritical::parse(&node(
                "JoinServiceCritical",
                vec![leaf("OtherDeviceID", "00DB1234567890A0")],
            )),
            "is not an EUI-64",
        );
        malformed(
            UnjoinServiceCritical::parse(&node("UnjoinServiceCritical", vec![])),
            "without OtherDeviceID",
        );
    }

    #[test]
    fn joins_go_by_the_method_of_the_two_device_types() {
        use DeviceType::*;
        let command = join("8.7.2", PrepaymentInterfaceDevice, ElectricitySmartMeter).unwrap();
        assert_eq!(
            command.use_case.message_code,
            gbcs::han::join::METHOD_A_NON_METER_MESSAGE_CODE
        );
        assert_eq!(command.apdu.header.originator, DCC_ACCESS_CONTROL_BROKER);
        assert_eq!(command.apdu.header.transaction.counter, 1300);
        let information = &command.apdu.header.other_information;
        assert_eq!(information.supplementary_remote_party_id, Some(SUPPLIER));
        assert_eq!(information.supplementary_remote_party_counter, Some(1000));

        let command = join("8.7.1", PrepaymentInterfaceDevice, ElectricitySmartMeter).unwrap();
        assert_eq!(command.apdu.header.originator, SUPPLIER);

        let command = join("8.7.2", ElectricitySmartMeter, ConsumerAccessDevice).unwrap();
        assert_eq!(
            command.use_case.message_code,
            gbcs::han::join::METHOD_B_MESSAGE_CODE
        );
        assert_eq!(command.apdu.header.originator, SUPPLIER);
        let payload = JoinDevice::decode(&command.apdu.payload).unwrap();
        assert_eq!(payload.device_type, HanDeviceType::TYPE_2);
        assert_eq!(payload.entity_id, OTHER);

        let command = join("8.7.1", GasSmartMeter, PrepaymentInterfaceDevice).unwrap();
        let payload = JoinDevice::decode(&command.apdu.payload).unwrap();
        assert_eq!(payload.method_and_role, JoinMethodAndRole::METHOD_C);
        assert_eq!(payload.certificate, Some(vec![0x30, 0x00]));

        for (variant, target, other) in [
            ("8.7.1", ElectricitySmartMeter, InHomeDisplay),
            ("8.7.2", ElectricitySmartMeter, PrepaymentInterfaceDevice),
            ("8.7.1", ElectricitySmartMeter, GasProxyFunction),
        ] {
            assert!(
                matches!(
                    join(variant, target, other),
                    Err(Rejection::ServiceNotValidForDeviceType(_))
                ),
                "{variant} {target} {other}"
            );
        }
    }

    #[test]
    fn joins_need_the_other_device_from_the_inventory() {
        let service = duis::catalogue::lookup("8.7.1").unwrap();
        let body = node(
            "JoinServiceCritical",
            vec![leaf("OtherDeviceID", "00-DB-12-34-56-78-90-93")],
        );
        let request = JoinServiceCritical::parse(&body).unwrap();
        assert!(matches!(
            request.command(service, &context(DeviceType::ElectricitySmartMeter)),
            Err(Rejection::UnknownDevice(_))
        ));
    }

    #[test]
    fn non_critical_unjoins_go_by_method() {
        let service = duis::catalogue::lookup("8.8.2").unwrap();
        let body = node(
            "UnjoinServiceNonCritical",
            vec![leaf("OtherDeviceID", "01-02-03-04-05-06-07-08")],
        );
        let request = UnjoinServiceNonCritical::parse(&body).unwrap();
        let gas = request
            .command(service, &context(DeviceType::GasSmartMeter))
            .unwrap();
        assert_eq!(gas.use_case.message_code, unjoin::METHOD_B_MESSAGE_CODE);
        assert_eq!(gas.apdu.header.originator, SUPPLIER);
        let ppmid = request
            .command_with(
                service,
                &context(DeviceType::PrepaymentInterfaceDevice),
                &Knows(DeviceType::GasSmartMeter),
            )
            .unwrap();
        assert_eq!(
            ppmid.use_case.message_code,
            unjoin::METHOD_A_OR_C_MESSAGE_CODE
        );
        assert_eq!(
            ppmid.origin,
            CommandOrigin::access_control_broker_on_behalf()
        );
    }

    #[test]
    fn device_log_reads_go_by_device_type() {
        let service = duis::catalogue::lookup("8.9").unwrap();
        let security = node("ReadDeviceLog", vec![node("ReadSecurityDetails", vec![])]);
        let request = ReadDeviceLog::parse(&security).unwrap();
        let chf = request
            .command(service, &context(DeviceType::CommunicationsHubFunction))
            .unwrap();
        assert_eq!(
            chf.use_case.message_code,
            chf_device_log::BACKUP_MESSAGE_CODE
        );
        assert!(matches!(
            request.command(service, &context(DeviceType::ElectricitySmartMeter)),
            Err(Rejection::ServiceNotValidForDeviceType(_))
        ));
        malformed(
            ReadDeviceLog::parse(&node(
                "ReadDeviceLog",
                vec![leaf("ReadSecurityDetails", "yes")],
            )),
            "an empty element",
        );
        malformed(
            ReadDeviceLog::parse(&node("ReadDeviceLog", vec![leaf("Other", "")])),
            "takes no Other",
        );
        let plain = ReadDeviceLog::parse(&node("ReadDeviceLog", vec![])).unwrap();
        let gsme = plain
            .command(service, &context(DeviceType::GasSmartMeter))
            .unwrap();
        assert_eq!(gsme.use_case.message_code, cs07::MESSAGE_CODE);
    }

    #[test]
    fn han_device_log_updates_are_checked() {
        let update = |request_type: &str, whitelist: Option<Vec<BodyElement>>| {
            let mut children = vec![
                leaf("DeviceID", "00-DB-12-34-56-78-90-A0"),
                leaf("RequestType", request_type),
            ];
            children.extend(whitelist.map(|fields| node("AddDeviceToCHFWhitelist", fields)));
            UpdateHanDeviceLog::parse(&node("UpdateHANDeviceLog", children))
        };
        let whitelist = |time: &str, code: &str, export: Option<&str>| {
            let mut fields = vec![leaf("JoinTimePeriod", time), leaf("InstallCode", code)];
            fields.extend(export.map(|mpan| leaf("ExportMPAN", mpan)));
            Some(fields)
        };
        let code = "30313233343536373839414243444546";
        assert!(update("Add", whitelist("90", code, Some("1312345678222"))).is_ok());
        malformed(update("Add", None), "without AddDeviceToCHFWhitelist");
        malformed(
            update("Remove", whitelist("90", code, None)),
            "takes no AddDeviceToCHFWhitelist",
        );
        malformed(update("Replace", None), "Add or Remove");
        malformed(update("Add", whitelist("3601", code, None)), "1 to 3600");
        malformed(
            update("Add", whitelist("90", "303", None)),
            "not hexadecimal",
        );
        malformed(
            update("Add", whitelist("90", "3031323334", None)),
            "holds 5 octets",
        );
        malformed(
            update("Add", whitelist("90", code, Some("131234567822"))),
            "ExportMPAN holds 12",
        );
    }

    #[test]
    fn restores_need_the_dsp_s_backup() {
        let service = duis::catalogue::lookup("8.12.1").unwrap();
        let request = RestoreHanDeviceLog::parse(&node(
            "RestoreHANDeviceLog",
            vec![leaf("OldCHFID", "00-DB-12-34-56-78-90-95")],
        ))
        .unwrap();
        assert!(matches!(
            request.command(service, &context(DeviceType::CommunicationsHubFunction)),
            Err(Rejection::UnknownDevice(_))
        ));
    }

    #[test]
    fn cins_go_to_both_meters_and_no_other_device() {
        let service = duis::catalogue::lookup("9.1").unwrap();
        let request = RequestCustomerIdentificationNumber::parse(&node(
            "RequestCustomerIdentificationNumber",
            vec![],
        ))
        .unwrap();
        let esme = request
            .command(service, &context(DeviceType::ElectricitySmartMeter))
            .unwrap();
        let cin = cin::decode_esme_command(&esme.apdu.payload).unwrap();
        assert!(cin.digits().iter().all(u8::is_ascii_digit));
        let gsme = request
            .command(service, &context(DeviceType::GasSmartMeter))
            .unwrap();
        assert_eq!(
            cin::decode_gsme_command(&gsme.apdu.payload).map(|update| update.cin),
            Some(cin)
        );
        assert!(matches!(
            request.command(service, &context(DeviceType::CommunicationsHubFunction)),
            Err(Rejection::ServiceNotValidForDeviceType(_))
        ));
        malformed(
            RequestCustomerIdentificationNumber::parse(&node(
                "RequestCustomerIdentificationNumber",
                vec![leaf("ExecutionDateTime", "2030-01-01T00:00:00Z")],
            )),
            "takes no ExecutionDateTime",
        );
    }
}
