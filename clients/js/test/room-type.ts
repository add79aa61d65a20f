// Compiled (not run) by the unit tests: livekit-client's own Room, and its track classes,
// fit the structural types collectStats takes.
import type { LocalVideoTrack, RemoteAudioTrack, Room } from 'livekit-client';
import { collectStats, type TrackLike } from '../src/index';

declare const room: Room;
declare const local: LocalVideoTrack;
declare const remote: RemoteAudioTrack;

export const stop: () => Promise<void> = collectStats(room, { token: 'a.b.c', intervalMs: 5000 });
export const tracks: TrackLike[] = [local, remote];
