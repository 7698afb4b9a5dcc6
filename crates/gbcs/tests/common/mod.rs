//! Shared helpers for tests that read the reference vectors beside the workspace.
#![allow(dead_code)]

use std::path::PathBuf;

use dcc_model::Eui64;
use gbcs::crypto::{KeyAgreementPrivateKey, KeyAgreementPublicKey, SigningKey, VerifyingKey};

/// `../shared/vectors` beside the workspace, or `None` after test-support's loud SKIPPED
/// line (a failure under `CI=true`).
pub fn vectors() -> Option<PathBuf> {
    test_support::shared_vectors("", "GBCS reference vectors")
}

/// `../shared/vectors/rtds-4.5.0`, or `None` as [`vectors`].
pub fn rtds() -> Option<PathBuf> {
    test_support::shared_vectors("rtds-4.5.0", "RTDS 4.5.0 GBCS fixtures")
}

pub fn read_hex_file(path: &std::path::Path) -> Vec<u8> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    hex::decode(text.trim()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn unhex(text: &str) -> Vec<u8> {
    hex::decode(text.trim()).unwrap()
}

/// The key store of the reference data.
pub struct Keystore {
    pub dir: PathBuf,
}

impl Keystore {
    pub fn new(rtds: &std::path::Path) -> Self {
        Self {
            dir: rtds.join("keystore"),
        }
    }

    fn read(&self, id: Eui64, suffix: &str) -> Option<Vec<u8>> {
        std::fs::read(self.dir.join(format!("{}-{suffix}", id.to_hex_lower()))).ok()
    }

    pub fn ka_private(&self, id: Eui64) -> Option<KeyAgreementPrivateKey> {
        Some(KeyAgreementPrivateKey::from_pkcs8(&self.read(id, "ka.key")?).unwrap())
    }

    pub fn ka_public(&self, id: Eui64) -> Option<KeyAgreementPublicKey> {
        Some(KeyAgreementPublicKey::from_any(&self.read(id, "ka.pem")?).unwrap())
    }

    pub fn ds_private(&self, id: Eui64) -> Option<SigningKey> {
        Some(SigningKey::from_pkcs8(&self.read(id, "ds.key")?).unwrap())
    }

    pub fn ds_public(&self, id: Eui64) -> Option<VerifyingKey> {
        Some(VerifyingKey::from_any(&self.read(id, "ds.pem")?).unwrap())
    }
}

pub const ACB: Eui64 = dcc_model::DCC_ACCESS_CONTROL_BROKER;
