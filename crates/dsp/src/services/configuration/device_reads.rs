//! 6.2.x Read Device Configuration: voltage (6.2.1), randomisation (6.2.2), billing calendar
//! (6.2.3), identity (6.2.4), instantaneous power thresholds (6.2.5), MPxN (6.2.7), gas (6.2.8),
//! payment mode (6.2.9) and event and alert behaviours (6.2.10). The bodies carry nothing: each
//! use case reads a fixed set of objects or attributes.
//!
//! Where GBCS has several use cases of one service for a device type and the body cannot tell
//! them apart (6.2.1 ECS26b single phase / ECS26k polyphase; 6.2.3 ECS26d / ECS26l and GCS21d /
//! GCS21k, billing calendars of later GBCS versions; 6.2.4 ECS26e / ECS26m, ECS26i / ECS26n,
//! GCS21e / GCS21m, identities of later GBCS versions; 6.2.10 ECS25r1 supplier / ECS25r2
//! network operator), the DCC chooses by the device's GBCS version and ESME variant (the
//! command context's device profile) or by the requester's role (the command context's, when
//! access control found it; else the first use case the service table lists).

use duis::catalogue::ServiceDefinition;
use duis::BodyElement;
use gbcs::catalogue::{self as use_cases, MessageCodeEntry};
use gbcs::gbz::{read_attributes, GbzComponent};

use super::alert_behaviour::{
    NETWORK_OPERATOR_ALERT_SETTINGS, NETWORK_OPERATOR_LOGGING_SETTINGS, SUPPLIER_ALARM_SETTINGS,
    SUPPLIER_ALERT_SETTINGS, SUPPLIER_HAN_SETTINGS, SUPPLIER_LOGGING_SETTINGS,
};
use super::values::only_children;
use super::zigbee::{cluster, cluster_command, ZclFields, PUBLISHED};
use super::{dlms_command_for, gbz_command_for};
use crate::rejection::Rejection;
use crate::services::dlms_command::{class, CosemObject, Request, VALUE};
use crate::services::{
    not_for_device_type, use_case_for_device, use_case_named, CommandContext, DeviceCommand,
    ServiceRequest,
};
use dcc_model::UserRole;

/// The limiters of the four RMS voltage extremes (over, under, sag, swell): attribute 4 is
/// the threshold, 6 the minimum duration over it.
pub(super) const RMS_VOLTAGE_LIMITERS: [CosemObject; 4] = [
    CosemObject::new(class::LIMITER, [0, 0, 17, 0, 1, 255]),
    CosemObject::new(class::LIMITER, [0, 0, 17, 0, 2, 255]),
    CosemObject::new(class::LIMITER, [0, 0, 17, 0, 3, 255]),
    CosemObject::new(class::LIMITER, [0, 0, 17, 0, 4, 255]),
];
pub(super) const THRESHOLD: u8 = 4;
pub(super) const MINIMUM_DURATION: u8 = 6;
/// The average RMS over and under voltage thresholds of phase 1, 2, 3 (OBIS C = 32, 52, 72).
pub(super) fn average_rms_over_voltage_threshold(phase: u8) -> CosemObject {
    CosemObject::new(class::DATA, [1, 0, phase_c(phase), 35, 0, 4])
}
pub(super) fn average_rms_under_voltage_threshold(phase: u8) -> CosemObject {
    CosemObject::new(class::DATA, [1, 0, phase_c(phase), 31, 0, 4])
}
/// OBIS value group C of a phase's voltage: 32, 52, 72.
pub(super) fn phase_c(phase: u8) -> u8 {
    12 + 20 * phase
}

/// Randomisation: offset, scale factor, randomised offset limit.
const RANDOMISATION: [CosemObject; 3] = [
    CosemObject::new(class::DATA, [0, 0, 94, 44, 0, 0]),
    CosemObject::new(class::DATA, [0, 0, 94, 44, 0, 2]),
    CosemObject::new(class::DATA, [0, 0, 94, 44, 0, 1]),
];
/// The billing calendar (Single Action Schedule): attribute 4 is its execution times.
pub(super) const BILLING_CALENDAR: CosemObject =
    CosemObject::new(class::SINGLE_ACTION_SCHEDULE, [0, 0, 15, 0, 0, 255]);
pub(super) const EXECUTION_TIME: u8 = 4;
/// Device identity: device id, manufacturer, model, firmware of the ESME or CHF (96.1.1, .2,
/// .4, .6) and the supply tamper state.
const DEVICE_ID: CosemObject = CosemObject::new(class::DATA, [0, 0, 96, 1, 1, 255]);
const DEVICE_ID_2: CosemObject = CosemObject::new(class::DATA, [0, 0, 96, 1, 2, 255]);
const MANUFACTURER: CosemObject = CosemObject::new(class::DATA, [0, 0, 96, 1, 4, 255]);
const MODEL: CosemObject = CosemObject::new(class::DATA, [0, 0, 96, 1, 6, 255]);
pub(super) const SUPPLY_TAMPER_STATE: CosemObject =
    CosemObject::new(class::DATA, [0, 0, 94, 44, 0, 4]);
/// The instantaneous power thresholds (low-medium, medium-high): the Register Monitor
/// 0-0:16.0.0.255 on the active power import, attribute 2 its thresholds (RTDS's ECS26f and
/// ECS34).
pub(super) const INSTANTANEOUS_POWER_THRESHOLDS: CosemObject =
    CosemObject::new(class::REGISTER_MONITOR, [0, 0, 16, 0, 0, 255]);
pub(super) const THRESHOLDS: u8 = 2;
/// The import MPAN(s) and the export MPAN.
pub(super) const IMPORT_MPAN: CosemObject = CosemObject::new(class::DATA, [0, 0, 94, 44, 34, 11]);
pub(super) const EXPORT_MPAN: CosemObject = CosemObject::new(class::DATA, [1, 0, 0, 0, 2, 255]);
/// The ESME's account: attribute 2 is its mode and status (credit or prepayment).
const ACCOUNT: CosemObject = CosemObject::new(class::ACCOUNT, [0, 0, 19, 0, 0, 255]);
const ACCOUNT_MODE_AND_STATUS: u8 = 2;

/// ZCL attributes the GBZ reads ask for.
mod attribute {
    pub const HW_VERSION: u16 = 0x0003;
    pub const MANUFACTURER_NAME: u16 = 0x0004;
    pub const MODEL_IDENTIFIER: u16 = 0x0005;
    pub const CONVERSION_FACTOR: u16 = 0x0302;
    pub const CONVERSION_FACTOR_TRAILING_DIGIT: u16 = 0x0303;
    pub const CALORIFIC_VALUE: u16 = 0x0304;
    pub const CALORIFIC_VALUE_UNIT: u16 = 0x0305;
    pub const CALORIFIC_VALUE_TRAILING_DIGIT: u16 = 0x0306;
    pub const SITE_ID: u16 = 0x0307;
    pub const SUPPLY_TAMPER_STATE: u16 = 0x0607;
    pub const SUPPLY_DEPLETION_STATE: u16 = 0x0608;
    pub const UNCONTROLLED_FLOW_THRESHOLD: u16 = 0x0B10;
    pub const UNCONTROLLED_FLOW_UNIT_OF_MEASURE: u16 = 0x0B11;
    pub const UNCONTROLLED_FLOW_MULTIPLIER: u16 = 0x0B12;
    pub const UNCONTROLLED_FLOW_DIVISOR: u16 = 0x0B13;
    pub const FLOW_STABILISATION_PERIOD: u16 = 0x0B14;
    pub const FLOW_MEASUREMENT_PERIOD: u16 = 0x0B15;
    /// Prepayment cluster: Payment Control Configuration (credit or prepayment mode).
    pub const PAYMENT_CONTROL_CONFIGURATION: u16 = 0x0000;
}

/// Price cluster: Get Billing Period, for the one current billing period of the delivered
/// tariff.
const GET_BILLING_PERIOD: u8 = 0x0B;
const EARLIEST_START_NOW: u32 = 0;
const ANY_ISSUER_EVENT: u32 = 0xFFFF_FFFF;
const ONE_COMMAND: u8 = 1;
const TARIFF_TYPE_DELIVERED: u8 = 0x00;
/// Device Management cluster: Get Event Configuration, for every supplier event.
const GET_EVENT_CONFIGURATION: u8 = 0x05;
const ALL_SUPPLIER_EVENTS: u16 = 0x81FF;

/// The payload a read use case sends.
enum ReadPayload {
    Dlms(Vec<Request>),
    Gbz(Vec<GbzComponent>),
}

/// The objects or attributes each read use case asks for.
fn read_payload(use_case_id: &str) -> Option<ReadPayload> {
    use ReadPayload::{Dlms, Gbz};
    let limiters = || {
        RMS_VOLTAGE_LIMITERS
            .iter()
            .flat_map(|limiter| [limiter.get(THRESHOLD), limiter.get(MINIMUM_DURATION)])
    };
    let average_thresholds = |phases: &[u8]| -> Vec<Request> {
        phases
            .iter()
            .flat_map(|phase| {
                [
                    average_rms_over_voltage_threshold(*phase).get(VALUE),
                    average_rms_under_voltage_threshold(*phase).get(VALUE),
                ]
            })
            .collect()
    };
    let gets = |objects: &[CosemObject]| objects.iter().map(|object| object.get(VALUE)).collect();
    Some(match use_case_id {
        "ECS26b" => Dlms(limiters().chain(average_thresholds(&[1])).collect()),
        // ECS26b's reads, then the other phases' thresholds, under before over (RTDS's order).
        "ECS26k" => Dlms(
            limiters()
                .chain(average_thresholds(&[1]))
                .chain([2, 3].into_iter().flat_map(|phase| {
                    [
                        average_rms_under_voltage_threshold(phase).get(VALUE),
                        average_rms_over_voltage_threshold(phase).get(VALUE),
                    ]
                }))
                .collect(),
        ),
        "ECS26c" => Dlms(gets(&RANDOMISATION)),
        "ECS26d" | "ECS26l" => Dlms(vec![BILLING_CALENDAR.get(EXECUTION_TIME)]),
        "ECS26e" => Dlms(gets(&[
            DEVICE_ID,
            DEVICE_ID_2,
            MANUFACTURER,
            MODEL,
            SUPPLY_TAMPER_STATE,
        ])),
        "ECS26m" => Dlms(gets(&[
            DEVICE_ID_2,
            MANUFACTURER,
            MODEL,
            SUPPLY_TAMPER_STATE,
        ])),
        "ECS26i" => Dlms(gets(&[DEVICE_ID, MANUFACTURER, MODEL])),
        "ECS26n" => Dlms(gets(&[MANUFACTURER, MODEL])),
        "ECS26f" => Dlms(vec![INSTANTANEOUS_POWER_THRESHOLDS.get(THRESHOLDS)]),
        "ECS40" => Dlms(gets(&[IMPORT_MPAN, EXPORT_MPAN])),
        "ECS26j" => Dlms(vec![ACCOUNT.get(ACCOUNT_MODE_AND_STATUS)]),
        "ECS25r1" => Dlms(gets(&[
            SUPPLIER_ALERT_SETTINGS.read,
            SUPPLIER_HAN_SETTINGS.read,
            SUPPLIER_ALARM_SETTINGS.read,
            SUPPLIER_LOGGING_SETTINGS.read,
        ])),
        "ECS25r2" => Dlms(gets(&[
            NETWORK_OPERATOR_ALERT_SETTINGS.read,
            NETWORK_OPERATOR_LOGGING_SETTINGS.read,
        ])),
        "GCS21d" | "GCS21k" => Gbz(vec![cluster_command(
            cluster::PRICE,
            super::zigbee::TO_SERVER,
            GET_BILLING_PERIOD,
            ZclFields::new()
                .u32(EARLIEST_START_NOW)
                .u32(ANY_ISSUER_EVENT)
                .u8(ONE_COMMAND)
                .u8(TARIFF_TYPE_DELIVERED),
        )]),
        "GCS21e" => Gbz(vec![
            read_attributes(
                cluster::BASIC,
                &[
                    attribute::MANUFACTURER_NAME,
                    attribute::MODEL_IDENTIFIER,
                    attribute::HW_VERSION,
                ],
            ),
            supply_states(),
        ]),
        "GCS21m" => Gbz(vec![
            read_attributes(
                cluster::BASIC,
                &[attribute::MANUFACTURER_NAME, attribute::MODEL_IDENTIFIER],
            ),
            supply_states(),
        ]),
        "GCS46" => Gbz(vec![read_attributes(
            cluster::METERING,
            &[attribute::SITE_ID],
        )]),
        "GCS21a" => Gbz(vec![
            read_attributes(
                cluster::PRICE,
                &[
                    attribute::CALORIFIC_VALUE_TRAILING_DIGIT,
                    attribute::CALORIFIC_VALUE_UNIT,
                    attribute::CALORIFIC_VALUE,
                    attribute::CONVERSION_FACTOR_TRAILING_DIGIT,
                    attribute::CONVERSION_FACTOR,
                ],
            ),
            read_attributes(
                cluster::METERING,
                &[
                    attribute::UNCONTROLLED_FLOW_DIVISOR,
                    attribute::UNCONTROLLED_FLOW_MULTIPLIER,
                    attribute::UNCONTROLLED_FLOW_UNIT_OF_MEASURE,
                    attribute::UNCONTROLLED_FLOW_THRESHOLD,
                    attribute::FLOW_STABILISATION_PERIOD,
                    attribute::FLOW_MEASUREMENT_PERIOD,
                ],
            ),
        ]),
        // No RTDS message: the Prepayment cluster's payment mode.
        "GCS21j" => Gbz(vec![read_attributes(
            cluster::PREPAYMENT,
            &[attribute::PAYMENT_CONTROL_CONFIGURATION],
        )]),
        "GCS20r" => Gbz(vec![cluster_command(
            cluster::DEVICE_MANAGEMENT,
            PUBLISHED,
            GET_EVENT_CONFIGURATION,
            ZclFields::new().u16(ALL_SUPPLIER_EVENTS),
        )]),
        _ => return None,
    })
}

fn supply_states() -> GbzComponent {
    read_attributes(
        cluster::METERING,
        &[
            attribute::SUPPLY_DEPLETION_STATE,
            attribute::SUPPLY_TAMPER_STATE,
        ],
    )
}

/// The use case of the service for the device: the first the service table lists that
/// applies to its type, as the device's GBCS version and ESME variant take it (see the module
/// documentation).
pub(super) fn first_use_case(
    service: &ServiceDefinition,
    context: &CommandContext,
) -> Result<&'static MessageCodeEntry, Rejection> {
    let first = service
        .use_cases
        .iter()
        .flat_map(|id| use_cases::all_by_use_case_id(id))
        .find(|entry| entry.applies_to(context.device_type))
        .and_then(|entry| entry.use_case_id())
        .ok_or_else(|| not_for_device_type(service, context.device_type))?;
    use_case_for_device(service, first, context)
}

/// The use case GBCS keeps for the requester's role where it keeps one per role: 6.2.10 on
/// an ESME is ECS25r1 for a supplier and ECS25r2 (the network operator's own behaviours) for
/// an electricity distributor.
fn for_requester(
    service: &ServiceDefinition,
    use_case: &'static MessageCodeEntry,
    context: &CommandContext,
) -> Result<&'static MessageCodeEntry, Rejection> {
    match (use_case.use_case_id(), context.requester_role) {
        (Some("ECS25r1"), Some(UserRole::ElectricityDistributor)) => {
            use_case_named(service, "ECS25r2", context.device_type)
        }
        _ => Ok(use_case),
    }
}

/// 6.2.1–6.2.10 Read Device Configuration: the body carries nothing.
pub struct ReadDeviceConfiguration;

impl ServiceRequest for ReadDeviceConfiguration {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        only_children(body, &[])?;
        Ok(Self)
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = for_requester(service, first_use_case(service, context)?, context)?;
        match use_case.use_case_id().and_then(read_payload) {
            Some(ReadPayload::Dlms(requests)) => Ok(dlms_command_for(use_case, context, requests)),
            Some(ReadPayload::Gbz(components)) => {
                Ok(gbz_command_for(use_case, context, components))
            }
            None => Err(not_for_device_type(service, context.device_type)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_read_use_case_of_the_services_has_a_payload() {
        for variant in [
            "6.2.1", "6.2.2", "6.2.3", "6.2.4", "6.2.5", "6.2.7", "6.2.8", "6.2.9", "6.2.10",
        ] {
            let service = duis::catalogue::lookup(variant).unwrap();
            for id in service.use_cases {
                assert!(read_payload(id).is_some(), "{variant} {id}");
            }
        }
    }

    /// 6.2.10 on an ESME: a network operator (electricity distributor) reads its own event
    /// and alert behaviours (ECS25r2); a supplier, or a requester whose role is not known,
    /// the supplier's (ECS25r1).
    #[test]
    fn the_requester_s_role_chooses_ecs25r1_or_ecs25r2() {
        use dcc_model::{CommandVariant, Eui64, RequestId};
        let service = duis::catalogue::lookup("6.2.10").unwrap();
        let body =
            BodyElement::with_children("ReadDeviceConfigurationEventAndAlertBehaviours", vec![]);
        let request = ReadDeviceConfiguration::parse(&body).unwrap();
        for (role, expected) in [
            (Some(UserRole::ElectricityDistributor), "ECS25r2"),
            (Some(UserRole::ImportSupplier), "ECS25r1"),
            (None, "ECS25r1"),
        ] {
            let context = CommandContext {
                request_id: RequestId::new(
                    Eui64::from_u64(0x90B3_D51F_3002_0000),
                    Eui64::from_u64(0x00DB_1234_5678_90A0),
                    1000,
                ),
                command_variant: CommandVariant::from_number(1).unwrap(),
                device_type: dcc_model::DeviceType::ElectricitySmartMeter,
                now: time::macros::datetime!(2015-01-01 00:00 UTC),
                device_profile: Default::default(),
                requester_role: role,
            };
            let command = request.command(service, &context).unwrap();
            assert_eq!(command.use_case.use_case_id(), Some(expected), "{role:?}");
        }
    }

    #[test]
    fn read_bodies_carry_nothing() {
        let body = BodyElement::with_children(
            "ReadDeviceConfigurationVoltage",
            vec![BodyElement::leaf("Phase", "1")],
        );
        assert!(
            matches!(ReadDeviceConfiguration::parse(&body), Err(Rejection::Malformed(m)) if m.contains("Phase"))
        );
    }
}
