//! The DUIS service catalogue: one row per Service Reference Variant (all 129 of DUIS 5.4) with
//! its body element, whether it is critical or answered by the DCC itself, the user roles that
//! may send it, its command variants, how it may be future dated or DCC scheduled, and the
//! GBCS use cases it becomes. The one table every party and tool reads these facts from.
//!
//! Where public sources disagree, the row follows what the DCC does, as its RTDS templates show:
//! 7.12 and 7.13 are critical (command variants 4–7, the XSD comment says 1–3); 7.14 and 7.15 are
//! not (1–3, the XSD comment says 4–7); 4.2 may be DCC scheduled, as the XSD's
//! `DSPScheduledServiceReferenceVariant` allows.

use dcc_model::{CommandVariant, ServiceReferenceVariant, UserRole};

/// Whether a service goes to a device, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServiceKind {
    /// Sent to a device as a GBCS command the DSP MACs (command variants 1–3).
    NonCritical,
    /// Sent to a device as a command its originator signs: pre-command first (4–7).
    Critical,
    /// Answered by the DCC itself (command variant 8).
    NonDevice,
}

/// How a service may be future dated with `ExecutionDateTime`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FutureDated {
    NotFutureDated,
    /// The DSP holds the request and sends the command at the execution time.
    HeldByDsp,
    /// The command goes to the device now, and the device executes it at the execution time.
    SentToDevice,
    /// Either, depending on the target device.
    HeldByDspOrSentToDevice,
}

/// Whether the request body may carry an `ExecutionDateTime` (per the XSD).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExecutionDateTime {
    NoExecutionDateTime,
    OptionalExecutionDateTime,
    MandatoryExecutionDateTime,
}

/// Whether 5.1 Create Schedule may schedule the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DccScheduling {
    DccSchedulable,
    NotDccSchedulable,
}

/// One DUIS Service Reference Variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ServiceDefinition {
    pub service_reference_variant: &'static str,
    /// The element under `sr:Body` (e.g. `ReadInstantaneousImportRegisters`).
    pub body_element: &'static str,
    pub name: &'static str,
    pub kind: ServiceKind,
    /// The user roles that may send it; empty where only the DCC originates it.
    pub eligible_roles: &'static [UserRole],
    pub command_variants: &'static [u8],
    pub future_dated: FutureDated,
    pub execution_date_time: ExecutionDateTime,
    pub dcc_scheduling: DccScheduling,
    /// The GBCS use-case ids (`gbcs::catalogue`) the service becomes, over all device types.
    pub use_cases: &'static [&'static str],
}

impl ServiceDefinition {
    pub fn variant(&self) -> ServiceReferenceVariant {
        self.service_reference_variant
            .parse()
            .unwrap_or_else(|_| unreachable!("the catalogue holds well-formed variants"))
    }

    /// The Service Reference: `4.1` for `4.1.1`, `8.2` for `8.2`.
    pub fn service_reference(&self) -> &'static str {
        let variant = self.service_reference_variant;
        if variant.matches('.').count() < 2 {
            return variant;
        }
        variant
            .rsplit_once('.')
            .map_or(variant, |(reference, _)| reference)
    }

    pub fn is_critical(&self) -> bool {
        self.kind == ServiceKind::Critical
    }

    pub fn is_non_device(&self) -> bool {
        self.kind == ServiceKind::NonDevice
    }

    pub fn allows(&self, command_variant: CommandVariant) -> bool {
        self.command_variants.contains(&command_variant.number())
    }

    pub fn allows_role(&self, role: UserRole) -> bool {
        self.eligible_roles.contains(&role)
    }

    /// The command variant a user sends first: 8 for non-device services, 4 (transform) for
    /// critical ones, 1 (send over the SM WAN) otherwise, or the only one allowed.
    pub fn first_command_variant(&self) -> CommandVariant {
        let preferred = match self.kind {
            ServiceKind::NonDevice => 8,
            ServiceKind::Critical => 4,
            ServiceKind::NonCritical => 1,
        };
        let number = if self.command_variants.contains(&preferred) {
            preferred
        } else {
            self.command_variants.first().copied().unwrap_or(preferred)
        };
        CommandVariant::from_number(number)
            .unwrap_or_else(|| unreachable!("the catalogue holds command variants 1 to 8"))
    }
}

/// The definition of a service reference variant.
pub fn lookup(variant: &str) -> Option<&'static ServiceDefinition> {
    SERVICES
        .iter()
        .find(|service| service.service_reference_variant == variant)
}

/// The definition whose body element is `element`.
pub fn by_body_element(element: &str) -> Option<&'static ServiceDefinition> {
    SERVICES
        .iter()
        .find(|service| service.body_element == element)
}

#[allow(clippy::too_many_arguments)]
const fn row(
    service_reference_variant: &'static str,
    body_element: &'static str,
    name: &'static str,
    kind: ServiceKind,
    eligible_roles: &'static [UserRole],
    command_variants: &'static [u8],
    future_dated: FutureDated,
    execution_date_time: ExecutionDateTime,
    dcc_scheduling: DccScheduling,
    use_cases: &'static [&'static str],
) -> ServiceDefinition {
    ServiceDefinition {
        service_reference_variant,
        body_element,
        name,
        kind,
        eligible_roles,
        command_variants,
        future_dated,
        execution_date_time,
        dcc_scheduling,
        use_cases,
    }
}

use DccScheduling::{DccSchedulable, NotDccSchedulable};
use ExecutionDateTime::{
    MandatoryExecutionDateTime, NoExecutionDateTime, OptionalExecutionDateTime,
};
use FutureDated::{HeldByDsp, HeldByDspOrSentToDevice, NotFutureDated, SentToDevice};
use ServiceKind::{Critical, NonCritical, NonDevice};
use UserRole::{
    ElectricityDistributor as Ed, ExportSupplier as Es, GasSupplier as Gs, GasTransporter as Gt,
    ImportSupplier as Is, OtherUser as Ou, RegisteredSupplierAgent as Rsa,
};

/// Every DUIS 5.4 service reference variant, in variant order.
#[rustfmt::skip]
pub const SERVICES: &[ServiceDefinition] = &[
    row("1.1.1", "UpdateImportTariffPrimaryElement", "Update Import Tariff (Primary Element)", Critical, &[Is, Gs], &[4, 5, 6, 7], SentToDevice, OptionalExecutionDateTime, NotDccSchedulable, &["ECS01a", "GCS01a"]),
    row("1.1.2", "UpdateImportTariffSecondaryElement", "Update Import Tariff (Secondary Element)", Critical, &[Is], &[4, 5, 6, 7], SentToDevice, OptionalExecutionDateTime, NotDccSchedulable, &["ECS01c"]),
    row("1.2.1", "UpdatePricePrimaryElement", "Update Price (Primary Element)", Critical, &[Is, Gs], &[4, 5, 6, 7], SentToDevice, OptionalExecutionDateTime, NotDccSchedulable, &["ECS01b", "GCS01b"]),
    row("1.2.2", "UpdatePriceSecondaryElement", "Update Price (Secondary Element)", Critical, &[Is], &[4, 5, 6, 7], SentToDevice, OptionalExecutionDateTime, NotDccSchedulable, &["ECS01d"]),
    row("1.5", "UpdateMeterBalance", "Update Meter Balance", Critical, &[Is, Gs], &[4, 5, 6, 7], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["ECS04a", "ECS04b", "GCS40a", "GCS40b", "GCS40c", "GCS40d"]),
    row("1.6", "UpdatePaymentMode", "Update Payment Mode", Critical, &[Is, Gs], &[4, 5, 6, 7], SentToDevice, OptionalExecutionDateTime, NotDccSchedulable, &["ECS02", "ECS03", "GCS02", "GCS03"]),
    row("1.7", "ResetTariffBlockCounterMatrix", "Reset Tariff Block Counter Matrix", Critical, &[Is], &[4, 5, 6, 7], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["ECS05"]),
    row("2.1", "UpdatePrepayConfiguration", "Update Prepay Configuration", Critical, &[Is, Gs], &[4, 5, 6, 7], SentToDevice, OptionalExecutionDateTime, NotDccSchedulable, &["ECS08", "ECS08a", "GCS05"]),
    row("2.2", "TopUpDevice", "Top Up Device", NonCritical, &[Is, Gs], &[1, 2, 3], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["CS01a", "CS01b"]),
    row("2.3", "UpdateDebt", "Update Debt", Critical, &[Is, Gs], &[4, 5, 6, 7], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["ECS07", "GCS04"]),
    row("2.5", "ActivateEmergencyCredit", "Activate Emergency Credit", Critical, &[Is, Gs], &[4, 5, 6, 7], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["ECS09", "GCS06"]),
    row("3.1", "DisplayMessage", "Display Message", NonCritical, &[Is, Gs], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, NotDccSchedulable, &["ECS10", "GCS07"]),
    row("3.2", "RestrictAccessForChangeOfTenancy", "Restrict Access For Change Of Tenancy", NonCritical, &[Is, Gs], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, NotDccSchedulable, &["ECS12", "GCS09"]),
    row("3.3", "ClearEventLog", "Clear Event Log", NonCritical, &[Is, Gs], &[1, 2, 3], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["CS11", "ECS15a", "ECS15c"]),
    row("3.4", "UpdateSupplierName", "Update Supplier Name", NonCritical, &[Is, Gs], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, NotDccSchedulable, &["ECS16", "GCS44"]),
    row("3.5", "DisablePrivacyPIN", "Disable Privacy PIN", NonCritical, &[Is, Gs], &[1, 2, 3], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["ECS14", "GCS11"]),
    row("4.1.1", "ReadInstantaneousImportRegisters", "Read Instantaneous Import Registers", NonCritical, &[Is, Gs, Ed, Gt], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, NotDccSchedulable, &["ECS17b", "GCS13a"]),
    row("4.1.2", "ReadInstantaneousImportTOUMatrices", "Read Instantaneous Import TOU Matrices", NonCritical, &[Is, Gs, Ed, Gt], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, NotDccSchedulable, &["ECS17d", "GCS13c"]),
    row("4.1.3", "ReadInstantaneousImportTOUWithBlocksMatrices", "Read Instantaneous Import TOU With Blocks Matrices", NonCritical, &[Is, Ed], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, NotDccSchedulable, &["ECS17e"]),
    row("4.1.4", "ReadInstantaneousImportBlockCounters", "Read Instantaneous Import Block Counters", NonCritical, &[Gs], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, NotDccSchedulable, &["GCS13b"]),
    row("4.2", "ReadInstantaneousExportRegisters", "Read Instantaneous Export Registers", NonCritical, &[Es, Ed], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, DccSchedulable, &["ECS17a"]),
    row("4.3", "ReadInstantaneousPrepayValues", "Read Instantaneous Prepay Values", NonCritical, &[Is, Gs], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, NotDccSchedulable, &["ECS19", "GCS14"]),
    row("4.4.2", "RetrieveCoMOrTariffTriggeredBillingDataLog", "Retrieve Change Of Mode / Tariff Triggered Billing Data Log", NonCritical, &[Is, Gs], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, NotDccSchedulable, &["ECS20b", "GCS15b"]),
    row("4.4.3", "RetrieveBillingCalendarTriggeredBillingDataLog", "Retrieve Billing Calendar Triggered Billing Data Log", NonCritical, &[Is, Gs], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, NotDccSchedulable, &["ECS20c", "GCS15c"]),
    row("4.4.4", "RetrieveBillingDataLogDebtPayments", "Retrieve Billing Data Log (Payment Based Debt Payments)", NonCritical, &[Is, Gs], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, NotDccSchedulable, &["ECS20a", "GCS15d"]),
    row("4.4.5", "RetrieveBillingDataLogPrepaymentCredits", "Retrieve Billing Data Log (Prepayment Credits)", NonCritical, &[Is, Gs], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, NotDccSchedulable, &["ECS20d", "GCS15e"]),
    row("4.6.1", "RetrieveImportDailyReadLog", "Retrieve Import Daily Read Log", NonCritical, &[Is, Gs], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, DccSchedulable, &["ECS21a", "GCS16a"]),
    row("4.6.2", "RetrieveExportDailyReadLog", "Retrieve Export Daily Read Log", NonCritical, &[Es], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, DccSchedulable, &["ECS21c"]),
    row("4.8.1", "ReadActiveImportProfileData", "Read Active Import Profile Data", NonCritical, &[Is, Gs, Ed, Gt, Ou], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, DccSchedulable, &["ECS22b", "GCS17"]),
    row("4.8.2", "ReadReactiveImportProfileData", "Read Reactive Import Profile Data", NonCritical, &[Is, Ed, Ou], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, DccSchedulable, &["ECS22c"]),
    row("4.8.3", "ReadExportProfileData", "Read Export Profile Data", NonCritical, &[Es, Ed, Ou], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, DccSchedulable, &["ECS22a"]),
    row("4.10", "ReadNetworkData", "Read Network Data", NonCritical, &[Is, Gs, Ed, Gt], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, DccSchedulable, &["ECS23", "ECS23b", "GCS18"]),
    row("4.11.1", "ReadTariffPrimaryElement", "Read Tariff (Primary Element)", NonCritical, &[Is, Gs, Ou], &[1, 2, 3], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["ECS24", "GCS21f"]),
    row("4.11.2", "ReadTariffSecondaryElement", "Read Tariff (Secondary Element)", NonCritical, &[Is, Ou], &[1, 2, 3], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["ECS24b"]),
    row("4.12.1", "ReadMaximumDemandImportRegisters", "Read Maximum Demand Import Registers", NonCritical, &[Is, Ed], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, DccSchedulable, &["ECS18b"]),
    row("4.12.2", "ReadMaximumDemandExportRegisters", "Read Maximum Demand Export Registers", NonCritical, &[Es, Ed], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, DccSchedulable, &["ECS18a"]),
    row("4.13", "ReadPrepaymentConfiguration", "Read Prepayment Configuration", NonCritical, &[Is, Gs], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, NotDccSchedulable, &["ECS26a", "GCS21b"]),
    row("4.14", "ReadPrepaymentDailyReadLog", "Read Prepayment Daily Read Log", NonCritical, &[Is, Gs], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, DccSchedulable, &["ECS21b", "GCS16b"]),
    row("4.15", "ReadLoadLimitData", "Read Load Limit Data", NonCritical, &[Is, Ed], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, DccSchedulable, &["ECS27"]),
    row("4.16", "ReadActivePowerImport", "Read Active Power Import", NonCritical, &[Is, Ed], &[1, 2, 3], NotFutureDated, NoExecutionDateTime, DccSchedulable, &["ECS17c"]),
    row("4.17", "RetrieveDailyConsumptionLog", "Retrieve Daily Consumption Log", NonCritical, &[Is, Gs, Ed, Gt, Ou], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, DccSchedulable, &["ECS66", "GCS61"]),
    row("4.18", "ReadMeterBalance", "Read Meter Balance", NonCritical, &[Is, Gs], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, NotDccSchedulable, &["ECS82", "GCS60", "GCS60a"]),
    row("5.1", "CreateSchedule", "Create Schedule", NonDevice, &[Is, Es, Gs, Ed, Gt, Ou], &[8], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &[]),
    row("5.2", "ReadSchedule", "Read Schedule", NonDevice, &[Is, Es, Gs, Ed, Gt, Ou], &[8], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &[]),
    row("5.3", "DeleteSchedule", "Delete Schedule", NonDevice, &[Is, Es, Gs, Ed, Gt, Ou], &[8], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &[]),
    row("6.2.1", "ReadDeviceConfigurationVoltage", "Read Device Configuration (Voltage)", NonCritical, &[Is, Ed, Rsa], &[1, 2, 3], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["ECS26b", "ECS26k"]),
    row("6.2.2", "ReadDeviceConfigurationRandomisation", "Read Device Configuration (Randomisation)", NonCritical, &[Is, Ed, Rsa], &[1, 2, 3], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["ECS26c"]),
    row("6.2.3", "ReadDeviceConfigurationBillingCalendar", "Read Device Configuration (Billing Calendar)", NonCritical, &[Is, Gs, Rsa], &[1, 2, 3], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["ECS26d", "ECS26l", "GCS21d", "GCS21k"]),
    row("6.2.4", "ReadDeviceConfigurationIdentityExcMPxN", "Read Device Configuration (Identity Exc MPxN)", NonCritical, &[Is, Es, Gs, Ed, Gt, Rsa, Ou], &[1, 2, 3], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["ECS26e", "ECS26i", "ECS26m", "ECS26n", "GCS21e", "GCS21m"]),
    row("6.2.5", "ReadDeviceConfigurationInstantaneousPowerThresholds", "Read Device Configuration (Instantaneous Power Thresholds)", NonCritical, &[Is, Rsa], &[1, 2, 3], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["ECS26f"]),
    row("6.2.7", "ReadDeviceConfigurationMPxN", "Read Device Configuration (MPxN)", NonCritical, &[Is, Es, Gs, Ed, Gt, Rsa, Ou], &[1, 2, 3], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["ECS40", "GCS46"]),
    row("6.2.8", "ReadDeviceConfigurationGas", "Read Device Configuration (Gas)", NonCritical, &[Gs, Gt, Rsa], &[1, 2, 3], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["GCS21a"]),
    row("6.2.9", "ReadDeviceConfigurationPaymentMode", "Read Device Configuration (Payment Mode)", NonCritical, &[Is, Gs, Rsa], &[1, 2, 3], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["ECS26j", "GCS21j"]),
    row("6.2.10", "ReadDeviceConfigurationEventAndAlertBehaviours", "Read Device Configuration (Event and Alert Behaviours)", NonCritical, &[Is, Gs, Ed], &[1, 2, 3], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["ECS25r1", "ECS25r2", "GCS20r"]),
    row("6.4.1", "UpdateDeviceConfigurationLoadLimitingGeneralSettings", "Update Device Configuration (Load Limiting General Settings)", Critical, &[Is], &[4, 5, 6, 7], SentToDevice, OptionalExecutionDateTime, NotDccSchedulable, &["ECS28a"]),
    row("6.4.2", "UpdateDeviceConfigurationLoadLimitingCounterReset", "Update Device Configuration (Load Limiting Counter Reset)", NonCritical, &[Is], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, NotDccSchedulable, &["ECS28b"]),
    row("6.5", "UpdateDeviceConfigurationVoltage", "Update Device Configuration (Voltage)", NonCritical, &[Ed], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, NotDccSchedulable, &["ECS29a", "ECS29b", "ECS29c", "ECS29d"]),
    row("6.6", "UpdateDeviceConfigurationGasConversion", "Update Device Configuration (Gas Conversion)", Critical, &[Gs], &[4, 5, 6, 7], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["GCS23"]),
    row("6.7", "UpdateDeviceConfigurationGasFlow", "Update Device Configuration (Gas Flow)", Critical, &[Gs], &[4, 5, 6, 7], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["GCS24", "GCS24a"]),
    row("6.8", "UpdateDeviceConfigurationBillingCalendar", "Update Device Configuration (Billing Calendar)", Critical, &[Is, Gs], &[4, 5, 6, 7], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["ECS30", "ECS30a", "GCS25", "GCS25a"]),
    row("6.11", "SynchroniseClock", "Synchronise Clock", Critical, &[Is, Gs], &[4, 5, 6, 7], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["ECS70", "GCS28"]),
    row("6.12", "UpdateDeviceConfigurationInstantaneousPowerThreshold", "Update Device Configuration (Instantaneous Power Threshold)", NonCritical, &[Is], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, NotDccSchedulable, &["ECS34"]),
    row("6.13", "ReadEventOrSecurityLog", "Read Event Or Security Log", NonCritical, &[Is, Gs, Ed, Gt, Rsa], &[1, 2, 3], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["CS10a", "CS10b", "ECS35a", "ECS35b", "ECS35c", "ECS35d", "ECS35e", "ECS35f", "ECS35g"]),
    row("6.14.1", "UpdateDeviceConfigurationALCDescriptions", "Update Device Configuration (Auxiliary Load Control Description)", Critical, &[Is], &[4, 5, 6, 7], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["ECS46a"]),
    row("6.14.2", "UpdateDeviceConfigurationALCScheduler", "Update Device Configuration (Auxiliary Load Control Scheduler)", Critical, &[Is], &[4, 5, 6, 7], SentToDevice, OptionalExecutionDateTime, NotDccSchedulable, &["ECS46c"]),
    row("6.14.3", "UpdateDeviceConfigurationAuxiliaryControllerScheduler", "Update Device Configuration (Auxiliary Controller Scheduler)", Critical, &[Is], &[4, 5, 6, 7], SentToDevice, OptionalExecutionDateTime, NotDccSchedulable, &["ECS46d"]),
    row("6.15.1", "UpdateSecurityCredentialsKRP", "Update Security Credentials (KRP)", Critical, &[Is, Gs, Ed, Gt], &[4, 5, 6, 7], SentToDevice, OptionalExecutionDateTime, NotDccSchedulable, &["CS02b", "CS02g"]),
    row("6.15.2", "UpdateSecurityCredentialsDevice", "Update Security Credentials (Device)", Critical, &[Is, Gs], &[4, 5, 6, 7], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["CS02d"]),
    row("6.17", "IssueSecurityCredentials", "Issue Security Credentials", Critical, &[Is, Gs], &[4, 5, 6, 7], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["CS02c"]),
    row("6.18.1", "SetMaximumDemandConfigurableTimePeriod", "Set Maximum Demand Configurable Time Period", NonCritical, &[Ed], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, NotDccSchedulable, &["ECS37"]),
    row("6.18.2", "ResetMaximumDemandRegisters", "Reset Maximum Demand Registers", NonCritical, &[Ed], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, NotDccSchedulable, &["ECS57"]),
    row("6.20.1", "SetDeviceConfigurationImportMPxN", "Set Device Configuration (Import MPxN)", NonCritical, &[Is, Gs], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, NotDccSchedulable, &["ECS39a", "GCS41"]),
    row("6.20.2", "SetDeviceConfigurationExportMPAN", "Set Device Configuration (Export MPAN)", NonCritical, &[Es], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, NotDccSchedulable, &["ECS39b"]),
    row("6.21", "RequestHandoverOfDCCControlledDevice", "Request Handover Of DCC Controlled Device", NonCritical, &[Is, Gs], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, NotDccSchedulable, &["CS02b"]),
    row("6.22", "ConfigureAlertBehaviour", "Configure Alert Behaviour", NonCritical, &[Is, Gs, Ed], &[1, 2, 3], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["ECS25a", "ECS25a1", "ECS25a2", "ECS25a3", "ECS25b", "ECS25b3", "GCS20"]),
    row("6.23", "UpdateSecurityCredentialsCoS", "Update Security Credentials (CoS)", NonCritical, &[Is, Gs], &[1, 2, 3], HeldByDspOrSentToDevice, OptionalExecutionDateTime, NotDccSchedulable, &["CS02b"]),
    row("6.24.1", "RetrieveDeviceSecurityCredentialsKRP", "Retrieve Device Security Credentials (KRP)", NonCritical, &[Is, Gs, Ed, Gt], &[1, 2, 3], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["CS02a", "CS02f"]),
    row("6.24.2", "RetrieveDeviceSecurityCredentialsDevice", "Retrieve Device Security Credentials (Device)", Critical, &[Is, Gs], &[4, 5, 6, 7], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["CS02e"]),
    row("6.25", "SetElectricitySupplyTamperState", "Set Electricity Supply Tamper State", Critical, &[Is], &[4, 5, 6, 7], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["ECS81"]),
    row("6.26", "UpdateDeviceConfigurationDailyResettingOfTariffBlockCounterMatrix", "Update Device Configuration (daily resetting of Tariff Block Counter Matrix)", Critical, &[Is], &[4, 5, 6, 7], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["ECS48"]),
    row("6.27", "UpdateDeviceConfigurationRMSVoltageCounterReset", "Update Device Configuration (RMS Voltage Counter Reset)", NonCritical, &[Ed], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, NotDccSchedulable, &["ECS29e", "ECS29f"]),
    row("6.28", "SetCHFSubGHzConfiguration", "Set CHF Sub GHz Configuration", NonCritical, &[Is, Gs], &[1, 2, 3], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["DBCH04"]),
    row("6.29", "RequestCHFSubGHzChannelScan", "Request CHF Sub GHz Channel Scan", NonCritical, &[Is, Gs], &[1, 2, 3], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["DBCH05"]),
    row("6.30", "ReadCHFSubGHzConfiguration", "Read CHF Sub GHz Configuration", NonCritical, &[Is, Gs, Rsa], &[1, 2, 3], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["DBCH03"]),
    row("6.31", "ReadCHFSubGHzChannel", "Read CHF Sub GHz Channel", NonCritical, &[Is, Gs, Rsa], &[1, 2, 3], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["DBCH01"]),
    row("6.32", "ReadCHFSubGHzChannelLog", "Read CHF Sub GHz Channel Log", NonCritical, &[Is, Gs, Rsa], &[1, 2, 3], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["DBCH02"]),
    row("7.1", "EnableSupply", "Enable Supply", Critical, &[Is], &[4, 5, 6, 7], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["ECS42"]),
    row("7.2", "DisableSupply", "Disable Supply", Critical, &[Is, Gs], &[4, 5, 6, 7], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["ECS43", "GCS32"]),
    row("7.3", "ArmSupply", "Arm Supply", Critical, &[Is, Gs], &[4, 5, 6, 7], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["ECS44", "GCS39"]),
    row("7.4", "ReadSupplyStatus", "Read Supply Status", NonCritical, &[Is, Es, Gs, Ed, Gt, Rsa], &[1, 2, 3], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["ECS45", "GCS33"]),
    row("7.5", "ActivateAuxiliaryLoad", "Activate Auxiliary Load", Critical, &[Is], &[4, 5, 6, 7], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["ECS47"]),
    row("7.6", "DeactivateAuxiliaryLoad", "Deactivate Auxiliary Load", Critical, &[Is], &[4, 5, 6, 7], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["ECS47"]),
    row("7.7", "ReadALCSData", "Read Auxiliary Load Switch Data", NonCritical, &[Is, Ed, Ou], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, NotDccSchedulable, &["ECS61a"]),
    row("7.8", "ResetAuxiliaryLoad", "Reset Auxiliary Load", Critical, &[Is], &[4, 5, 6, 7], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["ECS47"]),
    row("7.9", "AddAuxiliaryLoadToBoostButton", "Add Auxiliary Load To Boost Button", NonCritical, &[Is], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, NotDccSchedulable, &["ECS62"]),
    row("7.10", "RemoveAuxiliaryLoadFromBoostButton", "Remove Auxiliary Load From Boost Button", NonCritical, &[Is], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, NotDccSchedulable, &["ECS62"]),
    row("7.11", "ReadBoostButtonDetails", "Read Boost Button Details", NonCritical, &[Is, Ou], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, NotDccSchedulable, &["ECS61c"]),
    row("7.12", "SetRandomisedOffsetLimit", "Set Randomised Offset Limit", Critical, &[Is], &[4, 5, 6, 7], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["ECS38"]),
    row("7.13", "SetAuxiliaryControllerState", "Set Auxiliary Controller State", Critical, &[Is], &[4, 5, 6, 7], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["ECS47a"]),
    row("7.14", "ReadAuxiliaryControllerConfigurationData", "Read Auxiliary Controller Configuration Data", NonCritical, &[Is, Ed, Ou], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, NotDccSchedulable, &["ECS61d"]),
    row("7.15", "ReadAuxiliaryControllerOperationalData", "Read Auxiliary Controller Operational Data", NonCritical, &[Is, Ed, Ou], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, NotDccSchedulable, &["ECS61e"]),
    row("7.16", "LimitAPCLevel", "Limit APC Level", Critical, &[], &[4, 5, 6, 7], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["ECS47e"]),
    row("8.1.1", "CommissionDeviceSynchroniseClock", "Commission Device", Critical, &[Is, Gs], &[4, 5], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["ECS70", "GCS28"]),
    row("8.2", "ReadInventory", "Read Inventory", NonDevice, &[Is, Es, Gs, Ed, Gt, Rsa, Ou], &[8], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &[]),
    row("8.3", "DecommissionDevice", "Decommission Device", NonDevice, &[Is, Gs], &[8], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &[]),
    row("8.4", "UpdateInventory", "Update Inventory", NonDevice, &[Is, Es, Gs, Ed, Gt, Rsa, Ou], &[8], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &[]),
    row("8.5", "ServiceOptOut", "Service Opt Out", NonCritical, &[], &[1], HeldByDsp, MandatoryExecutionDateTime, NotDccSchedulable, &["CS02b"]),
    row("8.6", "ServiceOptIn", "Service Opt In", NonDevice, &[], &[8], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &[]),
    row("8.7.1", "JoinServiceCritical", "Join Service (Critical)", Critical, &[Is, Gs], &[4, 5, 6, 7], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["CS03A1", "CS03A2", "CS03C"]),
    row("8.7.2", "JoinServiceNonCritical", "Join Service (Non-Critical)", NonCritical, &[Is, Gs, Ou], &[1, 2, 3], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["CS03A2", "CS03B", "CS03C"]),
    row("8.8.1", "UnjoinServiceCritical", "Unjoin Service (Critical)", Critical, &[Is, Gs], &[4, 5, 6, 7], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["CS04AC"]),
    row("8.8.2", "UnjoinServiceNonCritical", "Unjoin Service (Non-Critical)", NonCritical, &[Is, Gs, Ou], &[1, 2, 3], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["CS04AC", "CS04B"]),
    row("8.9", "ReadDeviceLog", "Read Device Log", NonCritical, &[Is, Gs, Ou], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, NotDccSchedulable, &["CCS05", "CCS04", "CCS06", "CCS07", "CS07"]),
    row("8.11", "UpdateHANDeviceLog", "Update HAN Device Log", NonCritical, &[Is, Gs, Ou], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, NotDccSchedulable, &["CCS01", "CCS02"]),
    row("8.12.1", "RestoreHANDeviceLog", "Restore HAN Device Log", NonCritical, &[Is, Gs], &[1, 2, 3], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["CCS03"]),
    row("8.12.2", "RestoreGPFDeviceLog", "Restore Gas Proxy Function Device Log", NonCritical, &[Is, Gs], &[1, 2, 3], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["GCS59"]),
    row("8.13", "ReturnLocalCommandResponse", "Return Local Command Response", NonDevice, &[Is, Gs], &[8], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &[]),
    row("8.14.1", "CHFInstallSuccessSMWAN", "Communications Hub Status Update- Install Success", NonDevice, &[Is, Gs], &[8], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &[]),
    row("8.14.2", "CHFInstallSuccessNoSMWAN", "Communications Hub Status Update - Install No SM WAN", NonDevice, &[Is, Gs], &[8], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &[]),
    row("8.14.3", "CHFFaultReturn", "Communications Hub Status Update. – Fault Return", NonDevice, &[Is, Gs], &[8], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &[]),
    row("8.14.4", "CHFNoFaultReturn", "Communications Hub Status Update – No Fault Return", NonDevice, &[Is, Gs], &[8], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &[]),
    row("9.1", "RequestCustomerIdentificationNumber", "Request Customer Identification Number", NonCritical, &[Ou], &[1, 2, 3], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &["ECS50", "GCS36"]),
    row("11.1", "UpdateFirmware", "Update Firmware", NonDevice, &[Is, Gs], &[8], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &[]),
    row("11.2", "ReadFirmwareVersion", "Read Firmware Version", NonCritical, &[Is, Es, Gs, Ed, Gt, Rsa, Ou], &[1, 2, 3], HeldByDsp, OptionalExecutionDateTime, NotDccSchedulable, &["CS08", "ECS52", "GCS38"]),
    row("11.3", "ActivateFirmware", "Activate Firmware", Critical, &[Is, Gs], &[4, 5, 6, 7], SentToDevice, OptionalExecutionDateTime, NotDccSchedulable, &["CS06"]),
    row("11.4", "UpdatePPMIDFirmware", "Update PPMID Firmware", NonDevice, &[Is, Gs], &[8], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &[]),
    row("12.1", "RequestWANMatrix", "Request WAN Matrix", NonDevice, &[Is, Es, Gs, Ed, Gt, Rsa, Ou], &[8], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &[]),
    row("12.2", "DevicePrenotification", "Device Pre-notification", NonDevice, &[Is, Es, Gs, Ed, Gt, Rsa, Ou], &[8], NotFutureDated, NoExecutionDateTime, NotDccSchedulable, &[]),
    row("14.1", "RecordNetworkDataGAS", "Record Network Data (GAS)", NonCritical, &[Gt], &[1, 2, 3], NotFutureDated, NoExecutionDateTime, DccSchedulable, &["GCS31"]),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_are_unique_well_formed_and_found() {
        assert_eq!(SERVICES.len(), 129);
        for service in SERVICES {
            assert_eq!(lookup(service.service_reference_variant), Some(service));
            assert_eq!(by_body_element(service.body_element), Some(service));
            assert_eq!(
                service.variant().as_str(),
                service.service_reference_variant
            );
            assert_eq!(
                service.variant().service_reference(),
                service.service_reference()
            );
        }
    }

    #[test]
    fn command_variants_follow_the_kind() {
        for service in SERVICES {
            let expected: &[u8] = match (service.service_reference_variant, service.kind) {
                ("8.1.1", _) => &[4, 5],
                ("8.5", _) => &[1],
                (_, Critical) => &[4, 5, 6, 7],
                (_, NonCritical) => &[1, 2, 3],
                (_, NonDevice) => &[8],
            };
            assert_eq!(
                service.command_variants, expected,
                "{}",
                service.service_reference_variant
            );
            assert!(service.allows(service.first_command_variant()));
        }
        assert_eq!(
            lookup("7.1").map(|s| s.first_command_variant().number()),
            Some(4)
        );
        assert_eq!(
            lookup("4.1.1").map(|s| s.first_command_variant().number()),
            Some(1)
        );
        assert_eq!(
            lookup("8.2").map(|s| s.first_command_variant().number()),
            Some(8)
        );
    }
}
