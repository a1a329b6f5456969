//! The map of an election: where each bureau is drawn, and how it is shaded.
//!
//! A [`BureauMap`] holds every bureau's shape already projected into the
//! map's own plane (integer units, y downwards, the longer side
//! [`MAP_SIZE`] units), simplified once at import. Storing it this way keeps
//! rendering a plain copy of integers into SVG (no projection per change),
//! keeps the map comparable (`Eq`) and small enough to travel with the
//! election to the kiosks.
//!
//! The shading rules are integers only, so that the page's script
//! (`web/live.js`, `mapShade`) reaches the same class for a bureau as the
//! server: [`leader_shade`] (who leads, by how many points of the exprimés)
//! and [`participation_level`] (votants over inscrits, or the last turnout
//! reading before the count).
//!
//! - [`contours`]: reading and checking a GeoJSON file of contours.
//! - [`grid`]: the fallback when there are none, a tile grid by perimeter.
//! - [`generate`]: deterministic contours for the fixtures and benchmarks.

pub mod contours;
pub mod generate;
pub mod grid;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::Election;
use crate::tally::Tally;

/// The longer side of a map, in map units.
pub const MAP_SIZE: i32 = 1000;

/// A closed ring of points in map units (the last point is not repeated).
pub type Ring = Vec<[i32; 2]>;

/// Every bureau's shape, projected and simplified.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BureauMap {
    pub width: i32,
    pub height: i32,
    /// Per bureau code, its rings: outer rings and holes alike, drawn with
    /// the even-odd rule (a hole is a ring inside another).
    pub shapes: BTreeMap<String, Vec<Ring>>,
}

impl BureauMap {
    /// The bounding box `(min_x, min_y, max_x, max_y)` of the given bureaux
    /// (of all of them for an empty list), or None when none has a shape.
    pub fn bounds(&self, codes: &[String]) -> Option<(i32, i32, i32, i32)> {
        let mut b: Option<(i32, i32, i32, i32)> = None;
        let shapes: Vec<&Vec<Ring>> = if codes.is_empty() {
            self.shapes.values().collect()
        } else {
            codes.iter().filter_map(|c| self.shapes.get(c)).collect()
        };
        for [x, y] in shapes.into_iter().flatten().flatten().copied() {
            b = Some(match b {
                None => (x, y, x, y),
                Some((a, c, d, e)) => (a.min(x), c.min(y), d.max(x), e.max(y)),
            });
        }
        b
    }

    /// Bureaux of `election` without a shape, and shapes of no bureau.
    pub fn mismatch(&self, election: &Election) -> (Vec<String>, Vec<String>) {
        let missing = election
            .bureaux
            .iter()
            .filter(|b| !self.shapes.contains_key(&b.code))
            .map(|b| b.code.clone())
            .collect();
        let unknown = self
            .shapes
            .keys()
            .filter(|c| election.bureau(c).is_none())
            .cloned()
            .collect();
        (missing, unknown)
    }
}

/// How a bureau is coloured on the leader map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shade {
    /// No published result (or nothing to rank): hatched.
    NotArrived,
    /// Ballot-panel number of the candidate ahead, and the lead's strength
    /// from 1 (under 5 points of the exprimés) to 4 (20 points or more).
    Leader { candidate: u32, level: u8 },
}

/// Thresholds of the lead, in points of the exprimés: level `i + 1` below
/// `LEAD_POINTS[i]`, level 4 at or above the last.
pub const LEAD_POINTS: [u64; 3] = [5, 10, 20];

/// Thresholds of participation, in percent: level `i` below
/// `PARTICIPATION_POINTS[i]`, level 4 at or above the last.
pub const PARTICIPATION_POINTS: [u64; 4] = [50, 60, 70, 80];

/// Who leads in `t` and by how much (ties go to the lower panel number, as
/// the rankings of the pages do).
pub fn leader_shade(t: &Tally) -> Shade {
    let e = t.counts.exprimes;
    if t.arrived == 0 || e == 0 {
        return Shade::NotArrived;
    }
    let ranking = t.ranking();
    let Some(first) = ranking.first() else {
        return Shade::NotArrived;
    };
    let second = ranking.get(1).map_or(0, |s| s.voix);
    let lead = (first.voix - second) * 100;
    let level = 1 + LEAD_POINTS.iter().filter(|&&p| lead >= p * e).count();
    Shade::Leader {
        candidate: first.candidate,
        level: u8::try_from(level).unwrap_or(4),
    }
}

/// How much of the leader's colour each lead level keeps, in percent (the
/// rest is white): a tint rather than a transparency, so the shade reads
/// the same on the light pages and on the big screen's dark background.
pub const LEAD_TINTS: [u32; 4] = [45, 65, 85, 100];

/// `colour` (`#rrggbb`) tinted for a lead `level` (1 to 4): each channel
/// `255 - round((255 - c) × tint / 100)`, halves up, in integers (the
/// pages' script computes the same). A colour that is not `#rrggbb` is
/// returned as it is.
pub fn tint(colour: &str, level: u8) -> String {
    let keep = LEAD_TINTS[usize::from(level.clamp(1, 4) - 1)];
    let hex = colour
        .strip_prefix('#')
        .filter(|h| h.len() == 6 && h.is_ascii());
    let Some(channels) = hex.and_then(|h| {
        (0..3)
            .map(|i| u32::from_str_radix(&h[2 * i..2 * i + 2], 16).ok())
            .collect::<Option<Vec<u32>>>()
    }) else {
        return colour.to_string();
    };
    let mut out = String::from("#");
    for c in channels {
        let v = 255 - ((255 - c) * keep + 50) / 100;
        out.push_str(&format!("{v:02x}"));
    }
    out
}

/// The participation class of `t` (0 to 4), from its final counts once
/// counted, otherwise from its last turnout reading; None when neither.
pub fn participation_level(t: &Tally) -> Option<u8> {
    let (votants, inscrits) = if t.arrived > 0 && t.counts.inscrits > 0 {
        (t.counts.votants, t.counts.inscrits)
    } else {
        let p = t.turnout.iter().rev().find(|p| p.inscrits > 0)?;
        (p.votants, p.inscrits)
    };
    let level = PARTICIPATION_POINTS
        .iter()
        .filter(|&&p| votants * 100 >= p * inscrits)
        .count();
    Some(u8::try_from(level).unwrap_or(4))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tally::{Counts, Rates, Score, TurnoutPoint};

    fn tally(voix: &[u64], inscrits: u64, votants: u64) -> Tally {
        let counts = Counts {
            inscrits,
            votants,
            exprimes: voix.iter().sum(),
            ..Counts::default()
        };
        Tally {
            arrived: 1,
            total: 1,
            inscrits_roll: inscrits,
            counts,
            rates: Rates::of(&counts),
            scores: voix
                .iter()
                .enumerate()
                .map(|(i, &v)| Score {
                    candidate: u32::try_from(i + 1).unwrap_or(0),
                    voix: v,
                    pct_exprimes: None,
                    pct_inscrits: None,
                })
                .collect(),
            turnout: Vec::new(),
        }
    }

    fn reading(votants: u64, inscrits: u64) -> TurnoutPoint {
        TurnoutPoint {
            hour: "12:00".into(),
            votants,
            inscrits,
            bureaux: 1,
            rate: None,
        }
    }

    #[test]
    fn tints_mix_the_colour_with_white() {
        assert_eq!(tint("#FFD700", 4), "#ffd700");
        assert_eq!(tint("#000000", 1), "#8c8c8c");
        assert_eq!(tint("#123f8c", 2), "#6582b4");
        assert_eq!(tint("#ffffff", 3), "#ffffff");
        assert_eq!(tint("red", 2), "red");
    }

    #[test]
    fn the_lead_is_graded_in_points_of_the_exprimes() {
        // 100 exprimés: leads of 4, 5, 19 and 20 points.
        assert_eq!(
            leader_shade(&tally(&[52, 48], 200, 100)),
            Shade::Leader {
                candidate: 1,
                level: 1
            }
        );
        assert_eq!(
            leader_shade(&tally(&[45, 50, 5], 200, 100)),
            Shade::Leader {
                candidate: 2,
                level: 2
            }
        );
        assert_eq!(
            leader_shade(&tally(&[30, 49, 21], 200, 100)),
            Shade::Leader {
                candidate: 2,
                level: 3
            }
        );
        assert_eq!(
            leader_shade(&tally(&[60, 40], 200, 100)),
            Shade::Leader {
                candidate: 1,
                level: 4
            }
        );
        // A tie goes to the lower panel number, at the lowest level.
        assert_eq!(
            leader_shade(&tally(&[0, 50, 50], 200, 100)),
            Shade::Leader {
                candidate: 2,
                level: 1
            }
        );
        let mut none = tally(&[0, 0], 200, 100);
        assert_eq!(leader_shade(&none), Shade::NotArrived);
        none.arrived = 0;
        assert_eq!(leader_shade(&none), Shade::NotArrived);
    }

    #[test]
    fn participation_from_the_count_or_the_last_reading() {
        assert_eq!(participation_level(&tally(&[1], 1000, 499)), Some(0));
        assert_eq!(participation_level(&tally(&[1], 1000, 500)), Some(1));
        assert_eq!(participation_level(&tally(&[1], 1000, 799)), Some(3));
        assert_eq!(participation_level(&tally(&[1], 1000, 800)), Some(4));
        let mut t = tally(&[], 0, 0);
        t.arrived = 0;
        assert_eq!(participation_level(&t), None);
        t.turnout = vec![reading(300, 1000), reading(610, 1000), reading(0, 0)];
        assert_eq!(participation_level(&t), Some(2));
    }
}
