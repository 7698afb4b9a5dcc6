//! A device's own key material: its key-agreement key (for MACs and encrypted blocks) and its
//! digital-signature key (for critical responses and alerts).

use std::collections::BTreeMap;

use dcc_model::Eui64;
use gbcs::crypto::{KeyAgreementPrivateKey, KeyAgreementPublicKey, SigningKey, VerifyingKey};
use gbcs::{SharedSecret, SharedSecretCache};
use sha2::{Digest, Sha256};

/// How a device computes the shared secret Z with a remote party.
#[derive(Debug, Clone)]
pub enum DeviceKeyAgreement {
    /// With its own KA private key, as a real device does.
    PrivateKey(KeyAgreementPrivateKey),
    /// Acting as a device whose KA private key is not published (the RTDS reference devices):
    /// Z is the same from either side of ECDH, so it is computed from the remote party's
    /// private key and the device's public key. Parties without a private key here cannot be
    /// answered.
    FromRemoteParties {
        public: KeyAgreementPublicKey,
        remote_private: BTreeMap<Eui64, KeyAgreementPrivateKey>,
        /// Suppliers' prepayment top-up KA private keys (UTRNs are keyed by them).
        prepayment_private: BTreeMap<Eui64, KeyAgreementPrivateKey>,
    },
}

impl DeviceKeyAgreement {
    /// The device's KA public key (what its KA certificate holds).
    pub fn public_key(&self) -> &KeyAgreementPublicKey {
        match self {
            Self::PrivateKey(key) => key.public_key(),
            Self::FromRemoteParties { public, .. } => public,
        }
    }

    /// Z with `party`, whose KA public key is `peer` (when the device knows it).
    pub fn shared_secret(
        &self,
        cache: &SharedSecretCache,
        party: Eui64,
        peer: Option<&KeyAgreementPublicKey>,
    ) -> Option<SharedSecret> {
        match self {
            Self::PrivateKey(own) => Some(cache.shared_secret(own, peer?)),
            Self::FromRemoteParties {
                public,
                remote_private,
                ..
            } => Some(cache.shared_secret(remote_private.get(&party)?, public)),
        }
    }

    /// Z with `supplier`'s prepayment top-up key `peer` (what a UTRN's MAC is keyed by).
    pub fn prepayment_shared_secret(
        &self,
        cache: &SharedSecretCache,
        supplier: Eui64,
        peer: &KeyAgreementPublicKey,
    ) -> Option<SharedSecret> {
        match self {
            Self::PrivateKey(own) => Some(cache.shared_secret(own, peer)),
            Self::FromRemoteParties {
                public,
                prepayment_private,
                ..
            } => Some(cache.shared_secret(prepayment_private.get(&supplier)?, public)),
        }
    }
}

/// A device's own keys, and the certificates of them it holds (what CS02e provides).
#[derive(Debug)]
pub struct DeviceKeys {
    pub key_agreement: DeviceKeyAgreement,
    pub digital_signature: SigningKey,
    /// The public key of the device's DS certificate, when it is not that of
    /// `digital_signature` (a device signing with a stand-in key).
    pub certified_signing_public: Option<VerifyingKey>,
    /// The device's DS certificate, when it holds one.
    pub digital_signature_certificate: Option<smki::Certificate>,
    /// The device's KA certificate, when it holds one.
    pub key_agreement_certificate: Option<smki::Certificate>,
}

impl DeviceKeys {
    /// The device's own keys, its DS certificate holding the public key of `digital_signature`.
    pub fn new(key_agreement: DeviceKeyAgreement, digital_signature: SigningKey) -> Self {
        Self {
            key_agreement,
            digital_signature,
            certified_signing_public: None,
            digital_signature_certificate: None,
            key_agreement_certificate: None,
        }
    }

    /// The same keys, holding these certificates of them.
    pub fn with_certificates(
        mut self,
        digital_signature: Option<smki::Certificate>,
        key_agreement: Option<smki::Certificate>,
    ) -> Self {
        self.digital_signature_certificate = digital_signature;
        self.key_agreement_certificate = key_agreement;
        self
    }

    /// The certificate the device holds for `usage`.
    pub fn certificate(&self, usage: smki::KeyUsage) -> Option<&smki::Certificate> {
        match usage {
            smki::KeyUsage::DigitalSignature => self.digital_signature_certificate.as_ref(),
            smki::KeyUsage::KeyAgreement => self.key_agreement_certificate.as_ref(),
        }
    }

    /// Keeps `certificate` as the device's certificate for `usage`.
    pub fn hold_certificate(&mut self, usage: smki::KeyUsage, certificate: smki::Certificate) {
        match usage {
            smki::KeyUsage::DigitalSignature => {
                self.digital_signature_certificate = Some(certificate)
            }
            smki::KeyUsage::KeyAgreement => self.key_agreement_certificate = Some(certificate),
        }
    }

    /// The public key the device signs with.
    pub fn signing_public(&self) -> VerifyingKey {
        self.digital_signature.verifying_key()
    }

    /// Whether the device holds the key of a certificate for `usage` with this public key
    /// (uncompressed SEC1).
    pub fn holds_public_key(&self, usage: smki::KeyUsage, sec1: &[u8]) -> bool {
        match usage {
            smki::KeyUsage::DigitalSignature => {
                self.signing_public().sec1_uncompressed() == sec1
                    || self
                        .certified_signing_public
                        .as_ref()
                        .is_some_and(|public| public.sec1_uncompressed() == sec1)
            }
            smki::KeyUsage::KeyAgreement => {
                self.key_agreement.public_key().sec1_uncompressed() == sec1
            }
        }
    }
}

/// The stand-in DS key of a device whose DS private key is not at hand (the RTDS reference
/// devices publish none): derived from the device id, so whoever checks a response knows the
/// public key to check it with ([`stand_in_signing_key`]`(device).verifying_key()`). It is not
/// the device's certified key; a signature made with it verifies only against this key.
pub fn stand_in_signing_key(device: Eui64) -> SigningKey {
    let mut counter = 0u64;
    loop {
        let scalar = derived_scalar(device, b"dccsim stand-in device DS key", counter);
        if let Ok(key) = SigningKey::from_scalar(&scalar) {
            return key;
        }
        // A hash outside the curve order (probability about 2^-32): try the next one.
        counter = counter.wrapping_add(1);
    }
}

/// A private scalar derived from a device id, a purpose and a number: deterministic keys for
/// devices that make keys (CS02c) and stand-in keys. Outside the curve order with probability
/// about 2^-32; the callers then fail or try the next number.
pub(crate) fn derived_scalar(device: Eui64, purpose: &[u8], number: u64) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(purpose);
    hash.update(device.as_bytes());
    hash.update(number.to_be_bytes());
    hash.finalize().into()
}
