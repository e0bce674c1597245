//! A list that scales: items stay where they are; vectors of indices hold the sorted order of
//! every row and the filtered view of it, so filtering and sorting a million rows never copies
//! a row. A filter change only walks the sorted order (it never sorts); flipping the direction
//! reverses it; only a new sort column or newly arrived rows sort.
//!
//! Longer than 600 lines for its tests: the code ends near line 540; the rest proves the sort
//! shortcuts equal a full comparison for every column and direction.

use std::cell::Cell;
use std::cmp::Ordering;

use crate::s3::Timestamp;
use crate::text::contains_ignore_case;

/// A parsed filter: words that must appear (ASCII case-insensitive), and optional age bounds
/// written `>7d` (older than) or `<1h` (newer than).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub text: String,
    words: Vec<String>,
    older_than: Option<i64>,
    newer_than: Option<i64>,
}

impl Filter {
    pub fn parse(text: &str) -> Self {
        let mut filter = Filter {
            text: text.to_owned(),
            ..Filter::default()
        };
        for word in text.split_whitespace() {
            let age = |rest: &str| crate::format::parse_duration(rest).ok();
            match word.split_at(1) {
                (">", rest) if age(rest).is_some() => filter.older_than = age(rest),
                ("<", rest) if age(rest).is_some() => filter.newer_than = age(rest),
                _ => filter.words.push(word.to_ascii_lowercase()),
            }
        }
        filter
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.older_than.is_none() && self.newer_than.is_none()
    }

    pub fn has_age(&self) -> bool {
        self.older_than.is_some() || self.newer_than.is_some()
    }

    pub fn matches_text(&self, text: &str) -> bool {
        self.words.iter().all(|w| contains_ignore_case(text, w))
    }

    /// The words that must appear, lowercase.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// Age bounds against a start time; rows with no time never match an age bound.
    pub fn matches_age(&self, started: Option<Timestamp>, now: Timestamp) -> bool {
        if !self.has_age() {
            return true;
        }
        let Some(started) = started else { return false };
        let age = now - started;
        self.older_than.is_none_or(|min| age > min) && self.newer_than.is_none_or(|max| age < max)
    }

    /// Every row matching `next` also matches `self`: the view can be narrowed in place.
    fn narrows_to(&self, next: &Filter) -> bool {
        !self.has_age()
            && !next.has_age()
            && next.text.starts_with(self.text.as_str())
            && self.words.len() <= next.words.len()
    }
}

/// What a row offers a table: a filter test and an order per sort column. `Sync`, so a
/// million rows can be tested on several threads.
pub trait Row: Sync {
    fn matches(&self, filter: &Filter, now: Timestamp) -> bool;
    fn compare(&self, other: &Self, column: usize) -> Ordering;

    /// A number that never contradicts [`Row::compare`]: when `a.sort_hint(c) <
    /// b.sort_hint(c)`, `a.compare(b, c)` is `Less`. Sorting a million rows compares these
    /// first and only fetches the rows when they tie. The default (all equal) is always right.
    fn sort_hint(&self, _column: usize) -> u64 {
        0
    }

    /// A column's own order before ties are broken, for columns where
    /// `compare(c) == compare_primary(c).then(compare(0))`. Then the table sorts by this and
    /// a cached rank in column 0's order, and never compares long keys again. `None` (the
    /// default) means no such shortcut.
    fn compare_primary(&self, _other: &Self, _column: usize) -> Option<Ordering> {
        None
    }

    /// True when this row's hint stands for its value alone: two exact rows with equal hints
    /// have equal primaries in `column`, so a run of them needs no row compared at all.
    fn hint_is_exact(&self, _column: usize) -> bool {
        false
    }

    /// Every row's hint for `column`, and whether each is exact. Rows may work these out
    /// faster together, or exactly where one row alone could not (by ranking the few distinct
    /// values of a column).
    fn sort_hints(items: &[Self], column: usize) -> (Vec<u64>, Vec<bool>)
    where
        Self: Sized,
    {
        let hints = items.iter().map(|item| item.sort_hint(column)).collect();
        let exact = items
            .iter()
            .map(|item| item.hint_is_exact(column))
            .collect();
        (hints, exact)
    }

    /// Sets each `keep[i]` still true to whether `items[i]` matches; rows may test many at
    /// once faster than one by one.
    fn test_many(items: &[Self], filter: &Filter, now: Timestamp, keep: &mut [bool])
    where
        Self: Sized,
    {
        for (item, keep) in items.iter().zip(keep) {
            *keep = *keep && item.matches(filter, now);
        }
    }
}

#[derive(Debug)]
pub struct Table<T> {
    pub items: Vec<T>,
    /// Every item, in sort order (once settled).
    order: Vec<u32>,
    /// The items that pass the filter, in the same order as `order`.
    view: Vec<u32>,
    selected: usize,
    pub filter: Filter,
    /// Index into the pane's sort columns.
    pub sort: usize,
    pub descending: bool,
    needs_sort: bool,
    /// Items `0..sorted_items` are in `order` in sort order; later ones arrived since.
    sorted_items: usize,
    /// Each item's position in column 0's ascending order; valid while it covers every item.
    ranks: Vec<u32>,
    /// First row drawn; the renderer keeps the selection in sight.
    pub offset: Cell<usize>,
    /// Rows that fit on screen at the last draw (for page up/down).
    pub page: Cell<usize>,
    /// The number of rows at the last [`Table::prepare`].
    prepared_len: usize,
    /// Sort columns' ascending orders worked out since the rows last changed.
    orders: Vec<(usize, Vec<u32>)>,
    /// The filters this view was narrowed from, each with its rows (`None`: the same rows as
    /// the next one), so that taking a character back costs no test at all.
    narrowed: Vec<(Filter, Option<Vec<u32>>)>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table {
            items: Vec::new(),
            order: Vec::new(),
            view: Vec::new(),
            selected: 0,
            filter: Filter::default(),
            sort: 0,
            descending: false,
            needs_sort: false,
            sorted_items: 0,
            ranks: Vec::new(),
            offset: Cell::new(0),
            page: Cell::new(10),
            narrowed: Vec::new(),
            prepared_len: 0,
            orders: Vec::new(),
        }
    }
}

impl<T: Row> Table<T> {
    pub fn clear(&mut self) {
        self.narrowed.clear();
        self.orders.clear();
        self.items.clear();
        self.order.clear();
        self.view.clear();
        self.selected = 0;
        self.offset.set(0);
        self.needs_sort = false;
        self.sorted_items = 0;
        self.ranks.clear();
    }

    pub fn replace(&mut self, items: Vec<T>, now: Timestamp) {
        let keep = self.selected_index();
        self.narrowed.clear();
        self.orders.clear();
        self.items = items;
        self.order = (0..self.items.len() as u32).collect();
        self.sort_order();
        self.refilter(now);
        self.reselect(keep);
    }

    /// Appends a page; new rows join the view at once and are sorted in at the next [`Table::settle`].
    pub fn extend(&mut self, rows: impl IntoIterator<Item = T>, now: Timestamp) {
        let start = self.items.len();
        self.narrowed.clear();
        self.orders.clear();
        self.items.extend(rows);
        for index in start..self.items.len() {
            self.order.push(index as u32);
            if self.items[index].matches(&self.filter, now) {
                self.view.push(index as u32);
            }
        }
        self.needs_sort = true;
    }

    pub fn set_filter(&mut self, text: &str, now: Timestamp) {
        let next = Filter::parse(text);
        if next == self.filter {
            return;
        }
        let keep = self.selected_index();
        if let Some(at) = self
            .narrowed
            .iter()
            .rposition(|(earlier, _)| *earlier == next)
        {
            // Back to a filter this view was narrowed from: its rows are known.
            let rows = self.narrowed.drain(at..).find_map(|(_, rows)| rows);
            if let Some(rows) = rows {
                self.view = rows;
            }
            self.filter = next;
        } else if self.filter.narrows_to(&next) {
            // Test only the rows shown, but in item order: memory is read front to back,
            // which at a million rows is several times faster than in view order.
            let every_row = self.view.len() == self.items.len();
            let mut shown = vec![every_row; self.items.len()];
            if !every_row {
                for &i in &self.view {
                    shown[i as usize] = true;
                }
            }
            test_rows(&self.items, &mut shown, |items, keep| {
                T::test_many(items, &next, now, keep)
            });
            // Typing on in a word every row holds narrows nothing: the view stays as it is.
            let wider = if shown.iter().filter(|&&s| s).count() == self.view.len() {
                None
            } else {
                let narrowed: Vec<u32> = self
                    .view
                    .iter()
                    .copied()
                    .filter(|&i| shown[i as usize])
                    .collect();
                Some(std::mem::replace(&mut self.view, narrowed))
            };
            if self.narrowed.len() == MAX_NARROWED {
                self.narrowed.remove(0);
            }
            self.narrowed
                .push((std::mem::replace(&mut self.filter, next), wider));
        } else {
            self.filter = next;
            self.refilter(now);
        }
        self.reselect(keep);
    }

    pub fn set_sort(&mut self, column: usize, descending: bool) {
        let keep = self.selected_index();
        self.narrowed.clear();
        if !self.ranks_valid() {
            self.remember_ranks();
        }
        let flip_only = column == self.sort && descending != self.descending && !self.needs_sort;
        self.sort = column;
        self.descending = descending;
        if flip_only {
            // Every row order is total (ties broken by key and id), so the reverse is exact.
            self.order.reverse();
            self.view.reverse();
        } else {
            self.sort_order();
            self.view_from_order();
        }
        self.reselect(keep);
    }

    /// Sorts every row again now: the values of the sort column changed (sizes arrived).
    pub fn resort(&mut self) {
        let keep = self.selected_index().filter(|_| self.selected > 0);
        self.narrowed.clear();
        self.sort_order();
        self.view_from_order();
        self.reselect(keep);
    }

    /// Sorts rows that arrived since the last sort. Cheap when nothing changed.
    /// A selection still on the first row stays on the first row, as rows stream in.
    pub fn settle(&mut self) {
        if self.needs_sort {
            self.narrowed.clear();
            let keep = self.selected_index().filter(|_| self.selected > 0);
            self.sort_in_arrivals();
            self.reselect(keep);
        }
    }

    /// Sorts only the rows that arrived since the last sort and merges them in by binary
    /// search: a page of a thousand rows into a million costs a few thousand comparisons and
    /// one copy of the indices, not a pass that compares (and fetches) every row.
    fn sort_in_arrivals(&mut self) {
        let (items, column, descending) = (&self.items, self.sort, self.descending);
        let compare = |a: &u32, b: &u32| {
            let order = items[*a as usize].compare(&items[*b as usize], column);
            if descending { order.reverse() } else { order }
        };
        let first_new = self.sorted_items as u32;
        let unfiltered = self.view.len() == self.order.len();
        let lists: &mut [&mut Vec<u32>] = if unfiltered {
            &mut [&mut self.order]
        } else {
            &mut [&mut self.order, &mut self.view]
        };
        for indices in lists.iter_mut() {
            let old = indices
                .iter()
                .rposition(|&i| i < first_new)
                .map_or(0, |p| p + 1);
            let mut arrived = indices.split_off(old);
            if arrived.is_empty() {
                continue;
            }
            arrived.sort_by(compare);
            let mut merged = Vec::with_capacity(indices.len() + arrived.len());
            let mut from = 0;
            for new in arrived {
                // After every equal row: the same place a stable sort would put it. Arrivals
                // in order (a listing by key) land close to the last one: search near it first.
                let rest = &indices[from..];
                let mut reach = 1;
                while reach < rest.len() && compare(&rest[reach - 1], &new).is_le() {
                    reach *= 2;
                }
                let start = reach / 2;
                let end = reach.min(rest.len());
                let at = from
                    + start
                    + rest[start..end].partition_point(|old| compare(old, &new).is_le());
                merged.extend_from_slice(&indices[from..at]);
                merged.push(new);
                from = at;
            }
            merged.extend_from_slice(&indices[from..]);
            **indices = merged;
        }
        if unfiltered {
            self.view.clone_from(&self.order);
        }
        self.sorted_items = self.items.len();
        self.needs_sort = false;
    }

    /// Work done ahead while the table is idle (the event loop's clock calls this): each
    /// row's place in key order, then the order of each of `columns`, sort columns whose
    /// values never change once listed, so that a sort key finds its order ready (4 bytes a
    /// row per column). Skipped while rows are still arriving: every page would make it stale.
    pub fn prepare(&mut self, columns: &[usize]) {
        if self.items.len() != self.prepared_len {
            self.prepared_len = self.items.len();
            return;
        }
        if !self.ranks_valid() {
            self.remember_ranks();
        }
        for &column in columns {
            if !self.orders.iter().any(|(c, _)| *c == column)
                && let Some(order) = self.sorted_by(column)
            {
                self.orders.push((column, order));
            }
        }
    }

    fn ranks_valid(&self) -> bool {
        !self.items.is_empty() && self.ranks.len() == self.items.len()
    }

    /// While the order is column 0's, each item's place in it costs one pass to note.
    fn remember_ranks(&mut self) {
        if self.sort != 0 || self.needs_sort {
            return;
        }
        let n = self.order.len();
        self.ranks.resize(n, 0);
        for (position, &item) in self.order.iter().enumerate() {
            let rank = if self.descending {
                n - 1 - position
            } else {
                position
            };
            self.ranks[item as usize] = rank as u32;
        }
    }

    /// The view from the sorted order and the filter: one pass, no sort.
    fn refilter(&mut self, now: Timestamp) {
        self.narrowed.clear();
        let filter = &self.filter;
        let mut keep = vec![true; self.items.len()];
        test_rows(&self.items, &mut keep, |items, keep| {
            T::test_many(items, filter, now, keep)
        });
        self.view.clear();
        self.view
            .extend(self.order.iter().copied().filter(|&i| keep[i as usize]));
    }

    /// Puts the view's rows in the order of `order` without testing the filter again.
    fn view_from_order(&mut self) {
        if self.view.len() == self.order.len() {
            self.view.clone_from(&self.order);
            return;
        }
        let mut shown = vec![false; self.items.len()];
        for &i in &self.view {
            shown[i as usize] = true;
        }
        self.view.clear();
        self.view
            .extend(self.order.iter().copied().filter(|&i| shown[i as usize]));
    }

    /// Sorts every row. Rows that arrived since the last sort are a short unsorted tail after a
    /// long sorted run, which the stable sort merges in close to linear time.
    fn sort_order(&mut self) {
        let (column, descending) = (self.sort, self.descending);
        let by_rank = self.ranks_valid() && column == 0;
        let remembered = if by_rank {
            None
        } else {
            self.sorted_by(column)
        };
        let items = &self.items;
        let n = items.len();
        if by_rank {
            // Back to column 0: every item's place is already known.
            self.order.resize(n, 0);
            for (item, &rank) in self.ranks.iter().enumerate() {
                let position = if descending {
                    n - 1 - rank as usize
                } else {
                    rank as usize
                };
                self.order[position] = item as u32;
            }
        } else if let Some(mut order) = remembered {
            if descending {
                order.reverse();
            }
            self.order = order;
        } else {
            // Hints gathered in item order (memory read front to back) and compared as plain
            // numbers; a row is fetched only when two hints tie.
            let mut keyed: Vec<(u64, u32)> = items
                .iter()
                .enumerate()
                .map(|(i, item)| (item.sort_hint(column), i as u32))
                .collect();
            keyed.sort_unstable_by(|a, b| {
                let order =
                    a.0.cmp(&b.0)
                        .then_with(|| items[a.1 as usize].compare(&items[b.1 as usize], column));
                if descending { order.reverse() } else { order }
            });
            self.order.clear();
            self.order.extend(keyed.into_iter().map(|(_, i)| i));
        }
        self.sorted_items = self.items.len();
        self.needs_sort = false;
        self.remember_ranks();
    }

    /// Every item in `column`'s ascending order: worked out ahead by [`Table::prepare`], or
    /// now by hint and rank; `None` without ranks or the column's shortcut.
    fn sorted_by(&mut self, column: usize) -> Option<Vec<u32>> {
        if let Some((_, order)) = self.orders.iter().find(|(c, _)| *c == column) {
            return Some(order.clone());
        }
        let items = &self.items;
        let usable = self.ranks_valid()
            && items
                .first()
                .is_some_and(|a| a.compare_primary(a, column).is_some());
        if !usable {
            return None;
        }
        // Numbers first, the column's own comparison on ties, then the cached rank: the same
        // order as `compare`, without comparing keys.
        let (hints, exact) = T::sort_hints(items, column);
        let mut order = sort_by_hint_and_rank(&hints, &self.ranks);
        if exact.contains(&false) {
            // Equal hints need not mean equal values (`STANDARD`, `STANDARD_IA`): put right
            // any run of equal hints that the column's own order disagrees with.
            let primary = |a: &u32, b: &u32| {
                let (x, y) = (&items[*a as usize], &items[*b as usize]);
                x.compare_primary(y, column).unwrap_or(Ordering::Equal)
            };
            for run in order.chunk_by_mut(|a, b| hints[*a as usize] == hints[*b as usize]) {
                let all_exact = run.iter().all(|&i| exact[i as usize]);
                if !all_exact
                    && run
                        .windows(2)
                        .any(|w| primary(&w[0], &w[1]) == Ordering::Greater)
                {
                    // Stable: equal values keep their rank order.
                    sort_few_values(run, primary);
                }
            }
        }
        Some(order)
    }

    fn reselect(&mut self, item: Option<usize>) {
        let position = item.and_then(|item| self.view.iter().position(|&i| i as usize == item));
        self.selected = position
            .unwrap_or(self.selected)
            .min(self.view.len().saturating_sub(1));
    }

    /// Removes the rows for which `gone` is true, keeping the selection near where it was.
    /// The filter and order stand, so nothing is matched or sorted again.
    pub fn remove_where(&mut self, mut gone: impl FnMut(&T) -> bool, _now: Timestamp) {
        self.settle();
        self.narrowed.clear();
        self.orders.clear();
        let selected = self.selected;
        // Old index -> new index (u32::MAX for a removed row): the order survives, no re-sort.
        let mut next = 0u32;
        let moved: Vec<u32> = self
            .items
            .iter()
            .map(|item| {
                if gone(item) {
                    u32::MAX
                } else {
                    next += 1;
                    next - 1
                }
            })
            .collect();
        let mut index = 0;
        self.items.retain(|_| {
            index += 1;
            moved[index - 1] != u32::MAX
        });
        let remap = |indices: &mut Vec<u32>| {
            indices.retain_mut(|i| {
                *i = moved[*i as usize];
                *i != u32::MAX
            })
        };
        remap(&mut self.order);
        remap(&mut self.view);
        self.ranks.clear();
        self.remember_ranks();
        self.selected = selected.min(self.view.len().saturating_sub(1));
    }
}

/// Filters narrowed one after the other that the table remembers.
const MAX_NARROWED: usize = 32;

/// Runs `test` (which clears `keep[i]` for rows that fail) over every row: a million rows
/// are split over the machine's cores (up to four), so a keystroke stays within a frame.
fn test_rows<T: Sync>(items: &[T], keep: &mut [bool], test: impl Fn(&[T], &mut [bool]) + Sync) {
    const ALONE: usize = 1 << 16;
    let run = &test;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    if items.len() < ALONE || threads < 2 {
        return run(items, keep);
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let mut parts = items.chunks(chunk).zip(keep.chunks_mut(chunk));
        let first = parts.next();
        for (items, keep) in parts {
            scope.spawn(|| run(items, keep));
        }
        if let Some((items, keep)) = first {
            run(items, keep);
        }
    });
}

/// Items in order of hint, then rank: the items put in rank order, then sorted stably by their
/// hint's place among the hints with a radix sort (a few linear passes, not n log n
/// comparisons).
fn sort_by_hint_and_rank(hints: &[u64], ranks: &[u32]) -> Vec<u32> {
    let Some(place) = places(hints) else {
        let mut by_rank = vec![0u32; ranks.len()];
        for (item, &rank) in ranks.iter().enumerate() {
            if let Some(slot) = by_rank.get_mut(rank as usize) {
                *slot = item as u32;
            }
        }
        by_rank.sort_by_key(|&item| hints[item as usize]);
        return by_rank;
    };
    // Each item written to its rank's slot with its place above it: items and hints are read
    // front to back, a million random reads avoided.
    let mut packed = vec![0u64; ranks.len()];
    for (item, (&rank, &hint)) in ranks.iter().zip(hints).enumerate() {
        if let Some(slot) = packed.get_mut(rank as usize) {
            *slot = u64::from(place(hint)) << 32 | item as u64;
        }
    }
    radix_sort(packed)
}

/// A hint's place among all hints, in 32 bits: its distance from the lowest hint, or for
/// hints far apart but few (storage class names), its rank among the distinct ones.
fn places(hints: &[u64]) -> Option<impl Fn(u64) -> u32> {
    const FEW: usize = 256;
    let lowest = hints.iter().copied().min().unwrap_or(0);
    let highest = hints.iter().copied().max().unwrap_or(0);
    let near = highest - lowest <= u64::from(u32::MAX);
    let mut distinct: Vec<u64> = Vec::new();
    if !near {
        let mut last = None;
        for &hint in hints {
            if last == Some(hint) || distinct.contains(&hint) {
                last = Some(hint);
                continue;
            }
            if distinct.len() == FEW {
                return None;
            }
            distinct.push(hint);
            last = Some(hint);
        }
        distinct.sort_unstable();
    }
    Some(move |hint: u64| {
        if near {
            (hint - lowest) as u32
        } else {
            distinct.partition_point(|&d| d < hint) as u32
        }
    })
}

/// A stable least-significant-digit radix sort of `packed` (a key above an item in the low 32
/// bits) by key, in as few passes as the keys' bits allow with at most 4,096 buckets (a start
/// time over a few weeks: two passes); returns the items.
fn radix_sort(mut packed: Vec<u64>) -> Vec<u32> {
    let highest = packed.iter().map(|&value| value >> 32).max().unwrap_or(0);
    let bits = u64::BITS - highest.leading_zeros();
    let passes = bits.div_ceil(12);
    let width = bits.div_ceil(passes.max(1)).max(1);
    let mut spare = if passes > 0 {
        vec![0u64; packed.len()]
    } else {
        Vec::new()
    };
    let mut counts = vec![0usize; 1 << width];
    for pass in 0..passes {
        let shift = 32 + pass * width;
        let mask = (1u64 << width) - 1;
        let digit = |value: u64| ((value >> shift) & mask) as usize;
        counts.fill(0);
        for &value in &packed {
            counts[digit(value)] += 1;
        }
        let mut total = 0;
        for count in counts.iter_mut() {
            (*count, total) = (total, total + *count);
        }
        for &value in &packed {
            let slot = &mut counts[digit(value)];
            spare[*slot] = value;
            *slot += 1;
        }
        std::mem::swap(&mut packed, &mut spare);
    }
    packed.into_iter().map(|value| value as u32).collect()
}

/// Sorts `run` stably by `primary` when it holds only a few distinct values: each item is
/// compared with one item of each value seen so far, not with its neighbours in a full sort.
fn sort_few_values(run: &mut [u32], primary: impl Fn(&u32, &u32) -> Ordering) {
    const FEW: usize = 16;
    let mut groups: Vec<Vec<u32>> = Vec::new();
    for &item in run.iter() {
        let same = groups
            .iter()
            .position(|group| primary(&group[0], &item) == Ordering::Equal);
        match same {
            Some(group) => groups[group].push(item),
            None if groups.len() < FEW => groups.push(vec![item]),
            None => return run.sort_by(primary),
        }
    }
    groups.sort_by(|a, b| primary(&a[0], &b[0]));
    for (slot, item) in run.iter_mut().zip(groups.into_iter().flatten()) {
        *slot = item;
    }
}

impl<T> Table<T> {
    pub fn len(&self) -> usize {
        self.view.len()
    }

    pub fn is_empty(&self) -> bool {
        self.view.is_empty()
    }

    pub fn selected_position(&self) -> usize {
        self.selected
    }

    pub fn selected_index(&self) -> Option<usize> {
        self.view.get(self.selected).map(|&i| i as usize)
    }

    pub fn selected(&self) -> Option<&T> {
        self.selected_index().map(|i| &self.items[i])
    }

    pub fn selected_mut(&mut self) -> Option<&mut T> {
        let index = self.selected_index()?;
        self.items.get_mut(index)
    }

    /// The visible rows in view order, from `start`, at most `count` of them.
    pub fn window(&self, start: usize, count: usize) -> impl Iterator<Item = &T> {
        self.view
            .iter()
            .skip(start)
            .take(count)
            .map(|&i| &self.items[i as usize])
    }

    /// Every row that passes the filter, in view order.
    pub fn visible(&self) -> impl Iterator<Item = &T> {
        self.view.iter().map(|&i| &self.items[i as usize])
    }

    pub fn visible_indices(&self) -> &[u32] {
        &self.view
    }

    pub fn move_by(&mut self, delta: isize) {
        if self.view.is_empty() {
            self.selected = 0;
            return;
        }
        let last = self.view.len() - 1;
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }

    pub fn select_first(&mut self) {
        self.selected = 0;
    }

    pub fn select_last(&mut self) {
        self.selected = self.view.len().saturating_sub(1);
    }

    pub fn page_size(&self) -> isize {
        self.page.get().max(1) as isize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq)]
    struct Item(&'static str, i64);

    impl Row for Item {
        fn matches(&self, filter: &Filter, now: Timestamp) -> bool {
            filter.matches_text(self.0) && filter.matches_age(Some(self.1), now)
        }
        fn compare(&self, other: &Self, column: usize) -> Ordering {
            match column {
                0 => self.0.cmp(other.0),
                // Total, as every real row's order is (ties broken by name).
                _ => self.1.cmp(&other.1).then_with(|| self.0.cmp(other.0)),
            }
        }
    }

    fn table() -> Table<Item> {
        let mut t = Table::default();
        t.replace(
            vec![Item("b/two", 10), Item("a/one", 30), Item("c/three", 20)],
            100,
        );
        t
    }

    fn names(t: &Table<Item>) -> Vec<&'static str> {
        t.visible().map(|i| i.0).collect()
    }

    #[test]
    fn sorts_and_keeps_selection_on_the_same_row() {
        let mut t = table();
        assert_eq!(names(&t), ["a/one", "b/two", "c/three"]);
        t.move_by(2);
        assert_eq!(t.selected().map(|i| i.0), Some("c/three"));
        t.set_sort(1, true);
        assert_eq!(names(&t), ["a/one", "c/three", "b/two"]);
        assert_eq!(t.selected().map(|i| i.0), Some("c/three"));
    }

    #[test]
    fn filter_narrows_and_widens() {
        let mut t = table();
        t.set_filter("t", 100);
        assert_eq!(names(&t), ["b/two", "c/three"]);
        t.set_filter("th", 100);
        assert_eq!(names(&t), ["c/three"]);
        t.set_filter("", 100);
        assert_eq!(names(&t).len(), 3);
        t.set_filter("O", 100);
        assert_eq!(names(&t), ["a/one", "b/two"]);
    }

    #[test]
    fn taking_characters_back_gives_the_same_rows_as_typing_afresh() {
        let mut t = table();
        t.set_sort(1, false);
        let mut typed = String::new();
        for c in "/tw".chars() {
            typed.push(c);
            t.set_filter(&typed, 100);
        }
        assert_eq!(names(&t), ["b/two"]);
        t.set_filter("/t", 100);
        assert_eq!(names(&t), ["b/two", "c/three"]);
        t.extend([Item("d/ten", 1)], 100);
        t.settle();
        t.set_filter("/", 100);
        assert_eq!(names(&t), ["d/ten", "b/two", "c/three", "a/one"]);
        t.set_filter("/t", 100);
        t.set_sort(0, false);
        t.set_filter("", 100);
        assert_eq!(names(&t), ["a/one", "b/two", "c/three", "d/ten"]);
    }

    #[test]
    fn age_filter() {
        let mut t = table();
        // ages at now=100: a/one 70s, b/two 90s, c/three 80s
        t.set_filter(">75s", 100);
        assert_eq!(names(&t), ["b/two", "c/three"]);
        t.set_filter("<75s", 100);
        assert_eq!(names(&t), ["a/one"]);
    }

    #[test]
    fn appended_pages_are_sorted_in_on_settle() {
        let mut t = table();
        t.extend([Item("0/zero", 5)], 100);
        assert_eq!(t.len(), 4);
        t.settle();
        assert_eq!(names(&t)[0], "0/zero");
    }

    #[test]
    fn filtering_after_a_sort_keeps_the_sort_and_reversing_is_exact() {
        let mut t = table();
        t.set_sort(1, false);
        assert_eq!(names(&t), ["b/two", "c/three", "a/one"]);
        t.set_filter("e", 100);
        assert_eq!(names(&t), ["c/three", "a/one"]);
        t.set_sort(1, true);
        assert_eq!(names(&t), ["a/one", "c/three"]);
        t.set_filter("", 100);
        assert_eq!(names(&t), ["a/one", "c/three", "b/two"]);
        t.set_sort(0, false);
        t.set_filter("o", 100);
        assert_eq!(names(&t), ["a/one", "b/two"]);
    }

    #[test]
    fn rows_filtered_before_they_are_sorted_in_come_out_sorted() {
        let mut t = table();
        t.extend([Item("0/zero", 5), Item("d/four", 1)], 100);
        t.set_filter("o", 100);
        t.settle();
        assert_eq!(names(&t), ["0/zero", "a/one", "b/two", "d/four"]);
        t.set_filter("", 100);
        t.settle();
        assert_eq!(names(&t), ["0/zero", "a/one", "b/two", "c/three", "d/four"]);
    }

    #[test]
    fn removing_rows_keeps_order_and_filter() {
        let mut t = table();
        t.set_sort(1, true);
        t.set_filter("o", 100);
        t.remove_where(|i| i.0 == "b/two", 100);
        assert_eq!(names(&t), ["a/one"]);
        t.set_filter("", 100);
        assert_eq!(names(&t), ["a/one", "c/three"]);
        assert_eq!(t.items.len(), 2);
    }

    #[test]
    fn pages_sorted_in_one_by_one_match_one_full_sort() {
        let names: Vec<&'static str> = (0..300)
            .map(|i: u64| -> &'static str {
                let n = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) % 97;
                Box::leak(format!("k{n:02}").into_boxed_str())
            })
            .collect();
        for descending in [false, true] {
            let mut t = Table::default();
            t.set_sort(1, descending);
            t.set_filter("1", 100);
            for (page, chunk) in names.chunks(23).enumerate() {
                t.extend(chunk.iter().map(|n| Item(n, page as i64 % 5)), 100);
                t.settle();
            }
            let mut full = Table::default();
            full.set_sort(1, descending);
            full.replace(
                names
                    .chunks(23)
                    .enumerate()
                    .flat_map(|(page, chunk)| chunk.iter().map(move |n| Item(n, page as i64 % 5)))
                    .collect(),
                100,
            );
            full.set_filter("1", 100);
            assert_eq!(self::names(&t), self::names(&full));
            t.set_filter("", 100);
            full.set_filter("", 100);
            assert_eq!(self::names(&t), self::names(&full));
        }
    }

    #[test]
    fn hint_and_rank_sorts_agree_with_a_plain_stable_sort() {
        let mut seed = 7u64;
        let mut next = move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            seed >> 11
        };
        let n = 5_000;
        let mut ranks: Vec<u32> = (0..n).collect();
        for i in (1..ranks.len()).rev() {
            ranks.swap(i, (next() % (i as u64 + 1)) as usize);
        }
        let mut spread =
            |wide: u64, few: u64| -> Vec<u64> { (0..n).map(|_| (next() % few) * wide).collect() };
        let cases = [
            spread(1, 5_000_000),   // start times: near each other
            spread(1 << 56, 7),     // class names: far apart, few
            spread(1 << 40, 5_000), // far apart and many
            vec![42; n as usize],   // all equal
        ];
        for hints in cases {
            let mut expected: Vec<u32> = (0..n).collect();
            expected.sort_by_key(|&i| (hints[i as usize], ranks[i as usize]));
            assert_eq!(sort_by_hint_and_rank(&hints, &ranks), expected);
        }
    }

    #[test]
    fn a_run_of_few_values_sorts_stably() {
        let values = [3, 1, 3, 2, 1, 3];
        let mut run: Vec<u32> = (0..6).collect();
        sort_few_values(&mut run, |a, b| {
            values[*a as usize].cmp(&values[*b as usize])
        });
        assert_eq!(run, [1, 4, 3, 0, 2, 5]);
    }

    #[test]
    fn movement_is_clamped() {
        let mut t = table();
        t.move_by(-5);
        assert_eq!(t.selected_position(), 0);
        t.move_by(50);
        assert_eq!(t.selected_position(), 2);
        t.remove_where(|i| i.0 == "c/three", 100);
        assert_eq!(t.selected_position(), 1);
    }
}
