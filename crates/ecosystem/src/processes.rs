//! `dccsim up --processes`: each party in its own OS process (`dccsim serve <party>`), started
//! and, when one exits, started again, so killing a party is survivable.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};
use tokio::process::{ChildStdin, Command};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::{debug, info, warn};

use crate::config::{EcosystemConfig, PARTIES};
use crate::launch::{PeerAddresses, DUIS_LISTENER, SMKI_REPOSITORY_LISTENER};

// The supervisor and its party processes talk in lines. A party process binds its listeners
// (port 0: the system picks a free one, so no other process can take it first) and writes
// `listening <name> <address>` for each on its standard output; the supervisor writes
// `peer <party> <address>` on each one's standard input for every party's gRPC listener, when
// it learns it and again when it changes. Standard input closing stops the party.
//
// One virtual clock for all: a party process whose virtual clock moves (the DSP's admin call)
// writes `clock <unix nanoseconds>`; the supervisor writes the same line to every other party
// process (and to one started again), which sets its clock there, so the devices' future-dated
// instructions and the CSPs' timers follow the DSP's time.

/// The line a party process writes for one of its listeners.
pub fn listening_line(name: &str, address: SocketAddr) -> String {
    format!("listening {name} {address}")
}

/// The line the supervisor writes to tell a party process where `party` listens.
pub fn peer_line(party: &str, address: SocketAddr) -> String {
    format!("peer {party} {address}")
}

fn parse_line<'a>(keyword: &str, line: &'a str) -> Option<(&'a str, SocketAddr)> {
    let mut words = line.split_whitespace();
    if words.next()? != keyword {
        return None;
    }
    let name = words.next()?;
    let address = words.next()?.parse().ok()?;
    words.next().is_none().then_some((name, address))
}

/// A `listening` line's listener name and address.
pub fn parse_listening(line: &str) -> Option<(&str, SocketAddr)> {
    parse_line("listening", line)
}

/// A `peer` line's party and address.
pub fn parse_peer(line: &str) -> Option<(&str, SocketAddr)> {
    parse_line("peer", line)
}

/// The line that tells the time of the ecosystem's virtual clock.
pub fn clock_line(at: OffsetDateTime) -> String {
    format!("clock {}", at.unix_timestamp_nanos())
}

/// A `clock` line's time.
pub fn parse_clock(line: &str) -> Option<OffsetDateTime> {
    let mut words = line.split_whitespace();
    if words.next()? != "clock" {
        return None;
    }
    let nanos = words.next()?.parse::<i128>().ok()?;
    if words.next().is_some() {
        return None;
    }
    OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()
}

/// A party process's side of the one virtual clock: the time the supervisor last set, so
/// that a move it made is not reported back.
#[derive(Debug, Clone)]
pub struct ClockRelay {
    clock: clock::Clock,
    set_by_supervisor: Arc<std::sync::Mutex<Option<OffsetDateTime>>>,
}

impl ClockRelay {
    pub fn new(clock: clock::Clock) -> Self {
        Self {
            clock,
            set_by_supervisor: Arc::default(),
        }
    }

    fn set_by_supervisor(&self) -> std::sync::MutexGuard<'_, Option<OffsetDateTime>> {
        self.set_by_supervisor
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Sets the clock to the supervisor's `at` (a virtual clock already past it stays).
    fn apply(&self, at: OffsetDateTime) {
        *self.set_by_supervisor() = Some(at);
        if let Err(error) = self.clock.set(at) {
            debug!(%error, "the supervisor's time is not applied here");
        }
    }

    /// Writes a `clock` line with `write` each time the clock moves here (not by the
    /// supervisor) from the call on, until the clock is gone; ends at once for the system
    /// clock.
    pub fn report_moves(
        &self,
        mut write: impl FnMut(String),
    ) -> impl std::future::Future<Output = ()> {
        let moves = self.clock.watch();
        let relay = self.clone();
        async move {
            let Some(mut moves) = moves else {
                return;
            };
            while moves.changed().await.is_ok() {
                let now = *moves.borrow_and_update();
                if *relay.set_by_supervisor() != Some(now) {
                    write(clock_line(now));
                }
            }
        }
    }
}

/// A party process's side: applies the supervisor's `peer` lines from `input` to `peers`, and
/// its `clock` lines to `clock`, until `input` ends (the supervisor is gone).
pub async fn follow_supervisor(
    input: impl AsyncRead + Unpin,
    peers: &PeerAddresses,
    clock: &ClockRelay,
) {
    let mut input = BufReader::new(input);
    while let Some(line) = read_line(&mut input).await {
        if let Some((party, address)) = parse_peer(&line) {
            peers.set(party, address);
            continue;
        }
        if let Some(at) = parse_clock(&line) {
            clock.apply(at);
            continue;
        }
        warn!(line = %line.escape_debug(), "not a line from the supervisor; ignored");
    }
}

/// The next line of `input` (not UTF-8: with replacement characters), `None` at its end.
async fn read_line(input: &mut (impl tokio::io::AsyncBufRead + Unpin)) -> Option<String> {
    let mut line = Vec::new();
    match input.read_until(b'\n', &mut line).await {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(String::from_utf8_lossy(&line).trim_end().to_owned()),
    }
}

/// Where every party process's listeners are, as they report them: by listener name (the
/// party's for its gRPC listener, [`DUIS_LISTENER`], [`SMKI_REPOSITORY_LISTENER`]). A party's
/// entries go when its process exits and come back when its next one reports.
#[derive(Debug, Clone)]
pub struct AddressBook(Arc<watch::Sender<BTreeMap<String, SocketAddr>>>);

impl Default for AddressBook {
    fn default() -> Self {
        Self(Arc::new(watch::channel(BTreeMap::new()).0))
    }
}

/// Where a process-per-party ecosystem listens, once every party has said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub duis_address: SocketAddr,
    pub smki_repository_address: SocketAddr,
    pub grpc_addresses: BTreeMap<String, SocketAddr>,
}

impl Endpoints {
    pub fn duis_url(&self) -> String {
        format!("http://{}", self.duis_address)
    }

    pub fn smki_url(&self) -> String {
        format!("http://{}", self.smki_repository_address)
    }

    /// `config` with these addresses (for tools reaching the parties).
    pub fn apply(&self, mut config: EcosystemConfig) -> EcosystemConfig {
        config.duis_address = self.duis_address;
        config.smki_repository_address = self.smki_repository_address;
        config.grpc_addresses = self.grpc_addresses.clone();
        config
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the party processes did not all report their addresses within {0:?}; missing: {1}")]
pub struct NotListening(pub Duration, pub String);

/// Why [`Supervisor::start_ready`] found the ecosystem not ready.
#[derive(Debug, thiserror::Error)]
pub enum NotReady {
    #[error(transparent)]
    NotListening(#[from] NotListening),
    #[error(transparent)]
    NotServing(#[from] crate::LaunchError),
}

impl AddressBook {
    /// Every listener known now.
    pub fn known(&self) -> BTreeMap<String, SocketAddr> {
        self.0.borrow().clone()
    }

    fn set(&self, name: &str, address: SocketAddr) {
        self.0
            .send_if_modified(|known| known.insert(name.to_owned(), address) != Some(address));
    }

    fn forget(&self, names: impl IntoIterator<Item = String>) {
        self.0.send_modify(|known| {
            for name in names {
                known.remove(&name);
            }
        });
    }

    /// Waits until every party's listeners are known, at most `limit`.
    pub async fn endpoints(&self, limit: Duration) -> Result<Endpoints, NotListening> {
        let mut known = self.0.subscribe();
        let complete = known.wait_for(|known| Self::complete(known).is_some());
        let _ = tokio::time::timeout(limit, complete).await;
        let known = self.known();
        Self::complete(&known).ok_or_else(|| {
            let missing: Vec<&str> = PARTIES
                .iter()
                .copied()
                .chain([DUIS_LISTENER, SMKI_REPOSITORY_LISTENER])
                .filter(|name| !known.contains_key(*name))
                .collect();
            NotListening(limit, missing.join(", "))
        })
    }

    fn complete(known: &BTreeMap<String, SocketAddr>) -> Option<Endpoints> {
        let mut grpc_addresses = BTreeMap::new();
        for party in PARTIES {
            grpc_addresses.insert((*party).to_owned(), *known.get(*party)?);
        }
        Some(Endpoints {
            duis_address: *known.get(DUIS_LISTENER)?,
            smki_repository_address: *known.get(SMKI_REPOSITORY_LISTENER)?,
            grpc_addresses,
        })
    }

    /// Every party's gRPC address known now, but `party`'s own.
    fn peers_of(&self, party: &str) -> Vec<(String, SocketAddr)> {
        self.0
            .borrow()
            .iter()
            .filter(|(name, _)| name.as_str() != party && PARTIES.contains(&name.as_str()))
            .map(|(name, address)| (name.clone(), *address))
            .collect()
    }
}

/// Where the supervisor writes the process id of each party: `<dir>/<party>.pid`.
pub fn pid_file(dir: &Path, party: &str) -> PathBuf {
    dir.join(format!("{party}.pid"))
}

const RESTART_DELAY: Duration = Duration::from_millis(200);

/// The argument a restarted party process is given for each listener of its predecessor,
/// `--listen-again <name>=<address>`: a listener configured on port 0 listens there again if
/// it can (so those who knew it find it), elsewhere if that port was taken meanwhile.
pub const LISTEN_AGAIN: &str = "--listen-again";

/// A `--listen-again` value: the listener's name and address.
pub fn parse_listen_again(value: &str) -> Option<(String, SocketAddr)> {
    let (name, address) = value.split_once('=')?;
    if name.is_empty() {
        return None;
    }
    Some((name.to_owned(), address.parse().ok()?))
}

/// Runs every party as `<executable> serve <party> --config <config_path>` until `shutdown`,
/// restarting any that exits; `addresses` learns where each listens as it reports, and every
/// party process learns its peers' from it.
pub async fn supervise(
    executable: PathBuf,
    config_path: PathBuf,
    run_dir: PathBuf,
    extra_args: Vec<String>,
    addresses: AddressBook,
    shutdown: watch::Receiver<bool>,
) {
    let mut tasks = JoinSet::new();
    let ecosystem_time = EcosystemTime::default();
    for party in PARTIES {
        tasks.spawn(keep_running(
            PartyCommand {
                executable: executable.clone(),
                config_path: config_path.clone(),
                party: (*party).to_owned(),
                extra_args: extra_args.clone(),
            },
            run_dir.clone(),
            addresses.clone(),
            ecosystem_time.clone(),
            shutdown.clone(),
        ));
    }
    while tasks.join_next().await.is_some() {}
}

/// The virtual clock's latest time as a party process reported it: the party, and the time.
#[derive(Debug, Clone)]
struct EcosystemTime(Arc<watch::Sender<Option<(String, OffsetDateTime)>>>);

impl Default for EcosystemTime {
    fn default() -> Self {
        Self(Arc::new(watch::channel(None).0))
    }
}

/// Writes one line to a party process (a `clock` line), leaving a process that does not take
/// it.
async fn tell_line(stdin: &mut ChildStdin, line: String) {
    let written = async {
        stdin.write_all(format!("{line}\n").as_bytes()).await?;
        stdin.flush().await
    };
    match tokio::time::timeout(WRITE_LIMIT, written).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => debug!(%error, "cannot tell a party process the time"),
        Err(_) => warn!("a party process does not read the time"),
    }
}

/// The supervisor of a process per party, running: [`supervise`] in a task, with where the
/// parties listen as they report it.
#[derive(Debug)]
pub struct Supervisor {
    /// Where every party process's listeners are.
    pub addresses: AddressBook,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Supervisor {
    /// Starts a process per party of `executable` (`dccsim`), each reading `config_path` (see
    /// [`prepare_run`]), their pid files in `run_dir`.
    pub fn start(executable: PathBuf, config_path: PathBuf, run_dir: PathBuf) -> Self {
        let addresses = AddressBook::default();
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(supervise(
            executable,
            config_path,
            run_dir,
            Vec::new(),
            addresses.clone(),
            stopped,
        ));
        Self {
            addresses,
            stop,
            task,
        }
    }

    /// Where the parties listen, once every one has said (at most `limit`).
    pub async fn endpoints(&self, limit: Duration) -> Result<Endpoints, NotListening> {
        self.addresses.endpoints(limit).await
    }

    /// [`Supervisor::start`], then waits (at most `limit` for each) until every party listens
    /// and the DSP's front door answers; on failure stops the processes it started.
    pub async fn start_ready(
        executable: PathBuf,
        config_path: PathBuf,
        run_dir: PathBuf,
        limit: Duration,
    ) -> Result<(Self, Endpoints), NotReady> {
        let supervisor = Self::start(executable, config_path, run_dir);
        let endpoints = match supervisor.endpoints(limit).await {
            Ok(endpoints) => endpoints,
            Err(error) => {
                let _ = supervisor.stop().await;
                return Err(error.into());
            }
        };
        if let Err(error) = crate::wait_until_ready(&endpoints.duis_url(), limit).await {
            let _ = supervisor.stop().await;
            return Err(error.into());
        }
        Ok((supervisor, endpoints))
    }

    /// Stops every party process and waits for the supervisor to end; `Err` if its task
    /// panicked.
    pub async fn stop(self) -> Result<(), tokio::task::JoinError> {
        let _ = self.stop.send(true);
        self.task.await
    }
}

struct PartyCommand {
    executable: PathBuf,
    config_path: PathBuf,
    party: String,
    extra_args: Vec<String>,
}

impl PartyCommand {
    /// The command, naming where the listeners of the party's previous process were.
    fn command(&self, previous: &BTreeMap<String, SocketAddr>) -> Command {
        let mut command = Command::new(&self.executable);
        command
            .arg("serve")
            .arg(&self.party)
            .arg("--config")
            .arg(&self.config_path)
            .arg("--exit-when-stdin-closes");
        for (name, address) in previous {
            command.arg(LISTEN_AGAIN).arg(format!("{name}={address}"));
        }
        command
            .args(&self.extra_args)
            // Written only with peers' addresses: when this process dies, the pipe closes
            // and the child stops.
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true);
        command
    }
}

/// How long the supervisor waits for a party process to take a line before leaving it.
const WRITE_LIMIT: Duration = Duration::from_secs(5);

/// Tells a party process where its peers are.
async fn tell_peers(stdin: &mut ChildStdin, peers: Vec<(String, SocketAddr)>) {
    let mut text = String::new();
    for (party, address) in peers {
        text.push_str(&peer_line(&party, address));
        text.push('\n');
    }
    let written = async {
        stdin.write_all(text.as_bytes()).await?;
        stdin.flush().await
    };
    match tokio::time::timeout(WRITE_LIMIT, written).await {
        Ok(Ok(())) => {}
        // Gone: its exit is seen next.
        Ok(Err(error)) => debug!(%error, "cannot tell a party process its peers"),
        Err(_) => warn!("a party process does not read its peers' addresses"),
    }
}

async fn keep_running(
    party: PartyCommand,
    run_dir: PathBuf,
    addresses: AddressBook,
    ecosystem_time: EcosystemTime,
    mut shutdown: watch::Receiver<bool>,
) {
    let name = party.party.clone();
    // Where the party's latest process listened: its next one tries there first.
    let mut previous: BTreeMap<String, SocketAddr> = BTreeMap::new();
    loop {
        if *shutdown.borrow() {
            return;
        }
        let mut child = match party.command(&previous).spawn() {
            Ok(child) => child,
            Err(error) => {
                warn!(party = %name, %error, "cannot start party process");
                tokio::time::sleep(RESTART_DELAY).await;
                continue;
            }
        };
        // Held, and written only with peers' addresses: the child stops when it closes.
        let mut stdin = child.stdin.take();
        let mut reports = child.stdout.take().map(BufReader::new);
        let pid = child.id().unwrap_or_default();
        let _ = std::fs::write(pid_file(&run_dir, &name), pid.to_string());
        info!(party = %name, pid, "party process started");
        let mut book = addresses.0.subscribe();
        book.mark_changed();
        // A process started again learns the time the others keep (its own last report
        // too: it starts from the system's time).
        let mut time = ecosystem_time.0.subscribe();
        time.mark_changed();
        let mut told_the_time = false;
        let exited = loop {
            tokio::select! {
                status = child.wait() => break Some(status.ok()),
                _ = stopping(&mut shutdown) => break None,
                changed = time.changed() => {
                    if changed.is_err() {
                        continue;
                    }
                    let latest = time.borrow_and_update().clone();
                    if let (Some((source, at)), Some(stdin)) = (latest, stdin.as_mut()) {
                        if source != name || !told_the_time {
                            tell_line(stdin, clock_line(at)).await;
                        }
                    }
                    told_the_time = true;
                }
                changed = book.changed() => {
                    if changed.is_err() {
                        continue;
                    }
                    let peers = addresses.peers_of(&name);
                    if let (Some(stdin), false) = (stdin.as_mut(), peers.is_empty()) {
                        tell_peers(stdin, peers).await;
                    }
                }
                line = next_line(&mut reports) => match line {
                    Some(line) => match (parse_listening(&line), parse_clock(&line)) {
                        (Some((listener, address)), _) => {
                            info!(party = %name, listener, %address, "listening");
                            previous.insert(listener.to_owned(), address);
                            addresses.set(listener, address);
                        }
                        (None, Some(at)) => {
                            debug!(party = %name, %at, "virtual clock moved");
                            ecosystem_time.0.send_replace(Some((name.clone(), at)));
                        }
                        (None, None) => debug!(party = %name, line = %line.escape_debug(), "party output"),
                    },
                    // Its output closed: it is exiting, or prints nothing more.
                    None => reports = None,
                },
            }
        };
        addresses.forget(previous.keys().cloned());
        drop(stdin);
        let Some(status) = exited else {
            let _ = child.start_kill();
            let _ = child.wait().await;
            return;
        };
        warn!(party = %name, pid, ?status, "party process exited; restarting");
        tokio::time::sleep(RESTART_DELAY).await;
    }
}

/// Resolves when the supervisor is to stop (or nothing can tell it any more).
async fn stopping(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

/// The next line of a party process's output; pending forever once it has closed.
async fn next_line(reports: &mut Option<BufReader<tokio::process::ChildStdout>>) -> Option<String> {
    match reports {
        Some(output) => read_line(output).await,
        None => std::future::pending().await,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    #[error(transparent)]
    Dccki(#[from] crate::dccki::DcckiError),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Readies `run_dir` for a process per party: DCCKI material for mutual TLS between the
/// processes (and for tools), and the configuration file every process reads. Returns the
/// configuration and its path. A port 0 stays 0: the party's process takes a free port
/// itself and reports it to the supervisor (a port chosen here and released would be free
/// for any process until the party took it).
pub fn prepare_run(
    config: EcosystemConfig,
    run_dir: &Path,
) -> Result<(EcosystemConfig, PathBuf), PrepareError> {
    let mut config = config;
    let dccki_directory = run_dir.join("dccki");
    let mut names: Vec<&str> = PARTIES.to_vec();
    names.push(crate::dccki::TOOLS);
    crate::dccki::generate(&dccki_directory, &names)?;
    config.dccki_directory = Some(dccki_directory);
    // Every party process's virtual clock starts at one time (then moves as one: see the
    // `clock` lines).
    if config.clock == clock::ClockMode::Virtual && config.virtual_clock_start.is_none() {
        config.virtual_clock_start =
            Some(clock::xml_date_time(clock::Clock::new(config.clock).now()));
    }
    let config_path = run_dir.join("ecosystem.toml");
    std::fs::write(&config_path, config.to_toml()).map_err(|source| PrepareError::Write {
        path: config_path.clone(),
        source,
    })?;
    Ok((config, config_path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lines_read_back_what_they_write() {
        let address = SocketAddr::from(([127, 0, 0, 1], 40123));
        assert_eq!(
            parse_listening(&listening_line("dsp", address)),
            Some(("dsp", address))
        );
        assert_eq!(
            parse_peer(&peer_line("csp-north", address)),
            Some(("csp-north", address))
        );
        assert_eq!(
            parse_listen_again(&format!("duis={address}")),
            Some(("duis".to_owned(), address))
        );
    }

    #[test]
    fn bad_lines_are_refused_not_panicked_on() {
        for line in [
            "",
            "peer",
            "peer dsp",
            "peer dsp 127.0.0.1",
            "peer dsp 127.0.0.1:99999",
            "peer dsp 127.0.0.1:1 more",
            "listening dsp 127.0.0.1:1",
            "\u{FFFD}\u{FFFD} dsp 127.0.0.1:1",
        ] {
            assert_eq!(parse_peer(line), None, "{line:?}");
        }
        assert_eq!(parse_listening("peer dsp 127.0.0.1:1"), None);
        for value in [
            "",
            "dsp",
            "=127.0.0.1:1",
            "dsp=",
            "dsp=localhost:1",
            "dsp=127.0.0.1:1=2",
        ] {
            assert!(parse_listen_again(value).is_none(), "{value:?}");
        }
    }

    #[tokio::test]
    async fn a_party_learns_its_peers_and_stops_following_only_at_the_end() {
        let peers = PeerAddresses::default();
        let input: &[u8] = b"peer dsp 127.0.0.1:4000\nnonsense\n\xff\xfe\npeer tsp 127.0.0.1:4001\npeer dsp 127.0.0.1:4002";
        let clock = ClockRelay::new(clock::Clock::system());
        follow_supervisor(input, &peers, &clock).await;
        assert_eq!(
            peers.get("dsp"),
            Some(SocketAddr::from(([127, 0, 0, 1], 4002)))
        );
        assert_eq!(
            peers.get("tsp"),
            Some(SocketAddr::from(([127, 0, 0, 1], 4001)))
        );
    }

    #[test]
    fn every_party_process_starts_its_virtual_clock_at_the_run_s_start() {
        let run_dir = tempfile::tempdir().unwrap();
        let config = EcosystemConfig {
            clock: clock::ClockMode::Virtual,
            ..EcosystemConfig::default()
        };
        let (config, path) = prepare_run(config, run_dir.path()).unwrap();
        let start = config.virtual_clock_start.clone().expect("a start for all");
        let read =
            EcosystemConfig::from_toml(&path, &std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(read.virtual_clock_start.as_deref(), Some(start.as_str()));
        let (one, other) = (read.new_clock().unwrap(), read.new_clock().unwrap());
        assert_eq!(one.now(), other.now(), "two processes, one start");
        assert_eq!(clock::xml_date_time(one.now()), start);
        let bad = EcosystemConfig {
            virtual_clock_start: Some("soon".to_owned()),
            ..read
        };
        assert!(matches!(
            bad.new_clock(),
            Err(crate::config::ConfigError::Invalid(message)) if message.contains("soon")
        ));
    }

    #[tokio::test]
    async fn the_supervisors_time_is_applied_and_only_a_move_made_here_is_reported() {
        let start = OffsetDateTime::from_unix_timestamp(1_900_000_000).unwrap();
        let clock = clock::Clock::virtual_at(start);
        let relay = ClockRelay::new(clock.clone());
        let reported = Arc::new(std::sync::Mutex::new(Vec::new()));
        let reporting = tokio::spawn({
            let reported = reported.clone();
            relay.report_moves(move |line| reported.lock().unwrap().push(line))
        });
        let later = start + time::Duration::hours(2);
        let line = clock_line(later);
        assert_eq!(parse_clock(&line), Some(later));
        let peers = PeerAddresses::default();
        follow_supervisor(format!("{line}\n").as_bytes(), &peers, &relay).await;
        assert_eq!(clock.now(), later, "set by the supervisor's line");
        // The DSP's admin call moves it here: reported, once.
        let moved = clock.advance(Duration::from_secs(60)).unwrap();
        let wait = async {
            while reported.lock().unwrap().is_empty() {
                tokio::task::yield_now().await;
            }
        };
        tokio::time::timeout(Duration::from_secs(10), wait)
            .await
            .expect("the move reported");
        assert_eq!(*reported.lock().unwrap(), [clock_line(moved)]);
        reporting.abort();
        for bad in ["clock", "clock x", "clock 1 2", "clocks 1"] {
            assert_eq!(parse_clock(bad), None, "{bad:?}");
        }
    }

    #[tokio::test]
    async fn the_endpoints_wait_for_every_listener_and_name_the_missing() {
        let book = AddressBook::default();
        for (index, party) in PARTIES.iter().enumerate() {
            book.set(
                party,
                SocketAddr::from(([127, 0, 0, 1], 5000 + index as u16)),
            );
        }
        book.set(DUIS_LISTENER, SocketAddr::from(([127, 0, 0, 1], 6000)));
        let missing = book
            .endpoints(Duration::from_millis(10))
            .await
            .expect_err("the SMKI repository has not said");
        assert_eq!(missing.1, SMKI_REPOSITORY_LISTENER);
        let waiting = tokio::spawn({
            let book = book.clone();
            async move { book.endpoints(Duration::from_secs(10)).await }
        });
        book.set(
            SMKI_REPOSITORY_LISTENER,
            SocketAddr::from(([127, 0, 0, 1], 6001)),
        );
        let endpoints = waiting.await.expect("no panic").expect("complete");
        assert_eq!(endpoints.duis_url(), "http://127.0.0.1:6000");
        assert_eq!(endpoints.grpc_addresses.len(), PARTIES.len());
        book.forget(["dsp".to_owned()]);
        let missing = book
            .endpoints(Duration::from_millis(10))
            .await
            .expect_err("dsp gone");
        assert_eq!(missing.1, "dsp");
    }
}
