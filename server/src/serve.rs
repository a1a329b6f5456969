//! Starting and stopping the server: [`spawn`] restores the state, binds a
//! listener and runs the accept loop ([`serve`]) in the background; the CLI,
//! the demo, the kiosk and the tests all start the server this way.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::hub;
use crate::router::router;
use crate::state::{AppState, Config};
use crate::store::Store;
use crate::tls::Tls;

/// A running server.
#[derive(Debug)]
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Stops accepting, lets in-flight requests finish (up to a few seconds).
    pub async fn shutdown(mut self) {
        if let Some(workers) = self.state.hub.all_workers() {
            workers.stop();
        }
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = tokio::time::timeout(Duration::from_secs(5), &mut self.task).await;
        self.task.abort();
    }

    /// Waits until the server stops on its own (it does not, unless it fails).
    pub async fn wait(self) -> anyhow::Result<()> {
        self.task.await??;
        Ok(())
    }
}

/// Binds `listen`, restores the state from `store` and serves in the background.
pub async fn spawn(listen: &str, store: Arc<Store>, config: Config) -> anyhow::Result<Running> {
    let state = AppState::restore(store, config).await?;
    // The tables of the modules on, as this build declares them.
    crate::store::records::prepare_enabled(&state.store, &state.config.modules).await?;
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr()?;
    if state.config.fanout_workers > 0 {
        let exe = match &state.config.worker_exe {
            Some(exe) => exe.clone(),
            None => std::env::current_exe()?,
        };
        let command = hub::workers::WorkerCommand {
            exe,
            settings: state.hub.settings().clone(),
        };
        hub::workers::Workers::start(&state.hub, state.config.fanout_workers, command).await?;
    }
    // Instances on one PostgreSQL database follow each other's writes.
    crate::follow::spawn(state.store.clone(), state.hub.clone());
    let app = router(state.clone());
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, app, rx, state.config.tls.clone()));
    Ok(Running {
        addr,
        state,
        shutdown: Some(tx),
        task,
    })
}

/// The accept loop: HTTP/1.1 by hyper, with upgrades, each connection on its
/// own task, until `stop` fires; then in-flight requests finish.
///
/// Rather than `axum::serve`, so that an upgraded WebSocket connection can
/// be taken back as the `TcpStream` it is (hyper's `Upgraded::downcast`)
/// and handed to a fan-out worker process ([`hub::workers`]); `axum::serve`
/// wraps connections in a private type. Accepted sockets get `TCP_NODELAY`:
/// a live frame must not wait for the previous one's acknowledgement.
///
/// With `tls`, each connection's first byte tells a TLS handshake (0x16)
/// from plain HTTP on the same port; plain HTTP is answered with a redirect
/// to the same address in `https`. A TLS WebSocket cannot be handed to a
/// worker (the session's keys are in this process): it is served here.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    mut stop: oneshot::Receiver<()>,
    tls: Option<Tls>,
) -> std::io::Result<()> {
    let (closing_tx, closing_rx) = tokio::sync::watch::channel(false);
    let (done_tx, mut done_rx) = tokio::sync::mpsc::channel::<()>(1);
    let redirect = Router::new().fallback(redirect_to_https);
    loop {
        let (tcp, remote) = tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                Err(e) => {
                    // Out of descriptors, mostly: wait for some to be freed.
                    tracing::warn!("accept: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let _ = tcp.set_nodelay(true);
        let app = app.clone();
        let redirect = redirect.clone();
        let tls = tls.clone();
        let closing = closing_rx.clone();
        let done = done_tx.clone();
        tokio::spawn(async move {
            match tls {
                None => connection(tcp, app, remote, closing).await,
                Some(tls) => match first_byte(&tcp).await {
                    Some(TLS_HANDSHAKE) => {
                        match tokio::time::timeout(HANDSHAKE_LIMIT, tls.acceptor.accept(tcp)).await
                        {
                            Ok(Ok(stream)) => connection(stream, app, remote, closing).await,
                            Ok(Err(e)) => tracing::debug!("TLS handshake from {remote}: {e}"),
                            Err(_) => tracing::debug!("TLS handshake from {remote}: too slow"),
                        }
                    }
                    Some(_) => connection(tcp, redirect, remote, closing).await,
                    None => {}
                },
            }
            drop(done);
        });
    }
    let _ = closing_tx.send(true);
    drop(done_tx);
    let _ = done_rx.recv().await;
    Ok(())
}

/// The first byte of a TLS connection: a handshake record.
const TLS_HANDSHAKE: u8 = 0x16;
/// How long a client may take to say anything, or to finish its handshake.
const HANDSHAKE_LIMIT: Duration = Duration::from_secs(10);

/// The connection's first byte, left in the socket; None when the client
/// closes or says nothing in time.
async fn first_byte(tcp: &tokio::net::TcpStream) -> Option<u8> {
    let mut first = [0u8; 1];
    match tokio::time::timeout(HANDSHAKE_LIMIT, tcp.peek(&mut first)).await {
        Ok(Ok(1)) => Some(first[0]),
        _ => None,
    }
}

/// Serves one connection (plain or TLS) with `app` until it ends or the
/// server stops.
async fn connection<I>(
    io: I,
    app: Router,
    remote: SocketAddr,
    mut closing: tokio::sync::watch::Receiver<bool>,
) where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    use tower::ServiceExt;
    let service =
        hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(remote));
            app.clone().oneshot(req)
        });
    let conn = hyper::server::conn::http1::Builder::new()
        .serve_connection(hyper_util::rt::TokioIo::new(io), service)
        .with_upgrades();
    tokio::pin!(conn);
    tokio::select! {
        r = conn.as_mut() => {
            if let Err(e) = r {
                tracing::debug!("connection from {remote}: {e}");
            }
        }
        _ = closing.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

/// Plain HTTP on the TLS port: the same host, port and path in `https`.
async fn redirect_to_https(
    headers: axum::http::HeaderMap,
    uri: axum::http::Uri,
) -> axum::response::Response {
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| h.parse::<axum::http::uri::Authority>().is_ok());
    let Some(host) = host else {
        return (
            StatusCode::BAD_REQUEST,
            "Ce serveur parle HTTPS : utilisez https:// (en-tête Host manquant ou invalide).",
        )
            .into_response();
    };
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    (
        StatusCode::PERMANENT_REDIRECT,
        [(header::LOCATION, format!("https://{host}{path}"))],
        "Ce serveur parle HTTPS.",
    )
        .into_response()
}
