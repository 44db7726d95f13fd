//! Importing a FHIR R4 provider directory (one resource, a Bundle, or NDJSON bulk export):
//! stream the resources into a staging table, resolve who each is and what its references
//! name, record the change review, then write in a few set-based statements, all in one
//! transaction with the job's results.
//!
//! What becomes what:
//! - **Practitioner → stakeholder**, matched by NPI (`http://hl7.org/fhir/sid/us-npi`,
//!   Luhn-checked by the reader), else by an id an earlier import recorded: the resource id
//!   within its server (the Bundle `fullUrl`'s base, or the file) or any identifier with a
//!   system. Names, prefix, suffix (degrees such as "MD" become credentials) and
//!   qualifications are written when the file gives them; emails and phones the person lacks
//!   are added. A new person needs a given name. `active` is not read.
//! - **Organization → organization**, matched by NPI, else a recorded id, else (without an
//!   NPI) by name; `partOf` becomes the parent. Its kind is set on creation only.
//! - **Location**: facilities are the workspace's own sites, so a directory never creates
//!   one. A location whose name is one of the workspace's facilities (or that an earlier
//!   import recorded as one) is that facility, and roles there become affiliations with it.
//!   Any other location is an address of its managing organization: it fills the
//!   organization's address and phone when the organization has none, and roles there are
//!   affiliations with that organization. A location that is neither is skipped.
//! - **PractitionerRole → affiliation** of the practitioner with the first of its places that
//!   is a facility of the workspace, else its organization, else a location's organization.
//!   The role code gives the role and title ([`codes::affiliation_role`]), the period the
//!   dates; `active: false` ends the affiliation. A NUCC specialty code fills the person's
//!   specialty when they have none (it never replaces one). Matched by a recorded id, else
//!   an affiliation no recorded id claims with the same person, place and role.
//!
//! References may be literal (`Organization/123`, an absolute URL, `urn:uuid:` within a
//! Bundle) or logical (`identifier`: an NPI, or a system and value recorded earlier); they
//! resolve within the file first, then in the workspace. A reference that resolves nowhere
//! is a row error naming it. A value the file does not give never clears one Rapport holds.

mod codes;
mod references;
mod resolve;
mod review;
mod stage;
mod write;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::Ordering;

use sqlx::PgConnection;

use super::copy::{Counting, copy_rows};
use super::source::Input;
use super::{JobContext, JobError, Outcome, RowErrors, finish_in};
use crate::db::imports::Counts;
use crate::domain::kind_for_taxonomy;
use crate::imports::fhir::{self, Resource};
use crate::postgres::tenant_tx;

/// Runs one statement of ours; returns the rows it touched.
async fn exec(tx: &mut PgConnection, sql: &str) -> Result<u64, JobError> {
    Ok(sqlx::query(sql).execute(&mut *tx).await?.rows_affected())
}

/// What the reader thread counted.
#[derive(Default)]
struct Read {
    rows: i64,
    staged: i64,
    format: Option<&'static str>,
    skipped_types: BTreeMap<String, u64>,
    skipped: i64,
    /// The NUCC codes of the roles' specialties.
    taxonomies: BTreeSet<String>,
    errors: RowErrors,
}

/// Why a file with nothing to import is the wrong file.
fn nothing_to_import(read: &Read) -> Option<String> {
    if read.staged > 0 {
        return None;
    }
    if let Some(e) = read.errors.first() {
        return Some(format!(
            "No Practitioner, PractitionerRole, Organization or Location could be read from this file; the first problem, on line {}: {}.",
            e.line, e.reason
        ));
    }
    if !read.skipped_types.is_empty() {
        let types: Vec<&str> = read.skipped_types.keys().map(String::as_str).collect();
        return Some(format!(
            "This file holds no Practitioner, PractitionerRole, Organization or Location resources (it holds {}).",
            types.join(", ")
        ));
    }
    Some("This file holds no FHIR resources.".into())
}

pub async fn run(ctx: &JobContext, input: Input) -> Result<(), JobError> {
    let mut tx = tenant_tx(&ctx.pool, ctx.tenant).await?;
    sqlx::query(stage::STAGE).execute(&mut *tx).await?;
    let progress = ctx.progress.clone();
    let reader = input.open().map_err(|e| JobError::Internal(e.into()))?;
    let read: Read = copy_rows(&mut tx, stage::COPY, move |sink| {
        let counting = Counting {
            inner: reader,
            progress: progress.clone(),
        };
        let mut resources = fhir::open(counting).map_err(JobError::Rejected)?;
        let mut read = Read {
            format: Some(resources.format().label()),
            ..Read::default()
        };
        for item in resources.by_ref() {
            read.rows += 1;
            if progress.row_read(read.rows, sink)? {
                break;
            }
            match item {
                Err(e) => read.errors.push(e),
                Ok(entry) => {
                    if let Resource::Role(r) = &entry.resource
                        && let Some(t) = &r.taxonomy
                    {
                        read.taxonomies.insert(t.clone());
                    }
                    stage::stage(&entry, sink);
                    read.staged += 1;
                }
            }
        }
        read.skipped = resources.skipped() as i64;
        read.rows += read.skipped;
        read.skipped_types = resources.skipped_types().clone();
        progress.rows.store(read.rows as u64, Ordering::Relaxed);
        Ok(read)
    })
    .await?;
    if ctx.progress.cancelled() {
        return Err(JobError::Cancelled);
    }
    if let Some(why) = nothing_to_import(&read) {
        return Err(JobError::Rejected(why));
    }
    sqlx::query("analyze stage_fhir").execute(&mut *tx).await?;
    let resolved = resolve::resolve(&mut tx).await?;
    let kinds: Vec<(String, String)> = read
        .taxonomies
        .iter()
        .map(|t| (t.clone(), kind_for_taxonomy(Some(t)).as_str().to_string()))
        .collect();
    let review = review::review(&mut tx, ctx, &kinds).await?;
    if !ctx.job.dry_run {
        write::write(&mut tx, ctx).await?;
    }
    let mut read = read;
    // Staged rows resolution took out, or that name no place.
    let left_out = resolved.errors.len() as i64 + resolved.skipped_locations;
    for e in resolved.errors {
        read.errors.push(e);
    }
    let updated = review.changed + review.deactivated;
    let outcome = Outcome {
        counts: Counts {
            rows_read: read.rows,
            created: review.new,
            updated,
            unchanged: (read.staged - left_out - review.new - updated).max(0),
            skipped: read.skipped + resolved.skipped_locations,
            failed: read.errors.failed(),
        },
        errors: read.errors.into_sorted(),
        summary: serde_json::json!({
            "layout": read.format,
            "skipped_types": read.skipped_types,
            "locations_skipped": resolved.skipped_locations,
        }),
    };
    finish_in(&mut tx, ctx, &outcome).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imports::RowError;

    #[test]
    fn a_file_with_nothing_to_import_says_why() {
        let mut read = Read::default();
        read.skipped_types.insert("Patient".into(), 2);
        assert_eq!(
            nothing_to_import(&read).as_deref(),
            Some(
                "This file holds no Practitioner, PractitionerRole, Organization or Location resources (it holds Patient)."
            )
        );
        read.errors
            .push(RowError::new(4, Some("resourceType"), "missing"));
        assert!(nothing_to_import(&read).is_some_and(|m| m.contains("on line 4: missing")),);
        read.staged = 1;
        assert_eq!(nothing_to_import(&read), None);
    }
}
