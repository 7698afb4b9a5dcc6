//! The pure DUIS codec: parses and renders DCC User Interface Specification service requests
//! and responses, and signs and verifies them with W3C XML digital signatures the way DCC
//! Boxed and DCC's own Java tool do.
#![forbid(unsafe_code)]

pub mod canonical;
pub mod catalogue;
mod element;
mod request;
mod response;
mod signature;
mod xml;

pub use element::BodyElement;
pub use request::{parse_request, render_request, Request, RequestBody, RequestHeader};
pub use response::{parse_response, render_response, InventoryDevice, Response, ResponseBody};
pub use signature::{
    sign_document, signature_key_info, verify_document, ParsedDocument, SignatureError,
    X509IssuerSerial, XmlSigner,
};

/// `sr`: the namespace of DUIS requests and responses.
pub const SERVICE_USER_GATEWAY_NAMESPACE: &str = "http://www.dccinterface.co.uk/ServiceUserGateway";
/// `ra`: the namespace of DUIS response and alert payload types.
pub const RESPONSE_AND_ALERT_NAMESPACE: &str = "http://www.dccinterface.co.uk/ResponseAndAlert";
/// `ds`: the W3C XML digital signature namespace.
pub const XML_SIGNATURE_NAMESPACE: &str = "http://www.w3.org/2000/09/xmldsig#";
/// The DUIS schema version dccsim writes.
pub const SCHEMA_VERSION: &str = "5.4";

/// Why a DUIS document could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DuisError {
    #[error("malformed XML: {0}")]
    MalformedXml(String),
    #[error("the document element is {found}, expected sr:{expected}")]
    UnexpectedDocumentElement {
        expected: &'static str,
        found: String,
    },
    #[error("missing {0}")]
    Missing(&'static str),
    #[error("invalid {field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("signing failed: {0}")]
    Signing(String),
}

impl DuisError {
    fn invalid(field: &'static str, reason: impl std::fmt::Display) -> Self {
        DuisError::Invalid {
            field,
            reason: reason.to_string(),
        }
    }
}
