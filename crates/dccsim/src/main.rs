//! The dccsim command line: runs the whole DCC ecosystem (in one process or one per party),
//! one party alone, the end-to-end demo, and the test PKI tools.
#![forbid(unsafe_code)]

mod bench_cli;
mod certs_cli;
mod csp_cli;
mod device_cli;
mod duis_cli;
mod gbcs_cli;
mod rdp_cli;
mod run_cli;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use ecosystem::EcosystemConfig;

/// mimalloc instead of the system allocator: the services allocate and free many small
/// buffers a request (XML, GBCS, gRPC frames), and glibc's malloc and free were about a tenth
/// of `dccsim bench`'s CPU.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(
    name = "dccsim",
    version,
    about = "A simulator of GB smart metering's DCC ecosystem, compatible with DCC Boxed"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start every party (DSP, both CSPs, TSP, RDPs, Comms Hubs, meters); print endpoints, then `ready`.
    Up {
        #[command(flatten)]
        options: EcosystemOptions,
        /// Run each party in its own OS process (`dccsim serve <party>`), restarting any that exits.
        #[arg(long)]
        processes: bool,
    },
    /// Run one party alone, reaching the others at their configured addresses.
    Serve {
        /// tsp, dsp, csp-north, csp-central-south, rdp-electricity, rdp-gas, commshub or smartmeter.
        party: String,
        #[command(flatten)]
        options: EcosystemOptions,
        /// Run under `up --processes`'s supervisor: report each listener's address on standard
        /// output, learn peers' addresses from standard input, and stop when it closes (so no
        /// party outlives the supervisor).
        #[arg(long, hide = true)]
        exit_when_stdin_closes: bool,
        /// NAME=ADDRESS: where this listener of the party's previous process was (set by the
        /// supervisor on a restart); a listener configured on port 0 tries there first.
        #[arg(long = "listen-again", hide = true, value_parser = parse_listen_again)]
        listen_again: Vec<(String, std::net::SocketAddr)>,
    },
    /// Run the smoke pack (`run scenarios/smoke`): the end-to-end slice, each case in its own ecosystem.
    Demo {
        /// Write the HTML report (sequence diagrams) here.
        #[arg(long)]
        html: Option<PathBuf>,
        /// Write a JUnit XML report here.
        #[arg(long)]
        junit: Option<PathBuf>,
    },
    /// Run scenario packs or files, in-process (or against a running ecosystem with --target).
    Run(run_cli::RunArgs),
    /// The test PKI.
    Certs {
        #[command(subcommand)]
        command: CertsCommand,
    },
    /// GBCS messages: decode them as DCC's gbcs-parser does.
    Gbcs {
        #[command(subcommand)]
        command: gbcs_cli::GbcsCommand,
    },
    /// DUIS requests: what the DSP makes of them.
    Duis {
        #[command(subcommand)]
        command: duis_cli::DuisCommand,
    },
    /// Act as a device (answer GBCS commands as the device they are addressed to), or act on
    /// one of a running ecosystem (raise an alert, cut its power, set a register).
    Device {
        #[command(subcommand)]
        command: device_cli::DeviceCommand,
    },
    /// What happened to requests, hop by hop, with times, from the DSP's audit log.
    Audit(AuditArgs),
    /// Load the ecosystem with many concurrent users; report requests/s, latencies, the crypto ceiling.
    Bench(bench_cli::BenchArgs),
    /// The generated fleet of `up --fleet N`.
    Fleet {
        #[command(subcommand)]
        command: bench_cli::FleetCommand,
    },
    /// The CSPs' SM WAN model.
    Csp {
        #[command(subcommand)]
        command: CspCommand,
    },
    /// Registration data files.
    Rdp {
        #[command(subcommand)]
        command: RdpCommand,
    },
}

#[derive(Debug, Subcommand)]
enum CspCommand {
    /// p50 and p99 SM WAN latency of each Comms Hub variant, from seeded draws of the model.
    WanLatency {
        #[command(flatten)]
        args: csp_cli::WanLatencyArgs,
        /// A TOML configuration whose `comms_hub_wan` variants are measured.
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum RdpCommand {
    /// Write a registration folder of full refresh files (`up --registration DIR` sends them).
    Generate {
        #[command(flatten)]
        args: rdp_cli::GenerateArgs,
        /// A TOML configuration whose users are the suppliers and network operators named.
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, clap::Args)]
struct AuditArgs {
    /// DUIS RequestIDs (`originator:target:counter`).
    #[arg(required = true)]
    request_ids: Vec<String>,
    /// The DSP's data folder (`up --data DIR`); the DSP must be stopped.
    #[arg(long, conflicts_with = "url")]
    data: Option<PathBuf>,
    /// A running DSP's DUIS address, e.g. http://127.0.0.1:8079, asked instead.
    #[arg(long)]
    url: Option<String>,
}

#[derive(Debug, Subcommand)]
enum CertsCommand {
    /// Write the test PKI (CAs, organisations, the fleet's devices) as PEM files.
    Init {
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value = "certs")]
        out: PathBuf,
    },
    /// Print a party's or device's certificates readably.
    Show(certs_cli::ShowArgs),
    /// Make a PKCS#10 CSR for an organisation or a device, with your key or a new one.
    Csr(certs_cli::CsrArgs),
    /// Issue a certificate for a CSR from the seed's test PKI.
    Issue(certs_cli::IssueArgs),
}

#[derive(Debug, clap::Args)]
struct EcosystemOptions {
    /// A TOML configuration overriding the embedded defaults.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Where users' asynchronous responses are POSTed (their Receive Response URL).
    #[arg(long)]
    response_url: Option<String>,
    /// `keystore.json` of `@smartdcc/dccboxed-keystore`: use DCC Boxed's organisation identities.
    #[arg(long)]
    dccboxed_keystore: Option<PathBuf>,
    /// `system` (default) or `virtual`: a clock that moves only with
    /// `POST http://127.0.0.1:8079/admin/clock?advance=SECONDS`.
    #[arg(long)]
    clock: Option<clock::ClockMode>,
    /// Where the DSP keeps its state across restarts (default: in memory).
    #[arg(long)]
    data: Option<PathBuf>,
    /// A folder of registration data files the RDPs send (`dccsim rdp generate` makes one);
    /// ready once both full refreshes are applied.
    #[arg(long)]
    registration: Option<PathBuf>,
    /// Add N generated premises (CHF, GPF, ESME, GSME each; `dccsim fleet list --fleet N`).
    /// A configuration file's `fleet` stands unless this is given.
    #[arg(long)]
    fleet: Option<u32>,
}

impl EcosystemOptions {
    fn load(&self) -> anyhow::Result<EcosystemConfig> {
        let mut config = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                EcosystemConfig::from_toml(path, &text)?
            }
            None => EcosystemConfig::default(),
        };
        if let Some(url) = &self.response_url {
            config.response_url = Some(url.clone());
        }
        if let Some(path) = &self.dccboxed_keystore {
            config.dccboxed_keystore = Some(path.clone());
        }
        if let Some(mode) = self.clock {
            config.clock = mode;
        }
        if let Some(folder) = &self.registration {
            config.registration_directory = Some(folder.clone());
        }
        if let Some(data) = &self.data {
            config.dsp_data_directory = Some(data.clone());
        }
        if let Some(fleet) = self.fleet {
            if fleet > ecosystem::fleet::MAXIMUM_PREMISES {
                return Err(ecosystem::fleet::FleetError::TooLarge(fleet).into());
            }
            config.fleet = fleet;
        }
        config.validate()?;
        Ok(config)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The demo provokes rejections on purpose: their warnings would read as failures.
    let default_filter = if matches!(cli.command, Command::Demo { .. } | Command::Run(_)) {
        "error"
    } else {
        "warn"
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter)),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("dccsim: cannot start the async runtime: {error}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("dccsim: {error:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Up {
            options,
            processes: false,
        } => up(options.load()?).await,
        Command::Up {
            options,
            processes: true,
        } => up_processes(options).await,
        Command::Serve {
            party,
            options,
            exit_when_stdin_closes,
            listen_again,
        } => {
            let supervised = exit_when_stdin_closes.then(|| listen_again.into_iter().collect());
            serve(&party, options.load()?, supervised).await
        }
        Command::Demo { html, junit } => {
            run_cli::run(run_cli::RunArgs {
                paths: vec![run_cli::smoke_pack()],
                tags: None,
                jobs: 1,
                junit,
                html,
                json: None,
                rerun_failed: None,
                gate: None,
                seed: None,
                target: None,
                smki_url: None,
                listen: std::net::SocketAddr::from(([127, 0, 0, 1], 8090)),
                dccboxed_keystore: None,
                jobs_compare: false,
                response_wait: None,
            })
            .await
        }
        Command::Run(args) => run_cli::run(args).await,
        Command::Certs {
            command: CertsCommand::Init { seed, out },
        } => certs_init(seed, &out),
        Command::Certs {
            command: CertsCommand::Show(args),
        } => certs_cli::show(&args),
        Command::Certs {
            command: CertsCommand::Csr(args),
        } => certs_cli::csr(&args),
        Command::Certs {
            command: CertsCommand::Issue(args),
        } => certs_cli::issue(&args),
        Command::Gbcs { command } => Ok(gbcs_cli::run(command)),
        Command::Duis { command } => Ok(duis_cli::run(command)),
        Command::Device { command } => Ok(device_cli::run(command).await),
        Command::Audit(args) => audit(args).await,
        Command::Csp {
            command: CspCommand::WanLatency { args, config },
        } => Ok(csp_cli::wan_latency(&args, &configuration(config)?)),
        Command::Rdp {
            command: RdpCommand::Generate { args, config },
        } => rdp_cli::generate(&args, &configuration(config)?),
        Command::Bench(args) => bench_cli::bench(args).await,
        Command::Fleet { command } => bench_cli::fleet(command),
    }
}

/// The configuration in `path`, or the embedded default.
fn configuration(path: Option<PathBuf>) -> anyhow::Result<EcosystemConfig> {
    EcosystemOptions {
        config: path,
        response_url: None,
        dccboxed_keystore: None,
        clock: None,
        data: None,
        registration: None,
        fleet: None,
    }
    .load()
}

async fn audit(args: AuditArgs) -> anyhow::Result<ExitCode> {
    for request_id in &args.request_ids {
        let text = match (&args.data, &args.url) {
            (_, Some(url)) => {
                let response = reqwest::Client::new()
                    .get(format!(
                        "{}/admin/audit/{request_id}",
                        url.trim_end_matches('/')
                    ))
                    .send()
                    .await
                    .with_context(|| format!("cannot reach the DSP at {url}"))?;
                let status = response.status();
                let text = response.text().await.unwrap_or_default();
                if !status.is_success() {
                    anyhow::bail!("the DSP answered {status}: {}", text.trim());
                }
                text
            }
            (Some(data), None) => {
                dsp::audit::render(request_id, &dsp::audit::read(data, request_id)?)
            }
            (None, None) => anyhow::bail!(
                "give --data DIR (a stopped DSP's folder) or --url URL (a running DSP)"
            ),
        };
        print!("{text}");
    }
    Ok(ExitCode::SUCCESS)
}

const READY_LIMIT: Duration = Duration::from_secs(60);

fn print_endpoints(config: &EcosystemConfig, running: Option<&ecosystem::Running>) {
    let duis = running
        .and_then(|r| r.duis_url.clone())
        .unwrap_or_else(|| format!("http://{}", config.duis_address));
    let smki = running
        .and_then(|r| r.smki_url.clone())
        .unwrap_or_else(|| format!("http://{}", config.smki_repository_address));
    println!("DUIS          {duis}/api/v1/serviceS | serviceT | serviceD   (ready: {duis}/readyz)");
    println!("SMKI          {smki}/services/certificatesearch | retrievecertificate");
    let addresses = running
        .map(|r| r.grpc_addresses.clone())
        .unwrap_or_else(|| config.grpc_addresses.clone());
    for (party, address) in addresses {
        println!("gRPC {party:<18} {address}");
    }
    // The installations awaiting install and commission: the DSP knows the Comms Hub
    // (Pending), neither meter until it is pre-notified (12.2).
    for hub in config
        .comms_hubs
        .iter()
        .filter(|hub| hub.awaiting_installation)
    {
        let id = |device: Option<dcc_model::Eui64>| {
            device.map_or_else(|| "-".to_owned(), |device| device.to_string())
        };
        println!(
            "spare {:<8} CHF {} GPF {} ESME {} GSME {} (not installed)",
            hub.region.as_str(),
            hub.communications_hub_function,
            id(hub.gas_proxy_function),
            id(hub.electricity_meter.as_ref().map(|meter| meter.device_id)),
            id(hub.gas_meter.as_ref().map(|meter| meter.device_id)),
        );
    }
    if config.fleet > 0 {
        println!(
            "fleet         {} generated premises (`dccsim fleet list --fleet {}` lists them)",
            config.fleet, config.fleet
        );
    }
}

async fn up(config: EcosystemConfig) -> anyhow::Result<ExitCode> {
    let running = ecosystem::start_in_process(config.clone()).await?;
    let written = write_pki(&running.identities.pki, Path::new(DEFAULT_CERTS_DIRECTORY))?;
    print_endpoints(&config, Some(&running));
    println!(
        "certs         {written} PEM files of the test PKI (seed {}) in {DEFAULT_CERTS_DIRECTORY}/",
        config.seed
    );
    let duis_url = running.duis_url.clone().unwrap_or_default();
    ecosystem::wait_until_ready(&duis_url, READY_LIMIT).await?;
    println!("ready");
    stop_requested().await;
    println!("shutting down");
    running.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

async fn up_processes(options: EcosystemOptions) -> anyhow::Result<ExitCode> {
    let run_dir = std::env::temp_dir().join(format!("dccsim-{}", std::process::id()));
    std::fs::create_dir_all(&run_dir)
        .with_context(|| format!("cannot create {}", run_dir.display()))?;
    let mut config = options.load()?;
    // A DSP process restarted by the supervisor must find its state again.
    if config.dsp_data_directory.is_none() {
        config.dsp_data_directory = Some(run_dir.join("dsp-data"));
    }
    let (config, config_path) = ecosystem::processes::prepare_run(config, &run_dir)?;
    let identities = ecosystem::Identities::build(&config)?;
    let written = write_pki(&identities.pki, Path::new(DEFAULT_CERTS_DIRECTORY))?;
    println!(
        "certs         {written} PEM files of the test PKI (seed {}) in {DEFAULT_CERTS_DIRECTORY}/",
        config.seed
    );
    let executable = std::env::current_exe().context("cannot find the dccsim executable")?;
    let supervisor =
        ecosystem::processes::Supervisor::start(executable, config_path.clone(), run_dir.clone());
    let endpoints = match supervisor.endpoints(READY_LIMIT).await {
        Ok(endpoints) => endpoints,
        Err(error) => {
            let _ = supervisor.stop().await;
            return Err(error.into());
        }
    };
    let config = endpoints.apply(config);
    print_endpoints(&config, None);
    println!("config        {}", config_path.display());
    println!("pids          {}/<party>.pid", run_dir.display());
    println!(
        "dccki         {}/dccki (mutual TLS on every gRPC link)",
        run_dir.display()
    );
    if let Err(error) = ecosystem::wait_until_ready(&endpoints.duis_url(), READY_LIMIT).await {
        let _ = supervisor.stop().await;
        return Err(error.into());
    }
    println!("ready");
    stop_requested().await;
    println!("shutting down");
    let _ = supervisor.stop().await;
    Ok(ExitCode::SUCCESS)
}

/// Ctrl-C or SIGTERM.
async fn stop_requested() {
    #[cfg(unix)]
    {
        let terminate = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut signal) => {
                    signal.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn parse_listen_again(value: &str) -> Result<(String, std::net::SocketAddr), String> {
    ecosystem::processes::parse_listen_again(value)
        .ok_or_else(|| format!("{value:?} is not NAME=ADDRESS (e.g. dsp=127.0.0.1:50051)"))
}

/// Runs `party` alone. `supervised` (under `up --processes`, with where the listeners of the
/// party's previous process were): reports its listeners on standard output, learns its
/// peers' addresses from standard input, and stops when standard input closes.
async fn serve(
    party: &str,
    config: EcosystemConfig,
    supervised: Option<std::collections::BTreeMap<String, std::net::SocketAddr>>,
) -> anyhow::Result<ExitCode> {
    if !ecosystem::config::PARTIES.contains(&party) {
        anyhow::bail!(
            "unknown party {party:?}; the parties are {}",
            ecosystem::config::PARTIES.join(", ")
        );
    }
    let Some(previous_listeners) = supervised else {
        let running = ecosystem::start_parties(config, &[party], None).await?;
        tracing::info!(party, "serving");
        stop_requested().await;
        running.shutdown().await;
        return Ok(ExitCode::SUCCESS);
    };
    let peers = ecosystem::launch::PeerAddresses::new(config.grpc_addresses.clone());
    let hooks = ecosystem::launch::LaunchHooks {
        peer_addresses: Some(peers.clone()),
        previous_listeners,
        ..ecosystem::launch::LaunchHooks::default()
    };
    let running = ecosystem::launch::start_parties_with(config, &[party], None, hooks).await?;
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        for (name, address) in &running.listening {
            writeln!(
                out,
                "{}",
                ecosystem::processes::listening_line(name, *address)
            )?;
        }
        out.flush()?;
    }
    tracing::info!(party, "serving");
    let clock = ecosystem::processes::ClockRelay::new(running.clock.clone());
    let report_moves = clock.report_moves(|line| {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        if let Err(error) = writeln!(out, "{line}").and_then(|()| out.flush()) {
            tracing::warn!(%error, "cannot tell the supervisor the time");
        }
    });
    tokio::select! {
        _ = stop_requested() => {}
        _ = ecosystem::processes::follow_supervisor(tokio::io::stdin(), &peers, &clock) => {}
        _ = async { report_moves.await; std::future::pending::<()>().await } => {}
    }
    running.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

fn certs_init(seed: u64, out: &Path) -> anyhow::Result<ExitCode> {
    let config = EcosystemConfig {
        seed,
        ..EcosystemConfig::default()
    };
    let pki = smki::TestPki::default_with_devices(seed, &config.devices())
        .map_err(|error| anyhow::anyhow!("cannot make the test PKI: {error}"))?;
    let written = write_pki(&pki, out)?;
    println!("wrote {written} files to {}", out.display());
    Ok(ExitCode::SUCCESS)
}

/// Where `up` writes the test PKI it runs with.
const DEFAULT_CERTS_DIRECTORY: &str = "certs";

/// Writes the PKI's PEM files to `out`; returns how many.
fn write_pki(pki: &smki::TestPki, out: &Path) -> anyhow::Result<usize> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let files = pki.files();
    for (name, bytes) in &files {
        let path = out.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(files.len())
}
