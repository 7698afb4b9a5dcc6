//! The instructions of a future-dated command: what a device executes at the command's time
//! and reports, one Future Dated Execution Of Instruction alert (0x8F66, or 0x8F67 when not
//! actioned) each. DUIS numbers them (`InstructionNumber` of `TotalCommandInstructions`) in the
//! `FutureDatedDeviceAlertMessage` the user gets for each alert.
//!
//! RTDS's devices report, in command order: for a DLMS command, each attribute set to an
//! activation date-time (ECS01a's calendar, special days, price matrix, unit charges and
//! thresholds: six alerts); for a GBZ command, each publish or command it carries, its parts
//! counted once (GCS01a's Publish Calendar, whose day, week and season profiles are not reported
//! apart, Special Days, Tariff Information, Block Thresholds and Price Matrix: five alerts).

use crate::alert::AlertDetails;
use crate::asn1::{tag, DerReader};
use crate::dlms::{CosemReference, Data, DlmsApdu, RequestSpecification};
use crate::gbz::GbzPayload;
use crate::zcl_commands::CALENDAR;

/// One instruction of a future-dated command, as its outcome alert names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Instruction {
    /// A COSEM attribute holding an activation date-time.
    Dlms(CosemReference),
    /// A ZCL cluster command.
    Gbz { cluster: u16, command_id: u8 },
    /// The whole command: one that is neither DLMS nor GBZ (CS02b and CS02g's ASN.1 update
    /// of security credentials, reported with its execution outcome).
    Whole,
}

/// A COSEM date-time (an octet string of 12 octets).
const DATE_TIME_OCTETS: usize = 12;

/// The calendar cluster's Publish Day Profile, Publish Week Profile and Publish Seasons: parts
/// of the Publish Calendar a device reports.
const CALENDAR_PARTS: std::ops::RangeInclusive<u8> = 0x01..=0x03;

/// The instructions of a command `payload`, in the order the command gives them: of a DLMS
/// access request or a GBZ payload as the module says; any other command is one instruction.
pub fn instructions(payload: &[u8]) -> Vec<Instruction> {
    if let Ok(DlmsApdu::AccessRequest {
        specifications,
        data,
        ..
    }) = DlmsApdu::parse(payload)
    {
        return specifications
            .iter()
            .zip(&data)
            .filter_map(|(specification, value)| match (specification, value) {
                (RequestSpecification::Set(reference), Data::OctetString(octets))
                    if octets.len() == DATE_TIME_OCTETS =>
                {
                    Some(Instruction::Dlms(*reference))
                }
                _ => None,
            })
            .collect();
    }
    let Ok(gbz) = GbzPayload::parse(payload) else {
        return vec![Instruction::Whole];
    };
    let mut instructions = Vec::new();
    for component in &gbz.components {
        if component.cluster == CALENDAR && CALENDAR_PARTS.contains(&component.command_id) {
            continue;
        }
        let instruction = Instruction::Gbz {
            cluster: component.cluster,
            command_id: component.command_id,
        };
        if !instructions.contains(&instruction) {
            instructions.push(instruction);
        }
    }
    instructions
}

impl AlertDetails {
    /// The instruction a future-dated outcome alert (0x8F66, 0x8F67) reports (an execution
    /// outcome reports its whole command); `None` for other details.
    pub fn future_dated_instruction(&self) -> Option<Instruction> {
        match self {
            AlertDetails::FutureDatedDlms { target, .. } => Some(Instruction::Dlms(*target)),
            AlertDetails::FutureDatedGbz {
                cluster,
                command_id,
                ..
            } => Some(Instruction::Gbz {
                cluster: *cluster,
                command_id: *command_id,
            }),
            AlertDetails::ExecutionOutcome(_) => Some(Instruction::Whole),
            _ => None,
        }
    }

    /// The counter of the future-dated command a future-dated outcome alert reports on: the
    /// one it names; for a firmware activation's (CS06: the originator counter, then the
    /// execution outcome) its first integer; for a credentials update's (CS02b, CS02g: the
    /// execution outcome) the outcome's authorising sequence number. `None` for other details
    /// or an outcome that does not read.
    pub fn future_dated_counter(&self) -> Option<u64> {
        match self {
            AlertDetails::FutureDatedDlms { counter, .. }
            | AlertDetails::FutureDatedGbz { counter, .. } => Some(*counter),
            AlertDetails::ExecutionOutcome(outcome) => match outcome.first() {
                Some(&tag::INTEGER) => DerReader::new(outcome).integer("originator counter").ok(),
                _ => DerReader::whole_element(outcome, tag::SEQUENCE, "execution outcome")
                    .and_then(|mut outcome| outcome.integer("authorising seq number"))
                    .ok(),
            },
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gbz::{ComponentBody, GbzComponent};

    fn component(cluster: u16, command_id: u8) -> GbzComponent {
        GbzComponent {
            control: 0,
            cluster,
            from_date_time: None,
            frame_control: 0x09,
            sequence_number: 0,
            command_id,
            body: ComponentBody::Plain(vec![0; 8]),
        }
    }

    #[test]
    fn a_gbz_command_reports_each_publish_once_and_the_calendar_as_one() {
        let payload = GbzPayload {
            components: vec![
                component(0x0707, 0x00),
                component(0x0707, 0x01),
                component(0x0707, 0x02),
                component(0x0707, 0x03),
                component(0x0707, 0x04),
                component(0x0700, 0x04),
                component(0x0700, 0x06),
                component(0x0700, 0x05),
                component(0x0700, 0x05),
            ],
        }
        .encode();
        let gbz = |cluster, command_id| Instruction::Gbz {
            cluster,
            command_id,
        };
        assert_eq!(
            instructions(&payload),
            [
                gbz(0x0707, 0x00),
                gbz(0x0707, 0x04),
                gbz(0x0700, 0x04),
                gbz(0x0700, 0x06),
                gbz(0x0700, 0x05),
            ]
        );
    }

    #[test]
    fn a_command_neither_dlms_nor_gbz_is_one_instruction() {
        assert_eq!(instructions(&[0x30, 0x00]), [Instruction::Whole]);
        assert_eq!(instructions(&[]), [Instruction::Whole]);
    }
}
