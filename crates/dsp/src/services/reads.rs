//! Read services (4.x): registers, billing data logs, daily read logs, profile data, network
//! data, tariff, maximum demand, prepayment and meter balance reads; and 14.1, which starts the
//! gas network data log that 4.10 reads.
//!
//! Each service is a [`Read`]: its body form and the command for each use case it becomes. A
//! future-dated read (`ExecutionDateTime`) is held by the DSP: the command here is the one it
//! sends at the execution time. A log read carrying `KAPublicSecurityCredentials` comes from a
//! party the device does not know: the ACB sends it, with that certificate (see
//! [`super::Sender`]).

use std::marker::PhantomData;

use duis::catalogue::ServiceDefinition;
use duis::BodyElement;
use gbcs::catalogue::MessageCodeEntry;
use gbcs::cosem::{class, reference, AccessRequest, ProtectedAttribute, ProtectionParameters};
use gbcs::dlms::CosemReference;
use gbcs::zse::requests::{
    calendar, cluster, metering, prepayment, price, ClusterCommand, CommandPayload, ZclRequest,
};

use super::body::{self, FutureDated, LogRead, RequesterCredentials};
use super::date_times::{capture_time, cosem_date_time, zigbee_utc_time, zigbee_utc_time_of};
use super::{
    not_for_device_type, run, use_case_for, use_case_named, CommandContext, CommandOrigin,
    DeviceCommand, ServiceRequest, Transform,
};
use crate::rejection::Rejection;

pub(super) const SERVICES: &[(&str, Transform)] = &[
    ("4.1.1", run::<Service<ImportRegisters>>),
    ("4.1.2", run::<Service<ImportTimeOfUseRegisters>>),
    ("4.1.3", run::<Service<ImportTimeOfUseWithBlocksRegisters>>),
    ("4.1.4", run::<Service<ImportBlockCounters>>),
    ("4.2", run::<Service<Attributes<ExportRegisters>>>),
    ("4.3", run::<Service<PrepayValues>>),
    ("4.4.2", run::<Service<ChangeOfModeOrTariffBillingDataLog>>),
    ("4.4.3", run::<Service<BillingCalendarBillingDataLog>>),
    ("4.4.4", run::<Service<DebtPaymentsBillingDataLog>>),
    ("4.4.5", run::<Service<PrepaymentCreditsBillingDataLog>>),
    ("4.6.1", run::<Service<ImportDailyReadLog>>),
    ("4.6.2", run::<Service<ExportDailyReadLog>>),
    ("4.8.1", run::<Service<ActiveImportProfileData>>),
    (
        "4.8.2",
        run::<Service<CapturedEntries<ReactiveImportProfileData>>>,
    ),
    ("4.8.3", run::<Service<CapturedEntries<ExportProfileData>>>),
    ("4.10", run::<Service<NetworkData>>),
    ("4.11.1", run::<Service<TariffPrimaryElement>>),
    ("4.11.2", run::<Service<Attributes<TariffSecondaryElement>>>),
    (
        "4.12.1",
        run::<Service<Attributes<MaximumDemandImportRegisters>>>,
    ),
    (
        "4.12.2",
        run::<Service<Attributes<MaximumDemandExportRegisters>>>,
    ),
    ("4.13", run::<Service<PrepaymentConfiguration>>),
    ("4.14", run::<Service<PrepaymentDailyReadLog>>),
    ("4.15", run::<Service<Attributes<LoadLimitData>>>),
    ("4.16", run::<Service<Attributes<ActivePowerImport>>>),
    ("4.17", run::<Service<DailyConsumptionLog>>),
    ("4.18", run::<Service<MeterBalance>>),
    ("14.1", run::<Service<RecordNetworkDataGas>>),
];

/// One read service: the body it takes and the command of each of its use cases.
pub(super) trait Read {
    type Body: ReadBody;

    fn command(
        body: &Self::Body,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection>;
}

/// The body forms of read services.
pub(super) trait ReadBody: Sized {
    fn parse(body: &BodyElement) -> Result<Self, Rejection>;
}

/// `sr:ReadDataOnDemand` and the empty types: nothing.
pub(super) struct OnDemand;

impl ReadBody for OnDemand {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        body::empty(body).map(|()| Self)
    }
}

impl ReadBody for FutureDated {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        FutureDated::parse(body)
    }
}

/// `sr:ReadLogFutureDatable`.
struct LogReadOfKnownParty(LogRead);

impl ReadBody for LogReadOfKnownParty {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        LogRead::parse(body, RequesterCredentials::NotAccepted).map(Self)
    }
}

/// `sr:ReadLogFutureDatableAndURPCredentials`.
struct LogReadOfAnyParty(LogRead);

impl ReadBody for LogReadOfAnyParty {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        LogRead::parse(body, RequesterCredentials::Accepted).map(Self)
    }
}

/// A read service's request: its parsed body.
pub(super) struct Service<R: Read>(R::Body);

impl<R: Read> ServiceRequest for Service<R> {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        R::Body::parse(body).map(Self)
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        R::command(&self.0, service, context)
    }
}

/// A read of a fixed list of ESME attributes (one get each).
pub(super) trait AttributeList {
    type Body: ReadBody;
    const ATTRIBUTES: &'static [CosemReference];
}

/// The [`Read`] of an [`AttributeList`].
pub(super) struct Attributes<L>(PhantomData<L>);

impl<L: AttributeList> Read for Attributes<L> {
    type Body = L::Body;

    fn command(
        _: &L::Body,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = only_use_case(service, context)?;
        Ok(gets(use_case, context, L::ATTRIBUTES))
    }
}

/// A plain read of one ESME profile's entries captured in the log period.
trait ProfileRead {
    const PROFILE: [u8; 6];
}

/// The [`Read`] of a [`ProfileRead`].
struct CapturedEntries<P>(PhantomData<P>);

impl<P: ProfileRead> Read for CapturedEntries<P> {
    type Body = LogReadOfKnownParty;

    fn command(
        LogReadOfKnownParty(read): &LogReadOfKnownParty,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = only_use_case(service, context)?;
        let request = captured_between(read, P::PROFILE)?;
        Ok(DeviceCommand::dlms(use_case, context, request))
    }
}

// --- ESME building blocks -------------------------------------------------------------------

const fn data(obis: [u8; 6]) -> CosemReference {
    reference(class::DATA, obis, 2)
}

const fn register(obis: [u8; 6], attribute: u8) -> CosemReference {
    reference(class::REGISTER, obis, attribute)
}

const fn buffer(obis: [u8; 6]) -> CosemReference {
    reference(class::PROFILE_GENERIC, obis, 2)
}

/// A register's value and its scaler and unit.
const fn register_value_and_unit(obis: [u8; 6]) -> [CosemReference; 2] {
    [register(obis, 2), register(obis, 3)]
}

/// A Data Protection `get_protected_attributes` read: the device encrypts the attributes for
/// the requester (also when the ACB sends the command for it, as the RTDS URP command shows).
fn protected_read(
    use_case: &'static MessageCodeEntry,
    context: &CommandContext,
    data_protection: [u8; 6],
    attributes: &[ProtectedAttribute],
) -> DeviceCommand {
    let protection = ProtectionParameters {
        counter: context.counter(),
        originator: context.originator(),
        recipient: context.device(),
    };
    let request =
        AccessRequest::new().get_protected_attributes(data_protection, attributes, &protection);
    DeviceCommand::dlms(use_case, context, request)
}

/// A protected read of one whole attribute.
fn protected_attribute(
    use_case: &'static MessageCodeEntry,
    context: &CommandContext,
    data_protection: [u8; 6],
    attribute: CosemReference,
) -> DeviceCommand {
    protected_read(
        use_case,
        context,
        data_protection,
        &[ProtectedAttribute::whole(attribute)],
    )
}

/// A protected read of the entries of profile buffers captured in the log period.
fn protected_log(
    use_case: &'static MessageCodeEntry,
    context: &CommandContext,
    data_protection: [u8; 6],
    buffers: &[[u8; 6]],
    read: &LogRead,
) -> Result<DeviceCommand, Rejection> {
    let from = cosem_date_time("StartDateTime", read.period.start)?;
    let to = cosem_date_time("EndDateTime", read.period.end)?;
    let attributes: Vec<ProtectedAttribute> = buffers
        .iter()
        .map(|obis| ProtectedAttribute::captured_between(buffer(*obis), from, to))
        .collect();
    Ok(from_requester_or_broker(
        protected_read(use_case, context, data_protection, &attributes),
        read,
    ))
}

/// A plain (unprotected) read of a profile buffer's entries captured in the log period.
fn captured_between(read: &LogRead, profile: [u8; 6]) -> Result<AccessRequest, Rejection> {
    Ok(AccessRequest::new().get_captured_between(
        buffer(profile),
        capture_time("StartDateTime", read.period.start)?,
        capture_time("EndDateTime", read.period.end)?,
    ))
}

/// The command as is, or sent by the ACB for a requester the device does not know.
fn from_requester_or_broker(command: DeviceCommand, read: &LogRead) -> DeviceCommand {
    match &read.requester_certificate {
        None => command,
        Some(certificate) => command.originated_by(
            CommandOrigin::access_control_broker_for_unknown_remote_party(certificate.clone()),
        ),
    }
}

fn gets(
    use_case: &'static MessageCodeEntry,
    context: &CommandContext,
    attributes: &[CosemReference],
) -> DeviceCommand {
    DeviceCommand::dlms(use_case, context, AccessRequest::new().get_all(attributes))
}

/// The one use case of `service` for the device type.
fn only_use_case(
    service: &ServiceDefinition,
    context: &CommandContext,
) -> Result<&'static MessageCodeEntry, Rejection> {
    use_case_for(service, context.device_type)
}

// --- GSME building blocks -------------------------------------------------------------------

fn read_attributes(cluster: u16, attributes: &[u16]) -> ZclRequest {
    ZclRequest::read_attributes(cluster, attributes)
}

fn gbz(
    use_case: &'static MessageCodeEntry,
    context: &CommandContext,
    requests: impl IntoIterator<Item = ZclRequest>,
) -> DeviceCommand {
    DeviceCommand::gbz(use_case, context, &CommandPayload::new().with_all(requests))
}

/// The log period as ZigBee times.
fn zigbee_period(read: &LogRead) -> Result<(u32, u32), Rejection> {
    Ok((
        zigbee_utc_time("StartDateTime", read.period.start)?,
        zigbee_utc_time("EndDateTime", read.period.end)?,
    ))
}

/// A GSME keeps its last 31 daily snapshots: GCS16a and GCS16b ask for each offset.
const DAILY_READ_LOG_ENTRIES: u8 = 31;
/// A GSME keeps its last 12 billing data log snapshots of each cause: GCS15b and GCS15c ask for
/// each offset.
const BILLING_DATA_LOG_ENTRIES: u8 = 12;

/// Snapshot requests for each offset of a log, taken between the period's ends.
fn snapshots(
    prepayment_cluster: bool,
    (start, end): (u32, u32),
    entries: u8,
    cause: u32,
) -> impl Iterator<Item = ZclRequest> {
    (0..entries).map(move |snapshot_offset| {
        ZclRequest::command(if prepayment_cluster {
            ClusterCommand::GetPrepaySnapshot {
                earliest_start_time: start,
                latest_end_time: end,
                snapshot_offset,
                snapshot_cause: cause,
            }
        } else {
            ClusterCommand::GetSnapshot {
                earliest_start_time: start,
                latest_end_time: end,
                snapshot_offset,
                snapshot_cause: cause,
            }
        })
    })
}

const METERING_SNAPSHOTS: bool = false;
const PREPAYMENT_SNAPSHOTS: bool = true;

// --- 4.1 Instantaneous import registers -----------------------------------------------------

/// ECS17b's Data Protection object and the import energy registers it protects.
const IMPORT_REGISTERS_PROTECTION: [u8; 6] = [0, 0, 43, 2, 8, 255];
const IMPORT_ENERGY_REGISTERS: CosemReference = data([0, 0, 94, 44, 34, 10]);
/// GCS13a: divisor, multiplier, unit of measure, current summation delivered.
const GAS_CONSUMPTION_REGISTER: [u16; 4] = [
    metering::DIVISOR,
    metering::MULTIPLIER,
    metering::UNIT_OF_MEASURE,
    metering::CURRENT_SUMMATION_DELIVERED,
];

/// 4.1.1: ECS17b on an ESME, GCS13a on a GSME or its GPF.
struct ImportRegisters;

impl Read for ImportRegisters {
    type Body = FutureDated;

    fn command(
        _: &FutureDated,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = only_use_case(service, context)?;
        Ok(match use_case.use_case_id() {
            Some("ECS17b") => protected_attribute(
                use_case,
                context,
                IMPORT_REGISTERS_PROTECTION,
                IMPORT_ENERGY_REGISTERS,
            ),
            _ => gbz(
                use_case,
                context,
                [read_attributes(
                    cluster::METERING,
                    &GAS_CONSUMPTION_REGISTER,
                )],
            ),
        })
    }
}

const TIME_OF_USE_PROTECTION: [u8; 6] = [0, 0, 43, 2, 9, 255];
const TIME_OF_USE_REGISTERS: CosemReference = data([0, 0, 94, 44, 34, 1]);
/// GCS13c: divisor, multiplier, unit of measure and the four tier registers.
const GAS_TIME_OF_USE_REGISTERS: [u16; 7] = [
    metering::DIVISOR,
    metering::MULTIPLIER,
    metering::UNIT_OF_MEASURE,
    metering::CURRENT_TIER_1_SUMMATION_DELIVERED,
    metering::CURRENT_TIER_2_SUMMATION_DELIVERED,
    metering::CURRENT_TIER_3_SUMMATION_DELIVERED,
    metering::CURRENT_TIER_4_SUMMATION_DELIVERED,
];

/// 4.1.2: ECS17d on an ESME, GCS13c on a GSME or its GPF.
struct ImportTimeOfUseRegisters;

impl Read for ImportTimeOfUseRegisters {
    type Body = FutureDated;

    fn command(
        _: &FutureDated,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = only_use_case(service, context)?;
        Ok(match use_case.use_case_id() {
            Some("ECS17d") => protected_attribute(
                use_case,
                context,
                TIME_OF_USE_PROTECTION,
                TIME_OF_USE_REGISTERS,
            ),
            _ => gbz(
                use_case,
                context,
                [read_attributes(
                    cluster::METERING,
                    &GAS_TIME_OF_USE_REGISTERS,
                )],
            ),
        })
    }
}

const TIME_OF_USE_WITH_BLOCKS_PROTECTION: [u8; 6] = [0, 0, 43, 2, 10, 255];
const TIME_OF_USE_WITH_BLOCKS_REGISTERS: CosemReference = data([0, 0, 94, 44, 34, 2]);

/// 4.1.3: ECS17e on an ESME.
struct ImportTimeOfUseWithBlocksRegisters;

impl Read for ImportTimeOfUseWithBlocksRegisters {
    type Body = FutureDated;

    fn command(
        _: &FutureDated,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = only_use_case(service, context)?;
        Ok(protected_attribute(
            use_case,
            context,
            TIME_OF_USE_WITH_BLOCKS_PROTECTION,
            TIME_OF_USE_WITH_BLOCKS_REGISTERS,
        ))
    }
}

/// GCS13b: the four block counters, divisor, multiplier, unit of measure.
const GAS_BLOCK_COUNTERS: [u16; 7] = [
    metering::CURRENT_NO_TIER_BLOCK_1_SUMMATION_DELIVERED,
    metering::CURRENT_NO_TIER_BLOCK_2_SUMMATION_DELIVERED,
    metering::CURRENT_NO_TIER_BLOCK_3_SUMMATION_DELIVERED,
    metering::CURRENT_NO_TIER_BLOCK_4_SUMMATION_DELIVERED,
    metering::DIVISOR,
    metering::MULTIPLIER,
    metering::UNIT_OF_MEASURE,
];

/// 4.1.4: GCS13b on a GSME or its GPF.
struct ImportBlockCounters;

impl Read for ImportBlockCounters {
    type Body = FutureDated;

    fn command(
        _: &FutureDated,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = only_use_case(service, context)?;
        Ok(gbz(
            use_case,
            context,
            [read_attributes(cluster::METERING, &GAS_BLOCK_COUNTERS)],
        ))
    }
}

/// ECS17a: active and reactive export registers, values and units.
const EXPORT_REGISTERS: [CosemReference; 4] = {
    let [active_value, active_unit] = register_value_and_unit([1, 0, 2, 8, 0, 255]);
    let [reactive_value, reactive_unit] = register_value_and_unit([1, 0, 4, 8, 0, 255]);
    [active_value, active_unit, reactive_value, reactive_unit]
};

/// 4.2: ECS17a on an ESME.
struct ExportRegisters;

impl AttributeList for ExportRegisters {
    type Body = FutureDated;
    const ATTRIBUTES: &'static [CosemReference] = &EXPORT_REGISTERS;
}

const PREPAYMENT_REGISTERS_PROTECTION: [u8; 6] = [0, 0, 43, 2, 1, 255];
const PREPAYMENT_REGISTERS: CosemReference = data([0, 0, 94, 44, 34, 30]);
/// GCS14, price cluster: the price trailing digit and currency the values are in.
const GAS_PREPAY_PRICE_FORMAT: [u16; 2] = [price::PRICE_TRAILING_DIGIT, price::CURRENCY];
/// GCS14, prepayment cluster: debt, emergency credit, credit and the three debt registers.
const GAS_PREPAY_VALUES: [u16; 6] = [
    prepayment::ACCUMULATED_DEBT,
    prepayment::EMERGENCY_CREDIT_REMAINING,
    prepayment::CREDIT_REMAINING,
    prepayment::DEBT_AMOUNT_3,
    prepayment::DEBT_AMOUNT_1,
    prepayment::DEBT_AMOUNT_2,
];

/// 4.3: ECS19 on an ESME, GCS14 on a GSME or its GPF.
struct PrepayValues;

impl Read for PrepayValues {
    type Body = FutureDated;

    fn command(
        _: &FutureDated,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = only_use_case(service, context)?;
        Ok(match use_case.use_case_id() {
            Some("ECS19") => protected_attribute(
                use_case,
                context,
                PREPAYMENT_REGISTERS_PROTECTION,
                PREPAYMENT_REGISTERS,
            ),
            _ => gbz(
                use_case,
                context,
                [
                    read_attributes(cluster::PRICE, &GAS_PREPAY_PRICE_FORMAT),
                    read_attributes(cluster::PREPAYMENT, &GAS_PREPAY_VALUES),
                ],
            ),
        })
    }
}

// --- 4.4 Billing data logs ------------------------------------------------------------------

const CHANGE_OF_MODE_OR_TARIFF_PROTECTION: [u8; 6] = [0, 0, 43, 2, 3, 255];
const CHANGE_OF_MODE_OR_TARIFF_LOG: [u8; 6] = [0, 0, 98, 1, 2, 255];
/// GCS15b: snapshots taken on a change of tariff or of payment mode.
const CHANGE_OF_MODE_OR_TARIFF: u32 = metering::SNAPSHOT_CHANGE_OF_TARIFF_INFORMATION
    | metering::SNAPSHOT_CREDIT_TO_PREPAYMENT
    | metering::SNAPSHOT_PREPAYMENT_TO_CREDIT;

/// 4.4.2: ECS20b on an ESME, GCS15b on a GSME or its GPF (prepayment then metering snapshots).
struct ChangeOfModeOrTariffBillingDataLog;

impl Read for ChangeOfModeOrTariffBillingDataLog {
    type Body = LogReadOfAnyParty;

    fn command(
        LogReadOfAnyParty(read): &LogReadOfAnyParty,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = only_use_case(service, context)?;
        if use_case.use_case_id() == Some("ECS20b") {
            return protected_log(
                use_case,
                context,
                CHANGE_OF_MODE_OR_TARIFF_PROTECTION,
                &[CHANGE_OF_MODE_OR_TARIFF_LOG],
                read,
            );
        }
        let period = zigbee_period(read)?;
        let requests = snapshots(
            PREPAYMENT_SNAPSHOTS,
            period,
            BILLING_DATA_LOG_ENTRIES,
            CHANGE_OF_MODE_OR_TARIFF,
        )
        .chain(snapshots(
            METERING_SNAPSHOTS,
            period,
            BILLING_DATA_LOG_ENTRIES,
            CHANGE_OF_MODE_OR_TARIFF,
        ));
        Ok(from_requester_or_broker(
            gbz(use_case, context, requests),
            read,
        ))
    }
}

const BILLING_CALENDAR_PROTECTION: [u8; 6] = [0, 0, 43, 2, 2, 255];
/// ECS20c: the billing calendar triggered logs (energy, then prepayment).
const BILLING_CALENDAR_LOGS: [[u8; 6]; 2] = [[0, 0, 98, 1, 0, 255], [0, 0, 98, 1, 1, 255]];

/// 4.4.3: ECS20c on an ESME, GCS15c on a GSME or its GPF (metering then prepayment snapshots).
struct BillingCalendarBillingDataLog;

impl Read for BillingCalendarBillingDataLog {
    type Body = LogReadOfAnyParty;

    fn command(
        LogReadOfAnyParty(read): &LogReadOfAnyParty,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = only_use_case(service, context)?;
        if use_case.use_case_id() == Some("ECS20c") {
            return protected_log(
                use_case,
                context,
                BILLING_CALENDAR_PROTECTION,
                &BILLING_CALENDAR_LOGS,
                read,
            );
        }
        let period = zigbee_period(read)?;
        let cause = metering::SNAPSHOT_END_OF_BILLING_PERIOD;
        let requests = snapshots(METERING_SNAPSHOTS, period, BILLING_DATA_LOG_ENTRIES, cause)
            .chain(snapshots(
                PREPAYMENT_SNAPSHOTS,
                period,
                BILLING_DATA_LOG_ENTRIES,
                cause,
            ));
        Ok(from_requester_or_broker(
            gbz(use_case, context, requests),
            read,
        ))
    }
}

const DEBT_PAYMENTS_LOG: [u8; 6] = [0, 0, 98, 1, 4, 255];
/// GCS15d: a GSME's debt repayment log holds the last 10 payments.
const DEBT_REPAYMENT_LOG_ENTRIES: u8 = 10;

/// 4.4.4: ECS20a on an ESME, GCS15d on a GSME or its GPF.
struct DebtPaymentsBillingDataLog;

impl Read for DebtPaymentsBillingDataLog {
    type Body = LogReadOfKnownParty;

    fn command(
        LogReadOfKnownParty(read): &LogReadOfKnownParty,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = only_use_case(service, context)?;
        if use_case.use_case_id() == Some("ECS20a") {
            let request = captured_between(read, DEBT_PAYMENTS_LOG)?;
            return Ok(DeviceCommand::dlms(use_case, context, request));
        }
        let (start, end) = zigbee_period(read)?;
        let request = ZclRequest::command(ClusterCommand::GetDebtRepaymentLog {
            latest_end_time: end,
            number_of_debts: DEBT_REPAYMENT_LOG_ENTRIES,
            debt_type: prepayment::ALL_DEBTS,
        })
        .from(start);
        Ok(gbz(use_case, context, [request]))
    }
}

const PREPAYMENT_CREDITS_LOG: [u8; 6] = [0, 0, 98, 1, 5, 255];
/// GCS15e: a GSME's top up log holds the last 5 top ups.
const TOP_UP_LOG_ENTRIES: u8 = 5;

/// 4.4.5: ECS20d on an ESME, GCS15e on a GSME or its GPF.
struct PrepaymentCreditsBillingDataLog;

impl Read for PrepaymentCreditsBillingDataLog {
    type Body = LogReadOfKnownParty;

    fn command(
        LogReadOfKnownParty(read): &LogReadOfKnownParty,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = only_use_case(service, context)?;
        if use_case.use_case_id() == Some("ECS20d") {
            let request = captured_between(read, PREPAYMENT_CREDITS_LOG)?;
            return Ok(DeviceCommand::dlms(use_case, context, request));
        }
        let (start, end) = zigbee_period(read)?;
        let request = ZclRequest::command(ClusterCommand::GetTopUpLog {
            latest_end_time: end,
            number_of_records: TOP_UP_LOG_ENTRIES,
        })
        .from(start);
        Ok(gbz(use_case, context, [request]))
    }
}

// --- 4.6 Daily read logs, 4.14 prepayment daily read log -------------------------------------

const IMPORT_DAILY_READ_PROTECTION: [u8; 6] = [0, 0, 43, 2, 5, 255];
const IMPORT_DAILY_READ_LOG: [u8; 6] = [0, 0, 98, 1, 9, 255];

/// 4.6.1: ECS21a on an ESME, GCS16a (daily metering snapshots) on a GSME or its GPF.
struct ImportDailyReadLog;

impl Read for ImportDailyReadLog {
    type Body = LogReadOfAnyParty;

    fn command(
        LogReadOfAnyParty(read): &LogReadOfAnyParty,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = only_use_case(service, context)?;
        if use_case.use_case_id() == Some("ECS21a") {
            return protected_log(
                use_case,
                context,
                IMPORT_DAILY_READ_PROTECTION,
                &[IMPORT_DAILY_READ_LOG],
                read,
            );
        }
        let requests = snapshots(
            METERING_SNAPSHOTS,
            zigbee_period(read)?,
            DAILY_READ_LOG_ENTRIES,
            metering::SNAPSHOT_GENERAL,
        );
        Ok(from_requester_or_broker(
            gbz(use_case, context, requests),
            read,
        ))
    }
}

const EXPORT_DAILY_READ_LOG: [u8; 6] = [0, 0, 98, 1, 10, 255];

/// 4.6.2: ECS21c on an ESME. Its one eligible role, the export supplier, is never a remote
/// party an ESME knows: the ACB sends it (the RTDS command is the ACB's).
struct ExportDailyReadLog;

impl Read for ExportDailyReadLog {
    type Body = LogReadOfKnownParty;

    fn command(
        LogReadOfKnownParty(read): &LogReadOfKnownParty,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = only_use_case(service, context)?;
        let request = captured_between(read, EXPORT_DAILY_READ_LOG)?;
        Ok(DeviceCommand::dlms(use_case, context, request)
            .originated_by(CommandOrigin::access_control_broker_on_behalf()))
    }
}

const PREPAYMENT_DAILY_READ_PROTECTION: [u8; 6] = [0, 0, 43, 2, 6, 255];
const PREPAYMENT_DAILY_READ_LOG: [u8; 6] = [0, 0, 98, 1, 8, 255];

/// 4.14: ECS21b on an ESME, GCS16b (daily prepayment snapshots) on a GSME or its GPF.
struct PrepaymentDailyReadLog;

impl Read for PrepaymentDailyReadLog {
    type Body = LogReadOfAnyParty;

    fn command(
        LogReadOfAnyParty(read): &LogReadOfAnyParty,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = only_use_case(service, context)?;
        if use_case.use_case_id() == Some("ECS21b") {
            return protected_log(
                use_case,
                context,
                PREPAYMENT_DAILY_READ_PROTECTION,
                &[PREPAYMENT_DAILY_READ_LOG],
                read,
            );
        }
        let requests = snapshots(
            PREPAYMENT_SNAPSHOTS,
            zigbee_period(read)?,
            DAILY_READ_LOG_ENTRIES,
            metering::SNAPSHOT_GENERAL,
        );
        Ok(from_requester_or_broker(
            gbz(use_case, context, requests),
            read,
        ))
    }
}

// --- 4.8 Profile data, 4.17 daily consumption log --------------------------------------------

const ACTIVE_IMPORT_PROFILE_PROTECTION: [u8; 6] = [0, 0, 43, 2, 7, 255];
const ACTIVE_IMPORT_PROFILE: [u8; 6] = [0, 0, 99, 1, 0, 255];
/// GSME sample logs: the profile data log (half-hourly consumption).
const PROFILE_DATA_LOG: u16 = 0x0000;
/// GSME sample logs: the daily consumption log.
const DAILY_CONSUMPTION_LOG: u16 = 0x0001;
/// GSME sample logs: the network data log GCS31 starts.
const NETWORK_DATA_LOG: u16 = 0x0002;
const HALF_HOUR_SECONDS: i64 = 1800;

/// 4.8.1: ECS22b on an ESME, GCS17 on a GSME or its GPF: the half-hour samples from the start
/// of the period to its end, both included (48 hours are 97 samples in the RTDS command).
struct ActiveImportProfileData;

impl Read for ActiveImportProfileData {
    type Body = LogReadOfAnyParty;

    fn command(
        LogReadOfAnyParty(read): &LogReadOfAnyParty,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = only_use_case(service, context)?;
        if use_case.use_case_id() == Some("ECS22b") {
            return protected_log(
                use_case,
                context,
                ACTIVE_IMPORT_PROFILE_PROTECTION,
                &[ACTIVE_IMPORT_PROFILE],
                read,
            );
        }
        let half_hours = (read.period.end - read.period.start).whole_seconds() / HALF_HOUR_SECONDS;
        let request = ZclRequest::command(ClusterCommand::GetSampledData {
            sample_id: PROFILE_DATA_LOG,
            earliest_sample_time: zigbee_utc_time("StartDateTime", read.period.start)?,
            sample_type: metering::SAMPLE_CONSUMPTION_DELIVERED,
            number_of_samples: u16::try_from(half_hours + 1).unwrap_or(u16::MAX),
        });
        Ok(from_requester_or_broker(
            gbz(use_case, context, [request]),
            read,
        ))
    }
}

const REACTIVE_IMPORT_PROFILE: [u8; 6] = [0, 0, 99, 1, 2, 255];

/// 4.8.2: ECS22c on an ESME.
struct ReactiveImportProfileData;

impl ProfileRead for ReactiveImportProfileData {
    const PROFILE: [u8; 6] = REACTIVE_IMPORT_PROFILE;
}

const EXPORT_PROFILE: [u8; 6] = [0, 0, 99, 1, 1, 255];

/// 4.8.3: ECS22a on an ESME.
struct ExportProfileData;

impl ProfileRead for ExportProfileData {
    const PROFILE: [u8; 6] = EXPORT_PROFILE;
}

const DAILY_CONSUMPTION_PROTECTION: [u8; 6] = [0, 0, 43, 2, 4, 255];
const DAILY_CONSUMPTION_PROFILE: [u8; 6] = [0, 0, 99, 1, 3, 255];
/// GCS61: the whole daily consumption log a GSME keeps (731 days), from the period's start.
const DAILY_CONSUMPTION_LOG_SAMPLES: u16 = 731;

/// 4.17: ECS66 on an ESME, GCS61 on a GSME or its GPF.
struct DailyConsumptionLog;

impl Read for DailyConsumptionLog {
    type Body = LogReadOfAnyParty;

    fn command(
        LogReadOfAnyParty(read): &LogReadOfAnyParty,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = only_use_case(service, context)?;
        if use_case.use_case_id() == Some("ECS66") {
            return protected_log(
                use_case,
                context,
                DAILY_CONSUMPTION_PROTECTION,
                &[DAILY_CONSUMPTION_PROFILE],
                read,
            );
        }
        let request = ZclRequest::command(ClusterCommand::GetSampledData {
            sample_id: DAILY_CONSUMPTION_LOG,
            earliest_sample_time: zigbee_utc_time("StartDateTime", read.period.start)?,
            sample_type: metering::SAMPLE_CONSUMPTION_DELIVERED,
            number_of_samples: DAILY_CONSUMPTION_LOG_SAMPLES,
        });
        Ok(from_requester_or_broker(
            gbz(use_case, context, [request]),
            read,
        ))
    }
}

// --- 4.10 Network data, 14.1 record network data (gas) ---------------------------------------

/// ECS23: average RMS voltage register and its threshold counter (values and units), the
/// voltage profile's entries in the period and its capture period.
fn voltage_phase(
    read: &LogRead,
    request: AccessRequest,
    phase: u8,
) -> Result<AccessRequest, Rejection> {
    let average_voltage = [1, 0, phase, 32, 0, 4];
    let voltage_counter = [1, 0, phase, 36, 0, 4];
    let profile = [1, 0, phase, 24, 0, 255];
    let profile_capture_period = reference(class::PROFILE_GENERIC, profile, 4);
    Ok(request
        .get_all(&register_value_and_unit(average_voltage))
        .get_all(&register_value_and_unit(voltage_counter))
        .get_captured_between(
            buffer(profile),
            capture_time("StartDateTime", read.period.start)?,
            capture_time("EndDateTime", read.period.end)?,
        )
        .get(profile_capture_period))
}

/// OBIS value group C of the voltage objects of phases L1, L2 and L3.
const SINGLE_PHASE: [u8; 1] = [32];
const POLYPHASE: [u8; 3] = [32, 52, 72];

/// GCS18 reads the whole network data log GCS31 starts: from its first sample (earliest sample
/// time 1), its 41 samples, whatever the DUIS period, as the RTDS command shows.
const NETWORK_DATA_FROM_FIRST_SAMPLE: u32 = 1;
const NETWORK_DATA_LOG_SAMPLES: u16 = 41;
/// GCS31 samples every 6 minutes.
const NETWORK_DATA_SAMPLE_INTERVAL_SECONDS: u16 = 360;

/// 4.10: ECS23 on a single-phase ESME (ECS23b, for a polyphase ESME, needs the ESME variant
/// from the inventory, which the context does not carry yet), GCS18 on a GSME or its GPF.
struct NetworkData;

impl Read for NetworkData {
    type Body = LogReadOfAnyParty;

    fn command(
        LogReadOfAnyParty(read): &LogReadOfAnyParty,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        if context.device_type.speaks_gbz() {
            let use_case = use_case_named(service, "GCS18", context.device_type)?;
            let request = ZclRequest::command(ClusterCommand::GetSampledData {
                sample_id: NETWORK_DATA_LOG,
                earliest_sample_time: NETWORK_DATA_FROM_FIRST_SAMPLE,
                sample_type: metering::SAMPLE_CONSUMPTION_DELIVERED,
                number_of_samples: NETWORK_DATA_LOG_SAMPLES,
            });
            return Ok(from_requester_or_broker(
                gbz(use_case, context, [request]),
                read,
            ));
        }
        let use_case = super::use_case_for_device(service, "ECS23", context)?;
        let request = network_data_request(read, use_case)?;
        Ok(from_requester_or_broker(
            DeviceCommand::dlms(use_case, context, request),
            read,
        ))
    }
}

/// The voltage objects of each phase the use case reads (ECS23 one, ECS23b three).
fn network_data_request(
    read: &LogRead,
    use_case: &'static MessageCodeEntry,
) -> Result<AccessRequest, Rejection> {
    let phases: &[u8] = match use_case.use_case_id() {
        Some("ECS23b") => &POLYPHASE,
        _ => &SINGLE_PHASE,
    };
    phases
        .iter()
        .try_fold(AccessRequest::new(), |request, phase| {
            voltage_phase(read, request, *phase)
        })
}

/// 14.1: GCS31 on a GSME: start a network data log of 6-minute samples. The ACB sends it (the
/// RTDS command is the ACB's); the issuer event id is the DCC's time.
struct RecordNetworkDataGas;

impl Read for RecordNetworkDataGas {
    type Body = OnDemand;

    fn command(
        _: &OnDemand,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = only_use_case(service, context)?;
        let request = ZclRequest::command(ClusterCommand::StartSampling {
            issuer_event_id: zigbee_utc_time_of(context.now),
            start_sampling_time: 0,
            sample_type: metering::SAMPLE_CONSUMPTION_DELIVERED,
            sample_request_interval: NETWORK_DATA_SAMPLE_INTERVAL_SECONDS,
            maximum_number_of_samples: NETWORK_DATA_LOG_SAMPLES,
        });
        Ok(gbz(use_case, context, [request])
            .originated_by(CommandOrigin::access_control_broker_on_behalf()))
    }
}

// --- 4.11 Tariff, 4.12 maximum demand, 4.13 prepayment configuration -------------------------

/// ECS24: the primary element's tariff: block thresholds register, switching table, special
/// days, the eight block threshold monitors, currency, standing charge and price matrix.
const PRIMARY_TARIFF: [CosemReference; 17] = [
    register([0, 0, 94, 44, 1, 7], 2),
    register([0, 0, 94, 44, 1, 7], 3),
    reference(class::ACTIVITY_CALENDAR, [0, 0, 13, 0, 0, 255], 3),
    reference(class::ACTIVITY_CALENDAR, [0, 0, 13, 0, 0, 255], 4),
    reference(class::ACTIVITY_CALENDAR, [0, 0, 13, 0, 0, 255], 5),
    reference(class::SPECIAL_DAYS_TABLE, [0, 0, 11, 0, 0, 255], 2),
    reference(class::REGISTER_MONITOR, [0, 0, 16, 0, 11, 255], 2),
    reference(class::REGISTER_MONITOR, [0, 0, 16, 0, 12, 255], 2),
    reference(class::REGISTER_MONITOR, [0, 0, 16, 0, 13, 255], 2),
    reference(class::REGISTER_MONITOR, [0, 0, 16, 0, 14, 255], 2),
    reference(class::REGISTER_MONITOR, [0, 0, 16, 0, 15, 255], 2),
    reference(class::REGISTER_MONITOR, [0, 0, 16, 0, 16, 255], 2),
    reference(class::REGISTER_MONITOR, [0, 0, 16, 0, 17, 255], 2),
    reference(class::REGISTER_MONITOR, [0, 0, 16, 0, 18, 255], 2),
    reference(class::GBCS_EXTENDED_DATA, [0, 0, 94, 44, 2, 0], 2),
    reference(class::CHARGE, [0, 0, 19, 20, 4, 255], 5),
    reference(class::CHARGE, [0, 0, 19, 20, 0, 255], 5),
];

/// GCS21f, price cluster: block threshold scaling and thresholds, unit, block prices, currency,
/// price trailing digit and standing charge.
const GAS_TARIFF_PRICES: [u16; 17] = [
    price::THRESHOLD_DIVISOR,
    price::THRESHOLD_MULTIPLIER,
    price::BLOCK_1_THRESHOLD,
    price::BLOCK_2_THRESHOLD,
    price::BLOCK_3_THRESHOLD,
    price::UNIT_OF_MEASURE,
    price::NO_TIER_BLOCK_1_PRICE,
    price::NO_TIER_BLOCK_2_PRICE,
    price::NO_TIER_BLOCK_3_PRICE,
    price::NO_TIER_BLOCK_4_PRICE,
    price::TIER_1_BLOCK_1_PRICE,
    price::TIER_2_BLOCK_1_PRICE,
    price::TIER_3_BLOCK_1_PRICE,
    price::TIER_4_BLOCK_1_PRICE,
    price::CURRENCY,
    price::PRICE_TRAILING_DIGIT,
    price::STANDING_CHARGE,
];

/// A GSME calendar whole: its day profiles, week profiles, seasons and special days.
fn calendar_reads(issuer_calendar_id: u32, calendar_type: u8) -> [ZclRequest; 4] {
    const ALL: u8 = 0;
    const FIRST: u8 = 1;
    [
        ClusterCommand::GetDayProfiles {
            provider_id: 0,
            issuer_calendar_id,
            start_day_id: FIRST,
            number_of_days: ALL,
        },
        ClusterCommand::GetWeekProfiles {
            provider_id: 0,
            issuer_calendar_id,
            start_week_id: FIRST,
            number_of_weeks: ALL,
        },
        ClusterCommand::GetSeasons {
            provider_id: 0,
            issuer_calendar_id,
        },
        ClusterCommand::GetSpecialDays {
            start_time: 0,
            number_of_events: ALL,
            calendar_type,
            provider_id: 0,
            issuer_calendar_id,
        },
    ]
    .map(ZclRequest::command)
}

/// 4.11.1: ECS24 on an ESME, GCS21f on a GSME.
struct TariffPrimaryElement;

impl Read for TariffPrimaryElement {
    type Body = OnDemand;

    fn command(
        _: &OnDemand,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = only_use_case(service, context)?;
        if use_case.use_case_id() == Some("ECS24") {
            return Ok(gets(use_case, context, &PRIMARY_TARIFF));
        }
        let requests = std::iter::once(read_attributes(cluster::PRICE, &GAS_TARIFF_PRICES))
            .chain(calendar_reads(
                calendar::TARIFF_CALENDAR,
                calendar::DELIVERED,
            ))
            .chain([ZclRequest::command(ClusterCommand::GetCurrentPrice {
                command_options: 0,
            })]);
        Ok(gbz(use_case, context, requests))
    }
}

/// ECS24b: the secondary element's price matrix, block thresholds register, special days and
/// switching table.
const SECONDARY_TARIFF: [CosemReference; 7] = [
    reference(class::CHARGE, [0, 0, 19, 20, 5, 255], 5),
    register([0, 0, 94, 44, 1, 8], 2),
    register([0, 0, 94, 44, 1, 8], 3),
    reference(class::SPECIAL_DAYS_TABLE, [0, 0, 11, 0, 1, 255], 2),
    reference(class::ACTIVITY_CALENDAR, [0, 0, 13, 0, 1, 255], 3),
    reference(class::ACTIVITY_CALENDAR, [0, 0, 13, 0, 1, 255], 4),
    reference(class::ACTIVITY_CALENDAR, [0, 0, 13, 0, 1, 255], 5),
];

/// 4.11.2: ECS24b on a twin-element ESME.
struct TariffSecondaryElement;

impl AttributeList for TariffSecondaryElement {
    type Body = OnDemand;
    const ATTRIBUTES: &'static [CosemReference] = &SECONDARY_TARIFF;
}

/// The value, scaler-unit and capture time of an extended register.
const fn maximum_demand(obis: [u8; 6]) -> [CosemReference; 3] {
    [
        reference(class::EXTENDED_REGISTER, obis, 2),
        reference(class::EXTENDED_REGISTER, obis, 3),
        reference(class::EXTENDED_REGISTER, obis, 5),
    ]
}

/// ECS18b: the maximum demand configuration, the two import maximum demand registers and the
/// maximum demand reset schedule.
const MAXIMUM_DEMAND_IMPORT: [CosemReference; 9] = {
    let [first_value, first_unit, first_time] = maximum_demand([1, 0, 1, 6, 0, 255]);
    let [second_value, second_unit, second_time] = maximum_demand([1, 0, 1, 6, 1, 255]);
    [
        data([0, 0, 94, 44, 5, 0]),
        data([0, 0, 94, 44, 5, 1]),
        first_value,
        first_unit,
        first_time,
        second_value,
        second_unit,
        second_time,
        reference(class::SCHEDULE, [0, 0, 12, 0, 0, 255], 2),
    ]
};

/// 4.12.1: ECS18b on an ESME.
struct MaximumDemandImportRegisters;

impl AttributeList for MaximumDemandImportRegisters {
    type Body = FutureDated;
    const ATTRIBUTES: &'static [CosemReference] = &MAXIMUM_DEMAND_IMPORT;
}

/// ECS18a: the export maximum demand configuration and register.
const MAXIMUM_DEMAND_EXPORT: [CosemReference; 4] = {
    let [value, unit, time] = maximum_demand([1, 0, 2, 6, 0, 255]);
    [data([0, 0, 94, 44, 5, 2]), value, unit, time]
};

/// 4.12.2: ECS18a on an ESME.
struct MaximumDemandExportRegisters;

impl AttributeList for MaximumDemandExportRegisters {
    type Body = FutureDated;
    const ATTRIBUTES: &'static [CosemReference] = &MAXIMUM_DEMAND_EXPORT;
}

/// ECS26a: debt recovery rates and periods, the non-disablement calendar, debt recovery per
/// payment, credit thresholds, low credit monitor, account and emergency credit settings,
/// the non-disablement schedule and the credit charge configuration, in GBCS's order.
const PREPAYMENT_CONFIGURATION: [CosemReference; 18] = [
    reference(class::CHARGE, [0, 0, 19, 20, 1, 255], 5),
    reference(class::SPECIAL_DAYS_TABLE, [0, 0, 11, 0, 2, 255], 2),
    reference(class::CHARGE, [0, 0, 19, 20, 1, 255], 8),
    reference(class::CHARGE, [0, 0, 19, 20, 1, 255], 5),
    reference(class::CHARGE, [0, 0, 19, 20, 2, 255], 5),
    reference(class::CHARGE, [0, 0, 19, 20, 2, 255], 8),
    reference(class::CHARGE, [0, 0, 19, 20, 2, 255], 5),
    reference(class::CHARGE, [0, 0, 19, 20, 3, 255], 13),
    reference(class::GBCS_EXTENDED_DATA, [0, 0, 94, 44, 2, 10], 2),
    reference(class::REGISTER_MONITOR, [0, 0, 16, 0, 1, 255], 2),
    reference(class::GBCS_EXTENDED_DATA, [0, 0, 94, 44, 2, 20], 2),
    reference(class::ACCOUNT, [0, 0, 19, 0, 0, 255], 16),
    reference(class::ACCOUNT, [0, 0, 19, 0, 0, 255], 18),
    reference(class::ACCOUNT, [0, 0, 19, 0, 0, 255], 19),
    reference(class::CREDIT, [0, 0, 19, 10, 1, 255], 9),
    reference(class::CREDIT, [0, 0, 19, 10, 1, 255], 10),
    reference(class::SCHEDULE, [0, 0, 12, 0, 1, 255], 2),
    reference(class::ACCOUNT, [0, 0, 19, 0, 0, 255], 11),
];

/// GCS21b, prepayment cluster: debt recovery, debt cap, cut-off, emergency and low credit,
/// credit limits.
const GAS_PREPAYMENT_CONFIGURATION: [u16; 12] = [
    prepayment::DEBT_RECOVERY_TOP_UP_PERCENTAGE_3,
    prepayment::OVERALL_DEBT_CAP,
    prepayment::DEBT_RECOVERY_FREQUENCY_1,
    prepayment::DEBT_RECOVERY_FREQUENCY_2,
    prepayment::CUT_OFF_VALUE,
    prepayment::EMERGENCY_CREDIT_LIMIT_ALLOWANCE,
    prepayment::EMERGENCY_CREDIT_THRESHOLD,
    prepayment::LOW_CREDIT_WARNING_LEVEL,
    prepayment::MAXIMUM_CREDIT_LIMIT,
    prepayment::MAXIMUM_CREDIT_PER_TOP_UP,
    prepayment::DEBT_RECOVERY_AMOUNT_1,
    prepayment::DEBT_RECOVERY_AMOUNT_2,
];

/// 4.13: ECS26a on an ESME, GCS21b (with the friendly credit calendar) on a GSME.
struct PrepaymentConfiguration;

impl Read for PrepaymentConfiguration {
    type Body = FutureDated;

    fn command(
        _: &FutureDated,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = only_use_case(service, context)?;
        if use_case.use_case_id() == Some("ECS26a") {
            return Ok(gets(use_case, context, &PREPAYMENT_CONFIGURATION));
        }
        let requests = [
            read_attributes(cluster::PREPAYMENT, &GAS_PREPAYMENT_CONFIGURATION),
            read_attributes(cluster::PRICE, &[price::PRICE_TRAILING_DIGIT]),
        ]
        .into_iter()
        .chain(calendar_reads(
            calendar::FRIENDLY_CREDIT_CALENDAR,
            calendar::FRIENDLY_CREDIT,
        ));
        Ok(gbz(use_case, context, requests))
    }
}

// --- 4.15 Load limit, 4.16 active power, 4.18 meter balance ----------------------------------

/// ECS27: the load limit configuration, the load limit counter register and the limiter's
/// threshold, minimum over- and under-threshold durations.
const LOAD_LIMIT: [CosemReference; 6] = {
    let [counter_value, counter_unit] = register_value_and_unit([0, 0, 94, 44, 42, 255]);
    [
        reference(class::GBCS_EXTENDED_DATA, [0, 0, 94, 44, 0, 3], 2),
        counter_value,
        counter_unit,
        reference(class::LIMITER, [0, 0, 17, 0, 0, 255], 4),
        reference(class::LIMITER, [0, 0, 17, 0, 0, 255], 6),
        reference(class::LIMITER, [0, 0, 17, 0, 0, 255], 7),
    ]
};

/// 4.15: ECS27 on an ESME.
struct LoadLimitData;

impl AttributeList for LoadLimitData {
    type Body = FutureDated;
    const ATTRIBUTES: &'static [CosemReference] = &LOAD_LIMIT;
}

/// ECS17c: the power import collection.
const ACTIVE_POWER_IMPORT: CosemReference = data([0, 0, 94, 44, 34, 20]);

/// 4.16: ECS17c on an ESME.
struct ActivePowerImport;

impl AttributeList for ActivePowerImport {
    type Body = OnDemand;
    const ATTRIBUTES: &'static [CosemReference] = &[ACTIVE_POWER_IMPORT];
}

/// ECS82: the meter balance.
const METER_BALANCE: CosemReference = reference(class::CREDIT, [0, 0, 19, 10, 0, 255], 2);
/// GCS60a: the bill to date (metering cluster) and the credit remaining (prepayment cluster).
const GAS_METER_BALANCE: [(u16, u16); 2] = [
    (cluster::METERING, metering::BILL_TO_DATE_DELIVERED),
    (cluster::PREPAYMENT, prepayment::CREDIT_REMAINING),
];

/// 4.18: ECS82 on an ESME; on a GSME or its GPF, GCS60a. GCS60 (the same payload under an older
/// message code) is what DUIS's mapping table names; GBCS's newer GCS60a is what three of the
/// four RTDS GSME reads use. RTDS sends both to the same GSME, and no source dates GCS60a, so
/// the device profile (the inventory's GBCS version) does not choose between them.
struct MeterBalance;

impl Read for MeterBalance {
    type Body = FutureDated;

    fn command(
        _: &FutureDated,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        if !context.device_type.speaks_gbz() {
            let use_case = only_use_case_named(service, "ECS82", context)?;
            return Ok(gets(use_case, context, &[METER_BALANCE]));
        }
        let use_case = only_use_case_named(service, "GCS60a", context)?;
        let requests =
            GAS_METER_BALANCE.map(|(cluster, attribute)| read_attributes(cluster, &[attribute]));
        Ok(gbz(use_case, context, requests))
    }
}

fn only_use_case_named(
    service: &ServiceDefinition,
    id: &str,
    context: &CommandContext,
) -> Result<&'static MessageCodeEntry, Rejection> {
    use_case_named(service, id, context.device_type)
        .map_err(|_| not_for_device_type(service, context.device_type))
}

#[cfg(test)]
mod tests {
    use super::*;
    use dcc_model::{CommandVariant, DeviceType, Eui64, RequestId};

    fn context(device_type: DeviceType) -> CommandContext {
        CommandContext {
            request_id: RequestId::new(
                Eui64::from_u64(0x90B3_D51F_3001_0000),
                Eui64::from_u64(0x00DB_1234_5678_90A0),
                1000,
            ),
            command_variant: CommandVariant::SendOverWan,
            device_type,
            now: time::macros::datetime!(2015-01-01 00:00:00 UTC),
            device_profile: Default::default(),
            requester_role: None,
        }
    }

    fn log_body(name: &str, start: &str, end: &str, extra: Vec<BodyElement>) -> BodyElement {
        let mut children = vec![BodyElement::with_children(
            "ReadLogPeriod",
            vec![
                BodyElement::leaf("StartDateTime", start),
                BodyElement::leaf("EndDateTime", end),
            ],
        )];
        children.extend(extra);
        BodyElement::with_children(name, children)
    }

    fn transform(
        variant: &str,
        body: &BodyElement,
        device_type: DeviceType,
    ) -> Result<DeviceCommand, Rejection> {
        let service = duis::catalogue::lookup(variant).expect("catalogued");
        let transform = SERVICES
            .iter()
            .find(|(registered, _)| *registered == variant)
            .map(|(_, transform)| *transform)
            .expect("registered");
        transform(
            service,
            body,
            &context(device_type),
            &crate::services::NoKnowledge,
        )
    }

    #[test]
    fn a_log_period_that_ends_before_it_starts_is_refused() {
        let body = log_body(
            "RetrieveImportDailyReadLog",
            "2015-01-02T00:00:00Z",
            "2015-01-01T00:00:00Z",
            Vec::new(),
        );
        assert!(matches!(
            transform("4.6.1", &body, DeviceType::ElectricitySmartMeter),
            Err(Rejection::Malformed(message)) if message.contains("EndDateTime")
        ));
    }

    #[test]
    fn credentials_are_refused_where_the_schema_has_none() {
        let certificate = BodyElement::leaf("KAPublicSecurityCredentials", "AAAA");
        let body = log_body(
            "RetrieveExportDailyReadLog",
            "2015-01-01T00:00:00Z",
            "2015-01-02T00:00:00Z",
            vec![certificate],
        );
        assert_eq!(
            transform("4.6.2", &body, DeviceType::ElectricitySmartMeter).err(),
            Some(Rejection::Malformed(
                "RetrieveExportDailyReadLog does not take KAPublicSecurityCredentials here".into()
            ))
        );
    }

    #[test]
    fn a_log_read_without_its_period_or_with_a_bad_date_is_refused() {
        let body = BodyElement::with_children("ReadNetworkData", Vec::new());
        assert_eq!(
            transform("4.10", &body, DeviceType::GasSmartMeter).err(),
            Some(Rejection::Malformed(
                "ReadNetworkData needs ReadLogPeriod here, found nothing".into()
            ))
        );
        let body = log_body(
            "ReadNetworkData",
            "2015-13-01T00:00:00Z",
            "2015-01-02T00:00:00Z",
            Vec::new(),
        );
        assert!(matches!(
            transform("4.10", &body, DeviceType::GasSmartMeter),
            Err(Rejection::Malformed(message)) if message.starts_with("StartDateTime")
        ));
    }

    #[test]
    fn reads_on_demand_take_no_execution_date_time() {
        let body = BodyElement::with_children(
            "ReadActivePowerImport",
            vec![BodyElement::leaf(
                "ExecutionDateTime",
                "2030-01-01T00:00:00Z",
            )],
        );
        assert_eq!(
            transform("4.16", &body, DeviceType::ElectricitySmartMeter).err(),
            Some(Rejection::Malformed(
                "ReadActivePowerImport does not take ExecutionDateTime here".into()
            ))
        );
        let future = BodyElement::with_children(
            "ReadMeterBalance",
            vec![BodyElement::leaf(
                "ExecutionDateTime",
                "2030-01-01T00:00:00Z",
            )],
        );
        assert!(transform("4.18", &future, DeviceType::ElectricitySmartMeter).is_ok());
    }

    #[test]
    fn reads_for_another_device_type_are_refused() {
        let body = BodyElement::with_children("ReadTariffSecondaryElement", Vec::new());
        assert!(matches!(
            transform("4.11.2", &body, DeviceType::GasSmartMeter),
            Err(Rejection::ServiceNotValidForDeviceType(_))
        ));
        let body = BodyElement::with_children("ReadMeterBalance", Vec::new());
        assert!(matches!(
            transform("4.18", &body, DeviceType::CommunicationsHubFunction),
            Err(Rejection::ServiceNotValidForDeviceType(_))
        ));
    }

    #[test]
    fn gas_profile_reads_ask_for_every_half_hour_of_the_period() {
        let body = log_body(
            "ReadActiveImportProfileData",
            "2014-12-30T00:00:00Z",
            "2015-01-01T00:00:00Z",
            Vec::new(),
        );
        let command = transform("4.8.1", &body, DeviceType::GasSmartMeter).expect("command");
        let payload = gbcs::gbz::GbzPayload::parse(&command.apdu.payload).expect("GBZ");
        let gbcs::gbz::ComponentBody::Plain(zcl) = &payload.components[0].body else {
            panic!("plain");
        };
        assert_eq!(
            ClusterCommand::decode(cluster::METERING, 0x08, zcl),
            Ok(Some(ClusterCommand::GetSampledData {
                sample_id: PROFILE_DATA_LOG,
                earliest_sample_time: 0x1C34_A780,
                sample_type: 0,
                number_of_samples: 97,
            }))
        );
    }

    /// A 4.14 request from the test supplier with its KA certificate, as DUIS XML.
    fn prepayment_daily_read_request(certificate_base64: &str) -> duis::Request {
        let xml = format!(
            r#"<sr:Request xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway" schemaVersion="5.4">
  <sr:Header>
    <sr:RequestID>90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1004</sr:RequestID>
    <sr:CommandVariant>1</sr:CommandVariant>
    <sr:ServiceReference>4.14</sr:ServiceReference>
    <sr:ServiceReferenceVariant>4.14</sr:ServiceReferenceVariant>
  </sr:Header>
  <sr:Body>
    <sr:ReadPrepaymentDailyReadLog>
      <sr:ReadLogPeriod>
        <sr:StartDateTime>2014-12-25T23:30:00Z</sr:StartDateTime>
        <sr:EndDateTime>2015-01-01T00:00:00Z</sr:EndDateTime>
      </sr:ReadLogPeriod>
      <sr:KAPublicSecurityCredentials>{certificate_base64}</sr:KAPublicSecurityCredentials>
    </sr:ReadPrepaymentDailyReadLog>
  </sr:Body>
</sr:Request>"#
        );
        duis::parse_request(xml.as_bytes()).expect("a DUIS request")
    }

    #[test]
    fn a_read_for_an_unknown_remote_party_is_the_brokers_with_its_certificate() {
        let supplier = Eui64::from_u64(0x90B3_D51F_3001_0000);
        let pki = smki::TestPki::default_for(7).expect("test PKI");
        let certificate = &pki
            .identity(supplier, smki::KeyUsage::KeyAgreement, None)
            .expect("the supplier's KA certificate")
            .certificate;
        let base64: String = certificate
            .pem()
            .lines()
            .filter(|line| !line.starts_with("-----"))
            .collect();
        let request = prepayment_daily_read_request(&base64);
        let service = duis::catalogue::lookup("4.14").expect("catalogued");
        let mut context = context(DeviceType::ElectricitySmartMeter);
        context.request_id = request.header.request_id;

        let command = super::super::transform_with(
            service,
            &request,
            &context,
            &super::super::tests::DccCounter(1302),
        )
        .expect("the ACB's command");
        let header = &command.apdu.header;
        assert_eq!(header.originator, dcc_model::DCC_ACCESS_CONTROL_BROKER);
        assert_eq!(header.transaction.counter, 1302);
        let info = &header.other_information;
        assert_eq!(info.supplementary_remote_party_id, Some(supplier));
        assert_eq!(info.supplementary_remote_party_counter, Some(1004));
        assert_eq!(
            info.remote_party_certificate.as_deref(),
            Some(certificate.der())
        );
        // The device encrypts for the supplier, under the ACB's transaction.
        let mut protection = vec![0x09, 0x09, 0x04];
        protection.extend_from_slice(&1302u64.to_be_bytes());
        protection.extend_from_slice(&[0x09, 0x08]);
        protection.extend_from_slice(supplier.as_bytes());
        let payload = &command.apdu.payload;
        assert!(payload
            .windows(protection.len())
            .any(|window| window == protection.as_slice()));
    }

    #[test]
    fn the_export_daily_read_log_is_the_brokers() {
        let body = log_body(
            "RetrieveExportDailyReadLog",
            "2015-01-01T00:00:00Z",
            "2015-01-02T00:00:00Z",
            Vec::new(),
        );
        let command =
            transform("4.6.2", &body, DeviceType::ElectricitySmartMeter).expect("command");
        assert_eq!(
            command.origin,
            CommandOrigin::access_control_broker_on_behalf()
        );
    }
}
