//! The signal between instances on one PostgreSQL database: each write
//! transaction sends one `NOTIFY` on [`CHANNEL`] (delivered at its commit,
//! never if it rolls back) naming the election and the seq it reached. The
//! payload is a hint, never the data: a listener reads the entries after the
//! seq it has applied ([`crate::follow`]), so a lost or merged notification
//! costs only the wait for the next tick. An import of contours sends
//! `contours ID` instead (the map is not in the change log). SQLite has one instance: nothing
//! to send.

use sqlx::AnyConnection;

use super::{Backend, StoreError};

/// The channel every instance listens on.
pub const CHANNEL: &str = "urne_entries";

/// Sends the notification, inside the write transaction that made `seq`.
pub async fn send(
    conn: &mut AnyConnection,
    backend: Backend,
    election_id: &str,
    seq: i64,
) -> Result<(), StoreError> {
    if backend != Backend::Postgres {
        return Ok(());
    }
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(format!("{seq} {election_id}"))
        .execute(conn)
        .await?;
    Ok(())
}

/// Sends, inside the transaction that stored them, that an election's
/// contours changed (`contours ID`): the other instances reload them.
pub async fn send_contours(
    conn: &mut AnyConnection,
    backend: Backend,
    election_id: &str,
) -> Result<(), StoreError> {
    if backend != Backend::Postgres {
        return Ok(());
    }
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(format!("contours {election_id}"))
        .execute(conn)
        .await?;
    Ok(())
}

/// What a notification says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    /// The election reached this seq: read its entries.
    Entries(String),
    /// The election's contours were imported again: reload them.
    Contours(String),
}

/// What a payload says; None for anything else.
pub fn heard(payload: &str) -> Option<Heard> {
    if let Some(id) = payload.strip_prefix("contours ") {
        return Some(Heard::Contours(id.to_string()));
    }
    parse(payload).map(|(id, _)| Heard::Entries(id.to_string()))
}

/// `(election id, seq)` from a payload; None for anything else.
pub fn parse(payload: &str) -> Option<(&str, i64)> {
    let (seq, id) = payload.split_once(' ')?;
    Some((id, seq.parse().ok()?))
}

#[cfg(test)]
mod tests {
    #[test]
    fn payloads() {
        assert_eq!(
            super::parse("12 municipales-2026"),
            Some(("municipales-2026", 12))
        );
        assert_eq!(super::parse("0 a b"), Some(("a b", 0)));
        assert_eq!(super::parse("x y"), None);
        assert_eq!(super::parse("12"), None);
        assert_eq!(
            super::heard("contours municipales-2026"),
            Some(super::Heard::Contours("municipales-2026".into()))
        );
        assert_eq!(
            super::heard("3 municipales-2026"),
            Some(super::Heard::Entries("municipales-2026".into()))
        );
    }
}
