//! Typed errors of the codec, the cryptography and the protection layer.

/// Why a byte string is not a well-formed GBCS message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("message ends inside the {what}")]
    Truncated { what: &'static str },
    #[error("unsupported length encoding in the {what}")]
    BadLength { what: &'static str },
    #[error("unexpected byte {found:#04x} in the {what} (expected {expected:#04x})")]
    Unexpected {
        what: &'static str,
        expected: u8,
        found: u8,
    },
    #[error("unknown CRA flag {0:#04x} (expected 01 command, 02 response or 03 alert)")]
    UnknownCra(u8),
    #[error("unknown top-level form starting {0:#04x} {1:#04x}")]
    UnknownForm(u8, u8),
    #[error("other-information length {0} is not 2, 10, 18, 26 or more")]
    OtherInformationLength(usize),
    #[error("signature field length {0} is neither 0 nor 64")]
    SignatureLength(usize),
    #[error("{0} trailing bytes after the message")]
    TrailingBytes(usize),
    #[error("MAC header content length {0} is too short for security header and MAC")]
    MacHeaderTooShort(usize),
}

/// Why a key, certificate or cryptographic operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("not a P-256 private key: {0}")]
    PrivateKey(String),
    #[error("not a P-256 public key: {0}")]
    PublicKey(String),
    #[error("certificate could not be read: {0}")]
    Certificate(String),
    #[error("encrypted block is malformed (expected 31 00000000 ciphertext tag)")]
    MalformedEncryptedBlock,
    #[error("authentication tag does not verify")]
    TagMismatch,
    #[error("AES-GCM refused the input")]
    Cipher,
    #[error("ECDSA signing failed")]
    Signing,
}

/// Why a message failed protection checks (MAC, signature) or could not be protected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtectionError {
    #[error(transparent)]
    Decode(#[from] DecodeError),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error("the message has no MAC header but one is required")]
    MacMissing,
    #[error("the MAC does not verify")]
    MacInvalid,
    #[error("the message carries a MAC but no shared secret was given to check it")]
    SharedSecretMissing,
    #[error("the message is signed but no verifying key was given to check it")]
    VerifyingKeyMissing,
    #[error("a signature is required but the signature field is {0}")]
    SignatureMissing(&'static str),
    #[error("the signature does not verify")]
    SignatureInvalid,
    #[error("a pre-command must start with DF 09")]
    NotAPreCommand,
    #[error("General Block Transfer messages must be reassembled before verification")]
    BlockTransfer,
}
