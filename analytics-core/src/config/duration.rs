//! Go-style durations (`10s`, `768h`, `1m30s`) in YAML, read with `humantime`: use it as
//! `#[serde(with = "analytics_core::config::duration")]` (or `deserialize_with = "...::deserialize"`)
//! so that every setting of every crate reads and prints durations alike.

use std::time::Duration;

use serde::{Deserialize, Deserializer, Serializer};

/// Writes `duration` in its [`go_style`] form.
pub fn serialize<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&go_style(*duration))
}

/// The shortest Go-style form in one unit: `768h`, `10s`, `1m`, `250ms`.
pub fn go_style(duration: Duration) -> String {
    let millis = duration.as_millis();
    match millis {
        0 => "0s".to_owned(),
        m if m % 3_600_000 == 0 => format!("{}h", m / 3_600_000),
        m if m % 60_000 == 0 => format!("{}m", m / 60_000),
        m if m % 1000 == 0 => format!("{}s", m / 1000),
        m => format!("{m}ms"),
    }
}

/// Reads a Go-style duration (`10s`, `1m30s`, `768h`); an error says how to write one.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(deserializer)?;
    humantime::parse_duration(text.trim()).map_err(|error| {
        serde::de::Error::custom(format!(
            "invalid duration {text:?} ({error}); write it like 10s, 1m30s or 768h"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_in_their_largest_whole_unit() {
        assert_eq!(go_style(Duration::from_secs(768 * 3600)), "768h");
        assert_eq!(go_style(Duration::from_secs(90)), "90s");
        assert_eq!(go_style(Duration::from_secs(60)), "1m");
        assert_eq!(go_style(Duration::from_millis(250)), "250ms");
    }
}
