//! How each kind of row filters and sorts.

use std::cmp::Ordering;

use super::table::{Filter, Row};
use crate::s3::{Bucket, Entry, Timestamp, Upload, UploadRef};

pub const BUCKET_SORTS: &[&str] = &["name", "created", "region"];
pub const FILE_SORTS: &[&str] = &["name", "size", "modified"];
pub const UPLOAD_SORTS: &[&str] = &["key", "initiated", "storage class"];

impl Row for Bucket {
    fn matches(&self, filter: &Filter, now: Timestamp) -> bool {
        filter.matches_text(&self.name) && filter.matches_age(self.created, now)
    }

    fn compare(&self, other: &Self, column: usize) -> Ordering {
        self.compare_primary(other, column)
            .unwrap_or(Ordering::Equal)
            .then_with(|| self.name.cmp(&other.name))
    }

    fn compare_primary(&self, other: &Self, column: usize) -> Option<Ordering> {
        Some(match column {
            1 => self.created.cmp(&other.created),
            2 => self.region.cmp(&other.region),
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

/// One upload in the pane: 24 bytes, its text in the listing page's shared block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRow {
    pub upload: UploadRef,
    pub state: RowState,
    pub marked: bool,
}

impl UploadRow {
    /// The rows of one listing page, sharing one block.
    pub fn page(uploads: &[Upload]) -> impl Iterator<Item = UploadRow> + use<> {
        UploadRef::page(uploads)
            .into_iter()
            .map(|upload| UploadRow {
                upload,
                state: RowState::Idle,
                marked: false,
            })
    }
}

impl Row for UploadRow {
    fn matches(&self, filter: &Filter, now: Timestamp) -> bool {
        filter.matches_text(self.upload.key()) && filter.matches_age(self.upload.initiated(), now)
    }

    fn compare(&self, other: &Self, column: usize) -> Ordering {
        self.compare_primary(other, column)
            .unwrap_or(Ordering::Equal)
            .then_with(|| self.upload.compare(&other.upload))
    }

    /// Start times map one to one onto their hints; so do storage class names of up to
    /// 8 bytes (all the common ones, `STANDARD` included).
    fn hint_is_exact(&self, column: usize) -> bool {
        match column {
            1 => true,
            2 => self
                .upload
                .storage_class()
                .is_none_or(|c| c.len() <= 8 && !c.contains('\0')),
            _ => false,
        }
    }

    fn compare_primary(&self, other: &Self, column: usize) -> Option<Ordering> {
        let (a, b) = (&self.upload, &other.upload);
        Some(match column {
            1 => a.initiated().cmp(&b.initiated()),
            // Classes are interned per listing: the same allocation is the same class.
            2 => match (a.storage_class(), b.storage_class()) {
                (Some(x), Some(y)) if std::sync::Arc::ptr_eq(x, y) => Ordering::Equal,
                (x, y) => x.cmp(&y),
            },
            _ => Ordering::Equal,
        })
    }

    fn sort_hint(&self, column: usize) -> u64 {
        let upload = &self.upload;
        match column {
            // None sorts first; the sign bit flipped keeps negative times in order.
            1 => upload
                .initiated()
                .map_or(0, |t| (t as u64 ^ (1 << 63)).saturating_add(1)),
            2 => upload
                .storage_class()
                .map_or(0, |c| prefix_hint(c).saturating_add(1)),
            _ => prefix_hint(upload.key()),
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

    fn upload(key: &str, id: u32, initiated: i64, class: &str) -> Upload {
        Upload {
            key: key.into(),
            upload_id: format!("id-{id}").into(),
            initiated: Some(initiated),
            storage_class: Some(class.into()),
        }
    }

    fn rows() -> Vec<UploadRow> {
        // Keys sharing long prefixes, equal start times and classes that tie on 8 bytes.
        let classes = ["STANDARD", "STANDARD_IA", "GLACIER", "STANDARD"];
        let uploads: Vec<Upload> = (0..500u32)
            .map(|i| {
                let key = format!("backups/2026/{:03}/part-{}", (i * 7919) % 97, i % 5);
                upload(
                    &key,
                    i % 3,
                    1_000 + i64::from(i % 4),
                    classes[(i % 4) as usize],
                )
            })
            .collect();
        // Pages of different sizes, so rows of one sort run span blocks.
        uploads.chunks(77).flat_map(UploadRow::page).collect()
    }

    fn keys_in_order(table: &Table<UploadRow>) -> Vec<String> {
        table
            .visible()
            .map(|r| {
                format!(
                    "{} {} {:?}",
                    r.upload.key(),
                    r.upload.upload_id(),
                    r.upload.initiated()
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
