//! Security credentials services (6.15.x, 6.17, 6.21, 6.23, 6.24.x, 8.5): trust anchor
//! replacements (every CS02b mode DUIS reaches, and CS02g), device certificates (CS02c/d/e)
//! and credential reads (CS02a/f).
//!
//! Who sends the command, as RTDS shows: the requester for 6.15.x, 6.17 and 6.24.2 (critical,
//! signed by the requester); the ACB for 6.21 (signed by the DCC, whose key a DCC-controlled
//! device holds in the supplier or network operator cell), 8.5 (MAC only) and 6.24.1 (MAC
//! only, authorised by the ACB's key agreement cell); the transitional CoS party for 6.23
//! (signed by it). DCC-originated commands carry the DCC party's own counter for the device
//! ([`CommandOrigin::DccParty`]) and no supplementary remote party.

use dcc_model::{DCC_ACCESS_CONTROL_BROKER, DCC_TRANSITIONAL_CHANGE_OF_SUPPLIER};
use duis::catalogue::ServiceDefinition;
use duis::BodyElement;
use gbcs::credentials::cs02b::{self, CredentialsReplacementMode as Mode};
use gbcs::credentials::{cs02a, cs02c, cs02d, cs02e, CellUsage, KeyUsage, TrustAnchorCell};
use gbcs::MessageCode;
use smki::Certificate;

use super::{
    fields, run, use_case_with_code, CommandContext, CommandOrigin, DeviceCommand, ServiceRequest,
    Transform,
};
use crate::rejection::Rejection;

pub use gbcs::credentials::RemotePartyRole;

pub(super) const SERVICES: &[(&str, Transform)] = &[
    ("6.15.1", run::<UpdateSecurityCredentialsKrp>),
    ("6.15.2", run::<UpdateSecurityCredentialsDevice>),
    ("6.17", run::<IssueSecurityCredentials>),
    ("6.21", run::<RequestHandoverOfDccControlledDevice>),
    ("6.23", run::<UpdateSecurityCredentialsCos>),
    ("6.24.1", run::<RetrieveDeviceSecurityCredentialsKrp>),
    ("6.24.2", run::<RetrieveDeviceSecurityCredentialsDevice>),
    ("8.5", run::<ServiceOptOut>),
];

/// `floorSequenceNumber`: a non-negative integer up to 2^63 − 1.
const MAXIMUM_FLOOR_SEQ_NUMBER: u64 = i64::MAX as u64;
/// DUIS's cancellation date-time: a future-dated request with it cancels the pending one.
const DUIS_CANCELLATION: &str = "3000-12-31T00:00:00Z";
/// The GeneralizedTime GBCS uses to cancel a future-dated command.
const GBCS_CANCELLATION: &str = "99991231235959Z";

/// When a command executes, from a body's `ExecutionDateTime`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Execution {
    Immediate,
    At(time::OffsetDateTime),
    /// DUIS 3000-12-31T00:00:00Z: cancel the pending future-dated command.
    Cancellation,
}

impl Execution {
    /// Reads an optional `ExecutionDateTime` (`xs:dateTime`; without a time zone, UTC).
    pub fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        let Some(text) = body
            .child("ExecutionDateTime")
            .map(|child| child.text.as_str())
        else {
            return Ok(Self::Immediate);
        };
        let at = date_time(text)?;
        if at == date_time(DUIS_CANCELLATION)? {
            return Ok(Self::Cancellation);
        }
        Ok(Self::At(at))
    }

    /// The GBCS execution date-time of a command the device holds (GeneralizedTime text).
    pub fn generalized_time(&self) -> Option<String> {
        match self {
            Self::Immediate => None,
            Self::Cancellation => Some(GBCS_CANCELLATION.to_owned()),
            Self::At(at) => {
                let at = at.to_offset(time::UtcOffset::UTC);
                Some(format!(
                    "{:04}{:02}{:02}{:02}{:02}{:02}Z",
                    at.year(),
                    u8::from(at.month()),
                    at.day(),
                    at.hour(),
                    at.minute(),
                    at.second()
                ))
            }
        }
    }
}

/// An `xs:dateTime`.
fn date_time(text: &str) -> Result<time::OffsetDateTime, Rejection> {
    use time::format_description::well_known::Rfc3339;
    let malformed = |error: &dyn std::fmt::Display| {
        Rejection::Malformed(format!("ExecutionDateTime {text:?}: {error}"))
    };
    if let Ok(at) = time::OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(at);
    }
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
    );
    time::PrimitiveDateTime::parse(text, format)
        .map(time::PrimitiveDateTime::assume_utc)
        .map_err(|error| malformed(&error))
}

/// Refuses children other than `allowed`.
pub(super) fn only_children(body: &BodyElement, allowed: &[&str]) -> Result<(), Rejection> {
    match body
        .children
        .iter()
        .find(|child| !allowed.contains(&child.name.as_str()))
    {
        Some(child) => Err(Rejection::Malformed(format!(
            "{} takes no {}",
            body.name, child.name
        ))),
        None => Ok(()),
    }
}

/// A DUIS `RemotePartyRole`.
fn remote_party_role(text: &str) -> Result<RemotePartyRole, Rejection> {
    Ok(match text {
        "Root" => RemotePartyRole::ROOT,
        "Recovery" => RemotePartyRole::RECOVERY,
        "Supplier" => RemotePartyRole::SUPPLIER,
        "NetworkOperator" => RemotePartyRole::NETWORK_OPERATOR,
        "ACB" => RemotePartyRole::ACCESS_CONTROL_BROKER,
        "TransCoS" => RemotePartyRole::TRANSITIONAL_CHANGE_OF_SUPPLIER,
        "LoadController" => RemotePartyRole::LOAD_CONTROLLER,
        other => {
            return Err(Rejection::Malformed(format!(
                "RemotePartyRole {other:?} is not a DUIS remote party role"
            )))
        }
    })
}

/// A DUIS `CredentialType`.
fn credential_type(body: &BodyElement) -> Result<KeyUsage, Rejection> {
    only_children(body, &["CredentialType"])?;
    match fields::required(body, "CredentialType")? {
        "Digital Signature" => Ok(KeyUsage::DigitalSignature),
        "Key Agreement" => Ok(KeyUsage::KeyAgreement),
        other => Err(Rejection::Malformed(format!(
            "CredentialType must be Digital Signature or Key Agreement, not {other:?}"
        ))),
    }
}

/// An optional `floorSequenceNumber` child.
fn floor_seq_number(body: &BodyElement, name: &str) -> Result<Option<u64>, Rejection> {
    let floor = fields::optional_number::<u64>(body, name)?;
    match floor {
        Some(value) if value > MAXIMUM_FLOOR_SEQ_NUMBER => Err(Rejection::Malformed(format!(
            "{name} {value} is above {MAXIMUM_FLOOR_SEQ_NUMBER}"
        ))),
        _ => Ok(floor),
    }
}

fn required_floor_seq_number(body: &BodyElement, name: &str) -> Result<u64, Rejection> {
    floor_seq_number(body, name)?
        .ok_or_else(|| Rejection::Malformed(format!("{} without {name}", body.name)))
}

/// One replacement certificate of a body: the DUIS element it came in, the trust anchor cell
/// it targets and the certificate.
#[derive(Debug, Clone)]
pub struct Replacement {
    pub element: &'static str,
    pub cell: TrustAnchorCell,
    pub certificate: Certificate,
}

/// The certificate elements of a replacement set and the cells they fill.
const DIGITAL_SIGNING: (&str, KeyUsage, CellUsage) = (
    "DigitalSigningCertificate",
    KeyUsage::DigitalSignature,
    CellUsage::Management,
);
const KEY_AGREEMENT: (&str, KeyUsage, CellUsage) = (
    "KeyAgreementCertificate",
    KeyUsage::KeyAgreement,
    CellUsage::Management,
);
const KEY_AGREEMENT_TOP_UP: (&str, KeyUsage, CellUsage) = (
    "KeyAgreementTopUpCertificate",
    KeyUsage::KeyAgreement,
    CellUsage::PrepaymentTopUp,
);

/// The replacement certificates of `set` for `role`'s cells, in DUIS order. Only a supplier
/// has a prepayment top-up cell; `required` names an element the set must hold.
fn replacements_for(
    set: &BodyElement,
    role: RemotePartyRole,
    required: Option<&str>,
) -> Result<Vec<Replacement>, Rejection> {
    let cells: &[(&'static str, KeyUsage, CellUsage)] = match role {
        RemotePartyRole::SUPPLIER => &[DIGITAL_SIGNING, KEY_AGREEMENT, KEY_AGREEMENT_TOP_UP],
        _ => &[DIGITAL_SIGNING, KEY_AGREEMENT],
    };
    let names: Vec<&str> = cells.iter().map(|(name, _, _)| *name).collect();
    only_children(set, &names)?;
    if let Some(name) = required {
        fields::element(set, name)?;
    }
    let mut replacements = Vec::new();
    for (element, key_usage, cell_usage) in cells {
        let Some(child) = set.child(element) else {
            continue;
        };
        replacements.push(Replacement {
            element,
            cell: TrustAnchorCell {
                role,
                key_usage: *key_usage,
                cell_usage: *cell_usage,
            },
            certificate: certificate_from_base64(element, &child.text)?,
        });
    }
    if replacements.is_empty() {
        return Err(Rejection::Malformed(format!(
            "{} holds no replacement certificate",
            set.name
        )));
    }
    Ok(replacements)
}

/// `CertificationPathCertificates`: one to three CA certificates.
fn certification_path(body: &BodyElement) -> Result<Vec<Certificate>, Rejection> {
    let path = fields::element(body, "CertificationPathCertificates")?;
    only_children(path, &["Certificate"])?;
    if !(1..=3).contains(&path.children.len()) {
        return Err(Rejection::Malformed(format!(
            "CertificationPathCertificates holds {} certificates (1 to 3)",
            path.children.len()
        )));
    }
    path.children
        .iter()
        .map(|child| certificate_from_base64("Certificate", &child.text))
        .collect()
}

/// DUIS carries certificates as base64 DER: the body of a PEM block.
pub fn certificate_from_base64(element: &str, text: &str) -> Result<Certificate, Rejection> {
    let pem = format!("-----BEGIN CERTIFICATE-----\n{text}\n-----END CERTIFICATE-----\n");
    Certificate::from_pem(&pem)
        .map_err(|error| Rejection::Malformed(format!("{element}: not a certificate: {error}")))
}

/// The parts every trust anchor replacement request shares.
#[derive(Debug, Clone)]
pub struct ReplacementRequest {
    pub replacements: Vec<Replacement>,
    pub certification_path: Vec<Certificate>,
    pub apply_time_based_cpv_checks: bool,
}

impl ReplacementRequest {
    fn parse(
        body: &BodyElement,
        set: &BodyElement,
        role: RemotePartyRole,
        required: Option<&str>,
    ) -> Result<Self, Rejection> {
        Ok(Self {
            replacements: replacements_for(set, role, required)?,
            certification_path: certification_path(body)?,
            apply_time_based_cpv_checks: fields::boolean(body, "ApplyTimeBasedCPVChecks")?,
        })
    }

    /// The CS02b command with these replacements.
    fn update(
        &self,
        mode: Mode,
        authorising_cell: Option<TrustAnchorCell>,
        seq_number: u64,
    ) -> cs02b::UpdateSecurityCredentials {
        cs02b::UpdateSecurityCredentials {
            mode,
            plaintext_symmetric_key: None,
            apply_time_based_cpv_checks: self.apply_time_based_cpv_checks,
            authorising_cell,
            authorising_seq_number: seq_number,
            new_floor_seq_number: None,
            new_prepayment_top_up_floor_seq_number: None,
            other_seq_number_changes: Vec::new(),
            replacements: self
                .replacements
                .iter()
                .map(|replacement| cs02b::TrustAnchorReplacement {
                    certificate: replacement.certificate.der().to_vec(),
                    target: replacement.cell,
                })
                .collect(),
            certification_path_certificates: self
                .certification_path
                .iter()
                .map(|certificate| certificate.der().to_vec())
                .collect(),
            execution_date_time: None,
        }
    }
}

/// The digital signature management cell of `role`, which authorises its own replacements.
fn signing_cell(role: RemotePartyRole) -> TrustAnchorCell {
    TrustAnchorCell::management(role, KeyUsage::DigitalSignature)
}

/// The use case of a CS02b/CS02g mode for the device type.
fn mode_use_case(
    service: &ServiceDefinition,
    mode: Mode,
    context: &CommandContext,
) -> Result<&'static gbcs::catalogue::MessageCodeEntry, Rejection> {
    let code = mode
        .message_code()
        .ok_or_else(|| Rejection::Malformed(format!("no message code for mode {}", mode.0)))?;
    use_case_with_code(service, code, context.device_type)
}

/// 6.15.1 Update Security Credentials (KRP): a supplier or network operator replaces its own
/// anchors (CS02b supplierBySupplier, networkOperatorByNetworkOperator), or a supplier replaces
/// the load controller's (CS02g loadControllerBySupplier, ESME and HCALCS). The requester
/// signs it; a future-dated one carries its execution date-time to the device.
#[derive(Debug, Clone)]
pub struct UpdateSecurityCredentialsKrp {
    pub role: RemotePartyRole,
    pub execution: Execution,
    pub floor_seq_number: Option<u64>,
    pub prepayment_top_up_floor_seq_number: Option<u64>,
    pub request: ReplacementRequest,
}

impl ServiceRequest for UpdateSecurityCredentialsKrp {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        only_children(
            body,
            &[
                "ExecutionDateTime",
                "RemotePartyRole",
                "RemotePartyFloorSeqNumber",
                "RemotePartyPrepaymentTopUpFloorSeqNumber",
                "ReplacementCertificates",
                "CertificationPathCertificates",
                "ApplyTimeBasedCPVChecks",
            ],
        )?;
        let role = krp_role(body)?;
        let prepayment_top_up_floor_seq_number =
            floor_seq_number(body, "RemotePartyPrepaymentTopUpFloorSeqNumber")?;
        if prepayment_top_up_floor_seq_number.is_some() && role != RemotePartyRole::SUPPLIER {
            return Err(Rejection::Malformed(
                "RemotePartyPrepaymentTopUpFloorSeqNumber is a supplier's floor".into(),
            ));
        }
        Ok(Self {
            role,
            execution: Execution::parse(body)?,
            floor_seq_number: floor_seq_number(body, "RemotePartyFloorSeqNumber")?,
            prepayment_top_up_floor_seq_number,
            request: ReplacementRequest::parse(body, krp_certificates(body)?, role, None)?,
        })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let counter = context.counter();
        let mut update = match self.role {
            RemotePartyRole::LOAD_CONTROLLER => {
                let mut update = self.request.update(
                    Mode::LOAD_CONTROLLER_BY_SUPPLIER,
                    Some(signing_cell(RemotePartyRole::SUPPLIER)),
                    counter,
                );
                update.other_seq_number_changes = self
                    .floor_seq_number
                    .map(|floor| cs02b::RemotePartySeqNumberChange {
                        role: RemotePartyRole::LOAD_CONTROLLER,
                        floor_seq_number: floor,
                        prepayment_top_up_floor_seq_number: None,
                    })
                    .into_iter()
                    .collect();
                update
            }
            role => {
                let mode = match role {
                    RemotePartyRole::SUPPLIER => Mode::SUPPLIER_BY_SUPPLIER,
                    _ => Mode::NETWORK_OPERATOR_BY_NETWORK_OPERATOR,
                };
                let mut update = self.request.update(mode, Some(signing_cell(role)), counter);
                update.new_floor_seq_number = self.floor_seq_number;
                update.new_prepayment_top_up_floor_seq_number =
                    self.prepayment_top_up_floor_seq_number;
                update
            }
        };
        update.execution_date_time = self.execution.generalized_time();
        let use_case = mode_use_case(service, update.mode, context)?;
        Ok(DeviceCommand::new(use_case, context, update.encode()))
    }
}

/// 6.15.1's `RemotePartyRole`: the parties whose anchors it replaces.
fn krp_role(body: &BodyElement) -> Result<RemotePartyRole, Rejection> {
    let role = remote_party_role(fields::required(body, "RemotePartyRole")?)?;
    match role {
        RemotePartyRole::SUPPLIER
        | RemotePartyRole::NETWORK_OPERATOR
        | RemotePartyRole::LOAD_CONTROLLER => Ok(role),
        _ => Err(Rejection::Malformed(format!(
            "6.15.1 replaces Supplier, NetworkOperator or LoadController credentials, not role {}",
            role.0
        ))),
    }
}

/// 6.15.1's `ReplacementCertificates/SupplierOrNetworkOperatorCertificates`.
fn krp_certificates(body: &BodyElement) -> Result<&BodyElement, Rejection> {
    let certificates = fields::element(body, "ReplacementCertificates")?;
    only_children(certificates, &["SupplierOrNetworkOperatorCertificates"])?;
    fields::element(certificates, "SupplierOrNetworkOperatorCertificates")
}

/// The replacement certificates of a 6.15.1 body, in DUIS order, with the cell each targets
/// (the cells of the body's `RemotePartyRole`). The front door checks them against the SMKI.
pub fn replacement_certificates(body: &BodyElement) -> Result<Vec<Replacement>, Rejection> {
    replacements_for(krp_certificates(body)?, krp_role(body)?, None)
}

/// 6.15.2 Update Security Credentials (Device): CS02d, a new device certificate.
#[derive(Debug, Clone)]
pub struct UpdateSecurityCredentialsDevice {
    pub certificate: Certificate,
}

impl ServiceRequest for UpdateSecurityCredentialsDevice {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        only_children(body, &["DeviceCertificate"])?;
        Ok(Self {
            certificate: certificate_from_base64(
                "DeviceCertificate",
                fields::required(body, "DeviceCertificate")?,
            )?,
        })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = use_case_with_code(service, cs02d::MESSAGE_CODE, context.device_type)?;
        let payload = cs02d::command_payload(self.certificate.der());
        Ok(DeviceCommand::new(use_case, context, payload))
    }
}

/// 6.17 Issue Security Credentials: CS02c, the device generates a key pair of the type.
#[derive(Debug, Clone, Copy)]
pub struct IssueSecurityCredentials {
    pub key_usage: KeyUsage,
}

impl ServiceRequest for IssueSecurityCredentials {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        credential_type(body).map(|key_usage| Self { key_usage })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = use_case_with_code(service, cs02c::MESSAGE_CODE, context.device_type)?;
        let payload = cs02c::command_payload(self.key_usage);
        Ok(DeviceCommand::new(use_case, context, payload))
    }
}

/// 6.24.2 Retrieve Device Security Credentials (Device): CS02e, the device's certificate of
/// the type.
#[derive(Debug, Clone, Copy)]
pub struct RetrieveDeviceSecurityCredentialsDevice {
    pub key_usage: KeyUsage,
}

impl ServiceRequest for RetrieveDeviceSecurityCredentialsDevice {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        credential_type(body).map(|key_usage| Self { key_usage })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = use_case_with_code(service, cs02e::MESSAGE_CODE, context.device_type)?;
        let payload = cs02e::command_payload(self.key_usage);
        Ok(DeviceCommand::new(use_case, context, payload))
    }
}

/// 6.24.1 Retrieve Device Security Credentials (KRP): CS02a, or CS02f when the load
/// controller's cells are asked for (ESME, HCALCS). The ACB sends it, MACed, authorised by its
/// key agreement cell.
#[derive(Debug, Clone)]
pub struct RetrieveDeviceSecurityCredentialsKrp {
    pub roles: Vec<RemotePartyRole>,
}

/// DUIS allows at most seven roles.
const MAXIMUM_ROLES: usize = 7;

impl ServiceRequest for RetrieveDeviceSecurityCredentialsKrp {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        only_children(body, &["RemotePartyRole"])?;
        let roles = body
            .children
            .iter()
            .map(|child| remote_party_role(&child.text))
            .collect::<Result<Vec<_>, _>>()?;
        if roles.is_empty() || roles.len() > MAXIMUM_ROLES {
            return Err(Rejection::Malformed(format!(
                "RetrieveDeviceSecurityCredentialsKRP names {} roles (1 to {MAXIMUM_ROLES})",
                roles.len()
            )));
        }
        if let Some(repeated) = roles
            .iter()
            .enumerate()
            .find_map(|(index, role)| roles[..index].contains(role).then_some(role))
        {
            return Err(Rejection::Malformed(format!(
                "RemotePartyRole {} is named twice",
                repeated.0
            )));
        }
        Ok(Self { roles })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let code: MessageCode = match self.roles.contains(&RemotePartyRole::LOAD_CONTROLLER) {
            true => cs02a::LOAD_CONTROLLER_MESSAGE_CODE,
            false => cs02a::MESSAGE_CODE,
        };
        let use_case = use_case_with_code(service, code, context.device_type)?;
        let payload = cs02a::ProvideSecurityCredentialDetails {
            authorising_cell: TrustAnchorCell::management(
                RemotePartyRole::ACCESS_CONTROL_BROKER,
                KeyUsage::KeyAgreement,
            ),
            roles: self.roles.clone(),
        }
        .encode();
        Ok(DeviceCommand::new(use_case, context, payload)
            .originated_by(CommandOrigin::dcc_party(DCC_ACCESS_CONTROL_BROKER)))
    }
}

/// 6.21 Request Handover Of DCC Controlled Device: the DCC, whose keys a DCC-controlled
/// device holds in the supplier (or network operator) cells, hands them to the requester:
/// CS02b supplierBySupplier or networkOperatorByNetworkOperator from the ACB, which signs it.
/// A future-dated request is held by the DSP: the command is the immediate one.
#[derive(Debug, Clone)]
pub struct RequestHandoverOfDccControlledDevice {
    pub role: RemotePartyRole,
    pub floor_seq_number: Option<u64>,
    pub prepayment_top_up_floor_seq_number: Option<u64>,
    pub request: ReplacementRequest,
}

impl ServiceRequest for RequestHandoverOfDccControlledDevice {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        only_children(
            body,
            &[
                "ExecutionDateTime",
                "RemotePartyRole",
                "RemotePartyFloorSeqNumber",
                "RemotePartyPrepaymentTopUpFloorSeqNumber",
                "ReplacementCertificates",
                "CertificationPathCertificates",
                "ApplyTimeBasedCPVChecks",
            ],
        )?;
        Execution::parse(body)?;
        let role = remote_party_role(fields::required(body, "RemotePartyRole")?)?;
        if role != RemotePartyRole::SUPPLIER && role != RemotePartyRole::NETWORK_OPERATOR {
            return Err(Rejection::Malformed(format!(
                "6.21 hands over Supplier or NetworkOperator credentials, not role {}",
                role.0
            )));
        }
        let prepayment_top_up_floor_seq_number =
            floor_seq_number(body, "RemotePartyPrepaymentTopUpFloorSeqNumber")?;
        if prepayment_top_up_floor_seq_number.is_some() && role != RemotePartyRole::SUPPLIER {
            return Err(Rejection::Malformed(
                "RemotePartyPrepaymentTopUpFloorSeqNumber is a supplier's floor".into(),
            ));
        }
        let set = fields::element(body, "ReplacementCertificates")?;
        Ok(Self {
            role,
            floor_seq_number: floor_seq_number(body, "RemotePartyFloorSeqNumber")?,
            prepayment_top_up_floor_seq_number,
            request: ReplacementRequest::parse(body, set, role, Some("DigitalSigningCertificate"))?,
        })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let mode = match self.role {
            RemotePartyRole::SUPPLIER => Mode::SUPPLIER_BY_SUPPLIER,
            _ => Mode::NETWORK_OPERATOR_BY_NETWORK_OPERATOR,
        };
        let use_case = mode_use_case(service, mode, context)?;
        let mut update =
            self.request
                .update(mode, Some(signing_cell(self.role)), context.counter());
        update.new_floor_seq_number = self.floor_seq_number;
        update.new_prepayment_top_up_floor_seq_number = self.prepayment_top_up_floor_seq_number;
        Ok(DeviceCommand::new(use_case, context, update.encode())
            .originated_by(CommandOrigin::dcc_party(DCC_ACCESS_CONTROL_BROKER)))
    }
}

/// 6.23 Update Security Credentials (CoS): on a change of supplier the DCC's transitional CoS
/// party replaces the old supplier's anchors with the requester's: CS02b supplierByTransCoS,
/// signed by that party, carrying the new supplier's floors; a future-dated one carries its
/// execution date-time to the device.
#[derive(Debug, Clone)]
pub struct UpdateSecurityCredentialsCos {
    pub execution: Execution,
    pub floor_seq_number: u64,
    pub prepayment_top_up_floor_seq_number: Option<u64>,
    /// The MPxN the new supplier is registered for (the DSP checks the registration).
    pub import_mpxn: String,
    pub request: ReplacementRequest,
}

/// `ImportMPxN`: 1 to 13 characters.
const MAXIMUM_MPXN_LENGTH: usize = 13;

impl ServiceRequest for UpdateSecurityCredentialsCos {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        only_children(
            body,
            &[
                "ExecutionDateTime",
                "SupplierFloorSeqNumber",
                "SupplierPrepaymentTopUpFloorSeqNumber",
                "SupplierReplacementCertificates",
                "CertificationPathCertificates",
                "ApplyTimeBasedCPVChecks",
                "ImportMPxN",
            ],
        )?;
        let import_mpxn = fields::required(body, "ImportMPxN")?;
        if import_mpxn.is_empty() || import_mpxn.chars().count() > MAXIMUM_MPXN_LENGTH {
            return Err(Rejection::Malformed(format!(
                "ImportMPxN {import_mpxn:?} is not 1 to {MAXIMUM_MPXN_LENGTH} characters"
            )));
        }
        let set = fields::element(body, "SupplierReplacementCertificates")?;
        Ok(Self {
            execution: Execution::parse(body)?,
            floor_seq_number: required_floor_seq_number(body, "SupplierFloorSeqNumber")?,
            prepayment_top_up_floor_seq_number: floor_seq_number(
                body,
                "SupplierPrepaymentTopUpFloorSeqNumber",
            )?,
            import_mpxn: import_mpxn.to_owned(),
            request: ReplacementRequest::parse(
                body,
                set,
                RemotePartyRole::SUPPLIER,
                Some("DigitalSigningCertificate"),
            )?,
        })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let mode = Mode::SUPPLIER_BY_TRANSITIONAL_CHANGE_OF_SUPPLIER;
        let use_case = mode_use_case(service, mode, context)?;
        let mut update = self.request.update(
            mode,
            Some(signing_cell(
                RemotePartyRole::TRANSITIONAL_CHANGE_OF_SUPPLIER,
            )),
            context.counter(),
        );
        // The new supplier's floors, except in a cancellation, which RTDS sends without them
        // (its 6.23 CANCELLATION command has no `[6]`, its other 6.23 commands do).
        if self.execution != Execution::Cancellation {
            update.other_seq_number_changes = vec![cs02b::RemotePartySeqNumberChange {
                role: RemotePartyRole::SUPPLIER,
                floor_seq_number: self.floor_seq_number,
                prepayment_top_up_floor_seq_number: self.prepayment_top_up_floor_seq_number,
            }];
        }
        update.execution_date_time = self.execution.generalized_time();
        Ok(
            DeviceCommand::new(use_case, context, update.encode()).originated_by(
                CommandOrigin::dcc_party(DCC_TRANSITIONAL_CHANGE_OF_SUPPLIER),
            ),
        )
    }
}

/// 8.5 Service Opt Out: the ACB replaces its own anchors on the device (CS02b
/// accessControlBrokerByACB, MACed only). The DSP holds it until its `ExecutionDateTime`
/// (mandatory): the command is the immediate one.
#[derive(Debug, Clone)]
pub struct ServiceOptOut {
    pub floor_seq_number: u64,
    pub request: ReplacementRequest,
}

impl ServiceRequest for ServiceOptOut {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        only_children(
            body,
            &[
                "ExecutionDateTime",
                "ACBFloorSeqNumber",
                "ReplacementCertificates",
                "CertificationPathCertificates",
                "ApplyTimeBasedCPVChecks",
            ],
        )?;
        if Execution::parse(body)? == Execution::Immediate {
            return Err(Rejection::Malformed(
                "ServiceOptOut without ExecutionDateTime".into(),
            ));
        }
        let set = fields::element(body, "ReplacementCertificates")?;
        Ok(Self {
            floor_seq_number: required_floor_seq_number(body, "ACBFloorSeqNumber")?,
            request: ReplacementRequest::parse(
                body,
                set,
                RemotePartyRole::ACCESS_CONTROL_BROKER,
                Some("KeyAgreementCertificate"),
            )?,
        })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let mode = Mode::ACCESS_CONTROL_BROKER_BY_ACCESS_CONTROL_BROKER;
        let use_case = mode_use_case(service, mode, context)?;
        let mut update = self.request.update(mode, None, context.counter());
        update.new_floor_seq_number = Some(self.floor_seq_number);
        Ok(DeviceCommand::new(use_case, context, update.encode())
            .originated_by(CommandOrigin::dcc_party(DCC_ACCESS_CONTROL_BROKER)))
    }
}

#[cfg(test)]
pub(super) mod tests {
    use base64::Engine;
    use dcc_model::{CommandVariant, DeviceType, Eui64, RequestId};

    use super::*;

    const SUPPLIER: Eui64 = Eui64::from_u64(0x90B3_D51F_3001_0000);
    const ESME: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A0);

    pub(in crate::services) fn leaf(name: &str, text: &str) -> BodyElement {
        BodyElement::leaf(name, text)
    }

    pub(in crate::services) fn node(name: &str, children: Vec<BodyElement>) -> BodyElement {
        BodyElement::with_children(name, children)
    }

    /// A real certificate in DUIS's base64 form.
    fn certificate() -> String {
        use std::sync::OnceLock;
        static PKI: OnceLock<smki::TestPki> = OnceLock::new();
        let pki = PKI.get_or_init(|| smki::TestPki::default_for(1).unwrap());
        base64::engine::general_purpose::STANDARD.encode(pki.organisation_ca().certificate.der())
    }

    fn path() -> BodyElement {
        node(
            "CertificationPathCertificates",
            vec![leaf("Certificate", &certificate())],
        )
    }

    /// A 6.15.1 body for `role` with the given replacement certificate elements.
    fn krp(role: &str, certificates: &[&str], extra: Vec<BodyElement>) -> BodyElement {
        let mut children = vec![leaf("RemotePartyRole", role)];
        children.extend(extra);
        children.push(node(
            "ReplacementCertificates",
            vec![node(
                "SupplierOrNetworkOperatorCertificates",
                certificates
                    .iter()
                    .map(|name| leaf(name, &certificate()))
                    .collect(),
            )],
        ));
        children.push(path());
        children.push(leaf("ApplyTimeBasedCPVChecks", "true"));
        node("UpdateSecurityCredentialsKRP", children)
    }

    fn context(device_type: DeviceType) -> CommandContext {
        CommandContext {
            request_id: RequestId::new(SUPPLIER, ESME, 1000),
            command_variant: CommandVariant::TransformToPreCommand,
            device_type,
            now: time::OffsetDateTime::UNIX_EPOCH,
            device_profile: Default::default(),
            requester_role: None,
        }
    }

    /// Asserts a `Malformed` rejection whose message says `expected`.
    pub(in crate::services) fn malformed<T: std::fmt::Debug>(
        result: Result<T, Rejection>,
        expected: &str,
    ) {
        match result {
            Err(Rejection::Malformed(message)) => assert!(
                message.contains(expected),
                "{message:?} does not say {expected:?}"
            ),
            other => panic!("expected Malformed({expected:?}), got {other:?}"),
        }
    }

    #[test]
    fn execution_date_times_become_gbcs_times() {
        let at = |text: &str| {
            Execution::parse(&node("X", vec![leaf("ExecutionDateTime", text)]))
                .unwrap()
                .generalized_time()
        };
        assert_eq!(
            at("2030-01-15T00:00:00.00Z").as_deref(),
            Some("20300115000000Z")
        );
        assert_eq!(
            at("2030-01-15T01:00:00+01:00").as_deref(),
            Some("20300115000000Z")
        );
        assert_eq!(
            at("2030-01-15T00:00:00").as_deref(),
            Some("20300115000000Z")
        );
        assert_eq!(
            at("3000-12-31T00:00:00.00Z").as_deref(),
            Some("99991231235959Z")
        );
        assert_eq!(
            Execution::parse(&node("X", vec![])),
            Ok(Execution::Immediate)
        );
        malformed(
            Execution::parse(&node("X", vec![leaf("ExecutionDateTime", "tomorrow")])),
            "ExecutionDateTime \"tomorrow\"",
        );
    }

    #[test]
    fn krp_refuses_what_duis_does_not_allow() {
        let ds = ["DigitalSigningCertificate"];
        malformed(
            UpdateSecurityCredentialsKrp::parse(&krp("ACB", &ds, vec![])),
            "not role 4",
        );
        malformed(
            UpdateSecurityCredentialsKrp::parse(&krp("Retailer", &ds, vec![])),
            "RemotePartyRole \"Retailer\"",
        );
        malformed(
            UpdateSecurityCredentialsKrp::parse(&krp(
                "NetworkOperator",
                &ds,
                vec![leaf("RemotePartyPrepaymentTopUpFloorSeqNumber", "0")],
            )),
            "a supplier's floor",
        );
        malformed(
            UpdateSecurityCredentialsKrp::parse(&krp(
                "LoadController",
                &["KeyAgreementTopUpCertificate"],
                vec![],
            )),
            "takes no KeyAgreementTopUpCertificate",
        );
        malformed(
            UpdateSecurityCredentialsKrp::parse(&krp("Supplier", &[], vec![])),
            "holds no replacement certificate",
        );
        malformed(
            UpdateSecurityCredentialsKrp::parse(&krp(
                "Supplier",
                &ds,
                vec![leaf("RemotePartyFloorSeqNumber", "9223372036854775808")],
            )),
            "above 9223372036854775807",
        );
        let mut no_cpv = krp("Supplier", &ds, vec![]);
        no_cpv
            .children
            .retain(|child| child.name != "ApplyTimeBasedCPVChecks");
        malformed(
            UpdateSecurityCredentialsKrp::parse(&no_cpv),
            "without ApplyTimeBasedCPVChecks",
        );
        let mut bad_certificate = krp("Supplier", &ds, vec![]);
        bad_certificate.children[1].children[0].children[0].text = "AAAA".into();
        malformed(
            UpdateSecurityCredentialsKrp::parse(&bad_certificate),
            "DigitalSigningCertificate: not a certificate",
        );
        let mut long_path = krp("Supplier", &ds, vec![]);
        long_path.children[2] = node(
            "CertificationPathCertificates",
            (0..4)
                .map(|_| leaf("Certificate", &certificate()))
                .collect(),
        );
        malformed(
            UpdateSecurityCredentialsKrp::parse(&long_path),
            "holds 4 certificates",
        );
    }

    #[test]
    fn krp_builds_the_mode_of_the_role() {
        let service = duis::catalogue::lookup("6.15.1").unwrap();
        let cells = ["DigitalSigningCertificate", "KeyAgreementCertificate"];
        let floor = || vec![leaf("RemotePartyFloorSeqNumber", "7")];
        for (role, code, device_type) in [
            ("Supplier", 0x0102, DeviceType::GasSmartMeter),
            ("NetworkOperator", 0x0103, DeviceType::ElectricitySmartMeter),
            (
                "LoadController",
                0x0126,
                DeviceType::HanConnectedAuxiliaryLoadControlSwitch,
            ),
        ] {
            let request = UpdateSecurityCredentialsKrp::parse(&krp(role, &cells, floor())).unwrap();
            let command = request.command(service, &context(device_type)).unwrap();
            assert_eq!(command.use_case.message_code, MessageCode(code), "{role}");
            let update = cs02b::UpdateSecurityCredentials::decode(&command.apdu.payload).unwrap();
            assert_eq!(update.authorising_seq_number, 1000);
            assert!(update
                .replacements
                .iter()
                .all(|replacement| replacement.target.role
                    == match role {
                        "Supplier" => RemotePartyRole::SUPPLIER,
                        "NetworkOperator" => RemotePartyRole::NETWORK_OPERATOR,
                        _ => RemotePartyRole::LOAD_CONTROLLER,
                    }));
            let floor_at_6 = update
                .other_seq_number_changes
                .first()
                .map(|c| c.floor_seq_number);
            match role {
                "LoadController" => {
                    assert_eq!((update.new_floor_seq_number, floor_at_6), (None, Some(7)))
                }
                _ => assert_eq!((update.new_floor_seq_number, floor_at_6), (Some(7), None)),
            }
        }
        let load_controller =
            UpdateSecurityCredentialsKrp::parse(&krp("LoadController", &cells, floor())).unwrap();
        assert!(matches!(
            load_controller.command(service, &context(DeviceType::GasSmartMeter)),
            Err(Rejection::ServiceNotValidForDeviceType(_))
        ));
    }

    #[test]
    fn credential_types_and_role_lists_are_checked() {
        malformed(
            IssueSecurityCredentials::parse(&node(
                "IssueSecurityCredentials",
                vec![leaf("CredentialType", "Encryption")],
            )),
            "not \"Encryption\"",
        );
        malformed(
            RetrieveDeviceSecurityCredentialsDevice::parse(&node(
                "RetrieveDeviceSecurityCredentialsDevice",
                vec![leaf("CredentialType", "Key Agreement"), leaf("Extra", "")],
            )),
            "takes no Extra",
        );
        let roles = |names: &[&str]| {
            node(
                "RetrieveDeviceSecurityCredentialsKRP",
                names
                    .iter()
                    .map(|name| leaf("RemotePartyRole", name))
                    .collect(),
            )
        };
        malformed(
            RetrieveDeviceSecurityCredentialsKrp::parse(&roles(&["Supplier", "Supplier"])),
            "named twice",
        );
        malformed(
            RetrieveDeviceSecurityCredentialsKrp::parse(&roles(&[])),
            "names 0 roles",
        );
        let load_controller =
            RetrieveDeviceSecurityCredentialsKrp::parse(&roles(&["LoadController"])).unwrap();
        let service = duis::catalogue::lookup("6.24.1").unwrap();
        assert!(matches!(
            load_controller.command(service, &context(DeviceType::GasSmartMeter)),
            Err(Rejection::ServiceNotValidForDeviceType(_))
        ));
        let command = load_controller
            .command(service, &context(DeviceType::ElectricitySmartMeter))
            .unwrap();
        assert_eq!(
            command.use_case.message_code,
            cs02a::LOAD_CONTROLLER_MESSAGE_CODE
        );
        assert_eq!(
            command.origin,
            CommandOrigin::dcc_party(DCC_ACCESS_CONTROL_BROKER)
        );
    }

    #[test]
    fn dcc_replacements_need_their_mandatory_parts() {
        let acb = |children: Vec<BodyElement>| node("ServiceOptOut", children);
        let certificates = |names: &[&str]| {
            node(
                "ReplacementCertificates",
                names
                    .iter()
                    .map(|name| leaf(name, &certificate()))
                    .collect(),
            )
        };
        let complete = || {
            vec![
                leaf("ExecutionDateTime", "2030-01-01T00:00:00Z"),
                leaf("ACBFloorSeqNumber", "0"),
                certificates(&["KeyAgreementCertificate"]),
                path(),
                leaf("ApplyTimeBasedCPVChecks", "true"),
            ]
        };
        assert!(ServiceOptOut::parse(&acb(complete())).is_ok());
        let mut immediate = complete();
        immediate.remove(0);
        malformed(
            ServiceOptOut::parse(&acb(immediate)),
            "without ExecutionDateTime",
        );
        let mut signing_only = complete();
        signing_only[2] = certificates(&["DigitalSigningCertificate"]);
        malformed(
            ServiceOptOut::parse(&acb(signing_only)),
            "without KeyAgreementCertificate",
        );
        let cos = |mpxn: &str| {
            node(
                "UpdateSecurityCredentialsCoS",
                vec![
                    leaf("SupplierFloorSeqNumber", "0"),
                    node(
                        "SupplierReplacementCertificates",
                        vec![leaf("DigitalSigningCertificate", &certificate())],
                    ),
                    path(),
                    leaf("ApplyTimeBasedCPVChecks", "false"),
                    leaf("ImportMPxN", mpxn),
                ],
            )
        };
        assert!(UpdateSecurityCredentialsCos::parse(&cos("1312345678333")).is_ok());
        malformed(
            UpdateSecurityCredentialsCos::parse(&cos("13123456783333")),
            "ImportMPxN",
        );
        let handover = node(
            "RequestHandoverOfDCCControlledDevice",
            vec![
                leaf("RemotePartyRole", "LoadController"),
                certificates(&["DigitalSigningCertificate"]),
                path(),
                leaf("ApplyTimeBasedCPVChecks", "true"),
            ],
        );
        malformed(
            RequestHandoverOfDccControlledDevice::parse(&handover),
            "not role 8",
        );
    }
}
