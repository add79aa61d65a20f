//! One heavy fault test at a time, whoever runs them: they load the same shared servers, and
//! their timing assertions (a sink never stalls, a shutdown deadline) assume no other heavy
//! fault test runs beside. nextest already runs them one at a time (test group `heavy` in
//! `.config/nextest.toml`); this turn also holds under `cargo test` (threads of one process)
//! and across concurrent test runs.

use std::{
    os::{linux::net::SocketAddrExt, unix::net::SocketAddr, unix::net::UnixListener},
    time::{Duration, Instant},
};

/// Holding the returned listener is the turn; the kernel frees it when the process ends,
/// however it ends.
pub async fn wait_for_turn() -> UnixListener {
    let name = SocketAddr::from_abstract_name(b"livekit-analytics-heavy-fault-test")
        .expect("abstract socket name");
    let deadline = Instant::now() + Duration::from_secs(1200);
    loop {
        match UnixListener::bind_addr(&name) {
            Ok(turn) => return turn,
            Err(error) => {
                assert!(
                    Instant::now() < deadline,
                    "no turn among the heavy fault tests in 20 min: {error}"
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}
