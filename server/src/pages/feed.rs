//! The open results feed for media: `GET /api/elections/{id}/feed`.
//!
//! The document is built by the read model (`results_view::pages::feed`);
//! this is its HTTP handler.
//!
//! One JSON document per election with everything a newsroom needs to
//! publish: the election, its candidates, the perimeter tree, every bureau
//! with its state and arrival time, and the public tally of every level,
//! with "N bureaux sur M" and the embargo flag. It is the public view (only
//! published bureaux; participation only during an embargo), built once per
//! change and served from the page cache. `?since=N` returns only the
//! changes after sequence number `N`, from the hub's ring of recent frames,
//! or the whole document when `N` is too old. The format is described in
//! `docs/feed.md`; [`snapshot`] is pure, so the static fallback writes the
//! very same bytes.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Deserialize;

use super::cache::{JSON, Key, Resource, stamp};
use super::i18n::Lang;
use crate::app::AppState;
use crate::hub::View;

pub use results_view::pages::feed::{FORMAT, changes, rfc3339, snapshot};

#[derive(Debug, Deserialize)]
pub struct FeedQuery {
    pub since: Option<i64>,
}

fn json_error(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")],
        axum::Json(serde_json::json!({ "error": message })),
    )
        .into_response()
}

/// `GET /api/elections/{id}/feed[?since=N]`.
pub async fn feed(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<FeedQuery>,
    headers: HeaderMap,
) -> Response {
    let Some(topic) = state.hub.get(&id) else {
        return json_error(StatusCode::NOT_FOUND, &format!("élection inconnue : {id}"));
    };
    if let Some(since) = q.since {
        let sub = topic.subscribe(View::Public, Some(since));
        if !sub.snapshot {
            let body = changes(&id, since, &sub.initial);
            return (
                [
                    (header::CONTENT_TYPE, JSON),
                    (header::CACHE_CONTROL, super::cache::CACHE_CONTROL),
                    (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
                ],
                body,
            )
                .into_response();
        }
    }
    let rendered = {
        let live = topic.read();
        let now = results_view::time::now_millis();
        let key = Key {
            election: id.clone(),
            resource: Resource::Feed,
            lang: Lang::Fr,
        };
        state
            .pages
            .get_or_render(key, stamp(live.seq, live.public_view(now).embargo), || {
                Some((Bytes::from(snapshot(&live, now)), JSON))
            })
    };
    match rendered {
        Some(r) => {
            let mut resp = r.respond(&headers);
            resp.headers_mut().insert(
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            );
            resp
        }
        None => json_error(StatusCode::INTERNAL_SERVER_ERROR, "flux indisponible"),
    }
}
