//! `policy:` judged on a range of commits: each field change a commit
//! made, against the rules that guard it and who the rule allows — emails,
//! globs of them, or the CODEOWNERS owners of the item's file (E041).

use std::path::Path;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde_json::Value;

use super::diff::{CommitChange, Side};
use crate::config::policy::CODEOWNERS;
use crate::config::Config;
use crate::diag::Diagnostic;

/// A change `policy:` does not allow its author.
pub const POLICY_VIOLATION: &str = "E041";

/// The repository's CODEOWNERS (`.github/CODEOWNERS`, `CODEOWNERS` or
/// `docs/CODEOWNERS`, the first there, as GitHub reads them): for a path,
/// the owners of the last pattern that matches it.
#[derive(Default)]
pub struct Codeowners {
    set: GlobSet,
    /// Per glob of `set`: the line's owners (an index into `owners`).
    line_of: Vec<usize>,
    owners: Vec<Vec<String>>,
    /// The backlog root's path in the repository (`backlog/`, or empty).
    prefix: String,
}

impl Codeowners {
    /// Reads the CODEOWNERS of the work tree `workdir`; `root_in_repo` is
    /// the backlog root's path in it. None there: nobody owns anything.
    pub fn load(workdir: &Path, root_in_repo: &str) -> Codeowners {
        for rel in [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"] {
            if let Ok(bytes) = crate::util::fs::read_regular(&workdir.join(rel), 1 << 20) {
                return Codeowners::parse(&String::from_utf8_lossy(&bytes), root_in_repo);
            }
        }
        Codeowners { prefix: prefix(root_in_repo), ..Codeowners::default() }
    }

    /// Parses CODEOWNERS text: `pattern owner…` a line, `#` comments.
    /// Patterns follow gitignore: `/x` and `a/b` are anchored at the
    /// repository root, `x` matches at any depth, `x/` and a folder name
    /// match everything under the folder. Lines whose pattern does not
    /// parse are skipped.
    pub fn parse(text: &str, root_in_repo: &str) -> Codeowners {
        let mut b = GlobSetBuilder::new();
        let mut line_of = Vec::new();
        let mut owners = Vec::new();
        for line in text.lines() {
            let line = line.split(" #").next().unwrap_or("").trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut words = line.split_whitespace();
            let Some(pattern) = words.next() else { continue };
            let who: Vec<String> = words.map(str::to_string).collect();
            let anchored = pattern.starts_with('/') || pattern.trim_end_matches('/').contains('/');
            let p = pattern.trim_start_matches('/').trim_end_matches('/');
            if p.is_empty() {
                continue;
            }
            let base = if anchored { p.to_string() } else { format!("**/{p}") };
            let mut ok = false;
            for g in [base.clone(), format!("{base}/**")] {
                if let Ok(glob) = GlobBuilder::new(&g).literal_separator(true).build() {
                    b.add(glob);
                    line_of.push(owners.len());
                    ok = true;
                }
            }
            if ok {
                owners.push(who);
            }
        }
        Codeowners { set: b.build().unwrap_or_default(), line_of, owners, prefix: prefix(root_in_repo) }
    }

    /// The owners of `path` (relative to the backlog root).
    pub fn owners_of(&self, path: &str) -> &[String] {
        let full = format!("{}{path}", self.prefix);
        let last = self.set.matches(&full).into_iter().filter_map(|i| self.line_of.get(i).copied()).max();
        last.and_then(|l| self.owners.get(l)).map(Vec::as_slice).unwrap_or(&[])
    }
}

fn prefix(root_in_repo: &str) -> String {
    let r = root_in_repo.trim_matches('/');
    if r.is_empty() {
        String::new()
    } else {
        format!("{r}/")
    }
}

/// Whether a CODEOWNERS owner is the author: an email owner by email; a
/// `@user` owner by the author's name or the email's user part (`user@…`,
/// GitHub's `123+user@users.noreply.github.com`). Team owners
/// (`@org/team`) cannot be told from a commit and match no one.
pub fn owner_is(owner: &str, author: &str, email: &str) -> bool {
    let email = email.to_ascii_lowercase();
    match owner.strip_prefix('@') {
        Some(team) if team.contains('/') => false,
        Some(user) => {
            let user = user.to_ascii_lowercase();
            let local = email.split('@').next().unwrap_or("");
            author.eq_ignore_ascii_case(&user) || local == user || local.rsplit('+').next() == Some(user.as_str())
        }
        None => owner.eq_ignore_ascii_case(&email),
    }
}

fn text(v: &Option<Value>) -> Option<&str> {
    v.as_ref().and_then(Value::as_str)
}

/// E041 for each change of `changes` a rule guards and does not allow its
/// author, at the field's line on the head side (or the item's file).
pub fn violations(
    changes: &[CommitChange],
    base: &Side,
    head: &Side,
    config: &Config,
    owners: &Codeowners,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if config.policy.is_empty() {
        return out;
    }
    for c in changes {
        let item = head.backlog.get(&c.id).or_else(|| base.backlog.get(&c.id));
        let Some(kind) = item.map(|i| i.kind.value.as_str()) else { continue };
        for rule in &config.policy {
            if !rule.guards(kind, &c.field, text(&c.old), text(&c.new)) {
                continue;
            }
            let by_owner = rule.allow.iter().any(|a| a == CODEOWNERS)
                && owners.owners_of(&c.path).iter().any(|o| owner_is(o, &c.author, &c.email));
            if rule.allows_email(&c.email) || by_owner {
                continue;
            }
            let (file, span) = match (head.backlog.get(&c.id), head.states.get(&c.id)) {
                (Some(it), Some((p, _))) => (p.clone(), it.key_span(&c.field)),
                _ => (c.path.clone(), Default::default()),
            };
            let what = match &c.field[..] {
                "status" => format!(
                    "moved `{}` from `{}` to `{}`",
                    c.id,
                    text(&c.old).unwrap_or("∅"),
                    text(&c.new).unwrap_or("∅")
                ),
                f => format!("changed `{f}` of `{}`", c.id),
            };
            let allowed = rule
                .allow
                .iter()
                .map(|a| if a == CODEOWNERS { "the file's CODEOWNERS".to_string() } else { format!("`{a}`") })
                .collect::<Vec<_>>()
                .join(", ");
            out.push(
                Diagnostic::new(
                    POLICY_VIOLATION,
                    &file,
                    span,
                    format!(
                        "{} <{}> {what} in commit {}, which policy `{}` does not allow them",
                        c.author,
                        c.email,
                        &c.commit[..c.commit.len().min(12)],
                        rule.name
                    ),
                )
                .with_id(&c.id)
                .with_help(format!(
                    "`{}` allows {allowed}: ask one of them, or change `policy:` in cairn.yml",
                    rule.name
                )),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_matching_codeowners_line_wins() {
        let text = "# owners\n*.md @docs\n/backlog/epics/ @ana pm@acme.io\nstories/ @ben  # any depth\n/backlog/epics/secret.md\n";
        let c = Codeowners::parse(text, "backlog");
        assert_eq!(c.owners_of("epics/e1.md"), ["@ana", "pm@acme.io"]);
        assert_eq!(c.owners_of("epics/sub/e2.md"), ["@ana", "pm@acme.io"]);
        assert_eq!(c.owners_of("stories/s.md"), ["@ben"]);
        assert_eq!(c.owners_of("bugs/b.md"), ["@docs"]);
        assert!(c.owners_of("epics/secret.md").is_empty(), "a line without owners unsets them");
        assert!(c.owners_of("cairn.yml").is_empty());
        let top = Codeowners::parse("/epics/ @ana\n", "");
        assert_eq!(top.owners_of("epics/e.md"), ["@ana"]);
        assert!(top.owners_of("x/epics/e.md").is_empty());
    }

    #[test]
    fn owners_match_authors() {
        assert!(owner_is("@ana", "Ana", "x@y.io"));
        assert!(owner_is("@ana", "Someone", "ana@acme.io"));
        assert!(owner_is("@ana", "Someone", "123+ana@users.noreply.github.com"));
        assert!(owner_is("pm@acme.io", "X", "PM@acme.io"));
        assert!(!owner_is("@acme/pms", "pms", "pms@acme.io"));
        assert!(!owner_is("@ana", "Ben", "ben@acme.io"));
    }
}
