//! Splitting a full name the ways exports write one: "Ruiz, Ana M", "SMITH, JOHN A MD",
//! "Dr. Ana de la Cruz Jr.", "Ana Ruiz, MD, FACC".

use super::mapping::compact;

/// A full name in its parts, each as written.
#[derive(Debug, Default, PartialEq)]
pub struct NameParts {
    pub prefix: Option<String>,
    pub first: String,
    pub middle: Option<String>,
    pub last: String,
    pub suffix: Option<String>,
    pub credentials: Option<String>,
}

const PREFIXES: &[&str] = &[
    "dr", "doctor", "mr", "mrs", "ms", "miss", "mx", "prof", "rev",
];
const SUFFIXES: &[&str] = &["jr", "sr", "ii", "iii", "iv"];
const CREDENTIALS: &[&str] = &[
    "md", "do", "mbbs", "phd", "np", "pa", "pac", "rn", "aprn", "dnp", "crna", "cnm", "cns", "fnp",
    "fnpbc", "lpn", "lvn", "bsn", "msn", "mba", "mph", "mha", "ms", "dds", "dmd", "dpm", "od",
    "pharmd", "dpt", "pt", "ot", "dc", "lcsw", "psyd", "facc", "facs", "facp", "faap", "facog",
    "facep", "faafp", "fache", "fhm",
];
/// Words that belong to the last name that follows them ("de la Cruz", "van Dyke").
const PARTICLES: &[&str] = &[
    "de", "del", "della", "der", "den", "di", "da", "dos", "das", "du", "la", "le", "van", "von",
    "ten", "ter", "st", "bin", "ibn", "al", "el",
];

fn is_one_of(token: &str, words: &[&str]) -> bool {
    words.contains(&compact(token).as_str())
}

fn is_title(token: &str) -> bool {
    is_one_of(token, SUFFIXES) || is_one_of(token, CREDENTIALS)
}

/// Moves trailing suffixes and credentials from `tokens` into `titles`, keeping `keep`
/// tokens at least ("Ana Do" keeps Do as her last name).
fn peel<'a>(tokens: &mut Vec<&'a str>, titles: &mut Vec<&'a str>, keep: usize) {
    while tokens.len() > keep && tokens.last().is_some_and(|t| is_title(t)) {
        titles.extend(tokens.pop());
    }
}

fn join(tokens: &[&str], sep: &str) -> Option<String> {
    (!tokens.is_empty()).then(|| tokens.join(sep))
}

/// The parts of a full name; None when it cannot be told apart (a single word).
pub fn split_name(full: &str) -> Option<NameParts> {
    let mut parts: Vec<&str> = full
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    // Collected from the end backwards; reversed below.
    let mut titles: Vec<&str> = Vec::new();
    while parts.len() > 1
        && parts
            .last()
            .is_some_and(|p| p.split_whitespace().all(is_title))
    {
        let trailing = parts.pop().unwrap_or_default();
        titles.extend(trailing.split_whitespace().rev());
    }
    let (mut given, last): (Vec<&str>, Vec<&str>) = match parts.as_slice() {
        [one] => {
            let mut tokens: Vec<&str> = one.split_whitespace().collect();
            peel(&mut tokens, &mut titles, 2);
            let mut start = tokens.len().checked_sub(1)?;
            while start > 1 && is_one_of(tokens[start - 1], PARTICLES) {
                start -= 1;
            }
            let last = tokens.split_off(start);
            (tokens, last)
        }
        [last, given] => {
            let mut last: Vec<&str> = last.split_whitespace().collect();
            peel(&mut last, &mut titles, 1);
            let mut given: Vec<&str> = given.split_whitespace().collect();
            peel(&mut given, &mut titles, 1);
            (given, last)
        }
        _ => return None,
    };
    let prefix = match given.first() {
        Some(p) if given.len() > 1 && is_one_of(p, PREFIXES) => Some(given.remove(0)),
        _ => None,
    };
    if given.is_empty() || last.is_empty() {
        return None;
    }
    titles.reverse();
    let (suffixes, credentials): (Vec<&str>, Vec<&str>) =
        titles.into_iter().partition(|t| is_one_of(t, SUFFIXES));
    Some(NameParts {
        prefix: prefix.map(str::to_string),
        first: given[0].to_string(),
        middle: join(&given[1..], " "),
        last: last.join(" "),
        suffix: join(&suffixes, " "),
        credentials: join(&credentials, ", "),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn some(s: &str) -> Option<String> {
        Some(s.to_string())
    }

    #[test]
    fn last_comma_first_as_rosters_write_it() {
        let expected = NameParts {
            first: "JOHN".into(),
            middle: some("A"),
            last: "SMITH".into(),
            credentials: some("MD"),
            ..Default::default()
        };
        assert_eq!(split_name("SMITH, JOHN A MD"), Some(expected));
        assert_eq!(split_name("Do, Ana").map(|p| p.last), some("Do"));
        assert_eq!(
            split_name("Ruiz Jr., Ana").and_then(|p| p.suffix),
            some("Jr.")
        );
    }

    #[test]
    fn first_last_with_prefix_particles_suffix_and_credentials() {
        let expected = NameParts {
            prefix: some("Dr."),
            first: "Ana".into(),
            middle: some("María"),
            last: "de la Cruz".into(),
            suffix: some("Jr."),
            credentials: some("M.D., FACC"),
        };
        let full = "Dr. Ana María de la Cruz Jr., M.D., FACC";
        assert_eq!(split_name(full), Some(expected));
        let ana_do = split_name("Ana Do").map(|p| (p.first, p.last));
        assert_eq!(ana_do, Some(("Ana".into(), "Do".into())));
    }

    #[test]
    fn a_single_word_or_too_many_commas_cannot_be_split() {
        for full in ["Cher", "Ruiz, MD", ", Ana", "Ruiz, Ana, Maria", ""] {
            assert_eq!(split_name(full), None, "{full}");
        }
    }
}
