//! Integration tests: the real app over real HTTP against a real PostgreSQL. One binary, so
//! the database cluster and the migrated template are set up once per run.

mod api;
mod api_campaigns;
mod api_relationships;
mod api_touchpoints;
mod auth;
mod calendar;
mod campaigns;
mod embedded;
mod export;
mod facilities;
mod follow_ups;
mod helpers;
mod imports;
mod imports_csv;
mod imports_fhir;
mod influence_scores;
mod lift;
mod merge;
mod organizations;
mod priorities;
mod referrals;
mod relationships;
mod security;
mod stakeholders;
mod surveys;
mod tenancy;
mod touchpoints;
mod users;
