//! Records straight from the protobuf bytes LiveKit sent: an `AnalyticsStats` or
//! `AnalyticsEvents` message's encoding is split into its stats or events, and each is
//! converted from its own bytes. The document is written from those bytes and a stat's
//! columns are decoded from them ([`crate::stat_columns`]): the message is never decoded
//! whole nor encoded again. The records are the ones [`Record::from_stat`] and
//! [`Record::from_event`] make of the decoded messages.

use std::{
    borrow::Cow,
    time::{Duration, SystemTime},
};

use livekit_protocol::AnalyticsEvent;
use pbjson_types::Timestamp;
use prost::Message;

use crate::{
    record::{expire_at, millis, timestamp_of, RecordError, EVENT_DOCUMENT, STAT_DOCUMENT},
    record_id::{stat_id_of, stream_kind_name, StatIdParts},
    stat_columns::StatColumns,
    stat_traffic::{StatTraffic, StreamFigures},
    wire::{read_fields, Occurrences, Wire},
    Record, RecordKind,
};

/// `AnalyticsStat.time_stamp` and `AnalyticsEvent.timestamp`.
const STAT_TIME_FIELD: u8 = 3;
const EVENT_TIME_FIELD: u8 = 2;

impl Record {
    /// Converts the `AnalyticsStat` encoded as `bytes`, as [`Record::from_stat`] converts
    /// the decoded stat. A stat without a timestamp is given `now`.
    pub fn from_stat_bytes(
        bytes: &[u8],
        expiration: Duration,
        now: SystemTime,
    ) -> Result<Record, RecordError> {
        let mut columns = StatColumns::decode(bytes)
            .map_err(|error| malformed("livekit.AnalyticsStat", error))?;
        let bytes = timed(bytes, STAT_TIME_FIELD, &mut columns.time_stamp, now);
        let document_json = STAT_DOCUMENT.write(&bytes)?;
        Ok(stat_record(columns, document_json, expiration, now))
    }

    /// Converts the `AnalyticsEvent` encoded as `bytes`, as [`Record::from_event`] converts
    /// the decoded event. An event without a timestamp is given `now`.
    pub fn from_event_bytes(
        bytes: &[u8],
        expiration: Duration,
        now: SystemTime,
    ) -> Result<Record, RecordError> {
        // Boxed: an `AnalyticsEvent` is a large struct, not to be copied around.
        let mut event = Box::<AnalyticsEvent>::default();
        event
            .merge(bytes)
            .map_err(|error| malformed("livekit.AnalyticsEvent", error))?;
        let bytes = timed(bytes, EVENT_TIME_FIELD, &mut event.timestamp, now);
        let document_json = EVENT_DOCUMENT.write(&bytes)?;
        Ok(Record::of_event(&event, document_json, expiration, now))
    }
}

/// The records of the stats of an `AnalyticsStats` message's encoding, in order.
pub fn stats_records(
    message: &[u8],
    expiration: Duration,
    now: SystemTime,
) -> Result<Vec<Record>, RecordError> {
    each_item(message, "livekit.AnalyticsStats", |stat| {
        Record::from_stat_bytes(stat, expiration, now)
    })
}

/// The records of the events of an `AnalyticsEvents` message's encoding, in order.
pub fn events_records(
    message: &[u8],
    expiration: Duration,
    now: SystemTime,
) -> Result<Vec<Record>, RecordError> {
    each_item(message, "livekit.AnalyticsEvents", |event| {
        Record::from_event_bytes(event, expiration, now)
    })
}

/// Converts each item of a message whose one field is `repeated Item items = 1`.
fn each_item(
    message: &[u8],
    name: &'static str,
    mut convert: impl FnMut(&[u8]) -> Result<Record, RecordError>,
) -> Result<Vec<Record>, RecordError> {
    let mut fields = Occurrences::new();
    read_fields(message, &mut fields).map_err(|reason| RecordError::Malformed {
        message: name,
        reason: reason.to_owned(),
    })?;
    let mut records = Vec::with_capacity(fields.len());
    for (number, wire) in fields {
        match (number, wire) {
            (1, Wire::Bytes(item)) => records.push(convert(item)?),
            (1, _) => {
                return Err(RecordError::Malformed {
                    message: name,
                    reason: "invalid wire type for the field".to_owned(),
                })
            }
            _ => {}
        }
    }
    Ok(records)
}

fn stat_record(
    columns: StatColumns,
    document_json: String,
    expiration: Duration,
    now: SystemTime,
) -> Record {
    Record {
        kind: RecordKind::Stat,
        id: stat_id_of(StatIdParts {
            room_id: &columns.room_id,
            participant_id: &columns.participant_id,
            track_id: &columns.track_id,
            kind: columns.kind,
            node: &columns.node,
            time_stamp: columns.time_stamp.as_ref(),
        }),
        type_name: stream_kind_name(columns.kind),
        timestamp_ms: millis(columns.time_stamp.as_ref()),
        traffic: Some(StatTraffic::sum(
            columns.streams.iter().map(StreamFigures::from),
        )),
        room_sid: columns.room_id,
        room_name: columns.room_name,
        participant_sid: columns.participant_id,
        participant_identity: String::new(),
        track_id: columns.track_id,
        egress_id: String::new(),
        ingress_id: String::new(),
        node_id: columns.node,
        score: columns.score,
        min_score: columns.min_score,
        median_score: columns.median_score,
        mime: columns.mime,
        client_reported: false,
        expire_at_ms: expire_at(now, expiration),
        active_change: None,
        document_json,
    }
}

/// `bytes` as they are when `decoded` (their time field, decoded) is set; otherwise sets it
/// to `now` and returns `bytes` with the message-typed field `number` (below 16) appended
/// with that time, which sets a field the encoding lacks.
fn timed<'a>(
    bytes: &'a [u8],
    number: u8,
    decoded: &mut Option<Timestamp>,
    now: SystemTime,
) -> Cow<'a, [u8]> {
    if decoded.is_some() {
        return Cow::Borrowed(bytes);
    }
    let time = decoded.insert(timestamp_of(now));
    let mut timed = Vec::with_capacity(bytes.len() + 16);
    timed.extend_from_slice(bytes);
    timed.push(number << 3 | 2);
    time.encode_length_delimited(&mut timed)
        .expect("a Vec grows as needed");
    Cow::Owned(timed)
}

fn malformed(message: &'static str, error: prost::DecodeError) -> RecordError {
    RecordError::Malformed {
        message,
        reason: error.to_string(),
    }
}
