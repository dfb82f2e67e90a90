//! Id equivalence (`ids.aliases` in `cairn.yml`) applied to a loaded
//! backlog's references.

use std::collections::HashMap;

use crate::config::Config;
use crate::model::{Item, Spanned};

/// Canonical spelling → the id of the first item spelled so.
fn canonical_ids<'a>(config: &Config, items: impl Iterator<Item = &'a Item>) -> HashMap<String, String> {
    let rules = &config.dialect.ids;
    let mut canon: HashMap<String, String> = HashMap::new();
    for it in items {
        canon.entry(rules.canonical(&it.id.value).into_owned()).or_insert_with(|| it.id.value.clone());
    }
    canon
}

/// Rewrites the references of `items` that name no item exactly but an
/// equal id (by `canon`) to that item's id.
fn rewrite<'a>(
    config: &Config,
    canon: &HashMap<String, String>,
    exact: &dyn Fn(&str) -> bool,
    items: impl Iterator<Item = &'a mut Item>,
) {
    let rules = &config.dialect.ids;
    let fix = |s: &mut Spanned<String>| {
        if !exact(&s.value) {
            if let Some(id) = canon.get(rules.canonical(&s.value).as_ref()) {
                s.value = id.clone();
            }
        }
    };
    for it in items {
        it.parent.iter_mut().chain(it.sprint.iter_mut()).chain(it.duplicates.iter_mut()).for_each(fix);
        it.blocks.iter_mut().chain(it.relates_to.iter_mut()).for_each(fix);
        it.depends_on.iter_mut().for_each(|d| fix(&mut d.id));
        for r in it.references.iter_mut() {
            if let crate::model::Reference::Item(id) = r {
                fix(id);
            }
        }
    }
}

/// `ids.aliases`: a reference written with an equal id (`task-7` for the
/// item `BACK-7`) is a reference to that item. Linear: one map from the
/// canonical spelling to the item's id.
pub(super) fn follow_id_aliases(config: &Config, items: &mut [Item], index: &crate::util::StrMap<usize>) {
    let canon = canonical_ids(config, items.iter());
    rewrite(config, &canon, &|id| index.contains_key(id), items.iter_mut());
}

/// [`follow_id_aliases`] for items about to join `backlog` (an edit's
/// freshly parsed files): their references follow equal ids of the
/// backlog's items and of each other. Nothing without `ids.aliases`.
pub fn follow_ids_into(backlog: &crate::load::Backlog, items: &mut [&mut Item]) {
    let config = &backlog.config;
    if !config.dialect.ids.active() || items.is_empty() {
        return;
    }
    let canon = canonical_ids(config, backlog.items.iter().chain(items.iter().map(|i| &**i)));
    let own: std::collections::HashSet<String> = items.iter().map(|i| i.id.value.clone()).collect();
    let exact = |id: &str| backlog.index.contains_key(id) || own.contains(id);
    rewrite(config, &canon, &exact, items.iter_mut().map(|i| &mut **i));
}
