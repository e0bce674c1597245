//! The `?` overlay: every binding, read from the keymap itself. Two columns when the
//! terminal is wide enough, so it fits on an ordinary screen.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use super::dialog::centered;
use crate::app::App;
use crate::keys::{BINDINGS, Scope, key_name};

fn key_line(keys: String, label: &'static str) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("  {keys:<14}"), Style::default().fg(Color::Yellow)),
        Span::raw(label),
    ])
}

/// One heading and its bindings, skipping labels already listed (`seen`), such as the tab
/// keys every pane inside a bucket shares.
fn section(
    scope: Scope,
    heading: &'static str,
    seen: &mut Vec<&'static str>,
) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(heading).bold().fg(Color::Cyan)];
    for binding in BINDINGS.iter().filter(|b| b.scope == scope) {
        if seen.contains(&binding.label) {
            continue;
        }
        seen.push(binding.label);
        let keys: Vec<String> = binding.keys.iter().map(key_name).collect();
        lines.push(key_line(keys.join(" "), binding.label));
    }
    lines
}

pub fn draw(frame: &mut Frame, area: Rect, _app: &App) {
    let mut seen = Vec::new();
    let mut left = section(Scope::Everywhere, "Everywhere", &mut seen);
    left.push(key_line("ctrl-c".into(), "quit at once"));
    left.push(key_line("esc".into(), "cancel a running job"));
    left.push(Line::default());
    left.extend(section(Scope::Buckets, "Bucket list", &mut seen));
    let mut right = section(Scope::Files, "In a bucket: files, tabs", &mut seen);
    right.push(Line::default());
    right.extend(section(Scope::Uploads, "Incomplete uploads", &mut seen));
    right.push(Line::default());
    right.extend(section(Scope::Lifecycle, "Lifecycle rules", &mut seen));
    let footer = vec![
        Line::from("Filter: words match names; >7d older than 7 days, <1h newer than 1 hour.")
            .dark_gray(),
        Line::from("Any key closes this help.").dark_gray(),
    ];

    let two_columns = area.width >= 110;
    let (width, body_height) = if two_columns {
        (106, left.len().max(right.len()))
    } else {
        left.push(Line::default());
        left.append(&mut right);
        (72, left.len())
    };
    let rect = centered(area, width, (body_height + footer.len() + 3) as u16);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .title(" Keys ");
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    let [body, _, notes] = Layout::vertical([
        Constraint::Min(0),
        Constraint::Length(1),
        Constraint::Length(footer.len() as u16),
    ])
    .areas(inner);
    if two_columns {
        let [l, r] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .areas(body);
        frame.render_widget(Paragraph::new(left), l);
        frame.render_widget(Paragraph::new(right), r);
    } else {
        frame.render_widget(Paragraph::new(left), body);
    }
    frame.render_widget(Paragraph::new(footer), notes);
}
