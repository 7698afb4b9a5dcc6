//! Read services (4.x): registers, billing data logs, daily read logs, profile data, network
//! data, tariff, maximum demand and meter balance reads.

use duis::catalogue::ServiceDefinition;
use duis::BodyElement;
use gbcs::use_case::{ecs17b, gcs13a};

use super::{run, use_case_for, CommandContext, DeviceCommand, NoData, ServiceRequest, Transform};
use crate::rejection::Rejection;

pub(super) const SERVICES: &[(&str, Transform)] =
    &[("4.1.1", run::<ReadInstantaneousImportRegisters>)];

/// 4.1.1: ECS17b on an ESME, GCS13a on a GSME or its GPF.
struct ReadInstantaneousImportRegisters;

impl ServiceRequest for ReadInstantaneousImportRegisters {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        NoData::parse(body).map(|_| Self)
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = use_case_for(service, context.device_type)?;
        let payload = if use_case.message_code == ecs17b::MESSAGE_CODE {
            ecs17b::command_payload(context.counter(), context.originator(), context.device())
        } else {
            gcs13a::command_payload()
        };
        Ok(DeviceCommand::new(use_case, context, payload))
    }
}
