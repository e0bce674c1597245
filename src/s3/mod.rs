//! The only module that knows aws-sdk-s3. Everything above it sees our own types and [`S3Error`].

mod checksum;
mod delete;
mod error;
mod lifecycle;
mod list;
pub mod log;
mod parts;
mod region;
mod types;
mod upload_block;

pub use checksum::{CHECKSUM_ENV, RequestChecksums, content_md5};
pub use delete::*;
pub use error::{ErrorKind, S3Error};
pub use lifecycle::{
    LifecycleRule, RuleChange, RuleRef, RuleScope, Written, apply_change, rule_label,
};
pub use list::{MAX_PAGE, UploadMarker, UploadPage};
pub use parts::MAX_PARTS_PAGE;
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
            .force_path_style(path_style)
            .interceptor(log::CallLog);
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

    /// Refused, without a request, for a key that is not UTF-8.
    pub async fn abort_upload(
        &self,
        bucket: &str,
        upload: &UploadRef,
    ) -> Result<AbortOutcome, S3Error> {
        if upload.key_undecodable() {
            return Err(S3Error::undecodable_key());
        }
        let result = self
            .client
            .abort_multipart_upload()
            .bucket(bucket)
            .key(upload.key())
            .upload_id(upload.upload_id())
            .customize()
            .config_override(one_attempt())
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

/// For the calls `ops` repeats itself (aborts, deletes): the SDK tries once, so one layer
/// decides about retries, with one budget and one concurrency limit per job. Other calls
/// (listings, single reads and writes) keep the SDK's standard retry, 3 tries.
fn one_attempt() -> aws_sdk_s3::config::Builder {
    aws_sdk_s3::config::Builder::default().retry_config(RetryConfig::disabled())
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
    use super::*;

    /// A client whose every request would fail to connect: a refusal must come before that.
    async fn nowhere() -> S3 {
        S3::connect(&ConnectOptions {
            region: Some("test".into()),
            endpoint_url: Some("http://127.0.0.1:1".into()),
            static_keys: Some(("key".into(), "secret".into())),
            ..ConnectOptions::default()
        })
        .await
    }

    #[tokio::test]
    async fn an_abort_of_a_key_that_is_not_utf8_is_refused_and_never_sent() {
        let upload = UploadRef::from(&Upload {
            key: "bad-%FF".into(),
            upload_id: "id-1".into(),
            initiated: None,
            storage_class: None,
            key_undecodable: true,
        });
        let err = nowhere()
            .await
            .abort_upload("media", &upload)
            .await
            .expect_err("refused");
        assert_eq!(err.kind, ErrorKind::UndecodableKey, "{err:?}");
        assert!(err.display_line().starts_with("this key is not UTF-8"));
        assert!(!err.is_retryable());
    }

    #[tokio::test]
    async fn a_delete_refuses_keys_that_are_not_utf8_one_by_one_and_sends_none_of_them() {
        let object = ObjectId {
            key: "bad-%FF".into(),
            version_id: None,
            key_undecodable: true,
        };
        let outcome = nowhere()
            .await
            .delete_objects("media", &[object])
            .await
            .expect("nothing was sent, so nothing could fail to connect");
        assert_eq!(outcome.deleted, 0);
        assert_eq!(outcome.failed.len(), 1);
        assert!(
            outcome.failed[0]
                .display_line()
                .starts_with("bad-\\xff (undecodable): this key is not UTF-8"),
            "{}",
            outcome.failed[0].display_line()
        );
    }

    #[test]
    fn path_style_for_ip_and_localhost_endpoints() {
        assert!(wants_path_style("http://127.0.0.1:3900"));
        assert!(wants_path_style("http://localhost:9000"));
        assert!(wants_path_style("http://[::1]:9000"));
        assert!(!wants_path_style("https://cos.ap-guangzhou.myqcloud.com"));
    }
}
