//! Buckets in other regions: find a bucket's region, and reach it there.

use aws_config::Region;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::SdkError;

use super::{ErrorKind, S3, S3Error};

/// Where S3 names a bucket's region in a redirect (and in HeadBucket's answer).
const REGION_HEADER: &str = "x-amz-bucket-region";

impl S3 {
    /// The same connection (endpoint, credentials, settings), signing for `region`.
    pub fn in_region(&self, region: &str) -> S3 {
        if region == self.region {
            return self.clone();
        }
        let config = self
            .client
            .config()
            .to_builder()
            .region(Region::new(region.to_owned()))
            .build();
        S3 {
            client: Client::from_conf(config),
            region: region.to_owned(),
            ..self.clone()
        }
    }

    /// The region a bucket lives in: GetBucketLocation, or else the region header of
    /// HeadBucket's answer (S3 sends it with a redirect too).
    pub async fn bucket_region(&self, bucket: &str) -> Result<String, S3Error> {
        let location = self
            .client
            .get_bucket_location()
            .bucket(bucket)
            .send()
            .await;
        let err = match location {
            Ok(out) => {
                return Ok(region_of_constraint(
                    out.location_constraint().map(|c| c.as_str()),
                ));
            }
            Err(err) => err,
        };
        if let Some(region) = region_header(&err) {
            return Ok(region);
        }
        let err = S3Error::from(err);
        if let Some(region) = expected_region(&err.message) {
            return Ok(region);
        }
        match self.client.head_bucket().bucket(bucket).send().await {
            Ok(out) => out
                .bucket_region()
                .filter(|r| !r.is_empty())
                .map(str::to_owned)
                .ok_or(err),
            Err(head) => region_header(&head).ok_or(err),
        }
    }
}

impl S3Error {
    /// The server answered that the bucket is not where we asked: signed for another region,
    /// or a redirect to the bucket's own endpoint.
    pub fn is_wrong_region(&self) -> bool {
        matches!(
            self.code.as_deref(),
            Some(
                "PermanentRedirect"
                    | "AuthorizationHeaderMalformed"
                    | "IllegalLocationConstraintException"
                    | "InvalidRegion"
            )
        ) || self.status == Some(301)
            || (self.kind == ErrorKind::BadSignature && self.message.contains("region"))
    }
}

fn region_header<E>(err: &SdkError<E, HttpResponse>) -> Option<String> {
    err.raw_response()?
        .headers()
        .get(REGION_HEADER)
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
}

/// The region named in a refusal such as AWS's "the region 'us-east-1' is wrong; expecting
/// 'eu-west-1'".
fn expected_region(message: &str) -> Option<String> {
    let after = message.split("expecting '").nth(1)?;
    let region = after.split('\'').next()?;
    let plausible = !region.is_empty()
        && region
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    plausible.then(|| region.to_owned())
}

/// GetBucketLocation's answer in region names: empty means us-east-1, and `EU` is the old
/// name of eu-west-1.
fn region_of_constraint(constraint: Option<&str>) -> String {
    match constraint {
        None | Some("") => "us-east-1".to_owned(),
        Some("EU") => "eu-west-1".to_owned(),
        Some(region) => region.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_constraints_read_as_region_names() {
        assert_eq!(region_of_constraint(None), "us-east-1");
        assert_eq!(region_of_constraint(Some("")), "us-east-1");
        assert_eq!(region_of_constraint(Some("EU")), "eu-west-1");
        assert_eq!(region_of_constraint(Some("ap-guangzhou")), "ap-guangzhou");
    }

    #[test]
    fn the_expected_region_is_read_from_a_refusal() {
        assert_eq!(
            expected_region(
                "The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'eu-west-1'"
            )
            .as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(expected_region("Access Denied"), None);
        assert_eq!(expected_region("expecting 'a b'"), None);
    }

    #[test]
    fn redirects_and_region_mismatches_are_wrong_region() {
        let mut err = S3Error::new(ErrorKind::BadSignature, "wrong");
        err.code = Some("AuthorizationHeaderMalformed".into());
        assert!(err.is_wrong_region());
        let mut moved = S3Error::new(ErrorKind::Other, "the server answered HTTP 301");
        moved.status = Some(301);
        assert!(moved.is_wrong_region());
        assert!(!S3Error::new(ErrorKind::AccessDenied, "denied").is_wrong_region());
    }
}
