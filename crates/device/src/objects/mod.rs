//! The objects a device of each type starts with: its COSEM attributes (ESME, CHF) or ZCL
//! attributes (GSME, GPF, PPMID) and their initial values.

use dcc_model::DeviceType;

use crate::state::DeviceState;
use crate::store::ObjectStore;

/// The store of a freshly installed device of `device_type`.
pub(crate) fn initial_store(device_type: DeviceType, state: &DeviceState) -> ObjectStore {
    let _ = (device_type, state);
    ObjectStore::new()
}
