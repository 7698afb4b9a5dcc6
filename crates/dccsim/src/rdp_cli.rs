//! `dccsim rdp generate`: a registration folder of full refresh files for the RDPs to send
//! (`dccsim up --registration DIR`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use dcc_model::UserRole;
use ecosystem::EcosystemConfig;

#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// How many meter points (half electricity, half gas).
    #[arg(long, default_value_t = 1000)]
    pub meter_points: u64,
    /// Seed of the choices (which supplier, since when).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The folder to write (`electricity/000001-full-refresh.reg`, `gas/…`).
    #[arg(long)]
    pub out: PathBuf,
}

pub fn generate(args: &GenerateArgs, config: &EcosystemConfig) -> anyhow::Result<ExitCode> {
    let with_role = |roles: &[UserRole]| {
        config
            .users
            .iter()
            .filter(|user| user.roles.iter().any(|role| roles.contains(role)))
            .map(|user| user.id)
            .collect::<Vec<_>>()
    };
    let suppliers = with_role(&[UserRole::ImportSupplier, UserRole::GasSupplier]);
    let Some(network_operator) =
        with_role(&[UserRole::ElectricityDistributor, UserRole::GasTransporter])
            .first()
            .copied()
    else {
        anyhow::bail!("the configuration has no network operator to register");
    };
    if suppliers.is_empty() {
        anyhow::bail!("the configuration has no supplier to register");
    }
    let now = time::OffsetDateTime::now_utc();
    let created = now.replace_nanosecond(0).unwrap_or(now);
    let fleet = rdp::registration_file::generate(
        args.meter_points,
        args.seed,
        &suppliers,
        network_operator,
        created,
    );
    for (fuel, text) in [
        (rdp::Fuel::Electricity, &fleet.electricity),
        (rdp::Fuel::Gas, &fleet.gas),
    ] {
        let folder = rdp::directory::fuel_directory(&args.out, fuel);
        write(&folder, "000001-full-refresh.reg", text)?;
    }
    println!(
        "{} meter points (seed {}) in {}/electricity and {}/gas",
        args.meter_points,
        args.seed,
        args.out.display(),
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn write(folder: &Path, name: &str, text: &str) -> anyhow::Result<()> {
    std::fs::create_dir_all(folder).with_context(|| format!("cannot make {}", folder.display()))?;
    let path = folder.join(name);
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))
}
