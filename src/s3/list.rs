//! Paginated listings as streams of pages, so callers can show rows as they arrive.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

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
                    storage_class: p.classes.get(object.storage_class().map(|c| c.as_str())),
                });
            }
            match non_empty(page.next_continuation_token()) {
                Some(next) if page.is_truncated() == Some(true) => p.token = Some(next),
                _ => p.done = true,
            }
            Ok(Some((entries, p)))
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
            let mut last: Option<(String, String)> = None;
            for upload in page.uploads() {
                let (Some(key), Some(id)) = (upload.key(), upload.upload_id()) else {
                    continue;
                };
                let key = decode_key(key, encoded);
                last = Some((key.clone(), id.to_owned()));
                if !p.seen_uploads.first_sighting(&key, id) {
                    continue;
                }
                uploads.push(Upload {
                    key: key.into(),
                    upload_id: id.into(),
                    initiated: upload.initiated().map(|d| d.secs()),
                    storage_class: p.classes.get(upload.storage_class().map(|c| c.as_str())),
                });
            }
            p.listed += uploads.len() as u64;
            if page.is_truncated() != Some(true) {
                p.done = true;
                return Ok(Some((uploads, p)));
            }
            let next = match (
                non_empty(page.next_key_marker()).map(|k| decode_key(&k, encoded)),
                page.next_upload_id_marker(),
            ) {
                (Some(key), id) => (Some(key), id.map(str::to_owned)),
                (None, _) => match last {
                    Some((key, id)) => (Some(key), Some(id)),
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
