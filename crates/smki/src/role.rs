//! Remote-party roles and key usages as SMKI certificates carry them.

use std::fmt;

/// The remote-party role an SMKI organisation certificate carries in its `OU`, written there as
/// two hex digits (`02` for a supplier); the SMKI repository writes it in decimal (`2`, `135`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RemotePartyRole(pub u8);

impl RemotePartyRole {
    /// The root of the SMKI hierarchy (repository role `0`).
    pub const ROOT: Self = Self(0x00);
    /// Recovery (`01`).
    pub const RECOVERY: Self = Self(0x01);
    /// Supplier (`02`).
    pub const SUPPLIER: Self = Self(0x02);
    /// Network operator (`03`).
    pub const NETWORK_OPERATOR: Self = Self(0x03);
    /// Access Control Broker, the DCC (`04`).
    pub const ACCESS_CONTROL_BROKER: Self = Self(0x04);
    /// Transitional change of supplier (`05`).
    pub const TRANSITIONAL_CHANGE_OF_SUPPLIER: Self = Self(0x05);
    /// WAN provider, a CSP (`06`).
    pub const WAN_PROVIDER: Self = Self(0x06);
    /// Issuing authority, the role of the organisation CA (`07`).
    pub const ISSUING_AUTHORITY: Self = Self(0x07);
    /// Load controller (`08`).
    pub const LOAD_CONTROLLER: Self = Self(0x08);
    /// Other user (`7F`).
    pub const OTHER_USER: Self = Self(0x7F);
    /// A DCC user's DUIS XML signing certificate (`87`).
    pub const XML_SIGNING: Self = Self(0x87);
    /// The DSP's DUIS XML signing certificate (`89`).
    pub const DSP_XML_SIGNING: Self = Self(0x89);

    /// The role byte.
    pub const fn code(&self) -> u8 {
        self.0
    }

    /// Two uppercase hex digits, as the certificate's `OU` holds the role.
    pub fn to_hex(&self) -> String {
        format!("{:02X}", self.0)
    }

    /// Parses the two hex digits of a certificate's `OU`.
    pub fn from_hex(text: &str) -> Option<Self> {
        if text.len() != 2 {
            return None;
        }
        u8::from_str_radix(text, 16).ok().map(Self)
    }

    /// Whether this role only signs DUIS XML (`87`, `89`).
    pub fn is_xml_signing(&self) -> bool {
        *self == Self::XML_SIGNING || *self == Self::DSP_XML_SIGNING
    }

    /// The role's name in DCC terms, or `None` for a code DCC does not define.
    pub fn name(&self) -> Option<&'static str> {
        Some(match *self {
            Self::ROOT => "root",
            Self::RECOVERY => "recovery",
            Self::SUPPLIER => "supplier",
            Self::NETWORK_OPERATOR => "network operator",
            Self::ACCESS_CONTROL_BROKER => "access control broker",
            Self::TRANSITIONAL_CHANGE_OF_SUPPLIER => "transitional change of supplier",
            Self::WAN_PROVIDER => "WAN provider",
            Self::ISSUING_AUTHORITY => "issuing authority",
            Self::LOAD_CONTROLLER => "load controller",
            Self::OTHER_USER => "other user",
            Self::XML_SIGNING => "XML signing",
            Self::DSP_XML_SIGNING => "DSP XML signing",
            _ => return None,
        })
    }
}

impl fmt::Debug for RemotePartyRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "RemotePartyRole({:02X} {name})", self.0),
            None => write!(f, "RemotePartyRole({:02X})", self.0),
        }
    }
}

impl fmt::Display for RemotePartyRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02X}", self.0)
    }
}

/// What an SMKI end-entity key is for: each party has one certificate of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyUsage {
    /// ECDSA signing (keyUsage `digitalSignature`); the repository writes `DS`.
    DigitalSignature,
    /// Static ECDH (keyUsage `keyAgreement`); the repository writes `KA`.
    KeyAgreement,
}

impl KeyUsage {
    /// `DS` or `KA`, as the SMKI repository and key store file names write it.
    pub fn code(&self) -> &'static str {
        match self {
            Self::DigitalSignature => "DS",
            Self::KeyAgreement => "KA",
        }
    }

    /// Parses `DS` or `KA` (any case).
    pub fn from_code(code: &str) -> Option<Self> {
        match code.trim().to_ascii_uppercase().as_str() {
            "DS" => Some(Self::DigitalSignature),
            "KA" => Some(Self::KeyAgreement),
            _ => None,
        }
    }

    /// `digitalSignature` or `keyAgreement`, as DCC Boxed's `keystore.json` names them.
    pub fn keystore_name(&self) -> &'static str {
        match self {
            Self::DigitalSignature => "digitalSignature",
            Self::KeyAgreement => "keyAgreement",
        }
    }

    /// `ds` or `ka`, the suffix of key store file names.
    pub fn file_suffix(&self) -> &'static str {
        match self {
            Self::DigitalSignature => "ds",
            Self::KeyAgreement => "ka",
        }
    }
}

impl fmt::Display for KeyUsage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}
