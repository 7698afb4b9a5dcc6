//! The reports of a run: JUnit XML for CI, one self-contained HTML file, JSON for tools, the
//! issue log, the traceability matrix and the SIT exit gate, all from one [`RunReport`].

mod html;
mod issues;

use std::collections::BTreeMap;

pub use html::{html, sequence_diagram};
pub use issues::{classify, issue_log, render_issue_log, Issue, Severity};

use crate::outcome::{RunReport, Status};

/// The JSON report: the run as it is, messages included.
pub fn json(report: &RunReport) -> String {
    let mut text = serde_json::to_string_pretty(report).unwrap_or_default();
    text.push('\n');
    text
}

/// JUnit XML: a test suite per pack, a test case per scenario row.
pub fn junit(report: &RunReport) -> String {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut junit = Report::new("dccsim scenarios");
    let mut suites: BTreeMap<&str, TestSuite> = BTreeMap::new();
    for case in &report.cases {
        let suite = suites
            .entry(case.pack.as_str())
            .or_insert_with(|| TestSuite::new(case.pack.clone()));
        let status = match &case.status {
            Status::Passed => TestCaseStatus::success(),
            Status::Skipped { reason } => {
                let mut status = TestCaseStatus::skipped();
                status.set_message(reason.clone());
                status
            }
            Status::Failed(failure) => {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status.set_message(failure.message.clone());
                status.set_type(failure.kind.name());
                let mut description = format!("step {}: {}", failure.step, failure.message);
                if let Some(diff) = &failure.diff {
                    description.push('\n');
                    description.push_str(diff);
                }
                status.set_description(description);
                status
            }
        };
        let mut test_case = TestCase::new(case.name.clone(), status);
        test_case.set_classname(format!("{}.{}", case.pack, case.scenario_id));
        test_case.set_time(case.duration);
        suite.add_test_case(test_case);
    }
    junit.add_test_suites(suites.into_values());
    junit.set_time(report.wall_time);
    junit.to_string().unwrap_or_default()
}

/// Requirement → the test cases demonstrating it → their results.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TraceabilityRow {
    pub requirement: String,
    pub cases: Vec<(String, String)>,
    /// `passed` when every case passed; else `failed`, `not run`.
    pub result: String,
}

/// The traceability matrix: every requirement named by a scenario.
pub fn traceability(report: &RunReport) -> Vec<TraceabilityRow> {
    let mut rows: BTreeMap<&str, Vec<(String, String)>> = BTreeMap::new();
    for case in &report.cases {
        for requirement in &case.requirements {
            rows.entry(requirement.as_str())
                .or_default()
                .push((case.name.clone(), case.status.name().to_owned()));
        }
    }
    rows.into_iter()
        .map(|(requirement, cases)| {
            let result = if cases.iter().any(|(_, status)| status == "failed") {
                "failed"
            } else if cases.iter().all(|(_, status)| status == "passed") {
                "passed"
            } else if cases.iter().any(|(_, status)| status == "passed") {
                "partly run"
            } else {
                "not run"
            };
            TraceabilityRow {
                requirement: requirement.to_owned(),
                cases,
                result: result.to_owned(),
            }
        })
        .collect()
}

/// The traceability matrix as text.
pub fn render_traceability(rows: &[TraceabilityRow]) -> String {
    let mut out = String::from("traceability (requirement: result <- test cases)\n");
    for row in rows {
        let cases: Vec<String> = row
            .cases
            .iter()
            .map(|(name, status)| format!("{name} {status}"))
            .collect();
        out.push_str(&format!(
            "  {}: {} <- {}\n",
            row.requirement,
            row.result,
            cases.join(", ")
        ));
    }
    out
}

/// One criterion of the exit gate and whether it holds.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Criterion {
    pub name: String,
    pub holds: bool,
    pub detail: String,
}

/// The SIT exit criteria of the seed's §6.6.3 with the thresholds of §6.8, applied to a run:
/// 100% of planned tests executed, at least 85% passed, defects within 0 / 0 / 15 / 30 / 60
/// of severities 1 to 5, a complete issue log and a traceability matrix.
pub fn sit_exit_gate(report: &RunReport) -> Vec<Criterion> {
    let planned = report.cases.len();
    let executed = report.passed() + report.failed();
    let passed = report.passed();
    let percent = |count: usize| match planned {
        0 => 0.0,
        planned => count as f64 * 100.0 / planned as f64,
    };
    let not_run: Vec<&str> = report
        .cases
        .iter()
        .filter(|case| matches!(case.status, Status::Skipped { .. }))
        .map(|case| case.name.as_str())
        .collect();
    let mut criteria = vec![
        Criterion {
            name: "100% of planned tests executed".into(),
            holds: planned > 0 && executed == planned,
            detail: match not_run.is_empty() {
                true => format!("{executed} of {planned} executed"),
                false => format!(
                    "{executed} of {planned} executed ({:.1}%); not run: {}",
                    percent(executed),
                    abbreviate(&not_run)
                ),
            },
        },
        Criterion {
            name: "at least 85% of planned tests passed".into(),
            holds: planned > 0 && percent(passed) >= 85.0,
            detail: format!("{passed} of {planned} passed ({:.1}%)", percent(passed)),
        },
    ];
    let issues = issue_log(report);
    for severity in Severity::ALL {
        let count = issues
            .iter()
            .filter(|issue| issue.severity == *severity)
            .count();
        let limit = severity.exit_threshold();
        criteria.push(Criterion {
            name: format!("severity {} defects within {limit}", severity.number()),
            holds: count <= limit,
            detail: format!("{count} open"),
        });
    }
    criteria.push(Criterion {
        name: "a complete set of test issue logs produced".into(),
        holds: issues.len() == report.failed(),
        detail: format!(
            "{} issues for {} failed tests",
            issues.len(),
            report.failed()
        ),
    });
    criteria.push(Criterion {
        name: "test traceability matrix prepared".into(),
        holds: report
            .cases
            .iter()
            .all(|case| !case.requirements.is_empty()),
        detail: format!(
            "{} requirements traced; {} test cases name none",
            traceability(report).len(),
            report
                .cases
                .iter()
                .filter(|case| case.requirements.is_empty())
                .count()
        ),
    });
    criteria
}

fn abbreviate(names: &[&str]) -> String {
    const SHOWN: usize = 8;
    let shown: Vec<&str> = names.iter().take(SHOWN).copied().collect();
    match names.len() > SHOWN {
        true => format!("{} and {} more", shown.join(", "), names.len() - SHOWN),
        false => shown.join(", "),
    }
}

/// The gate as text: each criterion PASS or FAIL.
pub fn render_gate(criteria: &[Criterion]) -> String {
    let holds = criteria.iter().all(|criterion| criterion.holds);
    let mut out = format!(
        "SIT exit gate (seed §6.6.3, thresholds §6.8): {}\n",
        if holds { "PASSED" } else { "FAILED" }
    );
    for criterion in criteria {
        out.push_str(&format!(
            "  {} {}: {}\n",
            if criterion.holds { "PASS" } else { "FAIL" },
            criterion.name,
            criterion.detail
        ));
    }
    out
}

/// The text summary printed at the end of a run: each case, failures with their diff.
pub fn render_text(report: &RunReport) -> String {
    let mut out = String::new();
    for case in &report.cases {
        match &case.status {
            Status::Passed => out.push_str(&format!("PASS {}/{}\n", case.pack, case.name)),
            Status::Skipped { reason } => {
                out.push_str(&format!("SKIP {}/{}: {reason}\n", case.pack, case.name))
            }
            Status::Failed(failure) => {
                out.push_str(&format!(
                    "FAIL {}/{} ({}): step {} `{}`: {}\n",
                    case.pack,
                    case.name,
                    failure.kind.name(),
                    failure.step,
                    case.steps
                        .get(failure.step.saturating_sub(1))
                        .map(|step| step.description.as_str())
                        .unwrap_or("start"),
                    failure.message
                ));
                if let Some(diff) = &failure.diff {
                    for line in diff.lines() {
                        out.push_str("     ");
                        out.push_str(line);
                        out.push('\n');
                    }
                }
            }
        }
    }
    out.push_str(&format!(
        "{} ({} test cases, {} jobs, {:.1} s)\n",
        report.summary(),
        report.cases.len(),
        report.jobs,
        report.wall_time.as_secs_f64()
    ));
    out
}
