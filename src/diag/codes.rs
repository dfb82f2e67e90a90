//! The table of diagnostic codes: what each means, an example that
//! triggers it, how to fix it (read by `cairn explain` and by the SARIF
//! report's rules).

use super::Severity;

/// A small backlog that triggers a code: its files (path relative to the
/// root, content), or, where files cannot show it (bytes, permissions, git
/// history), the situation in words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Example {
    Files(&'static [(&'static str, &'static str)]),
    Situation(&'static str),
}

/// What a diagnostic code means: the one place explanations live, read by
/// `cairn explain` and by the SARIF report's rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodeInfo {
    pub code: &'static str,
    /// A kebab-case name: `unknown-status`.
    pub name: &'static str,
    /// One line (SARIF `shortDescription`).
    pub title: &'static str,
    /// What it means (SARIF `fullDescription`).
    pub meaning: &'static str,
    /// Something that triggers it.
    pub example: Example,
    /// How to fix it (SARIF `help`).
    pub fix: &'static str,
}

const fn code(
    code: &'static str,
    name: &'static str,
    title: &'static str,
    meaning: &'static str,
    example: Example,
    fix: &'static str,
) -> CodeInfo {
    CodeInfo { code, name, title, meaning, example, fix }
}

use Example::{Files, Situation};

/// Every diagnostic code, sorted. `E…` are errors, `W…` warnings.
pub const CODES: &[CodeInfo] = &[
    code(
        "E001",
        "missing-front-matter",
        "Missing front-matter",
        "The file has no YAML front-matter: its first line must be `---`, followed by YAML and a closing `---` line. Every `*.md` file below the root is an item, so a Markdown file without front-matter is an error, not a silent skip.",
        Files(&[("stories/log-in.md", "# Log in\n\nUsers log in with their email address.\n")]),
        "Start the file with a `---` line, the item's fields, and a closing `---` line. If the file is not an item, move it out of the root, name it `README.md`, start its name with `_` or `.`, or list it under `ignore:` in cairn.yml.",
    ),
    code(
        "E002",
        "unclosed-front-matter",
        "Unclosed front-matter",
        "The front-matter starts with `---` on the first line but no closing `---` line follows.",
        Files(&[("stories/log-in.md", "---\ntitle: Log in\nstatus: backlog\n\nUsers log in with their email address.\n")]),
        "Add a line that is exactly `---` after the last field, before the body.",
    ),
    code(
        "E003",
        "yaml-syntax",
        "YAML syntax error",
        "The front-matter is not valid YAML. The diagnostic points at the YAML error's own position. Tabs for indentation, unclosed brackets or quotes, bad indentation, alias bombs and absurd nesting are all refused.",
        Files(&[("stories/log-in.md", "---\ntitle: Log in\nstatus: backlog\nlabels: [auth, web\n---\n")]),
        "Fix the YAML at the position shown: close the bracket or quote, indent with spaces, quote values that contain `: ` or start with a special character.",
    ),
    code(
        "E004",
        "not-utf8",
        "File is not UTF-8",
        "The file, or its name, is not valid UTF-8. Items are read as UTF-8 (a byte order mark is skipped); the position is the first byte that is not. A file name that is not UTF-8 is shown with U+FFFD for the bytes that are not.",
        Situation("A file saved in Latin-1 whose front-matter reads `title: Café`, with the `é` stored as the single byte 0xE9."),
        "Save the file as UTF-8 (most editors offer \"Save with encoding\"; `iconv -f latin1 -t utf-8` converts from the command line).",
    ),
    code(
        "E005",
        "front-matter-not-mapping",
        "Front-matter is not a mapping",
        "The front-matter must be a mapping of keys to values, not a list or a single value.",
        Files(&[("stories/log-in.md", "---\n- title: Log in\n- status: backlog\n---\n")]),
        "Write one `key: value` per line, without a leading `- `.",
    ),
    code(
        "E006",
        "unreadable-file",
        "Unreadable file",
        "The file could not be read: no permission, larger than cairn reads, or a symbolic link loop.",
        Situation("`chmod 000 stories/log-in.md`, or a symbolic link `stories/loop.md` that points at itself."),
        "Make the file readable by the user running cairn, shrink it, or remove the broken link.",
    ),
    code(
        "E010",
        "duplicate-id",
        "Duplicate id",
        "Two files have the same id (from `id:` or the file name without `.md`); ids must be unique in the root. Both files are named.",
        Files(&[
            ("stories/log-in.md", "---\ntitle: Log in\nstatus: backlog\n---\n"),
            ("tasks/log-in.md", "---\ntitle: Log in form\nstatus: backlog\n---\n"),
        ]),
        "Rename one of the files, or give one of them another `id:`, and update the references to it.",
    ),
    code(
        "E011",
        "invalid-id",
        "Invalid id",
        "Ids are slugs: a letter or digit, then letters, digits, `.`, `_` or `-` (`[A-Za-z0-9][A-Za-z0-9._-]*`), at most 100 characters. The id comes from `id:` or from the file name.",
        Files(&[("stories/log-in.md", "---\nid: log in\ntitle: Log in\nstatus: backlog\n---\n")]),
        "Use a slug such as `log-in`: replace spaces and other characters with `-`, or rename the file.",
    ),
    code(
        "E012",
        "unknown-status",
        "Unknown status",
        "The status is not one of the statuses of the item's kind (the `statuses:` of cairn.yml, or the kind's own list).",
        Files(&[("stories/log-in.md", "---\ntitle: Log in\nstatus: inprogress\n---\n")]),
        "Use one of the statuses listed in the help line (the did-you-mean hint names the closest), or add the status to cairn.yml.",
    ),
    code(
        "E013",
        "missing-status",
        "Missing status",
        "Work items need a `status:`; only documents (such as PRDs) and sprints may go without.",
        Files(&[("stories/log-in.md", "---\ntitle: Log in\n---\n")]),
        "Add `status:` with one of the kind's statuses, for example `status: backlog`.",
    ),
    code(
        "E014",
        "unknown-kind",
        "Unknown kind",
        "The kind is not defined, or could not be derived from the folder: without `kind:`, an item's kind is that of the kind folder it sits in (`stories/` for `story`). Many E014 at once usually mean cairn runs from the wrong folder: the backlog's cairn.yml is in a subfolder (pass `-C backlog`).",
        Files(&[("notes/log-in.md", "---\ntitle: Log in\nstatus: backlog\n---\n")]),
        "Add `kind: story` (or another kind), move the file into its kind's folder, or run cairn with `-C` pointing at the folder that holds cairn.yml.",
    ),
    code(
        "E015",
        "missing-title",
        "Missing title",
        "An item needs `title:`, or a `# ` heading as the first heading of its body.",
        Files(&[("stories/log-in.md", "---\nstatus: backlog\n---\n\nUsers log in with their email address.\n")]),
        "Add `title: ...` to the front-matter, or start the body with `# Title`.",
    ),
    code(
        "E016",
        "unknown-priority",
        "Unknown priority",
        "Priorities are `highest`, `high`, `medium`, `low`, `lowest`.",
        Files(&[("stories/log-in.md", "---\ntitle: Log in\nstatus: backlog\npriority: urgent\n---\n")]),
        "Use one of the five priorities, for example `priority: highest`.",
    ),
    code(
        "E017",
        "wrong-type",
        "Wrong type",
        "A field has a value of the wrong type: a string where a number goes, a date that is not `YYYY-MM-DD`, a mapping where a list goes.",
        Files(&[("stories/log-in.md", "---\ntitle: Log in\nstatus: backlog\nestimate: three\n---\n")]),
        "Write the value with the type the field expects (the message says which): `estimate: 3`, `due: 2026-03-31`.",
    ),
    code(
        "E018",
        "unknown-field",
        "Unknown field",
        "A top-level key is neither a core field nor a custom field declared under `fields:` in cairn.yml. This is how typos are caught.",
        Files(&[("stories/log-in.md", "---\ntitle: Log in\nstatus: backlog\nasignee: ana\n---\n")]),
        "Fix the spelling (the did-you-mean hint names the closest field), or declare the field under `fields:` in cairn.yml.",
    ),
    code(
        "E019",
        "duplicate-key",
        "Duplicate key",
        "The same key is written twice in one front-matter; the note points at the first.",
        Files(&[("stories/log-in.md", "---\ntitle: Log in\nstatus: backlog\nstatus: done\n---\n")]),
        "Keep one of the two lines.",
    ),
    code(
        "E020",
        "unknown-reference",
        "Unknown reference",
        "A relation (`parent`, `depends_on`, `blocks`, `relates_to`, `duplicates`, `references`, or a custom field of type `id`) names an id that no item has.",
        Files(&[("stories/log-in.md", "---\ntitle: Log in\nstatus: backlog\ndepends_on: [sign-up]\n---\n")]),
        "Fix the id (the did-you-mean hint names the closest), create the missing item, or remove the reference.",
    ),
    code(
        "E021",
        "parent-kind-not-allowed",
        "Parent kind not allowed",
        "The parent's kind is not an allowed parent kind of this item's kind (by default: an epic's parent is an initiative, a feature's an epic, a story's a feature or an epic, a task's a story or a bug, a bug's a feature, an epic or a story).",
        Files(&[
            ("epics/accounts.md", "---\ntitle: Accounts\nstatus: backlog\n---\n"),
            ("tasks/log-in-form.md", "---\ntitle: Log in form\nstatus: backlog\nparent: accounts\n---\n"),
        ]),
        "Choose a parent of an allowed kind (here: a story under the epic), or change `parents:` of the kind in cairn.yml.",
    ),
    code(
        "E022",
        "parent-cycle",
        "Parent cycle",
        "Following `parent` leads back to the item; every hop of the cycle is listed with its file and line.",
        Files(&[
            ("features/log-in.md", "---\ntitle: Log in\nstatus: backlog\nparent: sign-up\n---\n"),
            ("features/sign-up.md", "---\ntitle: Sign up\nstatus: backlog\nparent: log-in\n---\n"),
        ]),
        "Remove the `parent:` of one item of the cycle, so that the hierarchy is a tree.",
    ),
    code(
        "E023",
        "dependency-cycle",
        "Dependency cycle",
        "Following `depends_on` (or `blocks`) leads back to the item, so none of the items of the cycle can ever start; every hop is listed with its file and line.",
        Files(&[
            ("stories/log-in.md", "---\ntitle: Log in\nstatus: backlog\ndepends_on: [sign-up]\n---\n"),
            ("stories/sign-up.md", "---\ntitle: Sign up\nstatus: backlog\ndepends_on: [log-in]\n---\n"),
        ]),
        "Remove one `depends_on` (or `blocks`) of the cycle: decide which item really comes first.",
    ),
    code(
        "E024",
        "depends-on-ancestor",
        "Depends on an ancestor or descendant",
        "An item depends on its own ancestor or descendant. A parent finishes only when its children do, so a child that waits on its parent (or a parent that waits on its child) waits on itself.",
        Files(&[
            ("epics/accounts.md", "---\ntitle: Accounts\nstatus: backlog\ndepends_on: [log-in]\n---\n"),
            ("stories/log-in.md", "---\ntitle: Log in\nstatus: backlog\nparent: accounts\n---\n"),
        ]),
        "Remove the `depends_on`: the hierarchy already orders the two items.",
    ),
    code(
        "E025",
        "duplicates-itself",
        "Duplicates itself",
        "`duplicates` points at the item itself.",
        Files(&[("stories/log-in.md", "---\ntitle: Log in\nstatus: backlog\nduplicates: log-in\n---\n")]),
        "Name the item this one duplicates, or remove `duplicates`.",
    ),
    code(
        "E026",
        "unknown-sprint",
        "Unknown sprint",
        "`sprint` names an id that is not a sprint: no item has it, or the item is of another kind.",
        Files(&[("stories/log-in.md", "---\ntitle: Log in\nstatus: backlog\nsprint: s99\n---\n")]),
        "Name an existing sprint (an item in `sprints/` or of kind `sprint`), create the sprint, or remove `sprint`.",
    ),
    code(
        "E027",
        "bad-lag",
        "Bad lag or duration",
        "A lag or duration is written as a number and a unit: `4h` (hours), `3d` (days), `1w` (weeks), at most 9 digits before the point, or as a number of days.",
        Files(&[
            ("stories/log-in.md", "---\ntitle: Log in\nstatus: backlog\ndepends_on:\n  - { id: sign-up, lag: soon }\n---\n"),
            ("stories/sign-up.md", "---\ntitle: Sign up\nstatus: backlog\n---\n"),
        ]),
        "Write the lag as a number and a unit, for example `lag: 2d`.",
    ),
    code(
        "E028",
        "bad-url",
        "URL scheme not allowed",
        "References (and custom fields of type `url`) may link to `http`, `https` and `mailto` URLs only.",
        Files(&[(
            "stories/log-in.md",
            "---\ntitle: Log in\nstatus: backlog\nreferences:\n  - { url: \"ftp://files.example.com/spec.pdf\", title: Spec }\n---\n",
        )]),
        "Link to an `https://` (or `http://`, `mailto:`) address instead.",
    ),
    code(
        "E029",
        "ml-metric-out-of-range",
        "ML metric out of range",
        "`ml.metrics` values are numbers in [0, 1] (write 0.91, not 91).",
        Files(&[("stories/churn-model.md", "---\ntitle: Churn model\nstatus: backlog\nml:\n  metrics: { accuracy: 91 }\n---\n")]),
        "Write the metric as a fraction between 0 and 1.",
    ),
    code(
        "E030",
        "value-not-allowed",
        "Value not allowed",
        "The value is not one of the allowed values of the field (an `enum` custom field, `ml.ethical_review`, `ml.explainability`), or a number is outside the field's `min`/`max`. Numbers in items (estimates, capacities, numeric custom fields) are less than one billion (1e9) in size.",
        Files(&[
            ("cairn.yml", "fields:\n  team: { type: enum, values: [growth, platform] }\n"),
            ("stories/log-in.md", "---\ntitle: Log in\nstatus: backlog\nteam: sales\n---\n"),
        ]),
        "Use one of the allowed values (the help line lists them), or add the value to the field's `values:` in cairn.yml.",
    ),
    code(
        "E031",
        "missing-required-field",
        "Missing required field",
        "A custom field marked `required: true` in cairn.yml is missing from an item of a kind it applies to.",
        Files(&[
            ("cairn.yml", "fields:\n  team: { type: string, required: true }\n"),
            ("stories/log-in.md", "---\ntitle: Log in\nstatus: backlog\n---\n"),
        ]),
        "Add the field to the item, or drop `required: true` (or narrow the field's `kinds:`) in cairn.yml.",
    ),
    code(
        "E032",
        "field-not-for-kind",
        "Field not for this kind",
        "A custom field is declared with `kinds:` in cairn.yml, and this item's kind is not one of them.",
        Files(&[
            ("cairn.yml", "fields:\n  risk: { type: string, kinds: [epic] }\n"),
            ("stories/log-in.md", "---\ntitle: Log in\nstatus: backlog\nrisk: high\n---\n"),
        ]),
        "Remove the field from the item, or add the item's kind to the field's `kinds:` in cairn.yml.",
    ),
    code(
        "E033",
        "self-reference",
        "Self reference",
        "An item names itself in a relation (`relates_to`, `references` or a custom field of type `id`).",
        Files(&[("stories/log-in.md", "---\ntitle: Log in\nstatus: backlog\nrelates_to: [log-in]\n---\n")]),
        "Remove the item's own id from the relation.",
    ),
    code(
        "E034",
        "bad-sprint-dates",
        "Bad sprint dates",
        "A sprint needs `start` and `end` dates, with `end` on or after `start`.",
        Files(&[("sprints/s1.md", "---\ntitle: Sprint 1\nstart: 2026-03-13\nend: 2026-03-02\n---\n")]),
        "Give the sprint both dates, in order: `start: 2026-03-02`, `end: 2026-03-13`.",
    ),
    code(
        "E040",
        "forbidden-transition",
        "Forbidden status transition",
        "A status change that `workflow` in cairn.yml does not allow. `cairn diff` checks every commit of the range (and the working tree), so an item may move through allowed steps over several commits.",
        Situation("cairn.yml has `workflow: { backlog: [ready], ready: [in_progress], in_progress: [done] }` and one commit changes a story from `status: backlog` to `status: done`; `cairn diff` reports the change."),
        "Move the item through allowed statuses (one commit each), or allow the transition under `workflow:` in cairn.yml.",
    ),
    code(
        "E041",
        "policy-violation",
        "Change not allowed by policy",
        "A commit of the range changed a field (or moved a status) that a `policy:` rule in cairn.yml guards, and its author is not among those the rule allows: emails, globs of them, or the CODEOWNERS owners of the item's file. `cairn diff` reports it on the commit that made the change.",
        Situation("cairn.yml has `policy: [{ name: only PMs prioritise, fields: [priority], allow: [\"*@pm.acme.io\"] }]` and a commit by dev@acme.io changes an epic's `priority`; `cairn diff` reports the change."),
        "Have someone the rule allows make the change (or approve and re-commit it), or change the rule under `policy:` in cairn.yml.",
    ),
    code(
        "E050",
        "bad-automation-rule",
        "Bad automation rule",
        "A rule under `automation:` in cairn.yml names an unknown trigger, field, action, target or condition, has an `if:` expression or a template that does not compile, or a webhook URL that is not http(s); or `on_pull_request` names an unknown event or status. `cairn automate` does not run until it is fixed.",
        Files(&[("cairn.yml", "automation:\n  - name: close parents\n    on: status_chaged\n    do:\n      - set: { target: parent, status: done }\n")]),
        "Fix the spelling (the did-you-mean hint names the closest trigger, field or action); docs/automation.md lists what a rule may say.",
    ),
    code(
        "W001",
        "done-with-open-dependency",
        "Done with an open dependency",
        "The item is done while one of its `depends_on` is not.",
        Files(&[
            ("stories/log-in.md", "---\ntitle: Log in\nstatus: done\ndepends_on: [sign-up]\n---\n"),
            ("stories/sign-up.md", "---\ntitle: Sign up\nstatus: backlog\n---\n"),
        ]),
        "Finish (or cancel) the dependency, reopen the item, or remove the dependency if it was not one.",
    ),
    code(
        "W002",
        "open-child-of-done-parent",
        "Open child of a done parent",
        "The item is not done while its parent is done.",
        Files(&[
            ("epics/accounts.md", "---\ntitle: Accounts\nstatus: done\n---\n"),
            ("stories/log-in.md", "---\ntitle: Log in\nstatus: backlog\nparent: accounts\n---\n"),
        ]),
        "Finish or cancel the child, reopen the parent, or move the child under another parent.",
    ),
    code(
        "W003",
        "due-before-start",
        "Due before start",
        "The `due` date is before the `start` date.",
        Files(&[("stories/log-in.md", "---\ntitle: Log in\nstatus: backlog\nstart: 2026-03-10\ndue: 2026-03-01\n---\n")]),
        "Fix one of the two dates.",
    ),
    code(
        "W004",
        "unchecked-acceptance-criteria",
        "Unchecked acceptance criteria",
        "The item is done but some task-list items under its \"Acceptance criteria\" heading are unchecked.",
        Files(&[(
            "stories/log-in.md",
            "---\ntitle: Log in\nstatus: done\n---\n\n## Acceptance criteria\n- [x] Users log in with email\n- [ ] Wrong passwords are refused\n",
        )]),
        "Check the criteria that are met (`- [x]`), or reopen the item.",
    ),
    code(
        "W005",
        "ml-without-ethical-review",
        "ML model done without ethical review",
        "A work item naming an ML model (`ml.model`) is done while its `ml.ethical_review` is not `approved` or `not_required`.",
        Files(&[(
            "stories/churn-model.md",
            "---\ntitle: Churn model\nstatus: done\nml:\n  model: { id: churn-xgb, version: 1.4.0 }\n  ethical_review: pending\n---\n",
        )]),
        "Complete the review and set `ethical_review: approved` (or `not_required`), or reopen the item.",
    ),
    code(
        "W006",
        "symlink-outside-root",
        "Symbolic link outside the root",
        "A symbolic link points outside the backlog root; it is not followed.",
        Situation("`ln -s ../../other-repo/stories stories/shared`: the link leaves the root."),
        "Copy the files into the root, or remove the link.",
    ),
    code(
        "W007",
        "broken-link",
        "Broken link",
        "A `[[id]]` wiki link, or a relative link to another file, in the body points at no item (or no file).",
        Files(&[("stories/log-in.md", "---\ntitle: Log in\nstatus: backlog\n---\n\nSee [[sign-upp]] first.\n")]),
        "Fix the id or the path, or remove the link.",
    ),
    code(
        "W008",
        "yaml-tag-ignored",
        "YAML tag ignored",
        "A YAML tag (`!!python/object/apply:…`, `!secret`, `!!int`, any `!tag` but `!!str`) is ignored: front-matter is read as plain data, never as objects or custom types.",
        Files(&[("stories/log-in.md", "---\ntitle: Log in\nstatus: backlog\nestimate: !!int 3\n---\n")]),
        "Remove the tag; quote a value to make it text.",
    ),
    code(
        "W010",
        "no-history",
        "No git history",
        "The root is not inside a git repository: `created`, `updated` and `reporter` come from the front-matter only, and the audit trail, burndown and metrics are unavailable.",
        Situation("Running `cairn build` on a folder that was copied out of its repository, or never committed."),
        "Run cairn inside the git repository that holds the backlog (`git init` and commit for a new one).",
    ),
    code(
        "W011",
        "shallow-history",
        "Shallow history",
        "The repository is a shallow clone: history stops at the clone's boundary, so the audit trail, burndown and metrics are incomplete.",
        Situation("A CI job that checks out with the default `fetch-depth: 1`."),
        "Fetch the full history: `fetch-depth: 0` in actions/checkout, `GIT_DEPTH: 0` in GitLab CI, or `git fetch --unshallow`.",
    ),
    code(
        "W012",
        "unreadable-object",
        "Unreadable git object",
        "A git object (commit, tree or blob) of the history cannot be read: it is missing (a deleted loose object, a broken clone) or corrupt. History skips it and keeps every event it can still derive: the changes it hid show up at the next commit that can be read. It is not a shallow boundary.",
        Situation("A loose blob of an old commit deleted from `.git/objects`, or a clone interrupted while it wrote its pack."),
        "`git fsck` names what is broken; fetching again (`git fetch`) or cloning anew may bring the object back. Until then cairn keeps working without it.",
    ),
    code(
        "W020",
        "blocked-in-progress",
        "Blocked item in progress",
        "The item is in a `doing` status while one of its `depends_on` is not done: work started on something that is still blocked.",
        Files(&[
            ("stories/log-in.md", "---\ntitle: Log in\nstatus: in_progress\ndepends_on: [sign-up]\n---\n"),
            ("stories/sign-up.md", "---\ntitle: Sign up\nstatus: backlog\n---\n"),
        ]),
        "Finish the dependency first and move the item back to a `todo` status meanwhile, or remove the dependency if it was not one.",
    ),
    code(
        "W021",
        "dependency-in-later-sprint",
        "Dependency planned in a later sprint",
        "The item depends on an open item planned in a sprint that starts after the item's own sprint: it cannot finish in its sprint.",
        Files(&[
            ("sprints/s1.md", "---\ntitle: Sprint 1\nstart: 2026-03-02\nend: 2026-03-13\n---\n"),
            ("sprints/s2.md", "---\ntitle: Sprint 2\nstart: 2026-03-16\nend: 2026-03-27\n---\n"),
            ("stories/log-in.md", "---\ntitle: Log in\nstatus: backlog\nsprint: s1\ndepends_on: [sign-up]\n---\n"),
            ("stories/sign-up.md", "---\ntitle: Sign up\nstatus: backlog\nsprint: s2\n---\n"),
        ]),
        "Plan the dependency in the same or an earlier sprint, or move the item to a later sprint.",
    ),
    code(
        "W022",
        "overdue",
        "Overdue",
        "The item is open and its `due` date is before today, where today is the date of the HEAD commit (so the result depends only on the repository); skipped with `--no-history` or without git.",
        Files(&[("stories/log-in.md", "---\ntitle: Log in\nstatus: backlog\ndue: 2020-01-31\n---\n")]),
        "Finish or cancel the item, or move `due` to a date that can still be met.",
    ),
    code(
        "W023",
        "open-duplicate",
        "Open duplicate",
        "The item `duplicates` another one but is still open.",
        Files(&[
            ("stories/log-in.md", "---\ntitle: Log in\nstatus: backlog\nduplicates: sign-in\n---\n"),
            ("stories/sign-in.md", "---\ntitle: Sign in\nstatus: backlog\n---\n"),
        ]),
        "Close it (usually with a status of category `done` that is not completed, such as `cancelled`), or remove `duplicates` if it is not a duplicate.",
    ),
];

/// The severity of a code: `E…` are errors, `W…` warnings.
pub fn severity_of(code: &str) -> Severity {
    if code.starts_with('W') {
        Severity::Warning
    } else {
        Severity::Error
    }
}

/// What a code means, if it is one (any case: `e012`).
pub fn explain(code: &str) -> Option<&'static CodeInfo> {
    CODES.iter().find(|c| c.code.eq_ignore_ascii_case(code))
}

/// The position of a code in [`CODES`] (a SARIF rule's index).
pub fn code_index(code: &str) -> Option<usize> {
    CODES.binary_search_by(|c| c.code.cmp(code)).ok()
}

/// `cairn explain CODE`: what it means, an example, how to fix it.
pub fn explain_text(c: &CodeInfo) -> String {
    let mut out = format!("{} {}: {}\n\n{}\n\nExample:\n", c.code, c.name, c.title, c.meaning);
    match c.example {
        Files(files) => {
            for (path, text) in files {
                out.push_str(&format!("\n  # {path}\n"));
                for line in text.lines() {
                    out.push_str(if line.is_empty() { "" } else { "  " });
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
        Situation(s) => {
            out.push_str("\n  ");
            out.push_str(s);
            out.push('\n');
        }
    }
    out.push_str("\nHow to fix it:\n\n  ");
    out.push_str(c.fix);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_sorted() {
        for w in CODES.windows(2) {
            assert!(w[0].code < w[1].code, "{} before {}", w[0].code, w[1].code);
        }
        for (i, c) in CODES.iter().enumerate() {
            assert_eq!(code_index(c.code), Some(i));
        }
        assert_eq!(code_index("E999"), None);
        assert_eq!(severity_of("W001"), Severity::Warning);
        assert_eq!(severity_of("E012"), Severity::Error);
        assert_eq!(explain("e012").map(|c| c.name), Some("unknown-status"));
        assert!(explain("E999").is_none());
    }

    #[test]
    fn every_code_has_a_meaning_an_example_and_a_fix() {
        for c in CODES {
            assert!(
                c.name.len() > 3
                    && c.name.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-'),
                "{}",
                c.code
            );
            assert!(!c.title.is_empty() && !c.title.ends_with('.'), "{} title", c.code);
            for (what, text) in [("meaning", c.meaning), ("fix", c.fix)] {
                assert!(text.len() > 20 && text.ends_with('.'), "{} {what}: {text:?}", c.code);
            }
            match c.example {
                Example::Files(files) => assert!(!files.is_empty(), "{}", c.code),
                Example::Situation(s) => assert!(s.len() > 20, "{}", c.code),
            }
            let text = explain_text(c);
            for part in [c.code, c.meaning, c.fix, "Example:", "How to fix it:"] {
                assert!(text.contains(part), "{}: {part:?} not in {text}", c.code);
            }
        }
    }

    /// Each example that is a set of files is a backlog that really has the
    /// problem: loaded and checked (with "today" after every date in the
    /// examples, for W022), it reports the code.
    #[test]
    fn every_file_example_triggers_its_code() {
        let today = chrono::NaiveDate::from_ymd_opt(2030, 1, 1);
        for c in CODES {
            let Example::Files(files) = c.example else { continue };
            let dir = tempfile::tempdir().unwrap();
            for (path, text) in files {
                let p = dir.path().join(path);
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(&p, text).unwrap();
            }
            let backlog = crate::load::load(dir.path()).unwrap();
            let graph = crate::graph::Graph::build(&backlog);
            let report = crate::check::check_on(&backlog, &graph, today);
            let codes: Vec<&str> = report.diagnostics.iter().map(|d| d.code).collect();
            assert!(codes.contains(&c.code), "the example of {} reports {codes:?}", c.code);
            for (path, _) in files.iter().filter(|(p, _)| p.ends_with(".md")) {
                assert!(explain_text(c).contains(&format!("  # {path}\n")), "{}", c.code);
            }
        }
    }
}
