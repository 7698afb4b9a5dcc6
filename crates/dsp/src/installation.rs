//! Install and commission: the Smart Metering Inventory statuses a device passes through on
//! its way into service, moved by the device responses that prove each step. A meter enters
//! Pending with its pre-notification (12.2, `non_device`); 8.11 (CCS01) adds it to a Comms
//! Hub's device log, which the DSP records on the device when it sends the command and
//! completes when the CHF answers: the device is then on that hub's HAN, Installed Not
//! Commissioned (dccsim's devices join the HAN as soon as the CHF lets them); 8.1.1's answer
//! (ECS70, GCS28) makes it Commissioned; a GSME's join to its GPF (8.7.2 CS03B) commissions
//! the GPF that the Comms Hub's installation (8.14.1) left Installed Not Commissioned.

use dcc_model::{DeviceStatus, DeviceType, Eui64};
use duis::BodyElement;

use crate::inventory::{DeviceRecord, Inventory};
use crate::rejection::Rejection;

/// 8.11: the device an Add request puts on `hub`'s device log, marked as joining it; none
/// for a Remove, or for a device already past pre-notification (in service on a hub, whose
/// record the addition does not change). A device the inventory does not hold was never
/// pre-notified: E081101.
pub(crate) fn han_device_log_addition(
    inventory: &Inventory,
    hub: &DeviceRecord,
    body: &BodyElement,
) -> Result<Option<DeviceRecord>, Rejection> {
    if body.child("RequestType").map(|child| child.text.trim()) != Some("Add") {
        return Ok(None);
    }
    let device_id: Eui64 = body
        .child("DeviceID")
        .ok_or_else(|| Rejection::Malformed("UpdateHANDeviceLog without DeviceID".into()))?
        .text
        .trim()
        .parse()
        .map_err(|error| Rejection::Malformed(format!("DeviceID: {error}")))?;
    let Some(device) = inventory.device(device_id) else {
        return Err(Rejection::service_specific(
            "081101",
            format!(
                "{device_id} is not in the inventory: a device is pre-notified (12.2) before \
                 it is added to a Comms Hub's device log"
            ),
        ));
    };
    if !matches!(
        device.status,
        DeviceStatus::Pending | DeviceStatus::Whitelisted
    ) {
        return Ok(None);
    }
    let mut joining = device.clone();
    joining.details.joining_comms_hub = Some(hub.comms_hub);
    Ok(Some(joining))
}

/// What a device's response to a request of `service_reference_variant` sent to `device`
/// changes in the inventory, each changed record with what changed; `today` is the `xs:date`
/// a commissioning is recorded with.
pub(crate) fn on_response(
    inventory: &Inventory,
    service_reference_variant: &str,
    device: Eui64,
    today: &str,
) -> Vec<(DeviceRecord, String)> {
    let Some(target) = inventory.device(device) else {
        return Vec::new();
    };
    match service_reference_variant {
        // CCS01's answer: the devices joining this CHF's device log are on its HAN.
        "8.11" if target.device_type == DeviceType::CommunicationsHubFunction => inventory
            .devices()
            .filter(|other| other.details.joining_comms_hub == Some(target.device_id))
            .map(|other| {
                let mut joined = other.clone();
                joined.details.joining_comms_hub = None;
                joined.comms_hub = target.device_id;
                joined.region = target.region;
                if matches!(
                    joined.status,
                    DeviceStatus::Pending | DeviceStatus::Whitelisted
                ) {
                    joined.status = DeviceStatus::InstalledNotCommissioned;
                }
                let what = format!(
                    "{} on the HAN of {}, {}",
                    joined.device_id, target.device_id, joined.status
                );
                (joined, what)
            })
            .collect(),
        "8.1.1" if target.status == DeviceStatus::InstalledNotCommissioned => {
            let mut commissioned = target.clone();
            commissioned.status = DeviceStatus::Commissioned;
            commissioned.details.date_commissioned = Some(today.to_owned());
            vec![(commissioned, format!("{device} commissioned"))]
        }
        // CS03B: the GSME joined its GPF, which is then in service too.
        "8.7.2" if target.device_type == DeviceType::GasSmartMeter => inventory
            .han_of(device)
            .into_iter()
            .filter(|other| {
                other.device_type == DeviceType::GasProxyFunction
                    && other.status == DeviceStatus::InstalledNotCommissioned
            })
            .map(|gpf| {
                let mut commissioned = gpf.clone();
                commissioned.status = DeviceStatus::Commissioned;
                commissioned.details.date_commissioned = Some(today.to_owned());
                let what = format!("{} commissioned, joined to {device}", gpf.device_id);
                (commissioned, what)
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// 8.14.1 and 8.14.2: a Comms Hub installed. With the SM WAN (8.14.1) the CSP has reached the
/// CHF, which is Commissioned; without (8.14.2) it is Installed Not Commissioned. Its GPF is
/// Installed Not Commissioned until its GSME joins it. A device already further on stays.
pub(crate) fn comms_hub_installed(
    mut device: DeviceRecord,
    with_sm_wan: bool,
    today: &str,
) -> Option<DeviceRecord> {
    if !matches!(
        device.status,
        DeviceStatus::Pending | DeviceStatus::Whitelisted | DeviceStatus::Withdrawn
    ) {
        return None;
    }
    if with_sm_wan && device.device_type == DeviceType::CommunicationsHubFunction {
        device.status = DeviceStatus::Commissioned;
        device.details.date_commissioned = Some(today.to_owned());
    } else {
        device.status = DeviceStatus::InstalledNotCommissioned;
    }
    Some(device)
}

/// The `xs:date` of an instant.
pub(crate) fn xs_date(at: time::OffsetDateTime) -> String {
    let date = at.date();
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::DeviceDetails;
    use dcc_model::CspRegion;

    const CHF: Eui64 = Eui64::from_u64(0xA2);
    const GPF: Eui64 = Eui64::from_u64(0xA3);
    const ESME: Eui64 = Eui64::from_u64(0xA0);
    const GSME: Eui64 = Eui64::from_u64(0xA1);

    fn record(
        id: Eui64,
        device_type: DeviceType,
        status: DeviceStatus,
        hub: Eui64,
    ) -> DeviceRecord {
        DeviceRecord {
            device_id: id,
            device_type,
            status,
            comms_hub: hub,
            // A pre-notified meter stands on its own, in the North; the hub is in the South.
            region: if hub == id && device_type != DeviceType::CommunicationsHubFunction {
                CspRegion::North
            } else {
                CspRegion::South
            },
            manufacturer: "dccsim".into(),
            model: "stub".into(),
            details: DeviceDetails::default(),
        }
    }

    /// A hub in the South installed (CHF Commissioned, GPF Installed Not Commissioned), an
    /// ESME and a GSME pre-notified (Pending, on their own).
    fn installation() -> Inventory {
        Inventory::new([
            record(
                CHF,
                DeviceType::CommunicationsHubFunction,
                DeviceStatus::Commissioned,
                CHF,
            ),
            record(
                GPF,
                DeviceType::GasProxyFunction,
                DeviceStatus::InstalledNotCommissioned,
                CHF,
            ),
            record(
                ESME,
                DeviceType::ElectricitySmartMeter,
                DeviceStatus::Pending,
                ESME,
            ),
            record(GSME, DeviceType::GasSmartMeter, DeviceStatus::Pending, GSME),
        ])
    }

    fn add(device: Eui64) -> BodyElement {
        BodyElement::with_children(
            "UpdateHANDeviceLog",
            vec![
                BodyElement::leaf("DeviceID", device.to_string()),
                BodyElement::leaf("RequestType", "Add"),
            ],
        )
    }

    fn apply(inventory: &mut Inventory, changes: Vec<(DeviceRecord, String)>) -> Vec<String> {
        changes
            .into_iter()
            .map(|(record, what)| {
                inventory.put(record);
                what
            })
            .collect()
    }

    fn status(inventory: &Inventory, device: Eui64) -> DeviceStatus {
        inventory.device(device).map(|d| d.status).unwrap()
    }

    #[test]
    fn a_meter_goes_from_pending_to_commissioned_as_the_responses_arrive() {
        let mut inventory = installation();
        let hub = inventory.device(CHF).cloned().unwrap();
        // 8.1.1 before the meter is on a HAN changes nothing (access control refuses it E5).
        assert!(on_response(&inventory, "8.1.1", ESME, "2030-01-01").is_empty());
        // 8.11 sent: marked as joining; still Pending until the CHF answers.
        let joining = han_device_log_addition(&inventory, &hub, &add(ESME))
            .unwrap()
            .unwrap();
        assert_eq!(joining.details.joining_comms_hub, Some(CHF));
        assert_eq!(joining.status, DeviceStatus::Pending);
        inventory.put(joining);
        // A response from another device, or to another service, does not complete it.
        assert!(on_response(&inventory, "8.11", GPF, "2030-01-01").is_empty());
        assert!(on_response(&inventory, "4.1.1", CHF, "2030-01-01").is_empty());
        let changes = on_response(&inventory, "8.11", CHF, "2030-01-01");
        assert_eq!(apply(&mut inventory, changes).len(), 1);
        let esme = inventory.device(ESME).unwrap();
        assert_eq!(esme.status, DeviceStatus::InstalledNotCommissioned);
        assert_eq!((esme.comms_hub, esme.region), (CHF, CspRegion::South));
        assert_eq!(esme.details.joining_comms_hub, None);
        // 8.1.1's answer commissions it, on the day.
        let changes = on_response(&inventory, "8.1.1", ESME, "2030-01-02");
        apply(&mut inventory, changes);
        assert_eq!(status(&inventory, ESME), DeviceStatus::Commissioned);
        assert_eq!(
            inventory
                .device(ESME)
                .unwrap()
                .details
                .date_commissioned
                .as_deref(),
            Some("2030-01-02")
        );
        // Commissioned once: a second 8.1.1 (a clock synchronisation) changes nothing.
        assert!(on_response(&inventory, "8.1.1", ESME, "2030-01-03").is_empty());
    }

    #[test]
    fn a_gsme_joining_its_gpf_commissions_the_gpf() {
        let mut inventory = installation();
        let hub = inventory.device(CHF).cloned().unwrap();
        let joining = han_device_log_addition(&inventory, &hub, &add(GSME))
            .unwrap()
            .unwrap();
        inventory.put(joining);
        let changes = on_response(&inventory, "8.11", CHF, "2030-01-01");
        apply(&mut inventory, changes);
        // A join by another device (an ESME's 8.7.2) leaves the GPF alone.
        assert!(on_response(&inventory, "8.7.2", CHF, "2030-01-01").is_empty());
        let changes = on_response(&inventory, "8.7.2", GSME, "2030-01-01");
        assert_eq!(apply(&mut inventory, changes).len(), 1);
        assert_eq!(status(&inventory, GPF), DeviceStatus::Commissioned);
        assert_eq!(
            status(&inventory, GSME),
            DeviceStatus::InstalledNotCommissioned
        );
    }

    #[test]
    fn a_device_never_pre_notified_is_not_added_to_a_device_log() {
        let inventory = installation();
        let hub = inventory.device(CHF).cloned().unwrap();
        let unknown = Eui64::from_u64(0xEE);
        let refused = han_device_log_addition(&inventory, &hub, &add(unknown)).unwrap_err();
        assert_eq!(refused.response_code().to_string(), "E081101");
        // A device in service already is added without a status change; a Remove marks none.
        let mut in_service = installation();
        let mut esme = in_service.device(ESME).cloned().unwrap();
        esme.status = DeviceStatus::Commissioned;
        in_service.put(esme);
        assert_eq!(
            han_device_log_addition(&in_service, &hub, &add(ESME)).unwrap(),
            None
        );
        let remove = BodyElement::with_children(
            "UpdateHANDeviceLog",
            vec![
                BodyElement::leaf("DeviceID", ESME.to_string()),
                BodyElement::leaf("RequestType", "Remove"),
            ],
        );
        assert_eq!(
            han_device_log_addition(&inventory, &hub, &remove).unwrap(),
            None
        );
    }

    #[test]
    fn a_comms_hub_installed_with_the_sm_wan_has_its_chf_commissioned() {
        let pending = |device_type, id| record(id, device_type, DeviceStatus::Pending, CHF);
        let chf = comms_hub_installed(
            pending(DeviceType::CommunicationsHubFunction, CHF),
            true,
            "2030-01-01",
        )
        .unwrap();
        assert_eq!(chf.status, DeviceStatus::Commissioned);
        let gpf = comms_hub_installed(
            pending(DeviceType::GasProxyFunction, GPF),
            true,
            "2030-01-01",
        )
        .unwrap();
        assert_eq!(gpf.status, DeviceStatus::InstalledNotCommissioned);
        let without_wan = comms_hub_installed(
            pending(DeviceType::CommunicationsHubFunction, CHF),
            false,
            "2030-01-01",
        )
        .unwrap();
        assert_eq!(without_wan.status, DeviceStatus::InstalledNotCommissioned);
        // A hub already in service stays as it is.
        assert_eq!(comms_hub_installed(chf, true, "2030-01-02"), None);
    }

    #[test]
    fn dates_are_xs_dates() {
        let at = time::macros::datetime!(2030-03-04 23:59 UTC);
        assert_eq!(xs_date(at), "2030-03-04");
    }
}
