//! The ASN.1 DER payloads of GBCS's firmware commands: CS06 Activate Firmware (a critical
//! command naming the image by its hash, optionally future dated) and CS08 Read PPMID/HCALCS
//! Firmware Version.

use crate::ber::{write_length, Reader};
use crate::error::DecodeError;

/// The CS08 command payload: an ASN.1 NULL (the device answers with its firmware version).
pub const READ_FIRMWARE_VERSION_COMMAND: [u8; 2] = [0x05, 0x00];

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const OCTET_STRING: u8 = 0x04;
const GENERALIZED_TIME: u8 = 0x18;

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
        let originator_counter = unsigned(reader.length_prefixed("originator counter")?)?;
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

fn unsigned(content: &[u8]) -> Result<u64, DecodeError> {
    let significant = match content {
        [0, rest @ ..] if !rest.is_empty() => rest,
        other => other,
    };
    if content.is_empty() || content[0] & 0x80 != 0 || significant.len() > 8 {
        return Err(DecodeError::BadLength {
            what: "originator counter",
        });
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
}
