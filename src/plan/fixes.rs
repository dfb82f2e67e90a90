//! The analyst's suggested fixes (`cairn analyze`) as a proposal: one
//! edit per fix, the findings as the why, for people to apply or reject
//! like a sprint plan's proposal.

use crate::edit::proposal::Draft;
use crate::edit::Op;
use crate::metrics::analyze::Analysis;
use crate::util::text::count;

/// The proposal of `a`'s fixes (`created`: HEAD's history time), or `None`
/// when the analyst suggests none. Its id is a hash of the fixes, so the
/// same findings make the same proposal.
pub fn draft(a: &Analysis, created: Option<String>) -> Option<Draft> {
    if a.fixes.is_empty() {
        return None;
    }
    let lines: Vec<String> = a.fixes.iter().map(|f| format!("{} {}={}: {}", f.item, f.field, f.value, f.why)).collect();
    let hash = crate::edit::file_hash(lines.join("\n").as_bytes());
    let ops = a
        .fixes
        .iter()
        .map(|f| {
            if f.value.is_null() {
                Op::Unset { id: f.item.clone(), field: f.field.clone() }
            } else {
                Op::Set { id: f.item.clone(), field: f.field.clone(), value: f.value.clone() }
            }
        })
        .collect();
    let what = a
        .fixes
        .iter()
        .map(|f| match &f.value {
            serde_json::Value::Null => format!("unset `{}` of {}", f.field, f.item),
            serde_json::Value::String(v) => format!("set `{}` of {} to {v}", f.field, f.item),
            v => format!("set `{}` of {} to {v}", f.field, f.item),
        })
        .collect::<Vec<_>>()
        .join("; ");
    Some(Draft {
        id: format!("analyze-{}", &hash[..8.min(hash.len())]),
        title: format!("The analyst's {}", count(a.fixes.len(), "fix")),
        source: "analyze".into(),
        created,
        what: format!("{}.", upper_first(&what)),
        why: "`cairn analyze` found what these changes address (each line of the evidence says which).".into(),
        evidence: a.fixes.iter().map(|f| format!("{}: {}", f.item, f.why)).collect(),
        ops,
    })
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
