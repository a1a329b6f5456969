//! Accounts, sessions and one-time codes.
//!
//! Only hashes are stored: argon2 for passwords (computed by the caller),
//! SHA-256 for session tokens and one-time codes, which are long random
//! values where a fast hash is enough. Creating accounts and codes is audited.
//!
//! The functions take the caller's connection or transaction; the [`Store`]
//! methods of the same names run each on its own (a write transaction where
//! it writes) for the callers that need nothing else in it.

use sqlx::{AnyConnection, Row};

use super::audit::{AuditRecord, append};
use super::{Store, StoreError, now_millis};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub username: String,
    pub password_hash: String,
    pub role: String,
    pub bureaux: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub username: String,
    pub role: String,
    /// For a one-time-code session: the election it is limited to.
    pub election_id: Option<String>,
    pub bureaux: Vec<String>,
    pub csrf: String,
    pub expires_at: i64,
}

fn list(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

/// Creates or replaces an account.
pub async fn put_user(
    conn: &mut AnyConnection,
    user: &User,
    actor: &str,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM users WHERE username = $1")
        .bind(&user.username)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO users (username, password_hash, role, bureaux, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&user.username)
    .bind(&user.password_hash)
    .bind(&user.role)
    .bind(json_list(&user.bureaux))
    .bind(now_millis())
    .execute(&mut *conn)
    .await?;
    let new = serde_json::json!({ "username": user.username, "role": user.role, "bureaux": user.bureaux });
    append(
        &mut *conn,
        AuditRecord {
            actor,
            action: "user.put",
            election_id: None,
            bureau_code: None,
            old: None,
            new: Some(new.to_string()),
        },
    )
    .await?;
    Ok(())
}

pub async fn user(conn: &mut AnyConnection, username: &str) -> Result<Option<User>, StoreError> {
    let row =
        sqlx::query("SELECT username, password_hash, role, bureaux FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(&mut *conn)
            .await?;
    row.map(|r| {
        let bureaux: String = r.try_get(3)?;
        Ok(User {
            username: r.try_get(0)?,
            password_hash: r.try_get(1)?,
            role: r.try_get(2)?,
            bureaux: list(&bureaux),
        })
    })
    .transpose()
}

pub async fn create_session(
    conn: &mut AnyConnection,
    token_hash: &str,
    s: &Session,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, username, role, election_id, bureaux, csrf, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(token_hash)
    .bind(&s.username)
    .bind(&s.role)
    .bind(&s.election_id)
    .bind(json_list(&s.bureaux))
    .bind(&s.csrf)
    .bind(now_millis())
    .bind(s.expires_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A live (unexpired) session.
pub async fn session(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> Result<Option<Session>, StoreError> {
    let row = sqlx::query(
        "SELECT username, role, election_id, bureaux, csrf, expires_at FROM sessions \
         WHERE token_hash = $1 AND expires_at > $2",
    )
    .bind(token_hash)
    .bind(now_millis())
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        let bureaux: String = r.try_get(3)?;
        Ok(Session {
            username: r.try_get(0)?,
            role: r.try_get(1)?,
            election_id: r.try_get(2)?,
            bureaux: list(&bureaux),
            csrf: r.try_get(4)?,
            expires_at: r.try_get(5)?,
        })
    })
    .transpose()
}

pub async fn delete_session(conn: &mut AnyConnection, token_hash: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Stores a one-time code for a bureau's president.
pub async fn create_access_code(
    conn: &mut AnyConnection,
    code_hash: &str,
    election_id: &str,
    bureau_code: &str,
    actor: &str,
    expires_at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO access_codes (code_hash, election_id, bureau_code, created_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(code_hash)
    .bind(election_id)
    .bind(bureau_code)
    .bind(actor)
    .bind(now_millis())
    .bind(expires_at)
    .execute(&mut *conn)
    .await?;
    append(
        &mut *conn,
        AuditRecord {
            actor,
            action: "code.create",
            election_id: Some(election_id),
            bureau_code: Some(bureau_code),
            old: None,
            new: None,
        },
    )
    .await?;
    Ok(())
}

/// Consumes a one-time code: returns its election and bureau, once.
pub async fn use_access_code(
    conn: &mut AnyConnection,
    code_hash: &str,
) -> Result<Option<(String, String)>, StoreError> {
    let now = now_millis();
    let row = sqlx::query(
        "UPDATE access_codes SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL AND expires_at > $1 \
         RETURNING election_id, bureau_code",
    )
    .bind(now)
    .bind(code_hash)
    .fetch_optional(&mut *conn)
    .await?;
    let found = row
        .map(|r| -> Result<(String, String), StoreError> { Ok((r.try_get(0)?, r.try_get(1)?)) })
        .transpose()?;
    Ok(found)
}

impl Store {
    /// Creates or replaces an account (see [`put_user`]).
    pub async fn put_user(&self, user: &User, actor: &str) -> Result<(), StoreError> {
        let (_guard, mut tx) = self.begin_write().await?;
        put_user(&mut tx, user, actor).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn user(&self, username: &str) -> Result<Option<User>, StoreError> {
        user(&mut *self.pool().acquire().await?, username).await
    }

    pub async fn create_session(&self, token_hash: &str, s: &Session) -> Result<(), StoreError> {
        create_session(&mut *self.pool().acquire().await?, token_hash, s).await
    }

    /// A live (unexpired) session.
    pub async fn session(&self, token_hash: &str) -> Result<Option<Session>, StoreError> {
        session(&mut *self.pool().acquire().await?, token_hash).await
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        delete_session(&mut *self.pool().acquire().await?, token_hash).await
    }

    /// Stores a one-time code for a bureau's president (see [`create_access_code`]).
    pub async fn create_access_code(
        &self,
        code_hash: &str,
        election_id: &str,
        bureau_code: &str,
        actor: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let (_guard, mut tx) = self.begin_write().await?;
        create_access_code(
            &mut tx,
            code_hash,
            election_id,
            bureau_code,
            actor,
            expires_at,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Consumes a one-time code: returns its election and bureau, once.
    pub async fn use_access_code(
        &self,
        code_hash: &str,
    ) -> Result<Option<(String, String)>, StoreError> {
        let (_guard, mut tx) = self.begin_write().await?;
        let found = use_access_code(&mut tx, code_hash).await?;
        tx.commit().await?;
        Ok(found)
    }
}
