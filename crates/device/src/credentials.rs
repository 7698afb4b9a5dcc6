//! CS02b and CS02g Update Security Credentials: a remote party replaces trust anchors on the
//! device, in one of the credentials replacement modes (supplier by supplier, network
//! operator by network operator, ACB by ACB, WAN provider by WAN provider, transitional change
//! of supplier, supplier by transitional change of supplier, any by recovery, load controller).

use dcc_model::Eui64;
use gbcs::crypto::{KeyAgreementPublicKey, VerifyingKey};
use gbcs::use_case::cs02b::{
    self, CellKeyUsage, CellUsage, CredentialsReplacementMode, RemotePartyRole as CellRole,
    TrustAnchorCell,
};
use gbcs::MessageCode;
use smki::{Certificate, KeyUsage, RemotePartyRole};

use crate::anchors::{management_cell, TrustAnchor};
use crate::engine::{Command, Device};
use crate::error::DeviceError;
use crate::future_dated::{Instruction, InstructionKey, PendingInstruction};
use crate::handlers::UseCaseHandler;

/// The update security credentials use cases, one handler for every mode.
pub(crate) const HANDLERS: &[UseCaseHandler] = &[
    handler(0x0102),
    handler(0x0103),
    handler(0x0104),
    handler(0x0105),
    handler(0x0106),
    handler(0x0107),
    handler(0x0108),
    handler(0x0125),
    handler(0x0126),
];

const fn handler(code: u16) -> UseCaseHandler {
    UseCaseHandler {
        message_code: MessageCode(code),
        execute: update_security_credentials,
    }
}

/// The execution date-time that cancels a future-dated update not yet executed.
const CANCELLATION: &str = "99991231235959Z";

/// The cells a mode replaces and the role whose digital-signature cell authorises it.
fn mode_rule(mode: CredentialsReplacementMode) -> Option<(&'static [u8], u8)> {
    Some(match mode.0 {
        2 => (&[2], 2),
        3 => (&[3], 3),
        4 => (&[4], 4),
        5 => (&[6], 6),
        6 => (&[5], 5),
        7 => (&[2], 5),
        8 => (&[0, 1, 2, 3, 4, 5, 6], 1),
        10 => (&[8], 8),
        11 => (&[8], 2),
        _ => return None,
    })
}

/// Executes an update whose MAC, counter and signature have been checked: each replacement
/// certificate must be a certificate of the cell's role and key usage, issued by one of the
/// certification path certificates; each cell is replaced or left as it was, and the outcome
/// says which. A future-dated update is accepted for later (or cancels the one pending); a
/// payload that cannot be read is refused and changes nothing.
fn update_security_credentials(
    device: &mut Device,
    command: &Command<'_>,
) -> Result<Vec<u8>, DeviceError> {
    let header = &command.apdu.header;
    let update = cs02b::UpdateSecurityCredentials::decode(command.payload())
        .map_err(|error| DeviceError::Malformed(error.to_string()))?;
    let (_, authorising_role) = mode_rule(update.mode).ok_or_else(|| {
        DeviceError::NotSupported(format!("credentials replacement mode {}", update.mode.0))
    })?;
    let authorising_cell =
        management_cell(CellRole(authorising_role), CellKeyUsage::DigitalSignature);
    if update
        .authorising_cell
        .is_some_and(|cell| cell != authorising_cell)
    {
        return Err(DeviceError::Malformed(format!(
            "credentials replacement mode {} must be authorised by the {} cell",
            update.mode.0,
            crate::anchors::cell_name(authorising_cell)
        )));
    }
    if update.authorising_seq_number != header.transaction.counter {
        return Err(DeviceError::Malformed(format!(
            "authorising seq number {} is not the command counter {}",
            update.authorising_seq_number, header.transaction.counter
        )));
    }
    if let Some(time) = &update.execution_date_time {
        if time == CANCELLATION {
            device.cancel_instruction(InstructionKey::CredentialsUpdate);
            return Ok(cs02b::response_payload(None));
        }
        let due = gbcs::alert::seconds_of_generalized_time(time)
            .map_err(|error| DeviceError::Malformed(format!("execution date-time: {error}")))?;
        if due > command.now.seconds_since_2000() {
            device.hold_instruction(PendingInstruction {
                due,
                message_code: header.message_code(),
                counter: header.transaction.counter,
                instruction: Instruction::CredentialsUpdate {
                    originator: header.originator,
                    update: Box::new(update),
                },
            });
            return Ok(cs02b::response_payload(None));
        }
    }
    let outcome = execute_update(device, header.originator, &update, command.now);
    Ok(cs02b::response_payload(Some(&outcome)))
}

/// Replaces the cells `update` names from `originator` (the authorising party) at `now`,
/// each as its certificate allows, and applies the counter floors; the outcome of each
/// replacement. A future-dated update runs this at its execution time.
pub(crate) fn execute_update(
    device: &mut Device,
    originator: Eui64,
    update: &cs02b::UpdateSecurityCredentials,
    now: crate::date_time::DeviceDateTime,
) -> cs02b::ExecutionOutcome {
    let Some((replaced_roles, _)) = mode_rule(update.mode) else {
        return cs02b::ExecutionOutcome {
            authorising_seq_number: update.authorising_seq_number,
            mode: update.mode,
            seq_number_changes: Vec::new(),
            replacement_outcomes: Vec::new(),
        };
    };
    let authorities: Vec<Certificate> = update
        .certification_path_certificates
        .iter()
        .filter_map(|der| Certificate::from_der(der).ok())
        .filter(Certificate::is_ca)
        .collect();
    let mut replaced = Vec::new();
    let mut outcomes = Vec::new();
    for replacement in &update.replacements {
        let cell = replacement.target;
        let existing = existing_cell(device, cell, replaced_roles);
        let replacing = acceptable_replacement(replacement, &authorities);
        let status = match (&existing, &replacing) {
            (Err(status), _) | (Ok(_), Err(status)) => *status,
            (Ok(_), Ok(anchor)) => {
                replaced.push((cell, anchor.clone()));
                cs02b::StatusCode::SUCCESS
            }
        };
        let before = existing.ok().flatten();
        let after = match status {
            cs02b::StatusCode::SUCCESS => replacing.ok(),
            _ => before.clone(),
        };
        outcomes.push(replacement_outcome(
            cell,
            status,
            before.as_ref(),
            after.as_ref(),
        ));
    }
    if !replaced.is_empty() {
        device
            .state
            .log_event(now, crate::state::CREDENTIALS_UPDATED_EVENT, true);
    }
    for (cell, anchor) in replaced {
        device.set_anchor(cell, anchor);
    }
    apply_counter_floor(device, originator, replaced_roles, update);
    let seq_number_changes = update
        .new_floor_seq_number
        .map(|floor| cs02b::RemotePartySeqNumberChange {
            role: CellRole(replaced_roles.first().copied().unwrap_or(2)),
            floor_seq_number: floor,
            prepayment_top_up_floor_seq_number: update.new_prepayment_top_up_floor_seq_number,
        })
        .into_iter()
        .chain(update.other_seq_number_changes.iter().copied())
        .collect();
    cs02b::ExecutionOutcome {
        authorising_seq_number: update.authorising_seq_number,
        mode: update.mode,
        seq_number_changes,
        replacement_outcomes: outcomes,
    }
}

/// When a digital-signature cell of a replaced role now names another party, that party's
/// commands start above the new floor; the same party keeps counting from this command's.
fn apply_counter_floor(
    device: &mut Device,
    originator: Eui64,
    replaced_roles: &[u8],
    update: &cs02b::UpdateSecurityCredentials,
) {
    let floors = update
        .new_floor_seq_number
        .into_iter()
        .flat_map(|floor| replaced_roles.iter().map(move |role| (*role, floor)))
        .chain(
            update
                .other_seq_number_changes
                .iter()
                .map(|change| (change.role.0, change.floor_seq_number)),
        );
    for (role, floor) in floors {
        let cell = management_cell(CellRole(role), CellKeyUsage::DigitalSignature);
        if let Some(party) = device.anchors.cell(cell).map(|anchor| anchor.party) {
            if party != originator {
                device.last_accepted_counter.insert(party, floor);
            }
        }
    }
}

/// The anchor a cell holds now (`Ok(None)` for an empty cell), or the status of a cell the
/// mode may not touch (another role's) or that does not exist (a DS prepayment cell).
fn existing_cell(
    device: &Device,
    cell: TrustAnchorCell,
    replaced_roles: &[u8],
) -> Result<Option<TrustAnchor>, cs02b::StatusCode> {
    if !replaced_roles.contains(&cell.role.0) {
        return Err(cs02b::StatusCode::OTHER);
    }
    if (cell.key_usage, cell.cell_usage)
        == (CellKeyUsage::DigitalSignature, CellUsage::PrepaymentTopUp)
    {
        return Err(cs02b::StatusCode::TRUST_ANCHOR_NOT_FOUND);
    }
    Ok(device.anchors.cell(cell).cloned())
}

/// The replacement's anchor if its certificate is one of the cell's role and key usage, with
/// a usable P-256 key, issued by one of `authorities`; else Bad Certificate.
fn acceptable_replacement(
    replacement: &cs02b::TrustAnchorReplacement,
    authorities: &[Certificate],
) -> Result<TrustAnchor, cs02b::StatusCode> {
    let bad = cs02b::StatusCode::BAD_CERTIFICATE;
    let certificate = Certificate::from_der(&replacement.certificate).map_err(|_| bad)?;
    let cell = replacement.target;
    let usage = match cell.key_usage {
        CellKeyUsage::DigitalSignature => KeyUsage::DigitalSignature,
        CellKeyUsage::KeyAgreement => KeyUsage::KeyAgreement,
        // The root's own cell: a root certificate is no organisation's certificate of a
        // role, and the devices here take no new root.
        CellKeyUsage::KeyCertSign => return Err(bad),
    };
    let issued = authorities.iter().any(|authority| {
        authority.subject_der() == certificate.issuer_der()
            && smki::verify_signature(&certificate, &authority.public_key_sec1())
    });
    let key_usable = match usage {
        KeyUsage::DigitalSignature => {
            VerifyingKey::from_sec1(&certificate.public_key_sec1()).is_ok()
        }
        KeyUsage::KeyAgreement => {
            KeyAgreementPublicKey::from_sec1(&certificate.public_key_sec1()).is_ok()
        }
    };
    let fits = certificate.role() == Some(RemotePartyRole(cell.role.0))
        && certificate.key_usage() == Some(usage);
    if !(fits && issued && key_usable) {
        return Err(bad);
    }
    TrustAnchor::from_certificate(cell, &certificate).map_err(|_| bad)
}

/// One outcome row: the subject unique id (the party's 8-byte id) and subject key identifier
/// before and after, empty for an empty cell.
fn replacement_outcome(
    cell: TrustAnchorCell,
    status: cs02b::StatusCode,
    existing: Option<&TrustAnchor>,
    replacing: Option<&TrustAnchor>,
) -> cs02b::ReplacementOutcome {
    let unique_id = |anchor: Option<&TrustAnchor>| {
        anchor
            .map(|anchor| anchor.party.as_bytes().to_vec())
            .unwrap_or_default()
    };
    let key_id = |anchor: Option<&TrustAnchor>| {
        anchor
            .and_then(|anchor| anchor.certificate.as_ref())
            .and_then(Certificate::subject_key_identifier)
            .unwrap_or_default()
    };
    cs02b::ReplacementOutcome {
        cell,
        status,
        existing_subject_unique_id: unique_id(existing),
        existing_subject_key_id: key_id(existing),
        replacing_subject_unique_id: unique_id(replacing),
        replacing_subject_key_id: key_id(replacing),
    }
}
