//! The static fallback: the public pages and the feed, written to a folder.
//!
//! With `urne serve --static-dir DIR`, a background task watches every
//! election and, after each change (checked twice a second, so a burst of
//! changes costs one write), writes the rendered pages (both languages), the
//! home pages, the feed JSON and the assets under DIR, mirroring the URLs:
//! `/elections/x/bureaux/B1` → `DIR/elections/x/bureaux/B1/index.html`,
//! `/api/elections/x/feed` → `DIR/api/elections/x/feed.json`. Each file is
//! written to a temporary name and renamed, so nginx never serves half a
//! page; unchanged files are not rewritten. The bytes are those of the page
//! cache, so the disk copy and the live site are identical. `deploy/` shows
//! the nginx side (`docs/feed.md`).

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use super::PublicState;
use super::cache::{HTML, JSON, Key, Rendered, Resource};
use super::i18n::Lang;
use super::view::Page;
use crate::time::now_millis;

/// How often elections are checked for changes.
pub const PERIOD: Duration = Duration::from_millis(500);

/// Writes `bytes` to `path` atomically (temporary file in the same folder,
/// flushed, then renamed over the old one).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

/// Where a URL path lands in the folder.
fn file_for(dir: &Path, url_path: &str, index: bool) -> PathBuf {
    let rel = url_path.trim_start_matches('/');
    let base = if rel.is_empty() {
        dir.to_path_buf()
    } else {
        dir.join(rel)
    };
    if index { base.join("index.html") } else { base }
}

/// True when a URL path can be mapped under the folder without escaping it
/// (codes come from election definitions: be strict).
fn safe(url_path: &str) -> bool {
    url_path.split('/').all(|part| {
        !part.starts_with('.')
            && part
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
    })
}

/// The files of one election at its current version: (path, bytes).
fn election_files(state: &PublicState, id: &str, dir: &Path) -> Vec<(PathBuf, Arc<Rendered>)> {
    let Some(topic) = state.topics.get(id) else {
        return Vec::new();
    };
    let live = topic.read();
    let now = now_millis();
    let version = live.page_stamp(now);
    let mut out = Vec::new();
    for lang in [Lang::Fr, Lang::En] {
        for page in Page::all_of(&live.election) {
            let key = Key {
                election: id.to_string(),
                resource: Resource::Page(page.clone()),
                lang,
            };
            let r = state.pages.get_or_render(key, version, || {
                super::render(&live, &page, lang, now).map(|m| (Bytes::from(m.into_string()), HTML))
            });
            let url = page.path(id, lang);
            if !safe(&url) {
                tracing::warn!(%url, "static copy: page skipped, its address cannot be a file name");
                continue;
            }
            if let Some(r) = r {
                out.push((file_for(dir, &url, true), r));
            }
        }
    }
    let key = Key {
        election: id.to_string(),
        resource: Resource::Feed,
        lang: Lang::Fr,
    };
    if let Some(r) = state.pages.get_or_render(key, version, || {
        Some((Bytes::from(super::feed::snapshot(&live, now)), JSON))
    }) {
        out.push((
            file_for(dir, &format!("/api/elections/{id}/feed.json"), false),
            r,
        ));
    }
    out
}

fn write_assets(dir: &Path) {
    for name in crate::assets::Web::iter() {
        if let Some(f) = crate::assets::Web::get(&name) {
            let path = dir.join("assets").join(name.as_ref());
            if let Err(e) = write_atomic(&path, &f.data) {
                tracing::warn!(path = %path.display(), error = %e, "static copy: cannot write asset");
            }
        }
    }
}

/// Starts the background writer. It runs until the process ends.
pub fn spawn(state: PublicState, dir: PathBuf) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let assets_dir = dir.clone();
        let _ = tokio::task::spawn_blocking(move || write_assets(&assets_dir)).await;
        let mut seen: HashMap<String, u64> = HashMap::new();
        // ETag of each file on disk, so unchanged pages are not rewritten.
        let mut written: HashMap<PathBuf, String> = HashMap::new();
        let mut tick = tokio::time::interval(PERIOD);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let now = now_millis();
            let mut changed = false;
            let mut files = Vec::new();
            for topic in state.topics.list() {
                let version = {
                    let live = topic.read();
                    live.page_stamp(now)
                };
                if seen.get(&topic.id) == Some(&version) {
                    continue;
                }
                changed = true;
                seen.insert(topic.id.clone(), version);
                files.extend(election_files(&state, &topic.id, &dir));
            }
            if !changed {
                continue;
            }
            for lang in [Lang::Fr, Lang::En] {
                if let Some(r) = super::home_rendered(&state, lang) {
                    files.push((file_for(&dir, Page::Home.path("", lang).as_str(), true), r));
                }
            }
            let todo: Vec<_> = files
                .into_iter()
                .filter(|(p, r)| written.get(p) != Some(&r.etag))
                .collect();
            let done = tokio::task::spawn_blocking(move || {
                todo.into_iter()
                    .filter_map(|(path, r)| match write_atomic(&path, &r.body) {
                        Ok(()) => Some((path, r.etag.clone())),
                        Err(e) => {
                            tracing::warn!(path = %path.display(), error = %e, "static copy: cannot write");
                            None
                        }
                    })
                    .collect::<Vec<_>>()
            })
            .await
            .unwrap_or_default();
            written.extend(done);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_escaping_paths() {
        assert!(safe("/elections/x/bureaux/B-01"));
        assert!(safe("/en/"));
        assert!(!safe("/elections/x/bureaux/.."));
        assert!(!safe("/elections/x/bureaux/a b"));
    }

    #[test]
    fn urls_map_to_files() {
        let d = Path::new("/srv/urne");
        assert_eq!(file_for(d, "/", true), Path::new("/srv/urne/index.html"));
        assert_eq!(
            file_for(d, "/en/", true),
            Path::new("/srv/urne/en/index.html")
        );
        assert_eq!(
            file_for(d, "/elections/x/bureaux/B1", true),
            Path::new("/srv/urne/elections/x/bureaux/B1/index.html")
        );
        assert_eq!(
            file_for(d, "/api/elections/x/feed.json", false),
            Path::new("/srv/urne/api/elections/x/feed.json")
        );
    }

    #[test]
    fn atomic_write_replaces_the_file() {
        let dir =
            std::env::temp_dir().join(format!("urne-static-{}", uuid::Uuid::new_v4().simple()));
        let p = dir.join("a/b/index.html");
        write_atomic(&p, b"one").expect("write");
        write_atomic(&p, b"two").expect("write");
        assert_eq!(std::fs::read(&p).expect("read"), b"two");
        let leftovers = std::fs::read_dir(p.parent().expect("dir"))
            .expect("ls")
            .count();
        assert_eq!(leftovers, 1, "temporary files left behind");
        let _ = std::fs::remove_dir_all(dir);
    }
}
