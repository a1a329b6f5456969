//! Deterministic, plausible contours for any election: the fixtures' and
//! the benchmarks' stand-in for a commune's real file.
//!
//! The commune is an irregular disc on a jittered lattice of cells; each
//! bureau gets a seed (its perimeter's bureaux side by side, the first
//! perimeters nearest the centre, as a town's centre is denser than its
//! villages) and every cell goes to the nearest seed. A bureau's shape is
//! the outline of its cells, traced edge by edge, so neighbours share
//! their borders exactly and the shapes tile the commune without a gap.
//! The result is written as GeoJSON in the national file's vocabulary
//! (`codeCommune`, `codeBureauVote`), six decimals of a degree.

use std::collections::{BTreeMap, HashMap};

use crate::fixtures::SplitMix;
use crate::model::Election;

/// Where the sample commune sits (in the lower Rhône valley).
const ORIGIN: (f64, f64) = (4.78, 44.86);
/// A cell's side, in degrees of latitude (about 110 m).
const CELL: f64 = 0.001;

/// The contours of `election`'s bureaux, as a GeoJSON FeatureCollection.
pub fn contours(election: &Election, seed: u64) -> String {
    let n = election.bureaux.len().max(1);
    let side = ((n * 60) as f64).sqrt().ceil().max(40.0) as usize;
    let mut rng = SplitMix::new(seed);
    let mut unit = move || (rng.next_u64() % 10_000) as f64 / 10_000.0;
    // The commune's outline: a wobbly disc.
    let r0 = side as f64 * 0.47;
    let (p1, p2) = (
        unit() * std::f64::consts::TAU,
        unit() * std::f64::consts::TAU,
    );
    let centre = side as f64 / 2.0;
    let inside = |x: f64, y: f64| {
        let (dx, dy) = (x - centre, y - centre);
        let a = dy.atan2(dx);
        let r = r0 * (1.0 + 0.10 * (3.0 * a + p1).sin() + 0.06 * (5.0 * a + p2).sin());
        dx * dx + dy * dy <= r * r
    };
    // Seeds: groups by the bureau's first perimeter, placed on a spiral.
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, b) in election.bureaux.iter().enumerate() {
        let g = b.perimeters.first().cloned().unwrap_or_default();
        match groups.iter_mut().find(|(k, _)| *k == g) {
            Some((_, v)) => v.push(i),
            None => groups.push((g, vec![i])),
        }
    }
    let spacing = r0 * 0.85 / (n as f64).sqrt();
    let mut seeds: Vec<(usize, usize)> = vec![(0, 0); election.bureaux.len()];
    let mut taken: HashMap<(usize, usize), usize> = HashMap::new();
    let mut placed = 0usize;
    for (_, members) in &groups {
        for &i in members {
            // Consecutive bureaux of a group are consecutive on the spiral.
            let k = placed as f64 + 0.5;
            let a = k * 2.399_963 + unit() * 0.3;
            let r = (k.sqrt() * spacing).min(r0 * 0.8);
            let mut cell = (
                (centre + r * a.cos()).clamp(1.0, side as f64 - 2.0) as usize,
                (centre + r * a.sin()).clamp(1.0, side as f64 - 2.0) as usize,
            );
            // Two seeds never share a cell: step along the row.
            while taken.contains_key(&cell) || !inside(cell.0 as f64 + 0.5, cell.1 as f64 + 0.5) {
                cell = if cell.0 + 1 < side {
                    (cell.0 + 1, cell.1)
                } else {
                    (1, (cell.1 + 1) % side)
                };
            }
            taken.insert(cell, i);
            seeds[i] = cell;
            placed += 1;
        }
    }
    // Every cell inside the outline to its nearest seed.
    let mut owner: Vec<Option<usize>> = vec![None; side * side];
    for y in 0..side {
        for x in 0..side {
            let (cx, cy) = (x as f64 + 0.5, y as f64 + 0.5);
            if !inside(cx, cy) && !taken.contains_key(&(x, y)) {
                continue;
            }
            let best = seeds
                .iter()
                .enumerate()
                .min_by(|(_, a), (_, b)| {
                    let da = (a.0 as f64 + 0.5 - cx).powi(2) + (a.1 as f64 + 0.5 - cy).powi(2);
                    let db = (b.0 as f64 + 0.5 - cx).powi(2) + (b.1 as f64 + 0.5 - cy).powi(2);
                    da.total_cmp(&db)
                })
                .map(|(i, _)| i);
            owner[y * side + x] = best;
        }
    }
    // The lattice's vertices, jittered (the border of the square stays put).
    let mut vertex = vec![(0.0f64, 0.0f64); (side + 1) * (side + 1)];
    for y in 0..=side {
        for x in 0..=side {
            let border = x == 0 || y == 0 || x == side || y == side;
            let (jx, jy) = if border {
                (0.0, 0.0)
            } else {
                (unit() - 0.5, unit() - 0.5)
            };
            vertex[y * (side + 1) + x] = (x as f64 + jx * 0.6, y as f64 + jy * 0.6);
        }
    }
    let lat_k = (ORIGIN.1.to_radians()).cos();
    let lonlat = |v: usize| {
        let (x, y) = vertex[v];
        let lon = ORIGIN.0 + x * CELL / lat_k;
        let lat = ORIGIN.1 + y * CELL;
        [(lon * 1e6).round() / 1e6, (lat * 1e6).round() / 1e6]
    };
    let owner_at = |x: i64, y: i64| -> Option<usize> {
        if x < 0 || y < 0 || x >= side as i64 || y >= side as i64 {
            return None;
        }
        owner[y as usize * side + x as usize]
    };
    let root = election.root().map(|r| r.code.clone()).unwrap_or_default();
    let mut features = Vec::new();
    for (i, b) in election.bureaux.iter().enumerate() {
        let rings = outline(side, |x, y| owner_at(x, y) == Some(i));
        let coords: Vec<Vec<Vec<[f64; 2]>>> = group_rings(rings)
            .into_iter()
            .map(|poly| {
                poly.into_iter()
                    .map(|ring| {
                        let mut r: Vec<[f64; 2]> = ring.iter().map(|&v| lonlat(v)).collect();
                        if let Some(&first) = r.first() {
                            r.push(first);
                        }
                        r
                    })
                    .collect()
            })
            .collect();
        let geometry = if coords.len() == 1 {
            serde_json::json!({ "type": "Polygon", "coordinates": coords[0] })
        } else {
            serde_json::json!({ "type": "MultiPolygon", "coordinates": coords })
        };
        features.push(serde_json::json!({
            "type": "Feature",
            "properties": { "codeCommune": root, "codeBureauVote": b.code, "nomBureauVote": b.name },
            "geometry": geometry,
        }));
    }
    let lines: Vec<String> = features.iter().map(|f| f.to_string()).collect();
    format!(
        "{{\"type\":\"FeatureCollection\",\"features\":[\n{}\n]}}\n",
        lines.join(",\n")
    )
}

/// The rings (lattice vertex indices) around the cells where `mine` holds,
/// interior on the left: outer rings counter-clockwise (y up), holes
/// clockwise. At a vertex where the region touches itself diagonally the
/// tracing turns towards the interior, so every ring is simple.
fn outline(side: usize, mine: impl Fn(i64, i64) -> bool) -> Vec<(i64, Vec<usize>)> {
    let w = side + 1;
    let id = |x: i64, y: i64| y as usize * w + x as usize;
    // Directed boundary edges, from → to, by their start.
    let mut out: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for y in 0..side as i64 {
        for x in 0..side as i64 {
            if !mine(x, y) {
                continue;
            }
            if !mine(x, y - 1) {
                out.entry(id(x, y)).or_default().push(id(x + 1, y));
            }
            if !mine(x + 1, y) {
                out.entry(id(x + 1, y)).or_default().push(id(x + 1, y + 1));
            }
            if !mine(x, y + 1) {
                out.entry(id(x + 1, y + 1)).or_default().push(id(x, y + 1));
            }
            if !mine(x - 1, y) {
                out.entry(id(x, y + 1)).or_default().push(id(x, y));
            }
        }
    }
    let xy = |v: usize| ((v % w) as i64, (v / w) as i64);
    let mut rings = Vec::new();
    while let Some((&start, _)) = out.iter().find(|(_, v)| !v.is_empty()) {
        let mut ring = vec![start];
        let mut prev = start;
        let mut cur = match out.get_mut(&start).and_then(Vec::pop) {
            Some(c) => c,
            None => break,
        };
        while cur != start {
            ring.push(cur);
            let Some(nexts) = out.get_mut(&cur) else {
                break;
            };
            let (px, py) = xy(prev);
            let (cx, cy) = xy(cur);
            let (dx, dy) = (cx - px, cy - py);
            // Prefer a left turn, then straight on, then right.
            let pick = (0..nexts.len())
                .max_by_key(|&k| {
                    let (nx, ny) = xy(nexts[k]);
                    let (ex, ey) = (nx - cx, ny - cy);
                    let cross = dx * ey - dy * ex;
                    cross.signum() * 2 + i64::from(cross == 0)
                })
                .unwrap_or(0);
            let next = nexts.swap_remove(pick);
            prev = cur;
            cur = next;
        }
        // Drop the vertices where the outline runs straight on.
        let n = ring.len();
        let kept: Vec<usize> = (0..n)
            .filter(|&k| {
                let (a, b, c) = (
                    xy(ring[(k + n - 1) % n]),
                    xy(ring[k]),
                    xy(ring[(k + 1) % n]),
                );
                (b.0 - a.0) * (c.1 - b.1) - (b.1 - a.1) * (c.0 - b.0) != 0
            })
            .map(|k| ring[k])
            .collect();
        rings.push(kept);
        out.retain(|_, v| !v.is_empty());
    }
    // Twice the signed area, in lattice units: positive for outer rings.
    rings
        .into_iter()
        .filter(|r| r.len() >= 3)
        .map(|r| {
            let area2: i64 = (0..r.len())
                .map(|k| {
                    let (a, b) = (xy(r[k]), xy(r[(k + 1) % r.len()]));
                    a.0 * b.1 - b.0 * a.1
                })
                .sum();
            (area2, r)
        })
        .filter(|(area2, _)| *area2 != 0)
        .collect()
}

/// Outer rings with the holes inside them, one polygon each (holes go to
/// the largest outer ring: the lattice makes no nested islands here).
fn group_rings(rings: Vec<(i64, Vec<usize>)>) -> Vec<Vec<Vec<usize>>> {
    let mut outer: Vec<(i64, Vec<usize>)> = Vec::new();
    let mut holes = Vec::new();
    for (area2, r) in rings {
        if area2 > 0 {
            outer.push((area2, r));
        } else {
            holes.push(r);
        }
    }
    outer.sort_by_key(|(a, _)| std::cmp::Reverse(*a));
    let mut polygons: Vec<Vec<Vec<usize>>> = outer.into_iter().map(|(_, r)| vec![r]).collect();
    if let Some(first) = polygons.first_mut() {
        first.extend(holes);
    }
    polygons
}
