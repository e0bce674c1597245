//! The test proxy by hand: a COS-strict (and optionally slow or failing) endpoint in front of
//! any S3 server, to point the console or a benchmark at.
//!
//! ```sh
//! AWS_ACCESS_KEY_ID=GK... AWS_SECRET_ACCESS_KEY=... \
//!   cargo run --example proxy -- http://127.0.0.1:3900 garage [--latency-ms 50] [--storm 0.1] [--lenient]
//! partsweep --endpoint-url <the printed endpoint> --region garage
//! ```
//! The keys are needed for the proxy's own ListMultipartUploads before a DeleteBucket.

#[path = "../tests/proxy/mod.rs"]
mod proxy;

use std::time::Duration;

use partsweep::s3::ConnectOptions;
use proxy::{Proxy, Rules, Storm};

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(endpoint), Some(region)) = (args.next(), args.next()) else {
        eprintln!(
            "usage: proxy ENDPOINT REGION [--latency-ms N] [--storm SHARE] [--lenient]  (keys from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)"
        );
        std::process::exit(2);
    };
    let mut rules = Rules::cos();
    while let Some(flag) = args.next() {
        let mut number = |name: &str| -> f64 {
            args.next()
                .and_then(|value| value.parse().ok())
                .unwrap_or_else(|| {
                    eprintln!("{name} needs a number");
                    std::process::exit(2)
                })
        };
        match flag.as_str() {
            "--latency-ms" => rules.latency = Duration::from_millis(number("--latency-ms") as u64),
            "--storm" => {
                rules.storm = Some(Storm {
                    share: number("--storm"),
                    ..Storm::unavailable()
                })
            }
            "--lenient" => rules.cos = false,
            other => {
                eprintln!("unknown argument {other}");
                std::process::exit(2);
            }
        }
    }
    let keys = std::env::var("AWS_ACCESS_KEY_ID")
        .ok()
        .zip(std::env::var("AWS_SECRET_ACCESS_KEY").ok());
    let upstream = ConnectOptions {
        region: Some(region),
        endpoint_url: Some(endpoint.clone()),
        path_style: true,
        static_keys: keys,
        ..ConnectOptions::default()
    };
    let proxy = Proxy::start(&upstream, rules.clone());
    println!("{} -> {endpoint}  {rules:?}", proxy.endpoint());
    println!("Ctrl-C stops it.");
    loop {
        std::thread::park();
    }
}
