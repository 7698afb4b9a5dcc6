//! Comms Hub stubs: the CHF and GPF device engines, routing of commands to meters over the HAN
//! and of device messages to the CSP of the hub's region over the SM WAN.
//!
//! [`new`] builds the party serving `CommsHubWan` and `CommsHubHanUpstream`:
//! - a command for a hub's CHF is answered by the CHF engine (a [`device::Device`]);
//! - a command for the hub's GSME is answered by the GPF from its mirror of the GSME: an engine
//!   holding the GSME's keys and registers, so the response's originator is the GSME, MACed and
//!   encrypted with the GSME's KA key; a command for the GPF itself goes to the GPF engine;
//! - a command for another device on the hub's HAN (an ESME, a PPMID, an HCALCS) is forwarded
//!   over the HAN (`SmartMeterHan`), and the device's refusal is passed back with its status
//!   code;
//! - an unknown hub or a device not on the hub is NOT_FOUND;
//! - responses (local, or from HAN devices via `CommsHubHanUpstream`) go to the CSP of the hub's
//!   region through a retrying outbox, as RESPONSE or ALERT by their GBCS CRA flag.
#![forbid(unsafe_code)]

mod service;

pub use service::{
    new, party_name, CommsHubConfig, CommsHubHanUpstreamService, CommsHubPeers, CommsHubSpec,
    CommsHubWanService, HubSource, OnDemandHub, PARTY_NAME,
};
