//! GBZ payloads of the configuration use cases for ZigBee devices (GSME, GPF, PPMID, HCALCS):
//! ZigBee Smart Energy cluster-specific commands in GBZ components. Each payload is written
//! field by field with [`ZclFields`] (little-endian, as ZCL has it); the components are
//! numbered 0, 1, 2… as GBCS numbers them.

use gbcs::gbz::{ComponentBody, GbzComponent, GbzPayload};
use gbcs::zcl::{DIRECTION_SERVER_TO_CLIENT, FRAME_TYPE_CLUSTER_SPECIFIC};

use super::values::zigbee_utc_time;
use crate::rejection::Rejection;
use crate::services::CommandContext;

/// ZigBee clusters the configuration use cases address.
pub mod cluster {
    pub const BASIC: u16 = 0x0000;
    pub const PRICE: u16 = 0x0700;
    pub const METERING: u16 = 0x0702;
    pub const MESSAGING: u16 = 0x0703;
    pub const PREPAYMENT: u16 = 0x0705;
    pub const DEVICE_MANAGEMENT: u16 = 0x0708;
    pub const EVENTS: u16 = 0x0709;
}

/// Frame control of a command the server side publishes (Price, Messaging, Device Management):
/// cluster specific, server to client.
pub const PUBLISHED: u8 = FRAME_TYPE_CLUSTER_SPECIFIC | DIRECTION_SERVER_TO_CLIENT;
/// Frame control of a command to the server side (Metering, Events): cluster specific, client
/// to server.
pub const TO_SERVER: u8 = FRAME_TYPE_CLUSTER_SPECIFIC;

/// A ZCL payload written field by field.
#[derive(Debug, Default)]
pub struct ZclFields(Vec<u8>);

impl ZclFields {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn u8(mut self, value: u8) -> Self {
        self.0.push(value);
        self
    }

    pub fn u16(mut self, value: u16) -> Self {
        self.0.extend_from_slice(&value.to_le_bytes());
        self
    }

    pub fn u24(mut self, value: u32) -> Self {
        self.0.extend_from_slice(&value.to_le_bytes()[..3]);
        self
    }

    pub fn u32(mut self, value: u32) -> Self {
        self.0.extend_from_slice(&value.to_le_bytes());
        self
    }

    /// A ZCL octet or character string: a length byte, then the bytes (callers keep to the
    /// schema's lengths, all under 255).
    pub fn string(mut self, bytes: &[u8]) -> Self {
        let length = u8::try_from(bytes.len()).unwrap_or(u8::MAX);
        self.0.push(length);
        self.0.extend_from_slice(&bytes[..usize::from(length)]);
        self
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

/// A plain GBZ component carrying a cluster-specific command.
pub fn cluster_command(
    cluster: u16,
    frame_control: u8,
    command_id: u8,
    payload: ZclFields,
) -> GbzComponent {
    GbzComponent {
        control: 0,
        cluster,
        from_date_time: None,
        frame_control,
        sequence_number: 0,
        command_id,
        body: ComponentBody::Plain(payload.into_bytes()),
    }
}

/// The encoded GBZ payload of the components, with ZCL sequence numbers 0, 1, 2… in order.
pub fn gbz(components: Vec<GbzComponent>) -> Vec<u8> {
    GbzPayload {
        components: components
            .into_iter()
            .zip(0u8..)
            .map(|(component, sequence_number)| GbzComponent {
                sequence_number,
                ..component
            })
            .collect(),
    }
    .encode()
}

/// The Issuer Event Id (and Message Id) the DCC gives a command: the time of the
/// transformation as ZigBee UTC time. Every RTDS GBZ command carries 0x1C374A80,
/// 2015-01-01T00:00:00Z, RTDS's clock: `dccsim duis transform --now 2015-01-01T00:00:00Z`
/// reproduces them.
pub fn issuer_event_id(context: &CommandContext) -> Result<u32, Rejection> {
    zigbee_utc_time(context.now, "the time of the transformation")
}
