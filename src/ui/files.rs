use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::widgets::{Cell, Row};

use super::{draw_rows, flexible_width, listing_message, pane_block, placeholder, spinner};
use crate::app::{App, BucketView, FILE_SORTS};
use crate::format;
use crate::s3::EntryKind;
use crate::text::{escape, fit_middle};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, view: &BucketView) {
    let listing = &view.files;
    let loading = if listing.loading {
        format!(" {} loading", spinner(app))
    } else {
        String::new()
    };
    let marked = app.deletion.marked_in(&view.name);
    let loading = if marked > 0 {
        format!(" · {} marked{loading}", format::count(marked as u64))
    } else {
        loading
    };
    let block = pane_block("Files", &listing.table, FILE_SORTS, &loading);
    if let Some(lines) = listing_message(app, listing, "this folder is empty") {
        return placeholder(frame, area, block, lines);
    }
    let fixed = [10, 16, 12];
    let name_width = flexible_width(area, &fixed);
    let header = Row::new(["Name", "Size", "Modified", "Class"]);
    let widths = [
        Constraint::Min(name_width as u16),
        Constraint::Length(fixed[0]),
        Constraint::Length(fixed[1]),
        Constraint::Length(fixed[2]),
    ];
    let prefix = view.prefix.as_str();
    draw_rows(
        frame,
        area,
        block,
        header,
        &widths,
        &listing.table,
        |entry| {
            let name = fit_middle(&entry.shown_name(prefix), name_width);
            let name = if app.deletion.is_marked(&view.name, &entry.key) {
                format!("● {name}")
            } else {
                name
            };
            match entry.kind {
                EntryKind::Folder => {
                    Row::new([Cell::from(name).style(Style::default().fg(Color::Cyan).bold())])
                }
                EntryKind::File => Row::new([
                    Cell::from(name),
                    Cell::from(
                        ratatui::text::Line::from(format::bytes(entry.size)).right_aligned(),
                    ),
                    Cell::from(format::date(entry.modified)),
                    Cell::from(escape(entry.storage_class.as_deref().unwrap_or("")).into_owned())
                        .dark_gray(),
                ]),
            }
        },
    );
}
