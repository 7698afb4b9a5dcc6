//! Whether two GBCS payloads have the same structure: the same DLMS, GBZ/ZCL or ASN.1 DER
//! elements and types, where values, string lengths and list lengths may differ.

use gbcs::dlms::{Data, DlmsApdu, TypeDescription};
use gbcs::gbz::{ComponentBody, GbzPayload};
use gbcs::zcl::{GeneralCommand, ZclValue};

/// Compares a response payload of ours with a reference one; `decrypt_mine` and
/// `decrypt_theirs` open the encrypted blocks in payload order.
pub fn same_payload_structure(
    mine: &[u8],
    theirs: &[u8],
    mine_plaintexts: &[Vec<u8>],
    their_plaintexts: &[Vec<u8>],
) -> Result<(), String> {
    if let Ok(their_dlms) = DlmsApdu::parse(theirs) {
        let mine = DlmsApdu::parse(mine).map_err(|error| format!("not DLMS: {error}"))?;
        same_dlms(&mine, &their_dlms)?;
        return same_plaintexts(mine_plaintexts, their_plaintexts, |mine, theirs| {
            let mine = Data::parse(mine).map_err(|error| format!("plaintext: {error}"))?;
            let theirs =
                Data::parse(theirs).map_err(|error| format!("their plaintext: {error}"))?;
            same_data(&mine, &theirs, "plaintext")
        });
    }
    if let Ok(their_gbz) = GbzPayload::parse(theirs) {
        let mine = GbzPayload::parse(mine).map_err(|error| format!("not GBZ: {error}"))?;
        return same_gbz(&mine, &their_gbz, mine_plaintexts, their_plaintexts);
    }
    same_der(mine, theirs, "payload")
}

fn same_plaintexts(
    mine: &[Vec<u8>],
    theirs: &[Vec<u8>],
    compare: impl Fn(&[u8], &[u8]) -> Result<(), String>,
) -> Result<(), String> {
    if mine.len() != theirs.len() {
        return Err(format!(
            "{} encrypted blocks, the reference has {}",
            mine.len(),
            theirs.len()
        ));
    }
    for (mine, theirs) in mine.iter().zip(theirs) {
        compare(mine, theirs)?;
    }
    Ok(())
}

fn same_dlms(mine: &DlmsApdu, theirs: &DlmsApdu) -> Result<(), String> {
    match (mine, theirs) {
        (
            DlmsApdu::AccessResponse {
                specifications: mine_specifications,
                data: mine_data,
                results: mine_results,
                date_time: mine_date_time,
                ..
            },
            DlmsApdu::AccessResponse {
                specifications: their_specifications,
                data: their_data,
                results: their_results,
                date_time: their_date_time,
                ..
            },
        ) => {
            if mine_specifications.is_some() != their_specifications.is_some()
                || mine_date_time.len() != their_date_time.len()
            {
                return Err("access-response header differs".to_owned());
            }
            if mine_results != their_results {
                return Err(format!(
                    "results {:?}, the reference has {:?}",
                    results_text(mine_results),
                    results_text(their_results)
                ));
            }
            if mine_data.len() != their_data.len() {
                return Err(format!(
                    "{} data, the reference has {}",
                    mine_data.len(),
                    their_data.len()
                ));
            }
            for (index, (mine, theirs)) in mine_data.iter().zip(their_data).enumerate() {
                same_data(mine, theirs, &format!("data[{index}]"))?;
            }
            Ok(())
        }
        _ => Err("not the reference's kind of DLMS APDU".to_owned()),
    }
}

fn results_text(results: &[gbcs::dlms::ResponseResult]) -> Vec<(u8, u8)> {
    results
        .iter()
        .map(|result| (result.kind, result.result))
        .collect()
}

/// Same A-XDR types; arrays may have other lengths (each element of ours matches an element
/// of theirs); strings other lengths.
pub fn same_data(mine: &Data, theirs: &Data, path: &str) -> Result<(), String> {
    match (mine, theirs) {
        (Data::Structure(mine), Data::Structure(theirs)) => {
            if mine.len() != theirs.len() {
                return Err(format!(
                    "{path}: structure of {} elements, the reference has {}",
                    mine.len(),
                    theirs.len()
                ));
            }
            for (index, (mine, theirs)) in mine.iter().zip(theirs).enumerate() {
                same_data(mine, theirs, &format!("{path}.{index}"))?;
            }
            Ok(())
        }
        (Data::Array(mine), Data::Array(theirs)) => {
            if theirs.is_empty() || mine.is_empty() {
                return Ok(());
            }
            for (index, element) in mine.iter().enumerate() {
                let fits = theirs
                    .iter()
                    .any(|their| same_data(element, their, path).is_ok());
                if !fits {
                    return same_data(element, &theirs[0], &format!("{path}[{index}]"));
                }
            }
            Ok(())
        }
        (
            Data::CompactArray {
                type_description: mine,
                ..
            },
            Data::CompactArray {
                type_description: theirs,
                ..
            },
        ) => match same_type_description(mine, theirs) {
            true => Ok(()),
            false => Err(format!(
                "{path}: compact array of {mine:?}, the reference has {theirs:?}"
            )),
        },
        (mine, theirs) if mine.tag() == theirs.tag() => Ok(()),
        (mine, theirs) => Err(format!(
            "{path}: {}, the reference has {}",
            mine.type_name(),
            theirs.type_name()
        )),
    }
}

fn same_type_description(mine: &TypeDescription, theirs: &TypeDescription) -> bool {
    match (mine, theirs) {
        (
            TypeDescription::Array { element: mine, .. },
            TypeDescription::Array {
                element: theirs, ..
            },
        ) => same_type_description(mine, theirs),
        (TypeDescription::Structure(mine), TypeDescription::Structure(theirs)) => {
            mine.len() == theirs.len()
                && mine
                    .iter()
                    .zip(theirs)
                    .all(|(mine, theirs)| same_type_description(mine, theirs))
        }
        (TypeDescription::Simple(mine), TypeDescription::Simple(theirs)) => mine == theirs,
        _ => false,
    }
}

/// One component of a GBZ response, described by its kind and its (decrypted) ZCL payload.
struct Answer {
    kind: String,
    /// The sequence number of the command component it answers.
    sequence_number: u8,
    frame_control: u8,
    command_id: u8,
    payload: Vec<u8>,
}

impl Answer {
    /// A default response saying NOT_FOUND: the end of a log or list a Get walked past.
    fn not_found(&self) -> bool {
        self.frame_control & 0x03 == 0
            && self.command_id == gbcs::zcl::command::DEFAULT_RESPONSE
            && self.payload.get(1) == Some(&gbcs::zcl::status::NOT_FOUND)
    }
}

fn answers(gbz: &GbzPayload, plaintexts: &[Vec<u8>], whose: &str) -> Result<Vec<Answer>, String> {
    let mut blocks = plaintexts.iter();
    gbz.components
        .iter()
        .map(|component| {
            let (payload, encrypted) = match &component.body {
                ComponentBody::Plain(payload) => (payload.clone(), ""),
                ComponentBody::Encrypted { .. } => (
                    blocks
                        .next()
                        .cloned()
                        .ok_or(format!("{whose} encrypted component did not decrypt"))?,
                    "E",
                ),
            };
            Ok(Answer {
                kind: format!(
                    "{:04X}/{:02X}/{:02X}{encrypted}",
                    component.cluster, component.frame_control, component.command_id
                ),
                sequence_number: component.sequence_number,
                frame_control: component.frame_control,
                command_id: component.command_id,
                payload,
            })
        })
        .collect()
}

/// The kinds of the answers, consecutive repeats collapsed, NOT_FOUND answers left out: a
/// log read answered with more or fewer entries has the same outline.
fn outline(answers: &[Answer]) -> Vec<&str> {
    let mut kinds: Vec<&str> = Vec::new();
    for answer in answers.iter().filter(|answer| !answer.not_found()) {
        if kinds.last() != Some(&answer.kind.as_str()) {
            kinds.push(&answer.kind);
        }
    }
    kinds
}

fn same_gbz(
    mine: &GbzPayload,
    theirs: &GbzPayload,
    mine_plaintexts: &[Vec<u8>],
    their_plaintexts: &[Vec<u8>],
) -> Result<(), String> {
    let mine = answers(mine, mine_plaintexts, "our")?;
    let theirs = answers(theirs, their_plaintexts, "the reference's")?;
    let (mine_outline, their_outline) = (outline(&mine), outline(&theirs));
    if mine_outline != their_outline {
        return Err(format!(
            "components {mine_outline:?}, the reference has {their_outline:?}"
        ));
    }
    for (index, answer) in mine
        .iter()
        .enumerate()
        .filter(|(_, answer)| !answer.not_found())
    {
        // The reference's answer at the same place when it is of the same kind (one answer a
        // request), else its first answer of the kind to the same command component, else
        // the first of the kind.
        let reference = theirs
            .get(index)
            .filter(|their| mine.len() == theirs.len() && their.kind == answer.kind)
            .or_else(|| {
                theirs.iter().find(|their| {
                    their.kind == answer.kind && their.sequence_number == answer.sequence_number
                })
            })
            .or_else(|| theirs.iter().find(|their| their.kind == answer.kind))
            .ok_or(format!("component {index}: no reference of its kind"))?;
        let path = format!("component {index} ({})", answer.kind);
        match answer.frame_control & 0x03 {
            0 => same_general_command(
                answer.command_id,
                &answer.payload,
                &reference.payload,
                &path,
            )?,
            _ => same_cluster_command(answer, reference, &path)?,
        }
    }
    Ok(())
}

/// Cluster commands: decoded with their layout where it is known (records may repeat any
/// number of times), else the same length.
fn same_cluster_command(mine: &Answer, theirs: &Answer, path: &str) -> Result<(), String> {
    let cluster = u16::from_str_radix(&mine.kind[..4], 16).unwrap_or(0);
    let from_server = mine.frame_control & gbcs::zcl::DIRECTION_SERVER_TO_CLIENT != 0;
    let Some(layout) = gbcs::zcl_commands::layout(cluster, from_server, mine.command_id) else {
        return match mine.payload.len() == theirs.payload.len() {
            true => Ok(()),
            false => Err(format!(
                "{path}: cluster command payload of {} bytes, the reference has {}",
                mine.payload.len(),
                theirs.payload.len()
            )),
        };
    };
    let theirs = layout
        .decode(&theirs.payload)
        .map_err(|error| format!("{path}: the reference as {}: {error}", layout.name))?;
    let mine = layout
        .decode(&mine.payload)
        .map_err(|error| format!("{path}: as {}: {error}", layout.name))?;
    if theirs.records.is_empty() != mine.records.is_empty() && !layout.repeated.is_empty() {
        return Err(format!(
            "{path}: {} records, the reference has {}",
            mine.records.len(),
            theirs.records.len()
        ));
    }
    Ok(())
}

fn same_general_command(
    command_id: u8,
    mine: &[u8],
    theirs: &[u8],
    path: &str,
) -> Result<(), String> {
    let mine =
        GeneralCommand::decode(command_id, mine).map_err(|error| format!("{path}: {error}"))?;
    let theirs = GeneralCommand::decode(command_id, theirs)
        .map_err(|error| format!("{path}: reference: {error}"))?;
    match (&mine, &theirs) {
        (
            GeneralCommand::ReadAttributesResponse(mine),
            GeneralCommand::ReadAttributesResponse(theirs),
        ) => {
            let outline = |records: &[gbcs::zcl::ReadAttributeRecord]| -> Vec<(u16, u8)> {
                records
                    .iter()
                    .map(|record| (record.attribute, record.status))
                    .collect()
            };
            if outline(mine) != outline(theirs) {
                return Err(format!(
                    "{path}: read records {:?}, the reference has {:?}",
                    outline(mine),
                    outline(theirs)
                ));
            }
            for (mine, theirs) in mine.iter().zip(theirs) {
                if let (Some(mine_value), Some(their_value)) = (&mine.value, &theirs.value) {
                    let path = format!("{path} attribute {:04X}", mine.attribute);
                    same_zcl(mine_value, their_value, &path)?;
                }
            }
            Ok(())
        }
        _ if mine == theirs => Ok(()),
        _ => Err(format!("{path}: {mine:?}, the reference has {theirs:?}")),
    }
}

fn same_zcl(mine: &ZclValue, theirs: &ZclValue, path: &str) -> Result<(), String> {
    match (mine, theirs) {
        (ZclValue::Structure(mine), ZclValue::Structure(theirs)) => {
            if mine.len() != theirs.len() {
                return Err(format!("{path}: structure lengths differ"));
            }
            for (mine, theirs) in mine.iter().zip(theirs) {
                same_zcl(mine, theirs, path)?;
            }
            Ok(())
        }
        (
            ZclValue::Array {
                element_type: mine, ..
            },
            ZclValue::Array {
                element_type: theirs,
                ..
            },
        ) if mine == theirs => Ok(()),
        (mine, theirs) if mine.data_type() == theirs.data_type() => Ok(()),
        (mine, theirs) => Err(format!(
            "{path}: ZCL type {:02X}, the reference has {:02X}",
            mine.data_type(),
            theirs.data_type()
        )),
    }
}

/// One DER element: tag and either its content (primitive) or its children (constructed).
#[derive(Debug)]
struct Der {
    tag: u8,
    children: Option<Vec<Der>>,
}

fn parse_der(bytes: &[u8], depth: usize) -> Option<Vec<Der>> {
    let mut rest = bytes;
    let mut elements = Vec::new();
    while !rest.is_empty() {
        let tag = *rest.first()?;
        let first = *rest.get(1)?;
        let (header, length) = match first {
            short if short < 0x80 => (2, usize::from(short)),
            0x81..=0x83 => {
                let count = usize::from(first & 0x7F);
                let length = rest
                    .get(2..2 + count)?
                    .iter()
                    .fold(0usize, |length, byte| (length << 8) | usize::from(*byte));
                (2 + count, length)
            }
            _ => return None,
        };
        let content = rest.get(header..header + length)?;
        let children = match tag & 0x20 != 0 && depth < 16 {
            true => Some(parse_der(content, depth + 1)?),
            false => None,
        };
        elements.push(Der { tag, children });
        rest = &rest[header + length..];
    }
    Some(elements)
}

fn same_der(mine: &[u8], theirs: &[u8], path: &str) -> Result<(), String> {
    let theirs = parse_der(theirs, 0).ok_or(format!("{path}: the reference is not DER"))?;
    let mine = parse_der(mine, 0).ok_or(format!("{path}: not DER"))?;
    same_der_list(&mine, &theirs, path)
}

fn same_der_list(mine: &[Der], theirs: &[Der], path: &str) -> Result<(), String> {
    if mine.len() == theirs.len()
        && mine
            .iter()
            .zip(theirs)
            .all(|(mine, theirs)| same_der_element(mine, theirs, path).is_ok())
    {
        return Ok(());
    }
    // A SEQUENCE OF: every element of ours fits one of theirs.
    let homogeneous = theirs
        .iter()
        .all(|their| same_der_element(their, &theirs[0], path).is_ok());
    if homogeneous && !theirs.is_empty() {
        for (index, element) in mine.iter().enumerate() {
            same_der_element(element, &theirs[0], &format!("{path}[{index}]"))?;
        }
        return Ok(());
    }
    if mine.len() != theirs.len() {
        return Err(format!(
            "{path}: {} elements, the reference has {}",
            mine.len(),
            theirs.len()
        ));
    }
    for (index, (mine, theirs)) in mine.iter().zip(theirs).enumerate() {
        same_der_element(mine, theirs, &format!("{path}.{index}"))?;
    }
    Ok(())
}

fn same_der_element(mine: &Der, theirs: &Der, path: &str) -> Result<(), String> {
    if mine.tag != theirs.tag {
        return Err(format!(
            "{path}: tag {:02X}, the reference has {:02X}",
            mine.tag, theirs.tag
        ));
    }
    match (&mine.children, &theirs.children) {
        (Some(mine), Some(theirs)) => same_der_list(mine, theirs, path),
        _ => Ok(()),
    }
}
