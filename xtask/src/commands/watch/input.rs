//! Watch mode's keys: single key presses when stdin is a terminal (no Enter needed), otherwise
//! one command per line, so that scripts and tests can drive watch mode through a pipe.
use std::io::{BufRead, IsTerminal, Read};
use std::sync::mpsc::Sender;

use super::Event;

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

/// Whether keys arrive one by one (stdin is a terminal) or line by line.
pub fn single_keys() -> bool {
    std::io::stdin().is_terminal()
}

/// Read keys on a thread of its own until stdin ends; the end of input means quit.
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
    let mut stdin = std::io::stdin().lock();
    let mut buffer = [0u8; 64];
    loop {
        let read = match stdin.read(&mut buffer) {
            Ok(0) => return,
            Ok(read) => read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return,
        };
        let chunk = &buffer[..read];
        // An escape sequence (arrow keys, function keys) arrives as one chunk: not a command.
        if chunk[0] == 0x1b {
            continue;
        }
        for &byte in chunk {
            let key = match byte {
                // Ctrl-C and Ctrl-D: the terminal does not turn them into signals in this mode.
                0x03 | 0x04 => Key::Quit,
                byte if byte.is_ascii() => Key::from_char(byte as char),
                _ => continue,
            };
            if events.send(Event::Key(key)).is_err() {
                return;
            }
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

/// The terminal in "cbreak" mode while watch mode runs: keys arrive without Enter and are not
/// echoed; Ctrl-C arrives as a key, so quitting always restores the terminal. Output processing
/// is left alone, so `\n` still starts a new line.
pub struct SingleKeys {
    original: libc::termios,
}

impl SingleKeys {
    pub fn enable() -> Option<Self> {
        let fd = libc::STDIN_FILENO;
        // SAFETY: tcgetattr/tcsetattr only read and write the termios struct we pass, for a
        // descriptor that stays open for the life of the process.
        unsafe {
            let mut original: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(fd, &mut original) != 0 {
                return None;
            }
            let mut cbreak = original;
            cbreak.c_lflag &= !(libc::ICANON | libc::ECHO | libc::ISIG);
            cbreak.c_cc[libc::VMIN] = 1;
            cbreak.c_cc[libc::VTIME] = 0;
            if libc::tcsetattr(fd, libc::TCSANOW, &cbreak) != 0 {
                return None;
            }
            Some(Self { original })
        }
    }
}

impl Drop for SingleKeys {
    fn drop(&mut self) {
        // SAFETY: as in `enable`; restores the settings read there.
        unsafe {
            libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &self.original);
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
