//! Urne's module engine: the town hall's other applications (openScrutin,
//! openElec…) declared as data, in the spirit of the openMairie framework.
//!
//! A module declares its entities ([`schema`]); from that declaration the
//! engine reads and checks records from forms and JSON ([`value`],
//! [`validate`]), writes the SQL of their tables and queries on both
//! databases ([`sql`]), lays out exports ([`export`]) and checks attached
//! files by their content ([`attachment`]) and speaks French or English
//! ([`i18n`]). The server wires
//! the IO around it (repositories on the caller's transaction, the audit
//! log, the desk's screens, the API). Like `election-data`, this crate is
//! pure: no IO, no async.

pub mod attachment;
pub mod export;
pub mod i18n;
pub mod import;
pub mod schema;
pub mod sql;
pub mod validate;
pub mod value;

pub use attachment::Attachments;
pub use i18n::Lang;
pub use schema::{
    Action, Entity, Field, Kind, Letter, Module, Numbering, Right, Rights, SavedQuery, States,
};
pub use validate::{FieldError, Record};
pub use value::Value;

/// The modules an installation can switch on, checked once.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    modules: Vec<Module>,
}

impl Catalog {
    /// A catalogue of `modules`, or every problem of their declarations.
    pub fn new(modules: Vec<Module>) -> Result<Catalog, Vec<String>> {
        let mut problems: Vec<String> = modules.iter().flat_map(Module::check).collect();
        for (i, m) in modules.iter().enumerate() {
            if modules[..i].iter().any(|o| o.name == m.name) {
                problems.push(format!("module {} declared twice", m.name));
            }
        }
        if problems.is_empty() {
            Ok(Catalog { modules })
        } else {
            Err(problems)
        }
    }

    pub fn modules(&self) -> &[Module] {
        &self.modules
    }

    pub fn module(&self, name: &str) -> Option<&Module> {
        self.modules.iter().find(|m| m.name == name)
    }
}
