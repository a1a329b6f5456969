//! # Urne server
//!
//! The election-night server: it stores each bureau's procès-verbal durably,
//! recomputes the tallies with `election-data`, pushes every change to live
//! subscribers over WebSocket and renders the public pages.
//!
//! - [`app`]: the router and shared state, and how the server is started.
//! - [`store`]: SQLite / PostgreSQL persistence.
//! - [`live`]: the in-memory state of each election.
//! - [`hub`]: per-election topics, frames, the WebSocket endpoint.
//! - [`ingest`]: the JSON entry API.
//! - [`pages`]: the public HTML pages.
//! - [`demo`]: the sample election night.

pub mod app;
pub mod assets;
pub mod demo;
pub mod error;
pub mod hub;
pub mod ingest;
pub mod live;
pub mod pages;
pub mod store;
