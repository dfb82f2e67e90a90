//! Values as YAML text: strings plain when they read back as the same
//! string (in block and in flow context), else double-quoted; numbers,
//! booleans, lists and mappings written the way the format's examples are.
//! And the other way: a value typed on the command line, read as YAML.

use serde_json::Value;

use crate::load::yaml;

/// Plain scalars that YAML 1.1 readers (many editors and tools) take for
/// booleans: quoted, so that no tool reads a string as `true`.
const YAML11_BOOLS: &[&str] =
    &["y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF"];

/// Whether `s` may be written without quotes: it reads back as the same
/// string after `key: ` (block context) and, when `flow`, inside `[…]`.
pub fn plain_ok(s: &str, flow: bool) -> bool {
    if s.is_empty()
        || s.trim() != s
        || s.chars().any(|c| c.is_control())
        || YAML11_BOOLS.contains(&s)
        || s.starts_with(['\'', '"', '&', '*', '!', '|', '>', '%', '@', '`', '#', '{', '[', ']', '}', ','])
        || s.contains(": ")
        || s.contains(" #")
        || s.ends_with(':')
    {
        return false;
    }
    // In flow context YAML 1.1 readers (PyYAML and others) refuse a `:`
    // inside a plain scalar (`{ url: https://x }`): quote it.
    if flow && s.contains(['[', ']', '{', '}', ',', ':']) {
        return false;
    }
    let reads_back = |doc: &str| -> bool {
        match yaml::parse(doc).map(|n| n.value) {
            Ok(yaml::Value::Map(m)) if m.len() == 1 => match &m[0].1.value {
                yaml::Value::Str(t) => t == s,
                yaml::Value::Seq(v) if flow => v.len() == 1 && v[0].value == yaml::Value::Str(s.to_string()),
                _ => false,
            },
            _ => false,
        }
    };
    if flow {
        reads_back(&format!("k: [{s}]\n")) && reads_back(&format!("k: {s}\n"))
    } else {
        reads_back(&format!("k: {s}\n"))
    }
}

/// A string as a YAML scalar: plain when [`plain_ok`], else double-quoted
/// (JSON's escapes are YAML's).
pub fn string(s: &str, flow: bool) -> String {
    if plain_ok(s, flow) {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
    }
}

/// A value in flow style: scalars as [`string`] would write them, lists as
/// `[a, b]`, mappings as `{ k: v, … }` (the style of the format's examples).
pub fn flow(v: &Value) -> String {
    match v {
        Value::Array(a) => format!("[{}]", a.iter().map(flow).collect::<Vec<_>>().join(", ")),
        Value::Object(m) if m.is_empty() => "{}".into(),
        Value::Object(m) => {
            let parts: Vec<String> = m.iter().map(|(k, v)| format!("{}: {}", string(k, true), flow(v))).collect();
            format!("{{ {} }}", parts.join(", "))
        }
        other => scalar(other, true),
    }
}

/// A scalar value (string, number, boolean, null); collections in flow style.
pub fn scalar(v: &Value, in_flow: bool) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string(s, in_flow),
        other => flow(other),
    }
}

/// The items of a block list, each as it goes after `- `.
pub fn block_items(items: &[Value]) -> Vec<String> {
    items.iter().map(|v| scalar(v, true)).collect()
}

/// A YAML value as JSON, the value model of edits.
pub fn to_json(v: &yaml::Value) -> Value {
    v.to_json()
}

/// Reads a value typed on the command line (`5`, `2026-12-01`, `ana`,
/// `[a, b]`, `"quoted text"`) as YAML. A text that is not valid YAML on its
/// own (`Fix: the login`) is the string as typed.
pub fn parse_cli(text: &str) -> Value {
    let t = text.trim();
    if t.is_empty() {
        return Value::String(String::new());
    }
    match yaml::parse(&format!("k: {t}\n")).map(|n| n.value) {
        Ok(yaml::Value::Map(m)) if m.len() == 1 => match &m[0].1.value {
            // `k: a # b` reads as `a`; a typed `#` is part of the value.
            yaml::Value::Str(s) if t.contains('#') && s != t && !t.starts_with(['"', '\'']) => {
                Value::String(t.to_string())
            }
            yaml::Value::Null if t != "null" && t != "~" => Value::String(t.to_string()),
            v => v.to_json(),
        },
        _ => Value::String(t.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_are_quoted_only_when_needed() {
        assert_eq!(string("Plain title", false), "Plain title");
        assert_eq!(string("2026-12-01", false), "2026-12-01");
        assert_eq!(string("Fix: colon", false), "\"Fix: colon\"");
        assert_eq!(string("5", false), "\"5\"");
        assert_eq!(string("true", false), "\"true\"");
        assert_eq!(string("yes", false), "\"yes\"");
        assert_eq!(string("null", false), "\"null\"");
        assert_eq!(string("", false), "\"\"");
        assert_eq!(string("- dash", false), "\"- dash\"");
        assert_eq!(string("a #b", false), "\"a #b\"");
        assert_eq!(string("@ana", false), "\"@ana\"");
        assert_eq!(string("two\nlines", false), "\"two\\nlines\"");
        assert_eq!(string("a, b", false), "a, b");
        assert_eq!(string("a, b", true), "\"a, b\"");
        assert_eq!(string("Implement the \"At-Risk\" widget", false), "Implement the \"At-Risk\" widget");
    }

    #[test]
    fn every_rendering_reads_back() {
        for s in
            ["x", "a: b", "'q'", "\"dq\"", " lead", "trail ", "#c", "[x]", "{y}", "a,b", "ünï", "1.4.0", "0x1f", ".inf"]
        {
            for flow_ctx in [false, true] {
                let text = string(s, flow_ctx);
                let doc = if flow_ctx { format!("k: [{text}]\n") } else { format!("k: {text}\n") };
                let n = yaml::parse(&doc).unwrap();
                let yaml::Value::Map(m) = n.value else { panic!() };
                let got = match &m[0].1.value {
                    yaml::Value::Seq(v) => v[0].value.clone(),
                    v => v.clone(),
                };
                assert_eq!(got, yaml::Value::Str(s.to_string()), "{s:?} → {text}");
            }
        }
    }

    #[test]
    fn collections_in_flow_style() {
        assert_eq!(flow(&json!(["a", "b c", 3])), "[a, b c, 3]");
        assert_eq!(flow(&json!({"id": "x", "lag": "2d"})), "{ id: x, lag: 2d }");
        assert_eq!(flow(&json!({"title": "A, B"})), "{ title: \"A, B\" }");
    }

    #[test]
    fn command_line_values() {
        assert_eq!(parse_cli("5"), json!(5));
        assert_eq!(parse_cli("2.5"), json!(2.5));
        assert_eq!(parse_cli("2026-12-01"), json!("2026-12-01"));
        assert_eq!(parse_cli("true"), json!(true));
        assert_eq!(parse_cli("[a, b]"), json!(["a", "b"]));
        assert_eq!(parse_cli("\"5\""), json!("5"));
        assert_eq!(parse_cli("Fix: the login"), json!("Fix: the login"));
        assert_eq!(parse_cli("issue #12"), json!("issue #12"));
        assert_eq!(parse_cli("null"), Value::Null);
        assert_eq!(parse_cli("[unclosed"), json!("[unclosed"));
    }
}
