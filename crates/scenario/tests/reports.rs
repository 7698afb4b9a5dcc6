//! What a run tells people: a scenario made to fail fails the SIT exit gate, is classified in
//! the issue log and shows in the traceability matrix, with a diff a person can read (a
//! snapshot); the HTML report renders in headless Chromium with every scenario's sequence
//! diagram; and faults seeded alike replay alike (the same message order, all links together,
//! twice), while another seed strikes differently.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ecosystem::faults::FaultSpec;
use scenario::format::{FaultStep, Step};
use scenario::outcome::{RunReport, Status};
use scenario::runner::RunOptions;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
}

fn run(paths: &[PathBuf], jobs: usize) -> RunReport {
    let cases = scenario::load::load(paths).expect("the scenarios load");
    let options = RunOptions {
        jobs,
        ..RunOptions::default()
    };
    runtime()
        .block_on(scenario::runner::run(cases, &options))
        .expect("the run starts")
}

fn pack(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scenarios")
        .join(name)
}

/// The smoke pack's 8.2 Read Inventory, as shipped and with `devices` expected to be
/// `count` long.
fn read_inventory(id: &str, requirement: &str, count: usize) -> String {
    format!(
        r#"id: {id}
title: 8.2 Read Inventory lists the Comms Hub's devices
priority: high
requirements: [{requirement}]
service_requests: ["8.2"]
steps:
  - request:
      service: "8.2"
      body: {{ DeviceID: "${{chf}}" }}
      expect:
        response_code: I0
        body.kind: DSPInventory
        body.devices: {{ length: {count} }}
        body.devices.0.device_status: Commissioned
"#
    )
}

#[test]
fn a_scenario_made_to_fail_fails_the_gate_is_classified_and_traced() {
    let temporary = tempfile::tempdir().expect("a folder");
    let folder = temporary.path().join("made-to-fail");
    std::fs::create_dir(&folder).expect("the pack folder");
    std::fs::write(
        folder.join("010-passes.yaml"),
        read_inventory("inventory-as-shipped", "REQ-PASSES", 7),
    )
    .expect("write");
    std::fs::write(
        folder.join("020-made-to-fail.yaml"),
        read_inventory("inventory-made-to-fail", "REQ-MADE-TO-FAIL", 8),
    )
    .expect("write");
    let report = run(&[folder], 2);
    let text = scenario::report::render_text(&report);
    assert_eq!((report.passed(), report.failed()), (1, 1), "{text}");

    let criteria = scenario::report::sit_exit_gate(&report);
    let failing: Vec<&str> = criteria
        .iter()
        .filter(|criterion| !criterion.holds)
        .map(|criterion| criterion.name.as_str())
        .collect();
    assert_eq!(
        failing,
        ["at least 85% of planned tests passed"],
        "{}",
        scenario::report::render_gate(&criteria)
    );

    let issues = scenario::report::issue_log(&report);
    assert_eq!(issues.len(), 1);
    let issue = &issues[0];
    assert_eq!(issue.test_case, "inventory-made-to-fail");
    // An unexpected answer in a high-priority scenario: severity 3, priority 2 (seed tables
    // 11 and 12).
    assert_eq!(
        (issue.severity.number(), issue.priority, issue.kind.as_str()),
        (3, 2, "unexpected answer")
    );

    let matrix = scenario::report::traceability(&report);
    let result_of = |requirement: &str| {
        matrix
            .iter()
            .find(|row| row.requirement == requirement)
            .map(|row| row.result.clone())
    };
    assert_eq!(result_of("REQ-MADE-TO-FAIL").as_deref(), Some("failed"));
    assert_eq!(result_of("REQ-PASSES").as_deref(), Some("passed"));

    // What the person running it reads: the failed case with its diff and what did arrive
    // (the response's time of day, which changes from run to run, masked).
    let failure = text
        .lines()
        .skip_while(|line| !line.starts_with("FAIL "))
        .take_while(|line| !line.contains(" test cases, "))
        .map(
            |line| match line.trim_start().starts_with("response_date_time:") {
                true => "       response_date_time: (masked)",
                false => line,
            },
        )
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!("failed_expectation", failure);
    insta::assert_snapshot!("issue_log", scenario::report::render_issue_log(&issues));
}

#[test]
fn html_report_renders_in_headless_chromium_with_every_sequence_diagram() {
    let Some(chromium) = chromium() else {
        return;
    };
    let report = run(&[pack("smoke")], 2);
    let html = scenario::report::html(&report);
    let folder = tempfile::tempdir().expect("a folder");
    // The report as shipped, plus a probe that writes each diagram's laid-out size into the
    // page once Chromium has rendered it.
    let probe = r#"<script>window.addEventListener('load',function(){var out=document.createElement('pre');out.id='layout-probe';document.querySelectorAll('svg.sequence').forEach(function(svg){var box=svg.getBoundingClientRect();out.textContent+=svg.getAttribute('data-case')+' '+Math.round(box.width)+'x'+Math.round(box.height)+' '+svg.querySelectorAll('.message').length+'\n';});document.body.appendChild(out);});</script></body>"#;
    let probed = html.replacen("</body>", probe, 1);
    let page = folder.path().join("report.html");
    std::fs::write(&page, probed).expect("write the report");
    let url = format!("file://{}", page.display());
    let profile = folder.path().join("profile");
    let headless = |extra: &[String]| {
        let mut command = std::process::Command::new(&chromium);
        command
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--hide-scrollbars",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(extra)
            .arg(&url);
        command.output().expect("chromium runs")
    };

    let screenshot = folder.path().join("report.png");
    let shot = headless(&[
        format!("--screenshot={}", screenshot.display()),
        "--window-size=1280,2400".to_owned(),
    ]);
    assert!(
        shot.status.success(),
        "{}",
        String::from_utf8_lossy(&shot.stderr)
    );
    let png = std::fs::read(&screenshot).expect("the screenshot");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let (width, height) = (
        u32::from_be_bytes(png[16..20].try_into().expect("width")),
        u32::from_be_bytes(png[20..24].try_into().expect("height")),
    );
    assert_eq!((width, height), (1280, 2400));
    assert!(
        png.len() > 20_000,
        "a nearly blank page: {} bytes",
        png.len()
    );

    let dom = headless(&[
        "--dump-dom".to_owned(),
        "--virtual-time-budget=5000".to_owned(),
    ]);
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom = String::from_utf8_lossy(&dom.stdout);
    let probe_text = dom
        .split("<pre id=\"layout-probe\">")
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .unwrap_or_else(|| panic!("the probe did not run in Chromium:\n{dom}"));
    let laid_out: Vec<(&str, u32, u32, usize)> = probe_text
        .lines()
        .filter_map(|line| {
            let mut parts = line.split(' ');
            let case = parts.next()?;
            let (width, height) = parts.next()?.split_once('x')?;
            let messages = parts.next()?.parse().ok()?;
            Some((case, width.parse().ok()?, height.parse().ok()?, messages))
        })
        .collect();
    assert_eq!(laid_out.len(), report.cases.len(), "{probe_text}");
    for (case, found) in report.cases.iter().zip(&laid_out) {
        let (anchor, width, height, messages) = *found;
        assert!(
            anchor.ends_with(&case.name.replace(|c: char| !c.is_ascii_alphanumeric(), "-")),
            "{anchor} for {}",
            case.name
        );
        assert!(
            width > 100 && height > 50,
            "{anchor}: diagram laid out {width}x{height}"
        );
        assert_eq!(messages, case.messages.len(), "{anchor}: arrows drawn");
        assert!(messages > 0, "{anchor}: no messages in its diagram");
    }
}

/// Debian's `chromium`, or `None` after a loud SKIPPED line (a failure under `CI=true`).
fn chromium() -> Option<PathBuf> {
    for name in ["chromium", "chromium-browser"] {
        let found = std::process::Command::new(name)
            .arg("--version")
            .output()
            .is_ok_and(|output| output.status.success());
        if found {
            return Some(PathBuf::from(name));
        }
    }
    test_support::skip(
        "chromium not found on PATH (apt-get install chromium): the HTML report is not rendered",
    );
    None
}

/// Each case's messages in the order they entered their links, all links together, as
/// `from -> to label [outcome] fault`. The RDPs' links are left out: they republish
/// registration data every second by the wall clock, not the scenario.
fn message_order(report: &RunReport) -> BTreeMap<String, Vec<String>> {
    report
        .cases
        .iter()
        .map(|case| {
            let order = case
                .messages
                .iter()
                .filter(|message| !message.from.starts_with("rdp"))
                .map(|message| {
                    format!(
                        "{} -> {} {} [{}]{}",
                        message.from,
                        message.to,
                        message.label,
                        message.outcome,
                        message
                            .fault
                            .as_deref()
                            .map(|fault| format!(" fault {fault}"))
                            .unwrap_or_default()
                    )
                })
                .collect();
            (case.name.clone(), order)
        })
        .collect()
}

/// Whether a case injects a fault whose choices are drawn: a probability, a delay from a
/// distribution.
fn draws(case: &scenario::load::TestCase) -> bool {
    injected(case).any(|fault| {
        fault
            .probability
            .is_some_and(|probability| probability < 1.0)
            || matches!(
                fault.delay,
                Some(ecosystem::faults::DelaySpec::Distribution(_))
            )
    })
}

fn injected(case: &scenario::load::TestCase) -> impl Iterator<Item = &FaultSpec> {
    case.steps.iter().filter_map(|step| match step {
        Step::Fault(FaultStep::Inject(fault)) => Some(fault),
        _ => None,
    })
}

fn run_cases(cases: Vec<scenario::load::TestCase>, seed: Option<u64>) -> RunReport {
    let options = RunOptions {
        jobs: 2,
        seed,
        ..RunOptions::default()
    };
    runtime()
        .block_on(scenario::runner::run(cases, &options))
        .expect("the run starts")
}

fn all_passed(report: &RunReport) {
    let text = scenario::report::render_text(report);
    for case in &report.cases {
        assert!(
            matches!(case.status, Status::Passed),
            "{}: {:?}\n{text}",
            case.name,
            case.status
        );
    }
}

#[test]
fn resilience_pack_passes_and_the_same_seed_gives_the_same_message_order_twice() {
    let cases = scenario::load::load(&[pack("resilience")]).expect("the pack loads");
    let kinds: std::collections::BTreeSet<&str> = cases
        .iter()
        .flat_map(injected)
        .map(|fault| fault.kind.name())
        .collect();
    assert!(kinds.len() >= 8, "kinds of fault injected: {kinds:?}");

    let first = run_cases(cases.clone(), None);
    all_passed(&first);
    for case in &first.cases {
        assert!(
            case.messages.iter().any(|message| message.fault.is_some()),
            "{}: no message shows the fault it injects",
            case.name
        );
    }
    let second = run_cases(cases.clone(), None);
    all_passed(&second);
    let (first_order, second_order) = (message_order(&first), message_order(&second));
    assert_eq!(first_order.len(), cases.len());
    for (name, once) in &first_order {
        let again = &second_order[name];
        assert_eq!(
            once, again,
            "{name}: the message order differs between two runs with the same seed"
        );
    }

    // The order is the seed's: faults drawn with another seed strike differently.
    let drawn: Vec<_> = cases
        .iter()
        .filter(|case| draws(case))
        .cloned()
        .map(|mut case| {
            for step in &mut case.steps {
                if let Step::Fault(FaultStep::Inject(fault)) = step {
                    fault.seed = fault.seed.map(|seed| seed + 1);
                }
            }
            case
        })
        .collect();
    assert!(drawn.len() >= 2, "cases whose faults draw: {}", drawn.len());
    let other = run_cases(drawn, Some(43));
    all_passed(&other);
    for (name, order) in &message_order(&other) {
        assert_ne!(
            &first_order[name], order,
            "{name}: another seed struck exactly as the first"
        );
    }
}
