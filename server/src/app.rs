//! Where the server's shell used to live, kept as a map for the code that
//! starts a server: the state is in [`crate::state`], the routes in
//! [`crate::router`], starting and stopping in [`crate::serve`].

pub use crate::router::router;
pub use crate::serve::{Running, serve, spawn};
pub use crate::state::{AppState, Config, watch_embargo};
