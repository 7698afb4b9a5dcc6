//! DUIS calendar elements that tariffs and prepayment share, read from the body and written in
//! GBCS form: dates with wildcards (`Date`, `GasDateWithWildcards`), switching tables (day
//! profiles, week profiles, seasons), special days, and times. The ESME takes them as COSEM
//! activity calendar and special days table values; the GSME as ZSE Calendar cluster commands.

use gbcs::cosem_time::{
    CosemDate, CosemDateTime, CosemTime, LAST_DAY_OF_MONTH, NOT_SPECIFIED,
    SECOND_LAST_DAY_OF_MONTH, YEAR_NOT_SPECIFIED,
};
use gbcs::dlms::Data;
use gbcs::gbz::GbzComponent;
use gbcs::zse::calendar::{
    PublishCalendar, PublishDayProfile, PublishSeasons, PublishSpecialDays, PublishWeekProfile,
    ScheduleEntry,
};
use gbcs::zse::{ClusterCommand, UtcTime, ZclDate};

use super::objects::TARIFF_BLOCK_COUNTER_MATRIX_TOU;
use crate::rejection::Rejection;
use crate::services::body_reader::{Element, ExecutionTime};

/// The last year a ZCL date can hold (years since 1900 in a byte, 0xFF meaning any).
const LAST_ZCL_YEAR: u16 = 1900 + 254;

/// A day of the month, or a wildcard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayOfMonth {
    Day(u8),
    Last,
    SecondLast,
    Any,
}

/// Which DUIS date type an element is: electricity `Date` or gas `GasDateWithWildcards`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateSchema {
    Electricity,
    Gas,
}

impl DateSchema {
    /// The part elements: year, month, day of month, day of week, and the day-of-month choice.
    fn parts(self) -> ([&'static str; 4], &'static [&'static str]) {
        match self {
            Self::Electricity => (
                ["Year", "Month", "DayOfMonth", "DayOfWeek"],
                &[
                    "SpecifiedDayOfMonth",
                    "NonSpecifiedDayOfMonth",
                    "LastDayOfMonth",
                    "SecondLastDayOfMonth",
                ],
            ),
            Self::Gas => (
                [
                    "GasYearWithWildcards",
                    "GasMonthWithWildcards",
                    "GasDayOfMonthWithWildcards",
                    "GasDayOfWeekWithWildcards",
                ],
                &["SpecifiedDayOfMonth", "GasNonSpecifiedDayOfMonth"],
            ),
        }
    }
}

/// A DUIS date whose parts may each be a wildcard (seasons and special days repeat).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CalendarDate {
    pub year: Option<u16>,
    pub month: Option<u8>,
    pub day_of_month: DayOfMonth,
    /// 1 Monday – 7 Sunday.
    pub day_of_week: Option<u8>,
}

impl CalendarDate {
    pub fn read(element: &Element<'_>, schema: DateSchema) -> Result<Self, Rejection> {
        let ([year, month, day_of_month, day_of_week], days) = schema.parts();
        element.only(&[year, month, day_of_month, day_of_week])?;
        let last_year = match schema {
            DateSchema::Electricity => 9999,
            DateSchema::Gas => LAST_ZCL_YEAR,
        };
        let year = specified_or_any(&element.child(year)?, "SpecifiedYear", "NonSpecifiedYear")?
            .map(|year| year.integer_in(2014u16, last_year))
            .transpose()?;
        let month = specified_or_any(
            &element.child(month)?,
            "SpecifiedMonth",
            "NonSpecifiedMonth",
        )?
        .map(|month| month.integer_in(1u8, 12))
        .transpose()?;
        let day_element = element.child(day_of_month)?;
        day_element.only(days)?;
        let (which, day) = day_element.choice(days)?;
        let day_of_month = match which {
            0 => DayOfMonth::Day(day.integer_in(1u8, 31)?),
            1 => day.empty().map(|_| DayOfMonth::Any)?,
            2 => day.empty().map(|_| DayOfMonth::Last)?,
            _ => day.empty().map(|_| DayOfMonth::SecondLast)?,
        };
        let day_of_week = specified_or_any(
            &element.child(day_of_week)?,
            "SpecifiedDayOfWeek",
            "NonSpecifiedDayOfWeek",
        )?
        .map(|day| day.integer_in(1u8, 7))
        .transpose()?;
        Ok(Self {
            year,
            month,
            day_of_month,
            day_of_week,
        })
    }

    /// The COSEM date (5 bytes).
    pub fn to_cosem(self) -> CosemDate {
        CosemDate {
            year: self.year.unwrap_or(YEAR_NOT_SPECIFIED),
            month: self.month.unwrap_or(NOT_SPECIFIED),
            day_of_month: match self.day_of_month {
                DayOfMonth::Day(day) => day,
                DayOfMonth::Last => LAST_DAY_OF_MONTH,
                DayOfMonth::SecondLast => SECOND_LAST_DAY_OF_MONTH,
                DayOfMonth::Any => NOT_SPECIFIED,
            },
            day_of_week: self.day_of_week.unwrap_or(NOT_SPECIFIED),
        }
    }

    /// The start of the day as a COSEM date-time (a season start).
    pub fn to_cosem_midnight(self) -> CosemDateTime {
        CosemDateTime::at(self.to_cosem(), CosemTime::MIDNIGHT)
    }

    /// The ZCL date of a gas date (read with [`DateSchema::Gas`], so its year fits).
    pub fn to_zcl(self) -> ZclDate {
        let years_since_1900 = self
            .year
            .and_then(|year| u8::try_from(year.saturating_sub(1900)).ok())
            .unwrap_or(ZclDate::NOT_SPECIFIED);
        ZclDate {
            years_since_1900,
            month: self.month.unwrap_or(ZclDate::NOT_SPECIFIED),
            day_of_month: match self.day_of_month {
                DayOfMonth::Day(day) => day,
                _ => ZclDate::NOT_SPECIFIED,
            },
            day_of_week: self.day_of_week.unwrap_or(ZclDate::NOT_SPECIFIED),
        }
    }
}

/// A part that is either specified (its element returned) or a wildcard (an empty element).
fn specified_or_any<'a>(
    part: &Element<'a>,
    specified: &str,
    any: &str,
) -> Result<Option<Element<'a>>, Rejection> {
    part.only(&[specified, any])?;
    let (which, element) = part.choice(&[specified, any])?;
    if which == 1 {
        element.empty()?;
        return Ok(None);
    }
    Ok(Some(element))
}

/// A week profile: its id and the day profile of Monday to Sunday.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeekProfile {
    pub week_id: u8,
    pub day_ids: [u8; 7],
}

impl WeekProfile {
    /// Reads `WeekProfile` elements (`WeekName` within 1..=`weeks`, seven `ReferencedDayName`
    /// within 1..=`days`, indexed 1 Monday – 7 Sunday).
    pub fn read_all(
        profiles: &Element<'_>,
        (minimum, maximum): (usize, usize),
        weeks: u8,
        days: u8,
    ) -> Result<Vec<Self>, Rejection> {
        let element = profiles;
        element.only(&["WeekProfile"])?;
        let profiles = element
            .children("WeekProfile", minimum, maximum)?
            .iter()
            .map(|profile| {
                profile.only(&["WeekName", "ReferencedDayName"])?;
                let mut day_ids = [0u8; 7];
                for (index, day) in profile.indexed("ReferencedDayName", (7, 7), (1, 7))? {
                    day_ids[usize::from(index - 1)] = day.integer_in(1u8, days)?;
                }
                Ok(Self {
                    week_id: profile.child("WeekName")?.integer_in(1u8, weeks)?,
                    day_ids,
                })
            })
            .collect::<Result<Vec<_>, Rejection>>()?;
        distinct(element, profiles, |profile| profile.week_id, "WeekName")
    }

    /// A COSEM activity calendar week profile table.
    pub fn week_profile_table(profiles: &[Self]) -> Data {
        Data::Array(
            profiles
                .iter()
                .map(|profile| {
                    let mut fields = vec![Data::OctetString(vec![profile.week_id])];
                    fields.extend(profile.day_ids.iter().map(|day| Data::Unsigned(*day)));
                    Data::Structure(fields)
                })
                .collect(),
        )
    }
}

/// Refuses two items with the same id (`what` names the id element).
pub fn distinct<T>(
    element: &Element<'_>,
    items: Vec<T>,
    id: impl Fn(&T) -> u8,
    what: &str,
) -> Result<Vec<T>, Rejection> {
    let mut seen = std::collections::BTreeSet::new();
    match items.iter().map(id).find(|item_id| !seen.insert(*item_id)) {
        Some(duplicate) => Err(element.malformed(format!("{what} {duplicate} is defined twice"))),
        None => Ok(items),
    }
}

/// Checks that every day (or week) id `used` refers to one that is `defined`.
pub fn check_references(
    element: &Element<'_>,
    what: &str,
    defined: impl IntoIterator<Item = u8>,
    used: impl IntoIterator<Item = u8>,
) -> Result<(), Rejection> {
    let defined: std::collections::BTreeSet<u8> = defined.into_iter().collect();
    match used.into_iter().find(|id| !defined.contains(id)) {
        Some(id) => Err(element.malformed(format!("refers to {what} {id}, which is not defined"))),
        None => Ok(()),
    }
}

/// A special day: its date and the day profile that applies on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpecialDay {
    pub date: CalendarDate,
    pub day_id: u8,
}

impl SpecialDay {
    /// Reads the `SpecialDay` children of `days` (`Date`, `ReferencedDayName` within 1..=`day_ids`).
    pub fn read_all(
        days: &Element<'_>,
        maximum: usize,
        schema: DateSchema,
        day_ids: u8,
    ) -> Result<Vec<Self>, Rejection> {
        days.only(&["SpecialDay"])?;
        days.children("SpecialDay", 0, maximum)?
            .iter()
            .map(|day| {
                day.only(&["Date", "ReferencedDayName"])?;
                Ok(Self {
                    date: CalendarDate::read(&day.child("Date")?, schema)?,
                    day_id: day.child("ReferencedDayName")?.integer_in(1u8, day_ids)?,
                })
            })
            .collect()
    }

    /// A COSEM special days table's entries: index (1, 2, …), date, day id.
    pub fn entries(days: &[Self]) -> Data {
        special_days_table(days.iter().map(|day| (day.date, day.day_id)))
    }
}

/// COSEM special days table entries from (date, day id) pairs, indexed from 1.
pub fn special_days_table(days: impl Iterator<Item = (CalendarDate, u8)>) -> Data {
    Data::Array(
        days.zip(1u16..)
            .map(|((date, day_id), index)| {
                Data::Structure(vec![
                    Data::LongUnsigned(index),
                    date.to_cosem().to_data(),
                    Data::Unsigned(day_id),
                ])
            })
            .collect(),
    )
}

/// What an ESME day profile switches to: a script selector of the tariff script table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TariffAction {
    /// Primary element TOU rate 1–48 (selector = rate).
    Tou(u8),
    /// Primary element block tariff 1–8 (selector = 100 + block tariff).
    Block(u8),
    /// Secondary element TOU rate 1–4 (selector = 200 + rate).
    SecondaryTou(u8),
}

impl TariffAction {
    pub fn script_selector(self) -> u16 {
        match self {
            Self::Tou(rate) => u16::from(rate),
            Self::Block(tariff) => 100 + u16::from(tariff),
            Self::SecondaryTou(rate) => 200 + u16::from(rate),
        }
    }
}

/// The element of an ESME a switching table is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeterElement {
    Primary,
    Secondary,
}

/// An ESME day profile: the actions of the day from their start times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElectricityDayProfile {
    pub day_id: u8,
    pub schedule: Vec<(CosemTime, TariffAction)>,
}

/// An ESME season: name (up to 8 characters), start date and week profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElectricitySeason {
    pub name: String,
    pub start: CalendarDate,
    pub week_id: u8,
}

/// An ESME switching table (`ElecSwitchingTablePrimary` or `…Secondary`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElectricitySwitchingTable {
    pub day_profiles: Vec<ElectricityDayProfile>,
    pub week_profiles: Vec<WeekProfile>,
    pub seasons: Vec<ElectricitySeason>,
}

/// ESME day profiles are named 1–16 and week profiles 1–4.
pub const ELECTRICITY_DAY_IDS: u8 = 16;
const ELECTRICITY_WEEK_IDS: u8 = 4;

impl ElectricitySwitchingTable {
    pub fn read(table: &Element<'_>, element: MeterElement) -> Result<Self, Rejection> {
        table.only(&["DayProfiles", "WeekProfiles", "Seasons"])?;
        let profiles = table.child("DayProfiles")?;
        profiles.only(&["DayProfile"])?;
        let day_profiles = profiles
            .children("DayProfile", 1, 16)?
            .iter()
            .map(|profile| read_electricity_day_profile(profile, element))
            .collect::<Result<Vec<_>, Rejection>>()?;
        let day_profiles = distinct(&profiles, day_profiles, |day| day.day_id, "DayName")?;
        let week_profiles = WeekProfile::read_all(
            &table.child("WeekProfiles")?,
            (1, 4),
            ELECTRICITY_WEEK_IDS,
            ELECTRICITY_DAY_IDS,
        )?;
        let seasons = table.child("Seasons")?;
        seasons.only(&["Season"])?;
        let seasons = seasons
            .children("Season", 1, 4)?
            .iter()
            .map(|season| {
                season.only(&["SeasonName", "SeasonStartDate", "ReferencedWeekName"])?;
                let name_element = season.child("SeasonName")?;
                let name = name_element.text()?;
                if name.chars().count() > 8 {
                    return Err(name_element.malformed("is longer than 8 characters"));
                }
                Ok(ElectricitySeason {
                    name: name.to_owned(),
                    start: CalendarDate::read(
                        &season.child("SeasonStartDate")?,
                        DateSchema::Electricity,
                    )?,
                    week_id: season
                        .child("ReferencedWeekName")?
                        .integer_in(1u8, ELECTRICITY_WEEK_IDS)?,
                })
            })
            .collect::<Result<Vec<_>, Rejection>>()?;
        let switching_table = Self {
            day_profiles,
            week_profiles,
            seasons,
        };
        switching_table.check(table)?;
        Ok(switching_table)
    }

    /// Every week profile refers to defined day profiles, every season to a defined week.
    fn check(&self, table: &Element<'_>) -> Result<(), Rejection> {
        check_references(
            table,
            "day profile",
            self.day_profiles.iter().map(|day| day.day_id),
            self.week_profiles
                .iter()
                .flat_map(|week| week.day_ids.iter().copied()),
        )?;
        check_references(
            table,
            "week profile",
            self.week_profiles.iter().map(|week| week.week_id),
            self.seasons.iter().map(|season| season.week_id),
        )
    }

    /// The day profile ids, for special days to refer to.
    pub fn day_ids(&self) -> impl Iterator<Item = u8> + '_ {
        self.day_profiles.iter().map(|day| day.day_id)
    }

    /// The activity calendar's season profile.
    pub fn season_profile(&self) -> Data {
        Data::Array(
            self.seasons
                .iter()
                .map(|season| {
                    Data::Structure(vec![
                        Data::OctetString(season.name.as_bytes().to_vec()),
                        season.start.to_cosem_midnight().to_data(),
                        Data::OctetString(vec![season.week_id]),
                    ])
                })
                .collect(),
        )
    }

    /// The activity calendar's week profile table.
    pub fn week_profile_table(&self) -> Data {
        WeekProfile::week_profile_table(&self.week_profiles)
    }

    /// The activity calendar's day profile table: each action runs the tariff script table.
    pub fn day_profile_table(&self) -> Data {
        Data::Array(
            self.day_profiles
                .iter()
                .map(|profile| {
                    let actions = profile
                        .schedule
                        .iter()
                        .map(|(start, action)| {
                            Data::Structure(vec![
                                start.to_data(),
                                TARIFF_BLOCK_COUNTER_MATRIX_TOU.logical_name(),
                                Data::LongUnsigned(action.script_selector()),
                            ])
                        })
                        .collect();
                    Data::Structure(vec![Data::Unsigned(profile.day_id), Data::Array(actions)])
                })
                .collect(),
        )
    }
}

fn read_electricity_day_profile(
    profile: &Element<'_>,
    element: MeterElement,
) -> Result<ElectricityDayProfile, Rejection> {
    profile.only(&["DayName", "ProfileSchedule"])?;
    let schedule = profile
        .children("ProfileSchedule", 1, 48)?
        .iter()
        .map(|entry| {
            let start = entry.child("StartTime")?.time_of_day()?;
            let action = match element {
                MeterElement::Primary => {
                    entry.only(&["StartTime", "TOUTariffAction", "BlockTariffAction"])?;
                    match entry.choice(&["TOUTariffAction", "BlockTariffAction"])? {
                        (0, rate) => TariffAction::Tou(rate.integer_in(1u8, 48)?),
                        (_, block) => TariffAction::Block(block.integer_in(1u8, 8)?),
                    }
                }
                MeterElement::Secondary => {
                    entry.only(&["StartTime", "TOUTariffAction"])?;
                    TariffAction::SecondaryTou(entry.child("TOUTariffAction")?.integer_in(1u8, 4)?)
                }
            };
            Ok((cosem_time(start), action))
        })
        .collect::<Result<Vec<_>, Rejection>>()?;
    Ok(ElectricityDayProfile {
        day_id: profile
            .child("DayName")?
            .integer_in(1u8, ELECTRICITY_DAY_IDS)?,
        schedule,
    })
}

/// A time of day as COSEM has it (to the hundredth of a second).
pub fn cosem_time(time: time::Time) -> CosemTime {
    CosemTime {
        hour: time.hour(),
        minute: time.minute(),
        second: time.second(),
        hundredths: (time.millisecond() / 10) as u8,
    }
}

/// A UTC instant as a COSEM date-time (day of week, deviation and clock status not specified).
pub fn cosem_date_time(instant: time::OffsetDateTime) -> CosemDateTime {
    let date = instant.date();
    CosemDateTime::at(
        CosemDate::new(
            u16::try_from(date.year()).unwrap_or(YEAR_NOT_SPECIFIED),
            u8::from(date.month()),
            date.day(),
        ),
        cosem_time(instant.time()),
    )
}

/// When a device applies what a future-datable command sets, from its `ExecutionDateTime`,
/// checked to be a time both an ESME and a GSME can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Activation(ExecutionTime);

impl Activation {
    pub fn read(body: &Element<'_>) -> Result<Self, Rejection> {
        let execution = ExecutionTime::read(body)?;
        if let ExecutionTime::At(instant) = execution {
            if UtcTime::from_unix_seconds(instant.unix_timestamp()).is_none() {
                return Err(body.malformed(format!(
                    "ExecutionDateTime {instant} is outside what a device can hold"
                )));
            }
        }
        Ok(Self(execution))
    }

    /// For an ESME: GBCS "now", the execution time, or "never" (which cancels a pending
    /// future-dated change).
    pub fn cosem(self) -> Data {
        match self.0 {
            ExecutionTime::Immediate => CosemDateTime::NOW,
            ExecutionTime::At(instant) => cosem_date_time(instant),
            ExecutionTime::Cancellation => CosemDateTime::NEVER,
        }
        .to_data()
    }

    /// For a GSME: 0 (now), the execution time, or `cancellation`, the start time GBCS gives
    /// the command to cancel a pending one (RTDS: [`CANCEL_START_TIME`] for tariff information
    /// and prepayment commands, [`CANCEL_PUBLISHED_START_TIME`] for calendars, price matrices
    /// and block thresholds).
    pub fn zigbee(self, cancellation: UtcTime) -> UtcTime {
        match self.0 {
            ExecutionTime::Immediate => UtcTime::NOW,
            ExecutionTime::At(instant) => {
                UtcTime::from_unix_seconds(instant.unix_timestamp()).unwrap_or(cancellation)
            }
            ExecutionTime::Cancellation => cancellation,
        }
    }
}

/// The Issuer Event Id of the GSME commands the DSP builds: the time of the transformation.
/// ZSE requires newer information to carry a larger Issuer Event Id; RTDS's GBZ commands all
/// carry 2015-01-01T00:00:00Z, the clock of the DCC that generated them.
pub fn issuer_event_id(now: time::OffsetDateTime) -> Result<UtcTime, Rejection> {
    UtcTime::from_unix_seconds(now.unix_timestamp()).ok_or_else(|| {
        Rejection::Malformed(format!(
            "the time of the transformation ({now}) is outside what a GSME can hold"
        ))
    })
}

/// Start time that cancels tariff information and prepayment cluster commands.
pub const CANCEL_START_TIME: UtcTime = UtcTime(0xFFFF_FFFF);
/// Start time that cancels calendar, price matrix and block threshold commands.
pub const CANCEL_PUBLISHED_START_TIME: UtcTime = UtcTime(0xFFFF_FFFE);

/// The minutes after midnight of a GSME schedule entry (GSME schedules are to the minute).
pub fn zigbee_minutes(time: time::Time, element: &Element<'_>) -> Result<u16, Rejection> {
    if time.second() != 0 || time.nanosecond() != 0 {
        return Err(element.malformed("a GSME switches on the minute"));
    }
    Ok(u16::from(time.hour()) * 60 + u16::from(time.minute()))
}

/// A GSME calendar as ZSE Calendar cluster commands publish it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GsmeCalendar {
    pub calendar_type: u8,
    pub start_time: UtcTime,
    /// Day id and its schedule entries.
    pub day_profiles: Vec<(u8, Vec<ScheduleEntry>)>,
    pub week_profiles: Vec<WeekProfile>,
    /// Start date and week id.
    pub seasons: Vec<(ZclDate, u8)>,
    /// Date and day id.
    pub special_days: Vec<(ZclDate, u8)>,
}

impl GsmeCalendar {
    /// Publish Calendar, a Publish Day Profile per day, a Publish Week Profile per week, Publish
    /// Seasons and Publish Special Days, in that order. `issuer` is the Issuer Event Id, which
    /// is also the Issuer Calendar Id (RTDS shows the same value in both).
    pub fn components(&self, issuer: UtcTime) -> Vec<GbzComponent> {
        let issuer = issuer.0;
        let count = |length: usize| u8::try_from(length).unwrap_or(u8::MAX);
        let mut components = vec![PublishCalendar {
            provider_id: PROVIDER_ID,
            issuer_event_id: issuer,
            issuer_calendar_id: issuer,
            start_time: self.start_time,
            calendar_type: self.calendar_type,
            calendar_time_reference: 0,
            calendar_name: Vec::new(),
            number_of_seasons: count(self.seasons.len()),
            number_of_week_profiles: count(self.week_profiles.len()),
            number_of_day_profiles: count(self.day_profiles.len()),
        }
        .component()];
        components.extend(self.day_profiles.iter().map(|(day_id, entries)| {
            PublishDayProfile {
                provider_id: PROVIDER_ID,
                issuer_event_id: issuer,
                issuer_calendar_id: issuer,
                day_id: *day_id,
                total_number_of_schedule_entries: count(entries.len()),
                command_index: 0,
                total_number_of_commands: 1,
                calendar_type: self.calendar_type,
                entries: entries.clone(),
            }
            .component()
        }));
        components.extend(self.week_profiles.iter().map(|week| {
            PublishWeekProfile {
                provider_id: PROVIDER_ID,
                issuer_event_id: issuer,
                issuer_calendar_id: issuer,
                week_id: week.week_id,
                day_ids: week.day_ids,
            }
            .component()
        }));
        components.push(
            PublishSeasons {
                provider_id: PROVIDER_ID,
                issuer_event_id: issuer,
                issuer_calendar_id: issuer,
                command_index: 0,
                total_number_of_commands: 1,
                seasons: self.seasons.clone(),
            }
            .component(),
        );
        components.push(
            PublishSpecialDays {
                provider_id: PROVIDER_ID,
                issuer_event_id: issuer,
                issuer_calendar_id: issuer,
                start_time: self.start_time,
                calendar_type: self.calendar_type,
                total_number_of_special_days: count(self.special_days.len()),
                command_index: 0,
                total_number_of_commands: 1,
                special_days: self.special_days.clone(),
            }
            .component(),
        );
        components
    }
}

/// The ZSE Provider Id of commands the DCC builds (RTDS: 0).
pub const PROVIDER_ID: u32 = 0;

/// Reads gas seasons (`Season`: `SeasonStartDate`, `ReferencedWeekName` within 1..=`weeks`).
pub fn read_gas_seasons(seasons: &Element<'_>, weeks: u8) -> Result<Vec<(ZclDate, u8)>, Rejection> {
    seasons.only(&["Season"])?;
    seasons
        .children("Season", 1, 3)?
        .iter()
        .map(|season| {
            season.only(&["SeasonStartDate", "ReferencedWeekName"])?;
            Ok((
                CalendarDate::read(&season.child("SeasonStartDate")?, DateSchema::Gas)?.to_zcl(),
                season.child("ReferencedWeekName")?.integer_in(1u8, weeks)?,
            ))
        })
        .collect()
}

/// The (date, day id) pairs of gas special days.
pub fn zcl_special_days(days: &[SpecialDay]) -> Vec<(ZclDate, u8)> {
    days.iter()
        .map(|day| (day.date.to_zcl(), day.day_id))
        .collect()
}
