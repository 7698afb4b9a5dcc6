//! Smart meter stubs (ESME, GSME): a pure GBCS device engine that checks, executes and answers
//! commands as a device must, and the HAN service that hosts the meters behind the Comms Hubs.
//!
//! - [`Device`]: the engine. [`Device::handle_command`] takes a GBCS command and the date-time,
//!   verifies the MAC (ACB KA × device KA), refuses a counter not above the last one accepted
//!   from the originator, checks a critical command's signature against the trust anchor of
//!   the role allowed to send it, executes ECS17b, ECS42, ECS52, GCS13a or GCS13b on the
//!   device's [`MeterState`], or CS02b supplierBySupplier on its trust anchors (the supplier
//!   DS/KA cells are replaced by supplier certificates issued by the certification path CA, so
//!   later critical commands must be signed with the new key), and answers: MAC-protected
//!   (device KA × recipient KA) with the sensitive block encrypted for the recipient, or
//!   signed by the device (critical).
//! - Refusals: a refused command changes nothing, does not consume its counter and gets no GBCS
//!   answer (a real device drops it); the engine returns a [`DeviceError`] and the services
//!   answer the RPC with [`refusal_status`] (PERMISSION_DENIED for security failures,
//!   INVALID_ARGUMENT for malformed input, UNIMPLEMENTED for use cases the stub lacks).
//! - [`new`]: the smart meter party serving `SmartMeterHan`; responses go up to the Comms
//!   Hub party through an [`outbox::Outbox`] that retries with backoff until they are taken.
//! - [`DeviceConfig::from_test_pki`]: a device's keys and trust anchors from a dccsim test PKI.
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
