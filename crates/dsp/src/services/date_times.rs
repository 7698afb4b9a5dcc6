//! DUIS date-times in the forms GBCS commands carry them: ZigBee `UTCTime` and DLMS capture
//! times (seconds since 2000-01-01T00:00:00Z), COSEM date-times, ASN.1 GeneralizedTime; and
//! the DUIS convention for cancelling a future-dated request.

use gbcs::cosem;
use time::macros::datetime;
use time::OffsetDateTime;

use crate::rejection::Rejection;

/// The epoch of ZigBee `UTCTime` and of GBCS's DLMS capture times.
pub const EPOCH_2000: OffsetDateTime = datetime!(2000-01-01 00:00:00 UTC);

/// DUIS cancels a future-dated request by repeating it with this `ExecutionDateTime`.
pub const DUIS_CANCELLATION: OffsetDateTime = datetime!(3000-12-31 00:00:00 UTC);

/// The execution date-time GBCS gives a command that cancels a future-dated one (CS06 and
/// others): 9999-12-31T23:59:59Z.
pub const GBCS_CANCELLATION_GENERALIZED_TIME: &str = "99991231235959Z";

/// The latest time ZigBee `UTCTime` can say: `0xFFFFFFFF` means "not set". A later DUIS time
/// (e.g. the open end 3000-12-31 of a log read) becomes this, as the RTDS GCS15e command shows.
pub const LATEST_ZIGBEE_UTC_TIME: u32 = 0xFFFF_FFFE;

fn seconds_since_2000(field: &str, time: OffsetDateTime) -> Result<i64, Rejection> {
    let seconds = (time - EPOCH_2000).whole_seconds();
    if seconds < 0 {
        return Err(Rejection::Malformed(format!(
            "{field} {time} is before 2000-01-01, which GBCS cannot carry"
        )));
    }
    Ok(seconds)
}

/// A DUIS time as ZigBee `UTCTime`.
pub fn zigbee_utc_time(field: &str, time: OffsetDateTime) -> Result<u32, Rejection> {
    let seconds = seconds_since_2000(field, time)?;
    Ok(u32::try_from(seconds)
        .unwrap_or(LATEST_ZIGBEE_UTC_TIME)
        .min(LATEST_ZIGBEE_UTC_TIME))
}

/// The DCC's own time as ZigBee `UTCTime` (e.g. a GBZ issuer event id), held within the range.
pub fn zigbee_utc_time_of(now: OffsetDateTime) -> u32 {
    zigbee_utc_time("now", now).unwrap_or(0)
}

/// A DUIS time as a DLMS capture time (double-long-unsigned seconds since 2000); a time past
/// its range becomes the largest value.
pub fn capture_time(field: &str, time: OffsetDateTime) -> Result<u32, Rejection> {
    let seconds = seconds_since_2000(field, time)?;
    Ok(u32::try_from(seconds).unwrap_or(u32::MAX))
}

/// A DUIS time as a COSEM date-time (UTC; hundredths from the fraction of a second).
pub fn cosem_date_time(field: &str, time: OffsetDateTime) -> Result<cosem::DateTime, Rejection> {
    let year = u16::try_from(time.year())
        .ok()
        .filter(|year| *year != 0xFFFF)
        .ok_or_else(|| {
            Rejection::Malformed(format!("{field} {time} has a year COSEM cannot carry"))
        })?;
    Ok(cosem::DateTime {
        year,
        month: u8::from(time.month()),
        day: time.day(),
        hour: time.hour(),
        minute: time.minute(),
        second: time.second(),
        hundredths: (time.millisecond() / 10) as u8,
    })
}

/// An ASN.1 GeneralizedTime (`YYYYMMDDhhmmssZ`), as GBCS's DER payloads carry execution
/// date-times; the DUIS cancellation date-time becomes GBCS's.
pub fn generalized_time(field: &str, time: OffsetDateTime) -> Result<String, Rejection> {
    if time == DUIS_CANCELLATION {
        return Ok(GBCS_CANCELLATION_GENERALIZED_TIME.to_owned());
    }
    if !(0..=9999).contains(&time.year()) {
        return Err(Rejection::Malformed(format!(
            "{field} {time} has a year GeneralizedTime cannot carry"
        )));
    }
    Ok(format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}Z",
        time.year(),
        u8::from(time.month()),
        time.day(),
        time.hour(),
        time.minute(),
        time.second()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zigbee_times_count_from_2000_and_hold_the_open_end() {
        let start = datetime!(2014-12-01 00:00:00 UTC);
        assert_eq!(zigbee_utc_time("Start", start), Ok(0x1C0E_6C00));
        let open_end = datetime!(3000-12-31 00:00:00 UTC);
        assert_eq!(zigbee_utc_time("End", open_end), Ok(0xFFFF_FFFE));
        assert!(matches!(
            zigbee_utc_time("Start", datetime!(1999-12-31 23:59:59 UTC)),
            Err(Rejection::Malformed(message)) if message.starts_with("Start")
        ));
        assert_eq!(zigbee_utc_time_of(datetime!(1990-01-01 00:00:00 UTC)), 0);
    }

    #[test]
    fn capture_times_and_date_times_are_those_of_the_rtds_commands() {
        let time = datetime!(2014-12-22 09:30:00 UTC);
        assert_eq!(capture_time("Start", time), Ok(472_555_800));
        let date_time = cosem_date_time("Start", datetime!(2014-12-05 11:05:00.50 UTC));
        assert_eq!(
            date_time.map(|date_time| date_time.octets()),
            Ok([0x07, 0xDE, 12, 5, 0xFF, 11, 5, 0, 50, 0x80, 0x00, 0xFF])
        );
    }

    #[test]
    fn generalized_times_and_the_cancellation() {
        let time = datetime!(2030-01-15 09:00:00 UTC);
        assert_eq!(
            generalized_time("ExecutionDateTime", time).as_deref(),
            Ok("20300115090000Z")
        );
        assert_eq!(
            generalized_time("ExecutionDateTime", DUIS_CANCELLATION).as_deref(),
            Ok("99991231235959Z")
        );
    }
}
