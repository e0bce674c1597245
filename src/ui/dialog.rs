//! Confirmation and summary dialogs, centred over everything else.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use crate::app::Dialog;

/// A rectangle of at most `width`×`height`, centred in `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width.saturating_sub(2)).max(1);
    let height = height.min(area.height.saturating_sub(2)).max(1);
    Rect::new(
        area.x + (area.width.saturating_sub(width)) / 2,
        area.y + (area.height.saturating_sub(height)) / 2,
        width,
        height,
    )
}

pub fn draw(frame: &mut Frame, area: Rect, dialog: &Dialog) {
    let (title, body, buttons, color) = match dialog {
        Dialog::Confirm {
            title,
            body,
            confirm,
            ..
        } => (
            title.as_str(),
            body,
            Line::from(vec![
                Span::styled(
                    " y ",
                    Style::default().fg(Color::Black).bg(Color::Red).bold(),
                ),
                Span::raw(format!(" {confirm}    ")),
                Span::styled(
                    " n ",
                    Style::default().fg(Color::Black).bg(Color::Gray).bold(),
                ),
                Span::raw(" cancel"),
            ]),
            Color::Red,
        ),
        Dialog::Summary { title, lines } => (
            title.as_str(),
            lines,
            Line::from("press any key").dark_gray(),
            Color::Cyan,
        ),
    };
    let width = 76u16;
    let inner_width = width.saturating_sub(2) as usize;
    // Word wrap can take a line more than its width suggests: leave that slack.
    let body_height: usize = body
        .iter()
        .map(|l| {
            let w = unicode_width::UnicodeWidthStr::width(l.as_str());
            if w <= inner_width {
                1
            } else {
                w.div_ceil(inner_width.max(1)) + 1
            }
        })
        .sum();
    // Borders, a blank line and the buttons.
    let rect = centered(area, width, body_height as u16 + 4);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(Style::default().fg(color))
        .title(Line::from(format!(" {title} ")).bold());
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    // The buttons keep their line whatever the body does.
    let [text, _, button_line] = Layout::vertical([
        Constraint::Min(0),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    let lines: Vec<Line> = body.iter().map(|l| Line::from(l.clone())).collect();
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), text);
    frame.render_widget(buttons, button_line);
}
