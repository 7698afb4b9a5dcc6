//! An RDP's registration data folder (`dccsim up --registration DIR`): `DIR/electricity/` and
//! `DIR/gas/` hold files named so that they sort in the order they are sent (a full refresh
//! first, then daily updates, e.g. `000001-full-refresh.reg`, `000002-daily-update.reg`). The
//! RDP sends each file once, in order, resuming a broken transmission; a file with refused
//! records gets `<file>.ERROR` beside it. New files are picked up as they appear.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use dcc_proto::registration::registration_data_intake_client::RegistrationDataIntakeClient;
use dcc_proto::transport::GrpcTransport;
use tracing::{info, warn};

use crate::transmission::{RegistrationFile, Transmission, BATCH_RECORDS};
use crate::{party_name, Fuel};

/// The folder of `fuel`'s files in a registration folder.
pub fn fuel_directory(root: &Path, fuel: Fuel) -> PathBuf {
    root.join(match fuel {
        Fuel::Electricity => "electricity",
        Fuel::Gas => "gas",
    })
}

/// Where the ERROR file of `file` goes.
pub fn error_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".ERROR");
    PathBuf::from(name)
}

/// The registration files in `directory` not yet sent, in the order to send them.
fn pending_files(directory: &Path, sent: &BTreeSet<PathBuf>) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(directory) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "reg"))
        .filter(|path| !sent.contains(path))
        .collect();
    files.sort();
    files
}

/// Sends one file until the DSP has all of it (retrying over `dsp` while it is unreachable)
/// and writes its ERROR file if anything was refused. A file that cannot be read, or whose
/// header is wrong, is refused whole in its ERROR file.
pub async fn send_file(fuel: Fuel, path: &Path, dsp: &GrpcTransport, retry: Duration) {
    let rdp = party_name(fuel);
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) => {
            write_error(
                path,
                &format!("ERRHDR|\nERRFILE|cannot read the file: {error}\n"),
            );
            return;
        }
    };
    let file = match RegistrationFile::parse(text) {
        Ok(file) => file,
        Err(reason) => {
            write_error(path, &format!("ERRHDR|\nERRFILE|{reason}\n"));
            return;
        }
    };
    if file.header.fuel != fuel {
        write_error(path, "ERRHDR|\nERRFILE|the file is for the other fuel\n");
        return;
    }
    let started = std::time::Instant::now();
    let mut transmission = Transmission::new(rdp, fuel, &file, BATCH_RECORDS);
    let mut link = RegistrationDataIntakeClient::new(dsp.clone())
        .max_decoding_message_size(64 * 1024 * 1024)
        .max_encoding_message_size(64 * 1024 * 1024);
    while let Err(status) = transmission.resume(&mut link).await {
        warn!(rdp, file = %path.display(), error = %status.message(), "registration transmission broke off; resuming");
        tokio::time::sleep(retry).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    info!(
        rdp,
        file = %path.display(),
        records = file.record_count(),
        applied = transmission.applied(),
        refused = transmission.refused().len(),
        seconds,
        records_per_second = (file.record_count() as f64 / seconds.max(1e-9)) as u64,
        "registration file sent"
    );
    if let Some(errors) = transmission.error_file() {
        write_error(path, &errors);
    }
}

fn write_error(path: &Path, text: &str) {
    if let Err(error) = std::fs::write(error_path(path), text) {
        warn!(file = %path.display(), %error, "cannot write the ERROR file");
    }
}

/// Sends the folder's files as they appear, for ever.
pub(crate) async fn send_directory_forever(
    fuel: Fuel,
    root: PathBuf,
    dsp: GrpcTransport,
    poll_interval: Duration,
) {
    let directory = fuel_directory(&root, fuel);
    let mut sent = BTreeSet::new();
    loop {
        for path in pending_files(&directory, &sent) {
            send_file(fuel, &path, &dsp, crate::RETRY_INTERVAL).await;
            sent.insert(path);
        }
        tokio::time::sleep(poll_interval).await;
    }
}
