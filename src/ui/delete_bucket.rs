//! The delete dialogs (counting, what blocks a bucket, type-the-name) and the delete progress.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Gauge, Paragraph, Wrap};

use super::dialog::centered;
use super::spinner;
use crate::app::{App, BlockedChoice, DeleteDialog, DeleteJob, DeleteJobKind};
use crate::format;
use crate::ops::delete::blockers;
use crate::ops::purge::Phase;
use crate::text::{escape, fit};

const WIDTH: u16 = 78;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    if let Some(job) = &app.deletion.job {
        draw_progress(frame, area, app, job);
    } else if let Some(dialog) = &app.deletion.dialog {
        draw_dialog(frame, area, app, dialog);
    }
}

fn boxed(frame: &mut Frame, area: Rect, title: &str, color: Color, lines: Vec<Line>) -> Rect {
    let inner_width = (WIDTH.min(area.width.saturating_sub(2)) as usize)
        .saturating_sub(2)
        .max(1);
    let height: usize = lines
        .iter()
        .map(|line| line.width().max(1).div_ceil(inner_width))
        .sum();
    let rect = centered(area, WIDTH, height as u16 + 2);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(Style::default().fg(color))
        .title(Line::from(format!(" {} ", fit(title, WIDTH as usize - 4))).bold());
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        rect,
    );
    inner
}

fn key_span(key: &str) -> Span<'static> {
    Span::styled(
        format!(" {key} "),
        Style::default().fg(Color::Black).bg(Color::Gray).bold(),
    )
}

fn draw_dialog(frame: &mut Frame, area: Rect, app: &App, dialog: &DeleteDialog) {
    match dialog {
        DeleteDialog::Counting { title, text } => {
            let lines = vec![
                Line::from(format!("{} {text}", spinner(app))),
                Line::default(),
                Line::from("esc cancels").dark_gray(),
            ];
            boxed(frame, area, title, Color::Yellow, lines);
        }
        DeleteDialog::Blocked {
            bucket,
            contents,
            selected,
        } => {
            let mut lines = vec![
                Line::from(format!("Bucket {} is not empty:", escape(bucket))).bold(),
                Line::from(format!("  {}", contents.summary())).yellow(),
                Line::default(),
                Line::from("What blocks deletion:"),
            ];
            lines.extend(
                blockers(contents)
                    .into_iter()
                    .map(|b| Line::from(format!("• {b}"))),
            );
            lines.push(Line::default());
            for (i, choice) in BlockedChoice::ALL.into_iter().enumerate() {
                let pointer = if i == *selected { "▶ " } else { "  " };
                let mut label = Span::raw(format!(" {}", choice.label()));
                if choice == BlockedChoice::EmptyAndDelete {
                    label = label.red().bold();
                }
                if i == *selected {
                    label = label.reversed();
                }
                lines.push(Line::from(vec![
                    Span::raw(pointer),
                    key_span(&choice.key().to_string()),
                    label,
                ]));
            }
            lines.push(Line::default());
            lines
                .push(Line::from("↑↓ choose · enter or the letter acts · esc cancels").dark_gray());
            boxed(frame, area, "Delete bucket", Color::Red, lines);
        }
        DeleteDialog::TypeName {
            bucket,
            contents,
            typed,
        } => {
            let matches = dialog.name_matches();
            let mut lines = vec![
                Line::from(format!(
                    "This deletes everything in bucket {}:",
                    escape(bucket)
                ))
                .bold(),
                Line::from(format!("  {}", contents.summary())).yellow(),
                Line::from("then the bucket itself. In order, each with progress:"),
            ];
            lines.extend(
                Phase::ALL
                    .iter()
                    .enumerate()
                    .map(|(i, p)| Line::from(format!("  {}. {}", i + 1, p.label())).dark_gray()),
            );
            lines.push(Line::from(
                "It cannot be undone. Nothing outside this bucket is touched.",
            ));
            lines.push(Line::default());
            lines.push(Line::from("Type the bucket name to confirm:"));
            lines.push(Line::from(vec![
                Span::raw("> "),
                Span::styled(
                    escape(typed).into_owned(),
                    Style::default().fg(if matches { Color::Green } else { Color::White }),
                ),
                Span::raw("▏"),
            ]));
            lines.push(if matches {
                Line::from(vec![
                    key_span("enter"),
                    Span::raw(" empty and delete    "),
                    key_span("esc"),
                    Span::raw(" cancel"),
                ])
            } else {
                Line::from(vec![
                    Span::raw("the name does not match yet    ").dark_gray(),
                    key_span("esc"),
                    Span::raw(" cancel"),
                ])
            });
            boxed(frame, area, "Empty and delete bucket", Color::Red, lines);
        }
    }
}

fn draw_progress(frame: &mut Frame, area: Rect, app: &App, job: &DeleteJob) {
    let bucket = escape(&job.bucket);
    let (title, mut lines) = match &job.kind {
        DeleteJobKind::Objects { what } => (
            format!("Deleting {what}"),
            vec![Line::from(format!("Bucket {bucket}"))],
        ),
        DeleteJobKind::DeleteBucket => (
            format!("Deleting bucket {bucket}"),
            vec![Line::from(format!(
                "{} DeleteBucket {bucket}…",
                spinner(app)
            ))],
        ),
        DeleteJobKind::EmptyAndDelete => {
            let current = job.progress.map(|p| p.phase);
            let position = current.and_then(|c| Phase::ALL.iter().position(|p| *p == c));
            let lines = Phase::ALL
                .iter()
                .enumerate()
                .map(|(i, phase)| match position {
                    Some(at) if i < at => Line::from(format!("✓ {}", phase.label())).green(),
                    Some(at) if i == at => Line::from(format!("▶ {}", phase.label())).bold(),
                    _ => Line::from(format!("  {}", phase.label())).dark_gray(),
                })
                .collect();
            (format!("Empty and delete {bucket}"), lines)
        }
    };
    let status = match job.progress {
        Some(progress) => progress.line(),
        None => "starting…".into(),
    };
    let state = if job.cancelling {
        "cancelling: batches in flight finish, nothing new starts".to_owned()
    } else {
        format!(
            "{} · esc cancels between batches",
            format::span((app.millis.saturating_sub(job.started) / 1000) as i64)
        )
    };
    lines.push(Line::default());
    lines.push(Line::from(status));
    lines.push(Line::default()); // the gauge goes here
    lines.push(Line::from(state).dark_gray());
    let gauge_row = lines.len() - 2;
    let inner = boxed(frame, area, &title, Color::Yellow, lines);
    let ratio = match job.progress {
        Some(p) if !p.listing && p.total > 0 => p.done as f64 / p.total as f64,
        _ => 0.0,
    };
    if inner.height as usize > gauge_row {
        let gauge_area = Rect::new(inner.x, inner.y + gauge_row as u16, inner.width, 1);
        frame.render_widget(
            Gauge::default()
                .gauge_style(Style::default().fg(Color::Green).bg(Color::Rgb(30, 30, 30)))
                .ratio(ratio.clamp(0.0, 1.0)),
            gauge_area,
        );
    }
}
