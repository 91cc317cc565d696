//! The accept loop: every connection is served by hyper with a deadline for
//! its request head, closed when it idles, counted against a cap, and
//! stopped within a grace period at shutdown. Without these a few hundred
//! clients that send half a request, or never send one, hold the server's
//! file descriptors for ever.

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{AbortHandle, JoinSet};

/// How connections are bounded.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// A request head must arrive in full within this time of the
    /// connection opening or of its previous response.
    pub header_timeout: Duration,
    /// A connection with no request in progress and no byte received for
    /// this long is closed.
    pub keep_alive_timeout: Duration,
    /// Most connections open at once. At the cap, the connection idle the
    /// longest is closed to make room; if none is idle, the new one is.
    pub max_connections: usize,
    /// After a shutdown signal, how long requests in progress may finish
    /// before their connections are dropped.
    pub shutdown_grace: Duration,
}

/// What the accept loop knows of one connection.
struct Activity {
    /// Requests the connection is serving now.
    in_flight: AtomicUsize,
    /// Milliseconds since the loop started, at the last byte read or
    /// response finished.
    last_active: AtomicU64,
}

impl Activity {
    fn touch(&self, clock: Instant) {
        self.last_active
            .store(clock.elapsed().as_millis() as u64, Ordering::Relaxed);
    }
}

/// A request in progress on a connection; ends when dropped, whether the
/// response was sent or the client went away.
struct InFlight {
    activity: Arc<Activity>,
    clock: Instant,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.activity.touch(self.clock);
        self.activity.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A socket that records when it last received a byte, so that a client
/// sending slowly is not taken for an idle one.
struct WatchedStream {
    stream: TcpStream,
    activity: Arc<Activity>,
    clock: Instant,
}

impl AsyncRead for WatchedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch(self.clock);
        }
        result
    }
}

impl AsyncWrite for WatchedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// The open connections, for the cap and the idle sweep.
#[derive(Default)]
struct OpenConnections {
    by_id: Mutex<HashMap<u64, (Arc<Activity>, AbortHandle)>>,
}

impl OpenConnections {
    fn count(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, (Arc<Activity>, AbortHandle)>> {
        self.by_id.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Closes the connection that has been idle longest; false if every
    /// connection is serving a request.
    fn close_most_idle(&self) -> bool {
        let mut open = self.lock();
        let idlest = open
            .iter()
            .filter(|(_, (a, _))| a.in_flight.load(Ordering::Relaxed) == 0)
            .min_by_key(|(_, (a, _))| a.last_active.load(Ordering::Relaxed))
            .map(|(id, _)| *id);
        match idlest.and_then(|id| open.remove(&id)) {
            Some((_, handle)) => {
                handle.abort();
                true
            }
            None => false,
        }
    }

    /// Closes every connection idle for longer than `timeout`.
    fn close_idle(&self, clock: Instant, timeout: Duration) {
        let now = clock.elapsed().as_millis() as u64;
        let timeout = timeout.as_millis() as u64;
        self.lock().retain(|_, (activity, handle)| {
            let idle = activity.in_flight.load(Ordering::Relaxed) == 0
                && now.saturating_sub(activity.last_active.load(Ordering::Relaxed)) >= timeout;
            if idle {
                handle.abort();
            }
            !idle
        });
    }

    fn abort_all(&self) {
        for (_, (_, handle)) in self.lock().drain() {
            handle.abort();
        }
    }
}

/// Logs a recurring problem at most once a second.
struct Throttled {
    last: Option<Instant>,
}

impl Throttled {
    fn ready(&mut self) -> bool {
        let due = self
            .last
            .is_none_or(|t| t.elapsed() >= Duration::from_secs(1));
        if due {
            self.last = Some(Instant::now());
        }
        due
    }
}

/// Serves `app` on `listener` until `shutdown` completes; then stops
/// accepting, lets requests in progress finish within the grace period,
/// and drops whatever is left.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let clock = Instant::now();
    let open = Arc::new(OpenConnections::default());
    let (stop, stopping) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let mut next_id = 0u64;
    let mut sweep = tokio::time::interval(
        (limits.keep_alive_timeout / 4).clamp(Duration::from_millis(50), Duration::from_secs(1)),
    );
    let mut warn_full = Throttled { last: None };
    let mut warn_accept = Throttled { last: None };
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            Some(_) = tasks.join_next() => {}
            _ = sweep.tick() => open.close_idle(clock, limits.keep_alive_timeout),
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of file descriptors: make room by closing an
                        // idle connection, and do not spin meanwhile.
                        if warn_accept.ready() {
                            tracing::warn!(error = %e, open = open.count(), "accept error");
                        }
                        open.close_most_idle();
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                };
                if open.count() >= limits.max_connections && !open.close_most_idle() {
                    if warn_full.ready() {
                        tracing::warn!(max = limits.max_connections,
                            "connection cap reached with every connection busy: refusing new ones");
                    }
                    drop(stream);
                    continue;
                }
                let _ = stream.set_nodelay(true);
                next_id += 1;
                let activity = Arc::new(Activity {
                    in_flight: AtomicUsize::new(0),
                    last_active: AtomicU64::new(clock.elapsed().as_millis() as u64),
                });
                let connection = serve_connection(
                    WatchedStream { stream, activity: activity.clone(), clock },
                    peer,
                    app.clone(),
                    limits,
                    stopping.clone(),
                );
                let (id, open_now) = (next_id, open.clone());
                let handle = tasks.spawn(async move {
                    connection.await;
                    open_now.lock().remove(&id);
                });
                open.lock().insert(id, (activity, handle));
            }
        }
    }
    drop(listener);
    let _ = stop.send(true);
    let drained = tokio::time::timeout(limits.shutdown_grace, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            left = tasks.len(),
            "shutdown grace period over: dropping connections still open"
        );
        open.abort_all();
        tasks.shutdown().await;
    }
    Ok(())
}

/// One connection: HTTP/1.1 with keep-alive, until the client closes it,
/// a timeout does, or shutdown asks it to finish.
async fn serve_connection(
    stream: WatchedStream,
    peer: SocketAddr,
    app: Router,
    limits: ConnectionLimits,
    mut stopping: watch::Receiver<bool>,
) {
    let (activity, clock) = (stream.activity.clone(), stream.clock);
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        activity.in_flight.fetch_add(1, Ordering::Relaxed);
        let in_flight = InFlight {
            activity: activity.clone(),
            clock,
        };
        request.extensions_mut().insert(ConnectInfo(peer));
        let mut app = app.clone();
        async move {
            let response = tower::Service::call(&mut app, request.map(axum::body::Body::new)).await;
            drop(in_flight);
            response
        }
    });
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => {
            if let Err(e) = result {
                tracing::debug!(error = %e, %peer, "connection ended");
            }
        }
        () = stopped(&mut stopping) => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}

/// Completes once shutdown has begun.
async fn stopped(stopping: &mut watch::Receiver<bool>) {
    if stopping.wait_for(|stop| *stop).await.is_err() {
        // The loop is gone without a word: stop too.
    }
}

/// Raises this process's soft limit on open files to the hard limit and
/// returns it: each connection holds one.
pub fn raise_open_file_limit() -> u64 {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(e) => {
            tracing::warn!(error = %e, "cannot raise the open-file limit");
            rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(1024, |(soft, _)| soft)
        }
    }
}

/// The default connection cap: what the open-file limit leaves once the
/// database's connections and the process's own files are set aside.
pub fn default_max_connections(open_file_limit: u64, db_connections: u32) -> usize {
    let reserved = 64 + u64::from(db_connections) * 2;
    open_file_limit.saturating_sub(reserved).clamp(16, 100_000) as usize
}
