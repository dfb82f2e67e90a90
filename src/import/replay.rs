//! `--with-history`: the source's change list as git commits, so that
//! `cairn log`, burndown and metrics cover the time before the import.
//!
//! - One commit per run of changes with the same time and author (the
//!   history is in time order), authored and committed by that author at
//!   that time, message `import: ID1, ID2 (FORMAT history)`. Each writes the
//!   states of the records it touched, rendered as the import renders them
//!   ([`super::plan::render`]) at their final ids and paths, so a field's
//!   value in `cairn log` is the source's value, mapped as the import maps it.
//! - A record's first state (`Created`) is its final kind and title, the
//!   kind's first status and no fields; `Set`, `Unset` and `Body` change it,
//!   `Deleted` removes its file. Changes to records not imported are
//!   ignored.
//! - Then the import's files are written to the work tree and one last
//!   commit (your identity) makes the tree exactly the import's files (it
//!   is empty when the replay already ends there), updating the index.
//! - Refused, before anything is written, without a git repository or
//!   identity, or when a file the import creates is already in HEAD.

use std::collections::HashMap;

use serde_json::Value;

use super::plan::Import;
use super::{ChangeKind, ImportError, Record, Source};
use crate::load::Backlog;

/// What the replay did.
#[derive(Debug, Default)]
pub struct Replayed {
    /// Commits of the source's history (not counting the last one).
    pub commits: usize,
}

fn git(what: &str, e: impl std::fmt::Display) -> ImportError {
    ImportError::History(format!("{what}: {e}"))
}

const RELATIONS: [&str; 5] = ["depends_on", "blocks", "relates_to", "duplicates", "references"];

/// Applies one change to a record's state.
fn apply(state: &mut Record, what: &ChangeKind) {
    match what {
        ChangeKind::Created | ChangeKind::Deleted => {}
        ChangeKind::Body(b) => state.body = b.clone(),
        ChangeKind::Set { field, value } => match field.as_str() {
            "title" => state.title = value.as_str().map(str::to_string).unwrap_or_else(|| value.to_string()),
            "status" => state.status = value.as_str().map(str::to_string),
            "parent" => state.parent = value.as_str().map(str::to_string),
            f if RELATIONS.contains(&f) => {
                state.relations.retain(|(r, _)| r != f);
                let list: Vec<&Value> = match value {
                    Value::Array(a) => a.iter().collect(),
                    v => vec![v],
                };
                for v in list {
                    if let Some(x) = v.as_str() {
                        state.relations.push((f.to_string(), x.to_string()));
                    }
                }
            }
            f => {
                state.fields.insert(f.to_string(), value.clone());
            }
        },
        ChangeKind::Unset { field } => match field.as_str() {
            "status" => state.status = None,
            "parent" => state.parent = None,
            f if RELATIONS.contains(&f) => state.relations.retain(|(r, _)| r != f),
            f => {
                state.fields.remove(f);
            }
        },
    }
}

fn in_repo(root_in_repo: &str, rel: &str) -> String {
    if root_in_repo.is_empty() {
        rel.to_string()
    } else {
        format!("{root_in_repo}/{rel}")
    }
}

/// Replays `source.history` as commits, writes `import`'s files and commits
/// them (`message`).
pub fn replay(backlog: &Backlog, source: &Source, import: &Import, message: &str) -> Result<Replayed, ImportError> {
    let root = &backlog.root;
    let Some(g) = crate::history::walk::open(root) else {
        return Err(ImportError::History(format!(
            "needs a git repository, and {} is not in the work tree of one",
            root.display()
        )));
    };
    crate::edit::commit::ready(root)?;
    let repo = g.repo.to_thread_local();
    let head = repo.head().map_err(|e| git("reading HEAD", e))?;
    let mut parent =
        if head.is_unborn() { None } else { Some(repo.head_commit().map_err(|e| git("reading HEAD's commit", e))?.id) };
    let mut tree = match parent {
        Some(p) => repo
            .find_commit(p)
            .and_then(|c| c.tree_id().map(|t| t.detach()))
            .map_err(|e| git("reading HEAD's tree", e))?,
        None => gix::ObjectId::empty_tree(repo.object_hash()),
    };
    // The import's files must be new to git too.
    let path_of: HashMap<&str, &str> =
        import.created.iter().map(|c| (c.external_id.as_str(), c.path.as_str())).collect();
    {
        let t = repo.find_tree(tree).map_err(|e| git("reading HEAD's tree", e))?;
        for c in &import.created {
            let p = in_repo(&g.root_in_repo, &c.path);
            if t.lookup_entry_by_path(&p).map_err(|e| git("reading HEAD's tree", e))?.is_some() {
                return Err(ImportError::History(format!(
                    "{} is in HEAD but not in the work tree: commit or restore it first",
                    c.path
                )));
            }
        }
    }
    let finals: HashMap<&str, &Record> = source.records.iter().map(|r| (r.external_id.as_str(), r)).collect();
    let mut states: HashMap<&str, Record> = HashMap::new();
    let mut commits: Vec<gix::ObjectId> = Vec::new();
    let history = &source.history;
    let mut i = 0;
    while i < history.len() {
        let first = &history[i];
        let mut j = i;
        while j < history.len()
            && history[j].time == first.time
            && history[j].author == first.author
            && history[j].email == first.email
        {
            j += 1;
        }
        let group = &history[i..j];
        i = j;
        let mut touched: Vec<&str> = Vec::new();
        let mut deleted: Vec<&str> = Vec::new();
        for ch in group {
            let x = ch.external_id.as_str();
            let (Some(fin), true) = (finals.get(x), path_of.contains_key(x)) else { continue };
            match &ch.what {
                ChangeKind::Created => {
                    states.insert(
                        x,
                        Record {
                            at: fin.at.clone(),
                            external_id: fin.external_id.clone(),
                            kind: fin.kind.clone(),
                            title: fin.title.clone(),
                            ..Record::default()
                        },
                    );
                    deleted.retain(|d| *d != x);
                }
                ChangeKind::Deleted => {
                    states.remove(x);
                    deleted.push(x);
                    touched.retain(|t| *t != x);
                    continue;
                }
                what => match states.get_mut(x) {
                    Some(s) => apply(s, what),
                    None => continue,
                },
            }
            if !touched.contains(&x) {
                touched.push(x);
            }
        }
        if touched.is_empty() && deleted.is_empty() {
            continue;
        }
        let mut editor = repo.edit_tree(tree).map_err(|e| git("editing a tree", e))?;
        for x in &touched {
            let (Some(state), Some(path)) = (states.get(x), path_of.get(x)) else { continue };
            let text = super::plan::render(backlog, state, id_of(import, x), &import.ids)?;
            let blob = repo.write_blob(text.as_bytes()).map_err(|e| git("writing a blob", e))?.detach();
            editor
                .upsert(in_repo(&g.root_in_repo, path).as_str(), gix::objs::tree::EntryKind::Blob, blob)
                .map_err(|e| git("editing a tree", e))?;
        }
        for x in &deleted {
            if let Some(path) = path_of.get(x) {
                editor.remove(in_repo(&g.root_in_repo, path).as_str()).map_err(|e| git("editing a tree", e))?;
            }
        }
        let new_tree = editor.write().map_err(|e| git("writing a tree", e))?.detach();
        if new_tree == tree {
            continue;
        }
        let ids: Vec<&str> = touched.iter().chain(&deleted).map(|x| id_of(import, x)).collect();
        let time = gix::date::Time::new(first.time, 0);
        let email = if first.email.is_empty() {
            format!("{}@import.invalid", crate::edit::slugify(&first.author))
        } else {
            first.email.clone()
        };
        let mut tbuf = gix::date::parse::TimeBuf::default();
        let sig = gix::actor::SignatureRef {
            name: first.author.as_str().into(),
            email: email.as_str().into(),
            time: time.to_str(&mut tbuf),
        };
        let msg = format!("import: {}", ids.join(", "));
        let id = repo
            .write_object(gix::objs::Commit {
                tree: new_tree,
                parents: parent.into_iter().collect(),
                author: sig.into(),
                committer: sig.into(),
                encoding: None,
                message: msg.into(),
                extra_headers: Vec::new(),
            })
            .map_err(|e| git("writing a commit", e))?
            .detach();
        commits.push(id);
        parent = Some(id);
        tree = new_tree;
    }
    // The work tree first: should that fail, nothing moved in git.
    import.changes.apply()?;
    if let Some(last) = commits.last() {
        move_head(&repo, *last)?;
    }
    import.changes.commit(message)?;
    Ok(Replayed { commits: commits.len() })
}

fn id_of<'a>(import: &'a Import, x: &'a str) -> &'a str {
    import.ids.get(x).map(String::as_str).unwrap_or(x)
}

/// Points HEAD's branch (or a detached HEAD) at `to`.
fn move_head(repo: &gix::Repository, to: gix::ObjectId) -> Result<(), ImportError> {
    use gix::refs::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};
    let name = match repo.head_name().map_err(|e| git("reading HEAD", e))? {
        Some(n) => n,
        None => "HEAD".try_into().map_err(|e| git("reading HEAD", e))?,
    };
    repo.edit_reference(RefEdit {
        change: Change::Update {
            log: LogChange {
                mode: RefLog::AndReference,
                force_create_reflog: false,
                message: "cairn import: history".into(),
            },
            expected: PreviousValue::Any,
            new: gix::refs::Target::Object(to),
        },
        name,
        deref: false,
    })
    .map_err(|e| git("moving HEAD", e))?;
    Ok(())
}
