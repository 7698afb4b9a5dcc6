//! DER building blocks for the GBCS payloads defined in ASN.1 (security credentials CS02x,
//! joins and unjoins CS03/CS04, device join details CS07, GPF device log GCS59, …): a reader
//! over untrusted bytes that never panics, and writers for the few universal types GBCS uses.
//!
//! Commands are written in DER with minimal lengths, as the RTDS commands are. Device
//! responses write lengths from 0x80 in the two-byte long form (`82 00 9F`), as the RTDS
//! responses do ([`response_tlv`]).

/// Universal tags GBCS payloads use.
pub mod tag {
    pub const BOOLEAN: u8 = 0x01;
    pub const INTEGER: u8 = 0x02;
    pub const BIT_STRING: u8 = 0x03;
    pub const OCTET_STRING: u8 = 0x04;
    pub const NULL: u8 = 0x05;
    pub const ENUMERATED: u8 = 0x0A;
    pub const GENERALIZED_TIME: u8 = 0x18;
    pub const SEQUENCE: u8 = 0x30;
}

/// Why an ASN.1 DER payload could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Asn1Error {
    #[error("ASN.1 payload ends inside the {0}")]
    Truncated(&'static str),
    #[error("ASN.1 payload: unsupported length encoding in the {0}")]
    BadLength(&'static str),
    #[error("ASN.1 payload: expected tag {expected:#04x} for the {what}, found {found:#04x}")]
    UnexpectedTag {
        what: &'static str,
        expected: u8,
        found: u8,
    },
    #[error("ASN.1 payload: the {0} is not a non-negative 64-bit integer")]
    BadInteger(&'static str),
    #[error("ASN.1 payload: unsupported value in the {0}")]
    Unsupported(&'static str),
    #[error("ASN.1 payload: {0} trailing bytes after the {1}")]
    TrailingBytes(usize, &'static str),
}

/// Tag, minimal DER length, content.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    crate::ber::write_length(&mut out, content.len());
    out.extend_from_slice(content);
    out
}

/// Tag, length (the two-byte long form from 0x80 to 0xFFFF, as devices write their
/// responses in the reference data), content.
pub fn response_tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    match u16::try_from(content.len()) {
        Ok(length) if length >= 0x80 => {
            out.push(0x82);
            out.extend_from_slice(&length.to_be_bytes());
        }
        _ => crate::ber::write_length(&mut out, content.len()),
    }
    out.extend_from_slice(content);
    out
}

/// The content octets of a DER INTEGER holding `value` (minimal, non-negative).
pub fn integer_content(value: u64) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let first = bytes.iter().position(|byte| *byte != 0).unwrap_or(7);
    let mut out = Vec::with_capacity(9);
    if bytes.get(first).is_some_and(|byte| byte & 0x80 != 0) {
        out.push(0);
    }
    out.extend_from_slice(bytes.get(first..).unwrap_or(&[0]));
    out
}

/// A DER INTEGER.
pub fn integer(value: u64) -> Vec<u8> {
    tlv(tag::INTEGER, &integer_content(value))
}

/// A DER OCTET STRING.
pub fn octet_string(bytes: &[u8]) -> Vec<u8> {
    tlv(tag::OCTET_STRING, bytes)
}

/// A DER SEQUENCE (or SEQUENCE OF) of already encoded elements.
pub fn sequence(elements: &[u8]) -> Vec<u8> {
    tlv(tag::SEQUENCE, elements)
}

/// A non-negative INTEGER's content octets as a u64.
pub fn unsigned(content: &[u8], what: &'static str) -> Result<u64, Asn1Error> {
    let negative = content.first().is_some_and(|byte| byte & 0x80 != 0);
    let significant = match content {
        [0, rest @ ..] if !rest.is_empty() => rest,
        other => other,
    };
    if content.is_empty() || negative || significant.len() > 8 {
        return Err(Asn1Error::BadInteger(what));
    }
    Ok(significant
        .iter()
        .fold(0u64, |value, byte| (value << 8) | u64::from(*byte)))
}

/// A small non-negative INTEGER or ENUMERATED value (roles, modes, codes).
pub fn small(content: &[u8], what: &'static str) -> Result<u8, Asn1Error> {
    u8::try_from(unsigned(content, what)?).map_err(|_| Asn1Error::Unsupported(what))
}

/// A cursor over DER elements that never panics on any input.
#[derive(Debug, Clone)]
pub struct DerReader<'a> {
    rest: &'a [u8],
}

impl<'a> DerReader<'a> {
    pub fn new(input: &'a [u8]) -> Self {
        Self { rest: input }
    }

    /// A reader over the content of the one element of tag `tag` that fills `input`.
    pub fn whole_element(input: &'a [u8], tag: u8, what: &'static str) -> Result<Self, Asn1Error> {
        let mut outer = Self::new(input);
        let content = outer.element(tag, what)?;
        outer.finish(what)?;
        Ok(Self::new(content))
    }

    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The tag of the next element.
    pub fn peek(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// Fails when bytes are left.
    pub fn finish(&self, what: &'static str) -> Result<(), Asn1Error> {
        match self.rest.len() {
            0 => Ok(()),
            count => Err(Asn1Error::TrailingBytes(count, what)),
        }
    }

    /// The next element, which must carry `tag`: (its content, the whole element).
    pub fn next(&mut self, tag: u8, what: &'static str) -> Result<(&'a [u8], &'a [u8]), Asn1Error> {
        let found = self.peek().ok_or(Asn1Error::Truncated(what))?;
        if found != tag {
            return Err(Asn1Error::UnexpectedTag {
                what,
                expected: tag,
                found,
            });
        }
        let first = *self.rest.get(1).ok_or(Asn1Error::Truncated(what))?;
        let (header, length) = match first {
            short if short < 0x80 => (2usize, usize::from(short)),
            0x81..=0x84 => {
                let count = usize::from(first & 0x7F);
                let octets = self
                    .rest
                    .get(2..2 + count)
                    .ok_or(Asn1Error::Truncated(what))?;
                let length = octets
                    .iter()
                    .fold(0usize, |length, byte| (length << 8) | usize::from(*byte));
                (2 + count, length)
            }
            _ => return Err(Asn1Error::BadLength(what)),
        };
        let end = header
            .checked_add(length)
            .ok_or(Asn1Error::BadLength(what))?;
        let whole = self.rest.get(..end).ok_or(Asn1Error::Truncated(what))?;
        let content = whole.get(header..).ok_or(Asn1Error::Truncated(what))?;
        self.rest = self.rest.get(end..).unwrap_or(&[]);
        Ok((content, whole))
    }

    /// The content of the next element, which must carry `tag`.
    pub fn element(&mut self, tag: u8, what: &'static str) -> Result<&'a [u8], Asn1Error> {
        self.next(tag, what).map(|(content, _)| content)
    }

    /// The next element with its tag and length, which must carry `tag`.
    pub fn whole(&mut self, tag: u8, what: &'static str) -> Result<&'a [u8], Asn1Error> {
        self.next(tag, what).map(|(_, whole)| whole)
    }

    /// The content of the next element if it carries `tag` (an OPTIONAL or DEFAULT field).
    pub fn optional(&mut self, tag: u8, what: &'static str) -> Result<Option<&'a [u8]>, Asn1Error> {
        match self.peek() {
            Some(found) if found == tag => self.element(tag, what).map(Some),
            _ => Ok(None),
        }
    }

    /// A reader over the content of the next element, which must carry `tag`.
    pub fn nested(&mut self, tag: u8, what: &'static str) -> Result<DerReader<'a>, Asn1Error> {
        self.element(tag, what).map(DerReader::new)
    }

    /// The next INTEGER as a u64.
    pub fn integer(&mut self, what: &'static str) -> Result<u64, Asn1Error> {
        unsigned(self.element(tag::INTEGER, what)?, what)
    }

    /// The next INTEGER, which must fit a byte (roles, modes, codes).
    pub fn small_integer(&mut self, what: &'static str) -> Result<u8, Asn1Error> {
        small(self.element(tag::INTEGER, what)?, what)
    }

    /// The next ENUMERATED, which must fit a byte.
    pub fn enumerated(&mut self, what: &'static str) -> Result<u8, Asn1Error> {
        small(self.element(tag::ENUMERATED, what)?, what)
    }

    /// The next OCTET STRING.
    pub fn octet_string(&mut self, what: &'static str) -> Result<&'a [u8], Asn1Error> {
        self.element(tag::OCTET_STRING, what)
    }

    /// The next OCTET STRING, which must hold exactly `N` octets (an EUI-64, a key id).
    pub fn octets<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], Asn1Error> {
        self.octet_string(what)?
            .try_into()
            .map_err(|_| Asn1Error::Unsupported(what))
    }

    /// The next GeneralizedTime as its text (`20300115000000Z`).
    pub fn generalized_time(&mut self, what: &'static str) -> Result<String, Asn1Error> {
        let content = self.element(tag::GENERALIZED_TIME, what)?;
        std::str::from_utf8(content)
            .map(str::to_owned)
            .map_err(|_| Asn1Error::Unsupported(what))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_minimal_and_non_negative() {
        assert_eq!(integer(0), [0x02, 0x01, 0x00]);
        assert_eq!(integer(0x80), [0x02, 0x02, 0x00, 0x80]);
        assert_eq!(integer(1000), [0x02, 0x02, 0x03, 0xE8]);
        let mut reader = DerReader::new(&[0x02, 0x02, 0x03, 0xE8]);
        assert_eq!(reader.integer("test").unwrap(), 1000);
        assert!(reader.is_empty());
        assert_eq!(
            unsigned(&[0xFF], "negative"),
            Err(Asn1Error::BadInteger("negative"))
        );
    }

    #[test]
    fn response_lengths_take_the_two_byte_form_from_0x80() {
        let content = vec![0u8; 0x9F];
        assert_eq!(response_tlv(0x30, &content)[..4], [0x30, 0x82, 0x00, 0x9F]);
        assert_eq!(tlv(0x30, &content)[..3], [0x30, 0x81, 0x9F]);
        assert_eq!(response_tlv(0x30, &[1, 2])[..2], [0x30, 0x02]);
    }

    #[test]
    fn the_reader_refuses_short_and_mistagged_input() {
        let mut reader = DerReader::new(&[0x30, 0x05, 0x02]);
        assert_eq!(
            reader.element(tag::SEQUENCE, "outer"),
            Err(Asn1Error::Truncated("outer"))
        );
        let mut reader = DerReader::new(&[0x04, 0x00]);
        assert_eq!(
            reader.integer("number"),
            Err(Asn1Error::UnexpectedTag {
                what: "number",
                expected: tag::INTEGER,
                found: tag::OCTET_STRING
            })
        );
        assert_eq!(
            DerReader::new(&[0x05, 0x00, 0x00]).optional(0x02, "x"),
            Ok(None)
        );
    }
}
