//! The ZCL attributes of a GSME (and of a GPF's mirror of it) and the publishes a meter in
//! service holds (its calendar and billing period), with their initial values.

use gbcs::zcl::{data_type, ZclValue};
use gbcs::zcl_commands::{self, unsigned, ClusterCommand, FieldType, CALENDAR, PRICE};

use crate::state::DeviceState;
use crate::store::{ObjectStore, ZclAttribute};

/// Basic, price, metering and prepayment attributes (the registers, supply status and meter
/// balance are the state's: see [`crate::bindings`]).
const ATTRIBUTES: &[(u16, u16, u8, u64)] = &[
    // Basic: hardware version.
    (0x0000, 0x0003, data_type::UINT8, 1),
    // Price (ZSE 1.4's commodity set): conversion factor 1.022640 (0x0302, with 6 digits
    // after the point in 0x0303's top nibble), calorific value 39.500 MJ/m3 (0x0304, unit 0x0305
    // 1 = MJ/m3, 3 digits after the point in 0x0306); then currency and price trailing digit.
    (0x0700, 0x0302, data_type::UINT32, 1_022_640),
    (0x0700, 0x0303, data_type::BITMAP8, 0x60),
    (0x0700, 0x0304, data_type::UINT32, 39_500),
    (0x0700, 0x0305, data_type::ENUM8, 1),
    (0x0700, 0x0306, data_type::BITMAP8, 0x30),
    (0x0700, 0x0616, data_type::UINT16, 0),
    (0x0700, 0x0617, data_type::BITMAP8, 0x50),
    // Metering: configuration, alarms, uncontrolled flow and valve settings.
    (0x0702, 0x0205, data_type::UINT16, 0),
    (0x0702, 0x0607, data_type::ENUM8, 0),
    (0x0702, 0x0608, data_type::ENUM8, 0),
    (0x0702, 0x0A00, data_type::UINT32, 0),
    (0x0702, 0x0B10, data_type::UINT16, 1),
    (0x0702, 0x0B11, data_type::ENUM8, 0),
    (0x0702, 0x0B12, data_type::UINT16, 30),
    (0x0702, 0x0B13, data_type::UINT16, 60),
    (0x0702, 0x0B14, data_type::UINT8, 5),
    (0x0702, 0x0B15, data_type::UINT16, 10),
    // Prepayment: emergency credit, debts and limits (pence × 1000 as ZCL has them).
    (0x0705, 0x0002, data_type::INT32, 0),
    (0x0705, 0x0005, data_type::INT32, 0),
    (0x0705, 0x0006, data_type::INT32, 0),
    (0x0705, 0x0010, data_type::UINT32, 500_000),
    (0x0705, 0x0011, data_type::UINT32, 100_000),
    (0x0705, 0x0021, data_type::UINT32, 5_000_000),
    (0x0705, 0x0022, data_type::UINT32, 2_000_000),
    (0x0705, 0x0031, data_type::UINT32, 300_000),
    (0x0705, 0x0040, data_type::INT32, 0),
    (0x0705, 0x0211, data_type::UINT32, 0),
    (0x0705, 0x0216, data_type::ENUM8, 1),
    (0x0705, 0x0217, data_type::UINT32, 0),
    (0x0705, 0x0221, data_type::UINT32, 0),
    (0x0705, 0x0226, data_type::ENUM8, 1),
    (0x0705, 0x0227, data_type::UINT32, 0),
    (0x0705, 0x0231, data_type::UINT32, 0),
    (0x0705, 0x0239, data_type::UINT16, 0),
];

/// Puts a GSME's attributes and publishes in `store`.
pub(super) fn fill(store: &mut ObjectStore, state: &DeviceState) {
    for (cluster, attribute, kind, value) in ATTRIBUTES {
        let value = match *kind {
            data_type::INT32 => ZclValue::signed(*kind, i64::try_from(*value).unwrap_or(0)),
            _ => ZclValue::unsigned(*kind, *value),
        };
        store.set_zcl(ZclAttribute::new(*cluster, *attribute), value);
    }
    let strings = [(0x0000, 0x0004, "DCCSIM"), (0x0000, 0x0005, "SIMGSME")];
    for (cluster, attribute, text) in strings {
        store.set_zcl(
            ZclAttribute::new(cluster, attribute),
            ZclValue::character_string(text),
        );
    }
    store.set_zcl(
        ZclAttribute::new(0x0702, 0x0307),
        ZclValue::octet_string(Vec::new()),
    );
    publishes(store, state);
}

/// The calendar and billing period a meter in service holds: two day profiles (one tier all
/// day, two tiers from 07:00), one week, one season, one special day, a monthly billing period
/// from the first of the month of installation.
fn publishes(store: &mut ObjectStore, state: &DeviceState) {
    let issued = u64::from(state.installed.seconds_since_2000());
    tariff(store, issued);
    let header = |fields: &[u64]| -> Vec<ZclValue> {
        [0, issued, 1]
            .iter()
            .chain(fields)
            .map(|value| unsigned(FieldType::Uint32, *value))
            .collect()
    };
    let u8_fields = |values: &[u64]| -> Vec<ZclValue> {
        values
            .iter()
            .map(|value| unsigned(FieldType::Uint8, *value))
            .collect()
    };
    let mut publish =
        |cluster: u16, command: u8, fields: Vec<ZclValue>, records: Vec<Vec<ZclValue>>| {
            if let Some(layout) = zcl_commands::layout(cluster, true, command) {
                store.publish(
                    cluster,
                    command,
                    0,
                    layout.encode(&ClusterCommand { fields, records }),
                );
            }
        };
    for (day, switches) in [(1u64, &[(0u64, 1u64)][..]), (2, &[(0, 1), (420, 2)][..])] {
        let mut fields = header(&[]);
        fields.extend(u8_fields(&[day, switches.len() as u64, 0, 1]));
        fields.push(unsigned(FieldType::Enum8, 0));
        let records = switches
            .iter()
            .map(|(minute, tier)| {
                vec![
                    unsigned(FieldType::Uint16, *minute),
                    unsigned(FieldType::Uint8, *tier),
                ]
            })
            .collect();
        publish(CALENDAR, 0x01, fields, records);
    }
    let mut week = header(&[]);
    week.extend(u8_fields(&[1, 2, 2, 2, 2, 2, 1, 1]));
    publish(CALENDAR, 0x02, week, Vec::new());
    let mut seasons = header(&[]);
    seasons.extend(u8_fields(&[0, 1]));
    publish(
        CALENDAR,
        0x03,
        seasons,
        vec![vec![zcl_date(0xFF, 1, 1), unsigned(FieldType::Uint8, 1)]],
    );
    let mut special_days = header(&[]);
    special_days.push(unsigned(FieldType::UtcTime, 0));
    special_days.push(unsigned(FieldType::Enum8, 0));
    special_days.extend(u8_fields(&[1, 0, 1]));
    publish(
        CALENDAR,
        0x04,
        special_days,
        vec![vec![zcl_date(0xFF, 12, 25), unsigned(FieldType::Uint8, 1)]],
    );
    // Monthly (duration 1, timebase 3: months, as RTDS's GCS25 publishes it), from midnight
    // UTC on the first of the month of installation.
    let first_of_the_month = state
        .installed
        .to_offset_date_time()
        .and_then(|installed| installed.replace_day(1).ok())
        .map(|first| first.replace_time(time::Time::MIDNIGHT))
        .map_or(issued, |first| {
            u64::from(
                crate::date_time::DeviceDateTime::from_offset_date_time(first).seconds_since_2000(),
            )
        });
    publish(
        PRICE,
        0x09,
        vec![
            unsigned(FieldType::Uint32, 0),
            unsigned(FieldType::Uint32, issued),
            unsigned(FieldType::UtcTime, first_of_the_month),
            unsigned(FieldType::Uint24, 1),
            unsigned(FieldType::Bitmap8, 0x23),
            unsigned(FieldType::Enum8, 0),
        ],
        Vec::new(),
    );
}

/// The tariff a meter in service holds until the DCC publishes another (1.1.1, 1.2.1): a TOU
/// tariff of the calendar's two tiers in pounds to five decimal places per kWh (7p and 5p),
/// a standing charge of 26p a day, no blocks.
fn tariff(store: &mut ObjectStore, issued: u64) {
    use gbcs::zse::price::{self, PublishPriceMatrix, PublishTariffInformation};
    use gbcs::zse::{ClusterCommand as _, Uint24, UtcTime};
    let issued = u32::try_from(issued).unwrap_or(0);
    let information = PublishTariffInformation {
        provider_id: 0,
        issuer_event_id: issued,
        issuer_tariff_id: 1,
        start_time: UtcTime(issued),
        tariff_type_charging_scheme: price::TARIFF_TYPE_TOU,
        tariff_label: Vec::new(),
        number_of_price_tiers_in_use: 2,
        number_of_block_thresholds_in_use: 0,
        unit_of_measure: price::UNIT_OF_MEASURE_KWH,
        currency: price::CURRENCY_GBP,
        price_trailing_digit: 0x50,
        standing_charge: 26_000,
        tier_block_mode: 0xFF,
        block_threshold_multiplier: Uint24(1),
        block_threshold_divisor: Uint24(1_000),
    };
    let matrix = PublishPriceMatrix {
        provider_id: 0,
        issuer_event_id: issued,
        start_time: UtcTime(issued),
        issuer_tariff_id: 1,
        command_index: 0,
        total_number_of_commands: 1,
        sub_payload_control: price::PRICE_MATRIX_TOU,
        prices: vec![(1, 7_000), (2, 5_000)],
    };
    store.publish(PRICE, 0x04, 0, information.payload());
    store.publish(PRICE, 0x05, 0, matrix.payload());
}

/// A ZCL date: year − 1900 (`FF` any), month, day, day of week not specified.
fn zcl_date(year: u8, month: u8, day: u8) -> ZclValue {
    ZclValue::Fixed {
        data_type: data_type::DATE,
        bytes: vec![year, month, day, 0xFF],
    }
}
