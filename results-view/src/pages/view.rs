//! The public results pages as pure functions of the live state.
//!
//! Every function here takes a [`LiveElection`] (or several, for the home
//! page), a language and the current time, and returns the whole page: no
//! axum type, no IO, no lock. The handlers in [`super`] call them once per
//! change and cache the bytes; the static fallback writes them to disk; the
//! kiosk can call them on its mirrored state.
//!
//! Pages are complete without JavaScript. For live updates they carry data
//! attributes that `web/live.js` understands: `data-banner` (the "N bureaux
//! sur M" line of a perimeter), `data-tally="p:CODE"` / `"b:CODE"` (a region
//! whose `data-f` cells show that tally), `tr[data-bureau]` rows of the
//! bureaux table, and `data-refresh` regions that the script replaces by
//! re-fetching the (cached) page after a change — tables and charts too
//! rich to patch by hand.

use election_data::model::{Candidate, Election, Perimeter};
use election_data::seats::Allocation;
use election_data::tally::{BureauState, Score, Tally};
use election_data::tally_delta::TallyDelta;
use maud::{DOCTYPE, Markup, PreEscaped, html};

pub use super::ctx::{Ctx, Page};
use super::format::{bar_scaled, date_l, max_share};
use super::head::{asset_url, head};
use super::i18n::{Lang, Text};
use crate::charts;
use crate::live::LiveElection;

/// The live-update wiring of a page, set on `<main>`.
pub struct Live<'a> {
    pub election: &'a str,
    pub seq: i64,
    pub embargo: bool,
}

/// The frame of every public page. `switch` is the same page in the other
/// language; `live` ties it to an election's updates.
pub fn layout(
    lang: Lang,
    title: &str,
    switch: &str,
    live: Option<Live<'_>>,
    content: Markup,
) -> Markup {
    let t = lang.text();
    let other = lang.other();
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (head(&format!("{title} — Urne"), html! {}, html! {
                link rel="alternate" hreflang=(other.code()) href=(switch);
                @if live.is_some() {
                    script src=(asset_url("live.js")) defer {}
                    noscript { meta http-equiv="refresh" content="60"; }
                }
            }))
            body {
                a.skip href="#contenu" { (t.skip) }
                header.site {
                    a.brand href={ (lang.prefix()) "/" } { "Urne" }
                    span.tagline { (t.tagline) }
                    @if live.is_some() {
                        span.live data-live-status="" data-offline=(t.offline) aria-live="polite" { (t.live) }
                    }
                    a.lang href=(switch) hreflang=(other.code()) lang=(other.code()) { (t.switch) }
                }
                @match &live {
                    Some(l) => {
                        main #contenu data-election=(l.election) data-seq=(l.seq) data-embargo=(l.embargo) data-lang=(lang.code()) {
                            (content)
                        }
                    }
                    None => { main #contenu { (content) } }
                }
                footer.site {
                    p { (t.footer) }
                }
            }
        }
    }
}

/// The frame of an election page.
fn election_layout(c: &Ctx<'_>, page: &Page, title: &str, content: Markup) -> Markup {
    let switch = page.path(&c.e.id, c.lang.other());
    layout(
        c.lang,
        title,
        &switch,
        Some(Live {
            election: &c.e.id,
            seq: c.live.seq,
            embargo: c.embargo,
        }),
        html! {
            (content)
            (candidates_json(c.e))
            (live_state(c))
        },
    )
}

/// The integers of every public tally at the page's sequence number, as a
/// full delta (`docs/feed.md`), with the set hours: what the live script
/// applies each delta frame to. Percentages are not in it: the script
/// computes them as the server does.
pub fn live_state(c: &Ctx<'_>) -> Markup {
    let live = c.live;
    let state = crate::protocol::Delta {
        election: std::borrow::Cow::Borrowed(&c.e.id),
        from: 0,
        seq: live.seq,
        embargo: c.embargo,
        bureaux: live
            .public
            .bureaux
            .iter()
            .map(|(code, t)| {
                let b = live.bureaux.get(code);
                (
                    code.clone(),
                    crate::protocol::DeltaBureau {
                        state: b.map_or(election_data::tally::BureauState::NotArrived, |b| {
                            b.public_state()
                        }),
                        version: b.map_or(0, |b| b.meta.version),
                        tally: TallyDelta::full(&c.view.tally(t)),
                        // Trends are redrawn by the page refresh, not patched.
                        trend: None,
                    },
                )
            })
            .collect(),
        perimeters: live
            .public
            .perimeters
            .iter()
            .map(|(code, t)| (code.clone(), TallyDelta::full(&c.view.tally(t))))
            .collect(),
    };
    let mut json = serde_json::json!({ "hours": c.e.turnout_hours, "state": state });
    // Lists standing commune by commune: which candidates each tally holds.
    if c.e.has_commune_lists() {
        let numbers = |t: &Tally| t.scores.iter().map(|s| s.candidate).collect::<Vec<_>>();
        let of = |m: &std::collections::BTreeMap<String, Tally>| {
            m.iter()
                .map(|(code, t)| (code.clone(), numbers(t)))
                .collect::<std::collections::BTreeMap<_, _>>()
        };
        json["ballots"] =
            serde_json::json!({ "b": of(&live.public.bureaux), "p": of(&live.public.perimeters) });
    }
    let json = serde_json::to_string(&json)
        .unwrap_or_else(|_| "null".into())
        .replace("</", "<\\/");
    html! { script #urne-state type="application/json" { (PreEscaped(json)) } }
}

/// "Résultats provisoires — N bureaux sur M" for a perimeter.
pub fn banner(t: &Text, code: &str, tally: &Tally) -> Markup {
    let complete = tally.is_complete();
    let width = (tally.arrived * 100).checked_div(tally.total).unwrap_or(0);
    html! {
        p.status.complete[complete].partial[!complete] data-banner=(code) data-f="status" aria-live="polite" {
            span data-f="status-label" data-partial=(t.partial) data-complete=(t.complete) {
                @if complete { (t.complete) } @else { (t.partial) }
            }
            " — "
            (t.counted[0]) strong data-f="arrived" { (tally.arrived) } (t.counted[1]) span data-f="total" { (tally.total) } (t.counted[2])
            span.progress aria-hidden="true" { span data-f="progress" style={ "width:" (width) "%" } {} }
        }
    }
}

fn root_banner(c: &Ctx<'_>) -> Markup {
    match (c.root_code(), c.live.public_root_tally()) {
        (Some(code), Some(t)) => banner(c.t, code, t),
        _ => html! {},
    }
}

fn nav(c: &Ctx<'_>, current: &Page) -> Markup {
    let items = [
        (Page::Commune, c.t.nav_results),
        (Page::Participation, c.t.nav_participation),
        (Page::Map, c.t.nav_map),
        (Page::Ecran, c.t.nav_screen),
    ];
    html! {
        nav.tabs aria-label=(c.t.nav) {
            ul {
                @for (p, label) in &items {
                    li {
                        @if p == current {
                            a href=(c.url(p)) aria-current="page" { (label) }
                        } @else {
                            a href=(c.url(p)) { (label) }
                        }
                    }
                }
                li { a href={ "/api/elections/" (c.e.id) "/feed" } type="application/json" { (c.t.nav_feed) } }
            }
        }
    }
}

fn heading(c: &Ctx<'_>, sub: Markup) -> Markup {
    html! {
        hgroup {
            h1 { (c.e.label) }
            p.sub { (sub) }
        }
    }
}

fn figures(c: &Ctx<'_>, t: &Tally) -> Markup {
    let x = c.t;
    let n = &t.counts;
    let r = &t.rates;
    html! {
        section.figures aria-labelledby="h-participation" {
            h2 #h-participation { (x.participation) }
            table.figures {
                thead { tr { td {} th.num scope="col" { (x.number) } th.num scope="col" { (x.pct_inscrits) } th.num scope="col" { (x.pct_votants) } } }
                tbody {
                    tr { th scope="row" { (x.inscrits) } td data-f="inscrits" { (c.int(n.inscrits)) } td {} td {} }
                    tr.key { th scope="row" { (x.votants) } td data-f="votants" { (c.int(n.votants)) } td data-f="participation" { (c.pct(r.participation)) } td {} }
                    tr { th scope="row" { (x.abstentions) } td data-f="abstentions" { (c.int(n.abstentions)) } td data-f="abstention" { (c.pct(r.abstention)) } td {} }
                    tr { th scope="row" { (x.blancs) } td data-f="blancs" { (c.int(n.blancs)) } td data-f="blancs_inscrits" { (c.pct(r.blancs_inscrits)) } td data-f="blancs_votants" { (c.pct(r.blancs_votants)) } }
                    tr { th scope="row" { (x.nuls) } td data-f="nuls" { (c.int(n.nuls)) } td data-f="nuls_inscrits" { (c.pct(r.nuls_inscrits)) } td data-f="nuls_votants" { (c.pct(r.nuls_votants)) } }
                    tr.key { th scope="row" { (x.exprimes) } td data-f="exprimes" { (c.int(n.exprimes)) } td data-f="exprimes_inscrits" { (c.pct(r.exprimes_inscrits)) } td data-f="exprimes_votants" { (c.pct(r.exprimes_votants)) } }
                }
            }
            @if !t.turnout.is_empty() {
                h3 #h-turnout { (x.turnout_day) }
                (turnout_table(c, t, None, false))
            }
        }
    }
}

/// The earlier election's turnout beside today's, on the participation page.
struct PreviousColumn<'p> {
    head: &'p str,
    at: &'p dyn Fn(&str) -> Option<election_data::Percent>,
    close: Option<election_data::Percent>,
}

/// The turnout at each set hour, written once for the commune page and the
/// participation page; the latter adds the earlier election's column and,
/// outside an embargo, the close of the poll.
fn turnout_table(
    c: &Ctx<'_>,
    t: &Tally,
    previous: Option<&PreviousColumn<'_>>,
    with_close: bool,
) -> Markup {
    let x = c.t;
    html! {
        table.turnout aria-labelledby="h-turnout" {
            thead { tr {
                th scope="col" { (x.hour) } th.num scope="col" { (x.votants) } th.num scope="col" { (x.rate) } th.num scope="col" { (x.stations) }
                @if let Some(p) = previous { th.num scope="col" { (p.head) } }
            } }
            tbody {
                @for r in &t.turnout {
                    tr data-hour=(r.hour) {
                        th scope="row" { (r.hour) }
                        td data-f="t-votants" { (c.int(r.votants)) }
                        td data-f="t-rate" { (c.pct(r.rate)) }
                        td data-f="t-bureaux" { (r.bureaux) }
                        @if let Some(p) = previous { td.previous { (c.pct((p.at)(&r.hour))) } }
                    }
                }
                @if with_close {
                    tr.key {
                        th scope="row" { (x.close) }
                        td data-f="votants" { (c.int(t.counts.votants)) }
                        td data-f="participation" { (c.pct(t.rates.participation)) }
                        td data-f="arrived" { (t.arrived) }
                        @if let Some(p) = previous { td.previous { (c.pct(p.close)) } }
                    }
                }
            }
        }
    }
}

fn scores(c: &Ctx<'_>, t: &Tally) -> Markup {
    let x = c.t;
    let heading = if c.list_election() {
        x.results_by_list
    } else {
        x.results_by_candidate
    };
    let max = max_share(&t.scores);
    html! {
        section.scores aria-labelledby="h-scores" {
            h2 #h-scores { (heading) }
            table.scores {
                caption.visually-hidden { (x.scores_caption) }
                thead { tr {
                    th scope="col" { (c.candidate_word()) }
                    th scope="col" { (x.nuance) }
                    th.num scope="col" { (x.voix) }
                    th.num scope="col" { (x.pct_exprimes) }
                    th scope="col" class="bar-col" { span.visually-hidden { (x.chart) } }
                } }
                tbody data-f="scores" data-scale="max" {
                    @for s in t.ranking() {
                        @if let Some(cand) = c.e.candidate(s.candidate) {
                            tr data-cand=(cand.number) data-voix=(s.voix) {
                                th scope="row" {
                                    span.swatch style={ "background:" (cand.colour) } {}
                                    a href=(c.url(&Page::Candidate(cand.number))) { (cand.name) }
                                }
                                td { (cand.nuance.as_deref().unwrap_or("")) }
                                td.num data-f="voix" { (c.int(s.voix)) }
                                td.num data-f="pct" { (c.pct(s.pct_exprimes)) }
                                td.bar-col aria-hidden="true" {
                                    span.bar data-f="bar" style={ "width:" (bar_scaled(s.pct_exprimes, max)) "%;background:" (cand.colour) } {}
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn embargo_notice(c: &Ctx<'_>) -> Markup {
    html! {
        p.embargo role="status" {
            (c.t.embargo[0])
            @if let Some(t) = &c.e.embargo { " (" (t) ")" }
            (c.t.embargo[1])
        }
    }
}

/// The name of the candidate ahead in a tally, if any bureau arrived.
fn leader<'e>(e: &'e Election, t: &Tally) -> Option<&'e Candidate> {
    if t.arrived == 0 || t.counts.exprimes == 0 {
        return None;
    }
    t.ranking().first().and_then(|s| e.candidate(s.candidate))
}

pub fn bureaux_table(c: &Ctx<'_>, codes: &[String]) -> Markup {
    let x = c.t;
    html! {
        section.bureaux aria-labelledby="h-bureaux" {
            h2 #h-bureaux { (x.bureaux) }
            div.table-scroll {
            table.bureaux {
                thead { tr {
                    th scope="col" { (x.bureau) }
                    th.col-state scope="col" { (x.state) }
                    th.num scope="col" { (x.participation) }
                    th scope="col" { (x.leader) }
                } }
                tbody {
                    @for code in codes {
                        @if let (Some(b), Some(t)) = (c.e.bureau(code), c.live.public.bureaux.get(code)) {
                            @let state = c.live.bureau(code).public_state();
                            @let t = &c.visible(t);
                            tr data-bureau=(b.code) {
                                th scope="row" {
                                    // A territory's bureaux are numbered within their
                                    // commune: the commune tells them apart.
                                    @if let Some(commune) = c.e.commune_of(b).filter(|_| c.e.is_territory()) {
                                        span.commune { (commune.name) " — " }
                                    }
                                    a href=(c.url(&Page::Bureau(b.code.clone()))) { (b.name) }
                                }
                                td.col-state data-f="state" { span class={ "state " (state.code()) } { (c.lang.state(state)) } }
                                td.num data-f="participation" { (c.pct(if t.arrived > 0 { t.rates.participation } else { None })) }
                                td data-f="leader" { (leader(c.e, t).map(|l| l.name.as_str()).unwrap_or("")) }
                            }
                        }
                    }
                }
            }
            }
        }
    }
}

/// One commune of a perimeter whose communes elect each their own council:
/// its public tally, its leading list (once it has voix) and its
/// provisional councils.
pub(super) struct CommuneLead<'a> {
    pub commune: &'a Perimeter,
    pub tally: Tally,
    pub lead: Option<(
        &'a election_data::model::Candidate,
        election_data::tally::Score,
    )>,
    pub seats: Option<election_data::seats::Councils>,
}

/// The communes within `code`, each with its leading list and seats: what
/// the territory's page and the big screen show instead of a common score.
pub(super) fn commune_leads<'a>(c: &Ctx<'a>, code: &str) -> Vec<CommuneLead<'a>> {
    c.e.communes()
        .into_iter()
        .filter(|m| c.e.ancestors(&m.code).is_some_and(|a| a.contains(&code)))
        .filter_map(|m| {
            let tally = c.visible(c.live.public.perimeters.get(&m.code)?);
            let lead = tally
                .ranking()
                .into_iter()
                .next()
                .filter(|s| tally.arrived > 0 && s.voix > 0)
                .and_then(|s| Some((c.e.candidate(s.candidate)?, s)));
            Some(CommuneLead {
                commune: m,
                seats: c.live.provisional_seats_of(&m.code, c.now),
                tally,
                lead,
            })
        })
        .collect()
}

/// The communes of a perimeter whose communes elect each their own
/// council: bureaux counted, participation, the leading list with its share
/// and its provisional seats. Refreshed as a region on every change.
fn communes_table(c: &Ctx<'_>, code: &str) -> Markup {
    let x = c.t;
    html! {
        section.scores.by-commune #communes data-refresh="" aria-labelledby="h-communes" {
            h2 #h-communes { (x.by_commune) }
            p.note { (x.by_commune_note) }
            div.table-scroll {
                table.bureaux {
                    thead { tr {
                        th scope="col" { (c.lang.perimeter_kind(election_data::PerimeterKind::Commune)) }
                        th.num scope="col" { (x.stations) }
                        th.num scope="col" { (x.participation) }
                        th scope="col" { (x.leader) }
                        th.num scope="col" { (x.pct_exprimes) }
                        th.num scope="col" { (x.council_seats) }
                    } }
                    tbody {
                        @for m in commune_leads(c, code) {
                            @let t = &m.tally;
                            tr data-perimeter=(m.commune.code) {
                                th scope="row" { a href=(c.url(&Page::Perimeter(m.commune.code.clone()))) { (m.commune.name) } }
                                td.num { (t.arrived) " / " (t.total) }
                                td.num { (c.pct(if t.arrived > 0 { t.rates.participation } else { None })) }
                                td {
                                    @if let Some((l, _)) = m.lead {
                                        span.swatch style={ "background:" (l.colour) } {} (l.name)
                                    }
                                }
                                td.num { (c.pct(m.lead.and_then(|(_, s)| s.pct_exprimes))) }
                                td.num {
                                    @if let (Some(s), Some((l, _))) = (m.seats.as_ref(), m.lead) {
                                        (s.council.seats_of(l.number)) " / " (s.council.total)
                                        @if let Some(cc) = &s.community { " — CC " (cc.seats_of(l.number)) " / " (cc.total) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Candidate numbers and names (and the state labels of the page's
/// language) for the live script.
pub fn candidates_json(e: &Election) -> Markup {
    let list: Vec<_> = e
        .candidates
        .iter()
        .map(|c| serde_json::json!({ "number": c.number, "name": c.name, "colour": c.colour }))
        .collect();
    let json = serde_json::to_string(&list).unwrap_or_else(|_| "[]".into());
    // `</` cannot appear: names are escaped for a script data block.
    let json = json.replace("</", "<\\/");
    html! { script #candidates type="application/json" { (PreEscaped(json)) } }
}

fn breadcrumb(c: &Ctx<'_>, trail: &[&Perimeter], last: &str) -> Markup {
    html! {
        nav.breadcrumb aria-label=(c.t.breadcrumb) {
            ol {
                li { a href={ (c.lang.prefix()) "/" } { (c.t.elections) } }
                li { a href=(c.url(&Page::Commune)) { (c.e.label) } }
                @for p in trail {
                    li { a href=(c.url(&Page::Perimeter(p.code.clone()))) { (p.name) } }
                }
                li aria-current="page" { (last) }
            }
        }
    }
}

/// A chart in a figure: the SVG is the image, the caption says what it
/// shows and where its figures are written out.
fn figure(c: &Ctx<'_>, id: &str, caption: &str, svg: String) -> Markup {
    html! {
        figure.chart #(id) {
            (PreEscaped(svg))
            figcaption { (caption) ". " span.note { (c.t.chart_figures_below) } }
        }
    }
}

fn score_bars(c: &Ctx<'_>, t: &Tally) -> String {
    let items: Vec<charts::Bar> = t
        .ranking()
        .iter()
        .filter_map(|s| {
            let cand = c.e.candidate(s.candidate)?;
            Some(charts::Bar {
                label: cand.name.clone(),
                colour: cand.colour.clone(),
                hundredths: s.pct_exprimes.map_or(0, |p| p.hundredths()),
                value: c.pct(s.pct_exprimes),
            })
        })
        .collect();
    let alt = format!(
        "{} : {}",
        c.t.chart_scores,
        t.ranking()
            .iter()
            .filter_map(|s| Some(format!(
                "{} {}",
                c.e.candidate(s.candidate)?.name,
                c.pct(s.pct_exprimes)
            )))
            .collect::<Vec<_>>()
            .join(", ")
    );
    charts::bars(&items, &alt)
}

/// The UTC offset of the commune at an instant, in minutes: the embargo's
/// offset when it has one, else metropolitan France's (CET/CEST).
pub fn local_offset_minutes(e: &Election, millis: i64) -> i64 {
    e.embargo
        .as_deref()
        .and_then(crate::time::offset_minutes_of)
        .unwrap_or_else(|| crate::time::paris_offset_minutes(millis))
}

/// Local seconds of the day at which each published bureau arrived (its
/// last accepted write).
fn arrival_seconds(c: &Ctx<'_>) -> Vec<i64> {
    c.live
        .bureaux
        .values()
        .filter(|b| b.public_state() == BureauState::Published && b.meta.updated_at > 0)
        .map(|b| {
            let local = b.meta.updated_at + local_offset_minutes(c.e, b.meta.updated_at) * 60_000;
            local.div_euclid(1000).rem_euclid(24 * 3600)
        })
        .collect()
}

fn arrivals_chart(c: &Ctx<'_>) -> Markup {
    let minutes = arrival_seconds(c);
    let total = c.e.bureaux.len();
    let alt = format!("{} : {} / {}", c.t.chart_arrivals, minutes.len(), total);
    figure(
        c,
        "chart-arrivals",
        c.t.chart_arrivals,
        charts::arrivals(&minutes, total, c.t.arrivals_axis, &alt),
    )
}

/// "Répartition provisoire des sièges" for list elections with seats: for
/// each council the ballot fills (« Conseil municipal », and « Conseil
/// communautaire » when the municipal ballot elects the community seats
/// too), a hemicycle and a table, recomputed from the published figures on
/// each change; or the reason no allocation can be made yet (no list has an
/// absolute majority in round 1, a tie needs the candidates' ages…).
/// `compact` (the big screen) shows chips instead of hemicycle and table.
pub fn seats_section(c: &Ctx<'_>, compact: bool) -> Markup {
    match c.root_code() {
        Some(root) => seats_section_of(c, root, compact),
        None => html! {},
    }
}

/// [`seats_section`] of one perimeter: the election's at the root, a
/// commune's own in a municipal territory.
pub fn seats_section_of(c: &Ctx<'_>, code: &str, compact: bool) -> Markup {
    if c.embargo {
        return html! {};
    }
    let Some(councils) = c.live.provisional_seats_of(code, c.now) else {
        return html! {};
    };
    let complete = c
        .live
        .public
        .perimeters
        .get(code)
        .is_some_and(|t| t.arrived == t.total);
    let title = match (c.lang, complete) {
        (Lang::Fr, false) => "Répartition provisoire des sièges",
        (Lang::Fr, true) => "Répartition des sièges",
        (Lang::En, false) => "Provisional allocation of seats",
        (Lang::En, true) => "Allocation of seats",
    };
    html! {
        section.seats #seats data-refresh="" aria-labelledby="h-seats" {
            h2 #h-seats { (title) }
            @for (i, a) in councils.all().enumerate() {
                (council_seats(c, a, i, compact))
            }
        }
    }
}

/// One council of [`seats_section`]: its label and seats, its outcome when
/// not every seat went to a list, chips or hemicycle and table.
fn council_seats(c: &Ctx<'_>, a: &Allocation, index: usize, compact: bool) -> Markup {
    let body = a.method.body();
    let (list_h, seats_h, bonus_h, vacant_h) = match c.lang {
        Lang::Fr => (
            "Liste",
            "Sièges",
            "dont prime majoritaire",
            "Sièges vacants",
        ),
        Lang::En => ("List", "Seats", "of which majority bonus", "Vacant seats"),
    };
    let label = c.lang.body(body);
    let slug = match body {
        election_data::seats::Body::MunicipalCouncil => "municipal",
        election_data::seats::Body::CommunityCouncil => "community",
        election_data::seats::Body::Assembly => "assembly",
    };
    let heading_id = format!("h-seats-{slug}");
    let chart_id = if index == 0 {
        "chart-seats".to_string()
    } else {
        format!("chart-seats-{slug}")
    };
    // Left to right in the hemicycle: ballot order is as neutral as it gets.
    let parties: Vec<(String, String, u32)> =
        c.e.candidates
            .iter()
            .filter(|cand| a.lists.iter().any(|l| l.id == cand.number))
            .map(|cand| {
                (
                    cand.name.clone(),
                    cand.colour.clone(),
                    a.seats_of(cand.number),
                )
            })
            .collect();
    let alt = parties
        .iter()
        .filter(|p| p.2 > 0)
        .map(|p| format!("{} : {}", p.0, p.2))
        .collect::<Vec<_>>()
        .join(", ");
    let mut ranked: Vec<_> = a.lists.iter().filter(|l| l.seats > 0).collect();
    ranked.sort_by(|x, y| y.seats.cmp(&x.seats).then(x.id.cmp(&y.id)));
    html! {
        div.council data-council=(slug) data-total=(a.total) {
            h3 #(heading_id) { (label) " : " (a.total) " " (c.t.seats) }
            @if !a.outcome.is_final() || a.vacant > 0 {
                p.seats-outcome role="status" { (a.outcome.message()) }
            }
            @if a.attributed() > 0 && compact {
                p.seat-chips {
                    @for l in &ranked {
                        @if let Some(cand) = c.e.candidate(l.id) {
                            span.seat-chip style={ "background:" (cand.colour) } title=(cand.name) data-list=(l.id) {
                                (l.seats)
                                span.visually-hidden { " " (c.t.seats) " : " (cand.name) }
                            }
                        }
                    }
                }
            }
            @if a.attributed() > 0 && !compact {
                div.seats-grid {
                    (figure(c, &chart_id, label, charts::hemicycle(&parties, c.t.seats, &alt)))
                    table.seats-table {
                        thead { tr { th scope="col" { (list_h) } th.num scope="col" { (seats_h) } th.num scope="col" { (bonus_h) } } }
                        tbody {
                            @for l in &ranked {
                                @if let Some(cand) = c.e.candidate(l.id) {
                                    tr data-list=(l.id) {
                                        th scope="row" { span.swatch style={ "background:" (cand.colour) } {} (cand.name) }
                                        td.num { (l.seats) }
                                        td.num { @if l.bonus > 0 { (l.bonus) } }
                                    }
                                }
                            }
                            @if a.vacant > 0 {
                                tr.vacant { th scope="row" { (vacant_h) } td.num { (a.vacant) } td.num {} }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The commune page and every perimeter page.
pub fn perimeter(live: &LiveElection, code: &str, lang: Lang, now: i64) -> Option<Markup> {
    let c = Ctx::new(live, lang, now);
    let e = c.e;
    let x = c.t;
    let p = e.perimeter(code)?;
    let t = &c.visible(live.public.perimeters.get(code)?);
    let is_root = p.parent.is_none();
    let page = if is_root {
        Page::Commune
    } else {
        Page::Perimeter(code.to_string())
    };
    let mut trail: Vec<&Perimeter> = e
        .ancestors(code)
        .unwrap_or_default()
        .iter()
        .skip(1)
        .filter_map(|c| e.perimeter(c))
        .collect();
    trail.reverse();
    let kind = lang.perimeter_kind(p.kind);
    let title = if is_root {
        format!("{} — {}", e.label, p.name)
    } else {
        format!("{} — {} {}", e.label, kind, p.name)
    };
    let children = e.children(code);
    let members = live.aggregator.members(code).to_vec();
    // Beyond one commune, lists standing commune by commune have no common
    // score: the page shows each commune's leading list and seats instead.
    let by_commune = e.has_commune_lists() && e.candidates_in(code).is_empty();
    Some(election_layout(
        &c,
        &page,
        &title,
        html! {
            @if !is_root { (breadcrumb(&c, &trail, &p.name)) }
            (heading(&c, html! { (kind) " : " strong { (p.name) } " — " (x.poll_of) " " (date_l(&e.date, lang)) }))
            (banner(x, code, live.public.perimeters.get(code).unwrap_or(t)))
            (nav(&c, &page))
            @if c.embargo { (embargo_notice(&c)) }
            (super::trend::perimeter_block(&c, &members))
            div.grid data-tally={ "p:" (code) } {
                @if !c.embargo {
                    @if by_commune { (communes_table(&c, code)) } @else { (scores(&c, t)) }
                }
                (figures(&c, t))
            }
            @if !c.embargo {
                section.charts aria-labelledby="h-charts" {
                    h2 #h-charts { (x.charts) }
                    div.chart-grid #charts data-refresh="" {
                        @if !by_commune { (figure(&c, "chart-scores", x.chart_scores, score_bars(&c, t))) }
                        @if is_root { (arrivals_chart(&c)) }
                    }
                }
            }
            section.map-section aria-labelledby="h-map" {
                h2 #h-map { (x.nav_map) }
                @if c.embargo {
                    (super::map::figure(&c, if is_root { &[] } else { &members }, super::map::Mode::Participation, "map"))
                } @else {
                    (super::map::figure(&c, if is_root { &[] } else { &members }, super::map::Mode::Leader, "map"))
                }
            }
            (seats_section_of(&c, code, false))
            @if !children.is_empty() {
                section.perimeters aria-labelledby="h-perimeters" {
                    h2 #h-perimeters { (x.by_area) }
                    ul.perimeters {
                        @for ch in &children {
                            @if let Some(ct) = live.public.perimeters.get(&ch.code) {
                                li data-perimeter=(ch.code) {
                                    a href=(c.url(&Page::Perimeter(ch.code.clone()))) { (lang.perimeter_kind(ch.kind)) " " (ch.name) }
                                    " — " span data-f="p-arrived" { (ct.arrived) } " / " (ct.total)
                                }
                            }
                        }
                    }
                }
            }
            (bureaux_table(&c, &members))
        },
    ))
}

/// The commune page.
pub fn commune(live: &LiveElection, lang: Lang, now: i64) -> Option<Markup> {
    let root = live.election.root()?.code.clone();
    perimeter(live, &root, lang, now)
}

/// The map page: who leads and how many voted in each bureau, with the
/// table of bureaux as the maps' text alternative.
pub fn map_page(live: &LiveElection, lang: Lang, now: i64) -> Option<Markup> {
    use super::map::{Mode, figure as map_figure};
    let c = Ctx::new(live, lang, now);
    let e = c.e;
    let x = c.t;
    let root = e.root()?;
    let raw = live.public.perimeters.get(&root.code)?;
    let members = live.aggregator.members(&root.code).to_vec();
    Some(election_layout(
        &c,
        &Page::Map,
        &format!("{} — {}", e.label, x.nav_map),
        html! {
            (heading(&c, html! { (x.nav_map) " — " strong { (root.name) } " — " (x.poll_of) " " (date_l(&e.date, lang)) }))
            (banner(x, &root.code, raw))
            (nav(&c, &Page::Map))
            @if c.embargo { p.notice.embargo { (x.map_embargo) } }
            div.map-pair {
                @if !c.embargo { (map_figure(&c, &[], Mode::Leader, "map-leader")) }
                (map_figure(&c, &[], Mode::Participation, "map-participation"))
            }
            (bureaux_table(&c, &members))
        },
    ))
}

/// A bureau's page.
pub fn bureau(live: &LiveElection, code: &str, lang: Lang, now: i64) -> Option<Markup> {
    let c = Ctx::new(live, lang, now);
    let e = c.e;
    let x = c.t;
    let b = e.bureau(code)?;
    let t = &c.visible(live.public.bureaux.get(code)?);
    let state = live.bureau(code).public_state();
    let arrived = state != BureauState::NotArrived;
    let perimeters: Vec<&Perimeter> = b.perimeters.iter().filter_map(|p| e.perimeter(p)).collect();
    let page = Page::Bureau(code.to_string());
    // In a territory, the bureau's commune leads to it.
    let commune = e.commune_of(b).filter(|_| e.is_territory());
    let title = match commune {
        Some(m) => format!("{} — {} — {}", e.label, m.name, b.name),
        None => format!("{} — {}", e.label, b.name),
    };
    Some(election_layout(
        &c,
        &page,
        &title,
        html! {
            (breadcrumb(&c, commune.as_slice(), &b.name))
            hgroup {
                h1 { (b.name) @if let Some(m) = commune { " — " (m.name) } }
                p.sub {
                    (e.label) " — " (x.bureau_no) " " (e.bureau_number(b))
                    @if let Some(a) = &b.address { br; (a) }
                }
            }
            (root_banner(&c))
            (nav(&c, &page))
            div data-tally={ "b:" (code) } {
                p.bureau-state.arrived[arrived].waiting[!arrived] data-f="bureau-state" {
                    (x.state_is) span data-f="state" { (lang.state(state)) }
                    " — " (c.int(u64::from(b.inscrits))) " " (x.on_roll)
                }
                @if c.embargo { (embargo_notice(&c)) }
                (super::trend::bureau_block(&c, code))
                div.grid {
                    @if !c.embargo { (scores(&c, t)) }
                    (figures(&c, t))
                }
            }
            @if !c.embargo {
                section.charts aria-labelledby="h-charts" {
                    h2 #h-charts { (x.charts) }
                    div.chart-grid #charts data-refresh="" {
                        @if arrived { (figure(&c, "chart-scores", x.chart_scores, score_bars(&c, t))) }
                    }
                }
            }
            @if !perimeters.is_empty() {
                p { (x.part_of)
                    @for (i, p) in perimeters.iter().enumerate() {
                        @if i > 0 { ", " }
                        a href=(c.url(&Page::Perimeter(p.code.clone()))) { (lang.perimeter_kind(p.kind)) " " (p.name) }
                    }
                }
            }
        },
    ))
}

/// Turnout of the commune and of each bureau at each set hour and at the close.
pub fn participation(live: &LiveElection, lang: Lang, now: i64) -> Option<Markup> {
    let c = Ctx::new(live, lang, now);
    let e = c.e;
    let x = c.t;
    let root = c.root_code()?;
    let t = c.root()?;
    let page = Page::Participation;
    let mut points: Vec<charts::Point> = t
        .turnout
        .iter()
        .map(|p| charts::Point {
            label: p.hour.clone(),
            hundredths: p.rate.map(|r| r.hundredths()),
            value: c.pct(p.rate),
        })
        .collect();
    if !c.embargo {
        points.push(charts::Point {
            label: x.close.to_string(),
            hundredths: t.rates.participation.map(|r| r.hundredths()),
            value: c.pct(t.rates.participation),
        });
    }
    let alt = format!(
        "{} : {}",
        x.chart_turnout,
        points
            .iter()
            .map(|p| format!("{} {}", p.label, p.value))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let percent_sign = if lang == Lang::Fr { " %" } else { "%" };
    let has_readings = t.turnout.iter().any(|p| p.bureaux > 0) || t.arrived > 0;
    // The earlier election's turnout at the same hours, when the definition gives it.
    let previous = e.previous.as_ref();
    let previous_at = |hour: &str| {
        previous.and_then(|p| {
            let v = p.turnout.iter().find(|r| r.hour == hour)?.votants;
            election_data::Percent::of(u64::try_from(v).ok()?, p.inscrits)
        })
    };
    let previous_head = match lang {
        Lang::Fr => "Scrutin précédent",
        Lang::En => "Previous election",
    };
    let previous_column = previous.map(|p| PreviousColumn {
        head: previous_head,
        at: &previous_at,
        close: election_data::Percent::of(p.votants, p.inscrits),
    });
    Some(election_layout(
        &c,
        &page,
        &format!("{} — {}", e.label, x.participation),
        html! {
            (heading(&c, html! { (x.participation) " — " (x.poll_of) " " (date_l(&e.date, lang)) }))
            (root_banner(&c))
            (nav(&c, &page))
            @if c.embargo { (embargo_notice(&c)) }
            section aria-labelledby="h-turnout" data-tally={ "p:" (root) } {
                h2 #h-turnout { (x.turnout_commune) }
                @if t.turnout.is_empty() && c.embargo {
                    p { (x.no_turnout_yet) }
                } @else {
                    (turnout_table(&c, &t, previous_column.as_ref(), !c.embargo))
                    p.note { (x.close) " : " (x.final_participation) "." }
                }
            }
            div #turnout-chart data-refresh="" {
                @if has_readings {
                    (figure(&c, "chart-turnout", x.chart_turnout, charts::curve(&points, percent_sign, &alt)))
                } @else {
                    p { (x.no_turnout_yet) }
                }
            }
            @if let Some(p) = previous {
                p.note { (previous_head) " : " (p.label) }
            } @else {
                p.note { (x.previous_unknown) }
            }
            section aria-labelledby="h-turnout-bureaux" {
                h2 #h-turnout-bureaux { (x.turnout_by_bureau) }
                div.table-scroll #turnout-bureaux data-refresh="" {
                    table.turnout.by-bureau {
                        thead { tr {
                            th scope="col" { (x.bureau) }
                            @for h in &e.turnout_hours { th.num scope="col" { (h) } }
                            @if !c.embargo { th.num scope="col" { (x.close) } }
                        } }
                        tbody {
                            @for b in &e.bureaux {
                                @if let Some(bt) = live.public.bureaux.get(&b.code) {
                                    tr {
                                        th scope="row" { a href=(c.url(&Page::Bureau(b.code.clone()))) { (b.name) } }
                                        @for p in &bt.turnout {
                                            td { @if p.bureaux > 0 { (c.pct(p.rate)) } @else { "–" } }
                                        }
                                        @if !c.embargo {
                                            td { @if bt.arrived > 0 { (c.pct(bt.rates.participation)) } @else { "–" } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    ))
}

/// One bureau's figures for a candidate.
struct BureauScore<'a> {
    code: &'a str,
    name: &'a str,
    score: Option<Score>,
    rank: Option<usize>,
}

/// A candidate's (or list's) page: their score in the commune and in every
/// bureau, the best and the weakest bureaux.
pub fn candidate(live: &LiveElection, number: u32, lang: Lang, now: i64) -> Option<Markup> {
    let c = Ctx::new(live, lang, now);
    let e = c.e;
    let x = c.t;
    let cand = e.candidate(number)?;
    // A list standing in one commune of a territory: its commune's figures
    // and bureaux.
    let (root, t) = match cand.commune.as_deref() {
        Some(code) => (
            e.perimeter(code)?.code.as_str(),
            c.visible(live.public.perimeters.get(code)?),
        ),
        None => (c.root_code()?, c.root()?),
    };
    let on_ballot = t.scores.len();
    let page = Page::Candidate(number);
    let ranking = t.ranking();
    let commune_score = t.scores.iter().find(|s| s.candidate == number).copied();
    let commune_rank = ranking
        .iter()
        .position(|s| s.candidate == number)
        .map(|i| i + 1);
    let rows: Vec<BureauScore<'_>> = e
        .bureaux
        .iter()
        .filter(|b| {
            cand.commune.is_none()
                || e.commune_of(b).map(|m| m.code.as_str()) == cand.commune.as_deref()
        })
        .map(|b| {
            let bt = live
                .public
                .bureaux
                .get(&b.code)
                .filter(|bt| bt.arrived > 0 && !c.embargo);
            BureauScore {
                code: &b.code,
                name: &b.name,
                score: bt.and_then(|bt| bt.scores.iter().find(|s| s.candidate == number).copied()),
                rank: bt.and_then(|bt| {
                    bt.ranking()
                        .iter()
                        .position(|s| s.candidate == number)
                        .map(|i| i + 1)
                }),
            }
        })
        .collect();
    let mut arrived: Vec<&BureauScore<'_>> = rows.iter().filter(|r| r.score.is_some()).collect();
    arrived.sort_by(|a, b| {
        let pa = a.score.and_then(|s| s.pct_exprimes);
        let pb = b.score.and_then(|s| s.pct_exprimes);
        pb.cmp(&pa).then(a.code.cmp(b.code))
    });
    let max = arrived
        .iter()
        .filter_map(|r| r.score.and_then(|s| s.pct_exprimes))
        .map(election_data::Percent::hundredths)
        .max()
        .unwrap_or(0);
    let shown = arrived.len().min(3);
    let best: Vec<_> = arrived.iter().take(shown).collect();
    let worst: Vec<_> = arrived
        .iter()
        .rev()
        .take(shown.min(arrived.len().saturating_sub(shown)))
        .collect();
    let list = |items: &[&&BureauScore<'_>]| {
        html! {
            ol.podium {
                @for r in items {
                    li {
                        a href=(c.url(&Page::Bureau(r.code.to_string()))) { (r.name) }
                        " — " strong { (c.pct(r.score.and_then(|s| s.pct_exprimes))) }
                        " (" (c.int(r.score.map_or(0, |s| s.voix))) " " (x.voix.to_lowercase()) ")"
                    }
                }
            }
        }
    };
    Some(election_layout(
        &c,
        &page,
        &format!("{} — {}", e.label, cand.name),
        html! {
            (breadcrumb(&c, &[], &cand.name))
            hgroup {
                h1 { span.swatch.big style={ "background:" (cand.colour) } {} (cand.name) }
                p.sub {
                    (c.candidate_word()) " n° " (cand.panel_number())
                    @if let Some(m) = cand.commune.as_deref().and_then(|m| e.perimeter(m)) { " — " (m.name) }
                    @if let Some(n) = &cand.nuance { " — " (x.nuance) " " (n) }
                    " — " (e.label)
                }
            }
            (root_banner(&c))
            (nav(&c, &page))
            @if c.embargo {
                (embargo_notice(&c))
            } @else {
                section aria-labelledby="h-cand-commune" data-tally={ "p:" (root) } {
                    h2 #h-cand-commune { (x.score_commune) }
                    table.scores.single {
                        thead { tr {
                            th scope="col" { (c.candidate_word()) }
                            th.num scope="col" { (x.voix) }
                            th.num scope="col" { (x.pct_exprimes) }
                            th.num scope="col" { (x.pct_inscrits) }
                            th.num scope="col" { (x.rank) }
                        } }
                        tbody {
                            tr data-cand=(number) {
                                th scope="row" { (cand.name) }
                                td.num data-f="voix" { (c.int(commune_score.map_or(0, |s| s.voix))) }
                                td.num data-f="pct" { (c.pct(commune_score.and_then(|s| s.pct_exprimes))) }
                                td.num { (c.pct(commune_score.and_then(|s| s.pct_inscrits))) }
                                td.num { @if t.arrived > 0 { (commune_rank.unwrap_or(0)) " / " (on_ballot) } @else { "–" } }
                            }
                        }
                    }
                }
                div.grid.podiums #podiums data-refresh="" {
                    @if !best.is_empty() {
                        section aria-labelledby="h-best" { h2 #h-best { (x.best) } (list(&best)) }
                    }
                    @if !worst.is_empty() {
                        section aria-labelledby="h-worst" { h2 #h-worst { (x.worst) } (list(&worst)) }
                    }
                }
                section aria-labelledby="h-cand-bureaux" {
                    h2 #h-cand-bureaux { (x.score_by_bureau) }
                    div.table-scroll #cand-bureaux data-refresh="" {
                        table.scores.by-bureau {
                            thead { tr {
                                th scope="col" { (x.bureau) }
                                th.num scope="col" { (x.voix) }
                                th.num scope="col" { (x.pct_exprimes) }
                                th.num scope="col" { (x.rank) }
                                th scope="col" class="bar-col" { span.visually-hidden { (x.chart) } }
                            } }
                            tbody {
                                @for r in &rows {
                                    tr {
                                        th scope="row" { a href=(c.url(&Page::Bureau(r.code.to_string()))) { (r.name) } }
                                        @if let Some(s) = r.score {
                                            td.num { (c.int(s.voix)) }
                                            td.num { (c.pct(s.pct_exprimes)) }
                                            td.num { (r.rank.unwrap_or(0)) }
                                            td.bar-col aria-hidden="true" {
                                                span.bar style={ "width:" (bar_scaled(s.pct_exprimes, max)) "%;background:" (cand.colour) } {}
                                            }
                                        } @else {
                                            td.num.muted colspan="3" { (x.not_arrived_short) }
                                            td.bar-col aria-hidden="true" {}
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    ))
}

/// The list of elections. `lives` are in display order.
pub fn home(lives: &[&LiveElection], lang: Lang) -> Markup {
    let t = lang.text();
    let other = lang.other();
    layout(
        lang,
        t.elections,
        &Page::Home.path("", other),
        None,
        html! {
            h1 { (t.elections) }
            @if lives.is_empty() {
                p { (t.no_elections) }
            } @else {
                ul.elections {
                    @for live in lives {
                        @let e = &live.election;
                        li {
                            a href=(Page::Commune.path(&e.id, lang)) { (e.label) }
                            " — " (lang.election_kind(e.kind)) ", " (date_l(&e.date, lang))
                            @if let Some(r) = live.public_root_tally() {
                                " — " (t.counted[0]) (r.arrived) (t.counted[1]) (r.total) (t.counted[2])
                            }
                        }
                    }
                }
            }
        },
    )
}

/// The page for an unknown address.
pub fn not_found(lang: Lang, message: &str) -> Markup {
    let t = lang.text();
    layout(
        lang,
        t.not_found,
        &Page::Home.path("", lang.other()),
        None,
        html! {
            h1 { (t.not_found) }
            p { (message) }
            p { a href={ (lang.prefix()) "/" } { (t.back_home) } }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pages::render;

    #[test]
    fn paths_per_language() {
        assert_eq!(Page::Commune.path("x", Lang::Fr), "/elections/x");
        assert_eq!(
            Page::Bureau("B1".into()).path("x", Lang::En),
            "/en/elections/x/bureaux/B1"
        );
        assert_eq!(Page::Home.path("", Lang::En), "/en/");
        assert_eq!(
            Page::Candidate(3).path("x", Lang::Fr),
            "/elections/x/candidats/3"
        );
    }

    #[test]
    fn summer_and_winter_time() {
        let mut e = election_data::fixtures::sample_commune();
        e.embargo = None;
        e.date = "2027-04-11".into();
        let april = crate::live::parse_rfc3339_millis("2027-04-11T18:00:00Z").unwrap_or(0);
        assert_eq!(local_offset_minutes(&e, april), 120);
        let march = crate::live::parse_rfc3339_millis("2027-03-20T18:00:00Z").unwrap_or(0);
        assert_eq!(local_offset_minutes(&e, march), 60);
        e.embargo = Some("2027-04-11T20:00:00+02:00".into());
        assert_eq!(local_offset_minutes(&e, march), 120);
    }

    fn published_live(embargo: Option<&str>) -> LiveElection {
        let mut e = election_data::fixtures::sample_commune();
        e.embargo = embargo.map(str::to_string);
        let mut live = LiveElection::new(e);
        let b = live.election.bureaux[0].clone();
        let pv = election_data::fixtures::sample_pv(&live.election, &b, 1);
        let new = crate::live::BureauLive {
            meta: crate::live::BureauMeta {
                state: BureauState::Published,
                version: 1,
                updated_at: 1_807_466_000_000,
            },
            record: election_data::tally::BureauRecord {
                pv: Some(pv.clone()),
                turnout: Vec::new(),
            },
            published: Some(pv),
            ..Default::default()
        };
        live.apply(&b.code, new, 1);
        live
    }

    #[test]
    fn embargo_hides_results_until_the_polls_close() {
        let until = "2027-04-11T20:00:00+02:00";
        let end = crate::live::parse_rfc3339_millis(until).unwrap_or(0);
        let live = published_live(Some(until));
        let code = live.election.bureaux[0].code.clone();
        for page in [
            Page::Commune,
            Page::Bureau(code.clone()),
            Page::Candidate(3),
            Page::Ecran,
        ] {
            let before = render(&live, &page, Lang::Fr, end - 1)
                .map(Markup::into_string)
                .unwrap_or_default();
            assert!(
                !before.contains("data-f=\"scores\""),
                "{page:?} shows scores under embargo"
            );
            assert!(
                !before.contains("data-cand=\"3\" data-voix"),
                "{page:?} shows voix under embargo"
            );
            let after = render(&live, &page, Lang::Fr, end + 1)
                .map(Markup::into_string)
                .unwrap_or_default();
            assert!(
                after.contains("data-cand=\"3\""),
                "{page:?} has no results after the embargo"
            );
        }
        let commune = render(&live, &Page::Commune, Lang::Fr, end - 1)
            .map(Markup::into_string)
            .unwrap_or_default();
        assert!(commune.contains("Seule la participation est affichée"));
        assert!(commune.contains("<strong data-f=\"arrived\">1</strong>"));
        let feed: serde_json::Value =
            serde_json::from_slice(&super::super::feed::snapshot(&live, end - 1))
                .unwrap_or_default();
        assert_eq!(feed["embargo"], true);
        assert_eq!(feed["perimeters"][0]["tally"]["counts"]["votants"], 0);
    }

    #[test]
    fn every_page_renders_in_both_languages() {
        let live = LiveElection::new(election_data::fixtures::sample_commune());
        for lang in [Lang::Fr, Lang::En] {
            for page in Page::all_of(&live.election) {
                let html = render(&live, &page, lang, 0)
                    .unwrap_or_else(|| panic!("{page:?} did not render"))
                    .into_string();
                assert!(
                    html.contains(&format!("<html lang=\"{}\"", lang.code())),
                    "{page:?}"
                );
                assert!(
                    html.contains("data-banner="),
                    "{page:?} has no N bureaux sur M"
                );
            }
        }
        assert!(render(&live, &Page::Bureau("nope".into()), Lang::Fr, 0).is_none());
        assert!(render(&live, &Page::Candidate(999), Lang::Fr, 0).is_none());
    }
}
