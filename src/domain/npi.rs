//! National Provider Identifier: ten digits whose last is a Luhn check digit computed over
//! the card-issuer prefix 80840 followed by the first nine digits (CMS, NPI check digit).

use std::fmt;

/// A valid NPI.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Npi(String);

impl Npi {
    /// Accepts ten digits (spaces and dashes ignored) with a correct check digit.
    pub fn parse(input: &str) -> Result<Npi, &'static str> {
        let digits: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if digits.len() != 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err("An NPI has exactly 10 digits.");
        }
        let bytes = digits.as_bytes();
        if check_digit(&bytes[..9]) != bytes[9] - b'0' {
            return Err(
                "This is not a valid NPI: its check digit does not match. Check for a typo.",
            );
        }
        Ok(Npi(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Npi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The check digit for nine NPI digits (ASCII). The prefix 80840 adds a constant 24 to the
/// Luhn sum: doubling alternates from the rightmost of the nine digits.
pub fn check_digit(nine: &[u8]) -> u8 {
    let mut sum: u32 = 24;
    for (i, b) in nine.iter().rev().enumerate() {
        let mut d = u32::from(b - b'0');
        if i % 2 == 0 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    ((10 - (sum % 10)) % 10) as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn real_npis_are_accepted() {
        // From CMS's check-digit example and the shared NPPES sample.
        for npi in ["1234567893", "1679576722", "1588667638", "1497758544"] {
            assert!(Npi::parse(npi).is_ok(), "{npi}");
        }
        assert_eq!(
            Npi::parse("123-456-7893").map(|n| n.0),
            Ok("1234567893".into())
        );
    }

    #[test]
    fn wrong_lengths_letters_and_check_digits_are_refused() {
        for bad in ["", "123456789", "12345678901", "12345678a3", "1234567890"] {
            assert!(Npi::parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn any_nine_digits_with_their_check_digit_make_a_valid_npi(base in "[0-9]{9}") {
            let check = check_digit(base.as_bytes());
            let npi = format!("{base}{check}");
            prop_assert!(Npi::parse(&npi).is_ok());
        }

        #[test]
        fn changing_one_digit_always_breaks_the_check(base in "[0-9]{9}", pos in 0usize..10, delta in 1u8..10) {
            let check = check_digit(base.as_bytes());
            let mut bytes = format!("{base}{check}").into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let mutated = String::from_utf8(bytes).expect("ascii");
            prop_assert!(Npi::parse(&mutated).is_err(), "{mutated}");
        }
    }
}
