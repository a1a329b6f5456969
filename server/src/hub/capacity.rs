//! How many live connections the server takes: beyond `--max-subscribers`,
//! a new WebSocket is refused before its upgrade with a 503 and a
//! `Retry-After`, so that the connections already open, the desk's writes
//! and the pages (which need no connection) keep their share of the
//! machine. The live script retries by itself, later.
//!
//! Connections served in this process are counted here, by a guard each
//! holds for its life; those handed to fan-out workers are counted by the
//! workers ([`super::workers`]: counted at the hand-over, corrected by each
//! worker's report).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::ErrorBody;

/// Seconds a refused client is asked to wait.
pub const RETRY_AFTER_SECS: u64 = 10;

#[derive(Debug, Default)]
pub struct Capacity {
    /// Most connections at once (0: no limit).
    max: AtomicUsize,
    /// Connections held by this process.
    local: Arc<AtomicUsize>,
}

/// One admitted connection, counted until dropped.
#[derive(Debug)]
pub struct Admitted {
    local: Arc<AtomicUsize>,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        self.local.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Capacity {
    pub fn set_max(&self, max: usize) {
        self.max.store(max, Ordering::SeqCst);
    }

    pub fn max(&self) -> usize {
        self.max.load(Ordering::SeqCst)
    }

    /// Connections held by this process.
    pub fn local(&self) -> usize {
        self.local.load(Ordering::SeqCst)
    }

    /// A place for one more connection, `elsewhere` being those the
    /// workers hold; None when full.
    pub fn admit(&self, elsewhere: usize) -> Option<Admitted> {
        let now = self.local.fetch_add(1, Ordering::SeqCst) + 1;
        let admitted = Admitted {
            local: self.local.clone(),
        };
        let max = self.max();
        if max > 0 && now + elsewhere > max {
            return None; // `admitted` drops: the place is given back.
        }
        Some(admitted)
    }

    /// The refusal of a connection beyond capacity.
    pub fn refusal(&self) -> Response {
        let body = ErrorBody::new(
            "over_capacity",
            format!(
                "le direct est complet ({} connexions) : réessayez dans {RETRY_AFTER_SECS} s ; les pages de résultats restent consultables",
                self.max()
            ),
        );
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, RETRY_AFTER_SECS.to_string())],
            Json(body),
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_given_back() {
        let c = Capacity::default();
        c.set_max(2);
        let a = c.admit(0).expect("first");
        let _b = c.admit(0).expect("second");
        assert!(c.admit(0).is_none(), "full");
        assert_eq!(c.local(), 2);
        drop(a);
        assert!(c.admit(0).is_some(), "a place freed");
        assert!(c.admit(2).is_none(), "the workers' connections count");
    }

    #[test]
    fn zero_is_no_limit() {
        let c = Capacity::default();
        let held: Vec<_> = (0..1000).filter_map(|_| c.admit(0)).collect();
        assert_eq!(held.len(), 1000);
    }
}
