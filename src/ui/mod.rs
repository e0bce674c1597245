//! Draw-only: reads `&App`, writes nothing but the frame (and the scroll offset the table keeps).

mod age_chart;
mod buckets;
mod delete_bucket;
mod details;
mod dialog;
mod files;
mod help;
mod lifecycle;
mod lifecycle_form;
mod status;
mod uploads;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, TableState};

use crate::app::table::Table as Rows;
use crate::app::{App, JobKind, Modal, Pending, Tab};
use crate::keys::{Intent, Scope};

pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 10;

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

pub fn spinner(app: &App) -> &'static str {
    SPINNER[(app.millis / 100) as usize % SPINNER.len()]
}

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = format!(
            "Terminal too small: {}×{}, needs {MIN_WIDTH}×{MIN_HEIGHT}.",
            area.width, area.height
        );
        frame.render_widget(
            Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: true }),
            area,
        );
        return;
    }
    let [title, crumbs, body, status_line, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    status::title(frame, title, app);
    status::breadcrumbs(frame, crumbs, app);
    match &app.bucket {
        None => buckets::draw(frame, body, app),
        Some(view) => match view.tab {
            Tab::Files => files::draw(frame, body, app, view),
            Tab::Uploads => uploads::draw(frame, body, app, view),
            Tab::Lifecycle => lifecycle::draw(frame, body, app, view),
        },
    }
    status::status_line(frame, status_line, app);
    status::footer(frame, footer, app);
    if let Some(job) = &app.job
        && let JobKind::Delete { kind, progress } = &job.kind
    {
        delete_bucket::draw_progress(frame, area, app, job, kind, *progress);
    }
    // Bottom to top, so the one that gets the keys is in front.
    for modal in &app.modals {
        match modal {
            Modal::Help => help::draw(frame, area, app),
            // The filter line is the status line.
            Modal::Filter(_) => {}
            Modal::Confirm {
                title,
                body,
                confirm,
                action,
            } => {
                let leave_out = match action {
                    Pending::Abort { active, .. } if !active.is_empty() => Some(format!(
                        "leave out {} active",
                        crate::format::count(active.len() as u64)
                    )),
                    _ => None,
                };
                dialog::confirm(frame, area, title, body, confirm, leave_out, &app.keymap)
            }
            Modal::ConfirmSplit { title, body, .. } => {
                dialog::confirm_split(frame, area, title, body, &app.keymap)
            }
            Modal::Summary { title, lines } => {
                dialog::summary(frame, area, title, lines, &app.keymap)
            }
            Modal::Form(form) => lifecycle_form::draw(frame, area, form, &app.keymap),
            Modal::Counting { title, text, .. } => {
                delete_bucket::counting(frame, area, app, title, text)
            }
            Modal::Blocked {
                bucket,
                contents,
                selected,
            } => delete_bucket::blocked(frame, area, app, bucket, contents, *selected),
            Modal::TypeName {
                bucket,
                contents,
                typed,
            } => delete_bucket::type_name(frame, area, app, bucket, contents, typed),
            Modal::Details(details) => details::draw(frame, area, app, details),
        }
    }
}

/// A bordered block with a title, the list's count, filter and sort.
fn pane_block<T>(title: &str, rows: &Rows<T>, sorts: &[&str], extra: &str) -> Block<'static> {
    let mut heading = format!(" {title} ({}", crate::format::count(rows.len() as u64));
    if rows.len() != rows.items.len() {
        heading.push_str(&format!(
            " of {}",
            crate::format::count(rows.items.len() as u64)
        ));
    }
    heading.push(')');
    if !rows.filter.text.is_empty() {
        heading.push_str(&format!(
            " filter: {}",
            crate::text::fit(&rows.filter.text, 30)
        ));
    }
    let arrow = if rows.descending { "↓" } else { "↑" };
    let sort = sorts.get(rows.sort).copied().unwrap_or("");
    Block::default()
        .borders(Borders::ALL)
        .border_style(Style::default().fg(Color::DarkGray))
        .title(Line::from(format!("{heading}{extra} ")).bold())
        .title(Line::from(format!(" sort: {sort} {arrow} ")).right_aligned())
}

/// Draws only the rows that fit, keeping the selection in sight.
fn draw_rows<'a, T>(
    frame: &mut Frame,
    area: Rect,
    block: Block<'a>,
    header: Row<'a>,
    widths: &[Constraint],
    table: &Rows<T>,
    mut make_row: impl FnMut(&T) -> Row<'a>,
) {
    let inner_height = area.height.saturating_sub(3) as usize; // borders and header
    table.page.set(inner_height.max(1));
    let selected = table.selected_position();
    let mut offset = table.offset.get();
    if selected < offset {
        offset = selected;
    } else if inner_height > 0 && selected >= offset + inner_height {
        offset = selected + 1 - inner_height;
    }
    offset = offset.min(table.len().saturating_sub(inner_height));
    table.offset.set(offset);
    let rows: Vec<Row> = table
        .window(offset, inner_height)
        .map(&mut make_row)
        .collect();
    let widget = Table::new(rows, widths.to_vec())
        .header(
            header.style(
                Style::default()
                    .add_modifier(Modifier::BOLD)
                    .fg(Color::Gray),
            ),
        )
        .block(block)
        .column_spacing(1)
        .row_highlight_style(
            Style::default()
                .bg(Color::Rgb(40, 60, 90))
                .add_modifier(Modifier::BOLD),
        )
        .highlight_symbol("▌");
    let mut state = TableState::default();
    if !table.is_empty() {
        state.select(Some(selected - offset));
    }
    frame.render_stateful_widget(widget, area, &mut state);
}

/// The width left for the one flexible column, given the fixed ones.
fn flexible_width(area: Rect, fixed: &[u16]) -> usize {
    let used: u16 = fixed.iter().sum::<u16>() + fixed.len() as u16 + 2 + 1;
    area.width.saturating_sub(used) as usize
}

/// A message in the middle of an empty or failed pane.
fn placeholder(frame: &mut Frame, area: Rect, block: Block, lines: Vec<Line>) {
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let height = lines.len() as u16;
    let top = inner.y + inner.height.saturating_sub(height) / 2;
    let target = Rect::new(inner.x, top, inner.width, height.min(inner.height));
    frame.render_widget(
        Paragraph::new(lines)
            .alignment(ratatui::layout::Alignment::Center)
            .wrap(ratatui::widgets::Wrap { trim: true }),
        target,
    );
}

/// The body when a listing is loading, failed, or empty; `None` when there are rows to show.
fn listing_message<T>(
    app: &App,
    listing: &crate::app::Listing<T>,
    empty: &str,
) -> Option<Vec<Line<'static>>> {
    if let Some(err) = &listing.error {
        let mut lines = vec![
            Line::from(crate::text::escape(&err.message).into_owned())
                .red()
                .bold(),
        ];
        if let Some(code) = &err.code {
            lines.push(Line::from(format!("server code: {}", crate::text::escape(code))).red());
        }
        if let Some(hint) = err.hint() {
            lines.push(Line::from(hint).yellow());
        }
        let keys = &app.keymap;
        let mut what = format!("{} retries", keys.first(Scope::Everywhere, Intent::Refresh));
        if app.bucket.is_some() {
            what.push_str(&format!(
                " · {} goes back",
                keys.first(Scope::Bucket, Intent::Back)
            ));
        }
        lines.push(Line::from(what).dark_gray());
        return Some(lines);
    }
    if listing.table.is_empty() {
        if listing.loading {
            return Some(vec![Line::from(format!("{} loading…", spinner(app)))]);
        }
        if !listing.table.items.is_empty() {
            let filter = app.keymap.first(Scope::Everywhere, Intent::Filter);
            return Some(vec![
                Line::from(format!(
                    "nothing matches the filter ({filter} to change it)"
                ))
                .dark_gray(),
            ]);
        }
        return Some(vec![Line::from(empty.to_owned()).dark_gray()]);
    }
    None
}
