//! `cairn graph --format mermaid`: a flowchart that renders on GitHub.
//! Node ids are `n0`, `n1`, … (ids such as `end` or `a-b` would break
//! Mermaid); labels are quoted with `"`, `<`, `>`, `&`, `#` and friends
//! written as Mermaid entity codes.

use super::{category, edge_label, is_critical, is_structural, truncate, Subgraph};
use crate::graph::schedule::Schedule;
use crate::graph::Graph;
use crate::load::Backlog;

/// Text safe inside a quoted Mermaid label or an edge label.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => o.push_str("#quot;"),
            '#' => o.push_str("#35;"),
            '<' => o.push_str("#lt;"),
            '>' => o.push_str("#gt;"),
            '&' => o.push_str("#amp;"),
            '|' => o.push_str("#124;"),
            '`' => o.push_str("#96;"),
            '[' => o.push_str("#91;"),
            ']' => o.push_str("#93;"),
            '{' => o.push_str("#123;"),
            '}' => o.push_str("#125;"),
            ';' => o.push_str("#59;"),
            '\n' | '\r' | '\t' => o.push(' '),
            c if c.is_control() => {}
            c => o.push(c),
        }
    }
    o
}

pub fn render(b: &Backlog, g: &Graph, s: &Schedule, sub: &Subgraph) -> String {
    let mut o = String::from("flowchart RL\n");
    let mut id_of = std::collections::HashMap::new();
    for (k, &i) in sub.nodes.iter().enumerate() {
        id_of.insert(i, format!("n{k}"));
        let it = &b.items[i];
        o.push_str(&format!("  n{k}[\"{}<br/>{}\"]\n", escape(it.id()), escape(&truncate(&it.title.value, 48))));
    }
    let mut critical_links = Vec::new();
    for (k, &e) in sub.edges.iter().enumerate() {
        let ed = &g.edges[e];
        let (Some(a), Some(c)) = (id_of.get(&ed.from), id_of.get(&ed.to)) else { continue };
        let arrow = if is_structural(&ed.ty) { "-->" } else { "-.->" };
        o.push_str(&format!("  {a} {arrow}|{}| {c}\n", escape(&edge_label(g, e))));
        if is_structural(&ed.ty) && is_critical(s, ed.from) && is_critical(s, ed.to) {
            critical_links.push(k.to_string());
        }
    }
    o.push_str("  classDef todo fill:#e8eef7,stroke:#5b7db1\n");
    o.push_str("  classDef doing fill:#fff2cc,stroke:#b38f00\n");
    o.push_str("  classDef done fill:#d9f2d9,stroke:#3c8d3c\n");
    o.push_str("  classDef none fill:#ffffff,stroke:#888888\n");
    o.push_str("  classDef critical stroke:#d62728,stroke-width:3px\n");
    for cat in ["todo", "doing", "done", "none"] {
        let ids: Vec<&str> = sub.nodes.iter().filter(|&&i| category(b, i) == cat).map(|i| id_of[i].as_str()).collect();
        for chunk in ids.chunks(200) {
            o.push_str(&format!("  class {} {cat}\n", chunk.join(",")));
        }
    }
    let crit: Vec<&str> = sub.nodes.iter().filter(|&&i| is_critical(s, i)).map(|i| id_of[i].as_str()).collect();
    for chunk in crit.chunks(200) {
        o.push_str(&format!("  class {} critical\n", chunk.join(",")));
    }
    if !critical_links.is_empty() {
        o.push_str(&format!("  linkStyle {} stroke:#d62728,stroke-width:2px\n", critical_links.join(",")));
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_breaks_mermaid() {
        assert_eq!(
            escape(r#"Fix "login" <b> & #1 [x] a|b"#),
            "Fix #quot;login#quot; #lt;b#gt; #amp; #35;1 #91;x#93; a#124;b"
        );
    }
}
