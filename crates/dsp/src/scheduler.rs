//! The DSP's own clockwork, on the ecosystem's clock: future-dated requests it holds are sent
//! at their execution time (access control again first: a request whose device or user no
//! longer qualifies is cancelled with that E-code and never executes), DCC schedules issue
//! their occurrences, and commands without a response by their deadline get their final
//! answer: E30 for future-dated ones, a CommandFailure DCC alert otherwise. Every accepted
//! request thus gets exactly one final answer.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use dcc_model::{CommandVariant, Eui64, ResponseCode};
use duis::catalogue;
use duis::{BodyElement, ResponseBody};
use tracing::{info, warn};

use crate::alerts::DccAlert;
use crate::answers::{sign_response, Owed};
use crate::rejection::Rejection;
use crate::store::{AwaitingKind, AwaitingResponse, HeldRequest, SentCommand};
use crate::Shared;

/// Wakes the scheduler when work arrives that is due before it would look again anyway, so a
/// busy DSP does not have it read every held request, schedule and command awaiting a response
/// once per request.
#[derive(Debug)]
pub(crate) struct SchedulerWake {
    notify: tokio::sync::Notify,
    /// When the scheduler looks at its work next (Unix ms); `i64::MAX` while it is looking or
    /// has nothing with a time, so that anything arriving then wakes it.
    looks_again_at_ms: AtomicI64,
}

impl SchedulerWake {
    pub fn new() -> Self {
        Self {
            notify: tokio::sync::Notify::new(),
            looks_again_at_ms: AtomicI64::new(i64::MAX),
        }
    }

    /// Work due at `at_ms` (Unix ms) was stored.
    pub fn work_due_at(&self, at_ms: i64) {
        if at_ms < self.looks_again_at_ms.load(Ordering::SeqCst) {
            self.notify.notify_one();
        }
    }

    /// Something changed that every time depends on (the clock was moved).
    pub fn look_now(&self) {
        self.notify.notify_one();
    }
}

/// Runs until the DSP stops.
pub(crate) async fn run(shared: Arc<Shared>) {
    let wake_on = &shared.scheduler_wake;
    loop {
        // Work stored from here on wakes it again, whatever the pass below finds.
        wake_on.looks_again_at_ms.store(i64::MAX, Ordering::SeqCst);
        let next = match work_due(&shared).await {
            Ok(next) => next,
            Err(error) => {
                warn!(%error, "scheduler pass failed; trying again shortly");
                Some(shared.now_ms() + 1_000)
            }
        };
        // Work stored before this with an earlier time has notified already (the permit
        // waits); work stored after it and due later than `next` is seen when it looks again.
        wake_on
            .looks_again_at_ms
            .store(next.unwrap_or(i64::MAX), Ordering::SeqCst);
        let wake = wake_on.notify.notified();
        match next {
            Some(at) => {
                tokio::select! {
                    _ = shared.clock.sleep_until(crate::from_unix_ms(at)) => {}
                    _ = wake => {}
                }
            }
            None => {
                tokio::select! {
                    _ = shared.clock.moved() => {}
                    _ = wake => {}
                }
            }
        }
    }
}

/// Does what is due now; returns when something is due next.
async fn work_due(shared: &Shared) -> Result<Option<i64>, Rejection> {
    let mut next: Option<i64> = None;
    let mut consider = |at: i64| next = Some(next.map_or(at, |next: i64| next.min(at)));
    let now = shared.now_ms();
    for held in shared.store.all_held()? {
        if held.execute_at_ms <= now {
            execute_held(shared, held).await?;
        } else {
            consider(held.execute_at_ms);
        }
    }
    for schedule in shared.store.all_schedules()? {
        // Catch up every occurrence due (the virtual clock may have moved days at once).
        let mut schedule = Some(schedule);
        while let Some(current) = schedule.take() {
            let Some(due) = crate::schedules::next_due_ms(&current) else {
                crate::schedules::issue_occurrence(shared, current).await?;
                break;
            };
            if due > shared.now_ms() {
                consider(due);
                break;
            }
            let id = current.schedule_id;
            if let Err(rejection) = crate::schedules::issue_occurrence(shared, current).await {
                warn!(schedule = id, %rejection, "schedule occurrence not issued");
            }
            schedule = shared.store.schedule(id)?;
        }
    }
    let now = shared.now_ms();
    for awaiting in shared.store.all_awaiting()? {
        let Some(deadline) = awaiting.deadline_ms else {
            continue;
        };
        if deadline <= now {
            time_out(shared, awaiting.command)?;
        } else {
            consider(deadline);
        }
    }
    Ok(next)
}

/// Sends a held request at its execution time, or cancels it when access control now says no.
async fn execute_held(shared: &Shared, held: HeldRequest) -> Result<(), Rejection> {
    let request_id = held.request_id;
    let batch = shared.store.batch()?;
    let taken = batch.take_held(&request_id)?;
    batch.commit()?;
    if taken.is_none() {
        return Ok(());
    }
    let held_apdu = gbcs::GeneralSigning::parse(&held.apdu)
        .map_err(|error| Rejection::Malformed(format!("held command: {error}")))?;
    let (apdu, device) = match sendable_now(shared, &held, &held_apdu) {
        Ok(sendable) => sendable,
        Err(rejection) => {
            info!(%request_id, %rejection, "future-dated request cancelled at its execution time");
            return final_error(
                shared,
                &held_as_awaiting(shared, &held, SentCommand::of(&held_apdu)),
                request_id.target,
                &rejection.response_code(),
                &format!("cancelled at its execution time: {rejection}"),
            );
        }
    };
    let awaiting = held_as_awaiting(shared, &held, SentCommand::of(&apdu));
    let sent = match crate::routing::protect(shared, device.device_id, &apdu).await {
        Ok(protected) => crate::routing::send_over_wan(shared, &device, &awaiting, protected).await,
        Err(rejection) => Err(rejection),
    };
    if let Err(rejection) = sent {
        return command_failed(shared, &awaiting, device.device_id, &rejection);
    }
    info!(%request_id, "held future-dated request sent");
    Ok(())
}

/// The held command as it goes now, and its device, after access control again: one a DCC
/// party originates is transformed again, taking the party's next counter for the device (its
/// sequence moved on while the request was held); the requester's goes as it was held, with
/// its RequestID counter.
fn sendable_now(
    shared: &Shared,
    held: &HeldRequest,
    held_apdu: &gbcs::GeneralSigning,
) -> Result<(gbcs::GeneralSigning, crate::DeviceRecord), Rejection> {
    let request_id = held.request_id;
    let service = catalogue::lookup(held.service_reference_variant.as_str())
        .ok_or_else(|| Rejection::Malformed("a held request names no DUIS service".into()))?;
    let caller = crate::access::caller_for(shared, request_id.originator, service)?;
    let device = crate::access::eligibility(
        shared,
        request_id.target,
        service,
        &caller,
        CommandVariant::SendOverWan,
    )?;
    let Some(body) = &held.body else {
        return Ok((held_apdu.clone(), device));
    };
    let request = crate::services::request_over_wan(service, request_id, BodyElement::from(body));
    let command = crate::counters::command_on_behalf(shared, service, &request, &device)?;
    Ok((command.apdu, device))
}

fn held_as_awaiting(shared: &Shared, held: &HeldRequest, command: SentCommand) -> AwaitingResponse {
    AwaitingResponse {
        request_id: held.request_id,
        command,
        service_reference: held.service_reference.clone(),
        service_reference_variant: held.service_reference_variant.clone(),
        kind: AwaitingKind::FutureDated,
        deadline_ms: Some(shared.now_ms() + shared.timing.future_dated_time_out.as_millis() as i64),
    }
}

/// A command that awaited a response past its deadline.
fn time_out(shared: &Shared, command: SentCommand) -> Result<(), Rejection> {
    let Some(awaiting) = shared.store.awaiting(command)? else {
        return Ok(());
    };
    let device = command.device;
    warn!(request_id = %awaiting.request_id, "no response from the device in time");
    match awaiting.kind {
        AwaitingKind::FutureDated => final_error(
            shared,
            &awaiting,
            device,
            &ResponseCode::Error("30".into()),
            "no outcome of the future-dated command in time",
        ),
        _ => command_failed(
            shared,
            &awaiting,
            device,
            &Rejection::CannotCommunicate("no response from the device in time".into()),
        ),
    }
}

/// The final answer of a command that will get no response: E30 for a future-dated one, a
/// CommandFailure DCC alert otherwise.
pub(crate) fn command_failed(
    shared: &Shared,
    awaiting: &AwaitingResponse,
    device: Eui64,
    reason: &Rejection,
) -> Result<(), Rejection> {
    if awaiting.kind == AwaitingKind::FutureDated {
        return final_error(
            shared,
            awaiting,
            device,
            &ResponseCode::Error("30".into()),
            &reason.to_string(),
        );
    }
    let request_id = awaiting.request_id;
    let schedule_id = match awaiting.kind {
        AwaitingKind::Scheduled { schedule_id } => Some(schedule_id),
        _ => None,
    };
    let mut owed = Owed::default();
    let batch = shared.store.batch()?;
    batch.take_awaiting(awaiting.command, shared.now_ms())?;
    batch.audit(
        &request_id.to_string(),
        &shared.event("dsp", format!("command failed: {reason}"), None),
    )?;
    DccAlert::CommandFailure {
        request_id,
        schedule_id,
        device,
    }
    .raise(shared, &batch, &mut owed, &[request_id.originator])?;
    batch.commit()?;
    owed.send(shared);
    Ok(())
}

/// An asynchronous error response to a request acknowledged earlier (E30, or the access
/// control code that cancelled a held request).
fn final_error(
    shared: &Shared,
    awaiting: &AwaitingResponse,
    device: Eui64,
    code: &ResponseCode,
    why: &str,
) -> Result<(), Rejection> {
    let request_id = awaiting.request_id;
    let xml = sign_response(
        shared,
        Some(request_id),
        code.clone(),
        None,
        ResponseBody::Empty {
            service_reference: awaiting.service_reference.clone(),
            service_reference_variant: awaiting.service_reference_variant.clone(),
        },
    )
    .map_err(|error| Rejection::StoreUnavailable(format!("cannot sign: {error}")))?;
    let reference = request_id.to_string();
    let mut owed = Owed::default();
    let batch = shared.store.batch()?;
    batch.take_awaiting(awaiting.command, shared.now_ms())?;
    batch.audit(
        &reference,
        &shared.event("dsp", why, Some(code.to_string())),
    )?;
    owed.queue(
        shared,
        &batch,
        crate::answers::Document {
            recipient: request_id.originator,
            reference: &reference,
            device,
            xml,
            what: "final answer",
            outcome: code,
        },
    )?;
    batch.commit()?;
    owed.send(shared);
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// Whether a wake is waiting for the scheduler (taking it).
    async fn woken(wake: &SchedulerWake) -> bool {
        tokio::time::timeout(Duration::ZERO, wake.notify.notified())
            .await
            .is_ok()
    }

    #[tokio::test]
    async fn work_wakes_the_scheduler_only_when_due_before_it_looks_again() {
        let wake = SchedulerWake::new();
        wake.work_due_at(5_000);
        assert!(woken(&wake).await, "while it looks, anything wakes it");
        wake.looks_again_at_ms.store(1_000, Ordering::SeqCst);
        wake.work_due_at(1_000);
        wake.work_due_at(30_000);
        assert!(!woken(&wake).await, "it looks at 1,000 anyway");
        wake.work_due_at(999);
        assert!(woken(&wake).await, "due before it looks again");
        wake.look_now();
        assert!(woken(&wake).await, "the clock moved");
        assert!(!woken(&wake).await, "one wake, taken");
    }
}
