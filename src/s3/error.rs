//! One error type for every S3 call, with the server's code kept and a hint for the user.

use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

/// What went wrong, in terms the console and the CLI can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    NoCredentials,
    AccessDenied,
    /// Signature, region or key id rejected: usually a wrong `--region` or bad keys.
    BadSignature,
    NoSuchBucket,
    NoSuchUpload,
    NoSuchKey,
    BucketNotEmpty,
    Throttled,
    /// A 5xx answer, a reset connection: worth another try.
    Transient,
    Timeout,
    /// Nothing answered at the endpoint (refused, DNS).
    Unreachable,
    /// The server broke the protocol (a paging marker that repeats, a truncated page with no marker).
    Protocol,
    /// A key that is not UTF-8: no request of ours can name it, so nothing is done to it.
    UndecodableKey,
    /// What a write was based on changed on the server since it was read; nothing was written.
    Stale,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct S3Error {
    pub kind: ErrorKind,
    /// The server's error code (`AccessDenied`, `SlowDown`, ...), when it sent one.
    pub code: Option<String>,
    pub message: String,
    pub status: Option<u16>,
}

impl S3Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            code: None,
            message: message.into(),
            status: None,
        }
    }

    /// The refusal to act on a key that is not UTF-8. Callers name the key beside it.
    pub fn undecodable_key() -> Self {
        S3Error::new(
            ErrorKind::UndecodableKey,
            "this key is not UTF-8, and partsweep can only name keys as text; \
             it refuses rather than act on a different key",
        )
    }

    /// Worth retrying after a pause: throttling and passing faults.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Throttled | ErrorKind::Transient | ErrorKind::Timeout
        )
    }

    /// The server asked us to slow down: SlowDown and its kin, or a bare 503.
    pub fn is_throttling(&self) -> bool {
        self.kind == ErrorKind::Throttled || self.status == Some(503)
    }

    /// What a user can do about it, when we know.
    pub fn hint(&self) -> Option<&'static str> {
        Some(match self.kind {
            ErrorKind::NoCredentials => {
                "no credentials found: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or pass --profile"
            }
            ErrorKind::BadSignature => {
                "the server rejected the signature: check --region (it must match the server's) and the keys"
            }
            ErrorKind::Unreachable => "nothing answered: check --endpoint-url and the network",
            ErrorKind::Timeout => "the server did not answer in time",
            ErrorKind::AccessDenied => "these credentials may not do this here",
            ErrorKind::Throttled => "the server asked us to slow down",
            ErrorKind::Stale => "read it again and retry",
            _ => return None,
        })
    }

    /// One line for a status bar or stderr: the message, the code, and a hint. The server
    /// wrote the message and the code, so they are escaped like keys: no escape sequence or
    /// direction override of theirs reaches a terminal.
    pub fn display_line(&self) -> String {
        crate::text::escape(&self.exact_line()).into_owned()
    }

    /// [`Self::display_line`] exactly as the server wrote it, for JSON.
    pub fn exact_line(&self) -> String {
        let mut line = self.message.clone();
        if let Some(code) = &self.code
            && !line.contains(code.as_str())
        {
            line = format!("{line} ({code})");
        }
        if let Some(hint) = self.hint() {
            line = format!("{line}: {hint}");
        }
        line
    }
}

fn kind_for_code(code: &str, status: Option<u16>) -> ErrorKind {
    match code {
        "AccessDenied" | "AllAccessDisabled" | "Forbidden" => ErrorKind::AccessDenied,
        "SignatureDoesNotMatch"
        | "AuthorizationHeaderMalformed"
        | "InvalidAccessKeyId"
        | "InvalidRegion"
        | "IllegalLocationConstraintException"
        | "PermanentRedirect"
        | "InvalidToken"
        | "ExpiredToken" => ErrorKind::BadSignature,
        "NoSuchBucket" => ErrorKind::NoSuchBucket,
        "NoSuchUpload" => ErrorKind::NoSuchUpload,
        "NoSuchKey" => ErrorKind::NoSuchKey,
        "BucketNotEmpty" => ErrorKind::BucketNotEmpty,
        "SlowDown"
        | "Throttling"
        | "ThrottlingException"
        | "RequestLimitExceeded"
        | "TooManyRequests"
        | "TooManyRequestsException" => ErrorKind::Throttled,
        "InternalError" | "ServiceUnavailable" | "RequestTimeout" => ErrorKind::Transient,
        _ => match status {
            Some(429) => ErrorKind::Throttled,
            Some(503) => ErrorKind::Throttled,
            Some(s) if s >= 500 => ErrorKind::Transient,
            Some(403) => ErrorKind::AccessDenied,
            _ => ErrorKind::Other,
        },
    }
}

/// No connection was made: refused, or the name did not resolve. Nothing reached the server.
fn never_connected(context: &str) -> bool {
    let context = context.to_ascii_lowercase();
    ["refused", "dns", "resolve", "(connect)", "tcp connect"]
        .iter()
        .any(|sign| context.contains(sign))
}

fn mentions_credentials(text: &str) -> bool {
    let text = text.to_ascii_lowercase();
    text.contains("credentials")
        && (text.contains("no ") || text.contains("fail") || text.contains("not"))
}

impl<E, R> From<SdkError<E, R>> for S3Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + HasStatus,
{
    fn from(err: SdkError<E, R>) -> Self {
        let context = DisplayErrorContext(&err).to_string();
        match &err {
            SdkError::ServiceError(service) => {
                let status = service.raw().status_code();
                let inner = service.err();
                let code = inner.code().map(str::to_owned);
                if code.is_none() && status.is_some_and(|s| (200..300).contains(&s)) {
                    return S3Error {
                        kind: ErrorKind::Protocol,
                        code: None,
                        message: format!(
                            "the server's answer could not be read (HTTP {}): {}",
                            status.unwrap_or(200),
                            short(&context)
                        ),
                        status,
                    };
                }
                let kind = kind_for_code(code.as_deref().unwrap_or(""), status);
                let message = match (inner.message(), &code) {
                    (Some(m), _) if !m.is_empty() => m.to_owned(),
                    (_, Some(c)) => c.clone(),
                    _ => match status {
                        Some(s) => format!("the server answered HTTP {s}"),
                        None => "the server refused the request".to_owned(),
                    },
                };
                S3Error {
                    kind,
                    code,
                    message,
                    status,
                }
            }
            SdkError::TimeoutError(_) => S3Error::new(ErrorKind::Timeout, "request timed out"),
            SdkError::DispatchFailure(failure) => {
                if mentions_credentials(&context) {
                    S3Error::new(ErrorKind::NoCredentials, "no usable credentials")
                } else if failure.is_timeout() {
                    S3Error::new(ErrorKind::Timeout, "connection timed out")
                } else if failure.is_user() {
                    S3Error::new(
                        ErrorKind::Other,
                        format!("request not sent: {}", short(&context)),
                    )
                } else if never_connected(&context) {
                    S3Error::new(
                        ErrorKind::Unreachable,
                        format!("connection failed: {}", short(&context)),
                    )
                } else {
                    // The request may have reached the server (a reset, a connection closed
                    // before the answer): worth another try for the calls we repeat, which are
                    // idempotent (an abort, a delete).
                    S3Error::new(
                        ErrorKind::Transient,
                        format!("connection lost: {}", short(&context)),
                    )
                }
            }
            SdkError::ResponseError(_) => S3Error::new(
                ErrorKind::Transient,
                format!("unreadable response: {}", short(&context)),
            ),
            _ => {
                if mentions_credentials(&context) {
                    S3Error::new(ErrorKind::NoCredentials, "no usable credentials")
                } else {
                    S3Error::new(ErrorKind::Other, short(&context))
                }
            }
        }
    }
}

/// The SDK's context strings repeat themselves; keep the most specific tail.
fn short(context: &str) -> String {
    let text = without_debug_tail(context.trim());
    let last = text.rsplit(": ").next().unwrap_or(text);
    let pick = if last.len() < 12 { text } else { last };
    pick.chars().take(300).collect()
}

/// The SDK ends its context with a `(DispatchFailure(...))` debug dump: drop that last
/// parenthesised group when it is one, keeping the readable chain of messages before it.
fn without_debug_tail(text: &str) -> &str {
    if !text.ends_with(')') {
        return text;
    }
    let mut depth = 0;
    for (at, c) in text.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' => {
                depth -= 1;
                if depth == 0 {
                    let inner = &text[at + 1..];
                    let looks_like_debug =
                        inner.starts_with(|c: char| c.is_ascii_uppercase()) && inner.contains('(');
                    return if looks_like_debug {
                        text[..at].trim_end()
                    } else {
                        text
                    };
                }
            }
            _ => {}
        }
    }
    text
}

/// Lets the error mapping read an HTTP status from whatever raw response type the SDK hands us.
pub trait HasStatus {
    fn status_code(&self) -> Option<u16>;
}

impl HasStatus for aws_sdk_s3::config::http::HttpResponse {
    fn status_code(&self) -> Option<u16> {
        Some(self.status().as_u16())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_kinds() {
        assert_eq!(kind_for_code("SlowDown", Some(503)), ErrorKind::Throttled);
        assert_eq!(kind_for_code("", Some(503)), ErrorKind::Throttled);
        assert_eq!(kind_for_code("", Some(500)), ErrorKind::Transient);
        assert_eq!(
            kind_for_code("NoSuchUpload", Some(404)),
            ErrorKind::NoSuchUpload
        );
        assert_eq!(
            kind_for_code("AccessDenied", Some(403)),
            ErrorKind::AccessDenied
        );
        assert_eq!(
            kind_for_code("AuthorizationHeaderMalformed", Some(400)),
            ErrorKind::BadSignature
        );
    }

    #[test]
    fn connection_errors_read_as_words_not_debug_dumps() {
        let context = "dispatch failure: io error: client error (Connect): tcp connect error: \
            Connection refused (os error 111) (DispatchFailure(DispatchFailure { source: \
            ConnectorError { kind: Io, source: hyper_util::client::legacy::Error(Connect, \
            ConnectError(\"tcp connect error\", 127.0.0.1:9, Os { code: 111, kind: \
            ConnectionRefused, message: \"Connection refused\" })), connection: Unknown } }))";
        assert_eq!(short(context), "Connection refused (os error 111)");
        assert_eq!(
            short("request failed (Timeout)"),
            "request failed (Timeout)"
        );
    }

    #[test]
    fn display_line_adds_code_and_hint() {
        let err = S3Error {
            kind: ErrorKind::AccessDenied,
            code: Some("AccessDenied".into()),
            message: "Forbidden: no permission".into(),
            status: Some(403),
        };
        let line = err.display_line();
        assert!(line.contains("(AccessDenied)"), "{line}");
        assert!(line.contains("may not"), "{line}");
    }

    #[test]
    fn what_the_server_wrote_reaches_a_terminal_escaped_and_json_exact() {
        let err = S3Error {
            kind: ErrorKind::Other,
            code: Some("Evil\u{202e}Code".into()),
            message: "denied \x1b[2J\x1b]0;pwned\x07 for gpj.\u{202e}exe".into(),
            status: Some(400),
        };
        let line = err.display_line();
        assert_eq!(
            line,
            "denied \\x1b[2J\\x1b]0;pwned\\x07 for gpj.\\u{202e}exe (Evil\\u{202e}Code)"
        );
        assert!(!line.contains(['\x1b', '\x07', '\u{202e}']));
        assert_eq!(
            err.exact_line(),
            "denied \x1b[2J\x1b]0;pwned\x07 for gpj.\u{202e}exe (Evil\u{202e}Code)"
        );
    }
}
