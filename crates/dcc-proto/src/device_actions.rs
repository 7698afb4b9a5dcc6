//! The `DeviceControl` contract in domain terms: a party hosting device engines implements
//! [`DeviceHost`] and serves it with [`server`]; callers use [`act`]. Refusals travel as gRPC
//! status codes (NOT_FOUND: not hosted here; UNIMPLEMENTED: the device does not do it;
//! INVALID_ARGUMENT: the action is wrong) and come back as the same [`ActionRefusal`].

use std::sync::Arc;

use dcc_model::device_control::{ActionRefusal, DeviceAction, Display, PowerState};
use dcc_model::Eui64;
use tonic::{Code, Request, Response, Status};

use crate::device_control::device_action_request::Action as WireAction;
use crate::device_control::device_control_client::DeviceControlClient;
use crate::device_control::device_control_server::{DeviceControl, DeviceControlServer};
use crate::device_control::{
    DeviceActionDone, DeviceActionRequest, Display as WireDisplay, DisplayRequest, Power,
    RaiseAlert, Reset, SetRegister, ShiftClock,
};
use crate::transport::GrpcTransport;

/// A party that hosts device engines and can act on them.
pub trait DeviceHost: Send + Sync + 'static {
    /// Does `action` to `device` and sends up the alerts it raised; returns their codes.
    /// [`ActionRefusal::UnknownDevice`] when the device is not hosted here.
    fn act(&self, device: Eui64, action: &DeviceAction) -> Result<Vec<u16>, ActionRefusal>;

    /// What `device`'s display shows; [`ActionRefusal::UnknownDevice`] when it is not hosted here.
    fn display(&self, device: Eui64) -> Result<Display, ActionRefusal>;
}

/// The `DeviceControl` service of a host.
#[derive(Debug)]
pub struct DeviceControlService<H>(Arc<H>);

/// The gRPC server of `host`.
pub fn server<H: DeviceHost>(host: Arc<H>) -> DeviceControlServer<DeviceControlService<H>> {
    DeviceControlServer::new(DeviceControlService(host))
}

/// The service's name, for health reporting.
pub const SERVICE_NAME: &str = crate::device_control::device_control_server::SERVICE_NAME;

#[tonic::async_trait]
impl<H: DeviceHost> DeviceControl for DeviceControlService<H> {
    async fn act(
        &self,
        request: Request<DeviceActionRequest>,
    ) -> Result<Response<DeviceActionDone>, Status> {
        let (device, action) = action_of(request.into_inner())?;
        let span = tracing::info_span!("device_control.act", request_id = "", device_id = %device, action = %action.describe());
        let _entered = span.enter();
        let alert_codes = self
            .0
            .act(device, &action)
            .map_err(|refusal| {
                tracing::warn!(%refusal, "device action refused");
                refusal_status(&refusal)
            })?
            .into_iter()
            .map(u32::from)
            .collect();
        tracing::info!(?alert_codes, "device action done");
        Ok(Response::new(DeviceActionDone { alert_codes }))
    }

    async fn read_display(
        &self,
        request: Request<DisplayRequest>,
    ) -> Result<Response<WireDisplay>, Status> {
        let device = crate::convert::eui64("device_id", &request.into_inner().device_id)?;
        let display = self
            .0
            .display(device)
            .map_err(|refusal| refusal_status(&refusal))?;
        Ok(Response::new(WireDisplay {
            message: display.message,
            customer_identification_number: display.customer_identification_number,
            privacy_pin_protection: display.privacy_pin_protection,
        }))
    }
}

/// The wire request for `action` on `device`.
pub fn request(device: Eui64, action: &DeviceAction) -> DeviceActionRequest {
    let action = match action {
        DeviceAction::RaiseAlert(code) => WireAction::RaiseAlert(RaiseAlert {
            alert_code: u32::from(*code),
        }),
        DeviceAction::SetRegister { register, value } => WireAction::SetRegister(SetRegister {
            register: register.clone(),
            value: value.clone(),
        }),
        DeviceAction::Power(power) => WireAction::Power(Power {
            on: *power == PowerState::On,
        }),
        DeviceAction::ShiftClock { seconds } => {
            WireAction::ShiftClock(ShiftClock { seconds: *seconds })
        }
        DeviceAction::Reset => WireAction::Reset(Reset {}),
    };
    DeviceActionRequest {
        device_id: device.to_hex(),
        action: Some(action),
    }
}

/// The device and action of a wire request, or INVALID_ARGUMENT naming the bad field.
pub fn action_of(request: DeviceActionRequest) -> Result<(Eui64, DeviceAction), Status> {
    let device = crate::convert::eui64("device_id", &request.device_id)?;
    let action = match request.action {
        Some(WireAction::RaiseAlert(raise)) => {
            let code = u16::try_from(raise.alert_code).map_err(|_| {
                Status::invalid_argument(format!(
                    "field raise_alert.alert_code: {:#X} is above 0xFFFF",
                    raise.alert_code
                ))
            })?;
            DeviceAction::RaiseAlert(code)
        }
        Some(WireAction::SetRegister(set)) => DeviceAction::SetRegister {
            register: set.register,
            value: set.value,
        },
        Some(WireAction::Power(power)) => DeviceAction::Power(match power.on {
            true => PowerState::On,
            false => PowerState::Off,
        }),
        Some(WireAction::ShiftClock(shift)) => DeviceAction::ShiftClock {
            seconds: shift.seconds,
        },
        Some(WireAction::Reset(_)) => DeviceAction::Reset,
        None => return Err(Status::invalid_argument("field action: missing")),
    };
    Ok((device, action))
}

/// The status a refusal travels as.
pub fn refusal_status(refusal: &ActionRefusal) -> Status {
    let message = refusal.to_string();
    match refusal {
        ActionRefusal::UnknownDevice(_) => Status::not_found(message),
        ActionRefusal::NotSupported(_) => Status::unimplemented(message),
        ActionRefusal::Invalid(_) => Status::invalid_argument(message),
    }
}

/// Why a call to act on a device failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActError {
    #[error(transparent)]
    Refused(#[from] ActionRefusal),
    #[error("the device control service could not be reached: {0}")]
    Unreachable(String),
}

/// The refusal a status carries back (the codes [`refusal_status`] gives), or unreachable.
fn act_error(device: Eui64, status: &Status) -> ActError {
    match status.code() {
        Code::NotFound => ActError::Refused(ActionRefusal::UnknownDevice(device)),
        Code::Unimplemented => {
            ActError::Refused(ActionRefusal::NotSupported(status.message().to_owned()))
        }
        Code::InvalidArgument => {
            ActError::Refused(ActionRefusal::Invalid(status.message().to_owned()))
        }
        _ => ActError::Unreachable(format!("{:?}: {}", status.code(), status.message())),
    }
}

/// Asks the party behind `transport` to do `action` to `device`; returns the codes of the
/// alerts it raised.
pub async fn act(
    transport: GrpcTransport,
    device: Eui64,
    action: &DeviceAction,
) -> Result<Vec<u16>, ActError> {
    let mut client = DeviceControlClient::new(transport);
    let done = client
        .act(request(device, action))
        .await
        .map_err(|status| act_error(device, &status))?;
    Ok(done
        .into_inner()
        .alert_codes
        .into_iter()
        .filter_map(|code| u16::try_from(code).ok())
        .collect())
}

/// Asks the party behind `transport` what `device`'s display shows.
pub async fn read_display(transport: GrpcTransport, device: Eui64) -> Result<Display, ActError> {
    let mut client = DeviceControlClient::new(transport);
    let display = client
        .read_display(DisplayRequest {
            device_id: device.to_hex(),
        })
        .await
        .map_err(|status| act_error(device, &status))?
        .into_inner();
    Ok(Display {
        message: display.message,
        customer_identification_number: display.customer_identification_number,
        privacy_pin_protection: display.privacy_pin_protection,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_crosses_the_wire_unchanged() {
        let device = Eui64::from_u64(0x00DB_1234_5678_90A0);
        for action in [
            DeviceAction::RaiseAlert(0x8F1C),
            DeviceAction::SetRegister {
                register: "meter_balance".into(),
                value: "-5".into(),
            },
            DeviceAction::Power(PowerState::Off),
            DeviceAction::Power(PowerState::On),
            DeviceAction::ShiftClock { seconds: -300 },
            DeviceAction::Reset,
        ] {
            assert_eq!(
                action_of(request(device, &action)).unwrap(),
                (device, action)
            );
        }
    }

    #[test]
    fn malformed_requests_name_their_field() {
        let status = action_of(DeviceActionRequest {
            device_id: "00DB1234567890A0".into(),
            action: None,
        })
        .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(status.message(), "field action: missing");
        let status = action_of(DeviceActionRequest {
            device_id: "00DB1234567890A0".into(),
            action: Some(WireAction::RaiseAlert(RaiseAlert {
                alert_code: 0x1_8F1C,
            })),
        })
        .unwrap_err();
        assert!(status.message().starts_with("field raise_alert.alert_code"));
        let status = action_of(DeviceActionRequest {
            device_id: "nope".into(),
            action: Some(WireAction::Reset(Reset {})),
        })
        .unwrap_err();
        assert!(status.message().starts_with("field device_id"));
    }

    #[test]
    fn refusals_travel_as_status_codes() {
        let device = Eui64::from_u64(1);
        assert_eq!(
            refusal_status(&ActionRefusal::UnknownDevice(device)).code(),
            Code::NotFound
        );
        assert_eq!(
            refusal_status(&ActionRefusal::NotSupported("no".into())).code(),
            Code::Unimplemented
        );
        assert_eq!(
            refusal_status(&ActionRefusal::Invalid("bad".into())).code(),
            Code::InvalidArgument
        );
    }
}
