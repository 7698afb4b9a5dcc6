//! ZigBee Cluster Library payloads inside GBZ components (GSME, GPF, PPMID): typed attribute
//! values and the general (profile-wide) commands every cluster shares: read attributes, write
//! attributes, their responses and the default response. Multi-byte values are little-endian,
//! as ZCL has them. Cluster-specific commands keep their payload bytes and are built by the
//! use cases that send them.

use crate::ber::Reader;
use crate::error::DecodeError;

/// ZCL frame control: a profile-wide (general) command.
pub const FRAME_TYPE_GENERAL: u8 = 0x00;
/// ZCL frame control: a cluster-specific command.
pub const FRAME_TYPE_CLUSTER_SPECIFIC: u8 = 0x01;
/// ZCL frame control: sent from the server side (the meter) to the client.
pub const DIRECTION_SERVER_TO_CLIENT: u8 = 0x08;
/// ZCL frame control: no default response wanted.
pub const DISABLE_DEFAULT_RESPONSE: u8 = 0x10;

/// General command ids.
pub mod command {
    pub const READ_ATTRIBUTES: u8 = 0x00;
    pub const READ_ATTRIBUTES_RESPONSE: u8 = 0x01;
    pub const WRITE_ATTRIBUTES: u8 = 0x02;
    pub const WRITE_ATTRIBUTES_UNDIVIDED: u8 = 0x03;
    pub const WRITE_ATTRIBUTES_RESPONSE: u8 = 0x04;
    pub const WRITE_ATTRIBUTES_NO_RESPONSE: u8 = 0x05;
    pub const DEFAULT_RESPONSE: u8 = 0x0B;
}

/// ZCL status codes (the ones GBCS uses).
pub mod status {
    pub const SUCCESS: u8 = 0x00;
    pub const FAILURE: u8 = 0x01;
    pub const NOT_AUTHORIZED: u8 = 0x7E;
    pub const MALFORMED_COMMAND: u8 = 0x80;
    pub const UNSUPPORTED_CLUSTER_COMMAND: u8 = 0x81;
    pub const UNSUPPORTED_GENERAL_COMMAND: u8 = 0x82;
    pub const INVALID_FIELD: u8 = 0x85;
    pub const UNSUPPORTED_ATTRIBUTE: u8 = 0x86;
    pub const INVALID_VALUE: u8 = 0x87;
    pub const READ_ONLY: u8 = 0x88;
    pub const INSUFFICIENT_SPACE: u8 = 0x89;
    pub const NOT_FOUND: u8 = 0x8B;
    pub const INVALID_DATA_TYPE: u8 = 0x8D;
    pub const HARDWARE_FAILURE: u8 = 0xC0;
}

/// ZCL data type ids.
pub mod data_type {
    pub const BOOLEAN: u8 = 0x10;
    pub const BITMAP8: u8 = 0x18;
    pub const BITMAP16: u8 = 0x19;
    pub const BITMAP32: u8 = 0x1B;
    pub const BITMAP64: u8 = 0x1F;
    pub const UINT8: u8 = 0x20;
    pub const UINT16: u8 = 0x21;
    pub const UINT24: u8 = 0x22;
    pub const UINT32: u8 = 0x23;
    pub const UINT40: u8 = 0x24;
    pub const UINT48: u8 = 0x25;
    pub const UINT56: u8 = 0x26;
    pub const UINT64: u8 = 0x27;
    pub const INT8: u8 = 0x28;
    pub const INT16: u8 = 0x29;
    pub const INT24: u8 = 0x2A;
    pub const INT32: u8 = 0x2B;
    pub const INT48: u8 = 0x2D;
    pub const INT64: u8 = 0x2F;
    pub const ENUM8: u8 = 0x30;
    pub const ENUM16: u8 = 0x31;
    pub const OCTET_STRING: u8 = 0x41;
    pub const CHARACTER_STRING: u8 = 0x42;
    pub const LONG_OCTET_STRING: u8 = 0x43;
    pub const LONG_CHARACTER_STRING: u8 = 0x44;
    pub const ARRAY: u8 = 0x48;
    pub const STRUCTURE: u8 = 0x4C;
    pub const TIME_OF_DAY: u8 = 0xE0;
    pub const DATE: u8 = 0xE1;
    pub const UTC_TIME: u8 = 0xE2;
    pub const CLUSTER_ID: u8 = 0xE8;
    pub const ATTRIBUTE_ID: u8 = 0xE9;
    pub const IEEE_ADDRESS: u8 = 0xF0;
    pub const SECURITY_KEY: u8 = 0xF1;
}

/// The width in bytes of a fixed-width ZCL data type, `None` for strings and collections.
pub fn fixed_width(data_type: u8) -> Option<usize> {
    Some(match data_type {
        0x08..=0x0F => usize::from(data_type - 0x07),
        0x10 => 1,
        0x18..=0x1F => usize::from(data_type - 0x17),
        0x20..=0x27 => usize::from(data_type - 0x1F),
        0x28..=0x2F => usize::from(data_type - 0x27),
        0x30 => 1,
        0x31 => 2,
        0x38 => 2,
        0x39 => 4,
        0x3A => 8,
        0xE0..=0xE2 => 4,
        0xE8 | 0xE9 => 2,
        0xEA => 4,
        0xF0 => 8,
        0xF1 => 16,
        _ => return None,
    })
}

/// One ZCL value with its data type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ZclValue {
    /// A fixed-width value: its bytes as on the wire (little-endian for numbers).
    Fixed { data_type: u8, bytes: Vec<u8> },
    /// An octet or character string, short (1-byte length) or long (2-byte length).
    String { data_type: u8, bytes: Vec<u8> },
    /// An array of elements of one type.
    Array {
        element_type: u8,
        elements: Vec<ZclValue>,
    },
    /// A structure of typed elements.
    Structure(Vec<ZclValue>),
}

impl ZclValue {
    /// An unsigned integer (`uint8`…`uint64`, `enum8/16`, `bitmap…`, `UTCTime`…) of the type's width.
    pub fn unsigned(data_type: u8, value: u64) -> Self {
        let width = fixed_width(data_type).unwrap_or(8).min(8);
        Self::Fixed {
            data_type,
            bytes: value.to_le_bytes()[..width].to_vec(),
        }
    }

    /// A signed integer (`int8`…`int64`) of the type's width.
    pub fn signed(data_type: u8, value: i64) -> Self {
        let width = fixed_width(data_type).unwrap_or(8).min(8);
        Self::Fixed {
            data_type,
            bytes: value.to_le_bytes()[..width].to_vec(),
        }
    }

    /// An octet string (`0x41`).
    pub fn octet_string(bytes: impl Into<Vec<u8>>) -> Self {
        Self::String {
            data_type: data_type::OCTET_STRING,
            bytes: bytes.into(),
        }
    }

    /// A character string (`0x42`).
    pub fn character_string(text: &str) -> Self {
        Self::String {
            data_type: data_type::CHARACTER_STRING,
            bytes: text.as_bytes().to_vec(),
        }
    }

    pub fn data_type(&self) -> u8 {
        match self {
            Self::Fixed { data_type, .. } | Self::String { data_type, .. } => *data_type,
            Self::Array { .. } => data_type::ARRAY,
            Self::Structure(_) => data_type::STRUCTURE,
        }
    }

    /// The value of a fixed-width unsigned type, when it fits 64 bits.
    pub fn as_unsigned(&self) -> Option<u64> {
        let Self::Fixed { bytes, .. } = self else {
            return None;
        };
        if bytes.len() > 8 {
            return None;
        }
        let mut wide = [0u8; 8];
        wide[..bytes.len()].copy_from_slice(bytes);
        Some(u64::from_le_bytes(wide))
    }

    /// The value of a fixed-width signed type (sign-extended).
    pub fn as_signed(&self) -> Option<i64> {
        let Self::Fixed { bytes, .. } = self else {
            return None;
        };
        if bytes.is_empty() || bytes.len() > 8 {
            return None;
        }
        let negative = bytes[bytes.len() - 1] & 0x80 != 0;
        let mut wide = if negative { [0xFF; 8] } else { [0; 8] };
        wide[..bytes.len()].copy_from_slice(bytes);
        Some(i64::from_le_bytes(wide))
    }

    /// The bytes of a string value.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Self::String { bytes, .. } => Some(bytes),
            _ => None,
        }
    }

    /// Encodes the value without its type id.
    pub fn encode_value(&self, out: &mut Vec<u8>) {
        match self {
            Self::Fixed { bytes, .. } => out.extend_from_slice(bytes),
            Self::String { data_type, bytes } => {
                if matches!(
                    *data_type,
                    data_type::LONG_OCTET_STRING | data_type::LONG_CHARACTER_STRING
                ) {
                    out.extend_from_slice(&(bytes.len() as u16).to_le_bytes());
                } else {
                    out.push(bytes.len() as u8);
                }
                out.extend_from_slice(bytes);
            }
            Self::Array {
                element_type,
                elements,
            } => {
                out.push(*element_type);
                out.extend_from_slice(&(elements.len() as u16).to_le_bytes());
                for element in elements {
                    element.encode_value(out);
                }
            }
            Self::Structure(elements) => {
                out.extend_from_slice(&(elements.len() as u16).to_le_bytes());
                for element in elements {
                    out.push(element.data_type());
                    element.encode_value(out);
                }
            }
        }
    }

    /// Encodes the type id then the value.
    pub fn encode_typed(&self, out: &mut Vec<u8>) {
        out.push(self.data_type());
        self.encode_value(out);
    }

    /// Reads a value of `data_type` (its id already read).
    pub fn decode_value(data_type: u8, bytes: &[u8]) -> Result<(Self, usize), DecodeError> {
        let mut reader = Reader::new(bytes);
        let value = Self::read_value(data_type, &mut reader, 0)?;
        Ok((value, bytes.len() - reader.remaining()))
    }

    fn read_value(
        data_type: u8,
        reader: &mut Reader<'_>,
        depth: usize,
    ) -> Result<Self, DecodeError> {
        if depth > 8 {
            return Err(DecodeError::TooDeep);
        }
        if let Some(width) = fixed_width(data_type) {
            return Ok(Self::Fixed {
                data_type,
                bytes: reader.bytes(width, "ZCL value")?.to_vec(),
            });
        }
        match data_type {
            data_type::OCTET_STRING | data_type::CHARACTER_STRING => {
                let length = usize::from(reader.byte("ZCL string length")?);
                let length = if length == 0xFF { 0 } else { length };
                Ok(Self::String {
                    data_type,
                    bytes: reader.bytes(length, "ZCL string")?.to_vec(),
                })
            }
            data_type::LONG_OCTET_STRING | data_type::LONG_CHARACTER_STRING => {
                let length = usize::from(u16::from_le_bytes(reader.array("ZCL string length")?));
                let length = if length == 0xFFFF { 0 } else { length };
                Ok(Self::String {
                    data_type,
                    bytes: reader.bytes(length, "ZCL long string")?.to_vec(),
                })
            }
            data_type::ARRAY => {
                let element_type = reader.byte("ZCL array element type")?;
                let count = u16::from_le_bytes(reader.array("ZCL array count")?);
                let count = if count == 0xFFFF { 0 } else { count };
                let mut elements = Vec::new();
                for _ in 0..count {
                    elements.push(Self::read_value(element_type, reader, depth + 1)?);
                }
                Ok(Self::Array {
                    element_type,
                    elements,
                })
            }
            data_type::STRUCTURE => {
                let count = u16::from_le_bytes(reader.array("ZCL structure count")?);
                let count = if count == 0xFFFF { 0 } else { count };
                let mut elements = Vec::new();
                for _ in 0..count {
                    let element_type = reader.byte("ZCL structure element type")?;
                    elements.push(Self::read_value(element_type, reader, depth + 1)?);
                }
                Ok(Self::Structure(elements))
            }
            other => Err(DecodeError::UnknownZclDataType(other)),
        }
    }
}

/// One record of a read attributes response.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReadAttributeRecord {
    pub attribute: u16,
    pub status: u8,
    /// Present when the status is success.
    pub value: Option<ZclValue>,
}

/// One record of a write attributes response (a lone success record carries no attribute).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WriteAttributeStatus {
    pub status: u8,
    pub attribute: Option<u16>,
}

/// A general ZCL command (the payload after the ZCL header).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GeneralCommand {
    ReadAttributes(Vec<u16>),
    ReadAttributesResponse(Vec<ReadAttributeRecord>),
    WriteAttributes(Vec<(u16, ZclValue)>),
    WriteAttributesResponse(Vec<WriteAttributeStatus>),
    DefaultResponse { command_id: u8, status: u8 },
}

impl GeneralCommand {
    pub fn command_id(&self) -> u8 {
        match self {
            Self::ReadAttributes(_) => command::READ_ATTRIBUTES,
            Self::ReadAttributesResponse(_) => command::READ_ATTRIBUTES_RESPONSE,
            Self::WriteAttributes(_) => command::WRITE_ATTRIBUTES,
            Self::WriteAttributesResponse(_) => command::WRITE_ATTRIBUTES_RESPONSE,
            Self::DefaultResponse { .. } => command::DEFAULT_RESPONSE,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match self {
            Self::ReadAttributes(attributes) => {
                for attribute in attributes {
                    out.extend_from_slice(&attribute.to_le_bytes());
                }
            }
            Self::ReadAttributesResponse(records) => {
                for record in records {
                    out.extend_from_slice(&record.attribute.to_le_bytes());
                    out.push(record.status);
                    if let Some(value) = &record.value {
                        value.encode_typed(&mut out);
                    }
                }
            }
            Self::WriteAttributes(records) => {
                for (attribute, value) in records {
                    out.extend_from_slice(&attribute.to_le_bytes());
                    value.encode_typed(&mut out);
                }
            }
            Self::WriteAttributesResponse(records) => {
                for record in records {
                    out.push(record.status);
                    if let Some(attribute) = record.attribute {
                        out.extend_from_slice(&attribute.to_le_bytes());
                    }
                }
            }
            Self::DefaultResponse { command_id, status } => {
                out.extend_from_slice(&[*command_id, *status]);
            }
        }
        out
    }

    /// Decodes the payload of general command `command_id`.
    pub fn decode(command_id: u8, payload: &[u8]) -> Result<Self, DecodeError> {
        let mut reader = Reader::new(payload);
        let command = match command_id {
            command::READ_ATTRIBUTES => {
                let mut attributes = Vec::new();
                while !reader.is_empty() {
                    attributes.push(u16::from_le_bytes(reader.array("ZCL attribute id")?));
                }
                Self::ReadAttributes(attributes)
            }
            command::READ_ATTRIBUTES_RESPONSE => {
                let mut records = Vec::new();
                while !reader.is_empty() {
                    let attribute = u16::from_le_bytes(reader.array("ZCL attribute id")?);
                    let status = reader.byte("ZCL status")?;
                    let value = if status == status::SUCCESS {
                        let data_type = reader.byte("ZCL data type")?;
                        Some(ZclValue::read_value(data_type, &mut reader, 0)?)
                    } else {
                        None
                    };
                    records.push(ReadAttributeRecord {
                        attribute,
                        status,
                        value,
                    });
                }
                Self::ReadAttributesResponse(records)
            }
            command::WRITE_ATTRIBUTES
            | command::WRITE_ATTRIBUTES_UNDIVIDED
            | command::WRITE_ATTRIBUTES_NO_RESPONSE => {
                let mut records = Vec::new();
                while !reader.is_empty() {
                    let attribute = u16::from_le_bytes(reader.array("ZCL attribute id")?);
                    let data_type = reader.byte("ZCL data type")?;
                    records.push((attribute, ZclValue::read_value(data_type, &mut reader, 0)?));
                }
                Self::WriteAttributes(records)
            }
            command::WRITE_ATTRIBUTES_RESPONSE => {
                let mut records = Vec::new();
                while !reader.is_empty() {
                    let status = reader.byte("ZCL status")?;
                    let attribute = if reader.is_empty() {
                        None
                    } else {
                        Some(u16::from_le_bytes(reader.array("ZCL attribute id")?))
                    };
                    records.push(WriteAttributeStatus { status, attribute });
                }
                Self::WriteAttributesResponse(records)
            }
            command::DEFAULT_RESPONSE => Self::DefaultResponse {
                command_id: reader.byte("ZCL default response command")?,
                status: reader.byte("ZCL default response status")?,
            },
            other => return Err(DecodeError::UnknownZclCommand(other)),
        };
        if !reader.is_empty() {
            return Err(DecodeError::TrailingBytes(reader.remaining()));
        }
        Ok(command)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_attributes_response_round_trips() {
        let command = GeneralCommand::ReadAttributesResponse(vec![
            ReadAttributeRecord {
                attribute: 0x0000,
                status: status::SUCCESS,
                value: Some(ZclValue::unsigned(data_type::UINT48, 123_456)),
            },
            ReadAttributeRecord {
                attribute: 0x0300,
                status: status::UNSUPPORTED_ATTRIBUTE,
                value: None,
            },
            ReadAttributeRecord {
                attribute: 0x0310,
                status: status::SUCCESS,
                value: Some(ZclValue::octet_string(b"1234".to_vec())),
            },
        ]);
        let bytes = command.encode();
        assert_eq!(&bytes[..3], &[0x00, 0x00, 0x00]);
        assert_eq!(
            GeneralCommand::decode(command::READ_ATTRIBUTES_RESPONSE, &bytes).unwrap(),
            command
        );
    }

    #[test]
    fn values_are_little_endian_and_sign_extended() {
        let value = ZclValue::unsigned(data_type::UINT24, 0x010203);
        assert_eq!(
            value,
            ZclValue::Fixed {
                data_type: 0x22,
                bytes: vec![3, 2, 1]
            }
        );
        assert_eq!(value.as_unsigned(), Some(0x010203));
        assert_eq!(ZclValue::signed(data_type::INT24, -2).as_signed(), Some(-2));
    }

    #[test]
    fn nested_collections_round_trip_and_truncation_is_an_error() {
        let value = ZclValue::Structure(vec![
            ZclValue::unsigned(data_type::UINT8, 7),
            ZclValue::Array {
                element_type: data_type::UINT16,
                elements: vec![ZclValue::unsigned(data_type::UINT16, 1)],
            },
        ]);
        let mut bytes = Vec::new();
        value.encode_value(&mut bytes);
        let (decoded, used) = ZclValue::decode_value(data_type::STRUCTURE, &bytes).unwrap();
        assert_eq!((decoded, used), (value, bytes.len()));
        assert!(ZclValue::decode_value(data_type::STRUCTURE, &bytes[..bytes.len() - 1]).is_err());
        assert!(GeneralCommand::decode(0x42, &[]).is_err());
    }
}
