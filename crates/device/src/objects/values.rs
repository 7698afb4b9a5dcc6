//! Short constructors for the A-XDR values of the object tables.

use gbcs::dlms::Data;

pub fn s<const N: usize>(fields: [Data; N]) -> Data {
    Data::Structure(fields.into())
}

pub fn a<const N: usize>(elements: [Data; N]) -> Data {
    Data::Array(elements.into())
}

pub fn oct(bytes: &[u8]) -> Data {
    Data::OctetString(bytes.to_vec())
}

pub fn vis(text: &str) -> Data {
    Data::VisibleString(text.as_bytes().to_vec())
}

pub fn utf8(text: &str) -> Data {
    Data::Utf8String(text.as_bytes().to_vec())
}

pub fn dlu(value: u32) -> Data {
    Data::DoubleLongUnsigned(value)
}

pub fn dl(value: i32) -> Data {
    Data::DoubleLong(value)
}

pub fn u16(value: u16) -> Data {
    Data::LongUnsigned(value)
}

pub fn u8(value: u8) -> Data {
    Data::Unsigned(value)
}

pub fn int(value: i8) -> Data {
    Data::Integer(value)
}

pub fn long(value: i16) -> Data {
    Data::Long(value)
}

pub fn e(value: u8) -> Data {
    Data::Enum(value)
}

pub fn b(value: bool) -> Data {
    Data::Boolean(u8::from(value) * 0xFF)
}

/// A bit string of `bits` bits, all set as in `bytes` (most significant bit first).
pub fn bits(bits: usize, bytes: &[u8]) -> Data {
    let mut packed = bytes.to_vec();
    packed.resize(bits.div_ceil(8), 0);
    Data::BitString {
        bits,
        bytes: packed,
    }
}

/// `{scaler, unit}` of a register.
pub fn scaler_unit(scaler: i8, unit: u8) -> Data {
    s([int(scaler), e(unit)])
}

/// An OBIS code as the octet string COSEM object references carry.
pub fn obis(code: [u8; 6]) -> Data {
    oct(&code)
}

/// COSEM physical units.
pub mod unit {
    pub const WATT: u8 = 27;
    pub const WATT_HOUR: u8 = 30;
    pub const VAR_HOUR: u8 = 32;
    pub const VOLT: u8 = 35;
    pub const CURRENCY: u8 = 254;
    /// No unit: a count.
    pub const COUNT: u8 = 255;
}

/// A COSEM date repeating every year (year not specified).
pub fn yearly_date(month: u8, day: u8) -> Data {
    oct(&[0xFF, 0xFF, month, day, 0xFF])
}

/// A COSEM time (4 bytes): hour, minute, second, hundredths.
pub fn time_of_day(hour: u8, minute: u8) -> Data {
    oct(&[hour, minute, 0, 0])
}

/// A COSEM date-time (12 bytes), deviation and clock status not specified.
pub fn date_time(year: u16, month: u8, day: u8, hour: u8, minute: u8) -> Data {
    let [high, low] = year.to_be_bytes();
    oct(&[
        high, low, month, day, 0xFF, hour, minute, 0, 0, 0x80, 0x00, 0xFF,
    ])
}

/// A COSEM date-time with nothing specified.
pub fn no_date_time() -> Data {
    oct(&[
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x80, 0x00, 0xFF,
    ])
}
