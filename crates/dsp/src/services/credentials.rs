//! Security credentials services (6.15.x, 6.17, 6.21, 6.23, 6.24.x, 8.5): trust anchor
//! replacements (CS02b modes, CS02g), device certificates (CS02c/d/e) and credential reads
//! (CS02a/f).

use duis::catalogue::ServiceDefinition;
use duis::BodyElement;
use gbcs::use_case::cs02b;
use smki::Certificate;

use super::{run, use_case_with_code, CommandContext, DeviceCommand, ServiceRequest, Transform};
use crate::rejection::Rejection;

pub(super) const SERVICES: &[(&str, Transform)] =
    &[("6.15.1", run::<UpdateSecurityCredentialsKrp>)];

/// One replacement certificate of a 6.15.1 body: the DUIS element it came in, the trust anchor
/// cell it targets and the certificate.
#[derive(Debug, Clone)]
pub struct Replacement {
    pub element: &'static str,
    pub cell: cs02b::TrustAnchorCell,
    pub certificate: Certificate,
}

/// 6.15.1 Update Security Credentials (KRP) from a supplier → CS02b supplierBySupplier,
/// authorised by the supplier's DS cell with the RequestID counter as seq number.
#[derive(Debug, Clone)]
pub struct UpdateSecurityCredentialsKrp {
    pub replacements: Vec<Replacement>,
    pub certification_path_certificates: Vec<Certificate>,
    pub apply_time_based_cpv_checks: bool,
    pub floor_seq_number: Option<u64>,
    pub prepayment_top_up_floor_seq_number: Option<u64>,
}

impl ServiceRequest for UpdateSecurityCredentialsKrp {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
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
        let replacements = replacement_certificates(body)?;
        if replacements.is_empty() {
            return Err(Rejection::Malformed(
                "6.15.1 without replacement certificates".into(),
            ));
        }
        let certification_path_certificates = body
            .find("CertificationPathCertificates")
            .map(|path| path.children.iter())
            .into_iter()
            .flatten()
            .filter(|child| child.name == "Certificate")
            .map(|child| certificate_from_base64("Certificate", &child.text))
            .collect::<Result<Vec<_>, _>>()?;
        let sequence_number = |name: &str| {
            body.find_text(name)
                .map(|text| {
                    text.parse::<u64>()
                        .map_err(|error| Rejection::Malformed(format!("{name}: {error}")))
                })
                .transpose()
        };
        Ok(Self {
            replacements,
            certification_path_certificates,
            apply_time_based_cpv_checks: match body.find_text("ApplyTimeBasedCPVChecks") {
                Some("true" | "1") => true,
                Some("false" | "0") => false,
                other => {
                    return Err(Rejection::Malformed(format!(
                        "ApplyTimeBasedCPVChecks must be true or false, not {other:?}"
                    )))
                }
            },
            floor_seq_number: sequence_number("RemotePartyFloorSeqNumber")?,
            prepayment_top_up_floor_seq_number: sequence_number(
                "RemotePartyPrepaymentTopUpFloorSeqNumber",
            )?,
        })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = use_case_with_code(service, cs02b::MESSAGE_CODE, context.device_type)?;
        let update = cs02b::UpdateSecurityCredentials {
            mode: cs02b::CredentialsReplacementMode::SUPPLIER_BY_SUPPLIER,
            apply_time_based_cpv_checks: self.apply_time_based_cpv_checks,
            authorising_cell: Some(cs02b::TrustAnchorCell::management(
                cs02b::RemotePartyRole::SUPPLIER,
                cs02b::CellKeyUsage::DigitalSignature,
            )),
            authorising_seq_number: context.counter(),
            new_floor_seq_number: self.floor_seq_number,
            new_prepayment_top_up_floor_seq_number: self.prepayment_top_up_floor_seq_number,
            remote_party_seq_number_changes: Vec::new(),
            replacements: self
                .replacements
                .iter()
                .map(|replacement| cs02b::TrustAnchorReplacement {
                    certificate: replacement.certificate.der().to_vec(),
                    target: replacement.cell,
                })
                .collect(),
            certification_path_certificates: self
                .certification_path_certificates
                .iter()
                .map(|certificate| certificate.der().to_vec())
                .collect(),
            execution_date_time: None,
        };
        Ok(DeviceCommand::new(use_case, context, update.encode()))
    }
}

/// The replacement certificates of a 6.15.1 body, in DUIS order, with the cell each targets.
pub fn replacement_certificates(body: &BodyElement) -> Result<Vec<Replacement>, Rejection> {
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
    let mut replacements = Vec::new();
    for (element, key_usage, cell_usage) in cells {
        let Some(text) = certificates.child(element).map(|child| child.text.as_str()) else {
            continue;
        };
        replacements.push(Replacement {
            element,
            cell: TrustAnchorCell {
                role: Role::SUPPLIER,
                key_usage,
                cell_usage,
            },
            certificate: certificate_from_base64(element, text)?,
        });
    }
    Ok(replacements)
}

/// DUIS carries certificates as base64 DER: the body of a PEM block.
pub fn certificate_from_base64(element: &str, text: &str) -> Result<Certificate, Rejection> {
    let pem = format!("-----BEGIN CERTIFICATE-----\n{text}\n-----END CERTIFICATE-----\n");
    Certificate::from_pem(&pem)
        .map_err(|error| Rejection::Malformed(format!("{element}: not a certificate: {error}")))
}
