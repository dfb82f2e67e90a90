//! What every page shares: an item's card (what boards, tables and lists
//! show of it) and its chip (the card with its list markup), progress
//! bars, and the page frame every template is rendered in.

use minijinja::{context, Environment, Value};

use super::Shared;
use crate::config::Role;
use crate::graph::{EdgeType, Graph};
use crate::load::Backlog;
use crate::site::context::{event_view, Card, CardValue, EventView};
use crate::site::{charts, root_prefix, SiteError};

pub fn role(b: &Backlog, i: usize) -> Role {
    b.config.kind(b.items[i].kind()).map(|k| k.role).unwrap_or(Role::Work)
}

pub(super) fn is_draft(b: &Backlog, i: usize) -> bool {
    b.items[i].is_draft()
}

pub(super) fn est(x: Option<f64>) -> f64 {
    x.filter(|v| v.is_finite()).unwrap_or(0.0)
}

/// The card of item `i`: what boards, tables and lists show of it.
pub(super) fn card_of(
    b: &Backlog,
    g: &Graph,
    urls: &[Option<String>],
    today: Option<chrono::NaiveDate>,
    i: usize,
) -> Card {
    let it = &b.items[i];
    let cat = crate::site::context::category(b, i);
    let open = cat == "todo" || cat == "doing";
    let blocked = open && g.targets(i, &EdgeType::DependsOn).any(|d| !b.is_done(&b.items[d]));
    let kind_label = b.config.kind(it.kind()).map(|k| k.label.clone()).unwrap_or_else(|| it.kind().to_string());
    let sprint = it.sprint.as_ref().map(|s| s.value.clone());
    let sprint_url = sprint.as_deref().and_then(|s| b.index.get(s)).and_then(|&k| urls[k].clone());
    let parent = g.parent(i);
    Card {
        id: it.id().to_string(),
        kind: it.kind().to_string(),
        kind_label,
        title: it.title.value.clone(),
        status: it.status().map(String::from),
        status_label: it.status().unwrap_or("no status").replace('_', " "),
        category: cat,
        priority: it.priority().to_string(),
        priority_rank: it.priority_rank(),
        assignee: it.assignee.clone(),
        estimate: it.estimate.map(crate::query::num),
        sprint,
        sprint_url,
        parent: parent.map(|p| b.items[p].id().to_string()),
        parent_url: parent.and_then(|p| urls[p].clone()),
        labels: it.labels.clone(),
        url: urls[i].clone(),
        blocked,
        due: it.due.as_ref().map(|d| d.value.to_string()),
        overdue: open && matches!((today, &it.due), (Some(t), Some(d)) if d.value < t),
        path: it.path.clone(),
        is_work: b.config.is_work(it.kind()),
    }
}

impl Shared<'_> {
    pub(super) fn card(&self, i: usize) -> Value {
        self.card_values[i].clone()
    }

    /// The cards of `ids` with their list fragments for pages one folder
    /// deep (`idlink_html`, `link_html`, `status_html`): the `idlink`,
    /// `link` and `status` macros of `macros.html` (the backlog's own, if it
    /// overrides it) rendered once per item and reused by every page that
    /// lists the item, instead of calling the macros for each mention (an
    /// impact page lists up to hundreds of items, each with its path).
    /// Plain cards when the page template `tmpl` does not use them.
    pub(super) fn chips(&self, env: &Environment, tmpl: &str, ids: &[usize]) -> Result<Vec<Value>, SiteError> {
        let uses = env.get_template(tmpl).is_ok_and(|t| {
            let src = t.source();
            src.contains("link_html") || src.contains("status_html")
        });
        if !uses {
            return Ok(self.cards_of(ids.iter().copied()));
        }
        if ids.iter().any(|&i| self.chips[i].get().is_none()) {
            let name = "macros.html";
            let err = |e: minijinja::Error| SiteError::template(name, &e);
            let captured = env.get_template(name).and_then(|t| t.render_captured(())).map_err(err)?;
            let state = captured.state();
            let root = Value::from("../");
            for &i in ids {
                if self.chips[i].get().is_some() {
                    continue;
                }
                let card = self.card(i);
                let Some(plain) = card.downcast_object_ref::<CardValue>() else { continue };
                let call =
                    |m: &str, args: &[Value]| state.call_macro(m, args).map(Value::from_safe_string).map_err(err);
                let chip = plain.with_fragments(
                    call("idlink", &[card.clone(), root.clone()])?,
                    call("link", &[card.clone(), root.clone()])?,
                    call("status", std::slice::from_ref(&card))?,
                );
                let _ = self.chips[i].set(Value::from_object(chip));
            }
        }
        Ok(ids.iter().map(|&i| self.chips[i].get().cloned().unwrap_or_else(|| self.card(i))).collect())
    }

    pub(super) fn cards_of(&self, ids: impl IntoIterator<Item = usize>) -> Vec<Value> {
        ids.into_iter().map(|i| self.card(i)).collect()
    }

    /// The items named by a relation field of an item object (a string or a list of ids).
    pub(super) fn ids_of(&self, v: &serde_json::Value) -> Vec<usize> {
        let ids: Vec<&str> = match v {
            serde_json::Value::String(s) => vec![s.as_str()],
            serde_json::Value::Array(a) => a.iter().filter_map(|x| x.as_str()).collect(),
            _ => vec![],
        };
        ids.into_iter().filter_map(|id| self.b.index.get(id).copied()).collect()
    }

    pub(super) fn page(
        &self,
        env: &Environment,
        tmpl: &str,
        path: &str,
        title: &str,
        section: &str,
        ctx: Value,
    ) -> Result<(String, Vec<u8>), SiteError> {
        let root = root_prefix(path);
        let full = context! {
            site => self.site.clone(),
            root => root,
            page => context! { title => title, path => path, section => section },
            ..ctx
        };
        let t = env.get_template(tmpl).map_err(|e| SiteError::template(tmpl, &e))?;
        let html = t.render(full).map_err(|e| SiteError::template(tmpl, &e))?;
        let html = crate::site::same_folder_links(html, path);
        let bytes = crate::site::compact_html(&html)
            .map_err(|message| SiteError::Memory { path: path.to_string(), message })?;
        Ok((path.to_string(), bytes))
    }

    pub(super) fn event_views(&self, idx: impl IntoIterator<Item = usize>) -> Vec<EventView> {
        let Some(ev) = self.events else { return Vec::new() };
        let template = self.commit_template();
        idx.into_iter()
            .filter_map(|k| ev.events.get(k))
            .map(|e| {
                let i = self.b.index.get(e.id.as_str()).copied();
                let mut v = event_view(
                    e,
                    i.map(|i| self.b.items[i].title.value.as_str()),
                    i.and_then(|i| self.urls[i].clone()),
                );
                v.commit_url = template.map(|t| t.replace("{sha}", &e.commit));
                v
            })
            .collect()
    }

    /// Where a commit's web page is (`{sha}` for its id): `site.commit_url`
    /// when set (an empty one: nowhere), else the one of the `origin`
    /// remote when it is on GitHub or GitLab.
    pub(super) fn commit_template(&self) -> Option<&str> {
        match self.b.config.site.commit_url.as_deref() {
            Some("") => None,
            Some(t) => Some(t),
            None => self.events.and_then(|e| e.commit_url.as_deref()),
        }
    }

    pub(super) fn progress_of(&self, i: usize) -> Value {
        self.progress_with(i, self.card(i))
    }

    /// The progress of item `i` shown with `card` (its card, or its chip).
    pub(super) fn progress_with(&self, i: usize, card: Value) -> Value {
        let r = self.rollups[i];
        let pct = |d: f64, t: f64| if t > 0.0 { (d / t * 100.0).round() as i64 } else { 0 };
        context! {
            card => card,
            items_done => r.items_done,
            items_total => r.items_total,
            children_done => r.children_done,
            children_total => r.children_total,
            estimate_done => charts::n(r.estimate_done),
            estimate_total => charts::n(r.estimate_total),
            pct_items => pct(r.items_done as f64, r.items_total as f64),
            pct_points => pct(r.estimate_done, r.estimate_total),
        }
    }

    pub(super) fn kind_label(&self, kind: &str, n: usize) -> String {
        let label =
            self.b.config.kind(kind).map(|k| k.label.clone()).unwrap_or_else(|| kind.to_string()).to_lowercase();
        if n == 1 {
            label
        } else if label.ends_with('y') && !label.ends_with("ey") {
            format!("{}ies", &label[..label.len() - 1])
        } else if label.ends_with('s') {
            label
        } else {
            format!("{label}s")
        }
    }

    pub(super) fn history_reason(&self) -> String {
        match &self.inp.options.history_note {
            Some(n) => n.clone(),
            None => self.inp.analytics.unavailable_reason(),
        }
    }
}
