//! The Smart Metering Inventory and the registration data the RDPs send: which devices exist,
//! where they are, and who is registered for them.

use std::collections::{BTreeMap, HashMap};

use dcc_model::{CspRegion, DeviceStatus, DeviceType, Eui64};

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

/// The optional inventory fields of a device (DUIS `sr:Device`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DeviceDetails {
    pub smets_chts_version: Option<String>,
    pub firmware_version: Option<String>,
    pub esme_variant: Option<String>,
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
    /// The user who pre-notified the device (12.2): responsible for it until someone is
    /// registered for it.
    pub prenotified_by: Option<Eui64>,
}

/// Who is registered for a meter, as an RDP says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub meter_point_reference: String,
    pub supplier: Eui64,
    pub network_operator: Eui64,
    /// The registered supplier agent the supplier appointed, if any.
    pub supplier_agent: Option<Eui64>,
}

/// The devices and their registration data.
#[derive(Debug, Default)]
pub struct Inventory {
    devices: BTreeMap<Eui64, DeviceRecord>,
    /// Registration data per RDP (replaced whole by each snapshot), then per device.
    registrations: HashMap<String, HashMap<Eui64, Registration>>,
}

impl Inventory {
    pub fn new(devices: impl IntoIterator<Item = DeviceRecord>) -> Self {
        Self {
            devices: devices
                .into_iter()
                .map(|device| (device.device_id, device))
                .collect(),
            registrations: HashMap::new(),
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
        self.devices.insert(device.device_id, device);
    }

    pub fn remove(&mut self, device_id: Eui64) -> Option<DeviceRecord> {
        self.devices.remove(&device_id)
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
        let mut han: Vec<&DeviceRecord> = self
            .devices
            .values()
            .filter(|other| other.comms_hub == device.comms_hub)
            .collect();
        han.sort_by_key(|other| (other.device_id != device.comms_hub, other.device_id));
        han
    }

    /// Replaces what `provider` said before with `meter_points`.
    pub fn replace_registrations(
        &mut self,
        provider: &str,
        meter_points: HashMap<Eui64, Registration>,
    ) {
        self.registrations.insert(provider.to_owned(), meter_points);
    }

    pub fn registration_count(&self) -> usize {
        self.registrations.values().map(HashMap::len).sum()
    }

    /// Whether registration data has come from `provider`.
    pub fn has_registrations_from(&self, provider: &str) -> bool {
        self.registrations.contains_key(provider)
    }

    pub fn registration(&self, meter: Eui64) -> Option<&Registration> {
        self.registrations
            .values()
            .find_map(|by_device| by_device.get(&meter))
    }

    /// The registrations that govern a device: its own for a meter; those of the meters on its
    /// Comms Hub for a CHF or GPF.
    pub fn governing_registrations(&self, device_id: Eui64) -> Vec<&Registration> {
        if let Some(own) = self.registration(device_id) {
            return vec![own];
        }
        let Some(device) = self.devices.get(&device_id) else {
            return Vec::new();
        };
        if !matches!(
            device.device_type,
            DeviceType::CommunicationsHubFunction | DeviceType::GasProxyFunction
        ) {
            return Vec::new();
        }
        self.han_of(device_id)
            .into_iter()
            .filter_map(|other| self.registration(other.device_id))
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
            device(0xB0, DeviceType::ElectricitySmartMeter, 0xB2),
        ]);
        let supplier = Eui64::from_u64(0x90B3_D51F_3001_0000);
        let registration = Registration {
            meter_point_reference: "1".into(),
            supplier,
            network_operator: Eui64::from_u64(2),
            supplier_agent: None,
        };
        inventory.replace_registrations(
            "rdp-electricity",
            HashMap::from([(Eui64::from_u64(0xA0), registration)]),
        );
        assert_eq!(
            inventory.governing_registrations(Eui64::from_u64(0xA2))[0].supplier,
            supplier
        );
        assert!(inventory
            .governing_registrations(Eui64::from_u64(0xB0))
            .is_empty());
        let han: Vec<_> = inventory
            .han_of(Eui64::from_u64(0xA0))
            .iter()
            .map(|d| d.device_id.as_u64())
            .collect();
        assert_eq!(han, vec![0xA2, 0xA0]);
    }
}
