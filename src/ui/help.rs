//! The `?` overlay: every binding, read from the keymap itself. Two columns when the
//! terminal is wide enough, so it fits on an ordinary screen.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use super::dialog::centered;
use crate::app::App;
use crate::keys::{Intent, Key, Keymap, Scope};

fn key_line(keys: String, label: &'static str) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("  {keys:<14}"), Style::default().fg(Color::Yellow)),
        Span::raw(label),
    ])
}

fn names(keys: &[Key]) -> String {
    let names: Vec<String> = keys.iter().map(Key::to_string).collect();
    names.join(" ")
}

/// The bindings of `scopes` under one heading, skipping labels already listed (`seen`),
/// such as the mark key the files and uploads panes share.
fn section(
    keymap: &Keymap,
    scopes: &[Scope],
    heading: &'static str,
    seen: &mut Vec<&'static str>,
) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(heading).bold().fg(Color::Cyan)];
    for (action, keys) in scopes.iter().flat_map(|&scope| keymap.section(scope)) {
        if seen.contains(&action.label) {
            continue;
        }
        seen.push(action.label);
        lines.push(key_line(names(keys), action.label));
    }
    lines
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let keymap = &app.keymap;
    let mut seen = Vec::new();
    let mut left = section(keymap, &[Scope::Everywhere], "Everywhere", &mut seen);
    left.push(key_line("ctrl-c".into(), "quit at once"));
    left.extend(
        section(keymap, &[Scope::Job], "", &mut seen)
            .into_iter()
            .skip(1),
    );
    left.push(Line::default());
    left.extend(section(keymap, &[Scope::Buckets], "Bucket list", &mut seen));
    let mut right = section(
        keymap,
        &[Scope::Files, Scope::Bucket],
        "In a bucket: files, tabs",
        &mut seen,
    );
    right.push(Line::default());
    right.extend(section(
        keymap,
        &[Scope::Uploads],
        "Incomplete uploads",
        &mut seen,
    ));
    right.push(Line::default());
    right.extend(section(
        keymap,
        &[Scope::Lifecycle],
        "Lifecycle rules",
        &mut seen,
    ));
    let close = keymap.keys(Scope::Help, Intent::Cancel);
    let close = if close.contains(&Key::Any) {
        "Any key".to_owned()
    } else {
        let names: Vec<String> = close.iter().map(Key::to_string).collect();
        names.join(" or ")
    };
    let footer = vec![
        Line::from("Filter: words match names; >7d older than 7 days, <1h newer than 1 hour.")
            .dark_gray(),
        Line::from(format!("{close} closes this help.")).dark_gray(),
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
