// Starts the prediction service on a trained run: face-api finds the faces, the run's Predictor
// predicts. Run: node --import tsx examples/service/main.ts [--run runs/demo] [--port 8080] [--host 127.0.0.1]
// Then: curl --data-binary @reaction.mp4 http://127.0.0.1:8080/predict
import { createFaceApiProvider } from 'plm-ipe/node';
import { loadPredictor } from 'plm-ipe/node';
import { createPredictionServer } from './server.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

async function main(): Promise<void> {
  const run = arg('run', 'runs/demo');
  const port = Number(arg('port', '8080'));
  const host = arg('host', '127.0.0.1');
  const predictor = await loadPredictor(run);
  const provider = await createFaceApiProvider();
  const server = createPredictionServer({ predictor, provider });
  server.listen(port, host, () =>
    console.log(`plm-ipe service on http://${host}:${port}: POST a video to /predict (${predictor.describe()})`),
  );
}

main().catch((err: Error) => {
  console.error(`service: error: ${err.message}`);
  process.exit(1);
});
