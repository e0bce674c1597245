//! The title bar, breadcrumbs and tabs, the status line (filter, progress, toasts) and key hints.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Gauge, Paragraph};

use super::spinner;
use crate::app::{App, JobKind, Level, Modal, Tab};
use crate::format;
use crate::keys::{Intent, Scope};
use crate::text::{escape, fit};

pub fn title(frame: &mut Frame, area: Rect, app: &App) {
    let mut spans = vec![
        Span::styled(
            " partsweep ",
            Style::default().fg(Color::Black).bg(Color::Cyan).bold(),
        ),
        Span::raw(" "),
        Span::raw(fit(&app.location, area.width.saturating_sub(30) as usize)).dark_gray(),
    ];
    if app.read_only {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            " READ-ONLY ",
            Style::default().fg(Color::Black).bg(Color::Yellow),
        ));
    }
    frame.render_widget(Line::from(spans), area);
}

pub fn breadcrumbs(frame: &mut Frame, area: Rect, app: &App) {
    let Some(view) = &app.bucket else {
        frame.render_widget(Line::from(" Buckets").bold(), area);
        return;
    };
    let tab = |label: String, active: bool| {
        if active {
            Span::styled(
                format!(" {label} "),
                Style::default().fg(Color::Black).bg(Color::White).bold(),
            )
        } else {
            Span::raw(format!(" {label} ")).dark_gray()
        }
    };
    let uploads = &view.uploads;
    let count = if uploads.loading {
        format!(
            "{} {}",
            format::count(uploads.table.items.len() as u64),
            spinner(app)
        )
    } else if uploads.error.is_some() {
        "!".to_owned()
    } else {
        format::count(uploads.table.items.len() as u64)
    };
    let tabs = vec![
        tab("1 Files".into(), view.tab == Tab::Files),
        Span::raw(" "),
        tab(
            format!("2 Incomplete uploads ({count})"),
            view.tab == Tab::Uploads,
        ),
        Span::raw(" "),
        tab("3 Lifecycle".into(), view.tab == Tab::Lifecycle),
    ];
    let tabs_width: usize = tabs.iter().map(|s| s.width()).sum();
    let room = (area.width as usize).saturating_sub(tabs_width + 4);
    let path = format!(" Buckets › {}/{}", escape(&view.name), escape(&view.prefix));
    let mut spans = vec![Span::raw(fit(&path, room)).bold(), Span::raw("  ")];
    spans.extend(tabs);
    frame.render_widget(Line::from(spans), area);
}

pub fn status_line(frame: &mut Frame, area: Rect, app: &App) {
    let keys = &app.keymap;
    let filtering = app.modals.iter().find_map(|modal| match modal {
        Modal::Filter(text) => Some(text),
        _ => None,
    });
    if let Some(text) = filtering {
        let line = Line::from(vec![
            Span::styled(
                " filter ",
                Style::default().fg(Color::Black).bg(Color::Yellow),
            ),
            Span::raw(format!(" {}", escape(text))),
            Span::styled("▏", Style::default().add_modifier(Modifier::SLOW_BLINK)),
            Span::raw(format!(
                "  {} keeps · {} clears · >7d older than, <1h newer than",
                keys.first(Scope::Filter, Intent::Accept),
                keys.first(Scope::Filter, Intent::Cancel)
            ))
            .dark_gray(),
        ]);
        frame.render_widget(line, area);
        return;
    }
    if let Some(job) = &app.job
        && let JobKind::Abort(aborts) = &job.kind
    {
        let done = aborts.done();
        let ratio = if aborts.total == 0 {
            1.0
        } else {
            done as f64 / aborts.total as f64
        };
        let seconds = (app.millis.saturating_sub(job.started)) as f64 / 1000.0;
        let rate = if seconds > 0.2 {
            done as f64 / seconds
        } else {
            0.0
        };
        let eta = if rate > 0.0 {
            format!(
                " · ETA {}",
                format::span(((aborts.total - done) as f64 / rate).ceil() as i64)
            )
        } else {
            String::new()
        };
        let state = if job.cancelling {
            "cancelling"
        } else {
            "aborting"
        };
        let failed = if aborts.failed.is_empty() {
            String::new()
        } else {
            format!(" · {} failed", format::count(aborts.failed.len() as u64))
        };
        let pace = match job.pace {
            Some(pace) => format!(
                " · {} in flight (limit {}) · {} throttled",
                pace.in_flight, pace.limit, pace.throttled
            ),
            None => String::new(),
        };
        let label = format!(
            "{state} {}: {}/{} · {:.0}/s{eta}{pace}{failed} · {} cancels",
            escape(&job.bucket),
            format::count(done as u64),
            format::count(aborts.total as u64),
            rate,
            keys.first(Scope::Job, Intent::Cancel)
        );
        let gauge = Gauge::default()
            .gauge_style(Style::default().fg(Color::Green).bg(Color::Rgb(30, 30, 30)))
            .ratio(ratio.clamp(0.0, 1.0))
            .label(fit(&label, area.width as usize));
        frame.render_widget(gauge, area);
        return;
    }
    if let Some(toast) = &app.toast {
        let style = match toast.level {
            Level::Info => Style::default().fg(Color::Green),
            Level::Warn => Style::default().fg(Color::Yellow),
            Level::Error => Style::default().fg(Color::Red).bold(),
        };
        frame.render_widget(
            Paragraph::new(fit(&format!(" {}", toast.text), area.width as usize)).style(style),
            area,
        );
    }
}

pub fn footer(frame: &mut Frame, area: Rect, app: &App) {
    let cancel = (app.keymap.first(Scope::Job, Intent::Cancel), "cancel job");
    let mut hints = match &app.job {
        // A delete's progress box takes no other key.
        Some(job) if job.holds_screen() => vec![cancel],
        Some(_) => {
            let mut hints = app.keymap.hints(app.scope());
            hints.insert(0, cancel);
            hints
        }
        None => app.keymap.hints(app.scope()),
    };
    // Help stays visible however narrow the terminal: it lists everything else.
    let help = hints
        .iter()
        .position(|(_, label)| *label == "help")
        .map(|i| hints.remove(i));
    let width = |(key, label): &(String, &str)| key.chars().count() + label.chars().count() + 4;
    let mut room = (area.width as usize).saturating_sub(help.as_ref().map_or(0, width));
    let mut spans = Vec::new();
    for hint in hints.iter().chain(help.iter()) {
        let needed = width(hint);
        if needed > room && !help.as_ref().is_some_and(|h| std::ptr::eq(h, hint)) {
            continue;
        }
        room = room.saturating_sub(needed);
        spans.push(Span::styled(
            format!(" {} ", hint.0),
            Style::default().fg(Color::Black).bg(Color::DarkGray),
        ));
        spans.push(Span::raw(format!(" {} ", hint.1)));
    }
    frame.render_widget(Line::from(spans), area);
}
