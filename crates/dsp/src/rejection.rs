//! Why the DSP refuses a service request, and the DUIS response code that says so.
//!
//! Codes with a public meaning (E1–E5, E11–E13, E17, E19–E21, E30) are used for it. For
//! failures DUIS gives no public meaning for, dccsim chose codes from the schema's list (the
//! README's response-code section says why): E1000 malformed or schema-invalid request, E1001
//! signature does not verify, E1003 replayed RequestID counter, E1004 a signed pre-command that
//! differs from the one issued, E1006 a schema version dccsim does not serve, E1010 the DSP cannot record
//! the request (its store failed), E1011 service not served by dccsim, and service-specific codes (E05xxxx schedules, E08xxxx inventory, E11xxxx
//! firmware, E12xxxx pre-notification, E061501 a 6.15.1 replacement certificate that is not an
//! SMKI certificate of the requester for the cell it targets).

use std::borrow::Cow;

use dcc_model::ResponseCode;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("malformed request: {0}")]
    Malformed(String),
    #[error("signature does not verify: {0}")]
    BadSignature(String),
    #[error("unknown originator: {0}")]
    UnknownUser(String),
    #[error("user status does not permit requests: {0}")]
    UserStatus(String),
    #[error("the user's roles may not use service {0}")]
    RoleNotPermitted(String),
    #[error("the user is not registered for device {0}")]
    NotAuthorisedForDevice(String),
    #[error("device {0} is unknown")]
    UnknownDevice(String),
    #[error("device status does not permit the request: {0}")]
    DeviceStatus(String),
    #[error("service not valid for the device type: {0}")]
    ServiceNotValidForDeviceType(String),
    #[error("command variant not valid: {0}")]
    CommandVariantNotValid(String),
    #[error("request type not valid for this URL: {0}")]
    WrongUrl(String),
    #[error("local delivery not permitted: {0}")]
    LocalDeliveryNotPermitted(String),
    #[error("RequestID counter {counter} is not greater than {last}, the last this originator used for this target (its RequestIDs, and the commands it originated for others)")]
    Replayed { counter: u64, last: u64 },
    #[error("the signed pre-command differs from the pre-command issued: {0}")]
    PreCommandMismatch(String),
    #[error("schema version not served: {0}")]
    SchemaVersion(String),
    #[error("not served by dccsim: {0}")]
    UnsupportedService(String),
    #[error("cannot communicate with the device: {0}")]
    CannotCommunicate(String),
    #[error("no response from the device: {0}")]
    NoResponse(String),
    #[error("replacement certificate refused: {0}")]
    ReplacementCertificate(String),
    #[error("the DSP cannot record the request: {0}")]
    StoreUnavailable(String),
    /// A refusal with a service-specific code (six digits, e.g. `050201`).
    #[error("{reason}")]
    ServiceSpecific { code: &'static str, reason: String },
}

impl Rejection {
    pub fn response_code(&self) -> ResponseCode {
        let digits = match self {
            Rejection::Malformed(_) => "1000",
            Rejection::BadSignature(_) => "1001",
            Rejection::UnknownUser(_) => "1",
            Rejection::RoleNotPermitted(_) => "2",
            Rejection::UserStatus(_) => "3",
            Rejection::NotAuthorisedForDevice(_) => "4",
            Rejection::DeviceStatus(_) => "5",
            Rejection::ServiceNotValidForDeviceType(_) => "11",
            Rejection::CommandVariantNotValid(_) => "12",
            Rejection::WrongUrl(_) => "13",
            Rejection::LocalDeliveryNotPermitted(_) => "17",
            Rejection::UnknownDevice(_) => "19",
            Rejection::CannotCommunicate(_) => "20",
            Rejection::NoResponse(_) => "21",
            Rejection::Replayed { .. } => "1003",
            Rejection::PreCommandMismatch(_) => "1004",
            Rejection::SchemaVersion(_) => "1006",
            Rejection::UnsupportedService(_) => "1011",
            Rejection::ReplacementCertificate(_) => "061501",
            Rejection::StoreUnavailable(_) => "1010",
            Rejection::ServiceSpecific { code, .. } => code,
        };
        ResponseCode::Error(Cow::Borrowed(digits))
    }

    pub fn service_specific(code: &'static str, reason: impl Into<String>) -> Self {
        Rejection::ServiceSpecific {
            code,
            reason: reason.into(),
        }
    }
}

impl From<crate::store::StoreError> for Rejection {
    /// A store that cannot be written means the DSP cannot take the request on (E1010).
    fn from(error: crate::store::StoreError) -> Self {
        Rejection::StoreUnavailable(error.to_string())
    }
}
