//! Month-to-date cost: the cumulative spend per day, the projected month end (dashed) and the
//! budget (a horizontal line).

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::format::compact_amount;
use crate::palette::{FONT, INK, PALETTE};

/// What the trend chart shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Trend {
    /// Days in the month (28–31).
    pub days_in_month: u32,
    /// Cumulative cost at the end of day 1, 2, … up to today.
    pub cumulative: Vec<f64>,
    /// Projected cost at the end of the month, when known.
    pub projected: Option<f64>,
    /// The month's budget, when set.
    pub budget: Option<f64>,
}

const BUDGET_RED: RGBColor = RGBColor(0xc2, 0x1d, 0x00);

/// Draws the trend, values in `unit`.
pub fn draw_trend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    trend: &Trend,
    unit: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    area.fill(&WHITE)?;
    let days = trend.days_in_month.max(1);
    let last = trend.cumulative.last().copied().unwrap_or(0.0);
    let top =
        [last, trend.projected.unwrap_or(0.0), trend.budget.unwrap_or(0.0)].into_iter().fold(1.0_f64, f64::max) * 1.12;
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, 16).into_font().color(&INK))
        .margin(12)
        .x_label_area_size(32)
        .y_label_area_size(56)
        .build_cartesian_2d(0u32..days, 0.0..top)?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(RGBColor(0xe8, 0xe8, 0xe8))
        .y_labels(6)
        .x_labels(8)
        .axis_style(RGBColor(0x99, 0x99, 0x99))
        .label_style((FONT, 12).into_font().color(&INK))
        .x_desc("day of month")
        .y_desc(unit)
        .y_label_formatter(&|v| compact_amount(*v))
        .draw()?;
    let blue = PALETTE[0];
    let points: Vec<(u32, f64)> =
        std::iter::once((0, 0.0)).chain(trend.cumulative.iter().enumerate().map(|(i, v)| (i as u32 + 1, *v))).collect();
    chart
        .draw_series(AreaSeries::new(points.clone(), 0.0, blue.mix(0.12)).border_style(blue.stroke_width(2)))?
        .label("spent")
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], blue.stroke_width(2)));
    if let Some(projected) = trend.projected {
        let today = trend.cumulative.len() as u32;
        let grey = PALETTE[7];
        chart
            .draw_series(DashedLineSeries::new([(today, last), (days, projected)], 6, 4, grey.stroke_width(2)))?
            .label("projected")
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], grey.stroke_width(2)));
    }
    if let Some(budget) = trend.budget {
        chart
            .draw_series(DashedLineSeries::new([(0, budget), (days, budget)], 10, 4, BUDGET_RED.stroke_width(1)))?
            .label("budget")
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], BUDGET_RED.stroke_width(1)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(0xdd, 0xdd, 0xdd))
        .label_font((FONT, 12).into_font().color(&INK))
        .draw()?;
    area.present()
}

/// Renders [`draw_trend`] to an SVG string.
pub fn trend_svg(title: &str, trend: &Trend, unit: &str, size: (u32, u32)) -> String {
    crate::render_svg(size, |area| draw_trend(area, title, trend, unit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_spend_projection_and_budget() {
        let trend = Trend {
            days_in_month: 30,
            cumulative: vec![10.0, 21.0, 30.0],
            projected: Some(300.0),
            budget: Some(250.0),
        };
        let svg = trend_svg("November", &trend, "EUR", (640, 320));
        for text in ["November", "spent", "projected", "budget", "day of month"] {
            assert!(svg.contains(text), "{text} missing");
        }
        assert!(svg.contains("#C21D00"), "budget line in red");
        let without = trend_svg("November", &Trend { projected: None, budget: None, ..trend }, "EUR", (640, 320));
        assert!(!without.contains("budget") && !without.contains("projected"));
    }
}
