//! The Smart Metering Inventory and the registration data the RDPs send: which devices exist,
//! where they are, and who is registered for them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use dcc_model::{CspRegion, DeviceStatus, DeviceType, Eui64};
use rustc_hash::FxHashMap;

/// One device as the DSP knows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DeviceRecord {
    pub device_id: Eui64,
    pub device_type: DeviceType,
    pub status: DeviceStatus,
    /// The Comms Hub (CHF) the device is reached through; a CHF names itself.
    pub comms_hub: Eui64,
    pub region: CspRegion,
    pub manufacturer: String,
    pub model: String,
    /// What the inventory says beyond the above: set by pre-notification (12.2), opt-in (8.6),
    /// inventory updates (8.4) and Comms Hub status updates (8.14.x).
    #[serde(default)]
    pub details: DeviceDetails,
}

impl DeviceRecord {
    /// What chooses between the use cases of one request body for this device: its GBCS
    /// version and ESME variant. A GBCS version that names no version (the configuration
    /// refuses one) counts as the current version.
    pub fn profile(&self) -> crate::services::DeviceProfile {
        let details = &self.details;
        let version = details
            .gbcs_version
            .as_deref()
            .filter(|version| gbcs::catalogue::takes_superseded_use_cases(version).is_some());
        crate::services::DeviceProfile::from_inventory(version, details.esme_variant.as_deref())
            .unwrap_or_default()
    }
}

/// The optional inventory fields of a device (DUIS `sr:Device`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DeviceDetails {
    pub smets_chts_version: Option<String>,
    pub firmware_version: Option<String>,
    pub esme_variant: Option<String>,
    /// The device's GBCS version (DUIS `DeviceGBCSVersion`, e.g. `4.0`): unrecorded is the
    /// current version. It decides between a use case and the one that superseded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gbcs_version: Option<String>,
    /// `xs:date` of commissioning.
    pub date_commissioned: Option<String>,
    pub import_mpxn: Option<String>,
    pub secondary_import_mpan: Option<String>,
    pub export_mpan: Option<String>,
    pub uprn: Option<String>,
    pub post_code: Option<String>,
    pub address_identifier: Option<String>,
    /// The GPF a pre-notified GSME will pair with.
    pub associated_gas_proxy_function: Option<Eui64>,
    /// The user who pre-notified the device (12.2), or for a Comms Hub the supplier it was
    /// delivered to: responsible for it until someone is registered for it.
    pub prenotified_by: Option<Eui64>,
    /// The CHF an 8.11 (CCS01) is adding the device to the device log of, until the CHF
    /// answers (`installation`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub joining_comms_hub: Option<Eui64>,
}

/// Who is registered for a meter, as an RDP says, from when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub meter_point_reference: String,
    pub supplier: Eui64,
    pub network_operator: Eui64,
    /// The registered supplier agent the supplier appointed, if any.
    pub supplier_agent: Option<Eui64>,
    /// From when this registration holds (unix ms); `i64::MIN` for always.
    pub effective_from_ms: i64,
    /// A disconnected meter point: from `effective_from_ms` nobody is registered for it.
    pub disconnected: bool,
}

/// A meter's registrations in the order they take effect.
pub type RegistrationHistory = Vec<Registration>;

/// The devices and their registration data.
#[derive(Debug, Default)]
pub struct Inventory {
    devices: BTreeMap<Eui64, DeviceRecord>,
    /// (Comms Hub, device) of every record: a HAN's devices without reading every record (a
    /// generated fleet has 400,000).
    on_hub: BTreeSet<(Eui64, Eui64)>,
    /// Registration data per source (an RDP's snapshot, or its files as `<rdp>/files`), then
    /// per device.
    registrations: BTreeMap<String, FxHashMap<Eui64, RegistrationHistory>>,
}

impl Inventory {
    pub fn new(devices: impl IntoIterator<Item = DeviceRecord>) -> Self {
        let devices: BTreeMap<Eui64, DeviceRecord> = devices
            .into_iter()
            .map(|device| (device.device_id, device))
            .collect();
        let on_hub = devices
            .values()
            .map(|device| (device.comms_hub, device.device_id))
            .collect();
        Self {
            devices,
            on_hub,
            registrations: BTreeMap::new(),
        }
    }

    pub fn device(&self, device_id: Eui64) -> Option<&DeviceRecord> {
        self.devices.get(&device_id)
    }

    pub fn devices(&self) -> impl Iterator<Item = &DeviceRecord> {
        self.devices.values()
    }

    /// Adds or replaces a device record.
    pub fn put(&mut self, device: DeviceRecord) {
        if let Some(before) = self.devices.get(&device.device_id) {
            self.on_hub.remove(&(before.comms_hub, before.device_id));
        }
        self.on_hub.insert((device.comms_hub, device.device_id));
        self.devices.insert(device.device_id, device);
    }

    pub fn remove(&mut self, device_id: Eui64) -> Option<DeviceRecord> {
        let removed = self.devices.remove(&device_id)?;
        self.on_hub.remove(&(removed.comms_hub, device_id));
        Some(removed)
    }

    /// The import MPxN of a device: from its record, else from the registration data.
    pub fn import_mpxn(&self, device_id: Eui64) -> Option<String> {
        self.devices
            .get(&device_id)
            .and_then(|device| device.details.import_mpxn.clone())
            .or_else(|| {
                self.registration(device_id)
                    .map(|registration| registration.meter_point_reference.clone())
            })
    }

    /// The device and every other device on the same Comms Hub, the hub first.
    pub fn han_of(&self, device_id: Eui64) -> Vec<&DeviceRecord> {
        let Some(device) = self.devices.get(&device_id) else {
            return Vec::new();
        };
        let hub = device.comms_hub;
        let mut han: Vec<&DeviceRecord> = self
            .on_hub
            .range((hub, Eui64::from_u64(0))..=(hub, Eui64::from_u64(u64::MAX)))
            .filter_map(|(_, other)| self.devices.get(other))
            .collect();
        han.sort_by_key(|other| (other.device_id != device.comms_hub, other.device_id));
        han
    }

    /// Replaces what `provider` said before with `meter_points`, each registered always.
    pub fn replace_registrations(
        &mut self,
        provider: &str,
        meter_points: HashMap<Eui64, Registration>,
    ) {
        let histories = meter_points
            .into_iter()
            .map(|(device, registration)| (device, vec![registration]))
            .collect();
        self.replace_registration_histories(provider, histories);
    }

    /// Replaces what `source` said before (a full refresh).
    pub fn replace_registration_histories(
        &mut self,
        source: &str,
        histories: FxHashMap<Eui64, RegistrationHistory>,
    ) {
        self.registrations.insert(source.to_owned(), histories);
    }

    /// Adds a registration to a meter's history from `source` (a daily update): a change of
    /// supplier, a new meter point, a disconnection. One at the same effective time is replaced.
    pub fn add_registration(&mut self, source: &str, meter: Eui64, registration: Registration) {
        let history = self
            .registrations
            .entry(source.to_owned())
            .or_default()
            .entry(meter)
            .or_default();
        history.retain(|held| held.effective_from_ms != registration.effective_from_ms);
        let at =
            history.partition_point(|held| held.effective_from_ms < registration.effective_from_ms);
        history.insert(at, registration);
    }

    /// Every meter's history from `source`.
    pub fn registration_histories(
        &self,
        source: &str,
    ) -> Option<&FxHashMap<Eui64, RegistrationHistory>> {
        self.registrations.get(source)
    }

    pub fn registration_count(&self) -> usize {
        self.registrations
            .values()
            .map(|by_device| by_device.len())
            .sum()
    }

    /// Whether registration data has come from `provider`.
    pub fn has_registrations_from(&self, provider: &str) -> bool {
        self.registrations.contains_key(provider)
    }

    /// A meter's history: from an RDP's files when it has sent them, else from its snapshot.
    fn history(&self, meter: Eui64) -> Option<&RegistrationHistory> {
        let files = self
            .registrations
            .iter()
            .filter(|(source, _)| source.ends_with("/files"));
        let snapshots = self
            .registrations
            .iter()
            .filter(|(source, _)| !source.ends_with("/files"));
        files
            .chain(snapshots)
            .find_map(|(_, by_device)| by_device.get(&meter))
    }

    /// The latest registration known for a meter, whenever it takes effect.
    pub fn registration(&self, meter: Eui64) -> Option<&Registration> {
        self.history(meter).and_then(|history| history.last())
    }

    /// The registration in effect for a meter at `at_ms`: none before its first or once
    /// disconnected.
    pub fn registration_at(&self, meter: Eui64, at_ms: i64) -> Option<&Registration> {
        let history = self.history(meter)?;
        let in_effect = history.partition_point(|held| held.effective_from_ms <= at_ms);
        let registration = history[..in_effect].last()?;
        (!registration.disconnected).then_some(registration)
    }

    /// The registrations that govern a device at `at_ms`: its own for a meter; those of the
    /// meters on its Comms Hub for a device that is no meter (CHF, GPF, and the HAN devices
    /// serving the meters' premises: PPMID, HCALCS, IHD, CAD).
    pub fn governing_registrations(&self, device_id: Eui64, at_ms: i64) -> Vec<&Registration> {
        if self.history(device_id).is_some() {
            return self.registration_at(device_id, at_ms).into_iter().collect();
        }
        let Some(device) = self.devices.get(&device_id) else {
            return Vec::new();
        };
        if matches!(
            device.device_type,
            DeviceType::ElectricitySmartMeter | DeviceType::GasSmartMeter
        ) {
            return Vec::new();
        }
        self.han_of(device_id)
            .into_iter()
            .filter_map(|other| self.registration_at(other.device_id, at_ms))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(id: u64, device_type: DeviceType, hub: u64) -> DeviceRecord {
        DeviceRecord {
            device_id: Eui64::from_u64(id),
            device_type,
            status: DeviceStatus::Commissioned,
            comms_hub: Eui64::from_u64(hub),
            region: CspRegion::North,
            manufacturer: "dccsim".into(),
            model: "stub".into(),
            details: DeviceDetails::default(),
        }
    }

    #[test]
    fn hub_devices_are_governed_by_their_meters() {
        let mut inventory = Inventory::new([
            device(0xA0, DeviceType::ElectricitySmartMeter, 0xA2),
            device(0xA2, DeviceType::CommunicationsHubFunction, 0xA2),
            device(0xA4, DeviceType::PrepaymentInterfaceDevice, 0xA2),
            device(0xB0, DeviceType::ElectricitySmartMeter, 0xB2),
            device(0xB4, DeviceType::PrepaymentInterfaceDevice, 0xB2),
        ]);
        let supplier = Eui64::from_u64(0x90B3_D51F_3001_0000);
        let registration = Registration {
            meter_point_reference: "1".into(),
            supplier,
            network_operator: Eui64::from_u64(2),
            supplier_agent: None,
            effective_from_ms: i64::MIN,
            disconnected: false,
        };
        inventory.replace_registrations(
            "rdp-electricity",
            HashMap::from([(Eui64::from_u64(0xA0), registration)]),
        );
        assert_eq!(
            inventory.governing_registrations(Eui64::from_u64(0xA2), 0)[0].supplier,
            supplier
        );
        // A PPMID is governed by the meters of its premises.
        assert_eq!(
            inventory.governing_registrations(Eui64::from_u64(0xA4), 0)[0].supplier,
            supplier
        );
        assert!(inventory
            .governing_registrations(Eui64::from_u64(0xB0), 0)
            .is_empty());
        assert!(inventory
            .governing_registrations(Eui64::from_u64(0xB4), 0)
            .is_empty());
        let han: Vec<_> = inventory
            .han_of(Eui64::from_u64(0xA0))
            .iter()
            .map(|d| d.device_id.as_u64())
            .collect();
        assert_eq!(han, vec![0xA2, 0xA0, 0xA4]);
    }

    #[test]
    fn a_device_moved_or_removed_leaves_its_hubs_han() {
        let han = |inventory: &Inventory, device: u64| -> Vec<u64> {
            inventory
                .han_of(Eui64::from_u64(device))
                .iter()
                .map(|d| d.device_id.as_u64())
                .collect()
        };
        let mut inventory = Inventory::new([
            device(0xA2, DeviceType::CommunicationsHubFunction, 0xA2),
            device(0xA0, DeviceType::ElectricitySmartMeter, 0xA2),
            device(0xB2, DeviceType::CommunicationsHubFunction, 0xB2),
        ]);
        inventory.put(device(0xA0, DeviceType::ElectricitySmartMeter, 0xB2));
        assert_eq!(han(&inventory, 0xA2), vec![0xA2]);
        assert_eq!(han(&inventory, 0xA0), vec![0xB2, 0xA0]);
        inventory.remove(Eui64::from_u64(0xA0));
        assert_eq!(han(&inventory, 0xB2), vec![0xB2]);
    }

    #[test]
    fn the_registration_in_effect_follows_the_effective_dates() {
        let mut inventory = Inventory::new([device(0xA0, DeviceType::ElectricitySmartMeter, 0xA2)]);
        let meter = Eui64::from_u64(0xA0);
        let registration = |supplier: u64, from: i64, disconnected: bool| Registration {
            meter_point_reference: "1".into(),
            supplier: Eui64::from_u64(supplier),
            network_operator: Eui64::from_u64(2),
            supplier_agent: None,
            effective_from_ms: from,
            disconnected,
        };
        // Added out of order: a change of supplier at 1000, a disconnection at 5000.
        inventory.add_registration("rdp-electricity/files", meter, registration(7, 1000, false));
        inventory.add_registration("rdp-electricity/files", meter, registration(6, 0, false));
        inventory.add_registration("rdp-electricity/files", meter, registration(7, 5000, true));
        let supplier_at = |inventory: &Inventory, at| {
            inventory
                .registration_at(meter, at)
                .map(|r| r.supplier.as_u64())
        };
        assert_eq!(
            supplier_at(&inventory, -1),
            None,
            "before the first registration"
        );
        assert_eq!(supplier_at(&inventory, 0), Some(6));
        assert_eq!(supplier_at(&inventory, 999), Some(6));
        assert_eq!(
            supplier_at(&inventory, 1000),
            Some(7),
            "from the effective time"
        );
        assert_eq!(supplier_at(&inventory, 4999), Some(7));
        assert_eq!(supplier_at(&inventory, 5000), None, "disconnected");
        // The same effective time again replaces, and file data outranks the snapshot.
        inventory.add_registration("rdp-electricity/files", meter, registration(8, 1000, false));
        inventory.replace_registrations(
            "rdp-electricity",
            HashMap::from([(meter, registration(9, i64::MIN, false))]),
        );
        assert_eq!(supplier_at(&inventory, 1000), Some(8));
        assert_eq!(
            inventory
                .registration_histories("rdp-electricity/files")
                .unwrap()[&meter]
                .len(),
            3
        );
    }
}
