//! The crate's layers, checked from its source: data flows one way, so a lower layer never
//! uses a higher one and no two top-level modules use each other, however indirectly.
//!
//! An import is any `crate::NAME` path (in `use` lines or inline) in a file under src/, where
//! NAME is a top-level module (src/NAME.rs or src/NAME/). Inline `#[cfg(test)] mod`s are left
//! out: unit tests may reach anywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The lowest layers, each with everything of ours it may use.
const ONLY: &[(&str, &[&str])] = &[
    ("text", &[]),
    ("format", &[]),
    ("s3", &["format", "text"]),
    ("ops", &["s3", "format", "text"]),
    ("action", &["ops", "s3"]),
];

/// Higher layers, each with what it must never use.
const NEVER: &[(&str, &[&str])] = &[
    // State and update only: the runner, the terminal, the CLI and drawing are all above it.
    ("app", &["tasks", "tui", "cli", "ui"]),
    ("ui", &["tasks", "cli", "tui"]),
    ("tasks", &["app", "ui", "tui", "cli"]),
];

/// Module → module it imports → where (`path:line`).
type Edges = BTreeMap<String, BTreeMap<String, Vec<String>>>;

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn top_level_modules(src: &Path) -> BTreeSet<String> {
    fs::read_dir(src)
        .expect("read src/")
        .filter_map(|entry| {
            let path = entry.expect("src/ entry").path();
            let name = path.file_stem()?.to_str()?.to_owned();
            let is_module = path.is_dir() || path.extension().is_some_and(|e| e == "rs");
            (is_module && name != "main" && name != "lib").then_some(name)
        })
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The source with every inline unit-test module blanked out (lines kept, so line numbers
/// hold). rustfmt puts such a module's `mod` line and its closing `}` at column 0.
fn without_unit_tests(text: &str) -> String {
    let mut kept = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let opens_tests = line.trim_end() == "#[cfg(test)]"
            && lines
                .peek()
                .is_some_and(|next| next.starts_with("mod ") && next.trim_end().ends_with('{'));
        if !opens_tests {
            kept.push(line);
            continue;
        }
        kept.push("");
        for inside in lines.by_ref() {
            kept.push("");
            if inside.trim_end() == "}" {
                break;
            }
        }
    }
    kept.join("\n")
}

fn identifier_at(text: &str, at: usize) -> &str {
    let rest = &text[at..];
    let end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    &rest[..end]
}

/// Every first segment after `crate::`, with its byte offset: `crate::s3::S3` gives `s3`,
/// `use crate::{a::X, b::{Y, Z}}` gives `a` and `b`.
fn crate_paths(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (at, _) in text.match_indices("crate::") {
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let after = at + "crate::".len();
        if !text[after..].starts_with('{') {
            found.push((at, identifier_at(text, after).to_owned()));
            continue;
        }
        let mut depth = 0;
        let mut expect_name = false;
        for (offset, c) in text[after..].char_indices() {
            match c {
                '{' => {
                    depth += 1;
                    expect_name = depth == 1;
                    continue;
                }
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                ',' if depth == 1 => {
                    expect_name = true;
                    continue;
                }
                c if c.is_whitespace() => continue,
                _ if expect_name => {
                    let name = identifier_at(text, after + offset);
                    if !name.is_empty() && name != "self" {
                        found.push((after + offset, name.to_owned()));
                    }
                }
                _ => {}
            }
            expect_name = false;
        }
    }
    found
}

fn edges() -> Edges {
    let src = src_dir();
    let modules = top_level_modules(&src);
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut edges = Edges::new();
    for file in files {
        let relative = file.strip_prefix(&src).expect("under src/");
        let first = relative.components().next().expect("a path");
        let first = Path::new(first.as_os_str());
        let me = first.file_stem().and_then(|s| s.to_str()).expect("utf-8");
        if !modules.contains(me) {
            continue;
        }
        let text = fs::read_to_string(&file).expect("read source");
        let code = without_unit_tests(&text);
        for (at, other) in crate_paths(&code) {
            if other == me || !modules.contains(&other) {
                continue;
            }
            let line = code[..at].matches('\n').count() + 1;
            edges
                .entry(me.to_owned())
                .or_default()
                .entry(other)
                .or_default()
                .push(format!("src/{}:{line}", relative.display()));
        }
    }
    edges
}

fn uses<'a>(edges: &'a Edges, module: &str) -> impl Iterator<Item = (&'a String, &'a Vec<String>)> {
    edges.get(module).into_iter().flatten()
}

#[test]
fn the_reader_finds_plain_grouped_and_inline_paths() {
    let text = "use crate::a::X;\nuse crate::{b::{Y, Z}, self, c};\nfn f() { crate::d::g(); }\n$crate::e::h!();\n";
    let names: Vec<String> = crate_paths(text).into_iter().map(|(_, n)| n).collect();
    assert_eq!(names, ["a", "b", "c", "d"]);
    let with_tests =
        "use crate::a::X;\n#[cfg(test)]\nmod tests {\n    use crate::b::Y;\n}\nuse crate::c::Z;\n";
    assert_eq!(
        without_unit_tests(with_tests),
        "use crate::a::X;\n\n\n\n\nuse crate::c::Z;"
    );
    // The real tree is read too: the console's loop uses the app.
    assert!(
        edges()
            .get("tui")
            .is_some_and(|uses| uses.contains_key("app"))
    );
}

#[test]
fn the_lowest_layers_use_only_what_is_below_them() {
    let edges = edges();
    let mut wrong = Vec::new();
    for (module, allowed) in ONLY {
        for (other, places) in uses(&edges, module) {
            if !allowed.contains(&other.as_str()) {
                wrong.push(format!("{module} uses {other} at {}", places.join(", ")));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layers:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn higher_layers_never_reach_up() {
    let edges = edges();
    let mut wrong = Vec::new();
    for (module, forbidden) in NEVER {
        for (other, places) in uses(&edges, module) {
            if forbidden.contains(&other.as_str()) {
                wrong.push(format!("{module} uses {other} at {}", places.join(", ")));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layers:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_import_circle_between_top_level_modules() {
    let edges = edges();
    // Depth-first search; a module met again while still on the path closes a circle.
    fn visit(
        module: &str,
        edges: &Edges,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|m| m == module) {
            let mut circle = path[start..].to_vec();
            circle.push(module.to_owned());
            return Some(circle);
        }
        if done.contains(module) {
            return None;
        }
        path.push(module.to_owned());
        for other in uses(edges, module).map(|(other, _)| other) {
            if let Some(circle) = visit(other, edges, path, done) {
                return Some(circle);
            }
        }
        path.pop();
        done.insert(module.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    for module in edges.keys() {
        if let Some(circle) = visit(module, &edges, &mut Vec::new(), &mut done) {
            let steps: Vec<String> = circle
                .windows(2)
                .map(|pair| {
                    format!(
                        "{} -> {} ({})",
                        pair[0], pair[1], edges[&pair[0]][&pair[1]][0]
                    )
                })
                .collect();
            panic!("import circle:\n{}", steps.join("\n"));
        }
    }
}
