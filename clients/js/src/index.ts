/**
 * @livekit-analytics/client: browser call-quality stats of a livekit-client `Room`, posted
 * to livekit-analytics' `POST /v1/client/stats` under the participant's own access token.
 */

export { collectStats } from './collector';
export { audioScore, videoScore, mosFromR, lossWeight } from './score';
export type {
  ClientStat,
  ClientStatsBatch,
  ClientStream,
  CollectStatsOptions,
  ParticipantLike,
  PublicationLike,
  RoomLike,
  StatKind,
  StatsReportLike,
  TickInfo,
  TrackLike,
} from './types';
