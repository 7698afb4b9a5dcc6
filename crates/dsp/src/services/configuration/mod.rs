//! Configuration services (3.x, 6.x except security credentials, 8.1.1): messages, supplier
//! name, PIN, event logs, device configuration reads and updates, clock, alert behaviours,
//! MPxN, auxiliary load control, maximum demand, sub-GHz.
//!
//! One submodule per group of related services; each service's typed request parses its whole
//! body as the DUIS 5.4 schema defines it and builds the command of the use case GBCS has for
//! the target's device type (and, where a service has several, the one its body chooses).

mod alert_behaviour;
mod auxiliary_control;
mod billing_calendar;
mod clock;
mod device_reads;
mod electricity_settings;
mod event_logs;
mod gas_settings;
mod maximum_demand;
mod messages;
mod mpxn;
mod schedule;
mod sub_ghz;
mod values;
mod voltage;
mod zigbee;

use dcc_model::DeviceType;
use duis::catalogue::ServiceDefinition;
use gbcs::catalogue::{MessageCodeEntry, PayloadKind};
use gbcs::gbz::GbzComponent;

use super::dlms_command::{access_request, Request};
use super::{
    not_for_device_type, run, use_case_for, CommandContext, CommandOrigin, DeviceCommand, Transform,
};
use crate::rejection::Rejection;

pub(super) const SERVICES: &[(&str, Transform)] = &[
    ("3.1", run::<messages::DisplayMessage>),
    ("3.2", run::<messages::RestrictAccessForChangeOfTenancy>),
    ("3.3", run::<messages::ClearEventLog>),
    ("3.4", run::<messages::UpdateSupplierName>),
    ("3.5", run::<messages::DisablePrivacyPin>),
    ("6.2.1", run::<device_reads::ReadDeviceConfiguration>),
    ("6.2.2", run::<device_reads::ReadDeviceConfiguration>),
    ("6.2.3", run::<device_reads::ReadDeviceConfiguration>),
    ("6.2.4", run::<device_reads::ReadDeviceConfiguration>),
    ("6.2.5", run::<device_reads::ReadDeviceConfiguration>),
    ("6.2.7", run::<device_reads::ReadDeviceConfiguration>),
    ("6.2.8", run::<device_reads::ReadDeviceConfiguration>),
    ("6.2.9", run::<device_reads::ReadDeviceConfiguration>),
    ("6.2.10", run::<device_reads::ReadDeviceConfiguration>),
    (
        "6.4.1",
        run::<electricity_settings::UpdateLoadLimitingGeneralSettings>,
    ),
    (
        "6.4.2",
        run::<electricity_settings::ResetLoadLimitingCounter>,
    ),
    ("6.5", run::<voltage::UpdateVoltageConfiguration>),
    ("6.6", run::<gas_settings::UpdateGasConversion>),
    ("6.7", run::<gas_settings::UpdateGasFlow>),
    ("6.8", run::<billing_calendar::UpdateBillingCalendar>),
    ("6.11", run::<clock::SynchroniseClock>),
    (
        "6.12",
        run::<electricity_settings::UpdateInstantaneousPowerThresholds>,
    ),
    ("6.13", run::<event_logs::ReadEventOrSecurityLog>),
    ("6.14.1", run::<auxiliary_control::UpdateSwitchDescriptions>),
    (
        "6.14.2",
        run::<auxiliary_control::UpdateLoadControlScheduler>,
    ),
    (
        "6.14.3",
        run::<auxiliary_control::UpdateAuxiliaryControllerScheduler>,
    ),
    ("6.18.1", run::<maximum_demand::SetConfigurableTimePeriod>),
    ("6.18.2", run::<maximum_demand::ResetRegisters>),
    ("6.20.1", run::<mpxn::SetImportMpxn>),
    ("6.20.2", run::<mpxn::SetExportMpan>),
    ("6.22", run::<alert_behaviour::ConfigureAlertBehaviour>),
    ("6.25", run::<electricity_settings::SetSupplyTamperState>),
    (
        "6.26",
        run::<electricity_settings::UpdateDailyBlockCounterReset>,
    ),
    ("6.27", run::<voltage::ResetRmsVoltageCounters>),
    ("6.28", run::<sub_ghz::SetSubGhzConfiguration>),
    ("6.29", run::<sub_ghz::SubGhzRequest>),
    ("6.30", run::<sub_ghz::SubGhzRequest>),
    ("6.31", run::<sub_ghz::SubGhzRequest>),
    ("6.32", run::<sub_ghz::ReadSubGhzChannelLog>),
    ("8.1.1", run::<clock::SynchroniseClock>),
];

/// Whether GBCS has the Access Control Broker originate the use case for the requester: every
/// command to a CHF (whose remote parties are DCC's, not users) and ECS39b (the export supplier
/// is no remote party of the ESME).
fn originated_by_access_control_broker(
    use_case: &MessageCodeEntry,
    context: &CommandContext,
) -> bool {
    context.device_type == DeviceType::CommunicationsHubFunction
        || use_case.use_case_id() == Some("ECS39b")
}

/// The command of a DLMS use case: the requests in one access-request, from the requester or,
/// where GBCS has it, from the ACB on the requester's behalf.
fn dlms_command_for(
    use_case: &'static MessageCodeEntry,
    context: &CommandContext,
    requests: impl IntoIterator<Item = Request>,
) -> DeviceCommand {
    let command = DeviceCommand::new(
        use_case,
        context,
        access_request(context.counter(), requests),
    );
    match originated_by_access_control_broker(use_case, context) {
        true => command.originated_by(CommandOrigin::access_control_broker_on_behalf()),
        false => command,
    }
}

/// The command of a service with one DLMS use case for the target's device type.
fn dlms_command(
    service: &ServiceDefinition,
    context: &CommandContext,
    requests: impl IntoIterator<Item = Request>,
) -> Result<DeviceCommand, Rejection> {
    let use_case = use_case_for(service, context.device_type)?;
    Ok(dlms_command_for(use_case, context, requests))
}

/// The command of a service with a DLMS use case for electricity meters and a GBZ one for gas:
/// the payload the use case of the target's device type takes.
fn meter_command(
    service: &ServiceDefinition,
    context: &CommandContext,
    dlms: impl FnOnce() -> Vec<Request>,
    gbz: impl FnOnce() -> Result<Vec<GbzComponent>, Rejection>,
) -> Result<DeviceCommand, Rejection> {
    let use_case = use_case_for(service, context.device_type)?;
    match use_case.payload {
        PayloadKind::Dlms => Ok(dlms_command_for(use_case, context, dlms())),
        PayloadKind::Gbz => Ok(gbz_command_for(use_case, context, gbz()?)),
        _ => Err(not_for_device_type(service, context.device_type)),
    }
}

/// The command of a GBZ use case: the components in one GBZ payload, from the requester.
fn gbz_command_for(
    use_case: &'static MessageCodeEntry,
    context: &CommandContext,
    components: Vec<GbzComponent>,
) -> DeviceCommand {
    DeviceCommand::new(use_case, context, zigbee::gbz(components))
}

#[cfg(test)]
mod tests {
    use dcc_model::{CommandVariant, DeviceType, Eui64, RequestId};
    use duis::BodyElement;

    use super::*;

    const SUPPLIER: Eui64 = Eui64::from_u64(0x90B3_D51F_3001_0000);

    fn command(
        variant: &str,
        body: BodyElement,
        device_type: DeviceType,
    ) -> Result<DeviceCommand, Rejection> {
        let service = duis::catalogue::lookup(variant).expect("a DUIS service");
        let context = CommandContext {
            request_id: RequestId::new(SUPPLIER, Eui64::from_u64(0x00DB_1234_5678_90A0), 1000),
            command_variant: CommandVariant::from_number(1).expect("command variant 1"),
            device_type,
            now: time::macros::datetime!(2015-01-01 00:00 UTC),
            device_profile: Default::default(),
            requester_role: None,
        };
        let transform = crate::services::transformation(variant).expect("registered");
        transform(service, &body, &context, &crate::services::NoKnowledge)
    }

    fn use_case_of(command: Result<DeviceCommand, Rejection>) -> Option<&'static str> {
        command.expect("a command").use_case.use_case_id()
    }

    #[test]
    fn every_configuration_service_is_registered() {
        for service in duis::catalogue::SERVICES {
            let variant = service.service_reference_variant;
            let credentials = [
                "6.15.1", "6.15.2", "6.17", "6.21", "6.23", "6.24.1", "6.24.2",
            ];
            let mine = variant.starts_with("3.")
                || (variant.starts_with("6.") && !credentials.contains(&variant))
                || variant == "8.1.1";
            if mine {
                assert!(
                    SERVICES
                        .iter()
                        .any(|(registered, _)| *registered == variant),
                    "{variant} has no transformation"
                );
            }
        }
    }

    #[test]
    fn clock_commands_go_to_meters_only() {
        let body = BodyElement::with_children(
            "SynchroniseClock",
            vec![
                BodyElement::leaf("CurrentDateTime", "2014-12-31T23:59:10Z"),
                BodyElement::leaf("TolerancePeriod", "60"),
            ],
        );
        assert_eq!(
            use_case_of(command(
                "6.11",
                body.clone(),
                DeviceType::ElectricitySmartMeter
            )),
            Some("ECS70")
        );
        assert_eq!(
            use_case_of(command("8.1.1", body.clone(), DeviceType::GasSmartMeter)),
            Some("GCS28")
        );
        let to_chf = command("6.11", body, DeviceType::CommunicationsHubFunction);
        assert!(
            matches!(to_chf, Err(Rejection::ServiceNotValidForDeviceType(_))),
            "{to_chf:?}"
        );
    }

    #[test]
    fn chf_commands_come_from_the_access_control_broker() {
        let body = BodyElement::with_children("ReadCHFSubGHzChannel", vec![]);
        let read = command("6.31", body, DeviceType::CommunicationsHubFunction).unwrap();
        assert_eq!(
            read.origin,
            CommandOrigin::access_control_broker_on_behalf()
        );
    }

    #[test]
    fn bodies_choose_the_use_case() {
        let clear = |log: Option<&str>| {
            BodyElement::with_children(
                "ClearEventLog",
                log.map(|log| BodyElement::leaf("ESMEEventLogType", log))
                    .into_iter()
                    .collect(),
            )
        };
        let esme = DeviceType::ElectricitySmartMeter;
        assert_eq!(
            use_case_of(command("3.3", clear(None), esme)),
            Some("ECS15a")
        );
        assert_eq!(
            use_case_of(command("3.3", clear(Some("ALCS")), esme)),
            Some("ECS15c")
        );
        assert_eq!(
            use_case_of(command("3.3", clear(None), DeviceType::GasProxyFunction)),
            Some("CS11")
        );
        assert!(matches!(
            command("3.3", clear(Some("ESME")), DeviceType::GasSmartMeter),
            Err(Rejection::Malformed(m)) if m.contains("ESMEEventLogType")
        ));
        let gas_calendar = |periodicity: &str| {
            BodyElement::with_children(
                "UpdateDeviceConfigurationBillingCalendar",
                vec![BodyElement::with_children(
                    "GasBillingCalendar",
                    vec![
                        BodyElement::leaf("BillingPeriodStart", "2015-02-01T00:00:00Z"),
                        BodyElement::leaf("Periodicity", periodicity),
                    ],
                )],
            )
        };
        let gsme = DeviceType::GasSmartMeter;
        assert_eq!(
            use_case_of(command("6.8", gas_calendar("Monthly"), gsme)),
            Some("GCS25")
        );
        assert_eq!(
            use_case_of(command("6.8", gas_calendar("Yearly"), gsme)),
            Some("GCS25a")
        );
        assert!(matches!(
            command("6.8", gas_calendar("Monthly"), esme),
            Err(Rejection::ServiceNotValidForDeviceType(_))
        ));
    }
}
