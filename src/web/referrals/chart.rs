//! A monthly bar chart drawn as inline SVG (no script): bars with the share to the
//! workspace's own facilities, a labelled y axis, month labels, and a title per bar.

use crate::db::referrals::MonthCount;
use crate::domain::referral::{SMALL_CELL_MAX, SmallCells, month_label};

pub const WIDTH: f64 = 640.0;
pub const HEIGHT: f64 = 220.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 28.0;

/// One month's bar; `own_*` is the part to own facilities, drawn over the bar's foot.
pub struct Bar {
    pub x: f64,
    pub w: f64,
    pub y: f64,
    pub h: f64,
    pub own_y: f64,
    pub own_h: f64,
    /// Drawn hatched: a count of 1 to 10 under small-cell suppression (height of 10).
    pub suppressed: bool,
    /// What a pointer or a screen reader gets: "Mar 2025: 42 referrals, 30 to own facilities".
    pub title: String,
}

pub struct Tick {
    pub y: f64,
    pub label: String,
}

pub struct XLabel {
    pub x: f64,
    pub label: String,
}

pub struct Chart {
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub right: f64,
    pub bottom: f64,
    pub bars: Vec<Bar>,
    pub ticks: Vec<Tick>,
    pub labels: Vec<XLabel>,
    /// Draw the own/elsewhere legend (not on a facility's chart, where all are own).
    pub split: bool,
    /// A one-line summary for screen readers.
    pub summary: String,
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// The smallest axis top of at least `max` that splits into four round steps (1, 2, 2.5
/// or 5 times a power of ten; whole numbers only).
fn nice_top(max: i64) -> i64 {
    let max = max.max(1);
    let mut power = 1_i64;
    loop {
        let quarter = if power >= 10 {
            power * 5 / 2
        } else {
            power * 2
        };
        for step in [power, power * 2, quarter, power * 5] {
            if step * 4 >= max {
                return step * 4;
            }
        }
        power = power.saturating_mul(10);
    }
}

/// An axis label that fits the margin: 750, 2.5k, 200k, 1.5M.
fn compact(v: f64) -> String {
    let (v, unit) = if v >= 1_000_000.0 {
        (v / 1_000_000.0, "M")
    } else if v >= 1_000.0 {
        (v / 1_000.0, "k")
    } else {
        (v, "")
    };
    if v.fract() == 0.0 {
        format!("{v:.0}{unit}")
    } else {
        format!("{v:.1}{unit}")
    }
}

impl Chart {
    pub fn new(months: &[MonthCount], cells: SmallCells, split: bool, what: &str) -> Chart {
        let shown = |n: i64| {
            if cells.count(n).is_suppressed() {
                SMALL_CELL_MAX
            } else {
                n
            }
        };
        let top = nice_top(months.iter().map(|m| shown(m.total)).max().unwrap_or(0));
        let plot_w = WIDTH - LEFT - RIGHT;
        let plot_h = HEIGHT - TOP - BOTTOM;
        let slot = plot_w / months.len().max(1) as f64;
        let w = (slot * 0.72).max(1.5);
        let scale = |n: i64| plot_h * n as f64 / top as f64;
        let base = HEIGHT - BOTTOM;
        let bars = months
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let suppressed = cells.count(m.total).is_suppressed();
                let h = scale(shown(m.total));
                let own_h = if suppressed || !split {
                    0.0
                } else {
                    scale(m.own)
                };
                let title = if suppressed {
                    format!("{}: <11 {what}", month_label(m.period))
                } else if split {
                    format!(
                        "{}: {} {what}, {} to own facilities",
                        month_label(m.period),
                        m.total,
                        cells.count(m.own)
                    )
                } else {
                    format!("{}: {} {what}", month_label(m.period), m.total)
                };
                Bar {
                    x: round1(LEFT + slot * i as f64 + (slot - w) / 2.0),
                    w: round1(w),
                    y: round1(base - h),
                    h: round1(h),
                    own_y: round1(base - own_h),
                    own_h: round1(own_h),
                    suppressed,
                    title,
                }
            })
            .collect();
        let ticks = (0..=4)
            .map(|k| Tick {
                y: round1(base - plot_h * f64::from(k) / 4.0),
                label: compact(top as f64 * f64::from(k) / 4.0),
            })
            .collect();
        let every = months.len().div_ceil(12).max(1);
        let labels = months
            .iter()
            .enumerate()
            .filter(|(i, _)| i % every == 0)
            .map(|(i, m)| XLabel {
                x: round1(LEFT + slot * i as f64 + slot / 2.0),
                label: m.period.format("%b %y").to_string(),
            })
            .collect();
        let total: i64 = months.iter().map(|m| m.total).sum();
        let summary = match (months.first(), months.last()) {
            (Some(a), Some(b)) => format!(
                "Bar chart of {what} per month from {} to {}: {} in all, at most {} in a month.",
                month_label(a.period),
                month_label(b.period),
                cells.count(total),
                cells.count(months.iter().map(|m| m.total).max().unwrap_or(0)),
            ),
            _ => format!("No {what}."),
        };
        Chart {
            width: WIDTH,
            height: HEIGHT,
            left: LEFT,
            right: WIDTH - RIGHT,
            bottom: base,
            bars,
            ticks,
            labels,
            split,
            summary,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn month(m: u32, total: i64, own: i64) -> MonthCount {
        MonthCount {
            period: NaiveDate::from_ymd_opt(2025, m, 1).expect("date"),
            total,
            own,
        }
    }

    #[test]
    fn the_axis_top_is_a_round_number() {
        assert_eq!(nice_top(0), 4);
        assert_eq!(nice_top(7), 8);
        assert_eq!(nice_top(11), 20);
        assert_eq!(nice_top(420), 800);
        assert_eq!(nice_top(3_050), 4_000);
        assert_eq!(nice_top(95), 100);
        assert_eq!(compact(2_500.0), "2.5k");
        assert_eq!(compact(200_000.0), "200k");
        assert_eq!(compact(12.5), "12.5");
    }

    #[test]
    fn bars_scale_to_the_axis_and_small_cells_hide_their_size() {
        let months = [month(1, 100, 50), month(2, 4, 4)];
        let open = Chart::new(&months, SmallCells::default(), true, "referrals");
        assert!(open.bars[0].h > open.bars[1].h * 20.0);
        assert!((open.bars[0].own_h * 2.0 - open.bars[0].h).abs() < 0.2);
        let hidden = Chart::new(&months, SmallCells { suppress: true }, true, "referrals");
        assert!(hidden.bars[1].suppressed);
        assert!(hidden.bars[1].title.contains("<11"));
        assert!(!hidden.bars[1].title.contains(": 4"));
        assert_eq!(hidden.ticks.last().map(|t| t.label.as_str()), Some("100"));
    }
}
