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
//! - [`live`], [`charts`], [`assets`], [`protocol`], [`time`]: the read
//!   model, from the `results-view` crate shared with the kiosk.
//! - [`hub`]: the topics (from `results-view`), the WebSocket endpoint and
//!   the fan-out worker processes that can hold its connections.
//! - [`auth`]: accounts, sessions, CSRF, login throttling.
//! - [`write`]: the write path (lock, replay, transition, store, publish) the API, the desk and the CLI share.
//! - [`desk`]: the desk's and presidents' HTML forms.
//! - [`pages`]: the public pages (from `results-view`), the feed's handler and the static copy.
//! - [`export`]: downloads of the results in the ministry, prefecture and standard formats.
//! - [`print`]: the printable records (PDF): commune, bureau, proclamation.
//! - [`cli`]: the command line (serve, demo, import, export, user, audit).

pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod contours;
pub mod desk;
pub mod error;
pub mod export;
pub mod follow;
pub mod hub;
pub mod lang;
pub mod modules;
pub mod pages;
pub mod print;
pub mod router;
pub mod schemas;
pub mod serve;
pub mod state;
pub mod store;
pub mod tls;
pub mod ui;
pub mod write;

// The read model, shared with the kiosk (`results-view`), under the paths
// the rest of the server has always used.
pub use results_view::{assets, charts, deflate, live, protocol, time};
