//! Small helpers for reading DUIS documents with `roxmltree` and writing them as text.

use base64::Engine as _;
use roxmltree::{Document, Node, ParsingOptions};

use crate::canonical::{escape_attribute_into, escape_text_into};
use crate::{DuisError, SERVICE_USER_GATEWAY_NAMESPACE};

/// Deepest element nesting accepted: DUIS needs about a dozen levels; the limit keeps the
/// recursive readers and the canonicalizer far from the stack's end on hostile input.
pub const MAX_DEPTH: usize = 64;

/// Most nodes accepted in one document (the largest DUIS templates have a few thousand).
const MAX_NODES: u32 = 200_000;

/// Parses XML text with DTDs refused (no entity expansion) and nesting bounded.
pub fn parse_document(xml: &str) -> Result<Document<'_>, DuisError> {
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
    };
    let document = Document::parse_with_options(xml, options)
        .map_err(|error| DuisError::MalformedXml(error.to_string()))?;
    if deepest_element(&document) > MAX_DEPTH {
        return Err(DuisError::MalformedXml(format!(
            "elements nested deeper than {MAX_DEPTH} levels"
        )));
    }
    Ok(document)
}

/// UTF-8 text of a document given as bytes.
pub fn as_text(xml: &[u8]) -> Result<&str, DuisError> {
    std::str::from_utf8(xml).map_err(|error| DuisError::MalformedXml(format!("not UTF-8: {error}")))
}

/// The deepest element nesting, computed without recursion: node ids follow document
/// order, so a parent's depth is known before its children's.
fn deepest_element(document: &Document<'_>) -> usize {
    let mut depths: Vec<usize> = Vec::new();
    let mut deepest = 0;
    for node in document.descendants() {
        let parent_depth = node
            .parent()
            .and_then(|parent| depths.get(parent.id().get_usize()).copied())
            .unwrap_or(0);
        let depth = parent_depth + usize::from(node.is_element());
        let index = node.id().get_usize();
        if depths.len() <= index {
            depths.resize(index + 1, 0);
        }
        if let Some(slot) = depths.get_mut(index) {
            *slot = depth;
        }
        deepest = deepest.max(depth);
    }
    deepest
}

/// Whether `node` is the `sr:` element `local_name`.
pub fn is_sr(node: Node<'_, '_>, local_name: &str) -> bool {
    node.is_element()
        && node.tag_name().name() == local_name
        && node.tag_name().namespace() == Some(SERVICE_USER_GATEWAY_NAMESPACE)
}

/// The first `sr:` child element named `local_name`.
pub fn sr_child<'a, 'input>(node: Node<'a, 'input>, local_name: &str) -> Option<Node<'a, 'input>> {
    node.children().find(|child| is_sr(*child, local_name))
}

/// The element's text content (its direct text children, concatenated).
pub fn text_of(node: Node<'_, '_>) -> String {
    node.children()
        .filter(|child| child.is_text())
        .filter_map(|child| child.text())
        .collect()
}

/// The trimmed text of a required `sr:` child.
pub fn required_text(
    node: Node<'_, '_>,
    local_name: &str,
    what: &'static str,
) -> Result<String, DuisError> {
    let child = sr_child(node, local_name).ok_or(DuisError::Missing(what))?;
    Ok(text_of(child).trim().to_owned())
}

/// The trimmed text of an optional `sr:` child.
pub fn optional_text(node: Node<'_, '_>, local_name: &str) -> Option<String> {
    sr_child(node, local_name).map(|child| text_of(child).trim().to_owned())
}

/// Decodes `xs:base64Binary` text, which may contain whitespace.
pub fn decode_base64(text: &str, field: &'static str) -> Result<Vec<u8>, DuisError> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|error| DuisError::invalid(field, error))
}

pub fn encode_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Parses `xs:boolean`.
pub fn parse_boolean(text: &str, field: &'static str) -> Result<bool, DuisError> {
    match text.trim() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        other => Err(DuisError::invalid(
            field,
            format!("{other:?} is not a boolean"),
        )),
    }
}

/// Appends `<sr:name>text</sr:name>`, escaping the text.
pub fn push_sr_element(output: &mut String, name: &str, text: &str) {
    output.push_str("<sr:");
    output.push_str(name);
    output.push('>');
    escape_text_into(text, output);
    output.push_str("</sr:");
    output.push_str(name);
    output.push('>');
}

/// Appends ` name="value"`, escaping the value.
pub fn push_attribute(output: &mut String, name: &str, value: &str) {
    output.push(' ');
    output.push_str(name);
    output.push_str("=\"");
    escape_attribute_into(value, output);
    output.push('"');
}

/// Appends `<ds:name>text</ds:name>`, escaping the text.
pub fn push_ds_element(output: &mut String, name: &str, text: &str) {
    output.push_str("<ds:");
    output.push_str(name);
    output.push('>');
    escape_text_into(text, output);
    output.push_str("</ds:");
    output.push_str(name);
    output.push('>');
}
