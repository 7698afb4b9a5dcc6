use std::fmt;
use std::str::FromStr;

/// An 8-byte identity: a device's EUI-64 or a remote party's (user's) id.
///
/// Displayed the DUIS way (`90-B3-D5-1F-30-01-00-00`); parsed from that form, from
/// 16 hex digits, or from hex separated by `:`.
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct Eui64([u8; 8]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an EUI-64 (expected 8 hex octets such as 00-DB-12-34-56-78-90-A0): {input:?}")]
pub struct ParseEui64Error {
    input: String,
}

impl Eui64 {
    pub const fn new(bytes: [u8; 8]) -> Self {
        Self(bytes)
    }

    pub const fn from_u64(value: u64) -> Self {
        Self(value.to_be_bytes())
    }

    pub const fn as_u64(&self) -> u64 {
        u64::from_be_bytes(self.0)
    }

    pub const fn octets(&self) -> [u8; 8] {
        self.0
    }

    pub fn as_bytes(&self) -> &[u8; 8] {
        &self.0
    }

    /// 16 uppercase hex digits with no separators, as GBCS tools print ids.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02X}")).collect()
    }

    /// 16 lowercase hex digits, as key store file names use.
    pub fn to_hex_lower(&self) -> String {
        self.to_hex().to_ascii_lowercase()
    }
}

impl fmt::Display for Eui64 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        write!(
            f,
            "{:02X}-{:02X}-{:02X}-{:02X}-{:02X}-{:02X}-{:02X}-{:02X}",
            b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]
        )
    }
}

impl fmt::Debug for Eui64 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Eui64({self})")
    }
}

impl FromStr for Eui64 {
    type Err = ParseEui64Error;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let error = || ParseEui64Error {
            input: input.to_owned(),
        };
        let digits: String = input
            .trim()
            .chars()
            .filter(|c| *c != '-' && *c != ':')
            .collect();
        if digits.len() != 16 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(error());
        }
        let value = u64::from_str_radix(&digits, 16).map_err(|_| error())?;
        Ok(Self::from_u64(value))
    }
}

impl TryFrom<String> for Eui64 {
    type Error = ParseEui64Error;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<Eui64> for String {
    fn from(value: Eui64) -> Self {
        value.to_string()
    }
}

impl From<[u8; 8]> for Eui64 {
    fn from(bytes: [u8; 8]) -> Self {
        Self(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_duis_and_plain_forms() {
        let duis: Eui64 = "00-DB-12-34-56-78-90-A0".parse().unwrap();
        let plain: Eui64 = "00db1234567890a0".parse().unwrap();
        assert_eq!(duis, plain);
        assert_eq!(duis.to_string(), "00-DB-12-34-56-78-90-A0");
        assert_eq!(duis.to_hex(), "00DB1234567890A0");
    }

    #[test]
    fn refuses_short_and_non_hex() {
        assert!("00-DB-12".parse::<Eui64>().is_err());
        assert!("zz-DB-12-34-56-78-90-A0".parse::<Eui64>().is_err());
        assert!("+0DB1234567890A0".parse::<Eui64>().is_err());
    }

    proptest! {
        #[test]
        fn display_round_trips(value in any::<u64>()) {
            let eui = Eui64::from_u64(value);
            prop_assert_eq!(eui.to_string().parse::<Eui64>().unwrap(), eui);
            prop_assert_eq!(eui.to_hex().parse::<Eui64>().unwrap(), eui);
        }
    }
}
