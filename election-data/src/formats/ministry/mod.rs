//! The Ministry of the Interior's per-bureau results file, in every layout
//! it has been published in.
//!
//! The ministry publishes, for each election, one semicolon-separated row per
//! bureau de vote: the commune's codes, the counts with their percentages
//! (French decimal comma) and then one group of columns per candidate or
//! list. The columns changed over the years ([`Layout`]: 2014–2022, the
//! européennes' lists, the municipales 2020 lists with their seats, and the
//! candidates and lists since 2024); [`decode`] recognises the layout from
//! the header ([`layout::detect`]) and [`encode`] writes the layout of the
//! election's year ([`Layout::for_election`]), or any with [`encode_as`].
//!
//! Canonical form — what [`encode_as`] writes, and what round-trips byte
//! for byte (`encode_as(decode(bytes), layout) == bytes`) in each layout:
//! - UTF-8 without byte-order mark, `\n` after every line (the last included);
//! - the layout's header: every group numbered for the layouts since 2024,
//!   a single group otherwise (as the ministry does);
//! - fields quoted only when they contain `;`, `"` or a line break;
//! - one row per bureau that has a procès-verbal, in the election's order,
//!   candidates in ballot order, codes with their leading zeros;
//! - percentages recomputed from the counts with [`crate::Percent`] (half-up,
//!   `0,00` when the denominator is 0), followed by `%` since 2024.
//!
//! [`decode`] also accepts the same saved as `.xlsx` or `.ods` ([`super::sheet`]),
//! Windows-1252, CRLF line ends, a BOM, a header
//! naming every group, groups in any order on a row, empty trailing groups,
//! and what a spreadsheet writes when it saves the file again: `1,1` for
//! `1,10`, `1` for `1,00`, codes without their leading zeros. It checks
//! everything it reads **by value** ([`values`]): the counts and the
//! procès-verbal rules, `Abstentions = Inscrits − Votants`, and that each
//! printed percentage is the one the counts give (the ministry's own rounding
//! of an exact tie, 205/800 = 25.625 printed `25,62`, is accepted). A national
//! file holds every commune: [`MinistryImport::filter`] keeps a territory, and
//! [`decode_stream`] reads it from a reader in bounded memory ([`read`]).

pub mod layout;
pub mod read;
pub mod values;

pub use layout::Layout;
use layout::{Base, GroupField};
pub use read::{Filter, decode_stream};

use super::{
    ElectionHeader, FormatErrors, Person, ResultsFile, Sexe, decode_text, pct_fr, write_record,
};
use crate::model::{Bureau, Election, PerimeterKind};

pub use super::CIRCONSCRIPTION_PREFIX;

/// What [`decode`] needs beyond the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinistryImport {
    /// Id, label, kind, round and date: the file does not carry them.
    pub header: ElectionHeader,
    /// The rows to keep (a département, a circonscription, communes by
    /// INSEE code): one commune is a commune's election, several a
    /// territory's (see [`read::Decoder`]).
    pub filter: Filter,
}

/// The circonscription a bureau sits in: `(ministry code, label)`, or empty strings.
fn circonscription_of(election: &Election, bureau: &Bureau) -> (String, String) {
    for p in &bureau.perimeters {
        for a in election.ancestors(p).unwrap_or_default() {
            if let Some(per) = election.perimeter(a)
                && per.kind == PerimeterKind::Circonscription
            {
                let code = super::circonscription_code(&per.code);
                return (code.to_string(), per.name.clone());
            }
        }
    }
    (String::new(), String::new())
}

/// Writes the file in the layout of the election's year, in canonical form
/// (see the module documentation).
pub fn encode(results: &ResultsFile) -> Vec<u8> {
    encode_as(results, Layout::for_election(&results.election)).into_bytes()
}

/// [`encode`], as text.
pub fn encode_string(results: &ResultsFile) -> String {
    encode_as(results, Layout::for_election(&results.election))
}

/// The seats to print for each list when the file read gave none: the
/// municipal and community councils' from the one seat entry point
/// ([`super::prefecture::final_seats`]), when final.
fn computed_seats(results: &ResultsFile) -> super::prefecture::FinalSeats {
    super::prefecture::final_seats(results).unwrap_or_default()
}

/// Writes the file in `layout`, in canonical form.
pub fn encode_as(results: &ResultsFile, layout: Layout) -> String {
    let e = &results.election;
    let mut out = String::new();
    // As many candidate groups as the longest ballot: with lists commune by
    // commune, a shorter ballot's row ends with empty groups, as the
    // ministry writes them.
    let groups = if e.has_commune_lists() {
        e.communes()
            .iter()
            .map(|m| e.candidates_in(&m.code).len())
            .max()
            .unwrap_or(0)
    } else {
        e.candidates.len()
    };
    write_record(&mut out, &layout.header(groups), ';');
    let pct = |part: i64, whole: i64| {
        let p = pct_fr(part, whole);
        if layout.percent_sign() {
            format!("{p}%")
        } else {
            p
        }
    };
    let seats = computed_seats(results);
    // Each commune's own councils when the communes elect each their own.
    let commune_seats: std::collections::BTreeMap<&str, super::prefecture::FinalSeats> =
        if e.has_commune_lists() {
            e.communes()
                .into_iter()
                .map(|m| {
                    (
                        m.code.as_str(),
                        super::prefecture::final_commune_seats(results, m).unwrap_or_default(),
                    )
                })
                .collect()
        } else {
            Default::default()
        };
    let list_layout = layout.has(GroupField::ListLabel);
    for (b, pv) in results.arrived() {
        let seats = e
            .commune_of(b)
            .and_then(|m| commune_seats.get(m.code.as_str()))
            .unwrap_or(&seats);
        let ballot = e.ballot(b);
        let (circ_code, circ_label) = circonscription_of(e, b);
        let m = &results.commune_meta(b);
        let abstentions = pv.inscrits - pv.votants;
        let mut row: Vec<String> = Vec::new();
        for (field, _) in layout.base() {
            row.push(match field {
                Base::DepCode => m.departement_code.clone(),
                Base::DepLabel => m.departement_label.clone(),
                Base::CircCode => circ_code.clone(),
                Base::CircLabel => circ_label.clone(),
                Base::CommuneCode if layout.full_commune_code() => m.insee(),
                Base::CommuneCode => m.commune_code.clone(),
                Base::CommuneLabel => m.commune_label.clone(),
                Base::BureauCode => e.bureau_number(b).to_string(),
                Base::Inscrits => pv.inscrits.to_string(),
                Base::Abstentions => abstentions.to_string(),
                Base::PctAbsIns => pct(abstentions, pv.inscrits),
                Base::Votants => pv.votants.to_string(),
                Base::PctVotIns => pct(pv.votants, pv.inscrits),
                Base::Blancs => pv.blancs.to_string(),
                Base::PctBlancsIns => pct(pv.blancs, pv.inscrits),
                Base::PctBlancsVot => pct(pv.blancs, pv.votants),
                Base::Nuls => pv.nuls.to_string(),
                Base::PctNulsIns => pct(pv.nuls, pv.inscrits),
                Base::PctNulsVot => pct(pv.nuls, pv.votants),
                Base::Exprimes => pv.exprimes.to_string(),
                Base::PctExpIns => pct(pv.exprimes, pv.inscrits),
                Base::PctExpVot => pct(pv.exprimes, pv.votants),
            });
        }
        for c in &ballot {
            let person = if list_layout {
                results.people.get(&c.number).cloned().unwrap_or(Person {
                    nom: String::new(),
                    prenom: String::new(),
                    sexe: None,
                })
            } else {
                results.person(c.number)
            };
            let printed = results.printed.get(&c.number).cloned().unwrap_or_default();
            let voix = pv.voix_of(c.number);
            let seat = |v: Option<u32>| v.map_or(String::new(), |n| n.to_string());
            for (field, _) in layout.group() {
                row.push(match field {
                    GroupField::Number => c.panel_number().to_string(),
                    GroupField::Sexe => person.sexe.map_or("", Sexe::code).to_string(),
                    GroupField::Nom => person.nom.clone(),
                    GroupField::Prenom => person.prenom.clone(),
                    GroupField::Nuance => c.nuance.clone().unwrap_or_default(),
                    GroupField::ShortLabel => printed.short_label.clone(),
                    GroupField::ListLabel => c.name.clone(),
                    GroupField::TeteListe => [person.nom.trim(), person.prenom.trim()]
                        .iter()
                        .filter(|s| !s.is_empty())
                        .copied()
                        .collect::<Vec<_>>()
                        .join(" "),
                    GroupField::Voix => voix.to_string(),
                    GroupField::PctVoixIns => pct(voix, pv.inscrits),
                    GroupField::PctVoixExp => pct(voix, pv.exprimes),
                    GroupField::Elu => printed.elu.clone(),
                    GroupField::SiegesCm if results.printed.contains_key(&c.number) => {
                        seat(printed.sieges_cm)
                    }
                    GroupField::SiegesCm => seat(seats.council.get(&c.number).copied()),
                    GroupField::SiegesSecteur => seat(printed.sieges_secteur),
                    GroupField::SiegesCc if results.printed.contains_key(&c.number) => {
                        seat(printed.sieges_cc)
                    }
                    GroupField::SiegesCc => seat(
                        seats
                            .community
                            .as_ref()
                            .and_then(|s| s.get(&c.number))
                            .copied(),
                    ),
                });
            }
        }
        let width = layout.base().len() + groups * layout.group().len();
        row.resize(width, String::new());
        write_record(&mut out, &row, ';');
    }
    out
}

/// Reads a ministry file in any layout (see the module documentation for
/// what is checked). `progress` is told the bytes read so far and the total.
pub fn decode(
    bytes: &[u8],
    import: &MinistryImport,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ResultsFile, FormatErrors> {
    decode_layout(bytes, import, progress).map(|(_, r)| r)
}

/// [`decode`], with the layout the file was in. Text is decoded as a whole
/// ([`decode_text`]: UTF-8 or Windows-1252) then read as [`decode_stream`]
/// reads a file; a spreadsheet is read into a [`super::Table`] first.
pub fn decode_layout(
    bytes: &[u8],
    import: &MinistryImport,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(Layout, ResultsFile), FormatErrors> {
    if super::sheet::is_spreadsheet(bytes) {
        let table = super::sheet::read(bytes, progress)?;
        return read::decode_table(&table, import).map_err(|e| e.in_sheet(&table));
    }
    let (text, _) = decode_text(bytes)?;
    decode_stream(text.as_bytes(), text.len() as u64, import, progress)
}

#[cfg(test)]
mod tests;
