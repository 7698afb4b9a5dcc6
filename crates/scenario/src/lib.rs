//! Scenario packs: what integration engineers and CI run against dccsim. A scenario is a YAML
//! file ([`format`]); a pack is a folder of them. The [`runner`] plays each test case (one per
//! example row) in its own in-process ecosystem, or against one already running, and the
//! [`report`]s follow the DCC's SIT test approach: JUnit, one HTML file with a sequence diagram
//! per scenario, JSON, the issue log (severities and priorities of the seed's tables 11 and 12),
//! the traceability matrix and the SIT exit gate (§6.6.3).
#![forbid(unsafe_code)]

pub mod expect;
pub mod format;
pub mod load;
pub mod outcome;
pub mod report;
pub mod runner;
pub mod view;
