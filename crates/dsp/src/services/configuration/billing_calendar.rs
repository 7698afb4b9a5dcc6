//! 6.8 Update Device Configuration (Billing Calendar): when the meter closes its billing
//! periods. An ESME takes the execution times of its billing schedule (ECS30, or ECS30a for the
//! quarterly, six-monthly and yearly periodicities GBCS added later); a GSME takes a billing
//! period and a block period of the same start and duration (GCS25, or GCS25a likewise).

use duis::catalogue::ServiceDefinition;
use duis::BodyElement;
use gbcs::dlms::Data;
use time::{OffsetDateTime, Time};

use super::device_reads::{BILLING_CALENDAR, EXECUTION_TIME};
use super::values::{self, choice, cosem, element, enumeration, only_children, zigbee_utc_time};
use super::zigbee::{cluster, cluster_command, issuer_event_id, ZclFields, PUBLISHED};
use super::{dlms_command_for, gbz_command_for};
use crate::rejection::Rejection;
use crate::services::{use_case_named, CommandContext, DeviceCommand, ServiceRequest};

/// Price cluster commands and their constant fields (as RTDS sends them).
const PUBLISH_BLOCK_PERIOD: u8 = 0x01;
const PUBLISH_BILLING_PERIOD: u8 = 0x09;
const NO_PROVIDER: u32 = 0;
const TARIFF_TYPE_DELIVERED: u8 = 0x00;
const BLOCK_PERIOD_CONTROL: u8 = 0x02;
const TARIFF_RESOLUTION_BLOCK_PERIOD: u8 = 0x01;
/// Duration type: control "not specified" (high nibble 2), then the timebase.
const DURATION_CONTROL_NOT_SPECIFIED: u8 = 0x20;
const TIMEBASE_DAYS: u8 = 0x01;
const TIMEBASE_WEEKS: u8 = 0x02;
const TIMEBASE_MONTHS: u8 = 0x03;

/// How often billing periods close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Periodicity {
    Daily,
    Weekly,
    Monthly,
    Quarterly,
    SixMonthly,
    Yearly,
}

impl Periodicity {
    /// Whether only the "all periodicities" use cases (ECS30a, GCS25a) carry it.
    fn needs_all_periodicities(self) -> bool {
        matches!(self, Self::Quarterly | Self::SixMonthly | Self::Yearly)
    }

    /// Months between billing dates of the month-based periodicities.
    fn months(self) -> u8 {
        match self {
            Self::Quarterly => 3,
            Self::SixMonthly => 6,
            Self::Yearly => 12,
            Self::Daily | Self::Weekly | Self::Monthly => 1,
        }
    }

    /// A ZigBee duration and its duration type.
    fn zigbee_duration(self) -> (u32, u8) {
        let (count, timebase) = match self {
            Self::Daily => (1, TIMEBASE_DAYS),
            Self::Weekly => (1, TIMEBASE_WEEKS),
            other => (u32::from(other.months()), TIMEBASE_MONTHS),
        };
        (count, DURATION_CONTROL_NOT_SPECIFIED | timebase)
    }
}

/// An ESME billing calendar: the time of day and the dates it applies on.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ElectricityCalendar {
    billing_time: Time,
    periodicity: Periodicity,
    /// COSEM dates, in order from the billing period's start month.
    dates: Vec<[u8; 5]>,
}

/// The calendar the body gives.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Calendar {
    Electricity(ElectricityCalendar),
    Gas {
        start: OffsetDateTime,
        periodicity: Periodicity,
    },
}

/// 6.8 Update Device Configuration (Billing Calendar).
pub struct UpdateBillingCalendar {
    calendar: Calendar,
}

const PERIODICITIES: [(&str, Periodicity); 6] = [
    ("Daily", Periodicity::Daily),
    ("Weekly", Periodicity::Weekly),
    ("Monthly", Periodicity::Monthly),
    ("Quarterly", Periodicity::Quarterly),
    ("SixMonthly", Periodicity::SixMonthly),
    ("Yearly", Periodicity::Yearly),
];

fn electricity_calendar(calendar: &BodyElement) -> Result<ElectricityCalendar, Rejection> {
    let names: Vec<&str> = PERIODICITIES.iter().map(|(name, _)| *name).collect();
    let mut allowed = names.clone();
    allowed.push("BillingTime");
    only_children(calendar, &allowed)?;
    let billing_time = values::time_of_day(calendar, "BillingTime")?;
    let chosen = choice(calendar, &names)?;
    let periodicity = PERIODICITIES
        .iter()
        .find(|(name, _)| *name == chosen.name)
        .map(|(_, periodicity)| *periodicity)
        .unwrap_or(Periodicity::Daily);
    let any_year = cosem::YEAR_NOT_SPECIFIED;
    let any = cosem::NOT_SPECIFIED;
    let dates = match periodicity {
        Periodicity::Daily => {
            only_children(chosen, &[])?;
            vec![cosem::date(any_year, any, any, any)]
        }
        Periodicity::Weekly => {
            let day = values::integer_text(&chosen.text, "Weekly", 1u8, 7)?;
            vec![cosem::date(any_year, any, any, day)]
        }
        Periodicity::Monthly => {
            let day = values::integer_text(&chosen.text, "Monthly", 1u8, 28)?;
            vec![cosem::date(any_year, any, day, any)]
        }
        month_based => {
            only_children(chosen, &["DayOfMonth", "BillingPeriodStartMonth"])?;
            let day = values::integer(chosen, "DayOfMonth", 1u8, 28)?;
            let start = values::integer(chosen, "BillingPeriodStartMonth", 1u8, 12)?;
            let step = month_based.months();
            (0..12 / step)
                .map(|period| {
                    let month = (start - 1 + period * step) % 12 + 1;
                    cosem::date(any_year, month, day, any)
                })
                .collect()
        }
    };
    Ok(ElectricityCalendar {
        billing_time,
        periodicity,
        dates,
    })
}

impl ServiceRequest for UpdateBillingCalendar {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        only_children(body, &["ElectricityBillingCalendar", "GasBillingCalendar"])?;
        let chosen = choice(body, &["ElectricityBillingCalendar", "GasBillingCalendar"])?;
        let calendar = if chosen.name == "ElectricityBillingCalendar" {
            Calendar::Electricity(electricity_calendar(chosen)?)
        } else {
            only_children(chosen, &["BillingPeriodStart", "Periodicity"])?;
            Calendar::Gas {
                start: values::date_time(chosen, "BillingPeriodStart")?,
                periodicity: enumeration(chosen, "Periodicity", &PERIODICITIES)?,
            }
        };
        element(body, &chosen.name)?;
        Ok(Self { calendar })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        match &self.calendar {
            Calendar::Electricity(calendar) => {
                let id = if calendar.periodicity.needs_all_periodicities() {
                    "ECS30a"
                } else {
                    "ECS30"
                };
                let use_case = use_case_named(service, id, context.device_type)?;
                let time = Data::OctetString(cosem::time(calendar.billing_time).to_vec());
                let entries = calendar
                    .dates
                    .iter()
                    .map(|date| {
                        Data::Structure(vec![time.clone(), Data::OctetString(date.to_vec())])
                    })
                    .collect();
                Ok(dlms_command_for(
                    use_case,
                    context,
                    [BILLING_CALENDAR.set(EXECUTION_TIME, Data::Array(entries))],
                ))
            }
            Calendar::Gas { start, periodicity } => {
                let id = if periodicity.needs_all_periodicities() {
                    "GCS25a"
                } else {
                    "GCS25"
                };
                let use_case = use_case_named(service, id, context.device_type)?;
                let issuer_event_id = issuer_event_id(context)?;
                let start = zigbee_utc_time(*start, "BillingPeriodStart")?;
                let (duration, duration_type) = periodicity.zigbee_duration();
                let billing_period = ZclFields::new()
                    .u32(NO_PROVIDER)
                    .u32(issuer_event_id)
                    .u32(start)
                    .u24(duration)
                    .u8(duration_type)
                    .u8(TARIFF_TYPE_DELIVERED);
                let block_period = ZclFields::new()
                    .u32(NO_PROVIDER)
                    .u32(issuer_event_id)
                    .u32(start)
                    .u24(duration)
                    .u8(BLOCK_PERIOD_CONTROL)
                    .u8(duration_type)
                    .u8(TARIFF_TYPE_DELIVERED)
                    .u8(TARIFF_RESOLUTION_BLOCK_PERIOD);
                Ok(gbz_command_for(
                    use_case,
                    context,
                    vec![
                        cluster_command(
                            cluster::PRICE,
                            PUBLISHED,
                            PUBLISH_BILLING_PERIOD,
                            billing_period,
                        ),
                        cluster_command(
                            cluster::PRICE,
                            PUBLISHED,
                            PUBLISH_BLOCK_PERIOD,
                            block_period,
                        ),
                    ],
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn electricity(periodicity: BodyElement) -> BodyElement {
        BodyElement::with_children(
            "UpdateDeviceConfigurationBillingCalendar",
            vec![BodyElement::with_children(
                "ElectricityBillingCalendar",
                vec![BodyElement::leaf("BillingTime", "00:00:00Z"), periodicity],
            )],
        )
    }

    fn quarterly(day: &str, month: &str) -> BodyElement {
        BodyElement::with_children(
            "Quarterly",
            vec![
                BodyElement::leaf("DayOfMonth", day),
                BodyElement::leaf("BillingPeriodStartMonth", month),
            ],
        )
    }

    #[test]
    fn quarters_start_from_the_start_month() {
        let parsed = UpdateBillingCalendar::parse(&electricity(quarterly("1", "11"))).unwrap();
        let Calendar::Electricity(calendar) = parsed.calendar else {
            panic!("an electricity calendar");
        };
        let months: Vec<u8> = calendar.dates.iter().map(|date| date[2]).collect();
        assert_eq!(months, vec![11, 2, 5, 8]);
    }

    #[test]
    fn billing_days_keep_to_the_schema() {
        let late = UpdateBillingCalendar::parse(&electricity(quarterly("29", "1")));
        assert!(matches!(late, Err(Rejection::Malformed(m)) if m.contains("DayOfMonth")));
        let weekly = UpdateBillingCalendar::parse(&electricity(BodyElement::leaf("Weekly", "8")));
        assert!(matches!(weekly, Err(Rejection::Malformed(m)) if m.contains("Weekly")));
        let gas = UpdateBillingCalendar::parse(&BodyElement::with_children(
            "UpdateDeviceConfigurationBillingCalendar",
            vec![BodyElement::with_children(
                "GasBillingCalendar",
                vec![
                    BodyElement::leaf("BillingPeriodStart", "2015-01-01T00:00:00Z"),
                    BodyElement::leaf("Periodicity", "Fortnightly"),
                ],
            )],
        ));
        assert!(matches!(gas, Err(Rejection::Malformed(m)) if m.contains("Periodicity")));
    }
}
