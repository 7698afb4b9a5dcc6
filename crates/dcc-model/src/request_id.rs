use std::fmt;
use std::str::FromStr;

use crate::Eui64;

/// A DUIS RequestID: `<originator>:<target>:<counter>`.
///
/// The counter is the GBCS transaction counter the DSP puts in the command it builds, and
/// must increase per originator.
#[derive(Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RequestId {
    pub originator: Eui64,
    pub target: Eui64,
    pub counter: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a DUIS RequestID (expected <originator EUI>:<target EUI>:<counter>): {input:?}")]
pub struct ParseRequestIdError {
    input: String,
}

impl RequestId {
    pub fn new(originator: Eui64, target: Eui64, counter: u64) -> Self {
        Self {
            originator,
            target,
            counter,
        }
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.originator, self.target, self.counter)
    }
}

impl fmt::Debug for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RequestId({self})")
    }
}

impl FromStr for RequestId {
    type Err = ParseRequestIdError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let error = || ParseRequestIdError {
            input: input.to_owned(),
        };
        let mut parts = input.trim().split(':');
        let (Some(originator), Some(target), Some(counter), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(error());
        };
        if counter.is_empty() || !counter.chars().all(|c| c.is_ascii_digit()) {
            return Err(error());
        }
        Ok(Self {
            originator: originator.parse().map_err(|_| error())?,
            target: target.parse().map_err(|_| error())?,
            counter: counter.parse().map_err(|_| error())?,
        })
    }
}

impl TryFrom<String> for RequestId {
    type Error = ParseRequestIdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<RequestId> for String {
    fn from(value: RequestId) -> Self {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_rtds_request_id() {
        let id: RequestId = "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1000"
            .parse()
            .unwrap();
        assert_eq!(id.counter, 1000);
        assert_eq!(id.target.to_hex(), "00DB1234567890A0");
    }

    #[test]
    fn refuses_malformed() {
        for bad in [
            "",
            "a:b:c",
            "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0",
            "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:-1",
            "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1:2",
        ] {
            assert!(bad.parse::<RequestId>().is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn display_round_trips(o in any::<u64>(), t in any::<u64>(), c in any::<u64>()) {
            let id = RequestId::new(Eui64::from_u64(o), Eui64::from_u64(t), c);
            prop_assert_eq!(id.to_string().parse::<RequestId>().unwrap(), id);
        }
    }
}
