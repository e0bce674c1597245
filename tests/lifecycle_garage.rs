//! Lifecycle rules against a real Garage server: changing one rule never loses another.
//!
//! Garage 2.5 keeps prefix and size filters, expiration by days or date, the abort action
//! and the status. It silently drops tag filters, transitions, noncurrent-version actions
//! and the deprecated rule-level prefix, and refuses an expiration without days or date, so
//! the rules we set up here use only what it keeps. Unit tests in `src/s3/lifecycle.rs`
//! cover the round trip of the rest.

mod common;

use std::process::ExitCode;

use aws_sdk_s3::primitives::DateTime;
use aws_sdk_s3::types::{
    self as sdk, ExpirationStatus, LifecycleExpiration, LifecycleRuleAndOperator,
    LifecycleRuleFilter,
};
use clap::Parser;
use partsweep::cli::lifecycle::{self, LifecycleArgs};
use partsweep::cli::output::Format;
use partsweep::cli::{Context, Resolved};
use partsweep::s3::{ErrorKind, LifecycleRule, RuleChange, RuleRef, RuleScope, S3, Written};

fn raw_rule(
    id: &str,
    status: ExpirationStatus,
    filter: LifecycleRuleFilter,
    expiration: LifecycleExpiration,
) -> LifecycleRule {
    LifecycleRule::from_sdk(
        sdk::LifecycleRule::builder()
            .id(id)
            .status(status)
            .filter(filter)
            .expiration(expiration)
            .build()
            .expect("rule"),
    )
}

/// Rules another tool wrote: an expiration under a prefix, a disabled rule, a size filter
/// and an expiration on a date.
fn existing_rules() -> Vec<LifecycleRule> {
    vec![
        raw_rule(
            "expire-logs",
            ExpirationStatus::Enabled,
            LifecycleRuleFilter::builder().prefix("logs/").build(),
            LifecycleExpiration::builder().days(30).build(),
        ),
        raw_rule(
            "paused",
            ExpirationStatus::Disabled,
            LifecycleRuleFilter::builder().prefix("tmp/").build(),
            LifecycleExpiration::builder().days(2).build(),
        ),
        raw_rule(
            "big-scratch",
            ExpirationStatus::Enabled,
            LifecycleRuleFilter::builder()
                .and(
                    LifecycleRuleAndOperator::builder()
                        .prefix("scratch/")
                        .object_size_greater_than(1_048_576)
                        .build(),
                )
                .build(),
            LifecycleExpiration::builder()
                .date(DateTime::from_secs(1_893_456_000))
                .build(),
        ),
    ]
}

async fn bucket_with_rules(s3: &S3, label: &str) -> (String, Vec<LifecycleRule>) {
    let bucket = common::bucket(s3, label).await;
    let rules = existing_rules();
    s3.put_lifecycle_rules(&bucket, &rules)
        .await
        .expect("put rules");
    let stored = s3.lifecycle_rules(&bucket).await.expect("read rules");
    assert_eq!(
        stored, rules,
        "garage keeps every field of the set-up rules"
    );
    (bucket, rules)
}

fn find<'a>(rules: &'a [LifecycleRule], id: &str) -> &'a LifecycleRule {
    rules
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("rule {id} is missing from {rules:#?}"))
}

/// The one rule carrying `id` in `rules`, as a change names it.
fn target(rules: &[LifecycleRule], id: &str) -> RuleRef {
    let index = rules
        .iter()
        .position(|r| r.id == id)
        .unwrap_or_else(|| panic!("rule {id} is missing from {rules:#?}"));
    RuleRef::at(rules, index).expect("rule")
}

/// Makes `change` and returns the rules read back after it.
async fn change(s3: &S3, bucket: &str, change: &RuleChange) -> Vec<LifecycleRule> {
    match s3.change_lifecycle(bucket, change).await {
        Ok(Written {
            read_back: Ok(rules),
        }) => rules,
        other => panic!("{change:?}: {other:?}"),
    }
}

fn assert_untouched(after: &[LifecycleRule], before: &[LifecycleRule], except: &str) {
    for rule in before.iter().filter(|r| r.id != except) {
        assert_eq!(find(after, &rule.id).sdk(), rule.sdk(), "rule {}", rule.id);
    }
}

#[tokio::test]
async fn a_bucket_without_rules_has_an_empty_list() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "lc-none").await;
    assert_eq!(s3.lifecycle_rules(&bucket).await.expect("read"), vec![]);
}

#[tokio::test]
async fn adding_an_abort_rule_keeps_every_other_rule_exactly() {
    let s3 = common::client().await;
    let (bucket, before) = bucket_with_rules(&s3, "lc-add").await;
    let after = change(
        &s3,
        &bucket,
        &RuleChange::AddAbort {
            id: "abort-7d".into(),
            prefix: String::new(),
            days: 7,
            enabled: true,
        },
    )
    .await;
    assert_eq!(after.len(), 4, "{after:#?}");
    assert_untouched(&after, &before, "abort-7d");
    let added = find(&after, "abort-7d");
    assert_eq!(added.abort_days, Some(7));
    assert_eq!(added.scope, RuleScope::WholeBucket);
    assert!(added.enabled);
    assert_eq!(
        added.actions,
        ["abort incomplete uploads 7 days after start"]
    );
}

#[tokio::test]
async fn edit_disable_and_delete_change_only_their_rule() {
    let s3 = common::client().await;
    let (bucket, before) = bucket_with_rules(&s3, "lc-edit").await;
    let add = RuleChange::AddAbort {
        id: "abort-uploads".into(),
        prefix: "uploads/".into(),
        days: 7,
        enabled: true,
    };
    let added = change(&s3, &bucket, &add).await;

    let edited = change(
        &s3,
        &bucket,
        &RuleChange::Edit {
            target: target(&added, "abort-uploads"),
            days: Some(3),
            prefix: Some("incoming/".into()),
            enabled: true,
        },
    )
    .await;
    assert_untouched(&edited, &before, "abort-uploads");
    let rule = find(&edited, "abort-uploads");
    assert_eq!(rule.abort_days, Some(3));
    assert_eq!(rule.scope, RuleScope::Prefix("incoming/".into()));

    // Disabling a rule partsweep did not write keeps its filter and expiration.
    let disabled = change(
        &s3,
        &bucket,
        &RuleChange::Edit {
            target: target(&edited, "big-scratch"),
            days: None,
            prefix: None,
            enabled: false,
        },
    )
    .await;
    let scratch = find(&disabled, "big-scratch");
    let original = find(&before, "big-scratch");
    assert!(!scratch.enabled);
    assert_eq!(scratch.sdk().filter, original.sdk().filter);
    assert_eq!(scratch.sdk().expiration, original.sdk().expiration);
    assert_eq!(scratch.abort_days, None);
    assert_untouched(&disabled, &edited, "big-scratch");

    let deleted = change(
        &s3,
        &bucket,
        &RuleChange::Delete {
            target: target(&disabled, "abort-uploads"),
        },
    )
    .await;
    assert_eq!(deleted.len(), 3);
    assert!(deleted.iter().all(|r| r.id != "abort-uploads"));
    assert_untouched(&deleted, &disabled, "abort-uploads");
}

#[tokio::test]
async fn deleting_the_last_rule_removes_the_configuration() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "lc-last").await;
    let add = RuleChange::AddAbort {
        id: "only".into(),
        prefix: String::new(),
        days: 1,
        enabled: true,
    };
    let added = change(&s3, &bucket, &add).await;
    assert_eq!(added.len(), 1);
    let delete = RuleChange::Delete {
        target: target(&added, "only"),
    };
    assert_eq!(change(&s3, &bucket, &delete).await, vec![]);
    assert_eq!(s3.lifecycle_rules(&bucket).await.expect("read"), vec![]);
}

fn without_id(rule: &LifecycleRule) -> LifecycleRule {
    let mut raw = rule.sdk().clone();
    raw.id = None;
    LifecycleRule::from_sdk(raw)
}

/// A bucket holding what Garage accepts and AWS would not: an expiration rule and an abort
/// rule, both without an id.
async fn bucket_with_rules_without_ids(s3: &S3, label: &str) -> (String, Vec<LifecycleRule>) {
    let bucket = common::bucket(s3, label).await;
    let rules = vec![
        without_id(&existing_rules()[0]),
        without_id(&LifecycleRule::new_abort("x", "", 7, true).expect("rule")),
    ];
    s3.put_lifecycle_rules(&bucket, &rules)
        .await
        .expect("put rules");
    let stored = s3.lifecycle_rules(&bucket).await.expect("read rules");
    assert_eq!(stored, rules, "garage keeps rules without ids");
    (bucket, stored)
}

#[tokio::test]
async fn a_rule_without_an_id_is_edited_and_deleted_at_its_own_place() {
    let s3 = common::client().await;
    let (bucket, before) = bucket_with_rules_without_ids(&s3, "lc-noid").await;
    let second = RuleRef::at(&before, 1).expect("rule");
    let edit = RuleChange::Edit {
        target: second,
        days: Some(2),
        prefix: None,
        enabled: true,
    };
    let edited = change(&s3, &bucket, &edit).await;
    assert_eq!(edited[0], before[0], "the expiration rule is untouched");
    assert_eq!(edited[1].abort_days, Some(2));
    let delete = RuleChange::Delete {
        target: RuleRef::at(&edited, 1).expect("rule"),
    };
    let deleted = change(&s3, &bucket, &delete).await;
    assert_eq!(deleted, before[..1], "only the abort rule went");
}

#[tokio::test]
async fn a_rule_changed_moved_or_removed_since_it_was_read_is_refused_and_nothing_written() {
    let s3 = common::client().await;
    let (bucket, read) = bucket_with_rules_without_ids(&s3, "lc-stale").await;
    let delete_second = RuleChange::Delete {
        target: RuleRef::at(&read, 1).expect("rule"),
    };
    // Elsewhere, meanwhile: the abort rule's period changes; then the rule before it goes.
    let mut changed = read.clone();
    changed[1] = without_id(&LifecycleRule::new_abort("x", "", 3, true).expect("rule"));
    let moved = read[1..].to_vec();
    for now in [changed, moved] {
        s3.put_lifecycle_rules(&bucket, &now).await.expect("put");
        let err = s3
            .change_lifecycle(&bucket, &delete_second)
            .await
            .expect_err("stale");
        assert_eq!(err.kind, ErrorKind::Stale, "{err:?}");
        assert!(err.message.contains("rule 2 (no id)"), "{err:?}");
        assert_eq!(s3.lifecycle_rules(&bucket).await.expect("read"), now);
    }
}

#[tokio::test]
async fn splitting_moves_only_the_abort_action_to_the_new_scope() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "lc-split").await;
    let mut raw = existing_rules()[0].sdk().clone();
    raw.abort_incomplete_multipart_upload = Some(
        sdk::AbortIncompleteMultipartUpload::builder()
            .days_after_initiation(7)
            .build(),
    );
    let logs = LifecycleRule::from_sdk(raw);
    s3.put_lifecycle_rules(&bucket, std::slice::from_ref(&logs))
        .await
        .expect("put");
    let read = s3.lifecycle_rules(&bucket).await.expect("read");
    let split = RuleChange::SplitAbort {
        target: target(&read, "expire-logs"),
        id: "expire-logs-abort".into(),
        prefix: "tmp/".into(),
        days: 3,
        enabled: true,
    };
    let after = change(&s3, &bucket, &split).await;
    assert_eq!(after.len(), 2, "{after:#?}");
    assert_eq!(
        after[0].sdk(),
        existing_rules()[0].sdk(),
        "the expiration keeps prefix logs/ and loses only the abort action"
    );
    assert_eq!(after[1].id, "expire-logs-abort");
    assert_eq!(after[1].scope, RuleScope::Prefix("tmp/".into()));
    assert_eq!(
        after[1].actions,
        ["abort incomplete uploads 3 days after start"]
    );
}

/// Garage stores a rule id with a control character, then echoes it raw in XML no client can
/// parse: the write succeeded, the read-back fails.
#[tokio::test]
async fn a_failed_read_back_after_a_write_is_not_a_failed_change() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "lc-readback").await;
    let add = RuleChange::AddAbort {
        id: "bad\u{1}id".into(),
        prefix: String::new(),
        days: 3,
        enabled: true,
    };
    let written = s3.change_lifecycle(&bucket, &add).await.expect("written");
    let err = written.read_back.expect_err("read-back fails");
    assert_eq!(err.kind, ErrorKind::Protocol, "{err:?}");
    assert!(
        s3.lifecycle_rules(&bucket).await.is_err(),
        "the rule is on the server"
    );
    s3.put_lifecycle_rules(&bucket, &[])
        .await
        .expect("clean up");
}

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: LifecycleArgs,
}

async fn cli(s3: &S3, read_only: bool, args: &[&str]) -> ExitCode {
    let parsed = Cli::try_parse_from(std::iter::once("lifecycle").chain(args.iter().copied()))
        .expect("arguments parse");
    let settings = Resolved {
        connect: Default::default(),
        read_only,
        concurrency: 8,
        page_size: None,
        price_per_gb_month: partsweep::ops::cost::DEFAULT_PRICE_PER_GB_MONTH,
    };
    let mut ctx = Context::new(s3.clone(), &settings, Format::Json, true);
    lifecycle::run(&mut ctx, parsed.args).await.into()
}

#[tokio::test]
async fn cli_adds_and_removes_rules_with_script_friendly_exit_codes() {
    let s3 = common::client().await;
    let (bucket, before) = bucket_with_rules(&s3, "lc-cli").await;
    let b = bucket.as_str();

    assert_eq!(cli(&s3, false, &[b]).await, ExitCode::SUCCESS);
    let add = [
        b,
        "add-abort",
        "--days",
        "5",
        "--prefix",
        "up/",
        "--id",
        "cli",
    ];
    assert_eq!(cli(&s3, true, &add).await, ExitCode::from(1), "read-only");
    assert_eq!(s3.lifecycle_rules(b).await.expect("read"), before);

    let bad_days = [b, "add-abort", "--days", "0"];
    assert_eq!(cli(&s3, false, &bad_days).await, ExitCode::from(2));
    let duplicate = [b, "add-abort", "--days", "5", "--id", "paused"];
    assert_eq!(cli(&s3, false, &duplicate).await, ExitCode::from(2));
    assert_eq!(s3.lifecycle_rules(b).await.expect("read"), before);

    assert_eq!(cli(&s3, false, &add).await, ExitCode::SUCCESS);
    let after = s3.lifecycle_rules(b).await.expect("read");
    assert_eq!(find(&after, "cli").abort_days, Some(5));
    assert_untouched(&after, &before, "cli");

    assert_eq!(cli(&s3, false, &[b, "rm", "nope"]).await, ExitCode::from(2));
    assert_eq!(cli(&s3, false, &[b, "rm", "cli"]).await, ExitCode::SUCCESS);
    assert_eq!(s3.lifecycle_rules(b).await.expect("read"), before);
}

#[tokio::test]
async fn cli_rm_refuses_an_id_that_names_several_rules_and_takes_an_index() {
    let s3 = common::client().await;
    let (bucket, before) = bucket_with_rules_without_ids(&s3, "lc-cli-noid").await;
    let b = bucket.as_str();
    assert_eq!(cli(&s3, false, &[b, "rm", ""]).await, ExitCode::from(2));
    assert_eq!(
        cli(&s3, false, &[b, "rm", "--index", "3"]).await,
        ExitCode::from(2)
    );
    assert_eq!(
        cli(&s3, false, &[b, "rm", "--index", "0"]).await,
        ExitCode::from(2)
    );
    assert_eq!(s3.lifecycle_rules(b).await.expect("read"), before);
    assert_eq!(
        cli(&s3, false, &[b, "rm", "--index", "2"]).await,
        ExitCode::SUCCESS
    );
    assert_eq!(s3.lifecycle_rules(b).await.expect("read"), before[..1]);

    // Two rules with one id.
    let twins: Vec<_> = ["twin", "twin"]
        .iter()
        .zip(["a/", "b/"])
        .map(|(id, prefix)| LifecycleRule::new_abort(id, prefix, 7, true).expect("rule"))
        .collect();
    s3.put_lifecycle_rules(b, &twins).await.expect("put");
    assert_eq!(cli(&s3, false, &[b, "rm", "twin"]).await, ExitCode::from(2));
    assert_eq!(s3.lifecycle_rules(b).await.expect("read"), twins);
}
