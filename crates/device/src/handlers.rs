//! What a device does with a verified command. Most use cases need no code of their own: the
//! generic DLMS GET/SET/ACTION handler ([`crate::dlms_exec`]) and the generic ZCL handler
//! ([`crate::zcl_exec`]) answer them from the object store, with the behaviours of the COSEM
//! objects and ZCL clusters they address. The table below covers the use cases whose payload
//! is neither (ASN.1) or whose side effects reach beyond one object.

use gbcs::catalogue::PayloadKind;
use gbcs::MessageCode;

use crate::engine::{Command, Device};
use crate::error::DeviceError;

/// One row of the handler table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UseCaseHandler {
    pub message_code: MessageCode,
    /// Runs the use case on the device; returns the response payload.
    pub execute: fn(&mut Device, &Command<'_>) -> Result<Vec<u8>, DeviceError>,
}

/// The use cases with a handler of their own: credentials updates, firmware activation and the
/// other ASN.1 ones.
fn handlers() -> impl Iterator<Item = &'static UseCaseHandler> {
    crate::credentials::HANDLERS
        .iter()
        .chain(crate::firmware::HANDLERS)
        .chain(crate::asn1::HANDLERS)
}

/// Runs a verified command whose use case applies to the device; returns the response payload.
pub(crate) fn execute(device: &mut Device, command: &Command<'_>) -> Result<Vec<u8>, DeviceError> {
    let message_code = command.entry.message_code;
    if let Some(handler) = handlers().find(|handler| handler.message_code == message_code) {
        return (handler.execute)(device, command);
    }
    let payload = command.payload();
    match command.entry.payload {
        PayloadKind::Dlms => crate::dlms_exec::execute(device, command),
        PayloadKind::Gbz => crate::zcl_exec::execute(device, command),
        PayloadKind::DlmsOrGbz if payload.first() == Some(&gbcs::dlms::ACCESS_REQUEST) => {
            crate::dlms_exec::execute(device, command)
        }
        PayloadKind::DlmsOrGbz => crate::zcl_exec::execute(device, command),
        PayloadKind::Asn1 | PayloadKind::Unknown => Err(DeviceError::NotSupported(format!(
            "{} ({message_code})",
            command.entry.name
        ))),
    }
}
