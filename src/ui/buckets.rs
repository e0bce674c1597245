use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Stylize;
use ratatui::widgets::{Cell, Row};

use super::{draw_rows, flexible_width, listing_message, pane_block, placeholder};
use crate::app::{App, BUCKET_SORTS};
use crate::format;
use crate::text::fit;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let listing = &app.buckets;
    let block = pane_block("Buckets", &listing.table, BUCKET_SORTS, "");
    if let Some(lines) = listing_message(app, listing, "no buckets here") {
        return placeholder(frame, area, block, lines);
    }
    let fixed = [14, 16, 9];
    let name_width = flexible_width(area, &fixed);
    let header = Row::new(["Name", "Region", "Created", "Age"]);
    let widths = [
        Constraint::Min(name_width as u16),
        Constraint::Length(fixed[0]),
        Constraint::Length(fixed[1]),
        Constraint::Length(fixed[2]),
    ];
    let now = app.now;
    draw_rows(
        frame,
        area,
        block,
        header,
        &widths,
        &listing.table,
        |bucket| {
            Row::new([
                Cell::from(fit(&bucket.name, name_width)).bold(),
                Cell::from(fit(
                    bucket.region.as_deref().unwrap_or("-"),
                    fixed[0] as usize,
                )),
                Cell::from(format::date(bucket.created)),
                Cell::from(format::age(bucket.created, now)).dark_gray(),
            ])
        },
    );
}
