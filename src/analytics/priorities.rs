//! Who a liaison should see next: one score from an overdue contact cadence, a referral
//! decline or leakage alert, open concerns and influence, with every reason in words.
//!
//! Points, so a reader can check a row by hand:
//! - overdue contact: 10, plus 1 for every 3 days overdue (up to 30 more);
//! - a decline or leakage alert: 25, plus 1 for every 4 referrals a year at stake (up to 50);
//! - open concerns: 15 each (up to 3), plus 1 for every 6 days the oldest has waited (up to 10);
//! - influence multiplies the sum: each doubling above the average adds a quarter.
//!
//! Influence alone puts nobody on the list: it ranks people who need a visit for a reason.

use super::alerts::AlertKind;

/// What is known about one person.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Signals {
    /// Days past the cadence's due date (none: not due, or no cadence).
    pub days_overdue: Option<i64>,
    /// The cadence in days, for the reason.
    pub cadence_days: Option<i64>,
    /// A referral alert and the referrals a year at stake.
    pub alert: Option<(AlertKind, f64)>,
    pub open_concerns: u32,
    pub oldest_concern_days: Option<i64>,
    /// Influence against the average person (none: not in the graph).
    pub influence: Option<f64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Priority {
    pub score: f64,
    pub reasons: Vec<String>,
}

/// The person's priority, or `None` when nothing calls for a visit.
pub fn priority(s: &Signals) -> Option<Priority> {
    let mut points = 0.0;
    let mut reasons = Vec::new();
    if let Some((kind, at_stake)) = s.alert {
        let at_stake = if at_stake.is_finite() {
            at_stake.max(0.0)
        } else {
            0.0
        };
        points += 25.0 + (at_stake / 4.0).min(50.0);
        reasons.push(match kind {
            AlertKind::Decline => format!(
                "Referrals to your facilities are falling: about {at_stake:.0} a year at stake"
            ),
            AlertKind::Leakage => {
                format!("More referrals going elsewhere: about {at_stake:.0} a year")
            }
        });
    }
    if s.open_concerns > 0 {
        let waited = s.oldest_concern_days.unwrap_or(0).max(0);
        points += 15.0 * f64::from(s.open_concerns.min(3)) + (waited as f64 / 6.0).min(10.0);
        reasons.push(if s.open_concerns == 1 {
            format!("An open concern, {waited} days old")
        } else {
            format!(
                "{} open concerns, the oldest {waited} days old",
                s.open_concerns
            )
        });
    }
    if let Some(days) = s.days_overdue.filter(|d| *d > 0) {
        points += 10.0 + (days as f64 / 3.0).min(30.0);
        reasons.push(match s.cadence_days {
            Some(every) => format!("Contact overdue by {days} days (every {every} days)"),
            None => format!("Contact overdue by {days} days"),
        });
    }
    if points == 0.0 {
        return None;
    }
    let influence = s.influence.filter(|i| i.is_finite() && *i > 0.0);
    let weight = 1.0 + influence.unwrap_or(1.0).max(1.0).log2() * 0.25;
    if let Some(i) = influence.filter(|i| *i >= 2.0) {
        reasons.push(format!("Influential: {i:.1}× the average"));
    }
    Some(Priority {
        score: points * weight,
        reasons,
    })
}

/// Priorities for `people`, highest first, with each one's index; people with nothing
/// calling for a visit are left out.
pub fn ranked(people: &[Signals]) -> Vec<(usize, Priority)> {
    let mut out: Vec<(usize, Priority)> = people
        .iter()
        .enumerate()
        .filter_map(|(i, s)| priority(s).map(|p| (i, p)))
        .collect();
    out.sort_by(|a, b| b.1.score.total_cmp(&a.1.score).then(a.0.cmp(&b.0)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_due_is_no_row_even_for_an_influencer() {
        assert_eq!(priority(&Signals::default()), None);
        let influencer = Signals {
            influence: Some(9.0),
            days_overdue: Some(0),
            ..Signals::default()
        };
        assert_eq!(priority(&influencer), None);
    }

    #[test]
    fn a_hand_computed_row() {
        // Overdue 12 days: 10 + 4; one concern 18 days old: 15 + 3; a decline with 100 a year
        // at stake: 25 + 25. Sum 82; influence 4x: weight 1.5; score 123.
        let s = Signals {
            days_overdue: Some(12),
            cadence_days: Some(30),
            alert: Some((AlertKind::Decline, 100.0)),
            open_concerns: 1,
            oldest_concern_days: Some(18),
            influence: Some(4.0),
        };
        let p = priority(&s).unwrap();
        assert!((p.score - 123.0).abs() < 1e-9, "{}", p.score);
        assert_eq!(
            p.reasons,
            vec![
                "Referrals to your facilities are falling: about 100 a year at stake".to_string(),
                "An open concern, 18 days old".to_string(),
                "Contact overdue by 12 days (every 30 days)".to_string(),
                "Influential: 4.0× the average".to_string(),
            ]
        );
    }

    #[test]
    fn caps_keep_one_signal_from_drowning_the_rest() {
        let years_overdue = Signals {
            days_overdue: Some(3650),
            ..Signals::default()
        };
        assert_eq!(priority(&years_overdue).unwrap().score, 40.0);
        let many_concerns = Signals {
            open_concerns: 12,
            oldest_concern_days: Some(400),
            ..Signals::default()
        };
        let p = priority(&many_concerns).unwrap();
        assert_eq!(p.score, 55.0);
        assert_eq!(
            p.reasons,
            vec!["12 open concerns, the oldest 400 days old".to_string()]
        );
    }

    #[test]
    fn a_falling_referrer_outranks_a_slightly_overdue_visit() {
        let people = [
            Signals {
                days_overdue: Some(3),
                ..Signals::default()
            },
            Signals {
                alert: Some((AlertKind::Leakage, 30.0)),
                ..Signals::default()
            },
            Signals::default(),
        ];
        let order = ranked(&people);
        assert_eq!(order.len(), 2);
        assert_eq!(order[0].0, 1);
        assert!(order[0].1.reasons[0].starts_with("More referrals going elsewhere"));
    }
}
