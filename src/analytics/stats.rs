//! Proportions and their honest comparison: Wilson score intervals, the pooled two-proportion
//! z-test, and how many more people a test needs before a difference of the size seen would be
//! found at the usual 5% level with 80% power.

/// The 97.5th percentile of the standard normal: a two-sided 95% interval.
pub const Z_95: f64 = 1.959_963_984_540_054;
/// The 80th percentile of the standard normal: 80% power.
const Z_POWER_80: f64 = 0.841_621_233_572_914_3;

/// A share with its 95% interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Proportion {
    pub successes: u64,
    pub trials: u64,
    pub rate: f64,
    pub low: f64,
    pub high: f64,
}

/// `successes` out of `trials` with the Wilson score interval, which stays inside 0..1 and
/// behaves at 0% and 100% and for small samples, where the textbook (Wald) interval does not.
/// No trials: no estimate.
pub fn wilson(successes: u64, trials: u64) -> Option<Proportion> {
    if trials == 0 {
        return None;
    }
    let successes = successes.min(trials);
    let n = trials as f64;
    let p = successes as f64 / n;
    let z2 = Z_95 * Z_95;
    let denominator = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / denominator;
    let half = Z_95 / denominator * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some(Proportion {
        successes,
        trials,
        rate: p,
        low: (center - half).max(0.0),
        high: (center + half).min(1.0),
    })
}

/// Two shares compared.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Comparison {
    /// Second rate minus first.
    pub difference: f64,
    pub z: f64,
    /// Two-sided.
    pub p_value: f64,
    /// Trials each group would need for a difference of this size to reach p < 0.05 four times
    /// in five; `None` when the rates are equal (no size to find).
    pub needed_per_group: Option<u64>,
}

/// The pooled two-proportion z-test of `a` against `b`. A group without trials: nothing to
/// compare. Rates that cannot differ (both 0% or both 100%) give p = 1.
pub fn compare(a: (u64, u64), b: (u64, u64)) -> Option<Comparison> {
    let (xa, na) = (a.0.min(a.1), a.1);
    let (xb, nb) = (b.0.min(b.1), b.1);
    if na == 0 || nb == 0 {
        return None;
    }
    let (pa, pb) = (xa as f64 / na as f64, xb as f64 / nb as f64);
    let pooled = (xa + xb) as f64 / (na + nb) as f64;
    let se = (pooled * (1.0 - pooled) * (1.0 / na as f64 + 1.0 / nb as f64)).sqrt();
    let difference = pb - pa;
    let (z, p_value) = if se > 0.0 {
        let z = difference / se;
        (z, (2.0 * normal_tail(z.abs())).min(1.0))
    } else {
        (0.0, 1.0)
    };
    Some(Comparison {
        difference,
        z,
        p_value,
        needed_per_group: needed_per_group(pa, pb),
    })
}

/// Trials per group to find `pa` against `pb` (two-sided 5%, 80% power).
pub fn needed_per_group(pa: f64, pb: f64) -> Option<u64> {
    let delta = (pa - pb).abs();
    if delta < 1e-12 {
        return None;
    }
    let mean = (pa + pb) / 2.0;
    let numerator = Z_95 * (2.0 * mean * (1.0 - mean)).sqrt()
        + Z_POWER_80 * (pa * (1.0 - pa) + pb * (1.0 - pb)).sqrt();
    Some((numerator * numerator / (delta * delta)).ceil().max(1.0) as u64)
}

/// P(Z > z) for a standard normal Z.
pub fn normal_tail(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

/// The complementary error function, with a relative error under 1.2e-7 everywhere
/// (a Chebyshev fit; Press et al., Numerical Recipes, 6.2), so tiny p-values stay accurate.
pub fn erfc(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.5 * x.abs());
    let poly = -x * x - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let tail = t * poly.exp();
    if x >= 0.0 { tail } else { 2.0 - tail }
}

/// The two-sided 97.5th percentile of Student's t with `df` degrees of freedom (Cornish-Fisher
/// expansion around the normal; within 0.3% of the exact value from 3 degrees of freedom up).
pub fn t_95(df: f64) -> f64 {
    if !df.is_finite() || df > 1e6 {
        return Z_95;
    }
    let df = df.max(1.0);
    let z = Z_95;
    let (z3, z5, z7) = (z.powi(3), z.powi(5), z.powi(7));
    z + (z3 + z) / (4.0 * df)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * df * df)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * df.powi(3))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance
    }

    #[test]
    fn the_normal_tail_matches_tables() {
        assert!(close(normal_tail(0.0), 0.5, 1e-7));
        assert!(close(normal_tail(1.959_964), 0.025, 1e-7));
        assert!(close(normal_tail(1.0), 0.158_655_25, 1e-7));
        assert!(close(normal_tail(-1.0), 0.841_344_75, 1e-7));
        // Far in the tail the relative error stays small.
        let tail = normal_tail(6.0);
        assert!((tail / 9.865_876_450_377e-10 - 1.0).abs() < 1e-6, "{tail}");
    }

    #[test]
    fn wilson_matches_a_hand_computed_case() {
        // 12 of 40: p = 0.3; by hand: center 0.3175, half 0.1368.
        let p = wilson(12, 40).unwrap();
        assert!(close(p.rate, 0.3, 1e-12));
        assert!(close(p.low, 0.1806, 5e-4), "{}", p.low);
        assert!(close(p.high, 0.4543, 5e-4), "{}", p.high);
    }

    #[test]
    fn wilson_handles_no_data_zero_and_everyone() {
        assert_eq!(wilson(0, 0), None);
        let none = wilson(0, 20).unwrap();
        assert_eq!(none.low, 0.0);
        assert!(close(none.high, 0.1611, 5e-4), "{}", none.high);
        let all = wilson(20, 20).unwrap();
        assert_eq!(all.high, 1.0);
        assert!(close(all.low, 0.8389, 5e-4));
        // More successes than trials is bad data, held to the trials.
        assert_eq!(wilson(30, 20).unwrap().rate, 1.0);
    }

    #[test]
    fn the_two_proportion_test_matches_a_hand_computed_case() {
        // 30/200 against 45/200: pooled 0.1875, se 0.03903, z 1.9215, p 0.0547.
        let c = compare((30, 200), (45, 200)).unwrap();
        assert!(close(c.difference, 0.075, 1e-12));
        assert!(close(c.z, 1.9215, 5e-4), "{}", c.z);
        assert!(close(c.p_value, 0.0547, 5e-4), "{}", c.p_value);
        // 15% against 22.5% at 80% power: about 420 per group.
        let n = c.needed_per_group.unwrap();
        assert!((410..=430).contains(&n), "{n}");
    }

    #[test]
    fn degenerate_comparisons_say_so_instead_of_dividing_by_zero() {
        assert_eq!(compare((0, 0), (3, 10)), None);
        let zeros = compare((0, 50), (0, 60)).unwrap();
        assert_eq!(zeros.p_value, 1.0);
        assert_eq!(zeros.needed_per_group, None);
        let all = compare((50, 50), (60, 60)).unwrap();
        assert_eq!(all.p_value, 1.0);
    }

    #[test]
    fn t_quantiles_approach_the_normal() {
        assert!(close(t_95(10.0), 2.2281, 2e-3), "{}", t_95(10.0));
        assert!(close(t_95(30.0), 2.0423, 1e-3));
        assert!(close(t_95(5.0), 2.5706, 8e-3), "{}", t_95(5.0));
        assert_eq!(t_95(f64::INFINITY), Z_95);
    }

    proptest! {
        #[test]
        fn a_wilson_interval_holds_its_rate_inside_zero_to_one(trials in 1u64..100_000, share in 0.0f64..=1.0) {
            let successes = (trials as f64 * share).round() as u64;
            let p = wilson(successes, trials).unwrap();
            prop_assert!(0.0 <= p.low && p.low <= p.rate + 1e-12);
            prop_assert!(p.rate <= p.high + 1e-12 && p.high <= 1.0);
        }

        #[test]
        fn a_comparison_is_symmetric(xa in 0u64..500, na in 1u64..500, xb in 0u64..500, nb in 1u64..500) {
            let ab = compare((xa, na), (xb, nb)).unwrap();
            let ba = compare((xb, nb), (xa, na)).unwrap();
            prop_assert!((ab.p_value - ba.p_value).abs() < 1e-9);
            prop_assert!((ab.difference + ba.difference).abs() < 1e-12);
            prop_assert!((0.0..=1.0).contains(&ab.p_value));
        }
    }
}
