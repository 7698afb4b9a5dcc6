//! ESME settings: 6.4.1 load limiting general settings (ECS28a, future dated on the device),
//! 6.4.2 load limit counter reset (ECS28b), 6.12 instantaneous power thresholds (ECS34), 6.25
//! supply tamper state (ECS81), 6.26 daily reset of the tariff block counter matrix (ECS48).

use duis::catalogue::ServiceDefinition;
use duis::BodyElement;
use gbcs::dlms::Data;

use super::device_reads::{INSTANTANEOUS_POWER_THRESHOLDS, SUPPLY_TAMPER_STATE, THRESHOLDS};
use super::dlms_command;
use super::values::{
    self, cosem, enumeration, held_by_dsp, only_children, unsigned_int, Execution,
};
use crate::rejection::Rejection;
use crate::services::dlms_command::{class, CosemObject, NO_PARAMETER, RESET, VALUE};
use crate::services::{CommandContext, DeviceCommand, ServiceRequest};

/// GBCS Extended Data attributes: the passive value, and the time it becomes active.
const PASSIVE_VALUE: u8 = 4;
const ACTIVATION_TIME: u8 = 6;
/// Load limiting: whether the supply is disabled when the limit is exceeded, the power
/// threshold (W), the period over it (s) and the restoration period (s).
const LOAD_LIMIT_SUPPLY_STATE: CosemObject =
    CosemObject::new(class::GBCS_EXTENDED_DATA, [0, 0, 94, 44, 0, 3]);
const LOAD_LIMIT_POWER_THRESHOLD: CosemObject =
    CosemObject::new(class::GBCS_EXTENDED_DATA, [0, 0, 94, 44, 128, 7]);
const LOAD_LIMIT_PERIOD: CosemObject =
    CosemObject::new(class::GBCS_EXTENDED_DATA, [0, 0, 94, 44, 128, 6]);
const LOAD_LIMIT_RESTORATION_PERIOD: CosemObject =
    CosemObject::new(class::GBCS_EXTENDED_DATA, [0, 0, 94, 44, 128, 8]);
/// The load limit counter (Register).
const LOAD_LIMIT_COUNTER: CosemObject = CosemObject::new(class::REGISTER, [0, 0, 94, 44, 42, 255]);
/// The tariff block counter matrix's reset schedule (Single Action Schedule).
const BLOCK_COUNTER_RESET_SCHEDULE: CosemObject =
    CosemObject::new(class::SINGLE_ACTION_SCHEDULE, [0, 0, 15, 1, 0, 255]);
const EXECUTION_TIME: u8 = 4;

/// A DLMS boolean as GBCS writes it.
pub(super) fn boolean(value: bool) -> Data {
    Data::Boolean(if value { 0xFF } else { 0x00 })
}

/// 6.4.1 Update Device Configuration (Load Limiting General Settings).
pub struct UpdateLoadLimitingGeneralSettings {
    execution: Execution,
    period: u32,
    power_threshold: u32,
    restoration_period: u32,
    disable_supply: bool,
}

impl ServiceRequest for UpdateLoadLimitingGeneralSettings {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        only_children(
            body,
            &[
                "ExecutionDateTime",
                "LoadLimitPeriod",
                "LoadLimitPowerThreshold",
                "LoadLimitRestorationPeriod",
                "LoadLimitSupplyState",
            ],
        )?;
        Ok(Self {
            execution: Execution::of(body)?,
            period: unsigned_int(body, "LoadLimitPeriod")?,
            power_threshold: unsigned_int(body, "LoadLimitPowerThreshold")?,
            restoration_period: unsigned_int(body, "LoadLimitRestorationPeriod")?,
            disable_supply: enumeration(
                body,
                "LoadLimitSupplyState",
                &[("Disable", true), ("Unchanged", false)],
            )?,
        })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let settings = [
            (LOAD_LIMIT_SUPPLY_STATE, boolean(self.disable_supply)),
            (
                LOAD_LIMIT_POWER_THRESHOLD,
                Data::DoubleLongUnsigned(self.power_threshold),
            ),
            (LOAD_LIMIT_PERIOD, Data::DoubleLongUnsigned(self.period)),
            (
                LOAD_LIMIT_RESTORATION_PERIOD,
                Data::DoubleLongUnsigned(self.restoration_period),
            ),
        ];
        let activation = Data::OctetString(self.execution.activation_time().to_vec());
        let values = settings
            .iter()
            .map(|(object, value)| object.set(PASSIVE_VALUE, value.clone()));
        let activations = settings
            .iter()
            .map(|(object, _)| object.set(ACTIVATION_TIME, activation.clone()));
        dlms_command(
            service,
            context,
            values.chain(activations).collect::<Vec<_>>(),
        )
    }
}

/// 6.4.2 Update Device Configuration (Load Limiting Counter Reset).
pub struct ResetLoadLimitingCounter;

impl ServiceRequest for ResetLoadLimitingCounter {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        only_children(body, &["ExecutionDateTime"])?;
        held_by_dsp(body)?;
        Ok(Self)
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        dlms_command(
            service,
            context,
            [LOAD_LIMIT_COUNTER.action(RESET, NO_PARAMETER)],
        )
    }
}

/// 6.12 Update Device Configuration (Instantaneous Power Threshold): the low-medium and
/// medium-high thresholds (W). No RTDS message sets them: the object is assumed (see
/// [`INSTANTANEOUS_POWER_THRESHOLDS`]).
pub struct UpdateInstantaneousPowerThresholds {
    low_medium: u32,
    medium_high: u32,
}

impl ServiceRequest for UpdateInstantaneousPowerThresholds {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        only_children(
            body,
            &[
                "ExecutionDateTime",
                "LowMediumPowerThreshold",
                "MediumHighPowerThreshold",
            ],
        )?;
        held_by_dsp(body)?;
        let low_medium = unsigned_int(body, "LowMediumPowerThreshold")?;
        let medium_high = unsigned_int(body, "MediumHighPowerThreshold")?;
        if medium_high < low_medium {
            return Err(values::malformed(
                "MediumHighPowerThreshold is below LowMediumPowerThreshold",
            ));
        }
        Ok(Self {
            low_medium,
            medium_high,
        })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let thresholds = Data::Array(vec![
            Data::DoubleLongUnsigned(self.low_medium),
            Data::DoubleLongUnsigned(self.medium_high),
        ]);
        dlms_command(
            service,
            context,
            [INSTANTANEOUS_POWER_THRESHOLDS.set(THRESHOLDS, thresholds)],
        )
    }
}

/// 6.25 Set Electricity Supply Tamper State: whether the ESME locks its supply on a tamper.
pub struct SetSupplyTamperState {
    locked: bool,
}

impl ServiceRequest for SetSupplyTamperState {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        only_children(body, &["SupplyTamperState"])?;
        Ok(Self {
            locked: enumeration(
                body,
                "SupplyTamperState",
                &[("Locked", true), ("Unchanged", false)],
            )?,
        })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        dlms_command(
            service,
            context,
            [SUPPLY_TAMPER_STATE.set(VALUE, boolean(self.locked))],
        )
    }
}

/// 6.26 Update Device Configuration (daily resetting of Tariff Block Counter Matrix): reset it
/// every day at midnight, or never.
pub struct UpdateDailyBlockCounterReset {
    daily: bool,
}

impl ServiceRequest for UpdateDailyBlockCounterReset {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        only_children(body, &["DailyTariffBlockCounterMatrixReset"])?;
        Ok(Self {
            daily: values::boolean(body, "DailyTariffBlockCounterMatrixReset")?,
        })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let midnight = cosem::time(time::Time::MIDNIGHT);
        let every_day = cosem::date(
            cosem::YEAR_NOT_SPECIFIED,
            cosem::NOT_SPECIFIED,
            cosem::NOT_SPECIFIED,
            cosem::NOT_SPECIFIED,
        );
        let times = if self.daily {
            vec![Data::Structure(vec![
                Data::OctetString(midnight.to_vec()),
                Data::OctetString(every_day.to_vec()),
            ])]
        } else {
            Vec::new()
        };
        dlms_command(
            service,
            context,
            [BLOCK_COUNTER_RESET_SCHEDULE.set(EXECUTION_TIME, Data::Array(times))],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::configuration::values::leaf_body as body;

    #[test]
    fn load_limiting_settings_keep_to_the_schema() {
        let state = UpdateLoadLimitingGeneralSettings::parse(&body(
            "UpdateDeviceConfigurationLoadLimitingGeneralSettings",
            &[
                ("LoadLimitPeriod", "300"),
                ("LoadLimitPowerThreshold", "6900"),
                ("LoadLimitRestorationPeriod", "30"),
                ("LoadLimitSupplyState", "Enable"),
            ],
        ));
        assert!(
            matches!(state, Err(Rejection::Malformed(m)) if m.contains("LoadLimitSupplyState"))
        );
        let negative = UpdateLoadLimitingGeneralSettings::parse(&body(
            "UpdateDeviceConfigurationLoadLimitingGeneralSettings",
            &[
                ("LoadLimitPeriod", "-1"),
                ("LoadLimitPowerThreshold", "6900"),
                ("LoadLimitRestorationPeriod", "30"),
                ("LoadLimitSupplyState", "Disable"),
            ],
        ));
        assert!(matches!(negative, Err(Rejection::Malformed(m)) if m.contains("LoadLimitPeriod")));
    }

    #[test]
    fn thresholds_rise_and_states_are_enumerations() {
        let falling = UpdateInstantaneousPowerThresholds::parse(&body(
            "UpdateDeviceConfigurationInstantaneousPowerThreshold",
            &[
                ("LowMediumPowerThreshold", "4600"),
                ("MediumHighPowerThreshold", "2300"),
            ],
        ));
        assert!(
            matches!(falling, Err(Rejection::Malformed(m)) if m.contains("MediumHighPowerThreshold"))
        );
        let tamper = SetSupplyTamperState::parse(&body(
            "SetElectricitySupplyTamperState",
            &[("SupplyTamperState", "Unlocked")],
        ));
        assert!(matches!(tamper, Err(Rejection::Malformed(m)) if m.contains("SupplyTamperState")));
        let reset = UpdateDailyBlockCounterReset::parse(&body(
            "UpdateDeviceConfigurationDailyResettingOfTariffBlockCounterMatrix",
            &[("DailyTariffBlockCounterMatrixReset", "yes")],
        ));
        assert!(
            matches!(reset, Err(Rejection::Malformed(m)) if m.contains("DailyTariffBlockCounterMatrixReset"))
        );
    }
}
