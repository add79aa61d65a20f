//! Stats a participant's browser reported (`POST /v1/client/stats`) as records: stored like
//! LiveKit's own stats, marked `"client_reported": true` with the token's identity in the
//! document, and keyed by an id of their own so that they never replace a server-sent stat.

use std::time::{Duration, SystemTime};

use livekit_protocol::AnalyticsStat;
use md5::{Digest, Md5};
use serde_json::Value;

use crate::record::{Record, RecordError};

/// The field of a client-reported stat's stored document, set to `true`.
pub const CLIENT_REPORTED_FIELD: &str = "client_reported";

/// The field of a client-reported stat's stored document naming the participant's identity
/// (taken from its access token, never from what the browser says).
pub const IDENTITY_FIELD: &str = "participant_identity";

impl Record {
    /// Converts a stat a browser reported for the participant `identity`: as
    /// [`Record::from_stat`], with `"client_reported": true` and `"participant_identity"` in
    /// the stored document, and the id of [`client_stat_id`].
    pub fn from_client_stat(
        stat: AnalyticsStat,
        identity: &str,
        expiration: Duration,
        now: SystemTime,
    ) -> Result<Record, RecordError> {
        let mut record = Record::from_stat(stat, expiration, now)?;
        let mut document = record.document();
        document.insert(CLIENT_REPORTED_FIELD.to_owned(), Value::Bool(true));
        document.insert(
            IDENTITY_FIELD.to_owned(),
            Value::String(identity.to_owned()),
        );
        record.document_json = Value::Object(document).to_string();
        record.id = client_stat_id(&record, identity);
        record.participant_identity = identity.to_owned();
        record.client_reported = true;
        Ok(record)
    }
}

/// The lowercase hex MD5 of `client:room_name:identity:participant_id:track_id:KIND:ms`. The
/// `client:` prefix keeps it apart from every server-sent stat's id (whose recipe starts
/// with a room sid); the room sid is left out because the service may learn it between a
/// browser's first post and its resend, and a resend must keep its id.
pub fn client_stat_id(record: &Record, identity: &str) -> String {
    let key = format!(
        "client:{}:{}:{}:{}:{}:{}",
        record.room_name,
        identity,
        record.participant_sid,
        record.track_id,
        record.type_name,
        record.timestamp_ms
    );
    format!("{:x}", Md5::digest(key.as_bytes()))
}

#[cfg(test)]
mod tests {
    use livekit_protocol::{AnalyticsStream, StreamType};

    use super::*;
    use crate::record::timestamp_of;

    fn stat(kind: StreamType) -> AnalyticsStat {
        let at = SystemTime::UNIX_EPOCH + Duration::from_millis(1_764_583_200_123);
        AnalyticsStat {
            kind: kind as i32,
            time_stamp: Some(timestamp_of(at)),
            room_name: "room".into(),
            participant_id: "PA_1".into(),
            track_id: "TR_1".into(),
            score: 4.5,
            streams: vec![AnalyticsStream {
                primary_bytes: 1000,
                primary_packets: 10,
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    fn convert(stat: AnalyticsStat, identity: &str) -> Record {
        Record::from_client_stat(stat, identity, Duration::from_secs(60), SystemTime::now())
            .expect("converts")
    }

    #[test]
    fn the_document_is_marked_client_reported_with_the_identity() {
        let record = convert(stat(StreamType::Upstream), "alice");
        let document = record.document();
        assert_eq!(document[CLIENT_REPORTED_FIELD], Value::Bool(true));
        assert_eq!(document[IDENTITY_FIELD], "alice");
        assert_eq!(document["kind"], "UPSTREAM");
        assert_eq!(document["streams"][0]["primary_bytes"], 1000);
        assert!(record.client_reported);
        assert_eq!(record.participant_identity, "alice");
        assert_eq!(record.type_name, "UPSTREAM");
    }

    #[test]
    fn the_id_differs_from_the_server_stat_of_the_same_fields() {
        let server = Record::from_stat(
            stat(StreamType::Upstream),
            Duration::from_secs(60),
            SystemTime::now(),
        )
        .expect("converts");
        let client = convert(stat(StreamType::Upstream), "alice");
        assert_ne!(server.id, client.id);
        assert_eq!(client.id.len(), 32);
    }

    #[test]
    fn a_resend_keeps_its_id_even_once_the_room_sid_is_known() {
        let first = convert(stat(StreamType::Upstream), "alice");
        let mut known_room = stat(StreamType::Upstream);
        known_room.room_id = "RM_1".into();
        assert_eq!(first.id, convert(known_room, "alice").id);
    }

    #[test]
    fn identity_kind_and_time_each_change_the_id() {
        let base = convert(stat(StreamType::Upstream), "alice").id;
        assert_ne!(base, convert(stat(StreamType::Upstream), "bob").id);
        assert_ne!(base, convert(stat(StreamType::Downstream), "alice").id);
        let mut later = stat(StreamType::Upstream);
        later.time_stamp = Some(timestamp_of(
            SystemTime::UNIX_EPOCH + Duration::from_millis(1_764_583_205_123),
        ));
        assert_ne!(base, convert(later, "alice").id);
    }
}
