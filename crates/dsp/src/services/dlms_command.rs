//! DLMS commands as GBCS builds them for ESMEs and CHFs: an access-request whose long-invoke-id
//! carries the command's counter, with no date-time, and one datum per request specification
//! (the value to set, the parameter of an action, null for a get).

use gbcs::dlms::{CosemReference, Data, DlmsApdu, RequestSpecification};

/// COSEM interface classes (IEC 62056-6-2) and GBCS's own extended data class.
pub mod class {
    pub const DATA: u16 = 1;
    pub const REGISTER: u16 = 3;
    pub const EXTENDED_REGISTER: u16 = 4;
    pub const PROFILE_GENERIC: u16 = 7;
    pub const CLOCK: u16 = 8;
    pub const SCRIPT_TABLE: u16 = 9;
    pub const SCHEDULE: u16 = 10;
    pub const SPECIAL_DAYS_TABLE: u16 = 11;
    pub const REGISTER_MONITOR: u16 = 21;
    pub const SINGLE_ACTION_SCHEDULE: u16 = 22;
    pub const LIMITER: u16 = 71;
    pub const ACCOUNT: u16 = 111;
    /// GBCS Extended Data (9000): a value with a passive value and its activation time.
    pub const GBCS_EXTENDED_DATA: u16 = 0x2328;
}

/// Attribute 2 of a Data or Register object: its value.
pub const VALUE: u8 = 2;
/// Method 1 of a Register, Extended Register or Profile Generic object: reset.
pub const RESET: u8 = 1;
/// The parameter GBCS gives methods that take none: integer 0.
pub const NO_PARAMETER: Data = Data::Integer(0);
/// The access selector of a Profile Generic buffer read by range (from, to).
pub const RANGE_DESCRIPTOR: u8 = 1;

/// A COSEM object: its interface class and logical name (OBIS code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CosemObject {
    pub class_id: u16,
    pub obis: [u8; 6],
}

impl CosemObject {
    pub const fn new(class_id: u16, obis: [u8; 6]) -> Self {
        Self { class_id, obis }
    }

    fn reference(self, index: u8) -> CosemReference {
        CosemReference {
            class_id: self.class_id,
            obis: self.obis,
            index,
        }
    }

    /// Reads an attribute.
    pub fn get(self, attribute: u8) -> Request {
        Request {
            specification: RequestSpecification::Get(self.reference(attribute)),
            data: Data::Null,
        }
    }

    /// Reads an attribute with an access selector (a Profile Generic buffer by range).
    pub fn get_with_selection(self, attribute: u8, selector: u8, parameters: Data) -> Request {
        Request {
            specification: RequestSpecification::GetWithSelection {
                reference: self.reference(attribute),
                selector,
                parameters,
            },
            data: Data::Null,
        }
    }

    /// Writes an attribute.
    pub fn set(self, attribute: u8, value: Data) -> Request {
        Request {
            specification: RequestSpecification::Set(self.reference(attribute)),
            data: value,
        }
    }

    /// Invokes a method.
    pub fn action(self, method: u8, parameter: Data) -> Request {
        Request {
            specification: RequestSpecification::Action(self.reference(method)),
            data: parameter,
        }
    }
}

/// One request of an access-request and its datum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub specification: RequestSpecification,
    pub data: Data,
}

/// GBCS's long-invoke-id of a command: `0x20`, then the low 24 bits of the command's counter.
pub fn long_invoke_id(counter: u64) -> u32 {
    0x2000_0000 | (counter & 0x00FF_FFFF) as u32
}

/// The encoded access-request of the requests, in order, for the command with this counter.
pub fn access_request(counter: u64, requests: impl IntoIterator<Item = Request>) -> Vec<u8> {
    let (specifications, data) = requests
        .into_iter()
        .map(|request| (request.specification, request.data))
        .unzip();
    DlmsApdu::AccessRequest {
        long_invoke_id: long_invoke_id(counter),
        date_time: Vec::new(),
        specifications,
        data,
    }
    .encode()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecs52_is_one_get_of_the_firmware_version() {
        let firmware_version = CosemObject::new(class::DATA, [0, 0, 0, 2, 1, 0xFF]);
        let payload = access_request(1000, [firmware_version.get(VALUE)]);
        assert_eq!(
            payload,
            [
                0xD9, 0x20, 0x00, 0x03, 0xE8, 0x00, 0x01, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
                0x01, 0xFF, 0x02, 0x01, 0x00
            ]
        );
        assert_eq!(long_invoke_id(0x1234_5678), 0x2034_5678);
    }
}
