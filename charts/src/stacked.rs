//! Stacked vertical bars: one bar per period (month), one stack segment per series (service).

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::format::compact_amount;
use crate::palette::{FONT, INK, PALETTE};

/// One named series with a value per period, in the periods' order.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
}

/// Draws `series` stacked over `periods` (e.g. `2026-01` …), values in `unit`.
pub fn draw_stacked_bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    periods: &[String],
    series: &[Series],
    unit: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    area.fill(&WHITE)?;
    let count = periods.len().max(1);
    let totals: Vec<f64> =
        (0..count).map(|i| series.iter().map(|s| s.values.get(i).copied().unwrap_or(0.0).max(0.0)).sum()).collect();
    // Headroom above the tallest bar for the legend, one line per series.
    let headroom = 1.1 + 0.09 * series.len() as f64;
    let top = totals.iter().copied().fold(0.0_f64, f64::max).max(1.0) * headroom;
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, 16).into_font().color(&INK))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d((0..count - 1).into_segmented(), 0.0..top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(RGBColor(0xe8, 0xe8, 0xe8))
        .y_labels(6)
        .axis_style(RGBColor(0x99, 0x99, 0x99))
        .label_style((FONT, 12).into_font().color(&INK))
        .y_desc(unit)
        .y_label_formatter(&|v| compact_amount(*v))
        .x_labels(count.min(13))
        .x_label_formatter(&|seg| match seg {
            SegmentValue::CenterOf(i) => periods.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .draw()?;
    let mut base = vec![0.0; count];
    for (n, s) in series.iter().enumerate() {
        let colour = PALETTE[n % PALETTE.len()];
        let bars: Vec<Rectangle<_>> = (0..count)
            .map(|i| {
                let value = s.values.get(i).copied().unwrap_or(0.0).max(0.0);
                let bottom = base[i];
                base[i] += value;
                let mut bar = Rectangle::new(
                    [(SegmentValue::Exact(i), bottom), (SegmentValue::Exact(i + 1), bottom + value)],
                    colour.filled(),
                );
                bar.set_margin(0, 0, 4, 4);
                bar
            })
            .collect();
        chart
            .draw_series(bars)?
            .label(s.name.clone())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], colour.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(0xdd, 0xdd, 0xdd))
        .label_font((FONT, 12).into_font().color(&INK))
        .draw()?;
    area.present()
}

/// Renders [`draw_stacked_bars`] to an SVG string.
pub fn stacked_bars_svg(title: &str, periods: &[String], series: &[Series], unit: &str, size: (u32, u32)) -> String {
    crate::render_svg(size, |area| draw_stacked_bars(area, title, periods, series, unit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stacks_every_series_and_labels_them() {
        let periods = vec!["2026-09".to_string(), "2026-10".to_string()];
        let series = vec![
            Series { name: "compute".into(), values: vec![100.0, 120.0] },
            Series { name: "storage".into(), values: vec![40.0, 45.0] },
        ];
        let svg = stacked_bars_svg("Cost by service", &periods, &series, "EUR", (640, 320));
        for text in ["Cost by service", "2026-09", "2026-10", "compute", "storage", "EUR"] {
            assert!(svg.contains(text), "{text} missing");
        }
        // Two bars per series plus one legend swatch each.
        assert_eq!(svg.matches("fill=\"#0072A3\"").count(), 3, "{svg}");
        assert_eq!(svg.matches("fill=\"#00A7B8\"").count(), 3, "{svg}");
    }
}
