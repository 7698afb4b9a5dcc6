//! Shared helpers of the integration tests: DCC's tooling, the keystore, the Java tool.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use der::{DecodePem, Encode};
use x509_cert::Certificate;

/// `<workspace>/.dcc-tooling` holding the templates, DCC Boxed's keystore and the Java tool
/// (and `java` when `needs_java`), or `None` after test-support's loud SKIPPED line (a
/// failure under `CI=true`).
pub fn dcc_tooling(needs_java: bool) -> Option<PathBuf> {
    let what = "DCC's DUIS templates, keystore and signing tool";
    test_support::duis_templates(what)?;
    test_support::dcc_tooling("dccboxed-keystore/keystore.json", what)?;
    test_support::dcc_tooling("duis-sign-wrap/dist/tool.jar", what)?;
    if needs_java && !test_support::tool_available("java", "-version", what) {
        return None;
    }
    Some(test_support::dcc_tooling_root())
}

pub fn template(tooling: &Path, name: &str) -> Vec<u8> {
    std::fs::read(tooling.join("duis-templates/templates").join(name)).unwrap()
}

/// One key of DCC Boxed's keystore.json.
pub struct KeystoreEntry {
    pub certificate_pem: String,
    pub private_key_pem: String,
    pub serial: String,
}

impl KeystoreEntry {
    pub fn public_key_sec1(&self) -> Vec<u8> {
        let certificate = Certificate::from_pem(self.certificate_pem.as_bytes()).unwrap();
        certificate
            .tbs_certificate
            .subject_public_key_info
            .subject_public_key
            .raw_bytes()
            .to_vec()
    }

    /// The issuer as Java's `X500Principal.getName()` writes it (RFC 2253): `CN=Z1,OU=07`.
    pub fn issuer_name(&self) -> String {
        let certificate = Certificate::from_pem(self.certificate_pem.as_bytes()).unwrap();
        let _ = certificate.tbs_certificate.issuer.to_der().unwrap();
        certificate.tbs_certificate.issuer.to_string()
    }
}

/// The key named `name` (e.g. `dsp-xml-sign-90B3D51F30000002-ds`) of the party `eui`.
pub fn keystore_entry(tooling: &Path, eui_lower_hex: &str, name: &str) -> KeystoreEntry {
    let text = std::fs::read_to_string(tooling.join("dccboxed-keystore/keystore.json")).unwrap();
    let keystore: serde_json::Value = serde_json::from_str(&text).unwrap();
    let usages = keystore[eui_lower_hex].as_object().unwrap();
    for serials in usages.values() {
        for (serial, entry) in serials.as_object().unwrap() {
            if entry["name"] == name {
                return KeystoreEntry {
                    certificate_pem: entry["certificate"].as_str().unwrap().to_owned(),
                    private_key_pem: entry["privateKey"].as_str().unwrap().to_owned(),
                    serial: serial.clone(),
                };
            }
        }
    }
    panic!("no key {name} for {eui_lower_hex} in keystore.json");
}

/// Runs one of the Java tool's entry points; returns (exit code, stdout, stderr).
pub fn java_tool(
    tooling: &Path,
    class: &str,
    file: &Path,
    extra: &[&str],
) -> (i32, String, String) {
    let jar = tooling.join("duis-sign-wrap/dist/tool.jar");
    let output = Command::new("java")
        .arg("-cp")
        .arg(jar)
        .arg(format!("uk.co.smartdcc.boxed.xmldsig.{class}"))
        .arg(file)
        .args(extra)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}
