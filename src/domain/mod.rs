//! Validated domain types and rules, without I/O. Input from forms and JSON becomes one of
//! these before it reaches `db/`.

mod facility;
mod ids;
mod npi;
mod organization;
mod role;
pub mod search;
mod stakeholder;
mod text;

pub use facility::{FacilityDraft, FacilityInput, FacilityKind};
pub use ids::{FacilityId, StakeholderId, TenantId, UserId};
pub use npi::{Npi, check_digit as npi_check_digit};
pub use organization::{OrganizationDraft, OrganizationInput, OrganizationKind};
pub use role::Role;
pub use stakeholder::{
    Channel, StakeholderDraft, StakeholderInput, StakeholderKind, Tier, clean_tags, valid_phone,
};
pub use text::{Email, NewPassword, Slug, clean_optional, clean_required};
