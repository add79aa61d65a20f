import { describe, expect, it } from 'vitest';
import { audioScore, delayEffect, layerDistance, lossPercent, lossWeight, mosFromR, videoScore } from '../src/score';

describe('MOS from the E-model rating', () => {
  it('is 1 at R 0 and below, 4.5 at R 100 and above, and the ITU curve between', () => {
    expect(mosFromR(-5)).toBe(1);
    expect(mosFromR(0)).toBe(1);
    expect(mosFromR(100)).toBe(4.5);
    expect(mosFromR(120)).toBe(4.5);
    expect(mosFromR(80)).toBeCloseTo(1 + 0.035 * 80 + 0.000007 * 80 * 20 * 20, 10);
    expect(mosFromR(40)).toBeCloseTo(2.064, 3);
  });

  it('rises with R', () => {
    for (let r = 1; r <= 100; r += 1) expect(mosFromR(r)).toBeGreaterThanOrEqual(mosFromR(r - 1));
  });
});

describe("LiveKit's weights and delay effect", () => {
  it('weighs loss by codec', () => {
    expect(lossWeight('audio/opus', false)).toBe(8);
    expect(lossWeight('audio/opus', true)).toBeCloseTo(8 / 1.5);
    expect(lossWeight('audio/red', false)).toBe(4);
    expect(lossWeight('video/VP8', false)).toBe(10);
    expect(lossWeight('video/H264', true)).toBe(10);
  });

  it('counts one-way delay as RTT / 2 + 2 × jitter, steeper past 160 ms', () => {
    expect(delayEffect(0, 0)).toBe(0);
    expect(delayEffect(100, 10)).toBeCloseTo(70 / 40);
    expect(delayEffect(400, 30)).toBeCloseTo((260 - 120) / 10);
  });

  it('takes loss over the packets that should have arrived', () => {
    expect(lossPercent(95, 5)).toBe(5);
    expect(lossPercent(0, 0)).toBe(0);
  });
});

describe('audio score', () => {
  const clean = { packets: 250, lost: 0, mime: 'audio/opus', fec: true };

  it('is 4.5 on a clean line', () => {
    expect(audioScore({ ...clean, rttMs: 0, jitterMs: 0 })).toBe(4.5);
  });

  it("crosses LiveKit's GOOD line (R 80) at 2.5 % loss for Opus without FEC, 3.75 % with FEC", () => {
    const atGood = Math.round(mosFromR(80) * 100) / 100;
    expect(audioScore({ packets: 975, lost: 25, mime: 'audio/opus', fec: false })).toBe(atGood);
    expect(audioScore({ packets: 9625, lost: 375, mime: 'audio/opus', fec: true })).toBe(atGood);
  });

  it('drops with RTT and jitter', () => {
    const near = audioScore({ ...clean, rttMs: 20, jitterMs: 5 });
    const far = audioScore({ ...clean, rttMs: 400, jitterMs: 40 });
    expect(near).toBeGreaterThan(far);
    expect(far).toBeCloseTo(Math.round(mosFromR(100 - (280 - 120) / 10) * 100) / 100);
  });

  it('is the dry score (R 30) when nothing moved', () => {
    expect(audioScore({ ...clean, packets: 0 })).toBeCloseTo(mosFromR(30), 2);
  });

  it('stays within 1 and 4.5 under total loss', () => {
    expect(audioScore({ ...clean, packets: 0, lost: 100 })).toBe(1);
  });
});

describe('video score', () => {
  const base = { packets: 1000, lost: 0, mime: 'video/VP8' };

  it('is 4.5 when the expected layer arrives', () => {
    expect(videoScore({ ...base, expected: { width: 1280, frameRate: 30 }, actual: { width: 1280, frameRate: 29 } })).toBe(4.5);
  });

  it('loses one layer (35 points of R) per halving of the width', () => {
    const half = videoScore({ ...base, expected: { width: 1280 }, actual: { width: 640 } });
    expect(half).toBe(Math.round(mosFromR(65) * 100) / 100);
    const quarter = videoScore({ ...base, expected: { width: 1280 }, actual: { width: 320 } });
    expect(quarter).toBe(Math.round(mosFromR(30) * 100) / 100);
  });

  it('counts frame rate halvings like layers, ignoring noise under 15 %', () => {
    expect(layerDistance(20, 19)).toBe(0);
    expect(layerDistance(30, 15)).toBe(1);
    expect(videoScore({ ...base, expected: { frameRate: 30 }, actual: { frameRate: 15 } })).toBe(
      Math.round(mosFromR(65) * 100) / 100,
    );
  });

  it('takes the worse of loss and layers', () => {
    const lossy = { ...base, packets: 980, lost: 20 };
    expect(videoScore({ ...lossy, expected: {}, actual: {} })).toBe(Math.round(mosFromR(80) * 100) / 100);
    expect(videoScore({ ...lossy, expected: { width: 1280 }, actual: { width: 640 } })).toBe(
      Math.round(mosFromR(65) * 100) / 100,
    );
  });

  it('does not score what it does not know', () => {
    expect(videoScore({ ...base, expected: {}, actual: { width: 320 } })).toBe(4.5);
  });
});
