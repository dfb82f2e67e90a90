//! Blocking chains: for an open item that waits on open dependencies, the
//! longest chain of open dependencies below it (X waits on Y, which waits
//! on Z, …), ties going to the smaller id.
//!
//! One depth-first pass with memoisation over the items reached: each item
//! and each of its dependencies is visited once, whatever the number of
//! chains asked for, so a 10,000-long chain costs 10,000 steps, not
//! 10,000². The pass is iterative (no recursion to overflow the stack on a
//! long chain). A dependency that closes a cycle is not followed; a chain
//! that stops there says so ([`Chains::ends_in_cycle`]).
//!
//! "Waits on" is [`crate::check::rules::open_dependencies`]: the rule of
//! `blocked` and W020, in one place.

use crate::check::rules::open_dependencies;
use crate::load::Backlog;

const NONE: usize = usize::MAX;

/// Memoised chains over a backlog's items (indices of `backlog.items`).
pub struct Chains<'a> {
    b: &'a Backlog,
    /// 0 not visited, 1 on the stack, 2 done.
    state: Vec<u8>,
    /// The number of links below an item (0: it waits on nothing open).
    depth: Vec<usize>,
    /// The dependency the chain follows.
    next: Vec<usize>,
    /// The chain's last link.
    end: Vec<usize>,
    cycle: Vec<bool>,
}

impl<'a> Chains<'a> {
    pub fn new(b: &'a Backlog) -> Chains<'a> {
        let n = b.items.len();
        Chains {
            b,
            state: vec![0; n],
            depth: vec![0; n],
            next: vec![NONE; n],
            end: vec![NONE; n],
            cycle: vec![false; n],
        }
    }

    /// The open dependencies of item `i`, as indices.
    fn deps(&self, i: usize) -> Vec<usize> {
        let mut d: Vec<usize> = open_dependencies(self.b, &self.b.items[i])
            .into_iter()
            .filter_map(|id| self.b.index.get(id).copied())
            .collect();
        d.sort_unstable();
        d.dedup();
        d
    }

    /// Computes the chains below `x` (and every item under it), once.
    fn visit(&mut self, x: usize) {
        if x >= self.state.len() || self.state[x] != 0 {
            return;
        }
        // (item, its open dependencies, the next one to look at)
        let mut stack: Vec<(usize, Vec<usize>, usize)> = vec![(x, self.deps(x), 0)];
        self.state[x] = 1;
        while let Some(top) = stack.last_mut() {
            let (i, pos) = (top.0, top.2);
            if let Some(&d) = top.1.get(pos) {
                top.2 += 1;
                match self.state[d] {
                    0 => {
                        self.state[d] = 1;
                        let deps = self.deps(d);
                        stack.push((d, deps, 0));
                    }
                    // On the stack: this dependency closes a cycle.
                    1 => self.cycle[i] = true,
                    _ => {}
                }
                continue;
            }
            // Every dependency is done: follow the deepest (ties: smaller index, as the list is sorted).
            let mut best = NONE;
            for &d in &top.1 {
                if self.state[d] == 2 && (best == NONE || self.depth[d] > self.depth[best]) {
                    best = d;
                }
            }
            if best == NONE {
                self.end[i] = i;
            } else {
                self.next[i] = best;
                self.depth[i] = self.depth[best] + 1;
                self.end[i] = self.end[best];
                self.cycle[i] = self.cycle[best];
            }
            self.state[i] = 2;
            stack.pop();
        }
    }

    /// The chain below `x`: its first `max` links, the number of links left
    /// out, the last link, and whether it ends in a cycle.
    pub fn chain(&mut self, x: usize, max: usize) -> Chain {
        self.visit(x);
        let mut links = Vec::new();
        let mut cur = self.next.get(x).copied().unwrap_or(NONE);
        while cur != NONE && links.len() < max {
            links.push(cur);
            cur = self.next[cur];
        }
        let depth = self.depth.get(x).copied().unwrap_or(0);
        let more = depth.saturating_sub(links.len());
        let end = self.end.get(x).copied().filter(|&e| e != NONE && e != x);
        Chain { links, more, end, cycle: self.cycle.get(x).copied().unwrap_or(false) }
    }

    /// The open dependencies of `x` other than the one its chain follows (and itself).
    pub fn others(&self, x: usize) -> Vec<usize> {
        let next = self.next.get(x).copied().unwrap_or(NONE);
        self.deps(x).into_iter().filter(|&d| d != next && d != x).collect()
    }
}

/// One chain (indices of `backlog.items`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    pub links: Vec<usize>,
    pub more: usize,
    pub end: Option<usize>,
    pub cycle: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backlog(files: &[(&str, &str)]) -> (tempfile::TempDir, Backlog) {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, text).unwrap();
        }
        let b = crate::load::load(dir.path()).unwrap();
        (dir, b)
    }

    fn story(status: &str, deps: &str) -> String {
        format!("---\ntitle: Story\nstatus: {status}\ndepends_on: [{deps}]\n---\n")
    }

    fn ids(b: &Backlog, v: &[usize]) -> Vec<String> {
        v.iter().map(|&i| b.items[i].id().to_string()).collect()
    }

    /// a waits on b and c; b waits on d (done), c on e, e on f: the chain
    /// follows the deepest branch (c, e, f), done items end a chain, and
    /// equal depths go to the smaller id.
    #[test]
    fn deepest_open_branch() {
        let (_d, b) = backlog(&[
            ("stories/a.md", &story("in_progress", "b, c")),
            ("stories/b.md", &story("ready", "d")),
            ("stories/c.md", &story("ready", "e")),
            ("stories/d.md", &story("done", "")),
            ("stories/e.md", &story("ready", "f")),
            ("stories/f.md", &story("ready", "")),
            ("stories/g.md", &story("ready", "h, i")),
            ("stories/h.md", &story("ready", "")),
            ("stories/i.md", &story("ready", "")),
        ]);
        let at = |id: &str| b.index[id];
        let mut ch = Chains::new(&b);
        let a = ch.chain(at("a"), 10);
        assert_eq!(ids(&b, &a.links), ["c", "e", "f"]);
        assert_eq!((a.more, a.cycle), (0, false));
        assert_eq!(ids(&b, &ch.others(at("a"))), ["b"]);
        // Capped at 2: one more, ending at f.
        let a2 = ch.chain(at("a"), 2);
        assert_eq!(ids(&b, &a2.links), ["c", "e"]);
        assert_eq!((a2.more, a2.end.map(|e| b.items[e].id().to_string())), (1, Some("f".to_string())));
        // b waits on nothing open (d is done).
        assert!(ch.chain(at("b"), 10).links.is_empty());
        // h and i are equally deep: h, the smaller id.
        assert_eq!(ids(&b, &ch.chain(at("g"), 10).links), ["h"]);
    }

    /// A cycle below the item ends its chain, and says so.
    #[test]
    fn cycles_end_chains() {
        let (_d, b) = backlog(&[
            ("stories/a.md", &story("in_progress", "b")),
            ("stories/b.md", &story("ready", "c")),
            ("stories/c.md", &story("ready", "b")),
        ]);
        let mut ch = Chains::new(&b);
        let a = ch.chain(b.index["a"], 10);
        assert_eq!(ids(&b, &a.links), ["b", "c"]);
        assert!(a.cycle);
    }
}
