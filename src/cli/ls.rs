//! `partsweep ls BUCKET[/PREFIX]`: the folders and files directly under a folder.

use std::pin::pin;

use clap::Args;
use futures::StreamExt;

use super::context::{Context, Exit};
use super::output::{Align, EntryRow, Format, OutputArgs, Rows};
use super::{Location, parse_location};
use crate::format;

#[derive(Debug, Clone, Args)]
pub struct LsArgs {
    /// BUCKET or BUCKET/FOLDER (a trailing `/` is implied).
    #[arg(value_name = "BUCKET[/PREFIX]", value_parser = parse_location)]
    pub location: Location,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub async fn run(ctx: &mut Context, args: LsArgs) -> Exit {
    let Location { bucket, mut prefix } = args.location;
    if !prefix.is_empty() && !prefix.ends_with('/') {
        prefix.push('/');
    }
    let mut rows = Rows::new(
        ctx.format,
        &[
            ("KIND", Align::Left),
            ("SIZE", Align::Right),
            ("MODIFIED", Align::Left),
            ("CLASS", Align::Left),
            ("NAME", Align::Left),
        ],
    );
    let mut pages = pin!(ctx.s3.list_folder(&bucket, &prefix));
    let mut exit = Exit::Success;
    while let Some(page) = pages.next().await {
        let entries = match page {
            Ok(entries) => entries,
            Err(err) => {
                let place = Location {
                    bucket: bucket.clone(),
                    prefix: prefix.clone(),
                };
                ctx.messages
                    .s3_error(&format!("cannot list {}", place.describe()), &err);
                exit = Exit::Failure;
                break;
            }
        };
        for entry in &entries {
            let row = EntryRow::new(&bucket, entry);
            rows.push(&mut ctx.out, &row, || {
                let file = row.kind == "file";
                vec![
                    row.kind.to_owned(),
                    if file {
                        format::bytes(entry.size)
                    } else {
                        "-".into()
                    },
                    format::date(entry.modified),
                    entry.storage_class.as_deref().unwrap_or("-").to_owned(),
                    entry.shown_name(&prefix).into_owned(),
                ]
            });
        }
        ctx.out.flush();
        if ctx.out.is_closed() {
            break;
        }
    }
    let listed = rows.count();
    rows.finish(&mut ctx.out);
    if listed == 0 && exit == Exit::Success && ctx.format == Format::Table {
        ctx.messages.note("nothing here");
    }
    exit
}
