//! Strict reading of DUIS request bodies as the XSD defines them: children in schema order, each
//! where the schema allows it, nothing else; values of the XSD simple types. Every refusal is a
//! [`Rejection::Malformed`] naming the element.

use duis::BodyElement;
use time::OffsetDateTime;

use crate::rejection::Rejection;

/// The children of a body element, read in schema order.
#[derive(Debug)]
pub struct Children<'a> {
    parent: &'a BodyElement,
    next: usize,
}

impl<'a> Children<'a> {
    pub fn of(parent: &'a BodyElement) -> Self {
        Self { parent, next: 0 }
    }

    /// The next child if it is `name` (a `minOccurs="0"` element).
    pub fn optional(&mut self, name: &str) -> Option<&'a BodyElement> {
        let child = self.parent.children.get(self.next)?;
        if child.name != name {
            return None;
        }
        self.next += 1;
        Some(child)
    }

    /// The next child, which must be `name`.
    pub fn required(&mut self, name: &str) -> Result<&'a BodyElement, Rejection> {
        self.optional(name).ok_or_else(|| {
            let found = match self.parent.children.get(self.next) {
                Some(child) => format!("found {}", child.name),
                None => "found nothing".to_owned(),
            };
            malformed(format!("{} needs {name} here, {found}", self.parent.name))
        })
    }

    /// The next `minimum..=maximum` children named `name`.
    pub fn repeated(
        &mut self,
        name: &str,
        minimum: usize,
        maximum: usize,
    ) -> Result<Vec<&'a BodyElement>, Rejection> {
        let mut children = Vec::new();
        while children.len() < maximum {
            let Some(child) = self.optional(name) else {
                break;
            };
            children.push(child);
        }
        if children.len() < minimum {
            return Err(malformed(format!(
                "{} needs {minimum} {name}, has {}",
                self.parent.name,
                children.len()
            )));
        }
        Ok(children)
    }

    /// Refuses any child left unread.
    pub fn finish(self) -> Result<(), Rejection> {
        match self.parent.children.get(self.next) {
            None => Ok(()),
            Some(child) => Err(malformed(format!(
                "{} does not take {} here",
                self.parent.name, child.name
            ))),
        }
    }
}

/// An element that must be empty (`sr:NoType`, or a service without body data): no children,
/// no text.
pub fn empty(element: &BodyElement) -> Result<(), Rejection> {
    Children::of(element).finish()?;
    if !element.text.is_empty() {
        return Err(malformed(format!("{} must be empty", element.name)));
    }
    Ok(())
}

/// A leaf element's text (elements with children have none).
fn leaf(element: &BodyElement) -> Result<&str, Rejection> {
    if let Some(child) = element.children.first() {
        return Err(malformed(format!(
            "{} holds a value, not {}",
            element.name, child.name
        )));
    }
    Ok(element.text.as_str())
}

/// An `xs:dateTime`. DUIS times are UTC: a value without a time zone is read as UTC.
pub fn date_time(element: &BodyElement) -> Result<OffsetDateTime, Rejection> {
    let text = leaf(element)?;
    parse_date_time(text)
        .ok_or_else(|| malformed(format!("{} {text:?} is not an xs:dateTime", element.name)))
}

fn parse_date_time(text: &str) -> Option<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    let has_zone = text.ends_with('Z')
        || text
            .rsplit_once('T')
            .is_some_and(|(_, clock)| clock.contains('+') || clock.contains('-'));
    let with_zone;
    let text = if has_zone {
        text
    } else {
        with_zone = format!("{text}Z");
        &with_zone
    };
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .map(|time| time.to_offset(time::UtcOffset::UTC))
}

/// An unsigned integer in `minimum..=maximum` (`xs:unsignedShort`, `xs:nonNegativeInteger` with
/// bounds, …).
pub fn unsigned(element: &BodyElement, minimum: u64, maximum: u64) -> Result<u64, Rejection> {
    let text = leaf(element)?;
    unsigned_text(&element.name, text, minimum, maximum)
}

/// An unsigned integer attribute in `minimum..=maximum` (e.g. `index`, `sr:range_1_5`).
pub fn unsigned_attribute(
    element: &BodyElement,
    name: &str,
    minimum: u64,
    maximum: u64,
) -> Result<u64, Rejection> {
    let text = element
        .attribute(name)
        .ok_or_else(|| malformed(format!("{} without attribute {name}", element.name)))?;
    unsigned_text(&format!("{}/@{name}", element.name), text, minimum, maximum)
}

fn unsigned_text(name: &str, text: &str, minimum: u64, maximum: u64) -> Result<u64, Rejection> {
    let value: u64 = text
        .trim()
        .trim_start_matches('+')
        .parse()
        .map_err(|_| malformed(format!("{name} {text:?} is not an unsigned integer")))?;
    if !(minimum..=maximum).contains(&value) {
        return Err(malformed(format!(
            "{name} {value} is outside {minimum}..={maximum}"
        )));
    }
    Ok(value)
}

/// An `xs:boolean`.
pub fn boolean(element: &BodyElement) -> Result<bool, Rejection> {
    match leaf(element)? {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        other => Err(malformed(format!(
            "{} must be true or false, not {other:?}",
            element.name
        ))),
    }
}

/// An `xs:hexBinary` of exactly `length` octets.
pub fn hex_binary(element: &BodyElement, length: usize) -> Result<Vec<u8>, Rejection> {
    let text = leaf(element)?;
    let refuse = || {
        malformed(format!(
            "{} must be {length} octets of hexBinary",
            element.name
        ))
    };
    if text.len() != length * 2 || !text.is_ascii() {
        return Err(refuse());
    }
    (0..text.len())
        .step_by(2)
        .map(|index| u8::from_str_radix(&text[index..index + 2], 16).map_err(|_| refuse()))
        .collect()
}

/// An `sr:Certificate`: a base64 DER X.509 certificate; its DER octets.
pub fn certificate(element: &BodyElement) -> Result<Vec<u8>, Rejection> {
    let text = leaf(element)?;
    super::credentials::certificate_from_base64(&element.name, text)
        .map(|certificate| certificate.der().to_vec())
}

/// The body of a service whose XSD type extends `sr:FutureDatedAbstractType` with nothing else:
/// an optional `ExecutionDateTime`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FutureDated {
    pub execution_date_time: Option<OffsetDateTime>,
}

impl FutureDated {
    pub fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        let mut children = Children::of(body);
        let execution_date_time = execution_date_time(&mut children)?;
        children.finish()?;
        Ok(Self {
            execution_date_time,
        })
    }
}

/// The optional `ExecutionDateTime` that opens every future-datable body.
pub fn execution_date_time(
    children: &mut Children<'_>,
) -> Result<Option<OffsetDateTime>, Rejection> {
    children
        .optional("ExecutionDateTime")
        .map(date_time)
        .transpose()
}

/// `sr:ReadLogPeriod`: the entries to read, from `start` to `end` (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadLogPeriod {
    pub start: OffsetDateTime,
    pub end: OffsetDateTime,
}

impl ReadLogPeriod {
    pub fn parse(element: &BodyElement) -> Result<Self, Rejection> {
        let mut children = Children::of(element);
        let start = date_time(children.required("StartDateTime")?)?;
        let end = date_time(children.required("EndDateTime")?)?;
        children.finish()?;
        if end < start {
            return Err(malformed(format!(
                "{} EndDateTime {end} is before StartDateTime {start}",
                element.name
            )));
        }
        Ok(Self { start, end })
    }
}

/// Whether a log read's XSD type takes the requester's KA certificate
/// (`sr:ReadLogFutureDatableAndURPCredentials`) or not (`sr:ReadLogFutureDatable`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequesterCredentials {
    Accepted,
    NotAccepted,
}

/// The body of a log read: optional `ExecutionDateTime`, `ReadLogPeriod`, and where the XSD
/// allows it the `KAPublicSecurityCredentials` of a requester the device does not know (an
/// unknown remote party), for whom the device encrypts its response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRead {
    pub execution_date_time: Option<OffsetDateTime>,
    pub period: ReadLogPeriod,
    pub requester_certificate: Option<Vec<u8>>,
}

impl LogRead {
    pub fn parse(body: &BodyElement, credentials: RequesterCredentials) -> Result<Self, Rejection> {
        let mut children = Children::of(body);
        let execution_date_time = execution_date_time(&mut children)?;
        let period = ReadLogPeriod::parse(children.required("ReadLogPeriod")?)?;
        let requester_certificate = match credentials {
            RequesterCredentials::Accepted => children
                .optional("KAPublicSecurityCredentials")
                .map(certificate)
                .transpose()?,
            RequesterCredentials::NotAccepted => None,
        };
        children.finish()?;
        Ok(Self {
            execution_date_time,
            period,
            requester_certificate,
        })
    }
}

fn malformed(message: String) -> Rejection {
    Rejection::Malformed(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(children: Vec<BodyElement>) -> BodyElement {
        BodyElement::with_children("Body", children)
    }

    #[test]
    fn children_are_read_in_order_and_nothing_else_is_taken() {
        let element = body(vec![
            BodyElement::leaf("A", "1"),
            BodyElement::leaf("B", "2"),
        ]);
        let mut children = Children::of(&element);
        assert!(children.optional("B").is_none());
        assert_eq!(children.required("A").map(|a| a.text.as_str()), Ok("1"));
        assert_eq!(
            Children::of(&element).finish(),
            Err(Rejection::Malformed("Body does not take A here".into()))
        );
        assert_eq!(
            children.required("C"),
            Err(Rejection::Malformed("Body needs C here, found B".into()))
        );
    }

    #[test]
    fn date_times_are_utc_with_or_without_a_zone() {
        let with_zone = date_time(&BodyElement::leaf("T", "2014-12-22T09:30:00.00Z"));
        let without = date_time(&BodyElement::leaf("T", "2014-12-22T09:30:00"));
        let offset = date_time(&BodyElement::leaf("T", "2014-12-22T10:30:00+01:00"));
        assert_eq!(with_zone, without);
        assert_eq!(with_zone, offset);
        assert_eq!(with_zone.map(|t| t.unix_timestamp()), Ok(1_419_240_600));
        assert!(matches!(
            date_time(&BodyElement::leaf("T", "yesterday")),
            Err(Rejection::Malformed(message)) if message.contains("T \"yesterday\"")
        ));
    }

    #[test]
    fn values_out_of_range_are_refused_by_name() {
        assert_eq!(
            unsigned(&BodyElement::leaf("Level", "100"), 0, 100),
            Ok(100)
        );
        assert_eq!(
            unsigned(&BodyElement::leaf("Level", "101"), 0, 100),
            Err(Rejection::Malformed("Level 101 is outside 0..=100".into()))
        );
        assert!(matches!(
            unsigned(&BodyElement::leaf("Level", "-1"), 0, 100),
            Err(Rejection::Malformed(message)) if message.starts_with("Level")
        ));
        assert!(matches!(
            boolean(&BodyElement::leaf("Flag", "yes")),
            Err(Rejection::Malformed(_))
        ));
        assert_eq!(
            hex_binary(&BodyElement::leaf("Hash", "0A0b"), 2),
            Ok(vec![0x0A, 0x0B])
        );
        assert!(matches!(
            hex_binary(&BodyElement::leaf("Hash", "0A"), 2),
            Err(Rejection::Malformed(_))
        ));
        assert!(matches!(
            certificate(&BodyElement::leaf("Cert", "AAAA")),
            Err(Rejection::Malformed(_))
        ));
    }
}
