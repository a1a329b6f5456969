//! Render once per change: the public pages served from memory.
//!
//! Every public page (and the JSON feed) is a function of an election's live
//! state, which only changes with its sequence number (and when an embargo
//! ends). The cache keeps, per (election, page, language), the bytes rendered
//! for the last version seen; the first request after a change renders them
//! (one request renders, concurrent ones wait for it and share the result)
//! and every later request clones a [`Bytes`] handle. A gzip copy is made
//! once, on the first request that accepts it, so the compression layer has
//! nothing to do either. Responses carry a content-hash `ETag`, a
//! `Last-Modified` (when that version was first rendered) and a short
//! `Cache-Control`, and conditional requests get `304 Not Modified`.
//!
//! Only pages that exist are cached (an unknown bureau is a 404 rendered on
//! the spot), so the cache holds at most one entry per real page and language.

use std::hash::{Hash, Hasher};
use std::io::Write;
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use dashmap::DashMap;
use sha2::{Digest, Sha256};

use super::i18n::Lang;
use super::view::Page;

/// Browsers and proxies may reuse a page this long without asking again:
/// short enough for live results, long enough to absorb a refresh storm.
pub const CACHE_CONTROL: &str = "public, max-age=2";

pub const HTML: &str = "text/html; charset=utf-8";
pub const JSON: &str = "application/json";

/// What a cached resource is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Resource {
    Page(Page),
    /// The open results feed (snapshot form).
    Feed,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    /// Empty for the home page.
    pub election: String,
    pub resource: Resource,
    pub lang: Lang,
}

/// The version of an election's public state (its sequence number and
/// whether the embargo is on), defined with the state it versions.
pub use crate::live::stamp;

/// The version of several elections at once (the home page).
pub fn combined_stamp(parts: impl IntoIterator<Item = (String, u64)>) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for p in parts {
        p.hash(&mut h);
    }
    h.finish()
}

/// One rendered resource.
#[derive(Debug)]
pub struct Rendered {
    pub body: Bytes,
    gzip: OnceLock<Bytes>,
    pub content_type: &'static str,
    /// Strong validator of `body`: a prefix of its SHA-256.
    pub etag: String,
    gzip_etag: String,
    pub modified: SystemTime,
    last_modified: String,
}

impl Rendered {
    pub fn new(body: Bytes, content_type: &'static str) -> Rendered {
        let digest = Sha256::digest(&body);
        let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
        // HTTP dates have whole seconds; so must the comparison.
        let modified = crate::time::system_time_secs(crate::time::now_millis());
        Rendered {
            body,
            gzip: OnceLock::new(),
            content_type,
            etag: format!("\"{hex}\""),
            gzip_etag: format!("\"{hex}-gz\""),
            modified,
            last_modified: httpdate::fmt_http_date(modified),
        }
    }

    /// The gzip copy, made on first use.
    pub fn gzip(&self) -> &Bytes {
        self.gzip.get_or_init(|| {
            let mut enc = flate2::write::GzEncoder::new(
                Vec::with_capacity(self.body.len() / 4),
                flate2::Compression::default(),
            );
            // Writing into a Vec cannot fail.
            let _ = enc.write_all(&self.body);
            Bytes::from(enc.finish().unwrap_or_default())
        })
    }

    fn not_modified(&self, req: &HeaderMap) -> bool {
        if let Some(inm) = req.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
            return inm.split(',').map(str::trim).any(|tag| {
                let tag = tag.strip_prefix("W/").unwrap_or(tag);
                tag == "*" || tag == self.etag || tag == self.gzip_etag
            });
        }
        req.get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok())
            .is_some_and(|since| self.modified <= since)
    }

    /// The response to a GET: 304 when the client's copy is current, the
    /// gzip bytes when accepted, the plain bytes otherwise.
    pub fn respond(&self, req: &HeaderMap) -> Response {
        let gzip = accepts_gzip(req);
        let etag = if gzip { &self.gzip_etag } else { &self.etag };
        let mut headers = HeaderMap::new();
        let hv = |s: &str| HeaderValue::from_str(s).unwrap_or(HeaderValue::from_static(""));
        headers.insert(header::ETAG, hv(etag));
        headers.insert(header::LAST_MODIFIED, hv(&self.last_modified));
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(CACHE_CONTROL),
        );
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        if self.not_modified(req) {
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        if gzip {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            (headers, self.gzip().clone()).into_response()
        } else {
            (headers, self.body.clone()).into_response()
        }
    }
}

/// True when `Accept-Encoding` lists gzip with a non-zero quality.
fn accepts_gzip(req: &HeaderMap) -> bool {
    req.get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or("");
            let zero_q = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !zero_q
        })
}

#[derive(Debug)]
struct Slot {
    stamp: u64,
    /// None when the page does not exist in that version.
    cell: OnceLock<Option<Arc<Rendered>>>,
}

/// The cache of every public page; one per server.
#[derive(Debug, Default)]
pub struct PageCache {
    slots: DashMap<Key, Arc<Slot>>,
}

impl PageCache {
    pub fn new() -> PageCache {
        PageCache::default()
    }

    /// The resource at `key` for version `stamp`: from memory, or rendered
    /// now by `render` (once, however many requests ask at the same time).
    /// Call it with the election's state locked for reading, so that the
    /// stamp and what `render` sees agree.
    pub fn get_or_render(
        &self,
        key: Key,
        stamp: u64,
        render: impl FnOnce() -> Option<(Bytes, &'static str)>,
    ) -> Option<Arc<Rendered>> {
        let slot = {
            let mut entry = self.slots.entry(key).or_insert_with(|| {
                Arc::new(Slot {
                    stamp,
                    cell: OnceLock::new(),
                })
            });
            if entry.stamp != stamp {
                *entry = Arc::new(Slot {
                    stamp,
                    cell: OnceLock::new(),
                });
            }
            entry.clone()
            // The map's shard lock is released here, before rendering.
        };
        slot.cell
            .get_or_init(|| render().map(|(body, ct)| Arc::new(Rendered::new(body, ct))))
            .clone()
    }

    /// Number of cached resources (for tests and metrics).
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn key() -> Key {
        Key {
            election: "e".into(),
            resource: Resource::Page(Page::Commune),
            lang: Lang::Fr,
        }
    }

    #[test]
    fn renders_once_per_version() {
        let cache = PageCache::new();
        let renders = AtomicUsize::new(0);
        let render = |s: &'static str| {
            renders.fetch_add(1, Ordering::SeqCst);
            Some((Bytes::from_static(s.as_bytes()), HTML))
        };
        let a = cache
            .get_or_render(key(), stamp(1, false), || render("one"))
            .expect("page");
        let b = cache
            .get_or_render(key(), stamp(1, false), || render("other"))
            .expect("page");
        assert_eq!(b.body, "one");
        assert_eq!(a.etag, b.etag);
        assert_eq!(renders.load(Ordering::SeqCst), 1);
        let c = cache
            .get_or_render(key(), stamp(2, false), || render("two"))
            .expect("page");
        assert_eq!(c.body, "two");
        assert_ne!(a.etag, c.etag);
        let d = cache
            .get_or_render(key(), stamp(2, true), || render("embargo"))
            .expect("page");
        assert_eq!(d.body, "embargo");
        assert_eq!(renders.load(Ordering::SeqCst), 3);
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn conditional_requests_get_304() {
        let r = Rendered::new(Bytes::from_static(b"<p>hello</p>"), HTML);
        let mut h = HeaderMap::new();
        assert_eq!(r.respond(&h).status(), StatusCode::OK);
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_str(&r.etag).expect("etag"),
        );
        assert_eq!(r.respond(&h).status(), StatusCode::NOT_MODIFIED);
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"other\""));
        assert_eq!(r.respond(&h).status(), StatusCode::OK);
        let mut h = HeaderMap::new();
        h.insert(
            header::IF_MODIFIED_SINCE,
            HeaderValue::from_str(&httpdate::fmt_http_date(r.modified)).expect("date"),
        );
        assert_eq!(r.respond(&h).status(), StatusCode::NOT_MODIFIED);
    }

    #[test]
    fn gzip_when_accepted() {
        let r = Rendered::new(Bytes::from("x".repeat(10_000)), HTML);
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("br, gzip;q=0.8"),
        );
        let resp = r.respond(&h);
        assert_eq!(resp.headers()[header::CONTENT_ENCODING], "gzip");
        assert!(r.gzip().len() < 200);
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip;q=0"),
        );
        assert!(
            r.respond(&h)
                .headers()
                .get(header::CONTENT_ENCODING)
                .is_none()
        );
    }
}
