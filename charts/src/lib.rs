//! Stratus charts, drawn with plotters.
//!
//! Every chart is a function generic over plotters' `DrawingBackend`, plus an `*_svg` helper that
//! renders it to an SVG string with `SVGBackend::with_string`. The server returns those strings as
//! `image/svg+xml`; the WASM frontend inserts the same strings into the page, so a chart looks the
//! same wherever it is drawn. No fonts are registered: text stays SVG `<text>` and the browser
//! draws the glyphs.

mod bars;
mod format;
mod palette;
mod stacked;
mod topn;
mod trend;
mod vm_count;

use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, DrawingAreaErrorKind, IntoDrawingArea as _, SVGBackend};

pub use bars::{bar_chart_svg, draw_bar_chart};
pub use format::compact_amount;
pub use palette::PALETTE;
pub use stacked::{Series, draw_stacked_bars, stacked_bars_svg};
pub use topn::{draw_top_n, top_n, top_n_svg};
pub use trend::{Trend, draw_trend, trend_svg};
pub use vm_count::{VM_COUNT_EMPTY, draw_vm_count, time_label, vm_count_svg};

/// Runs `draw` on an SVG drawing area of `size` pixels and returns the document. A drawing
/// error becomes a small SVG that says so, never a panic.
fn render_svg<F>(size: (u32, u32), draw: F) -> String
where
    F: for<'a> FnOnce(&DrawingArea<SVGBackend<'a>, Shift>) -> Result<(), DrawingAreaErrorKind<std::io::Error>>,
{
    let mut svg = String::new();
    let result = {
        let area = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        draw(&area)
    };
    match result {
        Ok(()) => svg,
        Err(err) => format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\"><text x=\"8\" y=\"20\">chart error: {err}</text></svg>",
            size.0, size.1
        ),
    }
}
