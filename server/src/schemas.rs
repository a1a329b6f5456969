//! The OpenAPI schemas of the domain types the API carries (election
//! definitions, PV lines, violations, refusals, tallies, frames), for the
//! document generated from the code (`/api/openapi.json`).
//!
//! The domain crate stays free of any HTTP or OpenAPI dependency, so its
//! types are described here, once, by marker types implementing
//! [`utoipa::ToSchema`]; the API's own bodies derive their schemas from
//! their Rust definitions (`#[derive(ToSchema)]`) in [`crate::api`]'s
//! resource modules and [`crate::error::ErrorBody`].

use std::borrow::Cow;

use serde_json::{Value, json};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

fn from_json(v: Value) -> RefOr<Schema> {
    // The fragments below are constants; a broken one is caught by the
    // test `every_schema_parses`.
    serde_json::from_value(v).unwrap_or_else(|_| RefOr::T(Schema::default()))
}

/// Declares a marker type whose schema is the given JSON fragment.
macro_rules! described {
    ($(#[$m:meta])* $name:ident, $json:expr) => {
        $(#[$m])*
        pub struct $name;
        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                from_json($json)
            }
        }
        impl ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    };
}

fn voix_line() -> Value {
    json!({
        "type": "object",
        "required": ["candidate", "voix"],
        "additionalProperties": false,
        "properties": {
            "candidate": { "type": "integer", "minimum": 0, "maximum": 4294967295u64 },
            "voix": { "type": "integer", "format": "int64" }
        }
    })
}

fn turnout_reading() -> Value {
    json!({
        "type": "object",
        "required": ["hour", "votants"],
        "additionalProperties": false,
        "properties": {
            "hour": { "type": "string", "examples": ["12:00"] },
            "votants": { "type": "integer", "format": "int64" }
        }
    })
}

described!(
    /// `{candidate, voix}`: a candidate's (or list's) votes.
    CandidateVoix,
    voix_line()
);

described!(
    /// A turnout reading: the votants at a given hour.
    TurnoutReading,
    turnout_reading()
);

described!(
    /// A running tally after the first `at` ballots (100, 200…).
    Centaine,
    json!({
        "type": "object",
        "required": ["at", "blancs", "nuls", "voix"],
        "additionalProperties": false,
        "properties": {
            "at": { "type": "integer", "format": "int64" },
            "blancs": { "type": "integer", "format": "int64" },
            "nuls": { "type": "integer", "format": "int64" },
            "voix": { "type": "array", "items": voix_line() }
        }
    })
);

described!(
    /// The bureaux' contours of an election: each bureau's rings in integer
    /// map units (x to the east, y to the south, the longer side 1000),
    /// projected and simplified from the imported GeoJSON.
    BureauMap,
    json!({
        "type": "object",
        "required": ["width", "height", "shapes"],
        "properties": {
            "width": { "type": "integer" },
            "height": { "type": "integer" },
            "shapes": {
                "type": "object",
                "description": "Bureau code → its rings (outer rings and holes), each a closed list of [x, y].",
                "additionalProperties": {
                    "type": "array",
                    "items": { "type": "array", "items": {
                        "type": "array", "items": { "type": "integer" }, "minItems": 2, "maxItems": 2
                    } }
                }
            }
        }
    })
);

described!(
    /// A problem of a contours file: where (the file, a feature, a bureau) and why.
    ContourError,
    json!({
        "type": "object",
        "required": ["place", "reason"],
        "properties": {
            "place": { "type": "string", "examples": ["objet n° 3 (bureau 0003)", "bureau 0007"] },
            "reason": { "type": "string" }
        }
    })
);

described!(
    /// An account's role.
    Role,
    json!({ "type": "string", "enum": ["admin", "desk", "president", "public"] })
);

described!(
    /// A broken rule of a procès-verbal: the field, the rule, how serious.
    Violation,
    json!({
        "type": "object",
        "required": ["field", "rule", "severity", "message"],
        "properties": {
            "field": { "type": "string", "examples": ["votants", "voix[3]", "turnout[17:00]"] },
            "rule": {
                "type": "string",
                "description": "non_negative, votants_at_most_inscrits, votants_breakdown, voix_sum_exprimes, candidate_missing, candidate_unknown, candidate_duplicate, turnout_at_most_inscrits, turnout_non_decreasing, turnout_unknown_hour, centaine_step, centaine_sum, centaine_above_final, inscrits_differ_from_roll, blancs_implausible, nuls_implausible, large_correction…"
            },
            "severity": { "type": "string", "enum": ["error", "warning"] },
            "message": { "type": "string" }
        }
    })
);

described!(
    /// A problem of an election definition: the field and what is wrong.
    DefinitionError,
    json!({
        "type": "object",
        "required": ["field", "message"],
        "properties": {
            "field": { "type": "string", "examples": ["id", "candidates[0].colour"] },
            "message": { "type": "string" }
        }
    })
);

described!(
    /// Why the workflow refuses an action (`reason`, and details).
    Refusal,
    json!({
        "type": "object",
        "required": ["reason"],
        "properties": {
            "reason": {
                "type": "string",
                "description": "forbidden, not_your_bureau, locked, wrong_state, second_entry_missing, entries_differ, no_centaines, result_published, no_trend"
            },
            "state": { "type": "string" },
            "fields": { "type": "array", "items": { "type": "string" } }
        }
    })
);

described!(
    /// An election's definition: territory, bureaux, candidates or lists.
    Election,
    json!({
        "type": "object",
        "description": "Fields not listed here are ignored. The definition is checked as a whole (unique codes, one root perimeter, known parents…); what the schema cannot say is answered 422 with every problem named.",
        "required": ["id", "label", "kind", "round", "date", "perimeters", "bureaux", "candidates"],
        "properties": {
            "id": { "type": "string", "pattern": "^[a-z0-9-]{1,64}$" },
            "label": { "type": "string" },
            "kind": {
                "type": "string",
                "enum": ["presidentielle", "legislatives", "europeennes", "regionales", "departementales", "municipales", "communautaires", "referendum"]
            },
            "round": { "type": "integer", "enum": [1, 2] },
            "date": { "type": "string", "format": "date" },
            "turnout_hours": { "type": "array", "items": { "type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$" } },
            "embargo": { "type": "string", "description": "RFC 3339 instant before which the public sees participation only." },
            "double_entry": { "type": "boolean" },
            "seats": { "type": "integer", "minimum": 0, "maximum": 10000, "description": "Seats to fill (list elections). For municipales, when absent, the L.2121-2 CGCT table gives them from the root commune's population." },
            "cc_seats": { "type": "integer", "minimum": 1, "maximum": 10000, "description": "Municipales of a commune of 1,000 inhabitants and more: its seats at the community council (prefectural order), allocated from the same voix (L.273-8)." },
            "previous": {
                "type": "object",
                "description": "The previous comparable election, for the participation page.",
                "required": ["label", "inscrits", "votants"],
                "properties": {
                    "label": { "type": "string" },
                    "inscrits": { "type": "integer", "minimum": 0 },
                    "votants": { "type": "integer", "minimum": 0 },
                    "turnout": { "type": "array", "items": turnout_reading() }
                }
            },
            "perimeters": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["code", "name", "kind"],
                    "properties": {
                        "code": { "type": "string" },
                        "name": { "type": "string" },
                        "kind": { "type": "string", "enum": ["commune", "circonscription", "canton", "quartier", "village"] },
                        "parent": { "type": "string", "description": "Absent for the one root, of kind commune." },
                        "population": { "type": "integer", "minimum": 1, "maximum": 4294967295u64, "description": "A commune's INSEE authenticated population (population municipale): sets the municipal council's size (L.2121-2 CGCT) and the under-1,000 rules. Communes only." }
                    }
                }
            },
            "bureaux": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["code", "name", "inscrits"],
                    "properties": {
                        "code": { "type": "string" },
                        "name": { "type": "string" },
                        "address": { "type": "string" },
                        "inscrits": { "type": "integer", "minimum": 0 },
                        "perimeters": { "type": "array", "items": { "type": "string" } }
                    }
                }
            },
            "candidates": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["number", "name", "colour"],
                    "properties": {
                        "number": { "type": "integer", "minimum": 1, "maximum": 4294967295u64 },
                        "name": { "type": "string" },
                        "nuance": { "type": "string" },
                        "colour": { "type": "string", "pattern": "^#[0-9a-fA-F]{6}$" },
                        "list_size": { "type": "integer", "minimum": 1, "description": "Candidates on the municipal list (at most the seats plus two); absent: complete." },
                        "cc_list_size": { "type": "integer", "minimum": 1, "description": "Candidates on the community list, with cc_seats (at most the seats plus one under five, plus two otherwise, L.273-9); absent: complete." }
                    }
                }
            }
        }
    })
);

described!(
    /// The results of a bureau or perimeter.
    Tally,
    json!({
        "type": "object",
        "description": "arrived/total bureaux, summed counts, rates (percent, two decimals), scores per candidate, turnout per hour."
    })
);

described!(
    /// The live state as the WebSocket's first frame (`type: snapshot`).
    Snapshot,
    json!({
        "type": "object",
        "required": ["type", "seq"],
        "description": "The same bytes as the WebSocket snapshot frame: the election, the tallies of every perimeter and bureau visible to the view, and the sequence number `seq`.",
        "properties": {
            "type": { "type": "string" },
            "seq": { "type": "integer" }
        }
    })
);

fn allocation() -> Value {
    json!({
        "type": "object",
        "required": ["method", "total", "lists", "vacant", "undecided", "outcome", "warnings"],
        "properties": {
            "method": {
                "type": "object",
                "description": "`{\"method\": \"municipal\" | \"municipal_under1000\" | \"communautaire\", \"round\": 1|2}` or `{\"method\": \"highest_average\" | \"largest_remainder\", \"threshold\": {num, den}}`",
                "required": ["method"]
            },
            "total": { "type": "integer", "description": "Seats to fill." },
            "lists": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "eligible", "seats", "bonus", "proportional"],
                    "properties": {
                        "id": { "type": "integer", "description": "The list's panel number." },
                        "eligible": { "type": "boolean", "description": "Reached the threshold (5 % for the municipal methods)." },
                        "seats": { "type": "integer" },
                        "bonus": { "type": "integer", "description": "Majority bonus seats." },
                        "proportional": { "type": "integer" }
                    }
                }
            },
            "winner": { "type": ["integer", "null"], "description": "The list that won the majority bonus." },
            "vacant": { "type": "integer", "description": "Seats left without a candidate (every admitted list full)." },
            "undecided": { "type": "integer", "description": "Seats not decided (see outcome)." },
            "outcome": {
                "type": "object",
                "required": ["kind"],
                "description": "kind: allocated, vacancies, second_round_needed, no_exprimes, no_list_qualified, needs_ages, unbreakable, invalid."
            },
            "warnings": { "type": "array", "items": { "type": "object" } }
        }
    })
}

described!(
    /// The seats of one procès-verbal: the council and, for a municipal
    /// ballot with community seats, the community council.
    Councils,
    json!({
        "type": "object",
        "required": ["council"],
        "properties": {
            "council": allocation(),
            "community": allocation()
        }
    })
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_described_schema_is_an_object_or_enum() {
        for schema in [
            CandidateVoix::schema(),
            TurnoutReading::schema(),
            Centaine::schema(),
            Role::schema(),
            Violation::schema(),
            DefinitionError::schema(),
            Refusal::schema(),
            Election::schema(),
            Tally::schema(),
            Snapshot::schema(),
            Councils::schema(),
        ] {
            let v = serde_json::to_value(&schema).unwrap_or_default();
            assert!(v.get("type").is_some(), "{v}");
        }
    }
}
