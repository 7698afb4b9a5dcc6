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
    // roxmltree's tokenizer recurses once per nesting level, so depth must be checked
    // before parsing, not after.
    if nesting_exceeds(xml, MAX_DEPTH) {
        return Err(DuisError::MalformedXml(format!(
            "elements nested deeper than {MAX_DEPTH} levels"
        )));
    }
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
    };
    Document::parse_with_options(xml, options)
        .map_err(|error| DuisError::MalformedXml(error.to_string()))
}

/// UTF-8 text of a document given as bytes.
pub fn as_text(xml: &[u8]) -> Result<&str, DuisError> {
    std::str::from_utf8(xml).map_err(|error| DuisError::MalformedXml(format!("not UTF-8: {error}")))
}

/// A lexical pre-scan: whether start tags nest deeper than `limit`.
///
/// It reads markup the way the parser does (comments, CDATA, processing instructions and
/// quoted attribute values are skipped whole), so up to the first point where the parser
/// would fail it counts exactly the parser's depth; after that point the parser never goes.
fn nesting_exceeds(xml: &str, limit: usize) -> bool {
    let bytes = xml.as_bytes();
    let mut depth = 0usize;
    let mut index = 0usize;
    while let Some(offset) = bytes
        .get(index..)
        .and_then(|rest| rest.iter().position(|&b| b == b'<'))
    {
        let start = index + offset;
        let rest = bytes.get(start..).unwrap_or_default();
        index = if rest.starts_with(b"<!--") {
            skip_past(bytes, start + 4, b"-->")
        } else if rest.starts_with(b"<![CDATA[") {
            skip_past(bytes, start + 9, b"]]>")
        } else if rest.starts_with(b"<?") {
            skip_past(bytes, start + 2, b"?>")
        } else if rest.starts_with(b"</") {
            depth = depth.saturating_sub(1);
            skip_past(bytes, start + 2, b">")
        } else if rest.starts_with(b"<!") {
            skip_past(bytes, start + 2, b">")
        } else {
            let (end, self_closing) = end_of_start_tag(bytes, start + 1);
            if !self_closing {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            end
        };
    }
    false
}

/// The index just past the first `pattern` at or after `from` (the end when absent).
fn skip_past(bytes: &[u8], from: usize, pattern: &[u8]) -> usize {
    bytes
        .get(from..)
        .and_then(|rest| {
            rest.windows(pattern.len())
                .position(|window| window == pattern)
        })
        .map_or(bytes.len(), |position| from + position + pattern.len())
}

/// The index just past a start tag's `>` (quoted values skipped) and whether it is `/>`.
fn end_of_start_tag(bytes: &[u8], from: usize) -> (usize, bool) {
    let mut quote: Option<u8> = None;
    let mut previous = 0u8;
    for (offset, &byte) in bytes.get(from..).unwrap_or_default().iter().enumerate() {
        match (quote, byte) {
            (Some(open), _) if byte == open => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(byte),
            (None, b'>') => return (from + offset + 1, previous == b'/'),
            _ => {}
        }
        previous = byte;
    }
    (bytes.len(), false)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_scan_counts_like_the_parser() {
        assert!(!nesting_exceeds(
            "<a><b/><c x='>' y=\"/>\"><!-- <d> --><![CDATA[<e>]]><?p <f>?></c></a>",
            2
        ));
        assert!(nesting_exceeds("<a><b><c></c></b></a>", 2));
        assert!(!nesting_exceeds("<a></a><b></b><c></c>", 1));
        assert!(nesting_exceeds(&"<a>".repeat(100_000), MAX_DEPTH));
        assert!(parse_document(&format!(
            "{}{}",
            "<a>".repeat(100_000),
            "</a>".repeat(100_000)
        ))
        .is_err());
        assert!(parse_document(&format!(
            "{}{}",
            "<a>".repeat(MAX_DEPTH),
            "</a>".repeat(MAX_DEPTH)
        ))
        .is_ok());
    }
}
