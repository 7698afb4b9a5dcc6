//! DCC's own gbcs-parser as a second judge of a device response against the RTDS response to
//! the same command: both go through DCC's oracle (`test_support::dcc_oracle`), and ours must
//! parse wherever the reference parses, carry the same header facts (message code, CRA flag,
//! counter, system titles, payload kind), verify where the reference verifies (MAC with the
//! RTDS keys; device signature with the device's stand-in DS key, which the key folder given
//! to the oracle holds in place of the unpublished reference key) and have a parse tree of
//! the same shape: the same node names and kinds, where the elements of an array (a DLMS
//! array, a compact array's contents, a message's GBZ components and decrypted payloads) may
//! differ in number, each of ours being of a kind the reference has.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// The header facts of the oracle's verdict that must agree.
const HEADER_FACTS: [&str; 7] = [
    "messageCode",
    "cra",
    "originatorCounter",
    "originatorSystemTitle",
    "recipientSystemTitle",
    "payloadKind",
    "frame",
];

/// A key folder for the oracle: the RTDS key files, with each device's DS certificate replaced
/// by the public half of its stand-in DS key (dccsim's devices sign with those).
pub fn stand_in_key_folder(rtds_keys: &Path, folder: &Path) -> std::io::Result<()> {
    use p256::pkcs8::EncodePublicKey;
    for (name, bytes) in test_support::read_folder(rtds_keys)? {
        let device = name
            .strip_suffix("-ds.pem")
            .filter(|eui| eui.starts_with("00db"))
            .and_then(|eui| eui.parse::<dcc_model::Eui64>().ok());
        let contents = match device {
            Some(device) => {
                let point = device::stand_in_signing_key(device)
                    .verifying_key()
                    .sec1_uncompressed();
                p256::PublicKey::from_sec1_bytes(&point)
                    .map_err(std::io::Error::other)?
                    .to_public_key_pem(p256::pkcs8::LineEnding::LF)
                    .map_err(std::io::Error::other)?
                    .into_bytes()
            }
            None => bytes,
        };
        std::fs::write(folder.join(name), contents)?;
    }
    Ok(())
}

/// The oracle's verdicts on pairs of (ours, reference) response files, in batches; one
/// `Err(reason)` per pair that does not hold.
pub fn judge_pairs(key_folder: &Path, pairs: &[(String, PathBuf, PathBuf)]) -> Vec<String> {
    let mut failures = Vec::new();
    for batch in pairs.chunks(60) {
        let files: Vec<PathBuf> = batch
            .iter()
            .flat_map(|(_, ours, theirs)| [ours.clone(), theirs.clone()])
            .collect();
        let key_folder = key_folder.to_string_lossy();
        let arguments = ["--smki", "none", "--gbcs", "--keydir", key_folder.as_ref()];
        let lines = match test_support::dcc_oracle(&arguments, &files) {
            Ok(lines) => lines,
            Err(problem) => {
                failures.push(format!("the oracle: {problem}"));
                continue;
            }
        };
        for ((name, _, _), verdicts) in batch.iter().zip(lines.chunks(2)) {
            if let [ours, theirs] = verdicts {
                if let Err(reason) = judge(ours, theirs) {
                    failures.push(format!("{name}: {reason}"));
                }
            }
        }
    }
    failures
}

/// The first GBCS verdict of one oracle line.
fn verdict(line: &str) -> Result<Value, String> {
    let value: Value = serde_json::from_str(line).map_err(|error| format!("not JSON: {error}"))?;
    value
        .get("gbcs")
        .and_then(|gbcs| gbcs.get(0))
        .cloned()
        .ok_or_else(|| format!("no GBCS verdict in {line}"))
}

fn judge(ours: &str, theirs: &str) -> Result<(), String> {
    let (ours, theirs) = (verdict(ours)?, verdict(theirs)?);
    if theirs.get("ok") != Some(&Value::Bool(true)) {
        return Ok(());
    }
    if ours.get("ok") != Some(&Value::Bool(true)) {
        return Err(format!(
            "DCC's gbcs-parser cannot parse it: {}",
            ours.get("error").unwrap_or(&Value::Null)
        ));
    }
    for fact in HEADER_FACTS {
        if ours.get(fact) != theirs.get(fact) {
            return Err(format!(
                "{fact} {}, the reference has {}",
                ours.get(fact).unwrap_or(&Value::Null),
                theirs.get(fact).unwrap_or(&Value::Null)
            ));
        }
    }
    let verdict_of = |verdict: &Value, check: &str| {
        verdict
            .get(check)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    if verdict_of(&theirs, "mac") == "valid" && verdict_of(&ours, "mac") != "valid" {
        return Err(format!("MAC {}", verdict_of(&ours, "mac")));
    }
    // The key folder holds the stand-in DS keys, so the reference's signature does not verify
    // with it: wherever the reference carries a signature, ours must verify.
    let signed = |verdict: &str| verdict.starts_with("valid") || verdict.starts_with("invalid");
    if signed(&verdict_of(&theirs, "signature")) && verdict_of(&ours, "signature") != "valid" {
        return Err(format!(
            "device signature {}",
            verdict_of(&ours, "signature")
        ));
    }
    let (Some(our_tree), Some(their_tree)) = (ours.get("parsed"), theirs.get("parsed")) else {
        return Err("no parse tree (--full)".to_owned());
    };
    let (our_shape, their_shape) = (shape(our_tree), shape(their_tree));
    match fits(&our_shape, &their_shape) {
        true => Ok(()),
        false => Err(format!(
            "parse tree of another shape:\n ours   {}\n theirs {}",
            our_shape.render(),
            their_shape.render()
        )),
    }
}

/// A parse tree without its values.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Shape {
    /// Named children in order.
    Node(Vec<(String, Shape)>),
    /// The distinct kinds of an array's elements.
    Elements(BTreeSet<Shape>),
    Leaf,
}

impl Shape {
    fn render(&self) -> String {
        match self {
            Shape::Leaf => String::new(),
            Shape::Node(children) => {
                let inner: Vec<String> = children
                    .iter()
                    .map(|(name, child)| format!("{name}{}", child.render()))
                    .collect();
                format!("{{{}}}", inner.join(", "))
            }
            Shape::Elements(kinds) => {
                let inner: Vec<String> = kinds.iter().map(Shape::render).collect();
                format!("[{}]", inner.join(" | "))
            }
        }
    }
}

/// A node name without its position (`[3] Structure` → `Structure`) and whether it had one.
fn without_position(name: &str) -> (String, bool) {
    if let Some(rest) = name.strip_prefix('[') {
        if let Some((index, kind)) = rest.split_once("] ") {
            if index.chars().all(|character| character.is_ascii_digit()) {
                return (kind.to_owned(), true);
            }
        }
    }
    (name.to_owned(), false)
}

/// A name with its numbers as `#` (`Event Id 17` → `Event Id #`, `GBZ Component 3` →
/// `GBZ Component #`): the members of a list the parser numbers.
fn numbered(name: &str) -> Option<String> {
    if !name.chars().any(|character| character.is_ascii_digit()) {
        return None;
    }
    let mut out = String::new();
    let mut in_number = false;
    for character in name.chars() {
        match (character.is_ascii_digit(), in_number) {
            (true, false) => out.push('#'),
            (true, true) => {}
            (false, _) => out.push(character),
        }
        in_number = character.is_ascii_digit();
    }
    Some(out)
}

/// Whether a node holds an array's elements: a DLMS array, a compact array's contents.
fn is_array(name: &str) -> bool {
    matches!(name, "Array" | "Contents")
}

fn shape(node: &Value) -> Shape {
    shape_named(node, "")
}

fn shape_named(node: &Value, name: &str) -> Shape {
    let Some(object) = node.as_object() else {
        return Shape::Leaf;
    };
    let children: Vec<(&String, &Value)> = match object.get("children") {
        Some(Value::Object(children)) => children.iter().collect(),
        _ => object
            .iter()
            .filter(|(key, _)| !matches!(key.as_str(), "hex" | "notes" | "children"))
            .collect(),
    };
    let positions: Vec<(String, bool)> = children
        .iter()
        .map(|(key, _)| without_position(key))
        .collect();
    // A list whose members are all of one kind, or an array, is a list of any length.
    let all_positional =
        !positions.is_empty() && positions.iter().all(|(_, positional)| *positional);
    let one_kind = positions.windows(2).all(|pair| pair[0].0 == pair[1].0);
    if all_positional && (one_kind || is_array(name)) {
        return Shape::Elements(
            children
                .iter()
                .zip(&positions)
                .map(|((_, child), (kind, _))| {
                    Shape::Node(vec![(kind.clone(), shape_named(child, kind))])
                })
                .collect(),
        );
    }
    if children.is_empty() && is_array(name) {
        return Shape::Elements(BTreeSet::new());
    }
    let mut named: Vec<(String, Shape)> = Vec::new();
    for ((_, child), (kind, positional)) in children.iter().zip(&positions) {
        let child_shape = shape_named(child, kind);
        let group = match positional {
            true => None,
            false => numbered(kind),
        };
        let Some(group) = group else {
            named.push((kind.clone(), child_shape));
            continue;
        };
        match named.iter_mut().find(|(name, _)| *name == group) {
            Some((_, Shape::Elements(kinds))) => {
                kinds.insert(child_shape);
            }
            _ => named.push((group, Shape::Elements(BTreeSet::from([child_shape])))),
        }
    }
    match named.is_empty() {
        true => Shape::Leaf,
        false => Shape::Node(named),
    }
}

/// Whether our shape fits the reference's: the same named nodes, and each element kind of
/// ours one the reference has (an empty array on either side fits).
fn fits(ours: &Shape, theirs: &Shape) -> bool {
    match (ours, theirs) {
        (Shape::Leaf, Shape::Leaf) => true,
        // An empty list against a list with members.
        (Shape::Leaf, Shape::Elements(_)) | (Shape::Elements(_), Shape::Leaf) => true,
        (Shape::Node(our_children), Shape::Node(their_children)) => {
            // Numbered lists (`Event Id #`) may be absent on the side that has no members.
            let lists = |children: &[(String, Shape)]| -> Vec<(String, Shape)> {
                children
                    .iter()
                    .filter(|(name, _)| !name.contains('#'))
                    .cloned()
                    .collect()
            };
            let (ours, theirs) = (lists(our_children), lists(their_children));
            ours.len() == theirs.len()
                && ours.iter().zip(&theirs).all(
                    |((our_name, our_child), (their_name, their_child))| {
                        our_name == their_name && fits(our_child, their_child)
                    },
                )
                && our_children
                    .iter()
                    .filter(|(name, _)| name.contains('#'))
                    .all(|(name, our_list)| {
                        their_children
                            .iter()
                            .find(|(their_name, _)| their_name == name)
                            .is_none_or(|(_, their_list)| fits(our_list, their_list))
                    })
        }
        (Shape::Leaf, Shape::Node(children)) | (Shape::Node(children), Shape::Leaf) => children
            .iter()
            .all(|(_, child)| matches!(child, Shape::Elements(_))),
        (Shape::Elements(our_kinds), Shape::Elements(their_kinds)) => {
            their_kinds.is_empty()
                || our_kinds
                    .iter()
                    .all(|kind| their_kinds.iter().any(|theirs| fits(kind, theirs)))
        }
        _ => false,
    }
}
