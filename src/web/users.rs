//! Workspace users (admins only): list, create, edit role and status, reset a password.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::pager::query_base;
use super::{Form, Layout, Pager, Path, Query, checkbox, redirect_with_flash};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db::{
    self, PageRequest,
    users::{UserFilter, UserRow},
};
use crate::domain::{Email, NewPassword, Role, UserId, clean_required};
use crate::error::{AppError, AppResult, FieldErrors, on_constraint};
use crate::postgres::tenant_tx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(list).post(create))
        .route("/admin/users/new", get(new))
        .route("/admin/users/{id}", get(show).post(update))
        .route("/admin/users/{id}/password", post(reset_password))
}

#[derive(Deserialize, Default)]
struct ListQuery {
    q: Option<String>,
    role: Option<String>,
    status: Option<String>,
    page: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "users/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<UserRow>,
    pager: Pager,
    q: String,
    role: String,
    status: String,
    roles: [Role; 4],
}

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> AppResult<ListPage> {
    user.require_admin()?;
    let q = query
        .q
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.chars().take(100).collect::<String>());
    let role = query.role.as_deref().and_then(Role::parse);
    let status = query.status.clone().unwrap_or_else(|| "all".into());
    let active = match status.as_str() {
        "active" => Some(true),
        "inactive" => Some(false),
        _ => None,
    };
    let filter = UserFilter {
        q: q.clone(),
        role,
        active,
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let page = db::users::list(&mut tx, &filter, PageRequest::new(query.page, None)).await?;
    tx.commit().await?;
    let base = query_base(
        "/admin/users",
        &[
            ("q", q.as_deref()),
            ("role", role.map(Role::as_str)),
            ("status", query.status.as_deref()),
        ],
    );
    Ok(ListPage {
        layout: Layout::new(&user, "Users", "users"),
        pager: Pager::new(&page, &base),
        rows: page.items,
        q: q.unwrap_or_default(),
        role: role.map(|r| r.as_str().to_string()).unwrap_or_default(),
        status,
        roles: Role::ALL,
    })
}

#[derive(Deserialize, Default)]
struct NewUserForm {
    email: String,
    name: String,
    role: String,
    password: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "users/new.html")]
struct NewPage {
    layout: Layout,
    email: String,
    name: String,
    role: String,
    errors: FieldErrors,
    roles: [Role; 4],
}

impl NewPage {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
}

async fn new(user: CurrentUser) -> AppResult<NewPage> {
    user.require_admin()?;
    Ok(NewPage {
        layout: Layout::new(&user, "New user", "users"),
        email: String::new(),
        name: String::new(),
        role: "liaison".into(),
        errors: FieldErrors::new(),
        roles: Role::ALL,
    })
}

async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<NewUserForm>,
) -> AppResult<Response> {
    user.require_admin()?;
    let mut errors = FieldErrors::new();
    let email = Email::parse(&form.email)
        .map_err(|e| errors.insert("email", e.into()))
        .ok();
    let name = clean_required(&form.name, 200, "the person's name")
        .map_err(|e| errors.insert("name", e))
        .ok();
    let role = Role::parse(&form.role).or_else(|| {
        errors.insert("role", "Choose a role.".into());
        None
    });
    let password = NewPassword::parse(&form.password)
        .map_err(|e| errors.insert("password", e.into()))
        .ok();
    let page = |errors: FieldErrors| {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            NewPage {
                layout: Layout::new(&user, "New user", "users"),
                email: form.email.trim().to_string(),
                name: form.name.trim().to_string(),
                role: form.role.clone(),
                errors,
                roles: Role::ALL,
            },
        )
            .into_response()
    };
    let (Some(email), Some(name), Some(role), Some(password)) = (email, name, role, password)
    else {
        return Ok(page(errors));
    };
    let hash = state.hasher.hash(password.expose()).await?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let new_user = db::users::NewUser {
        email: &email,
        name: &name,
        role,
        password_hash: &hash,
    };
    let row = match db::users::create_audited(&mut tx, &user.actor(), &new_user).await {
        Ok(row) => row,
        Err(e) => {
            return match on_constraint(e, db::users::EMAIL_KEY, "email", db::users::EMAIL_TAKEN) {
                AppError::Invalid(errors) => Ok(page(errors)),
                other => Err(other),
            };
        }
    };
    tx.commit().await?;
    redirect_with_flash(
        &state,
        &user,
        &format!("/admin/users/{}", row.id),
        &format!("{} can now sign in as {}.", row.name, row.email),
    )
    .await
}

#[derive(Template, WebTemplate)]
#[template(path = "users/show.html")]
struct ShowPage {
    layout: Layout,
    u: UserRow,
    name: String,
    role: String,
    active: bool,
    errors: FieldErrors,
    roles: [Role; 4],
    is_self: bool,
}

impl ShowPage {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
}

fn show_page(user: &CurrentUser, u: UserRow, errors: FieldErrors) -> ShowPage {
    ShowPage {
        layout: Layout::new(user, u.name.clone(), "users"),
        name: u.name.clone(),
        role: u.role.clone(),
        active: u.active,
        is_self: u.id == user.user_id,
        u,
        errors,
        roles: Role::ALL,
    }
}

async fn load(state: &AppState, user: &CurrentUser, id: UserId) -> AppResult<UserRow> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let u = db::users::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(u)
}

async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<UserId>,
) -> AppResult<ShowPage> {
    user.require_admin()?;
    let u = load(&state, &user, id).await?;
    Ok(show_page(&user, u, FieldErrors::new()))
}

#[derive(Deserialize)]
struct EditForm {
    name: String,
    role: String,
    active: Option<String>,
}

async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<UserId>,
    Form(form): Form<EditForm>,
) -> AppResult<Response> {
    user.require_admin()?;
    let u = load(&state, &user, id).await?;
    let mut errors = FieldErrors::new();
    let name = clean_required(&form.name, 200, "the person's name")
        .map_err(|e| errors.insert("name", e))
        .ok();
    let role = Role::parse(&form.role).or_else(|| {
        errors.insert("role", "Choose a role.".into());
        None
    });
    let active = checkbox(&form.active);
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    if u.role() == Role::Admin
        && u.active
        && (role != Some(Role::Admin) || !active)
        && db::users::other_active_admins(&mut tx, id).await? == 0
    {
        errors.insert(
            "role",
            "This is the workspace's last active admin. Make someone else an admin first.".into(),
        );
    }
    let (Some(name), Some(role), true) = (name, role, errors.is_empty()) else {
        let mut page = show_page(&user, u, errors);
        page.name = form.name.trim().to_string();
        page.role = form.role.clone();
        page.active = active;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    db::users::update_audited(&mut tx, &user.actor(), id, &name, role, active).await?;
    tx.commit().await?;
    let message = if u.active && !active {
        format!("{name} is deactivated: signed out everywhere and API tokens revoked.")
    } else {
        format!("{name} saved.")
    };
    redirect_with_flash(&state, &user, &format!("/admin/users/{id}"), &message).await
}

#[derive(Deserialize)]
struct ResetForm {
    password: String,
}

async fn reset_password(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<UserId>,
    Form(form): Form<ResetForm>,
) -> AppResult<Response> {
    user.require_admin()?;
    let u = load(&state, &user, id).await?;
    let password = match NewPassword::parse(&form.password) {
        Ok(p) => p,
        Err(e) => {
            let mut errors = FieldErrors::new();
            errors.insert("password", e.into());
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                show_page(&user, u, errors),
            )
                .into_response());
        }
    };
    let hash = state.hasher.hash(password.expose()).await?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    db::users::set_password(&mut tx, id, &hash).await?;
    let ended = db::sessions::delete_for_user(&mut tx, id, None).await?;
    db::audit::record(
        &mut tx,
        &user.actor(),
        "user.password_reset",
        "user",
        Some(id.to_string()),
        serde_json::json!({ "sessions_ended": ended }),
    )
    .await?;
    tx.commit().await?;
    redirect_with_flash(
        &state,
        &user,
        &format!("/admin/users/{id}"),
        &format!(
            "Password reset for {}. Give it to them privately; their sessions were ended.",
            u.name
        ),
    )
    .await
}
