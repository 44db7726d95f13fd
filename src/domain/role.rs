//! The four roles of DESIGN.md and what each may do.

use serde::{Deserialize, Serialize};

/// A user's role in a workspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Manages the workspace: users, facilities, assignments, imports, the audit log.
    Admin,
    /// Plans campaigns, logs feedback, runs surveys.
    Marketer,
    /// Works a book of stakeholders: visits, calls, the champion pipeline.
    Liaison,
    /// Reads dashboards; read-only.
    Executive,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Marketer, Role::Liaison, Role::Executive];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Marketer => "marketer",
            Role::Liaison => "liaison",
            Role::Executive => "executive",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Marketer => "Marketer",
            Role::Liaison => "Liaison",
            Role::Executive => "Executive",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim().to_ascii_lowercase())
    }

    /// Keeps the relationship book: stakeholders, organizations, feedback. Executives read.
    pub fn can_edit_book(self) -> bool {
        self != Role::Executive
    }

    /// Plans campaigns: segments, messages and variants, budget and costs, KPIs, members.
    /// Liaisons and executives read campaigns.
    pub fn can_plan_campaigns(self) -> bool {
        matches!(self, Role::Admin | Role::Marketer)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse(" Admin "), Some(Role::Admin));
        assert_eq!(Role::parse("superuser"), None);
    }

    #[test]
    fn only_executives_cannot_edit_the_book() {
        assert!(Role::Admin.can_edit_book());
        assert!(!Role::Executive.can_edit_book());
    }
}
