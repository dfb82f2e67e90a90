//! The rules about single items that read the backlog's state and, for
//! W022, the date: W020 blocked work, W021 a dependency planned in a later
//! sprint, W022 overdue (only when "today" is known: the HEAD commit's
//! date), W023 an open duplicate.
//!
//! The predicates are public: `metrics::insights` builds its findings from
//! the same ones (`metrics` imports `check`, never the other way round).

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::config::Category;
use crate::diag::Diagnostic;
use crate::load::sprints::sprints;
use crate::load::Backlog;
use crate::model::Item;

/// The category of an item's status, if the status is known.
pub fn category(b: &Backlog, it: &Item) -> Option<Category> {
    b.category(it)
}

/// Open: to do or in progress.
pub fn open(b: &Backlog, it: &Item) -> bool {
    matches!(category(b, it), Some(Category::Todo | Category::Doing))
}

/// Work items, once per id.
pub fn work(b: &Backlog) -> impl Iterator<Item = (usize, &Item)> {
    b.items.iter().enumerate().filter(move |(i, it)| b.config.is_work(it.kind()) && b.index.get(it.id()) == Some(i))
}

/// Dependencies of an open item that are not done (it waits on them).
pub fn open_dependencies<'a>(b: &'a Backlog, it: &'a Item) -> Vec<&'a str> {
    if !open(b, it) {
        return Vec::new();
    }
    it.depends_on
        .iter()
        .filter(|d| b.get(&d.id.value).is_some_and(|x| !b.is_done(x)))
        .map(|d| d.id.value.as_str())
        .collect()
}

/// Open dependencies of a `doing` item.
pub fn blocked_by<'a>(b: &'a Backlog, it: &'a Item) -> Vec<&'a str> {
    if category(b, it) != Some(Category::Doing) {
        return Vec::new();
    }
    open_dependencies(b, it)
}

/// Dependencies (not done) planned in a sprint that starts after the item's sprint.
pub fn later_sprint_deps<'a>(
    b: &'a Backlog,
    it: &'a Item,
    starts: &HashMap<&str, NaiveDate>,
) -> Vec<(&'a str, &'a str)> {
    let Some(mine) = it.sprint.as_ref().and_then(|s| starts.get(s.value.as_str())) else { return Vec::new() };
    if !open(b, it) {
        return Vec::new();
    }
    it.depends_on
        .iter()
        .filter_map(|d| {
            let x = b.get(&d.id.value)?;
            let s = x.sprint.as_ref()?;
            let theirs = starts.get(s.value.as_str())?;
            (theirs > mine && !b.is_done(x)).then_some((d.id.value.as_str(), s.value.as_str()))
        })
        .collect()
}

/// Open, with `due` before `today`.
pub fn overdue(b: &Backlog, it: &Item, today: NaiveDate) -> bool {
    open(b, it) && it.due.as_ref().is_some_and(|d| d.value < today)
}

/// Marked as the duplicate of a known other item, and still open.
pub fn open_duplicate(b: &Backlog, it: &Item) -> bool {
    // A self-duplicate or an unknown id is an error of its own (E025, E020).
    it.duplicates.as_ref().is_some_and(|d| d.value != it.id() && b.index.contains_key(d.value.as_str())) && open(b, it)
}

/// Open, with `ml:` and an ethical review neither approved nor not required.
pub fn ml_unreviewed(b: &Backlog, it: &Item) -> bool {
    let Some(m) = it.ml.as_ref() else { return false };
    let review = m.get("ethical_review").and_then(|v| v.as_str());
    open(b, it) && !matches!(review, Some("approved" | "not_required"))
}

/// The start date of each sprint with both dates.
pub fn starts(b: &Backlog) -> HashMap<&str, NaiveDate> {
    sprints(b).into_iter().filter_map(|s| Some((b.items.get(s.index)?.id(), s.start))).collect()
}

/// The `cairn check` warnings about single items (W020–W023). `today`
/// (the HEAD commit's date) enables W022; without it, overdue is skipped.
pub fn warnings(b: &Backlog, today: Option<NaiveDate>, out: &mut Vec<Diagnostic>) {
    let starts = starts(b);
    for (_, it) in work(b) {
        let deps = blocked_by(b, it);
        if !deps.is_empty() {
            out.push(
                Diagnostic::new(
                    "W020",
                    &it.path,
                    it.key_span("depends_on"),
                    format!(
                        "`{}` is in progress but depends on {} that {} not done",
                        it.id(),
                        list(&deps),
                        if deps.len() == 1 { "is" } else { "are" }
                    ),
                )
                .with_id(it.id())
                .with_help("finish the dependency first, or move this item back to a to-do status"),
            );
        }
        for (dep, sprint) in later_sprint_deps(b, it, &starts) {
            let mine = it.sprint.as_ref().map(|s| s.value.as_str()).unwrap_or("");
            out.push(
                Diagnostic::new(
                    "W021",
                    &it.path,
                    it.key_span("sprint"),
                    format!(
                        "`{}` is planned in `{mine}` but depends on `{dep}`, planned in the later `{sprint}`",
                        it.id()
                    ),
                )
                .with_id(it.id())
                .with_help("move the dependency to an earlier sprint, or this item to a later one"),
            );
        }
        if let Some(t) = today {
            overdue_warning(b, it, t, out);
        }
        if open_duplicate(b, it) {
            let of = it.duplicates.as_ref().map(|d| d.value.as_str()).unwrap_or("");
            out.push(
                Diagnostic::new(
                    "W023",
                    &it.path,
                    it.key_span("duplicates"),
                    format!("`{}` duplicates `{of}` but is still open", it.id()),
                )
                .with_id(it.id())
                .with_help("close it (e.g. status `cancelled`) or remove `duplicates`"),
            );
        }
    }
}

/// W022 for every open work item due before `today` (the HEAD commit's date).
pub fn overdue_warnings(b: &Backlog, today: NaiveDate, out: &mut Vec<Diagnostic>) {
    for (_, it) in work(b) {
        overdue_warning(b, it, today, out);
    }
}

fn overdue_warning(b: &Backlog, it: &Item, t: NaiveDate, out: &mut Vec<Diagnostic>) {
    if overdue(b, it, t) {
        let due = it.due.as_ref().map(|d| d.value.to_string()).unwrap_or_default();
        out.push(
            Diagnostic::new(
                "W022",
                &it.path,
                it.key_span("due"),
                format!("`{}` is overdue: due {due}, still open on {t}", it.id()),
            )
            .with_id(it.id()),
        );
    }
}

fn list(ids: &[&str]) -> String {
    ids.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
}
