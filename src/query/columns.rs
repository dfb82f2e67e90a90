//! The query index's glue between the load and the graph: the graph made
//! from the index's edges (index pairs, no id looked up), and the index
//! written from a load and its graph (see `load::index`).

use std::path::Path;

use crate::graph::{Edge, EdgeType, Graph};
use crate::load::index::{self, Columns, IndexEdge};
use crate::load::view::View;
use crate::load::{Backlog, LoadError, Stamped};

/// The columns and graph of the backlog at `root` when its query index
/// stands; `Ok(None)` when it does not.
pub fn load(root: &Path) -> Result<Option<(Columns, Graph)>, LoadError> {
    let Some(mut columns) = index::load(root)? else { return Ok(None) };
    let edges: Vec<Edge> = columns.take_edges(|e| Edge {
        from: e.from,
        to: e.to,
        ty: match e.ty {
            0 => EdgeType::Parent,
            1 => EdgeType::DependsOn,
            2 => EdgeType::RelatesTo,
            3 => EdgeType::Duplicates,
            4 => EdgeType::References,
            _ => EdgeType::Field(e.field.unwrap_or_default().to_string()),
        },
        lag: e.lag,
        lag_text: e.lag_text.map(str::to_string),
        origin: e.origin,
        span: e.span,
    });
    let graph = Graph::from_edges(columns.len(), edges);
    Ok(Some((columns, graph)))
}

/// Writes the query index of backlog `b` (loaded with `cairn.yml`'s text
/// `key`, as `stamped` says) and its graph `g`.
pub fn save(root: &Path, key: &str, b: &Backlog, g: &Graph, stamped: &Stamped) {
    let edges: Vec<IndexEdge> = g
        .edges
        .iter()
        .map(|e| {
            let (ty, field) = match &e.ty {
                EdgeType::Parent => (0, None),
                EdgeType::DependsOn => (1, None),
                EdgeType::RelatesTo => (2, None),
                EdgeType::Duplicates => (3, None),
                EdgeType::References => (4, None),
                EdgeType::Field(f) => (5, Some(f.as_str())),
            };
            IndexEdge {
                from: e.from,
                to: e.to,
                ty,
                field,
                lag: e.lag,
                lag_text: e.lag_text.as_deref(),
                origin: e.origin,
                span: e.span,
            }
        })
        .collect();
    let rows: Vec<String> = {
        use rayon::prelude::*;
        (0..b.items.len()).into_par_iter().map(|i| super::row_json(b, i)).collect()
    };
    index::save(root, key.as_bytes(), b, stamped, &edges, &rows);
}
