//! The screens a module has beyond the engine's lists and forms (openScrutin's
//! completeness board…): the links the module's home shows.

use module_engine::Module;

/// (address, label) of each of the module's own screens.
pub fn links(m: &Module) -> Vec<(String, String)> {
    match m.name {
        _ => Vec::new(),
    }
}
