//! Reading a DUIS request body the way its XSD type defines it: required, optional and repeated
//! children with their counts, choices, `index` attributes, XSD numbers with their ranges,
//! booleans, enumerations, `xs:date`, `xs:time`, `xs:dateTime`, and the `ExecutionDateTime` of
//! future-dated requests. Every refusal is a [`Rejection::Malformed`] naming the element's path
//! (e.g. `UpdateDebt/ElecDebtRecovery1/DebtRecoveryRate`).

use std::str::FromStr;

use duis::BodyElement;

use crate::rejection::Rejection;

/// An element of a request body, with its path from the body element for error messages.
#[derive(Debug, Clone)]
pub struct Element<'a> {
    element: &'a BodyElement,
    path: String,
}

impl<'a> Element<'a> {
    /// The body element (`sr:Body`'s child).
    pub fn root(body: &'a BodyElement) -> Self {
        Self {
            element: body,
            path: body.name.clone(),
        }
    }

    pub fn name(&self) -> &'a str {
        &self.element.name
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    /// A refusal naming this element.
    pub fn malformed(&self, message: impl std::fmt::Display) -> Rejection {
        Rejection::Malformed(format!("{}: {message}", self.path))
    }

    fn enter(&self, element: &'a BodyElement) -> Self {
        Self {
            element,
            path: format!("{}/{}", self.path, element.name),
        }
    }

    /// Refuses any child element whose name is not in `allowed`.
    pub fn only(&self, allowed: &[&str]) -> Result<(), Rejection> {
        match self
            .element
            .children
            .iter()
            .find(|child| !allowed.contains(&child.name.as_str()))
        {
            Some(child) => Err(self.malformed(format!("unexpected element {}", child.name))),
            None => Ok(()),
        }
    }

    /// Refuses an element that has children or text (an `sr:NoType` element).
    pub fn empty(&self) -> Result<(), Rejection> {
        if !self.element.children.is_empty() || !self.element.text.is_empty() {
            return Err(self.malformed("must be empty"));
        }
        Ok(())
    }

    /// The children named `name`, between `min` and `max` of them.
    pub fn children(&self, name: &str, min: usize, max: usize) -> Result<Vec<Self>, Rejection> {
        let children: Vec<Self> = self
            .element
            .children
            .iter()
            .filter(|child| child.name == name)
            .map(|child| self.enter(child))
            .collect();
        if children.len() < min || children.len() > max {
            return Err(self.malformed(format!(
                "has {} {name} elements (DUIS allows {min} to {max})",
                children.len()
            )));
        }
        Ok(children)
    }

    /// The child named `name`, which must be there once.
    pub fn child(&self, name: &str) -> Result<Self, Rejection> {
        let mut children = self.children(name, 1, 1)?;
        Ok(children.remove(0))
    }

    /// The child named `name`, if there (at most once).
    pub fn optional(&self, name: &str) -> Result<Option<Self>, Rejection> {
        Ok(self.children(name, 0, 1)?.pop())
    }

    /// The one child among `names` (an XSD choice): its position in `names` and the element.
    pub fn choice(&self, names: &[&str]) -> Result<(usize, Self), Rejection> {
        let present: Vec<usize> = (0..names.len())
            .filter(|position| self.element.child(names[*position]).is_some())
            .collect();
        match present[..] {
            [] => Err(self.malformed(format!("needs one of {}", names.join(", ")))),
            [position] => Ok((position, self.child(names[position])?)),
            [first, second, ..] => {
                Err(self.malformed(format!("has both {} and {}", names[first], names[second])))
            }
        }
    }

    /// The text of a leaf element.
    pub fn text(&self) -> Result<&'a str, Rejection> {
        if !self.element.children.is_empty() {
            return Err(self.malformed("must hold a value, not elements"));
        }
        Ok(&self.element.text)
    }

    /// The text parsed as `T` (an XSD number type maps to the Rust integer of its range:
    /// `xs:int` i32, `xs:unsignedInt` u32, `xs:short` i16, `xs:unsignedShort` u16…).
    pub fn value<T: FromStr>(&self) -> Result<T, Rejection>
    where
        T::Err: std::fmt::Display,
    {
        let text = self.text()?;
        text.parse()
            .map_err(|error| self.malformed(format!("{text:?} is not valid: {error}")))
    }

    /// The text as an integer within `min..=max` (an XSD restriction).
    pub fn integer_in<T>(&self, min: T, max: T) -> Result<T, Rejection>
    where
        T: FromStr + PartialOrd + std::fmt::Display + Copy,
        T::Err: std::fmt::Display,
    {
        let value: T = self.value()?;
        if value < min || value > max {
            return Err(self.malformed(format!("{value} is outside {min} to {max}")));
        }
        Ok(value)
    }

    /// The child `name` parsed as `T`.
    pub fn number<T: FromStr>(&self, name: &str) -> Result<T, Rejection>
    where
        T::Err: std::fmt::Display,
    {
        self.child(name)?.value()
    }

    /// An `xs:boolean`.
    pub fn boolean(&self) -> Result<bool, Rejection> {
        match self.text()? {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            other => Err(self.malformed(format!("{other:?} is not true or false"))),
        }
    }

    /// An enumeration value: its position in `values`.
    pub fn enumeration(&self, values: &[&str]) -> Result<usize, Rejection> {
        let text = self.text()?;
        values
            .iter()
            .position(|value| *value == text)
            .ok_or_else(|| self.malformed(format!("{text:?} is not one of {}", values.join(", "))))
    }

    /// The `index` attribute, within `min..=max`.
    pub fn index(&self, min: u8, max: u8) -> Result<u8, Rejection> {
        let text = self
            .element
            .attribute("index")
            .ok_or_else(|| self.malformed("needs an index attribute"))?;
        let index: u8 = text
            .trim()
            .parse()
            .map_err(|_| self.malformed(format!("index {text:?} is not a number")))?;
        if index < min || index > max {
            return Err(self.malformed(format!("index {index} is outside {min} to {max}")));
        }
        Ok(index)
    }

    /// The children named `name` (between `min` and `max`), each with a distinct `index`
    /// attribute in `first..=last`, in index order.
    pub fn indexed(
        &self,
        name: &str,
        (min, max): (usize, usize),
        (first, last): (u8, u8),
    ) -> Result<Vec<(u8, Self)>, Rejection> {
        let mut indexed = self
            .children(name, min, max)?
            .into_iter()
            .map(|child| Ok((child.index(first, last)?, child)))
            .collect::<Result<Vec<_>, Rejection>>()?;
        indexed.sort_by_key(|(index, _)| *index);
        if let Some(pair) = indexed.windows(2).find(|pair| pair[0].0 == pair[1].0) {
            return Err(self.malformed(format!("{name} index {} appears twice", pair[0].0)));
        }
        Ok(indexed)
    }

    /// An `xs:dateTime`, in UTC (no time zone means UTC, as DUIS times are).
    pub fn date_time(&self) -> Result<time::OffsetDateTime, Rejection> {
        let text = self.text()?;
        let (date, time) = text
            .split_once('T')
            .ok_or_else(|| self.malformed(format!("{text:?} is not an xs:dateTime")))?;
        let date = parse_date(date)
            .and_then(|(date, _)| date.into_date())
            .ok_or_else(|| self.malformed(format!("{text:?} is not an xs:dateTime")))?;
        let (time, offset) = parse_time(time)
            .ok_or_else(|| self.malformed(format!("{text:?} is not an xs:dateTime")))?;
        Ok(date
            .with_time(time)
            .assume_offset(offset)
            .to_offset(time::UtcOffset::UTC))
    }

    /// An `xs:date` (any year up to 65535, which GBCS schedules use as "every year").
    pub fn date(&self) -> Result<XsDate, Rejection> {
        let text = self.text()?;
        let (date, offset) = parse_date(text)
            .ok_or_else(|| self.malformed(format!("{text:?} is not an xs:date")))?;
        if offset != time::UtcOffset::UTC {
            return Err(self.malformed(format!("{text:?} must be a UTC date")));
        }
        Ok(date)
    }

    /// An `xs:time` of day in UTC.
    pub fn time_of_day(&self) -> Result<time::Time, Rejection> {
        let text = self.text()?;
        let (time, offset) = parse_time(text)
            .ok_or_else(|| self.malformed(format!("{text:?} is not an xs:time")))?;
        if offset != time::UtcOffset::UTC {
            return Err(self.malformed(format!("{text:?} must be a UTC time")));
        }
        Ok(time)
    }
}

/// The calendar date of an `xs:date`, with years beyond `time`'s range kept as numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct XsDate {
    pub year: u32,
    pub month: u8,
    pub day: u8,
}

impl XsDate {
    fn into_date(self) -> Option<time::Date> {
        let month = time::Month::try_from(self.month).ok()?;
        time::Date::from_calendar_date(i32::try_from(self.year).ok()?, month, self.day).ok()
    }
}

/// `YYYY-MM-DD` with an optional time zone; the date must exist (in the proleptic Gregorian
/// calendar, whatever the year).
fn parse_date(text: &str) -> Option<(XsDate, time::UtcOffset)> {
    let (date, offset) = split_zone(text)?;
    let mut parts = date.splitn(3, '-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if year.len() < 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    let date = XsDate {
        year: digits(year)?,
        month: digits(month)?.try_into().ok()?,
        day: digits(day)?.try_into().ok()?,
    };
    if date.year > u32::from(u16::MAX)
        || !(1..=12).contains(&date.month)
        || date.day == 0
        || date.day > days_in_month(date.year, date.month)
    {
        return None;
    }
    Some((date, offset))
}

fn days_in_month(year: u32, month: u8) -> u8 {
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `hh:mm:ss` with optional fractional seconds and time zone.
fn parse_time(text: &str) -> Option<(time::Time, time::UtcOffset)> {
    let (time, offset) = split_zone(text)?;
    let (whole, fraction) = match time.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (time, None),
    };
    let mut parts = whole.split(':');
    let (hour, minute, second) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || [hour, minute, second].iter().any(|part| part.len() != 2) {
        return None;
    }
    let nanoseconds = match fraction {
        None => 0,
        Some(fraction) => {
            // Nanoseconds: the first nine digits, padded with zeros.
            if fraction.is_empty() || !fraction.bytes().all(|byte| byte.is_ascii_digit()) {
                return None;
            }
            let nine: String = fraction
                .chars()
                .chain(std::iter::repeat('0'))
                .take(9)
                .collect();
            digits(&nine)?
        }
    };
    let time = time::Time::from_hms_nano(
        digits(hour)?.try_into().ok()?,
        digits(minute)?.try_into().ok()?,
        digits(second)?.try_into().ok()?,
        nanoseconds,
    )
    .ok()?;
    Some((time, offset))
}

/// Splits an optional `Z` or `±hh:mm` zone off the end (none means UTC).
fn split_zone(text: &str) -> Option<(&str, time::UtcOffset)> {
    if let Some(rest) = text.strip_suffix('Z') {
        return Some((rest, time::UtcOffset::UTC));
    }
    let no_zone = Some((text, time::UtcOffset::UTC));
    let Some((rest, zone)) = text
        .len()
        .checked_sub(6)
        .and_then(|split| text.split_at_checked(split))
    else {
        return no_zone;
    };
    let sign = match zone.as_bytes() {
        [b'+', _, _, b':', _, _] => 1,
        [b'-', _, _, b':', _, _] => -1,
        _ => return no_zone,
    };
    let offset = time::UtcOffset::from_hms(
        sign * i8::try_from(digits(&zone[1..3])?).ok()?,
        sign * i8::try_from(digits(&zone[4..6])?).ok()?,
        0,
    )
    .ok()?;
    Some((rest, offset))
}

fn digits(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// When a device is to execute a future-datable command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecutionTime {
    /// No `ExecutionDateTime`: at once.
    Immediate,
    /// At this UTC time.
    At(time::OffsetDateTime),
    /// DUIS's cancellation date-time (3000-12-31T00:00:00Z): cancel the pending command of the
    /// same service on the device.
    Cancellation,
}

impl ExecutionTime {
    /// The `ExecutionDateTime` DUIS uses to cancel a future-dated command held by a device.
    pub const CANCELLATION_DATE_TIME: time::OffsetDateTime =
        time::macros::datetime!(3000-12-31 00:00 UTC);

    /// The body's optional `ExecutionDateTime`.
    pub fn read(body: &Element<'_>) -> Result<Self, Rejection> {
        let Some(element) = body.optional("ExecutionDateTime")? else {
            return Ok(Self::Immediate);
        };
        let instant = element.date_time()?;
        if instant == Self::CANCELLATION_DATE_TIME {
            return Ok(Self::Cancellation);
        }
        Ok(Self::At(instant))
    }
}

/// Requests to transform in unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use dcc_model::{CommandVariant, DeviceType};

    use crate::rejection::Rejection;
    use crate::services::{transform, CommandContext, DeviceCommand};

    /// The time the tests transform at: RTDS's clock (2015-01-01T00:00:00Z).
    pub const NOW: time::OffsetDateTime = time::macros::datetime!(2015-01-01 00:00 UTC);

    /// A pre-command request (command variant 4) for `variant` from the test supplier to the
    /// template ESME, counter 1000; `body` is the `sr:`-prefixed body element.
    pub fn request(variant: &str, body: &str) -> duis::Request {
        let reference = variant
            .rsplit_once('.')
            .filter(|_| variant.matches('.').count() > 1);
        let reference = reference.map_or(variant, |(reference, _)| reference);
        let xml = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><sr:Request xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway" schemaVersion="5.4"><sr:Header><sr:RequestID>90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1000</sr:RequestID><sr:CommandVariant>4</sr:CommandVariant><sr:ServiceReference>{reference}</sr:ServiceReference><sr:ServiceReferenceVariant>{variant}</sr:ServiceReferenceVariant></sr:Header><sr:Body>{body}</sr:Body></sr:Request>"#
        );
        duis::parse_request(xml.as_bytes()).expect("a well-formed test request")
    }

    /// The context of `request` for a device of `device_type`.
    pub fn context(request: &duis::Request, device_type: DeviceType) -> CommandContext {
        CommandContext {
            request_id: request.header.request_id,
            command_variant: CommandVariant::TransformToPreCommand,
            device_type,
            now: NOW,
            device_profile: Default::default(),
            requester_role: None,
        }
    }

    /// Transforms `body` as service `variant` for a device of `device_type`.
    pub fn transform_body(
        variant: &str,
        device_type: DeviceType,
        body: &str,
    ) -> Result<DeviceCommand, Rejection> {
        let request = request(variant, body);
        let service = duis::catalogue::lookup(variant).expect("a catalogued service");
        transform(service, &request, &context(&request, device_type))
    }

    /// `WeekProfiles` with week 1 applying day profile `day` every day.
    pub fn week_profiles(day: u8) -> String {
        let days: String = (1..=7)
            .map(|index| {
                format!(r#"<sr:ReferencedDayName index="{index}">{day}</sr:ReferencedDayName>"#)
            })
            .collect();
        format!(
            "<sr:WeekProfiles><sr:WeekProfile><sr:WeekName>1</sr:WeekName>{days}</sr:WeekProfile>\
             </sr:WeekProfiles>"
        )
    }

    /// The parts of a `GasDateWithWildcards`: `month`-`day` of any year.
    pub fn gas_date(month: u8, day: u8) -> String {
        format!(
            "<sr:GasYearWithWildcards><sr:NonSpecifiedYear/></sr:GasYearWithWildcards>\
             <sr:GasMonthWithWildcards><sr:SpecifiedMonth>{month}</sr:SpecifiedMonth></sr:GasMonthWithWildcards>\
             <sr:GasDayOfMonthWithWildcards><sr:SpecifiedDayOfMonth>{day}</sr:SpecifiedDayOfMonth>\
             </sr:GasDayOfMonthWithWildcards>\
             <sr:GasDayOfWeekWithWildcards><sr:NonSpecifiedDayOfWeek/></sr:GasDayOfWeekWithWildcards>"
        )
    }

    /// The message text of a malformed-request refusal (panics on anything else).
    pub fn malformed(result: Result<DeviceCommand, Rejection>) -> String {
        match result {
            Err(Rejection::Malformed(message)) => message,
            other => panic!("expected a malformed-request refusal, got {other:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(name: &str, text: &str) -> BodyElement {
        BodyElement::leaf(name, text)
    }

    fn body(children: Vec<BodyElement>) -> BodyElement {
        BodyElement::with_children("Body", children)
    }

    #[test]
    fn counts_choices_and_unknown_elements_are_checked() {
        let element = body(vec![leaf("A", "1"), leaf("A", "2"), leaf("B", "x")]);
        let root = Element::root(&element);
        assert_eq!(root.children("A", 1, 2).unwrap().len(), 2);
        assert!(
            matches!(root.child("A"), Err(Rejection::Malformed(message)) if message.contains("has 2 A"))
        );
        assert!(
            matches!(root.only(&["A"]), Err(Rejection::Malformed(message)) if message == "Body: unexpected element B")
        );
        assert!(
            matches!(root.choice(&["A", "B"]), Err(Rejection::Malformed(message)) if message.contains("both A and B"))
        );
        assert!(
            matches!(root.choice(&["C", "D"]), Err(Rejection::Malformed(message)) if message.contains("needs one of C, D"))
        );
    }

    #[test]
    fn numbers_are_checked_against_their_xsd_range() {
        let element = body(vec![leaf("Short", "40000"), leaf("Small", "9")]);
        let root = Element::root(&element);
        assert!(matches!(
            root.number::<i16>("Short"),
            Err(Rejection::Malformed(message)) if message.starts_with("Body/Short: \"40000\"")
        ));
        let small = root.child("Small").unwrap();
        assert_eq!(small.integer_in(1u8, 9).unwrap(), 9);
        assert!(matches!(
            small.integer_in(1u8, 8),
            Err(Rejection::Malformed(message)) if message == "Body/Small: 9 is outside 1 to 8"
        ));
    }

    #[test]
    fn indexes_must_be_distinct_and_in_range() {
        let indexed = |indexes: &[&str]| {
            BodyElement::with_children(
                "Body",
                indexes
                    .iter()
                    .map(|index| BodyElement {
                        name: "Price".into(),
                        attributes: vec![("index".into(), (*index).into())],
                        text: "1".into(),
                        children: Vec::new(),
                    })
                    .collect(),
            )
        };
        let element = indexed(&["2", "1"]);
        let prices = Element::root(&element)
            .indexed("Price", (1, 4), (1, 4))
            .unwrap();
        assert_eq!(
            prices.iter().map(|(index, _)| *index).collect::<Vec<_>>(),
            [1, 2]
        );
        let element = indexed(&["2", "2"]);
        assert!(matches!(
            Element::root(&element).indexed("Price", (1, 4), (1, 4)),
            Err(Rejection::Malformed(message)) if message.contains("index 2 appears twice")
        ));
        let element = indexed(&["5"]);
        assert!(Element::root(&element)
            .indexed("Price", (1, 4), (1, 4))
            .is_err());
    }

    #[test]
    fn xsd_dates_and_times_are_read_in_utc() {
        let element = body(vec![
            leaf("At", "2030-01-15T09:00:00.00Z"),
            leaf("Local", "2030-01-15T10:00:00+01:00"),
            leaf("Every", "65535-04-29Z"),
            leaf("Switch", "09:30:00.500000000001Z"),
            leaf("Bad", "2030-02-30"),
        ]);
        let root = Element::root(&element);
        let at = root.child("At").unwrap().date_time().unwrap();
        assert_eq!(at, time::macros::datetime!(2030-01-15 09:00 UTC));
        assert_eq!(root.child("Local").unwrap().date_time().unwrap(), at);
        assert_eq!(
            root.child("Every").unwrap().date().unwrap(),
            XsDate {
                year: 65535,
                month: 4,
                day: 29
            }
        );
        assert_eq!(
            root.child("Switch").unwrap().time_of_day().unwrap(),
            time::macros::time!(09:30:00.5)
        );
        assert!(root.child("Bad").unwrap().date().is_err());
    }

    #[test]
    fn execution_date_time_says_when_or_cancels() {
        let immediate = body(vec![]);
        assert_eq!(
            ExecutionTime::read(&Element::root(&immediate)).unwrap(),
            ExecutionTime::Immediate
        );
        let cancel = body(vec![leaf("ExecutionDateTime", "3000-12-31T00:00:00.00Z")]);
        assert_eq!(
            ExecutionTime::read(&Element::root(&cancel)).unwrap(),
            ExecutionTime::Cancellation
        );
        let bad = body(vec![leaf("ExecutionDateTime", "tomorrow")]);
        assert!(matches!(
            ExecutionTime::read(&Element::root(&bad)),
            Err(Rejection::Malformed(message)) if message.starts_with("Body/ExecutionDateTime")
        ));
    }
}
