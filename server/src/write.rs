//! The write path of the night, shared by the JSON API, the desk's forms and
//! the CLI's import.
//!
//! Every write is the same five steps, each a short function below: lock
//! (the election's writer lock, then [`current`]: the bureau as it stands,
//! read once), [`replay`] (an `Idempotency-Key` already answered gets its
//! stored answer), [`apply`] (the pure transition of election-data's
//! [`Dossier`]), [`commit`] (one transaction: [`record`] on it, then the
//! idempotency key) and [`publish`] (the live state and the subscribers, only
//! after the commit). The answer is typed ([`Answer`]): the API sends its JSON, the
//! desk reads its fields.

pub mod access_code;
pub use access_code::new_access_code;

use std::sync::Arc;

use election_data::bureau::{Action, Role};
use election_data::bureau::{Actor, Dossier, PvSubmission, Refused, Transition};
use election_data::formats::ResultsFile;
use election_data::model::{Election, TurnoutReading};
use election_data::tally::{BureauState, Tally, tally_bureaux};
use election_data::validate::{Centaine, Violation};
use serde::Serialize;
use sqlx::AnyConnection;

use crate::auth::Principal;
use crate::error::ApiError;
use crate::hub::Topic;
use crate::state::AppState;
use crate::store::bureaux::{self, Columns};
use crate::store::{
    Committed, Store, StoreError, audit, elections, entries, idempotency, now_millis,
};

/// A PV as submitted (the domain's type).
pub type PvInput = PvSubmission;

/// An idempotency key with the hash of the request it came with.
#[derive(Debug, Clone)]
pub struct IdemKey {
    pub key: String,
    pub request_hash: String,
}

/// What an accepted write answers: the bureau's new state. This very type
/// is the API document's `Accepted` schema (its domain fields described by
/// [`crate::schemas`]).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Accepted {
    pub election: String,
    pub bureau: String,
    pub version: i64,
    pub seq: i64,
    #[schema(value_type = String, example = "entered")]
    pub state: BureauState,
    #[schema(value_type = Vec<crate::schemas::Violation>)]
    pub warnings: Vec<Violation>,
    #[schema(value_type = crate::schemas::Tally)]
    pub results: Tally,
}

/// The answer to a write, for the API and the forms alike.
#[derive(Debug, Clone)]
pub enum Answer {
    /// Committed now; `body` is its JSON, as stored with the idempotency key.
    Accepted {
        accepted: Box<Accepted>,
        body: String,
    },
    /// A retry: the JSON answered the first time, byte for byte.
    Replayed(String),
}

impl Answer {
    /// The JSON body to send.
    pub fn into_body(self) -> String {
        match self {
            Answer::Accepted { body, .. } | Answer::Replayed(body) => body,
        }
    }

    /// The version the write created (unknown for a replay).
    pub fn version(&self) -> Option<i64> {
        match self {
            Answer::Accepted { accepted, .. } => Some(accepted.version),
            Answer::Replayed(_) => None,
        }
    }
}

/// A domain refusal as the API answers it.
impl From<Refused> for ApiError {
    fn from(r: Refused) -> ApiError {
        match r {
            Refused::Workflow(r) if r.is_permission() => ApiError::Forbidden(r.message()),
            Refused::Workflow(r) => ApiError::Refused(r),
            Refused::Stale { expected, current } => ApiError::Conflict {
                message: format!(
                    "cette saisie corrige la version {expected} mais la version enregistrée est {current} : rechargez avant de corriger"
                ),
                current_version: current,
            },
            Refused::NoDoubleEntry => ApiError::bad_request(
                "no_double_entry",
                "entry : la double saisie n'est pas demandée pour cette élection",
            ),
            Refused::InvalidEntry(n) => ApiError::bad_request(
                "invalid_field",
                format!("entry : 1 ou 2 attendu (reçu {n})"),
            ),
            Refused::Violations { errors, warnings } => ApiError::Violations { errors, warnings },
            Refused::NotAStep(action) => {
                ApiError::Internal(anyhow::anyhow!("transition called with {action:?}"))
            }
        }
    }
}

/// What a write asks of a bureau.
#[derive(Clone)]
enum Change {
    Pv(PvInput),
    Turnout {
        readings: Vec<TurnoutReading>,
        version: Option<i64>,
    },
    Centaines {
        centaines: Vec<Centaine>,
        version: Option<i64>,
    },
    Step {
        action: Action,
        version: Option<i64>,
    },
}

/// Enters or corrects a procès-verbal.
pub async fn enter_pv(
    state: &AppState,
    principal: &Principal,
    id: &str,
    code: &str,
    input: PvInput,
    idem: Option<IdemKey>,
) -> Result<Answer, ApiError> {
    let topic = state.election(id)?;
    let change = Change::Pv(input);
    write(&state.store, &topic, principal, code, change, idem.as_ref()).await
}

/// Enters turnout readings.
pub async fn enter_turnout(
    state: &AppState,
    principal: &Principal,
    id: &str,
    code: &str,
    readings: Vec<TurnoutReading>,
    version: Option<i64>,
    idem: Option<IdemKey>,
) -> Result<Answer, ApiError> {
    let topic = state.election(id)?;
    let change = Change::Turnout { readings, version };
    write(&state.store, &topic, principal, code, change, idem.as_ref()).await
}

/// Enters a bureau's running tallies (centaines) alone, before its PV.
pub async fn enter_centaines(
    state: &AppState,
    principal: &Principal,
    id: &str,
    code: &str,
    centaines: Vec<Centaine>,
    version: Option<i64>,
    idem: Option<IdemKey>,
) -> Result<Answer, ApiError> {
    let topic = state.election(id)?;
    let change = Change::Centaines { centaines, version };
    write(&state.store, &topic, principal, code, change, idem.as_ref()).await
}

/// Validates, publishes or unpublishes a bureau, or publishes its trend.
pub async fn transition(
    state: &AppState,
    principal: &Principal,
    id: &str,
    code: &str,
    action: Action,
    version: Option<i64>,
) -> Result<Answer, ApiError> {
    let topic = state.election(id)?;
    let change = Change::Step { action, version };
    write(&state.store, &topic, principal, code, change, None).await
}

/// lock → replay → transition → store → publish.
async fn write(
    store: &Store,
    topic: &Topic,
    principal: &Principal,
    code: &str,
    change: Change,
    idem: Option<&IdemKey>,
) -> Result<Answer, ApiError> {
    let _writer = topic.writer.lock().await;
    if let Some(body) = replay(store, idem).await? {
        return Ok(Answer::Replayed(body));
    }
    // Several instances on PostgreSQL: this one's memory may be behind the
    // log. It is brought up to it before the transition is decided, and
    // again if another instance's write got in between (the version check
    // in the database refused ours), so that a refusal names the version
    // really stored. The database, not the memory, is the authority.
    let follows = store.backend() == crate::store::Backend::Postgres;
    let mut attempt = 0;
    let (new, accepted, body, kind) = loop {
        if follows {
            crate::follow::catch_up_locked(store, topic).await?;
        }
        let (election, old) = current(topic, code);
        let actor = Actor {
            role: principal.role,
            own: principal.owns(&topic.id, code),
        };
        let t = apply(&election, code, &old, actor, change.clone())?;
        match commit(store, &election, code, &old, &t, &principal.name, idem).await {
            Ok((new, accepted, body)) => break (new, accepted, body, t.kind),
            Err(StoreError::Conflict { .. }) if follows && attempt < 2 => attempt += 1,
            Err(StoreError::IdempotencyRace) => {
                // Another instance stored this key first: answer what it answered.
                return replay(store, idem)
                    .await?
                    .map(Answer::Replayed)
                    .ok_or_else(|| {
                        ApiError::Internal(anyhow::anyhow!(
                            "idempotency race without a stored answer"
                        ))
                    });
            }
            Err(e) => return Err(e.into()),
        }
    };
    if topic.read().seq + 1 == accepted.seq {
        publish(topic, code, new, &accepted, &principal.name, kind);
    } else {
        // Entries of other instances came before ours: apply them all, ours
        // included, from the log, in order.
        crate::follow::catch_up_locked(store, topic).await?;
    }
    Ok(Answer::Accepted {
        accepted: Box::new(accepted),
        body,
    })
}

/// The election and the bureau as they stand, read once under the writer
/// lock the caller holds.
fn current(topic: &Topic, code: &str) -> (Arc<Election>, Dossier) {
    let live = topic.read();
    (live.election.clone(), live.bureau(code))
}

/// The stored answer for an idempotency key, if this request was seen.
async fn replay(store: &Store, idem: Option<&IdemKey>) -> Result<Option<String>, ApiError> {
    let Some(idem) = idem else {
        return Ok(None);
    };
    let mut conn = store.pool().acquire().await.map_err(StoreError::from)?;
    match idempotency::find(&mut conn, &idem.key).await? {
        Some(s) if s.request_hash == idem.request_hash => Ok(Some(s.body)),
        Some(_) => Err(ApiError::bad_request(
            "idempotency_key_reused",
            "cette clé Idempotency-Key a déjà servi pour une autre saisie",
        )),
        None => Ok(None),
    }
}

/// The domain transition a change asks for; 404 for a bureau the election
/// does not have (the one place the bureau's existence is checked).
fn apply(
    election: &Election,
    code: &str,
    old: &Dossier,
    actor: Actor,
    change: Change,
) -> Result<Transition, ApiError> {
    let bureau = election.bureau(code).ok_or_else(|| {
        ApiError::not_found(format!("bureau inconnu dans {} : {code}", election.id))
    })?;
    Ok(match change {
        Change::Pv(input) => old.enter(election, bureau, actor, input)?,
        Change::Turnout { readings, version } => {
            old.turnout(election, bureau, actor, readings, version)?
        }
        Change::Centaines { centaines, version } => {
            old.centaines(election, bureau, actor, centaines, version)?
        }
        Change::Step { action, version } => old.step(election, actor, action, version)?,
    })
}

/// Commits a transition with its answer (and idempotency key) in one
/// transaction; returns the stamped dossier, the answer and its JSON.
async fn commit(
    store: &Store,
    election: &Election,
    code: &str,
    old: &Dossier,
    t: &Transition,
    author: &str,
    idem: Option<&IdemKey>,
) -> Result<(Dossier, Accepted, String), StoreError> {
    let results = tally_bureaux(
        election,
        [code],
        &std::iter::once((code.to_string(), t.dossier.record.clone())).collect(),
    );
    let (_guard, mut tx) = store.begin_write().await?;
    let (new, committed) = record(&mut tx, &election.id, code, old, t, author).await?;
    let accepted = Accepted {
        election: election.id.clone(),
        bureau: code.to_string(),
        version: committed.version,
        seq: committed.seq,
        state: new.meta.state,
        warnings: t.warnings.clone(),
        results,
    };
    let body = crate::store::to_json(&accepted, "answer")?;
    if let Some(i) = idem {
        idempotency::insert(&mut tx, &i.key, &i.request_hash, &body, committed.at).await?;
    }
    crate::store::notify::send(&mut tx, store.backend(), &election.id, committed.seq).await?;
    store.slow_disk().await;
    tx.commit().await?;
    Ok((new, accepted, body))
}

/// Stores one transition on the caller's transaction: the election's next
/// sequence number, the bureau's row (version-checked), the entry and the
/// audit row. Returns the dossier as stored (version and time stamped).
pub async fn record(
    conn: &mut AnyConnection,
    election_id: &str,
    code: &str,
    old: &Dossier,
    t: &Transition,
    author: &str,
) -> Result<(Dossier, Committed), StoreError> {
    let seq = elections::next_seq(conn, election_id).await?;
    let at = now_millis();
    let version = old.meta.version + 1;
    let new = t.dossier.clone().stamped(version, at);
    let columns = Columns::of(&new)?;
    bureaux::put(conn, election_id, code, old.meta.version, &new, &columns).await?;
    let payload = crate::store::to_json(&t.payload, "entry")?;
    let dossier = crate::store::to_json(&new, "dossier")?;
    entries::append(
        conn,
        entries::Entry {
            election_id,
            seq,
            bureau_code: code,
            version,
            kind: t.kind,
            payload: &payload,
            author,
            at,
            dossier: &dossier,
        },
    )
    .await?;
    audit::append(
        conn,
        audit::AuditRecord {
            actor: author,
            action: t.kind.code(),
            election_id: Some(election_id),
            bureau_code: Some(code),
            old: Some(Columns::of(old)?.audit_json()),
            new: Some(columns.audit_json()),
        },
    )
    .await?;
    Ok((new, Committed { version, seq, at }))
}

/// Applies the committed dossier to the live state and its subscribers.
fn publish(
    topic: &Topic,
    code: &str,
    new: Dossier,
    accepted: &Accepted,
    actor: &str,
    kind: election_data::bureau::EntryKind,
) {
    topic.publish(code, new, accepted.seq);
    tracing::info!(election = %topic.id, bureau = code, seq = accepted.seq, version = accepted.version, kind = kind.code(), %actor, "entry committed");
}

/// Loads a past election's results as published, through the night's
/// transitions (a confirmed entry, validate, publish) as an administrator:
/// the figures are checked like any entry, and a bureau that breaks a rule
/// is reported by code. One transaction for the whole file: all or nothing.
pub async fn import_published(
    store: &Store,
    results: &ResultsFile,
    author: &str,
    mut progress: impl FnMut(),
) -> anyhow::Result<()> {
    let e = &results.election;
    let admin = Actor {
        role: Role::Admin,
        own: false,
    };
    let (_guard, mut tx) = store.begin_write().await?;
    elections::create(&mut tx, e, author).await?;
    for (b, pv) in results.arrived() {
        let refused = |r: Refused| {
            let text = match ApiError::from(r) {
                ApiError::Violations { errors, .. } => errors
                    .iter()
                    .map(|v| format!("{} ({})", v.message, v.rule.code()))
                    .collect::<Vec<_>>()
                    .join(" ; "),
                other => other.to_string(),
            };
            anyhow::anyhow!("bureau {} : {text}", b.code)
        };
        let mut dossier = Dossier::default();
        let input = PvSubmission {
            pv: pv.clone(),
            confirm: true,
            version: None,
            entry: 1,
            centaines: None,
        };
        let entered = dossier.enter(e, b, admin, input).map_err(refused)?;
        dossier = record(&mut tx, &e.id, &b.code, &dossier, &entered, author)
            .await?
            .0;
        for action in [Action::Validate, Action::Publish] {
            let t = dossier.step(e, admin, action, None).map_err(refused)?;
            dossier = record(&mut tx, &e.id, &b.code, &dossier, &t, author)
                .await?
                .0;
        }
        progress();
    }
    crate::store::notify::send(&mut tx, store.backend(), &e.id, 0).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests;
