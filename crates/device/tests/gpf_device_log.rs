//! GCS59 Restore GPF Device Log: the GPF's device log becomes the devices the command lists,
//! with their types, and each is answered with its join response code; a fault answers every
//! entry with its code and leaves the log as it was.

mod support;

use dcc_model::{DeviceType, Eui64};
use device::{Device, DeviceState, HanDeviceLogEntry};
use gbcs::han::{gcs59, DeviceLogEntry, HanDeviceType};
use support::*;

const PPMID: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A4);

fn gpf(state: DeviceState) -> Device {
    Device::new(&device_config(GPF, DeviceType::GasProxyFunction, state)).unwrap()
}

fn backup() -> Vec<DeviceLogEntry> {
    vec![
        DeviceLogEntry {
            device: GSME,
            device_type: HanDeviceType::GSME,
        },
        DeviceLogEntry {
            device: PPMID,
            device_type: HanDeviceType::PPMID,
        },
    ]
}

/// Sends GCS59 from the ACB; returns the outcomes the GPF's MACed response lists.
fn restore(
    gpf: &mut Device,
    counter: u64,
    entries: &[DeviceLogEntry],
) -> Vec<(DeviceLogEntry, u8)> {
    let bytes = command(
        gcs59::MESSAGE_CODE,
        counter,
        ACB,
        GPF,
        gcs59::command_payload(entries),
        None,
    );
    let response = gpf.handle_command(&bytes, NOW).unwrap();
    let (apdu, _) = open_mac_response(&response, ACB, GPF);
    assert_eq!(apdu.header.message_code(), gcs59::MESSAGE_CODE);
    gcs59::decode_response(&apdu.payload).expect("a GCS59 response")
}

#[test]
fn the_gpf_takes_the_backed_up_device_log() {
    let mut gpf = gpf(DeviceState {
        han_device_log: vec![HanDeviceLogEntry {
            device_id: Eui64::from_u64(0x0102_0304_0506_0708),
            install_code: vec![0x11; 16],
            device_type: Some(6),
        }],
        ..DeviceState::default()
    });
    let outcomes = restore(&mut gpf, 1_300, &backup());
    assert_eq!(
        outcomes,
        backup()
            .into_iter()
            .map(|entry| (entry, 0))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        gpf.state().han_device_log,
        vec![
            HanDeviceLogEntry {
                device_id: GSME,
                install_code: Vec::new(),
                device_type: Some(0),
            },
            HanDeviceLogEntry {
                device_id: PPMID,
                install_code: Vec::new(),
                device_type: Some(5),
            },
        ]
    );
}

#[test]
fn a_fault_answers_every_entry_with_its_code_and_keeps_the_log() {
    let state: DeviceState =
        toml::from_str("faults = [{ on = \"use-case 008C\", result = 5 }]").unwrap();
    let mut gpf = gpf(state);
    let outcomes = restore(&mut gpf, 1_300, &backup());
    assert!(outcomes.iter().all(|(_, code)| *code == 5), "{outcomes:?}");
    assert!(gpf.state().han_device_log.is_empty());
}

#[test]
fn a_payload_that_is_not_a_device_log_is_refused() {
    let mut gpf = gpf(DeviceState::default());
    let bytes = command(
        gcs59::MESSAGE_CODE,
        1_300,
        ACB,
        GPF,
        vec![0x30, 0x03, 0x02, 0x01, 0x00],
        None,
    );
    let refusal = gpf.handle_command(&bytes, NOW).unwrap_err();
    assert!(
        matches!(refusal, device::DeviceError::Malformed(ref reason) if reason.starts_with("restore GPF device log")),
        "{refusal:?}"
    );
}
