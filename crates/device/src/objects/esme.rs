//! The COSEM objects of an ESME (GBCS's electricity meter object list) and the values a
//! freshly installed meter holds. Attributes the typed state owns (registers, supply, clock,
//! firmware) are in [`crate::bindings`], not here.

use gbcs::dlms::Data;

use super::values::*;
use crate::store::CosemAttribute;

type Row = (u16, [u8; 6], u8, Data);

/// A tariff's special days and calendar as an ESME starts with them: one season, one week of
/// day profile 1 on weekdays and 2 at weekends, each day switching the tariff scripts of the
/// tariffication script table.
fn activity_calendar(rows: &mut Vec<Row>, logical_name: [u8; 6]) {
    let tariff_scripts = [0, 0, 10, 0, 100, 255];
    rows.extend([
        (
            20,
            logical_name,
            3,
            a([s([oct(b"S1"), date_time(2020, 1, 1, 0, 0), oct(b"W1")])]),
        ),
        (
            20,
            logical_name,
            4,
            a([s([
                oct(b"W1"),
                u8(1),
                u8(1),
                u8(1),
                u8(1),
                u8(1),
                u8(2),
                u8(2),
            ])]),
        ),
        (
            20,
            logical_name,
            5,
            a([
                s([
                    u8(1),
                    a([
                        s([time_of_day(0, 0), obis(tariff_scripts), u16(1)]),
                        s([time_of_day(7, 0), obis(tariff_scripts), u16(2)]),
                    ]),
                ]),
                s([
                    u8(2),
                    a([s([time_of_day(0, 0), obis(tariff_scripts), u16(1)])]),
                ]),
            ]),
        ),
    ]);
}

/// A special days table: day entries (index, date, day profile).
fn special_days(day: u8) -> Data {
    a([
        s([u16(1), yearly_date(12, 25), u8(day)]),
        s([u16(2), yearly_date(1, 1), u8(day)]),
    ])
}

/// A single action schedule entry of GBCS's schedules (the 10 fields of a schedule table row).
fn schedule_entry(index: u16, script_table: [u8; 6], script: u16, hour: u8) -> Data {
    s([
        u16(index),
        b(true),
        obis(script_table),
        u16(script),
        time_of_day(hour, 0),
        u16(0xFFFF),
        bits(7, &[0xFE]),
        bits(4, &[0x00]),
        oct(&[0xFF, 0xFF, 0xFF, 0xFF, 0xFF]),
        oct(&[0xFF, 0xFF, 0xFF, 0xFF, 0xFF]),
    ])
}

/// An account's credit or debt charge configuration: `{{scaler, scaler}, {class, OBIS,
/// attribute}, collection periods}`.
fn charge(amount: i16) -> Data {
    s([
        s([int(0), int(-5)]),
        s([u16(0), oct(&[0; 6]), int(0)]),
        a([s([oct(&[]), long(amount)])]),
    ])
}

/// The event and alert behaviour bit maps (256 events each).
fn behaviour_bits() -> Data {
    bits(256, &[0xFF; 32])
}

/// The identity objects every DLMS device has (ECS26e/i/m/n): manufacturer's serial number,
/// model and manufacturer id.
pub(super) fn identity(kind: &str) -> Vec<(CosemAttribute, Data)> {
    let rows: [Row; 3] = [
        (
            1,
            [0, 0, 96, 1, 1, 255],
            2,
            oct(format!("DCCSIM-{kind}-0001").as_bytes()),
        ),
        (
            1,
            [0, 0, 96, 1, 4, 255],
            2,
            oct(format!("SIM{kind}").as_bytes()),
        ),
        (1, [0, 0, 96, 1, 6, 255], 2, oct(b"DCS")),
    ];
    rows.into_iter()
        .map(|(class_id, obis, attribute, value)| {
            (CosemAttribute::new(class_id, obis, attribute), value)
        })
        .collect()
}

/// The CHF's own objects: its Sub GHz configuration and channel (DBCH01, DBCH03).
pub(super) fn communications_hub() -> Vec<(CosemAttribute, Data)> {
    let rows: [Row; 2] = [
        (
            1,
            [0, 0, 94, 44, 10, 0],
            2,
            s([
                bits(32, &[0xFF, 0, 0, 0]),
                bits(32, &[0xFF, 0, 0, 0]),
                bits(32, &[0xFF, 0, 0, 0]),
                bits(32, &[0xFF, 0, 0, 0]),
                u16(100),
                u16(200),
                u8(5),
                u16(5),
                u8(5),
                u8(10),
                u16(5_000),
                u8(100),
                u16(100),
                u16(5_000),
                u16(3_000),
            ]),
        ),
        (1, [0, 0, 94, 44, 10, 2], 2, bits(32, &[0x80, 0, 0, 0])),
    ];
    rows.into_iter()
        .map(|(class_id, obis, attribute, value)| {
            (CosemAttribute::new(class_id, obis, attribute), value)
        })
        .collect()
}

/// Every COSEM attribute of an ESME with its initial value.
pub(super) fn attributes() -> Vec<(CosemAttribute, Data)> {
    let mut rows: Vec<Row> = vec![
        // Registers beside the state's: scalers and units, the export register.
        (3, [1, 0, 1, 8, 0, 255], 3, scaler_unit(0, unit::WATT_HOUR)),
        (3, [1, 0, 2, 8, 0, 255], 3, scaler_unit(0, unit::WATT_HOUR)),
        (3, [1, 0, 4, 8, 0, 255], 2, dlu(0)),
        (3, [1, 0, 4, 8, 0, 255], 3, scaler_unit(0, unit::VAR_HOUR)),
        // Tariff (ECS24): block thresholds register, price scale, block prices, calendar.
        (3, [0, 0, 94, 44, 1, 7], 2, dlu(1)),
        (3, [0, 0, 94, 44, 1, 7], 3, scaler_unit(-5, unit::CURRENCY)),
        (3, [0, 0, 94, 44, 1, 8], 2, dlu(1)),
        (3, [0, 0, 94, 44, 1, 8], 3, scaler_unit(-5, unit::CURRENCY)),
        (9000, [0, 0, 94, 44, 2, 0], 2, b(false)),
        (11, [0, 0, 11, 0, 0, 255], 2, special_days(2)),
        (11, [0, 0, 11, 0, 1, 255], 2, special_days(2)),
        (11, [0, 0, 11, 0, 2, 255], 2, special_days(2)),
        (11, [0, 0, 11, 0, 3, 255], 2, special_days(2)),
        (113, [0, 0, 19, 20, 0, 255], 5, charge(1_500)),
        (113, [0, 0, 19, 20, 4, 255], 5, charge(0)),
        (113, [0, 0, 19, 20, 5, 255], 5, charge(0)),
        // Prepayment configuration (ECS26a).
        (113, [0, 0, 19, 20, 1, 255], 5, charge(0)),
        (113, [0, 0, 19, 20, 1, 255], 8, dlu(0)),
        (113, [0, 0, 19, 20, 2, 255], 5, charge(0)),
        (113, [0, 0, 19, 20, 2, 255], 8, dlu(0)),
        (113, [0, 0, 19, 20, 3, 255], 13, u16(100)),
        (9000, [0, 0, 94, 44, 2, 10], 2, dl(500_000)),
        (9000, [0, 0, 94, 44, 2, 20], 2, dl(100_000)),
        (21, [0, 0, 16, 0, 1, 255], 2, a([dl(-200_000)])),
        (111, [0, 0, 19, 0, 0, 255], 2, s([e(1), e(1)])),
        (
            111,
            [0, 0, 19, 0, 0, 255],
            11,
            a([s([
                oct(&[0, 0, 19, 10, 0, 255]),
                oct(&[0, 0, 19, 10, 1, 255]),
                bits(3, &[0xE0]),
            ])]),
        ),
        (111, [0, 0, 19, 0, 0, 255], 16, dl(1_000_000)),
        (111, [0, 0, 19, 0, 0, 255], 18, u16(1_000)),
        (111, [0, 0, 19, 0, 0, 255], 19, dl(604_800)),
        (112, [0, 0, 19, 10, 1, 255], 2, dl(0)),
        (112, [0, 0, 19, 10, 1, 255], 9, dl(1_000_000)),
        (112, [0, 0, 19, 10, 1, 255], 10, dl(50_000)),
        (
            10,
            [0, 0, 12, 0, 1, 255],
            2,
            a([schedule_entry(1, [0, 0, 10, 0, 106, 255], 0x0020, 0)]),
        ),
        // Maximum demand (ECS18a/b).
        (1, [0, 0, 94, 44, 5, 0], 2, no_date_time()),
        (1, [0, 0, 94, 44, 5, 1], 2, no_date_time()),
        (1, [0, 0, 94, 44, 5, 2], 2, no_date_time()),
        (4, [1, 0, 1, 6, 0, 255], 2, dlu(0)),
        (4, [1, 0, 1, 6, 0, 255], 3, scaler_unit(0, unit::WATT)),
        (4, [1, 0, 1, 6, 0, 255], 5, no_date_time()),
        (4, [1, 0, 1, 6, 1, 255], 2, dlu(0)),
        (4, [1, 0, 1, 6, 1, 255], 3, scaler_unit(0, unit::WATT)),
        (4, [1, 0, 1, 6, 1, 255], 5, no_date_time()),
        (4, [1, 0, 2, 6, 0, 255], 2, dlu(0)),
        (4, [1, 0, 2, 6, 0, 255], 3, scaler_unit(0, unit::WATT)),
        (4, [1, 0, 2, 6, 0, 255], 5, no_date_time()),
        (
            10,
            [0, 0, 12, 0, 0, 255],
            2,
            a([schedule_entry(1, [0, 0, 10, 0, 108, 255], 1, 0)]),
        ),
        // Export energy register list (ECS17c).
        (
            1,
            [0, 0, 94, 44, 34, 20],
            2,
            s([dlu(0), scaler_unit(0, unit::WATT_HOUR), dlu(0)]),
        ),
        // Meter balance (ECS82).
        (112, [0, 0, 19, 10, 0, 255], 2, dl(1_000)),
        // Clock status (ECS70).
        (8, [0, 0, 1, 0, 0, 255], 4, u8(0)),
        // Event and alert behaviours (ECS25r1/r2).
        (1, [0, 30, 97, 98, 15, 255], 2, behaviour_bits()),
        (1, [0, 30, 97, 98, 16, 255], 2, behaviour_bits()),
        (1, [0, 30, 97, 98, 17, 255], 2, behaviour_bits()),
        (1, [0, 30, 97, 98, 18, 255], 2, behaviour_bits()),
        (1, [0, 33, 97, 98, 15, 255], 2, behaviour_bits()),
        (1, [0, 33, 97, 98, 18, 255], 2, behaviour_bits()),
        // Voltage configuration (ECS26b): RMS limits and measurement periods.
        (71, [0, 0, 17, 0, 1, 255], 4, dlu(0)),
        (71, [0, 0, 17, 0, 1, 255], 6, dlu(0)),
        (71, [0, 0, 17, 0, 2, 255], 4, dlu(0)),
        (71, [0, 0, 17, 0, 2, 255], 6, dlu(0)),
        (71, [0, 0, 17, 0, 3, 255], 4, dlu(0)),
        (71, [0, 0, 17, 0, 3, 255], 6, dlu(0)),
        (71, [0, 0, 17, 0, 4, 255], 4, dlu(0)),
        (71, [0, 0, 17, 0, 4, 255], 6, dlu(0)),
        (1, [1, 0, 32, 35, 0, 4], 2, dlu(253)),
        (1, [1, 0, 32, 31, 0, 4], 2, dlu(216)),
        // The same limits of phases L2 and L3 (ECS26k, a polyphase meter's voltage
        // configuration; a meter of one phase answers them as well, as RTDS's does).
        (1, [1, 0, 52, 35, 0, 4], 2, dlu(253)),
        (1, [1, 0, 52, 31, 0, 4], 2, dlu(216)),
        (1, [1, 0, 72, 35, 0, 4], 2, dlu(253)),
        (1, [1, 0, 72, 31, 0, 4], 2, dlu(216)),
        // Average RMS voltage (ECS23, ECS23b): registers, scalers, the profiles' periods.
        (3, [1, 0, 32, 32, 0, 4], 2, dlu(0)),
        (3, [1, 0, 32, 32, 0, 4], 3, scaler_unit(0, unit::VOLT)),
        (3, [1, 0, 32, 36, 0, 4], 2, dlu(0)),
        (3, [1, 0, 32, 36, 0, 4], 3, scaler_unit(0, unit::VOLT)),
        (7, [1, 0, 32, 24, 0, 255], 4, dlu(1_800)),
        (3, [1, 0, 52, 32, 0, 4], 2, dlu(0)),
        (3, [1, 0, 52, 32, 0, 4], 3, scaler_unit(0, unit::VOLT)),
        (3, [1, 0, 52, 36, 0, 4], 2, dlu(0)),
        (3, [1, 0, 52, 36, 0, 4], 3, scaler_unit(0, unit::VOLT)),
        (7, [1, 0, 52, 24, 0, 255], 4, dlu(1_800)),
        (3, [1, 0, 72, 32, 0, 4], 2, dlu(0)),
        (3, [1, 0, 72, 32, 0, 4], 3, scaler_unit(0, unit::VOLT)),
        (3, [1, 0, 72, 36, 0, 4], 2, dlu(0)),
        (3, [1, 0, 72, 36, 0, 4], 3, scaler_unit(0, unit::VOLT)),
        (7, [1, 0, 72, 24, 0, 255], 4, dlu(1_800)),
        // Configuration data (ECS26c): the periods of the demand and profile logs.
        (1, [0, 0, 94, 44, 0, 0], 2, u16(30)),
        (1, [0, 0, 94, 44, 0, 1], 2, u16(30)),
        (1, [0, 0, 94, 44, 0, 2], 2, u16(30)),
        // Billing calendar (ECS26d).
        (
            22,
            [0, 0, 15, 0, 0, 255],
            4,
            a([s([time_of_day(0, 0), oct(&[0xFF, 0xFF, 0xFF, 0x01, 0xFF])])]),
        ),
        // Tamper state (ECS26e, ECS26m); identity and type are the device's (see `identity`).
        (1, [0, 0, 96, 1, 2, 255], 2, oct(b"")),
        (1, [0, 0, 94, 44, 0, 4], 2, b(false)),
        // MPAN (ECS40): primary and secondary element.
        (1, [0, 0, 94, 44, 34, 11], 2, oct(b"")),
        (1, [1, 0, 0, 0, 2, 255], 2, oct(b"")),
        // Auxiliary load control switches and controllers (ECS61a, ECS61c, ECS61d, ECS61e).
        (1, [0, 0, 94, 44, 7, 255], 2, b(false)),
        (1, [0, 0, 94, 44, 6, 1], 2, b(false)),
        (1, [0, 0, 94, 44, 6, 2], 2, b(false)),
        (1, [0, 0, 94, 44, 6, 3], 2, b(false)),
        (1, [0, 0, 94, 44, 6, 4], 2, b(false)),
        (1, [0, 0, 94, 44, 6, 5], 2, b(false)),
        (1, [0, 0, 94, 44, 0, 11], 2, vis("Auxiliary switch 1")),
        (1, [0, 0, 94, 44, 0, 12], 2, vis("Auxiliary switch 2")),
        (1, [0, 0, 94, 44, 0, 13], 2, vis("Auxiliary switch 3")),
        (1, [0, 0, 94, 44, 0, 14], 2, vis("Auxiliary switch 4")),
        (1, [0, 0, 94, 44, 0, 15], 2, vis("Auxiliary switch 5")),
        (1, [0, 0, 94, 44, 0, 21], 2, oct(&[0; 8])),
        (1, [0, 0, 94, 44, 0, 22], 2, oct(&[0; 8])),
        (1, [0, 0, 94, 44, 0, 23], 2, oct(&[0; 8])),
        (1, [0, 0, 94, 44, 0, 24], 2, oct(&[0; 8])),
        (1, [0, 0, 94, 44, 0, 25], 2, oct(&[0; 8])),
        (1, [0, 0, 94, 44, 0, 31], 2, utf8("")),
        (1, [0, 0, 94, 44, 0, 32], 2, utf8("")),
        (1, [0, 0, 94, 44, 0, 33], 2, utf8("")),
        (1, [0, 0, 94, 44, 0, 34], 2, utf8("")),
        (1, [0, 0, 94, 44, 0, 35], 2, utf8("")),
        (70, [0, 1, 96, 3, 10, 255], 2, b(false)),
        (70, [0, 2, 96, 3, 10, 255], 2, b(false)),
        (70, [0, 3, 96, 3, 10, 255], 2, b(false)),
        (70, [0, 4, 96, 3, 10, 255], 2, b(false)),
        (70, [0, 5, 96, 3, 10, 255], 2, b(false)),
        (
            10,
            [0, 0, 12, 0, 2, 255],
            2,
            a([schedule_entry(1, [0, 0, 10, 0, 103, 255], 0x0101, 7)]),
        ),
        // Instantaneous power thresholds (ECS34 writes, ECS26f reads): the register monitor of
        // the import power, its low/medium and medium/high thresholds in W, at the OBIS RTDS's
        // ECS34 and ECS26f address (0-0:16.0.0.255).
        (21, [0, 0, 16, 0, 0, 255], 2, a([dlu(3_000), dlu(6_000)])),
        // Load limiting (ECS28a writes the passive values and their activation times, ECS27
        // reads the active ones): whether the supply is disabled when the limit is exceeded
        // (GBCS Extended Data), the power threshold (W) and the periods over and under it (s)
        // (the Limiter's threshold_normal, min_over_threshold_duration and
        // min_under_threshold_duration, whose passive values are the GBCS Extended Data
        // objects 0-0:94.44.128.7, .6 and .8), and the count of limits exceeded (Register).
        (9000, [0, 0, 94, 44, 0, 3], 2, b(false)),
        (9000, [0, 0, 94, 44, 0, 3], 4, b(false)),
        (9000, [0, 0, 94, 44, 0, 3], 6, no_date_time()),
        (71, [0, 0, 17, 0, 0, 255], 4, dlu(0)),
        (71, [0, 0, 17, 0, 0, 255], 6, dlu(0)),
        (71, [0, 0, 17, 0, 0, 255], 7, dlu(0)),
        (9000, [0, 0, 94, 44, 128, 6], 4, dlu(0)),
        (9000, [0, 0, 94, 44, 128, 6], 6, no_date_time()),
        (9000, [0, 0, 94, 44, 128, 7], 4, dlu(0)),
        (9000, [0, 0, 94, 44, 128, 7], 6, no_date_time()),
        (9000, [0, 0, 94, 44, 128, 8], 4, dlu(0)),
        (9000, [0, 0, 94, 44, 128, 8], 6, no_date_time()),
        (3, [0, 0, 94, 44, 42, 255], 2, dlu(0)),
        (3, [0, 0, 94, 44, 42, 255], 3, scaler_unit(0, unit::COUNT)),
        // Objects only ever written or acted upon still exist.
        (9, [0, 0, 10, 0, 100, 255], 2, a([])),
        (9, [0, 0, 10, 0, 103, 255], 2, a([])),
        (9, [0, 0, 10, 0, 106, 255], 2, a([])),
        (9, [0, 0, 10, 0, 107, 255], 2, a([])),
        (115, [0, 0, 19, 40, 0, 255], 1, oct(&[0, 0, 19, 40, 0, 255])),
        (112, [0, 0, 19, 10, 2, 255], 2, dl(0)),
        (113, [0, 0, 19, 20, 3, 255], 5, charge(0)),
    ];
    for name in [[0, 0, 13, 0, 0, 255], [0, 0, 13, 0, 1, 255]] {
        activity_calendar(&mut rows, name);
    }
    for element in 11..=18 {
        rows.push((21, [0, 0, 16, 0, element, 255], 2, a([dlu(0xFFFF_FFFF)])));
    }
    rows.into_iter()
        .map(|(class_id, obis, attribute, value)| {
            (CosemAttribute::new(class_id, obis, attribute), value)
        })
        .collect()
}
