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

pub use bars::{bar_chart_svg, draw_bar_chart};
pub use format::compact_amount;
pub use palette::PALETTE;
