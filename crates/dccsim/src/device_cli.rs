//! `dccsim device …`: act as a device, or on one. `respond` takes a GBCS command, builds the
//! device it is addressed to from a key folder (and a state file), and prints what the device
//! sends. `act` acts on a device of a running ecosystem at its premises (raise an alert, cut
//! or restore power, set a register) through the `DeviceControl` service of the parties that
//! host the devices.
//!
//! The engine is `device`; this module reads files, picks the device type and prints.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use dcc_model::{DeviceType, Eui64};
use device::{DeviceDateTime, DeviceState, KeyFolder};
use gbcs::decode::hex_upper;

/// Exit code for bad input and for a command the device refuses.
const REFUSED: u8 = 2;

#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Act as the device a GBCS command is addressed to: print, as uppercase hex one per line,
    /// the response it sends and then any alert it raises. A file of several commands (one per
    /// line) goes to the same device in order, all at `--now`: a future-dated instruction
    /// still to come then raises nothing, unless `--until` lets its time come. Exit code 2
    /// with the reason when the device refuses a command.
    Respond {
        /// A folder of keys as `dccsim gbcs decode --keys` reads it (the RTDS key store, or
        /// dccsim's `certs/`): the device's own keys and the organisations it trusts. May be
        /// given several times.
        #[arg(long = "keys", value_name = "DIR", required = true)]
        keys: Vec<PathBuf>,
        /// A TOML file of device state (supply, registers, variant, faults, HAN device log …)
        /// to start from; see `device::DeviceState`.
        #[arg(long, value_name = "FILE")]
        state: Option<PathBuf>,
        /// ESME, GSME, CHF, GPF, PPMID or HCALCS: the device type, when the use case applies to
        /// several (default: the first the catalogue names).
        #[arg(long, value_name = "TYPE")]
        device_type: Option<DeviceType>,
        /// The date-time the device is told, RFC 3339 (default: now, UTC).
        #[arg(long, value_name = "DATE-TIME")]
        now: Option<String>,
        /// After the commands, the device's time moves on to this date-time (RFC 3339): it
        /// performs the future-dated instructions due by then and prints their alerts (8F66).
        #[arg(long, value_name = "DATE-TIME")]
        until: Option<String>,
        /// A file (hex text, one command per line, or binary), a hex string, or `-` for
        /// standard input.
        #[arg(value_name = "FILE|HEX|-")]
        input: String,
    },
    /// Act on a device of a running ecosystem (`dccsim up`) as at its premises; the alerts it
    /// raises go to their users as DUIS DeviceAlertMessages. Prints the alerts raised. Exit
    /// code 2 with the reason when the device cannot do it or the ecosystem cannot be reached.
    Act {
        /// The device: 16 hex digits or the dashed DUIS form.
        #[arg(long, value_name = "ID")]
        device: Eui64,
        /// The running ecosystem's configuration (`up --processes` prints its path; with its
        /// DCCKI folder the call uses mutual TLS); the embedded default when absent.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        #[command(subcommand)]
        action: ActCommand,
    },
    /// Print, as JSON, what a meter of a running ecosystem shows on its display: the supplier's
    /// message (3.1), the Customer Identification Number (9.1), whether it asks for the privacy
    /// PIN (until 3.5).
    Display {
        /// The device: 16 hex digits or the dashed DUIS form.
        #[arg(long, value_name = "ID")]
        device: Eui64,
        /// The running ecosystem's configuration, as for `act`.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
}

/// What `dccsim device act` does to the device.
#[derive(Debug, Subcommand)]
pub enum ActCommand {
    /// Raise a GBCS alert, e.g. `raise-alert 8F1C`.
    RaiseAlert {
        /// Four hex digits.
        #[arg(value_name = "ALERT-CODE")]
        code: String,
    },
    /// Cut (`off`) or restore (`on`) mains power; an ESME reports the outage when power returns.
    Power {
        #[arg(value_enum)]
        state: Power,
    },
    /// Set a register (meter_balance, active_import, supply, payment_mode, …) to a value.
    SetRegister { register: String, value: String },
    /// Move the device's clock, e.g. `1h` or `-5m`.
    ShiftClock {
        #[arg(allow_hyphen_values = true)]
        by: String,
    },
    /// Restart the device.
    Reset,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Power {
    On,
    Off,
}

impl ActCommand {
    /// The action as scenario `device` steps write it.
    fn action(&self) -> ecosystem::device_control::DeviceAction {
        use ecosystem::device_control::{DeviceAction, PowerState};
        match self {
            Self::RaiseAlert { code } => DeviceAction::RaiseAlert(code.clone()),
            Self::Power { state: Power::On } => DeviceAction::Power(PowerState::On),
            Self::Power { state: Power::Off } => DeviceAction::Power(PowerState::Off),
            Self::SetRegister { register, value } => DeviceAction::SetRegister {
                register: register.clone(),
                value: value.clone(),
            },
            Self::ShiftClock { by } => DeviceAction::ShiftClock(by.clone()),
            Self::Reset => DeviceAction::Reset,
        }
    }
}

/// Runs a `dccsim device` command.
pub async fn run(command: DeviceCommand) -> ExitCode {
    match command {
        DeviceCommand::Act {
            device,
            config,
            action,
        } => match act(device, config, &action).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("dccsim device act: {message}");
                ExitCode::from(REFUSED)
            }
        },
        DeviceCommand::Display { device, config } => match display(device, config).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("dccsim device display: {message}");
                ExitCode::from(REFUSED)
            }
        },
        DeviceCommand::Respond {
            keys,
            state,
            device_type,
            now,
            until,
            input,
        } => match respond(
            &keys,
            state.as_deref(),
            device_type,
            (now.as_deref(), until.as_deref()),
            &input,
        ) {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("dccsim device respond: {message}");
                ExitCode::from(REFUSED)
            }
        },
    }
}

/// `times`: the date-time the device is told (`--now`) and the one it moves on to after the
/// commands (`--until`).
fn respond(
    key_folders: &[PathBuf],
    state_file: Option<&Path>,
    device_type: Option<DeviceType>,
    (now, until): (Option<&str>, Option<&str>),
    input: &str,
) -> Result<(), String> {
    let commands =
        crate::gbcs_cli::read_input(input).map_err(|error| format!("{input}: {error}"))?;
    let first = commands
        .first()
        .ok_or_else(|| format!("{input}: no command"))?;
    let envelope = gbcs::Envelope::parse(first)
        .map_err(|error| format!("{input}: not a GBCS message: {error}"))?;
    let header = envelope.header();
    let device_id = header.recipient;
    let device_type = match device_type {
        Some(device_type) => device_type,
        None => catalogue_device_type(header.message_code(), device_id)?,
    };
    let state = match state_file {
        Some(path) => read_state(path)?,
        None => DeviceState::default(),
    };
    let now = match now {
        Some(text) => parse_date_time("--now", text)?,
        None => DeviceDateTime::from_offset_date_time(time::OffsetDateTime::now_utc()),
    };
    let until = until
        .map(|text| parse_date_time("--until", text))
        .transpose()?;
    let files = crate::gbcs_cli::key_files(key_folders)?;
    let folder = KeyFolder::from_files(
        files
            .iter()
            .map(|(name, bytes)| (name.as_str(), bytes.as_slice())),
    )
    .map_err(|error| format!("--keys: {error}"))?;
    let preferred: Vec<Eui64> = std::iter::once(header.originator)
        .chain(header.other_information.supplementary_remote_party_id)
        .collect();
    let built = folder
        .device(device_id, device_type, state, &preferred)
        .map_err(|error| format!("--keys: {error}"))?;
    let mut device = built.device;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for command in &commands {
        let response = device.handle_command(command, now).map_err(|error| {
            format!(
                "{device_type} {} refused the command: {error}",
                device_id.to_hex()
            )
        })?;
        if built.stand_in_signing_key
            && response.first() == Some(&gbcs::envelope::GENERAL_SIGNING_TAG)
        {
            eprintln!(
                "dccsim device respond: no {}-ds.key in the key folder: {} signed with its stand-in DS key (device::stand_in_signing_key)",
                device_id.to_hex().to_ascii_lowercase(),
                device_id.to_hex()
            );
        }
        let _ = writeln!(out, "{}", hex_upper(&response));
        for alert in device.take_alerts() {
            let _ = writeln!(out, "{}", hex_upper(&alert));
        }
    }
    if let Some(until) = until {
        device.catch_up(until);
        for alert in device.take_alerts() {
            let _ = writeln!(out, "{}", hex_upper(&alert));
        }
    }
    let _ = out.flush();
    Ok(())
}

/// The device control services at the configuration's addresses.
fn device_control(
    config: Option<PathBuf>,
) -> Result<ecosystem::device_control::GrpcDeviceControl, String> {
    let config = crate::configuration(config).map_err(|error| format!("{error:#}"))?;
    let tls = match &config.dccki_directory {
        Some(directory) => Some(
            ecosystem::dccki::load(directory, ecosystem::dccki::TOOLS)
                .map_err(|error| error.to_string())?,
        ),
        None => None,
    };
    let directory =
        ecosystem::launch::NetworkDirectory::new(config.grpc_addresses.clone()).with_tls(tls);
    Ok(ecosystem::device_control::GrpcDeviceControl::new(
        &directory,
    ))
}

/// Prints what `device`'s display shows.
async fn display(device: Eui64, config: Option<PathBuf>) -> Result<(), String> {
    let shown = device_control(config)?
        .display_of(device)
        .await
        .map_err(|error| error.to_string())?;
    let json = serde_json::to_string(&shown).map_err(|error| error.to_string())?;
    println!("{json}");
    Ok(())
}

/// Acts on `device` through the device control services at the configuration's addresses.
async fn act(device: Eui64, config: Option<PathBuf>, action: &ActCommand) -> Result<(), String> {
    use ecosystem::device_control::DeviceControl;
    let control = device_control(config)?;
    let raised = control
        .act(device, &action.action())
        .await
        .map_err(|error| error.to_string())?;
    for code in raised {
        let code = gbcs::alert::AlertCode(code);
        println!(
            "{} raised alert {code} ({})",
            device.to_hex(),
            gbcs::alert::catalogue::name(code).unwrap_or("not in the GBCS alert catalogue")
        );
    }
    Ok(())
}

/// The device type a use case is addressed to: the first its catalogue entry names.
fn catalogue_device_type(
    message_code: gbcs::MessageCode,
    device: Eui64,
) -> Result<DeviceType, String> {
    let entry = gbcs::catalogue::entry(message_code)
        .ok_or_else(|| format!("message code {message_code} is not a GBCS use case"))?;
    let device_type = entry.device_types.first().copied().ok_or_else(|| {
        format!(
            "{} ({message_code}) is addressed to no device type",
            entry.name
        )
    })?;
    if entry.device_types.len() > 1 {
        let names: Vec<&str> = entry
            .device_types
            .iter()
            .map(|kind| kind.as_str())
            .collect();
        eprintln!(
            "dccsim device respond: {device} acts as a {device_type}: {} applies to {} (--device-type chooses)",
            entry.use_case_id().unwrap_or(entry.name),
            names.join(", ")
        );
    }
    Ok(device_type)
}

fn read_state(path: &Path) -> Result<DeviceState, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("--state {}: {error}", path.display()))?;
    toml::from_str(&text).map_err(|error| format!("--state {}: {error}", path.display()))
}

/// The date-time option `option` gives, RFC 3339.
fn parse_date_time(option: &str, text: &str) -> Result<DeviceDateTime, String> {
    let instant = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|error| format!("{option} {text}: not an RFC 3339 date-time: {error}"))?;
    Ok(DeviceDateTime::from_offset_date_time(instant))
}
