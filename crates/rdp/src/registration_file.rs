//! Registration data files: the line format an RDP sends to the DSP (a full refresh, then daily
//! updates), how one record is read and checked, and the ERROR file that goes back for the
//! records refused. Pure: no I/O. The layout is documented in `crates/rdp/REGISTRATION_FILES.md`.
//!
//! ```text
//! HDR|F|E|000001|2026-12-01T00:00:00Z
//! MP|1200000000019|00DB1234567890A0|90B3D51F30010000|2026-01-01T00:00:00Z|90B3D51F30020000||L
//! TRL|1
//! ```

use std::collections::HashSet;
use std::fmt;

use dcc_model::Eui64;
use rustc_hash::FxHashMap;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::Fuel;

/// Which file: the whole of an RDP's data, or the changes of a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    FullRefresh,
    DailyUpdate,
}

impl FileKind {
    pub fn code(self) -> &'static str {
        match self {
            FileKind::FullRefresh => "F",
            FileKind::DailyUpdate => "U",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        match code {
            "F" => Some(FileKind::FullRefresh),
            "U" => Some(FileKind::DailyUpdate),
            _ => None,
        }
    }
}

fn fuel_code(fuel: Fuel) -> &'static str {
    match fuel {
        Fuel::Electricity => "E",
        Fuel::Gas => "G",
    }
}

/// The `HDR` line: what the file is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileHeader {
    pub kind: FileKind,
    pub fuel: Fuel,
    /// Rises by one with each file an RDP sends; a full refresh starts a new series.
    pub sequence: u64,
    pub created: OffsetDateTime,
}

impl FileHeader {
    pub fn parse(line: &str) -> Result<Self, String> {
        let fields: Vec<&str> = line.trim_end_matches('\r').split('|').collect();
        let [record_type, kind, fuel, sequence, created] = fields[..] else {
            return Err(format!(
                "a header has 5 fields (HDR|kind|fuel|sequence|created), found {}",
                fields.len()
            ));
        };
        if record_type != "HDR" {
            return Err(format!("the first line must be HDR, found {record_type:?}"));
        }
        let kind = FileKind::from_code(kind)
            .ok_or_else(|| format!("file kind {kind:?}: F (full refresh) or U (daily update)"))?;
        let fuel = match fuel {
            "E" => Fuel::Electricity,
            "G" => Fuel::Gas,
            other => return Err(format!("fuel {other:?}: E or G")),
        };
        let sequence = sequence
            .parse()
            .map_err(|_| format!("sequence {sequence:?}: not a number"))?;
        let created = OffsetDateTime::parse(created, &Rfc3339)
            .map_err(|error| format!("created {created:?}: {error}"))?;
        Ok(Self {
            kind,
            fuel,
            sequence,
            created,
        })
    }

    pub fn line(&self) -> String {
        format!(
            "HDR|{}|{}|{:06}|{}",
            self.kind.code(),
            fuel_code(self.fuel),
            self.sequence,
            self.created.format(&Rfc3339).unwrap_or_default()
        )
    }

    /// The name a transmission of this file goes under: unique per RDP and file.
    pub fn transmission_id(&self) -> String {
        format!("{}-{:06}", self.kind.code(), self.sequence)
    }
}

/// A meter point's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MeterPointStatus {
    Live,
    /// Disconnected: from its effective date nobody is registered for it.
    Disconnected,
}

impl MeterPointStatus {
    pub fn code(self) -> &'static str {
        match self {
            MeterPointStatus::Live => "L",
            MeterPointStatus::Disconnected => "D",
        }
    }
}

/// One `MP` record: who is registered for a meter point, from when.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RegistrationRecord {
    /// MPAN core (13 digits, electricity) or MPRN (6 to 10 digits, gas), check digits included.
    pub meter_point_reference: String,
    pub device_id: Eui64,
    pub supplier: Eui64,
    /// From when `supplier` is registered (unix milliseconds).
    pub effective_from_ms: i64,
    pub network_operator: Eui64,
    pub supplier_agent: Option<Eui64>,
    pub status: MeterPointStatus,
}

impl RegistrationRecord {
    pub fn line(&self) -> String {
        let effective = OffsetDateTime::from_unix_timestamp_nanos(
            i128::from(self.effective_from_ms) * 1_000_000,
        )
        .ok()
        .and_then(|at| at.format(&Rfc3339).ok())
        .unwrap_or_default();
        format!(
            "MP|{}|{}|{}|{}|{}|{}|{}",
            self.meter_point_reference,
            self.device_id.to_hex(),
            self.supplier.to_hex(),
            effective,
            self.network_operator.to_hex(),
            self.supplier_agent.map(|a| a.to_hex()).unwrap_or_default(),
            self.status.code()
        )
    }
}

/// Why a record is refused: one reason per record, with a stable code for the ERROR file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordError {
    FieldCount { found: usize },
    RecordType(String),
    MeterPointReferenceFormat(String),
    MpanCheckDigit { expected: u32 },
    MprnCheckDigits { expected: u32 },
    DeviceId(String),
    PartyId { field: &'static str, value: String },
    EffectiveDate(String),
    Status(String),
    UnknownSupplier(Eui64),
    UnknownNetworkOperator(Eui64),
    UnknownSupplierAgent(Eui64),
    DuplicateMeterPoint { first_line: u64 },
    DuplicateDevice { first_line: u64 },
}

impl RecordError {
    /// The reason code written in the ERROR file.
    pub fn code(&self) -> &'static str {
        match self {
            RecordError::FieldCount { .. } => "FIELD_COUNT",
            RecordError::RecordType(_) => "RECORD_TYPE",
            RecordError::MeterPointReferenceFormat(_) => "METER_POINT_FORMAT",
            RecordError::MpanCheckDigit { .. } => "MPAN_CHECK_DIGIT",
            RecordError::MprnCheckDigits { .. } => "MPRN_CHECK_DIGITS",
            RecordError::DeviceId(_) => "DEVICE_ID",
            RecordError::PartyId { .. } => "PARTY_ID",
            RecordError::EffectiveDate(_) => "EFFECTIVE_DATE",
            RecordError::Status(_) => "STATUS",
            RecordError::UnknownSupplier(_) => "UNKNOWN_SUPPLIER",
            RecordError::UnknownNetworkOperator(_) => "UNKNOWN_NETWORK_OPERATOR",
            RecordError::UnknownSupplierAgent(_) => "UNKNOWN_SUPPLIER_AGENT",
            RecordError::DuplicateMeterPoint { .. } => "DUPLICATE_METER_POINT",
            RecordError::DuplicateDevice { .. } => "DUPLICATE_DEVICE",
        }
    }
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordError::FieldCount { found } => write!(
                f,
                "an MP record has {RECORD_FIELDS} fields separated by |, found {found}"
            ),
            RecordError::RecordType(found) => write!(f, "record type {found:?}: expected MP"),
            RecordError::MeterPointReferenceFormat(why) => f.write_str(why),
            RecordError::MpanCheckDigit { expected } => {
                write!(f, "MPAN core check digit is wrong: expected {expected}")
            }
            RecordError::MprnCheckDigits { expected } => {
                write!(f, "MPRN check digits are wrong: expected {expected:02}")
            }
            RecordError::DeviceId(value) => {
                write!(f, "device id {value:?}: not 16 hexadecimal digits")
            }
            RecordError::PartyId { field, value } => {
                write!(f, "{field} {value:?}: not 16 hexadecimal digits")
            }
            RecordError::EffectiveDate(why) => write!(f, "effective-from date: {why}"),
            RecordError::Status(found) => {
                write!(
                    f,
                    "meter point status {found:?}: L (live) or D (disconnected)"
                )
            }
            RecordError::UnknownSupplier(id) => write!(f, "supplier {id} is not a DCC user"),
            RecordError::UnknownNetworkOperator(id) => {
                write!(f, "network operator {id} is not a DCC user")
            }
            RecordError::UnknownSupplierAgent(id) => {
                write!(f, "supplier agent {id} is not a DCC user")
            }
            RecordError::DuplicateMeterPoint { first_line } => {
                write!(f, "meter point already given on line {first_line}")
            }
            RecordError::DuplicateDevice { first_line } => {
                write!(f, "device already at the meter point on line {first_line}")
            }
        }
    }
}

const RECORD_FIELDS: usize = 8;

/// The MPAN core check digit: the first 12 digits weighted by the primes 3…43 (11 left out),
/// summed, modulo 11, modulo 10.
pub fn mpan_check_digit(first_twelve: &[u8; 12]) -> u32 {
    const PRIMES: [u32; 12] = [3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43];
    let sum: u32 = first_twelve
        .iter()
        .zip(PRIMES)
        .map(|(digit, prime)| u32::from(*digit) * prime)
        .sum();
    sum % 11 % 10
}

/// The MPRN check digits as dccsim models them: the last two digits of an MPRN are the sum of
/// the other digits, each weighted by its position counted from the right (1, 2, …), modulo 11.
pub fn mprn_check_digits(leading: &[u8]) -> u32 {
    let sum: u32 = leading
        .iter()
        .rev()
        .zip(1u32..)
        .map(|(digit, weight)| u32::from(*digit) * weight)
        .sum();
    sum % 11
}

fn digits(text: &str) -> Option<Vec<u8>> {
    text.bytes()
        .map(|byte| byte.is_ascii_digit().then(|| byte - b'0'))
        .collect()
}

/// Checks a meter point reference's form and check digits for `fuel`.
pub fn check_meter_point_reference(fuel: Fuel, reference: &str) -> Result<(), RecordError> {
    let format = |why: String| Err(RecordError::MeterPointReferenceFormat(why));
    let Some(digits) = digits(reference) else {
        return format(format!("meter point reference {reference:?}: digits only"));
    };
    match fuel {
        Fuel::Electricity => {
            let Ok(first_twelve) = <[u8; 12]>::try_from(&digits[..digits.len().min(12)]) else {
                return format(format!("MPAN core {reference:?}: 13 digits"));
            };
            if digits.len() != 13 {
                return format(format!("MPAN core {reference:?}: 13 digits"));
            }
            let expected = mpan_check_digit(&first_twelve);
            if u32::from(digits[12]) != expected {
                return Err(RecordError::MpanCheckDigit { expected });
            }
        }
        Fuel::Gas => {
            if !(6..=10).contains(&digits.len()) {
                return format(format!("MPRN {reference:?}: 6 to 10 digits"));
            }
            let (leading, check) = digits.split_at(digits.len() - 2);
            let expected = mprn_check_digits(leading);
            if u32::from(check[0]) * 10 + u32::from(check[1]) != expected {
                return Err(RecordError::MprnCheckDigits { expected });
            }
        }
    }
    Ok(())
}

/// A meter point reference with valid check digits for `fuel` made from `number` (the MPAN
/// core's first 12 digits, or an MPRN's leading digits, zero-padded).
pub fn meter_point_reference(fuel: Fuel, number: u64) -> String {
    match fuel {
        Fuel::Electricity => {
            let base = format!("{:012}", number % 1_000_000_000_000);
            let mut first_twelve = [0u8; 12];
            for (slot, byte) in first_twelve.iter_mut().zip(base.bytes()) {
                *slot = byte - b'0';
            }
            format!("{base}{}", mpan_check_digit(&first_twelve))
        }
        Fuel::Gas => {
            let base = format!("{:08}", number % 100_000_000);
            let leading: Vec<u8> = base.bytes().map(|byte| byte - b'0').collect();
            format!("{base}{:02}", mprn_check_digits(&leading))
        }
    }
}

/// 16 hexadecimal digits, nothing else.
fn hex_id(text: &str) -> Option<Eui64> {
    if text.len() != 16 || !text.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(text, 16).ok().map(Eui64::from_u64)
}

/// Reads one `MP` line of a `fuel` file: its form and check digits (not who the parties are,
/// nor duplicates: see [`Validator`]).
pub fn parse_record(fuel: Fuel, line: &str) -> Result<RegistrationRecord, RecordError> {
    let line = line.trim_end_matches('\r');
    let mut fields = [""; RECORD_FIELDS];
    let mut found = 0;
    for field in line.split('|') {
        if found < RECORD_FIELDS {
            fields[found] = field;
        }
        found += 1;
    }
    if found != RECORD_FIELDS {
        return Err(RecordError::FieldCount { found });
    }
    let [record_type, reference, device, supplier, effective, network_operator, agent, status] =
        fields;
    if record_type != "MP" {
        return Err(RecordError::RecordType(record_type.to_owned()));
    }
    check_meter_point_reference(fuel, reference)?;
    let device_id = hex_id(device).ok_or_else(|| RecordError::DeviceId(device.to_owned()))?;
    let party = |field: &'static str, value: &str| {
        hex_id(value).ok_or_else(|| RecordError::PartyId {
            field,
            value: value.to_owned(),
        })
    };
    let supplier = party("supplier id", supplier)?;
    let effective_from = OffsetDateTime::parse(effective, &Rfc3339)
        .map_err(|error| RecordError::EffectiveDate(format!("{effective:?}: {error}")))?;
    let network_operator = party("network operator id", network_operator)?;
    let supplier_agent = if agent.is_empty() {
        None
    } else {
        Some(party("supplier agent id", agent)?)
    };
    let status = match status {
        "L" => MeterPointStatus::Live,
        "D" => MeterPointStatus::Disconnected,
        other => return Err(RecordError::Status(other.to_owned())),
    };
    Ok(RegistrationRecord {
        meter_point_reference: reference.to_owned(),
        device_id,
        supplier,
        effective_from_ms: (effective_from.unix_timestamp_nanos() / 1_000_000) as i64,
        network_operator,
        supplier_agent,
        status,
    })
}

/// The DCC users a record may name, by role.
#[derive(Debug, Clone, Default)]
pub struct KnownParties {
    pub suppliers: HashSet<Eui64>,
    pub network_operators: HashSet<Eui64>,
    pub supplier_agents: HashSet<Eui64>,
}

/// Checks the records of one file in order: each on its own, then its parties against the
/// DCC's users, then against the file's earlier records (a meter point or device twice).
#[derive(Debug)]
pub struct Validator {
    fuel: Fuel,
    parties: KnownParties,
    /// Meter point reference (as a number) → the line that gave it.
    meter_points: FxHashMap<u64, u64>,
    devices: FxHashMap<Eui64, u64>,
}

impl Validator {
    pub fn new(fuel: Fuel, parties: KnownParties) -> Self {
        Self {
            fuel,
            parties,
            meter_points: FxHashMap::default(),
            devices: FxHashMap::default(),
        }
    }

    pub fn check(
        &mut self,
        line_number: u64,
        line: &str,
    ) -> Result<RegistrationRecord, RecordError> {
        let record = parse_record(self.fuel, line)?;
        if !self.parties.suppliers.contains(&record.supplier) {
            return Err(RecordError::UnknownSupplier(record.supplier));
        }
        if !self
            .parties
            .network_operators
            .contains(&record.network_operator)
        {
            return Err(RecordError::UnknownNetworkOperator(record.network_operator));
        }
        if let Some(agent) = record.supplier_agent {
            if !self.parties.supplier_agents.contains(&agent) {
                return Err(RecordError::UnknownSupplierAgent(agent));
            }
        }
        // Checked digits only, at most 13: the reference fits a u64.
        let reference: u64 = record.meter_point_reference.parse().unwrap_or(u64::MAX);
        if let Some(first_line) = self.meter_points.get(&reference) {
            return Err(RecordError::DuplicateMeterPoint {
                first_line: *first_line,
            });
        }
        if let Some(first_line) = self.devices.get(&record.device_id) {
            return Err(RecordError::DuplicateDevice {
                first_line: *first_line,
            });
        }
        self.meter_points.insert(reference, line_number);
        self.devices.insert(record.device_id, line_number);
        Ok(record)
    }
}

/// One refused record, as the ERROR file lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedRecord {
    pub line_number: u64,
    pub code: String,
    pub reason: String,
    pub line: String,
}

/// The ERROR file for `header`'s file: its header, one `ERR|line|code|reason|record` line per
/// refused record in line order, and a trailer with their number.
pub fn error_file(header: &FileHeader, refused: &[RefusedRecord]) -> String {
    let mut sorted: Vec<&RefusedRecord> = refused.iter().collect();
    sorted.sort_by_key(|refused| refused.line_number);
    let mut text = format!("ERRHDR|{}\n", header.transmission_id());
    for refused in &sorted {
        text.push_str(&format!(
            "ERR|{}|{}|{}|{}\n",
            refused.line_number,
            refused.code,
            refused.reason.replace('|', "/"),
            refused.line
        ));
    }
    text.push_str(&format!("ERRTRL|{}\n", sorted.len()));
    text
}

/// What [`generate`] makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFleet {
    pub electricity: String,
    pub gas: String,
}

/// Full refresh files for `meter_points` meter points, half electricity and half gas,
/// seeded: device ids and suppliers are chosen from `seed` and the meter point's number.
pub fn generate(
    meter_points: u64,
    seed: u64,
    suppliers: &[Eui64],
    network_operator: Eui64,
    created: OffsetDateTime,
) -> GeneratedFleet {
    let electricity_count = meter_points.div_ceil(2);
    let gas_count = meter_points / 2;
    let file = |fuel: Fuel, count: u64| {
        let header = FileHeader {
            kind: FileKind::FullRefresh,
            fuel,
            sequence: 1,
            created,
        };
        let mut text = String::with_capacity(count as usize * 110 + 64);
        text.push_str(&header.line());
        text.push('\n');
        let fuel_bit = match fuel {
            Fuel::Electricity => 0,
            Fuel::Gas => 1u64 << 40,
        };
        for index in 0..count {
            let mixed = splitmix(seed ^ fuel_bit ^ index);
            let supplier = if suppliers.is_empty() {
                network_operator
            } else {
                suppliers[(mixed % suppliers.len() as u64) as usize]
            };
            let record = RegistrationRecord {
                meter_point_reference: meter_point_reference(fuel, 10_000_000 + index),
                // Generated meters live in their own id range: 0x00DC, the fuel, the index.
                device_id: Eui64::from_u64(0x00DC_0000_0000_0000 | fuel_bit | index),
                supplier,
                effective_from_ms: created.unix_timestamp() * 1000
                    - ((mixed >> 8) % (5 * 365 * 86_400)) as i64 * 1000,
                network_operator,
                supplier_agent: None,
                status: MeterPointStatus::Live,
            };
            text.push_str(&record.line());
            text.push('\n');
        }
        text.push_str(&format!("TRL|{count}\n"));
        text
    };
    GeneratedFleet {
        electricity: file(Fuel::Electricity, electricity_count),
        gas: file(Fuel::Gas, gas_count),
    }
}

/// A seeded 64-bit mix (splitmix64's finaliser).
fn splitmix(value: u64) -> u64 {
    let mut z = value.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mpan_check_digits_follow_the_prime_weights() {
        // 1800021679848: the weighted sum is 1328, 1328 mod 11 mod 10 = 8.
        assert_eq!(mpan_check_digit(&[1, 8, 0, 0, 0, 2, 1, 6, 7, 9, 8, 4]), 8);
        assert_eq!(
            check_meter_point_reference(Fuel::Electricity, "1800021679848"),
            Ok(())
        );
        assert_eq!(
            check_meter_point_reference(Fuel::Electricity, "1800021679847"),
            Err(RecordError::MpanCheckDigit { expected: 8 })
        );
        assert!(matches!(
            check_meter_point_reference(Fuel::Electricity, "180002167984"),
            Err(RecordError::MeterPointReferenceFormat(_))
        ));
    }

    #[test]
    fn mprn_check_digits_are_the_position_weighted_sum_modulo_eleven() {
        // 12345678: 8×1 + 7×2 + 6×3 + 5×4 + 4×5 + 3×6 + 2×7 + 1×8 = 120; 120 mod 11 = 10.
        assert_eq!(mprn_check_digits(&[1, 2, 3, 4, 5, 6, 7, 8]), 10);
        assert_eq!(check_meter_point_reference(Fuel::Gas, "1234567810"), Ok(()));
        assert_eq!(
            check_meter_point_reference(Fuel::Gas, "1234567811"),
            Err(RecordError::MprnCheckDigits { expected: 10 })
        );
        assert!(matches!(
            check_meter_point_reference(Fuel::Gas, "12345"),
            Err(RecordError::MeterPointReferenceFormat(_))
        ));
    }

    #[test]
    fn generated_references_and_records_read_back() {
        for number in [0, 1, 42, 9_999_999, 123_456_789] {
            for fuel in [Fuel::Electricity, Fuel::Gas] {
                let reference = meter_point_reference(fuel, number);
                assert_eq!(
                    check_meter_point_reference(fuel, &reference),
                    Ok(()),
                    "{reference}"
                );
            }
        }
        let created = OffsetDateTime::from_unix_timestamp(1_780_000_000).unwrap();
        let supplier = Eui64::from_u64(0x90B3_D51F_3001_0000);
        let operator = Eui64::from_u64(0x90B3_D51F_3002_0000);
        let fleet = generate(11, 3, &[supplier], operator, created);
        assert_eq!(
            fleet,
            generate(11, 3, &[supplier], operator, created),
            "seeded"
        );
        let lines: Vec<&str> = fleet.electricity.lines().collect();
        assert_eq!(lines.len(), 6 + 2);
        assert_eq!(
            FileHeader::parse(lines[0]).unwrap().kind,
            FileKind::FullRefresh
        );
        let mut validator = Validator::new(
            Fuel::Electricity,
            KnownParties {
                suppliers: [supplier].into(),
                network_operators: [operator].into(),
                supplier_agents: HashSet::new(),
            },
        );
        for (number, line) in lines[1..7].iter().enumerate() {
            let record = validator.check(number as u64 + 2, line).expect("valid");
            assert_eq!(record.line(), *line, "a record writes back as read");
        }
        assert_eq!(lines[7], "TRL|6");
        assert_eq!(fleet.gas.lines().count(), 5 + 2);
    }

    const SUPPLIER: Eui64 = Eui64::from_u64(0x90B3_D51F_3001_0000);
    const OPERATOR: Eui64 = Eui64::from_u64(0x90B3_D51F_3002_0000);
    const AGENT: Eui64 = Eui64::from_u64(0x90B3_D51F_3005_0000);

    fn validator(fuel: Fuel) -> Validator {
        Validator::new(
            fuel,
            KnownParties {
                suppliers: [SUPPLIER].into(),
                network_operators: [OPERATOR].into(),
                supplier_agents: [AGENT].into(),
            },
        )
    }

    /// A valid electricity record for meter point `number` and device `device`, with
    /// `change` applied to its `|`-separated fields.
    fn record_line(number: u64, device: u64, change: impl FnOnce(&mut Vec<String>)) -> String {
        let mut fields: Vec<String> = RegistrationRecord {
            meter_point_reference: meter_point_reference(Fuel::Electricity, number),
            device_id: Eui64::from_u64(device),
            supplier: SUPPLIER,
            effective_from_ms: 1_767_225_600_000,
            network_operator: OPERATOR,
            supplier_agent: None,
            status: MeterPointStatus::Live,
        }
        .line()
        .split('|')
        .map(str::to_owned)
        .collect();
        change(&mut fields);
        fields.join("|")
    }

    /// The ERROR-file code a fresh validator gives `line`, or `OK`.
    fn code_of(line: &str) -> &'static str {
        match validator(Fuel::Electricity).check(2, line) {
            Ok(_) => "OK",
            Err(error) => error.code(),
        }
    }

    #[test]
    fn each_malformed_field_is_refused_with_its_own_reason() {
        let with = |index: usize, value: &str| {
            record_line(1, 0xA0, |fields| fields[index] = value.to_owned())
        };
        let cases = [
            (record_line(1, 0xA0, |_| {}), "OK"),
            (
                record_line(1, 0xA0, |f| f.push(String::new())),
                "FIELD_COUNT",
            ),
            (
                record_line(1, 0xA0, |f| {
                    f.pop();
                }),
                "FIELD_COUNT",
            ),
            (with(0, "XP"), "RECORD_TYPE"),
            (with(1, "12000000000A9"), "METER_POINT_FORMAT"),
            (with(1, "120000000001"), "METER_POINT_FORMAT"),
            (
                with(
                    1,
                    &meter_point_reference(Fuel::Electricity, 1).replace("0001", "0002"),
                ),
                "MPAN_CHECK_DIGIT",
            ),
            (with(2, "00DB1234567890A"), "DEVICE_ID"),
            (with(2, "00DB1234567890AG"), "DEVICE_ID"),
            (with(3, "90B3D51F3001000"), "PARTY_ID"),
            (with(4, "2026-01-01"), "EFFECTIVE_DATE"),
            (with(5, "not hex at all!!"), "PARTY_ID"),
            (with(6, "90B3"), "PARTY_ID"),
            (with(7, "X"), "STATUS"),
            (with(3, "90B3D51F30FF0000"), "UNKNOWN_SUPPLIER"),
            (with(5, "90B3D51F30FF0000"), "UNKNOWN_NETWORK_OPERATOR"),
            (with(6, "90B3D51F30FF0000"), "UNKNOWN_SUPPLIER_AGENT"),
            (with(6, &AGENT.to_hex()), "OK"),
            (with(7, "D"), "OK"),
            (format!("{}\r", record_line(1, 0xA0, |_| {})), "OK"),
        ];
        let found: Vec<(&str, &str)> = cases
            .iter()
            .map(|(line, _)| (line.as_str(), code_of(line)))
            .collect();
        let expected: Vec<(&str, &str)> = cases
            .iter()
            .map(|(line, code)| (line.as_str(), *code))
            .collect();
        assert_eq!(found, expected);
        // The reason names the field and what is wrong.
        let error = validator(Fuel::Electricity)
            .check(2, &with(6, "90B3"))
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "supplier agent id \"90B3\": not 16 hexadecimal digits"
        );
        let error = validator(Fuel::Electricity)
            .check(2, &with(0, "XP"))
            .unwrap_err();
        assert_eq!(error.to_string(), "record type \"XP\": expected MP");
    }

    #[test]
    fn a_gas_file_checks_mprns_and_an_electricity_file_mpans() {
        let gas = meter_point_reference(Fuel::Gas, 7);
        let line = record_line(1, 0xA1, |fields| fields[1] = gas.clone());
        assert!(validator(Fuel::Gas).check(2, &line).is_ok());
        assert_eq!(code_of(&line), "METER_POINT_FORMAT");
        let wrong = format!(
            "{}{}",
            &gas[..gas.len() - 1],
            (gas.as_bytes()[gas.len() - 1] - b'0' + 1) % 10
        );
        let line = record_line(1, 0xA1, |fields| fields[1] = wrong);
        assert_eq!(
            validator(Fuel::Gas).check(2, &line).unwrap_err().code(),
            "MPRN_CHECK_DIGITS"
        );
    }

    #[test]
    fn a_meter_point_or_device_given_twice_is_refused_naming_the_first_line() {
        let mut validator = validator(Fuel::Electricity);
        assert!(validator.check(2, &record_line(1, 0xA0, |_| {})).is_ok());
        assert_eq!(
            validator.check(3, &record_line(1, 0xB0, |_| {})),
            Err(RecordError::DuplicateMeterPoint { first_line: 2 })
        );
        assert_eq!(
            validator.check(4, &record_line(2, 0xA0, |_| {})),
            Err(RecordError::DuplicateDevice { first_line: 2 })
        );
        // A refused record claims nothing: its meter point and device may come later.
        let refused = record_line(3, 0xC0, |fields| fields[7] = "X".to_owned());
        assert!(validator.check(5, &refused).is_err());
        assert!(validator.check(6, &record_line(3, 0xC0, |_| {})).is_ok());
    }

    #[test]
    fn the_error_file_lists_refusals_in_line_order_with_a_trailer() {
        let header = FileHeader {
            kind: FileKind::DailyUpdate,
            fuel: Fuel::Gas,
            sequence: 7,
            created: OffsetDateTime::from_unix_timestamp(1_780_000_000).unwrap(),
        };
        let refused = |line_number, reason: &str| RefusedRecord {
            line_number,
            code: "STATUS".to_owned(),
            reason: reason.to_owned(),
            line: format!("MP|{line_number}"),
        };
        let text = error_file(&header, &[refused(9, "b|c"), refused(3, "a")]);
        assert_eq!(
            text,
            "ERRHDR|U-000007\nERR|3|STATUS|a|MP|3\nERR|9|STATUS|b/c|MP|9\nERRTRL|2\n"
        );
        assert_eq!(error_file(&header, &[]), "ERRHDR|U-000007\nERRTRL|0\n");
    }

    #[test]
    fn a_header_is_read_field_by_field_and_refused_with_the_field_named() {
        let header = FileHeader::parse("HDR|F|E|000001|2026-12-01T00:00:00Z").unwrap();
        assert_eq!(header.line(), "HDR|F|E|000001|2026-12-01T00:00:00Z");
        assert_eq!(header.transmission_id(), "F-000001");
        for (line, reason) in [
            ("HDR|F|E|000001", "5 fields"),
            ("TRL|F|E|000001|2026-12-01T00:00:00Z", "must be HDR"),
            ("HDR|X|E|000001|2026-12-01T00:00:00Z", "file kind"),
            ("HDR|F|W|000001|2026-12-01T00:00:00Z", "fuel"),
            ("HDR|F|E|one|2026-12-01T00:00:00Z", "sequence"),
            ("HDR|F|E|000001|yesterday", "created"),
        ] {
            let error = FileHeader::parse(line).unwrap_err();
            assert!(error.contains(reason), "{line}: {error}");
        }
    }
}
