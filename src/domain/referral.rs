//! Referral rules, without I/O: months and ranges of months, the loyalty (own facilities)
//! share, the decline rule against a physician's trailing baseline, and small-cell
//! suppression ("<11" for counts of 1 to 10 when the workspace turns it on).

use std::fmt;

use chrono::{Datelike, Months, NaiveDate};
use serde::{Serialize, Serializer};

/// Months the views cover when no range is chosen.
pub const DEFAULT_MONTHS: u32 = 12;
/// Longest range a view reads.
pub const MAX_MONTHS: u32 = 60;
/// The decline rule compares the average of the last this-many months of the range...
pub const RECENT_MONTHS: u32 = 3;
/// ...with the average of this many months before them (the trailing baseline).
pub const BASELINE_MONTHS: u32 = 12;
/// A physician needs at least this many referrals in the baseline year to be judged:
/// below it, a quiet quarter is noise.
pub const MIN_BASELINE: i64 = 24;
/// The recent monthly average must be at least this many percent below the baseline's.
pub const MIN_DROP_PERCENT: i64 = 30;
/// Counts from 1 to this show as "<11" under small-cell suppression.
pub const SMALL_CELL_MAX: i64 = 10;

/// The first day of `d`'s month.
pub fn month_start(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

/// `d` moved by `n` months (negative goes back); `d` is a month start.
pub fn add_months(d: NaiveDate, n: i32) -> NaiveDate {
    let moved = if n >= 0 {
        d.checked_add_months(Months::new(n.unsigned_abs()))
    } else {
        d.checked_sub_months(Months::new(n.unsigned_abs()))
    };
    moved.unwrap_or(d)
}

/// Reads a month as typed in a filter: `2025-03` (or a date in it, `2025-03-15`).
pub fn parse_month(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y-%m-%d"))
        .ok()
        .map(month_start)
}

/// An inclusive range of months, both ends month starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MonthRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl MonthRange {
    /// The range a filter asks for. A missing end is the latest month with data (else
    /// `today`'s month); a missing start is 12 months before the end. Reversed ends are
    /// swapped, and a range longer than [`MAX_MONTHS`] keeps its last months.
    pub fn resolve(
        from: Option<&str>,
        to: Option<&str>,
        latest: Option<NaiveDate>,
        today: NaiveDate,
    ) -> MonthRange {
        let from = from.and_then(parse_month);
        let to = to.and_then(parse_month);
        let to = to
            .or_else(|| from.map(|f| add_months(f, DEFAULT_MONTHS as i32 - 1)))
            .unwrap_or_else(|| month_start(latest.unwrap_or(today)));
        let from = from.unwrap_or_else(|| add_months(to, 1 - DEFAULT_MONTHS as i32));
        let (from, to) = if from > to { (to, from) } else { (from, to) };
        let earliest = add_months(to, 1 - MAX_MONTHS as i32);
        MonthRange {
            from: from.max(earliest),
            to,
        }
    }

    /// Every month of the range, oldest first.
    pub fn months(&self) -> Vec<NaiveDate> {
        let mut out = Vec::new();
        let mut m = self.from;
        while m <= self.to && out.len() < MAX_MONTHS as usize {
            out.push(m);
            m = add_months(m, 1);
        }
        out
    }

    /// The first month of the decline rule's recent window (the range's last 3 months).
    pub fn recent_from(&self) -> NaiveDate {
        add_months(self.to, 1 - RECENT_MONTHS as i32)
    }

    /// The first month of the trailing baseline (the 12 months before the recent window).
    pub fn baseline_from(&self) -> NaiveDate {
        add_months(self.recent_from(), -(BASELINE_MONTHS as i32))
    }

    /// "Jan 2025 – Dec 2025".
    pub fn label(&self) -> String {
        if self.from == self.to {
            return month_label(self.from);
        }
        format!("{} – {}", month_label(self.from), month_label(self.to))
    }
}

/// "Mar 2025".
pub fn month_label(m: NaiveDate) -> String {
    m.format("%b %Y").to_string()
}

/// `part` as a whole percentage of `total`; `None` when there is no total.
pub fn share_percent(part: i64, total: i64) -> Option<i64> {
    if total <= 0 {
        return None;
    }
    Some(((part as f64 / total as f64) * 100.0).round() as i64)
}

/// A physician whose referrals fell against their trailing baseline.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Decline {
    /// Average referrals a month in the recent window.
    pub recent_monthly: f64,
    /// Average referrals a month in the baseline.
    pub baseline_monthly: f64,
    /// Change of the recent average against the baseline's, in percent (negative).
    pub change_percent: i64,
}

/// The decline rule: `recent` referrals in the last [`RECENT_MONTHS`] months against
/// `baseline` referrals in the [`BASELINE_MONTHS`] before them (months without rows count
/// as zero). A decline needs at least [`MIN_BASELINE`] baseline referrals and a recent
/// monthly average at least [`MIN_DROP_PERCENT`] percent below the baseline's.
pub fn decline(recent: i64, baseline: i64) -> Option<Decline> {
    if baseline < MIN_BASELINE {
        return None;
    }
    let recent_monthly = recent.max(0) as f64 / f64::from(RECENT_MONTHS);
    let baseline_monthly = baseline as f64 / f64::from(BASELINE_MONTHS);
    let change = (recent_monthly - baseline_monthly) / baseline_monthly * 100.0;
    (change <= -(MIN_DROP_PERCENT as f64)).then(|| Decline {
        recent_monthly,
        baseline_monthly,
        change_percent: change.round() as i64,
    })
}

/// A count as a person may see it: exact, or "<11" under small-cell suppression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    Exact(i64),
    /// From 1 to 10, not shown.
    Under11,
}

impl Shown {
    pub fn is_suppressed(self) -> bool {
        self == Shown::Under11
    }
}

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shown::Exact(n) => write!(f, "{n}"),
            Shown::Under11 => f.write_str("<11"),
        }
    }
}

impl Serialize for Shown {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Shown::Exact(n) => s.serialize_i64(*n),
            Shown::Under11 => s.serialize_str("<11"),
        }
    }
}

impl utoipa::PartialSchema for Shown {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, SchemaType, Type};
        OneOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(SchemaType::new(Type::Integer)))
            .item(
                ObjectBuilder::new()
                    .schema_type(SchemaType::new(Type::String))
                    .enum_values(Some(["<11"])),
            )
            .description(Some(
                "A count; the string \"<11\" stands for 1 to 10 when the workspace suppresses small cells.",
            ))
            .into()
    }
}

impl utoipa::ToSchema for Shown {}

/// Small-cell suppression as a workspace has it set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SmallCells {
    pub suppress: bool,
}

impl SmallCells {
    /// `n` as shown: 1 to 10 become "<11" when suppression is on; 0 shows 0.
    pub fn count(self, n: i64) -> Shown {
        if self.suppress && (1..=SMALL_CELL_MAX).contains(&n) {
            Shown::Under11
        } else {
            Shown::Exact(n)
        }
    }

    /// `part` of `total` in percent, or `None` when there is no total or a suppressed
    /// count could be worked back from it (a part or its rest of 1 to 10).
    pub fn share(self, part: i64, total: i64) -> Option<i64> {
        if self.count(part).is_suppressed() || self.count(total - part).is_suppressed() {
            return None;
        }
        share_percent(part, total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn months_are_read_from_filters_and_dates() {
        assert_eq!(parse_month("2025-03"), Some(ymd(2025, 3, 1)));
        assert_eq!(parse_month(" 2025-03-17 "), Some(ymd(2025, 3, 1)));
        assert_eq!(parse_month("March"), None);
        assert_eq!(parse_month("2025-13"), None);
    }

    #[test]
    fn the_default_range_is_the_twelve_months_ending_at_the_latest_data() {
        let r = MonthRange::resolve(None, None, Some(ymd(2014, 6, 1)), ymd(2026, 1, 5));
        assert_eq!((r.from, r.to), (ymd(2013, 7, 1), ymd(2014, 6, 1)));
        assert_eq!(r.months().len(), 12);
        let empty = MonthRange::resolve(None, None, None, ymd(2026, 1, 5));
        assert_eq!(empty.to, ymd(2026, 1, 1));
    }

    #[test]
    fn ranges_are_swapped_when_reversed_and_capped_at_sixty_months() {
        let r = MonthRange::resolve(Some("2025-06"), Some("2025-01"), None, ymd(2026, 1, 1));
        assert_eq!((r.from, r.to), (ymd(2025, 1, 1), ymd(2025, 6, 1)));
        let long = MonthRange::resolve(Some("2000-01"), Some("2025-12"), None, ymd(2026, 1, 1));
        assert_eq!(long.months().len(), MAX_MONTHS as usize);
        assert_eq!(long.to, ymd(2025, 12, 1));
        let only_from = MonthRange::resolve(Some("2024-01"), None, None, ymd(2026, 1, 1));
        assert_eq!(only_from.to, ymd(2024, 12, 1));
    }

    #[test]
    fn the_decline_windows_are_the_last_three_months_and_the_twelve_before() {
        let r = MonthRange::resolve(Some("2025-01"), Some("2025-12"), None, ymd(2026, 1, 1));
        assert_eq!(r.recent_from(), ymd(2025, 10, 1));
        assert_eq!(r.baseline_from(), ymd(2024, 10, 1));
    }

    #[test]
    fn a_physician_declines_when_the_recent_average_falls_by_thirty_percent() {
        // 10 a month for a year, then 3 a month: -70%.
        let d = decline(9, 120).expect("a decline");
        assert_eq!(d.change_percent, -70);
        assert!((d.baseline_monthly - 10.0).abs() < 1e-9);
        // 10 a month, then 8 a month: -20%, not enough.
        assert_eq!(decline(24, 120), None);
        // Exactly -30% counts.
        assert!(decline(21, 120).is_some());
        // Nothing at all recently is a decline.
        assert_eq!(decline(0, 120).map(|d| d.change_percent), Some(-100));
    }

    #[test]
    fn a_small_baseline_is_never_a_decline() {
        assert_eq!(decline(0, MIN_BASELINE - 1), None);
        assert!(decline(0, MIN_BASELINE).is_some());
    }

    #[test]
    fn shares_round_to_whole_percents() {
        assert_eq!(share_percent(1, 3), Some(33));
        assert_eq!(share_percent(2, 3), Some(67));
        assert_eq!(share_percent(0, 0), None);
    }

    #[test]
    fn small_cells_show_under_eleven_only_when_suppressed() {
        let on = SmallCells { suppress: true };
        let off = SmallCells { suppress: false };
        assert_eq!(on.count(0).to_string(), "0");
        assert_eq!(on.count(1).to_string(), "<11");
        assert_eq!(on.count(10).to_string(), "<11");
        assert_eq!(on.count(11).to_string(), "11");
        assert_eq!(off.count(7).to_string(), "7");
        assert_eq!(
            serde_json::to_string(&on.count(7)).ok().as_deref(),
            Some("\"<11\"")
        );
        assert_eq!(
            serde_json::to_string(&on.count(70)).ok().as_deref(),
            Some("70")
        );
    }

    #[test]
    fn a_share_that_would_reveal_a_small_cell_is_withheld() {
        let on = SmallCells { suppress: true };
        assert_eq!(on.share(60, 100), Some(60));
        // 100 - 95 = 5 elsewhere: the share would give it away.
        assert_eq!(on.share(95, 100), None);
        assert_eq!(on.share(5, 100), None);
        assert_eq!(on.share(100, 100), Some(100));
        assert_eq!(on.share(0, 50), Some(0));
        assert_eq!(SmallCells::default().share(5, 100), Some(5));
    }
}
