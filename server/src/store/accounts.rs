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
    /// A disabled account cannot log in and has no session.
    pub disabled: bool,
    /// When the account was last unlocked (milliseconds; 0: never): the
    /// login throttle forgets the failures counted before.
    pub throttle_reset_at: i64,
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
    /// The address the session was opened from, when known.
    pub client_addr: Option<String>,
}

/// A live session as the desk lists it (never its token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// The SHA-256 of its token (which the hash does not reveal): how to revoke it.
    pub id: String,
    pub username: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub client_addr: Option<String>,
}

/// An account as the desk lists it (never its password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSummary {
    pub username: String,
    pub role: String,
    pub bureaux: Vec<String>,
    pub disabled: bool,
    pub created_at: i64,
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
    // A replaced account (a new password, a new role) starts with no session.
    sqlx::query("DELETE FROM sessions WHERE username = $1")
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
    let row = sqlx::query(
        "SELECT username, password_hash, role, bureaux, disabled_at, throttle_reset_at FROM users \
         WHERE username = $1",
    )
    .bind(username)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        let bureaux: String = r.try_get(3)?;
        let disabled_at: Option<i64> = r.try_get(4)?;
        Ok(User {
            username: r.try_get(0)?,
            password_hash: r.try_get(1)?,
            role: r.try_get(2)?,
            bureaux: list(&bureaux),
            disabled: disabled_at.is_some(),
            throttle_reset_at: r.try_get(5)?,
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
        "INSERT INTO sessions (token_hash, username, role, election_id, bureaux, csrf, created_at, expires_at, client_addr) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(token_hash)
    .bind(&s.username)
    .bind(&s.role)
    .bind(&s.election_id)
    .bind(json_list(&s.bureaux))
    .bind(&s.csrf)
    .bind(now_millis())
    .bind(s.expires_at)
    .bind(&s.client_addr)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A live (unexpired) session, of an account that is not disabled.
pub async fn session(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> Result<Option<Session>, StoreError> {
    let row = sqlx::query(
        "SELECT username, role, election_id, bureaux, csrf, expires_at, client_addr FROM sessions s \
         WHERE token_hash = $1 AND expires_at > $2 AND NOT EXISTS \
         (SELECT 1 FROM users u WHERE u.username = s.username AND u.disabled_at IS NOT NULL)",
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
            client_addr: r.try_get(6)?,
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

/// Every account, by name.
pub async fn users(conn: &mut AnyConnection) -> Result<Vec<UserSummary>, StoreError> {
    let rows = sqlx::query(
        "SELECT username, role, bureaux, disabled_at, created_at FROM users ORDER BY username",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            let bureaux: String = r.try_get(2)?;
            let disabled_at: Option<i64> = r.try_get(3)?;
            Ok(UserSummary {
                username: r.try_get(0)?,
                role: r.try_get(1)?,
                bureaux: list(&bureaux),
                disabled: disabled_at.is_some(),
                created_at: r.try_get(4)?,
            })
        })
        .collect()
}

/// The live sessions of `username`, the newest first.
pub async fn sessions_of(
    conn: &mut AnyConnection,
    username: &str,
) -> Result<Vec<SessionInfo>, StoreError> {
    let rows = sqlx::query(
        "SELECT token_hash, username, created_at, expires_at, client_addr FROM sessions \
         WHERE username = $1 AND expires_at > $2 ORDER BY created_at DESC, token_hash",
    )
    .bind(username)
    .bind(now_millis())
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(SessionInfo {
                id: r.try_get(0)?,
                username: r.try_get(1)?,
                created_at: r.try_get(2)?,
                expires_at: r.try_get(3)?,
                client_addr: r.try_get(4)?,
            })
        })
        .collect()
}

fn account_record<'a>(actor: &'a str, action: &'a str, new: serde_json::Value) -> AuditRecord<'a> {
    AuditRecord {
        actor,
        action,
        election_id: None,
        bureau_code: None,
        old: None,
        new: Some(new.to_string()),
    }
}

/// Ends sessions of `username`: the one whose id is `only`, or all but
/// `except`, or all. Audited; returns how many ended.
pub async fn revoke_sessions(
    conn: &mut AnyConnection,
    username: &str,
    only: Option<&str>,
    except: Option<&str>,
    actor: &str,
) -> Result<u64, StoreError> {
    let done = match (only, except) {
        (Some(id), _) => {
            sqlx::query("DELETE FROM sessions WHERE username = $1 AND token_hash = $2")
                .bind(username)
                .bind(id)
                .execute(&mut *conn)
                .await?
        }
        (None, Some(keep)) => {
            sqlx::query("DELETE FROM sessions WHERE username = $1 AND token_hash <> $2")
                .bind(username)
                .bind(keep)
                .execute(&mut *conn)
                .await?
        }
        (None, None) => {
            sqlx::query("DELETE FROM sessions WHERE username = $1")
                .bind(username)
                .execute(&mut *conn)
                .await?
        }
    };
    let ended = done.rows_affected();
    if ended > 0 {
        let new = serde_json::json!({ "username": username, "sessions": ended });
        append(&mut *conn, account_record(actor, "session.revoke", new)).await?;
    }
    Ok(ended)
}

/// Disables (ending its sessions) or enables an account. Audited; false
/// when there is no such account.
pub async fn set_disabled(
    conn: &mut AnyConnection,
    username: &str,
    disabled: bool,
    actor: &str,
) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE users SET disabled_at = $1 WHERE username = $2")
        .bind(disabled.then(now_millis))
        .bind(username)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    let ended = if disabled {
        sqlx::query("DELETE FROM sessions WHERE username = $1")
            .bind(username)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    } else {
        0
    };
    let action = if disabled {
        "user.disable"
    } else {
        "user.enable"
    };
    let new = serde_json::json!({ "username": username, "sessions_ended": ended });
    append(&mut *conn, account_record(actor, action, new)).await?;
    Ok(true)
}

/// Clears the login throttle of an account on every instance (they apply
/// `throttle_reset_at` on its next login). Audited; false when there is no
/// such account.
pub async fn unlock(
    conn: &mut AnyConnection,
    username: &str,
    actor: &str,
) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE users SET throttle_reset_at = $1 WHERE username = $2")
        .bind(now_millis())
        .bind(username)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    let new = serde_json::json!({ "username": username });
    append(&mut *conn, account_record(actor, "user.unlock", new)).await?;
    Ok(true)
}

/// Replaces an account's password and ends its sessions but `keep` (the
/// one changing it). Audited; returns how many sessions ended, or None
/// when there is no such account.
pub async fn set_password(
    conn: &mut AnyConnection,
    username: &str,
    password_hash: &str,
    keep: Option<&str>,
    actor: &str,
) -> Result<Option<u64>, StoreError> {
    let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE username = $2")
        .bind(password_hash)
        .bind(username)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    // `token_hash <> ''` for none kept: every stored hash is 64 hex digits.
    let ended = sqlx::query("DELETE FROM sessions WHERE username = $1 AND token_hash <> $2")
        .bind(username)
        .bind(keep.unwrap_or_default())
        .execute(&mut *conn)
        .await?
        .rows_affected();
    let new = serde_json::json!({ "username": username, "sessions_ended": ended });
    append(&mut *conn, account_record(actor, "user.password", new)).await?;
    Ok(Some(ended))
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

    pub async fn users(&self) -> Result<Vec<UserSummary>, StoreError> {
        users(&mut *self.pool().acquire().await?).await
    }

    pub async fn sessions_of(&self, username: &str) -> Result<Vec<SessionInfo>, StoreError> {
        sessions_of(&mut *self.pool().acquire().await?, username).await
    }

    /// Ends sessions (see [`revoke_sessions`]).
    pub async fn revoke_sessions(
        &self,
        username: &str,
        only: Option<&str>,
        except: Option<&str>,
        actor: &str,
    ) -> Result<u64, StoreError> {
        let (_guard, mut tx) = self.begin_write().await?;
        let n = revoke_sessions(&mut tx, username, only, except, actor).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Disables or enables an account (see [`set_disabled`]).
    pub async fn set_disabled(
        &self,
        username: &str,
        disabled: bool,
        actor: &str,
    ) -> Result<bool, StoreError> {
        let (_guard, mut tx) = self.begin_write().await?;
        let found = set_disabled(&mut tx, username, disabled, actor).await?;
        tx.commit().await?;
        Ok(found)
    }

    /// Clears an account's login throttle (see [`unlock`]).
    pub async fn unlock(&self, username: &str, actor: &str) -> Result<bool, StoreError> {
        let (_guard, mut tx) = self.begin_write().await?;
        let found = unlock(&mut tx, username, actor).await?;
        tx.commit().await?;
        Ok(found)
    }

    /// Replaces a password (see [`set_password`]).
    pub async fn set_password(
        &self,
        username: &str,
        password_hash: &str,
        keep: Option<&str>,
        actor: &str,
    ) -> Result<Option<u64>, StoreError> {
        let (_guard, mut tx) = self.begin_write().await?;
        let found = set_password(&mut tx, username, password_hash, keep, actor).await?;
        tx.commit().await?;
        Ok(found)
    }
}
