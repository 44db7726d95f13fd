//! Bytes to text the way real files need it: UTF-8 when the bytes are UTF-8 (a leading BOM
//! dropped), Windows-1252 otherwise, so a stray byte from a spreadsheet never fails a row.

/// Windows-1252 characters for bytes 0x80-0x9F (the rest of the upper half is Latin-1).
const CP1252: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž', '\u{8F}',
    '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}', 'ž', 'Ÿ',
];

/// Decodes one field: UTF-8 when valid, else Windows-1252.
pub fn decode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => bytes
            .iter()
            .map(|&b| match b {
                0x80..=0x9F => CP1252[usize::from(b - 0x80)],
                _ => char::from(b),
            })
            .collect(),
    }
}

/// Trims a field and drops a UTF-8 byte-order mark in front of it (the first field of a
/// file saved by a spreadsheet carries one).
pub fn clean(field: &str) -> &str {
    field.trim_start_matches('\u{feff}').trim()
}

/// Registry text in capitals ("DAVID O'BRIEN-SMITH") as people write it ("David
/// O'Brien-Smith"); text that already has lower-case letters is left as typed.
pub fn tidy_case(text: &str) -> String {
    if text.chars().any(char::is_lowercase) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut start = true;
    for c in text.chars() {
        if c.is_alphabetic() {
            if start {
                out.push(c);
            } else {
                out.extend(c.to_lowercase());
            }
            start = false;
        } else if c.is_numeric() {
            out.push(c);
            start = false;
        } else {
            out.push(c);
            // A letter after an apostrophe starts a word only in names like O'Brien.
            start = !(c == '\'' && out.chars().rev().nth(2).is_some_and(char::is_alphabetic));
        }
    }
    out
}

/// Whether a raw field holds nothing but white space (or a byte-order mark), without
/// decoding it: the cheap test for a blank line of a 330-column file.
pub fn blank_bytes(field: &[u8]) -> bool {
    field
        .strip_prefix(b"\xef\xbb\xbf")
        .unwrap_or(field)
        .iter()
        .all(u8::is_ascii_whitespace)
}

/// Whether a value is one of the placeholders real files use for "nothing".
pub fn is_blank(field: &str) -> bool {
    let f = clean(field);
    f.is_empty()
        || f.eq_ignore_ascii_case("null")
        || f.eq_ignore_ascii_case("<unavail>")
        || f == "NA"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_stays_utf8_and_other_bytes_are_windows_1252() {
        assert_eq!(decode("Muñoz".as_bytes()), "Muñoz");
        assert_eq!(decode(b"Mu\xf1oz \x93quoted\x94 \x80"), "Muñoz “quoted” €");
    }

    #[test]
    fn boms_spaces_and_placeholders_are_nothing() {
        assert_eq!(clean("\u{feff}from_npi "), "from_npi");
        for blank in ["", "  ", "NULL", "null", "<UNAVAIL>", "NA"] {
            assert!(is_blank(blank), "{blank:?}");
        }
        assert!(!is_blank("0"));
    }

    #[test]
    fn capitals_become_names_as_people_write_them() {
        assert_eq!(tidy_case("DAVID O'BRIEN-SMITH"), "David O'Brien-Smith");
        assert_eq!(
            tidy_case("ST. MARY'S HOSPITAL, INC"),
            "St. Mary's Hospital, Inc"
        );
        assert_eq!(tidy_case("JOSÉ ÁLVAREZ"), "José Álvarez");
        assert_eq!(tidy_case("McDonald"), "McDonald");
        assert_eq!(
            tidy_case("123 MAIN ST, 2ND FLOOR"),
            "123 Main St, 2nd Floor"
        );
    }
}
