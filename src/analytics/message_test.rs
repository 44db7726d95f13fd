//! Message tests in plain words: each variant's response rate with its Wilson interval, and
//! the leader against the runner-up with the two-proportion test, said the way a marketer
//! would want it ("B is ahead, not yet significant (p = 0.21, need about 140 more
//! responses)").

use super::stats::{Proportion, compare, wilson};

/// The significance level the verdict uses.
pub const ALPHA: f64 = 0.05;

/// One variant's tally.
#[derive(Clone, Debug, PartialEq)]
pub struct Tally {
    pub name: String,
    pub responses: u64,
    pub recipients: u64,
}

/// A variant's tally with its rate and interval (`None` before anyone received it).
#[derive(Clone, Debug, PartialEq)]
pub struct VariantRate {
    pub name: String,
    pub rate: Option<Proportion>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MessageTest {
    pub variants: Vec<VariantRate>,
    /// The leader against the runner-up, when there are two to compare.
    pub p_value: Option<f64>,
    pub verdict: String,
}

/// Reads a test of `variants` (in their display order).
pub fn read(variants: &[Tally]) -> MessageTest {
    let rates: Vec<VariantRate> = variants
        .iter()
        .map(|v| VariantRate {
            name: v.name.clone(),
            rate: wilson(v.responses, v.recipients),
        })
        .collect();
    let mut reached: Vec<&Tally> = variants.iter().filter(|v| v.recipients > 0).collect();
    let (p_value, verdict) = match reached.len() {
        _ if variants.len() < 2 => (
            None,
            "One variant only: there is nothing to compare.".to_string(),
        ),
        0 => (None, "No one has received a variant yet.".to_string()),
        1 => (
            None,
            format!(
                "Only {} has been sent so far: nothing to compare yet.",
                reached[0].name
            ),
        ),
        _ => {
            reached.sort_by(|a, b| rate(b).total_cmp(&rate(a)));
            let (leader, runner_up) = (reached[0], reached[1]);
            compare(
                (runner_up.responses, runner_up.recipients),
                (leader.responses, leader.recipients),
            )
            .map_or((None, String::new()), |c| {
                let p = c.p_value;
                let words = if leader.responses + runner_up.responses == 0 {
                    "No responses yet.".to_string()
                } else if c.difference.abs() < 1e-12 {
                    format!(
                        "{} and {} are level so far ({}).",
                        leader.name,
                        runner_up.name,
                        p_text(p)
                    )
                } else if p < ALPHA {
                    format!(
                        "{} is ahead: {} against {} ({}).",
                        leader.name,
                        percent(rate(leader)),
                        percent(rate(runner_up)),
                        p_text(p)
                    )
                } else {
                    let more = c
                        .needed_per_group
                        .map(|n| {
                            let expected = n as f64 * (rate(leader) + rate(runner_up));
                            (expected - (leader.responses + runner_up.responses) as f64)
                                .ceil()
                                .max(1.0) as u64
                        })
                        .map(|n| format!(", need about {n} more responses"))
                        .unwrap_or_default();
                    format!(
                        "{} is ahead, not yet significant ({}{more}).",
                        leader.name,
                        p_text(p)
                    )
                };
                (Some(p), words)
            })
        }
    };
    MessageTest {
        variants: rates,
        p_value,
        verdict,
    }
}

fn rate(t: &Tally) -> f64 {
    if t.recipients == 0 {
        0.0
    } else {
        t.responses.min(t.recipients) as f64 / t.recipients as f64
    }
}

fn percent(r: f64) -> String {
    format!("{:.1}%", r * 100.0)
}

/// A p-value as people read it: "p = 0.21", "p = 0.004", "p < 0.001".
pub fn p_text(p: f64) -> String {
    if p < 0.001 {
        "p < 0.001".to_string()
    } else if p < 0.01 {
        format!("p = {p:.3}")
    } else {
        format!("p = {p:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(name: &str, responses: u64, recipients: u64) -> Tally {
        Tally {
            name: name.into(),
            responses,
            recipients,
        }
    }

    #[test]
    fn a_close_race_says_how_many_more_responses_it_needs() {
        // 30/200 against 45/200: p = 0.055; about 424 per group at 15% and 22.5%:
        // 424 * 0.375 = 159 responses expected, 75 in hand: about 84 more.
        let test = read(&[t("A", 30, 200), t("B", 45, 200)]);
        assert_eq!(
            test.verdict,
            "B is ahead, not yet significant (p = 0.05, need about 84 more responses)."
        );
        let a = test.variants[0].rate.unwrap();
        assert!((a.rate - 0.15).abs() < 1e-12 && a.low < 0.15 && a.high > 0.15);
    }

    #[test]
    fn a_clear_winner_is_named_with_its_rates() {
        let test = read(&[t("Short subject", 20, 400), t("Long subject", 60, 400)]);
        assert_eq!(
            test.verdict,
            "Long subject is ahead: 15.0% against 5.0% (p < 0.001)."
        );
        assert!(test.p_value.unwrap() < 0.001);
    }

    #[test]
    fn degenerate_tests_get_plain_answers() {
        assert_eq!(
            read(&[]).verdict,
            "One variant only: there is nothing to compare."
        );
        assert_eq!(
            read(&[t("A", 3, 10)]).verdict,
            "One variant only: there is nothing to compare."
        );
        assert_eq!(
            read(&[t("A", 0, 0), t("B", 0, 0)]).verdict,
            "No one has received a variant yet."
        );
        assert_eq!(
            read(&[t("A", 2, 10), t("B", 0, 0)]).verdict,
            "Only A has been sent so far: nothing to compare yet."
        );
        assert_eq!(
            read(&[t("A", 0, 50), t("B", 0, 60)]).verdict,
            "No responses yet."
        );
        assert_eq!(
            read(&[t("A", 5, 50), t("B", 5, 50)]).verdict,
            "A and B are level so far (p = 1.00)."
        );
        assert_eq!(read(&[t("A", 0, 0), t("B", 0, 0)]).variants[0].rate, None);
    }

    #[test]
    fn p_values_read_as_people_write_them() {
        assert_eq!(p_text(0.2149), "p = 0.21");
        assert_eq!(p_text(0.0042), "p = 0.004");
        assert_eq!(p_text(0.00001), "p < 0.001");
    }
}
