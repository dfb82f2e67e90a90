//! `cairn serve`: the site and the live API from memory, rebuilt on save.

use std::io::Write;
use std::sync::Arc;

use clap::Args;

use super::Ctx;
use crate::serve::{self, BuildOptions, Options};

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on (loopback unless told otherwise)
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on (0 picks a free one)
    #[arg(long, default_value_t = 4000)]
    pub port: u16,
    /// Open the site in a browser
    #[arg(long)]
    pub open: bool,
    /// Do not read git history (no audit log, no derived dates)
    #[arg(long)]
    pub no_history: bool,
    /// Include drafts (items with status `draft` or the label `draft`)
    #[arg(long)]
    pub drafts: bool,
    /// Commit each change the write API (and so the browser) makes: one git
    /// commit per change, with your git identity, holding only its files
    #[arg(long)]
    pub commit: bool,
    /// Request worker threads
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub workers: u16,
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
        || host.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

pub fn serve(ctx: &Ctx, a: &ServeArgs) -> anyhow::Result<u8> {
    let root = ctx.root()?;
    if !is_loopback(&a.host) {
        ctx.warn(&format!(
            "listening on `{}`, which is not a loopback address: anyone who can reach this machine can read the backlog",
            a.host
        ));
    }
    let quiet = ctx.global.quiet;
    let verbose = ctx.global.verbose;
    let json_logs = ctx.global.log_format == super::LogFormat::Json;
    let color = ctx.color_stderr;
    let problems_root = root.clone();
    let log: serve::Log = Arc::new(move |news: &serve::News| {
        let (s, error) = (news.stats, news.error);
        // The problems a save introduced, once, rustc style.
        if !news.new_problems.is_empty() {
            let text = if json_logs {
                news.new_problems
                    .iter()
                    .map(|d| serde_json::json!({"level": "warning", "stage": "serve", "message": "new problem", "diagnostic": d}).to_string() + "\n")
                    .collect()
            } else {
                let n = news.new_problems.len();
                format!(
                    "{}{n} new problem{} ({} error{}, {} warning{} in all)\n",
                    crate::check::report::human_list(news.new_problems, &problems_root, color),
                    if n == 1 { "" } else { "s" },
                    news.errors,
                    if news.errors == 1 { "" } else { "s" },
                    news.warnings,
                    if news.warnings == 1 { "" } else { "s" },
                )
            };
            let _ = write!(std::io::stderr(), "{text}");
        }
        let line = match error {
            Some(e) => format!("build failed ({} in {:.0} ms): {e}", s.phase, s.seconds * 1000.0),
            None if quiet => return,
            None if !verbose && s.phase == "settle" => return,
            None => format!(
                "built in {:.0} ms ({}, {} file{} parsed, {} render job{})",
                s.seconds * 1000.0,
                s.phase,
                s.parsed,
                if s.parsed == 1 { "" } else { "s" },
                s.rendered_jobs,
                if s.rendered_jobs == 1 { "" } else { "s" }
            ),
        };
        let line = if json_logs {
            serde_json::json!({"level": if error.is_some() { "error" } else { "info" }, "stage": "serve", "phase": s.phase, "seconds": s.seconds, "message": line}).to_string()
        } else {
            line
        };
        let _ = writeln!(std::io::stderr(), "{line}");
    });
    let opts = Options {
        host: a.host.clone(),
        port: a.port,
        workers: usize::from(a.workers),
        build: BuildOptions { drafts: a.drafts, history: !a.no_history, base_url: None },
        watch: true,
        commit: a.commit,
    };
    let running = serve::start(root, opts, log)?;
    let host = if running.addr.is_ipv6() { format!("[{}]", running.addr.ip()) } else { running.addr.ip().to_string() };
    let url = format!("http://{host}:{}/", running.addr.port());
    super::out(&format!("serving {url}\n"));
    if !quiet {
        let _ = writeln!(std::io::stderr(), "live API: {url}api/v1/items · {url}api/v1/openapi.json (Ctrl-C to stop)");
    }
    if a.open {
        open_browser(&url);
    }
    running.wait();
    anyhow::bail!("the server stopped: its listener failed")
}

/// Opens `url` with the platform's opener, if there is one; failures are ignored.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    let _ = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}
