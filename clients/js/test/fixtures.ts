// The recorded Chromium stats reports (test/fixtures/*.json, made by record-fixtures.mjs),
// as the Map-shaped RTCStatsReport the collector reads.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StatsReportLike } from '../src/types';

export type Endpoint = 'audio_sender' | 'video_sender' | 'simulcast_sender' | 'audio_receiver' | 'video_receiver';

export interface Recording {
  recorded_with: string;
  capture: { width: number; height: number; frame_rate: number };
  samples: (Record<Endpoint, { id: string; type: string; [field: string]: unknown }[]> & { wall_clock_ms: number })[];
}

export function recording(name: 'clean' | 'lossy'): Recording {
  return JSON.parse(readFileSync(join(__dirname, 'fixtures', `chromium-${name}.json`), 'utf8'));
}

/** Sample `index` of `endpoint` as an RTCStatsReport-like Map. */
export function report(rec: Recording, index: number, endpoint: Endpoint): StatsReportLike {
  return new Map(rec.samples[index][endpoint].map((entry) => [entry.id, entry]));
}

/** The entries of one type in a sample. */
export function entries(rec: Recording, index: number, endpoint: Endpoint, type: string): any[] {
  return rec.samples[index][endpoint].filter((entry) => entry.type === type);
}
