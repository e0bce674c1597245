//! The Lifecycle tab: a bucket's rules, what each does in words, and the server's schedule.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Row};

use super::{draw_rows, flexible_width, listing_message, pane_block, placeholder, spinner};
use crate::app::{App, BucketView, LIFECYCLE_SORTS};
use crate::keys::{Intent, Scope};
use crate::ops::lifecycle::{Coverage, SCHEDULE_NOTE};
use crate::text::{escape, fit};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, view: &BucketView) {
    let [table_area, note_area] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(1)]).areas(area);
    frame.render_widget(
        Line::from(format!(" {SCHEDULE_NOTE}")).dark_gray(),
        note_area,
    );
    let listing = &view.lifecycle;
    let mut extra = format!(" · auto-clear: {}", coverage_words(app, &view.name));
    if listing.loading {
        extra.push_str(&format!(" {}", spinner(app)));
    }
    let block = pane_block("Lifecycle rules", &listing.table, LIFECYCLE_SORTS, &extra);
    let empty = format!(
        "no lifecycle rules: incomplete uploads stay (and are billed) until someone aborts them · {} adds a rule",
        app.keymap.first(Scope::Lifecycle, Intent::AddRule)
    );
    if let Some(lines) = listing_message(app, listing, &empty) {
        return placeholder(frame, table_area, block, lines);
    }
    // `#` is the rule's place in the configuration: what tells rules without an id apart.
    let fixed = [3, 24, 8, 22];
    let actions_width = flexible_width(table_area, &fixed);
    let header = Row::new(["#", "ID", "Status", "Scope", "Actions"]);
    let widths = [
        Constraint::Length(fixed[0]),
        Constraint::Length(fixed[1]),
        Constraint::Length(fixed[2]),
        Constraint::Length(fixed[3]),
        Constraint::Min(actions_width as u16),
    ];
    let items = &listing.table.items;
    draw_rows(
        frame,
        table_area,
        block,
        header,
        &widths,
        &listing.table,
        |rule| {
            let (status, style) = if rule.enabled {
                ("enabled", Style::default())
            } else {
                ("disabled", Style::default().fg(Color::DarkGray))
            };
            // The table sorts a view; its items stay in the server's order (at most 1,000).
            let position = items.iter().position(|item| std::ptr::eq(item, rule));
            let id = if rule.id.is_empty() {
                Cell::from("(no id)").dark_gray()
            } else {
                Cell::from(fit(&escape(&rule.id), fixed[1] as usize)).bold()
            };
            Row::new([
                Cell::from(position.map_or(String::new(), |p| format!("{:>3}", p + 1))),
                id,
                Cell::from(status),
                Cell::from(fit(&escape(&rule.scope.describe()), fixed[3] as usize)),
                Cell::from(fit(&escape(&rule.actions.join("; ")), actions_width)),
            ])
            .style(style)
        },
    );
}

/// "7 days after start", "none", "3 days, some prefixes only", or "unknown".
pub fn coverage_words(app: &App, bucket: &str) -> String {
    match app
        .coverage
        .get(bucket)
        .copied()
        .unwrap_or(Coverage::Unknown)
    {
        Coverage::Unknown => "unknown".into(),
        Coverage::None => "none".into(),
        Coverage::WholeBucket(days) => format!("{days}d"),
        Coverage::Partly(days) => format!("{days}d, some prefixes only"),
    }
}
