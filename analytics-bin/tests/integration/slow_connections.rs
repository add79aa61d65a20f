//! Idle and half-sent connections cannot starve the listener: with an open-file limit of
//! 256, hundreds of connections that send nothing, half a request head, half a body or half
//! an HTTP/2 preface are closed by the header and request deadlines, `/healthz` still
//! answers, and records sent afterwards are stored.

use crate::support;

use std::{
    io::{Read, Write},
    net::TcpStream,
    os::unix::process::CommandExt,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use support::{
    free_port,
    lifecycle::{room_webhook, unix_now},
    TestService, API_KEY, API_SECRET,
};

/// The open-file limit the service runs under (soft and hard).
const OPEN_FILE_LIMIT: u64 = 256;

/// What each held connection sends before it stalls.
const STALLS: [(&str, usize); 4] = [
    ("", 120),
    ("POST /v1/events HTTP/1.1\r\nHost: analytics\r\nContent-Ty", 100),
    (
        "POST /webhook HTTP/1.1\r\nHost: analytics\r\nContent-Type: application/webhook+json\r\nContent-Length: 1000\r\n\r\n{\"event\":",
        60,
    ),
    ("PRI * HTTP/2.0\r\n", 40),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_half_sent_connections_are_closed_and_healthz_still_answers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db_path = dir.path().join("analytics.db");
    let port = free_port();
    let config = format!(
        "keys:\n  {API_KEY}: {API_SECRET}\nopenvidu:\n  analytics:\n    enabled: true\n    interval: 200ms\n    listen: 127.0.0.1:{port}\n    http: {{ header_timeout: 2s, request_timeout: 3s }}\n    sinks:\n      sqlite: {{ path: {} }}\n",
        db_path.display()
    );
    let config_path = dir.path().join("config.yaml");
    std::fs::write(&config_path, &config).expect("config written");
    let log_path = dir.path().join("service.log");
    let mut command = Command::new(env!("CARGO_BIN_EXE_livekit-analytics"));
    command
        .arg("--config")
        .arg(&config_path)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_path).expect("log file"));
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        command.pre_exec(|| {
            nix::sys::resource::setrlimit(
                nix::sys::resource::Resource::RLIMIT_NOFILE,
                OPEN_FILE_LIMIT,
                OPEN_FILE_LIMIT,
            )
            .map_err(std::io::Error::from)
        });
    }
    let child = command.spawn().expect("livekit-analytics starts");
    let mut service = TestService::adopt(child, dir, db_path, port).await;

    let mut held = Vec::new();
    for (sent, count) in STALLS {
        for _ in 0..count {
            let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connects");
            stream
                .write_all(sent.as_bytes())
                .expect("partial request sent");
            held.push((sent, stream));
        }
    }
    assert!(held.len() as u64 > OPEN_FILE_LIMIT);

    let started = Instant::now();
    let (status, body) = service.get_text("/healthz").await;
    assert_eq!(status, 200, "healthz answered {status}: {body}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "healthz took {:?} behind the held connections",
        started.elapsed()
    );

    for (sent, stream) in &mut held {
        let answer = read_until_closed(stream);
        if sent.contains("Content-Length: 1000") {
            assert!(
                answer.starts_with("HTTP/1.1 408"),
                "a half-sent body got {answer:?}"
            );
        }
    }

    let log = service.log();
    assert!(
        !log.contains("Too many open files"),
        "the service ran out of file descriptors:\n{log}"
    );
    let started = room_webhook("RM_slow", "room_started", "slow_1", unix_now(), None);
    assert!(service.post_webhook(&started).await.status().is_success());
    service
        .wait_for_count("SELECT COUNT(*) FROM events WHERE room_sid = 'RM_slow'", 1)
        .await;
    assert!(service.terminate().success());
}

/// Reads what the server sends until it closes the connection (it must, within 20 s).
fn read_until_closed(stream: &mut TcpStream) -> String {
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("read timeout set");
    let mut answer = Vec::new();
    let mut buffer = [0u8; 1024];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buffer[..n]),
            Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(error) => panic!("the server kept a stalled connection open: {error}"),
        }
    }
    String::from_utf8_lossy(&answer).into_owned()
}
