// A small Node HTTP service around the Predictor: POST a video (the request body, any format ffmpeg
// reads) to /predict and get its preference as JSON. Uploads go to a private temp file (capped at
// `maxBytes`, refused early from Content-Length), predictions run one at a time (the model and the
// face tracker are shared and stateful, so answers can never mix), and every failure is a JSON
// error with a 4xx/5xx status: { "error": { "code", "message" } }.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { NoFaceError, type LandmarkProvider, type Predictor } from 'plm-ipe';
import { predictFile } from 'plm-ipe/node';

/** Options of {@link createPredictionServer}. */
export interface ServiceOptions {
  predictor: Predictor;
  /** Finds the faces in uploaded videos. */
  provider: LandmarkProvider;
  /** Largest upload accepted, in bytes. Default 64 MiB. */
  maxBytes?: number;
  /** Frames are decoded at most this wide. Default 640. */
  maxWidth?: number;
}

/** A failure with its HTTP status and a stable code for clients. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Streams the request body into `file`, refusing more than `max` bytes. */
function receive(req: http.IncomingMessage, file: string, max: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const out = fs.createWriteStream(file, { mode: 0o600 });
    let bytes = 0;
    let failed = false;
    const fail = (err: Error): void => {
      if (failed) return;
      failed = true;
      out.destroy();
      req.unpipe(out);
      // Stop reading the rest of an oversized upload; the response still goes out.
      req.resume();
      reject(err);
    };
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > max) fail(new HttpError(413, 'too-large', `the upload is over the limit of ${max} bytes`));
    });
    req.on('error', fail);
    out.on('error', fail);
    out.on('finish', () => !failed && resolve(bytes));
    req.pipe(out);
  });
}

/** Maps a prediction failure to a client error where the video is at fault. */
function classify(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof NoFaceError) return new HttpError(422, 'no-face', 'no face found in any frame of the video');
  const message = (err as Error)?.message ?? String(err);
  if (/cannot (read|decode) video|no video stream|has no frames|is too short/.test(message)) {
    // The temp file's path means nothing to the client.
    return new HttpError(415, 'not-a-video', message.replace(/\/\S*upload-[^\s:]*/g, 'the upload'));
  }
  return new HttpError(500, 'internal', 'the prediction failed; see the service log');
}

/**
 * Creates the service (not yet listening): `POST /predict` with the video as the body answers
 * `{ label, probabilities, fused, pixel, landmark, frames, faceFrames, fps, timings }`;
 * `GET /health` answers `{ ok: true, model }`.
 * @example
 * const server = createPredictionServer({ predictor: await loadPredictor('runs/demo'), provider: await createFaceApiProvider() });
 * server.listen(8080, '127.0.0.1');
 */
export function createPredictionServer(options: ServiceOptions): http.Server {
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  let queue: Promise<unknown> = Promise.resolve();
  /** Runs predictions one after another: the provider tracks one face at a time. */
  const serial = <T>(job: () => Promise<T>): Promise<T> => {
    const run = queue.then(job, job);
    queue = run.catch(() => {});
    return run;
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://service');
    if (url.pathname === '/health' && req.method === 'GET')
      return send(res, 200, { ok: true, model: options.predictor.describe() });
    if (url.pathname !== '/predict')
      throw new HttpError(404, 'not-found', `no such endpoint ${url.pathname}; POST a video to /predict`);
    if (req.method !== 'POST')
      throw new HttpError(405, 'method-not-allowed', `use POST /predict with the video as the body, not ${req.method}`);
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      req.resume();
      throw new HttpError(413, 'too-large', `the upload (${declared} bytes) is over the limit of ${maxBytes} bytes`);
    }
    const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'plm-service-'));
    const file = path.join(dir, 'upload-video');
    try {
      const bytes = await receive(req, file, maxBytes);
      if (bytes === 0) throw new HttpError(400, 'empty', 'the request has no body; POST the video file as the body');
      // predictFile resets the provider's track for each video.
      const p = await serial(() =>
        predictFile(options.predictor, file, { provider: options.provider, maxWidth: options.maxWidth }),
      );
      send(res, 200, {
        label: p.label,
        probabilities: p.probabilities,
        branch: p.branch,
        fused: p.fused,
        pixel: p.pixel,
        landmark: p.landmark,
        frames: p.frames,
        faceFrames: p.faceFrames,
        clips: p.clips,
        fps: p.fps,
        timings: p.timings,
      });
    } finally {
      await fs.promises.rm(dir, { recursive: true, force: true });
    }
  };

  return http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const e = classify(err);
      if (e.status >= 500) console.error(err);
      if (!res.headersSent) send(res, e.status, { error: { code: e.code, message: e.message } });
      else res.end();
    });
  });
}
