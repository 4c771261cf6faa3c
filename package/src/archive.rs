//! The archive form: a zip whose bytes depend only on the files (sorted paths, one fixed
//! timestamp and mode, one compression level), and a reader that bounds everything before it
//! inflates it.

use std::collections::BTreeMap;
use std::io::{Read as _, Write as _};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

use crate::PackageError;

/// What a reader accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    /// Bytes of the archive itself.
    pub archive_bytes: usize,
    /// Entries in it.
    pub entries: usize,
    /// Inflated bytes of all entries together.
    pub inflated_bytes: usize,
    /// Largest inflated/compressed ratio of an entry over 64 KiB.
    pub ratio: u64,
}

impl Default for Caps {
    fn default() -> Self {
        Caps { archive_bytes: 64 << 20, entries: 20_000, inflated_bytes: 256 << 20, ratio: 200 }
    }
}

fn options() -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(6))
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644)
}

/// The archive of `files`, byte for byte the same for the same files.
pub(crate) fn build(files: &BTreeMap<String, Vec<u8>>) -> Result<Vec<u8>, PackageError> {
    let failed = |e: &dyn std::fmt::Display| PackageError::Malformed(format!("writing the archive failed: {e}"));
    let mut writer = ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (path, bytes) in files {
        writer.start_file(path.as_str(), options()).map_err(|e| failed(&e))?;
        writer.write_all(bytes).map_err(|e| failed(&e))?;
    }
    Ok(writer.finish().map_err(|e| failed(&e))?.into_inner())
}

/// The files of an archive, every cap and path checked before anything is inflated past them.
pub(crate) fn read(bytes: &[u8], caps: Caps) -> Result<BTreeMap<String, Vec<u8>>, PackageError> {
    if bytes.len() > caps.archive_bytes {
        return Err(PackageError::TooLarge(format!("the archive is over {} bytes", caps.archive_bytes)));
    }
    let mut archive = ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| PackageError::Malformed(format!("not a package archive: {e}")))?;
    if archive.len() > caps.entries {
        return Err(PackageError::TooLarge(format!("the archive has over {} entries", caps.entries)));
    }
    // The zip reader keeps one entry per name; the directory's own count tells duplicates.
    if declared_entries(bytes).is_some_and(|declared| declared != archive.len()) {
        return Err(PackageError::UnsafePath("the archive lists a path twice".to_owned()));
    }
    let mut files = BTreeMap::new();
    let mut total = 0usize;
    for index in 0..archive.len() {
        let mut entry = archive
            .by_index(index)
            .map_err(|e| PackageError::Malformed(format!("entry {index} is unreadable: {e}")))?;
        let raw = entry.name().map_err(|e| PackageError::Malformed(format!("entry {index}: {e}")))?.into_owned();
        if entry.is_symlink() {
            return Err(PackageError::UnsafePath(format!("{raw} is a symbolic link")));
        }
        if entry.is_dir() {
            continue;
        }
        let path =
            safe_path(&raw).ok_or_else(|| PackageError::UnsafePath(format!("unsafe path in the archive: {raw:?}")))?;
        let declared = entry.size();
        let compressed = entry.compressed_size().max(1);
        if declared > 64 * 1024 && declared / compressed > caps.ratio {
            return Err(PackageError::TooLarge(format!("{path} inflates over {} times", caps.ratio)));
        }
        let room = caps.inflated_bytes.saturating_sub(total);
        let mut content = Vec::new();
        (&mut entry)
            .take(room as u64 + 1)
            .read_to_end(&mut content)
            .map_err(|e| PackageError::Malformed(format!("{path} could not be inflated: {e}")))?;
        total += content.len();
        if total > caps.inflated_bytes {
            return Err(PackageError::TooLarge(format!("the archive inflates past {} bytes", caps.inflated_bytes)));
        }
        if files.insert(path.clone(), content).is_some() {
            return Err(PackageError::UnsafePath(format!("{path} is in the archive twice")));
        }
    }
    Ok(files)
}

/// The entry count the end-of-central-directory record states (none for zip64 or when absent).
fn declared_entries(bytes: &[u8]) -> Option<usize> {
    const EOCD: [u8; 4] = [0x50, 0x4b, 0x05, 0x06];
    let search = bytes.len().saturating_sub(22 + u16::MAX as usize);
    let at = (search..bytes.len().saturating_sub(21)).rev().find(|&i| bytes[i..i + 4] == EOCD)?;
    let total = u16::from_le_bytes([bytes[at + 10], bytes[at + 11]]);
    (total != u16::MAX).then_some(usize::from(total))
}

/// `path` when it stays inside the package: relative, `/`-separated, without `.`, `..`, empty
/// segments, backslashes or control characters.
pub(crate) fn safe_path(path: &str) -> Option<String> {
    let bad = path.is_empty()
        || path.starts_with('/')
        || path.contains('\\')
        || path.chars().any(char::is_control)
        || path.split('/').any(|s| matches!(s, "" | "." | ".."));
    (!bad).then(|| path.to_owned())
}
