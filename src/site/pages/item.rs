//! An item's pages: its own page (work item, document or sprint), its
//! impact page (`impact.rs`), its badge and its API file.

use std::collections::BTreeSet;

use minijinja::{context, Environment, Value};

use super::cards::role;
use super::{Shared, IMPACT_LIMIT, MAX_CRUMBS};
use crate::config::Role;
use crate::graph::impact;
use crate::model::Reference;
use crate::site::context::flatten;
use crate::site::{api, badges, charts, markdown, SiteError};

impl Shared<'_> {
    pub(super) fn item(&self, env: &Environment, i: usize) -> Result<Vec<(String, Vec<u8>)>, SiteError> {
        let b = self.b;
        let it = &b.items[i];
        let Some(url) = self.urls[i].clone() else { return Ok(Vec::new()) };
        let derived = self.inp.derived.get(it.id());
        let obj = crate::query::item_object(b, self.g, i, derived);
        let body = markdown::render(b, &self.urls, &self.links, &it.path, &it.body, "../");
        if !body.files.is_empty() {
            if let Ok(mut f) = self.files.lock() {
                f.extend(body.files.iter().cloned());
            }
        }
        let events: Vec<usize> = self.by_id.get(it.id()).cloned().unwrap_or_default();
        let mut out = Vec::with_capacity(4);
        let role = role(b, i);
        let related: Vec<(&str, &str, Vec<usize>)> = [
            ("depends_on", "Depends on"),
            ("blocks", "Blocks"),
            ("relates_to", "Relates to"),
            ("duplicates", "Duplicates"),
            ("duplicated_by", "Duplicated by"),
            ("references", "References"),
            ("referenced_by", "Referenced by"),
        ]
        .into_iter()
        .map(|(key, label)| (key, label, self.ids_of(&obj[key])))
        .collect();
        // An item that references this one and is referenced by it (a PRD
        // and its epic) is listed once, under "References".
        let refs: BTreeSet<usize> =
            related.iter().filter(|(k, _, _)| *k == "references").flat_map(|(_, _, ids)| ids.iter().copied()).collect();
        let related: Vec<(&str, &str, Vec<usize>)> = related
            .into_iter()
            .map(|(key, label, mut ids)| {
                if key == "referenced_by" {
                    ids.retain(|j| !refs.contains(j));
                }
                (key, label, ids)
            })
            .filter(|(_, _, ids)| !ids.is_empty())
            .collect();
        let urls: Vec<Value> = it
            .references
            .iter()
            .filter_map(|r| match r {
                Reference::Url { url, title } if markdown_safe(&url.value) => Some(
                    context! { url => url.value.clone(), title => title.clone().unwrap_or_else(|| url.value.clone()) },
                ),
                _ => None,
            })
            .collect();
        let mut fields: Vec<(String, String)> = Vec::new();
        for (k, v) in &it.fields {
            flatten(k, &v.value, &mut fields);
        }
        let mut ml: Vec<(String, String)> = Vec::new();
        if let Some(m) = &it.ml {
            flatten("", m, &mut ml);
        }
        let field_rows: Vec<Value> = fields.into_iter().map(|(k, v)| context! { name => k, value => v }).collect();
        let ml_rows: Vec<Value> = ml.into_iter().map(|(k, v)| context! { name => k, value => v }).collect();
        // The nearest ancestors only: a page's path up a 10,000-deep
        // hierarchy is not 10,000 links long (`ancestors_cut` says so).
        let (mut ancestors, ancestors_cut) = self.g.ancestors_up_to(i, MAX_CRUMBS);
        ancestors.reverse();
        let mut children = self.g.children(i);
        children.sort_by_key(|&c| {
            (self.cards[c].category == "done", b.items[c].priority_rank(), b.items[c].id().to_string())
        });
        // The item page shows these cards with their list markup.
        let mut shown: Vec<usize> = if role == Role::Work {
            let rel = related.iter().flat_map(|(_, _, ids)| ids);
            ancestors.iter().chain(&children).chain(rel).copied().chain([i]).collect()
        } else {
            Vec::new()
        };
        shown.sort_unstable();
        shown.dedup();
        let chips = self.chips(env, "item.html", &shown)?;
        let chip =
            |v: usize| shown.binary_search(&v).ok().and_then(|k| chips.get(k).cloned()).unwrap_or_else(|| self.card(v));
        let ancestors: Vec<Value> = ancestors.into_iter().map(chip).collect();
        let children: Vec<Value> = children.into_iter().map(|c| self.progress_with(c, chip(c))).collect();
        let relations: Vec<Value> = related
            .iter()
            .map(|(key, label, ids)| {
                context! { key => key, label => label, items => ids.iter().map(|&j| chip(j)).collect::<Vec<_>>() }
            })
            .collect();
        let r = self.rollups[i];
        let progress = (r.items_total > 0).then(|| self.progress_of(i));
        let im = impact::walk(self.g, i, IMPACT_LIMIT, |w| self.cards[w].category == "done");
        let delayed = &im.delayed;
        let t = self.sched.get(i).copied();
        let by_kind: Vec<Value> = impact::by_kind(b, delayed)
            .into_iter()
            .map(|(k, n)| context! { kind => k.clone(), label => self.kind_label(&k, n), count => n })
            .collect();
        let is_work = b.config.is_work(it.kind());
        let impact_url = format!("impact/{}.html", it.id());
        let schedule = t.map(|t| {
            let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string());
            context! {
                duration => charts::n(t.duration),
                slack => charts::n(t.slack),
                critical => t.critical,
                early_start => date(self.sched.date(t.es)),
                early_finish => date(self.sched.finish_date(t.es, t.ef)),
                late_start => date(self.sched.date(t.ls)),
                late_finish => date(self.sched.finish_date(t.ls, t.lf)),
            }
        });
        let impact_summary = context! {
            delayed => delayed.len(),
            more => !im.complete,
            by_kind => by_kind.clone(),
            critical => t.is_some_and(|t| t.critical),
            schedule => schedule,
            url => is_work.then(|| impact_url.clone()),
        };
        let ev = self.event_views(events.iter().copied());
        let body_html = Value::from_safe_string(body.html.clone());
        let meta = context! {
            created => obj["created"].as_str(),
            updated => obj["updated"].as_str(),
            reporter => obj["reporter"].as_str(),
            start => obj["start"].as_str(),
            checklist => context! { done => it.checklist.done, total => it.checklist.total },
            acceptance => context! { done => it.acceptance.done, total => it.acceptance.total },
        };
        let title = it.title.value.clone();
        let description = self.description(i);
        match role {
            Role::Sprint => {
                let ctx = context! {
                    item => self.card(i),
                    sprint => self.sprint_summary(i, false),
                    body_html => body_html.clone(),
                    columns => self
                        .columns(env, self.committed.get(&i).map(Vec::as_slice).unwrap_or(&[]), false, "../")?
                        .into_iter()
                        .map(|(c, _)| c)
                        .collect::<Vec<_>>(),
                    events => ev.clone(),
                    description => description,
                };
                out.push(self.page(env, "sprint.html", &url, &title, "sprints", ctx)?);
            }
            Role::Document => {
                let ctx = context! {
                    item => self.card(i),
                    body_html => body_html.clone(),
                    body_has_title => body.html.trim_start().starts_with("<h1"),
                    meta => meta.clone(),
                    relations => relations.clone(),
                    urls => urls.clone(),
                    fields => field_rows.clone(),
                    events => ev.clone(),
                    description => description,
                };
                out.push(self.page(env, "doc.html", &url, &title, "docs", ctx)?);
            }
            Role::Work => {
                let ctx = context! {
                    item => chip(i),
                    body_html => body_html.clone(),
                    meta => meta,
                    ancestors => ancestors,
                    ancestors_cut => ancestors_cut,
                    children => children,
                    progress => progress,
                    relations => relations,
                    urls => urls,
                    fields => field_rows,
                    ml => ml_rows,
                    impact => impact_summary,
                    events => ev.clone(),
                    graph_url => self.has_graph_page(i).then(|| format!("graph/{}.html", it.id())),
                    roadmap_url => self.has_roadmap_page(i).then(|| format!("roadmap/{}.html", it.id())),
                    focus_url => self.focus_url(i),
                    terse => true,
                    badge => badge_size(it.id(), it.status().unwrap_or("")),
                };
                out.push(self.page(env, "item.html", &url, &title, "backlog", ctx)?);
                out.push(self.impact_page(env, i, &im, &by_kind)?);
            }
        }
        let cat = self.cards[i].category;
        out.push((
            format!("badges/{}.svg", it.id()),
            badges::badge(it.id(), it.status().unwrap_or(""), cat).into_bytes(),
        ));
        out.push(api::item_file(self.inp, i, obj, &body.html, &events));
        Ok(out)
    }

    /// The `meta description` of an item's page: the start of its body
    /// as plain text, else what it is.
    fn description(&self, i: usize) -> String {
        let c = &self.cards[i];
        let summary = markdown::plain(&self.b.items[i].body, 160);
        if summary.is_empty() {
            format!("{} {}: {} ({}).", c.kind_label, c.id, c.title, c.status_label)
        } else if summary.starts_with(&c.title) {
            summary
        } else {
            format!("{}: {summary}", c.title)
        }
    }
}

/// The size of an item's badge, for its `<img>`.
fn badge_size(id: &str, status: &str) -> Value {
    let (width, height) = badges::size(id, status);
    context! { width => charts::n(width), height => charts::n(height) }
}

fn markdown_safe(url: &str) -> bool {
    let l = url.to_ascii_lowercase();
    l.starts_with("http://") || l.starts_with("https://") || l.starts_with("mailto:")
}
