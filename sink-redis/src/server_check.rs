//! What `initialize` checks on the server once connected: a Redis new enough for the
//! commands the sink sends, stream keys that hold streams (or nothing yet), and, on a single
//! server, the write path's scripts loaded.

use analytics_core::{RecordKind, SinkError};

use crate::{connection::RedisConnection, error::sink_error, layout::KeyLayout, scripts::Scripts};

/// Redis needs 6.2 or later for `XTRIM ... MINID`.
const MIN_VERSION: (u32, u32) = (6, 2);

/// Checks the server behind `connection` for a sink writing `layout` with `scripts`.
pub(crate) async fn check_server(
    connection: &RedisConnection,
    layout: &KeyLayout,
    scripts: &Scripts,
) -> Result<(), SinkError> {
    // On a cluster, INFO goes to every primary and answers one text per node.
    let info: redis::Value = connection
        .query(redis::cmd("INFO").arg("server"))
        .await
        .map_err(|error| sink_error(&error))?;
    let oldest = info_texts(info)
        .iter()
        .filter_map(|text| server_version(text))
        .min();
    if let Some(version) = oldest {
        if version < MIN_VERSION {
            return Err(SinkError::operator(format!(
                "Redis {}.{} is too old: the sink needs {}.{} or later (XTRIM MINID)",
                version.0, version.1, MIN_VERSION.0, MIN_VERSION.1
            )));
        }
    }
    for kind in [RecordKind::Event, RecordKind::Stat] {
        let key = layout.stream(kind);
        let found: String = connection
            .query(redis::cmd("TYPE").arg(&key))
            .await
            .map_err(|error| sink_error(&error))?;
        if found != "stream" && found != "none" {
            return Err(SinkError::config(format!(
                "key `{key}` holds a {found}, not a stream: choose another `prefix` or remove the key"
            )));
        }
    }
    if !connection.is_cluster() {
        // On a cluster, a node without the scripts answers NOSCRIPT and gets them by EVAL.
        for load in scripts.load_commands() {
            connection
                .query::<String>(&load)
                .await
                .map_err(|error| sink_error(&error))?;
        }
    }
    Ok(())
}

/// The `INFO` text of each node that answered.
fn info_texts(info: redis::Value) -> Vec<String> {
    match info {
        redis::Value::Map(pairs) => pairs
            .into_iter()
            .filter_map(|(_, text)| redis::from_redis_value(text).ok())
            .collect(),
        other => redis::from_redis_value(other)
            .map(|text| vec![text])
            .unwrap_or_default(),
    }
}

/// `(major, minor)` from `INFO server`'s `redis_version:`.
fn server_version(info: &str) -> Option<(u32, u32)> {
    let version = info
        .lines()
        .find_map(|line| line.trim().strip_prefix("redis_version:"))?;
    let mut parts = version.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

#[cfg(test)]
mod tests {
    use super::server_version;

    #[test]
    fn version_is_read_from_info() {
        assert_eq!(
            server_version("# Server\r\nredis_version:7.0.15\r\n"),
            Some((7, 0))
        );
        assert_eq!(server_version("nothing"), None);
    }
}
