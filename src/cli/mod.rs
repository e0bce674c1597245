//! Command-line interface: the console by default, subcommands for scripts.
//!
//! `mod.rs` holds the clap definitions and dispatch. Every headless subcommand lives in its
//! own file and runs on one [`Context`] (server, settings, output format), ends with one
//! [`Exit`], prints through [`output`] and asks through [`prompt`].

pub mod abort;
pub mod buckets;
pub mod clear;
pub mod context;
pub mod history;
pub mod lifecycle;
pub mod ls;
pub mod output;
pub mod prompt;
pub mod rb;
pub mod uploads;

pub use context::{Context, Exit};

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand};
use color_eyre::Result;

use self::output::OutputArgs;
use crate::config::Config;
use crate::s3::{ConnectOptions, S3};
use crate::tasks::DEFAULT_CONCURRENCY;
use crate::tui::{self, Settings};

#[derive(Debug, Parser)]
#[command(
    name = "partsweep",
    version,
    about = "Find and clear incomplete S3 multipart uploads, manage lifecycle rules, delete buckets",
    long_about = "With no subcommand, partsweep opens the console. Credentials and region come from \
the standard AWS chain (environment, ~/.aws/config and credentials, --profile); AWS_ENDPOINT_URL is honoured.",
    after_long_help = "Exit codes: 0 success; 1 failure (a server error, a write refused in --read-only mode, \
\"no\" at a prompt, a bucket rb will not delete); 2 usage error, or `clear`/`rb --force` refused without --yes \
and no terminal to ask on; 3 partial: some items failed, the summary says which."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// Named profile from ~/.aws/config.
    #[arg(long, global = true)]
    pub profile: Option<String>,
    /// Region; must match the server's (e.g. `garage`, `ap-guangzhou`).
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// S3-compatible endpoint, e.g. https://cos.ap-guangzhou.myqcloud.com or http://127.0.0.1:9000.
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Path-style addressing (host/bucket), as MinIO and Garage need.
    #[arg(long, global = true)]
    pub path_style: bool,
    /// Refuse every write: aborts, deletes and lifecycle changes.
    #[arg(long, global = true)]
    pub read_only: bool,
    /// The most aborts or deletes in flight at once; partsweep starts at 32 and adapts below
    /// this bound, fewer when the server throttles [default: 256].
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub concurrency: Option<u32>,
    /// Config file [default: ~/.config/partsweep/config.toml].
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// No colour in headless output.
    #[arg(long, global = true)]
    pub no_color: bool,
    /// Log S3 calls: to stderr for subcommands, to a log file for the console.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// List buckets: name, region, creation date; with --uploads, what incomplete uploads hold.
    Buckets(buckets::BucketsArgs),
    /// List the folders and files directly under BUCKET[/PREFIX].
    Ls(ls::LsArgs),
    /// List incomplete multipart uploads, in one bucket or (with none named) in every bucket.
    Uploads(uploads::UploadsArgs),
    /// Abort one incomplete upload.
    Abort(abort::AbortArgs),
    /// Abort every incomplete upload under BUCKET[/PREFIX] (asks first; --yes for scripts).
    Clear(clear::ClearArgs),
    /// List, add or remove lifecycle rules that abort incomplete uploads N days after they start
    ///
    /// The bucket's other rules are kept exactly as they are.
    Lifecycle(lifecycle::LifecycleArgs),
    /// Delete a bucket (--force empties it first)
    ///
    /// Without --force only an empty bucket is deleted, and otherwise partsweep says what blocks
    /// it. With --force it runs the console's Empty and delete.
    Rb(rb::RbArgs),
    /// What partsweep deleted, aborted or changed, and when: the journal, newest first
    ///
    /// Every abort, object delete, bucket delete and lifecycle change, from the console or the
    /// command line, is recorded as it happens in $XDG_STATE_HOME/partsweep/journal.jsonl
    /// (~/.local/state/partsweep/journal.jsonl; $PARTSWEEP_JOURNAL overrides it).
    History(history::HistoryArgs),
    /// Print a shell completion script (bash, zsh, fish, ...).
    Completions(CompletionsArgs),
    /// Start a local Garage server seeded with sample data and open the console against it.
    Demo {
        /// The garage binary [default: from PATH or ~/.cargo/bin].
        #[arg(long, value_name = "PATH")]
        garage: Option<PathBuf>,
        /// Incomplete uploads to create in each of the two big demo buckets.
        #[arg(long, default_value_t = 150)]
        uploads: usize,
    },
}

/// `BUCKET` or `BUCKET/PREFIX` (an `s3://` in front is allowed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub bucket: String,
    /// Empty for the whole bucket.
    pub prefix: String,
}

impl Location {
    /// For messages: `bucket X` or `bucket X under "p/"`, escaped.
    pub fn describe(&self) -> String {
        let bucket = crate::text::escape(&self.bucket);
        if self.prefix.is_empty() {
            format!("bucket {bucket}")
        } else {
            format!(
                "bucket {bucket} under {}",
                crate::text::escape(&self.prefix)
            )
        }
    }
}

pub fn parse_location(text: &str) -> Result<Location, String> {
    let text = text.strip_prefix("s3://").unwrap_or(text);
    let (bucket, prefix) = text.split_once('/').unwrap_or((text, ""));
    if bucket.is_empty() {
        return Err("a bucket name is needed: BUCKET or BUCKET/PREFIX".into());
    }
    Ok(Location {
        bucket: bucket.to_owned(),
        prefix: prefix.to_owned(),
    })
}

/// `--older-than`: seconds, from `30m`, `12h`, `7d`, `2w`.
pub fn parse_age(text: &str) -> Result<i64, String> {
    let seconds = crate::format::parse_duration(text)?;
    if seconds < 0 {
        return Err(format!("{text:?} is negative"));
    }
    Ok(seconds)
}

#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    pub shell: clap_complete::Shell,
}

/// Settings after merging the config file under the command line.
pub struct Resolved {
    pub connect: ConnectOptions,
    pub read_only: bool,
    pub concurrency: usize,
    pub page_size: Option<i32>,
    /// USD per GB-month, for cost estimates.
    pub price_per_gb_month: f64,
}

/// Fails with the config file's problem, a usage error like a bad flag.
pub fn resolve(global: &Global) -> Result<Resolved, String> {
    let config = Config::load(global.config.as_deref()).map_err(|e| format!("config: {e}"))?;
    Ok(Resolved {
        connect: ConnectOptions {
            profile: global.profile.clone().or(config.profile),
            region: global.region.clone().or(config.region),
            endpoint_url: global.endpoint_url.clone().or(config.endpoint_url),
            path_style: global.path_style || config.path_style.unwrap_or(false),
            static_keys: None,
        },
        read_only: global.read_only || config.read_only.unwrap_or(false),
        concurrency: global
            .concurrency
            .map(|n| n as usize)
            .or(config.concurrency)
            .unwrap_or(DEFAULT_CONCURRENCY),
        page_size: config.page_size,
        price_per_gb_month: config
            .price_per_gb_month
            .unwrap_or(crate::ops::cost::DEFAULT_PRICE_PER_GB_MONTH),
    })
}

/// Where the console writes its log with `-v`: stdout belongs to the screen.
pub fn log_path() -> PathBuf {
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("partsweep").join("partsweep.log")
}

/// The console's log names buckets and keys: only its owner may read it, also when an
/// older, wider-open file is already there.
fn open_log(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let file = options.mode(0o600).open(path)?;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        Ok(file)
    }
    #[cfg(not(unix))]
    options.open(path)
}

fn init_logging(verbose: u8, to_file: bool, no_color: bool) {
    if verbose == 0 {
        return;
    }
    let level = match verbose {
        1 => "partsweep=debug,aws_smithy_runtime=info",
        2 => "debug",
        _ => "trace",
    };
    let builder = tracing_subscriber::fmt().with_env_filter(level);
    if to_file {
        let path = log_path();
        match open_log(&path) {
            Ok(file) => {
                let _ = builder
                    .with_ansi(false)
                    .with_writer(std::sync::Mutex::new(file))
                    .try_init();
            }
            Err(err) => eprintln!(
                "partsweep: no log: cannot open {}: {err}",
                crate::text::escape(&path.display().to_string())
            ),
        }
    } else {
        let colour = std::io::IsTerminal::is_terminal(&std::io::stderr())
            && !no_color
            && std::env::var_os("NO_COLOR").is_none();
        let _ = builder
            .with_ansi(colour)
            .with_writer(std::io::stderr)
            .try_init();
    }
}

fn print_completions(shell: clap_complete::Shell) {
    clap_complete::generate(
        shell,
        &mut Cli::command(),
        "partsweep",
        &mut std::io::stdout(),
    );
}

pub async fn run(cli: Cli) -> Result<ExitCode> {
    // Before the config is read: a broken config file must not break shell start-up.
    if let Some(Cmd::Completions(args)) = &cli.command {
        print_completions(args.shell);
        return Ok(ExitCode::SUCCESS);
    }
    let console = matches!(cli.command, None | Some(Cmd::Demo { .. }));
    init_logging(cli.global.verbose, console, cli.global.no_color);
    let resolved = match resolve(&cli.global) {
        Ok(resolved) => resolved,
        Err(err) => {
            eprintln!("partsweep: {err}");
            return Ok(Exit::Usage.into());
        }
    };
    let mut settings = Settings {
        read_only: resolved.read_only,
        concurrency: resolved.concurrency,
        page_size: resolved.page_size,
        price_per_gb_month: resolved.price_per_gb_month,
        journal: crate::ops::journal::default_path(),
    };
    let no_color = cli.global.no_color;
    let exit = match cli.command {
        Some(Cmd::Buckets(args)) => {
            let mut ctx = headless(&resolved, args.output, no_color).await;
            buckets::run(&mut ctx, args).await
        }
        Some(Cmd::Ls(args)) => {
            let mut ctx = headless(&resolved, args.output, no_color).await;
            ls::run(&mut ctx, args).await
        }
        Some(Cmd::Uploads(args)) => {
            let mut ctx = headless(&resolved, args.output, no_color).await;
            uploads::run(&mut ctx, args).await
        }
        Some(Cmd::Abort(args)) => {
            let mut ctx = headless(&resolved, args.output, no_color).await;
            abort::run(&mut ctx, args).await
        }
        Some(Cmd::Clear(args)) => {
            let mut ctx = headless(&resolved, args.output, no_color).await;
            clear::run(&mut ctx, args).await
        }
        Some(Cmd::Lifecycle(args)) => {
            let mut ctx = headless(&resolved, args.output, no_color).await;
            lifecycle::run(&mut ctx, args).await
        }
        Some(Cmd::Rb(args)) => {
            let mut ctx = headless(&resolved, args.output, no_color).await;
            rb::run(&mut ctx, args).await
        }
        Some(Cmd::History(args)) => history::run(args, no_color),
        Some(Cmd::Completions(args)) => {
            print_completions(args.shell);
            Exit::Success
        }
        None => {
            let s3 = S3::connect(&resolved.connect).await;
            tui::run(s3, settings).await?;
            Exit::Success
        }
        Some(Cmd::Demo { garage, uploads }) => {
            let binary = crate::demo::garage::find_binary(garage.as_deref())?;
            eprintln!("starting garage ({})…", binary.display());
            let server = crate::demo::garage::GarageServer::start(&binary).await?;
            let s3 = server.client().await;
            eprintln!("seeding demo buckets at {}…", server.endpoint);
            crate::demo::seed(&s3, uploads).await?;
            // The demo's writes are to a throwaway server: kept out of the user's history.
            settings.journal = Some(server.dir().join("journal.jsonl"));
            let result = tui::run(s3, settings).await;
            drop(server);
            result?;
            Exit::Success
        }
    };
    Ok(exit.into())
}

async fn headless(resolved: &Resolved, output: OutputArgs, no_color: bool) -> Context {
    let s3 = S3::connect(&resolved.connect).await;
    Context::new(s3, resolved, output.format(), no_color)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_split_bucket_and_prefix() {
        let at = parse_location("s3://b/logs/2024").expect("location");
        assert_eq!((at.bucket.as_str(), at.prefix.as_str()), ("b", "logs/2024"));
        assert_eq!(parse_location("b").expect("bucket").prefix, "");
        assert!(parse_location("/x").is_err());
        assert!(parse_age("soon").is_err());
        assert_eq!(parse_age("7d"), Ok(604_800));
    }

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
