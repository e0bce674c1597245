//! The one event loop: terminal events, task results and a clock in `tokio::select!`;
//! drain what is queued, then draw at most ~60 times a second.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use color_eyre::Result;
use color_eyre::eyre::eyre;
use futures::StreamExt;
use ratatui::crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event, EventStream,
};
use ratatui::crossterm::execute;
use tokio::sync::mpsc;

use crate::action::Action;
use crate::app::App;
use crate::keys::Keymap;
use crate::ops::journal::{Journal, Via};
use crate::s3::S3;
use crate::tasks::Tasks;

const FRAME: Duration = Duration::from_millis(16);
const TICK: Duration = Duration::from_millis(100);
/// Results handled before a frame is forced, so a flood of pages cannot starve the screen.
const MAX_BATCH: usize = 4_096;

pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub struct Settings {
    pub read_only: bool,
    pub concurrency: usize,
    pub page_size: Option<i32>,
    /// USD per GB-month, for the cost estimate.
    pub price_per_gb_month: f64,
    /// Where every write is recorded (`None`: nowhere, with a warning).
    pub journal: Option<std::path::PathBuf>,
}

/// Runs the console until the user quits. The terminal is restored on every way out.
pub async fn run(s3: S3, settings: Settings) -> Result<()> {
    let location = match s3.endpoint() {
        Some(endpoint) => format!("{endpoint} · region {}", s3.region()),
        None => format!("AWS · region {}", s3.region()),
    };
    // Before the terminal is taken: a mistake in the keybindings file is an error on stderr.
    let keymap = match crate::config::keybindings_path() {
        Some(path) => Keymap::load(&path).map_err(|err| eyre!(err))?,
        None => Keymap::default(),
    };
    let mut app = App::new(location, settings.read_only, unix_now())
        .with_keymap(keymap)
        .with_price(settings.price_per_gb_month);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let warnings = tx.clone();
    let journal = Journal::open(settings.journal, &s3, Via::Console, move |problem| {
        let _ = warnings.send(Action::JournalFailed {
            problem: problem.to_owned(),
        });
    });
    let mut tasks = Tasks::new(s3, tx, journal);
    tasks.concurrency = settings.concurrency;
    tasks.page_size = settings.page_size;

    let mut terminal = ratatui::try_init()?;
    let _ = execute!(std::io::stdout(), EnableMouseCapture);
    restore_mouse_on_panic();
    // Test scaffolding, in debug builds only: tests/pty_console.rs makes the console panic
    // to see the terminal given back whole.
    #[cfg(debug_assertions)]
    if std::env::var_os("PARTSWEEP_PANIC_FOR_TEST").is_some() {
        panic!("PARTSWEEP_PANIC_FOR_TEST is set");
    }
    let result = event_loop(&mut terminal, &mut app, &mut tasks, &mut rx).await;
    let _ = execute!(std::io::stdout(), DisableMouseCapture);
    ratatui::try_restore()?;
    result
}

/// ratatui's panic hook leaves raw mode and the alternate screen, then calls color-eyre's
/// report; mouse capture is ours to turn off, first, or the shell receives mouse events.
fn restore_mouse_on_panic() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(std::io::stdout(), DisableMouseCapture);
        previous(info);
    }));
}

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    tasks: &mut Tasks,
    rx: &mut mpsc::UnboundedReceiver<Action>,
) -> Result<()> {
    let started = Instant::now();
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    for command in app.start() {
        tasks.run(command);
    }
    let mut last_draw = Instant::now() - FRAME;
    let mut dirty = true;
    loop {
        if dirty && last_draw.elapsed() >= FRAME {
            app.settle();
            terminal.draw(|frame| crate::ui::draw(frame, app))?;
            last_draw = Instant::now();
            dirty = false;
        }
        let next_frame = last_draw + FRAME;
        let action = tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => match to_action(event) {
                    Some(action) => action,
                    None => continue,
                },
                Some(Err(err)) => return Err(err.into()),
                None => break,
            },
            Some(action) = rx.recv() => action,
            _ = tick.tick() => Action::Tick { now: unix_now(), millis: started.elapsed().as_millis() as u64 },
            _ = tokio::time::sleep_until(next_frame.into()), if dirty => continue,
        };
        let mut handled = 0;
        let mut next = Some(action);
        while let Some(action) = next {
            for command in app.update(action) {
                tasks.run(command);
            }
            handled += 1;
            next = if handled < MAX_BATCH {
                rx.try_recv().ok()
            } else {
                None
            };
        }
        dirty = true;
        if app.quit {
            break;
        }
    }
    Ok(())
}

fn to_action(event: Event) -> Option<Action> {
    match event {
        Event::Key(key) if key.kind != event::KeyEventKind::Release => Some(Action::Key(key)),
        Event::Mouse(mouse) => Some(Action::Mouse(mouse)),
        Event::Resize(_, _) => Some(Action::Resize),
        _ => None,
    }
}
