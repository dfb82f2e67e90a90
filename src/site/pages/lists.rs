//! The lists of every item on the site-wide pages — the backlog's rows,
//! the boards' cards, `api/v1/items.json` — rendered from per-item
//! fragments (see `site::fragments`): each a macro of `macros.html` for one
//! card, or one item object, kept between builds by their signatures.

use minijinja::{Environment, Value};
use rayon::prelude::*;

use super::Shared;
use crate::site::{api, fragments, SiteError};
use crate::util::hash_bytes;

/// The embedded `macros.html`, for a backlog whose own `macros.html` (an
/// override from before a macro existed) lacks one the embedded pages call.
pub const EMBEDDED_MACROS: &str = "cairn/macros.html";

/// A signature of a card: every field, hashed as it is (not through its
/// `Debug` form: 10,000 cards a build).
fn card_sig(c: &crate::site::context::Card) -> u64 {
    use std::hash::{Hash, Hasher};
    // Destructured so that a new field cannot be forgotten here.
    let crate::site::context::Card {
        id,
        kind,
        kind_label,
        title,
        status,
        status_label,
        category,
        priority,
        priority_rank,
        assignee,
        estimate,
        sprint,
        sprint_url,
        parent,
        parent_url,
        labels,
        url,
        blocked,
        due,
        overdue,
        path,
        is_work,
    } = c;
    let mut h = crate::util::hasher();
    (id, kind, kind_label, title, status, status_label, category, priority, priority_rank).hash(&mut h);
    (assignee, sprint, sprint_url, parent, parent_url, labels, url, blocked, due, overdue, path, is_work).hash(&mut h);
    // A number as JSON writes it (`Value` has no `Hash`).
    estimate.as_ref().map(|v| v.to_string()).hash(&mut h);
    h.finish()
}

impl Shared<'_> {
    /// A signature of every item's card (its `Debug` form), computed
    /// once (see [`Shared::prepare`]).
    pub fn card_sigs(&self) -> &[u64] {
        self.card_sigs.get_or_init(|| self.cards.iter().map(|c| card_sig(c)).collect())
    }

    /// The item object of every item that is its id's own (`None` for a
    /// duplicate id) as one line of JSON (its `items.json` entry) with a
    /// signature of it, computed once (see [`Shared::prepare`]). Kept as
    /// text, not as a `serde_json::Value`: a tenth of the memory (5 kB an
    /// item less, half a gigabyte at 100,000 items).
    pub fn objects(&self) -> &[Option<super::ObjectLine>] {
        self.objects.get_or_init(|| (0..self.b.items.len()).map(|i| self.object(i)).collect())
    }

    /// A signature of everything item `i`'s item object is made of (`None`
    /// for a duplicate id), computed without making the object: the parsed
    /// item (its [`crate::model::Item::source`], else its `Debug` form), its derived
    /// history values, and every edge it has, both ways, with its type and
    /// the other end's id, in the order of the other ends' indices (the
    /// order an object lists related ids in; indices themselves are left
    /// out, so an item added elsewhere changes no signature). The configuration (status categories) is in the build's
    /// global key. Equal signatures, equal objects: the signature keys the
    /// `items.json` fragments and the item's state between builds, so only
    /// the objects of items whose signature changed are made.
    fn object_sig(&self, i: usize) -> Option<u64> {
        use std::fmt::Write;
        let (b, g) = (self.b, self.g);
        let it = &b.items[i];
        if b.index.get(it.id()) != Some(&i) {
            return None;
        }
        let mut h = crate::util::HashWriter::default();
        // The parsed item is its file's text and path ([`crate::model::Item::source`]),
        // unless `ids.aliases` rewrote its references or it was not read
        // from a file: then every field, by its `Debug` form.
        if it.source != 0 && !b.config.dialect.ids.active() {
            h.bytes(&[0]);
            h.u64(it.source);
        } else {
            h.bytes(&[1]);
            let _ = write!(h, "{it:?}");
        }
        match self.inp.derived.get(it.id()) {
            Some(d) => {
                h.bytes(&[1]);
                let _ = write!(h, "{d:?}");
                h.bytes(&[0]);
            }
            None => h.bytes(&[0]),
        }
        let mut edges: Vec<(bool, &str, usize)> = g.out[i]
            .iter()
            .map(|&e| (true, g.edges[e].ty.name(), g.edges[e].to))
            .chain(g.inc[i].iter().map(|&e| (false, g.edges[e].ty.name(), g.edges[e].from)))
            .collect();
        edges.sort_unstable();
        h.u64(edges.len() as u64);
        for (out, ty, j) in edges {
            h.bytes(&[u8::from(out)]);
            h.text(ty);
            h.text(b.items[j].id());
        }
        Some(h.finish())
    }

    /// [`Shared::object_sig`] of every item, computed once (see
    /// [`Shared::prepare`]).
    pub fn object_sigs(&self) -> &[Option<u64>] {
        self.object_sigs.get_or_init(|| (0..self.b.items.len()).map(|i| self.object_sig(i)).collect())
    }

    /// The item object of item `i` as its `items.json` line (`None` for a
    /// duplicate id): the one of [`Shared::objects`] if they were made.
    pub fn object_line(&self, i: usize) -> Option<std::sync::Arc<str>> {
        match self.objects.get() {
            Some(v) => v.get(i)?.as_ref().map(|(o, _)| o.clone()),
            None => self.object(i).map(|(o, _)| o),
        }
    }

    fn object(&self, i: usize) -> Option<super::ObjectLine> {
        let b = self.b;
        let it = &b.items[i];
        if b.index.get(it.id()) != Some(&i) {
            return None;
        }
        let obj = crate::query::item_object(b, self.g, i, self.inp.derived.get(it.id()));
        let json = api::item_entry(&obj);
        let sig = hash_bytes(&[json.as_bytes()]);
        Some((json.into(), sig))
    }

    /// Computes [`Shared::card_sigs`] and [`Shared::object_sigs`] in
    /// parallel (not the objects: `items.json` makes those of the items
    /// whose fragment it renders). Call it before rendering in parallel:
    /// the lazy ones are sequential (a lazy value computed with rayon from
    /// inside a rayon job can run another job on the same thread that
    /// waits for it).
    pub fn prepare(&self) {
        if self.card_sigs.get().is_none() {
            let v: Vec<u64> = self.cards.par_iter().with_min_len(256).map(|c| card_sig(c)).collect();
            let _ = self.card_sigs.set(v);
        }
        if self.object_sigs.get().is_none() {
            let v: Vec<_> =
                (0..self.b.items.len()).into_par_iter().with_min_len(64).map(|i| self.object_sig(i)).collect();
            let _ = self.object_sigs.set(v);
        }
    }

    /// Whether template `tmpl` reads `var` (a page the backlog overrides
    /// may not: it then gets no fragments).
    pub(super) fn reads(env: &Environment, tmpl: &str, var: &str) -> bool {
        env.get_template(tmpl).is_ok_and(|t| t.source().contains(var))
    }

    /// The markup of macro `name` of `macros.html` for the cards of `ids`
    /// on a page at `root`, joined (a safe string).
    pub(super) fn macro_list(
        &self,
        env: &Environment,
        name: &str,
        root: &str,
        ids: &[usize],
    ) -> Result<Value, SiteError> {
        let own = env.get_template("macros.html").is_ok_and(|t| t.source().contains(&format!("macro {name}(")));
        let tmpl = if own { "macros.html" } else { EMBEDDED_MACROS };
        let err = |e: minijinja::Error| SiteError::template(tmpl, &e);
        // Signatures only matter to a cache that keeps fragments.
        let sigs = if self.frags.keeps() { self.card_sigs() } else { &[] };
        let items: Vec<(&str, u64)> =
            ids.iter().map(|&i| (self.b.items[i].id(), sigs.get(i).copied().unwrap_or(0))).collect();
        let captured = env.get_template(tmpl).and_then(|t| t.render_captured(())).map_err(err)?;
        let state = captured.state();
        let root_v = Value::from(root);
        let list = format!("{name}|{root}");
        let frags = self
            .frags
            .get(&list, &items, |k| state.call_macro(name, &[self.card(ids[k]), root_v.clone()]).map_err(err))?;
        Ok(Value::from_safe_string(fragments::concat(&frags)))
    }

    /// `api/v1/items.json`: the item object of every item with a page.
    /// With a cache that keeps fragments, each is keyed by the item's
    /// [`Shared::object_sig`] and only the objects of the fragments to
    /// render are made; else every object is.
    pub(super) fn items_json(&self) -> Result<Vec<u8>, SiteError> {
        let b = self.b;
        let canonical = |i: usize| b.index.get(b.items[i].id()) == Some(&i);
        let shown: Vec<(usize, &str, u64)> = if self.frags.keeps() {
            let sigs = self.object_sigs();
            (0..b.items.len())
                .filter(|&i| self.urls[i].is_some())
                .filter_map(|i| sigs[i].map(|sig| (i, b.items[i].id(), sig)))
                .collect()
        } else {
            (0..b.items.len())
                .filter(|&i| self.urls[i].is_some() && canonical(i))
                .map(|i| (i, b.items[i].id(), 0))
                .collect()
        };
        let items: Vec<(&str, u64)> = shown.iter().map(|&(_, id, sig)| (id, sig)).collect();
        // The objects of the fragments to render, made in parallel first
        // (every one in a full build).
        let missing = self.frags.missing("items_json", &items);
        let made: std::collections::HashMap<usize, Option<std::sync::Arc<str>>> =
            missing.par_iter().with_min_len(64).map(|&k| (k, self.object_line(shown[k].0))).collect();
        let frags = self
            .frags
            .get::<std::convert::Infallible>("items_json", &items, |k| {
                let line = match made.get(&k) {
                    Some(l) => l.clone(),
                    None => self.object_line(shown[k].0),
                };
                Ok(line.map(|o| o.to_string()).unwrap_or_default())
            })
            .unwrap_or_default();
        api::items_json(&frags).map_err(|message| SiteError::Memory { path: "api/v1/items.json".to_string(), message })
    }
}
