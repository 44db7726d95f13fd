//! Tenant isolation, enforced by PostgreSQL row-level security and checked from both ends.

use rapport::domain::Role;
use rapport::postgres::tenant_tx;
use reqwest::StatusCode;

use crate::helpers::TestApp;

#[tokio::test]
async fn a_user_cannot_see_or_change_another_tenants_facility() {
    let app = TestApp::spawn().await;
    let a = app.signed_in("alpha", Role::Admin).await;
    let b = app.signed_in("beta", Role::Admin).await;
    let created = b
        .post(
            "/facilities",
            &[("name", "Beta General"), ("kind", "hospital")],
        )
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let path = crate::helpers::location(&created);
    assert!(path.starts_with("/facilities/"));
    assert_eq!(b.get(&path).await.status(), StatusCode::OK);
    for probe in [path.clone(), format!("{path}/edit")] {
        let r = a.get(&probe).await;
        assert!(
            matches!(r.status(), StatusCode::NOT_FOUND),
            "{probe} must be invisible to another tenant, got {}",
            r.status()
        );
    }
    let overwrite = a
        .post(&path, &[("name", "Hijacked"), ("kind", "clinic")])
        .await;
    assert_eq!(overwrite.status(), StatusCode::NOT_FOUND);
    let list = a.text("/facilities").await;
    assert!(!list.contains("Beta General"));
    // The API answers the same.
    let token = app.token(a.tenant, a.user).await;
    let id = path.trim_start_matches("/facilities/");
    let api = app
        .api(&token)
        .get(&format!("/api/v1/facilities/{id}"))
        .await;
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
    let patch = app
        .api(&token)
        .patch(
            &format!("/api/v1/facilities/{id}"),
            &serde_json::json!({"name": "Hijacked"}),
        )
        .await;
    assert_eq!(patch.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.count(
            b.tenant,
            "select count(*) from facilities where name = 'Beta General'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn another_tenants_user_page_is_not_found() {
    let app = TestApp::spawn().await;
    let a = app.signed_in("alpha", Role::Admin).await;
    let b = app.signed_in("beta", Role::Admin).await;
    let r = a.get(&format!("/admin/users/{}", b.user)).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let reset = a
        .post(
            &format!("/admin/users/{}/password", b.user),
            &[("password", "taken over at last")],
        )
        .await;
    assert_eq!(reset.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn row_level_security_limits_a_query_without_where_to_the_current_tenant() {
    let app = TestApp::spawn().await;
    let a = app.create_tenant("alpha").await;
    let b = app.create_tenant("beta").await;
    app.create_user(a, Role::Admin, "x@alpha.test").await;
    app.create_user(b, Role::Admin, "y@beta.test").await;
    app.create_user(b, Role::Liaison, "z@beta.test").await;
    // As the runtime role, inside tenant A's transaction: only A's rows.
    assert_eq!(app.count(a, "select count(*) from users").await, 1);
    assert_eq!(app.count(b, "select count(*) from users").await, 2);
    let emails: Vec<String> = {
        let mut tx = tenant_tx(&app.pools.app, a).await.expect("tx");
        let rows = sqlx::query_scalar("select email from users")
            .fetch_all(&mut *tx)
            .await
            .expect("rows");
        tx.commit().await.expect("commit");
        rows
    };
    assert_eq!(emails, vec!["x@alpha.test".to_string()]);
    // With no tenant set: nothing at all, not everything.
    let none: i64 = sqlx::query_scalar("select count(*) from users")
        .fetch_one(&app.pools.app)
        .await
        .expect("count");
    assert_eq!(none, 0);
    // Writing a row for another tenant is refused by WITH CHECK.
    let mut tx = tenant_tx(&app.pools.app, a).await.expect("tx");
    let err = sqlx::query("insert into facilities (tenant_id, id, name, kind) values ($1, gen_random_uuid(), 'Smuggled', 'clinic')")
        .bind(b)
        .execute(&mut *tx)
        .await
        .expect_err("cross-tenant insert must fail");
    assert!(err.to_string().contains("row-level security"), "{err}");
}

#[tokio::test]
async fn the_runtime_role_is_not_superuser_owner_or_bypassrls() {
    let app = TestApp::spawn().await;
    let (user, superuser, bypass): (String, bool, bool) = sqlx::query_as(
        "select current_user::text, rolsuper, rolbypassrls from pg_roles where rolname = current_user",
    )
    .fetch_one(&app.pools.app)
    .await
    .expect("role");
    assert_eq!(user, "rapport_app");
    assert!(!superuser && !bypass);
    let owned: i64 = sqlx::query_scalar(
        "select count(*) from pg_tables where schemaname = 'public' and tableowner = current_user",
    )
    .fetch_one(&app.pools.app)
    .await
    .expect("owned");
    assert_eq!(owned, 0);
    let unprotected: Vec<String> = sqlx::query_scalar(
        "select c.relname::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
         join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id'
         where n.nspname = 'public' and c.relkind = 'r' and not (c.relrowsecurity and c.relforcerowsecurity)",
    )
    .fetch_all(&app.pools.app)
    .await
    .expect("tables");
    assert!(
        unprotected.is_empty(),
        "tenant tables without forced RLS: {unprotected:?}"
    );
}

#[tokio::test]
async fn the_audit_log_is_append_only_for_the_app() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("alpha", Role::Admin).await;
    let mut tx = tenant_tx(&app.pools.app, s.tenant).await.expect("tx");
    let err = sqlx::query("update audit_events set action = 'nothing'")
        .execute(&mut *tx)
        .await
        .expect_err("update");
    assert!(err.to_string().contains("permission denied"), "{err}");
    drop(tx);
    let mut tx = tenant_tx(&app.pools.app, s.tenant).await.expect("tx");
    let err = sqlx::query("delete from audit_events")
        .execute(&mut *tx)
        .await
        .expect_err("delete");
    assert!(err.to_string().contains("permission denied"), "{err}");
}

#[tokio::test]
async fn a_token_with_another_tenants_id_spliced_in_is_refused() {
    let app = TestApp::spawn().await;
    let a = app.signed_in("alpha", Role::Admin).await;
    let b = app.create_tenant("beta").await;
    let token = app.token(a.tenant, a.user).await;
    let secret = token.rsplit('.').next().unwrap_or_default();
    let forged = format!("rpt_{}.{secret}", b.0.simple());
    let r = app.api(&forged).get("/api/v1/me").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let ok = app.api(&token).get("/api/v1/me").await;
    assert_eq!(ok.status(), StatusCode::OK);
}

#[tokio::test]
async fn another_tenants_user_and_token_are_out_of_reach_through_the_api_and_pages() {
    let app = TestApp::spawn().await;
    let a = app.signed_in("alpha", Role::Admin).await;
    let b = app.signed_in("beta", Role::Admin).await;
    let a_token = app.token(a.tenant, a.user).await;
    app.token(b.tenant, b.user).await;
    let b_token_id: uuid::Uuid = {
        let mut tx = tenant_tx(&app.pools.app, b.tenant).await.expect("tx");
        let id = sqlx::query_scalar("select id from api_tokens")
            .fetch_one(&mut *tx)
            .await
            .expect("id");
        tx.commit().await.expect("commit");
        id
    };
    let get = app
        .api(&a_token)
        .get(&format!("/api/v1/users/{}", b.user))
        .await;
    assert_eq!(get.status(), StatusCode::NOT_FOUND);
    let patch = app
        .api(&a_token)
        .patch(
            &format!("/api/v1/users/{}", b.user),
            &serde_json::json!({"active": false}),
        )
        .await;
    assert_eq!(patch.status(), StatusCode::NOT_FOUND);
    let list: serde_json::Value = app
        .api(&a_token)
        .get("/api/v1/users")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list["total"], 1, "only alpha's own user");
    let revoke = a
        .post(&format!("/account/tokens/{b_token_id}/revoke"), &[])
        .await;
    assert_eq!(revoke.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.count(
            b.tenant,
            "select count(*) from api_tokens where revoked_at is null"
        )
        .await,
        1
    );
    assert_eq!(
        app.count(b.tenant, "select count(*) from users where active")
            .await,
        1
    );
}
