//! Following the change log: how an instance learns what the other instances
//! on the same PostgreSQL database wrote.
//!
//! The log is the `entries` table, ordered by seq per election; each entry
//! keeps the bureau's dossier after it. Applying an entry is the same call
//! as publishing one's own write (`Topic::publish`), under the same per
//! election writer lock, and only for the seq right after the topic's: so
//! each entry is applied once, in order, whoever wrote it, and subscribers
//! see contiguous seqs.
//!
//! One dedicated connection `LISTEN`s ([`crate::store::notify`]); a
//! notification, or the periodic tick, makes the instance read the entries
//! after its seq. The same catch-up starts an instance's following and
//! recovers it when the connection drops (a PostgreSQL restart, a network
//! cut): reconnect with backoff, then read from the log, which holds
//! everything the notifications lost. An election defined on another
//! instance is loaded when first heard of; contours imported on another
//! instance are reloaded when heard of (`contours ID`). SQLite has one
//! instance: no follower.

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgListener;

use crate::hub::{Hub, Topic};
use crate::store::notify::{self, CHANNEL, Heard};
use crate::store::{Backend, Store, StoreError};

/// Entries read per query while catching up.
const BATCH: i64 = 500;
/// How often every election is checked even without a notification.
const TICK: Duration = Duration::from_secs(1);

/// Starts following the log, on PostgreSQL.
pub fn spawn(store: Arc<Store>, hub: Arc<Hub>) {
    if store.backend() != Backend::Postgres {
        return;
    }
    let hub = Arc::downgrade(&hub);
    tokio::spawn(async move {
        let mut backoff = Duration::from_millis(100);
        loop {
            let Some(strong) = hub.upgrade() else {
                return;
            };
            drop(strong);
            match listen(&store, &hub).await {
                Ok(()) => return,
                Err(e) => {
                    tracing::warn!("following the change log: {e}; again in {backoff:?}");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
    });
}

/// One LISTEN connection's life: catch up, then on each notification or
/// tick. Returns Ok when the hub is gone (the server stopped).
///
/// The connection is read by a task of its own that forwards what it hears
/// over a channel, so that waiting for the tick never cancels a read.
async fn listen(store: &Store, hub: &std::sync::Weak<Hub>) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect(store.url()).await?;
    listener.listen(CHANNEL).await?;
    tracing::info!("following the change log");
    // Some(id): a notification; None: the connection was lost (the next
    // read makes it again and listens again).
    let (heard, mut hearing) = tokio::sync::mpsc::unbounded_channel::<Option<Heard>>();
    let reader = tokio::spawn(async move {
        loop {
            let n = listener.try_recv().await?;
            let said = n.and_then(|n| notify::heard(n.payload()));
            if heard.send(said).is_err() {
                return Ok::<(), sqlx::Error>(());
            }
        }
    });
    let _reader_stops = AbortOnDrop(reader.abort_handle());
    let mut tick = tokio::time::interval(TICK);
    loop {
        let what = tokio::select! {
            m = hearing.recv() => match m {
                Some(id) => id,
                None => {
                    // The reader stopped: its connection could not be made again.
                    return match reader.await {
                        Ok(Err(e)) => Err(e),
                        _ => Err(sqlx::Error::PoolClosed),
                    };
                }
            },
            _ = tick.tick() => None,
        };
        let Some(hub) = hub.upgrade() else {
            return Ok(());
        };
        match what {
            Some(Heard::Entries(id)) => {
                if let Err(e) = catch_up(store, &hub, &id).await {
                    tracing::warn!(election = %id, "catching up: {e}");
                }
            }
            Some(Heard::Contours(id)) => {
                if let Some(topic) = hub.get(&id) {
                    match store.contours(&id).await {
                        Ok(map) => topic.set_map(map),
                        Err(e) => tracing::warn!(election = %id, "reloading the contours: {e}"),
                    }
                }
            }
            // A tick, or a lost connection: everything, from the log.
            None => catch_up_all(store, &hub).await,
        }
    }
}

struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn catch_up_all(store: &Store, hub: &Hub) {
    let ids = match store.election_ids().await {
        Ok(ids) => ids,
        Err(e) => {
            tracing::debug!("listing elections: {e}");
            return;
        }
    };
    for id in ids {
        if let Err(e) = catch_up(store, hub, &id).await {
            tracing::warn!(election = %id, "catching up: {e}");
        }
    }
}

/// Brings an election up to the log: loads it if this instance has never
/// seen it, else applies the entries after its seq.
pub async fn catch_up(store: &Store, hub: &Hub, id: &str) -> Result<(), StoreError> {
    let topic = match hub.get(id) {
        Some(topic) => topic,
        None => {
            let Some(stored) = store.load_election(id).await? else {
                return Ok(());
            };
            // Another task may have loaded it meanwhile.
            if hub.get(id).is_none() {
                let seq = stored.seq;
                crate::state::watch_embargo(hub.insert(stored.into_live()));
                tracing::info!(election = id, seq, "election defined on another instance");
            }
            return Ok(());
        }
    };
    let _writer = topic.writer.lock().await;
    catch_up_locked(store, &topic).await
}

/// [`catch_up`] for a topic whose writer lock the caller holds.
pub async fn catch_up_locked(store: &Store, topic: &Topic) -> Result<(), StoreError> {
    loop {
        let from = topic.read().seq;
        let batch = store.entries_after(&topic.id, from, BATCH).await?;
        let full = batch.len() as i64 == BATCH;
        for entry in batch {
            let at = topic.read().seq;
            if entry.seq != at + 1 {
                // Seqs are allocated in the writing transaction and commit
                // in order: a hole means a bug, not a race.
                return Err(StoreError::Corrupt(format!(
                    "{}: entry {} follows seq {at}",
                    topic.id, entry.seq
                )));
            }
            topic.publish(&entry.bureau_code, entry.dossier, entry.seq);
        }
        if !full {
            return Ok(());
        }
    }
}
