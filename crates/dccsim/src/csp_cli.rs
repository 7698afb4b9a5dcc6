//! `dccsim csp wan-latency`: each Comms Hub variant's SM WAN latency, p50 and p99, measured over
//! seeded draws of the same model the CSPs deliver commands with.

use std::process::ExitCode;

use ecosystem::EcosystemConfig;

#[derive(Debug, clap::Args)]
pub struct WanLatencyArgs {
    /// Draws per variant.
    #[arg(long, default_value_t = 100_000)]
    pub samples: u64,
    /// Size of the command in bytes (bandwidth adds its transfer time).
    #[arg(long, default_value_t = 200)]
    pub bytes: usize,
    /// Seed of the draws (the configuration's WAN seed when absent).
    #[arg(long)]
    pub seed: Option<u64>,
}

pub fn wan_latency(args: &WanLatencyArgs, config: &EcosystemConfig) -> ExitCode {
    let wan = &config.comms_hub_wan;
    let seed = args.seed.unwrap_or(wan.seed);
    println!(
        "{:<18} {:>10} {:>10}   ({} draws, {} bytes, seed {seed})",
        "variant", "p50 ms", "p99 ms", args.samples, args.bytes
    );
    for (variant, behaviour) in &wan.variants {
        let summary = csp::wan::measure(behaviour, args.bytes, args.samples, seed);
        println!(
            "{variant:<18} {:>10.0} {:>10.0}",
            summary.p50.as_secs_f64() * 1000.0,
            summary.p99.as_secs_f64() * 1000.0
        );
    }
    ExitCode::SUCCESS
}
