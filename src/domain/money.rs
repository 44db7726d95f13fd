//! Amounts of money, held as whole cents so sums never drift. The database stores
//! `numeric(12, 2)`; `db/` converts with `::numeric / 100` and `* 100`.

/// A non-negative amount in cents.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Money(pub i64);

/// The largest amount a `numeric(12, 2)` column holds, in cents.
const MAX_CENTS: i64 = 999_999_999_999;

impl Money {
    /// Reads "1234", "1,234.5", "$1,234.56" or "1234.56 USD"; at most two decimals.
    pub fn parse(input: &str) -> Result<Money, String> {
        let s: String = input
            .trim()
            .trim_start_matches('$')
            .trim_end_matches("USD")
            .trim()
            .chars()
            .filter(|c| *c != ',' && *c != '_' && *c != ' ')
            .collect();
        let bad = || {
            format!(
                "“{}” is not an amount; use digits like 1250 or 1,250.00.",
                input.trim()
            )
        };
        if s.is_empty() {
            return Err("Enter an amount.".into());
        }
        if s.starts_with('-') {
            return Err("Use an amount of zero or more.".into());
        }
        let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
        if whole.is_empty() && frac.is_empty()
            || !whole.chars().all(|c| c.is_ascii_digit())
            || !frac.chars().all(|c| c.is_ascii_digit())
        {
            return Err(bad());
        }
        if frac.len() > 2 {
            return Err("Use at most two decimals (cents).".into());
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole
                .parse()
                .map_err(|_| "That amount is too large.".to_string())?
        };
        let cents: i64 = match frac.len() {
            0 => 0,
            1 => frac.parse::<i64>().map_err(|_| bad())? * 10,
            _ => frac.parse::<i64>().map_err(|_| bad())?,
        };
        let total = whole
            .checked_mul(100)
            .and_then(|w| w.checked_add(cents))
            .filter(|t| *t <= MAX_CENTS)
            .ok_or_else(|| "That amount is too large.".to_string())?;
        Ok(Money(total))
    }

    /// An optional amount: blank is none.
    pub fn parse_optional(input: Option<&str>) -> Result<Option<Money>, String> {
        match input.map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => Money::parse(s).map(Some),
        }
    }

    pub fn cents(self) -> i64 {
        self.0
    }

    /// "1250.00": what a form field shows.
    pub fn plain(self) -> String {
        format!("{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

impl std::fmt::Display for Money {
    /// "$1,250.00".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let whole = (self.0 / 100).to_string();
        let mut grouped = String::new();
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        write!(f, "${grouped}.{:02}", self.0 % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_read_the_ways_people_type_them() {
        assert_eq!(Money::parse("1250"), Ok(Money(125_000)));
        assert_eq!(Money::parse("$1,250.5"), Ok(Money(125_050)));
        assert_eq!(Money::parse(" 1 250.05 USD"), Ok(Money(125_005)));
        assert_eq!(Money::parse(".5"), Ok(Money(50)));
        assert_eq!(Money::parse("0"), Ok(Money(0)));
    }

    #[test]
    fn bad_amounts_say_why() {
        assert!(Money::parse("").unwrap_err().contains("Enter"));
        assert!(Money::parse("-3").unwrap_err().contains("zero or more"));
        assert!(Money::parse("1.234").unwrap_err().contains("two decimals"));
        assert!(Money::parse("12a").unwrap_err().contains("not an amount"));
        assert!(Money::parse(".").unwrap_err().contains("not an amount"));
        assert!(
            Money::parse("99999999999999")
                .unwrap_err()
                .contains("too large")
        );
    }

    #[test]
    fn amounts_show_with_thousands_and_cents() {
        assert_eq!(Money(125_000).to_string(), "$1,250.00");
        assert_eq!(Money(5).to_string(), "$0.05");
        assert_eq!(Money(123_456_789).to_string(), "$1,234,567.89");
        assert_eq!(Money(125_050).plain(), "1250.50");
    }
}
