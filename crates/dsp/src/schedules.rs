//! DCC scheduled services (5.1 create, 5.2 read, 5.3 delete): the DSP keeps a user's schedule
//! and, at each occurrence, sends the scheduled service to the device on the user's behalf
//! (the scheduler calls [`issue_occurrence`]); each response reaches the user as a
//! `DSPScheduledMessage`.

use dcc_model::{CommandVariant, Eui64, RequestId, ResponseCode};
use duis::catalogue::{self, DccScheduling, ServiceDefinition};
use duis::{BodyElement, Request, RequestBody};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime, Time};

use crate::access::{self, Caller};
use crate::alerts::DccAlert;
use crate::answers::{Answer, Owed};
use crate::rejection::Rejection;
use crate::services::{self, CommandContext};
use crate::store::{AwaitingKind, AwaitingResponse, Schedule, SentCommand, StoredElement};
use crate::Shared;

/// How often a schedule runs (`sr:ScheduleFrequency`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Frequency {
    Daily,
    Weekly,
    Monthly,
    Quarterly,
    HalfYearly,
    Yearly,
}

impl Frequency {
    fn parse(text: &str) -> Result<Self, Rejection> {
        Ok(match text {
            "Daily" => Frequency::Daily,
            "Weekly" => Frequency::Weekly,
            "Monthly" => Frequency::Monthly,
            "Quarterly" => Frequency::Quarterly,
            "Half-Yearly" => Frequency::HalfYearly,
            "Yearly" => Frequency::Yearly,
            other => {
                return Err(Rejection::Malformed(format!(
                    "ScheduleFrequency {other:?} is not a DUIS frequency"
                )))
            }
        })
    }

    /// The `n`th occurrence (0 = the first) of a schedule first run at `first`. Monthly and
    /// longer schedules keep the day of the month, or the month's last day when shorter.
    pub fn occurrence(self, first: OffsetDateTime, n: u64) -> Option<OffsetDateTime> {
        let n = i64::try_from(n).ok()?;
        let months = match self {
            Frequency::Daily => return first.checked_add(time::Duration::days(n)),
            Frequency::Weekly => return first.checked_add(time::Duration::weeks(n)),
            Frequency::Monthly => n,
            Frequency::Quarterly => 3 * n,
            Frequency::HalfYearly => 6 * n,
            Frequency::Yearly => 12 * n,
        };
        let index = i64::from(first.year()) * 12 + i64::from(u8::from(first.month())) - 1 + months;
        let year = i32::try_from(index.div_euclid(12)).ok()?;
        let month = time::Month::try_from(u8::try_from(index.rem_euclid(12) + 1).ok()?).ok()?;
        let day = first.day().min(month.length(year));
        let date = Date::from_calendar_date(year, month, day).ok()?;
        Some(first.replace_date(date))
    }
}

fn body_of<'a>(request: &'a Request, name: &str) -> Result<&'a BodyElement, Rejection> {
    match &request.body {
        RequestBody::ServiceRequest(body) if body.name == name => Ok(body),
        _ => Err(Rejection::Malformed(format!("{name} body expected"))),
    }
}

fn text<'a>(body: &'a BodyElement, name: &str) -> Result<&'a str, Rejection> {
    body.child(name)
        .map(|child| child.text.as_str())
        .ok_or_else(|| Rejection::Malformed(format!("{} without {name}", body.name)))
}

fn parse_date(name: &str, text: &str) -> Result<Date, Rejection> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text.trim().trim_end_matches('Z'), &format)
        .map_err(|error| Rejection::Malformed(format!("{name} {text:?}: {error}")))
}

fn parse_time(name: &str, text: &str) -> Result<Time, Rejection> {
    let trimmed = text.trim().trim_end_matches('Z');
    let clock = trimmed.split(['+', '.']).next().unwrap_or(trimmed);
    let format = time::macros::format_description!("[hour]:[minute]:[second]");
    Time::parse(clock, &format)
        .map_err(|error| Rejection::Malformed(format!("{name} {text:?}: {error}")))
}

fn parse_device(body: &BodyElement) -> Result<Eui64, Rejection> {
    text(body, "DeviceID")?
        .parse()
        .map_err(|error| Rejection::Malformed(format!("DeviceID: {error}")))
}

/// The scheduled service of a `CreateSchedule` body, checked: DCC schedulable, and its data
/// element (`DSP…`) belongs to it.
fn scheduled_service(details: &BodyElement) -> Result<&'static ServiceDefinition, Rejection> {
    let variant = text(details, "DSPScheduledServiceReferenceVariant")?;
    let service = catalogue::lookup(variant)
        .filter(|service| service.dcc_scheduling == DccScheduling::DccSchedulable)
        .ok_or_else(|| {
            Rejection::service_specific("050101", format!("{variant} cannot be DCC scheduled"))
        })?;
    let reference = text(details, "DSPScheduledServiceReference")?;
    if reference != service.service_reference() {
        return Err(Rejection::Malformed(format!(
            "DSPScheduledServiceReference {reference} does not belong to {variant}"
        )));
    }
    let expected = format!("DSP{}", service.body_element);
    if details.child(&expected).is_none() {
        return Err(Rejection::Malformed(format!(
            "a schedule of {variant} carries {expected}"
        )));
    }
    Ok(service)
}

/// The body of the scheduled service for the occurrence at `at`: the `DSP…` element renamed,
/// with a `ReadLogPeriodOffset` turned into the `ReadLogPeriod` it means that day.
fn occurrence_body(
    service: &ServiceDefinition,
    details: &BodyElement,
    at: OffsetDateTime,
) -> Result<BodyElement, Rejection> {
    let data = details
        .child(&format!("DSP{}", service.body_element))
        .ok_or_else(|| {
            Rejection::Malformed(format!("schedule without DSP{}", service.body_element))
        })?;
    let mut body = BodyElement::with_children(service.body_element, data.children.clone());
    if data.child("StartDateOffset").is_some() {
        let moment = |offset: &str, time_of_day: &str| -> Result<String, Rejection> {
            let days: i64 = text(data, offset)?
                .parse()
                .map_err(|error| Rejection::Malformed(format!("{offset}: {error}")))?;
            let time_of_day = parse_time(time_of_day, text(data, time_of_day)?)?;
            let date = at.date() + time::Duration::days(days);
            Ok(clock::xml_date_time(
                date.with_time(time_of_day).assume_utc(),
            ))
        };
        body.children = vec![BodyElement::with_children(
            "ReadLogPeriod",
            vec![
                BodyElement::leaf("StartDateTime", moment("StartDateOffset", "StartTime")?),
                BodyElement::leaf("EndDateTime", moment("EndDateOffset", "EndTime")?),
            ],
        )];
    }
    Ok(body)
}

/// 5.1 Create Schedule: checked as if the scheduled service were sent now (role, device,
/// registration, a transformation that works), then kept; answers its `DSPScheduleID`.
pub(crate) fn create(
    shared: &Shared,
    request: &Request,
    caller: &Caller,
) -> Result<Answer, Rejection> {
    let details = body_of(request, "CreateSchedule")?;
    let service = scheduled_service(details)?;
    let frequency = Frequency::parse(text(details, "ScheduleFrequency")?)?;
    let device_id = parse_device(details)?;
    let start = parse_date("ScheduleStartDate", text(details, "ScheduleStartDate")?)?;
    let end = details
        .child("ScheduleEndDate")
        .map(|end| parse_date("ScheduleEndDate", &end.text))
        .transpose()?;
    let time_of_day = details
        .child("ScheduleExecutionStartTime")
        .map(|time| parse_time("ScheduleExecutionStartTime", &time.text))
        .transpose()?
        .unwrap_or(Time::MIDNIGHT);
    if end.is_some_and(|end| end < start) {
        return Err(Rejection::service_specific(
            "050102",
            "ScheduleEndDate is before ScheduleStartDate",
        ));
    }
    let owner = if caller.is_dcc {
        caller.clone()
    } else {
        access::caller_for(shared, caller.id, service)?
    };
    let device = access::eligibility(
        shared,
        device_id,
        service,
        &owner,
        CommandVariant::SendOverWan,
    )?;
    let first = start.with_time(time_of_day).assume_utc();
    let end_ms = end
        .and_then(|end| end.next_day())
        .map(|day| crate::unix_ms(day.midnight().assume_utc()));
    // Occurrences already past are skipped: the first one issued is the next to come.
    let now = shared.clock.now();
    let mut issued = 0;
    while frequency
        .occurrence(first, issued)
        .is_some_and(|at| at < now)
    {
        issued += 1;
    }
    let next = frequency
        .occurrence(first, issued)
        .ok_or_else(|| Rejection::Malformed("the schedule runs past the calendar".into()))?;
    if end_ms.is_some_and(|end| crate::unix_ms(next) >= end) {
        return Err(Rejection::service_specific(
            "050103",
            "the schedule has no occurrence left before its end date",
        ));
    }
    let trial = services::request_over_wan(
        service,
        RequestId::new(owner.id, device_id, 1),
        occurrence_body(service, details, next)?,
    );
    services::transform(
        service,
        &trial,
        &CommandContext {
            request_id: trial.header.request_id,
            command_variant: CommandVariant::SendOverWan,
            device_type: device.device_type,
            now,
            device_profile: device.profile(),
            requester_role: None,
        },
    )?;
    let batch = shared.store.batch()?;
    let schedule_id = batch.new_schedule_id()?;
    batch.put_schedule(&Schedule {
        schedule_id,
        owner: owner.id,
        device: device_id,
        service_reference_variant: service.variant(),
        frequency,
        first_ms: crate::unix_ms(first),
        end_ms,
        issued,
        details: StoredElement::from(details),
    })?;
    batch.audit(
        &request.header.request_id.to_string(),
        &shared.event(
            "dsp",
            format!(
                "schedule {schedule_id} of {} for {device_id}, next at {}",
                service.service_reference_variant,
                clock::xml_date_time(next)
            ),
            Some("I0".into()),
        ),
    )?;
    batch.commit()?;
    shared.scheduler_wake.look_now();
    Ok(Answer::with_content(
        request,
        ResponseCode::Success,
        BodyElement::leaf("DSPScheduleID", schedule_id.to_string()),
    ))
}

/// The caller's schedules a 5.2 or 5.3 body names: one by `DSPScheduleID`, or all of a
/// `DeviceID`. Another user's schedule is not found.
fn selected(
    shared: &Shared,
    body: &BodyElement,
    caller: &Caller,
) -> Result<Vec<Schedule>, Rejection> {
    let owned = |schedule: &Schedule| caller.is_dcc || schedule.owner == caller.id;
    if let Some(id) = body.child("DSPScheduleID") {
        let id: u64 = id
            .text
            .parse()
            .map_err(|error| Rejection::Malformed(format!("DSPScheduleID: {error}")))?;
        return Ok(shared
            .store
            .schedule(id)?
            .into_iter()
            .filter(owned)
            .collect());
    }
    let device = parse_device(body)?;
    Ok(shared
        .store
        .all_schedules()?
        .into_iter()
        .filter(|schedule| schedule.device == device && owned(schedule))
        .collect())
}

/// 5.2 Read Schedule.
pub(crate) fn read(
    shared: &Shared,
    request: &Request,
    caller: &Caller,
) -> Result<Answer, Rejection> {
    let body = body_of(request, "ReadSchedule")?;
    let schedules = selected(shared, body, caller)?;
    if schedules.is_empty() {
        return Err(Rejection::service_specific("050201", "no such schedule"));
    }
    let entries = schedules
        .iter()
        .take(99)
        .map(|schedule| {
            let mut details = BodyElement::from(&schedule.details);
            details.name = "DSPScheduleDetails".to_owned();
            BodyElement::with_children(
                "DSPSchedules",
                vec![
                    BodyElement::leaf("DSPScheduleID", schedule.schedule_id.to_string()),
                    details,
                ],
            )
        })
        .collect();
    Ok(Answer::with_content(
        request,
        ResponseCode::Success,
        BodyElement::with_children("DSPSchedulesRead", entries),
    ))
}

/// 5.3 Delete Schedule: no occurrence is issued after it.
pub(crate) fn delete(
    shared: &Shared,
    request: &Request,
    caller: &Caller,
) -> Result<Answer, Rejection> {
    let body = body_of(request, "DeleteSchedule")?;
    let schedules = selected(shared, body, caller)?;
    if schedules.is_empty() {
        return Err(Rejection::service_specific("050301", "no such schedule"));
    }
    let batch = shared.store.batch()?;
    for schedule in &schedules {
        batch.remove_schedule(schedule.schedule_id)?;
    }
    batch.audit(
        &request.header.request_id.to_string(),
        &shared.event(
            "dsp",
            format!(
                "deleted schedule {}",
                schedules
                    .iter()
                    .map(|schedule| schedule.schedule_id.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Some("I99".into()),
        ),
    )?;
    batch.commit()?;
    Ok(Answer::bare(request, ResponseCode::Acknowledgement))
}

/// When a schedule's next occurrence is due, unix ms; none when it has run its course.
pub(crate) fn next_due_ms(schedule: &Schedule) -> Option<i64> {
    let at = schedule
        .frequency
        .occurrence(crate::from_unix_ms(schedule.first_ms), schedule.issued)?;
    let at = crate::unix_ms(at);
    match schedule.end_ms {
        Some(end) if at >= end => None,
        _ => Some(at),
    }
}

/// Sends the schedule's due occurrence: the scheduled service, transformed as the owner's
/// request with the next counter of (owner, device), over the SM WAN. A schedule whose device
/// or owner no longer qualifies is removed, with a DSPScheduleRemoval alert; one whose last
/// occurrence this was, without.
pub(crate) async fn issue_occurrence(
    shared: &Shared,
    mut schedule: Schedule,
) -> Result<(), Rejection> {
    let Some(due) = next_due_ms(&schedule) else {
        let batch = shared.store.batch()?;
        batch.remove_schedule(schedule.schedule_id)?;
        return batch.commit().map_err(Rejection::from);
    };
    let service = catalogue::lookup(schedule.service_reference_variant.as_str())
        .ok_or_else(|| Rejection::Malformed("a stored schedule names no DUIS service".into()))?;
    let checked = access::caller_for(shared, schedule.owner, service).and_then(|owner| {
        access::eligibility(
            shared,
            schedule.device,
            service,
            &owner,
            CommandVariant::SendOverWan,
        )
    });
    let device = match checked {
        Ok(device) => device,
        Err(rejection) => {
            let mut owed = Owed::default();
            let batch = shared.store.batch()?;
            batch.remove_schedule(schedule.schedule_id)?;
            let alert = DccAlert::ScheduleRemoval {
                device: schedule.device,
                schedule_id: schedule.schedule_id,
            };
            batch.audit(
                &alert.reference(),
                &shared.event(
                    "scheduler",
                    format!("schedule {} removed: {rejection}", schedule.schedule_id),
                    Some(rejection.response_code().to_string()),
                ),
            )?;
            alert.raise(shared, &batch, &mut owed, &[schedule.owner])?;
            batch.commit()?;
            owed.send(shared);
            return Ok(());
        }
    };
    let at = crate::from_unix_ms(due);
    let batch = shared.store.batch()?;
    let counter = batch.take_next_counter(schedule.owner, schedule.device)?;
    schedule.issued += 1;
    batch.put_schedule(&schedule)?;
    batch.commit()?;
    let request_id = RequestId::new(schedule.owner, schedule.device, counter);
    let details = BodyElement::from(&schedule.details);
    // The DUIS request the occurrence stands for, as if the owner had sent it.
    let request =
        services::request_over_wan(service, request_id, occurrence_body(service, &details, at)?);
    shared.audit(
        &request_id.to_string(),
        "scheduler",
        format!(
            "occurrence {} of schedule {} ({})",
            schedule.issued, schedule.schedule_id, service.service_reference_variant
        ),
        None,
    );
    let command = crate::counters::command_on_behalf(shared, service, &request, &device)?;
    let protected = crate::routing::protect(shared, device.device_id, &command.apdu).await?;
    let awaiting = AwaitingResponse {
        request_id,
        command: SentCommand::of(&command.apdu),
        service_reference: service.service_reference().to_owned(),
        service_reference_variant: service.variant(),
        kind: AwaitingKind::Scheduled {
            schedule_id: schedule.schedule_id,
        },
        deadline_ms: Some(shared.now_ms() + shared.timing.response_time_out.as_millis() as i64),
    };
    if let Err(rejection) =
        crate::routing::send_over_wan(shared, &device, &awaiting, protected).await
    {
        crate::scheduler::command_failed(shared, &awaiting, device.device_id, &rejection)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn occurrences_follow_the_frequency_and_keep_the_day_of_the_month() {
        let first = datetime!(2030-01-31 02:00 UTC);
        assert_eq!(
            Frequency::Daily.occurrence(first, 30),
            Some(datetime!(2030-03-02 02:00 UTC))
        );
        assert_eq!(
            Frequency::Monthly.occurrence(first, 1),
            Some(datetime!(2030-02-28 02:00 UTC))
        );
        assert_eq!(
            Frequency::Quarterly.occurrence(first, 4),
            Some(datetime!(2031-01-31 02:00 UTC))
        );
        assert_eq!(
            Frequency::HalfYearly.occurrence(first, 1),
            Some(datetime!(2030-07-31 02:00 UTC))
        );
        assert_eq!(
            Frequency::Weekly.occurrence(first, 2),
            Some(datetime!(2030-02-14 02:00 UTC))
        );
        assert!(Frequency::parse("Fortnightly").is_err());
        assert_eq!(
            Frequency::parse("Half-Yearly").unwrap(),
            Frequency::HalfYearly
        );
    }

    #[test]
    fn a_read_log_offset_becomes_the_period_of_the_day() {
        let service = catalogue::lookup("4.6.1").unwrap();
        let details = BodyElement::with_children(
            "CreateSchedule",
            vec![BodyElement::with_children(
                "DSPRetrieveImportDailyReadLog",
                vec![
                    BodyElement::leaf("StartDateOffset", "-1"),
                    BodyElement::leaf("StartTime", "00:00:00.00Z"),
                    BodyElement::leaf("EndDateOffset", "0"),
                    BodyElement::leaf("EndTime", "00:00:00.00Z"),
                ],
            )],
        );
        let body = occurrence_body(service, &details, datetime!(2030-05-10 03:00 UTC)).unwrap();
        assert_eq!(body.name, "RetrieveImportDailyReadLog");
        assert_eq!(
            body.find_text("StartDateTime"),
            Some("2030-05-09T00:00:00.000Z")
        );
        assert_eq!(
            body.find_text("EndDateTime"),
            Some("2030-05-10T00:00:00.000Z")
        );
    }
}
