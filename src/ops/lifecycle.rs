//! Lifecycle rules as S3 sees them: the checks an abort rule must pass before it is written,
//! and how well a bucket's rules clear incomplete uploads. The console's form and
//! `partsweep lifecycle` both use these, so both refuse and warn alike.

use crate::format;
use crate::s3::{LifecycleRule, RuleScope};
use crate::text::escape;

pub const MIN_DAYS: i32 = 1;
pub const MAX_DAYS: i32 = 3650;
/// S3 refuses a configuration with more rules than this.
pub const MAX_RULES: usize = 1000;
/// S3's limit on a rule id.
pub const MAX_ID_LEN: usize = 255;
pub const SCHEDULE_NOTE: &str =
    "The server applies rules on its own schedule (AWS: within a day or two; Garage: daily).";

/// What validating an abort rule found. `days` is set when the days text is valid.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleCheck {
    pub days: Option<i32>,
    pub errors: Vec<String>,
    /// Worth knowing, but the rule may be saved anyway.
    pub warnings: Vec<String>,
}

impl RuleCheck {
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Checks an abort rule before it is added (`editing: None`) or the rule at position
/// `editing` of `existing` is edited. `prefix` is `None` when the scope is not edited (tag or
/// size filters), `Some("")` for the whole bucket. The form and `partsweep lifecycle` both
/// use this.
pub fn check_abort_rule(
    existing: &[LifecycleRule],
    editing: Option<usize>,
    id: &str,
    prefix: Option<&str>,
    days: &str,
) -> RuleCheck {
    let mut check = RuleCheck::default();
    let days = days.trim();
    let edited_rule = editing.and_then(|index| existing.get(index));
    let days_optional = edited_rule.is_some_and(|r| r.abort_days.is_none());
    if days.is_empty() && days_optional {
        check.days = None;
    } else {
        match days.parse::<i32>() {
            Ok(n) if (MIN_DAYS..=MAX_DAYS).contains(&n) => check.days = Some(n),
            _ => check.errors.push(format!(
                "days must be a whole number from {MIN_DAYS} to {MAX_DAYS}"
            )),
        }
    }
    let id = id.trim();
    if editing.is_none() {
        if id.is_empty() {
            check.errors.push("the rule id is empty".into());
        } else if id.chars().count() > MAX_ID_LEN {
            check.errors.push(format!(
                "the rule id is longer than {MAX_ID_LEN} characters"
            ));
        } else if existing.iter().any(|r| r.id == id) {
            check
                .errors
                .push(format!("a rule with id {:?} already exists", escape(id)));
        }
        if existing.len() >= MAX_RULES {
            check.errors.push(format!(
                "this bucket already has {} rules, the most S3 allows",
                format::count(MAX_RULES as u64)
            ));
        }
    }
    // Overlap matters only for a rule that aborts uploads.
    if let (Some(prefix), Some(_)) = (prefix, check.days) {
        for (index, other) in existing.iter().enumerate() {
            if Some(index) == editing {
                continue;
            }
            let (Some(other_days), Some(other_prefix)) =
                (other.abort_days, other.scope.editable_prefix())
            else {
                continue;
            };
            if prefix.starts_with(other_prefix) || other_prefix.starts_with(prefix) {
                check.warnings.push(format!(
                    "overlaps rule {:?} ({}, aborts after {other_days}d{}): the shorter period wins",
                    escape(&other.id),
                    other.scope.describe(),
                    if other.enabled { "" } else { ", disabled" }
                ));
            }
        }
    }
    check
}

/// A rule id not yet used in the bucket.
pub fn default_rule_id(existing: &[LifecycleRule]) -> String {
    unused_id(existing, "abort-incomplete-uploads")
}

/// An id for the abort action split off `rule`: `<its id>-abort`, numbered if taken.
pub fn split_rule_id(existing: &[LifecycleRule], rule: &LifecycleRule) -> String {
    if rule.id.is_empty() {
        return default_rule_id(existing);
    }
    unused_id(existing, &format!("{}-abort", rule.id))
}

fn unused_id(existing: &[LifecycleRule], base: &str) -> String {
    let taken = |id: &str| existing.iter().any(|r| r.id == id);
    if !taken(base) {
        return base.into();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|id| !taken(id))
        .unwrap_or_else(|| base.into())
}

fn scope_words(prefix: &str) -> String {
    RuleScope::from_prefix(prefix).describe()
}

/// What else editing `rule` does, in words, beyond its abort action: its other actions
/// (expiry, transitions) belong to the whole rule, so they follow a new scope (`prefix`, `None`
/// when unchanged) and a new status. Empty when the edit touches nothing else.
pub fn edit_side_effects(rule: &LifecycleRule, prefix: Option<&str>, enabled: bool) -> Vec<String> {
    if rule.other_actions.is_empty() {
        return Vec::new();
    }
    let others = escape(&rule.other_actions.join("; ")).into_owned();
    let mut lines = Vec::new();
    if let (Some(prefix), Some(current)) = (prefix, rule.scope.editable_prefix())
        && prefix != current
    {
        lines.push(format!(
            "this rule also has other actions ({others}): they move to the new scope too, {} instead of {}",
            escape(&scope_words(prefix)),
            escape(&scope_words(current)),
        ));
    }
    if enabled != rule.enabled {
        let verb = if enabled { "enabling" } else { "disabling" };
        let effect = if enabled { "starts" } else { "stops" };
        lines.push(format!(
            "{verb} this rule also {effect} its other actions ({others})"
        ));
    }
    lines
}

/// Whether the abort action of `rule` can be given a scope of its own instead of moving the
/// whole rule to `prefix`: only when the scope changes and the rule does something else too.
pub fn can_split(rule: &LifecycleRule, prefix: Option<&str>) -> bool {
    let scope_changes = matches!(
        (prefix, rule.scope.editable_prefix()),
        (Some(new), Some(current)) if new != current
    );
    scope_changes && !rule.other_actions.is_empty()
}

/// Whether incomplete uploads in a bucket are aborted automatically.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coverage {
    /// Not read yet, or not readable with these credentials.
    Unknown,
    None,
    /// An enabled rule covers the whole bucket; the shortest period.
    WholeBucket(i32),
    /// Enabled rules cover only some prefixes or filtered objects; the shortest period.
    Partly(i32),
}

impl Coverage {
    pub fn of(rules: &[LifecycleRule]) -> Coverage {
        let enabled_abort = || rules.iter().filter(|r| r.enabled && r.abort_days.is_some());
        let whole = enabled_abort()
            .filter(|r| r.scope == RuleScope::WholeBucket)
            .filter_map(|r| r.abort_days)
            .min();
        let any = enabled_abort().filter_map(|r| r.abort_days).min();
        match (whole, any) {
            (Some(days), _) => Coverage::WholeBucket(days),
            (None, Some(days)) => Coverage::Partly(days),
            (None, None) => Coverage::None,
        }
    }

    /// `-`, `none`, `7d`, or `7d part` for a prefix-only rule.
    pub fn label(&self) -> String {
        match self {
            Coverage::Unknown => "-".into(),
            Coverage::None => "none".into(),
            Coverage::WholeBucket(days) => format!("{days}d"),
            Coverage::Partly(days) => format!("{days}d part"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn abort(id: &str, prefix: &str, days: i32) -> LifecycleRule {
        LifecycleRule::new_abort(id, prefix, days, true).expect("rule")
    }

    #[test]
    fn days_outside_one_to_3650_are_refused() {
        for days in ["0", "3651", "-1", "seven", ""] {
            let check = check_abort_rule(&[], None, "r", Some(""), days);
            assert!(
                check.errors.iter().any(|e| e.contains("1 to 3650")),
                "{days}: {check:?}"
            );
        }
        let check = check_abort_rule(&[], None, "r", Some(""), "3650");
        assert!(check.is_ok(), "{check:?}");
        assert_eq!(check.days, Some(3650));
    }

    #[test]
    fn a_duplicate_or_empty_id_is_refused_when_adding() {
        let existing = [abort("weekly", "", 7)];
        let check = check_abort_rule(&existing, None, "weekly", Some("tmp/"), "3");
        assert!(check.errors.iter().any(|e| e.contains("already exists")));
        let check = check_abort_rule(&existing, None, "  ", Some("tmp/"), "3");
        assert!(check.errors.iter().any(|e| e.contains("empty")));
        // Editing keeps its own id.
        let check = check_abort_rule(&existing, Some(0), "weekly", Some(""), "3");
        assert!(check.is_ok(), "{check:?}");
    }

    #[test]
    fn an_overlapping_abort_prefix_warns_but_is_allowed() {
        let existing = [abort("logs", "logs/", 7)];
        let check = check_abort_rule(&existing, None, "new", Some("logs/app/"), "3");
        assert!(check.is_ok());
        assert_eq!(check.warnings.len(), 1, "{check:?}");
        assert!(check.warnings[0].contains("logs"));
        let disjoint = check_abort_rule(&existing, None, "new", Some("tmp/"), "3");
        assert!(disjoint.warnings.is_empty());
        let whole = check_abort_rule(&existing, None, "new", Some(""), "3");
        assert_eq!(
            whole.warnings.len(),
            1,
            "the whole bucket overlaps every prefix"
        );
    }

    #[test]
    fn more_than_a_thousand_rules_are_refused() {
        let existing: Vec<_> = (0..MAX_RULES)
            .map(|i| abort(&format!("r{i}"), &format!("p{i}/"), 7))
            .collect();
        let check = check_abort_rule(&existing, None, "one-more", Some("x/"), "7");
        assert!(
            check.errors.iter().any(|e| e.contains("1,000")),
            "{check:?}"
        );
    }

    #[test]
    fn default_ids_do_not_collide() {
        let existing = [abort("abort-incomplete-uploads", "", 7)];
        assert_eq!(default_rule_id(&existing), "abort-incomplete-uploads-2");
        assert_eq!(default_rule_id(&[]), "abort-incomplete-uploads");
    }

    #[test]
    fn coverage_prefers_a_whole_bucket_rule_and_ignores_disabled_ones() {
        assert_eq!(Coverage::of(&[]), Coverage::None);
        let partial = [abort("p", "tmp/", 3)];
        assert_eq!(Coverage::of(&partial).label(), "3d part");
        let mixed = [abort("p", "tmp/", 3), abort("w", "", 7)];
        assert_eq!(Coverage::of(&mixed).label(), "7d");
        let disabled = [LifecycleRule::new_abort("d", "", 1, false).expect("rule")];
        assert_eq!(Coverage::of(&disabled), Coverage::None);
    }

    fn expiring_and_aborting(id: &str, prefix: &str) -> LifecycleRule {
        use aws_sdk_s3::types::LifecycleExpiration;
        let mut raw = abort(id, prefix, 7).sdk().clone();
        raw.expiration = Some(LifecycleExpiration::builder().days(30).build());
        LifecycleRule::from_sdk(raw)
    }

    #[test]
    fn moving_or_disabling_a_rule_says_what_else_it_does() {
        let rule = expiring_and_aborting("logs", "logs/");
        let moved = edit_side_effects(&rule, Some("tmp/"), true);
        assert_eq!(
            moved,
            [
                "this rule also has other actions (expire objects after 30 days): they move to the new scope too, prefix tmp/ instead of prefix logs/"
            ]
        );
        assert!(can_split(&rule, Some("tmp/")));
        let disabled = edit_side_effects(&rule, Some("logs/"), false);
        assert_eq!(
            disabled,
            ["disabling this rule also stops its other actions (expire objects after 30 days)"]
        );
        assert!(!can_split(&rule, Some("logs/")), "the scope stays");
        assert!(!can_split(&rule, None));
        let plain = abort("weekly", "logs/", 7);
        assert!(edit_side_effects(&plain, Some(""), false).is_empty());
        assert!(!can_split(&plain, Some("")), "nothing else to leave behind");
    }

    #[test]
    fn a_split_off_rule_is_named_after_its_origin() {
        let rule = expiring_and_aborting("logs", "logs/");
        let existing = [rule.clone(), abort("logs-abort", "", 7)];
        assert_eq!(split_rule_id(&existing, &rule), "logs-abort-2");
        let no_id = expiring_and_aborting("", "logs/");
        assert_eq!(split_rule_id(&[], &no_id), "abort-incomplete-uploads");
    }
}
