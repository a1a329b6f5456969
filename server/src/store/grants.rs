//! The `module_grants` table: the secondary modules' own roles granted to
//! accounts (openCourrier's agent du courrier, openCimetière's conservateur),
//! for one module each, on top of the account's role. Granting and
//! revoking are audited (`module.grant`, `module.revoke`) in the same
//! transaction; the principal of a session reads its grants with its
//! session ([`of_user`]).

use sqlx::{AnyConnection, Row};

use super::audit::{AuditRecord, append};
use super::{Store, StoreError, now_millis};

/// One role of a module granted to an account.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Grant {
    pub username: String,
    pub module: String,
    pub role: String,
    pub granted_at: i64,
    pub granted_by: String,
}

/// Grants `role` of `module` to `username` (an existing account, checked
/// by the caller with the module's declaration); false when it already had it.
pub async fn grant(
    conn: &mut AnyConnection,
    username: &str,
    module: &str,
    role: &str,
    actor: &str,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO module_grants (username, module, role, granted_at, granted_by) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(username)
    .bind(module)
    .bind(role)
    .bind(now_millis())
    .bind(actor)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    audit(conn, actor, "module.grant", username, module, role).await?;
    Ok(true)
}

/// Takes `role` of `module` back from `username`; false when it had not it.
pub async fn revoke(
    conn: &mut AnyConnection,
    username: &str,
    module: &str,
    role: &str,
    actor: &str,
) -> Result<bool, StoreError> {
    let done =
        sqlx::query("DELETE FROM module_grants WHERE username = $1 AND module = $2 AND role = $3")
            .bind(username)
            .bind(module)
            .bind(role)
            .execute(&mut *conn)
            .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    audit(conn, actor, "module.revoke", username, module, role).await?;
    Ok(true)
}

async fn audit(
    conn: &mut AnyConnection,
    actor: &str,
    action: &str,
    username: &str,
    module: &str,
    role: &str,
) -> Result<(), StoreError> {
    let what = serde_json::json!({"username": username, "module": module, "role": role});
    append(
        conn,
        AuditRecord {
            actor,
            action,
            election_id: None,
            bureau_code: None,
            old: None,
            new: Some(what.to_string()),
        },
    )
    .await?;
    Ok(())
}

/// The `(module, role)` pairs granted to an account.
pub async fn of_user(
    conn: &mut AnyConnection,
    username: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT module, role FROM module_grants WHERE username = $1 ORDER BY module, role",
    )
    .bind(username)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// Every grant, by account then module.
pub async fn all(conn: &mut AnyConnection) -> Result<Vec<Grant>, StoreError> {
    let rows = sqlx::query(
        "SELECT username, module, role, granted_at, granted_by FROM module_grants \
         ORDER BY username, module, role",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Grant {
                username: r.try_get(0)?,
                module: r.try_get(1)?,
                role: r.try_get(2)?,
                granted_at: r.try_get(3)?,
                granted_by: r.try_get(4)?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

impl Store {
    /// The `(module, role)` pairs granted to an account.
    pub async fn grants_of(&self, username: &str) -> Result<Vec<(String, String)>, StoreError> {
        of_user(&mut *self.pool().acquire().await?, username).await
    }
}
