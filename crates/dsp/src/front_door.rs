//! The DUIS front door, compatible with DCC Boxed: `POST /api/v1/serviceS` (send command),
//! `/serviceT` (transform to pre-command), `/serviceD` (non-device and local delivery), each
//! taking a signed `sr:Request` and answering a signed `sr:Response`, whatever it is sent.
//!
//! One generic pipeline for every service: authenticate → authorise → eligibility →
//! transform (`services::transform_with` the DSP's counters) → route → correlate → answer. Non-device services leave
//! it after authorisation for their own handlers (`non_device`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State as AxumState;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use dcc_model::{Eui64, ServiceReferenceVariant};
use duis::catalogue::{self, ServiceDefinition, ServiceKind};
use duis::{Request, RequestBody, ResponseBody};
use gbcs::crypto::VerifyingKey;
use gbcs::{GeneralSigning, SignatureField};
use smki::{KeyUsage, RemotePartyRole};
use tracing::{info, info_span, warn, Instrument};

use crate::access::{self, Endpoint};
use crate::answers::{sign_response, Answer};
use crate::knowledge::InventoryKnowledge;
use crate::rejection::Rejection;
use crate::services::{self, CommandContext};
use crate::Shared;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/v1/serviceS", post(send_command))
        .route("/api/v1/serviceT", post(transform_service))
        .route("/api/v1/serviceD", post(non_device))
        .route("/readyz", get(readyz))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(shared)
}

async fn readyz(AxumState(shared): AxumState<Arc<Shared>>) -> impl IntoResponse {
    let waiting = shared.readiness.waiting_for();
    if waiting.is_empty() {
        return (StatusCode::OK, "ready\n".to_owned());
    }
    (
        StatusCode::SERVICE_UNAVAILABLE,
        format!("waiting for: {}\n", waiting.join(", ")),
    )
}

async fn send_command(AxumState(shared): AxumState<Arc<Shared>>, body: Bytes) -> impl IntoResponse {
    handle(shared, Endpoint::SendCommand, body).await
}

async fn transform_service(
    AxumState(shared): AxumState<Arc<Shared>>,
    body: Bytes,
) -> impl IntoResponse {
    handle(shared, Endpoint::Transform, body).await
}

async fn non_device(AxumState(shared): AxumState<Arc<Shared>>, body: Bytes) -> impl IntoResponse {
    handle(shared, Endpoint::NonDevice, body).await
}

async fn handle(shared: Arc<Shared>, endpoint: Endpoint, body: Bytes) -> axum::response::Response {
    // Parsed once: for the request, the certificate its signature names and the signature.
    let document = duis::ParsedDocument::parse(&body);
    let request = document
        .as_ref()
        .map_err(Clone::clone)
        .and_then(|document| Ok((document.request()?, document)));
    let span = match &request {
        Ok((request, _)) => info_span!(
            "dsp.service_request",
            request_id = %request.header.request_id,
            device_id = %request.header.request_id.target,
            service_reference_variant = %request.header.service_reference_variant,
            command_variant = request.header.command_variant.number(),
        ),
        Err(_) => info_span!("dsp.service_request", request_id = "", device_id = ""),
    };
    let answer = async {
        let answer = match request {
            Ok((request, document)) => {
                let answer = match serve(&shared, endpoint, document, &request).await {
                    Ok(answer) => answer,
                    Err(rejection) => {
                        shared.audit(
                            &request.header.request_id.to_string(),
                            "front door",
                            format!("rejected: {rejection}"),
                            Some(rejection.response_code().to_string()),
                        );
                        reject(Some(&request), rejection)
                    }
                };
                shared.audit(
                    &request.header.request_id.to_string(),
                    "front door",
                    "answered synchronously",
                    Some(answer.response_code.to_string()),
                );
                answer
            }
            Err(error) => {
                let (service_reference, service_reference_variant) =
                    lenient_service_reference(&body);
                warn!(%error, "malformed request");
                Answer {
                    request_id: None,
                    response_code: Rejection::Malformed(error.to_string()).response_code(),
                    body: ResponseBody::Empty {
                        service_reference,
                        service_reference_variant,
                    },
                }
            }
        };
        info!(response_code = %answer.response_code, "synchronous answer");
        answer
    }
    .instrument(span)
    .await;
    signed(&shared, answer)
}

/// The signed answer. Its fields come from the catalogue or the DSP, never raw from the
/// request, so it always signs; should it not, a bare E1000 is signed instead.
fn signed(shared: &Shared, answer: Answer) -> axum::response::Response {
    let code = answer.response_code.clone();
    let xml = sign_response(
        shared,
        answer.request_id,
        answer.response_code,
        None,
        answer.body,
    )
    .or_else(|error| {
        warn!(%error, %code, "the answer could not be signed; answering E1000");
        let (service_reference, service_reference_variant) = placeholder_service_reference();
        sign_response(
            shared,
            None,
            Rejection::Malformed(String::new()).response_code(),
            None,
            ResponseBody::Empty {
                service_reference,
                service_reference_variant,
            },
        )
    });
    match xml {
        Ok(xml) => ([(header::CONTENT_TYPE, "application/xml")], xml).into_response(),
        Err(error) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("could not sign the response: {error}\n"),
        )
            .into_response(),
    }
}

fn reject(request: Option<&Request>, rejection: Rejection) -> Answer {
    warn!(reason = %rejection, code = %rejection.response_code(), "request rejected");
    let (service_reference, service_reference_variant) = match request {
        Some(request) => echoable_service_reference(&request.header.service_reference_variant),
        None => placeholder_service_reference(),
    };
    Answer {
        request_id: request.map(|request| request.header.request_id),
        response_code: rejection.response_code(),
        body: ResponseBody::Empty {
            service_reference,
            service_reference_variant,
        },
    }
}

/// The service reference and variant to echo for `variant`: the catalogue's, so an answer
/// never carries text the schema does not allow; the placeholder for a variant DUIS lacks.
fn echoable_service_reference(
    variant: &ServiceReferenceVariant,
) -> (String, ServiceReferenceVariant) {
    match catalogue::lookup(variant.as_str()) {
        Some(service) => (service.service_reference().to_owned(), service.variant()),
        None => placeholder_service_reference(),
    }
}

/// For a request too malformed to parse: its service reference variant if one can still be
/// seen and DUIS has it.
fn lenient_service_reference(body: &[u8]) -> (String, ServiceReferenceVariant) {
    let text = String::from_utf8_lossy(body);
    let open = "ServiceReferenceVariant>";
    let variant = text.find(open).and_then(|start| {
        let start = start + open.len();
        let end = text[start..].find('<')? + start;
        text[start..end]
            .trim()
            .parse::<ServiceReferenceVariant>()
            .ok()
    });
    match variant {
        Some(variant) => echoable_service_reference(&variant),
        None => placeholder_service_reference(),
    }
}

/// DUIS requires a service reference even on rejections; when none can be read we answer as
/// for 8.2 Read Inventory, the one service every user role may send.
fn placeholder_service_reference() -> (String, ServiceReferenceVariant) {
    let variant = "8.2"
        .parse()
        .expect("8.2 is a well-formed service reference variant");
    ("8.2".to_owned(), variant)
}

/// The pipeline.
async fn serve(
    shared: &Shared,
    endpoint: Endpoint,
    document: &duis::ParsedDocument<'_>,
    request: &Request,
) -> Result<Answer, Rejection> {
    let header = &request.header;
    let request_id = header.request_id;
    shared.audit(
        &request_id.to_string(),
        "front door",
        format!(
            "received {} command variant {} from {}",
            header.service_reference_variant, header.command_variant, request_id.originator
        ),
        None,
    );
    let signer_serial = access::authenticate(shared, document, request_id.originator)?;
    access::check_status_in_repository(shared, &signer_serial).await?;
    let (service, caller) = access::authorise(shared, endpoint, request)?;
    if service.kind == ServiceKind::NonDevice {
        access::advance_counter(shared, &request_id)?;
        return crate::non_device::serve(shared, request, service, &caller).await;
    }
    let device = access::eligibility(
        shared,
        request_id.target,
        service,
        &caller,
        header.command_variant,
    )?;
    let (apdu, execution_at_ms) = if header.command_variant.carries_signed_pre_command() {
        // The SignedPreCommand's own ExecutionDateTime, else its pre-command's request's.
        let (apdu, issued_for) = signed_pre_command(shared, request)?;
        (
            apdu,
            crate::routing::execution_date_time(request)?.or(issued_for),
        )
    } else {
        let knowledge = InventoryKnowledge::for_request(shared, request).await;
        let requester_role = caller.roles.first().copied();
        let apdu = device_command(
            shared,
            service,
            request,
            &device,
            &knowledge,
            requester_role,
        )?
        .apdu;
        (apdu, crate::routing::execution_date_time(request)?)
    };
    crate::routing::route(shared, request, service, &device, apdu, execution_at_ms).await
}

/// The transform stage: the GBCS command for the request, after the checks some services
/// need on their content; the request's counter and, for a command a DCC party originates,
/// that party's are taken with it (`counters`), or neither when the request is refused.
fn device_command(
    shared: &Shared,
    service: &ServiceDefinition,
    request: &Request,
    device: &crate::DeviceRecord,
    knowledge: &InventoryKnowledge<'_>,
    requester_role: Option<dcc_model::UserRole>,
) -> Result<services::DeviceCommand, Rejection> {
    let context = CommandContext {
        request_id: request.header.request_id,
        command_variant: request.header.command_variant,
        device_type: device.device_type,
        now: shared.clock.now(),
        device_profile: device.profile(),
        requester_role,
    };
    let batch = shared.store.batch()?;
    let command =
        crate::counters::command_for_request(&batch, service, request, &context, knowledge)?;
    let command = shared
        .dcc_signing_keys
        .sign(request.header.command_variant, command)?;
    if service.service_reference_variant == "6.15.1" {
        accept_replacement_certificates(shared, request)?;
    }
    let joining = match (&request.body, service.service_reference_variant) {
        (duis::RequestBody::ServiceRequest(body), "8.11") => {
            crate::installation::han_device_log_addition(&shared.inventory(), device, body)?
        }
        _ => None,
    };
    if let Some(joining) = &joining {
        batch.put_device(joining)?;
    }
    batch.commit()?;
    if let Some(joining) = joining {
        shared.inventory().put(joining);
    }
    Ok(command)
}

/// 6.15.1: each replacement certificate must be an SMKI certificate of the cell's role and key
/// usage, the requester's own (a supplier's or network operator's cells) or, for a load
/// controller cell a supplier fills (CS02g), the load controller's, that chains to the CAs
/// the DSP trusts. The DSP then
/// knows them: pre-commands the requester signs with its new DS key verify at CV5, as the old
/// key's still do (the device, not the DSP, decides which key it trusts).
fn accept_replacement_certificates(shared: &Shared, request: &Request) -> Result<(), Rejection> {
    let RequestBody::ServiceRequest(body) = &request.body else {
        return Ok(());
    };
    let originator = request.header.request_id.originator;
    let replacements = services::credentials::replacement_certificates(body)?;
    let path: Vec<smki::Certificate> = body
        .find("CertificationPathCertificates")
        .map(|path| path.children.iter())
        .into_iter()
        .flatten()
        .filter(|child| child.name == "Certificate")
        .map(|child| services::credentials::certificate_from_base64("Certificate", &child.text))
        .collect::<Result<_, _>>()?;
    for replacement in &replacements {
        check_replacement(shared, originator, replacement, &path)?;
    }
    let mut store = shared.certificates();
    for replacement in replacements {
        store.add(replacement.certificate);
    }
    Ok(())
}

fn check_replacement(
    shared: &Shared,
    originator: Eui64,
    replacement: &services::credentials::Replacement,
    path: &[smki::Certificate],
) -> Result<(), Rejection> {
    use gbcs::use_case::cs02b::CellKeyUsage;
    let certificate = &replacement.certificate;
    let refuse = |reason: String| {
        Err(Rejection::ReplacementCertificate(format!(
            "{} serial {}: {reason}",
            replacement.element,
            certificate.serial_decimal()
        )))
    };
    let usage = match replacement.cell.key_usage {
        CellKeyUsage::DigitalSignature => KeyUsage::DigitalSignature,
        CellKeyUsage::KeyAgreement => KeyUsage::KeyAgreement,
        CellKeyUsage::KeyCertSign => return refuse("a user replaces no root cell".to_owned()),
    };
    // A supplier or network operator replaces its own anchors; a supplier places a load
    // controller's (CS02g), whose certificate is the load controller's.
    let cell_role = RemotePartyRole(replacement.cell.role.0);
    let own_cell = cell_role != RemotePartyRole::LOAD_CONTROLLER;
    if own_cell && certificate.organisation_id() != Some(originator) {
        return refuse(format!("it is not a certificate of {originator}"));
    }
    if certificate.role() != Some(cell_role) {
        return refuse(format!("it is not a {cell_role} certificate"));
    }
    if certificate.key_usage() != Some(usage) {
        return refuse(format!("its key usage is not {}", usage.code()));
    }
    let now = shared.now_unix();
    let Err(error) = shared.certificates().validate_path(certificate, now) else {
        return Ok(());
    };
    if issued_by_the_issuer_of_a_trusted_certificate(shared, certificate, path, now) {
        return Ok(());
    }
    refuse(format!("it does not chain to a trusted CA: {error}"))
}

/// Whether a CA of the request's certification path issued `certificate` and also issued a
/// certificate the DSP trusts: DCC Boxed's organisation certificates are trusted as they are
/// (its CAs are not published), and its 6.15.1 templates carry its issuing CA in the path.
fn issued_by_the_issuer_of_a_trusted_certificate(
    shared: &Shared,
    certificate: &smki::Certificate,
    path: &[smki::Certificate],
    now: i64,
) -> bool {
    let store = shared.certificates();
    path.iter()
        .filter(|ca| ca.is_ca() && ca.can_sign_certificates() && ca.is_valid_at(now))
        .filter(|ca| ca.subject_der() == certificate.issuer_der())
        .filter(|ca| smki::verify_signature(certificate, &ca.public_key_sec1()))
        .any(|ca| {
            store.certificates().iter().any(|trusted| {
                trusted.issuer_der() == ca.subject_der()
                    && smki::verify_signature(trusted, &ca.public_key_sec1())
                    && store.validate_path(trusted, now).is_ok()
            })
        })
}

/// A CV5–7 request: the signed form of a pre-command this DSP issued under the same
/// RequestID for the same device, signed with one of the originator's DS keys.
/// The signed pre-command a request carries (command variants 5–7), checked against the one
/// issued, with the execution time of the request it was issued for.
fn signed_pre_command(
    shared: &Shared,
    request: &Request,
) -> Result<(GeneralSigning, Option<i64>), Rejection> {
    let RequestBody::SignedPreCommand { gbcs_payload, .. } = &request.body else {
        return Err(Rejection::Malformed(format!(
            "command variant {} needs a SignedPreCommand body",
            request.header.command_variant
        )));
    };
    let signed = GeneralSigning::parse(gbcs_payload)
        .map_err(|error| Rejection::Malformed(format!("SignedPreCommand GBCSPayload: {error}")))?;
    let request_id = request.header.request_id;
    let issued = shared.store.pre_command(&request_id)?.ok_or_else(|| {
        Rejection::CommandVariantNotValid(format!("no pre-command was issued for {request_id}"))
    })?;
    let unsigned = signed.clone().with_signature(SignatureField::Absent);
    if unsigned.encode() != issued.apdu || issued.device != request_id.target {
        return Err(Rejection::PreCommandMismatch(format!(
            "the GBCS payload of {request_id} is not the pre-command issued for it"
        )));
    }
    let originator = request_id.originator;
    // An organisation may hold several DS certificates (e.g. DCC Boxed's Z1 and Z1b
    // generations): the signature must verify against one that is not revoked.
    let candidates: Vec<[u8; 65]> = {
        let certificates = shared.certificates();
        certificates
            .find(originator, KeyUsage::DigitalSignature, None)
            .into_iter()
            .filter(|certificate| !certificate.role().is_some_and(|role| role.is_xml_signing()))
            .filter(|certificate| !certificates.is_revoked(certificate))
            .map(|certificate| certificate.public_key_sec1())
            .collect()
    };
    if candidates.is_empty() {
        return Err(Rejection::UnknownUser(format!(
            "no digital signature certificate for {originator}"
        )));
    }
    let verified = candidates.iter().any(|sec1| {
        VerifyingKey::from_sec1(sec1)
            .is_ok_and(|key| gbcs::protection::verify_signature(&signed, &key).is_ok())
    });
    if !verified {
        return Err(Rejection::BadSignature(format!(
            "the pre-command signature verifies against none of the {} digital signature certificates of {originator}",
            candidates.len()
        )));
    }
    let batch = shared.store.batch()?;
    let taken = batch.take_pre_command(&request_id)?;
    batch.commit()?;
    let Some(taken) = taken else {
        // Another request with the same RequestID took it in the meantime.
        return Err(Rejection::CommandVariantNotValid(format!(
            "the pre-command of {request_id} was already used"
        )));
    };
    Ok((signed, taken.execution_at_ms))
}
