//! Voltage configuration of an ESME: 6.5 Update Device Configuration (Voltage) — ECS29a single
//! phase, ECS29b polyphase, ECS29c / ECS29d the same without resetting the RMS voltage counters,
//! as the body chooses — and 6.27 RMS Voltage Counter Reset (ECS29e single phase, ECS29f
//! polyphase). Each use case writes its objects in the order GBCS gives it (the RTDS fixtures).

use duis::catalogue::ServiceDefinition;
use duis::BodyElement;
use gbcs::dlms::Data;

use super::device_reads::{
    average_rms_over_voltage_threshold, average_rms_under_voltage_threshold, first_use_case,
    phase_c, MINIMUM_DURATION, RMS_VOLTAGE_LIMITERS, THRESHOLD,
};
use super::dlms_command_for;
use super::values::{self, children, choice, element, held_by_dsp, only_children, unsigned_int};
use crate::rejection::Rejection;
use crate::services::dlms_command::{class, CosemObject, Request, NO_PARAMETER, RESET, VALUE};
use crate::services::{use_case_named, CommandContext, DeviceCommand, ServiceRequest};

/// The average RMS voltage profile of a phase (Profile Generic): attribute 4 is its capture
/// period, the averaging period.
fn average_rms_voltage_profile(phase: u8) -> CosemObject {
    CosemObject::new(class::PROFILE_GENERIC, [1, 0, phase_c(phase), 24, 0, 255])
}
const CAPTURE_PERIOD: u8 = 4;
/// The RMS voltage counters of a phase (Registers, reset by method 1).
fn rms_voltage_counters(phase: u8) -> [CosemObject; 2] {
    [
        CosemObject::new(class::REGISTER, [1, 0, phase_c(phase), 32, 0, 4]),
        CosemObject::new(class::REGISTER, [1, 0, phase_c(phase), 36, 0, 4]),
    ]
}

/// The RMS voltage extremes: threshold and measurement period of extreme over voltage,
/// extreme under voltage, sag and swell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RmsVoltageSettings([(u32, u32); 4]);

/// A phase's average RMS voltage settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct AverageRmsVoltageSettings {
    over_threshold: u32,
    under_threshold: u32,
    measurement_period: u32,
}

impl AverageRmsVoltageSettings {
    fn parse(settings: &BodyElement) -> Result<Self, Rejection> {
        only_children(
            settings,
            &[
                "AverageRMSOverVoltageThreshold",
                "AverageRMSUnderVoltageThreshold",
                "AverageRMSVoltageMeasurementPeriod",
            ],
        )?;
        Ok(Self {
            over_threshold: unsigned_int(settings, "AverageRMSOverVoltageThreshold")?,
            under_threshold: unsigned_int(settings, "AverageRMSUnderVoltageThreshold")?,
            measurement_period: unsigned_int(settings, "AverageRMSVoltageMeasurementPeriod")?,
        })
    }
}

/// 6.5 Update Device Configuration (Voltage).
pub struct UpdateVoltageConfiguration {
    extremes: RmsVoltageSettings,
    /// One entry (single phase) or three (phases 1–3).
    phases: Vec<AverageRmsVoltageSettings>,
    reset_counters: bool,
}

impl ServiceRequest for UpdateVoltageConfiguration {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        only_children(
            body,
            &[
                "ExecutionDateTime",
                "RMSVoltageSettings",
                "SinglePhaseVoltageSettings",
                "PolyPhaseVoltageSettings",
                "RMSVoltageCountersNotReset",
            ],
        )?;
        held_by_dsp(body)?;
        let rms = element(body, "RMSVoltageSettings")?;
        let extremes = [
            "ExtremeOverVoltage",
            "ExtremeUnderVoltage",
            "VoltageSag",
            "VoltageSwell",
        ];
        let names: Vec<String> = extremes
            .iter()
            .flat_map(|extreme| {
                [
                    format!("RMS{extreme}MeasurementPeriod"),
                    format!("RMS{extreme}Threshold"),
                ]
            })
            .collect();
        only_children(rms, &names.iter().map(String::as_str).collect::<Vec<_>>())?;
        let mut settings = [(0, 0); 4];
        for (setting, extreme) in settings.iter_mut().zip(extremes) {
            *setting = (
                unsigned_int(rms, &format!("RMS{extreme}Threshold"))?,
                unsigned_int(rms, &format!("RMS{extreme}MeasurementPeriod"))?,
            );
        }
        let phases = match choice(
            body,
            &["SinglePhaseVoltageSettings", "PolyPhaseVoltageSettings"],
        )? {
            single if single.name == "SinglePhaseVoltageSettings" => {
                vec![AverageRmsVoltageSettings::parse(single)?]
            }
            _ => poly_phase_settings(body)?,
        };
        let reset_counters = match body.child("RMSVoltageCountersNotReset") {
            None => true,
            Some(flag) => {
                only_children(flag, &[])?;
                false
            }
        };
        Ok(Self {
            extremes: RmsVoltageSettings(settings),
            phases,
            reset_counters,
        })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let poly_phase = self.phases.len() == 3;
        let id = match (poly_phase, self.reset_counters) {
            (false, true) => "ECS29a",
            (true, true) => "ECS29b",
            (false, false) => "ECS29c",
            (true, false) => "ECS29d",
        };
        let use_case = use_case_named(service, id, context.device_type)?;
        let periods = self.phases.iter().zip(1..).map(|(settings, phase)| {
            average_rms_voltage_profile(phase).set(
                CAPTURE_PERIOD,
                Data::DoubleLongUnsigned(settings.measurement_period),
            )
        });
        let limiters = RMS_VOLTAGE_LIMITERS.iter().zip(self.extremes.0).flat_map(
            |(limiter, (threshold, period))| {
                [
                    limiter.set(THRESHOLD, Data::DoubleLongUnsigned(threshold)),
                    limiter.set(MINIMUM_DURATION, Data::DoubleLongUnsigned(period)),
                ]
            },
        );
        let over = |phase: u8, settings: &AverageRmsVoltageSettings| {
            average_rms_over_voltage_threshold(phase)
                .set(VALUE, Data::DoubleLongUnsigned(settings.over_threshold))
        };
        let under = |phase: u8, settings: &AverageRmsVoltageSettings| {
            average_rms_under_voltage_threshold(phase)
                .set(VALUE, Data::DoubleLongUnsigned(settings.under_threshold))
        };
        let mut requests: Vec<Request> = Vec::new();
        if self.reset_counters {
            // ECS29a/b: periods, extremes, thresholds (phase 1 over then under, the other
            // phases under then over), then the counter resets.
            requests.extend(periods);
            requests.extend(limiters);
            for (settings, phase) in self.phases.iter().zip(1u8..) {
                if phase == 1 {
                    requests.extend([over(phase, settings), under(phase, settings)]);
                } else {
                    requests.extend([under(phase, settings), over(phase, settings)]);
                }
            }
            requests.extend(counter_resets(self.phases.len() as u8));
        } else {
            // ECS29c/d: thresholds (under then over), periods, extremes.
            for (settings, phase) in self.phases.iter().zip(1u8..) {
                requests.extend([under(phase, settings), over(phase, settings)]);
            }
            requests.extend(periods);
            requests.extend(limiters);
        }
        Ok(dlms_command_for(use_case, context, requests))
    }
}

/// The three `PolyPhaseVoltageSettings`, one per phase, in phase order.
fn poly_phase_settings(body: &BodyElement) -> Result<Vec<AverageRmsVoltageSettings>, Rejection> {
    let mut phases: [Option<AverageRmsVoltageSettings>; 3] = [None; 3];
    for entry in children(body, "PolyPhaseVoltageSettings") {
        only_children(entry, &["Phase", "PhaseVoltageSettings"])?;
        let phase: usize = values::integer(entry, "Phase", 1, 3)?;
        let slot = &mut phases[phase - 1];
        if slot.is_some() {
            return Err(values::malformed(format!(
                "PolyPhaseVoltageSettings gives phase {phase} twice"
            )));
        }
        *slot = Some(AverageRmsVoltageSettings::parse(element(
            entry,
            "PhaseVoltageSettings",
        )?)?);
    }
    phases
        .into_iter()
        .zip(1..)
        .map(|(settings, phase)| {
            settings.ok_or_else(|| {
                values::malformed(format!("PolyPhaseVoltageSettings without phase {phase}"))
            })
        })
        .collect()
}

/// The RMS voltage counter resets of phases 1 to `phases`.
fn counter_resets(phases: u8) -> impl Iterator<Item = Request> {
    (1..=phases).flat_map(|phase| {
        rms_voltage_counters(phase).map(|counter| counter.action(RESET, NO_PARAMETER))
    })
}

/// 6.27 Update Device Configuration (RMS Voltage Counter Reset). A single phase ESME takes
/// ECS29e, a polyphase one ECS29f; the body does not say which the ESME is and the command
/// context does not know its variant, so the first the service table lists (ECS29e) is sent.
pub struct ResetRmsVoltageCounters;

impl ServiceRequest for ResetRmsVoltageCounters {
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
        let use_case = first_use_case(service, context)?;
        let phases = if use_case.use_case_id() == Some("ECS29f") {
            3
        } else {
            1
        };
        Ok(dlms_command_for(use_case, context, counter_resets(phases)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(name: &str, text: &str) -> BodyElement {
        BodyElement::leaf(name, text)
    }

    fn rms() -> BodyElement {
        BodyElement::with_children(
            "RMSVoltageSettings",
            [
                "RMSExtremeOverVoltageMeasurementPeriod",
                "RMSExtremeOverVoltageThreshold",
                "RMSExtremeUnderVoltageMeasurementPeriod",
                "RMSExtremeUnderVoltageThreshold",
                "RMSVoltageSagMeasurementPeriod",
                "RMSVoltageSagThreshold",
                "RMSVoltageSwellMeasurementPeriod",
                "RMSVoltageSwellThreshold",
            ]
            .iter()
            .map(|name| leaf(name, "30"))
            .collect(),
        )
    }

    fn phase(number: &str) -> BodyElement {
        BodyElement::with_children(
            "PolyPhaseVoltageSettings",
            vec![
                leaf("Phase", number),
                BodyElement::with_children(
                    "PhaseVoltageSettings",
                    vec![
                        leaf("AverageRMSOverVoltageThreshold", "264"),
                        leaf("AverageRMSUnderVoltageThreshold", "200"),
                        leaf("AverageRMSVoltageMeasurementPeriod", "30"),
                    ],
                ),
            ],
        )
    }

    #[test]
    fn polyphase_settings_give_each_phase_once() {
        let repeated = BodyElement::with_children(
            "UpdateDeviceConfigurationVoltage",
            vec![rms(), phase("1"), phase("1"), phase("3")],
        );
        assert!(
            matches!(UpdateVoltageConfiguration::parse(&repeated), Err(Rejection::Malformed(m)) if m.contains("phase 1 twice"))
        );
        let fourth = BodyElement::with_children(
            "UpdateDeviceConfigurationVoltage",
            vec![rms(), phase("1"), phase("2"), phase("4")],
        );
        assert!(
            matches!(UpdateVoltageConfiguration::parse(&fourth), Err(Rejection::Malformed(m)) if m.contains("Phase 4"))
        );
        let neither = BodyElement::with_children("UpdateDeviceConfigurationVoltage", vec![rms()]);
        assert!(
            matches!(UpdateVoltageConfiguration::parse(&neither), Err(Rejection::Malformed(m)) if m.contains("SinglePhaseVoltageSettings"))
        );
    }

    #[test]
    fn polyphase_settings_choose_ecs29b() {
        let body = BodyElement::with_children(
            "UpdateDeviceConfigurationVoltage",
            vec![rms(), phase("3"), phase("1"), phase("2")],
        );
        let parsed = UpdateVoltageConfiguration::parse(&body).unwrap();
        assert_eq!(parsed.phases.len(), 3);
        assert!(parsed.reset_counters);
    }
}
