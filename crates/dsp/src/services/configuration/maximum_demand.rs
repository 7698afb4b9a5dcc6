//! Maximum demand of an ESME: 6.18.1 Set Maximum Demand Configurable Time Period (ECS37, the
//! daily window its configurable-time register covers) and 6.18.2 Reset Maximum Demand
//! Registers (ECS57). Both are held by the DSP when future dated.

use duis::catalogue::ServiceDefinition;
use duis::BodyElement;
use gbcs::dlms::Data;

use super::dlms_command;
use super::schedule::ScheduleEntry;
use super::values::{self, cosem, element, held_by_dsp, only_children, time_of_day};
use crate::rejection::Rejection;
use crate::services::dlms_command::{class, CosemObject, NO_PARAMETER, RESET};
use crate::services::{CommandContext, DeviceCommand, ServiceRequest};

/// The schedule that starts and ends the configurable time period, its entries attribute, and
/// the script table it runs (selector 1 starts the period, 2 ends it).
const MAXIMUM_DEMAND_SCHEDULE: CosemObject =
    CosemObject::new(class::SCHEDULE, [0, 0, 12, 0, 0, 255]);
const ENTRIES: u8 = 2;
const MAXIMUM_DEMAND_SCRIPTS: [u8; 6] = [0, 0, 10, 128, 100, 255];
const START_PERIOD: u16 = 1;
const END_PERIOD: u16 = 2;
/// The first day of the entries (as RTDS sends it: year 0, January, any day) and their last.
const BEGIN_DATE: [u8; 5] = [0x00, 0x00, 0x01, 0xFF, 0xFF];
/// The maximum demand registers (Extended Registers, reset by method 1): active power import,
/// active power import in the configurable time period, active power export.
const ACTIVE_POWER_IMPORT: CosemObject =
    CosemObject::new(class::EXTENDED_REGISTER, [1, 0, 1, 6, 0, 255]);
const CONFIGURABLE_TIME_ACTIVE_POWER_IMPORT: CosemObject =
    CosemObject::new(class::EXTENDED_REGISTER, [1, 0, 1, 6, 1, 255]);
const ACTIVE_POWER_EXPORT: CosemObject =
    CosemObject::new(class::EXTENDED_REGISTER, [1, 0, 2, 6, 0, 255]);

/// 6.18.1 Set Maximum Demand Configurable Time Period.
pub struct SetConfigurableTimePeriod {
    start: time::Time,
    end: time::Time,
}

impl ServiceRequest for SetConfigurableTimePeriod {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        only_children(
            body,
            &["ExecutionDateTime", "MaximumDemandTimePeriodSchedule"],
        )?;
        held_by_dsp(body)?;
        let schedule = element(body, "MaximumDemandTimePeriodSchedule")?;
        only_children(schedule, &["StartTime", "EndTime"])?;
        Ok(Self {
            start: time_of_day(schedule, "StartTime")?,
            end: time_of_day(schedule, "EndTime")?,
        })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let every_date = cosem::date(
            cosem::YEAR_NOT_SPECIFIED,
            cosem::NOT_SPECIFIED,
            cosem::NOT_SPECIFIED,
            cosem::NOT_SPECIFIED,
        );
        let entry = |index: u16, selector: u16, at: time::Time| {
            ScheduleEntry {
                index,
                script: MAXIMUM_DEMAND_SCRIPTS,
                selector,
                switch_time: cosem::time(at),
                weekdays: vec![true; 7],
                special_days: Vec::new(),
                begin_date: BEGIN_DATE,
                end_date: every_date,
            }
            .to_data()
        };
        let entries = Data::Array(vec![
            entry(0, START_PERIOD, self.start),
            entry(1, END_PERIOD, self.end),
        ]);
        dlms_command(
            service,
            context,
            [MAXIMUM_DEMAND_SCHEDULE.set(ENTRIES, entries)],
        )
    }
}

/// 6.18.2 Reset Maximum Demand Registers: the registers the body names, in GBCS's order.
pub struct ResetRegisters {
    registers: Vec<CosemObject>,
}

impl ServiceRequest for ResetRegisters {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        const REGISTERS: [(&str, CosemObject); 3] = [
            ("MaxDemandActivePowerImportValue", ACTIVE_POWER_IMPORT),
            (
                "MaxDemandConfigTimeActivePowerImportValue",
                CONFIGURABLE_TIME_ACTIVE_POWER_IMPORT,
            ),
            ("MaxDemandActivePowerExportValue", ACTIVE_POWER_EXPORT),
        ];
        let mut allowed: Vec<&str> = REGISTERS.iter().map(|(name, _)| *name).collect();
        allowed.push("ExecutionDateTime");
        only_children(body, &allowed)?;
        held_by_dsp(body)?;
        let mut registers = Vec::new();
        for (name, register) in REGISTERS {
            if let Some(reset) = body.child(name) {
                only_children(reset, &[])?;
                registers.push(register);
            }
        }
        if registers.is_empty() {
            return Err(values::malformed(
                "ResetMaximumDemandRegisters names no register to reset",
            ));
        }
        Ok(Self { registers })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        dlms_command(
            service,
            context,
            self.registers
                .iter()
                .map(|register| register.action(RESET, NO_PARAMETER))
                .collect::<Vec<_>>(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reset_names_at_least_one_register() {
        let empty = BodyElement::with_children("ResetMaximumDemandRegisters", vec![]);
        assert!(
            matches!(ResetRegisters::parse(&empty), Err(Rejection::Malformed(m)) if m.contains("no register"))
        );
        let times = BodyElement::with_children(
            "SetMaximumDemandConfigurableTimePeriod",
            vec![BodyElement::with_children(
                "MaximumDemandTimePeriodSchedule",
                vec![BodyElement::leaf("StartTime", "25:00:00Z")],
            )],
        );
        assert!(
            matches!(SetConfigurableTimePeriod::parse(&times), Err(Rejection::Malformed(m)) if m.contains("StartTime"))
        );
    }
}
