//! Every write path on two servers: plain Garage, which is lenient, and Garage behind the test
//! proxy's COS rules (Content-MD5 on every body, no DeleteBucket while uploads remain), which
//! is as strict as Tencent COS. Seeding goes straight to Garage; the flow under test goes
//! through the server named.

mod common;
mod proxy;

use std::io::{Read, Write};

use std::sync::OnceLock;

use common::cli::{Run, invocation, partsweep_at};
use partsweep::ops::delete::{blockers, delete_all, delete_bucket_explained};
use partsweep::ops::journal::Journal;
use partsweep::ops::purge::{PurgeEnd, empty_and_delete};
use partsweep::s3::{
    ConnectOptions, ErrorKind, LifecycleRule, ObjectId, RequestChecksums, RuleChange, RuleRef, S3,
};
use proxy::{Outcome, Proxy, Rules};
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Server {
    Garage,
    Cos,
}

const BOTH: [Server; 2] = [Server::Garage, Server::Cos];

/// One COS-rules proxy for the whole test binary; tests tell their requests apart by bucket.
fn cos_proxy() -> &'static Proxy {
    static PROXY: OnceLock<Proxy> = OnceLock::new();
    PROXY.get_or_init(|| Proxy::start(&common::options(), Rules::cos()))
}

impl Server {
    fn options(self) -> ConnectOptions {
        match self {
            Server::Garage => common::options(),
            Server::Cos => cos_proxy().options(),
        }
    }

    async fn client(self) -> S3 {
        S3::connect(&self.options()).await
    }
}

/// A bucket on Garage with files (two under `photos/`) and `uploads` incomplete uploads.
async fn seeded_bucket(label: &str, uploads: usize) -> String {
    let garage = common::client().await;
    let bucket = common::bucket(&garage, label).await;
    for key in ["photos/a.jpg", "photos/2024/b.jpg", "top.txt"] {
        garage
            .put_object(&bucket, key, b"data".to_vec())
            .await
            .expect("put");
    }
    common::start_uploads(&garage, &bucket, "big/", uploads).await;
    bucket
}

/// Through the COS proxy, every request with a body on `bucket` carried Content-MD5 alone, and
/// the proxy refused none of them; returns how many there were.
fn assert_bodies_carried_md5_alone(bucket: &str) -> usize {
    let on_bucket: Vec<_> = cos_proxy()
        .seen()
        .into_iter()
        .filter(|seen| seen.path.trim_start_matches('/').split('/').next() == Some(bucket))
        .collect();
    let with_body: Vec<_> = on_bucket.iter().filter(|seen| seen.body_len > 0).collect();
    for seen in &with_body {
        assert!(seen.content_md5.is_some(), "no Content-MD5: {seen:?}");
        assert!(
            seen.checksum_headers.is_empty(),
            "flexible checksum headers sent: {seen:?}"
        );
    }
    let refused: Vec<_> = on_bucket
        .iter()
        .filter(
            |seen| matches!(&seen.outcome, Outcome::Refused(_, code) if code != "BucketNotEmpty"),
        )
        .collect();
    assert!(refused.is_empty(), "{refused:#?}");
    with_body.len()
}

#[tokio::test]
async fn the_cos_proxy_refuses_what_cos_refuses_and_garage_does_not() {
    let garage = common::client().await;
    let bucket = common::bucket(&garage, "cos-rules").await;
    garage
        .put_object(&bucket, "a.txt", b"a".to_vec())
        .await
        .expect("put");

    // The SDK's own default (a CRC32 header, no Content-MD5) is what COS turns away.
    let sdk_default = Server::Cos
        .client()
        .await
        .with_checksums(RequestChecksums::SdkCrc32);
    let refused = sdk_default
        .delete_objects(&bucket, &[ObjectId::key("a.txt")])
        .await
        .expect_err("no Content-MD5");
    assert_eq!(
        refused.code.as_deref(),
        Some("MissingContentMD5"),
        "{refused:?}"
    );
    assert_eq!(refused.status, Some(400));
    let rule = LifecycleRule::new_abort("abort-7d", "", 7, true).expect("rule");
    let refused = sdk_default
        .put_lifecycle_rules(&bucket, std::slice::from_ref(&rule))
        .await
        .expect_err("no Content-MD5");
    assert_eq!(
        refused.code.as_deref(),
        Some("MissingContentMD5"),
        "{refused:?}"
    );
    // Garage itself takes both.
    let lenient = garage.clone().with_checksums(RequestChecksums::SdkCrc32);
    lenient
        .put_lifecycle_rules(&bucket, &[rule])
        .await
        .expect("garage needs no Content-MD5");

    // A wrong digest: a raw request, refused before any signature is looked at.
    let address = cos_proxy()
        .endpoint()
        .trim_start_matches("http://")
        .to_owned();
    let answer = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(address).expect("connect");
        let body = "<Delete><Object><Key>a.txt</Key></Object></Delete>";
        let request = format!(
            "POST /{bucket}?delete HTTP/1.1\r\nhost: test\r\ncontent-md5: 1B2M2Y8AsgTpgAmY7PhCfg==\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).expect("send");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("answer");
        answer
    })
    .await
    .expect("raw request");
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("<Code>BadDigest</Code>"), "{answer}");

    // DeleteBucket over incomplete uploads: COS refuses, Garage deletes.
    for server in BOTH {
        let bucket = common::bucket(&garage, "uploads-only").await;
        common::start_uploads(&garage, &bucket, "big/", 2).await;
        let result = server.client().await.delete_bucket(&bucket).await;
        match server {
            Server::Cos => {
                let err = result.expect_err("COS refuses");
                assert_eq!(err.kind, ErrorKind::BucketNotEmpty, "{err:?}");
                assert_eq!(err.status, Some(409));
                assert!(common::bucket_exists(&common::client().await, &bucket).await);
            }
            Server::Garage => {
                result.expect("Garage deletes a bucket holding only uploads");
                assert!(!common::bucket_exists(&common::client().await, &bucket).await);
            }
        }
    }
}

#[tokio::test]
async fn the_precheck_names_the_uploads_and_a_refusal_over_them_says_so() {
    for server in BOTH {
        let bucket = seeded_bucket("precheck", 3).await;
        let s3 = server.client().await;
        let contents = s3.count_contents(&bucket).await.expect("count");
        assert_eq!((contents.objects, contents.uploads), (3, 3), "{server:?}");
        let blockers = blockers(&contents).join("\n");
        assert!(
            blockers.contains("3 incomplete uploads: Tencent COS"),
            "{server:?}: {blockers}"
        );

        let uploads_only = common::bucket(&common::client().await, "refusal").await;
        common::start_uploads(&common::client().await, &uploads_only, "big/", 3).await;
        let result = delete_bucket_explained(&s3, &Journal::off(), &uploads_only).await;
        match server {
            Server::Garage => assert!(result.is_ok(), "{result:?}"),
            Server::Cos => {
                let refusal = result.expect_err("COS refuses over uploads");
                let lines = refusal.explanation();
                assert!(lines[0].contains("BucketNotEmpty"), "{lines:?}");
                assert!(
                    lines[1].contains("this provider also counts incomplete uploads; 3 remain"),
                    "{lines:?}"
                );
            }
        }
    }
}

#[tokio::test]
async fn empty_and_delete_removes_files_uploads_and_the_bucket() {
    for server in BOTH {
        let bucket = seeded_bucket("purge", 4).await;
        let report = empty_and_delete(
            &server.client().await,
            &Journal::off(),
            &bucket,
            8,
            &CancellationToken::new(),
            |_| {},
        )
        .await;
        assert_eq!(
            report.end,
            PurgeEnd::BucketDeleted,
            "{server:?}: {:?}",
            report.lines()
        );
        assert_eq!((report.uploads_aborted, report.objects_deleted), (4, 3));
        assert!(!common::bucket_exists(&common::client().await, &bucket).await);
        if server == Server::Cos {
            assert!(assert_bodies_carried_md5_alone(&bucket) >= 1);
        }
    }
}

#[tokio::test]
async fn a_folder_delete_removes_exactly_the_folder() {
    for server in BOTH {
        let bucket = seeded_bucket("folder", 0).await;
        let s3 = server.client().await;
        let under: Vec<ObjectId> = common::object_keys(&s3, &bucket, "photos/")
            .await
            .into_iter()
            .map(ObjectId::key)
            .collect();
        let report = delete_all(
            &s3,
            &Journal::off(),
            &bucket,
            under,
            4,
            &CancellationToken::new(),
            |_, _| {},
        )
        .await;
        assert_eq!(report.deleted, 2, "{server:?}: {report:?}");
        assert!(report.failed.is_empty(), "{server:?}: {report:?}");
        assert_eq!(
            common::object_keys(&common::client().await, &bucket, "").await,
            ["top.txt"]
        );
        // Garage cannot list versions, so nothing is said about what versioning keeps.
        assert_eq!(
            s3.count_versions(&bucket, "photos/").await.expect("count"),
            None
        );
        if server == Server::Cos {
            assert_eq!(assert_bodies_carried_md5_alone(&bucket), 1);
        }
    }
}

#[tokio::test]
async fn lifecycle_rules_are_added_edited_and_deleted() {
    for server in BOTH {
        let bucket = seeded_bucket("lc", 0).await;
        let s3 = server.client().await;
        let change = |change: RuleChange| {
            let (s3, bucket) = (&s3, &bucket);
            async move {
                let written = s3.change_lifecycle(bucket, &change).await;
                written
                    .and_then(|w| w.read_back)
                    .unwrap_or_else(|err| panic!("{change:?}: {err:?}"))
            }
        };
        let added = change(RuleChange::AddAbort {
            id: "abort-7d".into(),
            prefix: String::new(),
            days: 7,
            enabled: true,
        })
        .await;
        assert_eq!(added.len(), 1, "{server:?}");
        let edited = change(RuleChange::Edit {
            target: RuleRef::at(&added, 0).expect("rule"),
            days: Some(2),
            prefix: Some("big/".into()),
            enabled: false,
        })
        .await;
        assert_eq!(edited[0].abort_days, Some(2), "{server:?}");
        assert!(!edited[0].enabled);
        let second = change(RuleChange::AddAbort {
            id: "abort-tmp".into(),
            prefix: "tmp/".into(),
            days: 1,
            enabled: true,
        })
        .await;
        assert_eq!(second.len(), 2);
        let seven_days = second.iter().position(|r| r.id == "abort-7d");
        let left = change(RuleChange::Delete {
            target: seven_days
                .and_then(|i| RuleRef::at(&second, i))
                .expect("rule"),
        })
        .await;
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].id, "abort-tmp");
        if server == Server::Cos {
            assert_eq!(assert_bodies_carried_md5_alone(&bucket), 4);
        }
    }
}

/// The real binary, headless, against `server`.
fn partsweep(server: Server, args: &[&str]) -> Run {
    partsweep_at(&server.options(), args)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_lifecycle_subcommand_adds_lists_and_removes_rules() {
    for server in BOTH {
        let bucket = seeded_bucket("cli-lc", 0).await;
        let b = bucket.clone();
        tokio::task::spawn_blocking(move || {
            let add = partsweep(
                server,
                &[
                    "lifecycle",
                    &b,
                    "add-abort",
                    "--days",
                    "7",
                    "--id",
                    "abort-7d",
                ],
            );
            assert_eq!(add.code, 0, "{server:?}: {add:?}");
            let add = partsweep(
                server,
                &[
                    "lifecycle",
                    &b,
                    "add-abort",
                    "--days",
                    "3",
                    "--prefix",
                    "big/",
                    "--id",
                    "abort-big",
                ],
            );
            assert_eq!(add.code, 0, "{server:?}: {add:?}");
            let list = partsweep(server, &["lifecycle", &b, "--json"]);
            assert_eq!(list.code, 0, "{list:?}");
            assert!(
                list.stdout.contains("abort-7d") && list.stdout.contains("abort-big"),
                "{list:?}"
            );
            let rm = partsweep(server, &["lifecycle", &b, "rm", "abort-7d"]);
            assert_eq!(rm.code, 0, "{server:?}: {rm:?}");
            let rm = partsweep(server, &["lifecycle", &b, "rm", "abort-big"]);
            assert_eq!(rm.code, 0, "{server:?}: {rm:?}");
        })
        .await
        .expect("cli");
        let rules = server
            .client()
            .await
            .lifecycle_rules(&bucket)
            .await
            .expect("rules");
        assert!(rules.is_empty(), "{rules:?}");
        if server == Server::Cos {
            assert_eq!(assert_bodies_carried_md5_alone(&bucket), 3);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn rb_names_the_uploads_it_refuses_over_and_force_yes_deletes_the_bucket() {
    for server in BOTH {
        let bucket = seeded_bucket("cli-rb", 2).await;
        let b = bucket.clone();
        let (refused, forced) = tokio::task::spawn_blocking(move || {
            (
                partsweep(server, &["rb", &b]),
                partsweep(server, &["rb", &b, "--force", "--yes"]),
            )
        })
        .await
        .expect("cli");
        assert_eq!(refused.code, 1, "{server:?}: {refused:?}");
        assert!(
            refused.stderr.contains(
                "2 incomplete uploads: Tencent COS, Alibaba OSS, Oracle and CoreWeave refuse"
            ),
            "{server:?}: {refused:?}"
        );
        assert_eq!(forced.code, 0, "{server:?}: {forced:?}");
        assert!(
            !common::bucket_exists(&common::client().await, &bucket).await,
            "{server:?}: {forced:?}"
        );
        if server == Server::Cos {
            assert!(assert_bodies_carried_md5_alone(&bucket) >= 1);
        }
    }

    // Uploads only: `rb` without --force still names them, and COS would refuse the delete.
    let bucket = common::bucket(&common::client().await, "cli-rb-uploads").await;
    common::start_uploads(&common::client().await, &bucket, "big/", 3).await;
    let b = bucket.clone();
    let refused = tokio::task::spawn_blocking(move || partsweep(Server::Cos, &["rb", &b]))
        .await
        .expect("cli");
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(refused.stderr.contains("0 files"), "{refused:?}");
    assert!(
        refused.stderr.contains("3 incomplete uploads"),
        "{refused:?}"
    );
    assert!(common::bucket_exists(&common::client().await, &bucket).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_console_names_the_uploads_then_empties_and_deletes_the_bucket() {
    for server in BOTH {
        let bucket = seeded_bucket("pty-x", 3).await;
        let name = bucket.clone();
        tokio::task::spawn_blocking(move || {
            let run = invocation(&server.options(), &[]);
            let mut console = run.in_terminal(40, 140);
            console.wait_for(&name);
            console.send(&format!("/{name}\r"));
            console.send("x");
            let dialog = console.wait_for("What blocks deletion");
            assert!(
                dialog.contains("3 incomplete uploads: Tencent COS"),
                "{server:?}: the dialog names the uploads:\n{dialog}"
            );
            console.send("e");
            console.wait_for("Type the bucket name to confirm");
            console.send(&name);
            console.send("\r");
            let done = console.wait_for("Bucket deleted");
            assert!(done.contains("is deleted"), "{server:?}:\n{done}");
            console.quit();
        })
        .await
        .expect("console session");
        assert!(
            !common::bucket_exists(&common::client().await, &bucket).await,
            "{server:?}"
        );
        if server == Server::Cos {
            assert!(assert_bodies_carried_md5_alone(&bucket) >= 1);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_console_deletes_a_folder() {
    for server in BOTH {
        let bucket = seeded_bucket("pty-folder", 0).await;
        let name = bucket.clone();
        tokio::task::spawn_blocking(move || {
            let run = invocation(&server.options(), &[]);
            let mut console = run.in_terminal(40, 140);
            console.wait_for(&name);
            console.send(&format!("/{name}\r"));
            console.send("\r");
            console.wait_for("top.txt");
            // Folders come first: the cursor is on photos/.
            console.send("d");
            console.wait_for("Delete 2 objects under photos/");
            console.send("y");
            let summary = console.wait_for("Delete finished");
            assert!(
                summary.contains("Deleted:        2"),
                "{server:?}:\n{summary}"
            );
            assert!(
                summary.contains("Failed:         0"),
                "{server:?}:\n{summary}"
            );
            console.quit();
        })
        .await
        .expect("console session");
        assert_eq!(
            common::object_keys(&common::client().await, &bucket, "").await,
            ["top.txt"],
            "{server:?}"
        );
        if server == Server::Cos {
            assert_eq!(assert_bodies_carried_md5_alone(&bucket), 1);
        }
    }
}
