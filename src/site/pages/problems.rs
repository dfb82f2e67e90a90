//! The problems page: the diagnostics of `check`.

use minijinja::{context, Environment, Value};

use super::Shared;
use crate::check::Severity;
use crate::site::SiteError;

impl Shared<'_> {
    pub(super) fn problems(&self, env: &Environment) -> Result<(String, Vec<u8>), SiteError> {
        let b = self.b;
        let diags: Vec<Value> = self
            .inp
            .report
            .diagnostics
            .iter()
            .map(|d| {
                let url = d.id.as_deref().and_then(|id| b.index.get(id)).and_then(|&i| {
                    (b.items[i].path == d.file).then(|| self.urls[i].clone()).flatten()
                });
                context! {
                    severity => d.severity.as_str(),
                    code => d.code,
                    message => d.message.clone(),
                    file => d.file.clone(),
                    line => d.line,
                    column => d.column,
                    id => d.id.clone(),
                    url => url,
                    help => d.help.clone(),
                    notes => d.notes.iter().map(|n| context! { message => n.message.clone(), file => n.file.clone(), line => n.line, column => n.column }).collect::<Vec<_>>(),
                }
            })
            .collect();
        let errors = self.inp.report.diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
        let ctx =
            context! { diagnostics => diags, errors => errors, warnings => self.inp.report.diagnostics.len() - errors };
        self.page(env, "problems.html", "problems.html", "Problems", "problems", ctx)
    }
}
