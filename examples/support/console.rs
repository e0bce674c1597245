//! The console without a terminal: the same `App`, `Tasks` and event-loop rules as `tui.rs`
//! (drain at most 4,096 results, then a frame at most every 16 ms), drawing into a
//! `TestBackend`. Benchmarks drive it with key presses, exactly as a user would. Offline (no
//! server), commands are kept for the bench to answer, and results are fed in as tasks would.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use partsweep::action::{Action, Command};
use partsweep::app::App;
use partsweep::ops::journal::{Journal, Via};
use partsweep::s3::S3;
use partsweep::tasks::Tasks;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

/// As in `tui.rs`.
pub const FRAME: Duration = Duration::from_millis(16);
pub const MAX_BATCH: usize = 4_096;
const TICK: Duration = Duration::from_millis(100);

pub fn key(code: KeyCode) -> Action {
    let modifiers = match code {
        KeyCode::Char(c) if c.is_ascii_uppercase() => KeyModifiers::SHIFT,
        _ => KeyModifiers::NONE,
    };
    Action::Key(KeyEvent::new(code, modifiers))
}

pub fn unix_now() -> i64 {
    partsweep::tui::unix_now()
}

pub struct Console {
    pub app: App,
    /// `None` offline: then `commands` collects what the app asked for.
    tasks: Option<Tasks>,
    pub commands: Vec<Command>,
    tx: UnboundedSender<Action>,
    rx: UnboundedReceiver<Action>,
    terminal: Terminal<TestBackend>,
    started: Instant,
    last_draw: Instant,
    pub frames: u64,
    pub slowest_frame: Duration,
    pub actions: u64,
    _journal_dir: Option<tempfile::TempDir>,
    /// The frame count when the last key was handled: the next frame shows its effect.
    key_handled_before_frame: Option<u64>,
    /// Something changed since the last frame.
    dirty: bool,
}

impl Console {
    pub fn new(s3: S3, concurrency: usize) -> Result<Self, String> {
        let (tx, rx) = mpsc::unbounded_channel();
        // Written as the console writes it, to a file of the benchmark's own.
        let journal_dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let journal = Journal::open(
            Some(journal_dir.path().join("journal.jsonl")),
            &s3,
            Via::Console,
            |warning| eprintln!("{warning}"),
        );
        let mut tasks = Tasks::new(s3, tx.clone(), journal);
        tasks.concurrency = concurrency;
        Self::start(Some(tasks), Some(journal_dir), tx, rx)
    }

    /// No server: the bench answers the commands itself (see `commands`).
    pub fn offline() -> Result<Self, String> {
        let (tx, rx) = mpsc::unbounded_channel();
        Self::start(None, None, tx, rx)
    }

    fn start(
        tasks: Option<Tasks>,
        journal_dir: Option<tempfile::TempDir>,
        tx: UnboundedSender<Action>,
        rx: UnboundedReceiver<Action>,
    ) -> Result<Self, String> {
        let terminal = Terminal::new(TestBackend::new(200, 50)).map_err(|e| e.to_string())?;
        let mut console = Console {
            app: App::new("bench", false, unix_now()),
            tasks,
            commands: Vec::new(),
            tx,
            rx,
            terminal,
            started: Instant::now(),
            last_draw: Instant::now() - FRAME,
            frames: 0,
            slowest_frame: Duration::ZERO,
            actions: 0,
            _journal_dir: journal_dir,
            key_handled_before_frame: None,
            dirty: true,
        };
        for command in console.app.start() {
            console.run_command(command);
        }
        Ok(console)
    }

    /// Offline, only the abort jobs are kept for the bench to answer: the rest (listings,
    /// sizes) would only pile up.
    fn run_command(&mut self, command: Command) {
        match &mut self.tasks {
            Some(tasks) => tasks.run(command),
            None if matches!(command, Command::AbortUploads { .. }) => self.commands.push(command),
            None => {}
        }
    }

    /// Background sizes with `n` ListParts calls in flight (per kind: pane, scan).
    pub fn with_size_concurrency(mut self, n: usize) -> Self {
        if let Some(tasks) = &mut self.tasks {
            tasks.set_size_concurrency(n);
        }
        self
    }

    /// A key pressed and the frame it causes, timed together.
    pub fn keystroke(&mut self, code: KeyCode) -> Result<Duration, String> {
        let begun = Instant::now();
        self.press(code);
        self.draw()?;
        Ok(begun.elapsed())
    }

    pub fn handle(&mut self, action: Action) {
        self.actions += 1;
        if matches!(action, Action::Key(_)) {
            self.key_handled_before_frame = Some(self.frames);
        }
        for command in self.app.update(action) {
            self.run_command(command);
        }
    }

    /// Queues an action as a task or the terminal would: the event loop handles it.
    pub fn inject(&self, action: Action) {
        let _ = self.tx.send(action);
    }

    /// A key as a user types it (the screen idle for a frame before), through the event
    /// loop: the time from the key press until the frame that shows its effect is drawn.
    pub async fn timed_key(&mut self, code: KeyCode) -> Result<Duration, String> {
        let idle = (self.last_draw + FRAME).saturating_duration_since(Instant::now());
        tokio::time::sleep(idle).await;
        let pressed = Instant::now();
        self.key_handled_before_frame = None;
        self.inject(key(code));
        self.run(Duration::from_secs(60), "a key", |console| {
            console
                .key_handled_before_frame
                .is_some_and(|frame| console.frames > frame)
        })
        .await?;
        Ok(pressed.elapsed())
    }

    pub fn press(&mut self, code: KeyCode) {
        self.handle(key(code));
    }

    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.press(KeyCode::Char(c));
        }
    }

    fn draw(&mut self) -> Result<(), String> {
        let begun = Instant::now();
        self.app.settle();
        let app = &self.app;
        self.terminal
            .draw(|frame| partsweep::ui::draw(frame, app))
            .map_err(|e| e.to_string())?;
        self.slowest_frame = self.slowest_frame.max(begun.elapsed());
        self.frames += 1;
        self.last_draw = Instant::now();
        Ok(())
    }

    /// Runs the event loop until `done(&app)` holds, or fails after `limit`.
    pub async fn run_until(
        &mut self,
        limit: Duration,
        what: &str,
        done: impl Fn(&App) -> bool,
    ) -> Result<(), String> {
        self.run(limit, what, |console| done(&console.app)).await
    }

    /// Runs the event loop until `done(self)` holds after a frame, or fails after `limit`.
    pub async fn run(
        &mut self,
        limit: Duration,
        what: &str,
        done: impl Fn(&Self) -> bool,
    ) -> Result<(), String> {
        let deadline = Instant::now() + limit;
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            if self.dirty && self.last_draw.elapsed() >= FRAME {
                self.draw()?;
                self.dirty = false;
            }
            if !self.dirty && done(self) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("{what}: not done after {}s", limit.as_secs()));
            }
            let next_frame = self.last_draw + FRAME;
            let action = tokio::select! {
                action = self.rx.recv() => match action {
                    Some(action) => action,
                    None => return Err(format!("{what}: the task channel closed")),
                },
                _ = tick.tick() => Action::Tick {
                    now: unix_now(),
                    millis: self.started.elapsed().as_millis() as u64,
                },
                _ = tokio::time::sleep_until(next_frame.into()), if self.dirty => continue,
            };
            let mut handled = 0;
            let mut next = Some(action);
            while let Some(action) = next {
                self.handle(action);
                handled += 1;
                next = if handled < MAX_BATCH {
                    self.rx.try_recv().ok()
                } else {
                    None
                };
            }
            self.dirty = true;
        }
    }
}
