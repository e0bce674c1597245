//! Confirmation and summary dialogs, centred over everything else.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use crate::keys::{Intent, Key, Keymap, Scope};
use crate::text::escape;

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

/// A question: the yes key goes on, the no key cancels; `leave_out` labels the key that
/// goes on without the uploads active in the last hour, when there are some.
pub fn confirm(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    body: &[String],
    confirm: &str,
    leave_out: Option<String>,
    keys: &Keymap,
) {
    let mut buttons = vec![
        Span::styled(
            format!(" {} ", keys.first(Scope::Confirm, Intent::Accept)),
            Style::default().fg(Color::Black).bg(Color::Red).bold(),
        ),
        Span::raw(format!(" {confirm}    ")),
    ];
    if let Some(label) = leave_out {
        buttons.push(Span::styled(
            format!(" {} ", keys.first(Scope::Confirm, Intent::LeaveOutActive)),
            Style::default().fg(Color::Black).bg(Color::Yellow).bold(),
        ));
        buttons.push(Span::raw(format!(" {label}    ")));
    }
    buttons.extend([
        Span::styled(
            format!(" {} ", keys.first(Scope::Confirm, Intent::Cancel)),
            Style::default().fg(Color::Black).bg(Color::Gray).bold(),
        ),
        Span::raw(" cancel"),
    ]);
    let buttons = Line::from(buttons);
    draw(frame, area, title, body, buttons, Color::Red);
}

/// A rule edit that moves other actions: save it so, split the abort action off, or cancel.
pub fn confirm_split(frame: &mut Frame, area: Rect, title: &str, body: &[String], keys: &Keymap) {
    let button = |intent: Intent, background: Color| {
        Span::styled(
            format!(" {} ", keys.first(Scope::Confirm, intent)),
            Style::default().fg(Color::Black).bg(background).bold(),
        )
    };
    let buttons = Line::from(vec![
        button(Intent::Accept, Color::Red),
        Span::raw(" save, moving them    "),
        button(Intent::Split, Color::Yellow),
        Span::raw(" split    "),
        button(Intent::Cancel, Color::Gray),
        Span::raw(" cancel"),
    ]);
    draw(frame, area, title, body, buttons, Color::Red);
}

/// What a job did, until the close key.
pub fn summary(frame: &mut Frame, area: Rect, title: &str, lines: &[String], keys: &Keymap) {
    let close = if keys
        .keys(Scope::Summary, Intent::Cancel)
        .contains(&Key::Any)
    {
        "press any key".to_owned()
    } else {
        format!("{} closes", keys.first(Scope::Summary, Intent::Cancel))
    };
    draw(
        frame,
        area,
        title,
        lines,
        Line::from(close).dark_gray(),
        Color::Cyan,
    );
}

fn draw(frame: &mut Frame, area: Rect, title: &str, body: &[String], buttons: Line, color: Color) {
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
        .title(Line::from(format!(" {} ", escape(title))).bold());
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
    // Bodies quote servers (messages, rule prefixes, names): nothing of theirs reaches the
    // terminal raw, also where a caller forgot; escaping twice changes nothing.
    let lines: Vec<Line> = body
        .iter()
        .map(|l| Line::from(escape(l).into_owned()))
        .collect();
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), text);
    frame.render_widget(buttons, button_line);
}
