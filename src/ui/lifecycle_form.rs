//! The add/edit lifecycle rule form, centred over the pane.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use super::dialog::centered;
use crate::app::{FormField, LifecycleForm};
use crate::keys::{Intent, Keymap, Scope};
use crate::ops::lifecycle::{MAX_DAYS, MIN_DAYS, SCHEDULE_NOTE};
use crate::text::escape;

pub fn draw(frame: &mut Frame, area: Rect, form: &LifecycleForm, keys: &Keymap) {
    let label = |field: FormField, text: &'static str| {
        let style = if form.focus == field {
            Style::default().fg(Color::Black).bg(Color::Cyan).bold()
        } else if form.field_active(field) {
            Style::default().fg(Color::Yellow)
        } else {
            Style::default().fg(Color::DarkGray)
        };
        Span::styled(format!(" {text:<9}"), style)
    };
    let cursor = |field: FormField| if form.focus == field { "▏" } else { "" };
    let radio = |on: bool| if on { "(•)" } else { "( )" };
    let mut lines = Vec::new();
    match &form.fixed_scope {
        Some(scope) => lines.push(Line::from(vec![
            label(FormField::Scope, "Scope"),
            Span::raw(format!("  {} (filter kept as it is)", escape(scope))).dark_gray(),
        ])),
        None => {
            lines.push(Line::from(vec![
                label(FormField::Scope, "Scope"),
                Span::raw(format!(
                    "  {} whole bucket   {} objects under a prefix",
                    radio(form.whole_bucket),
                    radio(!form.whole_bucket)
                )),
            ]));
            let prefix = if form.whole_bucket {
                Span::raw("  -").dark_gray()
            } else {
                Span::raw(format!(
                    "  {}{}",
                    escape(&form.prefix),
                    cursor(FormField::Prefix)
                ))
            };
            lines.push(Line::from(vec![label(FormField::Prefix, "Prefix"), prefix]));
        }
    }
    lines.push(Line::from(vec![
        label(FormField::Days, "Days"),
        Span::raw(format!("  {}{}", form.days, cursor(FormField::Days))),
        Span::raw(format!(
            "  after an upload starts, abort it ({MIN_DAYS}–{MAX_DAYS})"
        ))
        .dark_gray(),
    ]));
    let id = if form.editing.is_some() {
        Span::raw(format!("  {}", escape(&form.id))).dark_gray()
    } else {
        Span::raw(format!("  {}{}", escape(&form.id), cursor(FormField::Id)))
    };
    lines.push(Line::from(vec![label(FormField::Id, "Rule id"), id]));
    lines.push(Line::from(vec![
        label(FormField::Enabled, "Enabled"),
        Span::raw(format!("  [{}]", if form.enabled { "x" } else { " " })),
    ]));
    // Every action of the rule: the ones the form does not edit follow its scope and status.
    if let Some(target) = &form.editing {
        let others = &target.rule.other_actions;
        let text = if others.is_empty() {
            "nothing else".to_owned()
        } else {
            format!(
                "{} (kept; they follow the scope and status)",
                escape(&others.join("; "))
            )
        };
        lines.push(Line::from(vec![
            Span::raw(format!(" {:<9}", "Also does")).dark_gray(),
            Span::raw(format!("  {text}")),
        ]));
    }
    lines.push(Line::default());
    for error in &form.check.errors {
        lines.push(Line::from(format!("✗ {}", escape(error))).red());
    }
    for warning in &form.check.warnings {
        lines.push(Line::from(format!("! {}", escape(warning))).yellow());
    }
    if form.check.errors.is_empty() && form.check.warnings.is_empty() {
        lines.push(Line::from("✓ ready to save").green());
    }
    lines.push(Line::from(SCHEDULE_NOTE).dark_gray());
    lines.push(Line::default());
    lines.push(
        Line::from(format!(
            "{} save · {} next · {} previous · {} toggles · {} cancel",
            keys.first(Scope::Form, Intent::Accept),
            keys.names(Scope::Form, Intent::Down, 2),
            keys.names(Scope::Form, Intent::Up, 2),
            keys.first(Scope::Form, Intent::Toggle),
            keys.first(Scope::Form, Intent::Cancel),
        ))
        .dark_gray(),
    );
    let title = match &form.editing {
        Some(target) => format!(" Edit {} in {} ", target.label(), escape(&form.bucket)),
        None => format!(
            " Add rule: abort incomplete uploads in {} ",
            escape(&form.bucket)
        ),
    };
    let width = 84u16;
    let rect = centered(area, width, lines.len() as u16 + 4);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::default()
                .borders(Borders::ALL)
                .border_type(BorderType::Rounded)
                .border_style(Style::default().fg(Color::Cyan))
                .title(Line::from(title).bold()),
        ),
        rect,
    );
}
