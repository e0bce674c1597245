//! The `?` overlay: every binding, read from the keymap itself.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use super::dialog::centered;
use crate::app::App;
use crate::keys::{BINDINGS, Scope, key_name};

pub fn draw(frame: &mut Frame, area: Rect, _app: &App) {
    let mut lines = Vec::new();
    for (scope, heading) in [
        (Scope::Everywhere, "Everywhere"),
        (Scope::Buckets, "Bucket list"),
        (Scope::Files, "File list"),
        (Scope::Uploads, "Incomplete uploads"),
        (Scope::Lifecycle, "Lifecycle rules"),
    ] {
        lines.push(Line::from(heading).bold().fg(Color::Cyan));
        let mut seen = Vec::new();
        for binding in BINDINGS.iter().filter(|b| b.scope == scope) {
            if seen.contains(&binding.label) {
                continue;
            }
            seen.push(binding.label);
            let keys: Vec<String> = binding.keys.iter().map(key_name).collect();
            lines.push(Line::from(vec![
                Span::styled(
                    format!("  {:<14}", keys.join(" ")),
                    Style::default().fg(Color::Yellow),
                ),
                Span::raw(binding.label),
            ]));
        }
    }
    lines.push(Line::from(vec![
        Span::styled(
            format!("  {:<14}", "ctrl-c"),
            Style::default().fg(Color::Yellow),
        ),
        Span::raw("quit at once"),
    ]));
    lines.push(Line::from(vec![
        Span::styled(
            format!("  {:<14}", "esc"),
            Style::default().fg(Color::Yellow),
        ),
        Span::raw("cancel a running clear"),
    ]));
    lines.push(Line::default());
    lines.push(
        Line::from("Filter: words match keys; >7d older than 7 days, <1h newer than 1 hour.")
            .dark_gray(),
    );
    lines.push(Line::from("Any key closes this help.").dark_gray());
    let rect = centered(area, 72, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .border_type(BorderType::Rounded)
                .title(" Keys "),
        ),
        rect,
    );
}
