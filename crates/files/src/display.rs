//! Text from inputs, as a person will see it.
//!
//! Much of what portcullis prints comes from its inputs: file names,
//! resource names, lines of source shown around a finding, values quoted in
//! messages, names a probed server put in its certificate. A control
//! character among them is an instruction to the terminal: an escape
//! sequence can erase or rewrite lines of the report, a right-to-left
//! override reorders what is read. [`escape`] is the one function every
//! text emitter passes such text through (the probe already did this for
//! HTTP bodies); JSON and SARIF need nothing more, JSON escapes control
//! characters itself.
//!
//! [`shows_nothing`] tells text that a person cannot see at all (white
//! space, zero-width and other invisible characters): a suppression's
//! reason must show something.

use std::borrow::Cow;
use std::fmt::Write;

/// Bidirectional formatting characters: they reorder the text around them
/// (the "Trojan Source" attack), so they are shown, not obeyed.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\t') || is_bidi_control(c)
}

/// `text` with every control character (but tab) and every bidirectional
/// formatting character written out visibly: `\n`, `\r`, `\x1b` below
/// U+0080, `\u{202e}` above. Text without any is returned as it is.
pub fn escape(text: &str) -> Cow<'_, str> {
    // Nearly all text is printable ASCII: one pass over the bytes decides.
    if text.bytes().all(|b| (0x20..0x7f).contains(&b) || b == b'\t') {
        return Cow::Borrowed(text);
    }
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if needs_escape(c) && (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// [`escape`] for text whose line breaks are meant (a multi-line message):
/// each line is escaped, the line breaks are kept.
pub fn escape_lines(text: &str) -> Cow<'_, str> {
    if !text.contains('\n') {
        return escape(text);
    }
    let lines: Vec<Cow<'_, str>> = text.split('\n').map(escape).collect();
    if lines.iter().all(|l| matches!(l, Cow::Borrowed(_))) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(lines.join("\n"))
}

/// Characters that take no room and show nothing: Unicode's default
/// ignorable code points (zero-width spaces and joiners, the word joiner,
/// invisible operators, soft hyphen, variation selectors, fillers, tags,
/// the byte-order mark) and the bidirectional controls.
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || is_bidi_control(c)
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200D}'
                | '\u{2060}'..='\u{206F}'
                | '\u{2800}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
}

/// Whether `text` shows nothing to a person: empty, or only white space and
/// invisible characters (a zero-width space is not a reason).
pub fn shows_nothing(text: &str) -> bool {
    text.chars().all(is_invisible)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_text_is_borrowed() {
        for t in ["sg-0123 10.0.0.0/8", "tab\there", "café 10257 — ok", ""] {
            assert!(matches!(escape(t), Cow::Borrowed(_)), "{t:?}");
        }
    }

    #[test]
    fn controls_are_written_out() {
        assert_eq!(escape("kcm\x1b[2K\x1b[1Aok"), "kcm\\x1b[2K\\x1b[1Aok");
        assert_eq!(escape("a\nb\r\0\x7f"), "a\\nb\\r\\x00\\x7f");
        assert_eq!(escape("c1\u{9b}31m"), "c1\\u{9b}31m");
        assert_eq!(escape("sg-\u{202e}lave"), "sg-\\u{202e}lave");
        assert_eq!(escape_lines("line 1\n  | \x1b]0;x\x07"), "line 1\n  | \\x1b]0;x\\x07");
    }

    #[test]
    fn invisible_text_shows_nothing() {
        for t in ["", "   ", "\u{200B}", "\u{200B}\u{200C}\u{200D}\u{2060}\u{FEFF}", "\u{00AD}\t\u{3000}", "\u{E0020}"]
        {
            assert!(shows_nothing(t), "{t:?}");
        }
        for t in ["x", "\u{200B}x", "—", "報告"] {
            assert!(!shows_nothing(t), "{t:?}");
        }
    }
}
