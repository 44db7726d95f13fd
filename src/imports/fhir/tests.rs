use std::cell::Cell;
use std::io::{self, Read};

use chrono::NaiveDate;
use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;

macro_rules! fixture {
    ($name:literal) => {
        (
            $name,
            include_bytes!(concat!("../../../tests/fixtures/fhir/", $name)).as_slice(),
        )
    };
}

/// Every file in tests/fixtures/fhir, copied unchanged from the HL7 R4 examples.
const SAMPLES: [(&str, &[u8]); 9] = [
    fixture!("Practitioner-f001.json"),
    fixture!("Practitioner-f002.json"),
    fixture!("Practitioner-example.json"),
    fixture!("Organization-f001.json"),
    fixture!("Organization-f203.json"),
    fixture!("Organization-hl7.json"),
    fixture!("Location-1.json"),
    fixture!("Location-amb.json"),
    fixture!("PractitionerRole-example.json"),
];

struct Outcome {
    format: Format,
    ok: Vec<Entry>,
    bad: Vec<RowError>,
    skipped: u64,
}

fn read_capped(bytes: &[u8], max: u64) -> Outcome {
    let mut reader = open_capped(bytes, max).expect("opens");
    let (mut ok, mut bad) = (Vec::new(), Vec::new());
    for r in reader.by_ref() {
        match r {
            Ok(e) => ok.push(e),
            Err(e) => bad.push(e),
        }
    }
    Outcome {
        format: reader.format(),
        ok,
        bad,
        skipped: reader.skipped(),
    }
}

fn read(bytes: &[u8]) -> Outcome {
    read_capped(bytes, MAX_DOCUMENT_BYTES)
}

/// The one resource in `bytes`, which must read without errors.
fn one(bytes: &[u8]) -> Resource {
    let r = read(bytes);
    assert!(r.bad.is_empty(), "{:?}", r.bad);
    assert_eq!(r.ok.len(), 1);
    r.ok[0].resource.clone()
}

fn sample(name: &str) -> Resource {
    let (_, bytes) = SAMPLES.iter().find(|(n, _)| *n == name).expect("a sample");
    one(bytes)
}

fn compact(bytes: &[u8]) -> String {
    let v: Value = serde_json::from_slice(bytes).expect("JSON");
    v.to_string()
}

fn literal(kind: &str, id: &str) -> Reference {
    Reference::Literal {
        kind: kind.into(),
        id: id.into(),
    }
}

fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn errors(bad: &[RowError]) -> Vec<(u64, Option<&str>)> {
    bad.iter().map(|e| (e.line, e.column.as_deref())).collect()
}

#[test]
fn every_sample_file_reads_as_one_resource_of_its_type_and_id() {
    for (name, bytes) in SAMPLES {
        let r = read(bytes);
        assert_eq!(r.format, Format::Resource, "{name}");
        assert!(r.bad.is_empty(), "{name}: {:?}", r.bad);
        assert_eq!((r.ok.len(), r.skipped), (1, 0), "{name}");
        let (kind, id) = name
            .trim_end_matches(".json")
            .split_once('-')
            .expect("Type-id");
        assert_eq!(r.ok[0].resource.kind(), kind);
        assert_eq!(r.ok[0].resource.id(), Some(id));
        assert_eq!(r.ok[0].position, 1);
    }
}

#[test]
fn practitioner_f001_keeps_its_dutch_identifiers_official_name_and_work_contacts() {
    let Resource::Practitioner(p) = sample("Practitioner-f001.json") else {
        panic!("a practitioner")
    };
    assert_eq!(p.npi, None, "Dutch identifiers, no US NPI");
    let ids: Vec<(Option<&str>, &str)> = p
        .identifiers
        .iter()
        .map(|i| (i.system.as_deref(), i.value.as_str()))
        .collect();
    assert_eq!(
        ids,
        vec![
            (Some("urn:oid:2.16.528.1.1007.3.1"), "938273695"),
            (Some("urn:oid:2.16.840.1.113883.2.4.6.3"), "129IDH4OP733"),
        ]
    );
    assert_eq!(p.last_name, "van den broek");
    assert_eq!(p.first_name.as_deref(), Some("Eric"));
    assert_eq!((p.middle_name, p.prefix), (None, None));
    assert_eq!(p.suffix.as_deref(), Some("MD"));
    assert_eq!((p.credentials, p.active), (None, None));
    assert_eq!(p.emails, vec!["e.m.vandenbroek@bmc.nl"]);
    assert_eq!(p.phones, vec!["0205568263"], "the fax is not a phone");

    let Resource::Practitioner(voigt) = sample("Practitioner-f002.json") else {
        panic!("a practitioner")
    };
    assert_eq!(
        (voigt.last_name.as_str(), voigt.first_name.as_deref()),
        ("Voigt", Some("Pieter"))
    );
    assert_eq!(voigt.emails, vec!["p.voigt@bmc.nl"]);
    assert_eq!(voigt.identifiers[0].value, "730291637");
}

#[test]
fn practitioner_example_has_a_prefix_a_qualification_and_an_acme_identifier() {
    let Resource::Practitioner(p) = sample("Practitioner-example.json") else {
        panic!("a practitioner")
    };
    assert_eq!(p.id.as_deref(), Some("example"));
    assert_eq!(
        p.identifiers,
        vec![Identifier {
            system: Some("http://www.acme.org/practitioners".into()),
            value: "23".into()
        }]
    );
    assert_eq!(
        (
            p.prefix.as_deref(),
            p.first_name.as_deref(),
            p.last_name.as_str()
        ),
        (Some("Dr"), Some("Adam"), "Careful")
    );
    assert_eq!(p.credentials.as_deref(), Some("Bachelor of Science"));
    assert_eq!(p.active, Some(true));
    assert!(p.emails.is_empty() && p.phones.is_empty());
}

#[test]
fn the_role_example_points_at_its_practitioner_organization_and_location() {
    let Resource::Role(r) = sample("PractitionerRole-example.json") else {
        panic!("a role")
    };
    assert_eq!(r.practitioner, Some(literal("Practitioner", "example")));
    assert_eq!(r.organization, Some(literal("Organization", "f001")));
    assert_eq!(r.locations, vec![literal("Location", "1")]);
    assert_eq!(r.role.as_deref(), Some("RP"), "a code without a display");
    assert_eq!(r.taxonomy, None, "SNOMED, not NUCC");
    assert_eq!(r.specialty.as_deref(), Some("General medical practice"));
    assert_eq!((r.start, r.end), (day(2012, 1, 1), day(2012, 3, 31)));
    assert_eq!(r.active, Some(true));
}

#[test]
fn organizations_keep_type_address_and_phone_and_no_sample_has_a_part_of() {
    let Resource::Organization(bumc) = sample("Organization-f001.json") else {
        panic!("an organization")
    };
    assert_eq!(bumc.name, "Burgers University Medical Center");
    assert_eq!(bumc.part_of, None);
    assert_eq!(bumc.npi, None);
    assert_eq!(bumc.identifiers.len(), 2);
    assert_eq!(bumc.identifiers[1].value, "17-0112278");
    assert_eq!(
        (bumc.type_code.as_deref(), bumc.type_text.as_deref()),
        (Some("V6"), Some("University Medical Hospital"))
    );
    assert_eq!(bumc.active, None);
    assert_eq!(
        bumc.address,
        Some(Address {
            line: Some("Galapagosweg 91".into()),
            city: Some("Den Burg".into()),
            state: None,
            postal_code: Some("9105 PZ".into()),
            country: Some("NLD".into()),
        }),
        "the first of two addresses; a Dutch postcode is kept as written"
    );
    assert_eq!(bumc.phone.as_deref(), Some("022-655 2300"));

    let Resource::Organization(blijdorp) = sample("Organization-f203.json") else {
        panic!("an organization")
    };
    assert_eq!(blijdorp.active, Some(true));
    assert_eq!(blijdorp.type_code.as_deref(), Some("405608006"));
    assert_eq!(
        blijdorp.type_text.as_deref(),
        Some("Academic Medical Center")
    );
    assert_eq!(blijdorp.identifiers[0].value, "Blijdorp MC");

    let Resource::Organization(hl7) = sample("Organization-hl7.json") else {
        panic!("an organization")
    };
    assert_eq!(hl7.name, "Health Level Seven International");
    assert_eq!((hl7.type_code, hl7.type_text), (None, None));
    let address = hl7.address.expect("an address");
    assert_eq!(
        (address.state.as_deref(), address.postal_code.as_deref()),
        (Some("MI"), Some("48104"))
    );
    assert_eq!(hl7.phone.as_deref(), Some("(+1) 734-677-7777"));
}

#[test]
fn locations_keep_their_managing_organization_and_ignore_a_junk_email() {
    let Resource::Location(wing) = sample("Location-1.json") else {
        panic!("a location")
    };
    assert_eq!(
        wing.managing_organization,
        Some(literal("Organization", "f001"))
    );
    assert_eq!(wing.name.as_deref(), Some("South Wing, second floor"));
    assert_eq!(wing.status, Some(LocationStatus::Active));
    let address = wing.address.expect("a single address object");
    assert_eq!(address.line.as_deref(), Some("Galapagosweg 91, Building A"));
    assert_eq!(wing.phone.as_deref(), Some("2328"));
    assert_eq!(wing.type_text, None);

    let Resource::Location(ambulance) = sample("Location-amb.json") else {
        panic!("a location")
    };
    assert_eq!(ambulance.type_text.as_deref(), Some("Ambulance"));
    assert_eq!(
        (ambulance.address, ambulance.phone.as_deref()),
        (None, Some("2329"))
    );
    assert_eq!(
        ambulance.managing_organization,
        Some(literal("Organization", "f001"))
    );
}

#[test]
fn a_bundle_of_the_samples_reads_every_entry_and_resolves_urn_uuid_references() {
    let parent = "urn:uuid:5c1e6f2a-0b8d-4c55-9f51-3d0c2f7a9e10";
    let mut entries: Vec<Value> = SAMPLES
        .iter()
        .map(|(name, bytes)| {
            let r: Value = serde_json::from_slice(bytes).expect("JSON");
            let url = format!(
                "http://example.org/fhir/{}",
                name.trim_end_matches(".json").replacen('-', "/", 1)
            );
            json!({"fullUrl": url, "resource": r})
        })
        .collect();
    entries.extend([
        json!({"fullUrl": parent, "resource": {"resourceType": "Organization", "id": "parent", "name": "Parent Health"}}),
        json!({"fullUrl": "urn:uuid:annex", "resource": {"resourceType": "Location", "name": "Annex",
            "managingOrganization": {"reference": parent}}}),
        json!({"resource": {"resourceType": "Organization", "name": "Child Clinic", "partOf": {"reference": parent}}}),
        json!({"resource": {"resourceType": "Patient", "id": "p1"}}),
        json!({"request": {"method": "DELETE", "url": "Practitioner/old"}}),
    ]);
    let bundle = json!({"resourceType": "Bundle", "type": "collection", "entry": entries});
    let pretty = serde_json::to_vec_pretty(&bundle).expect("JSON");
    for bytes in [pretty, bundle.to_string().into_bytes()] {
        let r = read(&bytes);
        assert_eq!(r.format, Format::Bundle);
        assert_eq!(errors(&r.bad), vec![(14, Some("resource"))]);
        assert_eq!(r.skipped, 1);
        let positions: Vec<u64> = r.ok.iter().map(|e| e.position).collect();
        assert_eq!(positions, (1..=12).collect::<Vec<u64>>());
        assert_eq!(
            r.ok[0].full_url.as_deref(),
            Some("http://example.org/fhir/Practitioner/f001")
        );
        assert_eq!(r.ok[8].resource, sample("PractitionerRole-example.json"));
        let Resource::Location(annex) = &r.ok[10].resource else {
            panic!("the annex")
        };
        assert_eq!(
            annex.managing_organization,
            Some(literal("Organization", "parent"))
        );
        assert_eq!(r.ok[10].full_url.as_deref(), Some("urn:uuid:annex"));
        let Resource::Organization(child) = &r.ok[11].resource else {
            panic!("the child")
        };
        assert_eq!(child.part_of, Some(literal("Organization", "parent")));
    }
    let by_hand = format!(
        "{{\"resourceType\": \"Bundle\", \"entry\": [\n{{\"resource\": {}}},\n{{\"resource\": {}}}\n]}}\n",
        compact(SAMPLES[0].1),
        compact(SAMPLES[6].1)
    );
    let r = read(by_hand.as_bytes());
    assert!(r.bad.is_empty(), "{:?}", r.bad);
    assert_eq!(
        (r.format, r.ok.len()),
        (Format::Bundle, 2),
        "one entry a line"
    );
    let empty = read(br#"{"resourceType": "Bundle", "type": "searchset", "total": 0}"#);
    assert_eq!((empty.format, empty.ok.len()), (Format::Bundle, 0));
}

fn ndjson_of_samples() -> String {
    let line = |name: &str| {
        let (_, bytes) = SAMPLES.iter().find(|(n, _)| *n == name).expect("a sample");
        compact(bytes)
    };
    [
        line("Practitioner-f001.json"),
        line("Organization-f001.json"),
        r#"{"resourceType": "Practitioner", "id": "cut", "name": [{"fam"#.into(),
        String::new(),
        line("PractitionerRole-example.json"),
        r#"{"resourceType": "Patient", "id": "p1"}"#.into(),
        line("Location-1.json"),
    ]
    .join("\r\n")
}

#[test]
fn ndjson_reads_on_past_a_broken_line_and_a_blank_line() {
    let r = read(ndjson_of_samples().as_bytes());
    assert_eq!(r.format, Format::Ndjson);
    let positions: Vec<u64> = r.ok.iter().map(|e| e.position).collect();
    assert_eq!(positions, vec![1, 2, 5, 7]);
    assert_eq!(errors(&r.bad), vec![(3, None)]);
    assert!(r.bad[0].reason.contains("not valid JSON"), "{:?}", r.bad);
    assert_eq!(r.skipped, 1);
    assert_eq!(r.ok[2].resource, sample("PractitionerRole-example.json"));
    assert_eq!(r.ok[3].resource, sample("Location-1.json"));
}

#[test]
fn ndjson_whose_first_line_is_broken_still_reads_the_rest() {
    let rest = ndjson_of_samples();
    for first in [r#"{"resourceType": "Practitioner", "id": "#, "{oops}"] {
        let r = read(format!("{first}\n\n{rest}\n").as_bytes());
        assert_eq!(r.format, Format::Ndjson, "{first}");
        assert_eq!(errors(&r.bad), vec![(1, None), (5, None)], "{first}");
        let positions: Vec<u64> = r.ok.iter().map(|e| e.position).collect();
        assert_eq!(positions, vec![3, 4, 7, 9]);
    }
}

/// Counts what is read from it, then fails: the end of a dropped connection.
struct Stream<'a> {
    bytes: &'a [u8],
    taken: &'a Cell<usize>,
}

impl Read for Stream<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.bytes.is_empty() {
            return Err(io::Error::other("connection reset"));
        }
        let n = self.bytes.read(buf)?;
        self.taken.set(self.taken.get() + n);
        Ok(n)
    }
}

#[test]
fn ndjson_streams_and_a_read_failure_ends_it_with_the_line() {
    let line = compact(SAMPLES[0].1);
    let file = format!("{line}\n").repeat(2000);
    let taken = Cell::new(0);
    let mut reader = open(Stream {
        bytes: file.as_bytes(),
        taken: &taken,
    })
    .expect("opens");
    assert!(matches!(reader.next(), Some(Ok(_))));
    assert!(
        taken.get() <= 16 * 1024,
        "read {} of {} bytes for the first resource",
        taken.get(),
        file.len()
    );
    let rest: Vec<_> = reader.collect();
    assert_eq!(rest.len(), 2000);
    let last = rest
        .last()
        .and_then(|r| r.as_ref().err())
        .expect("an error");
    assert_eq!(last.line, 2001);
    assert!(last.reason.contains("connection reset"));
}

#[test]
fn a_bom_and_windows_1252_names_are_read() {
    let mut with_bom = b"\xef\xbb\xbf".to_vec();
    with_bom.extend_from_slice(SAMPLES[0].1);
    assert_eq!(one(&with_bom), sample("Practitioner-f001.json"));

    let munoz: &[u8] =
        b"{\"resourceType\":\"Practitioner\",\"name\":[{\"family\":\"Mu\xf1oz\",\"given\":[\"Jos\xe9\"]}]}";
    let Resource::Practitioner(p) = one(munoz) else {
        panic!("a practitioner")
    };
    assert_eq!(
        (p.last_name.as_str(), p.first_name.as_deref()),
        ("Muñoz", Some("José"))
    );

    let mut ndjson = b"\xef\xbb\xbf".to_vec();
    ndjson.extend_from_slice(compact(SAMPLES[3].1).as_bytes());
    ndjson.extend_from_slice(b"\n");
    ndjson.extend_from_slice(munoz);
    ndjson.extend_from_slice(b"\n\xef\xbb\xbf");
    ndjson.extend_from_slice(compact(SAMPLES[4].1).as_bytes());
    let r = read(&ndjson);
    assert!(r.bad.is_empty(), "{:?}", r.bad);
    assert_eq!(r.format, Format::Ndjson);
    let positions: Vec<u64> = r.ok.iter().map(|e| e.position).collect();
    assert_eq!(
        positions,
        vec![1, 2, 3],
        "a BOM where two files were joined"
    );

    let mixed = [
        "{\n \"resourceType\": \"Practitioner\",\n \"name\": [{\"family\": \"Muñoz\",\n".as_bytes(),
        b" \"given\": [\"Jos\xe9\"]}]}\n",
    ]
    .concat();
    let Resource::Practitioner(p) = one(&mixed) else {
        panic!("a practitioner")
    };
    assert_eq!(
        (p.last_name.as_str(), p.first_name.as_deref()),
        ("Muñoz", Some("José")),
        "UTF-8 on one line, Windows-1252 on another"
    );
}

#[test]
fn empty_files_and_files_that_are_not_fhir_json_are_refused_with_a_reason() {
    let refused = |bytes: &[u8]| open(bytes).err().unwrap_or_default();
    for empty in [&b""[..], b"\n \r\n\t", b"\xef\xbb\xbf", b"\xef\xbb\xbf\n"] {
        assert_eq!(refused(empty), "The file is empty.");
    }
    let csv = refused(b"from_npi,to_npi\n1003033051,1154584084\n");
    assert!(csv.contains("not FHIR JSON"), "{csv}");
    let png = refused(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01");
    assert!(png.contains("not FHIR JSON"), "{png}");
    assert!(refused(b"<Practitioner xmlns=\"http://hl7.org/fhir\"/>").contains("XML"));
    assert!(refused(br#"[{"resourceType": "Practitioner"}]"#).contains("JSON list"));
    for broken in [
        &b"{\n  \"resourceType\": \"Practitioner\",\n  \"name\": [\n"[..],
        b"{not json}",
        b"{\"resourceType\": \"Practitioner\"} trailing",
    ] {
        assert!(
            refused(broken).contains("not valid JSON"),
            "{}",
            refused(broken)
        );
    }
    assert!(refused(br#"{"resourceType": "Bundle", "entry": {}}"#).contains("not a list"));
}

#[test]
fn other_resource_types_are_skipped_and_counted_not_failed() {
    let mut reader = open(&br#"{"resourceType": "Patient", "id": "p1"}"#[..]).expect("opens");
    assert!(reader.next().is_none());
    assert_eq!(reader.skipped(), 1);
    let ndjson = "{\"resourceType\":\"Patient\"}\n{\"resourceType\":\"Observation\"}\n{\"resourceType\":\"Patient\"}\n";
    let mut reader = open(ndjson.as_bytes()).expect("opens");
    assert_eq!(reader.by_ref().count(), 0);
    let types: Vec<(&str, u64)> = reader
        .skipped_types()
        .iter()
        .map(|(k, n)| (k.as_str(), *n))
        .collect();
    assert_eq!(types, vec![("Observation", 1), ("Patient", 2)]);
}

#[test]
fn references_by_identifier_url_contained_id_and_display() {
    let role = json!({
        "resourceType": "PractitionerRole", "id": "r1",
        "practitioner": {"identifier": {"system": NPI_SYSTEM, "value": "1234567893"}},
        "organization": {"reference": "https://fhir.example.org/r4/Organization/abc/_history/3"},
        "location": [{"reference": "#loc1"}, {"display": "Main campus"},
            {"reference": "urn:uuid:0d6b8c9e"}, {"reference": "Location/2"}],
        "specialty": [{"coding": [
            {"system": "http://snomed.info/sct", "code": "419772000", "display": "Family practice"},
            {"system": NUCC_SYSTEM, "code": "207q00000x", "display": "Family Medicine"}]}]
    });
    let Resource::Role(r) = one(role.to_string().as_bytes()) else {
        panic!("a role")
    };
    assert_eq!(
        r.practitioner,
        Some(Reference::Identifier {
            system: Some(NPI_SYSTEM.into()),
            value: "1234567893".into()
        })
    );
    assert_eq!(r.organization, Some(literal("Organization", "abc")));
    assert_eq!(
        r.locations,
        vec![
            Reference::Url("#loc1".into()),
            Reference::Url("urn:uuid:0d6b8c9e".into()),
            literal("Location", "2"),
        ]
    );
    assert_eq!(r.taxonomy.as_deref(), Some("207Q00000X"));
    assert_eq!(r.specialty.as_deref(), Some("Family Medicine"));
    assert_eq!(
        Reference::parse("organization/1"),
        Reference::Url("organization/1".into())
    );
    assert_eq!(
        Reference::parse("a/Organization/1"),
        Reference::Url("a/Organization/1".into())
    );
    assert_eq!(
        Reference::parse("http://x.org/fhir/Practitioner/p-1.2"),
        literal("Practitioner", "p-1.2")
    );
}

#[test]
fn partial_dates_and_date_times_become_days() {
    let role =
        |period: Value| json!({"resourceType": "PractitionerRole", "period": period}).to_string();
    let Resource::Role(r) = one(role(json!({"start": "2012", "end": "2013-06"})).as_bytes()) else {
        panic!("a role")
    };
    assert_eq!((r.start, r.end), (day(2012, 1, 1), day(2013, 6, 1)));
    let Resource::Role(r) = one(role(json!({"start": "2014-02-03T10:00:00+01:00"})).as_bytes())
    else {
        panic!("a role")
    };
    assert_eq!((r.start, r.end), (day(2014, 2, 3), None));
    for bad in [
        "2012-13",
        "2012-02-30",
        "12",
        "2012-1",
        "January 2012",
        "+2012",
    ] {
        assert_eq!(parse_date(bad), None, "{bad}");
    }
    let ndjson = [
        role(json!({"start": "January 2012"})),
        role(json!({"start": "2012-03", "end": "2012-02-28"})),
    ]
    .join("\n");
    let r = read(ndjson.as_bytes());
    assert_eq!(
        errors(&r.bad),
        vec![(1, Some("period.start")), (2, Some("period"))]
    );
}

#[test]
fn names_given_only_as_text_are_split_and_the_official_name_wins() {
    let practitioner = |name: Value| {
        let Resource::Practitioner(p) = one(json!({"resourceType": "Practitioner", "name": name})
            .to_string()
            .as_bytes())
        else {
            panic!("a practitioner")
        };
        p
    };
    let p = practitioner(json!([{"text": "Careful, Adam B."}]));
    assert_eq!(
        (
            p.last_name.as_str(),
            p.first_name.as_deref(),
            p.middle_name.as_deref()
        ),
        ("Careful", Some("Adam"), Some("B."))
    );
    let p = practitioner(json!({"text": "Adam Careful"}));
    assert_eq!(
        (p.last_name.as_str(), p.first_name.as_deref()),
        ("Careful", Some("Adam"))
    );
    let p = practitioner(json!([
        {"use": "usual", "family": "Smith"},
        {"use": "official", "family": "Careful", "given": ["Adam", "B", "C"], "suffix": ["Jr", "MD"]}
    ]));
    assert_eq!(p.last_name, "Careful");
    assert_eq!(p.middle_name.as_deref(), Some("B C"));
    assert_eq!(p.suffix.as_deref(), Some("Jr MD"));
}

#[test]
fn bad_values_name_their_json_field_and_the_rest_still_read() {
    let long = "x".repeat(MAX_TEXT + 1);
    let lines = [
        json!({"resourceType": "Practitioner", "name": [{"family": "A"}],
            "identifier": [{"system": NPI_SYSTEM, "value": "1234567890"}]}),
        json!({"resourceType": "Practitioner", "name": [{"given": ["Adam"]}]}),
        json!({"resourceType": "Practitioner", "name": [{"family": long}]}),
        json!({"resourceType": "Practitioner", "name": [{"family": 42}]}),
        json!({"resourceType": "Practitioner", "name": [{"family": "A"}],
            "telecom": [{"system": "email", "value": "second wing admissions"}]}),
        json!({"resourceType": "Organization", "alias": ["No Name"]}),
        json!({"resourceType": "Organization", "id": "bad id!", "name": "X"}),
        json!({"resourceType": "Location", "status": "open"}),
        json!({"resourceType": "PractitionerRole", "organization": {"reference": "Location/1"}}),
        json!({"resourceType": "PractitionerRole",
            "specialty": [{"coding": [{"system": NUCC_SYSTEM, "code": "207Q"}]}]}),
        json!({"resourceType": "Practitioner", "name": [{"family": "A"}], "active": "yes"}),
        json!({"id": "no-type"}),
        json!([1, 2]),
        json!({"resourceType": "Practitioner", "name": [{"family": "A"}], "identifier": [
            {"system": NPI_SYSTEM, "value": "1234567893"}, {"system": NPI_SYSTEM, "value": "1245319599"}]}),
        json!({"resourceType": "Practitioner", "name": [{"family": "A"}],
            "identifier": [{"system": NPI_SYSTEM, "value": " 1234567893 "}]}),
    ];
    let ndjson: Vec<String> = lines.iter().map(Value::to_string).collect();
    let r = read(ndjson.join("\n").as_bytes());
    assert_eq!(
        errors(&r.bad),
        vec![
            (1, Some("identifier")),
            (2, Some("name")),
            (3, Some("name.family")),
            (4, Some("name.family")),
            (5, Some("telecom")),
            (6, Some("name")),
            (7, Some("id")),
            (8, Some("status")),
            (9, Some("organization")),
            (10, Some("specialty")),
            (11, Some("active")),
            (12, Some("resourceType")),
            (13, None),
            (14, Some("identifier")),
        ]
    );
    assert!(r.bad[0].reason.contains("1234567890"));
    let Resource::Practitioner(p) = &r.ok[0].resource else {
        panic!("a practitioner")
    };
    assert_eq!(
        (r.ok[0].position, p.npi.as_deref()),
        (15, Some("1234567893"))
    );
}

#[test]
fn documents_over_the_cap_are_refused_and_long_ndjson_lines_fail_alone() {
    let pretty = SAMPLES[3].1;
    let too_big = open_capped(pretty, 1024).err().unwrap_or_default();
    assert!(too_big.contains("NDJSON"), "{too_big}");
    let one_line = compact(pretty);
    assert!(open_capped(one_line.as_bytes(), 1024).is_err());
    let short = r#"{"resourceType":"Organization","name":"A"}"#;
    let ndjson = format!("{short}\n{one_line}\n{short}\n");
    let r = read_capped(ndjson.as_bytes(), 1024);
    assert_eq!(errors(&r.bad), vec![(2, None)]);
    assert!(r.bad[0].reason.contains("longer than"));
    let positions: Vec<u64> = r.ok.iter().map(|e| e.position).collect();
    assert_eq!(positions, vec![1, 3]);
}

/// Any JSON, leaning on the keys and values FHIR uses.
fn json_value() -> impl Strategy<Value = Value> {
    let text = prop_oneof![
        proptest::collection::vec(any::<char>(), 0..12).prop_map(String::from_iter),
        prop::sample::select(vec![
            "Organization/1",
            "Location/x",
            "urn:uuid:1",
            "2012",
            "2012-02-30",
            "1234567893",
            NPI_SYSTEM,
            NUCC_SYSTEM,
            "official",
            "email",
            "phone",
            "active",
            " ",
        ])
        .prop_map(str::to_string),
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        text.prop_map(Value::String),
    ];
    let keys = prop::sample::select(vec![
        "reference",
        "identifier",
        "system",
        "value",
        "family",
        "given",
        "text",
        "coding",
        "code",
        "display",
        "start",
        "end",
        "line",
        "postalCode",
        "use",
        "resource",
        "fullUrl",
    ]);
    leaf.prop_recursive(3, 24, 4, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((keys.clone(), inner), 0..4).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
        ]
    })
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic_the_reader(
        prefix in prop::sample::select(vec!["", "{", "\u{feff}{\"resourceType\":\"Bundle\",\"entry\":[", "{}\n{", "{\n"]),
        bytes in proptest::collection::vec(any::<u8>(), 0..600),
    ) {
        let mut input = prefix.as_bytes().to_vec();
        input.extend(bytes);
        if let Ok(reader) = open_capped(&input[..], 4096) {
            for _ in reader.take(1000) {}
        }
    }

    #[test]
    fn arbitrary_values_in_known_fields_never_panic_the_reader(
        kind in prop::sample::select(vec!["Practitioner", "Organization", "Location", "PractitionerRole"]),
        field in prop::sample::select(vec![
            "id", "name", "identifier", "telecom", "qualification", "type", "address", "partOf",
            "managingOrganization", "practitioner", "organization", "location", "code",
            "specialty", "period", "active", "status",
        ]),
        value in json_value(),
        entry in json_value(),
    ) {
        let resource = json!({"resourceType": kind, "name": [{"family": "A"}], field: value});
        let bundle = json!({"resourceType": "Bundle", "entry": [{"resource": resource}, entry]});
        for doc in [resource.to_string(), bundle.to_string(), format!("{resource}\n{bundle}")] {
            let reader = open(doc.as_bytes()).expect("opens");
            for _ in reader {}
        }
    }
}
