//! Wires dccsim's parties together: builds each from one configuration and runs them all in
//! this process, or one per process, always talking gRPC over loopback.
#![forbid(unsafe_code)]

pub mod config;
pub mod dccki;
pub mod device_control;
pub mod faults;
pub mod fleet;
pub mod han;
pub mod identities;
pub mod launch;
pub mod parties;
pub mod processes;
pub mod sandbox;
pub mod trace;
pub mod user;

pub use config::EcosystemConfig;
pub use identities::Identities;
pub use launch::{
    start_in_process, start_parties, start_parties_with, wait_until_ready, wait_until_serving,
    LaunchError, LaunchHooks, Running,
};
pub use sandbox::{Sandbox, SandboxError, SandboxOptions};
