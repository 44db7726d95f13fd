//! Which stakeholder field each column holds: the fields, the mapping a user confirms, and a
//! suggestion read from the header names of exports from other systems.

use serde::{Deserialize, Serialize};

/// A stakeholder field a column can map to, or `Ignore`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    FirstName,
    MiddleName,
    LastName,
    /// "Last, First Middle" or "Dr. First Middle Last Jr., MD", split on import.
    FullName,
    Prefix,
    Suffix,
    Credentials,
    Npi,
    Email,
    Phone,
    Kind,
    TaxonomyCode,
    /// Split on `;`, `,` and `|`.
    Tags,
    Tier,
    PreferredChannel,
    OrganizationName,
    AddressLine,
    City,
    State,
    PostalCode,
    Ignore,
}

impl Field {
    /// In the order a mapping screen lists them.
    pub const ALL: &'static [Field] = &[
        Field::FirstName,
        Field::MiddleName,
        Field::LastName,
        Field::FullName,
        Field::Prefix,
        Field::Suffix,
        Field::Credentials,
        Field::Npi,
        Field::Email,
        Field::Phone,
        Field::Kind,
        Field::TaxonomyCode,
        Field::Tags,
        Field::Tier,
        Field::PreferredChannel,
        Field::OrganizationName,
        Field::AddressLine,
        Field::City,
        Field::State,
        Field::PostalCode,
        Field::Ignore,
    ];

    /// The stable key stored in a saved mapping and sent by the mapping form.
    pub fn key(self) -> &'static str {
        self.describe().0
    }

    /// What the mapping screen shows.
    pub fn label(self) -> &'static str {
        self.describe().1
    }

    fn describe(self) -> (&'static str, &'static str) {
        match self {
            Field::FirstName => ("first_name", "First name"),
            Field::MiddleName => ("middle_name", "Middle name"),
            Field::LastName => ("last_name", "Last name"),
            Field::FullName => ("full_name", "Full name (split into first and last)"),
            Field::Prefix => ("prefix", "Prefix (Dr., Ms.)"),
            Field::Suffix => ("suffix", "Suffix (Jr., III)"),
            Field::Credentials => ("credentials", "Credentials (MD, RN)"),
            Field::Npi => ("npi", "NPI"),
            Field::Email => ("email", "Email"),
            Field::Phone => ("phone", "Phone"),
            Field::Kind => ("kind", "Kind (physician, NP, nurse…)"),
            Field::TaxonomyCode => ("taxonomy_code", "Specialty (taxonomy code)"),
            Field::Tags => ("tags", "Tags"),
            Field::Tier => ("tier", "Tier (A, B, C)"),
            Field::PreferredChannel => ("preferred_channel", "Preferred channel"),
            Field::OrganizationName => ("organization_name", "Organization"),
            Field::AddressLine => ("address_line", "Address"),
            Field::City => ("city", "City"),
            Field::State => ("state", "State"),
            Field::PostalCode => ("postal_code", "ZIP code"),
            Field::Ignore => ("ignore", "Don't import"),
        }
    }

    pub fn parse(key: &str) -> Option<Field> {
        let key = key.trim();
        Field::ALL
            .iter()
            .copied()
            .find(|f| f.key().eq_ignore_ascii_case(key))
    }

    /// Fields several columns may feed: their values are collected in column order.
    pub fn allows_many(self) -> bool {
        matches!(
            self,
            Field::Email | Field::Phone | Field::Tags | Field::Ignore
        )
    }
}

/// One field per column of the file, checked so that every row can yield a name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Mapping {
    fields: Vec<Field>,
}

impl Mapping {
    /// Needs a full name column, or both a first and a last name column; a field other than
    /// email, phone, tags and ignore may be mapped once.
    pub fn new(fields: Vec<Field>) -> Result<Mapping, String> {
        for (i, f) in fields.iter().enumerate() {
            if let Some(j) = fields[..i].iter().position(|g| g == f)
                && !f.allows_many()
            {
                return Err(format!(
                    "“{}” is mapped to columns {} and {}; keep one.",
                    f.label(),
                    j + 1,
                    i + 1
                ));
            }
        }
        let has = |f: Field| fields.contains(&f);
        let named = has(Field::FullName) || (has(Field::FirstName) && has(Field::LastName));
        if !named {
            return Err(
                "Map a column to the last name and one to the first name, or one to the full name."
                    .into(),
            );
        }
        Ok(Mapping { fields })
    }

    /// From the keys a mapping form sends, one per column.
    pub fn from_keys<S: AsRef<str>>(keys: &[S]) -> Result<Mapping, String> {
        let fields = keys
            .iter()
            .map(|k| {
                Field::parse(k.as_ref())
                    .ok_or_else(|| format!("“{}” is not a stakeholder field.", k.as_ref()))
            })
            .collect::<Result<_, _>>()?;
        Mapping::new(fields)
    }

    pub fn fields(&self) -> &[Field] {
        &self.fields
    }
}

/// Header words in their compact form (lower-case letters and digits only), per field.
/// "Title" is left out on purpose: Salesforce's Title is a job title ("Chief Medical
/// Officer"), elsewhere it is "Dr."; the user decides.
const SYNONYMS: &[(Field, &str)] = &[
    (
        Field::FirstName,
        "first firstname fname firstnm given givenname forename",
    ),
    (
        Field::MiddleName,
        "middle middlename mname mi middleinitial",
    ),
    (
        Field::LastName,
        "last lastname lname lastnm surname family familyname",
    ),
    (Field::FullName, "name fullname displayname"),
    (Field::Prefix, "prefix nameprefix salutation honorific"),
    (Field::Suffix, "suffix namesuffix generation"),
    (
        Field::Credentials,
        "credential credentials degree degrees designation \
        designations cliniciantitle professionaltitle",
    ),
    (
        Field::Npi,
        "npi nationalproviderid nationalprovideridentifier typenpi",
    ),
    (
        Field::Email,
        "email emails emailaddress emailaddr electronicmail",
    ),
    (
        Field::Phone,
        "phone phones telephone tel mobile mobilephone cell \
        cellphone cellular directline contactnumber",
    ),
    (
        Field::Kind,
        "kind type category providertype cliniciantype \
        practitionertype stakeholderkind stakeholdertype persontype providercategory",
    ),
    (
        Field::TaxonomyCode,
        "taxonomy taxonomycode specialtycode specialitycode \
        healthcareprovidertaxonomycode nucccode",
    ),
    (
        Field::Tags,
        "tag tags label labels keywords segment segments",
    ),
    (Field::Tier, "tier tierlevel priority prioritytier"),
    (
        Field::PreferredChannel,
        "channel preferredchannel contactmethod \
        preferredcontact contactpreference communicationpreference \
        preferredcommunication",
    ),
    (
        Field::OrganizationName,
        "organization organisation organizationname \
        organisationname org orgname practicename group groupname \
        grouppractice medicalgroup company companyname employer accountname \
        businessname officename locationname clinicname hospital hospitalname \
        healthsystem",
    ),
    (
        Field::AddressLine,
        "address addressline addr street streetaddress line",
    ),
    (Field::City, "city town locality"),
    (
        Field::State,
        "state province stateprovince stateabbr stateabbreviation",
    ),
    (
        Field::PostalCode,
        "zip zipcode postal postalcode postcode zippostal \
        zippostalcode",
    ),
];

/// Words that qualify a header without changing its field ("Provider First Name",
/// "MailingPostalCode", "Phone Number").
const PREFIXES: &str = "provider prov practitioner physician clinician doctor contact \
    personal person individual stakeholder legal primary preferred mailing business practice \
    location office work home main address";
const SUFFIXES: &str = "number num nbr no text name code address";

/// Whether `word` is one of the space-separated `words`.
pub(super) fn listed(words: &str, word: &str) -> bool {
    words.split_whitespace().any(|w| w == word)
}

/// Lower-case letters and digits only: "E-mail" and "Phone #" become "email" and "phone".
pub(super) fn compact(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The forms a header is looked up by, most literal first: as written, without its
/// parenthesized remark, then without qualifying words and trailing numbers.
fn candidates(header: &str) -> Vec<String> {
    let no_digits = |s: &str| s.trim_end_matches(|c: char| c.is_ascii_digit()).to_string();
    let without_remark = compact(header.split('(').next().unwrap_or(header));
    let mut out = vec![compact(header), without_remark.clone()];
    let mut stem = without_remark;
    while let Some(rest) = strip(&stem, PREFIXES, true) {
        stem = rest;
        out.push(stem.clone());
    }
    for form in out.clone() {
        let mut s = no_digits(&form);
        out.push(s.clone());
        while let Some(rest) = strip(&s, SUFFIXES, false) {
            s = no_digits(&rest);
            out.push(s.clone());
        }
    }
    out
}

/// `s` without one of the space-separated `words` at its start (or end), if anything remains.
fn strip(s: &str, words: &str, at_start: bool) -> Option<String> {
    words.split_whitespace().find_map(|w| {
        let rest = if at_start {
            s.strip_prefix(w)
        } else {
            s.strip_suffix(w)
        };
        rest.filter(|r| !r.is_empty()).map(str::to_string)
    })
}

/// Words that count only as the whole header: "Type" is a kind, "Address Type" is not.
const WHOLE_ONLY: &str = "type category";

fn field_for(header: &str) -> Field {
    candidates(header)
        .iter()
        .enumerate()
        .filter(|(n, c)| *n < 2 || !listed(WHOLE_ONLY, c))
        .find_map(|(_, c)| {
            SYNONYMS
                .iter()
                .find(|(_, words)| listed(words, c))
                .map(|(f, _)| *f)
        })
        .unwrap_or(Field::Ignore)
}

/// A field per column from the header names; a field goes to the first column that
/// matches it, later ones are ignored.
pub fn suggest(headers: &[String]) -> Vec<Field> {
    let mut taken = Vec::new();
    headers
        .iter()
        .map(|h| match field_for(h) {
            f if f == Field::Ignore || taken.contains(&f) => Field::Ignore,
            f => {
                taken.push(f);
                f
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Field::*;

    fn suggested(line: &str, sep: char) -> Vec<Field> {
        let headers: Vec<String> = line.split(sep).map(str::to_string).collect();
        suggest(&headers)
    }

    #[test]
    fn a_salesforce_contact_export_maps_its_api_names() {
        let line = "Id,AccountId,LastName,FirstName,Salutation,Name,OtherStreet,OtherCity,MailingStreet,MailingCity,MailingState,MailingPostalCode,Phone,MobilePhone,Email,Title,Department,Account.Name,HasOptedOutOfEmail";
        assert_eq!(
            suggested(line, ','),
            vec![
                Ignore,
                Ignore,
                LastName,
                FirstName,
                Prefix,
                FullName,
                Ignore,
                Ignore,
                AddressLine,
                City,
                State,
                PostalCode,
                Phone,
                Ignore,
                Email,
                Ignore,
                Ignore,
                OrganizationName,
                Ignore
            ]
        );
    }

    #[test]
    fn a_salesforce_report_maps_its_labels() {
        let line = "First Name,Last Name,Title,Account Name,Mailing Street,Mailing State/Province,Mailing Zip/Postal Code,Email,Mobile";
        assert_eq!(
            suggested(line, ','),
            vec![
                FirstName,
                LastName,
                Ignore,
                OrganizationName,
                AddressLine,
                State,
                PostalCode,
                Email,
                Phone
            ]
        );
    }

    #[test]
    fn an_epic_style_provider_roster_maps_names_npi_and_type() {
        let line = "Provider ID|Provider Name|Provider Type|NPI Number|Primary Specialty|Specialty Code|Clinician Title|Office Phone #|E-mail|Practice Name|Address Line 1|Address Line 2|City|State|ZIP Code|Tier";
        assert_eq!(
            suggested(line, '|'),
            vec![
                Ignore,
                FullName,
                Kind,
                Npi,
                Ignore,
                TaxonomyCode,
                Credentials,
                Phone,
                Email,
                OrganizationName,
                AddressLine,
                Ignore,
                City,
                State,
                PostalCode,
                Tier
            ]
        );
    }

    #[test]
    fn hand_made_and_registry_headers_map_too() {
        let line = "FNAME;Surname;Given name;Degree;Credential;Email Address;Second Email;Zip;Postal;Taxonomy;Group;Tags;Preferred Contact Method;Provider Last Name (Legal Name);Provider Business Practice Location Address City Name";
        assert_eq!(
            suggested(line, ';'),
            vec![
                FirstName,
                LastName,
                Ignore,
                Credentials,
                Ignore,
                Email,
                Ignore,
                PostalCode,
                Ignore,
                TaxonomyCode,
                OrganizationName,
                Tags,
                PreferredChannel,
                Ignore,
                City
            ]
        );
        assert_eq!(
            suggested("Last;First;Phone;Fax", ';'),
            vec![LastName, FirstName, Phone, Ignore]
        );
        let nppes =
            "Provider Last Name (Legal Name)|Provider Organization Name (Legal Business Name)";
        assert_eq!(suggested(nppes, '|'), vec![LastName, OrganizationName]);
        assert_eq!(suggested("Address Type,Type", ','), vec![Ignore, Kind]);
    }

    #[test]
    fn mappings_need_a_name_and_repeat_only_list_fields() {
        assert!(
            Mapping::new(vec![
                FullName, Email, Email, Phone, Phone, Tags, Tags, Ignore, Ignore
            ])
            .is_ok()
        );
        assert!(Mapping::new(vec![FirstName, LastName]).is_ok());
        assert!(
            Mapping::new(vec![LastName, Email])
                .unwrap_err()
                .contains("first name")
        );
        assert!(Mapping::new(vec![Email, Npi]).is_err());
        let twice = Mapping::new(vec![FullName, Npi, City, Npi]).unwrap_err();
        assert!(
            twice.contains("NPI") && twice.contains("2 and 4"),
            "{twice}"
        );
        assert_eq!(
            Mapping::from_keys(&["full_name", "ignore"]).map(|m| m.fields().len()),
            Ok(2)
        );
        assert!(
            Mapping::from_keys(&["full_name", "notes"])
                .unwrap_err()
                .contains("notes")
        );
    }

    #[test]
    fn keys_round_trip_and_match_serde() {
        for f in Field::ALL {
            assert_eq!(Field::parse(f.key()), Some(*f));
            assert_eq!(
                serde_json::to_value(f).ok(),
                Some(serde_json::json!(f.key()))
            );
        }
        assert_eq!(Field::parse(" First_Name "), Some(FirstName));
        assert_eq!(Field::parse("notes"), None);
    }
}
