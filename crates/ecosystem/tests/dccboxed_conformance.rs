//! DCC's own tooling against dccsim: RTDS templates from `@smartdcc/duis-templates`, signed by
//! DCC's Java tool with DCC Boxed's keys, sent to an ecosystem running with
//! `--dccboxed-keystore`; every answer must pass DCC's `Validate` and carry the right GBCS.
//! Needs Java and `.dcc-tooling/` (`.ci/fetch-dcc-tooling`): SKIPPED without them, failing
//! under `CI=true`.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use dcc_model::{CommandVariant, ResponseCode};
use duis::{Request, RequestBody, ResponseBody};
use ecosystem::config::TEST_SUPPLIER;
use ecosystem::user::sign_pre_command;
use ecosystem::{EcosystemConfig, Sandbox, SandboxOptions};
use gbcs::decode::Verification;

const RESPONSE_WAIT: Duration = Duration::from_secs(20);

/// `.dcc-tooling/` with the templates, DCC Boxed's keystore and the Java tool (fetched with
/// `.ci/fetch-dcc-tooling` when missing), and `java`; or `None` after test-support's loud
/// SKIPPED line (a failure under `CI=true`).
fn tooling() -> Option<PathBuf> {
    let what = "DCC Boxed conformance";
    test_support::fetch_dcc_tooling_if_missing();
    test_support::duis_templates(what)?;
    test_support::dcc_tooling("dccboxed-keystore/keystore.json", what)?;
    test_support::dcc_tooling("duis-sign-wrap/dist/tool.jar", what)?;
    test_support::tool_available("java", "-version", what).then(test_support::dcc_tooling_root)
}

struct Tool {
    jar: PathBuf,
    work: tempfile::TempDir,
}

impl Tool {
    fn run(&self, class: &str, xml: &str, extra: &[&str]) -> (bool, String, String) {
        let file = self.work.path().join(format!("{}.xml", rand_name()));
        std::fs::write(&file, xml).expect("write xml");
        let output = Command::new("java")
            .arg("-cp")
            .arg(&self.jar)
            .arg(format!("uk.co.smartdcc.boxed.xmldsig.{class}"))
            .arg(&file)
            .args(extra)
            .output()
            .expect("run java");
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    fn sign(&self, xml: &str, preserve_counter: bool) -> String {
        let extra: &[&str] = if preserve_counter {
            &["--preserveCounter"]
        } else {
            &[]
        };
        let (ok, stdout, stderr) = self.run("Sign", xml, extra);
        assert!(ok, "DCC's Sign failed: {stderr}");
        stdout
    }

    /// DCC's `Validate` passes `xml` and says it checked its signature (it exits 0 on a
    /// document it found no signature to check in).
    /// DCC's `Validate` refuses `xml`.
    fn assert_refused(&self, what: &str, xml: &[u8]) {
        let file = self.work.path().join(format!("{}.xml", rand_name()));
        std::fs::write(&file, xml).expect("write xml");
        let outcome = test_support::dcc_validate(&file);
        assert!(
            outcome.is_err(),
            "DCC's Validate passed {what}: {outcome:?}"
        );
    }

    fn assert_valid(&self, what: &str, xml: &[u8]) {
        let file = self.work.path().join(format!("{}.xml", rand_name()));
        std::fs::write(&file, xml).expect("write xml");
        if let Err(log) = test_support::dcc_validate(&file) {
            panic!(
                "DCC's Validate did not pass {what} with a checked signature: {log}\n{}",
                String::from_utf8_lossy(xml)
            );
        }
    }
}

/// `xml` with the first digit of its ResponseDateTime changed (still schema-valid).
fn tampered_date(xml: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(xml).into_owned();
    let start = text.find("ResponseDateTime>").expect("a ResponseDateTime") + 17;
    let mut bytes = text.into_bytes();
    let digit = &mut bytes[start];
    assert!(digit.is_ascii_digit());
    *digit = if *digit == b'1' { b'2' } else { b'1' };
    bytes
}

fn rand_name() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("doc{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

async fn post(duis_url: &str, service: &str, xml: String) -> Vec<u8> {
    reqwest::Client::new()
        .post(format!("{duis_url}/api/v1/{service}"))
        .header("content-type", "application/xml")
        .body(xml)
        .send()
        .await
        .expect("post")
        .bytes()
        .await
        .expect("body")
        .to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rtds_templates_signed_by_dcc_tooling_get_valid_answers() {
    let Some(root) = tooling() else { return };
    let templates = root.join("duis-templates/templates");
    let tool = Tool {
        jar: root.join("duis-sign-wrap/dist/tool.jar"),
        work: tempfile::tempdir().expect("work dir"),
    };
    let template = |name: &str| std::fs::read_to_string(templates.join(name)).expect("template");

    let config = EcosystemConfig {
        dccboxed_keystore: Some(root.join("dccboxed-keystore/keystore.json")),
        ..EcosystemConfig::default()
    };
    let sandbox = Sandbox::start_with(config, SandboxOptions::default())
        .await
        .expect("ecosystem ready");
    let duis_url = sandbox.endpoints().duis_url;
    // The agent is used for what follows the DUIS exchange: awaiting by RequestID and checking
    // the device's MAC or signature with certificates from the SMKI repository.
    let supplier = sandbox.user(TEST_SUPPLIER).expect("supplier");
    let request_id_of = |xml: &str| {
        duis::parse_request(xml.as_bytes())
            .expect("a signed request")
            .header
            .request_id
    };

    // 8.2 Read Inventory: sync I0 with a DSPInventory.
    let answer = post(
        &duis_url,
        "serviceD",
        tool.sign(&template("8.2_READ_INVENTORY_REQUEST_DUIS.XML"), false),
    )
    .await;
    tool.assert_valid("the 8.2 answer", &answer);
    // Validate does check: one digit of the signed ResponseDateTime changed is refused.
    tool.assert_refused(
        "the 8.2 answer with its date changed",
        &tampered_date(&answer),
    );
    let response = duis::parse_response(&answer).expect("response");
    assert_eq!(response.response_code, ResponseCode::Success);
    let ResponseBody::DspInventory { devices, .. } = response.body else {
        panic!("no DSPInventory")
    };
    assert!(devices.len() >= 4, "{devices:?}");

    // ECS17b and GCS13a: I99, then an async I0 whose GBCS MAC verifies and block decrypts.
    for name in [
        "ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML",
        // DCC's "reliable" GSME read is addressed to the GPF, which answers from its copy.
        "GCS13a_4.1.1_SUCCESS_RELIABLE_GSME_REQUEST_DUIS.XML",
    ] {
        let signed = tool.sign(&template(name), false);
        let answer = post(&duis_url, "serviceS", signed.clone()).await;
        tool.assert_valid(name, &answer);
        assert_eq!(
            duis::parse_response(&answer).unwrap().response_code,
            ResponseCode::Acknowledgement,
            "{name}"
        );
        let asynchronous = supplier
            .response_to(request_id_of(&signed), RESPONSE_WAIT)
            .await
            .expect("async response");
        tool.assert_valid(&format!("{name} async"), &asynchronous.answer.xml);
        let verified = asynchronous
            .verified()
            .expect("MAC verifies, block decrypts");
        assert_eq!(verified.decoded.mac, Verification::Valid, "{name}");
        assert_eq!(verified.plaintexts().len(), 1, "{name}");
    }

    // ECS42 Enable Supply: CV4 -> PreCommand; sign it; CV5 with the same RequestID -> I99 -> signed async response.
    let cv4 = tool.sign(&template("ECS42_7.1_SUCCESS_REQUEST_DUIS.XML"), false);
    let answer = post(&duis_url, "serviceT", cv4.clone()).await;
    tool.assert_valid("the ECS42 pre-command", &answer);
    let ResponseBody::PreCommand {
        payload: pre_command,
        ..
    } = duis::parse_response(&answer).unwrap().body
    else {
        panic!("no PreCommand")
    };
    let signed = sign_pre_command(&pre_command, &supplier.user().digital_signature)
        .expect("signed pre-command");
    let request: Request = duis::parse_request(cv4.as_bytes()).unwrap();
    let cv5 = Request {
        header: duis::RequestHeader {
            command_variant: CommandVariant::SignedPreCommandOverWan,
            ..request.header
        },
        body: RequestBody::SignedPreCommand {
            execution_date_time: None,
            gbcs_payload: signed,
        },
        ..request
    };
    let answer = post(
        &duis_url,
        "serviceS",
        tool.sign(&duis::render_request(&cv5), true),
    )
    .await;
    tool.assert_valid("the ECS42 CV5 answer", &answer);
    assert_eq!(
        duis::parse_response(&answer).unwrap().response_code,
        ResponseCode::Acknowledgement
    );
    let asynchronous = supplier
        .response_to(cv5.header.request_id, RESPONSE_WAIT)
        .await
        .expect("async response");
    tool.assert_valid("the ECS42 async response", &asynchronous.answer.xml);
    let verified = asynchronous.verified().expect("ESME signature verifies");
    assert_eq!(verified.decoded.signature, Verification::Valid);
    sandbox.shutdown().await;
}
