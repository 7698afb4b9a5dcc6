//! The date-time a device is told by whoever runs it (the engine has no clock of its own).

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// A calendar date-time as a device tells it (UTC), injected by whoever runs the device.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct DeviceDateTime {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

/// 2000-01-01T00:00:00Z, the epoch of GBCS "UTC seconds since 2000" values (logs, GBZ times).
const EPOCH_2000_UNIX: i64 = 946_684_800;

impl DeviceDateTime {
    /// 00:00:00 of a day.
    pub const fn midnight(year: u16, month: u8, day: u8) -> Self {
        Self {
            year,
            month,
            day,
            hour: 0,
            minute: 0,
            second: 0,
        }
    }

    /// The COSEM date-time of a response's grouping header: year, month, day, day of week
    /// not specified (`FF`), hour, minute, second, hundredths `00`, deviation not specified
    /// (`8000`), clock status `FF` — the form of the reference responses.
    pub fn cosem(&self) -> [u8; 12] {
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
            0x00,
            0x80,
            0x00,
            0xFF,
        ]
    }

    /// The date-time a COSEM date-time (12 bytes) tells, `None` when it is not 12 bytes or leaves
    /// a field of the date or time unspecified (`FF`, year `FFFF`) or names no real date.
    pub fn from_cosem(bytes: &[u8]) -> Option<Self> {
        let bytes = <&[u8; 12]>::try_from(bytes).ok()?;
        let date_time = Self {
            year: u16::from_be_bytes([bytes[0], bytes[1]]),
            month: bytes[2],
            day: bytes[3],
            hour: bytes[5],
            minute: bytes[6],
            second: bytes[7],
        };
        date_time.to_offset_date_time().map(|_| date_time)
    }

    /// The date-time `seconds` later (earlier when negative); the same date-time when that
    /// leaves the calendar.
    pub fn shifted(self, seconds: i64) -> Self {
        self.to_offset_date_time()
            .and_then(|instant| instant.checked_add(time::Duration::seconds(seconds)))
            .map(Self::from_offset_date_time)
            .unwrap_or(self)
    }

    /// The date-time of a UTC instant.
    pub fn from_offset_date_time(instant: OffsetDateTime) -> Self {
        let utc = instant.to_offset(UtcOffset::UTC);
        Self {
            year: u16::try_from(utc.year()).unwrap_or(0),
            month: u8::from(utc.month()),
            day: utc.day(),
            hour: utc.hour(),
            minute: utc.minute(),
            second: utc.second(),
        }
    }

    /// The instant, or `None` for a date that does not exist (a hand-written state file).
    pub fn to_offset_date_time(self) -> Option<OffsetDateTime> {
        let month = Month::try_from(self.month).ok()?;
        let date = Date::from_calendar_date(i32::from(self.year), month, self.day).ok()?;
        let time = Time::from_hms(self.hour, self.minute, self.second).ok()?;
        Some(PrimitiveDateTime::new(date, time).assume_utc())
    }

    /// Seconds since 2000-01-01T00:00:00Z (0 before it or for an impossible date).
    pub fn seconds_since_2000(self) -> u32 {
        self.to_offset_date_time()
            .map(|instant| instant.unix_timestamp() - EPOCH_2000_UNIX)
            .and_then(|seconds| u32::try_from(seconds).ok())
            .unwrap_or(0)
    }

    /// The date-time `seconds` after 2000-01-01T00:00:00Z.
    pub fn from_seconds_since_2000(seconds: u32) -> Self {
        let instant = OffsetDateTime::from_unix_timestamp(EPOCH_2000_UNIX + i64::from(seconds))
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        Self::from_offset_date_time(instant)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_since_2000_round_trip() {
        let new_year_2015 = DeviceDateTime::midnight(2015, 1, 1);
        assert_eq!(new_year_2015.seconds_since_2000(), 0x1C37_4A80);
        assert_eq!(
            DeviceDateTime::from_seconds_since_2000(0x1C37_4A80),
            new_year_2015
        );
    }
}
