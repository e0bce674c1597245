use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::Text;
use ratatui::widgets::{Cell, Row};

use super::{
    age_chart, draw_rows, flexible_width, listing_message, pane_block, placeholder, spinner,
};
use crate::app::{App, BucketView, RowSize, RowState, SizeState, UPLOAD_SORTS};
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
    let area = if view.sizes.show_chart {
        let [chart, list] =
            Layout::vertical([Constraint::Length(age_chart::HEIGHT), Constraint::Min(3)])
                .areas(area);
        age_chart::draw(frame, chart, &view.sizes.histogram);
        list
    } else {
        area
    };
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
    // The start date only where there is room: the age says it too, and the details in full.
    let with_date = area.width >= WIDE;
    let fixed: &[u16] = if with_date {
        &[1, 14, 9, 16, 9, 6, 9, 11]
    } else {
        &[1, 14, 9, 9, 6, 9, 11]
    };
    let key_width = flexible_width(area, fixed);
    let mut header: Vec<Text> = ["", "Key", "Upload ID", "Age"].map(Text::from).to_vec();
    if with_date {
        header.push(Text::from("Initiated"));
    }
    header.extend([
        Text::from("Class"),
        Text::from("Parts").right_aligned(),
        Text::from("Size").right_aligned(),
        Text::from("Last active"),
    ]);
    let mut widths = vec![
        Constraint::Length(fixed[0]),
        Constraint::Min(key_width as u16),
    ];
    widths.extend(fixed[1..].iter().map(|&w| Constraint::Length(w)));
    let header = Row::new(header);
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
        let mut cells = vec![
            Cell::from(mark),
            Cell::from(fit_middle(&upload.shown_key(), key_width)),
            Cell::from(short_id(&upload.upload_id(), fixed[1] as usize)).dark_gray(),
            Cell::from(format::age(upload.initiated(), now)),
        ];
        if with_date {
            cells.push(Cell::from(format::date(upload.initiated())));
        }
        cells.push(
            Cell::from(crate::text::fit(
                &escape(upload.storage_class().map_or("", |c| &**c)),
                9,
            ))
            .dark_gray(),
        );
        cells.extend(size_cells(&row.size, now));
        Row::new(cells).style(style)
    });
}

/// From this width on, the uploads pane also shows the start date.
const WIDE: u16 = 130;

/// Parts, Size and Last active: `…` until read, `?` when unreadable (the details say why).
fn size_cells(size: &RowSize, now: i64) -> [Cell<'static>; 3] {
    match size.state() {
        SizeState::Known(summary) => [
            Cell::from(Text::from(format::count(summary.parts)).right_aligned()),
            Cell::from(Text::from(format::bytes(summary.bytes)).right_aligned()),
            Cell::from(format::age(summary.last_activity, now)),
        ],
        SizeState::Unread => [
            Cell::from(Text::from("…").right_aligned()).dark_gray(),
            Cell::from(Text::from("…").right_aligned()).dark_gray(),
            Cell::from("…").dark_gray(),
        ],
        SizeState::Unknown => [
            Cell::from(Text::from("?").right_aligned()).red(),
            Cell::from(Text::from("?").right_aligned()).red(),
            Cell::from("?").red(),
        ],
    }
}
