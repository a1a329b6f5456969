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

use super::xml::Xml;
use super::{ResultsFile, kind_code, kind_slug};
use crate::model::ProcesVerbal;

pub const NAMESPACE: &str = "urn:oasis:names:tc:evs:schema:eml";

fn votes(x: &mut Xml, results: &ResultsFile, pv: &ProcesVerbal) {
    for c in &results.election.candidates {
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
    let insee = if m.insee().is_empty() {
        root.clone()
    } else {
        m.insee()
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
    x.leaf(
        "AuthorityIdentifier",
        &[("Id", insee.as_str())],
        &m.commune_label,
    );
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
    x.open("Contest", &[]);
    x.open("ContestIdentifier", &[("Id", insee.as_str())]);
    x.text("ContestName", &m.commune_label);
    x.close("ContestIdentifier");
    x.open("TotalVotes", &[]);
    votes(&mut x, results, &results.totals());
    x.close("TotalVotes");
    for (b, pv) in results.arrived() {
        x.open("ReportingUnitVotes", &[]);
        x.leaf(
            "ReportingUnitIdentifier",
            &[("Id", b.code.as_str())],
            &b.name,
        );
        votes(&mut x, results, pv);
        x.close("ReportingUnitVotes");
    }
    x.close("Contest");
    x.close("Contests");
    x.close("Election");
    x.close("Count");
    x.close("EML");
    x.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{sample_commune, sample_pv};
    use crate::formats::xml::{Node, parse};

    fn sample(arrived: usize) -> ResultsFile {
        let e = sample_commune();
        let pvs = e
            .bureaux
            .iter()
            .take(arrived)
            .enumerate()
            .map(|(i, b)| (b.code.clone(), sample_pv(&e, b, i as u64)))
            .collect();
        ResultsFile::new(e, pvs)
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
    fn is_deterministic() {
        let r = sample(5);
        assert_eq!(
            encode(&r, "2027-04-11T21:05:00Z"),
            encode(&r, "2027-04-11T21:05:00Z")
        );
    }
}
