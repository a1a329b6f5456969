//! The live wire protocol: the messages of `/ws/elections/{id}`, as types.
//!
//! One definition for both ends: the hub serialises these to build each
//! frame once ([`Message::encode`]), and the kiosk's mirror and the load
//! tool's clients decode them ([`Message::decode`], [`Header::decode`])
//! instead of picking fields out of untyped JSON. `web/live.js` reads the
//! same JSON; its shape is part of the public contract and does not change:
//!
//! - `{"type":"snapshot","election","seq","embargo","bureaux":{code:{state,version,tally}},"perimeters":{code:tally}}`
//! - `{"type":"change","election","seq","embargo","bureau","state","version","tally","perimeters":{code:tally}}`
//! - `{"type":"seq","election","seq"}`: the sequence moved on, nothing of this view changed.
//!
//! Borrowed fields ([`Cow`]) let the hub encode without copying the tallies;
//! decoding always yields owned data (`Message<'static>`).

use std::borrow::Cow;
use std::collections::BTreeMap;

use election_data::tally::{BureauState, Tally};
use serde::{Deserialize, Serialize};

use crate::live::Delta;

/// One bureau in a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotBureau<'a> {
    pub state: BureauState,
    pub version: i64,
    pub tally: Cow<'a, Tally>,
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

/// One committed change: a bureau and every perimeter it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change<'a> {
    #[serde(default)]
    pub election: Cow<'a, str>,
    pub seq: i64,
    #[serde(default)]
    pub embargo: bool,
    #[serde(flatten)]
    pub delta: Cow<'a, Delta>,
}

/// The sequence number moved on but nothing of this view changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Seq<'a> {
    #[serde(default)]
    pub election: Cow<'a, str>,
    pub seq: i64,
}

/// A message of the live WebSocket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Message<'a> {
    Snapshot(Snapshot<'a>),
    Change(Change<'a>),
    Seq(Seq<'a>),
}

impl Message<'_> {
    /// The sequence number the message brings its reader to.
    pub fn seq(&self) -> i64 {
        match self {
            Message::Snapshot(s) => s.seq,
            Message::Change(c) => c.seq,
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
    Change,
    Seq,
}

/// The kind and sequence number of a message, without its figures: what a
/// client that only counts frames (the load tool) needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct Header {
    #[serde(rename = "type")]
    pub kind: Kind,
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
        let tally = live.public_root_tally().cloned().unwrap_or_else(|| {
            live.public
                .bureaux
                .values()
                .next()
                .cloned()
                .expect("a tally")
        });
        let change = Message::Change(Change {
            election: "x".into(),
            seq: 7,
            embargo: true,
            delta: Cow::Owned(Delta {
                bureau: "1".into(),
                state: BureauState::Published,
                version: 2,
                tally: tally.clone(),
                perimeters: BTreeMap::from([("c".to_string(), tally)]),
            }),
        });
        let text = change.encode();
        assert!(text.starts_with(r#"{"type":"change","election":"x","seq":7,"embargo":true,"bureau":"1","state":"published","version":2,"tally":{"#));
        assert_eq!(Message::decode(&text).ok(), Some(change));
        assert_eq!(
            Header::decode(&text).ok(),
            Some(Header {
                kind: Kind::Change,
                seq: 7
            })
        );
        assert!(Message::decode(r#"{"type":"hello"}"#).is_err());
    }
}
