//! Reading the fields the richer read API shows out of a stored event document: text at a
//! path, the fixer's `synthetic` mark, and the enums the store keeps as numbers
//! (`TrackType`, `VideoQuality`, `DisconnectReason`) named as LiveKit names them.

use livekit_protocol::{DisconnectReason, TrackType, VideoQuality};
use serde_json::Value;

use crate::fixer::SYNTHETIC_FIELD;

/// A stored document, parsed once; an unreadable one reads as empty.
pub struct Document(Value);

impl Document {
    pub fn parse(text: &str) -> Document {
        Document(serde_json::from_str(text).unwrap_or(Value::Null))
    }

    /// The value at `path` (object keys), if any.
    pub fn get(&self, path: &[&str]) -> Option<&Value> {
        path.iter().try_fold(&self.0, |value, key| value.get(key))
    }

    /// The text at `path`, empty when absent or not text.
    pub fn text(&self, path: &[&str]) -> String {
        self.get(path)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    }

    /// Whether the active-entities fixer wrote it (`"synthetic": true`).
    pub fn synthetic(&self) -> bool {
        self.get(&[SYNTHETIC_FIELD])
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    /// The participant's disconnect reason by name; empty when absent (the store omits
    /// `UNKNOWN_REASON`, the zero).
    pub fn disconnect_reason(&self) -> String {
        match self.get(&["participant", "disconnect_reason"]) {
            Some(value) => enum_name(value, |number| {
                DisconnectReason::try_from(number)
                    .ok()
                    .map(|reason| reason.as_str_name())
            }),
            None => String::new(),
        }
    }

    /// The track's type (`AUDIO`, `VIDEO`, `DATA`); empty without a track, `AUDIO` (the zero,
    /// omitted when stored) for a track without one.
    pub fn track_kind(&self) -> String {
        let Some(track) = self.get(&["track"]) else {
            return String::new();
        };
        let value = track.get("type").cloned().unwrap_or(Value::from(0));
        enum_name(&value, |number| {
            TrackType::try_from(number)
                .ok()
                .map(|kind| kind.as_str_name())
        })
    }

    /// The track's simulcast layers as `"HIGH 1280x720"`, in the stored order: `layers`, or
    /// (what LiveKit sends since it deprecated those) the first of `codecs[]` with layers.
    pub fn simulcast_layers(&self) -> Vec<String> {
        let non_empty = |value: &Value| {
            value
                .as_array()
                .filter(|layers| !layers.is_empty())
                .cloned()
        };
        let of_codecs = || {
            self.get(&["track", "codecs"])
                .and_then(Value::as_array)
                .and_then(|codecs| {
                    codecs
                        .iter()
                        .find_map(|codec| codec.get("layers").and_then(non_empty))
                })
        };
        let Some(layers) = self
            .get(&["track", "layers"])
            .and_then(non_empty)
            .or_else(of_codecs)
        else {
            return Vec::new();
        };
        layers
            .iter()
            .map(|layer| {
                let quality = layer.get("quality").cloned().unwrap_or(Value::from(0));
                let quality = enum_name(&quality, |number| {
                    VideoQuality::try_from(number)
                        .ok()
                        .map(|quality| quality.as_str_name())
                });
                let size = |key: &str| layer.get(key).and_then(Value::as_i64).unwrap_or(0);
                format!("{quality} {}x{}", size("width"), size("height"))
            })
            .collect()
    }
}

/// The name of an enum stored as a number (named by `name_of`) or already as its name; the
/// number itself when the protocol does not know it.
fn enum_name(value: &Value, name_of: impl Fn(i32) -> Option<&'static str>) -> String {
    match value {
        Value::String(name) => name.clone(),
        Value::Number(number) => {
            let number = number
                .as_i64()
                .and_then(|number| i32::try_from(number).ok());
            match number.and_then(&name_of) {
                Some(name) => name.to_owned(),
                None => value.to_string(),
            }
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_stored_as_numbers_are_named() {
        let document = Document::parse(
            r#"{"participant": {"disconnect_reason": 1},
                "track": {"type": 1, "layers": [{"width": 320, "height": 180},
                    {"quality": 2, "width": 1280, "height": 720}]}}"#,
        );
        assert_eq!(document.disconnect_reason(), "CLIENT_INITIATED");
        assert_eq!(document.track_kind(), "VIDEO");
        assert_eq!(
            document.simulcast_layers(),
            vec!["LOW 320x180", "HIGH 1280x720"]
        );
    }

    #[test]
    fn omitted_zeros_read_as_the_zero_or_as_nothing() {
        let audio = Document::parse(r#"{"track": {"sid": "TR_1"}, "participant": {}}"#);
        assert_eq!(audio.track_kind(), "AUDIO");
        assert_eq!(audio.disconnect_reason(), "");
        assert!(audio.simulcast_layers().is_empty());
        assert!(!audio.synthetic());
        let broken = Document::parse("{not json");
        assert_eq!(broken.track_kind(), "");
        assert_eq!(broken.text(&["track", "sid"]), "");
    }

    #[test]
    fn layers_may_come_with_the_codecs() {
        let document = Document::parse(
            r#"{"track": {"codecs": [{"mime_type": "video/VP8", "layers": [{"quality": 1,
                "width": 640, "height": 360}]}]}}"#,
        );
        assert_eq!(document.simulcast_layers(), vec!["MEDIUM 640x360"]);
    }

    #[test]
    fn the_fixers_mark_is_read() {
        assert!(Document::parse(r#"{"synthetic": true}"#).synthetic());
        assert_eq!(
            Document::parse(r#"{"participant": {"disconnect_reason": 99}}"#).disconnect_reason(),
            "99"
        );
    }
}
