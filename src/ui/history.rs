//! The History pane: the journal, newest first, and where it is kept.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Row};

use super::uploads::short_id;
use super::{draw_rows, flexible_width, listing_message, pane_block, placeholder, spinner};
use crate::app::{App, HISTORY_SORTS, HistoryView};
use crate::format;
use crate::keys::{Intent, Scope};
use crate::ops::journal::{self, Outcome};
use crate::text::{escape, fit, fit_middle};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, view: &HistoryView) {
    let [table_area, note_area] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(1)]).areas(area);
    let note = match &app.journal_problem {
        Some(problem) => Line::from(format!(" {}", escape(problem))).red(),
        None if view.journal.is_empty() => Line::default(),
        None => Line::from(format!(
            " journal: {} · `partsweep history` lists it in a shell",
            escape(&view.journal)
        ))
        .dark_gray(),
    };
    frame.render_widget(note, note_area);

    let listing = &view.listing;
    let mut extra = String::new();
    if view.left_out > 0 {
        extra.push_str(&format!(
            " · {} older not shown",
            format::count(view.left_out as u64)
        ));
    }
    if view.unreadable > 0 {
        extra.push_str(&format!(
            " · {} unreadable lines",
            format::count(view.unreadable as u64)
        ));
    }
    if listing.loading {
        extra.push_str(&format!(" {}", spinner(app)));
    }
    let block = pane_block("History", &listing.table, HISTORY_SORTS, &extra);
    let empty = format!(
        "no writes on record yet: every abort, delete and rule change will be listed here · {} goes back",
        app.keymap.first(Scope::History, Intent::Back)
    );
    if let Some(lines) = listing_message(app, listing, &empty) {
        return placeholder(frame, table_area, block, lines);
    }
    let fixed = [19, 13, 12, 18, 20];
    let key_width = flexible_width(table_area, &fixed);
    let header = Row::new([
        "Time (UTC)",
        "Action",
        "Outcome",
        "Bucket",
        "Key / rule",
        "Detail",
    ]);
    let widths = [
        Constraint::Length(fixed[0]),
        Constraint::Length(fixed[1]),
        Constraint::Length(fixed[2]),
        Constraint::Length(fixed[3]),
        Constraint::Min(key_width as u16),
        Constraint::Length(fixed[4]),
    ];
    draw_rows(
        frame,
        table_area,
        block,
        header,
        &widths,
        &listing.table,
        |row| {
            let entry = &row.entry;
            let outcome_style = match entry.outcome {
                Outcome::Failed => Style::default().fg(Color::Red).bold(),
                Outcome::AlreadyGone => Style::default().fg(Color::DarkGray),
                _ => Style::default().fg(Color::Green),
            };
            let target = match (&entry.key, &entry.rule) {
                (Some(key), _) => fit_middle(key, key_width),
                (None, Some(rule)) => fit(rule, key_width),
                (None, None) => String::new(),
            };
            let detail = match (&entry.error, &entry.upload_id) {
                (None, Some(upload_id)) => short_id(upload_id, fixed[4] as usize),
                _ => fit(&entry.detail_text(), fixed[4] as usize),
            };
            Row::new([
                Cell::from(journal::time_text(entry.time)),
                Cell::from(entry.action.label()),
                Cell::from(entry.outcome.label()).style(outcome_style),
                Cell::from(fit_middle(&entry.bucket, fixed[3] as usize)),
                Cell::from(target),
                Cell::from(detail).dark_gray(),
            ])
        },
    );
}
