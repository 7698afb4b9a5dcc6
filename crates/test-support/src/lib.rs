//! Dev-only helpers shared by dccsim's tests: where `../shared/` and DCC's tooling are, and one
//! rule for when they are not there: a loud `SKIPPED` line, or a failure when `CI=true`.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

pub mod peers;

/// The default fleet's identities (organisations and devices), for tests.
pub mod fleet {
    pub use dcc_model::fleet::*;
    pub use dcc_model::DCC_ACCESS_CONTROL_BROKER;
}

/// The workspace root (the folder holding the top `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `../shared/` beside the workspace.
pub fn shared_root() -> PathBuf {
    workspace_root().join("../shared")
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
    present_or_skip(workspace_root().join(".dcc-tooling").join(relative), what)
}

/// The 297 RTDS DUIS request templates of `@smartdcc/duis-templates`, or `None`.
pub fn duis_templates(what: &str) -> Option<PathBuf> {
    dcc_tooling("duis-templates/templates", what)
}

/// Whether `program` runs (`program version_argument`), else `false` after [`skip`].
pub fn tool_available(program: &str, version_argument: &str, what: &str) -> bool {
    let runs = std::process::Command::new(program)
        .arg(version_argument)
        .output()
        .is_ok_and(|output| output.status.success());
    if !runs {
        skip(&format!("{program} not found on PATH ({what})"));
    }
    runs
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
