//! The night's workflow of a bureau and who may move it.
//!
//! A bureau goes not arrived → entered → validated → published. A correction
//! is a new entry: it sends a validated or published bureau back to entered,
//! and the public keeps seeing the last published figures until the desk
//! publishes again. With double entry, the PV is typed twice independently;
//! the bureau can be validated only when both entries are identical.
//!
//! Roles: the desk may do everything on every bureau; a bureau president may
//! enter only their own bureaux and only until the desk has validated them;
//! the public reads. These rules are pure so the server, the forms and the
//! authorization test all use the very same table.

use serde::{Deserialize, Serialize};

use crate::model::ProcesVerbal;
use crate::tally::BureauState;

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
        }
    }

    /// True when the refusal is about permissions rather than the bureau's state.
    pub fn is_permission(&self) -> bool {
        matches!(self, Refusal::Forbidden | Refusal::NotYourBureau)
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
            if !matches!(action, Action::Enter | Action::Turnout) {
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
        Action::Turnout => Ok(state),
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
