//! `dccsim gbcs …`: the GBCS decoder for users, the counterpart of DCC's gbcs-parser.
//!
//! The decoding itself is `gbcs::decode`; this module only reads inputs and key folders and
//! prints what the decoder found, as text or as one JSON object per line.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use gbcs::decode::{describe, hex_upper, DecodedMessage, KeyRing};

/// Exit code for bad input (unreadable file, not hex, not a GBCS message, bad key file).
const BAD_INPUT: u8 = 2;

#[derive(Debug, Subcommand)]
pub enum GbcsCommand {
    /// Decode GBCS messages: envelope, use case, counters and ids, MAC and signature
    /// validity, decrypted blocks and the payload as a tree.
    Decode {
        /// A folder of keys named `<id>-ds.pem`, `<id>-ka.pem`, `<id>-ds.key`, `<id>-ka.key`
        /// (the RTDS key store, or dccsim's `certs/`). May be given several times.
        #[arg(long = "keys", value_name = "DIR")]
        keys: Vec<PathBuf>,
        /// Print one JSON object per message, one per line.
        #[arg(long)]
        json: bool,
        /// Files (hex text, one message per line, or binary), hex strings, or `-` for
        /// standard input.
        #[arg(required = true, value_name = "FILE|HEX|-")]
        inputs: Vec<String>,
    },
    /// Make a UTRN (GBCS section 14) as a supplier's prepayment system does: 20 digits for
    /// 2.2 Top Up Device, keyed by the supplier's prepayment top-up key and the meter's KA key.
    Utrn {
        /// The meter topped up (EUI-64).
        #[arg(long)]
        device: String,
        /// The value: pence, or pounds with --pounds (0 to 8191).
        #[arg(long)]
        value: u16,
        #[arg(long)]
        pounds: bool,
        /// Which of the supplier's top-ups for this meter it is (1 for the first): the
        /// counter is this times 2^32; a meter takes each once and in order.
        #[arg(long, default_value_t = 1)]
        top_up: u64,
        /// The supplier (default: the test supplier, 90-B3-D5-1F-30-01-00-00).
        #[arg(long)]
        supplier: Option<String>,
        /// A key folder with `<supplier>-pp-ka.key` and `<device>-ka.pem` (the RTDS key
        /// store); without it, the keys of the ecosystem `dccsim up` runs (with --config, that
        /// configuration's).
        #[arg(long, value_name = "DIR")]
        keys: Option<PathBuf>,
        /// The ecosystem's configuration (seed, DCC Boxed key store).
        #[arg(long, value_name = "FILE", conflicts_with = "keys")]
        config: Option<PathBuf>,
    },
}

/// Runs a `dccsim gbcs` command; bad input gives exit code 2 with a message on stderr.
pub fn run(command: GbcsCommand) -> ExitCode {
    match command {
        GbcsCommand::Decode { keys, json, inputs } => decode(&keys, json, &inputs),
        GbcsCommand::Utrn {
            device,
            value,
            pounds,
            top_up,
            supplier,
            keys,
            config,
        } => {
            let request = UtrnRequest {
                device,
                value,
                pounds,
                top_up,
                supplier,
            };
            match make_utrn(&request, keys, config) {
                Ok(utrn) => {
                    println!("{utrn}");
                    ExitCode::SUCCESS
                }
                Err(message) => {
                    eprintln!("dccsim gbcs utrn: {message}");
                    ExitCode::from(BAD_INPUT)
                }
            }
        }
    }
}

struct UtrnRequest {
    device: String,
    value: u16,
    pounds: bool,
    top_up: u64,
    supplier: Option<String>,
}

/// The UTRN `request` asks for, with the keys of a folder or of the ecosystem's identities.
fn make_utrn(
    request: &UtrnRequest,
    keys: Option<PathBuf>,
    config: Option<PathBuf>,
) -> Result<String, String> {
    use dcc_model::Eui64;
    use gbcs::crypto::{KeyAgreementPrivateKey, KeyAgreementPublicKey, SharedSecret};
    let device: Eui64 = request
        .device
        .parse()
        .map_err(|error| format!("--device {:?}: {error}", request.device))?;
    let supplier: Eui64 = match &request.supplier {
        Some(text) => text
            .parse()
            .map_err(|error| format!("--supplier {text:?}: {error}"))?,
        None => ecosystem::config::TEST_SUPPLIER,
    };
    if request.top_up == 0 || request.top_up >= 1 << 32 {
        return Err(format!(
            "--top-up {} is not a top-up number (1 for the first)",
            request.top_up
        ));
    }
    let z = match keys {
        Some(folder) => {
            let read = |name: String| {
                let path = folder.join(&name);
                std::fs::read(&path).map_err(|error| format!("{}: {error}", path.display()))
            };
            let private = KeyAgreementPrivateKey::from_pkcs8(&read(format!(
                "{}-pp-ka.key",
                supplier.to_hex_lower()
            ))?)
            .map_err(|error| format!("the supplier's prepayment key: {error}"))?;
            let public = KeyAgreementPublicKey::from_any(&read(format!(
                "{}-ka.pem",
                device.to_hex_lower()
            ))?)
            .map_err(|error| format!("the device's KA key: {error}"))?;
            SharedSecret::compute(&private, &public)
        }
        None => {
            let config = crate::configuration(config).map_err(|error| format!("{error:#}"))?;
            ecosystem::Identities::build(&config)
                .map_err(|error| error.to_string())?
                .prepayment_shared_secret(supplier, device)
                .map_err(|error| format!("--device {device}: {error}"))?
        }
    };
    let value_class = match request.pounds {
        true => gbcs::utrn::ValueClass::Pounds,
        false => gbcs::utrn::ValueClass::Pennies,
    };
    gbcs::utrn::make(
        &z,
        supplier,
        device,
        request.top_up << 32,
        value_class,
        request.value,
    )
    .map_err(|error| error.to_string())
}

fn decode(key_folders: &[PathBuf], json: bool, inputs: &[String]) -> ExitCode {
    let keys = match load_keys(key_folders) {
        Ok(keys) => keys,
        Err(message) => {
            eprintln!("dccsim gbcs decode: {message}");
            return ExitCode::from(BAD_INPUT);
        }
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut failed = false;
    for input in inputs {
        let messages = match read_input(input) {
            Ok(messages) => messages,
            Err(message) => {
                eprintln!("dccsim gbcs decode: {input}: {message}");
                failed = true;
                continue;
            }
        };
        let several = messages.len() > 1;
        for (index, bytes) in messages.iter().enumerate() {
            let source = if several {
                format!("{input}#{}", index + 1)
            } else {
                input.clone()
            };
            match describe(bytes, &keys) {
                Ok(decoded) => {
                    let _ = if json {
                        writeln!(out, "{}", json_line(&source, &decoded))
                    } else {
                        write!(out, "== {source}\n{}", decoded.tree().render())
                    };
                }
                Err(error) => {
                    eprintln!("dccsim gbcs decode: {source}: not a GBCS message: {error}");
                    failed = true;
                }
            }
        }
    }
    let _ = out.flush();
    if failed {
        ExitCode::from(BAD_INPUT)
    } else {
        ExitCode::SUCCESS
    }
}

/// Every key file of the folders (other files are skipped by the key ring).
pub(crate) fn load_keys(folders: &[PathBuf]) -> Result<KeyRing, String> {
    let mut keys = KeyRing::new();
    for (name, bytes) in key_files(folders)? {
        keys.add_file(&name, &bytes)
            .map_err(|error| format!("--keys: {error}"))?;
    }
    Ok(keys)
}

/// The files of the folders whose names are key files' (`<id>-ka.pem`, `<id>-pp-ka.pem`,
/// `<id>-pp-ka.key`, …),
/// as (file name, bytes).
pub(crate) fn key_files(folders: &[PathBuf]) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut files = Vec::new();
    for folder in folders {
        let entries = std::fs::read_dir(folder)
            .map_err(|error| format!("--keys {}: {error}", folder.display()))?;
        for entry in entries {
            let path = entry
                .map_err(|error| format!("--keys {}: {error}", folder.display()))?
                .path();
            let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
                continue;
            };
            let lowercase = name.to_ascii_lowercase();
            let prepayment = lowercase.ends_with("-pp-ka.pem") || lowercase.ends_with("-pp-ka.key");
            if (gbcs::decode::classify_key_file(name).is_none() && !prepayment) || !path.is_file() {
                continue;
            }
            let bytes = std::fs::read(&path)
                .map_err(|error| format!("--keys {}: {error}", path.display()))?;
            files.push((name.to_owned(), bytes));
        }
    }
    files.sort();
    Ok(files)
}

/// The messages of one input: `-` (standard input), a file, or a hex string.
pub(crate) fn read_input(input: &str) -> Result<Vec<Vec<u8>>, String> {
    if input == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|error| format!("cannot read standard input: {error}"))?;
        return messages_of_content(&bytes);
    }
    let path = Path::new(input);
    if path.is_file() {
        let bytes = std::fs::read(path).map_err(|error| format!("cannot read: {error}"))?;
        return messages_of_content(&bytes);
    }
    match hex_message(input) {
        Some(bytes) => Ok(vec![bytes]),
        None => Err("neither a readable file nor a hex string".into()),
    }
}

/// Hex text (one message per non-empty line) or, failing that, one binary message.
fn messages_of_content(bytes: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    if let Ok(text) = std::str::from_utf8(bytes) {
        let lines: Vec<&str> = text
            .lines()
            .filter(|line| !line.trim().is_empty())
            .collect();
        let decoded: Option<Vec<Vec<u8>>> = lines.iter().map(|line| hex_message(line)).collect();
        if let Some(messages) = decoded {
            if messages.is_empty() {
                return Err("empty input".into());
            }
            return Ok(messages);
        }
    }
    if bytes.is_empty() {
        return Err("empty input".into());
    }
    Ok(vec![bytes.to_vec()])
}

/// A hex string (spaces allowed, optional `0x`) as bytes.
fn hex_message(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    let text = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.is_empty() || !digits.len().is_multiple_of(2) {
        return None;
    }
    hex::decode(digits).ok()
}

/// One message as a JSON object on one line.
fn json_line(source: &str, decoded: &DecodedMessage) -> String {
    let header = &decoded.header;
    let info = &header.other_information;
    let decrypted: Vec<serde_json::Value> = decoded
        .encrypted_blocks
        .iter()
        .map(|block| match &block.plaintext {
            Ok(plaintext) => serde_json::Value::String(hex_upper(plaintext)),
            Err(_) => serde_json::Value::Null,
        })
        .collect();
    let block_transfer = decoded.block_transfer.as_ref().map(|(summary, _)| {
        serde_json::json!({
            "blocks": summary.block_numbers,
            "missing_blocks": summary.missing_blocks,
            "last_block_known": summary.last_block_known,
        })
    });
    serde_json::json!({
        "source": source,
        "form": format!("{:?}", decoded.form),
        "message_code": header.message_code().to_string(),
        "use_case": decoded.use_case_id(),
        "use_case_name": decoded.use_case.map(|entry| entry.name),
        "cra": header.transaction.cra.byte(),
        "counter": header.transaction.counter,
        "originator": header.originator.to_hex(),
        "recipient": header.recipient.to_hex(),
        "date_time": header.date_time.map(|date_time| hex_upper(&date_time)),
        "supplementary_remote_party": info.supplementary_remote_party_id.map(|id| id.to_hex()),
        "mac_header": decoded.mac_bytes.is_some(),
        "mac": decoded.mac_bytes.map(|mac| hex_upper(&mac)),
        "mac_valid": decoded.mac.checked(),
        "signature": decoded.signature_field.kind(),
        "signature_valid": decoded.signature.checked(),
        "decrypted": decrypted,
        "payload": hex_upper(&decoded.payload),
        "block_transfer": block_transfer,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_text_is_one_message_per_line_and_binary_is_one_message() {
        assert_eq!(
            messages_of_content(b"DF09\n\n 0a0b \n").unwrap(),
            vec![vec![0xDF, 0x09], vec![0x0A, 0x0B]]
        );
        assert_eq!(
            messages_of_content(&[0xDD, 0x00, 0x01]).unwrap(),
            vec![vec![0xDD, 0x00, 0x01]]
        );
        assert!(messages_of_content(b"").is_err());
        assert_eq!(hex_message("0xDF 09"), Some(vec![0xDF, 0x09]));
        assert_eq!(hex_message("DF0"), None);
    }
}
