//! Faults: where a device's requests fail, so that tests and scenarios can make it answer
//! with the errors a real device gives (a hardware fault reading a register, a tariff the
//! meter rejects, an unknown device on the HAN log).
//!
//! In a state file a fault is `{ on = "…", result = N }`, `on` being one of
//! - `get|set|action <class> <OBIS> <index>`, e.g. `set 9000 0-0:94.44.2.0 6`: that DLMS
//!   request fails with data-access or action result `N` (1 hardware fault, 250 other reason…);
//!   the requests after it in the same command are not executed (`other-reason`);
//! - `zcl <cluster> command <id>` or `zcl <cluster> attribute <id>` (hex numbers), e.g.
//!   `zcl 0705 command 0C`: that ZCL command, or the read or write of that attribute, fails
//!   with ZCL status `N`; `zcl <cluster> command <id> component <n>` only in the n-th
//!   component of a GBZ payload (a command that writes three debts failing at the third);
//! - `use-case <message code>` (hex), e.g. `use-case 000D`: an ASN.1 use case answers with
//!   result code `N`;
//! - `use-case <message code> role <role>`, e.g. `use-case 011B role 5`: a credentials
//!   details read (CS02a, CS02f) answers that remote-party role alone with status `N` (127,
//!   other), the other roles asked for as it would.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A DLMS request kind a fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestKind {
    Get,
    Set,
    Action,
}

/// Where a fault strikes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum FaultTarget {
    Cosem {
        kind: RequestKind,
        class_id: u16,
        obis: [u8; 6],
        index: u8,
    },
    ZclCommand {
        cluster: u16,
        command: u8,
        /// Only in this component of a GBZ payload (1 for the first).
        component: Option<u8>,
    },
    ZclAttribute {
        cluster: u16,
        attribute: u16,
    },
    UseCase {
        message_code: u16,
    },
    /// One role's answer in a credentials details read.
    RoleDetails {
        message_code: u16,
        role: u8,
    },
}

impl FaultTarget {
    /// Whether this target is ZCL command `command` of `cluster` in component `position` (1 for
    /// the first) of a GBZ payload.
    pub fn strikes_zcl_command(&self, on_cluster: u16, on_command: u8, position: usize) -> bool {
        match self {
            Self::ZclCommand {
                cluster,
                command,
                component,
            } => {
                *cluster == on_cluster
                    && *command == on_command
                    && component.is_none_or(|component| usize::from(component) == position)
            }
            _ => false,
        }
    }
}

/// One fault: the target and the result (DLMS result, ZCL status or ASN.1 response code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    pub on: FaultTarget,
    pub result: u8,
}

/// An OBIS code in `A-B:C.D.E.F` form.
pub fn obis_text(obis: [u8; 6]) -> String {
    let [a, b, c, d, e, f] = obis;
    format!("{a}-{b}:{c}.{d}.{e}.{f}")
}

/// Parses `A-B:C.D.E.F` (also `A.B.C.D.E.F`).
pub fn parse_obis(text: &str) -> Option<[u8; 6]> {
    let parts: Vec<u8> = text
        .split(['-', ':', '.'])
        .map(|part| part.parse().ok())
        .collect::<Option<_>>()?;
    parts.try_into().ok()
}

impl fmt::Display for FaultTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cosem {
                kind,
                class_id,
                obis,
                index,
            } => {
                let kind = match kind {
                    RequestKind::Get => "get",
                    RequestKind::Set => "set",
                    RequestKind::Action => "action",
                };
                write!(f, "{kind} {class_id} {} {index}", obis_text(*obis))
            }
            Self::ZclCommand {
                cluster,
                command,
                component: None,
            } => write!(f, "zcl {cluster:04X} command {command:02X}"),
            Self::ZclCommand {
                cluster,
                command,
                component: Some(component),
            } => write!(
                f,
                "zcl {cluster:04X} command {command:02X} component {component}"
            ),
            Self::ZclAttribute { cluster, attribute } => {
                write!(f, "zcl {cluster:04X} attribute {attribute:04X}")
            }
            Self::UseCase { message_code } => write!(f, "use-case {message_code:04X}"),
            Self::RoleDetails { message_code, role } => {
                write!(f, "use-case {message_code:04X} role {role}")
            }
        }
    }
}

impl From<FaultTarget> for String {
    fn from(target: FaultTarget) -> Self {
        target.to_string()
    }
}

impl TryFrom<String> for FaultTarget {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl std::str::FromStr for FaultTarget {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let bad = || {
            format!(
                "fault target {text:?}: expected `get|set|action <class> <OBIS> <index>`, \
                 `zcl <cluster> command|attribute <id>` or `use-case <message code> [role <role>]`"
            )
        };
        let hex16 = |word: &str| u16::from_str_radix(word.trim_start_matches("0x"), 16).ok();
        match words.as_slice() {
            [kind @ ("get" | "set" | "action"), class_id, obis, index] => Ok(Self::Cosem {
                kind: match *kind {
                    "get" => RequestKind::Get,
                    "set" => RequestKind::Set,
                    _ => RequestKind::Action,
                },
                class_id: class_id.parse().map_err(|_| bad())?,
                obis: parse_obis(obis).ok_or_else(bad)?,
                index: index.parse().map_err(|_| bad())?,
            }),
            ["zcl", cluster, "command", command, rest @ ..] => Ok(Self::ZclCommand {
                cluster: hex16(cluster).ok_or_else(bad)?,
                command: hex16(command)
                    .and_then(|id| u8::try_from(id).ok())
                    .ok_or_else(bad)?,
                component: match rest {
                    [] => None,
                    ["component", position] => Some(position.parse().map_err(|_| bad())?),
                    _ => return Err(bad()),
                },
            }),
            ["zcl", cluster, "attribute", attribute] => Ok(Self::ZclAttribute {
                cluster: hex16(cluster).ok_or_else(bad)?,
                attribute: hex16(attribute).ok_or_else(bad)?,
            }),
            ["use-case", code] => Ok(Self::UseCase {
                message_code: hex16(code).ok_or_else(bad)?,
            }),
            ["use-case", code, "role", role] => Ok(Self::RoleDetails {
                message_code: hex16(code).ok_or_else(bad)?,
                role: role.parse().map_err(|_| bad())?,
            }),
            _ => Err(bad()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_round_trip_through_text() {
        for text in [
            "set 9000 0-0:94.44.2.0 6",
            "zcl 0705 command 0C",
            "zcl 0705 command 02 component 3",
            "zcl 0702 attribute 0000",
            "use-case 000D",
            "use-case 011B role 5",
        ] {
            let target: FaultTarget = text.parse().unwrap();
            assert_eq!(target.to_string(), text);
        }
        assert!("get 1 0-0:1.2.3 2".parse::<FaultTarget>().is_err());
        assert!("break everything".parse::<FaultTarget>().is_err());
    }
}
