//! The objects a device of each type starts with: its COSEM attributes (ESME, CHF) or ZCL
//! attributes (GSME, GPF, PPMID) and their initial values.

mod esme;
mod gas;
mod values;

use dcc_model::DeviceType;

use crate::state::DeviceState;
use crate::store::ObjectStore;

/// The store of a freshly installed device of `device_type`.
pub(crate) fn initial_store(device_type: DeviceType, state: &DeviceState) -> ObjectStore {
    let mut store = ObjectStore::new();
    let attributes = match device_type {
        DeviceType::ElectricitySmartMeter => {
            let mut attributes = esme::attributes();
            attributes.extend(esme::identity("ESME"));
            attributes
        }
        DeviceType::CommunicationsHubFunction => {
            let mut attributes = esme::communications_hub();
            attributes.extend(esme::identity("CHF"));
            attributes
        }
        DeviceType::GasSmartMeter | DeviceType::GasProxyFunction => {
            gas::fill(&mut store, state);
            Vec::new()
        }
        _ => Vec::new(),
    };
    for (attribute, value) in attributes {
        store.set_cosem(attribute, value);
    }
    store
}
