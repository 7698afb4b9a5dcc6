//! The DER payload of GCS28 Set Clock on GSME (DUIS 6.11 Synchronise Clock and 8.1.1 Commission
//! Device): the validity interval within which the GSME may take the time its supplier vouches
//! for, as two GeneralizedTimes (`YYYYMMDDHHMMSSZ`).

use std::time::Duration;

use der::asn1::GeneralizedTime;
use der::{Decode, Encode, Sequence};

/// `SetTimeCommand ::= SEQUENCE { validityIntervalStart GeneralizedTime, validityIntervalEnd
/// GeneralizedTime }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Sequence)]
pub struct SetTimeCommand {
    pub validity_interval_start: GeneralizedTime,
    pub validity_interval_end: GeneralizedTime,
}

impl SetTimeCommand {
    /// The interval between two Unix times (whole seconds; GeneralizedTime takes years 1970 to
    /// 9999).
    pub fn between(start_unix_seconds: u64, end_unix_seconds: u64) -> Result<Self, der::Error> {
        Ok(Self {
            validity_interval_start: GeneralizedTime::from_unix_duration(Duration::from_secs(
                start_unix_seconds,
            ))?,
            validity_interval_end: GeneralizedTime::from_unix_duration(Duration::from_secs(
                end_unix_seconds,
            ))?,
        })
    }

    /// The DER payload.
    pub fn encode(&self) -> Result<Vec<u8>, der::Error> {
        self.to_der()
    }

    /// Reads a payload (DER, nothing after it).
    pub fn parse(payload: &[u8]) -> Result<Self, der::Error> {
        Self::from_der(payload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rtds_gcs28_payload_round_trips() {
        // 2014-12-31T23:30:00Z to 2015-01-01T00:30:00Z.
        let command = SetTimeCommand::between(1_420_068_600, 1_420_072_200).unwrap();
        let payload = command.encode().unwrap();
        let mut expected = vec![0x30, 0x22, 0x18, 0x0F];
        expected.extend_from_slice(b"20141231233000Z");
        expected.extend_from_slice(&[0x18, 0x0F]);
        expected.extend_from_slice(b"20150101003000Z");
        assert_eq!(payload, expected);
        assert_eq!(SetTimeCommand::parse(&payload).unwrap(), command);
        assert!(SetTimeCommand::parse(&payload[..10]).is_err());
    }
}
