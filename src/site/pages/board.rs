//! The boards: all work, and one per sprint, in status columns.

use minijinja::{context, Environment, Value};

use super::cards::est;
use super::Shared;
use crate::config::{Category, Role};
use crate::site::{charts, SiteError};

impl Shared<'_> {
    /// The status columns of `items`; with `cards_html` (the `card` macro
    /// of each, for a page one folder deep) when `html`.
    pub(super) fn columns(&self, env: &Environment, items: &[usize], html: bool) -> Result<Vec<Value>, SiteError> {
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
            let cards_html = if html { self.macro_list(env, "card", "../", &c)? } else { ().into() };
            out.push(context! {
                cards_html => cards_html,
                name => name.clone(),
                label => name.replace('_', " "),
                category => cat,
                count => c.len(),
                points => charts::n(points),
                cards => self.cards_of(c),
            });
        }
        Ok(out)
    }

    pub(super) fn board(&self, env: &Environment, sprint: Option<usize>) -> Result<(String, Vec<u8>), SiteError> {
        let b = self.b;
        let items: Vec<usize> = match sprint {
            Some(s) => self.committed.get(&s).cloned().unwrap_or_default(),
            None => (0..b.items.len())
                .filter(|&i| {
                    self.urls[i].is_some() && self.cards[i].is_work && b.index.get(b.items[i].id()) == Some(&i)
                })
                .collect(),
        };
        let boards: Vec<Value> =
            std::iter::once(context! { title => "All work", url => "board/index.html", current => sprint.is_none() })
                .chain(self.sprints.iter().filter(|&&s| self.urls[s].is_some()).map(|&s| {
                    context! {
                        title => b.items[s].title.value.clone(),
                        url => format!("board/{}.html", b.items[s].id()),
                        current => sprint == Some(s),
                        active => self.active == Some(s),
                    }
                }))
                .collect();
        let (path, title) = match sprint {
            Some(s) => (format!("board/{}.html", b.items[s].id()), format!("Board · {}", b.items[s].title.value)),
            None => ("board/index.html".to_string(), "Board".to_string()),
        };
        let ctx = context! {
            board => context! {
                title => title.clone(),
                sprint => sprint.map(|s| self.sprint_summary(s, false)),
                count => items.len(),
            },
            columns => self.columns(env, &items, Self::reads(env, "board.html", "cards_html"))?,
            boards => boards,
        };
        self.page(env, "board.html", &path, &title, "board", ctx)
    }
}
