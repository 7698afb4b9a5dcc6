//! The billing data log a meter pushes at each billing date its clock passes while its host
//! tells it the time: ECS68 (an ESME, at each occurrence of its billing calendar) and GCS53 (a
//! GSME, at the end of each billing period), alert 8F0A, signed, to the supplier.

mod support;

use dcc_model::{DeviceType, Eui64};
use device::{Device, DeviceDateTime, DeviceState};
use gbcs::alert::Alert;
use gbcs::{protection, MessageCode};
use support::*;

const ECS68: MessageCode = MessageCode(0x0061);
const GCS53: MessageCode = MessageCode(0x008B);

fn at(month: u8, day: u8, hour: u8) -> DeviceDateTime {
    DeviceDateTime {
        year: 2024,
        month,
        day,
        hour,
        minute: 0,
        second: 0,
    }
}

/// The alerts `device` raised, verified as its supplier verifies them: message code, alert.
fn pushed(device: &mut Device, device_id: Eui64) -> Vec<(MessageCode, Alert)> {
    device
        .take_alerts()
        .iter()
        .map(|bytes| {
            let apdu = protection::verify_response(bytes, None, Some(&ds_public(device_id)))
                .expect("signed by the meter");
            assert_eq!(apdu.header.recipient, SUPPLIER);
            let code = apdu.header.message_code();
            (code, Alert::parse(code, &apdu.payload).expect("an alert"))
        })
        .collect()
}

#[test]
fn each_meter_pushes_its_billing_data_log_at_each_billing_date_it_passes() {
    for (device_id, device_type, message_code) in [
        (ESME, DeviceType::ElectricitySmartMeter, ECS68),
        (GSME, DeviceType::GasSmartMeter, GCS53),
    ] {
        let mut meter = Device::new(&device_config(
            device_id,
            device_type,
            DeviceState::default(),
        ))
        .unwrap();
        // The first look starts the watch: nothing from before.
        meter.catch_up(NOW);
        assert!(pushed(&mut meter, device_id).is_empty(), "{device_type}");
        // A meter in service bills monthly, on the first at midnight.
        assert_eq!(meter.next_due(), Some(at(6, 1, 0)), "{device_type}");
        meter.catch_up(at(5, 31, 23));
        assert!(pushed(&mut meter, device_id).is_empty(), "{device_type}");
        meter.catch_up(at(6, 1, 1));
        let alerts = pushed(&mut meter, device_id);
        let [(code, alert)] = alerts.as_slice() else {
            panic!("{device_type}: one push expected: {alerts:?}");
        };
        assert_eq!(*code, message_code, "{device_type}");
        assert_eq!(
            alert.code.0, 0x8F0A,
            "{device_type}: Billing Data Log Updated"
        );
        assert_eq!(
            alert.time,
            at(6, 1, 0).seconds_since_2000(),
            "{device_type}"
        );
        assert_eq!(meter.next_due(), Some(at(7, 1, 0)), "{device_type}");
        meter.catch_up(at(6, 20, 0));
        assert!(
            pushed(&mut meter, device_id).is_empty(),
            "{device_type}: once"
        );
        // Two months unwatched: a jump, not billing dates passed.
        meter.catch_up(at(8, 25, 0));
        assert!(pushed(&mut meter, device_id).is_empty(), "{device_type}");
    }
}
