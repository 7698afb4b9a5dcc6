//! The HAN device logs a CHF keeps (its own, `0-0:30.3.0.255`, and its copy of the GPF's,
//! `0-0:30.3.1.255`): adding, removing, reading and restoring the devices allowed to join; and
//! the GPF's own log, which GCS59 restores.

use dcc_model::Eui64;
use gbcs::dlms::Data;

use crate::dlms_exec::{result, RequestOutcome};
use crate::engine::{Command, Device};
use crate::state::HanDeviceLogEntry;
use crate::store::CosemAttribute;

/// The log a method addresses: the CHF's own (E = 0) or the GPF's (E = 1).
fn log(device: &mut Device, logical_name: [u8; 6]) -> Option<&mut Vec<HanDeviceLogEntry>> {
    match logical_name {
        [0, 0, 30, 3, 0, 255] => Some(&mut device.state.han_device_log),
        [0, 0, 30, 3, 1, 255] => Some(&mut device.state.gpf_device_log),
        _ => None,
    }
}

fn device_id(value: &Data) -> Result<Eui64, u8> {
    match value {
        Data::OctetString(bytes) => <[u8; 8]>::try_from(bytes.as_slice())
            .map(Eui64::new)
            .map_err(|_| result::TYPE_UNMATCHED),
        _ => Err(result::TYPE_UNMATCHED),
    }
}

fn entry(id: &Data, install_code: &Data) -> Result<HanDeviceLogEntry, u8> {
    let Data::OctetString(install_code) = install_code else {
        return Err(result::TYPE_UNMATCHED);
    };
    Ok(HanDeviceLogEntry {
        device_id: device_id(id)?,
        install_code: install_code.clone(),
        device_type: None,
    })
}

/// Methods 1 (add a device), 2 (remove one), 4 (read the log) and 5 (restore it).
pub(crate) fn invoke(
    device: &mut Device,
    command: &Command<'_>,
    method: CosemAttribute,
    parameters: &Data,
) -> RequestOutcome {
    let own_id = device.device_id();
    let Some(entries) = log(device, method.obis) else {
        return Err(result::OBJECT_UNAVAILABLE);
    };
    match (method.attribute, parameters) {
        (1, Data::Structure(fields)) => {
            let [id, _, install_code, _] = fields.as_slice() else {
                return Err(result::TYPE_UNMATCHED);
            };
            let added = entry(id, install_code)?;
            entries.retain(|held| held.device_id != added.device_id);
            entries.push(added);
            Ok(Data::Null)
        }
        (2, id) => {
            let id = device_id(id)?;
            entries.retain(|held| held.device_id != id);
            Ok(Data::Null)
        }
        (4, _) => Ok(Data::Structure(vec![
            Data::OctetString(command.now.cosem().to_vec()),
            Data::OctetString(own_id.as_bytes().to_vec()),
            Data::Array(
                entries
                    .iter()
                    .map(|held| {
                        Data::Structure(vec![
                            Data::OctetString(held.device_id.as_bytes().to_vec()),
                            Data::OctetString(held.install_code.clone()),
                        ])
                    })
                    .collect(),
            ),
        ])),
        (5, Data::Structure(fields)) => {
            let [_, Data::Array(restored)] = fields.as_slice() else {
                return Err(result::TYPE_UNMATCHED);
            };
            let mut log = Vec::with_capacity(restored.len());
            for held in restored {
                let Data::Structure(pair) = held else {
                    return Err(result::TYPE_UNMATCHED);
                };
                let [id, install_code] = pair.as_slice() else {
                    return Err(result::TYPE_UNMATCHED);
                };
                log.push(entry(id, install_code)?);
            }
            *entries = log;
            Ok(Data::Null)
        }
        _ => Err(result::TYPE_UNMATCHED),
    }
}

/// GCS59 Restore GPF Device Log: the device log becomes the entries of the command (device and
/// type; a GPF's log keeps no install codes), each answered with its join response code
/// (success, or a fault's code for every entry, the log left as it was).
pub(crate) fn restore_gpf_device_log(
    device: &mut Device,
    command: &Command<'_>,
) -> Result<Vec<u8>, crate::error::DeviceError> {
    use gbcs::han::gcs59;
    let entries = gcs59::decode_command(command.payload()).map_err(|error| {
        crate::error::DeviceError::Malformed(format!("restore GPF device log: {error}"))
    })?;
    let target = crate::fault::FaultTarget::UseCase {
        message_code: command.entry.message_code.0,
    };
    let code = device.state.fault_result(&target).unwrap_or(0);
    if code == 0 {
        device.state.han_device_log = entries
            .iter()
            .map(|entry| HanDeviceLogEntry {
                device_id: entry.device,
                install_code: Vec::new(),
                device_type: Some(entry.device_type.0),
            })
            .collect();
    }
    let outcomes: Vec<_> = entries.into_iter().map(|entry| (entry, code)).collect();
    Ok(gcs59::response_payload(&outcomes))
}
