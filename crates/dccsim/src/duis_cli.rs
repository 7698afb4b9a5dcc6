//! `dccsim duis …`: DUIS tools for users, so nobody needs DCC's Java tooling to talk to dccsim.
//!
//! `transform` prints the GBCS command (command variants 1–3, MACed with the ACB's key) or
//! pre-command (4) the DSP makes for a request, using the request's own counter, as the DSP's
//! `services::transform` builds it; with `--access-control-broker-counter`, the command the ACB
//! sends on the requester's behalf (`services::transform_via_access_control_broker`).

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use dcc_model::{DeviceType, Eui64};
use dsp::services::{self, CommandContext};
use gbcs::decode::hex_upper;
use gbcs::SignatureField;

/// Exit code for bad input (unreadable file, not a DUIS request, a request dccsim refuses).
const BAD_INPUT: u8 = 2;

#[derive(Debug, Subcommand)]
pub enum DuisCommand {
    /// Print the GBCS command (CV 1–3, with its MAC) or pre-command (CV 4) a request becomes,
    /// as uppercase hex, with the request's own counter.
    Transform {
        /// A folder of keys named like the RTDS key store (`<id>-ka.key`, `<id>-ka.pem`, …):
        /// the ACB's private key agreement key and the device's certificate MAC the command.
        #[arg(long = "keys", value_name = "DIR")]
        keys: Vec<PathBuf>,
        /// The target's device type (ESME, GSME, CHF, GPF, PPMID, HCALCS, IHD, CAD); by default
        /// the one the service's use cases allow, or the DCC Boxed template device's.
        #[arg(long)]
        device_type: Option<DeviceType>,
        /// The time of the transformation (RFC 3339), for commands that carry the DCC's time.
        #[arg(long, value_parser = parse_time)]
        now: Option<time::OffsetDateTime>,
        /// Have the DCC's access control broker send the command with this counter of its own,
        /// on the requester's behalf (as the DSP does for the use cases GBCS has the ACB send,
        /// and for requesters the device does not know).
        #[arg(long, value_name = "COUNTER")]
        access_control_broker_counter: Option<u64>,
        /// A DUIS request (signed or not), or `-` for standard input.
        #[arg(value_name = "FILE|-")]
        input: String,
    },
}

pub fn run(command: DuisCommand) -> ExitCode {
    match command {
        DuisCommand::Transform {
            keys,
            device_type,
            now,
            access_control_broker_counter,
            input,
        } => match transform(
            &keys,
            device_type,
            now,
            access_control_broker_counter,
            &input,
        ) {
            Ok(hex) => {
                println!("{hex}");
                ExitCode::SUCCESS
            }
            Err(message) => {
                eprintln!("dccsim duis transform: {input}: {message}");
                ExitCode::from(BAD_INPUT)
            }
        },
    }
}

fn parse_time(text: &str) -> Result<time::OffsetDateTime, String> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|error| format!("not an RFC 3339 time: {error}"))
}

fn read_input(input: &str) -> Result<Vec<u8>, String> {
    if input == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|error| format!("cannot read standard input: {error}"))?;
        return Ok(bytes);
    }
    std::fs::read(input).map_err(|error| format!("cannot read: {error}"))
}

fn transform(
    key_folders: &[PathBuf],
    device_type: Option<DeviceType>,
    now: Option<time::OffsetDateTime>,
    access_control_broker_counter: Option<u64>,
    input: &str,
) -> Result<String, String> {
    let request = duis::parse_request(&read_input(input)?)
        .map_err(|error| format!("not a DUIS request: {error}"))?;
    let header = &request.header;
    let service = duis::catalogue::lookup(header.service_reference_variant.as_str())
        .ok_or_else(|| format!("unknown service {}", header.service_reference_variant))?;
    let device = header.request_id.target;
    let device_type = match device_type {
        Some(device_type) => device_type,
        None => default_device_type(service, device).ok_or_else(|| {
            format!("cannot tell the device type of {device}: give --device-type")
        })?,
    };
    let context = CommandContext {
        request_id: header.request_id,
        command_variant: header.command_variant,
        device_type,
        now: now.unwrap_or_else(time::OffsetDateTime::now_utc),
    };
    let command = match access_control_broker_counter {
        None => services::transform(service, &request, &context),
        Some(counter) => {
            services::transform_via_access_control_broker(service, &request, &context, counter)
        }
    }
    .map_err(|rejection| {
        let hint = match &rejection {
            dsp::rejection::Rejection::UnsupportedService(message)
                if message.contains(services::SENT_BY_ACCESS_CONTROL_BROKER) =>
            {
                " (give --access-control-broker-counter)"
            }
            _ => "",
        };
        format!("{} {rejection}{hint}", rejection.response_code())
    })?;
    match header.command_variant.number() {
        4 => Ok(hex_upper(
            &command.apdu.with_signature(SignatureField::Absent).encode(),
        )),
        1..=3 => {
            let keys = crate::gbcs_cli::load_keys(key_folders)?;
            let secret = keys.mac_secret(&command.apdu.header).ok_or_else(|| {
                format!(
                    "no keys to MAC a command to {device}: --keys needs the ACB's (90B3D51F30000002) \
                     private key agreement key and the device's key agreement certificate"
                )
            })?;
            Ok(hex_upper(&gbcs::protection::protect_command(
                &command.apdu,
                &secret,
            )))
        }
        other => Err(format!(
            "command variant {other}: only requests with command variants 1 to 4 are transformed"
        )),
    }
}

/// The device type the service's use cases allow, when only one; else that of the DCC Boxed
/// template device with this id (the devices of the RTDS templates).
fn default_device_type(
    service: &duis::catalogue::ServiceDefinition,
    device: Eui64,
) -> Option<DeviceType> {
    let mut allowed: Vec<DeviceType> = DeviceType::ALL
        .iter()
        .copied()
        .filter(|device_type| {
            service.use_cases.iter().any(|id| {
                gbcs::catalogue::all_by_use_case_id(id).any(|entry| entry.applies_to(*device_type))
            })
        })
        .collect();
    if allowed.len() == 1 {
        return allowed.pop();
    }
    ecosystem::config::template_device_type(device)
}
