//! Records turned into the column arrays the batch statement binds, in the statement's
//! parameter order.

use std::borrow::Cow;

use analytics_core::{record::Record, ActiveChange, RecordKind};
use sqlx::{postgres::PgArguments, query::QueryAs, Postgres};

use crate::nul;

type Text<'a> = Vec<Cow<'a, str>>;

/// The `events` columns.
#[derive(Default)]
struct EventColumns<'a> {
    id: Vec<&'a str>,
    kind: Vec<&'a str>,
    at_ms: Vec<i64>,
    room_sid: Text<'a>,
    room_name: Text<'a>,
    participant_sid: Text<'a>,
    participant_identity: Text<'a>,
    track_id: Text<'a>,
    egress_id: Text<'a>,
    ingress_id: Text<'a>,
    node_id: Text<'a>,
    expire_ms: Vec<i64>,
    data: Text<'a>,
}

/// The `stats` columns.
#[derive(Default)]
struct StatColumns<'a> {
    id: Vec<&'a str>,
    kind: Vec<&'a str>,
    at_ms: Vec<i64>,
    room_sid: Text<'a>,
    room_name: Text<'a>,
    participant_sid: Text<'a>,
    track_id: Text<'a>,
    score: Vec<f32>,
    min_score: Vec<f32>,
    median_score: Vec<f32>,
    mime: Text<'a>,
    node: Text<'a>,
    expire_ms: Vec<i64>,
    data: Text<'a>,
    bytes: Vec<i64>,
    packets: Vec<i64>,
    packets_lost: Vec<i64>,
    frames: Vec<i64>,
    jitter_count: Vec<i64>,
    jitter_sum: Vec<f32>,
    rtt_count: Vec<i64>,
    rtt_sum: Vec<f32>,
    covered_ms: Vec<i64>,
    client_reported: Vec<i64>,
}

/// Active-entity changes, in batch order.
#[derive(Default)]
struct ChangeColumns<'a> {
    event_id: Vec<&'a str>,
    entity_id: Text<'a>,
    entity: Vec<&'static str>,
    opens: Vec<bool>,
    at_ms: Vec<i64>,
}

/// Every array of one write.
#[derive(Default)]
pub(crate) struct Columns<'a> {
    events: EventColumns<'a>,
    stats: StatColumns<'a>,
    changes: ChangeColumns<'a>,
}

impl<'a> Columns<'a> {
    /// The arrays of `records`, in their order.
    pub(crate) fn of(records: impl IntoIterator<Item = &'a Record>) -> Columns<'a> {
        let mut columns = Columns::default();
        for record in records {
            match record.kind {
                RecordKind::Event => columns.push_event(record),
                RecordKind::Stat => columns.push_stat(record),
            }
        }
        columns
    }

    fn push_event(&mut self, r: &'a Record) {
        let e = &mut self.events;
        e.id.push(&r.id);
        e.kind.push(&r.type_name);
        e.at_ms.push(r.timestamp_ms);
        e.room_sid.push(nul::text(&r.room_sid));
        e.room_name.push(nul::text(&r.room_name));
        e.participant_sid.push(nul::text(&r.participant_sid));
        e.participant_identity
            .push(nul::text(&r.participant_identity));
        e.track_id.push(nul::text(&r.track_id));
        e.egress_id.push(nul::text(&r.egress_id));
        e.ingress_id.push(nul::text(&r.ingress_id));
        e.node_id.push(nul::text(&r.node_id));
        e.expire_ms.push(r.expire_at_ms);
        e.data.push(nul::json(&r.document_json));
        let (entity, id, opens) = match &r.active_change {
            Some(ActiveChange::Opened { entity, id }) => (entity, id, true),
            Some(ActiveChange::Closed { entity, id }) => (entity, id, false),
            None => return,
        };
        let c = &mut self.changes;
        c.event_id.push(&r.id);
        c.entity_id.push(nul::text(id));
        c.entity.push(entity.as_str());
        c.opens.push(opens);
        c.at_ms.push(r.timestamp_ms);
    }

    fn push_stat(&mut self, r: &'a Record) {
        let s = &mut self.stats;
        s.id.push(&r.id);
        s.kind.push(&r.type_name);
        s.at_ms.push(r.timestamp_ms);
        s.room_sid.push(nul::text(&r.room_sid));
        s.room_name.push(nul::text(&r.room_name));
        s.participant_sid.push(nul::text(&r.participant_sid));
        s.track_id.push(nul::text(&r.track_id));
        s.score.push(r.score);
        s.min_score.push(r.min_score);
        s.median_score.push(r.median_score);
        s.mime.push(nul::text(&r.mime));
        s.node.push(nul::text(&r.node_id));
        s.expire_ms.push(r.expire_at_ms);
        s.data.push(nul::json(&r.document_json));
        let traffic = r.stat_traffic();
        s.bytes.push(traffic.bytes);
        s.packets.push(traffic.packets);
        s.packets_lost.push(traffic.packets_lost);
        s.frames.push(traffic.frames);
        s.jitter_count.push(traffic.jitter_count);
        s.jitter_sum.push(traffic.jitter_sum as f32);
        s.rtt_count.push(traffic.rtt_count);
        s.rtt_sum.push(traffic.rtt_sum as f32);
        s.covered_ms.push(traffic.covered_ms);
        s.client_reported.push(i64::from(r.client_reported));
    }

    /// Binds every array to the batch statement, in parameter order.
    pub(crate) fn bind<O>(
        self,
        query: QueryAs<'a, Postgres, O, PgArguments>,
    ) -> QueryAs<'a, Postgres, O, PgArguments> {
        let (e, s, c) = (self.events, self.stats, self.changes);
        query
            .bind(e.id)
            .bind(e.kind)
            .bind(e.at_ms)
            .bind(e.room_sid)
            .bind(e.room_name)
            .bind(e.participant_sid)
            .bind(e.participant_identity)
            .bind(e.track_id)
            .bind(e.egress_id)
            .bind(e.ingress_id)
            .bind(e.node_id)
            .bind(e.expire_ms)
            .bind(e.data)
            .bind(s.id)
            .bind(s.kind)
            .bind(s.at_ms)
            .bind(s.room_sid)
            .bind(s.room_name)
            .bind(s.participant_sid)
            .bind(s.track_id)
            .bind(s.score)
            .bind(s.min_score)
            .bind(s.median_score)
            .bind(s.mime)
            .bind(s.node)
            .bind(s.expire_ms)
            .bind(s.data)
            .bind(s.bytes)
            .bind(s.packets)
            .bind(s.packets_lost)
            .bind(s.frames)
            .bind(s.jitter_count)
            .bind(s.jitter_sum)
            .bind(s.rtt_count)
            .bind(s.rtt_sum)
            .bind(s.covered_ms)
            .bind(s.client_reported)
            .bind(c.event_id)
            .bind(c.entity_id)
            .bind(c.entity)
            .bind(c.opens)
            .bind(c.at_ms)
    }
}
