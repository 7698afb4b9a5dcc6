//! The end-to-end slice through the in-process ecosystem on ephemeral ports, with dccsim's
//! own keys: no Java, no npm.

use ecosystem::config::TEST_SUPPLIER;
use ecosystem::Sandbox;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slice_passes_in_one_process() {
    let sandbox = Sandbox::start().await.expect("ecosystem ready");
    let supplier = sandbox.user(TEST_SUPPLIER).expect("supplier");
    let duis_url = sandbox.endpoints().duis_url;
    let report = ecosystem::demo::run_slice(&supplier, sandbox.identities(), &duis_url).await;
    println!("{}", report.render());
    assert!(report.passed(), "{}", report.render());
    assert_eq!(report.steps.len(), 5);

    // The ecosystem keeps serving after the negative answers: the same slice again, with the
    // counters rising on.
    let again = ecosystem::demo::run_slice(&supplier, sandbox.identities(), &duis_url).await;
    assert!(again.passed(), "{}", again.render());
    sandbox.shutdown().await;
}
