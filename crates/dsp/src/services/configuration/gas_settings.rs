//! GSME settings: 6.6 Update Device Configuration (Gas Conversion) — the conversion factor and
//! calorific value (GCS23) — and 6.7 Update Device Configuration (Gas Flow) — the uncontrolled
//! flow threshold and the supply states after tamper and battery depletion (GCS24, or GCS24a
//! for a threshold given to four decimals).

use duis::catalogue::ServiceDefinition;
use duis::BodyElement;

use super::gbz_command_for;
use super::values::{self, choice, decimal, enumeration, only_children};
use super::zigbee::{cluster, cluster_command, issuer_event_id, ZclFields, PUBLISHED, TO_SERVER};
use crate::rejection::Rejection;
use crate::services::{
    use_case_for, use_case_named, CommandContext, DeviceCommand, ServiceRequest,
};

/// Price cluster: Publish Conversion Factor and Publish Calorific Value.
const PUBLISH_CONVERSION_FACTOR: u8 = 0x02;
const PUBLISH_CALORIFIC_VALUE: u8 = 0x03;
/// A start time of zero: at once.
const AT_ONCE: u32 = 0;
/// The schema's decimals: the conversion factor to 5, the calorific value to 1; ZCL's trailing
/// digit field holds the count in its high nibble.
const CONVERSION_FACTOR_DECIMALS: u32 = 5;
const CALORIFIC_VALUE_DECIMALS: u32 = 1;
const CALORIFIC_VALUE_UNIT_MEGAJOULES_PER_CUBIC_METRE: u8 = 0x01;

/// Metering cluster: Set Supply Status and Set Uncontrolled Flow Threshold.
const SET_SUPPLY_STATUS: u8 = 0x0D;
const SET_UNCONTROLLED_FLOW_THRESHOLD: u8 = 0x0E;
const NO_PROVIDER: u32 = 0;
const UNIT_CUBIC_METRES: u8 = 0x01;
const MULTIPLIER_ONE: u16 = 1;
/// The divisor of a threshold in whole units (GCS24) or ten-thousandths (GCS24a).
const DIVISOR_WHOLE: u16 = 1;
const DIVISOR_TEN_THOUSANDTHS: u16 = 10_000;
/// Supply states (ZigBee Table D-68): off, or unchanged.
const SUPPLY_OFF: u8 = 0x00;
const SUPPLY_UNCHANGED: u8 = 0x03;

fn trailing_digit(decimals: u32) -> u8 {
    (decimals as u8) << 4
}

/// 6.6 Update Device Configuration (Gas Conversion).
pub struct UpdateGasConversion {
    /// Tenths of MJ/m³.
    calorific_value: u32,
    /// Hundred-thousandths.
    conversion_factor: u32,
}

impl ServiceRequest for UpdateGasConversion {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        only_children(body, &["CalorificValue", "ConversionFactor"])?;
        let maximum = u64::from(u32::MAX);
        Ok(Self {
            calorific_value: decimal(body, "CalorificValue", CALORIFIC_VALUE_DECIMALS, 0, maximum)?
                as u32,
            conversion_factor: decimal(
                body,
                "ConversionFactor",
                CONVERSION_FACTOR_DECIMALS,
                0,
                maximum,
            )? as u32,
        })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = use_case_for(service, context.device_type)?;
        let issuer_event_id = issuer_event_id(context)?;
        let conversion_factor = ZclFields::new()
            .u32(issuer_event_id)
            .u32(AT_ONCE)
            .u32(self.conversion_factor)
            .u8(trailing_digit(CONVERSION_FACTOR_DECIMALS));
        let calorific_value = ZclFields::new()
            .u32(issuer_event_id)
            .u32(AT_ONCE)
            .u32(self.calorific_value)
            .u8(CALORIFIC_VALUE_UNIT_MEGAJOULES_PER_CUBIC_METRE)
            .u8(trailing_digit(CALORIFIC_VALUE_DECIMALS));
        Ok(gbz_command_for(
            use_case,
            context,
            vec![
                cluster_command(
                    cluster::PRICE,
                    PUBLISHED,
                    PUBLISH_CONVERSION_FACTOR,
                    conversion_factor,
                ),
                cluster_command(
                    cluster::PRICE,
                    PUBLISHED,
                    PUBLISH_CALORIFIC_VALUE,
                    calorific_value,
                ),
            ],
        ))
    }
}

/// 6.7 Update Device Configuration (Gas Flow).
pub struct UpdateGasFlow {
    threshold: u16,
    divisor: u16,
    depletion_locks: bool,
    tamper_locks: bool,
    stabilisation_period: u8,
    measurement_period: u16,
}

impl ServiceRequest for UpdateGasFlow {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        only_children(
            body,
            &[
                "UncontrolledGasFlowRate",
                "UncontrolledGasFlowRateDecimal",
                "SupplyDepletionState",
                "SupplyTamperState",
                "StabilisationPeriod",
                "MeasurementPeriod",
            ],
        )?;
        let rate = choice(
            body,
            &["UncontrolledGasFlowRate", "UncontrolledGasFlowRateDecimal"],
        )?;
        let (threshold, divisor) = if rate.name == "UncontrolledGasFlowRate" {
            (
                values::integer(body, "UncontrolledGasFlowRate", 0, u16::MAX)?,
                DIVISOR_WHOLE,
            )
        } else {
            let ten_thousandths = decimal(body, "UncontrolledGasFlowRateDecimal", 4, 0, 65_535)?;
            (ten_thousandths as u16, DIVISOR_TEN_THOUSANDTHS)
        };
        let locked = [("Locked", true), ("Unchanged", false)];
        Ok(Self {
            threshold,
            divisor,
            depletion_locks: enumeration(body, "SupplyDepletionState", &locked)?,
            tamper_locks: enumeration(body, "SupplyTamperState", &locked)?,
            stabilisation_period: values::integer(body, "StabilisationPeriod", 1, u8::MAX)?,
            measurement_period: values::integer(body, "MeasurementPeriod", 1, u16::MAX)?,
        })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let id = if self.divisor == DIVISOR_TEN_THOUSANDTHS {
            "GCS24a"
        } else {
            "GCS24"
        };
        let use_case = use_case_named(service, id, context.device_type)?;
        let issuer_event_id = issuer_event_id(context)?;
        let state = |locks: bool| if locks { SUPPLY_OFF } else { SUPPLY_UNCHANGED };
        let threshold = ZclFields::new()
            .u32(NO_PROVIDER)
            .u32(issuer_event_id)
            .u16(self.threshold)
            .u8(UNIT_CUBIC_METRES)
            .u16(MULTIPLIER_ONE)
            .u16(self.divisor)
            .u8(self.stabilisation_period)
            .u16(self.measurement_period);
        // An uncontrolled flow always turns the supply off; the load limit state is left.
        let supply_status = ZclFields::new()
            .u32(issuer_event_id)
            .u8(state(self.tamper_locks))
            .u8(state(self.depletion_locks))
            .u8(SUPPLY_OFF)
            .u8(SUPPLY_UNCHANGED);
        Ok(gbz_command_for(
            use_case,
            context,
            vec![
                cluster_command(
                    cluster::METERING,
                    TO_SERVER,
                    SET_UNCONTROLLED_FLOW_THRESHOLD,
                    threshold,
                ),
                cluster_command(
                    cluster::METERING,
                    TO_SERVER,
                    SET_SUPPLY_STATUS,
                    supply_status,
                ),
            ],
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::configuration::values::leaf_body as body;

    #[test]
    fn conversion_values_keep_their_decimals() {
        let too_fine = UpdateGasConversion::parse(&body(
            "UpdateDeviceConfigurationGasConversion",
            &[("CalorificValue", "40.05"), ("ConversionFactor", "1.02264")],
        ));
        assert!(matches!(too_fine, Err(Rejection::Malformed(m)) if m.contains("CalorificValue")));
        let parsed = UpdateGasConversion::parse(&body(
            "UpdateDeviceConfigurationGasConversion",
            &[("CalorificValue", "40.0"), ("ConversionFactor", "1.02264")],
        ))
        .unwrap();
        assert_eq!(
            (parsed.calorific_value, parsed.conversion_factor),
            (400, 102_264)
        );
    }

    #[test]
    fn flow_rates_are_one_of_two_forms() {
        let both = UpdateGasFlow::parse(&body(
            "UpdateDeviceConfigurationGasFlow",
            &[
                ("UncontrolledGasFlowRate", "61680"),
                ("UncontrolledGasFlowRateDecimal", "6.1680"),
                ("SupplyDepletionState", "Unchanged"),
                ("SupplyTamperState", "Unchanged"),
                ("StabilisationPeriod", "60"),
                ("MeasurementPeriod", "300"),
            ],
        ));
        assert!(matches!(both, Err(Rejection::Malformed(m)) if m.contains("only one")));
        let zero_period = UpdateGasFlow::parse(&body(
            "UpdateDeviceConfigurationGasFlow",
            &[
                ("UncontrolledGasFlowRateDecimal", "6.7"),
                ("SupplyDepletionState", "Unchanged"),
                ("SupplyTamperState", "Unchanged"),
                ("StabilisationPeriod", "60"),
                ("MeasurementPeriod", "300"),
            ],
        ));
        assert!(
            matches!(zero_period, Err(Rejection::Malformed(m)) if m.contains("UncontrolledGasFlowRateDecimal"))
        );
    }
}
