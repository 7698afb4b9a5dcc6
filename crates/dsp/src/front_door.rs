//! The DUIS front door, compatible with DCC Boxed: `POST /api/v1/serviceS` (send command),
//! `/serviceT` (transform to pre-command), `/serviceD` (non-device and local delivery), each
//! taking a signed `sr:Request` and answering a signed `sr:Response`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State as AxumState;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use dcc_model::{
    CommandVariant, DeviceStatus, Eui64, RequestId, ResponseCode, ServiceReferenceVariant, UserRole,
};
use dcc_proto::wan::communications_service_provider_client::CommunicationsServiceProviderClient;
use dcc_proto::wan::WanCommand;
use duis::{InventoryDevice, Request, RequestBody, Response, ResponseBody};
use gbcs::crypto::{KeyAgreementPublicKey, VerifyingKey};
use gbcs::{GeneralSigning, SignatureField};
use smki::{KeyUsage, RemotePartyRole};
use tracing::{info, info_span, warn, Instrument};

use crate::rejection::Rejection;
use crate::services::{self, CommandContext};
use crate::Shared;
use crate::{AwaitingResponse, IssuedPreCommand};
use duis::catalogue::{self, ServiceDefinition};

/// Which DUIS URL a request arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    SendCommand,
    Transform,
    NonDevice,
}

impl Endpoint {
    fn accepts(self, command_variant: CommandVariant) -> bool {
        let allowed: &[u8] = match self {
            Endpoint::SendCommand => &[1, 3, 5, 7],
            Endpoint::Transform => &[4],
            Endpoint::NonDevice => &[2, 6, 8],
        };
        allowed.contains(&command_variant.number())
    }
}

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

/// A synchronous answer before signing.
struct Answer {
    request_id: Option<RequestId>,
    response_code: ResponseCode,
    body: ResponseBody,
}

async fn handle(shared: Arc<Shared>, endpoint: Endpoint, body: Bytes) -> axum::response::Response {
    let request = duis::parse_request(&body);
    let span = match &request {
        Ok(request) => info_span!(
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
            Ok(request) => match serve(&shared, endpoint, &body, &request).await {
                Ok(answer) => answer,
                Err(rejection) => reject(Some(&request), rejection),
            },
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
    match sign_response(
        &shared,
        answer.request_id,
        answer.response_code,
        None,
        answer.body,
    ) {
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
        Some(request) => (
            request.header.service_reference.clone(),
            request.header.service_reference_variant.clone(),
        ),
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

/// For a request too malformed to parse: its service reference if one can still be seen.
fn lenient_service_reference(body: &[u8]) -> (String, ServiceReferenceVariant) {
    let text = String::from_utf8_lossy(body);
    let find = |tag: &str| {
        let open = format!("{tag}>");
        let start = text.find(&open)? + open.len();
        let end = text[start..].find('<')? + start;
        Some(text[start..end].trim().to_owned())
    };
    let variant = find("ServiceReferenceVariant")
        .and_then(|value| value.parse::<ServiceReferenceVariant>().ok());
    match (find("ServiceReference"), variant) {
        (Some(reference), Some(variant)) => (reference, variant),
        _ => placeholder_service_reference(),
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

async fn serve(
    shared: &Shared,
    endpoint: Endpoint,
    body: &[u8],
    request: &Request,
) -> Result<Answer, Rejection> {
    let header = &request.header;
    let originator = header.request_id.originator;
    let signer_serial = authenticate(shared, body, originator)?;
    check_status_in_repository(shared, &signer_serial).await?;
    if !endpoint.accepts(header.command_variant) {
        return Err(Rejection::WrongUrl(format!(
            "command variant {} cannot be sent to this URL",
            header.command_variant
        )));
    }
    let service =
        catalogue::lookup(header.service_reference_variant.as_str()).ok_or_else(|| {
            Rejection::UnsupportedService(format!(
                "{} is not a DUIS service reference variant",
                header.service_reference_variant
            ))
        })?;
    if !service.allows(header.command_variant) {
        return Err(Rejection::CommandVariantNotValid(format!(
            "{} ({}) accepts command variants {:?}",
            service.service_reference_variant, service.name, service.command_variants
        )));
    }
    if request.body.element_name() != service.body_element
        && !header.command_variant.carries_signed_pre_command()
    {
        return Err(Rejection::Malformed(format!(
            "body {} does not match service {} (expected {})",
            request.body.element_name(),
            service.service_reference_variant,
            service.body_element
        )));
    }
    let roles = user_roles_for(shared, originator, service)?;
    match header.command_variant {
        CommandVariant::NonDevice => {
            check_counter(shared, &header.request_id)?;
            match service.service_reference_variant {
                "8.2" => read_inventory(shared, request),
                other => Err(Rejection::UnsupportedService(format!(
                    "{other} ({}) is not served by dccsim yet",
                    service.name
                ))),
            }
        }
        CommandVariant::SendOverWan => {
            let device = authorise_device(shared, request, service, &roles)?;
            check_counter(shared, &header.request_id)?;
            let command = device_command(shared, service, request, &device)?;
            send_to_device(shared, request, command.apdu, &device).await
        }
        CommandVariant::TransformToPreCommand => {
            let device = authorise_device(shared, request, service, &roles)?;
            check_counter(shared, &header.request_id)?;
            let command = device_command(shared, service, request, &device)?;
            issue_pre_command(shared, request, command.apdu)
        }
        CommandVariant::SignedPreCommandOverWan => {
            let device = authorise_device(shared, request, service, &roles)?;
            let signed = signed_pre_command(shared, request)?;
            send_to_device(shared, request, signed, &device).await
        }
        other => Err(Rejection::CommandVariantNotValid(format!(
            "command variant {other} is not supported by dccsim"
        ))),
    }
}

/// The GBCS command for the request, after the checks some services need on their content.
fn device_command(
    shared: &Shared,
    service: &ServiceDefinition,
    request: &Request,
    device: &crate::DeviceRecord,
) -> Result<services::DeviceCommand, Rejection> {
    let context = CommandContext {
        request_id: request.header.request_id,
        command_variant: request.header.command_variant,
        device_type: device.device_type,
        now: (shared.clock)(),
    };
    let command = services::transform(service, request, &context)?;
    if service.service_reference_variant == "6.15.1" {
        accept_replacement_certificates(shared, request)?;
    }
    Ok(command)
}

/// 6.15.1: each replacement certificate must be an SMKI certificate of the requester (its id,
/// the supplier role, the cell's key usage) that chains to the CAs the DSP trusts. The DSP then
/// knows them: pre-commands the requester signs with its new DS key verify at CV5, as the old
/// key's still do (the device, not the DSP, decides which key it trusts).
fn accept_replacement_certificates(shared: &Shared, request: &Request) -> Result<(), Rejection> {
    let RequestBody::ServiceRequest(body) = &request.body else {
        return Ok(());
    };
    let originator = request.header.request_id.originator;
    let replacements = services::credentials::replacement_certificates(body)?;
    for replacement in &replacements {
        check_replacement(shared, originator, replacement)?;
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
) -> Result<(), Rejection> {
    use gbcs::use_case::cs02b::CellKeyUsage;
    let certificate = &replacement.certificate;
    let usage = match replacement.cell.key_usage {
        CellKeyUsage::DigitalSignature => KeyUsage::DigitalSignature,
        CellKeyUsage::KeyAgreement => KeyUsage::KeyAgreement,
    };
    let refuse = |reason: String| {
        Err(Rejection::ReplacementCertificate(format!(
            "{} serial {}: {reason}",
            replacement.element,
            certificate.serial_decimal()
        )))
    };
    if certificate.organisation_id() != Some(originator) {
        return refuse(format!("it is not a certificate of {originator}"));
    }
    if certificate.role() != Some(RemotePartyRole::SUPPLIER) {
        return refuse("it is not a supplier certificate".into());
    }
    if certificate.key_usage() != Some(usage) {
        return refuse(format!("its key usage is not {}", usage.code()));
    }
    if let Err(error) = shared
        .certificates()
        .validate_path(certificate, shared.now_unix())
    {
        return refuse(format!("it does not chain to a trusted CA: {error}"));
    }
    Ok(())
}

/// The request must be signed by an XML-signing certificate of its originator that the DSP
/// knows, valid now and not revoked.
/// Returns the decimal serial of the certificate that signed the request.
fn authenticate(shared: &Shared, body: &[u8], originator: Eui64) -> Result<String, Rejection> {
    let key_info = duis::signature_key_info(body)
        .map_err(|error| Rejection::BadSignature(error.to_string()))?;
    let certificates = shared.certificates();
    let certificate = certificates
        .by_issuer_serial(&key_info.issuer_name, &key_info.serial)
        .ok_or_else(|| {
            Rejection::UnknownUser(format!(
                "no certificate {} serial {}",
                key_info.issuer_name, key_info.serial
            ))
        })?;
    if certificate.organisation_id() != Some(originator)
        || certificate.role() != Some(RemotePartyRole::XML_SIGNING)
    {
        return Err(Rejection::UnknownUser(format!(
            "certificate serial {} is not an XML signing certificate of {originator}",
            key_info.serial
        )));
    }
    if !shared.users.contains_key(&originator) {
        return Err(Rejection::UnknownUser(format!(
            "{originator} is not a DCC user"
        )));
    }
    if certificates.is_revoked(certificate) {
        return Err(Rejection::UserStatus(format!(
            "certificate serial {} is revoked",
            key_info.serial
        )));
    }
    if !certificate.is_valid_at(shared.now_unix()) {
        return Err(Rejection::UserStatus(format!(
            "certificate serial {} is outside its validity",
            key_info.serial
        )));
    }
    duis::verify_document(body, &certificate.public_key_sec1())
        .map_err(|error| Rejection::BadSignature(error.to_string()))?;
    Ok(key_info.serial)
}

/// The SMKI repository (the TSP) is the authority on revocation: a request signed with a
/// certificate it has revoked is refused with E3. When the repository cannot answer, the
/// request is refused too rather than trusted unchecked.
async fn check_status_in_repository(shared: &Shared, serial: &str) -> Result<(), Rejection> {
    match shared.tsp.is_revoked(serial).await {
        Ok(false) => Ok(()),
        Ok(true) => Err(Rejection::UserStatus(format!(
            "certificate serial {serial} is revoked in the SMKI repository"
        ))),
        Err(tsp::TspError::NotFound(_)) => Err(Rejection::UserStatus(format!(
            "certificate serial {serial} is not in the SMKI repository"
        ))),
        Err(error) => Err(Rejection::UserStatus(format!(
            "the status of certificate serial {serial} cannot be checked: {error}"
        ))),
    }
}

fn user_roles_for(
    shared: &Shared,
    user: Eui64,
    service: &ServiceDefinition,
) -> Result<Vec<UserRole>, Rejection> {
    let roles: Vec<UserRole> = shared
        .users
        .get(&user)
        .map(|config| {
            config
                .roles
                .iter()
                .copied()
                .filter(|role| service.eligible_roles.contains(role))
                .collect()
        })
        .unwrap_or_default();
    if roles.is_empty() {
        return Err(Rejection::RoleNotPermitted(format!(
            "{} ({})",
            service.service_reference_variant, service.name
        )));
    }
    Ok(roles)
}

/// Counters must rise per originator: a request whose counter is not greater than the last
/// one accepted is a replay.
fn check_counter(shared: &Shared, request_id: &RequestId) -> Result<(), Rejection> {
    let mut state = shared.state();
    let last = state.last_counters.get(&request_id.originator).copied();
    if let Some(last) = last {
        if request_id.counter <= last {
            return Err(Rejection::Replayed {
                counter: request_id.counter,
                last,
            });
        }
    }
    state
        .last_counters
        .insert(request_id.originator, request_id.counter);
    Ok(())
}

fn authorise_device(
    shared: &Shared,
    request: &Request,
    service: &ServiceDefinition,
    roles: &[UserRole],
) -> Result<crate::DeviceRecord, Rejection> {
    let device_id = request.header.request_id.target;
    let user = request.header.request_id.originator;
    let state = shared.state();
    let device = state
        .inventory
        .device(device_id)
        .cloned()
        .ok_or_else(|| Rejection::UnknownDevice(device_id.to_string()))?;
    if !matches!(
        device.status,
        DeviceStatus::Commissioned | DeviceStatus::InstalledNotCommissioned
    ) {
        return Err(Rejection::DeviceStatus(format!(
            "{device_id} is {}",
            device.status
        )));
    }
    let for_device_type = service.use_cases.iter().any(|id| {
        gbcs::catalogue::all_by_use_case_id(id).any(|entry| entry.applies_to(device.device_type))
    });
    if !for_device_type {
        return Err(Rejection::ServiceNotValidForDeviceType(format!(
            "{} cannot be sent to {device_id}, a {}",
            service.service_reference_variant, device.device_type
        )));
    }
    let registrations = state.inventory.governing_registrations(device_id);
    let authorised = roles.iter().any(|role| match role {
        UserRole::ImportSupplier | UserRole::ExportSupplier | UserRole::GasSupplier => {
            registrations
                .iter()
                .any(|registration| registration.supplier == user)
        }
        UserRole::ElectricityDistributor | UserRole::GasTransporter => registrations
            .iter()
            .any(|registration| registration.network_operator == user),
        UserRole::RegisteredSupplierAgent | UserRole::OtherUser => true,
    });
    if !authorised {
        return Err(Rejection::NotAuthorisedForDevice(format!(
            "{user} for {device_id}"
        )));
    }
    Ok(device)
}

fn read_inventory(shared: &Shared, request: &Request) -> Result<Answer, Rejection> {
    let RequestBody::ServiceRequest(body) = &request.body else {
        return Err(Rejection::Malformed(
            "ReadInventory needs a service request body".into(),
        ));
    };
    let device_id: Eui64 = body
        .find_text("DeviceID")
        .ok_or_else(|| Rejection::Malformed("ReadInventory without a DeviceID".into()))?
        .parse()
        .map_err(|error| Rejection::Malformed(format!("DeviceID: {error}")))?;
    let state = shared.state();
    let han = state.inventory.han_of(device_id);
    if han.is_empty() {
        return Err(Rejection::UnknownDevice(device_id.to_string()));
    }
    let devices = han
        .into_iter()
        .map(|device| {
            let mut entry = InventoryDevice::new(
                device.device_id,
                device.device_type,
                &device.manufacturer,
                &device.model,
            );
            entry.device_status = Some(device.status);
            entry.csp_region = Some(device.region);
            entry.smets_chts_version = Some(
                if device.device_type == dcc_model::DeviceType::CommunicationsHubFunction {
                    "CHTS"
                } else {
                    "SMETS2"
                }
                .to_owned(),
            );
            entry
        })
        .collect();
    Ok(Answer {
        request_id: Some(request.header.request_id),
        response_code: ResponseCode::Success,
        body: ResponseBody::DspInventory {
            service_reference: request.header.service_reference.clone(),
            service_reference_variant: request.header.service_reference_variant.clone(),
            devices,
        },
    })
}

fn issue_pre_command(
    shared: &Shared,
    request: &Request,
    apdu: GeneralSigning,
) -> Result<Answer, Rejection> {
    let pre_command = apdu.with_signature(SignatureField::Absent);
    let payload = pre_command.encode();
    shared.state().pre_commands.insert(
        request.header.request_id,
        IssuedPreCommand { apdu: pre_command },
    );
    info!("pre-command issued");
    Ok(Answer {
        request_id: Some(request.header.request_id),
        response_code: ResponseCode::Success,
        body: ResponseBody::PreCommand {
            service_reference: request.header.service_reference.clone(),
            service_reference_variant: request.header.service_reference_variant.clone(),
            gbcs_version: "4.0".to_owned(),
            payload,
        },
    })
}

/// A CV5 request: the signed form of a pre-command this DSP issued under the same RequestID,
/// signed with the originator's DS key.
fn signed_pre_command(shared: &Shared, request: &Request) -> Result<GeneralSigning, Rejection> {
    let RequestBody::SignedPreCommand { gbcs_payload, .. } = &request.body else {
        return Err(Rejection::Malformed(
            "command variant 5 needs a SignedPreCommand body".into(),
        ));
    };
    let signed = GeneralSigning::parse(gbcs_payload)
        .map_err(|error| Rejection::Malformed(format!("SignedPreCommand GBCSPayload: {error}")))?;
    let issued = shared
        .state()
        .pre_commands
        .get(&request.header.request_id)
        .cloned()
        .ok_or_else(|| {
            Rejection::CommandVariantNotValid(format!(
                "no pre-command was issued for {}",
                request.header.request_id
            ))
        })?;
    if signed.clone().with_signature(SignatureField::Absent) != issued.apdu {
        return Err(Rejection::Malformed(
            "the signed pre-command differs from the pre-command issued".into(),
        ));
    }
    let originator = request.header.request_id.originator;
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
    shared
        .state()
        .pre_commands
        .remove(&request.header.request_id);
    Ok(signed)
}

async fn send_to_device(
    shared: &Shared,
    request: &Request,
    apdu: GeneralSigning,
    device: &crate::DeviceRecord,
) -> Result<Answer, Rejection> {
    let device_key = device_key_agreement_key(shared, device.device_id).await?;
    let secret = shared
        .shared_secrets
        .shared_secret(&shared.access_control_broker_key, &device_key);
    let gbcs = gbcs::protection::protect_command(&apdu, &secret);
    let request_id = request.header.request_id;
    shared.state().awaiting_response.insert(
        (device.device_id, request_id.counter),
        AwaitingResponse {
            request_id,
            service_reference: request.header.service_reference.clone(),
            service_reference_variant: request.header.service_reference_variant.clone(),
        },
    );
    let transport = match device.region {
        dcc_model::CspRegion::North => shared.peers.csp_north.clone(),
        dcc_model::CspRegion::Central | dcc_model::CspRegion::South => {
            shared.peers.csp_central_south.clone()
        }
    };
    let command = WanCommand {
        request_id: request_id.to_string(),
        comms_hub_id: device.comms_hub.to_hex(),
        device_id: device.device_id.to_hex(),
        gbcs,
    };
    if let Err(status) = CommunicationsServiceProviderClient::new(transport)
        .send_command(command)
        .await
    {
        shared
            .state()
            .awaiting_response
            .remove(&(device.device_id, request_id.counter));
        return Err(Rejection::CannotCommunicate(status.message().to_owned()));
    }
    info!(comms_hub = %device.comms_hub, region = %device.region, "command sent to the csp");
    Ok(Answer {
        request_id: Some(request_id),
        response_code: ResponseCode::Acknowledgement,
        body: ResponseBody::Empty {
            service_reference: request.header.service_reference.clone(),
            service_reference_variant: request.header.service_reference_variant.clone(),
        },
    })
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

/// Renders and signs a DSP response.
pub(crate) fn sign_response(
    shared: &Shared,
    request_id: Option<RequestId>,
    response_code: ResponseCode,
    response_id: Option<String>,
    body: ResponseBody,
) -> Result<String, duis::DuisError> {
    let response = Response {
        schema_version: String::new(),
        request_id,
        response_id,
        response_code,
        response_date_time: shared.now_text(),
        body,
    };
    duis::sign_document(&duis::render_response(&response), &shared.xml_signer)
}
