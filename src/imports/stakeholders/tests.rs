use proptest::prelude::*;

use super::*;
use crate::domain::{Channel, StakeholderKind, Tier};

fn read_all(bytes: &[u8], mapping: &Mapping) -> (Vec<StakeholderRow>, Vec<RowError>) {
    let (mut ok, mut bad) = (Vec::new(), Vec::new());
    for r in open(bytes, mapping).expect("opens") {
        match r {
            Ok(row) => ok.push(row),
            Err(e) => bad.push(e),
        }
    }
    (ok, bad)
}

/// Reads a file with the mapping its header suggests.
fn read_suggested(bytes: &[u8]) -> (Vec<StakeholderRow>, Vec<RowError>) {
    let p = preview(bytes, 0).expect("previews");
    read_all(
        bytes,
        &Mapping::new(p.suggested).expect("a usable suggestion"),
    )
}

fn summary(errors: &[RowError]) -> Vec<(u64, Option<&str>)> {
    errors
        .iter()
        .map(|e| (e.line, e.column.as_deref()))
        .collect()
}

#[test]
fn a_salesforce_contact_export_reads_with_the_suggested_mapping() {
    let file = "Id,AccountId,LastName,FirstName,Salutation,Title,Account.Name,MailingStreet,MailingCity,MailingState,MailingPostalCode,Phone,Email\n\
003A,001A,Ruiz,Ana,Dr.,Chief Medical Officer,Valley Cardiology,\"12 Oak St\nSuite 4\",Eugene,OR,97401-1234,(541) 555-0100,Ana.Ruiz@Valley.org\n\
003B,001A,Lee,Sam,,,,,,,,,\n";
    let (ok, bad) = read_suggested(file.as_bytes());
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(ok.len(), 2);
    let ana = &ok[0];
    assert_eq!(
        (ana.first_name.as_str(), ana.last_name.as_str()),
        ("Ana", "Ruiz")
    );
    assert_eq!(ana.prefix.as_deref(), Some("Dr."));
    assert_eq!(ana.organization_name.as_deref(), Some("Valley Cardiology"));
    assert_eq!(ana.address_line.as_deref(), Some("12 Oak St, Suite 4"));
    assert_eq!(
        (ana.state.as_deref(), ana.postal_code.as_deref()),
        (Some("OR"), Some("97401"))
    );
    assert_eq!(ana.emails, vec!["ana.ruiz@valley.org"]);
    assert_eq!(ana.phones, vec!["(541) 555-0100"]);
    // The quoted street spans two lines, so Sam starts on line 4.
    assert_eq!((ana.line, ok[1].line), (2, 4));
    assert_eq!(ok[1].emails, Vec::<String>::new());
}

#[test]
fn an_epic_style_tab_separated_roster_splits_full_names() {
    let file = "Provider Name\tProvider Type\tNPI Number\tSpecialty Code\tTier\tTags\n\
SMITH, JOHN A MD\tPhysician\t1003033051\t207rc0000x\tTier A\tcardiology; key | cardiology\n\
\"Ruiz, Ana\"\tNP\t1154584084\t\t2\t\n";
    let p = preview(file.as_bytes(), 5).expect("previews");
    assert_eq!(p.delimiter, Delimiter::Tab);
    assert_eq!(p.rows.len(), 2);
    let (ok, bad) = read_suggested(file.as_bytes());
    assert!(bad.is_empty(), "{bad:?}");
    let john = &ok[0];
    assert_eq!(
        (john.first_name.as_str(), john.middle_name.as_deref()),
        ("JOHN", Some("A"))
    );
    assert_eq!(
        (john.last_name.as_str(), john.credentials.as_deref()),
        ("SMITH", Some("MD"))
    );
    assert_eq!(john.kind, Some(StakeholderKind::Physician));
    assert_eq!(john.taxonomy_code.as_deref(), Some("207RC0000X"));
    assert_eq!(john.tier, Some(Tier::A));
    assert_eq!(john.tags, vec!["cardiology", "key"]);
    assert_eq!(ok[1].kind, Some(StakeholderKind::AdvancedPractice));
    assert_eq!(ok[1].tier, Some(Tier::B));
}

#[test]
fn a_hand_made_excel_file_with_semicolons_and_windows_1252() {
    let file = b"First Name;Last Name;E-Mail;Phone #;Mobile;Type;Preferred Contact\r\n\
Jos\xe9;M\xfcller;jose@example.org;503-555-0100;503 555 0199;Nurse;E-mail\r\n\
;;;;;;\r\n\
Ana;Ruiz;;;;RN;\r\n";
    let p = preview(&file[..], 10).expect("previews");
    assert_eq!(p.delimiter, Delimiter::Semicolon);
    assert_eq!(
        p.suggested,
        vec![
            Field::FirstName,
            Field::LastName,
            Field::Email,
            Field::Phone,
            Field::Ignore,
            Field::Kind,
            Field::PreferredChannel
        ]
    );
    assert_eq!(p.rows.len(), 2, "the blank row is not previewed");
    assert_eq!(p.rows[0][1], "Müller");
    // Both phone columns can feed the stakeholder's phones.
    let mut fields = p.suggested.clone();
    fields[4] = Field::Phone;
    let (ok, bad) = read_all(&file[..], &Mapping::new(fields).expect("valid"));
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(
        (ok[0].first_name.as_str(), ok[0].last_name.as_str()),
        ("José", "Müller")
    );
    assert_eq!(ok[0].phones, vec!["503-555-0100", "503 555 0199"]);
    assert_eq!(ok[0].kind, Some(StakeholderKind::ClinicalStaff));
    assert_eq!(ok[0].preferred_channel, Some(Channel::Email));
    assert_eq!(
        (ok[1].line, ok[1].kind),
        (4, Some(StakeholderKind::ClinicalStaff))
    );
}

#[test]
fn bad_values_name_their_line_and_column_and_the_rest_still_read() {
    let file = "First,Last,NPI,Email,Phone,Kind,Tier,Taxonomy,State,Zip,Channel\n\
Ana,Ruiz,1003033051,ana@x.org,503-555-0100,physician,A,207RC0000X,OR,97401,email\n\
Ana,Ruiz,1003033052,,,,,,,,\n\
Ana,Ruiz,,ana@,,,,,,,\n\
Ana,Ruiz,,,call me,,,,,,\n\
Ana,Ruiz,,,,wizard,,,,,\n\
Ana,Ruiz,,,,,D,,,,\n\
Ana,Ruiz,,,,,,cardiology,,,\n\
Ana,Ruiz,,,,,,,Oregano,,\n\
Ana,Ruiz,,,,,,,,K1A 0B6,\n\
Ana,Ruiz,,,,,,,,,pigeon\n\
Ana,,1154584084,,,,,,,,\n\
,Ruiz\n\
\"Ana\nMaria\",\"Ruiz\",\"1003033052\"\n\
Sam,Lee\n";
    let (ok, bad) = read_suggested(file.as_bytes());
    assert_eq!(ok.len(), 2, "{bad:?}");
    assert_eq!(ok[1].line, 16);
    assert_eq!(
        summary(&bad),
        vec![
            (3, Some("NPI")),
            (4, Some("Email")),
            (5, Some("Phone")),
            (6, Some("Kind")),
            (7, Some("Tier")),
            (8, Some("Taxonomy")),
            (9, Some("State")),
            (10, Some("Zip")),
            (11, Some("Channel")),
            (12, Some("Last")),
            (13, Some("First")),
            (14, Some("NPI")),
        ]
    );
    assert!(bad[0].reason.contains("1003033052") && bad[0].reason.contains("check digit"));
    assert_eq!(bad[9].reason, "no last name");
}

#[test]
fn full_names_fill_what_the_name_columns_leave_blank() {
    let file = "Name,First,Last\nAna Ruiz,,\n\"Lee, Sam\",Samuel,\nCher,,\n";
    let mapping =
        Mapping::new(vec![Field::FullName, Field::FirstName, Field::LastName]).expect("valid");
    let (ok, bad) = read_all(file.as_bytes(), &mapping);
    let names: Vec<(&str, &str)> = ok
        .iter()
        .map(|r| (r.first_name.as_str(), r.last_name.as_str()))
        .collect();
    assert_eq!(names, vec![("Ana", "Ruiz"), ("Samuel", "Lee")]);
    assert_eq!(summary(&bad), vec![(4, Some("Name"))]);
    assert!(bad[0].reason.contains("cannot tell"));
}

#[test]
fn ragged_rows_duplicate_headers_bom_and_crlf() {
    let file = b"\xef\xbb\xbfFirst,Last,Email,Email\r\nAna,Ruiz\r\nSam,Lee,sam@x.org,sam@y.org,extra,cells\r\n";
    let p = preview(&file[..], 10).expect("previews");
    assert_eq!(p.headers, vec!["First", "Last", "Email", "Email"]);
    assert_eq!(p.rows[0], vec!["Ana", "Ruiz", "", ""]);
    assert_eq!(p.rows[1].len(), 4);
    let mapping = Mapping::new(vec![
        Field::FirstName,
        Field::LastName,
        Field::Email,
        Field::Email,
    ])
    .expect("valid");
    let (ok, bad) = read_all(&file[..], &mapping);
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!((ok[0].first_name.as_str(), ok[0].emails.len()), ("Ana", 0));
    assert_eq!((ok[1].line, ok[1].emails.len()), (3, 2));
}

#[test]
fn the_natural_key_is_the_npi_then_the_first_email() {
    let row = |npi: Option<&str>, emails: &[&str]| StakeholderRow {
        npi: npi.map(str::to_string),
        emails: emails.iter().map(|e| e.to_string()).collect(),
        ..Default::default()
    };
    assert_eq!(
        row(Some("1003033051"), &["a@x.org"]).natural_key(),
        Some(Key::Npi("1003033051".into()))
    );
    assert_eq!(
        row(None, &["a@x.org", "b@x.org"]).natural_key(),
        Some(Key::Email("a@x.org".into()))
    );
    assert_eq!(row(None, &[]).natural_key(), None);
}

#[test]
fn empty_header_only_and_mismatched_files() {
    for empty in [&b""[..], b"\n\n", b"\r\n  \r\n", b"\xef\xbb\xbf", b",,,\n"] {
        assert_eq!(
            preview(empty, 5).err().as_deref(),
            Some("The file is empty."),
            "{empty:?}"
        );
    }
    let header_only = b"\n\nFirst,Last\n";
    let mapping = Mapping::new(vec![Field::FirstName, Field::LastName]).expect("valid");
    assert_eq!(open(&header_only[..], &mapping).expect("opens").count(), 0);
    let wider = Mapping::new(vec![Field::FullName, Field::Ignore, Field::Ignore]).expect("valid");
    assert!(
        open(&header_only[..], &wider)
            .err()
            .unwrap_or_default()
            .contains("map this file")
    );
}

#[test]
fn binary_files_are_refused_with_a_reason() {
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10";
    let nul = b"First,Last\0\nAna,Ruiz\n";
    let xlsx = b"PK\x03\x04\x14\0\x06\0";
    let utf16 = b"\xff\xfeF\0i\0r\0s\0t\0";
    for (bytes, says) in [
        (&png[..], "binary"),
        (&nul[..], "binary"),
        (&xlsx[..], "Excel"),
        (&utf16[..], "UTF-16"),
    ] {
        let why = preview(bytes, 5).err().unwrap_or_default();
        assert!(why.contains(says), "{why}");
    }
    // Past the first read, a NUL byte fails its row, not the file.
    let mut late = b"First,Last\n".to_vec();
    for _ in 0..1000 {
        late.extend(b"Ana,Ruiz\n");
    }
    late.extend(b"A\0na,Ruiz\nSam,Lee\n");
    let mapping = Mapping::new(vec![Field::FirstName, Field::LastName]).expect("valid");
    let (ok, bad) = read_all(&late, &mapping);
    assert_eq!(
        (ok.len(), summary(&bad)),
        (1001, vec![(1002, Some("First"))])
    );
}

/// A mapping that uses as many fields as the file has columns, a full name first.
fn every_field(width: usize) -> Mapping {
    let others = Field::ALL.iter().copied().filter(|f| *f != Field::FullName);
    let fields = std::iter::once(Field::FullName)
        .chain(others)
        .chain(std::iter::repeat(Field::Ignore))
        .take(width)
        .collect();
    Mapping::new(fields).expect("valid")
}

fn never_panics(bytes: &[u8]) {
    if let Ok(p) = preview(bytes, 3)
        && let Ok(reader) = open(bytes, &every_field(p.headers.len()))
    {
        for row in reader {
            if let Err(e) = row {
                assert!(e.line >= 1 || e.column.is_none());
            }
        }
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        never_panics(&bytes);
    }

    #[test]
    fn csv_like_text_never_panics(text in "[A-Za-z0-9 ,;|\t\"\r\n@.()#-]{0,300}") {
        never_panics(text.as_bytes());
    }
}
