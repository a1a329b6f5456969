//! The early trend on the public pages: the centaines (running tallies of
//! the first 100, 200… ballots) the desk published for bureaux whose result
//! is not yet public.
//!
//! A trend is never a result: it is drawn apart from the results, always
//! labelled « tendance sur les N premiers bulletins », with whole
//! percentages (two decimals would claim a precision a hundred ballots do
//! not have), and never counted in a perimeter's totals. A commune or area
//! shows the sum over its bureaux with a trend (and those bureaux, each with
//! its own count of ballots); a bureau's page its own; the big screen one
//! slide per bureau. The regions are always in the page (empty without a
//! trend) so that the live script's refresh can fill or empty them. The
//! figures come from the one embargo filter ([`crate::live::PublicView::trend`]).

use election_data::Percent;
use election_data::model::Bureau;
use election_data::validate::Centaine;
use maud::{Markup, html};

use super::ctx::{Ctx, Page};
use super::format::{bar_scaled, pct_whole_l};

/// One candidate's line of a trend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrendScore {
    pub candidate: u32,
    pub voix: i64,
    /// Of the trend's exprimés, rounded half-up to a whole percent.
    pub pct: Option<Percent>,
}

/// A trend, or the sum of several: ballots counted, blancs, nuls, exprimés
/// and every candidate's voix, ranked (most voix first, then panel order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrendSum {
    pub bureaux: usize,
    pub ballots: i64,
    pub blancs: i64,
    pub nuls: i64,
    pub exprimes: i64,
    pub scores: Vec<TrendScore>,
}

/// The sum of `trends` for the election's candidates (one trend: itself).
pub fn sum(c: &Ctx<'_>, trends: &[&Centaine]) -> TrendSum {
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    let ballots = trends.iter().map(|t| t.at).sum();
    let blancs = trends.iter().map(|t| t.blancs).sum();
    let nuls = trends.iter().map(|t| t.nuls).sum();
    let voix: Vec<(u32, i64)> =
        c.e.candidates
            .iter()
            .map(|cand| {
                let v = trends
                    .iter()
                    .flat_map(|t| &t.voix)
                    .filter(|v| v.candidate == cand.number)
                    .map(|v| v.voix)
                    .sum();
                (cand.number, v)
            })
            .collect();
    let exprimes: i64 = voix.iter().map(|(_, v)| v).sum();
    let mut scores: Vec<TrendScore> = voix
        .into_iter()
        .map(|(candidate, voix)| TrendScore {
            candidate,
            voix,
            pct: Percent::whole_of(count(voix), count(exprimes)),
        })
        .collect();
    // Stable: equal voix stay in panel order.
    scores.sort_by_key(|s| std::cmp::Reverse(s.voix));
    TrendSum {
        bureaux: trends.len(),
        ballots,
        blancs,
        nuls,
        exprimes,
        scores,
    }
}

/// The bureaux among `codes` with a trend the public may see, in order.
pub fn trends_of<'a>(c: &Ctx<'a>, codes: &[String]) -> Vec<(&'a Bureau, &'a Centaine)> {
    codes
        .iter()
        .filter_map(|code| Some((c.e.bureau(code)?, c.view.trend(code)?)))
        .collect()
}

/// « Tendance sur les 100 premiers bulletins ».
pub fn label(c: &Ctx<'_>, at: i64) -> String {
    let w = c.lang.trend();
    format!(
        "{}{}{}",
        w.on_first[0],
        c.int(u64::try_from(at).unwrap_or(0)),
        w.on_first[1]
    )
}

/// The trend's table: every candidate with voix and whole percentage,
/// then blancs and nuls. `big`: the big screen's classes.
pub fn table(c: &Ctx<'_>, t: &TrendSum, big: bool) -> Markup {
    let x = c.t;
    let w = c.lang.trend();
    let max = t
        .scores
        .iter()
        .filter_map(|s| s.pct.map(Percent::hundredths))
        .max()
        .unwrap_or(0);
    let count = |n: i64| c.int(u64::try_from(n).unwrap_or(0));
    html! {
        table.trend-scores.big-scores[big].scores[!big] {
            caption.visually-hidden { (w.caption) }
            thead { tr {
                th scope="col" { (c.candidate_word()) }
                // The big screen's order: share first, voix after (as its
                // results); the pages': voix, share, bar (as theirs).
                @if big {
                    td {}
                    th.num scope="col" { (x.pct_exprimes) }
                    th.num.voix scope="col" { (x.voix) }
                } @else {
                    th.num scope="col" { (x.voix) }
                    th.num scope="col" { (x.pct_exprimes) }
                    th scope="col" class="bar-col" { span.visually-hidden { (x.chart) } }
                }
            } }
            tbody {
                @for s in &t.scores {
                    @if let Some(cand) = c.e.candidate(s.candidate) {
                        tr data-trend-cand=(cand.number) {
                            th scope="row" { span.swatch style={ "background:" (cand.colour) } {} (cand.name) }
                            @if big {
                                td.barcell aria-hidden="true" { span.bar style={ "width:" (bar_scaled(s.pct, max)) "%;background:" (cand.colour) } {} }
                                td.num { (pct_whole_l(s.pct, c.lang)) }
                                td.num.voix { (count(s.voix)) }
                            } @else {
                                td.num { (count(s.voix)) }
                                td.num { (pct_whole_l(s.pct, c.lang)) }
                                td.bar-col aria-hidden="true" { span.bar style={ "width:" (bar_scaled(s.pct, max)) "%;background:" (cand.colour) } {} }
                            }
                        }
                    }
                }
            }
        }
        p.trend-meta {
            (x.blancs) " " (count(t.blancs)) " · " (x.nuls) " " (count(t.nuls)) " · " (x.exprimes) " " (count(t.exprimes))
        }
    }
}

/// The trend block of a commune or area page: the sum over its bureaux
/// with a trend, and those bureaux. Always present (`#trend`), empty when
/// no bureau of the perimeter has one.
pub fn perimeter_block(c: &Ctx<'_>, codes: &[String]) -> Markup {
    let w = c.lang.trend();
    let trends = trends_of(c, codes);
    let all: Vec<&Centaine> = trends.iter().map(|(_, t)| *t).collect();
    let total = sum(c, &all);
    html! {
        div #trend data-refresh="" {
            @if !trends.is_empty() {
                section.trend aria-labelledby="h-trend" {
                    h2 #h-trend { (w.heading) }
                    p.trend-label {
                        @if let [(b, t)] = trends.as_slice() {
                            strong { (label(c, t.at)) } " — " (b.name)
                        } @else {
                            strong { (w.sum_of[0]) (total.bureaux) (w.sum_of[1]) } " — "
                            (c.int(u64::try_from(total.ballots).unwrap_or(0))) " " (w.ballots)
                        }
                    }
                    p.trend-note { (w.not_results) }
                    (table(c, &total, false))
                    @if trends.len() > 1 {
                        h3 { (w.by_bureau) }
                        ul.trend-bureaux {
                            @for (b, t) in &trends {
                                @let one = sum(c, &[*t]);
                                li data-trend-bureau=(b.code) {
                                    a href=(c.url(&Page::Bureau(b.code.clone()))) { (c.e.bureau_number(b)) " " (b.name) @if let Some(m) = c.e.commune_of(b).filter(|_| c.e.is_territory()) { " — " (m.name) } }
                                    " — " (label(c, t.at))
                                    @if let Some(first) = one.scores.first() {
                                        @if let Some(cand) = c.e.candidate(first.candidate) {
                                            " — " (cand.name) " " (w.leads) " (" (pct_whole_l(first.pct, c.lang)) ")"
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
}

/// The trend block of a bureau's page (`#trend`, empty without one).
pub fn bureau_block(c: &Ctx<'_>, code: &str) -> Markup {
    let w = c.lang.trend();
    let trend = c.view.trend(code);
    html! {
        div #trend data-refresh="" {
            @if let Some(t) = trend {
                section.trend aria-labelledby="h-trend" {
                    h2 #h-trend { (label(c, t.at)) }
                    p.trend-note { (w.replaced) }
                    (table(c, &sum(c, &[t]), false))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::{BureauLive, LiveElection};
    use election_data::fixtures::sample_commune;
    use election_data::model::CandidateVoix;

    fn centaine(e: &election_data::model::Election, at: i64, first: i64) -> Centaine {
        let mut voix: Vec<CandidateVoix> = e
            .candidates
            .iter()
            .map(|c| CandidateVoix {
                candidate: c.number,
                voix: 0,
            })
            .collect();
        voix[0].voix = first;
        voix[1].voix = at - 2 - first;
        Centaine {
            at,
            blancs: 1,
            nuls: 1,
            voix,
        }
    }

    fn live_with(trends: &[(usize, Centaine)], embargo: Option<&str>) -> LiveElection {
        let mut e = sample_commune();
        e.embargo = embargo.map(str::to_string);
        let rows: Vec<_> = trends
            .iter()
            .map(|(i, c)| {
                let d = BureauLive {
                    centaines: vec![c.clone()],
                    trend: Some(c.clone()),
                    ..BureauLive::default()
                };
                (e.bureaux[*i].code.clone(), d)
            })
            .collect();
        LiveElection::restore(e, 2, rows)
    }

    #[test]
    fn a_sum_of_trends_counts_only_the_bureaux_with_one() {
        let e = sample_commune();
        let live = live_with(
            &[(0, centaine(&e, 100, 60)), (3, centaine(&e, 200, 50))],
            None,
        );
        let c = Ctx::new(&live, super::super::i18n::Lang::Fr, 0);
        let codes: Vec<String> = e.bureaux.iter().map(|b| b.code.clone()).collect();
        let trends = trends_of(&c, &codes);
        assert_eq!(trends.len(), 2);
        let all: Vec<&Centaine> = trends.iter().map(|(_, t)| *t).collect();
        let s = sum(&c, &all);
        assert_eq!((s.bureaux, s.ballots, s.blancs, s.nuls), (2, 300, 2, 2));
        assert_eq!(s.exprimes, 296);
        // 38 + 148 = 186 voix for the second, 60 + 50 = 110 for the first.
        assert_eq!(s.scores[0].candidate, e.candidates[1].number);
        assert_eq!(s.scores[0].voix, 186);
        assert_eq!(s.scores[0].pct, Percent::whole_of(186, 296)); // 62.8 → 63
        assert_eq!(s.scores[0].pct.map(Percent::units), Some(63));
        assert_eq!(s.scores[1].pct.map(Percent::units), Some(37));
        // The totals of the commune do not count them.
        assert_eq!(live.public_root_tally().map(|t| t.arrived), Some(0));
        let html = perimeter_block(&c, &codes).into_string();
        assert!(
            html.contains("Ensemble des 2 bureaux en tendance"),
            "{html}"
        );
        assert!(html.contains("Tendance sur les 100 premiers bulletins"));
        assert!(html.contains("Tendance sur les 200 premiers bulletins"));
        assert!(html.contains("63\u{a0}%"), "{html}");
        let en = Ctx::new(&live, super::super::i18n::Lang::En, 0);
        let html = bureau_block(&en, &e.bureaux[0].code).into_string();
        assert!(html.contains("Trend on the first 100 ballots"), "{html}");
        // 60 of the 98 exprimés: 61.2 → 61 %.
        assert!(html.contains("<td class=\"num\">61%</td>"), "{html}");
    }

    #[test]
    fn no_trend_during_the_embargo_and_an_empty_region_without_one() {
        let e = sample_commune();
        let live = live_with(&[(0, centaine(&e, 100, 60))], Some("2999-01-01T00:00:00Z"));
        let c = Ctx::new(&live, super::super::i18n::Lang::Fr, 0);
        assert!(c.view.trend(&e.bureaux[0].code).is_none());
        let html = bureau_block(&c, &e.bureaux[0].code).into_string();
        assert_eq!(html, r#"<div id="trend" data-refresh=""></div>"#);
    }
}
