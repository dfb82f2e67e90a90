//! Validation of a loaded backlog: the rules that need more than one file
//! (ids, references, hierarchy, cycles, cross-item consistency), on top of
//! the per-file diagnostics `load` already produced.

pub mod links;
pub mod report;
pub mod rules;
pub mod sarif;

/// The diagnostics base, under its former path (`cairn::check::diagnostic`).
pub use crate::diag as diagnostic;
pub use crate::diag::{Diagnostic, Note, Report, Severity};

use crate::config::Role;
use crate::graph::{EdgeType, Graph};
use crate::load::Backlog;
use crate::model::{Item, Span, Spanned};
use crate::util::{suggest, text};

/// Runs every rule. `graph` must be built from `backlog`.
pub fn check(backlog: &Backlog, graph: &Graph) -> Report {
    let mut diags = backlog.diagnostics.clone();
    let (errors, warnings) = rayon::join(
        || collect(|out| error_rules(backlog, graph, out)),
        || {
            collect(|out| {
                links::broken_links(backlog, out);
                // Risk rules about single items (W020 blocked, W021
                // dependency in a later sprint, W023 open duplicate); overdue
                // (W022) needs "today" and is added by `cairn check` from the
                // HEAD commit's date.
                rules::warnings(backlog, None, out);
                automation(backlog, out);
            })
        },
    );
    diags.extend(errors);
    diags.extend(warnings);
    crate::diag::sort(&mut diags);
    Report { items: backlog.items.len(), diagnostics: diags }
}

/// The rules that can report errors; the others (broken links, risk
/// warnings) only warn.
fn error_rules(backlog: &Backlog, graph: &Graph, diags: &mut Vec<Diagnostic>) {
    // The rules run in parallel, each into its own list, and the lists are
    // joined in this order: the same diagnostics in the same order as one
    // after the other.
    let ((ids, hierarchy), (cycles, consistency)) = rayon::join(
        || {
            rayon::join(
                || {
                    collect(|out| {
                        duplicate_ids(backlog, out);
                        equal_ids(backlog, out);
                        references(backlog, out);
                    })
                },
                || collect(|out| self::hierarchy(backlog, graph, out)),
            )
        },
        || {
            rayon::join(
                || collect(|out| self::cycles(backlog, graph, out)),
                || collect(|out| self::consistency(backlog, graph, out)),
            )
        },
    );
    for part in [ids, hierarchy, cycles, consistency] {
        diags.extend(part);
    }
}

/// What `rule` reports, as a list of its own.
fn collect(rule: impl FnOnce(&mut Vec<Diagnostic>)) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    rule(&mut out);
    out
}

/// Whether two versions of an item feed the same into [`error_rules`]: the
/// same id, path and kind and the same item ids named (relations, sprint,
/// `id`-typed custom fields). If so, replacing one by the other cannot
/// change what those rules report, and only its own file's diagnostics can
/// differ (the edit engine uses this to check a `set` without running the
/// whole backlog's rules). Keep in step with the inputs of `error_rules`.
pub fn same_cross_item_inputs(config: &crate::config::Config, a: &Item, b: &Item) -> bool {
    let id_fields = |it: &Item| -> Vec<(String, Vec<String>)> {
        it.fields
            .iter()
            .filter(|(k, _)| config.fields.get(*k).is_some_and(|f| f.ty == crate::config::FieldType::Id))
            .map(|(k, v)| (k.clone(), crate::graph::field_ids(&v.value).into_iter().map(str::to_string).collect()))
            .collect()
    };
    let refs = |it: &Item| -> Vec<(&'static str, String)> {
        it.written_refs().into_iter().map(|(rel, id)| (rel, id.value.clone())).collect()
    };
    a.id() == b.id()
        && a.path == b.path
        && a.kind() == b.kind()
        && a.sprint.as_ref().map(|s| &s.value) == b.sprint.as_ref().map(|s| &s.value)
        && refs(a) == refs(b)
        && id_fields(a) == id_fields(b)
}

/// The errors [`check`] reports, without running the rules that can only
/// warn: what a writer needs to decide whether a change may be written
/// (the edit engine runs it on every `set`).
pub fn errors(backlog: &Backlog, graph: &Graph) -> Vec<Diagnostic> {
    let mut diags: Vec<Diagnostic> =
        backlog.diagnostics.iter().filter(|d| d.severity == Severity::Error).cloned().collect();
    error_rules(backlog, graph, &mut diags);
    diags.retain(|d| d.severity == Severity::Error);
    crate::diag::sort(&mut diags);
    diags
}

/// [`check`], plus the rules that need "today" (W022 overdue) when `today`
/// is known: the HEAD commit's date ([`crate::metrics::head_date`]).
pub fn check_on(backlog: &Backlog, graph: &Graph, today: Option<chrono::NaiveDate>) -> Report {
    let mut r = check(backlog, graph);
    if let Some(today) = today {
        rules::overdue_warnings(backlog, today, &mut r.diagnostics);
        crate::diag::sort(&mut r.diagnostics);
    }
    r
}

/// Loads nothing: convenience for callers that have a backlog only.
pub fn check_backlog(backlog: &Backlog) -> Report {
    check(backlog, &Graph::build(backlog))
}

/// E050: the problems of `automation:` in cairn.yml, at their lines.
fn automation(backlog: &Backlog, out: &mut Vec<Diagnostic>) {
    if backlog.config.automation.is_empty() {
        return;
    }
    let (_, problems) = crate::config::automation::parse(&backlog.config);
    for p in problems {
        let span = Span::new(p.line.min(u32::MAX as u64) as u32, p.column.min(u32::MAX as u64) as u32, p.len);
        out.push(Diagnostic::new("E050", crate::config::CONFIG_FILE, span, p.message));
    }
}

fn diag(code: &'static str, item: &Item, span: Span, msg: impl Into<String>) -> Diagnostic {
    Diagnostic::new(code, &item.path, span, msg).with_id(item.id())
}

fn duplicate_ids(b: &Backlog, out: &mut Vec<Diagnostic>) {
    let mut i = 0;
    while i < b.items.len() {
        let mut j = i + 1;
        while j < b.items.len() && b.items[j].id() == b.items[i].id() {
            j += 1;
        }
        for dup in &b.items[i + 1..j] {
            let first = &b.items[i];
            let msg = format!("duplicate id `{}`: also the id of `{}`", dup.id(), first.path);
            out.push(
                diag("E010", dup, dup.id.span, msg)
                    .with_note(&first.path, first.id.span, format!("`{}` is first defined here", first.id()))
                    .with_help("ids must be unique: rename one of the files or set a different `id:`"),
            );
        }
        i = j;
    }
}

/// With `ids.aliases`: two items whose ids differ but are equal under the
/// rules (`task-7` in `completed/`, `BACK-7` in `tasks/`) are one id twice.
/// Linear: one map from the canonical spelling to the first item.
fn equal_ids(b: &Backlog, out: &mut Vec<Diagnostic>) {
    let rules = &b.config.dialect.ids;
    if !rules.active() {
        return;
    }
    let mut first: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (k, item) in b.items.iter().enumerate() {
        if k > 0 && b.items[k - 1].id() == item.id() {
            continue; // the same spelling: `duplicate_ids` reports it
        }
        let canon = rules.canonical(item.id()).into_owned();
        match first.get(&canon) {
            None => {
                first.insert(canon, k);
            }
            Some(&f) => {
                let f = &b.items[f];
                let msg =
                    format!("duplicate id `{}`: equal to `{}` of `{}` under `ids.aliases`", item.id(), f.id(), f.path);
                out.push(
                    diag("E010", item, item.id.span, msg)
                        .with_note(&f.path, f.id.span, format!("`{}` is first defined here", f.id()))
                        .with_help("ids must be unique, also ignoring the spellings `ids.aliases` makes equal"),
                );
            }
        }
    }
}

fn references(b: &Backlog, out: &mut Vec<Diagnostic>) {
    let all_ids: Vec<&str> = b.items.iter().map(|i| i.id()).collect();
    let sprint_ids: Vec<&str> = b
        .items
        .iter()
        .filter(|i| b.config.kind(i.kind()).is_some_and(|k| k.role == Role::Sprint))
        .map(|i| i.id())
        .collect();
    let mut suggester = suggest::Suggester::new(all_ids.iter().copied());
    let id_fields: Vec<&String> =
        b.config.fields.iter().filter(|(_, f)| f.ty == crate::config::FieldType::Id).map(|(k, _)| k).collect();
    for item in &b.items {
        let mut refs: Vec<(String, Spanned<String>)> =
            item.written_refs().into_iter().map(|(rel, id)| (rel.to_string(), id.clone())).collect();
        for f in &id_fields {
            if let Some(v) = item.fields.get(*f) {
                for id in crate::graph::field_ids(&v.value) {
                    refs.push(((*f).clone(), Spanned::new(id.to_string(), v.span)));
                }
            }
        }
        for (rel, id) in &refs {
            if id.value == item.id() {
                let (code, what) = match rel.as_str() {
                    "duplicates" => ("E025", "an item cannot duplicate itself".to_string()),
                    "parent" => ("E022", "an item cannot be its own parent".to_string()),
                    "depends_on" | "blocks" => ("E023", format!("`{}` {rel} itself", item.id())),
                    _ => ("E033", format!("`{}` names itself in `{rel}`", item.id())),
                };
                out.push(diag(code, item, id.span, what));
                continue;
            }
            if !b.index.contains_key(&id.value) {
                let hint = suggester.hint(&id.value);
                out.push(diag(
                    "E020",
                    item,
                    id.span,
                    format!("unknown {} `{}`: no item has this id{hint}", rel_noun(rel), id.value),
                ));
            }
        }
        if let Some(s) = &item.sprint {
            match b.get(&s.value) {
                None => {
                    let hint = suggest::hint(&s.value, sprint_ids.iter().copied());
                    out.push(diag("E026", item, s.span, format!("unknown sprint `{}`{hint}", s.value)));
                }
                Some(t) if !sprint_ids.contains(&t.id()) => {
                    out.push(diag(
                        "E026",
                        item,
                        s.span,
                        format!("`{}` is {}, not a sprint", s.value, text::a(t.kind())),
                    ));
                }
                _ => {}
            }
        }
    }
}

fn rel_noun(rel: &str) -> String {
    match rel {
        "parent" => "parent".into(),
        "depends_on" => "dependency".into(),
        "blocks" => "blocked item".into(),
        "relates_to" => "related item".into(),
        "duplicates" => "duplicated item".into(),
        "references" => "reference".into(),
        other => format!("`{other}` item"),
    }
}

fn hierarchy(b: &Backlog, g: &Graph, out: &mut Vec<Diagnostic>) {
    for (i, item) in b.items.iter().enumerate() {
        let Some(p) = &item.parent else { continue };
        let Some(pi) = g.parent(i) else { continue };
        let parent = &b.items[pi];
        let Some(kind) = b.config.kind(item.kind()) else { continue };
        if b.config.kind(parent.kind()).is_none() {
            continue;
        }
        if !kind.parents.iter().any(|k| k == parent.kind()) {
            let msg = if kind.parents.is_empty() {
                format!("{} items cannot have a parent; `{}` is {}", item.kind(), parent.id(), text::a(parent.kind()))
            } else {
                format!(
                    "the parent of {} must be {}; `{}` is {}",
                    text::a(item.kind()),
                    or_list(&kind.parents),
                    parent.id(),
                    text::a(parent.kind())
                )
            };
            out.push(diag("E021", item, p.span, msg));
        }
    }
}

fn or_list(names: &[String]) -> String {
    let with_article: Vec<String> = names.iter().map(|n| text::a(n)).collect();
    match with_article.len() {
        0 => String::new(),
        1 => with_article[0].clone(),
        n => format!("{} or {}", with_article[..n - 1].join(", "), with_article[n - 1]),
    }
}

fn cycles(b: &Backlog, g: &Graph, out: &mut Vec<Diagnostic>) {
    for (ty, code, what) in
        [(EdgeType::Parent, "E022", "parent cycle"), (EdgeType::DependsOn, "E023", "dependency cycle")]
    {
        for cycle in g.cycles(&ty) {
            if cycle.len() == 1 {
                continue; // a self-loop is reported as a self-reference
            }
            let first = &g.edges[cycle[0]];
            let origin = &b.items[first.origin];
            let ids: Vec<&str> =
                cycle.iter().map(|&e| b.items[g.edges[e].from].id()).chain([b.items[first.from].id()]).collect();
            let mut d = diag(code, origin, first.span, format!("{what}: {}", ids.join(" → ")));
            for &e in &cycle {
                let edge = &g.edges[e];
                let o = &b.items[edge.origin];
                let from = b.items[edge.from].id();
                let to = b.items[edge.to].id();
                let note = match (&ty, edge.origin == edge.from) {
                    (EdgeType::Parent, _) => format!("`{from}` has parent `{to}`"),
                    (_, true) => format!("`{from}` depends on `{to}`"),
                    (_, false) => format!("`{to}` blocks `{from}`"),
                };
                d = d.with_note(&o.path, edge.span, note);
            }
            out.push(d.with_help(match ty {
                EdgeType::Parent => "remove one `parent:` link to break the cycle",
                _ => "remove one dependency to break the cycle",
            }));
        }
    }
}

fn consistency(b: &Backlog, g: &Graph, out: &mut Vec<Diagnostic>) {
    // Ancestor tests in constant time: a 10,000-deep hierarchy is not
    // walked once per item.
    let ancestry = g.ancestry();
    for (i, item) in b.items.iter().enumerate() {
        if b.index.get(item.id()) != Some(&i) {
            continue;
        }
        // Depending on an ancestor or a descendant.
        for &e in &g.out[i] {
            let edge = &g.edges[e];
            if edge.ty != EdgeType::DependsOn || edge.from == edge.to {
                continue;
            }
            let dep = &b.items[edge.to];
            let o = &b.items[edge.origin];
            if ancestry.is_ancestor(g, edge.to, i) {
                out.push(diag(
                    "E024",
                    o,
                    edge.span,
                    format!(
                        "`{}` depends on its own ancestor `{}`: a parent finishes only when its children do",
                        item.id(),
                        dep.id()
                    ),
                ));
            } else if ancestry.is_ancestor(g, i, edge.to) {
                out.push(diag(
                    "E024",
                    o,
                    edge.span,
                    format!(
                        "`{}` depends on its own descendant `{}`: a parent already waits for its children",
                        item.id(),
                        dep.id()
                    ),
                ));
            }
        }
        // Delivered (a done status that counts as completed): a cancelled
        // item may well have been waiting on work that never happened.
        let delivered = item
            .status()
            .and_then(|s| b.config.status(item.kind(), s))
            .is_some_and(|s| s.category == crate::config::Category::Done && s.completed);
        if delivered {
            let mut open: Vec<&str> = g
                .targets(i, &EdgeType::DependsOn)
                .filter(|&t| {
                    b.config.kind(b.items[t].kind()).is_some()
                        && !b.is_done(&b.items[t])
                        && b.category(&b.items[t]).is_some()
                })
                .map(|t| b.items[t].id())
                .collect();
            open.sort_unstable();
            if !open.is_empty() {
                let span = item.key_span("status");
                out.push(diag(
                    "W001",
                    item,
                    span,
                    format!(
                        "`{}` is done but depends on {} that {} not done",
                        item.id(),
                        code_list(&open),
                        if open.len() == 1 { "is" } else { "are" }
                    ),
                ));
            }
        }
        if let (Some(pi), Some(cat)) = (g.parent(i), b.category(item)) {
            let parent = &b.items[pi];
            if cat != crate::config::Category::Done && b.is_done(parent) {
                let span = item.parent.as_ref().map(|p| p.span).unwrap_or(Span::START);
                out.push(diag(
                    "W002",
                    item,
                    span,
                    format!(
                        "`{}` is {} while its parent `{}` is {}",
                        item.id(),
                        item.status().unwrap_or("open"),
                        parent.id(),
                        parent.status().unwrap_or("done")
                    ),
                ));
            }
        }
    }
}

fn code_list(ids: &[&str]) -> String {
    ids.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn backlog(files: &[(&str, &str)]) -> Backlog {
        let cfg = Config::default();
        let mut items = Vec::new();
        let mut diags = Vec::new();
        for (path, text) in files {
            let (i, d) = crate::load::parse_item_text(text, path, &cfg);
            items.extend(i);
            diags.extend(d);
        }
        Backlog::from_items(".".into(), cfg, items, diags, files.len())
    }

    fn codes(r: &Report) -> Vec<&str> {
        r.diagnostics.iter().map(|d| d.code).collect()
    }

    const EPIC: &str = "---\ntitle: E\nstatus: in_progress\n---\n";

    #[test]
    fn duplicate_ids_name_both_files() {
        let b = backlog(&[
            ("tasks/a.md", "---\ntitle: A\nstatus: done\n---\n"),
            ("stories/x.md", "---\nid: a\ntitle: B\nstatus: done\n---\n"),
        ]);
        let r = check_backlog(&b);
        assert_eq!(codes(&r), vec!["E010"]);
        assert_eq!(r.diagnostics[0].file, "tasks/a.md");
        assert!(r.diagnostics[0].message.contains("stories/x.md"), "{}", r.diagnostics[0].message);
        assert_eq!(r.diagnostics[0].notes.len(), 1);
    }

    #[test]
    fn unknown_references_suggest() {
        let b = backlog(&[
            ("epics/checkout.md", EPIC),
            ("stories/s.md", "---\ntitle: S\nstatus: ready\nparent: chekout\ndepends_on: [nope]\nsprint: s1\n---\n"),
        ]);
        let r = check_backlog(&b);
        assert_eq!(codes(&r), vec!["E020", "E020", "E026"]);
        assert!(r.diagnostics[0].message.contains("did you mean `checkout`"), "{}", r.diagnostics[0].message);
        assert_eq!(r.diagnostics[0].line, 4);
        assert_eq!(r.diagnostics[0].column, 9);
    }

    #[test]
    fn parent_kind_and_self_duplicate() {
        let b = backlog(&[
            ("tasks/t.md", "---\ntitle: T\nstatus: ready\nduplicates: t\n---\n"),
            ("stories/s.md", "---\ntitle: S\nstatus: ready\nparent: t\n---\n"),
        ]);
        let r = check_backlog(&b);
        assert_eq!(codes(&r), vec!["E021", "E025"]);
        assert!(r.diagnostics[0].message.contains("must be a feature or an epic"), "{}", r.diagnostics[0].message);
    }

    #[test]
    fn dependency_cycle_lists_every_hop() {
        let b = backlog(&[
            ("tasks/a.md", "---\ntitle: A\nstatus: ready\ndepends_on: [b]\nblocks: [c]\n---\n"),
            ("tasks/b.md", "---\ntitle: B\nstatus: ready\ndepends_on: [c]\n---\n"),
            ("tasks/c.md", "---\ntitle: C\nstatus: ready\n---\n"),
        ]);
        let r = check_backlog(&b);
        assert_eq!(codes(&r), vec!["E023"]);
        let d = &r.diagnostics[0];
        assert_eq!(d.message, "dependency cycle: a → b → c → a");
        assert_eq!(d.notes.len(), 3);
        assert_eq!(d.notes[2].message, "`a` blocks `c`");
        assert_eq!((d.notes[2].file.as_str(), d.notes[2].line, d.notes[2].column), ("tasks/a.md", 5, 10));
    }

    #[test]
    fn parent_cycle_and_ancestor_dependency() {
        let b = backlog(&[
            ("epics/e1.md", "---\ntitle: E\nstatus: ready\n---\n"),
            ("features/f.md", "---\ntitle: F\nstatus: ready\nparent: e1\n---\n"),
            ("stories/s.md", "---\ntitle: S\nstatus: ready\nparent: f\ndepends_on: [e1]\n---\n"),
            ("stories/p.md", "---\ntitle: P\nstatus: ready\nparent: q\n---\n"),
            ("stories/q.md", "---\ntitle: Q\nstatus: ready\nparent: p\n---\n"),
        ]);
        let r = check_backlog(&b);
        let c = codes(&r);
        assert!(c.contains(&"E022"), "{c:?}");
        assert!(c.contains(&"E024"), "{c:?}");
        // p and q are stories whose parent is a story.
        assert_eq!(c.iter().filter(|c| **c == "E021").count(), 2);
    }

    #[test]
    fn errors_are_the_errors_of_check() {
        let b = backlog(&[
            ("epics/e.md", "---\ntitle: E\nstatus: done\n---\nSee [[nowhere]].\n"),
            ("stories/s.md", "---\ntitle: S\nstatus: in_progress\nparent: e\ndepends_on: [t, ghost]\n---\n"),
            ("stories/t.md", "---\ntitle: T\nstatus: done\nparent: s\ndepends_on: [s]\nstatus: x\n---\n"),
            ("tasks/u.md", "---\ntitle: U\nstatus: inprogress\nduplicates: u\n---\n"),
        ]);
        let g = Graph::build(&b);
        let all: Vec<Diagnostic> =
            check(&b, &g).diagnostics.into_iter().filter(|d| d.severity == Severity::Error).collect();
        assert!(all.len() >= 4, "{all:?}");
        assert_eq!(errors(&b, &g), all);
    }

    #[test]
    fn consistency_warnings() {
        let b = backlog(&[
            ("epics/e.md", "---\ntitle: E\nstatus: done\n---\n"),
            ("stories/s.md", "---\ntitle: S\nstatus: in_progress\nparent: e\n---\n"),
            ("stories/t.md", "---\ntitle: T\nstatus: done\nparent: e\ndepends_on: [s]\n---\n"),
            ("stories/u.md", "---\ntitle: U\nstatus: cancelled\nparent: e\ndepends_on: [s]\n---\n"),
        ]);
        let r = check_backlog(&b);
        assert_eq!(codes(&r), vec!["W002", "W001"]);
        let strict = r.strict();
        assert_eq!(strict.errors(), 2);
    }
}
