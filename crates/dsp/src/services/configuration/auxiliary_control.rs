//! Auxiliary load control of an ESME: 6.14.1 switch descriptions (ECS46a), 6.14.2 the ALCS /
//! HC ALCS connection schedule (ECS46c) and 6.14.3 the auxiliary controller schedule (ECS46d).
//!
//! A schedule goes to the ESME as a passive special days table and a passive schedule, each
//! activated at the execution time (now, the body's `ExecutionDateTime`, or never for a
//! cancellation). A schedule entry runs the auxiliary controller script whose selector says
//! what it does: for an ALCS or HC ALCS (ECS46c, as RTDS's), the switch in the high byte and 1
//! to activate it or 2 to deactivate it in the low byte; for an auxiliary controller (ECS46d),
//! the controller (high byte 0x10 + n, 0x20 + n where it takes its input from the controlled
//! load) and the commanded level (low byte 0x80 + level).
//!
//! ECS46c's `SwitchTypeAndId` (which switches are HC ALCSs, and their EUI-64s) sets the switch
//! identity objects ECS61a reads back (0-0:94.44.0.21–25: eight zero bytes for an ALCS, the
//! EUI-64 of an HC ALCS), before the schedule, in the order ECS61a reads them.

use dcc_model::Eui64;
use duis::catalogue::ServiceDefinition;
use duis::BodyElement;
use gbcs::dlms::Data;

use super::dlms_command;
use super::schedule::ScheduleEntry;
use super::values::{
    self, children, choice, cosem, days_of_week, element, integer_attribute, only_children,
    printable, schedule_date, time_of_day, Execution,
};
use crate::rejection::Rejection;
use crate::services::dlms_command::{class, CosemObject, VALUE};
use crate::services::{CommandContext, DeviceCommand, ServiceRequest};

/// The switch descriptions (labels) of auxiliary load control switches 1–5.
fn switch_description(index: u8) -> CosemObject {
    CosemObject::new(class::DATA, [0, 0, 94, 44, 0, 10 + index])
}
/// The identity of auxiliary load control switch 1–5: eight zero bytes for an ALCS, the
/// EUI-64 of an HC ALCS.
fn switch_identity(index: u8) -> CosemObject {
    CosemObject::new(class::DATA, [0, 0, 94, 44, 0, 20 + index])
}
/// The passive special days table and passive schedule of the auxiliary controllers, with the
/// GBCS Extended Data objects whose activation time activates each.
const PASSIVE_SPECIAL_DAYS: CosemObject =
    CosemObject::new(class::SPECIAL_DAYS_TABLE, [0, 1, 11, 0, 3, 255]);
const PASSIVE_SCHEDULE: CosemObject = CosemObject::new(class::SCHEDULE, [0, 1, 12, 0, 2, 255]);
const ENTRIES: u8 = 2;
const SPECIAL_DAYS_ACTIVATION: CosemObject =
    CosemObject::new(class::GBCS_EXTENDED_DATA, [0, 0, 94, 44, 128, 26]);
const SCHEDULE_ACTIVATION: CosemObject =
    CosemObject::new(class::GBCS_EXTENDED_DATA, [0, 0, 94, 44, 128, 35]);
const ACTIVATION_TIME: u8 = 6;
/// The auxiliary controller script table the entries run.
const AUXILIARY_CONTROLLER_SCRIPTS: [u8; 6] = [0, 0, 10, 0, 103, 255];
/// Script selector parts (see the module documentation).
const CONTROLLER_OUTPUT: u16 = 0x10;
const CONTROLLER_INPUT: u16 = 0x20;
const LEVEL_COMMANDED: u16 = 0x80;
/// The low byte of an ALCS's selector: activate, deactivate.
const ACTIVATE_SWITCH: u16 = 0x01;
const DEACTIVATE_SWITCH: u16 = 0x02;
const MAXIMUM_SPECIAL_DAYS: u8 = 20;
const MAXIMUM_SWITCHES: u8 = 5;

/// 6.14.1 Update Device Configuration (Auxiliary Load Control Description).
pub struct UpdateSwitchDescriptions {
    /// (switch index, description), in index order.
    descriptions: Vec<(u8, String)>,
}

impl ServiceRequest for UpdateSwitchDescriptions {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        only_children(body, &["ALCSHCALCSDescription"])?;
        let mut descriptions: Vec<(u8, String)> = Vec::new();
        for description in children(body, "ALCSHCALCSDescription") {
            only_children(description, &["SwitchDescription"])?;
            let index = integer_attribute(description, "index", 1, MAXIMUM_SWITCHES)?;
            if descriptions.iter().any(|(known, _)| *known == index) {
                return Err(values::malformed(format!(
                    "ALCSHCALCSDescription index {index} given twice"
                )));
            }
            descriptions.push((index, printable(description, "SwitchDescription", 1, 22)?));
        }
        if descriptions.is_empty() {
            return Err(values::malformed(
                "UpdateDeviceConfigurationALCDescriptions without ALCSHCALCSDescription",
            ));
        }
        descriptions.sort_by_key(|(index, _)| *index);
        Ok(Self { descriptions })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        dlms_command(
            service,
            context,
            self.descriptions
                .iter()
                .map(|(index, text)| {
                    switch_description(*index)
                        .set(VALUE, Data::VisibleString(text.clone().into_bytes()))
                })
                .collect::<Vec<_>>(),
        )
    }
}

/// How the two scheduler services name their parts.
struct SchedulerElements {
    schedule: &'static str,
    action: &'static str,
    dates_and_time: &'static str,
    special_days: &'static str,
    special_day: &'static str,
    /// The attribute naming a special day in its definition and in an applicability.
    special_day_key: &'static str,
}

const LOAD_CONTROL_SCHEDULER: SchedulerElements = SchedulerElements {
    schedule: "ALCSHCALCSConnectionSchedule",
    action: "ActivateDeactivateSwitch",
    dates_and_time: "ALCSScheduleDatesAndTime",
    special_days: "ALCSHCALCSSpecialDays",
    special_day: "ALCSHCALCSSpecialDay",
    special_day_key: "index",
};

const AUXILIARY_CONTROLLER_SCHEDULER: SchedulerElements = SchedulerElements {
    schedule: "AuxiliaryControllerSchedule",
    action: "AuxiliaryControllerAction",
    dates_and_time: "AuxiliaryControllerSchedulePeriodAndTime",
    special_days: "AuxiliaryControllerSpecialDayDefinitions",
    special_day: "AuxiliaryControllerSpecialDayDefinition",
    special_day_key: "identifier",
};

/// What a schedule entry does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ControllerAction {
    /// Activates or deactivates ALCS or HC ALCS `switch` (6.14.2).
    Switch { switch: u8, activate: bool },
    /// Commands an auxiliary controller to a level (6.14.3).
    Controller {
        controller: u8,
        level: u16,
        input_from_controlled_load: bool,
    },
}

impl ControllerAction {
    fn script_selector(self) -> u16 {
        match self {
            Self::Switch { switch, activate } => {
                let action = if activate {
                    ACTIVATE_SWITCH
                } else {
                    DEACTIVATE_SWITCH
                };
                u16::from(switch) << 8 | action
            }
            Self::Controller {
                controller,
                level,
                input_from_controlled_load,
            } => {
                let side = if input_from_controlled_load {
                    CONTROLLER_INPUT
                } else {
                    CONTROLLER_OUTPUT
                };
                (side + u16::from(controller)) << 8 | (LEVEL_COMMANDED + level)
            }
        }
    }
}

/// One entry of a controller schedule as the body gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ControllerSchedule {
    action: ControllerAction,
    special_days: Vec<u8>,
    weekdays: Vec<bool>,
    switch_time: [u8; 4],
    start: [u8; 5],
    end: [u8; 5],
}

/// A scheduler request: its execution, entries and special days.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Scheduler {
    execution: Execution,
    schedules: Vec<ControllerSchedule>,
    /// (identifier, date), in identifier order.
    special_days: Vec<(u8, [u8; 5])>,
}

impl Scheduler {
    fn parse(
        body: &BodyElement,
        elements: &SchedulerElements,
        action: impl Fn(&BodyElement) -> Result<ControllerAction, Rejection>,
    ) -> Result<Self, Rejection> {
        let definitions = element(body, elements.special_days)?;
        only_children(definitions, &[elements.special_day])?;
        let mut special_days: Vec<(u8, [u8; 5])> = Vec::new();
        for day in children(definitions, elements.special_day) {
            let identifier =
                integer_attribute(day, elements.special_day_key, 1, MAXIMUM_SPECIAL_DAYS)?;
            if special_days.iter().any(|(known, _)| *known == identifier) {
                return Err(values::malformed(format!(
                    "{} {identifier} defined twice",
                    elements.special_day
                )));
            }
            special_days.push((identifier, schedule_date(day)?));
        }
        special_days.sort_by_key(|(identifier, _)| *identifier);
        let mut schedules = Vec::new();
        for schedule in children(body, elements.schedule) {
            only_children(
                schedule,
                &[
                    elements.action,
                    "SpecialDaysApplicability",
                    "DaysOfWeekApplicability",
                    elements.dates_and_time,
                ],
            )?;
            let mut applicable = Vec::new();
            for day in children(schedule, "SpecialDaysApplicability") {
                let identifier =
                    integer_attribute(day, elements.special_day_key, 1, MAXIMUM_SPECIAL_DAYS)?;
                if !special_days.iter().any(|(known, _)| *known == identifier) {
                    return Err(values::malformed(format!(
                        "SpecialDaysApplicability {identifier} names no {}",
                        elements.special_day
                    )));
                }
                applicable.push(identifier);
            }
            let dates_and_time = element(schedule, elements.dates_and_time)?;
            only_children(dates_and_time, &["SwitchTime", "StartDate", "EndDate"])?;
            schedules.push(ControllerSchedule {
                action: action(element(schedule, elements.action)?)?,
                special_days: applicable,
                weekdays: days_of_week(schedule.child("DaysOfWeekApplicability"))?,
                switch_time: cosem::time(time_of_day(dates_and_time, "SwitchTime")?),
                start: schedule_date(element(dates_and_time, "StartDate")?)?,
                end: schedule_date(element(dates_and_time, "EndDate")?)?,
            });
        }
        Ok(Self {
            execution: Execution::of(body)?,
            schedules,
            special_days,
        })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
        switch_identities: &[(u8, [u8; 8])],
    ) -> Result<DeviceCommand, Rejection> {
        let special_days = self
            .special_days
            .iter()
            .map(|(identifier, date)| {
                Data::Structure(vec![
                    Data::LongUnsigned(u16::from(*identifier)),
                    Data::OctetString(date.to_vec()),
                    Data::Unsigned(*identifier),
                ])
            })
            .collect();
        let entries = self
            .schedules
            .iter()
            .zip(1u16..)
            .map(|(schedule, index)| {
                ScheduleEntry {
                    index,
                    script: AUXILIARY_CONTROLLER_SCRIPTS,
                    selector: schedule.action.script_selector(),
                    switch_time: schedule.switch_time,
                    weekdays: schedule.weekdays.clone(),
                    special_days: self
                        .special_days
                        .iter()
                        .map(|(identifier, _)| schedule.special_days.contains(identifier))
                        .collect(),
                    begin_date: schedule.start,
                    end_date: schedule.end,
                }
                .to_data()
            })
            .collect();
        let activation = Data::OctetString(self.execution.activation_time().to_vec());
        let identities = switch_identities.iter().map(|(index, identity)| {
            switch_identity(*index).set(VALUE, Data::OctetString(identity.to_vec()))
        });
        dlms_command(
            service,
            context,
            identities
                .chain([
                    PASSIVE_SPECIAL_DAYS.set(ENTRIES, Data::Array(special_days)),
                    PASSIVE_SCHEDULE.set(ENTRIES, Data::Array(entries)),
                    SPECIAL_DAYS_ACTIVATION.set(ACTIVATION_TIME, activation.clone()),
                    SCHEDULE_ACTIVATION.set(ACTIVATION_TIME, activation),
                ])
                .collect::<Vec<_>>(),
        )
    }
}

/// 6.14.2 Update Device Configuration (Auxiliary Load Control Scheduler).
pub struct UpdateLoadControlScheduler {
    scheduler: Scheduler,
    /// (switch index, identity), in index order.
    switch_identities: Vec<(u8, [u8; 8])>,
}

impl ServiceRequest for UpdateLoadControlScheduler {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        only_children(
            body,
            &[
                "ExecutionDateTime",
                LOAD_CONTROL_SCHEDULER.schedule,
                LOAD_CONTROL_SCHEDULER.special_days,
                "SwitchTypeAndId",
            ],
        )?;
        if children(body, LOAD_CONTROL_SCHEDULER.schedule).count() == 0 {
            return Err(values::malformed(
                "UpdateDeviceConfigurationALCScheduler without ALCSHCALCSConnectionSchedule",
            ));
        }
        let scheduler = Scheduler::parse(body, &LOAD_CONTROL_SCHEDULER, |switch| {
            only_children(switch, &["ActivateSwitch", "DeactivateSwitch"])?;
            let activate =
                choice(switch, &["ActivateSwitch", "DeactivateSwitch"])?.name == "ActivateSwitch";
            Ok(ControllerAction::Switch {
                switch: integer_attribute(switch, "index", 1, MAXIMUM_SWITCHES)?,
                activate,
            })
        })?;
        let mut switch_identities: Vec<(u8, [u8; 8])> = Vec::new();
        for switch in children(body, "SwitchTypeAndId") {
            let index = integer_attribute(switch, "index", 1, MAXIMUM_SWITCHES)?;
            only_children(switch, &["ALCS", "HCALCS"])?;
            let kind = choice(switch, &["ALCS", "HCALCS"])?;
            if switch_identities.iter().any(|(known, _)| *known == index) {
                return Err(values::malformed(format!(
                    "SwitchTypeAndId index {index} given twice"
                )));
            }
            let identity = match kind.name.as_str() {
                "HCALCS" => kind
                    .text
                    .trim()
                    .parse::<Eui64>()
                    .map_err(|error| {
                        values::malformed(format!("SwitchTypeAndId {index} HCALCS: {error}"))
                    })?
                    .octets(),
                _ => [0; 8],
            };
            switch_identities.push((index, identity));
        }
        switch_identities.sort_by_key(|(index, _)| *index);
        Ok(Self {
            scheduler,
            switch_identities,
        })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        self.scheduler
            .command(service, context, &self.switch_identities)
    }
}

/// 6.14.3 Update Device Configuration (Auxiliary Controller Scheduler).
pub struct UpdateAuxiliaryControllerScheduler {
    scheduler: Scheduler,
}

impl ServiceRequest for UpdateAuxiliaryControllerScheduler {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        only_children(
            body,
            &[
                "ExecutionDateTime",
                AUXILIARY_CONTROLLER_SCHEDULER.schedule,
                AUXILIARY_CONTROLLER_SCHEDULER.special_days,
            ],
        )?;
        let scheduler = Scheduler::parse(body, &AUXILIARY_CONTROLLER_SCHEDULER, |action| {
            only_children(action, &["CommandedStateLevel", "InputFromControlledLoad"])?;
            Ok(ControllerAction::Controller {
                controller: integer_attribute(action, "auxiliaryControllerN", 1, MAXIMUM_SWITCHES)?,
                level: values::integer(action, "CommandedStateLevel", 0, 100)?,
                input_from_controlled_load: action.child("InputFromControlledLoad").is_some(),
            })
        })?;
        Ok(Self { scheduler })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        self.scheduler.command(service, context, &[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn description(index: &str, text: &str) -> BodyElement {
        BodyElement {
            name: "ALCSHCALCSDescription".into(),
            attributes: vec![("index".into(), index.into())],
            children: vec![BodyElement::leaf("SwitchDescription", text)],
            ..BodyElement::default()
        }
    }

    #[test]
    fn descriptions_have_distinct_indexes_one_to_five() {
        let twice = BodyElement::with_children(
            "UpdateDeviceConfigurationALCDescriptions",
            vec![description("2", "a"), description("2", "b")],
        );
        assert!(
            matches!(UpdateSwitchDescriptions::parse(&twice), Err(Rejection::Malformed(m)) if m.contains("twice"))
        );
        let sixth = BodyElement::with_children(
            "UpdateDeviceConfigurationALCDescriptions",
            vec![description("6", "a")],
        );
        assert!(
            matches!(UpdateSwitchDescriptions::parse(&sixth), Err(Rejection::Malformed(m)) if m.contains("index"))
        );
    }

    #[test]
    fn selectors_name_controller_side_and_level() {
        let output = ControllerAction::Controller {
            controller: 1,
            level: 100,
            input_from_controlled_load: false,
        };
        assert_eq!(output.script_selector(), 0x11E4);
        let input = ControllerAction::Controller {
            controller: 5,
            level: 50,
            input_from_controlled_load: true,
        };
        assert_eq!(input.script_selector(), 0x25B2);
        // RTDS's ECS46c: switch 2 deactivated.
        let switch = ControllerAction::Switch {
            switch: 2,
            activate: false,
        };
        assert_eq!(switch.script_selector(), 0x0202);
    }

    #[test]
    fn applicabilities_name_defined_special_days() {
        let schedule = BodyElement::with_children(
            "AuxiliaryControllerSchedule",
            vec![BodyElement {
                name: "SpecialDaysApplicability".into(),
                attributes: vec![("identifier".into(), "3".into())],
                ..BodyElement::default()
            }],
        );
        let body = BodyElement::with_children(
            "UpdateDeviceConfigurationAuxiliaryControllerScheduler",
            vec![
                schedule,
                BodyElement::with_children("AuxiliaryControllerSpecialDayDefinitions", vec![]),
            ],
        );
        assert!(
            matches!(UpdateAuxiliaryControllerScheduler::parse(&body), Err(Rejection::Malformed(m)) if m.contains("SpecialDaysApplicability 3"))
        );
    }

    fn unspecified_date(name: &str) -> BodyElement {
        let part = |name: &str, unspecified: &str| {
            BodyElement::with_children(name, vec![BodyElement::leaf(unspecified, "")])
        };
        BodyElement::with_children(
            name,
            vec![
                part("Year", "NonSpecifiedYear"),
                part("Month", "NonSpecifiedMonth"),
                part("DayOfMonth", "NonSpecifiedDayOfMonth"),
                part("DayOfWeek", "NonSpecifiedDayOfWeek"),
            ],
        )
    }

    fn switch(index: &str, kind: BodyElement) -> BodyElement {
        BodyElement {
            name: "SwitchTypeAndId".into(),
            attributes: vec![("index".into(), index.into())],
            children: vec![kind],
            ..BodyElement::default()
        }
    }

    fn load_control_scheduler(switches: Vec<BodyElement>) -> BodyElement {
        let action = BodyElement {
            name: "ActivateDeactivateSwitch".into(),
            attributes: vec![("index".into(), "1".into())],
            children: vec![BodyElement::leaf("ActivateSwitch", "")],
            ..BodyElement::default()
        };
        let schedule = BodyElement::with_children(
            "ALCSHCALCSConnectionSchedule",
            vec![
                action,
                BodyElement::with_children(
                    "ALCSScheduleDatesAndTime",
                    vec![
                        BodyElement::leaf("SwitchTime", "06:00:00.00Z"),
                        unspecified_date("StartDate"),
                        unspecified_date("EndDate"),
                    ],
                ),
            ],
        );
        let mut children = vec![
            schedule,
            BodyElement::with_children("ALCSHCALCSSpecialDays", vec![]),
        ];
        children.extend(switches);
        BodyElement::with_children("UpdateDeviceConfigurationALCScheduler", children)
    }

    #[test]
    fn switch_identities_are_zero_for_an_alcs_and_the_eui_of_an_hc_alcs() {
        let body = load_control_scheduler(vec![
            switch("2", BodyElement::leaf("HCALCS", "00-DB-12-34-56-78-90-97")),
            switch("1", BodyElement::leaf("ALCS", "")),
        ]);
        let request = UpdateLoadControlScheduler::parse(&body).expect("a valid 6.14.2 body");
        assert_eq!(
            request.switch_identities,
            vec![
                (1, [0; 8]),
                (2, [0x00, 0xDB, 0x12, 0x34, 0x56, 0x78, 0x90, 0x97])
            ]
        );
        let twice = load_control_scheduler(vec![
            switch("3", BodyElement::leaf("ALCS", "")),
            switch("3", BodyElement::leaf("ALCS", "")),
        ]);
        assert!(
            matches!(UpdateLoadControlScheduler::parse(&twice), Err(Rejection::Malformed(m)) if m.contains("twice"))
        );
        let not_an_eui = load_control_scheduler(vec![switch(
            "2",
            BodyElement::leaf("HCALCS", "not a device"),
        )]);
        assert!(matches!(
            UpdateLoadControlScheduler::parse(&not_an_eui),
            Err(Rejection::Malformed(_))
        ));
    }
}
