//! `GET /api/elections/{id}/feed[?since=N]`: the open-data feed of the
//! published results (`urne-feed/1`), for anyone, cross-origin.
//!
//! Without `since`, the whole public state, rendered once per change and
//! answered with an `ETag` (a 304 to `If-None-Match`); with `since`, the
//! changes after that sequence number when they are still in the ring, or
//! the whole state otherwise. The document itself is built by
//! [`crate::pages::feed`].

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Deserialize;
use utoipa::IntoParams;

use super::schemas::ErrorBody;
use super::{ApiQuery, ElectionPath};
use crate::error::ApiError;
use crate::hub::View;
use crate::pages::cache::{CACHE_CONTROL, JSON, Key, PageCache, Resource, stamp};
use crate::pages::feed::{FORMAT, snapshot};
use crate::pages::i18n::Lang;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// The last sequence number the reader has: answers the changes after it.
    pub since: Option<i64>,
}

/// Answers with the feed's cross-origin header, whatever the outcome.
fn open(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

/// The open feed of the published results.
#[utoipa::path(get, path = "/elections/{id}/feed", tag = "feed",
    params(("id" = String, Path, description = "The election's id"), FeedQuery),
    responses(
        (status = 200, description = "`urne-feed/1`: `type` is `snapshot` (the whole public state) or `changes` (the frames after `since`)",
            body = Object, content_type = "application/json"),
        (status = 304, description = "Not modified since the `If-None-Match` ETag"),
        (status = 400, description = "`since` is not an integer", body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn feed(
    State(pages): State<Arc<PageCache>>,
    election: Result<ElectionPath, ApiError>,
    query: Result<ApiQuery<FeedQuery>, ApiError>,
    headers: HeaderMap,
) -> Response {
    let (topic, q) = match (election, query) {
        (Ok(ElectionPath(topic)), Ok(ApiQuery(q))) => (topic, q),
        (Err(e), _) | (_, Err(e)) => return open(e.into_response()),
    };
    let id = topic.id.clone();
    if let Some(since) = q.since {
        let sub = topic.subscribe(View::Public, Some(since));
        if !sub.snapshot {
            let seq = sub.initial.last().map_or(since, |f| f.seq);
            let mut body = format!(
                "{{\"format\":\"{FORMAT}\",\"type\":\"changes\",\"election\":{},\"since\":{since},\"seq\":{seq},\"changes\":[",
                serde_json::to_string(&id).unwrap_or_default()
            );
            for (i, f) in sub.initial.iter().enumerate() {
                if i > 0 {
                    body.push(',');
                }
                body.push_str(f.text.as_str());
            }
            body.push_str("]}");
            return open(
                (
                    [
                        (header::CONTENT_TYPE, JSON),
                        (header::CACHE_CONTROL, CACHE_CONTROL),
                    ],
                    body,
                )
                    .into_response(),
            );
        }
    }
    let rendered = {
        let live = topic.read();
        let now = crate::store::now_millis();
        let key = Key {
            election: id,
            resource: Resource::Feed,
            lang: Lang::Fr,
        };
        pages.get_or_render(key, stamp(live.seq, live.embargoed(now)), || {
            Some((Bytes::from(snapshot(&live, now)), JSON))
        })
    };
    match rendered {
        Some(r) => open(r.respond(&headers)),
        None => open(ApiError::Internal(anyhow::anyhow!("feed not rendered")).into_response()),
    }
}
