//! Acting on a device from outside the DCC, as a person at the premises or a test lab would:
//! the interface scenario `device` steps are written against. The device engine provides the
//! implementation; until it does, ecosystems have none and such steps are skipped with the
//! reason.

use dcc_model::Eui64;
use serde::{Deserialize, Serialize};

/// One thing done to a device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum DeviceAction {
    /// The device raises the GBCS alert with this code (four hex digits, e.g. `8F1C`).
    RaiseAlert(String),
    /// Sets a register (by its DUIS or GBCS name) to a value.
    SetRegister { register: String, value: String },
    /// Power is cut from the device, or comes back.
    Power(PowerState),
    /// The device's own clock moves by this much (`1h`, `-5m`).
    ShiftClock(String),
    /// The device forgets everything not stored in non-volatile memory.
    Reset,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PowerState {
    On,
    Off,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeviceControlError {
    #[error("device {0} is not in this ecosystem")]
    UnknownDevice(Eui64),
    #[error("device {device} cannot {action}: {reason}")]
    NotSupported {
        device: Eui64,
        action: String,
        reason: String,
    },
}

/// The device engine's control API, as scenarios use it.
pub trait DeviceControl: Send + Sync + std::fmt::Debug {
    fn act<'a>(
        &'a self,
        device: Eui64,
        action: &'a DeviceAction,
    ) -> futures::future::BoxFuture<'a, Result<(), DeviceControlError>>;
}
