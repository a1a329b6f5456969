//! The writes of the night, shared by the JSON API and the HTML forms.
//!
//! Each action runs under the election's writer lock: read the bureau's
//! current state, check the role (election-data's workflow table) and the
//! version the client corrects, validate the figures, commit one
//! transaction (bureau row, entry log, audit row, idempotency key), then
//! publish to the hub. The answer is built before the commit so that it can
//! be stored with the idempotency key and replayed byte for byte.

use election_data::model::{ProcesVerbal, TurnoutReading};
use election_data::tally::{BureauRecord, BureauState, Tally, tally_bureaux};
use election_data::validate::{Violation, check_pv, check_turnout};
use election_data::workflow::{Action, Refusal, authorize, check_double_entry};
use serde::Serialize;
use serde_json::json;

use crate::auth::Principal;
use crate::error::ApiError;
use crate::live::{BureauLive, BureauMeta};
use crate::state::AppState;
use crate::store::{EntryKind, Idempotency, NewEntry, StoreError};

/// A PV as submitted.
#[derive(Debug, Clone)]
pub struct PvInput {
    pub pv: ProcesVerbal,
    /// Store despite warnings.
    pub confirm: bool,
    /// The version this entry corrects, when the client says so.
    pub version: Option<i64>,
    /// 1, or 2 for the second entry of a double entry.
    pub entry: u8,
    /// Optional running tallies (first entry only).
    pub centaines: Vec<election_data::validate::Centaine>,
}

/// An idempotency key with the hash of the request it came with.
#[derive(Debug, Clone)]
pub struct IdemKey {
    pub key: String,
    pub request_hash: String,
}

/// The answer to an accepted write.
#[derive(Debug, Clone, Serialize)]
pub struct Accepted {
    pub election: String,
    pub bureau: String,
    pub version: i64,
    pub seq: i64,
    pub state: BureauState,
    pub warnings: Vec<Violation>,
    pub results: Tally,
}

fn refused(r: Refusal) -> ApiError {
    if r.is_permission() {
        ApiError::Forbidden(r.message())
    } else {
        ApiError::Refused(r)
    }
}

fn check_version(expected: Option<i64>, current: BureauMeta) -> Result<(), ApiError> {
    match expected {
        Some(v) if v != current.version => Err(ApiError::Conflict {
            message: format!(
                "cette saisie corrige la version {v} mais la version enregistrée est {} : rechargez avant de corriger",
                current.version
            ),
            current_version: current.version,
        }),
        _ => Ok(()),
    }
}

/// Merges new turnout readings into the known ones, by hour.
pub fn merge_turnout(known: &[TurnoutReading], new: &[TurnoutReading]) -> Vec<TurnoutReading> {
    let mut out: Vec<TurnoutReading> = known
        .iter()
        .filter(|k| !new.iter().any(|n| n.hour == k.hour))
        .cloned()
        .collect();
    out.extend(new.iter().cloned());
    out.sort_by(|a, b| a.hour.cmp(&b.hour));
    out
}

struct Write<'a> {
    bureau: &'a str,
    old: BureauLive,
    new: BureauLive,
    kind: EntryKind,
    payload: serde_json::Value,
    warnings: Vec<Violation>,
}

/// Commits and publishes a prepared write. Called with the writer lock held.
async fn commit(
    state: &AppState,
    topic: &crate::hub::Topic,
    principal: &Principal,
    w: Write<'_>,
    idem: Option<&IdemKey>,
) -> Result<String, ApiError> {
    let election = topic.read().election.clone();
    let results = tally_bureaux(&election, [w.bureau], &single(w.bureau, &w.new.record));
    let new_state = w.new.meta.state;
    let answer = |c: crate::store::Committed| {
        serde_json::to_string(&Accepted {
            election: topic.id.clone(),
            bureau: w.bureau.to_string(),
            version: c.version,
            seq: c.seq,
            state: new_state,
            warnings: w.warnings.clone(),
            results: results.clone(),
        })
        .unwrap_or_default()
    };
    let outcome = state
        .store
        .put_entry(
            NewEntry {
                election_id: &topic.id,
                bureau_code: w.bureau,
                expected_version: w.old.meta.version,
                bureau: &w.new,
                old: &w.old,
                kind: w.kind,
                payload: &w.payload,
                author: &principal.name,
                idempotency: idem.map(|i| Idempotency {
                    key: &i.key,
                    request_hash: &i.request_hash,
                }),
            },
            answer,
        )
        .await;
    let (committed, body) = match outcome {
        Ok(ok) => ok,
        Err(StoreError::IdempotencyRace) => {
            // Another instance stored this key first: answer what it answered.
            return replay(state, idem).await?.ok_or_else(|| {
                ApiError::Internal(anyhow::anyhow!("idempotency race without a stored answer"))
            });
        }
        Err(e) => return Err(e.into()),
    };
    let mut published = w.new;
    published.meta.version = committed.version;
    published.meta.updated_at = committed.at;
    topic.publish(w.bureau, published, committed.seq);
    tracing::info!(election = %topic.id, bureau = w.bureau, seq = committed.seq, version = committed.version, kind = w.kind.code(), actor = %principal.name, "entry committed");
    Ok(body)
}

fn single(code: &str, r: &BureauRecord) -> std::collections::BTreeMap<String, BureauRecord> {
    std::iter::once((code.to_string(), r.clone())).collect()
}

/// The stored answer for an idempotency key, if this request was seen.
async fn replay(state: &AppState, idem: Option<&IdemKey>) -> Result<Option<String>, ApiError> {
    let Some(idem) = idem else {
        return Ok(None);
    };
    match state.store.idempotent(&idem.key).await? {
        Some((hash, _, body)) if hash == idem.request_hash => Ok(Some(body)),
        Some(_) => Err(ApiError::bad_request(
            "idempotency_key_reused",
            "cette clé Idempotency-Key a déjà servi pour une autre saisie",
        )),
        None => Ok(None),
    }
}

/// What every write starts with, under the election's writer lock: the
/// bureau as it stands, and the state the role may move it to.
struct Begun<'a> {
    _writer: tokio::sync::MutexGuard<'a, ()>,
    election: std::sync::Arc<election_data::model::Election>,
    old: BureauLive,
    next: BureauState,
}

enum Start<'a> {
    /// The idempotency key was seen: its stored answer.
    Replayed(String),
    Begun(Box<Begun<'a>>),
}

/// Takes the writer lock, answers a replayed idempotency key, then checks
/// the bureau exists, the role may do `action` on it, and `version` (if
/// given) is the stored one.
#[allow(clippy::too_many_arguments)]
async fn begin<'a>(
    state: &AppState,
    topic: &'a crate::hub::Topic,
    principal: &Principal,
    id: &str,
    code: &str,
    action: Action,
    version: Option<i64>,
    idem: Option<&IdemKey>,
) -> Result<Start<'a>, ApiError> {
    let writer = topic.writer.lock().await;
    if let Some(body) = replay(state, idem).await? {
        return Ok(Start::Replayed(body));
    }
    let (election, old) = {
        let live = topic.read();
        (live.election.clone(), live.bureau(code))
    };
    if election.bureau(code).is_none() {
        return Err(ApiError::not_found(format!(
            "bureau inconnu dans {id} : {code}"
        )));
    }
    let next = authorize(
        principal.role,
        action,
        principal.owns(id, code),
        old.meta.state,
    )
    .map_err(refused)?;
    check_version(version, old.meta)?;
    Ok(Start::Begun(Box::new(Begun {
        _writer: writer,
        election,
        old,
        next,
    })))
}

fn topic_of(state: &AppState, id: &str) -> Result<std::sync::Arc<crate::hub::Topic>, ApiError> {
    state
        .hub
        .get(id)
        .ok_or_else(|| ApiError::not_found(format!("élection inconnue : {id}")))
}

/// Enters or corrects a procès-verbal.
pub async fn enter_pv(
    state: &AppState,
    principal: &Principal,
    id: &str,
    code: &str,
    input: PvInput,
    idem: Option<IdemKey>,
) -> Result<String, ApiError> {
    let topic = topic_of(state, id)?;
    let Begun {
        _writer,
        election,
        old,
        next,
    } = match begin(
        state,
        &topic,
        principal,
        id,
        code,
        Action::Enter,
        input.version,
        idem.as_ref(),
    )
    .await?
    {
        Start::Replayed(body) => return Ok(body),
        Start::Begun(b) => *b,
    };
    let Some(bureau) = election.bureau(code) else {
        return Err(ApiError::not_found(format!(
            "bureau inconnu dans {id} : {code}"
        )));
    };
    let second = match input.entry {
        1 => false,
        2 if election.double_entry => true,
        2 => {
            return Err(ApiError::bad_request(
                "no_double_entry",
                "entry : la double saisie n'est pas demandée pour cette élection",
            ));
        }
        n => {
            return Err(ApiError::bad_request(
                "invalid_field",
                format!("entry : 1 ou 2 attendu (reçu {n})"),
            ));
        }
    };
    if second && old.record.pv.is_none() {
        return Err(ApiError::Refused(Refusal::WrongState {
            state: old.meta.state,
        }));
    }
    // Turnout readings already stored count too: the final votants must not
    // fall below a reading of the day.
    let turnout = merge_turnout(&old.record.turnout, &input.pv.turnout);
    let checked = ProcesVerbal {
        turnout: turnout.clone(),
        ..input.pv.clone()
    };
    let previous = if second {
        old.second.as_ref()
    } else {
        old.record.pv.as_ref()
    };
    let mut report = check_pv(&election, bureau, &checked, previous);
    if !second {
        let c = election_data::validate::check_centaines(&election, &input.pv, &input.centaines);
        report.errors.extend(c.errors);
        report.warnings.extend(c.warnings);
    }
    if !report.accepts(input.confirm) {
        return Err(ApiError::Violations {
            errors: report.errors,
            warnings: report.warnings,
        });
    }
    let pv = ProcesVerbal {
        turnout: Vec::new(),
        ..input.pv
    };
    let mut new = old.clone();
    new.meta.state = next;
    new.record.turnout = turnout;
    if second {
        new.second = Some(pv.clone());
    } else {
        new.record.pv = Some(pv.clone());
        new.centaines = input.centaines.clone();
    }
    let payload = json!({ "entry": input.entry, "pv": pv, "confirm": input.confirm, "centaines": input.centaines });
    commit(
        state,
        &topic,
        principal,
        Write {
            bureau: code,
            old,
            new,
            kind: if second {
                EntryKind::SecondPv
            } else {
                EntryKind::Pv
            },
            payload,
            warnings: report.warnings,
        },
        idem.as_ref(),
    )
    .await
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
) -> Result<String, ApiError> {
    let topic = topic_of(state, id)?;
    let Begun {
        _writer,
        election,
        old,
        next,
    } = match begin(
        state,
        &topic,
        principal,
        id,
        code,
        Action::Turnout,
        version,
        idem.as_ref(),
    )
    .await?
    {
        Start::Replayed(body) => return Ok(body),
        Start::Begun(b) => *b,
    };
    let Some(bureau) = election.bureau(code) else {
        return Err(ApiError::not_found(format!(
            "bureau inconnu dans {id} : {code}"
        )));
    };
    let merged = merge_turnout(&old.record.turnout, &readings);
    let report = check_turnout(&election, bureau, &merged, old.record.pv.as_ref());
    if report.is_blocking() {
        return Err(ApiError::Violations {
            errors: report.errors,
            warnings: report.warnings,
        });
    }
    let mut new = old.clone();
    new.meta.state = next;
    new.record.turnout = merged;
    commit(
        state,
        &topic,
        principal,
        Write {
            bureau: code,
            old,
            new,
            kind: EntryKind::Turnout,
            payload: json!({ "turnout": readings }),
            warnings: report.warnings,
        },
        idem.as_ref(),
    )
    .await
}

/// Validates, publishes or unpublishes a bureau.
pub async fn transition(
    state: &AppState,
    principal: &Principal,
    id: &str,
    code: &str,
    action: Action,
    version: Option<i64>,
) -> Result<String, ApiError> {
    let topic = topic_of(state, id)?;
    let Begun {
        _writer,
        election,
        old,
        next,
    } = match begin(state, &topic, principal, id, code, action, version, None).await? {
        Start::Replayed(body) => return Ok(body),
        Start::Begun(b) => *b,
    };
    let mut new = old.clone();
    new.meta.state = next;
    let kind = match action {
        Action::Validate => {
            if election.double_entry {
                check_double_entry(old.record.pv.as_ref(), old.second.as_ref())
                    .map_err(ApiError::Refused)?;
            }
            EntryKind::Validate
        }
        Action::Publish => {
            new.published = old.record.pv.clone();
            EntryKind::Publish
        }
        Action::Unpublish => {
            new.published = None;
            EntryKind::Unpublish
        }
        Action::Enter | Action::Turnout => {
            return Err(ApiError::Internal(anyhow::anyhow!(
                "transition called with {action:?}"
            )));
        }
    };
    commit(
        state,
        &topic,
        principal,
        Write {
            bureau: code,
            old,
            new,
            kind,
            payload: json!({ "action": kind.code() }),
            warnings: Vec::new(),
        },
        None,
    )
    .await
}
