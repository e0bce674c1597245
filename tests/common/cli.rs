//! The `partsweep` binary run as a script would run it, pointed at a test server with nothing
//! taken from the host's AWS or partsweep configuration.

use std::path::Path;
use std::process::Command;

use partsweep::s3::ConnectOptions;
use serde_json::Value;

use super::output_within_timeout;

/// What one headless run printed, and how it exited.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|err| panic!("stdout is not JSON ({err}):\n{}", self.stdout))
    }

    pub fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|line| serde_json::from_str(line).expect("each line is one JSON object"))
            .collect()
    }
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Host settings that must not leak into a test run.
pub const UNSET: &[&str] = &[
    "AWS_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_SESSION_TOKEN",
    "NO_COLOR",
    "PARTSWEEP_JOURNAL",
];

/// `--endpoint-url` and `--region` of `options`' server.
pub fn server_args(options: &ConnectOptions) -> Vec<String> {
    vec![
        "--endpoint-url".into(),
        options.endpoint_url.clone().expect("test server endpoint"),
        "--region".into(),
        options.region.clone().unwrap_or_else(|| "garage".into()),
    ]
}

/// The server's keys, no AWS config files, and `home` as the config and state directory.
pub fn isolated_env(options: &ConnectOptions, home: &Path) -> Vec<(&'static str, String)> {
    let (key_id, secret) = options.static_keys.clone().expect("test server keys");
    let home = home.display().to_string();
    vec![
        ("AWS_ACCESS_KEY_ID", key_id),
        ("AWS_SECRET_ACCESS_KEY", secret),
        ("AWS_CONFIG_FILE", "/dev/null".into()),
        ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null".into()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ("XDG_CONFIG_HOME", home.clone()),
        ("XDG_STATE_HOME", home),
    ]
}

/// The arguments and environment of one run, with a config and state directory (so a
/// journal) of its own.
pub struct Invocation {
    pub args: Vec<String>,
    pub env: Vec<(&'static str, String)>,
    pub home: tempfile::TempDir,
}

pub fn invocation(options: &ConnectOptions, args: &[&str]) -> Invocation {
    let home = tempfile::tempdir().expect("temp dir");
    let mut all_args = server_args(options);
    all_args.extend(args.iter().map(|arg| arg.to_string()));
    Invocation {
        args: all_args,
        env: isolated_env(options, home.path()),
        home,
    }
}

impl Invocation {
    pub fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_partsweep"));
        for name in UNSET {
            command.env_remove(name);
        }
        command
            .args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }

    /// Runs to the end with no terminal (killed past the children's timeout).
    pub fn run(&self) -> Run {
        run_to_end(&mut self.command())
    }

    /// The same run in a pseudo-terminal of `rows` × `cols`.
    pub fn in_terminal(&self, rows: u16, cols: u16) -> super::pty::Console {
        let mut command = portable_pty::CommandBuilder::new(env!("CARGO_BIN_EXE_partsweep"));
        command.args(&self.args);
        for name in UNSET {
            command.env_remove(name);
        }
        for (name, value) in &self.env {
            command.env(name, value);
        }
        super::pty::Console::spawn(command, rows, cols)
    }
}

/// Runs `command` to its end with stdin closed (killed past the children's timeout).
pub fn run_to_end(command: &mut Command) -> Run {
    let output = output_within_timeout(command);
    Run {
        code: output.status.code().expect("partsweep exited, not killed"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs partsweep against `options`' server with no terminal.
pub fn partsweep_at(options: &ConnectOptions, args: &[&str]) -> Run {
    invocation(options, args).run()
}
