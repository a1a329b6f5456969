//! openScrutin's hours and payment: per person, the slots worked, the
//! minutes, and the amount due at the hourly rate of each poste, for the
//! payroll of the agents and the vacations of paid posts.
//!
//! Money is exact: rates and amounts are integer cents (the engine stores
//! `taux_horaire` as hundredths), a person's amount is the exact value
//! Σ minutes × rate / 60 rounded half up to the cent once (not line by
//! line), and the total is the sum of the rows' amounts, so the sheet adds
//! up to the cent. No floats anywhere.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::staffing::{Assignment, Slot};
use super::{AssignmentId, PersonId, PosteId, SlotId};

/// A poste's pay (a row of `poste`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub poste: PosteId,
    pub remunere: bool,
    /// Cents per hour (`taux_horaire` as stored).
    pub taux_horaire: Option<i64>,
}

impl Rate {
    /// Cents per hour paid, if the poste is paid.
    fn paid(&self) -> Option<i64> {
        self.taux_horaire
            .filter(|_| self.remunere)
            .map(|t| t.max(0))
    }
}

/// One affectation counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HoursLine {
    pub assignment: AssignmentId,
    pub slot: SlotId,
    pub poste: PosteId,
    pub minutes: i64,
    /// Cents per hour; 0 for an unpaid poste.
    pub rate: i64,
    pub paid: bool,
}

/// What one person worked and is owed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HoursRow {
    pub person: PersonId,
    /// The slots worked, in the order of the slots given.
    pub slots: Vec<SlotId>,
    pub lines: Vec<HoursLine>,
    /// All minutes worked.
    pub minutes: i64,
    /// Minutes on paid postes.
    pub paid_minutes: i64,
    /// Cents: Σ minutes × rate / 60, rounded half up.
    pub amount: i64,
    /// Further affectations on a slot already counted (a double booking,
    /// which [`super::conflicts`] reports): a slot is paid once, at the
    /// best rate among its affectations.
    pub not_counted: Vec<AssignmentId>,
}

/// The sums of the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct HoursTotal {
    pub people: usize,
    pub minutes: i64,
    pub paid_minutes: i64,
    /// Cents: the sum of the rows' amounts.
    pub amount: i64,
}

/// `n / d` rounded to the nearest integer, halves up (towards +∞); `d > 0`.
pub fn round_half_up(n: i128, d: i128) -> i128 {
    (2 * n + d).div_euclid(2 * d)
}

/// Cents for `minutes` at `rate` cents per hour, rounded half up.
pub fn amount(minutes: i64, rate: i64) -> i64 {
    to_i64(round_half_up(i128::from(minutes) * i128::from(rate), 60))
}

fn to_i64(n: i128) -> i64 {
    i64::try_from(n).unwrap_or(if n < 0 { i64::MIN } else { i64::MAX })
}

/// The hours of every person affected, by person id. A slot's length is
/// `fin − debut` (an end before the start runs past midnight); an
/// affectation on a slot not given is ignored; a poste without a rate
/// given, not paid or without `taux_horaire`, counts its minutes unpaid.
pub fn hours(slots: &[Slot], assignments: &[Assignment], rates: &[Rate]) -> Vec<HoursRow> {
    let slot_at: HashMap<SlotId, (usize, &Slot)> = slots
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id, (i, s)))
        .collect();
    let rate_of: HashMap<PosteId, Option<i64>> =
        rates.iter().map(|r| (r.poste, r.paid())).collect();

    // Per person and slot, the affectations, best paid first.
    let mut per: BTreeMap<PersonId, BTreeMap<usize, Vec<HoursLine>>> = BTreeMap::new();
    for a in assignments {
        let Some((position, slot)) = slot_at.get(&a.slot) else {
            continue;
        };
        let rate = rate_of.get(&a.poste).copied().flatten();
        per.entry(a.person)
            .or_default()
            .entry(*position)
            .or_default()
            .push(HoursLine {
                assignment: a.id,
                slot: a.slot,
                poste: a.poste,
                minutes: slot.debut.minutes_until(slot.fin),
                rate: rate.unwrap_or(0),
                paid: rate.is_some(),
            });
    }

    per.into_iter()
        .map(|(person, by_slot)| {
            let mut row = HoursRow {
                person,
                slots: Vec::new(),
                lines: Vec::new(),
                minutes: 0,
                paid_minutes: 0,
                amount: 0,
                not_counted: Vec::new(),
            };
            let mut exact: i128 = 0;
            for (_, mut lines) in by_slot {
                lines.sort_by_key(|l| (std::cmp::Reverse((l.paid, l.rate)), l.assignment));
                let mut lines = lines.into_iter();
                let Some(line) = lines.next() else { continue };
                row.not_counted.extend(lines.map(|l| l.assignment));
                row.slots.push(line.slot);
                row.minutes += line.minutes;
                if line.paid {
                    row.paid_minutes += line.minutes;
                    exact += i128::from(line.minutes) * i128::from(line.rate);
                }
                row.lines.push(line);
            }
            row.amount = to_i64(round_half_up(exact, 60));
            row
        })
        .collect()
}

/// The totals of [`hours`]' rows (the amount is the sum of the rows'
/// rounded amounts, so the sheet adds up).
pub fn hours_total(rows: &[HoursRow]) -> HoursTotal {
    rows.iter().fold(HoursTotal::default(), |t, r| HoursTotal {
        people: t.people + 1,
        minutes: t.minutes + r.minutes,
        paid_minutes: t.paid_minutes + r.paid_minutes,
        amount: t.amount.saturating_add(r.amount),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_up_to_the_cent() {
        // 1 minute at 12,50 €/h = 20,833… c → 21 c; 3 min at 10,10 €/h = 50,5 c → 51 c.
        assert_eq!(amount(1, 1250), 21);
        assert_eq!(amount(3, 1010), 51);
        assert_eq!(amount(1, 29), 0);
        assert_eq!(amount(1, 30), 1);
        assert_eq!(amount(330, 1200), 6600);
        assert_eq!(round_half_up(-1, 2), 0);
        assert_eq!(round_half_up(-3, 2), -1);
    }
}
