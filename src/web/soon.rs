//! Areas of the product that are not built yet. Each link in the navigation leads here, and
//! the page says plainly what the area will do, instead of a dead link or made-up numbers.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::routing::get;

use super::Layout;
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::AppResult;

struct Area {
    key: &'static str,
    path: &'static str,
    title: &'static str,
    will_do: &'static str,
}

const AREAS: &[Area] = &[Area {
    key: "dashboards",
    path: "/dashboards",
    title: "Dashboards",
    will_do: "Executive, marketing and liaison dashboards: campaign performance, spend and reach, referral lift, the champion pipeline, feedback themes and message tests, as charts.",
}];

pub fn router() -> Router<AppState> {
    let mut router = Router::new();
    for area in AREAS {
        router = router.route(area.path, get(move |user: CurrentUser| page(user, area)));
    }
    router
}

#[derive(Template, WebTemplate)]
#[template(path = "soon.html")]
struct SoonPage {
    layout: Layout,
    title: &'static str,
    will_do: &'static str,
}

async fn page(user: CurrentUser, area: &'static Area) -> AppResult<SoonPage> {
    Ok(SoonPage {
        layout: Layout::new(&user, area.title, area.key),
        title: area.title,
        will_do: area.will_do,
    })
}
