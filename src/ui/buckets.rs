use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Cell, Row};

use super::{draw_rows, flexible_width, listing_message, pane_block, placeholder, spinner};
use crate::app::{App, BUCKET_SORTS, BucketRow, BucketScan};
use crate::format;
use crate::ops::cost::monthly_cost;
use crate::ops::lifecycle::Coverage;
use crate::text::{escape, fit};

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let [summary, area] = Layout::vertical([Constraint::Length(1), Constraint::Min(3)]).areas(area);
    summary_line(frame, summary, app);
    let listing = &app.buckets;
    let mut extra = String::new();
    if let Some(scan) = app.sizes.scan.filter(|s| !s.finished) {
        extra = format!(
            " · {} reading sizes {}/{}",
            spinner(app),
            format::count(scan.done as u64),
            format::count(scan.buckets as u64)
        );
    }
    let block = pane_block("Buckets", &listing.table, BUCKET_SORTS, &extra);
    if let Some(lines) = listing_message(app, listing, "no buckets here") {
        return placeholder(frame, area, block, lines);
    }
    let fixed = [12, 16, 10, 8, 10, 8];
    let name_width = flexible_width(area, &fixed);
    let header = Row::new([
        Text::from("Name"),
        Text::from("Region"),
        Text::from("Created"),
        Text::from("Auto-clear"),
        Text::from("Uploads").right_aligned(),
        Text::from("Size").right_aligned(),
        Text::from("Oldest").right_aligned(),
    ]);
    let widths = [
        Constraint::Min(name_width as u16),
        Constraint::Length(fixed[0]),
        Constraint::Length(fixed[1]),
        Constraint::Length(fixed[2]),
        Constraint::Length(fixed[3]),
        Constraint::Length(fixed[4]),
        Constraint::Length(fixed[5]),
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
            let mut cells = vec![
                name_cell(bucket, name_width),
                Cell::from(fit(
                    bucket.region.as_deref().unwrap_or("-"),
                    fixed[0] as usize,
                )),
                Cell::from(format::date(bucket.created)),
                auto_clear_cell(app, &bucket.name),
            ];
            cells.extend(scan_cells(&bucket.scan, now));
            Row::new(cells)
        },
    );
}

/// The name, and for a bucket that could not be read, why.
fn name_cell(bucket: &BucketRow, width: usize) -> Cell<'static> {
    match &bucket.scan {
        BucketScan::Failed(err) => {
            let name = escape(&bucket.name).into_owned();
            let room = width.saturating_sub(name.chars().count() + 3);
            Cell::from(Line::from(vec![
                Span::raw(name).bold(),
                Span::raw("  "),
                Span::styled(
                    fit(&format!("✗ {}", err.display_line()), room),
                    Style::default().fg(Color::Red),
                ),
            ]))
        }
        _ => Cell::from(fit(&bucket.name, width)).bold(),
    }
}

/// Uploads, Size and Oldest: `…` until the scan reaches the bucket, `✗` when it failed.
fn scan_cells(scan: &BucketScan, now: i64) -> [Cell<'static>; 3] {
    let right = |text: String| Cell::from(Text::from(text).right_aligned());
    match scan {
        BucketScan::Waiting => ["…", "…", "…"].map(|t| right(t.into()).dark_gray()),
        BucketScan::Failed(_) => ["✗", "✗", "✗"].map(|t| right(t.into()).red()),
        BucketScan::Done(totals) if totals.uploads == 0 => [
            right("0".into()).dark_gray(),
            right("-".into()).dark_gray(),
            right("-".into()).dark_gray(),
        ],
        BucketScan::Done(totals) => {
            let size = match totals.unknown {
                0 => format::bytes(totals.bytes),
                _ => format!("{}+?", format::bytes(totals.bytes)),
            };
            let oldest = totals
                .oldest
                .map_or_else(|| "-".to_owned(), |t| format::span(now - t));
            [
                right(format::count(totals.uploads)).yellow(),
                right(size).yellow(),
                right(oldest),
            ]
        }
    }
}

/// The account at a glance: "12 incomplete uploads · 3.2 GiB ≈ $0.07/month (estimate at
/// $0.023/GB-month) · in 2 of 5 buckets · oldest 41 days".
fn summary_line(frame: &mut Frame, area: Rect, app: &App) {
    let summary = app.account_summary();
    let total = app.buckets.table.items.len() as u64;
    let scanning = app.sizes.scan.is_some_and(|s| !s.finished);
    if total == 0 || (summary.buckets_scanned == 0 && !scanning) {
        return;
    }
    if summary.buckets_scanned == 0 {
        let line = format!(
            " {} reading what each bucket's incomplete uploads hold…",
            spinner(app)
        );
        frame.render_widget(Line::from(line).dark_gray(), area);
        return;
    }
    // The cost right after the bytes, so a narrow terminal cuts the bucket count, not the estimate.
    let head = format!(
        " {}{} incomplete upload{} · {}",
        if scanning { "so far: " } else { "" },
        format::count(summary.uploads),
        if summary.uploads == 1 { "" } else { "s" },
        format::bytes(summary.bytes),
    );
    let price = app.price_per_gb_month;
    let monthly = monthly_cost(summary.bytes, price);
    let cost = format!(" ≈ ${monthly:.2}/month (estimate at ${price}/GB-month)");
    let mut text = format!(
        " · in {} of {} bucket{}",
        format::count(summary.buckets_with_uploads),
        format::count(total),
        if total == 1 { "" } else { "s" },
    );
    if let Some(oldest) = summary.oldest_words(app.now) {
        text.push_str(&format!(" · {oldest}"));
    }
    // Each note in full, and short for a narrow terminal.
    let mut notes: Vec<(String, String)> = Vec::new();
    if summary.buckets_failed > 0 {
        let n = format::count(summary.buckets_failed);
        let s = if summary.buckets_failed == 1 { "" } else { "s" };
        notes.push((
            format!("{n} bucket{s} unreadable"),
            format!("{n} unreadable"),
        ));
    }
    if summary.unknown > 0 {
        let n = format::count(summary.unknown);
        let s = if summary.unknown == 1 { "" } else { "s" };
        notes.push((
            format!("{n} upload{s} of unknown size"),
            format!("{n} unsized"),
        ));
    }
    let line = |cost: String, short: bool| {
        let mut spans = vec![
            Span::raw(head.clone()).bold(),
            Span::raw(cost).yellow(),
            Span::raw(text.clone()).bold(),
        ];
        if !notes.is_empty() {
            let notes: Vec<&str> = notes
                .iter()
                .map(|(long, brief)| if short { brief } else { long }.as_str())
                .collect();
            spans.push(Span::raw(format!(" · {}", notes.join(", "))).dark_gray());
        }
        Line::from(spans)
    };
    // A narrow terminal gets the same counts in fewer words before any is cut.
    let fits = |line: &Line| line.width() <= usize::from(area.width);
    let mut shown = line(cost, false);
    if !fits(&shown) {
        shown = line(format!(" ≈ ${monthly:.2}/month (estimate)"), false);
    }
    if !fits(&shown) {
        shown = line(format!(" ≈ ${monthly:.2}/month (est.)"), true);
    }
    frame.render_widget(shown, area);
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
