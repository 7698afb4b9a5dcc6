//! GBCS message layer: the envelope codec, the ECDH/KDF/AES-GCM/ECDSA cryptography, and use-case payloads.
//!
//! - [`envelope`]: [`Envelope::parse`] / [`Envelope::encode`] for the three top-level forms
//!   (MAC header `DD 00`, bare general-signing `DF 09`, General Block Transfer `DD 09`),
//!   byte-exact in both directions.
//! - [`crypto`]: KA and DS keys, the shared secret Z and its caller-owned
//!   [`crypto::SharedSecretCache`], the GBCS KDF, GMAC, encrypted blocks and ECDSA.
//! - [`protection`]: what a DSP or a device stub calls: protect, sign and verify commands,
//!   responses and alerts; encrypt and find sensitive blocks.
//! - [`use_case`]: payload builders that reproduce the RTDS reference messages;
//!   [`credentials`]: the CS02 security credentials payloads; [`han`]: joins, unjoins and
//!   device logs (CS03, CS04, CS07, GCS59, CCS01–07); [`cin`]: ECS50/GCS36; [`asn1`]: DER
//!   building blocks;
//!   [`catalogue`]: every GBCS message code; [`alert`]: every GBCS alert code
//!   ([`alert::catalogue`]) and the alert payload codec; [`gbz`]: the GBZ payload codec;
//!   [`dlms`]: the DLMS payload codec (access-request/response, data-notification, A-XDR data);
//!   [`zcl`]: ZCL attribute values and general commands inside GBZ components;
//!   [`zcl_commands`]: the fields of every cluster-specific ZCL command in GBCS, as data (decode
//!   and re-encode any payload, both directions);
//!   [`zse`]: ZigBee Smart Energy Price, Calendar and Prepayment cluster commands, and the cluster
//!   and attribute ids and read requests of GBCS's GBZ commands;
//!   [`cosem_time`]: COSEM dates, times and date-times (with wildcards, GBCS "now" and "never");
//!   [`cosem`]: the COSEM classes, objects and request forms of GBCS's DLMS commands;
//!   [`firmware`]: the DER payloads of the firmware commands (CS06, CS08).
//! - [`gbt`]: General Block Transfer segmentation for the HAN and a [`gbt::Reassembler`].
//! - [`decode`]: the user-facing decoder: [`decode::describe`] with a [`decode::KeyRing`] built
//!   from key files gives the envelope, use case, MAC and signature verdicts, decrypted blocks
//!   and a readable payload tree.
//!
//! ```
//! use dcc_model::Eui64;
//! use gbcs::crypto::{KeyAgreementPrivateKey, SharedSecretCache};
//! use gbcs::protection::{protect_command, verify_command};
//! use gbcs::use_case::{command_apdu, ecs52};
//!
//! let supplier = Eui64::from_u64(0x90B3_D51F_3001_0000);
//! let esme = Eui64::from_u64(0x00DB_1234_5678_90A0);
//! let acb_ka = KeyAgreementPrivateKey::from_scalar(&[0x11; 32]).unwrap();
//! let esme_ka = KeyAgreementPrivateKey::from_scalar(&[0x22; 32]).unwrap();
//! let cache = SharedSecretCache::new();
//!
//! // DSP side: ACB KA × device KA, MAC with party U = the command's originator.
//! let z = cache.shared_secret(&acb_ka, esme_ka.public_key());
//! let apdu = command_apdu(ecs52::MESSAGE_CODE, 1000, supplier, esme, ecs52::command_payload(1000));
//! let bytes = protect_command(&apdu, &z);
//!
//! // Device side: device KA × ACB KA gives the same Z.
//! let z_device = cache.shared_secret(&esme_ka, acb_ka.public_key());
//! assert_eq!(verify_command(&bytes, &z_device, None).unwrap(), apdu);
//! ```
#![forbid(unsafe_code)]

pub mod alert;
pub mod asn1;
mod ber;
pub mod catalogue;
pub mod cin;
pub mod cosem;
pub mod cosem_time;
pub mod credentials;
pub mod crypto;
pub mod decode;
pub mod dlms;
pub mod envelope;
pub mod error;
pub mod firmware;
pub mod future_dated;
pub mod gbt;
pub mod gbz;
pub mod han;
pub mod protection;
pub mod set_time;
pub mod use_case;
pub mod utrn;
pub mod zcl;
pub mod zcl_commands;
pub mod zse;

pub use crypto::{
    KeyAgreementPrivateKey, KeyAgreementPublicKey, SharedSecret, SharedSecretCache, SigningKey,
    TransactionType, VerifyingKey,
};
pub use envelope::{
    split_mac_header, BlockTransfer, Cra, Envelope, GeneralBlock, GeneralSigning, GroupingHeader,
    MacProtectedBytes, MessageCode, OtherInformation, SignatureField, TransactionId,
};
pub use error::{CryptoError, DecodeError, ProtectionError, ReassemblyError, SegmentationError};
