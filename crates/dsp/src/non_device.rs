//! The DCC's own services (command variant 8), each with a handler of its own: Read Inventory
//! (8.2) with all its search criteria, Decommission (8.3), Update Inventory (8.4), Service Opt
//! In (8.6), Return Local Command Response (8.13), Comms Hub status updates (8.14.x), firmware
//! distribution (11.1, 11.4), the WAN matrix (12.1, asked of the CSPs), pre-notification
//! (12.2) and DCC schedules (5.x). Device statuses move as these flows do, and the DSP tells
//! the registered parties with DCC alerts.

use dcc_model::{CspRegion, DeviceStatus, DeviceType, Eui64, ResponseCode, UserRole};
use duis::catalogue::ServiceDefinition;
use duis::{BodyElement, InventoryDevice, Request, RequestBody, ResponseBody};
use tracing::info;

use crate::access::Caller;
use crate::alerts::{DccAlert, StatusChange};
use crate::answers::{Answer, Owed};
use crate::inventory::{DeviceDetails, DeviceRecord};
use crate::rejection::Rejection;
use crate::Shared;

/// Serves a non-device request (access control has passed).
pub(crate) async fn serve(
    shared: &Shared,
    request: &Request,
    service: &ServiceDefinition,
    caller: &Caller,
) -> Result<Answer, Rejection> {
    match service.service_reference_variant {
        "5.1" => crate::schedules::create(shared, request, caller),
        "5.2" => crate::schedules::read(shared, request, caller),
        "5.3" => crate::schedules::delete(shared, request, caller),
        "8.2" => read_inventory(shared, request),
        "8.3" => decommission(shared, request, caller),
        "8.4" => update_inventory(shared, request, caller),
        "8.6" => opt_in(shared, request, caller),
        "8.13" => return_local_command_response(shared, request, caller),
        "8.14.1" => comms_hub_installed(shared, request, caller, true),
        "8.14.2" => comms_hub_installed(shared, request, caller, false),
        "8.14.3" | "8.14.4" => comms_hub_returned(shared, request, caller),
        "11.1" | "11.4" => distribute_firmware(shared, request, service, caller).await,
        "12.1" => wan_matrix(shared, request).await,
        "12.2" => prenotify(shared, request, caller),
        other => Err(Rejection::UnsupportedService(format!(
            "{other} ({}) has no non-device handler",
            service.name
        ))),
    }
}

fn body(request: &Request) -> Result<&BodyElement, Rejection> {
    match &request.body {
        RequestBody::ServiceRequest(body) => Ok(body),
        RequestBody::SignedPreCommand { .. } => Err(Rejection::Malformed(
            "a non-device request carries a service request body".into(),
        )),
    }
}

fn required<'a>(body: &'a BodyElement, name: &str) -> Result<&'a str, Rejection> {
    body.child(name)
        .map(|child| child.text.as_str())
        .ok_or_else(|| Rejection::Malformed(format!("{} without {name}", body.name)))
}

fn optional(body: &BodyElement, name: &str) -> Option<String> {
    body.child(name).map(|child| child.text.clone())
}

fn device_id(body: &BodyElement, name: &str) -> Result<Eui64, Rejection> {
    required(body, name)?
        .parse()
        .map_err(|error| Rejection::Malformed(format!("{name}: {error}")))
}

fn known_device(shared: &Shared, device: Eui64) -> Result<DeviceRecord, Rejection> {
    shared
        .inventory()
        .device(device)
        .cloned()
        .ok_or_else(|| Rejection::UnknownDevice(device.to_string()))
}

/// Whether the caller is responsible for the device: its registered supplier or network
/// operator (by role), its registered supplier agent, or, for a device nobody is registered
/// for yet, the user who pre-notified it. The DCC is responsible for every device.
fn responsible_for(shared: &Shared, caller: &Caller, device: &DeviceRecord) -> bool {
    if caller.is_dcc {
        return true;
    }
    let inventory = shared.inventory();
    let registrations = inventory.governing_registrations(device.device_id, shared.now_ms());
    if registrations.is_empty() {
        return device.details.prenotified_by == Some(caller.id);
    }
    caller.roles.iter().any(|role| match role {
        UserRole::ImportSupplier | UserRole::ExportSupplier | UserRole::GasSupplier => {
            registrations.iter().any(|r| r.supplier == caller.id)
        }
        UserRole::ElectricityDistributor | UserRole::GasTransporter => registrations
            .iter()
            .any(|r| r.network_operator == caller.id),
        UserRole::RegisteredSupplierAgent => registrations
            .iter()
            .any(|r| r.supplier_agent == Some(caller.id)),
        UserRole::OtherUser => false,
    })
}

fn require_responsible(
    shared: &Shared,
    caller: &Caller,
    device: &DeviceRecord,
) -> Result<(), Rejection> {
    if responsible_for(shared, caller, device) {
        return Ok(());
    }
    Err(Rejection::NotAuthorisedForDevice(format!(
        "{} for {}",
        caller.id, device.device_id
    )))
}

/// The registered suppliers and network operators of a device: who hears of its status.
fn interested_parties(shared: &Shared, device: Eui64) -> Vec<Eui64> {
    let inventory = shared.inventory();
    let mut parties = Vec::new();
    for registration in inventory.governing_registrations(device, shared.now_ms()) {
        for party in [registration.supplier, registration.network_operator] {
            if !parties.contains(&party) {
                parties.push(party);
            }
        }
    }
    parties
}

/// Writes device records through to the store and the in-memory inventory, with an audit
/// event, the alerts and the removal of schedules of devices that left service.
struct Change<'a> {
    request: &'a Request,
    put: Vec<DeviceRecord>,
    removed: Vec<Eui64>,
    alerts: Vec<(DccAlert, Vec<Eui64>)>,
    /// Devices whose schedules end (they left service).
    ended: Vec<Eui64>,
    what: String,
}

impl<'a> Change<'a> {
    fn new(request: &'a Request, what: impl Into<String>) -> Self {
        Self {
            request,
            put: Vec::new(),
            removed: Vec::new(),
            alerts: Vec::new(),
            ended: Vec::new(),
            what: what.into(),
        }
    }

    fn commit(self, shared: &Shared) -> Result<(), Rejection> {
        let mut owed = Owed::default();
        let batch = shared.store.batch()?;
        for device in &self.put {
            batch.put_device(device)?;
        }
        for device in &self.removed {
            batch.remove_device(*device)?;
        }
        for schedule in shared.store.all_schedules()? {
            if !self.ended.contains(&schedule.device) {
                continue;
            }
            batch.remove_schedule(schedule.schedule_id)?;
            DccAlert::ScheduleRemoval {
                device: schedule.device,
                schedule_id: schedule.schedule_id,
            }
            .raise(shared, &batch, &mut owed, &[schedule.owner])?;
        }
        for (alert, recipients) in &self.alerts {
            alert.raise(shared, &batch, &mut owed, recipients)?;
        }
        batch.audit(
            &self.request.header.request_id.to_string(),
            &shared.event("dsp", self.what, None),
        )?;
        batch.commit()?;
        {
            let mut inventory = shared.inventory();
            for device in self.put {
                inventory.put(device);
            }
            for device in self.removed {
                inventory.remove(device);
            }
        }
        owed.send(shared);
        Ok(())
    }
}

/// 8.2 Read Inventory by DeviceID, MPxN, UPRN or PropertyFilter: the matching devices with the
/// rest of their HAN, the Comms Hub first (at most 17).
fn read_inventory(shared: &Shared, request: &Request) -> Result<Answer, Rejection> {
    let body = body(request)?;
    let inventory = shared.inventory();
    let matches: Vec<Eui64> = if body.child("DeviceID").is_some() {
        let device = device_id(body, "DeviceID")?;
        if inventory.device(device).is_none() {
            return Err(Rejection::UnknownDevice(device.to_string()));
        }
        vec![device]
    } else if let Some(mpxn) = optional(body, "MPxN") {
        inventory
            .devices()
            .filter(|device| {
                inventory.import_mpxn(device.device_id).as_deref() == Some(mpxn.as_str())
                    || device.details.secondary_import_mpan.as_deref() == Some(mpxn.as_str())
                    || device.details.export_mpan.as_deref() == Some(mpxn.as_str())
            })
            .map(|device| device.device_id)
            .collect()
    } else if let Some(uprn) = optional(body, "UPRN") {
        inventory
            .devices()
            .filter(|device| device.details.uprn.as_deref() == Some(uprn.as_str()))
            .map(|device| device.device_id)
            .collect()
    } else if let Some(filter) = body.child("PropertyFilter") {
        let post_code = required(filter, "PostCode")?;
        let address = required(filter, "AddressIdentifier")?;
        let normal = |text: &str| text.split_whitespace().collect::<String>().to_uppercase();
        inventory
            .devices()
            .filter(|device| {
                device.details.post_code.as_deref().map(normal) == Some(normal(post_code))
                    && device.details.address_identifier.as_deref().map(normal)
                        == Some(normal(address))
            })
            .map(|device| device.device_id)
            .collect()
    } else {
        return Err(Rejection::Malformed(
            "ReadInventory needs a DeviceID, MPxN, UPRN or PropertyFilter".into(),
        ));
    };
    let mut devices: Vec<&DeviceRecord> = Vec::new();
    for found in matches {
        for device in inventory.han_of(found) {
            if !devices
                .iter()
                .any(|known| known.device_id == device.device_id)
            {
                devices.push(device);
            }
        }
    }
    if devices.is_empty() {
        return Err(Rejection::service_specific(
            "080201",
            "no device matches the search criteria",
        ));
    }
    let devices = devices
        .into_iter()
        .take(17)
        .map(|device| inventory_entry(device, inventory.import_mpxn(device.device_id)))
        .collect();
    Ok(Answer::to(
        request,
        ResponseCode::Success,
        ResponseBody::DspInventory {
            service_reference: request.header.service_reference.clone(),
            service_reference_variant: request.header.service_reference_variant.clone(),
            devices,
        },
    ))
}

fn inventory_entry(device: &DeviceRecord, import_mpxn: Option<String>) -> InventoryDevice {
    let details = &device.details;
    let mut entry = InventoryDevice::new(
        device.device_id,
        device.device_type,
        &device.manufacturer,
        &device.model,
    );
    entry.device_status = Some(device.status);
    entry.csp_region = Some(device.region);
    entry.smets_chts_version = Some(details.smets_chts_version.clone().unwrap_or_else(|| {
        if device.device_type == DeviceType::CommunicationsHubFunction {
            "CHTS"
        } else {
            "SMETS2"
        }
        .to_owned()
    }));
    entry.device_firmware_version = details.firmware_version.clone();
    entry.date_commissioned = details.date_commissioned.clone();
    entry.esme_variant = details.esme_variant.clone();
    entry.device_gbcs_version = details.gbcs_version.clone();
    entry.uprn = details.uprn.clone();
    if matches!(
        device.device_type,
        DeviceType::ElectricitySmartMeter | DeviceType::GasSmartMeter
    ) {
        entry.import_mpxn = import_mpxn;
        entry.secondary_import_mpan = details.secondary_import_mpan.clone();
        entry.export_mpan = details.export_mpan.clone();
    }
    entry
}

/// 8.3 Decommission Device: a meter or HAN device leaves service (the Comms Hub leaves through
/// 8.14.3/8.14.4). Its schedules end; its registered parties are told.
fn decommission(shared: &Shared, request: &Request, caller: &Caller) -> Result<Answer, Rejection> {
    let device_id = device_id(body(request)?, "DeviceID")?;
    let mut device = known_device(shared, device_id)?;
    require_responsible(shared, caller, &device)?;
    if matches!(
        device.device_type,
        DeviceType::CommunicationsHubFunction | DeviceType::GasProxyFunction
    ) {
        return Err(Rejection::ServiceNotValidForDeviceType(format!(
            "a {} leaves service with its Comms Hub (8.14.3, 8.14.4)",
            device.device_type
        )));
    }
    if !matches!(
        device.status,
        DeviceStatus::Commissioned | DeviceStatus::InstalledNotCommissioned
    ) {
        return Err(Rejection::DeviceStatus(format!(
            "{device_id} is {}",
            device.status
        )));
    }
    let parties = interested_parties(shared, device_id);
    let import_mpxn = shared.inventory().import_mpxn(device_id);
    device.status = DeviceStatus::Decommissioned;
    let mut change = Change::new(request, format!("{device_id} decommissioned"));
    let status_change = match import_mpxn {
        Some(import_mpxn) => StatusChange::MeterDecommissioningOrWithdrawal { import_mpxn },
        None => StatusChange::RemovedFromInventory,
    };
    change.alerts.push((
        DccAlert::DeviceStatusChange {
            device: device_id,
            change: status_change,
        },
        parties,
    ));
    change.ended.push(device_id);
    change.put.push(device);
    change.commit(shared)?;
    info!(%device_id, "device decommissioned");
    Ok(Answer::bare(request, ResponseCode::Acknowledgement))
}

/// 8.4 Update Inventory: a device's status (Pending/InstalledNotCommissioned for HAN devices;
/// Commissioned/Withdrawn/InstalledNotCommissioned for a Comms Hub Function), its details, its
/// MPxNs, or its deletion (only of a device never in service or out of it).
fn update_inventory(
    shared: &Shared,
    request: &Request,
    caller: &Caller,
) -> Result<Answer, Rejection> {
    let body = body(request)?;
    let device_id = device_id(body, "DeviceID")?;
    let mut device = known_device(shared, device_id)?;
    require_responsible(shared, caller, &device)?;
    let is_hub = device.device_type == DeviceType::CommunicationsHubFunction;
    let mut change = Change::new(request, String::new());
    if let Some(status) = body.child("UpdateDeviceStatusExceptCH") {
        if is_hub {
            return Err(Rejection::service_specific(
                "080405",
                "a Comms Hub Function's status is updated with UpdateDeviceStatusCH",
            ));
        }
        device.status = parse_status(&status.text)?;
        change.what = format!("{device_id} status set to {}", device.status);
        change.put.push(device);
    } else if let Some(status) = body.child("UpdateDeviceStatusCH") {
        if !is_hub {
            return Err(Rejection::service_specific(
                "080406",
                "UpdateDeviceStatusCH is for a Comms Hub Function",
            ));
        }
        device.status = parse_status(&status.text)?;
        change.what = format!("{device_id} status set to {}", device.status);
        change.put.push(device);
    } else if let Some(details) = body.child("UpdateDeviceDetails") {
        if let Some(manufacturer) = optional(details, "DeviceManufacturer") {
            device.manufacturer = manufacturer;
        }
        if let Some(model) = optional(details, "DeviceModel") {
            device.model = model;
        }
        for (name, field) in [
            ("SMETSCHTSVersion", &mut device.details.smets_chts_version),
            ("FirmwareVersion", &mut device.details.firmware_version),
            ("ESMEVariant", &mut device.details.esme_variant),
        ] {
            if let Some(value) = optional(details, name) {
                *field = Some(value);
            }
        }
        change.what = format!("{device_id} details updated");
        change.put.push(device);
    } else if body.child("DeleteDevice").is_some() {
        if !matches!(
            device.status,
            DeviceStatus::Pending
                | DeviceStatus::Whitelisted
                | DeviceStatus::Decommissioned
                | DeviceStatus::Withdrawn
        ) {
            return Err(Rejection::service_specific(
                "080407",
                format!(
                    "{device_id} is {}: only a device never in service, or out of it, is deleted",
                    device.status
                ),
            ));
        }
        change.what = format!("{device_id} deleted from the inventory");
        change.alerts.push((
            DccAlert::DeviceStatusChange {
                device: device_id,
                change: StatusChange::RemovedFromInventory,
            },
            interested_parties(shared, device_id),
        ));
        change.ended.push(device_id);
        change.removed.push(device_id);
    } else if let Some(mpxn) = body.child("UpdateMPxN") {
        if let Some(import) = optional(mpxn, "ImportMPxN") {
            device.details.import_mpxn = Some(import);
        }
        if let Some(secondary) = optional(mpxn, "SecondaryImportMPAN") {
            device.details.secondary_import_mpan = Some(secondary);
        }
        if let Some(export) = optional(mpxn, "ExportMPAN") {
            device.details.export_mpan = Some(export);
        }
        change.what = format!("{device_id} MPxN updated");
        change.put.push(device);
    } else {
        return Err(Rejection::Malformed(
            "UpdateInventory needs one of UpdateDeviceStatusExceptCH, UpdateDeviceStatusCH, UpdateDeviceDetails, DeleteDevice, UpdateMPxN".into(),
        ));
    }
    change.commit(shared)?;
    Ok(Answer::bare(request, ResponseCode::Acknowledgement))
}

fn parse_status(text: &str) -> Result<DeviceStatus, Rejection> {
    text.parse()
        .map_err(|error| Rejection::Malformed(format!("device status: {error}")))
}

/// 8.6 Service Opt In: the device's MPxNs are recorded and it is in service again; the answer
/// carries the DCC's Access Control Broker certificates its trust anchors need (`DSPOptIn`).
fn opt_in(shared: &Shared, request: &Request, caller: &Caller) -> Result<Answer, Rejection> {
    let body = body(request)?;
    let device_id = device_id(body, "DeviceID")?;
    let mut device = known_device(shared, device_id)?;
    require_responsible(shared, caller, &device)?;
    let declared: DeviceType = required(body, "DeviceType")?
        .parse()
        .map_err(|error| Rejection::Malformed(format!("DeviceType: {error}")))?;
    if declared != device.device_type {
        return Err(Rejection::ServiceNotValidForDeviceType(format!(
            "{device_id} is a {}, not a {declared}",
            device.device_type
        )));
    }
    let mpxns = body
        .child("MPxNs")
        .ok_or_else(|| Rejection::Malformed("ServiceOptIn without MPxNs".into()))?;
    device.details.import_mpxn = Some(required(mpxns, "ImportMPxN")?.to_owned());
    device.details.secondary_import_mpan = optional(mpxns, "SecondaryImportMPAN");
    device.details.export_mpan = optional(mpxns, "ExportMPAN");
    if !matches!(device.status, DeviceStatus::Commissioned) {
        device.status = DeviceStatus::Commissioned;
    }
    let certificate = |usage: smki::KeyUsage| {
        shared
            .certificates()
            .find(
                dcc_model::DCC_ACCESS_CONTROL_BROKER,
                usage,
                Some(smki::RemotePartyRole::ACCESS_CONTROL_BROKER),
            )
            .first()
            .map(|certificate| base64_of(certificate.der()))
    };
    let key_agreement = certificate(smki::KeyUsage::KeyAgreement).ok_or_else(|| {
        Rejection::UnsupportedService("the DSP knows no ACB key agreement certificate".into())
    })?;
    let mut content = vec![BodyElement::leaf("DeviceID", device_id.to_string())];
    if let Some(signing) = certificate(smki::KeyUsage::DigitalSignature) {
        content.push(BodyElement::leaf(
            "DSPBrokerSecurityCredentialsDigitalSigning",
            signing,
        ));
    }
    content.push(BodyElement::leaf(
        "DSPBrokerSecurityCredentialsKeyAgreement",
        key_agreement,
    ));
    let mut change = Change::new(request, format!("{device_id} opted in"));
    change.put.push(device);
    change.commit(shared)?;
    Ok(Answer::with_content(
        request,
        ResponseCode::Success,
        BodyElement::with_children("DSPOptIn", content),
    ))
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// 8.13 Return Local Command Response: the device's response to a command delivered locally.
/// The DSP closes the local command it answers (matched by device and counter) and records the
/// response; a response to a command it has no record of is recorded all the same.
fn return_local_command_response(
    shared: &Shared,
    request: &Request,
    caller: &Caller,
) -> Result<Answer, Rejection> {
    use base64::Engine as _;
    let body = body(request)?;
    let gbcs = base64::engine::general_purpose::STANDARD
        .decode(
            required(body, "DeviceGBCSResponse")?
                .split_whitespace()
                .collect::<String>(),
        )
        .map_err(|error| Rejection::Malformed(format!("DeviceGBCSResponse: {error}")))?;
    let envelope = gbcs::Envelope::parse(&gbcs)
        .map_err(|error| Rejection::Malformed(format!("DeviceGBCSResponse: {error}")))?;
    let header = envelope.header();
    let device_id = header.originator;
    let counter = header.transaction.counter;
    let device = known_device(shared, device_id)?;
    require_responsible(shared, caller, &device)?;
    if let Some(original) = optional(body, "OriginalRequestID") {
        let original: dcc_model::RequestId = original
            .parse()
            .map_err(|error| Rejection::Malformed(format!("OriginalRequestID: {error}")))?;
        if original.target != device_id {
            return Err(Rejection::Malformed(format!(
                "OriginalRequestID {original} is not for {device_id}, the response's originator"
            )));
        }
    }
    let command = crate::store::SentCommand::answered_by(header);
    let awaiting = shared.store.awaiting(command)?;
    let matched = awaiting.filter(|awaiting| {
        awaiting.kind == crate::store::AwaitingKind::LocalDelivery
            && awaiting.request_id.originator == caller.id
    });
    let batch = shared.store.batch()?;
    let what = match &matched {
        Some(awaiting) => {
            batch.take_awaiting(command, shared.now_ms())?;
            batch.audit(
                &awaiting.request_id.to_string(),
                &shared.event("user", "local command response returned (8.13)", Some("I0".into())),
            )?;
            format!("response to local command {} recorded", awaiting.request_id)
        }
        None => format!("response of {device_id} (counter {counter}) recorded; no local command of this DSP awaited it"),
    };
    batch.audit(
        &request.header.request_id.to_string(),
        &shared.event("dsp", what, Some("I99".into())),
    )?;
    batch.commit()?;
    Ok(Answer::bare(request, ResponseCode::Acknowledgement))
}

/// The Comms Hub Function of an 8.14.x body, with the GPF on its HAN.
fn comms_hub(
    shared: &Shared,
    request: &Request,
    caller: &Caller,
) -> Result<Vec<DeviceRecord>, Rejection> {
    let hub_id = device_id(body(request)?, "DeviceID")?;
    let hub = known_device(shared, hub_id)?;
    if hub.device_type != DeviceType::CommunicationsHubFunction {
        return Err(Rejection::ServiceNotValidForDeviceType(format!(
            "{hub_id} is a {}, not a Comms Hub Function",
            hub.device_type
        )));
    }
    require_responsible(shared, caller, &hub)?;
    let inventory = shared.inventory();
    Ok(inventory
        .han_of(hub_id)
        .into_iter()
        .filter(|device| {
            matches!(
                device.device_type,
                DeviceType::CommunicationsHubFunction | DeviceType::GasProxyFunction
            )
        })
        .cloned()
        .collect())
}

/// 8.14.1, 8.14.2: the Comms Hub is installed: its CHF Commissioned with the SM WAN (8.14.1),
/// Installed Not Commissioned without (8.14.2); its GPF Installed Not Commissioned until its
/// GSME joins it (`installation`). Devices already further on stay as they are.
fn comms_hub_installed(
    shared: &Shared,
    request: &Request,
    caller: &Caller,
    with_sm_wan: bool,
) -> Result<Answer, Rejection> {
    let devices = comms_hub(shared, request, caller)?;
    let today = crate::installation::xs_date(shared.clock.now());
    let mut change = Change::new(request, "comms hub installed");
    change.put.extend(devices.into_iter().filter_map(|device| {
        crate::installation::comms_hub_installed(device, with_sm_wan, &today)
    }));
    change.commit(shared)?;
    Ok(Answer::bare(request, ResponseCode::Acknowledgement))
}

/// 8.14.3, 8.14.4: the Comms Hub is removed and returned: its CHF and GPF are Withdrawn, their
/// schedules end and the registered parties are told.
fn comms_hub_returned(
    shared: &Shared,
    request: &Request,
    caller: &Caller,
) -> Result<Answer, Rejection> {
    let devices = comms_hub(shared, request, caller)?;
    let mut change = Change::new(request, "comms hub returned; CHF and GPF withdrawn");
    for mut device in devices {
        let parties = interested_parties(shared, device.device_id);
        change.alerts.push((
            DccAlert::DeviceStatusChange {
                device: device.device_id,
                change: StatusChange::CommsHubFunctionDecommissioning,
            },
            parties,
        ));
        change.ended.push(device.device_id);
        device.status = DeviceStatus::Withdrawn;
        change.put.push(device);
    }
    change.commit(shared)?;
    Ok(Answer::bare(request, ResponseCode::Acknowledgement))
}

/// 11.1 Update Firmware (meters, Comms Hubs) and 11.4 Update PPMID Firmware: the image goes to
/// each listed device's CSP. Devices that cannot take it are listed in a warning (W110101,
/// W110401) with `DSPUpdateFirmwareWarning`; when none can, the request is refused (E110101,
/// E110401). Devices a CSP then cannot reach are reported with a FirmwareDistributionFailure
/// DCC alert.
async fn distribute_firmware(
    shared: &Shared,
    request: &Request,
    service: &ServiceDefinition,
    caller: &Caller,
) -> Result<Answer, Rejection> {
    use base64::Engine as _;
    let body = body(request)?;
    let ppmid = service.service_reference_variant == "11.4";
    let image = base64::engine::general_purpose::STANDARD
        .decode(
            required(body, "FirmwareImage")?
                .split_whitespace()
                .collect::<String>(),
        )
        .map_err(|error| Rejection::Malformed(format!("FirmwareImage: {error}")))?;
    let version = required(body, "FirmwareVersion")?.to_owned();
    let listed: Vec<Eui64> = required(body, "DeviceIDList")?
        .split(',')
        .map(|id| {
            id.trim()
                .parse()
                .map_err(|error| Rejection::Malformed(format!("DeviceIDList: {error}")))
        })
        .collect::<Result<_, _>>()?;
    let mut invalid = Vec::new();
    let mut not_commissioned = Vec::new();
    let mut not_applicable = Vec::new();
    let mut valid: Vec<DeviceRecord> = Vec::new();
    for id in listed {
        let Some(device) = shared.inventory().device(id).cloned() else {
            invalid.push(id);
            continue;
        };
        let applicable = if ppmid {
            device.device_type == DeviceType::PrepaymentInterfaceDevice
        } else {
            matches!(
                device.device_type,
                DeviceType::ElectricitySmartMeter
                    | DeviceType::GasSmartMeter
                    | DeviceType::CommunicationsHubFunction
            )
        };
        if !responsible_for(shared, caller, &device) {
            invalid.push(id);
        } else if !applicable {
            not_applicable.push(id);
        } else if device.status != DeviceStatus::Commissioned {
            not_commissioned.push(id);
        } else {
            valid.push(device);
        }
    }
    let (error_code, warning_code) = if ppmid {
        ("110401", "110401")
    } else {
        ("110101", "110101")
    };
    if valid.is_empty() {
        return Err(Rejection::service_specific(
            error_code,
            "no listed device can take this firmware",
        ));
    }
    let request_id = request.header.request_id;
    let mut unreachable = Vec::new();
    for region in [CspRegion::North, CspRegion::Central] {
        let devices: Vec<Eui64> = valid
            .iter()
            .filter(|device| csp::party_name(device.region) == csp::party_name(region))
            .map(|device| device.device_id)
            .collect();
        if devices.is_empty() {
            continue;
        }
        match shared
            .csp_for(region)
            .distribute_firmware(&request_id, &devices, &version, image.clone())
            .await
        {
            Ok(refused) => unreachable.extend(refused),
            Err(_) => unreachable.extend(devices),
        }
    }
    shared.audit(
        &request_id.to_string(),
        "dsp",
        format!(
            "firmware {version} ({} bytes) handed to the CSPs for {} devices",
            image.len(),
            valid.len() - unreachable.len()
        ),
        None,
    );
    if !unreachable.is_empty() {
        let mut owed = Owed::default();
        let batch = shared.store.batch()?;
        DccAlert::FirmwareDistributionFailure {
            request_id,
            devices: unreachable,
        }
        .raise(shared, &batch, &mut owed, &[caller.id])?;
        batch.commit()?;
        owed.send(shared);
    }
    if invalid.is_empty() && not_commissioned.is_empty() && not_applicable.is_empty() {
        return Ok(Answer::bare(request, ResponseCode::Acknowledgement));
    }
    let list = |devices: &[Eui64]| {
        devices
            .iter()
            .map(Eui64::to_string)
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut warning = Vec::new();
    for (name, devices) in [
        ("InvalidDeviceIDList", &invalid),
        ("NotCommissionedDeviceIDList", &not_commissioned),
        ("NotApplicableFirmwareDeviceIDList", &not_applicable),
    ] {
        if !devices.is_empty() {
            warning.push(BodyElement::leaf(name, list(devices)));
        }
    }
    let element = if ppmid {
        "DSPUpdatePPMIDFirmwareWarning"
    } else {
        "DSPUpdateFirmwareWarning"
    };
    Ok(Answer::with_content(
        request,
        ResponseCode::Warning(warning_code.into()),
        BodyElement::with_children(element, warning),
    ))
}

/// 12.1 Request WAN Matrix: each CSP answers for its regions (North; Central and South);
/// a CSP that cannot be reached answers E20 for its regions.
async fn wan_matrix(shared: &Shared, request: &Request) -> Result<Answer, Rejection> {
    let body = body(request)?;
    let address = if let Some(uprn) = optional(body, "UPRN") {
        csp::coverage::Address::Uprn(uprn)
    } else if let Some(partial) = body.child("PartialAddress") {
        csp::coverage::Address::Partial {
            post_code: required(partial, "PostCode")?.to_owned(),
            address_identifier: required(partial, "AddressIdentifier")?.to_owned(),
        }
    } else {
        return Err(Rejection::Malformed(
            "RequestWANMatrix needs a UPRN or a PartialAddress".into(),
        ));
    };
    let request_id = request.header.request_id;
    let mut answers = Vec::new();
    for (client, regions) in [
        (&shared.csp_north, vec![CspRegion::North]),
        (
            &shared.csp_central_south,
            vec![CspRegion::Central, CspRegion::South],
        ),
    ] {
        match client.wan_coverage(&request_id, &address).await {
            Ok(coverage) => answers.extend(coverage),
            Err(error) => {
                info!(%error, "a CSP could not answer for the WAN matrix");
                answers.extend(
                    regions
                        .into_iter()
                        .map(|region| csp::coverage::RegionCoverage {
                            region,
                            response_code: ResponseCode::CANNOT_COMMUNICATE,
                            coverage: None,
                        }),
                );
            }
        }
    }
    let mut echoed = body.clone();
    echoed.name = "Request".to_owned();
    let mut content = vec![echoed];
    for answer in answers {
        let mut fields = vec![
            BodyElement::leaf("CSPRegion", answer.region.as_str()),
            BodyElement::leaf("CSPRegionResponseCode", answer.response_code.to_string()),
        ];
        if let Some(coverage) = answer.coverage {
            fields.push(BodyElement::leaf(
                "CoverageAvailability",
                if coverage.available { "true" } else { "false" },
            ));
            if let Some(date) = coverage.anticipated_date {
                fields.push(BodyElement::leaf("AnticipatedCoverageDate", date));
            }
            fields.push(BodyElement::leaf("WANTechnology", coverage.wan_technology));
            fields.push(BodyElement::leaf(
                "ConnectivityLikelihood",
                coverage.connectivity_likelihood.as_str(),
            ));
            if let Some(equipment) = coverage.auxiliary_equipment_required {
                fields.push(BodyElement::leaf("AuxiliaryEquipmentRequired", equipment));
            }
            if let Some(information) = coverage.additional_information {
                fields.push(BodyElement::leaf("AdditionalInformation", information));
            }
        }
        content.push(BodyElement::with_children("DSPWANMatrixResponse", fields));
    }
    Ok(Answer::with_content(
        request,
        ResponseCode::Success,
        BodyElement::with_children("DSPWANMatrix", content),
    ))
}

/// 12.2 Device Pre-notification: a device to be installed enters the inventory as Pending.
/// Until it joins a Comms Hub it stands on its own (its own hub, in the North region).
fn prenotify(shared: &Shared, request: &Request, caller: &Caller) -> Result<Answer, Rejection> {
    let body = body(request)?;
    let device_id = device_id(body, "DeviceID")?;
    if shared.inventory().device(device_id).is_some() {
        return Err(Rejection::service_specific(
            "120201",
            format!("{device_id} is already in the inventory"),
        ));
    }
    let device_type: DeviceType = required(body, "DeviceType")?
        .parse()
        .map_err(|error| Rejection::Malformed(format!("DeviceType: {error}")))?;
    let associated_gas_proxy_function = body
        .child("AssociatedGPFDeviceID")
        .map(|_| device_id_of(body, "AssociatedGPFDeviceID"))
        .transpose()?;
    let (comms_hub, region) = associated_gas_proxy_function
        .and_then(|gpf| {
            shared
                .inventory()
                .device(gpf)
                .map(|gpf| (gpf.comms_hub, gpf.region))
        })
        .unwrap_or((device_id, CspRegion::North));
    let device = DeviceRecord {
        device_id,
        device_type,
        status: DeviceStatus::Pending,
        comms_hub,
        region,
        manufacturer: required(body, "DeviceManufacturer")?.to_owned(),
        model: required(body, "DeviceModel")?.to_owned(),
        details: DeviceDetails {
            smets_chts_version: optional(body, "SMETSCHTSVersion"),
            firmware_version: optional(body, "FirmwareVersion"),
            esme_variant: optional(body, "ESMEVariant"),
            associated_gas_proxy_function,
            prenotified_by: (!caller.is_dcc).then_some(caller.id),
            ..DeviceDetails::default()
        },
    };
    let mut change = Change::new(request, format!("{device_id} pre-notified, Pending"));
    change.put.push(device);
    change.commit(shared)?;
    Ok(Answer::bare(request, ResponseCode::Acknowledgement))
}

fn device_id_of(body: &BodyElement, name: &str) -> Result<Eui64, Rejection> {
    device_id(body, name)
}
