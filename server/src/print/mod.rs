//! Printable records (PDF): what a commune prints and signs on election night.
//!
//! Three records, each in A4 portrait or A3 landscape (the two formats
//! openRésultat prints):
//!
//! - [`Record::Commune`]: the commune's participation and results, the seats
//!   of a list election, and a table of every bureau (on A3 with each
//!   candidate's voix per bureau);
//! - [`Record::Bureau`]: one bureau's participation and results;
//! - [`Record::Proclamation`]: the formal *proclamation des résultats*
//!   (election, date, inscrits, votants, blancs, nuls, exprimés, each
//!   candidate or list with voix and %, seats for list elections) with room
//!   for the signatures of the bureau centralisateur.
//!
//! The layout ([`layout`], [`records`]) lays every page out as a list of
//! positioned text, lines and boxes ([`Op`]), measured with the real glyph
//! widths of the embedded font so that nothing overflows its column (long
//! names are shortened with an ellipsis), breaks tables across pages with
//! their header repeated, and only then [`pdf`] writes the PDF with printpdf.
//! The font ([`font`]) is DejaVu Sans, vendored in `web/fonts/` (its licence
//! beside it) and compiled in, so French text renders the same on every
//! machine and the binary reads no system path; bold is the same font filled
//! and stroked. The figures are the
//! [`election_data::formats::ResultsFile`] the caller passes (the
//! exports give the published ones, or every entry for the desk), and the
//! seats those of [`election_data::seats::for_election`], as everywhere else.
//!
//! A PDF is not byte-stable: it carries its edition time and a random
//! document identifier. Its SHA-256 is sent with it and audited like the
//! other exports.

pub mod documents;
mod font;
mod layout;
mod pdf;
mod records;

pub use layout::Op;
pub use pdf::render;
pub use records::layout;

/// Paper format and orientation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    /// A4 portrait, 210 × 297 mm.
    A4,
    /// A3 landscape, 420 × 297 mm.
    A3,
}

impl Paper {
    pub fn parse(s: &str) -> Option<Paper> {
        match s.to_ascii_lowercase().as_str() {
            "a4" => Some(Paper::A4),
            "a3" => Some(Paper::A3),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Paper::A4 => "a4",
            Paper::A3 => "a3",
        }
    }

    /// Width and height in millimetres.
    pub(super) fn size(self) -> (f32, f32) {
        match self {
            Paper::A4 => (210.0, 297.0),
            Paper::A3 => (420.0, 297.0),
        }
    }

    /// Base font size in points.
    pub(super) fn base(self) -> f32 {
        match self {
            Paper::A4 => 9.5,
            Paper::A3 => 11.0,
        }
    }
}

/// Which record to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    Commune,
    Bureau(String),
    Proclamation,
}

impl Record {
    /// The name in file names and in the audit log.
    pub fn name(&self) -> String {
        match self {
            Record::Commune => "commune".to_string(),
            Record::Bureau(code) => format!("bureau-{code}"),
            Record::Proclamation => "proclamation".to_string(),
        }
    }
}

/// Why a record cannot be printed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrintError {
    #[error("bureau inconnu : {0}")]
    UnknownBureau(String),
    #[error("le bureau {0} n'a pas encore de résultats")]
    NotCounted(String),
    #[error("écriture du PDF impossible : {0}")]
    Pdf(String),
    /// A commune's record of a territory whose communes elect each their
    /// own council: the territory as a whole has no such record.
    #[error("chaque commune de ce territoire élit son conseil : précisez la commune (code INSEE)")]
    NeedsCommune,
    #[error("commune inconnue dans ce territoire : {0}")]
    UnknownCommune(String),
}
