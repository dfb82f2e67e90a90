//! The boards: one per sprint, in status columns, plain and with
//! swimlanes (by assignee, by epic), and one for all open work.
//!
//! `board/index.html` is the active sprint's board (the same page as
//! `board/<sprint>.html`, not a redirect: a `file://` site has no server
//! to redirect, a `<meta refresh>` flashes and breaks the back button,
//! and the nav's "Board" then opens on the sprint people work in); with
//! no active sprint it is the board of all work. `board/all/index.html`
//! is always the board of all work. Boards show board work only (see
//! [`crate::config::Config::is_board_work`]): stories, tasks and bugs,
//! not the epics and initiatives above them.

use minijinja::{context, Environment, Value};

use super::cards::est;
use super::{Shared, BOARD_COLUMN_MAX, BOARD_TABS};
use crate::config::{Category, Role};
use crate::site::{charts, SiteError};

/// How a board splits its cards into rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Lanes {
    None,
    Assignee,
    Epic,
}

impl Lanes {
    const ALL: [Lanes; 3] = [Lanes::None, Lanes::Assignee, Lanes::Epic];

    fn label(self) -> &'static str {
        match self {
            Lanes::None => "None",
            Lanes::Assignee => "Assignee",
            Lanes::Epic => "Epic",
        }
    }

    /// The page of sprint `id`'s board with these lanes.
    fn path(self, id: &str) -> String {
        match self {
            Lanes::None => format!("board/{id}.html"),
            Lanes::Assignee => format!("board/{id}/assignee.html"),
            Lanes::Epic => format!("board/{id}/epic.html"),
        }
    }
}

impl Shared<'_> {
    /// The status columns of `items`; with `cards_html` (the `card` macro
    /// of each, for a page at `root`) when `html`. `lane` makes the
    /// column ids unique on a page of several lanes.
    pub(super) fn columns(
        &self,
        env: &Environment,
        items: &[usize],
        html: bool,
        root: &str,
        lane: Option<usize>,
    ) -> Result<Vec<Value>, SiteError> {
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
        for (k, mut c) in cols.into_iter().enumerate() {
            let (name, cat) = match order.get(k) {
                Some((n, c)) => (n.clone(), c.as_str()),
                None if c.is_empty() => continue,
                None => ("unknown".to_string(), "none"),
            };
            c.sort_by_key(|&i| (b.items[i].priority_rank(), b.items[i].id().to_string()));
            let points: f64 = c.iter().map(|&i| est(b.items[i].estimate)).sum();
            // A column draws at most BOARD_COLUMN_MAX cards (the first by
            // priority); its count is all of them, and it says how many
            // more the backlog lists.
            let drawn = &c[..c.len().min(BOARD_COLUMN_MAX)];
            let cards_html = if html { self.macro_list(env, "card", root, drawn)? } else { ().into() };
            let html_id = match lane {
                Some(l) => format!("lane{l}-{name}"),
                None => format!("col-{name}"),
            };
            out.push(context! {
                cards_html => cards_html,
                name => name.clone(),
                id => html_id,
                label => name.replace('_', " "),
                category => cat,
                count => c.len(),
                more => c.len() - drawn.len(),
                points => charts::n(points),
                cards => self.cards_of(c),
            });
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

    /// The epic of item `i` for swimlanes: its nearest ancestor of kind
    /// `epic`, else its top-level ancestor; `None` for a top-level item.
    /// At most `MAX_CRUMBS` steps up (a parent cycle or a deep chain ends).
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

    /// Jobs `Board(None)` (the default board and the board of all work)
    /// and `Board(Some(sprint))` (its board with each kind of lanes).
    pub(super) fn boards(&self, env: &Environment, sprint: Option<usize>) -> Result<Vec<(String, Vec<u8>)>, SiteError> {
        match sprint {
            Some(s) => Lanes::ALL.iter().map(|&l| self.board(env, Some(s), l, None)).collect(),
            None => {
                let mut out = vec![self.board(env, None, Lanes::None, Some("board/all/index.html"))?];
                out.push(match self.active.filter(|&a| self.urls[a].is_some()) {
                    Some(a) => self.board(env, Some(a), Lanes::None, Some("board/index.html"))?,
                    None => self.board(env, None, Lanes::None, Some("board/index.html"))?,
                });
                Ok(out)
            }
        }
    }

    fn board(
        &self,
        env: &Environment,
        sprint: Option<usize>,
        lanes: Lanes,
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
        let path = match (at, sprint) {
            (Some(p), _) => p.to_string(),
            (None, Some(s)) => lanes.path(b.items[s].id()),
            (None, None) => "board/all/index.html".to_string(),
        };
        let root = crate::site::root_prefix(&path);
        let boards: Vec<Value> = std::iter::once(
            context! { title => "All work", url => "board/all/index.html", current => sprint.is_none() },
        )
        .chain(self.board_tabs(sprint).into_iter().map(|s| {
            context! {
                title => b.items[s].title.value.clone(),
                url => lanes.path(b.items[s].id()),
                current => sprint == Some(s),
                active => self.active == Some(s),
            }
        }))
        .collect();
        let lane_tabs: Vec<Value> = match sprint {
            Some(s) => Lanes::ALL
                .iter()
                .map(|&l| context! { title => l.label(), url => l.path(b.items[s].id()), current => l == lanes })
                .collect(),
            None => Vec::new(),
        };
        let title = match sprint {
            Some(s) => format!("Board · {}", b.items[s].title.value),
            None => "Board · All work".to_string(),
        };
        let html = Self::reads(env, "board.html", "cards_html");
        let groups: Vec<(Option<String>, Vec<usize>)> = match lanes {
            Lanes::None => vec![(None, items.clone())],
            Lanes::Assignee => {
                let mut m: std::collections::BTreeMap<String, Vec<usize>> = Default::default();
                let mut nobody = Vec::new();
                for &i in &items {
                    match b.items[i].assignee.first() {
                        Some(a) => m.entry(a.clone()).or_default().push(i),
                        None => nobody.push(i),
                    }
                }
                let mut v: Vec<(Option<String>, Vec<usize>)> = m.into_iter().map(|(k, v)| (Some(k), v)).collect();
                if !nobody.is_empty() {
                    v.push((Some("Unassigned".to_string()), nobody));
                }
                v
            }
            Lanes::Epic => {
                let mut m: std::collections::BTreeMap<(String, usize), Vec<usize>> = Default::default();
                let mut none = Vec::new();
                for &i in &items {
                    match self.lane_epic(i) {
                        Some(e) => m.entry((b.items[e].title.value.clone(), e)).or_default().push(i),
                        None => none.push(i),
                    }
                }
                let mut v: Vec<(Option<String>, Vec<usize>)> = m.into_iter().map(|((t, _), v)| (Some(t), v)).collect();
                if !none.is_empty() {
                    v.push((Some("No epic".to_string()), none));
                }
                v
            }
        };
        let mut lane_values = Vec::new();
        for (k, (name, ids)) in groups.iter().enumerate() {
            let lane = name.as_ref().map(|_| k);
            lane_values.push(context! {
                title => name.clone(),
                count => ids.len(),
                points => charts::n(ids.iter().map(|&i| est(b.items[i].estimate)).sum()),
                columns => self.columns(env, ids, html, &root, lane)?,
            });
        }
        let columns = match lanes {
            Lanes::None => lane_values.first().and_then(|l| l.get_attr("columns").ok()).unwrap_or_default(),
            _ => Value::from(Vec::<Value>::new()),
        };
        let ctx = context! {
            board => context! {
                title => title.clone(),
                sprint => sprint.map(|s| self.sprint_summary(s, false)),
                count => items.len(),
                lanes => lanes.label(),
            },
            columns => columns,
            lanes => if lanes == Lanes::None { Vec::new() } else { lane_values },
            boards => boards,
            lane_tabs => lane_tabs,
        };
        self.page(env, "board.html", &path, &title, "board", ctx)
    }
}
