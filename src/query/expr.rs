//! `where` expressions: minijinja's expression language over an item
//! object (`cairn list --where`, `GET /api/v1/items?where=`).
//!
//! No expression can tie up the machine: evaluation runs on fuel (a budget
//! of VM steps per item), the filters and functions that can build large
//! values are replaced by bounded versions (`indent`, `replace`, `format`,
//! `join`, `batch`, `slice`, `string`, `pprint`, `range`), the strings
//! they build share one byte budget per item, `*` (which repeats strings
//! and lists) is refused, and callers can give a deadline. Going over a
//! limit is an error ([`QueryError::TooExpensive`]), never a silent
//! non-match. Names are checked too: an unknown field, filter, test or
//! function is an error with a did-you-mean, not an empty result.

use std::cell::Cell;
use std::time::Instant;

use minijinja::value::{Kwargs, Rest};
use minijinja::{Environment, Error, ErrorKind, State, UndefinedBehavior, Value as Mj};
use serde_json::Value;

use super::QueryError;
use crate::load::Backlog;

/// VM steps one evaluation (one item) may take. Real expressions take a
/// few dozen.
pub const FUEL: u64 = 5_000;
/// Bytes of strings the bounded filters may build in one evaluation.
pub const MAX_BYTES: usize = 256 * 1024;
/// Elements of a `range`, batches of `batch`, slices of `slice`.
pub const MAX_ITEMS: usize = 10_000;
/// Width and precision of a `format` field, and `indent`'s width.
pub const MAX_WIDTH: usize = 1_000;

thread_local! {
    /// Bytes built by the bounded filters in the current evaluation.
    static SPENT: Cell<usize> = const { Cell::new(0) };
}

/// The source of the minijinja errors the limits raise (told apart from
/// type errors, which are a non-match).
#[derive(Debug)]
struct Limit;

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("limit")
    }
}

impl std::error::Error for Limit {}

fn limit(msg: String) -> Error {
    Error::new(ErrorKind::InvalidOperation, msg).with_source(Limit)
}

fn is_limit(e: &Error) -> bool {
    if e.kind() == ErrorKind::OutOfFuel {
        return true;
    }
    let mut src: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = src {
        if s.is::<Limit>() {
            return true;
        }
        src = s.source();
    }
    false
}

/// Adds `n` bytes to the evaluation's budget.
fn spend(n: usize) -> Result<(), Error> {
    let total = SPENT.with(|s| {
        let t = s.get().saturating_add(n);
        s.set(t);
        t
    });
    if total > MAX_BYTES {
        return Err(limit(format!("the expression builds more than {} KiB of text", MAX_BYTES / 1024)));
    }
    Ok(())
}

fn charge(out: &Mj) -> Result<(), Error> {
    match out.as_str() {
        Some(s) => spend(s.len()),
        None => Ok(()),
    }
}

fn positional(args: &[Mj]) -> impl Iterator<Item = &Mj> {
    args.iter().filter(|a| !a.is_kwargs())
}

fn kwarg(args: &[Mj], name: &str) -> Option<Mj> {
    let k = args.iter().rev().find(|a| a.is_kwargs())?;
    Kwargs::try_from(k.clone()).ok()?.peek::<Option<Mj>>(name).ok().flatten()
}

fn usize_arg(v: Option<Mj>) -> Option<usize> {
    v.and_then(|v| v.as_usize())
}

/// Text length of a value as a string (exact for strings, an estimate
/// bounded by the value's size otherwise).
fn text_len(v: &Mj) -> usize {
    match v.as_str() {
        Some(s) => s.len(),
        None => v.to_string().len(),
    }
}

/// Pre-checks the arguments of a builtin filter (`value` first).
type Check = fn(&[Mj]) -> Result<(), Error>;

fn check_none(_: &[Mj]) -> Result<(), Error> {
    Ok(())
}

fn check_indent(args: &[Mj]) -> Result<(), Error> {
    let mut pos = positional(args);
    let value = pos.next().map(text_len).unwrap_or(0);
    let lines = args.first().and_then(|v| v.as_str()).map(|s| s.matches('\n').count() + 1).unwrap_or(1);
    let width = usize_arg(pos.next().cloned()).or_else(|| usize_arg(kwarg(args, "width"))).unwrap_or(4);
    if width > MAX_WIDTH {
        return Err(limit(format!("`indent` width {width} is over the limit of {MAX_WIDTH}")));
    }
    spend(value.saturating_add(lines.saturating_mul(width)))
}

fn check_replace(args: &[Mj]) -> Result<(), Error> {
    let mut pos = positional(args);
    let (Some(value), Some(from), Some(to)) = (pos.next(), pos.next(), pos.next()) else { return Ok(()) };
    let value = value.to_string();
    let from = from.to_string();
    let hits = if from.is_empty() { value.chars().count() + 1 } else { value.matches(from.as_str()).count() };
    spend(value.len().saturating_add(hits.saturating_mul(text_len(to))))
}

fn check_join(args: &[Mj]) -> Result<(), Error> {
    let mut pos = positional(args);
    let Some(value) = pos.next() else { return Ok(()) };
    let sep = pos.next().cloned().or_else(|| kwarg(args, "d")).map(|s| text_len(&s)).unwrap_or(0);
    let Ok(items) = value.try_iter() else { return Ok(()) };
    let mut total = 0usize;
    for it in items {
        total = total.saturating_add(text_len(&it)).saturating_add(sep);
        if total > MAX_BYTES {
            break;
        }
    }
    spend(total)
}

fn check_count(args: &[Mj]) -> Result<(), Error> {
    let count = positional(args).nth(1).and_then(|c| c.as_usize()).unwrap_or(0);
    if count > MAX_ITEMS {
        return Err(limit(format!("a count of {count} is over the limit of {MAX_ITEMS}")));
    }
    Ok(())
}

/// `format`: no field wider or more precise than [`MAX_WIDTH`].
fn check_format(args: &[Mj]) -> Result<(), Error> {
    let Some(f) = args.first().and_then(|v| v.as_str()) else { return Ok(()) };
    let b = f.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'%' {
            i += 1;
            continue;
        }
        i += 1;
        if b.get(i) == Some(&b'%') {
            i += 1;
            continue;
        }
        if b.get(i) == Some(&b'(') {
            while i < b.len() && b[i] != b')' {
                i += 1;
            }
            i += 1;
        }
        while i < b.len() && b"#0- +".contains(&b[i]) {
            i += 1;
        }
        for _ in 0..2 {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let n = f[start..i].parse::<usize>().unwrap_or(if i > start { usize::MAX } else { 0 });
            if n > MAX_WIDTH {
                return Err(limit(format!(
                    "a `format` width or precision of {} is over the limit of {MAX_WIDTH}",
                    &f[start..i]
                )));
            }
            if b.get(i) != Some(&b'.') {
                break;
            }
            i += 1;
        }
    }
    Ok(())
}

/// A builtin filter behind a pre-check, with the text it builds charged.
fn bounded(env: &mut Environment<'static>, name: &'static str, builtin: Mj, check: Check) {
    env.add_filter(name, move |state: &State, args: Rest<Mj>| -> Result<Mj, Error> {
        check(&args)?;
        let out = builtin.call(state, &args)?;
        charge(&out)?;
        Ok(out)
    });
}

/// `range` with at most [`MAX_ITEMS`] elements.
fn range(lower: isize, upper: Option<isize>, step: Option<isize>) -> Result<Mj, Error> {
    let (lo, hi) = match upper {
        Some(u) => (lower, u),
        None => (0, lower),
    };
    let s = step.unwrap_or(1);
    if s != 0 {
        let span = if s > 0 { hi.saturating_sub(lo) } else { lo.saturating_sub(hi) };
        let n = if span <= 0 { 0 } else { (span.unsigned_abs() - 1) / s.unsigned_abs() + 1 };
        if n > MAX_ITEMS {
            return Err(limit(format!("a range of {n} elements is over the limit of {MAX_ITEMS}")));
        }
    }
    minijinja::functions::range(lower, upper, step)
}

/// The environment `where` expressions run in.
fn environment() -> Environment<'static> {
    use minijinja::filters as f;
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Lenient);
    env.set_fuel(Some(FUEL));
    bounded(&mut env, "indent", Mj::from_function(f::indent), check_indent);
    bounded(&mut env, "replace", Mj::from_function(f::replace), check_replace);
    bounded(&mut env, "join", Mj::from_function(f::join), check_join);
    bounded(&mut env, "format", Mj::from_function(f::format), check_format);
    bounded(&mut env, "batch", Mj::from_function(f::batch), check_count);
    bounded(&mut env, "slice", Mj::from_function(f::slice), check_count);
    bounded(&mut env, "string", Mj::from_function(f::string), check_none);
    bounded(&mut env, "pprint", Mj::from_function(f::pprint), check_none);
    env.add_function("range", range);
    env
}

/// The builtin filters and tests (for did-you-mean hints; whether a name
/// exists is asked of the environment itself).
const FILTERS: &[&str] = &[
    "abs",
    "attr",
    "batch",
    "bool",
    "capitalize",
    "chain",
    "count",
    "d",
    "default",
    "dictsort",
    "e",
    "escape",
    "first",
    "float",
    "format",
    "groupby",
    "indent",
    "int",
    "items",
    "join",
    "last",
    "length",
    "lines",
    "list",
    "lower",
    "map",
    "max",
    "min",
    "pprint",
    "reject",
    "rejectattr",
    "replace",
    "reverse",
    "round",
    "safe",
    "select",
    "selectattr",
    "slice",
    "sort",
    "split",
    "string",
    "sum",
    "title",
    "trim",
    "unique",
    "upper",
    "zip",
];
const TESTS: &[&str] = &[
    "boolean",
    "defined",
    "divisibleby",
    "endingwith",
    "eq",
    "equalto",
    "escaped",
    "even",
    "false",
    "filter",
    "float",
    "ge",
    "greaterthan",
    "gt",
    "in",
    "int",
    "integer",
    "iterable",
    "le",
    "lessthan",
    "lower",
    "lt",
    "mapping",
    "ne",
    "none",
    "number",
    "odd",
    "safe",
    "sameas",
    "sequence",
    "startingwith",
    "string",
    "test",
    "true",
    "undefined",
    "upper",
];

/// Sprint-only fields of an item object.
const SPRINT_FIELDS: &[&str] = &["end", "goal", "capacity"];

/// A token of an expression (only what the name checks need).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Tok<'a> {
    Ident(&'a str),
    Punct(&'a str),
    Literal,
}

/// Tokens with their character offsets (the expression compiled, so it
/// is well-formed).
fn tokens(src: &str) -> Vec<(Tok<'_>, usize)> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let at = |i: usize| src[..i].chars().count();
    while i < b.len() {
        let c = b[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c == b'"' || c == b'\'' {
            i += 1;
            while i < b.len() && b[i] != c {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(b.len());
            out.push((Tok::Literal, at(start)));
        } else if c.is_ascii_digit() {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.') {
                i += 1;
            }
            out.push((Tok::Literal, at(start)));
        } else if c.is_ascii_alphabetic() || c == b'_' {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push((Tok::Ident(&src[start..i]), at(start)));
        } else {
            let two = src.get(i..i + 2).filter(|t| ["**", "//", "==", "!=", "<=", ">="].contains(t));
            let len = match two {
                Some(_) => 2,
                None => src[i..].chars().next().map_or(1, char::len_utf8),
            };
            i += len;
            out.push((Tok::Punct(&src[start..i]), at(start)));
        }
    }
    out
}

/// What the tokens name: filters, tests and called functions.
struct Names<'a> {
    filters: Vec<(&'a str, usize)>,
    tests: Vec<(&'a str, usize)>,
    functions: Vec<(&'a str, usize)>,
    star: Option<usize>,
}

fn names<'a>(toks: &[(Tok<'a>, usize)]) -> Names<'a> {
    let mut n = Names { filters: Vec::new(), tests: Vec::new(), functions: Vec::new(), star: None };
    for (k, &(t, pos)) in toks.iter().enumerate() {
        let prev = |back: usize| k.checked_sub(back).map(|j| toks[j].0);
        match t {
            Tok::Punct("*") => {
                n.star.get_or_insert(pos);
            }
            Tok::Ident(name) => {
                if prev(1) == Some(Tok::Punct("|")) {
                    n.filters.push((name, pos));
                } else if prev(1) == Some(Tok::Ident("is"))
                    || (prev(1) == Some(Tok::Ident("not")) && prev(2) == Some(Tok::Ident("is")))
                {
                    if name != "not" {
                        n.tests.push((name, pos));
                    }
                } else if prev(1) != Some(Tok::Punct(".")) && toks.get(k + 1).map(|t| t.0) == Some(Tok::Punct("(")) {
                    n.functions.push((name, pos));
                }
            }
            _ => {}
        }
    }
    n
}

fn where_err(msg: String, pos: usize) -> QueryError {
    QueryError::Where(format!("{msg} (at character {})", pos + 1))
}

fn describe_error(e: &Error) -> String {
    let mut s = e.detail().map(|d| format!("{}: {d}", e.kind())).unwrap_or_else(|| e.kind().to_string());
    if let Some(r) = e.range() {
        s.push_str(&format!(" (at character {})", r.start + 1));
    }
    s
}

/// A compiled `where` expression.
pub struct Filter {
    env: Environment<'static>,
    source: String,
    /// Top-level names the expression reads (fields, unless functions).
    variables: Vec<String>,
    /// Whether it calls a function that sees the whole context (`debug()`).
    whole: bool,
}

impl Filter {
    /// Compiles `expr`: a syntax error, `*`, or an unknown filter, test or
    /// function names the problem (fields are checked by
    /// [`Filter::check_fields`], which needs the configuration).
    pub fn new(expr: &str) -> Result<Filter, QueryError> {
        let env = environment();
        let compiled = env.compile_expression(expr).map_err(|e| QueryError::Where(describe_error(&e)))?;
        let mut variables: Vec<String> = compiled.undeclared_variables(false).into_iter().collect();
        drop(compiled);
        let toks = tokens(expr);
        let n = names(&toks);
        if let Some(pos) = n.star {
            return Err(where_err(
                "`*` is not supported in `where` (it repeats strings and lists); compare values directly".into(),
                pos,
            ));
        }
        let probe = |what: &str, name: &str| {
            env.compile_expression(&format!("n is {what}"))
                .and_then(|e| e.eval(minijinja::context! { n => name }))
                .is_ok_and(|v| v.is_true())
        };
        for &(name, pos) in &n.filters {
            if !probe("filter", name) {
                let hint = crate::util::suggest::hint(name, FILTERS.iter().copied());
                return Err(where_err(format!("unknown filter `{name}`{hint}"), pos));
            }
        }
        for &(name, pos) in &n.tests {
            if !probe("test", name) {
                let hint = crate::util::suggest::hint(name, TESTS.iter().copied());
                return Err(where_err(format!("unknown test `{name}`{hint}"), pos));
            }
        }
        let globals: Vec<String> = env.globals().map(|(k, _)| k.to_string()).collect();
        for &(name, pos) in &n.functions {
            if !globals.iter().any(|g| g == name) {
                let hint = crate::util::suggest::hint(name, globals.iter().map(String::as_str));
                return Err(where_err(format!("unknown function `{name}`{hint}"), pos));
            }
        }
        // A global other than these few (`debug()`) may see the whole context.
        let whole =
            variables.iter().any(|v| globals.contains(v) && !matches!(v.as_str(), "range" | "dict" | "namespace"));
        variables.retain(|v| !globals.contains(v));
        variables.sort();
        Ok(Filter { env, source: expr.to_string(), variables, whole })
    }

    /// Every top-level name must be a field of the item object or a custom
    /// field of the configuration.
    pub fn check_fields(&self, b: &Backlog) -> Result<(), QueryError> {
        self.check_fields_in(b)
    }

    /// [`Filter::check_fields`] over any view of the items.
    pub fn check_fields_in(&self, b: &(impl crate::load::view::View + ?Sized)) -> Result<(), QueryError> {
        let known = || {
            super::OBJECT_FIELDS
                .iter()
                .copied()
                .filter(|f| *f != "body")
                .chain(SPRINT_FIELDS.iter().copied())
                .chain(b.config().fields.keys().map(String::as_str))
        };
        for v in &self.variables {
            if !known().any(|k| k == v) {
                let note = if v == "body" { " (the Markdown body is not available to `where`)" } else { "" };
                let hint = crate::util::suggest::hint(v, known());
                let pos = tokens(&self.source)
                    .iter()
                    .find(|(t, _)| *t == Tok::Ident(v.as_str()))
                    .map(|&(_, p)| format!(" (at character {})", p + 1))
                    .unwrap_or_default();
                return Err(QueryError::Where(format!("unknown field `{v}`{note}{hint}{pos}")));
            }
        }
        Ok(())
    }

    /// The top-level names the expression reads, if that is all it can see
    /// of an item: then a context holding only those names (with their
    /// values in [`Filter::apply`]'s context) gives the same answers
    /// ([`super::where_context`]). `None` when it calls a function that
    /// sees the whole context (`debug()`).
    pub fn reads(&self) -> Option<&[String]> {
        (!self.whole).then_some(self.variables.as_slice())
    }

    /// Filters contexts made by [`super::where_context`] (see
    /// [`Filter::reads`]).
    pub fn apply_reduced(&self, contexts: impl IntoIterator<Item = Value>) -> Result<Vec<bool>, QueryError> {
        self.apply_contexts(contexts.into_iter().map(Mj::from_serialize), None)
    }

    /// Whether one item object matches.
    pub fn matches(&self, object: &Value) -> Result<bool, QueryError> {
        Ok(self.apply([object])?.first().copied().unwrap_or(false))
    }

    /// Filters many objects, compiling once.
    pub fn apply<'a>(&self, objects: impl IntoIterator<Item = &'a Value>) -> Result<Vec<bool>, QueryError> {
        self.apply_contexts(objects.into_iter().map(expression_context), None)
    }

    /// Like [`Filter::apply`], over contexts made by [`context_value`]
    /// (`serve` keeps one per item), stopping with an error at `deadline`.
    /// A runtime type error (comparing a missing estimate with a number)
    /// is a non-match; going over a limit is an error.
    pub fn apply_contexts<C: std::borrow::Borrow<Mj>>(
        &self,
        contexts: impl IntoIterator<Item = C>,
        deadline: Option<Instant>,
    ) -> Result<Vec<bool>, QueryError> {
        let expr = self.env.compile_expression(&self.source).map_err(|e| QueryError::Where(describe_error(&e)))?;
        let mut out = Vec::new();
        for c in contexts {
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Err(QueryError::TooExpensive("it did not finish in time".into()));
            }
            SPENT.with(|s| s.set(0));
            match expr.eval(c.borrow().clone()) {
                Ok(v) => out.push(v.is_true()),
                Err(e) if is_limit(&e) => {
                    let msg = match e.kind() {
                        ErrorKind::OutOfFuel => format!("it takes more than {FUEL} steps on one item"),
                        _ => e.detail().unwrap_or("over a limit").to_string(),
                    };
                    return Err(QueryError::TooExpensive(msg));
                }
                Err(_) => out.push(false),
            }
        }
        Ok(out)
    }
}

/// The context an expression sees: the item object, with custom fields also
/// at the top level (when they do not shadow a core field).
fn expression_context(object: &Value) -> Mj {
    let mut o = object.as_object().cloned().unwrap_or_default();
    if let Some(Value::Object(fields)) = object.get("fields") {
        for (k, v) in fields {
            o.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    Mj::from_serialize(Value::Object(o))
}

/// The minijinja value a `where` expression sees for an item object; `serve`
/// computes it once per item and snapshot.
pub fn context_value(object: &Value) -> Mj {
    expression_context(object)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(id: &str, status: &str, priority: &str, estimate: Option<f64>, labels: &[&str], assignee: &[&str]) -> Value {
        json!({"id": id, "title": format!("Title of {id}"), "status": status, "priority": priority, "estimate": estimate, "labels": labels, "assignee": assignee, "kind": "story", "fields": {"team": "growth"}})
    }

    #[test]
    fn where_expressions_from_the_docs() {
        let a = obj("a", "in_progress", "high", Some(5.0), &["ml"], &[]);
        let b = obj("b", "backlog", "low", None, &[], &["ana"]);
        let f = Filter::new(r#"status == "in_progress" and priority in ["high", "highest"]"#).unwrap();
        assert_eq!(f.apply([&a, &b]).unwrap(), vec![true, false]);
        let f = Filter::new(r#"kind == "story" and not assignee"#).unwrap();
        assert_eq!(f.apply([&a, &b]).unwrap(), vec![true, false]);
        let f = Filter::new(r#""ml" in labels"#).unwrap();
        assert_eq!(f.apply([&a, &b]).unwrap(), vec![true, false]);
        let f = Filter::new("estimate > 3").unwrap();
        assert_eq!(f.apply([&a, &b]).unwrap(), vec![true, false]);
        let f = Filter::new(r#"team == "growth""#).unwrap();
        assert!(f.matches(&a).unwrap());
        // Runtime type errors are a non-match.
        let f = Filter::new(r#"estimate > "x""#).unwrap();
        assert_eq!(f.apply([&a, &b]).unwrap(), vec![false, false]);
    }

    #[test]
    fn bad_expression_names_the_problem() {
        let e = Filter::new("status ==").err().unwrap();
        assert!(e.to_string().starts_with("invalid --where expression: syntax error"), "{e}");
    }

    #[test]
    fn bounded_filters_still_work() {
        let a = json!({"id": "a", "title": "one\ntwo"});
        let yes = |expr: &str| Filter::new(expr).unwrap().matches(&a).unwrap();
        assert!(yes(r#"title|indent(2) == "one\n  two""#));
        assert!(yes(r#"title|indent(width=2, first=true) == "  one\n  two""#));
        assert!(yes(r#"title|replace("o", "0") == "0ne\ntw0""#));
        assert!(yes(r#"["a", "b"]|join(",") == "a,b""#));
        assert!(yes(r#""%-4s|%03d"|format("ab", 7) == "ab  |007""#));
        assert!(yes("range(3)|list == [0, 1, 2]"));
        assert!(yes("range(10, 0, -3)|list == [10, 7, 4, 1]"));
        assert!(yes("[1, 2, 3]|batch(2)|list == [[1, 2], [3]]"));
        assert!(yes("[1, 2, 3]|slice(2)|list|length == 2"));
        assert!(yes("2 ** 3 == 8 and 7 // 2 == 3"));
    }

    fn too_expensive(expr: &str) -> String {
        let a = json!({"id": "a", "title": "t"});
        let short: String = expr.chars().take(100).collect();
        let f = Filter::new(expr).unwrap_or_else(|e| panic!("{short}: {e}"));
        match f.matches(&a) {
            Err(QueryError::TooExpensive(m)) => m,
            other => panic!("{short}: expected a limit error, got {other:?}"),
        }
    }

    #[test]
    fn expensive_expressions_are_errors_not_hangs() {
        let started = Instant::now();
        assert!(too_expensive(r#""x"|indent(100000000)"#).contains("indent"));
        // 300 lines indented by 1,000: 300 KB, over the budget.
        assert!(too_expensive(r#"range(300)|join("\n")|indent(1000)"#).contains("KiB"));
        // Under the budget each, over it together.
        assert!(too_expensive(r#"(range(100)|join("\n")|indent(1000)) ~ (range(100)|join("\n")|indent(1000)) ~ (range(100)|join("\n")|indent(1000))"#).contains("KiB"));
        // Each `replace` doubles the string: 2^40 bytes without the budget.
        let doubling = format!("\"xx\"{}", "|replace(\"x\", \"xx\")".repeat(40));
        assert!(too_expensive(&doubling).contains("KiB"));
        assert!(too_expensive("range(100000000)|length > 0").contains("range"));
        assert!(too_expensive("range(0, 100000000, 2)|length > 0").contains("range"));
        assert!(too_expensive("[1]|batch(100000000000, 0)|list").contains("count"));
        assert!(too_expensive("[1]|slice(100000000000, 0)|list").contains("count"));
        assert!(too_expensive(r#""%999999999s"|format("x")"#).contains("format"));
        assert!(too_expensive(r#""%.999999999f"|format(1.5)"#).contains("format"));
        assert!(too_expensive("range(10000)|map('string')|join('\\n')|indent(100)").contains("KiB"));
        // Through `map`, every call is charged.
        assert!(too_expensive("range(10000)|map('string')|map('indent', 50, true)|list|length > 0").contains("KiB"));
        // More steps than the fuel (constants would be folded: a filter is not).
        let long = format!("{} 0 > 1", "(title|length) + ".repeat(FUEL as usize / 2));
        assert!(too_expensive(&long).contains("steps"));
        assert!(started.elapsed().as_secs() < 5, "limits are checked before the work: {:?}", started.elapsed());
    }

    #[test]
    fn repetition_is_refused() {
        for expr in [r#""x" * 100000000"#, "[1] * 1000000000", "estimate * 2 > 3"] {
            let e = Filter::new(expr).err().unwrap_or_else(|| panic!("{expr} compiled"));
            assert!(e.to_string().contains("`*` is not supported"), "{e}");
        }
        // `**` is a power, not a repetition.
        assert!(Filter::new("2 ** 3 == 8").is_ok());
        // Inside a string, `*` is just text.
        assert!(Filter::new(r#"title == "a * b""#).is_ok());
    }

    #[test]
    fn unknown_filters_tests_and_functions_are_errors() {
        let err = |expr: &str| Filter::new(expr).err().map(|e| e.to_string()).unwrap_or_default();
        let e = err("title|uper == 'X'");
        assert!(e.contains("unknown filter `uper`; did you mean `upper`?") && e.contains("character 7"), "{e}");
        let e = err("estimate is nunber");
        assert!(e.contains("unknown test `nunber`; did you mean `number`?"), "{e}");
        let e = err("estimate is not nunber");
        assert!(e.contains("unknown test `nunber`"), "{e}");
        let e = err("rnage(3)|length > 1");
        assert!(e.contains("unknown function `rnage`; did you mean `range`?"), "{e}");
        // Short-circuited branches are checked too.
        assert!(err("false and title|nope").contains("unknown filter `nope`"));
        // Every name in the hint lists exists.
        for f in FILTERS {
            assert!(Filter::new(&format!("title|{f}")).is_ok(), "filter {f}");
        }
        for t in TESTS {
            assert!(Filter::new(&format!("title is {t}")).is_ok(), "test {t}");
        }
    }

    #[test]
    fn unknown_fields_are_errors_with_a_hint() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("cairn.yml"), "fields:\n  team: { type: string }\n").unwrap();
        let b = crate::load::load(dir.path()).unwrap();
        let check = |expr: &str| Filter::new(expr).unwrap().check_fields(&b).err().map(|e| e.to_string());
        let e = check(r#"titel == "x""#).unwrap();
        assert!(e.contains("unknown field `titel`; did you mean `title`?") && e.contains("character 1"), "{e}");
        assert!(check(r#"taem == "growth""#).unwrap().contains("did you mean `team`?"));
        assert!(check(r#""x" in body"#).unwrap().contains("not available"));
        assert_eq!(check(r#"team == "growth" and fields.team and status and estimate > 1"#), None);
        assert_eq!(check("range(3)|length > 1 and goal"), None);
        assert_eq!(check("title.startswith"), None);
    }

    #[test]
    fn a_deadline_stops_the_evaluation() {
        let f = Filter::new("estimate > 1").unwrap();
        let ctx = context_value(&json!({"estimate": 2}));
        let past = Instant::now();
        assert!(matches!(f.apply_contexts([&ctx, &ctx], Some(past)), Err(QueryError::TooExpensive(_))));
        assert_eq!(f.apply_contexts([&ctx], None).unwrap(), vec![true]);
    }
}
