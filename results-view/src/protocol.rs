//! The live wire protocol: the messages of `/ws/elections/{id}`, as types.
//!
//! One definition for both ends: the hub serialises these to build each
//! frame once ([`Message::encode`]), and the kiosk's mirror and the load
//! tool's clients decode them ([`Message::decode`], [`Header::decode`])
//! instead of picking fields out of untyped JSON. `web/live.js` reads the
//! same JSON; its shape is part of the public contract (`docs/feed.md`):
//!
//! - `{"type":"snapshot","election","seq","embargo","bureaux":{code:{state,version,tally,trend?}},"perimeters":{code:tally}}`:
//!   everything, with names' keys and percentages;
//! - `{"type":"delta","election","from","seq","embargo","bureaux":{code:{state,version,…}},"perimeters":{code:{…}}}`:
//!   the changes `from..=seq` (one change, or several coalesced), only the
//!   integers that changed ([`TallyDelta`], applied with its half-up
//!   percentages);
//! - `{"type":"seq","election","seq"}`: the sequence moved on, nothing of this view changed.
//!
//! A bureau's early trend (the centaine the desk published before its
//! result, [`Trend`]) travels beside its tally, never in it: `trend` in a
//! snapshot, `tr` in a delta when it changed (`null`: withdrawn, replaced by
//! the result).
//!
//! Borrowed fields ([`Cow`]) let the hub encode without copying the tallies;
//! decoding always yields owned data (`Message<'static>`).

use std::borrow::Cow;
use std::collections::BTreeMap;

use election_data::model::{CandidateVoix, Election};
use election_data::tally::{BureauState, Tally};
use election_data::tally_delta::TallyDelta;
use election_data::validate::Centaine;
use serde::{Deserialize, Serialize};

/// A bureau's early trend, its integers only: the first `at` ballots
/// counted, `b` blancs and `n` nuls among them, and `v` every candidate's
/// voix in ballot-panel order. Percentages are the reader's, over
/// `at − b − n` (the pages round them half-up to whole percents).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trend {
    pub at: i64,
    pub b: i64,
    pub n: i64,
    pub v: Vec<i64>,
}

impl Trend {
    /// The wire form of a centaine, voix in the election's panel order.
    pub fn of(e: &Election, c: &Centaine) -> Trend {
        Trend {
            at: c.at,
            b: c.blancs,
            n: c.nuls,
            v: e.candidates
                .iter()
                .map(|cand| {
                    c.voix
                        .iter()
                        .filter(|v| v.candidate == cand.number)
                        .map(|v| v.voix)
                        .sum()
                })
                .collect(),
        }
    }

    /// The centaine back, with the election's candidates (a voix missing
    /// from `v` counts 0).
    pub fn centaine(&self, e: &Election) -> Centaine {
        Centaine {
            at: self.at,
            blancs: self.b,
            nuls: self.n,
            voix: e
                .candidates
                .iter()
                .enumerate()
                .map(|(i, cand)| CandidateVoix {
                    candidate: cand.number,
                    voix: self.v.get(i).copied().unwrap_or(0),
                })
                .collect(),
        }
    }
}

/// One bureau in a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotBureau<'a> {
    pub state: BureauState,
    pub version: i64,
    pub tally: Cow<'a, Tally>,
    /// The early trend the public sees, until the result is published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trend: Option<Trend>,
}

/// The whole state of one view of an election.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot<'a> {
    #[serde(default)]
    pub election: Cow<'a, str>,
    pub seq: i64,
    #[serde(default)]
    pub embargo: bool,
    pub bureaux: BTreeMap<Cow<'a, str>, SnapshotBureau<'a>>,
    pub perimeters: BTreeMap<Cow<'a, str>, Cow<'a, Tally>>,
}

/// One bureau in a delta: its state and version, and its changed integers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeltaBureau {
    pub state: BureauState,
    pub version: i64,
    #[serde(flatten)]
    pub tally: TallyDelta,
    /// `tr`, when the bureau's trend changed: the new one, or `null` when
    /// it was withdrawn (the result replaced it). Absent: unchanged.
    #[serde(
        default,
        rename = "tr",
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub trend: Option<Option<Trend>>,
}

/// A field that is present, even as `null`, is `Some`.
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// The committed changes `from..=seq`: every bureau they touched and every
/// perimeter containing one, with only the integers that changed. Values
/// are absolute, so a delta applies to any state from `from - 1` to `seq`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delta<'a> {
    #[serde(default)]
    pub election: Cow<'a, str>,
    pub from: i64,
    pub seq: i64,
    #[serde(default)]
    pub embargo: bool,
    #[serde(default)]
    pub bureaux: BTreeMap<String, DeltaBureau>,
    #[serde(default)]
    pub perimeters: BTreeMap<String, TallyDelta>,
}

impl Delta<'_> {
    /// This delta followed by `later` (which starts right after it, or
    /// within it), as one delta.
    pub fn merge(&mut self, later: &Delta<'_>) {
        self.seq = self.seq.max(later.seq);
        self.embargo = later.embargo;
        for (code, b) in &later.bureaux {
            let mine = self.bureaux.entry(code.clone()).or_default();
            mine.state = b.state;
            mine.version = b.version;
            mine.tally.merge(&b.tally);
            if b.trend.is_some() {
                mine.trend = b.trend.clone();
            }
        }
        for (code, t) in &later.perimeters {
            self.perimeters.entry(code.clone()).or_default().merge(t);
        }
    }

    /// Whether this delta may be applied by a reader at `seq`: it reaches
    /// past it and leaves no hole.
    pub fn applies_at(&self, seq: i64) -> bool {
        self.from <= seq + 1 && self.seq > seq
    }
}

impl Snapshot<'_> {
    /// Applies a delta to this snapshot (the caller checked
    /// [`Delta::applies_at`]). A bureau or perimeter the snapshot does not
    /// have is ignored: it is not part of this election.
    pub fn apply(&mut self, d: &Delta<'_>) {
        for (code, b) in &d.bureaux {
            if let Some(mine) = self.bureaux.get_mut(code.as_str()) {
                mine.state = b.state;
                mine.version = b.version;
                b.tally.apply(mine.tally.to_mut());
                if let Some(t) = &b.trend {
                    mine.trend = t.clone();
                }
            }
        }
        for (code, t) in &d.perimeters {
            if let Some(mine) = self.perimeters.get_mut(code.as_str()) {
                t.apply(mine.to_mut());
            }
        }
        self.embargo = d.embargo;
        self.seq = d.seq;
    }
}

/// The sequence number moved on but nothing of this view changed (from
/// `from`, when several such changes were coalesced).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Seq<'a> {
    #[serde(default)]
    pub election: Cow<'a, str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<i64>,
    pub seq: i64,
}

/// A message of the live WebSocket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Message<'a> {
    Snapshot(Snapshot<'a>),
    Delta(Delta<'a>),
    Seq(Seq<'a>),
}

impl Message<'_> {
    /// The first change a delta or seq message covers (a snapshot: its seq).
    pub fn from(&self) -> i64 {
        match self {
            Message::Snapshot(s) => s.seq,
            Message::Delta(d) => d.from,
            Message::Seq(s) => s.from.unwrap_or(s.seq),
        }
    }

    /// The sequence number the message brings its reader to.
    pub fn seq(&self) -> i64 {
        match self {
            Message::Snapshot(s) => s.seq,
            Message::Delta(d) => d.seq,
            Message::Seq(s) => s.seq,
        }
    }

    /// The message as the text of one WebSocket frame.
    pub fn encode(&self) -> String {
        // Plain structs of strings, integers and maps with string keys:
        // serialising them cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads one frame's text.
    pub fn decode(text: &str) -> Result<Message<'static>, serde_json::Error> {
        serde_json::from_str(text)
    }
}

/// The kind of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Snapshot,
    Delta,
    Seq,
}

/// The kind and sequence numbers of a message, without its figures: what a
/// client that only counts frames needs. `from` is the first change a delta
/// covers (`seq` for a single change; absent from other messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct Header {
    #[serde(rename = "type")]
    pub kind: Kind,
    #[serde(default)]
    pub from: Option<i64>,
    pub seq: i64,
}

impl Header {
    pub fn decode(text: &str) -> Result<Header, serde_json::Error> {
        serde_json::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bytes_keep_their_shape() {
        let seq = Message::Seq(Seq {
            election: "x".into(),
            from: None,
            seq: 3,
        });
        assert_eq!(seq.encode(), r#"{"type":"seq","election":"x","seq":3}"#);
        let snap = Message::Snapshot(Snapshot {
            election: "x".into(),
            seq: 0,
            embargo: false,
            bureaux: BTreeMap::new(),
            perimeters: BTreeMap::new(),
        });
        assert_eq!(
            snap.encode(),
            r#"{"type":"snapshot","election":"x","seq":0,"embargo":false,"bureaux":{},"perimeters":{}}"#
        );
    }

    #[test]
    fn every_message_reads_back() {
        let live = crate::live::LiveElection::new(election_data::fixtures::sample_commune());
        let tally = live
            .public
            .bureaux
            .values()
            .next()
            .cloned()
            .expect("a tally");
        let delta = Message::Delta(Delta {
            election: "x".into(),
            from: 7,
            seq: 7,
            embargo: true,
            bureaux: BTreeMap::from([(
                "1".to_string(),
                DeltaBureau {
                    state: BureauState::Published,
                    version: 2,
                    tally: TallyDelta::full(&tally),
                    trend: None,
                },
            )]),
            perimeters: BTreeMap::from([("c".to_string(), TallyDelta::full(&tally))]),
        });
        let text = delta.encode();
        assert!(text.starts_with(
            r#"{"type":"delta","election":"x","from":7,"seq":7,"embargo":true,"bureaux":{"1":{"state":"published","version":2,"a":0,"#
        ));
        assert_eq!(Message::decode(&text).ok(), Some(delta));
        assert_eq!(
            Header::decode(&text).ok(),
            Some(Header {
                kind: Kind::Delta,
                from: Some(7),
                seq: 7
            })
        );
        assert!(Message::decode(r#"{"type":"hello"}"#).is_err());
    }

    #[test]
    fn a_trend_travels_set_withdrawn_or_not_at_all() {
        let e = election_data::fixtures::sample_commune();
        let mut c = Centaine {
            at: 100,
            blancs: 2,
            nuls: 1,
            voix: Vec::new(),
        };
        c.voix = e
            .candidates
            .iter()
            .map(|cand| CandidateVoix {
                candidate: cand.number,
                voix: 0,
            })
            .collect();
        c.voix[0].voix = 97;
        let t = Trend::of(&e, &c);
        assert_eq!(t.v.len(), e.candidates.len());
        assert_eq!(t.centaine(&e), c);
        let delta = |tr| {
            Message::Delta(Delta {
                election: "x".into(),
                from: 3,
                seq: 3,
                embargo: false,
                bureaux: BTreeMap::from([(
                    "1".to_string(),
                    DeltaBureau {
                        state: BureauState::NotArrived,
                        version: 4,
                        tally: TallyDelta::default(),
                        trend: tr,
                    },
                )]),
                perimeters: BTreeMap::new(),
            })
        };
        for tr in [None, Some(None), Some(Some(t.clone()))] {
            let m = delta(tr);
            let text = m.encode();
            assert_eq!(Message::decode(&text).ok(), Some(m), "{text}");
        }
        assert!(delta(None).encode().contains(r#""version":4}"#));
        assert!(delta(Some(None)).encode().contains(r#""tr":null"#));
        assert!(
            delta(Some(Some(t)))
                .encode()
                .contains(r#""tr":{"at":100,"b":2,"n":1,"v":[97,0,"#)
        );
    }
}
