//! Making server-supplied text safe and tidy for a terminal.
//!
//! Object keys are chosen by whoever uploaded them. Control characters, escape sequences
//! and bidi overrides are shown escaped (`\x1b`, `\n`, `\u{202e}`), never sent raw; widths
//! are measured in terminal columns so CJK names keep columns aligned.

use std::borrow::Cow;
use std::fmt::Write;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// The text with every control or direction-changing character written as an escape.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !needs_escape(c) {
            out.push(c);
            continue;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x100 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    Cow::Owned(out)
}

/// Bytes that are mostly text: each valid UTF-8 run [`escape`]d, each invalid byte as `\xff`.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        out.push_str(&escape(chunk.valid()));
        for byte in chunk.invalid() {
            let _ = write!(out, "\\x{byte:02x}");
        }
    }
    out
}

/// Escaped, then cut to at most `width` columns, ending in `…` when cut.
pub fn fit(text: &str, width: usize) -> String {
    let text = escape(text);
    if text.width() <= width {
        return text.into_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// Like [`fit`], but keeps the end (the file name) and cuts the middle of a long path.
pub fn fit_middle(text: &str, width: usize) -> String {
    let escaped = escape(text);
    if escaped.width() <= width || width < 8 {
        return fit(text, width);
    }
    let tail_budget = (width - 1) / 2;
    let head_budget = width - 1 - tail_budget;
    let mut tail: Vec<char> = Vec::new();
    let mut used = 0;
    for c in escaped.chars().rev() {
        let w = c.width().unwrap_or(0);
        if used + w > tail_budget {
            break;
        }
        used += w;
        tail.push(c);
    }
    let mut out = fit_exact(&escaped, head_budget);
    out.push('…');
    out.extend(tail.iter().rev());
    out
}

fn fit_exact(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width {
            break;
        }
        used += w;
        out.push(c);
    }
    out
}

/// ASCII-case-insensitive substring test that allocates nothing (used per row when filtering):
/// jumps to each place the needle's first byte occurs, in either case, and compares from there.
pub fn contains_ignore_case(haystack: &str, needle_lower: &str) -> bool {
    let (hay, needle) = (haystack.as_bytes(), needle_lower.as_bytes());
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    if needle.len() > hay.len() {
        return false;
    }
    let last_start = hay.len() - needle.len();
    let candidates = &hay[..=last_start];
    memchr::memchr2_iter(first, first.to_ascii_uppercase(), candidates)
        .any(|at| hay[at + 1..at + needle.len()].eq_ignore_ascii_case(rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape("a\x1b[31mred\n"), "a\\x1b[31mred\\n");
        assert_eq!(escape("evil\u{202e}txt.exe"), "evil\\u{202e}txt.exe");
        assert_eq!(escape("\u{7f}\u{85}"), "\\x7f\\x85");
        assert!(matches!(escape("plain/key.txt"), Cow::Borrowed(_)));
    }

    #[test]
    fn invalid_utf8_bytes_are_escaped_and_the_text_around_them_kept() {
        assert_eq!(escape_bytes(b"bad-\xff.bin"), "bad-\\xff.bin");
        assert_eq!(escape_bytes(b"\xe6\x97\xa5\xc3"), "日\\xc3");
        assert_eq!(escape_bytes(b"esc\x1b\xfe"), "esc\\x1b\\xfe");
    }

    #[test]
    fn fit_counts_columns_not_bytes() {
        assert_eq!(fit("日本語のファイル", 7), "日本語…");
        assert_eq!(fit("日本語のファイル", 7).width(), 7);
        assert_eq!(fit("short", 10), "short");
        assert_eq!(fit("a\x07b", 10), "a\\x07b");
    }

    #[test]
    fn fit_middle_keeps_both_ends() {
        let cut = fit_middle("backups/2024/very/deep/path/file.tar", 20);
        assert_eq!(cut.width(), 20);
        assert!(cut.starts_with("backups/"), "{cut}");
        assert!(cut.ends_with("file.tar"), "{cut}");
    }

    #[test]
    fn ignore_case_search() {
        assert!(contains_ignore_case("Photos/IMG_001.JPG", "img_001"));
        assert!(!contains_ignore_case("Photos", "videos"));
        assert!(contains_ignore_case("anything", ""));
        assert!(contains_ignore_case("host-1x", "host-1x"));
        assert!(
            contains_ignore_case("aaab", "aab"),
            "a failed first try does not hide a later match"
        );
        assert!(!contains_ignore_case("host-1", "host-1x"));
        assert!(contains_ignore_case("日本語/HOST", "host"));
    }
}
