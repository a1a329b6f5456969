//! Following the server: one task per election, for as long as the kiosk runs.
//!
//! Each task fetches the election's definition once (and its contours at
//! each connection, asking again until the server gives them), then holds
//! the public WebSocket open, resuming from the last sequence number it
//! applied. Every
//! frame goes to the mirror (saved to disk) and to the kiosk's local hub, so
//! the screens attached to the kiosk update at once. When the link drops the
//! screens keep their figures; the task retries with exponential backoff
//! (with jitter, so a town's kiosks do not reconnect in lockstep) and the
//! link state is shown on every page.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use results_view::Topics;
use results_view::protocol::Message;
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::mirror::{Applied, Mirror};

/// Whether the kiosk currently hears from the server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Link {
    pub up: bool,
    /// Milliseconds since the epoch when the link dropped (None while up or never up).
    pub down_since: Option<i64>,
}

/// State shared by the upstream tasks and the local server.
#[derive(Debug)]
pub struct Shared {
    pub server: String,
    pub state_dir: std::path::PathBuf,
    pub hub: Arc<Topics>,
    pub link: Mutex<Link>,
    /// Period of the big screen's rotation, in seconds.
    pub rotation_seconds: u32,
    /// Back to the touch home after this long without a touch.
    pub idle_seconds: u32,
}

impl Shared {
    pub fn link(&self) -> Link {
        *self.link.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set_up(&self, up: bool) {
        let mut l = self.link.lock().unwrap_or_else(|e| e.into_inner());
        if up {
            *l = Link {
                up: true,
                down_since: None,
            };
        } else if l.up || l.down_since.is_none() {
            *l = Link {
                up: false,
                down_since: Some(results_view::time::now_millis()),
            };
        }
    }
}

const MIN_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(10);

fn ws_url(server: &str) -> String {
    if let Some(rest) = server.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = server.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        server.to_string()
    }
}

async fn fetch_definition(shared: &Shared, id: &str) -> anyhow::Result<election_data::Election> {
    let url = format!("{}/api/elections/{id}", shared.server);
    let resp = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?
        .get(&url)
        .send()
        .await?
        .error_for_status()?;
    Ok(resp.json().await?)
}

/// The election's contours: Some(None) when the server has none (404),
/// None when it could not be asked.
async fn fetch_contours(
    shared: &Shared,
    id: &str,
) -> Option<Option<election_data::map::BureauMap>> {
    let url = format!("{}/api/elections/{id}/contours", shared.server);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .ok()?;
    let resp = client.get(&url).send().await.ok()?;
    if resp.status() == reqwest::StatusCode::NOT_FOUND {
        return Some(None);
    }
    resp.error_for_status().ok()?.json().await.ok().map(Some)
}

/// Brings the mirror's contours up to the server's (a new import since the
/// last connection), on disk and on the local screens. False when the
/// server could not be asked (a busy server's timeout): the caller asks
/// again while the link is up rather than waiting for the next connection.
async fn refresh_contours(shared: &Shared, m: &mut Mirror) -> bool {
    let Some(map) = fetch_contours(shared, &m.election.id).await else {
        tracing::warn!(election = %m.election.id, "cannot fetch the contours, asking again");
        return false;
    };
    if map == m.map {
        return true;
    }
    m.map = map;
    if let Err(e) = m.save(&shared.state_dir) {
        tracing::error!(election = %m.election.id, error = %e, "cannot save the mirror");
    }
    if let Some(topic) = shared.hub.get(&m.election.id) {
        topic.set_map(m.map.clone());
    }
    true
}

/// How long to wait before asking again for contours the server did not give.
const CONTOURS_RETRY: Duration = Duration::from_secs(2);

/// Pushes the mirror's new state to the local hub after a frame.
fn to_hub(shared: &Shared, mirror: &Mirror, msg: &Message<'_>) {
    let Some(topic) = shared.hub.get(&mirror.election.id) else {
        shared.hub.insert(mirror.to_live());
        return;
    };
    match msg {
        Message::Delta(d) if d.bureaux.len() == 1 => {
            let Some(code) = d.bureaux.keys().next() else {
                return;
            };
            if let Some((_, row)) = mirror.rows().into_iter().find(|(c, _)| c == code) {
                topic.publish(code, row, mirror.seq);
            }
        }
        // Several bureaux at once (coalesced changes): the local screens
        // get the new state whole.
        Message::Delta(d) if !d.bureaux.is_empty() => topic.replace(mirror.to_live()),
        Message::Seq(_) | Message::Delta(_) => {
            // Nothing public changed: advance the local sequence with an
            // unchanged bureau, which the hub sends as a bare `seq` frame.
            let first = mirror.election.bureaux.first().map(|b| b.code.clone());
            if let Some(code) = first {
                let row = topic.read().bureau(&code);
                topic.publish(&code, row, mirror.seq);
            }
        }
        Message::Snapshot(_) => topic.replace(mirror.to_live()),
    }
}

/// Follows one election until the process stops.
pub async fn follow(shared: Arc<Shared>, id: String) {
    let mut mirror = Mirror::load(&shared.state_dir, &id);
    if let Some(m) = &mirror {
        shared.hub.insert(m.to_live());
    }
    let mut backoff = MIN_BACKOFF;
    loop {
        if mirror.is_none() {
            match fetch_definition(&shared, &id).await {
                Ok(e) => {
                    let m = Mirror::new(e);
                    shared.hub.insert(m.to_live());
                    mirror = Some(m);
                }
                Err(e) => {
                    tracing::warn!(election = %id, error = %e, "cannot fetch the election's definition");
                    shared.set_up(false);
                    sleep_backoff(&mut backoff).await;
                    continue;
                }
            }
        }
        let Some(m) = mirror.as_mut() else { continue };
        let url = match m.since() {
            Some(n) => format!("{}/ws/elections/{id}?since={n}", ws_url(&shared.server)),
            None => format!("{}/ws/elections/{id}", ws_url(&shared.server)),
        };
        match connect_async(&url).await {
            Ok((mut ws, _)) => {
                shared.set_up(true);
                let mut contours_known = refresh_contours(&shared, m).await;
                backoff = MIN_BACKOFF;
                tracing::info!(election = %id, since = ?m.since(), "following the server");
                loop {
                    let next = if contours_known {
                        ws.next().await
                    } else {
                        tokio::select! {
                            msg = ws.next() => msg,
                            () = tokio::time::sleep(CONTOURS_RETRY) => {
                                contours_known = refresh_contours(&shared, m).await;
                                continue;
                            }
                        }
                    };
                    let Some(msg) = next else { break };
                    let Ok(msg) = msg else { break };
                    let WsMessage::Text(text) = msg else { continue };
                    let Ok(frame) = Message::decode(text.as_str()) else {
                        continue;
                    };
                    match m.apply_message(&frame) {
                        Applied::Advanced => {
                            if let Err(e) = m.save(&shared.state_dir) {
                                tracing::error!(election = %id, error = %e, "cannot save the mirror");
                            }
                            to_hub(&shared, m, &frame);
                        }
                        Applied::Gap => {
                            tracing::warn!(election = %id, seq = m.seq, "gap in the frames, resubscribing");
                            break;
                        }
                        Applied::Stale | Applied::Ignored => {}
                    }
                }
                tracing::warn!(election = %id, "link to the server lost");
                shared.set_up(false);
            }
            Err(e) => {
                tracing::debug!(election = %id, error = %e, "server unreachable");
                shared.set_up(false);
            }
        }
        sleep_backoff(&mut backoff).await;
    }
}

async fn sleep_backoff(backoff: &mut Duration) {
    let jitter = Duration::from_millis(
        u64::try_from(results_view::time::now_millis().rem_euclid(250)).unwrap_or(0),
    );
    tokio::time::sleep(*backoff + jitter).await;
    *backoff = (*backoff * 2).min(MAX_BACKOFF);
}
