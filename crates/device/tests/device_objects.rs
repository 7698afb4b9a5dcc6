//! Reads of use cases whose RTDS folders dccsim's sample lacks: every attribute or object the
//! command reads (as the DSP builds it from DCC's template) answers Success with the type a
//! SMETS2 meter gives, and what a service writes a later read returns.
//!
//! ESME: ECS26f (6.2.5 instantaneous power thresholds, written by ECS34), ECS27 (4.15 load
//! limit data, written by ECS28a). GSME: GCS13c (4.1.2 TOU registers), GCS21f (4.11.1 tariff
//! data, written by GCS01a), GCS21j (6.2.9 payment mode, written by GCS02/GCS03).

mod support;

use dcc_model::DeviceType;
use device::{Device, DeviceState, PaymentMode};
use gbcs::cosem::{class, reference, AccessRequest};
use gbcs::dlms::CosemReference;
use gbcs::dlms::Data;
use gbcs::gbz::{ComponentBody, GbzPayload};
use gbcs::zcl::{data_type, GeneralCommand, ReadAttributeRecord, ZclValue};
use gbcs::zse::prepayment::ChangePaymentMode;
use gbcs::zse::price::{
    PublishBlockThresholds, PublishPriceMatrix, PublishTariffInformation, TierBlockThresholds,
};
use gbcs::zse::requests::{ClusterCommand as Request, CommandPayload, ZclRequest};
use gbcs::zse::{numbered, ClusterCommand as _, Uint24, Uint48, UtcTime};
use gbcs::MessageCode;
use support::*;

const ECS26F: MessageCode = MessageCode(0x0040);
const ECS27: MessageCode = MessageCode(0x0042);
const ECS28A: MessageCode = MessageCode(0x0043);
const ECS34: MessageCode = MessageCode(0x0047);
const GCS01A: MessageCode = MessageCode(0x006B);
const GCS03: MessageCode = MessageCode(0x006D);
const GCS13C: MessageCode = MessageCode(0x00B6);
const GCS21F: MessageCode = MessageCode(0x009F);
const GCS21J: MessageCode = MessageCode(0x00BF);

const PRICE: u16 = 0x0700;
const METERING: u16 = 0x0702;
const PREPAYMENT: u16 = 0x0705;

fn esme() -> Device {
    esme_in(DeviceState::default())
}

fn gsme_in(state: DeviceState) -> Device {
    Device::new(&device_config(GSME, DeviceType::GasSmartMeter, state)).unwrap()
}

/// The results and data of an ESME's access-response to a DLMS command sent by the supplier
/// (signed when `signed`: the answer is then signed by the meter, else MACed).
fn dlms(
    esme: &mut Device,
    code: MessageCode,
    counter: u64,
    request: AccessRequest,
    signed: bool,
) -> Vec<(u8, Data)> {
    supplier_dlms(esme, code, counter, request, signed, NOW)
}

fn all_succeed(code: MessageCode, answers: &[(u8, Data)]) {
    assert!(
        answers.iter().all(|(result, _)| *result == 0),
        "{code}: {answers:?}"
    );
}

/// What the DSP reads for ECS26f: the import power register monitor's thresholds.
const POWER_THRESHOLDS: CosemReference =
    reference(class::REGISTER_MONITOR, [0, 0, 16, 0, 0, 255], 2);

#[test]
fn ecs26f_reads_the_instantaneous_power_thresholds_ecs34_sets() {
    let mut esme = esme();
    let read = || AccessRequest::new().get(POWER_THRESHOLDS);
    let answers = dlms(&mut esme, ECS26F, 10, read(), false);
    all_succeed(ECS26F, &answers);
    let Data::Array(thresholds) = &answers[0].1 else {
        panic!("ECS26f: {answers:?}");
    };
    assert_eq!(thresholds.len(), 2, "low/medium and medium/high");
    assert!(thresholds
        .iter()
        .all(|threshold| matches!(threshold, Data::DoubleLongUnsigned(_))));

    let thresholds = Data::Array(vec![
        Data::DoubleLongUnsigned(2_300),
        Data::DoubleLongUnsigned(4_600),
    ]);
    let set = AccessRequest::new().set(POWER_THRESHOLDS, thresholds.clone());
    all_succeed(ECS34, &dlms(&mut esme, ECS34, 11, set, false));
    assert_eq!(
        dlms(&mut esme, ECS26F, 12, read(), false),
        vec![(0, thresholds)]
    );
}

/// What the DSP reads for ECS27 (`dsp::services::reads`): the load limit supply state, the
/// load limit counter's value and scaler-unit, the Limiter's threshold and its minimum over-
/// and under-threshold durations.
fn ecs27() -> AccessRequest {
    let limiter = |attribute| reference(class::LIMITER, [0, 0, 17, 0, 0, 255], attribute);
    AccessRequest::new()
        .get(reference(
            class::GBCS_EXTENDED_DATA,
            [0, 0, 94, 44, 0, 3],
            2,
        ))
        .get(reference(class::REGISTER, [0, 0, 94, 44, 42, 255], 2))
        .get(reference(class::REGISTER, [0, 0, 94, 44, 42, 255], 3))
        .get(limiter(4))
        .get(limiter(6))
        .get(limiter(7))
}

/// RTDS's ECS28a (6.4.1, immediate): the passive load limit settings and their activation
/// times (all zero: at once).
fn ecs28a(disable_supply: bool, threshold: u32, period: u32, restoration: u32) -> AccessRequest {
    let extended = |element, attribute| {
        reference(
            class::GBCS_EXTENDED_DATA,
            [0, 0, 94, 44, if element == 3 { 0 } else { 128 }, element],
            attribute,
        )
    };
    let at_once = || Data::OctetString(vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0, 0xFF]);
    AccessRequest::new()
        .set(
            extended(3, 4),
            Data::Boolean(if disable_supply { 0xFF } else { 0 }),
        )
        .set(extended(7, 4), Data::DoubleLongUnsigned(threshold))
        .set(extended(6, 4), Data::DoubleLongUnsigned(period))
        .set(extended(8, 4), Data::DoubleLongUnsigned(restoration))
        .set(extended(3, 6), at_once())
        .set(extended(7, 6), at_once())
        .set(extended(6, 6), at_once())
        .set(extended(8, 6), at_once())
}

#[test]
fn ecs27_reads_the_load_limit_settings_ecs28a_activates() {
    let mut esme = esme();
    let answers = dlms(&mut esme, ECS27, 20, ecs27(), false);
    all_succeed(ECS27, &answers);
    let data: Vec<&Data> = answers.iter().map(|(_, data)| data).collect();
    assert!(matches!(data[0], Data::Boolean(_)), "{data:?}");
    assert!(matches!(data[1], Data::DoubleLongUnsigned(_)), "{data:?}");
    assert!(
        matches!(data[2], Data::Structure(fields)
            if matches!(fields.as_slice(), [Data::Integer(_), Data::Enum(_)])),
        "{data:?}"
    );
    assert!(
        data[3..]
            .iter()
            .all(|datum| matches!(datum, Data::DoubleLongUnsigned(_))),
        "{data:?}"
    );

    all_succeed(
        ECS28A,
        &dlms(&mut esme, ECS28A, 21, ecs28a(true, 6_900, 300, 30), true),
    );
    let answers = dlms(&mut esme, ECS27, 22, ecs27(), false);
    all_succeed(ECS27, &answers);
    let data: Vec<Data> = answers.into_iter().map(|(_, data)| data).collect();
    assert_eq!(data[0], Data::Boolean(0xFF));
    assert_eq!(
        data[3..],
        [
            Data::DoubleLongUnsigned(6_900),
            Data::DoubleLongUnsigned(300),
            Data::DoubleLongUnsigned(30),
        ]
    );
}

/// A GSME's answer to a GBZ command sent by the supplier now.
fn gbz(
    gsme: &mut Device,
    code: MessageCode,
    counter: u64,
    payload: Vec<u8>,
    signed: bool,
) -> GbzPayload {
    supplier_gbz(gsme, code, counter, payload, signed, NOW)
}

fn read_records(answer: &GbzPayload, index: usize) -> Vec<ReadAttributeRecord> {
    let component = &answer.components[index];
    let ComponentBody::Plain(payload) = &component.body else {
        panic!("component {index} still encrypted");
    };
    match GeneralCommand::decode(component.command_id, payload) {
        Ok(GeneralCommand::ReadAttributesResponse(records)) => records,
        other => panic!("component {index}: not a read attributes response: {other:?}"),
    }
}

fn read(cluster: u16, attributes: &[u16]) -> Vec<u8> {
    CommandPayload::new()
        .with(ZclRequest::read_attributes(cluster, attributes))
        .encode()
}

/// Each record succeeded with a value of its expected ZCL type; the values.
fn values(records: &[ReadAttributeRecord], types: &[(u16, u8)]) -> Vec<ZclValue> {
    assert_eq!(records.len(), types.len(), "{records:?}");
    records
        .iter()
        .zip(types)
        .map(|(record, (attribute, kind))| {
            assert_eq!(record.attribute, *attribute);
            assert_eq!(record.status, 0, "attribute {attribute:04X}: {record:?}");
            let value = record.value.clone().unwrap();
            assert_eq!(value.data_type(), *kind, "attribute {attribute:04X}");
            value
        })
        .collect()
}

#[test]
fn gcs13c_reads_four_tou_registers_that_sum_to_the_total() {
    let state = DeviceState {
        gas_current_summation_delivered: 987_654,
        ..DeviceState::default()
    };
    let mut gsme = gsme_in(state);
    // The DSP's GCS13c: divisor, multiplier, unit, then the tier 1–4 summations delivered.
    let types = [
        (0x0302, data_type::UINT24),
        (0x0301, data_type::UINT24),
        (0x0300, data_type::ENUM8),
        (0x0100, data_type::UINT48),
        (0x0102, data_type::UINT48),
        (0x0104, data_type::UINT48),
        (0x0106, data_type::UINT48),
    ];
    let attributes: Vec<u16> = types.iter().map(|(attribute, _)| *attribute).collect();
    let answer = gbz(&mut gsme, GCS13C, 30, read(METERING, &attributes), false);
    let values = values(&read_records(&answer, 0), &types);
    let tiers: u64 = values[3..]
        .iter()
        .map(|value| value.as_unsigned().unwrap())
        .sum();
    assert_eq!(tiers, 987_654);
}

/// RTDS's GCS02 and GCS03 proposed payment control configurations.
const CREDIT_CONFIGURATION: u64 = 0x0C94;
const PREPAYMENT_CONFIGURATION: u64 = 0x0897;

#[test]
fn gcs21j_reads_the_payment_control_configuration_gcs03_sets() {
    let mut gsme = gsme_in(DeviceState::default());
    let payment_mode = |gsme: &mut Device, counter| {
        let answer = gbz(gsme, GCS21J, counter, read(PREPAYMENT, &[0x0000]), false);
        values(&read_records(&answer, 0), &[(0x0000, data_type::BITMAP16)])[0]
            .as_unsigned()
            .unwrap()
    };
    assert_eq!(payment_mode(&mut gsme, 40), CREDIT_CONFIGURATION);

    let change = ChangePaymentMode {
        provider_id: 0,
        issuer_event_id: 1,
        implementation_date_time: UtcTime(0),
        proposed_payment_control_configuration: 0x0897,
        cut_off_value: 0,
    };
    gbz(
        &mut gsme,
        GCS03,
        41,
        numbered(vec![change.component()]).encode(),
        true,
    );
    assert_eq!(payment_mode(&mut gsme, 42), PREPAYMENT_CONFIGURATION);

    // A meter set up in prepayment mode reports it too.
    let mut prepayment = gsme_in(DeviceState {
        payment_mode: PaymentMode::Prepayment,
        ..DeviceState::default()
    });
    assert_eq!(payment_mode(&mut prepayment, 43), PREPAYMENT_CONFIGURATION);
}

/// The DSP's GCS21f price cluster read: threshold divisor and multiplier, block thresholds
/// 1–3, unit of measure, no-tier block prices 1–4, tier 1–4 prices, currency, price trailing
/// digits and standing charge.
const TARIFF_ATTRIBUTES: [(u16, u8); 17] = [
    (0x0203, data_type::UINT24),
    (0x0202, data_type::UINT24),
    (0x0100, data_type::UINT48),
    (0x0101, data_type::UINT48),
    (0x0102, data_type::UINT48),
    (0x0615, data_type::ENUM8),
    (0x0400, data_type::UINT32),
    (0x0401, data_type::UINT32),
    (0x0402, data_type::UINT32),
    (0x0403, data_type::UINT32),
    (0x0410, data_type::UINT32),
    (0x0420, data_type::UINT32),
    (0x0430, data_type::UINT32),
    (0x0440, data_type::UINT32),
    (0x0616, data_type::UINT16),
    (0x0617, data_type::BITMAP8),
    (0x0301, data_type::UINT32),
];

fn gcs21f() -> Vec<u8> {
    let attributes: Vec<u16> = TARIFF_ATTRIBUTES
        .iter()
        .map(|(attribute, _)| *attribute)
        .collect();
    CommandPayload::new()
        .with(ZclRequest::read_attributes(PRICE, &attributes))
        .with(ZclRequest::command(Request::GetCurrentPrice {
            command_options: 0,
        }))
        .encode()
}

/// RTDS's GCS01a block tariff (1.1.1, future dated there, immediate here): three block
/// thresholds, four block prices, a standing charge.
fn gcs01a_block_tariff() -> Vec<u8> {
    let information = PublishTariffInformation {
        provider_id: 0,
        issuer_event_id: 100,
        issuer_tariff_id: 1,
        start_time: UtcTime(0),
        tariff_type_charging_scheme: 0x10,
        tariff_label: Vec::new(),
        number_of_price_tiers_in_use: 0,
        number_of_block_thresholds_in_use: 3,
        unit_of_measure: 0,
        currency: 826,
        price_trailing_digit: 0x50,
        standing_charge: 54_794,
        tier_block_mode: 0xFF,
        block_threshold_multiplier: Uint24(1),
        block_threshold_divisor: Uint24(1_000),
    };
    let thresholds = PublishBlockThresholds {
        provider_id: 0,
        issuer_event_id: 100,
        start_time: UtcTime(0),
        issuer_tariff_id: 1,
        command_index: 0,
        total_number_of_commands: 1,
        sub_payload_control: 1,
        tiers: vec![TierBlockThresholds {
            tier: 0,
            thresholds: vec![Uint48(1_000_000), Uint48(2_000_000), Uint48(3_000_000)],
        }],
    };
    let prices = PublishPriceMatrix {
        provider_id: 0,
        issuer_event_id: 100,
        start_time: UtcTime(0),
        issuer_tariff_id: 1,
        command_index: 0,
        total_number_of_commands: 1,
        sub_payload_control: 0,
        prices: vec![(0, 9_600), (1, 10_200), (2, 10_750), (3, 11_000)],
    };
    numbered(vec![
        information.component(),
        thresholds.component(),
        prices.component(),
    ])
    .encode()
}

/// The price of a Publish Price (after the provider id, the rate label and eight fields).
fn current_price(answer: &GbzPayload) -> u32 {
    let component = answer
        .components
        .iter()
        .find(|component| component.cluster == PRICE && component.command_id == 0x00)
        .expect("a Publish Price");
    let ComponentBody::Plain(payload) = &component.body else {
        panic!("Publish Price encrypted");
    };
    let label = usize::from(payload[4]);
    let at = 5 + label + 4 + 4 + 1 + 2 + 1 + 1 + 4 + 2;
    assert_eq!(
        payload.len(),
        at + 4,
        "the price ends it, as RTDS's GCS21f answer"
    );
    u32::from_le_bytes(payload[at..at + 4].try_into().unwrap())
}

#[test]
fn gcs21f_reads_the_tariff_gcs01a_publishes() {
    let mut gsme = gsme_in(DeviceState::default());
    let answer = gbz(&mut gsme, GCS21F, 50, gcs21f(), false);
    let tariff = values(&read_records(&answer, 0), &TARIFF_ATTRIBUTES);
    let number = |index: usize| tariff[index].as_unsigned().unwrap();
    // The tariff a meter in service starts with: TOU, 7p and 5p, GBP, 26p a day.
    assert_eq!((number(10), number(11)), (7_000, 5_000));
    assert_eq!((number(14), number(16)), (826, 26_000));
    assert!([7_000, 5_000].contains(&current_price(&answer)));

    gbz(&mut gsme, GCS01A, 51, gcs01a_block_tariff(), true);
    let answer = gbz(&mut gsme, GCS21F, 52, gcs21f(), false);
    let tariff = values(&read_records(&answer, 0), &TARIFF_ATTRIBUTES);
    let numbers: Vec<u64> = tariff
        .iter()
        .map(|value| value.as_unsigned().unwrap())
        .collect();
    assert_eq!(numbers[..5], [1_000, 1, 1_000_000, 2_000_000, 3_000_000]);
    assert_eq!(numbers[6..10], [9_600, 10_200, 10_750, 11_000]);
    assert_eq!(numbers[16], 54_794);
    assert_eq!(current_price(&answer), 9_600);
}

#[test]
fn gcs21f_answers_with_the_default_response_disabled() {
    let mut gsme = gsme_in(DeviceState::default());
    let answer = gbz(&mut gsme, GCS21F, 50, gcs21f(), false);
    // Its Read Attributes Response 18, its calendars and Publish Price 19, as RTDS's GSME.
    let frame_controls: Vec<(u16, u8, u8)> = answer
        .components
        .iter()
        .map(|component| {
            (
                component.cluster,
                component.frame_control,
                component.command_id,
            )
        })
        .collect();
    assert_eq!(frame_controls.first(), Some(&(PRICE, 0x18, 0x01)));
    assert_eq!(frame_controls.last(), Some(&(PRICE, 0x19, 0x00)));
    assert!(
        frame_controls
            .iter()
            .all(|(_, frame_control, _)| frame_control & 0x10 != 0),
        "{frame_controls:02X?}"
    );
}

const GCS15C: MessageCode = MessageCode(0x0076);

/// The snapshot time and the number found of a Publish Snapshot component.
fn published_snapshot(answer: &GbzPayload, index: usize) -> (u32, u8) {
    let component = &answer.components[index];
    assert_eq!(
        (component.cluster, component.command_id),
        (METERING, 0x06),
        "component {index}: a Publish Snapshot"
    );
    let ComponentBody::Plain(payload) = &component.body else {
        panic!("component {index} still encrypted");
    };
    let time = u32::from_le_bytes(payload[4..8].try_into().unwrap());
    (time, payload[8])
}

#[test]
fn gcs15c_reads_a_snapshot_at_the_end_of_each_billing_month() {
    let mut gsme = gsme_in(DeviceState::default());
    // 2015-01-01 to 2015-06-30, UTC seconds since 2000: six months end in it.
    let get = |offset| {
        ZclRequest::command(Request::GetSnapshot {
            earliest_start_time: 473_385_600,
            latest_end_time: 488_937_600,
            snapshot_offset: offset,
            snapshot_cause: 0x0000_0002,
        })
    };
    for (offset, expected_time) in [(0, 486_432_000), (1, 483_753_600)] {
        let payload = CommandPayload::new().with(get(offset)).encode();
        let answer = gbz(&mut gsme, GCS15C, 40 + u64::from(offset), payload, false);
        assert_eq!(published_snapshot(&answer, 0), (expected_time, 6));
    }
}

const GCS25: MessageCode = MessageCode(0x007E);

#[test]
fn gcs15c_follows_the_billing_period_gcs25_publishes() {
    let mut gsme = gsme_in(DeviceState::default());
    let at = |day| {
        device::DeviceDateTime {
            year: 2015,
            month: 1,
            day,
            hour: 6,
            minute: 0,
            second: 0,
        }
        .seconds_since_2000()
    };
    // Publish Billing Period: provider, issuer event, start 2015-01-15 06:00, one month.
    let mut period = vec![0, 0, 0, 0, 0x80, 0x4A, 0x37, 0x1C];
    period.extend(at(15).to_le_bytes());
    period.extend([0x01, 0x00, 0x00, 0x23, 0x00]);
    let answer = gbz(
        &mut gsme,
        GCS25,
        80,
        numbered(vec![publish(0x09, period)]).encode(),
        true,
    );
    assert!(answer.components.iter().all(|component| matches!(
        &component.body,
        ComponentBody::Plain(payload) if payload.last() == Some(&0)
    )));
    // 2015-01-01 to 2015-06-30: the periods end on the 15th of January to June, 06:00.
    let get = |offset| {
        ZclRequest::command(Request::GetSnapshot {
            earliest_start_time: 473_385_600,
            latest_end_time: 488_937_600,
            snapshot_offset: offset,
            snapshot_cause: 0x0000_0002,
        })
    };
    let june_15 = at(15) + (31 + 28 + 31 + 30 + 31) * 86_400;
    let may_15 = june_15 - 31 * 86_400;
    for (offset, expected_time) in [(0, june_15), (1, may_15)] {
        let payload = CommandPayload::new().with(get(offset)).encode();
        let answer = gbz(&mut gsme, GCS15C, 81 + u64::from(offset), payload, false);
        assert_eq!(published_snapshot(&answer, 0), (expected_time, 6));
    }
}

const GCS21A: MessageCode = MessageCode(0x007B);
const GCS23: MessageCode = MessageCode(0x007C);

/// A price cluster publish (frame control: cluster specific, server to client) as GCS23 sends
/// it.
fn publish(command_id: u8, payload: Vec<u8>) -> gbcs::gbz::GbzComponent {
    gbcs::gbz::GbzComponent {
        control: 0,
        cluster: PRICE,
        from_date_time: None,
        frame_control: 0x09,
        sequence_number: 0,
        command_id,
        body: ComponentBody::Plain(payload),
    }
}

#[test]
fn gcs21a_reads_the_conversion_factor_and_calorific_value_gcs23_publishes() {
    let mut gsme = gsme_in(DeviceState::default());
    // GCS21a's price cluster read: calorific value trailing digit, unit and value, conversion
    // factor trailing digit and value.
    let types = [
        (0x0306, data_type::BITMAP8),
        (0x0305, data_type::ENUM8),
        (0x0304, data_type::UINT32),
        (0x0303, data_type::BITMAP8),
        (0x0302, data_type::UINT32),
    ];
    let attributes: Vec<u16> = types.iter().map(|(attribute, _)| *attribute).collect();
    let commodity = |gsme: &mut Device, counter| {
        let answer = gbz(gsme, GCS21A, counter, read(PRICE, &attributes), false);
        values(&read_records(&answer, 0), &types)
            .iter()
            .map(|value| value.as_unsigned().unwrap())
            .collect::<Vec<u64>>()
    };
    // A meter in service: 39.500 MJ/m3, conversion factor 1.022640.
    assert_eq!(commodity(&mut gsme, 50), [0x30, 1, 39_500, 0x60, 1_022_640]);

    // 6.6 as RTDS sends it: conversion factor 1.02264 (5 digits), calorific value 40.0 (1 digit).
    let mut conversion_factor = vec![0x80, 0x4A, 0x37, 0x1C, 0, 0, 0, 0];
    conversion_factor.extend(102_264u32.to_le_bytes());
    conversion_factor.push(0x50);
    let mut calorific_value = vec![0x80, 0x4A, 0x37, 0x1C, 0, 0, 0, 0];
    calorific_value.extend(400u32.to_le_bytes());
    calorific_value.extend([0x01, 0x10]);
    let answer = gbz(
        &mut gsme,
        GCS23,
        51,
        numbered(vec![
            publish(0x02, conversion_factor),
            publish(0x03, calorific_value),
        ])
        .encode(),
        true,
    );
    assert!(answer.components.iter().all(|component| matches!(
        &component.body,
        ComponentBody::Plain(payload) if payload.last() == Some(&0)
    )));
    assert_eq!(commodity(&mut gsme, 52), [0x10, 1, 400, 0x50, 102_264]);
}

const GCS40A: MessageCode = MessageCode(0x0086);
const GCS40B: MessageCode = MessageCode(0x00B4);
const GCS40C: MessageCode = MessageCode(0x00C0);
const GCS40D: MessageCode = MessageCode(0x00C2);
const GCS21B: MessageCode = MessageCode(0x00B5);

/// A Credit Adjustment (prepayment cluster, client to server) of `kind` and `value`.
fn credit_adjustment(kind: u8, value: i32) -> Vec<u8> {
    let mut payload = vec![0x80, 0x4A, 0x37, 0x1C, 0, 0, 0, 0, kind];
    payload.extend(value.to_le_bytes());
    numbered(vec![gbcs::gbz::GbzComponent {
        control: 0,
        cluster: PREPAYMENT,
        from_date_time: None,
        frame_control: 0x01,
        sequence_number: 0,
        command_id: 0x05,
        body: ComponentBody::Plain(payload),
    }])
    .encode()
}

/// The Default Response status of an answer's only component.
fn default_response_status(answer: &GbzPayload) -> u8 {
    match &answer.components[..] {
        [component] => match &component.body {
            ComponentBody::Plain(payload) if component.command_id == 0x0B => payload[1],
            other => panic!("not a default response: {other:?}"),
        },
        other => panic!("one component expected: {other:?}"),
    }
}

#[test]
fn gcs40a_to_gcs40d_adjust_and_reset_the_balance_gcs21b_reads() {
    let mut gsme = gsme_in(DeviceState {
        meter_balance: 1_000,
        ..DeviceState::default()
    });
    let balance = |gsme: &mut Device, counter| {
        let answer = gbz(gsme, GCS21B, counter, read(PREPAYMENT, &[0x0001]), false);
        values(&read_records(&answer, 0), &[(0x0001, data_type::INT32)])[0]
            .as_signed()
            .unwrap()
    };
    let adjust = |gsme: &mut Device, code, counter, kind, value| {
        let answer = gbz(gsme, code, counter, credit_adjustment(kind, value), true);
        default_response_status(&answer)
    };
    // GCS40a adds RTDS's 23,130 to the prepayment mode balance; GCS40b resets it.
    assert_eq!(adjust(&mut gsme, GCS40A, 60, 0x00, 23_130), 0);
    assert_eq!(balance(&mut gsme, 61), 24_130);
    assert_eq!(adjust(&mut gsme, GCS40B, 62, 0x01, 0), 0);
    assert_eq!(balance(&mut gsme, 63), 0);
    // GCS40c adds to the credit mode balance (a debit may make it negative); GCS40d resets it.
    assert_eq!(adjust(&mut gsme, GCS40C, 64, 0x03, -5_000_000), 0);
    assert_eq!(balance(&mut gsme, 65), -5_000_000);
    assert_eq!(adjust(&mut gsme, GCS40D, 66, 0x02, 0), 0);
    assert_eq!(balance(&mut gsme, 67), 0);
    // An adjustment type GBCS does not define changes nothing.
    assert_eq!(adjust(&mut gsme, GCS40A, 68, 0x07, 100), 0x87);
    assert_eq!(balance(&mut gsme, 69), 0);
}

const ECS20C: MessageCode = MessageCode(0x0030);
const ECS30A: MessageCode = MessageCode(0x00D7);

/// The octets one value of `description` takes in a compact array (double-long-unsigned
/// values and arrays and structures of them, as the billing data log holds).
fn compact_width(description: &gbcs::dlms::TypeDescription) -> usize {
    use gbcs::dlms::TypeDescription;
    match description {
        TypeDescription::Simple(6) => 4,
        TypeDescription::Array { elements, element } => {
            usize::from(*elements) * compact_width(element)
        }
        TypeDescription::Structure(fields) => fields.iter().map(compact_width).sum(),
        other => panic!("not in a billing data log: {other:?}"),
    }
}

/// The capture times (each row's first column, double-long-unsigned seconds since 2000) of a
/// billing data log read, as (year, month, day, hour).
fn capture_dates(buffer: &Data) -> Vec<(u16, u8, u8, u8)> {
    let Data::CompactArray {
        type_description,
        contents,
    } = buffer
    else {
        panic!("not a compact buffer: {buffer:?}");
    };
    contents
        .chunks(compact_width(type_description))
        .map(|row| {
            let seconds = u32::from_be_bytes(row[..4].try_into().unwrap());
            let at = device::DeviceDateTime::from_seconds_since_2000(seconds);
            (at.year, at.month, at.day, at.hour)
        })
        .collect()
}

/// ECS30a as RTDS sends it: a quarterly billing calendar, the first of January, April, July
/// and October (here at 02:00).
fn quarterly_billing_calendar() -> AccessRequest {
    let quarterly = Data::Array(
        [1u8, 4, 7, 10]
            .iter()
            .map(|month| {
                Data::Structure(vec![
                    Data::OctetString(vec![2, 0, 0, 0]),
                    Data::OctetString(vec![0xFF, 0xFF, *month, 1, 0xFF]),
                ])
            })
            .collect(),
    );
    AccessRequest::new().set(reference(22, [0, 0, 15, 0, 0, 255], 4), quarterly)
}

#[test]
fn ecs20c_reads_billing_data_log_entries_at_the_dates_of_the_billing_calendar_ecs30a_sets() {
    let mut esme = esme();
    let billing_log = reference(class::PROFILE_GENERIC, [0, 0, 98, 1, 0, 255], 2);
    // Since 2023-06-01, until the test's now, 2024-05-01 12:30.
    let read = |esme: &mut Device, counter| {
        let from = device::DeviceDateTime {
            year: 2023,
            month: 6,
            day: 1,
            hour: 0,
            minute: 0,
            second: 0,
        }
        .seconds_since_2000();
        let request = AccessRequest::new().get_captured_between(billing_log, from, u32::MAX);
        let answers = dlms(esme, ECS20C, counter, request, false);
        all_succeed(ECS20C, &answers);
        capture_dates(&answers[0].1)
    };
    // The default calendar: the first of each month at midnight; the log keeps three.
    assert_eq!(
        read(&mut esme, 70),
        [(2024, 3, 1, 0), (2024, 4, 1, 0), (2024, 5, 1, 0)]
    );
    all_succeed(
        ECS30A,
        &dlms(&mut esme, ECS30A, 71, quarterly_billing_calendar(), true),
    );
    assert_eq!(
        read(&mut esme, 72),
        [(2023, 10, 1, 2), (2024, 1, 1, 2), (2024, 4, 1, 2)]
    );
}

#[test]
fn the_next_billing_data_log_push_follows_the_billing_calendar_ecs30a_sets() {
    let mut esme = esme();
    esme.catch_up(NOW);
    let first = |month| device::DeviceDateTime {
        year: 2024,
        month,
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
    };
    // The default calendar: monthly, on the first at midnight.
    assert_eq!(esme.next_due(), Some(first(6)));
    all_succeed(
        ECS30A,
        &dlms(&mut esme, ECS30A, 90, quarterly_billing_calendar(), true),
    );
    assert_eq!(
        esme.next_due(),
        Some(device::DeviceDateTime {
            hour: 2,
            ..first(7)
        }),
        "the first of July, 02:00"
    );
}
