//! Rapport: relationship management for health systems.
//!
//! A tour of the crate:
//! - [`config`] reads the environment once; [`telemetry`] sets up logging.
//! - [`postgres`] connects (to `DATABASE_URL` or a private embedded cluster), migrates, and
//!   opens the tenant transaction every request runs in; row-level security does the rest.
//! - [`domain`] holds validated types (emails, roles, ids); [`db`] holds all SQL.
//! - [`auth`] signs users in (argon2id, server-side sessions, API tokens) and provides the
//!   `CurrentUser` extractor; [`web`] renders pages (askama + htmx); [`api`] serves `/api/v1`
//!   with an OpenAPI document.
//! - [`app`] assembles routes and layers; [`error`] turns failures into pages or problem+json.
//! - [`imports`] reads provider and referral files as they really arrive; [`jobs`] runs
//!   imports in the background on a PostgreSQL queue and writes them set-based; [`export`]
//!   writes a whole workspace as one archive.
//! - [`demo`] creates the demo workspace; [`cli`] is the command line the binary runs.

pub mod analytics;
pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod export;
pub mod imports;
pub mod jobs;
pub mod postgres;
pub mod telemetry;
pub mod web;
