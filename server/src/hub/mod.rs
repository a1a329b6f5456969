//! The fan-out: one topic per election, frames serialised once per change.
//!
//! A [`Topic`] owns an election's live state, the writer lock that orders its
//! writes, a ring buffer of recent frames and a broadcast channel. Every
//! committed change becomes one [`Frame`] carrying the election's sequence
//! number; the same bytes go to every subscriber. A subscriber gets either
//! the frames after the sequence number it already has (resume from the
//! ring) or a snapshot, and then every change in order. Publishing and
//! subscribing both happen under the state lock, so a new subscriber can
//! neither miss nor receive twice a change made while it joined.

pub mod ws;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard};

use axum::extract::ws::Utf8Bytes;
use dashmap::DashMap;
use serde::Serialize;
use tokio::sync::broadcast;

use crate::live::{BureauMeta, ChangeSet, LiveElection};
use election_data::tally::{BureauRecord, Tally};

/// Frames kept for resuming clients.
pub const RING_CAPACITY: usize = 1024;
/// Frames a subscriber may fall behind before it is resynchronised.
pub const CHANNEL_CAPACITY: usize = 256;

/// One serialised message, shared by every subscriber.
#[derive(Debug, Clone)]
pub struct Frame {
    pub seq: i64,
    pub text: Utf8Bytes,
}

#[derive(Serialize)]
struct SnapshotBureau<'a> {
    #[serde(flatten)]
    meta: BureauMeta,
    tally: &'a Tally,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Message<'a> {
    Snapshot {
        election: &'a str,
        seq: i64,
        bureaux: std::collections::BTreeMap<&'a str, SnapshotBureau<'a>>,
        perimeters: &'a std::collections::BTreeMap<String, Tally>,
    },
    Change {
        election: &'a str,
        seq: i64,
        #[serde(flatten)]
        change: &'a ChangeSet,
    },
}

fn encode(msg: &Message<'_>) -> Utf8Bytes {
    // Serialising plain structs of strings and integers cannot fail.
    Utf8Bytes::from(serde_json::to_string(msg).unwrap_or_default())
}

/// An election's topic.
#[derive(Debug)]
pub struct Topic {
    pub id: String,
    state: RwLock<TopicState>,
    snapshot: Mutex<Option<Frame>>,
    tx: broadcast::Sender<Frame>,
    /// Held across validate → commit → publish, so changes are published in
    /// the order of their sequence numbers.
    pub writer: tokio::sync::Mutex<()>,
}

#[derive(Debug)]
struct TopicState {
    live: LiveElection,
    ring: VecDeque<Frame>,
}

/// What a new subscriber receives first.
#[derive(Debug)]
pub struct Subscription {
    pub initial: Vec<Frame>,
    /// True when `initial` is a snapshot rather than a resume.
    pub snapshot: bool,
    pub rx: broadcast::Receiver<Frame>,
}

impl Topic {
    pub fn new(live: LiveElection) -> Topic {
        let (tx, _) = broadcast::channel(CHANNEL_CAPACITY);
        Topic {
            id: live.election.id.clone(),
            state: RwLock::new(TopicState {
                live,
                ring: VecDeque::with_capacity(RING_CAPACITY),
            }),
            snapshot: Mutex::new(None),
            tx,
            writer: tokio::sync::Mutex::new(()),
        }
    }

    /// Read access to the live state. Keep the guard short: writers wait on it.
    pub fn read(&self) -> LiveGuard<'_> {
        LiveGuard(self.state.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Applies a committed change, then publishes its frame.
    pub fn publish(&self, bureau: &str, meta: BureauMeta, record: BureauRecord, seq: i64) -> Frame {
        let mut st = self.state.write().unwrap_or_else(|e| e.into_inner());
        let change = st.live.apply(bureau, meta, record, seq);
        let frame = Frame {
            seq,
            text: encode(&Message::Change {
                election: &self.id,
                seq,
                change: &change,
            }),
        };
        if st.ring.len() == RING_CAPACITY {
            st.ring.pop_front();
        }
        st.ring.push_back(frame.clone());
        // No receiver is not an error: nobody is watching yet.
        let _ = self.tx.send(frame.clone());
        frame
    }

    /// The current snapshot frame (built once per sequence number).
    pub fn snapshot(&self) -> Frame {
        let st = self.state.read().unwrap_or_else(|e| e.into_inner());
        self.snapshot_of(&st.live)
    }

    fn snapshot_of(&self, live: &LiveElection) -> Frame {
        let mut cache = self.snapshot.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(f) = cache.as_ref()
            && f.seq == live.seq
        {
            return f.clone();
        }
        let bureaux = live
            .results
            .bureaux
            .iter()
            .map(|(code, tally)| {
                (
                    code.as_str(),
                    SnapshotBureau {
                        meta: live.meta(code),
                        tally,
                    },
                )
            })
            .collect();
        let frame = Frame {
            seq: live.seq,
            text: encode(&Message::Snapshot {
                election: &self.id,
                seq: live.seq,
                bureaux,
                perimeters: &live.results.perimeters,
            }),
        };
        *cache = Some(frame.clone());
        frame
    }

    /// Subscribes; `since` is the last sequence number the client holds.
    pub fn subscribe(&self, since: Option<i64>) -> Subscription {
        let st = self.state.read().unwrap_or_else(|e| e.into_inner());
        let rx = self.tx.subscribe();
        let seq = st.live.seq;
        if let Some(n) = since {
            if n == seq {
                return Subscription {
                    initial: Vec::new(),
                    snapshot: false,
                    rx,
                };
            }
            let covered = n < seq && st.ring.front().is_some_and(|f| f.seq <= n + 1);
            if covered {
                let initial = st.ring.iter().filter(|f| f.seq > n).cloned().collect();
                return Subscription {
                    initial,
                    snapshot: false,
                    rx,
                };
            }
        }
        Subscription {
            initial: vec![self.snapshot_of(&st.live)],
            snapshot: true,
            rx,
        }
    }

    /// Number of live subscribers.
    pub fn subscribers(&self) -> usize {
        self.tx.receiver_count()
    }
}

/// A read guard on an election's live state.
pub struct LiveGuard<'a>(RwLockReadGuard<'a, TopicState>);

impl std::ops::Deref for LiveGuard<'_> {
    type Target = LiveElection;
    fn deref(&self) -> &LiveElection {
        &self.0.live
    }
}

/// All topics, by election id.
#[derive(Debug, Default)]
pub struct Hub {
    topics: DashMap<String, Arc<Topic>>,
}

impl Hub {
    pub fn new() -> Hub {
        Hub::default()
    }

    pub fn insert(&self, live: LiveElection) -> Arc<Topic> {
        let topic = Arc::new(Topic::new(live));
        self.topics.insert(topic.id.clone(), topic.clone());
        topic
    }

    pub fn get(&self, id: &str) -> Option<Arc<Topic>> {
        self.topics.get(id).map(|t| t.value().clone())
    }

    /// Election ids with their labels and dates, newest date first.
    pub fn list(&self) -> Vec<Arc<Topic>> {
        let mut v: Vec<_> = self.topics.iter().map(|t| t.value().clone()).collect();
        v.sort_by_cached_key(|t| {
            let live = t.read();
            (
                std::cmp::Reverse(live.election.date.clone()),
                live.election.id.clone(),
            )
        });
        v
    }
}
