//! An ESME's passive settings becoming active: a tariff update (ECS01a, ECS01b…) writes the
//! passive attributes (the activity calendar's passive season, week and day profiles, the
//! passive special days, thresholds, price matrix and unit charges) and the calendar's
//! `activate_passive_calendar_time`, a load limiting update (ECS28a) the passive load limit
//! settings and their activation times; once that time has come, each passive value is copied
//! to its active attribute, which reads (ECS24, ECS27) return. A time still to come is left for
//! later: dccsim does not activate future-dated settings yet.

use gbcs::dlms::{Data, RequestSpecification};

use crate::date_time::DeviceDateTime;
use crate::engine::Device;
use crate::store::CosemAttribute;

/// Class 20 Activity calendar and its `activate_passive_calendar_time` attribute.
const ACTIVITY_CALENDAR: [u8; 6] = [0, 0, 13, 0, 0, 255];
/// The price matrix (manufacturer class 9000): passive 4, active 2, activation time 6.
const PRICE_MATRIX: [u8; 6] = [0, 0, 94, 44, 2, 0];
/// The unit charges of block and time-of-use tariffs (class 113 Charge): passive 6, active
/// 5, activation time 7.
const UNIT_CHARGES: [[u8; 6]; 2] = [[0, 0, 19, 20, 4, 255], [0, 0, 19, 20, 0, 255]];

/// Load limiting (ECS28a): whether the supply is disabled when the limit is exceeded (GBCS
/// Extended Data: passive 4, active 2, activation time 6).
const LOAD_LIMIT_SUPPLY_STATE: [u8; 6] = [0, 0, 94, 44, 0, 3];
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

/// What setting `trigger` to a time that has come activates: each passive attribute with the
/// active one it becomes; `None` for an attribute that is no activation time.
fn activated_by(trigger: CosemAttribute) -> Option<Vec<(CosemAttribute, CosemAttribute)>> {
    let same_object = |class_id, obis, passive, active| {
        (
            CosemAttribute::new(class_id, obis, passive),
            CosemAttribute::new(class_id, obis, active),
        )
    };
    if trigger == CosemAttribute::new(20, ACTIVITY_CALENDAR, 10) {
        let mut calendar = vec![
            // Calendar name, season, week and day profiles.
            same_object(20, ACTIVITY_CALENDAR, 6, 2),
            same_object(20, ACTIVITY_CALENDAR, 7, 3),
            same_object(20, ACTIVITY_CALENDAR, 8, 4),
            same_object(20, ACTIVITY_CALENDAR, 9, 5),
            // Special days: the passive table is 0-1:11.0.0, the active 0-0:11.0.0.
            (
                CosemAttribute::new(11, [0, 1, 11, 0, 0, 255], 2),
                CosemAttribute::new(11, [0, 0, 11, 0, 0, 255], 2),
            ),
        ];
        // Block thresholds: register monitors 0-0:16.1.X passive, 0-0:16.0.X active.
        for block in 11..=18 {
            calendar.push((
                CosemAttribute::new(21, [0, 0, 16, 1, block, 255], 2),
                CosemAttribute::new(21, [0, 0, 16, 0, block, 255], 2),
            ));
        }
        return Some(calendar);
    }
    if trigger == CosemAttribute::new(9000, PRICE_MATRIX, 6) {
        return Some(vec![same_object(9000, PRICE_MATRIX, 4, 2)]);
    }
    if trigger == CosemAttribute::new(9000, LOAD_LIMIT_SUPPLY_STATE, 6) {
        return Some(vec![same_object(9000, LOAD_LIMIT_SUPPLY_STATE, 4, 2)]);
    }
    if let Some((passive, limiter_attribute)) = LOAD_LIMIT_SETTINGS
        .into_iter()
        .find(|(passive, _)| trigger == CosemAttribute::new(9000, *passive, 6))
    {
        return Some(vec![(
            CosemAttribute::new(9000, passive, 4),
            CosemAttribute::new(71, LIMITER, limiter_attribute),
        )]);
    }
    UNIT_CHARGES
        .into_iter()
        .find(|charge| trigger == CosemAttribute::new(113, *charge, 7))
        .map(|charge| vec![same_object(113, charge, 6, 5)])
}

/// After an access request that succeeded: each activation time it set to a time that has
/// come (or left unspecified, all FF) makes its passive values active. A request that sets no
/// activation time costs a comparison per set.
pub(crate) fn after_request(
    device: &mut Device,
    specifications: &[RequestSpecification],
    data: &[Data],
    now: DeviceDateTime,
) {
    let now = now.seconds_since_2000();
    for (specification, time) in specifications.iter().zip(data) {
        let RequestSpecification::Set(_) = specification else {
            continue;
        };
        let Some(pairs) = activated_by(CosemAttribute::from(specification.reference())) else {
            continue;
        };
        let Ok(at) = crate::profiles::seconds(time) else {
            continue;
        };
        if at != u32::MAX && at > now {
            continue;
        }
        for (passive, active) in pairs {
            if let Some(value) = device.store.cosem(passive).cloned() {
                device.store.set_cosem(active, value);
            }
        }
    }
}
