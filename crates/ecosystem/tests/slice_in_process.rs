//! The end-to-end slice through the in-process ecosystem on ephemeral ports, with dccsim's
//! own keys: no Java, no npm.

use std::time::Duration;

use ecosystem::user::ResponseInbox;
use ecosystem::EcosystemConfig;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slice_passes_in_one_process() {
    let mut inbox = ResponseInbox::start().await.expect("response inbox");
    let mut config = EcosystemConfig::default().with_ephemeral_ports();
    config.response_url = Some(inbox.url.clone());
    let running = ecosystem::start_in_process(config)
        .await
        .expect("ecosystem starts");
    let duis_url = running.duis_url.clone().expect("DUIS front door");
    ecosystem::wait_until_ready(&duis_url, Duration::from_secs(60))
        .await
        .expect("ecosystem ready");

    let report = ecosystem::demo::run_slice(&running.slice_target(), &mut inbox, 1_000).await;
    println!("{}", report.render());
    assert!(report.passed(), "{}", report.render());
    assert_eq!(report.steps.len(), 5);

    // The ecosystem keeps serving after the negative answers: the same slice again, with
    // higher counters.
    let again = ecosystem::demo::run_slice(&running.slice_target(), &mut inbox, 2_000).await;
    assert!(again.passed(), "{}", again.render());
    running.shutdown().await;
}
