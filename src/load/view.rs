//! [`View`]: what the graph's rules (ready, impact, the schedule) and the
//! query's column keys read of each item, by index, whether the items are
//! a loaded [`Backlog`]'s or the columns of the query index
//! ([`super::index::Columns`]). The derived facts (status category, work
//! item, sprint) are written once here, as default methods over the
//! config, so both sources answer them by the same rule.

use chrono::NaiveDate;

use super::Backlog;
use crate::config::{Category, Config, Role};
use crate::model::{Item, PRIORITIES};

/// Per-item facts by index (`0..len()`, items sorted by id then path).
pub trait View: Sync {
    fn config(&self) -> &Config;
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The whole item, when the view holds it (a [`Backlog`] always; the
    /// query index only for the rows it printed).
    fn item(&self, i: usize) -> Option<&Item>;
    /// The item object's keys that are not columns, as a JSON object
    /// written with the query index (`query::columns::save`), when the view
    /// holds them instead of the whole item.
    fn row_json(&self, _i: usize) -> Option<&str> {
        None
    }
    fn id(&self, i: usize) -> &str;
    /// The index of the first item with this id.
    fn find(&self, id: &str) -> Option<usize>;
    fn kind(&self, i: usize) -> &str;
    fn status(&self, i: usize) -> Option<&str>;
    /// The priority as written (`None` when not set).
    fn priority_raw(&self, i: usize) -> Option<&str>;
    fn assignee(&self, i: usize) -> Vec<&str>;
    fn labels(&self, i: usize) -> Vec<&str>;
    fn sprint(&self, i: usize) -> Option<&str>;
    /// `parent:` as written (the graph's parent when it resolves).
    fn parent_raw(&self, i: usize) -> Option<&str>;
    /// `duplicates:` as written.
    fn duplicates_raw(&self, i: usize) -> Option<&str>;
    fn path(&self, i: usize) -> &str;
    fn estimate(&self, i: usize) -> Option<f64>;
    fn duration(&self, i: usize) -> Option<f64>;
    fn start(&self, i: usize) -> Option<NaiveDate>;
    fn due(&self, i: usize) -> Option<NaiveDate>;
    fn end(&self, i: usize) -> Option<NaiveDate>;

    /// Whether item `i` is a node of the graph: the first with its id.
    fn is_node(&self, i: usize) -> bool {
        self.find(self.id(i)) == Some(i)
    }
    /// The priority, `medium` when not set.
    fn priority(&self, i: usize) -> &str {
        self.priority_raw(i).unwrap_or("medium")
    }
    /// The priority's place in `PRIORITIES` (most important first; an
    /// unknown one counts as `medium`).
    fn priority_rank(&self, i: usize) -> usize {
        let p = self.priority(i);
        PRIORITIES.iter().position(|x| *x == p).unwrap_or(2)
    }
    /// The status category, if the status is known for the kind.
    fn category(&self, i: usize) -> Option<Category> {
        self.status(i).and_then(|s| self.config().category(self.kind(i), s))
    }
    fn is_done(&self, i: usize) -> bool {
        self.category(i) == Some(Category::Done)
    }
    /// Whether [`View::is_work`] and [`View::category`] are read, not
    /// worked out from the configuration (the query index's columns): a
    /// caller asking for every item's then asks each item, in parallel,
    /// rather than once per kind and status.
    fn stores_facts(&self) -> bool {
        false
    }
    /// A kind with the `work` role.
    fn is_work(&self, i: usize) -> bool {
        self.config().is_work(self.kind(i))
    }
    /// A kind with the `sprint` role.
    fn is_sprint(&self, i: usize) -> bool {
        self.config().kind(self.kind(i)).is_some_and(|k| k.role == Role::Sprint)
    }
}

impl View for Backlog {
    fn config(&self) -> &Config {
        &self.config
    }
    fn len(&self) -> usize {
        self.items.len()
    }
    fn item(&self, i: usize) -> Option<&Item> {
        self.items.get(i)
    }
    fn id(&self, i: usize) -> &str {
        self.items[i].id()
    }
    fn find(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }
    fn kind(&self, i: usize) -> &str {
        self.items[i].kind()
    }
    fn status(&self, i: usize) -> Option<&str> {
        self.items[i].status()
    }
    fn priority_raw(&self, i: usize) -> Option<&str> {
        self.items[i].priority.as_ref().map(|p| p.value.as_str())
    }
    fn assignee(&self, i: usize) -> Vec<&str> {
        self.items[i].assignee.iter().map(String::as_str).collect()
    }
    fn labels(&self, i: usize) -> Vec<&str> {
        self.items[i].labels.iter().map(String::as_str).collect()
    }
    fn sprint(&self, i: usize) -> Option<&str> {
        self.items[i].sprint.as_ref().map(|s| s.value.as_str())
    }
    fn parent_raw(&self, i: usize) -> Option<&str> {
        self.items[i].parent.as_ref().map(|s| s.value.as_str())
    }
    fn duplicates_raw(&self, i: usize) -> Option<&str> {
        self.items[i].duplicates.as_ref().map(|s| s.value.as_str())
    }
    fn path(&self, i: usize) -> &str {
        &self.items[i].path
    }
    fn estimate(&self, i: usize) -> Option<f64> {
        self.items[i].estimate
    }
    fn duration(&self, i: usize) -> Option<f64> {
        self.items[i].duration
    }
    fn start(&self, i: usize) -> Option<NaiveDate> {
        self.items[i].start.as_ref().map(|d| d.value)
    }
    fn due(&self, i: usize) -> Option<NaiveDate> {
        self.items[i].due.as_ref().map(|d| d.value)
    }
    fn end(&self, i: usize) -> Option<NaiveDate> {
        self.items[i].end.as_ref().map(|d| d.value)
    }
}
