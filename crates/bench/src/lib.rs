//! `dccsim bench`: drives an ecosystem (started here, or a running one) with many concurrent
//! simulated users, and reports service requests a second end to end, latency percentiles,
//! errors, and the crypto ceiling measured in the same run.
#![forbid(unsafe_code)]

pub mod ceiling;
pub mod latency;
pub mod options;
pub mod run;

use std::time::Duration;

use serde::Serialize;

pub use ceiling::CryptoCeiling;
pub use latency::LatencySummary;
pub use options::{BenchOptions, Mix, RequestKind};

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error(transparent)]
    Launch(#[from] ecosystem::LaunchError),
    #[error(transparent)]
    Identity(#[from] ecosystem::identities::IdentityError),
    #[error(transparent)]
    Fleet(#[from] ecosystem::fleet::FleetError),
    #[error(transparent)]
    Run(#[from] run::RunError),
    #[error(transparent)]
    Ceiling(#[from] ceiling::CeilingError),
    #[error("the crypto ceiling's measurement stopped: {0}")]
    CeilingTask(String),
    #[error("cannot start the parties' processes: {0}")]
    Processes(String),
}

/// The figures of one run, as `--json` prints them (the fields issue 10 names).
#[derive(Debug, Clone, Serialize)]
pub struct BenchFigures {
    pub service_requests_per_s: f64,
    pub crypto_ceiling_per_s_per_core: f64,
    pub cores: usize,
    pub sync_latency_ms: LatencySummary,
    pub end_to_end_ms: LatencySummary,
    pub errors: u64,
    pub devices: usize,
    /// Closed loop: the requests kept outstanding; open loop: the most that were outstanding.
    pub concurrency: u64,
    pub duration_s: f64,
}

/// A run's figures and what explains them.
#[derive(Debug, Clone)]
pub struct BenchReport {
    pub figures: BenchFigures,
    pub ceiling: CryptoCeiling,
    pub rate: Option<f64>,
    pub sent: u64,
    pub completed: u64,
    pub error_samples: Vec<String>,
    /// How long the in-process ecosystem took to be ready, when started here.
    pub ready_after: Option<Duration>,
    /// Requests sent before the measured window to meet each device (see
    /// [`BenchOptions::warm_up`]).
    pub warmed_up: u64,
}

impl BenchReport {
    /// Service requests a second end to end over the crypto ceiling of one core.
    pub fn ratio_to_ceiling(&self) -> f64 {
        if self.figures.crypto_ceiling_per_s_per_core == 0.0 {
            return 0.0;
        }
        self.figures.service_requests_per_s / self.figures.crypto_ceiling_per_s_per_core
    }

    pub fn json(&self) -> String {
        serde_json::to_string_pretty(&self.figures).unwrap_or_default()
    }

    /// The figures for a reader, with the ceiling's steps.
    pub fn render(&self) -> String {
        let f = &self.figures;
        let mut out = String::new();
        let load = match self.rate {
            Some(rate) => format!("open loop at {rate} requests/s"),
            None => format!("closed loop, {} outstanding", f.concurrency),
        };
        out.push_str(&format!(
            "{} devices, {load}, {:.1} s, {} cores\n",
            f.devices, f.duration_s, f.cores
        ));
        if let Some(ready) = self.ready_after {
            out.push_str(&format!(
                "ecosystem ready in {:.2} s\n",
                ready.as_secs_f64()
            ));
        }
        if self.warmed_up > 0 {
            out.push_str(&format!(
                "warm-up                        {} requests, each device met before the window\n",
                self.warmed_up
            ));
        }
        out.push_str(&format!(
            "service requests/s end to end  {:.0}  ({} sent, {} verified, {} errors)\n",
            f.service_requests_per_s, self.sent, self.completed, f.errors
        ));
        out.push_str(&format!(
            "crypto ceiling per core        {:.0} requests/s ({:.0} µs a request); ratio {:.2}\n",
            f.crypto_ceiling_per_s_per_core,
            self.ceiling.per_request().as_secs_f64() * 1e6,
            self.ratio_to_ceiling()
        ));
        let latency = |name: &str, summary: &LatencySummary| {
            format!(
                "{name:<31}p50 {:.2}  p90 {:.2}  p99 {:.2}  max {:.2} ms\n",
                summary.p50, summary.p90, summary.p99, summary.max
            )
        };
        out.push_str(&latency("synchronous answer", &f.sync_latency_ms));
        out.push_str(&latency("end to end", &f.end_to_end_ms));
        out.push_str("crypto of one request:\n");
        for step in &self.ceiling.steps {
            out.push_str(&format!(
                "  {:>7.1} µs  {}\n",
                step.mean.as_secs_f64() * 1e6,
                step.name
            ));
        }
        for sample in &self.error_samples {
            out.push_str(&format!("error: {sample}\n"));
        }
        out
    }
}

/// How long the crypto ceiling is measured for.
const CEILING_BUDGET: Duration = Duration::from_millis(1500);
/// How long an in-process ecosystem may take to be ready.
const READY_LIMIT: Duration = Duration::from_secs(300);

/// Runs the bench: starts the ecosystem here with the fleet the run needs (or uses
/// `options.target`), measures the crypto ceiling, then drives the load.
pub async fn bench(options: &BenchOptions) -> Result<BenchReport, BenchError> {
    let inbox = run::Inbox::bind(options.inbox_address).await?;
    let (running, identities, duis_url, ready_after) = match (&options.target, &options.processes) {
        (Some(url), _) => {
            // The target's PKI from its seed; fleet devices are issued on first use.
            let identities = ecosystem::Identities::build(&ecosystem::EcosystemConfig {
                seed: options.seed,
                ..ecosystem::EcosystemConfig::default()
            })?;
            (
                Started::Elsewhere,
                identities,
                url.trim_end_matches('/').to_owned(),
                None,
            )
        }
        (None, Some(executable)) => {
            let config = ecosystem_config(options, &inbox.url)?;
            let started = std::time::Instant::now();
            let (processes, identities, duis_url) = Processes::start(config, executable).await?;
            (
                Started::Processes(processes),
                identities,
                duis_url,
                Some(started.elapsed()),
            )
        }
        (None, None) => {
            let config = ecosystem_config(options, &inbox.url)?;
            let started = std::time::Instant::now();
            let running = ecosystem::start_in_process(config).await?;
            let duis_url = running.duis_url.clone().unwrap_or_default();
            ecosystem::wait_until_ready(&duis_url, READY_LIMIT).await?;
            let ready_after = started.elapsed();
            let identities = running.identities.clone();
            (
                Started::InProcess(Box::new(running)),
                identities,
                duis_url,
                Some(ready_after),
            )
        }
    };
    let ceiling = {
        let identities = identities.clone();
        tokio::task::spawn_blocking(move || ceiling::measure(&identities, CEILING_BUDGET))
            .await
            .map_err(|error| BenchError::CeilingTask(error.to_string()))??
    };
    let driven = run::drive(options, &identities, &duis_url, inbox).await;
    running.stop().await;
    let driven = driven?;
    let measurements = driven.measurements;
    let duration_s = options.duration.as_secs_f64();
    let concurrency = match options.rate {
        None => u64::from(options.concurrency.max(1)),
        Some(_) => measurements.peak_outstanding,
    };
    let figures = BenchFigures {
        service_requests_per_s: measurements.completed_in_window as f64 / duration_s.max(1e-9),
        crypto_ceiling_per_s_per_core: ceiling.requests_per_second_per_core(),
        cores: std::thread::available_parallelism()
            .map(|cores| cores.get())
            .unwrap_or(1),
        sync_latency_ms: measurements.synchronous.summary(),
        end_to_end_ms: measurements.end_to_end.summary(),
        errors: measurements.errors,
        devices: driven.targets,
        concurrency,
        duration_s,
    };
    Ok(BenchReport {
        figures,
        ceiling,
        rate: options.rate,
        sent: measurements.sent,
        completed: measurements.completed,
        error_samples: measurements.error_samples,
        ready_after,
        warmed_up: driven.warmed_up,
    })
}

/// The ecosystem a run starts: the default one with the run's seed and fleet, its users'
/// responses sent to the run's inbox.
fn ecosystem_config(
    options: &BenchOptions,
    response_url: &str,
) -> Result<ecosystem::EcosystemConfig, BenchError> {
    let mut config = ecosystem::EcosystemConfig {
        seed: options.seed,
        ..ecosystem::EcosystemConfig::default()
    }
    .with_ephemeral_ports();
    let premises = options.premises();
    if premises > ecosystem::fleet::MAXIMUM_PREMISES {
        return Err(ecosystem::fleet::FleetError::TooLarge(premises).into());
    }
    config.fleet = premises;
    config.response_url = Some(response_url.to_owned());
    Ok(config)
}

/// What a run started, to stop when it ends.
enum Started {
    /// Nothing: `--target` names a running ecosystem.
    Elsewhere,
    InProcess(Box<ecosystem::Running>),
    Processes(Processes),
}

impl Started {
    async fn stop(self) {
        match self {
            Started::Elsewhere => {}
            Started::InProcess(running) => running.shutdown().await,
            Started::Processes(processes) => processes.stop().await,
        }
    }
}

/// The parties as OS processes under `ecosystem::processes::Supervisor`, as `dccsim up
/// --processes` runs them, in a run folder of their own (configuration, DCCKI material).
struct Processes {
    supervisor: ecosystem::processes::Supervisor,
    run_dir: std::path::PathBuf,
}

impl Processes {
    async fn start(
        config: ecosystem::EcosystemConfig,
        executable: &std::path::Path,
    ) -> Result<(Self, ecosystem::Identities, String), BenchError> {
        let failed = |error: &dyn std::fmt::Display| BenchError::Processes(error.to_string());
        let run_dir = std::env::temp_dir().join(format!("dccsim-bench-{}", std::process::id()));
        std::fs::create_dir_all(&run_dir)
            .map_err(|error| failed(&format!("{}: {error}", run_dir.display())))?;
        let (config, config_path) =
            ecosystem::processes::prepare_run(config, &run_dir).map_err(|error| failed(&error))?;
        let identities = ecosystem::Identities::build(&config)?;
        let started = ecosystem::processes::Supervisor::start_ready(
            executable.to_owned(),
            config_path,
            run_dir.clone(),
            READY_LIMIT,
        )
        .await;
        let (supervisor, endpoints) = match started {
            Ok(started) => started,
            Err(error) => {
                let _ = std::fs::remove_dir_all(&run_dir);
                return Err(failed(&error));
            }
        };
        let processes = Self {
            supervisor,
            run_dir,
        };
        Ok((processes, identities, endpoints.duis_url()))
    }

    async fn stop(self) {
        let _ = self.supervisor.stop().await;
        let _ = std::fs::remove_dir_all(&self.run_dir);
    }
}
