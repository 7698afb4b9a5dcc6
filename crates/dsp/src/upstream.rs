//! The DSP's gRPC side: device responses and alerts from the CSPs (the correlate and answer
//! stages for asynchronous responses), registration data from the RDPs.

use std::collections::HashMap;
use std::sync::Arc;

use dcc_model::{Eui64, ResponseCode};
use dcc_proto::registration::registration_data_intake_server::{
    RegistrationDataIntake, RegistrationDataIntakeServer,
};
use dcc_proto::registration::{RegistrationAccepted, RegistrationSnapshot};
use dcc_proto::wan::data_service_provider_upstream_server::{
    DataServiceProviderUpstream, DataServiceProviderUpstreamServer,
};
use dcc_proto::wan::{DeviceMessage, DeviceMessageAccepted, DeviceMessageKind};
use duis::{BodyElement, ResponseBody};
use tonic::{Request, Response, Status};
use tracing::{info, info_span, warn, Instrument};

use crate::answers::{sign_response, Owed};
use crate::store::{
    AwaitingKind, AwaitingResponse, FutureDatedInstructions, SentCommand, StoredInstruction,
};
use crate::{Registration, Shared};

/// The largest registration message the DSP takes (a snapshot or a batch).
const REGISTRATION_MESSAGE_LIMIT: usize = 64 * 1024 * 1024;

pub(crate) fn routes(shared: Arc<Shared>) -> (tonic::service::Routes, Vec<&'static str>) {
    let routes = tonic::service::Routes::new(DataServiceProviderUpstreamServer::new(Upstream(
        shared.clone(),
    )))
    // A generated fleet's snapshot holds a meter point per meter: 100,000 are about 7.5 MB.
    .add_service(
        RegistrationDataIntakeServer::new(Intake(shared))
            .max_decoding_message_size(REGISTRATION_MESSAGE_LIMIT),
    );
    let names = vec![
        <DataServiceProviderUpstreamServer<Upstream> as tonic::server::NamedService>::NAME,
        <RegistrationDataIntakeServer<Intake> as tonic::server::NamedService>::NAME,
    ];
    (routes, names)
}

#[derive(Clone)]
pub(crate) struct Upstream(pub(crate) Arc<Shared>);

#[derive(Clone)]
pub(crate) struct Intake(Arc<Shared>);

#[tonic::async_trait]
impl DataServiceProviderUpstream for Upstream {
    async fn deliver_device_message(
        &self,
        request: Request<DeviceMessage>,
    ) -> Result<Response<DeviceMessageAccepted>, Status> {
        let message = request.into_inner();
        let span = info_span!("dsp.device_message", request_id = %message.request_id, device_id = %message.device_id);
        self.accept_device_message(message).instrument(span).await?;
        Ok(Response::new(DeviceMessageAccepted {}))
    }
}

fn store_status(error: crate::store::StoreError) -> Status {
    Status::unavailable(format!("the DSP cannot record the message: {error}"))
}

impl Upstream {
    async fn accept_device_message(&self, message: DeviceMessage) -> Result<(), Status> {
        let shared = &self.0;
        let device = dcc_proto::convert::eui64("device_id", &message.device_id)?;
        let envelope = gbcs::Envelope::parse(&message.gbcs).map_err(|error| {
            Status::invalid_argument(format!("field gbcs: not a GBCS message: {error}"))
        })?;
        let header = envelope.header();
        let counter = header.transaction.counter;
        let recipient = header.recipient;
        if message.kind == DeviceMessageKind::Alert as i32 {
            let alert = read_alert(&envelope);
            return self.forward_alert(device, recipient, counter, alert, message.gbcs);
        }
        // The response names the command's originator as its recipient.
        let command = SentCommand::answered_by(header);
        let awaiting = shared.store.awaiting(command).map_err(store_status)?;
        let Some(awaiting) = awaiting else {
            if shared.store.was_answered(command).map_err(store_status)? {
                info!(
                    counter,
                    "response delivered again by a retrying csp; already answered"
                );
                return Ok(());
            }
            warn!(counter, "response to no command awaiting one");
            return Err(Status::failed_precondition(format!(
                "no command to {device} from {recipient} with counter {counter} awaits a response"
            )));
        };
        let xml = device_response(shared, device, counter, &awaiting, message.gbcs)
            .map_err(|error| Status::internal(format!("could not sign the response: {error}")))?;
        let request_id = awaiting.request_id;
        let reference = request_id.to_string();
        let mut owed = Owed::default();
        let batch = shared.store.batch().map_err(store_status)?;
        let taken = batch
            .take_awaiting(command, shared.now_ms())
            .map_err(store_status)?;
        if taken.is_none() {
            // A concurrent delivery of the same message got here first.
            return Ok(());
        }
        let installed = crate::installation::on_response(
            &shared.inventory(),
            awaiting.service_reference_variant.as_str(),
            device,
            &crate::installation::xs_date(shared.clock.now()),
        );
        for (record, what) in &installed {
            batch.put_device(record).map_err(store_status)?;
            batch
                .audit(&reference, &shared.event("dsp", what.clone(), None))
                .map_err(store_status)?;
        }
        batch
            .audit(
                &reference,
                &shared.event(
                    "device",
                    format!("response from {device}"),
                    Some("I0".into()),
                ),
            )
            .map_err(store_status)?;
        owed.queue(
            shared,
            &batch,
            crate::answers::Document {
                recipient: request_id.originator,
                reference: &reference,
                device,
                xml,
                what: "device response",
                outcome: &ResponseCode::Success,
            },
        )
        .map_err(store_status)?;
        batch.commit().map_err(store_status)?;
        {
            let mut inventory = shared.inventory();
            for (record, _) in installed {
                inventory.put(record);
            }
        }
        owed.send(shared);
        info!("device response queued for the user");
        Ok(())
    }

    /// Sends a device alert to the user it is addressed to as a `DeviceAlertMessage` (a
    /// future-dated command's outcome as a `FutureDatedDeviceAlertMessage` answering the
    /// command's request); an alert for the DCC itself (a CHF's) is recorded, not sent on.
    fn forward_alert(
        &self,
        device: Eui64,
        recipient: Eui64,
        counter: u64,
        alert: ReadAlert,
        gbcs: Vec<u8>,
    ) -> Result<(), Status> {
        let shared = &self.0;
        let alert_code = alert.code;
        let response_id = format!("{device}:{recipient}:{counter}");
        if recipient == dcc_model::DCC_ACCESS_CONTROL_BROKER {
            let batch = shared.store.batch().map_err(store_status)?;
            batch
                .audit(
                    &response_id,
                    &shared.event(
                        "device",
                        format!("device alert {alert_code:04X} from {device} for the DCC"),
                        None,
                    ),
                )
                .map_err(store_status)?;
            batch.commit().map_err(store_status)?;
            info!(alert_code = %format!("{alert_code:04X}"), "device alert for the dcc recorded");
            return Ok(());
        }
        let kept = match alert.future_dated_command {
            Some((_, counter)) => shared
                .store
                .batch()
                .and_then(|batch| {
                    let command = SentCommand {
                        device,
                        originator: recipient,
                        counter,
                    };
                    let kept = batch.report_future_dated_outcome(command)?;
                    batch.commit()?;
                    Ok(kept)
                })
                .map_err(store_status)?,
            None => None,
        };
        let answering = alert.future_dated_command.and_then(|command| {
            future_dated_answer(
                command,
                alert_code,
                &gbcs,
                kept.as_ref(),
                alert.future_dated_instruction,
            )
        });
        let (request_id, body) = match answering {
            Some((counter, body)) => {
                let request_id = dcc_model::RequestId {
                    originator: recipient,
                    target: device,
                    counter,
                };
                (Some(request_id), body)
            }
            None => (
                None,
                ResponseBody::DeviceAlert {
                    alert_code: format!("{alert_code:04X}"),
                    payload: gbcs,
                },
            ),
        };
        let xml = sign_response(
            shared,
            request_id,
            ResponseCode::Success,
            Some(response_id.clone()),
            body,
        )
        .map_err(|error| Status::internal(format!("could not sign the alert: {error}")))?;
        let mut owed = Owed::default();
        let batch = shared.store.batch().map_err(store_status)?;
        owed.queue(
            shared,
            &batch,
            crate::answers::Document {
                recipient,
                reference: &response_id,
                device,
                xml,
                what: &format!("device alert {alert_code:04X}"),
                outcome: &ResponseCode::Success,
            },
        )
        .map_err(store_status)?;
        batch.commit().map_err(store_status)?;
        owed.send(shared);
        Ok(())
    }
}

/// What the DSP reads of a device alert.
struct ReadAlert {
    /// The GBCS alert code its payload carries (DUIS `AlertCode`); the message code when the
    /// payload does not show one (an alert still in General Block Transfer blocks).
    code: u16,
    /// For a future-dated command's outcome (8F66, 8F67): the command it names (message
    /// code and counter).
    future_dated_command: Option<(gbcs::MessageCode, u64)>,
    /// For a future-dated command's outcome: the instruction it reports.
    future_dated_instruction: Option<gbcs::future_dated::Instruction>,
}

/// The DUIS `InstructionNumber` and `TotalCommandInstructions` of an outcome reporting
/// `instruction` of a command whose instructions the DSP kept: its place in the command (else,
/// an instruction the DSP did not foresee, the order it was reported in), of how many.
fn instruction_number(
    kept: &FutureDatedInstructions,
    instruction: Option<gbcs::future_dated::Instruction>,
) -> (usize, usize) {
    let total = kept.instructions.len().max(kept.reported);
    let place = instruction
        .map(StoredInstruction::from)
        .and_then(|instruction| {
            kept.instructions
                .iter()
                .position(|kept| *kept == instruction)
        });
    match place {
        Some(index) => (index + 1, total),
        None => (kept.reported, total),
    }
}

/// A future-dated command's outcome answers the command's request: its counter, and a
/// `ResponseMessage` of the request's service (as the DSP kept it with the command's
/// instructions, else the first its use case names) carrying a `FutureDatedDeviceAlertMessage`
/// (which instruction of how many it reports; 1 of 1 for a command the DSP kept nothing of). `None` when the command's use case names no service.
fn future_dated_answer(
    (message_code, counter): (gbcs::MessageCode, u64),
    alert_code: u16,
    gbcs: &[u8],
    kept: Option<&FutureDatedInstructions>,
    instruction: Option<gbcs::future_dated::Instruction>,
) -> Option<(u64, ResponseBody)> {
    let (service_reference, service_reference_variant) = match kept {
        Some(kept) => (
            kept.service_reference.clone(),
            kept.service_reference_variant.clone(),
        ),
        None => {
            let variant = gbcs::catalogue::entry(message_code)?
                .service_reference_variants
                .first()?;
            let service = duis::catalogue::lookup(variant)?;
            (service.service_reference().to_owned(), service.variant())
        }
    };
    let (instruction_number, total_instructions) = match kept {
        Some(kept) => instruction_number(kept, instruction),
        None => (1, 1),
    };
    let content = BodyElement::with_children(
        "FutureDatedDeviceAlertMessage",
        vec![
            BodyElement::leaf("FutureDatedAlertCode", format!("{alert_code:04X}")),
            BodyElement::leaf("GBCSPayload", base64_of(gbcs)),
            BodyElement::leaf("InstructionNumber", instruction_number.to_string()),
            BodyElement::leaf("TotalCommandInstructions", total_instructions.to_string()),
        ],
    );
    Some((
        counter,
        ResponseBody::OtherResponseMessage {
            service_reference,
            service_reference_variant,
            content,
        },
    ))
}

/// Future-dated HAN interface command actioned, and not actioned.
const FUTURE_DATED_OUTCOMES: [u16; 2] = [0x8F66, 0x8F67];

fn read_alert(envelope: &gbcs::Envelope) -> ReadAlert {
    let message_code = envelope.header().message_code();
    let Some(apdu) = envelope.general_signing() else {
        return ReadAlert {
            code: message_code.0,
            future_dated_command: None,
            future_dated_instruction: None,
        };
    };
    let code = match gbcs::alert::alert_code(&apdu.payload) {
        Ok(code) => code.0,
        Err(error) => {
            warn!(%error, "device alert whose code cannot be read: sent with its message code");
            message_code.0
        }
    };
    let details = FUTURE_DATED_OUTCOMES
        .contains(&code)
        .then(|| gbcs::alert::Alert::parse(message_code, &apdu.payload).ok())
        .flatten()
        .map(|alert| alert.details);
    let future_dated_instruction = details
        .as_ref()
        .and_then(gbcs::alert::AlertDetails::future_dated_instruction);
    // The command's message code names its service; an execution outcome (CS02b, CS02g)
    // names none, and its alert's use case names the service instead.
    let future_dated_command = details.as_ref().and_then(|details| {
        let counter = details.future_dated_counter()?;
        Some(match details {
            gbcs::alert::AlertDetails::FutureDatedDlms { message_code, .. }
            | gbcs::alert::AlertDetails::FutureDatedGbz { message_code, .. } => {
                (*message_code, counter)
            }
            _ => (message_code, counter),
        })
    });
    ReadAlert {
        code,
        future_dated_command,
        future_dated_instruction,
    }
}

/// The signed response for a device's answer: `GBCSPayload`, or a `DSPScheduledMessage` for
/// an occurrence of a DCC schedule.
fn device_response(
    shared: &Shared,
    device: Eui64,
    counter: u64,
    awaiting: &AwaitingResponse,
    gbcs: Vec<u8>,
) -> Result<String, duis::DuisError> {
    let request_id = awaiting.request_id;
    let response_id = format!("{}:{}:{}", device, request_id.originator, counter);
    let service_reference = awaiting.service_reference.clone();
    let service_reference_variant = awaiting.service_reference_variant.clone();
    let body = match awaiting.kind {
        AwaitingKind::Scheduled { schedule_id } => ResponseBody::OtherResponseMessage {
            service_reference,
            service_reference_variant,
            content: BodyElement::with_children(
                "DSPScheduledMessage",
                vec![
                    BodyElement::leaf("GBCSPayload", base64_of(&gbcs)),
                    BodyElement::leaf("DSPScheduleID", schedule_id.to_string()),
                ],
            ),
        },
        // 9.1: the device's response and the CIN the DCC issued (DUIS's CINMessage).
        _ if service_reference_variant.as_str() == "9.1" => {
            let number = crate::services::issued_customer_identification_number(
                awaiting.request_id.originator,
                awaiting.command.device,
                awaiting.command.counter,
            );
            ResponseBody::OtherResponseMessage {
                service_reference,
                service_reference_variant,
                content: BodyElement::with_children(
                    "CINMessage",
                    vec![
                        BodyElement::leaf("GBCSPayload", base64_of(&gbcs)),
                        BodyElement::leaf("CustomerIdentificationNumber", number.as_str()),
                    ],
                ),
            }
        }
        _ => ResponseBody::GbcsPayload {
            service_reference,
            service_reference_variant,
            payload: gbcs,
        },
    };
    sign_response(
        shared,
        Some(request_id),
        ResponseCode::Success,
        Some(response_id),
        body,
    )
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tonic::async_trait]
impl RegistrationDataIntake for Intake {
    async fn submit_registration_data(
        &self,
        request: Request<RegistrationSnapshot>,
    ) -> Result<Response<RegistrationAccepted>, Status> {
        let snapshot = request.into_inner();
        let mut meter_points = HashMap::new();
        for point in &snapshot.meter_points {
            let device = dcc_proto::convert::eui64("device_id", &point.device_id)?;
            let supplier_agent = if point.registered_supplier_agent_id.is_empty() {
                None
            } else {
                Some(dcc_proto::convert::eui64(
                    "registered_supplier_agent_id",
                    &point.registered_supplier_agent_id,
                )?)
            };
            let registration = Registration {
                meter_point_reference: point.meter_point_reference.clone(),
                supplier: dcc_proto::convert::eui64(
                    "registered_supplier_id",
                    &point.registered_supplier_id,
                )?,
                network_operator: dcc_proto::convert::eui64(
                    "registered_network_operator_id",
                    &point.registered_network_operator_id,
                )?,
                supplier_agent,
                effective_from_ms: i64::MIN,
                disconnected: false,
            };
            meter_points.insert(device, registration);
        }
        let count = meter_points.len();
        let provider = snapshot.registration_data_provider;
        let first = {
            let mut inventory = self.0.inventory();
            let first = !inventory.has_registrations_from(&provider);
            inventory.replace_registrations(&provider, meter_points);
            first
        };
        self.0.readiness.registrations_received(&provider);
        if first {
            info!(rdp = %provider, meter_points = count, "registration data received");
        }
        Ok(Response::new(RegistrationAccepted {
            meter_points: count as u32,
        }))
    }

    async fn submit_registration_batch(
        &self,
        request: Request<dcc_proto::registration::RegistrationBatch>,
    ) -> Result<Response<dcc_proto::registration::RegistrationBatchAccepted>, Status> {
        crate::registration_intake::accept_batch(&self.0, request.into_inner()).map(Response::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gbcs::future_dated::Instruction;

    fn kept(reported: usize) -> FutureDatedInstructions {
        FutureDatedInstructions {
            request_id: "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1000"
                .parse()
                .unwrap(),
            service_reference: "1.1".into(),
            service_reference_variant: "1.1.1".parse().unwrap(),
            instructions: vec![
                StoredInstruction::Gbz {
                    cluster: 0x0707,
                    command_id: 0x00,
                },
                StoredInstruction::Gbz {
                    cluster: 0x0700,
                    command_id: 0x05,
                },
                StoredInstruction::Gbz {
                    cluster: 0x0700,
                    command_id: 0x06,
                },
            ],
            reported,
        }
    }

    #[test]
    fn an_outcome_is_numbered_by_its_instructions_place_in_the_command() {
        let price_matrix = Instruction::Gbz {
            cluster: 0x0700,
            command_id: 0x05,
        };
        assert_eq!(instruction_number(&kept(1), Some(price_matrix)), (2, 3));
        // An instruction the DSP did not foresee takes the order it was reported in.
        let unforeseen = Instruction::Gbz {
            cluster: 0x0705,
            command_id: 0x06,
        };
        assert_eq!(instruction_number(&kept(3), Some(unforeseen)), (3, 3));
        assert_eq!(instruction_number(&kept(4), None), (4, 4));
    }
}
