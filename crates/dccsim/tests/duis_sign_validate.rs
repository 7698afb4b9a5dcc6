//! `dccsim duis sign` and `dccsim duis validate` against DCC's own Java tool
//! (`tool.jar` of `@smartdcc/duis-sign-wrap`) with DCC Boxed's key store: what dccsim signs,
//! DCC's `Validate` accepts with a checked signature; what DCC's `Sign` signs, dccsim validates;
//! a tampered copy is refused with exit code 10.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const DCCSIM: &str = env!("CARGO_BIN_EXE_dccsim");

struct Tooling {
    templates: PathBuf,
    keystore: PathBuf,
    jar: PathBuf,
}

fn tooling() -> Option<Tooling> {
    let templates = test_support::duis_templates("duis sign/validate conformance")?;
    let keystore = test_support::dcc_tooling(
        "dccboxed-keystore/keystore.json",
        "duis sign/validate conformance",
    )?;
    let jar = test_support::dcc_tooling("duis-sign-wrap/dist/tool.jar", "DCC's Java signing tool")?;
    if !test_support::tool_available("java", "-version", "DCC's Java signing tool") {
        return None;
    }
    Some(Tooling {
        templates,
        keystore,
        jar,
    })
}

fn java(jar: &Path, class: &str, file: &Path) -> Output {
    Command::new("java")
        .arg("-cp")
        .arg(jar)
        .arg(format!("uk.co.smartdcc.boxed.xmldsig.{class}"))
        .arg(file)
        .output()
        .expect("java runs")
}

fn dccsim(arguments: &[&str], keystore: &Path, file: &Path) -> Output {
    Command::new(DCCSIM)
        .args(["duis"])
        .args(arguments)
        .arg("--keystore")
        .arg(keystore)
        .arg(file)
        .output()
        .expect("dccsim runs")
}

const TEMPLATES: [&str; 3] = [
    "ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML",
    "ECS01a_1.1.1_IMMEDIATE_BLOCK_SUCCESS_REQUEST_DUIS.XML",
    "8.2_READ_INVENTORY_REQUEST_DUIS.XML",
];

#[test]
fn what_dccsim_signs_passes_dccs_validate() {
    let Some(tooling) = tooling() else { return };
    let directory = tempfile::tempdir().unwrap();
    for template in TEMPLATES {
        let output = dccsim(
            &["sign"],
            &tooling.keystore,
            &tooling.templates.join(template),
        );
        assert!(output.status.success(), "{template}: {output:?}");
        let signed = directory.path().join(template);
        std::fs::write(&signed, &output.stdout).unwrap();
        let text = String::from_utf8(output.stdout).unwrap();
        assert!(
            !text.contains(":1000<") && !text.contains(":1007<"),
            "{template}: counter kept"
        );
        let validated = java(&tooling.jar, "Validate", &signed);
        let log = format!(
            "{}{}",
            String::from_utf8_lossy(&validated.stdout),
            String::from_utf8_lossy(&validated.stderr)
        );
        assert_eq!(validated.status.code(), Some(0), "{template}: {log}");
        assert!(log.contains("passed signature check"), "{template}: {log}");
    }
}

#[test]
fn preserve_counter_keeps_the_counter() {
    let Some(tooling) = tooling() else { return };
    let template = tooling.templates.join(TEMPLATES[0]);
    let output = dccsim(
        &["sign", "--preserve-counter"],
        &tooling.keystore,
        &template,
    );
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("00-DB-12-34-56-78-90-A0:1000<"), "{text}");
}

#[test]
fn dccsim_validates_what_dccs_sign_signs_and_refuses_a_tampered_copy() {
    let Some(tooling) = tooling() else { return };
    let directory = tempfile::tempdir().unwrap();
    for template in TEMPLATES {
        let copy = directory.path().join(template);
        std::fs::copy(tooling.templates.join(template), &copy).unwrap();
        let signed = java(&tooling.jar, "Sign", &copy);
        assert!(signed.status.success(), "{template}: {signed:?}");
        let signed_file = directory.path().join(format!("signed-{template}"));
        std::fs::write(&signed_file, &signed.stdout).unwrap();
        let valid = dccsim(&["validate"], &tooling.keystore, &signed_file);
        assert_eq!(valid.status.code(), Some(0), "{template}: {valid:?}");

        let text = String::from_utf8(signed.stdout).unwrap();
        let tampered = text.replacen("<sr:ServiceReference>", "<sr:ServiceReference>9", 1);
        assert_ne!(tampered, text);
        let tampered_file = directory.path().join(format!("tampered-{template}"));
        std::fs::write(&tampered_file, tampered).unwrap();
        let refused = dccsim(&["validate"], &tooling.keystore, &tampered_file);
        assert_eq!(refused.status.code(), Some(10), "{template}: {refused:?}");
        let reason = String::from_utf8_lossy(&refused.stderr);
        assert!(reason.contains("altered"), "{template}: {reason}");
    }
}

#[test]
fn a_document_signed_by_another_pki_is_invalid() {
    let Some(tooling) = tooling() else { return };
    let template = tooling.templates.join(TEMPLATES[0]);
    // Signed with the test PKI of seed 2: seed 1's (the default) does not know that certificate.
    let signed = Command::new(DCCSIM)
        .args(["duis", "sign", "--seed", "2"])
        .arg(&template)
        .output()
        .unwrap();
    assert!(signed.status.success(), "{signed:?}");
    let directory = tempfile::tempdir().unwrap();
    let file = directory.path().join("seed-2.xml");
    std::fs::write(&file, &signed.stdout).unwrap();
    let refused = Command::new(DCCSIM)
        .args(["duis", "validate"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(10), "{refused:?}");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("no certificate"));
    let same_seed = Command::new(DCCSIM)
        .args(["duis", "validate", "--seed", "2"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(same_seed.status.code(), Some(0), "{same_seed:?}");
}
