//! DLMS payloads of ESME and CHF use cases: access-request, access-response, data-notification
//! and the A-XDR data they carry, decoded to structured values and encoded back byte for byte.

use crate::ber::{write_length, Reader};
use crate::error::DecodeError;

/// Tag of a DLMS access-request.
pub const ACCESS_REQUEST: u8 = 0xD9;
/// Tag of a DLMS access-response.
pub const ACCESS_RESPONSE: u8 = 0xDA;
/// Tag of a DLMS data-notification (alerts).
pub const DATA_NOTIFICATION: u8 = 0x0F;

/// Deepest nesting of arrays and structures the decoder accepts (a bound against hostile input).
pub const MAXIMUM_DEPTH: usize = 32;

/// An A-XDR encoded COSEM datum.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Data {
    /// `00`
    Null,
    /// `01`: elements of the same type.
    Array(Vec<Data>),
    /// `02`
    Structure(Vec<Data>),
    /// `03`: the byte as received (any non-zero value is true).
    Boolean(u8),
    /// `04`: number of bits, then the bits packed in bytes.
    BitString { bits: usize, bytes: Vec<u8> },
    /// `05`
    DoubleLong(i32),
    /// `06`
    DoubleLongUnsigned(u32),
    /// `09`
    OctetString(Vec<u8>),
    /// `0A`
    VisibleString(Vec<u8>),
    /// `0C`
    Utf8String(Vec<u8>),
    /// `0D`
    Bcd(u8),
    /// `0F`
    Integer(i8),
    /// `10`
    Long(i16),
    /// `11`
    Unsigned(u8),
    /// `12`
    LongUnsigned(u16),
    /// `13`: a type description and the elements' contents, kept as received.
    CompactArray {
        type_description: TypeDescription,
        contents: Vec<u8>,
    },
    /// `14`
    Long64(i64),
    /// `15`
    Long64Unsigned(u64),
    /// `16`
    Enum(u8),
    /// `17`: the four bytes of an IEEE 754 single.
    Float32([u8; 4]),
    /// `18`: the eight bytes of an IEEE 754 double.
    Float64([u8; 8]),
    /// `19`
    DateTime([u8; 12]),
    /// `1A`
    Date([u8; 5]),
    /// `1B`
    Time([u8; 4]),
}

impl Data {
    /// Decodes one datum from the front of `bytes`; returns it and the bytes it used.
    pub fn parse_prefix(bytes: &[u8]) -> Result<(Self, usize), DecodeError> {
        let mut reader = Reader::new(bytes);
        let data = Self::decode(&mut reader, 0)?;
        Ok((data, bytes.len() - reader.remaining()))
    }

    /// Decodes exactly one datum filling `bytes`.
    pub fn parse(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut reader = Reader::new(bytes);
        let data = Self::decode(&mut reader, 0)?;
        if !reader.is_empty() {
            return Err(DecodeError::TrailingBytes(reader.remaining()));
        }
        Ok(data)
    }

    /// The A-XDR encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }

    /// The A-XDR tag of this datum.
    pub fn tag(&self) -> u8 {
        match self {
            Self::Null => 0x00,
            Self::Array(_) => 0x01,
            Self::Structure(_) => 0x02,
            Self::Boolean(_) => 0x03,
            Self::BitString { .. } => 0x04,
            Self::DoubleLong(_) => 0x05,
            Self::DoubleLongUnsigned(_) => 0x06,
            Self::OctetString(_) => 0x09,
            Self::VisibleString(_) => 0x0A,
            Self::Utf8String(_) => 0x0C,
            Self::Bcd(_) => 0x0D,
            Self::Integer(_) => 0x0F,
            Self::Long(_) => 0x10,
            Self::Unsigned(_) => 0x11,
            Self::LongUnsigned(_) => 0x12,
            Self::CompactArray { .. } => 0x13,
            Self::Long64(_) => 0x14,
            Self::Long64Unsigned(_) => 0x15,
            Self::Enum(_) => 0x16,
            Self::Float32(_) => 0x17,
            Self::Float64(_) => 0x18,
            Self::DateTime(_) => 0x19,
            Self::Date(_) => 0x1A,
            Self::Time(_) => 0x1B,
        }
    }

    /// The A-XDR type name (`structure`, `double-long-unsigned`, …).
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Null => "null-data",
            Self::Array(_) => "array",
            Self::Structure(_) => "structure",
            Self::Boolean(_) => "boolean",
            Self::BitString { .. } => "bit-string",
            Self::DoubleLong(_) => "double-long",
            Self::DoubleLongUnsigned(_) => "double-long-unsigned",
            Self::OctetString(_) => "octet-string",
            Self::VisibleString(_) => "visible-string",
            Self::Utf8String(_) => "utf8-string",
            Self::Bcd(_) => "bcd",
            Self::Integer(_) => "integer",
            Self::Long(_) => "long",
            Self::Unsigned(_) => "unsigned",
            Self::LongUnsigned(_) => "long-unsigned",
            Self::CompactArray { .. } => "compact-array",
            Self::Long64(_) => "long64",
            Self::Long64Unsigned(_) => "long64-unsigned",
            Self::Enum(_) => "enum",
            Self::Float32(_) => "float32",
            Self::Float64(_) => "float64",
            Self::DateTime(_) => "date-time",
            Self::Date(_) => "date",
            Self::Time(_) => "time",
        }
    }

    fn decode(reader: &mut Reader<'_>, depth: usize) -> Result<Self, DecodeError> {
        let tag = reader.byte("A-XDR tag")?;
        let data = match tag {
            0x00 => Self::Null,
            0x01 => Self::Array(Self::decode_elements(reader, depth)?),
            0x02 => Self::Structure(Self::decode_elements(reader, depth)?),
            0x03 => Self::Boolean(reader.byte("boolean")?),
            0x04 => {
                let bits = reader.length("bit-string length")?;
                let bytes = reader.bytes(bits.div_ceil(8), "bit-string")?.to_vec();
                Self::BitString { bits, bytes }
            }
            0x05 => Self::DoubleLong(i32::from_be_bytes(reader.array("double-long")?)),
            0x06 => {
                Self::DoubleLongUnsigned(u32::from_be_bytes(reader.array("double-long-unsigned")?))
            }
            0x09 => Self::OctetString(reader.length_prefixed("octet-string")?.to_vec()),
            0x0A => Self::VisibleString(reader.length_prefixed("visible-string")?.to_vec()),
            0x0C => Self::Utf8String(reader.length_prefixed("utf8-string")?.to_vec()),
            0x0D => Self::Bcd(reader.byte("bcd")?),
            0x0F => Self::Integer(i8::from_be_bytes(reader.array("integer")?)),
            0x10 => Self::Long(i16::from_be_bytes(reader.array("long")?)),
            0x11 => Self::Unsigned(reader.byte("unsigned")?),
            0x12 => Self::LongUnsigned(reader.u16("long-unsigned")?),
            0x13 => Self::CompactArray {
                type_description: TypeDescription::decode(reader, depth)?,
                contents: reader.length_prefixed("compact-array contents")?.to_vec(),
            },
            0x14 => Self::Long64(i64::from_be_bytes(reader.array("long64")?)),
            0x15 => Self::Long64Unsigned(reader.u64("long64-unsigned")?),
            0x16 => Self::Enum(reader.byte("enum")?),
            0x17 => Self::Float32(reader.array("float32")?),
            0x18 => Self::Float64(reader.array("float64")?),
            0x19 => Self::DateTime(reader.array("date-time")?),
            0x1A => Self::Date(reader.array("date")?),
            0x1B => Self::Time(reader.array("time")?),
            other => return Err(DecodeError::UnknownDataTag(other)),
        };
        Ok(data)
    }

    fn decode_elements(reader: &mut Reader<'_>, depth: usize) -> Result<Vec<Self>, DecodeError> {
        if depth >= MAXIMUM_DEPTH {
            return Err(DecodeError::TooDeep);
        }
        let count = reader.length("element count")?;
        // Every element takes at least one byte: a count beyond the input is a lie.
        if count > reader.remaining() {
            return Err(DecodeError::Truncated {
                what: "array or structure",
            });
        }
        let mut elements = Vec::with_capacity(count);
        for _ in 0..count {
            elements.push(Self::decode(reader, depth + 1)?);
        }
        Ok(elements)
    }

    fn encode_into(&self, out: &mut Vec<u8>) {
        out.push(self.tag());
        match self {
            Self::Null => {}
            Self::Array(elements) | Self::Structure(elements) => {
                write_length(out, elements.len());
                for element in elements {
                    element.encode_into(out);
                }
            }
            Self::Boolean(value) | Self::Bcd(value) | Self::Unsigned(value) | Self::Enum(value) => {
                out.push(*value)
            }
            Self::BitString { bits, bytes } => {
                write_length(out, *bits);
                out.extend_from_slice(bytes);
            }
            Self::DoubleLong(value) => out.extend_from_slice(&value.to_be_bytes()),
            Self::DoubleLongUnsigned(value) => out.extend_from_slice(&value.to_be_bytes()),
            Self::OctetString(bytes) | Self::VisibleString(bytes) | Self::Utf8String(bytes) => {
                write_length(out, bytes.len());
                out.extend_from_slice(bytes);
            }
            Self::Integer(value) => out.extend_from_slice(&value.to_be_bytes()),
            Self::Long(value) => out.extend_from_slice(&value.to_be_bytes()),
            Self::LongUnsigned(value) => out.extend_from_slice(&value.to_be_bytes()),
            Self::CompactArray {
                type_description,
                contents,
            } => {
                type_description.encode_into(out);
                write_length(out, contents.len());
                out.extend_from_slice(contents);
            }
            Self::Long64(value) => out.extend_from_slice(&value.to_be_bytes()),
            Self::Long64Unsigned(value) => out.extend_from_slice(&value.to_be_bytes()),
            Self::Float32(bytes) | Self::Time(bytes) => out.extend_from_slice(bytes),
            Self::Float64(bytes) => out.extend_from_slice(bytes),
            Self::DateTime(bytes) => out.extend_from_slice(bytes),
            Self::Date(bytes) => out.extend_from_slice(bytes),
        }
    }
}

/// The type description of a compact array.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TypeDescription {
    /// `01`: a fixed number of elements of one type.
    Array {
        elements: u16,
        element: Box<TypeDescription>,
    },
    /// `02`: the types of a structure's fields.
    Structure(Vec<TypeDescription>),
    /// Any other tag: a simple type.
    Simple(u8),
}

impl TypeDescription {
    fn decode(reader: &mut Reader<'_>, depth: usize) -> Result<Self, DecodeError> {
        if depth >= MAXIMUM_DEPTH {
            return Err(DecodeError::TooDeep);
        }
        match reader.byte("type description")? {
            0x01 => Ok(Self::Array {
                elements: reader.u16("compact-array element count")?,
                element: Box::new(Self::decode(reader, depth + 1)?),
            }),
            0x02 => {
                let count = reader.length("type description count")?;
                if count > reader.remaining() {
                    return Err(DecodeError::Truncated {
                        what: "type description",
                    });
                }
                let mut fields = Vec::with_capacity(count);
                for _ in 0..count {
                    fields.push(Self::decode(reader, depth + 1)?);
                }
                Ok(Self::Structure(fields))
            }
            simple => Ok(Self::Simple(simple)),
        }
    }

    fn encode_into(&self, out: &mut Vec<u8>) {
        match self {
            Self::Array { elements, element } => {
                out.push(0x01);
                out.extend_from_slice(&elements.to_be_bytes());
                element.encode_into(out);
            }
            Self::Structure(fields) => {
                out.push(0x02);
                write_length(out, fields.len());
                for field in fields {
                    field.encode_into(out);
                }
            }
            Self::Simple(tag) => out.push(*tag),
        }
    }
}

/// A COSEM attribute or method reference: interface class, logical name (OBIS) and index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CosemReference {
    pub class_id: u16,
    pub obis: [u8; 6],
    /// The attribute (get, set) or method (action) index.
    pub index: u8,
}

impl CosemReference {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            class_id: reader.u16("class id")?,
            obis: reader.array("logical name")?,
            index: reader.byte("attribute or method id")?,
        })
    }

    fn encode_into(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.class_id.to_be_bytes());
        out.extend_from_slice(&self.obis);
        out.push(self.index);
    }

    /// The OBIS code in its usual dotted form, e.g. `0-0-43.2.8.255`.
    pub fn obis_text(&self) -> String {
        let [a, b, c, d, e, f] = self.obis;
        format!("{a}-{b}:{c}.{d}.{e}.{f}")
    }
}

/// One access-request specification.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RequestSpecification {
    /// `01`
    Get(CosemReference),
    /// `02`
    Set(CosemReference),
    /// `03`
    Action(CosemReference),
    /// `04`: with an access selector and its parameters.
    GetWithSelection {
        reference: CosemReference,
        selector: u8,
        parameters: Data,
    },
}

impl RequestSpecification {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let kind = reader.byte("access-request specification")?;
        let reference = CosemReference::decode(reader)?;
        match kind {
            1 => Ok(Self::Get(reference)),
            2 => Ok(Self::Set(reference)),
            3 => Ok(Self::Action(reference)),
            4 => Ok(Self::GetWithSelection {
                reference,
                selector: reader.byte("access selector")?,
                parameters: Data::decode(reader, 0)?,
            }),
            other => Err(DecodeError::UnknownRequestKind(other)),
        }
    }

    fn encode_into(&self, out: &mut Vec<u8>) {
        match self {
            Self::Get(reference) | Self::Set(reference) | Self::Action(reference) => {
                out.push(self.kind());
                reference.encode_into(out);
            }
            Self::GetWithSelection {
                reference,
                selector,
                parameters,
            } => {
                out.push(self.kind());
                reference.encode_into(out);
                out.push(*selector);
                parameters.encode_into(out);
            }
        }
    }

    /// The kind byte: 1 get, 2 set, 3 action, 4 get-with-selection.
    pub fn kind(&self) -> u8 {
        match self {
            Self::Get(_) => 1,
            Self::Set(_) => 2,
            Self::Action(_) => 3,
            Self::GetWithSelection { .. } => 4,
        }
    }

    /// The referenced attribute or method.
    pub fn reference(&self) -> &CosemReference {
        match self {
            Self::Get(reference) | Self::Set(reference) | Self::Action(reference) => reference,
            Self::GetWithSelection { reference, .. } => reference,
        }
    }
}

/// One result of an access-response: the request kind and its data-access or action result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResponseResult {
    pub kind: u8,
    pub result: u8,
}

/// A DLMS APDU as GBCS uses it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DlmsApdu {
    /// `D9`: the requests of a command and their data.
    AccessRequest {
        long_invoke_id: u32,
        date_time: Vec<u8>,
        specifications: Vec<RequestSpecification>,
        data: Vec<Data>,
    },
    /// `DA`: a response's data and results.
    AccessResponse {
        long_invoke_id: u32,
        date_time: Vec<u8>,
        /// Echoed request specifications (`01 …`), absent (`00`) in GBCS responses.
        specifications: Option<Vec<RequestSpecification>>,
        data: Vec<Data>,
        results: Vec<ResponseResult>,
    },
    /// `0F`: an alert's notification body.
    DataNotification {
        long_invoke_id: u32,
        date_time: Vec<u8>,
        body: Data,
    },
}

impl DlmsApdu {
    /// Decodes a whole DLMS payload.
    pub fn parse(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut reader = Reader::new(bytes);
        let apdu = match reader.byte("DLMS tag")? {
            ACCESS_REQUEST => Self::decode_access_request(&mut reader)?,
            ACCESS_RESPONSE => Self::decode_access_response(&mut reader)?,
            DATA_NOTIFICATION => Self::DataNotification {
                long_invoke_id: u32::from_be_bytes(reader.array("long-invoke-id")?),
                date_time: reader.length_prefixed("date-time")?.to_vec(),
                body: Data::decode(&mut reader, 0)?,
            },
            other => return Err(DecodeError::UnknownDlmsTag(other)),
        };
        if !reader.is_empty() {
            return Err(DecodeError::TrailingBytes(reader.remaining()));
        }
        Ok(apdu)
    }

    fn decode_access_request(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let long_invoke_id = u32::from_be_bytes(reader.array("long-invoke-id")?);
        let date_time = reader.length_prefixed("date-time")?.to_vec();
        let specifications = decode_specifications(reader)?;
        let data = decode_data_list(reader)?;
        Ok(Self::AccessRequest {
            long_invoke_id,
            date_time,
            specifications,
            data,
        })
    }

    fn decode_access_response(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let long_invoke_id = u32::from_be_bytes(reader.array("long-invoke-id")?);
        let date_time = reader.length_prefixed("date-time")?.to_vec();
        let specifications = match reader.byte("access-request specification presence")? {
            0 => None,
            1 => Some(decode_specifications(reader)?),
            other => {
                return Err(DecodeError::Unexpected {
                    what: "access-request specification presence",
                    expected: 0,
                    found: other,
                })
            }
        };
        let data = decode_data_list(reader)?;
        let count = reader.length("access-response specification count")?;
        if count > reader.remaining() {
            return Err(DecodeError::Truncated {
                what: "access-response specification",
            });
        }
        let mut results = Vec::with_capacity(count);
        for _ in 0..count {
            results.push(ResponseResult {
                kind: reader.byte("access-response specification")?,
                result: reader.byte("result")?,
            });
        }
        Ok(Self::AccessResponse {
            long_invoke_id,
            date_time,
            specifications,
            data,
            results,
        })
    }

    /// The encoding; `parse` then `encode` gives back the received bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match self {
            Self::AccessRequest {
                long_invoke_id,
                date_time,
                specifications,
                data,
            } => {
                out.push(ACCESS_REQUEST);
                encode_invoke_id_and_date_time(&mut out, *long_invoke_id, date_time);
                encode_specifications(&mut out, specifications);
                encode_data_list(&mut out, data);
            }
            Self::AccessResponse {
                long_invoke_id,
                date_time,
                specifications,
                data,
                results,
            } => {
                out.push(ACCESS_RESPONSE);
                encode_invoke_id_and_date_time(&mut out, *long_invoke_id, date_time);
                match specifications {
                    None => out.push(0),
                    Some(specifications) => {
                        out.push(1);
                        encode_specifications(&mut out, specifications);
                    }
                }
                encode_data_list(&mut out, data);
                write_length(&mut out, results.len());
                for result in results {
                    out.extend_from_slice(&[result.kind, result.result]);
                }
            }
            Self::DataNotification {
                long_invoke_id,
                date_time,
                body,
            } => {
                out.push(DATA_NOTIFICATION);
                encode_invoke_id_and_date_time(&mut out, *long_invoke_id, date_time);
                body.encode_into(&mut out);
            }
        }
        out
    }

    /// The long-invoke-id (`0x20 << 24 | counter & 0xFFFFFF` in GBCS).
    pub fn long_invoke_id(&self) -> u32 {
        match self {
            Self::AccessRequest { long_invoke_id, .. }
            | Self::AccessResponse { long_invoke_id, .. }
            | Self::DataNotification { long_invoke_id, .. } => *long_invoke_id,
        }
    }
}

fn decode_specifications(
    reader: &mut Reader<'_>,
) -> Result<Vec<RequestSpecification>, DecodeError> {
    let count = reader.length("access-request specification count")?;
    if count > reader.remaining() {
        return Err(DecodeError::Truncated {
            what: "access-request specifications",
        });
    }
    let mut specifications = Vec::with_capacity(count);
    for _ in 0..count {
        specifications.push(RequestSpecification::decode(reader)?);
    }
    Ok(specifications)
}

fn decode_data_list(reader: &mut Reader<'_>) -> Result<Vec<Data>, DecodeError> {
    let count = reader.length("data count")?;
    if count > reader.remaining() {
        return Err(DecodeError::Truncated { what: "data list" });
    }
    let mut data = Vec::with_capacity(count);
    for _ in 0..count {
        data.push(Data::decode(reader, 0)?);
    }
    Ok(data)
}

fn encode_invoke_id_and_date_time(out: &mut Vec<u8>, long_invoke_id: u32, date_time: &[u8]) {
    out.extend_from_slice(&long_invoke_id.to_be_bytes());
    write_length(out, date_time.len());
    out.extend_from_slice(date_time);
}

fn encode_specifications(out: &mut Vec<u8>, specifications: &[RequestSpecification]) {
    write_length(out, specifications.len());
    for specification in specifications {
        specification.encode_into(out);
    }
}

fn encode_data_list(out: &mut Vec<u8>, data: &[Data]) {
    write_length(out, data.len());
    for datum in data {
        datum.encode_into(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn ecs52_command_and_response_round_trip() {
        let command = unhex("D9200003E800010100010000000201FF020100");
        let parsed = DlmsApdu::parse(&command).unwrap();
        assert!(matches!(
            &parsed,
            DlmsApdu::AccessRequest { specifications, .. }
                if specifications == &[RequestSpecification::Get(CosemReference {
                    class_id: 1, obis: [0, 0, 0, 2, 1, 0xFF], index: 2 })]
        ));
        assert_eq!(parsed.encode(), command);
        let response = unhex("DA200003E800000109040123ABCD010100");
        let parsed = DlmsApdu::parse(&response).unwrap();
        assert_eq!(parsed.encode(), response);
        assert_eq!(parsed.long_invoke_id(), 0x2000_03E8);
    }

    #[test]
    fn lying_counts_and_deep_nesting_are_errors() {
        assert!(Data::parse(&[0x01, 0x84, 0xFF, 0xFF, 0xFF, 0xFF]).is_err());
        let deep: Vec<u8> = std::iter::repeat_n([0x02, 0x01], 100).flatten().collect();
        assert_eq!(Data::parse(&deep), Err(DecodeError::TooDeep));
    }
}
