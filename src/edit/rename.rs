//! Renaming an item: every place a file names it — the relation fields
//! (`parent`, `depends_on` with its `{id, lag}` entries, `blocks`,
//! `relates_to`, `duplicates`, `references`), `sprint`, `id`-typed custom
//! fields, `[[id]]` links in bodies (not inside code spans or blocks) and
//! relative links to its file.

use std::ops::Range;

use pulldown_cmark::{Event, LinkType, Parser, Tag};

use super::doc::{Doc, YKind, YNode};
use super::scalar;
use super::text::TextError;
use crate::config::{Config, FieldType};
use crate::load::Backlog;
use crate::model::{Item, Reference};

/// The front-matter fields whose values are item ids, with the names the
/// config's `fields.aliases` give them (`dependencies`, `parent_task_id`).
pub fn ref_fields(config: &Config) -> Vec<String> {
    let mut v: Vec<String> = ["parent", "depends_on", "blocks", "relates_to", "duplicates", "references", "sprint"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    v.extend(config.fields.iter().filter(|(_, f)| f.ty == FieldType::Id).map(|(k, _)| k.clone()));
    let aliases: Vec<String> =
        config.dialect.field_aliases.iter().filter(|(_, to)| v.contains(to)).map(|(a, _)| a.clone()).collect();
    v.extend(aliases);
    v
}

/// Whether a reference written `written` names the item `id` of `b`: the
/// same id, or with `ids.aliases` an equal one that is not itself the id
/// of another item (an exact id wins, as when loading).
pub fn names_id(b: &Backlog, id: &str, written: &str) -> bool {
    let rules = &b.config.dialect.ids;
    written == id
        || (rules.active() && !b.index.contains_key(written) && rules.canonical(written) == rules.canonical(id))
}

/// The path an item renamed from `id` to `to` moves to: its folder, and
/// the file name with `to` for `id` — `stories/old.md` → `stories/new.md`,
/// and where the name only starts with the id (Backlog.md's `back-14 -
/// Fix the parser.md`) that start replaced, lower-cased if it was.
pub fn renamed_path(path: &str, id: &str, to: &str) -> String {
    let (folder, name) = match path.rsplit_once('/') {
        Some((f, n)) => (format!("{f}/"), n),
        None => (String::new(), path),
    };
    let stem = name.strip_suffix(".md").unwrap_or(name);
    let rest = stem.get(id.len()..).unwrap_or("");
    let starts = stem.len() > id.len()
        && stem.is_char_boundary(id.len())
        && stem[..id.len()].eq_ignore_ascii_case(id)
        && !rest.starts_with(|c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !starts {
        return format!("{folder}{to}.md");
    }
    let prefix = &stem[..id.len()];
    let new =
        if prefix != id && prefix == prefix.to_ascii_lowercase() { to.to_ascii_lowercase() } else { to.to_string() };
    format!("{folder}{new}{rest}.md")
}

/// Whether `item` names `id` anywhere (fields or body).
fn names(item: &Item, id: &str, file_name: &str, config: &Config) -> bool {
    item.written_refs().iter().any(|(_, r)| r.value == id)
        || item.sprint.as_ref().is_some_and(|s| s.value == id)
        || item.references.iter().any(|r| matches!(r, Reference::Item(x) if x.value == id))
        || item.fields.iter().any(|(k, v)| {
            config.fields.get(k).is_some_and(|f| f.ty == FieldType::Id)
                && crate::graph::field_ids(&v.value).contains(&id)
        })
        || (item.body.contains("[[") && item.body.contains(id))
        || item.body.contains(file_name)
}

/// The items whose files may name `id` (its own file included), by path.
pub fn referrers<'b>(b: &'b Backlog, id: &str) -> Vec<&'b Item> {
    let file_name = b.get(id).map(|i| i.path.rsplit('/').next().unwrap_or(&i.path).to_string());
    let file_name = file_name.unwrap_or_else(|| format!("{id}.md"));
    let mut v: Vec<&Item> = b.items.iter().filter(|i| names(i, id, &file_name, &b.config)).collect();
    v.sort_by(|a, c| a.path.cmp(&c.path));
    v
}

/// The scalars of a relation value that hold an id: list items, the `id`
/// of `{id, lag}` / `{id}` mappings; not `lag`, `url` or `title`.
fn id_scalars<'a>(n: &'a YNode, out: &mut Vec<&'a YNode>) {
    match &n.kind {
        YKind::Scalar { .. } => out.push(n),
        YKind::Seq { items, .. } => items.iter().for_each(|i| id_scalars(i, out)),
        YKind::Map { entries, .. } => {
            for (k, v) in entries {
                if k.text() == Some("id") {
                    if let YKind::Scalar { .. } = v.kind {
                        out.push(v);
                    }
                }
            }
        }
        YKind::Alias => {}
    }
}

/// Rewrites, in the file at `path` (root-relative, before the change),
/// every reference to the renamed item (a written id `is_from` accepts)
/// into `to`;
/// links to `old_file` (the renamed item's path) become links to `new_file`.
pub fn rewrite(
    text: &str,
    fields: &[String],
    is_from: &dyn Fn(&str) -> bool,
    to: &str,
    path: &str,
    old_file: &str,
    new_file: &str,
) -> Result<String, TextError> {
    let doc = Doc::parse(text)?;
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    for e in &doc.entries {
        if !fields.contains(&e.key) {
            continue;
        }
        let mut found = Vec::new();
        id_scalars(&e.node, &mut found);
        for n in found {
            if n.text().map(str::trim).is_some_and(is_from) && !n.range.is_empty() {
                edits.push((n.range.clone(), scalar::string(to, true)));
            }
        }
    }
    let body = &text[doc.body_start..];
    for (r, s) in body_links(body, is_from, to, path, old_file, new_file) {
        edits.push((doc.body_start + r.start..doc.body_start + r.end, s));
    }
    edits.sort_by_key(|(r, _)| r.start);
    let mut out = String::with_capacity(text.len() + 16 * edits.len());
    let mut at = 0;
    for (r, s) in edits {
        if r.start < at {
            continue;
        }
        out.push_str(&text[at..r.start]);
        out.push_str(&s);
        at = r.end;
    }
    out.push_str(&text[at..]);
    Ok(out)
}

/// The byte ranges (in `body`) of link targets that name `from`, and what
/// to write instead: `[[from]]`, `[[from|label]]`, `[[from#part]]`, and
/// relative links that resolve to `old_file`. Code is not touched.
fn body_links(
    body: &str,
    is_from: &dyn Fn(&str) -> bool,
    to: &str,
    path: &str,
    old_file: &str,
    new_file: &str,
) -> Vec<(Range<usize>, String)> {
    let mut out = Vec::new();
    if !body.contains("[[") && !body.contains(old_file.rsplit('/').next().unwrap_or(old_file)) {
        return out;
    }
    let old_name = old_file.rsplit('/').next().unwrap_or(old_file);
    let new_name = new_file.rsplit('/').next().unwrap_or(new_file);
    let parser = Parser::new_ext(body, crate::check::links::markdown_options()).into_offset_iter();
    for (ev, r) in parser {
        let Event::Start(Tag::Link { link_type, dest_url, .. }) = ev else { continue };
        let src = &body[r.clone()];
        match link_type {
            LinkType::WikiLink { .. } => {
                // `[[target]]`, `[[target|label]]`: the target is the first part.
                let Some(inner_at) = src.find("[[") else { continue };
                let start = inner_at + 2;
                let rest = &src[start..];
                let end = rest.find(['|', '#', ']']).unwrap_or(rest.len());
                let target = &rest[..end];
                if is_from(target.trim()) {
                    let lead = target.len() - target.trim_start().len();
                    let a = r.start + start + lead;
                    out.push((a..a + target.trim().len(), to.to_string()));
                }
            }
            LinkType::Inline | LinkType::Autolink => {
                let dest = dest_url.as_ref();
                let (file, _) = dest.split_once('#').unwrap_or((dest, ""));
                if file.is_empty() || crate::check::links::has_scheme(file) || !file.ends_with(old_name) {
                    continue;
                }
                if crate::check::links::join(path, file).as_deref() != Some(old_file) {
                    continue;
                }
                // The destination as written inside `(…)`.
                if let Some(p) = src.rfind(dest) {
                    let name_at = p + file.len() - old_name.len();
                    let a = r.start + name_at;
                    out.push((a..a + old_name.len(), new_name.to_string()));
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_every_reference_and_only_those() {
        let fields = ref_fields(&Config::default());
        let t = "---\ntitle: old is mentioned\nparent: old\ndepends_on:\n  - old\n  - { id: old, lag: 2d }\n  - other\nrelates_to: [x, \"old\"]\nreferences:\n  - { url: \"https://e.com/old\", title: old }\nlabels: [old]\n---\nSee [[old]], [[old|the old one]] and [[old#part]], [it](old.md) and [that](../stories/old.md).\n`[[old]]` stays, and so does\n\n```\n[[old]]\n```\n[[older]] too.\n";
        let is_old = |s: &str| s == "old";
        let got = rewrite(t, &fields, &is_old, "new", "stories/x.md", "stories/old.md", "stories/new.md").unwrap();
        let want = "---\ntitle: old is mentioned\nparent: new\ndepends_on:\n  - new\n  - { id: new, lag: 2d }\n  - other\nrelates_to: [x, new]\nreferences:\n  - { url: \"https://e.com/old\", title: old }\nlabels: [old]\n---\nSee [[new]], [[new|the old one]] and [[new#part]], [it](new.md) and [that](../stories/new.md).\n`[[old]]` stays, and so does\n\n```\n[[old]]\n```\n[[older]] too.\n";
        assert_eq!(got, want);
    }

    #[test]
    fn a_renamed_file_keeps_its_folder_and_the_rest_of_its_name() {
        assert_eq!(renamed_path("stories/old.md", "old", "new"), "stories/new.md");
        assert_eq!(renamed_path("old.md", "old", "new"), "new.md");
        assert_eq!(
            renamed_path("tasks/back-14 - Fix the parser.md", "BACK-14", "BACK-99"),
            "tasks/back-99 - Fix the parser.md"
        );
        assert_eq!(renamed_path("tasks/BACK-14 - Fix.md", "BACK-14", "BACK-99"), "tasks/BACK-99 - Fix.md");
        // A longer id that only starts with the old one is not it.
        assert_eq!(renamed_path("tasks/back-140 - Fix.md", "back-14", "x"), "tasks/x.md");
        assert_eq!(renamed_path("tasks/other.md", "old", "new"), "tasks/new.md");
    }
}
