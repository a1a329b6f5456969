//! The catalogue of the town hall's secondary modules (openScrutin, openElec,
//! openCourrier, openCimetière),
//! declared for the module engine (`module-engine`): each module is a declaration (entities,
//! fields, rules, rights, saved queries) plus the pure business rules that
//! look at whole data sets, which the server calls after loading the rows.
//!
//! It is a crate of its own so that the declarations and their rules are
//! built and tested without the server; like the engine it is pure (no IO,
//! no async). [`all`] is what the server hands to `module_engine::Catalog`.

pub mod date;
// `#[macro_use]`: openScrutin's `choices!` (an enum of a declaration and
// its table of codes) serves the modules declared after it.
#[macro_use]
pub mod scrutin;
pub mod cimetiere;
pub mod courrier;
pub mod elec;

/// Every module of the catalogue, in menu order.
pub fn all() -> Vec<module_engine::Module> {
    vec![
        scrutin::module(),
        elec::module(),
        courrier::module(),
        cimetiere::module(),
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_catalogue_is_accepted_by_the_engine() {
        let catalog = module_engine::Catalog::new(super::all());
        assert!(catalog.is_ok(), "{:?}", catalog.err());
    }
}
