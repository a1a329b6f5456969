//! The server's side of the live fan-out.
//!
//! Topics, frames, the ring, the snapshot cache and the [`Feed`] a
//! connection forwards are the read model's (`results_view::hub`, re-exported
//! here). What only the server has lives here: the [`Hub`], which is those
//! topics plus the fan-out worker processes that may hold the public
//! connections ([`workers`], [`worker`]): each topic's public frames are
//! relayed over a pipe ([`wire`]) to child processes that keep a [`replica`]
//! of the channel and ring and serve the connections the main process hands
//! them ([`ws`]).

pub mod capacity;
pub mod replica;
pub mod wire;
pub mod worker;
pub mod workers;
pub mod ws;

use std::sync::Arc;

pub use results_view::hub::{
    CHANNEL_CAPACITY, Channel, Coalescer, Feed, Frame, FrameKind, HubSettings, LiveGuard,
    RING_CAPACITY, Subscription, Topic, TopicView, Topics, View, coalesce, snapshot_frame,
};

use crate::live::LiveElection;

/// All topics, by election id, and the fan-out workers following them.
/// Reads go to [`Topics`] (through `Deref`).
#[derive(Debug, Default)]
pub struct Hub {
    topics: Arc<Topics>,
    /// Fan-out worker processes holding the public connections, if any.
    workers: std::sync::OnceLock<Arc<workers::Workers>>,
    /// How many live connections are taken ([`capacity`]).
    pub capacity: capacity::Capacity,
}

impl std::ops::Deref for Hub {
    type Target = Topics;
    fn deref(&self) -> &Topics {
        &self.topics
    }
}

impl Hub {
    pub fn new() -> Hub {
        Hub::default()
    }

    /// A hub with other tunables than the defaults (tests, load runs).
    pub fn with_settings(settings: HubSettings) -> Hub {
        Hub {
            topics: Arc::new(Topics::with_settings(settings)),
            workers: std::sync::OnceLock::new(),
            capacity: capacity::Capacity::default(),
        }
    }

    /// The topics, as the public pages read them.
    pub fn topics(&self) -> &Arc<Topics> {
        &self.topics
    }

    /// Adds an election's topic; the fan-out workers follow it too.
    pub fn insert(&self, live: LiveElection) -> Arc<Topic> {
        let topic = self.topics.insert(live);
        if let Some(workers) = self.workers.get() {
            workers.follow(topic.clone());
        }
        topic
    }

    /// Hands the public connections to fan-out worker processes from now on;
    /// every topic's public frames are relayed to them.
    pub fn attach_workers(&self, workers: Arc<workers::Workers>) {
        if self.workers.set(workers.clone()).is_ok() {
            for topic in self.topics.list() {
                workers.follow(topic);
            }
        }
    }

    /// The fan-out workers, whether or not any is running.
    pub fn all_workers(&self) -> Option<&Arc<workers::Workers>> {
        self.workers.get()
    }

    /// A place for one more live connection, counting every process's.
    pub fn admit(&self) -> Option<capacity::Admitted> {
        let elsewhere = self
            .all_workers()
            .map_or(0, |w| w.status().iter().map(|s| s.connections).sum());
        self.capacity.admit(elsewhere)
    }

    /// The fan-out workers, when the public connections are handed to them.
    pub fn workers(&self) -> Option<&Arc<workers::Workers>> {
        self.workers.get().filter(|w| w.any_alive())
    }
}
