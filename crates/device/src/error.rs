//! Why a device refuses a command. A refused command changes nothing and gets no GBCS answer
//! (a real device drops it); whoever carries it reports the refusal by its [`RefusalKind`].

use dcc_model::{DeviceType, Eui64, RefusalKind};
use gbcs::{Cra, MessageCode};

/// Why a device refused a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeviceError {
    #[error("not a GBCS command: {0}")]
    Malformed(String),
    #[error("the message is a {0:?}, not a command")]
    NotACommand(Cra),
    #[error("the command is addressed to {recipient}, not to this device {device}")]
    WrongRecipient { recipient: Eui64, device: Eui64 },
    #[error("the command has no MAC header")]
    MacMissing,
    #[error("the command's MAC does not verify (ACB KA × device KA)")]
    MacInvalid,
    #[error("replayed command: counter {counter} from {originator} is not greater than {last_accepted}, the last one accepted")]
    Replayed {
        originator: Eui64,
        counter: u64,
        last_accepted: u64,
    },
    #[error("critical command {message_code} from {originator} carries no signature (signature field {found})")]
    SignatureMissing {
        originator: Eui64,
        message_code: MessageCode,
        found: &'static str,
    },
    #[error("critical command {message_code}: the signature does not verify against the {role} trust anchor of {originator}")]
    SignatureInvalid {
        originator: Eui64,
        role: &'static str,
        message_code: MessageCode,
    },
    #[error("critical command {message_code} from {originator}, which is not the device's trusted {allowed}")]
    UntrustedSigner {
        originator: Eui64,
        message_code: MessageCode,
        allowed: String,
    },
    #[error("unknown GBCS message code {0}")]
    UnknownMessageCode(MessageCode),
    #[error("{use_case} ({message_code}) is not a use case of a {device_type}")]
    UseCaseNotSupported {
        use_case: &'static str,
        message_code: MessageCode,
        device_type: DeviceType,
    },
    #[error(
        "no key-agreement key for remote party {0}, so the response cannot be protected for it"
    )]
    UnknownRemoteParty(Eui64),
    #[error("the response could not be signed: {0}")]
    Signing(String),
    #[error("{0} is not supported by the device")]
    NotSupported(String),
}

impl DeviceError {
    /// The kind of refusal: security, unsupported or malformed.
    pub fn kind(&self) -> RefusalKind {
        match self {
            Self::Malformed(_) | Self::NotACommand(_) | Self::WrongRecipient { .. } => {
                RefusalKind::Malformed
            }
            Self::MacMissing
            | Self::MacInvalid
            | Self::Replayed { .. }
            | Self::SignatureMissing { .. }
            | Self::SignatureInvalid { .. }
            | Self::UntrustedSigner { .. } => RefusalKind::Security,
            Self::UnknownMessageCode(_)
            | Self::UseCaseNotSupported { .. }
            | Self::UnknownRemoteParty(_)
            | Self::Signing(_)
            | Self::NotSupported(_) => RefusalKind::Unsupported,
        }
    }
}
