//! `-v`: one log line per HTTP request to S3, retries included: the operation, bucket, key,
//! the status (or why there was none) and how long it took. Names are escaped: they come
//! from whoever wrote the keys, and the log may be read on a terminal.

use std::time::Instant;

use aws_sdk_s3::config::interceptors::{
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_sdk_s3::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::endpoint::EndpointResolverParams;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_types::config_bag::{Storable, StoreReplace};

use crate::text::escape;

/// The log target; `-v` turns it on at debug level.
pub const TARGET: &str = "partsweep::s3";

#[derive(Debug)]
pub struct CallLog;

/// What the request named and when it went out: the request itself is gone once sent.
#[derive(Debug, Clone)]
struct AttemptStarted {
    at: Instant,
    key: String,
}

impl Storable for AttemptStarted {
    type Storer = StoreReplace<Self>;
}

impl Intercept for CallLog {
    fn name(&self) -> &'static str {
        "partsweep call log"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if tracing::enabled!(target: TARGET, tracing::Level::DEBUG) {
            let key = key_of(context.request().uri(), bucket(cfg));
            cfg.interceptor_state().store_put(AttemptStarted {
                at: Instant::now(),
                key,
            });
        }
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if !tracing::enabled!(target: TARGET, tracing::Level::DEBUG) {
            return Ok(());
        }
        let operation = cfg.load::<Metadata>().map_or("?", Metadata::name);
        let (key, millis) = cfg.load::<AttemptStarted>().map_or(("", 0), |started| {
            (started.key.as_str(), started.at.elapsed().as_millis())
        });
        let status = match (context.response(), context.output_or_error()) {
            (Some(response), _) => response.status().as_u16().to_string(),
            (None, Some(Err(err))) => format!("no answer ({err})"),
            (None, _) => "no answer".to_owned(),
        };
        tracing::debug!(
            target: TARGET,
            "{operation} bucket={} key={} status={} {millis}ms",
            escape(bucket(cfg)),
            escape(key),
            escape(&status),
        );
        Ok(())
    }
}

/// The bucket the call names, as the SDK resolves its endpoint with it.
fn bucket(cfg: &ConfigBag) -> &str {
    cfg.load::<EndpointResolverParams>()
        .and_then(|params| params.get::<aws_sdk_s3::config::endpoint::Params>())
        .and_then(|params| params.bucket())
        .unwrap_or("")
}

/// The object key a request names: its path, less the bucket when the bucket is in the path
/// (path-style addressing), percent-decoded.
fn key_of(uri: &str, bucket: &str) -> String {
    let after_scheme = uri.split_once("://").map_or(uri, |(_, rest)| rest);
    let (host, path) = after_scheme
        .split_once('/')
        .map_or((after_scheme, ""), |(host, path)| (host, path));
    let path = path.split(['?', '#']).next().unwrap_or("");
    let in_host = !bucket.is_empty() && host.starts_with(&format!("{bucket}."));
    let key = if in_host {
        path
    } else {
        path.strip_prefix(bucket)
            .map_or(path, |rest| rest.strip_prefix('/').unwrap_or(rest))
    };
    percent_encoding::percent_decode_str(key)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::key_of;

    #[test]
    fn the_key_is_read_from_either_addressing_style() {
        assert_eq!(
            key_of(
                "http://127.0.0.1:3900/media/a%20b/c.bin?uploadId=1",
                "media"
            ),
            "a b/c.bin"
        );
        assert_eq!(key_of("http://127.0.0.1:3900/media?uploads", "media"), "");
        assert_eq!(
            key_of(
                "https://media.s3.eu-west-1.amazonaws.com/media/x.bin",
                "media"
            ),
            "media/x.bin"
        );
        assert_eq!(key_of("https://s3.amazonaws.com/", ""), "");
    }
}
