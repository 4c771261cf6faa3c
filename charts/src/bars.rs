//! A vertical bar chart: one bar per category (e.g. cost by service).

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::format::compact_amount;
use crate::palette::{FONT, INK, PALETTE};

/// Draws `bars` as labelled vertical bars, the value axis in `unit`.
pub fn draw_bar_chart<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    bars: &[(String, f64)],
    unit: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    area.fill(&WHITE)?;
    let max = bars.iter().map(|(_, v)| *v).fold(0.0_f64, f64::max);
    let top = if max > 0.0 { max * 1.15 } else { 1.0 };
    let count = bars.len().max(1);
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, 16).into_font().color(&INK))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d((0..count - 1).into_segmented(), 0.0..top)?;
    let labels: Vec<String> = bars.iter().map(|(l, _)| l.clone()).collect();
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
        .x_labels(count)
        .x_label_formatter(&|seg| match seg {
            SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .draw()?;
    chart.draw_series(bars.iter().enumerate().map(|(i, (_, value))| {
        let colour = PALETTE[i % PALETTE.len()];
        let mut bar =
            Rectangle::new([(SegmentValue::Exact(i), 0.0), (SegmentValue::Exact(i + 1), *value)], colour.filled());
        bar.set_margin(0, 0, 6, 6);
        bar
    }))?;
    area.present()
}

/// Renders [`draw_bar_chart`] to an SVG document of `width` × `height` pixels.
pub fn bar_chart_svg(title: &str, bars: &[(String, f64)], unit: &str, width: u32, height: u32) -> String {
    crate::render_svg((width, height), |area| draw_bar_chart(area, title, bars, unit))
}

#[cfg(test)]
mod tests {
    use super::bar_chart_svg;

    #[test]
    fn svg_has_title_labels_and_one_rect_per_bar() {
        let bars = vec![("compute".to_string(), 1200.0), ("storage".to_string(), 300.5)];
        let svg = bar_chart_svg("Cost by service", &bars, "EUR", 640, 320);
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("Cost by service"));
        assert!(svg.contains("compute") && svg.contains("storage"), "{svg}");
        assert!(svg.contains("EUR"));
        let filled_bars = svg.matches("fill=\"#0072A3\"").count() + svg.matches("fill=\"#00A7B8\"").count();
        assert_eq!(filled_bars, 2, "{svg}");
    }

    #[test]
    fn empty_input_still_renders_a_frame() {
        let svg = bar_chart_svg("Nothing yet", &[], "EUR", 320, 200);
        assert!(svg.contains("Nothing yet"));
    }
}
