//! The smoke pack with every party in its own OS process, and a party killed and
//! restarted by the supervisor.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use ecosystem::dccki::TlsMaterial;
use ecosystem::launch::NetworkDirectory;
use ecosystem::user::{InboxOptions, ResponseInbox};
use ecosystem::{EcosystemConfig, Identities};
use scenario::runner::{RunOptions, Target};

/// Generated premises beside the default fleet.
const FLEET: u32 = 50;

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
    let mut config = EcosystemConfig {
        fleet: FLEET,
        ..EcosystemConfig::default()
    }
    .with_ephemeral_ports();
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
    // Port 0 stays 0 in the file: each party process takes a free port itself.
    assert_eq!(config.duis_address.port(), 0);
    assert!(config
        .grpc_addresses
        .values()
        .all(|address| address.port() == 0));
    let (supervisor, endpoints) = ecosystem::processes::Supervisor::start_ready(
        env!("CARGO_BIN_EXE_dccsim").into(),
        config_path,
        run_dir.path().to_owned(),
        Duration::from_secs(120),
    )
    .await
    .expect("every party listening and the DSP ready");
    let config = endpoints.apply(config);
    let duis_url = endpoints.duis_url();
    let listen = inbox
        .url
        .trim_start_matches("http://")
        .trim_end_matches("/responses")
        .parse()
        .expect("the inbox's address");
    let target = Target {
        duis_url: duis_url.clone(),
        smki_url: endpoints.smki_url(),
        listen,
        seed: config.seed,
        dccboxed_keystore: None,
        inbox: Some(Arc::new(inbox)),
    };
    let report = smoke(&target).await;
    let text = scenario::report::render_text(&report);
    assert_eq!(report.passed(), report.cases.len(), "{text}");

    // The generated fleet reaches every party process (each reads `fleet` from the file): a
    // fleet meter, made on first contact, answers end to end.
    let meter = ecosystem::fleet::premises(FLEET - 1)
        .electricity_meter
        .expect("an ESME");
    let user = ecosystem::user::UserAgent::new(
        meter.registered_supplier,
        &identities,
        ecosystem::user::Endpoints {
            duis_url: target.duis_url.clone(),
            smki_url: target.smki_url.clone(),
        },
        target.inbox.clone().expect("the inbox"),
        ecosystem::user::CounterBook::starting_after(0),
    )
    .expect("the meter's supplier");
    let exchange = user
        .request(
            "4.1.1",
            meter.device_id,
            duis::BodyElement::with_children("ReadInstantaneousImportRegisters", Vec::new()),
        )
        .await
        .expect("a fleet meter's read");
    exchange.verified_gbcs().expect("its verified response");

    // Mutual TLS: a DCCKI client is served; one with no certificate, or with a certificate
    // from another CA, is refused.
    let dsp_grpc = config.grpc_address("dsp").expect("dsp address");
    ecosystem::wait_until_serving(dsp_grpc, Some(tools_tls.clone()), Duration::from_secs(10))
        .await
        .expect("DCCKI client served");
    // A plaintext HTTP/2 client: the port speaks TLS, and answers the preface with a TLS alert.
    let answer = plaintext_answer(dsp_grpc).await;
    assert_eq!(
        answer.first(),
        Some(&TLS_ALERT_RECORD),
        "a plaintext client must meet a TLS alert, got {answer:02X?}"
    );
    let plaintext = health_check(dsp_grpc, None)
        .await
        .expect_err("plaintext refused");
    assert_ne!(plaintext.code(), tonic::Code::Ok);
    // A client presenting a certificate from another CA (it trusts the server) is refused.
    let stranger_dir = tempfile::tempdir().expect("stranger dir");
    ecosystem::dccki::generate(stranger_dir.path(), &[ecosystem::dccki::TOOLS])
        .expect("another CA");
    let mut stranger =
        ecosystem::dccki::load(stranger_dir.path(), ecosystem::dccki::TOOLS).expect("stranger TLS");
    stranger.ca_pem = tools_tls.ca_pem.clone();
    let refused = health_check(dsp_grpc, Some(stranger.clone()))
        .await
        .expect_err("a client certificate not issued by the DCCKI CA must be refused");
    assert_ne!(refused.code(), tonic::Code::Ok);
    // The reason, read off the TLS layer: the DCCKI client's handshake goes through; the
    // stranger's certificate names an issuer with the DCCKI CA's name (both CAs are made by
    // the same code) whose signature does not verify, which TLS answers with decrypt_error.
    assert_eq!(handshake_alert(dsp_grpc, &tools_tls).await, None);
    assert_eq!(
        handshake_alert(dsp_grpc, &stranger).await,
        Some(rustls::AlertDescription::DecryptError)
    );

    // Kill the CSP North process and take its port before the supervisor restarts it (as any
    // process on the machine might): the restarted party listens on a fresh port, the
    // supervisor tells the others, and the slice works again.
    let pid_path = ecosystem::processes::pid_file(run_dir.path(), "csp-north");
    let pid = std::fs::read_to_string(&pid_path).expect("pid file");
    let old_address = config.grpc_address("csp-north").expect("csp-north address");
    let killed = std::process::Command::new("kill")
        .arg("-9")
        .arg(pid.trim())
        .status()
        .expect("kill");
    assert!(killed.success());
    let squatter = {
        let pid_path = pid_path.clone();
        let pid = pid.trim().to_owned();
        tokio::task::spawn_blocking(move || take_when_free(old_address, &pid_path, &pid))
            .await
            .expect("squatter")
    };
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
    let restarted = supervisor
        .endpoints(Duration::from_secs(60))
        .await
        .expect("the restarted csp-north reports");
    let csp_north = restarted.grpc_addresses["csp-north"];
    match &squatter {
        // Its old port was taken: a fresh one.
        Some(_) => assert_ne!(csp_north, old_address),
        // The restart came first (a slow machine): it listens where it did.
        None => assert_eq!(csp_north, old_address),
    }
    eprintln!(
        "csp-north restarted on {csp_north} (before {old_address}, taken meanwhile: {})",
        squatter.is_some()
    );
    ecosystem::wait_until_serving(csp_north, Some(tools_tls.clone()), Duration::from_secs(60))
        .await
        .expect("restarted csp-north serving");
    ecosystem::wait_until_ready(&duis_url, Duration::from_secs(120))
        .await
        .expect("ready again after the restart");
    let again = smoke(&target).await;
    let text = scenario::report::render_text(&again);
    assert_eq!(again.passed(), again.cases.len(), "{text}");

    // Stopping: the supervisor returns (it did not panic) and its party processes are gone.
    tokio::time::timeout(Duration::from_secs(60), supervisor.stop())
        .await
        .expect("supervisor stops within a minute")
        .expect("supervisor did not panic");
    for party in ecosystem::config::PARTIES {
        let pid_path = ecosystem::processes::pid_file(run_dir.path(), party);
        let pid = std::fs::read_to_string(&pid_path).expect("pid file");
        assert!(
            !Path::new(&format!("/proc/{}", pid.trim())).exists(),
            "{party} (pid {}) still runs after the supervisor stopped",
            pid.trim()
        );
    }
}

/// Listens at `address` as soon as the process that held it is gone, unless the party's
/// supervisor restarts it first (its pid file no longer says `pid`).
fn take_when_free(
    address: SocketAddr,
    pid_path: &Path,
    pid: &str,
) -> Option<std::net::TcpListener> {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while std::time::Instant::now() < deadline {
        if let Ok(listener) = std::net::TcpListener::bind(address) {
            return Some(listener);
        }
        if std::fs::read_to_string(pid_path).unwrap_or_default().trim() != pid {
            return None;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    None
}

/// The first byte of a TLS alert record (content type 21).
const TLS_ALERT_RECORD: u8 = 0x15;

/// What a TLS server answers a plaintext HTTP/2 client: the bytes it sends after the preface.
async fn plaintext_answer(address: SocketAddr) -> Vec<u8> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    stream
        .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        .await
        .expect("send the HTTP/2 preface");
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    answer
}

/// One gRPC health check of the party at `address`, presenting `tls` (plaintext without).
async fn health_check(address: SocketAddr, tls: Option<TlsMaterial>) -> Result<(), tonic::Status> {
    use ecosystem::parties::PeerDirectory;
    use tonic_health::pb::{health_client::HealthClient, HealthCheckRequest};
    let directory =
        NetworkDirectory::new(BTreeMap::from([("party".to_owned(), address)])).with_tls(tls);
    let mut client = HealthClient::new(directory.transport("party"));
    client
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .map(|_| ())
}

/// A TLS handshake with the party at `address` presenting `tls`'s certificate, then the
/// HTTP/2 preface and one read: the alert the server sends then, if any (the server judges the
/// client's certificate after the client's side of the handshake is done).
async fn handshake_alert(
    address: SocketAddr,
    tls: &TlsMaterial,
) -> Option<rustls::AlertDescription> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
    use std::io::{Read, Write};
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(tls.ca_pem.as_bytes()).expect("CA PEM"))
        .expect("CA certificate");
    let chain = CertificateDer::pem_slice_iter(tls.certificate_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .expect("certificate PEM");
    let key = PrivateKeyDer::from_pem_slice(tls.key_pem.as_bytes()).expect("key PEM");
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .expect("client certificate");
    tokio::task::spawn_blocking(move || {
        let server = ServerName::try_from("localhost").expect("server name");
        let mut connection =
            rustls::ClientConnection::new(std::sync::Arc::new(config), server).expect("client");
        let mut socket = std::net::TcpStream::connect(address).expect("connect");
        socket
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("read timeout");
        let mut stream = rustls::Stream::new(&mut connection, &mut socket);
        let _ = stream.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
        let mut answer = [0u8; 64];
        let error = stream.read(&mut answer).err()?;
        match error.get_ref()?.downcast_ref::<rustls::Error>()? {
            rustls::Error::AlertReceived(alert) => Some(*alert),
            other => panic!("TLS failed without an alert: {other}"),
        }
    })
    .await
    .expect("handshake task")
}

/// `dccsim bench --processes`: a brief run against a process per party (mutual TLS on every
/// link) where every response is verified and none goes wrong. (Its figures are not checked:
/// speed is for benchmarks, not tests.)
#[test]
fn bench_drives_a_process_per_party() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_dccsim"))
        .args([
            "bench",
            "--processes",
            "--json",
            "--duration",
            "2",
            "--devices",
            "4",
            "--concurrency",
            "4",
        ])
        .output()
        .expect("dccsim bench runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "exit {}: {stderr}", output.status);
    let figures: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("the figures as JSON");
    assert_eq!(figures["errors"], 0, "{figures}");
    assert!(
        figures["service_requests_per_s"].as_f64() > Some(0.0),
        "no request completed: {figures}\n{stderr}"
    );
    assert_eq!(figures["devices"], 4);
}

/// One virtual clock for every process: the DSP's admin call moves the DSP's clock, its
/// process reports the move, and the supervisor sets the others' clocks, so the ESME in the
/// smart meter party's process executes a future-dated 6.4.1 (ECS28a) at its time and the
/// supplier gets its four 8F66 alerts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_call_moves_the_clock_of_every_party_process() {
    use ecosystem::config::{TEMPLATE_ESME, TEST_SUPPLIER};
    let mut config = EcosystemConfig {
        clock: clock::ClockMode::Virtual,
        ..EcosystemConfig::default()
    }
    .with_ephemeral_ports();
    let identities = Identities::build(&config).expect("identities");
    let inbox = Arc::new(
        ResponseInbox::start_with(InboxOptions {
            dsp_xml_key: scenario::runner::dsp_xml_key(&identities),
            ..InboxOptions::default()
        })
        .await
        .expect("response inbox"),
    );
    config.response_url = Some(inbox.url.clone());
    let run_dir = tempfile::tempdir().expect("run dir");
    let (_, config_path) =
        ecosystem::processes::prepare_run(config, run_dir.path()).expect("run folder");
    let (supervisor, endpoints) = ecosystem::processes::Supervisor::start_ready(
        env!("CARGO_BIN_EXE_dccsim").into(),
        config_path,
        run_dir.path().to_owned(),
        Duration::from_secs(120),
    )
    .await
    .expect("every party listening and the DSP ready");
    let duis_url = endpoints.duis_url();
    let supplier = ecosystem::user::UserAgent::new(
        TEST_SUPPLIER,
        &identities,
        ecosystem::user::Endpoints {
            duis_url: duis_url.clone(),
            smki_url: endpoints.smki_url(),
        },
        inbox.clone(),
        ecosystem::user::CounterBook::starting_after(0),
    )
    .expect("the supplier");
    let http = reqwest::Client::new();
    let clock_url = format!("{duis_url}/admin/clock");
    // `virtual 2026-12-03T07:00:00.000Z`
    let dsp_time = http
        .get(&clock_url)
        .send()
        .await
        .expect("the DSP's clock")
        .text()
        .await
        .expect("its time");
    let now = time::OffsetDateTime::parse(
        dsp_time.split_whitespace().nth(1).expect("mode, then time"),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("an RFC 3339 time");
    let execution = (now + time::Duration::hours(1))
        .replace_millisecond(0)
        .expect("a whole second");
    let body = duis::BodyElement::with_children(
        "UpdateDeviceConfigurationLoadLimitingGeneralSettings",
        vec![
            duis::BodyElement::leaf("ExecutionDateTime", clock::xml_date_time(execution)),
            duis::BodyElement::leaf("LoadLimitPeriod", "300"),
            duis::BodyElement::leaf("LoadLimitPowerThreshold", "6900"),
            duis::BodyElement::leaf("LoadLimitRestorationPeriod", "30"),
            duis::BodyElement::leaf("LoadLimitSupplyState", "Disable"),
        ],
    );
    let update = supplier
        .request("6.4.1", TEMPLATE_ESME, body)
        .await
        .expect("6.4.1 answered");
    update
        .verified_gbcs()
        .expect("the ESME accepted the update");

    let moved = http
        .post(format!("{clock_url}?advance=7200"))
        .send()
        .await
        .expect("the admin call");
    assert!(moved.status().is_success(), "{moved:?}");
    for _ in 0..4 {
        let alert = supplier
            .alert(Some("8F66"), Some(TEMPLATE_ESME), Duration::from_secs(60))
            .await
            .expect("the ESME's 8F66 reaches the supplier");
        assert_eq!(alert.answer.response.request_id, Some(update.request_id));
    }

    tokio::time::timeout(Duration::from_secs(60), supervisor.stop())
        .await
        .expect("supervisor stops within a minute")
        .expect("supervisor did not panic");
}
