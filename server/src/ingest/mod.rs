//! The write path shared by the JSON API ([`crate::api`]) and the desk's
//! forms: [`actions`]. The handlers that used to be here are in
//! [`crate::api`], by resource; the names other modules use are re-exported.

pub mod actions;

pub use crate::api::bureaux::new_access_code;
pub use crate::api::users::{NewUser, make_user};
pub use crate::api::{ApiJson, api_not_found, panic_response};
