//! Text values with rules: emails, workspace slugs, new passwords, trimmed names, dates,
//! and the lenient readers forms and JSON share.

use serde::{Deserialize, Deserializer};

/// A syntactically plausible email address, trimmed and lower-cased.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Accepts `local@domain.tld`; the mailbox itself is not verified.
    pub fn parse(input: &str) -> Result<Email, &'static str> {
        let s = input.trim().to_lowercase();
        if s.is_empty() {
            return Err("Enter an email address.");
        }
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("Enter a valid email address, like name@example.org.");
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return Err("Enter a valid email address, like name@example.org.");
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        if local.is_empty() || local.len() > 64 || local.contains('@') || !domain_ok {
            return Err("Enter a valid email address, like name@example.org.");
        }
        Ok(Email(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A workspace slug: 2-63 lower-case letters, digits and hyphens, starting with a letter or digit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    pub fn parse(input: &str) -> Result<Slug, &'static str> {
        let s = input.trim().to_lowercase();
        let valid = (2..=63).contains(&s.len())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
        if valid {
            Ok(Slug(s))
        } else {
            Err(
                "Use 2 to 63 lower-case letters, digits and hyphens, starting with a letter or digit.",
            )
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password someone is setting. OWASP ASVS: at least 12 characters, at most 128,
/// no composition rules, spaces allowed.
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 128;

    pub fn parse(input: &str) -> Result<NewPassword, &'static str> {
        let n = input.chars().count();
        if n < Self::MIN_CHARS {
            return Err(
                "Use at least 12 characters. A few unrelated words make a strong password.",
            );
        }
        if n > Self::MAX_CHARS {
            return Err("Use at most 128 characters.");
        }
        Ok(NewPassword(input.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

/// Trims `input` and requires 1..=max characters; `what` names the field in the message.
pub fn clean_required(input: &str, max: usize, what: &str) -> Result<String, String> {
    let s = input.trim();
    if s.is_empty() {
        return Err(format!("Enter {what}."));
    }
    if s.chars().count() > max {
        return Err(format!("Use at most {max} characters."));
    }
    if s.chars().any(|c| c.is_control()) {
        return Err("Remove control characters.".into());
    }
    Ok(s.to_string())
}

/// Trims `input`; empty becomes `None`; longer than `max` is an error.
pub fn clean_optional(input: Option<&str>, max: usize) -> Result<Option<String>, String> {
    match input.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) if s.chars().count() > max => Err(format!("Use at most {max} characters.")),
        Some(s) if s.chars().any(|c| c.is_control()) => Err("Remove control characters.".into()),
        Some(s) => Ok(Some(s.to_string())),
    }
}

/// Accepts a list as a JSON array or as one string separated by commas, semicolons or
/// new lines (what a form's text field sends).
pub fn list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<OneOrMany>::deserialize(d)? {
        None => Vec::new(),
        Some(OneOrMany::Many(v)) => v,
        Some(OneOrMany::One(s)) => s
            .split([',', ';', '\n'])
            .map(|p| p.trim().to_string())
            .collect(),
    })
}

/// A checkbox (`on`) or a JSON boolean.
pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Text(String),
    }
    Ok(match Option::<Flag>::deserialize(d)? {
        None => false,
        Some(Flag::Bool(b)) => b,
        Some(Flag::Text(s)) => matches!(s.as_str(), "on" | "true" | "1" | "yes"),
    })
}

/// An optional date typed as `YYYY-MM-DD` (what a date input sends); blank is none.
pub fn optional_date(input: Option<&str>) -> Result<Option<chrono::NaiveDate>, String> {
    match input.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| format!("“{s}” is not a date; use YYYY-MM-DD.")),
    }
}

/// An optional record id; blank is none, anything else must be a UUID.
pub fn optional_id(input: Option<&str>, what: &str) -> Result<Option<uuid::Uuid>, String> {
    match input.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => uuid::Uuid::parse_str(s)
            .map(Some)
            .map_err(|_| format!("Choose {what} from the list.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(
            Email::parse("  Jo.Doe@Example.ORG ").map(|e| e.0),
            Ok("jo.doe@example.org".into())
        );
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "",
            "jo",
            "jo@",
            "@x.org",
            "jo@x",
            "jo@x..org",
            "jo doe@x.org",
            "jo@.x.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn slugs_follow_the_rules() {
        assert_eq!(
            Slug::parse("Mercy-Health").map(|s| s.0),
            Ok("mercy-health".into())
        );
        for bad in ["a", "-x", "has space", "ünï", &"x".repeat(64)] {
            assert!(Slug::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn passwords_need_twelve_characters_and_nothing_else() {
        assert!(NewPassword::parse("short pass").is_err());
        assert!(NewPassword::parse("correct horse").is_ok());
        assert!(
            NewPassword::parse("ééééééééééé").is_err(),
            "11 characters even if 22 bytes"
        );
        assert!(NewPassword::parse(&"x".repeat(129)).is_err());
    }

    #[test]
    fn optional_text_becomes_none_when_blank() {
        assert_eq!(clean_optional(Some("   "), 10), Ok(None));
        assert_eq!(clean_optional(Some(" a "), 10), Ok(Some("a".into())));
        assert!(clean_optional(Some("abcdef"), 3).is_err());
    }
}
