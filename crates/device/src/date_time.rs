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

/// Where a host (a service, a test) takes the date-time it tells its devices from. The engine
/// itself never reads a clock: [`crate::Device::handle_command`] is told the date-time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeviceClock {
    /// The system clock (UTC).
    #[default]
    System,
    /// Always the same date-time (tests, reproducible runs).
    Fixed(DeviceDateTime),
}

impl DeviceClock {
    /// The current date-time by this clock.
    pub fn now(&self) -> DeviceDateTime {
        match self {
            Self::System => DeviceDateTime::from_offset_date_time(OffsetDateTime::now_utc()),
            Self::Fixed(date_time) => *date_time,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_since_2000_round_trip() {
        let new_year_2015 = DeviceDateTime {
            year: 2015,
            month: 1,
            day: 1,
            hour: 0,
            minute: 0,
            second: 0,
        };
        assert_eq!(new_year_2015.seconds_since_2000(), 0x1C37_4A80);
        assert_eq!(
            DeviceDateTime::from_seconds_since_2000(0x1C37_4A80),
            new_year_2015
        );
    }
}
