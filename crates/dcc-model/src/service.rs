use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

/// A value outside the closed set a DCC enumeration allows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind}: {value:?}")]
pub struct UnknownValue {
    pub kind: &'static str,
    pub value: String,
}

macro_rules! dcc_enum {
    ($(#[$meta:meta])* $name:ident, $kind:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name { $(#[serde(rename = $text)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(&self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                match value.trim() {
                    $($text => Ok($name::$variant),)+
                    other => Err(UnknownValue { kind: $kind, value: other.to_owned() }),
                }
            }
        }
    };
}

dcc_enum!(
    /// The DUIS user roles a DCC user may hold.
    UserRole, "user role" {
        ImportSupplier => "IS",
        ExportSupplier => "ES",
        GasSupplier => "GS",
        ElectricityDistributor => "ED",
        GasTransporter => "GT",
        RegisteredSupplierAgent => "RSA",
        OtherUser => "OU",
    }
);

dcc_enum!(
    /// Device types on the Home Area Network.
    DeviceType, "device type" {
        ElectricitySmartMeter => "ESME",
        GasSmartMeter => "GSME",
        CommunicationsHubFunction => "CHF",
        GasProxyFunction => "GPF",
        PrepaymentInterfaceDevice => "PPMID",
        HanConnectedAuxiliaryLoadControlSwitch => "HCALCS",
        InHomeDisplay => "IHD",
        ConsumerAccessDevice => "CAD",
    }
);

dcc_enum!(
    /// The Communications Service Provider regions.
    CspRegion, "CSP region" {
        North => "North",
        Central => "Central",
        South => "South",
    }
);

dcc_enum!(
    /// Device statuses in the Smart Metering Inventory.
    DeviceStatus, "device status" {
        Pending => "Pending",
        Whitelisted => "Whitelisted",
        InstalledNotCommissioned => "InstalledNotCommissioned",
        Commissioned => "Commissioned",
        Decommissioned => "Decommissioned",
        Withdrawn => "Withdrawn",
        Suspended => "Suspended",
        Recovery => "Recovery",
        Recovered => "Recovered",
    }
);

impl DeviceType {
    /// Whether the device's payloads are GBZ (gas) rather than DLMS (electricity, CHF).
    pub fn speaks_gbz(&self) -> bool {
        matches!(
            self,
            DeviceType::GasSmartMeter | DeviceType::GasProxyFunction
        )
    }
}

/// A DUIS Command Variant (1 to 8): what the DSP is asked to do with a service request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum CommandVariant {
    /// 1: send the command over the SM WAN.
    SendOverWan,
    /// 2: return a command for local delivery.
    LocalDelivery,
    /// 3: both (unsupported by DCC Boxed).
    SendOverWanAndLocalDelivery,
    /// 4: transform a critical service request into a pre-command.
    TransformToPreCommand,
    /// 5: send a signed pre-command over the SM WAN.
    SignedPreCommandOverWan,
    /// 6: return a signed pre-command for local delivery.
    SignedPreCommandLocalDelivery,
    /// 7: both (unsupported by DCC Boxed).
    SignedPreCommandOverWanAndLocalDelivery,
    /// 8: a non-device service request answered by the DCC.
    NonDevice,
}

impl CommandVariant {
    pub fn number(&self) -> u8 {
        match self {
            CommandVariant::SendOverWan => 1,
            CommandVariant::LocalDelivery => 2,
            CommandVariant::SendOverWanAndLocalDelivery => 3,
            CommandVariant::TransformToPreCommand => 4,
            CommandVariant::SignedPreCommandOverWan => 5,
            CommandVariant::SignedPreCommandLocalDelivery => 6,
            CommandVariant::SignedPreCommandOverWanAndLocalDelivery => 7,
            CommandVariant::NonDevice => 8,
        }
    }

    pub fn from_number(number: u8) -> Option<Self> {
        Some(match number {
            1 => CommandVariant::SendOverWan,
            2 => CommandVariant::LocalDelivery,
            3 => CommandVariant::SendOverWanAndLocalDelivery,
            4 => CommandVariant::TransformToPreCommand,
            5 => CommandVariant::SignedPreCommandOverWan,
            6 => CommandVariant::SignedPreCommandLocalDelivery,
            7 => CommandVariant::SignedPreCommandOverWanAndLocalDelivery,
            8 => CommandVariant::NonDevice,
            _ => return None,
        })
    }

    /// Whether the request body is a `SignedPreCommand` rather than a service request body.
    pub fn carries_signed_pre_command(&self) -> bool {
        matches!(self.number(), 5..=7)
    }
}

impl FromStr for CommandVariant {
    type Err = UnknownValue;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        value
            .trim()
            .parse::<u8>()
            .ok()
            .and_then(CommandVariant::from_number)
            .ok_or_else(|| UnknownValue {
                kind: "command variant",
                value: value.to_owned(),
            })
    }
}

impl fmt::Display for CommandVariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.number())
    }
}

/// A DUIS Service Reference Variant such as `4.1.1` or `8.2`: dot-separated numbers.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct ServiceReferenceVariant(String);

impl ServiceReferenceVariant {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The Service Reference: the variant without its last component when it has three
    /// (`4.1.1` → `4.1`), else the variant itself (`8.2` → `8.2`).
    pub fn service_reference(&self) -> &str {
        let dots = self.0.matches('.').count();
        if dots < 2 {
            return &self.0;
        }
        match self.0.rfind('.') {
            Some(index) => &self.0[..index],
            None => &self.0,
        }
    }
}

impl FromStr for ServiceReferenceVariant {
    type Err = UnknownValue;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let value = value.trim();
        let well_formed = !value.is_empty()
            && value.split('.').count() >= 2
            && value
                .split('.')
                .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()));
        if !well_formed {
            return Err(UnknownValue {
                kind: "service reference variant",
                value: value.to_owned(),
            });
        }
        Ok(Self(value.to_owned()))
    }
}

impl TryFrom<String> for ServiceReferenceVariant {
    type Error = UnknownValue;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<ServiceReferenceVariant> for String {
    fn from(value: ServiceReferenceVariant) -> Self {
        value.0
    }
}

impl fmt::Display for ServiceReferenceVariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A DUIS response code: `I0` success, `I99` acknowledgement, `E…` errors, `W…` warnings.
///
/// Error and warning numbers are kept as their digits, since six-digit service-specific
/// codes (`E050201`) keep their leading zero.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum ResponseCode {
    Success,
    Acknowledgement,
    Error(Cow<'static, str>),
    Warning(Cow<'static, str>),
}

impl ResponseCode {
    /// E1: invalid user or user role.
    pub const INVALID_USER: ResponseCode = ResponseCode::Error(Cow::Borrowed("1"));
    /// E2: the user's role may not use this service.
    pub const ROLE_NOT_PERMITTED: ResponseCode = ResponseCode::Error(Cow::Borrowed("2"));
    /// E3: the user's status does not allow the request (e.g. revoked certificate).
    pub const USER_STATUS: ResponseCode = ResponseCode::Error(Cow::Borrowed("3"));
    /// E4: the user is not authorised for this device.
    pub const USER_NOT_AUTHORISED_FOR_DEVICE: ResponseCode =
        ResponseCode::Error(Cow::Borrowed("4"));
    /// E5: the device's status does not allow the request.
    pub const DEVICE_STATUS: ResponseCode = ResponseCode::Error(Cow::Borrowed("5"));
    /// E11: the service is not valid for the device type.
    pub const SERVICE_NOT_VALID_FOR_DEVICE_TYPE: ResponseCode =
        ResponseCode::Error(Cow::Borrowed("11"));
    /// E12: the command variant is not valid for the request.
    pub const COMMAND_VARIANT_NOT_VALID: ResponseCode = ResponseCode::Error(Cow::Borrowed("12"));
    /// E13: the request type is not valid for the URL it was sent to.
    pub const REQUEST_TYPE_NOT_VALID_FOR_URL: ResponseCode =
        ResponseCode::Error(Cow::Borrowed("13"));
    /// E19: the device is unknown.
    pub const DEVICE_UNKNOWN: ResponseCode = ResponseCode::Error(Cow::Borrowed("19"));
    /// E20: the DCC cannot communicate with the device.
    pub const CANNOT_COMMUNICATE: ResponseCode = ResponseCode::Error(Cow::Borrowed("20"));
    /// E21: no response from the device.
    pub const NO_RESPONSE: ResponseCode = ResponseCode::Error(Cow::Borrowed("21"));

    pub fn is_error(&self) -> bool {
        matches!(self, ResponseCode::Error(_))
    }
}

impl fmt::Display for ResponseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResponseCode::Success => f.write_str("I0"),
            ResponseCode::Acknowledgement => f.write_str("I99"),
            ResponseCode::Error(digits) => write!(f, "E{digits}"),
            ResponseCode::Warning(digits) => write!(f, "W{digits}"),
        }
    }
}

impl FromStr for ResponseCode {
    type Err = UnknownValue;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let value = value.trim();
        let unknown = || UnknownValue {
            kind: "response code",
            value: value.to_owned(),
        };
        let Some(prefix) = value.chars().next() else {
            return Err(unknown());
        };
        let digits = &value[prefix.len_utf8()..];
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(unknown());
        }
        match (prefix, digits) {
            ('I', "0") => Ok(ResponseCode::Success),
            ('I', "99") => Ok(ResponseCode::Acknowledgement),
            ('E', _) => Ok(ResponseCode::Error(Cow::Owned(digits.to_owned()))),
            ('W', _) => Ok(ResponseCode::Warning(Cow::Owned(digits.to_owned()))),
            _ => Err(unknown()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip_their_duis_spelling() {
        for role in UserRole::ALL {
            assert_eq!(role.as_str().parse::<UserRole>().unwrap(), *role);
        }
        for device in DeviceType::ALL {
            assert_eq!(device.as_str().parse::<DeviceType>().unwrap(), *device);
        }
        assert!("XX".parse::<UserRole>().is_err());
    }

    #[test]
    fn service_reference_of_variant() {
        let srv: ServiceReferenceVariant = "4.1.1".parse().unwrap();
        assert_eq!(srv.service_reference(), "4.1");
        let srv: ServiceReferenceVariant = "8.2".parse().unwrap();
        assert_eq!(srv.service_reference(), "8.2");
        assert!("4..1".parse::<ServiceReferenceVariant>().is_err());
        assert!("".parse::<ServiceReferenceVariant>().is_err());
    }

    #[test]
    fn response_codes_round_trip() {
        for text in ["I0", "I99", "E19", "E050201", "W4"] {
            let code: ResponseCode = text.parse().unwrap();
            assert_eq!(code.to_string(), text);
        }
        assert!("I5".parse::<ResponseCode>().is_err());
        assert!("X1".parse::<ResponseCode>().is_err());
        assert!("".parse::<ResponseCode>().is_err());
    }

    #[test]
    fn command_variant_numbers() {
        for n in 1..=8 {
            assert_eq!(CommandVariant::from_number(n).unwrap().number(), n);
        }
        assert!("9".parse::<CommandVariant>().is_err());
    }
}
