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
//!
//! Memory per subscriber is what the fan-out scales on: frames live once in
//! the broadcast channel and the ring (shared `Bytes`), a subscriber holds
//! only its receiver cursor and its connection's small buffers (see
//! [`crate::ws`]). [`HubSettings`] gathers the knobs (channel capacity, timeouts)
//! so that tests and the load tool can tighten them.
//!
//! The public connections can live in other processes: the server's
//! fan-out workers keep a replica of a view's [`Channel`] and serve the
//! connections the main process hands them. A WebSocket connection
//! ([`crate::ws`]) forwards a [`Feed`]: a view of a topic here, or a replica
//! there, with the same rules. [`Topics`] holds every topic by election id;
//! the server wraps it with its worker processes, the kiosk uses it as is.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard};

use std::time::Duration;

use dashmap::DashMap;
use tokio::sync::broadcast;
use tokio_tungstenite_axum::tungstenite::Utf8Bytes;

use crate::live::{BureauLive, ChangeSet, LiveElection};
use crate::protocol::{self, Message, SnapshotBureau};
use crate::time::now_millis;
use election_data::tally::BureauState;

/// Frames kept for resuming clients.
pub const RING_CAPACITY: usize = 1024;
/// Frames a subscriber may fall behind before it is resynchronised.
pub const CHANNEL_CAPACITY: usize = 256;
/// Bytes queued for one fan-out worker beyond which it is taken for stuck
/// and restarted: the default of [`HubSettings::worker_queue_limit`].
pub const WORKER_QUEUE_LIMIT: usize = 128 << 20;

/// Tunables of the fan-out. The defaults are the production values; tests
/// shrink them to provoke lag, slow consumers and dead peers cheaply.
#[derive(Debug, Clone)]
pub struct HubSettings {
    /// Frames a subscriber may fall behind before it gets a snapshot.
    pub channel_capacity: usize,
    /// A send blocked this long (socket buffers full: the client stopped
    /// reading) drops the client, with a "try again later" close.
    pub send_timeout: Duration,
    /// Interval of the heartbeat pings.
    pub ping_every: Duration,
    /// A peer silent this long (no pong, nothing) is dropped.
    pub idle_limit: Duration,
    /// Bytes the main process may queue for a fan-out worker before it
    /// takes the worker for stuck and restarts it.
    pub worker_queue_limit: usize,
}

impl Default for HubSettings {
    fn default() -> Self {
        HubSettings {
            channel_capacity: CHANNEL_CAPACITY,
            send_timeout: Duration::from_secs(5),
            ping_every: Duration::from_secs(20),
            idle_limit: Duration::from_secs(50),
            worker_queue_limit: WORKER_QUEUE_LIMIT,
        }
    }
}

/// Which audience a frame is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Published figures only, participation only during an embargo.
    Public,
    /// Every entered figure, for the central desk.
    Desk,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameKind {
    Snapshot,
    Change,
}

/// One serialised message, shared by every subscriber of a view.
#[derive(Debug, Clone)]
pub struct Frame {
    pub seq: i64,
    pub kind: FrameKind,
    pub text: Utf8Bytes,
}

fn encode(msg: &Message<'_>) -> Utf8Bytes {
    Utf8Bytes::from(msg.encode())
}

/// Builds the snapshot frame of a view.
pub fn snapshot_frame(live: &LiveElection, view: View, now: i64) -> Frame {
    let public = live.public_view(now);
    let (results, desk, embargo) = match view {
        View::Public => (&live.public, false, public.embargo),
        View::Desk => (&live.results, true, false),
    };
    let visible = |t| {
        if desk {
            Cow::Borrowed(t)
        } else {
            public.tally(t)
        }
    };
    let bureaux = results
        .bureaux
        .iter()
        .map(|(code, tally)| {
            let b = live.bureaux.get(code);
            let state = match (b, desk) {
                (Some(b), true) => b.meta.state,
                (Some(b), false) => b.public_state(),
                (None, _) => BureauState::NotArrived,
            };
            (
                Cow::Borrowed(code.as_str()),
                SnapshotBureau {
                    state,
                    version: b.map_or(0, |b| b.meta.version),
                    tally: visible(tally),
                },
            )
        })
        .collect();
    let perimeters = results
        .perimeters
        .iter()
        .map(|(code, t)| (Cow::Borrowed(code.as_str()), visible(t)))
        .collect();
    Frame {
        seq: live.seq,
        kind: FrameKind::Snapshot,
        text: encode(&Message::Snapshot(protocol::Snapshot {
            election: Cow::Borrowed(&live.election.id),
            seq: live.seq,
            embargo,
            bureaux,
            perimeters,
        })),
    }
}

/// One audience's channel, ring and cached snapshot (a topic's view here,
/// or its replica in a fan-out worker).
#[derive(Debug)]
pub struct Channel {
    pub tx: broadcast::Sender<Frame>,
    /// The recent changes, for resuming subscribers.
    pub ring: VecDeque<Frame>,
    /// The last snapshot built, and whether it was embargoed.
    pub snapshot: Option<(Frame, bool)>,
}

impl Channel {
    pub fn new(capacity: usize) -> Channel {
        let (tx, _) = broadcast::channel(capacity.max(1));
        Channel {
            tx,
            ring: VecDeque::with_capacity(RING_CAPACITY),
            snapshot: None,
        }
    }

    pub fn push(&mut self, frame: Frame, embargoed: bool) {
        if frame.kind == FrameKind::Change {
            if self.ring.len() == RING_CAPACITY {
                self.ring.pop_front();
            }
            self.ring.push_back(frame.clone());
        } else {
            // A snapshot supersedes what came before it.
            self.ring.clear();
            self.snapshot = Some((frame.clone(), embargoed));
        }
        // No receiver is not an error: nobody is watching yet.
        let _ = self.tx.send(frame);
    }

    /// A new receiver, with the frames after `since` when the ring still
    /// holds all of them (`Ok`), or alone when the subscriber needs a
    /// snapshot (`Err`). `seq` is the view's current sequence number.
    pub fn resume(
        &self,
        seq: i64,
        since: Option<i64>,
    ) -> Result<(Vec<Frame>, broadcast::Receiver<Frame>), broadcast::Receiver<Frame>> {
        let rx = self.tx.subscribe();
        match since {
            Some(n) if n == seq => Ok((Vec::new(), rx)),
            Some(n) if n < seq && self.ring.front().is_some_and(|f| f.seq <= n + 1) => Ok((
                self.ring.iter().filter(|f| f.seq > n).cloned().collect(),
                rx,
            )),
            _ => Err(rx),
        }
    }
}

/// An election's topic.
#[derive(Debug)]
pub struct Topic {
    pub id: String,
    state: RwLock<TopicState>,
    /// Held across validate → commit → publish, so changes are published in
    /// the order of their sequence numbers.
    pub writer: tokio::sync::Mutex<()>,
}

#[derive(Debug)]
struct TopicState {
    live: LiveElection,
    public: Mutex<Channel>,
    desk: Mutex<Channel>,
}

impl TopicState {
    fn channel(&self, view: View) -> std::sync::MutexGuard<'_, Channel> {
        match view {
            View::Public => &self.public,
            View::Desk => &self.desk,
        }
        .lock()
        .unwrap_or_else(|e| e.into_inner())
    }
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
        Topic::with_capacity(live, CHANNEL_CAPACITY)
    }

    /// A topic whose subscribers may fall `capacity` frames behind before
    /// they are resynchronised from a snapshot.
    pub fn with_capacity(live: LiveElection, capacity: usize) -> Topic {
        Topic {
            id: live.election.id.clone(),
            state: RwLock::new(TopicState {
                live,
                public: Mutex::new(Channel::new(capacity)),
                desk: Mutex::new(Channel::new(capacity)),
            }),
            writer: tokio::sync::Mutex::new(()),
        }
    }

    /// Read access to the live state. Keep the guard short: writers wait on it.
    pub fn read(&self) -> LiveGuard<'_> {
        LiveGuard(self.state.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Applies a committed change, then publishes its frames to both views.
    pub fn publish(&self, bureau: &str, new: BureauLive, seq: i64) -> ChangeSet {
        let mut st = self.state.write().unwrap_or_else(|e| e.into_inner());
        let change = st.live.apply(bureau, new, seq);
        let public = st.live.public_view(now_millis());
        let embargo = public.embargo;
        let desk = Frame {
            seq,
            kind: FrameKind::Change,
            text: encode(&Message::Change(protocol::Change {
                election: Cow::Borrowed(&self.id),
                seq,
                embargo: false,
                delta: Cow::Borrowed(&change.desk),
            })),
        };
        let public_text = match &change.public {
            Some(delta) => encode(&Message::Change(protocol::Change {
                election: Cow::Borrowed(&self.id),
                seq,
                embargo,
                delta: public.delta(delta),
            })),
            None => encode(&Message::Seq(protocol::Seq {
                election: Cow::Borrowed(&self.id),
                seq,
            })),
        };
        let public = Frame {
            seq,
            kind: FrameKind::Change,
            text: public_text,
        };
        st.channel(View::Desk).push(desk, false);
        st.channel(View::Public).push(public, embargo);
        change
    }

    /// Replaces the whole live state (a kiosk's mirror received a snapshot)
    /// and sends every subscriber of both views the new snapshot.
    pub fn replace(&self, live: LiveElection) {
        let mut st = self.state.write().unwrap_or_else(|e| e.into_inner());
        st.live = live;
        let now = now_millis();
        for view in [View::Public, View::Desk] {
            let frame = snapshot_frame(&st.live, view, now);
            st.channel(view).push(
                frame,
                view == View::Public && st.live.public_view(now).embargo,
            );
        }
    }

    /// Sends every public subscriber a fresh snapshot (e.g. when an embargo ends).
    pub fn resnapshot(&self, view: View) {
        let st = self.state.write().unwrap_or_else(|e| e.into_inner());
        let now = now_millis();
        let frame = snapshot_frame(&st.live, view, now);
        st.channel(view).push(
            frame,
            view == View::Public && st.live.public_view(now).embargo,
        );
    }

    /// The current snapshot frame of a view (built once per sequence number).
    pub fn snapshot(&self, view: View) -> Frame {
        let st = self.state.read().unwrap_or_else(|e| e.into_inner());
        Self::snapshot_of(&st, view)
    }

    fn snapshot_of(st: &TopicState, view: View) -> Frame {
        let now = now_millis();
        let mut ch = st.channel(view);
        let embargo = view == View::Public && st.live.public_view(now).embargo;
        if let Some((f, was)) = ch.snapshot.as_ref()
            && f.seq == st.live.seq
            && *was == embargo
        {
            return f.clone();
        }
        let frame = snapshot_frame(&st.live, view, now);
        ch.snapshot = Some((frame.clone(), embargo));
        frame
    }

    /// Subscribes to a view; `since` is the last sequence number the client holds.
    pub fn subscribe(&self, view: View, since: Option<i64>) -> Subscription {
        let st = self.state.read().unwrap_or_else(|e| e.into_inner());
        let seq = st.live.seq;
        let resumed = st.channel(view).resume(seq, since);
        match resumed {
            Ok((initial, rx)) => Subscription {
                initial,
                snapshot: false,
                rx,
            },
            Err(rx) => Subscription {
                initial: vec![Self::snapshot_of(&st, view)],
                snapshot: true,
                rx,
            },
        }
    }

    /// The recent changes of a view kept for resuming clients, oldest first.
    pub fn ring(&self, view: View) -> Vec<Frame> {
        let st = self.state.read().unwrap_or_else(|e| e.into_inner());
        st.channel(view).ring.iter().cloned().collect()
    }

    /// Number of live subscribers of a view.
    pub fn subscribers(&self, view: View) -> usize {
        let st = self.state.read().unwrap_or_else(|e| e.into_inner());
        st.channel(view).tx.receiver_count()
    }
}

/// What a WebSocket connection forwards: one view of one election, either
/// the topic itself (in the main process) or its replica in a fan-out
/// worker process (the server's `hub::replica`).
pub trait Feed: Send + Sync + 'static {
    /// The election id (for logs).
    fn id(&self) -> &str;
    /// A new subscriber holding `since`: what it receives first, then the receiver.
    fn subscribe(&self, since: Option<i64>) -> Subscription;
    /// What a subscriber that fell behind receives instead of the frames it
    /// missed: a snapshot, and the changes made after it if it is not the latest.
    fn resync(&self) -> Vec<Frame>;
}

/// One view of a topic of this process.
#[derive(Debug, Clone)]
pub struct TopicView {
    pub topic: Arc<Topic>,
    pub view: View,
}

impl Feed for TopicView {
    fn id(&self) -> &str {
        &self.topic.id
    }
    fn subscribe(&self, since: Option<i64>) -> Subscription {
        self.topic.subscribe(self.view, since)
    }
    fn resync(&self) -> Vec<Frame> {
        vec![self.topic.snapshot(self.view)]
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
pub struct Topics {
    topics: DashMap<String, Arc<Topic>>,
    settings: HubSettings,
}

impl Topics {
    pub fn new() -> Topics {
        Topics::default()
    }

    /// Topics with other tunables than the defaults (tests, load runs).
    pub fn with_settings(settings: HubSettings) -> Topics {
        Topics {
            topics: DashMap::new(),
            settings,
        }
    }

    pub fn settings(&self) -> &HubSettings {
        &self.settings
    }

    pub fn insert(&self, live: LiveElection) -> Arc<Topic> {
        let topic = Arc::new(Topic::with_capacity(live, self.settings.channel_capacity));
        self.topics.insert(topic.id.clone(), topic.clone());
        topic
    }

    pub fn get(&self, id: &str) -> Option<Arc<Topic>> {
        self.topics.get(id).map(|t| t.value().clone())
    }

    /// Every topic, newest election date first.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::Delta;
    use election_data::tally::Tally;
    use serde::Serialize;
    use std::collections::BTreeMap;

    // The encoder as it was before the typed protocol, verbatim: the bytes
    // on the wire (read by web/live.js, the kiosks, the media) must not change.
    #[derive(Serialize)]
    struct OldSnapshotBureau<'a> {
        state: BureauState,
        version: i64,
        tally: Cow<'a, Tally>,
    }

    #[derive(Serialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum OldMessage<'a> {
        Snapshot {
            election: &'a str,
            seq: i64,
            embargo: bool,
            bureaux: BTreeMap<&'a str, OldSnapshotBureau<'a>>,
            perimeters: BTreeMap<&'a str, Cow<'a, Tally>>,
        },
        Change {
            election: &'a str,
            seq: i64,
            embargo: bool,
            #[serde(flatten)]
            delta: &'a Delta,
        },
        Seq {
            election: &'a str,
            seq: i64,
        },
    }

    fn old(msg: &OldMessage<'_>) -> String {
        serde_json::to_string(msg).unwrap_or_default()
    }

    fn hide(t: &Tally, embargo: bool) -> Cow<'_, Tally> {
        if embargo {
            Cow::Owned(t.participation_only())
        } else {
            Cow::Borrowed(t)
        }
    }

    fn old_snapshot(live: &LiveElection, embargo: bool) -> String {
        old(&OldMessage::Snapshot {
            election: &live.election.id,
            seq: live.seq,
            embargo,
            bureaux: live
                .public
                .bureaux
                .iter()
                .map(|(code, t)| {
                    let b = live.bureaux.get(code);
                    (
                        code.as_str(),
                        OldSnapshotBureau {
                            state: b.map_or(BureauState::NotArrived, BureauLive::public_state),
                            version: b.map_or(0, |b| b.meta.version),
                            tally: hide(t, embargo),
                        },
                    )
                })
                .collect(),
            perimeters: live
                .public
                .perimeters
                .iter()
                .map(|(code, t)| (code.as_str(), hide(t, embargo)))
                .collect(),
        })
    }

    fn published(live: &LiveElection, i: usize, version: i64) -> (String, BureauLive) {
        let e = &live.election;
        let b = &e.bureaux[i];
        let pv = election_data::fixtures::sample_pv(e, b, i as u64);
        let mut row = BureauLive::default();
        row.meta.state = BureauState::Published;
        row.meta.version = version;
        row.record.pv = Some(pv.clone());
        row.published = Some(pv);
        (b.code.clone(), row)
    }

    #[test]
    fn frames_keep_the_bytes_of_the_untyped_encoder() {
        for embargo in [false, true] {
            let mut e = election_data::fixtures::sample_commune();
            e.embargo = embargo.then(|| "2999-01-01T00:00:00Z".to_string());
            let empty = LiveElection::new(e);
            let rows = vec![published(&empty, 0, 1)];
            let live = LiveElection::restore(empty.election.as_ref().clone(), 1, rows);
            let now = now_millis();
            assert_eq!(
                snapshot_frame(&live, View::Public, now).text.as_str(),
                old_snapshot(&live, embargo)
            );
            let topic = Topic::new(live);
            // A published bureau: a change in both views.
            let (code, row) = published(&topic.read(), 1, 1);
            let change = topic.publish(&code, row.clone(), 2);
            let public = change.public.as_ref().expect("a public change");
            let hidden = Delta {
                tally: hide(&public.tally, embargo).into_owned(),
                perimeters: public
                    .perimeters
                    .iter()
                    .map(|(k, t)| (k.clone(), hide(t, embargo).into_owned()))
                    .collect(),
                ..public.clone()
            };
            let ring = topic.ring(View::Public);
            let id = topic.id.clone();
            assert_eq!(
                ring.last().map(|f| f.text.to_string()),
                Some(old(&OldMessage::Change {
                    election: &id,
                    seq: 2,
                    embargo,
                    delta: &hidden,
                }))
            );
            let desk = topic.ring(View::Desk);
            assert_eq!(
                desk.last().map(|f| f.text.to_string()),
                Some(old(&OldMessage::Change {
                    election: &id,
                    seq: 2,
                    embargo: false,
                    delta: &change.desk,
                }))
            );
            // The same figures again: nothing public changed, a bare seq.
            topic.publish(&code, row, 3);
            assert_eq!(
                topic.ring(View::Public).last().map(|f| f.text.to_string()),
                Some(old(&OldMessage::Seq {
                    election: &id,
                    seq: 3
                }))
            );
            // And every frame reads back with the typed protocol.
            for f in topic
                .ring(View::Public)
                .iter()
                .chain(&topic.ring(View::Desk))
            {
                let msg = Message::decode(f.text.as_str()).expect("typed frame");
                assert_eq!(msg.seq(), f.seq);
                assert_eq!(msg.encode(), f.text.as_str());
            }
            let snap = topic.snapshot(View::Public);
            let msg = Message::decode(snap.text.as_str()).expect("typed snapshot");
            assert_eq!(msg.encode(), snap.text.as_str());
        }
    }
}
