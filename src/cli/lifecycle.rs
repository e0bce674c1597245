//! `partsweep lifecycle BUCKET [add-abort | rm]`: list and change the lifecycle rules that
//! abort incomplete uploads, keeping the bucket's other rules exactly as they are.

use clap::{Args, Subcommand};
use serde::Serialize;

use super::context::{Context, Exit};
use super::output::{Align, Format, OutputArgs, Rows};
use crate::ops::lifecycle::{Coverage, SCHEDULE_NOTE, check_abort_rule, default_rule_id};
use crate::s3::{LifecycleRule, RuleChange, RuleScope};
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
    /// Delete one rule by id; the others are kept. Deleting the last removes the configuration.
    Rm {
        /// The rule id, as `partsweep lifecycle BUCKET` lists it.
        id: String,
    },
}

/// A rule as scripts see it.
#[derive(Serialize)]
struct RuleRow<'a> {
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
    fn new(rule: &'a LifecycleRule) -> Self {
        let (scope, scope_detail) = match &rule.scope {
            RuleScope::WholeBucket => ("bucket", String::new()),
            RuleScope::Prefix(prefix) => ("prefix", prefix.clone()),
            RuleScope::Filtered(text) => ("filter", text.clone()),
        };
        RuleRow {
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
            ("ID", Align::Left),
            ("STATUS", Align::Left),
            ("SCOPE", Align::Left),
            ("ACTIONS", Align::Left),
        ],
    );
    for rule in rules {
        rows.push(&mut ctx.out, &RuleRow::new(rule), || {
            vec![
                rule.id.clone(),
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
        Ok(rules) => {
            print_rules(ctx, &bucket, &rules);
            if ctx.format == Format::Table {
                ctx.messages.note(SCHEDULE_NOTE);
            }
            Exit::Success
        }
        Err(err) => {
            let context = format!(
                "cannot change rule {} of bucket {}",
                escape(change.rule_id()),
                escape(&bucket)
            );
            ctx.messages.s3_error(&context, &err);
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
        LifecycleAction::Rm { id } => {
            if !rules.iter().any(|rule| rule.id == id) {
                ctx.messages.error(&format!(
                    "bucket {} has no rule with id {:?}",
                    escape(bucket),
                    escape(&id)
                ));
                return Err(Exit::Usage);
            }
            Ok(RuleChange::Delete { id })
        }
    }
}
