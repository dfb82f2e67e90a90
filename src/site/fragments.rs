//! Per-item fragments of the pages that list every item: a row of the
//! backlog table, a card of the boards, an entry of `api/v1/items.json`.
//!
//! Those pages are the page's own markup around the concatenated fragments
//! of their items, in the page's order. A fragment is a function of the
//! item's card (or item object) and of the templates alone, so it is keyed
//! by the item's id and a signature of that card or object: a build that
//! is given the fragments of the last one (same templates, same cairn:
//! `engine` only hands them over when its global key is unchanged) renders
//! only the fragments of items whose signature changed, and every build
//! renders the pages this one way.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// One list's fragments: item id → (signature, bytes).
pub type List = HashMap<String, (u64, Arc<str>)>;

/// Fragments by list (`backlog_row`, `card`, `items_json`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fragments {
    pub lists: BTreeMap<String, List>,
}

impl Fragments {
    /// Number of fragments in all lists.
    pub fn len(&self) -> usize {
        self.lists.values().map(HashMap::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The fragments a build may reuse and those it used.
#[derive(Debug, Default)]
pub struct Cache {
    prev: Fragments,
    /// `None`: the fragments used are not kept (a build whose caller does
    /// not save them: `serve`, `site::render`).
    next: Option<Mutex<Fragments>>,
    /// Fragments rendered, and asked for.
    rendered: AtomicUsize,
    asked: AtomicUsize,
}

impl Cache {
    /// Reuses `prev` and keeps what this build uses, for the next one.
    pub fn keeping(prev: Fragments) -> Cache {
        Cache { prev, next: Some(Mutex::new(Fragments::default())), ..Cache::default() }
    }

    /// `(rendered, asked for)` fragments so far.
    pub fn counts(&self) -> (usize, usize) {
        (self.rendered.load(Ordering::Relaxed), self.asked.load(Ordering::Relaxed))
    }

    /// Whether the fragments used are kept (else signatures do not matter).
    pub fn keeps(&self) -> bool {
        self.next.is_some()
    }

    /// The fragments this build used (empty unless [`Cache::keeping`]).
    pub fn take(&self) -> Fragments {
        match &self.next {
            Some(m) => std::mem::take(&mut *m.lock().unwrap_or_else(|e| e.into_inner())),
            None => Fragments::default(),
        }
    }

    /// The fragments of `items` (`(id, signature)` each) in their order:
    /// the last build's where the signature is the same, else `render(k)`
    /// for the `k`-th item.
    pub fn get<E>(
        &self,
        list: &str,
        items: &[(&str, u64)],
        mut render: impl FnMut(usize) -> Result<String, E>,
    ) -> Result<Vec<Arc<str>>, E> {
        let prev = self.prev.lists.get(list);
        let mut out = Vec::with_capacity(items.len());
        let mut rendered = 0;
        for (k, (id, sig)) in items.iter().enumerate() {
            match prev.and_then(|l| l.get(*id)).filter(|(s, _)| s == sig) {
                Some((_, f)) => out.push(f.clone()),
                None => {
                    out.push(Arc::from(render(k)?));
                    rendered += 1;
                }
            }
        }
        self.rendered.fetch_add(rendered, Ordering::Relaxed);
        self.asked.fetch_add(items.len(), Ordering::Relaxed);
        if let Some(next) = &self.next {
            let mut next = next.lock().unwrap_or_else(|e| e.into_inner());
            let l = next.lists.entry(list.to_string()).or_default();
            l.reserve(items.len());
            for ((id, sig), f) in items.iter().zip(&out) {
                l.insert((*id).to_string(), (*sig, f.clone()));
            }
        }
        Ok(out)
    }
}

/// The fragments joined, as one string.
pub fn concat(frags: &[Arc<str>]) -> String {
    let mut s = String::with_capacity(frags.iter().map(|f| f.len()).sum());
    frags.iter().for_each(|f| s.push_str(f));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_fragments_whose_signature_changed_are_rendered() {
        let first = Cache::keeping(Fragments::default());
        let items = [("a", 1), ("b", 2), ("c", 3)];
        let got = first.get::<()>("l", &items, |k| Ok(format!("<{}>", items[k].0))).unwrap();
        assert_eq!(concat(&got), "<a><b><c>");
        let kept = first.take();
        assert_eq!(kept.len(), 3);
        // b's signature changed, d is new, c is gone.
        let second = Cache::keeping(kept);
        let items = [("a", 1), ("b", 9), ("d", 4)];
        let mut rendered = Vec::new();
        let got = second
            .get::<()>("l", &items, |k| {
                rendered.push(items[k].0);
                Ok(format!("[{}]", items[k].0))
            })
            .unwrap();
        assert_eq!(concat(&got), "<a>[b][d]");
        assert_eq!(rendered, ["b", "d"]);
        assert_eq!(second.counts(), (2, 3));
        let kept = second.take();
        let mut ids: Vec<&String> = kept.lists["l"].keys().collect();
        ids.sort();
        assert_eq!(ids, ["a", "b", "d"]);
        // A cache that keeps nothing renders everything and keeps nothing.
        let plain = Cache::default();
        let got = plain.get::<()>("l", &items, |k| Ok(items[k].0.to_string())).unwrap();
        assert_eq!(concat(&got), "abd");
        assert!(plain.take().is_empty());
    }
}
