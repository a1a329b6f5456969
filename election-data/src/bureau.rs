//! What a bureau holds on election night, and every change the desk and the
//! presidents may make to it.
//!
//! A [`Dossier`] is one bureau's current state: workflow state, version,
//! the current record (PV and turnout), the second entry of a double entry,
//! the published PV, the running tallies (centaines) and the centaine
//! published as an early trend. It is the row the server stores
//! and the row its live state holds. Each transition — [`Dossier::enter`],
//! [`Dossier::turnout`], [`Dossier::centaines`], [`Dossier::step`]
//! (validate, publish, unpublish, publish the trend) —
//! checks who acts ([`authorize`]), the version the client
//! corrects and the figures, and returns either a [`Transition`] (the new
//! dossier and the entry to log) or a typed [`Refused`]. Nothing here does IO:
//! the server wraps a transition in its lock, transaction and publication.
//!
//! The workflow: a bureau goes not arrived → entered → validated →
//! published. A correction is a new entry: it sends a validated or
//! published bureau back to entered, and the public keeps seeing the last
//! published figures until the desk publishes again. The centaines may be
//! entered before the PV (the count is still going on); the desk may then
//! publish the latest one as an early trend ([`Action::PublishTrend`]),
//! until the result itself is published, which replaces it. With double entry, the
//! PV is typed twice independently and the bureau can be validated only
//! when both entries are identical. Roles ([`Role`]): the desk may do
//! everything on every bureau; a bureau president may enter only their own
//! bureaux and only until the desk has validated them; the public reads.
//! The table, [`authorize`], is pure, so the server, the forms and the
//! authorization tests all use the very same one.

use serde::{Deserialize, Serialize};

use crate::model::{Bureau, Election, ProcesVerbal, TurnoutReading};
use crate::tally::{BureauRecord, BureauState};
use crate::validate::{
    Centaine, Violation, check_centaines, check_centaines_before_pv, check_pv, check_turnout,
};

/// Workflow data of a bureau beside its figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BureauMeta {
    pub state: BureauState,
    pub version: i64,
    /// Milliseconds since the epoch of the last accepted write; 0 if none.
    pub updated_at: i64,
}

impl Default for BureauMeta {
    fn default() -> Self {
        BureauMeta {
            state: BureauState::NotArrived,
            version: 0,
            updated_at: 0,
        }
    }
}

/// Everything known of one bureau: the stored row and the live row (also
/// kept whole with each entry, for the instances that follow the log).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dossier {
    pub meta: BureauMeta,
    /// The current entry (the first one, with double entry) and turnout.
    pub record: BureauRecord,
    /// The second entry, with double entry.
    pub second: Option<ProcesVerbal>,
    /// The figures the public sees.
    pub published: Option<ProcesVerbal>,
    /// Running tallies, entered with the PV or before it (optional).
    pub centaines: Vec<Centaine>,
    /// The centaine the public sees as an early trend: a copy of the latest
    /// one when the desk published it, until the result is published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trend: Option<Centaine>,
}

/// What kind of write an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A full procès-verbal (first entry or correction).
    Pv,
    /// The second, independent entry of a PV (double entry).
    SecondPv,
    /// Turnout readings during the day.
    Turnout,
    /// Running tallies alone, before (or without) the PV.
    Centaines,
    Validate,
    Publish,
    Unpublish,
    /// The latest centaine published as an early trend.
    PublishTrend,
    /// The early trend withdrawn by the desk (published by mistake).
    WithdrawTrend,
}

impl EntryKind {
    pub fn code(self) -> &'static str {
        match self {
            EntryKind::Pv => "pv",
            EntryKind::SecondPv => "pv2",
            EntryKind::Turnout => "turnout",
            EntryKind::Centaines => "centaines",
            EntryKind::Validate => "validate",
            EntryKind::Publish => "publish",
            EntryKind::Unpublish => "unpublish",
            EntryKind::PublishTrend => "publish_trend",
            EntryKind::WithdrawTrend => "withdraw_trend",
        }
    }
}

/// Who acts on the bureau: a role, and whether the bureau is assigned to
/// the acting president.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub role: Role,
    pub own: bool,
}

/// A procès-verbal as submitted.
#[derive(Debug, Clone)]
pub struct PvSubmission {
    pub pv: ProcesVerbal,
    /// Store despite warnings.
    pub confirm: bool,
    /// The version this entry corrects, when the client says so.
    pub version: Option<i64>,
    /// 1, or 2 for the second entry of a double entry.
    pub entry: u8,
    /// Optional running tallies (first entry only); `None` keeps the ones
    /// already stored (entered before the PV), checked against this PV.
    pub centaines: Option<Vec<Centaine>>,
}

/// The entry as logged: what was received, after validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Payload {
    Pv {
        entry: u8,
        pv: ProcesVerbal,
        confirm: bool,
        centaines: Vec<Centaine>,
    },
    Turnout {
        turnout: Vec<TurnoutReading>,
    },
    Centaines {
        centaines: Vec<Centaine>,
    },
    Step {
        action: &'static str,
    },
}

/// An accepted transition: the dossier after it, and the entry to log.
/// The new dossier keeps the old version and time: the store stamps them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub dossier: Dossier,
    pub kind: EntryKind,
    pub payload: Payload,
    /// Warnings the actor confirmed (or that do not need confirming).
    pub warnings: Vec<Violation>,
}

/// Why a transition is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The workflow table or the double entry refuses it.
    Workflow(Refusal),
    /// The client corrects `expected` but the stored version is `current`.
    Stale { expected: i64, current: i64 },
    /// A second entry for an election without double entry.
    NoDoubleEntry,
    /// An entry number other than 1 or 2.
    InvalidEntry(u8),
    /// The figures break blocking rules, or carry unconfirmed warnings.
    Violations {
        errors: Vec<Violation>,
        warnings: Vec<Violation>,
    },
    /// [`Dossier::step`] asked for an action that is not a step.
    NotAStep(Action),
}

impl From<Refusal> for Refused {
    fn from(r: Refusal) -> Refused {
        Refused::Workflow(r)
    }
}

/// May `role` do `action` on a bureau in `state`? `own` says whether the
/// bureau is assigned to the acting president. Returns the state after the action.
pub fn authorize(
    role: Role,
    action: Action,
    own: bool,
    state: BureauState,
) -> Result<BureauState, Refusal> {
    use BureauState::*;
    match role {
        Role::Public => return Err(Refusal::Forbidden),
        Role::President => {
            if !matches!(action, Action::Enter | Action::Turnout | Action::Centaines) {
                return Err(Refusal::Forbidden);
            }
            if !own {
                return Err(Refusal::NotYourBureau);
            }
            if matches!(state, Validated | Published) {
                return Err(Refusal::Locked { state });
            }
        }
        Role::Desk | Role::Admin => {}
    }
    match action {
        Action::Turnout | Action::Centaines => Ok(state),
        Action::Enter => Ok(Entered),
        Action::Validate => match state {
            Entered => Ok(Validated),
            _ => Err(Refusal::WrongState { state }),
        },
        Action::Publish => match state {
            Validated => Ok(Published),
            _ => Err(Refusal::WrongState { state }),
        },
        Action::Unpublish => match state {
            Published => Ok(Validated),
            _ => Err(Refusal::WrongState { state }),
        },
        // The state does not move: the trend is beside the workflow.
        Action::PublishTrend => match state {
            Published => Err(Refusal::WrongState { state }),
            _ => Ok(state),
        },
        Action::WithdrawTrend => Ok(state),
    }
}

/// Merges new turnout readings into the known ones, by hour.
pub fn merge_turnout(known: &[TurnoutReading], new: &[TurnoutReading]) -> Vec<TurnoutReading> {
    let mut out: Vec<TurnoutReading> = known
        .iter()
        .filter(|k| !new.iter().any(|n| n.hour == k.hour))
        .cloned()
        .collect();
    out.extend(new.iter().cloned());
    out.sort_by(|a, b| a.hour.cmp(&b.hour));
    out
}

impl Dossier {
    /// What the public view counts: the published PV and the turnout.
    pub fn public_record(&self) -> BureauRecord {
        BureauRecord {
            pv: self.published.clone(),
            turnout: self.record.turnout.clone(),
        }
    }

    /// The public state: published while published figures exist.
    pub fn public_state(&self) -> BureauState {
        if self.published.is_some() {
            BureauState::Published
        } else {
            BureauState::NotArrived
        }
    }

    /// The dossier with the version and time the store gave it.
    pub fn stamped(mut self, version: i64, at: i64) -> Dossier {
        self.meta.version = version;
        self.meta.updated_at = at;
        self
    }

    /// Who may act, then which version is corrected: the state after `action`.
    fn admit(
        &self,
        actor: Actor,
        action: Action,
        version: Option<i64>,
    ) -> Result<BureauState, Refused> {
        let next = authorize(actor.role, action, actor.own, self.meta.state)?;
        match version {
            Some(expected) if expected != self.meta.version => Err(Refused::Stale {
                expected,
                current: self.meta.version,
            }),
            _ => Ok(next),
        }
    }

    /// Enters or corrects a procès-verbal (first or second entry).
    pub fn enter(
        &self,
        election: &Election,
        bureau: &Bureau,
        actor: Actor,
        input: PvSubmission,
    ) -> Result<Transition, Refused> {
        let next = self.admit(actor, Action::Enter, input.version)?;
        let second = match input.entry {
            1 => false,
            2 if election.double_entry => true,
            2 => return Err(Refused::NoDoubleEntry),
            n => return Err(Refused::InvalidEntry(n)),
        };
        if second && self.record.pv.is_none() {
            return Err(Refusal::WrongState {
                state: self.meta.state,
            }
            .into());
        }
        // Turnout readings already stored count too: the final votants must
        // not fall below a reading of the day.
        let turnout = merge_turnout(&self.record.turnout, &input.pv.turnout);
        let checked = ProcesVerbal {
            turnout: turnout.clone(),
            ..input.pv.clone()
        };
        let previous = if second {
            self.second.as_ref()
        } else {
            self.record.pv.as_ref()
        };
        let mut report = check_pv(election, bureau, &checked, previous);
        let centaines = input
            .centaines
            .clone()
            .unwrap_or_else(|| self.centaines.clone());
        if !second {
            let c = check_centaines(election, &input.pv, &centaines);
            report.errors.extend(c.errors);
            report.warnings.extend(c.warnings);
        }
        if !report.accepts(input.confirm) {
            return Err(Refused::Violations {
                errors: report.errors,
                warnings: report.warnings,
            });
        }
        let pv = ProcesVerbal {
            turnout: Vec::new(),
            ..input.pv
        };
        let mut dossier = self.clone();
        dossier.meta.state = next;
        dossier.record.turnout = turnout;
        if second {
            dossier.second = Some(pv.clone());
        } else {
            dossier.record.pv = Some(pv.clone());
            dossier.centaines = centaines.clone();
        }
        Ok(Transition {
            dossier,
            kind: if second {
                EntryKind::SecondPv
            } else {
                EntryKind::Pv
            },
            payload: Payload::Pv {
                entry: input.entry,
                pv,
                confirm: input.confirm,
                centaines: if second { Vec::new() } else { centaines },
            },
            warnings: report.warnings,
        })
    }

    /// Enters turnout readings (merged by hour with the known ones).
    pub fn turnout(
        &self,
        election: &Election,
        bureau: &Bureau,
        actor: Actor,
        readings: Vec<TurnoutReading>,
        version: Option<i64>,
    ) -> Result<Transition, Refused> {
        let next = self.admit(actor, Action::Turnout, version)?;
        let merged = merge_turnout(&self.record.turnout, &readings);
        let report = check_turnout(election, bureau, &merged, self.record.pv.as_ref());
        if report.is_blocking() {
            return Err(Refused::Violations {
                errors: report.errors,
                warnings: report.warnings,
            });
        }
        let mut dossier = self.clone();
        dossier.meta.state = next;
        dossier.record.turnout = merged;
        Ok(Transition {
            dossier,
            kind: EntryKind::Turnout,
            payload: Payload::Turnout { turnout: readings },
            warnings: report.warnings,
        })
    }

    /// Enters (or corrects) the running tallies alone, before the PV or
    /// beside it: checked against the stored PV when there is one, against
    /// the bureau's roll otherwise. The state does not move, and a trend
    /// already published stays as published until the desk publishes again.
    pub fn centaines(
        &self,
        election: &Election,
        bureau: &Bureau,
        actor: Actor,
        centaines: Vec<Centaine>,
        version: Option<i64>,
    ) -> Result<Transition, Refused> {
        let next = self.admit(actor, Action::Centaines, version)?;
        let report = match &self.record.pv {
            Some(pv) => check_centaines(election, pv, &centaines),
            None => check_centaines_before_pv(election, bureau, &centaines),
        };
        if report.is_blocking() {
            return Err(Refused::Violations {
                errors: report.errors,
                warnings: report.warnings,
            });
        }
        let mut dossier = self.clone();
        dossier.meta.state = next;
        dossier.centaines = centaines.clone();
        Ok(Transition {
            dossier,
            kind: EntryKind::Centaines,
            payload: Payload::Centaines { centaines },
            warnings: report.warnings,
        })
    }

    /// The trend the public may see: the published centaine, while the
    /// result is not published.
    pub fn public_trend(&self) -> Option<&Centaine> {
        self.trend.as_ref().filter(|_| self.published.is_none())
    }

    /// Validates (both entries must agree with double entry), publishes or
    /// unpublishes the bureau, or publishes its latest centaine as a trend.
    pub fn step(
        &self,
        election: &Election,
        actor: Actor,
        action: Action,
        version: Option<i64>,
    ) -> Result<Transition, Refused> {
        if matches!(action, Action::Enter | Action::Turnout | Action::Centaines) {
            return Err(Refused::NotAStep(action));
        }
        let next = self.admit(actor, action, version)?;
        let mut dossier = self.clone();
        dossier.meta.state = next;
        let kind = match action {
            Action::Validate => {
                if election.double_entry {
                    check_double_entry(self.record.pv.as_ref(), self.second.as_ref())?;
                }
                EntryKind::Validate
            }
            Action::Publish => {
                dossier.published = self.record.pv.clone();
                // The result replaces the early trend.
                dossier.trend = None;
                EntryKind::Publish
            }
            Action::Unpublish => {
                dossier.published = None;
                EntryKind::Unpublish
            }
            Action::PublishTrend => {
                if self.published.is_some() {
                    return Err(Refusal::ResultPublished.into());
                }
                let Some(latest) = self.centaines.last() else {
                    return Err(Refusal::NoCentaines.into());
                };
                dossier.trend = Some(latest.clone());
                EntryKind::PublishTrend
            }
            Action::WithdrawTrend => {
                if self.trend.is_none() {
                    return Err(Refusal::NoTrend.into());
                }
                dossier.trend = None;
                EntryKind::WithdrawTrend
            }
            Action::Enter | Action::Turnout | Action::Centaines => {
                return Err(Refused::NotAStep(action));
            }
        };
        Ok(Transition {
            dossier,
            kind,
            payload: Payload::Step {
                action: kind.code(),
            },
            warnings: Vec::new(),
        })
    }
}

// ------------------------------------------------ roles, actions, refusals

/// Who is acting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Desk,
    President,
    Public,
}

impl Role {
    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Desk => "desk",
            Role::President => "president",
            Role::Public => "public",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "desk" => Some(Role::Desk),
            "president" => Some(Role::President),
            "public" => Some(Role::Public),
            _ => None,
        }
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Role::Admin => "administrateur",
            Role::Desk => "bureau centralisateur",
            Role::President => "président de bureau",
            Role::Public => "public",
        }
    }
}

/// What someone wants to do to a bureau.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Enter or correct turnout readings.
    Turnout,
    /// Enter or correct the procès-verbal.
    Enter,
    Validate,
    Publish,
    /// Withdraw a published bureau from the public results.
    Unpublish,
    /// Enter the running tallies (centaines) alone.
    Centaines,
    /// Publish the latest centaine as an early trend, before the result.
    #[serde(rename = "publish_trend")]
    PublishTrend,
    /// Withdraw the early trend (published by mistake).
    #[serde(rename = "withdraw_trend")]
    WithdrawTrend,
}

/// Why an action is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Refusal {
    /// The role may never do this.
    Forbidden,
    /// A president acting on a bureau that is not theirs.
    NotYourBureau,
    /// The bureau is past the point where this role may act.
    Locked { state: BureauState },
    /// The action does not apply in this state (e.g. publish before validate).
    WrongState { state: BureauState },
    /// Double entry: the second entry is missing.
    SecondEntryMissing,
    /// Double entry: the two entries differ on these fields.
    EntriesDiffer { fields: Vec<String> },
    /// A trend asked for a bureau without centaines.
    NoCentaines,
    /// A trend asked for a bureau whose result is already public.
    ResultPublished,
    /// No trend to withdraw.
    NoTrend,
}

impl Refusal {
    pub fn message(&self) -> String {
        match self {
            Refusal::Forbidden => "votre rôle ne permet pas cette action".into(),
            Refusal::NotYourBureau => "ce bureau n'est pas le vôtre".into(),
            Refusal::Locked { state } => format!(
                "le bureau est {} : seul le bureau centralisateur peut encore le modifier",
                state.label_fr()
            ),
            Refusal::WrongState { state } => {
                format!("action impossible : le bureau est {}", state.label_fr())
            }
            Refusal::SecondEntryMissing => "double saisie : la seconde saisie manque encore".into(),
            Refusal::EntriesDiffer { fields } => format!(
                "double saisie : les deux saisies diffèrent ({})",
                fields.join(", ")
            ),
            Refusal::NoCentaines => {
                "centaines : aucune centaine saisie pour ce bureau, pas de tendance à publier"
                    .into()
            }
            Refusal::ResultPublished => {
                "le résultat de ce bureau est déjà publié : il remplace la tendance".into()
            }
            Refusal::NoTrend => "aucune tendance publiée pour ce bureau".into(),
        }
    }

    /// True when the refusal is about permissions rather than the bureau's state.
    pub fn is_permission(&self) -> bool {
        matches!(self, Refusal::Forbidden | Refusal::NotYourBureau)
    }
}

/// Fields on which two entries of the same PV differ (empty when identical).
pub fn differences(a: &ProcesVerbal, b: &ProcesVerbal) -> Vec<String> {
    let mut out = Vec::new();
    for (field, x, y) in [
        ("inscrits", a.inscrits, b.inscrits),
        ("votants", a.votants, b.votants),
        ("blancs", a.blancs, b.blancs),
        ("nuls", a.nuls, b.nuls),
        ("exprimes", a.exprimes, b.exprimes),
    ] {
        if x != y {
            out.push(field.to_string());
        }
    }
    let mut numbers: Vec<u32> = a.voix.iter().chain(&b.voix).map(|v| v.candidate).collect();
    numbers.sort_unstable();
    numbers.dedup();
    for n in numbers {
        if a.voix_of(n) != b.voix_of(n) {
            out.push(format!("voix[{n}]"));
        }
    }
    out
}

/// Double entry check before validation.
pub fn check_double_entry(
    first: Option<&ProcesVerbal>,
    second: Option<&ProcesVerbal>,
) -> Result<(), Refusal> {
    match (first, second) {
        (Some(a), Some(b)) => {
            let fields = differences(a, b);
            if fields.is_empty() {
                Ok(())
            } else {
                Err(Refusal::EntriesDiffer { fields })
            }
        }
        _ => Err(Refusal::SecondEntryMissing),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{sample_commune, sample_pv};
    use BureauState::*;
    use proptest::prelude::*;

    const DESK: Actor = Actor {
        role: Role::Desk,
        own: false,
    };

    fn submission(pv: ProcesVerbal, entry: u8) -> PvSubmission {
        PvSubmission {
            pv,
            confirm: true,
            version: None,
            entry,
            centaines: None,
        }
    }

    /// Applies a transition as the store would: version + 1.
    fn commit(t: Transition, at: i64) -> Dossier {
        let v = t.dossier.meta.version + 1;
        t.dossier.stamped(v, at)
    }

    #[test]
    fn presidents_enter_their_own_bureau_until_validated() {
        assert_eq!(
            authorize(Role::President, Action::Enter, true, NotArrived),
            Ok(Entered)
        );
        assert_eq!(
            authorize(Role::President, Action::Enter, true, Entered),
            Ok(Entered)
        );
        assert_eq!(
            authorize(Role::President, Action::Enter, false, NotArrived),
            Err(Refusal::NotYourBureau)
        );
        assert_eq!(
            authorize(Role::President, Action::Enter, true, Validated),
            Err(Refusal::Locked { state: Validated })
        );
        assert_eq!(
            authorize(Role::President, Action::Validate, true, Entered),
            Err(Refusal::Forbidden)
        );
        assert_eq!(
            authorize(Role::President, Action::Publish, true, Validated),
            Err(Refusal::Forbidden)
        );
    }

    #[test]
    fn the_desk_moves_bureaux_along() {
        assert_eq!(
            authorize(Role::Desk, Action::Validate, false, Entered),
            Ok(Validated)
        );
        assert_eq!(
            authorize(Role::Desk, Action::Publish, false, Validated),
            Ok(Published)
        );
        assert_eq!(
            authorize(Role::Desk, Action::Enter, false, Published),
            Ok(Entered)
        );
        assert_eq!(
            authorize(Role::Desk, Action::Publish, false, Entered),
            Err(Refusal::WrongState { state: Entered })
        );
        assert_eq!(
            authorize(Role::Desk, Action::Validate, false, NotArrived),
            Err(Refusal::WrongState { state: NotArrived })
        );
        assert_eq!(
            authorize(Role::Desk, Action::Unpublish, false, Published),
            Ok(Validated)
        );
        assert_eq!(
            authorize(Role::Public, Action::Enter, true, NotArrived),
            Err(Refusal::Forbidden)
        );
    }

    #[test]
    fn a_bureau_goes_entered_validated_published() {
        let e = sample_commune();
        let b = &e.bureaux[0];
        let pv = sample_pv(&e, b, 3);
        let d = Dossier::default();
        let t = d
            .enter(&e, b, DESK, submission(pv.clone(), 1))
            .expect("enter");
        assert_eq!(t.kind, EntryKind::Pv);
        assert_eq!(t.dossier.meta.state, BureauState::Entered);
        assert_eq!(t.dossier.meta.version, 0, "the store stamps the version");
        let d = commit(t, 1);
        let d = commit(d.step(&e, DESK, Action::Validate, Some(1)).expect("v"), 2);
        assert_eq!(d.meta.state, BureauState::Validated);
        assert_eq!(d.public_state(), BureauState::NotArrived);
        let d = commit(d.step(&e, DESK, Action::Publish, None).expect("p"), 3);
        assert_eq!(d.meta.state, BureauState::Published);
        assert_eq!(d.published.as_ref().map(|p| p.votants), Some(pv.votants));
        assert_eq!(d.public_record().pv, d.published);
        // A correction sends it back to entered; the public keeps its figures.
        let d = commit(d.enter(&e, b, DESK, submission(pv, 1)).expect("c"), 4);
        assert_eq!(d.meta.state, BureauState::Entered);
        assert_eq!(d.public_state(), BureauState::Published);
        assert_eq!(
            d.step(&e, DESK, Action::Unpublish, None),
            Err(Refused::Workflow(Refusal::WrongState {
                state: BureauState::Entered
            }))
        );
        let d = commit(d.step(&e, DESK, Action::Validate, None).expect("v"), 5);
        let d = commit(d.step(&e, DESK, Action::Publish, None).expect("p"), 6);
        let d = commit(d.step(&e, DESK, Action::Unpublish, None).expect("u"), 7);
        assert_eq!(d.meta.state, BureauState::Validated);
        assert!(d.published.is_none());
    }

    #[test]
    fn refusals_are_typed() {
        let mut e = sample_commune();
        let b = e.bureaux[0].clone();
        let pv = sample_pv(&e, &b, 1);
        let d = Dossier::default();
        let president = Actor {
            role: Role::President,
            own: false,
        };
        assert_eq!(
            d.enter(&e, &b, president, submission(pv.clone(), 1)),
            Err(Refused::Workflow(Refusal::NotYourBureau))
        );
        assert_eq!(
            d.enter(&e, &b, DESK, submission(pv.clone(), 2)),
            Err(Refused::NoDoubleEntry)
        );
        assert_eq!(
            d.enter(&e, &b, DESK, submission(pv.clone(), 3)),
            Err(Refused::InvalidEntry(3))
        );
        let stale = PvSubmission {
            version: Some(4),
            ..submission(pv.clone(), 1)
        };
        assert_eq!(
            d.enter(&e, &b, DESK, stale),
            Err(Refused::Stale {
                expected: 4,
                current: 0
            })
        );
        let mut broken = pv.clone();
        broken.votants += 1;
        assert!(matches!(
            d.enter(&e, &b, DESK, submission(broken, 1)),
            Err(Refused::Violations { .. })
        ));
        assert_eq!(
            d.step(&e, DESK, Action::Publish, None),
            Err(Refused::Workflow(Refusal::WrongState {
                state: BureauState::NotArrived
            }))
        );
        assert_eq!(
            d.step(&e, DESK, Action::Enter, None),
            Err(Refused::NotAStep(Action::Enter))
        );
        // Double entry: the second entry needs the first, then must agree.
        e.double_entry = true;
        assert_eq!(
            d.enter(&e, &b, DESK, submission(pv.clone(), 2)),
            Err(Refused::Workflow(Refusal::WrongState {
                state: BureauState::NotArrived
            }))
        );
        let d = commit(
            d.enter(&e, &b, DESK, submission(pv.clone(), 1)).expect("1"),
            1,
        );
        assert_eq!(
            d.step(&e, DESK, Action::Validate, None),
            Err(Refused::Workflow(Refusal::SecondEntryMissing))
        );
        let t = d.enter(&e, &b, DESK, submission(pv, 2)).expect("2");
        assert_eq!(t.kind, EntryKind::SecondPv);
        let d = commit(t, 2);
        assert!(d.step(&e, DESK, Action::Validate, None).is_ok());
    }

    #[test]
    fn turnout_is_merged_by_hour() {
        let e = sample_commune();
        let b = &e.bureaux[0];
        let r = |hour: &str, votants| TurnoutReading {
            hour: hour.into(),
            votants,
        };
        let d = Dossier::default();
        let d = commit(
            d.turnout(&e, b, DESK, vec![r("12:00", 10), r("17:00", 30)], None)
                .expect("t"),
            1,
        );
        let t = d
            .turnout(&e, b, DESK, vec![r("12:00", 12)], Some(1))
            .expect("t");
        assert_eq!(
            t.dossier.record.turnout,
            vec![r("12:00", 12), r("17:00", 30)]
        );
        assert_eq!(
            t.payload,
            Payload::Turnout {
                turnout: vec![r("12:00", 12)]
            }
        );
        assert_eq!(t.dossier.meta.state, BureauState::NotArrived);
    }

    proptest! {
        /// Whatever is typed, a transition either refuses or leaves the
        /// version to the store, and only publish/unpublish touch the
        /// published figures.
        #[test]
        fn transitions_keep_the_version_and_the_public_figures(seed in 0u64..500, role in 0usize..4, own: bool, action in 0usize..8) {
            let e = sample_commune();
            let b = &e.bureaux[(seed as usize) % e.bureaux.len()];
            let role = [Role::Admin, Role::Desk, Role::President, Role::Public][role];
            let action = [Action::Turnout, Action::Enter, Action::Validate, Action::Publish, Action::Unpublish, Action::Centaines, Action::PublishTrend, Action::WithdrawTrend][action];
            let actor = Actor { role, own };
            let pv = sample_pv(&e, b, seed);
            let d = commit(Dossier::default().enter(&e, b, DESK, submission(pv.clone(), 1)).expect("enter"), 1);
            let out = match action {
                Action::Enter => d.enter(&e, b, actor, submission(pv, 1)),
                Action::Turnout => d.turnout(&e, b, actor, Vec::new(), None),
                Action::Centaines => d.centaines(&e, b, actor, Vec::new(), None),
                step => d.step(&e, actor, step, None),
            };
            if let Ok(t) = out {
                prop_assert_eq!(t.dossier.meta.version, d.meta.version);
                if !matches!(action, Action::Publish | Action::Unpublish) {
                    prop_assert_eq!(&t.dossier.published, &d.published);
                }
                prop_assert!(authorize(role, action, own, d.meta.state).is_ok());
            } else if let Err(Refused::Workflow(r)) = out
                && r.is_permission()
            {
                prop_assert!(authorize(role, action, own, d.meta.state).is_err());
            }
        }

        #[test]
        fn merged_turnout_keeps_every_new_reading_in_hour_order(known in proptest::collection::vec((8u8..20, 0i64..900), 0..8), new in proptest::collection::vec((8u8..20, 0i64..900), 0..8)) {
            let r = |(h, v): &(u8, i64)| TurnoutReading { hour: format!("{h:02}:00"), votants: *v };
            let known: Vec<_> = known.iter().map(r).collect();
            let new: Vec<_> = new.iter().map(r).collect();
            let merged = merge_turnout(&known, &new);
            prop_assert!(merged.windows(2).all(|w| w[0].hour <= w[1].hour));
            for n in &new {
                prop_assert!(merged.contains(n));
            }
            // A known reading survives only when no new reading has its hour.
            for k in &known {
                let replaced = new.iter().any(|n| n.hour == k.hour);
                prop_assert!(replaced || merged.contains(k));
            }
        }
    }
}

#[cfg(test)]
mod workflow_tests {
    use super::*;
    use crate::fixtures::{sample_commune, sample_pv};
    use crate::model::CandidateVoix;

    const DESK: Actor = Actor {
        role: Role::Desk,
        own: false,
    };

    fn commit(t: Transition, at: i64) -> Dossier {
        let v = t.dossier.meta.version + 1;
        t.dossier.stamped(v, at)
    }

    /// The first `at` ballots of `pv`: 1 blanc, 1 nul, the rest in proportion.
    fn centaine_of(pv: &ProcesVerbal, at: i64) -> Centaine {
        let mut left = at - 2;
        let mut voix: Vec<CandidateVoix> = pv
            .voix
            .iter()
            .map(|v| {
                let n = (v.voix * (at - 2) / pv.exprimes).min(left);
                left -= n;
                CandidateVoix {
                    candidate: v.candidate,
                    voix: n,
                }
            })
            .collect();
        if let Some(top) = (0..voix.len()).max_by_key(|&i| pv.voix[i].voix) {
            voix[top].voix += left;
        }
        Centaine {
            at,
            blancs: 1,
            nuls: 1,
            voix,
        }
    }

    #[test]
    fn centaines_come_first_then_the_trend_then_the_result() {
        let e = sample_commune();
        let b = &e.bureaux[0];
        let pv = sample_pv(&e, b, 3);
        let c100 = centaine_of(&pv, 100);
        let president = Actor {
            role: Role::President,
            own: true,
        };
        // No centaine yet: no trend.
        let d = Dossier::default();
        assert_eq!(
            d.step(&e, DESK, Action::PublishTrend, None),
            Err(Refused::Workflow(Refusal::NoCentaines))
        );
        // The president enters the first centaine before the PV: checked
        // against the roll, the bureau stays not arrived.
        let t = d
            .centaines(&e, b, president, vec![c100.clone()], None)
            .expect("centaines");
        assert_eq!(t.kind, EntryKind::Centaines);
        assert_eq!(t.dossier.meta.state, BureauState::NotArrived);
        let d = commit(t, 1);
        // Presidents may not publish a trend; the desk may.
        assert_eq!(
            d.step(&e, president, Action::PublishTrend, None),
            Err(Refused::Workflow(Refusal::Forbidden))
        );
        let d = commit(
            d.step(&e, DESK, Action::PublishTrend, Some(1))
                .expect("trend"),
            2,
        );
        assert_eq!(d.meta.state, BureauState::NotArrived);
        assert_eq!(d.public_trend(), Some(&c100));
        assert_eq!(d.public_state(), BureauState::NotArrived);
        // The 200th ballot: entered, the public still sees the 100 until
        // the desk publishes again.
        let c200 = centaine_of(&pv, 200);
        let d = commit(
            d.centaines(&e, b, DESK, vec![c100.clone(), c200.clone()], None)
                .expect("200"),
            3,
        );
        assert_eq!(d.public_trend().map(|c| c.at), Some(100));
        // Withdrawn (a mistake), then published again.
        assert_eq!(
            d.step(&e, president, Action::WithdrawTrend, None),
            Err(Refused::Workflow(Refusal::Forbidden))
        );
        let w = commit(d.step(&e, DESK, Action::WithdrawTrend, None).expect("w"), 4);
        assert!(w.public_trend().is_none());
        assert_eq!(w.centaines.len(), 2, "the centaines stay");
        assert_eq!(
            w.step(&e, DESK, Action::WithdrawTrend, None),
            Err(Refused::Workflow(Refusal::NoTrend))
        );
        let d = commit(w.step(&e, DESK, Action::PublishTrend, None).expect("t"), 5);
        assert_eq!(d.public_trend().map(|c| c.at), Some(200));
        // The PV comes without centaines: the stored ones are kept, and
        // checked against it.
        let input = PvSubmission {
            pv: pv.clone(),
            confirm: true,
            version: None,
            entry: 1,
            centaines: None,
        };
        let d = commit(d.enter(&e, b, DESK, input).expect("pv"), 5);
        assert_eq!(d.centaines, vec![c100.clone(), c200]);
        assert_eq!(d.meta.state, BureauState::Entered);
        assert!(
            d.public_trend().is_some(),
            "still the trend until published"
        );
        let d = commit(d.step(&e, DESK, Action::Validate, None).expect("v"), 6);
        let d = commit(d.step(&e, DESK, Action::Publish, None).expect("p"), 7);
        // The result replaces the trend, and no trend comes back over it.
        assert!(d.trend.is_none() && d.public_trend().is_none());
        assert_eq!(
            d.step(&e, DESK, Action::PublishTrend, None),
            Err(Refused::Workflow(Refusal::WrongState {
                state: BureauState::Published
            }))
        );
        // A correction sends the bureau back to entered, its result public:
        // still no trend.
        let input = PvSubmission {
            pv,
            confirm: true,
            version: None,
            entry: 1,
            centaines: Some(Vec::new()),
        };
        let d = commit(d.enter(&e, b, DESK, input).expect("c"), 8);
        assert!(d.centaines.is_empty(), "an empty list clears them");
        let d = Dossier {
            centaines: vec![c100],
            ..d
        };
        assert_eq!(
            d.step(&e, DESK, Action::PublishTrend, None),
            Err(Refused::Workflow(Refusal::ResultPublished))
        );
    }

    #[test]
    fn centaines_before_the_pv_are_bounded_by_the_roll_and_by_the_pv_after() {
        let e = sample_commune();
        let b = &e.bureaux[0];
        let pv = sample_pv(&e, b, 3);
        let d = Dossier::default();
        let mut bad = centaine_of(&pv, 100);
        bad.blancs += 1;
        match d.centaines(&e, b, DESK, vec![bad], None) {
            Err(Refused::Violations { errors, .. }) => {
                assert_eq!(errors[0].field, "centaines[100]");
                assert_eq!(errors[0].rule, crate::validate::Rule::CentaineSum);
            }
            other => panic!("refused expected: {other:?}"),
        }
        // Beyond the roll: refused, naming the roll.
        let far = (i64::from(b.inscrits) / 100 + 1) * 100;
        let mut beyond = centaine_of(&pv, 100);
        beyond.at = far;
        beyond.voix[0].voix += far - 100;
        match d.centaines(&e, b, DESK, vec![beyond], None) {
            Err(Refused::Violations { errors, .. }) => {
                assert!(
                    errors
                        .iter()
                        .any(|v| v.rule == crate::validate::Rule::CentaineStep
                            && v.message.contains("inscrits")),
                    "{errors:?}"
                );
            }
            other => panic!("refused expected: {other:?}"),
        }
        // A PV that contradicts the stored centaines is refused: more nuls
        // in the first 100 than in the whole count.
        let mut c100 = centaine_of(&pv, 100);
        let extra = pv.nuls + 1 - c100.nuls;
        c100.nuls += extra;
        let top = (0..c100.voix.len())
            .max_by_key(|&i| c100.voix[i].voix)
            .unwrap_or(0);
        assert!(c100.voix[top].voix >= extra);
        c100.voix[top].voix -= extra;
        let d = commit(
            d.centaines(&e, b, DESK, vec![c100], None)
                .expect("plausible before the PV"),
            1,
        );
        let input = PvSubmission {
            pv,
            confirm: true,
            version: None,
            entry: 1,
            centaines: None,
        };
        assert!(matches!(
            d.enter(&e, b, DESK, input),
            Err(Refused::Violations { .. })
        ));
    }

    #[test]
    fn double_entry_needs_two_equal_entries() {
        let e = sample_commune();
        let b = &e.bureaux[0];
        let a = sample_pv(&e, b, 1);
        let mut c = a.clone();
        assert_eq!(
            check_double_entry(Some(&a), None),
            Err(Refusal::SecondEntryMissing)
        );
        assert_eq!(check_double_entry(Some(&a), Some(&c)), Ok(()));
        c.voix[0].voix += 1;
        c.voix[1].voix -= 1;
        assert_eq!(
            check_double_entry(Some(&a), Some(&c)),
            Err(Refusal::EntriesDiffer {
                fields: vec!["voix[1]".into(), "voix[2]".into()]
            })
        );
    }
}
