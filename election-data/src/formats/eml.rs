//! OASIS EML 510 (count), version 5.
//!
//! The Election Markup Language message that carries counts. One message
//! holds one election with one contest (the commune's ballot):
//!
//! ```text
//! EML (Id="510", SchemaVersion="5.0", xmlns="urn:oasis:names:tc:evs:schema:eml")
//!   TransactionId                    1
//!   ManagingAuthority/AuthorityIdentifier (Id = INSEE code)   commune label
//!   IssueDate                        when the message was made (RFC 3339)
//!   Count
//!     EventIdentifier (Id = election id) / EventName    label
//!     Election
//!       ElectionIdentifier (Id = election id)
//!         ElectionName               label
//!         ElectionCategory           ministry type code (PRE, LEG, EUR, REG, DEP, MUN, REF)
//!         ElectionSubcategory        Urne kind (presidentielle…) and round: "presidentielle/1"
//!       Contests/Contest
//!         ContestIdentifier (Id = commune code) / ContestName
//!         TotalVotes                 the commune: the sum of the counted bureaux
//!         ReportingUnitVotes*        one per counted bureau
//!           ReportingUnitIdentifier (Id = bureau code)   bureau name
//! Both vote blocks hold, in the schema's order:
//!   Selection*: Candidate/CandidateIdentifier (Id = panel number)/CandidateName,
//!               then ValidVotes (voix)
//!   Cast          votants
//!   TotalCounted  exprimés
//!   RejectedVotes ReasonCode="blancs"   blancs
//!   RejectedVotes ReasonCode="nuls"     nuls
//!   UncountedVotes ReasonCode="abstentions"  inscrits − votants
//! ```
//!
//! UTF-8, `\n`, two-space indentation; deterministic for given results and
//! issue date.
//!
//! No seats: the 510 (count) message has no element for them. In EML v5 the
//! positions to fill belong to the election-event messages (110's
//! `NumberOfPositions`) and the elected to the 520 result (`Elected` on a
//! `Selection`), which Urne does not write — as we read the schema, without
//! the OASIS XSDs at hand to check it. The seats of both councils are in the
//! prefecture file, the ministry export, the feed, the API and NIST's
//! `NumberElected` (seats to fill).
//!
//! [`decode`] reads a message written by [`encode`] back, so that
//! `encode(decode(bytes)) == bytes`. The message carries less than an
//! election: the decoded one has only the counted bureaux (named as in the
//! message, inscrits = `Cast` + abstentions, no perimeter below the
//! commune), candidates without nuance (default colour), the département
//! from the INSEE code, and as polling day the date of `IssueDate`. Every
//! count is checked: blancs + nuls + exprimés = votants, Σ voix = exprimés,
//! the same candidates in every block, and the commune's totals equal to the
//! sums of the bureaux.
//!
//! At the municipales of a territory whose communes elect each their own
//! council, the message has one `Contest` per commune (its INSEE code and
//! name), each with that commune's lists and bureaux; [`decode`] reads
//! one-contest messages only, and says so.

use std::collections::BTreeMap;

use super::xml::{Node, Xml, parse_lines};
use super::{
    CommuneMeta, ElectionHeader, FormatError, FormatErrors, ResultsFile, checked_election,
    default_colour, departement_label, is_code, kind_code, kind_slug, parse_count, parse_kind,
    split_insee,
};
use crate::model::{Bureau, Candidate, CandidateVoix, Perimeter, PerimeterKind, ProcesVerbal};

pub const NAMESPACE: &str = "urn:oasis:names:tc:evs:schema:eml";

/// The votes of `pv`, for the candidates of `ballot`.
fn votes(x: &mut Xml, ballot: &[&Candidate], pv: &ProcesVerbal) {
    for c in ballot {
        x.open("Selection", &[]);
        x.open("Candidate", &[]);
        let id = c.number.to_string();
        x.open("CandidateIdentifier", &[("Id", id.as_str())]);
        x.text("CandidateName", &c.name);
        x.close("CandidateIdentifier");
        x.close("Candidate");
        x.text("ValidVotes", &pv.voix_of(c.number).to_string());
        x.close("Selection");
    }
    x.text("Cast", &pv.votants.to_string());
    x.text("TotalCounted", &pv.exprimes.to_string());
    x.leaf(
        "RejectedVotes",
        &[("ReasonCode", "blancs")],
        &pv.blancs.to_string(),
    );
    x.leaf(
        "RejectedVotes",
        &[("ReasonCode", "nuls")],
        &pv.nuls.to_string(),
    );
    x.leaf(
        "UncountedVotes",
        &[("ReasonCode", "abstentions")],
        &(pv.inscrits - pv.votants).to_string(),
    );
}

/// Writes the message; `issued_at` is its `IssueDate` (RFC 3339).
pub fn encode(results: &ResultsFile, issued_at: &str) -> Vec<u8> {
    let e = &results.election;
    let m = &results.meta;
    let root = e.root().map(|r| r.code.clone()).unwrap_or_default();
    // The authority and the contest: the commune, or the territory (its
    // root perimeter's code and name) for an election over several.
    let (insee, authority) = match e.root() {
        Some(r) if e.is_territory() => (r.code.clone(), r.name.clone()),
        _ if m.insee().is_empty() => (root.clone(), m.commune_label.clone()),
        _ => (m.insee(), m.commune_label.clone()),
    };
    let mut x = Xml::new();
    x.open(
        "EML",
        &[
            ("xmlns", NAMESPACE),
            ("Id", "510"),
            ("SchemaVersion", "5.0"),
        ],
    );
    x.text("TransactionId", "1");
    x.open("ManagingAuthority", &[]);
    x.leaf("AuthorityIdentifier", &[("Id", insee.as_str())], &authority);
    x.close("ManagingAuthority");
    x.text("IssueDate", issued_at);
    x.open("Count", &[]);
    x.open("EventIdentifier", &[("Id", e.id.as_str())]);
    x.text("EventName", &e.label);
    x.close("EventIdentifier");
    x.open("Election", &[]);
    x.open("ElectionIdentifier", &[("Id", e.id.as_str())]);
    x.text("ElectionName", &e.label);
    x.text("ElectionCategory", kind_code(e.kind));
    x.text(
        "ElectionSubcategory",
        &format!("{}/{}", kind_slug(e.kind), e.round),
    );
    x.close("ElectionIdentifier");
    x.open("Contests", &[]);
    // One contest for the whole ballot; with lists commune by commune, one
    // per commune (its INSEE code and name), each with its own lists.
    let contest = |x: &mut Xml, id: &str, name: &str, code: Option<&str>| {
        let in_scope =
            |b: &Bureau| code.is_none_or(|c| e.commune_of(b).is_some_and(|m| m.code == c));
        let ballot: Vec<&Candidate> = match code {
            Some(c) => e.candidates_in(c),
            None => e.candidates.iter().collect(),
        };
        x.open("Contest", &[]);
        x.open("ContestIdentifier", &[("Id", id)]);
        x.text("ContestName", name);
        x.close("ContestIdentifier");
        x.open("TotalVotes", &[]);
        votes(x, &ballot, &results.totals_where(in_scope));
        x.close("TotalVotes");
        for (b, pv) in results.arrived().filter(|(b, _)| in_scope(b)) {
            x.open("ReportingUnitVotes", &[]);
            x.leaf(
                "ReportingUnitIdentifier",
                &[("Id", b.code.as_str())],
                &b.name,
            );
            votes(x, &ballot, pv);
            x.close("ReportingUnitVotes");
        }
        x.close("Contest");
    };
    if e.has_commune_lists() {
        for m in e.communes() {
            contest(&mut x, &m.code, &m.name, Some(&m.code));
        }
    } else {
        contest(&mut x, &insee, &authority, None);
    }
    x.close("Contests");
    x.close("Election");
    x.close("Count");
    x.close("EML");
    x.finish()
}

/// A message with its issue date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    pub results: ResultsFile,
    /// RFC 3339 date-time (`IssueDate`).
    pub issued_at: String,
}

fn missing(parent: &Node, name: &str) -> FormatError {
    FormatError::at(
        parent.line,
        name,
        format!("élément <{name}> absent dans <{}>", parent.name),
    )
}

fn child<'a>(n: &'a Node, name: &str) -> Result<&'a Node, FormatError> {
    n.child(name).ok_or_else(|| missing(n, name))
}

fn path<'a>(n: &'a Node, names: &[&str]) -> Result<&'a Node, FormatError> {
    names.iter().try_fold(n, |n, name| child(n, name))
}

fn id_of(n: &Node) -> Result<String, FormatError> {
    n.attr("Id")
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .ok_or_else(|| FormatError::at(n.line, n.name.as_str(), "attribut Id absent"))
}

fn count(n: &Node) -> Result<i64, FormatError> {
    parse_count(&n.text).ok_or_else(|| {
        FormatError::at(
            n.line,
            n.name.as_str(),
            format!("« {} » n'est pas un nombre entier positif", n.text),
        )
    })
}

fn reason(block: &Node, element: &str, code: &str) -> Result<i64, FormatError> {
    block
        .children_named(element)
        .find(|n| n.attr("ReasonCode") == Some(code))
        .ok_or_else(|| {
            FormatError::at(
                block.line,
                element,
                format!("<{element} ReasonCode=\"{code}\"> absent"),
            )
        })
        .and_then(count)
}

/// The candidates and counts of a `TotalVotes` or `ReportingUnitVotes`.
fn read_votes(block: &Node) -> Result<(Vec<Candidate>, ProcesVerbal), FormatErrors> {
    let mut errs = Vec::new();
    let mut candidates = Vec::new();
    let mut voix = Vec::new();
    for sel in block.children_named("Selection") {
        let ident = path(sel, &["Candidate", "CandidateIdentifier"]);
        let number = ident.clone().and_then(|i| {
            id_of(i)?
                .parse::<u32>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| {
                    FormatError::at(i.line, "CandidateIdentifier", "numéro de panneau invalide")
                })
        });
        let votes = child(sel, "ValidVotes").and_then(count);
        match (ident, number, votes) {
            (Ok(ident), Ok(number), Ok(votes)) => {
                if candidates.iter().any(|c: &Candidate| c.number == number) {
                    errs.push(FormatError::line(
                        sel.line,
                        format!("le candidat {number} figure deux fois"),
                    ));
                    continue;
                }
                candidates.push(Candidate {
                    number,
                    name: ident
                        .child("CandidateName")
                        .map_or_else(String::new, |n| n.text.clone()),
                    nuance: None,
                    colour: default_colour(None).to_string(),
                    list_size: None,
                    cc_list_size: None,
                    commune: None,
                    panel: None,
                    sexe: None,
                });
                voix.push(CandidateVoix {
                    candidate: number,
                    voix: votes,
                });
            }
            (a, b, c) => errs.extend([a.err(), b.err(), c.err()].into_iter().flatten()),
        }
    }
    if candidates.is_empty() {
        errs.push(FormatError::line(block.line, "aucun candidat (Selection)"));
    }
    let get = |name: &str| child(block, name).and_then(count);
    let fields = [
        get("Cast"),
        get("TotalCounted"),
        reason(block, "RejectedVotes", "blancs"),
        reason(block, "RejectedVotes", "nuls"),
        reason(block, "UncountedVotes", "abstentions"),
    ];
    let mut values = [0i64; 5];
    for (v, f) in values.iter_mut().zip(fields) {
        match f {
            Ok(x) => *v = x,
            Err(e) => errs.push(e),
        }
    }
    if !errs.is_empty() {
        return Err(FormatErrors(errs));
    }
    let [votants, exprimes, blancs, nuls, abstentions] = values;
    let pv = ProcesVerbal {
        inscrits: votants + abstentions,
        votants,
        blancs,
        nuls,
        exprimes,
        voix,
        turnout: Vec::new(),
    };
    if pv.blancs + pv.nuls + pv.exprimes != pv.votants {
        errs.push(FormatError::line(
            block.line,
            "blancs + nuls + exprimés (TotalCounted) différent des votants (Cast)",
        ));
    }
    if pv.voix.iter().map(|v| v.voix).sum::<i64>() != pv.exprimes {
        errs.push(FormatError::line(
            block.line,
            "la somme des voix (ValidVotes) diffère des exprimés (TotalCounted)",
        ));
    }
    FormatErrors::or(errs, (candidates, pv))
}

/// Reads a message written by [`encode`]; see the module documentation for
/// what it gives back.
pub fn decode(bytes: &[u8]) -> Result<Feed, FormatErrors> {
    let root =
        parse_lines(bytes).map_err(|(line, m)| FormatErrors::one(FormatError::line(line, m)))?;
    if root.name != "EML" || root.attr("Id") != Some("510") {
        return Err(FormatErrors::one(FormatError::line(
            root.line,
            "ce n'est pas un message EML 510 (élément racine <EML Id=\"510\">)",
        )));
    }
    let one = |e: FormatError| FormatErrors::one(e);
    let authority = path(&root, &["ManagingAuthority", "AuthorityIdentifier"]).map_err(one)?;
    let insee = id_of(authority).map_err(one)?;
    let issued_at = child(&root, "IssueDate").map_err(one)?.text.clone();
    let count_node = child(&root, "Count").map_err(one)?;
    let event = child(count_node, "EventIdentifier").map_err(one)?;
    let election_node = child(count_node, "Election").map_err(one)?;
    let ident = child(election_node, "ElectionIdentifier").map_err(one)?;
    let id = id_of(ident).map_err(one)?;
    let label = child(ident, "ElectionName").map_err(one)?.text.clone();
    let category = child(ident, "ElectionCategory").map_err(one)?;
    let sub = child(ident, "ElectionSubcategory").map_err(one)?;
    let (kind, round) = sub
        .text
        .split_once('/')
        .and_then(|(k, r)| Some((parse_kind(k)?, r.parse::<u8>().ok()?)))
        .ok_or_else(|| {
            one(FormatError::at(
                sub.line,
                "ElectionSubcategory",
                format!("« {} » : type/tour attendu (presidentielle/1…)", sub.text),
            ))
        })?;
    let mut errs = Vec::new();
    if category.text != kind_code(kind) {
        errs.push(FormatError::at(
            category.line,
            "ElectionCategory",
            format!(
                "« {} » ne correspond pas au type {}",
                category.text,
                kind_slug(kind)
            ),
        ));
    }
    if id_of(event).ok().as_deref() != Some(id.as_str())
        || event.child("EventName").map(|n| n.text.as_str()) != Some(label.as_str())
    {
        errs.push(FormatError::line(
            event.line,
            "EventIdentifier différent de ElectionIdentifier",
        ));
    }
    let contests = path(election_node, &["Contests"]).map_err(one)?;
    if contests
        .children
        .iter()
        .filter(|c| c.name == "Contest")
        .count()
        > 1
    {
        return Err(FormatErrors::one(FormatError::line(
            contests.line,
            "un message d'une compétition par commune (municipales d'un territoire) ne se relit pas : importez plutôt le fichier du ministère",
        )));
    }
    let contest = path(election_node, &["Contests", "Contest"]).map_err(one)?;
    let contest_ident = child(contest, "ContestIdentifier").map_err(one)?;
    if id_of(contest_ident).ok().as_deref() != Some(insee.as_str()) {
        errs.push(FormatError::line(
            contest_ident.line,
            "le code de la compétition diffère de celui de l'autorité",
        ));
    }
    let commune_name = contest_ident
        .child("ContestName")
        .map_or_else(String::new, |n| n.text.clone());
    let totals = match read_votes(child(contest, "TotalVotes").map_err(one)?) {
        Ok(t) => Some(t),
        Err(e) => {
            errs.extend(e.0);
            None
        }
    };
    let mut bureaux = Vec::new();
    let mut pvs = BTreeMap::new();
    let mut sum: Option<ProcesVerbal> = None;
    for unit in contest.children_named("ReportingUnitVotes") {
        let r = child(unit, "ReportingUnitIdentifier");
        let code = r.clone().and_then(id_of);
        let (r, code) = match (r, code) {
            (Ok(r), Ok(code)) => (r, code),
            (a, b) => {
                errs.extend(a.err().into_iter().chain(b.err()));
                continue;
            }
        };
        if !is_code(&code) || pvs.contains_key(&code) {
            errs.push(FormatError::at(
                r.line,
                "ReportingUnitIdentifier",
                format!("code de bureau invalide ou répété « {code} »"),
            ));
            continue;
        }
        let (cands, pv) = match read_votes(unit) {
            Ok(v) => v,
            Err(e) => {
                errs.extend(e.0);
                continue;
            }
        };
        if let Some((total_cands, _)) = &totals
            && cands != *total_cands
        {
            errs.push(FormatError::line(
                unit.line,
                "les candidats diffèrent de ceux des totaux (TotalVotes)",
            ));
            continue;
        }
        match &mut sum {
            None => sum = Some(pv.clone()),
            Some(s) => {
                s.inscrits += pv.inscrits;
                s.votants += pv.votants;
                s.blancs += pv.blancs;
                s.nuls += pv.nuls;
                s.exprimes += pv.exprimes;
                for (a, b) in s.voix.iter_mut().zip(&pv.voix) {
                    a.voix += b.voix;
                }
            }
        }
        bureaux.push(Bureau {
            code: code.clone(),
            name: r.text.clone(),
            address: None,
            inscrits: u32::try_from(pv.inscrits).unwrap_or(u32::MAX),
            perimeters: Vec::new(),
        });
        pvs.insert(code, pv);
    }
    if let (Some((_, total)), Some(sum)) = (&totals, &sum)
        && errs.is_empty()
        && total != sum
    {
        errs.push(FormatError::line(
            contest.line,
            "les totaux de la commune (TotalVotes) ne sont pas la somme des bureaux",
        ));
    }
    if bureaux.is_empty() && errs.is_empty() {
        errs.push(FormatError::line(
            contest.line,
            "le message ne contient aucun bureau dépouillé (ReportingUnitVotes)",
        ));
    }
    let Some((candidates, _)) = totals else {
        return Err(FormatErrors(errs));
    };
    if !errs.is_empty() {
        return Err(FormatErrors(errs));
    }
    let meta = match split_insee(&insee) {
        Some((dep, com)) => CommuneMeta {
            departement_label: departement_label(&dep).unwrap_or_default().to_string(),
            departement_code: dep,
            commune_code: com,
            commune_label: authority.text.clone(),
        },
        None => CommuneMeta {
            commune_label: authority.text.clone(),
            ..CommuneMeta::default()
        },
    };
    if !is_code(&insee) {
        return Err(FormatErrors::one(FormatError::at(
            authority.line,
            "AuthorityIdentifier",
            format!("code de commune invalide « {insee} »"),
        )));
    }
    let header = ElectionHeader {
        id,
        label,
        kind,
        round,
        date: issued_at.get(..10).unwrap_or_default().to_string(),
    };
    let perimeters = vec![Perimeter {
        code: insee,
        name: commune_name,
        kind: PerimeterKind::Commune,
        parent: None,
        population: None,
        cc_seats: None,
    }];
    let election = checked_election(&header, Vec::new(), perimeters, bureaux, candidates)?;
    Ok(Feed {
        results: ResultsFile {
            meta,
            election,
            pvs,
            people: BTreeMap::new(),
            printed: BTreeMap::new(),
            departements: BTreeMap::new(),
        },
        issued_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::sample_commune;
    use crate::formats::xml::{Node, parse};

    fn sample(arrived: usize) -> ResultsFile {
        ResultsFile::sample(sample_commune(), arrived)
    }

    /// The content models of the EML 510 v5 schema for the elements written
    /// (sequence order; `?` optional, `*` repeated, `+` at least once).
    fn content_model(name: &str) -> Option<&'static [&'static str]> {
        Some(match name {
            "EML" => &["TransactionId", "ManagingAuthority?", "IssueDate?", "Count"],
            "ManagingAuthority" => &["AuthorityIdentifier"],
            "Count" => &["EventIdentifier", "Election+"],
            "EventIdentifier" => &["EventName?"],
            "Election" => &["ElectionIdentifier", "Contests"],
            "ElectionIdentifier" => &["ElectionName?", "ElectionCategory", "ElectionSubcategory?"],
            "Contests" => &["Contest+"],
            "Contest" => &["ContestIdentifier", "TotalVotes", "ReportingUnitVotes*"],
            "ContestIdentifier" => &["ContestName?"],
            "TotalVotes" => &[
                "Selection+",
                "Cast",
                "TotalCounted",
                "RejectedVotes*",
                "UncountedVotes*",
            ],
            "ReportingUnitVotes" => &[
                "ReportingUnitIdentifier",
                "Selection+",
                "Cast",
                "TotalCounted",
                "RejectedVotes*",
                "UncountedVotes*",
            ],
            "Selection" => &["Candidate", "ValidVotes"],
            "Candidate" => &["CandidateIdentifier"],
            "CandidateIdentifier" => &["CandidateName?"],
            _ => return None,
        })
    }

    const INTEGER_LEAVES: &[&str] = &[
        "TransactionId",
        "ValidVotes",
        "Cast",
        "TotalCounted",
        "RejectedVotes",
        "UncountedVotes",
    ];
    const REQUIRED_ID: &[&str] = &[
        "EventIdentifier",
        "ElectionIdentifier",
        "ContestIdentifier",
        "ReportingUnitIdentifier",
        "CandidateIdentifier",
        "AuthorityIdentifier",
    ];

    fn check(n: &Node) {
        if INTEGER_LEAVES.contains(&n.name.as_str()) {
            assert!(
                n.text.parse::<u64>().is_ok(),
                "{} = {:?} is not a non-negative integer",
                n.name,
                n.text
            );
        }
        if REQUIRED_ID.contains(&n.name.as_str()) {
            assert!(
                n.attr("Id").is_some_and(|v| !v.is_empty()),
                "{} needs an Id",
                n.name
            );
        }
        if matches!(n.name.as_str(), "RejectedVotes" | "UncountedVotes") {
            assert!(
                n.attr("ReasonCode").is_some(),
                "{} needs a ReasonCode",
                n.name
            );
        }
        let Some(model) = content_model(&n.name) else {
            assert!(n.children.is_empty(), "{} is a leaf", n.name);
            return;
        };
        // Match the children against the sequence.
        let mut i = 0;
        for part in model {
            let (name, min, many) = match part.as_bytes().last() {
                Some(b'?') => (&part[..part.len() - 1], 0, false),
                Some(b'*') => (&part[..part.len() - 1], 0, true),
                Some(b'+') => (&part[..part.len() - 1], 1, true),
                _ => (*part, 1, false),
            };
            let mut seen = 0;
            while i < n.children.len() && n.children[i].name == name && (many || seen == 0) {
                seen += 1;
                i += 1;
            }
            assert!(seen >= min, "{}: {name} expected", n.name);
        }
        assert_eq!(
            i,
            n.children.len(),
            "{}: unexpected {:?}",
            n.name,
            n.children.get(i).map(|c| &c.name)
        );
        n.children.iter().for_each(check);
    }

    #[test]
    fn follows_the_eml_510_content_model() {
        for arrived in [0, 7, 34] {
            let bytes = encode(&sample(arrived), "2027-04-11T21:05:00+02:00");
            let root = parse(&bytes).expect("well-formed");
            assert_eq!(root.name, "EML");
            assert_eq!(root.attr("Id"), Some("510"));
            assert_eq!(root.attr("xmlns"), Some(NAMESPACE));
            check(&root);
            let contest = root
                .path(&["Count", "Election", "Contests", "Contest"])
                .expect("Contest");
            assert_eq!(
                contest.children_named("ReportingUnitVotes").count(),
                arrived
            );
            let total = contest.child("TotalVotes").expect("TotalVotes");
            let sum = |field: &str| -> u64 {
                contest
                    .children_named("ReportingUnitVotes")
                    .filter_map(|r| r.child(field))
                    .filter_map(|n| n.text.parse::<u64>().ok())
                    .sum()
            };
            for field in ["Cast", "TotalCounted"] {
                assert_eq!(
                    total.child(field).and_then(|n| n.text.parse::<u64>().ok()),
                    Some(sum(field))
                );
            }
        }
    }

    #[test]
    fn sample_commune_round_trips() {
        for arrived in [1, 7, 34] {
            let r = sample(arrived);
            let bytes = encode(&r, "2027-04-11T21:05:00+02:00");
            let feed = decode(&bytes).expect("decodes");
            assert_eq!(feed.issued_at, "2027-04-11T21:05:00+02:00");
            assert_eq!(encode(&feed.results, &feed.issued_at), bytes);
            assert_eq!(feed.results.pvs, r.pvs);
            assert_eq!(feed.results.election.bureaux.len(), arrived);
            assert_eq!(feed.results.election.date, "2027-04-11");
        }
    }

    #[test]
    fn bad_counts_are_reported_with_their_line() {
        let bytes = encode(&sample(3), "2027-04-11T21:05:00Z");
        let text = String::from_utf8(bytes).expect("utf-8");
        // The last bureau's votants, made wrong.
        let at = text.rfind("<Cast>").expect("Cast");
        let line = 1 + text[..at].matches('\n').count() as u64;
        let end = at + text[at..].find("</Cast>").expect("end");
        let bad = format!("{}<Cast>1O{}", &text[..at], &text[end..]);
        let err = decode(bad.as_bytes()).expect_err("refused");
        assert_eq!(err.0[0].line, Some(line), "{err}");
        assert!(err.0[0].message.contains("1O"), "{err}");
        // Totals that are not the sum of the bureaux.
        let at = text.find("<ValidVotes>").expect("ValidVotes");
        let end = at + text[at..].find("</ValidVotes>").expect("end");
        let bad = format!("{}<ValidVotes>0{}", &text[..at], &text[end..]);
        assert!(decode(bad.as_bytes()).is_err());
        assert!(decode(b"<EML Id=\"110\"/>").is_err());
        assert!(decode(b"<EML").is_err());
    }

    proptest::proptest! {
        #[test]
        fn decode_inverts_encode(x in crate::formats::testing::arb_results(), minute in 0u32..60) {
            let at = format!("2027-04-11T21:{minute:02}:00Z");
            let bytes = encode(&x, &at);
            let feed = decode(&bytes);
            proptest::prop_assert!(feed.is_ok(), "{:?}", feed.as_ref().err());
            let feed = feed.map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
            proptest::prop_assert_eq!(&feed.results.pvs, &x.pvs);
            proptest::prop_assert_eq!(encode(&feed.results, &feed.issued_at), bytes);
        }

        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let _ = decode(&bytes);
        }
    }

    #[test]
    fn is_deterministic() {
        let r = sample(5);
        assert_eq!(
            encode(&r, "2027-04-11T21:05:00Z"),
            encode(&r, "2027-04-11T21:05:00Z")
        );
    }
}
