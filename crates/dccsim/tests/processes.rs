//! The smoke pack with every party in its own OS process, and a party killed and
//! restarted by the supervisor.

use std::sync::Arc;
use std::time::Duration;

use ecosystem::user::{InboxOptions, ResponseInbox};
use ecosystem::{EcosystemConfig, Identities};
use scenario::runner::{RunOptions, Target};

/// The smoke pack against the ecosystem at `target`.
async fn smoke(target: &Target) -> scenario::outcome::RunReport {
    let pack = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/smoke");
    let cases = scenario::load::load(&[pack]).expect("the smoke pack loads");
    let options = RunOptions {
        target: Some(target.clone()),
        ..RunOptions::default()
    };
    scenario::runner::run(cases, &options)
        .await
        .expect("the run starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smoke_pack_passes_with_a_process_per_party_and_survives_a_kill() {
    let mut config = EcosystemConfig::default().with_ephemeral_ports();
    let identities = Identities::build(&config).expect("identities");
    let inbox = ResponseInbox::start_with(InboxOptions {
        dsp_xml_key: scenario::runner::dsp_xml_key(&identities),
        ..InboxOptions::default()
    })
    .await
    .expect("response inbox");
    config.response_url = Some(inbox.url.clone());
    let run_dir = tempfile::tempdir().expect("run dir");
    let (config, config_path) =
        ecosystem::processes::prepare_run(config, run_dir.path()).expect("run folder");
    let dccki_directory = config.dccki_directory.clone().expect("dccki material");
    let tools_tls = ecosystem::dccki::load(&dccki_directory, ecosystem::dccki::TOOLS)
        .expect("tools TLS material");
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
    let listen = inbox
        .url
        .trim_start_matches("http://")
        .trim_end_matches("/responses")
        .parse()
        .expect("the inbox's address");
    let target = Target {
        duis_url: duis_url.clone(),
        smki_url: format!("http://{}", config.smki_repository_address),
        listen,
        seed: config.seed,
        dccboxed_keystore: None,
        inbox: Some(Arc::new(inbox)),
    };
    let report = smoke(&target).await;
    let text = scenario::report::render_text(&report);
    assert_eq!(report.passed(), report.cases.len(), "{text}");

    // Mutual TLS: a DCCKI client is served; one with no certificate, or with a certificate
    // from another CA, is refused.
    let dsp_grpc = config.grpc_address("dsp").expect("dsp address");
    ecosystem::wait_until_serving(dsp_grpc, Some(tools_tls.clone()), Duration::from_secs(10))
        .await
        .expect("DCCKI client served");
    assert!(
        ecosystem::wait_until_serving(dsp_grpc, None, Duration::from_millis(500))
            .await
            .is_err(),
        "a client without TLS must be refused"
    );
    let stranger_dir = tempfile::tempdir().expect("stranger dir");
    ecosystem::dccki::generate(stranger_dir.path(), &[ecosystem::dccki::TOOLS])
        .expect("another CA");
    let mut stranger =
        ecosystem::dccki::load(stranger_dir.path(), ecosystem::dccki::TOOLS).expect("stranger TLS");
    stranger.ca_pem = tools_tls.ca_pem.clone(); // trusts the server, but presents a foreign certificate
    assert!(
        ecosystem::wait_until_serving(dsp_grpc, Some(stranger), Duration::from_millis(500))
            .await
            .is_err(),
        "a client certificate not issued by the DCCKI CA must be refused"
    );

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
    ecosystem::wait_until_serving(csp_north, Some(tools_tls.clone()), Duration::from_secs(60))
        .await
        .expect("restarted csp-north serving");
    ecosystem::wait_until_ready(&duis_url, Duration::from_secs(120))
        .await
        .expect("ready again after the restart");
    let again = smoke(&target).await;
    let text = scenario::report::render_text(&again);
    assert_eq!(again.passed(), again.cases.len(), "{text}");

    let _ = stop.send(true);
    let _ = supervisor.await;
}
