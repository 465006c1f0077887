//! Watch mode's keys: single key presses when stdin is a terminal (no Enter needed, read by
//! `ui::keys`), otherwise one command per line, so that scripts and tests can drive watch mode
//! through a pipe.
use std::io::BufRead;
use std::sync::mpsc::Sender;

use super::Event;
use crate::ui::keys::{self, Press};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Next,
    Hint,
    List,
    Rerun,
    Full,
    CheckAll,
    Quit,
    /// Enter on its own (an empty line).
    Enter,
    Unknown(char),
}

impl Key {
    fn from_char(c: char) -> Self {
        match c.to_ascii_lowercase() {
            'n' => Self::Next,
            'h' => Self::Hint,
            'l' => Self::List,
            'r' => Self::Rerun,
            'f' => Self::Full,
            'c' => Self::CheckAll,
            'q' => Self::Quit,
            '\r' | '\n' => Self::Enter,
            other => Self::Unknown(other),
        }
    }
}

/// Read keys on a thread of its own until stdin ends; the end of input means quit. `single_keys`:
/// the terminal is in raw mode (`ui::keys::RawMode`), so keys come one by one, else line by line.
pub fn spawn(events: Sender<Event>, single_keys: bool) {
    std::thread::spawn(move || {
        if single_keys {
            read_keys(&events)
        } else {
            read_lines(&events)
        }
        let _ = events.send(Event::Key(Key::Quit));
    });
}

fn read_keys(events: &Sender<Event>) {
    while let Some(press) = keys::next_press() {
        let key = match press {
            Press::Char(c) => Key::from_char(c),
            Press::Enter => Key::Enter,
            Press::Quit => Key::Quit,
        };
        if events.send(Event::Key(key)).is_err() {
            return;
        }
    }
}

fn read_lines(events: &Sender<Event>) {
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { return };
        let key = line
            .trim()
            .chars()
            .next()
            .map_or(Key::Enter, Key::from_char);
        if events.send(Event::Key(key)).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_map_to_commands_in_either_case() {
        assert_eq!(Key::from_char('n'), Key::Next);
        assert_eq!(Key::from_char('Q'), Key::Quit);
        assert_eq!(Key::from_char('\n'), Key::Enter);
        assert_eq!(Key::from_char('x'), Key::Unknown('x'));
    }
}
