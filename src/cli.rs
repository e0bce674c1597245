//! Command-line interface: the console by default, subcommands for scripts.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use color_eyre::Result;
use color_eyre::eyre::eyre;

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
the standard AWS chain (environment, ~/.aws/config and credentials, --profile); AWS_ENDPOINT_URL is honoured."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

#[derive(Debug, Clone, Args)]
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
    /// Aborts or deletes in flight at once [default: 32].
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

/// Settings after merging the config file under the command line.
pub struct Resolved {
    pub connect: ConnectOptions,
    pub read_only: bool,
    pub concurrency: usize,
    pub page_size: Option<i32>,
}

pub fn resolve(global: &Global) -> Result<Resolved> {
    let config = Config::load(global.config.as_deref()).map_err(|e| eyre!("config: {e}"))?;
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

fn init_logging(verbose: u8, to_file: bool) {
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
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Ok(file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
        {
            let _ = builder
                .with_ansi(false)
                .with_writer(std::sync::Mutex::new(file))
                .try_init();
        }
    } else {
        let _ = builder.with_writer(std::io::stderr).try_init();
    }
}

pub async fn run(cli: Cli) -> Result<ExitCode> {
    let console = matches!(cli.command, None | Some(Cmd::Demo { .. }));
    init_logging(cli.global.verbose, console);
    let resolved = resolve(&cli.global)?;
    let settings = Settings {
        read_only: resolved.read_only,
        concurrency: resolved.concurrency,
        page_size: resolved.page_size,
    };
    match cli.command {
        None => {
            let s3 = S3::connect(&resolved.connect).await;
            tui::run(s3, settings).await?;
        }
        Some(Cmd::Demo { garage, uploads }) => {
            let binary = crate::garage::find_binary(garage.as_deref())?;
            eprintln!("starting garage ({})…", binary.display());
            let server = crate::garage::GarageServer::start(&binary).await?;
            let s3 = server.client().await;
            eprintln!("seeding demo buckets at {}…", server.endpoint);
            crate::demo::seed(&s3, uploads).await?;
            let result = tui::run(s3, settings).await;
            drop(server);
            result?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
