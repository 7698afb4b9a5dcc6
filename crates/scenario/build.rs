//! Makes one Rust test per scenario file under `scenarios/` (`tests/packs.rs` includes them),
//! so `cargo test -p scenario --test packs <name>` filters scenarios like any test.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let root = manifest.join("../../scenarios");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let mut code = String::new();
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        let relative = file.strip_prefix(&root).unwrap_or(file);
        let name: String = relative
            .with_extension("")
            .to_string_lossy()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        let _ = writeln!(
            code,
            "#[test]\nfn {}() {{ run_scenario_file({:?}); }}\n",
            test_name(&name),
            file.display().to_string()
        );
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("pack_tests.rs");
    if let Err(error) = std::fs::write(&out, code) {
        println!("cargo:warning=cannot write {}: {error}", out.display());
    }
}

/// A test name that starts with a letter.
fn test_name(name: &str) -> String {
    match name.chars().next() {
        Some(first) if first.is_ascii_alphabetic() => name.to_owned(),
        _ => format!("s_{name}"),
    }
}

fn collect(folder: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(&path, files);
        } else if (name.ends_with(".yaml") || name.ends_with(".yml")) && !name.starts_with('_') {
            files.push(path);
        }
    }
}
