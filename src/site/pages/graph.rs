//! The dependency graph pages: the whole backlog, and one per epic or
//! other top-level parent.

use minijinja::{context, Environment, Value};

use super::Shared;
use crate::graph::render::{self, Selection};
use crate::site::SiteError;

impl Shared<'_> {
    pub(super) fn graph_page(&self, env: &Environment, center: Option<usize>) -> Result<(String, Vec<u8>), SiteError> {
        let b = self.b;
        let sel = Selection { center, depth: 0, relations: None };
        let sub = render::select(b, self.g, &sel);
        let drawable = sub.nodes.len() <= render::svg::MAX_NODES && !sub.nodes.is_empty();
        let svg = drawable.then(|| Value::from_safe_string(render::svg::render(b, self.g, &self.sched, &sub)));
        let critical: Vec<Value> =
            sub.nodes.iter().copied().filter(|&i| render::is_critical(&self.sched, i)).map(|i| self.card(i)).collect();
        let epics: Vec<Value> = if center.is_some() {
            Vec::new()
        } else {
            (0..b.items.len())
                .filter(|&i| self.has_graph_page(i))
                .map(|i| context! { card => self.card(i), url => format!("graph/{}.html", b.items[i].id()), size => self.g.descendants(i).len() + 1 })
                .collect()
        };
        let (path, title) = match center {
            Some(c) => (format!("graph/{}.html", b.items[c].id()), format!("Graph · {}", b.items[c].title.value)),
            None => ("graph.html".to_string(), "Dependency graph".to_string()),
        };
        let ctx = context! {
            center => center.map(|c| self.card(c)),
            svg => svg,
            nodes => sub.nodes.len(),
            edges => sub.edges.len(),
            max_nodes => render::svg::MAX_NODES,
            critical => critical,
            epics => epics,
        };
        self.page(env, "graph.html", &path, &title, "graph", ctx)
    }
}
