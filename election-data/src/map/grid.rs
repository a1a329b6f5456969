//! The map without contours: one square tile per bureau, grouped by the
//! perimeter each bureau sits in (its first one: the quartier or village;
//! its commune on the map of a territory's several communes),
//! the groups flowed in rows. Every election has a map this way, and the
//! same shading and links as the real contours.

use crate::model::Election;

/// A tile's side and the gap between tiles, in map units.
pub const TILE: i32 = 40;
pub const GAP: i32 = 4;
/// Height of a group's caption above its tiles.
pub const CAPTION: i32 = 22;
/// Tiles per row, at most, across all groups of a row.
const ROW_TILES: i32 = 14;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tile {
    pub bureau: String,
    /// Top-left corner.
    pub x: i32,
    pub y: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Perimeter code (empty for bureaux in none but the commune).
    pub perimeter: String,
    /// Where the caption starts (its baseline).
    pub x: i32,
    pub y: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileGrid {
    pub width: i32,
    pub height: i32,
    pub tiles: Vec<Tile>,
    pub groups: Vec<Group>,
}

/// The tile grid of `codes` (every bureau of the election when empty).
pub fn grid(election: &Election, codes: &[String]) -> TileGrid {
    let wanted = |c: &str| codes.is_empty() || codes.iter().any(|x| x == c);
    let root = election.root().map(|r| r.code.as_str()).unwrap_or("");
    // A territory's map shows its communes; one commune's, its quartiers.
    let commune_of = |b: &crate::model::Bureau| election.commune_of(b).map(|c| c.code.clone());
    let several_communes = election.is_territory() && {
        let mut seen = election
            .bureaux
            .iter()
            .filter(|b| wanted(&b.code))
            .filter_map(commune_of);
        let first = seen.next();
        seen.any(|c| Some(c) != first)
    };
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for b in election.bureaux.iter().filter(|b| wanted(&b.code)) {
        let key = if several_communes {
            commune_of(b).unwrap_or_default()
        } else {
            b.perimeters
                .iter()
                .find(|p| p.as_str() != root)
                .cloned()
                .unwrap_or_default()
        };
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(b.code.clone()),
            None => groups.push((key, vec![b.code.clone()])),
        }
    }
    let step = TILE + GAP;
    let (mut x, mut y, mut row_h, mut width) = (0, 0, 0, 0);
    let mut out = TileGrid {
        width: 0,
        height: 0,
        tiles: Vec::new(),
        groups: Vec::new(),
    };
    for (perimeter, members) in groups {
        let n = i32::try_from(members.len()).unwrap_or(i32::MAX);
        let cols = ((f64::from(n)).sqrt().ceil() as i32).clamp(1, ROW_TILES);
        let rows = (n + cols - 1) / cols;
        // At least as wide as its caption (14-pixel type, about 9 units a
        // letter), so that a long commune name is not cut by the next block.
        let caption = election
            .perimeter(&perimeter)
            .map_or(0, |p| p.name.chars().count());
        let caption_w = i32::try_from(caption)
            .unwrap_or(i32::MAX / 16)
            .saturating_mul(9);
        let block_w = (cols * step).max(3 * step).max(caption_w);
        if x > 0 && x + block_w > ROW_TILES * step {
            x = 0;
            y += row_h + 2 * GAP;
            row_h = 0;
        }
        out.groups.push(Group {
            perimeter,
            x,
            y: y + CAPTION - 6,
        });
        for (k, code) in members.into_iter().enumerate() {
            let k = i32::try_from(k).unwrap_or(0);
            out.tiles.push(Tile {
                bureau: code,
                x: x + (k % cols) * step,
                y: y + CAPTION + (k / cols) * step,
            });
        }
        row_h = row_h.max(CAPTION + rows * step);
        x += block_w + 3 * GAP;
        width = width.max(x - 3 * GAP);
    }
    out.width = width.max(step);
    out.height = (y + row_h).max(step);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::sample_commune;

    #[test]
    fn a_territory_s_map_groups_its_communes_and_a_commune_its_quartiers() {
        let e = crate::fixtures::sample_circonscription();
        let g = grid(&e, &[]);
        let groups: Vec<_> = g.groups.iter().map(|g| g.perimeter.as_str()).collect();
        assert_eq!(groups, ["29019", "29075", "29189", "29235"]);
        let brest: Vec<String> = e.bureaux_by_perimeter()["29019"].clone();
        let g = grid(&e, &brest);
        let groups: Vec<_> = g.groups.iter().map(|g| g.perimeter.as_str()).collect();
        assert_eq!(groups, ["Q-29019-BELLEVUE", "Q-29019-LAMBEZELLEC"]);
    }

    #[test]
    fn every_bureau_has_one_tile_in_its_quartier() {
        let e = sample_commune();
        let g = grid(&e, &[]);
        assert_eq!(g.tiles.len(), 34);
        assert_eq!(g.groups.len(), 8);
        assert_eq!(g.groups[0].perimeter, "Q-CENTRE");
        // No two tiles overlap, and all are inside the grid.
        for (i, a) in g.tiles.iter().enumerate() {
            assert!(a.x + TILE <= g.width && a.y + TILE <= g.height, "{a:?}");
            for b in &g.tiles[i + 1..] {
                assert!(
                    (a.x - b.x).abs() >= TILE || (a.y - b.y).abs() >= TILE,
                    "{a:?} {b:?}"
                );
            }
        }
        let some = grid(&e, &["0025".into(), "0001".into()]);
        assert_eq!(some.tiles.len(), 2);
        assert_eq!(some.groups.len(), 2);
    }
}
