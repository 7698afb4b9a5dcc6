//! COSEM dates, times and date-times (IEC 62056-6-2 §4.1.6.1) as GBCS carries them in DLMS
//! octet strings: a date is 5 bytes (year, month, day of month, day of week), a time 4 (hour,
//! minute, second, hundredths), a date-time 12 (date, time, deviation, clock status). Every field
//! may be a wildcard ("not specified", or the last / second last day of the month), which is how
//! tariff seasons and special days repeat every year.
//!
//! GBCS gives two date-times a meaning of their own in activation times: all fields zero is
//! "now" (activate at once) and all fields not specified is "never" (cancel a pending activation).

use crate::ber::Reader;
use crate::dlms::Data;
use crate::error::DecodeError;

/// A one-byte field (month, day, day of week, hour, …) that is not specified.
pub const NOT_SPECIFIED: u8 = 0xFF;
/// The year that is not specified (any year).
pub const YEAR_NOT_SPECIFIED: u16 = 0xFFFF;
/// Day of month: the last day of the month.
pub const LAST_DAY_OF_MONTH: u8 = 0xFE;
/// Day of month: the second last day of the month.
pub const SECOND_LAST_DAY_OF_MONTH: u8 = 0xFD;
/// Deviation from UTC that is not specified (GBCS times are UTC and leave it so).
pub const DEVIATION_NOT_SPECIFIED: i16 = i16::MIN;
/// Clock status that is not specified.
pub const CLOCK_STATUS_NOT_SPECIFIED: u8 = 0xFF;

/// A COSEM date (5 bytes on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CosemDate {
    /// The year, or [`YEAR_NOT_SPECIFIED`].
    pub year: u16,
    /// 1–12, or [`NOT_SPECIFIED`].
    pub month: u8,
    /// 1–31, [`LAST_DAY_OF_MONTH`], [`SECOND_LAST_DAY_OF_MONTH`] or [`NOT_SPECIFIED`].
    pub day_of_month: u8,
    /// 1 (Monday) – 7 (Sunday), or [`NOT_SPECIFIED`].
    pub day_of_week: u8,
}

impl CosemDate {
    /// A calendar day, without a day of week (GBCS leaves it not specified).
    pub fn new(year: u16, month: u8, day_of_month: u8) -> Self {
        Self {
            year,
            month,
            day_of_month,
            day_of_week: NOT_SPECIFIED,
        }
    }

    pub fn encode(&self) -> [u8; 5] {
        let [high, low] = self.year.to_be_bytes();
        [high, low, self.month, self.day_of_month, self.day_of_week]
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut reader = Reader::new(bytes);
        let date = Self::read(&mut reader)?;
        finish(&reader)?;
        Ok(date)
    }

    fn read(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            year: reader.u16("COSEM year")?,
            month: reader.byte("COSEM month")?,
            day_of_month: reader.byte("COSEM day of month")?,
            day_of_week: reader.byte("COSEM day of week")?,
        })
    }

    /// As an A-XDR octet string.
    pub fn to_data(&self) -> Data {
        Data::OctetString(self.encode().to_vec())
    }
}

/// A COSEM time of day (4 bytes on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CosemTime {
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub hundredths: u8,
}

impl CosemTime {
    /// Midnight.
    pub const MIDNIGHT: Self = Self {
        hour: 0,
        minute: 0,
        second: 0,
        hundredths: 0,
    };

    pub fn encode(&self) -> [u8; 4] {
        [self.hour, self.minute, self.second, self.hundredths]
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut reader = Reader::new(bytes);
        let time = Self::read(&mut reader)?;
        finish(&reader)?;
        Ok(time)
    }

    fn read(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            hour: reader.byte("COSEM hour")?,
            minute: reader.byte("COSEM minute")?,
            second: reader.byte("COSEM second")?,
            hundredths: reader.byte("COSEM hundredths")?,
        })
    }

    /// As an A-XDR octet string.
    pub fn to_data(&self) -> Data {
        Data::OctetString(self.encode().to_vec())
    }
}

/// A COSEM date-time (12 bytes on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CosemDateTime {
    pub date: CosemDate,
    pub time: CosemTime,
    /// Minutes from local time to UTC, or [`DEVIATION_NOT_SPECIFIED`].
    pub deviation: i16,
    pub clock_status: u8,
}

impl CosemDateTime {
    /// GBCS "now": every date and time field zero (an activation time that means at once).
    pub const NOW: Self = Self {
        date: CosemDate {
            year: 0,
            month: 0,
            day_of_month: 0,
            day_of_week: 0,
        },
        time: CosemTime::MIDNIGHT,
        deviation: DEVIATION_NOT_SPECIFIED,
        clock_status: CLOCK_STATUS_NOT_SPECIFIED,
    };

    /// GBCS "never": every date and time field not specified (cancels a pending activation).
    pub const NEVER: Self = Self {
        date: CosemDate {
            year: YEAR_NOT_SPECIFIED,
            month: NOT_SPECIFIED,
            day_of_month: NOT_SPECIFIED,
            day_of_week: NOT_SPECIFIED,
        },
        time: CosemTime {
            hour: NOT_SPECIFIED,
            minute: NOT_SPECIFIED,
            second: NOT_SPECIFIED,
            hundredths: NOT_SPECIFIED,
        },
        deviation: DEVIATION_NOT_SPECIFIED,
        clock_status: CLOCK_STATUS_NOT_SPECIFIED,
    };

    /// A date and a time, with deviation and clock status not specified.
    pub fn at(date: CosemDate, time: CosemTime) -> Self {
        Self {
            date,
            time,
            deviation: DEVIATION_NOT_SPECIFIED,
            clock_status: CLOCK_STATUS_NOT_SPECIFIED,
        }
    }

    pub fn encode(&self) -> [u8; 12] {
        let mut out = [0u8; 12];
        out[..5].copy_from_slice(&self.date.encode());
        out[5..9].copy_from_slice(&self.time.encode());
        out[9..11].copy_from_slice(&self.deviation.to_be_bytes());
        out[11] = self.clock_status;
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut reader = Reader::new(bytes);
        let date_time = Self {
            date: CosemDate::read(&mut reader)?,
            time: CosemTime::read(&mut reader)?,
            deviation: i16::from_be_bytes(reader.array("COSEM deviation")?),
            clock_status: reader.byte("COSEM clock status")?,
        };
        finish(&reader)?;
        Ok(date_time)
    }

    /// As an A-XDR octet string (how GBCS carries date-times in attributes).
    pub fn to_data(&self) -> Data {
        Data::OctetString(self.encode().to_vec())
    }
}

fn finish(reader: &Reader<'_>) -> Result<(), DecodeError> {
    match reader.remaining() {
        0 => Ok(()),
        extra => Err(DecodeError::TrailingBytes(extra)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_and_never_are_as_gbcs_writes_them() {
        assert_eq!(
            CosemDateTime::NOW.encode(),
            [0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0, 0xFF]
        );
        assert_eq!(
            CosemDateTime::NEVER.encode(),
            [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x80, 0, 0xFF]
        );
    }

    #[test]
    fn a_date_time_leaves_day_of_week_and_deviation_unspecified() {
        let instant = CosemDateTime::at(
            CosemDate::new(2030, 1, 15),
            CosemTime {
                hour: 9,
                minute: 0,
                second: 0,
                hundredths: 25,
            },
        );
        let encoded = instant.encode();
        assert_eq!(
            encoded,
            [0x07, 0xEE, 0x01, 0x0F, 0xFF, 0x09, 0x00, 0x00, 25, 0x80, 0x00, 0xFF]
        );
        assert_eq!(CosemDateTime::decode(&encoded).unwrap(), instant);
    }

    #[test]
    fn wrong_lengths_are_errors() {
        assert!(CosemDate::decode(&[0x07, 0xDE, 0x0A, 0x1B]).is_err());
        assert_eq!(
            CosemTime::decode(&[0, 0, 0, 0, 0]),
            Err(DecodeError::TrailingBytes(1))
        );
    }
}
