//! The demo workspace: one user per role with a known password, and a few facilities, so a
//! new install has something to sign in to. `rapport demo` refreshes it.

mod book;
mod outreach;
mod referrals;
mod relationships;

pub use book::people_seeded;

use crate::auth::password::Hasher;
use crate::db::{self, audit::Actor};
use crate::domain::{
    Email, FacilityInput, FacilityKind, OrganizationInput, OrganizationKind, Role, Slug,
};
use crate::postgres::{Pools, tenant_tx};

pub const SLUG: &str = "demo";
pub const NAME: &str = "Demo Health System";
/// Printed at start; the demo workspace is for trying Rapport, not for real data.
pub const PASSWORD: &str = "rapport-demo-2026";

/// The demo logins, one per role.
pub fn logins() -> Vec<(Role, String)> {
    Role::ALL
        .iter()
        .map(|r| (*r, format!("{}@demo.test", r.as_str())))
        .collect()
}

const FACILITIES: &[(&str, FacilityKind, &str, &str)] = &[
    (
        "Demo General Hospital",
        FacilityKind::Hospital,
        "Portland",
        "OR",
    ),
    (
        "Demo Westside Primary Care",
        FacilityKind::Clinic,
        "Beaverton",
        "OR",
    ),
    (
        "Demo Imaging Center",
        FacilityKind::Imaging,
        "Portland",
        "OR",
    ),
];

/// Creates the demo workspace, or refreshes it: every demo user exists, is active and has
/// the demo password; the demo facilities exist.
pub async fn ensure(pools: &Pools, hasher: &Hasher) -> anyhow::Result<()> {
    let mut owner = pools.owner.acquire().await?;
    let tenant = match db::tenants::find_by_slug(&mut owner, SLUG).await? {
        Some(t) => t,
        None => {
            let slug = Slug::parse(SLUG).map_err(anyhow::Error::msg)?;
            db::tenants::create(&mut owner, &slug, NAME).await?
        }
    };
    drop(owner);
    let hash = hasher.hash(PASSWORD).await?;
    let actor = Actor {
        tenant_id: tenant.id,
        user_id: None,
        ip: None,
        request_id: None,
    };
    let mut tx = tenant_tx(&pools.app, tenant.id).await?;
    for (role, email) in logins() {
        let email = Email::parse(&email).map_err(anyhow::Error::msg)?;
        match db::users::find_by_email(&mut tx, email.as_str()).await? {
            Some(user) => {
                db::users::update_audited(&mut tx, &actor, user.id, &user.name, role, true).await?;
                db::users::set_password(&mut tx, user.id, &hash).await?;
                db::audit::record(
                    &mut tx,
                    &actor,
                    "user.password_reset",
                    "user",
                    Some(user.id.to_string()),
                    serde_json::json!({ "source": "demo" }),
                )
                .await?;
            }
            None => {
                let name = format!("Demo {}", role.label());
                let new_user = db::users::NewUser {
                    email: &email,
                    name: &name,
                    role,
                    password_hash: &hash,
                };
                db::users::create_audited(&mut tx, &actor, &new_user).await?;
            }
        }
    }
    let existing = db::facilities::list(
        &mut tx,
        &db::facilities::FacilityFilter::default(),
        db::PageRequest::new(Some(1), Some(200)),
    )
    .await?;
    for (name, kind, city, state) in FACILITIES {
        if existing
            .items
            .iter()
            .any(|f| f.name.eq_ignore_ascii_case(name))
        {
            continue;
        }
        let input = FacilityInput {
            name: name.to_string(),
            kind: *kind,
            address_line: None,
            city: Some(city.to_string()),
            state: Some(state.to_string()),
            postal_code: None,
            phone: None,
            active: true,
        };
        db::facilities::create_audited(&mut tx, &actor, &input).await?;
    }
    book::ensure(&mut tx, &actor).await?;
    ensure_organizations(&mut tx, &actor).await?;
    relationships::ensure(&mut tx, &actor).await?;
    outreach::ensure(&mut tx, &actor).await?;
    referrals::ensure(&mut tx, &actor).await?;
    tx.commit().await?;
    Ok(())
}

/// (name, kind, parent index into this list, city)
const ORGANIZATIONS: &[(&str, OrganizationKind, Option<usize>, &str)] = &[
    (
        "Demo Cascade Medical Group",
        OrganizationKind::MedicalGroup,
        None,
        "Portland",
    ),
    (
        "Demo Westside Cardiology",
        OrganizationKind::Practice,
        Some(0),
        "Beaverton",
    ),
    (
        "Demo Riverbend Family Medicine",
        OrganizationKind::Practice,
        Some(0),
        "Portland",
    ),
    (
        "Demo Lakeview Pediatrics",
        OrganizationKind::Practice,
        Some(0),
        "Lake Oswego",
    ),
    (
        "Demo Summit Orthopedics",
        OrganizationKind::Practice,
        None,
        "Salem",
    ),
    (
        "Demo Harbor Health Plan",
        OrganizationKind::HealthPlan,
        None,
        "Portland",
    ),
    (
        "Demo Columbia Logistics",
        OrganizationKind::Employer,
        None,
        "Vancouver",
    ),
    (
        "Demo Eastside Community Health Coalition",
        OrganizationKind::Community,
        None,
        "Gresham",
    ),
];

async fn ensure_organizations(conn: &mut sqlx::PgConnection, actor: &Actor) -> anyhow::Result<()> {
    let existing = db::organizations::choices(&mut *conn).await?;
    let mut ids: Vec<uuid::Uuid> = Vec::new();
    for (name, kind, parent, city) in ORGANIZATIONS {
        if let Some((id, _)) = existing.iter().find(|(_, n)| n.eq_ignore_ascii_case(name)) {
            ids.push(*id);
            continue;
        }
        let input = OrganizationInput {
            name: name.to_string(),
            kind: *kind,
            parent_id: parent.and_then(|i| ids.get(i).copied()),
            npi: None,
            address_line: None,
            city: Some(city.to_string()),
            state: Some(if *city == "Vancouver" { "WA" } else { "OR" }.to_string()),
            postal_code: None,
            phone: None,
            website: None,
        };
        let id = db::organizations::save_audited(&mut *conn, actor, None, &input)
            .await?
            .ok_or_else(|| anyhow::anyhow!("demo organization not saved"))?;
        ids.push(id);
    }
    Ok(())
}
