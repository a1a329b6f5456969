//! The town-hall big screen, `/elections/{id}/ecran`.
//!
//! A full-screen page meant for a projector seen from ten metres: a header
//! with the election and "N bureaux sur M", the commune's totals in large
//! type, and a rotating panel through the bureaux that have arrived (newest
//! first), or through the turnout readings of the day before any result.
//! Like every public page it is a pure function of the live state, rendered
//! once per change and complete on its own: the first slide is visible in
//! the HTML, so the screen is never blank, even before the scripts run.
//! `web/live.js` keeps the figures current over the WebSocket and swaps the
//! `data-refresh` regions after each change; `web/ecran.js` only rotates
//! (period from `?periode=N`, in seconds) and jumps to a bureau that just
//! arrived.

use election_data::model::Election;
use election_data::tally::{BureauState, Tally};
use maud::{DOCTYPE, Markup, html};

use super::format::{bar_scaled, date_l, max_share};
use super::head::{asset_url, head};
use super::i18n::Lang;
use super::view::{Ctx, Page, banner};
use crate::live::LiveElection;

/// Seconds each slide stays on screen unless `?periode=` says otherwise.
pub const DEFAULT_PERIOD: u32 = 8;

/// Candidates shown per bureau slide.
const TOP: usize = 8;

fn score_rows(c: &Ctx<'_>, t: &Tally, limit: usize, live_cells: bool) -> Markup {
    let e: &Election = c.e;
    let max = max_share(&t.scores);
    html! {
        @for s in t.ranking().iter().take(limit) {
            @if let Some(cand) = e.candidate(s.candidate) {
                @if live_cells {
                    tr data-cand=(cand.number) data-voix=(s.voix) {
                        th scope="row" { span.swatch style={ "background:" (cand.colour) } {} (cand.name) }
                        td.barcell aria-hidden="true" { span.bar data-f="bar" style={ "width:" (bar_scaled(s.pct_exprimes, max)) "%;background:" (cand.colour) } {} }
                        td.num data-f="pct" { (c.pct(s.pct_exprimes)) }
                        td.num.voix data-f="voix" { (c.int(s.voix)) }
                    }
                } @else {
                    tr {
                        th scope="row" { span.swatch style={ "background:" (cand.colour) } {} (cand.name) }
                        td.barcell aria-hidden="true" { span.bar style={ "width:" (bar_scaled(s.pct_exprimes, max)) "%;background:" (cand.colour) } {} }
                        td.num { (c.pct(s.pct_exprimes)) }
                        td.num.voix { (c.int(s.voix)) }
                    }
                }
            }
        }
    }
}

fn scores_head(c: &Ctx<'_>) -> Markup {
    html! {
        thead { tr {
            th scope="col" { (c.candidate_word()) }
            td {}
            th.num scope="col" { (c.t.pct_exprimes) }
            th.num.voix scope="col" { (c.t.voix) }
        } }
    }
}

/// The commune's totals: results once any bureau arrived, turnout before.
fn totals(c: &Ctx<'_>, root: &str, t: &Tally) -> Markup {
    let x = c.t;
    let results = !c.embargo && t.arrived > 0;
    html! {
        section.totals #totals data-refresh="" aria-labelledby="h-totals" data-tally={ "p:" (root) } {
            h2 #h-totals { @if c.e.is_territory() { (x.screen_territory) } @else { (x.screen_commune) } }
            @if results {
                p.turnout-line {
                    (x.participation) " " strong data-f="participation" { (c.pct(t.rates.participation)) }
                }
                table.big-scores {
                    caption.visually-hidden { (x.scores_caption) }
                    (scores_head(c))
                    tbody data-f="scores" data-scale="max" { (score_rows(c, t, usize::MAX, true)) }
                }
            } @else {
                @if c.embargo { p.embargo { (x.embargo[0]) (x.embargo[1]) } }
                @if t.turnout.is_empty() {
                    p.waiting { (x.screen_waiting) }
                } @else {
                    table.big-turnout {
                        caption { (x.turnout_day) }
                        thead { tr { th scope="col" { (x.hour) } th.num scope="col" { (x.rate) } th.num scope="col" { (x.stations) } } }
                        tbody {
                            @for p in &t.turnout {
                                tr data-hour=(p.hour) {
                                    th scope="row" { (p.hour) }
                                    td data-f="t-rate" { (c.pct(p.rate)) }
                                    td data-f="t-bureaux" { (p.bureaux) " / " (t.total) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The rotating panel: one slide per arrived bureau, newest first; before
/// any result, one slide per turnout hour with each area's figure.
fn slides(c: &Ctx<'_>, root: &str, t: &Tally) -> Markup {
    let x = c.t;
    let live = c.live;
    let mut arrived: Vec<(&str, i64)> = live
        .bureaux
        .iter()
        .filter(|(_, b)| b.public_state() == BureauState::Published)
        .map(|(code, b)| (code.as_str(), b.meta.updated_at))
        .collect();
    arrived.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let results = !c.embargo && !arrived.is_empty();
    let areas = c.e.children(root);
    let mode = if results {
        super::map::Mode::Leader
    } else {
        super::map::Mode::Participation
    };
    let map = results || t.turnout.iter().any(|p| p.bureaux > 0);
    html! {
        section.rotation #slides data-refresh="" aria-roledescription="carousel" aria-label=(x.bureaux) {
            @if results {
                @for (i, (code, _)) in arrived.iter().enumerate() {
                    @if let (Some(b), Some(bt)) = (c.e.bureau(code), live.public.bureaux.get(*code)) {
                        article.slide.current[i == 0] data-code=(code) aria-roledescription="slide" {
                            h2 {
                                span.code { (c.e.bureau_number(b)) } " " (b.name)
                                @if let Some(m) = c.e.commune_of(b).filter(|_| c.e.is_territory()) { " — " (m.name) }
                            }
                            p.turnout-line { (x.participation) " " strong { (c.pct(bt.rates.participation)) } }
                            table.big-scores {
                                (scores_head(c))
                                tbody { (score_rows(c, bt, TOP, false)) }
                            }
                        }
                    }
                }
            } @else if t.turnout.iter().any(|p| p.bureaux > 0) {
                @for (i, p) in t.turnout.iter().enumerate() {
                    article.slide.current[i == 0] data-code={ "h-" (p.hour) } aria-roledescription="slide" {
                        h2 { (x.screen_turnout_at) " " (p.hour) }
                        p.huge { (c.pct(p.rate)) }
                        p.sub { (x.of_registered) " — " (p.bureaux) " / " (t.total) " " (x.stations.to_lowercase()) }
                        @if !areas.is_empty() {
                            table.big-turnout {
                                tbody {
                                    @for a in &areas {
                                        @if let Some(at) = live.public.perimeters.get(&a.code) {
                                            @if let Some(ap) = at.turnout.get(i) {
                                                tr {
                                                    th scope="row" { (c.lang.perimeter_kind(a.kind)) " " (a.name) }
                                                    td { (c.pct(ap.rate)) }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            } @else {
                article.slide.current data-code="waiting" {
                    h2 { (x.screen_waiting) }
                    p.sub { (c.e.label) " — " (date_l(&c.e.date, c.lang)) }
                }
            }
            @if map {
                // The map of the night, last in the rotation.
                article.slide.map-slide data-code="map" aria-roledescription="slide" {
                    h2 { (match mode { super::map::Mode::Leader => x.map_leader, super::map::Mode::Participation => x.map_participation }) }
                    (maud::PreEscaped(super::map::svg(c, &[], mode, "ecran-map")))
                    (super::map::legend(c, &[], mode, "ecran-map"))
                }
            }
            p.slide-count aria-hidden="true" {}
        }
    }
}

/// The big screen page.
pub fn ecran(live: &LiveElection, lang: Lang, now: i64) -> Option<Markup> {
    let c = Ctx::new(live, lang, now);
    let e = c.e;
    let x = c.t;
    let root = e.root()?;
    let raw = live.public.perimeters.get(&root.code)?;
    let t = c.visible(raw);
    let switch = Page::Ecran.path(&e.id, lang.other());
    Some(html! {
        (DOCTYPE)
        html lang=(lang.code()) class="ecran" {
            (head(&format!("{} — {} — Urne", e.label, x.nav_screen), html! {}, html! {
                link rel="alternate" hreflang=(lang.other().code()) href=(switch);
                script src=(asset_url("live.js")) defer {}
                script src=(asset_url("ecran.js")) defer {}
                noscript { meta http-equiv="refresh" content="30"; }
            }))
            body.ecran {
                main #contenu.ecran data-election=(e.id) data-seq=(live.seq) data-embargo=(c.embargo)
                    data-lang=(lang.code()) data-period=(DEFAULT_PERIOD) data-jitter="0" {
                    header.ecran-head {
                        div.ecran-title {
                            h1 { (e.label) }
                            p { (root.name) " — " (date_l(&e.date, lang)) }
                        }
                        (banner(x, &root.code, raw))
                        button.fullscreen type="button" hidden { (x.screen_fullscreen) }
                        span.live data-live-status="" data-offline=(x.offline) aria-live="polite" { (x.live) }
                    }
                    div.ecran-body {
                        div.ecran-left {
                            (totals(&c, &root.code, &t))
                            (super::view::seats_section(&c, true))
                        }
                        (slides(&c, &root.code, &t))
                    }
                }
                (super::view::candidates_json(e))
                (super::view::live_state(&c))
            }
        }
    })
}
