//! The source lines around a finding's line, shared by every format that
//! shows them (text, Markdown, HTML), so all show the same lines.

/// Lines shown on each side of the marked one.
const CONTEXT: u32 = 2;
/// Characters shown of one line: a minified JSON dump is one line.
const WIDTH: usize = 160;

/// One line of a snippet.
pub struct SnippetLine<'a> {
    /// 1-based.
    pub number: u32,
    /// The line, cut at [`WIDTH`] characters (on a character boundary).
    pub text: &'a str,
    /// The line was longer than `text`.
    pub cut: bool,
    /// The finding's own line.
    pub marked: bool,
}

/// The lines around `line` (1-based) of `text`; none when `line` is 0 (a
/// whole file) or past the end (a stale position).
pub fn around(text: &str, line: u32) -> Vec<SnippetLine<'_>> {
    if line == 0 {
        return Vec::new();
    }
    let first = line.saturating_sub(CONTEXT).max(1);
    let wanted = (line + CONTEXT - first + 1) as usize;
    let lines: Vec<&str> = text.lines().skip(first as usize - 1).take(wanted).collect();
    if lines.len() < (line - first + 1) as usize {
        return Vec::new();
    }
    lines
        .into_iter()
        .zip(first..)
        .map(|(src, number)| {
            let end = src.char_indices().nth(WIDTH).map_or(src.len(), |(i, _)| i);
            SnippetLine { number, text: &src[..end], cut: end < src.len(), marked: number == line }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_around_stop_at_the_edges_and_past_the_end() {
        let text = "a\nb\nc\nd\ne\nf\n";
        let numbers = |l| around(text, l).iter().map(|s| s.number).collect::<Vec<_>>();
        assert_eq!(numbers(1), [1, 2, 3]);
        assert_eq!(numbers(4), [2, 3, 4, 5, 6]);
        assert_eq!(numbers(6), [4, 5, 6]);
        assert!(numbers(7).is_empty());
        assert!(numbers(0).is_empty());
        assert_eq!(around(text, 4).iter().filter(|s| s.marked).map(|s| s.text).collect::<Vec<_>>(), ["d"]);
    }

    #[test]
    fn long_lines_are_cut_on_a_character_boundary() {
        let long = "é".repeat(200);
        let lines = around(&long, 1);
        assert_eq!(lines[0].text.chars().count(), WIDTH);
        assert!(lines[0].cut);
    }
}
