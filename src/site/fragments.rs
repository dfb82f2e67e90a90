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
//!
//! The last build's fragments are not copied one by one: they stay in one
//! text, the **store** (`engine::persist` keeps it in a file of its own and
//! only appends the new ones to it), and each is a range of it with the
//! CRC-32 its bytes had when written; a range whose bytes no longer match
//! is rendered again.
//!
//! Beside the fragments, the **orders** of the lists: a list's order of
//! items (the backlog's rank) with a signature of everything the order is
//! computed from, made again only when that signature changed.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Where a fragment's bytes are.
#[derive(Clone, Debug, PartialEq)]
pub enum Bytes {
    /// `store[off..off + len]`, whose CRC-32 was `crc` when written.
    Stored { off: usize, len: usize, crc: u32 },
    /// Rendered by this build (not in a store yet).
    New(Arc<str>),
}

/// One item's fragment of a list: the signature it was rendered for, and its bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct Frag {
    pub sig: u64,
    pub bytes: Bytes,
}

/// One list's fragments: item id → fragment.
pub type List = crate::util::StrMap<Frag>;

/// A list's order of items (their indices in the backlog), with the
/// signature of what it was computed from.
#[derive(Clone, Debug, PartialEq)]
pub struct Order {
    pub sig: u64,
    pub items: Vec<u32>,
}

/// Fragments by list (`backlog_row|`, `card|../`, `items_json`), the
/// store their [`Bytes::Stored`] ranges are in, and the lists' orders by
/// name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fragments {
    pub store: Arc<String>,
    pub lists: BTreeMap<String, List>,
    pub orders: BTreeMap<String, Order>,
}

impl Fragments {
    /// Number of fragments in all lists.
    pub fn len(&self) -> usize {
        self.lists.values().map(HashMap::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes of a fragment, if its range is in the store and still
    /// holds what was written there.
    pub fn bytes<'s>(&'s self, f: &'s Frag) -> Option<Piece<'s>> {
        match &f.bytes {
            Bytes::Stored { off, len, crc } => {
                let s = self.store.get(*off..off.checked_add(*len)?)?;
                (crc32fast::hash(s.as_bytes()) == *crc).then_some(Piece::Stored(s))
            }
            Bytes::New(s) => Some(Piece::New(s.clone())),
        }
    }
}

/// A fragment's text: a range of the store, or newly rendered.
#[derive(Clone, Debug)]
pub enum Piece<'s> {
    Stored(&'s str),
    New(Arc<str>),
}

impl AsRef<str> for Piece<'_> {
    fn as_ref(&self) -> &str {
        match self {
            Piece::Stored(s) => s,
            Piece::New(s) => s,
        }
    }
}

/// The fragments a build may reuse and those it rendered.
#[derive(Debug, Default)]
pub struct Cache {
    prev: Fragments,
    /// The fragments rendered (kept ones are the last build's, as they
    /// are in `prev`); `None`: none are kept (a build whose caller does
    /// not keep them: `site::render`, `serve`'s fast builds).
    next: Option<Mutex<BTreeMap<String, List>>>,
    /// The orders computed (kept ones stay in `prev`).
    orders: Mutex<BTreeMap<String, Order>>,
    /// Fragments rendered, and asked for.
    rendered: AtomicUsize,
    asked: AtomicUsize,
}

impl Cache {
    /// Reuses `prev` and keeps what this build uses, for the next one.
    pub fn keeping(prev: Fragments) -> Cache {
        Cache { prev, next: Some(Mutex::new(BTreeMap::new())), ..Cache::default() }
    }

    /// `(rendered, asked for)` fragments so far.
    pub fn counts(&self) -> (usize, usize) {
        (self.rendered.load(Ordering::Relaxed), self.asked.load(Ordering::Relaxed))
    }

    /// Whether the fragments used are kept (else signatures do not matter).
    pub fn keeps(&self) -> bool {
        self.next.is_some()
    }

    /// The fragments for the next build (empty unless [`Cache::keeping`]):
    /// the last build's, with those this build rendered in place of
    /// theirs, but those of items `live` no longer has; with the store the
    /// last build's are in. A fragment this build asked for and did not
    /// render is the last build's; one it did not ask for (a site-wide
    /// page that was not rendered again, its file kept) stays for the
    /// build that renders it. Moved, not copied: 30,000 fragments at
    /// 10,000 items.
    pub fn take(&mut self, live: impl Fn(&str) -> bool) -> Fragments {
        let Some(m) = self.next.take() else { return Fragments::default() };
        let new = m.into_inner().unwrap_or_else(|e| e.into_inner());
        let mut lists = std::mem::take(&mut self.prev.lists);
        for (name, l) in new {
            lists.entry(name).or_default().extend(l);
        }
        for l in lists.values_mut() {
            l.retain(|id, _| live(id));
        }
        lists.retain(|_, l| !l.is_empty());
        let mut orders = std::mem::take(&mut self.prev.orders);
        orders.append(&mut self.orders.lock().unwrap_or_else(|e| e.into_inner()));
        Fragments { store: self.prev.store.clone(), lists, orders }
    }

    /// The order named `name` of the `n` items of the backlog: the last
    /// build's when its signature is `sig` (the caller's signature of
    /// everything `make` reads), else `make()`, kept for the next build.
    /// A cache that keeps nothing (`site::render`): `make()` alone.
    pub fn order(
        &self,
        name: &str,
        sig: impl FnOnce() -> u64,
        n: usize,
        make: impl FnOnce() -> Vec<usize>,
    ) -> Vec<usize> {
        if !self.keeps() {
            return make();
        }
        let sig = sig();
        if let Some(o) = self.prev.orders.get(name).filter(|o| o.sig == sig) {
            // Indices of a backlog of another size cannot share the
            // signature; checked all the same (no index out of range).
            let items: Vec<usize> = o.items.iter().map(|&i| i as usize).collect();
            if items.iter().all(|&i| i < n) {
                return items;
            }
        }
        let items = make();
        if let Ok(kept) = items.iter().map(|&i| u32::try_from(i)).collect::<Result<Vec<u32>, _>>() {
            let mut orders = self.orders.lock().unwrap_or_else(|e| e.into_inner());
            orders.insert(name.to_string(), Order { sig, items: kept });
        }
        items
    }

    /// The positions in `items` of the fragments [`Cache::get`] would
    /// render (none of the last build's with that signature): to make
    /// their inputs beforehand, in parallel.
    ///
    /// The bytes of the last build's are not checked here ([`Cache::get`]
    /// checks them, and renders one whose bytes changed without its input
    /// made beforehand): 6 MB of `items.json` checked once, not twice.
    pub fn missing(&self, list: &str, items: &[(&str, u64)]) -> Vec<usize> {
        let prev = self.prev.lists.get(list);
        (0..items.len())
            .filter(|&k| {
                let (id, sig) = items[k];
                prev.and_then(|l| l.get(id)).is_none_or(|f| f.sig != sig)
            })
            .collect()
    }

    /// The fragments of `items` (`(id, signature)` each) in their order:
    /// the last build's where the signature is the same, else `render(k)`
    /// for the `k`-th item.
    pub fn get<E>(
        &self,
        list: &str,
        items: &[(&str, u64)],
        mut render: impl FnMut(usize) -> Result<String, E>,
    ) -> Result<Vec<Piece<'_>>, E> {
        let prev = self.prev.lists.get(list);
        let mut out = Vec::with_capacity(items.len());
        let mut made: Vec<(usize, Arc<str>)> = Vec::new();
        for (k, (id, sig)) in items.iter().enumerate() {
            let old = prev.and_then(|l| l.get(*id)).filter(|f| f.sig == *sig);
            match old.and_then(|f| self.prev.bytes(f)) {
                Some(piece) => out.push(piece),
                None => {
                    let s: Arc<str> = Arc::from(render(k)?);
                    if self.next.is_some() {
                        made.push((k, s.clone()));
                    }
                    out.push(Piece::New(s));
                }
            }
        }
        self.rendered.fetch_add(made.len(), Ordering::Relaxed);
        self.asked.fetch_add(items.len(), Ordering::Relaxed);
        if let (Some(next), false) = (&self.next, made.is_empty()) {
            let mut next = next.lock().unwrap_or_else(|e| e.into_inner());
            let l = next.entry(list.to_string()).or_default();
            for (k, s) in made {
                let (id, sig) = items[k];
                l.insert(id.to_string(), Frag { sig, bytes: Bytes::New(s) });
            }
        }
        Ok(out)
    }
}

/// The fragments joined, as one string.
pub fn concat<S: AsRef<str>>(frags: &[S]) -> String {
    let mut s = String::with_capacity(frags.iter().map(|f| f.as_ref().len()).sum());
    frags.iter().for_each(|f| s.push_str(f.as_ref()));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fragments as the next build reads them: every new one appended to
    /// the store (what `engine::persist` does with the file).
    fn stored(f: Fragments) -> Fragments {
        let mut store = f.store.to_string();
        let mut lists = BTreeMap::new();
        for (name, list) in f.lists {
            let mut l: Vec<_> = list.into_iter().collect();
            l.sort_by(|a, b| a.0.cmp(&b.0));
            let mut out = List::default();
            for (id, fr) in l {
                let bytes = match fr.bytes {
                    Bytes::New(s) => {
                        let off = store.len();
                        store.push_str(&s);
                        Bytes::Stored { off, len: s.len(), crc: crc32fast::hash(s.as_bytes()) }
                    }
                    b => b,
                };
                out.insert(id, Frag { sig: fr.sig, bytes });
            }
            lists.insert(name, out);
        }
        Fragments { store: store.into(), lists, orders: f.orders }
    }

    #[test]
    fn only_the_fragments_whose_signature_changed_are_rendered() {
        let mut first = Cache::keeping(Fragments::default());
        let items = [("a", 1), ("b", 2), ("c", 3)];
        let got = first.get::<()>("l", &items, |k| Ok(format!("<{}>", items[k].0))).unwrap();
        assert_eq!(concat(&got), "<a><b><c>");
        drop(got);
        let kept = stored(first.take(|_| true));
        assert_eq!(kept.len(), 3);
        assert_eq!(&*kept.store, "<a><b><c>");
        // b's signature changed, d is new, c is gone.
        let mut second = Cache::keeping(kept.clone());
        let items = [("a", 1), ("b", 9), ("d", 4)];
        assert_eq!(second.missing("l", &items), [1, 2], "b's signature changed, d is new");
        let mut rendered = Vec::new();
        let got = second
            .get::<()>("l", &items, |k| {
                rendered.push(items[k].0);
                Ok(format!("[{}]", items[k].0))
            })
            .unwrap();
        assert_eq!(concat(&got), "<a>[b][d]");
        drop(got);
        assert_eq!(rendered, ["b", "d"]);
        assert_eq!(second.counts(), (2, 3));
        // c is gone from the backlog: its fragment is not kept.
        let next = stored(second.take(|id| id != "c"));
        let mut ids: Vec<&String> = next.lists["l"].keys().collect();
        ids.sort();
        assert_eq!(ids, ["a", "b", "d"]);
        // The new ones were appended; a's range is the first build's.
        assert_eq!(&*next.store, "<a><b><c>[b][d]");
        // A build that asks for none of them (the page is kept) keeps
        // them all for the next one, but those of items now gone.
        let mut idle = Cache::keeping(next.clone());
        let carried = idle.take(|id| id != "d");
        let mut ids: Vec<&String> = carried.lists["l"].keys().collect();
        ids.sort();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(carried.lists["l"]["a"], next.lists["l"]["a"]);
        assert_eq!(idle.counts(), (0, 0));
        let third = Cache::keeping(next);
        let got = third.get::<()>("l", &items, |_| Err(())).unwrap();
        assert_eq!(concat(&got), "<a>[b][d]");
        // A store whose bytes changed under a range: that one is rendered again.
        let mut bad = kept;
        bad.store = Arc::new("<a><X><c>".to_string());
        let fourth = Cache::keeping(bad);
        let items = [("a", 1), ("b", 2)];
        let got = fourth.get::<()>("l", &items, |k| Ok(format!("({})", items[k].0))).unwrap();
        assert_eq!(concat(&got), "<a>(b)");
        // A cache that keeps nothing renders everything and keeps nothing.
        let mut plain = Cache::default();
        let items = [("a", 1), ("b", 9), ("d", 4)];
        let got = plain.get::<()>("l", &items, |k| Ok(items[k].0.to_string())).unwrap();
        assert_eq!(concat(&got), "abd");
        assert!(plain.take(|_| true).is_empty());
    }

    #[test]
    fn an_order_is_made_again_only_when_its_signature_changed() {
        let made = std::cell::Cell::new(0);
        let make = |v: Vec<usize>| {
            made.set(made.get() + 1);
            v
        };
        let mut first = Cache::keeping(Fragments::default());
        assert_eq!(first.order("o", || 1, 3, || make(vec![2, 0, 1])), [2, 0, 1]);
        let kept = first.take(|_| true);
        assert_eq!(kept.orders["o"], Order { sig: 1, items: vec![2, 0, 1] });
        // Same signature: the kept order, not made.
        let mut second = Cache::keeping(kept.clone());
        assert_eq!(second.order("o", || 1, 3, || make(vec![0, 1, 2])), [2, 0, 1]);
        assert_eq!(made.get(), 1);
        // One not asked for is carried to the next build.
        assert_eq!(second.take(|_| true).orders, kept.orders);
        // Another signature: made again, and that one kept.
        let mut third = Cache::keeping(kept.clone());
        assert_eq!(third.order("o", || 2, 3, || make(vec![0, 1, 2])), [0, 1, 2]);
        assert_eq!(made.get(), 2);
        assert_eq!(third.take(|_| true).orders["o"], Order { sig: 2, items: vec![0, 1, 2] });
        // An index out of range (a damaged state) is not used.
        let fourth = Cache::keeping(kept);
        assert_eq!(fourth.order("o", || 1, 2, || make(vec![1, 0])), [1, 0]);
        // A cache that keeps nothing makes the order and keeps nothing.
        let mut plain = Cache::default();
        assert_eq!(plain.order("o", || unreachable!("no signature needed"), 1, || vec![0]), [0]);
        assert!(plain.take(|_| true).orders.is_empty());
    }
}
