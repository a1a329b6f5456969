//! # Urne server
//!
//! The election-night server: it stores each bureau's procès-verbal durably,
//! recomputes the tallies with `election-data`, pushes every change to live
//! subscribers over WebSocket and renders the public pages.
//!
//! - [`state`]: the shared state (with its sub-states) and the configuration.
//! - [`router`]: the routes, and the role each one needs.
//! - [`serve`]: starting the server, the accept loop, stopping.
//! - [`api`]: the JSON API by resource, and its generated OpenAPI document.
//! - [`schemas`]: the OpenAPI schemas of the domain types the API carries.
//! - [`app`]: re-exports of the above, for the code that starts a server.
//! - [`store`]: SQLite / PostgreSQL persistence.
//! - [`live`]: the in-memory state of each election.
//! - [`hub`]: per-election topics, frames, the WebSocket endpoint and the
//!   fan-out worker processes that can hold its connections.
//! - [`auth`]: accounts, sessions, CSRF, login throttling.
//! - [`ingest`]: the write actions the API shares with the desk.
//! - [`desk`]: the desk's and presidents' HTML forms.
//! - [`pages`]: the public pages, the big screen, the open feed and the static copy.
//! - [`charts`]: the SVG charts of the public pages.
//! - [`export`]: downloads of the results in the ministry, prefecture and standard formats.
//! - [`print`]: the printable records (PDF): commune, bureau, proclamation.
//! - [`demo`]: the sample election night.

pub mod api;
pub mod app;
pub mod assets;
pub mod auth;
pub mod charts;
pub mod demo;
pub mod desk;
pub mod error;
pub mod export;
pub mod hub;
pub mod ingest;
pub mod live;
pub mod pages;
pub mod print;
pub mod router;
pub mod schemas;
pub mod serve;
pub mod state;
pub mod store;
