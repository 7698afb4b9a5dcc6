//! GBZ payloads (GSME and GPF use cases): a profile header and ZCL command components.

use crate::ber::Reader;
use crate::error::DecodeError;

/// The GBZ profile id that opens every GBZ payload (`01 09`).
pub const GBZ_PROFILE_ID: u16 = 0x0109;

/// Component control bit: this is the last component.
pub const CONTROL_LAST: u8 = 0x01;
/// Component control bit: the ZCL payload is encrypted.
pub const CONTROL_ENCRYPTED: u8 = 0x02;
/// Component control bit: a from-date-time precedes the ZCL header.
pub const CONTROL_FROM_DATE_TIME: u8 = 0x10;

/// The ZCL payload of a component: plain, or a GBCS encrypted block (`31 00000000 ‖ ct ‖ tag`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ComponentBody {
    Plain(Vec<u8>),
    /// An encrypted ZCL payload, preceded on the wire by its 2-byte length and by a
    /// 2-byte additional header (control, frame counter).
    Encrypted {
        additional_header: [u8; 2],
        block: Vec<u8>,
    },
}

/// One GBZ component: a ZCL command on a cluster.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GbzComponent {
    /// Extended header control; the last and encrypted bits are kept in step with the
    /// component's position and body when encoding.
    pub control: u8,
    pub cluster: u16,
    /// The from-date-time (4 bytes), in plain components whose control has bit 4.
    pub from_date_time: Option<[u8; 4]>,
    pub frame_control: u8,
    pub sequence_number: u8,
    pub command_id: u8,
    pub body: ComponentBody,
}

/// A GBZ payload of a command or response: profile id and components.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GbzPayload {
    pub components: Vec<GbzComponent>,
}

impl GbzComponent {
    fn encode_into(&self, out: &mut Vec<u8>, last: bool) {
        let mut control =
            self.control & !(CONTROL_LAST | CONTROL_ENCRYPTED | CONTROL_FROM_DATE_TIME);
        if last {
            control |= CONTROL_LAST;
        }
        let mut content = Vec::new();
        match &self.body {
            ComponentBody::Encrypted {
                additional_header, ..
            } => {
                control |= CONTROL_ENCRYPTED;
                content.extend_from_slice(additional_header);
            }
            ComponentBody::Plain(_) => {
                if let Some(from) = &self.from_date_time {
                    control |= CONTROL_FROM_DATE_TIME;
                    content.extend_from_slice(from);
                }
            }
        }
        content.extend_from_slice(&[self.frame_control, self.sequence_number, self.command_id]);
        match &self.body {
            ComponentBody::Plain(payload) => content.extend_from_slice(payload),
            ComponentBody::Encrypted { block, .. } => {
                content.extend_from_slice(&(block.len() as u16).to_be_bytes());
                content.extend_from_slice(block);
            }
        }
        out.push(control);
        out.extend_from_slice(&self.cluster.to_be_bytes());
        out.extend_from_slice(&(content.len() as u16).to_be_bytes());
        out.extend_from_slice(&content);
    }

    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let control = reader.byte("GBZ component control")?;
        let cluster = reader.u16("GBZ cluster")?;
        let length = usize::from(reader.u16("GBZ component length")?);
        let mut content = Reader::new(reader.bytes(length, "GBZ component")?);
        let encrypted = control & CONTROL_ENCRYPTED != 0;
        if encrypted && control & CONTROL_FROM_DATE_TIME != 0 {
            // An encrypted component carries no from-date-time: the bit cannot round-trip.
            return Err(DecodeError::Unexpected {
                what: "GBZ component control (encrypted with a from-date-time)",
                expected: control & !CONTROL_FROM_DATE_TIME,
                found: control,
            });
        }
        let mut additional_header = [0u8; 2];
        let mut from_date_time = None;
        if encrypted {
            additional_header = content.array("GBZ additional header")?;
        } else if control & CONTROL_FROM_DATE_TIME != 0 {
            from_date_time = Some(content.array("GBZ from date-time")?);
        }
        let frame_control = content.byte("ZCL frame control")?;
        let sequence_number = content.byte("ZCL sequence number")?;
        let command_id = content.byte("ZCL command id")?;
        let body = if encrypted {
            let block_length = usize::from(content.u16("ciphered information length")?);
            let block = content
                .bytes(block_length, "ciphered information")?
                .to_vec();
            if !content.is_empty() {
                return Err(DecodeError::TrailingBytes(content.remaining()));
            }
            ComponentBody::Encrypted {
                additional_header,
                block,
            }
        } else {
            ComponentBody::Plain(content.rest().to_vec())
        };
        Ok(Self {
            control,
            cluster,
            from_date_time,
            frame_control,
            sequence_number,
            command_id,
            body,
        })
    }
}

impl GbzPayload {
    /// Decodes a command or response GBZ payload (not an alert).
    pub fn parse(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut reader = Reader::new(bytes);
        let profile = reader.u16("GBZ profile id")?;
        if profile != GBZ_PROFILE_ID {
            return Err(DecodeError::Unexpected {
                what: "GBZ profile id",
                expected: 0x09,
                found: profile as u8,
            });
        }
        let count = reader.byte("GBZ component count")?;
        let mut components = Vec::with_capacity(usize::from(count));
        for index in 0..count {
            let component = GbzComponent::decode(&mut reader)?;
            // The last-component bit is set on the last component and on no other.
            let last = index + 1 == count;
            if (component.control & CONTROL_LAST != 0) != last {
                return Err(DecodeError::Unexpected {
                    what: "GBZ component control (last-component bit)",
                    expected: component.control ^ CONTROL_LAST,
                    found: component.control,
                });
            }
            components.push(component);
        }
        if !reader.is_empty() {
            return Err(DecodeError::TrailingBytes(reader.remaining()));
        }
        Ok(Self { components })
    }

    /// Encodes the payload; the last component gets the last bit.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = GBZ_PROFILE_ID.to_be_bytes().to_vec();
        out.push(self.components.len() as u8);
        let count = self.components.len();
        for (index, component) in self.components.iter().enumerate() {
            component.encode_into(&mut out, index + 1 == count);
        }
        out
    }

    /// The encrypted blocks of the payload, in order.
    pub fn encrypted_blocks(&self) -> impl Iterator<Item = &[u8]> {
        self.components
            .iter()
            .filter_map(|component| match &component.body {
                ComponentBody::Encrypted { block, .. } => Some(block.as_slice()),
                ComponentBody::Plain(_) => None,
            })
    }
}

/// A ZCL Read Attributes command component (client to server) for these attribute ids.
pub fn read_attributes(cluster: u16, attributes: &[u16]) -> GbzComponent {
    let payload = attributes.iter().flat_map(|id| id.to_le_bytes()).collect();
    GbzComponent {
        control: 0,
        cluster,
        from_date_time: None,
        frame_control: 0x00,
        sequence_number: 0x00,
        command_id: 0x00,
        body: ComponentBody::Plain(payload),
    }
}

/// A ZCL Read Attributes Response component (server to client) with an encrypted payload.
pub fn encrypted_read_attributes_response(cluster: u16, block: Vec<u8>) -> GbzComponent {
    GbzComponent {
        control: 0,
        cluster,
        from_date_time: None,
        frame_control: 0x18,
        sequence_number: 0x00,
        command_id: 0x01,
        body: ComponentBody::Encrypted {
            additional_header: [0, 0],
            block,
        },
    }
}
