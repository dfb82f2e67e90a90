//! The command line: clap arguments and one small function per command.
//! Only this module prints and decides exit codes.

mod analyze_cmd;
mod automate_cmd;
mod build_cmd;
mod check_cmd;
mod color;
mod edit_cmd;
mod export_cmd;
mod graph_cmd;
mod hints;
mod history_cmd;
mod import_cmd;
mod list_cmd;
mod man;
mod mcp_cmd;
mod metrics_cmd;
mod plan_cmd;
mod serve_cmd;
mod shared;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::graph::Graph;
use crate::load::Backlog;
use crate::util::text::count;

/// Exit code: the command ran and found problems.
pub const EXIT_PROBLEMS: u8 = 1;
/// Exit code: usage error or unreadable input.
pub const EXIT_USAGE: u8 = 2;

#[derive(Parser, Debug)]
#[command(name = "cairn", version = version(), about = "The compiler for backlogs kept as Markdown in git", long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

fn version() -> &'static str {
    concat!(env!("CARGO_PKG_VERSION"), " (", env!("CAIRN_GIT_COMMIT"), ")")
}

#[derive(Args, Debug, Clone)]
pub struct Global {
    /// The backlog root (else the nearest folder upward with cairn.yml, else the current folder)
    #[arg(short = 'C', long = "root", global = true, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Colour in terminal output (`auto` honours NO_COLOR, CLICOLOR_FORCE and TERM=dumb)
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print less
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more (logs go to stderr)
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Format of logs on stderr
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Write a commented cairn.yml, the kind folders and example items
    Init(edit_cmd::InitArgs),
    /// Create an item file in its kind's folder
    New(edit_cmd::NewArgs),
    /// Change fields of an item in place (FIELD=VALUE, FIELD+=V, FIELD-=V, --unset F)
    Set(edit_cmd::SetArgs),
    /// Rename an item: its file, its id and every reference to it
    Mv(edit_cmd::MvArgs),
    /// Rewrite front-matter into canonical form (key order, block lists, no needless quotes)
    Fmt(edit_cmd::FmtArgs),
    /// Validate every item and report problems as file:line:col
    Check(check_cmd::CheckArgs),
    /// Explain a diagnostic code: what it means, an example, how to fix it (without CODE: list the codes)
    Explain {
        /// A code such as E012 or W001
        code: Option<String>,
    },
    /// List items, filtered and sorted
    List(list_cmd::ListArgs),
    /// Show one item with its relations and progress
    Show(list_cmd::ShowArgs),
    /// Every item with its body as JSON, JSON Lines or CSV (`--where` to filter)
    Export(export_cmd::ExportArgs),
    /// Print the JSON Schema of items or of cairn.yml (for this root's config)
    Schema(check_cmd::SchemaArgs),
    /// Print shell completions (bash, zsh, fish, elvish, powershell)
    Completions {
        /// The shell
        shell: clap_complete::Shell,
    },
    /// Write man pages for cairn and every subcommand into DIR
    Man {
        /// The folder to write the pages into (created if missing)
        dir: PathBuf,
    },
    /// The audit trail from git history: one event per field change
    Log(history_cmd::LogArgs),
    /// The semantic change of the backlog between two revisions (or a revision and the working tree)
    Diff(history_cmd::DiffArgs),
    /// List work that can start now, most valuable first
    Ready(graph_cmd::ReadyArgs),
    /// Show everything that slips if an item slips
    Impact(graph_cmd::ImpactArgs),
    /// Print the typed graph (dot, mermaid, json or svg), whole or around one item
    Graph(graph_cmd::GraphArgs),
    /// The schedule as a timeline: a Gantt chart (svg), Mermaid gantt, iCalendar or JSON
    Roadmap(graph_cmd::RoadmapArgs),
    /// A sprint's burndown from git history: remaining, completed, scope added/removed, ideal, per day
    Burndown(metrics_cmd::BurndownArgs),
    /// Delivery metrics from git history: velocity, cycle/lead time, throughput, cumulative flow, forecasts
    Metrics(metrics_cmd::MetricsArgs),
    /// The analyst's report: progress, velocity trend, forecast, risks, blockers, scope creep, overdue, capacity
    Analyze(analyze_cmd::AnalyzeArgs),
    /// Render the static dashboard (site, badges, feed, JSON API) into ROOT/_site
    Build(build_cmd::BuildArgs),
    /// Serve the site and the live JSON API from memory, rebuilding on save
    Serve(serve_cmd::ServeArgs),
    /// Import items from another tracker's export or a document (markdown outline, PRD)
    Import(import_cmd::ImportArgs),
    /// Run the automation rules of cairn.yml on the events of a git range: print, apply or commit their changes
    Automate(automate_cmd::AutomateArgs),
    /// Apply an outside event (a GitHub pull_request payload) through the automation of cairn.yml
    Event(automate_cmd::EventArgs),
    /// A Model Context Protocol server on stdin/stdout, for AI assistants (tools, item resources, prompts)
    Mcp(mcp_cmd::McpArgs),
    /// Fill a sprint's capacity with ready work, every pick and skip with its reason (text, json, patch; --apply, --propose)
    Plan(plan_cmd::PlanArgs),
    /// Proposed changes in proposals/: list, show, apply, reject
    Proposal {
        #[command(subcommand)]
        cmd: plan_cmd::ProposalCmd,
    },
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
                _ => EXIT_USAGE,
            });
        }
    };
    match run(&cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let ctx = Ctx::new(&cli.global);
            ctx.error(&format!("{e:#}"));
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// Runs a parsed command; `Ok` carries the exit code, `Err` is a usage or
/// input error (exit 2).
pub fn run(cli: &Cli) -> anyhow::Result<u8> {
    let ctx = Ctx::new(&cli.global);
    match &cli.command {
        Command::Init(a) => edit_cmd::init(&ctx, a),
        Command::New(a) => edit_cmd::new(&ctx, a),
        Command::Set(a) => edit_cmd::set(&ctx, a),
        Command::Mv(a) => edit_cmd::mv(&ctx, a),
        Command::Fmt(a) => edit_cmd::fmt(&ctx, a),
        Command::Check(a) => check_cmd::check(&ctx, a),
        Command::Explain { code } => check_cmd::explain(code.as_deref()),
        Command::List(a) => list_cmd::list(&ctx, a),
        Command::Show(a) => list_cmd::show(&ctx, a),
        Command::Export(a) => export_cmd::export(&ctx, a),
        Command::Schema(a) => check_cmd::schema(&ctx, a),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut buf = Vec::new();
            clap_complete::generate(*shell, &mut cmd, "cairn", &mut buf);
            out(&String::from_utf8_lossy(&buf));
            Ok(0)
        }
        Command::Man { dir } => {
            let written = man::write_pages(<Cli as clap::CommandFactory>::command(), dir)?;
            out(&written.iter().map(|p| format!("{}\n", display_path(p))).collect::<String>());
            Ok(0)
        }
        Command::Log(a) => history_cmd::log(&ctx, a),
        Command::Diff(a) => history_cmd::diff(&ctx, a),
        Command::Ready(a) => graph_cmd::ready(&ctx, a),
        Command::Impact(a) => graph_cmd::impact(&ctx, a),
        Command::Graph(a) => graph_cmd::graph(&ctx, a),
        Command::Roadmap(a) => graph_cmd::roadmap(&ctx, a),
        Command::Burndown(a) => metrics_cmd::burndown(&ctx, a),
        Command::Metrics(a) => metrics_cmd::metrics(&ctx, a),
        Command::Analyze(a) => analyze_cmd::analyze(&ctx, a),
        Command::Build(a) => build_cmd::build(&ctx, a),
        Command::Serve(a) => serve_cmd::serve(&ctx, a),
        Command::Import(a) => import_cmd::import(&ctx, a),
        Command::Automate(a) => automate_cmd::automate(&ctx, a),
        Command::Event(a) => automate_cmd::event(&ctx, a),
        Command::Mcp(a) => mcp_cmd::mcp(&ctx, a),
        Command::Plan(a) => plan_cmd::plan(&ctx, a),
        Command::Proposal { cmd } => plan_cmd::proposal_cmd(&ctx, cmd),
    }
}

/// What every command needs: the global options, resolved.
pub struct Ctx {
    pub global: Global,
    pub color_stdout: bool,
    pub color_stderr: bool,
}

impl Ctx {
    pub fn new(g: &Global) -> Ctx {
        let decide = |tty: bool| color::enabled(g.color, |v| std::env::var_os(v), tty);
        Ctx {
            global: g.clone(),
            color_stdout: decide(std::io::stdout().is_terminal()),
            color_stderr: decide(std::io::stderr().is_terminal()),
        }
    }

    /// The backlog root.
    pub fn root(&self) -> anyhow::Result<PathBuf> {
        let cwd = std::env::current_dir()?;
        let root = crate::config::find_root(self.global.root.as_deref(), &cwd);
        if !root.is_dir() {
            anyhow::bail!("backlog root `{}` does not exist or is not a folder", root.display());
        }
        self.nested_root_note(&root);
        Ok(root)
    }

    /// Says once, on stderr, when the root has no cairn.yml but a folder
    /// below it has: otherwise every item of `backlog/` is "of unknown kind".
    fn nested_root_note(&self, root: &Path) {
        static ONCE: std::sync::Once = std::sync::Once::new();
        if !self.global.quiet {
            ONCE.call_once(|| {
                hints::nested_root_note(root).into_iter().for_each(|m| self.emit("note", &m, "\x1b[1;36m"))
            });
        }
    }

    /// Loads the backlog and builds its graph.
    pub fn load(&self) -> anyhow::Result<(Backlog, Graph)> {
        let backlog = self.load_backlog()?;
        let t = std::time::Instant::now();
        let graph = Graph::build(&backlog);
        self.log("graph", &format!("{} in {:.1?}", count(graph.edges.len(), "edge"), t.elapsed()));
        Ok((backlog, graph))
    }

    /// Leaves what a command loaded to the end of the process, which comes
    /// right after: the OS takes a 100,000-item backlog back at once, where
    /// dropping it frees its allocations one by one (about 5 % of a warm
    /// `ready`). Only for commands that return to `main` next.
    pub fn leave<T>(&self, loaded: T) {
        std::mem::forget(loaded);
    }

    /// For a query (`ready`, `impact`, `list --where`): the columns of the
    /// query index and the graph made from them when the index stands
    /// (`load::index`), else the backlog loaded as [`Ctx::load`] loads it
    /// and its graph, writing the index for the next query.
    pub fn load_query(&self) -> anyhow::Result<Query> {
        if env_set("CAIRN_NO_CACHE") {
            let (b, g) = self.load()?;
            return Ok(Query::Backlog(b, g));
        }
        let root = self.root()?;
        let start = std::time::Instant::now();
        if let Some((columns, graph)) = crate::query::columns::load(&root)? {
            let n = crate::load::view::View::len(&columns);
            self.log("load", &format!("{} from the query index in {:.1?}", count(n, "item"), start.elapsed()));
            return Ok(Query::Columns(columns, graph));
        }
        let save = !env_set("CI");
        let (backlog, stamped, key) = crate::load::load_cached_stamped(&root, save)?;
        self.log("load", &format!("{} in {:.1?}", count(backlog.files, "file"), start.elapsed()));
        let t = std::time::Instant::now();
        let graph = Graph::build(&backlog);
        self.log("graph", &format!("{} in {:.1?}", count(graph.edges.len(), "edge"), t.elapsed()));
        if let Some(stamped) = stamped.filter(|s| save && !s.files.is_empty()) {
            let t = std::time::Instant::now();
            crate::query::columns::save(&root, &key, &backlog, &graph, &stamped);
            self.log("index", &format!("query index written in {:.1?}", t.elapsed()));
        }
        Ok(Query::Backlog(backlog, graph))
    }

    /// Loads the backlog (with the parse cache unless `CAIRN_NO_CACHE`).
    pub fn load_backlog(&self) -> anyhow::Result<Backlog> {
        self.load_with_cache(false).map(|(b, _)| b)
    }

    /// [`Ctx::load_backlog`], leaving the parse cache's write, if any, to
    /// the caller ([`crate::load::load_cached_deferred`]).
    pub fn load_backlog_deferred(&self) -> anyhow::Result<(Backlog, Option<crate::load::cache::Pending>)> {
        self.load_with_cache(true)
    }

    fn load_with_cache(&self, defer: bool) -> anyhow::Result<(Backlog, Option<crate::load::cache::Pending>)> {
        let root = self.root()?;
        let start = std::time::Instant::now();
        // `CAIRN_NO_CACHE=1` loads without the parse cache; in CI (`CI`
        // set, as every CI service does) a cache is used if one was
        // restored but not written: a fresh clone would pay for writing a
        // cache no later run reads.
        let set = env_set;
        let (backlog, pending) = if set("CAIRN_NO_CACHE") {
            (crate::load::load(&root)?, None)
        } else if defer {
            crate::load::load_cached_deferred(&root, !set("CI"))?
        } else {
            (crate::load::load_cached(&root, !set("CI"))?, None)
        };
        self.log("load", &format!("{} in {:.1?}", count(backlog.files, "file"), start.elapsed()));
        Ok((backlog, pending))
    }

    /// A log line on stderr (only with `-v`).
    pub fn log(&self, stage: &str, msg: &str) {
        if !self.global.verbose {
            return;
        }
        let rss = rss_mb();
        let line = match self.global.log_format {
            LogFormat::Json => {
                serde_json::json!({"level": "debug", "stage": stage, "message": msg, "rss_mb": rss}).to_string()
            }
            LogFormat::Text => format!("[{stage}] {msg} (rss {rss:.0} MB)"),
        };
        let _ = writeln!(std::io::stderr(), "{line}");
    }

    /// A warning on stderr (unless `-q`).
    pub fn warn(&self, msg: &str) {
        if self.global.quiet {
            return;
        }
        self.emit("warning", msg, "\x1b[1;33m");
    }

    /// An error on stderr.
    pub fn error(&self, msg: &str) {
        self.emit("error", msg, "\x1b[1;31m");
    }

    fn emit(&self, level: &str, msg: &str, color: &str) {
        let line = match self.global.log_format {
            LogFormat::Json => serde_json::json!({"level": level, "message": msg}).to_string(),
            LogFormat::Text if self.color_stderr => format!("{color}{level}\x1b[0m\x1b[1m:\x1b[0m {msg}"),
            LogFormat::Text => format!("{level}: {msg}"),
        };
        let _ = writeln!(std::io::stderr(), "{line}");
    }
}

/// What a query loaded ([`Ctx::load_query`]).
// One per command: the size of the variants does not matter.
#[allow(clippy::large_enum_variant)]
pub enum Query {
    /// The columns of the query index, and the graph.
    Columns(crate::load::index::Columns, Graph),
    /// The backlog, and its graph.
    Backlog(Backlog, Graph),
}

/// Whether an environment variable is set to something other than empty,
/// `0` or `false`.
fn env_set(var: &str) -> bool {
    std::env::var(var).is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// Resident memory of this process in MB (Linux; 0 elsewhere), for `-v` logs.
fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1).and_then(|p| p.parse::<f64>().ok()))
        .map(|pages| pages * 4096.0 / 1_048_576.0)
        .unwrap_or(0.0)
}

/// Writes to stdout, ignoring a closed pipe (`cairn list | head`).
pub fn out(text: &str) {
    let mut o = std::io::stdout().lock();
    let _ = o.write_all(text.as_bytes());
    let _ = o.flush();
}

/// Writes `v` to stdout as pretty JSON with a trailing newline, as it is
/// serialized (no copy of the whole text in memory), ignoring a closed pipe.
pub fn out_json(v: &impl serde::Serialize) {
    let mut o = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    if serde_json::to_writer_pretty(&mut o, v).is_ok() {
        let _ = o.write_all(b"\n");
    }
    let _ = o.flush();
}

/// Writes to stdout through a buffer what `write` writes, ignoring a
/// closed pipe.
pub fn out_with(write: impl FnOnce(&mut std::io::BufWriter<std::io::StdoutLock>) -> std::io::Result<()>) {
    let mut o = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    let _ = write(&mut o);
    let _ = o.flush();
}

/// `{"items": …}`, the shape of every item list.
#[derive(serde::Serialize)]
pub struct Items<T> {
    pub items: T,
}

/// A JSON array whose elements are made while it is written: 22,000 item
/// objects of `cairn ready` are never all in memory at once. Serializes once.
pub struct LazySeq<I>(std::cell::RefCell<Option<I>>);

impl<I> LazySeq<I> {
    pub fn new(iter: I) -> Self {
        LazySeq(std::cell::RefCell::new(Some(iter)))
    }
}

impl<I: Iterator<Item = T>, T: serde::Serialize> serde::Serialize for LazySeq<I> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let iter = self.0.borrow_mut().take();
        s.collect_seq(iter.into_iter().flatten())
    }
}

/// Pretty JSON with a trailing newline.
pub fn to_json(v: &impl serde::Serialize) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_else(|_| "null".into());
    s.push('\n');
    s
}

/// `dir/file` relative to the current directory if possible, for messages.
pub fn display_path(p: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    match cwd.as_deref().and_then(|c| p.strip_prefix(c).ok()) {
        Some(r) if !r.as_os_str().is_empty() => r.display().to_string(),
        _ => p.display().to_string(),
    }
}
