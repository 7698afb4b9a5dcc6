//! Dev-only helpers shared by dccsim's tests: where `../shared/` and DCC's tooling are, and one
//! rule for when they are not there: a loud `SKIPPED` line, or a failure when `CI=true`.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

pub mod dcc_batch;
#[cfg(feature = "fakes")]
pub mod fakes;
pub mod mutation;
#[cfg(feature = "fakes")]
pub mod peers;

/// The default fleet's identities (organisations and devices), for tests.
pub mod fleet {
    pub use dcc_model::fleet::*;
    pub use dcc_model::DCC_ACCESS_CONTROL_BROKER;
}

/// The RTDS alerts (`*_ALERT*_GBCS.HEX`) in the fixture folders under `gbcs`, in name order.
pub fn rtds_alert_files(gbcs: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for folder in subfolders(gbcs)? {
        for entry in std::fs::read_dir(folder)? {
            let path = entry?.path();
            let name = path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name.contains("_ALERT") && name.ends_with("_GBCS.HEX") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// The device type of an RTDS reference device (`00DB1234567890A0` ESME, `A1` GSME, `A2`
/// CHF, `A3` GPF, `A4` PPMID, `A5` and `A6` HCALCS).
pub fn rtds_device_type(device: dcc_model::Eui64) -> Option<dcc_model::DeviceType> {
    use dcc_model::DeviceType::*;
    Some(match device.as_u64() {
        0x00DB_1234_5678_90A0 => ElectricitySmartMeter,
        0x00DB_1234_5678_90A1 => GasSmartMeter,
        0x00DB_1234_5678_90A2 => CommunicationsHubFunction,
        0x00DB_1234_5678_90A3 => GasProxyFunction,
        0x00DB_1234_5678_90A4 => PrepaymentInterfaceDevice,
        0x00DB_1234_5678_90A5 | 0x00DB_1234_5678_90A6 => HanConnectedAuxiliaryLoadControlSwitch,
        _ => return None,
    })
}

/// The workspace root (the folder holding the top `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `../shared/` beside the workspace, or `$DCCSIM_SHARED` when set (for a copy of the tree
/// elsewhere, as `make mutants` builds).
pub fn shared_root() -> PathBuf {
    std::env::var_os("DCCSIM_SHARED")
        .map_or_else(|| workspace_root().join("../shared"), PathBuf::from)
}

/// `.dcc-tooling/` in the workspace, or `$DCCSIM_DCC_TOOLING` when set.
pub fn dcc_tooling_root() -> PathBuf {
    std::env::var_os("DCCSIM_DCC_TOOLING")
        .map_or_else(|| workspace_root().join(".dcc-tooling"), PathBuf::from)
}

/// Whether the run is CI's, where nothing may be skipped.
pub fn under_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// Prints a loud `SKIPPED` line naming what is missing, or panics when `CI=true`.
pub fn skip(reason: &str) {
    if under_ci() {
        panic!("SKIPPED is not allowed when CI=true: {reason}");
    }
    eprintln!("SKIPPED: {reason}");
    println!("SKIPPED: {reason}");
}

/// `path` if it exists, else `None` after [`skip`].
pub fn present_or_skip(path: PathBuf, what: &str) -> Option<PathBuf> {
    if path.exists() {
        return Some(path);
    }
    skip(&format!("{} not found ({what})", path.display()));
    None
}

/// `../shared/vectors/<relative>` (use `""` for the folder itself), or `None` after [`skip`].
pub fn shared_vectors(relative: &str, what: &str) -> Option<PathBuf> {
    present_or_skip(shared_root().join("vectors").join(relative), what)
}

/// The RTDS 4.5.0 GBCS fixture folders (`../shared/vectors/rtds-4.5.0/gbcs`), or `None`.
pub fn rtds_gbcs(what: &str) -> Option<PathBuf> {
    shared_vectors("rtds-4.5.0/gbcs", what)
}

/// The RTDS key folder (`../shared/vectors/rtds-4.5.0/keystore`), or `None`.
pub fn rtds_keystore(what: &str) -> Option<PathBuf> {
    shared_vectors("rtds-4.5.0/keystore", what)
}

/// `.dcc-tooling/<relative>` (fetched by `.ci/fetch-dcc-tooling`), or `None` after [`skip`].
pub fn dcc_tooling(relative: &str, what: &str) -> Option<PathBuf> {
    present_or_skip(dcc_tooling_root().join(relative), what)
}

/// The 297 RTDS DUIS request templates of `@smartdcc/duis-templates`, or `None`.
pub fn duis_templates(what: &str) -> Option<PathBuf> {
    dcc_tooling("duis-templates/templates", what)
}

/// Whether `program` runs (`program version_argument`), else `false` after [`skip`].
pub fn tool_available(program: &str, version_argument: &str, what: &str) -> bool {
    command_succeeds(program, &[version_argument], what)
}

/// Whether Python's `module` imports (`python3 -c 'import module'`), else `false` after [`skip`].
pub fn python_module_available(module: &str, what: &str) -> bool {
    command_succeeds("python3", &["-c", &format!("import {module}")], what)
}

/// Whether `program arguments…` exits 0, else `false` after [`skip`] naming the command.
pub fn command_succeeds(program: &str, arguments: &[&str], what: &str) -> bool {
    let runs = std::process::Command::new(program)
        .args(arguments)
        .output()
        .is_ok_and(|output| output.status.success());
    if !runs {
        let command = std::iter::once(program)
            .chain(arguments.iter().copied())
            .collect::<Vec<_>>()
            .join(" ");
        skip(&format!("`{command}` does not run ({what})"));
    }
    runs
}

/// Runs `.ci/fetch-dcc-tooling` (DCC's npm packages into `.dcc-tooling/`) when one of its
/// packages is missing; the suites then call [`dcc_tooling`], which skips or fails as usual
/// when the fetch could not be done.
pub fn fetch_dcc_tooling_if_missing() {
    let tooling = dcc_tooling_root();
    let _only_fetch = match lock_dcc_tooling() {
        Ok(lock) => lock,
        Err(error) => {
            eprintln!("could not lock {}: {error}", tooling.display());
            return;
        }
    };
    let complete = ["duis-templates", "dccboxed-keystore", "duis-sign-wrap"]
        .iter()
        .all(|package| tooling.join(package).join("package.json").is_file())
        && (!shared_root().join("tools/dcc-oracle/setup.sh").is_file()
            || tooling.join(ORACLE_SCRIPT).is_file());
    if complete {
        return;
    }
    let fetched = std::process::Command::new("bash")
        .arg(workspace_root().join(".ci/fetch-dcc-tooling"))
        .status()
        .is_ok_and(|status| status.success());
    if !fetched {
        eprintln!("could not fetch DCC's npm tooling with .ci/fetch-dcc-tooling");
    }
}

/// An exclusive lock on `.dcc-tooling/` across processes, held until the returned file is
/// dropped: whoever installs into it (fetching DCC's packages, `npm install` of a client's
/// dependencies) holds it, since cargo-nextest runs each test in a process of its own and two
/// installs at once break each other (npm's ENOTEMPTY).
pub fn lock_dcc_tooling() -> std::io::Result<std::fs::File> {
    let tooling = dcc_tooling_root();
    std::fs::create_dir_all(&tooling)?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(tooling.join(".install.lock"))?;
    file.lock()?;
    Ok(file)
}

/// The files of a folder (not its subfolders) as (file name, bytes), sorted by name.
pub fn read_folder(path: &Path) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            let name = entry.file_name().to_string_lossy().into_owned();
            files.push((name, std::fs::read(entry.path())?));
        }
    }
    files.sort();
    Ok(files)
}

/// The subfolders of a folder, sorted by name.
pub fn subfolders(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut folders = Vec::new();
    for entry in std::fs::read_dir(path)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            folders.push(entry.path());
        }
    }
    folders.sort();
    Ok(folders)
}

/// DCC's oracle script under `.dcc-tooling/` (see `../shared/tools/dcc-oracle/README.md`).
const ORACLE_SCRIPT: &str = "oracle/check_response.js";

/// Whether DCC's parsers (`.dcc-tooling/oracle`, installed by `.ci/fetch-dcc-tooling` from
/// `../shared/tools/dcc-oracle`) are there, else `false` after [`skip`].
pub fn dcc_oracle_available(what: &str) -> bool {
    fetch_dcc_tooling_if_missing();
    dcc_tooling(ORACLE_SCRIPT, what).is_some() && tool_available("node", "--version", what)
}

/// Runs DCC's oracle (`node check_response.js --full ARGUMENTS… FILES…`: DCC's duis-parser
/// and gbcs-parser) and returns its verdict on each file, one JSON text a file, in the files'
/// order. `Err` when node cannot run or prints something else than one line a file.
pub fn dcc_oracle(arguments: &[&str], files: &[PathBuf]) -> Result<Vec<String>, String> {
    let script = dcc_tooling_root().join(ORACLE_SCRIPT);
    let output = std::process::Command::new("node")
        .arg(&script)
        .arg("--full")
        .args(arguments)
        .args(files)
        .output()
        .map_err(|error| format!("cannot run node {}: {error}", script.display()))?;
    let lines: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(str::to_owned)
        .collect();
    if lines.len() != files.len() {
        return Err(format!(
            "DCC's oracle printed {} lines for {} files: {}",
            lines.len(),
            files.len(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(lines)
}

/// What DCC's oracle finds wrong in its verdict on one file (one line of [`dcc_oracle`]'s
/// output): the DUIS document does not parse (or fails duis-parser's response check), a
/// GBCSPayload does not parse, its MAC or signature is invalid, or its key could not be found
/// (MAC `unknown`, a signature whose key look-up failed is a parse failure); empty when it
/// passes. Whatever else makes the oracle's verdict `FAIL` is reported too.
pub fn dcc_oracle_problems(verdict: &str) -> Vec<String> {
    let verdict: serde_json::Value = match serde_json::from_str(verdict) {
        Ok(value) => value,
        Err(error) => {
            return vec![format!(
                "the oracle's verdict is not JSON ({error}): {verdict}"
            )]
        }
    };
    let text = |value: &serde_json::Value| value.as_str().map(str::to_owned);
    let mut problems = Vec::new();
    if let Some(error) = verdict.get("error").and_then(text) {
        problems.push(format!("not read: {error}"));
    }
    if let Some(duis) = verdict.get("duis") {
        if duis.get("ok").and_then(serde_json::Value::as_bool) != Some(true) {
            let error = duis.get("error").and_then(text).unwrap_or_default();
            problems.push(format!("duis-parser cannot parse it: {error}"));
        }
        if let Some(problem) = duis.get("problem").and_then(text) {
            problems.push(format!("duis-parser: {problem}"));
        }
    }
    let payloads = verdict
        .get("gbcs")
        .and_then(serde_json::Value::as_array)
        .cloned()
        .unwrap_or_default();
    for payload in &payloads {
        let at = payload
            .get("path")
            .and_then(text)
            .unwrap_or_else(|| "GBCS".into());
        let code = payload
            .get("messageCode")
            .and_then(text)
            .unwrap_or_default();
        let lookups = payload
            .get("keyLookups")
            .and_then(serde_json::Value::as_array)
            .map(|lookups| {
                lookups
                    .iter()
                    .filter_map(text)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        if payload.get("ok").and_then(serde_json::Value::as_bool) != Some(true) {
            let error = payload.get("error").and_then(text).unwrap_or_default();
            problems.push(format!(
                "gbcs-parser cannot parse {at}: {error} (key look-ups: {lookups})"
            ));
            continue;
        }
        let mac = payload.get("mac").and_then(text).unwrap_or_default();
        if mac.starts_with("invalid") || mac.starts_with("unknown") {
            problems.push(format!("{at} {code}: MAC {mac} (key look-ups: {lookups})"));
        }
        let signature = payload.get("signature").and_then(text).unwrap_or_default();
        if signature.starts_with("invalid") || signature.starts_with("unknown") {
            problems.push(format!(
                "{at} {code}: signature {signature} (key look-ups: {lookups})"
            ));
        }
    }
    let failed = verdict.get("verdict").and_then(text).as_deref() != Some("OK");
    if failed && problems.is_empty() {
        problems.push(format!("the oracle's verdict is not OK: {verdict}"));
    }
    problems
}

/// What the GBCS payloads of DCC's oracle's verdict on one file (one line of [`dcc_oracle`]'s
/// output, run with `--full`) report as not done: each DLMS data access result and each ZCL
/// status code (Default Response, read attribute record) gbcs-parser names other than
/// `Success`, with the payload's message code; empty when every one succeeded (or the verdict
/// cannot be read: [`dcc_oracle_problems`] reports that). A `Not Found` in a GBZ payload that
/// also carries data is the end of a log read in part (RTDS's own success responses to
/// GCS15b end so), not a failure.
pub fn dcc_oracle_failures(verdict: &str) -> Vec<String> {
    fn status_codes(node: &serde_json::Value, found: &mut Vec<String>) {
        let Some(children) = node.as_object() else {
            return;
        };
        for (name, child) in children {
            let notes = child.get("notes").and_then(serde_json::Value::as_str);
            if name == "Status Code" && notes.is_some_and(|notes| notes != "Success") {
                found.push(format!("ZCL status {}", notes.unwrap_or_default()));
            }
            status_codes(child, found);
        }
    }
    let Ok(verdict) = serde_json::from_str::<serde_json::Value>(verdict) else {
        return Vec::new();
    };
    let payloads = verdict
        .get("gbcs")
        .and_then(serde_json::Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut failures = Vec::new();
    for payload in &payloads {
        let code = payload
            .get("messageCode")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default();
        let mut found: Vec<String> = payload
            .get("dataAccessResults")
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(serde_json::Value::as_str)
            .filter(|result| *result != "Success")
            .map(|result| format!("DLMS result {result}"))
            .collect();
        if let Some(parsed) = payload.get("parsed") {
            let mut statuses = Vec::new();
            status_codes(parsed, &mut statuses);
            // A component whose header's command is not a Default Response carries data.
            let carries_data = parsed
                .as_object()
                .into_iter()
                .flatten()
                .any(|(name, component)| {
                    name.starts_with("GBZ Component")
                        && component
                            .pointer("/ZCL Header/children/Command Id/notes")
                            .and_then(serde_json::Value::as_str)
                            .is_some_and(|command| command != "Default Response")
                });
            found.extend(
                statuses
                    .into_iter()
                    .filter(|status| !(carries_data && status == "ZCL status Not Found")),
            );
        }
        failures.extend(
            found
                .into_iter()
                .map(|failure| format!("{code}: {failure}")),
        );
    }
    failures
}

/// DCC's oracle on documents in memory, each named by what it is: writes them to a scratch
/// folder, reads them in batches of 100 and returns the problems it finds
/// ([`dcc_oracle_problems`]), one line `what: problem` each; empty when all pass.
pub fn dcc_oracle_on(
    arguments: &[&str],
    documents: &[(String, Vec<u8>)],
) -> Result<Vec<String>, String> {
    let work = tempfile_folder()?;
    let mut problems = Vec::new();
    for (batch_index, batch) in documents.chunks(100).enumerate() {
        let mut files = Vec::with_capacity(batch.len());
        for (index, (_, document)) in batch.iter().enumerate() {
            let file = work.join(format!("document-{batch_index}-{index}"));
            std::fs::write(&file, document)
                .map_err(|error| format!("cannot write {}: {error}", file.display()))?;
            files.push(file);
        }
        for (verdict, (what, _)) in dcc_oracle(arguments, &files)?.iter().zip(batch) {
            problems.extend(
                dcc_oracle_problems(verdict)
                    .into_iter()
                    .map(|problem| format!("{what}: {problem}")),
            );
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    Ok(problems)
}

/// A fresh folder under the system's temporary folder for one call's files.
fn tempfile_folder() -> Result<PathBuf, String> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let next = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let folder = std::env::temp_dir().join(format!("dccsim-oracle-{}-{next}", std::process::id()));
    std::fs::create_dir_all(&folder)
        .map_err(|error| format!("cannot create {}: {error}", folder.display()))?;
    Ok(folder)
}

/// Runs DCC's Java `Validate` (`.dcc-tooling/duis-sign-wrap/dist/tool.jar`) on `file`.
/// `Ok(log)` only when it exits 0 *and* its log says it checked the signature: it exits 0
/// on a document it found no signature to check in. `Err(log)` otherwise.
pub fn dcc_validate(file: &Path) -> Result<String, String> {
    let jar = dcc_tooling_root().join("duis-sign-wrap/dist/tool.jar");
    let output = std::process::Command::new("java")
        .arg("-cp")
        .arg(&jar)
        .arg("uk.co.smartdcc.boxed.xmldsig.Validate")
        .arg(file)
        .output()
        .map_err(|error| format!("cannot run java -cp {}: {error}", jar.display()))?;
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    validate_verdict(output.status.code(), log)
}

/// DCC's `Validate` passed a document when it exited 0 *and* logged that it checked the
/// signature.
fn validate_verdict(exit_code: Option<i32>, log: String) -> Result<String, String> {
    if exit_code == Some(0) && log.contains("passed signature check") {
        return Ok(log);
    }
    Err(format!("exit {exit_code:?}: {log}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oracle_s_problems_are_its_parse_failures_and_invalid_or_unknown_macs_and_signatures() {
        let passes = r#"{"duis":{"ok":true},"gbcs":[{"path":"body.GBCSPayload","ok":true,"mac":"valid","signature":"null (length 0)"}],"verdict":"OK"}"#;
        assert!(dcc_oracle_problems(passes).is_empty());
        let unsigned = r#"{"duis":{"ok":true},"gbcs":[{"ok":true,"mac":"n/a (not general-ciphering)","signature":"absent"}],"verdict":"OK"}"#;
        assert!(dcc_oracle_problems(unsigned).is_empty());
        for (verdict, wanted) in [
            (
                r#"{"duis":{"ok":false,"error":"bad body"},"verdict":"FAIL"}"#,
                "bad body",
            ),
            (
                r#"{"duis":{"ok":true,"problem":"header/body"},"verdict":"FAIL"}"#,
                "header/body",
            ),
            (
                r#"{"duis":{"ok":true},"gbcs":[{"ok":false,"error":"out of bounds"}],"verdict":"FAIL"}"#,
                "out of bounds",
            ),
            (
                r#"{"duis":{"ok":true},"gbcs":[{"ok":true,"mac":"invalid","signature":"absent"}],"verdict":"FAIL"}"#,
                "MAC invalid",
            ),
            (
                r#"{"duis":{"ok":true},"gbcs":[{"ok":true,"mac":"unknown","signature":"absent"}],"verdict":"OK"}"#,
                "MAC unknown",
            ),
            (
                r#"{"duis":{"ok":true},"gbcs":[{"ok":true,"mac":"valid","signature":"invalid"}],"verdict":"FAIL"}"#,
                "signature invalid",
            ),
            (r#"{"error":"ENOENT"}"#, "ENOENT"),
            (r#"{"verdict":"FAIL"}"#, "not OK"),
            ("not json", "not JSON"),
        ] {
            let problems = dcc_oracle_problems(verdict).join("; ");
            assert!(problems.contains(wanted), "{verdict}: {problems}");
        }
    }

    #[test]
    fn validate_passes_a_document_only_when_it_exits_0_having_checked_a_signature() {
        let checked = "XSD validation passed\npassed signature check\n".to_owned();
        assert_eq!(
            validate_verdict(Some(0), checked.clone()),
            Ok(checked.clone())
        );
        // Exit 0 with no signature checked (none found): not a pass.
        let unchecked = "XSD validation passed\n".to_owned();
        assert!(validate_verdict(Some(0), unchecked).is_err());
        // A failure, or a JVM killed, whatever it logged.
        assert!(validate_verdict(Some(1), checked.clone()).is_err());
        assert!(validate_verdict(None, checked).is_err());
    }
}
