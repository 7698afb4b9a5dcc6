//! The Customer Identification Number (CIN) the DCC sends to a meter (DUIS 9.1): four ASCII
//! digits the meter shows so that a consumer can tell a genuine DCC user from an impostor.
//!
//! - ECS50 Send CIN to ESME: DLMS set of the CIN data object (class 1, 0-3:96.13.1.255).
//! - GCS36 Send CIN to GSME: GBZ, the Device Management cluster's Update CIN command.

use crate::dlms::{CosemReference, Data, DlmsApdu, RequestSpecification};
use crate::envelope::MessageCode;
use crate::gbz::{ComponentBody, GbzComponent, GbzPayload};
use crate::zcl;

/// ECS50 Send CIN to ESME.
pub const ESME_MESSAGE_CODE: MessageCode = MessageCode(0x0058);
/// GCS36 Send CIN to GSME.
pub const GSME_MESSAGE_CODE: MessageCode = MessageCode(0x0083);

/// COSEM class Data, 0-3:96.13.1.255 (the consumer message / CIN object), attribute 2 (value).
pub const ESME_CIN_OBJECT: CosemReference = CosemReference {
    class_id: 1,
    obis: [0, 3, 96, 13, 1, 255],
    index: 2,
};

/// The ZCL Device Management cluster.
pub const DEVICE_MANAGEMENT_CLUSTER: u16 = 0x0708;
/// Device Management, server to client: Update CIN.
pub const UPDATE_CIN: u8 = 0x06;

/// Four ASCII digits (`[0-9]{4}`, as DUIS `CustomerIdentificationNumber` requires).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CustomerIdentificationNumber([u8; 4]);

impl CustomerIdentificationNumber {
    /// The CIN of four ASCII digits; anything else is refused.
    pub fn new(digits: [u8; 4]) -> Option<Self> {
        digits
            .iter()
            .all(u8::is_ascii_digit)
            .then_some(Self(digits))
    }

    /// The CIN whose number is `value` modulo 10,000, zero-padded.
    pub fn from_number(value: u64) -> Self {
        let mut digits = [b'0'; 4];
        let mut rest = value % 10_000;
        for digit in digits.iter_mut().rev() {
            *digit = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        Self(digits)
    }

    pub fn digits(&self) -> &[u8; 4] {
        &self.0
    }

    /// The digits as text, e.g. `1234`.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("0000")
    }
}

/// The ECS50 command payload: set the CIN object to the digits.
pub fn esme_command_payload(counter: u64, cin: CustomerIdentificationNumber) -> Vec<u8> {
    DlmsApdu::AccessRequest {
        long_invoke_id: u32::from_be_bytes(crate::use_case::dlms::long_invoke_id(counter)),
        date_time: Vec::new(),
        specifications: vec![RequestSpecification::Set(ESME_CIN_OBJECT)],
        data: vec![Data::OctetString(cin.digits().to_vec())],
    }
    .encode()
}

/// The parts of GCS36's Update CIN command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UpdateCin {
    /// ZCL Issuer Event ID (u32).
    pub issuer_event_id: u32,
    /// ZigBee UTCTime the CIN takes effect; 0 means now.
    pub implementation_time: u32,
    pub provider_id: u32,
    pub cin: CustomerIdentificationNumber,
}

/// The GCS36 command payload: one GBZ component, Device Management Update CIN.
pub fn gsme_command_payload(update: &UpdateCin) -> Vec<u8> {
    let mut payload = Vec::with_capacity(17);
    payload.extend_from_slice(&update.issuer_event_id.to_le_bytes());
    payload.extend_from_slice(&update.implementation_time.to_le_bytes());
    payload.extend_from_slice(&update.provider_id.to_le_bytes());
    payload.push(4);
    payload.extend_from_slice(update.cin.digits());
    GbzPayload {
        components: vec![GbzComponent {
            control: 0,
            cluster: DEVICE_MANAGEMENT_CLUSTER,
            from_date_time: None,
            frame_control: zcl::FRAME_TYPE_CLUSTER_SPECIFIC | zcl::DIRECTION_SERVER_TO_CLIENT,
            sequence_number: 0,
            command_id: UPDATE_CIN,
            body: ComponentBody::Plain(payload),
        }],
    }
    .encode()
}

/// Reads a GCS36 command payload back (for the device engine).
pub fn decode_gsme_command(payload: &[u8]) -> Option<UpdateCin> {
    let gbz = GbzPayload::parse(payload).ok()?;
    let [component] = gbz.components.as_slice() else {
        return None;
    };
    if component.cluster != DEVICE_MANAGEMENT_CLUSTER || component.command_id != UPDATE_CIN {
        return None;
    }
    let ComponentBody::Plain(body) = &component.body else {
        return None;
    };
    let word = |at: usize| -> Option<u32> {
        Some(u32::from_le_bytes(body.get(at..at + 4)?.try_into().ok()?))
    };
    let cin = match body.get(12..)? {
        [4, digits @ ..] => CustomerIdentificationNumber::new(digits.try_into().ok()?)?,
        _ => return None,
    };
    Some(UpdateCin {
        issuer_event_id: word(0)?,
        implementation_time: word(4)?,
        provider_id: word(8)?,
        cin,
    })
}

/// Reads an ECS50 command payload back: the CIN it sets.
pub fn decode_esme_command(payload: &[u8]) -> Option<CustomerIdentificationNumber> {
    let DlmsApdu::AccessRequest {
        specifications,
        data,
        ..
    } = DlmsApdu::parse(payload).ok()?
    else {
        return None;
    };
    match (specifications.as_slice(), data.as_slice()) {
        ([RequestSpecification::Set(reference)], [Data::OctetString(digits)])
            if *reference == ESME_CIN_OBJECT =>
        {
            CustomerIdentificationNumber::new(digits.as_slice().try_into().ok()?)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cins_are_four_digits() {
        assert_eq!(
            CustomerIdentificationNumber::from_number(1234).as_str(),
            "1234"
        );
        assert_eq!(
            CustomerIdentificationNumber::from_number(70_007).as_str(),
            "0007"
        );
        assert_eq!(CustomerIdentificationNumber::new(*b"12a4"), None);
    }

    #[test]
    fn both_commands_read_back() {
        let cin = CustomerIdentificationNumber::from_number(1234);
        assert_eq!(
            decode_esme_command(&esme_command_payload(1300, cin)),
            Some(cin)
        );
        let update = UpdateCin {
            issuer_event_id: 0x1C37_4A80,
            implementation_time: 0,
            provider_id: 0,
            cin,
        };
        assert_eq!(
            decode_gsme_command(&gsme_command_payload(&update)),
            Some(update)
        );
    }
}
