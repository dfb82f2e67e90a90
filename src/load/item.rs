//! Building a typed [`Item`] from a front-matter tree, reporting every
//! problem of the file (wrong types, unknown fields, bad values) at the
//! position of the offending key or value, in one pass.

use crate::config::{Config, FieldDef, FieldType, Role, PRIORITIES};
use crate::diag::Diagnostic;
use crate::load::yaml::{Node, Value};
use crate::model::{
    self, Dependency, FieldValue, Item, Reference, Span, Spanned, CORE_FIELDS, NUMBER_LIMIT, SPRINT_FIELDS,
};
use crate::util::suggest;
use crate::util::time;

const ML_KEYS: &[&str] = &["dataset", "model", "metrics", "ethical_review", "explainability", "data_notes"];
const ETHICAL_REVIEW: &[&str] = &["pending", "approved", "requires_mitigation", "not_required"];

struct Builder<'a> {
    path: &'a str,
    cfg: &'a Config,
    diags: Vec<Diagnostic>,
    id: Option<String>,
}

impl Builder<'_> {
    fn err(&mut self, code: &'static str, span: Span, msg: impl Into<String>) -> &mut Diagnostic {
        let mut d = Diagnostic::new(code, self.path, span, msg);
        d.id = self.id.clone();
        self.diags.push(d);
        let last = self.diags.len() - 1;
        &mut self.diags[last]
    }

    fn wrong_type(&mut self, key: &str, node: &Node, expected: &str) {
        let msg = format!("`{key}` must be {expected}, found {}", describe(&node.value));
        self.err("E017", node.span, msg);
    }

    fn string(&mut self, key: &str, node: &Node) -> Option<Spanned<String>> {
        match &node.value {
            Value::Str(s) => Some(Spanned::new(s.clone(), node.span)),
            Value::Int(_) | Value::Float(_) | Value::Bool(_) => Some(Spanned::new(node.value.scalar_text(), node.span)),
            _ => {
                self.wrong_type(key, node, "a string");
                None
            }
        }
    }

    /// An item id: a string, exactly as written, or a whole number (ids
    /// may be numbers; `5.0` is the number 5, as in JSON).
    fn id_ref(&mut self, key: &str, node: &Node) -> Option<Spanned<String>> {
        match &node.value {
            Value::Str(s) if !s.is_empty() => Some(Spanned::new(s.clone(), node.span)),
            Value::Int(_) => Some(Spanned::new(node.value.scalar_text(), node.span)),
            Value::Float(f) if f.fract() == 0.0 && (0.0..9_223_372_036_854_775_808.0).contains(f) => {
                Some(Spanned::new((*f as i64).to_string(), node.span))
            }
            _ => {
                self.wrong_type(key, node, "an item id");
                None
            }
        }
    }

    /// A list, or a single value standing for a list of one.
    fn list<'n>(&mut self, node: &'n Node) -> Vec<&'n Node> {
        match &node.value {
            Value::Seq(v) => v.iter().collect(),
            Value::Null => Vec::new(),
            _ => vec![node],
        }
    }

    fn id_list(&mut self, key: &str, node: &Node) -> Vec<Spanned<String>> {
        self.list(node).into_iter().filter_map(|n| self.id_ref(key, n)).collect()
    }

    fn string_list(&mut self, key: &str, node: &Node) -> Vec<String> {
        let mut out = Vec::new();
        for n in self.list(node) {
            if let Some(s) = self.string(key, n) {
                out.push(s.value);
            }
        }
        out
    }

    fn date(&mut self, key: &str, node: &Node) -> Option<Spanned<chrono::NaiveDate>> {
        let s = match &node.value {
            Value::Str(s) => s,
            Value::Null => return None,
            _ => {
                self.wrong_type(key, node, "a date (YYYY-MM-DD)");
                return None;
            }
        };
        match time::parse_date(s).or_else(|| self.cfg.dialect.date(s)) {
            Some(d) => Some(Spanned::new(d, node.span)),
            None => {
                self.err("E017", node.span, format!("`{key}` must be a date (YYYY-MM-DD), found `{s}`"));
                None
            }
        }
    }

    /// A finite number smaller than [`NUMBER_LIMIT`] in size.
    fn number(&mut self, key: &str, node: &Node) -> Option<f64> {
        match node.value.as_f64() {
            Some(n) if n.is_finite() && n.abs() < NUMBER_LIMIT => Some(n),
            Some(n) if n.is_finite() => {
                let msg = format!(
                    "`{key}` is {}: numbers in items must be less than one billion (1e9) in size",
                    node.value.scalar_text()
                );
                self.err("E030", node.span, msg);
                None
            }
            _ => {
                self.wrong_type(key, node, "a number");
                None
            }
        }
    }

    /// A lag or duration: a string such as `2d` ([`time::parse_lag`]), or a
    /// number of days (0 or more, less than [`NUMBER_LIMIT`]).
    fn lag(&mut self, key: &str, node: &Node) -> Option<(String, f64)> {
        let (text, days) = match &node.value {
            Value::Str(s) => (s.clone(), time::parse_lag(s)),
            Value::Int(_) | Value::Float(_) => {
                let n = node.value.as_f64().filter(|n| n.is_finite() && *n >= 0.0 && *n < NUMBER_LIMIT);
                (format!("{}d", node.value.scalar_text()), n)
            }
            _ => {
                self.wrong_type(key, node, "a duration such as `2d`, `1w` or `4h`");
                return None;
            }
        };
        match days {
            Some(d) => Some((text, d)),
            None => {
                self.err(
                    "E027",
                    node.span,
                    format!(
                        "bad {key} `{}`: write a number (less than one billion) and a unit, like `2d`, `1w` or `4h`",
                        truncate(&text, 40)
                    ),
                );
                None
            }
        }
    }

    fn unknown_key(&mut self, key: &str, span: Span, allowed: &[&str], context: &str) {
        let hint = suggest::hint(key, allowed.iter().copied());
        self.err("E018", span, format!("unknown field `{key}`{context}{hint}"));
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Str(s) => format!("`{}`", truncate(s, 40)),
        Value::Int(_) | Value::Float(_) | Value::Bool(_) => format!("`{}`", v.scalar_text()),
        other => other.type_name().to_string(),
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

/// The file stem of a root-relative path.
pub fn stem(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.strip_suffix(".md").unwrap_or(name)
}

/// Builds an item from its front-matter mapping. Returns the item (if it
/// has a usable id) and every diagnostic about the file.
pub fn build(
    map: &[(Node, Node)],
    path: &str,
    body: &str,
    body_line: u32,
    cfg: &Config,
) -> (Option<Item>, Vec<Diagnostic>) {
    let mut b = Builder { path, cfg, diags: Vec::new(), id: None };
    let mut item = Item { path: path.to_string(), body: body.to_string(), body_line, ..Item::default() };

    // Keys: duplicates, and where each is.
    let mut first = crate::model::Keys::default();
    let mut entries: Vec<(&str, &Node, &Node)> = Vec::with_capacity(map.len());
    // Duplicates are found by a scan of the usual dozen keys, and through a
    // hash map beyond that: 50,000 keys stay linear.
    let mut big: Option<std::collections::HashMap<&str, Span>> = (map.len() > 32).then(Default::default);
    for (k, v) in map {
        let key: &str = match &k.value {
            // Another tool's name for a field (`fields.aliases`) is that field.
            Value::Str(s) => cfg.dialect.field(s),
            other => {
                let msg = format!("keys must be field names, found {}", describe(other));
                b.err("E017", k.span, msg);
                continue;
            }
        };
        let prev = match &mut big {
            Some(seen) => seen.get(key).copied().or_else(|| {
                seen.insert(key, k.span);
                None
            }),
            None => first.get(key),
        };
        if let Some(prev) = prev {
            b.err("E019", k.span, format!("duplicate key `{key}`")).notes.push(crate::diag::Note {
                message: format!("`{key}` first written here"),
                file: path.to_string(),
                line: prev.line,
                column: prev.col,
                len: prev.len,
            });
            continue;
        }
        first.insert(key, k.span);
        entries.push((key, k, v));
    }
    item.keys = first;

    // The id and kind come first: later checks depend on them.
    let id = match entries.iter().find(|(k, _, _)| *k == "id") {
        Some((_, _, v)) => b.id_ref("id", v),
        None => Some(Spanned::new(stem(path).to_string(), Span::START)),
    };
    let Some(id) = id else { return (None, b.diags) };
    if !model::is_valid_id(&id.value) {
        let from = if item.keys.contains_key("id") { "" } else { " (from the file name)" };
        b.err("E011", id.span, format!("invalid id `{}`{from}: {}", truncate(&id.value, 60), model::ID_RULE));
        return (None, b.diags);
    }
    b.id = Some(id.value.clone());
    item.id = id;

    let kind_key =
        cfg.dialect.kind_from.as_deref().filter(|f| !item.keys.contains_key("kind") && item.keys.contains_key(f));
    let kind = match entries.iter().find(|(k, _, _)| *k == kind_key.unwrap_or("kind")) {
        Some((_, _, v)) => b.string("kind", v),
        None => match cfg.kind_for_path(path) {
            Some(k) => Some(Spanned::new(k.name.clone(), Span::START)),
            None => {
                let folders: Vec<String> = cfg.kinds.iter().map(|k| format!("{}/", k.folder)).collect();
                b.err(
                    "E014",
                    Span::START,
                    "cannot tell the kind of this item: set `kind:` or put the file in a kind's folder",
                )
                .help = Some(format!("kind folders are {}", folders.join(", ")));
                None
            }
        },
    };
    let kind_def = kind.as_ref().and_then(|k| cfg.kind(&k.value));
    if let (Some(k), None) = (&kind, kind_def) {
        let hint = suggest::hint(&k.value, cfg.kinds.iter().map(|k| k.name.as_str()));
        b.err("E014", k.span, format!("unknown kind `{}`{hint}", k.value));
    }
    let role = kind_def.map(|k| k.role);
    item.kind = kind.unwrap_or_else(|| Spanned::new(String::new(), Span::START));
    let kind_name = item.kind.value.clone();

    let is_sprint = role == Some(Role::Sprint);
    // The field names an unknown key is compared with (made only for one).
    let allowed = || -> Vec<&str> {
        let mut allowed: Vec<&str> = CORE_FIELDS.to_vec();
        if is_sprint {
            allowed.extend_from_slice(SPRINT_FIELDS);
        }
        allowed.extend(cfg.fields.keys().map(String::as_str));
        allowed
    };

    for &(key, kspan, v) in &entries {
        let kspan = kspan.span;
        if kind_key == Some(key) {
            continue;
        }
        match key {
            "id" | "kind" => {}
            "title" => {
                if let Some(t) = b.string("title", v) {
                    if t.value.trim().is_empty() {
                        b.err("E015", v.span, "`title` is empty");
                    } else {
                        item.title = t;
                    }
                }
            }
            "status" => item.status = b.string("status", v),
            "priority" => {
                if let Some(p) = b.string("priority", v) {
                    if PRIORITIES.contains(&p.value.as_str()) {
                        item.priority = Some(p);
                    } else {
                        let hint = suggest::hint(&p.value, PRIORITIES);
                        b.err("E016", p.span, format!("unknown priority `{}`{hint}", p.value)).help =
                            Some("priorities are highest, high, medium, low, lowest".into());
                    }
                }
            }
            "assignee" => item.assignee = b.string_list("assignee", v),
            "labels" => item.labels = b.string_list("labels", v),
            "reporter" => item.reporter = b.string("reporter", v).map(|s| s.value),
            "created" | "updated" => {
                if let Some(mut s) = b.string(key, v) {
                    if !time::is_date_or_datetime(&s.value) {
                        let offset = time::parse_offset(&cfg.timezone);
                        if let Some(t) = offset.and_then(|o| cfg.dialect.date_text(&s.value, o)) {
                            s.value = t;
                        }
                    }
                    if time::is_date_or_datetime(&s.value) {
                        if key == "created" {
                            item.created = Some(s.value);
                        } else {
                            item.updated = Some(s.value);
                        }
                    } else {
                        b.err(
                            "E017",
                            s.span,
                            format!("`{key}` must be a date (YYYY-MM-DD) or an RFC 3339 datetime, found `{}`", s.value),
                        );
                    }
                }
            }
            "due" => item.due = b.date("due", v),
            "start" => item.start = b.date("start", v),
            "end" if is_sprint => item.end = b.date("end", v),
            "goal" if is_sprint => item.goal = b.string("goal", v).map(|s| s.value),
            "capacity" if is_sprint => match &v.value {
                Value::Map(m) => {
                    for (ck, cv) in m {
                        let name = ck.value.scalar_text();
                        if let Some(n) = b.number("capacity", cv) {
                            item.capacity.insert(name, n);
                        }
                    }
                }
                Value::Int(_) | Value::Float(_) => {
                    if let Some(n) = b.number("capacity", v) {
                        item.capacity.insert("team".into(), n);
                    }
                }
                _ => b.wrong_type("capacity", v, "a mapping of people to points"),
            },
            "estimate" => {
                if let Some(n) = b.number("estimate", v) {
                    if n < 0.0 {
                        b.err(
                            "E030",
                            v.span,
                            format!("`estimate` must be 0 or more, found `{}`", v.value.scalar_text()),
                        );
                    } else {
                        item.estimate = Some(n);
                    }
                }
            }
            "duration" => item.duration = b.lag("duration", v).map(|(_, d)| d),
            "sprint" => item.sprint = b.id_ref("sprint", v),
            "parent" => item.parent = b.id_ref("parent", v),
            "duplicates" => item.duplicates = b.id_ref("duplicates", v),
            "blocks" => item.blocks = b.id_list("blocks", v),
            "relates_to" => item.relates_to = b.id_list("relates_to", v),
            "depends_on" => {
                for n in b.list(v) {
                    match &n.value {
                        Value::Map(m) => {
                            let mut id = None;
                            let mut lag = None;
                            for (mk, mv) in m {
                                match mk.value.scalar_text().as_str() {
                                    "id" => id = b.id_ref("depends_on.id", mv),
                                    "lag" => lag = b.lag("lag", mv),
                                    other => b.unknown_key(other, mk.span, &["id", "lag"], " in `depends_on`"),
                                }
                            }
                            match id {
                                Some(id) => item.depends_on.push(Dependency { id, lag }),
                                None if !m.iter().any(|(k, _)| k.value.scalar_text() == "id") => {
                                    b.err("E017", n.span, "a dependency written as a mapping needs `id:`");
                                }
                                None => {}
                            }
                        }
                        _ => {
                            if let Some(id) = b.id_ref("depends_on", n) {
                                item.depends_on.push(Dependency { id, lag: None });
                            }
                        }
                    }
                }
            }
            "references" => {
                for n in b.list(v) {
                    match &n.value {
                        Value::Map(m) => {
                            let mut url = None;
                            let mut title = None;
                            let mut id = None;
                            for (mk, mv) in m {
                                match mk.value.scalar_text().as_str() {
                                    "url" => url = b.string("references.url", mv),
                                    "title" => title = b.string("references.title", mv).map(|s| s.value),
                                    "id" => id = b.id_ref("references.id", mv),
                                    other => b.unknown_key(other, mk.span, &["url", "title", "id"], " in `references`"),
                                }
                            }
                            if id.is_some() && url.is_some() {
                                b.err(
                                    "E017",
                                    n.span,
                                    "a reference links to an item (`id:`) or a page (`url:`), not both",
                                );
                            } else if let Some(id) = id {
                                item.references.push(Reference::Item(id));
                            } else if let Some(url) = url {
                                if is_allowed_url(&url.value) {
                                    item.references.push(Reference::Url { url, title });
                                } else {
                                    b.err(
                                        "E028",
                                        url.span,
                                        format!("url `{}` must use http, https or mailto", truncate(&url.value, 60)),
                                    );
                                }
                            } else {
                                b.err("E017", n.span, "a reference written as a mapping needs `url:` (or `id:`)");
                            }
                        }
                        Value::Str(s) if !s.contains("://") && cfg.dialect.is_external_path(s) => {
                            item.references.push(Reference::Url { url: Spanned::new(s.clone(), n.span), title: None });
                        }
                        Value::Str(s) if s.contains("://") || s.to_ascii_lowercase().starts_with("mailto:") => {
                            if is_allowed_url(s) {
                                item.references
                                    .push(Reference::Url { url: Spanned::new(s.clone(), n.span), title: None });
                            } else {
                                b.err(
                                    "E028",
                                    n.span,
                                    format!("url `{}` must use http, https or mailto", truncate(s, 60)),
                                );
                            }
                        }
                        _ => {
                            if let Some(id) = b.id_ref("references", n) {
                                item.references.push(Reference::Item(id));
                            }
                        }
                    }
                }
            }
            // The source's id of an imported item (`cairn import`): kept
            // as text, shown with the custom fields.
            "external_id" => {
                if let Some(s) = b.string("external_id", v) {
                    item.fields.insert("external_id".into(), FieldValue { value: s.value.into(), span: s.span });
                }
            }
            "ml" => {
                check_ml(&mut b, v);
                item.ml = Some(v.value.to_json());
            }
            other => {
                if let Some(def) = cfg.fields.get(other) {
                    if let Some(kinds) = &def.kinds {
                        if !kinds.contains(&kind_name) && !kind_name.is_empty() {
                            b.err(
                                "E032",
                                kspan,
                                format!("field `{other}` is not for {kind_name} items (only {})", kinds.join(", ")),
                            );
                            continue;
                        }
                    }
                    if let Some(fv) = custom_field(&mut b, other, def, v) {
                        item.fields.insert(other.to_string(), fv);
                    }
                } else {
                    let ctx = if SPRINT_FIELDS.contains(&other) {
                        format!(" (`{other}` is for sprints only)")
                    } else {
                        String::new()
                    };
                    b.unknown_key(other, kspan, &allowed(), &ctx);
                }
            }
        }
    }

    // Title: `title:` else the first `# ` heading.
    if item.title.value.is_empty() && !item.keys.contains_key("title") {
        match model::first_heading(body) {
            Some((i, t)) => {
                item.title = Spanned::new(t.to_string(), Span::new(body_line + i as u32, 3, t.chars().count() as u32))
            }
            None => {
                b.err("E015", Span::START, "missing title: set `title:` or start the body with a `# ` heading");
            }
        }
    }

    // Another tool's spelling of a status (`statuses.aliases`, any case).
    if let Some(s) = &mut item.status {
        if cfg.status(&kind_name, &s.value).is_none() {
            if let Some(a) = cfg.dialect.status_alias(&s.value) {
                s.value = a.to_string();
            }
        }
    }

    // Status: required on work items, and one of the kind's statuses.
    match (&item.status, role) {
        (None, Some(Role::Work)) => {
            let first = cfg.statuses_of(&kind_name).first().map(|s| s.name.clone()).unwrap_or_default();
            b.err("E013", Span::START, format!("missing status: {kind_name} items need `status:`")).help =
                Some(format!("add `status: {first}`"));
        }
        (Some(s), Some(_)) if cfg.status(&kind_name, &s.value).is_none() => {
            let names: Vec<&str> = cfg.statuses_of(&kind_name).iter().map(|s| s.name.as_str()).collect();
            let hint = suggest::hint(&s.value, names.iter().copied());
            let span = s.span;
            let msg = format!("unknown status `{}` for {kind_name}{hint}", s.value);
            b.err("E012", span, msg).help = Some(format!("statuses of {kind_name} are {}", names.join(", ")));
        }
        _ => {}
    }

    // Required custom fields.
    for (name, def) in &cfg.fields {
        let applies = def.kinds.as_ref().is_none_or(|ks| ks.contains(&kind_name));
        if def.required && applies && !item.keys.contains_key(name) && role.is_some() {
            b.err("E031", Span::START, format!("missing required field `{name}` ({})", def.ty.as_str()));
        }
    }

    // Sprints need dates.
    if is_sprint {
        match (&item.start, &item.end) {
            (Some(s), Some(e)) if e.value < s.value => {
                let span = e.span;
                b.err("E034", span, format!("sprint ends ({}) before it starts ({})", e.value, s.value));
            }
            (None, _) if !item.keys.contains_key("start") => {
                b.err("E034", Span::START, "a sprint needs `start:` and `end:` dates");
            }
            (_, None) if !item.keys.contains_key("end") => {
                b.err("E034", Span::START, "a sprint needs an `end:` date");
            }
            _ => {}
        }
    } else if let (Some(s), Some(d)) = (&item.start, &item.due) {
        if d.value < s.value {
            let span = d.span;
            b.err("W003", span, format!("due date {} is before start date {}", d.value, s.value));
        }
    }

    let (all, acc) = model::count_checklists_with(body, &cfg.dialect.acceptance_sections);
    item.checklist = all;
    item.acceptance = acc;

    // Done-state rules that need only this file.
    let done = item
        .status
        .as_ref()
        .and_then(|s| cfg.status(&kind_name, &s.value))
        .filter(|s| s.category == crate::config::Category::Done);
    if let Some(st) = done {
        if st.completed && acc.done < acc.total {
            let span = item.key_span("status");
            b.err(
                "W004",
                span,
                format!(
                    "{} is `{}` with {} of {} acceptance criteria unchecked",
                    kind_name,
                    st.name,
                    acc.total - acc.done,
                    acc.total
                ),
            );
        }
        if st.completed && role == Some(Role::Work) {
            if let Some(ml) = &item.ml {
                let has_model = ml.get("model").is_some_and(|m| !m.is_null());
                let review = ml.get("ethical_review").and_then(|r| r.as_str()).unwrap_or("pending");
                if has_model && review != "approved" && review != "not_required" {
                    let span = item.key_span("ml");
                    b.err(
                        "W005",
                        span,
                        format!("{kind_name} names an ML model and is done, but its ethical review is `{review}`"),
                    )
                    .help = Some("set `ml.ethical_review: approved` once the review passed, or `not_required`".into());
                }
            }
        }
    }
    (Some(item), b.diags)
}

/// An `http://`, `https://` or `mailto:` url (scheme in any case) with
/// something after the scheme and no whitespace: the schema's `url` pattern.
pub fn is_allowed_url(s: &str) -> bool {
    let rest = ["http://", "https://", "mailto:"].iter().find_map(|scheme| {
        s.get(..scheme.len()).filter(|head| head.eq_ignore_ascii_case(scheme)).map(|_| &s[scheme.len()..])
    });
    rest.is_some_and(|r| !r.is_empty() && !r.bytes().any(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)))
}

fn check_ml(b: &mut Builder, v: &Node) {
    let Value::Map(m) = &v.value else {
        b.wrong_type("ml", v, "a mapping");
        return;
    };
    for (k, val) in m {
        let key = k.value.scalar_text();
        match key.as_str() {
            "metrics" => match &val.value {
                Value::Map(ms) => {
                    for (mk, mv) in ms {
                        let name = mk.value.scalar_text();
                        match mv.value.as_f64() {
                            Some(x) if (0.0..=1.0).contains(&x) => {}
                            Some(x) => {
                                b.err(
                                    "E029",
                                    mv.span,
                                    format!("ml metric `{name}` is {x}; metrics are numbers in [0, 1]"),
                                );
                            }
                            None => b.wrong_type(&format!("ml.metrics.{name}"), mv, "a number in [0, 1]"),
                        }
                    }
                }
                _ => b.wrong_type("ml.metrics", val, "a mapping of metric names to numbers"),
            },
            "ethical_review" => match &val.value {
                Value::Str(s) if ETHICAL_REVIEW.contains(&s.as_str()) => {}
                _ => {
                    let text = val.value.scalar_text();
                    let hint = suggest::hint(&text, ETHICAL_REVIEW.iter().copied());
                    b.err("E030", val.span, format!("`ml.ethical_review` is `{text}`{hint}")).help =
                        Some(format!("one of {}", ETHICAL_REVIEW.join(", ")));
                }
            },
            "explainability" => match &val.value {
                Value::Int(_) | Value::Float(_) => {
                    let x = val.value.as_f64().unwrap_or(-1.0);
                    if !(0.0..=1.0).contains(&x) {
                        b.err(
                            "E030",
                            val.span,
                            format!("`ml.explainability` is {x}; use a number in [0, 1] or low, medium, high"),
                        );
                    }
                }
                Value::Str(s) if ["low", "medium", "high"].contains(&s.as_str()) => {}
                _ => b.wrong_type("ml.explainability", val, "a number in [0, 1] or low, medium, high"),
            },
            "dataset" | "model" => match &val.value {
                Value::Map(_) | Value::Str(_) => {}
                _ => b.wrong_type(&format!("ml.{key}"), val, "a mapping or a string"),
            },
            "data_notes" => {
                b.string("ml.data_notes", val);
            }
            other => b.unknown_key(other, k.span, ML_KEYS, " in `ml`"),
        }
    }
}

fn custom_field(b: &mut Builder, name: &str, def: &FieldDef, v: &Node) -> Option<FieldValue> {
    let span = v.span;
    let ok = |value: serde_json::Value| Some(FieldValue { value, span });
    match def.ty {
        FieldType::String => b.string(name, v).map(|s| FieldValue { value: s.value.into(), span }),
        FieldType::Number | FieldType::Integer => {
            let n = b.number(name, v)?;
            if def.ty == FieldType::Integer && n.fract() != 0.0 {
                b.wrong_type(name, v, "an integer");
                return None;
            }
            if def.min.is_some_and(|m| n < m) || def.max.is_some_and(|m| n > m) {
                let range = format!(
                    "[{}, {}]",
                    def.min.map(|m| m.to_string()).unwrap_or("-∞".into()),
                    def.max.map(|m| m.to_string()).unwrap_or("∞".into())
                );
                b.err("E030", span, format!("`{name}` is {n}, outside {range}"));
                return None;
            }
            ok(v.value.to_json())
        }
        FieldType::Bool => match v.value {
            Value::Bool(x) => ok(x.into()),
            _ => {
                b.wrong_type(name, v, "true or false");
                None
            }
        },
        FieldType::Date => b.date(name, v).map(|d| FieldValue { value: d.value.to_string().into(), span }),
        FieldType::Url => {
            let s = b.string(name, v)?;
            if is_allowed_url(&s.value) {
                ok(s.value.into())
            } else {
                b.err(
                    "E028",
                    span,
                    format!("`{name}` must be an http(s) or mailto url, found `{}`", truncate(&s.value, 60)),
                );
                None
            }
        }
        FieldType::Enum => {
            let s = b.string(name, v)?;
            if def.values.contains(&s.value) {
                ok(s.value.into())
            } else {
                let hint = suggest::hint(&s.value, def.values.iter().map(String::as_str));
                b.err("E030", span, format!("`{name}` is `{}`{hint}", s.value)).help =
                    Some(format!("one of {}", def.values.join(", ")));
                None
            }
        }
        FieldType::List => {
            let l = b.string_list(name, v);
            ok(l.into())
        }
        FieldType::Id => {
            let ids = b.id_list(name, v);
            match &v.value {
                Value::Seq(_) => ok(ids.into_iter().map(|s| serde_json::Value::String(s.value)).collect()),
                _ => ids.into_iter().next().map(|s| FieldValue { value: s.value.into(), span }),
            }
        }
    }
}
