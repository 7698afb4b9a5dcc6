//! Comms Hub stubs: the CHF and GPF device engines, routing of commands to meters over the HAN
//! and of device messages to the CSP of the hub's region over the SM WAN.
#![forbid(unsafe_code)]

mod service;

pub use service::{
    new, new_with_clock, party_name, CommsHubConfig, CommsHubHanUpstreamService, CommsHubPeers,
    CommsHubSpec, CommsHubWanService, PARTY_NAME,
};
