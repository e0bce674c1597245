//! Our own view of what S3 returns: small, owned, and free of SDK types.

use std::sync::Arc;

/// Seconds since the Unix epoch.
pub type Timestamp = i64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    pub name: String,
    pub region: Option<String>,
    pub created: Option<Timestamp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EntryKind {
    Folder,
    File,
}

/// One row of a folder listing: a common prefix or an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub kind: EntryKind,
    /// The full key (for a folder, the full prefix ending in the delimiter).
    pub key: String,
    pub size: u64,
    pub modified: Option<Timestamp>,
    pub storage_class: Option<Arc<str>>,
}

impl Entry {
    /// The part of the key below `prefix`: what a folder view shows.
    pub fn name<'a>(&'a self, prefix: &str) -> &'a str {
        self.key.strip_prefix(prefix).unwrap_or(&self.key)
    }
}

/// An incomplete multipart upload. Kept compact: a bucket may hold a million of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub key: Box<str>,
    pub upload_id: Box<str>,
    pub initiated: Option<Timestamp>,
    pub storage_class: Option<Arc<str>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbortOutcome {
    Aborted,
    /// NoSuchUpload: completed, aborted or expired by someone else. Not an error.
    AlreadyGone,
}

/// Parts uploaded so far to one incomplete upload.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PartsSummary {
    pub parts: u64,
    pub bytes: u64,
}
