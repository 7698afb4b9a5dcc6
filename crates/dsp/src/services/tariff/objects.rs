//! The ESME's COSEM objects that tariff and prepayment commands address, by their GBCS names
//! (interface class and OBIS logical name), their attribute and method numbers, and a builder
//! of the DLMS access-request a command carries.

use gbcs::dlms::{CosemReference, Data, DlmsApdu, RequestSpecification};

/// A COSEM object: interface class and logical name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CosemObject {
    pub class_id: u16,
    pub obis: [u8; 6],
}

impl CosemObject {
    const fn new(class_id: u16, obis: [u8; 6]) -> Self {
        Self { class_id, obis }
    }

    /// The attribute or method `index` of this object.
    pub fn member(self, index: u8) -> CosemReference {
        CosemReference {
            class_id: self.class_id,
            obis: self.obis,
            index,
        }
    }

    /// The logical name as an A-XDR octet string (how objects refer to each other).
    pub fn logical_name(self) -> Data {
        Data::OctetString(self.obis.to_vec())
    }
}

/// Interface classes (IEC 62056-6-2, and GBCS's own class 9000).
pub mod class {
    pub const REGISTER: u16 = 3;
    pub const SCRIPT_TABLE: u16 = 9;
    pub const SCHEDULE: u16 = 10;
    pub const SPECIAL_DAYS_TABLE: u16 = 11;
    pub const ACTIVITY_CALENDAR: u16 = 20;
    pub const REGISTER_MONITOR: u16 = 21;
    pub const ACCOUNT: u16 = 111;
    pub const CREDIT: u16 = 112;
    pub const CHARGE: u16 = 113;
    pub const TOKEN_GATEWAY: u16 = 115;
    pub const GBCS_EXTENDED_DATA: u16 = 9000;
}

/// Attribute numbers by interface class.
pub mod attribute {
    /// Register: value.
    pub const REGISTER_VALUE: u8 = 2;
    /// Schedule, special days table: entries.
    pub const ENTRIES: u8 = 2;
    /// Register monitor: thresholds.
    pub const THRESHOLDS: u8 = 2;
    /// Activity calendar.
    pub const SEASON_PROFILE_PASSIVE: u8 = 7;
    pub const WEEK_PROFILE_TABLE_PASSIVE: u8 = 8;
    pub const DAY_PROFILE_TABLE_PASSIVE: u8 = 9;
    pub const ACTIVATE_PASSIVE_CALENDAR_TIME: u8 = 10;
    /// GBCS extended data.
    pub const VALUE_ACTIVE: u8 = 2;
    pub const VALUE_PASSIVE: u8 = 4;
    pub const ACTIVATE_PASSIVE_VALUE_TIME: u8 = 6;
    /// Account.
    pub const ACCOUNT_MODE_AND_STATUS: u8 = 2;
    pub const CREDIT_CHARGE_CONFIGURATION: u8 = 11;
    pub const ACCOUNT_ACTIVATION_TIME: u8 = 13;
    /// Charge.
    pub const UNIT_CHARGE_PASSIVE: u8 = 6;
    pub const UNIT_CHARGE_ACTIVATION_TIME: u8 = 7;
    pub const PERIOD: u8 = 8;
    pub const PROPORTION: u8 = 13;
}

/// Method numbers by interface class.
pub mod method {
    /// Script table: execute.
    pub const EXECUTE: u8 = 1;
    /// Credit.
    pub const UPDATE_AMOUNT: u8 = 1;
    pub const SET_AMOUNT_TO_VALUE: u8 = 2;
    pub const INVOKE_CREDIT: u8 = 3;
    /// Charge.
    pub const ACTIVATE_PASSIVE_UNIT_CHARGE: u8 = 2;
    pub const UPDATE_TOTAL_AMOUNT_REMAINING: u8 = 4;
    /// Token gateway: enter.
    pub const ENTER: u8 = 1;
}

use class::*;

// Tariff switching.
pub const TARIFF_SWITCHING_TABLE: CosemObject =
    CosemObject::new(ACTIVITY_CALENDAR, [0, 0, 13, 0, 0, 0xFF]);
pub const TARIFF_SWITCHING_TABLE_SECONDARY_ELEMENT: CosemObject =
    CosemObject::new(ACTIVITY_CALENDAR, [0, 0, 13, 0, 1, 0xFF]);
pub const TARIFF_SWITCHING_TABLE_SPECIAL_DAYS: CosemObject =
    CosemObject::new(SPECIAL_DAYS_TABLE, [0, 1, 11, 0, 0, 0xFF]);
pub const TARIFF_SWITCHING_TABLE_SECONDARY_ELEMENT_SPECIAL_DAYS: CosemObject =
    CosemObject::new(SPECIAL_DAYS_TABLE, [0, 1, 11, 0, 1, 0xFF]);
/// The activation time of the tariff switching table's special days.
pub const TARIFF_SWITCHING_TABLE_SPECIAL_DAYS_ACTIVATION: CosemObject =
    CosemObject::new(GBCS_EXTENDED_DATA, [0, 0, 94, 44, 128, 29]);
pub const TARIFF_SWITCHING_TABLE_SECONDARY_ELEMENT_SPECIAL_DAYS_ACTIVATION: CosemObject =
    CosemObject::new(GBCS_EXTENDED_DATA, [0, 0, 94, 44, 128, 30]);
/// The script table the switching tables and block counter reset run (selector: tariff rate).
pub const TARIFF_BLOCK_COUNTER_MATRIX_TOU: CosemObject =
    CosemObject::new(SCRIPT_TABLE, [0, 0, 10, 0, 100, 0xFF]);
/// The script selector that resets the tariff block counter matrix.
pub const RESET_TARIFF_BLOCK_COUNTER_MATRIX_SCRIPT: u16 = 99;

/// The tariff threshold matrix: one register monitor of block thresholds per TOU rate 1–8.
pub const TARIFF_THRESHOLD_MATRIX_BLOCKS: [CosemObject; 8] = [
    CosemObject::new(REGISTER_MONITOR, [0, 0, 16, 1, 11, 0xFF]),
    CosemObject::new(REGISTER_MONITOR, [0, 0, 16, 1, 12, 0xFF]),
    CosemObject::new(REGISTER_MONITOR, [0, 0, 16, 1, 13, 0xFF]),
    CosemObject::new(REGISTER_MONITOR, [0, 0, 16, 1, 14, 0xFF]),
    CosemObject::new(REGISTER_MONITOR, [0, 0, 16, 1, 15, 0xFF]),
    CosemObject::new(REGISTER_MONITOR, [0, 0, 16, 1, 16, 0xFF]),
    CosemObject::new(REGISTER_MONITOR, [0, 0, 16, 1, 17, 0xFF]),
    CosemObject::new(REGISTER_MONITOR, [0, 0, 16, 1, 18, 0xFF]),
];
/// The activation time of the tariff threshold matrix.
pub const TARIFF_THRESHOLD_MATRIX: CosemObject =
    CosemObject::new(GBCS_EXTENDED_DATA, [0, 0, 63, 1, 1, 0xFF]);

// Prices.
pub const CURRENCY_UNIT: CosemObject = CosemObject::new(GBCS_EXTENDED_DATA, [0, 0, 94, 44, 2, 0]);
pub const TARIFF_BLOCK_PRICE_MATRIX_TOU: CosemObject =
    CosemObject::new(CHARGE, [0, 0, 19, 20, 0, 0xFF]);
pub const STANDING_CHARGE: CosemObject = CosemObject::new(CHARGE, [0, 0, 19, 20, 4, 0xFF]);
pub const SECONDARY_TARIFF_TOU_PRICE_MATRIX: CosemObject =
    CosemObject::new(CHARGE, [0, 0, 19, 20, 5, 0xFF]);
/// The registers prices are charged against: active import (primary element) …
pub const ACTIVE_IMPORT_REGISTER: CosemObject = CosemObject::new(REGISTER, [1, 0, 1, 8, 0, 0xFF]);
/// … and the secondary element's active import.
pub const SECONDARY_ELEMENT_ACTIVE_IMPORT_REGISTER: CosemObject =
    CosemObject::new(REGISTER, [1, 20, 1, 8, 0, 0xFF]);

// Debt.
pub const DEBT_RECOVERY_RATES_1: CosemObject = CosemObject::new(CHARGE, [0, 0, 19, 20, 1, 0xFF]);
pub const DEBT_RECOVERY_RATES_2: CosemObject = CosemObject::new(CHARGE, [0, 0, 19, 20, 2, 0xFF]);
pub const DEBT_RECOVERY_PER_PAYMENT: CosemObject =
    CosemObject::new(CHARGE, [0, 0, 19, 20, 3, 0xFF]);

// Credit and account.
pub const METER_BALANCE: CosemObject = CosemObject::new(CREDIT, [0, 0, 19, 10, 0, 0xFF]);
pub const EMERGENCY_CREDIT_BALANCE: CosemObject = CosemObject::new(CREDIT, [0, 0, 19, 10, 1, 0xFF]);
pub const ACCUMULATED_DEBT_REGISTER: CosemObject =
    CosemObject::new(CREDIT, [0, 0, 19, 10, 2, 0xFF]);
/// The account: payment mode, credit and charge configuration (SuspendDebtDisabled,
/// SuspendDebtEmergency) and activation time.
pub const ACCOUNT: CosemObject = CosemObject::new(class::ACCOUNT, [0, 1, 19, 0, 0, 0xFF]);
pub const PREPAYMENT_CREDIT: CosemObject = CosemObject::new(TOKEN_GATEWAY, [0, 0, 19, 40, 0, 0xFF]);

// Prepayment configuration (GBCS extended data).
pub const PREPAYMENT_CREDIT_MAX_METER_BALANCE: CosemObject =
    CosemObject::new(GBCS_EXTENDED_DATA, [0, 0, 94, 44, 2, 20]);
pub const PREPAYMENT_CREDIT_MAX_CREDIT_THRESHOLD: CosemObject =
    CosemObject::new(GBCS_EXTENDED_DATA, [0, 0, 94, 44, 2, 10]);
pub const EMERGENCY_CREDIT_LIMIT: CosemObject =
    CosemObject::new(GBCS_EXTENDED_DATA, [0, 0, 94, 44, 128, 2]);
pub const EMERGENCY_CREDIT_THRESHOLD: CosemObject =
    CosemObject::new(GBCS_EXTENDED_DATA, [0, 0, 94, 44, 128, 3]);
pub const LOW_CREDIT_THRESHOLD: CosemObject =
    CosemObject::new(GBCS_EXTENDED_DATA, [0, 0, 94, 44, 128, 9]);
pub const DEBT_RECOVERY_RATE_CAP_AMOUNT: CosemObject =
    CosemObject::new(GBCS_EXTENDED_DATA, [0, 0, 94, 44, 128, 12]);
pub const DEBT_RECOVERY_RATE_CAP_PERIOD: CosemObject =
    CosemObject::new(GBCS_EXTENDED_DATA, [0, 0, 94, 44, 128, 13]);
pub const DISABLEMENT_THRESHOLD_METER_BALANCE: CosemObject =
    CosemObject::new(GBCS_EXTENDED_DATA, [0, 0, 94, 44, 128, 22]);
/// The non-disablement calendar and its special days, with their activation times.
pub const NON_DISABLEMENT_CALENDAR: CosemObject =
    CosemObject::new(SCHEDULE, [0, 1, 12, 0, 1, 0xFF]);
pub const NON_DISABLEMENT_CALENDAR_SPECIAL_DAYS: CosemObject =
    CosemObject::new(SPECIAL_DAYS_TABLE, [0, 1, 11, 0, 2, 0xFF]);
pub const NON_DISABLEMENT_CALENDAR_ACTIVATION: CosemObject =
    CosemObject::new(GBCS_EXTENDED_DATA, [0, 0, 94, 44, 128, 28]);
pub const NON_DISABLEMENT_CALENDAR_SPECIAL_DAYS_ACTIVATION: CosemObject =
    CosemObject::new(GBCS_EXTENDED_DATA, [0, 0, 94, 44, 128, 31]);
/// The script table the non-disablement calendar runs (selectors start and stop).
pub const NON_DISABLEMENT_SCRIPT_TABLE: CosemObject =
    CosemObject::new(SCRIPT_TABLE, [0, 0, 10, 0, 106, 0xFF]);

/// The requests of a DLMS access-request and their data, in the order they are added.
#[derive(Debug, Default)]
pub struct AccessRequest {
    specifications: Vec<RequestSpecification>,
    data: Vec<Data>,
}

impl AccessRequest {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `attribute` of `object` to `value`.
    pub fn set(&mut self, object: CosemObject, attribute: u8, value: Data) -> &mut Self {
        self.specifications
            .push(RequestSpecification::Set(object.member(attribute)));
        self.data.push(value);
        self
    }

    /// Invokes `method` of `object` with `parameter`.
    pub fn action(&mut self, object: CosemObject, method: u8, parameter: Data) -> &mut Self {
        self.specifications
            .push(RequestSpecification::Action(object.member(method)));
        self.data.push(parameter);
        self
    }

    /// The DLMS payload, with GBCS's long-invoke-id for the command's counter.
    pub fn encode(&self, counter: u64) -> Vec<u8> {
        DlmsApdu::AccessRequest {
            long_invoke_id: u32::from_be_bytes(gbcs::use_case::dlms::long_invoke_id(counter)),
            date_time: Vec::new(),
            specifications: self.specifications.clone(),
            data: self.data.clone(),
        }
        .encode()
    }
}
