//! The listener: accepts connections up to a cap, serves HTTP/1 and HTTP/2 (gRPC) on each
//! with a deadline for the first request, a header timeout and HTTP/2 keep-alive pings, and
//! closes them gracefully when asked to stop. Idle and half-sent connections are closed, so
//! they cannot hold the process's file descriptors.

use std::{
    io,
    net::SocketAddr,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

use axum::{extract::ConnectInfo, Router};
use hyper::{body::Incoming, service::Service, Request};
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::conn::auto::Builder,
    service::TowerToHyperService,
};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::{watch, OwnedSemaphorePermit, Semaphore},
};

/// How long to wait before accepting again after an accept error (out of file descriptors,
/// say), instead of retrying in a tight loop.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// The limits of [`serve`].
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    pub max_connections: usize,
    pub header_timeout: Duration,
    pub keepalive_interval: Duration,
}

/// Serves `app` on `listener` until `stop` turns true; then stops accepting, asks every
/// open connection to finish its requests and close, and returns once they all have.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    stop: watch::Receiver<bool>,
) -> io::Result<()> {
    // Every connection holds a receiver: the sender sees them all gone once they close.
    let (open_tx, open_rx) = watch::channel(());
    let accepted = accept_until_stopped(listener, app, limits, stop, open_rx).await;
    open_tx.closed().await;
    accepted
}

async fn accept_until_stopped(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    mut stop: watch::Receiver<bool>,
    open: watch::Receiver<()>,
) -> io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit.map_err(io::Error::other)?,
            _ = stopped(&mut stop) => return Ok(()),
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    tracing::warn!(error = %error, "cannot accept a connection; retrying");
                    tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                    continue;
                }
            },
            _ = stopped(&mut stop) => return Ok(()),
        };
        let open = open.clone();
        let connection = serve_connection(stream, app.clone(), limits, permit, stop.clone());
        tokio::spawn(async move {
            connection.await;
            drop(open);
        });
    }
}

/// One connection, until it ends, misses its first-request deadline, or is stopped.
async fn serve_connection(
    stream: TcpStream,
    app: Router,
    limits: ConnectionLimits,
    _permit: OwnedSemaphorePermit,
    mut stop: watch::Receiver<bool>,
) {
    // No Nagle delay: HTTP/2 flow-control updates and gRPC answers go out at once.
    if let Err(error) = stream.set_nodelay(true) {
        tracing::debug!(error = %error, "cannot set TCP_NODELAY");
    }
    let requested = Arc::new(AtomicBool::new(false));
    let service = MarksFirstRequest {
        inner: TowerToHyperService::new(app),
        requested: requested.clone(),
        peer: stream.peer_addr().ok(),
    };
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(limits.keepalive_interval)
        .keep_alive_timeout(limits.keepalive_interval);
    let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
    tokio::pin!(connection);
    let first_request_deadline = tokio::time::sleep(limits.header_timeout);
    tokio::pin!(first_request_deadline);
    let mut stopping = false;
    let mut first_deadline_passed = false;
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!(error = %error, "connection ended with an error");
                }
                return;
            }
            _ = &mut first_request_deadline, if !first_deadline_passed => {
                first_deadline_passed = true;
                if !requested.load(Ordering::Relaxed) {
                    tracing::debug!("closing a connection that sent no whole request in time");
                    return;
                }
            }
            _ = stopped(&mut stop), if !stopping => {
                stopping = true;
                connection.as_mut().graceful_shutdown();
            }
        }
    }
}

/// Resolves once `stop` turns true (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

/// Passes requests on, noting that the connection has sent a whole request head, and
/// giving each request the client's address (`ConnectInfo`: the dashboard's sign-in limit).
#[derive(Clone)]
struct MarksFirstRequest<S> {
    inner: S,
    requested: Arc<AtomicBool>,
    peer: Option<SocketAddr>,
}

impl<S> Service<Request<Incoming>> for MarksFirstRequest<S>
where
    S: Service<Request<Incoming>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn call(&self, mut request: Request<Incoming>) -> Self::Future {
        self.requested.store(true, Ordering::Relaxed);
        if let Some(peer) = self.peer {
            request.extensions_mut().insert(ConnectInfo(peer));
        }
        self.inner.call(request)
    }
}

/// File descriptors kept for everything but client connections: sink connections, the
/// disk buffer's segments, log files.
const RESERVED_FILE_DESCRIPTORS: u64 = 128;

/// `configured`, lowered to what the open-file limit leaves for connections. The soft limit
/// is first raised to the hard one, as servers do.
pub fn max_connections_within_file_limit(configured: usize) -> usize {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) else {
        return configured;
    };
    let limit = if soft < hard && setrlimit(Resource::RLIMIT_NOFILE, hard, hard).is_ok() {
        hard
    } else {
        soft
    };
    let room = limit.saturating_sub(RESERVED_FILE_DESCRIPTORS).max(1);
    let room = usize::try_from(room).unwrap_or(usize::MAX);
    if room < configured {
        tracing::warn!(
            configured,
            open_file_limit = limit,
            max_connections = room,
            "http.max_connections lowered to what the open-file limit allows"
        );
    }
    configured.min(room)
}
