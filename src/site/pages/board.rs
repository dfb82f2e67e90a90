//! The boards: one per sprint, in status columns, and one for all open
//! work.
//!
//! `board/index.html` is the active sprint's board (the same page as
//! `board/<sprint>.html`, not a redirect: a `file://` site has no server
//! to redirect, a `<meta refresh>` flashes and breaks the back button,
//! and the nav's "Board" then opens on the sprint people work in); with
//! no active sprint it is the board of all work. `board/all/index.html`
//! is always the board of all work. Boards show board work only (see
//! [`crate::config::Config::is_board_work`]): stories, tasks and bugs,
//! not the epics and initiatives above them.
//!
//! A sprint's board is grouped by status; its "Group by" control
//! (`assets/app.js`) regroups the same cards into lanes by assignee (a
//! card's first person) or by epic (the page's list of the epics and their
//! cards), client-side: one page per sprint, not one per grouping.

use minijinja::{context, Environment, Value};

use super::cards::est;
use super::{Shared, BOARD_COLUMN_MAX, BOARD_TABS};
use crate::config::{Category, Role};
use crate::site::{charts, SiteError};

impl Shared<'_> {
    /// The status columns of `items`; with `cards_html` (the `card` macro
    /// of each, for a page at `root`) when `html`. Each column's `drawn`
    /// is the items it draws.
    pub(super) fn columns(
        &self,
        env: &Environment,
        items: &[usize],
        html: bool,
        root: &str,
    ) -> Result<Vec<(Value, Vec<usize>)>, SiteError> {
        let b = self.b;
        let mut order: Vec<(String, Category)> =
            b.config.statuses.iter().map(|s| (s.name.clone(), s.category)).collect();
        for k in &b.config.kinds {
            for s in k.statuses.iter().flatten() {
                if k.role == Role::Work && !order.iter().any(|(n, _)| *n == s.name) {
                    order.push((s.name.clone(), s.category));
                }
            }
        }
        let mut cols: Vec<Vec<usize>> = vec![Vec::new(); order.len() + 1];
        for &i in items {
            let k = b.items[i].status().and_then(|s| order.iter().position(|(n, _)| n == s)).unwrap_or(order.len());
            cols[k].push(i);
        }
        let mut out = Vec::new();
        for (k, c) in cols.into_iter().enumerate() {
            let (name, cat) = match order.get(k) {
                Some((n, c)) => (n.clone(), c.as_str()),
                None if c.is_empty() => continue,
                None => ("unknown".to_string(), "none"),
            };
            // Keys made once per item (no string per comparison).
            let mut keyed: Vec<(usize, &str, usize)> =
                c.iter().map(|&i| (b.items[i].priority_rank(), b.items[i].id(), i)).collect();
            keyed.sort_unstable();
            let c: Vec<usize> = keyed.into_iter().map(|k| k.2).collect();
            let points: f64 = c.iter().map(|&i| est(b.items[i].estimate)).sum();
            // A column draws at most BOARD_COLUMN_MAX cards (the first by
            // priority); its count is all of them, and it says how many
            // more the backlog lists.
            let drawn = c[..c.len().min(BOARD_COLUMN_MAX)].to_vec();
            let cards_html = if html { self.macro_list(env, "card", root, &drawn)? } else { ().into() };
            out.push((
                context! {
                    cards_html => cards_html,
                    name => name.clone(),
                    id => format!("col-{name}"),
                    label => name.replace('_', " "),
                    category => cat,
                    count => c.len(),
                    more => c.len() - drawn.len(),
                    points => charts::n(points),
                    cards => self.cards_of(c),
                },
                drawn,
            ));
        }
        Ok(out)
    }

    /// The sprints a board's tabs link: at most BOARD_TABS around the
    /// board's own sprint (or the active one), and the active one, in
    /// sprint order. A tab per sprint on every board would make the boards
    /// grow with the square of the sprints; the sprints page lists them all.
    fn board_tabs(&self, sprint: Option<usize>) -> Vec<usize> {
        let with_page: Vec<usize> = self.sprints.iter().copied().filter(|&s| self.urls[s].is_some()).collect();
        let at = sprint.or(self.active).and_then(|s| with_page.iter().position(|&x| x == s)).unwrap_or(0);
        let from = at.saturating_sub(BOARD_TABS / 2).min(with_page.len().saturating_sub(BOARD_TABS));
        let mut tabs: Vec<usize> = with_page.iter().copied().skip(from).take(BOARD_TABS).collect();
        if let Some(a) = self.active.filter(|a| with_page.contains(a) && !tabs.contains(a)) {
            tabs.push(a);
            tabs.sort_by_key(|s| with_page.iter().position(|x| x == s));
        }
        tabs
    }

    /// Board work of the whole backlog (one item per id, with a page).
    fn all_board_work(&self) -> Vec<usize> {
        let b = self.b;
        (0..b.items.len())
            .filter(|&i| {
                self.urls[i].is_some()
                    && self.cards[i].is_work
                    && b.config.is_board_work(b.items[i].kind())
                    && b.index.get(b.items[i].id()) == Some(&i)
            })
            .collect()
    }

    /// The epic of item `i` for grouping a board: its nearest ancestor of
    /// kind `epic`, else its top-level ancestor; `None` for a top-level
    /// item. At most `MAX_CRUMBS` steps up (a parent cycle or a deep chain
    /// ends).
    fn lane_epic(&self, i: usize) -> Option<usize> {
        let mut x = i;
        let mut top = None;
        for _ in 0..super::MAX_CRUMBS {
            let Some(p) = self.g.parent(x).filter(|&p| p != i) else { break };
            if self.b.items[p].kind() == "epic" {
                return Some(p);
            }
            top = Some(p);
            x = p;
        }
        top
    }

    /// The epics of the cards a sprint's board draws, for its "Group by
    /// epic": each epic (by title, then position) with the ids of its
    /// cards, space-separated; the cards under no epic are the rest.
    fn board_epics(&self, drawn: &[usize]) -> Vec<Value> {
        let b = self.b;
        let mut m: std::collections::BTreeMap<(&str, usize), Vec<&str>> = Default::default();
        for &i in drawn {
            if let Some(e) = self.lane_epic(i) {
                m.entry((b.items[e].title.value.as_str(), e)).or_default().push(b.items[i].id());
            }
        }
        m.into_iter().map(|((title, _), ids)| context! { title => title, ids => ids.join(" ") }).collect()
    }

    /// Jobs `Board(None)` (the default board and the board of all work)
    /// and `Board(Some(sprint))` (its board).
    pub(super) fn boards(&self, env: &Environment, sprint: Option<usize>) -> Result<Vec<(String, Vec<u8>)>, SiteError> {
        match sprint {
            Some(s) => Ok(vec![self.board(env, Some(s), None)?]),
            None => {
                let mut out = vec![self.board(env, None, Some("board/all/index.html"))?];
                out.push(match self.active.filter(|&a| self.urls[a].is_some()) {
                    Some(a) => self.board(env, Some(a), Some("board/index.html"))?,
                    None => self.board(env, None, Some("board/index.html"))?,
                });
                Ok(out)
            }
        }
    }

    fn board(
        &self,
        env: &Environment,
        sprint: Option<usize>,
        at: Option<&str>,
    ) -> Result<(String, Vec<u8>), SiteError> {
        let b = self.b;
        let items: Vec<usize> = match sprint {
            Some(s) => self
                .committed
                .get(&s)
                .into_iter()
                .flatten()
                .copied()
                .filter(|&i| b.config.is_board_work(b.items[i].kind()))
                .collect(),
            None => self.all_board_work(),
        };
        let sprint_path = |s: usize| format!("board/{}.html", b.items[s].id());
        let path = match (at, sprint) {
            (Some(p), _) => p.to_string(),
            (None, Some(s)) => sprint_path(s),
            (None, None) => "board/all/index.html".to_string(),
        };
        let root = crate::site::root_prefix(&path);
        let boards: Vec<Value> = std::iter::once(
            context! { title => "All work", url => "board/all/index.html", current => sprint.is_none() },
        )
        .chain(self.board_tabs(sprint).into_iter().map(|s| {
            context! {
                title => b.items[s].title.value.clone(),
                url => sprint_path(s),
                current => sprint == Some(s),
                active => self.active == Some(s),
            }
        }))
        .collect();
        let title = match sprint {
            Some(s) => format!("Board · {}", b.items[s].title.value),
            None => "Board · All work".to_string(),
        };
        let html = Self::reads(env, "board.html", "cards_html");
        let (columns, drawn): (Vec<Value>, Vec<Vec<usize>>) =
            self.columns(env, &items, html, &root)?.into_iter().unzip();
        let drawn: Vec<usize> = drawn.into_iter().flatten().collect();
        let ctx = context! {
            board => context! {
                title => title.clone(),
                sprint => sprint.map(|s| self.sprint_summary(s, false)),
                count => items.len(),
            },
            columns => columns,
            // A sprint's board regroups its cards (the "Group by" control).
            group => sprint.is_some() && !drawn.is_empty(),
            epics => if sprint.is_some() { self.board_epics(&drawn) } else { Vec::new() },
            boards => boards,
        };
        self.page(env, "board.html", &path, &title, "board", ctx)
    }
}
