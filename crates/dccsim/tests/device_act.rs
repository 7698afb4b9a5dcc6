//! `dccsim device act` against a running ecosystem: the alert it raises reaches the device's
//! supplier as a DUIS DeviceAlertMessage whose GBCS verifies; what the device does not do, and
//! an ecosystem that is not there, are exit code 2 with the reason; `dccsim device display`
//! prints what a meter's display shows.

use std::process::{Command, Output};

use duis::ResponseBody;
use ecosystem::config::{TEMPLATE_ESME, TEST_SUPPLIER};
use ecosystem::Sandbox;

async fn dccsim(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_dccsim"))
            .args(&args)
            .output()
            .expect("dccsim runs")
    })
    .await
    .expect("dccsim finished")
}

fn act(config: &std::path::Path, device: &str, action: &[&str]) -> Vec<String> {
    let mut args = vec![
        "device".to_owned(),
        "act".to_owned(),
        "--config".to_owned(),
        config.display().to_string(),
        "--device".to_owned(),
        device.to_owned(),
    ];
    args.extend(action.iter().map(|word| (*word).to_owned()));
    args
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_act_raises_an_alert_its_user_receives() {
    let sandbox = Sandbox::start().await.expect("ecosystem ready");
    let folder = tempfile::tempdir().expect("a folder");
    let config_path = folder.path().join("ecosystem.toml");
    let mut config = sandbox.config.clone();
    config.grpc_addresses = sandbox.running.grpc_addresses.clone();
    std::fs::write(&config_path, config.to_toml()).expect("config written");
    let esme = TEMPLATE_ESME.to_hex();

    let output = dccsim(act(&config_path, &esme, &["raise-alert", "8F1C"])).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        stdout.trim(),
        format!("{esme} raised alert 8F1C (Firmware verification failed)")
    );
    let supplier = sandbox.user(TEST_SUPPLIER).expect("supplier");
    let answer = supplier
        .alert(
            Some("8F1C"),
            Some(TEMPLATE_ESME),
            std::time::Duration::from_secs(30),
        )
        .await
        .expect("the alert reaches the supplier");
    assert!(matches!(
        &answer.answer.response.body,
        ResponseBody::DeviceAlert { alert_code, .. } if alert_code == "8F1C"
    ));
    answer.verified().expect("its GBCS verifies");

    let output = dccsim(act(&config_path, &esme, &["raise-alert", "8F1D"])).await;
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot raise alert 8F1D: ESME does not raise alert 8F1D"),
        "{stderr}"
    );
    let output = dccsim(act(&config_path, &esme, &["power", "sideways"])).await;
    assert_eq!(output.status.code(), Some(2), "clap refuses the value");

    // What its display shows: no message or CIN yet, the privacy PIN asked for; a device no
    // party hosts is exit code 2 with the reason.
    let display = |device: &str| {
        dccsim(vec![
            "device".to_owned(),
            "display".to_owned(),
            "--config".to_owned(),
            config_path.display().to_string(),
            "--device".to_owned(),
            device.to_owned(),
        ])
    };
    let output = display(&esme).await;
    assert!(output.status.success(), "{output:?}");
    let shown: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("the display as JSON");
    assert_eq!(shown, serde_json::json!({ "privacy_pin_protection": true }));
    let output = display("00DB1234567899FF").await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("00-DB-12-34-56-78-99-FF"),
        "{output:?}"
    );
    sandbox.shutdown().await;

    let output = dccsim(act(&config_path, &esme, &["raise-alert", "8F1C"])).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("cannot be reached"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
