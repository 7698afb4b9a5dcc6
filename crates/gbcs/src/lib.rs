//! GBCS message layer: the envelope codec, the ECDH/KDF/AES-GCM/ECDSA cryptography, and use-case payloads.
#![forbid(unsafe_code)]

mod ber;
pub mod catalogue;
pub mod crypto;
pub mod envelope;
pub mod error;
pub mod gbz;
pub mod protection;
pub mod use_case;

pub use envelope::{
    split_mac_header, BlockTransfer, Cra, Envelope, GeneralBlock, GeneralSigning, GroupingHeader,
    MacProtectedBytes, MessageCode, OtherInformation, SignatureField, TransactionId,
};
pub use error::{CryptoError, DecodeError, ProtectionError};
