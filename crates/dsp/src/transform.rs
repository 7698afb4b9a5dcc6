//! DUIS to GBCS: the command (or pre-command) a service request becomes for its target device.

use dcc_model::{DeviceType, Eui64, RequestId, ServiceReferenceVariant};
use gbcs::use_case;
use gbcs::{GeneralSigning, SignatureField};

use crate::catalogue::UseCase;
use crate::rejection::Rejection;

/// A pre-command handed to a user (CV4), kept until the signed form comes back (CV5).
#[derive(Debug, Clone)]
pub(crate) struct IssuedPreCommand {
    pub apdu: GeneralSigning,
}

/// A command sent to a device, kept until its response comes back.
#[derive(Debug, Clone)]
pub(crate) struct AwaitingResponse {
    pub request_id: RequestId,
    pub service_reference: String,
    pub service_reference_variant: ServiceReferenceVariant,
}

/// The unsigned command APDU for `use_case`, addressed from the requesting user to the device,
/// with the RequestID's counter as the GBCS counter.
pub(crate) fn command_apdu(
    use_case: UseCase,
    request_id: &RequestId,
    device_type: DeviceType,
) -> Result<GeneralSigning, Rejection> {
    let counter = request_id.counter;
    let originator: Eui64 = request_id.originator;
    let device = request_id.target;
    let payload = match (use_case.name, device_type) {
        ("ECS17b", DeviceType::ElectricitySmartMeter) => {
            use_case::ecs17b::command_payload(counter, originator, device)
        }
        ("GCS13a", DeviceType::GasSmartMeter | DeviceType::GasProxyFunction) => {
            use_case::gcs13a::command_payload()
        }
        ("ECS42", DeviceType::ElectricitySmartMeter) => use_case::ecs42::command_payload(counter),
        ("ECS52", DeviceType::ElectricitySmartMeter | DeviceType::CommunicationsHubFunction) => {
            use_case::ecs52::command_payload(counter)
        }
        (name, device_type) => {
            return Err(Rejection::ServiceNotValidForDeviceType(format!(
                "{name} cannot be sent to a {device_type}"
            )))
        }
    };
    Ok(use_case::command_apdu(
        use_case.message_code,
        counter,
        originator,
        device,
        payload,
    ))
}

/// The pre-command form: the command without a signature field.
pub(crate) fn pre_command(apdu: &GeneralSigning) -> GeneralSigning {
    apdu.clone().with_signature(SignatureField::Absent)
}
