// upload.mjs uploads one file to Ferry's tus endpoint with tus-js-client,
// the way a browser or Node program would. cmd/ferry's TestTusJSClient
// runs it against a real `ferry web`.
//
// Usage:
//   node upload.mjs --endpoint URL --token TOKEN --file PATH
//                   [--chunk-size BYTES] [--upload-url URL]
//
// It prints one JSON line per event on stdout: {"event":"url","url":...}
// once the server has made the upload, {"event":"patch","offset":N} for
// the first PATCH (so a resumed run shows where it went on from), and
// {"event":"done","url":...} at the end. --upload-url resumes an upload
// an earlier run made (tus-js-client asks the server its offset with HEAD
// first). Any failure ends the process with status 1 and an "error" event:
// the test cuts the connection under it to make one.
import fs from 'node:fs';
import process from 'node:process';
import tus from 'tus-js-client';

function parseArgs(argv) {
  const args = { chunkSize: 256 * 1024 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    switch (flag) {
      case '--endpoint': args.endpoint = value; break;
      case '--token': args.token = value; break;
      case '--file': args.file = value; break;
      case '--chunk-size': args.chunkSize = Number(value); break;
      case '--upload-url': args.uploadUrl = value; break;
      default: throw new Error(`unknown flag ${flag}`);
    }
  }
  for (const need of ['endpoint', 'token', 'file']) {
    if (!args[need]) throw new Error(`--${need} is required`);
  }
  return args;
}

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

const args = parseArgs(process.argv.slice(2));
const size = fs.statSync(args.file).size;
let sawPatch = false;

const upload = new tus.Upload(fs.createReadStream(args.file), {
  endpoint: args.endpoint,
  uploadUrl: args.uploadUrl ?? null,
  uploadSize: size,
  chunkSize: args.chunkSize,
  headers: { Authorization: `Bearer ${args.token}` },
  metadata: { filename: 'tus-js.bin' },
  // No retries: a failure should fail the test, not be papered over.
  retryDelays: null,
  onUploadUrlAvailable() {
    emit({ event: 'url', url: upload.url });
  },
  onBeforeRequest(req) {
    if (req.getMethod() === 'PATCH' && !sawPatch) {
      sawPatch = true;
      emit({ event: 'patch', offset: Number(req.getHeader('Upload-Offset')) });
    }
  },
  onError(err) {
    emit({ event: 'error', message: String(err) });
    process.exit(1);
  },
  onSuccess() {
    emit({ event: 'done', url: upload.url });
  },
});
upload.start();
