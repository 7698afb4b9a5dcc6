//! The COSEM attributes the typed state owns: reads return the state (registers, supply,
//! firmware, clock), writes change it, so what a command changes a later read returns.

use gbcs::dlms::Data;

use crate::date_time::DeviceDateTime;
use crate::engine::Device;
use crate::state::MeterVariant;
use crate::store::CosemAttribute;

/// Active firmware identifier (ECS52).
pub const FIRMWARE_VERSION: CosemAttribute = CosemAttribute::new(1, [0, 0, 0, 2, 1, 255], 2);
/// The import energy register list, read through Data Protection (ECS17b).
pub const IMPORT_REGISTERS: CosemAttribute = CosemAttribute::new(1, [0, 0, 94, 44, 34, 10], 2);
/// Disconnect control: output state (supply on or off).
pub const SUPPLY_OUTPUT_STATE: CosemAttribute = CosemAttribute::new(70, [0, 0, 96, 3, 10, 255], 2);
/// Disconnect control: control state (disconnected, connected, ready for reconnection).
pub const SUPPLY_CONTROL_STATE: CosemAttribute = CosemAttribute::new(70, [0, 0, 96, 3, 10, 255], 3);
/// The clock's time.
pub const CLOCK_TIME: CosemAttribute = CosemAttribute::new(8, [0, 0, 1, 0, 0, 255], 2);
/// Active import register (total).
pub const ACTIVE_IMPORT: CosemAttribute = CosemAttribute::new(3, [1, 0, 1, 8, 0, 255], 2);
/// Active export register.
pub const ACTIVE_EXPORT: CosemAttribute = CosemAttribute::new(3, [1, 0, 2, 8, 0, 255], 2);
/// The TOU registers, read through Data Protection (ECS17d).
pub const TOU_REGISTERS: CosemAttribute = CosemAttribute::new(1, [0, 0, 94, 44, 34, 1], 2);
/// The TOU-with-blocks registers, read through Data Protection (ECS17e).
pub const TOU_BLOCK_REGISTERS: CosemAttribute = CosemAttribute::new(1, [0, 0, 94, 44, 34, 2], 2);
/// The prepayment registers, read through Data Protection (ECS19).
pub const PREPAYMENT_REGISTERS: CosemAttribute = CosemAttribute::new(1, [0, 0, 94, 44, 34, 30], 2);
/// The meter balance (ECS82).
pub const METER_BALANCE: CosemAttribute = CosemAttribute::new(112, [0, 0, 19, 10, 0, 255], 2);
/// The CHF device log with the HAN communications of each device (CCS06).
pub const CHF_DEVICE_LOG: CosemAttribute = CosemAttribute::new(104, [0, 0, 30, 3, 0, 255], 4);

/// COSEM physical unit codes.
pub mod unit {
    pub const WATT_HOUR: u8 = 30;
    pub const VAR_HOUR: u8 = 32;
}

/// `{scaler, unit}` of a register.
pub fn scaler_unit(scaler: i8, unit: u8) -> Data {
    Data::Structure(vec![Data::Integer(scaler), Data::Enum(unit)])
}

/// The value of an attribute the state owns, `None` for the others.
pub(crate) fn read(
    device: &Device,
    attribute: CosemAttribute,
    now: DeviceDateTime,
) -> Option<Data> {
    let state = &device.state;
    Some(match attribute {
        FIRMWARE_VERSION => Data::OctetString(state.firmware_version.clone()),
        IMPORT_REGISTERS => {
            let mut registers = vec![
                Data::DoubleLongUnsigned(state.active_import_at(now.seconds_since_2000())),
                scaler_unit(0, unit::WATT_HOUR),
                Data::DoubleLongUnsigned(state.reactive_import_varh),
                scaler_unit(0, unit::VAR_HOUR),
            ];
            if state.variant == MeterVariant::Twin {
                registers.push(Data::DoubleLongUnsigned(0));
            }
            Data::Structure(registers)
        }
        SUPPLY_OUTPUT_STATE => {
            Data::Boolean(u8::from(state.supply == crate::state::SupplyState::Enabled))
        }
        SUPPLY_CONTROL_STATE => Data::Enum(state.supply.cosem_control_state()),
        CLOCK_TIME => Data::OctetString(now.cosem().to_vec()),
        ACTIVE_IMPORT => Data::DoubleLongUnsigned(state.active_import_at(now.seconds_since_2000())),
        ACTIVE_EXPORT => Data::DoubleLongUnsigned(state.active_export_wh),
        TOU_REGISTERS => Data::Structure(per_element(state, 48)),
        TOU_BLOCK_REGISTERS => Data::Structure(vec![registers(32)]),
        PREPAYMENT_REGISTERS => Data::Structure(vec![
            Data::DoubleLong(state.meter_balance),
            Data::DoubleLong(state.emergency_credit_balance),
            Data::DoubleLong(0),
            Data::DoubleLong(0),
            Data::DoubleLong(0),
            Data::DoubleLong(0),
        ]),
        METER_BALANCE => Data::DoubleLong(state.meter_balance),
        CHF_DEVICE_LOG => Data::Array(
            state
                .han_device_log
                .iter()
                .map(|entry| han_communications(entry, now))
                .collect(),
        ),
        _ => return None,
    })
}

/// A register array (zeros until the consumption model fills them).
fn registers(count: usize) -> Data {
    Data::Array(vec![Data::DoubleLongUnsigned(0); count])
}

/// Registers per measuring element: one array, two for a twin-element meter.
fn per_element(state: &crate::state::DeviceState, count: usize) -> Vec<Data> {
    match state.variant {
        MeterVariant::Twin => vec![registers(count), registers(count)],
        MeterVariant::Single | MeterVariant::Polyphase => vec![registers(count)],
    }
}

/// A device log entry with the state of its HAN communications: id, status flags, the link's
/// signal levels, counts and the time it was last heard.
fn han_communications(entry: &crate::state::HanDeviceLogEntry, now: DeviceDateTime) -> Data {
    Data::Structure(vec![
        Data::OctetString(entry.device_id.as_bytes().to_vec()),
        Data::BitString {
            bits: 8,
            bytes: vec![0xC0],
        },
        Data::Integer(-40),
        Data::Integer(-60),
        Data::Integer(-90),
        Data::Unsigned(1),
        Data::Unsigned(0),
        Data::Unsigned(0),
        Data::OctetString(now.cosem().to_vec()),
        Data::Unsigned(1),
        Data::Unsigned(0),
        Data::Unsigned(100),
        Data::Unsigned(1),
        Data::Unsigned(1),
    ])
}

/// Writes an attribute the state owns: `None` for the others, else the outcome (the state's
/// attributes that no command may write are read-write-denied).
pub(crate) fn write(
    device: &mut Device,
    attribute: CosemAttribute,
    value: &Data,
    now: DeviceDateTime,
) -> Option<Result<(), u8>> {
    let _ = (value, now);
    read(device, attribute, now)?;
    Some(Err(crate::dlms_exec::result::READ_WRITE_DENIED))
}

/// ZCL metering cluster.
pub const METERING_CLUSTER: u16 = 0x0702;
/// ZCL prepayment cluster.
pub const PREPAYMENT_CLUSTER: u16 = 0x0705;

/// The ZCL supply status: 0 off, 1 off and armed, 2 on.
fn zcl_supply_status(supply: crate::state::SupplyState) -> u64 {
    match supply {
        crate::state::SupplyState::Disabled => 0,
        crate::state::SupplyState::Armed => 1,
        crate::state::SupplyState::Enabled => 2,
    }
}

/// The value of a ZCL attribute the state owns (the gas registers, the firmware version),
/// `None` for the others.
pub(crate) fn read_zcl(
    device: &Device,
    attribute: crate::store::ZclAttribute,
    now: DeviceDateTime,
) -> Option<gbcs::zcl::ZclValue> {
    use gbcs::zcl::{data_type, ZclValue};
    let _ = now;
    let state = &device.state;
    if (attribute.cluster, attribute.attribute) == (PREPAYMENT_CLUSTER, 0x0001) {
        return Some(ZclValue::signed(
            data_type::INT32,
            i64::from(state.meter_balance),
        ));
    }
    if (attribute.cluster, attribute.attribute) == (PREPAYMENT_CLUSTER, 0x0000) {
        return Some(ZclValue::unsigned(
            data_type::BITMAP16,
            u64::from(payment_control_configuration(device)),
        ));
    }
    if attribute.cluster == crate::gas_tariff::PRICE_CLUSTER {
        if let Some(value) =
            crate::gas_tariff::commodity_attribute(&device.store, attribute.attribute)
        {
            return Some(value);
        }
        return crate::gas_tariff::GasTariff::held(&device.store)?.attribute(attribute.attribute);
    }
    if attribute.cluster != METERING_CLUSTER {
        return None;
    }
    Some(match attribute.attribute {
        // Current Meter ID: the firmware version the gas meter runs (GCS38).
        0x0206 => ZclValue::octet_string(state.firmware_version.clone()),
        0x0014 => ZclValue::unsigned(data_type::ENUM8, zcl_supply_status(state.supply)),
        0x0000 => ZclValue::unsigned(data_type::UINT48, state.gas_current_summation_delivered),
        // Current Tier 1–4 Summation Delivered (GCS13c).
        tier @ (0x0100 | 0x0102 | 0x0104 | 0x0106) => ZclValue::unsigned(
            data_type::UINT48,
            gas_tier_summations(state)[usize::from((tier - 0x0100) / 2)],
        ),
        0x0300 => ZclValue::unsigned(data_type::ENUM8, u64::from(state.gas_unit_of_measure)),
        0x0301 => ZclValue::unsigned(data_type::UINT24, u64::from(state.gas_multiplier)),
        0x0302 => ZclValue::unsigned(data_type::UINT24, u64::from(state.gas_divisor)),
        block @ 0x0700..=0x0703 => ZclValue::unsigned(
            data_type::UINT48,
            state.gas_block_counters[usize::from(block - 0x0700)],
        ),
        _ => return None,
    })
}

/// The gas consumed in each TOU tier (1–4): dccsim does not split the meter's consumption by
/// its calendar, so all of it is tier 1's and the tier registers sum to the total register.
pub(crate) fn gas_tier_summations(state: &crate::state::DeviceState) -> [u64; 4] {
    [state.gas_current_summation_delivered, 0, 0, 0]
}

/// The ZCL Payment Control Configuration of a GSME (bit 1: prepayment enabled), as the DCC
/// sets it with 1.6's Change Payment Mode (GCS02 to credit mode, GCS03 to prepayment mode):
/// the configuration last proposed, when it agrees with the meter's payment mode, else the one
/// RTDS's GCS02 or GCS03 proposes for that mode.
pub(crate) fn payment_control_configuration(device: &Device) -> u16 {
    const PREPAYMENT_ENABLED: u16 = 0x0002;
    let prepayment = device.state.payment_mode == crate::state::PaymentMode::Prepayment;
    let proposed = device
        .store
        .zcl(crate::store::ZclAttribute::new(PREPAYMENT_CLUSTER, 0x0000))
        .and_then(gbcs::zcl::ZclValue::as_unsigned)
        .and_then(|value| u16::try_from(value).ok());
    match proposed {
        Some(bits) if (bits & PREPAYMENT_ENABLED != 0) == prepayment => bits,
        _ if prepayment => 0x0897,
        _ => 0x0C94,
    }
}
