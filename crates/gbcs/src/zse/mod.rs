//! ZigBee Smart Energy cluster-specific commands that GBCS sends to a GSME in GBZ components:
//! the Price cluster (tariff information, price matrix, block thresholds), the Calendar cluster
//! (calendars, day and week profiles, seasons, special days) and the Prepayment cluster (debt,
//! emergency credit, top up, credit adjustment, payment mode, credit limits). Each command is a
//! struct that encodes its ZCL payload (little-endian, as ZCL has it) and decodes it back, and
//! becomes a [`GbzComponent`] with [`ClusterCommand::component`]. [`requests`] holds the cluster
//! and attribute ids and the requests a remote party sends to read logs, samples, calendars and
//! prices or to change the supply. The commands are declared
//! once, field by field, with `cluster_command!`: each field's type says how it is written.

pub mod requests;

use crate::ber::Reader;
use crate::error::DecodeError;
use crate::gbz::{ComponentBody, GbzComponent, GbzPayload};
use crate::zcl::{DIRECTION_SERVER_TO_CLIENT, FRAME_TYPE_CLUSTER_SPECIFIC};

/// The Price cluster.
pub const PRICE_CLUSTER: u16 = 0x0700;
/// The Prepayment cluster.
pub const PREPAYMENT_CLUSTER: u16 = 0x0705;
/// The Calendar cluster.
pub const CALENDAR_CLUSTER: u16 = 0x0707;

/// Frame control of commands the server side publishes (Price, Calendar): cluster specific,
/// server to client.
pub const FRAME_CONTROL_PUBLISH: u8 = FRAME_TYPE_CLUSTER_SPECIFIC | DIRECTION_SERVER_TO_CLIENT;
/// Frame control of commands sent to the server side (Prepayment): cluster specific, client to
/// server.
pub const FRAME_CONTROL_TO_SERVER: u8 = FRAME_TYPE_CLUSTER_SPECIFIC;

/// ZigBee UTCTime: seconds since 2000-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UtcTime(pub u32);

impl UtcTime {
    /// The ZigBee epoch, 2000-01-01T00:00:00Z, as a Unix time.
    pub const EPOCH_UNIX_SECONDS: i64 = 946_684_800;
    /// A start or implementation time of zero: at once.
    pub const NOW: Self = Self(0);

    /// The instant given as a Unix time, if it falls between the ZigBee epoch and 2136.
    pub fn from_unix_seconds(unix_seconds: i64) -> Option<Self> {
        u32::try_from(unix_seconds - Self::EPOCH_UNIX_SECONDS)
            .ok()
            .map(Self)
    }

    /// The big-endian form GBZ uses in a component's from-date-time header.
    pub fn to_be_bytes(self) -> [u8; 4] {
        self.0.to_be_bytes()
    }
}

/// A ZCL 24-bit unsigned integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Uint24(pub u32);

/// A ZCL 48-bit unsigned integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Uint48(pub u64);

/// A ZCL date: year since 1900, month, day of month, day of week (1 Monday – 7 Sunday); each
/// [`ZclDate::NOT_SPECIFIED`] when any value matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ZclDate {
    pub years_since_1900: u8,
    pub month: u8,
    pub day_of_month: u8,
    pub day_of_week: u8,
}

impl ZclDate {
    /// A field that matches any value.
    pub const NOT_SPECIFIED: u8 = 0xFF;

    pub fn encode(&self) -> [u8; 4] {
        [
            self.years_since_1900,
            self.month,
            self.day_of_month,
            self.day_of_week,
        ]
    }
}

/// A value of a ZCL payload: how it is written (little-endian, as ZCL has it) and read.
pub(crate) trait ZclField: Sized {
    fn put(&self, out: &mut Vec<u8>);
    fn get(reader: &mut Reader<'_>, what: &'static str) -> Result<Self, DecodeError>;
}

macro_rules! little_endian_field {
    ($($type:ty),*) => {$(
        impl ZclField for $type {
            fn put(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }

            fn get(reader: &mut Reader<'_>, what: &'static str) -> Result<Self, DecodeError> {
                Ok(<$type>::from_le_bytes(reader.array(what)?))
            }
        }
    )*};
}

little_endian_field!(u8, u16, u32, i32);

impl ZclField for UtcTime {
    fn put(&self, out: &mut Vec<u8>) {
        self.0.put(out);
    }

    fn get(reader: &mut Reader<'_>, what: &'static str) -> Result<Self, DecodeError> {
        u32::get(reader, what).map(Self)
    }
}

impl ZclField for Uint24 {
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0.to_le_bytes()[..3]);
    }

    fn get(reader: &mut Reader<'_>, what: &'static str) -> Result<Self, DecodeError> {
        let [a, b, c] = reader.array(what)?;
        Ok(Self(u32::from_le_bytes([a, b, c, 0])))
    }
}

impl ZclField for Uint48 {
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0.to_le_bytes()[..6]);
    }

    fn get(reader: &mut Reader<'_>, what: &'static str) -> Result<Self, DecodeError> {
        let [a, b, c, d, e, f] = reader.array(what)?;
        Ok(Self(u64::from_le_bytes([a, b, c, d, e, f, 0, 0])))
    }
}

/// A ZCL octet string: a length byte, then at most 254 bytes (longer input is cut).
impl ZclField for Vec<u8> {
    fn put(&self, out: &mut Vec<u8>) {
        let bytes = &self[..self.len().min(254)];
        out.push(bytes.len() as u8);
        out.extend_from_slice(bytes);
    }

    fn get(reader: &mut Reader<'_>, what: &'static str) -> Result<Self, DecodeError> {
        let length = usize::from(reader.byte(what)?);
        Ok(reader.bytes(length, what)?.to_vec())
    }
}

/// Seven bytes (the day ids of a week, Monday to Sunday).
impl ZclField for [u8; 7] {
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self);
    }

    fn get(reader: &mut Reader<'_>, what: &'static str) -> Result<Self, DecodeError> {
        reader.array(what)
    }
}

impl ZclField for ZclDate {
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.encode());
    }

    fn get(reader: &mut Reader<'_>, what: &'static str) -> Result<Self, DecodeError> {
        let [years_since_1900, month, day_of_month, day_of_week] = reader.array(what)?;
        Ok(Self {
            years_since_1900,
            month,
            day_of_month,
            day_of_week,
        })
    }
}

/// A pair written one after the other (the entries of price matrices, seasons, special days).
impl<A: ZclField, B: ZclField> ZclField for (A, B) {
    fn put(&self, out: &mut Vec<u8>) {
        self.0.put(out);
        self.1.put(out);
    }

    fn get(reader: &mut Reader<'_>, what: &'static str) -> Result<Self, DecodeError> {
        Ok((A::get(reader, what)?, B::get(reader, what)?))
    }
}

/// A cluster-specific ZCL command carried in a GBZ component.
pub trait ClusterCommand: Sized {
    const CLUSTER: u16;
    const COMMAND_ID: u8;
    const FRAME_CONTROL: u8;

    /// Appends the ZCL payload (after the ZCL header).
    fn encode_payload(&self, out: &mut Vec<u8>);

    /// Reads a ZCL payload of this command.
    fn decode_payload(payload: &[u8]) -> Result<Self, DecodeError>;

    /// The ZCL payload.
    fn payload(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_payload(&mut out);
        out
    }

    /// A plain GBZ component carrying the command (sequence number 0: see [`numbered`]).
    fn component(&self) -> GbzComponent {
        GbzComponent {
            control: 0,
            cluster: Self::CLUSTER,
            from_date_time: None,
            frame_control: Self::FRAME_CONTROL,
            sequence_number: 0,
            command_id: Self::COMMAND_ID,
            body: ComponentBody::Plain(self.payload()),
        }
    }

    /// The command from a component, if the component carries this command.
    fn from_component(component: &GbzComponent) -> Result<Option<Self>, DecodeError> {
        if component.cluster != Self::CLUSTER
            || component.command_id != Self::COMMAND_ID
            || component.frame_control & FRAME_TYPE_CLUSTER_SPECIFIC == 0
        {
            return Ok(None);
        }
        match &component.body {
            ComponentBody::Plain(payload) => Self::decode_payload(payload).map(Some),
            ComponentBody::Encrypted { .. } => Ok(None),
        }
    }
}

/// A GBZ payload of `components` with ZCL sequence numbers 0, 1, 2… in order, as GBCS numbers
/// the components of a command.
pub fn numbered(components: Vec<GbzComponent>) -> GbzPayload {
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
}

/// Declares a command: the struct with its fields in payload order (each a `ZclField`),
/// optionally ending with `..entries: Vec<Entry>`, entries repeated to the end of the payload,
/// and its [`ClusterCommand`] implementation.
macro_rules! cluster_command {
    (
        $(#[$meta:meta])*
        $name:ident = ($cluster:expr, $command_id:expr, $frame_control:expr) {
            $($(#[$field_meta:meta])* $field:ident: $type:ty,)*
            $(.. $(#[$entries_meta:meta])* $entries:ident: Vec<$entry:ty>,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name {
            $($(#[$field_meta])* pub $field: $type,)*
            $($(#[$entries_meta])* pub $entries: Vec<$entry>,)?
        }

        impl ClusterCommand for $name {
            const CLUSTER: u16 = $cluster;
            const COMMAND_ID: u8 = $command_id;
            const FRAME_CONTROL: u8 = $frame_control;

            fn encode_payload(&self, out: &mut Vec<u8>) {
                $(ZclField::put(&self.$field, out);)*
                $(for entry in &self.$entries {
                    entry.put(out);
                })?
            }

            fn decode_payload(payload: &[u8]) -> Result<Self, DecodeError> {
                let mut reader = Reader::new(payload);
                let command = Self {
                    $($field: <$type as ZclField>::get(&mut reader, stringify!($field))?,)*
                    $($entries: {
                        let mut entries = Vec::new();
                        while !reader.is_empty() {
                            entries.push(<$entry as ZclField>::get(
                                &mut reader,
                                stringify!($entries),
                            )?);
                        }
                        entries
                    },)?
                };
                match reader.remaining() {
                    0 => Ok(command),
                    extra => Err(DecodeError::TrailingBytes(extra)),
                }
            }
        }
    };
}

/// Price cluster commands (server to client).
pub mod price {
    use super::*;

    /// Tariff type / charging scheme: TOU tariff, delivered.
    pub const TARIFF_TYPE_TOU: u8 = 0x00;
    /// Tariff type / charging scheme: block tariff, delivered.
    pub const TARIFF_TYPE_BLOCK: u8 = 0x10;
    /// Unit of measure: kWh (GBCS expresses gas in kWh for pricing).
    pub const UNIT_OF_MEASURE_KWH: u8 = 0x00;
    /// ISO 4217 numeric currency codes.
    pub const CURRENCY_GBP: u16 = 826;
    pub const CURRENCY_EUR: u16 = 978;
    /// Price matrix sub-payload control: block (or block/TOU) prices.
    pub const PRICE_MATRIX_BLOCK: u8 = 0x00;
    /// Price matrix sub-payload control: TOU prices.
    pub const PRICE_MATRIX_TOU: u8 = 0x01;
    /// Block thresholds sub-payload control: the thresholds apply to all TOU tiers.
    pub const BLOCK_THRESHOLDS_ALL_TIERS: u8 = 0x01;

    cluster_command! {
        /// Publish Tariff Information (command 0x04).
        PublishTariffInformation = (PRICE_CLUSTER, 0x04, FRAME_CONTROL_PUBLISH) {
            provider_id: u32,
            issuer_event_id: u32,
            issuer_tariff_id: u32,
            start_time: UtcTime,
            tariff_type_charging_scheme: u8,
            tariff_label: Vec<u8>,
            number_of_price_tiers_in_use: u8,
            number_of_block_thresholds_in_use: u8,
            unit_of_measure: u8,
            currency: u16,
            price_trailing_digit: u8,
            standing_charge: u32,
            tier_block_mode: u8,
            block_threshold_multiplier: Uint24,
            block_threshold_divisor: Uint24,
        }
    }

    cluster_command! {
        /// Publish Price Matrix (command 0x05): prices by tier (TOU) or block id.
        PublishPriceMatrix = (PRICE_CLUSTER, 0x05, FRAME_CONTROL_PUBLISH) {
            provider_id: u32,
            issuer_event_id: u32,
            start_time: UtcTime,
            issuer_tariff_id: u32,
            command_index: u8,
            total_number_of_commands: u8,
            sub_payload_control: u8,
            ..
            /// (tier or block id, price).
            prices: Vec<(u8, u32)>,
        }
    }

    /// The block thresholds of one tier (all tiers when the sub-payload control says so).
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    pub struct TierBlockThresholds {
        /// 0–15 (the high nibble of the count byte).
        pub tier: u8,
        /// Up to 15 thresholds.
        pub thresholds: Vec<Uint48>,
    }

    impl ZclField for TierBlockThresholds {
        fn put(&self, out: &mut Vec<u8>) {
            let count = self.thresholds.len().min(15) as u8;
            out.push((self.tier & 0x0F) << 4 | count);
            for threshold in self.thresholds.iter().take(15) {
                threshold.put(out);
            }
        }

        fn get(reader: &mut Reader<'_>, what: &'static str) -> Result<Self, DecodeError> {
            let tier_and_count = reader.byte(what)?;
            Ok(Self {
                tier: tier_and_count >> 4,
                thresholds: (0..tier_and_count & 0x0F)
                    .map(|_| Uint48::get(reader, what))
                    .collect::<Result<_, _>>()?,
            })
        }
    }

    cluster_command! {
        /// Publish Block Thresholds (command 0x06).
        PublishBlockThresholds = (PRICE_CLUSTER, 0x06, FRAME_CONTROL_PUBLISH) {
            provider_id: u32,
            issuer_event_id: u32,
            start_time: UtcTime,
            issuer_tariff_id: u32,
            command_index: u8,
            total_number_of_commands: u8,
            sub_payload_control: u8,
            ..
            tiers: Vec<TierBlockThresholds>,
        }
    }
}

/// Calendar cluster commands (server to client).
pub mod calendar {
    use super::*;

    /// Calendar type: the delivered (import tariff) calendar.
    pub const CALENDAR_TYPE_DELIVERED: u8 = 0x00;
    /// Calendar type: the friendly credit (non-disablement) calendar.
    pub const CALENDAR_TYPE_FRIENDLY_CREDIT: u8 = 0x03;

    cluster_command! {
        /// Publish Calendar (command 0x00).
        PublishCalendar = (CALENDAR_CLUSTER, 0x00, FRAME_CONTROL_PUBLISH) {
            provider_id: u32,
            issuer_event_id: u32,
            issuer_calendar_id: u32,
            start_time: UtcTime,
            calendar_type: u8,
            calendar_time_reference: u8,
            calendar_name: Vec<u8>,
            number_of_seasons: u8,
            number_of_week_profiles: u8,
            number_of_day_profiles: u8,
        }
    }

    /// One entry of a day profile: a start time and what applies from it (the price tier of a
    /// delivered calendar, friendly credit enabled (1) or not (0) of a friendly credit one).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct ScheduleEntry {
        /// Minutes after midnight.
        pub start_minutes: u16,
        pub value: u8,
    }

    impl ZclField for ScheduleEntry {
        fn put(&self, out: &mut Vec<u8>) {
            self.start_minutes.put(out);
            self.value.put(out);
        }

        fn get(reader: &mut Reader<'_>, what: &'static str) -> Result<Self, DecodeError> {
            Ok(Self {
                start_minutes: u16::get(reader, what)?,
                value: u8::get(reader, what)?,
            })
        }
    }

    cluster_command! {
        /// Publish Day Profile (command 0x01).
        PublishDayProfile = (CALENDAR_CLUSTER, 0x01, FRAME_CONTROL_PUBLISH) {
            provider_id: u32,
            issuer_event_id: u32,
            issuer_calendar_id: u32,
            day_id: u8,
            total_number_of_schedule_entries: u8,
            command_index: u8,
            total_number_of_commands: u8,
            calendar_type: u8,
            ..
            entries: Vec<ScheduleEntry>,
        }
    }

    cluster_command! {
        /// Publish Week Profile (command 0x02): the day ids of Monday to Sunday.
        PublishWeekProfile = (CALENDAR_CLUSTER, 0x02, FRAME_CONTROL_PUBLISH) {
            provider_id: u32,
            issuer_event_id: u32,
            issuer_calendar_id: u32,
            week_id: u8,
            day_ids: [u8; 7],
        }
    }

    cluster_command! {
        /// Publish Seasons (command 0x03).
        PublishSeasons = (CALENDAR_CLUSTER, 0x03, FRAME_CONTROL_PUBLISH) {
            provider_id: u32,
            issuer_event_id: u32,
            issuer_calendar_id: u32,
            command_index: u8,
            total_number_of_commands: u8,
            ..
            /// (start date, week id).
            seasons: Vec<(ZclDate, u8)>,
        }
    }

    cluster_command! {
        /// Publish Special Days (command 0x04).
        PublishSpecialDays = (CALENDAR_CLUSTER, 0x04, FRAME_CONTROL_PUBLISH) {
            provider_id: u32,
            issuer_event_id: u32,
            issuer_calendar_id: u32,
            start_time: UtcTime,
            calendar_type: u8,
            total_number_of_special_days: u8,
            command_index: u8,
            total_number_of_commands: u8,
            ..
            /// (date, day id).
            special_days: Vec<(ZclDate, u8)>,
        }
    }
}

/// Prepayment cluster commands (client to server).
pub mod prepayment {
    use super::*;

    /// Originating device: the energy service interface (the Comms Hub, for the DCC).
    pub const ORIGINATING_DEVICE_ENERGY_SERVICE_INTERFACE: u8 = 0x00;
    /// Debt recovery method: time based.
    pub const DEBT_RECOVERY_TIME_BASED: u8 = 0x00;
    /// Debt recovery method: payment based.
    pub const DEBT_RECOVERY_PAYMENT_BASED: u8 = 0x01;
    /// Debt amount types (incremental adjustments of each debt register).
    pub const DEBT_AMOUNT_TIME_BASED_1_INCREMENTAL: u8 = 0x01;
    pub const DEBT_AMOUNT_TIME_BASED_2_INCREMENTAL: u8 = 0x03;
    pub const DEBT_AMOUNT_PAYMENT_BASED_INCREMENTAL: u8 = 0x05;
    /// Debt recovery frequency.
    pub const DEBT_RECOVERY_PER_HOUR: u8 = 0x00;
    pub const DEBT_RECOVERY_PER_DAY: u8 = 0x01;

    cluster_command! {
        /// Select Available Emergency Credit (command 0x00).
        SelectAvailableEmergencyCredit = (PREPAYMENT_CLUSTER, 0x00, FRAME_CONTROL_TO_SERVER) {
            command_issue_date_time: UtcTime,
            originating_device: u8,
        }
    }

    cluster_command! {
        /// Change Debt (command 0x02).
        ChangeDebt = (PREPAYMENT_CLUSTER, 0x02, FRAME_CONTROL_TO_SERVER) {
            issuer_event_id: u32,
            debt_label: Vec<u8>,
            debt_amount: i32,
            debt_recovery_method: u8,
            debt_amount_type: u8,
            debt_recovery_start_time: UtcTime,
            /// Minutes after midnight.
            debt_recovery_collection_time: u16,
            debt_recovery_frequency: u8,
            debt_recovery_amount: i32,
            /// Hundredths of a percent of each top up.
            debt_recovery_balance_percentage: u16,
        }
    }

    cluster_command! {
        /// Emergency Credit Setup (command 0x03).
        EmergencyCreditSetup = (PREPAYMENT_CLUSTER, 0x03, FRAME_CONTROL_TO_SERVER) {
            issuer_event_id: u32,
            start_time: UtcTime,
            emergency_credit_limit: u32,
            emergency_credit_threshold: u32,
        }
    }

    cluster_command! {
        /// Consumer Top Up (command 0x04): the UTRN as an octet string of its digits.
        ConsumerTopUp = (PREPAYMENT_CLUSTER, 0x04, FRAME_CONTROL_TO_SERVER) {
            originating_device: u8,
            top_up_code: Vec<u8>,
        }
    }

    cluster_command! {
        /// Credit Adjustment (command 0x05).
        CreditAdjustment = (PREPAYMENT_CLUSTER, 0x05, FRAME_CONTROL_TO_SERVER) {
            issuer_event_id: u32,
            start_time: UtcTime,
            credit_adjustment_type: u8,
            credit_adjustment_value: i32,
        }
    }

    cluster_command! {
        /// Change Payment Mode (command 0x06).
        ChangePaymentMode = (PREPAYMENT_CLUSTER, 0x06, FRAME_CONTROL_TO_SERVER) {
            provider_id: u32,
            issuer_event_id: u32,
            implementation_date_time: UtcTime,
            proposed_payment_control_configuration: u16,
            cut_off_value: i32,
        }
    }

    cluster_command! {
        /// Set Low Credit Warning Level (command 0x09); GBCS dates it with the component's
        /// from-date-time.
        SetLowCreditWarningLevel = (PREPAYMENT_CLUSTER, 0x09, FRAME_CONTROL_TO_SERVER) {
            low_credit_warning_level: u32,
        }
    }

    cluster_command! {
        /// Set Maximum Credit Limit (command 0x0B).
        SetMaximumCreditLimit = (PREPAYMENT_CLUSTER, 0x0B, FRAME_CONTROL_TO_SERVER) {
            provider_id: u32,
            issuer_event_id: u32,
            implementation_date_time: UtcTime,
            maximum_credit_level: u32,
            maximum_credit_per_top_up: u32,
        }
    }

    cluster_command! {
        /// Set Overall Debt Cap (command 0x0C).
        SetOverallDebtCap = (PREPAYMENT_CLUSTER, 0x0C, FRAME_CONTROL_TO_SERVER) {
            provider_id: u32,
            issuer_event_id: u32,
            implementation_date_time: UtcTime,
            overall_debt_cap: i32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::calendar::*;
    use super::prepayment::*;
    use super::price::*;
    use super::*;

    fn round_trip<C: ClusterCommand + PartialEq + std::fmt::Debug>(command: C) -> Vec<u8> {
        let payload = command.payload();
        assert_eq!(C::decode_payload(&payload).unwrap(), command);
        let component = command.component();
        assert_eq!(C::from_component(&component).unwrap(), Some(command));
        payload
    }

    #[test]
    fn the_zigbee_epoch_is_2000() {
        // 2015-01-01T00:00:00Z, the Issuer Event Id of the RTDS GBZ commands.
        assert_eq!(
            UtcTime::from_unix_seconds(1_420_070_400),
            Some(UtcTime(0x1C37_4A80))
        );
        assert_eq!(
            UtcTime::from_unix_seconds(UtcTime::EPOCH_UNIX_SECONDS - 1),
            None
        );
    }

    #[test]
    fn price_commands_round_trip_little_endian() {
        let payload = round_trip(PublishTariffInformation {
            provider_id: 0,
            issuer_event_id: 0x1C37_4A80,
            issuer_tariff_id: 1,
            start_time: UtcTime::NOW,
            tariff_type_charging_scheme: TARIFF_TYPE_TOU,
            tariff_label: Vec::new(),
            number_of_price_tiers_in_use: 4,
            number_of_block_thresholds_in_use: 0,
            unit_of_measure: UNIT_OF_MEASURE_KWH,
            currency: CURRENCY_GBP,
            price_trailing_digit: 0x50,
            standing_charge: 22465,
            tier_block_mode: 0xFF,
            block_threshold_multiplier: Uint24(1),
            block_threshold_divisor: Uint24(1000),
        });
        assert_eq!(
            payload,
            [
                0, 0, 0, 0, 0x80, 0x4A, 0x37, 0x1C, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0x3A,
                0x03, 0x50, 0xC1, 0x57, 0, 0, 0xFF, 1, 0, 0, 0xE8, 0x03, 0
            ]
        );
        round_trip(PublishPriceMatrix {
            provider_id: 0,
            issuer_event_id: 1,
            start_time: UtcTime(2),
            issuer_tariff_id: 1,
            command_index: 0,
            total_number_of_commands: 1,
            sub_payload_control: PRICE_MATRIX_TOU,
            prices: vec![(1, 9600), (2, 10200)],
        });
        let thresholds = round_trip(PublishBlockThresholds {
            provider_id: 0,
            issuer_event_id: 1,
            start_time: UtcTime(2),
            issuer_tariff_id: 1,
            command_index: 0,
            total_number_of_commands: 1,
            sub_payload_control: BLOCK_THRESHOLDS_ALL_TIERS,
            tiers: vec![TierBlockThresholds {
                tier: 0,
                thresholds: vec![Uint48(1_000_000), Uint48(2_000_000)],
            }],
        });
        assert_eq!(&thresholds[19..26], &[0x02, 0x40, 0x42, 0x0F, 0, 0, 0]);
    }

    #[test]
    fn calendar_commands_round_trip() {
        round_trip(PublishCalendar {
            provider_id: 0,
            issuer_event_id: 1,
            issuer_calendar_id: 1,
            start_time: UtcTime::NOW,
            calendar_type: CALENDAR_TYPE_FRIENDLY_CREDIT,
            calendar_time_reference: 0,
            calendar_name: Vec::new(),
            number_of_seasons: 2,
            number_of_week_profiles: 2,
            number_of_day_profiles: 3,
        });
        round_trip(PublishDayProfile {
            provider_id: 0,
            issuer_event_id: 1,
            issuer_calendar_id: 1,
            day_id: 1,
            total_number_of_schedule_entries: 2,
            command_index: 0,
            total_number_of_commands: 1,
            calendar_type: CALENDAR_TYPE_DELIVERED,
            entries: vec![
                ScheduleEntry {
                    start_minutes: 0,
                    value: 1,
                },
                ScheduleEntry {
                    start_minutes: 480,
                    value: 0,
                },
            ],
        });
        round_trip(PublishWeekProfile {
            provider_id: 0,
            issuer_event_id: 1,
            issuer_calendar_id: 1,
            week_id: 1,
            day_ids: [1, 1, 1, 1, 1, 2, 2],
        });
        let any_year = ZclDate {
            years_since_1900: ZclDate::NOT_SPECIFIED,
            month: 12,
            day_of_month: 25,
            day_of_week: ZclDate::NOT_SPECIFIED,
        };
        round_trip(PublishSeasons {
            provider_id: 0,
            issuer_event_id: 1,
            issuer_calendar_id: 1,
            command_index: 0,
            total_number_of_commands: 1,
            seasons: vec![(any_year, 1)],
        });
        round_trip(PublishSpecialDays {
            provider_id: 0,
            issuer_event_id: 1,
            issuer_calendar_id: 1,
            start_time: UtcTime(0xFFFF_FFFE),
            calendar_type: CALENDAR_TYPE_DELIVERED,
            total_number_of_special_days: 1,
            command_index: 0,
            total_number_of_commands: 1,
            special_days: vec![(any_year, 3)],
        });
    }

    #[test]
    fn prepayment_commands_round_trip() {
        round_trip(SelectAvailableEmergencyCredit {
            command_issue_date_time: UtcTime(5),
            originating_device: ORIGINATING_DEVICE_ENERGY_SERVICE_INTERFACE,
        });
        round_trip(ChangeDebt {
            issuer_event_id: 1,
            debt_label: Vec::new(),
            debt_amount: -5,
            debt_recovery_method: DEBT_RECOVERY_TIME_BASED,
            debt_amount_type: DEBT_AMOUNT_TIME_BASED_1_INCREMENTAL,
            debt_recovery_start_time: UtcTime::NOW,
            debt_recovery_collection_time: 0,
            debt_recovery_frequency: DEBT_RECOVERY_PER_DAY,
            debt_recovery_amount: 50_000,
            debt_recovery_balance_percentage: 0,
        });
        round_trip(EmergencyCreditSetup {
            issuer_event_id: 1,
            start_time: UtcTime::NOW,
            emergency_credit_limit: 10,
            emergency_credit_threshold: 5,
        });
        round_trip(ConsumerTopUp {
            originating_device: ORIGINATING_DEVICE_ENERGY_SERVICE_INTERFACE,
            top_up_code: b"73950067887105178605".to_vec(),
        });
        round_trip(CreditAdjustment {
            issuer_event_id: 1,
            start_time: UtcTime::NOW,
            credit_adjustment_type: 0,
            credit_adjustment_value: 23130,
        });
        round_trip(ChangePaymentMode {
            provider_id: 0,
            issuer_event_id: 1,
            implementation_date_time: UtcTime(u32::MAX),
            proposed_payment_control_configuration: 0x0C94,
            cut_off_value: -1,
        });
        round_trip(SetLowCreditWarningLevel {
            low_credit_warning_level: 5_000_000,
        });
        round_trip(SetMaximumCreditLimit {
            provider_id: 0,
            issuer_event_id: 1,
            implementation_date_time: UtcTime::NOW,
            maximum_credit_level: 1,
            maximum_credit_per_top_up: 2,
        });
        round_trip(SetOverallDebtCap {
            provider_id: 0,
            issuer_event_id: 1,
            implementation_date_time: UtcTime::NOW,
            overall_debt_cap: 100_000,
        });
    }

    #[test]
    fn truncated_and_overlong_payloads_are_errors() {
        let payload = SetOverallDebtCap {
            provider_id: 0,
            issuer_event_id: 1,
            implementation_date_time: UtcTime::NOW,
            overall_debt_cap: 1,
        }
        .payload();
        assert!(SetOverallDebtCap::decode_payload(&payload[..payload.len() - 1]).is_err());
        let mut longer = payload.clone();
        longer.push(0);
        assert_eq!(
            SetOverallDebtCap::decode_payload(&longer),
            Err(DecodeError::TrailingBytes(1))
        );
        let other = ChangeDebt::from_component(
            &SetLowCreditWarningLevel {
                low_credit_warning_level: 1,
            }
            .component(),
        );
        assert_eq!(other, Ok(None));
    }

    #[test]
    fn numbered_components_count_from_zero() {
        let level = SetLowCreditWarningLevel {
            low_credit_warning_level: 1,
        };
        let payload = numbered(vec![level.component(), level.component()]);
        let numbers: Vec<u8> = payload
            .components
            .iter()
            .map(|component| component.sequence_number)
            .collect();
        assert_eq!(numbers, [0, 1]);
    }
}
