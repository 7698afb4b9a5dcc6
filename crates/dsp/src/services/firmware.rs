//! Firmware services (11.x): read the firmware version, activate firmware (the 11.1 and 11.4
//! distributions are non-device services of the DSP).

use duis::catalogue::ServiceDefinition;
use duis::BodyElement;
use gbcs::use_case::ecs52;

use super::{run, use_case_for, CommandContext, DeviceCommand, NoData, ServiceRequest, Transform};
use crate::rejection::Rejection;

pub(super) const SERVICES: &[(&str, Transform)] = &[("11.2", run::<ReadFirmwareVersion>)];

/// 11.2 Read Firmware Version: ECS52 on an ESME or a CHF.
struct ReadFirmwareVersion;

impl ServiceRequest for ReadFirmwareVersion {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        NoData::parse(body).map(|_| Self)
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = use_case_for(service, context.device_type)?;
        if use_case.message_code != ecs52::MESSAGE_CODE {
            return Err(super::not_for_device_type(service, context.device_type));
        }
        let payload = ecs52::command_payload(context.counter());
        Ok(DeviceCommand::new(use_case, context, payload))
    }
}
