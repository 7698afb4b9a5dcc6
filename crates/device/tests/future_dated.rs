//! Future-dated instructions: a command with an activation (start) time still to come changes
//! nothing a read sees and raises nothing until the device catches up to that time; then its
//! settings take effect and the device raises one Future Dated Execution Of Instruction alert
//! (8F66) per instruction, as RTDS's reference devices do; catching up again does nothing.
//!
//! Against RTDS: every future-dated success command of the reference ESME and GSME
//! (ECS01a–d, ECS02, ECS08, ECS08a, ECS28a, GCS01a, GCS01b, GCS02, GCS03, GCS05) run on the
//! device built from the RTDS key store raises, at its time, alerts whose grouping header and
//! payload are the reference 8F66 alerts' byte for byte (the device counting on from the
//! counter before the reference's first). With the test PKI: reads before and after the time
//! (ECS27 after ECS28a, GCS21j after GCS03), and a cancellation.

mod support;

use std::path::Path;

use dcc_model::{DeviceType, Eui64};
use device::{Device, DeviceDateTime, DeviceState, KeyFolder};
use gbcs::cosem::{class, reference, AccessRequest};
use gbcs::dlms::Data;
use gbcs::gbz::{ComponentBody, GbzPayload};
use gbcs::protection;
use gbcs::zcl::{GeneralCommand, ZclValue};
use gbcs::zse::prepayment::ChangePaymentMode;
use gbcs::zse::requests::{CommandPayload, ZclRequest};
use gbcs::zse::{numbered, ClusterCommand as _, UtcTime};
use gbcs::{GeneralSigning, MessageCode, SignatureField};
use support::*;

const RTDS_ESME: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A0);
const RTDS_GSME: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A1);

/// The date-time of RTDS's responses: 2015-01-01 00:00:00.
const RTDS_NOW: DeviceDateTime = DeviceDateTime::midnight(2015, 1, 1);

fn read_hex(path: &Path) -> Vec<u8> {
    let text = std::fs::read_to_string(path).unwrap();
    let digits: String = text.chars().filter(char::is_ascii_hexdigit).collect();
    (0..digits.len() / 2)
        .map(|index| u8::from_str_radix(&digits[2 * index..2 * index + 2], 16).unwrap())
        .collect()
}

/// The APDU without its signature: the reference's is RTDS's device key's, ours a stand-in's.
fn unsigned(apdu: GeneralSigning) -> GeneralSigning {
    apdu.with_signature(SignatureField::Null)
}

/// RTDS's future-dated success commands with their 8F66 alerts (oldest first), the device
/// type each is for.
fn reference_cases(rtds: &Path) -> Vec<(String, DeviceType, Vec<u8>, Vec<GeneralSigning>)> {
    let mut cases = Vec::new();
    for folder in test_support::subfolders(&rtds.join("gbcs")).unwrap() {
        let files = test_support::read_folder(&folder).unwrap();
        for (name, _) in &files {
            let Some(base) = name.strip_suffix("_COMMAND_GBCS.HEX") else {
                continue;
            };
            // Credentials updates (CS02b, CS02g) wait for their time on their own.
            if !base.contains("FUTURE_DATED")
                || !base.contains("SUCCESS")
                || base.starts_with("CS02")
            {
                continue;
            }
            let (use_case, rest) = base.split_once('_').unwrap();
            let (variant, outcome) = rest.split_once("_FUTURE_DATED").unwrap();
            let prefix = format!("{use_case}_{variant}_8F66_FUTURE_DATED{outcome}_ALERT");
            let mut alerts: Vec<GeneralSigning> = files
                .iter()
                .filter(|(file, _)| file.starts_with(&prefix))
                .map(|(file, _)| apdu(&read_hex(&folder.join(file))))
                .collect();
            if alerts.is_empty() {
                continue;
            }
            alerts.sort_by_key(|alert| alert.header.transaction.counter);
            let command = read_hex(&folder.join(name));
            let device_type = match apdu(&command).header.recipient {
                RTDS_ESME => DeviceType::ElectricitySmartMeter,
                RTDS_GSME => DeviceType::GasSmartMeter,
                _ => continue,
            };
            cases.push((base.to_owned(), device_type, command, alerts));
        }
    }
    cases.sort_by(|a, b| a.0.cmp(&b.0));
    cases
}

/// Reference cases whose alerts differ from the device's only in the frame control of the ZCL
/// command they name, and why: the test fails on any other difference, and on a listed case
/// reproduced byte for byte (take it off), so the list only shrinks.
const FRAME_CONTROL_DIFFERS: [(&str, &str); 1] = [(
    "GCS05_2.1_FUTURE_DATED_SUCCESS",
    "RTDS's GCS05 alerts name the Publish Calendar and Publish Special Days with frame \
     control 0x01, its GCS01a alerts (and the GCS05 command's components) with 0x09: the \
     device names the frame control the command gave",
)];

/// `apdu` with the frame control its future-dated GBZ alert names cleared.
fn without_frame_control(apdu: GeneralSigning) -> GeneralSigning {
    let message_code = apdu.header.message_code();
    let Ok(mut alert) = gbcs::alert::Alert::parse(message_code, &apdu.payload) else {
        return apdu;
    };
    if let gbcs::alert::AlertDetails::FutureDatedGbz { frame_control, .. } = &mut alert.details {
        *frame_control = 0;
    }
    let counter = apdu.header.transaction.counter;
    let encoding = gbcs::alert::AlertEncoding::detect(&apdu.payload).unwrap();
    let payload = alert.encode(encoding, counter).unwrap();
    GeneralSigning { payload, ..apdu }
}

/// For a CS06 (Activate Firmware), the image the reference device held: the one the command
/// names, of the version its reference alert reports running after the activation.
fn held_image(
    command: &GeneralSigning,
    alert: &GeneralSigning,
) -> Option<device::HeldFirmwareImage> {
    let activation = gbcs::firmware::ActivateFirmware::decode(&command.payload).ok()?;
    let parsed = gbcs::alert::Alert::parse(alert.header.message_code(), &alert.payload).ok()?;
    let gbcs::alert::AlertDetails::ExecutionOutcome(reported) = parsed.details else {
        return None;
    };
    // The command's counter (an INTEGER), then the outcome.
    let outcome = reported.get(2 + usize::from(*reported.get(1)?)..)?;
    let gbcs::firmware::ActivateFirmwareResponse::ExecutionOutcome(outcome) =
        gbcs::firmware::ActivateFirmwareResponse::decode(outcome).ok()?
    else {
        return None;
    };
    Some(device::HeldFirmwareImage {
        manufacturer_image_hash: activation.image_hash.to_vec(),
        firmware_version: outcome.firmware_version,
    })
}

/// The RTDS reference devices: every RTDS future-dated success command whose 8F66 alerts RTDS
/// gives raises nothing before its time and, once caught up to it, exactly those alerts
/// (header and payload byte for byte, signed with the device's stand-in key; but for the
/// frame control where `FRAME_CONTROL_DIFFERS` says); again nothing after.
#[test]
fn the_reference_devices_raise_the_reference_8f66_alerts_at_the_activation_time() {
    let Some(rtds) = test_support::shared_vectors("rtds-4.5.0", "RTDS reference messages") else {
        return;
    };
    let files = test_support::read_folder(&rtds.join("keystore")).unwrap();
    let keys = KeyFolder::from_files(
        files
            .iter()
            .map(|(name, bytes)| (name.as_str(), bytes.as_slice())),
    )
    .unwrap();
    let cases = reference_cases(&rtds);
    let names: Vec<&str> = cases.iter().map(|(name, ..)| name.as_str()).collect();
    for expected in [
        "ECS01a_1.1.1",
        "ECS08_2.1",
        "ECS28a_6.4.1",
        "GCS01a_1.1.1",
        "GCS02_1.6",
        "GCS05_2.1",
    ] {
        assert!(
            names.iter().any(|name| name.starts_with(expected)),
            "no {expected} case in {names:?}"
        );
    }
    let mut failures = Vec::new();
    for (name, device_type, command, alerts) in &cases {
        let command_apdu = apdu(command);
        let recipient = command_apdu.header.recipient;
        let first = alerts[0].header.transaction.counter;
        let state = DeviceState {
            originator_counter: first - 1,
            firmware_image: held_image(&command_apdu, &alerts[0]),
            ..DeviceState::default()
        };
        let mut device = keys
            .device(
                recipient,
                *device_type,
                state,
                &[command_apdu.header.originator],
            )
            .unwrap()
            .device;
        if let Err(error) = device.handle_command(command, RTDS_NOW) {
            failures.push(format!("{name}: refused: {error}"));
            continue;
        }
        let early = take_alerts_but_billing(&mut device);
        if !early.is_empty() {
            failures.push(format!("{name}: {} alerts before the time", early.len()));
        }
        let due = alerts
            .iter()
            .map(|alert| {
                gbcs::alert::Alert::parse(alert.header.message_code(), &alert.payload)
                    .unwrap()
                    .time
            })
            .max()
            .unwrap();
        let due = DeviceDateTime::from_seconds_since_2000(due);
        if device.next_instruction_due() != Some(due) {
            failures.push(format!(
                "{name}: next due {:?}, the alerts' {due:?}",
                device.next_instruction_due()
            ));
        }
        device.catch_up(due.shifted(-1));
        if !take_alerts_but_billing(&mut device).is_empty() {
            failures.push(format!("{name}: alerts a second before the time"));
        }
        device.catch_up(due);
        let raised: Vec<GeneralSigning> = device
            .take_alerts()
            .iter()
            .map(|alert| unsigned(apdu(alert)))
            .collect();
        let expected: Vec<GeneralSigning> = alerts.iter().cloned().map(unsigned).collect();
        let listed = FRAME_CONTROL_DIFFERS.iter().any(|(case, _)| case == name);
        if listed && raised == expected {
            failures.push(format!(
                "{name}: reproduced: take it off FRAME_CONTROL_DIFFERS"
            ));
        }
        let (raised, expected) = match listed {
            true => (
                raised.into_iter().map(without_frame_control).collect(),
                expected.into_iter().map(without_frame_control).collect(),
            ),
            false => (raised, expected),
        };
        if raised != expected {
            failures.push(format!(
                "{name}: raised {raised:#?}\nthe reference has {expected:#?}"
            ));
        }
        device.catch_up(due.shifted(86_400));
        if !take_alerts_but_billing(&mut device).is_empty()
            || device.pending_instruction_count() > 0
        {
            failures.push(format!("{name}: alerts on catching up again"));
        }
    }
    println!("{} RTDS future-dated commands: {names:?}", cases.len());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

const ECS27: MessageCode = MessageCode(0x0042);
const ECS28A: MessageCode = MessageCode(0x0043);
const GCS03: MessageCode = MessageCode(0x006D);
const GCS21J: MessageCode = MessageCode(0x00BF);
const FUTURE_DATED_DLMS: MessageCode = MessageCode(0x00CC);
const FUTURE_DATED_GBZ: MessageCode = MessageCode(0x00CD);
const PREPAYMENT: u16 = 0x0705;

/// A month after [`NOW`].
const NEXT_MONTH: DeviceDateTime = DeviceDateTime::midnight(2024, 6, 1);

/// The data of an ESME's answer to a DLMS command from the supplier at `now` (signed when
/// `signed`), each request's result checked to be success.
fn dlms(
    esme: &mut Device,
    code: MessageCode,
    counter: u64,
    request: AccessRequest,
    signed: bool,
    now: DeviceDateTime,
) -> Vec<Data> {
    let answers = supplier_dlms(esme, code, counter, request, signed, now);
    assert!(
        answers.iter().all(|(result, _)| *result == 0),
        "{code}: {answers:?}"
    );
    answers.into_iter().map(|(_, data)| data).collect()
}

/// ECS27's Limiter reads: threshold, minimum over- and under-threshold durations.
fn limiter_settings() -> AccessRequest {
    let limiter = |attribute| reference(class::LIMITER, [0, 0, 17, 0, 0, 255], attribute);
    AccessRequest::new()
        .get(limiter(4))
        .get(limiter(6))
        .get(limiter(7))
}

/// ECS28a with the Limiter's passive settings and one activation time for all (COSEM
/// date-time octets).
fn ecs28a(threshold: u32, period: u32, restoration: u32, at: [u8; 12]) -> AccessRequest {
    let extended = |element, attribute| {
        reference(
            class::GBCS_EXTENDED_DATA,
            [0, 0, 94, 44, 128, element],
            attribute,
        )
    };
    AccessRequest::new()
        .set(extended(7, 4), Data::DoubleLongUnsigned(threshold))
        .set(extended(6, 4), Data::DoubleLongUnsigned(period))
        .set(extended(8, 4), Data::DoubleLongUnsigned(restoration))
        .set(extended(7, 6), Data::OctetString(at.to_vec()))
        .set(extended(6, 6), Data::OctetString(at.to_vec()))
        .set(extended(8, 6), Data::OctetString(at.to_vec()))
}

/// The 8F66 alerts taken from `device`, verified as the supplier verifies them (signed with
/// the device's DS key: 8F66 is critical), parsed.
fn future_dated_alerts(device: &mut Device, device_id: Eui64) -> Vec<gbcs::alert::Alert> {
    take_alerts_but_billing(device)
        .iter()
        .map(|alert| {
            let apdu = protection::verify_response(alert, None, Some(&ds_public(device_id)))
                .expect("the alert is signed by the device");
            assert_eq!(apdu.header.recipient, SUPPLIER);
            let parsed =
                gbcs::alert::Alert::parse(apdu.header.message_code(), &apdu.payload).unwrap();
            assert_eq!(parsed.code, device::FUTURE_DATED_ACTIONED);
            assert!(
                [FUTURE_DATED_DLMS, FUTURE_DATED_GBZ].contains(&apdu.header.message_code()),
                "{apdu:?}"
            );
            parsed
        })
        .collect()
}

#[test]
fn an_esme_activates_future_dated_load_limit_settings_at_their_time() {
    let mut esme = esme_in(DeviceState::default());
    let before = dlms(&mut esme, ECS27, 10, limiter_settings(), false, NOW);
    dlms(
        &mut esme,
        ECS28A,
        11,
        ecs28a(6_900, 300, 30, NEXT_MONTH.cosem()),
        true,
        NOW,
    );
    assert!(
        take_alerts_but_billing(&mut esme).is_empty(),
        "nothing before the time"
    );
    assert_eq!(esme.next_instruction_due(), Some(NEXT_MONTH));
    assert_eq!(
        dlms(&mut esme, ECS27, 12, limiter_settings(), false, NOW),
        before
    );

    // A command at the time sees the settings active; the alerts were raised before it ran.
    let after = dlms(&mut esme, ECS27, 13, limiter_settings(), false, NEXT_MONTH);
    assert_eq!(
        after,
        [
            Data::DoubleLongUnsigned(6_900),
            Data::DoubleLongUnsigned(300),
            Data::DoubleLongUnsigned(30),
        ]
    );
    let alerts = future_dated_alerts(&mut esme, ESME);
    let targets: Vec<_> = alerts
        .iter()
        .map(|alert| match &alert.details {
            gbcs::alert::AlertDetails::FutureDatedDlms {
                message_code,
                counter,
                target,
            } => {
                assert_eq!((*message_code, *counter), (ECS28A, 11));
                assert_eq!(alert.time, NEXT_MONTH.seconds_since_2000());
                (target.class_id, target.obis, target.index)
            }
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        targets,
        [
            (9000, [0, 0, 94, 44, 128, 7], 6),
            (9000, [0, 0, 94, 44, 128, 6], 6),
            (9000, [0, 0, 94, 44, 128, 8], 6),
        ]
    );
    esme.catch_up(NEXT_MONTH.shifted(3_600));
    assert!(take_alerts_but_billing(&mut esme).is_empty());
    assert_eq!(esme.next_instruction_due(), None);
}

#[test]
fn an_activation_time_of_all_ff_cancels_the_pending_one() {
    let mut esme = esme_in(DeviceState::default());
    let before = dlms(&mut esme, ECS27, 10, limiter_settings(), false, NOW);
    dlms(
        &mut esme,
        ECS28A,
        11,
        ecs28a(6_900, 300, 30, NEXT_MONTH.cosem()),
        true,
        NOW,
    );
    assert_eq!(esme.pending_instruction_count(), 3);
    let never = [
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x80, 0x00, 0xFF,
    ];
    dlms(&mut esme, ECS28A, 12, ecs28a(1, 2, 3, never), true, NOW);
    assert_eq!(esme.next_instruction_due(), None);
    esme.catch_up(NEXT_MONTH);
    assert!(take_alerts_but_billing(&mut esme).is_empty());
    assert_eq!(
        dlms(&mut esme, ECS27, 13, limiter_settings(), false, NEXT_MONTH),
        before
    );
}

#[test]
fn a_device_whose_clock_drifts_falls_due_at_its_own_time() {
    let mut esme = esme_in(DeviceState {
        clock_offset_seconds: 60,
        ..DeviceState::default()
    });
    dlms(
        &mut esme,
        ECS28A,
        11,
        ecs28a(6_900, 300, 30, NEXT_MONTH.cosem()),
        true,
        NOW,
    );
    // Its clock is a minute ahead of its host's: due a minute earlier on the host's.
    assert_eq!(esme.next_instruction_due(), Some(NEXT_MONTH.shifted(-60)));
    esme.catch_up(NEXT_MONTH.shifted(-61));
    assert!(take_alerts_but_billing(&mut esme).is_empty());
    esme.catch_up(NEXT_MONTH.shifted(-60));
    assert_eq!(future_dated_alerts(&mut esme, ESME).len(), 3);
}

/// A GSME's answer to a GBZ command from the supplier at `now`.
fn gbz(
    gsme: &mut Device,
    code: MessageCode,
    counter: u64,
    payload: Vec<u8>,
    signed: bool,
    now: DeviceDateTime,
) -> GbzPayload {
    supplier_gbz(gsme, code, counter, payload, signed, now)
}

/// GCS21j: the payment control configuration the GSME reports.
fn payment_control_configuration(gsme: &mut Device, counter: u64, now: DeviceDateTime) -> u64 {
    let read = CommandPayload::new()
        .with(ZclRequest::read_attributes(PREPAYMENT, &[0x0000]))
        .encode();
    let answer = gbz(gsme, GCS21J, counter, read, false, now);
    let ComponentBody::Plain(payload) = &answer.components[0].body else {
        panic!("encrypted");
    };
    match GeneralCommand::decode(answer.components[0].command_id, payload) {
        Ok(GeneralCommand::ReadAttributesResponse(records)) => records[0]
            .value
            .as_ref()
            .and_then(ZclValue::as_unsigned)
            .unwrap(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_gsme_changes_payment_mode_at_the_implementation_time() {
    let mut gsme = Device::new(&device_config(
        GSME,
        DeviceType::GasSmartMeter,
        DeviceState::default(),
    ))
    .unwrap();
    let credit = payment_control_configuration(&mut gsme, 40, NOW);
    let change = ChangePaymentMode {
        provider_id: 0,
        issuer_event_id: 1,
        implementation_date_time: UtcTime(NEXT_MONTH.seconds_since_2000()),
        proposed_payment_control_configuration: 0x0897,
        cut_off_value: 0,
    };
    let immediate = ChangePaymentMode {
        implementation_date_time: UtcTime(0),
        ..change.clone()
    };
    // Answered as the meter answers the change at once, though it waits.
    let answer = gbz(
        &mut gsme,
        GCS03,
        41,
        numbered(vec![change.component()]).encode(),
        true,
        NOW,
    );
    let mut now_answered = Device::new(&device_config(
        GSME,
        DeviceType::GasSmartMeter,
        DeviceState::default(),
    ))
    .unwrap();
    let at_once = gbz(
        &mut now_answered,
        GCS03,
        41,
        numbered(vec![immediate.component()]).encode(),
        true,
        NOW,
    );
    assert_eq!(answer, at_once);
    assert!(take_alerts_but_billing(&mut gsme).is_empty());
    assert_eq!(gsme.state().payment_mode, device::PaymentMode::Credit);
    assert_eq!(payment_control_configuration(&mut gsme, 42, NOW), credit);

    gsme.catch_up(NEXT_MONTH);
    let alerts = future_dated_alerts(&mut gsme, GSME);
    assert_eq!(
        alerts
            .iter()
            .map(|alert| (alert.time, alert.details.clone()))
            .collect::<Vec<_>>(),
        [(
            NEXT_MONTH.seconds_since_2000(),
            gbcs::alert::AlertDetails::FutureDatedGbz {
                message_code: GCS03,
                counter: 41,
                cluster: PREPAYMENT,
                frame_control: 0x01,
                command_id: 0x06,
            }
        )]
    );
    assert_eq!(gsme.state().payment_mode, device::PaymentMode::Prepayment);
    assert_eq!(
        payment_control_configuration(&mut gsme, 43, NEXT_MONTH),
        0x0897
    );
    gsme.catch_up(NEXT_MONTH.shifted(60));
    assert!(take_alerts_but_billing(&mut gsme).is_empty());
}
