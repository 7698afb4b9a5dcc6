//! `dccsim bench` and `dccsim fleet`: load an ecosystem and measure it; list the generated
//! fleet's devices.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// How long requests are sent for, in seconds (responses still owed are awaited after).
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// How many meters of the generated fleet are addressed (two per premises).
    #[arg(long, default_value_t = 200)]
    devices: u32,
    /// Closed loop: requests outstanding at once.
    #[arg(long, default_value_t = 32)]
    concurrency: u32,
    /// Open loop: requests started per second, whatever the answers.
    #[arg(long)]
    rate: Option<f64>,
    /// Weights of the request kinds, e.g. `reads=9,critical=1`.
    #[arg(long, default_value = "reads=1")]
    mix: bench::Mix,
    /// Start each party in its own OS process (`dccsim serve <party>`, mutual TLS on every
    /// gRPC link), as `up --processes` does, instead of in this process.
    #[arg(long, conflicts_with = "target")]
    processes: bool,
    /// A running ecosystem's DUIS address (e.g. http://127.0.0.1:8079) instead of one started
    /// here; it must send users' responses to --inbox and have the fleet (`up --fleet`).
    #[arg(long)]
    target: Option<String>,
    /// Where to receive the target's asynchronous responses (its --response-url's address).
    #[arg(long, requires = "target")]
    inbox: Option<std::net::SocketAddr>,
    /// The target's seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Measure from the first request: no warm-up (by default each device, up to 1,000, is
    /// addressed once before the window, unmeasured, so first contacts are not in the figures).
    #[arg(long)]
    no_warm_up: bool,
    /// Print only the figures as JSON.
    #[arg(long)]
    json: bool,
}

pub async fn bench(args: BenchArgs) -> anyhow::Result<ExitCode> {
    if !(args.duration > 0.0 && args.duration.is_finite()) {
        anyhow::bail!("--duration must be a positive number of seconds");
    }
    if let Some(rate) = args.rate {
        if !(rate > 0.0 && rate.is_finite()) {
            anyhow::bail!("--rate must be a positive number of requests a second");
        }
    }
    if args.devices == 0 {
        anyhow::bail!("--devices must be at least 1");
    }
    let options = bench::BenchOptions {
        duration: Duration::from_secs_f64(args.duration),
        devices: args.devices,
        concurrency: args.concurrency,
        rate: args.rate,
        mix: args.mix,
        target: args.target,
        processes: match args.processes {
            true => Some(std::env::current_exe().context("cannot find the dccsim executable")?),
            false => None,
        },
        inbox_address: args.inbox,
        seed: args.seed,
        warm_up: !args.no_warm_up,
        progress: true,
    };
    let report = bench::bench(&options).await?;
    if args.json {
        println!("{}", report.json());
    } else {
        print!("{}", report.render());
    }
    Ok(if report.figures.errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

#[derive(Debug, clap::Subcommand)]
pub enum FleetCommand {
    /// Print the generated premises' device ids and meter point references.
    List {
        /// How many premises (as `up --fleet N`).
        #[arg(long)]
        fleet: u32,
    },
}

pub fn fleet(command: FleetCommand) -> anyhow::Result<ExitCode> {
    match command {
        FleetCommand::List { fleet } => {
            let hubs = ecosystem::fleet::generate(fleet)?;
            print!("{}", ecosystem::fleet::render_list(&hubs));
            Ok(ExitCode::SUCCESS)
        }
    }
}
