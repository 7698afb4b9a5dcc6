//! `dccsim device respond` against RTDS (issue 8, done-when 1): for every RTDS command with a
//! response (a walk of every folder of `../shared/vectors/rtds-4.5.0/gbcs/`), the device the
//! command is addressed to, built from the RTDS key store, must answer with a response that
//! has the reference response's message code, CRA flag, counter, system titles and date-time
//! presence, the same protection (a MAC that verifies with the RTDS keys, or a device signature
//! that verifies with the device's stand-in DS key: the reference DS keys are not published),
//! encrypted blocks that decrypt with the RTDS keys, and a payload of the same structure
//! (`rtds_shape`). Success pairs run on a device in its default state (a twin-element ESME for
//! the TWIN ones); error pairs on a device put, through `--state`, into the state the reference
//! error shows (a fault at the request that failed).
//!
//! DCC's own gbcs-parser judges each of our responses against the reference one as well
//! (`oracle_shape`): it must parse it, verify it and find a parse tree of the same shape.
//!
//! The test prints both counts. `device_respond_not_yet.txt` lists the pairs that do not hold
//! yet, one pair name per line with the reason: the test fails on any other pair that does not
//! hold, and on a listed pair that now holds (take it off the list), so the list only shrinks
//! and the counts only rise. Done-when 1 of issue 8 is met when the list is empty.

mod oracle_shape;
mod rtds_shape;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use dcc_model::{DeviceType, Eui64};
use gbcs::decode::{describe, KeyRing, Verification};
use gbcs::dlms::{DlmsApdu, RequestSpecification};
use gbcs::gbz::GbzPayload;
use gbcs::{Envelope, GeneralSigning, SignatureField};

const DCCSIM: &str = env!("CARGO_BIN_EXE_dccsim");

/// The pairs that do not hold yet, by name, with the reason.
fn not_yet() -> BTreeMap<String, String> {
    include_str!("device_respond_not_yet.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| match line.split_once(' ') {
            Some((name, reason)) => (name.to_owned(), reason.trim().to_owned()),
            None => (line.to_owned(), String::new()),
        })
        .collect()
}

/// One RTDS command and the response the reference device gave.
struct Pair {
    name: String,
    command: PathBuf,
    response: PathBuf,
    success: bool,
}

/// Every command with a response file, folder by folder.
fn pairs(gbcs: &Path) -> Vec<Pair> {
    let mut pairs = Vec::new();
    for folder in test_support::subfolders(gbcs).expect("RTDS folders") {
        let files = test_support::read_folder(&folder).expect("RTDS folder");
        for (name, _) in &files {
            let Some(base) = name.strip_suffix("_COMMAND_GBCS.HEX") else {
                continue;
            };
            let response = format!("{base}_RESPONSE_GBCS.HEX");
            if !files.iter().any(|(file, _)| *file == response) {
                continue;
            }
            pairs.push(Pair {
                name: base.to_owned(),
                command: folder.join(name),
                response: folder.join(response),
                success: base.contains("SUCCESS"),
            });
        }
    }
    pairs
}

fn read_hex(path: &Path) -> Vec<u8> {
    let text = std::fs::read_to_string(path).expect("readable");
    hex::decode(text.trim()).expect("hex")
}

/// The RTDS test devices (DCC Boxed's identities).
fn device_type(id: Eui64) -> Option<DeviceType> {
    Some(match id.to_hex().as_str() {
        "00DB1234567890A0" => DeviceType::ElectricitySmartMeter,
        "00DB1234567890A1" => DeviceType::GasSmartMeter,
        "00DB1234567890A2" => DeviceType::CommunicationsHubFunction,
        "00DB1234567890A3" => DeviceType::GasProxyFunction,
        "00DB1234567890A4" => DeviceType::PrepaymentInterfaceDevice,
        "00DB1234567890A5" | "00DB1234567890A6" => {
            DeviceType::HanConnectedAuxiliaryLoadControlSwitch
        }
        _ => return None,
    })
}

fn apdu(bytes: &[u8]) -> GeneralSigning {
    Envelope::parse(bytes)
        .expect("envelope")
        .general_signing()
        .expect("ordinary message")
        .clone()
}

/// The state file a pair's device starts in: the meter's build, and for an error pair the
/// fault the reference error shows.
fn state_file(
    pair: &Pair,
    command: &GeneralSigning,
    theirs: &GeneralSigning,
    their_plaintexts: &[Vec<u8>],
) -> String {
    let mut lines = Vec::new();
    if pair.name.contains("TWIN") {
        lines.push("variant = \"twin\"".to_owned());
    }
    // The device's own counter (a response to an unknown remote party carries it) is where
    // the reference device's was.
    if let Some(counter) = theirs
        .header
        .other_information
        .supplementary_originator_counter
    {
        lines.push(format!(
            "originator_counter = {}",
            counter.saturating_sub(1)
        ));
    }
    if !pair.success {
        if let Some(fault) = fault_of(command, theirs, their_plaintexts) {
            lines.push(format!("faults = [{fault}]"));
        }
        let missing = roles_with_status(theirs, TRUST_ANCHOR_NOT_FOUND);
        if !missing.is_empty() {
            lines.push(format!("roles_without_trust_anchor = {missing:?}"));
        }
    }
    lines.join("\n")
}

/// The credentials details status of a role whose cells are empty.
const TRUST_ANCHOR_NOT_FOUND: u8 = 25;
/// The credentials details status of a role the device could not answer for.
const DETAILS_OTHER: u8 = 127;

/// The roles a CS02a/CS02f response (`SEQUENCE OF SEQUENCE { role INTEGER, status
/// ENUMERATED, … }`) answers with `status`.
fn roles_with_status(theirs: &GeneralSigning, status: u8) -> Vec<u8> {
    if !matches!(theirs.header.message_code().0, 0x0008 | 0x011B) {
        return Vec::new();
    }
    let content = match theirs.payload.as_slice() {
        [0x30, 0x81, _, content @ ..] | [0x30, _, content @ ..] => content,
        _ => return Vec::new(),
    };
    let mut roles = Vec::new();
    let mut rest = content;
    while let [0x30, length, entry @ ..] = rest {
        let length = usize::from(*length);
        if let [0x02, 0x01, role, 0x0A, 0x01, entry_status, ..] = entry {
            if *entry_status == status {
                roles.push(*role);
            }
        }
        rest = entry.get(length..).unwrap_or_default();
    }
    roles
}

/// The faults a reference error response shows, in state-file form (`their_plaintexts`:
/// its encrypted blocks, decrypted).
fn fault_of(
    command: &GeneralSigning,
    theirs: &GeneralSigning,
    their_plaintexts: &[Vec<u8>],
) -> Option<String> {
    if let (Ok(request), Ok(response)) = (
        DlmsApdu::parse(&command.payload),
        DlmsApdu::parse(&theirs.payload),
    ) {
        let (
            DlmsApdu::AccessRequest { specifications, .. },
            DlmsApdu::AccessResponse { results, .. },
        ) = (request, response)
        else {
            return None;
        };
        let (index, failed) = results
            .iter()
            .enumerate()
            .find(|(_, result)| result.result != 0)?;
        let specification = specifications.get(index)?;
        let kind = match specification {
            RequestSpecification::Get(_) | RequestSpecification::GetWithSelection { .. } => "get",
            RequestSpecification::Set(_) => "set",
            RequestSpecification::Action(_) => "action",
        };
        let reference = specification.reference();
        return Some(format!(
            "{{ on = \"{kind} {} {} {}\", result = {} }}",
            reference.class_id,
            reference.obis_text(),
            reference.index,
            failed.result
        ));
    }
    if let (Ok(request), Ok(response)) = (
        GbzPayload::parse(&command.payload),
        GbzPayload::parse(&theirs.payload),
    ) {
        let faults = gbz_faults(&request, &response, their_plaintexts);
        return (!faults.is_empty()).then(|| faults.join(", "));
    }
    // Credentials details the device could not give, role by role (the other roles asked
    // for it answers).
    let roles_failed = roles_with_status(theirs, DETAILS_OTHER);
    if !roles_failed.is_empty() {
        let code = command.header.message_code().0;
        return Some(
            roles_failed
                .iter()
                .map(|role| {
                    format!(
                        "{{ on = \"use-case {code:04X} role {role}\", result = {DETAILS_OTHER} }}"
                    )
                })
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    // An ASN.1 result code, alone or as the only element of a SEQUENCE.
    match theirs.payload.as_slice() {
        [0x02, 0x01, result] | [0x30, 0x03, 0x02, 0x01, result] if *result != 0 => Some(format!(
            "{{ on = \"use-case {:04X}\", result = {result} }}",
            command.header.message_code().0
        )),
        _ => None,
    }
}

/// The components the reference answered with a failing default response (a NOT_FOUND that
/// ends a list the device did answer in part, with entries of the same command component, is
/// not a fault), or a read record that failed.
fn gbz_faults(request: &GbzPayload, response: &GbzPayload, plaintexts: &[Vec<u8>]) -> Vec<String> {
    let one_answer_each = request.components.len() == response.components.len();
    let mut faults: Vec<String> = Vec::new();
    let mut blocks = plaintexts.iter();
    for (index, answer) in response.components.iter().enumerate() {
        let payload = match &answer.body {
            gbcs::gbz::ComponentBody::Plain(payload) => payload,
            gbcs::gbz::ComponentBody::Encrypted { .. } => match blocks.next() {
                Some(plaintext) => plaintext,
                None => continue,
            },
        };
        let command = match one_answer_each {
            true => request.components.get(index),
            false => request
                .components
                .iter()
                .find(|command| command.sequence_number == answer.sequence_number),
        };
        let Some(command) = command else {
            continue;
        };
        let general = answer.frame_control & 0x03 == 0;
        let fault = match (general, answer.command_id, payload.as_slice()) {
            // A component after the one that failed, not executed: a consequence, not a fault.
            (true, gbcs::zcl::command::DEFAULT_RESPONSE, [0xFF, _]) => None,
            (true, gbcs::zcl::command::DEFAULT_RESPONSE, [_, status]) if *status != 0 => {
                // Entries of the same command component (the same sequence number) before it.
                let answered_in_part = response.components.iter().any(|other| {
                    other.cluster == answer.cluster
                        && other.sequence_number == answer.sequence_number
                        && other.command_id != gbcs::zcl::command::DEFAULT_RESPONSE
                });
                let repeated = request
                    .components
                    .iter()
                    .filter(|other| {
                        (other.cluster, other.command_id) == (command.cluster, command.command_id)
                    })
                    .count()
                    > 1;
                let component = match repeated && one_answer_each {
                    true => format!(" component {}", index + 1),
                    false => String::new(),
                };
                (!answered_in_part || *status != gbcs::zcl::status::NOT_FOUND).then(|| {
                    format!(
                        "{{ on = \"zcl {:04X} command {:02X}{component}\", result = {status} }}",
                        command.cluster, command.command_id
                    )
                })
            }
            (true, gbcs::zcl::command::READ_ATTRIBUTES_RESPONSE, _) => {
                match gbcs::zcl::GeneralCommand::decode(answer.command_id, payload) {
                    Ok(gbcs::zcl::GeneralCommand::ReadAttributesResponse(records)) => records
                        .iter()
                        .find(|record| record.status != 0)
                        .map(|record| {
                            format!(
                                "{{ on = \"zcl {:04X} attribute {:04X}\", result = {} }}",
                                answer.cluster, record.attribute, record.status
                            )
                        }),
                    _ => None,
                }
            }
            _ => None,
        };
        if let Some(fault) = fault {
            if !faults.contains(&fault) {
                faults.push(fault);
            }
        }
    }
    faults
}

/// The reference device's time as RFC 3339: its response's date-time; else, where the
/// response shows snapshots (Publish Snapshot, Publish Prepay Snapshot) taken after
/// 2015-01-01, the RTDS date, the time of the newest (its clock had reached it: GCS15c's
/// billing snapshots are of 2015-02-01 and 2015-03-01, and its response carries no
/// date-time); else 2015-01-01.
fn now_of(theirs: &GeneralSigning, their_plaintexts: &[Vec<u8>]) -> String {
    if let Some([year_high, year_low, month, day, _, hour, minute, second, ..]) =
        theirs.header.date_time
    {
        return format!(
            "{:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z",
            u16::from_be_bytes([year_high, year_low])
        );
    }
    let rtds_date = device::DeviceDateTime::midnight(2015, 1, 1);
    let newest = newest_snapshot(theirs, their_plaintexts)
        .map(device::DeviceDateTime::from_seconds_since_2000)
        .filter(|newest| newest.seconds_since_2000() > rtds_date.seconds_since_2000())
        .unwrap_or(rtds_date);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        newest.year, newest.month, newest.day, newest.hour, newest.minute, newest.second
    )
}

/// The time (UTC seconds since 2000) of the newest snapshot a GBZ response publishes: a
/// Publish Snapshot (metering `06`) or Publish Prepay Snapshot (prepayment `01`), whose
/// snapshot time follows its 4-octet id.
fn newest_snapshot(theirs: &GeneralSigning, their_plaintexts: &[Vec<u8>]) -> Option<u32> {
    let gbz = GbzPayload::parse(&theirs.payload).ok()?;
    let mut blocks = their_plaintexts.iter();
    let mut newest = None;
    for component in &gbz.components {
        let payload = match &component.body {
            gbcs::gbz::ComponentBody::Plain(payload) => payload,
            gbcs::gbz::ComponentBody::Encrypted { .. } => match blocks.next() {
                Some(plaintext) => plaintext,
                None => break,
            },
        };
        let cluster_command = component.frame_control & 0x03 == 0x01;
        let snapshot = matches!(
            (component.cluster, component.command_id),
            (0x0702, 0x06) | (0x0705, 0x01)
        );
        if let (true, true, Some(time)) = (cluster_command, snapshot, payload.get(4..8)) {
            let time = u32::from_le_bytes(time.try_into().expect("four octets"));
            newest = newest.max(Some(time));
        }
    }
    newest
}

/// Runs `dccsim device respond`; returns the response it printed first.
fn respond(
    keys: &Path,
    pair: &Pair,
    device_type: DeviceType,
    state: &str,
    now: &str,
    state_path: &Path,
) -> Result<Vec<u8>, String> {
    std::fs::write(state_path, state).expect("state file");
    let output = Command::new(DCCSIM)
        .args(["device", "respond", "--keys"])
        .arg(keys)
        .args([
            "--device-type",
            device_type.as_str(),
            "--now",
            now,
            "--state",
        ])
        .arg(state_path)
        .arg(&pair.command)
        .output()
        .expect("dccsim runs");
    if !output.status.success() {
        return Err(format!(
            "exit {:?}: {}",
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let first = stdout.lines().next().ok_or("no response printed")?;
    hex::decode(first).map_err(|error| format!("not hex: {error}"))
}

/// Whether our response holds against the reference one.
fn judge(mine: &[u8], theirs: &[u8], keys: &KeyRing) -> Result<(), String> {
    let their_decoded = describe(theirs, keys).map_err(|error| format!("reference: {error}"))?;
    let mine_decoded = describe(mine, keys).map_err(|error| format!("not GBCS: {error}"))?;
    let (header, their_header) = (&mine_decoded.header, &their_decoded.header);
    let outline = |header: &gbcs::GroupingHeader| {
        (
            header.message_code(),
            header.transaction,
            header.originator,
            header.recipient,
            header.date_time.is_some(),
            header.other_information.clone(),
        )
    };
    if outline(header) != outline(their_header) {
        return Err(format!(
            "header {:?}, the reference has {:?}",
            outline(header),
            outline(their_header)
        ));
    }
    if mine_decoded.form != their_decoded.form {
        return Err(format!(
            "form {:?}, the reference has {:?}",
            mine_decoded.form, their_decoded.form
        ));
    }
    if their_decoded.mac_bytes.is_some() && mine_decoded.mac != Verification::Valid {
        return Err(format!("MAC {:?} with the RTDS keys", mine_decoded.mac));
    }
    if let SignatureField::Present(_) = their_decoded.signature_field {
        let stand_in = device::stand_in_signing_key(header.originator).verifying_key();
        gbcs::protection::verify_signature(&apdu(mine), &stand_in)
            .map_err(|error| format!("device signature: {error}"))?;
    }
    let plaintexts = |decoded: &gbcs::decode::DecodedMessage, whose: &str| {
        decoded
            .encrypted_blocks
            .iter()
            .map(|block| {
                block
                    .plaintext
                    .clone()
                    .map_err(|problem| format!("{whose} encrypted block: {problem}"))
            })
            .collect::<Result<Vec<_>, String>>()
    };
    rtds_shape::same_payload_structure(
        &mine_decoded.payload,
        &their_decoded.payload,
        &plaintexts(&mine_decoded, "our")?,
        &plaintexts(&their_decoded, "the reference")?,
    )
}

/// Runs `dccsim device respond` on one pair's command, the device put in the state the
/// reference response shows, and judges its answer against the reference one; returns the
/// answer, when there is one, for DCC's oracle to judge too.
fn check(
    pair: &Pair,
    keys: &Path,
    ring: &KeyRing,
    state_path: &Path,
) -> (Option<Vec<u8>>, Result<(), String>) {
    let mine = match respond_as_reference_device(pair, keys, ring, state_path) {
        Ok(mine) => mine,
        Err(reason) => return (None, Err(reason)),
    };
    let verdict = judge(&mine, &read_hex(&pair.response), ring);
    (Some(mine), verdict)
}

fn respond_as_reference_device(
    pair: &Pair,
    keys: &Path,
    ring: &KeyRing,
    state_path: &Path,
) -> Result<Vec<u8>, String> {
    let command = read_hex(&pair.command);
    let theirs = read_hex(&pair.response);
    let command_apdu = apdu(&command);
    let their_apdu = apdu(&theirs);
    let recipient = command_apdu.header.recipient;
    let device_type =
        device_type(recipient).ok_or_else(|| format!("not an RTDS test device {recipient}"))?;
    let their_plaintexts: Vec<Vec<u8>> = describe(&theirs, ring)
        .map(|decoded| {
            decoded
                .encrypted_blocks
                .into_iter()
                .filter_map(|block| block.plaintext.ok())
                .collect()
        })
        .unwrap_or_default();
    let state = state_file(pair, &command_apdu, &their_apdu, &their_plaintexts);
    respond(
        keys,
        pair,
        device_type,
        &state,
        &now_of(&their_apdu, &their_plaintexts),
        state_path,
    )
}

#[test]
fn the_device_answers_every_rtds_command_as_the_reference_device_did() {
    let Some(gbcs) = test_support::rtds_gbcs("RTDS commands and responses") else {
        return;
    };
    let Some(keys) = test_support::rtds_keystore("RTDS keys") else {
        return;
    };
    let files = test_support::read_folder(&keys).expect("keys");
    let ring = KeyRing::from_files(
        files
            .iter()
            .map(|(name, bytes)| (name.as_str(), bytes.as_slice())),
    )
    .expect("RTDS keys");
    let scratch = tempfile::tempdir().expect("scratch folder");
    let pairs = pairs(&gbcs);
    // One `dccsim` process per pair, as many at once as there are cores.
    let workers = std::thread::available_parallelism().map_or(2, |cores| cores.get());
    let next = std::sync::atomic::AtomicUsize::new(0);
    #[allow(clippy::type_complexity)]
    let mut verdicts: Vec<(usize, (Option<Vec<u8>>, Result<(), String>))> =
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers)
                .map(|_| {
                    scope.spawn(|| {
                        let mut done = Vec::new();
                        loop {
                            let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            let Some(pair) = pairs.get(index) else {
                                return done;
                            };
                            let state_path = scratch.path().join(format!("state-{index}.toml"));
                            done.push((index, check(pair, &keys, &ring, &state_path)));
                        }
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|handle| handle.join().expect("a worker thread"))
                .collect()
        });
    verdicts.sort_by_key(|(index, _)| *index);
    let oracle_failures = oracle_verdicts(&pairs, &verdicts, &keys, scratch.path());
    let (mut success_total, mut error_total) = (0, 0);
    let (mut success_holding, mut error_holding) = (0, 0);
    let mut failures = Vec::new();
    for (pair, (_, (_, verdict))) in pairs.iter().zip(verdicts) {
        match pair.success {
            true => success_total += 1,
            false => error_total += 1,
        }
        let oracle_failure = oracle_failures.iter().find(|failure| {
            failure
                .split_once(':')
                .is_some_and(|(name, _)| name == pair.name)
        });
        let verdict = match (verdict, oracle_failure) {
            (Ok(()), Some(failure)) => Err(format!("DCC's gbcs-parser: {failure}")),
            (verdict, _) => verdict,
        };
        match verdict {
            Ok(()) if pair.success => success_holding += 1,
            Ok(()) => error_holding += 1,
            Err(reason) => failures.push(format!("{}: {reason}", pair.name)),
        }
    }
    failures.extend(
        oracle_failures
            .iter()
            .filter(|failure| failure.starts_with("the oracle"))
            .cloned(),
    );
    let not_yet = not_yet();
    let failed: Vec<&str> = failures
        .iter()
        .map(|failure| {
            failure
                .split_once(':')
                .map_or(failure.as_str(), |(name, _)| name)
        })
        .collect();
    for failure in &failures {
        println!("not yet: {failure}");
    }
    println!(
        "device respond against RTDS: success pairs {success_holding} of {success_total}, error pairs {error_holding} of {error_total}"
    );
    // The shared sample has 234 and 169; the whole RTDS set more.
    assert!(
        success_total >= 234 && error_total >= 169,
        "the RTDS pairs: {success_total} success, {error_total} error"
    );
    let unexpected: Vec<&String> = failures
        .iter()
        .filter(|failure| {
            let name = failure
                .split_once(':')
                .map_or(failure.as_str(), |(name, _)| name);
            !not_yet.contains_key(name)
        })
        .collect();
    // A listed pair the data at hand lacks (the sample is not the whole RTDS set) says nothing.
    let now_holding: Vec<&String> = not_yet
        .keys()
        .filter(|name| pairs.iter().any(|pair| &pair.name == *name))
        .filter(|name| !failed.contains(&name.as_str()))
        .collect();
    assert!(
        unexpected.is_empty(),
        "pairs that no longer hold (or new ones): {unexpected:#?}"
    );
    assert!(
        now_holding.is_empty(),
        "pairs that hold now: take them off device_respond_not_yet.txt: {now_holding:#?}"
    );
}

/// DCC's oracle on every answer against its reference response (see `oracle_shape`): one line
/// `pair name: reason` per pair that does not hold. Nothing, after a SKIPPED line, when the
/// oracle is not installed (a failure under CI=true).
#[allow(clippy::type_complexity)]
fn oracle_verdicts(
    pairs: &[Pair],
    verdicts: &[(usize, (Option<Vec<u8>>, Result<(), String>))],
    rtds_keys: &Path,
    scratch: &Path,
) -> Vec<String> {
    if !test_support::dcc_oracle_available("DCC's gbcs-parser, to judge device responses") {
        return Vec::new();
    }
    let key_folder = scratch.join("oracle-keys");
    std::fs::create_dir_all(&key_folder).expect("key folder");
    oracle_shape::stand_in_key_folder(rtds_keys, &key_folder).expect("stand-in keys");
    let mut judged = Vec::new();
    for (pair, (_, (mine, _))) in pairs.iter().zip(verdicts) {
        let Some(mine) = mine else {
            continue;
        };
        let ours = scratch.join(format!("{}.mine.hex", pair.name));
        std::fs::write(&ours, hex::encode_upper(mine)).expect("scratch file");
        judged.push((pair.name.clone(), ours, pair.response.clone()));
    }
    let failures = oracle_shape::judge_pairs(&key_folder, &judged);
    println!(
        "DCC's gbcs-parser: {} of {} answers hold",
        judged.len() - failures.len(),
        judged.len()
    );
    failures
}
