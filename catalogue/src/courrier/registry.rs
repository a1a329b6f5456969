//! What openCourrier computes over several records: a service's inbox and
//! its overdue tasks, the transmission slip (« bordereau de transmission »)
//! of a day for a service, and the day's registry, with the numbers they
//! print (`2026-7`, [`Numero`]).
//!
//! Pure functions over plain structs ([`Mail`], [`Diffusion`], [`Task`])
//! that the server fills from the module's tables — only the rows that
//! concern the service or the day (its queries use the indexes), since a
//! registry holds tens of thousands of courriers.

use std::cmp::Reverse;
use std::fmt;

use serde::Serialize;

use super::{Etat, EtatTache, Sens};
use crate::date::Date;

/// A record id of the `courrier` table.
pub type MailId = i64;
/// A record id of the `service` table.
pub type ServiceId = i64;

/// A registration number: the year and the rank in the year's register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Numero {
    pub year: i32,
    pub rank: u32,
}

impl Numero {
    /// `2026-7` (spaces around the dash and leading zeros of the rank
    /// accepted, as typed in a search box).
    pub fn parse(s: &str) -> Option<Numero> {
        let (y, r) = s.trim().split_once('-')?;
        let (y, r) = (y.trim(), r.trim());
        if y.len() != 4 || !y.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if r.is_empty() || !r.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let rank: u32 = r.parse().ok().filter(|n| *n > 0)?;
        Some(Numero {
            year: y.parse().ok()?,
            rank,
        })
    }
}

impl fmt::Display for Numero {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.year, self.rank)
    }
}

/// A courrier, as the rules need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub id: MailId,
    pub numero: Numero,
    pub sens: Sens,
    /// Date of registration.
    pub date: Date,
    pub contact: String,
    pub objet: String,
    pub service: Option<ServiceId>,
    pub relais: Option<ServiceId>,
    pub etat: Etat,
    pub echeance: Option<Date>,
}

impl Mail {
    /// Still waiting for its treatment (assigned or in treatment).
    pub fn is_open(&self) -> bool {
        matches!(
            self.etat,
            Etat::Enregistre | Etat::Affecte | Etat::EnTraitement
        )
    }

    /// Its reply is due before `today` and it is not answered.
    pub fn is_overdue(&self, today: Date) -> bool {
        self.is_open() && self.echeance.is_some_and(|d| d < today)
    }
}

/// A courrier distributed to a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Diffusion {
    pub courrier: MailId,
    pub service: ServiceId,
    pub ordre: u32,
    pub pour_avis: bool,
}

/// A task on a courrier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub id: i64,
    pub courrier: MailId,
    pub service: ServiceId,
    pub libelle: String,
    pub echeance: Date,
    pub etat: EtatTache,
}

impl Task {
    pub fn is_open(&self) -> bool {
        matches!(self.etat, EtatTache::AFaire | EtatTache::EnCours)
    }
}

/// Why a courrier is in a service's inbox or on its slip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SlipRole {
    /// The service treats it.
    Traitement,
    /// The service follows it beside the treating one.
    Relais,
    /// Distributed for the service's opinion.
    Avis,
    /// Distributed for information.
    Information,
}

impl SlipRole {
    pub fn label_fr(self) -> &'static str {
        match self {
            SlipRole::Traitement => "Pour traitement",
            SlipRole::Relais => "Relais",
            SlipRole::Avis => "Pour avis",
            SlipRole::Information => "Pour information",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            SlipRole::Traitement => "For action",
            SlipRole::Relais => "Relay",
            SlipRole::Avis => "For opinion",
            SlipRole::Information => "For information",
        }
    }
}

/// The service's part in `m`, if it has one.
fn role_of(service: ServiceId, m: &Mail, diffusions: &[Diffusion]) -> Option<(SlipRole, u32)> {
    if m.service == Some(service) {
        return Some((SlipRole::Traitement, 0));
    }
    if m.relais == Some(service) {
        return Some((SlipRole::Relais, 0));
    }
    diffusions
        .iter()
        .filter(|d| d.courrier == m.id && d.service == service)
        .map(|d| {
            let role = if d.pour_avis {
                SlipRole::Avis
            } else {
                SlipRole::Information
            };
            (role, d.ordre)
        })
        .min()
}

/// One courrier of a service's inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxLine<'a> {
    pub mail: &'a Mail,
    pub role: SlipRole,
    pub overdue: bool,
    /// Its tasks for this service still open, and how many are late.
    pub open_tasks: usize,
    pub late_tasks: usize,
}

/// A service's inbox on `today`: the open courriers it treats, follows
/// or receives (diffusion), those with an open task for it, overdue ones
/// first, then by due date (none last), then oldest first.
pub fn inbox<'a>(
    service: ServiceId,
    mails: &'a [Mail],
    diffusions: &[Diffusion],
    tasks: &[Task],
    today: Date,
) -> Vec<InboxLine<'a>> {
    let mut out: Vec<InboxLine<'a>> = mails
        .iter()
        .filter(|m| m.is_open())
        .filter_map(|m| {
            let mine: Vec<&Task> = tasks
                .iter()
                .filter(|t| t.courrier == m.id && t.service == service && t.is_open())
                .collect();
            let role = role_of(service, m, diffusions)
                .map(|(r, _)| r)
                .or_else(|| (!mine.is_empty()).then_some(SlipRole::Information))?;
            Some(InboxLine {
                mail: m,
                role,
                overdue: m.is_overdue(today),
                open_tasks: mine.len(),
                late_tasks: mine.iter().filter(|t| t.echeance < today).count(),
            })
        })
        .collect();
    out.sort_by_key(|l| {
        (
            Reverse(l.overdue || l.late_tasks > 0),
            l.mail.echeance.is_none(),
            l.mail.echeance,
            l.mail.date,
            l.mail.numero,
        )
    });
    out
}

/// The open tasks past their deadline on `today`, oldest deadline first.
pub fn overdue(tasks: &[Task], today: Date) -> Vec<&Task> {
    let mut out: Vec<&Task> = tasks
        .iter()
        .filter(|t| t.is_open() && t.echeance < today)
        .collect();
    out.sort_by_key(|t| (t.echeance, t.courrier, t.id));
    out
}

/// One line of a transmission slip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlipLine<'a> {
    pub mail: &'a Mail,
    pub role: SlipRole,
    /// The rank of the diffusion (0 for the treating and relay services).
    pub ordre: u32,
}

/// The transmission slip of `service` for the courriers registered from
/// `from` to `to` (inclusive): every courrier it receives, for action
/// first, then as relay, for opinion and for information, each in the
/// registers' order (arrivals first, by number).
pub fn slip<'a>(
    service: ServiceId,
    from: Date,
    to: Date,
    mails: &'a [Mail],
    diffusions: &[Diffusion],
) -> Vec<SlipLine<'a>> {
    let mut out: Vec<SlipLine<'a>> = mails
        .iter()
        .filter(|m| m.date >= from && m.date <= to)
        .filter_map(|m| {
            let (role, ordre) = role_of(service, m, diffusions)?;
            Some(SlipLine {
                mail: m,
                role,
                ordre,
            })
        })
        .collect();
    out.sort_by_key(|l| (l.role, l.mail.sens, l.mail.numero));
    out
}

/// One line of the day's registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterLine<'a> {
    pub mail: &'a Mail,
}

/// The courriers of register `sens` registered on `day`, by rank (the
/// page the registry's office prints and signs each evening).
pub fn day_register(mails: &[Mail], day: Date, sens: Sens) -> Vec<RegisterLine<'_>> {
    let mut out: Vec<RegisterLine<'_>> = mails
        .iter()
        .filter(|m| m.date == day && m.sens == sens)
        .map(|mail| RegisterLine { mail })
        .collect();
    out.sort_by_key(|l| l.mail.numero);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).expect("date")
    }

    fn mail(id: i64, rank: u32, day: &str, service: Option<i64>, etat: Etat) -> Mail {
        Mail {
            id,
            numero: Numero { year: 2026, rank },
            sens: Sens::Arrivee,
            date: d(day),
            contact: format!("Contact {id}"),
            objet: format!("Objet {id}"),
            service,
            relais: None,
            etat,
            echeance: None,
        }
    }

    #[test]
    fn numbers_read_as_typed_and_print_without_zeros() {
        assert_eq!(
            Numero::parse(" 2009 - 007 "),
            Some(Numero {
                year: 2009,
                rank: 7
            })
        );
        assert_eq!(
            Numero {
                year: 2009,
                rank: 7
            }
            .to_string(),
            "2009-7"
        );
        for bad in ["2009", "209-7", "2009-", "2009-0", "2009-7a", "abcd-1"] {
            assert_eq!(Numero::parse(bad), None, "{bad}");
        }
        // Ranks sort as numbers, not as text.
        assert!(Numero::parse("2026-10") > Numero::parse("2026-9"));
    }

    #[test]
    fn the_inbox_holds_what_the_service_treats_follows_or_receives_late_first() {
        let mut a = mail(1, 1, "2026-11-02", Some(10), Etat::EnTraitement);
        a.echeance = Some(d("2026-12-15"));
        let mut late = mail(2, 2, "2026-11-03", Some(10), Etat::Affecte);
        late.echeance = Some(d("2026-11-20"));
        let mut relay = mail(3, 3, "2026-11-04", Some(11), Etat::Affecte);
        relay.relais = Some(10);
        let diffused = mail(4, 4, "2026-11-05", Some(11), Etat::EnTraitement);
        let other = mail(5, 5, "2026-11-06", Some(11), Etat::EnTraitement);
        let closed = mail(6, 6, "2026-11-07", Some(10), Etat::Clos);
        let task_only = mail(7, 7, "2026-11-08", Some(11), Etat::EnTraitement);
        let mails = vec![a, late, relay, diffused, other, closed, task_only];
        let diffusions = [Diffusion {
            courrier: 4,
            service: 10,
            ordre: 1,
            pour_avis: true,
        }];
        let tasks = [Task {
            id: 1,
            courrier: 7,
            service: 10,
            libelle: "Visite".into(),
            echeance: d("2026-11-25"),
            etat: EtatTache::AFaire,
        }];
        let today = d("2026-12-01");
        let lines = inbox(10, &mails, &diffusions, &tasks, today);
        let ids: Vec<i64> = lines.iter().map(|l| l.mail.id).collect();
        assert_eq!(ids, vec![2, 7, 1, 3, 4]);
        assert!(lines[0].overdue);
        assert_eq!((lines[1].open_tasks, lines[1].late_tasks), (1, 1));
        assert_eq!(lines[3].role, SlipRole::Relais);
        assert_eq!(lines[4].role, SlipRole::Avis);
        assert!(!lines[2].overdue);
    }

    #[test]
    fn overdue_tasks_are_the_open_ones_past_their_deadline() {
        let t = |id, due: &str, etat| Task {
            id,
            courrier: id,
            service: 1,
            libelle: String::new(),
            echeance: d(due),
            etat,
        };
        let tasks = [
            t(1, "2026-11-30", EtatTache::EnCours),
            t(2, "2026-11-01", EtatTache::AFaire),
            t(3, "2026-11-01", EtatTache::Faite),
            t(4, "2026-12-01", EtatTache::AFaire),
            t(5, "2026-10-01", EtatTache::Annulee),
        ];
        let ids: Vec<i64> = overdue(&tasks, d("2026-12-01"))
            .iter()
            .map(|t| t.id)
            .collect();
        assert_eq!(ids, vec![2, 1]);
    }

    #[test]
    fn the_slip_and_the_register_take_the_day_s_courriers_in_order() {
        let mut m = vec![
            mail(1, 12, "2026-11-02", Some(10), Etat::Affecte),
            mail(2, 11, "2026-11-02", Some(11), Etat::Affecte),
            mail(3, 10, "2026-11-02", Some(10), Etat::Affecte),
            mail(4, 13, "2026-11-03", Some(10), Etat::Affecte),
        ];
        m[1].relais = Some(10);
        let mut leaving = mail(5, 4, "2026-11-02", Some(10), Etat::Clos);
        leaving.sens = Sens::Depart;
        m.push(leaving);
        let day = d("2026-11-02");
        let s = slip(10, day, day, &m, &[]);
        let got: Vec<(i64, SlipRole)> = s.iter().map(|l| (l.mail.id, l.role)).collect();
        assert_eq!(
            got,
            vec![
                (3, SlipRole::Traitement),
                (1, SlipRole::Traitement),
                (5, SlipRole::Traitement),
                (2, SlipRole::Relais)
            ]
        );
        let r: Vec<u32> = day_register(&m, day, Sens::Arrivee)
            .iter()
            .map(|l| l.mail.numero.rank)
            .collect();
        assert_eq!(r, vec![10, 11, 12]);
    }
}
