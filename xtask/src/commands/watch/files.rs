//! Watch mode's file watching: one exercise's `src/` at a time, through `notify`. Only events
//! that can change what a build sees are passed on; debouncing happens in the event loop.
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;

use notify::event::{AccessKind, AccessMode, MetadataKind, ModifyKind};
use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};

use super::Event;

pub struct SourceWatcher {
    watcher: RecommendedWatcher,
    watched: Option<PathBuf>,
}

impl SourceWatcher {
    pub fn new(events: Sender<Event>) -> notify::Result<Self> {
        let watcher = notify::recommended_watcher(move |result: notify::Result<notify::Event>| {
            let event = match result {
                Ok(event) if changes_sources(&event.kind) => {
                    match event
                        .paths
                        .into_iter()
                        .find(|path| !is_editor_scratch(path))
                    {
                        Some(path) => Event::Changed(path),
                        None => return,
                    }
                }
                Ok(_) => return,
                Err(error) => Event::WatchError(error.to_string()),
            };
            let _ = events.send(event);
        })?;
        Ok(Self {
            watcher,
            watched: None,
        })
    }

    /// Watch `dir` (recursively) instead of whatever was watched before.
    pub fn watch(&mut self, dir: &Path) -> notify::Result<()> {
        if let Some(old) = self.watched.take() {
            let _ = self.watcher.unwatch(&old);
        }
        self.watcher.watch(dir, RecursiveMode::Recursive)?;
        self.watched = Some(dir.to_path_buf());
        Ok(())
    }
}

/// Writes, creations, removals and renames; not reads (a build opening the file must not
/// trigger the next build).
fn changes_sources(kind: &EventKind) -> bool {
    match kind {
        EventKind::Create(_) | EventKind::Remove(_) => true,
        EventKind::Modify(ModifyKind::Metadata(MetadataKind::AccessTime)) => false,
        EventKind::Modify(_) => true,
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) | EventKind::Any | EventKind::Other => false,
    }
}

/// Swap, backup and lock files editors write beside the file being saved.
fn is_editor_scratch(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
        return false;
    };
    name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name == "4913"
        || [".swp", ".swx", ".tmp", "___jb_tmp___", "___jb_old___"]
            .iter()
            .any(|suffix| name.ends_with(suffix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_scratch_files_are_ignored_and_sources_are_not() {
        for scratch in [
            ".lib.rs.swp",
            "lib.rs~",
            "4913",
            ".#lib.rs",
            "#lib.rs#",
            "lib.rs___jb_tmp___",
        ] {
            assert!(
                is_editor_scratch(Path::new("src").join(scratch).as_path()),
                "{scratch}"
            );
        }
        for source in ["lib.rs", "cache.rs", "data.txt"] {
            assert!(
                !is_editor_scratch(Path::new("src").join(source).as_path()),
                "{source}"
            );
        }
    }

    #[test]
    fn reads_do_not_count_as_changes() {
        assert!(!changes_sources(&EventKind::Access(AccessKind::Open(
            AccessMode::Any
        ))));
        assert!(!changes_sources(&EventKind::Access(AccessKind::Close(
            AccessMode::Read
        ))));
        assert!(changes_sources(&EventKind::Access(AccessKind::Close(
            AccessMode::Write
        ))));
        assert!(changes_sources(&EventKind::Modify(ModifyKind::Any)));
    }
}
