//! How each kind of row filters and sorts.

use std::cmp::Ordering;

use super::table::{Filter, Row};
use crate::s3::{Bucket, Entry, Timestamp, Upload};

pub const BUCKET_SORTS: &[&str] = &["name", "created", "region"];
pub const FILE_SORTS: &[&str] = &["name", "size", "modified"];
pub const UPLOAD_SORTS: &[&str] = &["key", "initiated", "storage class"];

impl Row for Bucket {
    fn matches(&self, filter: &Filter, now: Timestamp) -> bool {
        filter.matches_text(&self.name) && filter.matches_age(self.created, now)
    }

    fn compare(&self, other: &Self, column: usize) -> Ordering {
        match column {
            1 => self.created.cmp(&other.created),
            2 => self.region.cmp(&other.region),
            _ => Ordering::Equal,
        }
        .then_with(|| self.name.cmp(&other.name))
    }
}

impl Row for Entry {
    fn matches(&self, filter: &Filter, now: Timestamp) -> bool {
        filter.matches_text(&self.key) && filter.matches_age(self.modified, now)
    }

    fn compare(&self, other: &Self, column: usize) -> Ordering {
        // Folders first, whatever the column.
        self.kind.cmp(&other.kind).then_with(|| {
            match column {
                1 => self.size.cmp(&other.size),
                2 => self.modified.cmp(&other.modified),
                _ => Ordering::Equal,
            }
            .then_with(|| self.key.cmp(&other.key))
        })
    }
}

/// What is happening to one upload row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowState {
    Idle,
    /// Part of a running job.
    Aborting,
    /// Aborted, or found gone; removed when the job ends.
    Done,
    /// The abort failed; the row stays, marked, until a retry or refresh.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRow {
    pub upload: Upload,
    pub state: RowState,
    pub marked: bool,
}

impl From<Upload> for UploadRow {
    fn from(upload: Upload) -> Self {
        UploadRow {
            upload,
            state: RowState::Idle,
            marked: false,
        }
    }
}

impl Row for UploadRow {
    fn matches(&self, filter: &Filter, now: Timestamp) -> bool {
        filter.matches_text(&self.upload.key) && filter.matches_age(self.upload.initiated, now)
    }

    fn compare(&self, other: &Self, column: usize) -> Ordering {
        let (a, b) = (&self.upload, &other.upload);
        match column {
            1 => a.initiated.cmp(&b.initiated),
            2 => a.storage_class.cmp(&b.storage_class),
            _ => Ordering::Equal,
        }
        .then_with(|| a.key.cmp(&b.key))
        .then_with(|| a.upload_id.cmp(&b.upload_id))
    }

    fn sort_hint(&self, column: usize) -> u64 {
        let upload = &self.upload;
        match column {
            // None sorts first; the sign bit flipped keeps negative times in order.
            1 => upload
                .initiated
                .map_or(0, |t| (t as u64 ^ (1 << 63)).saturating_add(1)),
            2 => upload
                .storage_class
                .as_deref()
                .map_or(0, |c| 1 + prefix_hint(c) / 2),
            _ => prefix_hint(&upload.key),
        }
    }
}

/// The first eight bytes, big-endian, zero-padded: ordered as the strings are.
fn prefix_hint(text: &str) -> u64 {
    let mut bytes = [0u8; 8];
    let n = text.len().min(8);
    bytes[..n].copy_from_slice(&text.as_bytes()[..n]);
    u64::from_be_bytes(bytes)
}
