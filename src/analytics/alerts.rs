//! Leakage and decline alerts: physicians whose referrals to the workspace's own facilities
//! fell against their trailing baseline, or whose share going elsewhere grew, ranked by the
//! referrals at stake (a year's worth) and weighted by influence, with the reason in words.

/// Recent months against the baseline: a fall of at least this share is a decline.
pub const DECLINE_SHARE: f64 = 0.30;
/// A rise of the share going elsewhere of at least this many points is leakage.
pub const LEAKAGE_POINTS: f64 = 0.10;
/// Fewer referrals a month than this in the baseline is too little to judge.
pub const MIN_BASELINE_PER_MONTH: f64 = 2.0;

/// One physician's referrals in two windows, as monthly averages.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Windows {
    /// To the workspace's own facilities, a month, in the baseline (e.g. the 12 months before).
    pub own_before: f64,
    /// Everywhere, a month, in the baseline.
    pub all_before: f64,
    /// To own facilities, a month, recently (e.g. the last 3 months).
    pub own_recent: f64,
    /// Everywhere, a month, recently.
    pub all_recent: f64,
    /// Their influence against the average person (1.0 when unknown).
    pub influence: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlertKind {
    /// Fewer referrals to own facilities.
    Decline,
    /// A larger share going elsewhere (total volume may be steady).
    Leakage,
}

/// Why a physician is on the list and how much it matters.
#[derive(Clone, Debug, PartialEq)]
pub struct Alert {
    pub kind: AlertKind,
    /// Referrals to own facilities a year that the change costs, at the recent pace.
    pub at_stake: f64,
    /// What the list is ordered by: referrals at stake, weighted by influence.
    pub priority: f64,
    pub reason: String,
}

/// The alert for one physician, if any: a decline when both apply (it is the larger loss to
/// the facilities), leakage otherwise.
pub fn alert(w: &Windows) -> Option<Alert> {
    if !(w.all_before.is_finite() && w.all_recent.is_finite())
        || w.all_before < MIN_BASELINE_PER_MONTH
    {
        return None;
    }
    let influence = if w.influence.is_finite() && w.influence > 0.0 {
        w.influence
    } else {
        1.0
    };
    // Influence counts, but less than volume: each doubling above the average adds a quarter.
    let weight = 1.0 + influence.max(1.0).log2() * 0.25;
    let fell = w.own_before > 0.0 && w.own_recent <= w.own_before * (1.0 - DECLINE_SHARE);
    if fell {
        let at_stake = (w.own_before - w.own_recent) * 12.0;
        return Some(Alert {
            kind: AlertKind::Decline,
            at_stake,
            priority: at_stake * weight,
            reason: format!(
                "Referrals to your facilities fell from {:.1} to {:.1} a month ({:.0}%): about {:.0} a year at stake.",
                w.own_before,
                w.own_recent,
                (w.own_recent / w.own_before - 1.0) * 100.0,
                at_stake
            ),
        });
    }
    let share_before = 1.0 - w.own_before / w.all_before;
    let share_recent = if w.all_recent > 0.0 {
        1.0 - w.own_recent / w.all_recent
    } else {
        share_before
    };
    if share_recent - share_before >= LEAKAGE_POINTS {
        let at_stake = (share_recent - share_before) * w.all_recent * 12.0;
        return Some(Alert {
            kind: AlertKind::Leakage,
            at_stake,
            priority: at_stake * weight,
            reason: format!(
                "The share sent elsewhere grew from {:.0}% to {:.0}%: about {:.0} referrals a year going to others.",
                share_before * 100.0,
                share_recent * 100.0,
                at_stake
            ),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(own_before: f64, all_before: f64, own_recent: f64, all_recent: f64) -> Windows {
        Windows {
            own_before,
            all_before,
            own_recent,
            all_recent,
            influence: 1.0,
        }
    }

    #[test]
    fn a_fall_to_own_facilities_is_a_decline_with_a_years_volume_at_stake() {
        // 10 a month to own facilities, now 5: 60 a year at stake.
        let a = alert(&w(10.0, 14.0, 5.0, 9.0)).unwrap();
        assert_eq!(a.kind, AlertKind::Decline);
        assert!((a.at_stake - 60.0).abs() < 1e-9);
        assert!(
            a.reason.contains("fell from 10.0 to 5.0 a month (-50%)"),
            "{}",
            a.reason
        );
    }

    #[test]
    fn a_steady_total_that_moves_elsewhere_is_leakage() {
        // 20 a month both times; elsewhere from 25% to 50%: 0.25 * 20 * 12 = 60 a year.
        let a = alert(&w(15.0, 20.0, 10.0, 20.0)).unwrap();
        assert_eq!(
            a.kind,
            AlertKind::Decline,
            "a third fewer to own is a decline first"
        );
        let a = alert(&w(15.0, 20.0, 12.0, 20.0)).unwrap();
        assert_eq!(a.kind, AlertKind::Leakage);
        assert!(
            (a.at_stake - 0.15 * 20.0 * 12.0).abs() < 1e-9,
            "{}",
            a.at_stake
        );
        assert!(a.reason.contains("from 25% to 40%"), "{}", a.reason);
    }

    #[test]
    fn small_or_steady_or_broken_numbers_raise_nothing() {
        assert_eq!(alert(&w(1.0, 1.5, 0.0, 0.0)), None, "too little to judge");
        assert_eq!(alert(&w(10.0, 12.0, 9.0, 11.0)), None, "steady");
        assert_eq!(
            alert(&w(0.0, 10.0, 0.0, 10.0)),
            None,
            "all referrals elsewhere, as ever"
        );
        assert_eq!(alert(&w(f64::NAN, f64::NAN, 1.0, 1.0)), None);
        // Everyone stopped referring at all: a decline, not a division by zero.
        let a = alert(&w(6.0, 8.0, 0.0, 0.0)).unwrap();
        assert_eq!(a.kind, AlertKind::Decline);
    }

    #[test]
    fn influence_lifts_the_priority_but_volume_leads() {
        let mut big = w(20.0, 25.0, 10.0, 15.0);
        let mut small = w(4.0, 5.0, 2.0, 3.0);
        small.influence = 10.0;
        big.influence = 1.0;
        let priority = |w: &Windows| alert(w).expect("an alert").priority;
        assert!(
            priority(&big) > priority(&small),
            "120 a year outranks 24, even from an influencer"
        );
        let same = w(10.0, 12.0, 5.0, 6.0);
        let mut influential = same;
        influential.influence = 5.0;
        assert!(
            priority(&influential) > priority(&same),
            "at equal volume the influencer comes first"
        );
    }
}
