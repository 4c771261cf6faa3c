//! XML helpers: escaping for `format!`-built bodies, lookups on parsed documents, and a small
//! owned element tree for documents the client edits and sends back whole (NSX-V pools).

use crate::VcdError;

/// Escapes text for use in XML content and double-quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
    out
}

/// Parses a document, mapping failures to [`VcdError::Protocol`].
pub(crate) fn parse(body: &str) -> Result<roxmltree::Document<'_>, VcdError> {
    roxmltree::Document::parse(body).map_err(|e| VcdError::Protocol(format!("invalid XML: {e}")))
}

/// The element children of `node` with the local name `name`.
pub(crate) fn children<'a, 'i>(
    node: roxmltree::Node<'a, 'i>,
    name: &'static str,
) -> impl Iterator<Item = roxmltree::Node<'a, 'i>> {
    node.children().filter(move |c| c.is_element() && c.tag_name().name() == name)
}

/// The first element child of `node` named `name`.
pub(crate) fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &'static str) -> Option<roxmltree::Node<'a, 'i>> {
    children(node, name).next()
}

/// The trimmed text of the first child named `name`.
pub(crate) fn child_text(node: roxmltree::Node<'_, '_>, name: &'static str) -> Option<String> {
    child(node, name).map(|c| c.text().unwrap_or_default().trim().to_owned())
}

/// An owned element: enough of XML to read a document, edit it and write it back.
/// Namespace prefixes are not kept, so use it only for documents without namespaces.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Content>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Content {
    Element(Element),
    Text(String),
}

impl Element {
    /// An empty element.
    pub fn new(name: &str) -> Element {
        Element { name: name.to_owned(), attrs: Vec::new(), children: Vec::new() }
    }

    /// An element holding only text, e.g. `<port>80</port>`.
    pub fn with_text(name: &str, text: &str) -> Element {
        Element { children: vec![Content::Text(text.to_owned())], ..Element::new(name) }
    }

    pub fn parse_document(body: &str) -> Result<Element, VcdError> {
        Ok(Element::from_node(parse(body)?.root_element()))
    }

    pub fn from_node(node: roxmltree::Node<'_, '_>) -> Element {
        let attrs = node.attributes().map(|a| (a.name().to_owned(), a.value().to_owned())).collect();
        let children = node
            .children()
            .filter_map(|c| {
                if c.is_element() {
                    Some(Content::Element(Element::from_node(c)))
                } else if c.is_text() {
                    c.text().filter(|t| !t.trim().is_empty()).map(|t| Content::Text(t.to_owned()))
                } else {
                    None
                }
            })
            .collect();
        Element { name: node.tag_name().name().to_owned(), attrs, children }
    }

    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|c| match c {
            Content::Element(e) => Some(e),
            Content::Text(_) => None,
        })
    }

    pub fn elements_mut(&mut self) -> impl Iterator<Item = &mut Element> {
        self.children.iter_mut().filter_map(|c| match c {
            Content::Element(e) => Some(e),
            Content::Text(_) => None,
        })
    }

    pub fn child(&self, name: &str) -> Option<&Element> {
        self.elements().find(|e| e.name == name)
    }

    /// The element's own text, trimmed.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for c in &self.children {
            if let Content::Text(t) = c {
                out.push_str(t);
            }
        }
        out.trim().to_owned()
    }

    pub fn child_text(&self, name: &str) -> Option<String> {
        self.child(name).map(Element::text)
    }

    /// Replaces the text of the child `name`, appending the child if it is missing.
    pub fn set_child_text(&mut self, name: &str, text: &str) {
        if let Some(existing) = self.elements_mut().find(|e| e.name == name) {
            existing.children = vec![Content::Text(text.to_owned())];
            return;
        }
        self.children.push(Content::Element(Element::with_text(name, text)));
    }

    /// Keeps only the children for which `keep` is true (text children are always kept).
    pub fn retain_elements(&mut self, mut keep: impl FnMut(&Element) -> bool) {
        self.children.retain(|c| match c {
            Content::Element(e) => keep(e),
            Content::Text(_) => true,
        });
    }

    pub fn to_xml(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        out.push('<');
        out.push_str(&self.name);
        for (key, value) in &self.attrs {
            out.push_str(&format!(" {key}=\"{}\"", escape(value)));
        }
        if self.children.is_empty() {
            out.push_str("/>");
            return;
        }
        out.push('>');
        for c in &self.children {
            match c {
                Content::Element(e) => e.write(out),
                Content::Text(t) => out.push_str(&escape(t)),
            }
        }
        out.push_str(&format!("</{}>", self.name));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_characters() {
        assert_eq!(escape(r#"a<b>&"c"'"#), "a&lt;b&gt;&amp;&quot;c&quot;&apos;");
    }

    #[test]
    fn element_round_trips_and_edits() {
        let source =
            "<pool>\n  <poolId>pool-1</poolId>\n  <name>a &amp; b</name>\n  <member><port>80</port></member>\n</pool>";
        let mut pool = Element::parse_document(source).unwrap();
        assert_eq!(pool.child_text("name").as_deref(), Some("a & b"));
        pool.set_child_text("algorithm", "round-robin");
        pool.retain_elements(|e| e.name != "member");
        assert_eq!(
            pool.to_xml(),
            "<pool><poolId>pool-1</poolId><name>a &amp; b</name><algorithm>round-robin</algorithm></pool>"
        );
    }
}
