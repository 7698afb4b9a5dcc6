//! Access control, the first three stages of the front door's pipeline: authenticate (who
//! signed the request), authorise (may this user send this service, on this URL, with this
//! command variant), eligibility (may it send it to this device, as the inventory and the
//! RDPs' registration data say), and replay protection.

use dcc_model::{CommandVariant, DeviceStatus, Eui64, RequestId, UserRole};
use duis::catalogue::{self, ServiceDefinition};
use duis::Request;
use smki::RemotePartyRole;

use crate::inventory::DeviceRecord;
use crate::rejection::Rejection;
use crate::Shared;

/// Which DUIS URL a request arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    /// `/serviceS`: command variants 1, 3, 5, 7.
    SendCommand,
    /// `/serviceT`: command variant 4.
    Transform,
    /// `/serviceD`: command variants 2, 6, 8.
    NonDevice,
}

impl Endpoint {
    pub fn accepts(self, command_variant: CommandVariant) -> bool {
        let allowed: &[u8] = match self {
            Endpoint::SendCommand => &[1, 3, 5, 7],
            Endpoint::Transform => &[4],
            Endpoint::NonDevice => &[2, 6, 8],
        };
        allowed.contains(&command_variant.number())
    }
}

/// Who sent a request, as access control found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Caller {
    pub id: Eui64,
    /// The user's roles that may send the service.
    pub roles: Vec<UserRole>,
    /// The DCC itself (90-B3-D5-1F-30-00-00-02) sending a DCC-originated request.
    pub is_dcc: bool,
}

/// DUIS schema versions the DSP reads (`schemaVersion`, an `xs:decimal`): 5.0 to 5.4.
fn schema_version_served(version: &str) -> bool {
    let Some((major, minor)) = version.trim().split_once('.') else {
        return version.trim() == "5";
    };
    major == "5"
        && !minor.is_empty()
        && minor.chars().all(|c| c.is_ascii_digit())
        && minor.trim_end_matches('0').len() <= 1
        && minor.trim_end_matches('0').chars().all(|c| c <= '4')
}

/// The request must be signed by a certificate of its originator that the DSP knows, valid
/// now and not revoked: the originator's XML-signing certificate, the DSP's own for a request
/// the DCC originates, or one of the DS certificates DCC's tool signs with. Returns the
/// decimal serial of the certificate that signed the request.
pub(crate) fn authenticate(
    shared: &Shared,
    document: &duis::ParsedDocument<'_>,
    originator: Eui64,
) -> Result<String, Rejection> {
    let key_info = document
        .signature_key_info()
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
    let is_dcc = originator == dcc_model::DCC_ACCESS_CONTROL_BROKER;
    let role_fits = match certificate.role() {
        Some(RemotePartyRole::XML_SIGNING) => true,
        Some(RemotePartyRole::DSP_XML_SIGNING) => is_dcc,
        _ => shared.additional_request_signers.contains(&key_info.serial),
    };
    if certificate.organisation_id() != Some(originator) || !role_fits {
        return Err(Rejection::UnknownUser(format!(
            "certificate serial {} is not an XML signing certificate of {originator}",
            key_info.serial
        )));
    }
    if !is_dcc && !shared.users.contains_key(&originator) {
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
    document
        .verify(&certificate.public_key_sec1())
        .map_err(|error| Rejection::BadSignature(error.to_string()))?;
    Ok(key_info.serial)
}

/// The SMKI repository (the TSP) is the authority on revocation: a request signed with a
/// certificate it has revoked is refused with E3. When the repository cannot answer, the
/// request is refused too rather than trusted unchecked. Requests in flight together share
/// a look-up (`revocation`), each answered by one that started after it asked.
pub(crate) async fn check_status_in_repository(
    shared: &Shared,
    serial: &str,
) -> Result<(), Rejection> {
    match shared.revocations.is_revoked(serial).await {
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

/// May the (authenticated) originator send this service on this URL with this command
/// variant: schema version, URL (E13), service (E1011), command variant (E12), body, user
/// status (E3) and role (E2).
pub(crate) fn authorise(
    shared: &Shared,
    endpoint: Endpoint,
    request: &Request,
) -> Result<(&'static ServiceDefinition, Caller), Rejection> {
    let header = &request.header;
    if !schema_version_served(&request.schema_version) {
        return Err(Rejection::SchemaVersion(format!(
            "schemaVersion {:?}: dccsim reads DUIS 5.0 to 5.4",
            request.schema_version
        )));
    }
    if !endpoint.accepts(header.command_variant) {
        return Err(Rejection::WrongUrl(format!(
            "command variant {} cannot be sent to this URL",
            header.command_variant
        )));
    }
    let variant = header.service_reference_variant.as_str();
    let service = catalogue::lookup(variant).ok_or_else(|| {
        Rejection::UnsupportedService(format!("{variant} is not a DUIS service reference variant"))
    })?;
    if header.service_reference != service.service_reference() {
        return Err(Rejection::Malformed(format!(
            "ServiceReference {} does not belong to {variant} (expected {})",
            header.service_reference,
            service.service_reference()
        )));
    }
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
            "body {} does not match service {variant} (expected {})",
            request.body.element_name(),
            service.body_element
        )));
    }
    let caller = caller_for(shared, header.request_id.originator, service)?;
    Ok((service, caller))
}

/// The caller's roles for `service`: the DCC may send what it originates; a user must be
/// active for the service and hold a role the service table allows. Where the table lists no
/// role (its source was silent: 7.16, 8.5, 8.6), the supplier roles may send it, the registered
/// supplier being who acts on its meters.
pub(crate) fn caller_for(
    shared: &Shared,
    originator: Eui64,
    service: &ServiceDefinition,
) -> Result<Caller, Rejection> {
    if originator == dcc_model::DCC_ACCESS_CONTROL_BROKER {
        return Ok(Caller {
            id: originator,
            roles: Vec::new(),
            is_dcc: true,
        });
    }
    let user = shared
        .users
        .get(&originator)
        .ok_or_else(|| Rejection::UnknownUser(format!("{originator} is not a DCC user")))?;
    let variant = service.service_reference_variant;
    if user.status.suspended {
        return Err(Rejection::UserStatus(format!("{originator} is suspended")));
    }
    if user
        .status
        .suspended_service_reference_variants
        .iter()
        .any(|suspended| suspended == variant)
    {
        return Err(Rejection::UserStatus(format!(
            "{originator} is suspended from {variant}"
        )));
    }
    let eligible: &[UserRole] = if service.eligible_roles.is_empty() {
        &[
            UserRole::ImportSupplier,
            UserRole::ExportSupplier,
            UserRole::GasSupplier,
        ]
    } else {
        service.eligible_roles
    };
    let roles: Vec<UserRole> = user
        .roles
        .iter()
        .copied()
        .filter(|role| eligible.contains(role))
        .collect();
    if roles.is_empty() {
        return Err(Rejection::RoleNotPermitted(format!(
            "{variant} ({}): {originator} holds {:?}",
            service.name, user.roles
        )));
    }
    Ok(Caller {
        id: originator,
        roles,
        is_dcc: false,
    })
}

fn is_supplier(role: UserRole) -> bool {
    matches!(
        role,
        UserRole::ImportSupplier | UserRole::ExportSupplier | UserRole::GasSupplier
    )
}

/// May the caller send `service` to `device_id` now: the device exists (E19), its status
/// allows commands (E5), the service applies to its type (E11), the caller is registered for
/// it in a role the service allows (E4), and for local delivery it is the registered supplier
/// (E17).
pub(crate) fn eligibility(
    shared: &Shared,
    device_id: Eui64,
    service: &ServiceDefinition,
    caller: &Caller,
    command_variant: CommandVariant,
) -> Result<DeviceRecord, Rejection> {
    let inventory = shared.inventory();
    let device = inventory
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
    if caller.is_dcc {
        return Ok(device);
    }
    let registrations = inventory.governing_registrations(device_id, shared.now_ms());
    let user = caller.id;
    let registered_as = |role: UserRole| match role {
        UserRole::ImportSupplier | UserRole::ExportSupplier | UserRole::GasSupplier => {
            registrations.iter().any(|r| r.supplier == user)
        }
        UserRole::ElectricityDistributor | UserRole::GasTransporter => {
            registrations.iter().any(|r| r.network_operator == user)
        }
        UserRole::RegisteredSupplierAgent => {
            registrations.iter().any(|r| r.supplier_agent == Some(user))
        }
        UserRole::OtherUser => true,
    };
    // Until someone is registered for it, the user who pre-notified the device (or the
    // supplier a Comms Hub was delivered to) is responsible for it.
    let responsible_before_registration =
        registrations.is_empty() && device.details.prenotified_by == Some(user);
    if !responsible_before_registration && !caller.roles.iter().any(|role| registered_as(*role)) {
        return Err(Rejection::NotAuthorisedForDevice(format!(
            "{user} for {device_id}"
        )));
    }
    let local_delivery = matches!(command_variant.number(), 2 | 3 | 6 | 7);
    if local_delivery
        && !caller
            .roles
            .iter()
            .any(|role| is_supplier(*role) && registered_as(*role))
    {
        return Err(Rejection::LocalDeliveryNotPermitted(format!(
            "only the registered supplier may have a command for {device_id} delivered locally"
        )));
    }
    Ok(device)
}

/// Replay protection: the RequestID counter must rise per (originator, target), which is also
/// what the device enforces; one user may then have requests in flight to many devices. (A
/// device request takes its counter with its command: `front_door`.)
pub(crate) fn advance_counter(shared: &Shared, request_id: &RequestId) -> Result<(), Rejection> {
    let batch = shared.store.batch()?;
    crate::counters::take(
        &batch,
        request_id.originator,
        request_id.target,
        request_id.counter,
    )?;
    batch.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_versions_five_to_five_point_four_are_served() {
        for served in ["5.4", "5.0", "5.1", "5.40", "5"] {
            assert!(schema_version_served(served), "{served}");
        }
        for refused in ["4.9", "5.5", "6.0", "5.45", "", "5.", "x"] {
            assert!(!schema_version_served(refused), "{refused}");
        }
    }

    #[test]
    fn urls_take_their_command_variants() {
        let number = |n| CommandVariant::from_number(n).unwrap();
        assert!(Endpoint::SendCommand.accepts(number(7)));
        assert!(!Endpoint::SendCommand.accepts(number(2)));
        assert!(Endpoint::NonDevice.accepts(number(6)));
        assert!(Endpoint::Transform.accepts(number(4)));
        assert!(!Endpoint::Transform.accepts(number(5)));
    }
}
