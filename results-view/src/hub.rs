//! The fan-out: one topic per election, frames serialised once per change.
//!
//! A [`Topic`] owns an election's live state, the writer lock that orders its
//! writes, a ring buffer of recent frames and a broadcast channel. Every
//! committed change becomes one [`Frame`] carrying the election's sequence
//! number and only the integers that changed (a `delta`, see
//! [`crate::protocol::Delta`]); the same bytes go to every subscriber. A
//! subscriber whose queue holds several changes gets them as one coalesced
//! delta ([`coalesce`]), built once per range for every subscriber at the
//! same point ([`Coalescer`]). A subscriber gets either
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
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock, RwLock, RwLockReadGuard};

use std::time::Duration;

use bytes::Bytes;
use dashmap::DashMap;
use tokio::sync::broadcast;
use tokio_tungstenite_axum::tungstenite::Utf8Bytes;

use crate::live::{self, BureauLive, ChangeSet, LiveElection, PublicView};
use crate::protocol::{self, DeltaBureau, Message, SnapshotBureau, Trend};
use crate::time::now_millis;
use election_data::tally::{BureauState, ElectionResults, Tally};
use election_data::tally_delta::TallyDelta;

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
    /// The sequence number the frame brings its reader to.
    pub seq: i64,
    pub kind: FrameKind,
    pub text: Utf8Bytes,
    /// What is derived from the bytes once for every subscriber.
    cache: Arc<FrameCache>,
}

/// Derived once per frame, on first use, and shared by every subscriber.
#[derive(Debug, Default)]
struct FrameCache {
    /// The permessage-deflate payload, if smaller than the text.
    deflated: OnceLock<Option<Bytes>>,
    /// The message, decoded (for coalescing).
    message: OnceLock<Option<Message<'static>>>,
}

impl Frame {
    pub fn new(seq: i64, kind: FrameKind, text: Utf8Bytes) -> Frame {
        Frame {
            seq,
            kind,
            text,
            cache: Arc::default(),
        }
    }

    /// The frame compressed for permessage-deflate, computed by the first
    /// subscriber that asks and shared by all; `None` when compressing
    /// does not make it smaller.
    pub fn deflated(&self) -> Option<&Bytes> {
        self.cache
            .deflated
            .get_or_init(|| {
                let packed = crate::deflate::compress(self.text.as_bytes());
                (packed.len() < self.text.len()).then_some(packed)
            })
            .as_ref()
    }

    /// The frame's message, decoded once.
    pub fn message(&self) -> Option<&Message<'static>> {
        self.cache
            .message
            .get_or_init(|| Message::decode(self.text.as_str()).ok())
            .as_ref()
    }

    /// The first sequence number a change frame covers (its `seq` unless coalesced).
    pub fn from(&self) -> i64 {
        self.message().map_or(self.seq, Message::from)
    }
}

fn encode(msg: &Message<'_>) -> Utf8Bytes {
    Utf8Bytes::from(msg.encode())
}

/// The changes `frames` carry (consecutive change frames, oldest first) as
/// one delta frame; `None` when there is nothing to merge or a frame is
/// not a delta or a bare `seq`.
pub fn coalesce(frames: &[Frame]) -> Option<Frame> {
    if frames.len() < 2 || frames.iter().any(|f| f.kind != FrameKind::Change) {
        return None;
    }
    let (first, last) = (frames.first()?.message()?, frames.last()?.message()?);
    let mut merged: Option<protocol::Delta<'static>> = None;
    for f in frames {
        match f.message()? {
            Message::Delta(d) => match merged.as_mut() {
                Some(m) => m.merge(d),
                None => {
                    merged = Some(protocol::Delta {
                        from: first.from(),
                        ..d.clone()
                    })
                }
            },
            // Nothing public changed: the range grows, nothing else.
            Message::Seq(_) => {}
            Message::Snapshot(_) => return None,
        }
    }
    let msg = match merged {
        Some(mut d) => {
            d.seq = last.seq();
            Message::Delta(d)
        }
        None => Message::Seq(protocol::Seq {
            election: match last {
                Message::Seq(s) => s.election.clone(),
                _ => Cow::Borrowed(""),
            },
            from: Some(first.from()),
            seq: last.seq(),
        }),
    };
    Some(Frame::new(last.seq(), FrameKind::Change, encode(&msg)))
}

/// Coalesced frames recently built for a view: subscribers that fell
/// behind at the same point share one frame (and its compressed bytes).
#[derive(Debug, Default)]
pub struct Coalescer {
    recent: Mutex<VecDeque<(i64, i64, Frame)>>,
}

impl Coalescer {
    const KEEP: usize = 32;

    /// [`coalesce`], built once per range.
    pub fn coalesce(&self, frames: &[Frame]) -> Option<Frame> {
        let (first, last) = (frames.first()?, frames.last()?);
        let key = (first.from(), last.seq);
        {
            let recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((_, _, f)) = recent.iter().find(|(a, b, _)| (*a, *b) == key) {
                return Some(f.clone());
            }
        }
        let frame = coalesce(frames)?;
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        if recent.len() == Self::KEEP {
            recent.pop_front();
        }
        recent.push_back((key.0, key.1, frame.clone()));
        Some(frame)
    }
}

/// The tallies a change to `bureau` may alter, before the change.
fn touched(
    results: &ElectionResults,
    perimeters: &[String],
    bureau: &str,
) -> (Option<Tally>, BTreeMap<String, Tally>) {
    (
        results.bureaux.get(bureau).cloned(),
        perimeters
            .iter()
            .filter_map(|p| Some((p.clone(), results.perimeters.get(p)?.clone())))
            .collect(),
    )
}

/// The delta message of one change: what differs between the tallies
/// before and after, as `hide` shows them to this view's audience.
fn delta_message<'a>(
    e: &election_data::model::Election,
    id: &'a str,
    seq: i64,
    embargo: bool,
    change: &live::Delta,
    before: &(Option<Tally>, BTreeMap<String, Tally>),
    view: Option<&PublicView<'_>>,
) -> protocol::Delta<'a> {
    fn hide<'t>(view: Option<&PublicView<'_>>, t: &'t Tally) -> Cow<'t, Tally> {
        match view {
            Some(v) => v.tally(t),
            None => Cow::Borrowed(t),
        }
    }
    let diff = |old: Option<&Tally>, new: &Tally| match old {
        Some(old) => TallyDelta::between(&hide(view, old), &hide(view, new)),
        None => TallyDelta::full(&hide(view, new)),
    };
    // The trend is a ballot figure: hidden during an embargo (the snapshot
    // sent when it ends carries it).
    let trend = match view {
        Some(v) if v.embargo => None,
        _ => change
            .trend
            .as_ref()
            .map(|t| t.as_ref().map(|c| Trend::of(e, c))),
    };
    let bureau = DeltaBureau {
        state: change.state,
        version: change.version,
        tally: diff(before.0.as_ref(), &change.tally),
        trend,
    };
    protocol::Delta {
        election: Cow::Borrowed(id),
        from: seq,
        seq,
        embargo,
        bureaux: BTreeMap::from([(change.bureau.clone(), bureau)]),
        perimeters: change
            .perimeters
            .iter()
            .map(|(code, t)| (code.clone(), diff(before.1.get(code), t)))
            .filter(|(_, d)| !d.is_empty())
            .collect(),
    }
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
                    trend: b
                        .and_then(|b| b.public_trend())
                        .filter(|_| desk || !public.embargo)
                        .map(|c| Trend::of(&live.election, c)),
                },
            )
        })
        .collect();
    let perimeters = results
        .perimeters
        .iter()
        .map(|(code, t)| (Cow::Borrowed(code.as_str()), visible(t)))
        .collect();
    Frame::new(
        live.seq,
        FrameKind::Snapshot,
        encode(&Message::Snapshot(protocol::Snapshot {
            election: Cow::Borrowed(&live.election.id),
            seq: live.seq,
            embargo,
            bureaux,
            perimeters,
        })),
    )
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
    /// Whether the last frame pushed was embargoed: a delta only applies
    /// to figures shown under the same embargo.
    pub embargoed: Option<bool>,
    /// Coalesced frames of this view, shared by its subscribers.
    pub coalescer: Arc<Coalescer>,
}

impl Channel {
    pub fn new(capacity: usize) -> Channel {
        let (tx, _) = broadcast::channel(capacity.max(1));
        Channel {
            tx,
            ring: VecDeque::with_capacity(RING_CAPACITY),
            snapshot: None,
            embargoed: None,
            coalescer: Arc::default(),
        }
    }

    pub fn push(&mut self, frame: Frame, embargoed: bool) {
        self.embargoed = Some(embargoed);
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
        let mut public = Channel::new(capacity);
        public.embargoed = Some(live.public_view(now_millis()).embargo);
        Topic {
            id: live.election.id.clone(),
            state: RwLock::new(TopicState {
                live,
                public: Mutex::new(public),
                desk: Mutex::new(Channel::new(capacity)),
            }),
            writer: tokio::sync::Mutex::new(()),
        }
    }

    /// Read access to the live state. Keep the guard short: writers wait on it.
    pub fn read(&self) -> LiveGuard<'_> {
        LiveGuard(self.state.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Applies a committed change, then publishes its frames to both views:
    /// a delta of what changed (a bare `seq` when nothing public did), or a
    /// snapshot when the embargo began or ended since the last frame.
    pub fn publish(&self, bureau: &str, new: BureauLive, seq: i64) -> ChangeSet {
        let mut st = self.state.write().unwrap_or_else(|e| e.into_inner());
        let (desk_before, public_before) = {
            let live = &st.live;
            let perimeters = live.aggregator.perimeters_of(bureau);
            (
                touched(&live.results, perimeters, bureau),
                touched(&live.public, perimeters, bureau),
            )
        };
        let change = st.live.apply(bureau, new, seq);
        let now = now_millis();
        let public = st.live.public_view(now);
        let embargo = public.embargo;
        let desk = Frame::new(
            seq,
            FrameKind::Change,
            encode(&Message::Delta(delta_message(
                &st.live.election,
                &self.id,
                seq,
                false,
                &change.desk,
                &desk_before,
                None,
            ))),
        );
        let turned = st
            .channel(View::Public)
            .embargoed
            .is_some_and(|was| was != embargo);
        let public = if turned {
            snapshot_frame(&st.live, View::Public, now)
        } else {
            let text = match &change.public {
                Some(delta) => encode(&Message::Delta(delta_message(
                    &st.live.election,
                    &self.id,
                    seq,
                    embargo,
                    delta,
                    &public_before,
                    Some(&public),
                ))),
                None => encode(&Message::Seq(protocol::Seq {
                    election: Cow::Borrowed(&self.id),
                    from: None,
                    seq,
                })),
            };
            Frame::new(seq, FrameKind::Change, text)
        };
        st.channel(View::Desk).push(desk, false);
        st.channel(View::Public).push(public, embargo);
        change
    }

    /// Replaces the whole live state (a kiosk's mirror received a snapshot)
    /// and sends every subscriber of both views the new snapshot.
    pub fn replace(&self, live: LiveElection) {
        let mut st = self.state.write().unwrap_or_else(|e| e.into_inner());
        // The new state's map generation counts from its own start: carry it
        // past the old one, or a page cached before (without the contours,
        // say) would keep its stamp and be served again.
        let generation = st.live.map_generation.max(live.map_generation) + 1;
        st.live = live;
        st.live.map_generation = generation;
        let now = now_millis();
        for view in [View::Public, View::Desk] {
            let frame = snapshot_frame(&st.live, view, now);
            st.channel(view).push(
                frame,
                view == View::Public && st.live.public_view(now).embargo,
            );
        }
    }

    /// Sets (or removes) the bureaux' contours. No frame: the figures did
    /// not change, and the pages drawn from now on (their cache stamp
    /// moves with the map's generation) carry the new shapes.
    pub fn set_map(&self, map: Option<election_data::map::BureauMap>) {
        let mut st = self.state.write().unwrap_or_else(|e| e.into_inner());
        st.live.set_map(map);
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

    /// The coalesced frames of a view.
    pub fn coalescer(&self, view: View) -> Arc<Coalescer> {
        let st = self.state.read().unwrap_or_else(|e| e.into_inner());
        st.channel(view).coalescer.clone()
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
    /// Consecutive change frames as one (see [`coalesce`]).
    fn coalesce(&self, frames: &[Frame]) -> Option<Frame> {
        coalesce(frames)
    }
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
    fn coalesce(&self, frames: &[Frame]) -> Option<Frame> {
        self.topic.coalescer(self.view).coalesce(frames)
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

    /// The kiosk's order of events: the state without contours is shown
    /// (and its pages cached), the contours arrive, then a snapshot
    /// replaces the state: the pages' stamp must not come back to the one
    /// cached without contours.
    #[test]
    fn a_replaced_state_never_reuses_an_older_page_stamp() {
        let e = election_data::fixtures::sample_commune();
        let topic = Topic::new(LiveElection::new(e.clone()));
        let cached = topic.read().page_stamp(0);
        topic.set_map(None);
        let with_map = topic.read().page_stamp(0);
        assert_ne!(with_map, cached);
        topic.replace(LiveElection::new(e));
        let replaced = topic.read().page_stamp(0);
        assert_ne!(replaced, cached);
        assert_ne!(replaced, with_map);
    }
}
