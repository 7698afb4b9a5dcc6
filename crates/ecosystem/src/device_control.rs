//! Acting on a device from outside the DCC, as a person at the premises or a test lab would:
//! the interface scenario `device` steps are written against, and [`GrpcDeviceControl`], its
//! implementation over the `DeviceControl` gRPC service of the parties hosting the device
//! engines (the Comms Hubs, the smart meters), in process ([`crate::Sandbox::device_control`])
//! or towards a running ecosystem (`dccsim device act`).

use dcc_model::device_control::{self as model, ActionRefusal};
use dcc_model::Eui64;
use dcc_proto::device_actions::{self, ActError};
use dcc_proto::transport::GrpcTransport;
use serde::{Deserialize, Serialize};

use crate::parties::PeerDirectory;

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

impl DeviceAction {
    /// The action as the device engine takes it: the alert code read (`8F1C`), the clock
    /// shift in seconds (`1h`, `-5m`).
    pub fn to_model(&self) -> Result<model::DeviceAction, String> {
        Ok(match self {
            Self::RaiseAlert(code) => model::DeviceAction::RaiseAlert(
                code.parse::<gbcs::alert::AlertCode>()
                    .map_err(|error| error.to_string())?
                    .0,
            ),
            Self::SetRegister { register, value } => model::DeviceAction::SetRegister {
                register: register.clone(),
                value: value.clone(),
            },
            Self::Power(PowerState::On) => model::DeviceAction::Power(model::PowerState::On),
            Self::Power(PowerState::Off) => model::DeviceAction::Power(model::PowerState::Off),
            Self::ShiftClock(by) => {
                let (sign, magnitude) = match by.trim().strip_prefix('-') {
                    Some(rest) => (-1, rest),
                    None => (1, by.trim()),
                };
                let duration = crate::faults::parse_duration(magnitude)?;
                let seconds = i64::try_from(duration.as_secs())
                    .map_err(|_| format!("{by:?} is too long a shift"))?;
                model::DeviceAction::ShiftClock {
                    seconds: sign * seconds,
                }
            }
            Self::Reset => model::DeviceAction::Reset,
        })
    }
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
    #[error("device {device}: {action} is not a valid action: {reason}")]
    Invalid {
        device: Eui64,
        action: String,
        reason: String,
    },
    #[error("the device control service cannot be reached: {0}")]
    Unreachable(String),
}

/// The device engine's control API, as scenarios use it: does the action and returns the
/// codes of the alerts it made the device raise (on their way to their recipients).
pub trait DeviceControl: Send + Sync + std::fmt::Debug {
    fn act<'a>(
        &'a self,
        device: Eui64,
        action: &'a DeviceAction,
    ) -> futures::future::BoxFuture<'a, Result<Vec<u16>, DeviceControlError>>;

    /// What the device's display shows.
    fn display(
        &self,
        device: Eui64,
    ) -> futures::future::BoxFuture<'_, Result<model::Display, DeviceControlError>>;
}

/// The parties that host device engines, in the order they are asked.
const HOSTS: [&str; 2] = ["commshub", "smartmeter"];

/// [`DeviceControl`] over gRPC: asks each party hosting device engines in turn until one has
/// the device.
#[derive(Clone)]
pub struct GrpcDeviceControl {
    hosts: Vec<(&'static str, GrpcTransport)>,
}

impl std::fmt::Debug for GrpcDeviceControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.hosts.iter().map(|(name, _)| *name).collect();
        f.debug_struct("GrpcDeviceControl")
            .field("hosts", &names)
            .finish()
    }
}

impl GrpcDeviceControl {
    /// The hosts as `directory` reaches them.
    pub fn new(directory: &dyn PeerDirectory) -> Self {
        Self {
            hosts: HOSTS
                .iter()
                .map(|party| (*party, directory.transport(party)))
                .collect(),
        }
    }

    /// Does `action` to `device` (the engine's form of it).
    pub async fn act_on(
        &self,
        device: Eui64,
        action: &model::DeviceAction,
    ) -> Result<Vec<u16>, DeviceControlError> {
        let describe = || action.describe();
        for (_, transport) in &self.hosts {
            match device_actions::act(transport.clone(), device, action).await {
                Ok(raised) => return Ok(raised),
                Err(ActError::Refused(ActionRefusal::UnknownDevice(_))) => continue,
                Err(ActError::Refused(ActionRefusal::NotSupported(reason))) => {
                    return Err(DeviceControlError::NotSupported {
                        device,
                        action: describe(),
                        reason,
                    })
                }
                Err(ActError::Refused(ActionRefusal::Invalid(reason))) => {
                    return Err(DeviceControlError::Invalid {
                        device,
                        action: describe(),
                        reason,
                    })
                }
                Err(ActError::Unreachable(reason)) => {
                    return Err(DeviceControlError::Unreachable(reason))
                }
            }
        }
        Err(DeviceControlError::UnknownDevice(device))
    }

    /// What `device`'s display shows, from whichever host has it.
    pub async fn display_of(&self, device: Eui64) -> Result<model::Display, DeviceControlError> {
        for (_, transport) in &self.hosts {
            match device_actions::read_display(transport.clone(), device).await {
                Ok(display) => return Ok(display),
                Err(ActError::Refused(ActionRefusal::UnknownDevice(_))) => continue,
                Err(ActError::Refused(refusal)) => {
                    return Err(DeviceControlError::NotSupported {
                        device,
                        action: "read its display".to_owned(),
                        reason: refusal.to_string(),
                    })
                }
                Err(ActError::Unreachable(reason)) => {
                    return Err(DeviceControlError::Unreachable(reason))
                }
            }
        }
        Err(DeviceControlError::UnknownDevice(device))
    }
}

impl DeviceControl for GrpcDeviceControl {
    fn display(
        &self,
        device: Eui64,
    ) -> futures::future::BoxFuture<'_, Result<model::Display, DeviceControlError>> {
        Box::pin(self.display_of(device))
    }

    fn act<'a>(
        &'a self,
        device: Eui64,
        action: &'a DeviceAction,
    ) -> futures::future::BoxFuture<'a, Result<Vec<u16>, DeviceControlError>> {
        Box::pin(async move {
            let model = action
                .to_model()
                .map_err(|reason| DeviceControlError::Invalid {
                    device,
                    action: format!("{action:?}"),
                    reason,
                })?;
            self.act_on(device, &model).await
        })
    }
}
