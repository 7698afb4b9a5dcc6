//! Plain domain types shared by every dccsim party: identities, request ids, service
//! references, roles, regions and response codes, with no transport or codec knowledge.
#![forbid(unsafe_code)]

pub mod device_control;
mod eui64;
pub mod fleet;
mod request_id;
mod service;

pub use eui64::{Eui64, ParseEui64Error};
pub use request_id::{ParseRequestIdError, RequestId};
pub use service::{
    CommandVariant, CspRegion, DeviceStatus, DeviceType, ResponseCode, ServiceReferenceVariant,
    UnknownValue, UserRole,
};

/// The DCC's own identity: Access Control Broker, DSP, and target of non-device requests.
pub const DCC_ACCESS_CONTROL_BROKER: Eui64 = Eui64::from_u64(0x90B3_D51F_3000_0002);

/// Why a device refused a command (a refused command gets no GBCS answer), as whoever carries
/// the command reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefusalKind {
    /// A security check failed (MAC, signature, replay, untrusted signer).
    Security,
    /// The command is well protected but the device cannot do it or cannot answer it.
    Unsupported,
    /// The bytes are not a command for this device.
    Malformed,
}

/// The DCC's transitional change of supplier party, which replaces a supplier's credentials
/// on a change of supplier (DUIS 6.23).
pub const DCC_TRANSITIONAL_CHANGE_OF_SUPPLIER: Eui64 = Eui64::from_u64(0x90B3_D51F_3000_0004);
