//! The smart meter party: hosts the devices the Comms Hubs reach over their HANs (ESMEs,
//! PPMIDs, HCALCSs) and serves `SmartMeterHan`, each device a [`device::Device`] engine.
//!
//! - [`new`]: the party serving `SmartMeterHan`; a command is handed to its device's engine
//!   with the date-time of the party's clock, and the response goes up to the Comms Hub party
//!   through an outbox that retries with backoff until it is taken.
//! - A refused command gets no response; the RPC is answered with the refusal's status
//!   (`dcc_proto::convert::device_refusal`).
#![forbid(unsafe_code)]

mod service;

pub use service::{
    new, DeviceSource, SmartMeterConfig, SmartMeterHanService, SmartMeterPeers, PARTY_NAME,
};
