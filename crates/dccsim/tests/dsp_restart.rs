//! A DSP killed with SIGKILL while 1,000 accepted requests are in flight, started again by
//! the supervisor on the same data folder: every request that got I99 gets exactly one final
//! answer (device response or DCC alert), none is lost or duplicated, a replayed counter is
//! refused, and `dccsim audit` shows each request's hops.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dcc_model::{CommandVariant, RequestId, ResponseCode};
use duis::ResponseBody;
use ecosystem::config::{TEMPLATE_ESME, TEMPLATE_GPF, TEST_SUPPLIER};
use ecosystem::user::DuisUser;
use ecosystem::{EcosystemConfig, Identities};

const REQUESTS: u64 = 1_000;

/// A Receive Response endpoint that refuses (503) until opened, then keeps every document.
#[derive(Clone, Default)]
struct Inbox {
    open: Arc<AtomicBool>,
    documents: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl Inbox {
    async fn start(&self) -> String {
        let inbox = self.clone();
        let router = axum::Router::new().route(
            "/responses",
            axum::routing::post(move |body: axum::body::Bytes| {
                let inbox = inbox.clone();
                async move {
                    if !inbox.open.load(Ordering::SeqCst) {
                        return axum::http::StatusCode::SERVICE_UNAVAILABLE;
                    }
                    inbox
                        .documents
                        .lock()
                        .expect("documents")
                        .push(body.to_vec());
                    axum::http::StatusCode::NO_CONTENT
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("listen");
        let address = listener.local_addr().expect("address");
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        format!("http://{address}/responses")
    }
}

/// The request a document is the final answer to: its RequestID, or a CommandFailure alert's
/// CommandRequestID.
fn answered_request(document: &[u8]) -> Option<RequestId> {
    let response = duis::parse_response(document).ok()?;
    if let Some(request_id) = response.request_id {
        return Some(request_id);
    }
    match response.body {
        ResponseBody::DccAlert { alert, .. } if alert.name == "CommandFailure" => {
            alert.find_text("CommandRequestID")?.parse().ok()
        }
        _ => None,
    }
}

fn dsp_pid(run_dir: &std::path::Path) -> String {
    std::fs::read_to_string(ecosystem::processes::pid_file(run_dir, "dsp"))
        .unwrap_or_default()
        .trim()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_dsp_owes_and_delivers_every_answer_exactly_once() {
    let inbox = Inbox::default();
    let url = inbox.start().await;
    let run_dir = tempfile::tempdir().expect("run dir");
    let mut config = EcosystemConfig::default().with_ephemeral_ports();
    config.response_url = Some(url);
    config.dsp_data_directory = Some(run_dir.path().join("dsp-data"));
    let (config, config_path) =
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
    let identities = Identities::build(&config).expect("identities");
    let user = Arc::new(DuisUser::new(TEST_SUPPLIER, &identities, &duis_url).expect("user"));

    // 1,000 reads, half to the ESME and half to the GPF, each device's counters rising; the
    // user's endpoint refuses every answer meanwhile, so they wait in the DSP.
    let mut senders = Vec::new();
    for (device, first) in [(TEMPLATE_ESME, 0), (TEMPLATE_GPF, REQUESTS / 2)] {
        let user = user.clone();
        senders.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for index in first..first + REQUESTS / 2 {
                let xml = user
                    .signed_request(
                        device,
                        10_000 + index,
                        CommandVariant::SendOverWan,
                        "4.1.1",
                        DuisUser::body("ReadInstantaneousImportRegisters", Vec::new()),
                    )
                    .expect("signed");
                let answer = user.post("serviceS", xml).await.expect("answer");
                assert_eq!(
                    answer.response.response_code,
                    ResponseCode::Acknowledgement,
                    "{:?}",
                    answer.response
                );
                acknowledged.push(answer.response.request_id.expect("RequestID"));
            }
            acknowledged
        }));
    }
    let mut acknowledged: Vec<RequestId> = Vec::new();
    for sender in senders {
        acknowledged.extend(sender.await.expect("sender"));
    }
    assert_eq!(acknowledged.len() as u64, REQUESTS);

    // SIGKILL the DSP; the supervisor starts it again on the same data folder.
    let pid = dsp_pid(run_dir.path());
    let killed = std::process::Command::new("kill")
        .args(["-9", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while dsp_pid(run_dir.path()) == pid {
        assert!(
            std::time::Instant::now() < deadline,
            "the DSP was not restarted"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    ecosystem::wait_until_ready(&duis_url, Duration::from_secs(120))
        .await
        .expect("ready again");

    // A replayed counter is refused after the restart too.
    let replay = user
        .post(
            "serviceS",
            user.signed_request(
                TEMPLATE_ESME,
                10_000,
                CommandVariant::SendOverWan,
                "4.1.1",
                DuisUser::body("ReadInstantaneousImportRegisters", Vec::new()),
            )
            .expect("signed"),
        )
        .await
        .expect("answer");
    assert_eq!(replay.response.response_code.to_string(), "E1003");

    inbox.open.store(true, Ordering::SeqCst);
    let wanted: HashMap<RequestId, ()> = acknowledged.iter().map(|id| (*id, ())).collect();
    let deadline = std::time::Instant::now() + Duration::from_secs(300);
    let count_answers = || {
        let mut answers: HashMap<RequestId, usize> = HashMap::new();
        for document in inbox.documents.lock().expect("documents").iter() {
            if let Some(request_id) = answered_request(document) {
                *answers.entry(request_id).or_default() += 1;
            }
        }
        answers
    };
    loop {
        let answers = count_answers();
        if wanted.keys().all(|id| answers.contains_key(id)) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{} of {REQUESTS} acknowledged requests answered",
            wanted.keys().filter(|id| answers.contains_key(id)).count()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let answers = count_answers();
    let duplicated: Vec<_> = answers.iter().filter(|(_, count)| **count > 1).collect();
    assert!(
        duplicated.is_empty(),
        "answered more than once: {duplicated:?}"
    );
    let unexpected: Vec<_> = answers
        .keys()
        .filter(|id| !wanted.contains_key(id))
        .collect();
    assert!(
        unexpected.is_empty(),
        "answers to requests never acknowledged: {unexpected:?}"
    );

    // dccsim audit shows each request's hops, the delivery to the user last. The DSP records
    // a delivery once the user's endpoint has answered it, so just after the last document
    // arrived its record may still be on the way: ask again until the deadline.
    let ids: Vec<String> = acknowledged.iter().map(RequestId::to_string).collect();
    let hops = [
        "received",
        "sent through comms hub",
        "response from",
        "delivered to",
    ];
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let audit = std::process::Command::new(env!("CARGO_BIN_EXE_dccsim"))
            .arg("audit")
            .args(&ids)
            .args(["--url", &duis_url])
            .output()
            .expect("dccsim audit");
        assert!(
            audit.status.success(),
            "{}",
            String::from_utf8_lossy(&audit.stderr)
        );
        let text = String::from_utf8_lossy(&audit.stdout);
        let sections: Vec<&str> = text.split("\n90-B3").collect();
        assert_eq!(sections.len() as u64, REQUESTS, "one section per request");
        let incomplete = ids.iter().zip(&sections).find_map(|(id, section)| {
            assert!(section.contains(&id[5..]), "section of {id}: {section}");
            let missing = hops.iter().find(|hop| !section.contains(*hop))?;
            Some(format!("{id} lacks {missing:?}:\n{section}"))
        });
        let Some(incomplete) = incomplete else {
            break;
        };
        assert!(std::time::Instant::now() < deadline, "{incomplete}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let _ = supervisor.stop().await;
}
