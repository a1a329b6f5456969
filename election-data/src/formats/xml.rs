//! A small XML writer over quick-xml for the formats' encoders.
//!
//! Writing to a `Vec<u8>` cannot fail, so the helpers drop quick-xml's
//! `io::Result`s instead of threading them through every encoder. Output is
//! UTF-8, indented by two spaces, with `\n` line ends and no trailing spaces.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

pub(crate) struct Xml {
    w: Writer<Vec<u8>>,
}

impl Xml {
    pub(crate) fn new() -> Xml {
        let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
        let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        Xml { w }
    }

    pub(crate) fn open(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let start = BytesStart::new(name).with_attributes(attrs.iter().copied());
        let _ = self.w.write_event(Event::Start(start));
    }

    pub(crate) fn close(&mut self, name: &str) {
        let _ = self.w.write_event(Event::End(BytesEnd::new(name)));
    }

    /// `<name attrs>text</name>` on one line (`<name attrs/>` when empty).
    pub(crate) fn leaf(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) {
        let el = self
            .w
            .create_element(name)
            .with_attributes(attrs.iter().copied());
        let _ = if text.is_empty() {
            el.write_empty()
        } else {
            el.write_text_content(BytesText::new(text))
        };
    }

    pub(crate) fn text(&mut self, name: &str, text: &str) {
        self.leaf(name, &[], text);
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        let mut out = self.w.into_inner();
        out.push(b'\n');
        out
    }
}

/// An element read back (tests only: no decoder reads XML yet): name (without namespace prefix), attributes,
/// the concatenated text directly inside it (trimmed), and child elements.
#[cfg(test)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Node {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Node>,
}

#[cfg(test)]
impl Node {
    pub(crate) fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    pub(crate) fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> {
        self.children.iter().filter(move |c| c.name == name)
    }

    pub(crate) fn path(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |n, p| n.child(p))
    }

    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Deepest nesting accepted when reading.
#[cfg(test)]
const MAX_DEPTH: usize = 64;

/// Reads a whole document into a tree; `Err` with a French message on
/// malformed XML. Never panics.
#[cfg(test)]
pub(crate) fn parse(bytes: &[u8]) -> Result<Node, String> {
    use quick_xml::Reader;
    let mut reader = Reader::from_reader(bytes);
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    let mut buf = Vec::new();
    let local = |raw: &[u8]| -> String {
        let s = String::from_utf8_lossy(raw);
        s.rsplit(':').next().unwrap_or_default().to_string()
    };
    let start = |e: &BytesStart<'_>| -> Result<Node, String> {
        let mut attrs = Vec::new();
        for a in e.attributes() {
            let a = a.map_err(|err| format!("attribut mal formé : {err}"))?;
            let v = a
                .unescape_value()
                .map_err(|err| format!("attribut mal formé : {err}"))?;
            attrs.push((local(a.key.as_ref()), v.into_owned()));
        }
        Ok(Node {
            name: local(e.name().as_ref()),
            attrs,
            ..Node::default()
        })
    };
    loop {
        let pos = reader.buffer_position();
        let ev = reader
            .read_event_into(&mut buf)
            .map_err(|e| format!("XML mal formé à l'octet {pos} : {e}"))?;
        match ev {
            Event::Start(e) => {
                if stack.len() >= MAX_DEPTH {
                    return Err("XML trop profondément imbriqué".to_string());
                }
                stack.push(start(&e)?);
            }
            Event::Empty(e) => {
                let node = start(&e)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None if root.is_none() => root = Some(node),
                    None => return Err("plusieurs éléments racines".to_string()),
                }
            }
            Event::End(_) => {
                let Some(mut node) = stack.pop() else {
                    return Err("balise fermante sans ouverture".to_string());
                };
                node.text = node.text.trim().to_string();
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None if root.is_none() => root = Some(node),
                    None => return Err("plusieurs éléments racines".to_string()),
                }
            }
            Event::Text(t) => {
                let t = t
                    .unescape()
                    .map_err(|e| format!("texte mal formé à l'octet {pos} : {e}"))?;
                match stack.last_mut() {
                    Some(n) => n.text.push_str(&t),
                    None if t.trim().is_empty() => {}
                    None => return Err("texte hors de l'élément racine".to_string()),
                }
            }
            Event::CData(t) => {
                if let Some(n) = stack.last_mut() {
                    n.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !stack.is_empty() {
        return Err("document XML incomplet".to_string());
    }
    root.ok_or_else(|| "document XML vide".to_string())
}
