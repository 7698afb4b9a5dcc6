//! Acting on a device at its premises ([`DeviceAction`]): raising an alert, cutting and
//! restoring mains power (an ESME reports the outage when power comes back: 8F35, or ECS80's
//! 8F36 for 3 minutes or more), setting a register, making its clock drift from its Comms
//! Hub's. What the engine does not model is refused
//! with the reason.

use dcc_model::device_control::{ActionRefusal, DeviceAction, PowerState};
use dcc_model::DeviceType;
use gbcs::alert::{AlertCode, AlertDetails};

use crate::alerts::LONG_OUTAGE_SECONDS;
use crate::date_time::DeviceDateTime;
use crate::engine::Device;
use crate::state::{PaymentMode, SupplyState};

/// Supply outage restored (under 3 minutes).
const OUTAGE_RESTORED: AlertCode = AlertCode(0x8F35);
/// Supply outage restored after 3 minutes or more (ECS80).
const LONG_OUTAGE_RESTORED: AlertCode = AlertCode(0x8F36);

/// The registers [`Device::act`] sets, by name.
pub const REGISTERS: &[&str] = &[
    "active_import",
    "reactive_import",
    "active_export",
    "meter_balance",
    "emergency_credit_balance",
    "gas_consumption",
    "supply",
    "payment_mode",
    "firmware_version",
];

impl Device {
    /// Carries out `action` when the host's time is `now` (the device acts at its own,
    /// [`Device::local_time`]); returns the codes of the alerts it raised (waiting in the outbox).
    pub fn act(
        &mut self,
        action: &DeviceAction,
        now: DeviceDateTime,
    ) -> Result<Vec<AlertCode>, ActionRefusal> {
        // What fell due before the action is done first, as before a command.
        self.catch_up(now);
        let now = self.local_time(now);
        match action {
            DeviceAction::RaiseAlert(code) => {
                let code = AlertCode(*code);
                self.raise(code, now)?;
                Ok(vec![code])
            }
            DeviceAction::Power(power) => self.power(*power, now),
            DeviceAction::SetRegister { register, value } => {
                self.set_register(register, value)?;
                Ok(Vec::new())
            }
            DeviceAction::ShiftClock { seconds } => {
                self.state.clock_offset_seconds =
                    self.state.clock_offset_seconds.saturating_add(*seconds);
                Ok(Vec::new())
            }
            DeviceAction::Reset => Err(ActionRefusal::NotSupported(
                "the device engine keeps all its state as non-volatile: a reset changes nothing it models".to_owned(),
            )),
        }
    }

    /// Mains power off (the outage starts) or on (an ESME reports the outage).
    fn power(
        &mut self,
        power: PowerState,
        now: DeviceDateTime,
    ) -> Result<Vec<AlertCode>, ActionRefusal> {
        if self.device_type() != DeviceType::ElectricitySmartMeter {
            return Err(ActionRefusal::NotSupported(format!(
                "{} has no mains supply dccsim models: only an ESME reports supply outages",
                self.device_type()
            )));
        }
        match (power, self.power_outage) {
            (PowerState::Off, None) => {
                self.power_outage = Some(now);
                Ok(Vec::new())
            }
            (PowerState::Off, Some(_)) | (PowerState::On, None) => Ok(Vec::new()),
            (PowerState::On, Some(since)) => {
                let interrupted = since.seconds_since_2000();
                let restored = now.seconds_since_2000();
                self.power_outage = None;
                let code = match restored.saturating_sub(interrupted) >= LONG_OUTAGE_SECONDS {
                    true => LONG_OUTAGE_RESTORED,
                    false => OUTAGE_RESTORED,
                };
                let details = match code {
                    LONG_OUTAGE_RESTORED => AlertDetails::SupplyOutage {
                        interrupted,
                        restored,
                    },
                    _ => AlertDetails::Nothing,
                };
                self.raise_with(code, details, now)?;
                Ok(vec![code])
            }
        }
    }

    /// Sets one of [`REGISTERS`] (names compare without regard to case, `-` or spaces).
    fn set_register(&mut self, register: &str, value: &str) -> Result<(), ActionRefusal> {
        let name = register
            .trim()
            .to_ascii_lowercase()
            .replace(['-', ' '], "_");
        let electricity = self.device_type() == DeviceType::ElectricitySmartMeter;
        let meter = electricity || self.device_type() == DeviceType::GasSmartMeter;
        let applies = match name.as_str() {
            "active_import" | "reactive_import" | "active_export" => electricity,
            "gas_consumption" => self.device_type() == DeviceType::GasSmartMeter,
            "meter_balance" | "emergency_credit_balance" | "supply" | "payment_mode" => meter,
            "firmware_version" => true,
            _ => {
                return Err(ActionRefusal::NotSupported(format!(
                    "{register} is not a register dccsim models (it models {})",
                    REGISTERS.join(", ")
                )))
            }
        };
        if !applies {
            return Err(ActionRefusal::NotSupported(format!(
                "{} has no register {register}",
                self.device_type()
            )));
        }
        let invalid =
            |what: &str| ActionRefusal::Invalid(format!("{register}: {value:?} is not {what}"));
        let state = &mut self.state;
        match name.as_str() {
            "active_import" => {
                state.active_import_wh = number(value).ok_or_else(|| invalid("a number of Wh"))?
            }
            "reactive_import" => {
                state.reactive_import_varh =
                    number(value).ok_or_else(|| invalid("a number of varh"))?
            }
            "active_export" => {
                state.active_export_wh = number(value).ok_or_else(|| invalid("a number of Wh"))?
            }
            "gas_consumption" => {
                state.gas_current_summation_delivered =
                    number(value).ok_or_else(|| invalid("a number"))?
            }
            "meter_balance" => {
                state.meter_balance = number(value).ok_or_else(|| invalid("a number of pence"))?
            }
            "emergency_credit_balance" => {
                state.emergency_credit_balance =
                    number(value).ok_or_else(|| invalid("a number of pence"))?
            }
            "supply" => {
                state.supply = match value.trim().to_ascii_lowercase().as_str() {
                    "enabled" => SupplyState::Enabled,
                    "disabled" => SupplyState::Disabled,
                    "armed" => SupplyState::Armed,
                    _ => return Err(invalid("enabled, disabled or armed")),
                }
            }
            "payment_mode" => {
                state.payment_mode = match value.trim().to_ascii_lowercase().as_str() {
                    "credit" => PaymentMode::Credit,
                    "prepayment" => PaymentMode::Prepayment,
                    _ => return Err(invalid("credit or prepayment")),
                }
            }
            _ => state.firmware_version = hex(value).ok_or_else(|| invalid("hex octets"))?,
        }
        Ok(())
    }
}

fn number<T: std::str::FromStr>(value: &str) -> Option<T> {
    value.trim().parse().ok()
}

fn hex(value: &str) -> Option<Vec<u8>> {
    let digits = value.trim();
    if digits.is_empty() || digits.len() % 2 == 1 {
        return None;
    }
    (0..digits.len())
        .step_by(2)
        .map(|index| u8::from_str_radix(digits.get(index..index + 2)?, 16).ok())
        .collect()
}
