//! The methods of COSEM objects: what an ACTION does, by interface class (and, for script
//! tables, by script).

use gbcs::dlms::Data;

use crate::dlms_exec::{result, RequestOutcome};
use crate::engine::{Command, Device};
use crate::state::SupplyState;
use crate::store::CosemAttribute;

/// Class 30 Data Protection.
const DATA_PROTECTION: u16 = 30;
/// Class 9 Script table.
const SCRIPT_TABLE: u16 = 9;
/// The disconnect control script table (supply enable, disable, arm).
const DISCONNECT_CONTROL_SCRIPTS: [u8; 6] = [0, 0, 10, 0, 106, 255];
/// Script of the disconnect control script table that closes the load switch (ECS42).
const ENABLE_SUPPLY_SCRIPT: u16 = 0x0033;

/// Invokes method `method.attribute` of the object with `parameters`.
pub(crate) fn invoke(
    device: &mut Device,
    command: &Command<'_>,
    method: CosemAttribute,
    parameters: &Data,
) -> RequestOutcome {
    match (method.class_id, method.attribute) {
        (DATA_PROTECTION, 1) => get_protected_attributes(device, command, parameters),
        (SCRIPT_TABLE, 1) => execute_script(device, method.obis, parameters),
        _ if device.store.has_cosem_object(method.class_id, method.obis) => Ok(Data::Null),
        _ => Err(result::OBJECT_UNAVAILABLE),
    }
}

/// Script table `execute(script id)`.
fn execute_script(device: &mut Device, table: [u8; 6], parameters: &Data) -> RequestOutcome {
    let Data::LongUnsigned(script) = parameters else {
        return Err(result::TYPE_UNMATCHED);
    };
    if table == DISCONNECT_CONTROL_SCRIPTS && *script == ENABLE_SUPPLY_SCRIPT {
        device.state.supply = SupplyState::Enabled;
    }
    Ok(Data::Null)
}

/// Data Protection `get_protected_attributes(object list, protection parameters)`: reads the
/// listed attributes (with their selective access), encrypts them for the requester and
/// answers `{protection parameters, ciphered data}`, the parameters echoed with originator and
/// recipient swapped.
fn get_protected_attributes(
    device: &mut Device,
    command: &Command<'_>,
    parameters: &Data,
) -> RequestOutcome {
    let Data::Structure(fields) = parameters else {
        return Err(result::TYPE_UNMATCHED);
    };
    let [Data::Array(objects), Data::Array(protection)] = fields.as_slice() else {
        return Err(result::TYPE_UNMATCHED);
    };
    let mut values = Vec::with_capacity(objects.len());
    for object in objects {
        values.push(read_protected_object(device, command, object)?);
    }
    let plaintext = Data::Structure(values).encode();
    let block = device
        .encrypt_for(command.response_header, &plaintext)
        .map_err(|_| result::OTHER_REASON)?;
    Ok(Data::Structure(vec![
        Data::Array(protection.iter().map(swap_parties).collect()),
        Data::OctetString(block),
    ]))
}

/// One `object_definition {class, OBIS, attribute, data index, access selection}` read.
fn read_protected_object(device: &Device, command: &Command<'_>, object: &Data) -> RequestOutcome {
    let Data::Structure(fields) = object else {
        return Err(result::TYPE_UNMATCHED);
    };
    let [Data::LongUnsigned(class_id), Data::OctetString(obis), Data::Integer(attribute), _, selection] =
        fields.as_slice()
    else {
        return Err(result::TYPE_UNMATCHED);
    };
    let (Ok(obis), Ok(attribute)) = (
        <[u8; 6]>::try_from(obis.as_slice()),
        u8::try_from(*attribute),
    ) else {
        return Err(result::OBJECT_UNDEFINED);
    };
    let target = CosemAttribute::new(*class_id, obis, attribute);
    match selection {
        Data::Structure(selection) => match selection.as_slice() {
            [Data::Enum(0), _] => device.read_attribute(target, command.now),
            [Data::Enum(selector), parameters] => {
                device.read_selected(target, *selector, parameters, command.now)
            }
            _ => Err(result::TYPE_UNMATCHED),
        },
        _ => device.read_attribute(target, command.now),
    }
}

/// A protection parameters entry with its originator and recipient system titles swapped.
fn swap_parties(entry: &Data) -> Data {
    let Data::Structure(fields) = entry else {
        return entry.clone();
    };
    let swapped = fields
        .iter()
        .map(|field| match field {
            Data::Structure(inner) if inner.len() >= 3 => {
                let mut inner = inner.clone();
                inner.swap(1, 2);
                Data::Structure(inner)
            }
            other => other.clone(),
        })
        .collect();
    Data::Structure(swapped)
}
