//! `dccsim run` as users and CI call it: the smoke pack with its reports (what `make demo`
//! runs), against an ecosystem started separately with `dccsim up`, the wall times of
//! `--jobs 1` and `--jobs N` side by side, and the SIT exit gate failing with exit code 3.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn dccsim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_dccsim"))
}

fn smoke_pack() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/smoke")
}

fn text(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn demo_runs_the_smoke_pack_and_writes_junit_and_html() {
    let folder = tempfile::tempdir().expect("a folder");
    let junit = folder.path().join("smoke.xml");
    let html = folder.path().join("smoke.html");
    let output = dccsim()
        .arg("demo")
        .arg("--junit")
        .arg(&junit)
        .arg("--html")
        .arg(&html)
        .output()
        .expect("dccsim runs");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let cases = scenario::load::load(&[smoke_pack()]).expect("the smoke pack loads");
    let junit = std::fs::read_to_string(&junit).expect("the JUnit report");
    assert_eq!(junit.matches("<testcase ").count(), cases.len(), "{junit}");
    assert!(!junit.contains("<failure"), "{junit}");
    let html = std::fs::read_to_string(&html).expect("the HTML report");
    assert_eq!(
        html.matches("<svg class=\"sequence\"").count(),
        cases.len(),
        "one sequence diagram per test case"
    );
}

/// A free loopback port (taken and given back; the ecosystem under test is told to use it).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

/// Stops `dccsim up` however the test ends.
struct Up(std::process::Child);

impl Drop for Up {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn smoke_pack_passes_against_a_separately_started_up() {
    let folder = tempfile::tempdir().expect("a folder");
    let config = folder.path().join("ecosystem.toml");
    std::fs::write(
        &config,
        ecosystem::EcosystemConfig::default()
            .with_ephemeral_ports()
            .to_toml(),
    )
    .expect("write the configuration");
    let listen = format!("127.0.0.1:{}", free_port());
    let mut up = Up(dccsim()
        .current_dir(folder.path())
        .arg("up")
        .arg("--config")
        .arg(&config)
        .arg("--response-url")
        .arg(format!("http://{listen}/responses"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("dccsim up starts"));
    let stdout = up.0.stdout.take().expect("up's output");
    let (mut duis, mut smki) = (None, None);
    // `up` prints its endpoints, then `ready` (or gives up and exits after its own limit).
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("a line from up");
        let url = line.split_whitespace().nth(1).map(|url| {
            url.split("/api/")
                .next()
                .and_then(|url| url.split("/services/").next())
                .unwrap_or(url)
                .to_owned()
        });
        if line.starts_with("DUIS ") {
            duis = url;
        } else if line.starts_with("SMKI ") {
            smki = url;
        } else if line == "ready" {
            break;
        }
    }
    let (duis, smki) = (
        duis.expect("up printed its DUIS endpoint"),
        smki.expect("up printed its SMKI endpoint"),
    );
    let output = dccsim()
        .arg("run")
        .arg(smoke_pack())
        .args(["--target", &duis, "--smki-url", &smki, "--listen", &listen])
        .output()
        .expect("dccsim run runs");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let cases = scenario::load::load(&[smoke_pack()]).expect("the smoke pack loads");
    assert!(
        stdout.contains(&format!("{} passed, 0 failed, 0 skipped", cases.len())),
        "{}",
        text(&output)
    );
}

#[test]
fn jobs_compare_prints_both_wall_times() {
    let output = dccsim()
        .arg("run")
        .arg(smoke_pack())
        .args(["--jobs", "2", "--jobs-compare"])
        .output()
        .expect("dccsim run runs");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find(|line| line.starts_with("--jobs 1: "))
        .unwrap_or_else(|| panic!("no comparison line:\n{stdout}"));
    let (single, parallel) = line
        .split_once("; --jobs 2: ")
        .unwrap_or_else(|| panic!("{line}"));
    for figure in [single.trim_start_matches("--jobs 1: "), parallel] {
        let seconds = figure.split(" s (").next().unwrap_or_default();
        assert!(
            seconds.parse::<f64>().is_ok_and(|seconds| seconds > 0.0),
            "{line}"
        );
        assert!(figure.contains("passed, 0 failed"), "{line}");
    }
}

#[test]
fn a_failing_scenario_fails_the_sit_exit_gate_with_exit_code_3() {
    let folder = tempfile::tempdir().expect("a folder");
    let shipped =
        std::fs::read_to_string(smoke_pack().join("010-read-inventory.yaml")).expect("a scenario");
    let broken = shipped.replace("length: 7", "length: 8");
    assert_ne!(
        shipped, broken,
        "the smoke scenario no longer expects 7 devices"
    );
    std::fs::write(folder.path().join("010-broken.yaml"), broken).expect("write");
    let output = dccsim()
        .arg("run")
        .arg(folder.path())
        .args(["--gate", "sit-exit"])
        .output()
        .expect("dccsim run runs");
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    for shown in [
        "- body.devices  length 8",
        "+ body.devices  length 7",
        "TI-001 severity 3 priority 2",
        "SMOKE-1: failed",
        "SIT exit gate (seed §6.6.3, thresholds §6.8): FAILED",
        "FAIL at least 85% of planned tests passed: 0 of 1 passed",
    ] {
        assert!(stdout.contains(shown), "{shown:?} missing:\n{stdout}");
    }
}
