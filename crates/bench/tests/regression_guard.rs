//! The bench's regression guard (issue 10): a brief in-process run must verify every response
//! it asked for, and its throughput must stay a reasonable fraction of the crypto ceiling
//! measured in the same run. No absolute figures: the ratio is of two rates taken on the same
//! machine at the same time, so a slow or busy machine slows both.

use std::time::Duration;

/// One user, one request at a time: what the 44 ms stall of issue 10 cut to about 23
/// requests a second. Tests run unoptimised with the machine shared, so the bar is far below
/// what a release build reaches (see the README's Performance section); a per-request stall
/// of tens of milliseconds falls under it. Measured on the shared 2-core machine: this test,
/// unoptimised, 0.12; release builds 0.11 as it is and 0.03 with the DSP fsyncing each commit.
const MINIMUM_RATIO_TO_CEILING: f64 = 0.04;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_brief_run_verifies_every_response_near_the_crypto_ceiling() {
    let options = bench::BenchOptions {
        duration: Duration::from_secs(3),
        devices: 8,
        concurrency: 1,
        ..bench::BenchOptions::default()
    };
    let report = bench::bench(&options).await.expect("the bench runs");
    println!("{}", report.render());
    assert_eq!(report.figures.errors, 0, "{:?}", report.error_samples);
    assert!(report.completed > 0, "no response was verified");
    assert_eq!(
        report.completed, report.sent,
        "every request sent got its response"
    );
    assert!(
        report.ratio_to_ceiling() >= MINIMUM_RATIO_TO_CEILING,
        "{:.0} requests/s end to end is {:.3} of the crypto ceiling ({:.0}/s per core); at least {MINIMUM_RATIO_TO_CEILING} expected",
        report.figures.service_requests_per_s,
        report.ratio_to_ceiling(),
        report.figures.crypto_ceiling_per_s_per_core,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn critical_commands_and_an_open_loop_are_answered_and_verified() {
    let options = bench::BenchOptions {
        duration: Duration::from_secs(2),
        devices: 4,
        rate: Some(20.0),
        mix: "reads=1,critical=1".parse().expect("a mix"),
        ..bench::BenchOptions::default()
    };
    let report = bench::bench(&options).await.expect("the bench runs");
    println!("{}", report.render());
    assert_eq!(report.figures.errors, 0, "{:?}", report.error_samples);
    assert_eq!(report.completed, report.sent);
    assert_eq!(
        report.warmed_up, 8,
        "each of the 4 devices met once with each kind of the mix before the window"
    );
    assert!(
        report.sent <= 2 * 20 + 1,
        "the window's figures leave out the warm-up: {} sent in 2 s at 20/s",
        report.sent
    );
    assert!(
        report.sent >= 20,
        "the open loop sent {} requests",
        report.sent
    );
    let json: serde_json::Value = serde_json::from_str(&report.json()).expect("JSON");
    let mut fields: Vec<&str> = json
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "concurrency",
            "cores",
            "crypto_ceiling_per_s_per_core",
            "devices",
            "duration_s",
            "end_to_end_ms",
            "errors",
            "service_requests_per_s",
            "sync_latency_ms"
        ]
    );
    for latency in ["sync_latency_ms", "end_to_end_ms"] {
        let mut percentiles: Vec<&str> = json[latency]
            .as_object()
            .expect("percentiles")
            .keys()
            .map(String::as_str)
            .collect();
        percentiles.sort_unstable();
        assert_eq!(percentiles, ["max", "p50", "p90", "p99"]);
    }
}
