//! Paginated listings as streams of pages, so callers can show rows as they arrive.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex, MutexGuard};

use aws_sdk_s3::Client;
use aws_sdk_s3::types::EncodingType;
use futures::Stream;
use futures::stream::try_unfold;

use super::{Entry, EntryKind, ErrorKind, S3, S3Error, Upload};

/// The most keys S3 returns in one page.
pub const MAX_PAGE: i32 = 1000;

/// Shares one allocation per storage class name across a million rows (and across the
/// listings that run side by side), so rows compare classes by pointer.
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
}

struct UploadPager {
    s3: S3,
    bucket: String,
    prefix: String,
    page_size: Option<i32>,
    after: Option<UploadMarker>,
    done: bool,
    seen_uploads: SeenUploads,
    seen_markers: HashSet<UploadMarker>,
    listed: u64,
}

fn upload_fingerprint(key: &str, upload_id: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    key.hash(&mut hasher);
    upload_id.hash(&mut hasher);
    hasher.finish()
}

/// Keys come URL-encoded when the server honoured `encoding-type=url`: XML cannot carry
/// control characters such as ESC, so one hostile key would otherwise make the page unreadable.
/// S3 writes a space as `+` (and a real `+` as `%2B`), as botocore decodes it.
pub(super) fn decode_key(raw: &str, url_encoded: bool) -> String {
    if !url_encoded {
        return raw.to_owned();
    }
    let spaced = raw.replace('+', " ");
    match percent_encoding::percent_decode_str(&spaced).decode_utf8() {
        Ok(key) => key.into_owned(),
        Err(_) => raw.to_owned(),
    }
}

pub(super) fn is_url_encoded(encoding: Option<&EncodingType>) -> bool {
    matches!(encoding, Some(EncodingType::Url))
}

/// The uploads already listed, as 8-byte fingerprints rather than copies of their keys, so a
/// million-upload listing costs megabytes here, not hundreds of them.
#[derive(Default)]
struct SeenUploads(HashSet<u64>);

impl SeenUploads {
    /// True the first time an upload (key and id together) is seen.
    fn first_sighting(&mut self, key: &str, upload_id: &str) -> bool {
        self.0.insert(upload_fingerprint(key, upload_id))
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
            let mut classes = classes();
            for folder in page.common_prefixes() {
                if let Some(prefix) = folder.prefix() {
                    entries.push(Entry {
                        kind: EntryKind::Folder,
                        key: decode_key(prefix, encoded),
                        size: 0,
                        modified: None,
                        storage_class: None,
                    });
                }
            }
            for object in page.contents() {
                let Some(key) = object.key().map(|k| decode_key(k, encoded)) else {
                    continue;
                };
                if key == p.prefix && p.delimiter.is_some() {
                    continue; // the folder's own marker object
                }
                entries.push(Entry {
                    kind: EntryKind::File,
                    key,
                    size: object.size().unwrap_or(0).max(0) as u64,
                    modified: object.last_modified().map(|d| d.secs()),
                    storage_class: classes.get(object.storage_class().map(|c| c.as_str())),
                });
            }
            drop(classes);
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
            uploads.push(Upload {
                key: decode_key(key, encoded).into(),
                upload_id: id.into(),
                initiated: upload.initiated().map(|d| d.secs()),
                storage_class: classes.get(upload.storage_class().map(|c| c.as_str())),
            });
        }
        drop(classes);
        let prefixes: Vec<String> = page
            .common_prefixes()
            .iter()
            .filter_map(|p| p.prefix())
            .map(|p| decode_key(p, encoded))
            .collect();
        if page.is_truncated() != Some(true) {
            return Ok(UploadPage {
                uploads,
                prefixes,
                next: None,
            });
        }
        let next = match non_empty(page.next_key_marker()) {
            Some(key) => UploadMarker {
                key: decode_key(&key, encoded),
                upload_id: page.next_upload_id_marker().map(str::to_owned),
            },
            None => match uploads.last() {
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

    /// Every incomplete multipart upload in `bucket` (under `prefix`), page by page, one
    /// page after the other.
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
            s3: self.clone(),
            bucket: bucket.to_owned(),
            prefix: prefix.unwrap_or_default().to_owned(),
            page_size,
            after: None,
            done: false,
            seen_uploads: SeenUploads::default(),
            seen_markers: HashSet::new(),
            listed: 0,
        };
        try_unfold(pager, |mut p| async move {
            if p.done {
                return Ok(None);
            }
            let page =
                p.s3.list_uploads_page(&p.bucket, &p.prefix, None, p.after.as_ref(), p.page_size)
                    .await
                    .map_err(|err| match err.kind {
                        ErrorKind::Protocol => S3Error::new(
                            ErrorKind::Protocol,
                            format!("{} (after {} uploads)", err.message, p.listed),
                        ),
                        _ => err,
                    })?;
            let mut uploads = page.uploads;
            uploads.retain(|u| p.seen_uploads.first_sighting(&u.key, &u.upload_id));
            p.listed += uploads.len() as u64;
            let Some(next) = page.next else {
                p.done = true;
                return Ok(Some((uploads, p)));
            };
            if !p.seen_markers.insert(next.clone()) {
                return Err(S3Error::new(
                    ErrorKind::Protocol,
                    format!(
                        "the server sent the same paging marker twice (key {:?}); stopped after {} uploads instead of looping",
                        next.key, p.listed
                    ),
                ));
            }
            p.after = Some(next);
            Ok(Some((uploads, p)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_encoded_keys_are_decoded_exactly() {
        assert_eq!(
            decode_key("weird/esc-%1B%5B31m.bin", true),
            "weird/esc-\x1b[31m.bin"
        );
        assert_eq!(decode_key("a+b%2Bc", true), "a b+c");
        assert_eq!(decode_key("%E6%97%A5%E6%9C%AC", true), "日本");
        assert_eq!(decode_key("a+b%2Bc", false), "a+b%2Bc");
        assert_eq!(decode_key("bad-%FF", true), "bad-%FF");
    }

    #[test]
    fn an_upload_repeated_across_pages_is_kept_once() {
        let mut seen = SeenUploads::default();
        assert!(seen.first_sighting("a/file.bin", "id-1"));
        assert!(!seen.first_sighting("a/file.bin", "id-1"));
        assert!(!seen.first_sighting("a/file.bin", "id-1"));
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
        // Hashing "ab"+"c" and "a"+"bc" must not give one fingerprint.
        assert_ne!(upload_fingerprint("ab", "c"), upload_fingerprint("a", "bc"));
        assert_ne!(upload_fingerprint("", "x"), upload_fingerprint("x", ""));
    }

    #[test]
    fn a_hundred_thousand_distinct_uploads_are_all_first_sightings() {
        let mut seen = SeenUploads::default();
        let fresh = (0..100_000)
            .filter(|i| seen.first_sighting(&format!("k/{}", i % 1_000), &format!("id-{i}")))
            .count();
        assert_eq!(fresh, 100_000);
        let again = (0..100_000)
            .filter(|i| seen.first_sighting(&format!("k/{}", i % 1_000), &format!("id-{i}")))
            .count();
        assert_eq!(again, 0);
    }
}
