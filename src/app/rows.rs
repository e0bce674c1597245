//! How each kind of row filters and sorts.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

use memchr::memmem::Finder;

use super::sizes::{BucketRow, RowSize};
use super::table::{Filter, Row};
use crate::s3::{Entry, Timestamp, Upload, UploadBlock, UploadRef};

pub const BUCKET_SORTS: &[&str] = &["name", "created", "region", "uploads", "size", "oldest"];
pub const FILE_SORTS: &[&str] = &["name", "size", "modified"];
pub const UPLOAD_SORTS: &[&str] = &["key", "initiated", "storage class", "size", "last activity"];
/// The first bucket sort column the scan fills.
pub const FIRST_SCAN_SORT: usize = 3;
/// The first upload sort column sizes fill.
pub const FIRST_SIZE_SORT: usize = 3;
/// Upload sort columns whose values never change once listed: initiated, storage class.
pub const UPLOAD_FIXED_SORTS: &[usize] = &[1, 2];

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

/// One upload in the pane: 24 bytes, its text in the listing page's shared block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRow {
    pub upload: UploadRef,
    pub state: RowState,
    pub marked: bool,
    /// Parts, bytes and last activity, once ListParts has answered.
    pub size: RowSize,
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
                size: RowSize::UNREAD,
            })
    }
}

impl Row for UploadRow {
    fn matches(&self, filter: &Filter, now: Timestamp) -> bool {
        filter.matches_text(self.upload.key())
            && (!filter.has_age() || filter.matches_age(self.upload.initiated(), now))
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
            1 | 3 | 4 => true,
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
            3 => self.sort_hint(3).cmp(&other.sort_hint(3)),
            4 => self.sort_hint(4).cmp(&other.sort_hint(4)),
            _ => Ordering::Equal,
        })
    }

    /// Storage classes are few: each gets its rank among the distinct names, an exact hint
    /// however long the name.
    fn sort_hints(items: &[Self], column: usize) -> (Vec<u64>, Vec<bool>) {
        if column != 2 {
            let hints = items.iter().map(|row| row.sort_hint(column)).collect();
            let exact = items.iter().map(|row| row.hint_is_exact(column)).collect();
            return (hints, exact);
        }
        let mut names: Vec<&Arc<str>> = Vec::new();
        let mut last: Option<(&Arc<str>, u32)> = None;
        let places: Vec<u32> = items
            .iter()
            .map(|row| {
                let Some(class) = row.upload.storage_class() else {
                    return u32::MAX;
                };
                if let Some((seen, place)) = last
                    && Arc::ptr_eq(seen, class)
                {
                    return place;
                }
                let place = match names.iter().position(|name| ***name == **class) {
                    Some(place) => place,
                    None => {
                        names.push(class);
                        names.len() - 1
                    }
                } as u32;
                last = Some((class, place));
                place
            })
            .collect();
        let mut by_name: Vec<usize> = (0..names.len()).collect();
        by_name.sort_by(|&a, &b| names[a].cmp(names[b]));
        let mut rank = vec![0u64; names.len()];
        for (position, &name) in by_name.iter().enumerate() {
            rank[name] = position as u64 + 1;
        }
        let hints = places
            .iter()
            .map(|&place| rank.get(place as usize).copied().unwrap_or(0))
            .collect();
        (hints, vec![true; items.len()])
    }

    /// Rows of one listing page share a block: its keys are searched in one pass.
    fn test_many(items: &[Self], filter: &Filter, now: Timestamp, keep: &mut [bool]) {
        let finders: Vec<Finder<'_>> = filter
            .words()
            .iter()
            .map(|word| Finder::new(word.as_bytes()))
            .collect();
        let mut hits = Vec::new();
        let mut start = 0;
        while start < items.len() {
            let block = items[start].upload.block().map(|(block, _)| block);
            // A listing page with none of its rows removed, in order (the usual case): row
            // `start + i` is the block's upload `i`, and no row need be read.
            let whole = block.and_then(|b| whole_block_at(items, start, b));
            let end = whole.unwrap_or_else(|| {
                let same = |row: &UploadRow| match (row.upload.block(), block) {
                    (Some((a, _)), Some(b)) => Arc::ptr_eq(a, b),
                    _ => false,
                };
                start + 1 + items[start + 1..].iter().take_while(|r| same(r)).count()
            });
            let (rows, keep) = (&items[start..end], &mut keep[start..end]);
            start = end;
            let Some(block) = block else {
                for (row, keep) in rows.iter().zip(keep) {
                    *keep = *keep && row.matches(filter, now);
                }
                continue;
            };
            debug_assert!(
                whole.is_none_or(|_| rows.iter().enumerate().all(|(i, row)| {
                    row.upload
                        .block()
                        .is_some_and(|(b, j)| Arc::ptr_eq(b, block) && i == j)
                }))
            );
            // Most of the block still wanted: one search through all its keys; else a search
            // in each wanted key.
            let wanted = keep.iter().filter(|k| **k).count();
            let together = !finders.is_empty() && wanted * 4 > block.len();
            if together {
                hits.clear();
                hits.resize(block.len(), true);
                for (word, finder) in filter.words().iter().zip(&finders) {
                    block.keep_keys_containing(word, finder, &mut hits);
                }
            }
            for (i, (row, keep)) in rows.iter().zip(keep).enumerate() {
                if !*keep {
                    continue;
                }
                let index = match whole {
                    Some(_) => i,
                    None => row.upload.block().map_or(usize::MAX, |(_, index)| index),
                };
                let text = if together {
                    hits.get(index).copied().unwrap_or(false)
                } else {
                    let words = filter.words().iter().zip(&finders);
                    words
                        .into_iter()
                        .all(|(word, finder)| block.key_contains(index, word, finder))
                };
                *keep =
                    text && (!filter.has_age() || filter.matches_age(block.initiated(index), now));
            }
        }
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
            // Not read yet, then unknown, then by bytes.
            3 => match self.size.summary() {
                _ if self.size.is_unread() => 0,
                None => 1,
                Some(summary) => summary.bytes.saturating_add(2),
            },
            4 => match self.size.summary().and_then(|s| s.last_activity) {
                None => 0,
                Some(t) => (t as u64 ^ (1 << 63)).saturating_add(1),
            },
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
            key_undecodable: false,
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

    /// Searching a block's keys together finds exactly the rows that match one by one, for
    /// whole pages and for pages some of whose rows are gone (aborted).
    #[test]
    fn rows_tested_together_match_rows_tested_alone() {
        let mut whole = rows();
        // A page with capitals, where case matters to the search.
        let mixed: Vec<Upload> = ["Backups/2026/X", "backups/2026/y", "BACKUPS", "a\nb"]
            .iter()
            .enumerate()
            .map(|(i, k)| upload(k, i as u32, 1_000 + i as i64, "STANDARD"))
            .collect();
        whole.extend(UploadRow::page(&mixed));
        // Every 5th row of the first page gone, the second page's first and last, the third
        // page's middle row.
        let gapped: Vec<UploadRow> = whole
            .iter()
            .enumerate()
            .filter(|(i, _)| !(*i < 77 && i % 5 == 0) && *i != 77 && *i != 153 && *i != 192)
            .map(|(_, row)| row.clone())
            .collect();
        for all in [whole, gapped] {
            test_together_and_alone(&all);
        }
    }

    fn test_together_and_alone(all: &[UploadRow]) {
        for text in [
            "",
            "backups",
            "2026/0",
            "part-3 /01",
            "x",
            ">2s",
            "<2s back",
            "\n",
        ] {
            let filter = Filter::parse(text);
            let mut keep = vec![true; all.len()];
            keep[3] = false;
            UploadRow::test_many(all, &filter, 1_003, &mut keep);
            let alone: Vec<bool> = all
                .iter()
                .enumerate()
                .map(|(i, row)| i != 3 && row.matches(&filter, 1_003))
                .collect();
            assert_eq!(keep, alone, "{text:?}");
        }
    }

    /// Rows are found by their own handle (block and place) and by text alone, in an index
    /// built page by page as in one built at once, and after rows are gone.
    #[test]
    fn the_row_index_finds_every_row_by_handle_and_by_text() {
        let all = rows();
        let mut grown = RowIndex::default();
        for first in (0..all.len()).step_by(100) {
            let end = (first + 100).min(all.len());
            grown.extend(&all[..end], first);
        }
        let gapped: Vec<UploadRow> = all.iter().skip(1).step_by(2).cloned().collect();
        for (items, mut index) in [
            (&all[..], grown),
            (&all[..], RowIndex::of(&all)),
            (&gapped[..], RowIndex::of(&gapped)),
        ] {
            for (i, row) in items.iter().enumerate() {
                assert_eq!(index.position(items, &row.upload), Some(i));
                let by_text = UploadRef::from(&row.upload.to_upload());
                assert_eq!(index.position(items, &by_text), Some(i));
            }
        }
        let gone = &all[0].upload;
        assert_eq!(RowIndex::of(&gapped).position(&gapped, gone), None);
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

            let mut prepared: Table<UploadRow> = Table::default();
            prepared.replace(rows(), 0);
            prepared.prepare(UPLOAD_FIXED_SORTS); // notes the size
            prepared.prepare(UPLOAD_FIXED_SORTS); // works ahead
            prepared.set_sort(column, descending);
            assert_eq!(keys_in_order(&prepared), keys_in_order(&slow));
        }
    }
}

/// Where uploads are among the pane's rows, found without copying or hashing any key: an
/// upload listed in the pane shares the block of its row, so the block and its place in it
/// lead to the row (4 bytes a row). An upload named by its text alone (the bucket scan's,
/// a job's retry) is looked for by text, in a map built the first time one is asked for.
#[derive(Debug, Default)]
pub struct RowIndex {
    /// Table position of each upload of a block, by the block's address.
    by_block: HashMap<usize, Vec<u32>>,
    by_text: Option<HashMap<UploadRef, u32>>,
}

impl RowIndex {
    pub fn of(items: &[UploadRow]) -> Self {
        let mut index = RowIndex::default();
        index.extend(items, 0);
        index
    }

    /// Adds `items[first..]`, rows appended since the index was built.
    pub fn extend(&mut self, items: &[UploadRow], first: usize) {
        // Rows of a page sit together: one map lookup per run of them.
        let mut run: Option<(usize, Vec<u32>)> = None;
        for (i, row) in items.iter().enumerate().skip(first) {
            if let Some(by_text) = &mut self.by_text {
                by_text.insert(row.upload.clone(), i as u32);
            }
            let Some((block, place)) = row.upload.block() else {
                continue;
            };
            let address = block_address(block);
            let (_, places) = match run.take() {
                Some(same) if same.0 == address => run.insert(same),
                other => {
                    if let Some((other, places)) = other {
                        self.by_block.insert(other, places);
                    }
                    let places = self
                        .by_block
                        .remove(&address)
                        .unwrap_or_else(|| vec![u32::MAX; block.len()]);
                    run.insert((address, places))
                }
            };
            if let Some(slot) = places.get_mut(place) {
                *slot = i as u32;
            }
        }
        if let Some((address, places)) = run {
            self.by_block.insert(address, places);
        }
    }

    /// The position of `upload` among `items` (the rows this index was built from).
    pub fn position(&mut self, items: &[UploadRow], upload: &UploadRef) -> Option<usize> {
        let shared = upload.block().and_then(|(block, place)| {
            let row = *self.by_block.get(&block_address(block))?.get(place)?;
            items
                .get(row as usize)
                .is_some_and(|r| r.upload.is_same(upload))
                .then_some(row)
        });
        let row = match shared {
            Some(row) => row,
            None => *self
                .by_text
                .get_or_insert_with(|| {
                    let by_text = items.iter().enumerate();
                    by_text.map(|(i, r)| (r.upload.clone(), i as u32)).collect()
                })
                .get(upload)?,
        };
        Some(row as usize)
    }

    /// The row of `upload` among `items`.
    pub fn find<'a>(
        &mut self,
        items: &'a mut [UploadRow],
        upload: &UploadRef,
    ) -> Option<&'a mut UploadRow> {
        let position = self.position(items, upload)?;
        items.get_mut(position)
    }
}

/// Where the rows of `block` starting at `start` end, when they are the whole block in its
/// own order: its first upload at `start` and its last `len - 1` rows further. Rows of a
/// block keep their order (pages are appended; removing rows keeps the rest in order), so
/// those two ends mean every upload between is there too.
fn whole_block_at(items: &[UploadRow], start: usize, block: &Arc<UploadBlock>) -> Option<usize> {
    let end = start + block.len();
    let first = items.get(start)?.upload.block()?;
    let last = items.get(end.checked_sub(1)?)?.upload.block()?;
    (first.1 == 0 && Arc::ptr_eq(last.0, block) && last.1 == block.len() - 1).then_some(end)
}

fn block_address(block: &Arc<UploadBlock>) -> usize {
    Arc::as_ptr(block) as usize
}
