//! The smart meter party: hosts the meters reached over the HAN (ESMEs) and serves
//! `SmartMeterHan`, each meter a [`device::Device`] engine.
//!
//! - [`new`]: the party serving `SmartMeterHan`; a command is handed to its meter's engine
//!   with the date-time of the party's clock, and the response goes up to the Comms Hub party
//!   through an outbox that retries with backoff until it is taken.
//! - A refused command gets no response; the RPC is answered with the refusal's status
//!   (`dcc_proto::convert::device_refusal`).
#![forbid(unsafe_code)]

mod service;

pub use service::{
    new, new_with_clock, SmartMeterConfig, SmartMeterHanService, SmartMeterPeers, PARTY_NAME,
};
