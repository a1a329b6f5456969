//! Reading the bureaux' contours from GeoJSON, all or nothing.
//!
//! Two sources are expected: the national open-data contours of the
//! bureaux de vote (one feature per bureau of France, with the commune's
//! INSEE code and the bureau's code among the properties), and a
//! commune's own file. Features of other communes are skipped when the
//! election's commune is coded by its INSEE code; every other problem is a
//! [`ContourError`] naming the feature and the reason, and all of them are
//! returned at once: a file is stored only when every bureau of the
//! election has a valid shape and every shape is a bureau's.
//!
//! The file is parsed by the `geojson` crate, the polygons checked by
//! `geo`'s [`Validation`] (self-intersections, rings crossing) once the
//! ring rules GeoJSON leaves to the reader are checked here (closed rings,
//! four positions, WGS 84 ranges). Shapes are then projected (an
//! equirectangular plane at the map's mean latitude: at a commune's or a
//! département's scale the distortion is invisible), simplified with
//! Douglas–Peucker ([`Simplify`], a tolerance of [`SIMPLIFY_UNITS`]) and
//! rounded to integer map units.

use std::collections::BTreeMap;

use geo::{Coord, LineString, Polygon, Simplify, Validation};
use geojson::{FeatureCollection, GeometryValue, JsonValue, Position};

use super::{BureauMap, MAP_SIZE, Ring};
use crate::model::Election;

/// Largest file read (a commune's or a département's extract of the
/// national file fits many times over; the whole of France does not).
pub const MAX_BYTES: usize = 40 * 1024 * 1024;

/// Douglas–Peucker tolerance, in map units (a thousandth of the map's
/// longer side: under a pixel on any screen the map is shown on).
pub const SIMPLIFY_UNITS: f64 = 1.0;

/// Property names read for the bureau's code, in order.
pub const BUREAU_KEYS: [&str; 8] = [
    "codeBureauVote",
    "code_bv",
    "codeBV",
    "numeroBureauVote",
    "numero_bv",
    "id_bv",
    "bureau",
    "code",
];

/// Property names read for the commune's INSEE code, in order.
pub const COMMUNE_KEYS: [&str; 6] = [
    "codeCommune",
    "code_commune",
    "codeInsee",
    "code_insee",
    "insee",
    "com",
];

/// One problem of a contours file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
#[error("{place} : {reason}")]
pub struct ContourError {
    /// "fichier", "objet n° 3 (bureau 0003)", "bureau 0007"…
    pub place: String,
    pub reason: String,
}

impl ContourError {
    fn new(place: impl Into<String>, reason: impl Into<String>) -> ContourError {
        ContourError {
            place: place.into(),
            reason: reason.into(),
        }
    }
}

/// A file read and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub map: BureauMap,
    /// Features read for the election's bureaux.
    pub features: usize,
    /// Features of other communes, skipped.
    pub skipped: usize,
    /// Points before and after simplification.
    pub points_read: usize,
    pub points_kept: usize,
}

/// Reads `bytes` as the contours of `election`'s bureaux.
pub fn read(bytes: &[u8], election: &Election) -> Result<Imported, Vec<ContourError>> {
    if bytes.len() > MAX_BYTES {
        return Err(vec![ContourError::new(
            "fichier",
            format!(
                "{} Mo, au-delà de la limite de {} Mo : importez l'extrait de la commune \
                 (ou du département) plutôt que le fichier national",
                format!("{:.1}", bytes.len() as f64 / 1_048_576.0).replace('.', ","),
                MAX_BYTES / 1_048_576
            ),
        )]);
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        vec![ContourError::new(
            "fichier",
            format!(
                "le texte n'est pas de l'UTF-8 valide (octet {}) : GeoJSON s'écrit en UTF-8",
                e.valid_up_to() + 1
            ),
        )]
    })?;
    let collection: FeatureCollection = serde_json::from_str(text).map_err(|e| {
        vec![ContourError::new(
            "fichier",
            format!(
                "GeoJSON illisible ligne {}, colonne {} : {} (une FeatureCollection est attendue)",
                e.line(),
                e.column(),
                french_json_error(&e)
            ),
        )]
    })?;
    let mut errors = Vec::new();
    let insee = election
        .root()
        .map(|r| r.code.as_str())
        .filter(|c| is_insee(c));
    let mut shapes: BTreeMap<String, Vec<Polygon<f64>>> = BTreeMap::new();
    let mut first_feature: BTreeMap<String, usize> = BTreeMap::new();
    let (mut features, mut skipped, mut points_read) = (0, 0, 0);
    for (i, f) in collection.features.iter().enumerate() {
        let n = i + 1;
        let props = f.properties.as_ref();
        let (commune, code) = codes_of(props);
        if let (Some(want), Some(got)) = (insee, commune.as_deref())
            && normalise(got) != normalise(want)
        {
            skipped += 1;
            continue;
        }
        let Some(code) = code else {
            errors.push(ContourError::new(
                format!("objet n° {n}"),
                format!(
                    "aucune propriété ne donne le code du bureau ({} attendue)",
                    BUREAU_KEYS.join(", ")
                ),
            ));
            continue;
        };
        let place = format!("objet n° {n} (bureau {code})");
        let Some(bureau) = match_bureau(election, &code) else {
            errors.push(ContourError::new(
                place,
                format!("bureau « {code} » inconnu de l'élection {}", election.id),
            ));
            continue;
        };
        let Some(geometry) = &f.geometry else {
            errors.push(ContourError::new(place, "pas de géométrie (null)"));
            continue;
        };
        let polygons: Vec<&Vec<Vec<Position>>> = match &geometry.value {
            GeometryValue::Polygon { coordinates } => vec![coordinates],
            GeometryValue::MultiPolygon { coordinates } => coordinates.iter().collect(),
            other => {
                errors.push(ContourError::new(
                    place,
                    format!(
                        "géométrie {} : un Polygon ou un MultiPolygon est attendu",
                        other.type_name()
                    ),
                ));
                continue;
            }
        };
        features += 1;
        let mut ok = true;
        let mut mine = Vec::new();
        for (p, rings) in polygons.iter().enumerate() {
            match polygon_of(rings) {
                Ok((polygon, points)) => {
                    points_read += points;
                    if let Err(e) = polygon.check_validation() {
                        errors.push(ContourError::new(
                            place.clone(),
                            format!("polygone n° {} invalide : {}", p + 1, french_invalid(&e)),
                        ));
                        ok = false;
                    }
                    mine.push(polygon);
                }
                Err(reason) => {
                    let which = if polygons.len() > 1 {
                        format!("polygone n° {}, ", p + 1)
                    } else {
                        String::new()
                    };
                    errors.push(ContourError::new(place.clone(), format!("{which}{reason}")));
                    ok = false;
                }
            }
        }
        if ok {
            if let Some(first) = first_feature.get(&bureau) {
                errors.push(ContourError::new(
                    place,
                    format!("bureau déjà décrit par l'objet n° {first}"),
                ));
                continue;
            }
            first_feature.insert(bureau.clone(), n);
            shapes.insert(bureau, mine);
        } else {
            first_feature.entry(bureau).or_insert(n);
        }
    }
    for b in &election.bureaux {
        if !first_feature.contains_key(&b.code) {
            errors.push(ContourError::new(
                format!("bureau {}", b.code),
                format!("« {} » n'a aucun contour dans le fichier", b.name),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let map = project(&shapes);
    let points_kept = map.shapes.values().flatten().map(Vec::len).sum();
    Ok(Imported {
        map,
        features,
        skipped,
        points_read,
        points_kept,
    })
}

/// An INSEE commune code: five characters, digits (or 2A / 2B for Corsica).
fn is_insee(code: &str) -> bool {
    code.len() == 5
        && code
            .chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || (i == 1 && matches!(c, 'A' | 'B' | 'a' | 'b')))
}

/// A code as spreadsheets and files vary it: trimmed, leading zeros off.
fn normalise(code: &str) -> String {
    let t = code.trim();
    let t = t.trim_start_matches('0');
    if t.is_empty() {
        "0".into()
    } else {
        t.to_uppercase()
    }
}

fn text_of(v: &JsonValue) -> Option<String> {
    match v {
        JsonValue::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        JsonValue::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The commune and bureau codes of a feature's properties. `75056_0101`
/// (the national file's identifier) gives both.
fn codes_of(props: Option<&geojson::JsonObject>) -> (Option<String>, Option<String>) {
    let Some(props) = props else {
        return (None, None);
    };
    let mut commune = COMMUNE_KEYS
        .iter()
        .find_map(|k| props.get(*k).and_then(text_of));
    let mut bureau = BUREAU_KEYS
        .iter()
        .find_map(|k| props.get(*k).and_then(text_of));
    if let Some(b) = bureau.clone()
        && let Some((c, rest)) = b.split_once('_')
        && is_insee(c)
        && !rest.is_empty()
    {
        commune.get_or_insert_with(|| c.to_string());
        bureau = Some(rest.to_string());
    }
    (commune, bureau)
}

/// The election's bureau a file's code names: the same code, or the same
/// code once leading zeros are off (`1` for `0001`) when that is one bureau.
fn match_bureau(election: &Election, code: &str) -> Option<String> {
    if let Some(b) = election.bureau(code) {
        return Some(b.code.clone());
    }
    let want = normalise(code);
    let mut found = election
        .bureaux
        .iter()
        .filter(|b| normalise(&b.code) == want);
    match (found.next(), found.next()) {
        (Some(b), None) => Some(b.code.clone()),
        _ => None,
    }
}

/// A polygon from GeoJSON rings, with the ring rules checked; the number
/// of positions read.
fn polygon_of(rings: &[Vec<Position>]) -> Result<(Polygon<f64>, usize), String> {
    if rings.is_empty() {
        return Err("polygone sans anneau".into());
    }
    let mut lines = Vec::with_capacity(rings.len());
    let mut points = 0;
    for (r, ring) in rings.iter().enumerate() {
        let which = if r == 0 {
            "l'anneau extérieur".to_string()
        } else {
            format!("le trou n° {r}")
        };
        let mut coords = Vec::with_capacity(ring.len());
        for (k, pos) in ring.iter().enumerate() {
            let s = pos.as_slice();
            let (x, y) = match s {
                [x, y, ..] => (*x, *y),
                _ => {
                    return Err(format!(
                        "point n° {} de {which} : deux nombres [longitude, latitude] attendus",
                        k + 1
                    ));
                }
            };
            if !(x.is_finite()
                && y.is_finite()
                && (-180.0..=180.0).contains(&x)
                && (-90.0..=90.0).contains(&y))
            {
                return Err(format!(
                    "point n° {} de {which} : coordonnées [{x}, {y}] hors de WGS 84 (longitude \
                     entre -180 et 180, latitude entre -90 et 90 ; un fichier en Lambert 93 se \
                     convertit en EPSG:4326)",
                    k + 1
                ));
            }
            coords.push(Coord { x, y });
        }
        if coords.len() < 4 {
            return Err(format!(
                "{which} a {} points : il en faut au moins 4, le dernier répétant le premier",
                coords.len()
            ));
        }
        if coords.first() != coords.last() {
            return Err(format!(
                "{which} n'est pas fermé : son dernier point doit répéter le premier \
                 ({} points lus)",
                coords.len()
            ));
        }
        points += coords.len();
        lines.push(LineString::new(coords));
    }
    let exterior = lines.remove(0);
    Ok((Polygon::new(exterior, lines), points))
}

/// Projects the shapes onto the map's plane, simplifies and rounds them.
fn project(shapes: &BTreeMap<String, Vec<Polygon<f64>>>) -> BureauMap {
    let all = shapes
        .values()
        .flatten()
        .flat_map(|p| p.exterior().coords());
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for c in all {
        x0 = x0.min(c.x);
        y0 = y0.min(c.y);
        x1 = x1.max(c.x);
        y1 = y1.max(c.y);
    }
    let k = ((y0 + y1) / 2.0).to_radians().cos();
    let (w, h) = (((x1 - x0) * k).max(1e-9), (y1 - y0).max(1e-9));
    let scale = f64::from(MAP_SIZE) / w.max(h);
    let to_map = |c: &Coord<f64>| Coord {
        x: (c.x - x0) * k * scale,
        y: (y1 - c.y) * scale,
    };
    let mut out = BTreeMap::new();
    for (code, polygons) in shapes {
        let mut rings: Vec<Ring> = Vec::new();
        for p in polygons {
            let projected = Polygon::new(
                LineString::new(p.exterior().coords().map(to_map).collect()),
                p.interiors()
                    .iter()
                    .map(|r| LineString::new(r.coords().map(to_map).collect()))
                    .collect(),
            );
            let simple = projected.simplify(SIMPLIFY_UNITS);
            for (done, original) in std::iter::once(simple.exterior())
                .chain(simple.interiors())
                .zip(std::iter::once(projected.exterior()).chain(projected.interiors()))
            {
                let ring = rounded(done);
                rings.push(if ring.len() >= 3 {
                    ring
                } else {
                    rounded(original)
                });
            }
        }
        out.insert(code.clone(), rings);
    }
    BureauMap {
        width: (w * scale).round() as i32,
        height: (h * scale).round() as i32,
        shapes: out,
    }
}

/// A ring in integer units, without repeated points or its closing point.
fn rounded(line: &LineString<f64>) -> Ring {
    let mut ring: Ring = Vec::with_capacity(line.0.len());
    for c in line.coords() {
        let p = [c.x.round() as i32, c.y.round() as i32];
        if ring.last() != Some(&p) {
            ring.push(p);
        }
    }
    if ring.len() > 1 && ring.first() == ring.last() {
        ring.pop();
    }
    ring
}

fn french_json_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => "le fichier s'arrête avant la fin du document".into(),
        Category::Syntax => format!("syntaxe JSON ({e})"),
        Category::Data => format!("structure GeoJSON ({e})"),
        Category::Io => "lecture impossible".into(),
    }
}

fn ring_name(r: &geo::algorithm::validation::RingRole) -> String {
    match r {
        geo::algorithm::validation::RingRole::Exterior => "l'anneau extérieur".into(),
        geo::algorithm::validation::RingRole::Interior(i) => format!("le trou n° {}", i + 1),
    }
}

fn french_invalid(e: &geo::algorithm::validation::InvalidPolygon) -> String {
    use geo::algorithm::validation::InvalidPolygon as I;
    match e {
        I::TooFewPointsInRing(r) => format!("{} a moins de 3 points distincts", ring_name(r)),
        I::SelfIntersection(r) => format!("{} se recoupe lui-même", ring_name(r)),
        I::NonFiniteCoord(r, _) => format!("{} a une coordonnée non finie", ring_name(r)),
        I::InteriorRingNotContainedInExteriorRing(r) => {
            format!("{} sort de l'anneau extérieur", ring_name(r))
        }
        I::IntersectingRingsOnALine(a, b) | I::IntersectingRingsOnAnArea(a, b) => {
            format!("{} et {} se croisent", ring_name(a), ring_name(b))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{sample_commune, with_insee};
    use crate::map::generate;

    fn errors(bytes: &[u8]) -> Vec<String> {
        match read(bytes, &sample_commune()) {
            Ok(_) => Vec::new(),
            Err(e) => e.iter().map(ToString::to_string).collect(),
        }
    }

    fn sample() -> String {
        generate::contours(&sample_commune(), 7)
    }

    #[test]
    fn the_generated_contours_of_the_sample_commune_are_read() {
        let got = read(sample().as_bytes(), &sample_commune()).expect("valid");
        assert_eq!(got.features, 34);
        assert_eq!(got.map.shapes.len(), 34);
        assert_eq!(got.map.width.max(got.map.height), MAP_SIZE);
        assert!(got.points_kept < got.points_read, "{got:?}");
        assert_eq!(got.map.mismatch(&sample_commune()), (vec![], vec![]));
    }

    #[test]
    fn the_shipped_fixture_is_the_generated_one() {
        assert_eq!(crate::fixtures::SAMPLE_CONTOURS, sample());
    }

    #[test]
    fn an_unclosed_ring_is_named() {
        let mut v: serde_json::Value = serde_json::from_str(&sample()).expect("json");
        let ring = &mut v["features"][2]["geometry"]["coordinates"][0];
        ring.as_array_mut().expect("ring").pop();
        let e = errors(v.to_string().as_bytes());
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].starts_with("objet n° 3 (bureau 0003) : l'anneau extérieur n'est pas fermé"),
            "{e:?}"
        );
    }

    #[test]
    fn unknown_and_missing_bureaux_are_listed() {
        let mut v: serde_json::Value = serde_json::from_str(&sample()).expect("json");
        v["features"][4]["properties"]["codeBureauVote"] = "0099".into();
        let e = errors(v.to_string().as_bytes());
        assert_eq!(
            e,
            vec![
                "objet n° 5 (bureau 0099) : bureau « 0099 » inconnu de l'élection presidentielle-2027-t1".to_string(),
                "bureau 0005 : « Bureau 5 — Bibliothèque municipale » n'a aucun contour dans le fichier".to_string(),
            ]
        );
    }

    #[test]
    fn bad_coordinates_and_crossing_rings_are_refused() {
        let mut v: serde_json::Value = serde_json::from_str(&sample()).expect("json");
        v["features"][0]["geometry"]["coordinates"][0][1] =
            serde_json::json!([652000.0, 6862000.0]);
        // A bow tie: its two diagonals cross.
        v["features"][1]["geometry"]["coordinates"][0] = serde_json::json!([
            [4.80, 44.90],
            [4.81, 44.91],
            [4.81, 44.90],
            [4.80, 44.91],
            [4.80, 44.90]
        ]);
        let e = errors(v.to_string().as_bytes());
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e[0].contains("objet n° 1 (bureau 0001) : point n° 2 de l'anneau extérieur : coordonnées [652000, 6862000] hors de WGS 84"), "{e:?}");
        assert!(e[1].contains("objet n° 2 (bureau 0002) : polygone n° 1 invalide : l'anneau extérieur se recoupe lui-même"), "{e:?}");
    }

    #[test]
    fn broken_files_say_why() {
        let e = errors(b"{\"type\":\"FeatureCollection\",\"features\":[");
        assert_eq!(e.len(), 1);
        assert!(
            e[0].starts_with("fichier : GeoJSON illisible ligne 1, colonne 40"),
            "{e:?}"
        );
        let e = errors(b"{\"type\":\"FeatureCollection\",\"features\":[]}\xff");
        assert!(e[0].contains("UTF-8"), "{e:?}");
        let big = vec![b' '; 50 * 1024 * 1024];
        let e = errors(&big);
        assert!(
            e[0].starts_with("fichier : 50,0 Mo, au-delà de la limite de 40 Mo"),
            "{e:?}"
        );
        let point = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"bureau":"1"},"geometry":{"type":"Point","coordinates":[4.8,44.9]}}]}"#;
        let e = errors(point.as_bytes());
        assert!(
            e[0].contains("géométrie Point : un Polygon ou un MultiPolygon est attendu"),
            "{e:?}"
        );
    }

    #[test]
    fn the_national_file_is_filtered_by_commune() {
        let election = with_insee(sample_commune(), "84129");
        let mut v: serde_json::Value = serde_json::from_str(&sample()).expect("json");
        let features = v["features"].as_array_mut().expect("features");
        for f in features.iter_mut() {
            let code = f["properties"]["codeBureauVote"]
                .as_str()
                .unwrap_or("")
                .to_string();
            // As the national file writes it: commune_bureau, zeros dropped.
            f["properties"] =
                serde_json::json!({ "id_bv": format!("84129_{}", code.trim_start_matches('0')) });
        }
        let mut other = features[0].clone();
        other["properties"] = serde_json::json!({ "codeCommune": "84130", "codeBureauVote": "1" });
        features.push(other);
        let got = read(v.to_string().as_bytes(), &election).expect("valid");
        assert_eq!((got.features, got.skipped), (34, 1));
        assert!(got.map.shapes.contains_key("0001"));
    }
}
