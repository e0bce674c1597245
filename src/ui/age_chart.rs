//! The uploads' age chart: how many uploads, and how many bytes, started < 1 day ago, 1–7
//! days ago and so on. Running uploads and years of leftovers look different at a glance.

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Borders};

use crate::format;
use crate::ops::cost::{AGE_BINS, AgeHistogram};

/// Rows the chart takes: a bar per age range and the borders.
pub const HEIGHT: u16 = AGE_BINS.len() as u16 + 2;

/// Young uploads may still be running; old ones are leftovers.
const COLORS: [Color; 5] = [
    Color::Green,
    Color::Cyan,
    Color::Yellow,
    Color::LightRed,
    Color::Red,
];

pub fn draw(frame: &mut Frame, area: Rect, histogram: &AgeHistogram) {
    let [count, bytes] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area);
    let counts = histogram.uploads.map(|n| (n, format::count(n)));
    let sizes = histogram.bytes.map(|n| (n, format::bytes(n)));
    frame.render_widget(chart(" Uploads by age ", &counts), count);
    let mut title = " Bytes by age ".to_owned();
    if histogram.undated > 0 {
        title = format!(
            " Bytes by age ({} undated) ",
            format::count(histogram.undated)
        );
    }
    frame.render_widget(chart(&title, &sizes), bytes);
}

fn chart<'a>(title: &str, values: &[(u64, String); AGE_BINS.len()]) -> BarChart<'a> {
    let bars: Vec<Bar> = AGE_BINS
        .iter()
        .zip(values)
        .zip(COLORS)
        .map(|(((label, _), (value, text)), color)| {
            Bar::with_label(Line::from(format!("{label:>7}")), *value)
                .text_value(text.clone())
                .style(Style::default().fg(color))
                .value_style(Style::default().fg(Color::Black).bg(color))
        })
        .collect();
    BarChart::default()
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(Style::default().fg(Color::DarkGray))
                .title(Line::from(title.to_owned()).bold()),
        )
        .direction(Direction::Horizontal)
        .bar_width(1)
        .bar_gap(0)
        .data(BarGroup::new(bars))
}
