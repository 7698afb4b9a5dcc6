//! Shared helpers of the integration tests: where the shared vectors and DCC tooling are.
#![allow(dead_code)]

use std::path::PathBuf;

/// `<workspace>/../shared/vectors`, or `None` (after a loud SKIPPED line; a panic under `CI=true`).
pub fn shared_vectors(what: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors");
    present_or_skip(path, what)
}

/// `<workspace>/.dcc-tooling`, or `None` (after a loud SKIPPED line; a panic under `CI=true`).
pub fn dcc_tooling(what: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.dcc-tooling");
    present_or_skip(path, what)
}

fn present_or_skip(path: PathBuf, what: &str) -> Option<PathBuf> {
    if path.exists() {
        return Some(path);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{} not found but CI=true ({what})", path.display());
    }
    println!("SKIPPED: {} not found ({what})", path.display());
    None
}

/// All files of a folder as (file name, bytes), sorted.
pub fn read_folder(path: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(path)
        .unwrap()
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.file_type().unwrap().is_file())
        .map(|entry| {
            (
                entry.file_name().to_string_lossy().into_owned(),
                std::fs::read(entry.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

/// Whether `openssl` runs; prints a loud SKIPPED line when not.
pub fn openssl_available() -> bool {
    let available = std::process::Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|output| output.status.success());
    if !available {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("openssl not found on PATH but CI=true");
        }
        println!("SKIPPED: openssl not found on PATH");
    }
    available
}
