//! The issue log: each failed test case becomes a test issue with a severity (seed table 11)
//! and a priority (seed table 12), from the scenario's risk-based priority and the kind of
//! failure:
//!
//! | failure            | high      | medium    | low       | why (the tables' words)                                     |
//! |--------------------|-----------|-----------|-----------|-------------------------------------------------------------|
//! | environment        | S1 P1     | S1 P1     | S1 P1     | non-availability of the DCC Data Services; all testing blocked |
//! | verification       | S2 P2     | S2 P2     | S3 P3     | data loss or corruption risk: a MAC, signature or block fails |
//! | no answer          | S2 P2     | S3 P3     | S4 P3     | a service request gets no response: functionality cannot be tested |
//! | unexpected answer  | S3 P2     | S4 P3     | S5 P4     | the service works, but answers wrongly                      |
//! | scenario error     | S5 P4     | S5 P4     | S5 P4     | the test, not the system: minimal impact, little on progress |

use serde::Serialize;

use crate::format::Priority;
use crate::outcome::{FailureKind, RunReport, Status};

/// Test issue severities, seed table 11.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Severity {
    S1,
    S2,
    S3,
    S4,
    S5,
}

impl Severity {
    pub const ALL: &'static [Severity] = &[
        Severity::S1,
        Severity::S2,
        Severity::S3,
        Severity::S4,
        Severity::S5,
    ];

    pub fn number(self) -> u8 {
        match self {
            Severity::S1 => 1,
            Severity::S2 => 2,
            Severity::S3 => 3,
            Severity::S4 => 4,
            Severity::S5 => 5,
        }
    }

    /// The most open defects of this severity the exit criteria allow (seed §6.8).
    pub fn exit_threshold(self) -> usize {
        match self {
            Severity::S1 | Severity::S2 => 0,
            Severity::S3 => 15,
            Severity::S4 => 30,
            Severity::S5 => 60,
        }
    }

    /// The table's words.
    pub fn meaning(self) -> &'static str {
        match self {
            Severity::S1 => "critical adverse impact; DCC services unavailable or data lost",
            Severity::S2 => "major adverse impact; service working at reduced capacity",
            Severity::S3 => "major impact reducible by a work around, or moderate impact",
            Severity::S4 => "minor adverse impact",
            Severity::S5 => "minimal impact",
        }
    }
}

/// One test issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    /// `TI-001`, … in the order of the run.
    pub id: String,
    pub test_case: String,
    pub pack: String,
    pub severity: Severity,
    /// Test issue priority 1–4, seed table 12.
    pub priority: u8,
    pub kind: String,
    pub summary: String,
}

/// Severity and priority for a failure of `kind` in a scenario of `priority`.
pub fn classify(kind: FailureKind, priority: Priority) -> (Severity, u8) {
    use FailureKind::*;
    use Priority::*;
    match (kind, priority) {
        (Environment, _) => (Severity::S1, 1),
        (Verification, High | Medium) => (Severity::S2, 2),
        (Verification, Low) => (Severity::S3, 3),
        (Timeout, High) => (Severity::S2, 2),
        (Timeout, Medium) => (Severity::S3, 3),
        (Timeout, Low) => (Severity::S4, 3),
        (Expectation, High) => (Severity::S3, 2),
        (Expectation, Medium) => (Severity::S4, 3),
        (Expectation, Low) => (Severity::S5, 4),
        (Scenario, _) => (Severity::S5, 4),
    }
}

/// The issue log of a run: one issue per failed test case.
pub fn issue_log(report: &RunReport) -> Vec<Issue> {
    report
        .cases
        .iter()
        .filter_map(|case| match &case.status {
            Status::Failed(failure) => Some((case, failure)),
            _ => None,
        })
        .enumerate()
        .map(|(index, (case, failure))| {
            let (severity, priority) = classify(failure.kind, case.priority);
            Issue {
                id: format!("TI-{:03}", index + 1),
                test_case: case.name.clone(),
                pack: case.pack.clone(),
                severity,
                priority,
                kind: failure.kind.name().to_owned(),
                summary: format!("step {}: {}", failure.step, failure.message),
            }
        })
        .collect()
}

/// The issue log as text.
pub fn render_issue_log(issues: &[Issue]) -> String {
    let mut out = format!("issue log: {} issues\n", issues.len());
    for issue in issues {
        out.push_str(&format!(
            "  {} severity {} priority {} {}/{} ({}): {}\n",
            issue.id,
            issue.severity.number(),
            issue.priority,
            issue.pack,
            issue.test_case,
            issue.kind,
            issue.summary
        ));
    }
    out
}
