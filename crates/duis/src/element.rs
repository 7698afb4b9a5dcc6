//! A service-specific DUIS body as a plain tree, so the DSP can read e.g. a `DeviceID`
//! without this crate modelling all 129 service request bodies.

use roxmltree::Node;

use crate::canonical::escape_text_into;
use crate::xml::{push_attribute, text_of};

/// One element of a DUIS body (all DUIS body elements are in the `sr` namespace).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BodyElement {
    /// Local name, e.g. `ReadInventory`, `DeviceID`.
    pub name: String,
    /// Attributes as (local name, value) in document order, e.g. `("index", "1")`.
    pub attributes: Vec<(String, String)>,
    /// Text content, trimmed; empty for elements with children.
    pub text: String,
    /// Child elements in document order.
    pub children: Vec<BodyElement>,
}

impl BodyElement {
    /// A leaf element holding text.
    pub fn leaf(name: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            text: text.into(),
            ..Self::default()
        }
    }

    /// An element holding children.
    pub fn with_children(name: impl Into<String>, children: Vec<BodyElement>) -> Self {
        Self {
            name: name.into(),
            children,
            ..Self::default()
        }
    }

    /// The first direct child named `name`.
    pub fn child(&self, name: &str) -> Option<&BodyElement> {
        self.children.iter().find(|child| child.name == name)
    }

    /// The first element named `name` in this subtree (this element included), depth first.
    pub fn find(&self, name: &str) -> Option<&BodyElement> {
        if self.name == name {
            return Some(self);
        }
        self.children.iter().find_map(|child| child.find(name))
    }

    /// The text of the first element named `name` in this subtree.
    pub fn find_text(&self, name: &str) -> Option<&str> {
        self.find(name).map(|element| element.text.as_str())
    }

    /// The value of attribute `name`.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Reads an element and its descendants (the document's depth is bounded by the parser).
    pub(crate) fn from_node(node: Node<'_, '_>) -> Self {
        let children: Vec<BodyElement> = node
            .children()
            .filter(|child| child.is_element())
            .map(BodyElement::from_node)
            .collect();
        let text = if children.is_empty() {
            text_of(node).trim().to_owned()
        } else {
            String::new()
        };
        Self {
            name: node.tag_name().name().to_owned(),
            attributes: node
                .attributes()
                .map(|attribute| (attribute.name().to_owned(), attribute.value().to_owned()))
                .collect(),
            text,
            children,
        }
    }

    /// Appends this element as `sr:`-prefixed XML, without whitespace between elements.
    pub(crate) fn render_into(&self, output: &mut String) {
        output.push_str("<sr:");
        output.push_str(&self.name);
        for (name, value) in &self.attributes {
            push_attribute(output, name, value);
        }
        if self.children.is_empty() && self.text.is_empty() {
            output.push_str("/>");
            return;
        }
        output.push('>');
        escape_text_into(&self.text, output);
        for child in &self.children {
            child.render_into(output);
        }
        output.push_str("</sr:");
        output.push_str(&self.name);
        output.push('>');
    }
}
