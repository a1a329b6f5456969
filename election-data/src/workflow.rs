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
//! the public reads. This module names the roles, the actions and the
//! refusals; the table itself, [`authorize`], lives with the transitions it
//! guards in [`crate::bureau`] (re-exported here).

use serde::{Deserialize, Serialize};

pub use crate::bureau::authorize;
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
