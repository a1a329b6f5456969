//! The kiosk's copy of an election's public results, and its file on disk.
//!
//! The mirror holds exactly what the server's public WebSocket sent: the
//! election definition, the last snapshot with every delta applied since
//! (the deltas carry only changed integers; the mirror keeps full tallies,
//! percentages recomputed by `election-data`), and the sequence number
//! reached. On disk it stays a full snapshot. It is written to disk atomically
//! (temporary file, fsync, rename) after every change, so a power cut or a
//! restart without network starts again from the last state shown.
//!
//! Frames are read with the typed protocol of `results-view`
//! ([`results_view::protocol::Message`]), the very types the server encodes.
//! [`Mirror::to_live`] turns the mirror back into a `LiveElection`: each
//! published bureau's tally is exactly its procès-verbal, so the kiosk
//! rebuilds the bureaux and lets the same domain code recompute every
//! aggregate, and the same page code render them.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use election_data::map::BureauMap;
use election_data::model::{CandidateVoix, Election, ProcesVerbal, TurnoutReading};
use election_data::tally::{BureauRecord, BureauState, Tally};
use results_view::live::{BureauLive, BureauMeta, LiveElection};
use results_view::protocol::{Message, Trend};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One bureau as the public sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MirrorBureau {
    pub state: BureauState,
    pub version: i64,
    pub tally: Tally,
    /// The early trend shown until the result (the centaine published).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trend: Option<Trend>,
}

/// What applying a frame did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The frame was the next one (or a snapshot): the mirror moved on.
    Advanced,
    /// An old frame, already applied.
    Stale,
    /// A frame after a hole: the mirror must resubscribe from its seq.
    Gap,
    /// Not a frame the mirror understands.
    Ignored,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mirror {
    pub election: Election,
    pub seq: i64,
    pub embargo: bool,
    pub bureaux: BTreeMap<String, MirrorBureau>,
    pub perimeters: BTreeMap<String, Tally>,
    /// Milliseconds since the epoch when the last frame was applied.
    pub received_at: i64,
    /// The bureaux' contours, as the server had them at the last
    /// connection (None: the pages draw the tile grid).
    #[serde(default)]
    pub map: Option<BureauMap>,
}

use results_view::time::now_millis;

impl Mirror {
    /// A mirror with the definition and no results yet (seq -1: wants a snapshot).
    pub fn new(election: Election) -> Mirror {
        Mirror {
            election,
            seq: -1,
            embargo: false,
            bureaux: BTreeMap::new(),
            perimeters: BTreeMap::new(),
            received_at: 0,
            map: None,
        }
    }

    /// The `since` to resume from, if any frame was applied.
    pub fn since(&self) -> Option<i64> {
        (self.seq >= 0).then_some(self.seq)
    }

    /// Applies one frame of the public WebSocket, as JSON: anything that is
    /// not a message of the protocol is ignored.
    pub fn apply(&mut self, frame: &Value) -> Applied {
        match Message::deserialize(frame) {
            Ok(msg) => self.apply_message(&msg),
            Err(_) => Applied::Ignored,
        }
    }

    /// Applies one message of the public WebSocket.
    pub fn apply_message(&mut self, msg: &Message<'_>) -> Applied {
        match msg {
            Message::Snapshot(snap) => {
                self.bureaux = snap
                    .bureaux
                    .iter()
                    .map(|(k, b)| {
                        (
                            k.to_string(),
                            MirrorBureau {
                                state: b.state,
                                version: b.version,
                                tally: b.tally.clone().into_owned(),
                                trend: b.trend.clone(),
                            },
                        )
                    })
                    .collect();
                self.perimeters = snap
                    .perimeters
                    .iter()
                    .map(|(k, t)| (k.to_string(), t.clone().into_owned()))
                    .collect();
                self.embargo = snap.embargo;
                self.seq = snap.seq;
            }
            Message::Delta(_) | Message::Seq(_) => {
                let seq = msg.seq();
                if seq <= self.seq {
                    return Applied::Stale;
                }
                let from = msg.from();
                if self.seq < 0 || from > self.seq + 1 {
                    return Applied::Gap;
                }
                if let Message::Delta(d) = msg {
                    // Only the integers that changed: applied to the full
                    // tallies held, percentages recomputed (election-data).
                    for (code, b) in &d.bureaux {
                        let Some(mine) = self.bureaux.get_mut(code) else {
                            continue;
                        };
                        mine.state = b.state;
                        mine.version = b.version;
                        b.tally.apply(&mut mine.tally);
                        if let Some(t) = &b.trend {
                            mine.trend = t.clone();
                        }
                    }
                    for (code, t) in &d.perimeters {
                        if let Some(mine) = self.perimeters.get_mut(code) {
                            t.apply(mine);
                        }
                    }
                    self.embargo = d.embargo;
                }
                self.seq = seq;
            }
        }
        self.received_at = now_millis();
        Applied::Advanced
    }

    /// Rebuilds the bureau rows the server's live state is made of.
    pub fn rows(&self) -> Vec<(String, BureauLive)> {
        self.bureaux
            .iter()
            .map(|(code, b)| {
                let state = b.state;
                let pv = (b.tally.arrived == 1).then(|| pv_of(&b.tally));
                let turnout = b
                    .tally
                    .turnout
                    .iter()
                    .filter(|p| p.bureaux > 0)
                    .map(|p| TurnoutReading {
                        hour: p.hour.clone(),
                        votants: count(p.votants),
                    })
                    .collect();
                (
                    code.clone(),
                    BureauLive {
                        meta: BureauMeta {
                            state,
                            version: b.version,
                            updated_at: 0,
                        },
                        record: BureauRecord {
                            pv: pv.clone(),
                            turnout,
                        },
                        second: None,
                        published: pv,
                        centaines: Vec::new(),
                        trend: b.trend.as_ref().map(|t| t.centaine(&self.election)),
                    },
                )
            })
            .collect()
    }

    /// The server's live state for this election, rebuilt from the mirror.
    pub fn to_live(&self) -> LiveElection {
        let mut live = LiveElection::restore(self.election.clone(), self.seq.max(0), self.rows());
        live.set_map(self.map.clone());
        live
    }

    fn file(dir: &Path, id: &str) -> PathBuf {
        dir.join(format!("{id}.json"))
    }

    /// Writes the mirror atomically: a reader (or a restart) sees the old
    /// file or the new one, never half of one.
    pub fn save(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let path = Mirror::file(dir, &self.election.id);
        let tmp = path.with_extension("json.tmp");
        let bytes = serde_json::to_vec(self).map_err(std::io::Error::other)?;
        {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, &path)?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }

    /// The mirror saved for `id`, if any and readable.
    pub fn load(dir: &Path, id: &str) -> Option<Mirror> {
        let bytes = std::fs::read(Mirror::file(dir, id)).ok()?;
        match serde_json::from_slice(&bytes) {
            Ok(m) => Some(m),
            Err(e) => {
                tracing::warn!(election = id, error = %e, "unreadable mirror file, starting empty");
                None
            }
        }
    }
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A bureau's published tally is its procès-verbal.
fn pv_of(t: &Tally) -> ProcesVerbal {
    let c = &t.counts;
    ProcesVerbal {
        inscrits: count(c.inscrits),
        votants: count(c.votants),
        blancs: count(c.blancs),
        nuls: count(c.nuls),
        exprimes: count(c.exprimes),
        voix: t
            .scores
            .iter()
            .map(|s| CandidateVoix {
                candidate: s.candidate,
                voix: count(s.voix),
            })
            .collect(),
        turnout: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn mirror() -> Mirror {
        Mirror::new(election_data::fixtures::sample_commune())
    }

    #[test]
    fn frames_advance_in_order_and_gaps_are_detected() {
        let mut m = mirror();
        assert_eq!(m.since(), None);
        let snap = json!({"type": "snapshot", "seq": 4, "embargo": false, "bureaux": {}, "perimeters": {}});
        assert_eq!(m.apply(&snap), Applied::Advanced);
        assert_eq!(
            m.apply(&json!({"type": "seq", "seq": 5})),
            Applied::Advanced
        );
        assert_eq!(m.apply(&json!({"type": "seq", "seq": 5})), Applied::Stale);
        assert_eq!(m.apply(&json!({"type": "seq", "seq": 7})), Applied::Gap);
        assert_eq!(m.since(), Some(5));
        assert_eq!(m.apply(&json!({"type": "hello"})), Applied::Ignored);
    }

    #[test]
    fn the_trend_is_mirrored_until_the_result_replaces_it() {
        use election_data::model::CandidateVoix;
        use election_data::validate::Centaine;
        use results_view::hub::{Topic, View};
        let e = election_data::fixtures::sample_commune();
        let code = e.bureaux[0].code.clone();
        let topic = Topic::new(LiveElection::new(e.clone()));
        let mut voix: Vec<CandidateVoix> = e
            .candidates
            .iter()
            .map(|c| CandidateVoix {
                candidate: c.number,
                voix: 0,
            })
            .collect();
        voix[2].voix = 98;
        let c = Centaine {
            at: 100,
            blancs: 1,
            nuls: 1,
            voix,
        };
        let mut row = topic.read().bureau(&code);
        row.meta.version = 1;
        row.centaines = vec![c.clone()];
        row.trend = Some(c.clone());
        topic.publish(&code, row.clone(), 1);
        let mut m = mirror();
        let text = topic.snapshot(View::Public).text;
        let snap: Value = serde_json::from_str(text.as_str()).expect("json");
        assert_eq!(m.apply(&snap), Applied::Advanced);
        let live = m.to_live();
        assert_eq!(live.public_view(0).trend(&code), Some(&c));
        // The result is published: the delta withdraws the trend.
        let pv = election_data::fixtures::sample_pv(&e, &e.bureaux[0], 1);
        row.meta.version = 2;
        row.meta.state = BureauState::Published;
        row.record.pv = Some(pv.clone());
        row.published = Some(pv);
        row.trend = None;
        topic.publish(&code, row, 2);
        let frame = topic.ring(View::Public).pop().expect("a frame");
        let delta: Value = serde_json::from_str(frame.text.as_str()).expect("json");
        assert_eq!(m.apply(&delta), Applied::Advanced);
        assert_eq!(m.bureaux[&code].trend, None);
        assert_eq!(m.to_live().public_view(0).trend(&code), None);
    }

    #[test]
    fn saves_and_loads_atomically() {
        let dir =
            std::env::temp_dir().join(format!("urne-kiosk-{}", uuid::Uuid::new_v4().simple()));
        let mut m = mirror();
        m.apply(&json!({"type": "snapshot", "seq": 2, "embargo": false, "bureaux": {}, "perimeters": {}}));
        m.save(&dir).expect("save");
        assert_eq!(Mirror::load(&dir, &m.election.id), Some(m.clone()));
        assert!(!dir.join(format!("{}.json.tmp", m.election.id)).exists());
        std::fs::write(dir.join("broken.json"), b"{not json").expect("write");
        assert_eq!(Mirror::load(&dir, "broken"), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
