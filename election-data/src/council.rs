//! The sizes the law fixes for a commune's councils and lists: the number of
//! municipal councillors from the population (art. L.2121-2 CGCT), the
//! under-1,000 line, and the length of a community list (art. L.273-9 code
//! électoral).
//!
//! Plain numbers, no election: [`crate::model`] checks a definition with
//! them and [`crate::seats`] allocates with them, so neither depends on the
//! other for a number of seats.
//!
//! # Sources, and what we could not verify
//!
//! - The L.2121-2 table (19 strata, 7 to 69 members) as published on
//!   Légifrance and reproduced by french-business-law.com ("article L2121-2
//!   of the French general code of local authorities") and by the 2020
//!   candidates' memento of eluscatholiques.fr, identical line by line.
//!   maire-info.com (2 December 2025, "quels chiffres de population prendre
//!   en compte") confirms the 19 strata "de 7 à 69" for the March 2026
//!   renewal.
//! - The loi n° 2025-444 du 21 mai 2025 does **not** change the L.2121-2
//!   table: its art. 5 rewrites L.2121-2-1, under which a council of a
//!   commune under 1,000 is *réputé complet* with 5 (under 100), 9 (100 to
//!   499) or 13 (500 to 999) members (text of the JORF n° 0119 as reproduced
//!   by juriblio.fr), and lists there may have up to two candidates fewer
//!   than the seats (maire-info.com, same article). Those are list and
//!   completeness rules, not seats: [`municipal_council_size`] stays 7 under
//!   100 inhabitants. A Sénat bill of 2023-2024 that would have lowered the
//!   table (11 → 9 for 100 to 499…) was found only as a bill; we found no
//!   trace of it in force and did not apply it.
//! - The population is the *population municipale* authenticated by the
//!   last census decree before the renewal (L.2121-2 and R.25-1 code
//!   électoral; the Conseil d'État excludes the *population comptée à part*,
//!   as blog.landot-avocats.net reports). Which figure it is stays the
//!   caller's business: the model takes the number given.
//! - L.273-9 I 1° (community list: the seats plus one under five, plus two
//!   otherwise), 2° (its candidates in the order of the municipal list) and
//!   5° (within the first three fifths of it, or, by II, the municipal
//!   list's order when that is more): text as published by lexbase.fr
//!   ("Art. L273-9, Code électoral"). The model checks only that a
//!   community list is no longer than its municipal list.
//! - Paris (163), Marseille (101) and Lyon (73) have councils fixed by the
//!   code électoral's own tables, elected by sector: [`municipal_council_size`]
//!   does not know them; give their `seats` explicitly.

/// More seats than this is refused as an input error: the largest French
/// assembly elected by list has a few hundred, and the allocation loops once
/// per seat.
pub const MAX_SEATS: u32 = 10_000;

/// Communes from this population elect their council under L.260 to L.262
/// (complete lists) and their community councillors on the same ballot
/// (L.273-6); under it, L.252 (as rewritten by the loi n° 2025-444) and
/// L.273-11 apply.
pub const LIST_BALLOT_POPULATION: u32 = 1_000;

/// The L.2121-2 CGCT table: (smallest population of the stratum, members).
pub const L2121_2: [(u32, u32); 19] = [
    (0, 7),
    (100, 11),
    (500, 15),
    (1_500, 19),
    (2_500, 23),
    (3_500, 27),
    (5_000, 29),
    (10_000, 33),
    (20_000, 35),
    (30_000, 39),
    (40_000, 43),
    (50_000, 45),
    (60_000, 49),
    (80_000, 53),
    (100_000, 55),
    (150_000, 59),
    (200_000, 61),
    (250_000, 65),
    (300_000, 69),
];

/// Members of the municipal council of a commune of `population`
/// inhabitants (L.2121-2 CGCT).
pub fn municipal_council_size(population: u32) -> u32 {
    L2121_2
        .iter()
        .rev()
        .find(|(from, _)| population >= *from)
        .map_or(L2121_2[0].1, |(_, members)| *members)
}

/// Whether a commune of `population` is under the 1,000 line; an unknown
/// population is taken as 1,000 and more (the rules Urne always applied).
pub fn under_1000(population: Option<u32>) -> bool {
    population.is_some_and(|p| p < LIST_BALLOT_POPULATION)
}

/// The municipal council's seats: those given (the definition's `seats`),
/// otherwise those of the population's stratum; None when neither is known.
pub fn municipal_seats(given: Option<u32>, population: Option<u32>) -> Option<u32> {
    given
        .filter(|s| *s > 0)
        .or_else(|| population.map(municipal_council_size))
}

/// Candidates of a complete community list for `seats` community seats
/// (L.273-9): the seats plus one under five seats, plus two otherwise.
pub fn community_list_size(seats: u32) -> u32 {
    seats.saturating_add(if seats < 5 { 1 } else { 2 })
}

/// The most candidates a municipal list may have: the seats plus two (L.260
/// for 1,000 and more; L.252 as rewritten in 2025 under 1,000).
pub fn max_municipal_list(seats: u32) -> u32 {
    seats.saturating_add(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stratum_at_its_boundaries() {
        // (last population of the stratum below, first of the stratum, members)
        let boundaries = [
            (99, 100, 11),
            (499, 500, 15),
            (1_499, 1_500, 19),
            (2_499, 2_500, 23),
            (3_499, 3_500, 27),
            (4_999, 5_000, 29),
            (9_999, 10_000, 33),
            (19_999, 20_000, 35),
            (29_999, 30_000, 39),
            (39_999, 40_000, 43),
            (49_999, 50_000, 45),
            (59_999, 60_000, 49),
            (79_999, 80_000, 53),
            (99_999, 100_000, 55),
            (149_999, 150_000, 59),
            (199_999, 200_000, 61),
            (249_999, 250_000, 65),
            (299_999, 300_000, 69),
        ];
        assert_eq!(municipal_council_size(0), 7);
        assert_eq!(municipal_council_size(1), 7);
        let mut below = 7;
        for (last, first, members) in boundaries {
            assert_eq!(municipal_council_size(last), below, "{last} inhabitants");
            assert_eq!(
                municipal_council_size(first),
                members,
                "{first} inhabitants"
            );
            assert!(members > below && members % 2 == 1, "odd and growing");
            below = members;
        }
        assert_eq!(municipal_council_size(2_133_111), 69);
        assert_eq!(municipal_council_size(u32::MAX), 69);
        // The 1,000 line falls inside the 500-1,499 stratum: 15 either side.
        assert_eq!(municipal_council_size(999), 15);
        assert_eq!(municipal_council_size(1_000), 15);
    }

    #[test]
    fn the_1000_line_and_the_seats_given() {
        assert!(under_1000(Some(999)));
        assert!(!under_1000(Some(1_000)));
        assert!(!under_1000(None));
        assert_eq!(municipal_seats(Some(27), Some(12_000)), Some(27));
        assert_eq!(municipal_seats(None, Some(12_000)), Some(33));
        assert_eq!(municipal_seats(Some(0), Some(450)), Some(11));
        assert_eq!(municipal_seats(None, None), None);
    }

    #[test]
    fn community_lists() {
        assert_eq!(community_list_size(1), 2);
        assert_eq!(community_list_size(4), 5);
        assert_eq!(community_list_size(5), 7);
        assert_eq!(community_list_size(12), 14);
        assert_eq!(max_municipal_list(29), 31);
    }
}
