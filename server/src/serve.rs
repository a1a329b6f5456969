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
    let app = router(state.clone());
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, app, rx));
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
pub async fn serve(
    listener: TcpListener,
    app: Router,
    mut stop: oneshot::Receiver<()>,
) -> std::io::Result<()> {
    use tower::ServiceExt;
    let (closing_tx, closing_rx) = tokio::sync::watch::channel(false);
    let (done_tx, mut done_rx) = tokio::sync::mpsc::channel::<()>(1);
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
        let mut closing = closing_rx.clone();
        let done = done_tx.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(
                move |mut req: hyper::Request<hyper::body::Incoming>| {
                    req.extensions_mut()
                        .insert(axum::extract::ConnectInfo(remote));
                    app.clone().oneshot(req)
                },
            );
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(tcp), service)
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
            drop(done);
        });
    }
    let _ = closing_tx.send(true);
    drop(done_tx);
    let _ = done_rx.recv().await;
    Ok(())
}
