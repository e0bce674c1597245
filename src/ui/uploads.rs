use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::widgets::{Cell, Row};

use super::{draw_rows, flexible_width, listing_message, pane_block, placeholder, spinner};
use crate::app::{App, BucketView, RowState, UPLOAD_SORTS};
use crate::format;
use crate::text::{escape, fit_middle};

/// `2~abcdefgh…uvwxyz`: enough of an upload id to tell two apart.
pub fn short_id(id: &str, width: usize) -> String {
    let id = escape(id);
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= width || width < 5 {
        return crate::text::fit(&id, width);
    }
    let tail = (width - 1) / 3;
    let head = width - 1 - tail;
    let mut out: String = chars[..head].iter().collect();
    out.push('…');
    out.extend(&chars[chars.len() - tail..]);
    out
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, view: &BucketView) {
    let listing = &view.uploads;
    let marked = view.marked;
    let mut extra = String::new();
    if marked > 0 {
        extra.push_str(&format!(" · {} marked", format::count(marked as u64)));
    }
    if listing.loading {
        extra.push_str(&format!(" {} listing", spinner(app)));
    }
    extra.push_str(&format!(
        " · auto-clear: {}",
        super::lifecycle::coverage_words(app, &view.name)
    ));
    let block = pane_block(
        "Incomplete multipart uploads",
        &listing.table,
        UPLOAD_SORTS,
        &extra,
    );
    if let Some(lines) = listing_message(
        app,
        listing,
        "no incomplete multipart uploads: nothing hidden is billing you here",
    ) {
        return placeholder(frame, area, block, lines);
    }
    let fixed = [1, 14, 9, 16, 12];
    let key_width = flexible_width(area, &fixed);
    let header = Row::new(["", "Key", "Upload ID", "Age", "Initiated", "Class"]);
    let widths = [
        Constraint::Length(fixed[0]),
        Constraint::Min(key_width as u16),
        Constraint::Length(fixed[1]),
        Constraint::Length(fixed[2]),
        Constraint::Length(fixed[3]),
        Constraint::Length(fixed[4]),
    ];
    let now = app.now;
    draw_rows(frame, area, block, header, &widths, &listing.table, |row| {
        let upload = &row.upload;
        let (mark, style) = match row.state {
            RowState::Aborting => ("…", Style::default().fg(Color::Yellow)),
            RowState::Done => ("✓", Style::default().fg(Color::DarkGray)),
            RowState::Failed => ("✗", Style::default().fg(Color::Red)),
            RowState::Idle if row.marked => ("●", Style::default().fg(Color::Magenta)),
            RowState::Idle => (" ", Style::default()),
        };
        Row::new([
            Cell::from(mark),
            Cell::from(fit_middle(upload.key(), key_width)),
            Cell::from(short_id(&upload.upload_id(), fixed[1] as usize)).dark_gray(),
            Cell::from(format::age(upload.initiated(), now)),
            Cell::from(format::date(upload.initiated())),
            Cell::from(upload.storage_class().map_or("", |c| &**c).to_owned()).dark_gray(),
        ])
        .style(style)
    });
}
