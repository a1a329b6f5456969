//! The reprise of a place by the commune: the order of the dated steps of
//! a procedure and the delays between them, which action a procedure may
//! take once its steps are recorded, and the whole set of procedures.
//!
//! # Two procedures
//!
//! **A concession échue not renewed (L2223-15)**: « le terrain concédé
//! fait retour à la commune. Il ne peut cependant être repris par elle que
//! deux années révolues après l'expiration de la période pour laquelle le
//! terrain a été concédé. » No procès-verbal and no deliberation: the
//! steps are an optional avis to the family, the mayor's arrêté (on or
//! after the second anniversary of the expiry, the current one after the
//! renewals) and the removal of the materials. Every step comes after
//! the expiry; a perpétuelle has none and is taken back only for abandon.
//! The thirty days between the arrêté and the removal are R2223-21's,
//! applied by analogy (the law sets no delay there).
//!
//! **A concession in a state of abandon (L2223-17, L2223-18, R2223-12 to
//! R2223-21)**, every step in this order:
//! 1. `avis_famille`: the descendants or successors told, or the avis
//!    posted, a month at least before the constat (R2223-13); the
//!    procedure is engaged no earlier than ten years after the last
//!    inhumation in the concession (R2223-12), which is checked at this
//!    step and the next;
//! 2. `pv_constat`: the procès-verbal of the state of abandon, « après
//!    une période de trente ans » of existence of the concession, counted
//!    from its act (L2223-17; R2223-13, R2223-14), while it is in force
//!    (an expired concession is taken back under L2223-15);
//! 3. `notification_pv`: the procès-verbal notified to the family and
//!    posted (R2223-15, R2223-16): its date is that of the publicity;
//! 4. `second_pv`: « trois ans après cette publicité » (L2223-17, R2223-18);
//! 5. `deliberation`: the council « un mois après la notification » of
//!    the second procès-verbal (R2223-19). The notification of the second
//!    procès-verbal is not a step of its own: the month is counted from
//!    the `second_pv` step's date, a lower bound (the notification follows
//!    the procès-verbal by a few days), which the desk completes;
//! 6. `arrete`: the mayor's arrêté of reprise, after the deliberation
//!    (L2223-17, R2223-20);
//! 7. `enlevement`: the materials removed thirty days at least after the
//!    publication of the arrêté (R2223-21), counted from its date.
//!
//! Delays are counted from date to date ([`Date::add_months`],
//! [`Date::add_years`]): a step is in time on the day the delay is
//! accomplished. Not checked: the eight days of the notification of the
//! procès-verbal, the durations of the postings, that the concession
//! « a cessé d'être entretenue » (the procès-verbal's matter), the
//! exception of the graves of « morts pour la France » (L2223-17 al. 3).

use std::collections::HashMap;

use super::records::{Burial, ConcessionHistory, Reprise, Step};
use super::{ConcessionId, Date, Etape, EtatReprise, Motif, Nature, Problem};

/// What the delays of a reprise need to know of its concession.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConcessionFacts {
    /// The act's date: the thirty years of L2223-17 count from it.
    pub start: Date,
    /// The expiry after the renewals (None: perpétuelle).
    pub end: Option<Date>,
    pub nature: Nature,
}

impl ConcessionFacts {
    pub fn of(h: &ConcessionHistory) -> ConcessionFacts {
        ConcessionFacts {
            start: h.concession.date_debut,
            end: h.current_end(),
            nature: h.concession.nature,
        }
    }
}

/// Years of existence before an abandon may be recorded (L2223-17).
pub const ABANDON_AFTER_YEARS: i32 = 30;
/// Years after the last inhumation before the procedure (R2223-12).
pub const AFTER_LAST_BURIAL_YEARS: i32 = 10;
/// Years between the publicity of the first procès-verbal and the second (L2223-17).
pub const SECOND_PV_AFTER_YEARS: i32 = 3;
/// Years after the expiry before a concession échue is taken back (L2223-15).
pub const NON_RENEWAL_AFTER_YEARS: i32 = 2;
/// Days between the arrêté and the removal of the materials (R2223-21).
pub const REMOVAL_AFTER_DAYS: i64 = 30;

/// The steps of a procedure for `motif`, in their order.
pub fn steps_of(motif: Motif) -> &'static [Etape] {
    match motif {
        Motif::Abandon => Etape::ALL,
        Motif::NonRenouvellement => &[Etape::AvisFamille, Etape::Arrete, Etape::Enlevement],
    }
}

fn rank(e: Etape) -> usize {
    Etape::ALL
        .iter()
        .position(|x| *x == e)
        .unwrap_or(usize::MAX)
}

/// The step that must be recorded before `e` (None: the first, or an
/// optional predecessor).
fn predecessor(motif: Motif, e: Etape) -> Option<Etape> {
    match motif {
        Motif::Abandon => rank(e)
            .checked_sub(1)
            .and_then(|i| Etape::ALL.get(i))
            .copied(),
        Motif::NonRenouvellement => (e == Etape::Enlevement).then_some(Etape::Arrete),
    }
}

/// A minimum delay between two steps: the later on or after the earlier
/// plus the delay.
struct Delay {
    earlier: Etape,
    later: Etape,
    add: fn(Date) -> Date,
    rule: &'static str,
    article: &'static str,
    /// « un mois au moins après … »
    what: &'static str,
}

const DELAYS: &[Delay] = &[
    Delay {
        earlier: Etape::AvisFamille,
        later: Etape::PvConstat,
        add: |d| d.add_months(1),
        rule: "avis_un_mois_avant",
        article: "R2223-13",
        what: "un mois au moins après l'avis à la famille",
    },
    Delay {
        earlier: Etape::NotificationPv,
        later: Etape::SecondPv,
        add: |d| d.add_years(SECOND_PV_AFTER_YEARS),
        rule: "trois_ans_apres_publicite",
        article: "L2223-17",
        what: "trois ans au moins après la publicité du premier procès-verbal",
    },
    Delay {
        earlier: Etape::SecondPv,
        later: Etape::Deliberation,
        add: |d| d.add_months(1),
        rule: "un_mois_apres_second_pv",
        article: "R2223-19",
        what: "un mois au moins après le second procès-verbal et sa notification",
    },
    Delay {
        earlier: Etape::Arrete,
        later: Etape::Enlevement,
        add: |d| d.add_days(REMOVAL_AFTER_DAYS),
        rule: "trente_jours_apres_arrete",
        article: "R2223-21",
        what: "trente jours au moins après la publication de l'arrêté",
    },
];

/// The problems of `new`, a step about to be stored, against its
/// procedure (`reprise`, with the steps already stored; one with the id
/// of `new` is ignored, so an edited step is checked against the
/// others), the facts of its concession and the date of the last
/// inhumation in it: a step that does not apply to the motive or is
/// recorded twice, before the opening, out of order or without the one
/// before it, and the delays described in the module's documentation.
/// Empty when it can be stored.
pub fn check_step(
    reprise: &Reprise,
    concession: &ConcessionFacts,
    last_burial: Option<Date>,
    new: &Step,
) -> Vec<Problem> {
    let mut out = Vec::new();
    let problem =
        |rule, article, field, message: String| Problem::new(rule, article, field, new.id, message);
    let e = new.etape;
    let day = new.date;
    if new.reprise != reprise.id {
        out.push(problem(
            "autre_reprise",
            "",
            "reprise",
            format!(
                "cette étape est celle de la procédure n° {}, pas de la procédure n° {}",
                new.reprise, reprise.id
            ),
        ));
        return out;
    }
    if !steps_of(reprise.motif).contains(&e) {
        out.push(problem(
            "etape_sans_objet",
            "L2223-15",
            "etape",
            format!(
                "« {} » n'est pas une étape de la reprise d'une concession échue : ni \
                 procès-verbal ni délibération, l'arrêté deux ans après l'échéance suffit",
                e.label()
            ),
        ));
        return out;
    }
    let others: Vec<&Step> = reprise.steps.iter().filter(|s| s.id != new.id).collect();
    let recorded = |x: Etape| others.iter().filter(|s| s.etape == x).map(|s| s.date).min();
    if recorded(e).is_some() {
        out.push(problem(
            "etape_en_double",
            "",
            "etape",
            format!("l'étape « {} » est déjà enregistrée", e.label()),
        ));
        return out;
    }
    if day < reprise.date_ouverture {
        out.push(problem(
            "avant_ouverture",
            "",
            "date",
            format!(
                "la procédure est ouverte le {} : ses étapes viennent après",
                reprise.date_ouverture.fr()
            ),
        ));
    }
    if let Some(before) = predecessor(reprise.motif, e)
        && recorded(before).is_none()
    {
        out.push(problem(
            "etape_precedente_manquante",
            "",
            "etape",
            format!(
                "l'étape « {} » vient après « {} », qui n'est pas enregistrée",
                e.label(),
                before.label()
            ),
        ));
    }
    let misplaced = others
        .iter()
        .filter(|o| {
            (rank(o.etape) < rank(e) && o.date > day) || (rank(o.etape) > rank(e) && o.date < day)
        })
        .min_by_key(|o| rank(o.etape));
    if let Some(o) = misplaced {
        out.push(problem(
            "ordre_des_etapes",
            "",
            "date",
            format!(
                "l'étape « {} » ({}) et l'étape « {} » ({}) sont dans le désordre",
                e.label(),
                day.fr(),
                o.etape.label(),
                o.date.fr()
            ),
        ));
    }
    for delay in DELAYS {
        let (earlier, later) = if delay.later == e {
            match recorded(delay.earlier) {
                Some(x) => (x, day),
                None => continue,
            }
        } else if delay.earlier == e {
            match recorded(delay.later) {
                Some(x) => (day, x),
                None => continue,
            }
        } else {
            continue;
        };
        let due = (delay.add)(earlier);
        if later < due {
            out.push(problem(
                delay.rule,
                delay.article,
                "date",
                format!(
                    "« {} » vient {} (le {}), soit à partir du {} (le {})",
                    delay.later.label(),
                    delay.what,
                    earlier.fr(),
                    due.fr(),
                    later.fr()
                ),
            ));
        }
    }
    match reprise.motif {
        Motif::Abandon => abandon(concession, last_burial, e, day, &mut out, new.id),
        Motif::NonRenouvellement => non_renewal(concession, e, day, &mut out, new.id),
    }
    out
}

/// L2223-17 and R2223-12: the concession's age, its last inhumation, and
/// that it is not expired, at the steps that engage the procedure.
fn abandon(
    c: &ConcessionFacts,
    last_burial: Option<Date>,
    e: Etape,
    day: Date,
    out: &mut Vec<Problem>,
    record: i64,
) {
    if !matches!(e, Etape::AvisFamille | Etape::PvConstat) {
        return;
    }
    if let Some(end) = c.end
        && end <= day
    {
        out.push(Problem::new(
            "concession_echue",
            "L2223-15",
            "date",
            record,
            format!(
                "la concession est échue depuis le {} : elle se reprend pour non-renouvellement, \
                 deux ans après l'échéance, sans constat d'abandon",
                end.fr()
            ),
        ));
    }
    let thirty = c.start.add_years(ABANDON_AFTER_YEARS);
    if e == Etape::PvConstat && day < thirty {
        out.push(Problem::new(
            "moins_de_trente_ans",
            "L2223-17",
            "date",
            record,
            format!(
                "l'abandon se constate après une période de trente ans d'existence de la \
                 concession (acte du {}) : à partir du {}",
                c.start.fr(),
                thirty.fr()
            ),
        ));
    }
    if let Some(last) = last_burial {
        let ten = last.add_years(AFTER_LAST_BURIAL_YEARS);
        if day < ten {
            out.push(Problem::new(
                "dix_ans_apres_inhumation",
                "R2223-12",
                "date",
                record,
                format!(
                    "la procédure ne s'engage que dix ans après la dernière inhumation dans la \
                     concession (le {}) : à partir du {}",
                    last.fr(),
                    ten.fr()
                ),
            ));
        }
    }
}

/// L2223-15: every step after the expiry, the arrêté two years after it.
fn non_renewal(c: &ConcessionFacts, e: Etape, day: Date, out: &mut Vec<Problem>, record: i64) {
    let Some(end) = c.end else {
        out.push(Problem::new(
            "perpetuelle_sans_echeance",
            "L2223-15",
            "etape",
            record,
            "une concession perpétuelle n'échoit pas : elle ne se reprend que pour état \
             d'abandon (art. L2223-17)"
                .into(),
        ));
        return;
    };
    if day < end {
        out.push(Problem::new(
            "concession_pas_echue",
            "L2223-15",
            "date",
            record,
            format!(
                "la concession arrive à échéance le {} : la procédure vient après",
                end.fr()
            ),
        ));
        return;
    }
    let due = end.add_years(NON_RENEWAL_AFTER_YEARS);
    if e == Etape::Arrete && day < due {
        out.push(Problem::new(
            "deux_ans_apres_echeance",
            "L2223-15",
            "date",
            record,
            format!(
                "le terrain ne se reprend que deux années révolues après l'échéance du {} : \
                 l'arrêté à partir du {}",
                end.fr(),
                due.fr()
            ),
        ));
    }
}

/// The state the recorded steps reach: the action that leads to each
/// state needs its step (see [`may_act`]).
pub fn reached(motif: Motif, steps: &[Step]) -> EtatReprise {
    let has = |e: Etape| steps.iter().any(|s| s.etape == e);
    if has(Etape::Enlevement) && has(Etape::Arrete) {
        EtatReprise::Executee
    } else if has(Etape::Arrete) && (motif == Motif::NonRenouvellement || has(Etape::Deliberation))
    {
        EtatReprise::Prononcee
    } else if motif == Motif::NonRenouvellement {
        EtatReprise::Engagee
    } else if has(Etape::Deliberation) {
        EtatReprise::Deliberee
    } else if has(Etape::SecondPv) {
        EtatReprise::Reconstatee
    } else if has(Etape::PvConstat) {
        EtatReprise::Constatee
    } else {
        EtatReprise::Engagee
    }
}

/// Why the action `action` (of the `reprise` entity's states) may not be
/// taken on a procedure for `motif` with `steps` recorded (empty: it
/// may). The engine checks the states it moves from; this checks that the
/// step it records is there, and that the procès-verbal actions are an
/// abandon's. On the field `etat`.
pub fn may_act(action: &str, motif: Motif, steps: &[Step]) -> Vec<Problem> {
    let has = |e: Etape| steps.iter().any(|s| s.etape == e);
    let need = |e: Etape| {
        (!has(e)).then(|| {
            Problem::new(
                "etape_requise",
                "",
                "etat",
                0,
                format!("enregistrer d'abord l'étape « {} »", e.label()),
            )
        })
    };
    let abandon_only = || {
        (motif != Motif::Abandon).then(|| {
            Problem::new(
                "action_sans_objet",
                "L2223-15",
                "etat",
                0,
                "une concession échue se reprend sans procès-verbal ni délibération : prononcer \
                 la reprise directement"
                    .into(),
            )
        })
    };
    let found: Vec<Option<Problem>> = match action {
        "constater" => vec![abandon_only(), need(Etape::PvConstat)],
        "reconstater" => vec![abandon_only(), need(Etape::SecondPv)],
        "deliberer" => vec![abandon_only(), need(Etape::Deliberation)],
        "prononcer" if motif == Motif::Abandon => {
            vec![need(Etape::Deliberation), need(Etape::Arrete)]
        }
        "prononcer" => vec![need(Etape::Arrete)],
        "executer" => vec![need(Etape::Enlevement)],
        "abandonner" => vec![],
        other => vec![Some(Problem::new(
            "action_inconnue",
            "",
            "etat",
            0,
            format!("pas d'action « {other} » pour une reprise"),
        ))],
    };
    found.into_iter().flatten().collect()
}

/// Every procedure of a data set checked: its steps replayed in the order
/// of their dates (then of the procedure), each as [`check_step`] checks
/// a new one against those before it, with the current facts of its
/// concession and its last inhumation; and a state beyond what its steps
/// reach (« prononcée » without an arrêté…). Problems by procedure id.
pub fn check_reprises(
    reprises: &[Reprise],
    concessions: &[ConcessionHistory],
    burials: &[Burial],
) -> Vec<Problem> {
    let by_id: HashMap<ConcessionId, &ConcessionHistory> =
        concessions.iter().map(|c| (c.id(), c)).collect();
    let mut last: HashMap<ConcessionId, Date> = HashMap::new();
    for b in burials {
        if let Some(c) = b.concession {
            let e = last.entry(c).or_insert(b.date);
            *e = (*e).max(b.date);
        }
    }
    let mut ordered: Vec<&Reprise> = reprises.iter().collect();
    ordered.sort_by_key(|r| r.id);
    let mut out = Vec::new();
    for r in ordered {
        let Some(c) = by_id.get(&r.concession) else {
            out.push(Problem::new(
                "reference_manquante",
                "",
                "concession",
                r.id,
                format!(
                    "la procédure n° {} nomme une concession inconnue (n° {})",
                    r.id, r.concession
                ),
            ));
            continue;
        };
        let facts = ConcessionFacts::of(c);
        let mut steps: Vec<&Step> = r.steps.iter().collect();
        steps.sort_by_key(|s| (s.date, rank(s.etape), s.id));
        let mut so_far = Reprise {
            steps: Vec::new(),
            ..r.clone()
        };
        for s in steps {
            out.extend(check_step(
                &so_far,
                &facts,
                last.get(&r.concession).copied(),
                s,
            ));
            so_far.steps.push(s.clone());
        }
        let order = |e: EtatReprise| EtatReprise::ALL.iter().position(|x| *x == e);
        if r.etat != EtatReprise::Close && order(r.etat) > order(reached(r.motif, &r.steps)) {
            out.push(Problem::new(
                "etat_sans_etape",
                "",
                "etat",
                r.id,
                format!(
                    "la procédure n° {} est « {} » sans les étapes qui y mènent",
                    r.id,
                    r.etat.label()
                ),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).expect("a date")
    }

    fn step(id: i64, etape: Etape, date: &str) -> Step {
        Step {
            id,
            reprise: 1,
            etape,
            date: d(date),
            observations: None,
        }
    }

    fn reprise(motif: Motif, opened: &str, steps: Vec<Step>) -> Reprise {
        Reprise {
            id: 1,
            concession: 3,
            motif,
            date_ouverture: d(opened),
            etat: EtatReprise::Engagee,
            observations: None,
            steps,
        }
    }

    fn perpetual(start: &str) -> ConcessionFacts {
        ConcessionFacts {
            start: d(start),
            end: None,
            nature: Nature::Perpetuelle,
        }
    }

    fn rules(ps: &[Problem]) -> Vec<&'static str> {
        ps.iter().map(|p| p.rule).collect()
    }

    /// A sound abandon procedure, step by step.
    fn abandon_steps() -> Vec<Step> {
        vec![
            step(1, Etape::AvisFamille, "2015-01-10"),
            step(2, Etape::PvConstat, "2015-02-10"),
            step(3, Etape::NotificationPv, "2015-02-15"),
            step(4, Etape::SecondPv, "2018-02-15"),
            step(5, Etape::Deliberation, "2018-03-15"),
            step(6, Etape::Arrete, "2018-04-01"),
            step(7, Etape::Enlevement, "2018-05-01"),
        ]
    }

    #[test]
    fn a_sound_abandon_passes_every_step_and_reaches_each_state() {
        let facts = perpetual("1950-06-01");
        let all = abandon_steps();
        let mut r = reprise(Motif::Abandon, "2015-01-10", vec![]);
        for s in &all {
            assert_eq!(
                check_step(&r, &facts, Some(d("2004-01-01")), s),
                vec![],
                "{:?}",
                s.etape
            );
            r.steps.push(s.clone());
        }
        assert_eq!(reached(Motif::Abandon, &all[..2]), EtatReprise::Constatee);
        assert_eq!(reached(Motif::Abandon, &all[..4]), EtatReprise::Reconstatee);
        assert_eq!(reached(Motif::Abandon, &all[..5]), EtatReprise::Deliberee);
        assert_eq!(reached(Motif::Abandon, &all[..6]), EtatReprise::Prononcee);
        assert_eq!(reached(Motif::Abandon, &all), EtatReprise::Executee);
    }

    /// L2223-17: thirty years of existence before the constat.
    #[test]
    fn l2223_17_thirty_years_before_the_constat() {
        let facts = perpetual("1985-03-01");
        let r = reprise(
            Motif::Abandon,
            "2015-01-01",
            vec![step(1, Etape::AvisFamille, "2015-01-10")],
        );
        let ps = check_step(&r, &facts, None, &step(2, Etape::PvConstat, "2015-02-28"));
        assert_eq!(rules(&ps), ["moins_de_trente_ans"]);
        assert!(ps[0].message.contains("01/03/2015"), "{}", ps[0].message);
        assert_eq!(
            check_step(&r, &facts, None, &step(2, Etape::PvConstat, "2015-03-01")),
            vec![]
        );
    }

    /// R2223-12: ten years after the last inhumation.
    #[test]
    fn r2223_12_ten_years_after_the_last_burial() {
        let facts = perpetual("1950-06-01");
        let r = reprise(Motif::Abandon, "2015-01-01", vec![]);
        let avis = step(1, Etape::AvisFamille, "2015-01-10");
        let ps = check_step(&r, &facts, Some(d("2005-01-11")), &avis);
        assert_eq!(rules(&ps), ["dix_ans_apres_inhumation"]);
        assert_eq!(ps[0].article, "R2223-12");
        assert_eq!(check_step(&r, &facts, Some(d("2005-01-10")), &avis), vec![]);
    }

    /// R2223-13: the family told a month ahead.
    #[test]
    fn r2223_13_the_avis_a_month_before() {
        let facts = perpetual("1950-06-01");
        let r = reprise(
            Motif::Abandon,
            "2015-01-01",
            vec![step(1, Etape::AvisFamille, "2015-01-31")],
        );
        let ps = check_step(&r, &facts, None, &step(2, Etape::PvConstat, "2015-02-27"));
        assert_eq!(rules(&ps), ["avis_un_mois_avant"]);
        // 31 January + 1 month = 28 February.
        assert_eq!(
            check_step(&r, &facts, None, &step(2, Etape::PvConstat, "2015-02-28")),
            vec![]
        );
    }

    /// L2223-17 and R2223-18: three years after the publicity; R2223-19: a
    /// month after the second; R2223-21: thirty days after the arrêté.
    #[test]
    fn l2223_17_r2223_19_r2223_21_the_later_delays() {
        let facts = perpetual("1950-06-01");
        let all = abandon_steps();
        let upto = |n: usize| reprise(Motif::Abandon, "2015-01-10", all[..n].to_vec());
        let second = step(4, Etape::SecondPv, "2018-02-14");
        assert_eq!(
            rules(&check_step(&upto(3), &facts, None, &second)),
            ["trois_ans_apres_publicite"]
        );
        let delib = step(5, Etape::Deliberation, "2018-03-14");
        assert_eq!(
            rules(&check_step(&upto(4), &facts, None, &delib)),
            ["un_mois_apres_second_pv"]
        );
        let removal = step(7, Etape::Enlevement, "2018-04-30");
        let ps = check_step(&upto(6), &facts, None, &removal);
        assert_eq!(rules(&ps), ["trente_jours_apres_arrete"]);
        assert_eq!(ps[0].article, "R2223-21");
        assert_eq!(
            check_step(
                &upto(6),
                &facts,
                None,
                &step(7, Etape::Enlevement, "2018-05-01")
            ),
            vec![]
        );
    }

    #[test]
    fn steps_come_in_order_once_each_after_the_opening() {
        let facts = perpetual("1950-06-01");
        let all = abandon_steps();
        let r = reprise(Motif::Abandon, "2015-01-10", all[..2].to_vec());
        // Skipping the notification.
        let ps = check_step(&r, &facts, None, &step(4, Etape::SecondPv, "2018-03-01"));
        assert!(rules(&ps).contains(&"etape_precedente_manquante"), "{ps:?}");
        // Twice.
        let again = step(9, Etape::PvConstat, "2015-03-01");
        assert_eq!(
            rules(&check_step(&r, &facts, None, &again)),
            ["etape_en_double"]
        );
        // Dated before the step before it.
        let early = step(3, Etape::NotificationPv, "2015-02-01");
        assert_eq!(
            rules(&check_step(&r, &facts, None, &early)),
            ["ordre_des_etapes"]
        );
        // Before the opening.
        let r0 = reprise(Motif::Abandon, "2015-01-10", vec![]);
        let avis = step(1, Etape::AvisFamille, "2015-01-09");
        assert_eq!(
            rules(&check_step(&r0, &facts, None, &avis)),
            ["avant_ouverture"]
        );
    }

    /// L2223-15: two years after the expiry, no procès-verbal.
    #[test]
    fn l2223_15_a_concession_echue_is_taken_back_two_years_after() {
        let facts = ConcessionFacts {
            start: d("1990-04-01"),
            end: Some(d("2005-04-01")),
            nature: Nature::Temporaire,
        };
        let r = reprise(Motif::NonRenouvellement, "2006-01-01", vec![]);
        let pv = step(1, Etape::PvConstat, "2006-02-01");
        assert_eq!(
            rules(&check_step(&r, &facts, None, &pv)),
            ["etape_sans_objet"]
        );
        let early = step(1, Etape::Arrete, "2007-03-31");
        let ps = check_step(&r, &facts, None, &early);
        assert_eq!(rules(&ps), ["deux_ans_apres_echeance"]);
        assert!(ps[0].message.contains("01/04/2007"), "{}", ps[0].message);
        let arrete = step(1, Etape::Arrete, "2007-04-01");
        assert_eq!(check_step(&r, &facts, None, &arrete), vec![]);
        let before_expiry = reprise(Motif::NonRenouvellement, "2004-01-01", vec![]);
        let avis = step(2, Etape::AvisFamille, "2004-06-01");
        assert_eq!(
            rules(&check_step(&before_expiry, &facts, None, &avis)),
            ["concession_pas_echue"]
        );
        let p = perpetual("1900-01-01");
        assert_eq!(
            rules(&check_step(&r, &p, None, &arrete)),
            ["perpetuelle_sans_echeance"]
        );
        let mut done = r.clone();
        done.steps.push(arrete);
        assert_eq!(
            reached(Motif::NonRenouvellement, &done.steps),
            EtatReprise::Prononcee
        );
        // And an abandon is not recorded on an expired concession.
        let a = reprise(Motif::Abandon, "2006-01-01", vec![]);
        assert_eq!(
            rules(&check_step(
                &a,
                &facts,
                None,
                &step(1, Etape::AvisFamille, "2006-01-05")
            )),
            ["concession_echue"]
        );
    }

    #[test]
    fn actions_need_their_step() {
        let all = abandon_steps();
        assert_eq!(may_act("constater", Motif::Abandon, &all[..2]), vec![]);
        assert_eq!(
            rules(&may_act("reconstater", Motif::Abandon, &all[..2])),
            ["etape_requise"]
        );
        assert_eq!(
            rules(&may_act("prononcer", Motif::Abandon, &all[..4])),
            ["etape_requise", "etape_requise"]
        );
        let arrete = [step(1, Etape::Arrete, "2010-01-01")];
        assert_eq!(
            may_act("prononcer", Motif::NonRenouvellement, &arrete),
            vec![]
        );
        assert_eq!(
            rules(&may_act("constater", Motif::NonRenouvellement, &arrete)),
            ["action_sans_objet", "etape_requise"]
        );
        assert_eq!(may_act("abandonner", Motif::NonRenouvellement, &[]), vec![]);
        assert_eq!(
            rules(&may_act("voler", Motif::Abandon, &[])),
            ["action_inconnue"]
        );
    }
}
