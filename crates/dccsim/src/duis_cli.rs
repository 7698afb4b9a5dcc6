//! `dccsim duis …`: DUIS tools for users, so nobody needs DCC's Java tooling to talk to dccsim.
//!
//! `sign` and `validate` do what DCC's Java `Sign` and `Validate` do, with dccsim's identities
//! (or DCC Boxed's, from its `keystore.json`). `transform` prints the GBCS command (command variants 1–3, MACed with the ACB's key) or
//! pre-command (4) the DSP makes for a request, using the request's own counter, as the DSP's
//! `services::transform` builds it, knowing DCC Boxed's fleet as the DSP knows its inventory (a
//! join's other device). A command a DCC party (the ACB) originates carries that party's own
//! counter for the device, which the DSP keeps: `--access-control-broker-counter` gives it, and
//! without it RTDS's rule (the RequestID counter + 300) does.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use dcc_model::{DeviceType, Eui64};
use dsp::services::{self, CommandContext, DeviceProfile};
use gbcs::decode::hex_upper;
use gbcs::SignatureField;

/// Exit code for bad input (unreadable file, not a DUIS request, a request dccsim refuses).
const BAD_INPUT: u8 = 2;

/// Exit code of `validate` for a document that does not validate (as DCC's `Validate`).
const INVALID: u8 = 10;

#[derive(Debug, Subcommand)]
pub enum DuisCommand {
    /// Sign a DUIS request with the XML signing key of its RequestID's originator, as DCC's
    /// `Sign` does; the RequestID counter becomes the current time in milliseconds unless
    /// `--preserve-counter`. Prints the signed document.
    Sign {
        #[command(flatten)]
        keystore: KeystoreOption,
        /// Keep the RequestID's counter as it is.
        #[arg(long)]
        preserve_counter: bool,
        /// A DUIS request, or `-` for standard input.
        #[arg(value_name = "FILE|-")]
        input: String,
    },
    /// Check a signed DUIS request or response: well formed, signed by a certificate of the
    /// key store, signature valid. Exit 0 when valid, 10 when not (the reason on stderr).
    Validate {
        #[command(flatten)]
        keystore: KeystoreOption,
        /// A signed DUIS document, or `-` for standard input.
        #[arg(value_name = "FILE|-")]
        input: String,
    },
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
        /// The time of the transformation (RFC 3339), for commands that carry the DCC's time
        /// (GBZ issuer event ids, "from now" start times). The default is RTDS's reference
        /// clock, 2015-01-01T00:00:00Z, so the output is a function of the input alone and the
        /// RTDS templates give the RTDS bytes; the DSP uses its own clock.
        #[arg(long, value_parser = parse_time)]
        now: Option<time::OffsetDateTime>,
        /// The counter of a command a DCC party (the access control broker) originates for
        /// the request: for the use cases GBCS has the ACB send, and for requesters the device
        /// does not know. The DSP counts on from the last one the party used for the device;
        /// the default is RTDS's rule, the RequestID counter + 300.
        #[arg(long, value_name = "COUNTER")]
        access_control_broker_counter: Option<u64>,
        /// The target device's GBCS version as the DSP's inventory records it (e.g. `3.2`): a
        /// device before GBCS 4.0 gets the use cases GBCS has since superseded (ECS26d rather
        /// than ECS26l, ECS08 rather than ECS08a…). The default is the current version.
        #[arg(long, value_name = "VERSION")]
        device_gbcs_version: Option<String>,
        /// The target ESME's variant as DUIS names it (`A` single element, `B` twin element,
        /// `C` polyphase…). The default is a single element ESME.
        #[arg(long, value_name = "VARIANT")]
        esme_variant: Option<String>,
        /// A DUIS request (signed or not), or `-` for standard input.
        #[arg(value_name = "FILE|-")]
        input: String,
    },
}

/// Whose identities sign and verify.
#[derive(Debug, clap::Args)]
pub struct KeystoreOption {
    /// `keystore.json` of `@smartdcc/dccboxed-keystore` (DCC Boxed's identities); without it,
    /// dccsim's own test PKI (the identities `dccsim up` runs with).
    #[arg(long, value_name = "PATH")]
    keystore: Option<PathBuf>,
    /// The seed of dccsim's test PKI.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

impl KeystoreOption {
    fn identities(&self) -> Result<ecosystem::Identities, String> {
        let config = ecosystem::EcosystemConfig {
            seed: self.seed,
            dccboxed_keystore: self.keystore.clone(),
            ..ecosystem::EcosystemConfig::default()
        };
        ecosystem::Identities::build(&config).map_err(|error| error.to_string())
    }
}

pub fn run(command: DuisCommand) -> ExitCode {
    match command {
        DuisCommand::Sign {
            keystore,
            preserve_counter,
            input,
        } => match sign(&keystore, preserve_counter, &input) {
            Ok(signed) => {
                println!("{signed}");
                ExitCode::SUCCESS
            }
            Err(message) => {
                eprintln!("dccsim duis sign: {input}: {message}");
                ExitCode::from(BAD_INPUT)
            }
        },
        DuisCommand::Validate { keystore, input } => match validate(&keystore, &input) {
            Ok(Ok(signer)) => {
                eprintln!("{input}: valid, signed by {signer}");
                ExitCode::SUCCESS
            }
            Ok(Err(reason)) => {
                eprintln!("{input}: invalid: {reason}");
                ExitCode::from(INVALID)
            }
            Err(message) => {
                eprintln!("dccsim duis validate: {input}: {message}");
                ExitCode::from(BAD_INPUT)
            }
        },
        DuisCommand::Transform {
            keys,
            device_type,
            now,
            access_control_broker_counter,
            device_gbcs_version,
            esme_variant,
            input,
        } => match DeviceProfile::from_inventory(
            device_gbcs_version.as_deref(),
            esme_variant.as_deref(),
        )
        .and_then(|device_profile| {
            transform(
                &keys,
                (device_type, device_profile),
                now,
                access_control_broker_counter,
                &input,
            )
        }) {
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

/// RTDS's reference clock: the time of `duis transform` unless `--now` says otherwise.
const RTDS_REFERENCE_CLOCK: time::OffsetDateTime = time::macros::datetime!(2015-01-01 00:00:00 UTC);

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
    (device_type, device_profile): (Option<DeviceType>, DeviceProfile),
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
        now: now.unwrap_or(RTDS_REFERENCE_CLOCK),
        device_profile,
        requester_role: requester_role(key_folders, header.request_id.originator, device_type),
    };
    let knowledge = FleetKnowledge {
        key_folders,
        dcc_party_counter: access_control_broker_counter,
    };
    let command = services::transform_with(service, &request, &context, &knowledge)
        .map_err(|rejection| format!("{} {rejection}", rejection.response_code()))?;
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

/// The certificate of `party` for `kind` in the key folders (`<id>-ka.pem`, `<id>-ds.pem`).
fn certificate_in(
    key_folders: &[PathBuf],
    party: Eui64,
    kind: gbcs::decode::KeyFileKind,
) -> Option<smki::Certificate> {
    key_folders
        .iter()
        .filter_map(|folder| std::fs::read_dir(folder).ok())
        .flatten()
        .filter_map(Result::ok)
        .find(|entry| {
            gbcs::decode::classify_key_file(&entry.file_name().to_string_lossy())
                == Some((party, kind))
        })
        .and_then(|entry| std::fs::read(entry.path()).ok())
        .and_then(|bytes| smki::Certificate::from_der_or_pem(&bytes).ok())
}

/// The role the originator sends in, as the DSP's access control would find it: from the
/// role of its digital-signature certificate in the key folders and the fuel of the device (a
/// supplier is an import or a gas supplier, a network operator an electricity distributor or
/// a gas transporter); none when the folders do not tell.
fn requester_role(
    key_folders: &[PathBuf],
    originator: Eui64,
    device_type: DeviceType,
) -> Option<dcc_model::UserRole> {
    use dcc_model::UserRole;
    let role = certificate_in(
        key_folders,
        originator,
        gbcs::decode::KeyFileKind::SigningPublic,
    )?
    .role()?;
    let electricity = match device_type {
        DeviceType::ElectricitySmartMeter => true,
        DeviceType::GasSmartMeter | DeviceType::GasProxyFunction => false,
        _ => return None,
    };
    match (role, electricity) {
        (smki::RemotePartyRole::SUPPLIER, true) => Some(UserRole::ImportSupplier),
        (smki::RemotePartyRole::SUPPLIER, false) => Some(UserRole::GasSupplier),
        (smki::RemotePartyRole::NETWORK_OPERATOR, true) => Some(UserRole::ElectricityDistributor),
        (smki::RemotePartyRole::NETWORK_OPERATOR, false) => Some(UserRole::GasTransporter),
        _ => None,
    }
}

/// What `transform` knows beyond the request, as the DSP of DCC Boxed's fleet does: the types
/// of the fleet's devices (a join's other device), a device's KA certificate from the key
/// folders (`<id>-ka.pem`, for a method C join), and a DCC party's counter when the command
/// line gives it (else RTDS's rule).
struct FleetKnowledge<'a> {
    key_folders: &'a [PathBuf],
    dcc_party_counter: Option<u64>,
}

impl services::DspKnowledge for FleetKnowledge<'_> {
    fn device_type(&self, device: Eui64) -> Option<DeviceType> {
        ecosystem::config::template_device_type(device)
    }

    fn key_agreement_certificate(&self, device: Eui64) -> Option<Vec<u8>> {
        certificate_in(
            self.key_folders,
            device,
            gbcs::decode::KeyFileKind::KeyAgreementPublic,
        )
        .map(|certificate| certificate.der().to_vec())
    }

    fn dcc_counter(
        &self,
        originator: Eui64,
        context: &CommandContext,
    ) -> Result<u64, dsp::rejection::Rejection> {
        match self.dcc_party_counter {
            Some(counter) => Ok(counter),
            None => {
                services::DspKnowledge::dcc_counter(&services::NoKnowledge, originator, context)
            }
        }
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

fn sign(keystore: &KeystoreOption, preserve_counter: bool, input: &str) -> Result<String, String> {
    let bytes = read_input(input)?;
    let text = std::str::from_utf8(&bytes).map_err(|_| "not UTF-8 text".to_owned())?;
    let request =
        duis::parse_request(&bytes).map_err(|error| format!("not a DUIS request: {error}"))?;
    let originator = request.header.request_id.originator;
    let text = if preserve_counter {
        text.to_owned()
    } else {
        let now_ms =
            u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000)
                .map_err(|_| "the system clock is before 1970".to_owned())?;
        with_counter(text, now_ms)?
    };
    let identities = keystore.identities()?;
    let identity = identities
        .organisation(
            originator,
            smki::KeyUsage::DigitalSignature,
            Some(smki::RemotePartyRole::XML_SIGNING),
        )
        .map_err(|error| format!("no XML signing key for the originator: {error}"))?;
    let signer = duis::XmlSigner::from_pkcs8(
        identity
            .private_key_pkcs8_der
            .as_deref()
            .unwrap_or_default(),
        identity.certificate.issuer_name_rfc2253(),
        identity.certificate.serial_decimal(),
    )
    .map_err(|error| format!("the originator's XML signing key: {error}"))?;
    duis::sign_document(&text, &signer).map_err(|error| error.to_string())
}

/// The document with its RequestID's counter (the text after the last `:`) replaced.
fn with_counter(text: &str, counter: u64) -> Result<String, String> {
    let document = roxmltree::Document::parse(text).map_err(|error| error.to_string())?;
    let request_id = document
        .descendants()
        .find(|node| node.tag_name().name() == "RequestID")
        .and_then(|node| node.first_child())
        .filter(|child| child.is_text())
        .ok_or_else(|| "no RequestID".to_owned())?;
    let range = request_id.range();
    let value = &text[range.clone()];
    let colon = value
        .rfind(':')
        .ok_or_else(|| "RequestID without a counter".to_owned())?;
    Ok(format!(
        "{}{}{counter}{}",
        &text[..range.start],
        &value[..=colon],
        &text[range.end..]
    ))
}

/// `Ok(Ok(signer))` when valid, `Ok(Err(reason))` when not, `Err` when it cannot be read at all.
fn validate(keystore: &KeystoreOption, input: &str) -> Result<Result<String, String>, String> {
    let bytes = read_input(input)?;
    let identities = keystore.identities()?;
    let structure = match duis::parse_request(&bytes) {
        Ok(_) => Ok(()),
        Err(request_error) => duis::parse_response(&bytes)
            .map(|_| ())
            .map_err(|response_error| {
                format!(
                    "neither a DUIS request ({request_error}) nor a response ({response_error})"
                )
            }),
    };
    if let Err(reason) = structure {
        return Ok(Err(reason));
    }
    let key_info = match duis::signature_key_info(&bytes) {
        Ok(key_info) => key_info,
        Err(error) => return Ok(Err(format!("signature: {error}"))),
    };
    let store = identities.certificate_store();
    let Some(certificate) = store.by_issuer_serial(&key_info.issuer_name, &key_info.serial) else {
        return Ok(Err(format!(
            "no certificate {} serial {} in the key store",
            key_info.issuer_name, key_info.serial
        )));
    };
    if let Err(error) = duis::verify_document(&bytes, &certificate.public_key_sec1()) {
        return Ok(Err(format!("signature does not verify: {error}")));
    }
    Ok(Ok(format!(
        "{} serial {}",
        key_info.issuer_name, key_info.serial
    )))
}
