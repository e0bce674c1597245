//! One upload's details (Enter on an upload): bucket, exact key, upload id, who started it,
//! storage class, when it started and was last written to, and every part.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Row, Table, Wrap};

use super::dialog::centered;
use super::spinner;
use crate::app::{App, UploadDetails};
use crate::format;
use crate::keys::{Intent, Scope};
use crate::ops::sizes::Size;
use crate::text::escape;

const WIDTH: u16 = 96;
const HEIGHT: u16 = 30;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, details: &UploadDetails) {
    let rect = centered(area, WIDTH, HEIGHT);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(Style::default().fg(Color::Cyan))
        .title(Line::from(" Incomplete upload ").bold());
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);

    let upload = &details.upload;
    let now = app.now;
    let parts = details.parts.as_ref().and_then(|p| p.as_ref().ok());
    let field = |name: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{name:<18}"), Style::default().fg(Color::Gray)),
            Span::raw(value),
        ])
    };
    let mut lines = vec![
        field("Bucket", escape(&details.bucket).into_owned()),
        field("Key", escape(&upload.key).into_owned()),
        field("Upload ID", escape(&upload.upload_id).into_owned()),
    ];
    let who = |name: Option<&String>| match (&details.parts, name) {
        (_, Some(name)) => escape(name).into_owned(),
        (None, None) => "…".into(),
        (Some(_), None) => "-".into(),
    };
    lines.push(field(
        "Initiator / owner",
        format!(
            "{} / {}",
            who(parts.and_then(|p| p.initiator.as_ref())),
            who(parts.and_then(|p| p.owner.as_ref()))
        ),
    ));
    lines.push(field(
        "Storage class",
        upload
            .storage_class
            .as_deref()
            .map(str::to_owned)
            .or_else(|| parts.and_then(|p| p.storage_class.clone()))
            .unwrap_or_else(|| "-".into()),
    ));
    lines.push(field(
        "Started",
        format!(
            "{} ({})",
            format::date(upload.initiated),
            format::age(upload.initiated, now)
        ),
    ));
    let (written, size) = match &details.size {
        Some(Size::Known(summary)) => {
            let written = if summary.parts == 0 {
                "no part yet".to_owned()
            } else {
                format!(
                    "{} ({})",
                    format::date(summary.last_activity),
                    format::age(summary.last_activity, now)
                )
            };
            let size = format!(
                "{} in {} part{}",
                format::bytes(summary.bytes),
                format::count(summary.parts),
                if summary.parts == 1 { "" } else { "s" }
            );
            (Line::raw(written), Line::raw(size))
        }
        Some(Size::Unknown(reason)) => (
            Line::raw("unknown"),
            Line::from(format!("unknown: {}", escape(reason))).red(),
        ),
        None => (
            Line::raw(format!("{} reading…", spinner(app))),
            Line::raw(format!("{} reading…", spinner(app))),
        ),
    };
    let mut label = |name: &str, value: Line<'static>| {
        let mut spans = vec![Span::styled(
            format!("{name:<18}"),
            Style::default().fg(Color::Gray),
        )];
        spans.extend(value.spans);
        lines.push(Line::from(spans).style(value.style));
    };
    label("Last part written", written);
    label("Size", size);

    let head_height = lines.len() as u16 + 1;
    let [head, table, footer] = Layout::vertical([
        Constraint::Length(head_height),
        Constraint::Min(2),
        Constraint::Length(1),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), head);
    let keys = &app.keymap;
    let mut hint = format!(
        "{}/{} scroll · {} closes",
        keys.first(Scope::Details, Intent::Up),
        keys.first(Scope::Details, Intent::Down),
        keys.first(Scope::Details, Intent::Cancel)
    );

    match &details.parts {
        None => frame.render_widget(
            Line::from(format!("{} reading the parts…", spinner(app))),
            table,
        ),
        Some(Err(err)) => frame.render_widget(
            Paragraph::new(vec![
                Line::from("The parts could not be read:").red(),
                Line::from(escape(&err.display_line()).into_owned()).red(),
            ])
            .wrap(Wrap { trim: false }),
            table,
        ),
        Some(Ok(parts)) if parts.parts.is_empty() => {
            frame.render_widget(Line::from("No part uploaded yet.").dark_gray(), table)
        }
        Some(Ok(parts)) => {
            let shown = table.height.saturating_sub(1) as usize;
            let scroll = details
                .scroll
                .min(parts.parts.len().saturating_sub(shown.max(1)));
            let rows: Vec<Row> = parts
                .parts
                .iter()
                .skip(scroll)
                .take(shown)
                .map(|part| {
                    Row::new([
                        format!("{:>5}", part.number),
                        format!("{:>10}", format::bytes(part.size)),
                        escape(&part.etag).into_owned(),
                        format!(
                            "{} ({})",
                            format::date(part.last_modified),
                            format::age(part.last_modified, now)
                        ),
                    ])
                })
                .collect();
            if parts.parts.len() > shown {
                hint = format!(
                    "parts {}–{} of {} · {hint}",
                    scroll + 1,
                    (scroll + shown).min(parts.parts.len()),
                    format::count(parts.parts.len() as u64)
                );
            }
            let widget = Table::new(
                rows,
                [
                    Constraint::Length(5),
                    Constraint::Length(10),
                    Constraint::Length(36),
                    Constraint::Min(20),
                ],
            )
            .header(
                Row::new(["    #", "      Size", "ETag", "Last modified"])
                    .style(Style::default().fg(Color::Gray).bold()),
            )
            .column_spacing(1);
            frame.render_widget(widget, table);
        }
    }
    frame.render_widget(Line::from(hint).dark_gray(), footer);
}
