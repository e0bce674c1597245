//! The delete dialogs (counting, what blocks a bucket, type-the-name) and the delete progress.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Gauge, Paragraph, Wrap};

use super::dialog::centered;
use super::spinner;
use crate::app::{App, BlockedChoice, DeleteJobKind, Job};
use crate::format;
use crate::keys::{Intent, Scope};
use crate::ops::delete::blockers;
use crate::ops::purge::{Phase, Progress};
use crate::s3::BucketContents;
use crate::text::{escape, fit};

const WIDTH: u16 = 78;

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

/// Listing or counting before a delete is asked.
pub fn counting(frame: &mut Frame, area: Rect, app: &App, title: &str, text: &str) {
    let cancel = app.keymap.first(Scope::Counting, Intent::Cancel);
    let lines = vec![
        Line::from(format!("{} {text}", spinner(app))),
        Line::default(),
        Line::from(format!("{cancel} cancels")).dark_gray(),
    ];
    boxed(frame, area, title, Color::Yellow, lines);
}

/// A bucket that is not empty: what blocks deletion, and the choices.
pub fn blocked(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    bucket: &str,
    contents: &BucketContents,
    selected: usize,
) {
    let keys = &app.keymap;
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
        let pointer = if i == selected { "▶ " } else { "  " };
        let mut label = Span::raw(format!(" {}", choice.label()));
        if choice == BlockedChoice::EmptyAndDelete {
            label = label.red().bold();
        }
        if i == selected {
            label = label.reversed();
        }
        lines.push(Line::from(vec![
            Span::raw(pointer),
            key_span(&keys.first(Scope::DeleteBucket, choice.intent())),
            label,
        ]));
    }
    lines.push(Line::default());
    // The choice rows show each letter; this line names the keys that are not letters.
    lines.push(
        Line::from(format!(
            "{}{} choose · {} or the letter acts · {} cancels",
            keys.first(Scope::DeleteBucket, Intent::Up),
            keys.first(Scope::DeleteBucket, Intent::Down),
            keys.first(Scope::DeleteBucket, Intent::Accept),
            keys.first_named(Scope::DeleteBucket, Intent::Cancel),
        ))
        .dark_gray(),
    );
    boxed(frame, area, "Delete bucket", Color::Red, lines);
}

/// Empty and delete: the name must be typed exactly before the confirm key works.
pub fn type_name(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    bucket: &str,
    contents: &BucketContents,
    typed: &str,
) {
    let matches = bucket == typed;
    let confirm = app.keymap.first(Scope::TypeName, Intent::Accept);
    let cancel = app.keymap.first(Scope::TypeName, Intent::Cancel);
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
            key_span(&confirm),
            Span::raw(" empty and delete    "),
            key_span(&cancel),
            Span::raw(" cancel"),
        ])
    } else {
        Line::from(vec![
            Span::raw("the name does not match yet    ").dark_gray(),
            key_span(&cancel),
            Span::raw(" cancel"),
        ])
    });
    boxed(frame, area, "Empty and delete bucket", Color::Red, lines);
}

/// A delete job's progress, which holds the screen until it ends.
pub fn draw_progress(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    job: &Job,
    kind: &DeleteJobKind,
    progress: Option<Progress>,
) {
    let bucket = escape(&job.bucket);
    let (title, mut lines) = match kind {
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
            let current = progress.map(|p| p.phase);
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
    let status = match progress {
        Some(progress) => progress.line(),
        None => "starting…".into(),
    };
    let state = if job.cancelling {
        "cancelling: batches in flight finish, nothing new starts".to_owned()
    } else {
        format!(
            "{} · {} cancels between batches",
            format::span((app.millis.saturating_sub(job.started) / 1000) as i64),
            app.keymap.first(Scope::Job, Intent::Cancel)
        )
    };
    lines.push(Line::default());
    lines.push(Line::from(status));
    lines.push(Line::default()); // the gauge goes here
    lines.push(Line::from(state).dark_gray());
    let gauge_row = lines.len() - 2;
    let inner = boxed(frame, area, &title, Color::Yellow, lines);
    let ratio = match progress {
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
