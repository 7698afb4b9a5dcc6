//! A meter's own clock and its prepayment top-ups, as commands change them:
//! - a meter whose clock drifted (a device action) keeps its time for a clock synchronisation
//!   whose validity interval does not hold its Comms Hub's time, and raises "clock not
//!   adjusted"; within the interval it takes the hub's time (ECS70 on an ESME, GCS28 on a GSME);
//! - a UTRN made with the supplier's prepayment key for this meter and the next counter adds
//!   its value to the balance once (CS01a, CS01b); a replay, a forged token or one for another
//!   meter changes nothing and raises the alert that says why.

mod support;

use dcc_model::device_control::DeviceAction;
use dcc_model::{DeviceType, Eui64};
use device::{Device, DeviceDateTime, DeviceState};
use gbcs::alert::{Alert, AlertCode};
use gbcs::dlms::{CosemReference, Data, DlmsApdu, RequestSpecification};
use gbcs::protection;
use gbcs::set_time::SetTimeCommand;
use gbcs::utrn::{self, ValueClass};
use gbcs::zse::prepayment::ConsumerTopUp;
use gbcs::zse::{numbered, ClusterCommand};
use gbcs::{MessageCode, SharedSecret};
use support::*;

const ECS70: MessageCode = MessageCode(0x0062);
const GCS28: MessageCode = MessageCode(0x007F);
const CS01A: MessageCode = MessageCode(0x0007);
const CS01B: MessageCode = MessageCode(0x0097);
const CLOCK: [u8; 6] = [0, 0, 1, 0, 0, 255];
const TOKEN_GATEWAY: [u8; 6] = [0, 0, 19, 40, 0, 255];

fn meter(id: Eui64, device_type: DeviceType) -> Device {
    Device::new(&device_config(id, device_type, DeviceState::default())).unwrap()
}

fn alert_codes(device: &mut Device) -> Vec<AlertCode> {
    device
        .take_alerts()
        .iter()
        .map(|bytes| {
            let apdu = apdu(bytes);
            Alert::parse(apdu.header.message_code(), &apdu.payload)
                .unwrap()
                .code
        })
        .collect()
}

fn instant(at: DeviceDateTime) -> u64 {
    u64::try_from(at.to_offset_date_time().unwrap().unix_timestamp()).unwrap()
}

fn access_request(requests: Vec<(RequestSpecification, Data)>) -> Vec<u8> {
    let (specifications, data) = requests.into_iter().unzip();
    DlmsApdu::AccessRequest {
        long_invoke_id: 0x2000_0001,
        date_time: Vec::new(),
        specifications,
        data,
    }
    .encode()
}

/// ECS70 as the DSP sends it: base, preset with the validity interval, adjust, read back.
fn ecs70(from: DeviceDateTime, to: DeviceDateTime) -> Vec<u8> {
    let reference = |index| CosemReference {
        class_id: 8,
        obis: CLOCK,
        index,
    };
    let octets = |at: DeviceDateTime| Data::OctetString(at.cosem().to_vec());
    access_request(vec![
        (RequestSpecification::Set(reference(9)), Data::Enum(5)),
        (
            RequestSpecification::Action(reference(5)),
            Data::Structure(vec![
                Data::OctetString(vec![0xFF; 12]),
                octets(from),
                octets(to),
            ]),
        ),
        (RequestSpecification::Action(reference(4)), Data::Integer(0)),
        (RequestSpecification::Get(reference(2)), Data::Null),
        (RequestSpecification::Get(reference(4)), Data::Null),
    ])
}

/// The clock an ESME answered ECS70 with.
fn esme_clock(
    device: &mut Device,
    counter: u64,
    from: DeviceDateTime,
    to: DeviceDateTime,
) -> Vec<u8> {
    let command = command(
        ECS70,
        counter,
        SUPPLIER,
        ESME,
        ecs70(from, to),
        Some(&ds_private(SUPPLIER)),
    );
    let response = device.handle_command(&command, NOW).unwrap();
    let apdu = protection::verify_response(&response, None, Some(&ds_public(ESME))).unwrap();
    let DlmsApdu::AccessResponse { data, results, .. } = DlmsApdu::parse(&apdu.payload).unwrap()
    else {
        panic!("an access-response")
    };
    assert!(
        results.iter().all(|result| result.result == 0),
        "{results:?}"
    );
    let Data::OctetString(time) = &data[3] else {
        panic!("the clock's time: {data:?}")
    };
    time.clone()
}

/// The GCS28 response of a GSME (its DER), for a window from `from` to `to`.
fn gsme_clock(
    device: &mut Device,
    counter: u64,
    from: DeviceDateTime,
    to: DeviceDateTime,
) -> Vec<u8> {
    let payload = SetTimeCommand::between(instant(from), instant(to))
        .unwrap()
        .encode()
        .unwrap();
    let command = command(
        GCS28,
        counter,
        SUPPLIER,
        GSME,
        payload,
        Some(&ds_private(SUPPLIER)),
    );
    let response = device.handle_command(&command, NOW).unwrap();
    protection::verify_response(&response, None, Some(&ds_public(GSME)))
        .unwrap()
        .payload
}

fn generalized(at: DeviceDateTime) -> Vec<u8> {
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}Z",
        at.year, at.month, at.day, at.hour, at.minute, at.second
    )
    .into_bytes()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

#[test]
fn a_drifted_esme_takes_its_hub_s_time_only_within_the_validity_interval() {
    let mut esme = meter(ESME, DeviceType::ElectricitySmartMeter);
    let hour_slow = NOW.shifted(-3600);
    assert_eq!(
        esme.act(&DeviceAction::ShiftClock { seconds: -3600 }, NOW),
        Ok(Vec::new())
    );
    assert_eq!(esme.local_time(NOW), hour_slow);

    // The interval ended ten minutes before the hub's time: the meter keeps its own.
    let stale = esme_clock(&mut esme, 10, NOW.shifted(-1200), NOW.shifted(-600));
    assert_eq!(stale, hour_slow.cosem());
    assert_eq!(alert_codes(&mut esme), vec![AlertCode(0x81C6)]);
    assert_eq!(esme.state().clock_offset_seconds, -3600);

    let timely = esme_clock(&mut esme, 11, NOW.shifted(-60), NOW.shifted(240));
    assert_eq!(timely, NOW.cosem());
    assert!(alert_codes(&mut esme).is_empty());
    assert_eq!(esme.state().clock_offset_seconds, 0);
}

#[test]
fn a_drifted_gsme_takes_its_hub_s_time_only_within_the_window() {
    let mut gsme = meter(GSME, DeviceType::GasSmartMeter);
    gsme.act(&DeviceAction::ShiftClock { seconds: 1800 }, NOW)
        .unwrap();
    let fast = NOW.shifted(1800);

    let stale = gsme_clock(&mut gsme, 10, NOW.shifted(600), NOW.shifted(900));
    assert!(contains(&stale, &generalized(fast)), "{stale:02X?}");
    assert!(
        stale.ends_with(&[0x02, 0x01, 0x02]),
        "unreliable: {stale:02X?}"
    );
    assert_eq!(alert_codes(&mut gsme), vec![AlertCode(0x81C6)]);

    let timely = gsme_clock(&mut gsme, 11, NOW.shifted(-60), NOW.shifted(240));
    assert!(contains(&timely, &generalized(NOW)), "{timely:02X?}");
    assert!(
        timely.ends_with(&[0x02, 0x01, 0x00]),
        "reliable: {timely:02X?}"
    );
    assert_eq!(gsme.state().clock_offset_seconds, 0);
}

/// A UTRN from the supplier to `device` under `counter`, keyed as a test PKI keys it (the
/// supplier's KA key in the prepayment cell).
fn utrn_for(device: Eui64, counter: u64, pence: u16) -> String {
    let z = SharedSecret::compute(&ka_private(SUPPLIER), &ka_public(device));
    utrn::make(&z, SUPPLIER, device, counter, ValueClass::Pennies, pence).unwrap()
}

/// Enters `utrn` at an ESME's token gateway (CS01a); returns the action's result.
fn enter_at_esme(esme: &mut Device, counter: u64, utrn: &str) -> u8 {
    let payload = access_request(vec![(
        RequestSpecification::Action(CosemReference {
            class_id: 115,
            obis: TOKEN_GATEWAY,
            index: 1,
        }),
        Data::OctetString(utrn.as_bytes().to_vec()),
    )]);
    let command = command(CS01A, counter, SUPPLIER, ESME, payload, None);
    let response = esme.handle_command(&command, NOW).unwrap();
    let (apdu, _) = open_mac_response(&response, SUPPLIER, ESME);
    let DlmsApdu::AccessResponse { results, .. } = DlmsApdu::parse(&apdu.payload).unwrap() else {
        panic!("an access-response")
    };
    results[0].result
}

#[test]
fn an_esme_adds_each_authentic_utrn_once_and_in_order() {
    let mut esme = meter(ESME, DeviceType::ElectricitySmartMeter);
    let start = esme.state().meter_balance;
    let first = utrn_for(ESME, 1 << 32, 150);
    assert_eq!(enter_at_esme(&mut esme, 10, &first), 0);
    assert_eq!(esme.state().meter_balance, start + 150);
    assert_eq!(esme.state().top_up_log.last().unwrap().amount, 150);

    // The same token again: a duplicate.
    assert_eq!(enter_at_esme(&mut esme, 11, &first), 250);
    assert_eq!(alert_codes(&mut esme), vec![AlertCode(0x8F51)]);
    // Made for the gas meter, or with the wrong key, or with an old counter: not authentic.
    let for_gas = utrn_for(GSME, 2 << 32, 500);
    let forged = {
        let z = SharedSecret::from_bytes([7; 32]);
        utrn::make(&z, SUPPLIER, ESME, 2 << 32, ValueClass::Pounds, 50).unwrap()
    };
    let old = utrn_for(ESME, 1 << 32, 999);
    for (counter, token) in [(12, &for_gas), (13, &forged), (14, &old)] {
        assert_eq!(enter_at_esme(&mut esme, counter, token), 250, "{token}");
        assert_eq!(alert_codes(&mut esme), vec![AlertCode(0x8F63)], "{token}");
    }
    assert_eq!(
        esme.state().meter_balance,
        start + 150,
        "nothing refused was added"
    );

    let pounds = {
        let z = SharedSecret::compute(&ka_private(SUPPLIER), &ka_public(ESME));
        utrn::make(&z, SUPPLIER, ESME, 3 << 32, ValueClass::Pounds, 20).unwrap()
    };
    assert_eq!(enter_at_esme(&mut esme, 15, &pounds), 0);
    assert_eq!(esme.state().meter_balance, start + 150 + 2_000);
    assert_eq!(esme.state().last_top_up_counter, 3 << 32);
}

#[test]
fn a_gsme_answers_a_top_up_with_its_result_value_and_balance() {
    let mut gsme = meter(GSME, DeviceType::GasSmartMeter);
    let start = gsme.state().meter_balance;
    let top_up = |gsme: &mut Device, counter: u64, utrn: &str| {
        let payload = numbered(vec![ConsumerTopUp {
            originating_device: 0,
            top_up_code: utrn.as_bytes().to_vec(),
        }
        .component()])
        .encode();
        let command = command(CS01B, counter, SUPPLIER, GSME, payload, None);
        let response = gsme.handle_command(&command, NOW).unwrap();
        open_mac_response(&response, SUPPLIER, GSME).0.payload
    };
    let utrn = utrn_for(GSME, 1 << 32, 1_250);
    let accepted = top_up(&mut gsme, 10, &utrn);
    assert_eq!(gsme.state().meter_balance, start + 1_250);
    let replayed = top_up(&mut gsme, 11, &utrn);
    assert_eq!(gsme.state().meter_balance, start + 1_250);
    assert_eq!(alert_codes(&mut gsme), vec![AlertCode(0x8F51)]);
    // After the ZCL header's command id (03): the result, then the value added (little-endian).
    let value = 1_250i32.to_le_bytes();
    assert!(
        contains(
            &accepted,
            &[0x03, 0x00, value[0], value[1], value[2], value[3]]
        ),
        "{accepted:02X?}"
    );
    assert!(
        contains(&replayed, &[0x03, 0x02, 0, 0, 0, 0]),
        "{replayed:02X?}"
    );
}
