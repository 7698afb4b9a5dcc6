//! COSEM building blocks of GBCS's DLMS use cases (ESME, CHF): the interface classes and GBCS
//! objects commands name, and the request forms GBCS uses, assembled as [`DlmsApdu`] values:
//! lists of get, set and action requests, selective access by a range of capture times, Data
//! Protection `get_protected_attributes` with its protection parameters, and COSEM date-times.
//!
//! ```
//! use gbcs::cosem::{class, AccessRequest};
//! use gbcs::dlms::CosemReference;
//!
//! let meter_balance = CosemReference { class_id: class::CREDIT, obis: [0, 0, 19, 10, 0, 255], index: 2 };
//! let payload = AccessRequest::new().get(meter_balance).encode(1000);
//! assert_eq!(payload[..6], [0xD9, 0x20, 0x00, 0x03, 0xE8, 0x00]);
//! ```

use dcc_model::Eui64;

use crate::dlms::{CosemReference, Data, DlmsApdu, RequestSpecification};

/// COSEM interface class ids GBCS uses.
pub mod class {
    pub const DATA: u16 = 1;
    pub const REGISTER: u16 = 3;
    pub const EXTENDED_REGISTER: u16 = 4;
    pub const PROFILE_GENERIC: u16 = 7;
    pub const SCRIPT_TABLE: u16 = 9;
    pub const SCHEDULE: u16 = 10;
    pub const SPECIAL_DAYS_TABLE: u16 = 11;
    pub const ACTIVITY_CALENDAR: u16 = 20;
    pub const REGISTER_MONITOR: u16 = 21;
    pub const DATA_PROTECTION: u16 = 30;
    pub const DISCONNECT_CONTROL: u16 = 70;
    pub const LIMITER: u16 = 71;
    pub const ACCOUNT: u16 = 111;
    pub const CREDIT: u16 = 112;
    pub const CHARGE: u16 = 113;
    /// GBCS's own class for values with an active and a passive copy.
    pub const GBCS_EXTENDED_DATA: u16 = 9000;
}

/// Method 1 of a script table: execute the script whose identifier is the parameter.
pub const SCRIPT_TABLE_EXECUTE: u8 = 1;
/// Method 1 of a Data Protection object: `get_protected_attributes`.
pub const GET_PROTECTED_ATTRIBUTES: u8 = 1;

/// The restricting object of GBCS range reads: the capture time, in seconds since
/// 2000-01-01T00:00:00Z (class 1, 0-0:94.44.100.255, value).
pub const CAPTURE_TIME_RESTRICTING_OBJECT: CosemReference =
    reference(class::DATA, [0, 0, 94, 44, 100, 255], 2);

/// A COSEM attribute or method reference, for `const` tables of GBCS objects.
pub const fn reference(class_id: u16, obis: [u8; 6], index: u8) -> CosemReference {
    CosemReference {
        class_id,
        obis,
        index,
    }
}

/// The long-invoke-id GBCS gives a DLMS request: `0x20` then the low 24 bits of the counter.
pub fn long_invoke_id(counter: u64) -> u32 {
    0x2000_0000 | (counter & 0x00FF_FFFF) as u32
}

/// A COSEM date-time as GBCS commands carry it: day of week not specified, deviation not
/// specified (`0x8000`) and clock status not specified (`0xFF`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateTime {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub hundredths: u8,
}

impl DateTime {
    /// The twelve octets of the COSEM date-time.
    pub fn octets(&self) -> [u8; 12] {
        let [year_high, year_low] = self.year.to_be_bytes();
        [
            year_high,
            year_low,
            self.month,
            self.day,
            0xFF,
            self.hour,
            self.minute,
            self.second,
            self.hundredths,
            0x80,
            0x00,
            0xFF,
        ]
    }

    /// The date-time as an A-XDR octet string (the form GBCS commands use).
    pub fn data(&self) -> Data {
        Data::OctetString(self.octets().to_vec())
    }
}

/// Selective access by range (selector 1) on a profile's buffer, with the capture time as
/// restricting object: entries captured from `from` to `to` (seconds since 2000-01-01 UTC),
/// all columns.
pub fn capture_time_range(from: u32, to: u32) -> Data {
    let restricting = CAPTURE_TIME_RESTRICTING_OBJECT;
    Data::Structure(vec![
        Data::Structure(vec![
            Data::LongUnsigned(restricting.class_id),
            Data::OctetString(restricting.obis.to_vec()),
            Data::Integer(restricting.index as i8),
            Data::LongUnsigned(0),
        ]),
        Data::DoubleLongUnsigned(from),
        Data::DoubleLongUnsigned(to),
        Data::Array(Vec::new()),
    ])
}

/// The access selector of [`capture_time_range`].
pub const RANGE_SELECTOR: u8 = 1;

/// A DLMS access-request being assembled: specifications with their data, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessRequest {
    specifications: Vec<RequestSpecification>,
    data: Vec<Data>,
}

impl AccessRequest {
    pub fn new() -> Self {
        Self::default()
    }

    /// Get an attribute (its datum is null).
    pub fn get(mut self, attribute: CosemReference) -> Self {
        self.specifications
            .push(RequestSpecification::Get(attribute));
        self.data.push(Data::Null);
        self
    }

    /// Get each attribute of a list, in order.
    pub fn get_all(self, attributes: &[CosemReference]) -> Self {
        attributes
            .iter()
            .fold(self, |request, attribute| request.get(*attribute))
    }

    /// Get the entries of a profile's buffer captured from `from` to `to` (seconds since
    /// 2000-01-01 UTC).
    pub fn get_captured_between(mut self, buffer: CosemReference, from: u32, to: u32) -> Self {
        self.specifications
            .push(RequestSpecification::GetWithSelection {
                reference: buffer,
                selector: RANGE_SELECTOR,
                parameters: capture_time_range(from, to),
            });
        self.data.push(Data::Null);
        self
    }

    /// Set an attribute to a value.
    pub fn set(mut self, attribute: CosemReference, value: Data) -> Self {
        self.specifications
            .push(RequestSpecification::Set(attribute));
        self.data.push(value);
        self
    }

    /// Invoke a method with its parameter.
    pub fn action(mut self, method: CosemReference, parameter: Data) -> Self {
        self.specifications
            .push(RequestSpecification::Action(method));
        self.data.push(parameter);
        self
    }

    /// Execute script `script` of a script table.
    pub fn execute_script(self, script_table: [u8; 6], script: u16) -> Self {
        self.action(
            reference(class::SCRIPT_TABLE, script_table, SCRIPT_TABLE_EXECUTE),
            Data::LongUnsigned(script),
        )
    }

    /// Ask a Data Protection object for protected attributes, encrypted for `requester`.
    pub fn get_protected_attributes(
        self,
        data_protection: [u8; 6],
        attributes: &[ProtectedAttribute],
        protection: &ProtectionParameters,
    ) -> Self {
        let descriptors = attributes.iter().map(ProtectedAttribute::data).collect();
        self.action(
            reference(
                class::DATA_PROTECTION,
                data_protection,
                GET_PROTECTED_ATTRIBUTES,
            ),
            Data::Structure(vec![
                Data::Array(descriptors),
                Data::Array(vec![protection.data()]),
            ]),
        )
    }

    /// The access-request APDU GBCS sends with this counter (no date-time).
    pub fn apdu(self, counter: u64) -> DlmsApdu {
        DlmsApdu::AccessRequest {
            long_invoke_id: long_invoke_id(counter),
            date_time: Vec::new(),
            specifications: self.specifications,
            data: self.data,
        }
    }

    /// The encoded access-request.
    pub fn encode(self, counter: u64) -> Vec<u8> {
        self.apdu(counter).encode()
    }
}

/// One attribute a Data Protection object is asked to protect, optionally restricted to the
/// buffer entries captured in a range of date-times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProtectedAttribute {
    pub attribute: CosemReference,
    pub captured_between: Option<(DateTime, DateTime)>,
}

impl ProtectedAttribute {
    /// The whole attribute.
    pub const fn whole(attribute: CosemReference) -> Self {
        Self {
            attribute,
            captured_between: None,
        }
    }

    /// A profile's entries captured from `from` to `to`.
    pub const fn captured_between(buffer: CosemReference, from: DateTime, to: DateTime) -> Self {
        Self {
            attribute: buffer,
            captured_between: Some((from, to)),
        }
    }

    /// The object definition: class, logical name, attribute, data index 0, access selection
    /// (none, or selector 1 with the two date-times).
    fn data(&self) -> Data {
        let selection = match &self.captured_between {
            None => Data::Structure(vec![Data::Enum(0), Data::Null]),
            Some((from, to)) => Data::Structure(vec![
                Data::Enum(RANGE_SELECTOR),
                Data::Structure(vec![from.data(), to.data()]),
            ]),
        };
        Data::Structure(vec![
            Data::LongUnsigned(self.attribute.class_id),
            Data::OctetString(self.attribute.obis.to_vec()),
            Data::Integer(self.attribute.index as i8),
            Data::LongUnsigned(0),
            selection,
        ])
    }
}

/// Protection type of GBCS's protected reads: authenticated encryption.
pub const AUTHENTICATED_ENCRYPTION: u8 = 2;
/// Key information type: an agreed key.
pub const AGREED_KEY: u8 = 2;
/// Agreed-key parameters: C(0e, 2s), static-static ECDH of the two parties' KA keys.
pub const STATIC_UNIFIED_MODEL: u8 = 0x02;
/// The transaction id's first octet in GBCS: the command's counter follows.
pub const TRANSACTION_ID_TAG: u8 = 0x04;

/// The protection parameters of a `get_protected_attributes` request: the data is encrypted with
/// the key the originator and recipient agree, under this transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProtectionParameters {
    /// The GBCS counter of the command (the ACB's when the ACB sends it).
    pub counter: u64,
    /// The party the data is for (the requester, also when the ACB sends the command for it).
    pub originator: Eui64,
    pub recipient: Eui64,
}

impl ProtectionParameters {
    /// The parameters as A-XDR data: `{authenticated encryption, {transaction id, originator,
    /// recipient, other information, {agreed key, {C(0e, 2s), no key data}}}}`.
    pub fn data(&self) -> Data {
        let mut transaction = vec![TRANSACTION_ID_TAG];
        transaction.extend_from_slice(&self.counter.to_be_bytes());
        Data::Structure(vec![
            Data::Enum(AUTHENTICATED_ENCRYPTION),
            Data::Structure(vec![
                Data::OctetString(transaction),
                Data::OctetString(self.originator.as_bytes().to_vec()),
                Data::OctetString(self.recipient.as_bytes().to_vec()),
                Data::OctetString(Vec::new()),
                Data::Structure(vec![
                    Data::Enum(AGREED_KEY),
                    Data::Structure(vec![
                        Data::OctetString(vec![STATIC_UNIFIED_MODEL]),
                        Data::OctetString(Vec::new()),
                    ]),
                ]),
            ]),
        ])
    }

    /// The parameters [`Self::data`] wrote, or `None` for other data.
    pub fn from_data(data: &Data) -> Option<Self> {
        let Data::Structure(outer) = data else {
            return None;
        };
        let [Data::Enum(AUTHENTICATED_ENCRYPTION), Data::Structure(fields)] = outer.as_slice()
        else {
            return None;
        };
        let [Data::OctetString(transaction), Data::OctetString(originator), Data::OctetString(recipient), ..] =
            fields.as_slice()
        else {
            return None;
        };
        let (&[TRANSACTION_ID_TAG], counter) = transaction.split_at_checked(1)? else {
            return None;
        };
        let parameters = Self {
            counter: u64::from_be_bytes(counter.try_into().ok()?),
            originator: Eui64::new(originator.as_slice().try_into().ok()?),
            recipient: Eui64::new(recipient.as_slice().try_into().ok()?),
        };
        (parameters.data() == *data).then_some(parameters)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_protected_read_is_the_ecs17b_command() {
        let supplier = Eui64::from_u64(0x90B3_D51F_3001_0000);
        let esme = Eui64::from_u64(0x00DB_1234_5678_90A0);
        let registers = reference(class::DATA, [0, 0, 94, 44, 34, 10], 2);
        let payload = AccessRequest::new()
            .get_protected_attributes(
                [0, 0, 43, 2, 8, 255],
                &[ProtectedAttribute::whole(registers)],
                &ProtectionParameters {
                    counter: 1000,
                    originator: supplier,
                    recipient: esme,
                },
            )
            .encode(1000);
        assert_eq!(
            payload,
            crate::use_case::ecs17b::command_payload(1000, supplier, esme)
        );
    }

    #[test]
    fn date_times_leave_the_day_of_week_deviation_and_status_unspecified() {
        let date_time = DateTime {
            year: 2014,
            month: 10,
            day: 2,
            hour: 9,
            minute: 0,
            second: 0,
            hundredths: 0,
        };
        assert_eq!(
            date_time.octets(),
            [0x07, 0xDE, 0x0A, 0x02, 0xFF, 0x09, 0, 0, 0, 0x80, 0x00, 0xFF]
        );
    }

    #[test]
    fn the_long_invoke_id_keeps_the_low_24_bits_of_the_counter() {
        assert_eq!(long_invoke_id(0x0123_4567_89AB), 0x2067_89AB);
    }
}
