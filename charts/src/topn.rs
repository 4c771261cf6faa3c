//! Top-N breakdown: horizontal bars, largest first, each labelled with its amount.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::palette::{FONT, INK, PALETTE};

/// Draws the `n` largest of `items` (label, amount); the rest are summed as "other".
pub fn draw_top_n<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    items: &[(String, f64)],
    n: usize,
    format_amount: &dyn Fn(f64) -> String,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    area.fill(&WHITE)?;
    let rows = top_n(items, n);
    let max = rows.iter().map(|(_, v)| *v).fold(0.0_f64, f64::max).max(1.0);
    // At least two slots: plotters draws no label on a one-segment axis (one row sits on top).
    let count = rows.len().max(2);
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, 16).into_font().color(&INK))
        .margin(12)
        .x_label_area_size(8)
        .y_label_area_size(110)
        .build_cartesian_2d(0.0..max * 1.35, (0..count - 1).into_segmented())?;
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .axis_style(RGBColor(0x99, 0x99, 0x99))
        .label_style((FONT, 12).into_font().color(&INK))
        .y_labels(count)
        .y_label_formatter(&|seg| match seg {
            SegmentValue::CenterOf(i) => rows.get(count - 1 - *i).map(|(l, _)| l.clone()).unwrap_or_default(),
            _ => String::new(),
        })
        .draw()?;
    let colour = PALETTE[0];
    chart.draw_series(rows.iter().enumerate().map(|(i, (_, value))| {
        let slot = count - 1 - i;
        let mut bar = Rectangle::new(
            [(0.0, SegmentValue::Exact(slot)), (*value, SegmentValue::Exact(slot + 1))],
            colour.filled(),
        );
        bar.set_margin(5, 5, 0, 0);
        bar
    }))?;
    chart.draw_series(rows.iter().enumerate().map(|(i, (_, value))| {
        let slot = count - 1 - i;
        Text::new(
            format_amount(*value),
            (*value + max * 0.02, SegmentValue::CenterOf(slot)),
            (FONT, 12).into_font().color(&INK),
        )
    }))?;
    area.present()
}

/// The `n` largest items, then "other" for the rest when there is a rest.
pub fn top_n(items: &[(String, f64)], n: usize) -> Vec<(String, f64)> {
    let mut sorted = items.to_vec();
    sorted.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    if sorted.len() <= n {
        return sorted;
    }
    let rest: f64 = sorted[n..].iter().map(|(_, v)| v).sum();
    sorted.truncate(n);
    sorted.push(("other".into(), rest));
    sorted
}

/// Renders [`draw_top_n`] to an SVG string.
pub fn top_n_svg(
    title: &str,
    items: &[(String, f64)],
    n: usize,
    format_amount: &dyn Fn(f64) -> String,
    size: (u32, u32),
) -> String {
    crate::render_svg(size, |area| draw_top_n(area, title, items, n, format_amount))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_largest_and_sums_the_rest() {
        let items: Vec<(String, f64)> =
            [("a", 1.0), ("b", 5.0), ("c", 3.0), ("d", 2.0)].iter().map(|(l, v)| (l.to_string(), *v)).collect();
        assert_eq!(top_n(&items, 2), vec![("b".into(), 5.0), ("c".into(), 3.0), ("other".into(), 3.0)]);
        assert_eq!(top_n(&items, 9).len(), 4);
    }

    #[test]
    fn a_single_row_is_labelled_too() {
        let items = vec![("web-app".to_string(), 42.0)];
        let svg = top_n_svg("Top resources", &items, 5, &|v| format!("€{v:.2}"), (480, 240));
        for text in ["web-app", "€42.00"] {
            assert!(svg.contains(text), "{text} missing");
        }
    }

    #[test]
    fn labels_rows_with_their_amounts() {
        let items = vec![("acme".to_string(), 1200.0), ("globex".to_string(), 800.0)];
        let svg = top_n_svg("Top tenants", &items, 5, &|v| format!("€{v:.2}"), (480, 240));
        for text in ["Top tenants", "acme", "globex", "€1200.00", "€800.00"] {
            assert!(svg.contains(text), "{text} missing");
        }
    }
}
