use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Stylize;
use ratatui::widgets::{Cell, Row};

use super::{draw_rows, flexible_width, listing_message, pane_block, placeholder};
use crate::app::{App, BUCKET_SORTS};
use crate::format;
use crate::ops::lifecycle::Coverage;
use crate::text::fit;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let listing = &app.buckets;
    let block = pane_block("Buckets", &listing.table, BUCKET_SORTS, "");
    if let Some(lines) = listing_message(app, listing, "no buckets here") {
        return placeholder(frame, area, block, lines);
    }
    let fixed = [14, 16, 9, 10];
    let name_width = flexible_width(area, &fixed);
    let header = Row::new(["Name", "Region", "Created", "Age", "Auto-clear"]);
    let widths = [
        Constraint::Min(name_width as u16),
        Constraint::Length(fixed[0]),
        Constraint::Length(fixed[1]),
        Constraint::Length(fixed[2]),
        Constraint::Length(fixed[3]),
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
                auto_clear_cell(app, &bucket.name),
            ])
        },
    );
}

/// Whether a lifecycle rule clears this bucket's incomplete uploads: unprotected buckets stand out.
fn auto_clear_cell(app: &App, bucket: &str) -> Cell<'static> {
    let coverage = app
        .coverage
        .get(bucket)
        .copied()
        .unwrap_or(Coverage::Unknown);
    let cell = Cell::from(coverage.label());
    match coverage {
        Coverage::Unknown => cell.dark_gray(),
        Coverage::None => cell.yellow(),
        Coverage::WholeBucket(_) => cell.green(),
        Coverage::Partly(_) => cell,
    }
}
