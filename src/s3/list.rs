//! Paginated listings as streams of pages, so callers can show rows as they arrive.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};

use aws_sdk_s3::Client;
use aws_sdk_s3::types::EncodingType;
use futures::Stream;
use futures::stream::try_unfold;

use super::{Entry, EntryKind, ErrorKind, S3, S3Error, Upload};

/// The most keys S3 returns in one page.
pub const MAX_PAGE: i32 = 1000;

/// Shares one allocation per storage class name across a million rows.
#[derive(Default)]
struct Interner(Vec<Arc<str>>);

impl Interner {
    fn get(&mut self, name: Option<&str>) -> Option<Arc<str>> {
        let name = name?;
        if let Some(found) = self.0.iter().find(|s| &***s == name) {
            return Some(found.clone());
        }
        let new: Arc<str> = Arc::from(name);
        self.0.push(new.clone());
        Some(new)
    }
}

/// The interner of [`S3::list_uploads_page`]: one allocation per storage class name across
/// the pages that a split listing reads side by side.
static CLASSES: Mutex<Interner> = Mutex::new(Interner(Vec::new()));

fn classes() -> MutexGuard<'static, Interner> {
    // The interner holds no invariant a panic could break half-way.
    CLASSES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Where a listing of uploads goes on from: after this key, or, with an upload id, after that
/// upload of it. Sent back exactly as the server gave it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UploadMarker {
    pub key: String,
    pub upload_id: Option<String>,
}

/// One page of ListMultipartUploads.
#[derive(Debug, Default)]
pub struct UploadPage {
    /// In the order the server sent them (Garage: by upload id within a page).
    pub uploads: Vec<Upload>,
    /// With a delimiter: the sub-prefixes rolled up on this page, each ending in the delimiter.
    pub prefixes: Vec<String>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<UploadMarker>,
}

struct FolderPager {
    client: Client,
    bucket: String,
    prefix: String,
    delimiter: Option<String>,
    token: Option<String>,
    done: bool,
    classes: Interner,
}

struct UploadPager {
    client: Client,
    bucket: String,
    prefix: Option<String>,
    page_size: Option<i32>,
    key_marker: Option<String>,
    upload_id_marker: Option<String>,
    done: bool,
    seen_uploads: SeenUploads,
    seen_markers: HashSet<(Option<String>, Option<String>)>,
    listed: u64,
    classes: Interner,
}

/// A key from a listing, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum DecodedKey {
    Text(String),
    /// Not UTF-8 once decoded: kept as the server URL-encoded it. Decoding it with
    /// replacement characters, or keeping the encoded text as the key, would name a
    /// different key (`x%FF` is not `x\xFF`).
    Undecodable(String),
}

impl DecodedKey {
    /// The key text and whether it is undecodable, as our types carry them.
    pub(super) fn into_parts(self) -> (String, bool) {
        match self {
            DecodedKey::Text(key) => (key, false),
            DecodedKey::Undecodable(encoded) => (encoded, true),
        }
    }

    /// A paging marker to send back: a key that is not UTF-8 cannot be sent, and any other
    /// text would make the server resume somewhere else.
    pub(super) fn into_marker(self) -> Result<String, S3Error> {
        match self {
            DecodedKey::Text(key) => Ok(key),
            DecodedKey::Undecodable(encoded) => Err(S3Error::new(
                ErrorKind::UndecodableKey,
                format!(
                    "the listing cannot go on: the server's paging marker {} is not UTF-8, \
                     and partsweep can only send text",
                    super::shown_key(&encoded, true)
                ),
            )),
        }
    }
}

/// Keys come URL-encoded when the server honoured `encoding-type=url`: XML cannot carry
/// control characters such as ESC, so one hostile key would otherwise make the page unreadable.
/// S3 writes a space as `+` (and a real `+` as `%2B`), as botocore decodes it.
pub(super) fn decode_key(raw: &str, url_encoded: bool) -> DecodedKey {
    if !url_encoded {
        return DecodedKey::Text(raw.to_owned());
    }
    let spaced = raw.replace('+', " ");
    match percent_encoding::percent_decode_str(&spaced).decode_utf8() {
        Ok(key) => DecodedKey::Text(key.into_owned()),
        Err(_) => DecodedKey::Undecodable(raw.to_owned()),
    }
}

pub(super) fn is_url_encoded(encoding: Option<&EncodingType>) -> bool {
    matches!(encoding, Some(EncodingType::Url))
}

/// The exact key and upload id of every upload on the page being read and on the page before.
///
/// A server that resumes at or before its own marker repeats uploads of the page before; one
/// that went back further would send a marker again, which ends the listing. Comparing exact
/// pairs, never fingerprints, means no upload can hide behind another's (an uploader chooses
/// keys); keeping two pages, not the whole listing, keeps a million-upload listing small.
#[derive(Default)]
struct SeenUploads {
    previous_page: HashSet<(Box<str>, Box<str>)>,
    this_page: HashSet<(Box<str>, Box<str>)>,
}

impl SeenUploads {
    /// False for an upload (key and id together) already on this page or the one before.
    fn first_sighting(&mut self, key: &str, upload_id: &str) -> bool {
        let upload = (Box::from(key), Box::from(upload_id));
        let on_previous_page = self.previous_page.contains(&upload);
        self.this_page.insert(upload) && !on_previous_page
    }

    fn next_page(&mut self) {
        self.previous_page = std::mem::take(&mut self.this_page);
    }
}

fn non_empty(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_owned)
}

impl S3 {
    /// One folder level: sub-folders (common prefixes) and the files directly in it.
    pub fn list_folder(
        &self,
        bucket: &str,
        prefix: &str,
    ) -> impl Stream<Item = Result<Vec<Entry>, S3Error>> + Send + 'static {
        self.list_objects(bucket, prefix, Some("/"))
    }

    /// Every object under `prefix`, at any depth.
    pub fn list_all_objects(
        &self,
        bucket: &str,
        prefix: &str,
    ) -> impl Stream<Item = Result<Vec<Entry>, S3Error>> + Send + 'static {
        self.list_objects(bucket, prefix, None)
    }

    fn list_objects(
        &self,
        bucket: &str,
        prefix: &str,
        delimiter: Option<&str>,
    ) -> impl Stream<Item = Result<Vec<Entry>, S3Error>> + Send + 'static {
        let pager = FolderPager {
            client: self.client.clone(),
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
            delimiter: delimiter.map(str::to_owned),
            token: None,
            done: false,
            classes: Interner::default(),
        };
        try_unfold(pager, |mut p| async move {
            if p.done {
                return Ok(None);
            }
            let page = p
                .client
                .list_objects_v2()
                .bucket(&p.bucket)
                .set_prefix(Some(p.prefix.clone()).filter(|s| !s.is_empty()))
                .set_delimiter(p.delimiter.clone())
                .set_continuation_token(p.token.take())
                .encoding_type(EncodingType::Url)
                .send()
                .await
                .map_err(S3Error::from)?;
            let encoded = is_url_encoded(page.encoding_type());
            let mut entries = Vec::with_capacity(page.key_count().unwrap_or(0).max(0) as usize);
            for folder in page.common_prefixes() {
                if let Some(prefix) = folder.prefix() {
                    let (key, key_undecodable) = decode_key(prefix, encoded).into_parts();
                    entries.push(Entry {
                        kind: EntryKind::Folder,
                        key,
                        size: 0,
                        modified: None,
                        storage_class: None,
                        key_undecodable,
                    });
                }
            }
            for object in page.contents() {
                let Some(key) = object.key() else {
                    continue;
                };
                let (key, key_undecodable) = decode_key(key, encoded).into_parts();
                if key == p.prefix && !key_undecodable && p.delimiter.is_some() {
                    continue; // the folder's own marker object
                }
                entries.push(Entry {
                    kind: EntryKind::File,
                    key,
                    size: object.size().unwrap_or(0).max(0) as u64,
                    modified: object.last_modified().map(|d| d.secs()),
                    storage_class: p.classes.get(object.storage_class().map(|c| c.as_str())),
                    key_undecodable,
                });
            }
            match non_empty(page.next_continuation_token()) {
                Some(next) if page.is_truncated() == Some(true) => p.token = Some(next),
                _ => p.done = true,
            }
            Ok(Some((entries, p)))
        })
    }

    /// One page of incomplete uploads under `prefix`, after `after`. With a `delimiter`, keys
    /// that hold it past the prefix come back rolled up as [`UploadPage::prefixes`].
    ///
    /// With a delimiter, keys are asked for as they are, not URL-encoded: Garage 2.5 encodes
    /// keys but not the rolled-up prefixes, and a raw `a+b/` could not be told from an encoded
    /// `a b/`. A key XML cannot carry (ESC) then makes the page unreadable: a
    /// [`ErrorKind::Protocol`] error, after which the caller pages on without the delimiter.
    pub async fn list_uploads_page(
        &self,
        bucket: &str,
        prefix: &str,
        delimiter: Option<&str>,
        after: Option<&UploadMarker>,
        page_size: Option<i32>,
    ) -> Result<UploadPage, S3Error> {
        let page = self
            .client
            .list_multipart_uploads()
            .bucket(bucket)
            .set_prefix(Some(prefix.to_owned()).filter(|p| !p.is_empty()))
            .set_delimiter(delimiter.map(str::to_owned))
            .set_key_marker(after.map(|m| m.key.clone()))
            .set_upload_id_marker(after.and_then(|m| m.upload_id.clone()))
            .set_max_uploads(page_size)
            .set_encoding_type(delimiter.is_none().then_some(EncodingType::Url))
            .send()
            .await
            .map_err(S3Error::from)?;
        let encoded = is_url_encoded(page.encoding_type());
        let mut uploads = Vec::with_capacity(page.uploads().len());
        let mut classes = classes();
        for upload in page.uploads() {
            let (Some(key), Some(id)) = (upload.key(), upload.upload_id()) else {
                continue;
            };
            let (key, key_undecodable) = decode_key(key, encoded).into_parts();
            uploads.push(Upload {
                key: key.into(),
                upload_id: id.into(),
                initiated: upload.initiated().map(|d| d.secs()),
                storage_class: classes.get(upload.storage_class().map(|c| c.as_str())),
                key_undecodable,
            });
        }
        drop(classes);
        let prefixes: Vec<String> = page
            .common_prefixes()
            .iter()
            .filter_map(|p| p.prefix())
            .map(|p| decode_key(p, encoded).into_marker())
            .collect::<Result<_, _>>()?;
        if page.is_truncated() != Some(true) {
            return Ok(UploadPage {
                uploads,
                prefixes,
                next: None,
            });
        }
        let next = match non_empty(page.next_key_marker()) {
            Some(key) => UploadMarker {
                key: decode_key(&key, encoded).into_marker()?,
                upload_id: page.next_upload_id_marker().map(str::to_owned),
            },
            None => match uploads.last().filter(|last| !last.key_undecodable) {
                Some(last) => UploadMarker {
                    key: last.key.to_string(),
                    upload_id: Some(last.upload_id.to_string()),
                },
                None => {
                    return Err(S3Error::new(
                        ErrorKind::Protocol,
                        "the server said the upload list goes on but gave no marker",
                    ));
                }
            },
        };
        Ok(UploadPage {
            uploads,
            prefixes,
            next: Some(next),
        })
    }

    /// Every incomplete multipart upload in `bucket` (under `prefix`), page by page.
    ///
    /// Survives servers that order uploads by id within a page, send odd markers
    /// (returned exactly as received), or repeat an upload across pages; a marker that
    /// comes back a second time ends the stream with a [`ErrorKind::Protocol`] error
    /// instead of looping forever.
    pub fn list_uploads(
        &self,
        bucket: &str,
        prefix: Option<&str>,
        page_size: Option<i32>,
    ) -> impl Stream<Item = Result<Vec<Upload>, S3Error>> + Send + 'static {
        let pager = UploadPager {
            client: self.client.clone(),
            bucket: bucket.to_owned(),
            prefix: prefix.filter(|p| !p.is_empty()).map(str::to_owned),
            page_size,
            key_marker: None,
            upload_id_marker: None,
            done: false,
            seen_uploads: SeenUploads::default(),
            seen_markers: HashSet::new(),
            listed: 0,
            classes: Interner::default(),
        };
        try_unfold(pager, |mut p| async move {
            if p.done {
                return Ok(None);
            }
            let page = p
                .client
                .list_multipart_uploads()
                .bucket(&p.bucket)
                .set_prefix(p.prefix.clone())
                .set_key_marker(p.key_marker.clone())
                .set_upload_id_marker(p.upload_id_marker.clone())
                .set_max_uploads(p.page_size)
                .encoding_type(EncodingType::Url)
                .send()
                .await
                .map_err(S3Error::from)?;
            let encoded = is_url_encoded(page.encoding_type());
            let mut uploads = Vec::with_capacity(page.uploads().len());
            for upload in page.uploads() {
                let (Some(key), Some(id)) = (upload.key(), upload.upload_id()) else {
                    continue;
                };
                let (key, key_undecodable) = decode_key(key, encoded).into_parts();
                if !p.seen_uploads.first_sighting(&key, id) {
                    continue;
                }
                uploads.push(Upload {
                    key: key.into(),
                    upload_id: id.into(),
                    initiated: upload.initiated().map(|d| d.secs()),
                    storage_class: p.classes.get(upload.storage_class().map(|c| c.as_str())),
                    key_undecodable,
                });
            }
            p.listed += uploads.len() as u64;
            p.seen_uploads.next_page();
            if page.is_truncated() != Some(true) {
                p.done = true;
                return Ok(Some((uploads, p)));
            }
            let last = page
                .uploads()
                .iter()
                .rev()
                .find_map(|upload| Some((upload.key()?, upload.upload_id()?)))
                .map(|(key, id)| (decode_key(key, encoded), id.to_owned()));
            let next = match (
                non_empty(page.next_key_marker()).map(|k| decode_key(&k, encoded)),
                page.next_upload_id_marker(),
            ) {
                (Some(key), id) => (Some(key.into_marker()?), id.map(str::to_owned)),
                (None, _) => match last {
                    Some((key, id)) => (Some(key.into_marker()?), Some(id)),
                    None => {
                        return Err(S3Error::new(
                            ErrorKind::Protocol,
                            format!(
                                "the server said the upload list goes on but gave no marker (after {} uploads)",
                                p.listed
                            ),
                        ));
                    }
                },
            };
            if !p.seen_markers.insert(next.clone()) {
                return Err(S3Error::new(
                    ErrorKind::Protocol,
                    format!(
                        "the server sent the same paging marker twice (key {:?}); stopped after {} uploads instead of looping",
                        next.0.as_deref().unwrap_or(""),
                        p.listed
                    ),
                ));
            }
            (p.key_marker, p.upload_id_marker) = next;
            Ok(Some((uploads, p)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(key: &str) -> DecodedKey {
        DecodedKey::Text(key.into())
    }

    #[test]
    fn url_encoded_keys_are_decoded_exactly() {
        assert_eq!(
            decode_key("weird/esc-%1B%5B31m.bin", true),
            text("weird/esc-\x1b[31m.bin")
        );
        assert_eq!(decode_key("a+b%2Bc", true), text("a b+c"));
        assert_eq!(decode_key("%E6%97%A5%E6%9C%AC", true), text("日本"));
        assert_eq!(decode_key("a+b%2Bc", false), text("a+b%2Bc"));
    }

    #[test]
    fn a_key_that_is_not_utf8_stays_encoded_and_is_flagged_never_passed_as_text() {
        let decoded = decode_key("bad-%FF", true);
        assert_eq!(decoded, DecodedKey::Undecodable("bad-%FF".into()));
        assert_eq!(decoded.clone().into_parts(), ("bad-%FF".into(), true));
        let marker = decoded.into_marker().expect_err("no marker of another key");
        assert_eq!(marker.kind, ErrorKind::UndecodableKey);
        assert!(marker.message.contains("bad-\\xff"), "{}", marker.message);
    }

    /// Two keys whose std `DefaultHasher` fingerprints (SipHash-1-3 with fixed zero keys) of
    /// (key, upload id) are equal: a birthday search found them in minutes on one core, as an
    /// uploader could. A fingerprint set took the second for a repeat of the first and hid it.
    const COLLIDING_KEYS: [&str; 2] = ["evil/b18949232b3c3677", "evil/2c51dc60a43a6cac"];
    const COLLIDING_ID: &str = "2f1c9a";

    #[test]
    fn an_upload_whose_fixed_key_fingerprint_collides_with_another_is_still_listed() {
        let mut seen = SeenUploads::default();
        assert!(seen.first_sighting(COLLIDING_KEYS[0], COLLIDING_ID));
        assert!(
            seen.first_sighting(COLLIDING_KEYS[1], COLLIDING_ID),
            "a different key with a colliding fingerprint was hidden as a repeat"
        );
    }

    #[test]
    fn an_upload_repeated_on_its_page_or_the_next_is_kept_once() {
        let mut seen = SeenUploads::default();
        assert!(seen.first_sighting("a/file.bin", "id-1"));
        assert!(!seen.first_sighting("a/file.bin", "id-1"));
        seen.next_page();
        assert!(!seen.first_sighting("a/file.bin", "id-1"));
        seen.next_page();
        assert!(
            !seen.first_sighting("a/file.bin", "id-1"),
            "seen on the page before"
        );
    }

    #[test]
    fn uploads_of_one_key_and_one_id_on_two_keys_are_all_distinct() {
        let mut seen = SeenUploads::default();
        assert!(seen.first_sighting("same/key", "id-1"));
        assert!(seen.first_sighting("same/key", "id-2"));
        assert!(seen.first_sighting("other/key", "id-1"));
    }

    #[test]
    fn the_boundary_between_key_and_id_counts() {
        let mut seen = SeenUploads::default();
        assert!(seen.first_sighting("ab", "c"));
        assert!(seen.first_sighting("a", "bc"));
        assert!(seen.first_sighting("", "x"));
        assert!(seen.first_sighting("x", ""));
    }
}
