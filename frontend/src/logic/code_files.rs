//! The files of a function of several files as the editor holds them: which file is open,
//! adding and removing files, the entry file, and the rows of the file tree (folders first,
//! `node_modules` closed until opened).

use std::collections::{BTreeMap, BTreeSet};

use api_types::Function;
use api_types::function_limits::{MAX_FILE_PATH_BYTES, MAX_FILES};

/// The file a one-file function's code becomes when a second file is added.
pub const FIRST_FILE: &str = "index.js";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeFiles {
    pub files: BTreeMap<String, String>,
    /// The entry file when the author named one (else package.json or index.js decides).
    pub main: Option<String>,
    /// The file open in the editor.
    pub selected: String,
}

/// One row of the file tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeRow {
    /// Folders above it.
    pub depth: usize,
    pub name: String,
    /// The file's path, or the folder's (without a trailing `/`).
    pub path: String,
    pub folder: bool,
    /// A folder shows its contents.
    pub open: bool,
    /// Files inside a folder, at any depth.
    pub count: usize,
}

impl CodeFiles {
    /// The files of a function that has several, its entry file open.
    pub fn from_function(function: &Function) -> Option<Self> {
        let files = function.files.clone()?;
        let selected = function
            .main
            .clone()
            .filter(|m| files.contains_key(m))
            .or_else(|| files.keys().next().cloned())
            .unwrap_or_default();
        Some(CodeFiles { files, main: function.main.clone(), selected })
    }

    /// A one-file function's `code` as `index.js`, plus the new file `path` (opened).
    pub fn from_single(code: &str, path: &str) -> Result<Self, String> {
        let mut files = CodeFiles {
            files: BTreeMap::from([(FIRST_FILE.to_owned(), code.to_owned())]),
            main: Some(FIRST_FILE.to_owned()),
            selected: FIRST_FILE.to_owned(),
        };
        files.add(path)?;
        Ok(files)
    }

    /// The open file's text.
    pub fn text(&self) -> &str {
        self.files.get(&self.selected).map_or("", String::as_str)
    }

    /// Replaces the open file's text.
    pub fn set_text(&mut self, text: &str) {
        if let Some(file) = self.files.get_mut(&self.selected) {
            text.clone_into(file);
        }
    }

    /// Keeps the editor's `text` as the open file's, then opens `path`; returns the text to
    /// show.
    pub fn switch_to(&mut self, text: &str, path: &str) -> &str {
        self.set_text(text);
        self.select(path);
        self.text()
    }

    /// Opens `path` if it is a file.
    pub fn select(&mut self, path: &str) {
        if self.files.contains_key(path) {
            path.clone_into(&mut self.selected);
        }
    }

    /// Adds an empty file and opens it.
    pub fn add(&mut self, path: &str) -> Result<(), String> {
        let path = path.trim();
        check_path(path)?;
        if self.files.contains_key(path) {
            return Err(format!("{path} exists already"));
        }
        if self.files.keys().any(|p| p.starts_with(&format!("{path}/"))) {
            return Err(format!("{path} is a folder"));
        }
        if self.files.len() >= MAX_FILES {
            return Err(format!("a function has at most {MAX_FILES} files"));
        }
        self.files.insert(path.to_owned(), String::new());
        path.clone_into(&mut self.selected);
        Ok(())
    }

    /// Removes the open file (never the last one); the entry file, or the first, opens.
    pub fn remove_selected(&mut self) -> Result<(), String> {
        if self.files.len() <= 1 {
            return Err("a function needs at least one file".to_owned());
        }
        self.files.remove(&self.selected);
        if self.main.as_deref() == Some(self.selected.as_str()) {
            self.main = None;
        }
        self.selected = self
            .main
            .clone()
            .filter(|m| self.files.contains_key(m))
            .or_else(|| self.files.keys().next().cloned())
            .unwrap_or_default();
        Ok(())
    }

    /// Whether `path` is the entry the author named.
    pub fn is_main(&self, path: &str) -> bool {
        self.main.as_deref() == Some(path)
    }

    /// Bytes of all files together, paths included (what the org's cap counts).
    pub fn total_bytes(&self) -> usize {
        self.files.iter().map(|(path, text)| path.len() + text.len()).sum()
    }

    /// Folders that start open: all but `node_modules` and what is inside it.
    pub fn default_open(&self) -> BTreeSet<String> {
        let mut open = BTreeSet::new();
        for path in self.files.keys() {
            let mut folder = String::new();
            for part in path.split('/').rev().skip(1).collect::<Vec<_>>().into_iter().rev() {
                if part == "node_modules" {
                    break;
                }
                if !folder.is_empty() {
                    folder.push('/');
                }
                folder.push_str(part);
                open.insert(folder.clone());
            }
        }
        open
    }

    /// The tree's visible rows: each folder before its files, contents only of open folders.
    pub fn rows(&self, open: &BTreeSet<String>) -> Vec<TreeRow> {
        let mut rows = Vec::new();
        let mut shown_folders = BTreeSet::new();
        for path in self.files.keys() {
            let parts: Vec<&str> = path.split('/').collect();
            let mut visible = true;
            for depth in 0..parts.len() - 1 {
                let folder = parts[..=depth].join("/");
                if shown_folders.insert(folder.clone()) {
                    let prefix = format!("{folder}/");
                    let is_open = open.contains(&folder);
                    rows.push(TreeRow {
                        depth,
                        name: parts[depth].to_owned(),
                        path: folder.clone(),
                        folder: true,
                        open: is_open,
                        count: self.files.keys().filter(|p| p.starts_with(&prefix)).count(),
                    });
                }
                if !open.contains(&folder) {
                    visible = false;
                    break;
                }
            }
            if visible {
                let depth = parts.len() - 1;
                rows.push(TreeRow {
                    depth,
                    name: parts[depth].to_owned(),
                    path: path.clone(),
                    folder: false,
                    open: false,
                    count: 1,
                });
            }
        }
        sort_folders_first(rows)
    }
}

/// Within each folder, subfolders come before files (the rows arrive in path order).
fn sort_folders_first(rows: Vec<TreeRow>) -> Vec<TreeRow> {
    fn place(rows: &[TreeRow], at: &mut usize, depth: usize, out: &mut Vec<TreeRow>) {
        let (mut folders, mut files) = (Vec::new(), Vec::new());
        while *at < rows.len() && rows[*at].depth >= depth {
            let row = rows[*at].clone();
            *at += 1;
            if row.folder {
                let mut inner = vec![row];
                place(rows, at, depth + 1, &mut inner);
                folders.push(inner);
            } else {
                files.push(row);
            }
        }
        out.extend(folders.into_iter().flatten());
        out.extend(files);
    }
    let mut out = Vec::with_capacity(rows.len());
    let mut at = 0;
    place(&rows, &mut at, 0, &mut out);
    out
}

/// What the server accepts as a file path (it checks again).
fn check_path(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("type a path, e.g. lib/util.js".to_owned());
    }
    if path.len() > MAX_FILE_PATH_BYTES {
        return Err(format!("at most {MAX_FILE_PATH_BYTES} bytes"));
    }
    if path.starts_with('/') || path.contains('\\') || path.split('/').any(|s| matches!(s, "" | "." | "..")) {
        return Err("a relative path with / between folders, without . or .. (lib/util.js)".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> CodeFiles {
        let files = [
            "index.js",
            "lib/db.js",
            "lib/util/strings.js",
            "node_modules/x/index.js",
            "node_modules/x/package.json",
            "package.json",
        ];
        CodeFiles {
            files: files.iter().map(|p| (p.to_string(), String::new())).collect(),
            main: None,
            selected: "index.js".into(),
        }
    }

    #[test]
    fn the_tree_lists_folders_first_and_keeps_node_modules_closed() {
        let files = sample();
        let open = files.default_open();
        let rows: Vec<(usize, String, bool)> =
            files.rows(&open).into_iter().map(|r| (r.depth, r.name, r.folder)).collect();
        let expected = [
            (0, "lib", true),
            (1, "util", true),
            (2, "strings.js", false),
            (1, "db.js", false),
            (0, "node_modules", true),
            (0, "index.js", false),
            (0, "package.json", false),
        ];
        let expected: Vec<(usize, String, bool)> = expected.iter().map(|(d, n, f)| (*d, n.to_string(), *f)).collect();
        assert_eq!(rows, expected);
        let mut opened = open.clone();
        opened.insert("node_modules".into());
        let rows = files.rows(&opened);
        assert!(rows.iter().any(|r| r.path == "node_modules/x" && r.folder && !r.open && r.count == 2));
    }

    #[test]
    fn adding_selecting_and_removing_files() {
        let mut files = CodeFiles::from_single("module.exports = 1", "lib/a.js").unwrap();
        assert_eq!((files.selected.as_str(), files.files.len()), ("lib/a.js", 2));
        assert_eq!(files.switch_to("exports.a = 1", "index.js"), "module.exports = 1");
        assert_eq!(files.files["lib/a.js"], "exports.a = 1");
        assert!(files.add("lib/a.js").unwrap_err().contains("exists"));
        assert!(files.add("lib").unwrap_err().contains("folder"));
        assert!(files.add("../x.js").is_err() && files.add("/x.js").is_err() && files.add("").is_err());
        files.select("index.js");
        files.remove_selected().unwrap();
        assert_eq!((files.main.as_deref(), files.selected.as_str()), (None, "lib/a.js"));
        assert!(files.remove_selected().is_err());
        assert_eq!(files.total_bytes(), "lib/a.js".len() + "exports.a = 1".len());
    }
}
