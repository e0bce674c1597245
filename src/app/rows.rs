//! How each kind of row filters and sorts.

use std::cmp::Ordering;

use super::sizes::{BucketRow, RowSize};
use super::table::{Filter, Row};
use crate::s3::{Entry, Timestamp, Upload};

pub const BUCKET_SORTS: &[&str] = &["name", "created", "region", "uploads", "size", "oldest"];
pub const FILE_SORTS: &[&str] = &["name", "size", "modified"];
pub const UPLOAD_SORTS: &[&str] = &["key", "initiated", "storage class", "size", "last activity"];
/// The first bucket sort column the scan fills.
pub const FIRST_SCAN_SORT: usize = 3;
/// The first upload sort column sizes fill.
pub const FIRST_SIZE_SORT: usize = 3;

impl Row for BucketRow {
    fn matches(&self, filter: &Filter, now: Timestamp) -> bool {
        filter.matches_text(&self.name) && filter.matches_age(self.created, now)
    }

    fn compare(&self, other: &Self, column: usize) -> Ordering {
        self.compare_primary(other, column)
            .unwrap_or(Ordering::Equal)
            .then_with(|| self.name.cmp(&other.name))
    }

    /// Buckets not read yet (or unreadable) sort before every number.
    fn compare_primary(&self, other: &Self, column: usize) -> Option<Ordering> {
        let (a, b) = (self.scan.totals(), other.scan.totals());
        Some(match column {
            1 => self.created.cmp(&other.created),
            2 => self.region.cmp(&other.region),
            3 => a.map(|t| t.uploads).cmp(&b.map(|t| t.uploads)),
            4 => a.map(|t| t.bytes).cmp(&b.map(|t| t.bytes)),
            // By the oldest upload's start: the longest forgotten first.
            5 => a.and_then(|t| t.oldest).cmp(&b.and_then(|t| t.oldest)),
            _ => Ordering::Equal,
        })
    }
}

impl Row for Entry {
    fn matches(&self, filter: &Filter, now: Timestamp) -> bool {
        filter.matches_text(&self.key) && filter.matches_age(self.modified, now)
    }

    fn compare(&self, other: &Self, column: usize) -> Ordering {
        self.compare_primary(other, column)
            .unwrap_or(Ordering::Equal)
            .then_with(|| self.key.cmp(&other.key))
    }

    /// Folders first, whatever the column.
    fn compare_primary(&self, other: &Self, column: usize) -> Option<Ordering> {
        Some(self.kind.cmp(&other.kind).then_with(|| match column {
            1 => self.size.cmp(&other.size),
            2 => self.modified.cmp(&other.modified),
            _ => Ordering::Equal,
        }))
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
    /// Parts, bytes and last activity, once ListParts has answered.
    pub size: RowSize,
}

impl From<Upload> for UploadRow {
    fn from(upload: Upload) -> Self {
        UploadRow {
            upload,
            state: RowState::Idle,
            marked: false,
            size: RowSize::Unread,
        }
    }
}

impl Row for UploadRow {
    fn matches(&self, filter: &Filter, now: Timestamp) -> bool {
        filter.matches_text(&self.upload.key) && filter.matches_age(self.upload.initiated, now)
    }

    fn compare(&self, other: &Self, column: usize) -> Ordering {
        let (a, b) = (&self.upload, &other.upload);
        self.compare_primary(other, column)
            .unwrap_or(Ordering::Equal)
            .then_with(|| a.key.cmp(&b.key))
            .then_with(|| a.upload_id.cmp(&b.upload_id))
    }

    /// Start times map one to one onto their hints; so do storage class names of up to
    /// 8 bytes (all the common ones, `STANDARD` included).
    fn hint_is_exact(&self, column: usize) -> bool {
        match column {
            1 | 3 | 4 => true,
            2 => self
                .upload
                .storage_class
                .as_deref()
                .is_none_or(|c| c.len() <= 8 && !c.contains('\0')),
            _ => false,
        }
    }

    fn compare_primary(&self, other: &Self, column: usize) -> Option<Ordering> {
        let (a, b) = (&self.upload, &other.upload);
        Some(match column {
            1 => a.initiated.cmp(&b.initiated),
            // Classes are interned per listing: the same allocation is the same class.
            2 => match (&a.storage_class, &b.storage_class) {
                (Some(x), Some(y)) if std::sync::Arc::ptr_eq(x, y) => Ordering::Equal,
                (x, y) => x.cmp(y),
            },
            3 => self.sort_hint(3).cmp(&other.sort_hint(3)),
            4 => self.sort_hint(4).cmp(&other.sort_hint(4)),
            _ => Ordering::Equal,
        })
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
                .map_or(0, |c| prefix_hint(c).saturating_add(1)),
            // Not read yet, then unknown, then by bytes.
            3 => match self.size {
                RowSize::Unread => 0,
                RowSize::Unknown => 1,
                RowSize::Known(summary) => summary.bytes.saturating_add(2),
            },
            4 => match self.size.summary().and_then(|s| s.last_activity) {
                None => 0,
                Some(t) => (t as u64 ^ (1 << 63)).saturating_add(1),
            },
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::table::Table;

    fn upload(key: &str, id: u32, initiated: i64, class: &str) -> UploadRow {
        UploadRow::from(Upload {
            key: key.into(),
            upload_id: format!("id-{id}").into(),
            initiated: Some(initiated),
            storage_class: Some(class.into()),
            key_undecodable: false,
        })
    }

    fn rows() -> Vec<UploadRow> {
        // Keys sharing long prefixes, equal start times and classes that tie on 8 bytes.
        let classes = ["STANDARD", "STANDARD_IA", "GLACIER", "STANDARD"];
        (0..500u32)
            .map(|i| {
                let key = format!("backups/2026/{:03}/part-{}", (i * 7919) % 97, i % 5);
                upload(
                    &key,
                    i % 3,
                    1_000 + i64::from(i % 4),
                    classes[(i % 4) as usize],
                )
            })
            .collect()
    }

    fn keys_in_order(table: &Table<UploadRow>) -> Vec<String> {
        table
            .visible()
            .map(|r| {
                format!(
                    "{} {} {:?}",
                    r.upload.key, r.upload.upload_id, r.upload.initiated
                )
            })
            .collect()
    }

    /// The rank shortcut (taken after a sort by key) gives exactly the order `compare` gives.
    #[test]
    fn sorting_by_cached_key_rank_matches_a_full_comparison() {
        for (column, descending) in [
            (1, false),
            (1, true),
            (2, false),
            (2, true),
            (0, true),
            (0, false),
        ] {
            let mut slow: Table<UploadRow> = Table::default();
            slow.set_sort(column, descending);
            slow.replace(rows(), 0);

            let mut fast: Table<UploadRow> = Table::default();
            fast.replace(rows(), 0); // sorted by key: ranks cached
            fast.set_sort(column, descending);
            assert_eq!(
                keys_in_order(&fast),
                keys_in_order(&slow),
                "column {column} descending {descending}"
            );
        }
    }
}
