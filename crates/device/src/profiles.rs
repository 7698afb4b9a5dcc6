//! Profile generic buffers (logs and profile data): their columns, the entries a device holds
//! and reads of them with selective access (by range of capture time, or by entry), answered
//! as compact arrays.

use gbcs::dlms::{Data, TypeDescription};

use crate::consumption::HALF_HOUR;
use crate::date_time::DeviceDateTime;
use crate::dlms_exec::{result, RequestOutcome};
use crate::engine::Device;
use crate::state::{DeviceState, MeterVariant};
use crate::store::CosemAttribute;

/// Class 7 Profile generic.
pub const PROFILE_GENERIC: u16 = 7;
/// The buffer attribute of a profile.
pub const BUFFER: u8 = 2;

/// A profile's columns: a row of its buffer for a capture time (UTC seconds since 2000).
type RowBuilder = fn(&DeviceState, u32) -> Vec<Data>;

/// One profile generic buffer.
struct Profile {
    logical_name: [u8; 6],
    row: RowBuilder,
    /// Seconds between captures (0: captured on events).
    period: u32,
    /// How many entries the buffer keeps.
    capacity: u32,
    /// For a log of events, the state's log it shows (`None`: periodic, or events dccsim does
    /// not log).
    events: Option<EventLog>,
}

/// Which of the state's logs an event profile shows: each entry a row of its capture time and
/// event code.
#[derive(Debug, Clone, Copy)]
enum EventLog {
    Events,
    Security,
}

impl EventLog {
    /// The log's entries as (capture time in UTC seconds since 2000, event code), oldest first.
    fn entries(self, state: &DeviceState) -> Vec<(u32, u16)> {
        let log = match self {
            Self::Events => &state.event_log,
            Self::Security => &state.security_log,
        };
        log.iter()
            .map(|event| (event.at.seconds_since_2000(), event.code))
            .collect()
    }
}

const DAY: u32 = 86_400;

/// The active import register at capture time `time`.
fn energy(state: &DeviceState, time: u32) -> Data {
    Data::DoubleLongUnsigned(state.active_import_at(time))
}

fn registers(count: usize, value: u32) -> Data {
    Data::Array(vec![Data::DoubleLongUnsigned(value); count])
}

/// Import registers: total (and secondary), TOU registers, the block counter matrix.
fn import_registers(state: &DeviceState, time: u32, with_blocks: bool) -> Vec<Data> {
    let mut row = vec![Data::DoubleLongUnsigned(time), energy(state, time)];
    let twin = state.variant == MeterVariant::Twin;
    if twin {
        row.push(Data::DoubleLongUnsigned(0));
    }
    row.push(registers(48, 0));
    if twin {
        row.push(registers(4, 0));
    }
    if with_blocks {
        row.extend((0..4).map(|_| registers(8, 0)));
    }
    row
}

/// Prepayment registers: meter balance, emergency credit, debts.
fn prepayment_registers(state: &DeviceState) -> Vec<Data> {
    vec![
        Data::DoubleLong(state.meter_balance),
        Data::DoubleLong(state.emergency_credit_balance),
        Data::DoubleLong(0),
        Data::DoubleLong(0),
        Data::DoubleLong(0),
        Data::DoubleLong(0),
    ]
}

fn billing_with_prepayment(state: &DeviceState, time: u32) -> Vec<Data> {
    let mut row = import_registers(state, time, true);
    row.extend(prepayment_registers(state));
    row
}

fn billing(state: &DeviceState, time: u32) -> Vec<Data> {
    import_registers(state, time, true)
}

fn prepayment_log(state: &DeviceState, time: u32) -> Vec<Data> {
    let mut row = vec![Data::DoubleLongUnsigned(time)];
    row.extend(prepayment_registers(state));
    row
}

/// The active import of the half hour that ends at capture time `time`.
fn half_hour(state: &DeviceState, time: u32) -> Vec<Data> {
    let mut row = vec![
        Data::DoubleLongUnsigned(time),
        Data::DoubleLongUnsigned(state.half_hour_import_ending(time)),
    ];
    if state.variant == MeterVariant::Twin {
        row.push(Data::DoubleLongUnsigned(0));
    }
    row
}

fn time_and_value(_: &DeviceState, time: u32) -> Vec<Data> {
    vec![Data::DoubleLongUnsigned(time), Data::DoubleLongUnsigned(0)]
}

fn time_and_two_values(_: &DeviceState, time: u32) -> Vec<Data> {
    vec![
        Data::DoubleLongUnsigned(time),
        Data::DoubleLongUnsigned(0),
        Data::DoubleLongUnsigned(0),
    ]
}

fn event(_: &DeviceState, time: u32) -> Vec<Data> {
    vec![
        Data::DoubleLongUnsigned(time),
        Data::LongUnsigned(0),
        Data::OctetString(Vec::new()),
    ]
}

fn security_event(_: &DeviceState, time: u32) -> Vec<Data> {
    vec![Data::DoubleLongUnsigned(time), Data::LongUnsigned(0)]
}

fn power_event(_: &DeviceState, time: u32) -> Vec<Data> {
    vec![
        Data::DoubleLongUnsigned(time),
        Data::LongUnsigned(0),
        Data::DoubleLongUnsigned(0),
    ]
}

fn auxiliary_switch_event(_: &DeviceState, time: u32) -> Vec<Data> {
    vec![
        Data::DoubleLongUnsigned(time),
        Data::LongUnsigned(0),
        Data::Enum(0),
        Data::DoubleLongUnsigned(0),
    ]
}

/// The profiles of an ESME (and the CHF's Sub GHz channel log).
const PROFILES: &[Profile] = &[
    // Billing data logs (ECS20b: change of mode or tariff; ECS20c: billing calendar).
    Profile {
        logical_name: [0, 0, 98, 1, 2, 255],
        row: billing_with_prepayment,
        period: DAY * 30,
        capacity: 3,
        events: None,
    },
    Profile {
        logical_name: [0, 0, 98, 1, 0, 255],
        row: billing,
        period: DAY * 30,
        capacity: 3,
        events: None,
    },
    Profile {
        logical_name: [0, 0, 98, 1, 1, 255],
        row: prepayment_log,
        period: DAY * 30,
        capacity: 3,
        events: None,
    },
    // Daily read logs (ECS21a; ECS21b prepayment).
    Profile {
        logical_name: [0, 0, 98, 1, 9, 255],
        row: billing,
        period: DAY,
        capacity: 2,
        events: None,
    },
    Profile {
        logical_name: [0, 0, 98, 1, 8, 255],
        row: prepayment_log,
        period: DAY,
        capacity: 5,
        events: None,
    },
    // Debt payments, prepayment credits, export daily log (ECS20a, ECS20d, ECS21c).
    Profile {
        logical_name: [0, 0, 98, 1, 4, 255],
        row: time_and_value,
        period: DAY,
        capacity: 10,
        events: None,
    },
    Profile {
        logical_name: [0, 0, 98, 1, 5, 255],
        row: time_and_value,
        period: DAY,
        capacity: 10,
        events: None,
    },
    Profile {
        logical_name: [0, 0, 98, 1, 10, 255],
        row: time_and_value,
        period: DAY,
        capacity: 10,
        events: None,
    },
    // Half-hour profile data (ECS22b import, ECS22a reactive, ECS22c export) and the daily
    // consumption log (ECS66).
    Profile {
        logical_name: [0, 0, 99, 1, 0, 255],
        row: half_hour,
        period: HALF_HOUR,
        capacity: 48,
        events: None,
    },
    Profile {
        logical_name: [0, 0, 99, 1, 1, 255],
        row: time_and_two_values,
        period: HALF_HOUR,
        capacity: 48,
        events: None,
    },
    Profile {
        logical_name: [0, 0, 99, 1, 2, 255],
        row: time_and_value,
        period: HALF_HOUR,
        capacity: 48,
        events: None,
    },
    Profile {
        logical_name: [0, 0, 99, 1, 3, 255],
        row: time_and_value,
        period: DAY,
        capacity: 7,
        events: None,
    },
    // Event, security, power and auxiliary switch logs (ECS35a–f), the supply log (ECS61c).
    Profile {
        logical_name: [0, 0, 99, 98, 0, 255],
        row: event,
        period: 0,
        capacity: 100,
        events: Some(EventLog::Events),
    },
    Profile {
        logical_name: [0, 0, 99, 98, 1, 255],
        row: security_event,
        period: 0,
        capacity: 100,
        events: Some(EventLog::Security),
    },
    Profile {
        logical_name: [0, 0, 99, 98, 4, 255],
        row: power_event,
        period: 0,
        capacity: 100,
        events: None,
    },
    Profile {
        logical_name: [0, 17, 99, 98, 2, 255],
        row: auxiliary_switch_event,
        period: 0,
        capacity: 100,
        events: None,
    },
    Profile {
        logical_name: [0, 0, 99, 98, 20, 255],
        row: time_and_value,
        period: 0,
        capacity: 100,
        events: None,
    },
    // Average RMS voltage profiles, phases 1–3 (ECS23, ECS23b).
    Profile {
        logical_name: [1, 0, 32, 24, 0, 255],
        row: time_and_value,
        period: HALF_HOUR,
        capacity: 48,
        events: None,
    },
    Profile {
        logical_name: [1, 0, 52, 24, 0, 255],
        row: time_and_value,
        period: HALF_HOUR,
        capacity: 48,
        events: None,
    },
    Profile {
        logical_name: [1, 0, 72, 24, 0, 255],
        row: time_and_value,
        period: HALF_HOUR,
        capacity: 48,
        events: None,
    },
    // The CHF's Sub GHz channel log (DBCH02).
    Profile {
        logical_name: [0, 0, 94, 44, 10, 3],
        row: event,
        period: 0,
        capacity: 100,
        events: None,
    },
];

/// Whether the device has a profile buffer at this logical name.
pub(crate) fn is_profile(logical_name: [u8; 6]) -> bool {
    PROFILES
        .iter()
        .any(|profile| profile.logical_name == logical_name)
}

/// A buffer read with selective access: by range (selector 1: restricting object, from, to,
/// selected columns) or by entry (selector 2: from entry, to entry, columns).
pub(crate) fn read(
    device: &Device,
    attribute: CosemAttribute,
    selector: u8,
    parameters: &Data,
    now: DeviceDateTime,
) -> RequestOutcome {
    let profile = PROFILES
        .iter()
        .find(|profile| profile.logical_name == attribute.obis)
        .filter(|_| attribute.class_id == PROFILE_GENERIC && attribute.attribute == BUFFER)
        .ok_or(result::OBJECT_UNDEFINED)?;
    let Data::Structure(fields) = parameters else {
        return Err(result::TYPE_UNMATCHED);
    };
    let now = now.seconds_since_2000();
    let selection = match (selector, fields.as_slice()) {
        // A range descriptor {restricting object, from, to, columns}, or as Data Protection
        // lists it, {from, to}.
        (1, [_, from, to, ..]) | (1, [from, to]) => {
            Selection::Range(seconds(from)?, seconds(to)?.min(now))
        }
        (2, [Data::DoubleLongUnsigned(from), Data::DoubleLongUnsigned(to), ..]) => {
            Selection::Entries(*from, *to)
        }
        _ => return Err(result::TYPE_UNMATCHED),
    };
    if let Some(log) = profile.events {
        let entries = log.entries(&device.state);
        let selected: Vec<(u32, u16)> = match selection {
            Selection::Range(from, to) => entries
                .into_iter()
                .filter(|(time, _)| (from..=to).contains(time))
                .collect(),
            Selection::Entries(from, to) => by_entry(&entries, from, to),
        };
        return Ok(event_buffer(profile, &device.state, &selected));
    }
    let times = match selection {
        Selection::Range(from, to) => capture_times(device, profile, from, to),
        Selection::Entries(from, to) => by_entry(&capture_times(device, profile, 0, now), from, to),
    };
    Ok(buffer(profile, &device.state, &times))
}

/// What a buffer read selects: the entries captured within a range of times (UTC seconds
/// since 2000), or entries by number (from 1; `to` 0 for the last).
enum Selection {
    Range(u32, u32),
    Entries(u32, u32),
}

/// Entries `from` to `to` (numbered from 1, `to` 0 for the last) of `all`.
fn by_entry<T: Clone>(all: &[T], from: u32, to: u32) -> Vec<T> {
    let from = usize::try_from(from.saturating_sub(1)).unwrap_or(usize::MAX);
    let to = match to {
        0 => all.len(),
        to => usize::try_from(to).unwrap_or(usize::MAX).min(all.len()),
    };
    all.get(from..to).map(<[T]>::to_vec).unwrap_or_default()
}

/// A whole buffer (a read without selection, or the value a protected read lists).
pub(crate) fn whole_buffer(
    device: &Device,
    logical_name: [u8; 6],
    now: DeviceDateTime,
) -> Option<Data> {
    let profile = PROFILES
        .iter()
        .find(|profile| profile.logical_name == logical_name)?;
    if let Some(log) = profile.events {
        let now = now.seconds_since_2000();
        let entries: Vec<(u32, u16)> = log
            .entries(&device.state)
            .into_iter()
            .filter(|(time, _)| *time <= now)
            .collect();
        return Some(event_buffer(profile, &device.state, &entries));
    }
    let times = capture_times(device, profile, 0, now.seconds_since_2000());
    Some(buffer(profile, &device.state, &times))
}

/// A capture time given as `double-long-unsigned` seconds or a COSEM date-time octet string.
pub(crate) fn seconds(value: &Data) -> Result<u32, u8> {
    match value {
        Data::DoubleLongUnsigned(seconds) => Ok(*seconds),
        Data::OctetString(bytes) => {
            let [year_high, year_low, month, day, _, hour, minute, second, ..] = bytes.as_slice()
            else {
                return Err(result::TYPE_UNMATCHED);
            };
            let year = u16::from_be_bytes([*year_high, *year_low]);
            // Unspecified fields (FF) stand for the widest range.
            if year == 0xFFFF {
                return Ok(u32::MAX);
            }
            Ok(DeviceDateTime {
                year,
                month: *month,
                day: *day,
                hour: if *hour == 0xFF { 0 } else { *hour },
                minute: if *minute == 0xFF { 0 } else { *minute },
                second: if *second == 0xFF { 0 } else { *second },
            }
            .seconds_since_2000())
        }
        _ => Err(result::TYPE_UNMATCHED),
    }
}

/// The capture times of a profile within `[from, to]`, oldest first, at most its capacity:
/// the billing calendar log's at the dates and times of the meter's billing calendar (6.8,
/// ECS30), the others' every period.
fn capture_times(device: &Device, profile: &Profile, from: u32, to: u32) -> Vec<u32> {
    if to < from {
        return Vec::new();
    }
    if profile.logical_name == BILLING_CALENDAR_LOG {
        if let Some(calendar) = BillingCalendar::of(device) {
            return calendar.occurrences(from, to, profile.capacity);
        }
    }
    if profile.period == 0 {
        return Vec::new();
    }
    let last = to - to % profile.period;
    let mut times: Vec<u32> = (0..profile.capacity)
        .map_while(|index| last.checked_sub(index * profile.period))
        .filter(|time| *time >= from)
        .collect();
    times.reverse();
    times
}

/// The billing data log whose entries the billing calendar triggers (ECS20c).
const BILLING_CALENDAR_LOG: [u8; 6] = [0, 0, 98, 1, 0, 255];

/// The billing calendar: the Single action schedule 0-0:15.0.0.255's `execution_time`.
const BILLING_CALENDAR: CosemAttribute = CosemAttribute {
    class_id: 22,
    obis: [0, 0, 15, 0, 0, 255],
    attribute: 4,
};

/// How far back the billing calendar's occurrences are looked for: five years of days.
const CALENDAR_LOOK_BACK_DAYS: u32 = 5 * 366;

/// A billing calendar's entries: each a time of day (seconds) and a date whose year, month
/// and day may be wildcards (`0xFFFF`/`0xFF`; day `0xFE` the last of the month, `0xFD` the
/// one before).
pub(crate) struct BillingCalendar(Vec<(u32, CalendarDate)>);

struct CalendarDate {
    year: Option<u16>,
    month: Option<u8>,
    day: u8,
}

impl BillingCalendar {
    /// The meter's billing calendar; `None` when it holds none that reads.
    pub(crate) fn of(device: &Device) -> Option<Self> {
        let Some(Data::Array(entries)) = device.store.cosem(BILLING_CALENDAR) else {
            return None;
        };
        let mut read = Vec::new();
        for entry in entries {
            let Data::Structure(fields) = entry else {
                return None;
            };
            let [Data::OctetString(time), Data::OctetString(date)] = fields.as_slice() else {
                return None;
            };
            let [hour, minute, second, ..] = time.as_slice() else {
                return None;
            };
            let [year_high, year_low, month, day, ..] = date.as_slice() else {
                return None;
            };
            let field = |value: u8| if value == 0xFF { 0 } else { u32::from(value) };
            let time_of_day = field(*hour) * 3_600 + field(*minute) * 60 + field(*second);
            let year = u16::from_be_bytes([*year_high, *year_low]);
            read.push((
                time_of_day,
                CalendarDate {
                    year: (year != 0xFFFF).then_some(year),
                    month: (*month != 0xFF).then_some(*month),
                    day: *day,
                },
            ));
        }
        (!read.is_empty()).then_some(Self(read))
    }

    /// Its first occurrence after `after` (UTC seconds since 2000), within a year and a day.
    pub(crate) fn next_after(&self, after: u32) -> Option<u32> {
        let mut day_start = after - after % DAY;
        for _ in 0..367 {
            let date = DeviceDateTime::from_seconds_since_2000(day_start)
                .to_offset_date_time()?
                .date();
            let next = self
                .0
                .iter()
                .filter(|(_, calendar)| calendar.matches(date))
                .map(|(time_of_day, _)| day_start + time_of_day)
                .filter(|time| *time > after)
                .min();
            if next.is_some() {
                return next;
            }
            day_start = day_start.checked_add(DAY)?;
        }
        None
    }

    /// Its occurrences within `[from, to]` (UTC seconds since 2000), oldest first, the latest
    /// `capacity` of them.
    pub(crate) fn occurrences(&self, from: u32, to: u32, capacity: u32) -> Vec<u32> {
        let mut found = Vec::new();
        let mut day_start = to - to % DAY;
        for _ in 0..CALENDAR_LOOK_BACK_DAYS {
            if found.len() >= capacity as usize {
                break;
            }
            let Some(date) = DeviceDateTime::from_seconds_since_2000(day_start)
                .to_offset_date_time()
                .map(|instant| instant.date())
            else {
                break;
            };
            let mut today: Vec<u32> = self
                .0
                .iter()
                .filter(|(_, calendar)| calendar.matches(date))
                .map(|(time_of_day, _)| day_start + time_of_day)
                .filter(|time| (from..=to).contains(time))
                .collect();
            today.sort_unstable_by(|a, b| b.cmp(a));
            today.dedup();
            found.extend(today);
            match day_start.checked_sub(DAY) {
                Some(earlier) if earlier + DAY > from => day_start = earlier,
                _ => break,
            }
        }
        found.truncate(capacity as usize);
        found.reverse();
        found
    }
}

impl CalendarDate {
    fn matches(&self, date: time::Date) -> bool {
        if self.year.is_some_and(|year| i32::from(year) != date.year()) {
            return false;
        }
        if self
            .month
            .is_some_and(|month| month != u8::from(date.month()))
        {
            return false;
        }
        let last = date.month().length(date.year());
        match self.day {
            0xFF => true,
            0xFE => date.day() == last,
            0xFD => date.day() + 1 == last,
            day => day == date.day(),
        }
    }
}

/// The billing data log entry an ESME captures at `time` (UTC seconds since 2000) and pushes
/// in its ECS68 alert: one row of the billing calendar's log as a compact array, in a
/// structure.
pub(crate) fn billing_data_log_entry(state: &DeviceState, time: u32) -> Option<Data> {
    let profile = PROFILES
        .iter()
        .find(|profile| profile.logical_name == BILLING_CALENDAR_LOG)?;
    Some(Data::Structure(vec![buffer(profile, state, &[time])]))
}

/// The entries as a compact array.
fn buffer(profile: &Profile, state: &DeviceState, times: &[u32]) -> Data {
    let sample = Data::Structure((profile.row)(state, 0));
    let type_description = type_description(&sample);
    let mut contents = Vec::new();
    for time in times {
        compact_contents(&Data::Structure((profile.row)(state, *time)), &mut contents);
    }
    Data::CompactArray {
        type_description,
        contents,
    }
}

/// The entries of an event log as a compact array: each row the profile's, with its capture
/// time and event code.
fn event_buffer(profile: &Profile, state: &DeviceState, entries: &[(u32, u16)]) -> Data {
    let row = |time: u32, code: u16| {
        let mut row = (profile.row)(state, time);
        if let Some(slot) = row.get_mut(1) {
            *slot = Data::LongUnsigned(code);
        }
        Data::Structure(row)
    };
    let type_description = type_description(&row(0, 0));
    let mut contents = Vec::new();
    for (time, code) in entries {
        compact_contents(&row(*time, *code), &mut contents);
    }
    Data::CompactArray {
        type_description,
        contents,
    }
}

/// The type description of a datum (arrays by their first element).
pub(crate) fn type_description(data: &Data) -> TypeDescription {
    match data {
        Data::Structure(fields) => {
            TypeDescription::Structure(fields.iter().map(type_description).collect())
        }
        Data::Array(elements) => TypeDescription::Array {
            elements: u16::try_from(elements.len()).unwrap_or(u16::MAX),
            element: Box::new(
                elements
                    .first()
                    .map(type_description)
                    .unwrap_or(TypeDescription::Simple(0)),
            ),
        },
        other => TypeDescription::Simple(other.tag()),
    }
}

/// A datum's compact-array contents: the A-XDR encoding without type tags (and without the
/// counts the type description gives).
pub(crate) fn compact_contents(data: &Data, out: &mut Vec<u8>) {
    match data {
        Data::Structure(elements) | Data::Array(elements) => {
            for element in elements {
                compact_contents(element, out);
            }
        }
        other => {
            let encoded = other.encode();
            out.extend_from_slice(encoded.get(1..).unwrap_or(&[]));
        }
    }
}
