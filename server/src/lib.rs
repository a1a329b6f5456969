//! # Urne server
//!
//! The election-night server: it stores each bureau's procès-verbal durably,
//! recomputes the tallies with `election-data`, pushes every change to live
//! subscribers over WebSocket and renders the public pages.
//!
//! - [`app`]: the router and shared state, and how the server is started.
//! - [`store`]: SQLite / PostgreSQL persistence.
//! - [`live`]: the in-memory state of each election.
//! - [`hub`]: per-election topics, frames, the WebSocket endpoint and the
//!   fan-out worker processes that can hold its connections.
//! - [`auth`]: accounts, sessions, CSRF, login throttling.
//! - [`ingest`]: the JSON entry API.
//! - [`write`]: the write path (lock, replay, transition, store, publish) the API, the desk and the CLI share.
//! - [`desk`]: the desk's and presidents' HTML forms.
//! - [`pages`]: the public pages, the big screen, the open feed and the static copy.
//! - [`charts`]: the SVG charts of the public pages.
//! - [`export`]: downloads of the results in the ministry, prefecture and standard formats.
//! - [`print`]: the printable records (PDF): commune, bureau, proclamation.
//! - [`cli`]: the command line (serve, demo, import, export, user, audit).

pub mod app;
pub mod assets;
pub mod auth;
pub mod charts;
pub mod cli;
pub mod desk;
pub mod error;
pub mod export;
pub mod hub;
pub mod ingest;
pub mod live;
pub mod pages;
pub mod print;
pub mod store;
pub mod write;
