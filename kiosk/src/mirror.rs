//! The kiosk's copy of an election's public results, and its file on disk.
//!
//! The mirror holds exactly what the server's public WebSocket sent: the
//! election definition, the last snapshot with every change applied since,
//! and the sequence number reached. It is written to disk atomically
//! (temporary file, fsync, rename) after every change, so a power cut or a
//! restart without network starts again from the last state shown.
//!
//! [`Mirror::to_live`] turns it back into the server's `LiveElection`: each
//! published bureau's tally is exactly its procès-verbal, so the kiosk
//! rebuilds the bureaux and lets the same domain code recompute every
//! aggregate, and the same page code render them.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use election_data::model::{CandidateVoix, Election, ProcesVerbal, TurnoutReading};
use election_data::tally::{BureauRecord, BureauState};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use urne::live::{BureauLive, BureauMeta, LiveElection};

/// One bureau as the public sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MirrorBureau {
    pub state: String,
    pub version: i64,
    pub tally: Value,
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
    pub perimeters: BTreeMap<String, Value>,
    /// Milliseconds since the epoch when the last frame was applied.
    pub received_at: i64,
}

fn now_millis() -> i64 {
    urne::store::now_millis()
}

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
        }
    }

    /// The `since` to resume from, if any frame was applied.
    pub fn since(&self) -> Option<i64> {
        (self.seq >= 0).then_some(self.seq)
    }

    /// Applies one frame of the public WebSocket.
    pub fn apply(&mut self, frame: &Value) -> Applied {
        let seq = frame["seq"].as_i64().unwrap_or(-1);
        match frame["type"].as_str() {
            Some("snapshot") => {
                let (Some(bureaux), Some(perimeters)) = (
                    frame["bureaux"].as_object(),
                    frame["perimeters"].as_object(),
                ) else {
                    return Applied::Ignored;
                };
                self.bureaux = bureaux
                    .iter()
                    .filter_map(|(k, v)| {
                        Some((
                            k.clone(),
                            MirrorBureau {
                                state: v["state"].as_str()?.to_string(),
                                version: v["version"].as_i64().unwrap_or(0),
                                tally: v["tally"].clone(),
                            },
                        ))
                    })
                    .collect();
                self.perimeters = perimeters
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                self.embargo = frame["embargo"].as_bool().unwrap_or(false);
                self.seq = seq;
            }
            Some(kind @ ("change" | "seq")) => {
                if seq <= self.seq {
                    return Applied::Stale;
                }
                if self.seq < 0 || seq != self.seq + 1 {
                    return Applied::Gap;
                }
                if kind == "change" {
                    let Some(code) = frame["bureau"].as_str() else {
                        return Applied::Ignored;
                    };
                    self.bureaux.insert(
                        code.to_string(),
                        MirrorBureau {
                            state: frame["state"].as_str().unwrap_or("not_arrived").to_string(),
                            version: frame["version"].as_i64().unwrap_or(0),
                            tally: frame["tally"].clone(),
                        },
                    );
                    if let Some(p) = frame["perimeters"].as_object() {
                        for (k, v) in p {
                            self.perimeters.insert(k.clone(), v.clone());
                        }
                    }
                    self.embargo = frame["embargo"].as_bool().unwrap_or(self.embargo);
                }
                self.seq = seq;
            }
            _ => return Applied::Ignored,
        }
        self.received_at = now_millis();
        Applied::Advanced
    }

    /// Rebuilds the bureau rows the server's live state is made of.
    pub fn rows(&self) -> Vec<(String, BureauLive)> {
        self.bureaux
            .iter()
            .map(|(code, b)| {
                let state = BureauState::parse(&b.state).unwrap_or(BureauState::NotArrived);
                let pv = (b.tally["arrived"].as_u64() == Some(1)).then(|| pv_of(&b.tally));
                let turnout = b.tally["turnout"]
                    .as_array()
                    .map(|pts| {
                        pts.iter()
                            .filter(|p| p["bureaux"].as_u64().unwrap_or(0) > 0)
                            .filter_map(|p| {
                                Some(TurnoutReading {
                                    hour: p["hour"].as_str()?.to_string(),
                                    votants: p["votants"].as_i64()?,
                                })
                            })
                            .collect()
                    })
                    .unwrap_or_default();
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
                    },
                )
            })
            .collect()
    }

    /// The server's live state for this election, rebuilt from the mirror.
    pub fn to_live(&self) -> LiveElection {
        LiveElection::restore(self.election.clone(), self.seq.max(0), self.rows())
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

/// A bureau's published tally is its procès-verbal.
fn pv_of(t: &Value) -> ProcesVerbal {
    let c = &t["counts"];
    let n = |k: &str| c[k].as_i64().unwrap_or(0);
    ProcesVerbal {
        inscrits: n("inscrits"),
        votants: n("votants"),
        blancs: n("blancs"),
        nuls: n("nuls"),
        exprimes: n("exprimes"),
        voix: t["scores"]
            .as_array()
            .map(|s| {
                s.iter()
                    .filter_map(|s| {
                        Some(CandidateVoix {
                            candidate: u32::try_from(s["candidate"].as_u64()?).ok()?,
                            voix: s["voix"].as_i64()?,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default(),
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
    }
}
