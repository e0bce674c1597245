//! The project's one test proxy: a reverse proxy on 127.0.0.1 in front of a real S3 server
//! (Garage), which behaves as a stricter or a sicker provider would.
//!
//! - [`Rules::cos`]: Tencent COS's rules where Garage is lenient. A PUT or POST with a body
//!   and no Content-MD5 gets 400 `MissingContentMD5`, a wrong one 400 `BadDigest`, and
//!   DeleteBucket gets 409 `BucketNotEmpty` while the bucket holds incomplete uploads (asked
//!   of the server with a signed ListMultipartUploads).
//! - Faults for the resilience and benchmark work: a fixed latency per request, 503 `SlowDown`
//!   above a request rate (for all requests, or per key prefix), a share of connections closed
//!   without an answer or stalled, a storm of 5xx answers, and error messages with escape
//!   sequences in them.
//!
//! Everything else is forwarded unchanged, Host header included, so SigV4 signatures made for
//! the proxy's address stay valid at the server. The proxy runs on its own thread and runtime,
//! so synchronous tests, async tests and the real binary in a subprocess can all use it; it
//! stops when the [`Proxy`] is dropped. Tests include it with `mod proxy;`, examples with
//! `#[path = "../tests/proxy/mod.rs"] mod proxy;`.
#![allow(dead_code)]

use std::net::TcpListener as StdListener;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use base64::Engine;
use bytes::Bytes;
use futures::StreamExt;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use md5::{Digest, Md5};
use partsweep::s3::{ConnectOptions, S3};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// How the proxy misbehaves. `Rules::default()` forwards everything untouched.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    /// Tencent COS's strictness: Content-MD5 on every body, no DeleteBucket over uploads.
    pub cos: bool,
    /// Added before every request is handled.
    pub latency: Duration,
    /// 503 SlowDown for requests above this rate, counted over all requests.
    pub slow_down: Option<RateLimit>,
    /// 503 SlowDown above a rate counted per key prefix (requests on an object key only).
    pub slow_down_per_prefix: Vec<(String, RateLimit)>,
    /// Share of requests (0..=1) whose connection is closed without an answer.
    pub drop_share: f64,
    /// A share of requests that get no answer for a while, then a closed connection.
    pub stall: Option<Stall>,
    /// A share of requests answered with a server error instead of being forwarded.
    pub storm: Option<Storm>,
    /// Error messages the proxy writes carry escape sequences, a newline and a bidi override.
    pub hostile_error_text: bool,
    /// The faults above (drops, stalls, storm, SlowDown) hit only requests with these
    /// methods (`"DELETE"`: aborts and DeleteObject; `"POST"`: DeleteObjects); empty: all.
    pub fault_methods: Vec<String>,
    /// Seed for the shares above, so a run can be repeated.
    pub seed: u64,
}

impl Rules {
    pub fn cos() -> Self {
        Rules {
            cos: true,
            ..Rules::default()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    pub per_second: f64,
    /// Requests allowed at once before the rate applies.
    pub burst: u32,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stall {
    pub share: f64,
    pub duration: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Storm {
    pub share: f64,
    pub status: u16,
    pub code: String,
    /// Stop after this many errors; `None` storms until the rules change.
    pub limit: Option<u64>,
}

impl Storm {
    /// Every request answered `503 ServiceUnavailable`.
    pub fn unavailable() -> Self {
        Storm {
            share: 1.0,
            status: 503,
            code: "ServiceUnavailable".into(),
            limit: None,
        }
    }

    /// A share of requests answered `403 AccessDenied`: failures no retry mends.
    pub fn denied(share: f64) -> Self {
        Storm {
            share,
            status: 403,
            code: "AccessDenied".into(),
            limit: None,
        }
    }
}

/// What the proxy did with one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Forwarded; the server's status.
    Forwarded(u16),
    /// Answered by the proxy itself: status and error code.
    Refused(u16, String),
    Dropped,
    Stalled,
    /// The server could not be reached or answered garbage.
    UpstreamFailed(String),
}

/// Requests handled since the proxy started or `clear_seen`: counted in full, where
/// [`Proxy::seen`] keeps only the most recent ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub requests: u64,
    /// Answered by the proxy itself with an error (SlowDown, a storm, COS's rules).
    pub refused: u64,
    /// ListParts calls (GET on an upload), however answered.
    pub list_parts: u64,
}

/// One request as the proxy saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: String,
    pub content_md5: Option<String>,
    /// Names of `x-amz-checksum-*` and `x-amz-sdk-checksum-algorithm` headers sent.
    pub checksum_headers: Vec<String>,
    pub body_len: usize,
    pub outcome: Outcome,
}

impl Seen {
    /// A ListParts call: a GET on one upload.
    pub fn is_list_parts(&self) -> bool {
        self.method == "GET" && self.query.split('&').any(|p| p.starts_with("uploadId="))
    }

    /// `POST /bucket?delete`.
    pub fn line(&self) -> String {
        if self.query.is_empty() {
            format!("{} {}", self.method, self.path)
        } else {
            format!("{} {}?{}", self.method, self.path, self.query)
        }
    }
}

const SEEN_KEPT: usize = 20_000;

struct Shared {
    rules: Rules,
    rng: StdRng,
    global_limit: Option<TokenBucket>,
    prefix_limits: Vec<(String, TokenBucket)>,
    storm_errors: u64,
    seen: Vec<Seen>,
    tally: Tally,
}

impl Shared {
    fn new(rules: Rules) -> Self {
        Shared {
            rng: StdRng::seed_from_u64(rules.seed),
            global_limit: rules.slow_down.map(TokenBucket::new),
            prefix_limits: rules
                .slow_down_per_prefix
                .iter()
                .map(|(prefix, limit)| (prefix.clone(), TokenBucket::new(*limit)))
                .collect(),
            storm_errors: 0,
            seen: Vec::new(),
            tally: Tally::default(),
            rules,
        }
    }
}

struct TokenBucket {
    limit: RateLimit,
    tokens: f64,
    refilled: Instant,
}

impl TokenBucket {
    fn new(limit: RateLimit) -> Self {
        TokenBucket {
            limit,
            tokens: f64::from(limit.burst.max(1)),
            refilled: Instant::now(),
        }
    }

    fn take(&mut self) -> bool {
        let now = Instant::now();
        let elapsed = now.duration_since(self.refilled).as_secs_f64();
        self.refilled = now;
        self.tokens =
            (self.tokens + elapsed * self.limit.per_second).min(f64::from(self.limit.burst.max(1)));
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

struct State {
    shared: Mutex<Shared>,
    upstream_addr: String,
    /// Signed calls to the server itself (the COS DeleteBucket check).
    upstream: S3,
    idle: Mutex<Vec<SendRequest<Full<Bytes>>>>,
}

impl State {
    fn shared(&self) -> MutexGuard<'_, Shared> {
        self.shared
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn record(&self, seen: Seen) {
        let mut shared = self.shared();
        shared.tally.requests += 1;
        if matches!(seen.outcome, Outcome::Refused(..)) {
            shared.tally.refused += 1;
        }
        if seen.is_list_parts() {
            shared.tally.list_parts += 1;
        }
        if shared.seen.len() >= SEEN_KEPT {
            shared.seen.drain(..SEEN_KEPT / 2);
        }
        shared.seen.push(seen);
    }
}

/// A running proxy; dropping it stops it.
pub struct Proxy {
    endpoint: String,
    upstream: ConnectOptions,
    state: Arc<State>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Proxy {
    /// Starts a proxy on a free 127.0.0.1 port in front of the server `upstream` reaches.
    pub fn start(upstream: &ConnectOptions, rules: Rules) -> Proxy {
        let listener = StdListener::bind("127.0.0.1:0").expect("proxy binds 127.0.0.1");
        listener
            .set_nonblocking(true)
            .expect("proxy socket non-blocking");
        let endpoint = format!(
            "http://{}",
            listener.local_addr().expect("proxy has an address")
        );
        let upstream_addr = upstream
            .endpoint_url
            .as_deref()
            .and_then(|url| url.split("://").nth(1))
            .map(|rest| rest.trim_end_matches('/').to_owned())
            .expect("the proxy needs the server's http:// endpoint");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let upstream_options = upstream.clone();
        std::thread::Builder::new()
            .name("s3-test-proxy".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("proxy runtime");
                runtime.block_on(async move {
                    let state = Arc::new(State {
                        shared: Mutex::new(Shared::new(rules)),
                        upstream_addr,
                        upstream: S3::connect(&upstream_options).await,
                        idle: Mutex::new(Vec::new()),
                    });
                    let listener = tokio::net::TcpListener::from_std(listener)
                        .expect("proxy listener on the runtime");
                    let _ = ready_tx.send(state.clone());
                    tokio::select! {
                        _ = stopped => {}
                        _ = accept_loop(listener, state) => {}
                    }
                });
                runtime.shutdown_background();
            })
            .expect("proxy thread");
        let state = ready_rx.recv().expect("proxy started");
        Proxy {
            endpoint,
            upstream: upstream.clone(),
            state,
            _stop: stop,
        }
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The server's connect options with the proxy as endpoint (same keys, region, path style).
    pub fn options(&self) -> ConnectOptions {
        ConnectOptions {
            endpoint_url: Some(self.endpoint.clone()),
            path_style: true,
            ..self.upstream.clone()
        }
    }

    /// Changes the rules from the next request on (rate limits and the storm start afresh).
    pub fn set_rules(&self, rules: Rules) {
        let mut shared = self.state.shared();
        let seen = std::mem::take(&mut shared.seen);
        let tally = shared.tally;
        *shared = Shared::new(rules);
        shared.seen = seen;
        shared.tally = tally;
    }

    /// Every request handled so far (the most recent ones, for very long runs).
    pub fn seen(&self) -> Vec<Seen> {
        self.state.shared().seen.clone()
    }

    /// The requests the proxy answered itself with an error.
    pub fn refused(&self) -> Vec<Seen> {
        self.seen()
            .into_iter()
            .filter(|seen| matches!(seen.outcome, Outcome::Refused(..)))
            .collect()
    }

    /// How many requests, and how many refused, in all.
    pub fn tally(&self) -> Tally {
        self.state.shared().tally
    }

    pub fn clear_seen(&self) {
        let mut shared = self.state.shared();
        shared.seen.clear();
        shared.tally = Tally::default();
    }
}

async fn accept_loop(listener: tokio::net::TcpListener, state: Arc<State>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let state = state.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| handle(state.clone(), request));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// Returned to hyper to close the connection without an answer.
#[derive(Debug)]
struct CloseConnection;

impl std::fmt::Display for CloseConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection closed by the test proxy")
    }
}

impl std::error::Error for CloseConnection {}

type Answer = Result<Response<Full<Bytes>>, CloseConnection>;

/// What the rules decide before the server is asked.
enum Verdict {
    Forward,
    Refuse(u16, String, String),
    Drop,
    Stall(Duration),
}

async fn handle(state: Arc<State>, request: Request<Incoming>) -> Answer {
    let (parts, body) = request.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return Err(CloseConnection),
    };
    let mut seen = Seen {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        content_md5: parts
            .headers
            .get("content-md5")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        checksum_headers: parts
            .headers
            .keys()
            .map(|name| name.as_str().to_owned())
            .filter(|name| {
                name.starts_with("x-amz-checksum-") || name == "x-amz-sdk-checksum-algorithm"
            })
            .collect(),
        body_len: body.len(),
        outcome: Outcome::Dropped,
    };
    let (latency, hostile) = {
        let shared = state.shared();
        (shared.rules.latency, shared.rules.hostile_error_text)
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let verdict = match faults(&state, &seen) {
        Verdict::Forward => cos_rules(&state, &seen, &body).await,
        other => other,
    };
    match verdict {
        Verdict::Drop => {
            seen.outcome = Outcome::Dropped;
            state.record(seen);
            Err(CloseConnection)
        }
        Verdict::Stall(duration) => {
            seen.outcome = Outcome::Stalled;
            state.record(seen);
            tokio::time::sleep(duration).await;
            Err(CloseConnection)
        }
        Verdict::Refuse(status, code, message) => {
            let message = if hostile {
                format!("{message} \x1b[31m\x1b]0;owned\x07red\x1b[0m\nsecond line \u{202e}txt.exe")
            } else {
                message
            };
            let resource = seen.path.clone();
            let response = error_response(status, &code, &message, &resource);
            seen.outcome = Outcome::Refused(status, code);
            state.record(seen);
            Ok(response)
        }
        Verdict::Forward => {
            let answer = forward(&state, parts, body).await;
            seen.outcome = match &answer {
                Ok(response) => Outcome::Forwarded(response.status().as_u16()),
                Err(problem) => Outcome::UpstreamFailed(problem.clone()),
            };
            state.record(seen);
            answer.map_err(|_| CloseConnection)
        }
    }
}

/// The bucket and (decoded) key of a path-style request.
fn bucket_and_key(path: &str) -> (String, String) {
    let trimmed = path.trim_start_matches('/');
    let (bucket, key) = trimmed.split_once('/').unwrap_or((trimmed, ""));
    let key = percent_encoding::percent_decode_str(key)
        .decode_utf8_lossy()
        .into_owned();
    (bucket.to_owned(), key)
}

fn faults(state: &State, seen: &Seen) -> Verdict {
    let mut shared = state.shared();
    let shared = &mut *shared;
    let rules = &shared.rules;
    if !rules.fault_methods.is_empty() && !rules.fault_methods.contains(&seen.method) {
        return Verdict::Forward;
    }
    if rules.drop_share > 0.0 && shared.rng.random::<f64>() < rules.drop_share {
        return Verdict::Drop;
    }
    if let Some(stall) = rules.stall
        && shared.rng.random::<f64>() < stall.share
    {
        return Verdict::Stall(stall.duration);
    }
    if let Some(storm) = &rules.storm
        && storm.limit.is_none_or(|limit| shared.storm_errors < limit)
        && shared.rng.random::<f64>() < storm.share
    {
        shared.storm_errors += 1;
        return Verdict::Refuse(
            storm.status,
            storm.code.clone(),
            "We encountered an internal error. Please try again.".into(),
        );
    }
    let slow_down = || {
        Verdict::Refuse(
            503,
            "SlowDown".into(),
            "Please reduce your request rate.".into(),
        )
    };
    if let Some(limit) = &mut shared.global_limit
        && !limit.take()
    {
        return slow_down();
    }
    let (_, key) = bucket_and_key(&seen.path);
    if !key.is_empty() {
        for (prefix, limit) in &mut shared.prefix_limits {
            if key.starts_with(prefix.as_str()) && !limit.take() {
                return slow_down();
            }
        }
    }
    Verdict::Forward
}

async fn cos_rules(state: &State, seen: &Seen, body: &Bytes) -> Verdict {
    if !state.shared().rules.cos {
        return Verdict::Forward;
    }
    if matches!(seen.method.as_str(), "PUT" | "POST") && !body.is_empty() {
        let Some(sent) = &seen.content_md5 else {
            return Verdict::Refuse(
                400,
                "MissingContentMD5".into(),
                "Missing required header for this request: Content-MD5".into(),
            );
        };
        let expected = base64::engine::general_purpose::STANDARD.encode(Md5::digest(body));
        if *sent != expected {
            return Verdict::Refuse(
                400,
                "BadDigest".into(),
                "The Content-MD5 you specified did not match what we received.".into(),
            );
        }
    }
    let (bucket, key) = bucket_and_key(&seen.path);
    if seen.method == "DELETE" && key.is_empty() && seen.query.is_empty() && !bucket.is_empty() {
        let mut uploads = Box::pin(state.upstream.list_uploads(&bucket, None, Some(1)));
        match uploads.next().await {
            Some(Ok(page)) if !page.is_empty() => {
                return Verdict::Refuse(
                    409,
                    "BucketNotEmpty".into(),
                    "The bucket you tried to delete is not empty".into(),
                );
            }
            Some(Err(err)) => {
                return Verdict::Refuse(
                    500,
                    "InternalError".into(),
                    format!("the test proxy could not list the bucket's uploads: {err}"),
                );
            }
            _ => {}
        }
    }
    Verdict::Forward
}

fn error_response(status: u16, code: &str, message: &str, resource: &str) -> Response<Full<Bytes>> {
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{}</Message><Resource>{}</Resource><RequestId>test-proxy</RequestId></Error>",
        xml_text(message),
        xml_text(resource)
    );
    let mut response = Response::new(Full::new(Bytes::from(xml)));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/xml"),
    );
    response
}

/// Escapes XML's markup characters and nothing else: control characters stay raw, as a hostile
/// server would send them.
fn xml_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

async fn forward(
    state: &State,
    parts: hyper::http::request::Parts,
    body: Bytes,
) -> Result<Response<Full<Bytes>>, String> {
    let mut request = Request::new(Full::new(body));
    *request.method_mut() = parts.method;
    *request.uri_mut() = parts
        .uri
        .path_and_query()
        .map(|pq| pq.as_str())
        .unwrap_or("/")
        .parse()
        .map_err(|e| format!("bad path: {e}"))?;
    *request.headers_mut() = parts.headers;
    request
        .headers_mut()
        .remove(hyper::header::TRANSFER_ENCODING);

    let mut sender = upstream_connection(state).await?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| format!("forwarding failed: {e}"))?;
    let (mut parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .map_err(|e| format!("reading the server's answer failed: {e}"))?
        .to_bytes();
    parts.headers.remove(hyper::header::TRANSFER_ENCODING);
    parts.headers.remove(hyper::header::CONTENT_LENGTH);
    if let Ok(mut idle) = state.idle.lock() {
        idle.push(sender);
    }
    Ok(Response::from_parts(parts, Full::new(body)))
}

/// A kept-alive connection to the server, or a new one.
async fn upstream_connection(state: &State) -> Result<SendRequest<Full<Bytes>>, String> {
    loop {
        let idle = state.idle.lock().ok().and_then(|mut idle| idle.pop());
        let Some(mut sender) = idle else { break };
        if sender.ready().await.is_ok() {
            return Ok(sender);
        }
    }
    let stream = tokio::net::TcpStream::connect(&state.upstream_addr)
        .await
        .map_err(|e| format!("cannot reach {}: {e}", state.upstream_addr))?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("handshake with {} failed: {e}", state.upstream_addr))?;
    tokio::spawn(async move {
        let _: Result<(), hyper::Error> = connection.await;
    });
    Ok(sender)
}
