//! Body templates for new items: `ROOT/templates/items/<kind>.md` if the
//! backlog has one, else the embedded default for the kind (a user story's
//! "As a … I want … so that …" and an acceptance-criteria checklist for
//! stories and features, reproduction steps for bugs), else nothing.
//! `{{ title }}`, `{{ id }}` and `{{ kind }}` in a template are replaced.

use std::path::Path;

/// The embedded templates, by kind.
pub const DEFAULTS: &[(&str, &str)] = &[
    ("story", include_str!("skeleton/items/story.md")),
    ("feature", include_str!("skeleton/items/feature.md")),
    ("bug", include_str!("skeleton/items/bug.md")),
];

/// Where a backlog overrides the template of `kind`.
pub fn override_path(root: &Path, kind: &str) -> std::path::PathBuf {
    root.join("templates").join("items").join(format!("{kind}.md"))
}

/// The body template for a new `kind` item, filled in.
pub fn body(root: &Path, kind: &str, id: &str, title: &str) -> std::io::Result<Option<String>> {
    let text = match std::fs::read_to_string(override_path(root, kind)) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            DEFAULTS.iter().find(|(k, _)| *k == kind).map(|(_, t)| t.to_string())
        }
        Err(e) => return Err(e),
    };
    Ok(text.map(|t| fill(&t, kind, id, title)))
}

fn fill(t: &str, kind: &str, id: &str, title: &str) -> String {
    let mut out = t.to_string();
    for (name, value) in [("title", title), ("id", id), ("kind", kind)] {
        for pat in [format!("{{{{ {name} }}}}"), format!("{{{{{name}}}}}")] {
            out = out.replace(&pat, value);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let dir = tempfile::tempdir().unwrap();
        let story = body(dir.path(), "story", "s", "S").unwrap().unwrap();
        assert!(story.starts_with("As a …, I want …, so that …."), "{story}");
        assert!(story.contains("## Acceptance criteria\n- [ ] "));
        assert_eq!(body(dir.path(), "task", "t", "T").unwrap(), None);
        std::fs::create_dir_all(dir.path().join("templates/items")).unwrap();
        std::fs::write(override_path(dir.path(), "task"), "Do {{ title }} ({{id}}).\n").unwrap();
        assert_eq!(body(dir.path(), "task", "t", "T").unwrap().as_deref(), Some("Do T (t).\n"));
    }
}
