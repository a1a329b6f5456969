//! What the parts of every public page share: the page addresses
//! ([`Page`], one per URL, language apart) and the rendering context
//! ([`Ctx`]: the election, the language and its words, the one embargo
//! filter at the instant rendered). Apart from [`super::view`] so that the
//! pieces a page is built of (the map, the big screen) use it without
//! depending on the pages that show them.

use election_data::model::Election;
use election_data::tally::Tally;

use super::format::{int_l, pct_l};
use super::i18n::{Lang, Text};
use crate::live::{LiveElection, PublicView};

/// A public page, as addressed by its URL (language apart).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Page {
    Home,
    Commune,
    Participation,
    Perimeter(String),
    Bureau(String),
    Candidate(u32),
    Ecran,
    Map,
}

impl Page {
    /// The page's path in `lang` (`election` is ignored for the home page).
    pub fn path(&self, election: &str, lang: Lang) -> String {
        let p = lang.prefix();
        match self {
            Page::Home => format!("{p}/"),
            Page::Commune => format!("{p}/elections/{election}"),
            Page::Participation => format!("{p}/elections/{election}/participation"),
            Page::Perimeter(c) => format!("{p}/elections/{election}/perimetres/{c}"),
            Page::Bureau(c) => format!("{p}/elections/{election}/bureaux/{c}"),
            Page::Candidate(n) => format!("{p}/elections/{election}/candidats/{n}"),
            Page::Ecran => format!("{p}/elections/{election}/ecran"),
            Page::Map => format!("{p}/elections/{election}/carte"),
        }
    }

    /// Every page of an election.
    pub fn all_of(e: &Election) -> Vec<Page> {
        let mut v = vec![Page::Commune, Page::Participation, Page::Map, Page::Ecran];
        v.extend(e.perimeters.iter().map(|p| Page::Perimeter(p.code.clone())));
        v.extend(e.bureaux.iter().map(|b| Page::Bureau(b.code.clone())));
        v.extend(e.candidates.iter().map(|c| Page::Candidate(c.number)));
        v
    }
}

/// What every part of an election page needs.
pub struct Ctx<'a> {
    pub live: &'a LiveElection,
    pub e: &'a Election,
    pub lang: Lang,
    pub t: &'static Text,
    /// What the public may see at `now` (the one embargo filter).
    pub view: PublicView<'a>,
    /// True while the public may see participation only.
    pub embargo: bool,
    /// The instant the page is rendered for (milliseconds since the epoch).
    pub now: i64,
}

impl<'a> Ctx<'a> {
    pub fn new(live: &'a LiveElection, lang: Lang, now: i64) -> Ctx<'a> {
        let view = live.public_view(now);
        Ctx {
            live,
            e: &live.election,
            lang,
            t: lang.text(),
            view,
            embargo: view.embargo,
            now,
        }
    }

    pub fn url(&self, page: &Page) -> String {
        page.path(&self.e.id, self.lang)
    }

    pub fn int(&self, n: u64) -> String {
        int_l(n, self.lang)
    }

    pub fn pct(&self, p: Option<election_data::Percent>) -> String {
        pct_l(p, self.lang)
    }

    /// The tally the public may see now.
    pub fn visible(&self, t: &Tally) -> Tally {
        self.view.tally(t).into_owned()
    }

    pub fn root_code(&self) -> Option<&'a str> {
        self.e.root().map(|r| r.code.as_str())
    }

    /// The public tally of the commune.
    pub fn root(&self) -> Option<Tally> {
        self.live.public_root_tally().map(|t| self.visible(t))
    }

    /// A list ballot (municipales, européennes…) rather than candidates.
    pub fn list_election(&self) -> bool {
        self.e.kind.is_list()
    }

    /// "Candidat" or "Liste".
    pub fn candidate_word(&self) -> &'static str {
        if self.list_election() {
            self.t.list
        } else {
            self.t.candidate
        }
    }
}
