//! ZigBee Smart Energy cluster-specific commands that GBCS sends to a GSME in GBZ components:
//! the Price cluster (tariff information, price matrix, block thresholds), the Calendar cluster
//! (calendars, day and week profiles, seasons, special days) and the Prepayment cluster (debt,
//! emergency credit, top up, credit adjustment, payment mode, credit limits). Each command is a
//! struct that encodes its ZCL payload (little-endian, as ZCL has it) and decodes it back, and
//! becomes a [`GbzComponent`] with [`ClusterCommand::component`].

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

    fn read(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let [years_since_1900, month, day_of_month, day_of_week] = reader.array("ZCL date")?;
        Ok(Self {
            years_since_1900,
            month,
            day_of_month,
            day_of_week,
        })
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

/// Little-endian field writers and readers of ZCL payloads.
struct Fields<'a>(Reader<'a>);

impl<'a> Fields<'a> {
    fn new(payload: &'a [u8]) -> Self {
        Self(Reader::new(payload))
    }

    fn u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        self.0.byte(what)
    }

    fn u16(&mut self, what: &'static str) -> Result<u16, DecodeError> {
        Ok(u16::from_le_bytes(self.0.array(what)?))
    }

    fn u24(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        let [a, b, c] = self.0.array(what)?;
        Ok(u32::from_le_bytes([a, b, c, 0]))
    }

    fn u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(self.0.array(what)?))
    }

    fn i32(&mut self, what: &'static str) -> Result<i32, DecodeError> {
        Ok(i32::from_le_bytes(self.0.array(what)?))
    }

    fn u48(&mut self, what: &'static str) -> Result<u64, DecodeError> {
        let [a, b, c, d, e, f] = self.0.array(what)?;
        Ok(u64::from_le_bytes([a, b, c, d, e, f, 0, 0]))
    }

    fn time(&mut self, what: &'static str) -> Result<UtcTime, DecodeError> {
        self.u32(what).map(UtcTime)
    }

    fn octet_string(&mut self, what: &'static str) -> Result<Vec<u8>, DecodeError> {
        let length = usize::from(self.0.byte(what)?);
        Ok(self.0.bytes(length, what)?.to_vec())
    }

    fn date(&mut self) -> Result<ZclDate, DecodeError> {
        ZclDate::read(&mut self.0)
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn finish<T>(self, value: T) -> Result<T, DecodeError> {
        match self.0.remaining() {
            0 => Ok(value),
            extra => Err(DecodeError::TrailingBytes(extra)),
        }
    }
}

fn put_u16(out: &mut Vec<u8>, value: u16) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put_u24(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes()[..3]);
}

fn put_u32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put_i32(out: &mut Vec<u8>, value: i32) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put_u48(out: &mut Vec<u8>, value: u64) {
    out.extend_from_slice(&value.to_le_bytes()[..6]);
}

fn put_time(out: &mut Vec<u8>, time: UtcTime) {
    put_u32(out, time.0);
}

/// A ZCL octet string: a length byte, then at most 254 bytes (longer input is cut).
fn put_octet_string(out: &mut Vec<u8>, bytes: &[u8]) {
    let bytes = &bytes[..bytes.len().min(254)];
    out.push(bytes.len() as u8);
    out.extend_from_slice(bytes);
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

    /// Publish Tariff Information (command 0x04).
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    pub struct PublishTariffInformation {
        pub provider_id: u32,
        pub issuer_event_id: u32,
        pub issuer_tariff_id: u32,
        pub start_time: UtcTime,
        pub tariff_type_charging_scheme: u8,
        pub tariff_label: Vec<u8>,
        pub number_of_price_tiers_in_use: u8,
        pub number_of_block_thresholds_in_use: u8,
        pub unit_of_measure: u8,
        pub currency: u16,
        pub price_trailing_digit: u8,
        pub standing_charge: u32,
        pub tier_block_mode: u8,
        /// 24 bits.
        pub block_threshold_multiplier: u32,
        /// 24 bits.
        pub block_threshold_divisor: u32,
    }

    impl ClusterCommand for PublishTariffInformation {
        const CLUSTER: u16 = PRICE_CLUSTER;
        const COMMAND_ID: u8 = 0x04;
        const FRAME_CONTROL: u8 = FRAME_CONTROL_PUBLISH;

        fn encode_payload(&self, out: &mut Vec<u8>) {
            put_u32(out, self.provider_id);
            put_u32(out, self.issuer_event_id);
            put_u32(out, self.issuer_tariff_id);
            put_time(out, self.start_time);
            out.push(self.tariff_type_charging_scheme);
            put_octet_string(out, &self.tariff_label);
            out.push(self.number_of_price_tiers_in_use);
            out.push(self.number_of_block_thresholds_in_use);
            out.push(self.unit_of_measure);
            put_u16(out, self.currency);
            out.push(self.price_trailing_digit);
            put_u32(out, self.standing_charge);
            out.push(self.tier_block_mode);
            put_u24(out, self.block_threshold_multiplier);
            put_u24(out, self.block_threshold_divisor);
        }

        fn decode_payload(payload: &[u8]) -> Result<Self, DecodeError> {
            let mut fields = Fields::new(payload);
            let command = Self {
                provider_id: fields.u32("provider id")?,
                issuer_event_id: fields.u32("issuer event id")?,
                issuer_tariff_id: fields.u32("issuer tariff id")?,
                start_time: fields.time("start time")?,
                tariff_type_charging_scheme: fields.u8("tariff type")?,
                tariff_label: fields.octet_string("tariff label")?,
                number_of_price_tiers_in_use: fields.u8("number of price tiers")?,
                number_of_block_thresholds_in_use: fields.u8("number of block thresholds")?,
                unit_of_measure: fields.u8("unit of measure")?,
                currency: fields.u16("currency")?,
                price_trailing_digit: fields.u8("price trailing digit")?,
                standing_charge: fields.u32("standing charge")?,
                tier_block_mode: fields.u8("tier block mode")?,
                block_threshold_multiplier: fields.u24("block threshold multiplier")?,
                block_threshold_divisor: fields.u24("block threshold divisor")?,
            };
            fields.finish(command)
        }
    }

    /// Publish Price Matrix (command 0x05): prices by tier (TOU) or block id.
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    pub struct PublishPriceMatrix {
        pub provider_id: u32,
        pub issuer_event_id: u32,
        pub start_time: UtcTime,
        pub issuer_tariff_id: u32,
        pub command_index: u8,
        pub total_number_of_commands: u8,
        pub sub_payload_control: u8,
        /// (tier or block id, price).
        pub prices: Vec<(u8, u32)>,
    }

    impl ClusterCommand for PublishPriceMatrix {
        const CLUSTER: u16 = PRICE_CLUSTER;
        const COMMAND_ID: u8 = 0x05;
        const FRAME_CONTROL: u8 = FRAME_CONTROL_PUBLISH;

        fn encode_payload(&self, out: &mut Vec<u8>) {
            put_u32(out, self.provider_id);
            put_u32(out, self.issuer_event_id);
            put_time(out, self.start_time);
            put_u32(out, self.issuer_tariff_id);
            out.push(self.command_index);
            out.push(self.total_number_of_commands);
            out.push(self.sub_payload_control);
            for (id, price) in &self.prices {
                out.push(*id);
                put_u32(out, *price);
            }
        }

        fn decode_payload(payload: &[u8]) -> Result<Self, DecodeError> {
            let mut fields = Fields::new(payload);
            let mut command = Self {
                provider_id: fields.u32("provider id")?,
                issuer_event_id: fields.u32("issuer event id")?,
                start_time: fields.time("start time")?,
                issuer_tariff_id: fields.u32("issuer tariff id")?,
                command_index: fields.u8("command index")?,
                total_number_of_commands: fields.u8("total number of commands")?,
                sub_payload_control: fields.u8("sub-payload control")?,
                prices: Vec::new(),
            };
            while !fields.is_empty() {
                command
                    .prices
                    .push((fields.u8("tier or block id")?, fields.u32("price")?));
            }
            fields.finish(command)
        }
    }

    /// The block thresholds of one tier (all tiers when the sub-payload control says so).
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    pub struct TierBlockThresholds {
        /// 0–15 (the high nibble of the count byte).
        pub tier: u8,
        /// Up to 15 thresholds, 48 bits each.
        pub thresholds: Vec<u64>,
    }

    /// Publish Block Thresholds (command 0x06).
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    pub struct PublishBlockThresholds {
        pub provider_id: u32,
        pub issuer_event_id: u32,
        pub start_time: UtcTime,
        pub issuer_tariff_id: u32,
        pub command_index: u8,
        pub total_number_of_commands: u8,
        pub sub_payload_control: u8,
        pub tiers: Vec<TierBlockThresholds>,
    }

    impl ClusterCommand for PublishBlockThresholds {
        const CLUSTER: u16 = PRICE_CLUSTER;
        const COMMAND_ID: u8 = 0x06;
        const FRAME_CONTROL: u8 = FRAME_CONTROL_PUBLISH;

        fn encode_payload(&self, out: &mut Vec<u8>) {
            put_u32(out, self.provider_id);
            put_u32(out, self.issuer_event_id);
            put_time(out, self.start_time);
            put_u32(out, self.issuer_tariff_id);
            out.push(self.command_index);
            out.push(self.total_number_of_commands);
            out.push(self.sub_payload_control);
            for tier in &self.tiers {
                let count = tier.thresholds.len().min(15) as u8;
                out.push((tier.tier & 0x0F) << 4 | count);
                for threshold in tier.thresholds.iter().take(15) {
                    put_u48(out, *threshold);
                }
            }
        }

        fn decode_payload(payload: &[u8]) -> Result<Self, DecodeError> {
            let mut fields = Fields::new(payload);
            let mut command = Self {
                provider_id: fields.u32("provider id")?,
                issuer_event_id: fields.u32("issuer event id")?,
                start_time: fields.time("start time")?,
                issuer_tariff_id: fields.u32("issuer tariff id")?,
                command_index: fields.u8("command index")?,
                total_number_of_commands: fields.u8("total number of commands")?,
                sub_payload_control: fields.u8("sub-payload control")?,
                tiers: Vec::new(),
            };
            while !fields.is_empty() {
                let tier_and_count = fields.u8("tier and number of block thresholds")?;
                let thresholds = (0..tier_and_count & 0x0F)
                    .map(|_| fields.u48("block threshold"))
                    .collect::<Result<_, _>>()?;
                command.tiers.push(TierBlockThresholds {
                    tier: tier_and_count >> 4,
                    thresholds,
                });
            }
            fields.finish(command)
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

    /// Publish Calendar (command 0x00).
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    pub struct PublishCalendar {
        pub provider_id: u32,
        pub issuer_event_id: u32,
        pub issuer_calendar_id: u32,
        pub start_time: UtcTime,
        pub calendar_type: u8,
        pub calendar_time_reference: u8,
        pub calendar_name: Vec<u8>,
        pub number_of_seasons: u8,
        pub number_of_week_profiles: u8,
        pub number_of_day_profiles: u8,
    }

    impl ClusterCommand for PublishCalendar {
        const CLUSTER: u16 = CALENDAR_CLUSTER;
        const COMMAND_ID: u8 = 0x00;
        const FRAME_CONTROL: u8 = FRAME_CONTROL_PUBLISH;

        fn encode_payload(&self, out: &mut Vec<u8>) {
            put_u32(out, self.provider_id);
            put_u32(out, self.issuer_event_id);
            put_u32(out, self.issuer_calendar_id);
            put_time(out, self.start_time);
            out.push(self.calendar_type);
            out.push(self.calendar_time_reference);
            put_octet_string(out, &self.calendar_name);
            out.push(self.number_of_seasons);
            out.push(self.number_of_week_profiles);
            out.push(self.number_of_day_profiles);
        }

        fn decode_payload(payload: &[u8]) -> Result<Self, DecodeError> {
            let mut fields = Fields::new(payload);
            let command = Self {
                provider_id: fields.u32("provider id")?,
                issuer_event_id: fields.u32("issuer event id")?,
                issuer_calendar_id: fields.u32("issuer calendar id")?,
                start_time: fields.time("start time")?,
                calendar_type: fields.u8("calendar type")?,
                calendar_time_reference: fields.u8("calendar time reference")?,
                calendar_name: fields.octet_string("calendar name")?,
                number_of_seasons: fields.u8("number of seasons")?,
                number_of_week_profiles: fields.u8("number of week profiles")?,
                number_of_day_profiles: fields.u8("number of day profiles")?,
            };
            fields.finish(command)
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

    /// Publish Day Profile (command 0x01).
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    pub struct PublishDayProfile {
        pub provider_id: u32,
        pub issuer_event_id: u32,
        pub issuer_calendar_id: u32,
        pub day_id: u8,
        pub total_number_of_schedule_entries: u8,
        pub command_index: u8,
        pub total_number_of_commands: u8,
        pub calendar_type: u8,
        pub entries: Vec<ScheduleEntry>,
    }

    impl ClusterCommand for PublishDayProfile {
        const CLUSTER: u16 = CALENDAR_CLUSTER;
        const COMMAND_ID: u8 = 0x01;
        const FRAME_CONTROL: u8 = FRAME_CONTROL_PUBLISH;

        fn encode_payload(&self, out: &mut Vec<u8>) {
            put_u32(out, self.provider_id);
            put_u32(out, self.issuer_event_id);
            put_u32(out, self.issuer_calendar_id);
            out.push(self.day_id);
            out.push(self.total_number_of_schedule_entries);
            out.push(self.command_index);
            out.push(self.total_number_of_commands);
            out.push(self.calendar_type);
            for entry in &self.entries {
                put_u16(out, entry.start_minutes);
                out.push(entry.value);
            }
        }

        fn decode_payload(payload: &[u8]) -> Result<Self, DecodeError> {
            let mut fields = Fields::new(payload);
            let mut command = Self {
                provider_id: fields.u32("provider id")?,
                issuer_event_id: fields.u32("issuer event id")?,
                issuer_calendar_id: fields.u32("issuer calendar id")?,
                day_id: fields.u8("day id")?,
                total_number_of_schedule_entries: fields.u8("number of schedule entries")?,
                command_index: fields.u8("command index")?,
                total_number_of_commands: fields.u8("total number of commands")?,
                calendar_type: fields.u8("calendar type")?,
                entries: Vec::new(),
            };
            while !fields.is_empty() {
                command.entries.push(ScheduleEntry {
                    start_minutes: fields.u16("schedule entry start time")?,
                    value: fields.u8("schedule entry value")?,
                });
            }
            fields.finish(command)
        }
    }

    /// Publish Week Profile (command 0x02): the day ids of Monday to Sunday.
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    pub struct PublishWeekProfile {
        pub provider_id: u32,
        pub issuer_event_id: u32,
        pub issuer_calendar_id: u32,
        pub week_id: u8,
        pub day_ids: [u8; 7],
    }

    impl ClusterCommand for PublishWeekProfile {
        const CLUSTER: u16 = CALENDAR_CLUSTER;
        const COMMAND_ID: u8 = 0x02;
        const FRAME_CONTROL: u8 = FRAME_CONTROL_PUBLISH;

        fn encode_payload(&self, out: &mut Vec<u8>) {
            put_u32(out, self.provider_id);
            put_u32(out, self.issuer_event_id);
            put_u32(out, self.issuer_calendar_id);
            out.push(self.week_id);
            out.extend_from_slice(&self.day_ids);
        }

        fn decode_payload(payload: &[u8]) -> Result<Self, DecodeError> {
            let mut fields = Fields::new(payload);
            let command = Self {
                provider_id: fields.u32("provider id")?,
                issuer_event_id: fields.u32("issuer event id")?,
                issuer_calendar_id: fields.u32("issuer calendar id")?,
                week_id: fields.u8("week id")?,
                day_ids: fields.0.array("day id references")?,
            };
            fields.finish(command)
        }
    }

    /// Publish Seasons (command 0x03): (start date, week id) pairs.
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    pub struct PublishSeasons {
        pub provider_id: u32,
        pub issuer_event_id: u32,
        pub issuer_calendar_id: u32,
        pub command_index: u8,
        pub total_number_of_commands: u8,
        pub seasons: Vec<(ZclDate, u8)>,
    }

    impl ClusterCommand for PublishSeasons {
        const CLUSTER: u16 = CALENDAR_CLUSTER;
        const COMMAND_ID: u8 = 0x03;
        const FRAME_CONTROL: u8 = FRAME_CONTROL_PUBLISH;

        fn encode_payload(&self, out: &mut Vec<u8>) {
            put_u32(out, self.provider_id);
            put_u32(out, self.issuer_event_id);
            put_u32(out, self.issuer_calendar_id);
            out.push(self.command_index);
            out.push(self.total_number_of_commands);
            for (start, week_id) in &self.seasons {
                out.extend_from_slice(&start.encode());
                out.push(*week_id);
            }
        }

        fn decode_payload(payload: &[u8]) -> Result<Self, DecodeError> {
            let mut fields = Fields::new(payload);
            let mut command = Self {
                provider_id: fields.u32("provider id")?,
                issuer_event_id: fields.u32("issuer event id")?,
                issuer_calendar_id: fields.u32("issuer calendar id")?,
                command_index: fields.u8("command index")?,
                total_number_of_commands: fields.u8("total number of commands")?,
                seasons: Vec::new(),
            };
            while !fields.is_empty() {
                command
                    .seasons
                    .push((fields.date()?, fields.u8("season week id")?));
            }
            fields.finish(command)
        }
    }

    /// Publish Special Days (command 0x04): (date, day id) pairs.
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    pub struct PublishSpecialDays {
        pub provider_id: u32,
        pub issuer_event_id: u32,
        pub issuer_calendar_id: u32,
        pub start_time: UtcTime,
        pub calendar_type: u8,
        pub total_number_of_special_days: u8,
        pub command_index: u8,
        pub total_number_of_commands: u8,
        pub special_days: Vec<(ZclDate, u8)>,
    }

    impl ClusterCommand for PublishSpecialDays {
        const CLUSTER: u16 = CALENDAR_CLUSTER;
        const COMMAND_ID: u8 = 0x04;
        const FRAME_CONTROL: u8 = FRAME_CONTROL_PUBLISH;

        fn encode_payload(&self, out: &mut Vec<u8>) {
            put_u32(out, self.provider_id);
            put_u32(out, self.issuer_event_id);
            put_u32(out, self.issuer_calendar_id);
            put_time(out, self.start_time);
            out.push(self.calendar_type);
            out.push(self.total_number_of_special_days);
            out.push(self.command_index);
            out.push(self.total_number_of_commands);
            for (date, day_id) in &self.special_days {
                out.extend_from_slice(&date.encode());
                out.push(*day_id);
            }
        }

        fn decode_payload(payload: &[u8]) -> Result<Self, DecodeError> {
            let mut fields = Fields::new(payload);
            let mut command = Self {
                provider_id: fields.u32("provider id")?,
                issuer_event_id: fields.u32("issuer event id")?,
                issuer_calendar_id: fields.u32("issuer calendar id")?,
                start_time: fields.time("start time")?,
                calendar_type: fields.u8("calendar type")?,
                total_number_of_special_days: fields.u8("number of special days")?,
                command_index: fields.u8("command index")?,
                total_number_of_commands: fields.u8("total number of commands")?,
                special_days: Vec::new(),
            };
            while !fields.is_empty() {
                command
                    .special_days
                    .push((fields.date()?, fields.u8("special day day id")?));
            }
            fields.finish(command)
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

    /// Select Available Emergency Credit (command 0x00).
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    pub struct SelectAvailableEmergencyCredit {
        pub command_issue_date_time: UtcTime,
        pub originating_device: u8,
    }

    impl ClusterCommand for SelectAvailableEmergencyCredit {
        const CLUSTER: u16 = PREPAYMENT_CLUSTER;
        const COMMAND_ID: u8 = 0x00;
        const FRAME_CONTROL: u8 = FRAME_CONTROL_TO_SERVER;

        fn encode_payload(&self, out: &mut Vec<u8>) {
            put_time(out, self.command_issue_date_time);
            out.push(self.originating_device);
        }

        fn decode_payload(payload: &[u8]) -> Result<Self, DecodeError> {
            let mut fields = Fields::new(payload);
            let command = Self {
                command_issue_date_time: fields.time("command issue date time")?,
                originating_device: fields.u8("originating device")?,
            };
            fields.finish(command)
        }
    }

    /// Change Debt (command 0x02).
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    pub struct ChangeDebt {
        pub issuer_event_id: u32,
        pub debt_label: Vec<u8>,
        pub debt_amount: i32,
        pub debt_recovery_method: u8,
        pub debt_amount_type: u8,
        pub debt_recovery_start_time: UtcTime,
        /// Minutes after midnight.
        pub debt_recovery_collection_time: u16,
        pub debt_recovery_frequency: u8,
        pub debt_recovery_amount: i32,
        /// Hundredths of a percent of each top up.
        pub debt_recovery_balance_percentage: u16,
    }

    impl ClusterCommand for ChangeDebt {
        const CLUSTER: u16 = PREPAYMENT_CLUSTER;
        const COMMAND_ID: u8 = 0x02;
        const FRAME_CONTROL: u8 = FRAME_CONTROL_TO_SERVER;

        fn encode_payload(&self, out: &mut Vec<u8>) {
            put_u32(out, self.issuer_event_id);
            put_octet_string(out, &self.debt_label);
            put_i32(out, self.debt_amount);
            out.push(self.debt_recovery_method);
            out.push(self.debt_amount_type);
            put_time(out, self.debt_recovery_start_time);
            put_u16(out, self.debt_recovery_collection_time);
            out.push(self.debt_recovery_frequency);
            put_i32(out, self.debt_recovery_amount);
            put_u16(out, self.debt_recovery_balance_percentage);
        }

        fn decode_payload(payload: &[u8]) -> Result<Self, DecodeError> {
            let mut fields = Fields::new(payload);
            let command = Self {
                issuer_event_id: fields.u32("issuer event id")?,
                debt_label: fields.octet_string("debt label")?,
                debt_amount: fields.i32("debt amount")?,
                debt_recovery_method: fields.u8("debt recovery method")?,
                debt_amount_type: fields.u8("debt amount type")?,
                debt_recovery_start_time: fields.time("debt recovery start time")?,
                debt_recovery_collection_time: fields.u16("debt recovery collection time")?,
                debt_recovery_frequency: fields.u8("debt recovery frequency")?,
                debt_recovery_amount: fields.i32("debt recovery amount")?,
                debt_recovery_balance_percentage: fields.u16("debt recovery balance percentage")?,
            };
            fields.finish(command)
        }
    }

    /// Emergency Credit Setup (command 0x03).
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    pub struct EmergencyCreditSetup {
        pub issuer_event_id: u32,
        pub start_time: UtcTime,
        pub emergency_credit_limit: u32,
        pub emergency_credit_threshold: u32,
    }

    impl ClusterCommand for EmergencyCreditSetup {
        const CLUSTER: u16 = PREPAYMENT_CLUSTER;
        const COMMAND_ID: u8 = 0x03;
        const FRAME_CONTROL: u8 = FRAME_CONTROL_TO_SERVER;

        fn encode_payload(&self, out: &mut Vec<u8>) {
            put_u32(out, self.issuer_event_id);
            put_time(out, self.start_time);
            put_u32(out, self.emergency_credit_limit);
            put_u32(out, self.emergency_credit_threshold);
        }

        fn decode_payload(payload: &[u8]) -> Result<Self, DecodeError> {
            let mut fields = Fields::new(payload);
            let command = Self {
                issuer_event_id: fields.u32("issuer event id")?,
                start_time: fields.time("start time")?,
                emergency_credit_limit: fields.u32("emergency credit limit")?,
                emergency_credit_threshold: fields.u32("emergency credit threshold")?,
            };
            fields.finish(command)
        }
    }

    /// Consumer Top Up (command 0x04): the UTRN as an octet string of its digits.
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    pub struct ConsumerTopUp {
        pub originating_device: u8,
        pub top_up_code: Vec<u8>,
    }

    impl ClusterCommand for ConsumerTopUp {
        const CLUSTER: u16 = PREPAYMENT_CLUSTER;
        const COMMAND_ID: u8 = 0x04;
        const FRAME_CONTROL: u8 = FRAME_CONTROL_TO_SERVER;

        fn encode_payload(&self, out: &mut Vec<u8>) {
            out.push(self.originating_device);
            put_octet_string(out, &self.top_up_code);
        }

        fn decode_payload(payload: &[u8]) -> Result<Self, DecodeError> {
            let mut fields = Fields::new(payload);
            let command = Self {
                originating_device: fields.u8("originating device")?,
                top_up_code: fields.octet_string("top up code")?,
            };
            fields.finish(command)
        }
    }

    /// Credit Adjustment (command 0x05).
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    pub struct CreditAdjustment {
        pub issuer_event_id: u32,
        pub start_time: UtcTime,
        pub credit_adjustment_type: u8,
        pub credit_adjustment_value: i32,
    }

    impl ClusterCommand for CreditAdjustment {
        const CLUSTER: u16 = PREPAYMENT_CLUSTER;
        const COMMAND_ID: u8 = 0x05;
        const FRAME_CONTROL: u8 = FRAME_CONTROL_TO_SERVER;

        fn encode_payload(&self, out: &mut Vec<u8>) {
            put_u32(out, self.issuer_event_id);
            put_time(out, self.start_time);
            out.push(self.credit_adjustment_type);
            put_i32(out, self.credit_adjustment_value);
        }

        fn decode_payload(payload: &[u8]) -> Result<Self, DecodeError> {
            let mut fields = Fields::new(payload);
            let command = Self {
                issuer_event_id: fields.u32("issuer event id")?,
                start_time: fields.time("start time")?,
                credit_adjustment_type: fields.u8("credit adjustment type")?,
                credit_adjustment_value: fields.i32("credit adjustment value")?,
            };
            fields.finish(command)
        }
    }

    /// Change Payment Mode (command 0x06).
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    pub struct ChangePaymentMode {
        pub provider_id: u32,
        pub issuer_event_id: u32,
        pub implementation_date_time: UtcTime,
        pub proposed_payment_control_configuration: u16,
        pub cut_off_value: i32,
    }

    impl ClusterCommand for ChangePaymentMode {
        const CLUSTER: u16 = PREPAYMENT_CLUSTER;
        const COMMAND_ID: u8 = 0x06;
        const FRAME_CONTROL: u8 = FRAME_CONTROL_TO_SERVER;

        fn encode_payload(&self, out: &mut Vec<u8>) {
            put_u32(out, self.provider_id);
            put_u32(out, self.issuer_event_id);
            put_time(out, self.implementation_date_time);
            put_u16(out, self.proposed_payment_control_configuration);
            put_i32(out, self.cut_off_value);
        }

        fn decode_payload(payload: &[u8]) -> Result<Self, DecodeError> {
            let mut fields = Fields::new(payload);
            let command = Self {
                provider_id: fields.u32("provider id")?,
                issuer_event_id: fields.u32("issuer event id")?,
                implementation_date_time: fields.time("implementation date time")?,
                proposed_payment_control_configuration: fields
                    .u16("proposed payment control configuration")?,
                cut_off_value: fields.i32("cut off value")?,
            };
            fields.finish(command)
        }
    }

    /// Set Low Credit Warning Level (command 0x09); GBCS dates it with the component's
    /// from-date-time.
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    pub struct SetLowCreditWarningLevel {
        pub low_credit_warning_level: u32,
    }

    impl ClusterCommand for SetLowCreditWarningLevel {
        const CLUSTER: u16 = PREPAYMENT_CLUSTER;
        const COMMAND_ID: u8 = 0x09;
        const FRAME_CONTROL: u8 = FRAME_CONTROL_TO_SERVER;

        fn encode_payload(&self, out: &mut Vec<u8>) {
            put_u32(out, self.low_credit_warning_level);
        }

        fn decode_payload(payload: &[u8]) -> Result<Self, DecodeError> {
            let mut fields = Fields::new(payload);
            let command = Self {
                low_credit_warning_level: fields.u32("low credit warning level")?,
            };
            fields.finish(command)
        }
    }

    /// Set Maximum Credit Limit (command 0x0B).
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    pub struct SetMaximumCreditLimit {
        pub provider_id: u32,
        pub issuer_event_id: u32,
        pub implementation_date_time: UtcTime,
        pub maximum_credit_level: u32,
        pub maximum_credit_per_top_up: u32,
    }

    impl ClusterCommand for SetMaximumCreditLimit {
        const CLUSTER: u16 = PREPAYMENT_CLUSTER;
        const COMMAND_ID: u8 = 0x0B;
        const FRAME_CONTROL: u8 = FRAME_CONTROL_TO_SERVER;

        fn encode_payload(&self, out: &mut Vec<u8>) {
            put_u32(out, self.provider_id);
            put_u32(out, self.issuer_event_id);
            put_time(out, self.implementation_date_time);
            put_u32(out, self.maximum_credit_level);
            put_u32(out, self.maximum_credit_per_top_up);
        }

        fn decode_payload(payload: &[u8]) -> Result<Self, DecodeError> {
            let mut fields = Fields::new(payload);
            let command = Self {
                provider_id: fields.u32("provider id")?,
                issuer_event_id: fields.u32("issuer event id")?,
                implementation_date_time: fields.time("implementation date time")?,
                maximum_credit_level: fields.u32("maximum credit level")?,
                maximum_credit_per_top_up: fields.u32("maximum credit per top up")?,
            };
            fields.finish(command)
        }
    }

    /// Set Overall Debt Cap (command 0x0C).
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    pub struct SetOverallDebtCap {
        pub provider_id: u32,
        pub issuer_event_id: u32,
        pub implementation_date_time: UtcTime,
        pub overall_debt_cap: i32,
    }

    impl ClusterCommand for SetOverallDebtCap {
        const CLUSTER: u16 = PREPAYMENT_CLUSTER;
        const COMMAND_ID: u8 = 0x0C;
        const FRAME_CONTROL: u8 = FRAME_CONTROL_TO_SERVER;

        fn encode_payload(&self, out: &mut Vec<u8>) {
            put_u32(out, self.provider_id);
            put_u32(out, self.issuer_event_id);
            put_time(out, self.implementation_date_time);
            put_i32(out, self.overall_debt_cap);
        }

        fn decode_payload(payload: &[u8]) -> Result<Self, DecodeError> {
            let mut fields = Fields::new(payload);
            let command = Self {
                provider_id: fields.u32("provider id")?,
                issuer_event_id: fields.u32("issuer event id")?,
                implementation_date_time: fields.time("implementation date time")?,
                overall_debt_cap: fields.i32("overall debt cap")?,
            };
            fields.finish(command)
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
            block_threshold_multiplier: 1,
            block_threshold_divisor: 1000,
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
                thresholds: vec![1_000_000, 2_000_000],
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
