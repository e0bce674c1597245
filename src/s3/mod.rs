//! The only module that knows aws-sdk-s3. Everything above it sees our own types and [`S3Error`].

mod checksum;
mod delete;
mod error;
mod lifecycle;
mod list;
mod types;
mod upload_block;

pub use checksum::{CHECKSUM_ENV, RequestChecksums, content_md5};
pub use delete::*;
pub use error::{ErrorKind, S3Error};
pub use lifecycle::{LifecycleRule, RuleChange, RuleScope, apply_change};
pub use list::{MAX_PAGE, UploadMarker, UploadPage};
pub use types::*;
pub use upload_block::{UploadBlock, UploadRef};

use std::time::Duration;

use aws_config::{BehaviorVersion, Region, retry::RetryConfig, timeout::TimeoutConfig};
use aws_sdk_s3::Client;
use aws_sdk_s3::config::RequestChecksumCalculation;
use aws_sdk_s3::config::http::HttpRequest;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};

/// How to reach the server. Everything left `None` comes from the standard AWS chain.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    /// Address buckets as `host/bucket` rather than `bucket.host`.
    pub path_style: bool,
    /// Fixed keys (the demo and tests); otherwise the AWS chain finds them.
    pub static_keys: Option<(String, String)>,
}

/// A cheap-to-clone handle to one S3 endpoint.
#[derive(Clone, Debug)]
pub struct S3 {
    client: Client,
    region: String,
    endpoint: Option<String>,
    checksums: RequestChecksums,
}

const DEFAULT_REGION: &str = "us-east-1";

impl S3 {
    pub async fn connect(opts: &ConnectOptions) -> Self {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(5))
                    .operation_attempt_timeout(Duration::from_secs(30))
                    .build(),
            )
            .retry_config(RetryConfig::standard().with_max_attempts(3));
        if let Some(profile) = &opts.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(region) = &opts.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(endpoint) = &opts.endpoint_url {
            loader = loader.endpoint_url(endpoint);
        }
        if let Some((id, secret)) = &opts.static_keys {
            loader = loader.credentials_provider(aws_sdk_s3::config::Credentials::new(
                id,
                secret,
                None,
                None,
                "partsweep",
            ));
        }
        let shared = loader.load().await;
        let region = shared
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| DEFAULT_REGION.to_owned());
        let endpoint = shared.endpoint_url().map(str::to_owned);
        let path_style = opts.path_style || endpoint.as_deref().is_some_and(wants_path_style);
        let checksums = RequestChecksums::from_env();
        let mut config = aws_sdk_s3::config::Builder::from(&shared)
            .region(Region::new(region.clone()))
            .force_path_style(path_style);
        if !checksums.sdk_checksums_when_supported() {
            // Keeps CRC32 (and its aws-chunked encoding) off PutObject and UploadPart, which
            // do not require a checksum; Content-MD5 covers them instead.
            config = config.request_checksum_calculation(RequestChecksumCalculation::WhenRequired);
        }
        S3 {
            client: Client::from_conf(config.build()),
            region,
            endpoint,
            checksums,
        }
    }

    /// The same connection, sending other integrity headers (see [`RequestChecksums`]).
    pub fn with_checksums(mut self, checksums: RequestChecksums) -> Self {
        self.checksums = checksums;
        self
    }

    /// Hook for `customize().mutate_request(..)` on every call that sends a body.
    fn body_checksums(&self) -> impl Fn(&mut HttpRequest) + Send + Sync + 'static {
        let checksums = self.checksums;
        move |request| checksums.apply(request)
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    /// The endpoint in use, or `None` for the provider's default (AWS).
    pub fn endpoint(&self) -> Option<&str> {
        self.endpoint.as_deref()
    }

    pub async fn list_buckets(&self) -> Result<Vec<Bucket>, S3Error> {
        let mut buckets = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .client
                .list_buckets()
                .set_continuation_token(token.take())
                .send()
                .await?;
            buckets.extend(page.buckets().iter().map(|b| Bucket {
                name: b.name().unwrap_or_default().to_owned(),
                region: b.bucket_region().map(str::to_owned),
                created: b.creation_date().map(|d| d.secs()),
            }));
            match page.continuation_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_owned()),
                _ => break,
            }
        }
        Ok(buckets)
    }

    pub async fn abort_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<AbortOutcome, S3Error> {
        let result = self
            .client
            .abort_multipart_upload()
            .bucket(bucket)
            .key(key)
            .upload_id(upload_id)
            .send()
            .await;
        match result {
            Ok(_) => Ok(AbortOutcome::Aborted),
            Err(err) => {
                let err = S3Error::from(err);
                if err.kind == ErrorKind::NoSuchUpload {
                    Ok(AbortOutcome::AlreadyGone)
                } else {
                    Err(err)
                }
            }
        }
    }

    /// Parts uploaded so far, following every page of ListParts.
    pub async fn parts_summary(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<PartsSummary, S3Error> {
        let mut summary = PartsSummary::default();
        let mut marker: Option<String> = None;
        loop {
            let page = self
                .client
                .list_parts()
                .bucket(bucket)
                .key(key)
                .upload_id(upload_id)
                .set_part_number_marker(marker.take())
                .send()
                .await?;
            for part in page.parts() {
                summary.parts += 1;
                summary.bytes += part.size().unwrap_or(0).max(0) as u64;
            }
            match (page.is_truncated(), page.next_part_number_marker()) {
                (Some(true), Some(next)) if !next.is_empty() => marker = Some(next.to_owned()),
                _ => break,
            }
        }
        Ok(summary)
    }

    pub async fn create_bucket(&self, bucket: &str) -> Result<(), S3Error> {
        self.client.create_bucket().bucket(bucket).send().await?;
        Ok(())
    }

    pub async fn delete_bucket(&self, bucket: &str) -> Result<(), S3Error> {
        self.client.delete_bucket().bucket(bucket).send().await?;
        Ok(())
    }

    pub async fn put_object(&self, bucket: &str, key: &str, body: Vec<u8>) -> Result<(), S3Error> {
        self.client
            .put_object()
            .bucket(bucket)
            .key(key)
            .body(ByteStream::from(body))
            .customize()
            .mutate_request(self.body_checksums())
            .send()
            .await?;
        Ok(())
    }

    /// Turns versioning on (tests against servers that have it).
    pub async fn enable_versioning(&self, bucket: &str) -> Result<(), S3Error> {
        self.client
            .put_bucket_versioning()
            .bucket(bucket)
            .versioning_configuration(
                VersioningConfiguration::builder()
                    .status(BucketVersioningStatus::Enabled)
                    .build(),
            )
            .customize()
            .mutate_request(self.body_checksums())
            .send()
            .await?;
        Ok(())
    }

    /// Starts a multipart upload and returns its id.
    pub async fn create_upload(&self, bucket: &str, key: &str) -> Result<String, S3Error> {
        let out = self
            .client
            .create_multipart_upload()
            .bucket(bucket)
            .key(key)
            .send()
            .await?;
        out.upload_id()
            .map(str::to_owned)
            .ok_or_else(|| S3Error::new(ErrorKind::Protocol, "the server returned no upload id"))
    }

    pub async fn upload_part(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: i32,
        body: Vec<u8>,
    ) -> Result<(), S3Error> {
        self.client
            .upload_part()
            .bucket(bucket)
            .key(key)
            .upload_id(upload_id)
            .part_number(part_number)
            .body(ByteStream::from(body))
            .customize()
            .mutate_request(self.body_checksums())
            .send()
            .await?;
        Ok(())
    }
}

/// Virtual-host addressing needs a DNS name per bucket: an IP address or localhost cannot have one.
fn wants_path_style(endpoint: &str) -> bool {
    let host = endpoint
        .split("://")
        .nth(1)
        .unwrap_or(endpoint)
        .split(['/', ':'])
        .next()
        .unwrap_or("");
    host == "localhost" || host.parse::<std::net::Ipv4Addr>().is_ok() || endpoint.contains('[')
}

#[cfg(test)]
mod tests {
    use super::wants_path_style;

    #[test]
    fn path_style_for_ip_and_localhost_endpoints() {
        assert!(wants_path_style("http://127.0.0.1:3900"));
        assert!(wants_path_style("http://localhost:9000"));
        assert!(wants_path_style("http://[::1]:9000"));
        assert!(!wants_path_style("https://cos.ap-guangzhou.myqcloud.com"));
    }
}
