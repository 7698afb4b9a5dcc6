//! Supply and auxiliary load services (7.x): enable, disable and arm supply, supply status,
//! auxiliary load switches and controllers, boost button, randomised offset, APC limits.

use duis::catalogue::ServiceDefinition;
use duis::BodyElement;
use gbcs::use_case::ecs42;

use super::{run, use_case_for, CommandContext, DeviceCommand, NoData, ServiceRequest, Transform};
use crate::rejection::Rejection;

pub(super) const SERVICES: &[(&str, Transform)] = &[("7.1", run::<EnableSupply>)];

/// 7.1 Enable Supply: ECS42 on an ESME (critical).
struct EnableSupply;

impl ServiceRequest for EnableSupply {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        NoData::parse(body).map(|_| Self)
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = use_case_for(service, context.device_type)?;
        let payload = ecs42::command_payload(context.counter());
        Ok(DeviceCommand::new(use_case, context, payload))
    }
}
