//! Duplicates: the list of likely pairs, the side-by-side merge preview, and the merge.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use uuid::Uuid;

use super::{Form, Layout, Query, redirect_with_flash};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db::merge::{DuplicatePair, MergeError, Related};
use crate::db::stakeholders::StakeholderRow;
use crate::db::{self};
use crate::domain::{StakeholderId, StakeholderInput, merge_fields};
use crate::error::{AppError, AppResult};
use crate::postgres::tenant_tx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/stakeholders/duplicates", get(duplicates))
        .route("/stakeholders/merge", get(preview).post(merge))
}

/// Pairs listed at most.
const PAIRS_SHOWN: usize = 200;

#[derive(Template, WebTemplate)]
#[template(path = "stakeholders/duplicates.html")]
struct DuplicatesPage {
    layout: Layout,
    pairs: Vec<DuplicatePair>,
    can_edit: bool,
}

async fn duplicates(State(state): State<AppState>, user: CurrentUser) -> AppResult<DuplicatesPage> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let pairs = db::merge::candidates(&mut tx, PAIRS_SHOWN).await?;
    tx.commit().await?;
    Ok(DuplicatesPage {
        layout: Layout::new(&user, "Likely duplicates", "stakeholders"),
        pairs,
        can_edit: user.role.can_edit_book(),
    })
}

#[derive(Deserialize, Default)]
struct PairQuery {
    keep: Option<String>,
    other: Option<String>,
}

impl PairQuery {
    fn ids(&self) -> AppResult<(Uuid, Uuid)> {
        let id = |v: &Option<String>| {
            v.as_deref()
                .and_then(|s| s.trim().parse::<Uuid>().ok())
                .ok_or(AppError::NotFound)
        };
        Ok((id(&self.keep)?, id(&self.other)?))
    }
}

/// One row of the side-by-side comparison.
pub struct FieldRow {
    pub label: &'static str,
    pub keep: String,
    pub other: String,
    pub result: String,
}

impl FieldRow {
    pub fn differs(&self) -> bool {
        self.keep != self.other
    }
}

fn compare(
    keep: &StakeholderInput,
    other: &StakeholderInput,
    merged: &StakeholderInput,
) -> Vec<FieldRow> {
    type Get = fn(&StakeholderInput) -> String;
    let fields: [(&'static str, Get); 14] = [
        ("Prefix", |s| s.prefix.clone().unwrap_or_default()),
        ("First name", |s| s.first_name.clone()),
        ("Middle name", |s| s.middle_name.clone().unwrap_or_default()),
        ("Last name", |s| s.last_name.clone()),
        ("Credentials", |s| s.credentials.clone().unwrap_or_default()),
        ("NPI", |s| {
            s.npi
                .as_ref()
                .map(|n| n.as_str().to_string())
                .unwrap_or_default()
        }),
        ("Specialty code", |s| {
            s.taxonomy_code.clone().unwrap_or_default()
        }),
        ("Emails", |s| s.emails.join(", ")),
        ("Phones", |s| s.phones.join(", ")),
        ("Prefers", |s| {
            s.preferred_channel
                .map(|c| c.label().to_string())
                .unwrap_or_default()
        }),
        ("Best times", |s| {
            s.best_contact_times.clone().unwrap_or_default()
        }),
        ("Do not contact", |s| {
            if s.do_not_contact {
                "Yes".into()
            } else {
                "No".into()
            }
        }),
        ("Tier", |s| {
            s.tier.map(|t| t.as_str().to_string()).unwrap_or_default()
        }),
        ("Tags", |s| s.tags.join(", ")),
    ];
    fields
        .iter()
        .map(|(label, get)| FieldRow {
            label,
            keep: get(keep),
            other: get(other),
            result: get(merged),
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "stakeholders/merge.html")]
struct PreviewPage {
    layout: Layout,
    keep: StakeholderRow,
    other: StakeholderRow,
    rows: Vec<FieldRow>,
    moved: Related,
    problem: Option<&'static str>,
}

async fn preview(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<PairQuery>,
) -> AppResult<PreviewPage> {
    user.require_book_editor()?;
    let (keep_id, other_id) = q.ids()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let keep = db::stakeholders::find(&mut tx, StakeholderId(keep_id))
        .await?
        .filter(|s| s.merged_into.is_none())
        .ok_or(AppError::NotFound)?;
    let other = db::stakeholders::find(&mut tx, StakeholderId(other_id))
        .await?
        .filter(|s| s.merged_into.is_none())
        .ok_or(AppError::NotFound)?;
    let moved = db::merge::related(&mut tx, other_id).await?;
    tx.commit().await?;
    let mut problem = None;
    if keep_id == other_id {
        problem = Some("These are the same record.");
    } else if keep.npi.is_some() && other.npi.is_some() {
        problem = Some(
            "Both records have an NPI, and NPIs are unique to a person: these are two different people.",
        );
    }
    let rows = match (db::merge::input_of(&keep), db::merge::input_of(&other)) {
        (Some(k), Some(o)) => compare(&k, &o, &merge_fields(&k, &o)),
        _ => {
            problem = problem.or(Some(
                "One of the records has fields that no longer pass validation; edit it first.",
            ));
            Vec::new()
        }
    };
    Ok(PreviewPage {
        layout: Layout::new(&user, "Merge duplicates", "stakeholders"),
        keep,
        other,
        rows,
        moved,
        problem,
    })
}

#[derive(Deserialize)]
struct MergeForm {
    #[serde(default)]
    keep: String,
    #[serde(default)]
    other: String,
}

async fn merge(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<MergeForm>,
) -> AppResult<Response> {
    user.require_book_editor()?;
    let (keep, other) = PairQuery {
        keep: Some(form.keep),
        other: Some(form.other),
    }
    .ids()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let moved = match db::merge::merge_audited(&mut tx, &user.actor(), keep, other).await {
        Ok(moved) => moved,
        Err(MergeError::NotFound) => return Err(AppError::NotFound),
        Err(MergeError::Refused(why)) => return Err(AppError::Conflict(why.into())),
        Err(MergeError::Db(e)) => return Err(e.into()),
    };
    tx.commit().await?;
    let n = moved.affiliations
        + moved.assignments
        + moved.stage_changes
        + moved.influence_links
        + moved.feedback;
    redirect_with_flash(
        &state,
        &user,
        &format!("/stakeholders/{keep}"),
        &format!(
            "Merged. {n} related records moved to this record; the other record now points here."
        ),
    )
    .await
}
