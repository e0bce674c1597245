//! A program in a pseudo-terminal, its output read through a terminal emulator (vt100) as a
//! person would see it, and kept raw for escape sequences.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, ExitStatus, PtySize, native_pty_system};

pub struct Console {
    child: Box<dyn portable_pty::Child + Send + Sync>,
    keys: Box<dyn Write + Send>,
    screen: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
}

impl Console {
    pub fn spawn(mut command: CommandBuilder, rows: u16, cols: u16) -> Console {
        command.env("TERM", "xterm-256color");
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("pty");
        let child = pair.slave.spawn_command(command).expect("spawn in a pty");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let keys = pair.master.take_writer().expect("pty writer");
        let screen = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let (parser, bytes) = (screen.clone(), raw.clone());
        std::thread::spawn(move || {
            let _master = pair.master; // keep the pty open while reading
            let mut buf = [0u8; 8192];
            while let Ok(n @ 1..) = reader.read(&mut buf) {
                if let Ok(mut parser) = parser.lock() {
                    parser.process(&buf[..n]);
                }
                if let Ok(mut bytes) = bytes.lock() {
                    bytes.extend_from_slice(&buf[..n]);
                }
            }
        });
        Console {
            child,
            keys,
            screen,
            raw,
        }
    }

    /// The screen as it stands.
    pub fn text(&self) -> String {
        self.screen
            .lock()
            .map(|p| p.screen().contents())
            .unwrap_or_default()
    }

    /// Everything written to the terminal so far, escape sequences included.
    pub fn raw(&self) -> String {
        let raw = self.raw.lock().map(|r| r.clone()).unwrap_or_default();
        String::from_utf8_lossy(&raw).into_owned()
    }

    /// Waits up to 30 s for `needle` on the screen; returns the screen.
    pub fn wait_for(&self, needle: &str) -> String {
        self.wait_until(needle, || self.text())
    }

    /// Waits up to 30 s for `needle` in the raw output (for text that scrolls away).
    pub fn wait_for_raw(&self, needle: &str) -> String {
        self.wait_until(needle, || self.raw())
    }

    fn wait_until(&self, needle: &str, read: impl Fn() -> String) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let text = read();
            if text.contains(needle) {
                return text;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "{needle:?} never appeared; the screen was:\n{}",
            self.text()
        );
    }

    /// Types `keys`, then gives the program a moment to draw.
    pub fn send(&mut self, keys: &str) {
        self.keys.write_all(keys.as_bytes()).expect("type");
        self.keys.flush().expect("flush");
        std::thread::sleep(Duration::from_millis(150));
    }

    /// Waits at most `limit` for the program to end (killed and failed past it), then lets
    /// the reader drain what was written just before the exit.
    pub fn wait_exit(&mut self, limit: Duration) -> ExitStatus {
        let deadline = Instant::now() + limit;
        let status = loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "still running after {limit:?}; the screen was:\n{}",
                    self.text()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        std::thread::sleep(Duration::from_millis(200));
        status
    }

    /// `q` until the console ends (a summary or dialog takes one `q` each), and a clean exit.
    pub fn quit(mut self) {
        for _ in 0..3 {
            self.send("q");
            let deadline = Instant::now() + Duration::from_secs(3);
            while Instant::now() < deadline {
                if let Ok(Some(status)) = self.child.try_wait() {
                    assert!(status.success(), "exit status {status:?}");
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        let _ = self.child.kill();
        panic!(
            "partsweep did not exit after q; the screen was:\n{}",
            self.text()
        );
    }
}
