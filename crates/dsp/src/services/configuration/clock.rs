//! 6.11 Synchronise Clock and 8.1.1 Commission Device: the meter may take the time the
//! supplier vouches for within a validity interval, from the body's current date-time to the
//! end of its tolerance period. ECS70 on an ESME (preset the clock to "never" with that
//! validity interval, adjust to it, read back time and status), GCS28 on a GSME (the interval
//! as DER).

use duis::catalogue::ServiceDefinition;
use duis::BodyElement;
use gbcs::dlms::Data;
use gbcs::set_time::SetTimeCommand;
use time::OffsetDateTime;

use super::dlms_command_for;
use super::values::{self, cosem, only_children};
use crate::rejection::Rejection;
use crate::services::dlms_command::{class, CosemObject};
use crate::services::{
    not_for_device_type, use_case_for, CommandContext, DeviceCommand, ServiceRequest,
};

/// The ESME's clock and the attributes and methods ECS70 uses.
const CLOCK: CosemObject = CosemObject::new(class::CLOCK, [0, 0, 1, 0, 0, 255]);
const TIME: u8 = 2;
const STATUS: u8 = 4;
const CLOCK_BASE: u8 = 9;
const ADJUST_TO_PRESET_TIME: u8 = 4;
const PRESET_ADJUSTING_TIME: u8 = 5;
/// The clock base ECS70 sets (as RTDS sends it).
const CLOCK_BASE_VALUE: u8 = 5;
/// The longest tolerance DUIS allows: one day.
const MAXIMUM_TOLERANCE_SECONDS: i64 = 86_400;

/// 6.11 Synchronise Clock / 8.1.1 Commission Device (`CommissionDeviceSynchroniseClock` has the
/// same body).
pub struct SynchroniseClock {
    current: OffsetDateTime,
    tolerance_seconds: i64,
}

impl SynchroniseClock {
    fn validity_end(&self) -> OffsetDateTime {
        self.current + time::Duration::seconds(self.tolerance_seconds)
    }
}

impl ServiceRequest for SynchroniseClock {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        only_children(body, &["CurrentDateTime", "TolerancePeriod"])?;
        Ok(Self {
            current: values::date_time(body, "CurrentDateTime")?,
            tolerance_seconds: values::integer(
                body,
                "TolerancePeriod",
                0,
                MAXIMUM_TOLERANCE_SECONDS,
            )?,
        })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = use_case_for(service, context.device_type)?;
        match use_case.use_case_id() {
            Some("ECS70") => {
                let validity = Data::Structure(vec![
                    Data::OctetString(cosem::NEVER.to_vec()),
                    Data::OctetString(cosem::date_time(self.current).to_vec()),
                    Data::OctetString(cosem::date_time(self.validity_end()).to_vec()),
                ]);
                Ok(dlms_command_for(
                    use_case,
                    context,
                    [
                        CLOCK.set(CLOCK_BASE, Data::Enum(CLOCK_BASE_VALUE)),
                        CLOCK.action(PRESET_ADJUSTING_TIME, validity),
                        CLOCK.action(ADJUST_TO_PRESET_TIME, Data::Integer(0)),
                        CLOCK.get(TIME),
                        CLOCK.get(STATUS),
                    ],
                ))
            }
            Some("GCS28") => {
                let unix = |instant: OffsetDateTime| u64::try_from(instant.unix_timestamp()).ok();
                let command = unix(self.current)
                    .zip(unix(self.validity_end()))
                    .and_then(|(start, end)| SetTimeCommand::between(start, end).ok())
                    .and_then(|command| command.encode().ok())
                    .ok_or_else(|| {
                        values::malformed("CurrentDateTime is outside the years GCS28 can carry")
                    })?;
                Ok(crate::services::DeviceCommand::new(
                    use_case, context, command,
                ))
            }
            _ => Err(not_for_device_type(service, context.device_type)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerance_is_at_most_a_day() {
        let body = BodyElement::with_children(
            "SynchroniseClock",
            vec![
                BodyElement::leaf("CurrentDateTime", "2014-12-31T23:59:10Z"),
                BodyElement::leaf("TolerancePeriod", "86401"),
            ],
        );
        assert!(
            matches!(SynchroniseClock::parse(&body), Err(Rejection::Malformed(m)) if m.contains("TolerancePeriod"))
        );
    }
}
