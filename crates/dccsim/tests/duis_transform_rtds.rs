//! `dccsim duis transform` against RTDS: every DUIS template of `@smartdcc/duis-templates` that
//! pairs by name with an RTDS command (`X_REQUEST_DUIS.XML` ↔ `X_COMMAND_GBCS.HEX`, and for
//! command variant 4 `X_PRECOMMAND_GBCS.HEX`) must transform to exactly those bytes, MAC included.
//!
//! `duis_transform_not_yet.txt` lists the pairs that do not hold yet, one template name per line
//! with the reason: the test fails on any other difference, and on a listed pair that now holds
//! (take it off the list), so the list only shrinks. Issue 7 is done when it is empty.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const DCCSIM: &str = env!("CARGO_BIN_EXE_dccsim");

/// The RTDS commands and pre-commands by file name.
fn rtds_files(gbcs: &Path) -> BTreeMap<String, PathBuf> {
    let mut files = BTreeMap::new();
    for folder in test_support::subfolders(gbcs).expect("RTDS folders") {
        for entry in std::fs::read_dir(&folder).expect("RTDS folder") {
            let path = entry.expect("entry").path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            files.insert(name, path);
        }
    }
    files
}

fn command_variant(template: &str) -> u8 {
    let start = template
        .find("<sr:CommandVariant>")
        .expect("CommandVariant")
        + 19;
    template[start..start + 1].parse().expect("digit")
}

fn not_yet() -> BTreeMap<String, String> {
    include_str!("duis_transform_not_yet.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| match line.split_once(' ') {
            Some((name, reason)) => (name.to_owned(), reason.trim().to_owned()),
            None => (line.to_owned(), String::new()),
        })
        .collect()
}

/// What the DSP's inventory would record of the RTDS command's device, which the template does
/// not say: a GBCS version before the current use cases for a superseded one (ECS26d…), a twin
/// element ESME for the `_TWIN_` templates, a polyphase ESME for the polyphase use cases.
fn device_profile_arguments(base: &str) -> Vec<&'static str> {
    let use_case = base.split('_').next().unwrap_or_default();
    let mut arguments = Vec::new();
    // A template's name spells a use case id without its slash (CCS05CCS04).
    if gbcs::catalogue::SUPERSEDED_USE_CASES
        .iter()
        .any(|(superseded, _)| superseded.replace('/', "") == use_case)
    {
        arguments.extend(["--device-gbcs-version", "3.2"]);
    }
    if base.contains("_TWIN_") {
        arguments.extend(["--esme-variant", "B"]);
    }
    if dsp::services::POLYPHASE_USE_CASES
        .iter()
        .any(|(_, polyphase)| *polyphase == use_case)
    {
        arguments.extend(["--esme-variant", "C"]);
    }
    arguments
}

#[test]
fn every_paired_template_transforms_to_the_rtds_bytes() {
    let Some(templates) = test_support::duis_templates("DUIS templates for duis transform") else {
        return;
    };
    let Some(gbcs) = test_support::rtds_gbcs("RTDS commands for duis transform") else {
        return;
    };
    let Some(keys) = test_support::rtds_keystore("RTDS keys for duis transform") else {
        return;
    };
    let rtds = rtds_files(&gbcs);
    let not_yet = not_yet();
    let mut names: Vec<String> = std::fs::read_dir(&templates)
        .expect("templates")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with("_REQUEST_DUIS.XML"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 297, "the RTDS template set");

    let (mut paired, mut holding, mut listed) = (0, 0, 0);
    let mut unexpected = Vec::new();
    let mut now_holding = Vec::new();
    for name in &names {
        let path = templates.join(name);
        let base = name.trim_end_matches("_REQUEST_DUIS.XML");
        let text = std::fs::read_to_string(&path).expect("template");
        let suffix = if command_variant(&text) == 4 {
            "PRECOMMAND"
        } else {
            "COMMAND"
        };
        let Some(expected) = rtds.get(&format!("{base}_{suffix}_GBCS.HEX")) else {
            continue;
        };
        paired += 1;
        let expected = std::fs::read_to_string(expected)
            .expect("fixture")
            .trim()
            .to_owned();
        let output = Command::new(DCCSIM)
            .args(["duis", "transform", "--keys"])
            .arg(&keys)
            .args(device_profile_arguments(base))
            .arg(&path)
            .output()
            .expect("dccsim runs");
        let printed = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        let holds = output.status.success() && printed == expected;
        match (holds, not_yet.contains_key(base)) {
            (true, false) => holding += 1,
            (true, true) => now_holding.push(base.to_owned()),
            (false, true) => listed += 1,
            (false, false) => unexpected.push(format!(
                "{base}: {}",
                if output.status.success() {
                    format!("printed {printed}\n    expected {expected}")
                } else {
                    String::from_utf8_lossy(&output.stderr).trim().to_owned()
                }
            )),
        }
    }
    println!("duis transform: {holding} of {paired} paired templates give the RTDS bytes");
    for base in not_yet.keys() {
        assert!(
            names
                .iter()
                .any(|name| name.trim_end_matches("_REQUEST_DUIS.XML") == base),
            "{base} in duis_transform_not_yet.txt is not a template"
        );
    }
    assert!(
        unexpected.is_empty(),
        "{} templates differ from RTDS:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
    assert!(
        now_holding.is_empty(),
        "these now give the RTDS bytes: take them off duis_transform_not_yet.txt:\n{}",
        now_holding.join("\n")
    );
    // A listed template the data at hand does not pair (the shared sample is not the whole
    // RTDS set) is neither.
    assert_eq!(holding + listed, paired);
}
