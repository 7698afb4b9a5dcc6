//! What the running DSP knows beyond a request that the transformation asks for
//! ([`DspKnowledge`]): the types of the devices in its inventory (a join names the other
//! device's type), the key agreement certificate of a join's other device (method C, from
//! the SMKI repository) and the device log backups it holds of Comms Hubs (8.12 restores).
//! The DCC's own counters are the store's (`counters`).

use std::collections::{BTreeMap, HashMap};

use dcc_model::{DeviceType, Eui64};
use duis::{Request, RequestBody};
use gbcs::han::chf_device_log::PanBackup;
use gbcs::han::DeviceLogEntry;
use smki::KeyUsage;

use crate::services::DspKnowledge;
use crate::Shared;

/// The device log backups the DSP holds, by the id of the CHF or GPF that made them: a CHF's
/// PAN backup (what CCS07 reads and CCS03 restores), a GPF's device log (what its GCS62
/// alerts back up and GCS59 restores).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceLogBackups {
    pub communications_hub_functions: BTreeMap<Eui64, PanBackup>,
    pub gas_proxy_functions: BTreeMap<Eui64, Vec<DeviceLogEntry>>,
}

/// The DSP's knowledge for one request.
pub(crate) struct InventoryKnowledge<'a> {
    shared: &'a Shared,
    /// The key agreement certificates (DER) fetched for the request.
    key_agreement_certificates: HashMap<Eui64, Vec<u8>>,
}

impl<'a> InventoryKnowledge<'a> {
    /// The knowledge `request` may need: for a join (8.7), the other device's key agreement
    /// certificate, asked of the SMKI repository when the device is in the inventory (a
    /// repository that cannot answer leaves it unknown, and a method C join is refused).
    pub(crate) async fn for_request(shared: &'a Shared, request: &Request) -> Self {
        let mut key_agreement_certificates = HashMap::new();
        if let Some(other) = join_partner(request) {
            let known = shared.inventory().device(other).is_some();
            if known {
                if let Ok(found) = shared.tsp.find(other, KeyUsage::KeyAgreement).await {
                    if let Some(certificate) = found.first() {
                        key_agreement_certificates.insert(other, certificate.der().to_vec());
                    }
                }
            }
        }
        Self {
            shared,
            key_agreement_certificates,
        }
    }
}

impl<'a> InventoryKnowledge<'a> {
    /// The knowledge of a request sent later on its owner's behalf (a held request, a schedule
    /// occurrence: none is a join), without asking the SMKI repository.
    pub(crate) fn without_certificates(shared: &'a Shared) -> Self {
        Self {
            shared,
            key_agreement_certificates: HashMap::new(),
        }
    }
}

/// The `OtherDeviceID` of a join request (8.7.1, 8.7.2).
fn join_partner(request: &Request) -> Option<Eui64> {
    if !matches!(
        request.header.service_reference_variant.as_str(),
        "8.7.1" | "8.7.2"
    ) {
        return None;
    }
    let RequestBody::ServiceRequest(body) = &request.body else {
        return None;
    };
    body.child("OtherDeviceID")?.text.trim().parse().ok()
}

impl DspKnowledge for InventoryKnowledge<'_> {
    fn device_type(&self, device: Eui64) -> Option<DeviceType> {
        self.shared
            .inventory()
            .device(device)
            .map(|record| record.device_type)
    }

    fn key_agreement_certificate(&self, device: Eui64) -> Option<Vec<u8>> {
        self.key_agreement_certificates.get(&device).cloned()
    }

    fn chf_device_log_backup(&self, chf: Eui64) -> Option<PanBackup> {
        self.shared
            .device_log_backups
            .communications_hub_functions
            .get(&chf)
            .cloned()
    }

    fn gpf_device_log_backup(&self, gpf: Eui64) -> Option<Vec<DeviceLogEntry>> {
        self.shared
            .device_log_backups
            .gas_proxy_functions
            .get(&gpf)
            .cloned()
    }
}
