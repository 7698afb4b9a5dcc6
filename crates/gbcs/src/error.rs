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
    #[error("unknown A-XDR data tag {0:#04x}")]
    UnknownDataTag(u8),
    #[error("arrays and structures nested too deeply")]
    TooDeep,
    #[error("unknown DLMS access-request specification {0:#04x}")]
    UnknownRequestKind(u8),
    #[error("unknown DLMS APDU tag {0:#04x} (expected D9, DA or 0F)")]
    UnknownDlmsTag(u8),
    #[error("unknown ZCL data type {0:#04x}")]
    UnknownZclDataType(u8),
    #[error("ZCL general command {0:#04x} is not one dccsim reads")]
    UnknownZclCommand(u8),
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

/// Why a message could not be split into General Block Transfer blocks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SegmentationError {
    #[error(transparent)]
    Decode(#[from] DecodeError),
    #[error("the message is already a General Block Transfer message")]
    AlreadySegmented,
    #[error("a message limit of {0} bytes leaves no room for block data")]
    LimitTooSmall(usize),
    #[error("the message would need {0} blocks, more than 65,535")]
    TooManyBlocks(usize),
}

/// Why General Block Transfer blocks could not be reassembled (yet).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReassemblyError {
    #[error(transparent)]
    Decode(#[from] DecodeError),
    #[error("the block belongs to another message (its routing header differs)")]
    OtherMessage,
    #[error("block number 0 is not allowed (blocks are numbered from 1)")]
    BlockNumberZero,
    #[error("block {0} arrived twice with different data")]
    ConflictingBlock(u16),
    #[error("blocks {0} and {1} are both marked last")]
    TwoLastBlocks(u16, u16),
    #[error("block {number} comes after the last block {last}")]
    BeyondLastBlock { number: u16, last: u16 },
    #[error("blocks missing: {missing:?}{}", if *last_block_known { "" } else { " (and the last block has not arrived)" })]
    Incomplete {
        missing: Vec<u16>,
        last_block_known: bool,
    },
}
