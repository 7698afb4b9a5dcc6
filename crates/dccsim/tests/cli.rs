//! The command line as a user meets it: help, and clear errors with exit codes.

use std::process::Command;

fn dccsim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_dccsim"))
        .args(args)
        .output()
        .expect("dccsim runs")
}

#[test]
fn help_lists_the_commands() {
    let output = dccsim(&["--help"]);
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    for command in ["up", "serve", "demo", "certs"] {
        assert!(text.contains(command), "{command} missing from:\n{text}");
    }
}

#[test]
fn unknown_party_is_a_clear_error() {
    let output = dccsim(&["serve", "nope"]);
    assert_eq!(output.status.code(), Some(2));
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(text.contains("unknown party \"nope\""), "{text}");
    assert!(text.contains("csp-north"), "{text}");
}

#[test]
fn a_bad_config_file_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "seed = \"one\"").expect("write");
    let output = dccsim(&[
        "serve",
        "dsp",
        "--config",
        path.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a valid dccsim configuration"));
}

#[test]
fn certs_init_is_deterministic() {
    let first = tempfile::tempdir().expect("dir");
    let second = tempfile::tempdir().expect("dir");
    for dir in [&first, &second] {
        let output = dccsim(&[
            "certs",
            "init",
            "--seed",
            "7",
            "--out",
            dir.path().to_str().expect("utf-8"),
        ]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let mut names: Vec<_> = std::fs::read_dir(first.path())
        .expect("read")
        .map(|entry| entry.expect("entry").file_name())
        .collect();
    names.sort();
    assert!(names.len() > 20, "{names:?}");
    for name in names {
        let a = std::fs::read(first.path().join(&name)).expect("read");
        let b = std::fs::read(second.path().join(&name)).expect("read");
        assert_eq!(a, b, "{name:?} differs between runs with the same seed");
    }
}
