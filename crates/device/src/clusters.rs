//! The cluster-specific ZCL commands of GBCS: what a GSME, GPF or PPMID does with them.
//!
//! - Publishes from the DCC (tariffs, calendars, billing periods, messages, event
//!   configuration): the device keeps each payload, so reads of them return it, and
//!   acknowledges with a default response.
//! - Gets of published data (calendar, billing period): the payloads kept, or NOT_FOUND.
//! - Commands with answers of their own (payment mode, top-up, supply, sampling, snapshots,
//!   logs) change the state and answer from it.

use gbcs::gbz::GbzComponent;
use gbcs::zcl::{status, ZclValue};
use gbcs::zcl_commands::{
    self, unsigned, ClusterCommand, FieldType, CALENDAR, DEVICE_MANAGEMENT, EVENTS, METERING,
    PREPAYMENT, PRICE,
};

use crate::date_time::DeviceDateTime;
use crate::engine::{Command, Device};
use crate::state::{PaymentMode, SupplyState};
use crate::top_up::TopUpRefusal;
use crate::zcl_exec::ComponentAnswer;

/// Frame control of a cluster command from the server (the meter).
const FROM_SERVER: u8 = 0x09;
/// The same, no default response wanted (answers that come in series).
const FROM_SERVER_IN_SERIES: u8 = 0x19;
/// Frame control of a cluster command from the client (the meter reporting to the DCC).
const FROM_CLIENT: u8 = 0x01;

/// Answers a cluster-specific command component.
pub(crate) fn invoke(
    device: &mut Device,
    command: &Command<'_>,
    component: &GbzComponent,
    position: usize,
    payload: &[u8],
) -> Vec<ComponentAnswer> {
    let acknowledge = |status: u8| {
        vec![ComponentAnswer::default_response(
            component.frame_control,
            component.command_id,
            status,
        )]
    };
    if let Some(status) =
        device.zcl_command_fault(component.cluster, component.command_id, position)
    {
        // The meter's own report (event configuration) fails as a response from its server.
        if (component.cluster, component.command_id) == (DEVICE_MANAGEMENT, 0x05) {
            return vec![ComponentAnswer::default_response(
                0x01,
                component.command_id,
                status,
            )];
        }
        return acknowledge(status);
    }
    let from_server = component.frame_control & gbcs::zcl::DIRECTION_SERVER_TO_CLIENT != 0;
    let request = zcl_commands::layout(component.cluster, from_server, component.command_id)
        .map(|layout| layout.decode(payload));
    let request = match request {
        Some(Ok(request)) => Some(request),
        Some(Err(_)) => return acknowledge(status::MALFORMED_COMMAND),
        None => None,
    };
    let now = command.now;
    let answers = match (
        component.cluster,
        from_server,
        component.command_id,
        &request,
    ) {
        (PREPAYMENT, false, 0x04, Some(request)) => top_up(device, request, now),
        (PREPAYMENT, false, 0x05, Some(request)) => {
            return acknowledge(credit_adjustment(device, request))
        }
        (PREPAYMENT, false, 0x06, Some(request)) => change_payment_mode(device, request, now),
        (PREPAYMENT, false, 0x07, Some(request)) => prepayment_snapshot(device, request, now),
        (PREPAYMENT, false, 0x08, Some(request)) => top_up_log(device, component, request),
        (PREPAYMENT, false, 0x0A, Some(request)) => debt_log(device, component, request),
        (METERING, false, 0x06, Some(request)) => snapshot(device, request, now),
        (METERING, false, 0x07, Some(_)) => respond(
            METERING,
            FROM_SERVER,
            0x0D,
            vec![unsigned(FieldType::Uint16, 1)],
            Vec::new(),
        ),
        (METERING, false, 0x08, Some(request)) => sampled_data(request),
        (METERING, false, 0x0B, Some(request)) => change_supply(device, request),
        (CALENDAR, false, get @ 0x01..=0x04, _) => {
            published(device, CALENDAR, get, FROM_SERVER_IN_SERIES)
        }
        (PRICE, false, 0x0B, _) => published(device, PRICE, 0x09, FROM_SERVER),
        // Get Current Price: a Publish Price of the tariff the meter holds.
        (PRICE, false, 0x00, _) => {
            crate::gas_tariff::publish_price(&device.store, now).map(|payload| {
                vec![ComponentAnswer {
                    frame_control: FROM_SERVER,
                    command_id: 0x00,
                    payload,
                }]
            })
        }
        (EVENTS, false, 0x00, Some(_)) => event_log(device),
        (EVENTS, false, 0x01, Some(_)) => {
            device.state.event_log.clear();
            respond(
                EVENTS,
                FROM_SERVER,
                0x02,
                vec![unsigned(FieldType::Bitmap8, 0x08)],
                Vec::new(),
            )
        }
        (DEVICE_MANAGEMENT, true, 0x05, Some(request)) => event_configuration(device, request),
        // A publish, or a command whose effect is data the device keeps.
        _ => {
            device.store.publish(
                component.cluster,
                component.command_id,
                command.apdu.header.transaction.counter,
                payload.to_vec(),
            );
            return acknowledge(status::SUCCESS);
        }
    };
    match answers {
        Some(answers) if !answers.is_empty() => answers,
        _ => acknowledge(status::NOT_FOUND),
    }
}

/// One answer: a command of `cluster` with these fields and records.
fn respond(
    cluster: u16,
    frame_control: u8,
    command_id: u8,
    fields: Vec<ZclValue>,
    records: Vec<Vec<ZclValue>>,
) -> Option<Vec<ComponentAnswer>> {
    let from_server = frame_control & gbcs::zcl::DIRECTION_SERVER_TO_CLIENT != 0;
    let layout = zcl_commands::layout(cluster, from_server, command_id)?;
    Some(vec![ComponentAnswer {
        frame_control,
        command_id,
        payload: layout.encode(&ClusterCommand { fields, records }),
    }])
}

/// A field's unsigned value, 0 when it is not a number.
fn number(request: &ClusterCommand, index: usize) -> u64 {
    request
        .fields
        .get(index)
        .and_then(ZclValue::as_unsigned)
        .unwrap_or(0)
}

fn seconds(at: DeviceDateTime) -> ZclValue {
    unsigned(FieldType::UtcTime, u64::from(at.seconds_since_2000()))
}

fn signed(value: i32) -> ZclValue {
    ZclValue::signed(FieldType::Int32.data_type(), i64::from(value))
}

/// ZSE Consumer Top Up Response results.
const TOP_UP_ACCEPTED: u64 = 0;
const TOP_UP_INVALID: u64 = 1;
const TOP_UP_DUPLICATE: u64 = 2;

/// Consumer Top Up: the UTRN is applied to the meter balance when it is authentic and new
/// ([`Device::apply_utrn`]). The response's result: accepted (0), rejected as invalid (1) or
/// as a duplicate (2), then the value added and the balance.
fn top_up(
    device: &mut Device,
    request: &ClusterCommand,
    now: DeviceDateTime,
) -> Option<Vec<ComponentAnswer>> {
    let utrn = request
        .fields
        .get(1)
        .and_then(ZclValue::as_bytes)
        .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
        .unwrap_or_default();
    let (result, amount) = match device.apply_utrn(&utrn, now) {
        Ok(pence) => (TOP_UP_ACCEPTED, pence),
        Err(TopUpRefusal::NotAuthentic) => (TOP_UP_INVALID, 0),
        Err(TopUpRefusal::Duplicate) => (TOP_UP_DUPLICATE, 0),
    };
    respond(
        PREPAYMENT,
        FROM_SERVER,
        0x03,
        vec![
            unsigned(FieldType::Enum8, result),
            signed(amount),
            unsigned(FieldType::Enum8, 0),
            signed(device.state.meter_balance),
        ],
        Vec::new(),
    )
}

/// Change Payment Mode: prepayment when the proposed configuration enables it (bit 1).
fn change_payment_mode(
    device: &mut Device,
    request: &ClusterCommand,
    now: DeviceDateTime,
) -> Option<Vec<ComponentAnswer>> {
    let configuration = number(request, 3);
    device.state.payment_mode = match configuration & 0x0002 {
        0 => PaymentMode::Credit,
        _ => PaymentMode::Prepayment,
    };
    // The configuration proposed is the meter's now (GCS21j reads it).
    device.store.set_zcl(
        crate::store::ZclAttribute::new(PREPAYMENT, 0x0000),
        unsigned(FieldType::Bitmap16, configuration),
    );
    let attribute = |id| {
        device
            .read_zcl(crate::store::ZclAttribute::new(PREPAYMENT, id), now)
            .and_then(|value| value.as_unsigned())
            .unwrap_or(0)
    };
    respond(
        PREPAYMENT,
        FROM_SERVER_IN_SERIES,
        0x02,
        vec![
            unsigned(FieldType::Bitmap8, 0),
            unsigned(FieldType::Uint32, 0),
            unsigned(FieldType::Uint32, attribute(0x0010)),
            unsigned(FieldType::Uint32, attribute(0x0011)),
        ],
        Vec::new(),
    )
}

/// Credit Adjustment (GCS40a–d, 1.5): the meter balance changes by the value (credit
/// adjustment type 0, prepayment mode; 3, credit mode) or becomes it (1, prepayment mode; 2,
/// credit mode: a reset is the value 0). The meter keeps one balance in either mode; another
/// type is refused as an invalid value. Returns the Default Response status.
fn credit_adjustment(device: &mut Device, request: &ClusterCommand) -> u8 {
    let Some(value) = request
        .fields
        .get(3)
        .and_then(ZclValue::as_signed)
        .and_then(|value| i32::try_from(value).ok())
    else {
        return status::INVALID_VALUE;
    };
    let balance = &mut device.state.meter_balance;
    *balance = match number(request, 2) {
        CREDIT_INCREMENTAL | CREDIT_MODE_INCREMENTAL => balance.saturating_add(value),
        CREDIT_ABSOLUTE | CREDIT_MODE_ABSOLUTE => value,
        _ => return status::INVALID_VALUE,
    };
    status::SUCCESS
}

/// Credit adjustment types: GBCS's GCS40a, GCS40b, GCS40d and GCS40c send these.
const CREDIT_INCREMENTAL: u64 = 0x00;
const CREDIT_ABSOLUTE: u64 = 0x01;
const CREDIT_MODE_ABSOLUTE: u64 = 0x02;
const CREDIT_MODE_INCREMENTAL: u64 = 0x03;

/// Change Supply: the proposed supply status (0 off, 1 armed, 2 on) takes effect now.
fn change_supply(device: &mut Device, request: &ClusterCommand) -> Option<Vec<ComponentAnswer>> {
    let proposed = number(request, 4);
    device.state.supply = match proposed {
        0 => SupplyState::Disabled,
        1 => SupplyState::Armed,
        _ => SupplyState::Enabled,
    };
    respond(
        METERING,
        FROM_SERVER,
        0x0C,
        vec![
            unsigned(FieldType::Uint32, number(request, 0)),
            unsigned(FieldType::Uint32, number(request, 1)),
            unsigned(FieldType::UtcTime, number(request, 3)),
            unsigned(FieldType::Uint8, proposed),
        ],
        Vec::new(),
    )
}

/// Get Sampled Data: the samples of the sampling started (zero consumption until the
/// consumption model fills them).
fn sampled_data(request: &ClusterCommand) -> Option<Vec<ComponentAnswer>> {
    let samples = number(request, 3).min(48);
    respond(
        METERING,
        FROM_SERVER,
        0x07,
        vec![
            unsigned(FieldType::Uint16, number(request, 0)),
            unsigned(FieldType::UtcTime, number(request, 1)),
            unsigned(FieldType::Enum8, number(request, 2)),
            unsigned(FieldType::Uint16, 1_800),
            unsigned(FieldType::Uint16, samples),
        ],
        (0..samples)
            .map(|_| vec![unsigned(FieldType::Uint24, 0)])
            .collect(),
    )
}

/// The snapshots a meter holds: one at midnight every day since installation (cause bit 0,
/// general), one at the end of each billing period (cause bit 1: see
/// [`billing_period_ends`]), and one at installation (cause bit 3, change of tariff), newest
/// first.
fn snapshot_times(device: &Device, earliest: u64, latest: u64, cause: u64) -> Vec<(u32, u32)> {
    let installed = device.state.installed.seconds_since_2000();
    let mut snapshots = Vec::new();
    if cause & 0x0000_0001 != 0 {
        let mut day = installed - installed % 86_400 + 86_400;
        while u64::from(day) <= latest {
            snapshots.push((day, 0x0000_0001));
            day += 86_400;
        }
    }
    if cause & END_OF_BILLING_PERIOD_CAUSE != 0 {
        snapshots.extend(
            billing_period_ends(device, latest)
                .into_iter()
                .map(|time| (time, END_OF_BILLING_PERIOD)),
        );
    }
    if cause & 0x0000_0008 != 0 {
        snapshots.push((installed, 0x0000_0008));
    }
    snapshots.retain(|(time, _)| u64::from(*time) >= earliest && u64::from(*time) <= latest);
    snapshots.sort_by_key(|(time, _)| std::cmp::Reverse(*time));
    snapshots
}

/// The snapshot cause bit of a billing period's end, as a request's cause filter.
const END_OF_BILLING_PERIOD_CAUSE: u64 = 0x0000_0002;

/// Whether `time` (UTC seconds since 2000) falls on the first day of a month.
fn first_of_a_month(time: u32) -> bool {
    DeviceDateTime::from_seconds_since_2000(time)
        .to_offset_date_time()
        .is_some_and(|instant| instant.day() == 1)
}

/// How many billing periods' ends are looked at, at most.
const BILLING_PERIODS_LOOKED_AT: u32 = 10_000;

/// The ends of the meter's billing periods up to `latest` (UTC seconds since 2000): from the
/// start of the billing period the DCC last published to it (6.8, GCS25: Publish Billing
/// Period's start time and its duration in minutes, days, weeks or months), every duration
/// (a meter in service holds a monthly one from the first of the month it was installed);
/// without one, midnight UTC on the first of each month; none before installation.
pub(crate) fn billing_period_ends(device: &Device, latest: u64) -> Vec<u32> {
    let installed = device.state.installed.seconds_since_2000();
    let Some((start, duration, units)) = published_billing_period(device) else {
        let mut ends = Vec::new();
        let mut day = installed - installed % 86_400 + 86_400;
        while u64::from(day) <= latest {
            if first_of_a_month(day) {
                ends.push(day);
            }
            day += 86_400;
        }
        return ends;
    };
    let mut ends = Vec::new();
    for index in 0..BILLING_PERIODS_LOOKED_AT {
        match billing_period_end(start, duration, units, index) {
            Some(end) if u64::from(end) <= latest => ends.push(end),
            _ => break,
        }
    }
    // No snapshot before the meter was installed.
    ends.retain(|end| *end >= installed);
    ends
}

/// The first end of a billing period after `after` (UTC seconds since 2000), as
/// [`billing_period_ends`] counts them, found without counting from the first: a GSME asks at
/// each command when to push its next billing data log.
pub(crate) fn next_billing_period_end(device: &Device, after: u32) -> Option<u32> {
    let installed = device.state.installed.seconds_since_2000();
    let after = after.max(installed.saturating_sub(1));
    let Some((start, duration, units)) = published_billing_period(device) else {
        // The first of the next month, midnight UTC.
        let date = DeviceDateTime::from_seconds_since_2000(after)
            .to_offset_date_time()?
            .replace_time(time::Time::MIDNIGHT)
            .replace_day(1)
            .ok()?;
        let next = add_months(date, 1)?;
        return Some(DeviceDateTime::from_offset_date_time(next).seconds_since_2000());
    };
    if after < start {
        return Some(start);
    }
    let seconds = |unit: u32| duration.saturating_mul(unit);
    let estimate = match units {
        0 => (after - start) / seconds(60).max(1),
        1 => (after - start) / seconds(86_400).max(1),
        2 => (after - start) / seconds(7 * 86_400).max(1),
        _ => {
            let from = DeviceDateTime::from_seconds_since_2000(start).to_offset_date_time()?;
            let to = DeviceDateTime::from_seconds_since_2000(after).to_offset_date_time()?;
            let months = (to.year() - from.year()) * 12 + i32::from(u8::from(to.month()))
                - i32::from(u8::from(from.month()));
            u32::try_from(months.max(1) - 1).unwrap_or(0) / duration.max(1)
        }
    };
    (estimate..estimate.saturating_add(4))
        .filter_map(|index| billing_period_end(start, duration, units, index))
        .find(|end| *end > after)
}

/// The billing period the DCC last published to the meter: start (UTC seconds since 2000),
/// duration and its units (0 minutes, 1 days, 2 weeks, 3 months); `None` when none was (or it
/// does not read, or lasts nothing).
fn published_billing_period(device: &Device) -> Option<(u32, u32, u64)> {
    let payload = device
        .store
        .published(PRICE, PUBLISH_BILLING_PERIOD)
        .last()?;
    let request = zcl_commands::layout(PRICE, true, PUBLISH_BILLING_PERIOD)?
        .decode(payload)
        .ok()?;
    let start = u32::try_from(number(&request, 2)).ok()?;
    let duration = u32::try_from(number(&request, 3)).ok()?;
    let units = number(&request, 4) & 0x0F;
    (duration > 0).then_some((start, duration, units))
}

/// The end of billing period `index` (0: the start) of a period from `start` lasting
/// `duration` `units`.
fn billing_period_end(start: u32, duration: u32, units: u64, index: u32) -> Option<u32> {
    match units {
        0 => start.checked_add(index.checked_mul(duration)?.checked_mul(60)?),
        1 => start.checked_add(index.checked_mul(duration)?.checked_mul(86_400)?),
        2 => start.checked_add(index.checked_mul(duration)?.checked_mul(7 * 86_400)?),
        _ => DeviceDateTime::from_seconds_since_2000(start)
            .to_offset_date_time()
            .and_then(|instant| add_months(instant, index.saturating_mul(duration)))
            .map(|instant| DeviceDateTime::from_offset_date_time(instant).seconds_since_2000()),
    }
}

/// `instant` `months` calendar months later, its day of the month kept where the month has
/// it (else the month's last).
fn add_months(instant: time::OffsetDateTime, months: u32) -> Option<time::OffsetDateTime> {
    let total = i64::from(instant.year()) * 12 + i64::from(u8::from(instant.month())) - 1
        + i64::from(months);
    let year = i32::try_from(total.div_euclid(12)).ok()?;
    let month = time::Month::try_from(u8::try_from(total.rem_euclid(12) + 1).ok()?).ok()?;
    let day = instant.day().min(month.length(year));
    let date = time::Date::from_calendar_date(year, month, day).ok()?;
    Some(instant.replace_date(date))
}

/// The price cluster's Publish Billing Period.
const PUBLISH_BILLING_PERIOD: u8 = 0x09;

/// The snapshot selected by a Get (Prepay) Snapshot's earliest, latest, offset and cause.
fn selected_snapshot(
    device: &Device,
    request: &ClusterCommand,
    now: DeviceDateTime,
) -> Option<(u32, u32, usize)> {
    let latest = number(request, 1).min(u64::from(now.seconds_since_2000()));
    let snapshots = snapshot_times(device, number(request, 0), latest, number(request, 3));
    let offset = usize::try_from(number(request, 2)).ok()?;
    snapshots
        .get(offset)
        .map(|(time, cause)| (*time, *cause, snapshots.len()))
}

/// Get Snapshot (metering): a Publish Snapshot of the registers with their TOU and block
/// counter matrices (payload type 6), as RTDS's GSME answers GCS15b and GCS16a and as DCC's
/// gbcs-parser reads every metering snapshot.
fn snapshot(
    device: &Device,
    request: &ClusterCommand,
    now: DeviceDateTime,
) -> Option<Vec<ComponentAnswer>> {
    let (time, cause, found) = selected_snapshot(device, request, now)?;
    snapshot_answer(
        METERING,
        0x06,
        time,
        cause,
        found,
        TOU_AND_BLOCK_REGISTERS,
        tou_and_block_registers(device),
    )
}

/// Snapshot payload type 6: the registers with their TOU and block counter matrices.
const TOU_AND_BLOCK_REGISTERS: u8 = 0x06;

/// The registers of a snapshot of payload type 6, as the RTDS GSME writes them: the current
/// summation delivered, four TOU registers, the tiers and block thresholds in use (one tier,
/// four blocks) and the four block counters, each a 48-bit little-endian integer.
fn tou_and_block_registers(device: &Device) -> Vec<u8> {
    let register = |value: u64| value.to_le_bytes()[..6].to_vec();
    let state = &device.state;
    let mut payload = register(state.gas_current_summation_delivered);
    payload.push(4);
    payload.extend(
        crate::bindings::gas_tier_summations(state)
            .iter()
            .flat_map(|summation| register(*summation)),
    );
    payload.push(0x14);
    payload.extend(
        state
            .gas_block_counters
            .iter()
            .flat_map(|count| register(*count)),
    );
    payload
}

/// ZSE snapshot cause: the end of a billing period.
const END_OF_BILLING_PERIOD: u32 = 0x0000_0002;

/// The Publish Snapshot a GSME pushes with its billing data log (GCS53): its registers at
/// `time` (UTC seconds since 2000), captured at the end of a billing period.
pub(crate) fn billing_snapshot(device: &Device, time: u32) -> Option<ComponentAnswer> {
    snapshot_answer(
        METERING,
        0x06,
        time,
        END_OF_BILLING_PERIOD,
        1,
        TOU_AND_BLOCK_REGISTERS,
        tou_and_block_registers(device),
    )?
    .into_iter()
    .next()
}

/// Get Prepay Snapshot: a Publish Prepay Snapshot of the debt and credit registers (payload
/// type 0, debt/credit status: accumulated debt, the two time debt registers, the payment
/// debt register, emergency credit remaining (SMETS emergency credit balance) and credit
/// remaining (SMETS meter balance), in ZSE's order).
fn prepayment_snapshot(
    device: &Device,
    request: &ClusterCommand,
    now: DeviceDateTime,
) -> Option<Vec<ComponentAnswer>> {
    let (time, cause, found) = selected_snapshot(device, request, now)?;
    let mut payload = Vec::new();
    for value in [
        0,
        0,
        0,
        0,
        device.state.emergency_credit_balance,
        device.state.meter_balance,
    ] {
        payload.extend_from_slice(&value.to_le_bytes());
    }
    snapshot_answer(PREPAYMENT, 0x01, time, cause, found, 0x00, payload)
}

fn snapshot_answer(
    cluster: u16,
    command_id: u8,
    time: u32,
    cause: u32,
    found: usize,
    payload_type: u8,
    payload: Vec<u8>,
) -> Option<Vec<ComponentAnswer>> {
    respond(
        cluster,
        FROM_SERVER_IN_SERIES,
        command_id,
        vec![
            unsigned(FieldType::Uint32, 0),
            unsigned(FieldType::UtcTime, u64::from(time)),
            unsigned(
                FieldType::Uint8,
                u64::try_from(found.min(255)).unwrap_or(255),
            ),
            unsigned(FieldType::Uint8, 0),
            unsigned(FieldType::Uint8, 1),
            unsigned(FieldType::Bitmap32, u64::from(cause)),
            unsigned(FieldType::Enum8, u64::from(payload_type)),
            ZclValue::String {
                data_type: FieldType::Rest.data_type(),
                bytes: payload,
            },
        ],
        Vec::new(),
    )
}

/// The earliest time a log read asks for: the component's from-date-time, else any.
fn earliest(component: &GbzComponent) -> u32 {
    component
        .from_date_time
        .map(u32::from_be_bytes)
        .unwrap_or(0)
}

/// Get Top Up Log: the most recent top-ups between the component's from-date-time and the
/// latest end time, at most the number asked for.
fn top_up_log(
    device: &Device,
    component: &GbzComponent,
    request: &ClusterCommand,
) -> Option<Vec<ComponentAnswer>> {
    let (from, latest, count) = (earliest(component), number(request, 0), number(request, 1));
    let records: Vec<Vec<ZclValue>> = device
        .state
        .top_up_log
        .iter()
        .rev()
        .filter(|top_up| {
            let at = top_up.at.seconds_since_2000();
            at >= from && u64::from(at) <= latest
        })
        .take(usize::try_from(count).unwrap_or(usize::MAX))
        .map(|top_up| {
            vec![
                ZclValue::octet_string(top_up.utrn.as_bytes().to_vec()),
                signed(top_up.amount),
                seconds(top_up.at),
            ]
        })
        .collect();
    if records.is_empty() {
        return None;
    }
    respond(
        PREPAYMENT,
        FROM_SERVER_IN_SERIES,
        0x05,
        vec![unsigned(FieldType::Uint8, 0), unsigned(FieldType::Uint8, 1)],
        records,
    )
}

/// Get Debt Repayment Log: the most recent collections of the debt type asked for.
fn debt_log(
    device: &Device,
    component: &GbzComponent,
    request: &ClusterCommand,
) -> Option<Vec<ComponentAnswer>> {
    let (from, latest, count, debt_type) = (
        earliest(component),
        number(request, 0),
        number(request, 1),
        number(request, 2),
    );
    let records: Vec<Vec<ZclValue>> = device
        .state
        .debt_log
        .iter()
        .rev()
        .filter(|entry| {
            let at = entry.at.seconds_since_2000();
            at >= from && u64::from(at) <= latest && u64::from(entry.debt_type) == debt_type
        })
        .take(usize::try_from(count).unwrap_or(usize::MAX))
        .map(|entry| {
            vec![
                seconds(entry.at),
                unsigned(FieldType::Uint32, u64::from(entry.collected)),
                unsigned(FieldType::Enum8, u64::from(entry.debt_type)),
                unsigned(FieldType::Uint32, u64::from(entry.outstanding)),
            ]
        })
        .collect();
    if records.is_empty() {
        return None;
    }
    respond(
        PREPAYMENT,
        FROM_SERVER_IN_SERIES,
        0x06,
        vec![unsigned(FieldType::Uint8, 0), unsigned(FieldType::Uint8, 1)],
        records,
    )
}

/// Get Event Log: the events logged, newest first.
fn event_log(device: &Device) -> Option<Vec<ComponentAnswer>> {
    let records: Vec<Vec<ZclValue>> = device
        .state
        .event_log
        .iter()
        .rev()
        .map(|event| {
            vec![
                unsigned(FieldType::Uint8, 1),
                unsigned(FieldType::Uint16, u64::from(event.code)),
                seconds(event.at),
                ZclValue::octet_string(Vec::new()),
            ]
        })
        .collect();
    if records.is_empty() {
        return None;
    }
    let total = u64::try_from(records.len()).unwrap_or(u64::from(u16::MAX));
    respond(
        EVENTS,
        FROM_SERVER_IN_SERIES,
        0x01,
        vec![
            unsigned(FieldType::Uint16, total),
            unsigned(FieldType::Uint8, 0),
            unsigned(FieldType::Uint8, 1),
            unsigned(FieldType::Bitmap8, 0),
        ],
        records,
    )
}

/// Get Event Configuration: the meter reports how it treats the event asked for.
fn event_configuration(device: &Device, request: &ClusterCommand) -> Option<Vec<ComponentAnswer>> {
    let _ = device;
    respond(
        DEVICE_MANAGEMENT,
        FROM_CLIENT,
        0x04,
        vec![unsigned(FieldType::Uint8, 0), unsigned(FieldType::Uint8, 1)],
        vec![vec![
            unsigned(FieldType::Uint16, number(request, 0)),
            unsigned(FieldType::Bitmap8, 0x18),
        ]],
    )
}

/// A Get of published data: every payload published on (cluster, `publish`), as sent.
fn published(
    device: &Device,
    cluster: u16,
    publish: u8,
    frame_control: u8,
) -> Option<Vec<ComponentAnswer>> {
    let answers: Vec<ComponentAnswer> = device
        .store
        .published(cluster, publish)
        .iter()
        .map(|payload| ComponentAnswer {
            frame_control,
            command_id: publish,
            payload: payload.clone(),
        })
        .collect();
    Some(answers)
}
