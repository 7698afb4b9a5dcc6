//! Conversions between wire fields and `dcc-model` domain types, failing with a gRPC status
//! that names the bad field.

use dcc_model::{Eui64, RefusalKind, RequestId};
use tonic::Status;

/// Parses an id field (16 hex digits or the DUIS dashed form).
pub fn eui64(field: &'static str, value: &str) -> Result<Eui64, Status> {
    value
        .parse()
        .map_err(|error| Status::invalid_argument(format!("field {field}: {error}")))
}

/// Parses an optional RequestID field: empty means absent.
pub fn optional_request_id(field: &'static str, value: &str) -> Result<Option<RequestId>, Status> {
    if value.is_empty() {
        return Ok(None);
    }
    value
        .parse()
        .map(Some)
        .map_err(|error| Status::invalid_argument(format!("field {field}: {error}")))
}

/// The wire form of an optional RequestID.
pub fn request_id_field(request_id: Option<&RequestId>) -> String {
    request_id.map(ToString::to_string).unwrap_or_default()
}

/// The status a device's refusal of a command is answered with: PERMISSION_DENIED for
/// security failures, INVALID_ARGUMENT for malformed input, UNIMPLEMENTED for what the device
/// cannot do.
pub fn device_refusal(kind: RefusalKind, reason: impl std::fmt::Display) -> Status {
    let message = format!("command refused: {reason}");
    match kind {
        RefusalKind::Security => Status::permission_denied(message),
        RefusalKind::Malformed => Status::invalid_argument(message),
        RefusalKind::Unsupported => Status::unimplemented(message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_ids_name_their_field() {
        let status = eui64("device_id", "nope").unwrap_err();
        assert_eq!(status.code(), tonic::Code::InvalidArgument);
        assert!(status.message().contains("device_id"));
        assert_eq!(optional_request_id("request_id", "").unwrap(), None);
        assert!(optional_request_id("request_id", "x").is_err());
    }
}
