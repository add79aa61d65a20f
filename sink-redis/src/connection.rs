//! The I/O: one connection (a reconnecting `ConnectionManager`, or a cluster connection)
//! and running groups of commands, each group in one cluster slot, as few round trips as
//! the topology allows.

use std::time::Duration;

use redis::{
    aio::{ConnectionManager, ConnectionManagerConfig},
    cluster::ClusterClientBuilder,
    cluster_async::ClusterConnection,
    Client, Cmd, FromRedisValue, RedisResult, Value,
};
use tokio::task::JoinSet;

use crate::config::ServerTarget;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// A batch is at most a few MB of commands; a server that takes longer is treated as gone.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(30);

/// A live connection to a single server or a cluster. Cheap to clone; clones share it.
#[derive(Clone)]
pub enum RedisConnection {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

impl RedisConnection {
    /// Connects (the first connection must succeed; later losses reconnect by themselves).
    pub async fn connect(target: &ServerTarget) -> RedisResult<RedisConnection> {
        if target.cluster {
            let mut builder = ClusterClientBuilder::new(target.nodes.clone())
                .connection_timeout(CONNECT_TIMEOUT)
                .response_timeout(RESPONSE_TIMEOUT);
            if let Some(first) = target.nodes.first() {
                let settings = first.redis_settings();
                if let Some(username) = settings.username() {
                    builder = builder.username(username);
                }
                if let Some(password) = settings.password() {
                    builder = builder.password(password);
                }
            }
            if target.tls {
                builder = builder.tls(redis::TlsMode::Secure);
            }
            let client = builder.build()?;
            Ok(RedisConnection::Cluster(
                client.get_async_connection().await?,
            ))
        } else {
            let node = target.nodes.first().cloned().ok_or_else(|| {
                redis::RedisError::from((redis::ErrorKind::InvalidClientConfig, "no server"))
            })?;
            let client = Client::open(node)?;
            let config = ConnectionManagerConfig::new()
                .set_connection_timeout(Some(CONNECT_TIMEOUT))
                .set_response_timeout(Some(RESPONSE_TIMEOUT))
                .set_number_of_retries(2)
                .set_max_delay(Duration::from_secs(2));
            Ok(RedisConnection::Single(
                ConnectionManager::new_with_config(client, config).await?,
            ))
        }
    }

    /// Runs one command.
    pub async fn query<T: FromRedisValue>(&self, cmd: &Cmd) -> RedisResult<T> {
        match self.clone() {
            RedisConnection::Single(mut connection) => cmd.query_async(&mut connection).await,
            RedisConnection::Cluster(mut connection) => cmd.query_async(&mut connection).await,
        }
    }

    /// Runs groups of commands; the commands of one group must share one cluster slot.
    /// Returns, per group, one reply per command (a refused command is a
    /// `Value::ServerError`), or the error that stopped the whole group.
    ///
    /// On a single server all groups go in one pipeline (one round trip); on a cluster each
    /// group is its own pipeline, all sent at once.
    pub async fn run_groups(&self, groups: Vec<Vec<Cmd>>) -> Vec<RedisResult<Vec<Value>>> {
        match self {
            RedisConnection::Single(connection) => {
                run_in_one_pipeline(connection.clone(), groups).await
            }
            RedisConnection::Cluster(connection) => run_per_slot(connection, groups).await,
        }
    }

    pub fn is_cluster(&self) -> bool {
        matches!(self, RedisConnection::Cluster(_))
    }
}

async fn run_in_one_pipeline(
    mut connection: ConnectionManager,
    groups: Vec<Vec<Cmd>>,
) -> Vec<RedisResult<Vec<Value>>> {
    let sizes: Vec<usize> = groups.iter().map(Vec::len).collect();
    let mut pipe = redis::pipe();
    pipe.ignore_errors();
    for cmd in groups.into_iter().flatten() {
        pipe.add_command(cmd);
    }
    if pipe.is_empty() {
        return Vec::new();
    }
    match pipe.query_async::<Vec<Value>>(&mut connection).await {
        Ok(replies) => split_replies(replies, &sizes),
        Err(error) => sizes.iter().map(|_| Err(error.clone())).collect(),
    }
}

async fn run_per_slot(
    connection: &ClusterConnection,
    groups: Vec<Vec<Cmd>>,
) -> Vec<RedisResult<Vec<Value>>> {
    let count = groups.len();
    let mut tasks = JoinSet::new();
    for (index, group) in groups.into_iter().enumerate() {
        let mut connection = connection.clone();
        tasks.spawn(async move {
            let mut pipe = redis::pipe();
            pipe.ignore_errors();
            for cmd in group {
                pipe.add_command(cmd);
            }
            (index, pipe.query_async::<Vec<Value>>(&mut connection).await)
        });
    }
    let mut results: Vec<Option<RedisResult<Vec<Value>>>> = (0..count).map(|_| None).collect();
    while let Some(joined) = tasks.join_next().await {
        if let Ok((index, result)) = joined {
            results[index] = Some(result);
        }
    }
    results
        .into_iter()
        .map(|result| {
            result.unwrap_or_else(|| {
                Err(redis::RedisError::from((
                    redis::ErrorKind::Client,
                    "a cluster write task ended without an answer",
                )))
            })
        })
        .collect()
}

fn split_replies(replies: Vec<Value>, sizes: &[usize]) -> Vec<RedisResult<Vec<Value>>> {
    let expected: usize = sizes.iter().sum();
    if replies.len() != expected {
        let error = redis::RedisError::from((
            redis::ErrorKind::UnexpectedReturnType,
            "pipeline answered with the wrong number of replies",
        ));
        return sizes.iter().map(|_| Err(error.clone())).collect();
    }
    let mut replies = replies.into_iter();
    sizes
        .iter()
        .map(|&size| Ok(replies.by_ref().take(size).collect()))
        .collect()
}
