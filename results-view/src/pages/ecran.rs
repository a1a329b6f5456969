//! The town-hall big screen, `/elections/{id}/ecran`.
//!
//! A full-screen page meant for a projector seen from ten metres: a header
//! with the election and "N bureaux sur M", the commune's totals in large
//! type, and a rotating panel through the bureaux that have arrived (newest
//! first), or through the turnout readings of the day before any result,
//! then through the early trends of the bureaux not yet published (each
//! marked « tendance sur les N premiers bulletins », see [`super::trend`]).
//! A bureau slide shows every candidate, up to [`PER_SLIDE`]; beyond, the
//! bureau takes several slides in turn, the first saying « et N autres ».
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

/// Candidates shown on one bureau slide: as many rows as the commune's
/// totals beside it show in the same type. A bureau with more candidates
/// takes several slides.
pub const PER_SLIDE: usize = 12;

/// The slides (pages) of `n` candidates: `(first, count)` of each.
fn pages(n: usize) -> Vec<(usize, usize)> {
    (0..n.max(1))
        .step_by(PER_SLIDE)
        .map(|first| (first, PER_SLIDE.min(n.saturating_sub(first))))
        .collect()
}

/// The data-code of a bureau's slide `page` (the first is the bare code,
/// which `web/ecran.js` jumps to when the bureau is published).
fn slide_code(code: &str, page: usize) -> String {
    if page == 0 {
        code.to_string()
    } else {
        format!("{code}~{}", page + 1)
    }
}

fn score_rows(c: &Ctx<'_>, t: &Tally, (skip, limit): (usize, usize), live_cells: bool) -> Markup {
    let e: &Election = c.e;
    let max = max_share(&t.scores);
    html! {
        @for s in t.ranking().iter().skip(skip).take(limit) {
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
/// The first [`PER_SLIDE`] candidates, and « et N autres » beyond (the
/// bureaux' slides show them all in turn; the pages list them all).
fn totals(c: &Ctx<'_>, root: &str, t: &Tally) -> Markup {
    let x = c.t;
    let results = !c.embargo && t.arrived > 0;
    // Its own ballot: none for a territory whose lists stand commune by commune.
    let n = t.scores.len();
    html! {
        section.totals #totals data-refresh="" aria-labelledby="h-totals" data-tally={ "p:" (root) } {
            h2 #h-totals { @if c.e.is_territory() { (x.screen_territory) } @else { (x.screen_commune) } }
            @if results {
                p.turnout-line {
                    (x.participation) " " strong data-f="participation" { (c.pct(t.rates.participation)) }
                }
                @if n == 0 && c.e.has_commune_lists() {
                    // Each commune its own lists: its leading list instead.
                    (communes_rows(c, root))
                } @else {
                    table.big-scores {
                        caption.visually-hidden { (x.scores_caption) }
                        (scores_head(c))
                        tbody data-f="scores" data-scale="max" { (score_rows(c, t, (0, PER_SLIDE), true)) }
                    }
                }
                @if n > PER_SLIDE {
                    p.more { (c.lang.trend().and_more[0]) (n - PER_SLIDE) (c.lang.trend().and_more[1]) }
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

/// A territory whose communes elect each their own council: each commune's
/// leading list, its share and its provisional seats.
fn communes_rows(c: &Ctx<'_>, root: &str) -> Markup {
    let x = c.t;
    html! {
        table.big-scores.by-commune {
            caption { (x.by_commune) }
            thead { tr {
                th scope="col" { (c.lang.perimeter_kind(election_data::PerimeterKind::Commune)) }
                th scope="col" { (x.leader) }
                th.num scope="col" { (x.pct_exprimes) }
                th.num.voix scope="col" { (x.council_seats) }
            } }
            tbody {
                @for m in super::view::commune_leads(c, root) {
                    tr data-perimeter=(m.commune.code) {
                        th scope="row" { (m.commune.name) " " span.more-of { (m.tally.arrived) " / " (m.tally.total) } }
                        td { @if let Some((l, _)) = m.lead { span.swatch style={ "background:" (l.colour) } {} (l.name) } }
                        td.num { (c.pct(m.lead.and_then(|(_, s)| s.pct_exprimes))) }
                        td.num.voix { @if let (Some(s), Some((l, _))) = (m.seats.as_ref(), m.lead) { (s.council.seats_of(l.number)) " / " (s.council.total) } }
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
    let members = live.aggregator.members(root).to_vec();
    let trends = super::trend::trends_of(c, &members);
    let w = c.lang.trend();
    let turnout_slides = !results && t.turnout.iter().any(|p| p.bureaux > 0);
    html! {
        section.rotation #slides data-refresh="" aria-roledescription="carousel" aria-label=(x.bureaux) {
            @if results {
                @for (i, (code, _)) in arrived.iter().enumerate() {
                    @if let (Some(b), Some(bt)) = (c.e.bureau(code), live.public.bureaux.get(*code)) {
                        @let n = bt.scores.len();
                        @for (page, (first, count)) in pages(n).into_iter().enumerate() {
                            article.slide.current[i == 0 && page == 0] data-code=(slide_code(code, page)) aria-roledescription="slide" {
                                h2 {
                                    span.code { (c.e.bureau_number(b)) } " " (b.name)
                                    @if let Some(m) = c.e.commune_of(b).filter(|_| c.e.is_territory()) { " — " (m.name) }
                                    @if page > 0 { " " span.more-of { "(" (w.continued) ", " (first + 1) "–" (first + count) " / " (n) ")" } }
                                }
                                p.turnout-line { (x.participation) " " strong { (c.pct(bt.rates.participation)) } }
                                table.big-scores {
                                    (scores_head(c))
                                    tbody { (score_rows(c, bt, (first, count), false)) }
                                }
                                @if page == 0 && n > count {
                                    p.more { (w.and_more[0]) (n - count) (w.and_more[1]) }
                                }
                            }
                        }
                    }
                }
            } @else if turnout_slides {
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
            } @else if trends.is_empty() {
                article.slide.current data-code="waiting" {
                    h2 { (x.screen_waiting) }
                    p.sub { (c.e.label) " — " (date_l(&c.e.date, c.lang)) }
                }
            }
            // The early trends of the bureaux not yet published, after the
            // results (or first, before any result or turnout).
            @for (i, (b, trend)) in trends.iter().enumerate() {
                @let first = i == 0 && !results && !turnout_slides;
                article.slide.trend-slide.current[first] data-code={ "t-" (b.code) } aria-roledescription="slide" {
                    h2 { span.code { (c.e.bureau_number(b)) } " " (b.name) @if let Some(m) = c.e.commune_of(b).filter(|_| c.e.is_territory()) { " — " (m.name) } }
                    p.trend-badge { (super::trend::label(c, trend.at)) }
                    (super::trend::table(c, &super::trend::sum(c, &[*trend]), true))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::BureauLive;
    use election_data::fixtures::{large_territory, sample_commune, sample_pv};

    fn published(e: Election, n: usize) -> LiveElection {
        let rows: Vec<_> = e
            .bureaux
            .iter()
            .take(n)
            .enumerate()
            .map(|(i, b)| {
                let pv = sample_pv(&e, b, i as u64);
                let mut d = BureauLive::default();
                d.meta.state = BureauState::Published;
                d.meta.updated_at = i as i64;
                d.record.pv = Some(pv.clone());
                d.published = Some(pv);
                (b.code.clone(), d)
            })
            .collect();
        LiveElection::restore(e, 1, rows)
    }

    /// The candidates' rows of the slide `code`.
    fn rows_of(html: &str, code: &str) -> usize {
        let start = html
            .find(&format!("data-code=\"{code}\""))
            .expect("the slide");
        let end = html[start..]
            .find("</article>")
            .map_or(html.len(), |e| start + e);
        html[start..end].matches("<th scope=\"row\">").count()
    }

    #[test]
    fn every_candidate_of_a_bureau_is_on_its_slide() {
        let e = sample_commune();
        let code = e.bureaux[0].code.clone();
        let live = published(e, 1);
        let html = ecran(&live, Lang::Fr, 0).expect("page").into_string();
        assert_eq!(rows_of(&html, &code), 12);
        assert!(!html.contains("class=\"more\""), "no « et N autres »");
        assert!(!html.contains(&format!("data-code=\"{code}~2\"")));
    }

    #[test]
    fn a_bureau_with_more_candidates_takes_several_slides() {
        let e = large_territory(3, 20);
        let code = e.bureaux[0].code.clone();
        let live = published(e, 1);
        for (lang, more) in [(Lang::Fr, "et 8 autres"), (Lang::En, "and 8 more")] {
            let html = ecran(&live, lang, 0).expect("page").into_string();
            assert_eq!(rows_of(&html, &code), PER_SLIDE);
            assert_eq!(rows_of(&html, &format!("{code}~2")), 20 - PER_SLIDE);
            // The commune's totals beside them say it too.
            let totals = html
                .split("id=\"totals\"")
                .nth(1)
                .and_then(|t| t.split("</section>").next())
                .unwrap_or("");
            assert_eq!(totals.matches("<th scope=\"row\">").count(), PER_SLIDE);
            assert!(totals.contains(more), "{totals}");
            assert!(
                html.contains(&format!("<p class=\"more\">{more}</p>")),
                "{html}"
            );
            // The first page is the one on screen without the script.
            assert!(html.contains(&format!(
                "<article class=\"slide current\" data-code=\"{code}\""
            )));
        }
        assert_eq!(pages(20), vec![(0, 12), (12, 8)]);
        assert_eq!(pages(12), vec![(0, 12)]);
        assert_eq!(pages(25), vec![(0, 12), (12, 12), (24, 1)]);
    }
}
