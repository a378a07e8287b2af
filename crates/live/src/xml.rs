//! XML responses (EC2, ELB and STS speak XML) read into a small element
//! tree: tag names without namespace prefixes, the text before an
//! element's first child (what Python's ElementTree calls `text`, the value
//! botocore reads a scalar from), and the children in order.

use quick_xml::events::Event;
use quick_xml::Reader;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Element {
    pub name: String,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The text of the first descendant on a path of names.
    pub fn text_at(&self, path: &[&str]) -> Option<&str> {
        let mut at = self;
        for name in path {
            at = at.child(name)?;
        }
        Some(&at.text)
    }
}

/// What went wrong reading a document, with the byte offset.
#[derive(Debug, thiserror::Error)]
#[error("malformed XML at byte {offset}: {message}")]
pub struct XmlError {
    pub offset: u64,
    pub message: String,
}

fn local(name: &[u8]) -> String {
    let name = match memchr_colon(name) {
        Some(at) => &name[at + 1..],
        None => name,
    };
    String::from_utf8_lossy(name).into_owned()
}

fn memchr_colon(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b':')
}

/// Parses a whole document into its root element.
pub fn parse(text: &str) -> Result<Element, XmlError> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let err = |reader: &Reader<&[u8]>, message: String| XmlError { offset: reader.buffer_position(), message };
    loop {
        let event = reader.read_event().map_err(|e| err(&reader, e.to_string()))?;
        match event {
            Event::Start(start) => {
                stack.push(Element { name: local(start.name().as_ref()), ..Default::default() });
            }
            Event::Empty(start) => {
                let element = Element { name: local(start.name().as_ref()), ..Default::default() };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => root = Some(element),
                }
            }
            Event::End(_) => {
                let Some(element) = stack.pop() else {
                    return Err(err(&reader, "closing tag without an opening one".into()));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => root = Some(element),
                }
            }
            Event::Text(t) => {
                let content = t.xml_content().map_err(|e| err(&reader, e.to_string()))?;
                push_text(&mut stack, &content);
            }
            Event::CData(t) => {
                let content = t.xml_content().map_err(|e| err(&reader, e.to_string()))?;
                push_text(&mut stack, &content);
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref().map_err(|e| err(&reader, e.to_string()))? {
                    Some(c) => c.to_string(),
                    None => {
                        let name = r.decode().map_err(|e| err(&reader, e.to_string()))?;
                        match name.as_ref() {
                            "amp" => "&".into(),
                            "lt" => "<".into(),
                            "gt" => ">".into(),
                            "apos" => "'".into(),
                            "quot" => "\"".into(),
                            other => return Err(err(&reader, format!("unknown entity &{other};"))),
                        }
                    }
                };
                push_text(&mut stack, &resolved);
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err(XmlError { offset: text.len() as u64, message: "the document ends inside an element".into() });
    }
    root.ok_or_else(|| XmlError { offset: 0, message: "no root element".into() })
}

/// Text goes to the open element while it has no children yet (text after
/// a child is ElementTree's `tail`, which no reader here looks at).
fn push_text(stack: &mut [Element], content: &str) {
    if let Some(open) = stack.last_mut() {
        if open.children.is_empty() {
            open.text.push_str(content);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_elements_text_entities_and_namespaces() {
        let root = parse(
            "<?xml version=\"1.0\"?>\n<R xmlns=\"http://x\"><a>1 &amp; &#x41;</a><b/><ns:c>\r\nz<![CDATA[<q>]]></ns:c></R>",
        )
        .unwrap();
        assert_eq!(root.name, "R");
        assert_eq!(root.text_at(&["a"]), Some("1 & A"));
        assert_eq!(root.text_at(&["b"]), Some(""));
        assert_eq!(root.text_at(&["c"]), Some("\nz<q>"));
        assert!(parse("<a><b></a>").is_err());
        assert!(parse("<a>").is_err());
    }
}
