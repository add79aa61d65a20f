//! A TCP proxy in front of a database that a test can freeze: from then on it keeps every
//! connection open and accepts new ones but passes no byte in either direction, as a
//! server stopped with SIGSTOP (or a dead network path) looks to its clients.

use std::net::SocketAddr;

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{
        tcp::{OwnedReadHalf, OwnedWriteHalf},
        TcpListener, TcpStream,
    },
    sync::watch,
};

pub struct FrozenProxy {
    pub port: u16,
    frozen: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl FrozenProxy {
    /// Starts forwarding 127.0.0.1:<port> to `upstream`.
    pub async fn start(upstream: SocketAddr) -> FrozenProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy binds");
        let port = listener.local_addr().expect("proxy address").port();
        let (frozen, frozen_rx) = watch::channel(false);
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let frozen = frozen_rx.clone();
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let (client_read, client_write) = client.into_split();
                    let (server_read, server_write) = server.into_split();
                    tokio::join!(
                        pump(client_read, server_write, frozen.clone()),
                        pump(server_read, client_write, frozen)
                    );
                });
            }
        });
        FrozenProxy { port, frozen, task }
    }

    /// From now on no byte passes; connections stay open.
    pub fn freeze(&self) {
        self.frozen.send_replace(true);
    }
}

impl Drop for FrozenProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn pump(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, frozen: watch::Receiver<bool>) {
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        if *frozen.borrow() {
            // Hold both ends open, answer nothing.
            let _keep = (from, to);
            return std::future::pending().await;
        }
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => read,
        };
        if *frozen.borrow() {
            let _keep = (from, to);
            return std::future::pending().await;
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            return;
        }
    }
}
