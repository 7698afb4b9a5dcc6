//! The typed state of a device: what its use cases change and its reads return, where
//! behaviour needs more than the object store (supply, registers, prepayment, firmware, the
//! HAN device log, the clock), and the faults a test or a scenario puts it into.
//!
//! A state file (`dccsim device respond --state FILE`) is this structure in TOML; every field
//! is optional and defaults to the state of a freshly installed device.

use serde::{Deserialize, Serialize};

use crate::consumption::{LoadProfile, HALF_HOUR};

use crate::date_time::DeviceDateTime;
use crate::fault::{Fault, FaultTarget};

/// Whether the ESME's load switch lets electricity through (GSME: the valve).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupplyState {
    #[default]
    Enabled,
    Disabled,
    /// Ready to be enabled by the consumer.
    Armed,
}

impl SupplyState {
    /// The COSEM disconnect control state (`0` disconnected, `1` connected, `2` ready for
    /// reconnection).
    pub fn cosem_control_state(self) -> u8 {
        match self {
            Self::Disabled => 0,
            Self::Enabled => 1,
            Self::Armed => 2,
        }
    }
}

/// The build of an electricity meter: its number of measuring elements and phases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeterVariant {
    /// One element (the default).
    #[default]
    Single,
    /// Two elements (primary and secondary), each with its own registers and tariff.
    Twin,
    /// Three phases.
    Polyphase,
}

/// Whether the meter runs in credit or prepayment mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMode {
    #[default]
    Credit,
    Prepayment,
}

/// A device's state: registers, switches and settings its use cases change and read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeviceState {
    /// The electricity meter's build.
    pub variant: MeterVariant,
    pub supply: SupplyState,
    pub payment_mode: PaymentMode,
    /// ESME active import register (Wh) at installation.
    pub active_import_wh: u32,
    /// The import load the meter follows from installation (`None`: none, the registers stay
    /// where they are).
    pub load_profile: Option<LoadProfile>,
    /// ESME reactive import register (varh).
    pub reactive_import_varh: u32,
    /// ESME active export register (Wh).
    pub active_export_wh: u32,
    /// GSME current summation delivered, in units of `gas_unit_of_measure` / `gas_divisor`.
    pub gas_current_summation_delivered: u64,
    /// ZCL unit of measure of the gas register (0x01: m³).
    pub gas_unit_of_measure: u8,
    pub gas_multiplier: u32,
    pub gas_divisor: u32,
    /// GSME block tariff counters 1–4.
    pub gas_block_counters: [u64; 4],
    /// Meter balance in the currency's smallest unit (pence), may be negative.
    pub meter_balance: i32,
    /// Emergency credit balance (pence).
    pub emergency_credit_balance: i32,
    /// The active firmware version octets (ECS52).
    #[serde(with = "hex_bytes")]
    pub firmware_version: Vec<u8>,
    /// The firmware image the device holds, received by firmware distribution and not yet
    /// active: CS06 activates it when the command names its manufacturer image hash.
    pub firmware_image: Option<HeldFirmwareImage>,
    /// The device's own originator counter (its alerts, its responses to unknown remote parties).
    pub originator_counter: u64,
    /// Remote party roles (GBCS role codes) whose trust anchor cells the device holds nothing
    /// in: it answers CS02a/CS02f for them with "trust anchor not found", and does not know
    /// those parties' keys.
    pub roles_without_trust_anchor: Vec<u8>,
    /// The UTRNs the meter has accepted (entering one of these again is a replay).
    pub accepted_utrns: Vec<String>,
    /// The supplier's originator counter of the last UTRN accepted: a UTRN's counter is the
    /// next above it that fits the ten bits the UTRN carries.
    pub last_top_up_counter: u64,
    /// The devices on the device's HAN device log (CHF: every device on the HAN; GPF: the
    /// GSME and PPMIDs, with their types).
    pub han_device_log: Vec<HanDeviceLogEntry>,
    /// The CHF's copy of the GPF's device log.
    pub gpf_device_log: Vec<HanDeviceLogEntry>,
    /// The devices joined to this one (CS03 joins, CS04 unjoins, CS07 reads).
    pub joined_devices: Vec<JoinedDevice>,
    /// When the device was installed: its logs and snapshots start then.
    pub installed: DeviceDateTime,
    /// The top-ups the meter has applied, oldest first.
    pub top_up_log: Vec<TopUp>,
    /// The debt the meter has collected, oldest first.
    pub debt_log: Vec<DebtCollection>,
    /// The events the device has logged, oldest first.
    pub event_log: Vec<LoggedEvent>,
    /// The security events the device has logged (credentials updated…), oldest first.
    pub security_log: Vec<LoggedEvent>,
    /// Where requests fail: a hardware fault at an object, a rejected tariff, …
    pub faults: Vec<Fault>,
    /// How far the device's clock is ahead of its Comms Hub's (behind when negative), in
    /// seconds: a drift a device action causes and a clock synchronisation (ECS70, GCS28) that
    /// arrives within its validity interval takes away.
    pub clock_offset_seconds: i64,
    /// The validity interval of the last ECS70 `preset_adjusting_time`, which its
    /// `adjust_to_preset_time` acts on.
    pub clock_preset: Option<ClockPreset>,
}

/// The interval within which an ESME may take its Comms Hub's time (ECS70).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockPreset {
    pub valid_from: DeviceDateTime,
    pub valid_to: DeviceDateTime,
}

impl DeviceState {
    /// The result code of the fault set on `target`, if any.
    pub fn fault_result(&self, target: &FaultTarget) -> Option<u8> {
        self.faults
            .iter()
            .find(|fault| fault.on == *target)
            .map(|fault| fault.result)
    }

    /// The active import register (Wh) at `time` (UTC seconds since 2000): its value at
    /// installation plus the load since (a register past its 32 bits stops at the top).
    pub fn active_import_at(&self, time: u32) -> u32 {
        let installed = self.installed.seconds_since_2000();
        let used = match self.load_profile {
            Some(load) if time > installed => load.energy_wh(installed, time),
            _ => 0,
        };
        u32::try_from(u64::from(self.active_import_wh) + used).unwrap_or(u32::MAX)
    }

    /// The active import energy (Wh) of the half hour that ends at `end`; 0 before
    /// installation or without a load.
    pub fn half_hour_import_ending(&self, end: u32) -> u32 {
        let installed = self.installed.seconds_since_2000();
        match (self.load_profile, end.checked_sub(HALF_HOUR)) {
            (Some(load), Some(start)) if start >= installed => load.half_hour_wh(start),
            _ => 0,
        }
    }
}

/// A firmware image a device holds: its manufacturer image hash (SHA-256) and the firmware
/// version it runs once activated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeldFirmwareImage {
    #[serde(with = "hex_bytes")]
    pub manufacturer_image_hash: Vec<u8>,
    #[serde(with = "hex_bytes")]
    pub firmware_version: Vec<u8>,
}

/// A device joined to this one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JoinedDevice {
    pub device_id: dcc_model::Eui64,
    /// The device type as the join command gave it.
    pub device_type: u8,
}

/// A top-up the meter applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopUp {
    pub utrn: String,
    /// Pence.
    pub amount: i32,
    pub at: DeviceDateTime,
}

/// Debt the meter collected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DebtCollection {
    pub at: DeviceDateTime,
    /// Pence collected.
    pub collected: u32,
    /// 1 time-based, 2 payment-based (ZCL debt type).
    pub debt_type: u8,
    /// Pence outstanding after the collection.
    pub outstanding: u32,
}

/// An event in a device's event log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoggedEvent {
    pub at: DeviceDateTime,
    /// The GBCS event or alert code.
    pub code: u16,
}

/// One device on a HAN device log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HanDeviceLogEntry {
    pub device_id: dcc_model::Eui64,
    /// The device's install code (16 bytes for ZigBee), as hex.
    #[serde(with = "hex_bytes", default)]
    pub install_code: Vec<u8>,
    /// The device's GBCS HAN device type (0 GSME, 1 ESME, … 5 PPMID), where the log records
    /// it: a GPF's log does (GCS59), a CHF's does not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_type: Option<u8>,
}

/// When a device in its default state was installed: 2014-12-29 (its logs have three days of
/// entries at the date of DCC's reference data, 2015-01-01).
pub const INSTALLED: DeviceDateTime = DeviceDateTime::midnight(2014, 12, 29);

/// The event code a device in its default state has logged at installation.
pub const INSTALLATION_EVENT: u16 = 0x8183;
/// The event an ESME logs when its supply is armed (GBCS 8F32 "Supply armed").
pub const SUPPLY_ARMED_EVENT: u16 = 0x8F32;
/// The security event a device logs when it replaces a trust anchor (GBCS 8F70 "Security
/// credentials updated").
pub const CREDENTIALS_UPDATED_EVENT: u16 = 0x8F70;

/// The most entries an event or security log keeps; the oldest go first.
pub const LOG_CAPACITY: usize = 100;

impl DeviceState {
    /// Logs `code` at `at` in the event log (`security: false`) or the security log.
    pub fn log_event(&mut self, at: DeviceDateTime, code: u16, security: bool) {
        let log = if security {
            &mut self.security_log
        } else {
            &mut self.event_log
        };
        if log.len() >= LOG_CAPACITY {
            log.remove(0);
        }
        log.push(LoggedEvent { at, code });
    }
}

impl Default for DeviceState {
    fn default() -> Self {
        Self {
            variant: MeterVariant::Single,
            supply: SupplyState::Enabled,
            payment_mode: PaymentMode::Credit,
            active_import_wh: 10,
            load_profile: None,
            reactive_import_varh: 10,
            active_export_wh: 0,
            gas_current_summation_delivered: 123_456,
            gas_unit_of_measure: 0x01,
            gas_multiplier: 1,
            gas_divisor: 1000,
            gas_block_counters: [0; 4],
            meter_balance: 1_000,
            emergency_credit_balance: 0,
            firmware_version: vec![0x01, 0x23, 0xAB, 0xCD],
            firmware_image: None,
            originator_counter: 0,
            roles_without_trust_anchor: Vec::new(),
            accepted_utrns: Vec::new(),
            last_top_up_counter: 0,
            han_device_log: Vec::new(),
            gpf_device_log: Vec::new(),
            joined_devices: Vec::new(),
            installed: INSTALLED,
            top_up_log: vec![TopUp {
                utrn: "00000000000000000000".to_owned(),
                amount: 1_000,
                at: INSTALLED,
            }],
            debt_log: vec![DebtCollection {
                at: INSTALLED,
                collected: 0,
                debt_type: 2,
                outstanding: 0,
            }],
            event_log: vec![LoggedEvent {
                at: INSTALLED,
                code: INSTALLATION_EVENT,
            }],
            security_log: Vec::new(),
            faults: Vec::new(),
            clock_offset_seconds: 0,
            clock_preset: None,
        }
    }
}

/// Bytes written as a hex string in state files.
mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        let text: String = bytes.iter().map(|byte| format!("{byte:02X}")).collect();
        serializer.serialize_str(&text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        let digits: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() % 2 == 1 {
            return Err(serde::de::Error::custom("an odd number of hex digits"));
        }
        digits
            .chunks(2)
            .map(|pair| {
                let pair: String = pair.iter().collect();
                u8::from_str_radix(&pair, 16)
                    .map_err(|_| serde::de::Error::custom(format!("not hex: {pair}")))
            })
            .collect()
    }
}
