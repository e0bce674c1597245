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
use partsweep::s3::{LifecycleRule, RuleChange, RuleScope, S3};

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
    let after = s3
        .change_lifecycle(
            &bucket,
            &RuleChange::AddAbort {
                id: "abort-7d".into(),
                prefix: String::new(),
                days: 7,
                enabled: true,
            },
        )
        .await
        .expect("add");
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
    s3.change_lifecycle(&bucket, &add).await.expect("add");

    let edited = s3
        .change_lifecycle(
            &bucket,
            &RuleChange::Edit {
                id: "abort-uploads".into(),
                days: Some(3),
                prefix: Some("incoming/".into()),
                enabled: true,
            },
        )
        .await
        .expect("edit");
    assert_untouched(&edited, &before, "abort-uploads");
    let rule = find(&edited, "abort-uploads");
    assert_eq!(rule.abort_days, Some(3));
    assert_eq!(rule.scope, RuleScope::Prefix("incoming/".into()));

    // Disabling a rule partsweep did not write keeps its filter and expiration.
    let disabled = s3
        .change_lifecycle(
            &bucket,
            &RuleChange::Edit {
                id: "big-scratch".into(),
                days: None,
                prefix: None,
                enabled: false,
            },
        )
        .await
        .expect("disable");
    let scratch = find(&disabled, "big-scratch");
    let original = find(&before, "big-scratch");
    assert!(!scratch.enabled);
    assert_eq!(scratch.sdk().filter, original.sdk().filter);
    assert_eq!(scratch.sdk().expiration, original.sdk().expiration);
    assert_eq!(scratch.abort_days, None);
    assert_untouched(&disabled, &edited, "big-scratch");

    let deleted = s3
        .change_lifecycle(
            &bucket,
            &RuleChange::Delete {
                id: "abort-uploads".into(),
            },
        )
        .await
        .expect("delete");
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
    assert_eq!(
        s3.change_lifecycle(&bucket, &add).await.expect("add").len(),
        1
    );
    let after = s3
        .change_lifecycle(&bucket, &RuleChange::Delete { id: "only".into() })
        .await
        .expect("delete");
    assert_eq!(after, vec![]);
    assert_eq!(s3.lifecycle_rules(&bucket).await.expect("read"), vec![]);
}

#[tokio::test]
async fn a_rule_changed_elsewhere_is_reported_not_recreated() {
    let s3 = common::client().await;
    let (bucket, before) = bucket_with_rules(&s3, "lc-gone").await;
    let err = s3
        .change_lifecycle(
            &bucket,
            &RuleChange::Delete {
                id: "not-there".into(),
            },
        )
        .await
        .expect_err("no such rule");
    assert!(err.message.contains("not-there"), "{err:?}");
    assert_eq!(s3.lifecycle_rules(&bucket).await.expect("read"), before);
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
