//! The ZigBee Smart Energy clusters of GBCS's GBZ use cases (GSME, GPF): cluster and attribute
//! ids, the cluster-specific commands a remote party sends to read logs, sample data, calendars
//! and prices or change the supply, and [`CommandPayload`], which numbers a command's ZCL
//! requests into a [`GbzPayload`]. Multi-byte fields are little-endian; times are ZigBee
//! `UTCTime`: seconds since 2000-01-01T00:00:00Z.
//!
//! ```
//! use gbcs::zse::requests::{cluster, metering, ClusterCommand, CommandPayload, ZclRequest};
//!
//! let payload = CommandPayload::new()
//!     .with(ZclRequest::read_attributes(cluster::METERING, &[metering::CURRENT_SUMMATION_DELIVERED]))
//!     .with(ZclRequest::command(ClusterCommand::GetCurrentPrice { command_options: 0 }))
//!     .encode();
//! assert_eq!(payload[..3], [0x01, 0x09, 0x02]);
//! ```

use crate::ber::Reader;
use crate::error::DecodeError;
use crate::gbz::{ComponentBody, GbzComponent, GbzPayload};
use crate::zcl::{GeneralCommand, FRAME_TYPE_CLUSTER_SPECIFIC, FRAME_TYPE_GENERAL};

/// Cluster ids.
pub mod cluster {
    pub const BASIC: u16 = 0x0000;
    pub const PRICE: u16 = 0x0700;
    pub const METERING: u16 = 0x0702;
    pub const MESSAGING: u16 = 0x0703;
    pub const PREPAYMENT: u16 = 0x0705;
    pub const CALENDAR: u16 = 0x0707;
    pub const DEVICE_MANAGEMENT: u16 = 0x0708;
}

/// Metering cluster attributes GBCS reads.
pub mod metering {
    pub const CURRENT_SUMMATION_DELIVERED: u16 = 0x0000;
    pub const SUPPLY_STATUS: u16 = 0x0014;
    pub const CURRENT_TIER_1_SUMMATION_DELIVERED: u16 = 0x0100;
    pub const CURRENT_TIER_2_SUMMATION_DELIVERED: u16 = 0x0102;
    pub const CURRENT_TIER_3_SUMMATION_DELIVERED: u16 = 0x0104;
    pub const CURRENT_TIER_4_SUMMATION_DELIVERED: u16 = 0x0106;
    /// GBCS: the battery's remaining life, in days.
    pub const REMAINING_BATTERY_LIFE_IN_DAYS: u16 = 0x0205;
    /// GBCS holds the GSME firmware version here.
    pub const CURRENT_METER_ID: u16 = 0x0206;
    pub const UNIT_OF_MEASURE: u16 = 0x0300;
    pub const MULTIPLIER: u16 = 0x0301;
    pub const DIVISOR: u16 = 0x0302;
    pub const CURRENT_NO_TIER_BLOCK_1_SUMMATION_DELIVERED: u16 = 0x0700;
    pub const CURRENT_NO_TIER_BLOCK_2_SUMMATION_DELIVERED: u16 = 0x0701;
    pub const CURRENT_NO_TIER_BLOCK_3_SUMMATION_DELIVERED: u16 = 0x0702;
    pub const CURRENT_NO_TIER_BLOCK_4_SUMMATION_DELIVERED: u16 = 0x0703;
    pub const BILL_TO_DATE_DELIVERED: u16 = 0x0A00;

    /// Snapshot cause: general (daily snapshots).
    pub const SNAPSHOT_GENERAL: u32 = 0x0000_0001;
    /// Snapshot cause: end of a billing period.
    pub const SNAPSHOT_END_OF_BILLING_PERIOD: u32 = 0x0000_0002;
    /// Snapshot cause: change of tariff information.
    pub const SNAPSHOT_CHANGE_OF_TARIFF_INFORMATION: u32 = 0x0000_0008;
    /// Snapshot cause: change of mode from credit to prepayment.
    pub const SNAPSHOT_CREDIT_TO_PREPAYMENT: u32 = 0x0000_2000;
    /// Snapshot cause: change of mode from prepayment to credit.
    pub const SNAPSHOT_PREPAYMENT_TO_CREDIT: u32 = 0x0000_4000;

    /// Sample type: consumption delivered.
    pub const SAMPLE_CONSUMPTION_DELIVERED: u8 = 0x00;

    /// Proposed supply status: off.
    pub const SUPPLY_OFF: u8 = 0x00;
    /// Proposed supply status: off and armed (the consumer may turn it on).
    pub const SUPPLY_OFF_ARMED: u8 = 0x01;
    /// Proposed supply status: on.
    pub const SUPPLY_ON: u8 = 0x02;
    /// Supply control bits: acknowledge the change.
    pub const ACKNOWLEDGE_REQUIRED: u8 = 0x01;
}

/// Prepayment cluster attributes GBCS reads.
pub mod prepayment {
    pub const CREDIT_REMAINING: u16 = 0x0001;
    pub const EMERGENCY_CREDIT_REMAINING: u16 = 0x0002;
    pub const ACCUMULATED_DEBT: u16 = 0x0005;
    pub const OVERALL_DEBT_CAP: u16 = 0x0006;
    pub const EMERGENCY_CREDIT_LIMIT_ALLOWANCE: u16 = 0x0010;
    pub const EMERGENCY_CREDIT_THRESHOLD: u16 = 0x0011;
    pub const MAXIMUM_CREDIT_LIMIT: u16 = 0x0021;
    pub const MAXIMUM_CREDIT_PER_TOP_UP: u16 = 0x0022;
    pub const LOW_CREDIT_WARNING_LEVEL: u16 = 0x0031;
    pub const CUT_OFF_VALUE: u16 = 0x0040;
    pub const DEBT_AMOUNT_1: u16 = 0x0211;
    pub const DEBT_RECOVERY_FREQUENCY_1: u16 = 0x0216;
    pub const DEBT_RECOVERY_AMOUNT_1: u16 = 0x0217;
    pub const DEBT_AMOUNT_2: u16 = 0x0221;
    pub const DEBT_RECOVERY_FREQUENCY_2: u16 = 0x0226;
    pub const DEBT_RECOVERY_AMOUNT_2: u16 = 0x0227;
    pub const DEBT_AMOUNT_3: u16 = 0x0231;
    pub const DEBT_RECOVERY_TOP_UP_PERCENTAGE_3: u16 = 0x0239;

    /// Debt type of a debt repayment log read: all debts.
    pub const ALL_DEBTS: u8 = 0x02;
}

/// Price cluster attributes GBCS reads (ZSE 1.4 numbering).
pub mod price {
    pub const BLOCK_1_THRESHOLD: u16 = 0x0100;
    pub const BLOCK_2_THRESHOLD: u16 = 0x0101;
    pub const BLOCK_3_THRESHOLD: u16 = 0x0102;
    pub const THRESHOLD_MULTIPLIER: u16 = 0x0202;
    pub const THRESHOLD_DIVISOR: u16 = 0x0203;
    pub const STANDING_CHARGE: u16 = 0x0301;
    pub const NO_TIER_BLOCK_1_PRICE: u16 = 0x0400;
    pub const NO_TIER_BLOCK_2_PRICE: u16 = 0x0401;
    pub const NO_TIER_BLOCK_3_PRICE: u16 = 0x0402;
    pub const NO_TIER_BLOCK_4_PRICE: u16 = 0x0403;
    pub const TIER_1_BLOCK_1_PRICE: u16 = 0x0410;
    pub const TIER_2_BLOCK_1_PRICE: u16 = 0x0420;
    pub const TIER_3_BLOCK_1_PRICE: u16 = 0x0430;
    pub const TIER_4_BLOCK_1_PRICE: u16 = 0x0440;
    pub const UNIT_OF_MEASURE: u16 = 0x0615;
    pub const CURRENCY: u16 = 0x0616;
    pub const PRICE_TRAILING_DIGIT: u16 = 0x0617;
}

/// Calendar cluster values GBCS uses.
pub mod calendar {
    /// Calendar type: the delivered (tariff) calendar.
    pub const DELIVERED: u8 = 0x00;
    /// Calendar type: the friendly credit calendar.
    pub const FRIENDLY_CREDIT: u8 = 0x03;
    /// Issuer calendar id of the tariff calendar in GBCS reads.
    pub const TARIFF_CALENDAR: u32 = 0xFFFF_FFFF;
    /// Issuer calendar id of the friendly credit calendar in GBCS reads.
    pub const FRIENDLY_CREDIT_CALENDAR: u32 = 0xFFFF_FFFE;
}

/// A cluster-specific command from a remote party to the meter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClusterCommand {
    /// Metering `GetSnapshot` (0x06): snapshots with a cause, taken between two times.
    GetSnapshot {
        earliest_start_time: u32,
        latest_end_time: u32,
        snapshot_offset: u8,
        snapshot_cause: u32,
    },
    /// Metering `StartSampling` (0x07).
    StartSampling {
        issuer_event_id: u32,
        start_sampling_time: u32,
        sample_type: u8,
        sample_request_interval: u16,
        maximum_number_of_samples: u16,
    },
    /// Metering `GetSampledData` (0x08).
    GetSampledData {
        sample_id: u16,
        earliest_sample_time: u32,
        sample_type: u8,
        number_of_samples: u16,
    },
    /// Metering `ChangeSupply` (0x0B).
    ChangeSupply {
        provider_id: u32,
        issuer_event_id: u32,
        request_date_time: u32,
        implementation_date_time: u32,
        proposed_supply_status: u8,
        supply_control_bits: u8,
    },
    /// Prepayment `GetPrepaySnapshot` (0x07): the prepayment counterpart of `GetSnapshot`.
    GetPrepaySnapshot {
        earliest_start_time: u32,
        latest_end_time: u32,
        snapshot_offset: u8,
        snapshot_cause: u32,
    },
    /// Prepayment `GetTopUpLog` (0x08).
    GetTopUpLog {
        latest_end_time: u32,
        number_of_records: u8,
    },
    /// Prepayment `GetDebtRepaymentLog` (0x0A).
    GetDebtRepaymentLog {
        latest_end_time: u32,
        number_of_debts: u8,
        debt_type: u8,
    },
    /// Price `GetCurrentPrice` (0x00).
    GetCurrentPrice { command_options: u8 },
    /// Calendar `GetDayProfiles` (0x01).
    GetDayProfiles {
        provider_id: u32,
        issuer_calendar_id: u32,
        start_day_id: u8,
        number_of_days: u8,
    },
    /// Calendar `GetWeekProfiles` (0x02).
    GetWeekProfiles {
        provider_id: u32,
        issuer_calendar_id: u32,
        start_week_id: u8,
        number_of_weeks: u8,
    },
    /// Calendar `GetSeasons` (0x03).
    GetSeasons {
        provider_id: u32,
        issuer_calendar_id: u32,
    },
    /// Calendar `GetSpecialDays` (0x04).
    GetSpecialDays {
        start_time: u32,
        number_of_events: u8,
        calendar_type: u8,
        provider_id: u32,
        issuer_calendar_id: u32,
    },
}

impl ClusterCommand {
    pub fn cluster(&self) -> u16 {
        match self {
            Self::GetSnapshot { .. }
            | Self::StartSampling { .. }
            | Self::GetSampledData { .. }
            | Self::ChangeSupply { .. } => cluster::METERING,
            Self::GetPrepaySnapshot { .. }
            | Self::GetTopUpLog { .. }
            | Self::GetDebtRepaymentLog { .. } => cluster::PREPAYMENT,
            Self::GetCurrentPrice { .. } => cluster::PRICE,
            Self::GetDayProfiles { .. }
            | Self::GetWeekProfiles { .. }
            | Self::GetSeasons { .. }
            | Self::GetSpecialDays { .. } => cluster::CALENDAR,
        }
    }

    pub fn command_id(&self) -> u8 {
        match self {
            Self::GetSnapshot { .. } => 0x06,
            Self::StartSampling { .. } => 0x07,
            Self::GetSampledData { .. } => 0x08,
            Self::ChangeSupply { .. } => 0x0B,
            Self::GetPrepaySnapshot { .. } => 0x07,
            Self::GetTopUpLog { .. } => 0x08,
            Self::GetDebtRepaymentLog { .. } => 0x0A,
            Self::GetCurrentPrice { .. } => 0x00,
            Self::GetDayProfiles { .. } => 0x01,
            Self::GetWeekProfiles { .. } => 0x02,
            Self::GetSeasons { .. } => 0x03,
            Self::GetSpecialDays { .. } => 0x04,
        }
    }

    /// The ZCL payload (after the ZCL header).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match *self {
            Self::GetSnapshot {
                earliest_start_time,
                latest_end_time,
                snapshot_offset,
                snapshot_cause,
            }
            | Self::GetPrepaySnapshot {
                earliest_start_time,
                latest_end_time,
                snapshot_offset,
                snapshot_cause,
            } => {
                out.extend_from_slice(&earliest_start_time.to_le_bytes());
                out.extend_from_slice(&latest_end_time.to_le_bytes());
                out.push(snapshot_offset);
                out.extend_from_slice(&snapshot_cause.to_le_bytes());
            }
            Self::StartSampling {
                issuer_event_id,
                start_sampling_time,
                sample_type,
                sample_request_interval,
                maximum_number_of_samples,
            } => {
                out.extend_from_slice(&issuer_event_id.to_le_bytes());
                out.extend_from_slice(&start_sampling_time.to_le_bytes());
                out.push(sample_type);
                out.extend_from_slice(&sample_request_interval.to_le_bytes());
                out.extend_from_slice(&maximum_number_of_samples.to_le_bytes());
            }
            Self::GetSampledData {
                sample_id,
                earliest_sample_time,
                sample_type,
                number_of_samples,
            } => {
                out.extend_from_slice(&sample_id.to_le_bytes());
                out.extend_from_slice(&earliest_sample_time.to_le_bytes());
                out.push(sample_type);
                out.extend_from_slice(&number_of_samples.to_le_bytes());
            }
            Self::ChangeSupply {
                provider_id,
                issuer_event_id,
                request_date_time,
                implementation_date_time,
                proposed_supply_status,
                supply_control_bits,
            } => {
                out.extend_from_slice(&provider_id.to_le_bytes());
                out.extend_from_slice(&issuer_event_id.to_le_bytes());
                out.extend_from_slice(&request_date_time.to_le_bytes());
                out.extend_from_slice(&implementation_date_time.to_le_bytes());
                out.extend_from_slice(&[proposed_supply_status, supply_control_bits]);
            }
            Self::GetTopUpLog {
                latest_end_time,
                number_of_records,
            } => {
                out.extend_from_slice(&latest_end_time.to_le_bytes());
                out.push(number_of_records);
            }
            Self::GetDebtRepaymentLog {
                latest_end_time,
                number_of_debts,
                debt_type,
            } => {
                out.extend_from_slice(&latest_end_time.to_le_bytes());
                out.extend_from_slice(&[number_of_debts, debt_type]);
            }
            Self::GetCurrentPrice { command_options } => out.push(command_options),
            Self::GetDayProfiles {
                provider_id,
                issuer_calendar_id,
                start_day_id: start,
                number_of_days: count,
            }
            | Self::GetWeekProfiles {
                provider_id,
                issuer_calendar_id,
                start_week_id: start,
                number_of_weeks: count,
            } => {
                out.extend_from_slice(&provider_id.to_le_bytes());
                out.extend_from_slice(&issuer_calendar_id.to_le_bytes());
                out.extend_from_slice(&[start, count]);
            }
            Self::GetSeasons {
                provider_id,
                issuer_calendar_id,
            } => {
                out.extend_from_slice(&provider_id.to_le_bytes());
                out.extend_from_slice(&issuer_calendar_id.to_le_bytes());
            }
            Self::GetSpecialDays {
                start_time,
                number_of_events,
                calendar_type,
                provider_id,
                issuer_calendar_id,
            } => {
                out.extend_from_slice(&start_time.to_le_bytes());
                out.extend_from_slice(&[number_of_events, calendar_type]);
                out.extend_from_slice(&provider_id.to_le_bytes());
                out.extend_from_slice(&issuer_calendar_id.to_le_bytes());
            }
        }
        out
    }

    /// Decodes command `command_id` of `cluster` sent to the meter; `None` for a command this
    /// module does not model.
    pub fn decode(
        cluster: u16,
        command_id: u8,
        payload: &[u8],
    ) -> Result<Option<Self>, DecodeError> {
        let mut reader = Reader::new(payload);
        let command = match (cluster, command_id) {
            (cluster::METERING, 0x06) | (cluster::PREPAYMENT, 0x07) => {
                let earliest_start_time = reader_u32(&mut reader, "earliest start time")?;
                let latest_end_time = reader_u32(&mut reader, "latest end time")?;
                let snapshot_offset = reader.byte("snapshot offset")?;
                let snapshot_cause = reader_u32(&mut reader, "snapshot cause")?;
                if cluster == cluster::METERING {
                    Self::GetSnapshot {
                        earliest_start_time,
                        latest_end_time,
                        snapshot_offset,
                        snapshot_cause,
                    }
                } else {
                    Self::GetPrepaySnapshot {
                        earliest_start_time,
                        latest_end_time,
                        snapshot_offset,
                        snapshot_cause,
                    }
                }
            }
            (cluster::METERING, 0x07) => Self::StartSampling {
                issuer_event_id: reader_u32(&mut reader, "issuer event id")?,
                start_sampling_time: reader_u32(&mut reader, "start sampling time")?,
                sample_type: reader.byte("sample type")?,
                sample_request_interval: reader_u16(&mut reader, "sample request interval")?,
                maximum_number_of_samples: reader_u16(&mut reader, "maximum number of samples")?,
            },
            (cluster::METERING, 0x08) => Self::GetSampledData {
                sample_id: reader_u16(&mut reader, "sample id")?,
                earliest_sample_time: reader_u32(&mut reader, "earliest sample time")?,
                sample_type: reader.byte("sample type")?,
                number_of_samples: reader_u16(&mut reader, "number of samples")?,
            },
            (cluster::METERING, 0x0B) => Self::ChangeSupply {
                provider_id: reader_u32(&mut reader, "provider id")?,
                issuer_event_id: reader_u32(&mut reader, "issuer event id")?,
                request_date_time: reader_u32(&mut reader, "request date-time")?,
                implementation_date_time: reader_u32(&mut reader, "implementation date-time")?,
                proposed_supply_status: reader.byte("proposed supply status")?,
                supply_control_bits: reader.byte("supply control bits")?,
            },
            (cluster::PREPAYMENT, 0x08) => Self::GetTopUpLog {
                latest_end_time: reader_u32(&mut reader, "latest end time")?,
                number_of_records: reader.byte("number of records")?,
            },
            (cluster::PREPAYMENT, 0x0A) => Self::GetDebtRepaymentLog {
                latest_end_time: reader_u32(&mut reader, "latest end time")?,
                number_of_debts: reader.byte("number of debts")?,
                debt_type: reader.byte("debt type")?,
            },
            (cluster::PRICE, 0x00) => Self::GetCurrentPrice {
                command_options: reader.byte("command options")?,
            },
            (cluster::CALENDAR, 0x01) => Self::GetDayProfiles {
                provider_id: reader_u32(&mut reader, "provider id")?,
                issuer_calendar_id: reader_u32(&mut reader, "issuer calendar id")?,
                start_day_id: reader.byte("start day id")?,
                number_of_days: reader.byte("number of days")?,
            },
            (cluster::CALENDAR, 0x02) => Self::GetWeekProfiles {
                provider_id: reader_u32(&mut reader, "provider id")?,
                issuer_calendar_id: reader_u32(&mut reader, "issuer calendar id")?,
                start_week_id: reader.byte("start week id")?,
                number_of_weeks: reader.byte("number of weeks")?,
            },
            (cluster::CALENDAR, 0x03) => Self::GetSeasons {
                provider_id: reader_u32(&mut reader, "provider id")?,
                issuer_calendar_id: reader_u32(&mut reader, "issuer calendar id")?,
            },
            (cluster::CALENDAR, 0x04) => Self::GetSpecialDays {
                start_time: reader_u32(&mut reader, "start time")?,
                number_of_events: reader.byte("number of events")?,
                calendar_type: reader.byte("calendar type")?,
                provider_id: reader_u32(&mut reader, "provider id")?,
                issuer_calendar_id: reader_u32(&mut reader, "issuer calendar id")?,
            },
            _ => return Ok(None),
        };
        if !reader.is_empty() {
            return Err(DecodeError::TrailingBytes(reader.remaining()));
        }
        Ok(Some(command))
    }
}

fn reader_u16(reader: &mut Reader<'_>, what: &'static str) -> Result<u16, DecodeError> {
    reader.array(what).map(u16::from_le_bytes)
}

fn reader_u32(reader: &mut Reader<'_>, what: &'static str) -> Result<u32, DecodeError> {
    reader.array(what).map(u32::from_le_bytes)
}

/// One ZCL request of a GBZ command: a general command on a cluster, or a cluster-specific
/// command, optionally with the GBZ from-date-time that restricts the log entries returned.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ZclRequest {
    pub cluster: u16,
    pub command: ZclCommand,
    /// The GBZ extended header's from-date-time (UTCTime).
    pub from_date_time: Option<u32>,
}

/// The ZCL command of a [`ZclRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ZclCommand {
    General(GeneralCommand),
    ClusterSpecific(ClusterCommand),
}

impl ZclRequest {
    /// Read attributes of a cluster.
    pub fn read_attributes(cluster: u16, attributes: &[u16]) -> Self {
        Self {
            cluster,
            command: ZclCommand::General(GeneralCommand::ReadAttributes(attributes.to_vec())),
            from_date_time: None,
        }
    }

    /// A cluster-specific command.
    pub fn command(command: ClusterCommand) -> Self {
        Self {
            cluster: command.cluster(),
            command: ZclCommand::ClusterSpecific(command),
            from_date_time: None,
        }
    }

    /// The same request restricted to log entries from `from` (UTCTime).
    pub fn from(mut self, from: u32) -> Self {
        self.from_date_time = Some(from);
        self
    }

    fn component(&self, sequence_number: u8) -> GbzComponent {
        let (frame_control, command_id, payload) = match &self.command {
            ZclCommand::General(command) => {
                (FRAME_TYPE_GENERAL, command.command_id(), command.encode())
            }
            ZclCommand::ClusterSpecific(command) => (
                FRAME_TYPE_CLUSTER_SPECIFIC,
                command.command_id(),
                command.encode(),
            ),
        };
        GbzComponent {
            control: 0,
            cluster: self.cluster,
            from_date_time: self.from_date_time.map(u32::to_be_bytes),
            frame_control,
            sequence_number,
            command_id,
            body: ComponentBody::Plain(payload),
        }
    }
}

/// The ZCL requests of one GBZ command payload, numbered 0, 1, … in order (the ZCL sequence
/// numbers GBCS commands carry).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct CommandPayload {
    requests: Vec<ZclRequest>,
}

impl CommandPayload {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(mut self, request: ZclRequest) -> Self {
        self.requests.push(request);
        self
    }

    pub fn with_all(mut self, requests: impl IntoIterator<Item = ZclRequest>) -> Self {
        self.requests.extend(requests);
        self
    }

    pub fn gbz(&self) -> GbzPayload {
        GbzPayload {
            components: self
                .requests
                .iter()
                .zip(0u8..)
                .map(|(request, sequence_number)| request.component(sequence_number))
                .collect(),
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        self.gbz().encode()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_decode_to_what_they_encode() {
        let commands = [
            ClusterCommand::GetSnapshot {
                earliest_start_time: 1,
                latest_end_time: 2,
                snapshot_offset: 3,
                snapshot_cause: 4,
            },
            ClusterCommand::GetPrepaySnapshot {
                earliest_start_time: 1,
                latest_end_time: 2,
                snapshot_offset: 3,
                snapshot_cause: 4,
            },
            ClusterCommand::StartSampling {
                issuer_event_id: 1,
                start_sampling_time: 2,
                sample_type: 3,
                sample_request_interval: 4,
                maximum_number_of_samples: 5,
            },
            ClusterCommand::GetSampledData {
                sample_id: 1,
                earliest_sample_time: 2,
                sample_type: 3,
                number_of_samples: 4,
            },
            ClusterCommand::ChangeSupply {
                provider_id: 1,
                issuer_event_id: 2,
                request_date_time: 3,
                implementation_date_time: 4,
                proposed_supply_status: 5,
                supply_control_bits: 6,
            },
            ClusterCommand::GetTopUpLog {
                latest_end_time: 1,
                number_of_records: 2,
            },
            ClusterCommand::GetDebtRepaymentLog {
                latest_end_time: 1,
                number_of_debts: 2,
                debt_type: 3,
            },
            ClusterCommand::GetCurrentPrice { command_options: 1 },
            ClusterCommand::GetDayProfiles {
                provider_id: 1,
                issuer_calendar_id: 2,
                start_day_id: 3,
                number_of_days: 4,
            },
            ClusterCommand::GetWeekProfiles {
                provider_id: 1,
                issuer_calendar_id: 2,
                start_week_id: 3,
                number_of_weeks: 4,
            },
            ClusterCommand::GetSeasons {
                provider_id: 1,
                issuer_calendar_id: 2,
            },
            ClusterCommand::GetSpecialDays {
                start_time: 1,
                number_of_events: 2,
                calendar_type: 3,
                provider_id: 4,
                issuer_calendar_id: 5,
            },
        ];
        for command in commands {
            let bytes = command.encode();
            assert_eq!(
                ClusterCommand::decode(command.cluster(), command.command_id(), &bytes),
                Ok(Some(command))
            );
            assert!(ClusterCommand::decode(
                command.cluster(),
                command.command_id(),
                &bytes[..bytes.len() - 1]
            )
            .is_err());
        }
    }

    #[test]
    fn requests_are_numbered_in_order_and_the_last_is_marked() {
        let payload = CommandPayload::new()
            .with(ZclRequest::read_attributes(
                cluster::METERING,
                &[metering::DIVISOR],
            ))
            .with(
                ZclRequest::command(ClusterCommand::GetTopUpLog {
                    latest_end_time: 0xFFFF_FFFE,
                    number_of_records: 5,
                })
                .from(0x1C0E_6C00),
            )
            .gbz();
        let [first, second] = payload.components.as_slice() else {
            panic!("two components");
        };
        assert_eq!((first.sequence_number, first.frame_control), (0, 0x00));
        assert_eq!((second.sequence_number, second.frame_control), (1, 0x01));
        let bytes = payload.encode();
        // Last component: control 0x11 (from-date-time, last), prepayment cluster.
        assert_eq!(bytes[13..18], [0x11, 0x07, 0x05, 0x00, 0x0C]);
        assert_eq!(bytes[18..22], [0x1C, 0x0E, 0x6C, 0x00]);
    }
}
