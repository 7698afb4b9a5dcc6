//! `dccsim certs init` as outside tools see it: every certificate parses with `openssl x509` and
//! with Python's `cryptography`, chains to the root with `openssl verify`, and carries its
//! kind's SMKI profile field by field; the same seed writes byte-identical files. Then
//! `certs csr` and `certs issue` as a user who brings a key meets them, and `certs show`.
//!
//! openssl and Python's `cryptography` (`python3 -m pip install cryptography`) are needed:
//! without them the checks print SKIPPED, or fail when `CI=true`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ORGANISATION_POLICY: &str = "1.2.826.0.1.8641679.1.2.1.4";
const DEVICE_POLICY: &str = "1.2.826.0.1.1800000.1.2.1.4";
const HARDWARE_MODULE_NAME: &str = "1.3.6.1.5.5.7.8.4";
/// The DER of OID 1.2.826.0.1.8641679.1.2.2.1, the devices' `hwType`.
const DEVICE_HARDWARE_TYPE_DER: &str = "060d2a863a0001848fb90f01020201";

fn dccsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dccsim"))
        .args(args)
        .output()
        .expect("dccsim runs")
}

fn certs_init(seed: &str, out: &Path) {
    let output = dccsim(&["certs", "init", "--seed", seed, "--out", path_str(out)]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

fn openssl_available() -> bool {
    test_support::tool_available("openssl", "version", "certificate profile checks")
}

fn python_cryptography_available() -> bool {
    test_support::python_module_available(
        "cryptography",
        "certificate profile checks; python3 -m pip install cryptography",
    )
}

/// The certificate files of a folder, by name.
fn certificate_files(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .expect("read folder")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".pem"))
        .collect();
    names.sort();
    names
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Root,
    OrganisationCa,
    DeviceCa,
    Organisation,
    Device,
}

/// The kind a file holds, by its name (`root-ca`, `organisation-ca`, `device-ca`,
/// `90b3d51f…-ds`, `00db…-ka`; devices are the EUI-64s starting `00db`).
fn kind_of(file: &str) -> Kind {
    match file {
        "root-ca.pem" => Kind::Root,
        "organisation-ca.pem" => Kind::OrganisationCa,
        "device-ca.pem" => Kind::DeviceCa,
        name if name.starts_with("00db") => Kind::Device,
        _ => Kind::Organisation,
    }
}

#[test]
fn the_same_seed_writes_byte_identical_files_and_another_seed_does_not() {
    let first = tempfile::tempdir().expect("dir");
    let second = tempfile::tempdir().expect("dir");
    let other = tempfile::tempdir().expect("dir");
    certs_init("1", first.path());
    certs_init("1", second.path());
    certs_init("2", other.path());
    let read = |folder: &Path| -> BTreeMap<String, Vec<u8>> {
        std::fs::read_dir(folder)
            .expect("read")
            .map(|entry| {
                let entry = entry.expect("entry");
                (
                    entry.file_name().to_string_lossy().into_owned(),
                    std::fs::read(entry.path()).expect("read file"),
                )
            })
            .collect()
    };
    let (first, second, other) = (read(first.path()), read(second.path()), read(other.path()));
    assert!(first.len() > 40, "{} files", first.len());
    assert_eq!(
        first.keys().collect::<Vec<_>>(),
        second.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &first {
        assert_eq!(
            Some(bytes),
            second.get(name),
            "{name} differs between two runs with seed 1"
        );
    }
    assert_ne!(
        first.get("root-ca.pem"),
        other.get("root-ca.pem"),
        "seed 2 gives another root"
    );
}

#[test]
fn openssl_parses_and_chains_every_certificate() {
    if !openssl_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    certs_init("1", dir.path());
    let folder = dir.path();
    let files = certificate_files(folder);
    let mut by_issuer: BTreeMap<&str, Vec<PathBuf>> = BTreeMap::new();
    for file in &files {
        let path = folder.join(file);
        let output = Command::new("openssl")
            .args(["x509", "-noout", "-text", "-nameopt", "RFC2253", "-in"])
            .arg(&path)
            .output()
            .expect("openssl runs");
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        check_openssl_text(file, &text);
        let untrusted = match kind_of(file) {
            Kind::Root | Kind::OrganisationCa | Kind::DeviceCa => "",
            Kind::Organisation => "organisation-ca.pem",
            Kind::Device => "device-ca.pem",
        };
        by_issuer.entry(untrusted).or_default().push(path);
    }
    let root = folder.join("root-ca.pem");
    for (untrusted, paths) in by_issuer {
        let mut command = Command::new("openssl");
        command
            .args(["verify", "-x509_strict", "-CAfile"])
            .arg(&root);
        if !untrusted.is_empty() {
            command.arg("-untrusted").arg(folder.join(untrusted));
        }
        let output = command.args(&paths).output().expect("openssl runs");
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "openssl verify (untrusted {untrusted:?}): {text}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(text.matches(": OK").count(), paths.len(), "{text}");
    }
    println!("openssl parsed and verified {} certificates", files.len());
}

/// The profile as `openssl x509 -text` prints it.
fn check_openssl_text(file: &str, text: &str) {
    let has = |needle: &str| {
        assert!(text.contains(needle), "{file}: no {needle:?} in\n{text}");
    };
    has("Version: 3 (0x2)");
    has("Signature Algorithm: ecdsa-with-SHA256");
    has("Public Key Algorithm: id-ecPublicKey");
    has("NIST CURVE: P-256");
    has("X509v3 Key Usage: critical");
    has("X509v3 Certificate Policies: critical");
    match kind_of(file) {
        Kind::Root => {
            has("Issuer: CN=dccsim Root,OU=07");
            has("Subject: CN=dccsim Root,OU=07");
            has("CA:TRUE");
            has("Certificate Sign, CRL Sign");
        }
        Kind::OrganisationCa => {
            has("Subject: CN=Z1,OU=07");
            has("CA:TRUE");
            has(&format!("Policy: {ORGANISATION_POLICY}"));
        }
        Kind::DeviceCa => {
            has("Subject: CN=E357");
            has("CA:TRUE");
            has(&format!("Policy: {DEVICE_POLICY}"));
        }
        Kind::Organisation => {
            has("Issuer: CN=Z1,OU=07");
            has(&format!(
                "Subject: x500UniqueIdentifier=#030900{},OU=",
                id_of(file).to_ascii_uppercase()
            ));
            has(usage_text(file));
            has(&format!("Policy: {ORGANISATION_POLICY}"));
            assert!(!text.contains("CA:TRUE"), "{file}");
        }
        Kind::Device => {
            has("Issuer: CN=E357");
            has("Subject: \n");
            has("X509v3 Subject Alternative Name: critical");
            has(&format!("othername: {HARDWARE_MODULE_NAME}"));
            has(usage_text(file));
            has(&format!("Policy: {DEVICE_POLICY}"));
            assert!(!text.contains("CA:TRUE"), "{file}");
        }
    }
}

/// How `openssl x509 -text` names the key usage a file's name promises.
fn usage_text(file: &str) -> &'static str {
    if file.ends_with("-ka.pem") {
        "Key Agreement"
    } else {
        "Digital Signature"
    }
}

/// Python's `cryptography` reads each certificate (and its key) and prints one JSON object per
/// file with the fields the profile checks look at.
const PYTHON_DUMP: &str = r#"
import json, os, sys
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtensionOID

folder = sys.argv[1]
result = {}
for name in sorted(os.listdir(folder)):
    if not name.endswith(".pem"):
        continue
    certificate = x509.load_pem_x509_certificate(open(os.path.join(folder, name), "rb").read())
    key = certificate.public_key()
    entry = {
        "version": certificate.version.name,
        "serial": str(certificate.serial_number),
        "signature_algorithm": certificate.signature_algorithm_oid.dotted_string,
        "curve": key.curve.name if isinstance(key, ec.EllipticCurvePublicKey) else None,
        "subject": [[a.oid.dotted_string, a.value.hex() if isinstance(a.value, bytes) else a.value] for a in certificate.subject],
        "issuer": certificate.issuer.rfc4514_string(),
        "subject_rfc4514": certificate.subject.rfc4514_string(),
        "not_before": certificate.not_valid_before_utc.isoformat(),
        "not_after": certificate.not_valid_after_utc.isoformat(),
        "extensions": {},
    }
    for extension in certificate.extensions:
        value = extension.value
        described = None
        if extension.oid == ExtensionOID.KEY_USAGE:
            described = sorted(k for k in ["digital_signature", "key_agreement", "key_cert_sign", "crl_sign", "content_commitment", "key_encipherment", "data_encipherment"] if getattr(value, k))
        elif extension.oid == ExtensionOID.BASIC_CONSTRAINTS:
            described = {"ca": value.ca, "path_length": value.path_length}
        elif extension.oid == ExtensionOID.CERTIFICATE_POLICIES:
            described = [p.policy_identifier.dotted_string for p in value]
        elif extension.oid == ExtensionOID.SUBJECT_ALTERNATIVE_NAME:
            described = [[n.type_id.dotted_string, n.value.hex()] if isinstance(n, x509.OtherName) else [type(n).__name__, str(n.value)] for n in value]
        elif extension.oid == ExtensionOID.SUBJECT_KEY_IDENTIFIER:
            described = value.digest.hex()
        elif extension.oid == ExtensionOID.AUTHORITY_KEY_IDENTIFIER:
            described = value.key_identifier.hex() if value.key_identifier else None
        entry["extensions"][extension.oid.dotted_string] = {"critical": extension.critical, "value": described}
    key_file = os.path.join(folder, name[:-4] + ".key")
    if os.path.exists(key_file):
        private = serialization.load_pem_private_key(open(key_file, "rb").read(), password=None)
        entry["key_matches"] = private.public_key().public_numbers() == key.public_numbers()
    result[name] = entry
print(json.dumps(result))
"#;

const KEY_USAGE: &str = "2.5.29.15";
const SUBJECT_KEY_IDENTIFIER: &str = "2.5.29.14";
const SUBJECT_ALT_NAME: &str = "2.5.29.17";
const BASIC_CONSTRAINTS: &str = "2.5.29.19";
const CERTIFICATE_POLICIES: &str = "2.5.29.32";
const AUTHORITY_KEY_IDENTIFIER: &str = "2.5.29.35";

#[test]
fn python_cryptography_reads_each_kind_of_certificate_field_by_field() {
    if !python_cryptography_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    certs_init("1", dir.path());
    let output = Command::new("python3")
        .args(["-c", PYTHON_DUMP, path_str(dir.path())])
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let dump: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let dump = dump.as_object().expect("object");
    assert_eq!(dump.len(), certificate_files(dir.path()).len());
    let key_identifier =
        |file: &str| dump[file]["extensions"][SUBJECT_KEY_IDENTIFIER]["value"].clone();
    let mut seen = BTreeMap::new();
    for (file, entry) in dump {
        let kind = kind_of(file);
        *seen.entry(format!("{kind:?}")).or_insert(0) += 1;
        check_common(file, entry);
        let extensions = entry["extensions"].as_object().expect("extensions");
        let extension = |oid: &str| {
            extensions
                .get(oid)
                .cloned()
                .unwrap_or(serde_json::Value::Null)
        };
        let policies = extension(CERTIFICATE_POLICIES)["value"].clone();
        match kind {
            Kind::Root | Kind::OrganisationCa | Kind::DeviceCa => {
                assert_eq!(extension(BASIC_CONSTRAINTS)["critical"], true, "{file}");
                assert_eq!(extension(BASIC_CONSTRAINTS)["value"]["ca"], true, "{file}");
                assert_eq!(
                    extension(KEY_USAGE)["value"],
                    serde_json::json!(["crl_sign", "key_cert_sign"]),
                    "{file}"
                );
                let expected_policies = match kind {
                    Kind::Root => serde_json::json!([ORGANISATION_POLICY, DEVICE_POLICY]),
                    Kind::OrganisationCa => serde_json::json!([ORGANISATION_POLICY]),
                    _ => serde_json::json!([DEVICE_POLICY]),
                };
                assert_eq!(policies, expected_policies, "{file}");
                let expected_subject = match kind {
                    Kind::Root => "CN=dccsim Root,OU=07",
                    Kind::OrganisationCa => "CN=Z1,OU=07",
                    _ => "CN=E357",
                };
                assert_eq!(entry["subject_rfc4514"], expected_subject, "{file}");
                if kind == Kind::Root {
                    assert_eq!(
                        entry["issuer"], entry["subject_rfc4514"],
                        "the root is self-issued"
                    );
                    assert!(extension(AUTHORITY_KEY_IDENTIFIER).is_null(), "{file}");
                } else {
                    assert_eq!(entry["issuer"], "CN=dccsim Root,OU=07", "{file}");
                    assert_eq!(
                        extension(AUTHORITY_KEY_IDENTIFIER)["value"],
                        key_identifier("root-ca.pem"),
                        "{file}"
                    );
                }
            }
            Kind::Organisation => check_organisation(
                file,
                entry,
                &extension,
                &key_identifier("organisation-ca.pem"),
            ),
            Kind::Device => check_device(file, entry, &extension, &key_identifier("device-ca.pem")),
        }
    }
    println!("python cryptography checked {seen:?}");
    assert_eq!(seen.len(), 5, "every kind is present: {seen:?}");
}

fn check_common(file: &str, entry: &serde_json::Value) {
    assert_eq!(entry["version"], "v3", "{file}");
    assert_eq!(
        entry["signature_algorithm"], "1.2.840.10045.4.3.2",
        "{file}: ecdsa-with-SHA256"
    );
    assert_eq!(entry["curve"], "secp256r1", "{file}");
    assert_eq!(entry["not_before"], "2020-01-01T00:00:00+00:00", "{file}");
    assert_eq!(
        entry["key_matches"], true,
        "{file}: its .key is the certificate's private key"
    );
    let extensions = &entry["extensions"];
    assert_eq!(extensions[KEY_USAGE]["critical"], true, "{file}");
    assert_eq!(extensions[CERTIFICATE_POLICIES]["critical"], true, "{file}");
    assert_eq!(
        extensions[SUBJECT_KEY_IDENTIFIER]["critical"], false,
        "{file}"
    );
    let serial: u128 = entry["serial"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("serial");
    assert!(serial > 0, "{file}: positive serial");
}

/// `<16 hex digits>-…` → the id in the file name.
fn id_of(file: &str) -> String {
    file.get(..16).expect("id in name").to_owned()
}

fn expected_usage(file: &str) -> serde_json::Value {
    if file.ends_with("-ka.pem") {
        serde_json::json!(["key_agreement"])
    } else {
        assert!(file.ends_with("-ds.pem"), "{file}");
        serde_json::json!(["digital_signature"])
    }
}

fn check_organisation(
    file: &str,
    entry: &serde_json::Value,
    extension: &dyn Fn(&str) -> serde_json::Value,
    issuer_key_identifier: &serde_json::Value,
) {
    assert_eq!(entry["issuer"], "CN=Z1,OU=07", "{file}");
    assert!(
        extension(BASIC_CONSTRAINTS).is_null(),
        "{file}: no basicConstraints"
    );
    assert!(
        extension(SUBJECT_ALT_NAME).is_null(),
        "{file}: no subjectAltName"
    );
    assert_eq!(
        extension(KEY_USAGE)["value"],
        expected_usage(file),
        "{file}"
    );
    assert_eq!(
        extension(CERTIFICATE_POLICIES)["value"],
        serde_json::json!([ORGANISATION_POLICY]),
        "{file}"
    );
    assert_eq!(
        &extension(AUTHORITY_KEY_IDENTIFIER)["value"],
        issuer_key_identifier,
        "{file}"
    );
    assert_eq!(entry["not_after"], "2120-01-01T00:00:00+00:00", "{file}");
    let subject = entry["subject"].as_array().expect("subject");
    let attribute = |oid: &str| -> Vec<String> {
        subject
            .iter()
            .filter(|pair| pair[0] == oid)
            .map(|pair| pair[1].as_str().expect("text").to_owned())
            .collect()
    };
    let role = attribute("2.5.4.11");
    assert_eq!(role.len(), 1, "{file}: one OU");
    let role = &role[0];
    assert!(
        role.len() == 2 && role.chars().all(|c| c.is_ascii_hexdigit()),
        "{file}: OU {role:?}"
    );
    if file.contains("-xml-sign-") {
        assert!(
            role == "87" || role == "89",
            "{file}: XML signing role, not {role}"
        );
    }
    // x500UniqueIdentifier: a BIT STRING of the 8-byte id (cryptography gives its content
    // octets, the leading 00 saying no bit is unused).
    assert_eq!(
        attribute("2.5.4.45"),
        vec![format!("00{}", id_of(file))],
        "{file}"
    );
    assert!(attribute("2.5.4.3").len() <= 1, "{file}: at most one CN");
}

fn check_device(
    file: &str,
    entry: &serde_json::Value,
    extension: &dyn Fn(&str) -> serde_json::Value,
    issuer_key_identifier: &serde_json::Value,
) {
    assert_eq!(
        entry["subject"],
        serde_json::json!([]),
        "{file}: empty subject"
    );
    assert_eq!(entry["issuer"], "CN=E357", "{file}");
    assert!(extension(BASIC_CONSTRAINTS).is_null(), "{file}");
    assert_eq!(
        extension(KEY_USAGE)["value"],
        expected_usage(file),
        "{file}"
    );
    assert_eq!(
        extension(CERTIFICATE_POLICIES)["value"],
        serde_json::json!([DEVICE_POLICY]),
        "{file}"
    );
    assert_eq!(
        &extension(AUTHORITY_KEY_IDENTIFIER)["value"],
        issuer_key_identifier,
        "{file}"
    );
    assert_eq!(entry["not_after"], "9999-12-31T23:59:59+00:00", "{file}");
    let alt_name = extension(SUBJECT_ALT_NAME);
    assert_eq!(
        alt_name["critical"], true,
        "{file}: critical subjectAltName"
    );
    let names = alt_name["value"].as_array().expect("names");
    assert_eq!(names.len(), 1, "{file}: one name");
    assert_eq!(
        names[0][0], HARDWARE_MODULE_NAME,
        "{file}: otherName hardwareModuleName"
    );
    // HardwareModuleName ::= SEQUENCE { hwType OID, hwSerialNum OCTET STRING (the EUI-64) }
    let expected = format!("3019{DEVICE_HARDWARE_TYPE_DER}0408{}", id_of(file));
    assert_eq!(names[0][1], expected, "{file}");
}

#[test]
fn a_csr_from_a_users_key_is_issued_and_chains() {
    let dir = tempfile::tempdir().expect("dir");
    let folder = dir.path();
    certs_init("3", &folder.join("certs"));
    let csr = folder.join("supplier.csr");
    let output = dccsim(&[
        "certs",
        "csr",
        "--id",
        "90-B3-D5-1F-30-01-00-00",
        "--role",
        "supplier",
        "--usage",
        "ka",
        "--out",
        path_str(&csr),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        folder.join("supplier.key").exists(),
        "a new key beside the CSR"
    );
    let device_csr = folder.join("device.csr");
    let output = dccsim(&[
        "certs",
        "csr",
        "--id",
        "00DB123456799999",
        "--role",
        "device",
        "--usage",
        "ds",
        "--key",
        path_str(&folder.join("supplier.key")),
        "--out",
        path_str(&device_csr),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for (csr, out, issuer) in [
        (&csr, "supplier.pem", "organisation-ca.pem"),
        (&device_csr, "device.pem", "device-ca.pem"),
    ] {
        let certificate = folder.join("certs").join(out);
        let output = dccsim(&[
            "certs",
            "issue",
            "--csr",
            path_str(csr),
            "--seed",
            "3",
            "--out",
            path_str(&certificate),
        ]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        if openssl_available() {
            let output = Command::new("openssl")
                .args(["verify", "-CAfile"])
                .arg(folder.join("certs/root-ca.pem"))
                .arg("-untrusted")
                .arg(folder.join("certs").join(issuer))
                .arg(&certificate)
                .output()
                .expect("openssl runs");
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stdout)
            );
        }
    }
    let output = dccsim(&[
        "certs",
        "show",
        "00DB123456799999",
        "--certs",
        path_str(&folder.join("certs")),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    for line in [
        "kind        device",
        "subject id  00-DB-12-34-56-79-99-99",
        "usage       DS (digitalSignature)",
        "issuer      CN=E357",
        "policies    1.2.826.0.1.1800000.1.2.1.4",
    ] {
        assert!(text.contains(line), "{line:?} missing from\n{text}");
    }
}

#[test]
fn certs_show_prints_every_field_of_a_party() {
    let dir = tempfile::tempdir().expect("dir");
    certs_init("1", dir.path());
    let output = dccsim(&[
        "certs",
        "show",
        "90B3D51F30010000",
        "--certs",
        path_str(dir.path()),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    for needle in [
        "90b3d51f30010000-ds.pem",
        "90b3d51f30010000-ka.pem",
        "90b3d51f30010000-xml-sign-ds.pem",
        "subject id  90-B3-D5-1F-30-01-00-00",
        "role        02 (supplier)",
        "role        87 (XML signing)",
        "usage       KA (keyAgreement)",
        "issuer      CN=Z1,OU=07",
        "validity    2020-01-01T00:00:00Z to 2120-01-01T00:00:00Z",
        "key         P-256 04",
        "policies    1.2.826.0.1.8641679.1.2.1.4",
        "serial      ",
    ] {
        assert!(text.contains(needle), "{needle:?} missing from\n{text}");
    }
}

#[test]
fn bad_certs_input_is_a_clear_error_with_exit_code_2() {
    let dir = tempfile::tempdir().expect("dir");
    let folder = dir.path();
    certs_init("1", &folder.join("certs"));
    let not_a_csr = folder.join("certs/root-ca.pem");
    let certs = folder.join("certs");
    let out = folder.join("out.pem");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["show", "1234", "--certs", path_str(&certs)],
            "no certificate of \"1234\"",
        ),
        (
            vec!["show", "90B3D51F30010000", "--certs", "/nonexistent"],
            "cannot read /nonexistent",
        ),
        (
            vec![
                "csr",
                "--id",
                "12",
                "--role",
                "02",
                "--usage",
                "ds",
                "--out",
                path_str(&out),
            ],
            "--id \"12\" is not an 8-byte id",
        ),
        (
            vec![
                "csr",
                "--id",
                "90B3D51F30010000",
                "--role",
                "boss",
                "--usage",
                "ds",
                "--out",
                path_str(&out),
            ],
            "--role \"boss\"",
        ),
        (
            vec![
                "csr",
                "--id",
                "90B3D51F30010000",
                "--role",
                "02",
                "--usage",
                "ds",
                "--key",
                path_str(&not_a_csr),
                "--out",
                path_str(&out),
            ],
            "not a PKCS#8 private key",
        ),
        (
            vec![
                "csr",
                "--id",
                "90B3D51F30010000",
                "--role",
                "device",
                "--usage",
                "ds",
                "--common-name",
                "X",
                "--out",
                path_str(&out),
            ],
            "--common-name is for organisations",
        ),
        (
            vec![
                "issue",
                "--csr",
                path_str(&not_a_csr),
                "--out",
                path_str(&out),
            ],
            "not a PKCS#10 certificate signing request",
        ),
        (
            vec![
                "issue",
                "--csr",
                "/nonexistent.csr",
                "--out",
                path_str(&out),
            ],
            "cannot read /nonexistent.csr",
        ),
    ];
    for (args, reason) in cases {
        let mut full = vec!["certs"];
        full.extend(args.iter().copied());
        let output = dccsim(&full);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{full:?}: {stderr}");
        assert!(stderr.contains(reason), "{full:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{full:?}: {stderr}");
    }
    // A CSR for a CA role is refused at issue time with the reason.
    let key = folder.join("certs/90b3d51f30010000-ds.key");
    let csr = folder.join("ca.csr");
    let output = dccsim(&[
        "certs",
        "csr",
        "--id",
        "90B3D51F30010000",
        "--role",
        "07",
        "--usage",
        "ds",
        "--key",
        path_str(&key),
        "--out",
        path_str(&csr),
    ]);
    assert!(output.status.success());
    let output = dccsim(&[
        "certs",
        "issue",
        "--csr",
        path_str(&csr),
        "--out",
        path_str(&out),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is a CA role"));
    assert!(!out.exists(), "nothing written for a refused CSR");
}
