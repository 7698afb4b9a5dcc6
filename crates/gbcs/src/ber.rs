//! BER-style length octets and a bounds-checked reader over untrusted bytes.

use crate::error::DecodeError;

/// Appends a BER length: `00..7F` as one byte, else `81 LL`, `82 LL LL`, `83 …`, `84 …`.
pub(crate) fn write_length(out: &mut Vec<u8>, length: usize) {
    if length < 0x80 {
        out.push(length as u8);
        return;
    }
    let bytes = (length as u64).to_be_bytes();
    let first_significant = bytes.iter().position(|b| *b != 0).unwrap_or(7);
    let significant = &bytes[first_significant..];
    out.push(0x80 | significant.len() as u8);
    out.extend_from_slice(significant);
}

/// A cursor over untrusted input that never panics: every read is checked.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    input: &'a [u8],
    position: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(input: &'a [u8]) -> Self {
        Self { input, position: 0 }
    }

    pub(crate) fn remaining(&self) -> usize {
        self.input.len().saturating_sub(self.position)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.input.get(self.position).copied()
    }

    pub(crate) fn byte(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        let value = self.peek().ok_or(DecodeError::Truncated { what })?;
        self.position += 1;
        Ok(value)
    }

    pub(crate) fn bytes(
        &mut self,
        count: usize,
        what: &'static str,
    ) -> Result<&'a [u8], DecodeError> {
        let end = self
            .position
            .checked_add(count)
            .ok_or(DecodeError::Truncated { what })?;
        let slice = self
            .input
            .get(self.position..end)
            .ok_or(DecodeError::Truncated { what })?;
        self.position = end;
        Ok(slice)
    }

    pub(crate) fn array<const N: usize>(
        &mut self,
        what: &'static str,
    ) -> Result<[u8; N], DecodeError> {
        let slice = self.bytes(N, what)?;
        let mut array = [0u8; N];
        array.copy_from_slice(slice);
        Ok(array)
    }

    pub(crate) fn u16(&mut self, what: &'static str) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array(what)?))
    }

    pub(crate) fn u64(&mut self, what: &'static str) -> Result<u64, DecodeError> {
        Ok(u64::from_be_bytes(self.array(what)?))
    }

    /// Reads a BER length (short form, or `81`..`84` long form).
    pub(crate) fn length(&mut self, what: &'static str) -> Result<usize, DecodeError> {
        let first = self.byte(what)?;
        if first < 0x80 {
            return Ok(usize::from(first));
        }
        let count = usize::from(first & 0x7F);
        if count == 0 || count > 4 {
            return Err(DecodeError::BadLength { what });
        }
        let mut length = 0usize;
        for byte in self.bytes(count, what)? {
            length = (length << 8) | usize::from(*byte);
        }
        Ok(length)
    }

    /// Reads a BER length and then that many bytes.
    pub(crate) fn length_prefixed(&mut self, what: &'static str) -> Result<&'a [u8], DecodeError> {
        let length = self.length(what)?;
        self.bytes(length, what)
    }

    pub(crate) fn expect(&mut self, expected: u8, what: &'static str) -> Result<(), DecodeError> {
        let found = self.byte(what)?;
        if found != expected {
            return Err(DecodeError::Unexpected {
                what,
                expected,
                found,
            });
        }
        Ok(())
    }

    pub(crate) fn rest(&mut self) -> &'a [u8] {
        let rest = self.input.get(self.position..).unwrap_or(&[]);
        self.position = self.input.len();
        rest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_round_trip() {
        for length in [0usize, 1, 0x7F, 0x80, 0xFF, 0x100, 0x1234, 0xFFFF, 0x10000] {
            let mut out = Vec::new();
            write_length(&mut out, length);
            let mut reader = Reader::new(&out);
            assert_eq!(reader.length("test").unwrap(), length);
            assert!(reader.is_empty());
        }
    }

    #[test]
    fn long_forms_are_as_gbcs_writes_them() {
        let mut out = Vec::new();
        write_length(&mut out, 0x95);
        assert_eq!(out, [0x81, 0x95]);
        out.clear();
        write_length(&mut out, 0x04F4);
        assert_eq!(out, [0x82, 0x04, 0xF4]);
    }
}
