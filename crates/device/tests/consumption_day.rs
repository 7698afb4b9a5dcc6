//! Issue 8, done-when 3: over one simulated day an ESME following a seeded load profile
//! answers, through the GBCS use cases, with readings that agree: the import register (ECS17b,
//! 4.1.1) rises by the sum of the 48 half-hourly values of the profile data (ECS22b, 4.8.1),
//! and the daily read log (ECS21a, 4.6.1) holds the register at the start and the end of the
//! day.

mod support;

use dcc_model::DeviceType;
use device::{Device, DeviceDateTime, DeviceState, LoadProfile};
use gbcs::dlms::{CosemReference, Data, DlmsApdu, RequestSpecification, TypeDescription};
use gbcs::use_case::ecs17b;
use gbcs::MessageCode;
use support::*;

const ECS21A: MessageCode = MessageCode(0x0033);
const ECS22B: MessageCode = MessageCode(0x0037);
/// The Data Protection objects the two reads go through, and the profiles they read.
const DAILY_READ_PROTECTION: [u8; 6] = [0, 0, 43, 2, 5, 255];
const DAILY_READ_LOG: [u8; 6] = [0, 0, 98, 1, 9, 255];
const PROFILE_DATA_PROTECTION: [u8; 6] = [0, 0, 43, 2, 7, 255];
const HALF_HOUR_PROFILE: [u8; 6] = [0, 0, 99, 1, 0, 255];

const DAY_START: DeviceDateTime = at(1, 0, 0);
const DAY_END: DeviceDateTime = at(2, 0, 0);
const REGISTER_AT_START: u32 = 10_000;

const fn at(day: u8, hour: u8, minute: u8) -> DeviceDateTime {
    DeviceDateTime {
        year: 2024,
        month: 5,
        day,
        hour,
        minute,
        second: 0,
    }
}

fn cosem_date_time(time: DeviceDateTime) -> Data {
    let [high, low] = time.year.to_be_bytes();
    Data::OctetString(vec![
        high,
        low,
        time.month,
        time.day,
        0xFF,
        time.hour,
        time.minute,
        time.second,
        0,
        0x80,
        0,
        0xFF,
    ])
}

/// A read of a profile's buffer between two capture times through a Data Protection object's
/// get_protected_attributes, its response encrypted for the supplier (as ECS21a and ECS22b).
fn protected_profile_read(
    counter: u64,
    protection: [u8; 6],
    profile: [u8; 6],
    from: DeviceDateTime,
    to: DeviceDateTime,
) -> Vec<u8> {
    let mut transaction = vec![0x04];
    transaction.extend_from_slice(&counter.to_be_bytes());
    let object = Data::Structure(vec![
        Data::LongUnsigned(7),
        Data::OctetString(profile.to_vec()),
        Data::Integer(2),
        Data::LongUnsigned(0),
        Data::Structure(vec![
            Data::Enum(1),
            Data::Structure(vec![cosem_date_time(from), cosem_date_time(to)]),
        ]),
    ]);
    let parameters = Data::Structure(vec![
        Data::Enum(2),
        Data::Structure(vec![
            Data::OctetString(transaction),
            Data::OctetString(SUPPLIER.as_bytes().to_vec()),
            Data::OctetString(ESME.as_bytes().to_vec()),
            Data::OctetString(Vec::new()),
            Data::Structure(vec![
                Data::Enum(2),
                Data::Structure(vec![
                    Data::OctetString(vec![0x02]),
                    Data::OctetString(Vec::new()),
                ]),
            ]),
        ]),
    ]);
    DlmsApdu::AccessRequest {
        long_invoke_id: 0x2000_0000 | u32::try_from(counter).unwrap(),
        date_time: Vec::new(),
        specifications: vec![RequestSpecification::Action(CosemReference {
            class_id: 30,
            obis: protection,
            index: 1,
        })],
        data: vec![Data::Structure(vec![
            Data::Array(vec![object]),
            Data::Array(vec![parameters]),
        ])],
    }
    .encode()
}

/// A profile buffer's entries as (capture time, value).
type Entries = Vec<(u32, u32)>;

/// Bytes of one compact-array element of this type.
fn element_size(description: &TypeDescription) -> usize {
    match description {
        TypeDescription::Structure(fields) => fields.iter().map(element_size).sum(),
        TypeDescription::Array { elements, element } => {
            usize::from(*elements) * element_size(element)
        }
        TypeDescription::Simple(0x05 | 0x06) => 4,
        TypeDescription::Simple(0x10 | 0x12) => 2,
        TypeDescription::Simple(0x0F | 0x11 | 0x16) => 1,
        TypeDescription::Simple(other) => panic!("no fixed size for type {other:02X}"),
    }
}

/// The first two `double-long-unsigned` columns (capture time, value) of every entry of the
/// profile buffer a protected read answered with.
fn time_and_value_columns(plaintext: &[u8]) -> Entries {
    let data = Data::parse(plaintext).expect("the plaintext is A-XDR data");
    let Data::Structure(fields) = data else {
        panic!("not a structure: {data:?}");
    };
    let Some(Data::CompactArray {
        type_description,
        contents,
    }) = fields.first()
    else {
        panic!("no compact array: {fields:?}");
    };
    let size = match type_description {
        TypeDescription::Array { element, .. } => element_size(element),
        other => element_size(other),
    };
    contents
        .chunks(size)
        .map(|entry| {
            let column = |index: usize| {
                u32::from_be_bytes(entry[4 * index..4 * index + 4].try_into().unwrap())
            };
            (column(0), column(1))
        })
        .collect()
}

struct Esme {
    device: Device,
    counter: u64,
}

impl Esme {
    fn new(load_profile: LoadProfile) -> Self {
        let state = DeviceState {
            active_import_wh: REGISTER_AT_START,
            load_profile: Some(load_profile),
            installed: DAY_START,
            ..DeviceState::default()
        };
        let config = device_config(ESME, DeviceType::ElectricitySmartMeter, state);
        Self {
            device: Device::new(&config).unwrap(),
            counter: 1_000,
        }
    }

    /// Sends a supplier's read at `now`; returns the decrypted block of the response.
    fn read(
        &mut self,
        message_code: MessageCode,
        payload: Vec<u8>,
        now: DeviceDateTime,
    ) -> Vec<u8> {
        let bytes = command(message_code, self.counter, SUPPLIER, ESME, payload, None);
        let response = self.device.handle_command(&bytes, now).unwrap();
        let (_, plaintext) = open_mac_response(&response, SUPPLIER, ESME);
        plaintext.expect("the reading is encrypted for the supplier")
    }

    fn next_counter(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    fn register_reading(&mut self, now: DeviceDateTime) -> Vec<u8> {
        let counter = self.next_counter();
        let payload = ecs17b::command_payload(counter, SUPPLIER, ESME);
        self.read(ecs17b::MESSAGE_CODE, payload, now)
    }

    fn profile(
        &mut self,
        code: MessageCode,
        protection: [u8; 6],
        profile: [u8; 6],
        from: DeviceDateTime,
    ) -> Entries {
        let counter = self.next_counter();
        let payload = protected_profile_read(counter, protection, profile, from, DAY_END);
        time_and_value_columns(&self.read(code, payload, DAY_END))
    }
}

/// The half-hourly profile data and the daily read log of a day, the register checked at both
/// ends of it.
fn day_of_readings(seed: u64) -> (Entries, Entries) {
    let mut esme = Esme::new(LoadProfile {
        seed,
        average_watts: 400,
    });
    let reactive = DeviceState::default().reactive_import_varh;
    assert_eq!(
        esme.register_reading(DAY_START),
        ecs17b::register_plaintext(REGISTER_AT_START, reactive),
        "the register at the start of the day"
    );
    let half_hours = esme.profile(
        ECS22B,
        PROFILE_DATA_PROTECTION,
        HALF_HOUR_PROFILE,
        at(1, 0, 30),
    );
    let used: u32 = half_hours.iter().map(|(_, value)| value).sum();
    assert_eq!(
        esme.register_reading(DAY_END),
        ecs17b::register_plaintext(REGISTER_AT_START + used, reactive),
        "the register at the end of the day rose by the sum of the half hours"
    );
    let daily = esme.profile(ECS21A, DAILY_READ_PROTECTION, DAILY_READ_LOG, DAY_START);
    (half_hours, daily)
}

#[test]
fn over_a_day_the_register_the_half_hourly_profile_and_the_daily_read_log_agree() {
    let (half_hours, daily) = day_of_readings(2024);
    let start = DAY_START.seconds_since_2000();
    let end = DAY_END.seconds_since_2000();
    // 48 half hours, captured at their ends, 00:30 to 24:00.
    let times: Vec<u32> = half_hours.iter().map(|(time, _)| *time).collect();
    let expected: Vec<u32> = (1..=48).map(|index| start + index * 1_800).collect();
    assert_eq!(times, expected);
    let values: Vec<u32> = half_hours.iter().map(|(_, value)| *value).collect();
    let used: u32 = values.iter().sum();
    assert!(used > 0, "the meter used energy");
    assert!(
        values.iter().any(|value| *value != values[0]),
        "the load varies over the day: {values:?}"
    );
    // The daily read log: the register at midnight at each end of the day.
    assert_eq!(
        daily,
        vec![(start, REGISTER_AT_START), (end, REGISTER_AT_START + used)]
    );
}

#[test]
fn the_same_seed_gives_the_same_day_and_another_seed_another() {
    let first = day_of_readings(2024);
    assert_eq!(day_of_readings(2024), first);
    assert_ne!(day_of_readings(2025).0, first.0);
}

#[test]
fn a_meter_without_a_load_keeps_its_register() {
    let state = DeviceState {
        active_import_wh: REGISTER_AT_START,
        installed: DAY_START,
        ..DeviceState::default()
    };
    assert_eq!(
        state.active_import_at(DAY_END.seconds_since_2000()),
        REGISTER_AT_START
    );
    assert_eq!(
        state.half_hour_import_ending(DAY_END.seconds_since_2000()),
        0
    );
}
