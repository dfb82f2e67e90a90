//! Reading other tools' backlogs in place: the mapping keys of `cairn.yml`
//! (field and status aliases, kinds by path glob or by a field, extra date
//! formats, id equivalence, lenient YAML, references that are paths) and
//! the presets that bundle them (`preset: backlog-md`).

use std::borrow::Cow;
use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::{FieldDef, StatusDef};

/// The presets: name → the `cairn.yml` text it stands for.
pub const PRESETS: &[(&str, &str)] = &[("backlog-md", include_str!("presets/backlog-md.yml"))];

/// The text of a preset, if `name` is one.
pub fn preset(name: &str) -> Option<&'static str> {
    PRESETS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// `fields:` — custom fields by name, and `aliases` (the names another tool
/// writes for cairn's fields).
#[derive(Clone, Debug, Default, PartialEq, Serialize, JsonSchema)]
pub struct FieldsSpec {
    /// Field names other tools write → the field they mean, e.g.
    /// `{dependencies: depends_on, parent_task_id: parent}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub aliases: BTreeMap<String, String>,
    /// Custom fields (key: field name).
    #[serde(flatten)]
    pub custom: BTreeMap<String, FieldDef>,
}

impl<'de> Deserialize<'de> for FieldsSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = FieldsSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a mapping of custom fields (and `aliases`)")
            }
            fn visit_unit<E: de::Error>(self) -> Result<FieldsSpec, E> {
                Ok(FieldsSpec::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<FieldsSpec, A::Error> {
                let mut out = FieldsSpec::default();
                while let Some(k) = m.next_key::<String>()? {
                    if k == "aliases" {
                        out.aliases = m.next_value::<Option<BTreeMap<String, String>>>()?.unwrap_or_default();
                    } else {
                        let v: FieldDef = m.next_value()?;
                        out.custom.insert(k, v);
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_any(V)
    }
}

/// `statuses:` — the list of statuses, or a mapping with that list
/// (`values`) and `aliases`.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum StatusesSpec {
    /// The statuses, in workflow order.
    List(Vec<StatusDef>),
    Map(StatusesMap),
}

/// The mapping form of `statuses:`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusesMap {
    /// The statuses, in workflow order (the defaults when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<StatusDef>>,
    /// Status spellings another tool writes → a status, matched ignoring
    /// case, e.g. `{"To Do": todo, "Won't Do": cancelled}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub aliases: BTreeMap<String, String>,
}

impl<'de> Deserialize<'de> for StatusesSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StatusesSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of statuses, or a mapping with `values` and `aliases`")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, s: A) -> Result<StatusesSpec, A::Error> {
                Vec::<StatusDef>::deserialize(de::value::SeqAccessDeserializer::new(s)).map(StatusesSpec::List)
            }
            fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<StatusesSpec, A::Error> {
                StatusesMap::deserialize(de::value::MapAccessDeserializer::new(m)).map(StatusesSpec::Map)
            }
        }
        d.deserialize_any(V)
    }
}

/// `dates:` — how dates may be written besides `YYYY-MM-DD` and RFC 3339.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DatesConfig {
    /// Extra formats (chrono `strftime` syntax), e.g. `"%Y-%m-%d %H:%M"`;
    /// times are read in the configured `timezone`.
    #[serde(default)]
    pub formats: Vec<String>,
}

/// `ids:` — which ids are the same item.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IdsConfig {
    #[serde(default)]
    pub aliases: IdAliases,
}

/// Rules that make ids equal: references and history follow them, so an
/// id scheme change (`task-7` → `BACK-7`) keeps one item.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IdAliases {
    /// `TASK-7` and `task-7` are one id.
    #[serde(default)]
    pub case_insensitive: bool,
    /// Prefixes that are equal: `{"task-": "back-"}` makes `task-7` ≡ `back-7`.
    #[serde(default)]
    pub prefixes: BTreeMap<String, String>,
}

impl IdAliases {
    /// Whether any rule is set.
    pub fn active(&self) -> bool {
        self.case_insensitive || !self.prefixes.is_empty()
    }

    /// The one spelling all equal ids share (the id itself without rules).
    pub fn canonical<'a>(&self, id: &'a str) -> Cow<'a, str> {
        if !self.active() {
            return Cow::Borrowed(id);
        }
        let folded = if self.case_insensitive { id.to_ascii_lowercase() } else { id.to_string() };
        // The longest matching prefix wins (deterministic whatever the order).
        let mut best: Option<(&str, &str)> = None;
        for (from, to) in &self.prefixes {
            let hit = if self.case_insensitive {
                folded.get(..from.len()).is_some_and(|h| h.eq_ignore_ascii_case(from))
            } else {
                folded.starts_with(from.as_str())
            };
            if hit && best.is_none_or(|(f, _)| from.len() > f.len()) {
                best = Some((from, to));
            }
        }
        match best {
            Some((from, to)) => {
                let to = if self.case_insensitive { to.to_ascii_lowercase() } else { to.to_string() };
                Cow::Owned(format!("{to}{}", &folded[from.len()..]))
            }
            None if folded == id => Cow::Borrowed(id),
            None => Cow::Owned(folded),
        }
    }
}

/// `yaml:` — how forgiving the front-matter reader is.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct YamlConfig {
    /// Accept unquoted scalars starting with `@` or `` ` `` (read as strings:
    /// `assignee: @ana`), which YAML reserves.
    #[serde(default)]
    pub lenient: bool,
    /// The order `cairn fmt` puts keys in and `cairn set` inserts new ones
    /// by, as the files write them (another tool's order, `created_date`
    /// rather than `created`); keys not listed follow in cairn's order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_order: Vec<String>,
    /// `cairn fmt` keeps quotes as written (it drops quotes a string does
    /// not need otherwise): for files another tool writes.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub keep_quotes: bool,
}

/// `references:` — how `references:` entries are read.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferencesConfig {
    /// Entries that are paths (`docs/api.md`, `src/lib.rs`) are external
    /// references, like urls, not item ids.
    #[serde(default)]
    pub external_paths: bool,
}

/// `acceptance:` — which checklists are acceptance criteria.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptanceConfig {
    /// Headings whose checkboxes count as acceptance criteria besides
    /// "Acceptance criteria" (any case), e.g. `["Definition of Done"]`.
    #[serde(default)]
    pub sections: Vec<String>,
}

/// The compiled `kinds.<kind>.paths` globs.
#[derive(Clone, Debug, Default)]
pub struct KindPaths {
    /// (glob, kind), in kind order then glob order: the first match wins.
    pub patterns: Vec<(String, String)>,
    set: globset::GlobSet,
}

impl PartialEq for KindPaths {
    fn eq(&self, other: &Self) -> bool {
        self.patterns == other.patterns
    }
}

impl KindPaths {
    pub fn new(patterns: Vec<(String, String)>) -> Result<KindPaths, String> {
        let mut b = globset::GlobSetBuilder::new();
        for (g, kind) in &patterns {
            let glob = globset::GlobBuilder::new(g)
                .literal_separator(true)
                .build()
                .map_err(|e| format!("kind `{kind}`: bad path glob `{g}`: {e}"))?;
            b.add(glob);
        }
        let set = b.build().map_err(|e| e.to_string())?;
        Ok(KindPaths { patterns, set })
    }

    /// The kind of the first glob matching `path` (root-relative).
    pub fn kind(&self, path: &str) -> Option<&str> {
        if self.patterns.is_empty() {
            return None;
        }
        let first = self.set.matches(path).into_iter().min()?;
        self.patterns.get(first).map(|(_, k)| k.as_str())
    }
}

/// The extra date formats, compiled (`None`: a format chrono cannot read,
/// which matches nothing). Equal whatever they hold: they follow from
/// `date_formats`.
#[derive(Clone, Debug, Default)]
pub struct CompiledFormats(std::sync::OnceLock<Vec<Option<Vec<chrono::format::Item<'static>>>>>);

impl PartialEq for CompiledFormats {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// The effective mapping settings of a config.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Dialect {
    /// The preset the config starts from.
    pub preset: Option<String>,
    /// Written field name → cairn field.
    pub field_aliases: BTreeMap<String, String>,
    /// A field whose value is the item's kind.
    pub kind_from: Option<String>,
    /// Lowercased status spelling → status.
    pub status_aliases: BTreeMap<String, String>,
    pub date_formats: Vec<String>,
    /// `date_formats` compiled on first use (chrono reads a format string
    /// again on every parse otherwise).
    #[serde(skip)]
    pub compiled_dates: CompiledFormats,
    pub ids: IdAliases,
    pub lenient_yaml: bool,
    /// `yaml.key_order`: keys as written, in the order edits keep.
    pub key_order: Vec<String>,
    /// `yaml.keep_quotes`.
    pub keep_quotes: bool,
    pub external_paths: bool,
    /// Headings whose checkboxes are acceptance criteria too.
    pub acceptance_sections: Vec<String>,
    /// Status → the first alias spelling of it, as written (what an edit
    /// writes into a file that spells its status the other tool's way).
    pub status_spellings: BTreeMap<String, String>,
    #[serde(skip)]
    pub kind_paths: KindPaths,
}

impl Dialect {
    /// The cairn name of a field written as `key`.
    pub fn field<'a>(&'a self, key: &'a str) -> &'a str {
        self.field_aliases.get(key).map_or(key, String::as_str)
    }

    /// The status an alias stands for (matched ignoring case).
    pub fn status_alias(&self, written: &str) -> Option<&str> {
        if self.status_aliases.is_empty() {
            return None;
        }
        self.status_aliases.get(&written.to_lowercase()).map(String::as_str)
    }

    /// `s` read by the first extra format it matches: a datetime, or else
    /// a date (what `NaiveDateTime::parse_from_str` and then
    /// `NaiveDate::parse_from_str` would give, with each format compiled
    /// once).
    fn extra_date(&self, s: &str) -> Option<Result<chrono::NaiveDateTime, chrono::NaiveDate>> {
        if self.date_formats.is_empty() {
            return None;
        }
        let compiled = self.compiled_dates.0.get_or_init(|| {
            self.date_formats.iter().map(|f| chrono::format::StrftimeItems::new(f).parse_to_owned().ok()).collect()
        });
        for items in compiled.iter().flatten() {
            let mut parsed = chrono::format::Parsed::new();
            if chrono::format::parse(&mut parsed, s, items.iter()).is_err() {
                continue;
            }
            if let Ok(dt) = parsed.to_naive_datetime_with_offset(0) {
                return Some(Ok(dt));
            }
            if let Ok(d) = parsed.to_naive_date() {
                return Some(Err(d));
            }
        }
        None
    }

    /// A date written in one of the extra formats, as `YYYY-MM-DD` (`date`)
    /// or an RFC 3339 datetime at `offset`.
    pub fn date_text(&self, s: &str, offset: chrono::FixedOffset) -> Option<String> {
        match self.extra_date(s)? {
            Ok(dt) => {
                let local = dt.and_local_timezone(offset).single()?;
                Some(local.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            }
            Err(d) => Some(d.to_string()),
        }
    }

    /// A calendar date written in one of the extra formats.
    pub fn date(&self, s: &str) -> Option<chrono::NaiveDate> {
        match self.extra_date(s)? {
            Ok(dt) => Some(dt.date()),
            Err(d) => Some(d),
        }
    }

    /// Whether a `references:` entry is an external path rather than an id.
    pub fn is_external_path(&self, s: &str) -> bool {
        self.external_paths && (s.contains('/') || s.contains('\\') || !crate::model::is_valid_id(s))
    }
}

/// The mapping keys: aliases name real fields and statuses, formats parse.
pub(super) fn validate(config: &super::Config) -> Result<(), String> {
    let d = &config.dialect;
    let fields: Vec<&str> =
        crate::model::CORE_FIELDS.iter().copied().chain(config.fields.keys().map(String::as_str)).collect();
    for (from, to) in &d.field_aliases {
        if !fields.contains(&to.as_str()) {
            let hint = crate::util::suggest::hint(to, fields.iter().copied());
            return Err(format!("fields.aliases: `{from}` names unknown field `{to}`{hint}"));
        }
        if crate::model::CORE_FIELDS.contains(&from.as_str()) || config.fields.contains_key(from) {
            return Err(format!("fields.aliases: `{from}` is itself a field and cannot be an alias"));
        }
    }
    let mut statuses: Vec<&str> = config.statuses.iter().map(|s| s.name.as_str()).collect();
    statuses.extend(config.kinds.iter().flat_map(|k| k.statuses.iter().flatten().map(|s| s.name.as_str())));
    for (from, to) in &d.status_aliases {
        if !statuses.contains(&to.as_str()) {
            let hint = crate::util::suggest::hint(to, statuses.iter().copied());
            return Err(format!("statuses.aliases: `{from}` names unknown status `{to}`{hint}"));
        }
    }
    for f in &d.date_formats {
        if !valid_format(f) {
            return Err(format!(
                "dates.formats: `{f}` is not a valid date format (strftime syntax, e.g. `%Y-%m-%d %H:%M`)"
            ));
        }
    }
    for (from, to) in &d.ids.prefixes {
        if from.is_empty() || to.is_empty() {
            return Err("ids.aliases.prefixes: prefixes must not be empty".into());
        }
    }
    if d.kind_from.as_deref().is_some_and(|f| f.is_empty()) {
        return Err("kind_from must name a field".into());
    }
    Ok(())
}

/// Whether a `strftime` format is well formed.
pub fn valid_format(f: &str) -> bool {
    !f.is_empty() && !chrono::format::StrftimeItems::new(f).any(|i| matches!(i, chrono::format::Item::Error))
}

/// With `yaml.lenient`: the front-matter text with unquoted scalars that
/// start with `@` or `` ` `` quoted (`assignee: @ana` → `assignee: '@ana'`,
/// also as list items, `- @ana`, and in a one-line flow list,
/// `[@ana, @bo]` → `['@ana', '@bo']`); a trailing ` # comment` stays a
/// comment. Other lines are kept as they are; borrowed when nothing changes.
/// The importer (`cairn import backlog-md`) reads with this too.
pub fn lenient_yaml(text: &str) -> Cow<'_, str> {
    if !text.bytes().any(|b| b == b'@' || b == b'`') {
        return Cow::Borrowed(text);
    }
    // Unchanged lines are copied in runs: `text[..copied]` is in `out`.
    let mut out = String::new();
    let mut copied = 0;
    let mut changed = false;
    let mut pos = 0;
    // The indentation of the line that opened the block scalar (`|`, `>`)
    // we are in: its lines are text, not YAML, and stay as they are.
    let mut block: Option<usize> = None;
    for line in text.split_inclusive('\n') {
        let line_at = pos;
        pos += line.len();
        let content = line.strip_suffix('\n').map_or(line, |c| c.strip_suffix('\r').unwrap_or(c));
        let indent = content.len() - content.trim_start_matches(' ').len();
        if let Some(opener) = block {
            if content.trim().is_empty() || indent > opener {
                continue;
            }
            block = None;
        }
        // A line without these neither opens a block nor needs quotes.
        if !content.bytes().any(|b| matches!(b, b'@' | b'`' | b'|' | b'>')) {
            continue;
        }
        let start = value_start(content);
        if start.is_some_and(|at| opens_block(&content[at..])) {
            block = Some(indent);
        }
        let quoted = start.and_then(|at| {
            let value = &content[at..];
            if value.starts_with('[') { quote_flow(value) } else { quote_scalar(value) }.map(|rest| (at, rest))
        });
        if let Some((at, rest)) = quoted {
            out.push_str(&text[copied..line_at]);
            out.push_str(&content[..at]);
            out.push_str(&rest);
            out.push_str(&line[content.len()..]);
            copied = pos;
            changed = true;
        }
    }
    if changed {
        out.push_str(&text[copied..]);
        Cow::Owned(out)
    } else {
        Cow::Borrowed(text)
    }
}

/// Where [`lenient_yaml`] put its quotes: the positions in `text` before
/// which each added `'` goes, in order (a position repeats when two quotes
/// go there). `lenient` must be `lenient_yaml(text)`. With it, a byte
/// offset in the lenient text maps back onto `text` ([`original_offset`]),
/// so an editor can parse the lenient text and still edit the original.
pub fn lenient_insertions(text: &str, lenient: &str) -> Vec<usize> {
    // The lenient text is `text` with `'`s inserted: walk both, and every
    // byte of `lenient` that `text` does not have at that point is one.
    let (o, l) = (text.as_bytes(), lenient.as_bytes());
    let mut out = Vec::with_capacity(l.len().saturating_sub(o.len()));
    let mut i = 0;
    for &b in l {
        if i < o.len() && o[i] == b {
            i += 1;
        } else {
            out.push(i);
        }
    }
    out
}

/// The offset in the original text of byte `at` of the lenient text, given
/// the [`lenient_insertions`]: `at` less the quotes inserted before it.
pub fn original_offset(insertions: &[usize], at: usize) -> usize {
    // The k-th inserted quote sits at `insertions[k] + k` in the lenient
    // text, which increases with k.
    let mut lo = 0;
    let mut hi = insertions.len();
    while lo < hi {
        let mid = (lo + hi) / 2;
        if insertions[mid] + mid < at {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    at - lo
}

/// Whether a plain scalar starts with a character YAML reserves.
fn reserved(s: &str) -> bool {
    s.starts_with(['@', '`'])
}

/// `@x # c` → `'@x' # c`; `None` unless the value starts with `@` or `` ` ``.
fn quote_scalar(value: &str) -> Option<String> {
    if !reserved(value) {
        return None;
    }
    let end = value.find(" #").or_else(|| value.find("\t#")).unwrap_or(value.len());
    let token = value[..end].trim_end();
    Some(format!("'{}'{}", token.replace('\'', "''"), &value[token.len()..]))
}

/// `[@a, b, @c] # x` → `['@a', b, '@c'] # x`: the items of a one-line flow
/// list that start with `@` or `` ` `` quoted; `None` when none does (or
/// the list nests or quotes, left to YAML).
fn quote_flow(value: &str) -> Option<String> {
    let inner = value.strip_prefix('[')?;
    let close = inner.find(']')?;
    let (items, rest) = (&inner[..close], &inner[close..]);
    if items.contains(['[', '{', '"', '\'']) {
        return None;
    }
    let mut out = String::from("[");
    let mut changed = false;
    for (i, item) in items.split(',').enumerate() {
        if i > 0 {
            out.push(',');
        }
        let t = item.trim();
        if reserved(t) {
            let lead = &item[..item.len() - item.trim_start().len()];
            let trail = &item[lead.len() + t.len()..];
            out.push_str(&format!("{lead}'{}'{trail}", t.replace('\'', "''")));
            changed = true;
        } else {
            out.push_str(item);
        }
    }
    out.push_str(rest);
    changed.then_some(out)
}

/// Where the value begins on a line of the form `key: value` (the key a
/// plain word) or `- value`; `None` else.
/// Whether a value is a block scalar's header (`|`, `>-`, `|2+ # note`).
fn opens_block(value: &str) -> bool {
    let Some(rest) = value.strip_prefix(['|', '>']) else { return false };
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit() || c == '+' || c == '-');
    rest.trim().is_empty() || rest.trim_start().starts_with('#')
}

fn value_start(line: &str) -> Option<usize> {
    let trimmed = line.trim_start();
    let indent = line.len() - trimmed.len();
    if let Some(rest) = trimmed.strip_prefix("- ") {
        return Some(indent + 2 + (rest.len() - rest.trim_start().len()));
    }
    let colon = trimmed.find(": ")?;
    let key = &trimmed[..colon];
    if key.is_empty() || key.contains(['"', '\'', '#', '[', '{']) {
        return None;
    }
    let rest = &trimmed[colon + 2..];
    Some(indent + colon + 2 + (rest.len() - rest.trim_start().len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_ids_follow_case_and_prefix_rules() {
        let mut a = IdAliases { case_insensitive: true, ..Default::default() };
        a.prefixes.insert("task-".into(), "back-".into());
        assert_eq!(a.canonical("task-7"), "back-7");
        assert_eq!(a.canonical("TASK-7"), "back-7");
        assert_eq!(a.canonical("BACK-7"), "back-7");
        assert_eq!(a.canonical("doc-1"), "doc-1");
        let none = IdAliases::default();
        assert!(matches!(none.canonical("TASK-7"), Cow::Borrowed("TASK-7")));
    }

    #[test]
    fn lenient_yaml_quotes_at_and_backtick_scalars() {
        let t = "id: task-1\nassignee: @ana\nreporter: `x`\nlabels:\n  - @bo\nnote: a@b\n";
        assert_eq!(lenient_yaml(t), "id: task-1\nassignee: '@ana'\nreporter: '`x`'\nlabels:\n  - '@bo'\nnote: a@b\n");
        assert!(matches!(lenient_yaml("a: b\n"), Cow::Borrowed(_)));
        assert!(matches!(lenient_yaml("a: 'it''s @x'\n"), Cow::Borrowed(_)));
        // Flow lists, comments, and `@` that does not start a value.
        assert_eq!(lenient_yaml("assignee: [@ana, @bo]\n"), "assignee: ['@ana', '@bo']\n");
        assert_eq!(lenient_yaml("assignee: [x, @b ]\r\nnote: @it's\n"), "assignee: [x, '@b' ]\r\nnote: '@it''s'\n");
        assert_eq!(lenient_yaml("assignee: @ana # lead\n"), "assignee: '@ana' # lead\n");
        // Lines of a block scalar are text: they stay as written.
        let t = "notes: |\n  who: @ana\n  - @bo\n\n  end\nlist:\n  - >-\n    @cy\n  - @dee\nowner: @eve\n";
        assert_eq!(
            lenient_yaml(t),
            "notes: |\n  who: @ana\n  - @bo\n\n  end\nlist:\n  - >-\n    @cy\n  - '@dee'\nowner: '@eve'\n"
        );
        assert_eq!(lenient_yaml("  - @ana\n"), "  - '@ana'\n");
        let kept = "reporter: '@ana'\nx: a@b\ntitle: mail me @ noon, a - @b\nl: [a, \"@b\"]\n";
        assert!(matches!(lenient_yaml(kept), Cow::Borrowed(_)));
    }

    /// The line-by-line rewrite `lenient_yaml` was first written as: every
    /// line looked at, every line copied.
    fn lenient_reference(text: &str) -> String {
        let mut out = String::new();
        let mut block: Option<usize> = None;
        for line in text.split_inclusive('\n') {
            let content = line.strip_suffix('\n').map_or(line, |c| c.strip_suffix('\r').unwrap_or(c));
            let eol = &line[content.len()..];
            let indent = content.len() - content.trim_start_matches(' ').len();
            if let Some(opener) = block {
                if content.trim().is_empty() || indent > opener {
                    out.push_str(line);
                    continue;
                }
                block = None;
            }
            let start = value_start(content);
            if start.is_some_and(|at| opens_block(&content[at..])) {
                block = Some(indent);
            }
            let quoted = start.and_then(|at| {
                let value = &content[at..];
                let rest = if value.starts_with('[') { quote_flow(value) } else { quote_scalar(value) }?;
                Some(format!("{}{rest}", &content[..at]))
            });
            match quoted {
                Some(q) => {
                    out.push_str(&q);
                    out.push_str(eol);
                }
                None => out.push_str(line),
            }
        }
        out
    }

    proptest::proptest! {
        /// Copying unchanged lines in runs, and looking only at lines that
        /// can matter, gives what looking at every line gave.
        #[test]
        fn lenient_yaml_skips_only_lines_that_cannot_change(
            s in "([a-z]{1,3}: |  - |- | {2,4}|#)?([@`|>\\[\\], a-z#'\"-]{0,12})(\r?\n([a-z]{1,3}: |  - |- | {2,4})?[@`|>\\[\\], a-z#'\"-]{0,12}){0,8}\n?"
        ) {
            proptest::prop_assert_eq!(lenient_yaml(&s).into_owned(), lenient_reference(&s));
        }
    }

    #[test]
    fn extra_date_formats_read_in_the_offset() {
        let d = Dialect { date_formats: vec!["%Y-%m-%d %H:%M".into()], ..Default::default() };
        let utc = chrono::FixedOffset::east_opt(0).unwrap();
        assert_eq!(d.date_text("2025-07-27 10:15", utc).as_deref(), Some("2025-07-27T10:15:00Z"));
        assert_eq!(d.date("2025-07-27 10:15"), chrono::NaiveDate::from_ymd_opt(2025, 7, 27));
        assert_eq!(d.date_text("27/07/2025", utc), None);
        // A date-only format gives a date; formats are tried in order.
        let d = Dialect { date_formats: vec!["%d/%m/%Y".into(), "%Y-%m-%d %H:%M".into()], ..Default::default() };
        assert_eq!(d.date_text("27/07/2025", utc).as_deref(), Some("2025-07-27"));
        assert_eq!(d.date_text("2025-07-27 10:15", utc).as_deref(), Some("2025-07-27T10:15:00Z"));
        assert_eq!(d.date("31/02/2025"), None);
        assert!(valid_format("%Y-%m-%d %H:%M"));
        assert!(!valid_format("%Y-%Q"));
    }
}

#[cfg(test)]
mod config_tests {
    use std::path::Path;

    use crate::config::{Config, ConfigError};

    fn error(text: &str) -> String {
        match Config::parse(text, Path::new("cairn.yml")) {
            Err(ConfigError::Invalid { message, .. }) => message,
            other => panic!("expected an error for {text:?}, got {other:?}"),
        }
    }

    #[test]
    fn typos_get_a_did_you_mean() {
        assert!(error("feilds: {}\n").contains("did you mean `fields`?"), "{}", error("feilds: {}\n"));
        assert!(error("yaml: { lenint: true }\n").contains("did you mean `lenient`?"));
        let m = error("fields: { aliases: { dependencies: depends_onn } }\n");
        assert_eq!(m, "fields.aliases: `dependencies` names unknown field `depends_onn`; did you mean `depends_on`?");
        let m = error("statuses: { aliases: { \"To Do\": backlgo } }\n");
        assert!(m.contains("unknown status `backlgo`; did you mean `backlog`?"), "{m}");
        let m = error("preset: backlog_md\n");
        assert!(m.contains("unknown preset `backlog_md`; did you mean `backlog-md`?"), "{m}");
        assert!(error("dates: { formats: [\"%Y-%Q\"] }\n").contains("not a valid date format"));
        assert!(error("fields: { aliases: { title: status } }\n").contains("is itself a field"));
        assert!(error("kinds: { story: { paths: [\"a/[\"] } }\n").contains("bad path glob"));
    }

    #[test]
    fn each_mapping_key_reaches_the_effective_config() {
        let text = "fields:\n  aliases: { dependencies: depends_on }\n  team: { type: string }\nkinds:\n  story: { paths: [\"work/**\"] }\nkind_from: type\nstatuses:\n  aliases: { \"To Do\": ready }\ndates: { formats: [\"%d.%m.%Y\"] }\nids: { aliases: { case_insensitive: true, prefixes: { \"task-\": \"back-\" } } }\nyaml: { lenient: true }\nreferences: { external_paths: true }\n";
        let c = Config::parse(text, Path::new("cairn.yml")).unwrap();
        let d = &c.dialect;
        assert_eq!(d.field("dependencies"), "depends_on");
        assert!(c.fields.contains_key("team"));
        assert_eq!(c.kind_for_path("work/a/b.md").map(|k| k.name.as_str()), Some("story"));
        assert_eq!(c.kind_for_path("tasks/b.md").map(|k| k.name.as_str()), Some("task"));
        assert_eq!(d.kind_from.as_deref(), Some("type"));
        assert_eq!(d.status_alias("TO DO"), Some("ready"));
        assert_eq!(d.date("27.07.2025"), chrono::NaiveDate::from_ymd_opt(2025, 7, 27));
        assert_eq!(d.ids.canonical("TASK-3"), d.ids.canonical("back-3"));
        assert!(d.lenient_yaml);
        assert!(d.is_external_path("docs/api.md") && !d.is_external_path("story-1"));
        let c = Config::parse("acceptance: { sections: [\"Definition of Done\"] }\n", Path::new("c")).unwrap();
        let body = "## Acceptance Criteria\n- [x] #1 a\n## Definition of Done\n- [ ] #1 b\n## Notes\n- [ ] c\n";
        let (all, acc) = crate::model::count_checklists_with(body, &c.dialect.acceptance_sections);
        assert_eq!((all.total, all.done, acc.total, acc.done), (3, 1, 2, 1));
        assert_eq!(crate::model::count_checklists(body).1.total, 1);
        // The statuses list form still works.
        let c = Config::parse("statuses: [{ name: open, category: todo }]\nworkflow: {}\n", Path::new("c")).unwrap();
        assert_eq!(c.statuses.len(), 1);
    }

    #[test]
    fn a_preset_is_overridden_by_the_files_own_keys() {
        let c = Config::parse("preset: backlog-md\n", Path::new("c")).unwrap();
        assert_eq!(c.dialect.preset.as_deref(), Some("backlog-md"));
        assert_eq!(c.dialect.field("parent_task_id"), "parent");
        assert_eq!(c.kind_for_path("archive/tasks/task-1 - A.md").map(|k| k.name.as_str()), Some("task"));
        assert_eq!(c.dialect.status_alias("won't do"), Some("cancelled"));
        let text =
            "preset: backlog-md\nname: Mine\nfields:\n  aliases: { due_date: start }\nyaml: { lenient: false }\n";
        let c = Config::parse(text, Path::new("c")).unwrap();
        assert_eq!(c.name, "Mine");
        assert_eq!(c.dialect.field("due_date"), "start");
        assert_eq!(c.dialect.field("dependencies"), "depends_on");
        assert!(!c.dialect.lenient_yaml);
        assert!(c.dialect.ids.active());
    }
}
