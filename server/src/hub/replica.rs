//! An election's public view as a fan-out worker process holds it.
//!
//! A worker ([`super::worker`]) has no database and no live state: it holds
//! the public WebSocket connections the main process handed over, and
//! forwards to them the frames the main process serialised. A [`Replica`]
//! is its copy of one topic's public channel: the same broadcast channel
//! and ring as the main process (so `since=N` resumes and `Lagged`
//! resynchronisations behave alike), fed with the very bytes of the main
//! process's frames, plus the last snapshot the main process sent.
//!
//! The snapshot may be a few changes older than the ring's last frame (the
//! main process refreshes it after a second of quiet, and at least every
//! [`SNAPSHOT_EVERY`] changes), so what a new or resynchronised subscriber
//! receives is the snapshot *and* the ring's frames after it: never a gap.

use std::sync::Mutex;

use super::{Channel, Feed, Frame, FrameKind, Subscription};

/// The main process sends a fresh snapshot at least this often (in changes),
/// well within the ring, so that snapshot + ring always join up.
pub const SNAPSHOT_EVERY: i64 = 64;

/// One election's public channel in a worker.
#[derive(Debug)]
pub struct Replica {
    id: String,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    channel: Channel,
    /// Sequence number of the last frame sent to subscribers.
    sent: i64,
}

impl Replica {
    pub fn new(id: String, capacity: usize) -> Replica {
        Replica {
            id,
            state: Mutex::new(State {
                channel: Channel::new(capacity),
                sent: -1,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The last sequence number this replica knows of.
    fn seq_of(st: &State) -> i64 {
        let snap = st.channel.snapshot.as_ref().map_or(-1, |(f, _)| f.seq);
        st.sent.max(snap)
    }

    /// A frame every subscriber receives: a change, or a snapshot that
    /// supersedes everything (an election replaced, a resynchronisation).
    pub fn publish(&self, frame: Frame) {
        let mut st = self.lock();
        if frame.kind == FrameKind::Change && frame.seq <= st.sent {
            // Sent already (a worker registered while this frame was relayed).
            return;
        }
        st.sent = frame.seq;
        st.channel.push(frame, false);
    }

    /// A newer snapshot to start subscribers from; nobody is sent it.
    pub fn set_snapshot(&self, frame: Frame) {
        let mut st = self.lock();
        if st
            .channel
            .snapshot
            .as_ref()
            .is_some_and(|(f, _)| f.seq > frame.seq)
        {
            return;
        }
        st.channel.snapshot = Some((frame, false));
    }

    /// Ends every subscription: subscribers close with "service restart".
    pub fn close(&self) {
        let capacity = 1;
        self.lock().channel.tx = tokio::sync::broadcast::channel(capacity).0;
    }

    /// The snapshot and the changes made after it.
    fn catch_up(st: &State) -> Vec<Frame> {
        let ch = &st.channel;
        let Some((snap, _)) = &ch.snapshot else {
            return Vec::new();
        };
        let after: Vec<Frame> = ch
            .ring
            .iter()
            .filter(|f| f.seq > snap.seq)
            .cloned()
            .collect();
        if after.first().is_some_and(|f| f.seq > snap.seq + 1) {
            // The ring no longer joins the snapshot (cannot happen while the
            // main process refreshes it): the snapshot alone, then the live
            // frames, is the best left.
            tracing::warn!("replica snapshot older than its ring");
            return vec![snap.clone()];
        }
        std::iter::once(snap.clone()).chain(after).collect()
    }

    /// Whether the main process has sent this election's state yet.
    pub fn ready(&self) -> bool {
        self.lock().channel.snapshot.is_some()
    }
}

impl Feed for Replica {
    fn id(&self) -> &str {
        &self.id
    }

    fn subscribe(&self, since: Option<i64>) -> Subscription {
        let st = self.lock();
        let seq = Self::seq_of(&st);
        match st.channel.resume(seq, since) {
            Ok((initial, rx)) => Subscription {
                initial,
                snapshot: false,
                rx,
            },
            Err(rx) => Subscription {
                initial: Self::catch_up(&st),
                snapshot: true,
                rx,
            },
        }
    }

    fn resync(&self) -> Vec<Frame> {
        Self::catch_up(&self.lock())
    }

    fn coalesce(&self, frames: &[Frame]) -> Option<Frame> {
        let coalescer = self.lock().channel.coalescer.clone();
        coalescer.coalesce(frames)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_tungstenite_axum::tungstenite::Utf8Bytes;

    fn frame(seq: i64, kind: FrameKind) -> Frame {
        Frame::new(seq, kind, Utf8Bytes::from(format!("{{\"seq\":{seq}}}")))
    }

    fn seqs(frames: &[Frame]) -> Vec<(i64, FrameKind)> {
        frames.iter().map(|f| (f.seq, f.kind)).collect()
    }

    #[test]
    fn new_subscribers_get_the_snapshot_and_the_changes_after_it() {
        let r = Replica::new("e".into(), 16);
        r.set_snapshot(frame(10, FrameKind::Snapshot));
        for seq in 11..=13 {
            r.publish(frame(seq, FrameKind::Change));
        }
        let sub = r.subscribe(None);
        assert!(sub.snapshot);
        assert_eq!(
            seqs(&sub.initial),
            vec![
                (10, FrameKind::Snapshot),
                (11, FrameKind::Change),
                (12, FrameKind::Change),
                (13, FrameKind::Change)
            ]
        );
        // A resume from 11 gets 12 and 13 from the ring.
        let sub = r.subscribe(Some(11));
        assert!(!sub.snapshot);
        assert_eq!(
            seqs(&sub.initial),
            vec![(12, FrameKind::Change), (13, FrameKind::Change)]
        );
        // Up to date: nothing first.
        assert!(r.subscribe(Some(13)).initial.is_empty());
        // A fresher snapshot trims the ring before it.
        r.set_snapshot(frame(12, FrameKind::Snapshot));
        assert_eq!(
            seqs(&r.resync()),
            vec![(12, FrameKind::Snapshot), (13, FrameKind::Change)]
        );
    }

    #[test]
    fn a_change_relayed_twice_is_sent_once() {
        let r = Replica::new("e".into(), 16);
        r.set_snapshot(frame(5, FrameKind::Snapshot));
        let mut sub = r.subscribe(None);
        r.publish(frame(6, FrameKind::Change));
        r.publish(frame(6, FrameKind::Change));
        r.publish(frame(7, FrameKind::Change));
        assert_eq!(sub.rx.try_recv().map(|f| f.seq).ok(), Some(6));
        assert_eq!(sub.rx.try_recv().map(|f| f.seq).ok(), Some(7));
        assert!(sub.rx.try_recv().is_err());
        // An older snapshot arriving late is ignored.
        r.set_snapshot(frame(4, FrameKind::Snapshot));
        assert_eq!(r.resync()[0].seq, 5);
    }
}
