//! Conformance: DCC's own SMKI client (`@smartdcc/dccboxed-keystore`, run with node) searches
//! this TSP's HTTP repository for an organisation and a device and gets their certificates.
//!
//! The package's runtime dependencies are not bundled with it; the test installs the ones its
//! client needs into the git-ignored `<workspace>/.dcc-tooling/node_modules` when missing.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use smki::KeyUsage;
use support::*;
use tsp::{TspClient, DCC_BOXED_API_KEY};

/// What `dist/certificateSearch.js` and `dist/boxedKeyStore.js` require, with the version
/// ranges of the package's `package.json`.
const CLIENT_DEPENDENCIES: [&str; 6] = [
    "got@^11.8.5",
    "fast-xml-parser@<5.7.0",
    "content-type@^1.0.4",
    "asn1-ts@^8.0.2",
    "tmp@^0.2.1",
    "node-json-db@^2.1.1",
];

/// The unpacked package with its client's dependencies installed beside it, or `None` after
/// a loud SKIPPED line (a panic under `CI=true`).
fn keystore_package() -> Option<PathBuf> {
    let what = "DCC client conformance";
    if !test_support::tool_available("node", "--version", what) {
        return None;
    }
    let package = test_support::dcc_tooling("dccboxed-keystore", what)?;
    let tooling = package.parent().unwrap().to_path_buf();
    // One npm install at a time, across the threads of `cargo test` and the processes of
    // cargo-nextest.
    let _installing = test_support::lock_dcc_tooling().expect("lock .dcc-tooling/");
    if !dependencies_installed(&tooling) {
        install_dependencies(&tooling);
    }
    Some(package)
}

fn dependencies_installed(tooling: &Path) -> bool {
    CLIENT_DEPENDENCIES.iter().all(|spec| {
        let name = spec.rsplit_once('@').map(|(name, _)| name).unwrap_or(spec);
        tooling
            .join("node_modules")
            .join(name)
            .join("package.json")
            .exists()
    })
}

fn install_dependencies(tooling: &Path) {
    println!(
        "installing the DCC client's dependencies into {}/node_modules",
        tooling.display()
    );
    let output = Command::new("npm")
        .arg("install")
        .arg("--prefix")
        .arg(tooling)
        .args(["--no-save", "--no-package-lock", "--no-audit", "--no-fund"])
        .args(CLIENT_DEPENDENCIES)
        .output()
        .expect("npm runs");
    assert!(
        output.status.success(),
        "npm install of {CLIENT_DEPENDENCIES:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs `script` with node (the package folder as working directory) and parses the JSON
/// it prints on its last line.
async fn node(package: &Path, script: String) -> serde_json::Value {
    let package = package.to_path_buf();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("-e")
            .arg(script)
            .current_dir(package)
            .output()
            .expect("node runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "node failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap()
}

/// A JS expression turning a `search`/`query` result list into JSON-friendly objects.
const RESULTS_TO_JSON: &str = "(results) => results.map((r) => ({ eui: String(r.meta.eui), role: r.meta.role ?? null, serial: String(r.meta.serial), keyUsage: r.meta.keyUsage, der: r.x509.raw.toString('base64') }))";

#[tokio::test]
async fn dcc_client_finds_an_organisation_and_a_device() {
    let Some(package) = keystore_package() else {
        return;
    };
    let tsp = tsp(Some(DCC_BOXED_API_KEY));
    let client = TspClient::new(tsp.local_transport());
    let device = client
        .device_certificates(&[NEW_DEVICE])
        .await
        .unwrap()
        .remove(0);
    let supplier_ds: Vec<_> = client
        .find(SUPPLIER, KeyUsage::DigitalSignature)
        .await
        .unwrap()
        .into_iter()
        .filter(|certificate| certificate.role() == Some(smki::RemotePartyRole::SUPPLIER))
        .collect();
    assert_eq!(supplier_ds.len(), 1);
    let address = serve(tsp.repository).await;

    let script = format!(
        "const cs = require('./dist/certificateSearch.js');
         const toJson = {RESULTS_TO_JSON};
         (async () => {{
           const organisation = await cs.search({{ q: {{ CertificateSubjectName: '90-b3-d5-1f-30-01-00-00' }}, CertificateUsage: 'DS', CertificateStatus: 'I', CertificateRole: '2' }}, '{address}');
           const device = await cs.search({{ q: {{ CertificateSubjectAltName: '00-db-12-34-56-79-00-01' }}, CertificateUsage: 'KA', CertificateStatus: 'I' }}, '{address}');
           const unknown = await cs.search({{ q: {{ CertificateSubjectAltName: '00-db-12-34-56-79-00-99' }}, CertificateUsage: 'KA', CertificateStatus: 'I' }}, '{address}');
           console.log(JSON.stringify({{ organisation: toJson(organisation), device: toJson(device), unknown: unknown.length }}));
         }})().catch((error) => {{ console.error(error); process.exit(1); }});"
    );
    let answer = node(&package, script).await;

    let organisation = answer["organisation"].as_array().unwrap();
    assert_eq!(organisation.len(), 1, "{answer}");
    assert_eq!(organisation[0]["eui"], "90b3d51f30010000");
    assert_eq!(organisation[0]["role"], 2);
    assert_eq!(
        organisation[0]["keyUsage"],
        serde_json::json!([0]),
        "digitalSignature"
    );
    assert_eq!(organisation[0]["serial"], supplier_ds[0].serial_decimal());
    assert_eq!(organisation[0]["der"], base64(supplier_ds[0].der()));

    let device_answer = answer["device"].as_array().unwrap();
    assert_eq!(device_answer.len(), 1, "{answer}");
    assert_eq!(device_answer[0]["eui"], "00db123456790001");
    assert_eq!(
        device_answer[0]["keyUsage"],
        serde_json::json!([4]),
        "keyAgreement"
    );
    assert_eq!(
        device_answer[0]["serial"],
        device.ka.certificate.serial_decimal()
    );
    assert_eq!(device_answer[0]["der"], base64(device.ka.certificate.der()));

    assert_eq!(answer["unknown"], 0, "402 reads as no result");
}

#[tokio::test]
async fn dcc_keystore_fetches_a_device_certificate_it_does_not_hold() {
    let Some(package) = keystore_package() else {
        return;
    };
    let tsp = tsp(Some(DCC_BOXED_API_KEY));
    let device = TspClient::new(tsp.local_transport())
        .device_certificates(&[OTHER_NEW_DEVICE])
        .await
        .unwrap()
        .remove(0);
    let address = serve(tsp.repository).await;
    let script = format!(
        "const {{ BoxedKeyStore, KeyUsage }} = require('./dist/index.js');
         (async () => {{
           const store = await BoxedKeyStore.new('{address}');
           try {{
             const found = await store.query({{ eui: '00DB123456790002', keyUsage: KeyUsage.digitalSignature, lookup: 'certificate' }});
             console.log(JSON.stringify(found.map((r) => ({{ eui: String(r.eui), serial: String(r.serial), der: r.certificate.raw.toString('base64') }}))));
           }} finally {{ await store.cleanup(); }}
         }})().catch((error) => {{ console.error(error); process.exit(1); }});"
    );
    let answer = node(&package, script).await;
    let found = answer.as_array().unwrap();
    assert_eq!(found.len(), 1, "{answer}");
    assert_eq!(found[0]["eui"], "00db123456790002");
    assert_eq!(found[0]["serial"], device.ds.certificate.serial_decimal());
    assert_eq!(found[0]["der"], base64(device.ds.certificate.der()));
}

fn base64(der: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(der)
}
