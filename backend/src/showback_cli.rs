//! `stratus showback import FILE`: the import with a progress bar on stderr.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use api_types::{ErrorDetail, ImportResult};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use stratus_core::Store;
use stratus_core::showback::collectors::files::{self, Format};
use stratus_core::showback::collectors::import::{self, ImportError, ImportOptions, Progress};

/// Imports `path` (CSV, or JSON by extension), drawing progress on stderr when it is a terminal.
pub async fn import_with_progress(
    store: &Store,
    path: &Path,
    source: &str,
    skip_invalid: bool,
) -> Result<ImportResult, ImportError> {
    let total = std::fs::metadata(path)?.len();
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("{msg:>24} [{bar:32}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    let count = Arc::new(AtomicU64::new(0));
    let open = || {
        count.store(0, Ordering::Relaxed);
        files::open_path(path, Format::from_path(path), Arc::clone(&count))
    };
    let report = |p: Progress| {
        bar.set_position(count.load(Ordering::Relaxed));
        bar.set_message(format!("{} {} rows", if p.writing { "importing" } else { "checking" }, p.rows));
    };
    let options = ImportOptions { source: source.to_owned(), skip_invalid };
    let result = import::run(store, open, &options, None, &report).await;
    bar.finish_and_clear();
    result
}

/// One error as a line of text: `line 3: cost: '1e3' is not a decimal number`.
pub fn describe(e: &ErrorDetail) -> String {
    let line = e.line.map(|l| format!("line {l}: ")).unwrap_or_default();
    let field = e.field.as_deref().map(|f| format!("{f}: ")).unwrap_or_default();
    format!("{line}{field}{}", e.reason)
}
