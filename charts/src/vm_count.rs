//! An autoscale group's size over time: a step line of the VM count, with the rule's minimum
//! and maximum as dashed horizontal lines. Times are unix seconds, labelled in UTC.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::palette::{FONT, INK, PALETTE};

/// Half the time span shown around a single point, in seconds.
const LONE_POINT_MARGIN: i64 = 30 * 60;

/// The shortest time span shown; a shorter history is drawn against its end, so the axis
/// still has round times on it.
const MIN_SPAN: i64 = 10 * 60;

/// Spans longer than this label their ticks with the day too.
const DAY: i64 = 24 * 60 * 60;

/// Tick intervals to choose from, in seconds: minutes, hours, days, weeks.
const TICK_STEPS: [i64; 16] =
    [60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 28 * DAY];

/// What the chart shows when no point has a VM count yet.
pub const VM_COUNT_EMPTY: &str = "No VM count recorded yet";

const LIMIT_RED: RGBColor = RGBColor(0xc2, 0x1d, 0x00);

/// Draws the VM count at each `(unix seconds, VMs)` point, oldest first, as a step line
/// between the dashed `min` and `max` lines. No points: the title and [`VM_COUNT_EMPTY`]. One
/// point: a flat line an hour wide around it. A history under ten minutes is drawn at the right
/// of a ten-minute axis.
pub fn draw_vm_count<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    points: &[(i64, u32)],
    min: u32,
    max: u32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    area.fill(&WHITE)?;
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        let body = area.margin(12, 12, 12, 12).titled(title, (FONT, 16).into_font().color(&INK))?;
        let (width, height) = body.dim_in_pixel();
        let centred = (FONT, 13).into_font().color(&PALETTE[7]).pos(Pos::new(HPos::Center, VPos::Center));
        body.draw(&Text::new(VM_COUNT_EMPTY, (width as i32 / 2, height as i32 / 2), centred))?;
        return area.present();
    };
    let (start, end) =
        if last.0 > first.0 { (first.0, last.0) } else { (first.0 - LONE_POINT_MARGIN, first.0 + LONE_POINT_MARGIN) };
    let start = start.min(end - MIN_SPAN);
    let highest = points.iter().map(|p| p.1).max().unwrap_or(0).max(max).max(min);
    let top = highest + 1;
    let long_labels = end - start > DAY;
    let width = area.dim_in_pixel().0;
    let most_labels = (width / if long_labels { 110 } else { 70 }).max(2) as i64;
    let ticks = time_ticks(start, end, most_labels);
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, 16).into_font().color(&INK))
        .margin(12)
        .x_label_area_size(32)
        .y_label_area_size(44)
        .build_cartesian_2d((start..end).with_key_points(ticks), 0u32..top)?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(RGBColor(0xe8, 0xe8, 0xe8))
        .y_labels(top.min(8) as usize + 1)
        .axis_style(RGBColor(0x99, 0x99, 0x99))
        .label_style((FONT, 12).into_font().color(&INK))
        .x_desc("UTC")
        .y_desc("VMs")
        .x_label_formatter(&|t| time_label(*t, long_labels))
        .y_label_formatter(&|v| v.to_string())
        .draw()?;

    let limit_style = (FONT, 12).into_font().color(&LIMIT_RED).pos(Pos::new(HPos::Right, VPos::Bottom));
    let limits: Vec<(u32, String)> = if min == max {
        vec![(min, format!("min = max {min}"))]
    } else {
        vec![(min, format!("min {min}")), (max, format!("max {max}"))]
    };
    for (value, label) in limits {
        chart.draw_series(DashedLineSeries::new([(start, value), (end, value)], 8, 4, LIMIT_RED.stroke_width(1)))?;
        chart.draw_series(std::iter::once(Text::new(label, (end, value), limit_style.clone())))?;
    }

    let blue = PALETTE[0];
    let steps = if points.len() == 1 { vec![(start, first.1), (end, first.1)] } else { step_path(points) };
    chart.draw_series(LineSeries::new(steps, blue.stroke_width(2)))?;
    // A dot where the size changed (and at the start), not at every evaluation that kept it.
    let changes = points.iter().enumerate().filter(|(i, p)| *i == 0 || points[i - 1].1 != p.1);
    chart.draw_series(changes.map(|(_, &(t, v))| Circle::new((t, v), 3, blue.filled())))?;
    area.present()
}

/// Renders [`draw_vm_count`] to an SVG string.
pub fn vm_count_svg(title: &str, points: &[(i64, u32)], min: u32, max: u32, size: (u32, u32)) -> String {
    crate::render_svg(size, |area| draw_vm_count(area, title, points, min, max))
}

/// The corners of a step line: each count holds until the next point's time.
fn step_path(points: &[(i64, u32)]) -> Vec<(i64, u32)> {
    let mut path = Vec::with_capacity(points.len() * 2);
    for (i, &(t, v)) in points.iter().enumerate() {
        if let Some(&(_, before)) = i.checked_sub(1).and_then(|p| points.get(p)) {
            path.push((t, before));
        }
        path.push((t, v));
    }
    path
}

/// Round times between `start` and `end` at the smallest interval giving at most `most` ticks.
fn time_ticks(start: i64, end: i64, most: i64) -> Vec<i64> {
    let span = (end - start).max(1);
    let step = TICK_STEPS.into_iter().find(|s| span / s < most).unwrap_or_else(|| span / most + 1);
    let first = start.div_euclid(step) * step + if start.rem_euclid(step) == 0 { 0 } else { step };
    (0..).map(|i| first + i * step).take_while(|t| *t <= end).collect()
}

/// `HH:MM`, or `MM-DD HH:MM` when `with_day`, in UTC.
pub fn time_label(unix_seconds: i64, with_day: bool) -> String {
    let days = unix_seconds.div_euclid(DAY);
    let seconds = unix_seconds.rem_euclid(DAY);
    let (hours, minutes) = (seconds / 3600, seconds % 3600 / 60);
    if with_day {
        let (_, month, day) = civil_from_days(days);
        format!("{month:02}-{day:02} {hours:02}:{minutes:02}")
    } else {
        format!("{hours:02}:{minutes:02}")
    }
}

/// (year, month, day) of a count of days since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2025-11-20 14:00:00 UTC.
    const T0: i64 = 1_763_647_200;

    #[test]
    fn draws_steps_limits_and_hour_labels() {
        let points = [(T0, 2), (T0 + 600, 3), (T0 + 1800, 4), (T0 + 3600, 2)];
        let svg = vm_count_svg("VMs of web", &points, 1, 4, (640, 300));
        for text in ["VMs of web", "min 1", "max 4", "14:00", "15:00", "UTC"] {
            assert!(svg.contains(text), "{text} missing");
        }
        assert!(!svg.contains("11-20"), "a span under a day has no dates");
        assert!(svg.contains("#C21D00"), "limit lines in red");
        assert!(!svg.contains(VM_COUNT_EMPTY));
    }

    #[test]
    fn a_short_history_still_has_time_labels() {
        let svg = vm_count_svg("VMs", &[(T0 + 5, 2), (T0 + 40, 3)], 1, 4, (640, 300));
        assert!(svg.contains("13:52") && svg.contains("14:00"), "{svg}");
    }

    #[test]
    fn spans_over_a_day_label_the_day_too() {
        let points = [(T0, 1), (T0 + 2 * DAY, 3)];
        let svg = vm_count_svg("VMs", &points, 1, 3, (800, 300));
        assert!(svg.contains("11-21 00:00"), "{svg}");
    }

    #[test]
    fn no_points_say_so_and_one_point_is_a_flat_line() {
        let empty = vm_count_svg("VMs of web", &[], 1, 4, (640, 300));
        assert!(empty.contains("VMs of web") && empty.contains(VM_COUNT_EMPTY));
        let one = vm_count_svg("VMs", &[(T0, 2)], 2, 2, (640, 300));
        assert!(one.contains("min = max 2") && one.contains("14:00"));
        assert!(one.contains("<polyline"), "the flat line");
    }

    #[test]
    fn steps_hold_each_count_until_the_next_point() {
        assert_eq!(step_path(&[(0, 1), (10, 3), (20, 2)]), [(0, 1), (10, 1), (10, 3), (20, 3), (20, 2)]);
        assert_eq!(step_path(&[]), []);
    }

    #[test]
    fn ticks_fall_on_round_times() {
        assert_eq!(
            time_ticks(T0 + 30, T0 + 3600, 7),
            [T0 + 600, T0 + 1200, T0 + 1800, T0 + 2400, T0 + 3000, T0 + 3600]
        );
        assert_eq!(time_ticks(T0, T0 + 3 * DAY, 7).len(), 6, "every 12 hours");
        assert!(time_ticks(T0, T0 + 400 * DAY, 5).len() <= 5);
    }

    #[test]
    fn time_labels_are_utc() {
        assert_eq!(time_label(0, true), "01-01 00:00");
        assert_eq!(time_label(T0 + 59 * 60 + 59, false), "14:59");
        assert_eq!(time_label(T0, true), "11-20 14:00");
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(time_label(-60, true), "12-31 23:59");
    }
}
