//! The methods of COSEM objects: what an ACTION does, by interface class (and, for script
//! tables, by script).

use gbcs::dlms::Data;

use crate::date_time::DeviceDateTime;
use crate::dlms_exec::{result, RequestOutcome};
use crate::engine::{Command, Device};
use crate::state::{ClockPreset, SupplyState};
use crate::store::CosemAttribute;

/// Class 8 Clock: method 4 `adjust_to_preset_time`, method 5 `preset_adjusting_time`.
const CLOCK: u16 = 8;
const ADJUST_TO_PRESET_TIME: u8 = 4;
const PRESET_ADJUSTING_TIME: u8 = 5;
/// Clock not adjusted (outside tolerance).
const CLOCK_NOT_ADJUSTED: gbcs::alert::AlertCode = gbcs::alert::AlertCode(0x81C6);
/// Class 30 Data Protection.
const DATA_PROTECTION: u16 = 30;
/// Class 9 Script table.
const SCRIPT_TABLE: u16 = 9;
/// The disconnect control script table (supply enable, disable, arm).
const DISCONNECT_CONTROL_SCRIPTS: [u8; 6] = [0, 0, 10, 0, 106, 255];
/// Scripts of the disconnect control script table: close the load switch (ECS42), open it
/// (ECS43), arm it for the consumer to close (ECS44).
const ENABLE_SUPPLY_SCRIPT: u16 = 0x0033;
const DISABLE_SUPPLY_SCRIPT: u16 = 0x0034;
const ARM_SUPPLY_SCRIPT: u16 = 0x0036;

/// Class 3 Register and class 4 Extended register: method 1 resets the value.
const REGISTER: u16 = 3;
const EXTENDED_REGISTER: u16 = 4;
/// Class 104 ZigBee network control: the HAN device logs.
const HAN_DEVICE_LOG: u16 = 104;
/// Class 112 Credit: method 1 adds to the amount, method 2 sets it.
const CREDIT: u16 = 112;
/// Class 115 Token gateway: method 1 enters a token (a UTRN).
const TOKEN_GATEWAY: u16 = 115;

/// Invokes method `method.attribute` of the object with `parameters`. A method of an object the
/// device has, with no behaviour of its own here, succeeds without return data.
pub(crate) fn invoke(
    device: &mut Device,
    command: &Command<'_>,
    method: CosemAttribute,
    parameters: &Data,
) -> RequestOutcome {
    match (method.class_id, method.attribute) {
        (CLOCK, PRESET_ADJUSTING_TIME) => preset_adjusting_time(device, parameters),
        (CLOCK, ADJUST_TO_PRESET_TIME) => adjust_to_preset_time(device, command),
        (DATA_PROTECTION, 1) => get_protected_attributes(device, command, parameters),
        (SCRIPT_TABLE, 1) => execute_script(device, command, method.obis, parameters),
        (REGISTER | EXTENDED_REGISTER, 1) => reset_register(device, method),
        (HAN_DEVICE_LOG, _) => crate::han::invoke(device, command, method, parameters),
        (CREDIT, 1 | 2) => adjust_credit(device, method, parameters),
        (TOKEN_GATEWAY, 1) => enter_token(device, command, parameters),
        (crate::profiles::PROFILE_GENERIC, _) if crate::profiles::is_profile(method.obis) => {
            Ok(Data::Null)
        }
        _ if device.store.has_cosem_object(method.class_id, method.obis) => Ok(Data::Null),
        _ => Err(result::OBJECT_UNAVAILABLE),
    }
}

/// Clock `preset_adjusting_time(preset time, validity interval start, end)`: ECS70 sends the
/// preset as "not specified", for the meter takes its Comms Hub's time, and bounds when it may.
fn preset_adjusting_time(device: &mut Device, parameters: &Data) -> RequestOutcome {
    let Data::Structure(fields) = parameters else {
        return Err(result::TYPE_UNMATCHED);
    };
    let [Data::OctetString(_preset), Data::OctetString(from), Data::OctetString(to)] =
        fields.as_slice()
    else {
        return Err(result::TYPE_UNMATCHED);
    };
    let (Some(valid_from), Some(valid_to)) = (
        DeviceDateTime::from_cosem(from),
        DeviceDateTime::from_cosem(to),
    ) else {
        return Err(result::OTHER_REASON);
    };
    device.state.clock_preset = Some(ClockPreset {
        valid_from,
        valid_to,
    });
    Ok(Data::Null)
}

/// Clock `adjust_to_preset_time`: the meter takes its Comms Hub's time when that time lies in
/// the preset validity interval; otherwise its clock stays as it was, and it raises "clock not
/// adjusted (outside tolerance)". Reading the clock afterwards tells which happened.
fn adjust_to_preset_time(device: &mut Device, command: &Command<'_>) -> RequestOutcome {
    let Some(preset) = device.state.clock_preset.take() else {
        return Err(result::OTHER_REASON);
    };
    if preset.valid_from <= command.host_now && command.host_now <= preset.valid_to {
        device.state.clock_offset_seconds = 0;
        return Ok(Data::Null);
    }
    // The alert is the meter's report, not the command's outcome: an alert the device type
    // cannot raise is no reason to fail the action.
    let _ = device.raise(CLOCK_NOT_ADJUSTED, command.now);
    Ok(Data::Null)
}

/// Register `reset`: the value goes back to zero.
fn reset_register(device: &mut Device, method: CosemAttribute) -> RequestOutcome {
    let value = CosemAttribute::new(method.class_id, method.obis, 2);
    match device.store.cosem(value) {
        Some(Data::DoubleLongUnsigned(_)) => {
            device.store.set_cosem(value, Data::DoubleLongUnsigned(0));
            Ok(Data::Null)
        }
        Some(_) => Ok(Data::Null),
        None => Err(result::OBJECT_UNAVAILABLE),
    }
}

/// Credit `update_amount` (method 1, adds) and `set_amount_to_value` (method 2). The meter
/// balance is the state's; other credits are store values.
fn adjust_credit(device: &mut Device, method: CosemAttribute, parameters: &Data) -> RequestOutcome {
    let Data::DoubleLong(amount) = parameters else {
        return Err(result::TYPE_UNMATCHED);
    };
    let value = CosemAttribute::new(method.class_id, method.obis, 2);
    let current = match value {
        crate::bindings::METER_BALANCE => device.state.meter_balance,
        _ => match device.store.cosem(value) {
            Some(Data::DoubleLong(current)) => *current,
            _ => return Err(result::OBJECT_UNAVAILABLE),
        },
    };
    let updated = match method.attribute {
        1 => current.saturating_add(*amount),
        _ => *amount,
    };
    match value {
        crate::bindings::METER_BALANCE => device.state.meter_balance = updated,
        _ => device.store.set_cosem(value, Data::DoubleLong(updated)),
    }
    Ok(Data::Null)
}

/// Token gateway `enter`: a UTRN, applied to the meter balance when it is authentic and new
/// ([`Device::apply_utrn`]); a refused one fails the action.
fn enter_token(device: &mut Device, command: &Command<'_>, parameters: &Data) -> RequestOutcome {
    let Data::OctetString(token) = parameters else {
        return Err(result::TYPE_UNMATCHED);
    };
    let text = std::str::from_utf8(token).map_err(|_| result::OTHER_REASON)?;
    device
        .apply_utrn(text, command.now)
        .map(|_| Data::Null)
        .map_err(|_| result::OTHER_REASON)
}

/// Script table `execute(script id)`.
fn execute_script(
    device: &mut Device,
    command: &Command<'_>,
    table: [u8; 6],
    parameters: &Data,
) -> RequestOutcome {
    let Data::LongUnsigned(script) = parameters else {
        return Err(result::TYPE_UNMATCHED);
    };
    if table != DISCONNECT_CONTROL_SCRIPTS {
        return Ok(Data::Null);
    }
    device.state.supply = match *script {
        ENABLE_SUPPLY_SCRIPT => SupplyState::Enabled,
        DISABLE_SUPPLY_SCRIPT => SupplyState::Disabled,
        ARM_SUPPLY_SCRIPT => {
            device
                .state
                .log_event(command.now, crate::state::SUPPLY_ARMED_EVENT, false);
            SupplyState::Armed
        }
        _ => return Err(result::OBJECT_UNAVAILABLE),
    };
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
        .encrypt_for(command, &plaintext)
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
