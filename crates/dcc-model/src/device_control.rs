//! Acting on a device at its premises, as a test lab or a scenario does: what can be done to
//! a device, what its display shows, and why an action may not be done. The device engine carries the actions out; the
//! parties hosting devices serve them over gRPC; scenarios and the CLI ask for them.

use crate::Eui64;

/// One thing done to a device.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DeviceAction {
    /// The device raises the GBCS alert with this code (e.g. `0x8F1C`).
    RaiseAlert(u16),
    /// A register (by name) takes a value.
    SetRegister { register: String, value: String },
    /// Mains power is cut from the device, or comes back.
    Power(PowerState),
    /// The device's clock moves by this many seconds.
    ShiftClock { seconds: i64 },
    /// The device restarts, forgetting what it keeps only in volatile memory.
    Reset,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PowerState {
    On,
    Off,
}

impl DeviceAction {
    /// A short description for messages and logs, e.g. `raise alert 8F1C`.
    pub fn describe(&self) -> String {
        match self {
            Self::RaiseAlert(code) => format!("raise alert {code:04X}"),
            Self::SetRegister { register, value } => format!("set {register} to {value}"),
            Self::Power(PowerState::On) => "power on".to_owned(),
            Self::Power(PowerState::Off) => "power off".to_owned(),
            Self::ShiftClock { seconds } => format!("shift its clock by {seconds} s"),
            Self::Reset => "reset".to_owned(),
        }
    }
}

/// What a meter's display shows a person at the premises: what commands without a DUIS read
/// leave behind (3.1's supplier message, 9.1's Customer Identification Number, 3.5's privacy
/// PIN protection).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Display {
    /// The supplier's message (3.1), when one was sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The Customer Identification Number the DCC sent (9.1), when one was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_identification_number: Option<String>,
    /// Whether the display asks for the privacy PIN (until 3.5 disables the protection).
    pub privacy_pin_protection: bool,
}

/// Why an action was not done.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionRefusal {
    /// No device with this id is hosted where the action was asked.
    #[error("device {0} is not here")]
    UnknownDevice(Eui64),
    /// The device cannot do it (its type does not, or dccsim does not model it).
    #[error("{0}")]
    NotSupported(String),
    /// The action itself is wrong (a code that is no alert code, a value of the wrong form).
    #[error("{0}")]
    Invalid(String),
}
