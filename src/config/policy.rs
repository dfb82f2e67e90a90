//! `policy:` in `cairn.yml` — who may change what. Each rule guards some
//! fields (or a status transition) of some kinds and lists who may make
//! that change: git author emails or globs of them (`*@pm.acme.io`), or
//! `codeowners` (the owners the repository's CODEOWNERS file gives the
//! item's file). `cairn diff` reports every change a commit of the range
//! made that a rule does not allow its author (E041), on that commit.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One rule of `policy:`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyRule {
    /// What the rule is for, shown in every violation.
    pub name: String,
    /// The kinds it applies to (all kinds when absent).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<String>,
    /// The fields whose changes it guards (`status`, `priority`, a custom
    /// field; `"*"`: every field).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// A status transition it guards: `{ to: done }`, `{ from: review, to: done }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transition: Option<Transition>,
    /// Who may: git author emails (`ana@acme.io`), globs of them
    /// (`*@pm.acme.io`), or `codeowners`.
    pub allow: Vec<String>,
}

/// `transition:` of a policy rule (either side may be left out: any status).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

/// The special `allow` entry: the item file's CODEOWNERS owners.
pub const CODEOWNERS: &str = "codeowners";

impl PolicyRule {
    /// Whether the rule guards a change of `field` from `old` to `new` (as
    /// status names when the field is `status`) of an item of `kind`.
    pub fn guards(&self, kind: &str, field: &str, old: Option<&str>, new: Option<&str>) -> bool {
        if !self.kinds.is_empty() && !self.kinds.iter().any(|k| k == kind) {
            return false;
        }
        if self.fields.iter().any(|f| f == "*" || f == field) {
            return true;
        }
        match &self.transition {
            Some(t) if field == "status" => {
                t.from.as_deref().is_none_or(|f| Some(f) == old) && t.to.as_deref().is_none_or(|s| Some(s) == new)
            }
            _ => false,
        }
    }

    /// Whether an `allow` entry other than `codeowners` admits `email`
    /// (compared without case; `*` matches any run of characters).
    pub fn allows_email(&self, email: &str) -> bool {
        let email = email.to_ascii_lowercase();
        self.allow.iter().filter(|a| a.as_str() != CODEOWNERS).any(|a| glob_match(&a.to_ascii_lowercase(), &email))
    }
}

/// `*`-only glob matching, linear in the text for one `*` and at worst
/// pattern × text (the classic two-pointer backtracking).
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut i, mut j) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while j < t.len() {
        if i < p.len() && p[i] == b'*' {
            star = Some((i, j));
            i += 1;
        } else if i < p.len() && p[i] == t[j] {
            i += 1;
            j += 1;
        } else if let Some((si, sj)) = star {
            i = si + 1;
            j = sj + 1;
            star = Some((si, sj + 1));
        } else {
            return false;
        }
    }
    p[i..].iter().all(|&c| c == b'*')
}

/// Validates the rules against the config: known kinds and fields, a
/// field or transition to guard, someone allowed.
pub fn validate(config: &super::Config) -> Result<(), String> {
    let mut fields: Vec<&str> = crate::model::CORE_FIELDS.to_vec();
    fields.extend(config.fields.keys().map(String::as_str));
    fields.push("*");
    let statuses: Vec<&str> = config
        .statuses
        .iter()
        .chain(config.kinds.iter().flat_map(|k| k.statuses.iter().flatten()))
        .map(|s| s.name.as_str())
        .collect();
    for r in &config.policy {
        let at = format!("policy rule `{}`", r.name);
        if r.name.trim().is_empty() {
            return Err("a policy rule needs a `name`".into());
        }
        for k in &r.kinds {
            if config.kind(k).is_none() {
                let hint = crate::util::suggest::hint(k, config.kinds.iter().map(|k| k.name.as_str()));
                return Err(format!("{at} names unknown kind `{k}`{hint}"));
            }
        }
        for f in &r.fields {
            if !fields.contains(&f.as_str()) && !config.dialect.field_aliases.contains_key(f) {
                let hint = crate::util::suggest::hint(f, fields.iter().copied());
                return Err(format!("{at} names unknown field `{f}`{hint}"));
            }
        }
        if let Some(t) = &r.transition {
            for s in t.from.iter().chain(&t.to) {
                if !statuses.contains(&s.as_str()) {
                    let hint = crate::util::suggest::hint(s, statuses.iter().copied());
                    return Err(format!("{at}: unknown status `{s}` in `transition`{hint}"));
                }
            }
        }
        if r.fields.is_empty() && r.transition.is_none() {
            return Err(format!("{at} guards nothing: give it `fields` or a `transition`"));
        }
        if r.allow.is_empty() {
            return Err(format!("{at} allows no one: list emails, globs or `codeowners` under `allow`"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_emails() {
        assert!(glob_match("*@pm.acme.io", "ana@pm.acme.io"));
        assert!(!glob_match("*@pm.acme.io", "ana@acme.io"));
        assert!(glob_match("ana@acme.io", "ana@acme.io"));
        assert!(glob_match("a*a*@x", "abacad@x"));
        assert!(!glob_match("a*b", "aaaa"));
        assert!(glob_match("*", ""));
    }

    #[test]
    fn a_rule_guards_its_fields_and_transitions_of_its_kinds() {
        let r = PolicyRule {
            name: "qa".into(),
            kinds: vec!["story".into()],
            transition: Some(Transition { from: None, to: Some("done".into()) }),
            allow: vec!["qa@acme.io".into()],
            ..Default::default()
        };
        assert!(r.guards("story", "status", Some("review"), Some("done")));
        assert!(!r.guards("story", "status", Some("done"), Some("review")));
        assert!(!r.guards("bug", "status", Some("review"), Some("done")));
        assert!(!r.guards("story", "priority", None, None));
        assert!(r.allows_email("QA@acme.io"));
        assert!(!r.allows_email("dev@acme.io"));
    }
}
