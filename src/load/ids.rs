//! Id equivalence (`ids.aliases` in `cairn.yml`) applied to a loaded
//! backlog's references.

use std::collections::HashMap;

use crate::config::Config;
use crate::model::Item;

/// `ids.aliases`: a reference written with an equal id (`task-7` for the
/// item `BACK-7`) is a reference to that item. Linear: one map from the
/// canonical spelling to the item's id.
pub(super) fn follow_id_aliases(config: &Config, items: &mut [Item], index: &HashMap<String, usize>) {
    let rules = &config.dialect.ids;
    let mut canon: HashMap<String, String> = HashMap::with_capacity(items.len());
    for it in items.iter() {
        canon.entry(rules.canonical(&it.id.value).into_owned()).or_insert_with(|| it.id.value.clone());
    }
    let fix = |s: &mut crate::model::Spanned<String>| {
        if !index.contains_key(&s.value) {
            if let Some(id) = canon.get(rules.canonical(&s.value).as_ref()) {
                s.value = id.clone();
            }
        }
    };
    for it in items.iter_mut() {
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
