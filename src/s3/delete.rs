//! Deleting: object versions and delete markers (ListObjectVersions), DeleteObjects with
//! per-key results, and counting what keeps a bucket from being deleted.

use std::borrow::Cow;
use std::collections::HashSet;

use aws_sdk_s3::Client;
use aws_sdk_s3::operation::delete_objects::DeleteObjectsOutput;
use aws_sdk_s3::types::{Delete, EncodingType, ObjectIdentifier};
use futures::stream::try_unfold;
use futures::{Stream, TryStreamExt};

use super::list::{decode_key, is_url_encoded};
use super::{Entry, ErrorKind, S3, S3Error, shown_key};

/// The most keys one DeleteObjects call accepts.
pub const MAX_DELETE_BATCH: usize = 1000;

/// One thing DeleteObjects can remove: an object, or one version of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectId {
    pub key: String,
    /// `None` deletes the current object (on a versioned bucket: adds a delete marker).
    pub version_id: Option<String>,
    /// See [`super::Upload::key_undecodable`]: a delete of it is refused.
    pub key_undecodable: bool,
}

impl ObjectId {
    /// An object named by text (the console's marks, a command line): always decodable.
    pub fn key(key: impl Into<String>) -> Self {
        ObjectId {
            key: key.into(),
            version_id: None,
            key_undecodable: false,
        }
    }

    /// The key for a person to read: see [`shown_key`].
    pub fn shown_key(&self) -> Cow<'_, str> {
        shown_key(&self.key, self.key_undecodable)
    }
}

impl From<Entry> for ObjectId {
    fn from(entry: Entry) -> Self {
        ObjectId {
            key: entry.key,
            version_id: None,
            key_undecodable: entry.key_undecodable,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionKind {
    /// The version a plain GET returns.
    Current,
    /// A noncurrent version: invisible in the file list, still stored and billed.
    Old,
    DeleteMarker,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionEntry {
    pub id: ObjectId,
    pub kind: VersionKind,
}

/// A key the server refused to delete, as DeleteObjects reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFailure {
    pub key: String,
    pub version_id: Option<String>,
    pub code: Option<String>,
    pub message: String,
    /// See [`super::Upload::key_undecodable`].
    pub key_undecodable: bool,
}

impl KeyFailure {
    /// The whole call for `object` failed with `err`.
    pub fn of(object: &ObjectId, err: &S3Error) -> Self {
        KeyFailure {
            key: object.key.clone(),
            version_id: object.version_id.clone(),
            code: err.code.clone(),
            message: err.display_line(),
            key_undecodable: object.key_undecodable,
        }
    }

    /// `photos/a.jpg: Access Denied (AccessDenied)`.
    pub fn display_line(&self) -> String {
        let mut line = shown_key(&self.key, self.key_undecodable).into_owned();
        if let Some(version) = &self.version_id {
            line.push_str(&format!(" (version {})", crate::text::escape(version)));
        }
        line.push_str(": ");
        line.push_str(&crate::text::escape(&self.message));
        if let Some(code) = &self.code
            && !self.message.contains(code.as_str())
        {
            line.push_str(&format!(" ({})", crate::text::escape(code)));
        }
        line
    }
}

/// What one DeleteObjects call did, key by key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    pub deleted: usize,
    pub failed: Vec<KeyFailure>,
}

/// What stands between a bucket and DeleteBucket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BucketContents {
    /// Current objects: what the file list shows.
    pub objects: u64,
    /// Noncurrent versions; `None` when the server cannot list versions.
    pub old_versions: Option<u64>,
    /// Delete markers; `None` when the server cannot list versions.
    pub delete_markers: Option<u64>,
    pub uploads: u64,
}

impl BucketContents {
    pub fn versions_listed(&self) -> bool {
        self.old_versions.is_some()
    }

    /// Nothing at all, incomplete uploads included (some providers count those too).
    pub fn is_empty(&self) -> bool {
        self.objects == 0
            && self.old_versions.unwrap_or(0) == 0
            && self.delete_markers.unwrap_or(0) == 0
            && self.uploads == 0
    }

    /// `214 files, 0 old versions, 0 delete markers, 37 incomplete uploads`.
    pub fn summary(&self) -> String {
        let plural = |n: u64, one: &str, many: &str| {
            format!(
                "{} {}",
                crate::format::count(n),
                if n == 1 { one } else { many }
            )
        };
        let mut parts = vec![plural(self.objects, "file", "files")];
        match (self.old_versions, self.delete_markers) {
            (Some(old), Some(markers)) => {
                parts.push(plural(old, "old version", "old versions"));
                parts.push(plural(markers, "delete marker", "delete markers"));
            }
            _ => parts.push("old versions not listed".into()),
        }
        parts.push(plural(
            self.uploads,
            "incomplete upload",
            "incomplete uploads",
        ));
        parts.join(", ")
    }
}

/// Versions under a prefix, as ListObjectVersions counts them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VersionCounts {
    /// Versions a plain GET returns: what the file list shows.
    pub current: u64,
    /// Noncurrent versions: hidden from the file list, still stored and billed.
    pub old: u64,
    pub delete_markers: u64,
}

impl VersionCounts {
    /// After deleting every listed object under `prefix` on a versioned bucket: what is still
    /// stored there, in words. `None` when nothing is. A delete without a version id only adds
    /// a delete marker, so the folder vanishes from the file list while its data stays.
    pub fn left_after_delete(&self, prefix: &str) -> Option<String> {
        if self.old == 0 && self.delete_markers == 0 && self.current == 0 {
            return None;
        }
        let plural = |n: u64, one: &str, many: &str| {
            format!(
                "{} {}",
                crate::format::count(n),
                if n == 1 { one } else { many }
            )
        };
        let place = if prefix.is_empty() {
            "the bucket".to_owned()
        } else {
            crate::text::escape(prefix).into_owned()
        };
        let mut line = format!(
            "Versioning is on: {place} still holds {} and {} (stored and billed, not shown in the file list)",
            plural(self.old, "older version", "older versions"),
            plural(self.delete_markers, "delete marker", "delete markers"),
        );
        if self.current > 0 {
            line.push_str(&format!(
                ", plus {} written since the listing",
                plural(self.current, "object", "objects")
            ));
        }
        line.push_str(". Empty and delete removes them with the bucket.");
        Some(line)
    }
}

/// Whether a key can be named in an XML request body. XML 1.0 has no way to write most
/// control characters (ESC, for one), escaped or not, so a strict server rejects the whole
/// DeleteObjects call; such keys are deleted one by one instead, with no body at all.
pub fn xml_can_carry(key: &str) -> bool {
    key.chars().all(|c| {
        matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
    })
}

/// The server does not implement the call (Garage and some others lack versioning).
pub fn is_unsupported(err: &S3Error) -> bool {
    matches!(
        err.code.as_deref(),
        Some("NotImplemented" | "MethodNotAllowed" | "NotSupported")
    ) || matches!(err.status, Some(501 | 405))
}

/// Reads a DeleteObjects answer: it reports refusals per key, even on HTTP 200.
pub fn batch_outcome(requested: usize, output: &DeleteObjectsOutput) -> BatchOutcome {
    let failed: Vec<KeyFailure> = output
        .errors()
        .iter()
        .map(|error| KeyFailure {
            key: error.key().unwrap_or_default().to_owned(),
            version_id: error.version_id().map(str::to_owned),
            code: error.code().map(str::to_owned),
            message: error
                .message()
                .filter(|m| !m.is_empty())
                .or(error.code())
                .unwrap_or("refused without a reason")
                .to_owned(),
            key_undecodable: false,
        })
        .collect();
    BatchOutcome {
        deleted: requested.saturating_sub(failed.len()),
        failed,
    }
}

struct VersionPager {
    client: Client,
    bucket: String,
    prefix: Option<String>,
    key_marker: Option<String>,
    version_id_marker: Option<String>,
    done: bool,
    seen_markers: HashSet<(Option<String>, Option<String>)>,
}

impl S3 {
    /// Every version and delete marker under `prefix`, page by page.
    /// Servers without versioning answer with an error that [`is_unsupported`] recognises.
    pub fn list_versions(
        &self,
        bucket: &str,
        prefix: &str,
    ) -> impl Stream<Item = Result<Vec<VersionEntry>, S3Error>> + Send + 'static {
        let pager = VersionPager {
            client: self.client.clone(),
            bucket: bucket.to_owned(),
            prefix: Some(prefix.to_owned()).filter(|p| !p.is_empty()),
            key_marker: None,
            version_id_marker: None,
            done: false,
            seen_markers: HashSet::new(),
        };
        try_unfold(pager, |mut p| async move {
            if p.done {
                return Ok(None);
            }
            let page = p
                .client
                .list_object_versions()
                .bucket(&p.bucket)
                .set_prefix(p.prefix.clone())
                .set_key_marker(p.key_marker.take())
                .set_version_id_marker(p.version_id_marker.take())
                .encoding_type(EncodingType::Url)
                .send()
                .await
                .map_err(S3Error::from)?;
            let encoded = is_url_encoded(page.encoding_type());
            let mut entries =
                Vec::with_capacity(page.versions().len() + page.delete_markers().len());
            for version in page.versions() {
                let Some(key) = version.key() else { continue };
                let (key, key_undecodable) = decode_key(key, encoded).into_parts();
                entries.push(VersionEntry {
                    id: ObjectId {
                        key,
                        version_id: version.version_id().map(str::to_owned),
                        key_undecodable,
                    },
                    kind: if version.is_latest() == Some(false) {
                        VersionKind::Old
                    } else {
                        VersionKind::Current
                    },
                });
            }
            for marker in page.delete_markers() {
                let Some(key) = marker.key() else { continue };
                let (key, key_undecodable) = decode_key(key, encoded).into_parts();
                entries.push(VersionEntry {
                    id: ObjectId {
                        key,
                        version_id: marker.version_id().map(str::to_owned),
                        key_undecodable,
                    },
                    kind: VersionKind::DeleteMarker,
                });
            }
            if page.is_truncated() != Some(true) {
                p.done = true;
                return Ok(Some((entries, p)));
            }
            let next_key = match page.next_key_marker().filter(|m| !m.is_empty()) {
                Some(marker) => Some(decode_key(marker, encoded).into_marker()?),
                None => None,
            };
            let next = (
                next_key,
                page.next_version_id_marker()
                    .filter(|m| !m.is_empty())
                    .map(str::to_owned),
            );
            if next.0.is_none() || !p.seen_markers.insert(next.clone()) {
                return Err(S3Error::new(
                    ErrorKind::Protocol,
                    "the server's version listing goes on without a new marker; stopped instead of looping",
                ));
            }
            (p.key_marker, p.version_id_marker) = next;
            Ok(Some((entries, p)))
        })
    }

    /// Deletes at most [`MAX_DELETE_BATCH`] objects: one DeleteObjects call, plus one
    /// DeleteObject call per key that XML cannot carry (see [`xml_can_carry`]).
    /// `Err` means the whole DeleteObjects call failed; refusals of single keys are in the
    /// outcome, keys that are not UTF-8 among them (refused here, never sent).
    pub async fn delete_objects(
        &self,
        bucket: &str,
        objects: &[ObjectId],
    ) -> Result<BatchOutcome, S3Error> {
        let (undecodable, objects): (Vec<&ObjectId>, Vec<&ObjectId>) =
            objects.iter().partition(|object| object.key_undecodable);
        let (in_xml, one_by_one): (Vec<&ObjectId>, Vec<&ObjectId>) = objects
            .into_iter()
            .partition(|object| xml_can_carry(&object.key));
        let mut outcome = self.delete_in_one_call(bucket, &in_xml).await?;
        for object in one_by_one {
            let result = self
                .client
                .delete_object()
                .bucket(bucket)
                .key(&object.key)
                .set_version_id(object.version_id.clone())
                .send()
                .await;
            match result {
                Ok(_) => outcome.deleted += 1,
                Err(err) => outcome
                    .failed
                    .push(KeyFailure::of(object, &S3Error::from(err))),
            }
        }
        outcome.failed.extend(
            undecodable
                .into_iter()
                .map(|object| KeyFailure::of(object, &S3Error::undecodable_key())),
        );
        Ok(outcome)
    }

    async fn delete_in_one_call(
        &self,
        bucket: &str,
        objects: &[&ObjectId],
    ) -> Result<BatchOutcome, S3Error> {
        if objects.is_empty() {
            return Ok(BatchOutcome::default());
        }
        let identifiers = objects
            .iter()
            .map(|object| {
                ObjectIdentifier::builder()
                    .key(&object.key)
                    .set_version_id(object.version_id.clone())
                    .build()
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|err| S3Error::new(ErrorKind::Other, err.to_string()))?;
        let delete = Delete::builder()
            .set_objects(Some(identifiers))
            .quiet(true)
            .build()
            .map_err(|err| S3Error::new(ErrorKind::Other, err.to_string()))?;
        let output = self
            .client
            .delete_objects()
            .bucket(bucket)
            .delete(delete)
            .customize()
            .mutate_request(self.body_checksums())
            .config_override(super::one_attempt())
            .send()
            .await?;
        Ok(batch_outcome(objects.len(), &output))
    }

    /// Counts every version under `prefix`; `None` when the server cannot list versions.
    pub async fn count_versions(
        &self,
        bucket: &str,
        prefix: &str,
    ) -> Result<Option<VersionCounts>, S3Error> {
        let counted = self
            .list_versions(bucket, prefix)
            .try_fold(VersionCounts::default(), |mut counts, page| {
                for entry in page {
                    match entry.kind {
                        VersionKind::Current => counts.current += 1,
                        VersionKind::Old => counts.old += 1,
                        VersionKind::DeleteMarker => counts.delete_markers += 1,
                    }
                }
                std::future::ready(Ok(counts))
            })
            .await;
        match counted {
            Ok(counts) => Ok(Some(counts)),
            Err(err) if is_unsupported(&err) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Counts objects, versions, delete markers and incomplete uploads. Falls back to the
    /// plain object listing when the server cannot list versions.
    pub async fn count_contents(&self, bucket: &str) -> Result<BucketContents, S3Error> {
        let mut contents = BucketContents::default();
        match self.count_versions(bucket, "").await? {
            Some(versions) => {
                contents.objects = versions.current;
                contents.old_versions = Some(versions.old);
                contents.delete_markers = Some(versions.delete_markers);
            }
            None => {
                contents.objects = self
                    .list_all_objects(bucket, "")
                    .try_fold(0u64, |n, page| {
                        std::future::ready(Ok(n + page.len() as u64))
                    })
                    .await?;
            }
        }
        contents.uploads = self
            .list_uploads(bucket, None, None)
            .try_fold(0u64, |n, page| {
                std::future::ready(Ok(n + page.len() as u64))
            })
            .await?;
        Ok(contents)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_key_errors_in_a_successful_answer_are_reported_one_by_one() {
        let output = DeleteObjectsOutput::builder()
            .errors(
                aws_sdk_s3::types::Error::builder()
                    .key("photos/locked.jpg")
                    .code("AccessDenied")
                    .message("Access Denied")
                    .build(),
            )
            .errors(
                aws_sdk_s3::types::Error::builder()
                    .key("photos/held.jpg")
                    .version_id("v7")
                    .code("InvalidRequest")
                    .build(),
            )
            .build();
        let outcome = batch_outcome(5, &output);
        assert_eq!(outcome.deleted, 3);
        assert_eq!(outcome.failed.len(), 2);
        assert_eq!(
            outcome.failed[0].display_line(),
            "photos/locked.jpg: Access Denied (AccessDenied)"
        );
        assert_eq!(
            outcome.failed[1].display_line(),
            "photos/held.jpg (version v7): InvalidRequest"
        );
    }

    #[test]
    fn contents_summary_says_what_is_there() {
        let contents = BucketContents {
            objects: 214,
            old_versions: Some(0),
            delete_markers: Some(0),
            uploads: 37,
        };
        assert_eq!(
            contents.summary(),
            "214 files, 0 old versions, 0 delete markers, 37 incomplete uploads"
        );
        assert!(!contents.is_empty());
        let unversioned = BucketContents {
            objects: 1,
            ..BucketContents::default()
        };
        assert_eq!(
            unversioned.summary(),
            "1 file, old versions not listed, 0 incomplete uploads"
        );
        assert!(BucketContents::default().is_empty());
    }

    #[test]
    fn what_a_versioned_folder_delete_leaves_is_said() {
        let left = VersionCounts {
            current: 0,
            old: 3,
            delete_markers: 2,
        };
        assert_eq!(
            left.left_after_delete("photos/").as_deref(),
            Some(
                "Versioning is on: photos/ still holds 3 older versions and 2 delete markers (stored and billed, not shown in the file list). Empty and delete removes them with the bucket."
            )
        );
        assert_eq!(VersionCounts::default().left_after_delete("photos/"), None);
    }

    #[test]
    fn keys_with_control_characters_stay_out_of_xml() {
        assert!(xml_can_carry("photos/日本/a b\tc\nd.jpg"));
        assert!(!xml_can_carry("weird/esc-\x1b[31m.bin"));
        assert!(!xml_can_carry("nul-\0"));
        assert!(!xml_can_carry("bell-\x07"));
    }

    #[test]
    fn not_implemented_is_recognised() {
        let err = S3Error {
            kind: ErrorKind::Transient,
            code: Some("NotImplemented".into()),
            message: "not implemented".into(),
            status: Some(501),
        };
        assert!(is_unsupported(&err));
        assert!(!is_unsupported(&S3Error::new(
            ErrorKind::AccessDenied,
            "no"
        )));
    }
}
