//! `dccsim up --processes`: each party in its own OS process (`dccsim serve <party>`), started
//! and, when one exits, started again, so killing a party is survivable.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::process::Command;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::{info, warn};

use crate::config::{EcosystemConfig, PARTIES};

/// Gives every port-0 address of `config` a free loopback port, since each process binds its
/// own and the others must know where.
pub fn assign_free_ports(mut config: EcosystemConfig) -> std::io::Result<EcosystemConfig> {
    let free = |address: &mut SocketAddr| -> std::io::Result<()> {
        if address.port() == 0 {
            let listener = std::net::TcpListener::bind(*address)?;
            *address = listener.local_addr()?;
        }
        Ok(())
    };
    free(&mut config.duis_address)?;
    free(&mut config.smki_repository_address)?;
    for address in config.grpc_addresses.values_mut() {
        free(address)?;
    }
    Ok(config)
}

/// Where the supervisor writes the process id of each party: `<dir>/<party>.pid`.
pub fn pid_file(dir: &Path, party: &str) -> PathBuf {
    dir.join(format!("{party}.pid"))
}

const RESTART_DELAY: Duration = Duration::from_millis(200);

/// Runs every party as `<executable> serve <party> --config <config_path>` until `shutdown`,
/// restarting any that exits.
pub async fn supervise(
    executable: PathBuf,
    config_path: PathBuf,
    run_dir: PathBuf,
    extra_args: Vec<String>,
    shutdown: watch::Receiver<bool>,
) {
    let mut tasks = JoinSet::new();
    for party in PARTIES {
        tasks.spawn(keep_running(
            executable.clone(),
            config_path.clone(),
            run_dir.clone(),
            (*party).to_owned(),
            extra_args.clone(),
            shutdown.clone(),
        ));
    }
    while tasks.join_next().await.is_some() {}
}

async fn keep_running(
    executable: PathBuf,
    config_path: PathBuf,
    run_dir: PathBuf,
    party: String,
    extra_args: Vec<String>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        if *shutdown.borrow() {
            return;
        }
        let mut command = Command::new(&executable);
        command
            .arg("serve")
            .arg(&party)
            .arg("--config")
            .arg(&config_path)
            .arg("--exit-when-stdin-closes")
            .args(&extra_args)
            // The child keeps the write end open by never being written to; when this
            // process dies, the pipe closes and the child stops.
            .stdin(std::process::Stdio::piped())
            .kill_on_drop(true);
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(error) => {
                warn!(%party, %error, "cannot start party process");
                tokio::time::sleep(RESTART_DELAY).await;
                continue;
            }
        };
        // Held, not written: `wait` would close it, and the child stops when it closes.
        let _stdin = child.stdin.take();
        let pid = child.id().unwrap_or_default();
        let _ = std::fs::write(pid_file(&run_dir, &party), pid.to_string());
        info!(%party, pid, "party process started");
        let exited = tokio::select! {
            status = child.wait() => Some(status.ok()),
            _ = shutdown.wait_for(|stop| *stop) => None,
        };
        let Some(status) = exited else {
            let _ = child.start_kill();
            let _ = child.wait().await;
            return;
        };
        warn!(%party, pid, ?status, "party process exited; restarting");
        tokio::time::sleep(RESTART_DELAY).await;
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    #[error("cannot find free ports: {0}")]
    Ports(std::io::Error),
    #[error(transparent)]
    Dccki(#[from] crate::dccki::DcckiError),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Readies `run_dir` for a process per party: free ports for any port 0, DCCKI material for
/// mutual TLS between the processes (and for tools), and the configuration file every
/// process reads. Returns the configuration and its path.
pub fn prepare_run(
    config: EcosystemConfig,
    run_dir: &Path,
) -> Result<(EcosystemConfig, PathBuf), PrepareError> {
    let mut config = assign_free_ports(config).map_err(PrepareError::Ports)?;
    let dccki_directory = run_dir.join("dccki");
    let mut names: Vec<&str> = PARTIES.to_vec();
    names.push(crate::dccki::TOOLS);
    crate::dccki::generate(&dccki_directory, &names)?;
    config.dccki_directory = Some(dccki_directory);
    let config_path = run_dir.join("ecosystem.toml");
    std::fs::write(&config_path, config.to_toml()).map_err(|source| PrepareError::Write {
        path: config_path.clone(),
        source,
    })?;
    Ok((config, config_path))
}
