//! Confirmation and summary dialogs, centred over everything else.

use ratatui::Frame;
use ratatui::layout::Rect;
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
    let inner_width = width.saturating_sub(4) as usize;
    let body_height: usize = body
        .iter()
        .map(|l| (unicode_width::UnicodeWidthStr::width(l.as_str()) / inner_width.max(1)) + 1)
        .sum();
    let rect = centered(area, width, body_height as u16 + 5);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(Style::default().fg(color))
        .title(Line::from(format!(" {title} ")).bold());
    let mut lines: Vec<Line> = body.iter().map(|l| Line::from(l.clone())).collect();
    lines.push(Line::default());
    lines.push(buttons);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        rect,
    );
}
