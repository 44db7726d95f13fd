//! Validated domain types and rules, without I/O. Input from forms and JSON becomes one of
//! these before it reaches `db/`.

mod facility;
mod ids;
mod role;
mod text;

pub use facility::{FacilityDraft, FacilityInput, FacilityKind};
pub use ids::{FacilityId, TenantId, UserId};
pub use role::Role;
pub use text::{Email, NewPassword, Slug, clean_optional, clean_required};
