//! The route stage of the front door: where a device command goes once access control has
//! passed and the DUIS request has become GBCS. By command variant: a pre-command for the user
//! to sign (4); the SM WAN (1, 5), held by the DSP first when future dated so; a command for
//! local delivery (2, 6); or both (3, 7). Commands sent over the SM WAN are recorded as
//! awaiting a response (the correlate stage) before they leave.

use dcc_model::{CommandVariant, Eui64, ResponseCode};
use duis::catalogue::{FutureDated, ServiceDefinition};
use duis::{Request, RequestBody, ResponseBody};
use gbcs::crypto::KeyAgreementPublicKey;
use gbcs::{GeneralSigning, SignatureField};
use smki::KeyUsage;
use tracing::info;

use crate::answers::Answer;
use crate::inventory::DeviceRecord;
use crate::rejection::Rejection;
use crate::store::{
    AwaitingKind, AwaitingResponse, FutureDatedInstructions, HeldRequest, IssuedPreCommand,
    SentCommand, StoredElement, StoredInstruction,
};
use crate::Shared;

/// When a command executes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Timing {
    OnDemand,
    /// The DSP holds the command and sends it at this instant (unix ms).
    HeldUntil(i64),
    /// The command goes now and the device executes it at this instant (unix ms).
    ExecutedByDeviceAt(i64),
}

/// The request's `ExecutionDateTime`, if it has one.
pub(crate) fn execution_date_time(request: &Request) -> Result<Option<i64>, Rejection> {
    let text = match &request.body {
        RequestBody::ServiceRequest(body) => body
            .child("ExecutionDateTime")
            .map(|element| element.text.clone()),
        RequestBody::SignedPreCommand {
            execution_date_time,
            ..
        } => execution_date_time.clone(),
    };
    text.map(|text| parse_date_time(&text).map(crate::unix_ms))
        .transpose()
}

/// An `xs:dateTime`; without a zone it is taken as UTC.
pub(crate) fn parse_date_time(text: &str) -> Result<time::OffsetDateTime, Rejection> {
    use time::format_description::well_known::Rfc3339;
    let text = text.trim();
    time::OffsetDateTime::parse(text, &Rfc3339)
        .or_else(|_| time::OffsetDateTime::parse(&format!("{text}Z"), &Rfc3339))
        .map_err(|error| Rejection::Malformed(format!("dateTime {text:?}: {error}")))
}

/// How the request executes: on demand, or future dated as the service table says (held by
/// the DSP, or sent now for the device to execute later; a service either way is held for
/// devices other than meters). An execution time already past is on demand.
pub(crate) fn timing_of(
    shared: &Shared,
    execution_at_ms: Option<i64>,
    service: &ServiceDefinition,
    device: &DeviceRecord,
) -> Result<Timing, Rejection> {
    let Some(at) = execution_at_ms else {
        return Ok(Timing::OnDemand);
    };
    if at <= shared.now_ms() {
        return Ok(Timing::OnDemand);
    }
    let meter = matches!(
        device.device_type,
        dcc_model::DeviceType::ElectricitySmartMeter | dcc_model::DeviceType::GasSmartMeter
    );
    Ok(match service.future_dated {
        FutureDated::NotFutureDated => {
            return Err(Rejection::Malformed(format!(
                "{} cannot be future dated",
                service.service_reference_variant
            )))
        }
        FutureDated::HeldByDsp => Timing::HeldUntil(at),
        FutureDated::SentToDevice => Timing::ExecutedByDeviceAt(at),
        FutureDated::HeldByDspOrSentToDevice if meter => Timing::ExecutedByDeviceAt(at),
        FutureDated::HeldByDspOrSentToDevice => Timing::HeldUntil(at),
    })
}

/// Routes a device command by the request's command variant; `execution_at_ms` is the
/// request's `ExecutionDateTime` (for a signed pre-command, that of the request it was issued
/// for).
pub(crate) async fn route(
    shared: &Shared,
    request: &Request,
    service: &ServiceDefinition,
    device: &DeviceRecord,
    apdu: GeneralSigning,
    execution_at_ms: Option<i64>,
) -> Result<Answer, Rejection> {
    let request_id = request.header.request_id;
    let command_variant = request.header.command_variant;
    if command_variant == CommandVariant::TransformToPreCommand {
        return issue_pre_command(shared, request, device.device_id, apdu, execution_at_ms);
    }
    let timing = timing_of(shared, execution_at_ms, service, device)?;
    let reference = (
        request.header.service_reference.clone(),
        request.header.service_reference_variant.clone(),
    );
    let local = matches!(command_variant.number(), 2 | 3 | 6 | 7);
    let over_wan = matches!(command_variant.number(), 1 | 3 | 5 | 7);
    if let (Timing::HeldUntil(at), false) = (timing, local) {
        let body = match &request.body {
            RequestBody::ServiceRequest(body)
                if apdu.header.originator != request_id.originator =>
            {
                Some(StoredElement::from(body))
            }
            _ => None,
        };
        let held = HeldRequest {
            request_id,
            service_reference: reference.0,
            service_reference_variant: reference.1,
            execute_at_ms: at,
            apdu: apdu.encode(),
            body,
        };
        let batch = shared.store.batch()?;
        batch.put_held(&held)?;
        batch.audit(
            &request_id.to_string(),
            &shared.event(
                "dsp",
                format!(
                    "held until {} (future dated)",
                    clock::xml_date_time(crate::from_unix_ms(at))
                ),
                None,
            ),
        )?;
        batch.commit()?;
        shared.scheduler_wake.work_due_at(at);
        info!(execute_at_ms = at, "future-dated request held by the dsp");
        return Ok(Answer::bare(request, ResponseCode::Acknowledgement));
    }
    let command = SentCommand::of(&apdu);
    let protected = protect(shared, device.device_id, &apdu).await?;
    if local && !over_wan {
        let awaiting = AwaitingResponse {
            request_id,
            command,
            service_reference: reference.0,
            service_reference_variant: reference.1,
            kind: AwaitingKind::LocalDelivery,
            deadline_ms: None,
        };
        let batch = shared.store.batch()?;
        batch.put_awaiting(&awaiting)?;
        batch.audit(
            &request_id.to_string(),
            &shared.event("dsp", "command returned for local delivery", None),
        )?;
        batch.commit()?;
        return Ok(local_command(request, protected));
    }
    let (kind, deadline) = match timing {
        Timing::ExecutedByDeviceAt(at) => (
            AwaitingKind::FutureDated,
            at + shared.timing.future_dated_time_out.as_millis() as i64,
        ),
        Timing::HeldUntil(at) => (
            AwaitingKind::FutureDated,
            at + shared.timing.future_dated_time_out.as_millis() as i64,
        ),
        Timing::OnDemand => (
            AwaitingKind::OnDemand,
            shared.now_ms() + shared.timing.response_time_out.as_millis() as i64,
        ),
    };
    let awaiting = AwaitingResponse {
        request_id,
        command,
        service_reference: reference.0,
        service_reference_variant: reference.1,
        kind,
        deadline_ms: Some(deadline),
    };
    send_over_wan(shared, device, &awaiting, protected.clone()).await?;
    if let Timing::ExecutedByDeviceAt(_) = timing {
        // The device reports each instruction's outcome at its time: keep them to number
        // the reports.
        let instructions = FutureDatedInstructions {
            request_id,
            service_reference: awaiting.service_reference.clone(),
            service_reference_variant: awaiting.service_reference_variant.clone(),
            instructions: gbcs::future_dated::instructions(&apdu.payload)
                .into_iter()
                .map(StoredInstruction::from)
                .collect(),
            reported: 0,
        };
        let batch = shared.store.batch()?;
        batch.put_future_dated_instructions(command, &instructions)?;
        batch.commit()?;
    }
    if local {
        return Ok(local_command(request, protected));
    }
    Ok(Answer::bare(request, ResponseCode::Acknowledgement))
}

fn local_command(request: &Request, protected: Vec<u8>) -> Answer {
    Answer::to(
        request,
        ResponseCode::Success,
        ResponseBody::LocalCommand {
            service_reference: request.header.service_reference.clone(),
            service_reference_variant: request.header.service_reference_variant.clone(),
            payload: protected,
        },
    )
}

fn issue_pre_command(
    shared: &Shared,
    request: &Request,
    device: Eui64,
    apdu: GeneralSigning,
    execution_at_ms: Option<i64>,
) -> Result<Answer, Rejection> {
    let pre_command = apdu.with_signature(SignatureField::Absent);
    let payload = pre_command.encode();
    let request_id = request.header.request_id;
    let batch = shared.store.batch()?;
    batch.put_pre_command(
        &request_id,
        &IssuedPreCommand {
            apdu: payload.clone(),
            device,
            execution_at_ms,
        },
    )?;
    batch.audit(
        &request_id.to_string(),
        &shared.event("dsp", "pre-command issued", Some("I0".into())),
    )?;
    batch.commit()?;
    info!("pre-command issued");
    Ok(Answer::to(
        request,
        ResponseCode::Success,
        ResponseBody::PreCommand {
            service_reference: request.header.service_reference.clone(),
            service_reference_variant: request.header.service_reference_variant.clone(),
            gbcs_version: "4.0".to_owned(),
            payload,
        },
    ))
}

/// Records `awaiting` and hands the protected command to the device's CSP; forgets it again
/// if the CSP refuses (E20).
pub(crate) async fn send_over_wan(
    shared: &Shared,
    device: &DeviceRecord,
    awaiting: &AwaitingResponse,
    protected: Vec<u8>,
) -> Result<(), Rejection> {
    let request_id = awaiting.request_id;
    let csp_name = csp::party_name(device.region);
    let batch = shared.store.batch()?;
    batch.put_awaiting(awaiting)?;
    batch.audit(
        &request_id.to_string(),
        &shared.event(
            csp_name,
            format!(
                "command for {} sent through comms hub {}",
                device.device_id, device.comms_hub
            ),
            None,
        ),
    )?;
    batch.commit()?;
    if let Some(deadline) = awaiting.deadline_ms {
        shared.scheduler_wake.work_due_at(deadline);
    }
    let sent = shared
        .csp_for(device.region)
        .send_command(&request_id, device.comms_hub, device.device_id, protected)
        .await;
    if let Err(error) = sent {
        // A hub the SM WAN cannot reach now: no response from the device (E21).
        let rejection = match &error {
            csp::CspError::CommsHubUnreachable(_) => Rejection::NoResponse(error.to_string()),
            _ => Rejection::CannotCommunicate(error.to_string()),
        };
        let batch = shared.store.batch()?;
        batch.drop_awaiting(awaiting.command)?;
        batch.audit(
            &request_id.to_string(),
            &shared.event(
                csp_name,
                format!("command not taken: {error}"),
                Some(rejection.response_code().to_string()),
            ),
        )?;
        batch.commit()?;
        return Err(rejection);
    }
    info!(comms_hub = %device.comms_hub, region = %device.region, "command sent to the csp");
    Ok(())
}

/// The command MACed for the device (ACB KA × device KA).
pub(crate) async fn protect(
    shared: &Shared,
    device: Eui64,
    apdu: &GeneralSigning,
) -> Result<Vec<u8>, Rejection> {
    let device_key = device_key_agreement_key(shared, device).await?;
    let secret = shared
        .shared_secrets
        .shared_secret(&shared.access_control_broker_key, &device_key);
    Ok(gbcs::protection::protect_command(apdu, &secret))
}

/// The device's KA public key, from the TSP's SMKI repository, fetched once.
async fn device_key_agreement_key(
    shared: &Shared,
    device: Eui64,
) -> Result<KeyAgreementPublicKey, Rejection> {
    if let Some(key) = shared
        .device_keys
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&device)
    {
        return Ok(key.clone());
    }
    let found = shared
        .tsp
        .find(device, KeyUsage::KeyAgreement)
        .await
        .map_err(|error| Rejection::CannotCommunicate(format!("SMKI repository: {error}")))?;
    let certificate = found.first().ok_or_else(|| {
        Rejection::DeviceStatus(format!(
            "{device} has no key agreement certificate in the SMKI repository"
        ))
    })?;
    let key =
        KeyAgreementPublicKey::from_sec1(&certificate.public_key_sec1()).map_err(|error| {
            Rejection::DeviceStatus(format!("{device} key agreement certificate: {error}"))
        })?;
    shared
        .device_keys
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(device, key.clone());
    Ok(key)
}
