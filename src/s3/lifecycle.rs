//! Bucket lifecycle rules. PutBucketLifecycleConfiguration replaces the whole configuration,
//! so every change reads the current rules, changes only its target, writes all of them back
//! and reads again. Each rule keeps the SDK rule it was read from: rules and fields partsweep
//! does not edit are written back exactly as the server sent them.
//!
//! Longer than 600 lines for its tests: the code ends near line 530; the rest proves the round
//! trip keeps what Garage drops and that rules are addressed by place and content.

use aws_sdk_s3::types::{
    self as sdk, AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, ExpirationStatus,
    LifecycleRuleFilter, TransitionDefaultMinimumObjectSize,
};

use super::{ErrorKind, S3, S3Error};
use crate::format;
use crate::text::escape;

/// Which objects and uploads a rule applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleScope {
    WholeBucket,
    Prefix(String),
    /// Tags or size limits, possibly with a prefix: shown, never edited.
    Filtered(String),
}

impl RuleScope {
    /// The scope of a rule filtered by `prefix` alone; empty is the whole bucket.
    pub fn from_prefix(prefix: &str) -> Self {
        if prefix.is_empty() {
            RuleScope::WholeBucket
        } else {
            RuleScope::Prefix(prefix.to_owned())
        }
    }

    pub fn describe(&self) -> String {
        match self {
            RuleScope::WholeBucket => "whole bucket".into(),
            RuleScope::Prefix(prefix) => format!("prefix {prefix}"),
            RuleScope::Filtered(text) => text.clone(),
        }
    }

    /// The prefix partsweep may edit: `Some("")` for the whole bucket, `None` for filtered rules.
    pub fn editable_prefix(&self) -> Option<&str> {
        match self {
            RuleScope::WholeBucket => Some(""),
            RuleScope::Prefix(prefix) => Some(prefix),
            RuleScope::Filtered(_) => None,
        }
    }
}

/// One lifecycle rule as partsweep shows it, plus the rule exactly as the server sent it.
#[derive(Debug, Clone, PartialEq)]
pub struct LifecycleRule {
    pub id: String,
    pub enabled: bool,
    pub scope: RuleScope,
    /// Every action of the rule in words, e.g. "expire objects after 30 days".
    pub actions: Vec<String>,
    /// Days after initiation when incomplete uploads are aborted, if the rule does that.
    pub abort_days: Option<i32>,
    /// The actions other than aborting uploads, in words: what moves with the rule's scope.
    pub other_actions: Vec<String>,
    raw: sdk::LifecycleRule,
}

impl LifecycleRule {
    /// Wraps a rule as the SDK models it (what the server sent, or a test fixture).
    pub fn from_sdk(raw: sdk::LifecycleRule) -> Self {
        let abort_days = raw
            .abort_incomplete_multipart_upload()
            .and_then(|a| a.days_after_initiation());
        let other_actions = describe_other_actions(&raw);
        let mut actions: Vec<String> = abort_days
            .map(|days| format!("abort incomplete uploads {} after start", plural_days(days)))
            .into_iter()
            .chain(other_actions.iter().cloned())
            .collect();
        if actions.is_empty() {
            actions.push("no actions".into());
        }
        LifecycleRule {
            id: raw.id().unwrap_or_default().to_owned(),
            enabled: *raw.status() == ExpirationStatus::Enabled,
            scope: scope_of(&raw),
            actions,
            abort_days,
            other_actions,
            raw,
        }
    }

    /// The rule as it will be written back.
    pub fn sdk(&self) -> &sdk::LifecycleRule {
        &self.raw
    }

    /// A new rule that only aborts incomplete uploads.
    pub fn new_abort(id: &str, prefix: &str, days: i32, enabled: bool) -> Result<Self, S3Error> {
        let raw = sdk::LifecycleRule::builder()
            .id(id)
            .status(status(enabled))
            .filter(LifecycleRuleFilter::builder().prefix(prefix).build())
            .abort_incomplete_multipart_upload(
                AbortIncompleteMultipartUpload::builder()
                    .days_after_initiation(days)
                    .build(),
            )
            .build()
            .map_err(|e| S3Error::new(ErrorKind::Other, format!("invalid rule: {e}")))?;
        Ok(Self::from_sdk(raw))
    }
}

fn status(enabled: bool) -> ExpirationStatus {
    if enabled {
        ExpirationStatus::Enabled
    } else {
        ExpirationStatus::Disabled
    }
}

// Older tools still write the deprecated rule-level <Prefix>: it must be read and kept.
#[allow(deprecated)]
fn scope_of(raw: &sdk::LifecycleRule) -> RuleScope {
    let prefix_scope = |prefix: Option<&str>| RuleScope::from_prefix(prefix.unwrap_or_default());
    let Some(filter) = raw.filter() else {
        return prefix_scope(raw.prefix());
    };
    let mut parts = Vec::new();
    let mut push_size = |greater: Option<i64>, less: Option<i64>| {
        if let Some(n) = greater {
            parts.push(format!("size > {}", format::bytes(n.max(0) as u64)));
        }
        if let Some(n) = less {
            parts.push(format!("size < {}", format::bytes(n.max(0) as u64)));
        }
    };
    let mut prefix = filter.prefix();
    let mut tags: Vec<&sdk::Tag> = filter.tag().into_iter().collect();
    push_size(
        filter.object_size_greater_than(),
        filter.object_size_less_than(),
    );
    if let Some(and) = filter.and() {
        prefix = prefix.or(and.prefix());
        tags.extend(and.tags());
        push_size(and.object_size_greater_than(), and.object_size_less_than());
    }
    if parts.is_empty() && tags.is_empty() {
        return prefix_scope(prefix);
    }
    for tag in tags.iter().rev() {
        parts.insert(0, format!("tag {}={}", tag.key(), tag.value()));
    }
    if let Some(p) = prefix.filter(|p| !p.is_empty()) {
        parts.insert(0, format!("prefix {p}"));
    }
    RuleScope::Filtered(parts.join(" · "))
}

fn plural_days(days: i32) -> String {
    if days == 1 {
        "1 day".into()
    } else {
        format!("{days} days")
    }
}

fn describe_other_actions(raw: &sdk::LifecycleRule) -> Vec<String> {
    let date = |d: &aws_sdk_s3::primitives::DateTime| format::date(Some(d.secs()));
    let mut actions = Vec::new();
    if let Some(expiration) = raw.expiration() {
        if let Some(days) = expiration.days() {
            actions.push(format!("expire objects after {}", plural_days(days)));
        }
        if let Some(on) = expiration.date() {
            actions.push(format!("expire objects on {}", date(on)));
        }
        if expiration.expired_object_delete_marker() == Some(true) {
            actions.push("remove expired delete markers".into());
        }
    }
    for transition in raw.transitions() {
        let class = transition
            .storage_class()
            .map(|c| c.as_str().to_owned())
            .unwrap_or_else(|| "another class".into());
        match (transition.days(), transition.date()) {
            (Some(days), _) => actions.push(format!("move to {class} after {}", plural_days(days))),
            (None, Some(on)) => actions.push(format!("move to {class} on {}", date(on))),
            (None, None) => actions.push(format!("move to {class}")),
        }
    }
    if let Some(noncurrent) = raw.noncurrent_version_expiration() {
        let mut text = match noncurrent.noncurrent_days() {
            Some(days) => format!("expire noncurrent versions after {}", plural_days(days)),
            None => "expire noncurrent versions".into(),
        };
        if let Some(keep) = noncurrent.newer_noncurrent_versions() {
            text.push_str(&format!(" (keep {keep} newest)"));
        }
        actions.push(text);
    }
    for transition in raw.noncurrent_version_transitions() {
        let class = transition
            .storage_class()
            .map(|c| c.as_str().to_owned())
            .unwrap_or_else(|| "another class".into());
        match transition.noncurrent_days() {
            Some(days) => actions.push(format!(
                "move noncurrent versions to {class} after {}",
                plural_days(days)
            )),
            None => actions.push(format!("move noncurrent versions to {class}")),
        }
    }
    actions
}

/// An existing rule as it was read: its place in the configuration (from 0) and its whole
/// content. Changes name a rule this way, never by id alone: servers may hold rules without an
/// id, or several with the same one (Garage checks neither).
#[derive(Debug, Clone, PartialEq)]
pub struct RuleRef {
    pub index: usize,
    /// Boxed: a rule as the SDK models it is large, and changes travel in small messages.
    pub rule: Box<LifecycleRule>,
}

impl RuleRef {
    /// The rule at `index` of `rules` as read.
    pub fn at(rules: &[LifecycleRule], index: usize) -> Option<Self> {
        let rule = Box::new(rules.get(index)?.clone());
        Some(RuleRef { index, rule })
    }

    /// `rule 2 "expire-logs"` or `rule 2 (no id)`: positions count from 1, as listed.
    pub fn label(&self) -> String {
        rule_label(self.index, &self.rule)
    }
}

/// `rule 2 "expire-logs"` or `rule 2 (no id)` for the rule at `index` (from 0), escaped.
pub fn rule_label(index: usize, rule: &LifecycleRule) -> String {
    if rule.sdk().id().is_some_and(|id| !id.is_empty()) {
        format!("rule {} \"{}\"", index + 1, escape(&rule.id))
    } else {
        format!("rule {} (no id)", index + 1)
    }
}

/// What to change in a bucket's lifecycle configuration.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleChange {
    /// Add a rule that aborts incomplete uploads `days` after they start.
    AddAbort {
        id: String,
        /// Empty for the whole bucket.
        prefix: String,
        days: i32,
        enabled: bool,
    },
    /// Change the abort period, the scope and the status of one rule; everything else stays.
    /// A new scope is the whole rule's: its other actions move with it.
    Edit {
        target: RuleRef,
        days: Option<i32>,
        /// `None` leaves the scope as it is; `Some("")` is the whole bucket.
        prefix: Option<String>,
        enabled: bool,
    },
    /// Give the abort action of `target` a scope of its own: `target` loses only its abort
    /// action (its scope, status and other actions stay), and a new rule `id` aborts uploads
    /// under `prefix` after `days`.
    SplitAbort {
        target: RuleRef,
        id: String,
        prefix: String,
        days: i32,
        enabled: bool,
    },
    Delete {
        target: RuleRef,
    },
}

impl RuleChange {
    /// The rules the change touches, for messages: `rule "weekly"`, `rule 2 (no id)`.
    pub fn describe(&self) -> String {
        let new_rule = |id: &str| format!("rule \"{}\"", escape(id));
        match self {
            RuleChange::AddAbort { id, .. } => new_rule(id),
            RuleChange::Edit { target, .. } | RuleChange::Delete { target } => target.label(),
            RuleChange::SplitAbort { target, id, .. } => {
                format!("{} and new {}", target.label(), new_rule(id))
            }
        }
    }
}

/// Where `target` is in `rules`, if it is still there exactly as read.
fn locate(rules: &[LifecycleRule], target: &RuleRef) -> Result<usize, S3Error> {
    match rules.get(target.index) {
        Some(rule) if rule.raw == target.rule.raw => Ok(target.index),
        _ => Err(S3Error::new(
            ErrorKind::Stale,
            format!(
                "{} is no longer on the server as it was read (changed, moved or removed elsewhere): nothing was written",
                target.label()
            ),
        )),
    }
}

fn refuse_taken_id(rules: &[LifecycleRule], id: &str) -> Result<(), S3Error> {
    if rules.iter().any(|r| r.id == id) {
        return Err(S3Error::new(
            ErrorKind::Other,
            format!("a rule with id {:?} already exists", escape(id)),
        ));
    }
    Ok(())
}

/// The rules to write: `rules` with only the rules named by `change` added, edited or removed.
/// A change to an existing rule is refused unless that rule is still at its place exactly as
/// it was read.
pub fn apply_change(
    mut rules: Vec<LifecycleRule>,
    change: &RuleChange,
) -> Result<Vec<LifecycleRule>, S3Error> {
    match change {
        RuleChange::AddAbort {
            id,
            prefix,
            days,
            enabled,
        } => {
            refuse_taken_id(&rules, id)?;
            rules.push(LifecycleRule::new_abort(id, prefix, *days, *enabled)?);
        }
        RuleChange::Edit {
            target,
            days,
            prefix,
            enabled,
        } => {
            let index = locate(&rules, target)?;
            let mut raw = rules[index].raw.clone();
            if let Some(days) = days {
                let mut abort = raw
                    .abort_incomplete_multipart_upload
                    .take()
                    .unwrap_or_else(|| AbortIncompleteMultipartUpload::builder().build());
                abort.days_after_initiation = Some(*days);
                raw.abort_incomplete_multipart_upload = Some(abort);
            }
            if let Some(prefix) = prefix {
                set_prefix(&mut raw, &rules[index].scope, prefix)?;
            }
            raw.status = status(*enabled);
            rules[index] = LifecycleRule::from_sdk(raw);
        }
        RuleChange::SplitAbort {
            target,
            id,
            prefix,
            days,
            enabled,
        } => {
            let index = locate(&rules, target)?;
            if rules[index].other_actions.is_empty() {
                return Err(S3Error::new(
                    ErrorKind::Other,
                    format!(
                        "{} does nothing but abort uploads: change its scope instead of splitting it",
                        target.label()
                    ),
                ));
            }
            refuse_taken_id(&rules, id)?;
            let mut raw = rules[index].raw.clone();
            raw.abort_incomplete_multipart_upload = None;
            rules[index] = LifecycleRule::from_sdk(raw);
            rules.push(LifecycleRule::new_abort(id, prefix, *days, *enabled)?);
        }
        RuleChange::Delete { target } => {
            let index = locate(&rules, target)?;
            rules.remove(index);
        }
    }
    Ok(rules)
}

/// Changes a rule's prefix in whichever place the rule keeps it, only if it differs.
#[allow(deprecated)]
fn set_prefix(
    raw: &mut sdk::LifecycleRule,
    scope: &RuleScope,
    prefix: &str,
) -> Result<(), S3Error> {
    let Some(current) = scope.editable_prefix() else {
        return Err(S3Error::new(
            ErrorKind::Other,
            "this rule filters by tags or size: partsweep leaves its scope as it is",
        ));
    };
    if current == prefix {
        return Ok(());
    }
    if raw.filter.is_none() && raw.prefix.is_some() {
        raw.prefix = Some(prefix.to_owned());
    } else {
        raw.prefix = None;
        raw.filter = Some(LifecycleRuleFilter::builder().prefix(prefix).build());
    }
    Ok(())
}

/// The configuration as read, including the setting that belongs to no rule.
struct Configuration {
    rules: Vec<LifecycleRule>,
    minimum_object_size: Option<TransitionDefaultMinimumObjectSize>,
}

impl S3 {
    /// The bucket's lifecycle rules; none configured is an empty list.
    pub async fn lifecycle_rules(&self, bucket: &str) -> Result<Vec<LifecycleRule>, S3Error> {
        Ok(self.read_lifecycle(bucket).await?.rules)
    }

    async fn read_lifecycle(&self, bucket: &str) -> Result<Configuration, S3Error> {
        let result = self
            .client
            .get_bucket_lifecycle_configuration()
            .bucket(bucket)
            .send()
            .await;
        match result {
            Ok(out) => Ok(Configuration {
                rules: out
                    .rules()
                    .iter()
                    .cloned()
                    .map(LifecycleRule::from_sdk)
                    .collect(),
                minimum_object_size: out.transition_default_minimum_object_size().cloned(),
            }),
            Err(err) => {
                let err = S3Error::from(err);
                if err.code.as_deref() == Some("NoSuchLifecycleConfiguration") {
                    Ok(Configuration {
                        rules: Vec::new(),
                        minimum_object_size: None,
                    })
                } else {
                    Err(err)
                }
            }
        }
    }

    /// Replaces the bucket's whole lifecycle configuration with `rules`; none deletes it.
    pub async fn put_lifecycle_rules(
        &self,
        bucket: &str,
        rules: &[LifecycleRule],
    ) -> Result<(), S3Error> {
        self.write_lifecycle(bucket, rules, None).await
    }

    async fn write_lifecycle(
        &self,
        bucket: &str,
        rules: &[LifecycleRule],
        minimum_object_size: Option<TransitionDefaultMinimumObjectSize>,
    ) -> Result<(), S3Error> {
        if rules.is_empty() {
            self.client
                .delete_bucket_lifecycle()
                .bucket(bucket)
                .send()
                .await?;
            return Ok(());
        }
        let configuration = BucketLifecycleConfiguration::builder()
            .set_rules(Some(rules.iter().map(|r| r.raw.clone()).collect()))
            .build()
            .map_err(|e| S3Error::new(ErrorKind::Other, format!("invalid configuration: {e}")))?;
        self.client
            .put_bucket_lifecycle_configuration()
            .bucket(bucket)
            .lifecycle_configuration(configuration)
            .set_transition_default_minimum_object_size(minimum_object_size)
            .customize()
            .mutate_request(self.body_checksums())
            .send()
            .await?;
        Ok(())
    }

    /// Reads the configuration, applies `change`, writes every rule back, and reads again to
    /// learn what the server holds. Once the write succeeded the change is made, whatever the
    /// read-back finds: [`Written::read_back`] says that separately.
    ///
    /// S3 offers no conditional write here: a change made elsewhere between our read and
    /// write is overwritten. The window is one round trip.
    pub async fn change_lifecycle(
        &self,
        bucket: &str,
        change: &RuleChange,
    ) -> Result<Written, S3Error> {
        let current = self.read_lifecycle(bucket).await?;
        let rules = apply_change(current.rules, change)?;
        self.write_lifecycle(bucket, &rules, current.minimum_object_size)
            .await?;
        Ok(Written {
            read_back: self.lifecycle_rules(bucket).await,
        })
    }
}

/// A lifecycle change the server accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    /// The rules the server holds now, or why reading them back failed (the change stands).
    pub read_back: Result<Vec<LifecycleRule>, S3Error>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_s3::types::{LifecycleExpiration, LifecycleRuleAndOperator, Tag};

    fn expiring(id: &str, prefix: &str, days: i32) -> LifecycleRule {
        LifecycleRule::from_sdk(
            sdk::LifecycleRule::builder()
                .id(id)
                .status(ExpirationStatus::Enabled)
                .filter(LifecycleRuleFilter::builder().prefix(prefix).build())
                .expiration(LifecycleExpiration::builder().days(days).build())
                .build()
                .expect("rule"),
        )
    }

    #[test]
    fn describes_scope_and_actions_in_words() {
        let rule = expiring("logs", "logs/", 30);
        assert_eq!(rule.scope, RuleScope::Prefix("logs/".into()));
        assert_eq!(rule.actions, ["expire objects after 30 days"]);
        let abort = LifecycleRule::new_abort("a", "", 7, true).expect("rule");
        assert_eq!(abort.scope, RuleScope::WholeBucket);
        assert_eq!(
            abort.actions,
            ["abort incomplete uploads 7 days after start"]
        );
        assert_eq!(abort.abort_days, Some(7));
    }

    #[test]
    fn tag_and_size_filters_are_shown_not_editable() {
        let raw = sdk::LifecycleRule::builder()
            .id("tagged")
            .status(ExpirationStatus::Disabled)
            .filter(
                LifecycleRuleFilter::builder()
                    .and(
                        LifecycleRuleAndOperator::builder()
                            .prefix("tmp/")
                            .tags(Tag::builder().key("team").value("ml").build().expect("tag"))
                            .object_size_greater_than(1024)
                            .build(),
                    )
                    .build(),
            )
            .expiration(LifecycleExpiration::builder().days(3).build())
            .build()
            .expect("rule");
        let rule = LifecycleRule::from_sdk(raw);
        assert!(!rule.enabled);
        let RuleScope::Filtered(text) = &rule.scope else {
            panic!("expected a filtered scope, got {:?}", rule.scope);
        };
        assert!(
            text.contains("prefix tmp/") && text.contains("tag team=ml"),
            "{text}"
        );
        let rules = vec![rule];
        let change = RuleChange::Edit {
            target: RuleRef::at(&rules, 0).expect("rule"),
            days: None,
            prefix: Some("other/".into()),
            enabled: true,
        };
        assert!(apply_change(rules, &change).is_err());
    }

    #[test]
    fn edits_touch_only_the_target_rule_and_its_edited_fields() {
        let keep = expiring("keep", "logs/", 30);
        let target = expiring("target", "tmp/", 10);
        let rules = vec![keep.clone(), target.clone()];
        let change = RuleChange::Edit {
            target: RuleRef::at(&rules, 1).expect("rule"),
            days: Some(3),
            prefix: None,
            enabled: false,
        };
        let rules = apply_change(rules, &change).expect("edit");
        assert_eq!(rules[0], keep);
        let edited = rules[1].sdk();
        assert_eq!(edited.expiration, target.sdk().expiration);
        assert_eq!(edited.filter, target.sdk().filter);
        assert_eq!(edited.status, ExpirationStatus::Disabled);
        assert_eq!(rules[1].abort_days, Some(3));
    }

    #[test]
    #[allow(deprecated)]
    fn fields_partsweep_does_not_edit_survive_every_change() {
        use aws_sdk_s3::types::{
            NoncurrentVersionExpiration, NoncurrentVersionTransition, Transition,
            TransitionStorageClass,
        };
        let archive = LifecycleRule::from_sdk(
            sdk::LifecycleRule::builder()
                .id("archive")
                .status(ExpirationStatus::Enabled)
                .filter(
                    LifecycleRuleFilter::builder()
                        .tag(
                            Tag::builder()
                                .key("keep")
                                .value("yes")
                                .build()
                                .expect("tag"),
                        )
                        .build(),
                )
                .transitions(
                    Transition::builder()
                        .days(30)
                        .storage_class(TransitionStorageClass::Glacier)
                        .build(),
                )
                .noncurrent_version_transitions(
                    NoncurrentVersionTransition::builder()
                        .noncurrent_days(10)
                        .storage_class(TransitionStorageClass::StandardIa)
                        .build(),
                )
                .noncurrent_version_expiration(
                    NoncurrentVersionExpiration::builder()
                        .noncurrent_days(90)
                        .newer_noncurrent_versions(3)
                        .build(),
                )
                .expiration(
                    LifecycleExpiration::builder()
                        .expired_object_delete_marker(true)
                        .build(),
                )
                .build()
                .expect("rule"),
        );
        assert_eq!(
            archive.actions,
            [
                "remove expired delete markers",
                "move to GLACIER after 30 days",
                "expire noncurrent versions after 90 days (keep 3 newest)",
                "move noncurrent versions to STANDARD_IA after 10 days",
            ]
        );
        let legacy = LifecycleRule::from_sdk(
            sdk::LifecycleRule::builder()
                .id("legacy")
                .status(ExpirationStatus::Enabled)
                .prefix("old/")
                .abort_incomplete_multipart_upload(
                    AbortIncompleteMultipartUpload::builder()
                        .days_after_initiation(5)
                        .build(),
                )
                .build()
                .expect("rule"),
        );
        assert_eq!(legacy.scope, RuleScope::Prefix("old/".into()));
        let rules = vec![archive.clone(), legacy.clone()];
        let add = RuleChange::AddAbort {
            id: "new".into(),
            prefix: String::new(),
            days: 7,
            enabled: true,
        };
        let added = apply_change(rules.clone(), &add).expect("add");
        assert_eq!(added[..2], rules[..]);
        // Disabling the tagged rule changes its status and nothing else.
        let disable = RuleChange::Edit {
            target: RuleRef::at(&rules, 0).expect("rule"),
            days: None,
            prefix: None,
            enabled: false,
        };
        let disabled = apply_change(rules.clone(), &disable).expect("disable");
        let mut expected = archive.sdk().clone();
        expected.status = ExpirationStatus::Disabled;
        assert_eq!(disabled[0].sdk(), &expected);
        // A legacy rule keeps its prefix where it was.
        let move_legacy = RuleChange::Edit {
            target: RuleRef::at(&rules, 1).expect("rule"),
            days: Some(2),
            prefix: Some("older/".into()),
            enabled: true,
        };
        let moved = apply_change(rules, &move_legacy).expect("edit");
        assert_eq!(moved[1].sdk().prefix.as_deref(), Some("older/"));
        assert_eq!(moved[1].sdk().filter, None);
        assert_eq!(moved[0], archive);
    }

    #[test]
    fn add_refuses_a_duplicate_id() {
        let rules = vec![expiring("x", "", 1)];
        let add = RuleChange::AddAbort {
            id: "x".into(),
            prefix: String::new(),
            days: 7,
            enabled: true,
        };
        assert!(apply_change(rules, &add).is_err());
    }

    fn without_id(rule: LifecycleRule) -> LifecycleRule {
        let mut raw = rule.sdk().clone();
        raw.id = None;
        LifecycleRule::from_sdk(raw)
    }

    /// Two rules without ids, as Garage accepts: an expiration, then an abort rule.
    fn two_rules_without_ids() -> Vec<LifecycleRule> {
        vec![
            without_id(expiring("", "logs/", 30)),
            without_id(LifecycleRule::new_abort("", "", 7, true).expect("rule")),
        ]
    }

    #[test]
    fn a_rule_without_an_id_is_changed_at_its_own_place() {
        let rules = two_rules_without_ids();
        let second = RuleRef::at(&rules, 1).expect("rule");
        assert_eq!(second.label(), "rule 2 (no id)");
        let deleted = apply_change(
            rules.clone(),
            &RuleChange::Delete {
                target: second.clone(),
            },
        )
        .expect("delete");
        assert_eq!(deleted, rules[..1], "the expiration rule stays");
        let edit = RuleChange::Edit {
            target: second,
            days: Some(2),
            prefix: None,
            enabled: true,
        };
        let edited = apply_change(rules.clone(), &edit).expect("edit");
        assert_eq!(edited[0], rules[0]);
        assert_eq!(edited[1].abort_days, Some(2));
    }

    #[test]
    fn a_rule_changed_moved_or_gone_since_it_was_read_is_refused() {
        let rules = two_rules_without_ids();
        let delete_second = RuleChange::Delete {
            target: RuleRef::at(&rules, 1).expect("rule"),
        };
        // Another tool changed its period, or removed the rule before it.
        let mut changed = rules.clone();
        changed[1] = without_id(LifecycleRule::new_abort("", "", 3, true).expect("rule"));
        let moved = rules[1..].to_vec();
        for now in [changed, moved, vec![]] {
            let err = apply_change(now, &delete_second).expect_err("stale");
            assert_eq!(err.kind, ErrorKind::Stale, "{err:?}");
            assert!(err.message.contains("rule 2 (no id)"), "{err:?}");
        }
    }

    #[test]
    fn splitting_gives_the_abort_action_its_own_scope_and_leaves_the_rest() {
        let mut raw = expiring("logs", "logs/", 30).sdk().clone();
        raw.abort_incomplete_multipart_upload = Some(
            AbortIncompleteMultipartUpload::builder()
                .days_after_initiation(7)
                .build(),
        );
        let both = LifecycleRule::from_sdk(raw);
        assert_eq!(both.other_actions, ["expire objects after 30 days"]);
        let rules = vec![expiring("keep", "", 90), both];
        let split = RuleChange::SplitAbort {
            target: RuleRef::at(&rules, 1).expect("rule"),
            id: "logs-abort".into(),
            prefix: "tmp/".into(),
            days: 3,
            enabled: true,
        };
        let after = apply_change(rules.clone(), &split).expect("split");
        assert_eq!(after[0], rules[0]);
        let mut expected = rules[1].sdk().clone();
        expected.abort_incomplete_multipart_upload = None;
        assert_eq!(after[1].sdk(), &expected, "scope and expiration stay");
        assert_eq!(after[2].id, "logs-abort");
        assert_eq!(after[2].scope, RuleScope::Prefix("tmp/".into()));
        assert_eq!(
            after[2].actions,
            ["abort incomplete uploads 3 days after start"]
        );
        // A rule that only aborts has nothing to leave behind.
        let lone = vec![LifecycleRule::new_abort("only", "", 7, true).expect("rule")];
        let split_lone = RuleChange::SplitAbort {
            target: RuleRef::at(&lone, 0).expect("rule"),
            id: "other".into(),
            prefix: "tmp/".into(),
            days: 3,
            enabled: true,
        };
        assert!(apply_change(lone, &split_lone).is_err());
    }
}
