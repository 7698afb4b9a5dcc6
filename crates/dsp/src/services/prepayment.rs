//! Prepayment services: 1.5 Update Meter Balance (ECS04a/b, GCS40a/b/c/d), 1.6 Update Payment
//! Mode (ECS02/03, GCS02/03), 1.7 Reset Tariff Block Counter Matrix (ECS05), 2.1 Update Prepay
//! Configuration (ECS08/08a, GCS05), 2.2 Top Up Device (CS01a/b), 2.3 Update Debt (ECS07,
//! GCS04) and 2.5 Activate Emergency Credit (ECS09, GCS06).
//!
//! Where the shared sample of RTDS has no reference message (ECS03, ECS09, GCS06, GCS40b,
//! GCS40c), the whole RTDS set's messages decided the layout.

use duis::catalogue::ServiceDefinition;
use duis::BodyElement;
use gbcs::dlms::Data;
use gbcs::zse::calendar::{ScheduleEntry, CALENDAR_TYPE_FRIENDLY_CREDIT};
use gbcs::zse::prepayment::{
    ChangeDebt, ChangePaymentMode, ConsumerTopUp, CreditAdjustment, EmergencyCreditSetup,
    SelectAvailableEmergencyCredit, SetLowCreditWarningLevel, SetMaximumCreditLimit,
    SetOverallDebtCap, DEBT_AMOUNT_PAYMENT_BASED_INCREMENTAL, DEBT_AMOUNT_TIME_BASED_1_INCREMENTAL,
    DEBT_AMOUNT_TIME_BASED_2_INCREMENTAL, DEBT_RECOVERY_PAYMENT_BASED, DEBT_RECOVERY_PER_DAY,
    DEBT_RECOVERY_PER_HOUR, DEBT_RECOVERY_TIME_BASED, ORIGINATING_DEVICE_ENERGY_SERVICE_INTERFACE,
};
use gbcs::zse::{numbered, ClusterCommand, UtcTime};

use super::body_reader::{Element, XsDate};
use super::tariff::calendar::{
    check_references, cosem_time, distinct, issuer_event_id, read_gas_seasons, zcl_special_days,
    zigbee_minutes, Activation, CalendarDate, DateSchema, GsmeCalendar, SpecialDay, WeekProfile,
    CANCEL_PUBLISHED_START_TIME, CANCEL_START_TIME, PROVIDER_ID,
};
use super::tariff::objects::{attribute, method, AccessRequest, CosemObject};
use super::tariff::objects::{
    ACCOUNT, ACCUMULATED_DEBT_REGISTER, DEBT_RECOVERY_PER_PAYMENT, DEBT_RECOVERY_RATES_1,
    DEBT_RECOVERY_RATES_2, DEBT_RECOVERY_RATE_CAP_AMOUNT, DEBT_RECOVERY_RATE_CAP_PERIOD,
    DISABLEMENT_THRESHOLD_METER_BALANCE, EMERGENCY_CREDIT_BALANCE, EMERGENCY_CREDIT_LIMIT,
    EMERGENCY_CREDIT_THRESHOLD, LOW_CREDIT_THRESHOLD, METER_BALANCE, NON_DISABLEMENT_CALENDAR,
    NON_DISABLEMENT_CALENDAR_ACTIVATION, NON_DISABLEMENT_CALENDAR_SPECIAL_DAYS,
    NON_DISABLEMENT_CALENDAR_SPECIAL_DAYS_ACTIVATION, NON_DISABLEMENT_SCRIPT_TABLE,
    PREPAYMENT_CREDIT, PREPAYMENT_CREDIT_MAX_CREDIT_THRESHOLD, PREPAYMENT_CREDIT_MAX_METER_BALANCE,
    RESET_TARIFF_BLOCK_COUNTER_MATRIX_SCRIPT, SECONDARY_TARIFF_TOU_PRICE_MATRIX, STANDING_CHARGE,
    TARIFF_BLOCK_COUNTER_MATRIX_TOU, TARIFF_BLOCK_PRICE_MATRIX_TOU,
};
use super::tariff::{unit_charge, use_case_for_fuel, Fuel};
use super::{
    run, use_case_named, CommandContext, DeviceCommand, DeviceProfile, EsmeVariant, ServiceRequest,
    Transform,
};
use crate::rejection::Rejection;

pub(super) const SERVICES: &[(&str, Transform)] = &[
    ("1.5", run::<UpdateMeterBalance>),
    ("1.6", run::<UpdatePaymentMode>),
    ("1.7", run::<ResetTariffBlockCounterMatrix>),
    ("2.1", run::<UpdatePrepayConfiguration>),
    ("2.2", run::<TopUpDevice>),
    ("2.3", run::<UpdateDebt>),
    ("2.5", run::<ActivateEmergencyCredit>),
];

/// What a command for an ESME depends on beyond the device type, from its inventory record
/// (the command context's [`DeviceProfile`]): whether the ESME has a secondary element (a twin
/// element ESME, variant B), whose price matrix the account charges too, and whether its GBCS
/// version takes ECS08a (maximum meter balance set as a passive value, activated with the rest)
/// rather than the ECS08 it superseded (set active).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct EsmeProfile {
    pub twin_element: bool,
    pub takes_ecs08a: bool,
}

impl EsmeProfile {
    /// A single element ESME of the current GBCS version, which takes ECS08a.
    #[cfg(test)]
    pub const ASSUMED: Self = Self {
        twin_element: false,
        takes_ecs08a: true,
    };

    /// The ESME the inventory describes.
    pub fn of(device: DeviceProfile) -> Self {
        Self {
            twin_element: device.esme_variant == EsmeVariant::TwinElement,
            takes_ecs08a: !device.takes_superseded_use_cases,
        }
    }
}

/// Refuses any content in an empty body type.
fn empty_body(body: &BodyElement) -> Result<(), Rejection> {
    let root = Element::root(body);
    root.only(&[])?;
    if !body.text.is_empty() {
        return Err(root.malformed("must be empty"));
    }
    Ok(())
}

/// Which balance 1.5 changes: the prepayment mode meter balance or the credit mode one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BalanceMode {
    Prepayment,
    Credit,
}

/// What 1.5 does to the balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BalanceChange {
    Adjust(i32),
    Reset,
}

/// ZSE Credit Adjustment types of the GSME's meter balance adjustments. RTDS shows 0x00 for
/// GCS40a and 0x02 for GCS40d; the other two follow ZSE (0x01 credit absolute) and GBCS's
/// extension of it to credit mode (0x02 absolute, 0x03 incremental).
const CREDIT_INCREMENTAL: u8 = 0x00;
const CREDIT_ABSOLUTE: u8 = 0x01;
const CREDIT_MODE_ABSOLUTE: u8 = 0x02;
const CREDIT_MODE_INCREMENTAL: u8 = 0x03;

/// 1.5 Update Meter Balance.
#[derive(Debug, Clone, PartialEq, Eq)]
struct UpdateMeterBalance {
    mode: BalanceMode,
    change: BalanceChange,
}

impl ServiceRequest for UpdateMeterBalance {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        let root = Element::root(body);
        root.only(&["PrepaymentMode", "CreditMode"])?;
        let (which, balance) = root.choice(&["PrepaymentMode", "CreditMode"])?;
        balance.only(&["AdjustMeterBalance", "ResetMeterBalance"])?;
        let change = match balance.choice(&["AdjustMeterBalance", "ResetMeterBalance"])? {
            (0, amount) => BalanceChange::Adjust(amount.value()?),
            (_, reset) => reset.empty().map(|_| BalanceChange::Reset)?,
        };
        let mode = match which {
            0 => BalanceMode::Prepayment,
            _ => BalanceMode::Credit,
        };
        Ok(Self { mode, change })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let (electricity, gas, adjustment_type) = match (self.mode, self.change) {
            (BalanceMode::Prepayment, BalanceChange::Adjust(_)) => {
                ("ECS04a", "GCS40a", CREDIT_INCREMENTAL)
            }
            (BalanceMode::Prepayment, BalanceChange::Reset) => {
                ("ECS04b", "GCS40b", CREDIT_ABSOLUTE)
            }
            (BalanceMode::Credit, BalanceChange::Adjust(_)) => {
                ("ECS04a", "GCS40c", CREDIT_MODE_INCREMENTAL)
            }
            (BalanceMode::Credit, BalanceChange::Reset) => {
                ("ECS04b", "GCS40d", CREDIT_MODE_ABSOLUTE)
            }
        };
        let (use_case, fuel) = use_case_for_fuel(service, context, None, (electricity, gas))?;
        let amount = match self.change {
            BalanceChange::Adjust(amount) => amount,
            BalanceChange::Reset => 0,
        };
        let payload = if fuel == Fuel::Gas {
            numbered(vec![CreditAdjustment {
                issuer_event_id: issuer_event_id(context.now)?.0,
                start_time: UtcTime::NOW,
                credit_adjustment_type: adjustment_type,
                credit_adjustment_value: amount,
            }
            .component()])
            .encode()
        } else {
            // The ESME has one meter balance in both modes: adjust it, or reset it with the
            // emergency credit balance and the accumulated debt.
            let mut request = AccessRequest::new();
            match self.change {
                BalanceChange::Adjust(amount) => {
                    request.action(
                        METER_BALANCE,
                        method::UPDATE_AMOUNT,
                        Data::DoubleLong(amount),
                    );
                }
                BalanceChange::Reset => {
                    for credit in [
                        METER_BALANCE,
                        EMERGENCY_CREDIT_BALANCE,
                        ACCUMULATED_DEBT_REGISTER,
                    ] {
                        request.action(credit, method::SET_AMOUNT_TO_VALUE, Data::DoubleLong(0));
                    }
                }
            }
            request.encode(context.counter())
        };
        Ok(DeviceCommand::new(use_case, context, payload))
    }
}

/// The payment mode 1.6 sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PaymentMode {
    Credit,
    Prepayment {
        suspend_debt_disabled: bool,
        suspend_debt_emergency: bool,
        disablement_threshold: i32,
    },
}

/// COSEM account payment modes.
const PAYMENT_MODE_CREDIT: u8 = 1;
const PAYMENT_MODE_PREPAYMENT: u8 = 2;
/// The account status GBCS sets with a payment mode (RTDS: 1).
const ACCOUNT_STATUS_NEW: u8 = 1;
/// Credit charge collection configuration (bit 0 first): collect when the supply is disabled,
/// collect in load limiting periods, collect in friendly credit periods.
const COLLECT_ALWAYS: [bool; 3] = [true, true, true];
/// RTDS's collection of time-based debts while debt collection is suspended with the supply
/// disabled (bit-string `C0`).
const COLLECT_BUT_THE_LAST: [bool; 3] = [true, true, false];

/// ZSE Payment Control Configuration of GCS02 and GCS03: credit mode; prepayment mode, with
/// bit 10 when debt collection is suspended while the supply is disabled and bit 11 unless it
/// is suspended in emergency credit.
const PAYMENT_CONTROL_CREDIT_MODE: u16 = 0x0C94;
const PAYMENT_CONTROL_PREPAYMENT_MODE: u16 = 0x0097;
const PAYMENT_CONTROL_SUSPEND_DEBT_DISABLED: u16 = 0x0400;
const PAYMENT_CONTROL_COLLECT_DEBT_IN_EMERGENCY: u16 = 0x0800;
/// The cut off value of credit mode (RTDS: -1).
const CREDIT_MODE_CUT_OFF_VALUE: i32 = -1;

/// 1.6 Update Payment Mode.
#[derive(Debug, Clone, PartialEq, Eq)]
struct UpdatePaymentMode {
    activation: Activation,
    mode: PaymentMode,
}

impl ServiceRequest for UpdatePaymentMode {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        let root = Element::root(body);
        root.only(&["ExecutionDateTime", "Credit", "Prepayment"])?;
        let mode = match root.choice(&["Credit", "Prepayment"])? {
            (0, credit) => credit.empty().map(|_| PaymentMode::Credit)?,
            (_, prepayment) => {
                prepayment.only(&[
                    "SuspendDebtDisabled",
                    "SuspendDebtEmergency",
                    "DisablementThreshold",
                ])?;
                PaymentMode::Prepayment {
                    suspend_debt_disabled: prepayment.child("SuspendDebtDisabled")?.boolean()?,
                    suspend_debt_emergency: prepayment.child("SuspendDebtEmergency")?.boolean()?,
                    disablement_threshold: prepayment.number("DisablementThreshold")?,
                }
            }
        };
        Ok(Self {
            activation: Activation::read(&root)?,
            mode,
        })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        self.command_for(service, context, EsmeProfile::of(context.device_profile))
    }
}

impl UpdatePaymentMode {
    fn command_for(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
        esme: EsmeProfile,
    ) -> Result<DeviceCommand, Rejection> {
        let ids = match self.mode {
            PaymentMode::Credit => ("ECS02", "GCS02"),
            PaymentMode::Prepayment { .. } => ("ECS03", "GCS03"),
        };
        let (use_case, fuel) = use_case_for_fuel(service, context, None, ids)?;
        let payload = if fuel == Fuel::Gas {
            self.gsme_payload(context)?
        } else {
            self.esme_payload(context.counter(), esme)
        };
        Ok(DeviceCommand::new(use_case, context, payload))
    }

    /// ECS02 / ECS03: the account's payment mode and the credits that pay each charge, from the
    /// activation time. ECS03 also sets the disablement threshold, a passive value activated
    /// with the mode; its credit charge configuration is RTDS's: the meter balance pays the
    /// energy charges and the debts, emergency credit the same, and the accumulated debt
    /// register the standing charge and time-based debts when debt collection in emergency
    /// credit is suspended; time-based debts leave out the last collection bit while debt
    /// collection is suspended with the supply disabled; a twin element ESME's secondary
    /// charge comes last, paid by the meter balance and by emergency credit.
    fn esme_payload(&self, counter: u64, esme: EsmeProfile) -> Vec<u8> {
        let mut request = AccessRequest::new();
        let mode = match self.mode {
            PaymentMode::Credit => PAYMENT_MODE_CREDIT,
            PaymentMode::Prepayment { .. } => PAYMENT_MODE_PREPAYMENT,
        };
        request.set(
            ACCOUNT,
            attribute::ACCOUNT_MODE_AND_STATUS,
            Data::Structure(vec![Data::Enum(mode), Data::Enum(ACCOUNT_STATUS_NEW)]),
        );
        let configuration = match self.mode {
            PaymentMode::Credit => {
                let mut charges = vec![TARIFF_BLOCK_PRICE_MATRIX_TOU, STANDING_CHARGE];
                if esme.twin_element {
                    charges.push(SECONDARY_TARIFF_TOU_PRICE_MATRIX);
                }
                charges
                    .into_iter()
                    .map(|charge| (METER_BALANCE, charge, COLLECT_ALWAYS))
                    .collect()
            }
            PaymentMode::Prepayment {
                suspend_debt_disabled,
                suspend_debt_emergency,
                disablement_threshold,
            } => {
                request.set(
                    DISABLEMENT_THRESHOLD_METER_BALANCE,
                    attribute::VALUE_PASSIVE,
                    Data::DoubleLong(disablement_threshold),
                );
                prepayment_credit_charges(
                    suspend_debt_disabled,
                    suspend_debt_emergency,
                    esme.twin_element,
                )
            }
        };
        request.set(
            ACCOUNT,
            attribute::CREDIT_CHARGE_CONFIGURATION,
            Data::Array(
                configuration
                    .into_iter()
                    .map(|(credit, charge, collection)| {
                        Data::Structure(vec![
                            credit.logical_name(),
                            charge.logical_name(),
                            bit_string(&collection),
                        ])
                    })
                    .collect(),
            ),
        );
        if matches!(self.mode, PaymentMode::Prepayment { .. }) {
            request.set(
                DISABLEMENT_THRESHOLD_METER_BALANCE,
                attribute::ACTIVATE_PASSIVE_VALUE_TIME,
                self.activation.cosem(),
            );
        }
        request.set(
            ACCOUNT,
            attribute::ACCOUNT_ACTIVATION_TIME,
            self.activation.cosem(),
        );
        request.encode(counter)
    }

    /// GCS02 / GCS03: ZSE Change Payment Mode.
    fn gsme_payload(&self, context: &CommandContext) -> Result<Vec<u8>, Rejection> {
        let (configuration, cut_off_value) = match self.mode {
            PaymentMode::Credit => (PAYMENT_CONTROL_CREDIT_MODE, CREDIT_MODE_CUT_OFF_VALUE),
            PaymentMode::Prepayment {
                suspend_debt_disabled,
                suspend_debt_emergency,
                disablement_threshold,
            } => {
                let mut configuration = PAYMENT_CONTROL_PREPAYMENT_MODE;
                if suspend_debt_disabled {
                    configuration |= PAYMENT_CONTROL_SUSPEND_DEBT_DISABLED;
                }
                if !suspend_debt_emergency {
                    configuration |= PAYMENT_CONTROL_COLLECT_DEBT_IN_EMERGENCY;
                }
                (configuration, disablement_threshold)
            }
        };
        Ok(numbered(vec![ChangePaymentMode {
            provider_id: PROVIDER_ID,
            issuer_event_id: issuer_event_id(context.now)?.0,
            implementation_date_time: self.activation.zigbee(CANCEL_START_TIME),
            proposed_payment_control_configuration: configuration,
            cut_off_value,
        }
        .component()])
        .encode())
    }
}

/// ECS03's credit charge configuration (credit, charge, collection), as RTDS's three ECS03
/// commands give it for each combination of the body's suspensions.
fn prepayment_credit_charges(
    suspend_debt_disabled: bool,
    suspend_debt_emergency: bool,
    twin_element: bool,
) -> Vec<(CosemObject, CosemObject, [bool; 3])> {
    let time_based = if suspend_debt_disabled {
        COLLECT_BUT_THE_LAST
    } else {
        COLLECT_ALWAYS
    };
    let mut charges = vec![
        (METER_BALANCE, TARIFF_BLOCK_PRICE_MATRIX_TOU, COLLECT_ALWAYS),
        (METER_BALANCE, STANDING_CHARGE, COLLECT_ALWAYS),
        (METER_BALANCE, DEBT_RECOVERY_RATES_1, time_based),
        (METER_BALANCE, DEBT_RECOVERY_RATES_2, time_based),
        (METER_BALANCE, DEBT_RECOVERY_PER_PAYMENT, COLLECT_ALWAYS),
        (
            EMERGENCY_CREDIT_BALANCE,
            DEBT_RECOVERY_PER_PAYMENT,
            COLLECT_ALWAYS,
        ),
        (
            EMERGENCY_CREDIT_BALANCE,
            TARIFF_BLOCK_PRICE_MATRIX_TOU,
            COLLECT_ALWAYS,
        ),
        (EMERGENCY_CREDIT_BALANCE, STANDING_CHARGE, COLLECT_ALWAYS),
        (EMERGENCY_CREDIT_BALANCE, DEBT_RECOVERY_RATES_1, time_based),
        (EMERGENCY_CREDIT_BALANCE, DEBT_RECOVERY_RATES_2, time_based),
    ];
    if suspend_debt_emergency {
        charges.extend([
            (ACCUMULATED_DEBT_REGISTER, STANDING_CHARGE, COLLECT_ALWAYS),
            (
                ACCUMULATED_DEBT_REGISTER,
                DEBT_RECOVERY_RATES_1,
                COLLECT_ALWAYS,
            ),
            (
                ACCUMULATED_DEBT_REGISTER,
                DEBT_RECOVERY_RATES_2,
                COLLECT_ALWAYS,
            ),
        ]);
    }
    if twin_element {
        charges.extend([
            (
                METER_BALANCE,
                SECONDARY_TARIFF_TOU_PRICE_MATRIX,
                COLLECT_ALWAYS,
            ),
            (
                EMERGENCY_CREDIT_BALANCE,
                SECONDARY_TARIFF_TOU_PRICE_MATRIX,
                COLLECT_ALWAYS,
            ),
        ]);
    }
    charges
}

/// An A-XDR bit-string of `bits` (bit 0 first, most significant bit of the first byte).
fn bit_string(bits: &[bool]) -> Data {
    let mut bytes = vec![0u8; bits.len().div_ceil(8)];
    for (position, _) in bits.iter().enumerate().filter(|(_, set)| **set) {
        bytes[position / 8] |= 0x80 >> (position % 8);
    }
    Data::BitString {
        bits: bits.len(),
        bytes,
    }
}

/// 1.7 Reset Tariff Block Counter Matrix: ECS05 runs the block counter reset script.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ResetTariffBlockCounterMatrix;

impl ServiceRequest for ResetTariffBlockCounterMatrix {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        empty_body(body).map(|_| Self)
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = use_case_named(service, "ECS05", context.device_type)?;
        let mut request = AccessRequest::new();
        request.action(
            TARIFF_BLOCK_COUNTER_MATRIX_TOU,
            method::EXECUTE,
            Data::LongUnsigned(RESET_TARIFF_BLOCK_COUNTER_MATRIX_SCRIPT),
        );
        Ok(DeviceCommand::new(
            use_case,
            context,
            request.encode(context.counter()),
        ))
    }
}

/// The scripts of the non-disablement script table: start and stop a non-disablement period.
const NON_DISABLEMENT_START_SCRIPT: u16 = 32;
const NON_DISABLEMENT_STOP_SCRIPT: u16 = 33;
/// A schedule entry may run any time after its switch time (validity window not limited).
const VALIDITY_WINDOW_NOT_LIMITED: u16 = 0xFFFF;
/// The period of the debt recovery rate cap: a week (RTDS: 604,800 s).
const DEBT_RECOVERY_RATE_CAP_PERIOD_SECONDS: i32 = 7 * 24 * 60 * 60;

/// One `ElectricityNonDisablementSchedule`: a COSEM schedule entry of the non-disablement
/// calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
struct NonDisablementSchedule {
    start: bool,
    special_day_ids: Vec<u8>,
    /// Monday to Sunday.
    days_of_week: [bool; 7],
    switch_time: time::Time,
    start_date: XsDate,
    end_date: XsDate,
}

const DAYS_OF_WEEK: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

impl NonDisablementSchedule {
    fn read(schedule: &Element<'_>) -> Result<Self, Rejection> {
        schedule.only(&[
            "NonDisablementScript",
            "SpecialDaysApplicability",
            "DaysOfWeekApplicability",
            "ScheduleDatesAndTime",
        ])?;
        let special_days = schedule.child("SpecialDaysApplicability")?;
        special_days.only(&["SpecialDayApplicability"])?;
        let special_day_ids = special_days
            .children("SpecialDayApplicability", 0, 20)?
            .iter()
            .map(|day| {
                day.only(&["SpecialDayID"])?;
                day.child("SpecialDayID")?.integer_in(1u8, 20)
            })
            .collect::<Result<Vec<_>, Rejection>>()?;
        let days = schedule.child("DaysOfWeekApplicability")?;
        days.only(&["DayOfWeekApplicability"])?;
        let mut days_of_week = [false; 7];
        for day in days.children("DayOfWeekApplicability", 0, 7)? {
            day.only(&["DayOfWeekID"])?;
            days_of_week[day.child("DayOfWeekID")?.enumeration(&DAYS_OF_WEEK)?] = true;
        }
        let dates = schedule.child("ScheduleDatesAndTime")?;
        dates.only(&["SwitchTime", "StartDate", "EndDate"])?;
        Ok(Self {
            start: schedule
                .child("NonDisablementScript")?
                .enumeration(&["START", "STOP"])?
                == 0,
            special_day_ids,
            days_of_week,
            switch_time: dates.child("SwitchTime")?.time_of_day()?,
            start_date: dates.child("StartDate")?.date()?,
            end_date: dates.child("EndDate")?.date()?,
        })
    }

    /// The schedule entry (`index` from 1); `special_days` is the number of special day ids
    /// the execution bit-string covers.
    fn entry(&self, index: u16, special_days: usize) -> Data {
        let special_day_bits: Vec<bool> = (1..=special_days)
            .map(|id| {
                self.special_day_ids
                    .iter()
                    .any(|day| usize::from(*day) == id)
            })
            .collect();
        Data::Structure(vec![
            Data::LongUnsigned(index),
            Data::Boolean(0xFF),
            NON_DISABLEMENT_SCRIPT_TABLE.logical_name(),
            Data::LongUnsigned(if self.start {
                NON_DISABLEMENT_START_SCRIPT
            } else {
                NON_DISABLEMENT_STOP_SCRIPT
            }),
            cosem_time(self.switch_time).to_data(),
            Data::LongUnsigned(VALIDITY_WINDOW_NOT_LIMITED),
            bit_string(&self.days_of_week),
            bit_string(&special_day_bits),
            schedule_date(self.start_date),
            schedule_date(self.end_date),
        ])
    }
}

/// A schedule's date: year 65535 (as DUIS writes it) is "every year".
fn schedule_date(date: XsDate) -> Data {
    gbcs::cosem_time::CosemDate::new(
        u16::try_from(date.year).unwrap_or(gbcs::cosem_time::YEAR_NOT_SPECIFIED),
        date.month,
        date.day,
    )
    .to_data()
}

/// `UpdatePrepayConfigElec`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ElectricityPrepayConfiguration {
    debt_recovery_rate_cap: u16,
    emergency_credit_limit: i32,
    emergency_credit_threshold: i32,
    low_credit_threshold: i32,
    /// (index 1–20, date) of the non-disablement calendar's special days.
    special_days: Vec<(u8, CalendarDate)>,
    schedules: Vec<NonDisablementSchedule>,
    max_meter_balance: i32,
    max_credit_threshold: i32,
}

impl ElectricityPrepayConfiguration {
    fn read(element: &Element<'_>) -> Result<Self, Rejection> {
        element.only(&[
            "DebtRecoveryRateCap",
            "EmergencyCreditLimit",
            "EmergencyCreditThreshold",
            "LowCreditThreshold",
            "ElectricityNonDisablementCalendar",
            "MaxMeterBalance",
            "MaxCreditThreshold",
        ])?;
        let calendar = element.child("ElectricityNonDisablementCalendar")?;
        calendar.only(&[
            "ElectricitySpecialDays",
            "ElectricityNonDisablementSchedule",
        ])?;
        let days = calendar.child("ElectricitySpecialDays")?;
        days.only(&["SpecialDay"])?;
        let special_days = days
            .indexed("SpecialDay", (0, 20), (1, 20))?
            .into_iter()
            .map(|(index, day)| {
                day.only(&["Date"])?;
                Ok((
                    index,
                    CalendarDate::read(&day.child("Date")?, DateSchema::Electricity)?,
                ))
            })
            .collect::<Result<Vec<_>, Rejection>>()?;
        let schedules = calendar
            .children("ElectricityNonDisablementSchedule", 1, 22)?
            .iter()
            .map(NonDisablementSchedule::read)
            .collect::<Result<Vec<_>, Rejection>>()?;
        check_references(
            &calendar,
            "special day",
            special_days.iter().map(|(index, _)| *index),
            schedules
                .iter()
                .flat_map(|schedule| schedule.special_day_ids.iter().copied()),
        )?;
        Ok(Self {
            debt_recovery_rate_cap: element.number("DebtRecoveryRateCap")?,
            emergency_credit_limit: element.number("EmergencyCreditLimit")?,
            emergency_credit_threshold: element.number("EmergencyCreditThreshold")?,
            low_credit_threshold: element.number("LowCreditThreshold")?,
            special_days,
            schedules,
            max_meter_balance: element.number("MaxMeterBalance")?,
            max_credit_threshold: element.number("MaxCreditThreshold")?,
        })
    }

    /// ECS08 / ECS08a: the non-disablement calendar, credit limits and thresholds and the debt
    /// recovery rate cap as passive values (ECS08 sets the maximum meter balance active), then
    /// their activation times.
    fn payload(&self, counter: u64, activation: Activation, esme: EsmeProfile) -> Vec<u8> {
        let special_day_bits = self
            .special_days
            .iter()
            .map(|(index, _)| usize::from(*index))
            .max()
            .unwrap_or(0);
        let special_days = Data::Array(
            self.special_days
                .iter()
                .map(|(index, date)| {
                    Data::Structure(vec![
                        Data::LongUnsigned(u16::from(*index)),
                        date.to_cosem().to_data(),
                        Data::Unsigned(*index),
                    ])
                })
                .collect(),
        );
        let schedule = Data::Array(
            self.schedules
                .iter()
                .zip(1u16..)
                .map(|(schedule, index)| schedule.entry(index, special_day_bits))
                .collect(),
        );
        let max_meter_balance_value = if esme.takes_ecs08a {
            attribute::VALUE_PASSIVE
        } else {
            attribute::VALUE_ACTIVE
        };
        let mut request = AccessRequest::new();
        request
            .set(
                NON_DISABLEMENT_CALENDAR_SPECIAL_DAYS,
                attribute::ENTRIES,
                special_days,
            )
            .set(
                PREPAYMENT_CREDIT_MAX_METER_BALANCE,
                max_meter_balance_value,
                Data::DoubleLong(self.max_meter_balance),
            )
            .set(
                PREPAYMENT_CREDIT_MAX_CREDIT_THRESHOLD,
                attribute::VALUE_PASSIVE,
                Data::DoubleLong(self.max_credit_threshold),
            )
            .set(NON_DISABLEMENT_CALENDAR, attribute::ENTRIES, schedule)
            .set(
                DEBT_RECOVERY_RATE_CAP_AMOUNT,
                attribute::VALUE_PASSIVE,
                Data::LongUnsigned(self.debt_recovery_rate_cap),
            )
            .set(
                DEBT_RECOVERY_RATE_CAP_PERIOD,
                attribute::VALUE_PASSIVE,
                Data::DoubleLong(DEBT_RECOVERY_RATE_CAP_PERIOD_SECONDS),
            )
            .set(
                LOW_CREDIT_THRESHOLD,
                attribute::VALUE_PASSIVE,
                Data::DoubleLong(self.low_credit_threshold),
            )
            .set(
                EMERGENCY_CREDIT_LIMIT,
                attribute::VALUE_PASSIVE,
                Data::DoubleLong(self.emergency_credit_limit),
            )
            .set(
                NON_DISABLEMENT_CALENDAR_SPECIAL_DAYS_ACTIVATION,
                attribute::ACTIVATE_PASSIVE_VALUE_TIME,
                activation.cosem(),
            )
            .set(
                EMERGENCY_CREDIT_THRESHOLD,
                attribute::VALUE_PASSIVE,
                Data::DoubleLong(self.emergency_credit_threshold),
            );
        for value in [
            PREPAYMENT_CREDIT_MAX_METER_BALANCE,
            PREPAYMENT_CREDIT_MAX_CREDIT_THRESHOLD,
            DEBT_RECOVERY_RATE_CAP_AMOUNT,
            DEBT_RECOVERY_RATE_CAP_PERIOD,
            LOW_CREDIT_THRESHOLD,
            EMERGENCY_CREDIT_LIMIT,
            EMERGENCY_CREDIT_THRESHOLD,
            NON_DISABLEMENT_CALENDAR_ACTIVATION,
        ] {
            request.set(
                value,
                attribute::ACTIVATE_PASSIVE_VALUE_TIME,
                activation.cosem(),
            );
        }
        request.encode(counter)
    }
}

/// `UpdatePrepayConfigGas`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct GasPrepayConfiguration {
    debt_recovery_rate_cap: i32,
    emergency_credit_limit: u32,
    emergency_credit_threshold: u32,
    low_credit_threshold: u32,
    /// Day id and its (minutes after midnight, friendly credit on) entries.
    day_profiles: Vec<(u8, Vec<ScheduleEntry>)>,
    week_profiles: Vec<WeekProfile>,
    seasons: Vec<(gbcs::zse::ZclDate, u8)>,
    special_days: Vec<SpecialDay>,
    max_meter_balance: u32,
    max_credit_threshold: u32,
}

/// The GSME's non-disablement calendar names days 1–5 and weeks 1–2.
const GAS_NON_DISABLEMENT_DAY_IDS: u8 = 5;
const GAS_NON_DISABLEMENT_WEEK_IDS: u8 = 2;

impl GasPrepayConfiguration {
    fn read(element: &Element<'_>) -> Result<Self, Rejection> {
        element.only(&[
            "DebtRecoveryRateCap",
            "EmergencyCreditLimit",
            "EmergencyCreditThreshold",
            "LowCreditThreshold",
            "GasNonDisablementCalendar",
            "MaxMeterBalance",
            "MaxCreditThreshold",
        ])?;
        let calendar = element.child("GasNonDisablementCalendar")?;
        calendar.only(&[
            "DayProfiles",
            "WeekProfiles",
            "SeasonProfiles",
            "SpecialDays",
        ])?;
        let profiles = calendar.child("DayProfiles")?;
        profiles.only(&["GasNonDisablementDayProfile"])?;
        let day_profiles = profiles
            .children("GasNonDisablementDayProfile", 1, 5)?
            .iter()
            .map(|profile| {
                profile.only(&["TimeStartAction", "GasDayName"])?;
                let entries = profile
                    .children("TimeStartAction", 1, 3)?
                    .iter()
                    .map(|action| {
                        action.only(&["StartTime", "NonDisablementAction"])?;
                        let start = action.child("StartTime")?;
                        Ok(ScheduleEntry {
                            start_minutes: zigbee_minutes(start.time_of_day()?, &start)?,
                            value: u8::from(
                                action
                                    .child("NonDisablementAction")?
                                    .enumeration(&["STOP", "START"])?
                                    == 1,
                            ),
                        })
                    })
                    .collect::<Result<Vec<_>, Rejection>>()?;
                Ok((
                    profile
                        .child("GasDayName")?
                        .integer_in(1u8, GAS_NON_DISABLEMENT_DAY_IDS)?,
                    entries,
                ))
            })
            .collect::<Result<Vec<_>, Rejection>>()?;
        let day_profiles = distinct(&profiles, day_profiles, |(day_id, _)| *day_id, "GasDayName")?;
        let week_profiles = WeekProfile::read_all(
            &calendar.child("WeekProfiles")?,
            (1, 2),
            GAS_NON_DISABLEMENT_WEEK_IDS,
            GAS_NON_DISABLEMENT_DAY_IDS,
        )?;
        let seasons = read_gas_seasons(
            &calendar.child("SeasonProfiles")?,
            GAS_NON_DISABLEMENT_WEEK_IDS,
        )?;
        let special_days = SpecialDay::read_all(
            &calendar.child("SpecialDays")?,
            20,
            DateSchema::Gas,
            GAS_NON_DISABLEMENT_DAY_IDS,
        )?;
        let day_ids = || day_profiles.iter().map(|(day_id, _)| *day_id);
        check_references(
            &calendar,
            "day profile",
            day_ids(),
            week_profiles
                .iter()
                .flat_map(|week| week.day_ids)
                .chain(special_days.iter().map(|day| day.day_id)),
        )?;
        check_references(
            &calendar,
            "week profile",
            week_profiles.iter().map(|week| week.week_id),
            seasons.iter().map(|(_, week_id)| *week_id),
        )?;
        Ok(Self {
            debt_recovery_rate_cap: element.number("DebtRecoveryRateCap")?,
            emergency_credit_limit: element.number("EmergencyCreditLimit")?,
            emergency_credit_threshold: element.number("EmergencyCreditThreshold")?,
            low_credit_threshold: element.number("LowCreditThreshold")?,
            day_profiles,
            week_profiles,
            seasons,
            special_days,
            max_meter_balance: element.number("MaxMeterBalance")?,
            max_credit_threshold: element.number("MaxCreditThreshold")?,
        })
    }

    /// GCS05: emergency credit, debt cap, low credit warning level (dated by the component's
    /// from-date-time) and maximum credit, then the friendly credit calendar.
    fn payload(&self, issuer: UtcTime, activation: Activation) -> Vec<u8> {
        let start = activation.zigbee(CANCEL_START_TIME);
        let mut low_credit = SetLowCreditWarningLevel {
            low_credit_warning_level: self.low_credit_threshold,
        }
        .component();
        low_credit.from_date_time = Some(start.to_be_bytes());
        let mut components = vec![
            EmergencyCreditSetup {
                issuer_event_id: issuer.0,
                start_time: start,
                emergency_credit_limit: self.emergency_credit_limit,
                emergency_credit_threshold: self.emergency_credit_threshold,
            }
            .component(),
            SetOverallDebtCap {
                provider_id: PROVIDER_ID,
                issuer_event_id: issuer.0,
                implementation_date_time: start,
                overall_debt_cap: self.debt_recovery_rate_cap,
            }
            .component(),
            low_credit,
            SetMaximumCreditLimit {
                provider_id: PROVIDER_ID,
                issuer_event_id: issuer.0,
                implementation_date_time: start,
                maximum_credit_level: self.max_meter_balance,
                maximum_credit_per_top_up: self.max_credit_threshold,
            }
            .component(),
        ];
        let calendar = GsmeCalendar {
            calendar_type: CALENDAR_TYPE_FRIENDLY_CREDIT,
            start_time: activation.zigbee(CANCEL_PUBLISHED_START_TIME),
            day_profiles: self.day_profiles.clone(),
            week_profiles: self.week_profiles.clone(),
            seasons: self.seasons.clone(),
            special_days: zcl_special_days(&self.special_days),
        };
        components.extend(calendar.components(issuer));
        numbered(components).encode()
    }
}

/// The prepayment configuration of one meter.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PrepayConfiguration {
    Electricity(ElectricityPrepayConfiguration),
    Gas(GasPrepayConfiguration),
}

impl PrepayConfiguration {
    fn fuel(&self) -> Fuel {
        match self {
            Self::Electricity(_) => Fuel::Electricity,
            Self::Gas(_) => Fuel::Gas,
        }
    }
}

/// 2.1 Update Prepay Configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
struct UpdatePrepayConfiguration {
    activation: Activation,
    configuration: PrepayConfiguration,
}

impl ServiceRequest for UpdatePrepayConfiguration {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        let root = Element::root(body);
        root.only(&[
            "ExecutionDateTime",
            "UpdatePrepayConfigElectricity",
            "UpdatePrepayConfigGas",
        ])?;
        let configuration =
            match root.choice(&["UpdatePrepayConfigElectricity", "UpdatePrepayConfigGas"])? {
                (0, electricity) => PrepayConfiguration::Electricity(
                    ElectricityPrepayConfiguration::read(&electricity)?,
                ),
                (_, gas) => PrepayConfiguration::Gas(GasPrepayConfiguration::read(&gas)?),
            };
        Ok(Self {
            activation: Activation::read(&root)?,
            configuration,
        })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        self.command_for(service, context, EsmeProfile::of(context.device_profile))
    }
}

impl UpdatePrepayConfiguration {
    fn command_for(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
        esme: EsmeProfile,
    ) -> Result<DeviceCommand, Rejection> {
        let electricity = if esme.takes_ecs08a { "ECS08a" } else { "ECS08" };
        let (use_case, _) = use_case_for_fuel(
            service,
            context,
            Some(self.configuration.fuel()),
            (electricity, "GCS05"),
        )?;
        let payload = match &self.configuration {
            PrepayConfiguration::Electricity(configuration) => {
                configuration.payload(context.counter(), self.activation, esme)
            }
            PrepayConfiguration::Gas(configuration) => {
                configuration.payload(issuer_event_id(context.now)?, self.activation)
            }
        };
        Ok(DeviceCommand::new(use_case, context, payload))
    }
}

/// 2.2 Top Up Device: the UTRN (20 digits) to the meter's token gateway (CS01a) or as a ZSE
/// Consumer Top Up (CS01b).
#[derive(Debug, Clone, PartialEq, Eq)]
struct TopUpDevice {
    utrn: String,
}

impl ServiceRequest for TopUpDevice {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        let root = Element::root(body);
        root.only(&["UTRN"])?;
        let element = root.child("UTRN")?;
        let utrn = element.text()?;
        if utrn.len() != 20 || !utrn.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(element.malformed(format!("{utrn:?} is not 20 digits")));
        }
        Ok(Self {
            utrn: utrn.to_owned(),
        })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let (use_case, fuel) = use_case_for_fuel(service, context, None, ("CS01a", "CS01b"))?;
        let code = self.utrn.as_bytes().to_vec();
        let payload = if fuel == Fuel::Gas {
            numbered(vec![ConsumerTopUp {
                originating_device: ORIGINATING_DEVICE_ENERGY_SERVICE_INTERFACE,
                top_up_code: code,
            }
            .component()])
            .encode()
        } else {
            let mut request = AccessRequest::new();
            request.action(PREPAYMENT_CREDIT, method::ENTER, Data::OctetString(code));
            request.encode(context.counter())
        };
        Ok(DeviceCommand::new(use_case, context, payload))
    }
}

/// How often a time-based debt is recovered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RecoveryPeriod {
    Hourly,
    Daily,
}

impl RecoveryPeriod {
    fn read(recovery: &Element<'_>) -> Result<Self, Rejection> {
        match recovery
            .child("DebtRecoveryRatePeriod")?
            .enumeration(&["HOURLY", "DAILY"])?
        {
            0 => Ok(Self::Hourly),
            _ => Ok(Self::Daily),
        }
    }

    fn seconds(self) -> u32 {
        match self {
            Self::Hourly => 60 * 60,
            Self::Daily => 24 * 60 * 60,
        }
    }

    fn zse(self) -> u8 {
        match self {
            Self::Hourly => DEBT_RECOVERY_PER_HOUR,
            Self::Daily => DEBT_RECOVERY_PER_DAY,
        }
    }
}

/// The recovery of the two time-based debts, for the meter they are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DebtRecovery {
    /// Rate, its price scale and period, of time debts 1 and 2.
    Electricity([(i16, i8, RecoveryPeriod); 2]),
    /// Rate and period of time debts 1 and 2.
    Gas([(i32, RecoveryPeriod); 2]),
}

/// 2.3 Update Debt.
#[derive(Debug, Clone, PartialEq, Eq)]
struct UpdateDebt {
    time_debt_registers: [i32; 2],
    payment_debt_register: i32,
    /// Hundredths of a percent of each payment (0–10000).
    debt_recovery_per_payment: u16,
    recovery: DebtRecovery,
}

impl ServiceRequest for UpdateDebt {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        let root = Element::root(body);
        root.only(&[
            "TimeDebtRegister1",
            "TimeDebtRegister2",
            "PaymentDebtRegister",
            "DebtRecoveryPerPayment",
            "ElecDebtRecovery1",
            "ElecDebtRecovery2",
            "GasDebtRecovery1",
            "GasDebtRecovery2",
        ])?;
        let electricity = root.optional("ElecDebtRecovery1")?.is_some()
            || root.optional("ElecDebtRecovery2")?.is_some();
        let gas = root.optional("GasDebtRecovery1")?.is_some()
            || root.optional("GasDebtRecovery2")?.is_some();
        let recovery = match (electricity, gas) {
            (true, false) => {
                let read = |name: &str| -> Result<(i16, i8, RecoveryPeriod), Rejection> {
                    let recovery = root.child(name)?;
                    recovery.only(&[
                        "DebtRecoveryRate",
                        "DebtRecoveryRatePriceScale",
                        "DebtRecoveryRatePeriod",
                    ])?;
                    Ok((
                        recovery.number("DebtRecoveryRate")?,
                        recovery.number("DebtRecoveryRatePriceScale")?,
                        RecoveryPeriod::read(&recovery)?,
                    ))
                };
                DebtRecovery::Electricity([read("ElecDebtRecovery1")?, read("ElecDebtRecovery2")?])
            }
            (false, true) => {
                let read = |name: &str| -> Result<(i32, RecoveryPeriod), Rejection> {
                    let recovery = root.child(name)?;
                    recovery.only(&["DebtRecoveryRate", "DebtRecoveryRatePeriod"])?;
                    Ok((
                        recovery.number("DebtRecoveryRate")?,
                        RecoveryPeriod::read(&recovery)?,
                    ))
                };
                DebtRecovery::Gas([read("GasDebtRecovery1")?, read("GasDebtRecovery2")?])
            }
            (true, true) => {
                return Err(root.malformed("has both electricity and gas debt recovery"))
            }
            (false, false) => {
                return Err(
                    root.malformed("needs ElecDebtRecovery1 and 2 or GasDebtRecovery1 and 2")
                )
            }
        };
        Ok(Self {
            time_debt_registers: [
                root.number("TimeDebtRegister1")?,
                root.number("TimeDebtRegister2")?,
            ],
            payment_debt_register: root.number("PaymentDebtRegister")?,
            debt_recovery_per_payment: root
                .child("DebtRecoveryPerPayment")?
                .integer_in(0u16, 10_000)?,
            recovery,
        })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let fuel = match self.recovery {
            DebtRecovery::Electricity(_) => Fuel::Electricity,
            DebtRecovery::Gas(_) => Fuel::Gas,
        };
        let (use_case, _) = use_case_for_fuel(service, context, Some(fuel), ("ECS07", "GCS04"))?;
        let payload = match self.recovery {
            DebtRecovery::Electricity(rates) => self.ecs07(context.counter(), rates),
            DebtRecovery::Gas(rates) => self.gcs04(issuer_event_id(context.now)?, rates),
        };
        Ok(DeviceCommand::new(use_case, context, payload))
    }
}

impl UpdateDebt {
    /// ECS07: the two time-based debt recovery rates and the payment-based proportion, their
    /// periods, the new rates activated, then each debt register updated.
    fn ecs07(&self, counter: u64, rates: [(i16, i8, RecoveryPeriod); 2]) -> Vec<u8> {
        let time_debts = [DEBT_RECOVERY_RATES_1, DEBT_RECOVERY_RATES_2];
        let mut request = AccessRequest::new();
        for (debt, (rate, scale, _)) in time_debts.iter().zip(rates) {
            request.set(
                *debt,
                attribute::UNIT_CHARGE_PASSIVE,
                unit_charge(0, scale, None, vec![(Vec::new(), rate)]),
            );
        }
        request.set(
            DEBT_RECOVERY_PER_PAYMENT,
            attribute::PROPORTION,
            Data::LongUnsigned(self.debt_recovery_per_payment),
        );
        for (debt, (_, _, period)) in time_debts.iter().zip(rates) {
            request.set(
                *debt,
                attribute::PERIOD,
                Data::DoubleLongUnsigned(period.seconds()),
            );
        }
        for debt in time_debts {
            request.action(debt, method::ACTIVATE_PASSIVE_UNIT_CHARGE, Data::Integer(0));
        }
        let amounts = [
            (DEBT_RECOVERY_PER_PAYMENT, self.payment_debt_register),
            (DEBT_RECOVERY_RATES_1, self.time_debt_registers[0]),
            (DEBT_RECOVERY_RATES_2, self.time_debt_registers[1]),
        ];
        for (debt, amount) in amounts {
            request.action(
                debt,
                method::UPDATE_TOTAL_AMOUNT_REMAINING,
                Data::DoubleLong(amount),
            );
        }
        request.encode(counter)
    }

    /// GCS04: a ZSE Change Debt for each of time debts 1 and 2 and the payment-based debt.
    fn gcs04(&self, issuer: UtcTime, rates: [(i32, RecoveryPeriod); 2]) -> Vec<u8> {
        let change = |amount: i32,
                      method: u8,
                      amount_type: u8,
                      frequency: u8,
                      recovery_amount: i32,
                      percentage: u16| {
            ChangeDebt {
                issuer_event_id: issuer.0,
                debt_label: Vec::new(),
                debt_amount: amount,
                debt_recovery_method: method,
                debt_amount_type: amount_type,
                debt_recovery_start_time: UtcTime::NOW,
                debt_recovery_collection_time: 0,
                debt_recovery_frequency: frequency,
                debt_recovery_amount: recovery_amount,
                debt_recovery_balance_percentage: percentage,
            }
            .component()
        };
        let [(rate_1, period_1), (rate_2, period_2)] = rates;
        numbered(vec![
            change(
                self.time_debt_registers[0],
                DEBT_RECOVERY_TIME_BASED,
                DEBT_AMOUNT_TIME_BASED_1_INCREMENTAL,
                period_1.zse(),
                rate_1,
                0,
            ),
            change(
                self.time_debt_registers[1],
                DEBT_RECOVERY_TIME_BASED,
                DEBT_AMOUNT_TIME_BASED_2_INCREMENTAL,
                period_2.zse(),
                rate_2,
                0,
            ),
            change(
                self.payment_debt_register,
                DEBT_RECOVERY_PAYMENT_BASED,
                DEBT_AMOUNT_PAYMENT_BASED_INCREMENTAL,
                DEBT_RECOVERY_PER_DAY,
                0,
                self.debt_recovery_per_payment,
            ),
        ])
        .encode()
    }
}

/// 2.5 Activate Emergency Credit: ECS09 invokes the ESME's emergency credit; GCS06 is ZSE
/// Select Available Emergency Credit, with a zero Command Issue Date/Time as RTDS's.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ActivateEmergencyCredit;

impl ServiceRequest for ActivateEmergencyCredit {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        empty_body(body).map(|_| Self)
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let (use_case, fuel) = use_case_for_fuel(service, context, None, ("ECS09", "GCS06"))?;
        let payload = if fuel == Fuel::Gas {
            numbered(vec![SelectAvailableEmergencyCredit {
                // RTDS's GCS06: the DCC leaves the Command Issue Date/Time zero.
                command_issue_date_time: UtcTime(0),
                originating_device: ORIGINATING_DEVICE_ENERGY_SERVICE_INTERFACE,
            }
            .component()])
            .encode()
        } else {
            let mut request = AccessRequest::new();
            request.action(
                EMERGENCY_CREDIT_BALANCE,
                method::INVOKE_CREDIT,
                Data::Integer(0),
            );
            request.encode(context.counter())
        };
        Ok(DeviceCommand::new(use_case, context, payload))
    }
}

#[cfg(test)]
mod tests {
    use dcc_model::DeviceType;
    use duis::RequestBody;
    use gbcs::decode::hex_upper;
    use gbcs::dlms::{DlmsApdu, RequestSpecification};
    use gbcs::gbz::GbzPayload;
    use gbcs::SignatureField;

    use super::*;
    use crate::services::body_reader::testing::{
        context, gas_date, malformed, transform_body, week_profiles,
    };

    const ESME: DeviceType = DeviceType::ElectricitySmartMeter;
    const GSME: DeviceType = DeviceType::GasSmartMeter;

    fn access_request(command: &DeviceCommand) -> (Vec<RequestSpecification>, Vec<Data>) {
        match DlmsApdu::parse(&command.apdu.payload).expect("a DLMS payload") {
            DlmsApdu::AccessRequest {
                specifications,
                data,
                ..
            } => (specifications, data),
            other => panic!("not an access request: {other:?}"),
        }
    }

    /// The one command of a one-component GBZ payload.
    fn only_command<C: ClusterCommand>(command: &DeviceCommand) -> C {
        let payload = GbzPayload::parse(&command.apdu.payload).expect("a GBZ payload");
        assert_eq!(payload.components.len(), 1);
        C::from_component(&payload.components[0])
            .expect("decodes")
            .expect("the expected command")
    }

    fn meter_balance(mode: &str, change: &str) -> String {
        format!("<sr:UpdateMeterBalance><sr:{mode}>{change}</sr:{mode}></sr:UpdateMeterBalance>")
    }

    const ADJUST: &str = "<sr:AdjustMeterBalance>-3</sr:AdjustMeterBalance>";
    const RESET: &str = "<sr:ResetMeterBalance/>";

    #[test]
    fn meter_balance_changes_choose_the_use_case_and_adjustment_type() {
        let cases = [
            ("PrepaymentMode", ADJUST, "GCS40a", CREDIT_INCREMENTAL, -3),
            ("PrepaymentMode", RESET, "GCS40b", CREDIT_ABSOLUTE, 0),
            ("CreditMode", ADJUST, "GCS40c", CREDIT_MODE_INCREMENTAL, -3),
            ("CreditMode", RESET, "GCS40d", CREDIT_MODE_ABSOLUTE, 0),
        ];
        for (mode, change, use_case, adjustment_type, value) in cases {
            let command = transform_body("1.5", GSME, &meter_balance(mode, change)).unwrap();
            assert_eq!(command.use_case.use_case_id(), Some(use_case));
            let adjustment: CreditAdjustment = only_command(&command);
            assert_eq!(
                (
                    adjustment.credit_adjustment_type,
                    adjustment.credit_adjustment_value
                ),
                (adjustment_type, value)
            );
            let esme = transform_body("1.5", ESME, &meter_balance(mode, change)).unwrap();
            let (specifications, _) = access_request(&esme);
            let expected = if change == RESET {
                ("ECS04b", 3)
            } else {
                ("ECS04a", 1)
            };
            assert_eq!(
                (esme.use_case.use_case_id(), specifications.len()),
                (Some(expected.0), expected.1)
            );
        }
    }

    fn prepayment_mode(disabled: bool, emergency: bool) -> String {
        format!(
            "<sr:UpdatePaymentMode><sr:Prepayment><sr:SuspendDebtDisabled>{disabled}</sr:SuspendDebtDisabled>\
             <sr:SuspendDebtEmergency>{emergency}</sr:SuspendDebtEmergency>\
             <sr:DisablementThreshold>-50</sr:DisablementThreshold></sr:Prepayment></sr:UpdatePaymentMode>"
        )
    }

    #[test]
    fn prepayment_mode_carries_the_debt_suspensions_and_disablement_threshold() {
        let cases = [
            (true, true, 0x0497),
            (true, false, 0x0C97),
            (false, true, 0x0097),
            (false, false, 0x0897),
        ];
        for (disabled, emergency, configuration) in cases {
            let body = prepayment_mode(disabled, emergency);
            let mode: ChangePaymentMode =
                only_command(&transform_body("1.6", GSME, &body).unwrap());
            assert_eq!(mode.proposed_payment_control_configuration, configuration);
            assert_eq!(mode.cut_off_value, -50);
            let command = transform_body("1.6", ESME, &body).unwrap();
            assert_eq!(command.use_case.use_case_id(), Some("ECS03"));
            let (_, data) = access_request(&command);
            assert_eq!(data[1], Data::DoubleLong(-50));
            let Data::Array(configuration) = &data[2] else {
                panic!("credit charge configuration");
            };
            // RTDS's: energy charges and debts from both credits, and from the accumulated
            // debt register when debt collection in emergency credit is suspended.
            assert_eq!(configuration.len(), if emergency { 13 } else { 10 });
            let debt_bits = bit_string(&[true, true, !disabled]);
            assert!(matches!(&configuration[2], Data::Structure(fields) if fields[2] == debt_bits));
        }
    }

    const ELECTRICITY_CONFIGURATION: &str = "<sr:UpdatePrepayConfiguration><sr:UpdatePrepayConfigElectricity>\
        <sr:DebtRecoveryRateCap>30</sr:DebtRecoveryRateCap><sr:EmergencyCreditLimit>300</sr:EmergencyCreditLimit>\
        <sr:EmergencyCreditThreshold>100</sr:EmergencyCreditThreshold><sr:LowCreditThreshold>200</sr:LowCreditThreshold>\
        <sr:ElectricityNonDisablementCalendar><sr:ElectricitySpecialDays><sr:SpecialDay index=\"2\"><sr:Date>\
        <sr:Year><sr:SpecifiedYear>2015</sr:SpecifiedYear></sr:Year><sr:Month><sr:SpecifiedMonth>7</sr:SpecifiedMonth></sr:Month>\
        <sr:DayOfMonth><sr:SpecifiedDayOfMonth>29</sr:SpecifiedDayOfMonth></sr:DayOfMonth>\
        <sr:DayOfWeek><sr:NonSpecifiedDayOfWeek/></sr:DayOfWeek></sr:Date></sr:SpecialDay></sr:ElectricitySpecialDays>\
        <sr:ElectricityNonDisablementSchedule><sr:NonDisablementScript>STOP</sr:NonDisablementScript>\
        <sr:SpecialDaysApplicability><sr:SpecialDayApplicability><sr:SpecialDayID>2</sr:SpecialDayID>\
        </sr:SpecialDayApplicability></sr:SpecialDaysApplicability><sr:DaysOfWeekApplicability>\
        <sr:DayOfWeekApplicability><sr:DayOfWeekID>Sunday</sr:DayOfWeekID></sr:DayOfWeekApplicability>\
        </sr:DaysOfWeekApplicability><sr:ScheduleDatesAndTime><sr:SwitchTime>09:30:00Z</sr:SwitchTime>\
        <sr:StartDate>65535-04-29Z</sr:StartDate><sr:EndDate>2015-03-28</sr:EndDate></sr:ScheduleDatesAndTime>\
        </sr:ElectricityNonDisablementSchedule></sr:ElectricityNonDisablementCalendar>\
        <sr:MaxMeterBalance>5000</sr:MaxMeterBalance><sr:MaxCreditThreshold>1000</sr:MaxCreditThreshold>\
        </sr:UpdatePrepayConfigElectricity></sr:UpdatePrepayConfiguration>";

    fn gas_configuration(start_time: &str) -> String {
        format!(
            "<sr:UpdatePrepayConfiguration><sr:UpdatePrepayConfigGas>\
             <sr:DebtRecoveryRateCap>100000</sr:DebtRecoveryRateCap><sr:EmergencyCreditLimit>10</sr:EmergencyCreditLimit>\
             <sr:EmergencyCreditThreshold>5</sr:EmergencyCreditThreshold><sr:LowCreditThreshold>7</sr:LowCreditThreshold>\
             <sr:GasNonDisablementCalendar><sr:DayProfiles><sr:GasNonDisablementDayProfile><sr:TimeStartAction>\
             <sr:StartTime>{start_time}</sr:StartTime><sr:NonDisablementAction>STOP</sr:NonDisablementAction>\
             </sr:TimeStartAction><sr:GasDayName>5</sr:GasDayName></sr:GasNonDisablementDayProfile></sr:DayProfiles>\
             {}<sr:SeasonProfiles><sr:Season><sr:SeasonStartDate>{}</sr:SeasonStartDate>\
             <sr:ReferencedWeekName>1</sr:ReferencedWeekName></sr:Season></sr:SeasonProfiles><sr:SpecialDays/>\
             </sr:GasNonDisablementCalendar><sr:MaxMeterBalance>9</sr:MaxMeterBalance>\
             <sr:MaxCreditThreshold>8</sr:MaxCreditThreshold></sr:UpdatePrepayConfigGas></sr:UpdatePrepayConfiguration>",
            week_profiles(5),
            gas_date(10, 27),
        )
    }

    #[test]
    fn the_non_disablement_calendar_becomes_a_cosem_schedule_or_a_friendly_credit_calendar() {
        let command = transform_body("2.1", ESME, ELECTRICITY_CONFIGURATION).unwrap();
        assert_eq!(command.use_case.use_case_id(), Some("ECS08a"));
        let (specifications, data) = access_request(&command);
        assert_eq!(specifications.len(), 18);
        assert_eq!(
            data[3],
            Data::Array(vec![Data::Structure(vec![
                Data::LongUnsigned(1),
                Data::Boolean(0xFF),
                NON_DISABLEMENT_SCRIPT_TABLE.logical_name(),
                Data::LongUnsigned(NON_DISABLEMENT_STOP_SCRIPT),
                Data::OctetString(vec![9, 30, 0, 0]),
                Data::LongUnsigned(0xFFFF),
                Data::BitString {
                    bits: 7,
                    bytes: vec![0x02]
                },
                Data::BitString {
                    bits: 2,
                    bytes: vec![0x40]
                },
                Data::OctetString(vec![0xFF, 0xFF, 4, 29, 0xFF]),
                Data::OctetString(vec![0x07, 0xDF, 3, 28, 0xFF]),
            ])])
        );

        let command = transform_body("2.1", GSME, &gas_configuration("07:00:00Z")).unwrap();
        let payload = GbzPayload::parse(&command.apdu.payload).unwrap();
        assert_eq!(payload.components.len(), 9);
        let low_credit = &payload.components[2];
        assert_eq!(low_credit.from_date_time, Some([0; 4]));
        let day = gbcs::zse::calendar::PublishDayProfile::from_component(&payload.components[5])
            .unwrap()
            .unwrap();
        assert_eq!(
            (day.day_id, day.calendar_type, day.entries),
            (
                5,
                CALENDAR_TYPE_FRIENDLY_CREDIT,
                vec![ScheduleEntry {
                    start_minutes: 420,
                    value: 0
                }]
            )
        );
    }

    #[test]
    fn top_up_debt_and_emergency_credit_reach_both_meters() {
        let top_up = "<sr:TopUpDevice><sr:UTRN>73950067887105178605</sr:UTRN></sr:TopUpDevice>";
        let gas: ConsumerTopUp = only_command(&transform_body("2.2", GSME, top_up).unwrap());
        assert_eq!(gas.top_up_code, b"73950067887105178605");
        let (_, data) = access_request(&transform_body("2.2", ESME, top_up).unwrap());
        assert_eq!(data, [Data::OctetString(b"73950067887105178605".to_vec())]);

        let emergency = "<sr:ActivateEmergencyCredit/>";
        let gas: SelectAvailableEmergencyCredit =
            only_command(&transform_body("2.5", GSME, emergency).unwrap());
        // RTDS's GCS06: a zero Command Issue Date/Time.
        assert_eq!(gas.command_issue_date_time, UtcTime(0));
        let (specifications, _) = access_request(&transform_body("2.5", ESME, emergency).unwrap());
        assert_eq!(
            specifications,
            [RequestSpecification::Action(
                EMERGENCY_CREDIT_BALANCE.member(method::INVOKE_CREDIT)
            )]
        );
        let counter = "<sr:ResetTariffBlockCounterMatrix/>";
        assert!(transform_body("1.7", ESME, counter).is_ok());
        assert!(matches!(
            transform_body("1.7", GSME, counter),
            Err(Rejection::ServiceNotValidForDeviceType(_))
        ));
    }

    fn debt(recovery: &str, per_payment: u16) -> String {
        format!(
            "<sr:UpdateDebt><sr:TimeDebtRegister1>1</sr:TimeDebtRegister1><sr:TimeDebtRegister2>2</sr:TimeDebtRegister2>\
             <sr:PaymentDebtRegister>3</sr:PaymentDebtRegister><sr:DebtRecoveryPerPayment>{per_payment}</sr:DebtRecoveryPerPayment>\
             {recovery}</sr:UpdateDebt>"
        )
    }

    const GAS_RECOVERY: &str = "<sr:GasDebtRecovery1><sr:DebtRecoveryRate>5</sr:DebtRecoveryRate>\
        <sr:DebtRecoveryRatePeriod>HOURLY</sr:DebtRecoveryRatePeriod></sr:GasDebtRecovery1>\
        <sr:GasDebtRecovery2><sr:DebtRecoveryRate>6</sr:DebtRecoveryRate>\
        <sr:DebtRecoveryRatePeriod>DAILY</sr:DebtRecoveryRatePeriod></sr:GasDebtRecovery2>";

    #[test]
    fn each_service_builds_for_the_meters_it_allows() {
        let cases = [
            (
                "1.5",
                meter_balance("CreditMode", ADJUST),
                &[ESME, GSME][..],
            ),
            ("1.6", prepayment_mode(true, false), &[ESME, GSME]),
            (
                "1.7",
                "<sr:ResetTariffBlockCounterMatrix/>".to_owned(),
                &[ESME],
            ),
            ("2.1", ELECTRICITY_CONFIGURATION.to_owned(), &[ESME]),
            ("2.1", gas_configuration("00:00:00Z"), &[GSME]),
            (
                "2.2",
                "<sr:TopUpDevice><sr:UTRN>73946144332040217315</sr:UTRN></sr:TopUpDevice>"
                    .to_owned(),
                &[ESME, GSME],
            ),
            ("2.3", debt(GAS_RECOVERY, 100), &[GSME]),
            (
                "2.5",
                "<sr:ActivateEmergencyCredit/>".to_owned(),
                &[ESME, GSME],
            ),
        ];
        for (variant, body, meters) in cases {
            for device_type in DeviceType::ALL {
                match transform_body(variant, *device_type, &body) {
                    Ok(_) => assert!(meters.contains(device_type), "{variant} {device_type}"),
                    Err(Rejection::Malformed(message)) => assert!(
                        [ESME, GSME].contains(device_type) && message.contains("does not take"),
                        "{variant} {device_type}: {message}"
                    ),
                    Err(rejection) => assert!(
                        !meters.contains(device_type)
                            && matches!(rejection, Rejection::ServiceNotValidForDeviceType(_)),
                        "{variant} {device_type}: {rejection:?}"
                    ),
                }
            }
        }
    }

    #[test]
    fn malformed_prepayment_bodies_are_refused_naming_the_field() {
        let refusals = [
            (
                "1.5",
                ESME,
                "<sr:UpdateMeterBalance><sr:PrepaymentMode>".to_owned()
                    + ADJUST
                    + "</sr:PrepaymentMode><sr:CreditMode>"
                    + RESET
                    + "</sr:CreditMode></sr:UpdateMeterBalance>",
                "has both PrepaymentMode and CreditMode",
            ),
            (
                "1.5",
                ESME,
                meter_balance(
                    "CreditMode",
                    "<sr:AdjustMeterBalance>2147483648</sr:AdjustMeterBalance>",
                ),
                "CreditMode/AdjustMeterBalance: \"2147483648\" is not valid",
            ),
            (
                "1.6",
                GSME,
                prepayment_mode(true, false).replace(">true<", ">yes<"),
                "SuspendDebtDisabled: \"yes\" is not true or false",
            ),
            (
                "1.7",
                ESME,
                "<sr:ResetTariffBlockCounterMatrix><sr:Now/></sr:ResetTariffBlockCounterMatrix>"
                    .to_owned(),
                "unexpected element Now",
            ),
            (
                "2.1",
                ESME,
                ELECTRICITY_CONFIGURATION.replace("<sr:SpecialDayID>2<", "<sr:SpecialDayID>9<"),
                "refers to special day 9, which is not defined",
            ),
            (
                "2.1",
                ESME,
                ELECTRICITY_CONFIGURATION.replace(">Sunday<", ">Funday<"),
                "DayOfWeekID: \"Funday\" is not one of Monday",
            ),
            (
                "2.1",
                GSME,
                gas_configuration("07:00:30Z"),
                "StartTime: a GSME switches on the minute",
            ),
            (
                "2.1",
                GSME,
                ELECTRICITY_CONFIGURATION.to_owned(),
                "holds electricity elements, which a GSME does not take",
            ),
            (
                "2.2",
                ESME,
                "<sr:TopUpDevice><sr:UTRN>7394614433204021731X</sr:UTRN></sr:TopUpDevice>"
                    .to_owned(),
                "UTRN: \"7394614433204021731X\" is not 20 digits",
            ),
            (
                "2.3",
                GSME,
                debt(GAS_RECOVERY, 10_001),
                "DebtRecoveryPerPayment: 10001 is outside 0 to 10000",
            ),
            (
                "2.3",
                GSME,
                debt(
                    &GAS_RECOVERY.replace("GasDebtRecovery2", "ElecDebtRecovery2"),
                    1,
                ),
                "has both electricity and gas debt recovery",
            ),
            (
                "2.5",
                GSME,
                "<sr:ActivateEmergencyCredit>now</sr:ActivateEmergencyCredit>".to_owned(),
                "must be empty",
            ),
        ];
        for (variant, device_type, body, expected) in refusals {
            let message = malformed(transform_body(variant, device_type, &body));
            assert!(
                message.contains(expected),
                "{variant}: {message:?} should say {expected:?}"
            );
        }
    }

    /// The forms the DSP cannot choose yet, for lack of the ESME's variant and GBCS version,
    /// give the RTDS pre-commands when the ESME's profile says so.
    #[test]
    fn twin_element_and_ecs08a_esmes_get_the_rtds_pre_commands() {
        let Some(templates) = test_support::duis_templates("DUIS templates for ESME profiles")
        else {
            return;
        };
        let Some(gbcs) = test_support::rtds_gbcs("RTDS pre-commands for ESME profiles") else {
            return;
        };
        let twin = EsmeProfile {
            twin_element: true,
            ..EsmeProfile::ASSUMED
        };
        let ecs08a = EsmeProfile {
            takes_ecs08a: true,
            ..EsmeProfile::ASSUMED
        };
        let cases = [
            ("ECS02_1.6_FUTURE_DATED_TWIN_SUCCESS", "1.6_ECS02", twin),
            ("ECS02_1.6_CANCELLATION_TWIN_SUCCESS", "1.6_ECS02", twin),
            ("ECS08a_2.1_IMMEDIATE_SUCCESS", "2.1_ECS08a", ecs08a),
            ("ECS08a_2.1_FUTURE_DATED_SUCCESS", "2.1_ECS08a", ecs08a),
            ("ECS08a_2.1_CANCELLATION_SUCCESS", "2.1_ECS08a", ecs08a),
        ];
        for (name, folder, profile) in cases {
            let xml = std::fs::read(templates.join(format!("{name}_REQUEST_DUIS.XML")))
                .expect("template");
            let request = duis::parse_request(&xml).expect("template parses");
            let RequestBody::ServiceRequest(body) = &request.body else {
                panic!("{name} has a service request body");
            };
            let variant = request.header.service_reference_variant.as_str();
            let service = duis::catalogue::lookup(variant).expect("catalogued");
            let context = context(&request, ESME);
            let command = match variant {
                "1.6" => UpdatePaymentMode::parse(body)
                    .and_then(|request| request.command_for(service, &context, profile)),
                _ => UpdatePrepayConfiguration::parse(body)
                    .and_then(|request| request.command_for(service, &context, profile)),
            }
            .expect("transforms");
            let expected = std::fs::read_to_string(
                gbcs.join(folder)
                    .join(format!("{name}_PRECOMMAND_GBCS.HEX")),
            )
            .expect("RTDS pre-command");
            assert_eq!(
                hex_upper(&command.apdu.with_signature(SignatureField::Absent).encode()),
                expected.trim(),
                "{name}"
            );
        }
    }
}
