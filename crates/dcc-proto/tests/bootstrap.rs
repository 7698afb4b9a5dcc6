//! Regenerates the committed gRPC code from `proto/` and fails if it differs, so the
//! committed code can never drift from the contracts. Set `DCCSIM_BLESS=1` to rewrite it.

use std::path::{Path, PathBuf};

const PROTO_FILES: &[&str] = &[
    "dccsim/wan/v1/wan.proto",
    "dccsim/smwan/v1/smwan.proto",
    "dccsim/han/v1/han.proto",
    "dccsim/smki/v1/tsp.proto",
    "dccsim/registration/v1/registration.proto",
    "dccsim/device/v1/device_control.proto",
];

fn generate(out_dir: &Path) {
    let proto_root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../proto");
    let files: Vec<PathBuf> = PROTO_FILES.iter().map(|f| proto_root.join(f)).collect();
    let descriptors = protox::compile(&files, [&proto_root]).expect("proto files compile");
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .emit_rerun_if_changed(false)
        .out_dir(out_dir)
        .compile_fds(descriptors)
        .expect("code generates");
}

#[test]
fn committed_code_matches_proto() {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/generated");
    let fresh = tempfile::tempdir().expect("temporary directory");
    generate(fresh.path());
    let bless = std::env::var_os("DCCSIM_BLESS").is_some();
    let mut stale = Vec::new();
    for entry in std::fs::read_dir(fresh.path()).expect("read generated") {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("file name").to_owned();
        let new = std::fs::read_to_string(&path).expect("read fresh file");
        let old = std::fs::read_to_string(committed.join(&name)).unwrap_or_default();
        if new == old {
            continue;
        }
        if bless {
            std::fs::write(committed.join(&name), new).expect("write generated file");
        } else {
            stale.push(name);
        }
    }
    assert!(
        stale.is_empty(),
        "generated gRPC code is stale for {stale:?}: run `DCCSIM_BLESS=1 cargo test -p dcc-proto --test bootstrap`"
    );
}
