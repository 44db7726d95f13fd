//! The NUCC provider taxonomy: reference data compiled into the binary and upserted after
//! migrations, so every install has the same code set without a separate import.

use sqlx::{PgConnection, PgPool};

/// NUCC code set v25.1, unchanged from the source (see data/README.md).
const NUCC_CSV: &str = include_str!("../../data/nucc_taxonomy_251.csv");

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct Specialty {
    pub code: String,
    pub display_name: String,
    pub classification: String,
    pub specialization: Option<String>,
}

struct Row {
    code: String,
    grouping: String,
    classification: String,
    specialization: Option<String>,
    display_name: String,
    section: String,
}

/// Parses the embedded CSV by header name (older releases call "Grouping" "Type").
fn parse() -> anyhow::Result<Vec<Row>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(NUCC_CSV.as_bytes());
    let headers = reader.headers()?.clone();
    let col = |names: &[&str]| {
        headers
            .iter()
            .position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
            .ok_or_else(|| anyhow::anyhow!("taxonomy CSV lacks a {names:?} column"))
    };
    let (code, grouping, classification, specialization, display, section) = (
        col(&["Code"])?,
        col(&["Grouping", "Type"])?,
        col(&["Classification"])?,
        col(&["Specialization"])?,
        col(&["Display Name"])?,
        col(&["Section"])?,
    );
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record?;
        let get = |i: usize| record.get(i).map(str::trim).unwrap_or_default().to_string();
        let classification_text = get(classification);
        let specialization_text = Some(get(specialization)).filter(|s| !s.is_empty());
        let display_text = Some(get(display))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| match &specialization_text {
                Some(s) => format!("{classification_text}, {s}"),
                None => classification_text.clone(),
            });
        rows.push(Row {
            code: get(code),
            grouping: get(grouping),
            classification: classification_text,
            specialization: specialization_text,
            display_name: display_text,
            section: get(section),
        });
    }
    Ok(rows)
}

/// Upserts the embedded code set (as the owner; the runtime role only reads it).
pub async fn load(owner: &PgPool) -> anyhow::Result<usize> {
    let rows = parse()?;
    let mut tx = owner.begin().await?;
    for chunk in rows.chunks(500) {
        let mut qb = sqlx::QueryBuilder::new(
            "insert into taxonomy (code, grouping, classification, specialization, display_name, section) ",
        );
        qb.push_values(chunk, |mut b, r| {
            b.push_bind(&r.code)
                .push_bind(&r.grouping)
                .push_bind(&r.classification)
                .push_bind(&r.specialization)
                .push_bind(&r.display_name)
                .push_bind(&r.section);
        });
        qb.push(
            " on conflict (code) do update set grouping = excluded.grouping, classification = excluded.classification,
              specialization = excluded.specialization, display_name = excluded.display_name, section = excluded.section",
        );
        qb.build().execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(rows.len())
}

/// Every specialty, by display name (for pickers).
pub async fn all(conn: &mut PgConnection) -> sqlx::Result<Vec<Specialty>> {
    sqlx::query_as("select code, display_name, classification, specialization from taxonomy order by display_name")
        .fetch_all(conn)
        .await
}

/// The specialties the workspace's stakeholders have (for the list's filter menu): a loose
/// index scan, one probe per distinct code rather than a pass over every stakeholder.
pub async fn used(conn: &mut PgConnection) -> sqlx::Result<Vec<Specialty>> {
    sqlx::query_as(
        "with recursive codes(code) as (
           (select taxonomy_code from stakeholders where taxonomy_code is not null order by taxonomy_code limit 1)
           union all
           select (select s.taxonomy_code from stakeholders s where s.taxonomy_code > c.code order by s.taxonomy_code limit 1)
           from codes c where c.code is not null
         )
         select t.code, t.display_name, t.classification, t.specialization
         from codes c join taxonomy t on t.code = c.code
         order by t.display_name",
    )
    .fetch_all(conn)
    .await
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_embedded_code_set_parses_completely() {
        let rows = super::parse().expect("parse");
        assert_eq!(rows.len(), 883);
        let cardiology = rows
            .iter()
            .find(|r| r.code == "207RC0000X")
            .expect("cardiology");
        assert_eq!(cardiology.display_name, "Cardiovascular Disease Physician");
        assert!(
            rows.iter()
                .all(|r| r.code.len() == 10 && r.code.ends_with('X'))
        );
    }
}
