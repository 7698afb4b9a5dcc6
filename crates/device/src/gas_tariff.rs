//! A GSME's tariff as its price cluster attributes report it (GCS21f): the tariff the DCC last
//! published to it (1.1.1 and 1.2.1: GCS01a, GCS01b; a meter in service starts with one, see
//! [`crate::objects`]), read from the Publish Tariff Information, Publish Price Matrix and
//! Publish Block Thresholds the meter keeps. Its Publish Price (Get Current Price) is built
//! from the same tariff.

use gbcs::zcl::{data_type, ZclValue};
use gbcs::zcl_commands;
use gbcs::zse::price::{PublishBlockThresholds, PublishPriceMatrix, PublishTariffInformation};
use gbcs::zse::ClusterCommand as _;

use crate::date_time::DeviceDateTime;
use crate::store::ObjectStore;

/// The price cluster.
pub const PRICE_CLUSTER: u16 = 0x0700;
/// Publish Tariff Information, Publish Price Matrix, Publish Block Thresholds.
const TARIFF_INFORMATION: u8 = 0x04;
const PRICE_MATRIX: u8 = 0x05;
const BLOCK_THRESHOLDS: u8 = 0x06;
/// Price matrix sub-payload control: prices by TOU tier (1–48) instead of by tier and block.
const TOU_PRICES: u8 = 0x01;

/// The tariff the meter holds.
pub(crate) struct GasTariff {
    pub information: PublishTariffInformation,
    /// Prices by (tier, block): tier 0 is "no tier", block 0 the first block; a TOU tariff's
    /// prices are each tier's first block.
    pub prices: Vec<((u8, u8), u32)>,
    /// Block thresholds of every tier (tier 0: all tiers), lowest first.
    pub thresholds: Vec<(u8, Vec<u64>)>,
}

impl GasTariff {
    /// The tariff last published to the meter; `None` when none was (or its tariff
    /// information does not decode).
    pub fn held(store: &ObjectStore) -> Option<Self> {
        let information = store
            .published(PRICE_CLUSTER, TARIFF_INFORMATION)
            .last()
            .and_then(|payload| PublishTariffInformation::decode_payload(payload).ok())?;
        let mut prices = Vec::new();
        for payload in store.published(PRICE_CLUSTER, PRICE_MATRIX) {
            let Ok(matrix) = PublishPriceMatrix::decode_payload(payload) else {
                continue;
            };
            for (id, price) in matrix.prices {
                let key = match matrix.sub_payload_control & 0x01 {
                    TOU_PRICES => (id, 0),
                    _ => (id >> 4, id & 0x0F),
                };
                prices.push((key, price));
            }
        }
        let mut thresholds = Vec::new();
        for payload in store.published(PRICE_CLUSTER, BLOCK_THRESHOLDS) {
            let Ok(published) = PublishBlockThresholds::decode_payload(payload) else {
                continue;
            };
            for tier in published.tiers {
                thresholds.push((
                    tier.tier,
                    tier.thresholds
                        .iter()
                        .map(|threshold| threshold.0)
                        .collect(),
                ));
            }
        }
        Some(Self {
            information,
            prices,
            thresholds,
        })
    }

    /// The price of `block` (0 the first) of `tier` (0: no tier); 0 where the tariff has none.
    pub fn price(&self, tier: u8, block: u8) -> u32 {
        self.prices
            .iter()
            .rev()
            .find(|(key, _)| *key == (tier, block))
            .map_or(0, |(_, price)| *price)
    }

    /// Threshold `index` (0 the first) of the blocks: those published for all tiers (tier 0),
    /// else tier 1's; 0 where the tariff has none.
    fn threshold(&self, index: usize) -> u64 {
        let of_tier = |wanted: u8| {
            self.thresholds
                .iter()
                .rev()
                .find(|(tier, _)| *tier == wanted)
                .and_then(|(_, thresholds)| thresholds.get(index).copied())
        };
        of_tier(0).or_else(|| of_tier(1)).unwrap_or(0)
    }

    /// The value of a price cluster attribute the tariff sets (ZSE 1.4 types), `None` for the
    /// others.
    pub fn attribute(&self, attribute: u16) -> Option<ZclValue> {
        let information = &self.information;
        let unsigned = ZclValue::unsigned;
        Some(match attribute {
            // Block 1–15 Threshold.
            0x0100..=0x010E => unsigned(
                data_type::UINT48,
                self.threshold(usize::from(attribute - 0x0100)),
            ),
            0x0202 => unsigned(
                data_type::UINT24,
                u64::from(information.block_threshold_multiplier.0),
            ),
            0x0203 => unsigned(
                data_type::UINT24,
                u64::from(information.block_threshold_divisor.0),
            ),
            0x0301 => unsigned(data_type::UINT32, u64::from(information.standing_charge)),
            // No Tier Block 1–16 Price, Tier 1–15 Block 1–16 Price.
            0x0400..=0x04FF => {
                let [_, tier_and_block] = attribute.to_be_bytes();
                unsigned(
                    data_type::UINT32,
                    u64::from(self.price(tier_and_block >> 4, tier_and_block & 0x0F)),
                )
            }
            0x0615 => unsigned(data_type::ENUM8, u64::from(information.unit_of_measure)),
            0x0616 => unsigned(data_type::UINT16, u64::from(information.currency)),
            0x0617 => unsigned(
                data_type::BITMAP8,
                u64::from(information.price_trailing_digit),
            ),
            _ => return None,
        })
    }
}

/// Publish Conversion Factor and Publish Calorific Value (GCS23, 6.6).
const CONVERSION_FACTOR: u8 = 0x02;
const CALORIFIC_VALUE: u8 = 0x03;

/// The value of a price cluster commodity attribute the DCC last published to the meter
/// (GCS23): Conversion Factor (0x0302) and its Trailing Digit (0x0303) from the last Publish
/// Conversion Factor, Calorific Value (0x0304), its Unit (0x0305) and Trailing Digit (0x0306)
/// from the last Publish Calorific Value. `None` for other attributes, or when nothing was
/// published (the meter's initial values then answer).
pub(crate) fn commodity_attribute(store: &ObjectStore, attribute: u16) -> Option<ZclValue> {
    let last = |command| store.published(PRICE_CLUSTER, command).last();
    // Both payloads start Issuer Event ID (4 octets), Start Time (4 octets), then the value
    // (Uint32) and its unit and trailing digit octets.
    let value = |payload: &Vec<u8>| -> Option<u64> {
        let octets: [u8; 4] = payload.get(8..12)?.try_into().ok()?;
        Some(u64::from(u32::from_le_bytes(octets)))
    };
    let octet = |payload: &Vec<u8>, index: usize| payload.get(index).copied().map(u64::from);
    let unsigned = ZclValue::unsigned;
    match attribute {
        0x0302 => Some(unsigned(
            data_type::UINT32,
            value(last(CONVERSION_FACTOR)?)?,
        )),
        0x0303 => Some(unsigned(
            data_type::BITMAP8,
            octet(last(CONVERSION_FACTOR)?, 12)?,
        )),
        0x0304 => Some(unsigned(data_type::UINT32, value(last(CALORIFIC_VALUE)?)?)),
        0x0305 => Some(unsigned(
            data_type::ENUM8,
            octet(last(CALORIFIC_VALUE)?, 12)?,
        )),
        0x0306 => Some(unsigned(
            data_type::BITMAP8,
            octet(last(CALORIFIC_VALUE)?, 13)?,
        )),
        _ => None,
    }
}

/// The calendar cluster and its Publish Day Profile and Publish Week Profile.
const CALENDAR_CLUSTER: u16 = 0x0707;
const DAY_PROFILE: u8 = 0x01;
const WEEK_PROFILE: u8 = 0x02;

/// The TOU tier in effect at `now` by the delivered calendar the meter holds (its first week
/// profile's day for today, that day's last switch before now); tier 1 when the calendar says
/// nothing.
fn tier_now(store: &ObjectStore, now: DeviceDateTime) -> u8 {
    let seconds = now.seconds_since_2000();
    // 2000-01-01 was a Saturday: Monday is day 0 of a week profile.
    let weekday = usize::try_from((seconds / 86_400 + 5) % 7).unwrap_or(0);
    let minute = u64::from(seconds % 86_400 / 60);
    let decoded = |command: u8| {
        let layout = zcl_commands::layout(CALENDAR_CLUSTER, true, command);
        store
            .published(CALENDAR_CLUSTER, command)
            .iter()
            .filter_map(move |payload| layout.and_then(|layout| layout.decode(payload).ok()))
    };
    let field = |command: &zcl_commands::ClusterCommand, index: usize| {
        command
            .fields
            .get(index)
            .and_then(ZclValue::as_unsigned)
            .unwrap_or(0)
    };
    let Some(day_id) = decoded(WEEK_PROFILE)
        .next()
        .map(|week| field(&week, 4 + weekday))
    else {
        return 1;
    };
    decoded(DAY_PROFILE)
        .find(|day| field(day, 3) == day_id)
        .and_then(|day| {
            day.records.iter().rev().find_map(|entry| {
                let start = entry.first()?.as_unsigned()?;
                let tier = entry.get(1)?.as_unsigned()?;
                (start <= minute).then_some(tier)
            })
        })
        .and_then(|tier| u8::try_from(tier).ok())
        .unwrap_or(1)
}

/// The Publish Price a GSME answers Get Current Price with (GCS21f): the price in effect now
/// (a TOU tariff's tier by the calendar, a block tariff's first block), with the tariff's
/// label, unit, currency and trailing digits. It ends with the price, as RTDS's GSME answers
/// GCS21f: none of the fields ZSE 1.4 adds after it (ratios, generation and alternate cost,
/// block thresholds, price control, extended tiers).
pub(crate) fn publish_price(store: &ObjectStore, now: DeviceDateTime) -> Option<Vec<u8>> {
    let tariff = GasTariff::held(store)?;
    let information = &tariff.information;
    let block_tariff = information.tariff_type_charging_scheme & 0x0F != 0
        || information.tariff_type_charging_scheme & 0xF0 == 0x10;
    let (tier, price) = match block_tariff {
        true => (0, tariff.price(0, 0)),
        false => {
            let tier = tier_now(store, now);
            (tier, tariff.price(tier, 0))
        }
    };
    let mut out = Vec::with_capacity(40);
    out.extend_from_slice(&0u32.to_le_bytes());
    let label = &information.tariff_label[..information.tariff_label.len().min(12)];
    out.push(u8::try_from(label.len()).unwrap_or(0));
    out.extend_from_slice(label);
    out.extend_from_slice(&information.issuer_event_id.to_le_bytes());
    out.extend_from_slice(&now.seconds_since_2000().to_le_bytes());
    out.push(information.unit_of_measure);
    out.extend_from_slice(&information.currency.to_le_bytes());
    out.push(information.price_trailing_digit & 0xF0 | tier & 0x0F);
    out.push(information.number_of_price_tiers_in_use << 4 | tier & 0x0F);
    out.extend_from_slice(&information.start_time.0.to_le_bytes());
    // Duration: until changed.
    out.extend_from_slice(&0xFFFFu16.to_le_bytes());
    out.extend_from_slice(&price.to_le_bytes());
    Some(out)
}
