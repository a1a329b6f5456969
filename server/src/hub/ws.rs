//! The server's WebSocket endpoint: `GET /ws/elections/{id}?since=N`.
//!
//! The upgrade and the forwarding loop are the read model's
//! (`results_view::ws`, re-exported here, with the reasons for its design).
//! What this module adds is the hand-over: when fan-out worker processes
//! hold the public connections ([`super::workers`]), a connection, once
//! upgraded, is taken back as its `TcpStream` and its descriptor passed on;
//! a worker serves it with [`serve_handed`], the same forwarding as here.

use std::os::fd::OwnedFd;
use std::sync::Arc;

use axum::extract::{Path, Query, Request, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio_tungstenite_axum::WebSocketStream;
use tokio_tungstenite_axum::tungstenite::protocol::Role;

pub use results_view::ws::{
    CLOSE_RESTART, CLOSE_TRY_AGAIN, Io, Refusal, Socket, WsParams, config, fanout_runtime, serve,
    upgrade, upgrade_raw,
};

use super::{Feed, HubSettings, TopicView, View};
use crate::error::ApiError;

pub async fn handler(
    State(hub): State<Arc<super::Hub>>,
    Path(id): Path<String>,
    Query(params): Query<WsParams>,
    req: Request,
) -> Result<Response, ApiError> {
    let topic = hub
        .get(&id)
        .ok_or_else(|| ApiError::unknown_election(&id))?;
    let Some(admitted) = hub.admit() else {
        return Ok(hub.capacity.refusal());
    };
    let settings = hub.settings().clone();
    let feed: Arc<dyn Feed> = Arc::new(TopicView {
        topic,
        view: View::Public,
    });
    let Some(workers) = hub.workers().cloned() else {
        return Ok(upgrade(req, move |socket, deflate| async move {
            let _counted = admitted;
            serve(socket, feed, params.since, deflate, settings).await
        })
        .unwrap_or_else(IntoResponse::into_response));
    };
    // Fan-out workers hold the public connections: hand this one over once
    // upgraded, or serve it here if no worker can take it.
    Ok(upgrade_raw(req, move |upgraded, deflate| async move {
        // Counted here while this process serves it; a worker counts its own.
        let _counted = admitted;
        let (tcp, prefix) = match upgraded.downcast::<TokioIo<TcpStream>>() {
            Ok(parts) => (parts.io.into_inner(), parts.read_buf),
            Err(upgraded) => {
                let socket = WebSocketStream::from_raw_socket(
                    TokioIo::new(upgraded),
                    Role::Server,
                    Some(config()),
                )
                .await;
                return serve(socket, feed, params.since, deflate, settings).await;
            }
        };
        let fd = match tcp.into_std() {
            Ok(std) => OwnedFd::from(std),
            Err(e) => {
                tracing::debug!("websocket hand-over: {e}");
                return;
            }
        };
        if let Err((fd, prefix)) = workers.handoff(&id, params.since, deflate, prefix, fd) {
            serve_handed(fd, prefix, feed, params.since, deflate, settings).await;
        }
    })
    .unwrap_or_else(IntoResponse::into_response))
}

/// Serves a connection whose upgrade has been answered, from its socket's
/// descriptor and the bytes already read from it: a fan-out worker's
/// connections, handed over by the main process (or, when no worker could
/// take one, the main process's own).
pub async fn serve_handed(
    fd: OwnedFd,
    prefix: Bytes,
    feed: Arc<dyn Feed>,
    since: Option<i64>,
    deflate: bool,
    settings: HubSettings,
) {
    let tcp = std::net::TcpStream::from(fd);
    let tcp = match tcp
        .set_nonblocking(true)
        .and_then(|()| TcpStream::from_std(tcp))
    {
        Ok(tcp) => tcp,
        Err(e) => {
            tracing::debug!("websocket hand-over: {e}");
            return;
        }
    };
    let socket = if prefix.is_empty() {
        WebSocketStream::from_raw_socket(tcp, Role::Server, Some(config())).await
    } else {
        WebSocketStream::from_partially_read(tcp, prefix.to_vec(), Role::Server, Some(config()))
            .await
    };
    serve(socket, feed, since, deflate, settings).await;
}
