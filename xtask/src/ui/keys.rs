//! Single key presses from the terminal, for watch mode, through crossterm: in raw mode keys
//! arrive without Enter and are not echoed, and Ctrl-C arrives as a key, so quitting always goes
//! through the code that restores the terminal.
use std::io::IsTerminal;

use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use crossterm::terminal;

/// The terminal in raw mode while this lives; as it was before once dropped (a panic unwinding
/// drops it too).
pub struct RawMode(());

impl RawMode {
    /// `None` when stdin is not a terminal, or the terminal refuses.
    pub fn enable() -> Option<Self> {
        if !std::io::stdin().is_terminal() {
            return None;
        }
        terminal::enable_raw_mode().ok()?;
        let guard = Self(());
        // Raw mode also switches off output processing: `\n` would no longer return the carriage,
        // and every line printed from anywhere (a grader note, a panic message) would start where
        // the one before ended. Only input should change, so output processing goes back on.
        #[cfg(unix)]
        output_processing_on().ok()?;
        Some(guard)
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = terminal::disable_raw_mode();
    }
}

#[cfg(unix)]
fn output_processing_on() -> std::io::Result<()> {
    use rustix::termios::{OptionalActions, OutputModes, tcgetattr, tcsetattr};
    // crossterm switched the terminal on stdin (checked above) to raw mode.
    let stdin = std::io::stdin();
    let mut modes = tcgetattr(&stdin)?;
    modes.output_modes |= OutputModes::OPOST;
    tcsetattr(&stdin, OptionalActions::Now, &modes)?;
    Ok(())
}

/// A key press that means something to watch mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Press {
    /// A printable ASCII key.
    Char(char),
    Enter,
    /// Ctrl-C or Ctrl-D.
    Quit,
}

/// The next key press, skipping arrows, function keys, resizes and the like; `None` once the
/// terminal can no longer be read.
pub fn next_press() -> Option<Press> {
    loop {
        let Event::Key(KeyEvent {
            code,
            modifiers,
            kind,
            ..
        }) = event::read().ok()?
        else {
            continue;
        };
        // Releases and repeats are reported only by terminals with the kitty keyboard protocol.
        if kind != KeyEventKind::Press {
            continue;
        }
        let control = modifiers.contains(KeyModifiers::CONTROL);
        return Some(match code {
            KeyCode::Char('c' | 'd') if control => Press::Quit,
            KeyCode::Char(c) if !control && c.is_ascii() => Press::Char(c),
            KeyCode::Enter => Press::Enter,
            _ => continue,
        });
    }
}
