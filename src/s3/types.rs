//! Our own view of what S3 returns: small, owned, and free of SDK types.

use std::borrow::Cow;
use std::sync::Arc;

use crate::text::{escape, escape_bytes};

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
    /// See [`Upload::key_undecodable`].
    pub key_undecodable: bool,
}

impl Entry {
    /// The part of the key below `prefix`: what a folder view shows.
    pub fn name<'a>(&'a self, prefix: &str) -> &'a str {
        self.key.strip_prefix(prefix).unwrap_or(&self.key)
    }

    /// The key for a person to read: see [`shown_key`].
    pub fn shown_key(&self) -> Cow<'_, str> {
        shown_key(&self.key, self.key_undecodable)
    }

    /// [`Self::name`] for a person to read, as [`shown_key`] shows keys.
    pub fn shown_name(&self, prefix: &str) -> Cow<'_, str> {
        if !self.key_undecodable {
            return escape(self.name(prefix));
        }
        let shown = self.shown_key().into_owned();
        match shown.strip_prefix(&*escape(prefix)) {
            Some(name) => Cow::Owned(name.to_owned()),
            None => Cow::Owned(shown),
        }
    }
}

/// An incomplete multipart upload. Kept compact: a bucket may hold a million of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub key: Box<str>,
    pub upload_id: Box<str>,
    pub initiated: Option<Timestamp>,
    pub storage_class: Option<Arc<str>>,
    /// The key is not UTF-8, so no request of ours can name it (the SDK takes keys as text):
    /// `key` holds it as the server URL-encoded it, and every action on it is refused.
    pub key_undecodable: bool,
}

impl Upload {
    /// The key for a person to read: see [`shown_key`].
    pub fn shown_key(&self) -> Cow<'_, str> {
        shown_key(&self.key, self.key_undecodable)
    }
}

/// A key for a terminal: [`escape`]d, or for one that is not UTF-8 (`key` then holds the
/// server's URL-encoding) its bytes with each invalid one as `\xff`, marked "(undecodable)".
pub fn shown_key(key: &str, undecodable: bool) -> Cow<'_, str> {
    if !undecodable {
        return escape(key);
    }
    let spaced = key.replace('+', " ");
    let bytes: Vec<u8> = percent_encoding::percent_decode_str(&spaced).collect();
    Cow::Owned(format!("{} (undecodable)", escape_bytes(&bytes)))
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

#[cfg(test)]
mod tests {
    use super::shown_key;

    #[test]
    fn an_undecodable_name_in_a_folder_is_shown_below_the_folder() {
        let entry = super::Entry {
            kind: super::EntryKind::File,
            key: "my+dir/bad-%FF".into(),
            size: 0,
            modified: None,
            storage_class: None,
            key_undecodable: true,
        };
        assert_eq!(entry.shown_name("my dir/"), "bad-\\xff (undecodable)");
        assert_eq!(entry.shown_name("other/"), "my dir/bad-\\xff (undecodable)");
    }

    #[test]
    fn an_undecodable_key_shows_its_bytes_and_says_so() {
        assert_eq!(
            shown_key("bad-%FF+x.bin", true),
            "bad-\\xff x.bin (undecodable)"
        );
        assert_eq!(shown_key("bad-%FF", false), "bad-%FF");
        assert_eq!(shown_key("esc\x1b", false), "esc\\x1b");
    }
}
