//! Words and badges of the showback cards.

use api_types::{BudgetState, ProjectionMethod};

use crate::logic::date::Date;
use crate::logic::display::BadgeKind;

/// How the projection was made, in a few words.
pub fn projection_note(method: ProjectionMethod) -> &'static str {
    match method {
        ProjectionMethod::RunRate => "Run rate: month to date ÷ days elapsed × days in month",
        ProjectionMethod::LastMonthDailyAverage => "Early in the month: last month's daily average for the days left",
        ProjectionMethod::Actual => "The month is over: its actual cost",
    }
}

/// The badge of the budget's standing.
pub fn budget_badge(state: BudgetState) -> (BadgeKind, &'static str) {
    match state {
        BudgetState::Ok => (BadgeKind::Success, "ok"),
        BudgetState::Warning => (BadgeKind::Warning, "warning"),
        BudgetState::Exceeded => (BadgeKind::Danger, "exceeded"),
    }
}

/// `2025-11` → `Nov 2025`; anything else as it came.
pub fn month_label(month: &str) -> String {
    match Date::parse_iso(&format!("{month}-01")) {
        Some(first) => first.long().split_once(' ').map(|(_, rest)| rest.to_owned()).unwrap_or_default(),
        None => month.to_owned(),
    }
}

/// The month before `2025-11`, as a label: `Oct 2025`.
pub fn previous_month_label(month: &str) -> String {
    match Date::parse_iso(&format!("{month}-01")) {
        Some(first) => month_label(&first.months_before(1).month_key()),
        None => "Last month".to_owned(),
    }
}

/// The width of a progress bar for `percent`, at most full.
pub fn bar_percent(percent: u32) -> u32 {
    percent.min(100)
}

/// `Day 22 of 30`.
pub fn days_note(elapsed: u32, in_month: u32) -> String {
    format!("Day {elapsed} of {in_month}")
}

/// `50 %, 80 %, 100 %`.
pub fn thresholds_note(thresholds: &[u32]) -> String {
    thresholds.iter().map(|t| format!("{t}%")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_read_as_words() {
        assert_eq!(month_label("2025-11"), "Nov 2025");
        assert_eq!(previous_month_label("2025-01"), "Dec 2024");
        assert_eq!(month_label("soon"), "soon");
    }

    #[test]
    fn budget_states_have_badges() {
        assert_eq!(budget_badge(BudgetState::Ok), (BadgeKind::Success, "ok"));
        assert_eq!(budget_badge(BudgetState::Warning).1, "warning");
        assert_eq!(budget_badge(BudgetState::Exceeded).0, BadgeKind::Danger);
    }

    #[test]
    fn small_notes() {
        assert_eq!(bar_percent(140), 100);
        assert_eq!(days_note(22, 30), "Day 22 of 30");
        assert_eq!(thresholds_note(&[50, 80, 100]), "50%, 80%, 100%");
        assert!(projection_note(ProjectionMethod::RunRate).starts_with("Run rate"));
    }
}
