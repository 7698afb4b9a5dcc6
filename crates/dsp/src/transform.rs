//! DUIS to GBCS: the command (or pre-command) a service request becomes for its target device.

use dcc_model::{DeviceType, Eui64, RequestId, ServiceReferenceVariant};
use duis::{BodyElement, Request, RequestBody};
use gbcs::use_case::{self, cs02b};
use gbcs::{GeneralSigning, SignatureField};
use smki::{Certificate, KeyUsage, RemotePartyRole};

use crate::catalogue::UseCase;
use crate::rejection::Rejection;
use crate::Shared;

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
/// with the RequestID's counter as the GBCS counter; the payload comes from the request body
/// where the use case carries data (CS02b: the replacement certificates).
pub(crate) fn command_apdu(
    shared: &Shared,
    use_case: UseCase,
    request: &Request,
    device_type: DeviceType,
) -> Result<GeneralSigning, Rejection> {
    let request_id = &request.header.request_id;
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
        ("CS02b", DeviceType::ElectricitySmartMeter | DeviceType::GasSmartMeter) => {
            update_security_credentials(shared, request)?.encode()
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

/// 6.15.1 Update Security Credentials (KRP) from a supplier → CS02b supplierBySupplier,
/// authorised by the supplier's DS cell with the RequestID counter as seq number.
///
/// Each replacement certificate must be an SMKI certificate of the requester (its id, the
/// supplier role, the cell's key usage) that chains to the CAs the DSP trusts. The DSP then
/// knows them: pre-commands the requester signs with its new DS key verify at CV5, as the old
/// key's still do (the device, not the DSP, decides which key it trusts).
fn update_security_credentials(
    shared: &Shared,
    request: &Request,
) -> Result<cs02b::UpdateSecurityCredentials, Rejection> {
    let RequestBody::ServiceRequest(body) = &request.body else {
        return Err(Rejection::Malformed(
            "6.15.1 needs an UpdateSecurityCredentialsKRP body".into(),
        ));
    };
    let role = body.find_text("RemotePartyRole").unwrap_or_default();
    if role != "Supplier" {
        return Err(Rejection::UnsupportedService(format!(
            "6.15.1 for RemotePartyRole {role:?} (dccsim serves supplierBySupplier)"
        )));
    }
    if body.find("ExecutionDateTime").is_some() {
        return Err(Rejection::UnsupportedService(
            "future-dated 6.15.1 (ExecutionDateTime)".into(),
        ));
    }
    let originator = request.header.request_id.originator;
    let certificates = replacement_certificates(body)?;
    if certificates.is_empty() {
        return Err(Rejection::Malformed(
            "6.15.1 without replacement certificates".into(),
        ));
    }
    let mut replacements = Vec::new();
    let mut accepted = Vec::new();
    for (element, cell, text) in certificates {
        let certificate = certificate_from_base64(element, text)?;
        check_replacement(shared, originator, element, cell, &certificate)?;
        replacements.push(cs02b::TrustAnchorReplacement {
            certificate: certificate.der().to_vec(),
            target: cell,
        });
        accepted.push(certificate);
    }
    let certification_path_certificates = body
        .find("CertificationPathCertificates")
        .map(|path| path.children.iter())
        .into_iter()
        .flatten()
        .filter(|child| child.name == "Certificate")
        .map(|child| certificate_from_base64("Certificate", &child.text))
        .map(|certificate| certificate.map(|certificate| certificate.der().to_vec()))
        .collect::<Result<Vec<_>, _>>()?;
    let update = cs02b::UpdateSecurityCredentials {
        mode: cs02b::CredentialsReplacementMode::SUPPLIER_BY_SUPPLIER,
        apply_time_based_cpv_checks: boolean(body, "ApplyTimeBasedCPVChecks")?,
        authorising_cell: Some(cs02b::TrustAnchorCell::management(
            cs02b::RemotePartyRole::SUPPLIER,
            cs02b::CellKeyUsage::DigitalSignature,
        )),
        authorising_seq_number: request.header.request_id.counter,
        new_floor_seq_number: sequence_number(body, "RemotePartyFloorSeqNumber")?,
        new_prepayment_top_up_floor_seq_number: sequence_number(
            body,
            "RemotePartyPrepaymentTopUpFloorSeqNumber",
        )?,
        replacements,
        certification_path_certificates,
        execution_date_time: None,
    };
    let mut store = shared.certificates();
    for certificate in accepted {
        store.add(certificate);
    }
    Ok(update)
}

/// The replacement certificates of the body, in DUIS order, with the cell each targets.
fn replacement_certificates(
    body: &BodyElement,
) -> Result<Vec<(&'static str, cs02b::TrustAnchorCell, &str)>, Rejection> {
    use cs02b::{CellKeyUsage, CellUsage, RemotePartyRole as Role, TrustAnchorCell};
    let Some(certificates) = body.find("SupplierOrNetworkOperatorCertificates") else {
        return Err(Rejection::Malformed(
            "6.15.1 without SupplierOrNetworkOperatorCertificates".into(),
        ));
    };
    let cells = [
        (
            "DigitalSigningCertificate",
            CellKeyUsage::DigitalSignature,
            CellUsage::Management,
        ),
        (
            "KeyAgreementCertificate",
            CellKeyUsage::KeyAgreement,
            CellUsage::Management,
        ),
        (
            "KeyAgreementTopUpCertificate",
            CellKeyUsage::KeyAgreement,
            CellUsage::PrepaymentTopUp,
        ),
    ];
    Ok(cells
        .into_iter()
        .filter_map(|(element, key_usage, cell_usage)| {
            let text = certificates.child(element)?.text.as_str();
            let cell = TrustAnchorCell {
                role: Role::SUPPLIER,
                key_usage,
                cell_usage,
            };
            Some((element, cell, text))
        })
        .collect())
}

/// DUIS carries certificates as base64 DER: the body of a PEM block.
fn certificate_from_base64(element: &str, text: &str) -> Result<Certificate, Rejection> {
    let pem = format!("-----BEGIN CERTIFICATE-----\n{text}\n-----END CERTIFICATE-----\n");
    Certificate::from_pem(&pem)
        .map_err(|error| Rejection::Malformed(format!("{element}: not a certificate: {error}")))
}

fn check_replacement(
    shared: &Shared,
    originator: Eui64,
    element: &str,
    cell: cs02b::TrustAnchorCell,
    certificate: &Certificate,
) -> Result<(), Rejection> {
    let usage = match cell.key_usage {
        cs02b::CellKeyUsage::DigitalSignature => KeyUsage::DigitalSignature,
        cs02b::CellKeyUsage::KeyAgreement => KeyUsage::KeyAgreement,
    };
    let refuse = |reason: String| {
        Err(Rejection::ReplacementCertificate(format!(
            "{element} serial {}: {reason}",
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

fn sequence_number(body: &BodyElement, element: &str) -> Result<Option<u64>, Rejection> {
    body.find_text(element)
        .map(|text| {
            text.parse::<u64>()
                .map_err(|error| Rejection::Malformed(format!("{element}: {error}")))
        })
        .transpose()
}

fn boolean(body: &BodyElement, element: &str) -> Result<bool, Rejection> {
    match body.find_text(element) {
        Some("true" | "1") => Ok(true),
        Some("false" | "0") => Ok(false),
        other => Err(Rejection::Malformed(format!(
            "{element} must be true or false, not {other:?}"
        ))),
    }
}
