//! 6.22 Configure Alert Behaviour: which events an ESME reports to the supplier or network
//! operator, to the HAN, with its audible alarm or in its log (ECS25a, a1, a2, a3, b, b3), and
//! how a GSME handles each of its events (GCS20).
//!
//! An ESME keeps each behaviour as a 512-bit string: the first 256 bits say which events the
//! command changes, the last 256 their new setting (1 enabled), event code 0x80NN or 0x81NN at
//! bit NN counted from the least significant end of each half (as the RTDS fixtures show: x810D
//! is bit 242 of the first half, MSB first).
//!
//! A GSME takes Set Event Configuration commands, one per configuration, listing the events it
//! applies to: log as a general event, push to the WAN, push to the HAN, raise the alarm.

use std::collections::BTreeMap;

use dcc_model::DeviceType;
use duis::catalogue::ServiceDefinition;
use duis::BodyElement;
use gbcs::catalogue::MessageCodeEntry;

use super::values::{self, bit_string, choice, enumeration, only_children};
use super::zigbee::{cluster, cluster_command, issuer_event_id, ZclFields, PUBLISHED};
use super::{dlms_command_for, gbz_command_for};
use crate::rejection::Rejection;
use crate::services::dlms_command::{class, CosemObject, VALUE};
use crate::services::{use_case_named, CommandContext, DeviceCommand, ServiceRequest};

/// One ESME behaviour: the object a command sets and the one a read reads.
pub(super) struct BehaviourSettings {
    pub set: CosemObject,
    pub read: CosemObject,
}

const fn settings(party: u8, set: u8, read: u8) -> BehaviourSettings {
    BehaviourSettings {
        set: CosemObject::new(class::DATA, [0, party, 97, 98, set, 255]),
        read: CosemObject::new(class::DATA, [0, party, 97, 98, read, 255]),
    }
}

/// OBIS value group B of the supplier's and the network operator's behaviours.
const SUPPLIER: u8 = 30;
const NETWORK_OPERATOR: u8 = 33;
/// Alerts to the remote party (ECS25a, b), to the HAN (a1), audible alarm (a2), logging (a3, b3).
pub(super) const SUPPLIER_ALERT_SETTINGS: BehaviourSettings = settings(SUPPLIER, 11, 15);
pub(super) const SUPPLIER_HAN_SETTINGS: BehaviourSettings = settings(SUPPLIER, 12, 16);
pub(super) const SUPPLIER_ALARM_SETTINGS: BehaviourSettings = settings(SUPPLIER, 13, 17);
pub(super) const SUPPLIER_LOGGING_SETTINGS: BehaviourSettings = settings(SUPPLIER, 14, 18);
pub(super) const NETWORK_OPERATOR_ALERT_SETTINGS: BehaviourSettings =
    settings(NETWORK_OPERATOR, 11, 15);
pub(super) const NETWORK_OPERATOR_LOGGING_SETTINGS: BehaviourSettings =
    settings(NETWORK_OPERATOR, 14, 18);

/// The event codes each DUIS group of alert elements (`xNNNN`) may hold.
const SUPPLIER_ESME_COMMON: &[u16] = &[
    0x810D, 0x810E, 0x8119, 0x8145, 0x8154, 0x8155, 0x8161, 0x8162, 0x8168, 0x8183, 0x81A0, 0x81A1,
    0x81A2, 0x81A3, 0x81A4, 0x81A5, 0x81A6, 0x81A7, 0x81A8, 0x81A9, 0x81AA, 0x81AB, 0x81AC, 0x81AD,
    0x81AE, 0x81AF, 0x81B0, 0x81B1, 0x81B2, 0x81B3, 0x81B8, 0x81B9, 0x81BA, 0x81BB, 0x81BC, 0x81BD,
    0x81BE, 0x81C0, 0x81C1, 0x81C4, 0x81C5, 0x81C6,
];
const SUPPLIER_ESME_POLY_PHASE: &[u16] = &[0x81B7];
const NETWORK_OPERATOR_ESME_COMMON: &[u16] = &[0x8014, 0x8015];
const NETWORK_OPERATOR_ESME_SINGLE_PHASE: &[u16] = &[
    0x8002, 0x8006, 0x8020, 0x8024, 0x8028, 0x802C, 0x8085, 0x8089, 0x808D, 0x8091, 0x8095, 0x8099,
    0x8010,
];
const NETWORK_OPERATOR_ESME_POLY_PHASE: &[u16] = &[
    0x8003, 0x8004, 0x8005, 0x8007, 0x8008, 0x8009, 0x8021, 0x8022, 0x8023, 0x8025, 0x8026, 0x8027,
    0x8029, 0x802A, 0x802B, 0x802D, 0x802E, 0x802F, 0x8086, 0x8087, 0x8088, 0x808A, 0x808B, 0x808C,
    0x808E, 0x808F, 0x8090, 0x8092, 0x8093, 0x8094, 0x8096, 0x8097, 0x8098, 0x809A, 0x809B, 0x809C,
    0x8011, 0x8016, 0x8013,
];
const SUPPLIER_GSME: &[u16] = &[
    0x810D, 0x810E, 0x8119, 0x8145, 0x8154, 0x8155, 0x8168, 0x8183, 0x8184, 0x81A1, 0x81A4, 0x81A5,
    0x81A6, 0x81A7, 0x81A8, 0x81A9, 0x81AA, 0x81AB, 0x81AC, 0x81AD, 0x81AE, 0x81AF, 0x81B0, 0x81B1,
    0x81B2, 0x81B3, 0x81B4, 0x81B5, 0x81B6, 0x81B9, 0x81BA, 0x81BC, 0x81BD, 0x81BE, 0x81BF, 0x81C0,
    0x81C2, 0x81C3, 0x81C4, 0x81C5,
];
const SUPPLIER_GSME_ALERTS_EVENTS: &[u16] = &[
    0x810D, 0x810E, 0x8119, 0x8145, 0x8154, 0x8155, 0x8161, 0x8162, 0x8168, 0x8183, 0x8184, 0x81A0,
    0x81A1, 0x81A4, 0x81A5, 0x81A6, 0x81A7, 0x81A8, 0x81A9, 0x81AA, 0x81AB, 0x81AC, 0x81AD, 0x81AE,
    0x81AF, 0x81B0, 0x81B1, 0x81B2, 0x81B3, 0x81B4, 0x81B5, 0x81B6, 0x81B9, 0x81BA, 0x81BC, 0x81BD,
    0x81BE, 0x81BF, 0x81C0, 0x81C2, 0x81C3, 0x81C4, 0x81C5, 0x81C6,
];

/// Bits of an ESME behaviour half.
const HALF: usize = 256;
/// Device Management cluster: Set Event Configuration, applied to the listed events.
const SET_EVENT_CONFIGURATION: u8 = 0x04;
const AT_ONCE: u32 = 0;
const APPLY_BY_LIST: u8 = 0x00;
/// Event Configuration bits: log action "general event" (3), push to WAN, push to HAN, alarm.
const LOG_AS_GENERAL_EVENT: u8 = 0x03;
const PUSH_TO_WAN: u8 = 0x08;
const PUSH_TO_HAN: u8 = 0x10;
const RAISE_ALARM: u8 = 0x40;
/// At most this many events fit one Set Event Configuration's count byte and the HAN.
const EVENTS_PER_COMMAND: usize = 255;

/// The settings the body names, per event code.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Behaviours {
    /// An ESME behaviour: the use case, the object, and each event enabled or not.
    Esme {
        use_case: &'static str,
        object: CosemObject,
        events: Vec<(u16, bool)>,
    },
    /// GSME event configurations, in the body's order.
    Gsme(Vec<(u16, u8)>),
}

/// 6.22 Configure Alert Behaviour.
pub struct ConfigureAlertBehaviour {
    behaviours: Behaviours,
}

/// The `xNNNN` children of a group element, each checked to be one of `codes` and given once,
/// with their values read by `value`.
fn alert_elements<T>(
    group: &BodyElement,
    codes: &[u16],
    value: impl Fn(&BodyElement) -> Result<T, Rejection>,
) -> Result<Vec<(u16, T)>, Rejection> {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for element in &group.children {
        let code = element
            .name
            .strip_prefix('x')
            .and_then(|hex| u16::from_str_radix(hex, 16).ok())
            .filter(|code| codes.contains(code))
            .ok_or_else(|| {
                values::malformed(format!("{} takes no {}", group.name, element.name))
            })?;
        if seen.contains(&code) {
            return Err(values::malformed(format!(
                "{} names {} twice",
                group.name, element.name
            )));
        }
        seen.push(code);
        out.push((code, value(element)?));
    }
    Ok(out)
}

fn enabled(element: &BodyElement) -> Result<bool, Rejection> {
    match element.text.as_str() {
        "Enable" => Ok(true),
        "Disable" => Ok(false),
        other => Err(values::malformed(format!(
            "{} {other:?} is not Enable or Disable",
            element.name
        ))),
    }
}

/// The events of an electricity settings element: its common group and its phase groups.
fn esme_events(
    settings: &BodyElement,
    groups: &[(&str, &[u16])],
) -> Result<Vec<(u16, bool)>, Rejection> {
    let names: Vec<&str> = groups.iter().map(|(name, _)| *name).collect();
    only_children(settings, &names)?;
    let mut events = Vec::new();
    for (name, codes) in groups {
        if let Some(group) = settings.child(name) {
            events.extend(alert_elements(group, codes, enabled)?);
        }
    }
    Ok(events)
}

/// A GSME event's configuration from its WAN, HAN, event log and alarm settings.
fn gsme_configuration(element: &BodyElement) -> Result<u8, Rejection> {
    only_children(element, &["WANAlert", "HANAlert", "EventLog", "Alarm"])?;
    let flag = |name: &str, bits: u8| -> Result<u8, Rejection> {
        let on = enumeration(element, name, &[("Enable", true), ("Disable", false)])?;
        Ok(if on { bits } else { 0 })
    };
    Ok(flag("WANAlert", PUSH_TO_WAN)?
        | flag("HANAlert", PUSH_TO_HAN)?
        | flag("EventLog", LOG_AS_GENERAL_EVENT)?
        | flag("Alarm", RAISE_ALARM)?)
}

impl ServiceRequest for ConfigureAlertBehaviour {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        const SUPPLIER_GROUPS: &[(&str, &[u16])] = &[
            ("SupplierESMECommon", SUPPLIER_ESME_COMMON),
            ("SupplierESMEPolyPhase", SUPPLIER_ESME_POLY_PHASE),
        ];
        const NETWORK_OPERATOR_GROUPS: &[(&str, &[u16])] = &[
            ("NetworkOperatorESMECommon", NETWORK_OPERATOR_ESME_COMMON),
            (
                "NetworkOperatorESMESinglePhase",
                NETWORK_OPERATOR_ESME_SINGLE_PHASE,
            ),
            (
                "NetworkOperatorESMEPolyPhase",
                NETWORK_OPERATOR_ESME_POLY_PHASE,
            ),
        ];
        let elements = [
            (
                "ElectricitySupplierAlerts",
                "ECS25a",
                &SUPPLIER_ALERT_SETTINGS,
            ),
            (
                "ElectricitySupplierHANAlertSettings",
                "ECS25a1",
                &SUPPLIER_HAN_SETTINGS,
            ),
            (
                "ElectricitySupplierAlarmSettings",
                "ECS25a2",
                &SUPPLIER_ALARM_SETTINGS,
            ),
            (
                "ElectricitySupplierLoggingSettings",
                "ECS25a3",
                &SUPPLIER_LOGGING_SETTINGS,
            ),
            (
                "ElectricityNetworkOperatorAlerts",
                "ECS25b",
                &NETWORK_OPERATOR_ALERT_SETTINGS,
            ),
            (
                "ElectricityNetworkOperatorLoggingSettings",
                "ECS25b3",
                &NETWORK_OPERATOR_LOGGING_SETTINGS,
            ),
        ];
        let mut names: Vec<&str> = elements.iter().map(|(name, _, _)| *name).collect();
        names.extend(["GasSupplierAlerts", "GasSupplierAlertEventSettings"]);
        only_children(body, &names)?;
        let chosen = choice(body, &names)?;
        if body.children.len() > 1 {
            return Err(values::malformed(
                "ConfigureAlertBehaviour takes only one behaviour",
            ));
        }
        let behaviours = match chosen.name.as_str() {
            "GasSupplierAlerts" => {
                Behaviours::Gsme(alert_elements(chosen, SUPPLIER_GSME, |element| {
                    Ok(if enabled(element)? { PUSH_TO_WAN } else { 0 })
                })?)
            }
            "GasSupplierAlertEventSettings" => Behaviours::Gsme(alert_elements(
                chosen,
                SUPPLIER_GSME_ALERTS_EVENTS,
                gsme_configuration,
            )?),
            name => {
                let Some((_, use_case, settings)) =
                    elements.iter().find(|(element, _, _)| *element == name)
                else {
                    return Err(values::malformed(format!(
                        "ConfigureAlertBehaviour takes no {name}"
                    )));
                };
                let groups = if name.starts_with("ElectricitySupplier") {
                    SUPPLIER_GROUPS
                } else {
                    if chosen.child("NetworkOperatorESMESinglePhase").is_some()
                        && chosen.child("NetworkOperatorESMEPolyPhase").is_some()
                    {
                        return Err(values::malformed(format!(
                            "{name} takes single phase or poly phase settings, not both"
                        )));
                    }
                    NETWORK_OPERATOR_GROUPS
                };
                Behaviours::Esme {
                    use_case,
                    object: settings.set,
                    events: esme_events(chosen, groups)?,
                }
            }
        };
        let count = match &behaviours {
            Behaviours::Esme { events, .. } => events.len(),
            Behaviours::Gsme(events) => events.len(),
        };
        if count == 0 {
            return Err(values::malformed(format!("{} names no event", chosen.name)));
        }
        Ok(Self { behaviours })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        match &self.behaviours {
            Behaviours::Esme {
                use_case,
                object,
                events,
            } => {
                let use_case = use_case_named(service, use_case, context.device_type)?;
                Ok(esme_command(use_case, context, *object, events))
            }
            Behaviours::Gsme(events) => {
                if context.device_type != DeviceType::GasSmartMeter {
                    return Err(crate::services::not_for_device_type(
                        service,
                        context.device_type,
                    ));
                }
                let use_case = use_case_named(service, "GCS20", context.device_type)?;
                gsme_command(use_case, context, events)
            }
        }
    }
}

/// The ESME behaviour bit string: which events change, then their settings.
fn esme_command(
    use_case: &'static MessageCodeEntry,
    context: &CommandContext,
    object: CosemObject,
    events: &[(u16, bool)],
) -> DeviceCommand {
    let mut bits = vec![false; 2 * HALF];
    for (code, enable) in events {
        let position = HALF - 1 - usize::from(code & 0xFF);
        bits[position] = true;
        bits[HALF + position] = *enable;
    }
    dlms_command_for(use_case, context, [object.set(VALUE, bit_string(&bits))])
}

/// One Set Event Configuration per configuration, in the order each first appears in the body,
/// listing its events in ascending code order.
fn gsme_command(
    use_case: &'static MessageCodeEntry,
    context: &CommandContext,
    events: &[(u16, u8)],
) -> Result<DeviceCommand, Rejection> {
    let mut order: Vec<u8> = Vec::new();
    let mut by_configuration: BTreeMap<u8, Vec<u16>> = BTreeMap::new();
    for (code, configuration) in events {
        if !order.contains(configuration) {
            order.push(*configuration);
        }
        by_configuration
            .entry(*configuration)
            .or_default()
            .push(*code);
    }
    let issuer_event_id = issuer_event_id(context)?;
    let mut components = Vec::new();
    for configuration in order {
        let mut codes = by_configuration.remove(&configuration).unwrap_or_default();
        codes.sort_unstable();
        for chunk in codes.chunks(EVENTS_PER_COMMAND) {
            let mut fields = ZclFields::new()
                .u32(issuer_event_id)
                .u32(AT_ONCE)
                .u8(configuration)
                .u8(APPLY_BY_LIST)
                .u8(chunk.len() as u8);
            for code in chunk {
                fields = fields.u16(*code);
            }
            components.push(cluster_command(
                cluster::DEVICE_MANAGEMENT,
                PUBLISHED,
                SET_EVENT_CONFIGURATION,
                fields,
            ));
        }
    }
    Ok(gbz_command_for(use_case, context, components))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(choice: BodyElement) -> BodyElement {
        BodyElement::with_children("ConfigureAlertBehaviour", vec![choice])
    }

    fn group(name: &str, alerts: &[(&str, &str)]) -> BodyElement {
        BodyElement::with_children(
            name,
            alerts
                .iter()
                .map(|(code, value)| BodyElement::leaf(*code, *value))
                .collect(),
        )
    }

    #[test]
    fn alert_codes_must_belong_to_their_group() {
        let wrong = request(BodyElement::with_children(
            "ElectricitySupplierAlerts",
            vec![group("SupplierESMECommon", &[("x8014", "Enable")])],
        ));
        assert!(
            matches!(ConfigureAlertBehaviour::parse(&wrong), Err(Rejection::Malformed(m)) if m.contains("x8014"))
        );
        let twice = request(BodyElement::with_children(
            "ElectricitySupplierAlerts",
            vec![group(
                "SupplierESMECommon",
                &[("x810D", "Enable"), ("x810D", "Disable")],
            )],
        ));
        assert!(
            matches!(ConfigureAlertBehaviour::parse(&twice), Err(Rejection::Malformed(m)) if m.contains("twice"))
        );
        let value = request(BodyElement::with_children(
            "ElectricitySupplierAlerts",
            vec![group("SupplierESMECommon", &[("x810D", "On")])],
        ));
        assert!(
            matches!(ConfigureAlertBehaviour::parse(&value), Err(Rejection::Malformed(m)) if m.contains("x810D"))
        );
    }

    #[test]
    fn one_behaviour_and_at_least_one_event() {
        let none = request(BodyElement::with_children(
            "ElectricitySupplierAlerts",
            vec![],
        ));
        assert!(
            matches!(ConfigureAlertBehaviour::parse(&none), Err(Rejection::Malformed(m)) if m.contains("no event"))
        );
        let two = BodyElement::with_children(
            "ConfigureAlertBehaviour",
            vec![
                group("GasSupplierAlerts", &[("x810D", "Enable")]),
                group("GasSupplierAlerts", &[("x810E", "Enable")]),
            ],
        );
        assert!(
            matches!(ConfigureAlertBehaviour::parse(&two), Err(Rejection::Malformed(m)) if m.contains("only one"))
        );
    }

    #[test]
    fn an_esme_event_sets_its_change_bit_and_its_setting_bit() {
        let parsed = ConfigureAlertBehaviour::parse(&request(BodyElement::with_children(
            "ElectricitySupplierAlerts",
            vec![group(
                "SupplierESMECommon",
                &[("x810D", "Enable"), ("x8119", "Disable")],
            )],
        )))
        .unwrap();
        let Behaviours::Esme {
            use_case, events, ..
        } = parsed.behaviours
        else {
            panic!("an ESME behaviour");
        };
        assert_eq!(use_case, "ECS25a");
        assert_eq!(events, vec![(0x810D, true), (0x8119, false)]);
    }
}
