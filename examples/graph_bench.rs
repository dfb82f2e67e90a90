//! Times the stages of the work graph on a backlog folder:
//! `cargo run --release --example graph_bench -- DIR [ID]`.
//! Prints load, graph build (best of 5), schedule, ready and impact times.

use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: graph_bench DIR [ID]");
        std::process::exit(2);
    };
    let t = Instant::now();
    let b = match cairn::load::load(std::path::Path::new(dir)) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("cannot load {dir}: {e}");
            std::process::exit(2);
        }
    };
    println!("load:     {:>8.1} ms  ({} items)", ms(t), b.items.len());
    let mut best = f64::INFINITY;
    let mut g = cairn::graph::Graph::default();
    let reps: usize = std::env::var("GRAPH_REPS").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    for _ in 0..reps {
        drop(std::mem::take(&mut g));
        let t = Instant::now();
        g = cairn::graph::Graph::build(&b);
        best = best.min(ms(t));
    }
    println!("graph:    {best:>8.1} ms  ({} edges, best of {reps})", g.edges.len());
    let t = Instant::now();
    let s = cairn::graph::schedule::Schedule::compute(&b, &g);
    println!("schedule: {:>8.1} ms  (project end day {:.1})", ms(t), s.end);
    let t = Instant::now();
    let r = cairn::graph::ready::ready(&b, &g, &Default::default());
    println!("ready:    {:>8.1} ms  ({} ready)", ms(t), r.len());
    let id = args.get(1).cloned().or_else(|| r.first().map(|r| b.items[r.node].id().to_string()));
    if let Some(i) = id.as_deref().and_then(|id| b.index.get(id).copied()) {
        let t = Instant::now();
        let d = cairn::graph::impact::impact(&b, &g, i);
        println!("impact:   {:>8.1} ms  ({} delayed by {})", ms(t), d.delayed.len(), b.items[i].id());
    }
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}
