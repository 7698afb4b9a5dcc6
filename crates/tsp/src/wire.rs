//! Conversions between the TSP's gRPC messages and SMKI domain types, both ways; the only
//! place that knows the generated message types.

use dcc_model::Eui64;
use dcc_proto::smki as proto;
use smki::{
    Certificate, CertificateKind, CertificateStore, CsrError, CsrSubmission, Identity, KeyUsage,
};
use tonic::Status;

use crate::registry::DeviceCredentials;

/// The wire form of a certificate, with its revocation as `store` knows it.
pub(crate) fn certificate_record(
    certificate: &Certificate,
    store: &CertificateStore,
) -> proto::CertificateRecord {
    let role = if certificate.is_device() {
        0
    } else {
        certificate.role().map_or(0, |role| u32::from(role.code()))
    };
    proto::CertificateRecord {
        serial: certificate.serial_decimal().to_owned(),
        subject_id: certificate
            .subject_id()
            .map(|id| id.to_hex())
            .unwrap_or_default(),
        usage: usage_field(certificate.key_usage()) as i32,
        role,
        der: certificate.der().to_vec(),
        device: certificate.is_device(),
        revoked: store.is_revoked(certificate),
    }
}

/// The wire form of a device's credentials, private keys included.
pub(crate) fn device_certificates(
    credentials: &DeviceCredentials,
    store: &CertificateStore,
) -> proto::DeviceCertificates {
    proto::DeviceCertificates {
        device_id: credentials.device.to_hex(),
        digital_signature: Some(certificate_record(&credentials.ds.certificate, store)),
        key_agreement: Some(certificate_record(&credentials.ka.certificate, store)),
        digital_signature_private_key: credentials
            .ds
            .private_key_pkcs8_der
            .clone()
            .unwrap_or_default(),
        key_agreement_private_key: credentials
            .ka
            .private_key_pkcs8_der
            .clone()
            .unwrap_or_default(),
    }
}

/// The wire enum of a key usage.
pub(crate) fn usage_field(usage: Option<KeyUsage>) -> proto::KeyUsage {
    match usage {
        None => proto::KeyUsage::Unspecified,
        Some(KeyUsage::DigitalSignature) => proto::KeyUsage::DigitalSignature,
        Some(KeyUsage::KeyAgreement) => proto::KeyUsage::KeyAgreement,
    }
}

/// Parses a `usage` field: unspecified is `None` (any usage); an unknown number is
/// INVALID_ARGUMENT.
pub(crate) fn usage(field: &'static str, value: i32) -> Result<Option<KeyUsage>, Status> {
    match proto::KeyUsage::try_from(value) {
        Ok(proto::KeyUsage::Unspecified) => Ok(None),
        Ok(proto::KeyUsage::DigitalSignature) => Ok(Some(KeyUsage::DigitalSignature)),
        Ok(proto::KeyUsage::KeyAgreement) => Ok(Some(KeyUsage::KeyAgreement)),
        Err(_) => Err(Status::invalid_argument(format!(
            "field {field}: {value} is not a KeyUsage (1 digital signature, 2 key agreement)"
        ))),
    }
}

/// The wire enum of a certificate kind.
pub(crate) fn kind_field(kind: Option<CertificateKind>) -> proto::CertificateKind {
    match kind {
        None => proto::CertificateKind::Unspecified,
        Some(CertificateKind::Organisation) => proto::CertificateKind::Organisation,
        Some(CertificateKind::Device) => proto::CertificateKind::Device,
    }
}

/// Parses a `kind` field: unspecified is `None` (taken from the CSR); an unknown number is
/// INVALID_ARGUMENT.
pub(crate) fn kind(field: &str, value: i32) -> Result<Option<CertificateKind>, Status> {
    match proto::CertificateKind::try_from(value) {
        Ok(proto::CertificateKind::Unspecified) => Ok(None),
        Ok(proto::CertificateKind::Organisation) => Ok(Some(CertificateKind::Organisation)),
        Ok(proto::CertificateKind::Device) => Ok(Some(CertificateKind::Device)),
        Err(_) => Err(Status::invalid_argument(format!(
            "field {field}: {value} is not a CertificateKind (1 organisation, 2 device)"
        ))),
    }
}

/// The wire form of a CSR submission.
pub(crate) fn csr_message(submission: &CsrSubmission) -> proto::CertificateSigningRequest {
    proto::CertificateSigningRequest {
        csr: submission.csr.clone(),
        kind: kind_field(submission.kind) as i32,
        usage: usage_field(submission.usage) as i32,
    }
}

/// A CSR submission from its wire form (the CSR itself is checked when issuing).
pub(crate) fn csr_submission(
    index: usize,
    message: proto::CertificateSigningRequest,
) -> Result<CsrSubmission, Status> {
    let kind = kind(&format!("requests[{index}].kind"), message.kind)?;
    let usage = match proto::KeyUsage::try_from(message.usage) {
        Ok(proto::KeyUsage::Unspecified) => None,
        Ok(proto::KeyUsage::DigitalSignature) => Some(KeyUsage::DigitalSignature),
        Ok(proto::KeyUsage::KeyAgreement) => Some(KeyUsage::KeyAgreement),
        Err(_) => {
            return Err(Status::invalid_argument(format!(
                "field requests[{index}].usage: {} is not a KeyUsage (1 digital signature, 2 key agreement)",
                message.usage
            )))
        }
    };
    Ok(CsrSubmission {
        csr: message.csr,
        kind,
        usage,
    })
}

/// The status of a refused CSR: PERMISSION_DENIED when the requester may not have it,
/// INTERNAL for a fault of the TSP, INVALID_ARGUMENT otherwise; the message names the CSR.
pub(crate) fn csr_refusal(index: usize, error: &CsrError) -> Status {
    let message = format!("requests[{index}]: {error}");
    if error.is_unauthorised() {
        return Status::permission_denied(message);
    }
    if error.is_internal() {
        return Status::internal(message);
    }
    Status::invalid_argument(message)
}

/// Parses a decimal serial number field (non-empty, digits only, at most 49 digits: SMKI
/// serials are at most 20 bytes).
pub(crate) fn serial(field: &'static str, value: &str) -> Result<String, Status> {
    let digits = value.trim();
    if digits.is_empty() || digits.len() > 49 || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(Status::invalid_argument(format!(
            "field {field}: {value:?} is not a decimal serial number"
        )));
    }
    Ok(digits.to_owned())
}

/// Why an answer of the TSP could not be read back into domain types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MalformedAnswer {
    /// The field at fault.
    pub(crate) field: String,
    /// What is wrong with it.
    pub(crate) reason: String,
}

fn malformed(field: impl Into<String>, reason: impl ToString) -> MalformedAnswer {
    MalformedAnswer {
        field: field.into(),
        reason: reason.to_string(),
    }
}

/// A certificate from its wire form (the DER is what counts; the other fields repeat it).
pub(crate) fn certificate_from_record(
    field: &str,
    record: &proto::CertificateRecord,
) -> Result<Certificate, MalformedAnswer> {
    Certificate::from_der(&record.der).map_err(|error| malformed(format!("{field}.der"), error))
}

/// A device's credentials from their wire form, checking that each certificate names the
/// device and each private key matches its certificate.
pub(crate) fn device_credentials_from_message(
    field: &str,
    message: &proto::DeviceCertificates,
) -> Result<DeviceCredentials, MalformedAnswer> {
    let device: Eui64 = message
        .device_id
        .parse()
        .map_err(|error| malformed(format!("{field}.device_id"), error))?;
    let ds = device_identity(
        &format!("{field}.digital_signature"),
        device,
        KeyUsage::DigitalSignature,
        message.digital_signature.as_ref(),
        &message.digital_signature_private_key,
    )?;
    let ka = device_identity(
        &format!("{field}.key_agreement"),
        device,
        KeyUsage::KeyAgreement,
        message.key_agreement.as_ref(),
        &message.key_agreement_private_key,
    )?;
    Ok(DeviceCredentials { device, ds, ka })
}

fn device_identity(
    field: &str,
    device: Eui64,
    usage: KeyUsage,
    record: Option<&proto::CertificateRecord>,
    private_key: &[u8],
) -> Result<Identity, MalformedAnswer> {
    let record = record.ok_or_else(|| malformed(field, "missing"))?;
    let certificate = certificate_from_record(field, record)?;
    if certificate.device_id() != Some(device) {
        return Err(malformed(
            field,
            format!("the certificate is not device {device}'s"),
        ));
    }
    if certificate.key_usage() != Some(usage) {
        return Err(malformed(
            field,
            format!("the certificate is not a {usage} certificate"),
        ));
    }
    let private_key = (!private_key.is_empty()).then(|| private_key.to_vec());
    let name = format!("{}-{}", device.to_hex_lower(), usage.file_suffix());
    Identity::new(name, certificate, private_key)
        .map_err(|error| malformed(format!("{field} private key"), error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_must_be_decimal() {
        assert_eq!(serial("serial", " 0042 ").unwrap(), "0042");
        for bad in ["", " ", "4A", "-1", "1.0", &"9".repeat(50)] {
            let status = serial("serial", bad).unwrap_err();
            assert_eq!(status.code(), tonic::Code::InvalidArgument);
            assert!(status.message().starts_with("field serial"));
        }
    }

    #[test]
    fn usages_round_trip_and_unknown_numbers_are_refused() {
        for value in [
            None,
            Some(KeyUsage::DigitalSignature),
            Some(KeyUsage::KeyAgreement),
        ] {
            assert_eq!(usage("usage", usage_field(value) as i32).unwrap(), value);
        }
        for bad in [-1, 3, i32::MAX] {
            assert!(usage("usage", bad)
                .unwrap_err()
                .message()
                .contains("field usage"));
        }
    }

    #[test]
    fn device_messages_are_checked_against_their_device() {
        let pki = smki::TestPki::generate(7, &[], &[]).unwrap();
        let device = Eui64::from_u64(0x00DB_1234_5678_90A0);
        let (ds, ka) = pki.issue_device(device).unwrap();
        let credentials = DeviceCredentials { device, ds, ka };
        let message = device_certificates(&credentials, &CertificateStore::new());
        assert_eq!(
            device_credentials_from_message("devices[0]", &message).unwrap(),
            credentials
        );

        let mut swapped = message.clone();
        swapped.digital_signature_private_key = message.key_agreement_private_key.clone();
        let error = device_credentials_from_message("devices[0]", &swapped).unwrap_err();
        assert_eq!(error.field, "devices[0].digital_signature private key");

        let mut wrong_usage = message.clone();
        wrong_usage.digital_signature = message.key_agreement.clone();
        let error = device_credentials_from_message("devices[0]", &wrong_usage).unwrap_err();
        assert_eq!(error.field, "devices[0].digital_signature");

        let mut other_device = message.clone();
        other_device.device_id = "00DB123456789999".to_owned();
        let error = device_credentials_from_message("devices[0]", &other_device).unwrap_err();
        assert!(
            error.reason.contains("00-DB-12-34-56-78-99-99"),
            "{}",
            error.reason
        );

        let mut missing = message;
        missing.key_agreement = None;
        let error = device_credentials_from_message("devices[0]", &missing).unwrap_err();
        assert_eq!(error.field, "devices[0].key_agreement");
    }
}
