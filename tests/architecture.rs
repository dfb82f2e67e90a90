//! The layers, enforced (ArchUnit's idea, in a few dozen lines): the
//! allowed imports are the table in `docs/architecture.md` (the one place
//! the rule is written); this test reads every `crate::…` path in `src/` and
//! fails on an import the table forbids, on a top-level module the table
//! does not list, on any cycle between top-level modules, and on a `cli`
//! command module importing another.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One row of the table: the module's layer and what it may import.
#[derive(Debug)]
struct Rule {
    layer: u32,
    may: BTreeSet<String>,
}

/// An import of one top-level module by another: `from` (a file's module
/// path) uses `path`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Import {
    from: String,
    path: String,
}

fn ticked(cell: &str) -> Vec<String> {
    cell.split('`').skip(1).step_by(2).map(str::to_string).collect()
}

/// The rows `| layer | `module` | owns | may import |` of the docs' table.
fn parse_table(doc: &str) -> BTreeMap<String, Rule> {
    let mut out = BTreeMap::new();
    for line in doc.lines() {
        let cells: Vec<&str> = line.trim().trim_matches('|').split('|').map(str::trim).collect();
        let (Some(layer), [_, module, .., may]) = (cells.first().and_then(|c| c.parse().ok()), cells.as_slice()) else {
            continue;
        };
        if let [m] = ticked(module).as_slice() {
            out.insert(m.clone(), Rule { layer, may: ticked(may).into_iter().collect() });
        }
    }
    out
}

/// The code of a file that counts: before `#[cfg(test)]`, without comments.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or("");
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) if l[..i].matches('"').count() % 2 == 0 => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path a file at `module` names through `crate::` or `super::`,
/// resolved from the crate root, groups expanded: `crate::{a, b::{c, d}}` →
/// `a`, `b::c`, `b::d`.
fn paths(code: &str, module: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < code.len() {
        let rest = &code[i..];
        let boundary = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        let (mut k, mut base) = (0, None);
        if boundary && rest.starts_with("crate::") {
            i += "crate::".len();
            base = Some(String::new());
        } else if boundary && rest.starts_with("super::") {
            while code[i..].starts_with("super::") {
                i += "super::".len();
                k += 1;
            }
            let kept = module.len().saturating_sub(k);
            base = Some(module[..kept].iter().map(|m| format!("{m}::")).collect());
        }
        match base {
            Some(prefix) => i = expand(code, i, prefix, &mut out),
            None => i += rest.chars().next().map_or(1, char::len_utf8),
        }
    }
    out
}

/// Reads one path (or `{…}` group) at `i`, prefixed with `prefix`.
fn expand(code: &str, mut i: usize, prefix: String, out: &mut Vec<String>) -> usize {
    let mut path = prefix;
    loop {
        i += code[i..].len() - code[i..].trim_start().len();
        let rest = &code[i..];
        if let Some(group) = rest.strip_prefix('{') {
            i += 1;
            let mut depth = 0;
            let end = group
                .char_indices()
                .find(|&(_, c)| {
                    depth += i32::from(c == '{') - i32::from(c == '}');
                    depth < 0
                })
                .map_or(group.len(), |(j, _)| j);
            let inner = &group[..end];
            let mut level = 0;
            let mut start = 0;
            for (j, c) in inner.char_indices().chain([(inner.len(), ',')]) {
                level += i32::from(c == '{') - i32::from(c == '}');
                if c == ',' && level == 0 {
                    if !inner[start..j].trim().is_empty() {
                        expand(&inner[start..j], 0, path.clone(), out);
                    }
                    start = j + 1;
                }
            }
            return i + end + 1;
        }
        let len = rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len());
        if len == 0 {
            break;
        }
        path.push_str(&rest[..len]);
        i += len;
        if code[i..].starts_with("::") {
            path.push_str("::");
            i += 2;
        } else {
            break;
        }
    }
    if !path.is_empty() && !path.ends_with("::") {
        out.push(path);
    }
    i
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(dir).expect("src/ is readable").filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a file below `src/`: `check/rules.rs` → `check::rules`.
fn module_of(rel: &Path) -> Vec<String> {
    let mut segs: Vec<String> = rel.with_extension("").iter().map(|s| s.to_string_lossy().into_owned()).collect();
    if segs.last().is_some_and(|s| s == "mod") {
        segs.pop();
    }
    segs
}

/// Every import in `src/` from one top-level module to another, and the
/// `cli` command modules' imports of each other.
fn imports(src: &Path) -> (Vec<Import>, Vec<Import>) {
    let mut files = Vec::new();
    rs_files(src, &mut files);
    let (mut across, mut commands) = (Vec::new(), Vec::new());
    for f in files {
        let rel = f.strip_prefix(src).expect("below src");
        let module = module_of(rel);
        let Some(top) = module.first().filter(|m| *m != "lib" && *m != "main") else { continue };
        let text = std::fs::read_to_string(&f).expect("a source file is UTF-8");
        let code = code(&text);
        let from = module.join("::");
        let command = (top == "cli" && module.len() == 2 && module[1].ends_with("_cmd")).then(|| &module[1]);
        for path in paths(&code, &module) {
            let segs: Vec<&str> = path.split("::").collect();
            if segs[0] != top {
                across.push(Import { from: from.clone(), path });
            } else if command.is_some_and(|mine| segs.len() > 1 && segs[1].ends_with("_cmd") && segs[1] != mine) {
                commands.push(Import { from: from.clone(), path });
            }
        }
    }
    (across, commands)
}

/// Imports the table does not allow (or from/to a module it does not list).
fn forbidden(table: &BTreeMap<String, Rule>, imports: &[Import]) -> Vec<String> {
    let mut out = BTreeSet::new();
    for i in imports {
        let from = i.from.split("::").next().unwrap_or("");
        let to = i.path.split("::").next().unwrap_or("");
        match table.get(from) {
            None => out.insert(format!("`{from}` is not in the table of docs/architecture.md")),
            Some(r) if !r.may.contains(to) => {
                out.insert(format!("{} imports crate::{} ({from} may not import {to})", i.from, i.path))
            }
            Some(_) => false,
        };
    }
    out.into_iter().collect()
}

/// A cycle among the edges, if any (as `a → b → … → a`).
fn cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<String> {
    fn visit(
        n: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<String> {
        match state.get(n) {
            Some(2) => return None,
            Some(1) => {
                let at = stack.iter().position(|s| s == n).unwrap_or(0);
                return Some(format!("{} → {n}", stack[at..].join(" → ")));
            }
            _ => {}
        }
        state.insert(n.to_string(), 1);
        stack.push(n.to_string());
        for m in edges.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, edges, state, stack) {
                return Some(c);
            }
        }
        stack.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    edges.keys().find_map(|n| visit(n, edges, &mut state, &mut Vec::new()))
}

fn edges(imports: &[Import]) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for i in imports {
        let from = i.from.split("::").next().unwrap_or("").to_string();
        out.entry(from).or_default().insert(i.path.split("::").next().unwrap_or("").to_string());
    }
    out
}

fn table() -> BTreeMap<String, Rule> {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/architecture.md"))
        .expect("docs/architecture.md is readable");
    parse_table(&doc)
}

#[test]
fn the_table_lists_every_module_and_points_down() {
    let table = table();
    assert!(table.len() >= 10, "the table of docs/architecture.md was not found: {table:?}");
    let mut tops = Vec::new();
    rs_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut tops);
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for f in &tops {
        let m = module_of(f.strip_prefix(&src).expect("below src"));
        if let Some(top) = m.first().filter(|m| *m != "lib" && *m != "main") {
            assert!(table.contains_key(top), "src/{top} is not in the table of docs/architecture.md");
        }
    }
    for (m, r) in &table {
        for d in &r.may {
            let lower = table.get(d).map(|x| x.layer);
            assert!(lower.is_some_and(|l| l < r.layer), "`{m}` (layer {}) may import `{d}` (layer {lower:?})", r.layer);
        }
        assert!(!table.values().any(|r| r.may.contains("cli")), "nothing may import cli");
    }
}

#[test]
fn imports_follow_the_layers() {
    let (across, commands) = imports(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(!across.is_empty(), "no imports found: the scanner is broken");
    let mut problems = forbidden(&table(), &across);
    problems.extend(cycle(&edges(&across)).map(|c| format!("a cycle between top-level modules: {c}")));
    problems.extend(
        commands.iter().map(|i| format!("{} imports crate::{} (a command module imports another)", i.from, i.path)),
    );
    assert!(problems.is_empty(), "the layers of docs/architecture.md are broken:\n{}", problems.join("\n"));
}

#[test]
fn the_scanner_reads_groups_inline_paths_and_super() {
    let code = code(
        "use crate::{load::Backlog, check::{self, rules::warnings}};\n\
         // use crate::site::Commented;\n\
         fn f() { let _ = crate::metrics::head_date(x); let s = \"a // b\"; super::super::graph::X; }\n\
         #[cfg(test)]\nmod tests { use crate::cli::Ctx; }",
    );
    let at = |m: &str| m.split("::").map(str::to_string).collect::<Vec<_>>();
    let got = paths(&code, &at("cli::list_cmd"));
    assert_eq!(got, ["load::Backlog", "check::self", "check::rules::warnings", "metrics::head_date", "graph::X"]);
    assert_eq!(
        paths("use super::{shared, history_cmd::x};", &at("cli::list_cmd")),
        ["cli::shared", "cli::history_cmd::x"]
    );
    assert_eq!(paths("super::graph::X", &at("config")), ["graph::X"]);
}

#[test]
fn a_forbidden_import_and_a_cycle_are_reported() {
    let table = parse_table(
        "| layer | module | owns | may import |\n| --- | --- | --- | --- |\n\
         | 0 | `util` | x | — |\n| 1 | `load` | x | `util` |\n| 2 | `check` | x | `load`, `util` |\n",
    );
    assert_eq!(table["check"].may, BTreeSet::from(["load".to_string(), "util".to_string()]));
    let up = Import { from: "load::item".into(), path: "check::Diagnostic".into() };
    let down = Import { from: "check".into(), path: "load::Backlog".into() };
    let stray = Import { from: "site".into(), path: "util::x".into() };
    assert_eq!(
        forbidden(&table, &[down.clone(), up.clone(), stray]),
        [
            "`site` is not in the table of docs/architecture.md".to_string(),
            "load::item imports crate::check::Diagnostic (load may not import check)".to_string(),
        ]
    );
    assert_eq!(cycle(&edges(std::slice::from_ref(&down))), None);
    assert_eq!(cycle(&edges(&[down, up])), Some("check → load → check".to_string()));
}
