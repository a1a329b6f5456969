//! Who is making a request, and may they?
//!
//! A request is made by a [`Principal`]: the holder of the API token (an
//! automated desk client), a logged-in account (session cookie), or the
//! public. Sessions are random 256-bit tokens in an HttpOnly, Secure,
//! SameSite=Strict cookie; only their SHA-256 is stored. Every state-changing
//! request made with a session must carry the session's CSRF token (a form
//! field, or the `X-CSRF-Token` header for JSON), so a page of another site
//! cannot act in a logged-in user's name. Whether a role may do an action on
//! a bureau is election-data's [`election_data::bureau::authorize`] table.
//!
//! Passwords are hashed with argon2 (on a blocking thread: it is meant to be
//! slow). Failed logins are throttled per pair (account, address), slowed
//! down per account, never locked out ([`throttle`]); the address is the
//! TCP peer's, or a trusted proxy's `X-Forwarded-For` ([`client_ip`]).

pub mod client_ip;
pub mod login;
pub mod password;
pub mod throttle;

pub use client_ip::ClientIp;
pub use password::{hash_password, verify_password};

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use election_data::bureau::Role;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::store::Store;
use throttle::Throttle;

pub const SESSION_COOKIE: &str = "urne_session";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Sessions last one election night.
pub const SESSION_HOURS: i64 = 14;

/// How the principal proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// The API bearer token: no browser, no CSRF.
    Token,
    /// A session cookie, with its CSRF token and the hash of its token.
    Session {
        csrf: String,
        token_hash: String,
    },
    Anonymous,
}

/// The one making a request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub name: String,
    pub role: Role,
    /// Bureaux a president may enter (codes).
    pub bureaux: Vec<String>,
    /// A one-time-code session is limited to one election.
    pub election: Option<String>,
    pub via: Via,
    /// The secondary modules' own roles granted to the account: `(module, role)`.
    pub grants: Vec<(String, String)>,
}

impl Principal {
    pub fn anonymous() -> Principal {
        Principal {
            name: "public".into(),
            role: Role::Public,
            bureaux: Vec::new(),
            election: None,
            via: Via::Anonymous,
            grants: Vec::new(),
        }
    }

    /// The roles this principal holds in `module`: its account's, then
    /// the module's own roles granted to it.
    pub fn roles_in(&self, module: &str) -> Vec<&str> {
        std::iter::once(self.role.code())
            .chain(
                self.grants
                    .iter()
                    .filter(|(m, _)| m == module)
                    .map(|(_, r)| r.as_str()),
            )
            .collect()
    }

    /// Whether the bureau is one of this principal's own.
    pub fn owns(&self, election: &str, bureau: &str) -> bool {
        self.election.as_deref().is_none_or(|e| e == election)
            && self.bureaux.iter().any(|b| b == bureau)
    }

    /// True for the desk and admins (who see everything).
    pub fn is_desk(&self) -> bool {
        matches!(self.role, Role::Desk | Role::Admin)
    }

    /// Checks the CSRF token of a state-changing request made with a session.
    pub fn check_csrf(&self, given: Option<&str>) -> Result<(), ApiError> {
        match &self.via {
            Via::Session { csrf, .. } => {
                if given.is_some_and(|g| constant_time_eq(g.as_bytes(), csrf.as_bytes())) {
                    Ok(())
                } else {
                    Err(ApiError::Forbidden(
                        "jeton CSRF absent ou invalide : rechargez la page".into(),
                    ))
                }
            }
            Via::Token | Via::Anonymous => Ok(()),
        }
    }

    /// Requires a logged-in principal.
    pub fn require_login(&self) -> Result<(), ApiError> {
        if self.via == Via::Anonymous {
            Err(ApiError::Unauthorized)
        } else {
            Ok(())
        }
    }

    pub fn require_desk(&self) -> Result<(), ApiError> {
        self.require_login()?;
        if self.is_desk() {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "réservé au bureau centralisateur".into(),
            ))
        }
    }

    pub fn require_admin(&self) -> Result<(), ApiError> {
        self.require_login()?;
        if self.role == Role::Admin {
            Ok(())
        } else {
            Err(ApiError::Forbidden("réservé aux administrateurs".into()))
        }
    }
}

/// Compares without leaking where two secrets differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// SHA-256, hex: how session tokens and one-time codes are stored.
pub fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A random token of 256 bits, URL-safe.
pub fn random_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn cookie_value<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The role a route needs, declared where the routes are
/// (`router.rs` for the API, `desk/mod.rs` for the screens) and checked by
/// their guards before the handler runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Any account, a president's code session or the API token.
    SignedIn,
    /// The desk (bureau centralisateur) or an administrator.
    Desk,
    /// An administrator (or the API token).
    Admin,
}

impl Need {
    /// Whether `p` has the role: 401 for nobody, 403 for too little.
    pub fn check(self, p: &Principal) -> Result<(), ApiError> {
        match self {
            Need::SignedIn => p.require_login(),
            Need::Desk => p.require_desk(),
            Need::Admin => p.require_admin(),
        }
    }
}

/// What authentication reads, a sub-state of the server's: the store of
/// accounts and sessions, the API token, the login throttle, the trusted
/// proxies (whose `X-Forwarded-For` names the client), and an argon2
/// hash checked against when an account does not exist (so that unknown
/// and known names take the same time to refuse). Handlers and extractors
/// take it through `FromRef`, so this module knows nothing of the rest of
/// the server's state.
#[derive(Debug, Clone)]
pub struct AuthState {
    pub store: Arc<Store>,
    pub api_token: Arc<str>,
    pub throttle: Arc<Throttle>,
    pub trusted_proxies: Arc<[ipnet::IpNet]>,
    pub dummy_hash: Arc<str>,
}

impl<S> FromRequestParts<S> for Principal
where
    S: Send + Sync,
    AuthState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AuthState::from_ref(state);
        if let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
            let given = auth
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .ok_or(ApiError::Unauthorized)?;
            let expected = state.api_token.as_bytes();
            if !expected.is_empty() && constant_time_eq(given.as_bytes(), expected) {
                return Ok(Principal {
                    name: "api".into(),
                    role: Role::Admin,
                    bureaux: Vec::new(),
                    election: None,
                    via: Via::Token,
                    grants: Vec::new(),
                });
            }
            return Err(ApiError::Unauthorized);
        }
        let Some(token) = cookie_value(parts, SESSION_COOKIE) else {
            return Ok(Principal::anonymous());
        };
        let token_hash = sha256_hex(token.as_bytes());
        let Some(session) = state.store.session(&token_hash).await? else {
            return Ok(Principal::anonymous());
        };
        let role = Role::parse(&session.role).unwrap_or(Role::Public);
        // A one-time code is a president's, for one election: no module roles.
        let grants = if session.election_id.is_some() {
            Vec::new()
        } else {
            state.store.grants_of(&session.username).await?
        };
        Ok(Principal {
            name: session.username,
            role,
            bureaux: session.bureaux,
            election: session.election_id,
            via: Via::Session {
                csrf: session.csrf,
                token_hash,
            },
            grants,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_round_trip() {
        let h = hash_password("correct horse").expect("hash");
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong horse", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn tokens_are_long_and_distinct() {
        let a = random_token();
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_token());
    }
}
