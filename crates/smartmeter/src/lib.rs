//! Smart meter stubs (ESME, GSME): a pure GBCS device engine that checks, executes and answers
//! commands as a device must, and the HAN service that hosts the meters behind the Comms Hubs.
#![forbid(unsafe_code)]

mod config;
mod device;
pub mod outbox;
mod service;

pub use config::{
    DeviceClock, DeviceConfig, DeviceConfigError, DeviceDateTime, MeterState, SupplyState,
    TrustAnchorCertificates, TEST_NETWORK_OPERATOR, TEST_SECOND_SUPPLIER, TEST_SUPPLIER,
};
pub use device::{AnchorRole, Device, DeviceError, RefusalKind, TrustAnchors, TrustedSigner};
pub use service::{
    new, new_with_clock, refusal_status, SmartMeterConfig, SmartMeterHanService, SmartMeterPeers,
    PARTY_NAME,
};
