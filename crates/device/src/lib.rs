//! The pure smart metering device engine: ESME, GSME, CHF, GPF and PPMID that check a GBCS
//! command as the addressed device must, execute it on their object model and answer with the
//! protected response, with no I/O and no clock of their own (the date-time is given).
//!
//! - [`Device::handle_command`] verifies the MAC (ACB KA × device KA), refuses a counter not
//!   above the last one accepted from the originator, checks a critical command's signature
//!   against the trust anchor of a role the catalogue ([`gbcs::catalogue`]) lets sign it,
//!   executes it and answers: MAC-protected (device KA × recipient KA) with sensitive data
//!   encrypted for the requester, or signed by the device, as the catalogue says.
//! - The object model: ESME and CHF data are COSEM attributes keyed by (class, OBIS,
//!   attribute), GSME/GPF/PPMID data ZCL attributes keyed by (cluster, attribute)
//!   ([`ObjectStore`]); the typed [`DeviceState`] owns what behaviour needs (supply,
//!   registers, prepayment, firmware, HAN device log, faults) and reads return it.
//! - Execution: generic DLMS GET/SET/ACTION and ZCL read/write handlers answer most use cases
//!   from the store; COSEM methods and ZCL cluster commands carry their objects' behaviour; a
//!   handler table covers the rest (credentials updates, firmware activation, the ASN.1 use
//!   cases).
//! - Refusals: a refused command changes nothing, does not consume its counter and gets no GBCS
//!   answer; [`DeviceError::kind`] says how to report it.
//! - Alerts: [`Device::raise`] raises any alert of the GBCS alert catalogue a device of its
//!   type raises ([`gbcs::alert::catalogue`]), protected as GBCS says; [`Device::act`] acts on
//!   the device at its premises (raise an alert, power off and on, set a register). Raised
//!   alerts wait in its outbox ([`Device::take_alerts`]).
//! - Future-dated instructions (tariffs, payment mode, prepayment and load limiting settings
//!   with an activation time to come) wait until the host's time reaches them
//!   ([`Device::next_due`], [`Device::catch_up`]), then take effect and raise 8F66.
#![forbid(unsafe_code)]

mod alerts;
mod anchors;
mod asn1;
mod behaviour;
mod billing_push;
mod bindings;
mod clusters;
mod config;
mod consumption;
mod control;
mod credentials;
mod date_time;
mod display;
mod dlms_exec;
mod engine;
mod error;
mod fault;
mod firmware;
mod future_dated;
mod gas_tariff;
mod han;
mod handlers;
mod key_folder;
mod keys;
mod objects;
mod profiles;
mod state;
mod store;
mod tariff_activation;
mod top_up;
mod zcl_exec;

pub use anchors::{
    cell_name, management_cell, role_name, signer_role, AnchorError, AnchorKey, TrustAnchor,
    TrustAnchors, SUPPLIER_PREPAYMENT_TOP_UP,
};
pub use config::{
    cell_usage, DeviceConfig, DeviceConfigError, TrustAnchorCertificates, TEST_NETWORK_OPERATOR,
    TEST_SECOND_SUPPLIER, TEST_SUPPLIER,
};
pub use consumption::LoadProfile;
pub use control::REGISTERS;
pub use date_time::DeviceDateTime;
pub use dcc_model::RefusalKind;
pub use engine::Device;
pub use error::DeviceError;
pub use fault::{obis_text, parse_obis, Fault, FaultTarget, RequestKind};
pub use firmware::firmware_version_octets;
pub use future_dated::{
    ACTIONED as FUTURE_DATED_ACTIONED, NOT_ACTIONED as FUTURE_DATED_NOT_ACTIONED,
};
pub use gbcs::use_case::cs02b::{CellKeyUsage, CellUsage, TrustAnchorCell};
pub use key_folder::{FolderDevice, KeyFolder, KeyFolderError};
pub use keys::{stand_in_signing_key, DeviceKeyAgreement, DeviceKeys};
pub use state::{
    ClockPreset, DebtCollection, DeviceState, HanDeviceLogEntry, HeldFirmwareImage, JoinedDevice,
    LoggedEvent, MeterVariant, PaymentMode, SupplyState, TopUp,
};
pub use store::{CosemAttribute, ObjectStore, ZclAttribute};
