//! The use cases whose payloads are ASN.1 DER (besides the credentials updates and firmware
//! activation): joins and unjoins (CS03, CS04), join details (CS07), PPMID/HCALCS firmware
//! version (CS08), the gas meter's clock (GCS28), the details of the trust anchors (CS02a,
//! CS02f), issuing a new key and taking its certificate (CS02c, CS02d), providing the device's
//! own certificates (CS02e), and (in [`crate::han`]) restoring the GPF's device log (GCS59).
//! Encoded with the `der` crate.

use der::asn1::{BitString, GeneralizedTime, OctetString};
use der::{Decode, Encode, Enumerated, Sequence};
use gbcs::use_case::cs02b::{CellKeyUsage, CellUsage};
use gbcs::MessageCode;
use smki::{Certificate, KeyUsage};

use crate::date_time::DeviceDateTime;
use crate::engine::{Command, Device};
use crate::error::DeviceError;
use crate::fault::FaultTarget;
use crate::handlers::UseCaseHandler;
use crate::state::JoinedDevice;

/// The ASN.1 use cases of this module.
pub(crate) const HANDLERS: &[UseCaseHandler] = &[
    handler(0x0008, provide_credentials_details),
    handler(0x000A, issue_credentials),
    handler(0x000B, update_device_certificate),
    handler(0x000C, provide_device_certificate),
    handler(0x000D, join),
    handler(0x000E, join),
    handler(0x000F, unjoin),
    handler(0x0010, unjoin),
    handler(0x0013, join_details),
    handler(0x007F, set_gas_clock),
    handler(0x008C, crate::han::restore_gpf_device_log),
    handler(0x00AB, join),
    handler(0x00AF, join),
    handler(0x011B, provide_credentials_details),
    handler(0x0129, firmware_version),
];

const fn handler(
    code: u16,
    execute: fn(&mut Device, &Command<'_>) -> Result<Vec<u8>, DeviceError>,
) -> UseCaseHandler {
    UseCaseHandler {
        message_code: MessageCode(code),
        execute,
    }
}

fn malformed(what: &str, error: der::Error) -> DeviceError {
    DeviceError::Malformed(format!("{what}: {error}"))
}

fn encoded(value: &impl Encode) -> Result<Vec<u8>, DeviceError> {
    value
        .to_der()
        .map_err(|error| DeviceError::NotSupported(format!("encoding the response: {error}")))
}

/// The result code a fault on this use case gives, if any.
fn fault(device: &Device, command: &Command<'_>) -> Option<u8> {
    device.state.fault_result(&FaultTarget::UseCase {
        message_code: command.entry.message_code.0,
    })
}

/// The fault in the details of one role of a credentials details read.
fn role_fault(device: &Device, command: &Command<'_>, role: u8) -> Option<u8> {
    device.state.fault_result(&FaultTarget::RoleDetails {
        message_code: command.entry.message_code.0,
        role,
    })
}

/// A response that is one INTEGER result code (joins, unjoins, certificate updates).
fn result_code(code: u8) -> Result<Vec<u8>, DeviceError> {
    encoded(&code)
}

/// CS03 join command: the method, the other device, its type and (method C) its certificate.
#[derive(Debug, Sequence)]
struct JoinRequest {
    method: u8,
    device: OctetString,
    device_type: u8,
    #[asn1(optional = "true")]
    certificate: Option<der::Any>,
}

/// CS03A1, A2, B, C: the other device joins this one.
fn join(device: &mut Device, command: &Command<'_>) -> Result<Vec<u8>, DeviceError> {
    let request =
        JoinRequest::from_der(command.payload()).map_err(|error| malformed("join", error))?;
    if let Some(code) = fault(device, command) {
        return result_code(code);
    }
    let id = <[u8; 8]>::try_from(request.device.as_bytes())
        .map(dcc_model::Eui64::new)
        .map_err(|_| DeviceError::Malformed("join: the device id is not 8 bytes".to_owned()))?;
    let joined = &mut device.state.joined_devices;
    joined.retain(|held| held.device_id != id);
    joined.push(JoinedDevice {
        device_id: id,
        device_type: request.device_type,
    });
    result_code(0)
}

/// CS04AC, CS04B: the other device (an OCTET STRING) leaves.
fn unjoin(device: &mut Device, command: &Command<'_>) -> Result<Vec<u8>, DeviceError> {
    let id =
        OctetString::from_der(command.payload()).map_err(|error| malformed("unjoin", error))?;
    if let Some(code) = fault(device, command) {
        return result_code(code);
    }
    device
        .state
        .joined_devices
        .retain(|held| held.device_id.as_bytes() != id.as_bytes());
    result_code(0)
}

#[derive(Debug, Sequence)]
struct JoinedEntry {
    device: OctetString,
    device_type: u8,
}

#[derive(Debug, Sequence)]
struct JoinDetails {
    status: u8,
    #[asn1(optional = "true")]
    devices: Option<Vec<JoinedEntry>>,
}

/// CS07: the devices joined to this one.
fn join_details(device: &mut Device, command: &Command<'_>) -> Result<Vec<u8>, DeviceError> {
    if let Some(code) = fault(device, command) {
        return encoded(&JoinDetails {
            status: code,
            devices: None,
        });
    }
    let devices = device
        .state
        .joined_devices
        .iter()
        .map(|joined| {
            Ok(JoinedEntry {
                device: octets(joined.device_id.as_bytes())?,
                device_type: joined.device_type,
            })
        })
        .collect::<Result<Vec<_>, DeviceError>>()?;
    encoded(&JoinDetails {
        status: 0,
        devices: Some(devices),
    })
}

fn octets(bytes: &[u8]) -> Result<OctetString, DeviceError> {
    OctetString::new(bytes).map_err(|error| DeviceError::NotSupported(error.to_string()))
}

#[derive(Debug, Sequence)]
struct FirmwareVersion {
    version: OctetString,
    status: u8,
}

/// CS08: the PPMID's or HCALCS's firmware version.
fn firmware_version(device: &mut Device, command: &Command<'_>) -> Result<Vec<u8>, DeviceError> {
    let response = match fault(device, command) {
        Some(code) => FirmwareVersion {
            version: octets(&[0; 4])?,
            status: code,
        },
        None => FirmwareVersion {
            version: octets(&device.state.firmware_version)?,
            status: 0,
        },
    };
    encoded(&response)
}

#[derive(Debug, Sequence)]
struct ClockWindow {
    from: GeneralizedTime,
    to: GeneralizedTime,
}

#[derive(Debug, Sequence)]
struct ClockSet {
    time: GeneralizedTime,
    status: u8,
}

/// Device Time Status of a gas meter whose clock was not set (the window did not hold its
/// Comms Hub's time).
const CLOCK_UNRELIABLE: u8 = 2;
/// Clock not adjusted (outside tolerance).
const CLOCK_NOT_ADJUSTED: gbcs::alert::AlertCode = gbcs::alert::AlertCode(0x81C6);

/// GCS28: the gas meter takes its Comms Hub's time when that time lies inside the window, and
/// answers with its clock as it then is: set and reliable, or as it was, unreliable (and it
/// raises "clock not adjusted (outside tolerance)").
fn set_gas_clock(device: &mut Device, command: &Command<'_>) -> Result<Vec<u8>, DeviceError> {
    let window =
        ClockWindow::from_der(command.payload()).map_err(|error| malformed("clock", error))?;
    let seconds = |time: &GeneralizedTime| {
        i64::try_from(time.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
    };
    let host = command
        .host_now
        .to_offset_date_time()
        .map(|instant| instant.unix_timestamp())
        .unwrap_or(0);
    let inside = seconds(&window.from) <= host && host <= seconds(&window.to);
    let fault = fault(device, command);
    let time = match (fault, inside) {
        (None, true) => {
            device.state.clock_offset_seconds = 0;
            command.host_now
        }
        (None, false) => {
            let _ = device.raise(CLOCK_NOT_ADJUSTED, command.now);
            command.now
        }
        (Some(_), _) => command.now,
    };
    let status = match (fault, inside) {
        (Some(code), _) => code,
        (None, true) => 0,
        (None, false) => CLOCK_UNRELIABLE,
    };
    encoded(&ClockSet {
        time: generalized_time(time)?,
        status,
    })
}

/// A device date-time as an ASN.1 GeneralizedTime.
fn generalized_time(at: DeviceDateTime) -> Result<GeneralizedTime, DeviceError> {
    der::DateTime::new(at.year, at.month, at.day, at.hour, at.minute, at.second)
        .map(GeneralizedTime::from_date_time)
        .map_err(|error| malformed("clock", error))
}

/// The response key of a CS02a command (ignored: the response is MACed or signed) and the
/// roles whose anchors are asked for.
#[derive(Debug, Sequence)]
struct DetailsRequest {
    response: der::Any,
    roles: Vec<u8>,
}

/// A cell's status in a credentials details response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enumerated)]
#[repr(u8)]
enum DetailsStatus {
    Success = 0,
    TrustAnchorNotFound = 25,
    Other = 127,
}

#[derive(Debug, Sequence)]
struct CellDetails {
    key_usage: BitString,
    #[asn1(optional = "true")]
    cell_usage: Option<u8>,
    subject_unique_id: OctetString,
    subject_key_id: OctetString,
}

#[derive(Debug, Sequence)]
struct RoleDetails {
    role: u8,
    status: DetailsStatus,
    #[asn1(optional = "true")]
    seq_number: Option<u64>,
    #[asn1(optional = "true")]
    cells: Option<Vec<CellDetails>>,
}

/// CS02a, CS02f: for each role asked for, the cells the device holds (key usage, cell usage,
/// the party and the key identifier of its certificate) and the last counter accepted from it.
fn provide_credentials_details(
    device: &mut Device,
    command: &Command<'_>,
) -> Result<Vec<u8>, DeviceError> {
    let request = DetailsRequest::from_der(command.payload())
        .map_err(|error| malformed("credentials details", error))?;
    let failed = fault(device, command);
    let mut answers = Vec::with_capacity(request.roles.len());
    for role in request.roles {
        let mut cells = Vec::new();
        let mut party = None;
        for (cell, anchor) in device
            .anchors
            .cells()
            .filter(|(cell, _)| cell.role.0 == role)
        {
            party = Some(anchor.party);
            let key_usage = match cell.key_usage {
                CellKeyUsage::DigitalSignature => [0x80],
                CellKeyUsage::KeyAgreement => [0x08],
                CellKeyUsage::KeyCertSign => [0x04],
            };
            let unused = match cell.key_usage {
                CellKeyUsage::DigitalSignature => 7,
                CellKeyUsage::KeyAgreement => 3,
                CellKeyUsage::KeyCertSign => 2,
            };
            cells.push(CellDetails {
                key_usage: BitString::new(unused, key_usage.to_vec())
                    .map_err(|error| DeviceError::NotSupported(error.to_string()))?,
                cell_usage: (cell.cell_usage == CellUsage::PrepaymentTopUp).then_some(1),
                subject_unique_id: octets(anchor.party.as_bytes())?,
                subject_key_id: octets(
                    &anchor
                        .certificate
                        .as_ref()
                        .and_then(Certificate::subject_key_identifier)
                        .unwrap_or_default(),
                )?,
            });
        }
        let answer = match (
            failed.or_else(|| role_fault(device, command, role)),
            cells.is_empty(),
        ) {
            (Some(_), _) => RoleDetails {
                role,
                status: DetailsStatus::Other,
                seq_number: None,
                cells: None,
            },
            (None, true) => RoleDetails {
                role,
                status: DetailsStatus::TrustAnchorNotFound,
                seq_number: None,
                cells: None,
            },
            (None, false) => RoleDetails {
                role,
                status: DetailsStatus::Success,
                seq_number: Some(
                    party
                        .and_then(|party| device.last_accepted_counter(party))
                        .unwrap_or(0),
                ),
                cells: Some(cells),
            },
        };
        answers.push(answer);
    }
    encoded(&answers)
}

#[derive(Debug, Sequence)]
struct IssueRequest {
    key_usage: BitString,
}

/// CS02c: the device makes a new key pair of the usage asked for and answers with a PKCS#10
/// request for its certificate; the key waits for CS02d.
fn issue_credentials(device: &mut Device, command: &Command<'_>) -> Result<Vec<u8>, DeviceError> {
    let request = IssueRequest::from_der(command.payload())
        .map_err(|error| malformed("issue credentials", error))?;
    if let Some(code) = fault(device, command) {
        return result_code(code);
    }
    let usage = match request.key_usage.raw_bytes().first() {
        Some(byte) if byte & 0x80 != 0 => KeyUsage::DigitalSignature,
        _ => KeyUsage::KeyAgreement,
    };
    let scalar = crate::keys::derived_scalar(
        device.device_id(),
        b"issued key",
        command.apdu.header.transaction.counter,
    );
    let secret = p256::SecretKey::from_slice(&scalar)
        .map_err(|error| DeviceError::NotSupported(format!("a new key: {error}")))?;
    let pkcs8 = p256::pkcs8::EncodePrivateKey::to_pkcs8_der(&secret)
        .map_err(|error| DeviceError::NotSupported(format!("a new key: {error}")))?;
    let csr = smki::build_csr(
        &smki::CsrSubject::Device {
            id: device.device_id(),
        },
        usage,
        pkcs8.as_bytes(),
    )
    .map_err(|error| DeviceError::NotSupported(format!("a certificate request: {error}")))?;
    device.pending_key = Some((usage, scalar));
    Ok(csr)
}

/// Result of CS02d when the certificate is not for a key the device holds.
const NOT_OUR_KEY: u8 = 3;

/// CS02d (the payload is the certificate): the device takes the certificate of the key it
/// made for CS02c, and from then uses that key; a certificate for the key it already uses for
/// that purpose (a renewal) replaces the certificate the device holds for it.
fn update_device_certificate(
    device: &mut Device,
    command: &Command<'_>,
) -> Result<Vec<u8>, DeviceError> {
    let certificate = Certificate::from_der(command.payload())
        .map_err(|error| DeviceError::Malformed(format!("device certificate: {error}")))?;
    if let Some(code) = fault(device, command) {
        return result_code(code);
    }
    let sec1 = certificate.public_key_sec1();
    if let Some((usage, scalar)) = device.pending_key {
        if device.install_key(usage, &scalar, &certificate) {
            device.pending_key = None;
            return result_code(0);
        }
    }
    let renewed = certificate
        .key_usage()
        .filter(|usage| device.keys.holds_public_key(*usage, &sec1));
    let Some(usage) = renewed else {
        return result_code(NOT_OUR_KEY);
    };
    device.keys.hold_certificate(usage, certificate);
    result_code(0)
}

/// CS02e (`SEQUENCE { keyUsage }`): the device's certificate of that key usage, or
/// `INTEGER` 1 (a key usage other than digital signature or key agreement alone), 2 (no
/// certificate held for it) or a fault's code.
fn provide_device_certificate(
    device: &mut Device,
    command: &Command<'_>,
) -> Result<Vec<u8>, DeviceError> {
    use gbcs::credentials::cs02e;
    let request = IssueRequest::from_der(command.payload())
        .map_err(|error| malformed("provide device certificate", error))?;
    if let Some(code) = fault(device, command) {
        return Ok(cs02e::response_payload(Err(code)));
    }
    let usage = match (
        request.key_usage.unused_bits(),
        request.key_usage.raw_bytes(),
    ) {
        (7, [0x80]) => KeyUsage::DigitalSignature,
        (3, [0x08]) => KeyUsage::KeyAgreement,
        _ => return Ok(cs02e::response_payload(Err(cs02e::INVALID_KEY_USAGE))),
    };
    let Some(certificate) = device.keys.certificate(usage) else {
        return Ok(cs02e::response_payload(Err(cs02e::NO_CERTIFICATE_HELD)));
    };
    Ok(cs02e::response_payload(Ok(certificate.der())))
}
