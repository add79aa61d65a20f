//! The fields of an `AnalyticsStat` that its record keeps as columns (and its id and
//! traffic sums are made of), decoded by prost straight from the stat's encoding: the same
//! field numbers and types as `livekit_protocol::AnalyticsStat`, so that repeated and
//! merged occurrences count exactly as when the whole message is decoded, without
//! decoding the rest (the document is written from the bytes themselves).

use pbjson_types::Timestamp;

/// The columns of `livekit.AnalyticsStat`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct StatColumns {
    #[prost(int32, tag = "2")]
    pub kind: i32,
    #[prost(message, optional, tag = "3")]
    pub time_stamp: Option<Timestamp>,
    #[prost(string, tag = "4")]
    pub node: String,
    #[prost(string, tag = "5")]
    pub room_id: String,
    #[prost(string, tag = "6")]
    pub room_name: String,
    #[prost(string, tag = "7")]
    pub participant_id: String,
    #[prost(string, tag = "8")]
    pub track_id: String,
    #[prost(float, tag = "9")]
    pub score: f32,
    #[prost(message, repeated, tag = "10")]
    pub streams: Vec<StreamColumns>,
    #[prost(string, tag = "11")]
    pub mime: String,
    #[prost(float, tag = "12")]
    pub min_score: f32,
    #[prost(float, tag = "13")]
    pub median_score: f32,
}

/// What `livekit.AnalyticsStream` adds to its stat's traffic sums.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct StreamColumns {
    #[prost(uint32, tag = "2")]
    pub primary_packets: u32,
    #[prost(uint64, tag = "3")]
    pub primary_bytes: u64,
    #[prost(uint32, tag = "8")]
    pub packets_lost: u32,
    #[prost(uint32, tag = "9")]
    pub frames: u32,
    #[prost(uint32, tag = "10")]
    pub rtt: u32,
    #[prost(uint32, tag = "11")]
    pub jitter: u32,
    #[prost(message, optional, tag = "17")]
    pub start_time: Option<Timestamp>,
    #[prost(message, optional, tag = "18")]
    pub end_time: Option<Timestamp>,
}

crate::stat_traffic::stream_figures_from!(StreamColumns);

#[cfg(test)]
mod tests {
    use livekit_protocol::{AnalyticsStat, AnalyticsStream, AnalyticsVideoLayer};
    use prost::Message;
    use prost_reflect::Kind;

    use super::*;
    use crate::descriptors::livekit_message;

    /// Each column's number and type, as the vendored descriptors give them.
    #[test]
    fn the_columns_are_the_protocol_fields_of_the_same_name() {
        let expected: &[(&str, &[(&str, u32)])] = &[
            (
                "AnalyticsStat",
                &[
                    ("kind", 2),
                    ("time_stamp", 3),
                    ("node", 4),
                    ("room_id", 5),
                    ("room_name", 6),
                    ("participant_id", 7),
                    ("track_id", 8),
                    ("score", 9),
                    ("streams", 10),
                    ("mime", 11),
                    ("min_score", 12),
                    ("median_score", 13),
                ],
            ),
            (
                "AnalyticsStream",
                &[
                    ("primary_packets", 2),
                    ("primary_bytes", 3),
                    ("packets_lost", 8),
                    ("frames", 9),
                    ("rtt", 10),
                    ("jitter", 11),
                    ("start_time", 17),
                    ("end_time", 18),
                ],
            ),
        ];
        for (message, fields) in expected {
            let descriptor = livekit_message(message);
            for (name, number) in *fields {
                let field = descriptor
                    .get_field_by_name(name)
                    .unwrap_or_else(|| panic!("{message}.{name}"));
                assert_eq!(field.number(), *number, "{message}.{name}");
                let kind = match field.kind() {
                    Kind::Enum(_) => "int32".to_owned(),
                    Kind::Message(inner) => inner.full_name().to_owned(),
                    other => format!("{other:?}").to_lowercase(),
                };
                assert!(
                    [
                        "int32",
                        "uint32",
                        "uint64",
                        "string",
                        "float",
                        "google.protobuf.Timestamp",
                        "livekit.AnalyticsStream",
                    ]
                    .contains(&kind.as_str()),
                    "{message}.{name}: {kind}"
                );
            }
        }
    }

    #[test]
    fn the_columns_decode_as_the_whole_stat_does() {
        let at = |seconds| Some(Timestamp { seconds, nanos: 7 });
        let stat = AnalyticsStat {
            id: "ST_1".into(),
            analytics_key: "key".into(),
            kind: 1,
            time_stamp: at(1_700_000_000),
            node: "ND_1".into(),
            room_id: "RM_1".into(),
            room_name: "room".into(),
            participant_id: "PA_1".into(),
            track_id: "TR_1".into(),
            score: 4.5,
            streams: vec![AnalyticsStream {
                ssrc: 9,
                primary_packets: 10,
                primary_bytes: 1_000,
                packets_lost: 1,
                frames: 30,
                rtt: 20,
                jitter: 4,
                video_layers: vec![AnalyticsVideoLayer {
                    layer: 2,
                    packets: 5,
                    bytes: 500,
                    frames: 15,
                }],
                start_time: at(1_699_999_990),
                end_time: at(1_700_000_000),
                ..Default::default()
            }],
            mime: "video/VP8".into(),
            min_score: 3.5,
            median_score: 4.0,
        };
        let mut bytes = stat.encode_to_vec();
        // A later occurrence replaces a scalar and merges into a message, as decoding does.
        bytes.extend_from_slice(&[0x22, 0x04, b'N', b'D', b'_', b'2', 0x1a, 0x02, 0x10, 0x09]);
        let whole = AnalyticsStat::decode(bytes.as_slice()).expect("decodes");
        let columns = StatColumns::decode(bytes.as_slice()).expect("decodes");
        assert_eq!(columns.node, "ND_2");
        assert_eq!(columns.node, whole.node);
        assert_eq!(columns.kind, whole.kind);
        assert_eq!(columns.time_stamp, whole.time_stamp);
        assert_eq!(columns.time_stamp.map(|t| t.nanos), Some(9));
        assert_eq!(columns.room_id, whole.room_id);
        assert_eq!(columns.room_name, whole.room_name);
        assert_eq!(columns.participant_id, whole.participant_id);
        assert_eq!(columns.track_id, whole.track_id);
        assert_eq!(columns.score, whole.score);
        assert_eq!(columns.mime, whole.mime);
        assert_eq!(columns.min_score, whole.min_score);
        assert_eq!(columns.median_score, whole.median_score);
        assert_eq!(columns.streams.len(), whole.streams.len());
        for (ours, theirs) in columns.streams.iter().zip(&whole.streams) {
            assert_eq!(ours.primary_packets, theirs.primary_packets);
            assert_eq!(ours.primary_bytes, theirs.primary_bytes);
            assert_eq!(ours.packets_lost, theirs.packets_lost);
            assert_eq!(ours.frames, theirs.frames);
            assert_eq!(ours.rtt, theirs.rtt);
            assert_eq!(ours.jitter, theirs.jitter);
            assert_eq!(ours.start_time, theirs.start_time);
            assert_eq!(ours.end_time, theirs.end_time);
        }
    }
}
