//! ListParts: what an incomplete upload holds so far, page by page.

use std::collections::HashSet;

use super::{ErrorKind, Part, PartsSummary, S3, S3Error, Timestamp, UploadParts};

/// The most parts S3 returns in one ListParts page (and the default).
pub const MAX_PARTS_PAGE: i32 = 1000;

impl S3 {
    /// Every part of one upload, following each ListParts page. `page_size` (1–1000) is the
    /// parts asked for per page; `None` leaves the server's default (1,000).
    /// `initiated` is the upload's start time, its last activity when it has no parts yet.
    ///
    /// A marker that comes back a second time ends with an [`ErrorKind::Protocol`] error
    /// instead of looping. An answer that cannot be parsed (Garage writes a key's raw control
    /// characters into the XML) is an [`ErrorKind::Protocol`] error too; see
    /// [`S3Error::is_unreadable_answer`].
    pub async fn list_parts(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        initiated: Option<Timestamp>,
        page_size: Option<i32>,
    ) -> Result<UploadParts, S3Error> {
        let mut found = UploadParts {
            summary: PartsSummary {
                last_activity: initiated,
                ..PartsSummary::default()
            },
            ..UploadParts::default()
        };
        let mut newest_part: Option<Timestamp> = None;
        let mut marker: Option<String> = None;
        let mut seen_markers = HashSet::new();
        loop {
            let page = self
                .client
                .list_parts()
                .bucket(bucket)
                .key(key)
                .upload_id(upload_id)
                .set_part_number_marker(marker.take())
                .set_max_parts(page_size)
                .send()
                .await?;
            if found.initiator.is_none() {
                found.initiator = page
                    .initiator()
                    .and_then(|i| i.display_name().or(i.id()))
                    .map(str::to_owned);
                found.owner = page
                    .owner()
                    .and_then(|o| o.display_name().or(o.id()))
                    .map(str::to_owned);
                found.storage_class = page.storage_class().map(|c| c.as_str().to_owned());
            }
            for part in page.parts() {
                let part = Part {
                    number: part.part_number().unwrap_or(0),
                    size: part.size().unwrap_or(0).max(0) as u64,
                    etag: part.e_tag().unwrap_or_default().to_owned(),
                    last_modified: part.last_modified().map(|d| d.secs()),
                };
                found.summary.parts += 1;
                found.summary.bytes += part.size;
                newest_part = newest_part.max(part.last_modified);
                found.parts.push(part);
            }
            let next = page.next_part_number_marker().filter(|m| !m.is_empty());
            match (page.is_truncated(), next) {
                (Some(true), Some(next)) => {
                    if !seen_markers.insert(next.to_owned()) {
                        return Err(S3Error::new(
                            ErrorKind::Protocol,
                            format!(
                                "the server sent the same part marker twice ({next}); stopped after {} parts instead of looping",
                                found.parts.len()
                            ),
                        ));
                    }
                    marker = Some(next.to_owned());
                }
                (Some(true), None) => {
                    return Err(S3Error::new(
                        ErrorKind::Protocol,
                        format!(
                            "the server said the part list goes on but gave no marker (after {} parts)",
                            found.parts.len()
                        ),
                    ));
                }
                _ => break,
            }
        }
        if newest_part.is_some() {
            found.summary.last_activity = newest_part;
        }
        Ok(found)
    }
}
