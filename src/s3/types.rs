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

/// Exactly what an abort needs: the key and upload id as the server sent them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UploadRef {
    pub key: String,
    pub upload_id: String,
}

impl From<&Upload> for UploadRef {
    fn from(upload: &Upload) -> Self {
        UploadRef {
            key: upload.key.to_string(),
            upload_id: upload.upload_id.to_string(),
        }
    }
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
    /// The newest part's LastModified; the start time when there is no part yet.
    pub last_activity: Option<Timestamp>,
}

/// One uploaded part, as ListParts describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub number: i32,
    pub size: u64,
    pub etag: String,
    pub last_modified: Option<Timestamp>,
}

/// Everything ListParts says about one upload: its totals and each part, for a details view.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UploadParts {
    pub summary: PartsSummary,
    pub parts: Vec<Part>,
    /// Display name or id of who started the upload, and of who owns it.
    pub initiator: Option<String>,
    pub owner: Option<String>,
    pub storage_class: Option<String>,
}
