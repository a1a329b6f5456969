//! The open results feed for media: the document of `GET /api/elections/{id}/feed`.
//!
//! One JSON document per election with everything a newsroom needs to
//! publish: the election, its candidates, the perimeter tree, every bureau
//! with its state and arrival time (and its early trend, apart from the
//! tallies, while its result is not published), and the public tally of every level,
//! with "N bureaux sur M" and the embargo flag. It is the public view (only
//! published bureaux; participation only during an embargo), built once per
//! change and served from the page cache. `?since=N` returns only the
//! changes after sequence number `N`, from the hub's ring of recent frames,
//! or the whole document when `N` is too old. The format is described in
//! `docs/feed.md`; [`snapshot`] is pure, so the static fallback writes the
//! very same bytes. The HTTP handler is the server's; [`changes`] builds
//! its `?since=N` answer.

use election_data::tally::Tally;
use serde::Serialize;

use crate::hub::Frame;
use crate::live::LiveElection;
pub use crate::time::rfc3339_utc as rfc3339;

/// The format name and version written in every document.
pub const FORMAT: &str = "urne-feed/1";

#[derive(Serialize)]
struct FeedElection<'a> {
    id: &'a str,
    label: &'a str,
    kind: election_data::model::ElectionKind,
    round: u8,
    date: &'a str,
    turnout_hours: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    embargo_until: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    seats: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cc_seats: Option<u32>,
}

#[derive(Serialize)]
struct FeedCandidate<'a> {
    number: u32,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    nuance: Option<&'a str>,
    colour: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    list_size: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cc_list_size: Option<u32>,
    /// The commune where the list stands (municipales of a territory).
    #[serde(skip_serializing_if = "Option::is_none")]
    commune: Option<&'a str>,
    /// Its number on that commune's panels.
    #[serde(skip_serializing_if = "Option::is_none")]
    panel: Option<u32>,
}

#[derive(Serialize)]
struct FeedPerimeter<'a> {
    code: &'a str,
    name: &'a str,
    kind: election_data::model::PerimeterKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    population: Option<u32>,
    /// A territory's commune's community seats (municipales).
    #[serde(skip_serializing_if = "Option::is_none")]
    cc_seats: Option<u32>,
    bureaux: &'a [String],
    tally: Tally,
    /// A territory's commune's own councils at municipales, from its
    /// published bureaux ([`LiveElection::provisional_seats_of`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    councils: Option<election_data::seats::Councils>,
}

#[derive(Serialize)]
struct FeedBureau<'a> {
    code: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<&'a str>,
    inscrits_roll: u32,
    perimeters: Vec<String>,
    state: election_data::tally::BureauState,
    version: i64,
    /// RFC 3339 UTC time of the bureau's last accepted write, when published.
    #[serde(skip_serializing_if = "Option::is_none")]
    published_at: Option<String>,
    tally: Tally,
    /// The early trend (a centaine the desk published), until the result.
    #[serde(skip_serializing_if = "Option::is_none")]
    trend: Option<crate::protocol::Trend>,
}

#[derive(Serialize)]
struct Snapshot<'a> {
    format: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    election: FeedElection<'a>,
    seq: i64,
    embargo: bool,
    arrived: usize,
    total: usize,
    complete: bool,
    candidates: Vec<FeedCandidate<'a>>,
    /// The provisional (or, once complete, final) seats of the council and
    /// of the community council, from the published figures: the very
    /// allocation the pages draw ([`LiveElection::provisional_seats`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    councils: Option<election_data::seats::Councils>,
    perimeters: Vec<FeedPerimeter<'a>>,
    bureaux: Vec<FeedBureau<'a>>,
}

/// The whole public feed of an election, as JSON bytes.
pub fn snapshot(live: &LiveElection, now: i64) -> Vec<u8> {
    let e = &live.election;
    let public = live.public_view(now);
    let embargo = public.embargo;
    let visible = |t| public.tally(t).into_owned();
    let root = live.public_root_tally();
    let doc = Snapshot {
        format: FORMAT,
        kind: "snapshot",
        election: FeedElection {
            id: &e.id,
            label: &e.label,
            kind: e.kind,
            round: e.round,
            date: &e.date,
            turnout_hours: &e.turnout_hours,
            embargo_until: e.embargo.as_deref(),
            seats: e.seats,
            cc_seats: e.cc_seats,
        },
        seq: live.seq,
        embargo,
        arrived: root.map_or(0, |t| t.arrived),
        total: root.map_or(e.bureaux.len(), |t| t.total),
        complete: root.is_some_and(Tally::is_complete),
        candidates: e
            .candidates
            .iter()
            .map(|c| FeedCandidate {
                number: c.number,
                name: &c.name,
                nuance: c.nuance.as_deref(),
                colour: &c.colour,
                list_size: c.list_size,
                cc_list_size: c.cc_list_size,
                commune: c.commune.as_deref(),
                panel: c.panel,
            })
            .collect(),
        councils: live.provisional_seats(now),
        perimeters: e
            .perimeters
            .iter()
            .filter_map(|p| {
                Some(FeedPerimeter {
                    code: &p.code,
                    name: &p.name,
                    kind: p.kind,
                    parent: p.parent.as_deref(),
                    population: p.population,
                    cc_seats: p.cc_seats,
                    bureaux: live.aggregator.members(&p.code),
                    tally: visible(live.public.perimeters.get(&p.code)?),
                    councils: p
                        .parent
                        .is_some()
                        .then(|| live.provisional_seats_of(&p.code, now))
                        .flatten(),
                })
            })
            .collect(),
        bureaux: e
            .bureaux
            .iter()
            .filter_map(|b| {
                let bl = live.bureaux.get(&b.code);
                let state = bl.map_or(election_data::tally::BureauState::NotArrived, |x| {
                    x.public_state()
                });
                let published = state == election_data::tally::BureauState::Published;
                Some(FeedBureau {
                    code: &b.code,
                    name: &b.name,
                    address: b.address.as_deref(),
                    inscrits_roll: b.inscrits,
                    perimeters: live.aggregator.perimeters_of(&b.code).to_vec(),
                    state,
                    version: if published {
                        bl.map_or(0, |x| x.meta.version)
                    } else {
                        0
                    },
                    published_at: bl
                        .filter(|x| published && x.meta.updated_at > 0)
                        .map(|x| rfc3339(x.meta.updated_at)),
                    tally: visible(live.public.bureaux.get(&b.code)?),
                    trend: public
                        .trend(&b.code)
                        .map(|c| crate::protocol::Trend::of(e, c)),
                })
            })
            .collect(),
    };
    // Plain structs of strings and integers always serialise.
    serde_json::to_vec(&doc).unwrap_or_default()
}

/// The `?since=N` answer: the public changes after `since`, as the live
/// WebSocket sent them, up to `seq`.
pub fn changes(id: &str, since: i64, frames: &[Frame]) -> String {
    let seq = frames.last().map_or(since, |f| f.seq);
    let mut body = format!(
        "{{\"format\":\"{FORMAT}\",\"type\":\"changes\",\"election\":{},\"since\":{since},\"seq\":{seq},\"changes\":[",
        serde_json::to_string(id).unwrap_or_default()
    );
    for (i, f) in frames.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(f.text.as_str());
    }
    body.push_str("]}");
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_807_466_400_000), "2027-04-11T18:00:00Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn snapshot_has_every_level() {
        let live = LiveElection::new(election_data::fixtures::sample_commune());
        let v: serde_json::Value = serde_json::from_slice(&snapshot(&live, 0)).expect("json");
        assert_eq!(v["format"], FORMAT);
        assert_eq!(v["type"], "snapshot");
        assert_eq!(v["arrived"], 0);
        assert_eq!(v["total"], 34);
        assert_eq!(v["bureaux"].as_array().map(Vec::len), Some(34));
        assert_eq!(v["candidates"].as_array().map(Vec::len), Some(12));
        assert!(
            v["perimeters"]
                .as_array()
                .is_some_and(|p| p.iter().any(|p| p["kind"] == "commune"))
        );
        assert_eq!(v["bureaux"][0]["state"], "not_arrived");
    }
}
