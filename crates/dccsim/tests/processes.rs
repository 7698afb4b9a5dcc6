//! The end-to-end slice with every party in its own OS process, and a party killed and
//! restarted by the supervisor.

use std::time::Duration;

use ecosystem::user::ResponseInbox;
use ecosystem::{EcosystemConfig, Identities};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slice_passes_with_a_process_per_party_and_survives_a_kill() {
    let mut inbox = ResponseInbox::start().await.expect("response inbox");
    let mut config = EcosystemConfig::default().with_ephemeral_ports();
    config.response_url = Some(inbox.url.clone());
    let config = ecosystem::processes::assign_free_ports(config).expect("free ports");
    let run_dir = tempfile::tempdir().expect("run dir");
    let config_path = run_dir.path().join("ecosystem.toml");
    std::fs::write(&config_path, config.to_toml()).expect("write config");
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let supervisor = tokio::spawn(ecosystem::processes::supervise(
        env!("CARGO_BIN_EXE_dccsim").into(),
        config_path,
        run_dir.path().to_owned(),
        Vec::new(),
        stopped,
    ));
    let duis_url = format!("http://{}", config.duis_address);
    ecosystem::wait_until_ready(&duis_url, Duration::from_secs(120))
        .await
        .expect("ecosystem ready");
    let target = ecosystem::demo::SliceTarget {
        duis_url: duis_url.clone(),
        smki_url: format!("http://{}", config.smki_repository_address),
        identities: Identities::build(&config).expect("identities"),
    };
    let report = ecosystem::demo::run_slice(&target, &mut inbox, 1_000).await;
    assert!(report.passed(), "{}", report.render());

    // Kill the CSP North process: the supervisor restarts it and the slice works again.
    let pid_path = ecosystem::processes::pid_file(run_dir.path(), "csp-north");
    let pid = std::fs::read_to_string(&pid_path).expect("pid file");
    let killed = std::process::Command::new("kill")
        .arg("-9")
        .arg(pid.trim())
        .status()
        .expect("kill");
    assert!(killed.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while std::fs::read_to_string(&pid_path)
        .unwrap_or_default()
        .trim()
        == pid.trim()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the supervisor did not restart csp-north"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let csp_north = config.grpc_address("csp-north").expect("csp-north address");
    ecosystem::wait_until_serving(csp_north, Duration::from_secs(60))
        .await
        .expect("restarted csp-north serving");
    ecosystem::wait_until_ready(&duis_url, Duration::from_secs(120))
        .await
        .expect("ready again after the restart");
    let again = ecosystem::demo::run_slice(&target, &mut inbox, 2_000).await;
    assert!(again.passed(), "{}", again.render());

    let _ = stop.send(true);
    let _ = supervisor.await;
}
