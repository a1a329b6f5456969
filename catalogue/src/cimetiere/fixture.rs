//! Fixture (in progress).
#[derive(Debug, Clone, Default)]
pub struct Fixture {}
