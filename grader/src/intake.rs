//! Unpacking a student's archive (`.zip`, `.tar.gz`) safely: every member is checked before a
//! byte of it is written. A member with `..` or an absolute path, a symlink or hard link, a name
//! that is not UTF-8, too many members, a member or a whole archive that expands past its cap, or
//! an archive that is unreadable or truncated is an [`IntakeError`] naming the member: the
//! student's row says why, and the batch goes on.
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

use fs_err as fs;

/// How much an archive may hold.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Members (files and folders) in one archive.
    pub max_entries: usize,
    /// Bytes of one member once unpacked.
    pub max_file_bytes: u64,
    /// Bytes of every member together once unpacked.
    pub max_total_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_entries: 20_000,
            max_file_bytes: 16 << 20,
            max_total_bytes: 256 << 20,
        }
    }
}

/// Why an archive was not unpacked. The message is the student's row reason.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// zip or tar could not read it (damaged, truncated, not an archive at all).
    #[error("unreadable or truncated archive: {0}")]
    Unreadable(String),
    /// A member whose path leaves the folder it is unpacked into (zip-slip).
    #[error("unsafe member `{0}`: its path leaves the archive (`..` or an absolute path)")]
    Escapes(String),
    /// A symbolic or hard link.
    #[error("unsafe member `{0}`: links are not accepted in a submission")]
    Link(String),
    /// A device, FIFO or other special file.
    #[error("unsafe member `{0}`: not a regular file or folder")]
    Special(String),
    /// A member name that is not UTF-8.
    #[error("a member's name is not UTF-8 ({0})")]
    NotUtf8(String),
    /// More members than [`Limits::max_entries`].
    #[error("more than {0} members")]
    TooManyEntries(usize),
    /// One member larger than [`Limits::max_file_bytes`].
    #[error("member `{name}` is larger than {cap} bytes unpacked")]
    HugeFile {
        /// The member.
        name: String,
        /// The cap.
        cap: u64,
    },
    /// The archive expands past [`Limits::max_total_bytes`].
    #[error("expands past {0} bytes")]
    TooBig(u64),
    /// Writing the unpacked files.
    #[error("cannot unpack: {0}")]
    Io(#[from] std::io::Error),
}

/// The kinds of archive a submission may be.
pub fn archive_stem(file_name: &str) -> Option<&str> {
    file_name
        .strip_suffix(".tar.gz")
        .or_else(|| file_name.strip_suffix(".tgz"))
        .or_else(|| file_name.strip_suffix(".zip"))
}

/// Unpack `archive` (by its extension) into the empty folder `into`.
pub fn unpack(archive: &Path, into: &Path, limits: &Limits) -> Result<(), IntakeError> {
    let name = archive
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.ends_with(".zip") {
        unpack_zip(archive, into, limits)
    } else {
        unpack_tar_gz(archive, into, limits)
    }
}

/// The member's path inside `into`, or why it may not go there.
fn safe_path(name: &str) -> Result<PathBuf, IntakeError> {
    let path = Path::new(name);
    let windows_absolute = name.starts_with('\\') || name.as_bytes().get(1) == Some(&b':');
    if windows_absolute || name.contains('\\') && name.contains("..") {
        return Err(IntakeError::Escapes(name.to_string()));
    }
    let mut safe = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => safe.push(part),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => {
                return Err(IntakeError::Escapes(name.to_string()));
            }
        }
    }
    Ok(safe)
}

/// Copies at most `cap` bytes and fails past it, whatever the header claimed.
struct Budget {
    limits: Limits,
    entries: usize,
    total: u64,
}

impl Budget {
    fn new(limits: &Limits) -> Self {
        Self {
            limits: *limits,
            entries: 0,
            total: 0,
        }
    }

    fn entry(&mut self) -> Result<(), IntakeError> {
        self.entries += 1;
        if self.entries > self.limits.max_entries {
            return Err(IntakeError::TooManyEntries(self.limits.max_entries));
        }
        Ok(())
    }

    fn declared(&self, name: &str, size: u64) -> Result<(), IntakeError> {
        if size > self.limits.max_file_bytes {
            return Err(IntakeError::HugeFile {
                name: name.to_string(),
                cap: self.limits.max_file_bytes,
            });
        }
        if self.total.saturating_add(size) > self.limits.max_total_bytes {
            return Err(IntakeError::TooBig(self.limits.max_total_bytes));
        }
        Ok(())
    }

    fn copy(
        &mut self,
        name: &str,
        from: &mut dyn Read,
        to: &Path,
        unreadable: fn(std::io::Error) -> IntakeError,
    ) -> Result<(), IntakeError> {
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent)?;
        }
        let mut out = fs::File::create(to)?;
        let mut written: u64 = 0;
        let mut buffer = [0u8; 64 * 1024];
        loop {
            let read = from.read(&mut buffer).map_err(unreadable)?;
            if read == 0 {
                return Ok(());
            }
            written += read as u64;
            self.total += read as u64;
            if written > self.limits.max_file_bytes {
                return Err(IntakeError::HugeFile {
                    name: name.to_string(),
                    cap: self.limits.max_file_bytes,
                });
            }
            if self.total > self.limits.max_total_bytes {
                return Err(IntakeError::TooBig(self.limits.max_total_bytes));
            }
            out.write_all(&buffer[..read])?;
        }
    }
}

fn unreadable(error: impl std::fmt::Display) -> IntakeError {
    IntakeError::Unreadable(error.to_string())
}

fn io_unreadable(error: std::io::Error) -> IntakeError {
    IntakeError::Unreadable(error.to_string())
}

fn unpack_zip(archive: &Path, into: &Path, limits: &Limits) -> Result<(), IntakeError> {
    let file = fs::File::open(archive)?;
    let mut zip = zip::ZipArchive::new(file).map_err(unreadable)?;
    if zip.len() > limits.max_entries {
        return Err(IntakeError::TooManyEntries(limits.max_entries));
    }
    let mut budget = Budget::new(limits);
    for index in 0..zip.len() {
        budget.entry()?;
        let mut entry = zip.by_index(index).map_err(unreadable)?;
        let name = std::str::from_utf8(entry.name_raw())
            .map_err(|_| IntakeError::NotUtf8(String::from_utf8_lossy(entry.name_raw()).into()))?
            .to_string();
        let relative = safe_path(&name)?;
        if entry.is_symlink() {
            return Err(IntakeError::Link(name));
        }
        let target = into.join(&relative);
        if entry.is_dir() {
            fs::create_dir_all(&target)?;
            continue;
        }
        budget.declared(&name, entry.size())?;
        budget.copy(&name, &mut entry, &target, io_unreadable)?;
    }
    Ok(())
}

fn unpack_tar_gz(archive: &Path, into: &Path, limits: &Limits) -> Result<(), IntakeError> {
    let file = fs::File::open(archive)?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut budget = Budget::new(limits);
    for entry in tar.entries().map_err(unreadable)? {
        let mut entry = entry.map_err(unreadable)?;
        budget.entry()?;
        let name = std::str::from_utf8(&entry.path_bytes())
            .map_err(|_| IntakeError::NotUtf8(String::from_utf8_lossy(&entry.path_bytes()).into()))?
            .to_string();
        let relative = safe_path(&name)?;
        let kind = entry.header().entry_type();
        let target = into.join(&relative);
        if kind.is_symlink() || kind.is_hard_link() {
            return Err(IntakeError::Link(name));
        }
        if kind.is_dir() {
            fs::create_dir_all(&target)?;
            continue;
        }
        if kind.is_pax_global_extensions()
            || kind.is_pax_local_extensions()
            || kind.is_gnu_longname()
        {
            continue;
        }
        if !(kind.is_file() || kind.is_contiguous()) {
            return Err(IntakeError::Special(name));
        }
        budget.declared(&name, entry.size())?;
        budget.copy(&name, &mut entry, &target, io_unreadable)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip_with(members: &[(&str, &[u8])]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.zip");
        let mut writer = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        for (name, body) in members {
            writer
                .start_file(
                    *name,
                    zip::write::SimpleFileOptions::default()
                        .compression_method(zip::CompressionMethod::Deflated),
                )
                .unwrap();
            writer.write_all(body).unwrap();
        }
        writer.finish().unwrap();
        (dir, path)
    }

    #[test]
    fn a_plain_zip_unpacks_and_a_zip_slip_does_not() {
        let (dir, good) = zip_with(&[("a/src/lib.rs", b"fn f() {}")]);
        let out = dir.path().join("out");
        unpack(&good, &out, &Limits::default()).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("a/src/lib.rs")).unwrap(),
            "fn f() {}"
        );
        for evil in ["../evil.rs", "/etc/evil.rs", "a/../../evil.rs"] {
            let (dir, bad) = zip_with(&[(evil, b"x")]);
            let error = unpack(&bad, &dir.path().join("out"), &Limits::default()).unwrap_err();
            assert!(matches!(error, IntakeError::Escapes(_)), "{evil}: {error}");
            assert!(!dir.path().join("evil.rs").exists());
        }
    }

    #[test]
    fn caps_hold_whatever_the_headers_say() {
        let (dir, big) = zip_with(&[("a.rs", &[b'x'; 5000])]);
        let limits = Limits {
            max_file_bytes: 1000,
            ..Limits::default()
        };
        let error = unpack(&big, &dir.path().join("out"), &limits).unwrap_err();
        assert!(matches!(error, IntakeError::HugeFile { .. }), "{error}");
        let (dir, many) = zip_with(&[("a.rs", b"1"), ("b.rs", b"2"), ("c.rs", b"3")]);
        let limits = Limits {
            max_entries: 2,
            ..Limits::default()
        };
        let error = unpack(&many, &dir.path().join("out"), &limits).unwrap_err();
        assert!(matches!(error, IntakeError::TooManyEntries(2)), "{error}");
        let limits = Limits {
            max_total_bytes: 2,
            ..Limits::default()
        };
        let error = unpack(&many, &dir.path().join("out2"), &limits).unwrap_err();
        assert!(matches!(error, IntakeError::TooBig(2)), "{error}");
    }

    #[test]
    fn a_truncated_archive_is_unreadable() {
        let (dir, good) = zip_with(&[("a/src/lib.rs", &[b'y'; 3000])]);
        let bytes = std::fs::read(&good).unwrap();
        let cut = dir.path().join("cut.zip");
        std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
        let error = unpack(&cut, &dir.path().join("out"), &Limits::default()).unwrap_err();
        assert!(matches!(error, IntakeError::Unreadable(_)), "{error}");
    }

    #[test]
    fn tar_links_and_escapes_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.tar.gz");
        let gz = flate2::write::GzEncoder::new(
            std::fs::File::create(&path).unwrap(),
            flate2::Compression::default(),
        );
        let mut builder = tar::Builder::new(gz);
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Symlink);
        header.set_size(0);
        builder
            .append_link(&mut header, "a/src/lib.rs", "/etc/passwd")
            .unwrap();
        builder.into_inner().unwrap().finish().unwrap();
        let error = unpack(&path, &dir.path().join("out"), &Limits::default()).unwrap_err();
        assert!(matches!(error, IntakeError::Link(_)), "{error}");
        assert_eq!(archive_stem("alice.tar.gz"), Some("alice"));
        assert_eq!(archive_stem("bob.zip"), Some("bob"));
        assert_eq!(archive_stem("notes.txt"), None);
    }
}
