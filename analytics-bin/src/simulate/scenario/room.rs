//! One simulated room's life: created by an API call, participants joining, becoming active,
//! publishing and subscribing, muting, reconnecting, leaving (one connection aborted), an
//! egress in the first room and an ingress in the last, and the room ending; with the
//! coalesced stats of every track and subscription.

use std::time::Duration;

use livekit_protocol::{
    ingress_state::Status as IngressStatus, participant_info::State as ParticipantState,
    AnalyticsClientMeta, AnalyticsEvent, AnalyticsEventType as T, ApiCallInfo, DisconnectReason,
    EgressStatus, ReconnectReason, RoomEndReason, RtpStats, StreamType, VideoQuality, WebhookInfo,
};
use rand::rngs::StdRng;

use super::{
    entities::{egress_info, ingress_info, SimParticipant, SimRoom, SimTrack, TrackKind},
    settings::ScenarioSettings,
    stats::{coalesced_stat, windows, StatSubject},
    timeline::{unix_seconds, Timeline},
};

/// The timing shared by every room of a session (seconds of simulated time).
pub(super) struct RoomPlan<'a> {
    settings: &'a ScenarioSettings,
    /// Delay between two rooms' starts.
    stagger: f64,
    /// Delay between two participants' joins, and between their leaves.
    join_gap: f64,
}

/// A published track and when it was published and unpublished.
struct Publication {
    publisher: usize,
    track: SimTrack,
    from: f64,
    to: f64,
}

impl<'a> RoomPlan<'a> {
    pub(super) fn for_session(settings: &'a ScenarioSettings) -> RoomPlan<'a> {
        let total = settings.simulated_length().as_secs_f64();
        let rooms = settings.rooms.max(1) as f64;
        let participants = settings.participants.max(1) as f64;
        RoomPlan {
            settings,
            stagger: (total / (4.0 * rooms)).min(10.0).floor(),
            join_gap: (total * 0.1 / participants).min(3.0),
        }
    }

    fn total(&self) -> f64 {
        self.settings.simulated_length().as_secs_f64()
    }

    /// Adds room `index`'s events and stats to the timeline.
    pub(super) fn generate(&self, index: usize, timeline: &mut Timeline, rng: &mut StdRng) {
        let run = self.room_run(index);
        run.open(timeline);
        let participants = run.participants(self.join_gap);
        let mut publications = Vec::new();
        for (p, (participant, join, leave)) in participants.iter().enumerate() {
            let active = join + 0.5;
            run.join(participant, *join, active, timeline);
            publications.extend(run.publish(p, participant, active, *leave, timeline, rng));
        }
        self.subscriptions(
            index,
            &run.room,
            &participants,
            &publications,
            timeline,
            rng,
        );
        self.incidents(&run.room, &participants, &publications, run.mid, timeline);
        if index == 0 {
            self.egress(
                &run.room,
                run.created + run.length * 0.3,
                run.created + run.length * 0.7,
                timeline,
            );
        }
        if run.last_room {
            self.ingress(
                &run.room,
                run.created + 0.5,
                run.created + run.length * 0.4,
                run.created + run.length * 0.6,
                timeline,
            );
        }
        run.leave(&participants, timeline);
        run.close(timeline);
    }

    /// Room `index`'s identity and timing.
    fn room_run(&self, index: usize) -> RoomRun<'a> {
        let settings = self.settings;
        let start = index as f64 * self.stagger;
        let created = start + 1.0;
        let end = self.total() - 1.0;
        let length = end - created;
        RoomRun {
            settings,
            index,
            last_room: index + 1 == settings.rooms,
            room: SimRoom {
                sid: format!("RM_SIM{}_{index:03}", settings.sid_tag()),
                name: format!("sim-room-{index}"),
                creation_time: unix_seconds(settings.start + Duration::from_secs_f64(created)),
            },
            start,
            created,
            end,
            length,
            mid: created + length / 2.0,
        }
    }

    /// Every participant subscribes to every other's tracks while both are there.
    fn subscriptions(
        &self,
        index: usize,
        room: &SimRoom,
        participants: &[(SimParticipant, f64, f64)],
        publications: &[Publication],
        timeline: &mut Timeline,
        rng: &mut StdRng,
    ) {
        let mut first = true;
        for publication in publications {
            for (s, (subscriber, join, leave)) in participants.iter().enumerate() {
                if s == publication.publisher {
                    continue;
                }
                let from = publication.from.max(join + 0.5) + 0.2;
                let to = publication.to.min(leave - 0.3) - 0.1;
                if to <= from {
                    continue;
                }
                let subscription = Subscription {
                    room,
                    publisher: &participants[publication.publisher].0,
                    publication,
                    subscriber,
                    ssrc: 50_000 + (index * 1000 + s * 100) as u32,
                    from,
                    to,
                };
                let fails_first = first && index == 0;
                self.subscription(&subscription, fails_first, timeline, rng);
                if fails_first {
                    first = false;
                }
            }
        }
    }

    /// One subscriber's subscription to one track: requested (the session's very first one
    /// failing once, with `fails_first`), subscribed, unsubscribed, its stats.
    fn subscription(
        &self,
        subscription: &Subscription,
        fails_first: bool,
        timeline: &mut Timeline,
        rng: &mut StdRng,
    ) {
        let node = self.settings.node_id.as_str();
        let Subscription {
            room,
            publisher,
            publication,
            subscriber,
            from,
            to,
            ..
        } = *subscription;
        let event = |kind: T| AnalyticsEvent {
            r#type: kind as i32,
            node_id: node.to_owned(),
            room_id: room.sid.clone(),
            room: Some(room.minimal()),
            participant_id: subscriber.sid.clone(),
            participant: Some(subscriber.minimal()),
            track_id: publication.track.sid.clone(),
            track: Some(publication.track.info(false)),
            publisher: Some(publisher.minimal()),
            ..Default::default()
        };
        timeline.event(from - 0.1, event(T::TrackSubscribeRequested));
        if fails_first {
            timeline.event(
                from - 0.05,
                AnalyticsEvent {
                    error: "no receiver found for track".into(),
                    ..event(T::TrackSubscribeFailed)
                },
            );
        }
        timeline.event(from, event(T::TrackSubscribed));
        timeline.event(to, event(T::TrackUnsubscribed));
        timeline.event(
            to + 0.01,
            AnalyticsEvent {
                rtp_stats: Some(rtp_stats(
                    &timeline_time(self.settings, from),
                    &timeline_time(self.settings, to),
                )),
                mime: publication.track.kind.mime().into(),
                ..event(T::TrackSubscribeStats)
            },
        );
        let subject = StatSubject {
            direction: StreamType::Downstream,
            node,
            room_id: &room.sid,
            room_name: &room.name,
            participant_id: &subscriber.sid,
            track_id: &publication.track.sid,
            kind: publication.track.kind,
            ssrc: subscription.ssrc,
        };
        window_stats(&subject, from, to, timeline, rng);
    }

    /// Mid-session: a microphone muted and unmuted, a resumed and a reconnected participant.
    fn incidents(
        &self,
        room: &SimRoom,
        participants: &[(SimParticipant, f64, f64)],
        publications: &[Publication],
        mid: f64,
        timeline: &mut Timeline,
    ) {
        let node = self.settings.node_id.as_str();
        let event = |kind: T, participant: &SimParticipant| AnalyticsEvent {
            r#type: kind as i32,
            node_id: node.to_owned(),
            room_id: room.sid.clone(),
            room: Some(room.minimal()),
            participant_id: participant.sid.clone(),
            participant: Some(participant.minimal()),
            ..Default::default()
        };
        let muting = 1 % participants.len().max(1);
        if let Some(microphone) = publications.iter().find(|p| {
            p.publisher == muting
                && p.track.kind == TrackKind::Microphone
                && p.from < mid - 5.0
                && mid + 5.0 < p.to
        }) {
            let participant = &participants[muting].0;
            let track_event = |kind: T, muted: bool| AnalyticsEvent {
                track_id: microphone.track.sid.clone(),
                track: Some(microphone.track.info(muted)),
                ..event(kind, participant)
            };
            timeline.event(mid - 5.0, track_event(T::TrackMuted, true));
            timeline.event(mid - 4.9, track_event(T::TrackPublishedUpdate, true));
            timeline.event(mid + 5.0, track_event(T::TrackUnmuted, false));
        }
        if let Some((participant, _, _)) = participants.first() {
            timeline.event(
                mid - 2.0,
                AnalyticsEvent {
                    client_meta: Some(client_meta(node, ReconnectReason::RrSignalDisconnected)),
                    ..event(T::ParticipantResumed, participant)
                },
            );
        }
        if let Some((participant, _, _)) = participants.get(muting) {
            timeline.event(
                mid + 2.0,
                AnalyticsEvent {
                    client_meta: Some(client_meta(node, ReconnectReason::RrPublisherFailed)),
                    ..event(T::Reconnected, participant)
                },
            );
        }
    }

    /// A room-composite recording: started, updated, ended. Egress events carry no room.
    fn egress(&self, room: &SimRoom, from: f64, to: f64, timeline: &mut Timeline) {
        let egress_id = "EG_SIM000";
        let started = unix_nanos(self.settings, from);
        let event = |kind: T, status: EgressStatus, updated: i64| AnalyticsEvent {
            r#type: kind as i32,
            node_id: self.settings.node_id.clone(),
            egress_id: egress_id.into(),
            room_id: room.sid.clone(),
            egress: Some(egress_info(egress_id, room, status, started, updated)),
            ..Default::default()
        };
        timeline.event(
            from,
            event(T::EgressStarted, EgressStatus::EgressActive, started),
        );
        timeline.event(
            from + 5.0,
            event(
                T::EgressUpdated,
                EgressStatus::EgressActive,
                unix_nanos(self.settings, from + 5.0),
            ),
        );
        timeline.event(
            to,
            event(
                T::EgressEnded,
                EgressStatus::EgressComplete,
                unix_nanos(self.settings, to),
            ),
        );
    }

    /// An RTMP ingress: created, started, updated, ended, deleted. No room on its events.
    fn ingress(&self, room: &SimRoom, created: f64, from: f64, to: f64, timeline: &mut Timeline) {
        let (ingress_id, resource_id) = ("IN_SIM000", "RI_SIM000");
        let started = unix_nanos(self.settings, from);
        let ended = unix_nanos(self.settings, to);
        let event = |kind: T, status: IngressStatus, resource: &str, started: i64, ended: i64| {
            AnalyticsEvent {
                r#type: kind as i32,
                node_id: self.settings.node_id.clone(),
                ingress_id: ingress_id.into(),
                ingress: Some(ingress_info(
                    ingress_id, resource, room, status, started, ended,
                )),
                ..Default::default()
            }
        };
        timeline.event(
            created,
            event(T::IngressCreated, IngressStatus::EndpointInactive, "", 0, 0),
        );
        timeline.event(
            from,
            event(
                T::IngressStarted,
                IngressStatus::EndpointPublishing,
                resource_id,
                started,
                0,
            ),
        );
        timeline.event(
            from + 3.0,
            event(
                T::IngressUpdated,
                IngressStatus::EndpointPublishing,
                resource_id,
                started,
                0,
            ),
        );
        timeline.event(
            to,
            event(
                T::IngressEnded,
                IngressStatus::EndpointComplete,
                resource_id,
                started,
                ended,
            ),
        );
        timeline.event(
            to + 1.0,
            event(
                T::IngressDeleted,
                IngressStatus::EndpointComplete,
                resource_id,
                started,
                ended,
            ),
        );
    }
}

/// One room of the session: its identity and timing (seconds of simulated time).
struct RoomRun<'a> {
    settings: &'a ScenarioSettings,
    index: usize,
    /// The last room has the ingress and an aborted connection.
    last_room: bool,
    room: SimRoom,
    /// When the API call creating it is made.
    start: f64,
    created: f64,
    end: f64,
    length: f64,
    mid: f64,
}

impl RoomRun<'_> {
    fn node(&self) -> &str {
        self.settings.node_id.as_str()
    }

    /// An event of this room, of `kind`.
    fn base(&self, kind: T) -> AnalyticsEvent {
        AnalyticsEvent {
            r#type: kind as i32,
            node_id: self.node().to_owned(),
            room_id: self.room.sid.clone(),
            room: Some(self.room.minimal()),
            ..Default::default()
        }
    }

    /// The API call creating the room, the room created, and its `room_started` webhook.
    fn open(&self, timeline: &mut Timeline) {
        let settings = self.settings;
        let node = self.node();
        timeline.event(
            self.start,
            api_call(
                &self.room,
                node,
                settings.start + Duration::from_secs_f64(self.start),
            ),
        );
        let creation = pbjson_types::Timestamp {
            seconds: self.room.creation_time,
            nanos: 0,
        };
        timeline.event(
            self.created,
            AnalyticsEvent {
                r#type: T::RoomCreated as i32,
                timestamp: Some(creation),
                node_id: node.to_owned(),
                room: Some(self.room.full(0)),
                ..Default::default()
            },
        );
        timeline.event(
            self.created + 0.2,
            webhook_delivery(&self.room, node, "room_started"),
        );
    }

    /// The participants with when each joins and leaves: joins `join_gap` apart, leaves half
    /// that apart, the first to join the first to leave.
    fn participants(&self, join_gap: f64) -> Vec<(SimParticipant, f64, f64)> {
        let settings = self.settings;
        let index = self.index;
        (0..settings.participants)
            .map(|p| {
                let join = self.created + 1.0 + p as f64 * join_gap;
                let leave =
                    self.end - 1.0 - (settings.participants - 1 - p) as f64 * join_gap * 0.5;
                let participant = SimParticipant {
                    sid: format!("PA_SIM{}_{index:03}_{p:03}", settings.sid_tag()),
                    identity: format!("user-{index}-{p}"),
                    joined_at: unix_seconds(settings.start + Duration::from_secs_f64(join)),
                };
                (participant, join, leave)
            })
            .collect()
    }

    /// A participant joining at `join` and becoming active at `active`.
    fn join(&self, participant: &SimParticipant, join: f64, active: f64, timeline: &mut Timeline) {
        let node = self.node();
        timeline.event(
            join,
            AnalyticsEvent {
                participant_id: participant.sid.clone(),
                participant: Some(participant.full(ParticipantState::Joining)),
                client_info: Some(participant.client_info()),
                client_meta: Some(client_meta(node, ReconnectReason::RrUnknown)),
                ..self.base(T::ParticipantJoined)
            },
        );
        timeline.event(
            active,
            AnalyticsEvent {
                participant_id: participant.sid.clone(),
                participant: Some(participant.full(ParticipantState::Active)),
                client_meta: Some(client_meta(node, ReconnectReason::RrUnknown)),
                ..self.base(T::ParticipantActive)
            },
        );
    }

    /// Participant `p`'s tracks: microphone and camera until just before it leaves, and for
    /// the first participant a screen share ending past the middle.
    fn publish(
        &self,
        p: usize,
        participant: &SimParticipant,
        active: f64,
        leave: f64,
        timeline: &mut Timeline,
        rng: &mut StdRng,
    ) -> Vec<Publication> {
        let mut publications = Vec::new();
        let mut kinds = vec![
            (TrackKind::Microphone, leave - 0.3),
            (TrackKind::Camera, leave - 0.3),
        ];
        if p == 0 {
            kinds.push((TrackKind::ScreenShare, self.mid + self.length * 0.2));
        }
        for (number, (kind, to)) in kinds.into_iter().enumerate() {
            let from = active + 0.5 + number as f64 * 0.2;
            let track = SimTrack {
                sid: format!(
                    "TR_SIM{}_{:03}_{p:03}_{number}",
                    self.settings.sid_tag(),
                    self.index
                ),
                kind,
            };
            let ssrc = 1000 + (self.index * 100 + p * 10 + number) as u32;
            self.track_events(participant, &track, from, to, timeline);
            let subject = StatSubject {
                direction: StreamType::Upstream,
                node: self.node(),
                room_id: &self.room.sid,
                room_name: &self.room.name,
                participant_id: &participant.sid,
                track_id: &track.sid,
                kind,
                ssrc,
            };
            window_stats(&subject, from, to, timeline, rng);
            publications.push(Publication {
                publisher: p,
                track,
                from,
                to,
            });
        }
        publications
    }

    /// A track published at `from` and unpublished at `to`, with its publish stats.
    fn track_events(
        &self,
        participant: &SimParticipant,
        track: &SimTrack,
        from: f64,
        to: f64,
        timeline: &mut Timeline,
    ) {
        let kind = track.kind;
        let track_event = |event_kind: T| AnalyticsEvent {
            participant_id: participant.sid.clone(),
            participant: Some(participant.minimal()),
            track_id: track.sid.clone(),
            track: Some(track.info(false)),
            ..self.base(event_kind)
        };
        timeline.event(from - 0.1, track_event(T::TrackPublishRequested));
        timeline.event(from, track_event(T::TrackPublished));
        if kind.is_video() && self.settings.participants > 1 {
            timeline.event(
                from + 1.5,
                AnalyticsEvent {
                    max_subscribed_video_quality: VideoQuality::High as i32,
                    mime: kind.mime().into(),
                    ..track_event(T::TrackMaxSubscribedVideoQuality)
                },
            );
        }
        timeline.event(to, track_event(T::TrackUnpublished));
        timeline.event(
            to + 0.01,
            AnalyticsEvent {
                rtp_stats: Some(rtp_stats(
                    &timeline_time(self.settings, from),
                    &timeline_time(self.settings, to),
                )),
                mime: kind.mime().into(),
                ..track_event(T::TrackPublishStats)
            },
        );
    }

    /// Every participant leaving; in the last room the last one's connection is aborted.
    fn leave(&self, participants: &[(SimParticipant, f64, f64)], timeline: &mut Timeline) {
        let last = participants.len().saturating_sub(1);
        for (p, (participant, _, leave)) in participants.iter().enumerate() {
            let aborted = self.last_room && p == last;
            let mut info = participant.full(ParticipantState::Disconnected);
            info.disconnect_reason = if aborted {
                DisconnectReason::ConnectionTimeout as i32
            } else {
                DisconnectReason::ClientInitiated as i32
            };
            timeline.event(
                *leave,
                AnalyticsEvent {
                    participant_id: participant.sid.clone(),
                    participant: Some(info),
                    ..self.base(if aborted {
                        T::ParticipantConnectionAborted
                    } else {
                        T::ParticipantLeft
                    })
                },
            );
        }
    }

    /// The room ended (idle timeout) and its `room_finished` webhook.
    fn close(&self, timeline: &mut Timeline) {
        timeline.event(
            self.end,
            AnalyticsEvent {
                room: Some(self.room.full(0)),
                room_end_reason: RoomEndReason::RoomEndIdleTimeout as i32,
                ..self.base(T::RoomEnded)
            },
        );
        timeline.event(
            self.end + 0.2,
            webhook_delivery(&self.room, self.node(), "room_finished"),
        );
    }
}

/// A subscriber's subscription to one publication, from `from` to `to`.
#[derive(Clone, Copy)]
struct Subscription<'a> {
    room: &'a SimRoom,
    publisher: &'a SimParticipant,
    publication: &'a Publication,
    subscriber: &'a SimParticipant,
    ssrc: u32,
    from: f64,
    to: f64,
}

/// The coalesced stats of `subject` for every stats window between `from` and `to`.
fn window_stats(
    subject: &StatSubject,
    from: f64,
    to: f64,
    timeline: &mut Timeline,
    rng: &mut StdRng,
) {
    for (window_start, window_end) in windows(from, to) {
        let stat = coalesced_stat(
            subject,
            timeline.timestamp(window_start),
            timeline.timestamp(window_end),
            window_end - window_start,
            rng,
        );
        timeline.stat(window_end, stat);
    }
}

/// The API call that created the room (no room attached, as LiveKit sends it).
fn api_call(room: &SimRoom, node: &str, at: std::time::SystemTime) -> AnalyticsEvent {
    AnalyticsEvent {
        r#type: T::ApiCall as i32,
        node_id: node.to_owned(),
        api_call: Some(ApiCallInfo {
            service: "RoomService".into(),
            method: "CreateRoom".into(),
            node_id: node.to_owned(),
            status: 200,
            room_name: room.name.clone(),
            started_at: Some(analytics_core::record::timestamp_of(at)),
            duration_ns: 1_500_000,
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// LiveKit's report of a webhook it delivered (no room attached).
fn webhook_delivery(room: &SimRoom, node: &str, name: &str) -> AnalyticsEvent {
    AnalyticsEvent {
        r#type: T::Webhook as i32,
        node_id: node.to_owned(),
        webhook: Some(WebhookInfo {
            event_id: format!("EV_SIM_{}_{name}", room.sid),
            event: name.into(),
            room_name: room.name.clone(),
            room_id: room.sid.clone(),
            url: "http://127.0.0.1:7890/webhook".into(),
            http_status_code: 200,
            service_status: "200 OK".into(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn client_meta(node: &str, reconnect_reason: ReconnectReason) -> AnalyticsClientMeta {
    AnalyticsClientMeta {
        region: "simulated".into(),
        node: node.to_owned(),
        client_addr: "192.0.2.10".into(),
        client_connect_time: 180,
        connection_type: "udp".into(),
        reconnect_reason: reconnect_reason as i32,
        ..Default::default()
    }
}

fn rtp_stats(from: &pbjson_types::Timestamp, to: &pbjson_types::Timestamp) -> RtpStats {
    let duration = (to.seconds - from.seconds).max(1) as f64;
    RtpStats {
        start_time: Some(*from),
        end_time: Some(*to),
        duration,
        packets: (duration * 50.0) as u32,
        packet_rate: 50.0,
        bytes: (duration * 4000.0) as u64,
        bitrate: 32_000.0,
        ..Default::default()
    }
}

fn timeline_time(settings: &ScenarioSettings, at: f64) -> pbjson_types::Timestamp {
    analytics_core::record::timestamp_of(settings.start + Duration::from_secs_f64(at.max(0.0)))
}

fn unix_nanos(settings: &ScenarioSettings, at: f64) -> i64 {
    (settings.start + Duration::from_secs_f64(at.max(0.0)))
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or_default()
}
