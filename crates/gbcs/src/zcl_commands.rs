//! The cluster-specific ZCL commands of GBCS's GBZ payloads (Smart Energy: price, metering,
//! messaging, prepayment, calendar, device management, events): each command's fields as
//! data, so any payload decodes to typed values and encodes back byte for byte.
//!
//! A command is a list of fields, optionally followed by a repeated record (schedule entries,
//! log entries) that fills the rest of the payload; some end with a payload whose layout
//! depends on an earlier field (snapshots), kept as raw bytes.

use crate::ber::Reader;
use crate::error::DecodeError;
use crate::zcl::{data_type, ZclValue};

/// The type of one field of a cluster command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    Uint8,
    Uint16,
    Uint24,
    Uint32,
    Int32,
    Bitmap8,
    Bitmap16,
    Bitmap32,
    Enum8,
    /// UTC seconds since 2000.
    UtcTime,
    /// A ZCL date: year − 1900, month, day, day of week.
    Date,
    /// A ZCL octet string (length byte, then the bytes).
    OctetString,
    /// The rest of the payload, kept as bytes.
    Rest,
}

impl FieldType {
    /// The ZCL data type the field is carried as.
    pub fn data_type(self) -> u8 {
        match self {
            Self::Uint8 => data_type::UINT8,
            Self::Uint16 => data_type::UINT16,
            Self::Uint24 => data_type::UINT24,
            Self::Uint32 => data_type::UINT32,
            Self::Int32 => data_type::INT32,
            Self::Bitmap8 => data_type::BITMAP8,
            Self::Bitmap16 => data_type::BITMAP16,
            Self::Bitmap32 => data_type::BITMAP32,
            Self::Enum8 => data_type::ENUM8,
            Self::UtcTime => data_type::UTC_TIME,
            Self::Date => data_type::DATE,
            Self::OctetString => data_type::OCTET_STRING,
            Self::Rest => data_type::LONG_OCTET_STRING,
        }
    }
}

/// The fields of one cluster command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CommandLayout {
    pub cluster: u16,
    /// Sent by the cluster's server (the meter, or the DCC publishing as a price server).
    pub from_server: bool,
    pub command_id: u8,
    pub name: &'static str,
    pub fields: &'static [FieldType],
    /// A record repeated until the payload ends.
    pub repeated: &'static [FieldType],
}

/// A decoded cluster command: its fields and its repeated records.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClusterCommand {
    pub fields: Vec<ZclValue>,
    pub records: Vec<Vec<ZclValue>>,
}

use FieldType::{
    Bitmap16, Bitmap32, Bitmap8, Date, Enum8, Int32, OctetString, Rest, Uint16, Uint24, Uint32,
    Uint8, UtcTime,
};

const fn command(
    cluster: u16,
    from_server: bool,
    command_id: u8,
    name: &'static str,
    fields: &'static [FieldType],
    repeated: &'static [FieldType],
) -> CommandLayout {
    CommandLayout {
        cluster,
        from_server,
        command_id,
        name,
        fields,
        repeated,
    }
}

/// The price cluster.
pub const PRICE: u16 = 0x0700;
/// The metering cluster.
pub const METERING: u16 = 0x0702;
/// The messaging cluster.
pub const MESSAGING: u16 = 0x0703;
/// The prepayment cluster.
pub const PREPAYMENT: u16 = 0x0705;
/// The calendar cluster.
pub const CALENDAR: u16 = 0x0707;
/// The device management cluster.
pub const DEVICE_MANAGEMENT: u16 = 0x0708;
/// The events cluster.
pub const EVENTS: u16 = 0x0709;

/// Every cluster command GBCS uses whose fields are known here.
#[rustfmt::skip]
pub const COMMANDS: &[CommandLayout] = &[
    // Price, from the server.
    command(PRICE, true, 0x09, "Publish Billing Period", &[Uint32, Uint32, UtcTime, Uint24, Bitmap8, Enum8], &[]),
    // Price, from the client.
    command(PRICE, false, 0x0B, "Get Billing Period", &[UtcTime, Uint32, Uint8, Bitmap8], &[]),
    // Metering, from the server.
    command(METERING, true, 0x06, "Publish Snapshot", &[Uint32, UtcTime, Uint8, Uint8, Uint8, Bitmap32, Enum8, Rest], &[]),
    command(METERING, true, 0x07, "Get Sampled Data Response", &[Uint16, UtcTime, Enum8, Uint16, Uint16], &[Uint24]),
    command(METERING, true, 0x0C, "Supply Status Response", &[Uint32, Uint32, UtcTime, Uint8], &[]),
    command(METERING, true, 0x0D, "Start Sampling Response", &[Uint16], &[]),
    // Metering, from the client.
    command(METERING, false, 0x06, "Get Snapshot", &[UtcTime, UtcTime, Uint8, Bitmap32], &[]),
    command(METERING, false, 0x07, "Start Sampling", &[Uint32, UtcTime, Enum8, Uint16, Uint16], &[]),
    command(METERING, false, 0x08, "Get Sampled Data", &[Uint16, UtcTime, Enum8, Uint16], &[]),
    command(METERING, false, 0x0B, "Change Supply", &[Uint32, Uint32, UtcTime, UtcTime, Enum8, Bitmap8], &[]),
    // Prepayment, from the server.
    command(PREPAYMENT, true, 0x01, "Publish Prepay Snapshot", &[Uint32, UtcTime, Uint8, Uint8, Uint8, Bitmap32, Enum8, Rest], &[]),
    command(PREPAYMENT, true, 0x02, "Change Payment Mode Response", &[Bitmap8, Uint32, Uint32, Uint32], &[]),
    command(PREPAYMENT, true, 0x03, "Consumer Top Up Response", &[Enum8, Int32, Enum8, Int32], &[]),
    command(PREPAYMENT, true, 0x05, "Publish Top Up Log", &[Uint8, Uint8], &[OctetString, Int32, UtcTime]),
    command(PREPAYMENT, true, 0x06, "Publish Debt Log", &[Uint8, Uint8], &[UtcTime, Uint32, Enum8, Uint32]),
    // Prepayment, from the client.
    command(PREPAYMENT, false, 0x04, "Consumer Top Up", &[Enum8, OctetString], &[]),
    command(PREPAYMENT, false, 0x05, "Credit Adjustment", &[Uint32, UtcTime, Enum8, Int32], &[]),
    command(PREPAYMENT, false, 0x06, "Change Payment Mode", &[Uint32, Uint32, UtcTime, Bitmap16, Int32], &[]),
    command(PREPAYMENT, false, 0x07, "Get Prepay Snapshot", &[UtcTime, UtcTime, Uint8, Bitmap32], &[]),
    command(PREPAYMENT, false, 0x08, "Get Top Up Log", &[UtcTime, Uint8], &[]),
    command(PREPAYMENT, false, 0x0A, "Get Debt Repayment Log", &[UtcTime, Uint8, Enum8], &[]),
    // Calendar, from the server (publishes, and answers to reads of them).
    command(CALENDAR, true, 0x01, "Publish Day Profile", &[Uint32, Uint32, Uint32, Uint8, Uint8, Uint8, Uint8, Enum8], &[Uint16, Uint8]),
    command(CALENDAR, true, 0x02, "Publish Week Profile", &[Uint32, Uint32, Uint32, Uint8, Uint8, Uint8, Uint8, Uint8, Uint8, Uint8, Uint8], &[]),
    command(CALENDAR, true, 0x03, "Publish Seasons", &[Uint32, Uint32, Uint32, Uint8, Uint8], &[Date, Uint8]),
    command(CALENDAR, true, 0x04, "Publish Special Days", &[Uint32, Uint32, Uint32, UtcTime, Enum8, Uint8, Uint8, Uint8], &[Date, Uint8]),
    // Calendar, from the client.
    command(CALENDAR, false, 0x01, "Get Day Profiles", &[Uint32, Uint32, Uint8, Uint8], &[]),
    command(CALENDAR, false, 0x02, "Get Week Profiles", &[Uint32, Uint32, Uint8, Uint8], &[]),
    command(CALENDAR, false, 0x03, "Get Seasons", &[Uint32, Uint32], &[]),
    command(CALENDAR, false, 0x04, "Get Special Days", &[UtcTime, Uint8, Uint8, Uint32, Uint32], &[]),
    // Device management, from the server (the DCC asking).
    command(DEVICE_MANAGEMENT, true, 0x05, "Get Event Configuration", &[Uint16], &[]),
    // Device management, from the client (the meter reporting).
    command(DEVICE_MANAGEMENT, false, 0x04, "Report Event Configuration", &[Uint8, Uint8], &[Uint16, Bitmap8]),
    // Events, from the server.
    command(EVENTS, true, 0x01, "Publish Event Log", &[Uint16, Uint8, Uint8, Bitmap8], &[Uint8, Uint16, UtcTime, OctetString]),
    command(EVENTS, true, 0x02, "Clear Event Log Response", &[Bitmap8], &[]),
    // Events, from the client.
    command(EVENTS, false, 0x00, "Get Event Log", &[Uint8, Uint16, UtcTime, UtcTime, Uint8, Uint16], &[]),
    command(EVENTS, false, 0x01, "Clear Event Log Request", &[Uint8], &[]),
];

/// The layout of a cluster command, if it is known here.
pub fn layout(cluster: u16, from_server: bool, command_id: u8) -> Option<&'static CommandLayout> {
    COMMANDS.iter().find(|layout| {
        layout.cluster == cluster
            && layout.from_server == from_server
            && layout.command_id == command_id
    })
}

fn width(field: FieldType) -> Option<usize> {
    Some(match field {
        Uint8 | Bitmap8 | Enum8 => 1,
        Uint16 | Bitmap16 => 2,
        Uint24 => 3,
        Uint32 | Int32 | Bitmap32 | UtcTime | Date => 4,
        OctetString | Rest => return None,
    })
}

fn read_field(field: FieldType, reader: &mut Reader<'_>) -> Result<ZclValue, DecodeError> {
    if let Some(width) = width(field) {
        return Ok(ZclValue::Fixed {
            data_type: field.data_type(),
            bytes: reader.bytes(width, "ZCL command field")?.to_vec(),
        });
    }
    let bytes = match field {
        OctetString => {
            let length = usize::from(reader.byte("ZCL octet string length")?);
            let length = if length == 0xFF { 0 } else { length };
            reader.bytes(length, "ZCL octet string")?.to_vec()
        }
        _ => reader.rest().to_vec(),
    };
    Ok(ZclValue::String {
        data_type: field.data_type(),
        bytes,
    })
}

fn write_field(field: FieldType, value: &ZclValue, out: &mut Vec<u8>) {
    match (field, value) {
        (Rest, ZclValue::String { bytes, .. }) => out.extend_from_slice(bytes),
        (_, value) => value.encode_value(out),
    }
}

impl CommandLayout {
    /// Decodes a payload of this command; never panics.
    pub fn decode(&self, payload: &[u8]) -> Result<ClusterCommand, DecodeError> {
        let mut reader = Reader::new(payload);
        let mut fields = Vec::with_capacity(self.fields.len());
        for field in self.fields {
            fields.push(read_field(*field, &mut reader)?);
        }
        let mut records = Vec::new();
        while !reader.is_empty() && !self.repeated.is_empty() {
            let mut record = Vec::with_capacity(self.repeated.len());
            for field in self.repeated {
                record.push(read_field(*field, &mut reader)?);
            }
            records.push(record);
        }
        if !reader.is_empty() {
            return Err(DecodeError::TrailingBytes(reader.remaining()));
        }
        Ok(ClusterCommand { fields, records })
    }

    /// Encodes values of this command's fields and records.
    pub fn encode(&self, command: &ClusterCommand) -> Vec<u8> {
        let mut out = Vec::new();
        for (field, value) in self.fields.iter().zip(&command.fields) {
            write_field(*field, value, &mut out);
        }
        for record in &command.records {
            for (field, value) in self.repeated.iter().zip(record) {
                write_field(*field, value, &mut out);
            }
        }
        out
    }
}

/// A field's unsigned value.
pub fn unsigned(field: FieldType, value: u64) -> ZclValue {
    ZclValue::unsigned(field.data_type(), value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip_and_records_repeat() {
        let layout = layout(EVENTS, true, 0x01).unwrap();
        let payload = [
            0x02, 0x00, 0x00, 0x01, 0x00, // total, index, commands, control
            0x01, 0x0D, 0x81, 0x00, 0x4A, 0x37, 0x1C, 0x00, // one record, empty data
            0x01, 0x0E, 0x81, 0x00, 0x4A, 0x37, 0x1C, 0x02, 0xAA, 0xBB,
        ];
        let decoded = layout.decode(&payload).unwrap();
        assert_eq!(decoded.records.len(), 2);
        assert_eq!(layout.encode(&decoded), payload);
        assert!(layout.decode(&payload[..payload.len() - 1]).is_err());
        assert!(super::layout(EVENTS, true, 0x7F).is_none());
    }
}
