//! The frame around every signed-in page: navigation by role, the user menu, flash messages.

use crate::auth::CurrentUser;
use crate::domain::Role;

/// One navigation link; `soon` marks areas not built yet (their page says so plainly).
pub struct NavLink {
    pub key: &'static str,
    pub label: &'static str,
    pub href: &'static str,
    pub soon: bool,
}

pub struct NavSection {
    pub heading: &'static str,
    pub links: Vec<NavLink>,
}

/// What `base.html` needs.
pub struct Layout {
    pub title: String,
    pub active: &'static str,
    pub user_name: String,
    pub role_label: &'static str,
    pub tenant_name: String,
    pub flash: Option<String>,
    pub sections: Vec<NavSection>,
    pub asset_version: &'static str,
    /// Shows "Log touch-point" (shortcut L) in the top bar: everyone but executives.
    pub can_log: bool,
}

const fn link(key: &'static str, label: &'static str, href: &'static str, soon: bool) -> NavLink {
    NavLink {
        key,
        label,
        href,
        soon,
    }
}

impl Layout {
    pub fn new(user: &CurrentUser, title: impl Into<String>, active: &'static str) -> Self {
        let mut sections = vec![
            NavSection {
                heading: "Overview",
                links: vec![
                    link("home", "Home", "/", false),
                    link("dashboards", "Dashboards", "/dashboards", true),
                ],
            },
            NavSection {
                heading: "Relationships",
                links: vec![
                    link("my", "My stakeholders", "/my-stakeholders", false),
                    link("stakeholders", "Stakeholders", "/stakeholders", false),
                    link("organizations", "Organizations", "/organizations", false),
                    link("facilities", "Facilities", "/facilities", false),
                    link("champions", "Champions & influence", "/champions", false),
                ],
            },
            NavSection {
                heading: "Engagement",
                links: vec![
                    link("touchpoints", "Touch-points", "/touchpoints", false),
                    link("follow_ups", "My follow-ups", "/follow-ups", false),
                    link("feedback", "Feedback", "/feedback", false),
                    link("campaigns", "Campaigns", "/campaigns", false),
                    link("segments", "Segments", "/segments", false),
                    link("calendar", "Content calendar", "/calendar", false),
                    link("surveys", "Surveys", "/surveys", false),
                ],
            },
            NavSection {
                heading: "Outcomes",
                links: vec![link("referrals", "Referrals", "/referrals", false)],
            },
        ];
        if user.role == Role::Admin {
            sections.push(NavSection {
                heading: "Workspace",
                links: vec![
                    link("users", "Users", "/admin/users", false),
                    link("cadence", "Contact cadence", "/admin/cadence", false),
                    link("topics", "Feedback topics", "/admin/topics", false),
                    link("imports", "Imports", "/admin/imports", false),
                    link("export", "Export", "/admin/export", false),
                    link("audit", "Audit log", "/admin/audit", false),
                    link("settings", "Settings", "/settings", false),
                ],
            });
        }
        sections.push(NavSection {
            heading: "You",
            links: vec![link("account", "Account & API tokens", "/account", false)],
        });
        Self {
            title: title.into(),
            active,
            user_name: user.name.clone(),
            role_label: user.role.label(),
            tenant_name: user.tenant_name.clone(),
            flash: user.flash.clone(),
            sections,
            asset_version: super::assets::VERSION,
            can_log: user.role.can_edit_book(),
        }
    }
}
