//! Firmware services (11.x): read the firmware version, activate firmware (the 11.1 and 11.4
//! distributions are non-device services of the DSP).

use dcc_model::DeviceType;
use duis::catalogue::ServiceDefinition;
use duis::BodyElement;
use gbcs::cosem::{class, reference, AccessRequest};
use gbcs::dlms::CosemReference;
use gbcs::firmware::{ActivateFirmware as ActivateFirmwareCommand, READ_FIRMWARE_VERSION_COMMAND};
use gbcs::zse::requests::{cluster, metering, CommandPayload, ZclRequest};
use time::OffsetDateTime;

use super::body::{self, Children, FutureDated};
use super::date_times::generalized_time;
use super::{
    run, use_case_for, CommandContext, CommandOrigin, DeviceCommand, ServiceRequest, Transform,
};
use crate::rejection::Rejection;

pub(super) const SERVICES: &[(&str, Transform)] = &[
    ("11.2", run::<ReadFirmwareVersion>),
    ("11.3", run::<ActivateFirmware>),
];

/// ECS52: the active firmware version (class 1, 0-0:0.2.1.255).
const FIRMWARE_VERSION: CosemReference = reference(class::DATA, [0, 0, 0, 2, 1, 255], 2);

/// 11.2 Read Firmware Version: ECS52 on an ESME or a CHF, GCS38 on a GSME or a GPF, CS08 on a
/// PPMID or an HCALCS. GBCS has the ACB send it to a CHF, a PPMID or an HCALCS (the RTDS CS08
/// commands are the ACB's, and a CHF takes non-critical commands from the ACB only).
struct ReadFirmwareVersion;

impl ServiceRequest for ReadFirmwareVersion {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        FutureDated::parse(body).map(|_| Self)
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = use_case_for(service, context.device_type)?;
        let command = match context.device_type {
            DeviceType::GasSmartMeter | DeviceType::GasProxyFunction => {
                let read =
                    ZclRequest::read_attributes(cluster::METERING, &[metering::CURRENT_METER_ID]);
                DeviceCommand::gbz(use_case, context, &CommandPayload::new().with(read))
            }
            DeviceType::PrepaymentInterfaceDevice
            | DeviceType::HanConnectedAuxiliaryLoadControlSwitch => {
                DeviceCommand::new(use_case, context, READ_FIRMWARE_VERSION_COMMAND.to_vec())
                    .originated_by(CommandOrigin::access_control_broker_on_behalf())
            }
            _ => DeviceCommand::dlms(
                use_case,
                context,
                AccessRequest::new().get(FIRMWARE_VERSION),
            ),
        };
        Ok(match context.device_type {
            DeviceType::CommunicationsHubFunction => {
                command.originated_by(CommandOrigin::access_control_broker_on_behalf())
            }
            _ => command,
        })
    }
}

/// 11.3 Activate Firmware: CS06 (critical), now or at the `ExecutionDateTime` the device keeps
/// (DUIS's cancellation date-time cancels a pending activation).
struct ActivateFirmware {
    execution_date_time: Option<OffsetDateTime>,
    image_hash: [u8; 32],
}

impl ServiceRequest for ActivateFirmware {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        let mut children = Children::of(body);
        let execution_date_time = body::execution_date_time(&mut children)?;
        let hash = body::hex_binary(children.required("FirmwareHash")?, 32)?;
        children.finish()?;
        let image_hash = hash.try_into().map_err(|_| {
            Rejection::Malformed("FirmwareHash must be 32 octets of hexBinary".into())
        })?;
        Ok(Self {
            execution_date_time,
            image_hash,
        })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = use_case_for(service, context.device_type)?;
        let execution_date_time = self
            .execution_date_time
            .map(|time| generalized_time("ExecutionDateTime", time))
            .transpose()?;
        let payload = ActivateFirmwareCommand {
            image_hash: self.image_hash,
            originator_counter: context.counter(),
            execution_date_time,
        }
        .encode();
        Ok(DeviceCommand::new(use_case, context, payload))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_firmware_hash_of_the_wrong_length_is_refused() {
        let body = BodyElement::with_children(
            "ActivateFirmware",
            vec![BodyElement::leaf("FirmwareHash", "AA75")],
        );
        assert_eq!(
            ActivateFirmware::parse(&body).err(),
            Some(Rejection::Malformed(
                "FirmwareHash must be 32 octets of hexBinary".into()
            ))
        );
        let missing = BodyElement::with_children("ActivateFirmware", Vec::new());
        assert_eq!(
            ActivateFirmware::parse(&missing).err(),
            Some(Rejection::Malformed(
                "ActivateFirmware needs FirmwareHash here, found nothing".into()
            ))
        );
    }

    #[test]
    fn the_firmware_version_read_takes_only_an_execution_date_time() {
        let body = BodyElement::with_children(
            "ReadFirmwareVersion",
            vec![BodyElement::leaf("FirmwareHash", "00")],
        );
        assert_eq!(
            ReadFirmwareVersion::parse(&body).err(),
            Some(Rejection::Malformed(
                "ReadFirmwareVersion does not take FirmwareHash here".into()
            ))
        );
    }
}
