//! `partsweep lifecycle BUCKET [add-abort | rm]`: list and change the lifecycle rules that
//! abort incomplete uploads, keeping the bucket's other rules exactly as they are.

use clap::{Args, Subcommand};
use serde::Serialize;

use super::context::{Context, Exit};
use super::output::{Align, Format, OutputArgs, Rows};
use crate::ops::lifecycle::{Coverage, SCHEDULE_NOTE, check_abort_rule, default_rule_id};
use crate::s3::{ErrorKind, LifecycleRule, RuleChange, RuleRef, RuleScope, Written, rule_label};
use crate::text::escape;

#[derive(Debug, Clone, Args)]
pub struct LifecycleArgs {
    /// The bucket whose lifecycle rules to show or change.
    pub bucket: String,
    #[command(subcommand)]
    pub action: Option<LifecycleAction>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Clone, Subcommand)]
pub enum LifecycleAction {
    /// Add a rule that aborts incomplete multipart uploads N days after they start.
    /// The bucket's other rules are kept as they are.
    AddAbort {
        /// Days after an upload starts (1-3650).
        #[arg(long, value_name = "N", allow_negative_numbers = true)]
        days: i64,
        /// Only uploads under this prefix [default: the whole bucket].
        #[arg(long, value_name = "P")]
        prefix: Option<String>,
        /// Rule id [default: abort-incomplete-uploads, numbered if taken].
        #[arg(long)]
        id: Option<String>,
        /// Add the rule disabled.
        #[arg(long)]
        disabled: bool,
    },
    /// Delete one rule, by id or by position; the others are kept. Deleting the last removes
    /// the configuration.
    Rm {
        /// The rule id, as `partsweep lifecycle BUCKET` lists it; refused unless exactly one
        /// rule carries it.
        #[arg(required_unless_present = "index", conflicts_with = "index")]
        id: Option<String>,
        /// The rule at this position instead, from 1, as the INDEX column lists it: for rules
        /// without an id or with the same id.
        #[arg(long, value_name = "N")]
        index: Option<usize>,
    },
}

/// A rule as scripts see it.
#[derive(Serialize)]
struct RuleRow<'a> {
    /// The position in the configuration, from 1: what `rm --index` takes.
    index: usize,
    id: &'a str,
    enabled: bool,
    /// "bucket", "prefix" or "filter".
    scope: &'static str,
    /// The prefix, or the filter in words.
    scope_detail: String,
    abort_days: Option<i32>,
    actions: &'a [String],
}

impl<'a> RuleRow<'a> {
    fn new(index: usize, rule: &'a LifecycleRule) -> Self {
        let (scope, scope_detail) = match &rule.scope {
            RuleScope::WholeBucket => ("bucket", String::new()),
            RuleScope::Prefix(prefix) => ("prefix", prefix.clone()),
            RuleScope::Filtered(text) => ("filter", text.clone()),
        };
        RuleRow {
            index: index + 1,
            id: &rule.id,
            enabled: rule.enabled,
            scope,
            scope_detail,
            abort_days: rule.abort_days,
            actions: &rule.actions,
        }
    }
}

fn print_rules(ctx: &mut Context, bucket: &str, rules: &[LifecycleRule]) {
    let mut rows = Rows::new(
        ctx.format,
        &[
            ("INDEX", Align::Right),
            ("ID", Align::Left),
            ("STATUS", Align::Left),
            ("SCOPE", Align::Left),
            ("ACTIONS", Align::Left),
        ],
    );
    for (index, rule) in rules.iter().enumerate() {
        rows.push(&mut ctx.out, &RuleRow::new(index, rule), || {
            vec![
                (index + 1).to_string(),
                if rule.id.is_empty() {
                    "(no id)".into()
                } else {
                    rule.id.clone()
                },
                if rule.enabled { "enabled" } else { "disabled" }.into(),
                rule.scope.describe(),
                rule.actions.join("; "),
            ]
        });
    }
    rows.finish(&mut ctx.out);
    if ctx.format != Format::Table {
        return;
    }
    if rules.is_empty() {
        ctx.messages
            .note(&format!("bucket {} has no lifecycle rules", escape(bucket)));
    }
    let auto_clear = match Coverage::of(rules) {
        Coverage::None => "none: incomplete uploads stay until aborted".to_owned(),
        Coverage::Partly(days) => format!("{days}d, some prefixes only"),
        other => other.label(),
    };
    ctx.out.line(&format!("auto-clear: {auto_clear}"));
    ctx.out.flush();
}

async fn read_rules(ctx: &mut Context, bucket: &str) -> Result<Vec<LifecycleRule>, Exit> {
    ctx.s3.lifecycle_rules(bucket).await.map_err(|err| {
        let context = format!(
            "cannot read the lifecycle rules of bucket {}",
            escape(bucket)
        );
        ctx.messages.s3_error(&context, &err);
        Exit::Failure
    })
}

pub async fn run(ctx: &mut Context, args: LifecycleArgs) -> Exit {
    let bucket = args.bucket;
    let Some(action) = args.action else {
        return match read_rules(ctx, &bucket).await {
            Ok(rules) => {
                print_rules(ctx, &bucket, &rules);
                Exit::Success
            }
            Err(exit) => exit,
        };
    };
    if let Some(exit) = ctx.refuse_if_read_only("changing lifecycle rules") {
        return exit;
    }
    let rules = match read_rules(ctx, &bucket).await {
        Ok(rules) => rules,
        Err(exit) => return exit,
    };
    let change = match checked_change(ctx, &bucket, &rules, action) {
        Ok(change) => change,
        Err(exit) => return exit,
    };
    match ctx.s3.change_lifecycle(&bucket, &change).await {
        Ok(Written {
            read_back: Ok(rules),
        }) => {
            print_rules(ctx, &bucket, &rules);
            if ctx.format == Format::Table {
                ctx.messages.note(SCHEDULE_NOTE);
            }
            Exit::Success
        }
        Ok(Written {
            read_back: Err(err),
        }) => {
            ctx.messages.warning(&format!(
                "changed {} of bucket {}: written; could not read back: {}",
                change.describe(),
                escape(&bucket),
                err.display_line()
            ));
            Exit::Success
        }
        Err(err) => {
            let context = format!(
                "cannot change {} of bucket {}",
                change.describe(),
                escape(&bucket)
            );
            ctx.messages.s3_error(&context, &err);
            if err.kind == ErrorKind::Stale {
                ctx.messages.note(&format!(
                    "`partsweep lifecycle {}` lists the rules as they are now",
                    escape(&bucket)
                ));
            }
            Exit::Failure
        }
    }
}

/// The change the action asks for, checked against the bucket's rules as the console's form
/// checks it; invalid input is a usage error.
fn checked_change(
    ctx: &mut Context,
    bucket: &str,
    rules: &[LifecycleRule],
    action: LifecycleAction,
) -> Result<RuleChange, Exit> {
    match action {
        LifecycleAction::AddAbort {
            days,
            prefix,
            id,
            disabled,
        } => {
            let id = id.unwrap_or_else(|| default_rule_id(rules));
            let prefix = prefix.unwrap_or_default();
            let check = check_abort_rule(rules, None, &id, Some(&prefix), &days.to_string());
            for warning in &check.warnings {
                ctx.messages.warning(warning);
            }
            let Some(days) = check.days.filter(|_| check.is_ok()) else {
                for error in &check.errors {
                    ctx.messages.error(error);
                }
                return Err(Exit::Usage);
            };
            Ok(RuleChange::AddAbort {
                id: id.trim().to_owned(),
                prefix,
                days,
                enabled: !disabled,
            })
        }
        LifecycleAction::Rm { id, index } => {
            let target = match (index, id) {
                (Some(position), _) => rule_at_position(ctx, bucket, rules, position)?,
                (None, Some(id)) => rule_with_id(ctx, bucket, rules, &id)?,
                (None, None) => return Err(Exit::Usage),
            };
            Ok(RuleChange::Delete { target })
        }
    }
}

/// The rule at `position` (from 1) as `partsweep lifecycle BUCKET` lists it.
fn rule_at_position(
    ctx: &mut Context,
    bucket: &str,
    rules: &[LifecycleRule],
    position: usize,
) -> Result<RuleRef, Exit> {
    if let Some(target) = position.checked_sub(1).and_then(|i| RuleRef::at(rules, i)) {
        return Ok(target);
    }
    let range = match rules.len() {
        0 => "it has none".to_owned(),
        1 => "--index takes 1".to_owned(),
        n => format!("--index takes 1 to {n}"),
    };
    ctx.messages.error(&format!(
        "bucket {} has no rule {position}: {range}",
        escape(bucket)
    ));
    Err(Exit::Usage)
}

/// The one rule carrying `id`; none or several is a usage error that names the rules.
fn rule_with_id(
    ctx: &mut Context,
    bucket: &str,
    rules: &[LifecycleRule],
    id: &str,
) -> Result<RuleRef, Exit> {
    let carrying: Vec<usize> = (0..rules.len()).filter(|&i| rules[i].id == id).collect();
    let named: Vec<usize> = match carrying.as_slice() {
        [index] => return RuleRef::at(rules, *index).ok_or(Exit::Usage),
        [] if rules.is_empty() => {
            ctx.messages.error(&format!(
                "bucket {} has no lifecycle rules, so none with id {:?}",
                escape(bucket),
                escape(id)
            ));
            return Err(Exit::Usage);
        }
        [] => {
            ctx.messages.error(&format!(
                "bucket {} has no rule with id {:?}; its rules:",
                escape(bucket),
                escape(id)
            ));
            (0..rules.len()).collect()
        }
        several => {
            ctx.messages.error(&format!(
                "{} rules of bucket {} carry id {:?}; name one with `rm --index N`:",
                several.len(),
                escape(bucket),
                escape(id)
            ));
            carrying
        }
    };
    for index in named {
        let rule = &rules[index];
        ctx.messages.note(&format!(
            "  {}: {}; {}",
            rule_label(index, rule),
            escape(&rule.scope.describe()),
            escape(&rule.actions.join("; "))
        ));
    }
    Err(Exit::Usage)
}
