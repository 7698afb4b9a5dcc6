//! A certificate with, when known, its private key.

use p256::pkcs8::DecodePrivateKey;

use crate::certificate::{pem_block, pem_encode, Certificate, IdentityKind};

/// Why bytes are not a P-256 private key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrivateKeyError {
    /// Neither a `PRIVATE KEY` PEM block nor PKCS#8 DER.
    #[error("not a PKCS#8 private key: {0}")]
    NotPkcs8(String),
    /// The private key does not belong to the certificate's public key.
    #[error("the private key does not match the certificate")]
    Mismatch,
}

/// A party's certificate and, for the parties dccsim plays, its private key.
#[derive(Clone, PartialEq, Eq)]
pub struct Identity {
    /// A name for people: `keystore.json`'s (`Z1-supplier-ds`) or the key store file stem (`90b3d51f30010000-ds`).
    pub name: String,
    /// The certificate.
    pub certificate: Certificate,
    /// The private key as PKCS#8 DER, when known.
    pub private_key_pkcs8_der: Option<Vec<u8>>,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("name", &self.name)
            .field("certificate", &self.certificate)
            .field("has_private_key", &self.private_key_pkcs8_der.is_some())
            .finish()
    }
}

impl Identity {
    /// An identity from a certificate and an optional PKCS#8 key, checking that they match.
    pub fn new(
        name: impl Into<String>,
        certificate: Certificate,
        private_key_pkcs8_der: Option<Vec<u8>>,
    ) -> Result<Self, PrivateKeyError> {
        if let Some(key) = &private_key_pkcs8_der {
            if public_point_of(key)? != certificate.public_key_sec1() {
                return Err(PrivateKeyError::Mismatch);
            }
        }
        Ok(Self {
            name: name.into(),
            certificate,
            private_key_pkcs8_der,
        })
    }

    /// Which kind of SMKI party this is.
    pub fn kind(&self) -> Option<IdentityKind> {
        self.certificate.kind()
    }

    /// The private key as `-----BEGIN PRIVATE KEY-----` PEM, when known.
    pub fn private_key_pem(&self) -> Option<String> {
        self.private_key_pkcs8_der
            .as_ref()
            .map(|der| pem_encode("PRIVATE KEY", der))
    }

    /// The 32-byte private scalar, big-endian, when known (for ring or RustCrypto ECDH/ECDSA).
    pub fn private_scalar(&self) -> Option<[u8; 32]> {
        let der = self.private_key_pkcs8_der.as_ref()?;
        let secret = p256::SecretKey::from_pkcs8_der(der).ok()?;
        Some(secret.to_bytes().into())
    }
}

/// A PKCS#8 DER private key as `-----BEGIN PRIVATE KEY-----` PEM.
pub fn private_key_pem(pkcs8_der: &[u8]) -> String {
    pem_encode("PRIVATE KEY", pkcs8_der)
}

/// PKCS#8 DER from a `PRIVATE KEY` PEM block, or the bytes themselves if they are DER.
pub fn private_key_der_from_pem_or_der(bytes: &[u8]) -> Result<Vec<u8>, PrivateKeyError> {
    let der = if bytes.first() == Some(&0x30) {
        bytes.to_vec()
    } else {
        let text = std::str::from_utf8(bytes)
            .map_err(|_| PrivateKeyError::NotPkcs8("not UTF-8".to_owned()))?;
        pem_block(text, "PRIVATE KEY").map_err(PrivateKeyError::NotPkcs8)?
    };
    public_point_of(&der)?;
    Ok(der)
}

/// The uncompressed public point of a PKCS#8 P-256 key.
fn public_point_of(pkcs8_der: &[u8]) -> Result<[u8; 65], PrivateKeyError> {
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    let secret = p256::SecretKey::from_pkcs8_der(pkcs8_der)
        .map_err(|error| PrivateKeyError::NotPkcs8(error.to_string()))?;
    let point = secret.public_key().to_encoded_point(false);
    point
        .as_bytes()
        .try_into()
        .map_err(|_| PrivateKeyError::NotPkcs8("not an uncompressed point".to_owned()))
}
