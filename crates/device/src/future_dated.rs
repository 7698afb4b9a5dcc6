//! Future-dated instructions: what a device accepted with an activation time still to come and
//! does when its time comes, reporting each with a Future Dated Execution Of Instruction alert
//! (8F66; 8F67 when it could not be done).
//!
//! - An ESME's DLMS command sets passive values and an activation time (an activity calendar's
//!   `activate_passive_calendar_time`, a Charge's unit charge activation time, a GBCS Extended
//!   Data object's `activate_passive_value_time`, the Account's activation time): the time is
//!   one instruction, which copies passive values to active ones ([`crate::tariff_activation`]).
//! - A GSME's GBZ command carries ZCL commands with a start or implementation time (tariff and
//!   calendar publishes, Change Payment Mode, the prepayment settings): each is one instruction,
//!   answered at once as the meter answers it and executed at its time; the day, week and
//!   season profiles published with a calendar go with it and are not reported on their own.
//! - A CS02b/CS02g update of security credentials or a CS06 firmware activation with an
//!   execution date-time to come is one instruction, run then as it would have run at once and
//!   reported to the party that sent it under its own use case (0x00CB with the update's
//!   execution outcome, 0x00CA with the command's counter and the activation's outcome: 8F66
//!   when every replacement succeeded or the image activated, else 8F67); the cancellation
//!   date-time (`99991231235959Z`) withdraws it.
//!
//! The device has no clock: its host tells it the time with each command
//! ([`Device::handle_command`] catches up first) and between commands ([`Device::catch_up`]),
//! waking when the earliest instruction falls due ([`Device::next_due`]). An activation time of
//! all `FF` (DUIS's cancellation date-time) cancels the instruction pending for the same
//! attribute or ZCL command; a time that has come executes at once, without an alert.

use std::sync::Arc;

use dcc_model::Eui64;
use gbcs::alert::{AlertCode, AlertDetails};
use gbcs::dlms::CosemReference;
use gbcs::gbz::{ComponentBody, GbzComponent, GbzPayload};
use gbcs::use_case::cs02b;
use gbcs::zcl_commands::{CALENDAR, PREPAYMENT, PRICE};
use gbcs::{GeneralSigning, MessageCode};

use crate::date_time::DeviceDateTime;
use crate::engine::{Command, Device};
use crate::store::CosemAttribute;
use crate::zcl_exec::ComponentAnswer;

/// Future-dated HAN interface command actioned.
pub const ACTIONED: AlertCode = AlertCode(0x8F66);
/// Future-dated HAN interface command not actioned.
pub const NOT_ACTIONED: AlertCode = AlertCode(0x8F67);

/// An instruction a device accepted and executes at `due`.
#[derive(Debug, Clone)]
pub(crate) struct PendingInstruction {
    /// When it falls due: the device's own time, UTC seconds since 2000.
    pub due: u32,
    /// The command that carried it, which its alert names: message code and counter.
    pub message_code: MessageCode,
    pub counter: u64,
    pub instruction: Instruction,
}

/// What a pending instruction does.
#[derive(Debug, Clone)]
pub(crate) enum Instruction {
    /// DLMS: the activation time `trigger` came; each passive attribute becomes its active one.
    Activation {
        trigger: CosemAttribute,
        copies: Vec<(CosemAttribute, CosemAttribute)>,
    },
    /// GBZ: the ZCL command in `position` (from 1) of `command`'s components runs (it is
    /// `executed`); `reported`: whether it raises an alert (the profiles a calendar publishes
    /// do not).
    ZclCommand {
        command: Arc<GeneralSigning>,
        position: usize,
        executed: ExecutedInstruction,
        reported: bool,
    },
    /// CS02b, CS02g: the update of security credentials `originator` authorised runs; its
    /// execution outcome is reported (0x00CB).
    CredentialsUpdate {
        originator: Eui64,
        update: Box<cs02b::UpdateSecurityCredentials>,
    },
    /// CS06: the firmware activation `originator` asked for runs; its outcome is reported
    /// (0x00CA).
    FirmwareActivation {
        originator: Eui64,
        activation: Box<gbcs::firmware::ActivateFirmware>,
    },
}

/// The use cases whose alerts report a future-dated firmware activation's and credentials
/// update's outcome.
const FUTURE_DATED_FIRMWARE_ACTIVATION_ALERT: MessageCode = MessageCode(0x00CA);
const FUTURE_DATED_CREDENTIALS_ALERT: MessageCode = MessageCode(0x00CB);

/// The instruction of a future-dated command an 8F66 or 8F67 alert names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExecutedInstruction {
    /// The COSEM attribute whose activation time came.
    Cosem(CosemAttribute),
    /// The ZCL command executed.
    Zcl {
        cluster: u16,
        frame_control: u8,
        command_id: u8,
    },
}

/// What an 8F66 or 8F67 alert carries: the future-dated command (message code and counter) and
/// the instruction of it executed, DLMS (the attribute) or GBZ (the ZCL command) as the
/// instruction was.
pub(crate) fn alert_details(
    message_code: MessageCode,
    counter: u64,
    instruction: ExecutedInstruction,
) -> AlertDetails {
    match instruction {
        ExecutedInstruction::Cosem(attribute) => AlertDetails::FutureDatedDlms {
            message_code,
            counter,
            target: CosemReference {
                class_id: attribute.class_id,
                obis: attribute.obis,
                index: attribute.attribute,
            },
        },
        ExecutedInstruction::Zcl {
            cluster,
            frame_control,
            command_id,
        } => AlertDetails::FutureDatedGbz {
            message_code,
            counter,
            cluster,
            frame_control,
            command_id,
        },
    }
}

/// When an activation time or start time says to act.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Execution {
    /// Now: the time has come (or is zero, "now").
    Now,
    /// At this time (UTC seconds since 2000, the device's), still to come.
    At(u32),
    /// Never: all `FF`, the cancellation of what is pending.
    Cancelled,
}

impl Execution {
    /// The execution a time of `seconds` (`u32::MAX`: all `FF`) asks for at `now`.
    pub fn of(seconds: u32, now: DeviceDateTime) -> Self {
        match seconds {
            u32::MAX => Self::Cancelled,
            at if at > now.seconds_since_2000() => Self::At(at),
            _ => Self::Now,
        }
    }
}

impl Device {
    /// Performs every pending future-dated instruction due by `now` (the host's time; the
    /// device adds the drift of its clock), earliest first and, at one time, in the order the
    /// commands gave them; each raises its alert (taken with [`Device::take_alerts`]).
    pub fn catch_up(&mut self, now: DeviceDateTime) {
        let now = self.local_time(now).seconds_since_2000();
        let mut executed = false;
        while let Some(index) = self.next_pending(now) {
            let pending = self.pending_instructions.remove(index);
            self.execute_pending(pending);
            executed = true;
        }
        if executed {
            // A future-dated billing calendar or period may have taken effect.
            self.forget_next_billing_date();
        }
        self.push_billing_data_logs(now);
    }

    /// What a host's alarm does when the device's time comes: [`Device::catch_up`] to `now`,
    /// then the alerts raised and when the device is next due ([`Device::next_due`]).
    pub fn ring(&mut self, now: DeviceDateTime) -> (Vec<Vec<u8>>, Option<DeviceDateTime>) {
        self.catch_up(now);
        (self.take_alerts(), self.next_due())
    }

    /// When, on its host's clock, the device next has something to do by itself: the
    /// earliest pending future-dated instruction falls due, or its next billing data log push
    /// ([`crate::billing_push`]); `None` when neither.
    pub fn next_due(&mut self) -> Option<DeviceDateTime> {
        let billing = self.next_billing_push();
        let due = self
            .pending_instructions
            .iter()
            .map(|pending| pending.due)
            .chain(billing)
            .min()?;
        Some(self.host_time(due))
    }

    /// When, on its host's clock, the earliest pending future-dated instruction falls due;
    /// `None` when none is pending.
    pub fn next_instruction_due(&self) -> Option<DeviceDateTime> {
        let due = self
            .pending_instructions
            .iter()
            .map(|pending| pending.due)
            .min()?;
        Some(self.host_time(due))
    }

    /// The host's time when the device's clock reads `local` (UTC seconds since 2000).
    fn host_time(&self, local: u32) -> DeviceDateTime {
        let drift = self.state.clock_offset_seconds;
        DeviceDateTime::from_seconds_since_2000(local).shifted(drift.saturating_neg())
    }

    /// How many future-dated instructions the device holds, not yet executed.
    pub fn pending_instruction_count(&self) -> usize {
        self.pending_instructions.len()
    }

    /// The index of the earliest instruction due by `now` (the first given among equals).
    fn next_pending(&self, now: u32) -> Option<usize> {
        self.pending_instructions
            .iter()
            .enumerate()
            .filter(|(_, pending)| pending.due <= now)
            .min_by_key(|(index, pending)| (pending.due, *index))
            .map(|(index, _)| index)
    }

    /// Holds `pending`, replacing what was pending for the same attribute or ZCL command.
    pub(crate) fn hold_instruction(&mut self, pending: PendingInstruction) {
        let key = pending.instruction.key();
        self.pending_instructions
            .retain(|held| held.instruction.key() != key);
        self.pending_instructions.push(pending);
    }

    /// Drops what is pending for `key` (a cancellation), and for a calendar its profiles.
    pub(crate) fn cancel_instruction(&mut self, key: InstructionKey) {
        self.pending_instructions.retain(|held| {
            let held_key = held.instruction.key();
            held_key != key && !(key == CALENDAR_PUBLISH && is_calendar_profile(held_key))
        });
    }

    fn execute_pending(&mut self, pending: PendingInstruction) {
        let at = DeviceDateTime::from_seconds_since_2000(pending.due);
        let (executed, reported, actioned) = match &pending.instruction {
            Instruction::Activation { trigger, copies } => {
                for (passive, active) in copies {
                    if let Some(value) = self.store.cosem(*passive).cloned() {
                        self.store.set_cosem(*active, value);
                    }
                }
                (ExecutedInstruction::Cosem(*trigger), true, true)
            }
            Instruction::ZclCommand {
                command,
                position,
                executed,
                reported,
            } => {
                let actioned = self.execute_zcl_command(command, *position, at);
                (*executed, *reported, actioned)
            }
            Instruction::CredentialsUpdate { originator, update } => {
                let outcome = crate::credentials::execute_update(self, *originator, update, at);
                let code = if outcome.all_succeeded() {
                    ACTIONED
                } else {
                    NOT_ACTIONED
                };
                let details = AlertDetails::ExecutionOutcome(outcome.encode());
                let _ = self.raise_as(
                    code,
                    FUTURE_DATED_CREDENTIALS_ALERT,
                    *originator,
                    details,
                    at,
                );
                return;
            }
            Instruction::FirmwareActivation {
                originator,
                activation,
            } => {
                let outcome = crate::firmware::execute_activation(self, activation);
                let code = match outcome.response_code {
                    gbcs::firmware::ActivationOutcome::SUCCESS => ACTIONED,
                    _ => NOT_ACTIONED,
                };
                // GBCS's Activate Firmware Alert: the command's counter, then the outcome.
                let mut reported = gbcs::asn1::integer(activation.originator_counter);
                reported.extend(
                    gbcs::firmware::ActivateFirmwareResponse::ExecutionOutcome(outcome).encode(),
                );
                let details = AlertDetails::ExecutionOutcome(reported);
                let _ = self.raise_as(
                    code,
                    FUTURE_DATED_FIRMWARE_ACTIVATION_ALERT,
                    *originator,
                    details,
                    at,
                );
                return;
            }
        };
        if !reported {
            return;
        }
        let code = if actioned { ACTIONED } else { NOT_ACTIONED };
        let details = alert_details(pending.message_code, pending.counter, executed);
        // A device that cannot raise the alert (no key for its recipient) still did the
        // instruction: nothing more to do.
        let _ = self.raise_with(code, details, at);
    }

    /// Runs the ZCL command `position` of `command` at `at`, as the command would have run it
    /// then; returns whether it succeeded.
    fn execute_zcl_command(
        &mut self,
        command: &GeneralSigning,
        position: usize,
        at: DeviceDateTime,
    ) -> bool {
        let component = GbzPayload::parse(&command.payload)
            .ok()
            .and_then(|gbz| gbz.components.into_iter().nth(position.saturating_sub(1)));
        let entry = gbcs::catalogue::entry(command.header.message_code());
        // Held only once it parsed and was answered: these cannot fail.
        let (Some(component), Some(entry)) = (component, entry) else {
            return false;
        };
        let ComponentBody::Plain(payload) = &component.body else {
            return false;
        };
        let response_header =
            gbcs::use_case::response_apdu(&command.header, None, Vec::new()).header;
        let executing = Command {
            apdu: command,
            entry,
            now: at,
            host_now: at.shifted(self.state.clock_offset_seconds.saturating_neg()),
            response_header: &response_header,
            remote_party_key: None,
        };
        let answers = crate::clusters::invoke(self, &executing, &component, position, payload);
        !answers.iter().any(ComponentAnswer::failed)
    }
}

/// What a pending instruction is for: two for the same key cannot both be pending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InstructionKey {
    Cosem(CosemAttribute),
    Zcl { cluster: u16, command_id: u8 },
    CredentialsUpdate,
    FirmwareActivation,
}

impl Instruction {
    fn key(&self) -> InstructionKey {
        match self {
            Self::Activation { trigger, .. } => InstructionKey::Cosem(*trigger),
            Self::ZclCommand { executed, .. } => match *executed {
                ExecutedInstruction::Cosem(attribute) => InstructionKey::Cosem(attribute),
                ExecutedInstruction::Zcl {
                    cluster,
                    command_id,
                    ..
                } => InstructionKey::Zcl {
                    cluster,
                    command_id,
                },
            },
            Self::CredentialsUpdate { .. } => InstructionKey::CredentialsUpdate,
            Self::FirmwareActivation { .. } => InstructionKey::FirmwareActivation,
        }
    }
}

/// Publish Calendar, whose day, week and season profiles go with it.
const CALENDAR_PUBLISH: InstructionKey = InstructionKey::Zcl {
    cluster: CALENDAR,
    command_id: 0x00,
};

/// Publish Day Profile, Publish Week Profile, Publish Seasons.
fn is_calendar_profile(key: InstructionKey) -> bool {
    matches!(
        key,
        InstructionKey::Zcl {
            cluster: CALENDAR,
            command_id: 0x01..=0x03
        }
    )
}

/// When a GBZ cluster command takes effect: its start (implementation) time, `None` for a
/// command that has none (it takes effect at once).
enum StartTime {
    /// A little-endian UTC time at this offset of the ZCL payload.
    InPayload(usize),
    /// The component's from-date-time (Set Low Credit Warning Level).
    FromDateTime,
    /// A calendar's profile: the command's Publish Calendar's.
    Calendar,
}

/// The start time of the ZCL commands a GSME executes at a time (ZSE 1.4 layouts).
fn start_time(cluster: u16, from_server: bool, command_id: u8) -> Option<StartTime> {
    Some(match (cluster, from_server, command_id) {
        // Publish Tariff Information: provider, issuer event and issuer tariff ids, start time.
        (PRICE, true, 0x04) => StartTime::InPayload(12),
        // Publish Price Matrix, Publish Block Thresholds: provider and issuer event ids, start.
        (PRICE, true, 0x05 | 0x06) => StartTime::InPayload(8),
        // Publish Calendar, Publish Special Days: provider, event and calendar ids, start time.
        (CALENDAR, true, 0x00 | 0x04) => StartTime::InPayload(12),
        (CALENDAR, true, 0x01..=0x03) => StartTime::Calendar,
        // Emergency Credit Setup: issuer event id, start time.
        (PREPAYMENT, false, 0x03) => StartTime::InPayload(4),
        // Change Payment Mode, Set Maximum Credit Limit, Set Overall Debt Cap: provider and
        // issuer event ids, implementation date-time.
        (PREPAYMENT, false, 0x06 | 0x0B | 0x0C) => StartTime::InPayload(8),
        (PREPAYMENT, false, 0x09) => StartTime::FromDateTime,
        _ => return None,
    })
}

/// A little-endian u32 at `offset`.
fn time_at(payload: &[u8], offset: usize) -> Option<u32> {
    let bytes = payload.get(offset..offset.checked_add(4)?)?;
    Some(u32::from_le_bytes(bytes.try_into().ok()?))
}

/// When `component` of `command` takes effect at `now`.
fn execution_of(command: &Command<'_>, component: &GbzComponent, payload: &[u8]) -> Execution {
    let from_server = component.frame_control & gbcs::zcl::DIRECTION_SERVER_TO_CLIENT != 0;
    let seconds = match start_time(component.cluster, from_server, component.command_id) {
        None => return Execution::Now,
        Some(StartTime::InPayload(offset)) => time_at(payload, offset),
        Some(StartTime::FromDateTime) => component.from_date_time.map(u32::from_be_bytes),
        Some(StartTime::Calendar) => calendar_start(command),
    };
    match seconds {
        // No time (a payload too short: the command's own handler answers it) or zero: now.
        None | Some(0) => Execution::Now,
        Some(seconds) => Execution::of(seconds, command.now),
    }
}

/// The start time of the command's Publish Calendar, if it publishes one.
fn calendar_start(command: &Command<'_>) -> Option<u32> {
    let gbz = GbzPayload::parse(command.payload()).ok()?;
    gbz.components.iter().find_map(|component| {
        let publishes_calendar = component.cluster == CALENDAR
            && component.command_id == 0x00
            && component.frame_control & gbcs::zcl::DIRECTION_SERVER_TO_CLIENT != 0;
        match (&component.body, publishes_calendar) {
            (ComponentBody::Plain(payload), true) => time_at(payload, 12),
            _ => None,
        }
    })
}

/// Answers a GBZ cluster command: at once when it takes effect now; with the answer it would
/// give and nothing changed when it is future dated (held until its time) or cancels what is
/// pending (which it drops).
pub(crate) fn cluster_command(
    device: &mut Device,
    command: &Command<'_>,
    component: &GbzComponent,
    position: usize,
    payload: &[u8],
) -> Vec<ComponentAnswer> {
    let execution = execution_of(command, component, payload);
    if execution == Execution::Now {
        return crate::clusters::invoke(device, command, component, position, payload);
    }
    let answers = answered_without_effect(device, command, component, position, payload);
    if answers.iter().any(ComponentAnswer::failed) {
        return answers;
    }
    let key = InstructionKey::Zcl {
        cluster: component.cluster,
        command_id: component.command_id,
    };
    match execution {
        Execution::At(due) => {
            let reported = !is_calendar_profile(key);
            // Profiles of one calendar are several components of one ZCL command: each is
            // held (none replaces another of the same command).
            let pending = PendingInstruction {
                due,
                message_code: command.apdu.header.message_code(),
                counter: command.apdu.header.transaction.counter,
                instruction: Instruction::ZclCommand {
                    command: Arc::new(command.apdu.clone()),
                    position,
                    executed: ExecutedInstruction::Zcl {
                        cluster: component.cluster,
                        frame_control: component.frame_control,
                        command_id: component.command_id,
                    },
                    reported,
                },
            };
            match reported {
                true => device.hold_instruction(pending),
                false => {
                    device.pending_instructions.retain(|held| {
                        held.instruction.key() != key || held.counter == pending.counter
                    });
                    device.pending_instructions.push(pending);
                }
            }
        }
        Execution::Cancelled => device.cancel_instruction(key),
        Execution::Now => {}
    }
    answers
}

/// The answers `component` gets, with the device's state and store as they were before.
fn answered_without_effect(
    device: &mut Device,
    command: &Command<'_>,
    component: &GbzComponent,
    position: usize,
    payload: &[u8],
) -> Vec<ComponentAnswer> {
    let state = device.state.clone();
    let store = device.store.clone();
    let answers = crate::clusters::invoke(device, command, component, position, payload);
    device.state = state;
    device.store = store;
    answers
}
