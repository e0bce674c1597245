//! A record of every write: each abort, object delete, bucket delete and lifecycle change,
//! from the console or the CLI, appended as one JSON line to `journal.jsonl` in the user's
//! state directory as its result arrives. `partsweep history` and the console's History pane
//! read it back.
//!
//! Lines are appended whole, in one write to a file opened with `O_APPEND`, so a console and
//! a script writing at once never interleave. The file is created mode 0600: it names every
//! key the user deleted.
//!
//! A journal that cannot be written never stops a write: the first failure is reported once
//! (on stderr, or in the console's status line) and the rest of that run goes unrecorded.

use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::format;
use crate::s3::{
    AbortOutcome, BatchOutcome, ObjectId, RuleChange, RuleRef, S3, S3Error, Timestamp, UploadRef,
};

/// Overrides where the journal is kept (tests, or a user who wants it elsewhere).
pub const PATH_VAR: &str = "PARTSWEEP_JOURNAL";

/// Where the journal lives: `$PARTSWEEP_JOURNAL`, else `$XDG_STATE_HOME/partsweep/journal.jsonl`,
/// else `~/.local/state/partsweep/journal.jsonl`. `None` when none of them is set.
pub fn default_path() -> Option<PathBuf> {
    path_from(|name| std::env::var_os(name))
}

fn path_from(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> Option<PathBuf> {
    let set = |name: &str| var(name).filter(|value| !value.is_empty());
    if let Some(path) = set(PATH_VAR) {
        return Some(PathBuf::from(path));
    }
    let state = set("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute())
        .or_else(|| set("HOME").map(|home| PathBuf::from(home).join(".local/state")))?;
    Some(state.join("partsweep").join("journal.jsonl"))
}

/// Which front end made the write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    Console,
    Cli,
}

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteKind {
    AbortUpload,
    /// An object, or one version of it (`version_id`) or a delete marker.
    DeleteObject,
    DeleteBucket,
    AddRule,
    EditRule,
    DeleteRule,
    /// A rule's abort action moved into a rule of its own.
    SplitRule,
}

impl WriteKind {
    pub fn label(self) -> &'static str {
        match self {
            WriteKind::AbortUpload => "abort upload",
            WriteKind::DeleteObject => "delete object",
            WriteKind::DeleteBucket => "delete bucket",
            WriteKind::AddRule => "add rule",
            WriteKind::EditRule => "edit rule",
            WriteKind::DeleteRule => "delete rule",
            WriteKind::SplitRule => "split rule",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Aborted,
    /// NoSuchUpload: completed, aborted or expired elsewhere.
    AlreadyGone,
    Deleted,
    Changed,
    Failed,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Aborted => "aborted",
            Outcome::AlreadyGone => "already gone",
            Outcome::Deleted => "deleted",
            Outcome::Changed => "changed",
            Outcome::Failed => "failed",
        }
    }
}

/// One line of the journal. Every field is always written (null when it does not apply), so
/// scripts can rely on the names; keys and messages are exact, never escaped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// RFC 3339, UTC, to the second.
    #[serde(with = "rfc3339")]
    pub time: Timestamp,
    pub via: Via,
    /// The endpoint URL; null for the provider's default (AWS).
    pub endpoint: Option<String>,
    pub region: String,
    pub action: WriteKind,
    pub bucket: String,
    pub key: Option<String>,
    pub version_id: Option<String>,
    pub upload_id: Option<String>,
    /// The lifecycle rule's id.
    pub rule: Option<String>,
    /// A lifecycle change in words.
    pub detail: Option<String>,
    pub outcome: Outcome,
    /// The server's answer when the write failed.
    pub error: Option<String>,
}

impl Entry {
    /// What the write was aimed at, for a one-line listing: the key, the rule, or the bucket.
    pub fn target(&self) -> &str {
        self.key
            .as_deref()
            .or(self.rule.as_deref())
            .unwrap_or(&self.bucket)
    }

    /// The rest in a few words: the error of a failed write, else the upload id, the version,
    /// or the rule change.
    pub fn detail_text(&self) -> String {
        if let Some(error) = &self.error {
            return error.clone();
        }
        if let Some(upload_id) = &self.upload_id {
            return format!("upload {upload_id}");
        }
        if let Some(version) = &self.version_id {
            return format!("version {version}");
        }
        self.detail.clone().unwrap_or_default()
    }

    /// `http://127.0.0.1:3900`, or `AWS eu-west-1` for the provider's default endpoint.
    pub fn endpoint_text(&self) -> String {
        match &self.endpoint {
            Some(endpoint) => endpoint.clone(),
            None => format!("AWS {}", self.region),
        }
    }

    /// Whether every word occurs (ignoring case) in one of the entry's fields.
    pub fn matches(&self, words: &[String]) -> bool {
        if words.is_empty() {
            return true;
        }
        let fields = [
            Some(self.action.label()),
            Some(self.outcome.label()),
            Some(self.bucket.as_str()),
            self.key.as_deref(),
            self.version_id.as_deref(),
            self.upload_id.as_deref(),
            self.rule.as_deref(),
            self.detail.as_deref(),
            self.error.as_deref(),
            self.endpoint.as_deref(),
        ];
        let text = fields
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("\n")
            .to_lowercase();
        words
            .iter()
            .all(|word| text.contains(word.to_lowercase().as_str()))
    }
}

mod rfc3339 {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;

    pub fn serialize<S: Serializer>(time: &i64, serializer: S) -> Result<S::Ok, S::Error> {
        let text = crate::format::rfc3339(Some(*time)).unwrap_or_default();
        serializer.serialize_str(&text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
        let text = String::deserialize(deserializer)?;
        OffsetDateTime::parse(&text, &Rfc3339)
            .map(|time| time.unix_timestamp())
            .map_err(D::Error::custom)
    }
}

/// Where the writes go: the same for every entry of one run.
#[derive(Debug, Clone)]
struct Origin {
    via: Via,
    endpoint: Option<String>,
    region: String,
}

enum FileState {
    Closed,
    Open(File),
    /// Writing failed once; the user was told, and this run records nothing more.
    Broken,
}

struct Inner {
    origin: Origin,
    path: Option<PathBuf>,
    file: Mutex<FileState>,
    warn: Box<dyn Fn(&str) + Send + Sync>,
}

/// The handle every write goes through. Cheap to clone; the file is opened at the first
/// write, so a session that changes nothing leaves no journal behind.
#[derive(Clone)]
pub struct Journal {
    inner: Option<Arc<Inner>>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.inner {
            Some(inner) => write!(f, "Journal({:?})", inner.path),
            None => write!(f, "Journal(off)"),
        }
    }
}

impl Journal {
    /// A journal at `path` (`None`: nowhere to keep one, which is reported at the first write)
    /// for writes to `s3`'s endpoint. `warn` hears, once, that the journal cannot be written.
    pub fn open(
        path: Option<PathBuf>,
        s3: &S3,
        via: Via,
        warn: impl Fn(&str) + Send + Sync + 'static,
    ) -> Journal {
        Journal {
            inner: Some(Arc::new(Inner {
                origin: Origin {
                    via,
                    endpoint: s3.endpoint().map(str::to_owned),
                    region: s3.region().to_owned(),
                },
                path,
                file: Mutex::new(FileState::Closed),
                warn: Box::new(warn),
            })),
        }
    }

    /// Records nothing: for tests and tools whose writes are not the user's.
    pub fn off() -> Journal {
        Journal { inner: None }
    }

    pub fn path(&self) -> Option<&Path> {
        self.inner.as_ref()?.path.as_deref()
    }

    fn entry(&self, origin: &Origin, action: WriteKind, bucket: &str, outcome: Outcome) -> Entry {
        Entry {
            time: now(),
            via: origin.via,
            endpoint: origin.endpoint.clone(),
            region: origin.region.clone(),
            action,
            bucket: bucket.to_owned(),
            key: None,
            version_id: None,
            upload_id: None,
            rule: None,
            detail: None,
            outcome,
            error: None,
        }
    }

    /// One abort, as it settled.
    pub fn aborted(
        &self,
        bucket: &str,
        upload: &UploadRef,
        result: &Result<AbortOutcome, S3Error>,
    ) {
        let Some(inner) = &self.inner else { return };
        let (outcome, error) = match result {
            Ok(AbortOutcome::Aborted) => (Outcome::Aborted, None),
            Ok(AbortOutcome::AlreadyGone) => (Outcome::AlreadyGone, None),
            Err(err) => (Outcome::Failed, Some(answer(err))),
        };
        let mut entry = self.entry(&inner.origin, WriteKind::AbortUpload, bucket, outcome);
        entry.key = Some(upload.key().to_string());
        entry.upload_id = Some(upload.upload_id().to_string());
        entry.error = error;
        inner.append(&[entry]);
    }

    /// One DeleteObjects call: a line per object, deleted or refused.
    pub fn deleted(
        &self,
        bucket: &str,
        batch: &[ObjectId],
        result: &Result<BatchOutcome, S3Error>,
    ) {
        let Some(inner) = &self.inner else { return };
        let entries = batch.iter().map(|object| {
            let error = match result {
                Ok(outcome) => outcome
                    .failed
                    .iter()
                    .find(|f| f.key == object.key && f.version_id == object.version_id)
                    .map(|f| with_code(&f.message, f.code.as_deref())),
                Err(err) => Some(answer(err)),
            };
            let outcome = match error {
                Some(_) => Outcome::Failed,
                None => Outcome::Deleted,
            };
            let mut entry = self.entry(&inner.origin, WriteKind::DeleteObject, bucket, outcome);
            entry.key = Some(object.key.clone());
            entry.version_id = object.version_id.clone();
            entry.error = error;
            entry
        });
        inner.append(&entries.collect::<Vec<_>>());
    }

    /// One DeleteBucket.
    pub fn bucket_deleted(&self, bucket: &str, result: &Result<(), S3Error>) {
        let Some(inner) = &self.inner else { return };
        let mut entry = self.entry(
            &inner.origin,
            WriteKind::DeleteBucket,
            bucket,
            outcome_of(result, Outcome::Deleted),
        );
        entry.error = result.as_ref().err().map(answer);
        inner.append(&[entry]);
    }

    /// One lifecycle change: the rule's id, and in `detail` which rule (by its place) and
    /// what changed; a deleted rule's scope and actions, so the record says what it did.
    pub fn rule_changed<T>(&self, bucket: &str, change: &RuleChange, result: &Result<T, S3Error>) {
        let Some(inner) = &self.inner else { return };
        let (action, rule, detail) = describe_change(change);
        let mut entry = self.entry(
            &inner.origin,
            action,
            bucket,
            outcome_of(result, Outcome::Changed),
        );
        entry.rule = rule;
        entry.detail = Some(detail);
        entry.error = result.as_ref().err().map(answer);
        inner.append(&[entry]);
    }
}

/// The server's answer, exact (no hint, nothing escaped): `Access Denied (AccessDenied)`.
fn answer(err: &S3Error) -> String {
    with_code(&err.message, err.code.as_deref())
}

fn with_code(message: &str, code: Option<&str>) -> String {
    match code {
        Some(code) if !message.contains(code) => format!("{message} ({code})"),
        _ => message.to_owned(),
    }
}

fn outcome_of<T>(result: &Result<T, S3Error>, success: Outcome) -> Outcome {
    match result {
        Ok(_) => success,
        Err(_) => Outcome::Failed,
    }
}

fn now() -> Timestamp {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// What a rule change is for the journal: its kind, the rule's id (`None` for a rule
/// without one) and the change in words, e.g. `rule 2: abort incomplete uploads 7 days after
/// start; prefix tmp/; enabled`. Rules are numbered from 1, as listed.
fn describe_change(change: &RuleChange) -> (WriteKind, Option<String>, String) {
    let scope = |prefix: &str| match prefix {
        "" => "whole bucket".to_owned(),
        prefix => format!("prefix {prefix}"),
    };
    let status = |enabled: bool| if enabled { "enabled" } else { "disabled" }.to_owned();
    let abort = |days: i32| format!("abort incomplete uploads {days} days after start");
    let id = |rule: &RuleRef| Some(rule.rule.id.clone()).filter(|id| !id.is_empty());
    let place = |rule: &RuleRef| format!("rule {}", rule.index + 1);
    match change {
        RuleChange::AddAbort {
            id,
            prefix,
            days,
            enabled,
        } => (
            WriteKind::AddRule,
            Some(id.clone()),
            [abort(*days), scope(prefix), status(*enabled)].join("; "),
        ),
        RuleChange::Edit {
            target,
            days,
            prefix,
            enabled,
        } => {
            let parts: Vec<String> = days
                .map(abort)
                .into_iter()
                .chain(prefix.as_deref().map(scope))
                .chain([status(*enabled)])
                .collect();
            (
                WriteKind::EditRule,
                id(target),
                format!("{}: {}", place(target), parts.join("; ")),
            )
        }
        RuleChange::SplitAbort {
            target,
            id: new_id,
            prefix,
            days,
            enabled,
        } => (
            WriteKind::SplitRule,
            Some(new_id.clone()),
            format!(
                "the abort action of {} moved to this new rule: {}",
                place(target),
                [abort(*days), scope(prefix), status(*enabled)].join("; ")
            ),
        ),
        RuleChange::Delete { target } => {
            let rule = &target.rule;
            let mut parts = vec![rule.scope.describe()];
            parts.extend(rule.actions.iter().cloned());
            parts.push(status(rule.enabled));
            (
                WriteKind::DeleteRule,
                id(target),
                format!("{} was: {}", place(target), parts.join("; ")),
            )
        }
    }
}

impl Inner {
    /// Appends `entries` as whole lines in one write; on the first failure, warns once.
    fn append(&self, entries: &[Entry]) {
        if entries.is_empty() {
            return;
        }
        let mut lines = Vec::with_capacity(entries.len() * 256);
        for entry in entries {
            // Plain data with string keys: serializing cannot fail.
            if serde_json::to_writer(&mut lines, entry).is_ok() {
                lines.push(b'\n');
            }
        }
        let mut state = match self.file.lock() {
            Ok(state) => state,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let FileState::Closed = *state {
            *state = match &self.path {
                Some(path) => match open_for_append(path) {
                    Ok(file) => FileState::Open(file),
                    Err(err) => self.fail(&format!("cannot open {}: {err}", path.display())),
                },
                None => self.fail(&format!(
                    "no place for it: set XDG_STATE_HOME, HOME or {PATH_VAR}"
                )),
            };
        }
        if let FileState::Open(file) = &mut *state
            && let Err(err) = file.write_all(&lines)
        {
            let path = self.path.as_deref().unwrap_or(Path::new("?"));
            *state = self.fail(&format!("cannot write {}: {err}", path.display()));
        }
    }

    fn fail(&self, problem: &str) -> FileState {
        (self.warn)(&format!(
            "journal: {problem}; the writes of this run are not recorded from here on"
        ));
        FileState::Broken
    }
}

fn open_for_append(path: &Path) -> io::Result<File> {
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        let mut builder = DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir)?;
    }
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// The journal read back, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    pub entries: Vec<Entry>,
    /// Lines that are not journal entries (a write cut short, a hand edit), skipped.
    pub unreadable: usize,
    /// Older lines past the limit asked for, not read.
    pub left_out: usize,
}

/// Reads the journal at `path`, at most `limit` entries (the newest); a journal never
/// written is empty.
pub fn read(path: &Path, limit: Option<usize>) -> io::Result<History> {
    let text = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(History::default()),
        Err(err) => return Err(err),
    };
    Ok(parse(&text, limit))
}

/// Lines of JSON, oldest first as appended, into entries newest first. Lines from writers
/// running at once may be a second out of order: time decides, then the order in the file.
pub fn parse(text: &[u8], limit: Option<usize>) -> History {
    let mut history = History::default();
    let limit = limit.unwrap_or(usize::MAX);
    for line in text.rsplit(|&byte| byte == b'\n') {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if history.entries.len() >= limit {
            history.left_out += 1;
            continue;
        }
        match serde_json::from_slice::<Entry>(line) {
            Ok(entry) => history.entries.push(entry),
            Err(_) => history.unreadable += 1,
        }
    }
    history
        .entries
        .sort_by_key(|entry| std::cmp::Reverse(entry.time));
    history
}

/// What `partsweep history` and the History pane keep.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryFilter {
    /// Only this bucket (exact name).
    pub bucket: Option<String>,
    /// Only entries at or after this time.
    pub since: Option<Timestamp>,
    /// Every word must occur in the entry (see [`Entry::matches`]).
    pub words: Vec<String>,
}

impl HistoryFilter {
    pub fn keeps(&self, entry: &Entry) -> bool {
        self.bucket.as_ref().is_none_or(|b| *b == entry.bucket)
            && self.since.is_none_or(|since| entry.time >= since)
            && entry.matches(&self.words)
    }
}

/// `2026-11-25 21:14:03` (UTC): the journal's time to the second, for tables.
pub fn time_text(time: Timestamp) -> String {
    match time::OffsetDateTime::from_unix_timestamp(time) {
        Ok(t) => format!(
            "{} {:02}:{:02}:{:02}",
            format::date(Some(time)).get(..10).unwrap_or("-"),
            t.hour(),
            t.minute(),
            t.second()
        ),
        Err(_) => "-".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::s3::{ErrorKind, KeyFailure, LifecycleRule};

    fn origin_journal(path: PathBuf) -> (Journal, Arc<Mutex<Vec<String>>>) {
        let warnings = Arc::new(Mutex::new(Vec::new()));
        let heard = warnings.clone();
        let journal = Journal {
            inner: Some(Arc::new(Inner {
                origin: Origin {
                    via: Via::Cli,
                    endpoint: Some("http://127.0.0.1:3900".into()),
                    region: "garage".into(),
                },
                path: Some(path),
                file: Mutex::new(FileState::Closed),
                warn: Box::new(move |w: &str| heard.lock().expect("warnings").push(w.to_owned())),
            })),
        };
        (journal, warnings)
    }

    fn lines(path: &Path) -> Vec<serde_json::Value> {
        std::fs::read_to_string(path)
            .expect("journal")
            .lines()
            .map(|line| serde_json::from_str(line).expect("a JSON line"))
            .collect()
    }

    #[test]
    fn the_journal_lives_in_the_state_directory_unless_told_otherwise() {
        let env = |pairs: &'static [(&str, &str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(set, _)| *set == name)
                    .map(|(_, value)| value.into())
            }
        };
        let home = env(&[("HOME", "/home/ann")]);
        assert_eq!(
            path_from(home),
            Some(PathBuf::from(
                "/home/ann/.local/state/partsweep/journal.jsonl"
            ))
        );
        let xdg = env(&[("HOME", "/home/ann"), ("XDG_STATE_HOME", "/var/ann")]);
        assert_eq!(
            path_from(xdg),
            Some(PathBuf::from("/var/ann/partsweep/journal.jsonl"))
        );
        let relative_xdg = env(&[("HOME", "/home/ann"), ("XDG_STATE_HOME", "state")]);
        assert_eq!(
            path_from(relative_xdg),
            Some(PathBuf::from(
                "/home/ann/.local/state/partsweep/journal.jsonl"
            )),
            "the XDG spec says a relative path is invalid and ignored"
        );
        let overridden = env(&[("HOME", "/home/ann"), (PATH_VAR, "/tmp/j.jsonl")]);
        assert_eq!(path_from(overridden), Some(PathBuf::from("/tmp/j.jsonl")));
        assert_eq!(path_from(env(&[])), None);
    }

    #[test]
    fn an_abort_is_one_line_with_every_field_and_the_exact_key() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("state/partsweep/journal.jsonl");
        let (journal, _) = origin_journal(path.clone());
        let upload = UploadRef::new("weird/escape-\x1b[31mred\nline\u{202e}.bin", "u-1");
        journal.aborted("b", &upload, &Ok(AbortOutcome::Aborted));
        let denied = S3Error {
            kind: ErrorKind::AccessDenied,
            code: Some("AccessDenied".into()),
            message: "Access Denied".into(),
            status: Some(403),
        };
        journal.aborted("b", &upload, &Err(denied));
        let lines = lines(&path);
        assert_eq!(lines.len(), 2);
        let first = &lines[0];
        assert_eq!(first["key"], upload.key(), "the exact key, not escaped");
        assert_eq!(first["upload_id"], "u-1");
        assert_eq!(first["action"], "abort_upload");
        assert_eq!(first["outcome"], "aborted");
        assert_eq!(first["via"], "cli");
        assert_eq!(first["endpoint"], "http://127.0.0.1:3900");
        assert_eq!(first["region"], "garage");
        assert_eq!(first["bucket"], "b");
        assert!(first["error"].is_null());
        assert!(first["rule"].is_null(), "every field is present: {first}");
        let time = first["time"].as_str().expect("time");
        assert!(
            time.len() == 20 && time.ends_with('Z') && time.contains('T'),
            "RFC 3339 to the second: {time}"
        );
        assert_eq!(lines[1]["outcome"], "failed");
        assert_eq!(
            lines[1]["error"], "Access Denied (AccessDenied)",
            "the server's answer, without the console's hint"
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_journal_is_created_readable_by_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("new/journal.jsonl");
        let (journal, _) = origin_journal(path.clone());
        assert!(!path.exists(), "nothing is created before the first write");
        journal.bucket_deleted("b", &Ok(()));
        let mode = std::fs::metadata(&path)
            .expect("journal")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let dir_mode = std::fs::metadata(dir.path().join("new"))
            .expect("dir")
            .permissions()
            .mode();
        assert_eq!(dir_mode & 0o077, 0, "the directory it made is private too");
    }

    #[test]
    fn a_delete_batch_records_each_key_and_which_were_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("journal.jsonl");
        let (journal, _) = origin_journal(path.clone());
        let batch = [
            ObjectId::key("a.txt"),
            ObjectId {
                key: "a.txt".into(),
                version_id: Some("v1".into()),
                key_undecodable: false,
            },
            ObjectId::key("locked.txt"),
        ];
        let outcome = BatchOutcome {
            deleted: 2,
            failed: vec![KeyFailure {
                key: "locked.txt".into(),
                version_id: None,
                code: Some("AccessDenied".into()),
                message: "Access Denied".into(),
                key_undecodable: false,
            }],
        };
        journal.deleted("b", &batch, &Ok(outcome));
        let lines = lines(&path);
        let summary: Vec<_> = lines
            .iter()
            .map(|l| {
                (
                    l["key"].as_str().unwrap_or("?").to_owned(),
                    l["version_id"].as_str().map(str::to_owned),
                    l["outcome"].as_str().unwrap_or("?").to_owned(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("a.txt".to_owned(), None, "deleted".to_owned()),
                (
                    "a.txt".to_owned(),
                    Some("v1".to_owned()),
                    "deleted".to_owned()
                ),
                ("locked.txt".to_owned(), None, "failed".to_owned()),
            ]
        );
        assert_eq!(lines[2]["error"], "Access Denied (AccessDenied)");
        assert_eq!(lines[0]["action"], "delete_object");
    }

    #[test]
    fn rule_changes_name_the_rule_and_say_what_changed() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("journal.jsonl");
        let (journal, _) = origin_journal(path.clone());
        let add = RuleChange::AddAbort {
            id: "tmp".into(),
            prefix: "tmp/".into(),
            days: 7,
            enabled: true,
        };
        journal.rule_changed("b", &add, &Ok(()));
        let rules = [
            LifecycleRule::new_abort("", "logs/", 3, true).expect("rule"),
            LifecycleRule::new_abort("tmp", "tmp/", 7, false).expect("rule"),
        ];
        let target = |index| RuleRef::at(&rules, index).expect("rule");
        let edit = RuleChange::Edit {
            target: target(0),
            days: Some(1),
            prefix: None,
            enabled: true,
        };
        journal.rule_changed("b", &edit, &Ok(()));
        let delete = RuleChange::Delete { target: target(1) };
        let refused = S3Error::new(ErrorKind::AccessDenied, "Access Denied");
        journal.rule_changed("b", &delete, &Err::<(), _>(refused));
        let lines = lines(&path);
        let fields = |line: &serde_json::Value| {
            (
                line["action"].as_str().map(str::to_owned),
                line["rule"].as_str().map(str::to_owned),
                line["detail"].as_str().map(str::to_owned),
                line["outcome"].as_str().map(str::to_owned),
            )
        };
        let text = |s: &str| Some(s.to_owned());
        assert_eq!(
            lines.iter().map(fields).collect::<Vec<_>>(),
            [
                (
                    text("add_rule"),
                    text("tmp"),
                    text("abort incomplete uploads 7 days after start; prefix tmp/; enabled"),
                    text("changed"),
                ),
                (
                    text("edit_rule"),
                    None,
                    text("rule 1: abort incomplete uploads 1 days after start; enabled"),
                    text("changed"),
                ),
                (
                    text("delete_rule"),
                    text("tmp"),
                    text(
                        "rule 2 was: prefix tmp/; abort incomplete uploads 7 days after start; disabled"
                    ),
                    text("failed"),
                ),
            ]
        );
        assert_eq!(lines[2]["error"], "Access Denied");
    }

    #[test]
    fn a_journal_that_cannot_be_written_warns_once_and_does_not_panic() {
        let dir = tempfile::tempdir().expect("dir");
        // A directory where the file should be: opening it for append fails.
        let path = dir.path().join("journal.jsonl");
        std::fs::create_dir(&path).expect("dir in the way");
        let (journal, warnings) = origin_journal(path);
        let upload = UploadRef::new("k", "u");
        for _ in 0..3 {
            journal.aborted("b", &upload, &Ok(AbortOutcome::Aborted));
        }
        let warnings = warnings.lock().expect("warnings").clone();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("journal.jsonl"), "{warnings:?}");
        assert!(warnings[0].contains("not recorded"), "{warnings:?}");
    }

    /// A console and a script writing at once: two handles on one file, many threads each.
    #[test]
    fn writers_at_once_never_interleave_their_lines() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("journal.jsonl");
        let (console, _) = origin_journal(path.clone());
        let (script, _) = origin_journal(path.clone());
        let batch: Vec<ObjectId> = (0..200)
            .map(|i| ObjectId::key(format!("folder/{i:04}-{}", "x".repeat(300))))
            .collect();
        std::thread::scope(|scope| {
            for journal in [&console, &script, &console, &script] {
                let batch = &batch;
                scope.spawn(move || {
                    for _ in 0..10 {
                        journal.deleted("b", batch, &Ok(BatchOutcome::default()));
                    }
                });
            }
        });
        let history = read(&path, None).expect("journal");
        assert_eq!(history.unreadable, 0, "every line is whole");
        assert_eq!(history.entries.len(), 4 * 10 * 200);
    }

    #[test]
    fn reading_puts_the_newest_first_and_skips_a_torn_line() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("journal.jsonl");
        let (journal, _) = origin_journal(path.clone());
        for key in ["first", "second"] {
            let upload = UploadRef::new(key, "u");
            journal.aborted("b", &upload, &Ok(AbortOutcome::Aborted));
        }
        let mut text = std::fs::read(&path).expect("journal");
        text.extend_from_slice(b"{\"time\":\"2026-");
        let history = parse(&text, None);
        assert_eq!(history.unreadable, 1);
        let keys: Vec<_> = history.entries.iter().map(Entry::target).collect();
        assert_eq!(
            keys,
            ["second", "first"],
            "same second: later in the file first"
        );
        assert_eq!(history.entries[0].time, history.entries[1].time);
        let newest = parse(&text, Some(1));
        assert_eq!(newest.entries.len(), 1);
        assert_eq!(newest.entries[0].target(), "second");
        assert_eq!((newest.unreadable, newest.left_out), (1, 1));
        let missing =
            read(&dir.path().join("none.jsonl"), None).expect("a missing journal is empty");
        assert!(missing.entries.is_empty());
    }

    #[test]
    fn an_entry_reads_back_as_written() {
        let entry = Entry {
            time: 1_780_000_000,
            via: Via::Console,
            endpoint: None,
            region: "eu-west-1".into(),
            action: WriteKind::DeleteBucket,
            bucket: "old-logs".into(),
            key: None,
            version_id: None,
            upload_id: None,
            rule: None,
            detail: None,
            outcome: Outcome::Failed,
            error: Some("BucketNotEmpty".into()),
        };
        let line = serde_json::to_string(&entry).expect("json");
        assert!(line.contains("\"time\":\"2026-05-28T20:26:40Z\""), "{line}");
        assert_eq!(parse(line.as_bytes(), None).entries, [entry]);
    }

    #[test]
    fn filters_keep_a_bucket_a_period_and_words() {
        let entry = |bucket: &str, key: &str, time: Timestamp| Entry {
            time,
            via: Via::Cli,
            endpoint: None,
            region: "r".into(),
            action: WriteKind::AbortUpload,
            bucket: bucket.into(),
            key: Some(key.into()),
            version_id: None,
            upload_id: Some("u".into()),
            rule: None,
            detail: None,
            outcome: Outcome::Aborted,
            error: None,
        };
        let photos = entry("photos", "Raw/IMG_1.CR2", 1_000);
        let logs = entry("logs", "app.log", 5_000);
        let by_bucket = HistoryFilter {
            bucket: Some("photos".into()),
            ..HistoryFilter::default()
        };
        assert!(by_bucket.keeps(&photos) && !by_bucket.keeps(&logs));
        let recent = HistoryFilter {
            since: Some(4_000),
            ..HistoryFilter::default()
        };
        assert!(!recent.keeps(&photos) && recent.keeps(&logs));
        let words = HistoryFilter {
            words: vec!["raw/img".into(), "ABORTED".into()],
            ..HistoryFilter::default()
        };
        assert!(words.keeps(&photos) && !words.keeps(&logs));
        assert_eq!(time_text(1_780_000_000), "2026-05-28 20:26:40");
    }
}
