//! The ASN.1 DER payloads of GBCS's firmware commands: CS06 Activate Firmware (a critical
//! command naming the image by its hash, optionally future dated, and its response) and CS08
//! Read PPMID/HCALCS Firmware Version.

use crate::ber::{write_length, Reader};
use crate::error::DecodeError;

/// The CS08 command payload: an ASN.1 NULL (the device answers with its firmware version).
pub const READ_FIRMWARE_VERSION_COMMAND: [u8; 2] = [0x05, 0x00];

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const OCTET_STRING: u8 = 0x04;
const NULL: u8 = 0x05;
const GENERALIZED_TIME: u8 = 0x18;

/// The execution date-time of a CS06 command that cancels a future-dated activation.
pub const CANCELLATION_DATE_TIME: &str = "99991231235959Z";

/// The CS06 command: activate the image whose hash is given, now or at the execution time.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ActivateFirmware {
    /// The manufacturer image hash (SHA-256) of the image to activate.
    pub image_hash: [u8; 32],
    /// The command's originator counter, repeated in the payload.
    pub originator_counter: u64,
    /// The GeneralizedTime text (`20300115090000Z`) of a future-dated activation;
    /// `99991231235959Z` cancels one.
    pub execution_date_time: Option<String>,
}

impl ActivateFirmware {
    /// DER with minimal lengths and integers, as the reference commands are.
    pub fn encode(&self) -> Vec<u8> {
        let mut content = tlv(OCTET_STRING, &self.image_hash);
        content.extend(tlv(INTEGER, &integer_content(self.originator_counter)));
        if let Some(time) = &self.execution_date_time {
            content.extend(tlv(GENERALIZED_TIME, time.as_bytes()));
        }
        tlv(SEQUENCE, &content)
    }

    /// Reads a CS06 command payload; never panics.
    pub fn decode(payload: &[u8]) -> Result<Self, DecodeError> {
        let mut outer = Reader::new(payload);
        outer.expect(SEQUENCE, "ActivateFirmware")?;
        let mut reader = Reader::new(outer.length_prefixed("ActivateFirmware")?);
        if !outer.is_empty() {
            return Err(DecodeError::TrailingBytes(outer.remaining()));
        }
        reader.expect(OCTET_STRING, "image hash")?;
        let image_hash = reader
            .length_prefixed("image hash")?
            .try_into()
            .map_err(|_| DecodeError::BadLength { what: "image hash" })?;
        reader.expect(INTEGER, "originator counter")?;
        let originator_counter = unsigned(
            reader.length_prefixed("originator counter")?,
            "originator counter",
        )?;
        let execution_date_time = match reader.peek() {
            Some(GENERALIZED_TIME) => {
                reader.expect(GENERALIZED_TIME, "execution date-time")?;
                let time = reader.length_prefixed("execution date-time")?;
                Some(String::from_utf8_lossy(time).into_owned())
            }
            _ => None,
        };
        if !reader.is_empty() {
            return Err(DecodeError::TrailingBytes(reader.remaining()));
        }
        Ok(Self {
            image_hash,
            originator_counter,
            execution_date_time,
        })
    }
}

/// What a device answers to CS06: a future-dated activation accepted (`commandAccepted`,
/// NULL), or the outcome of an activation it ran at once (`executionOutcome`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ActivateFirmwareResponse {
    CommandAccepted,
    ExecutionOutcome(ActivationOutcome),
}

/// `SEQUENCE { responseCode INTEGER, firmwareVersion OCTET STRING }`: how the activation went,
/// and the firmware version running after it. (DCC's parser reads the code as a plain
/// integer, as GBCS's other ASN.1 response codes are.)
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ActivationOutcome {
    pub response_code: u8,
    pub firmware_version: Vec<u8>,
}

impl ActivationOutcome {
    pub const SUCCESS: u8 = 0;
    pub const NO_IMAGE_HELD: u8 = 1;
    pub const HASH_MISMATCH: u8 = 2;
    pub const ACTIVATION_FAILURE: u8 = 3;
}

impl ActivateFirmwareResponse {
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Self::CommandAccepted => vec![NULL, 0x00],
            Self::ExecutionOutcome(outcome) => {
                let mut content = tlv(INTEGER, &integer_content(u64::from(outcome.response_code)));
                content.extend(tlv(OCTET_STRING, &outcome.firmware_version));
                tlv(SEQUENCE, &content)
            }
        }
    }

    /// Reads a CS06 response payload; never panics.
    pub fn decode(payload: &[u8]) -> Result<Self, DecodeError> {
        let mut outer = Reader::new(payload);
        let response = match outer.peek() {
            Some(NULL) => {
                outer.expect(NULL, "commandAccepted")?;
                if !outer.length_prefixed("commandAccepted")?.is_empty() {
                    return Err(DecodeError::BadLength {
                        what: "commandAccepted",
                    });
                }
                Self::CommandAccepted
            }
            _ => {
                outer.expect(SEQUENCE, "executionOutcome")?;
                let mut reader = Reader::new(outer.length_prefixed("executionOutcome")?);
                reader.expect(INTEGER, "response code")?;
                let code = unsigned(reader.length_prefixed("response code")?, "response code")?;
                let response_code = u8::try_from(code).map_err(|_| DecodeError::BadLength {
                    what: "response code",
                })?;
                reader.expect(OCTET_STRING, "firmware version")?;
                let firmware_version = reader.length_prefixed("firmware version")?.to_vec();
                if !reader.is_empty() {
                    return Err(DecodeError::TrailingBytes(reader.remaining()));
                }
                Self::ExecutionOutcome(ActivationOutcome {
                    response_code,
                    firmware_version,
                })
            }
        };
        if !outer.is_empty() {
            return Err(DecodeError::TrailingBytes(outer.remaining()));
        }
        Ok(response)
    }
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    write_length(&mut out, content.len());
    out.extend_from_slice(content);
    out
}

/// The content octets of a non-negative DER INTEGER.
fn integer_content(value: u64) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let first = bytes.iter().position(|byte| *byte != 0).unwrap_or(7);
    let mut out = Vec::with_capacity(9);
    if bytes[first] & 0x80 != 0 {
        out.push(0);
    }
    out.extend_from_slice(&bytes[first..]);
    out
}

fn unsigned(content: &[u8], what: &'static str) -> Result<u64, DecodeError> {
    let significant = match content {
        [0, rest @ ..] if !rest.is_empty() => rest,
        other => other,
    };
    if content.is_empty() || content[0] & 0x80 != 0 || significant.len() > 8 {
        return Err(DecodeError::BadLength { what });
    }
    Ok(significant
        .iter()
        .fold(0, |value, byte| (value << 8) | u64::from(*byte)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activation_round_trips_with_and_without_an_execution_time() {
        for execution_date_time in [None, Some("20300115090000Z".to_owned())] {
            let command = ActivateFirmware {
                image_hash: [0xAA; 32],
                originator_counter: 1000,
                execution_date_time,
            };
            let bytes = command.encode();
            assert_eq!(bytes[36..40], [0x02, 0x02, 0x03, 0xE8]);
            assert_eq!(ActivateFirmware::decode(&bytes), Ok(command));
        }
        assert_eq!(integer_content(0x80), [0x00, 0x80]);
        assert!(ActivateFirmware::decode(&[0x30, 0x02, 0x04, 0x20]).is_err());
    }

    #[test]
    fn activation_responses_round_trip() {
        assert_eq!(
            ActivateFirmwareResponse::CommandAccepted.encode(),
            [0x05, 0x00]
        );
        let outcome = ActivateFirmwareResponse::ExecutionOutcome(ActivationOutcome {
            response_code: ActivationOutcome::NO_IMAGE_HELD,
            firmware_version: vec![0x01, 0x23, 0xAB, 0xCD],
        });
        let bytes = outcome.encode();
        assert_eq!(
            bytes,
            [0x30, 0x09, 0x02, 0x01, 0x01, 0x04, 0x04, 0x01, 0x23, 0xAB, 0xCD]
        );
        assert_eq!(ActivateFirmwareResponse::decode(&bytes), Ok(outcome));
        assert_eq!(
            ActivateFirmwareResponse::decode(&[0x05, 0x00]),
            Ok(ActivateFirmwareResponse::CommandAccepted)
        );
        assert!(ActivateFirmwareResponse::decode(&[0x05, 0x01, 0x00]).is_err());
        assert!(ActivateFirmwareResponse::decode(&[0x30, 0x03, 0x02, 0x01, 0x00]).is_err());
        assert!(ActivateFirmwareResponse::decode(&bytes[..bytes.len() - 1]).is_err());
    }
}
