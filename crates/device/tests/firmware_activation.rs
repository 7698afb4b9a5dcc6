//! CS06 Activate Firmware: the device activates the image it holds when the command names its
//! manufacturer image hash, answers with the outcome and the firmware version running after
//! it, accepts a future-dated activation for later (a cancellation withdraws it), and refuses a
//! payload whose originator counter is not the command's.

mod support;

use device::{Device, DeviceError, DeviceState, HeldFirmwareImage};
use gbcs::firmware::{ActivateFirmware, ActivateFirmwareResponse, ActivationOutcome};
use gbcs::{protection, MessageCode};
use support::*;

const CS06: MessageCode = MessageCode(0x0012);
const IMAGE_HASH: [u8; 32] = [0xAA; 32];
const NEW_VERSION: [u8; 4] = [0x02, 0x00, 0x00, 0x01];
const FACTORY_VERSION: [u8; 4] = [0x01, 0x23, 0xAB, 0xCD];

fn esme(image: Option<HeldFirmwareImage>) -> Device {
    esme_in(DeviceState {
        firmware_image: image,
        ..DeviceState::default()
    })
}

fn held_image() -> HeldFirmwareImage {
    HeldFirmwareImage {
        manufacturer_image_hash: IMAGE_HASH.to_vec(),
        firmware_version: NEW_VERSION.to_vec(),
    }
}

fn command_bytes(counter: u64, activation: &ActivateFirmware) -> Vec<u8> {
    command(
        CS06,
        counter,
        SUPPLIER,
        ESME,
        activation.encode(),
        Some(&ds_private(SUPPLIER)),
    )
}

/// Sends CS06 with the counter in its payload; returns the device's signed answer.
fn activate(
    device: &mut Device,
    counter: u64,
    image_hash: [u8; 32],
    execution_date_time: Option<&str>,
) -> ActivateFirmwareResponse {
    let activation = ActivateFirmware {
        image_hash,
        originator_counter: counter,
        execution_date_time: execution_date_time.map(str::to_owned),
    };
    let response = device
        .handle_command(&command_bytes(counter, &activation), NOW)
        .unwrap();
    let apdu = protection::verify_response(&response, None, Some(&ds_public(ESME)))
        .expect("the device signs its response");
    ActivateFirmwareResponse::decode(&apdu.payload).expect("a CS06 response")
}

fn outcome(response_code: u8, version: [u8; 4]) -> ActivateFirmwareResponse {
    ActivateFirmwareResponse::ExecutionOutcome(ActivationOutcome {
        response_code,
        firmware_version: version.to_vec(),
    })
}

#[test]
fn the_held_image_with_the_named_hash_is_activated_at_once() {
    let mut esme = esme(Some(held_image()));
    assert_eq!(
        activate(&mut esme, 3_000, IMAGE_HASH, None),
        outcome(ActivationOutcome::SUCCESS, NEW_VERSION)
    );
    assert_eq!(esme.state().firmware_version, NEW_VERSION);
    assert_eq!(esme.state().firmware_image, None);
    // Activating again: the image is the running firmware now, none is held.
    assert_eq!(
        activate(&mut esme, 3_001, IMAGE_HASH, None),
        outcome(ActivationOutcome::NO_IMAGE_HELD, NEW_VERSION)
    );
}

#[test]
fn without_an_image_or_with_another_hash_the_firmware_stays() {
    let mut without = esme(None);
    assert_eq!(
        activate(&mut without, 3_000, IMAGE_HASH, None),
        outcome(ActivationOutcome::NO_IMAGE_HELD, FACTORY_VERSION)
    );
    let mut other = esme(Some(held_image()));
    assert_eq!(
        activate(&mut other, 3_000, [0xBB; 32], None),
        outcome(ActivationOutcome::HASH_MISMATCH, FACTORY_VERSION)
    );
    assert_eq!(other.state().firmware_image, Some(held_image()));
}

#[test]
fn a_future_dated_activation_waits_and_a_cancellation_withdraws_it() {
    let mut esme = esme(Some(held_image()));
    assert_eq!(
        activate(&mut esme, 3_000, IMAGE_HASH, Some("20300115090000Z")),
        ActivateFirmwareResponse::CommandAccepted
    );
    assert_eq!(esme.state().firmware_version, FACTORY_VERSION);
    let pending = esme.pending_firmware_activation().expect("waiting");
    assert_eq!(
        pending.execution_date_time.as_deref(),
        Some("20300115090000Z")
    );
    assert_eq!(
        activate(&mut esme, 3_001, IMAGE_HASH, Some("99991231235959Z")),
        ActivateFirmwareResponse::CommandAccepted
    );
    assert!(esme.pending_firmware_activation().is_none());
}

#[test]
fn a_payload_counter_other_than_the_command_s_is_refused() {
    let mut esme = esme(Some(held_image()));
    let activation = ActivateFirmware {
        image_hash: IMAGE_HASH,
        originator_counter: 2_999,
        execution_date_time: None,
    };
    let refusal = esme
        .handle_command(&command_bytes(3_000, &activation), NOW)
        .unwrap_err();
    assert!(
        matches!(refusal, DeviceError::Malformed(ref reason) if reason.contains("originator counter 2999")),
        "{refusal:?}"
    );
    assert_eq!(esme.state().firmware_version, FACTORY_VERSION);
    assert_eq!(esme.last_accepted_counter(SUPPLIER), None);
}

#[test]
fn an_activation_signed_by_another_party_is_refused() {
    let mut esme = esme(Some(held_image()));
    let activation = ActivateFirmware {
        image_hash: IMAGE_HASH,
        originator_counter: 3_000,
        execution_date_time: None,
    };
    let bytes = command(
        CS06,
        3_000,
        SUPPLIER,
        ESME,
        activation.encode(),
        Some(&ds_private(SECOND_SUPPLIER)),
    );
    let refusal = esme.handle_command(&bytes, NOW).unwrap_err();
    assert!(
        matches!(refusal, DeviceError::SignatureInvalid { .. }),
        "{refusal:?}"
    );
    assert_eq!(esme.state().firmware_version, FACTORY_VERSION);
}

#[test]
fn a_fault_on_cs06_answers_its_code_with_the_running_version() {
    let state: DeviceState = toml::from_str(
        "faults = [{ on = \"use-case 0012\", result = 3 }]\n\
         firmware_image = { manufacturer_image_hash = \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\", firmware_version = \"02000001\" }",
    )
    .unwrap();
    let mut esme = esme_in(state);
    assert_eq!(
        activate(&mut esme, 3_000, IMAGE_HASH, None),
        outcome(ActivationOutcome::ACTIVATION_FAILURE, FACTORY_VERSION)
    );
    assert_eq!(esme.state().firmware_image, Some(held_image()));
}

/// An image distributed to the meter is held with its SHA-256 as the manufacturer image hash,
/// which the meter reports (8F72, firmware verification succeeded); CS06 naming that hash
/// runs the image's version. The 11.1 version text reads as ECS52's octets.
#[test]
fn a_distributed_image_is_held_reported_by_its_hash_and_activated() {
    use sha2::Digest;
    let image = b"a firmware image".to_vec();
    let hash: [u8; 32] = sha2::Sha256::digest(&image).into();
    let mut esme = esme(None);
    let version = device::firmware_version_octets("02000001");
    assert_eq!(version, NEW_VERSION);
    assert_eq!(
        esme.receive_firmware_image(&image, version, NOW),
        hash.to_vec()
    );
    let alerts = take_alerts_but_billing(&mut esme);
    let [alert] = alerts.as_slice() else {
        panic!("one alert: {alerts:?}")
    };
    let apdu = gbcs::Envelope::parse(alert)
        .unwrap()
        .general_signing()
        .unwrap()
        .clone();
    let parsed = gbcs::alert::Alert::parse(apdu.header.message_code(), &apdu.payload).unwrap();
    assert_eq!(parsed.code, gbcs::alert::AlertCode(0x8F72));
    assert_eq!(
        parsed.details,
        gbcs::alert::AlertDetails::FirmwareHash(hash.to_vec())
    );
    assert_eq!(
        activate(&mut esme, 3_000, hash, None),
        outcome(ActivationOutcome::SUCCESS, NEW_VERSION)
    );
    assert_eq!(device::firmware_version_octets("V2.1"), b"V2.1");
}

#[test]
fn a_future_dated_activation_runs_at_its_time_and_reports_its_outcome() {
    let mut esme = esme(Some(held_image()));
    assert_eq!(
        activate(&mut esme, 3_000, IMAGE_HASH, Some("20300115090000Z")),
        ActivateFirmwareResponse::CommandAccepted
    );
    assert_eq!(
        esme.pending_instruction_count(),
        1,
        "the activation waits for its time"
    );
    // Its execution date-time, 2030-01-15 09:00 UTC.
    let due = device::DeviceDateTime {
        year: 2030,
        month: 1,
        day: 15,
        hour: 9,
        minute: 0,
        second: 0,
    };
    esme.catch_up(NOW);
    assert_eq!(esme.state().firmware_version, FACTORY_VERSION);
    assert!(take_alerts_but_billing(&mut esme).is_empty());

    esme.catch_up(due);
    assert_eq!(esme.state().firmware_version, NEW_VERSION);
    assert!(esme.pending_firmware_activation().is_none());
    let alerts = take_alerts_but_billing(&mut esme);
    let [alert] = alerts.as_slice() else {
        panic!("one alert expected: {alerts:?}");
    };
    let apdu = protection::verify_response(alert, None, Some(&ds_public(ESME)))
        .expect("the device signs the alert");
    assert_eq!(
        apdu.header.message_code(),
        MessageCode(0x00CA),
        "Futured Dated Firmware Activation Alert"
    );
    let alert = gbcs::alert::Alert::parse(apdu.header.message_code(), &apdu.payload).unwrap();
    assert_eq!(alert.code.0, 0x8F66);
    assert_eq!(alert.details.future_dated_counter(), Some(3_000));
    let gbcs::alert::AlertDetails::ExecutionOutcome(reported) = &alert.details else {
        panic!("{:?}", alert.details);
    };
    // The counter, then the execution outcome as CS06's response carries it.
    let mut expected = gbcs::asn1::integer(3_000);
    expected.extend(outcome(ActivationOutcome::SUCCESS, NEW_VERSION).encode());
    assert_eq!(reported, &expected);
}
