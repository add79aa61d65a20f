// Records the fixtures of the unit tests: Debian's Chromium (headless, fake camera and
// microphone) connects two RTCPeerConnections in loopback, the sender with the video in
// three simulcast layers, and dumps every entry of each sender's and receiver's getStats()
// at two instants `INTERVAL_MS` apart. One recording on a clean loopback and one whose audio
// and video pair goes through a lossy UDP relay (5 % of RTP packets dropped, 40-60 ms each
// way) so the tests see real loss, jitter, RTT and NACK counters.
//
//   source scripts/browser.sh   # Chromium and playwright-core (LKA_TEST_BROWSER_NODE_PATH)
//   node clients/js/test/record-fixtures.mjs
//
// Writes clients/js/test/fixtures/chromium-{clean,lossy}.json; commit them.

import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSocket } from 'node:dgram';

const INTERVAL_MS = 5000;
const WARM_UP_MS = 6000;
const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const nodePath = process.env.LKA_TEST_BROWSER_NODE_PATH;
if (!nodePath) throw new Error('LKA_TEST_BROWSER_NODE_PATH is not set (source scripts/browser.sh)');
const { chromium } = createRequire(join(nodePath, 'x.js'))('playwright-core');

const BASE_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
];

// Runs in the page: two loopback pairs (audio and video end to end; a sender of three
// simulcast layers, which a receiving Chromium cannot take, so its answer is completed by
// hand), then two getStats() dumps per sender and receiver. With `relay`, the first pair's
// media goes through the lossy UDP relay of this script (`relayTo` tells it where).
async function recordInPage({ intervalMs, warmUpMs, relay }) {
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const media = await navigator.mediaDevices.getUserMedia({
    audio: true,
    video: { width: 1280, height: 720, frameRate: 30 },
  });
  const [audio] = media.getAudioTracks();
  const [video] = media.getVideoTracks();
  const connect = async (sender, receiver, mungeAnswer, viaRelay) => {
    receiver.onicecandidate = async ({ candidate }) => {
      if (!candidate) return;
      if (!viaRelay) return sender.addIceCandidate(candidate);
      if (candidate.protocol !== 'udp' || candidate.address.includes(':')) return undefined;
      const port = await window.relayTo(candidate.address, candidate.port);
      return sender.addIceCandidate({
        candidate: candidate.candidate.replace(` ${candidate.port} typ`, ` ${port} typ`),
        sdpMid: candidate.sdpMid,
        sdpMLineIndex: candidate.sdpMLineIndex,
      });
    };
    // Through the relay the receiver learns the sender's address from its checks.
    sender.onicecandidate = ({ candidate }) => candidate && !viaRelay && receiver.addIceCandidate(candidate);
    const offer = await sender.createOffer();
    await sender.setLocalDescription(offer);
    await receiver.setRemoteDescription(offer);
    const answer = await receiver.createAnswer();
    await receiver.setLocalDescription(answer);
    await sender.setRemoteDescription({ type: 'answer', sdp: mungeAnswer(answer.sdp) });
  };
  const pc1 = new RTCPeerConnection();
  const pc2 = new RTCPeerConnection();
  const received = {};
  pc2.ontrack = (e) => { received[e.track.kind] = e.receiver; };
  const audioSender = pc1.addTrack(audio, media);
  const videoSender = pc1.addTrack(video, media);
  await connect(pc1, pc2, (sdp) => sdp, relay);
  const simulcast = new RTCPeerConnection();
  const sink = new RTCPeerConnection();
  const simulcastSender = simulcast.addTransceiver(video.clone(), {
    sendEncodings: [
      { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150000 },
      { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500000 },
      { rid: 'f', maxBitrate: 1700000 },
    ],
  }).sender;
  await connect(simulcast, sink, (sdp) => sdp.replace(/(a=mid:[^\r\n]+\r\n)/, (mid) =>
    `${mid}a=rid:q recv\r\na=rid:h recv\r\na=rid:f recv\r\na=simulcast:recv q;h;f\r\n`), false);
  await sleep(warmUpMs);
  const dump = async (rtp) => [...(await rtp.getStats()).values()];
  const samples = [];
  for (let i = 0; i < 2; i += 1) {
    if (i > 0) await sleep(intervalMs);
    samples.push({
      wall_clock_ms: Date.now(),
      audio_sender: await dump(audioSender),
      video_sender: await dump(videoSender),
      simulcast_sender: await dump(simulcastSender),
      audio_receiver: await dump(received.audio),
      video_receiver: await dump(received.video),
    });
  }
  const settings = video.getSettings();
  for (const pc of [pc1, pc2, simulcast, sink]) pc.close();
  return {
    capture: { width: settings.width, height: settings.height, frame_rate: settings.frameRate },
    samples,
  };
}

// A UDP relay between the two ends of a pair: drops `lossPercent` of the RTP packets (never
// STUN, DTLS or RTCP) in either direction and delays every packet by `delayMs` plus up to
// `jitterMs`, with a fixed pseudo-random sequence so a re-recording is alike.
function lossyRelay({ lossPercent, delayMs, jitterMs }) {
  const socket = createSocket('udp4');
  let seed = 42;
  const random = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  let target;
  let source;
  socket.on('message', (packet, from) => {
    const toTarget = !(from.address === target.address && from.port === target.port);
    if (toTarget) source = from;
    const to = toTarget ? target : source;
    const rtp = (packet[0] & 0xc0) === 0x80 && !(packet[1] >= 192 && packet[1] <= 223);
    if (!to || (rtp && random() * 100 < lossPercent)) return;
    setTimeout(() => socket.send(packet, to.port, to.address), delayMs + random() * jitterMs);
  });
  const bound = new Promise((resolve) => socket.bind(0, '0.0.0.0', resolve));
  return {
    close: () => socket.close(),
    relayTo: async (address, port) => {
      await bound;
      target ??= { address, port };
      return socket.address().port;
    },
  };
}

async function record(name, relaySettings, note) {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: BASE_ARGS });
  const relay = relaySettings && lossyRelay(relaySettings);
  try {
    const page = await browser.newPage();
    if (relay) await page.exposeFunction('relayTo', relay.relayTo);
    await page.route('http://localhost/record.html', (route) =>
      route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>record</title>' }));
    await page.goto('http://localhost/record.html');
    const recording = await page.evaluate(recordInPage, {
      intervalMs: INTERVAL_MS,
      warmUpMs: WARM_UP_MS,
      relay: Boolean(relay),
    });
    const fixture = {
      recorded_with: `Chromium ${browser.version()} headless, fake media devices, loopback RTCPeerConnection pairs`,
      network: note,
      interval_ms: INTERVAL_MS,
      ...recording,
    };
    writeFileSync(join(fixtures, `chromium-${name}.json`), `${JSON.stringify(fixture, null, 1)}\n`);
    console.log(`recorded ${name}`);
  } finally {
    relay?.close();
    await browser.close();
  }
}

await record('clean', null, 'loopback, no loss');
await record(
  'lossy',
  { lossPercent: 5, delayMs: 40, jitterMs: 20 },
  'audio and video pair through a UDP relay: 5 % of RTP packets dropped, 40-60 ms delay each way',
);
