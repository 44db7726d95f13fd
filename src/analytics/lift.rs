//! Referral lift: did the people a campaign touched refer more than comparable people it did
//! not, from before the campaign to after? Difference in differences on monthly referral
//! rates: each person's change (after minus before), the touched group's mean change minus the
//! comparison group's, with a Welch 95% interval (the groups' spreads may differ). Per person,
//! their change against the comparison group's, with the interval an untouched person's change
//! falls in. With fewer than [`MIN_GROUP`] people in a group or fewer than
//! [`MIN_REFERRALS`] referrals among the touched, the answer is "too thin to conclude".

use super::stats::t_95;

/// The fewest people in each group for an estimate.
pub const MIN_GROUP: usize = 5;
/// The fewest referrals (both windows) among the touched for an estimate.
pub const MIN_REFERRALS: u64 = 20;

/// One person's referrals in the window before and the window after.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Windows {
    pub before: u64,
    pub after: u64,
    /// Window lengths in months (positive).
    pub months_before: f64,
    pub months_after: f64,
}

impl Windows {
    /// The change in referrals a month.
    pub fn change(&self) -> f64 {
        let rate = |count: u64, months: f64| {
            if months > 0.0 {
                count as f64 / months
            } else {
                0.0
            }
        };
        rate(self.after, self.months_after) - rate(self.before, self.months_before)
    }
}

/// An estimate with its 95% interval, in referrals a month.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

impl Estimate {
    /// Up, down, or an interval that holds zero.
    pub fn direction(&self) -> Direction {
        if self.low > 0.0 {
            Direction::Up
        } else if self.high < 0.0 {
            Direction::Down
        } else {
            Direction::Unclear
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
    Unclear,
}

/// The group result.
#[derive(Clone, Debug, PartialEq)]
pub enum Lift {
    /// Not enough data; the reason in plain words.
    TooThin(String),
    Estimated {
        estimate: Estimate,
        touched: usize,
        comparison: usize,
    },
}

impl Lift {
    /// One sentence for a dashboard.
    pub fn summary(&self) -> String {
        match self {
            Lift::TooThin(reason) => format!("Too little data to conclude: {reason}."),
            Lift::Estimated { estimate: e, .. } => {
                let interval = format!("95% interval {:+.1} to {:+.1}", e.low, e.high);
                match e.direction() {
                    Direction::Up => format!(
                        "Touched physicians referred {:.1} more a month than comparable untouched ones ({interval}).",
                        e.value
                    ),
                    Direction::Down => format!(
                        "Touched physicians referred {:.1} fewer a month than comparable untouched ones ({interval}).",
                        -e.value
                    ),
                    Direction::Unclear => format!(
                        "No clear change: {:+.1} referrals a month against comparable untouched physicians, and the {interval} holds zero.",
                        e.value
                    ),
                }
            }
        }
    }
}

/// Difference in differences of `touched` against `comparison`.
pub fn lift(touched: &[Windows], comparison: &[Windows]) -> Lift {
    if touched.len() < MIN_GROUP {
        return Lift::TooThin(format!(
            "{} touched {} with referral data (at least {MIN_GROUP} are needed)",
            touched.len(),
            people(touched.len())
        ));
    }
    if comparison.len() < MIN_GROUP {
        return Lift::TooThin(format!(
            "{} comparable untouched {} (at least {MIN_GROUP} are needed)",
            comparison.len(),
            people(comparison.len())
        ));
    }
    let referrals: u64 = touched.iter().map(|w| w.before + w.after).sum();
    if referrals < MIN_REFERRALS {
        return Lift::TooThin(format!(
            "the touched physicians made {referrals} referrals in the two windows (at least {MIN_REFERRALS} are needed)"
        ));
    }
    let (mean_t, var_t) = mean_variance(touched);
    let (mean_c, var_c) = mean_variance(comparison);
    let (nt, nc) = (touched.len() as f64, comparison.len() as f64);
    let (at, ac) = (var_t / nt, var_c / nc);
    let se = (at + ac).sqrt();
    let value = mean_t - mean_c;
    let half = if se > 0.0 {
        let df = (at + ac).powi(2) / (at * at / (nt - 1.0) + ac * ac / (nc - 1.0));
        t_95(df) * se
    } else {
        0.0
    };
    Lift::Estimated {
        estimate: Estimate {
            value,
            low: value - half,
            high: value + half,
        },
        touched: touched.len(),
        comparison: comparison.len(),
    }
}

/// One touched person's change against the comparison group: their change less the group's
/// mean, with the 95% interval an untouched person's difference falls in (a prediction
/// interval). `None` when the comparison group is too small.
pub fn lift_of(person: &Windows, comparison: &[Windows]) -> Option<Estimate> {
    if comparison.len() < MIN_GROUP {
        return None;
    }
    let (mean_c, var_c) = mean_variance(comparison);
    let nc = comparison.len() as f64;
    let value = person.change() - mean_c;
    let half = t_95(nc - 1.0) * (var_c * (1.0 + 1.0 / nc)).sqrt();
    Some(Estimate {
        value,
        low: value - half,
        high: value + half,
    })
}

fn people(n: usize) -> &'static str {
    if n == 1 { "physician" } else { "physicians" }
}

/// Mean and sample variance of the changes (two or more values).
fn mean_variance(group: &[Windows]) -> (f64, f64) {
    let n = group.len() as f64;
    let mean = group.iter().map(Windows::change).sum::<f64>() / n;
    let variance = if group.len() > 1 {
        group
            .iter()
            .map(|w| (w.change() - mean).powi(2))
            .sum::<f64>()
            / (n - 1.0)
    } else {
        0.0
    };
    (mean, variance)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(before: u64, after: u64) -> Windows {
        Windows {
            before,
            after,
            months_before: 3.0,
            months_after: 3.0,
        }
    }

    #[test]
    fn a_hand_computed_lift() {
        // Touched changes a month: 1, 2, 3, 2, 2 (mean 2, variance 0.5);
        // comparison: 0, 1, 0, -1, 0 (mean 0, variance 0.5). Lift 2; se = sqrt(0.1 + 0.1);
        // df = 8, t = 2.306: interval 2 -+ 1.031.
        let touched = [w(6, 9), w(6, 12), w(3, 12), w(9, 15), w(3, 9)];
        let comparison = [w(6, 6), w(3, 6), w(9, 9), w(6, 3), w(0, 0)];
        let Lift::Estimated { estimate, .. } = lift(&touched, &comparison) else {
            panic!("enough data");
        };
        assert!((estimate.value - 2.0).abs() < 1e-12);
        assert!(
            (estimate.high - estimate.value - 1.0313).abs() < 0.01,
            "{estimate:?}"
        );
        assert_eq!(estimate.direction(), Direction::Up);
        assert!(
            lift(&touched, &comparison)
                .summary()
                .starts_with("Touched physicians referred 2.0 more")
        );
    }

    #[test]
    fn thin_data_is_said_plainly() {
        let few = [w(1, 2), w(2, 3)];
        let many = [w(1, 1); 6];
        assert!(matches!(lift(&few, &many), Lift::TooThin(_)));
        assert!(
            lift(&many, &few)
                .summary()
                .contains("2 comparable untouched physicians")
        );
        // Enough people but almost no referrals.
        let quiet = [w(0, 1), w(1, 0), w(0, 0), w(1, 1), w(0, 1)];
        assert!(lift(&quiet, &many).summary().contains("made 5 referrals"));
        assert!(lift(&[], &[]).summary().contains("0 touched physicians"));
    }

    #[test]
    fn identical_changes_give_a_point_not_a_division_by_zero() {
        let touched = [w(6, 9); 5];
        let comparison = [w(6, 6); 5];
        let Lift::Estimated { estimate, .. } = lift(&touched, &comparison) else {
            panic!("enough data");
        };
        assert_eq!(
            (estimate.low, estimate.value, estimate.high),
            (1.0, 1.0, 1.0)
        );
    }

    #[test]
    fn an_interval_that_holds_zero_is_no_clear_change() {
        let touched = [w(6, 9), w(9, 6), w(6, 6), w(3, 6), w(6, 3)];
        let comparison = [w(6, 6), w(3, 6), w(9, 9), w(6, 3), w(0, 0)];
        let result = lift(&touched, &comparison);
        assert!(
            result.summary().starts_with("No clear change"),
            "{}",
            result.summary()
        );
    }

    #[test]
    fn a_persons_lift_is_against_the_comparison_mean() {
        let comparison = [w(6, 6), w(3, 6), w(9, 9), w(6, 3), w(0, 0)];
        let e = lift_of(&w(0, 30), &comparison).unwrap();
        assert!((e.value - 10.0).abs() < 1e-12);
        assert_eq!(e.direction(), Direction::Up);
        assert_eq!(lift_of(&w(0, 30), &comparison[..2]), None);
    }
}
