//! The date-range picker's presets.

use crate::logic::date::{Date, DateRange};

/// A named range relative to today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangePreset {
    ThisMonth,
    LastMonth,
    Last3Months,
    Last12Months,
}

impl RangePreset {
    pub const ALL: [RangePreset; 4] =
        [RangePreset::ThisMonth, RangePreset::LastMonth, RangePreset::Last3Months, RangePreset::Last12Months];

    pub fn label(self) -> &'static str {
        match self {
            RangePreset::ThisMonth => "This month",
            RangePreset::LastMonth => "Last month",
            RangePreset::Last3Months => "Last 3 months",
            RangePreset::Last12Months => "Last 12 months",
        }
    }

    /// The element id of this preset's button.
    pub fn id(self) -> &'static str {
        match self {
            RangePreset::ThisMonth => "preset-this-month",
            RangePreset::LastMonth => "preset-last-month",
            RangePreset::Last3Months => "preset-last-3-months",
            RangePreset::Last12Months => "preset-last-12-months",
        }
    }

    /// The days this preset covers on `today`. Ranges of several months start on the first of
    /// the oldest month and include the current month up to today.
    pub fn range(self, today: Date) -> DateRange {
        match self {
            RangePreset::ThisMonth => DateRange::month_to_date(today),
            RangePreset::LastMonth => {
                let from = today.months_before(1);
                DateRange { from, to: from.last_of_month() }
            }
            RangePreset::Last3Months => DateRange { from: today.months_before(2), to: today },
            RangePreset::Last12Months => DateRange { from: today.months_before(11), to: today },
        }
    }

    /// The preset that gives exactly `range` on `today`, if any.
    pub fn matching(range: DateRange, today: Date) -> Option<Self> {
        RangePreset::ALL.into_iter().find(|p| p.range(today) == range)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> Date {
        Date::new(y, m, d).expect("valid test date")
    }

    fn days(range: DateRange) -> (String, String) {
        (range.from.to_string(), range.to.to_string())
    }

    #[test]
    fn presets_cover_whole_months_up_to_today() {
        let today = date(2025, 1, 20);
        assert_eq!(days(RangePreset::ThisMonth.range(today)), ("2025-01-01".into(), "2025-01-20".into()));
        assert_eq!(days(RangePreset::LastMonth.range(today)), ("2024-12-01".into(), "2024-12-31".into()));
        assert_eq!(days(RangePreset::Last3Months.range(today)), ("2024-11-01".into(), "2025-01-20".into()));
        assert_eq!(days(RangePreset::Last12Months.range(today)), ("2024-02-01".into(), "2025-01-20".into()));
    }

    #[test]
    fn a_range_knows_its_preset() {
        let today = date(2025, 3, 5);
        for preset in RangePreset::ALL {
            assert_eq!(RangePreset::matching(preset.range(today), today), Some(preset));
        }
        let custom = DateRange { from: date(2025, 3, 2), to: today };
        assert_eq!(RangePreset::matching(custom, today), None);
    }
}
