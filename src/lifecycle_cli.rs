//! `partsweep lifecycle BUCKET [add-abort | rm]`: list and change lifecycle rules from scripts.
//! Exit codes: 0 done, 1 failed (including a read-only refusal), 2 invalid input.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde::Serialize;

use crate::ops::lifecycle::{Coverage, SCHEDULE_NOTE, check_abort_rule, default_rule_id};
use crate::s3::{LifecycleRule, RuleChange, RuleScope, S3};
use crate::text::escape;

const FAILED: u8 = 1;
const INVALID: u8 = 2;

#[derive(Debug, Clone, Args)]
pub struct LifecycleArgs {
    /// The bucket whose lifecycle rules to show or change.
    pub bucket: String,
    #[command(subcommand)]
    pub action: Option<LifecycleAction>,
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

#[derive(Serialize)]
struct RuleJson<'a> {
    id: &'a str,
    enabled: bool,
    /// "bucket", "prefix" or "filter".
    scope: &'static str,
    /// The prefix, or the filter in words.
    scope_detail: String,
    abort_days: Option<i32>,
    actions: &'a [String],
}

fn rule_json(rule: &LifecycleRule) -> RuleJson<'_> {
    let (scope, scope_detail) = match &rule.scope {
        RuleScope::WholeBucket => ("bucket", String::new()),
        RuleScope::Prefix(prefix) => ("prefix", prefix.clone()),
        RuleScope::Filtered(text) => ("filter", text.clone()),
    };
    RuleJson {
        id: &rule.id,
        enabled: rule.enabled,
        scope,
        scope_detail,
        abort_days: rule.abort_days,
        actions: &rule.actions,
    }
}

fn print_rules(bucket: &str, rules: &[LifecycleRule], json: bool) -> color_eyre::Result<()> {
    if json {
        let rules: Vec<RuleJson> = rules.iter().map(rule_json).collect();
        println!("{}", serde_json::to_string_pretty(&rules)?);
        return Ok(());
    }
    if rules.is_empty() {
        println!("{}: no lifecycle rules", escape(bucket));
    }
    for rule in rules {
        println!(
            "{}\t{}\t{}\t{}",
            escape(&rule.id),
            if rule.enabled { "enabled" } else { "disabled" },
            escape(&rule.scope.describe()),
            rule.actions.join("; ")
        );
    }
    let auto_clear = match Coverage::of(rules) {
        Coverage::None => "none: incomplete uploads stay until aborted".to_owned(),
        Coverage::Partly(days) => format!("{days}d, some prefixes only"),
        other => other.label(),
    };
    println!("auto-clear: {auto_clear}");
    Ok(())
}

fn fail(message: &str) -> ExitCode {
    eprintln!("partsweep: {message}");
    ExitCode::from(FAILED)
}

pub async fn run(
    s3: &S3,
    args: LifecycleArgs,
    read_only: bool,
    json: bool,
) -> color_eyre::Result<ExitCode> {
    let bucket = args.bucket;
    let Some(action) = args.action else {
        return match s3.lifecycle_rules(&bucket).await {
            Ok(rules) => {
                print_rules(&bucket, &rules, json)?;
                Ok(ExitCode::SUCCESS)
            }
            Err(err) => Ok(fail(&format!(
                "reading lifecycle rules of {}: {}",
                escape(&bucket),
                err.display_line()
            ))),
        };
    };
    if read_only {
        return Ok(fail(
            "read-only mode: lifecycle rules are not changed (drop --read-only to change them)",
        ));
    }
    let rules = match s3.lifecycle_rules(&bucket).await {
        Ok(rules) => rules,
        Err(err) => {
            return Ok(fail(&format!(
                "reading lifecycle rules of {}: {}",
                escape(&bucket),
                err.display_line()
            )));
        }
    };
    let change = match action {
        LifecycleAction::AddAbort {
            days,
            prefix,
            id,
            disabled,
        } => {
            let id = id.unwrap_or_else(|| default_rule_id(&rules));
            let prefix = prefix.unwrap_or_default();
            let check = check_abort_rule(&rules, None, &id, Some(&prefix), &days.to_string());
            for warning in &check.warnings {
                eprintln!("partsweep: warning: {warning}");
            }
            let Some(days) = check.days.filter(|_| check.is_ok()) else {
                for error in &check.errors {
                    eprintln!("partsweep: {error}");
                }
                return Ok(ExitCode::from(INVALID));
            };
            RuleChange::AddAbort {
                id: id.trim().to_owned(),
                prefix,
                days,
                enabled: !disabled,
            }
        }
        LifecycleAction::Rm { id } => {
            if !rules.iter().any(|r| r.id == id) {
                eprintln!(
                    "partsweep: bucket {} has no rule with id {:?}",
                    escape(&bucket),
                    escape(&id)
                );
                return Ok(ExitCode::from(INVALID));
            }
            RuleChange::Delete { id }
        }
    };
    match s3.change_lifecycle(&bucket, &change).await {
        Ok(rules) => {
            print_rules(&bucket, &rules, json)?;
            if !json {
                eprintln!("{SCHEDULE_NOTE}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => Ok(fail(&format!(
            "changing rule {} of {}: {}",
            escape(change.rule_id()),
            escape(&bucket),
            err.display_line()
        ))),
    }
}
