//! A small XML writer and reader over quick-xml for the formats.
//!
//! Writing to a `Vec<u8>` cannot fail, so the helpers drop quick-xml's
//! `io::Result`s instead of threading them through every encoder. Output is
//! UTF-8, indented by two spaces, with `\n` line ends and no trailing spaces.
//! [`parse`] reads a document back into a [`Node`] tree (the EML decoder and
//! the tests), each element with its line, never panicking.

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

/// An element read back: name (without namespace prefix), attributes, the
/// concatenated text directly inside it (trimmed), child elements, and the
/// 1-based line its start tag is on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Node {
    pub name: String,
    pub line: u64,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Node>,
}

impl Node {
    pub(crate) fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    pub(crate) fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> {
        self.children.iter().filter(move |c| c.name == name)
    }

    #[cfg(test)]
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
const MAX_DEPTH: usize = 64;

/// Reads a whole document into a tree; `Err` with the line and a French
/// message on malformed XML. Never panics.
#[cfg(test)]
pub(crate) fn parse(bytes: &[u8]) -> Result<Node, String> {
    parse_lines(bytes).map_err(|(_, m)| m)
}

/// [`parse`], the error with its 1-based line.
pub(crate) fn parse_lines(bytes: &[u8]) -> Result<Node, (u64, String)> {
    // Line of a byte offset, counted incrementally (offsets only grow).
    let mut seen = (0usize, 1u64);
    let mut line_at = |offset: u64| -> u64 {
        let to = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(bytes.len());
        if to > seen.0 {
            seen.1 += bytes[seen.0..to].iter().filter(|&&b| b == b'\n').count() as u64;
            seen.0 = to;
        }
        seen.1
    };
    parse_inner(bytes, &mut line_at)
}

fn parse_inner(bytes: &[u8], line_at: &mut dyn FnMut(u64) -> u64) -> Result<Node, (u64, String)> {
    use quick_xml::Reader;
    let mut reader = Reader::from_reader(bytes);
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    let mut buf = Vec::new();
    let local = |raw: &[u8]| -> String {
        let s = String::from_utf8_lossy(raw);
        s.rsplit(':').next().unwrap_or_default().to_string()
    };
    let start = |e: &BytesStart<'_>, line: u64| -> Result<Node, (u64, String)> {
        let mut attrs = Vec::new();
        for a in e.attributes() {
            let a = a.map_err(|err| (line, format!("attribut mal formé : {err}")))?;
            let v = a
                .unescape_value()
                .map_err(|err| (line, format!("attribut mal formé : {err}")))?;
            attrs.push((local(a.key.as_ref()), v.into_owned()));
        }
        Ok(Node {
            name: local(e.name().as_ref()),
            line,
            attrs,
            ..Node::default()
        })
    };
    loop {
        let pos = reader.buffer_position();
        let line = line_at(pos);
        let ev = reader
            .read_event_into(&mut buf)
            .map_err(|e| (line, format!("XML mal formé : {e}")))?;
        match ev {
            Event::Start(e) => {
                if stack.len() >= MAX_DEPTH {
                    return Err((line, "XML trop profondément imbriqué".to_string()));
                }
                stack.push(start(&e, line)?);
            }
            Event::Empty(e) => {
                let node = start(&e, line)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None if root.is_none() => root = Some(node),
                    None => return Err((line, "plusieurs éléments racines".to_string())),
                }
            }
            Event::End(_) => {
                let Some(mut node) = stack.pop() else {
                    return Err((line, "balise fermante sans ouverture".to_string()));
                };
                node.text = node.text.trim().to_string();
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None if root.is_none() => root = Some(node),
                    None => return Err((line, "plusieurs éléments racines".to_string())),
                }
            }
            Event::Text(t) => {
                let t = t
                    .unescape()
                    .map_err(|e| (line, format!("texte mal formé : {e}")))?;
                match stack.last_mut() {
                    Some(n) => n.text.push_str(&t),
                    None if t.trim().is_empty() => {}
                    None => return Err((line, "texte hors de l'élément racine".to_string())),
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
    let end = line_at(u64::MAX);
    if !stack.is_empty() {
        return Err((end, "document XML incomplet".to_string()));
    }
    root.ok_or_else(|| (end, "document XML vide".to_string()))
}
