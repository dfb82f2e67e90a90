//! Numbers in JSON output, and compact JSON text laid out as
//! `serde_json`'s pretty printer lays it out (for output written from
//! stored JSON without building a `Value`).

use serde_json::{json, Value};

/// Integral floats print as integers (`5`, not `5.0`).
pub fn num(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        json!(x as i64)
    } else {
        json!(x)
    }
}

/// Appends `compact` (JSON text with no whitespace outside strings, as
/// `serde_json::to_string` writes it) to `out` as `to_string_pretty`
/// writes the same value nested `depth` levels deep (two spaces a level):
/// `[]` and `{}` when empty, one element or member a line, `": "` after a
/// key. Strings and numbers are copied as they are (both printers write
/// them alike).
pub fn pretty_into(out: &mut Vec<u8>, compact: &[u8], depth: usize) {
    let mut depth = depth;
    let newline = |out: &mut Vec<u8>, depth: usize| {
        out.push(b'\n');
        out.extend(std::iter::repeat_n(b' ', depth * 2));
    };
    let mut i = 0;
    while i < compact.len() {
        let c = compact[i];
        match c {
            b'"' => {
                let end = string_end(compact, i);
                out.extend_from_slice(&compact[i..end]);
                i = end;
                continue;
            }
            b'[' | b'{' => {
                let close = if c == b'[' { b']' } else { b'}' };
                if compact.get(i + 1) == Some(&close) {
                    out.extend_from_slice(&[c, close]);
                    i += 2;
                    continue;
                }
                out.push(c);
                depth += 1;
                newline(out, depth);
            }
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                newline(out, depth);
                out.push(c);
            }
            b',' => {
                out.push(b',');
                newline(out, depth);
            }
            b':' => out.extend_from_slice(b": "),
            _ => out.push(c),
        }
        i += 1;
    }
}

/// The end (one past the closing quote) of the JSON string starting at
/// `start` (its opening quote); the text's end if it is not closed.
fn string_end(s: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < s.len() {
        match s[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    s.len()
}

/// The members of a compact JSON object (see [`pretty_into`]) as (key
/// with its quotes, value) slices, in order; `None` if `compact` is not
/// one object whose keys are strings and whose brackets balance.
pub fn members(compact: &str) -> Option<Vec<(&str, &str)>> {
    let s = compact.as_bytes();
    if s.first() != Some(&b'{') || s.last() != Some(&b'}') {
        return None;
    }
    let mut out = Vec::new();
    let mut i = 1;
    let end = s.len() - 1;
    while i < end {
        if s[i] != b'"' {
            return None;
        }
        let key_end = string_end(s, i);
        if s.get(key_end) != Some(&b':') || key_end > end {
            return None;
        }
        let value_start = key_end + 1;
        let mut j = value_start;
        let mut depth = 0usize;
        while j < end {
            match s[j] {
                b'"' => {
                    j = string_end(s, j);
                    continue;
                }
                b'[' | b'{' => depth += 1,
                b']' | b'}' => depth = depth.checked_sub(1)?,
                b',' if depth == 0 => break,
                _ => {}
            }
            j += 1;
        }
        if depth != 0 || j == value_start || j > end {
            return None;
        }
        out.push((compact.get(i..key_end)?, compact.get(value_start..j)?));
        // After a comma, another member.
        i = if j < end { (j + 1 < end).then_some(j + 1)? } else { j };
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values of every shape (empty and nested containers, escapes,
    /// numbers, a colon and a comma inside strings): `pretty_into` of the
    /// compact text is the pretty text, at depth 0 and nested in an
    /// object's array (each line of the pretty text indented by the
    /// depth).
    #[test]
    fn compact_text_laid_out_as_the_pretty_printer_does() {
        let values = [
            json!(null),
            json!(5),
            json!(-2.5e-7),
            json!("a \"quoted\" \\ back, slash: \u{1} é \n"),
            json!([]),
            json!({}),
            json!([[], {}, [1, [2, []]], {"a": {}}]),
            json!({"title": "x, y: z", "checklist": {"done": 1, "total": 2}, "fields": {"k": [1, "}"], "e": []}}),
        ];
        for v in &values {
            let compact = serde_json::to_string(v).unwrap();
            let mut out = Vec::new();
            pretty_into(&mut out, compact.as_bytes(), 0);
            assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string_pretty(v).unwrap(), "{compact}");
            // Nested: the value of a member of an object in an array (depth 2).
            let whole = serde_json::to_string_pretty(&json!([{ "k": v }])).unwrap();
            let mut nested = b"[\n  {\n    \"k\": ".to_vec();
            pretty_into(&mut nested, compact.as_bytes(), 2);
            nested.extend_from_slice(b"\n  }\n]");
            assert_eq!(String::from_utf8(nested).unwrap(), whole, "{compact} nested");
        }
    }

    #[test]
    fn members_of_a_compact_object() {
        let v = json!({"a": 1, "b,c": {"x": [1, 2], "y": "},"}, "d": null, "e": []});
        let compact = serde_json::to_string(&v).unwrap();
        let got = members(&compact).unwrap();
        let want: Vec<(String, String)> = v
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, x)| (serde_json::to_string(k).unwrap(), serde_json::to_string(x).unwrap()))
            .collect();
        let got: Vec<(String, String)> = got.into_iter().map(|(k, x)| (k.to_string(), x.to_string())).collect();
        assert_eq!(got, want);
        assert_eq!(members("{}"), Some(vec![]));
        for bad in ["", "[]", "{\"a\"}", "{\"a\":}", "{\"a\":[1}", "{\"a\":1,}", "{a:1}", "{\"a\":]1[}"] {
            assert_eq!(members(bad), None, "{bad}");
        }
    }
}
