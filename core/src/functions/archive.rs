//! A function's files from a zip archive (as Lambda takes them): paths checked, code files
//! kept, everything else skipped, and every size bounded before anything is inflated.

use std::collections::BTreeMap;
use std::io::Read as _;

use api_types::ErrorDetail;
use api_types::function_limits::MAX_FILES;

/// File types a function can load; other files (docs, type declarations, source maps, images,
/// native addons) are skipped.
const CODE_EXTENSIONS: [&str; 4] = [".js", ".mjs", ".cjs", ".json"];

/// Most entries an archive may list, skipped ones included.
const MAX_ENTRIES: usize = 4 * MAX_FILES;

/// The files taken from an archive, and how many entries were skipped.
#[derive(Debug, Default, PartialEq)]
pub struct Unpacked {
    pub files: BTreeMap<String, String>,
    pub skipped: usize,
}

fn invalid(message: impl Into<String>) -> Vec<ErrorDetail> {
    vec![ErrorDetail::field("body", message)]
}

/// Reads the code files of a zip archive; `cap` bounds their inflated size together. When every
/// entry sits in one top-level folder (a zipped project folder), that folder is the root.
pub fn unpack(bytes: &[u8], cap: usize) -> Result<Unpacked, Vec<ErrorDetail>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| invalid(format!("the body is not a zip archive: {e}")))?;
    if archive.len() > MAX_ENTRIES {
        return Err(invalid(format!("the archive has {} entries; at most {MAX_ENTRIES}", archive.len())));
    }
    let names: Vec<String> = archive
        .file_names()
        .map(|name| name.map(|n| n.into_owned()))
        .collect::<Result<_, _>>()
        .map_err(|e| invalid(format!("an entry name is unreadable: {e}")))?;
    let prefix = common_folder(names.iter().map(String::as_str));
    let mut out = Unpacked::default();
    let mut total = 0usize;
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(|e| invalid(format!("entry {index} is unreadable: {e}")))?;
        let name =
            entry.name().map_err(|e| invalid(format!("entry {index} has an unreadable name: {e}")))?.into_owned();
        let wanted = CODE_EXTENSIONS.iter().any(|ext| name.ends_with(ext));
        let hidden = |segment: &str| segment.starts_with('.') && segment != "." && segment != "..";
        let noise = name.starts_with("__MACOSX/") || name.split('/').any(hidden);
        if entry.is_dir() || entry.is_symlink() || !wanted || noise {
            out.skipped += 1;
            continue;
        }
        sandbox::check_path(&name).map_err(|reason| invalid(format!("unsafe path in the archive: {reason}")))?;
        let path = name.strip_prefix(prefix.as_str()).unwrap_or(&name).to_owned();
        if out.files.len() == MAX_FILES {
            return Err(invalid(format!("the archive has more than {MAX_FILES} code files")));
        }
        let room = cap.saturating_sub(total);
        let mut content = Vec::new();
        // The declared size may lie; reading at most one byte past the room left bounds a zip bomb.
        (&mut entry)
            .take(room as u64 + 1)
            .read_to_end(&mut content)
            .map_err(|e| invalid(format!("{path} could not be inflated: {e}")))?;
        total += content.len() + path.len();
        if total > cap {
            return Err(vec![ErrorDetail::field(
                "body",
                format!("the code files are larger than {cap} bytes inflated (this org's cap)"),
            )]);
        }
        let text = String::from_utf8(content).map_err(|_| invalid(format!("{path} is not UTF-8 text")))?;
        if out.files.insert(path.clone(), text).is_some() {
            return Err(invalid(format!("{path} is in the archive twice")));
        }
    }
    if out.files.is_empty() {
        return Err(invalid("the archive holds no .js, .mjs, .cjs or .json files"));
    }
    Ok(out)
}

/// `folder/` when every entry is inside it, else empty.
fn common_folder<'a>(mut names: impl Iterator<Item = &'a str>) -> String {
    let Some(first) = names.next() else { return String::new() };
    let Some((folder, _)) = first.split_once('/') else { return String::new() };
    let prefix = format!("{folder}/");
    if folder.is_empty() || folder == "node_modules" || !names.all(|name| name.starts_with(&prefix)) {
        return String::new();
    }
    prefix
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use zip::write::SimpleFileOptions;

    use super::*;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, content) in entries {
            if name.ends_with('/') {
                writer.add_directory(*name, SimpleFileOptions::default()).unwrap();
            } else {
                writer.start_file(*name, SimpleFileOptions::default()).unwrap();
                writer.write_all(content).unwrap();
            }
        }
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn keeps_code_files_and_strips_one_top_folder() {
        let bytes = zip_of(&[
            ("app/", b""),
            ("app/index.js", b"module.exports = 1"),
            ("app/node_modules/x/package.json", b"{}"),
            ("app/node_modules/x/README.md", b"docs"),
            ("app/node_modules/x/index.d.ts", b"types"),
        ]);
        let unpacked = unpack(&bytes, 1 << 20).unwrap();
        assert_eq!(unpacked.files.keys().collect::<Vec<_>>(), ["index.js", "node_modules/x/package.json"]);
        assert_eq!(unpacked.skipped, 3);
    }

    #[test]
    fn refuses_unsafe_paths_non_text_bombs_and_non_zips() {
        let field = |result: Result<Unpacked, Vec<ErrorDetail>>| result.unwrap_err()[0].reason.clone();
        let up = field(unpack(&zip_of(&[("../evil.js", b"x")]), 1 << 20));
        assert!(up.contains("unsafe path"), "{up}");
        assert!(field(unpack(&zip_of(&[("/abs.js", b"x")]), 1 << 20)).contains("unsafe path"));
        assert!(field(unpack(&zip_of(&[("a.js", &[0xff, 0xfe])]), 1 << 20)).contains("not UTF-8"));
        let bomb = zip_of(&[("index.js", &vec![b' '; 4 << 20])]);
        assert!(bomb.len() < 64 * 1024);
        assert!(field(unpack(&bomb, 1 << 20)).contains("larger than 1048576 bytes inflated"));
        assert!(field(unpack(b"not a zip", 1 << 20)).contains("not a zip archive"));
        assert!(field(unpack(&zip_of(&[("README.md", b"x")]), 1 << 20)).contains("no .js"));
    }
}
