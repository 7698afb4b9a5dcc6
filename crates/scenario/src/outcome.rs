//! What a run found: per test case its status, its steps, and every message that crossed a
//! link while it ran.

use std::time::Duration;

use serde::Serialize;

use crate::format::Priority;

/// Why a test case failed: the kind sets the severity of the issue it raises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The ecosystem did not start, was not ready, or could not be reached.
    Environment,
    /// A MAC or signature did not verify, or a sensitive block did not decrypt.
    Verification,
    /// An answer that should have come did not.
    Timeout,
    /// An answer came, but not the one expected.
    Expectation,
    /// The scenario itself is wrong (unknown value, bad path, missing fixture name).
    Scenario,
}

impl FailureKind {
    pub fn name(self) -> &'static str {
        match self {
            FailureKind::Environment => "environment",
            FailureKind::Verification => "verification",
            FailureKind::Timeout => "no answer",
            FailureKind::Expectation => "unexpected answer",
            FailureKind::Scenario => "scenario error",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    pub kind: FailureKind,
    /// The step that failed, from 1 (0: before the first step).
    pub step: usize,
    pub message: String,
    /// Expected (`-`) against found (`+`), and the closest message that did arrive.
    pub diff: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    Passed,
    Failed(Failure),
    Skipped { reason: String },
}

impl Status {
    pub fn name(&self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed(_) => "failed",
            Status::Skipped { .. } => "skipped",
        }
    }
}

/// One step as it ran.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepRecord {
    pub description: String,
    pub status: String,
    pub notes: Vec<String>,
}

/// One message across a link, ready to show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportMessage {
    pub sequence: u64,
    pub at_ms: f64,
    pub from: String,
    pub to: String,
    pub label: String,
    pub request_id: String,
    pub device_id: String,
    pub outcome: String,
    pub failed: bool,
    pub fault: Option<String>,
    /// The DUIS document of an HTTP hop.
    pub duis: Option<String>,
    /// The GBCS message, hex.
    pub gbcs_hex: Option<String>,
    /// The GBCS message decoded (MACs checked and blocks decrypted with the run's keys).
    pub gbcs_decoded: Option<String>,
}

/// One test case's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseResult {
    pub pack: String,
    pub name: String,
    pub scenario_id: String,
    pub title: String,
    pub file: String,
    pub priority: Priority,
    pub tags: Vec<String>,
    pub requirements: Vec<String>,
    pub service_requests: Vec<String>,
    pub seed: u64,
    #[serde(flatten)]
    pub status: Status,
    pub steps: Vec<StepRecord>,
    pub messages: Vec<ReportMessage>,
    #[serde(serialize_with = "milliseconds")]
    pub duration: Duration,
}

/// A whole run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunReport {
    /// `in-process` or the DUIS URL of the ecosystem run against.
    pub mode: String,
    pub jobs: usize,
    pub cases: Vec<CaseResult>,
    #[serde(serialize_with = "milliseconds")]
    pub wall_time: Duration,
}

impl RunReport {
    pub fn count(&self, status: &str) -> usize {
        self.cases
            .iter()
            .filter(|case| case.status.name() == status)
            .count()
    }

    pub fn passed(&self) -> usize {
        self.count("passed")
    }

    pub fn failed(&self) -> usize {
        self.count("failed")
    }

    pub fn skipped(&self) -> usize {
        self.count("skipped")
    }

    /// `N passed, N failed, N skipped`.
    pub fn summary(&self) -> String {
        format!(
            "{} passed, {} failed, {} skipped",
            self.passed(),
            self.failed(),
            self.skipped()
        )
    }
}

fn milliseconds<S: serde::Serializer>(
    duration: &Duration,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(duration.as_secs_f64() * 1_000.0)
}
