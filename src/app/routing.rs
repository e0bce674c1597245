//! Where a key goes: Ctrl-C quits; else the top of the modal stack takes it; else the
//! running job's cancel key; else the pane's bindings (none while a delete holds the screen).

use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind,
};

use super::{App, Modal, Tab};
use crate::action::Command;
use crate::keys::{Intent, Scope};

impl App {
    pub(super) fn on_key(&mut self, key: KeyEvent) -> Vec<Command> {
        if key.kind == KeyEventKind::Release {
            return vec![];
        }
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            self.quit = true;
            return self.cancel_everything();
        }
        if !self.modals.is_empty() {
            return self.on_modal_key(key);
        }
        if let Some(job) = &self.job {
            if self.keymap.intent(&key, Scope::Job) == Some(Intent::Cancel) {
                return self.cancel_job();
            }
            if self.keymap.intent(&key, self.scope()) == Some(Intent::Quit) {
                self.ask_quit();
                return vec![];
            }
            if job.holds_screen() {
                return vec![];
            }
        }
        match self.keymap.intent(&key, self.scope()) {
            Some(intent) => self.on_intent(intent),
            None => vec![],
        }
    }

    pub(super) fn on_mouse(&mut self, mouse: MouseEvent) {
        // The wheel scrolls the pane, also while filtering; a dialog or form keeps it still.
        if self.modal().is_some_and(|m| !matches!(m, Modal::Filter(_))) {
            return;
        }
        match mouse.kind {
            MouseEventKind::ScrollDown => self.move_selection(3),
            MouseEventKind::ScrollUp => self.move_selection(-3),
            _ => {}
        }
    }

    fn on_intent(&mut self, intent: Intent) -> Vec<Command> {
        match intent {
            Intent::Quit => {
                self.quit = true;
                return self.cancel_everything();
            }
            Intent::Help => self.push_modal(Modal::Help),
            Intent::Refresh => return self.refresh(),
            Intent::Filter => {
                let text = self.current_filter();
                self.push_modal(Modal::Filter(text));
            }
            Intent::Sort => self.cycle_sort(false),
            Intent::ReverseSort => self.cycle_sort(true),
            Intent::Up => self.move_selection(-1),
            Intent::Down => self.move_selection(1),
            Intent::PageUp => self.move_selection(-self.page_size()),
            Intent::PageDown => self.move_selection(self.page_size()),
            Intent::Top => self.move_selection(isize::MIN / 2),
            Intent::Bottom => self.move_selection(isize::MAX / 2),
            Intent::Open => return self.open(),
            Intent::OpenUploads => return self.open_bucket(Tab::Uploads),
            Intent::Back => return self.back(),
            Intent::NextTab => {
                if let Some(view) = &mut self.bucket {
                    view.tab = match view.tab {
                        Tab::Files => Tab::Uploads,
                        Tab::Uploads => Tab::Lifecycle,
                        Tab::Lifecycle => Tab::Files,
                    };
                }
            }
            Intent::FilesTab => self.set_tab(Tab::Files),
            Intent::UploadsTab => self.set_tab(Tab::Uploads),
            Intent::LifecycleTab => self.set_tab(Tab::Lifecycle),
            Intent::AddRule => self.open_add_rule(),
            Intent::EditRule => self.open_edit_rule(),
            Intent::DeleteRule => self.ask_delete_rule(),
            Intent::Delete if self.scope() == Scope::Files => return self.ask_delete_files(),
            Intent::Mark if self.scope() == Scope::Files => self.toggle_file_mark(),
            Intent::DeleteBucket => return self.ask_delete_bucket(),
            Intent::Delete => self.ask_abort_selected(),
            Intent::ClearAll => self.ask_clear_all(),
            Intent::Mark => self.toggle_mark(),
            Intent::MarkAll => self.toggle_mark_all(),
            Intent::ToggleChart => self.toggle_chart(),
            // Only dialogs bind these; a pane's keymap never yields them.
            Intent::Accept
            | Intent::Cancel
            | Intent::OpenFiles
            | Intent::EmptyAndDelete
            | Intent::Toggle
            | Intent::Split
            | Intent::LeaveOutActive => {}
        }
        vec![]
    }

    pub(super) fn cancel_everything(&mut self) -> Vec<Command> {
        match &self.job {
            Some(job) => vec![Command::CancelJob { job: job.id }],
            None => vec![],
        }
    }
}
