//! The Atom feed (`feed.xml`) of the latest changes.

use minijinja::{context, Environment, Value};

use super::Shared;
use crate::site::SiteError;

impl Shared<'_> {
    pub(super) fn feed(&self, env: &Environment) -> Result<(String, Vec<u8>), SiteError> {
        let total = self.events.map(|e| e.events.len()).unwrap_or(0);
        let entries = self.event_views((0..total).rev().take(100));
        let base = self.inp.options.base_url.trim_end_matches('/');
        let abs = |u: &str| if base.is_empty() { u.to_string() } else { format!("{base}/{u}") };
        let updated = entries.first().map(|e| e.time.clone()).unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string());
        let entries: Vec<Value> = entries
            .into_iter()
            .enumerate()
            .map(|(k, e)| {
                let link = e.url.as_deref().map(abs);
                let what = e.field.clone().unwrap_or_else(|| e.action.to_string());
                let entry_id = urn(&[e.commit.as_str(), e.id.as_str(), what.as_str(), &(total - k).to_string()]);
                context! { entry_id => entry_id, link => link, ..Value::from_serialize(&e) }
            })
            .collect();
        let ctx = context! {
            entries => entries,
            updated => updated,
            home => abs("index.html"),
            self_url => abs("feed.xml"),
            feed_id => urn(&["feed", &self.b.config.name]),
        };
        let t = env.get_template("feed.xml").map_err(|e| SiteError::template("feed.xml", &e))?;
        let full = context! { site => self.site.clone(), root => "", ..ctx };
        let xml = t.render(full).map_err(|e| SiteError::template("feed.xml", &e))?;
        Ok(("feed.xml".to_string(), xml.into_bytes()))
    }
}

/// A `urn:cairn:` IRI from `parts`, each percent-encoded (RFC 3986
/// unreserved characters are kept) and joined by `:`, so a backlog name
/// or field with spaces, colons or any other character still gives a
/// valid Atom id, the same on every build.
pub fn urn(parts: &[&str]) -> String {
    let mut out = String::from("urn:cairn");
    for p in parts {
        out.push(':');
        for byte in p.bytes() {
            if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
                out.push(char::from(byte));
            } else {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    out
}
