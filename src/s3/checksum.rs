//! Integrity headers on requests that carry a body (DeleteObjects, PutBucketLifecycleConfiguration,
//! PutBucketVersioning, PutObject, UploadPart).
//!
//! Since 2025 aws-sdk-s3 sends a CRC32 `x-amz-checksum-crc32` (plus `x-amz-sdk-checksum-algorithm`)
//! instead of Content-MD5. Tencent COS, older MinIO, Ceph and Oracle demand Content-MD5
//! (`MissingContentMD5`); Cloudflare R2 refuses a request that carries both ("You can only specify
//! one non-default checksum at a time"); AWS documents Content-MD5 as the header DeleteObjects
//! requires on general purpose buckets. So by default partsweep sends Content-MD5 alone, as the
//! AWS SDK for JavaScript's own MD5 fallback does. `PARTSWEEP_CHECKSUM` chooses otherwise.

use aws_sdk_s3::config::http::HttpRequest;
use md5::{Digest, Md5};

/// The environment variable that overrides [`RequestChecksums::default`].
pub const CHECKSUM_ENV: &str = "PARTSWEEP_CHECKSUM";

/// Which integrity headers go with a request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RequestChecksums {
    /// Content-MD5 only (`md5`): what COS and older S3-compatible servers require, and what AWS
    /// and R2 accept.
    #[default]
    ContentMd5,
    /// The SDK's own CRC32 headers only, no Content-MD5 (`crc32`): the SDK's default, for a
    /// server that rejects MD5.
    SdkCrc32,
    /// Both (`md5+crc32`), as the AWS SDK for Java's LegacyMd5Plugin sends them.
    Both,
}

impl RequestChecksums {
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "md5" | "" => Ok(Self::ContentMd5),
            "crc32" => Ok(Self::SdkCrc32),
            "md5+crc32" | "both" => Ok(Self::Both),
            other => Err(format!(
                "{CHECKSUM_ENV}={other:?} is not one of md5, crc32, md5+crc32"
            )),
        }
    }

    /// From `PARTSWEEP_CHECKSUM`; the default when unset, or (with a warning) when unreadable.
    pub fn from_env() -> Self {
        let Ok(text) = std::env::var(CHECKSUM_ENV) else {
            return Self::default();
        };
        Self::parse(&text).unwrap_or_else(|problem| {
            tracing::warn!("{problem}; sending Content-MD5");
            Self::default()
        })
    }

    fn sends_md5(self) -> bool {
        matches!(self, Self::ContentMd5 | Self::Both)
    }

    /// Whether the SDK computes its flexible checksums where an operation does not require them.
    pub(crate) fn sdk_checksums_when_supported(self) -> bool {
        self == Self::SdkCrc32
    }

    /// Sets the headers on a request about to be signed. Runs after the SDK's own checksum step,
    /// so the body is final and the SDK's headers can still be removed before they are signed.
    pub(crate) fn apply(self, request: &mut HttpRequest) {
        let Some(body) = request.body().bytes() else {
            return; // a streaming body: none of partsweep's requests has one
        };
        if body.is_empty() {
            return;
        }
        if self.sends_md5() {
            let digest = content_md5(body);
            request.headers_mut().insert("content-md5", digest);
        }
        if self == Self::ContentMd5 {
            let sdk_headers: Vec<String> = request
                .headers()
                .iter()
                .map(|(name, _)| name)
                .filter(|name| is_sdk_checksum_header(name))
                .map(str::to_owned)
                .collect();
            for name in sdk_headers {
                request.headers_mut().remove(name);
            }
        }
    }
}

/// `x-amz-checksum-crc32`, `x-amz-sdk-checksum-algorithm` and their kin. S3 refuses an
/// algorithm header without its value, so they go together.
fn is_sdk_checksum_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.starts_with("x-amz-checksum-") || name == "x-amz-sdk-checksum-algorithm"
}

/// The Content-MD5 value of a body: its MD5 digest in base64 (RFC 1864).
pub fn content_md5(body: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(Md5::digest(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_md5_is_the_base64_digest() {
        // RFC 1321's test vector for "abc", as base64.
        assert_eq!(content_md5(b"abc"), "kAFQmDzST7DWlj99KOF/cg==");
        assert_eq!(content_md5(b""), "1B2M2Y8AsgTpgAmY7PhCfg==");
    }

    #[test]
    fn modes_read_from_their_names() {
        assert_eq!(
            RequestChecksums::parse("md5"),
            Ok(RequestChecksums::ContentMd5)
        );
        assert_eq!(
            RequestChecksums::parse("CRC32"),
            Ok(RequestChecksums::SdkCrc32)
        );
        assert_eq!(
            RequestChecksums::parse("md5+crc32"),
            Ok(RequestChecksums::Both)
        );
        assert!(RequestChecksums::parse("sha1").is_err());
    }

    fn request_with_sdk_crc(body: &'static [u8]) -> HttpRequest {
        let mut request = HttpRequest::new(aws_sdk_s3::primitives::SdkBody::from(body));
        request
            .headers_mut()
            .insert("x-amz-sdk-checksum-algorithm", "CRC32");
        request
            .headers_mut()
            .insert("x-amz-checksum-crc32", "NSRBwg==");
        request
    }

    #[test]
    fn content_md5_mode_sends_md5_alone() {
        let mut request = request_with_sdk_crc(b"abc");
        RequestChecksums::ContentMd5.apply(&mut request);
        let headers = request.headers();
        assert_eq!(headers.get("content-md5"), Some("kAFQmDzST7DWlj99KOF/cg=="));
        assert_eq!(headers.get("x-amz-checksum-crc32"), None);
        assert_eq!(headers.get("x-amz-sdk-checksum-algorithm"), None);
    }

    #[test]
    fn both_mode_keeps_the_sdk_headers_and_crc32_mode_adds_nothing() {
        let mut both = request_with_sdk_crc(b"abc");
        RequestChecksums::Both.apply(&mut both);
        assert_eq!(
            both.headers().get("content-md5"),
            Some("kAFQmDzST7DWlj99KOF/cg==")
        );
        assert_eq!(both.headers().get("x-amz-checksum-crc32"), Some("NSRBwg=="));

        let mut crc = request_with_sdk_crc(b"abc");
        RequestChecksums::SdkCrc32.apply(&mut crc);
        assert_eq!(crc.headers().get("content-md5"), None);
        assert_eq!(crc.headers().get("x-amz-checksum-crc32"), Some("NSRBwg=="));
    }

    #[test]
    fn a_request_without_a_body_gets_no_header() {
        let mut request = HttpRequest::new(aws_sdk_s3::primitives::SdkBody::empty());
        RequestChecksums::ContentMd5.apply(&mut request);
        assert_eq!(request.headers().get("content-md5"), None);
    }

    /// Answers one request with an empty DeleteResult and hands back its head and body.
    async fn capture_one_request() -> (String, tokio::task::JoinHandle<(String, Vec<u8>)>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let endpoint = format!("http://{}", listener.local_addr().expect("address"));
        let server = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.expect("accept");
            let mut data = Vec::new();
            let mut buf = [0u8; 4096];
            let head_end = loop {
                let n = stream.read(&mut buf).await.expect("read");
                assert!(n > 0, "connection closed before the request ended");
                data.extend_from_slice(&buf[..n]);
                if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                    break at + 4;
                }
            };
            let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
            let length: usize = head
                .lines()
                .find_map(|line| header_line(line, "content-length"))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            while data.len() < head_end + length {
                let n = stream.read(&mut buf).await.expect("read body");
                assert!(n > 0, "connection closed inside the body");
                data.extend_from_slice(&buf[..n]);
            }
            let answer = "<DeleteResult></DeleteResult>";
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/xml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                answer.len()
            );
            stream.write_all(response.as_bytes()).await.expect("answer");
            (head, data[head_end..head_end + length].to_vec())
        });
        (endpoint, server)
    }

    async fn client_for(endpoint: String) -> crate::s3::S3 {
        crate::s3::S3::connect(&crate::s3::ConnectOptions {
            region: Some("us-east-1".into()),
            endpoint_url: Some(endpoint),
            path_style: true,
            static_keys: Some(("AKIDTEST".into(), "secret".into())),
            ..Default::default()
        })
        .await
        .with_checksums(RequestChecksums::ContentMd5)
    }

    fn header_line<'a>(line: &'a str, name: &str) -> Option<&'a str> {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim())
    }

    fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
        head.lines().find_map(|line| header_line(line, name))
    }

    /// The header is checked on the wire: set before signing, signed, and the SDK's CRC32 gone.
    fn assert_md5_alone_and_signed(head: &str, body: &[u8]) {
        assert!(!body.is_empty());
        assert_eq!(
            header(head, "content-md5"),
            Some(content_md5(body).as_str())
        );
        let lower = head.to_ascii_lowercase();
        assert!(
            !lower.contains("x-amz-checksum-") && !lower.contains("x-amz-sdk-checksum-algorithm"),
            "flexible checksum headers left in:\n{head}"
        );
        let authorization = header(head, "authorization").unwrap_or_default();
        assert!(
            authorization.contains("content-md5"),
            "content-md5 is not among the signed headers: {authorization}"
        );
    }

    #[tokio::test]
    async fn delete_objects_sends_a_signed_content_md5_of_its_body_and_no_crc32() {
        let (endpoint, server) = capture_one_request().await;
        let s3 = client_for(endpoint).await;
        s3.delete_objects("bucket", &[crate::s3::ObjectId::key("a/b.txt")])
            .await
            .expect("delete answered");
        let (head, body) = server.await.expect("captured");
        assert!(head.starts_with("POST /bucket/?delete"), "{head}");
        assert_md5_alone_and_signed(&head, &body);
    }

    #[tokio::test]
    async fn a_lifecycle_write_sends_a_signed_content_md5_of_its_body_and_no_crc32() {
        let (endpoint, server) = capture_one_request().await;
        let s3 = client_for(endpoint).await;
        let rule = crate::s3::LifecycleRule::new_abort("abort-7d", "", 7, true).expect("rule");
        s3.put_lifecycle_rules("bucket", &[rule])
            .await
            .expect("write answered");
        let (head, body) = server.await.expect("captured");
        assert!(head.starts_with("PUT /bucket/?lifecycle"), "{head}");
        assert_md5_alone_and_signed(&head, &body);
    }
}
