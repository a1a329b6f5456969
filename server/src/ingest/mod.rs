//! The write path shared by the JSON API ([`crate::api`]) and the desk's
//! forms: [`actions`]. The API's handlers that used to be here are in
//! [`crate::api`], by resource.

pub mod actions;
