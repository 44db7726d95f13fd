//! Words for search: what a record can be found by, and what a query asks for. Both sides
//! lower-case with Unicode rules and split at anything that is not a letter or digit, so
//! "O'Brien-Smith" is found by "o", "brien" and "smith", and by their prefixes.

use std::collections::BTreeSet;

/// Longest word kept (longer ones are cut).
pub const MAX_WORD: usize = 60;
/// Most words a query uses.
pub const MAX_QUERY_WORDS: usize = 6;

/// The lower-cased words of `text`.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().chars().take(MAX_WORD).collect())
}

/// The distinct words of a search box entry, at most [`MAX_QUERY_WORDS`].
pub fn query_words(q: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in words(q) {
        if !out.contains(&w) {
            out.push(w);
        }
        if out.len() == MAX_QUERY_WORDS {
            break;
        }
    }
    out
}

/// The search term a whole tag is filtered by: `tag:` and the tag, lower-cased.
pub fn tag_term(tag: &str) -> String {
    let t: String = tag.trim().to_lowercase().chars().take(MAX_WORD).collect();
    format!("tag:{t}")
}

/// What a stakeholder is found by.
pub struct StakeholderText<'a> {
    pub first_name: &'a str,
    pub middle_name: Option<&'a str>,
    pub last_name: &'a str,
    pub npi: Option<&'a str>,
    pub credentials: Option<&'a str>,
    pub tags: &'a [String],
    pub specialty: Option<&'a str>,
    /// The organizations and facilities they are currently affiliated with.
    pub places: &'a [String],
}

impl StakeholderText<'_> {
    pub fn terms(&self) -> BTreeSet<String> {
        let mut terms = BTreeSet::new();
        for text in [
            Some(self.first_name),
            self.middle_name,
            Some(self.last_name),
            self.credentials,
            self.specialty,
        ]
        .into_iter()
        .flatten()
        {
            terms.extend(words(text));
        }
        if let Some(npi) = self.npi {
            terms.insert(npi.to_string());
        }
        for tag in self.tags {
            terms.extend(words(tag));
            terms.insert(tag_term(tag));
        }
        for place in self.places {
            terms.extend(words(place));
        }
        terms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stakeholder_is_found_by_each_word_of_its_names_specialty_and_tags() {
        let tags = vec!["Key referrer".to_string()];
        let terms = StakeholderText {
            first_name: "Ana",
            middle_name: Some("M."),
            last_name: "Ruiz-López",
            npi: Some("1234567893"),
            credentials: Some("MD, FACC"),
            tags: &tags,
            specialty: Some("Cardiovascular Disease Physician"),
            places: &["Bayside Heart Group".to_string()],
        }
        .terms();
        for t in [
            "ana",
            "bayside",
            "m",
            "ruiz",
            "lópez",
            "1234567893",
            "md",
            "facc",
            "cardiovascular",
            "key",
            "referrer",
            "tag:key referrer",
        ] {
            assert!(terms.contains(t), "{t}");
        }
    }

    #[test]
    fn queries_are_split_the_same_way() {
        assert_eq!(
            query_words("  Ruiz-LÓPEZ, ana ana "),
            vec!["ruiz", "lópez", "ana"]
        );
        assert_eq!(query_words("%_"), Vec::<String>::new());
        assert_eq!(query_words("a b c d e f g h").len(), MAX_QUERY_WORDS);
    }
}
