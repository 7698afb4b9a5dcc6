//! CS02a (Provide Security Credentials Details): for each role asked for, the device answers
//! with the cells it holds, or "trust anchor not found" for a role whose cells are empty.

mod support;

use dcc_model::DeviceType;
use device::{Device, DeviceState};
use gbcs::protection;
use gbcs::MessageCode;
use support::*;

const CS02A: MessageCode = MessageCode(0x0008);

/// Asks for the details of the ACB (4) and the network operator (3); returns the payload of
/// the device's response, its MAC checked.
fn credentials_details(state: DeviceState) -> Vec<u8> {
    let mut esme = Device::new(&device_config(
        ESME,
        DeviceType::ElectricitySmartMeter,
        state,
    ))
    .unwrap();
    let request = vec![
        0x30, 0x11, // the request
        0x30, 0x07, 0x02, 0x01, 0x04, 0x03, 0x02, 0x03, 0x08, // the response wanted
        0x30, 0x06, 0x02, 0x01, 0x04, 0x02, 0x01, 0x03, // roles: ACB, network operator
    ];
    let bytes = command(CS02A, 4_000, ACB, ESME, request, None);
    let response = esme.handle_command(&bytes, NOW).unwrap();
    let z = user_secret(ACB, ESME);
    protection::verify_response(&response, Some(&z), None)
        .expect("the response MAC verifies")
        .payload
}

fn contains(payload: &[u8], part: &[u8]) -> bool {
    payload.windows(part.len()).any(|window| window == part)
}

#[test]
fn a_role_with_anchors_is_answered_with_its_cells() {
    let payload = credentials_details(DeviceState::default());
    // Network operator: role 3, status success, then its seq number and cells.
    assert!(
        contains(&payload, &[0x02, 0x01, 0x03, 0x0A, 0x01, 0x00, 0x02]),
        "{payload:02X?}"
    );
}

#[test]
fn a_role_without_anchors_is_answered_trust_anchor_not_found() {
    let payload = credentials_details(DeviceState {
        roles_without_trust_anchor: vec![3],
        ..DeviceState::default()
    });
    // Network operator: role 3, status 25 (trust anchor not found), nothing more.
    assert!(
        contains(&payload, &[0x30, 0x06, 0x02, 0x01, 0x03, 0x0A, 0x01, 0x19]),
        "{payload:02X?}"
    );
    // The ACB's cells are still answered.
    assert!(
        contains(&payload, &[0x02, 0x01, 0x04, 0x0A, 0x01, 0x00]),
        "{payload:02X?}"
    );
}

#[test]
fn a_fault_in_one_roles_details_leaves_the_other_roles_answered() {
    let payload = credentials_details(DeviceState {
        faults: vec![device::Fault {
            on: "use-case 0008 role 3".parse().unwrap(),
            result: 127,
        }],
        ..DeviceState::default()
    });
    // Network operator: role 3, status 127 (other), nothing more.
    assert!(
        contains(&payload, &[0x30, 0x06, 0x02, 0x01, 0x03, 0x0A, 0x01, 0x7F]),
        "{payload:02X?}"
    );
    // The ACB's cells are still answered.
    assert!(
        contains(&payload, &[0x02, 0x01, 0x04, 0x0A, 0x01, 0x00]),
        "{payload:02X?}"
    );
}
