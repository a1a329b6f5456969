//! The terms of a concession: when each period ends, when the whole
//! concession ends after its renewals, and whether a renewal is sound.
//!
//! # L2223-14 and L2223-15, as counted here
//!
//! A period runs from its start (the act, or the previous expiry for a
//! renewal) for 30 years (trentenaire), 50 years (cinquantenaire) or its
//! `duree` (temporaire, fifteen years at most), counted « de date à
//! date » with [`Date::add_years`] (a 29 February start ends on 28
//! February of a common year); its end date is the first day it is no
//! longer in force. A perpétuelle has no end and is not renewed.
//!
//! L2223-15: « Les concessions temporaires, les concessions trentenaires
//! et les concessions cinquantenaires sont renouvelables au prix du tarif
//! en vigueur au moment du renouvellement. À défaut du paiement de cette
//! nouvelle redevance, le terrain concédé fait retour à la commune. Il ne
//! peut cependant être repris par elle que deux années révolues après
//! l'expiration de la période pour laquelle le terrain a été concédé.
//! Dans l'intervalle de ces deux années, les concessionnaires ou leurs
//! ayants cause peuvent user de leur droit de renouvellement. » The
//! renewal takes effect on the expiry of the previous period, whatever
//! the day it is asked (L2223-15 as the case law and the ministerial
//! answers read it): so [`check_renewal`] requires a renewal to start on
//! the current expiry and to be asked before the second anniversary of
//! that expiry (the « deux années révolues »). The law sets no earliest date;
//! this catalogue refuses a request more than [`EARLIEST_RENEWAL_YEARS`]
//! years ahead of the expiry, as many communes' regulations do: **a rule
//! of the commune, not of the law** (its problems carry no article).
//!
//! Not modelled: the conversion of a concession into a longer one
//! (L2223-16), which is a new act; a renewal's price (typed on it).

use super::records::{Concession, Renewal};
use super::{Date, Nature, Problem};

/// How many years ahead of the expiry a renewal may be asked: the
/// commune's regulation (the law sets no such limit).
pub const EARLIEST_RENEWAL_YEARS: i32 = 5;

/// How many years after the expiry a renewal may still be asked, and
/// after which the commune may take the place back (L2223-15).
pub const RENEWAL_GRACE_YEARS: i32 = 2;

/// The end of a period of `nature` started on `start`: 30, 50 or `duree`
/// years later; None for a perpétuelle (and for a temporaire without a
/// duration, which the per-record rule refuses).
pub fn end_date(nature: Nature, duree: Option<u32>, start: Date) -> Option<Date> {
    let years = nature.years(duree)?;
    Some(start.add_years(i32::try_from(years).unwrap_or(i32::MAX / 12)))
}

/// The expiry of a concession after its renewals: the end of the renewal
/// starting last (the highest id among equal starts), else of the act;
/// None for a perpétuelle.
pub fn current_end(concession: &Concession, renewals: &[Renewal]) -> Option<Date> {
    if concession.nature == Nature::Perpetuelle {
        return None;
    }
    renewals
        .iter()
        .filter(|r| r.concession == concession.id)
        .max_by_key(|r| (r.date_debut, r.id))
        .map_or_else(|| concession.end(), Renewal::end)
}

/// What is wrong with a renewal asked on `asked` for a period starting
/// on `start` (the previous expiry): asked more than two years after it
/// (L2223-15) or more than [`EARLIEST_RENEWAL_YEARS`] ahead (the
/// commune's rule). On the field `date`.
pub fn window_problem(asked: Date, start: Date, record: i64) -> Option<Problem> {
    let latest = start.add_years(RENEWAL_GRACE_YEARS);
    let earliest = start.add_years(-EARLIEST_RENEWAL_YEARS);
    if asked >= latest {
        // « deux années révolues »: until the day before the second anniversary.
        Some(Problem::new(
            "renouvellement_hors_delai",
            "L2223-15",
            "date",
            record,
            format!(
                "un renouvellement se demande au plus tard deux ans après l'échéance du {} \
                 (avant le {}) ; passé ce délai, la commune peut reprendre le terrain",
                start.fr(),
                latest.fr()
            ),
        ))
    } else if asked < earliest {
        Some(Problem::new(
            "renouvellement_anticipe",
            "",
            "date",
            record,
            format!(
                "un renouvellement se demande au plus tôt {EARLIEST_RENEWAL_YEARS} ans avant \
                 l'échéance du {} (à partir du {}), selon le règlement du cimetière",
                start.fr(),
                earliest.fr()
            ),
        ))
    } else {
        None
    }
}

/// The problems of `new`, a renewal about to be stored, against its
/// concession and the renewals already stored (`existing`; one with the
/// id of `new` is ignored, so an edited renewal is checked against the
/// others):
/// - the concession is a perpétuelle, or `new` is one (L2223-14);
/// - `new` does not start on the current expiry (L2223-15);
/// - it is asked more than two years after that expiry (L2223-15), or
///   more than [`EARLIEST_RENEWAL_YEARS`] ahead (the commune's rule);
/// - it names another concession.
///
/// Empty when it can be stored.
pub fn check_renewal(concession: &Concession, existing: &[Renewal], new: &Renewal) -> Vec<Problem> {
    let mut out = Vec::new();
    let problem =
        |rule, article, field, message| Problem::new(rule, article, field, new.id, message);
    if new.concession != concession.id {
        out.push(problem(
            "autre_concession",
            "",
            "concession",
            format!(
                "ce renouvellement est celui de la concession n° {}, pas de l'acte {}",
                new.concession, concession.numero_acte
            ),
        ));
        return out;
    }
    if concession.nature == Nature::Perpetuelle {
        out.push(problem(
            "perpetuelle_non_renouvelable",
            "L2223-14",
            "concession",
            format!(
                "la concession {} est perpétuelle : elle ne se renouvelle pas",
                concession.numero_acte
            ),
        ));
        return out;
    }
    if new.nature == Nature::Perpetuelle {
        out.push(problem(
            "perpetuelle_non_renouvelable",
            "L2223-15",
            "nature",
            "un renouvellement est temporaire, trentenaire ou cinquantenaire ; une concession \
             perpétuelle est un nouvel acte"
                .into(),
        ));
    }
    let others: Vec<Renewal> = existing
        .iter()
        .filter(|r| r.id != new.id && r.concession == concession.id)
        .cloned()
        .collect();
    let Some(expiry) = current_end(concession, &others) else {
        return out;
    };
    if new.date_debut != expiry {
        out.push(problem(
            "debut_a_l_echeance",
            "L2223-15",
            "date_debut",
            format!(
                "le renouvellement court à partir de l'échéance de la période précédente, le {} \
                 (et non le {}), quelle que soit la date de la demande",
                expiry.fr(),
                new.date_debut.fr()
            ),
        ));
    }
    out.extend(window_problem(new.date, expiry, new.id));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).expect("a date")
    }

    fn concession(nature: Nature, duree: Option<u32>, start: &str) -> Concession {
        Concession {
            id: 7,
            numero_acte: "1990-0012".into(),
            emplacement: 3,
            nature,
            duree,
            date_debut: d(start),
            prix: None,
            titulaire_nom: "Durand".into(),
            titulaire_prenom: Some("Paul".into()),
            titulaire_adresse: None,
            titulaire_code_postal: None,
            titulaire_ville: None,
            ayants_droit: None,
        }
    }

    fn renewal(id: i64, asked: &str, nature: Nature, duree: Option<u32>, start: &str) -> Renewal {
        Renewal {
            id,
            concession: 7,
            date: d(asked),
            nature,
            duree,
            date_debut: d(start),
            prix: None,
        }
    }

    fn rules(ps: &[Problem]) -> Vec<&'static str> {
        ps.iter().map(|p| p.rule).collect()
    }

    /// L2223-14: 30, 50 or the temporaire's years; nothing for a perpétuelle.
    #[test]
    fn l2223_14_ends_by_nature() {
        let start = d("2000-02-29");
        assert_eq!(
            end_date(Nature::Trentenaire, None, start),
            Some(d("2030-02-28"))
        );
        assert_eq!(
            end_date(Nature::Cinquantenaire, None, d("2001-05-10")),
            Some(d("2051-05-10"))
        );
        assert_eq!(
            end_date(Nature::Temporaire, Some(15), d("2001-05-10")),
            Some(d("2016-05-10"))
        );
        assert_eq!(end_date(Nature::Temporaire, None, start), None);
        assert_eq!(end_date(Nature::Perpetuelle, None, start), None);
    }

    /// L2223-15: the current end is the last renewal's.
    #[test]
    fn l2223_15_current_end_is_the_last_renewals() {
        let c = concession(Nature::Temporaire, Some(15), "1990-06-01");
        assert_eq!(current_end(&c, &[]), Some(d("2005-06-01")));
        let rs = [
            renewal(2, "2020-01-01", Nature::Trentenaire, None, "2020-06-01"),
            renewal(1, "2005-03-01", Nature::Temporaire, Some(15), "2005-06-01"),
        ];
        assert_eq!(current_end(&c, &rs), Some(d("2050-06-01")));
        let p = concession(Nature::Perpetuelle, None, "1930-01-01");
        assert_eq!(current_end(&p, &rs), None);
    }

    /// L2223-15: from the expiry, whatever the date asked, within two years.
    #[test]
    fn l2223_15_a_renewal_starts_at_expiry_and_is_asked_within_two_years() {
        let c = concession(Nature::Temporaire, Some(15), "1990-06-01");
        let ok = renewal(1, "2006-11-20", Nature::Temporaire, Some(15), "2005-06-01");
        assert_eq!(check_renewal(&c, &[], &ok), vec![]);
        // Asked late but within two years: still from the expiry.
        let from_asking = renewal(1, "2006-11-20", Nature::Temporaire, Some(15), "2006-11-20");
        let ps = check_renewal(&c, &[], &from_asking);
        assert_eq!(rules(&ps), ["debut_a_l_echeance"]);
        assert!(ps[0].message.contains("01/06/2005"), "{}", ps[0].message);
        assert_eq!(ps[0].article, "L2223-15");
        // The day before the second anniversary is the last one.
        let last = renewal(1, "2007-05-31", Nature::Temporaire, Some(15), "2005-06-01");
        assert_eq!(check_renewal(&c, &[], &last), vec![]);
        let late = renewal(1, "2007-06-01", Nature::Trentenaire, None, "2005-06-01");
        assert_eq!(
            rules(&check_renewal(&c, &[], &late)),
            ["renouvellement_hors_delai"]
        );
        // A second renewal starts at the first one's end.
        let first = renewal(1, "2005-01-01", Nature::Temporaire, Some(15), "2005-06-01");
        let second = renewal(2, "2019-09-01", Nature::Temporaire, Some(10), "2020-06-01");
        assert_eq!(
            check_renewal(&c, std::slice::from_ref(&first), &second),
            vec![]
        );
        // Edited: the renewal itself is not its own previous period.
        assert_eq!(
            check_renewal(&c, std::slice::from_ref(&first), &first),
            vec![]
        );
    }

    /// The commune's rule: not more than five years ahead.
    #[test]
    fn the_communes_earliest_renewal_has_no_article() {
        let c = concession(Nature::Trentenaire, None, "1990-06-01");
        let early = renewal(1, "2015-05-31", Nature::Trentenaire, None, "2020-06-01");
        let ps = check_renewal(&c, &[], &early);
        assert_eq!(rules(&ps), ["renouvellement_anticipe"]);
        assert_eq!(ps[0].article, "");
        let in_time = renewal(1, "2015-06-01", Nature::Trentenaire, None, "2020-06-01");
        assert_eq!(check_renewal(&c, &[], &in_time), vec![]);
    }

    /// L2223-14: a perpétuelle is not renewed.
    #[test]
    fn l2223_14_a_perpetuelle_is_not_renewed() {
        let p = concession(Nature::Perpetuelle, None, "1930-01-01");
        let r = renewal(1, "2020-01-01", Nature::Trentenaire, None, "2020-01-01");
        assert_eq!(
            rules(&check_renewal(&p, &[], &r)),
            ["perpetuelle_non_renouvelable"]
        );
        let c = concession(Nature::Trentenaire, None, "1990-06-01");
        let to_perpetual = renewal(1, "2020-01-01", Nature::Perpetuelle, None, "2020-06-01");
        assert_eq!(
            rules(&check_renewal(&c, &[], &to_perpetual)),
            ["perpetuelle_non_renouvelable"]
        );
    }
}
