//! Uploads kept compactly, for buckets with a million of them: a listing page's keys, upload
//! ids, start times and storage classes in one [`UploadBlock`], and [`UploadRef`], a handle to
//! one upload in a shared block. The console's rows and the set a clear confirms share these
//! blocks, so confirming a clear of a million uploads copies no key and no id.

use std::borrow::Cow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use memchr::memmem::Finder;

use super::{Timestamp, Upload, shown_key};
use crate::text::contains_ignore_case;

/// One page of uploads, column by column.
pub struct UploadBlock {
    /// Every key, one after the other.
    keys: Box<str>,
    /// Where each key ends in `keys`.
    key_ends: Box<[u32]>,
    ids: Ids,
    /// `i64::MIN` for a start time the server did not give.
    initiated: Box<[i64]>,
    /// An index into `class_names`, `u16::MAX` for none.
    classes: Box<[u16]>,
    class_names: Box<[Arc<str>]>,
    /// No key holds an ASCII capital: a lowercase word is found by plain search.
    lowercase: bool,
    /// Which keys are not UTF-8 (kept as the server URL-encoded them); `None` when none is.
    undecodable: Option<Box<[bool]>>,
}

enum Ids {
    /// Ids of lowercase hexadecimal digits, all of one length (Garage's 64): kept as the
    /// bytes they spell, half the size.
    Hex {
        bytes: Box<[u8]>,
        width: usize,
    },
    Text {
        text: Box<str>,
        ends: Box<[u32]>,
    },
}

const NO_TIME: i64 = i64::MIN;
const NO_CLASS: u16 = u16::MAX;

fn hex_width(uploads: &[Upload]) -> Option<usize> {
    let length = uploads.first()?.upload_id.len();
    let hex = |id: &str| {
        id.len() == length
            && id
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    (length > 0 && length % 2 == 0 && uploads.iter().all(|u| hex(&u.upload_id)))
        .then_some(length / 2)
}

fn hex_value(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        _ => digit.wrapping_sub(b'a') + 10,
    }
}

fn ends<'a>(texts: impl Iterator<Item = &'a str>) -> (Box<str>, Box<[u32]>) {
    let mut joined = String::new();
    let mut ends = Vec::new();
    for text in texts {
        joined.push_str(text);
        ends.push(u32::try_from(joined.len()).unwrap_or(u32::MAX));
    }
    (joined.into_boxed_str(), ends.into_boxed_slice())
}

impl UploadBlock {
    /// A block of `uploads`, in their order. A page holds up to a thousand: its text stays far
    /// below the 4 GB that `u32` offsets reach.
    pub fn new(uploads: &[Upload]) -> Arc<UploadBlock> {
        let (keys, key_ends) = ends(uploads.iter().map(|u| &*u.key));
        let ids = match hex_width(uploads) {
            Some(width) => Ids::Hex {
                bytes: uploads
                    .iter()
                    .flat_map(|u| {
                        u.upload_id
                            .as_bytes()
                            .chunks_exact(2)
                            .map(|pair| hex_value(pair[0]) << 4 | hex_value(pair[1]))
                    })
                    .collect(),
                width,
            },
            None => {
                let (text, ends) = ends(uploads.iter().map(|u| &*u.upload_id));
                Ids::Text { text, ends }
            }
        };
        let mut class_names: Vec<Arc<str>> = Vec::new();
        let classes = uploads
            .iter()
            .map(|u| {
                let Some(class) = &u.storage_class else {
                    return NO_CLASS;
                };
                let known = class_names
                    .iter()
                    .position(|c| Arc::ptr_eq(c, class) || c == class);
                let index = known.unwrap_or_else(|| {
                    class_names.push(class.clone());
                    class_names.len() - 1
                });
                u16::try_from(index).unwrap_or(NO_CLASS)
            })
            .collect();
        let lowercase = !keys.bytes().any(|b| b.is_ascii_uppercase());
        let undecodable = uploads
            .iter()
            .any(|u| u.key_undecodable)
            .then(|| uploads.iter().map(|u| u.key_undecodable).collect());
        Arc::new(UploadBlock {
            lowercase,
            undecodable,
            keys,
            key_ends,
            ids,
            initiated: uploads
                .iter()
                .map(|u| u.initiated.unwrap_or(NO_TIME))
                .collect(),
            classes,
            class_names: class_names.into_boxed_slice(),
        })
    }

    pub fn len(&self) -> usize {
        self.key_ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.key_ends.is_empty()
    }

    fn span(ends: &[u32], index: usize) -> std::ops::Range<usize> {
        let start = index
            .checked_sub(1)
            .and_then(|before| ends.get(before))
            .map_or(0, |&e| e as usize);
        let end = ends.get(index).map_or(start, |&e| e as usize);
        start..end
    }

    pub fn key(&self, index: usize) -> &str {
        self.keys
            .get(Self::span(&self.key_ends, index))
            .unwrap_or_default()
    }

    pub fn upload_id(&self, index: usize) -> Cow<'_, str> {
        match &self.ids {
            Ids::Hex { bytes, width } => {
                let mut id = String::with_capacity(width * 2);
                for byte in bytes.iter().skip(index * width).take(*width) {
                    for digit in [byte >> 4, byte & 0xf] {
                        id.push(char::from_digit(u32::from(digit), 16).unwrap_or('0'));
                    }
                }
                Cow::Owned(id)
            }
            Ids::Text { text, ends } => {
                Cow::Borrowed(text.get(Self::span(ends, index)).unwrap_or_default())
            }
        }
    }

    /// Orders uploads `a` and `b` of this block by id, as their text would.
    fn compare_ids(&self, a: usize, other: &UploadBlock, b: usize) -> std::cmp::Ordering {
        match (&self.ids, &other.ids) {
            // Lowercase hex digits sort as the values they spell.
            (
                Ids::Hex { bytes, width },
                Ids::Hex {
                    bytes: theirs,
                    width: their_width,
                },
            ) if width == their_width => {
                let ours = bytes.get(a * width..(a + 1) * width);
                let theirs = theirs.get(b * width..(b + 1) * width);
                ours.cmp(&theirs)
            }
            _ => self.upload_id(a).cmp(&other.upload_id(b)),
        }
    }

    /// Whether key `index` contains `word` (lowercase; ASCII letters match either case), which
    /// `finder` searches for.
    pub fn key_contains(&self, index: usize, word: &str, finder: &Finder<'_>) -> bool {
        let key = self.key(index);
        if self.lowercase || !word.bytes().any(|b| b.is_ascii_alphabetic()) {
            finder.find(key.as_bytes()).is_some()
        } else {
            contains_ignore_case(key, word)
        }
    }

    /// Clears `hits[i]` for every key that does not contain `word` (lowercase; ASCII letters
    /// match either case). `finder` searches for `word`: where case cannot matter, one pass
    /// over all the block's keys finds them, instead of a search per key.
    pub fn keep_keys_containing(&self, word: &str, finder: &Finder<'_>, hits: &mut [bool]) {
        let plain = self.lowercase || !word.bytes().any(|b| b.is_ascii_alphabetic());
        if !plain {
            for (i, hit) in hits.iter_mut().enumerate() {
                *hit = *hit && contains_ignore_case(self.key(i), word);
            }
            return;
        }
        let keys = self.keys.as_bytes();
        let mut found = vec![false; hits.len()];
        let (mut row, mut at) = (0, 0);
        while let Some(start) = keys.get(at..).and_then(|rest| finder.find(rest)) {
            let start = at + start;
            while self
                .key_ends
                .get(row)
                .is_some_and(|&end| end as usize <= start)
            {
                row += 1;
            }
            let Some(&key_end) = self.key_ends.get(row) else {
                break;
            };
            if start + word.len() <= key_end as usize {
                if let Some(found) = found.get_mut(row) {
                    *found = true;
                }
                at = key_end as usize;
            } else {
                // Across two keys: a match may still start inside this one.
                at = start + 1;
            }
        }
        for (hit, found) in hits.iter_mut().zip(found) {
            *hit = *hit && found;
        }
    }

    /// See [`Upload::key_undecodable`].
    pub fn key_undecodable(&self, index: usize) -> bool {
        self.undecodable
            .as_ref()
            .is_some_and(|flags| flags.get(index).copied().unwrap_or(false))
    }

    pub fn initiated(&self, index: usize) -> Option<Timestamp> {
        self.initiated.get(index).copied().filter(|&t| t != NO_TIME)
    }

    pub fn storage_class(&self, index: usize) -> Option<&Arc<str>> {
        let class = *self.classes.get(index)?;
        self.class_names.get(usize::from(class))
    }
}

impl fmt::Debug for UploadBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UploadBlock({} uploads)", self.len())
    }
}

/// Exactly what an abort needs: the key and upload id as the server sent them. 16 bytes: the
/// text is a listing's shared block, or an allocation of its own for an upload named alone.
#[derive(Clone)]
pub struct UploadRef(Place);

#[derive(Clone)]
enum Place {
    InBlock { block: Arc<UploadBlock>, index: u32 },
    Alone(Arc<Alone>),
}

struct Alone {
    key: Box<str>,
    upload_id: Box<str>,
    key_undecodable: bool,
}

impl UploadRef {
    /// An upload named by text (a command line, a test): always decodable.
    pub fn new(key: impl Into<Box<str>>, upload_id: impl Into<Box<str>>) -> Self {
        UploadRef(Place::Alone(Arc::new(Alone {
            key: key.into(),
            upload_id: upload_id.into(),
            key_undecodable: false,
        })))
    }

    /// Upload `index` of `block`.
    pub fn in_block(block: &Arc<UploadBlock>, index: usize) -> Self {
        UploadRef(Place::InBlock {
            block: block.clone(),
            index: u32::try_from(index).unwrap_or(u32::MAX),
        })
    }

    /// Every upload of a page, sharing one block.
    pub fn page(uploads: &[Upload]) -> Vec<UploadRef> {
        let block = UploadBlock::new(uploads);
        (0..block.len())
            .map(|i| UploadRef::in_block(&block, i))
            .collect()
    }

    pub fn key(&self) -> &str {
        match &self.0 {
            Place::InBlock { block, index } => block.key(*index as usize),
            Place::Alone(alone) => &alone.key,
        }
    }

    /// See [`Upload::key_undecodable`]: an abort of it is refused.
    pub fn key_undecodable(&self) -> bool {
        match &self.0 {
            Place::InBlock { block, index } => block.key_undecodable(*index as usize),
            Place::Alone(alone) => alone.key_undecodable,
        }
    }

    /// The key for a person to read: see [`shown_key`].
    pub fn shown_key(&self) -> Cow<'_, str> {
        shown_key(self.key(), self.key_undecodable())
    }

    pub fn upload_id(&self) -> Cow<'_, str> {
        match &self.0 {
            Place::InBlock { block, index } => block.upload_id(*index as usize),
            Place::Alone(alone) => Cow::Borrowed(&alone.upload_id),
        }
    }

    /// When the listing gave it; `None` for an upload named alone.
    pub fn initiated(&self) -> Option<Timestamp> {
        match &self.0 {
            Place::InBlock { block, index } => block.initiated(*index as usize),
            Place::Alone(_) => None,
        }
    }

    pub fn storage_class(&self) -> Option<&Arc<str>> {
        match &self.0 {
            Place::InBlock { block, index } => block.storage_class(*index as usize),
            Place::Alone(_) => None,
        }
    }

    /// The upload as a listing page holds it (a copy of its text).
    pub fn to_upload(&self) -> Upload {
        Upload {
            key: self.key().into(),
            upload_id: self.upload_id().into(),
            initiated: self.initiated(),
            storage_class: self.storage_class().cloned(),
            key_undecodable: self.key_undecodable(),
        }
    }

    /// Orders by key, then upload id.
    pub fn compare(&self, other: &UploadRef) -> std::cmp::Ordering {
        self.key()
            .cmp(other.key())
            .then_with(|| match (&self.0, &other.0) {
                (
                    Place::InBlock { block, index },
                    Place::InBlock {
                        block: theirs,
                        index: their_index,
                    },
                ) => block.compare_ids(*index as usize, theirs, *their_index as usize),
                _ => self.upload_id().cmp(&other.upload_id()),
            })
    }

    /// The block and place, for work on many rows of one block at once.
    pub fn block(&self) -> Option<(&Arc<UploadBlock>, usize)> {
        match &self.0 {
            Place::InBlock { block, index } => Some((block, *index as usize)),
            Place::Alone(_) => None,
        }
    }

    /// The same upload in the same shared place (not merely equal text).
    pub fn is_same(&self, other: &UploadRef) -> bool {
        match (&self.0, &other.0) {
            (Place::InBlock { block, index }, Place::InBlock { block: b, index: i }) => {
                Arc::ptr_eq(block, b) && index == i
            }
            (Place::Alone(a), Place::Alone(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl From<&Upload> for UploadRef {
    fn from(upload: &Upload) -> Self {
        UploadRef(Place::Alone(Arc::new(Alone {
            key: upload.key.clone(),
            upload_id: upload.upload_id.clone(),
            key_undecodable: upload.key_undecodable,
        })))
    }
}

impl PartialEq for UploadRef {
    fn eq(&self, other: &Self) -> bool {
        self.is_same(other)
            || (self.key() == other.key()
                && self.upload_id() == other.upload_id()
                && self.key_undecodable() == other.key_undecodable())
    }
}

impl Eq for UploadRef {}

impl Hash for UploadRef {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key().hash(state);
        self.upload_id().hash(state);
        self.key_undecodable().hash(state);
    }
}

impl fmt::Debug for UploadRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadRef")
            .field("key", &self.key())
            .field("upload_id", &self.upload_id())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(key: &str, id: &str, initiated: Option<i64>, class: Option<&str>) -> Upload {
        Upload {
            key: key.into(),
            upload_id: id.into(),
            initiated,
            storage_class: class.map(Arc::from),
            key_undecodable: false,
        }
    }

    #[test]
    fn a_block_gives_back_exactly_what_it_was_given() {
        let page = [
            upload("a/日本語", "0a1b", Some(5), Some("STANDARD")),
            upload("esc-\x1b[31m", "ff00", None, None),
            upload("", "0000", Some(-3), Some("GLACIER")),
            upload("z", "beef", Some(7), Some("STANDARD")),
        ];
        let block = UploadBlock::new(&page);
        assert!(matches!(block.ids, Ids::Hex { width: 2, .. }));
        for (i, u) in page.iter().enumerate() {
            assert_eq!(block.key(i), &*u.key);
            assert_eq!(block.upload_id(i), &*u.upload_id);
            assert_eq!(block.initiated(i), u.initiated);
            assert_eq!(
                block.storage_class(i).map(|c| &**c),
                u.storage_class.as_deref()
            );
        }
        assert_eq!(block.key(9), "");
    }

    #[test]
    fn words_are_found_inside_keys_only_and_in_either_case() {
        for keys in [
            ["xa", "aa", "a", "bAa", "host-1x"],
            ["xa", "aa", "a", "baa", "host-1x"],
        ] {
            let page: Vec<Upload> = keys.iter().map(|k| upload(k, "00", None, None)).collect();
            let block = UploadBlock::new(&page);
            for word in ["aa", "a", "host-1", "xa", "ax", "1x"] {
                let mut hits = vec![true; keys.len()];
                block.keep_keys_containing(word, &Finder::new(word), &mut hits);
                let expected: Vec<bool> = keys
                    .iter()
                    .map(|k| k.to_ascii_lowercase().contains(word))
                    .collect();
                assert_eq!(hits, expected, "{word:?} in {keys:?}");
            }
        }
    }

    #[test]
    fn ids_that_are_not_plain_lowercase_hex_are_kept_as_text() {
        for ids in [
            ["0A1B", "ff00"],
            ["0a1", "ff0"],
            ["0a1b", "ff"],
            ["2~xyz", "ab"],
        ] {
            let page = [
                upload("a", ids[0], None, None),
                upload("b", ids[1], None, None),
            ];
            let block = UploadBlock::new(&page);
            assert!(matches!(block.ids, Ids::Text { .. }), "{ids:?}");
            assert_eq!(block.upload_id(0), ids[0]);
            assert_eq!(block.upload_id(1), ids[1]);
        }
    }

    #[test]
    fn refs_compare_and_hash_by_key_and_id_wherever_they_live() {
        let page = [
            upload("k", "00ff", None, None),
            upload("k", "0100", None, None),
        ];
        let shared = UploadRef::page(&page);
        let alone = UploadRef::new("k", "00ff");
        assert_eq!(shared[0], alone);
        assert_ne!(shared[0], shared[1]);
        assert!(shared[0].is_same(&shared[0].clone()) && !shared[0].is_same(&alone));
        assert_eq!(shared[0].compare(&shared[1]), std::cmp::Ordering::Less);
        assert_eq!(alone.compare(&shared[1]), std::cmp::Ordering::Less);
        let set: std::collections::HashSet<UploadRef> = shared.iter().cloned().collect();
        assert!(set.contains(&alone));
        assert_eq!(std::mem::size_of::<UploadRef>(), 16);
    }
}
