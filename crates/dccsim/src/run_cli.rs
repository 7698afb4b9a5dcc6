//! `dccsim run PACK_OR_FILE…`: scenario packs, with their reports and the SIT exit gate.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use scenario::load::{self, TagExpression, TestCase};
use scenario::outcome::RunReport;
use scenario::report;
use scenario::runner::{self, RunOptions, Target};

/// Exit code when scenarios fail.
const FAILED: u8 = 1;
/// Exit code when the scenarios ran but the exit gate does not pass.
const GATE_FAILED: u8 = 3;

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario files or pack folders (e.g. `scenarios/smoke`).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Only test cases whose tags match: `a,b` or `a or b`, `a and not b`.
    #[arg(long)]
    pub tags: Option<String>,
    /// Test cases run at once (each in its own in-process ecosystem).
    #[arg(long, default_value_t = 1)]
    pub jobs: usize,
    /// Write a JUnit XML report here.
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Write the self-contained HTML report (sequence diagrams, issue log, traceability) here.
    #[arg(long)]
    pub html: Option<PathBuf>,
    /// Write the JSON report here.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Run only the test cases that failed in this earlier JSON report.
    #[arg(long)]
    pub rerun_failed: Option<PathBuf>,
    /// Apply exit criteria: `sit-exit` (seed §6.6.3); exit 3 when they fail.
    #[arg(long)]
    pub gate: Option<Gate>,
    /// Seed every ecosystem (and fault) with this instead of the scenarios' own.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Run against an ecosystem already running: its DUIS front door, e.g. http://127.0.0.1:8079.
    #[arg(long)]
    pub target: Option<String>,
    /// With --target: its SMKI repository (default: the target's host, port 8083).
    #[arg(long)]
    pub smki_url: Option<String>,
    /// With --target: where to listen for responses (start the target with
    /// `--response-url http://<this>/responses`).
    #[arg(long, default_value = "127.0.0.1:8090")]
    pub listen: SocketAddr,
    /// With --target: DCC Boxed's `keystore.json`, when the target uses its identities.
    #[arg(long)]
    pub dccboxed_keystore: Option<PathBuf>,
    /// Run the selection with --jobs 1 and then with --jobs N, and print both wall times.
    #[arg(long)]
    pub jobs_compare: bool,
    /// How long a step without a `timeout` of its own waits for its response or alert
    /// (e.g. 5s, 500ms; default 20s).
    #[arg(long, value_parser = parse_response_wait)]
    pub response_wait: Option<std::time::Duration>,
}

fn parse_response_wait(text: &str) -> Result<std::time::Duration, String> {
    ecosystem::faults::parse_duration(text)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Gate {
    /// SIT exit criteria: 100% executed, ≥ 85% passed, defects within thresholds.
    SitExit,
}

/// Where `dccsim demo` finds the smoke pack: `scenarios/smoke` here, or in the source tree.
pub fn smoke_pack() -> PathBuf {
    let here = PathBuf::from("scenarios/smoke");
    if here.is_dir() {
        return here;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/smoke")
}

fn select(args: &RunArgs) -> anyhow::Result<Vec<TestCase>> {
    let mut cases = load::load(&args.paths)?;
    if let Some(tags) = &args.tags {
        let expression = TagExpression::parse(tags).map_err(anyhow::Error::msg)?;
        cases.retain(|case| expression.matches(&case.tags));
    }
    if let Some(path) = &args.rerun_failed {
        let failed = failed_in(path)?;
        cases.retain(|case| failed.contains(&(case.pack.clone(), case.name.clone())));
    }
    if cases.is_empty() {
        anyhow::bail!("no test case selected");
    }
    Ok(cases)
}

/// (pack, test case) of every failed case of an earlier JSON report.
fn failed_in(path: &Path) -> anyhow::Result<BTreeSet<(String, String)>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let report: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a JSON report of dccsim run", path.display()))?;
    let cases = report
        .get("cases")
        .and_then(|cases| cases.as_array())
        .with_context(|| format!("{} has no cases", path.display()))?;
    Ok(cases
        .iter()
        .filter(|case| case.get("status").and_then(|s| s.as_str()) == Some("failed"))
        .filter_map(|case| {
            Some((
                case.get("pack")?.as_str()?.to_owned(),
                case.get("name")?.as_str()?.to_owned(),
            ))
        })
        .collect())
}

fn options(args: &RunArgs, jobs: usize) -> anyhow::Result<RunOptions> {
    let target = match &args.target {
        None => None,
        Some(url) => {
            let duis_url = url.trim_end_matches('/').to_owned();
            let smki_url = match &args.smki_url {
                Some(url) => url.trim_end_matches('/').to_owned(),
                None => with_port(&duis_url, 8083)?,
            };
            Some(Target {
                duis_url,
                smki_url,
                listen: args.listen,
                seed: args.seed.unwrap_or(runner::DEFAULT_SEED),
                dccboxed_keystore: args.dccboxed_keystore.clone(),
                inbox: None,
            })
        }
    };
    Ok(RunOptions {
        jobs,
        seed: args.seed,
        target,
        progress: true,
        response_wait: args.response_wait,
    })
}

/// `http://host:port` with another port.
fn with_port(url: &str, port: u16) -> anyhow::Result<String> {
    let (scheme, rest) = url
        .split_once("://")
        .with_context(|| format!("{url} is not an http URL"))?;
    let host = rest.split(['/', ':']).next().unwrap_or(rest);
    Ok(format!("{scheme}://{host}:{port}"))
}

fn write(path: &Option<PathBuf>, text: impl FnOnce() -> String) -> anyhow::Result<()> {
    if let Some(path) = path {
        std::fs::write(path, text()).with_context(|| format!("cannot write {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

pub async fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let cases = select(&args)?;
    if args.jobs_compare {
        return compare_jobs(&args, cases).await;
    }
    let report = runner::run(cases, &options(&args, args.jobs)?).await?;
    finish(&args, &report)
}

fn finish(args: &RunArgs, report: &RunReport) -> anyhow::Result<ExitCode> {
    print!("{}", report::render_text(report));
    write(&args.junit, || report::junit(report))?;
    write(&args.html, || report::html(report))?;
    write(&args.json, || report::json(report))?;
    let issues = report::issue_log(report);
    if !issues.is_empty() {
        print!("{}", report::render_issue_log(&issues));
    }
    if args.gate.is_some() {
        print!(
            "{}",
            report::render_traceability(&report::traceability(report))
        );
        let criteria = report::sit_exit_gate(report);
        print!("{}", report::render_gate(&criteria));
        if criteria.iter().any(|criterion| !criterion.holds) {
            return Ok(ExitCode::from(GATE_FAILED));
        }
    }
    if report.failed() > 0 {
        return Ok(ExitCode::from(FAILED));
    }
    Ok(ExitCode::SUCCESS)
}

async fn compare_jobs(args: &RunArgs, cases: Vec<TestCase>) -> anyhow::Result<ExitCode> {
    let jobs = args.jobs.max(2);
    let single = runner::run(cases.clone(), &options(args, 1)?).await?;
    let parallel = runner::run(cases, &options(args, jobs)?).await?;
    println!(
        "--jobs 1: {:.2} s ({}); --jobs {jobs}: {:.2} s ({})",
        single.wall_time.as_secs_f64(),
        single.summary(),
        parallel.wall_time.as_secs_f64(),
        parallel.summary()
    );
    finish(args, &parallel)
}
