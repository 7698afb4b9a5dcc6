//! DUIS body values of the configuration services, read with the XSD's rules (types, ranges,
//! enumerations, choices) and refused with [`Rejection::Malformed`] naming the field; and the
//! GBCS forms they take in commands (COSEM dates and times, ZigBee UTC times, scaled decimals).

use duis::BodyElement;
use time::{OffsetDateTime, Time, UtcOffset};

use crate::rejection::Rejection;

/// The `ExecutionDateTime` DUIS gives a cancellation of a future-dated request that the device
/// executes (the CANCELLATION templates): 3000-12-31T00:00:00Z.
const CANCELLATION_DATE_TIME: OffsetDateTime = time::macros::datetime!(3000-12-31 00:00 UTC);

pub fn malformed(message: impl Into<String>) -> Rejection {
    Rejection::Malformed(message.into())
}

/// Refuses any child of `body` not named in `allowed` (the XSD allows no other).
pub fn only_children(body: &BodyElement, allowed: &[&str]) -> Result<(), Rejection> {
    match body
        .children
        .iter()
        .find(|child| !allowed.contains(&child.name.as_str()))
    {
        Some(child) => Err(malformed(format!("{} takes no {}", body.name, child.name))),
        None => Ok(()),
    }
}

/// The children of `body` named `name`, in document order.
pub fn children<'a>(
    body: &'a BodyElement,
    name: &'a str,
) -> impl Iterator<Item = &'a BodyElement> + 'a {
    body.children.iter().filter(move |child| child.name == name)
}

/// The (first) child of an `xs:choice` among `names`: exactly one of the names may appear (a
/// choice of a repeated element may appear several times).
pub fn choice<'a>(body: &'a BodyElement, names: &[&str]) -> Result<&'a BodyElement, Rejection> {
    let mut chosen = body
        .children
        .iter()
        .filter(|child| names.contains(&child.name.as_str()));
    let first = chosen
        .next()
        .ok_or_else(|| malformed(format!("{} needs one of {}", body.name, names.join(", "))))?;
    if let Some(second) = chosen.find(|other| other.name != first.name) {
        return Err(malformed(format!(
            "{} takes only one of {} (found {} and {})",
            body.name,
            names.join(", "),
            first.name,
            second.name
        )));
    }
    Ok(first)
}

/// A required child element, which the schema allows once.
pub fn element<'a>(body: &'a BodyElement, name: &str) -> Result<&'a BodyElement, Rejection> {
    let mut named = body.children.iter().filter(|child| child.name == name);
    let first = named
        .next()
        .ok_or_else(|| malformed(format!("{} without {name}", body.name)))?;
    if named.next().is_some() {
        return Err(malformed(format!("{} gives {name} twice", body.name)));
    }
    Ok(first)
}

/// The text of a required child element.
pub fn text<'a>(body: &'a BodyElement, name: &str) -> Result<&'a str, Rejection> {
    element(body, name).map(|child| child.text.as_str())
}

/// A required integer child within `minimum..=maximum` (the XSD type's range).
pub fn integer<T>(body: &BodyElement, name: &str, minimum: T, maximum: T) -> Result<T, Rejection>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    integer_text(text(body, name)?, name, minimum, maximum)
}

/// An integer in text within `minimum..=maximum`.
pub fn integer_text<T>(text: &str, name: &str, minimum: T, maximum: T) -> Result<T, Rejection>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    let value: T = text
        .trim()
        .trim_start_matches('+')
        .parse()
        .map_err(|_| malformed(format!("{name} {text:?} is not an integer")))?;
    if value < minimum || value > maximum {
        return Err(malformed(format!(
            "{name} {value} is outside {minimum}..={maximum}"
        )));
    }
    Ok(value)
}

/// A required integer attribute within `minimum..=maximum`.
pub fn integer_attribute<T>(
    element: &BodyElement,
    name: &str,
    minimum: T,
    maximum: T,
) -> Result<T, Rejection>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    let text = element
        .attribute(name)
        .ok_or_else(|| malformed(format!("{} without attribute {name}", element.name)))?;
    integer_text(text, &format!("{} {name}", element.name), minimum, maximum)
}

/// A required `xs:unsignedInt` child.
pub fn unsigned_int(body: &BodyElement, name: &str) -> Result<u32, Rejection> {
    integer(body, name, 0, u32::MAX)
}

/// A required child whose text is one of an enumeration's values.
pub fn enumeration<T: Copy>(
    body: &BodyElement,
    name: &str,
    values: &[(&str, T)],
) -> Result<T, Rejection> {
    let text = text(body, name)?;
    values
        .iter()
        .find(|(value, _)| *value == text)
        .map(|(_, meaning)| *meaning)
        .ok_or_else(|| {
            let allowed: Vec<&str> = values.iter().map(|(value, _)| *value).collect();
            malformed(format!(
                "{name} {text:?} is not one of {}",
                allowed.join(", ")
            ))
        })
}

/// A required `xs:boolean` child.
pub fn boolean(body: &BodyElement, name: &str) -> Result<bool, Rejection> {
    enumeration(
        body,
        name,
        &[("true", true), ("1", true), ("false", false), ("0", false)],
    )
}

/// A required `xs:decimal` child with at most `fraction_digits` decimals, as an integer count
/// of 10^-`fraction_digits` (`"1.02264"` with 5 digits is 102264), within `minimum..=maximum`
/// of that unit.
pub fn decimal(
    body: &BodyElement,
    name: &str,
    fraction_digits: u32,
    minimum: u64,
    maximum: u64,
) -> Result<u64, Rejection> {
    let text = text(body, name)?;
    let invalid = || {
        malformed(format!(
            "{name} {text:?} is not a decimal with at most {fraction_digits} decimals"
        ))
    };
    let unsigned = text.trim().trim_start_matches('+');
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let fraction = fraction.trim_end_matches('0');
    let all_digits = |part: &str| part.chars().all(|c| c.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty())
        || !all_digits(whole)
        || !all_digits(fraction)
        || fraction.len() > fraction_digits as usize
    {
        return Err(invalid());
    }
    let scale = 10u64.pow(fraction_digits);
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| invalid())?
    };
    let padded = format!("{fraction:0<width$}", width = fraction_digits as usize);
    let fraction: u64 = if padded.is_empty() {
        0
    } else {
        padded.parse().map_err(|_| invalid())?
    };
    let value = whole
        .checked_mul(scale)
        .and_then(|scaled| scaled.checked_add(fraction))
        .ok_or_else(invalid)?;
    if value < minimum || value > maximum {
        return Err(malformed(format!(
            "{name} {text} is outside the range the schema allows"
        )));
    }
    Ok(value)
}

/// A required string child of at most `maximum_length` printable ASCII characters (the XSD's
/// `[ -~]+` pattern).
pub fn printable(
    body: &BodyElement,
    name: &str,
    minimum_length: usize,
    maximum_length: usize,
) -> Result<String, Rejection> {
    let text = text(body, name)?;
    if !(minimum_length..=maximum_length).contains(&text.len()) {
        return Err(malformed(format!(
            "{name} must have {minimum_length} to {maximum_length} characters"
        )));
    }
    if let Some(bad) = text.chars().find(|c| !(' '..='~').contains(c)) {
        return Err(malformed(format!(
            "{name} holds {bad:?}, not printable ASCII"
        )));
    }
    Ok(text.to_owned())
}

/// An `xs:dateTime` (DUIS times are UTC; a time without a zone is taken as UTC).
pub fn date_time(body: &BodyElement, name: &str) -> Result<OffsetDateTime, Rejection> {
    date_time_text(text(body, name)?, name)
}

fn date_time_text(text: &str, name: &str) -> Result<OffsetDateTime, Rejection> {
    use time::format_description::well_known::Rfc3339;
    let has_zone = text.ends_with('Z')
        || text
            .rsplit_once('T')
            .is_some_and(|(_, clock)| clock.contains('+') || clock.contains('-'));
    let parsed = if has_zone {
        OffsetDateTime::parse(text, &Rfc3339)
    } else {
        OffsetDateTime::parse(&format!("{text}Z"), &Rfc3339)
    };
    parsed
        .map(|instant| instant.to_offset(UtcOffset::UTC))
        .map_err(|error| malformed(format!("{name} {text:?} is not an xs:dateTime: {error}")))
}

/// An `xs:time` as the UTC time of day (a time without a zone is taken as UTC).
pub fn time_of_day(body: &BodyElement, name: &str) -> Result<Time, Rejection> {
    let text = text(body, name)?;
    let instant = date_time_text(&format!("2000-01-01T{text}"), name)?;
    Ok(instant.time())
}

/// When a command the device executes in the future (DUIS `SentToDevice`) takes effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Execution {
    /// No `ExecutionDateTime`: at once.
    Immediate,
    /// At this instant.
    At(OffsetDateTime),
    /// DUIS's cancellation date-time: cancel the pending future-dated command.
    Cancellation,
}

impl Execution {
    /// The body's optional `ExecutionDateTime`.
    pub fn of(body: &BodyElement) -> Result<Self, Rejection> {
        let Some(_) = body.child("ExecutionDateTime") else {
            return Ok(Self::Immediate);
        };
        let instant = date_time(body, "ExecutionDateTime")?;
        if instant == CANCELLATION_DATE_TIME {
            return Ok(Self::Cancellation);
        }
        Ok(Self::At(instant))
    }

    /// The GBCS activation date-time: "now", the instant, or "never".
    pub fn activation_time(self) -> [u8; 12] {
        match self {
            Self::Immediate => cosem::NOW,
            Self::At(instant) => cosem::date_time(instant),
            Self::Cancellation => cosem::NEVER,
        }
    }
}

/// Checks the optional `ExecutionDateTime` of a service the DSP holds until then (DUIS
/// `HeldByDsp`): the command itself is the immediate one.
pub fn held_by_dsp(body: &BodyElement) -> Result<(), Rejection> {
    if body.child("ExecutionDateTime").is_some() {
        date_time(body, "ExecutionDateTime")?;
    }
    Ok(())
}

/// The `sr:Date` of a schedule or special day: year, month, day of month and day of week,
/// each specified or not.
pub fn schedule_date(date: &BodyElement) -> Result<[u8; 5], Rejection> {
    only_children(date, &["Year", "Month", "DayOfMonth", "DayOfWeek"])?;
    let year = match choice(
        element(date, "Year")?,
        &["SpecifiedYear", "NonSpecifiedYear"],
    )? {
        specified if specified.name == "SpecifiedYear" => {
            integer_text(&specified.text, "SpecifiedYear", 2014u16, 9999)?
        }
        _ => cosem::YEAR_NOT_SPECIFIED,
    };
    let month = match choice(
        element(date, "Month")?,
        &["SpecifiedMonth", "NonSpecifiedMonth"],
    )? {
        specified if specified.name == "SpecifiedMonth" => {
            integer_text(&specified.text, "SpecifiedMonth", 1u8, 12)?
        }
        _ => cosem::NOT_SPECIFIED,
    };
    let day_of_month = match choice(
        element(date, "DayOfMonth")?,
        &[
            "SpecifiedDayOfMonth",
            "LastDayOfMonth",
            "SecondLastDayOfMonth",
            "NonSpecifiedDayOfMonth",
        ],
    )? {
        specified if specified.name == "SpecifiedDayOfMonth" => {
            integer_text(&specified.text, "SpecifiedDayOfMonth", 1u8, 31)?
        }
        last if last.name == "LastDayOfMonth" => cosem::LAST_DAY_OF_MONTH,
        second_last if second_last.name == "SecondLastDayOfMonth" => {
            cosem::SECOND_LAST_DAY_OF_MONTH
        }
        _ => cosem::NOT_SPECIFIED,
    };
    let day_of_week = match choice(
        element(date, "DayOfWeek")?,
        &["SpecifiedDayOfWeek", "NonSpecifiedDayOfWeek"],
    )? {
        specified if specified.name == "SpecifiedDayOfWeek" => {
            integer_text(&specified.text, "SpecifiedDayOfWeek", 1u8, 7)?
        }
        _ => cosem::NOT_SPECIFIED,
    };
    Ok(cosem::date(year, month, day_of_month, day_of_week))
}

/// The days of a `DaysOfWeekApplicability`, as the 7-bit COSEM bit string of a schedule entry
/// (Monday first).
pub fn days_of_week(applicability: Option<&BodyElement>) -> Result<Vec<bool>, Rejection> {
    const DAYS: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    let mut days = vec![false; DAYS.len()];
    let Some(applicability) = applicability else {
        return Ok(days);
    };
    only_children(applicability, &["DayOfWeekApplicability"])?;
    for day in children(applicability, "DayOfWeekApplicability") {
        only_children(day, &["DayOfWeekID"])?;
        let name = text(day, "DayOfWeekID")?;
        let index = DAYS
            .iter()
            .position(|known| *known == name)
            .ok_or_else(|| malformed(format!("DayOfWeekID {name:?} is not a day of the week")))?;
        if days[index] {
            return Err(malformed(format!("DayOfWeekID {name} given twice")));
        }
        days[index] = true;
    }
    Ok(days)
}

/// A DLMS bit string of `bits`, the first bit the most significant of the first byte.
pub fn bit_string(bits: &[bool]) -> gbcs::dlms::Data {
    let mut bytes = vec![0u8; bits.len().div_ceil(8)];
    for (index, _) in bits.iter().enumerate().filter(|(_, set)| **set) {
        bytes[index / 8] |= 0x80 >> (index % 8);
    }
    gbcs::dlms::Data::BitString {
        bits: bits.len(),
        bytes,
    }
}

/// ZigBee UTCTime: seconds since 2000-01-01T00:00:00Z; instants outside its range are refused.
pub fn zigbee_utc_time(instant: OffsetDateTime, name: &str) -> Result<u32, Rejection> {
    const ZIGBEE_EPOCH: OffsetDateTime = time::macros::datetime!(2000-01-01 00:00 UTC);
    u32::try_from((instant - ZIGBEE_EPOCH).whole_seconds())
        .map_err(|_| malformed(format!("{name} {instant} is outside ZigBee UTC time")))
}

/// A body of leaf elements, for tests.
#[cfg(test)]
pub fn leaf_body(name: &str, children: &[(&str, &str)]) -> BodyElement {
    BodyElement::with_children(
        name,
        children
            .iter()
            .map(|(name, text)| BodyElement::leaf(*name, *text))
            .collect(),
    )
}

/// COSEM dates, times and date-times (IEC 62056-6-2) as GBCS writes them in octet strings: UTC,
/// with day of week, deviation and clock status not specified.
pub mod cosem {
    use time::{OffsetDateTime, Time};

    /// A one-byte field that is not specified (any value).
    pub const NOT_SPECIFIED: u8 = 0xFF;
    /// A year that is not specified.
    pub const YEAR_NOT_SPECIFIED: u16 = 0xFFFF;
    /// Day of month: the last day of the month.
    pub const LAST_DAY_OF_MONTH: u8 = 0xFE;
    /// Day of month: the second last day of the month.
    pub const SECOND_LAST_DAY_OF_MONTH: u8 = 0xFD;
    /// Deviation not specified (`0x8000`) and clock status not specified, GBCS's date-time tail.
    const DEVIATION_AND_STATUS_NOT_SPECIFIED: [u8; 3] = [0x80, 0x00, 0xFF];

    /// GBCS "now": an activation time with every date and time field zero.
    pub const NOW: [u8; 12] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x00, 0xFF];
    /// GBCS "never": every date and time field not specified (cancels a pending activation).
    pub const NEVER: [u8; 12] = [
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x80, 0x00, 0xFF,
    ];

    /// A date: year, month, day of month, day of week.
    pub fn date(year: u16, month: u8, day_of_month: u8, day_of_week: u8) -> [u8; 5] {
        let [high, low] = year.to_be_bytes();
        [high, low, month, day_of_month, day_of_week]
    }

    /// A time of day to the hundredth of a second.
    pub fn time(time: Time) -> [u8; 4] {
        [
            time.hour(),
            time.minute(),
            time.second(),
            (time.millisecond() / 10) as u8,
        ]
    }

    /// A UTC instant.
    pub fn date_time(instant: OffsetDateTime) -> [u8; 12] {
        let utc = instant.to_offset(time::UtcOffset::UTC);
        let year = u16::try_from(utc.year()).unwrap_or(YEAR_NOT_SPECIFIED);
        let mut out = [0u8; 12];
        out[..5].copy_from_slice(&date(year, u8::from(utc.month()), utc.day(), NOT_SPECIFIED));
        out[5..9].copy_from_slice(&time(utc.time()));
        out[9..].copy_from_slice(&DEVIATION_AND_STATUS_NOT_SPECIFIED);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(children: &[(&str, &str)]) -> BodyElement {
        leaf_body("Test", children)
    }

    #[test]
    fn decimals_scale_by_their_fraction_digits_and_refuse_more() {
        let value = body(&[
            ("V", "1.02264"),
            ("W", "40"),
            ("X", "1.234567"),
            ("Y", "4e2"),
        ]);
        assert_eq!(decimal(&value, "V", 5, 0, u64::MAX), Ok(102_264));
        assert_eq!(decimal(&value, "W", 1, 0, u64::MAX), Ok(400));
        assert!(
            matches!(decimal(&value, "X", 5, 0, u64::MAX), Err(Rejection::Malformed(m)) if m.contains("X"))
        );
        assert!(
            matches!(decimal(&value, "Y", 1, 0, u64::MAX), Err(Rejection::Malformed(m)) if m.contains("Y"))
        );
        assert!(
            matches!(decimal(&value, "V", 5, 0, 100_000), Err(Rejection::Malformed(m)) if m.contains("range"))
        );
    }

    #[test]
    fn date_times_are_utc_and_the_cancellation_is_recognised() {
        let value = body(&[("ExecutionDateTime", "2030-01-15T09:00:00.00Z")]);
        let Execution::At(instant) = Execution::of(&value).unwrap() else {
            panic!("a future execution");
        };
        assert_eq!(
            cosem::date_time(instant),
            [0x07, 0xEE, 1, 15, 0xFF, 9, 0, 0, 0, 0x80, 0, 0xFF]
        );
        let cancel = body(&[("ExecutionDateTime", "3000-12-31T00:00:00.00Z")]);
        assert_eq!(Execution::of(&cancel), Ok(Execution::Cancellation));
        let bad = body(&[("ExecutionDateTime", "tomorrow")]);
        assert!(
            matches!(Execution::of(&bad), Err(Rejection::Malformed(m)) if m.contains("ExecutionDateTime"))
        );
        assert_eq!(Execution::Immediate.activation_time(), cosem::NOW);
    }

    #[test]
    fn times_of_day_and_integers_keep_to_the_schema() {
        let value = body(&[("T", "17:30:00.00Z"), ("N", "300"), ("M", "-1")]);
        assert_eq!(
            cosem::time(time_of_day(&value, "T").unwrap()),
            [17, 30, 0, 0]
        );
        assert_eq!(integer(&value, "N", 0u32, 300), Ok(300));
        assert!(
            matches!(integer(&value, "N", 0u32, 299), Err(Rejection::Malformed(m)) if m.contains("N 300"))
        );
        assert!(
            matches!(unsigned_int(&value, "M"), Err(Rejection::Malformed(m)) if m.contains("M"))
        );
        assert!(
            matches!(unsigned_int(&value, "Absent"), Err(Rejection::Malformed(m)) if m.contains("Absent"))
        );
    }

    #[test]
    fn choices_take_exactly_one() {
        let both = body(&[("A", ""), ("B", "")]);
        assert!(
            matches!(choice(&both, &["A", "B"]), Err(Rejection::Malformed(m)) if m.contains("only one"))
        );
        assert!(matches!(choice(&both, &["C"]), Err(Rejection::Malformed(m)) if m.contains("C")));
        assert!(
            matches!(only_children(&both, &["A"]), Err(Rejection::Malformed(m)) if m.contains("takes no B"))
        );
    }

    #[test]
    fn bit_strings_put_the_first_bit_first() {
        assert_eq!(
            bit_string(&[true, true, true, true, true, false, false]),
            gbcs::dlms::Data::BitString {
                bits: 7,
                bytes: vec![0xF8]
            }
        );
    }
}
