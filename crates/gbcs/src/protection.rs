//! The typed protection layer: MAC, sign and verify GBCS commands, responses and alerts, and
//! encrypt or decrypt their sensitive blocks.
//!
//! Every MAC key is derived with party U = the message's originator, party V = its recipient
//! and the transaction type taken from the CRA flag (commands `01`, responses `02`, alerts `03`).
//! For commands the shared secret is ACB KA × device KA even when a supplier is the originator;
//! for responses and alerts it is device KA × recipient KA.

use dcc_model::Eui64;

use crate::crypto::{
    compute_mac, decrypt_block, derive_key, encrypt_block, verify_mac, DerivedKey, SharedSecret,
    SigningKey, TransactionType, VerifyingKey,
};
use crate::envelope::{
    encode_mac_header, split_mac_header, Cra, GeneralSigning, GroupingHeader, SignatureField,
    GENERAL_CIPHERING_TAG, GENERAL_SIGNING_TAG, SIGNATURE_LENGTH,
};
use crate::error::{CryptoError, ProtectionError};

/// The KDF transaction type that protects a message with this CRA flag.
pub fn mac_transaction_type(cra: Cra) -> TransactionType {
    match cra {
        Cra::Command => TransactionType::Command,
        Cra::Response => TransactionType::Response,
        Cra::Alert => TransactionType::Alert,
    }
}

/// The MAC key of a message: party U = originator, party V = recipient, T from the CRA flag.
pub fn mac_key(z: &SharedSecret, header: &GroupingHeader) -> DerivedKey {
    derive_key(
        z,
        header.originator,
        mac_transaction_type(header.transaction.cra),
        header.transaction.counter,
        header.recipient,
    )
}

/// Wraps an APDU in a MAC header with its MAC. An absent signature field is written as null.
fn protect_with_mac(apdu: &GeneralSigning, z: &SharedSecret) -> Vec<u8> {
    let apdu = if apdu.signature == SignatureField::Absent {
        apdu.clone().with_signature(SignatureField::Null)
    } else {
        apdu.clone()
    };
    let bytes = apdu.encode();
    let mac = compute_mac(&mac_key(z, &apdu.header), apdu.header.originator, &bytes);
    encode_mac_header(&bytes, &mac)
}

/// Protects a command: MAC header keyed by ACB KA × device KA (T = 01).
///
/// A critical command carries its signature already (see [`sign_pre_command`]); a
/// non-critical one has a null (or absent, written as null) signature field.
pub fn protect_command(apdu: &GeneralSigning, acb_device_secret: &SharedSecret) -> Vec<u8> {
    protect_with_mac(apdu, acb_device_secret)
}

/// Signs a pre-command (`DF 09 …` without signature field) and returns `r‖s`.
pub fn sign_pre_command(
    pre_command: &[u8],
    key: &SigningKey,
) -> Result<[u8; SIGNATURE_LENGTH], ProtectionError> {
    let region = pre_command_signed_region(pre_command)?;
    Ok(key.sign(region)?)
}

/// The bytes a pre-command's signature covers: everything after the `DF`.
pub fn pre_command_signed_region(pre_command: &[u8]) -> Result<&[u8], ProtectionError> {
    match pre_command {
        [GENERAL_SIGNING_TAG, 9, ..] => Ok(&pre_command[1..]),
        _ => Err(ProtectionError::NotAPreCommand),
    }
}

/// Checks a received command: its MAC must verify; if `signer_key` is given, a signature
/// must be present and verify against it.
pub fn verify_command(
    bytes: &[u8],
    acb_device_secret: &SharedSecret,
    signer_key: Option<&VerifyingKey>,
) -> Result<GeneralSigning, ProtectionError> {
    if !bytes.starts_with(&[GENERAL_CIPHERING_TAG, 0]) {
        return Err(ProtectionError::MacMissing);
    }
    let apdu = verify_mac_protected(bytes, acb_device_secret)?;
    if let Some(key) = signer_key {
        verify_signature(&apdu, key)?;
    }
    Ok(apdu)
}

/// Protects a non-critical response or alert: MAC header keyed by device KA × recipient KA
/// (T = 02 for a response, 03 for an alert; party U = the device, the originator).
pub fn protect_response_with_mac(
    apdu: &GeneralSigning,
    device_recipient_secret: &SharedSecret,
) -> Vec<u8> {
    protect_with_mac(apdu, device_recipient_secret)
}

/// Signs a critical response or alert with the device's DS key: a bare `DF …` APDU.
pub fn sign_response(apdu: &GeneralSigning, key: &SigningKey) -> Result<Vec<u8>, ProtectionError> {
    let signature = key.sign(&apdu.signed_region())?;
    Ok(apdu
        .clone()
        .with_signature(SignatureField::Present(signature))
        .encode())
}

/// Like [`sign_response`], with an RFC 6979 deterministic nonce (reproducible bytes).
pub fn sign_response_deterministic(apdu: &GeneralSigning, key: &SigningKey) -> Vec<u8> {
    let signature = key.sign_deterministic(&apdu.signed_region());
    apdu.clone()
        .with_signature(SignatureField::Present(signature))
        .encode()
}

/// Checks a received response or alert.
///
/// A MAC-header message needs `secret` (device KA × recipient KA) and its MAC must verify;
/// a bare message must carry a signature that verifies against `device_key`. A MAC-header
/// message that also carries a signature has it checked when `device_key` is given.
pub fn verify_response(
    bytes: &[u8],
    secret: Option<&SharedSecret>,
    device_key: Option<&VerifyingKey>,
) -> Result<GeneralSigning, ProtectionError> {
    match bytes {
        [GENERAL_CIPHERING_TAG, 0, ..] => {
            let secret = secret.ok_or(ProtectionError::SharedSecretMissing)?;
            let apdu = verify_mac_protected(bytes, secret)?;
            if let (Some(key), SignatureField::Present(_)) = (device_key, &apdu.signature) {
                verify_signature(&apdu, key)?;
            }
            Ok(apdu)
        }
        [GENERAL_CIPHERING_TAG, ..] => Err(ProtectionError::BlockTransfer),
        _ => {
            let apdu = GeneralSigning::parse(bytes)?;
            let key = device_key.ok_or(ProtectionError::VerifyingKeyMissing)?;
            verify_signature(&apdu, key)?;
            Ok(apdu)
        }
    }
}

/// Parses a MAC-header message and checks its MAC over the APDU bytes as received.
pub fn verify_mac_protected(
    bytes: &[u8],
    z: &SharedSecret,
) -> Result<GeneralSigning, ProtectionError> {
    let parts = split_mac_header(bytes)?;
    let apdu = GeneralSigning::parse(parts.apdu)?;
    let key = mac_key(z, &apdu.header);
    if !verify_mac(&key, apdu.header.originator, parts.apdu, &parts.mac) {
        return Err(ProtectionError::MacInvalid);
    }
    Ok(apdu)
}

/// Checks that the APDU carries a signature and that it verifies over the signed region.
pub fn verify_signature(apdu: &GeneralSigning, key: &VerifyingKey) -> Result<(), ProtectionError> {
    let SignatureField::Present(signature) = &apdu.signature else {
        return Err(ProtectionError::SignatureMissing(apdu.signature.kind()));
    };
    if !key.verify(&apdu.signed_region(), signature) {
        return Err(ProtectionError::SignatureInvalid);
    }
    Ok(())
}

/// Who encrypts for whom, and under which counter, in a response or alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EncryptionParameters {
    /// The device (party U): the response's originator.
    pub device: Eui64,
    /// The party the data is for (party V): the supplementary remote party if present, else the recipient.
    pub party: Eui64,
    /// The supplementary originator counter if present, else the transaction counter.
    pub counter: u64,
}

impl EncryptionParameters {
    /// The parameters GBCS takes from a response's or alert's grouping header.
    pub fn from_header(header: &GroupingHeader) -> Self {
        let info = &header.other_information;
        Self {
            device: header.originator,
            party: info
                .supplementary_remote_party_id
                .unwrap_or(header.recipient),
            counter: info
                .supplementary_originator_counter
                .unwrap_or(header.transaction.counter),
        }
    }

    /// The encryption key (T = 04).
    pub fn key(&self, z: &SharedSecret) -> DerivedKey {
        derive_key(
            z,
            self.device,
            TransactionType::PayloadEncryption,
            self.counter,
            self.party,
        )
    }
}

/// Encrypts sensitive data for `party` (T = 04, party U = device): `31 00000000 ‖ ct ‖ tag`.
///
/// `z` is device KA × party KA.
pub fn encrypt_sensitive_block(
    z: &SharedSecret,
    device: Eui64,
    party: Eui64,
    counter: u64,
    plaintext: &[u8],
) -> Vec<u8> {
    let key = EncryptionParameters {
        device,
        party,
        counter,
    }
    .key(z);
    encrypt_block(&key, device, plaintext)
}

/// Decrypts a sensitive block made by [`encrypt_sensitive_block`], checking its tag.
pub fn decrypt_sensitive_block(
    z: &SharedSecret,
    device: Eui64,
    party: Eui64,
    counter: u64,
    block: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let key = EncryptionParameters {
        device,
        party,
        counter,
    }
    .key(z);
    decrypt_block(&key, device, block)
}

/// The encrypted blocks (`31 00000000 ‖ ct ‖ tag`) inside a command or response payload.
///
/// GBZ payloads are decoded and their encrypted components returned; otherwise the payload
/// is scanned for DLMS octet strings that hold an encrypted block (the protected attributes
/// of DLMS Data Protection). A GBZ alert's components (GCS53) are searched as a GBZ payload's.
pub fn find_encrypted_blocks(payload: &[u8]) -> Vec<&[u8]> {
    let gbz = crate::gbz::GbzPayload::parse(payload).ok().or_else(|| {
        crate::alert::gbz_alert_components(payload)
            .map(|components| crate::gbz::GbzPayload { components })
    });
    if let Some(gbz) = gbz {
        if gbz.encrypted_blocks().next().is_some() {
            return encrypted_component_slices(payload, &gbz);
        }
    }
    find_dlms_encrypted_octet_strings(payload)
}

/// Slices of `payload` holding the encrypted component blocks of `gbz`, in order.
fn encrypted_component_slices<'a>(
    payload: &'a [u8],
    gbz: &crate::gbz::GbzPayload,
) -> Vec<&'a [u8]> {
    let mut slices = Vec::new();
    let mut from = 0;
    for block in gbz.encrypted_blocks() {
        let Some(offset) = payload
            .get(from..)
            .and_then(|rest| find_subslice(rest, block))
        else {
            continue;
        };
        let start = from + offset;
        if let Some(slice) = payload.get(start..start + block.len()) {
            slices.push(slice);
        }
        from = start + block.len();
    }
    slices
}

fn find_subslice(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// DLMS octet strings (`09 <BER length> 31 00 00 00 00 …`) whose content fits the payload.
fn find_dlms_encrypted_octet_strings(payload: &[u8]) -> Vec<&[u8]> {
    let mut blocks = Vec::new();
    let mut index = 0;
    while index < payload.len() {
        match dlms_encrypted_octet_string_at(payload, index) {
            Some((start, end)) => {
                if let Some(block) = payload.get(start..end) {
                    blocks.push(block);
                }
                index = end;
            }
            None => index += 1,
        }
    }
    blocks
}

/// If an octet string holding an encrypted block starts at `index`, its content's range.
fn dlms_encrypted_octet_string_at(payload: &[u8], index: usize) -> Option<(usize, usize)> {
    if payload.get(index) != Some(&0x09) {
        return None;
    }
    let mut reader = crate::ber::Reader::new(payload.get(index + 1..)?);
    let length = reader.length("octet string length").ok()?;
    let start = index + 1 + (payload.len() - index - 1 - reader.remaining());
    let end = start.checked_add(length)?;
    let content = payload.get(start..end)?;
    let minimum = 5 + 12;
    (content.len() >= minimum && content.starts_with(&[0x31, 0, 0, 0, 0])).then_some((start, end))
}
