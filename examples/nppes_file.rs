//! Writes a generated NPPES registry file for the import benchmark: the real 329-column
//! header of a 2019 release (from tests/fixtures), quoted fields like the registry's, valid
//! NPIs (Luhn with the 80840 prefix), the primary taxonomy marked by its switch, individuals
//! and organizations, and about 1% deactivated NPIs carrying nothing but the date.
//!
//! Usage: cargo run --release --example nppes_file -- ROWS OUT.csv [SEED]

use std::io::{BufWriter, Write};

const HEADER: &str = include_str!("../tests/fixtures/nppes_2019_head19.csv");

const STATES: &[(&str, &str, &str)] = &[
    ("OR", "PORTLAND", "972"),
    ("OR", "EUGENE", "974"),
    ("WA", "SEATTLE", "981"),
    ("WA", "SPOKANE", "992"),
    ("CA", "OAKLAND", "946"),
    ("CA", "FRESNO", "937"),
    ("TX", "HOUSTON", "770"),
    ("TX", "AUSTIN", "787"),
    ("NY", "BROOKLYN", "112"),
    ("FL", "TAMPA", "336"),
    ("IL", "CHICAGO", "606"),
    ("OH", "TOLEDO", "436"),
];
const TAXONOMIES: &[(&str, &str)] = &[
    ("207RC0000X", "MD"),
    ("207R00000X", "MD"),
    ("207Q00000X", "DO"),
    ("208000000X", "MD"),
    ("207X00000X", "MD"),
    ("363LF0000X", "FNP-C"),
    ("363A00000X", "PA-C"),
    ("163W00000X", "RN"),
    ("225100000X", "PT"),
    ("1223G0001X", "DDS"),
];
const ORG_TAXONOMIES: &[&str] = &[
    "193200000X",
    "261QP2300X",
    "282N00000X",
    "251E00000X",
    "333600000X",
];
const FIRST: &[&str] = &[
    "JAMES", "MARIA", "ROBERT", "ANA", "DAVID", "LINDA", "WEI", "FATIMA", "JOSE", "EMILY",
    "SANJAY", "GRACE", "MOHAMMED", "OLGA", "KWAME", "SARAH",
];
const LAST: &[&str] = &[
    "SMITH",
    "GARCIA",
    "NGUYEN",
    "PATEL",
    "O'BRIEN",
    "KOWALSKI",
    "OKAFOR",
    "JOHNSON",
    "MÜLLER",
    "HERNANDEZ",
    "CHEN",
    "DUBOIS",
    "RUIZ",
    "ANDERSEN",
    "TANAKA",
    "WILLIAMS",
    "ROSSI",
    "SINGH",
];

/// A small, fast, seeded generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

fn npi(n: u64) -> String {
    let nine = format!("{:09}", 100_000_000 + n);
    let check = rapport::domain::npi_check_digit(nine.as_bytes());
    format!("{nine}{check}")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let rows: u64 = args.get(1).ok_or("ROWS")?.parse()?;
    let out = args.get(2).ok_or("OUT.csv")?;
    let seed: u64 = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(1);
    let header = HEADER.lines().next().ok_or("fixture header")?;
    let names: Vec<String> = header
        .split("\",\"")
        .map(|h| h.trim_matches('"').to_ascii_lowercase())
        .collect();
    let col = |name: &str| -> Result<usize, String> {
        names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| format!("no column {name}"))
    };
    let c_npi = col("npi")?;
    let c_entity = col("entity type code")?;
    let c_org = col("provider organization name (legal business name)")?;
    let c_last = col("provider last name (legal name)")?;
    let c_first = col("provider first name")?;
    let c_middle = col("provider middle name")?;
    let c_cred = col("provider credential text")?;
    let c_mail_line = col("provider first line business mailing address")?;
    let c_mail_city = col("provider business mailing address city name")?;
    let c_mail_state = col("provider business mailing address state name")?;
    let c_line = col("provider first line business practice location address")?;
    let c_city = col("provider business practice location address city name")?;
    let c_state = col("provider business practice location address state name")?;
    let c_zip = col("provider business practice location address postal code")?;
    let c_phone = col("provider business practice location address telephone number")?;
    let c_deact = col("npi deactivation date")?;
    let c_tax1 = col("healthcare provider taxonomy code_1")?;
    let c_sw1 = col("healthcare provider primary taxonomy switch_1")?;
    let c_tax2 = col("healthcare provider taxonomy code_2")?;
    let c_sw2 = col("healthcare provider primary taxonomy switch_2")?;

    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(out)?);
    writeln!(w, "{header}")?;
    let mut cells: Vec<String> = vec![String::new(); names.len()];
    let mut line = String::with_capacity(2048);
    for i in 0..rows {
        for c in cells.iter_mut() {
            c.clear();
        }
        cells[c_npi] = npi(i);
        let roll = rng.next() % 100;
        if roll == 0 {
            cells[c_deact] = format!(
                "{:02}/{:02}/20{:02}",
                1 + rng.next() % 12,
                1 + rng.next() % 28,
                10 + rng.next() % 10
            );
        } else {
            let (state, city, zip3) = *rng.pick(STATES);
            let street = format!("{} {} ST", 100 + rng.next() % 9800, rng.pick(LAST));
            let zip = format!("{zip3}{:02}{:04}", rng.next() % 100, rng.next() % 10_000);
            let phone = format!("{}", 2_000_000_000 + rng.next() % 7_999_999_999);
            cells[c_mail_line] = street.clone();
            cells[c_line] = street;
            cells[c_mail_city] = city.into();
            cells[c_city] = city.into();
            cells[c_mail_state] = state.into();
            cells[c_state] = state.into();
            cells[c_zip] = zip;
            cells[c_phone] = phone;
            if roll < 80 {
                let (taxonomy, credential) = *rng.pick(TAXONOMIES);
                cells[c_entity] = "1".into();
                cells[c_last] = rng.pick(LAST).to_string();
                cells[c_first] = rng.pick(FIRST).to_string();
                cells[c_middle] = ((b'A' + (rng.next() % 26) as u8) as char).to_string();
                cells[c_cred] = credential.into();
                // Half list a second taxonomy first and mark the real one primary second.
                if rng.next().is_multiple_of(2) {
                    cells[c_tax1] = "174400000X".into();
                    cells[c_sw1] = "N".into();
                    cells[c_tax2] = taxonomy.into();
                    cells[c_sw2] = "Y".into();
                } else {
                    cells[c_tax1] = taxonomy.into();
                    cells[c_sw1] = "Y".into();
                }
            } else {
                cells[c_entity] = "2".into();
                cells[c_org] = format!("{} {} CLINIC, LLC", rng.pick(LAST), city);
                cells[c_tax1] = rng.pick(ORG_TAXONOMIES).to_string();
                cells[c_sw1] = "Y".into();
            }
        }
        line.clear();
        for (k, c) in cells.iter().enumerate() {
            if k > 0 {
                line.push(',');
            }
            line.push('"');
            line.push_str(&c.replace('"', "\"\""));
            line.push('"');
        }
        line.push('\n');
        w.write_all(line.as_bytes())?;
    }
    w.flush()?;
    Ok(())
}
