//! End-to-end tests: the real server on a random port, a real database
//! (SQLite in a temporary file, and PostgreSQL), real HTTP and WebSocket
//! clients. Tests that need PostgreSQL run whenever it is reachable (always
//! in CI, where its absence is a failure) and otherwise say on stderr that
//! they were skipped and how to enable them.

mod api;
mod attachments;
mod backup;
mod browser;
mod catalogue_browser;
mod cimetiere;
mod cluster;
mod contours;
mod courrier;
mod deflate;
mod deltas_browser;
mod desk;
mod desk_browser;
mod durability;
mod elec;
mod fanout;
mod faults;
mod formats;
mod helpers;
mod imports_form;
mod kiosk_follow;
mod live;
mod map_browser;
mod module_roles;
mod modules;
mod modules_browser;
mod nginx;
mod pages_browser;
mod scrutin;
mod seats_agree;
mod seats_pages;
mod sessions;
mod store;
mod territory;
mod throttle;
mod tls;
mod workers;
