//! Every clap type of the command line. The `///` comments here are the `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub use crate::output::ColorChoice;
use crate::types::Severity;

/// Walk an online store through a security-breach response, one step at a time, and keep a
/// tamper-evident record of every decision.
///
/// `breach start` opens an incident and guides you through the built-in ten-step breach
/// runbook (assess, contain, notify, investigate, communicate, report, remediate, monitor,
/// review, rebuild trust). Every answer is written to a hash-chained incident file the moment
/// you give it. `breach status` shows what is open and which legal deadlines are running;
/// `breach export` writes the post-mortem report.
#[derive(Debug, Parser)]
#[command(
    name = "breach",
    version,
    propagate_version = true,
    after_help = "Examples:\n  breach start                      open an incident and walk the default runbook\n  breach status                     what is open, which deadlines are running\n  breach export --format html -o report.html\n\nExit codes: 0 ok, 1 failure, 2 usage, 3 invalid input, 4 not found, 5 integrity,\n6 conflict, 7 needs a terminal, 8 missing program,\n9 lock timeout, 130 interrupted (see docs/exit-codes.md)."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// The incident to act on: its id, a unique prefix of the id, or a path to its file.
    /// Default: a command that reads shows the most recently started incident, closed or
    /// not; one that records uses the one open incident, and with several open asks which
    /// (on a terminal) or refuses.
    #[arg(short = 'i', long = "incident", global = true, value_name = "INCIDENT")]
    pub incident: Option<String>,

    /// The incident directory. Default: `dir` in the nearest .breach.toml, else the nearest
    /// `incidents` directory here or in a parent, else `dir` in
    /// $XDG_CONFIG_HOME/breach/config.toml, else ./incidents.
    #[arg(long, global = true, env = "BREACH_DIR", value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// Whether `--dir` was typed on the command line (not taken from `BREACH_DIR`): `breach
    /// man --dir DIR` writes the pages there.
    #[arg(skip)]
    pub dir_on_command_line: bool,

    /// Who is recording; stored on every record. Default: `operator` in .breach.toml or the
    /// user's configuration file, else the login name.
    #[arg(
        long,
        global = true,
        env = "BREACH_OPERATOR",
        hide_env_values = true,
        value_name = "NAME"
    )]
    pub operator: Option<String>,

    /// When to use colour. `auto` means only on a terminal and only if NO_COLOR is unset.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

/// How bad it is, as typed on the command line (converted to [`Severity`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeverityArg {
    Low,
    Medium,
    High,
    Critical,
}

impl From<SeverityArg> for Severity {
    fn from(s: SeverityArg) -> Self {
        match s {
            SeverityArg::Low => Severity::Low,
            SeverityArg::Medium => Severity::Medium,
            SeverityArg::High => Severity::High,
            SeverityArg::Critical => Severity::Critical,
        }
    }
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open a new incident and walk through its runbook step by step.
    ///
    /// Asks a short intake (title, severity, when it was detected, which runbook), creates the
    /// incident file and then guides you through each step: checklists, decisions, notes.
    /// Every answer is recorded the moment you give it; Ctrl-C loses at most the question on
    /// screen, and `breach resume` carries on.
    ///
    /// Without a terminal, use `--no-walk` (just create the incident) or `--answers FILE`
    /// (drive the same walk from a YAML file).
    #[command(
        after_help = "Examples:\n  breach start\n  breach start --title \"Card skimmer on checkout\" --severity critical\n  breach start --no-walk --title \"Stolen customer database\" --detected-at 2026-11-23T08:00:00Z\n  breach start --runbook woocommerce --answers rehearsal.yaml"
    )]
    Start(StartArgs),

    /// Continue walking an open incident from its first open step.
    #[command(
        after_help = "Examples:\n  breach resume\n  breach resume 20261123T101500Z --step report"
    )]
    Resume(ResumeArgs),

    /// Show the steps, their progress and the legal deadlines that are running.
    #[command(
        after_help = "Examples:\n  breach status\n  breach status --json | jq '.deadlines[] | select(.state == \"overdue\")'"
    )]
    Status(StatusArgs),

    /// Write the post-mortem report (Markdown, HTML, JSON or PDF).
    #[command(
        after_help = "Examples:\n  breach export > postmortem.md\n  breach export --format html -o postmortem.html\n  breach export --format json -o incident.json\n  breach export --format pdf -o postmortem.pdf   (needs chromium on PATH)"
    )]
    Export(ExportArgs),

    /// List the incidents in the incident directory, newest first.
    #[command(after_help = "Examples:\n  breach list\n  breach list --json")]
    List(ListArgs),

    /// Add a free-text note to the incident.
    #[command(
        after_help = "Examples:\n  breach note \"Hosting provider confirms the skimmer was injected via the admin panel\"\n  breach note --step contain \"Checkout disabled at 10:42\""
    )]
    Note(NoteArgs),

    /// Tick (or untick) a checklist item.
    #[command(
        after_help = "Examples:\n  breach check contain/disable_checkout\n  breach check contain/disable_checkout --undo"
    )]
    Check(CheckArgs),

    /// Record the answer to a step's question; the value is checked against its kind.
    #[command(
        after_help = "Examples:\n  breach answer assess/breach_type card_skimming\n  breach answer assess/data_types payment_cards,email_addresses\n  breach answer assess/affected_customers 1200\n  breach answer assess/contained true"
    )]
    Answer(AnswerArgs),

    /// Correct an intake fact or an answer with a reason; the earlier value is kept.
    ///
    /// FACT is `detected`, `aware`, `determined` (the intake times), `title`, `severity`, or
    /// STEP/QUESTION for an answer. Clocks, status, drafts and reports use the new value; the
    /// export lists each correction with the value it replaced, who made it, when and why.
    #[command(
        after_help = "Examples:\n  breach amend aware 2026-11-20T14:30:00Z --reason \"The host's e-mail of 20 Nov said so\"\n  breach amend severity critical --reason \"Card data confirmed\"\n  breach amend assess/affected_customers 4200 --reason \"Count from the order export\"\n  breach amend detected \"2026-11-20 09:15\" --reason \"First alert found in the logs\" --json"
    )]
    Amend(AmendArgs),

    /// Mark a step done, skip it with a reason, or reopen it.
    #[command(
        after_help = "Examples:\n  breach step contain --done\n  breach step rebuild-trust --skip \"No customer data was exposed\"\n  breach step investigate --reopen"
    )]
    Step(StepArgs),

    /// Convert an incident file (format 1) into a team incident (format 2), losslessly.
    ///
    /// The records are kept in order with their times and operators, the original file is
    /// kept byte for byte inside the new directory, and the new opening record carries the
    /// old chain's last hash.
    #[command(after_help = "Examples:\n  breach upgrade\n  breach upgrade 20261123T101500Z")]
    Upgrade(UpgradeArgs),

    /// Seal a team incident: record the last record of every journal and print a short
    /// digest to keep somewhere else (an e-mail to counsel, a ticket, the authority notice).
    ///
    /// `breach verify --sealed DIGEST` later proves that nothing recorded before the seal
    /// was changed or removed.
    #[command(
        after_help = "Examples:\n  breach seal\n  breach verify --sealed 3f9c0e1d2b4a5968778695a4b3c2d1e0"
    )]
    Seal(SealArgs),

    /// Sync a team incident kept in a git repository: commit this device's new records,
    /// pull and push with your own git, and show what came in.
    #[command(after_help = "Examples:\n  breach sync\n  breach sync 20261123T101500Z")]
    Sync(SealArgs),

    /// Register evidence files (hashed) and check later that they are unchanged.
    #[command(subcommand)]
    Evidence(EvidenceCommand),

    /// Draft communications from the runbook's templates and record notices sent.
    #[command(subcommand)]
    Notify(NotifyCommand),

    /// Count who is affected from the store's own export (orders or customers), for the
    /// legal clocks and the customer notice.
    #[command(subcommand)]
    Affected(AffectedCommand),
    /// Track follow-up action items (owner, due day, open or done), also after closing.
    #[command(subcommand)]
    Action(ActionCommand),

    /// Check every record and the whole hash chain of an incident file.
    #[command(
        after_help = "Examples:\n  breach verify\n  breach verify incidents/20261123T101500Z-card-skimmer-on-checkout.yaml\n  breach verify --repair"
    )]
    Verify(VerifyArgs),

    /// Close an incident; nothing but action items can be recorded afterwards.
    #[command(after_help = "Examples:\n  breach close\n  breach close 20261123T101500Z")]
    Close(CloseArgs),

    /// List, show, validate and copy runbooks.
    #[command(subcommand)]
    Runbook(RunbookCommand),

    /// Print a shell completion script (commands and options).
    ///
    /// For completion of incident, step, item, question and template ids too, read from the
    /// incident directory as you type, register the dynamic completer instead:
    /// `source <(COMPLETE=bash breach)` in ~/.bashrc (`COMPLETE=zsh`, `COMPLETE=fish`,
    /// `COMPLETE=elvish` and `COMPLETE=powershell` likewise).
    #[command(
        after_help = "Examples:\n  breach completions bash > ~/.local/share/bash-completion/completions/breach\n  breach completions zsh > ~/.zfunc/_breach\n  breach completions fish > ~/.config/fish/completions/breach.fish\n  echo 'source <(COMPLETE=bash breach)' >> ~/.bashrc    # with incident and step ids"
    )]
    Completions(CompletionsArgs),

    /// Print the manual page (roff), or write one page per command with `--dir DIR`.
    ///
    /// Without `--dir`, prints breach(1) to standard output. With `breach man --dir DIR`,
    /// writes breach.1 and one page per command (breach-start.1, breach-evidence-add.1, ...)
    /// into DIR. Every page has ENVIRONMENT and EXIT STATUS sections.
    #[command(
        after_help = "Examples:\n  breach man > breach.1 && man ./breach.1\n  breach man --dir man/man1"
    )]
    Man,
}

/// Arguments of `breach start`.
#[derive(Debug, Args)]
pub struct StartArgs {
    /// The runbook: a built-in name, a name found in ./runbooks or BREACH_RUNBOOKS, or a path.
    /// Default: ecommerce-breach.
    #[arg(long, value_name = "NAME|PATH")]
    pub runbook: Option<String>,
    /// A short title for the incident; it also names the file.
    #[arg(long, value_name = "TITLE")]
    pub title: Option<String>,
    /// How bad it is.
    #[arg(long, value_enum)]
    pub severity: Option<SeverityArg>,
    /// When the breach was detected (RFC 3339, or `YYYY-MM-DD HH:MM` local). Default: now.
    #[arg(long, value_name = "TIME")]
    pub detected_at: Option<String>,
    /// When you became aware that personal data was affected (starts GDPR's 72 hours).
    /// Default: the detection time.
    #[arg(long, value_name = "TIME")]
    pub aware_at: Option<String>,
    /// When it was determined that a breach occurred (starts several US state clocks).
    /// Default: not yet determined.
    #[arg(long, value_name = "TIME")]
    pub determined_at: Option<String>,
    /// Record the times even if they fail the plausibility checks (in the future, awareness
    /// or determination before detection); the override is recorded.
    #[arg(long)]
    pub override_check: bool,
    /// Only create the incident file; do not walk the steps.
    #[arg(long, conflicts_with = "answers")]
    pub no_walk: bool,
    /// Drive the walk from a YAML answers file instead of a terminal.
    #[arg(long, value_name = "FILE")]
    pub answers: Option<PathBuf>,
    /// Print the result as JSON (with --no-walk).
    #[arg(long)]
    pub json: bool,
    /// Open a team incident (format version 2): a directory with one journal per device, so
    /// that several responders can record from several machines and merge with any file
    /// sync (docs/team.md). The walk works the same on it.
    #[arg(long)]
    pub team: bool,
}

/// Arguments of `breach resume`.
#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// The incident (id, unique id prefix or path). Default: the most recently
    /// started one, closed or not.
    #[arg(id = "incident_arg", value_name = "INCIDENT")]
    pub incident: Option<String>,
    /// Start at this step instead of the first open one.
    #[arg(long, value_name = "ID")]
    pub step: Option<String>,
    /// Drive the walk from a YAML answers file instead of a terminal.
    #[arg(long, value_name = "FILE")]
    pub answers: Option<PathBuf>,
}

/// Arguments of `breach status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The incident (id, unique id prefix or path). Default: the most recently
    /// started one, closed or not.
    #[arg(id = "incident_arg", value_name = "INCIDENT")]
    pub incident: Option<String>,
    /// Print the state as JSON (the shape is documented in docs/status-json.md).
    #[arg(long)]
    pub json: bool,
    /// Show times in UTC instead of local time.
    #[arg(long)]
    pub utc: bool,
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Markdown,
    Html,
    Json,
    /// The HTML report printed by a headless Chromium found on PATH.
    Pdf,
}

/// Arguments of `breach export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The incident (id, unique id prefix or path). Default: the one open
    /// incident (with several open: asked on a terminal, refused elsewhere).
    #[arg(id = "incident_arg", value_name = "INCIDENT")]
    pub incident: Option<String>,
    /// The report format.
    #[arg(long, short = 'f', value_enum, default_value_t = ExportFormat::Markdown)]
    pub format: ExportFormat,
    /// Write to this file (atomically, mode 0600) instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Arguments of `breach list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print the list as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `breach note`.
#[derive(Debug, Args)]
pub struct NoteArgs {
    /// The note text; `-` reads it from standard input (a trailing newline is dropped).
    #[arg(value_name = "TEXT", required = true, allow_hyphen_values = true)]
    pub text: String,
    /// Attach the note to a step.
    #[arg(long, value_name = "STEP")]
    pub step: Option<String>,
    /// When it happened, if not now (RFC 3339, or `YYYY-MM-DD HH:MM` local): the event
    /// time, kept apart from the time it is recorded (team incidents only).
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
}

/// Arguments of `breach check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The checklist item, as STEP/ITEM.
    #[arg(value_name = "STEP/ITEM")]
    pub target: String,
    /// Untick the item instead.
    #[arg(long)]
    pub undo: bool,
    /// When it happened, if not now (RFC 3339, or `YYYY-MM-DD HH:MM` local): the event
    /// time, kept apart from the time it is recorded (team incidents only).
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
}

/// Arguments of `breach answer`.
#[derive(Debug, Args)]
pub struct AnswerArgs {
    /// The question, as STEP/QUESTION.
    #[arg(value_name = "STEP/QUESTION")]
    pub target: String,
    /// The answer: yes/no for confirm, an option id for select, comma-separated option ids
    /// for multiselect, a number, a time, or free text.
    #[arg(value_name = "VALUE", allow_hyphen_values = true)]
    pub value: String,
    /// Record a time even if it fails the plausibility checks (in the future, an end
    /// before its start, contradicting the detection time); the override is recorded.
    #[arg(long)]
    pub override_check: bool,
    /// When it happened, if not now (RFC 3339, or `YYYY-MM-DD HH:MM` local): the event
    /// time, kept apart from the time it is recorded (team incidents only).
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
}

/// Arguments of `breach amend`.
#[derive(Debug, Args)]
pub struct AmendArgs {
    /// What to correct: detected, aware, determined, title, severity, or STEP/QUESTION.
    #[arg(value_name = "FACT")]
    pub fact: String,
    /// The new value: a time for detected/aware/determined (RFC 3339, or `YYYY-MM-DD HH:MM`
    /// local time), the title, a severity, or an answer as for `breach answer`.
    #[arg(value_name = "VALUE", allow_hyphen_values = true)]
    pub value: String,
    /// Why the earlier value was wrong (recorded with the correction).
    #[arg(long, value_name = "R")]
    pub reason: String,
    /// Record a time even if it fails the plausibility checks; the override is recorded.
    #[arg(long)]
    pub override_check: bool,
    /// Print the correction as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `breach step`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("outcome").required(true).args(["done", "skip", "reopen"])))]
pub struct StepArgs {
    /// The step id.
    #[arg(value_name = "STEP")]
    pub step: String,
    /// Mark the step done.
    #[arg(long)]
    pub done: bool,
    /// Skip the step, giving the reason.
    #[arg(long, value_name = "REASON")]
    pub skip: Option<String>,
    /// Reopen a done or skipped step.
    #[arg(long)]
    pub reopen: bool,
    /// With --done: mark it done even if required checklist items are still open.
    #[arg(long, requires = "done")]
    pub force: bool,
    /// When it happened, if not now (RFC 3339, or `YYYY-MM-DD HH:MM` local): the event
    /// time, kept apart from the time it is recorded (team incidents only).
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
}

/// `breach evidence ...`
#[derive(Debug, Subcommand)]
pub enum EvidenceCommand {
    /// Register files (directories are walked): SHA-256, size, modification time, collector.
    #[command(
        after_help = "Examples:\n  breach evidence add /var/log/nginx/access.log --note \"web log at time of skimmer\"\n  breach evidence add ./dump/ --copy"
    )]
    Add(EvidenceAddArgs),
    /// List the registered evidence (the chain of custody).
    #[command(after_help = "Examples:\n  breach evidence list\n  breach evidence list --json")]
    List(IncidentJsonArgs),
    /// Re-hash every registered file and report unchanged, changed or missing.
    #[command(after_help = "Examples:\n  breach evidence verify")]
    Verify(IncidentJsonArgs),
}

/// Arguments of `breach evidence add`.
#[derive(Debug, Args)]
pub struct EvidenceAddArgs {
    /// Files or directories to register.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// A note about where the evidence came from.
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    /// Also copy each file into the incident's evidence folder (never overwriting).
    #[arg(long)]
    pub copy: bool,
    /// When it happened, if not now (RFC 3339, or `YYYY-MM-DD HH:MM` local): the event
    /// time, kept apart from the time it is recorded (team incidents only).
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
}

/// An optional incident (like `-i`) and `--json`, for the commands that read an incident.
#[derive(Debug, Args)]
pub struct IncidentJsonArgs {
    /// The incident (id, unique id prefix or path). Default: the most recently started one,
    /// closed or not.
    #[arg(id = "incident_arg", value_name = "INCIDENT")]
    pub incident: Option<String>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `breach action ...`
#[derive(Debug, Subcommand)]
pub enum ActionCommand {
    /// Add an action item; it gets the next id (A1, A2, ...).
    #[command(
        after_help = "Examples:\n  breach action add \"Update the response plan\" --owner Dana --due 2026-12-15\n  breach -i 20261123T101500Z action add \"Quarterly plugin audit\" --owner ops --due 2027-03-31"
    )]
    Add(ActionAddArgs),
    /// Mark an action item done.
    #[command(after_help = "Examples:\n  breach action done A1")]
    Done(ActionDoneArgs),
    /// List the action items: open first, overdue marked.
    #[command(after_help = "Examples:\n  breach action list\n  breach action list --json")]
    List(JsonArg),
}

/// Arguments of `breach action add`.
#[derive(Debug, Args)]
pub struct ActionAddArgs {
    /// What is to be done.
    #[arg(value_name = "TEXT")]
    pub text: String,
    /// Who is to do it.
    #[arg(long, value_name = "NAME")]
    pub owner: String,
    /// The day it is due, as YYYY-MM-DD (a UTC day).
    #[arg(long, value_name = "DATE")]
    pub due: String,
    /// When it happened, if not now (RFC 3339, or `YYYY-MM-DD HH:MM` local): the event
    /// time, kept apart from the time it is recorded (team incidents only).
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
}

/// Arguments of `breach action done`.
#[derive(Debug, Args)]
pub struct ActionDoneArgs {
    /// The action item's id, e.g. A1.
    #[arg(value_name = "ID")]
    pub id: String,
    /// When it happened, if not now (RFC 3339, or `YYYY-MM-DD HH:MM` local): the event
    /// time, kept apart from the time it is recorded (team incidents only).
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
}

/// A lone `--json` flag.
#[derive(Debug, Args)]
pub struct JsonArg {
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `breach affected ...`
#[derive(Debug, Subcommand)]
pub enum AffectedCommand {
    /// Read a store export, count the distinct people per country and state inside the
    /// breach window, record the counts (they answer the runbook's questions of how many
    /// and where) and write the recipient list for the customer notice.
    #[command(
        after_help = "Examples:\n  breach affected import orders_export.csv\n  breach affected import orders.csv --card-only\n  breach affected import orders.csv --from 2026-11-01T00:00:00Z --to 2026-11-20T12:00:00Z --payment-method stripe\n  breach affected import kunden.csv --column email=E-Mail --column country=Land --column region=Bundesland\n\nSee docs/affected.md for the layouts, the encodings and what is counted."
    )]
    Import(AffectedImportArgs),
}

/// The layouts `breach affected import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StoreExportFormat {
    /// Detect the layout from the header.
    Auto,
    /// The orders CSV of WooCommerce's Customer/Order/Coupon Export extension.
    WoocommerceOrders,
    /// Shopify's orders export.
    ShopifyOrders,
    /// The WooCommerce Analytics customers download.
    WoocommerceCustomers,
    /// Any CSV, with the columns given by --column or --map.
    Mapped,
}

/// The text encodings `breach affected import` can be told to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StoreExportEncoding {
    /// From the byte-order mark, else UTF-8, else clearly Latin-1, else refused.
    Auto,
    Utf8,
    Latin1,
}

/// Arguments of `breach affected import`.
#[derive(Debug, Args)]
pub struct AffectedImportArgs {
    /// The export (CSV).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Its layout.
    #[arg(long, value_enum, default_value = "auto")]
    pub format: StoreExportFormat,
    /// A file naming the columns, one `ROLE: COLUMN` a line (YAML).
    #[arg(long, value_name = "FILE")]
    pub map: Option<PathBuf>,
    /// A column for a role: email, name, first_name, last_name, date, payment_method,
    /// payment_title, country, region, region_name, order. Repeatable.
    #[arg(long = "column", value_name = "ROLE=COLUMN")]
    pub columns: Vec<String>,
    /// The file's text encoding.
    #[arg(long, value_enum, default_value = "auto")]
    pub encoding: StoreExportEncoding,
    /// The breach window's start. Default: the answer to when the access started.
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// The breach window's end. Default: the answer to when the access ended.
    #[arg(long, value_name = "TIME")]
    pub to: Option<String>,
    /// Keep only the orders paid by card (a skimmer on the checkout takes those).
    #[arg(long)]
    pub card_only: bool,
    /// Keep only the orders paid by this method (its id or title, as listed). Repeatable.
    #[arg(long = "payment-method", value_name = "METHOD")]
    pub payment_methods: Vec<String>,
    /// Also print the recipient list (personal data) to standard output.
    #[arg(long)]
    pub show: bool,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `breach notify ...`
#[derive(Debug, Subcommand)]
pub enum NotifyCommand {
    /// Render a communication draft from a runbook template and the incident's facts.
    #[command(
        after_help = "Examples:\n  breach notify draft customer-notice\n  breach notify draft authority-notice -o notice.txt\n  breach notify draft customer-notice --per-recipient"
    )]
    Draft(NotifyDraftArgs),
    /// Record that a notice went out; this satisfies the matching deadline.
    #[command(
        after_help = "Examples:\n  breach notify sent customer-notice --to \"all affected customers\"\n  breach notify sent authority-notice --at 2026-11-24T09:00:00Z --to \"CNIL\""
    )]
    Sent(NotifySentArgs),
    /// List the templates the incident's runbook offers.
    #[command(after_help = "Examples:\n  breach notify list")]
    List(IncidentJsonArgs),
}

/// Arguments of `breach notify draft`.
#[derive(Debug, Args)]
pub struct NotifyDraftArgs {
    /// The template id.
    #[arg(value_name = "TEMPLATE")]
    pub template: String,
    /// Write to this file instead of standard output (with --per-recipient: this new
    /// folder).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// One notice per person on the recipient list of the latest `breach affected import`,
    /// each addressed to them, written into a new private folder (0700) in the evidence
    /// folder; nothing personal is printed.
    #[arg(long)]
    pub per_recipient: bool,
}

/// Arguments of `breach notify sent`.
#[derive(Debug, Args)]
pub struct NotifySentArgs {
    /// The template id of the notice that was sent.
    #[arg(value_name = "TEMPLATE")]
    pub template: String,
    /// When it was sent. Default: now.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// To whom it was sent.
    #[arg(long, value_name = "RECIPIENT")]
    pub to: Option<String>,
}

/// Arguments of `breach verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The incident (id, unique id prefix or path). Default: the one open
    /// incident (with several open: asked on a terminal, refused elsewhere).
    #[arg(id = "incident_arg", value_name = "INCIDENT")]
    pub incident: Option<String>,
    /// Move a torn final record aside and truncate to the last good record. Never touches a
    /// file whose chain is broken before its end.
    #[arg(long)]
    pub repair: bool,
    /// Also prove that a seal printed by `breach seal` still holds: nothing recorded before
    /// it was changed or removed (team incidents).
    #[arg(long, value_name = "DIGEST")]
    pub sealed: Vec<String>,
    /// Check record signatures against this allowed-signers file (git's format). Default:
    /// `allowed_signers` in .breach.toml or the user's configuration file, else git's
    /// gpg.ssh.allowedSignersFile (team incidents).
    #[arg(long, value_name = "FILE")]
    pub allowed_signers: Option<std::path::PathBuf>,
    /// Fail unless every journal is signed by a key the allowed-signers file allows for
    /// each record's operator (team incidents).
    #[arg(long)]
    pub require_signed: bool,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `breach upgrade`.
#[derive(Debug, Args)]
pub struct UpgradeArgs {
    /// The incident (id, unique id prefix or path). Default: the latest open one.
    #[arg(id = "incident_arg", value_name = "INCIDENT")]
    pub incident: Option<String>,
}

/// Arguments of `breach seal` and `breach sync`.
#[derive(Debug, Args)]
pub struct SealArgs {
    /// The incident (id, unique id prefix or path). Default: the one open incident, or the
    /// most recent one when none is open (a closed incident can be sealed and synced).
    #[arg(id = "incident_arg", value_name = "INCIDENT")]
    pub incident: Option<String>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `breach close`.
#[derive(Debug, Args)]
pub struct CloseArgs {
    /// The incident (id, unique id prefix or path). Default: the one open
    /// incident (with several open: asked on a terminal, refused elsewhere).
    #[arg(id = "incident_arg", value_name = "INCIDENT")]
    pub incident: Option<String>,
}

/// `breach runbook ...`
#[derive(Debug, Subcommand)]
pub enum RunbookCommand {
    /// List the available runbooks and where each comes from.
    #[command(
        after_help = "Examples:\n  breach runbook list\n  BREACH_RUNBOOKS=~/runbooks breach runbook list --json"
    )]
    List(JsonArg),
    /// Show a readable outline of a runbook: steps, checklist items, questions, deadlines.
    #[command(
        after_help = "Examples:\n  breach runbook show ecommerce-breach\n  breach runbook show ./runbooks/my-shop.yaml"
    )]
    Show(RunbookShowArgs),
    /// Validate runbook files; every problem is reported with file:line:column.
    #[command(after_help = "Examples:\n  breach runbook validate runbooks/*.yaml")]
    Validate(RunbookValidateArgs),
    /// Write a copy of a built-in runbook to edit (to ./runbooks/NAME.yaml by default).
    #[command(
        after_help = "Examples:\n  breach runbook init\n  breach runbook init woocommerce -o my-shop.yaml"
    )]
    Init(RunbookInitArgs),
}

/// Arguments of `breach runbook show`.
#[derive(Debug, Args)]
pub struct RunbookShowArgs {
    /// A runbook name or path.
    #[arg(value_name = "NAME|PATH")]
    pub name: String,
    /// Print the parsed runbook as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `breach runbook validate`.
#[derive(Debug, Args)]
pub struct RunbookValidateArgs {
    /// Runbook files to check.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// Print the problems as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `breach runbook init`.
#[derive(Debug, Args)]
pub struct RunbookInitArgs {
    /// The built-in runbook to copy. Default: ecommerce-breach.
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
    /// Where to write it. Default: runbooks/NAME.yaml. An existing file is never overwritten.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Shells for `breach completions`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Elvish,
    Powershell,
}

/// Arguments of `breach completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to generate completions for.
    #[arg(value_enum)]
    pub shell: Shell,
}
