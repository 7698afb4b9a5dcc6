//! What a meter's display shows a person at the premises, from what commands left behind:
//! an ESME's supplier message (ECS10, 0-2:96.13.1.255), Customer Identification Number (ECS50,
//! 0-3:96.13.1.255) and privacy PIN protection (ECS14 disables it, 0-0:94.44.3.1); a GSME's
//! last Messaging Display Message (GCS07), Device Management Update CIN (GCS36) and a privacy
//! PIN password response (GCS11).

use dcc_model::device_control::Display;
use dcc_model::DeviceType;
use gbcs::dlms::Data;

use crate::engine::Device;
use crate::store::CosemAttribute;

const SUPPLIER_MESSAGE: CosemAttribute = CosemAttribute::new(1, [0, 2, 96, 13, 1, 255], 2);
const CUSTOMER_IDENTIFICATION_NUMBER: CosemAttribute =
    CosemAttribute::new(1, [0, 3, 96, 13, 1, 255], 2);
const DISABLE_PRIVACY_PIN_PROTECTION: CosemAttribute =
    CosemAttribute::new(1, [0, 0, 94, 44, 3, 1], 2);

/// ZCL Messaging: Display Message.
const MESSAGING: u16 = 0x0703;
const DISPLAY_MESSAGE: u8 = 0x00;
/// ZCL Device Management: Request New Password Response, and Update CIN.
const DEVICE_MANAGEMENT: u16 = 0x0708;
const NEW_PASSWORD_RESPONSE: u8 = 0x02;
const UPDATE_CIN: u8 = 0x06;
/// The password type of the consumer's privacy PIN.
const PRIVACY_PIN: u8 = 0x02;

impl Device {
    /// What the device's display shows (a device without one shows nothing).
    pub fn display(&self) -> Display {
        match self.device_type() {
            DeviceType::ElectricitySmartMeter => self.esme_display(),
            DeviceType::GasSmartMeter => self.gsme_display(),
            _ => Display::default(),
        }
    }

    fn esme_display(&self) -> Display {
        let text = |attribute| match self.store.cosem(attribute) {
            Some(Data::OctetString(bytes)) if !bytes.is_empty() => {
                Some(String::from_utf8_lossy(bytes).into_owned())
            }
            _ => None,
        };
        Display {
            message: text(SUPPLIER_MESSAGE),
            customer_identification_number: text(CUSTOMER_IDENTIFICATION_NUMBER),
            privacy_pin_protection: self.store.cosem(DISABLE_PRIVACY_PIN_PROTECTION).is_none(),
        }
    }

    fn gsme_display(&self) -> Display {
        let last = |cluster, command| self.store.published(cluster, command).last();
        // Display Message: issuer event id (4), control (1), start (4), duration (2), then
        // the message as a ZCL string (length, characters).
        let message = last(MESSAGING, DISPLAY_MESSAGE).and_then(|payload| zcl_string(payload, 11));
        // Update CIN: issuer event id, implementation time, provider id (4 each), the CIN.
        let customer_identification_number =
            last(DEVICE_MANAGEMENT, UPDATE_CIN).and_then(|payload| zcl_string(payload, 12));
        // Request New Password Response: issuer event id, implementation time (4 each),
        // duration (2), the password type, then the password: an empty privacy PIN turns the
        // protection off.
        let pin_disabled = self
            .store
            .published(DEVICE_MANAGEMENT, NEW_PASSWORD_RESPONSE)
            .last()
            .is_some_and(|payload| {
                payload.get(10) == Some(&PRIVACY_PIN)
                    && zcl_string(payload, 11).as_deref() == Some("")
            });
        Display {
            message,
            customer_identification_number,
            privacy_pin_protection: !pin_disabled,
        }
    }
}

/// The ZCL string (one length octet, then its characters) at `offset`.
fn zcl_string(payload: &[u8], offset: usize) -> Option<String> {
    let length = usize::from(*payload.get(offset)?);
    let characters = payload.get(offset + 1..offset + 1 + length)?;
    Some(String::from_utf8_lossy(characters).into_owned())
}
