//! Templates and theme files: the defaults are embedded in the binary; a
//! backlog replaces any of them, one file at a time, with a file of the
//! same name under `ROOT/templates/` or `ROOT/themes/<theme>/` (the theme
//! is `site.theme` in `cairn.yml`, `default` when absent). Extra files of
//! the backlog's theme folder are copied too (fonts, logos).

use std::collections::BTreeMap;
use std::path::Path;

use super::SiteError;

/// The embedded templates, by name.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("macros.html", include_str!("../../templates/macros.html")),
    ("index.html", include_str!("../../templates/index.html")),
    ("board.html", include_str!("../../templates/board.html")),
    ("backlog.html", include_str!("../../templates/backlog.html")),
    ("item.html", include_str!("../../templates/item.html")),
    ("impact.html", include_str!("../../templates/impact.html")),
    ("graph.html", include_str!("../../templates/graph.html")),
    ("roadmap.html", include_str!("../../templates/roadmap.html")),
    ("graphview.html", include_str!("../../templates/graphview.html")),
    ("sprints.html", include_str!("../../templates/sprints.html")),
    ("sprint.html", include_str!("../../templates/sprint.html")),
    ("metrics.html", include_str!("../../templates/metrics.html")),
    ("insights.html", include_str!("../../templates/insights.html")),
    ("audit.html", include_str!("../../templates/audit.html")),
    ("docs.html", include_str!("../../templates/docs.html")),
    ("doc.html", include_str!("../../templates/doc.html")),
    ("problems.html", include_str!("../../templates/problems.html")),
    ("proposals.html", include_str!("../../templates/proposals.html")),
    ("feed.xml", include_str!("../../templates/feed.xml")),
];

/// The embedded theme files of `default`, by name (written under `assets/`).
pub const ASSETS: &[(&str, &[u8])] = &[
    ("style.css", include_bytes!("../../themes/default/style.css")),
    ("app.js", include_bytes!("../../themes/default/app.js")),
    ("graph.js", include_bytes!("../../themes/default/graph.js")),
    ("favicon.svg", include_bytes!("../../themes/default/favicon.svg")),
];

/// The templates and theme files in effect for one backlog.
#[derive(Clone, Debug, Default)]
pub struct Theme {
    pub templates: BTreeMap<String, String>,
    pub assets: BTreeMap<String, Vec<u8>>,
    /// Names overridden by the backlog (for `-v` logs).
    pub overridden: Vec<String>,
}

/// Files above this size in a theme folder are refused.
const MAX_THEME_FILE: u64 = 20 * 1024 * 1024;

impl Theme {
    /// The embedded defaults only.
    pub fn embedded() -> Theme {
        Theme {
            templates: TEMPLATES.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            assets: ASSETS.iter().map(|(k, v)| (k.to_string(), v.to_vec())).collect(),
            overridden: Vec::new(),
        }
    }

    /// The defaults with the backlog's overrides from `root`.
    pub fn load(root: &Path, theme: Option<&str>) -> Result<Theme, SiteError> {
        let mut t = Theme::embedded();
        let tdir = root.join("templates");
        if tdir.is_dir() {
            for (name, bytes) in files_under(&tdir)? {
                let text =
                    String::from_utf8(bytes).map_err(|_| SiteError::Theme(format!("templates/{name} is not UTF-8")))?;
                t.overridden.push(format!("templates/{name}"));
                t.templates.insert(name, text);
            }
        }
        let name = theme.unwrap_or("default");
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(SiteError::Theme(format!("bad theme name `{name}`")));
        }
        let hdir = root.join("themes").join(name);
        if hdir.is_dir() {
            for (file, bytes) in files_under(&hdir)? {
                t.overridden.push(format!("themes/{name}/{file}"));
                t.assets.insert(file, bytes);
            }
        } else if name != "default" {
            return Err(SiteError::Theme(format!("theme `{name}` not found: no folder themes/{name}/ in the root")));
        }
        t.overridden.sort();
        Ok(t)
    }
}

/// Every regular file under `dir`, by `/`-separated relative path (hidden
/// files skipped, symbolic links not followed).
fn files_under(dir: &Path) -> Result<Vec<(String, Vec<u8>)>, SiteError> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir).follow_links(false).sort_by_file_name() {
        let entry = entry.map_err(|e| SiteError::Theme(format!("reading {}: {e}", dir.display())))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(dir) else { continue };
        let parts: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        if parts.iter().any(|p| p.starts_with('.')) {
            continue;
        }
        // One open, checked on the open file: a file swapped for a FIFO or
        // grown past the limit after the walk is an error, not a hang.
        let bytes = crate::util::fs::read_regular(entry.path(), MAX_THEME_FILE)
            .map_err(|e| SiteError::Theme(format!("reading {}: {e}", entry.path().display())))?;
        out.push((parts.join("/"), bytes));
    }
    Ok(out)
}
