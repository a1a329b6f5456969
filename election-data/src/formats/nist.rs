//! NIST SP 1500-100 version 2 election results, JSON.
//!
//! The common data format of election results reporting, in its JSON
//! serialisation (every object carries its `@type`, references are `@id`
//! strings). One report holds one election, with one `CandidateContest` (the
//! ballot) whose `ElectoralDistrictId` is the commune. Mapping:
//!
//! - `GpUnit`: `ReportingUnit`s — the département (`Type` `other`,
//!   `OtherType` `departement`, `Number` its code), the commune
//!   (`municipality`, `Number` its code in the département, INSEE code as a
//!   `national-level` `ExternalIdentifier`), each perimeter (circonscription
//!   `congressional`, quartier `ward`, village `village`, canton `other` /
//!   `canton`) and each bureau (`precinct`, `Number` its code, address in
//!   `ContactInformation`). `ComposingGpUnitIds` gives the tree: a unit lists
//!   its child perimeters and the bureaux placed directly in it.
//!   `VotersRegistered` is a bureau's inscrits (its procès-verbal's once
//!   counted, the roll's before), `VotersParticipated` its votants.
//! - `Election`: `Name` the label, `StartDate` = `EndDate` the polling day,
//!   `Type` `general` (1st round) or `runoff` (2nd), the Urne id and kind as
//!   `other` `ExternalIdentifier`s (`urne-id`, `urne-kind`).
//! - `Candidate` (`BallotName`, `PartyId`, `PersonId`), one `Party` per
//!   candidate (`Abbreviation` its nuance, `Color` its colour) and one
//!   `Person` (`FirstName`, `LastName`, `Gender` M / F).
//! - Counts: each `CandidateSelection` has `VoteCounts` (`Type` `total`) for
//!   every counted bureau and for the commune; the contest's `SummaryCounts`
//!   give, per counted bureau and for the commune, `BallotsCast` (votants),
//!   `Undervotes` (blancs) and `BallotsRejected` (nuls). A bureau is counted
//!   when it has `SummaryCounts`.
//! - `Status`: `unofficial-complete` when every bureau is counted,
//!   `unofficial-partial` before.
//! - Seats: the contest's `NumberElected` is the council's seats to fill
//!   ([`crate::seats::plan`]: the definition's `seats`, or for municipales
//!   the L.2121-2 size of the commune's population), read back as `seats`.
//! - Municipales of a territory whose communes elect each their own council
//!   on their own lists: one `CandidateContest` per commune, its
//!   `ElectoralDistrictId` the commune's unit, with that commune's lists,
//!   bureaux, totals and `NumberElected`. [`decode`] reads one-contest
//!   reports only, and says so for these.
//!
//! Not carried: turnout hours and readings, a bureau's roll inscrits once
//! its procès-verbal says otherwise, and the seats *won*: CDF v2 has no
//! element for a list's seats (`VoteCounts` are votes, `Candidate`'s
//! `PostElectionStatus` a status, not a number), and no place for the
//! community seats elected on the same ballot beside the contest's own. [`decode`] reads back what [`encode`]
//! writes; `encode(decode(bytes)) == bytes` for its output.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{
    CommuneMeta, ElectionHeader, FormatError, FormatErrors, Person, ResultsFile, Sexe,
    assemble_election, is_colour, kind_slug, parse_kind,
};
use crate::model::{Bureau, Candidate, CandidateVoix, Perimeter, PerimeterKind, ProcesVerbal};

/// A report with when it was generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    pub results: ResultsFile,
    /// RFC 3339 date-time (`GeneratedDate`).
    pub generated_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct LanguageString {
    #[serde(rename = "@type")]
    ty: String,
    #[serde(rename = "Content")]
    content: String,
    #[serde(rename = "Language")]
    language: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct IText {
    #[serde(rename = "@type")]
    ty: String,
    #[serde(rename = "Text")]
    text: Vec<LanguageString>,
}

fn itext(s: &str) -> IText {
    IText {
        ty: "ElectionResults.InternationalizedText".into(),
        text: vec![LanguageString {
            ty: "ElectionResults.LanguageString".into(),
            content: s.to_string(),
            language: "fr".into(),
        }],
    }
}

fn from_itext(t: &IText) -> String {
    t.text
        .iter()
        .find(|l| l.language == "fr")
        .or_else(|| t.text.first())
        .map(|l| l.content.clone())
        .unwrap_or_default()
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct ExternalIdentifier {
    #[serde(rename = "@type")]
    ty: String,
    #[serde(rename = "Type")]
    kind: String,
    #[serde(rename = "OtherType", default, skip_serializing_if = "Option::is_none")]
    other_type: Option<String>,
    #[serde(rename = "Value")]
    value: String,
}

fn ext(kind: &str, other: Option<&str>, value: &str) -> ExternalIdentifier {
    ExternalIdentifier {
        ty: "ElectionResults.ExternalIdentifier".into(),
        kind: kind.into(),
        other_type: other.map(str::to_string),
        value: value.into(),
    }
}

fn find_ext<'a>(ids: &'a [ExternalIdentifier], kind: &str, other: Option<&str>) -> Option<&'a str> {
    ids.iter()
        .find(|i| i.kind == kind && i.other_type.as_deref() == other)
        .map(|i| i.value.as_str())
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct ContactInformation {
    #[serde(rename = "@type")]
    ty: String,
    #[serde(rename = "AddressLine")]
    address_line: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct ReportingUnit {
    #[serde(rename = "@type")]
    ty: String,
    #[serde(rename = "@id")]
    id: String,
    #[serde(rename = "Type")]
    kind: String,
    #[serde(rename = "OtherType", default, skip_serializing_if = "Option::is_none")]
    other_type: Option<String>,
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "Number", default, skip_serializing_if = "Option::is_none")]
    number: Option<String>,
    #[serde(
        rename = "ExternalIdentifier",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    external_identifier: Vec<ExternalIdentifier>,
    #[serde(
        rename = "ComposingGpUnitIds",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    composing: Vec<String>,
    #[serde(
        rename = "ContactInformation",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    contact: Option<ContactInformation>,
    #[serde(
        rename = "VotersRegistered",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    voters_registered: Option<u64>,
    #[serde(
        rename = "VotersParticipated",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    voters_participated: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Party {
    #[serde(rename = "@type")]
    ty: String,
    #[serde(rename = "@id")]
    id: String,
    #[serde(rename = "Name")]
    name: IText,
    #[serde(
        rename = "Abbreviation",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    abbreviation: Option<String>,
    #[serde(rename = "Color")]
    color: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct NistPerson {
    #[serde(rename = "@type")]
    ty: String,
    #[serde(rename = "@id")]
    id: String,
    #[serde(rename = "FirstName")]
    first_name: String,
    #[serde(rename = "LastName")]
    last_name: String,
    #[serde(rename = "Gender", default, skip_serializing_if = "Option::is_none")]
    gender: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct NistCandidate {
    #[serde(rename = "@type")]
    ty: String,
    #[serde(rename = "@id")]
    id: String,
    #[serde(rename = "BallotName")]
    ballot_name: IText,
    #[serde(rename = "PartyId")]
    party_id: String,
    #[serde(rename = "PersonId")]
    person_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct VoteCounts {
    #[serde(rename = "@type")]
    ty: String,
    #[serde(rename = "GpUnitId")]
    gp_unit_id: String,
    #[serde(rename = "Type")]
    kind: String,
    #[serde(rename = "Count")]
    count: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct CandidateSelection {
    #[serde(rename = "@type")]
    ty: String,
    #[serde(rename = "@id")]
    id: String,
    #[serde(rename = "SequenceOrder")]
    sequence_order: u32,
    #[serde(rename = "CandidateIds")]
    candidate_ids: Vec<String>,
    #[serde(rename = "VoteCounts")]
    vote_counts: Vec<VoteCounts>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct SummaryCounts {
    #[serde(rename = "@type")]
    ty: String,
    #[serde(rename = "GpUnitId")]
    gp_unit_id: String,
    #[serde(rename = "Type")]
    kind: String,
    #[serde(rename = "BallotsCast")]
    ballots_cast: u64,
    #[serde(rename = "BallotsRejected")]
    ballots_rejected: u64,
    #[serde(rename = "Undervotes")]
    undervotes: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct CandidateContest {
    #[serde(rename = "@type")]
    ty: String,
    #[serde(rename = "@id")]
    id: String,
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "ElectoralDistrictId")]
    electoral_district_id: String,
    #[serde(
        rename = "NumberElected",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    number_elected: Option<u32>,
    #[serde(rename = "VotesAllowed")]
    votes_allowed: u32,
    #[serde(rename = "SubUnitsReported")]
    sub_units_reported: u64,
    #[serde(rename = "TotalSubUnits")]
    total_sub_units: u64,
    #[serde(rename = "BallotSelection")]
    ballot_selection: Vec<CandidateSelection>,
    #[serde(rename = "SummaryCounts")]
    summary_counts: Vec<SummaryCounts>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct NistElection {
    #[serde(rename = "@type")]
    ty: String,
    #[serde(rename = "ElectionScopeId")]
    election_scope_id: String,
    #[serde(rename = "Name")]
    name: IText,
    #[serde(rename = "StartDate")]
    start_date: String,
    #[serde(rename = "EndDate")]
    end_date: String,
    #[serde(rename = "Type")]
    kind: String,
    #[serde(rename = "ExternalIdentifier")]
    external_identifier: Vec<ExternalIdentifier>,
    #[serde(rename = "Candidate")]
    candidate: Vec<NistCandidate>,
    #[serde(rename = "Contest")]
    contest: Vec<CandidateContest>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct ElectionReport {
    #[serde(rename = "@type")]
    ty: String,
    #[serde(rename = "Format")]
    format: String,
    #[serde(rename = "GeneratedDate")]
    generated_date: String,
    #[serde(rename = "Issuer")]
    issuer: String,
    #[serde(rename = "IssuerAbbreviation")]
    issuer_abbreviation: String,
    #[serde(rename = "SequenceStart")]
    sequence_start: u32,
    #[serde(rename = "SequenceEnd")]
    sequence_end: u32,
    #[serde(rename = "Status")]
    status: String,
    #[serde(rename = "VendorApplicationId")]
    vendor_application_id: String,
    #[serde(rename = "Election")]
    election: Vec<NistElection>,
    #[serde(rename = "GpUnit")]
    gp_unit: Vec<ReportingUnit>,
    #[serde(rename = "Party")]
    party: Vec<Party>,
    #[serde(rename = "Person")]
    person: Vec<NistPerson>,
}

const T: &str = "ElectionResults.";

fn ty(name: &str) -> String {
    format!("{T}{name}")
}

fn unit_kind(kind: PerimeterKind) -> (&'static str, Option<&'static str>) {
    match kind {
        PerimeterKind::Commune => ("municipality", None),
        PerimeterKind::Circonscription => ("congressional", None),
        PerimeterKind::Canton => ("other", Some("canton")),
        PerimeterKind::Quartier => ("ward", None),
        PerimeterKind::Village => ("village", None),
        PerimeterKind::Epci => ("other", Some("epci")),
        PerimeterKind::Departement => ("county", None),
        PerimeterKind::Territoire => ("other", Some("territoire")),
    }
}

fn perimeter_kind(kind: &str, other: Option<&str>) -> Option<PerimeterKind> {
    match (kind, other) {
        ("municipality", _) => Some(PerimeterKind::Commune),
        ("congressional", _) => Some(PerimeterKind::Circonscription),
        ("other", Some("canton")) => Some(PerimeterKind::Canton),
        ("ward", _) => Some(PerimeterKind::Quartier),
        ("village", _) => Some(PerimeterKind::Village),
        ("other", Some("epci")) => Some(PerimeterKind::Epci),
        ("county", _) => Some(PerimeterKind::Departement),
        ("other", Some("territoire")) => Some(PerimeterKind::Territoire),
        _ => None,
    }
}

fn perimeter_id(code: &str) -> String {
    format!("gpu-{code}")
}

fn bureau_id(code: &str) -> String {
    format!("gpu-bureau-{code}")
}

const DEPARTEMENT_ID: &str = "gpu-departement";

/// Writes the report. `generated_at` is its `GeneratedDate` (RFC 3339).
pub fn encode(results: &ResultsFile, generated_at: &str) -> Vec<u8> {
    let e = &results.election;
    let m = &results.meta;
    let root = e.root().map(|r| r.code.clone()).unwrap_or_default();
    let root_id = perimeter_id(&root);

    let mut units = Vec::new();
    units.push(ReportingUnit {
        ty: ty("ReportingUnit"),
        id: DEPARTEMENT_ID.into(),
        kind: "other".into(),
        other_type: Some("departement".into()),
        name: m.departement_label.clone(),
        number: Some(m.departement_code.clone()),
        external_identifier: Vec::new(),
        composing: vec![root_id.clone()],
        contact: None,
        voters_registered: None,
        voters_participated: None,
    });
    let totals = results.totals();
    for p in &e.perimeters {
        let (kind, other) = unit_kind(p.kind);
        let mut composing: Vec<String> = e
            .children(&p.code)
            .iter()
            .map(|c| perimeter_id(&c.code))
            .collect();
        composing.extend(
            e.bureaux
                .iter()
                .filter(|b| {
                    b.perimeters.contains(&p.code)
                        || (p.parent.is_none() && b.perimeters.is_empty())
                })
                .map(|b| bureau_id(&b.code)),
        );
        let is_root = p.parent.is_none();
        // A commune's codes: the election's for a one-commune night, its
        // own INSEE code for each commune of a territory.
        let commune = match p.kind {
            PerimeterKind::Commune if is_root => Some((m.commune_code.clone(), m.insee())),
            PerimeterKind::Commune => {
                super::split_insee(&p.code).map(|(_, code)| (code, p.code.clone()))
            }
            _ => None,
        };
        units.push(ReportingUnit {
            ty: ty("ReportingUnit"),
            id: perimeter_id(&p.code),
            kind: kind.into(),
            other_type: other.map(str::to_string),
            name: p.name.clone(),
            number: commune.as_ref().map(|(code, _)| code.clone()),
            external_identifier: commune
                .as_ref()
                .map(|(_, insee)| vec![ext("national-level", None, insee)])
                .unwrap_or_default(),
            composing,
            contact: None,
            voters_registered: is_root.then(|| super::nn(totals.inscrits)),
            voters_participated: is_root.then(|| super::nn(totals.votants)),
        });
    }
    for b in &e.bureaux {
        let pv = results.pvs.get(&b.code);
        units.push(ReportingUnit {
            ty: ty("ReportingUnit"),
            id: bureau_id(&b.code),
            kind: "precinct".into(),
            other_type: None,
            name: b.name.clone(),
            number: Some(b.code.clone()),
            external_identifier: Vec::new(),
            composing: Vec::new(),
            contact: b.address.as_ref().map(|a| ContactInformation {
                ty: ty("ContactInformation"),
                address_line: vec![a.clone()],
            }),
            voters_registered: Some(pv.map_or(u64::from(b.inscrits), |pv| super::nn(pv.inscrits))),
            voters_participated: pv.map(|pv| super::nn(pv.votants)),
        });
    }

    let arrived: Vec<(&Bureau, &ProcesVerbal)> = results.arrived().collect();
    let summary = |gp: String, pv: &ProcesVerbal| SummaryCounts {
        ty: ty("SummaryCounts"),
        gp_unit_id: gp,
        kind: "total".into(),
        ballots_cast: super::nn(pv.votants),
        ballots_rejected: super::nn(pv.nuls),
        undervotes: super::nn(pv.blancs),
    };
    // One contest for the ballot of every bureau; with lists commune by
    // commune, one per commune (its district the commune's unit), each
    // with its own lists, bureaux and seats.
    let contest = |id: String,
                   district: String,
                   ballot: Vec<&crate::model::Candidate>,
                   arrived: Vec<&(&Bureau, &ProcesVerbal)>,
                   totals: &ProcesVerbal,
                   number_elected: Option<u32>,
                   total_sub_units: usize| {
        let mut summary_counts: Vec<SummaryCounts> = arrived
            .iter()
            .map(|(b, pv)| summary(bureau_id(&b.code), pv))
            .collect();
        summary_counts.push(summary(district.clone(), totals));
        let ballot_selection = ballot
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let mut counts: Vec<VoteCounts> = arrived
                    .iter()
                    .map(|(b, pv)| VoteCounts {
                        ty: ty("VoteCounts"),
                        gp_unit_id: bureau_id(&b.code),
                        kind: "total".into(),
                        count: super::nn(pv.voix_of(c.number)),
                    })
                    .collect();
                counts.push(VoteCounts {
                    ty: ty("VoteCounts"),
                    gp_unit_id: district.clone(),
                    kind: "total".into(),
                    count: super::nn(totals.voix_of(c.number)),
                });
                CandidateSelection {
                    ty: ty("CandidateSelection"),
                    id: format!("selection-{}", c.number),
                    sequence_order: u32::try_from(i + 1).unwrap_or(u32::MAX),
                    candidate_ids: vec![format!("candidate-{}", c.number)],
                    vote_counts: counts,
                }
            })
            .collect();
        CandidateContest {
            ty: ty("CandidateContest"),
            id,
            name: e.label.clone(),
            electoral_district_id: district,
            number_elected,
            votes_allowed: 1,
            sub_units_reported: arrived.len() as u64,
            total_sub_units: total_sub_units as u64,
            ballot_selection,
            summary_counts,
        }
    };
    let contests: Vec<CandidateContest> = if e.has_commune_lists() {
        e.communes()
            .into_iter()
            .enumerate()
            .map(|(k, m)| {
                let in_commune = |b: &Bureau| e.commune_of(b).is_some_and(|c| c.code == m.code);
                let mut c = contest(
                    format!("contest-{}", k + 1),
                    perimeter_id(&m.code),
                    e.candidates_in(&m.code),
                    arrived.iter().filter(|(b, _)| in_commune(b)).collect(),
                    &results.totals_where(in_commune),
                    crate::seats::plan(e, Some(m)).map(|p| p.seats),
                    e.bureaux.iter().filter(|b| in_commune(b)).count(),
                );
                c.name = format!("{} — {}", e.label, m.name);
                c
            })
            .collect()
    } else {
        vec![contest(
            "contest-1".into(),
            root_id.clone(),
            e.candidates.iter().collect(),
            arrived.iter().collect(),
            &totals,
            crate::seats::plan(e, e.root()).map(|p| p.seats),
            e.bureaux.len(),
        )]
    };
    let report = ElectionReport {
        ty: ty("ElectionReport"),
        format: "precinct-level".into(),
        generated_date: generated_at.to_string(),
        issuer: m.commune_label.clone(),
        issuer_abbreviation: if m.insee().is_empty() {
            root.clone()
        } else {
            m.insee()
        },
        sequence_start: 1,
        sequence_end: 1,
        status: if arrived.len() == e.bureaux.len() {
            "unofficial-complete".into()
        } else {
            "unofficial-partial".into()
        },
        vendor_application_id: format!("Urne {}", env!("CARGO_PKG_VERSION")),
        election: vec![NistElection {
            ty: ty("Election"),
            election_scope_id: root_id.clone(),
            name: itext(&e.label),
            start_date: e.date.clone(),
            end_date: e.date.clone(),
            kind: if e.round == 2 { "runoff" } else { "general" }.into(),
            external_identifier: vec![
                ext("other", Some("urne-id"), &e.id),
                ext("other", Some("urne-kind"), kind_slug(e.kind)),
                ext("other", Some("urne-round"), &e.round.to_string()),
            ],
            candidate: e
                .candidates
                .iter()
                .map(|c| NistCandidate {
                    ty: ty("Candidate"),
                    id: format!("candidate-{}", c.number),
                    ballot_name: itext(&c.name),
                    party_id: format!("party-{}", c.number),
                    person_id: format!("person-{}", c.number),
                })
                .collect(),
            contest: contests,
        }],
        gp_unit: units,
        party: e
            .candidates
            .iter()
            .map(|c| Party {
                ty: ty("Party"),
                id: format!("party-{}", c.number),
                name: itext(c.nuance.as_deref().unwrap_or(&c.name)),
                abbreviation: c.nuance.clone(),
                color: c.colour.trim_start_matches('#').to_ascii_lowercase(),
            })
            .collect(),
        person: e
            .candidates
            .iter()
            .map(|c| {
                let p = results.person(c.number);
                NistPerson {
                    ty: ty("Person"),
                    id: format!("person-{}", c.number),
                    first_name: p.prenom,
                    last_name: p.nom,
                    gender: p.sexe.map(|s| s.code().to_string()),
                }
            })
            .collect(),
    };
    let mut out = serde_json::to_vec_pretty(&report).unwrap_or_default();
    out.push(b'\n');
    out
}

fn err(message: impl Into<String>) -> FormatErrors {
    FormatErrors::one(FormatError::file(message))
}

/// Reads a report written by [`encode`].
pub fn decode(bytes: &[u8]) -> Result<Feed, FormatErrors> {
    let report: ElectionReport = serde_json::from_slice(bytes).map_err(|e| {
        FormatErrors::one(FormatError::line(
            e.line() as u64,
            format!("JSON NIST 1500-100 invalide : {e}"),
        ))
    })?;
    let [election] = report.election.as_slice() else {
        return Err(err("le rapport doit contenir exactement une élection"));
    };
    let [contest] = election.contest.as_slice() else {
        return Err(err(
            "l'élection doit contenir exactement une compétition (un rapport d'une compétition par commune ne se relit pas : importez plutôt le fichier du ministère)",
        ));
    };
    let units: BTreeMap<&str, &ReportingUnit> =
        report.gp_unit.iter().map(|u| (u.id.as_str(), u)).collect();
    let departement = units
        .get(DEPARTEMENT_ID)
        .ok_or_else(|| err("unité géographique du département absente"))?;
    let root_unit = units
        .get(election.election_scope_id.as_str())
        .ok_or_else(|| err("ElectionScopeId ne désigne aucune unité géographique"))?;
    let code_of = |id: &str, prefix: &str| id.strip_prefix(prefix).map(str::to_string);

    // Perimeters: every non-bureau unit except the département, in order.
    let mut perimeters = Vec::new();
    let mut parent_of: BTreeMap<String, String> = BTreeMap::new();
    for u in &report.gp_unit {
        if u.id == DEPARTEMENT_ID || u.kind == "precinct" {
            continue;
        }
        let code = code_of(&u.id, "gpu-")
            .ok_or_else(|| err(format!("identifiant d'unité inattendu : {}", u.id)))?;
        let kind = perimeter_kind(&u.kind, u.other_type.as_deref())
            .ok_or_else(|| err(format!("type d'unité inconnu pour {} : {}", u.id, u.kind)))?;
        for c in &u.composing {
            parent_of.insert(c.clone(), code.clone());
        }
        perimeters.push(Perimeter {
            code,
            name: u.name.clone(),
            kind,
            parent: None,
            population: None,
            cc_seats: None,
        });
    }
    for p in &mut perimeters {
        p.parent = parent_of.get(&perimeter_id(&p.code)).cloned();
    }
    let root_code = code_of(&root_unit.id, "gpu-").unwrap_or_default();
    let arrived: BTreeMap<&str, &SummaryCounts> = contest
        .summary_counts
        .iter()
        .map(|s| (s.gp_unit_id.as_str(), s))
        .collect();
    let mut bureaux = Vec::new();
    let mut pvs = BTreeMap::new();
    for u in report.gp_unit.iter().filter(|u| u.kind == "precinct") {
        let code = code_of(&u.id, "gpu-bureau-")
            .ok_or_else(|| err(format!("identifiant de bureau inattendu : {}", u.id)))?;
        let own: Vec<String> = perimeters
            .iter()
            .filter(|p| p.code != root_code)
            .filter(|p| {
                units
                    .get(perimeter_id(&p.code).as_str())
                    .is_some_and(|pu| pu.composing.contains(&u.id))
            })
            .map(|p| p.code.clone())
            .collect();
        let registered = u.voters_registered.unwrap_or(0);
        if let Some(s) = arrived.get(u.id.as_str()) {
            let to_i = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
            let votants = to_i(s.ballots_cast);
            let blancs = to_i(s.undervotes);
            let nuls = to_i(s.ballots_rejected);
            let voix = contest
                .ballot_selection
                .iter()
                .map(|sel| {
                    let number = sel
                        .id
                        .strip_prefix("selection-")
                        .and_then(|n| n.parse().ok())
                        .unwrap_or(0);
                    let count = sel
                        .vote_counts
                        .iter()
                        .find(|v| v.gp_unit_id == u.id)
                        .map_or(0, |v| v.count);
                    CandidateVoix {
                        candidate: number,
                        voix: to_i(count),
                    }
                })
                .collect();
            pvs.insert(
                code.clone(),
                ProcesVerbal {
                    inscrits: to_i(registered),
                    votants,
                    blancs,
                    nuls,
                    exprimes: votants.saturating_sub(blancs).saturating_sub(nuls),
                    voix,
                    turnout: Vec::new(),
                },
            );
        }
        bureaux.push(Bureau {
            code,
            name: u.name.clone(),
            address: u
                .contact
                .as_ref()
                .and_then(|c| c.address_line.first().cloned()),
            inscrits: u32::try_from(registered).unwrap_or(u32::MAX),
            perimeters: own,
        });
    }
    let parties: BTreeMap<&str, &Party> = report.party.iter().map(|p| (p.id.as_str(), p)).collect();
    let persons: BTreeMap<&str, &NistPerson> =
        report.person.iter().map(|p| (p.id.as_str(), p)).collect();
    let mut candidates = Vec::new();
    let mut people = BTreeMap::new();
    for sel in &contest.ballot_selection {
        let Some(cid) = sel.candidate_ids.first() else {
            return Err(err(format!(
                "la sélection {} ne désigne aucun candidat",
                sel.id
            )));
        };
        let c = election
            .candidate
            .iter()
            .find(|c| c.id == *cid)
            .ok_or_else(|| err(format!("candidat inconnu : {cid}")))?;
        let number: u32 = cid
            .strip_prefix("candidate-")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| err(format!("identifiant de candidat inattendu : {cid}")))?;
        let party = parties.get(c.party_id.as_str());
        let colour = party.map_or_else(String::new, |p| format!("#{}", p.color));
        if !is_colour(&colour) {
            return Err(err(format!("couleur invalide pour {cid}")));
        }
        if let Some(p) = persons.get(c.person_id.as_str()) {
            people.insert(
                number,
                Person {
                    nom: p.last_name.clone(),
                    prenom: p.first_name.clone(),
                    sexe: p.gender.as_deref().and_then(Sexe::parse),
                },
            );
        }
        candidates.push(Candidate {
            number,
            name: from_itext(&c.ballot_name),
            nuance: party.and_then(|p| p.abbreviation.clone()),
            colour,
            list_size: None,
            cc_list_size: None,
            commune: None,
            panel: None,
            sexe: None,
        });
    }
    let ids = &election.external_identifier;
    let kind = find_ext(ids, "other", Some("urne-kind"))
        .and_then(parse_kind)
        .ok_or_else(|| err("identifiant externe urne-kind absent ou inconnu"))?;
    let header = ElectionHeader {
        id: find_ext(ids, "other", Some("urne-id"))
            .unwrap_or_default()
            .to_string(),
        label: from_itext(&election.name),
        kind,
        round: if election.kind == "runoff" { 2 } else { 1 },
        date: election.start_date.clone(),
    };
    let insee =
        find_ext(&root_unit.external_identifier, "national-level", None).unwrap_or_default();
    let meta = CommuneMeta {
        departement_code: departement.number.clone().unwrap_or_default(),
        departement_label: departement.name.clone(),
        commune_code: root_unit.number.clone().unwrap_or_default(),
        commune_label: root_unit.name.clone(),
    };
    if meta.insee() != insee {
        return Err(err(format!(
            "code INSEE {insee} incohérent avec le département et la commune ({})",
            meta.insee()
        )));
    }
    let mut election = assemble_election(&header, Vec::new(), perimeters, bureaux, candidates)?;
    election.seats = contest.number_elected;
    Ok(Feed {
        results: ResultsFile {
            meta,
            election,
            pvs,
            people,
            printed: BTreeMap::new(),
            departements: BTreeMap::new(),
        },
        generated_at: report.generated_date,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::sample_commune;
    use crate::formats::testing::arb_results;
    use proptest::prelude::*;
    use serde_json::Value;

    /// The subset of the published JSON schema (NIST_V2_election_results_reporting.json)
    /// for the types written: required properties, allowed properties, enums.
    fn schema(t: &str) -> Option<(&'static [&'static str], &'static [&'static str])> {
        Some(match t {
            "ElectionResults.ElectionReport" => (
                &[
                    "Format",
                    "GeneratedDate",
                    "Issuer",
                    "IssuerAbbreviation",
                    "SequenceEnd",
                    "SequenceStart",
                    "Status",
                    "VendorApplicationId",
                ],
                &[
                    "ExternalIdentifier",
                    "Format",
                    "GeneratedDate",
                    "IsTest",
                    "Issuer",
                    "IssuerAbbreviation",
                    "Notes",
                    "Person",
                    "SequenceEnd",
                    "SequenceStart",
                    "Signature",
                    "Status",
                    "TestType",
                    "VendorApplicationId",
                    "Election",
                    "GpUnit",
                    "Office",
                    "OfficeGroup",
                    "Party",
                    "@type",
                ],
            ),
            "ElectionResults.Election" => (
                &["ElectionScopeId", "EndDate", "Name", "StartDate", "Type"],
                &[
                    "ContactInformation",
                    "CountStatus",
                    "ElectionScopeId",
                    "EndDate",
                    "ExternalIdentifier",
                    "Name",
                    "OtherType",
                    "StartDate",
                    "Type",
                    "BallotStyle",
                    "Candidate",
                    "Contest",
                    "@type",
                ],
            ),
            "ElectionResults.CandidateContest" => (
                &["VotesAllowed", "ElectoralDistrictId", "Name", "@id"],
                &[
                    "NumberElected",
                    "NumberRunoff",
                    "OfficeIds",
                    "PrimaryPartyIds",
                    "VotesAllowed",
                    "Abbreviation",
                    "BallotSubTitle",
                    "BallotTitle",
                    "CountStatus",
                    "ElectoralDistrictId",
                    "ExternalIdentifier",
                    "HasRotation",
                    "Name",
                    "OtherVoteVariation",
                    "SequenceOrder",
                    "SubUnitsReported",
                    "SummaryCounts",
                    "TotalSubUnits",
                    "VoteVariation",
                    "BallotSelection",
                    "@id",
                    "@type",
                ],
            ),
            "ElectionResults.CandidateSelection" => (
                &["CandidateIds", "@id"],
                &[
                    "CandidateIds",
                    "EndorsementPartyIds",
                    "IsWriteIn",
                    "SequenceOrder",
                    "VoteCounts",
                    "@id",
                    "@type",
                ],
            ),
            "ElectionResults.VoteCounts" => (
                &["Count", "Type"],
                &[
                    "Count",
                    "Device",
                    "GpUnitId",
                    "IsSuppressedForPrivacy",
                    "OtherType",
                    "Type",
                    "@type",
                ],
            ),
            "ElectionResults.SummaryCounts" => (
                &["Type"],
                &[
                    "BallotsCast",
                    "BallotsOutstanding",
                    "BallotsRejected",
                    "Overvotes",
                    "Undervotes",
                    "WriteIns",
                    "Device",
                    "GpUnitId",
                    "IsSuppressedForPrivacy",
                    "OtherType",
                    "Type",
                    "@type",
                ],
            ),
            "ElectionResults.ReportingUnit" => (
                &["Type", "@id"],
                &[
                    "AuthorityIds",
                    "ContactInformation",
                    "CountStatus",
                    "IsDistricted",
                    "IsMailOnly",
                    "Number",
                    "OtherType",
                    "SubUnitsReported",
                    "TotalSubUnits",
                    "Type",
                    "VotersParticipated",
                    "VotersRegistered",
                    "ElectionAdministration",
                    "PartyRegistration",
                    "SpatialDimension",
                    "ComposingGpUnitIds",
                    "ExternalIdentifier",
                    "Name",
                    "SummaryCounts",
                    "@id",
                    "@type",
                ],
            ),
            "ElectionResults.Candidate" => (
                &["BallotName", "@id"],
                &[
                    "BallotName",
                    "ExternalIdentifier",
                    "FileDate",
                    "IsIncumbent",
                    "IsTopTicket",
                    "PartyId",
                    "PersonId",
                    "PostElectionStatus",
                    "PreElectionStatus",
                    "ContactInformation",
                    "@id",
                    "@type",
                ],
            ),
            "ElectionResults.Party" => (
                &["Name", "@id"],
                &[
                    "Abbreviation",
                    "Color",
                    "ExternalIdentifier",
                    "IsWriteIn",
                    "LogoUri",
                    "Name",
                    "@id",
                    "@type",
                ],
            ),
            "ElectionResults.Person" => (
                &["@id"],
                &[
                    "DateOfBirth",
                    "ExternalIdentifier",
                    "FirstName",
                    "FullName",
                    "Gender",
                    "LastName",
                    "MiddleName",
                    "Nickname",
                    "PartyId",
                    "Prefix",
                    "Profession",
                    "Suffix",
                    "Title",
                    "ContactInformation",
                    "@id",
                    "@type",
                ],
            ),
            "ElectionResults.InternationalizedText" => (&["Text"], &["Label", "Text", "@type"]),
            "ElectionResults.LanguageString" => {
                (&["Content", "Language"], &["Content", "Language", "@type"])
            }
            "ElectionResults.ExternalIdentifier" => (
                &["Type", "Value"],
                &["Label", "OtherType", "Type", "Value", "@type"],
            ),
            "ElectionResults.ContactInformation" => (
                &[],
                &[
                    "AddressLine",
                    "Directions",
                    "Email",
                    "Fax",
                    "Label",
                    "Name",
                    "Phone",
                    "Uri",
                    "LatLng",
                    "Schedule",
                    "@type",
                ],
            ),
            _ => return None,
        })
    }

    const ENUMS: &[(&str, &[&str])] = &[
        ("Format", &["precinct-level", "summary-contest"]),
        (
            "Status",
            &[
                "certified",
                "correction",
                "pre-election",
                "recount",
                "unofficial-complete",
                "unofficial-partial",
            ],
        ),
    ];
    const UNIT_TYPES: &[&str] = &[
        "ballot-batch",
        "ballot-style-area",
        "borough",
        "city",
        "city-council",
        "combined-precinct",
        "congressional",
        "country",
        "county",
        "county-council",
        "drop-box",
        "judicial",
        "municipality",
        "other",
        "polling-place",
        "precinct",
        "school",
        "special",
        "split-precinct",
        "state",
        "state-house",
        "state-senate",
        "town",
        "township",
        "utility",
        "village",
        "vote-center",
        "ward",
        "water",
    ];
    const ELECTION_TYPES: &[&str] = &[
        "general",
        "other",
        "partisan-primary-closed",
        "partisan-primary-open",
        "primary",
        "runoff",
        "special",
    ];
    const COUNT_TYPES: &[&str] = &[
        "absentee",
        "absentee-fwab",
        "absentee-in-person",
        "absentee-mail",
        "early",
        "election-day",
        "other",
        "provisional",
        "total",
        "uocava",
        "write-in",
    ];
    const ID_TYPES: &[&str] = &[
        "fips",
        "local-level",
        "national-level",
        "ocd-id",
        "other",
        "state-level",
    ];
    const INTEGER_FIELDS: &[&str] = &[
        "SequenceStart",
        "SequenceEnd",
        "VotesAllowed",
        "SequenceOrder",
        "SubUnitsReported",
        "TotalSubUnits",
        "VotersParticipated",
        "VotersRegistered",
        "BallotsCast",
        "BallotsRejected",
        "Undervotes",
    ];

    /// Walks the document: every object has a known `@type`, its required
    /// properties and no other; enums and types are those of the schema;
    /// every `…Id`/`…Ids` reference resolves to an `@id`.
    fn check_schema(v: &Value, refs: &mut Vec<String>) {
        match v {
            Value::Array(items) => items.iter().for_each(|i| check_schema(i, refs)),
            Value::Object(map) => {
                let t = map
                    .get("@type")
                    .and_then(Value::as_str)
                    .expect("every object has @type");
                let (required, allowed) = schema(t).unwrap_or_else(|| panic!("unknown @type {t}"));
                for r in required {
                    assert!(map.contains_key(*r), "{t} lacks required {r}");
                }
                for (k, val) in map {
                    assert!(
                        allowed.contains(&k.as_str()),
                        "{t} has unknown property {k}"
                    );
                    if let Some((_, values)) = ENUMS.iter().find(|(f, _)| f == k) {
                        assert!(
                            values.contains(&val.as_str().unwrap_or_default()),
                            "{k} = {val}"
                        );
                    }
                    if INTEGER_FIELDS.contains(&k.as_str()) {
                        assert!(val.is_u64(), "{t}.{k} must be an integer");
                    }
                    if k == "Type" {
                        let s = val.as_str().expect("Type is a string");
                        let allowed = match t {
                            "ElectionResults.ReportingUnit" => UNIT_TYPES,
                            "ElectionResults.Election" => ELECTION_TYPES,
                            "ElectionResults.ExternalIdentifier" => ID_TYPES,
                            _ => COUNT_TYPES,
                        };
                        assert!(allowed.contains(&s), "{t}.Type = {s}");
                    }
                    if k == "Count" {
                        assert!(val.is_number());
                    }
                    if k == "Color" {
                        let s = val.as_str().unwrap_or_default();
                        assert!(
                            s.len() == 6
                                && s.bytes()
                                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
                            "Color {s}"
                        );
                    }
                    if k.ends_with("Date") && k != "GeneratedDate" {
                        assert_eq!(val.as_str().map(str::len), Some(10), "{k} is a date");
                    }
                    if k.ends_with("Id") && !k.starts_with('@') && k != "VendorApplicationId" {
                        refs.push(val.as_str().unwrap_or_default().to_string());
                    }
                    if k.ends_with("Ids") {
                        for r in val.as_array().expect("Ids is an array") {
                            refs.push(r.as_str().unwrap_or_default().to_string());
                        }
                        if k == "CandidateIds" {
                            assert!(val.as_array().is_some_and(|a| !a.is_empty()), "minItems 1");
                        }
                    }
                    if k == "Text" {
                        assert!(val.as_array().is_some_and(|a| !a.is_empty()), "minItems 1");
                    }
                    if val.is_object() || val.is_array() {
                        if val
                            .as_array()
                            .is_some_and(|a| a.iter().all(|x| !x.is_object()))
                        {
                            continue;
                        }
                        check_schema(val, refs);
                    }
                }
            }
            _ => {}
        }
    }

    fn collect_ids(v: &Value, out: &mut std::collections::BTreeSet<String>) {
        match v {
            Value::Array(a) => a.iter().for_each(|x| collect_ids(x, out)),
            Value::Object(m) => {
                if let Some(id) = m.get("@id").and_then(Value::as_str) {
                    assert!(out.insert(id.to_string()), "duplicate @id {id}");
                }
                m.values().for_each(|x| collect_ids(x, out));
            }
            _ => {}
        }
    }

    fn sample(arrived: usize) -> ResultsFile {
        ResultsFile::sample(sample_commune(), arrived)
    }

    #[test]
    fn follows_the_published_schema() {
        for arrived in [0, 10, 34] {
            let bytes = encode(&sample(arrived), "2027-04-11T21:05:00+02:00");
            let v: Value = serde_json::from_slice(&bytes).expect("JSON");
            assert_eq!(v["@type"], "ElectionResults.ElectionReport");
            let mut ids = std::collections::BTreeSet::new();
            collect_ids(&v, &mut ids);
            let mut refs = Vec::new();
            check_schema(&v, &mut refs);
            for r in refs {
                assert!(ids.contains(&r), "dangling reference {r}");
            }
            let contest = &v["Election"][0]["Contest"][0];
            assert_eq!(
                contest["BallotSelection"].as_array().map(Vec::len),
                Some(12)
            );
            // one count per counted bureau, plus the commune
            assert_eq!(
                contest["BallotSelection"][0]["VoteCounts"]
                    .as_array()
                    .map(Vec::len),
                Some(arrived + 1)
            );
            let status = if arrived == 34 {
                "unofficial-complete"
            } else {
                "unofficial-partial"
            };
            assert_eq!(v["Status"], status);
        }
    }

    #[test]
    fn sample_commune_round_trips() {
        let r = sample(20);
        let bytes = encode(&r, "2027-04-11T21:05:00Z");
        let feed = decode(&bytes).expect("decodes");
        assert_eq!(encode(&feed.results, &feed.generated_at), bytes);
        let back = feed.results;
        assert_eq!(back.pvs, r.pvs);
        assert_eq!(back.election.candidates, r.election.candidates);
        assert_eq!(back.election.perimeters, r.election.perimeters);
        assert_eq!(back.election.bureaux.len(), 34);
        // Not carried: turnout hours; the arrived bureaux' roll inscrits.
        assert!(back.election.turnout_hours.is_empty());
        let sorted = |b: &Bureau| {
            let mut b = b.clone();
            b.perimeters.sort();
            b
        };
        assert_eq!(
            sorted(&back.election.bureaux[25]),
            sorted(&r.election.bureaux[25])
        );
    }

    proptest! {
        #[test]
        fn decode_inverts_encode(x in arb_results(), minute in 0u32..60) {
            let at = format!("2027-04-11T21:{minute:02}:00Z");
            let bytes = encode(&x, &at);
            let back = decode(&bytes);
            prop_assert_eq!(back.as_ref().ok(), Some(&Feed { results: x, generated_at: at }), "{:?}", back.as_ref().err());
            prop_assert_eq!(back.map(|f| encode(&f.results, &f.generated_at)).ok(), Some(bytes));
        }

        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = decode(&bytes);
        }
    }

    #[test]
    fn number_elected_is_the_council_s_seats() {
        // Municipales of a commune of 12 400, no seats given: 33 (L.2121-2),
        // written as NumberElected and read back as the seats.
        let mut e = crate::fixtures::with_insee(crate::fixtures::sample_municipales(), "13004");
        e.seats = None;
        if let Some(root) = e.perimeters.iter_mut().find(|p| p.parent.is_none()) {
            root.population = Some(12_400);
        }
        let r = ResultsFile::sample(e, 5);
        let bytes = encode(&r, "2026-03-15T20:00:00Z");
        let v: Value = serde_json::from_slice(&bytes).expect("json");
        assert_eq!(v["Election"][0]["Contest"][0]["NumberElected"], 33);
        let back = decode(&bytes).expect("decodes");
        assert_eq!(back.results.election.seats, Some(33));
        assert_eq!(encode(&back.results, &back.generated_at), bytes);
        // No seats to fill (présidentielle): no NumberElected.
        let r = ResultsFile::sample(crate::fixtures::with_insee(sample_commune(), "13004"), 5);
        let v: Value = serde_json::from_slice(&encode(&r, "2027-04-11T20:00:00Z")).expect("json");
        assert!(
            v["Election"][0]["Contest"][0]
                .get("NumberElected")
                .is_none()
        );
    }
}
