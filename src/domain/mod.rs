//! Validated domain types and rules, without I/O. Input from forms and JSON becomes one of
//! these before it reaches `db/`.

/// A closed set of choices: stored as its key, shown with its label.
macro_rules! choice {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $key:literal : $label:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        pub enum $name { $(#[serde(rename = $key)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                let s = s.trim();
                Self::ALL.iter().copied().find(|v| v.as_str().eq_ignore_ascii_case(s))
            }
        }
    };
}

mod affiliation;
mod campaign;
mod content;
mod facility;
mod feedback;
mod follow_up;
mod ids;
mod import;
mod influence;
mod merge;
mod message;
mod money;
mod npi;
mod organization;
mod pipeline;
pub mod referral;
mod role;
pub mod search;
mod segment;
mod stakeholder;
mod survey;
mod text;
mod touchpoint;

pub use affiliation::{AffiliationDraft, AffiliationInput, AffiliationRole, AffiliationTarget};
pub use campaign::{
    CampaignChannel, CampaignDraft, CampaignInput, CampaignStatus, CostCategory, CostDraft,
    CostInput, KpiDraft, KpiInput, KpiMeasure, hundredths, show_hundredths,
};
pub use content::{ContentChannel, ContentDraft, ContentInput, ContentStatus, month_grid};
pub use facility::{FacilityDraft, FacilityInput, FacilityKind};
pub use feedback::{
    DEFAULT_TOPICS, FeedbackDraft, FeedbackInput, FeedbackStatus, FeedbackStep, FeedbackStepDraft,
    sentiment_label,
};
pub use follow_up::{CompleteDraft, FollowUpDraft, FollowUpInput, FollowUpStatus};
pub use ids::{FacilityId, StakeholderId, TenantId, UserId};
pub use import::{
    IMPORTABLE, ImportKind, ImportOptions, ImportOptionsDraft, ImportStatus, MAX_ATTEMPTS,
    MAX_FILE_BYTES, kind_for_taxonomy,
};
pub use influence::{InfluenceDraft, InfluenceInput, InfluenceKind, InfluenceSource};
pub use merge::{merge_fields, name_similarity};
pub use message::{
    BUCKETS, MessageDraft, MessageInput, VariantDraft, VariantInput, bucket, pick_variant,
};
pub use money::Money;
pub use npi::{Npi, check_digit as npi_check_digit};
pub use organization::{OrganizationDraft, OrganizationInput, OrganizationKind};
pub use pipeline::{AssignmentRole, Cadence, Stage, StageMove, StageMoveDraft, due};
pub use role::Role;
pub use segment::{SegmentDefinition, SegmentDraft, SegmentInput};
pub use stakeholder::{
    Channel, StakeholderDraft, StakeholderInput, StakeholderKind, Tier, clean_tags, valid_phone,
};
pub use survey::{
    Answer, LIKERT, MAX_QUESTIONS, QuestionDraft, QuestionInput, QuestionKind, RawAnswer,
    SurveyDraft, SurveyInput, SurveyStatus, check_answers, response_outcome,
};
pub use text::{
    Email, NewPassword, Slug, clean_optional, clean_required, optional_date, optional_id,
};
pub use touchpoint::{
    Direction, FollowUpPlan, MAX_GROUP, Outcome, TouchChannel, TouchpointDraft, TouchpointInput,
    format_cents, idempotency_key, join_date_time, parse_time,
};
