//! GBCS cryptography: static ECDH, the concatenation KDF, AES-128-GCM with 12-byte tags, and ECDSA.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aes::Aes128;
use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{AesGcm, Nonce, Tag};
use dcc_model::Eui64;
use der::Decode;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::{DecodePrivateKey, DecodePublicKey};
use ring::signature::{self as ring_signature, KeyPair};
use sha2::{Digest, Sha256};

use crate::envelope::{MAC_LENGTH, SIGNATURE_LENGTH};
use crate::error::CryptoError;

/// AES-128-GCM with a 12-byte IV and a 12-byte tag, as GBCS uses it.
type GbcsGcm = AesGcm<Aes128, U12, U12>;

/// A 16-byte AES-128 key produced by the KDF.
pub type DerivedKey = [u8; 16];

/// Prefix of the additional authenticated data of a MAC: security control `11` and a zero counter.
const MAC_AAD_PREFIX: [u8; 6] = [0x11, 0, 0, 0, 0, 0];
/// Security header preceding an encrypted block: `31` then a zero invocation counter.
const ENCRYPTED_BLOCK_HEADER: [u8; 5] = [0x31, 0, 0, 0, 0];
/// Fixed start of the KDF OtherInfo: algorithm id (`60 85 74 06 08 03 00`).
const KDF_ALGORITHM_ID: [u8; 7] = [0x60, 0x85, 0x74, 0x06, 0x08, 0x03, 0x00];

/// A DER document found in PEM text, by its label. Lenient about line lengths and whitespace.
fn pem_document(pem: &[u8]) -> Result<(String, Vec<u8>), String> {
    use base64::Engine;
    let text = std::str::from_utf8(pem).map_err(|_| "PEM is not UTF-8".to_owned())?;
    let after_begin = text.split_once("-----BEGIN ").ok_or("no PEM BEGIN line")?.1;
    let (label, rest) = after_begin
        .split_once("-----")
        .ok_or("malformed PEM BEGIN line")?;
    let end_line = format!("-----END {label}-----");
    let body = rest
        .split_once(end_line.as_str())
        .ok_or("no matching PEM END line")?
        .0;
    let base64_text: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    let der_bytes = base64::engine::general_purpose::STANDARD
        .decode(base64_text)
        .map_err(|error| format!("PEM body is not Base64: {error}"))?;
    Ok((label.to_owned(), der_bytes))
}

fn is_pem(bytes: &[u8]) -> bool {
    bytes.trim_ascii_start().starts_with(b"-----BEGIN")
}

/// The subject public key bytes (a SEC1 point) of an X.509 certificate in DER.
fn certificate_public_key(der_bytes: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let certificate = x509_cert::Certificate::from_der(der_bytes)
        .map_err(|error| CryptoError::Certificate(error.to_string()))?;
    let key = &certificate
        .tbs_certificate
        .subject_public_key_info
        .subject_public_key;
    Ok(key.raw_bytes().to_vec())
}

/// A P-256 public key read from SEC1 bytes, SubjectPublicKeyInfo DER, certificate DER, or PEM of either.
fn parse_public_key(bytes: &[u8]) -> Result<p256::PublicKey, CryptoError> {
    let invalid = |error: String| CryptoError::PublicKey(error);
    if is_pem(bytes) {
        let (label, der_bytes) = pem_document(bytes).map_err(invalid)?;
        return match label.as_str() {
            "CERTIFICATE" => parse_public_key_sec1(&certificate_public_key(&der_bytes)?),
            "PUBLIC KEY" => {
                p256::PublicKey::from_public_key_der(&der_bytes).map_err(|e| invalid(e.to_string()))
            }
            other => Err(invalid(format!("unexpected PEM label {other}"))),
        };
    }
    if matches!(bytes.first(), Some(0x02..=0x04)) {
        return parse_public_key_sec1(bytes);
    }
    if let Ok(key) = p256::PublicKey::from_public_key_der(bytes) {
        return Ok(key);
    }
    parse_public_key_sec1(&certificate_public_key(bytes)?)
}

fn parse_public_key_sec1(bytes: &[u8]) -> Result<p256::PublicKey, CryptoError> {
    p256::PublicKey::from_sec1_bytes(bytes)
        .map_err(|error| CryptoError::PublicKey(error.to_string()))
}

/// A P-256 private key read from PKCS#8 DER or PEM.
fn parse_private_key(bytes: &[u8]) -> Result<p256::SecretKey, CryptoError> {
    let invalid = |error: String| CryptoError::PrivateKey(error);
    if is_pem(bytes) {
        let (label, der_bytes) = pem_document(bytes).map_err(invalid)?;
        return match label.as_str() {
            "PRIVATE KEY" => {
                p256::SecretKey::from_pkcs8_der(&der_bytes).map_err(|e| invalid(e.to_string()))
            }
            "EC PRIVATE KEY" => {
                p256::SecretKey::from_sec1_der(&der_bytes).map_err(|e| invalid(e.to_string()))
            }
            other => Err(invalid(format!("unexpected PEM label {other}"))),
        };
    }
    p256::SecretKey::from_pkcs8_der(bytes).map_err(|error| invalid(error.to_string()))
}

fn uncompressed_point(key: &p256::PublicKey) -> [u8; 65] {
    let point = key.to_encoded_point(false);
    let mut out = [0u8; 65];
    if point.as_bytes().len() == 65 {
        out.copy_from_slice(point.as_bytes());
    }
    out
}

/// A key-agreement (KA) private key: a device's or a remote party's static ECDH key.
#[derive(Clone)]
pub struct KeyAgreementPrivateKey {
    secret: p256::SecretKey,
    public: KeyAgreementPublicKey,
}

impl std::fmt::Debug for KeyAgreementPrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyAgreementPrivateKey")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl KeyAgreementPrivateKey {
    fn from_secret(secret: p256::SecretKey) -> Self {
        let public = KeyAgreementPublicKey::from_p256(secret.public_key());
        Self { secret, public }
    }

    /// From PKCS#8 DER, or PEM (`PRIVATE KEY` or `EC PRIVATE KEY`).
    pub fn from_pkcs8(bytes: &[u8]) -> Result<Self, CryptoError> {
        Ok(Self::from_secret(parse_private_key(bytes)?))
    }

    /// From the raw 32-byte big-endian scalar.
    pub fn from_scalar(scalar: &[u8; 32]) -> Result<Self, CryptoError> {
        let secret = p256::SecretKey::from_slice(scalar)
            .map_err(|error| CryptoError::PrivateKey(error.to_string()))?;
        Ok(Self::from_secret(secret))
    }

    /// The matching public key (computed once, at construction).
    pub fn public_key(&self) -> &KeyAgreementPublicKey {
        &self.public
    }

    /// The raw 32-byte scalar.
    pub fn scalar(&self) -> [u8; 32] {
        self.secret.to_bytes().into()
    }

    /// Static ECDH with a peer's public key: Z, the x-coordinate of d·Q.
    pub fn agree(&self, peer: &KeyAgreementPublicKey) -> SharedSecret {
        let shared =
            p256::ecdh::diffie_hellman(self.secret.to_nonzero_scalar(), peer.key.as_affine());
        let mut z = [0u8; 32];
        z.copy_from_slice(&shared.raw_secret_bytes()[..]);
        SharedSecret(z)
    }
}

/// A key-agreement (KA) public key, usually from a device's or remote party's KA certificate.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyAgreementPublicKey {
    key: p256::PublicKey,
    point: [u8; 65],
}

impl std::fmt::Debug for KeyAgreementPublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hex: String = self.point.iter().map(|b| format!("{b:02X}")).collect();
        write!(f, "KeyAgreementPublicKey({hex})")
    }
}

impl KeyAgreementPublicKey {
    fn from_p256(key: p256::PublicKey) -> Self {
        let point = uncompressed_point(&key);
        Self { key, point }
    }

    /// From a SEC1 point (uncompressed `04 x y` or compressed).
    pub fn from_sec1(bytes: &[u8]) -> Result<Self, CryptoError> {
        Ok(Self::from_p256(parse_public_key_sec1(bytes)?))
    }

    /// From SubjectPublicKeyInfo DER.
    pub fn from_spki_der(bytes: &[u8]) -> Result<Self, CryptoError> {
        let key = p256::PublicKey::from_public_key_der(bytes)
            .map_err(|e| CryptoError::PublicKey(e.to_string()))?;
        Ok(Self::from_p256(key))
    }

    /// From an X.509 certificate in DER.
    pub fn from_certificate_der(bytes: &[u8]) -> Result<Self, CryptoError> {
        Self::from_sec1(&certificate_public_key(bytes)?)
    }

    /// From any of: PEM certificate, PEM public key, certificate DER, SPKI DER, SEC1 point.
    pub fn from_any(bytes: &[u8]) -> Result<Self, CryptoError> {
        Ok(Self::from_p256(parse_public_key(bytes)?))
    }

    /// The uncompressed SEC1 point `04 x y`.
    pub fn sec1_uncompressed(&self) -> [u8; 65] {
        self.point
    }
}

/// The ECDH shared secret Z (32 bytes) between two KA keys.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SharedSecret([u8; 32]);

impl std::fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedSecret(..)")
    }
}

impl SharedSecret {
    /// Computes Z = x(d_own · Q_peer).
    pub fn compute(own: &KeyAgreementPrivateKey, peer: &KeyAgreementPublicKey) -> Self {
        own.agree(peer)
    }

    /// A shared secret known in advance (e.g. a test vector).
    pub fn from_bytes(z: [u8; 32]) -> Self {
        Self(z)
    }

    /// The 32 bytes of Z.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// The cache's key: own public key and peer public key, both as uncompressed points.
type KeyPairPoints = ([u8; 65], [u8; 65]);

/// A cache of shared secrets per (own key, peer key) pair, owned by its caller.
///
/// Cloning is cheap and clones share the same cache; it is safe to use from many threads.
#[derive(Clone, Default)]
pub struct SharedSecretCache {
    secrets: Arc<Mutex<HashMap<KeyPairPoints, SharedSecret>>>,
}

impl std::fmt::Debug for SharedSecretCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SharedSecretCache({} entries)", self.len())
    }
}

impl SharedSecretCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Z for the pair, computed on first use and reused afterwards.
    pub fn shared_secret(
        &self,
        own: &KeyAgreementPrivateKey,
        peer: &KeyAgreementPublicKey,
    ) -> SharedSecret {
        let key = (own.public.point, peer.point);
        if let Some(secret) = self.lock().get(&key) {
            return *secret;
        }
        let secret = own.agree(peer);
        self.lock().insert(key, secret);
        secret
    }

    /// How many pairs are cached.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether nothing is cached yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<KeyPairPoints, SharedSecret>> {
        self.secrets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The transaction type byte of the KDF: what the derived key protects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum TransactionType {
    /// MAC of a command (`01`).
    Command = 1,
    /// MAC of a response (`02`).
    Response = 2,
    /// MAC of a non-critical alert (`03`).
    Alert = 3,
    /// Encryption of sensitive payload data (`04`).
    PayloadEncryption = 4,
}

/// The SP 800-56A concatenation KDF of GBCS (one SHA-256 round, first 16 bytes).
///
/// OtherInfo = `60 85 74 06 08 03 00 ‖ party U ‖ 09 ‖ T ‖ counter ‖ party V`.
pub fn derive_key(
    z: &SharedSecret,
    party_u: Eui64,
    transaction_type: TransactionType,
    counter: u64,
    party_v: Eui64,
) -> DerivedKey {
    let mut hasher = Sha256::new();
    hasher.update([0, 0, 0, 1]);
    hasher.update(z.0);
    hasher.update(KDF_ALGORITHM_ID);
    hasher.update(party_u.as_bytes());
    hasher.update([9, transaction_type as u8]);
    hasher.update(counter.to_be_bytes());
    hasher.update(party_v.as_bytes());
    let digest = hasher.finalize();
    let mut key = [0u8; 16];
    key.copy_from_slice(&digest[..16]);
    key
}

fn initialisation_vector(party_u: Eui64) -> Nonce<U12> {
    let mut iv = [0u8; 12];
    iv[..8].copy_from_slice(party_u.as_bytes());
    Nonce::<U12>::from(iv)
}

/// AES-128-GCM with a 12-byte tag: encrypts `buffer` in place and returns the tag.
pub fn gcm_encrypt(
    key: &DerivedKey,
    iv: &[u8; 12],
    aad: &[u8],
    buffer: &mut [u8],
) -> Result<[u8; 12], CryptoError> {
    let cipher = GbcsGcm::new(key.into());
    let tag = cipher
        .encrypt_in_place_detached(&Nonce::<U12>::from(*iv), aad, buffer)
        .map_err(|_| CryptoError::Cipher)?;
    let mut out = [0u8; 12];
    out.copy_from_slice(&tag[..]);
    Ok(out)
}

/// AES-128-GCM with a 12-byte tag: checks the tag and decrypts `buffer` in place.
pub fn gcm_decrypt(
    key: &DerivedKey,
    iv: &[u8; 12],
    aad: &[u8],
    buffer: &mut [u8],
    tag: &[u8; 12],
) -> Result<(), CryptoError> {
    let cipher = GbcsGcm::new(key.into());
    cipher
        .decrypt_in_place_detached(
            &Nonce::<U12>::from(*iv),
            aad,
            buffer,
            &Tag::<U12>::from(*tag),
        )
        .map_err(|_| CryptoError::TagMismatch)
}

/// The GBCS MAC of a general-signing APDU: GMAC with AAD `11 00 00 00 00 00 ‖ apdu`.
pub fn compute_mac(key: &DerivedKey, party_u: Eui64, apdu: &[u8]) -> [u8; MAC_LENGTH] {
    let mut aad = Vec::with_capacity(MAC_AAD_PREFIX.len() + apdu.len());
    aad.extend_from_slice(&MAC_AAD_PREFIX);
    aad.extend_from_slice(apdu);
    let cipher = GbcsGcm::new(key.into());
    let tag = cipher.encrypt_in_place_detached(&initialisation_vector(party_u), &aad, &mut []);
    let mut mac = [0u8; MAC_LENGTH];
    if let Ok(tag) = tag {
        mac.copy_from_slice(&tag[..]);
    }
    mac
}

/// The full 16-byte GMAC tag of `message` with AAD `11 00 00 00 00 00 ‖ message` and the
/// GBCS initialisation vector (what a UTRN's MAC is cut from: its last four bytes).
pub fn full_length_mac(key: &DerivedKey, party_u: Eui64, message: &[u8]) -> [u8; 16] {
    let mut aad = Vec::with_capacity(MAC_AAD_PREFIX.len() + message.len());
    aad.extend_from_slice(&MAC_AAD_PREFIX);
    aad.extend_from_slice(message);
    let cipher = aes_gcm::Aes128Gcm::new(key.into());
    let mut mac = [0u8; 16];
    if let Ok(tag) =
        cipher.encrypt_in_place_detached(&initialisation_vector(party_u), &aad, &mut [])
    {
        mac.copy_from_slice(&tag[..]);
    }
    mac
}

/// Whether `mac` is the GBCS MAC of `apdu` (compared in constant time).
pub fn verify_mac(key: &DerivedKey, party_u: Eui64, apdu: &[u8], mac: &[u8; MAC_LENGTH]) -> bool {
    let expected = compute_mac(key, party_u, apdu);
    expected
        .iter()
        .zip(mac.iter())
        .fold(0u8, |difference, (a, b)| difference | (a ^ b))
        == 0
}

/// Encrypts sensitive data into the GBCS form `31 00000000 ‖ ciphertext ‖ tag(12)`.
pub fn encrypt_block(key: &DerivedKey, party_u: Eui64, plaintext: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(ENCRYPTED_BLOCK_HEADER.len() + plaintext.len() + 12);
    out.extend_from_slice(&ENCRYPTED_BLOCK_HEADER);
    let mut buffer = plaintext.to_vec();
    let cipher = GbcsGcm::new(key.into());
    let tag = cipher
        .encrypt_in_place_detached(
            &initialisation_vector(party_u),
            &ENCRYPTED_BLOCK_HEADER[..1],
            &mut buffer,
        )
        .map(|tag| tag.to_vec())
        .unwrap_or_default();
    out.extend_from_slice(&buffer);
    out.extend_from_slice(&tag);
    out
}

/// Decrypts a `31 00000000 ‖ ciphertext ‖ tag(12)` block after checking its tag.
pub fn decrypt_block(
    key: &DerivedKey,
    party_u: Eui64,
    block: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let body = block
        .strip_prefix(&ENCRYPTED_BLOCK_HEADER[..])
        .ok_or(CryptoError::MalformedEncryptedBlock)?;
    let ciphertext_length = body
        .len()
        .checked_sub(12)
        .ok_or(CryptoError::MalformedEncryptedBlock)?;
    let (ciphertext, tag) = body.split_at(ciphertext_length);
    let tag: [u8; 12] = tag
        .try_into()
        .map_err(|_| CryptoError::MalformedEncryptedBlock)?;
    let mut buffer = ciphertext.to_vec();
    let cipher = GbcsGcm::new(key.into());
    cipher
        .decrypt_in_place_detached(
            &initialisation_vector(party_u),
            &ENCRYPTED_BLOCK_HEADER[..1],
            &mut buffer,
            &Tag::<U12>::from(tag),
        )
        .map_err(|_| CryptoError::TagMismatch)?;
    Ok(buffer)
}

/// An ECDSA P-256 digital-signing (DS) private key.
pub struct SigningKey {
    pair: ring_signature::EcdsaKeyPair,
    deterministic: p256::ecdsa::SigningKey,
    random: ring::rand::SystemRandom,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("verifying_key", &self.verifying_key())
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// From PKCS#8 DER or PEM; the public key need not be inside.
    pub fn from_pkcs8(bytes: &[u8]) -> Result<Self, CryptoError> {
        Self::from_secret(parse_private_key(bytes)?)
    }

    /// From the raw 32-byte big-endian scalar.
    pub fn from_scalar(scalar: &[u8; 32]) -> Result<Self, CryptoError> {
        let secret = p256::SecretKey::from_slice(scalar)
            .map_err(|error| CryptoError::PrivateKey(error.to_string()))?;
        Self::from_secret(secret)
    }

    fn from_secret(secret: p256::SecretKey) -> Result<Self, CryptoError> {
        let random = ring::rand::SystemRandom::new();
        let public = uncompressed_point(&secret.public_key());
        let pair = ring_signature::EcdsaKeyPair::from_private_key_and_public_key(
            &ring_signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &secret.to_bytes()[..],
            &public,
            &random,
        )
        .map_err(|error| CryptoError::PrivateKey(error.to_string()))?;
        let deterministic = p256::ecdsa::SigningKey::from(&secret);
        Ok(Self {
            pair,
            deterministic,
            random,
        })
    }

    /// The matching verifying key.
    pub fn verifying_key(&self) -> VerifyingKey {
        let mut point = [0u8; 65];
        if self.pair.public_key().as_ref().len() == 65 {
            point.copy_from_slice(self.pair.public_key().as_ref());
        }
        VerifyingKey { point }
    }

    /// Signs with ring (random nonce): ECDSA P-256/SHA-256, `r‖s`.
    pub fn sign(&self, message: &[u8]) -> Result<[u8; SIGNATURE_LENGTH], CryptoError> {
        let signature = self
            .pair
            .sign(&self.random, message)
            .map_err(|_| CryptoError::Signing)?;
        let mut out = [0u8; SIGNATURE_LENGTH];
        if signature.as_ref().len() != SIGNATURE_LENGTH {
            return Err(CryptoError::Signing);
        }
        out.copy_from_slice(signature.as_ref());
        Ok(out)
    }

    /// Signs with an RFC 6979 deterministic nonce (slower; for reproducible output).
    pub fn sign_deterministic(&self, message: &[u8]) -> [u8; SIGNATURE_LENGTH] {
        use p256::ecdsa::signature::Signer;
        let signature: p256::ecdsa::Signature = self.deterministic.sign(message);
        let mut out = [0u8; SIGNATURE_LENGTH];
        out.copy_from_slice(&signature.to_bytes());
        out
    }
}

/// An ECDSA P-256 digital-signing (DS) public key, usually from a DS certificate.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct VerifyingKey {
    point: [u8; 65],
}

impl std::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hex: String = self.point.iter().map(|b| format!("{b:02X}")).collect();
        write!(f, "VerifyingKey({hex})")
    }
}

impl VerifyingKey {
    /// From a SEC1 point.
    pub fn from_sec1(bytes: &[u8]) -> Result<Self, CryptoError> {
        Ok(Self {
            point: uncompressed_point(&parse_public_key_sec1(bytes)?),
        })
    }

    /// From any of: PEM certificate, PEM public key, certificate DER, SPKI DER, SEC1 point.
    pub fn from_any(bytes: &[u8]) -> Result<Self, CryptoError> {
        Ok(Self {
            point: uncompressed_point(&parse_public_key(bytes)?),
        })
    }

    /// The uncompressed SEC1 point `04 x y`.
    pub fn sec1_uncompressed(&self) -> [u8; 65] {
        self.point
    }

    /// Whether `signature` (`r‖s`) is a valid ECDSA P-256/SHA-256 signature of `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8; SIGNATURE_LENGTH]) -> bool {
        ring_signature::UnparsedPublicKey::new(
            &ring_signature::ECDSA_P256_SHA256_FIXED,
            &self.point,
        )
        .verify(message, signature)
        .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nist_gcm_example_with_truncated_tag() {
        let key: DerivedKey = hex::decode("FEFFE9928665731C6D6A8F9467308308")
            .unwrap()
            .try_into()
            .unwrap();
        let iv: [u8; 12] = hex::decode("CAFEBABEFACEDBADDECAF888")
            .unwrap()
            .try_into()
            .unwrap();
        let aad = hex::decode("3AD77BB40D7A3660A89ECAF32466EF97F5D3D585").unwrap();
        let mut buffer = hex::decode(
            "D9313225F88406E5A55909C5AFF5269A86A7A9531534F7DA2E4C303D8A318A721C3C0C95956809532FCF0E2449A6B525B16AEDF5AA0DE657BA637B39",
        )
        .unwrap();
        let tag = gcm_encrypt(&key, &iv, &aad, &mut buffer).unwrap();
        assert_eq!(hex::encode_upper(tag), "F07C2528EEA2FCA1211F905E");
        gcm_decrypt(&key, &iv, &aad, &mut buffer, &tag).unwrap();
        assert!(hex::encode_upper(&buffer).starts_with("D9313225"));
    }

    #[test]
    fn encrypted_block_round_trips_and_detects_tampering() {
        let key = [7u8; 16];
        let party = Eui64::from_u64(0x00DB_1234_5678_90A0);
        let block = encrypt_block(&key, party, b"sensitive");
        assert_eq!(&block[..5], &ENCRYPTED_BLOCK_HEADER);
        assert_eq!(decrypt_block(&key, party, &block).unwrap(), b"sensitive");
        let mut tampered = block.clone();
        tampered[6] ^= 1;
        assert_eq!(
            decrypt_block(&key, party, &tampered),
            Err(CryptoError::TagMismatch)
        );
        assert_eq!(
            decrypt_block(&key, party, &block[..10]),
            Err(CryptoError::MalformedEncryptedBlock)
        );
    }

    #[test]
    fn signing_key_signs_what_its_verifying_key_accepts() {
        let key = SigningKey::from_scalar(&[0x11; 32]).unwrap();
        let verifying = key.verifying_key();
        let signature = key.sign(b"message").unwrap();
        assert!(verifying.verify(b"message", &signature));
        assert!(!verifying.verify(b"massage", &signature));
        let deterministic = key.sign_deterministic(b"message");
        assert_eq!(deterministic, key.sign_deterministic(b"message"));
        assert!(verifying.verify(b"message", &deterministic));
    }

    #[test]
    fn cache_computes_each_pair_once() {
        let own = KeyAgreementPrivateKey::from_scalar(&[0x22; 32]).unwrap();
        let peer = KeyAgreementPrivateKey::from_scalar(&[0x33; 32]).unwrap();
        let cache = SharedSecretCache::new();
        let first = cache.shared_secret(&own, peer.public_key());
        let clone = cache.clone();
        assert_eq!(clone.shared_secret(&own, peer.public_key()), first);
        assert_eq!(cache.len(), 1);
        assert_eq!(first, SharedSecret::compute(&peer, own.public_key()));
    }
}
