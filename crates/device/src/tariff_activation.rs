//! An ESME's passive settings becoming active: a tariff update (ECS01a, ECS01b…) writes the
//! passive attributes (the activity calendar's passive season, week and day profiles, the
//! passive special days, thresholds, price matrix and unit charges) and their activation times
//! (the calendar's `activate_passive_calendar_time`, the unit charges' activation time, the
//! GBCS Extended Data objects' `activate_passive_value_time`), a load limiting update (ECS28a)
//! the passive load limit settings, a payment mode change (ECS02, ECS03) the account's and
//! a prepayment configuration update (ECS08) the passive credit, debt and non-disablement
//! settings, each with its activation time. Each passive value is copied to its active
//! attribute, which reads (ECS24, ECS26a, ECS27) return: at once when the activation time has
//! come (zero: now); when it is still to come, at that time, when the device catches up
//! ([`crate::future_dated`]), raising an 8F66 alert per activation time that names it; an
//! activation time of all `FF` cancels the activation pending for it.

use gbcs::dlms::{Data, RequestSpecification};

use crate::engine::{Command, Device};
use crate::future_dated::{Execution, Instruction, InstructionKey, PendingInstruction};
use crate::store::CosemAttribute;

/// Class 20 Activity calendar and its `activate_passive_calendar_time` attribute.
const ACTIVITY_CALENDAR: [u8; 6] = [0, 0, 13, 0, 0, 255];
/// The Limiter (class 71) whose settings ECS27 reads.
const LIMITER: [u8; 6] = [0, 0, 17, 0, 0, 255];
/// The GBCS Extended Data objects holding the Limiter's passive settings (value 4, activation
/// time 6), with the Limiter attribute each becomes: the power threshold (threshold_normal),
/// the load limit period (min_over_threshold_duration) and the restoration period
/// (min_under_threshold_duration). RTDS's ECS28a writes the passive objects and RTDS's ESME
/// names them in its 8F66 alerts; ECS27 reads the Limiter, as ECS26a reads the Charge, Account
/// and Credit attributes whose passive values ECS08 writes to 0-0:94.44.128.x.
const LOAD_LIMIT_SETTINGS: [([u8; 6], u8); 3] = [
    ([0, 0, 94, 44, 128, 7], 4),
    ([0, 0, 94, 44, 128, 6], 6),
    ([0, 0, 94, 44, 128, 8], 7),
];

/// The tariff switching table's special days: passive 0-1:11.0.0, active 0-0:11.0.0; their
/// activation time (GBCS Extended Data); the same for the secondary element (0-x:11.0.1).
const SPECIAL_DAYS: [([u8; 6], [u8; 6], [u8; 6]); 2] = [
    (
        [0, 1, 11, 0, 0, 255],
        [0, 0, 11, 0, 0, 255],
        [0, 0, 94, 44, 128, 29],
    ),
    (
        [0, 1, 11, 0, 1, 255],
        [0, 0, 11, 0, 1, 255],
        [0, 0, 94, 44, 128, 30],
    ),
];
/// The activation time of the tariff threshold matrix (GBCS Extended Data).
const THRESHOLD_MATRIX: [u8; 6] = [0, 0, 63, 1, 1, 255];
/// The account: passive 0-1:19.0.0 (ECS02, ECS03 write its mode and credit and charge
/// configuration, 2 and 11, and their activation time, 13), active 0-0:19.0.0.
const ACCOUNT_PASSIVE: [u8; 6] = [0, 1, 19, 0, 0, 255];
const ACCOUNT: [u8; 6] = [0, 0, 19, 0, 0, 255];
/// Emergency credit (class 112 Credit), whose preset amount (9) and available threshold (10)
/// ECS26a reads.
const EMERGENCY_CREDIT: [u8; 6] = [0, 0, 19, 10, 1, 255];
/// The GBCS Extended Data objects holding prepayment settings (ECS08, ECS08a: passive value
/// 4, activation time 6) with the active attribute each becomes, as ECS26a reads it: the
/// emergency credit limit and threshold, the low credit threshold and the debt recovery rate
/// cap amount and period (the Account's low credit threshold, max provision and max
/// provision period).
const PREPAYMENT_SETTINGS: [([u8; 6], CosemAttribute); 5] = [
    (
        [0, 0, 94, 44, 128, 2],
        CosemAttribute::new(112, EMERGENCY_CREDIT, 9),
    ),
    (
        [0, 0, 94, 44, 128, 3],
        CosemAttribute::new(112, EMERGENCY_CREDIT, 10),
    ),
    (
        [0, 0, 94, 44, 128, 9],
        CosemAttribute::new(111, ACCOUNT, 16),
    ),
    (
        [0, 0, 94, 44, 128, 12],
        CosemAttribute::new(111, ACCOUNT, 18),
    ),
    (
        [0, 0, 94, 44, 128, 13],
        CosemAttribute::new(111, ACCOUNT, 19),
    ),
];
/// The non-disablement calendar (ECS08): its schedule (passive 0-1:12.0.1, active 0-0:12.0.1)
/// and special days (passive 0-1:11.0.2, active 0-0:11.0.2), with their activation times.
const NON_DISABLEMENT_CALENDAR: [u8; 6] = [0, 0, 94, 44, 128, 28];
const NON_DISABLEMENT_SPECIAL_DAYS: [u8; 6] = [0, 0, 94, 44, 128, 31];

/// GBCS Extended Data (manufacturer class 9000): value 2, passive value 4, activation time 6.
const EXTENDED_DATA: u16 = 9000;

/// What an activation time `trigger` activates: each passive attribute with the active one it
/// becomes (none for an activation time whose passive values the device does not model);
/// `None` for an attribute that is no activation time.
fn activated_by(trigger: CosemAttribute) -> Option<Vec<(CosemAttribute, CosemAttribute)>> {
    let same_object = |class_id, obis, passive, active| {
        (
            CosemAttribute::new(class_id, obis, passive),
            CosemAttribute::new(class_id, obis, active),
        )
    };
    let moved = |class_id, passive, active, attribute| {
        (
            CosemAttribute::new(class_id, passive, attribute),
            CosemAttribute::new(class_id, active, attribute),
        )
    };
    let CosemAttribute {
        class_id,
        obis,
        attribute,
    } = trigger;
    match (class_id, attribute) {
        // Activity calendars: calendar name, season, week and day profiles.
        (20, 10) => {
            let mut calendar = vec![
                same_object(20, obis, 6, 2),
                same_object(20, obis, 7, 3),
                same_object(20, obis, 8, 4),
                same_object(20, obis, 9, 5),
            ];
            if obis == ACTIVITY_CALENDAR {
                // The primary element's calendar brings its special days and block thresholds
                // (register monitors 0-0:16.1.X passive, 0-0:16.0.X active).
                let [(passive, active, _), _] = SPECIAL_DAYS;
                calendar.push(moved(11, passive, active, 2));
                calendar.extend(thresholds());
            }
            Some(calendar)
        }
        // Unit charges (class 113 Charge): passive 6, active 5, activation time 7.
        (113, 7) => Some(vec![same_object(113, obis, 6, 5)]),
        // The account (ECS02, ECS03): payment mode, credit and charge configuration.
        (111, 13) if obis == ACCOUNT_PASSIVE => Some(vec![
            moved(111, ACCOUNT_PASSIVE, ACCOUNT, 2),
            moved(111, ACCOUNT_PASSIVE, ACCOUNT, 11),
        ]),
        (EXTENDED_DATA, 6) => Some(extended_data_activation(obis)),
        _ => None,
    }
}

/// The block thresholds: register monitors 0-0:16.1.X passive, 0-0:16.0.X active.
fn thresholds() -> impl Iterator<Item = (CosemAttribute, CosemAttribute)> {
    (11..=18).map(|block| {
        (
            CosemAttribute::new(21, [0, 0, 16, 1, block, 255], 2),
            CosemAttribute::new(21, [0, 0, 16, 0, block, 255], 2),
        )
    })
}

/// What the `activate_passive_value_time` of GBCS Extended Data object `obis` activates: its
/// passive value (4) becomes its value (2), or the attribute GBCS reads it through.
fn extended_data_activation(obis: [u8; 6]) -> Vec<(CosemAttribute, CosemAttribute)> {
    let passive = CosemAttribute::new(EXTENDED_DATA, obis, 4);
    if let Some((_, limiter_attribute)) = LOAD_LIMIT_SETTINGS
        .into_iter()
        .find(|(settings, _)| *settings == obis)
    {
        return vec![(passive, CosemAttribute::new(71, LIMITER, limiter_attribute))];
    }
    if let Some((_, active)) = PREPAYMENT_SETTINGS
        .into_iter()
        .find(|(settings, _)| *settings == obis)
    {
        return vec![(passive, active)];
    }
    if let Some((from, to, _)) = SPECIAL_DAYS
        .into_iter()
        .find(|(_, _, activation)| *activation == obis)
    {
        return vec![(
            CosemAttribute::new(11, from, 2),
            CosemAttribute::new(11, to, 2),
        )];
    }
    match obis {
        THRESHOLD_MATRIX => thresholds().collect(),
        NON_DISABLEMENT_CALENDAR => vec![(
            CosemAttribute::new(10, [0, 1, 12, 0, 1, 255], 2),
            CosemAttribute::new(10, [0, 0, 12, 0, 1, 255], 2),
        )],
        NON_DISABLEMENT_SPECIAL_DAYS => vec![(
            CosemAttribute::new(11, [0, 1, 11, 0, 2, 255], 2),
            CosemAttribute::new(11, [0, 0, 11, 0, 2, 255], 2),
        )],
        _ => vec![(passive, CosemAttribute::new(EXTENDED_DATA, obis, 2))],
    }
}

/// After an access request that succeeded: each activation time it set makes its passive
/// values active now when it has come (or is zero), is held until it comes, or (all `FF`)
/// cancels the activation held for it. A request that sets no activation time costs a
/// comparison per set.
pub(crate) fn after_request(
    device: &mut Device,
    command: &Command<'_>,
    specifications: &[RequestSpecification],
    data: &[Data],
) {
    for (specification, time) in specifications.iter().zip(data) {
        let RequestSpecification::Set(_) = specification else {
            continue;
        };
        let trigger = CosemAttribute::from(specification.reference());
        let Some(copies) = activated_by(trigger) else {
            continue;
        };
        let Ok(at) = crate::profiles::seconds(time) else {
            continue;
        };
        match Execution::of(at, command.now) {
            Execution::Now => {
                device.cancel_instruction(InstructionKey::Cosem(trigger));
                for (passive, active) in copies {
                    if let Some(value) = device.store.cosem(passive).cloned() {
                        device.store.set_cosem(active, value);
                    }
                }
            }
            Execution::At(due) => device.hold_instruction(PendingInstruction {
                due,
                message_code: command.apdu.header.message_code(),
                counter: command.apdu.header.transaction.counter,
                instruction: Instruction::Activation { trigger, copies },
            }),
            Execution::Cancelled => device.cancel_instruction(InstructionKey::Cosem(trigger)),
        }
    }
}
