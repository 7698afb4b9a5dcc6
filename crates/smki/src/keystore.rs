//! Loaders for DCC's published test identities: DCC Boxed's `keystore.json` and the RTDS
//! key store folder.

use std::collections::BTreeMap;

use crate::certificate::{Certificate, CertificateError};
use crate::identity::{private_key_der_from_pem_or_der, Identity, PrivateKeyError};

/// Why a key store did not load.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeystoreError {
    /// `keystore.json` is not JSON of the expected shape.
    #[error("keystore.json: {0}")]
    Json(String),
    /// An entry's certificate does not parse.
    #[error("{entry}: {error}")]
    Certificate {
        entry: String,
        error: CertificateError,
    },
    /// An entry's private key does not parse or does not match.
    #[error("{entry}: {error}")]
    PrivateKey {
        entry: String,
        error: PrivateKeyError,
    },
}

/// Loads DCC Boxed's `keystore.json`: EUI → `digitalSignature`|`keyAgreement` → decimal
/// serial → `{certificate, privateKey, name, role}`. Identities come out in file order of
/// EUI, then usage, then serial as the JSON object lists them (sorted, `serde_json` maps sort).
pub fn load_dccboxed_keystore(json: &str) -> Result<Vec<Identity>, KeystoreError> {
    let root: serde_json::Value =
        serde_json::from_str(json).map_err(|error| KeystoreError::Json(error.to_string()))?;
    let by_eui = root
        .as_object()
        .ok_or_else(|| KeystoreError::Json("top level is not an object".to_owned()))?;
    let mut identities = Vec::new();
    for (eui, by_usage) in by_eui {
        let by_usage = by_usage
            .as_object()
            .ok_or_else(|| KeystoreError::Json(format!("{eui} is not an object")))?;
        for (usage, by_serial) in by_usage {
            let by_serial = by_serial
                .as_object()
                .ok_or_else(|| KeystoreError::Json(format!("{eui}.{usage} is not an object")))?;
            for (serial, entry) in by_serial {
                identities.push(load_entry(&format!("{eui}.{usage}.{serial}"), entry)?);
            }
        }
    }
    Ok(identities)
}

fn load_entry(path: &str, entry: &serde_json::Value) -> Result<Identity, KeystoreError> {
    let certificate_pem = entry
        .get("certificate")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| KeystoreError::Json(format!("{path} has no certificate")))?;
    let certificate =
        Certificate::from_pem(certificate_pem).map_err(|error| KeystoreError::Certificate {
            entry: path.to_owned(),
            error,
        })?;
    let name = entry
        .get("name")
        .and_then(serde_json::Value::as_str)
        .unwrap_or(path)
        .to_owned();
    let private_key =
        match entry.get("privateKey").and_then(serde_json::Value::as_str) {
            Some(pem) => Some(private_key_der_from_pem_or_der(pem.as_bytes()).map_err(
                |error| KeystoreError::PrivateKey {
                    entry: name.clone(),
                    error,
                },
            )?),
            None => None,
        };
    Identity::new(name.clone(), certificate, private_key)
        .map_err(|error| KeystoreError::PrivateKey { entry: name, error })
}

/// Loads an RTDS-style key store folder given as (file name, bytes): every `<stem>.pem` that
/// holds a certificate becomes an identity named `<stem>`, with the private key of
/// `<stem>.key` when present. `.pem` files holding only a public key, and keys without a
/// certificate, are skipped. Sorted by name.
pub fn load_rtds_keystore(files: &[(String, Vec<u8>)]) -> Result<Vec<Identity>, KeystoreError> {
    let mut identities = Vec::new();
    for (file, bytes) in files {
        let Some(stem) = file
            .rsplit('/')
            .next()
            .and_then(|base| base.strip_suffix(".pem"))
        else {
            continue;
        };
        if !holds_certificate(bytes) {
            continue;
        }
        let certificate =
            Certificate::from_der_or_pem(bytes).map_err(|error| KeystoreError::Certificate {
                entry: file.clone(),
                error,
            })?;
        let key_file = file
            .strip_suffix(".pem")
            .map(|prefix| format!("{prefix}.key"))
            .unwrap_or_default();
        let private_key = match files.iter().find(|(name, _)| *name == key_file) {
            Some((_, key)) => Some(private_key_der_from_pem_or_der(key).map_err(|error| {
                KeystoreError::PrivateKey {
                    entry: key_file.clone(),
                    error,
                }
            })?),
            None => None,
        };
        let identity = Identity::new(stem, certificate, private_key).map_err(|error| {
            KeystoreError::PrivateKey {
                entry: key_file,
                error,
            }
        })?;
        identities.push(identity);
    }
    identities.sort_by(|left, right| left.name.cmp(&right.name));
    Ok(identities)
}

fn holds_certificate(bytes: &[u8]) -> bool {
    bytes.first() == Some(&0x30)
        || bytes
            .windows(27)
            .any(|window| window == b"-----BEGIN CERTIFICATE-----")
}

/// Writes identities in DCC Boxed's `keystore.json` shape (lower-case EUI keys, decimal serials,
/// decimal roles); identities without a subject id or key usage are left out.
pub fn to_dccboxed_keystore_json<'a>(identities: impl IntoIterator<Item = &'a Identity>) -> String {
    type BySerial = BTreeMap<String, serde_json::Value>;
    let mut root: BTreeMap<String, BTreeMap<&'static str, BySerial>> = BTreeMap::new();
    for identity in identities {
        let certificate = &identity.certificate;
        let (Some(id), Some(usage)) = (certificate.subject_id(), certificate.key_usage()) else {
            continue;
        };
        let mut entry = serde_json::Map::new();
        entry.insert("certificate".to_owned(), certificate.pem().into());
        if let Some(key) = identity.private_key_pem() {
            entry.insert("privateKey".to_owned(), key.into());
        }
        entry.insert("name".to_owned(), identity.name.clone().into());
        if let Some(role) = certificate.role() {
            entry.insert("role".to_owned(), role.code().into());
        }
        root.entry(id.to_hex_lower())
            .or_default()
            .entry(usage.keystore_name())
            .or_default()
            .insert(certificate.serial_decimal().to_owned(), entry.into());
    }
    serde_json::to_string_pretty(&root).unwrap_or_default()
}
